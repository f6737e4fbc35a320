/* SPDX-License-Identifier: MIT */
/* Stub mode end to end on the board model at time scale 0: a scripted client uploads MicroFlash's
 * stub (stub_blob()), starts it at its entry and talks to the host-compiled stub logic through the
 * wire; other code, also at that entry, leaves the chip silent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "md5.h"
#include "sim_stub.h"
#include "stub.h"
#include "stub_blob.h"
#include "stub_layout.h"
#include "stub_proto.h"
#include "test_client.h"

#define SHORT          (1 * SIM_NS_PER_S)
#define LONG           (10 * SIM_NS_PER_S)
#define STEP           (100 * SIM_NS_PER_US)
#define RAM_BLOCK      0x1800u
#define FLASH_BLOCK    0x4000u
#define STUB_TEXT_LEN  1024u
#define STUB_DATA_ADDR 0x3FFFAE6Cu /* the established stub's data_start (§8.1) */
#define STUB_DATA_LEN  64u
#define OTHER_ADDR     0x4010D000u /* the legacy stub's text and entry (§8.1) */
#define OTHER_ENTRY    0x4010D004u
#define FAST_BAUD      921600u
#define DIRTY_LEN      (128u * 1024u) /* flash contents the write must erase first */
#define IMAGE_LEN      (476u * 1024u) /* compresses to just over 300 KiB with make_image() */
#define REQ_CAP        (2u * (8u + 16u + FLASH_BLOCK) + 2u)
#define MAGIC_ADDR     0x40001000u /* ROM word read for chip detection (§5) */
#define MAGIC_VALUE    0xFFF0C101u
#define SYNC_REPLIES   8u

struct fx {
    struct board *b;
    struct sim_stub *stub;
    struct tc c;
    uint8_t *dirty;
    uint8_t *req;
};

static struct fx *fx_new(void)
{
    struct fx *f = calloc(1, sizeof *f);
    struct board_config cfg;
    char err[128];

    assert_non_null(f);
    f->c.rx = malloc(TC_RX_MAX);
    f->req = malloc(REQ_CAP);
    f->dirty = malloc(DIRTY_LEN);
    assert_non_null(f->c.rx);
    assert_non_null(f->req);
    assert_non_null(f->dirty);
    memset(f->dirty, 0x5A, DIRTY_LEN);
    assert_int_equal(sim_stub_create(&f->stub), 0);
    board_config_default(&cfg);
    cfg.flash_start = BOARD_FLASH_FILE;
    cfg.flash_image = f->dirty;
    cfg.flash_image_len = DIRTY_LEN;
    sim_stub_hooks(f->stub, &cfg.stub);
    assert_int_equal(board_create(&cfg, &f->b, err, sizeof err), 0);
    f->c.b = f->b;
    board_set_host_baud(f->b, 0, 115200);
    board_power_on(f->b, 0);
    tc_wait(&f->c, 50 * SIM_NS_PER_MS);
    tc_reset_to_download(&f->c);
    assert_int_equal(tc_sync(&f->c, 3), SYNC_REPLIES);
    return f;
}

static int setup(void **state)
{
    *state = fx_new();
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    board_destroy(f->b);
    sim_stub_destroy(f->stub);
    free(f->c.rx);
    free(f->req);
    free(f->dirty);
    free(f);
    return 0;
}

/* Sends one command (any size) and waits for the next frame; returns its length or 0. */
static size_t cmd(struct fx *f, uint8_t op, const uint8_t *data, size_t len, uint32_t chk,
                  uint8_t *reply, uint64_t timeout)
{
    size_t n = tc_frame(op, data, len, chk, f->req), rlen = 0;
    uint64_t end;

    if (f->c.rx_len > TC_RX_MAX / 2)
        tc_forget(&f->c);
    f->c.parsed = f->c.rx_len;
    tc_send(&f->c, f->req, n);
    end = f->c.t + timeout;
    while (f->c.t < end) {
        tc_run_until(&f->c, f->c.t + STEP);
        if (tc_next_frame(&f->c, reply, &rlen))
            return rlen;
    }
    return 0;
}

