/* SPDX-License-Identifier: MIT */
/* Tests of the esp8266-sim program from the outside: a child process served over a pty, raw TCP
 * or RFC 2217, driven through the port layer, its control channel, its files and its statistics. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "simtest.h"
#include "stub_blob.h"

#define MAGIC_ADDR       0x40001000u
#define MAGIC_VALUE      0xFFF0C101u
#define EFUSE_ADDR       0x3FF00050u
#define EFUSE_WORDS      4u
#define SPI_CMD          0x60000200u
#define SPI_USR          0x6000021Cu
#define SPI_USR1         0x60000220u
#define SPI_USR2         0x60000224u
#define SPI_W0           0x60000240u
#define SPI_CMD_USR      (1u << 18)
#define SPI_USR_COMMAND  (1u << 31)
#define SPI_USR_MISO     (1u << 28)
#define SPI_RDID         0x9Fu
#define SPI_POLLS        10u
#define STUB_ENTRY       0x4010C500u /* STUB_LAYOUT_ENTRY (stub/src/stub_layout.h) */
#define RAM_BLOCK        0x1800u
#define OP_MEM_BEGIN     0x05u
#define OP_MEM_END       0x06u
#define OP_MEM_DATA      0x07u
#define ROM_ERR_CHK      0x07u
#define MIB              (1024u * 1024u)
#define FLASH_4M         (4u * MIB)
#define BOOT_BAUD        74880u
#define BANNER           "MicroPython v"
#define PROMPT           ">>> "
#define WAIT_MS          5000u /* anything the tests wait for at time scale 0 comes well within */
#define LOSSY_REPLY_MS   200u  /* reply timeout where faults lose replies (time scale 0) */
#define FAULT_AT         1000u /* byte position of the positional faults */
#define ARGS_MAX         48u
#define CONNECT_ATTEMPTS 3u
#define PROCS            2u

struct ctx {
    const char *sim;
    char dir[64]; /* /tmp/mf-esp8266-sim-XXXXXX */
    struct simtest_proc proc[PROCS];
    struct simtest_client client;
};

/* ---- fixture ---- */

static int ctx_teardown(void **state)
{
    struct ctx *c = *state;
    if (c->client.port != NULL) {
        simtest_close(&c->client);
    }
    for (unsigned i = 0; i < PROCS; i++) {
        simtest_kill(&c->proc[i]);
    }
    return 0;
}

static const char *ctx_path(const struct ctx *c, const char *name, char *buf)
{
    snprintf(buf, PATH_MAX, "%s/%s", c->dir, name);
    return buf;
}

/* Starts esp8266-sim in slot `slot` with the NULL-terminated options that follow. */
static struct simtest_proc *sim_start(struct ctx *c, unsigned slot, ...)
{
    const char *args[ARGS_MAX];
    size_t n = 0;
    va_list ap;
    va_start(ap, slot);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL && n + 1 < ARGS_MAX;) {
        args[n++] = a;
    }
    va_end(ap);
    args[n] = NULL;
    assert_int_equal(simtest_start(&c->proc[slot], c->sim, args), 0);
    return &c->proc[slot];
}

/* The client's port name for a running program. */
static const char *sim_port_name(const struct simtest_proc *p, char *buf)
{
    if (strcmp(p->kind, "pty") == 0) {
        snprintf(buf, PATH_MAX, "%s", p->where);
    } else {
        snprintf(buf, PATH_MAX, "%s://127.0.0.1:%s",
                 strcmp(p->kind, "tcp") == 0 ? "socket" : "rfc2217", p->where);
    }
    return buf;
}

static void client_open(struct ctx *c, const struct simtest_proc *p, uint32_t baud)
{
    char name[PATH_MAX];
    assert_int_equal(simtest_open(&c->client, sim_port_name(p, name), baud), PORT_OK);
}

/* Open at 115200, then esptool's connect: reset into download mode and SYNC, a few attempts
 * (a client stalled between the two ioctls of the reset fails on hardware too). */
static void client_connect_syncs(struct ctx *c, const struct simtest_proc *p, unsigned syncs)
{
    bool synced = false;
    client_open(c, p, 115200);
    for (unsigned attempt = 0; attempt < CONNECT_ATTEMPTS && !synced; attempt++) {
        simtest_reset_download(&c->client);
        synced = simtest_sync(&c->client, syncs);
    }
    assert_true(synced);
}

static void client_connect(struct ctx *c, const struct simtest_proc *p)
{
    client_connect_syncs(c, p, 5);
}

static char *stats_line(struct simtest_proc *p)
{
    char *json = simtest_control(p, "STATS");
    assert_non_null(json);
    assert_int_equal(json[0], '{');
    return json;
}

static uint64_t stats_u64(struct simtest_proc *p, const char *section, const char *key)
{
    uint64_t v = 0;
    char *json = stats_line(p);
    bool found = simtest_json_u64(json, section, key, &v);
    free(json);
    assert_true(found);
    return v;
}

/* Waits (through STATS) until the board has done everything it had to do. */
static char *stats_when_idle(struct simtest_proc *p, uint64_t min_resets)
{
    uint64_t deadline = simtest_now_ms() + WAIT_MS, resets = 0;
    for (;;) {
        char *json = stats_line(p);
        if (strstr(json, "\"idle\":true") != NULL &&
            simtest_json_u64(json, NULL, "resets", &resets) && resets >= min_resets) {
            return json;
        }
        free(json);
        assert_true(simtest_now_ms() < deadline);
    }
}

static void quit_ok(struct simtest_proc *p)
{
    assert_int_equal(simtest_quit(p), 0);
}

static void pattern(uint8_t *buf, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        buf[i] = (uint8_t)(i * 7u + seed + (i >> 8));
    }
}

static bool all_ff(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0xFF) {
            return false;
        }
    }
    return true;
}