/* A reply to op with status 0 (ROM and stub: the last two bytes are the status). */
static void expect_ok(const uint8_t *r, size_t len, uint8_t op)
{
    assert_true(len >= 10);
    assert_int_equal(r[0], STUB_DIR_RESPONSE);
    assert_int_equal(r[1], op);
    assert_int_equal(r[len - 2], 0);
}

static size_t data_cmd(struct fx *f, uint8_t op, uint32_t seq, const uint8_t *bytes, uint32_t n,
                       uint8_t *reply, uint64_t timeout)
{
    uint8_t *payload = malloc(16u + n);
    size_t len;

    assert_non_null(payload);
    memset(payload, 0, 16);
    tc_put32(payload, n);
    tc_put32(payload + 4, seq);
    memcpy(payload + 16, bytes, n);
    len = cmd(f, op, payload, 16u + n, tc_checksum(bytes, n), reply, timeout);
    free(payload);
    return len;
}

/* MEM_BEGIN at addr, then n bytes in RAM_BLOCK MEM_DATA blocks as esptool sends them. */
static void mem_load(struct fx *f, uint32_t addr, const uint8_t *bytes, uint32_t n)
{
    uint8_t d[16], r[TC_FRAME_MAX];
    uint32_t blocks = (n + RAM_BLOCK - 1) / RAM_BLOCK;

    tc_put32(d, n);
    tc_put32(d + 4, blocks);
    tc_put32(d + 8, RAM_BLOCK);
    tc_put32(d + 12, addr);
    expect_ok(r, cmd(f, STUB_OP_MEM_BEGIN, d, 16, 0, r, SHORT), STUB_OP_MEM_BEGIN);
    for (uint32_t seq = 0; seq < blocks; seq++) {
        uint32_t at = seq * RAM_BLOCK;
        uint32_t len = n - at < RAM_BLOCK ? n - at : RAM_BLOCK;
        expect_ok(r, data_cmd(f, STUB_OP_MEM_DATA, seq, bytes + at, len, r, SHORT),
                  STUB_OP_MEM_DATA);
    }
}

/* Uploads text and data segments and sends MEM_END(0, entry). */
static void mem_run(struct fx *f, const struct stub_blob_segment *text,
                    const struct stub_blob_segment *data, uint32_t entry)
{
    uint8_t d[8], r[TC_FRAME_MAX];

    mem_load(f, text->addr, text->data, text->size);
    mem_load(f, data->addr, data->data, data->size);
    tc_put32(d, 0);
    tc_put32(d + 4, entry);
    expect_ok(r, cmd(f, STUB_OP_MEM_END, d, 8, 0, r, SHORT), STUB_OP_MEM_END);
}

/* Uploads some other code (made-up text and data) at text_addr and starts it at entry. */
static void mem_start(struct fx *f, uint32_t text_addr, uint32_t entry)
{
    uint8_t text[STUB_TEXT_LEN], data[STUB_DATA_LEN];
    const struct stub_blob_segment ts = {text_addr, text, sizeof text};
    const struct stub_blob_segment ds = {STUB_DATA_ADDR, data, sizeof data};

    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (uint8_t)(i * 7u);
    memset(data, 0xA5, sizeof data);
    mem_run(f, &ts, &ds, entry);
}

/* Uploads MicroFlash's stub as the engine does (stub_blob()) and waits for its greeting. */
static void start_stub(struct fx *f)
{
    const struct stub_blob *blob = stub_blob();
    uint8_t r[TC_FRAME_MAX];
    size_t len = 0;

    mem_run(f, &blob->text, &blob->data, blob->entry);
    tc_wait(&f->c, 20 * SIM_NS_PER_MS);
    assert_true(tc_next_frame(&f->c, r, &len));
    assert_int_equal(len, STUB_GREETING_SIZE);
    assert_memory_equal(r, STUB_GREETING, STUB_GREETING_SIZE);
    assert_string_equal(board_state_name(f->b), "stub");
}