static bool all_byte(const uint8_t *p, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != v) {
            return false;
        }
    }
    return true;
}

/* Sends filler bytes outside any frame (the ROM ignores them) until `total` bytes were sent. */
static void pad_to(struct simtest_client *cl, uint64_t total)
{
    static const uint8_t zeros[256];
    assert_true(cl->sent <= total);
    while (cl->sent < total) {
        uint64_t n = total - cl->sent < sizeof zeros ? total - cl->sent : sizeof zeros;
        assert_int_equal(simtest_send(cl, zeros, (size_t)n), PORT_OK);
    }
}

/* ---- download mode, eFuse MAC, JEDEC ID ---- */

static uint32_t spi_rdid(struct simtest_client *cl)
{
    uint32_t usr = 0, usr2 = 0, cmd = SPI_CMD_USR, id = 0;
    /* protocol doc §6.1: attach in ROM mode, then a 24-bit read of RDID by the USR engine */
    assert_true(simtest_flash_begin(cl, 0, 0));
    assert_true(simtest_read_reg(cl, SPI_USR, &usr));
    assert_true(simtest_read_reg(cl, SPI_USR2, &usr2));
    assert_true(simtest_write_reg(cl, SPI_USR1, (24u - 1u) << 8));
    assert_true(simtest_write_reg(cl, SPI_USR, SPI_USR_COMMAND | SPI_USR_MISO));
    assert_true(simtest_write_reg(cl, SPI_USR2, (7u << 28) | SPI_RDID));
    assert_true(simtest_write_reg(cl, SPI_W0, 0));
    assert_true(simtest_write_reg(cl, SPI_CMD, SPI_CMD_USR));
    for (unsigned i = 0; i < SPI_POLLS && (cmd & SPI_CMD_USR); i++) {
        assert_true(simtest_read_reg(cl, SPI_CMD, &cmd));
    }
    assert_int_equal(cmd & SPI_CMD_USR, 0);
    assert_true(simtest_read_reg(cl, SPI_W0, &id));
    assert_true(simtest_write_reg(cl, SPI_USR, usr));
    assert_true(simtest_write_reg(cl, SPI_USR2, usr2));
    return id & 0xFFFFFFu;
}

static void test_download_mac_rdid(void **state)
{
    struct ctx *c = *state;
    char link[PATH_MAX];
    uint32_t w[EFUSE_WORDS], magic = 0;
    struct simtest_proc *p = sim_start(c, 0, "--pty", ctx_path(c, "ttyMAC", link), "--time-scale",
                                       "0", "--mac", "5C:CF:7F:A1:B2:C3", "--flash-vendor",
                                       "gigadevice", "--flash-size", "2M", NULL);
    assert_string_equal(p->kind, "pty");
    assert_string_equal(p->where, link);
    client_connect(c, p);
    assert_true(simtest_read_reg(&c->client, MAGIC_ADDR, &magic));
    assert_int_equal(magic, MAGIC_VALUE);

    /* MAC from the eFuse words as esptool decodes them (protocol doc §5.2) */
    for (unsigned i = 0; i < EFUSE_WORDS; i++) {
        assert_true(simtest_read_reg(&c->client, EFUSE_ADDR + 4u * i, &w[i]));
    }
    uint8_t mac[6];
    if (w[3] != 0) {
        mac[0] = (uint8_t)(w[3] >> 16);
        mac[1] = (uint8_t)(w[3] >> 8);
        mac[2] = (uint8_t)w[3];
    } else {
        static const uint8_t OUIS[2][3] = {{0x18, 0xFE, 0x34}, {0xAC, 0xD0, 0x74}};
        unsigned sel = (w[1] >> 16) & 0xFFu;
        assert_true(sel < 2);
        memcpy(mac, OUIS[sel], 3);
    }
    mac[3] = (uint8_t)(w[1] >> 8);
    mac[4] = (uint8_t)w[1];
    mac[5] = (uint8_t)(w[0] >> 24);
    static const uint8_t EXPECTED[6] = {0x5C, 0xCF, 0x7F, 0xA1, 0xB2, 0xC3};
    assert_memory_equal(mac, EXPECTED, 6);

    /* GigaDevice GD25Q16: C8 40 15 */
    assert_int_equal(spi_rdid(&c->client), 0x1540C8u);
    simtest_close(&c->client);
    quit_ok(p);
}

/* ---- stub mode ---- */

/* MEM_BEGIN + MEM_DATA blocks of one of the stub's segments, as esptool sends them. */
static void mem_load(struct ctx *c, const struct stub_blob_segment *seg)
{
    static uint8_t d[16 + RAM_BLOCK];
    uint32_t blocks = (seg->size + RAM_BLOCK - 1) / RAM_BLOCK;
    struct simtest_reply r;

    simtest_put32(d, seg->size);
    simtest_put32(d + 4, blocks);
    simtest_put32(d + 8, RAM_BLOCK);
    simtest_put32(d + 12, seg->addr);
    assert_true(simtest_command(&c->client, OP_MEM_BEGIN, d, 16, 0, WAIT_MS, &r));
    assert_true(simtest_reply_ok(&r));
    for (uint32_t seq = 0; seq < blocks; seq++) {
        uint32_t at = seq * RAM_BLOCK;
        uint32_t n = seg->size - at < RAM_BLOCK ? seg->size - at : RAM_BLOCK;
        memset(d, 0, 16);
        simtest_put32(d, n);
        simtest_put32(d + 4, seq);
        memcpy(d + 16, seg->data + at, n);
        assert_true(simtest_command(&c->client, OP_MEM_DATA, d, 16u + n,
                                    simtest_checksum(seg->data + at, n), WAIT_MS, &r));
        assert_true(simtest_reply_ok(&r));
    }
}

static void test_stub_mode(void **state)
{
    struct ctx *c = *state;
    char link[PATH_MAX];
    const struct stub_blob *blob = stub_blob();
    uint8_t d[8], frame[64];
    struct simtest_reply r;
    size_t len = 0;
    uint32_t magic = 0;
    struct simtest_proc *p =
            sim_start(c, 0, "--pty", ctx_path(c, "ttySTUB", link), "--time-scale", "0", NULL);

    client_connect(c, p);
    /* MicroFlash's stub as the engine uploads it: the simulator runs its logic only for these
     * bytes */
    assert_int_equal(blob->entry, STUB_ENTRY);
    mem_load(c, &blob->text);
    mem_load(c, &blob->data);
    simtest_put32(d, 0);
    simtest_put32(d + 4, blob->entry);
    assert_true(simtest_command(&c->client, OP_MEM_END, d, 8, 0, WAIT_MS, &r));
    assert_true(simtest_reply_ok(&r));
    /* the host-compiled stub greets and answers in place of the uploaded bytes */
    assert_true(simtest_next_frame(&c->client, frame, sizeof frame, &len, WAIT_MS));
    assert_int_equal(len, 4);
    assert_memory_equal(frame, "OHAI", 4);
    assert_true(simtest_read_reg(&c->client, MAGIC_ADDR, &magic));
    assert_int_equal(magic, MAGIC_VALUE);
    char *json = stats_line(p);
    assert_non_null(strstr(json, "\"state\":\"stub\""));
    free(json);
    assert_int_equal(stats_u64(p, "board", "stub_starts"), 1);
    simtest_close(&c->client);
    quit_ok(p);
}

/* ---- ROM write, --flash-out, --stats ---- */

/* Checks the statistics file and the STATS line with Python's json module. */
static const char STATS_CHECK[] =
        "import json, sys\n"
        "j = json.load(open(sys.argv[1]))\n"
        "line = open(sys.argv[2]).read()\n"
        "assert '\\n' not in line.strip(), 'STATS is one line'\n"
        "json.loads(line)\n"
        "assert j['format'] == 'esp8266-sim-stats/1'\n"
        "for k in ('virtual_ns', 'time_scale', 'board', 'faults', 'host', 'wire', 'busy_ns',\n"
        "          'resets', 'rx_dropped', 'commands', 'flash', 'flash_written', 'violations',\n"
        "          'job', 'bound'):\n"
        "    assert k in j, k\n"
        "cmd = {c['name']: c['count'] for c in j['commands']}\n"
        "assert cmd['SYNC'] >= 1 and cmd['FLASH_BEGIN'] == 1 and cmd['FLASH_DATA'] == 6, cmd\n"
        "v = j['violations']\n"
        "assert v['counts']['checksum'] == 1 and v['total'] == 1, v\n"
        "assert v['log'][0]['kind'] == 'checksum', v\n"
        "f = j['flash']\n"
        "assert f['program']['count'] == 20 and f['program']['busy_ns'] > 0, f\n"
        "erases = sum(f[k]['count'] for k in ('erase_sector', 'erase_32k', 'erase_64k',\n"
        "             'erase_chip'))\n"
        "assert erases >= 1, f\n"
        "assert j['flash_written'] == [{'offset': 65536, 'length': 5120}], j['flash_written']\n"
        "w = j['wire']\n"
        "assert w['bytes_to_chip'] == j['host']['bytes_from_client'] > 6 * 1024, w\n"
        "assert w['ns_to_chip'] >= w['bytes_to_chip'] * 86000, w\n"
        "assert j['busy_ns'] == sum(f[k]['busy_ns'] for k in f), j['busy_ns']\n"
        "job = j['job']\n"
        "assert job['offset'] == 65536 and job['length'] == 5120 and job['erase_all'], job\n"
        "assert 0 < job['compressed_len'] < 5120 and job['baud'] == 115200, job\n"
        "b = j['bound']\n"
        "assert b['pages_programmed'] == 20 and b['sectors_dirty'] == 0, b\n"
        "assert b['total_ns'] == b['reset_sync_ns'] + b['stub_ns'] + max(b['wire_ns'],\n"
        "       b['flash_work_ns']) + b['verify_ns'], b\n"
        "assert j['board']['chip'] == 'ESP8266EX' and j['board']['jedec_id'] == 'EF4016', j\n";

static void test_rom_write_flash_out_stats(void **state)
{
    struct ctx *c = *state;
    char link[PATH_MAX], out[PATH_MAX], stats[PATH_MAX], line[PATH_MAX];
    enum { LEN = 5000, OFFSET = 0x10000, BLOCK = 0x400 };
    uint8_t data[LEN];
    struct simtest_reply r;
    pattern(data, LEN, 3);
    struct simtest_proc *p =
            sim_start(c, 0, "--pty", ctx_path(c, "ttyW", link), "--time-scale", "0", "--flash-out",
                      ctx_path(c, "w.bin", out), "--stats", ctx_path(c, "w.json", stats), NULL);
    client_connect(c, p);
    assert_true(simtest_flash_begin(&c->client, OFFSET, LEN));
    for (uint32_t seq = 0; seq < 4; seq++) {
        assert_true(simtest_flash_block(&c->client, seq, data + seq * BLOCK, BLOCK, 0, &r));
        assert_true(simtest_reply_ok(&r));
    }
    /* a spoilt checksum: ROM status 1, error 0x07; the retried block goes through */
    assert_true(simtest_flash_block(&c->client, 4, data + 4 * BLOCK, LEN - 4 * BLOCK, 0x5A, &r));
    assert_int_equal(r.len, 2);
    assert_int_equal(r.data[0], 1);
    assert_int_equal(r.data[1], ROM_ERR_CHK);
    assert_true(simtest_flash_block(&c->client, 4, data + 4 * BLOCK, LEN - 4 * BLOCK, 0, &r));
    assert_true(simtest_reply_ok(&r));

    char *json = stats_line(p);
    FILE *f = fopen(ctx_path(c, "line.json", line), "w");
    assert_non_null(f);
    fputs(json, f);
    fclose(f);
    free(json);
    simtest_close(&c->client);
    quit_ok(p);

    size_t size = 0;
    uint8_t *flash = simtest_read_file(out, &size);
    assert_non_null(flash);
    assert_int_equal(size, FLASH_4M);
    assert_memory_equal(flash + OFFSET, data, LEN);
    assert_true(all_ff(flash, OFFSET));
    assert_true(all_ff(flash + OFFSET + LEN, FLASH_4M - OFFSET - LEN)); /* padding too */
    free(flash);

    char msg[4096];
    const char *py[] = {"-c", STATS_CHECK, stats, line, NULL};
    int rc = simtest_run("python3", py, msg, sizeof msg);
    if (rc != 0) {
        fprintf(stderr, "%s\n", msg);
    }
    assert_int_equal(rc, 0);
}