static uint32_t read_reg(struct fx *f, uint32_t addr)
{
    uint8_t d[4], r[TC_FRAME_MAX];
    size_t len;

    tc_put32(d, addr);
    len = cmd(f, STUB_OP_READ_REG, d, 4, 0, r, SHORT);
    assert_int_equal(len, 10);
    expect_ok(r, len, STUB_OP_READ_REG);
    return tc_get32(r + 4);
}

static void change_baud(struct fx *f, uint32_t baud)
{
    uint8_t d[8], r[TC_FRAME_MAX];

    tc_put32(d, baud);
    tc_put32(d + 4, 115200);
    expect_ok(r, cmd(f, STUB_OP_CHANGE_BAUDRATE, d, 8, 0, r, SHORT), STUB_OP_CHANGE_BAUDRATE);
    board_set_host_baud(f->b, f->c.t, baud);
    tc_wait(&f->c, 50 * SIM_NS_PER_MS); /* esptool: sleep 50 ms, flush input */
    tc_forget(&f->c);
}

/* Firmware-like test data: literals mixed with copies of earlier stretches (LCG, fixed seed). */
static uint8_t *make_image(uint32_t len)
{
    uint8_t *p = malloc(len);
    uint32_t x = 12345u, i = 0;

    assert_non_null(p);
    while (i < len) {
        uint32_t run;
        x = x * 1103515245u + 12345u;
        run = 8u + (x >> 16) % 48u;
        if (run > len - i)
            run = len - i;
        if (i > 4096u && (x >> 8) % 100u < 40u) {
            uint32_t from = i - 1u - (x >> 4) % 4096u;
            for (uint32_t k = 0; k < run; k++)
                p[i + k] = p[from + k];
        } else {
            for (uint32_t k = 0; k < run; k++) {
                x = x * 1103515245u + 12345u;
                p[i + k] = (uint8_t)(x >> 24);
            }
        }
        i += run;
    }
    return p;
}

static void test_start_sync_read_reg(void **state)
{
    struct fx *f = *state;
    uint8_t req[64], r[TC_FRAME_MAX];
    size_t n = tc_sync_bytes(req), len;
    unsigned replies = 0;
    struct sim_stub_stats st;

    start_stub(f);
    /* SYNC: eight replies like the ROM's, value 0 (esptool tells the stub by it) */
    f->c.parsed = f->c.rx_len;
    tc_send(&f->c, req, n);
    tc_wait(&f->c, 100 * SIM_NS_PER_MS);
    while (tc_next_frame(&f->c, r, &len)) {
        expect_ok(r, len, STUB_OP_SYNC);
        assert_int_equal(tc_get32(r + 4), 0);
        replies++;
    }
    assert_int_equal(replies, SYNC_REPLIES);
    assert_int_equal(read_reg(f, MAGIC_ADDR), MAGIC_VALUE);
    assert_true(board_stats(f->b)->commands[STUB_OP_READ_REG] >= 1);
    sim_stub_get_stats(f->stub, &st);
    assert_int_equal(st.starts, 1);
}

static void test_other_entry_keeps_rom_behaviour(void **state)
{
    struct fx *f = *state;

    mem_start(f, OTHER_ADDR, OTHER_ENTRY);
    tc_wait(&f->c, 10 * SIM_NS_PER_MS);
    assert_string_equal(board_state_name(f->b), "halted");
    assert_int_equal(tc_sync(&f->c, 2), 0);
}

/* Other code at our stub's entry (another loader, an older build of ours) is not our stub: the
 * model runs the logic only when RAM holds exactly stub_blob()'s text and data. */
static void test_other_code_at_our_entry_keeps_rom_behaviour(void **state)
{
    struct fx *f = *state;

    mem_start(f, STUB_LAYOUT_IRAM_START, STUB_LAYOUT_ENTRY);
    tc_wait(&f->c, 10 * SIM_NS_PER_MS);
    assert_string_equal(board_state_name(f->b), "halted");
    assert_int_equal(tc_sync(&f->c, 2), 0);
}

/* Our text, and our data with one bit changed: not our stub either. */
static void test_changed_data_keeps_rom_behaviour(void **state)
{
    struct fx *f = *state;
    const struct stub_blob *blob = stub_blob();
    uint8_t *data = malloc(blob->data.size);
    struct stub_blob_segment ds = blob->data;
    struct sim_stub_stats st;

    assert_non_null(data);
    memcpy(data, blob->data.data, blob->data.size);
    data[blob->data.size / 2] ^= 0x01u;
    ds.data = data;
    mem_run(f, &blob->text, &ds, blob->entry);
    tc_wait(&f->c, 10 * SIM_NS_PER_MS);
    assert_string_equal(board_state_name(f->b), "halted");
    assert_int_equal(tc_sync(&f->c, 2), 0);
    sim_stub_get_stats(f->stub, &st);
    assert_int_equal(st.starts, 0);
    free(data);
}

static void test_deflate_write_at_921600(void **state)
{
    struct fx *f = *state;
    uint8_t *image = make_image(IMAGE_LEN);
    uLongf comp_len = compressBound(IMAGE_LEN);
    uint8_t *comp = malloc(comp_len);
    uint8_t d[16], r[TC_FRAME_MAX], digest[MD5_DIGEST_SIZE];
    uint32_t blocks, flash_size, pages = 0;
    const uint8_t *cells;
    uint64_t t0, elapsed, wire_ns, prog_ns, erase_ns, bound_ns;
    struct sim_flash *fl = board_flash(f->b);
    const struct sim_flash_op_stats *ops = sim_flash_stats(fl);
    struct sim_stub_stats st;
    uint64_t cpu_ns = 0;

    assert_non_null(comp);
    assert_int_equal(compress2(comp, &comp_len, image, IMAGE_LEN, 9), Z_OK);
    start_stub(f);
    change_baud(f, FAST_BAUD);
    assert_int_equal(read_reg(f, MAGIC_ADDR), MAGIC_VALUE); /* traffic at the new rate */

    blocks = (uint32_t)((comp_len + FLASH_BLOCK - 1) / FLASH_BLOCK);
    t0 = f->c.t;
    tc_put32(d, IMAGE_LEN);
    tc_put32(d + 4, blocks);
    tc_put32(d + 8, FLASH_BLOCK);
    tc_put32(d + 12, 0);
    expect_ok(r, cmd(f, STUB_OP_FLASH_DEFL_BEGIN, d, 16, 0, r, SHORT), STUB_OP_FLASH_DEFL_BEGIN);
    for (uint32_t seq = 0; seq < blocks; seq++) {
        uint32_t at = seq * FLASH_BLOCK;
        uint32_t n = (uint32_t)(comp_len - at < FLASH_BLOCK ? comp_len - at : FLASH_BLOCK);
        expect_ok(r, data_cmd(f, STUB_OP_FLASH_DEFL_DATA, seq, comp + at, n, r, LONG),
                  STUB_OP_FLASH_DEFL_DATA);
    }
    tc_put32(d, 1); /* stay in the stub */
    expect_ok(r, cmd(f, STUB_OP_FLASH_DEFL_END, d, 4, 0, r, LONG), STUB_OP_FLASH_DEFL_END);
    elapsed = f->c.t - t0;

    cells = board_flash_data(f->b, &flash_size);
    assert_memory_equal(cells, image, IMAGE_LEN);
    tc_put32(d, 0);
    tc_put32(d + 4, IMAGE_LEN);
    tc_put32(d + 8, 0);
    tc_put32(d + 12, 0);
    assert_int_equal(cmd(f, STUB_OP_SPI_FLASH_MD5, d, 16, 0, r, LONG), 8u + MD5_DIGEST_SIZE + 2u);
    expect_ok(r, 8u + MD5_DIGEST_SIZE + 2u, STUB_OP_SPI_FLASH_MD5);
    md5_buffer(image, IMAGE_LEN, digest);
    assert_memory_equal(r + 8, digest, MD5_DIGEST_SIZE);

    /* Time is charged: at least the compressed bytes on the wire at the chip's (faster) rate,
     * and at least the page programs plus the cheapest erase of the dirty area. */
    wire_ns = (uint64_t)comp_len * 10u * SIM_NS_PER_S / board_chip_baud(f->b);
    for (uint32_t at = 0; at < IMAGE_LEN; at += SIM_FLASH_PAGE_SIZE) {
        for (uint32_t k = 0; k < SIM_FLASH_PAGE_SIZE; k++) {
            if (image[at + k] != SIM_FLASH_ERASED) {
                pages++;
                break;
            }
        }
    }
    prog_ns = pages * sim_flash_op_ns(fl, SIM_FLASH_OP_PROGRAM, SIM_FLASH_PAGE_SIZE);
    erase_ns = sim_time_min(
            DIRTY_LEN / SIM_FLASH_BLOCK64 * sim_flash_op_ns(fl, SIM_FLASH_OP_ERASE_64K, 0),
            DIRTY_LEN / SIM_FLASH_SECTOR_SIZE * sim_flash_op_ns(fl, SIM_FLASH_OP_ERASE_SECTOR, 0));
    bound_ns = prog_ns + erase_ns;
    sim_stub_get_stats(f->stub, &st);
    for (unsigned k = 0; k < HAL_COST_COUNT; k++)
        cpu_ns += st.cpu_ns[k];
    print_message("write %u -> %lu bytes at %u baud: %.3f s virtual; wire %.3f s, flash "
                  "program+erase %.3f s (%lu sector + %lu block erases), stub CPU %.3f s\n",
                  (unsigned)IMAGE_LEN, (unsigned long)comp_len, (unsigned)board_chip_baud(f->b),
                  (double)elapsed / 1e9, (double)wire_ns / 1e9, (double)bound_ns / 1e9,
                  (unsigned long)ops[SIM_FLASH_OP_ERASE_SECTOR].count,
                  (unsigned long)ops[SIM_FLASH_OP_ERASE_64K].count, (double)cpu_ns / 1e9);
    assert_true(comp_len >= 300u * 1024u);
    assert_true(ops[SIM_FLASH_OP_ERASE_SECTOR].count + ops[SIM_FLASH_OP_ERASE_64K].count > 0);
    assert_true(elapsed >= wire_ns);
    assert_true(elapsed >= bound_ns);
    assert_true(st.cpu_ns[HAL_COST_INFLATE] > 0);
    assert_int_equal(board_stats(f->b)->violations[SIM_VIOL_RX_OVERRUN], 0);
    free(comp);
    free(image);
}