/* ---- a used board boots MicroPython; flash modes; --flash-in dumps ---- */

static void test_used_board_micropython(void **state)
{
    struct ctx *c = *state;
    char link[PATH_MAX], dump[PATH_MAX];
    size_t at = 0, csum = 0, end = 0;
    struct simtest_proc *p =
            sim_start(c, 0, "--pty", ctx_path(c, "ttyU", link), "--time-scale", "0",
                      "--flash-state", "used", "--flash-out", ctx_path(c, "used.bin", dump), NULL);
    client_open(c, p, 115200);
    simtest_reset_run(&c->client);
    assert_true(simtest_read_until(&c->client, PROMPT, WAIT_MS, &at));
    assert_true(simtest_read_until(&c->client, BANNER, 0, &at));
    /* before "\r\n" + banner: the ROM's 74880-baud lines read at 115200 */
    assert_true(at >= 2);
    assert_memory_equal(c->client.rx + at - 2, "\r\n", 2);
    size_t garbage = at - 2;
    assert_null(memmem(c->client.rx, garbage, "ets Jan", 7));

    /* the same boot at 74880 shows the ROM's text: the garbage had its length, roughly */
    assert_int_equal(port_set_baud(c->client.port, BOOT_BAUD, NULL), PORT_OK);
    simtest_forget(&c->client);
    simtest_reset_run(&c->client);
    assert_true(simtest_read_until(&c->client, "csum 0x", WAIT_MS, &csum));
    assert_true(simtest_read_until(&c->client, "\r\n", WAIT_MS, &end));
    assert_true(
            simtest_read_until(&c->client, "ets Jan  8 2013,rst cause:2, boot mode:(3,6)", 0, &at));
    size_t rom_text = csum + strlen("csum 0x") + 4; /* two hex digits, CR LF */
    fprintf(stderr, "ROM text %zu bytes, read at 115200 as %zu bytes\n", rom_text, garbage);
    assert_true(garbage >= rom_text / 2 && garbage <= 2 * rom_text);
    simtest_close(&c->client);
    quit_ok(p);

    /* the dump holds a qio image: a board wired for dio/dout never shows the banner */
    p = sim_start(c, 0, "--pty", ctx_path(c, "ttyD", link), "--time-scale", "0", "--flash-in", dump,
                  "--board-flash-modes", "dio,dout", NULL);
    client_open(c, p, 115200);
    simtest_reset_run(&c->client);
    char *json = stats_when_idle(p, 2);
    assert_non_null(strstr(json, "\"state\":\"halted\""));
    free(json);
    simtest_receive(&c->client, 100);
    assert_true(c->client.rx_len > 0); /* the ROM spoke (at 74880) */
    assert_false(simtest_read_until(&c->client, BANNER, 100, &at));
    simtest_close(&c->client);
    quit_ok(p);

    /* the same dump on a board that reads qio boots */
    p = sim_start(c, 0, "--pty", ctx_path(c, "ttyQ", link), "--time-scale", "0", "--flash-in", dump,
                  NULL);
    client_open(c, p, 115200);
    simtest_reset_run(&c->client);
    assert_true(simtest_read_until(&c->client, BANNER, WAIT_MS, &at));
    assert_true(simtest_read_until(&c->client, PROMPT, WAIT_MS, &at));
    simtest_close(&c->client);
    quit_ok(p);
}

/* ---- boards without auto-reset ---- */

static void test_no_auto_reset_buttons(void **state)
{
    struct ctx *c = *state;
    char link[PATH_MAX];
    uint32_t magic = 0;
    struct simtest_proc *p = sim_start(c, 0, "--pty", ctx_path(c, "ttyN", link), "--time-scale",
                                       "0", "--no-auto-reset", NULL);
    client_open(c, p, 115200);
    simtest_reset_download(&c->client); /* DTR/RTS reach no circuit */
    assert_false(simtest_sync(&c->client, 2));
    assert_true(simtest_control_ok(p, "BOOT DOWN"));
    assert_true(simtest_control_ok(p, "RESET"));
    assert_true(simtest_control_ok(p, "boot up")); /* case and spacing do not matter */
    assert_true(simtest_sync(&c->client, 5));
    assert_true(simtest_read_reg(&c->client, MAGIC_ADDR, &magic));
    assert_int_equal(magic, MAGIC_VALUE);
    char *reply = simtest_control(p, "JUMP");
    assert_non_null(reply);
    assert_memory_equal(reply, "ERR ", 4);
    free(reply);
    simtest_close(&c->client);
    quit_ok(p);
}

/* ---- faults ---- */

/* READ_REG of the magic word n times; how many came back right. */
static unsigned magic_reads(struct simtest_client *cl, unsigned n)
{
    unsigned good = 0;
    uint32_t v = 0;
    cl->timeout_ms = LOSSY_REPLY_MS;
    for (unsigned i = 0; i < n; i++) {
        good += simtest_read_reg(cl, MAGIC_ADDR, &v) && v == MAGIC_VALUE;
    }
    return good;
}

static void test_fault_drop_to_chip(void **state)
{
    struct ctx *c = *state;
    char link[PATH_MAX];
    struct simtest_proc *p =
            sim_start(c, 0, "--pty", ctx_path(c, "ttyDrop", link), "--time-scale", "0", "--seed",
                      "1", "--fault", "drop:to-chip:ppm=10000", NULL);
    client_connect_syncs(c, p, 20); /* SYNC frames suffer from the faults too */
    unsigned good = magic_reads(&c->client, 40);
    fprintf(stderr, "drop to chip: %u of 40 replies\n", good);
    assert_true(good > 0 && good < 40);
    /* the board received fewer bytes than the client sent */
    uint64_t sent = stats_u64(p, "host", "bytes_from_client");
    uint64_t wire = stats_u64(p, "wire", "bytes_to_chip");
    assert_int_equal(sent, c->client.sent);
    assert_true(wire < sent);
    simtest_close(&c->client);
    quit_ok(p);
}

static void test_fault_flip_to_chip(void **state)
{
    struct ctx *c = *state;
    char link[PATH_MAX];
    uint8_t data[1024];
    struct simtest_reply r;
    unsigned failed = 0;
    struct simtest_proc *p =
            sim_start(c, 0, "--pty", ctx_path(c, "ttyFlip", link), "--time-scale", "0", "--seed",
                      "2", "--fault", "flip:to-chip:ppm=3000", NULL);
    client_connect_syncs(c, p, 20); /* SYNC frames suffer from the faults too */
    c->client.timeout_ms = LOSSY_REPLY_MS;
    bool begun = false;
    for (unsigned k = 0; k < 5 && !begun; k++) {
        begun = simtest_flash_begin(&c->client, 0x20000, 8 * sizeof data);
    }
    assert_true(begun);
    pattern(data, sizeof data, 9);
    for (uint32_t seq = 0; seq < 8; seq++) {
        failed += !simtest_flash_block(&c->client, seq, data, sizeof data, 0, &r) ||
                  !simtest_reply_ok(&r);
    }
    assert_true(failed > 0);
    uint64_t checksum = stats_u64(p, "counts", "checksum");
    uint64_t total = stats_u64(p, "violations", "total");
    fprintf(stderr, "flip to chip: %u of 8 blocks failed, %llu checksum errors\n", failed,
            (unsigned long long)checksum);
    assert_true(total > 0);
    simtest_close(&c->client);
    quit_ok(p);
}

static void test_fault_to_host(void **state)
{
    struct ctx *c = *state;
    char link[PATH_MAX];
    struct simtest_proc *p = sim_start(c, 0, "--pty", ctx_path(c, "ttyHost", link), "--time-scale",
                                       "0", "--seed", "3", "--fault", "drop:to-host:ppm=10000",
                                       "--fault", "flip:to-host:ppm=10000", NULL);
    client_connect_syncs(c, p, 20); /* SYNC frames suffer from the faults too */
    unsigned good = magic_reads(&c->client, 40);
    fprintf(stderr, "drop and flip to host: %u of 40 replies intact\n", good);
    assert_true(good > 0 && good < 40);
    /* the chip answered every command: the losses happened on the way back */
    char *json = stats_line(p);
    assert_non_null(strstr(json, "\"name\":\"READ_REG\",\"count\":40}"));
    free(json);
    simtest_close(&c->client);
    quit_ok(p);
}

static void test_fault_stall(void **state)
{
    struct ctx *c = *state;
    char link[PATH_MAX];
    uint32_t v = 0;
    struct simtest_proc *p = sim_start(c, 0, "--pty", ctx_path(c, "ttyStall", link), "--time-scale",
                                       "1", "--fault", "stall:at=1000:ms=400", NULL);
    client_connect(c, p);
    pad_to(&c->client, FAULT_AT - 20);
    uint64_t t0 = simtest_now_ms();
    assert_true(simtest_read_reg(&c->client, MAGIC_ADDR, &v)); /* bytes K-19 .. K-6 */
    uint64_t before = simtest_now_ms() - t0;
    t0 = simtest_now_ms();
    assert_true(simtest_read_reg(&c->client, MAGIC_ADDR, &v)); /* bytes K-5 .. K+8 */
    uint64_t stalled = simtest_now_ms() - t0;
    fprintf(stderr, "round trip %llu ms, with the stall %llu ms\n", (unsigned long long)before,
            (unsigned long long)stalled);
    assert_true(before < 300);
    assert_true(stalled >= 390 && stalled - before >= 300 && stalled < 2000);
    simtest_close(&c->client);
    quit_ok(p);
}

static void test_fault_unplug(void **state)
{
    struct ctx *c = *state;
    char link[PATH_MAX];
    struct simtest_client again;
    struct simtest_proc *p = sim_start(c, 0, "--pty", ctx_path(c, "ttyUnplug", link),
                                       "--time-scale", "0", "--fault", "unplug:at=1000", NULL);
    client_connect(c, p);
    pad_to(&c->client, FAULT_AT + 10);
    assert_int_equal(simtest_read_until_error(&c->client, WAIT_MS), PORT_ERR_GONE);
    char *json = stats_line(p);
    assert_non_null(strstr(json, "\"state\":\"off\""));
    assert_non_null(strstr(json, "\"unplugged\":true"));
    free(json);
    /* the port is gone, as a USB adapter's is */
    assert_int_equal(access(link, F_OK), -1);
    assert_int_not_equal(simtest_open(&again, link, 115200), PORT_OK);
    simtest_close(&c->client);
    quit_ok(p);
}

/* UNPLUG, then POWER ON: the adapter comes back at the same path as a new pty whose modem
 * lines work (a run-mode reset through RTS shows MicroPython's banner). */