static void test_flash_end_reboots_to_rom(void **state)
{
    struct fx *f = *state;
    uint8_t d[16], r[TC_FRAME_MAX], page[SIM_FLASH_SECTOR_SIZE];
    const uint8_t *cells;
    uint32_t flash_size;
    const uint32_t at = 0x100000u;

    memset(page, 0x42, sizeof page);
    start_stub(f);
    tc_put32(d, sizeof page);
    tc_put32(d + 4, 1);
    tc_put32(d + 8, FLASH_BLOCK);
    tc_put32(d + 12, at);
    expect_ok(r, cmd(f, STUB_OP_FLASH_BEGIN, d, 16, 0, r, SHORT), STUB_OP_FLASH_BEGIN);
    expect_ok(r, data_cmd(f, STUB_OP_FLASH_DATA, 0, page, sizeof page, r, SHORT),
              STUB_OP_FLASH_DATA);
    tc_put32(d, 0); /* reboot */
    expect_ok(r, cmd(f, STUB_OP_FLASH_END, d, 4, 0, r, SHORT), STUB_OP_FLASH_END);
    tc_wait(&f->c, 100 * SIM_NS_PER_MS);
    assert_string_equal(board_state_name(f->b), "rom-loader"); /* strapping kept: download */
    cells = board_flash_data(f->b, &flash_size);
    assert_memory_equal(cells + at, page, sizeof page);
    assert_int_equal(tc_sync(&f->c, 3), SYNC_REPLIES);
    start_stub(f); /* a second upload starts a fresh stub */
}