static void test_unplug_replug(void **state)
{
    struct ctx *c = *state;
    char link[PATH_MAX];
    size_t at = 0;
    struct simtest_proc *p = sim_start(c, 0, "--pty", ctx_path(c, "ttyReplug", link),
                                       "--time-scale", "0", "--flash-state", "used", NULL);
    client_open(c, p, 115200);
    assert_int_equal(simtest_send(&c->client, "\x03", 1), PORT_OK);
    assert_true(simtest_read_until(&c->client, PROMPT, WAIT_MS, &at));
    assert_true(simtest_control_ok(p, "UNPLUG"));
    assert_int_equal(simtest_read_until_error(&c->client, WAIT_MS), PORT_ERR_GONE);
    assert_int_equal(access(link, F_OK), -1);
    simtest_close(&c->client);
    assert_true(simtest_control_ok(p, "POWER ON"));
    assert_int_equal(access(link, F_OK), 0);
    char *json = stats_line(p);
    assert_non_null(strstr(json, "\"unplugged\":false"));
    free(json);
    client_open(c, p, 115200);
    simtest_reset_run(&c->client);
    assert_true(simtest_read_until(&c->client, BANNER, WAIT_MS, &at));
    assert_true(simtest_read_until(&c->client, PROMPT, WAIT_MS, &at));
    simtest_forget(&c->client);
    assert_int_equal(simtest_send(&c->client, "print(6*7)\r", 11), PORT_OK);
    assert_true(simtest_read_until(&c->client, "\r\n42\r\n>>> ", WAIT_MS, &at));
    simtest_close(&c->client);
    quit_ok(p);
}

/* ---- MicroPython's side: REPL LAST, FS-OUT, the repl statistics ---- */

/* Sends text to the friendly REPL and waits for the prompt after it. */
static void repl_line(struct ctx *c, const char *text)
{
    size_t at = 0;
    simtest_forget(&c->client);
    assert_int_equal(simtest_send(&c->client, text, strlen(text)), PORT_OK);
    assert_true(simtest_read_until(&c->client, PROMPT, WAIT_MS, &at));
}

static void expect_reply(struct simtest_proc *p, const char *cmd, const char *want)
{
    char *reply = simtest_control(p, cmd);
    assert_non_null(reply);
    assert_string_equal(reply, want);
    free(reply);
}

static void test_repl_control(void **state)
{
    struct ctx *c = *state;
    char link[PATH_MAX], out[PATH_MAX], cmd[2 * PATH_MAX];
    size_t at = 0, len = 0;
    uint8_t bytes[256], big[300];
    struct simtest_proc *p = sim_start(c, 0, "--pty", ctx_path(c, "ttyRepl", link), "--time-scale",
                                       "0", "--flash-state", "used", NULL);
    client_open(c, p, 115200);
    repl_line(c, "\x03");
    expect_reply(p, "REPL LAST", "OK \"\"");
    repl_line(c, "s = 'a\"b\\\\'\r");
    expect_reply(p, "REPL LAST", "OK \"s = 'a\\\"b\\\\\\\\'\"");
    /* a paste keeps its line ends, tabs and bytes from 0x80 (readline drops those) */
    repl_line(c, "\x05"
                 "for i in range(2):\r\tprint(i, '\xc3\xa9')\r\x04");
    expect_reply(p, "REPL LAST", "OK \"for i in range(2):\\r\\tprint(i, '\\u00c3\\u00a9')\\r\"");
    assert_int_equal(stats_u64(p, "repl", "programs"), 2);

    /* FS-OUT: a file the board's Python wrote, byte for byte */
    repl_line(c, "f=open('t.bin','wb')\r");
    repl_line(c, "f.write(bytes(range(256)))\r");
    repl_line(c, "f.close()\r");
    snprintf(cmd, sizeof cmd, "FS-OUT /t.bin %s", ctx_path(c, "t.bin", out));
    assert_true(simtest_control_ok(p, cmd));
    uint8_t *data = simtest_read_file(out, &len);
    assert_non_null(data);
    assert_int_equal(len, sizeof bytes);
    for (size_t i = 0; i < sizeof bytes; i++) {
        bytes[i] = (uint8_t)i;
    }
    assert_memory_equal(data, bytes, sizeof bytes);
    free(data);
    expect_reply(p, "FS-OUT /none.bin /tmp/x", "ERR the board has no file /none.bin");
    char *reply = simtest_control(p, "FS-OUT /t.bin");
    assert_non_null(reply);
    assert_memory_equal(reply, "ERR ", 4);
    free(reply);

    /* raw paste within the window, then one that overruns it */
    char *json = stats_line(p);
    assert_non_null(strstr(json, "\"repl\":{\"mode\":\"friendly\""));
    free(json);
    simtest_forget(&c->client);
    assert_int_equal(simtest_send(&c->client,
                                  "\x01\x05"
                                  "A\x01",
                                  4),
                     PORT_OK);
    assert_true(simtest_read_until(&c->client, "R\x01\x80", WAIT_MS, &at));
    assert_int_equal(simtest_send(&c->client, "print(1)\x04", 9), PORT_OK);
    assert_true(simtest_read_until(&c->client,
                                   "\x04"
                                   "1\r\n\x04\x04>",
                                   WAIT_MS, &at));
    assert_int_equal(stats_u64(p, "repl", "raw_paste_sessions"), 1);
    assert_int_equal(stats_u64(p, "repl", "raw_paste_last_bytes"), 8);
    assert_int_equal(stats_u64(p, "repl", "window_violations"), 0);
    memset(big, ' ', sizeof big);
    big[sizeof big - 1] = '1';
    simtest_forget(&c->client);
    assert_int_equal(simtest_send(&c->client,
                                  "\x05"
                                  "A\x01",
                                  3),
                     PORT_OK);
    assert_true(simtest_read_until(&c->client, "R\x01\x80", WAIT_MS, &at));
    assert_int_equal(simtest_send(&c->client, big, sizeof big), PORT_OK);
    assert_int_equal(simtest_send(&c->client, "\x04", 1), PORT_OK);
    assert_true(simtest_read_until(&c->client, "\x04>", WAIT_MS, &at));
    assert_int_equal(stats_u64(p, "repl", "window_violations"), sizeof big - 256u);
    assert_int_equal(stats_u64(p, "repl", "window_violation_sessions"), 1);
    simtest_close(&c->client);
    quit_ok(p);
}

static void test_fault_reset(void **state)
{
    struct ctx *c = *state;
    char link[PATH_MAX];
    size_t at = 0;
    struct simtest_proc *p = sim_start(c, 0, "--pty", ctx_path(c, "ttyReset", link), "--time-scale",
                                       "0", "--fault", "reset:at=1000", NULL);
    client_connect(c, p);
    uint64_t resets = stats_u64(p, NULL, "resets");
    assert_int_equal(port_set_baud(c->client.port, BOOT_BAUD, NULL), PORT_OK);
    simtest_forget(&c->client);
    pad_to(&c->client, FAULT_AT + 10);
    /* mid-session the chip restarts: EN pulsed, GPIO0 high, flash boot */
    assert_true(simtest_read_until(&c->client, "ets Jan  8 2013,rst cause:2, boot mode:(3,6)",
                                   WAIT_MS, &at));
    assert_int_equal(stats_u64(p, NULL, "resets"), resets + 1);
    simtest_close(&c->client);
    quit_ok(p);
}

static void test_fault_flash(void **state)
{
    struct ctx *c = *state;
    char link[PATH_MAX], in[PATH_MAX], out[PATH_MAX];
    enum { ZEROS = 0x30000, LEN = 8192, PROG_AT = 0x40000, ERASE_AT = 0x20000 };
    uint8_t *zeros = calloc(1, ZEROS);
    uint8_t data[LEN];
    assert_non_null(zeros);
    FILE *f = fopen(ctx_path(c, "zeros.bin", in), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(zeros, 1, ZEROS, f), ZEROS);
    fclose(f);
    free(zeros);
    pattern(data, LEN, 5);
    struct simtest_proc *p =
            sim_start(c, 0, "--pty", ctx_path(c, "ttyFF", link), "--time-scale", "0", "--flash-in",
                      in, "--flash-out", ctx_path(c, "ff.bin", out), "--fault",
                      "fail-program:addr=0x40100", "--fault", "fail-erase:addr=0x21000", NULL);
    client_connect(c, p);
    /* the ROM does not verify: both writes report success */
    assert_true(simtest_flash_write(&c->client, PROG_AT, data, LEN));
    assert_true(simtest_flash_write(&c->client, ERASE_AT, data, LEN));
    char *json = stats_line(p);
    uint64_t prog_failed = 0, erase_failed = 0, v = 0;
    assert_true(simtest_json_u64(json, "program", "failed", &prog_failed));
    static const char *const ERASES[] = {"erase_sector", "erase_32k", "erase_64k", "erase_chip"};
    for (size_t i = 0; i < 4; i++) {
        assert_true(simtest_json_u64(json, ERASES[i], "failed", &v));
        erase_failed += v;
    }
    free(json);
    assert_int_equal(prog_failed, 1);
    assert_int_equal(erase_failed, 1);
    simtest_close(&c->client);
    quit_ok(p);

    size_t size = 0;
    uint8_t *flash = simtest_read_file(out, &size);
    assert_non_null(flash);
    assert_int_equal(size, FLASH_4M);
    /* the page at 0x40100 stayed erased, the rest was written */
    assert_memory_equal(flash + PROG_AT, data, 0x100);
    assert_true(all_ff(flash + PROG_AT + 0x100, 0x100));
    assert_memory_equal(flash + PROG_AT + 0x200, data + 0x200, LEN - 0x200);
    /* the sector at 0x21000 kept its zeros, and programming cannot set bits */
    assert_memory_equal(flash + ERASE_AT, data, 0x1000);
    assert_true(all_byte(flash + ERASE_AT + 0x1000, 0x1000, 0));
    free(flash);
}

/* Modelled time of FLASH_BEGIN's erase for 16 KiB at 0. */
static uint64_t erase_busy_ns(struct ctx *c, const char *fault)
{
    char link[PATH_MAX];
    struct simtest_proc *p = fault != NULL ? sim_start(c, 0, "--pty", ctx_path(c, "ttySlow", link),
                                                       "--time-scale", "0", "--fault", fault, NULL)
                                           : sim_start(c, 0, "--pty", ctx_path(c, "ttyFast", link),
                                                       "--time-scale", "0", NULL);
    client_connect(c, p);
    assert_true(simtest_flash_begin(&c->client, 0, 16384));
    uint64_t busy = stats_u64(p, NULL, "busy_ns");
    simtest_close(&c->client);
    quit_ok(p);
    return busy;
}

static void test_fault_slow_flash(void **state)
{
    struct ctx *c = *state;
    uint64_t typical = erase_busy_ns(c, NULL);
    uint64_t slow = erase_busy_ns(c, "slow-flash");
    fprintf(stderr, "erase: typical %llu ns, slow %llu ns\n", (unsigned long long)typical,
            (unsigned long long)slow);
    assert_true(typical > 0);
    assert_true(slow >= 5 * typical); /* worst-case datasheet times are 5-10x typical */
}

/* ---- other endpoints ---- */