/* The client cannot follow a baud change (it stays at 115200, its command arrives garbled): with
 * no valid command at the new rate the stub goes back 1 s after the switch and greets again at
 * the old rate. */
static void test_baud_probation_through_board(void **state)
{
    struct fx *f = *state;
    uint8_t d[8], r[TC_FRAME_MAX];
    const uint8_t end_byte = STUB_SLIP_END;
    size_t len = 0;
    uint64_t t0;
    uint32_t baud0;

    start_stub(f);
    baud0 = board_chip_baud(f->b);
    tc_put32(d, FAST_BAUD);
    tc_put32(d + 4, 115200);
    expect_ok(r, cmd(f, STUB_OP_CHANGE_BAUDRATE, d, 8, 0, r, SHORT), STUB_OP_CHANGE_BAUDRATE);
    t0 = f->c.t;
    tc_wait(&f->c, 20 * SIM_NS_PER_MS);
    tc_put32(d, MAGIC_ADDR);
    f->c.parsed = f->c.rx_len;
    tc_send(&f->c, f->req, tc_frame(STUB_OP_READ_REG, d, 4, 0, f->req)); /* garbled at the chip */
    tc_wait(&f->c, (uint64_t)STUB_BAUD_PROBATION_US * SIM_NS_PER_US - 100 * SIM_NS_PER_MS);
    assert_false(tc_next_frame(&f->c, r, &len));
    tc_wait(&f->c, 150 * SIM_NS_PER_MS);
    assert_true(tc_next_frame(&f->c, r, &len));
    assert_int_equal(len, STUB_GREETING_SIZE);
    assert_memory_equal(r, STUB_GREETING, STUB_GREETING_SIZE);
    assert_true(f->c.t - t0 >= (uint64_t)STUB_BAUD_PROBATION_US * SIM_NS_PER_US);
    assert_int_equal(board_chip_baud(f->b), baud0);
    /* the garbled bytes still wait for an END: one ends them (the stub answers the junk), then
     * the old rate works */
    tc_send(&f->c, &end_byte, 1);
    tc_wait(&f->c, 10 * SIM_NS_PER_MS);
    tc_forget(&f->c);
    assert_int_equal(read_reg(f, MAGIC_ADDR), MAGIC_VALUE);
}

/* ---- background erase (ERASE_BG) through the board ---- */

#define BG_ADDR 0x100000u /* a dirty area outside the image: 16 whole blocks */
#define BG_LEN  0x100000u

static void write_deflated(struct fx *f, const uint8_t *comp, uint32_t comp_len, uint32_t len)
{
    uint32_t blocks = (comp_len + FLASH_BLOCK - 1) / FLASH_BLOCK;
    uint8_t d[16], r[TC_FRAME_MAX];

    tc_put32(d, len);
    tc_put32(d + 4, blocks);
    tc_put32(d + 8, FLASH_BLOCK);
    tc_put32(d + 12, 0);
    expect_ok(r, cmd(f, STUB_OP_FLASH_DEFL_BEGIN, d, 16, 0, r, SHORT), STUB_OP_FLASH_DEFL_BEGIN);
    for (uint32_t seq = 0; seq < blocks; seq++) {
        uint32_t at = seq * FLASH_BLOCK;
        uint32_t n = comp_len - at < FLASH_BLOCK ? comp_len - at : FLASH_BLOCK;
        expect_ok(r, data_cmd(f, STUB_OP_FLASH_DEFL_DATA, seq, comp + at, n, r, LONG),
                  STUB_OP_FLASH_DEFL_DATA);
    }
    tc_put32(d, 1); /* stay in the stub */
    expect_ok(r, cmd(f, STUB_OP_FLASH_DEFL_END, d, 4, 0, r, LONG), STUB_OP_FLASH_DEFL_END);
}

/* Erases BG_ADDR.. and writes the image at 921600 baud: the erase queued in the background and
 * waited for at the end, or done first with ERASE_REGION. Returns the virtual time it took. */