static void test_tcp_smoke(void **state)
{
    struct ctx *c = *state;
    uint32_t magic = 0;
    struct simtest_proc *p = sim_start(c, 0, "--tcp", "0", "--time-scale", "0", NULL);
    assert_string_equal(p->kind, "tcp");
    client_open(c, p, 115200);
    /* raw TCP has no modem lines: the buttons put the chip in download mode */
    assert_true(simtest_control_ok(p, "BOOT DOWN"));
    assert_true(simtest_control_ok(p, "RESET"));
    assert_true(simtest_control_ok(p, "BOOT UP"));
    assert_true(simtest_sync(&c->client, 5));
    assert_true(simtest_read_reg(&c->client, MAGIC_ADDR, &magic));
    assert_int_equal(magic, MAGIC_VALUE);
    simtest_close(&c->client);
    quit_ok(p);
}

static void test_rfc2217_smoke(void **state)
{
    struct ctx *c = *state;
    uint32_t magic = 0;
    struct simtest_proc *p = sim_start(c, 0, "--rfc2217", "0", "--time-scale", "0", NULL);
    assert_string_equal(p->kind, "rfc2217");
    client_connect(c, p); /* DTR/RTS travel as RFC 2217 commands */
    assert_true(simtest_read_reg(&c->client, MAGIC_ADDR, &magic));
    assert_int_equal(magic, MAGIC_VALUE);
    simtest_close(&c->client);
    quit_ok(p);
}

/* ---- pacing at time scale 1 ---- */

static void test_pacing_real_time(void **state)
{
    struct ctx *c = *state;
    char link[PATH_MAX];
    enum { FILL = 5760 }; /* 0.5 s at 115200 */
    uint32_t magic = 0;
    struct simtest_proc *p =
            sim_start(c, 0, "--pty", ctx_path(c, "ttyPace", link), "--time-scale", "1", NULL);
    client_connect(c, p);
    uint64_t t0 = simtest_now_ms();
    pad_to(&c->client, c->client.sent + FILL);
    assert_true(simtest_read_reg(&c->client, MAGIC_ADDR, &magic));
    uint64_t dt = simtest_now_ms() - t0;
    uint64_t expect = (FILL + 14u) * 10u * 1000u / 115200u;
    fprintf(stderr, "%u bytes and a READ_REG at 115200: %llu ms (wire %llu ms)\n", FILL,
            (unsigned long long)dt, (unsigned long long)expect);
    assert_true(dt >= expect - 10 && dt <= 2 * expect + 200);
    /* virtual time follows the wall clock */
    uint64_t wall = simtest_now_ms() - p->started_ms;
    uint64_t virt = stats_u64(p, NULL, "virtual_ns") / 1000000u;
    assert_true(virt + 300 >= wall && virt <= wall + 100);
    simtest_close(&c->client);
    quit_ok(p);
}

/* ---- the command line ---- */

static void expect_rejected(struct ctx *c, const char *const *args, const char *needle)
{
    char out[2048];
    assert_int_equal(simtest_run(c->sim, args, out, sizeof out), 2);
    if (strstr(out, needle) == NULL) {
        fprintf(stderr, "expected '%s' in: %s\n", needle, out);
    }
    assert_non_null(strstr(out, needle));
    assert_null(strstr(out, "READY"));
}

static void test_command_line(void **state)
{
    struct ctx *c = *state;
    char out[8192];
    const char *help[] = {"--help", NULL};
    assert_int_equal(simtest_run(c->sim, help, out, sizeof out), 0);
    assert_non_null(strstr(out, "usage: esp8266-sim"));
    const char *a1[] = {"--tcp", "0", "--fault", "drop:sideways:ppm=5", NULL};
    expect_rejected(c, a1, "to-chip or to-host");
    const char *a2[] = {"--tcp", "0", "--fault", "stall:at=10", NULL};
    expect_rejected(c, a2, "needs ms=N");
    const char *a3[] = {"--tcp", "0", "--fault", "fail-erase:addr=zero", NULL};
    expect_rejected(c, a3, "addr must be a number");
    const char *a4[] = {"--tcp", "0", "--fault", "melt", NULL};
    expect_rejected(c, a4, "unknown kind");
    const char *a5[] = {"--pty", "x", "--tcp", "0", NULL};
    expect_rejected(c, a5, "exactly one");
    const char *a6[] = {"--tcp", "0", "--flash-size", "3M", NULL};
    expect_rejected(c, a6, "512K, 1M");
}

/* ---- main ---- */

static int ctx_remove(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

#define SIM_TEST(fn) cmocka_unit_test_prestate_setup_teardown(fn, NULL, ctx_teardown, &ctx)

int main(int argc, char **argv)
{
    struct ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    if (argc != 2) {
        fprintf(stderr, "usage: test_esp8266_sim PATH-TO-esp8266-sim\n");
        return 2;
    }
    ctx.sim = argv[1];
    snprintf(ctx.dir, sizeof ctx.dir, "/tmp/mf-esp8266-sim-XXXXXX");
    if (mkdtemp(ctx.dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    const struct CMUnitTest tests[] = {
            SIM_TEST(test_command_line),
            SIM_TEST(test_download_mac_rdid),
            SIM_TEST(test_stub_mode),
            SIM_TEST(test_rom_write_flash_out_stats),
            SIM_TEST(test_used_board_micropython),
            SIM_TEST(test_no_auto_reset_buttons),
            SIM_TEST(test_fault_drop_to_chip),
            SIM_TEST(test_fault_flip_to_chip),
            SIM_TEST(test_fault_to_host),
            SIM_TEST(test_fault_stall),
            SIM_TEST(test_fault_unplug),
            SIM_TEST(test_unplug_replug),
            SIM_TEST(test_repl_control),
            SIM_TEST(test_fault_reset),
            SIM_TEST(test_fault_flash),
            SIM_TEST(test_fault_slow_flash),
            SIM_TEST(test_tcp_smoke),
            SIM_TEST(test_rfc2217_smoke),
            SIM_TEST(test_pacing_real_time),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    nftw(ctx.dir, ctx_remove, 16, FTW_DEPTH | FTW_PHYS);
    return failed;
}