static uint64_t erase_and_write(struct fx *f, bool background, const uint8_t *image,
                                const uint8_t *comp, uint32_t comp_len)
{
    uint8_t d[8], r[TC_FRAME_MAX];
    uint32_t flash_size;
    const uint8_t *cells;
    uint64_t t0;

    memset(sim_flash_cells(board_flash(f->b)) + BG_ADDR, 0x33, BG_LEN);
    start_stub(f);
    change_baud(f, FAST_BAUD);
    assert_int_equal(read_reg(f, MAGIC_ADDR), MAGIC_VALUE);
    t0 = f->c.t;
    tc_put32(d, BG_ADDR);
    tc_put32(d + 4, BG_LEN);
    if (background) {
        expect_ok(r, cmd(f, STUB_OP_ERASE_BG, d, 8, 0, r, SHORT), STUB_OP_ERASE_BG);
    } else {
        expect_ok(r, cmd(f, STUB_OP_ERASE_REGION, d, 8, 0, r, LONG), STUB_OP_ERASE_REGION);
    }
    write_deflated(f, comp, comp_len, IMAGE_LEN);
    if (background) {
        assert_int_equal(cmd(f, STUB_OP_ERASE_BG_WAIT, NULL, 0, 0, r, LONG), 10);
        expect_ok(r, 10, STUB_OP_ERASE_BG_WAIT);
    }
    cells = board_flash_data(f->b, &flash_size);
    assert_memory_equal(cells, image, IMAGE_LEN);
    for (uint32_t a = BG_ADDR; a < BG_ADDR + BG_LEN; a++) {
        if (cells[a] != SIM_FLASH_ERASED)
            fail_msg("0x%x not erased", (unsigned)a);
    }
    return f->c.t - t0;
}

static void test_erase_bg_overlaps_write(void **state)
{
    struct fx *f = *state;
    struct fx *g = fx_new();
    uint8_t *image = make_image(IMAGE_LEN);
    uLongf comp_len = compressBound(IMAGE_LEN);
    uint8_t *comp = malloc(comp_len);
    uint64_t t_bg, t_seq, erase_ns;

    assert_non_null(comp);
    assert_int_equal(compress2(comp, &comp_len, image, IMAGE_LEN, 9), Z_OK);
    t_bg = erase_and_write(f, true, image, comp, (uint32_t)comp_len);
    t_seq = erase_and_write(g, false, image, comp, (uint32_t)comp_len);
    erase_ns = BG_LEN / SIM_FLASH_BLOCK64 *
               sim_flash_op_ns(board_flash(f->b), SIM_FLASH_OP_ERASE_64K, 0);
    print_message("erase %u KiB + write: %.3f s in the background, %.3f s one after the other "
                  "(erase alone %.3f s)\n",
                  (unsigned)(BG_LEN / 1024u), (double)t_bg / 1e9, (double)t_seq / 1e9,
                  (double)erase_ns / 1e9);
    assert_true(t_seq >= erase_ns);
    /* most of the erase hides behind the transfer */
    assert_true(t_bg + erase_ns / 2 < t_seq);
    assert_int_equal(board_stats(f->b)->violations[SIM_VIOL_RX_OVERRUN], 0);
    teardown((void **)&g);
    free(comp);
    free(image);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_start_sync_read_reg, setup, teardown),
            cmocka_unit_test_setup_teardown(test_other_entry_keeps_rom_behaviour, setup, teardown),
            cmocka_unit_test_setup_teardown(test_other_code_at_our_entry_keeps_rom_behaviour, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_changed_data_keeps_rom_behaviour, setup, teardown),
            cmocka_unit_test_setup_teardown(test_deflate_write_at_921600, setup, teardown),
            cmocka_unit_test_setup_teardown(test_flash_end_reboots_to_rom, setup, teardown),
            cmocka_unit_test_setup_teardown(test_erase_bg_overlaps_write, setup, teardown),
            cmocka_unit_test_setup_teardown(test_baud_probation_through_board, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
