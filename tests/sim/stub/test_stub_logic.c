/* SPDX-License-Identifier: MIT */
/* The stub's protocol logic on the host: SLIP frames built here (not with the stub's encoder)
 * go in byte by byte, replies are decoded from the host HAL's UART buffer and checked to the byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "hal_host.h"
#include "md5.h"
#include "stub.h"

#define T_FLASH_SIZE (4u * 1024u * 1024u)
#define T_BLOCK      0x4000u
#define T_SECTOR     4096u
#define T_FRAME_MAX  (0x4100u * 2u)

struct fx {
    struct sim_flash *flash;
    struct hal hal;
    struct stub stub;
    size_t rx_at; /* next unread byte of hal.tx */
};

/* ---- frame building and parsing, independent of the stub ---- */

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void feed(struct fx *f, uint8_t b)
{
    stub_rx_byte(&f->stub, b);
}

/* SLIP: END, bytes with C0 -> DB DC and DB -> DB DD, END. */
static void send_raw(struct fx *f, const uint8_t *p, size_t n)
{
    feed(f, 0xC0);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == 0xC0) {
            feed(f, 0xDB);
            feed(f, 0xDC);
        } else if (p[i] == 0xDB) {
            feed(f, 0xDB);
            feed(f, 0xDD);
        } else {
            feed(f, p[i]);
        }
    }
    feed(f, 0xC0);
}

static void send_cmd_dir(struct fx *f, uint8_t dir, uint8_t op, const void *data, size_t len,
                         uint32_t chk)
{
    uint8_t *buf = malloc(8 + len);

    assert_non_null(buf);
    buf[0] = dir;
    buf[1] = op;
    buf[2] = (uint8_t)len;
    buf[3] = (uint8_t)(len >> 8);
    put32(buf + 4, chk);
    if (len)
        memcpy(buf + 8, data, len);
    send_raw(f, buf, 8 + len);
    free(buf);
}

static void send_cmd(struct fx *f, uint8_t op, const void *data, size_t len)
{
    send_cmd_dir(f, 0x00, op, data, len, 0);
}

static void send_words(struct fx *f, uint8_t op, const uint32_t *w, size_t n)
{
    uint8_t buf[64];

    for (size_t i = 0; i < n; i++)
        put32(buf + 4 * i, w[i]);
    send_cmd(f, op, buf, 4 * n);
}

static uint8_t xor_chk(const uint8_t *p, size_t n)
{
    uint8_t c = 0xEF;

    for (size_t i = 0; i < n; i++)
        c ^= p[i];
    return c;
}

/* *_DATA: len, seq, 0, 0, bytes; checksum = chk unless chk_bad. */
static void send_data(struct fx *f, uint8_t op, uint32_t seq, const uint8_t *p, size_t n,
                      bool chk_bad)
{
    uint8_t *buf = calloc(1, 16 + n);

    assert_non_null(buf);
    put32(buf, (uint32_t)n);
    put32(buf + 4, seq);
    memcpy(buf + 16, p, n);
    send_cmd_dir(f, 0x00, op, buf, 16 + n, (uint32_t)(xor_chk(p, n) ^ (chk_bad ? 1u : 0u)));
    free(buf);
}

/* Runs the stub until it waits for input (waiting out flash operations). */
static enum stub_poll_result run(struct fx *f)
{
    for (;;) {
        enum stub_poll_result r = stub_poll(&f->stub);

        if (r == STUB_POLL_FLASH_WAIT)
            hal_host_wait_flash(&f->hal);
        else if (r != STUB_POLL_BUSY)
            return r;
    }
}

/* Decodes the next frame the stub sent; returns its length or -1 when there is none. */
static long next_frame(struct fx *f, uint8_t *out, size_t cap)
{
    const uint8_t *p = f->hal.tx;
    size_t n = f->hal.tx_len;
    size_t i = f->rx_at;
    size_t len = 0;

    while (i < n && p[i] != 0xC0)
        i++;
    if (i >= n)
        return -1;
    i++;
    while (i < n && p[i] != 0xC0) {
        uint8_t b = p[i++];

        if (b == 0xDB) {
            assert_true(i < n);
            b = p[i++] == 0xDC ? 0xC0 : 0xDB;
        }
        assert_true(len < cap);
        out[len++] = b;
    }
    if (i >= n)
        return -1;
    f->rx_at = i + 1;
    return (long)len;
}

static void expect_reply_data(struct fx *f, uint8_t op, uint32_t value, const uint8_t *data,
                              size_t dlen, uint8_t err, uint8_t detail)
{
    uint8_t buf[64];
    long n = next_frame(f, buf, sizeof buf);

    assert_int_equal(n, (long)(8 + dlen + 2));
    assert_int_equal(buf[0], 0x01);
    assert_int_equal(buf[1], op);
    assert_int_equal(buf[2] | buf[3] << 8, (int)(dlen + 2));
    assert_int_equal(get32(buf + 4), value);
    if (dlen)
        assert_memory_equal(buf + 8, data, dlen);
    assert_int_equal(buf[8 + dlen], err);
    assert_int_equal(buf[9 + dlen], detail);
}

static void expect_reply(struct fx *f, uint8_t op, uint8_t err, uint8_t detail)
{
    expect_reply_data(f, op, 0, NULL, 0, err, detail);
}

static void expect_nothing(struct fx *f)
{
    uint8_t buf[64];

    assert_int_equal(next_frame(f, buf, sizeof buf), -1);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    assert_non_null(f);
    assert_int_equal(sim_flash_create(T_FLASH_SIZE, SIM_FLASH_WINBOND, &f->flash), 0);
    hal_host_init(&f->hal, f->flash);
    stub_init(&f->stub, &f->hal);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    hal_host_free(&f->hal);
    sim_flash_destroy(f->flash);
    free(f);
    return 0;
}

static uint64_t erases(struct fx *f)
{
    const struct sim_flash_op_stats *st = sim_flash_stats(f->flash);

    return st[SIM_FLASH_OP_ERASE_SECTOR].count + st[SIM_FLASH_OP_ERASE_32K].count +
           st[SIM_FLASH_OP_ERASE_64K].count + st[SIM_FLASH_OP_ERASE_CHIP].count;
}

static uint64_t page_programs(struct fx *f)
{
    return sim_flash_stats(f->flash)[SIM_FLASH_OP_PROGRAM].count;
}

/* A firmware-like image: code-ish words, strings, tables and a zero-filled tail region;
 * compresses to roughly 0.6 of its size with zlib. */
static uint8_t *make_image(size_t n, uint32_t seed)
{
    static const char *const words[] = {"machine",      "network",     "uart_",  "flash",
                                        "\x00\x00",     "MicroPython", "%s:%d",  "ESP8266",
                                        "\x80\x12\x34", "Traceback",   "OSError"};
    uint8_t *p = malloc(n);
    uint32_t x = seed * 2654435761u + 1u;
    size_t i = 0;

    assert_non_null(p);
    while (i < n) {
        x = x * 1103515245u + 12345u;
        if ((x >> 28) < 12) {
            p[i++] = (uint8_t)(x >> 16); /* opcode-like noise */
        } else {
            const char *w = words[(x >> 8) % (sizeof words / sizeof words[0])];
            size_t wl = strlen(w) ? strlen(w) : 1;

            for (size_t k = 0; k < wl && i < n; k++)
                p[i++] = (uint8_t)w[k];
        }
    }
    return p;
}

static void begin(struct fx *f, uint8_t op, uint32_t size, uint32_t blocks, uint32_t bs,
                  uint32_t offset)
{
    const uint32_t w[4] = {size, blocks, bs, offset};

    send_words(f, op, w, 4);
    run(f);
    expect_reply(f, op, 0, 0);
}

/* Writes `img` compressed at `offset` with 16 KiB blocks, the way esptool does. */
static void write_deflated(struct fx *f, const uint8_t *img, uint32_t n, uint32_t offset)
{
    uLongf zlen = compressBound(n);
    uint8_t *z = malloc(zlen);
    uint32_t blocks;

    assert_non_null(z);
    assert_int_equal(compress2(z, &zlen, img, n, 9), Z_OK);
    blocks = (uint32_t)((zlen + T_BLOCK - 1) / T_BLOCK);
    begin(f, 0x10, n, blocks, T_BLOCK, offset);
    for (uint32_t b = 0; b < blocks; b++) {
        size_t at = (size_t)b * T_BLOCK;
        size_t len = zlen - at < T_BLOCK ? zlen - at : T_BLOCK;

        send_data(f, 0x11, b, z + at, len, false);
        run(f);
        expect_reply(f, 0x11, 0, 0);
    }
    {
        const uint32_t stay = 1;

        send_words(f, 0x12, &stay, 1);
        run(f);
        expect_reply(f, 0x12, 0, 0);
    }
    free(z);
}

static void expect_md5(struct fx *f, uint32_t addr, const uint8_t *img, uint32_t n)
{
    uint8_t digest[16];
    const uint32_t w[4] = {addr, n, 0, 0};

    md5_buffer(img, n, digest);
    send_words(f, 0x13, w, 4);
    run(f);
    expect_reply_data(f, 0x13, 0, digest, 16, 0, 0);
}

/* ---- tests ---- */

static void test_greeting(void **state)
{
    struct fx *f = *state;
    uint8_t buf[16];

    stub_greet(&f->stub);
    assert_int_equal(f->hal.tx_len, 6);
    assert_memory_equal(f->hal.tx, "\xC0OHAI\xC0", 6);
    assert_int_equal(next_frame(f, buf, sizeof buf), 4);
}

static void test_sync(void **state)
{
    struct fx *f = *state;
    uint8_t p[36] = {0x07, 0x07, 0x12, 0x20};

    memset(p + 4, 0x55, 32);
    send_cmd(f, 0x08, p, sizeof p);
    assert_int_equal(run(f), STUB_POLL_IDLE);
    assert_int_equal(f->hal.tx_len, 8u * 12u); /* C0 + 10 bytes + C0, eight times */
    for (int i = 0; i < 8; i++)
        expect_reply(f, 0x08, 0, 0);
    expect_nothing(f);
}

static void test_registers(void **state)
{
    struct fx *f = *state;
    const uint32_t w[8] = {0x60000200, 0x12345678, 0xFFFFFFFF, 0,
                           0x60000200, 0x0000AB00, 0x0000FF00, 10};
    const uint32_t addr = 0x60000200;

    send_words(f, 0x09, w, 8);
    run(f);
    expect_reply(f, 0x09, 0, 0);
    send_words(f, 0x0A, &addr, 1);
    run(f);
    expect_reply_data(f, 0x0A, 0x1234AB78, NULL, 0, 0, 0);
    /* WRITE_REG not a multiple of 16 bytes */
    send_words(f, 0x09, w, 5);
    run(f);
    expect_reply(f, 0x09, 0xC0, 0);
}

static void test_bad_frames(void **state)
{
    struct fx *f = *state;
    const uint32_t addr = 0x60000200;
    uint8_t raw[12] = {0x00, 0x0A, 0x05, 0x00}; /* length field says 5, payload is 4 */
    uint8_t *big = calloc(1, 0x4100);
    uint8_t p[36] = {0x07, 0x07, 0x12, 0x20};

    send_cmd_dir(f, 0x01, 0x0A, &addr, 4, 0);
    run(f);
    expect_reply(f, 0x0A, 0xC3, 0);
    send_cmd(f, 0x14, NULL, 0); /* GET_SECURITY_INFO: not on the ESP8266 */
    run(f);
    expect_reply(f, 0x14, 0xFF, 0);
    send_raw(f, raw, sizeof raw);
    run(f);
    expect_reply(f, 0x0A, 0xC0, 0);
    send_cmd(f, 0x0A, &addr, 2);
    run(f);
    expect_reply(f, 0x0A, 0xC0, 0);
    assert_non_null(big);
    send_cmd(f, 0x03, big, 0x4100); /* beyond 8 + 0x4000 + 64 */
    run(f);
    expect_reply(f, 0x03, 0xC0, 0xEE);
    expect_nothing(f);
    free(big);
    /* still in step afterwards */
    memset(p + 4, 0x55, 32);
    send_cmd(f, 0x08, p, sizeof p);
    run(f);
    for (int i = 0; i < 8; i++)
        expect_reply(f, 0x08, 0, 0);
    /* noise outside frames and a bad escape are ignored */
    feed(f, 0x11);
    feed(f, 0xC0);
    feed(f, 0xC0);
    run(f);
    expect_nothing(f);
}

static void test_flash_plain(void **state)
{
    struct fx *f = *state;
    uint8_t *img = make_image(2 * T_BLOCK, 7);
    const uint32_t size = T_BLOCK + 0x1234;
    const uint32_t off = 0x20000;
    const uint32_t stay = 1;
    const uint32_t big_block[4] = {size, 1, 0x8000, off};

    /* DATA without BEGIN */
    send_data(f, 0x03, 0, img, T_BLOCK, false);
    run(f);
    expect_reply(f, 0x03, 0xC6, 0);
    send_words(f, 0x02, big_block, 4);
    run(f);
    expect_reply(f, 0x02, 0xC2, 0);

    begin(f, 0x02, size, 2, T_BLOCK, off);
    send_data(f, 0x03, 0, img, T_BLOCK, true);
    run(f);
    expect_reply(f, 0x03, 0xC1, 0);
    send_data(f, 0x03, 1, img, T_BLOCK, false);
    run(f);
    expect_reply(f, 0x03, 0xC0, 0x5E);
    send_data(f, 0x03, 0, img, T_BLOCK, false);
    run(f);
    expect_reply(f, 0x03, 0, 0);
    send_data(f, 0x03, 0, img, T_BLOCK, false); /* a retry: acknowledged, not written again */
    run(f);
    expect_reply(f, 0x03, 0, 0);
    /* END too early */
    {
        uint64_t progs = page_programs(f);

        memset(img + size, 0xFF, 2 * T_BLOCK - size); /* esptool's padding */
        send_data(f, 0x03, 1, img + T_BLOCK, T_BLOCK, false);
        run(f);
        expect_reply(f, 0x03, 0, 0);
        assert_int_equal(page_programs(f) - progs, (0x1234 + 255) / 256);
    }
    send_words(f, 0x04, &stay, 1);
    run(f);
    expect_reply(f, 0x04, 0, 0);
    assert_memory_equal(sim_flash_cells_const(f->flash) + off, img, size);
    assert_int_equal(sim_flash_cells_const(f->flash)[off + size], 0xFF);
    assert_int_equal(erases(f), 0); /* blank flash is never erased */
    expect_md5(f, off, img, size);
    /* END again: no session */
    send_words(f, 0x04, &stay, 1);
    run(f);
    expect_reply(f, 0x04, 0xC6, 0);
    /* END before all data */
    begin(f, 0x02, size, 2, T_BLOCK, off);
    send_words(f, 0x04, &stay, 1);
    run(f);
    expect_reply(f, 0x04, 0xC8, 0);
    assert_int_equal(f->hal.exit, HAL_HOST_RUNNING);
    free(img);
}

static void test_defl_300k(void **state)
{
    struct fx *f = *state;
    const uint32_t n = 300u * 1024u;
    uint8_t *img = make_image(n, 1);
    uint64_t e0;
    uint64_t p0;

    {
        uLongf zlen = compressBound(n);
        uint8_t *z = malloc(zlen);

        assert_non_null(z);
        assert_int_equal(compress2(z, &zlen, img, n, 9), Z_OK);
        assert_in_range(zlen * 100 / n, 50, 80); /* compresses like firmware */
        free(z);
    }
    write_deflated(f, img, n, 0);
    assert_memory_equal(sim_flash_cells_const(f->flash), img, n);
    assert_int_equal(erases(f), 0);
    expect_md5(f, 0, img, n);
    assert_true(f->hal.cost_ns[HAL_COST_INFLATE] > 0);

    /* the same image again: nothing erased, nothing programmed */
    p0 = page_programs(f);
    write_deflated(f, img, n, 0);
    assert_int_equal(erases(f), 0);
    assert_int_equal(page_programs(f), p0);

    /* three sectors change: only they are erased and written */
    img[5 * T_SECTOR + 17] ^= 0x5A;
    img[6 * T_SECTOR] ^= 0x01;
    img[70 * T_SECTOR + 4000] ^= 0x80;
    e0 = erases(f);
    p0 = page_programs(f);
    write_deflated(f, img, n, 0);
    assert_int_equal(erases(f) - e0, 3);
    assert_int_equal(sim_flash_stats(f->flash)[SIM_FLASH_OP_ERASE_SECTOR].count, 3);
    assert_true(page_programs(f) - p0 <= 3 * 16);
    assert_memory_equal(sim_flash_cells_const(f->flash), img, n);
    expect_md5(f, 0, img, n);
    free(img);
}

static void test_defl_dirty_blocks(void **state)
{
    struct fx *f = *state;
    const uint32_t n = 300u * 1024u;
    uint8_t *old = make_image(n, 2);
    uint8_t *img = make_image(n, 3);

    memcpy(sim_flash_cells(f->flash), old, n);
    write_deflated(f, img, n, 0);
    assert_memory_equal(sim_flash_cells_const(f->flash), img, n);
    /* 4 whole 64 KiB blocks by block erase, the 44 KiB tail by sectors */
    assert_int_equal(sim_flash_stats(f->flash)[SIM_FLASH_OP_ERASE_64K].count, 4);
    assert_int_equal(sim_flash_stats(f->flash)[SIM_FLASH_OP_ERASE_SECTOR].count, 11);
    expect_md5(f, 0, img, n);
    free(old);
    free(img);
}

/* The reply to a block leaves before its erase; the next block arrives while the flash is busy. */
static void test_erase_overlaps_receive(void **state)
{
    struct fx *f = *state;
    uint8_t *img = make_image(2 * T_BLOCK, 5);
    const uint32_t stay = 1;
    enum stub_poll_result r;

    memset(sim_flash_cells(f->flash), 0x00, 2 * T_BLOCK); /* dirty: everything needs erasing */
    begin(f, 0x02, 2 * T_BLOCK, 2, T_BLOCK, 0);
    send_data(f, 0x03, 0, img, T_BLOCK, false);
    do
        r = stub_poll(&f->stub);
    while (r == STUB_POLL_BUSY);
    assert_int_equal(r, STUB_POLL_FLASH_WAIT);
    expect_reply(f, 0x03, 0, 0); /* already acknowledged */
    assert_true(sim_flash_busy(f->flash, f->hal.now_ns));
    send_data(f, 0x03, 1, img + T_BLOCK, T_BLOCK, false); /* received during the erase */
    assert_true(f->stub.rx.ready[0] && f->stub.rx.ready[1]);
    run(f);
    expect_reply(f, 0x03, 0, 0);
    send_words(f, 0x04, &stay, 1);
    run(f);
    expect_reply(f, 0x04, 0, 0);
    assert_memory_equal(sim_flash_cells_const(f->flash), img, 2 * T_BLOCK);
    assert_int_equal(sim_flash_stats(f->flash)[SIM_FLASH_OP_ERASE_SECTOR].count, 8);
    free(img);
}

static void test_deferred_error(void **state)
{
    struct fx *f = *state;
    uint8_t *img = make_image(3 * T_BLOCK, 4);
    const uint32_t stay = 1;

    f->hal.fail_program_addr = 0x1000;
    begin(f, 0x02, 3 * T_BLOCK, 3, T_BLOCK, 0);
    send_data(f, 0x03, 0, img, T_BLOCK, false);
    run(f);
    expect_reply(f, 0x03, 0, 0); /* acknowledged before writing */
    send_data(f, 0x03, 1, img + T_BLOCK, T_BLOCK, false);
    run(f);
    expect_reply(f, 0x03, 0xC4, 0);
    send_words(f, 0x04, &stay, 1);
    run(f);
    expect_reply(f, 0x04, 0xC4, 0);
    free(img);
}

static void test_defl_errors(void **state)
{
    struct fx *f = *state;
    uint8_t junk[64];
    const uint32_t stay = 1;

    memset(junk, 0x77, sizeof junk);
    begin(f, 0x10, 1000, 1, T_BLOCK, 0);
    send_data(f, 0x03, 0, junk, sizeof junk, false); /* FLASH_DATA in a DEFL session */
    run(f);
    expect_reply(f, 0x03, 0xC6, 0);
    send_data(f, 0x11, 0, junk, sizeof junk, false);
    run(f);
    expect_reply(f, 0x11, 0, 0);
    send_words(f, 0x12, &stay, 1);
    run(f);
    expect_reply(f, 0x12, 0xC7, 0);
}

static void test_erase_region(void **state)
{
    struct fx *f = *state;
    uint8_t *cells = sim_flash_cells(f->flash);
    const uint32_t bad_off[2] = {0x10100, 0x1000};
    const uint32_t bad_size[2] = {0x10000, 0x1100};
    const uint32_t region[2] = {0xF000, 0x22000}; /* 1 sector, 2 blocks, 1 sector */

    send_words(f, 0xD1, bad_off, 2);
    run(f);
    expect_reply(f, 0xD1, 0x32, 0);
    send_words(f, 0xD1, bad_size, 2);
    run(f);
    expect_reply(f, 0xD1, 0x33, 0);

    cells[0xF010] = 0;                   /* first partial sector: dirty */
    memset(cells + 0x10000, 0, 0x10000); /* first block: all dirty -> one block erase */
    cells[0x25000] = 0;                  /* second block: two dirty sectors -> two sector erases */
    cells[0x2A000] = 0;
    cells[0x31000] = 0; /* outside the region: kept */
    send_words(f, 0xD1, region, 2);
    run(f);
    expect_reply(f, 0xD1, 0, 0);
    for (uint32_t a = 0xF000; a < 0x31000; a++)
        assert_int_equal(cells[a], 0xFF);
    assert_int_equal(cells[0x31000], 0);
    assert_int_equal(sim_flash_stats(f->flash)[SIM_FLASH_OP_ERASE_64K].count, 1);
    assert_int_equal(sim_flash_stats(f->flash)[SIM_FLASH_OP_ERASE_SECTOR].count, 3);
}

static void test_erase_flash(void **state)
{
    struct fx *f = *state;
    uint8_t *cells = sim_flash_cells(f->flash);
    const uint32_t params[6] = {0, T_FLASH_SIZE, 0x10000, 0x1000, 0x100, 0xFFFF};

    cells[0x100] = 0;
    cells[0x3FF000] = 0;
    send_cmd(f, 0xD0, NULL, 0); /* size unknown: chip erase */
    run(f);
    expect_reply(f, 0xD0, 0, 0);
    assert_int_equal(sim_flash_stats(f->flash)[SIM_FLASH_OP_ERASE_CHIP].count, 1);
    assert_int_equal(cells[0x100], 0xFF);

    send_words(f, 0x0B, params, 6);
    run(f);
    expect_reply(f, 0x0B, 0, 0);
    assert_int_equal(f->hal.params.total_size, T_FLASH_SIZE);
    cells[0x100] = 0;
    cells[0x3FF000] = 0;
    send_cmd(f, 0xD0, NULL, 0); /* size known: only the dirty sectors */
    run(f);
    expect_reply(f, 0xD0, 0, 0);
    assert_int_equal(sim_flash_stats(f->flash)[SIM_FLASH_OP_ERASE_CHIP].count, 1);
    assert_int_equal(sim_flash_stats(f->flash)[SIM_FLASH_OP_ERASE_SECTOR].count, 2);
    assert_int_equal(cells[0x100], 0xFF);
    assert_int_equal(cells[0x3FF000], 0xFF);
}

static void test_read_flash(void **state)
{
    struct fx *f = *state;
    const uint32_t len = 10000;
    uint8_t *img = make_image(len, 9);
    uint8_t *got = malloc(len + 4096);
    const uint32_t req[4] = {0x30000, len, 4096, 2};
    const uint32_t bad[4] = {0x30000, len, 8192, 2};
    uint8_t digest[16];
    uint32_t have = 0;
    long n;

    memcpy(sim_flash_cells(f->flash) + 0x30000, img, len);
    send_words(f, 0xD2, bad, 4);
    run(f);
    expect_reply(f, 0xD2, 0xC2, 0);
    send_words(f, 0xD2, req, 4);
    assert_int_equal(run(f), STUB_POLL_IDLE);
    expect_reply(f, 0xD2, 0, 0);
    /* two packets in flight, then the stub waits for an ack */
    n = next_frame(f, got, 4096);
    assert_int_equal(n, 4096);
    n = next_frame(f, got + 4096, 4096);
    assert_int_equal(n, 4096);
    expect_nothing(f);
    have = 8192;
    {
        uint8_t ack[4];

        put32(ack, 4096);
        send_raw(f, ack, 4);
        run(f);
        n = next_frame(f, got + have, 4096);
        assert_int_equal(n, (long)(len - have));
        have += (uint32_t)n;
        expect_nothing(f); /* MD5 only after everything is acknowledged */
        put32(ack, 8192);
        send_raw(f, ack, 4);
        run(f);
        expect_nothing(f);
        put32(ack, len);
        send_raw(f, ack, 4);
        run(f);
    }
    assert_memory_equal(got, img, len);
    n = next_frame(f, digest, sizeof digest);
    assert_int_equal(n, 16);
    {
        uint8_t want[16];

        md5_buffer(img, len, want);
        assert_memory_equal(digest, want, 16);
    }
    free(img);
    free(got);
}

static void test_change_baud(void **state)
{
    struct fx *f = *state;
    static const struct {
        uint32_t baud;
        uint32_t div;
    } cases[] = {{2000000, 26}, {921600, 56}, {1000000, 52}, {460800, 113}};

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const uint32_t w[2] = {cases[i].baud, 115200};

        f->hal.clkdiv = HAL_HOST_CLKDIV_ROM;
        send_words(f, 0x0F, w, 2);
        run(f);
        assert_int_equal(f->hal.clkdiv, cases[i].div);
        /* the reply went out whole before the switch, at the old rate */
        assert_int_equal(f->hal.tx_len_at_clkdiv, f->hal.tx_len);
        expect_reply(f, 0x0F, 0, 0);
    }
    assert_int_equal(stub_baud_divider(451, 115200, 921600), 56);
    assert_int_equal(stub_baud_divider(452, 115200, 2000000), 26);
    assert_int_equal(stub_baud_divider(1, 115200, 3000000), 1);
}

static void test_mem_and_leave(void **state)
{
    struct fx *f = *state;
    const uint8_t code[8] = {1, 2, 3, 4, 0xC0, 0xDB, 7, 8};
    const uint32_t mb[4] = {8, 1, 0x1800, HAL_HOST_IRAM_BASE};
    const uint32_t bad[4] = {8, 1, 0x1800, 0x3FFFC000};
    const uint32_t me[2] = {0, HAL_HOST_IRAM_BASE + 4};
    const uint32_t attach = 0;

    send_words(f, 0x0D, &attach, 1);
    run(f);
    expect_reply(f, 0x0D, 0, 0);
    send_words(f, 0x05, bad, 4);
    run(f);
    expect_reply(f, 0x05, 0xC0, 0);
    send_words(f, 0x05, mb, 4);
    run(f);
    expect_reply(f, 0x05, 0, 0);
    send_data(f, 0x07, 0, code, 8, false);
    run(f);
    expect_reply(f, 0x07, 0, 0);
    send_data(f, 0x07, 5, code, 8, false);
    run(f);
    expect_reply(f, 0x07, 0xC0, 0x5E);
    send_data(f, 0x07, 1, code, 8, false);
    run(f);
    expect_reply(f, 0x07, 0xC9, 0);
    assert_memory_equal(f->hal.iram, code, 8);
    send_words(f, 0x06, me, 2);
    assert_int_equal(run(f), STUB_POLL_GONE);
    expect_reply(f, 0x06, 0, 0);
    assert_int_equal(f->hal.exit, HAL_HOST_JUMP);
    assert_int_equal(f->hal.jump_entry, HAL_HOST_IRAM_BASE + 4);
}

static void test_flash_end_reboot(void **state)
{
    struct fx *f = *state;
    const uint32_t reboot = 0;

    begin(f, 0x02, 0, 0, T_BLOCK, 0);
    send_words(f, 0x04, &reboot, 1);
    assert_int_equal(run(f), STUB_POLL_GONE);
    expect_reply(f, 0x04, 0, 0);
    assert_int_equal(f->hal.exit, HAL_HOST_REBOOT);
}

static void test_run_user_code(void **state)
{
    struct fx *f = *state;

    send_cmd(f, 0xD3, NULL, 0);
    assert_int_equal(run(f), STUB_POLL_GONE);
    expect_nothing(f);
    assert_int_equal(f->hal.exit, HAL_HOST_USER_CODE);
}

/* ---- background erase (ours: ERASE_BG 0xE8, ERASE_BG_WAIT 0xE9) ---- */

/* Queues a region: the reply comes from the one poll that takes the frame, before any erase. */
static void erase_bg(struct fx *f, uint32_t offset, uint32_t size, uint8_t err)
{
    const uint32_t w[2] = {offset, size};

    send_words(f, 0xE8, w, 2);
    assert_int_equal(stub_poll(&f->stub), STUB_POLL_BUSY);
    expect_reply(f, 0xE8, err, 0);
}

static void erase_bg_wait(struct fx *f, uint32_t value, uint8_t err)
{
    send_cmd(f, 0xE9, NULL, 0);
    run(f);
    expect_reply_data(f, 0xE9, value, NULL, 0, err, 0);
}

static void expect_blank(struct fx *f, uint32_t from, uint32_t to)
{
    const uint8_t *cells = sim_flash_cells_const(f->flash);

    for (uint32_t a = from; a < to; a++) {
        if (cells[a] != 0xFF)
            fail_msg("0x%x is 0x%02x, not erased", (unsigned)a, (unsigned)cells[a]);
    }
}

static void test_erase_bg(void **state)
{
    struct fx *f = *state;
    uint8_t *cells = sim_flash_cells(f->flash);

    erase_bg(f, 0x10100, 0x1000, 0x32);
    erase_bg(f, 0x10000, 0x1100, 0x33);
    erase_bg(f, 0x10000, 0, 0xC0);
    erase_bg(f, 0xFFFFF000u, 0x2000, 0xC0); /* beyond 4 GiB */
    erase_bg_wait(f, 0, 0);                 /* nothing queued: OK at once */

    memset(cells + 0x10000, 0, 0x10000); /* a whole block dirty: one block erase */
    cells[0x25000] = 0;                  /* two dirty sectors of the next block: sector erases */
    cells[0x2A000] = 0x7F;
    cells[0x41FFF] = 0; /* a region of three sectors, one of them dirty */
    cells[0x0F000] = 0; /* next to a region: kept */
    cells[0x43000] = 0; /* after a region: kept */
    erase_bg(f, 0x10000, 0x20000, 0);
    erase_bg(f, 0x40000, 0x3000, 0);
    erase_bg(f, 0x50000, 0x10000, 0); /* blank: checked, never erased */
    assert_int_equal(erases(f), 0);   /* queued only: the frames kept the stub busy */
    assert_true(f->stub.bg.count == 3);

    erase_bg_wait(f, 0, 0);
    expect_nothing(f);
    expect_blank(f, 0x10000, 0x30000);
    expect_blank(f, 0x40000, 0x43000);
    expect_blank(f, 0x50000, 0x60000);
    assert_int_equal(cells[0x0F000], 0);
    assert_int_equal(cells[0x43000], 0);
    assert_int_equal(sim_flash_stats(f->flash)[SIM_FLASH_OP_ERASE_64K].count, 1);
    assert_int_equal(sim_flash_stats(f->flash)[SIM_FLASH_OP_ERASE_SECTOR].count, 3);
    assert_int_equal(erases(f), 4);
    assert_int_equal(f->stub.bg.count, 0);
}

/* The background runs only when the stub has nothing else to do, one step per poll, and a
 * running erase makes a poll report FLASH_WAIT only while no frame waits. */
static void test_erase_bg_steps(void **state)
{
    struct fx *f = *state;
    uint8_t *cells = sim_flash_cells(f->flash);
    const uint32_t addr = 0x60000200;
    enum stub_poll_result r;
    int polls = 0;

    cells[0x20000] = 0;
    erase_bg(f, 0x20000, 0x1000, 0);
    do {
        r = stub_poll(&f->stub);
        polls++;
    } while (r == STUB_POLL_BUSY);
    assert_int_equal(r, STUB_POLL_FLASH_WAIT);
    assert_int_equal(polls, 2); /* blank check and erase start, then the wait */
    assert_int_equal(erases(f), 1);
    assert_true(sim_flash_busy(f->flash, f->hal.now_ns));
    /* a command during the erase is answered without waiting for it */
    send_words(f, 0x0A, &addr, 1);
    assert_int_equal(stub_poll(&f->stub), STUB_POLL_BUSY);
    expect_reply_data(f, 0x0A, 0, NULL, 0, 0, 0);
    assert_true(sim_flash_busy(f->flash, f->hal.now_ns));
    assert_int_equal(stub_poll(&f->stub), STUB_POLL_FLASH_WAIT);
    hal_host_wait_flash(&f->hal);
    assert_int_equal(run(f), STUB_POLL_IDLE);
    expect_blank(f, 0x20000, 0x21000);
    erase_bg_wait(f, 0, 0);
}

static void test_erase_bg_full(void **state)
{
    struct fx *f = *state;

    for (uint32_t i = 0; i < 8; i++)
        erase_bg(f, 0x100000 + i * 0x10000, 0x10000, 0);
    erase_bg(f, 0x200000, 0x1000, 0x36);
    erase_bg_wait(f, 0, 0);
    erase_bg(f, 0x200000, 0x1000, 0); /* room again */
    erase_bg_wait(f, 0, 0);
    assert_int_equal(erases(f), 0);
}

/* A sector the erase leaves dirty (read back after the erase), and an erase command that fails:
 * WAIT reports the first failed sector once, then the state is clear. */
static void test_erase_bg_fail(void **state)
{
    struct fx *f = *state;
    uint8_t *cells = sim_flash_cells(f->flash);

    memset(cells + 0x20000, 0x00, 0x10000);
    sim_flash_fail_erase_at(f->flash, 0x25000);
    cells[0x31000] = 0;
    erase_bg(f, 0x20000, 0x10000, 0); /* one block erase; sector 0x25000 stays */
    erase_bg(f, 0x30000, 0x2000, 0);  /* later regions still get done */
    erase_bg_wait(f, 0x25000, 0x35);
    assert_int_equal(cells[0x25000], 0x00);
    expect_blank(f, 0x20000, 0x25000);
    expect_blank(f, 0x26000, 0x30000);
    expect_blank(f, 0x30000, 0x32000);
    erase_bg_wait(f, 0, 0); /* cleared */

    sim_flash_fail_erase_at(f->flash, SIM_FLASH_NO_FAULT);
    cells[0x41000] = 0;
    cells[0x42000] = 0;
    f->hal.erase_rc = 1;
    erase_bg(f, 0x40000, 0x4000, 0);
    erase_bg_wait(f, 0x41000, 0x35);
    assert_int_equal(cells[0x41000], 0);
    f->hal.erase_rc = 0;
    erase_bg(f, 0x40000, 0x4000, 0);
    erase_bg_wait(f, 0, 0);
    expect_blank(f, 0x40000, 0x44000);
}

/* MD5 (and the other commands that read or erase flash) finish the queue first. */
static void test_erase_bg_drain(void **state)
{
    struct fx *f = *state;
    uint8_t *cells = sim_flash_cells(f->flash);
    uint8_t *blank = malloc(0x10000);
    const uint32_t region[2] = {0x70000, 0x1000};

    assert_non_null(blank);
    memset(blank, 0xFF, 0x10000);
    memset(cells + 0x10000, 0x00, 0x10000);
    cells[0x70000] = 0;
    erase_bg(f, 0x10000, 0x10000, 0);
    expect_md5(f, 0x10000, blank, 0x10000); /* sent before the stub could erase anything */
    assert_int_equal(f->stub.bg.count, 0);

    cells[0x10000] = 0;
    cells[0x3000] = 0;
    erase_bg(f, 0x10000, 0x1000, 0);
    send_words(f, 0xD1, region, 2); /* ERASE_REGION after ERASE_BG */
    run(f);
    expect_reply(f, 0xD1, 0, 0);
    expect_blank(f, 0x10000, 0x11000);
    expect_blank(f, 0x70000, 0x71000);
    erase_bg_wait(f, 0, 0);
    free(blank);
}

/* The host's write goes on while the background erases other regions between its blocks; the
 * write's own just-in-time erases wait for a running background erase. */
static void test_erase_bg_during_write(void **state)
{
    struct fx *f = *state;
    const uint32_t n = 200u * 1024u;
    uint8_t *img = make_image(n, 11);
    uint8_t *cells = sim_flash_cells(f->flash);
    uLongf zlen = compressBound(n);
    uint8_t *z = malloc(zlen);
    const uint32_t stay = 1;
    uint32_t blocks;
    uint64_t bg_erases;

    assert_non_null(z);
    assert_int_equal(compress2(z, &zlen, img, n, 9), Z_OK);
    memset(cells, 0x00, 0x40000);            /* the write's area: dirty */
    memset(cells + 0x100000, 0x11, 0x80000); /* the background's: 8 dirty blocks */
    memset(cells + 0x200000, 0x22, 0x3000);  /* and a few sectors */
    erase_bg(f, 0x100000, 0x80000, 0);
    erase_bg(f, 0x1FF000, 0x5000, 0);
    blocks = (uint32_t)((zlen + T_BLOCK - 1) / T_BLOCK);
    begin(f, 0x10, n, blocks, T_BLOCK, 0);
    for (uint32_t b = 0; b < blocks; b++) {
        size_t at = (size_t)b * T_BLOCK;
        size_t len = zlen - at < T_BLOCK ? zlen - at : T_BLOCK;
        enum stub_poll_result r;

        send_data(f, 0x11, b, z + at, len, false);
        do { /* the block: the stub's job runs before any background step */
            r = stub_poll(&f->stub);
            if (r == STUB_POLL_FLASH_WAIT)
                hal_host_wait_flash(&f->hal);
        } while (f->stub.job != STUB_JOB_NONE || f->stub.rx.ready[0] || f->stub.rx.ready[1]);
        expect_reply(f, 0x11, 0, 0);
        for (int k = 0; k < 20; k++) /* idle until the next block: some background steps */
            (void)stub_poll(&f->stub);
    }
    send_words(f, 0x12, &stay, 1);
    run(f);
    expect_reply(f, 0x12, 0, 0);
    bg_erases = sim_flash_stats(f->flash)[SIM_FLASH_OP_ERASE_64K].count;
    assert_true(bg_erases >= 1); /* during the write */
    erase_bg_wait(f, 0, 0);
    assert_memory_equal(cells, img, n);
    assert_int_equal(cells[n], 0x00); /* past the image: untouched */
    assert_int_equal(cells[0x3FFFF], 0x00);
    expect_blank(f, 0x100000, 0x180000);
    expect_blank(f, 0x1FF000, 0x204000);
    expect_md5(f, 0, img, n);
    free(z);
    free(img);
}

/* A write over other contents: once a few sectors in a row needed erasing, an idle stub erases
 * the sectors ahead of the data, so the next blocks are only programmed. */
static void test_erase_ahead(void **state)
{
    struct fx *f = *state;
    const uint32_t n = 256u * 1024u;
    uint8_t *img = make_image(n, 21);
    uint8_t *cells = sim_flash_cells(f->flash);
    uLongf zlen = compressBound(n);
    uint8_t *z = malloc(zlen);
    const uint32_t stay = 1;
    uint32_t blocks;
    uint32_t ahead = 0;

    assert_non_null(z);
    assert_int_equal(compress2(z, &zlen, img, n, 9), Z_OK);
    memset(cells, 0x00, n + 0x1000); /* all dirty, and one sector past the write */
    blocks = (uint32_t)((zlen + T_BLOCK - 1) / T_BLOCK);
    begin(f, 0x10, n, blocks, T_BLOCK, 0);
    for (uint32_t b = 0; b < blocks; b++) {
        size_t at = (size_t)b * T_BLOCK;
        size_t len = zlen - at < T_BLOCK ? zlen - at : T_BLOCK;

        send_data(f, 0x11, b, z + at, len, false);
        run(f); /* the block, then whatever an idle stub does until the next one */
        expect_reply(f, 0x11, 0, 0);
        ahead = f->stub.write.erased_to - f->stub.write.stage_addr > ahead
                        ? f->stub.write.erased_to - f->stub.write.stage_addr
                        : ahead;
        /* never further ahead than the limit (plus the block an erase there covers) */
        assert_true(f->stub.write.erased_to <=
                    f->stub.write.stage_addr + STUB_ERASE_AHEAD_MAX + HAL_FLASH_BLOCK_SIZE);
    }
    send_words(f, 0x12, &stay, 1);
    run(f);
    expect_reply(f, 0x12, 0, 0);
    /* the write's own erase reaches one block past its stage at most: more is erasing ahead */
    assert_true(ahead > HAL_FLASH_BLOCK_SIZE);
    assert_memory_equal(cells, img, n);
    assert_int_equal(cells[n], 0x00); /* the sector past the write: untouched */
    expect_md5(f, 0, img, n);
    free(z);
    free(img);
}

/* ---- baud probation ---- */

static void change_baud_921600(struct fx *f)
{
    const uint32_t w[2] = {921600, 115200};

    send_words(f, 0x0F, w, 2);
    assert_int_equal(run(f), STUB_POLL_IDLE);
    expect_reply(f, 0x0F, 0, 0);
    assert_int_equal(f->hal.clkdiv, 56);
}

/* The host does not follow the switch: after 1 s without a valid command the stub goes back
 * to the old divider and says OHAI there. Garbled frames do not count. */
static void test_baud_probation_restores(void **state)
{
    struct fx *f = *state;
    const uint32_t addr = 0x60000200;
    uint8_t buf[64];
    uint64_t t0;

    change_baud_921600(f);
    t0 = f->hal.now_ns;
    assert_true(f->hal.wake_set);
    assert_int_equal(f->hal.wake_us, (uint32_t)(t0 / 1000u) + STUB_BAUD_PROBATION_US);
    f->hal.now_ns = t0 + (uint64_t)STUB_BAUD_PROBATION_US * 1000u - 1000000u;
    assert_int_equal(run(f), STUB_POLL_IDLE);
    assert_int_equal(f->hal.clkdiv, 56);
    send_cmd_dir(f, 0x01, 0x0A, &addr, 4, 0); /* a garbled frame: answered, not accepted */
    run(f);
    expect_reply(f, 0x0A, 0xC3, 0);
    f->hal.now_ns = t0 + (uint64_t)STUB_BAUD_PROBATION_US * 1000u;
    run(f);
    assert_int_equal(f->hal.clkdiv, HAL_HOST_CLKDIV_ROM);
    assert_int_equal(f->hal.clkdiv_changes, 2);
    assert_int_equal(next_frame(f, buf, sizeof buf), 4);
    assert_memory_equal(buf, "OHAI", 4);
    /* the greeting went out after the switch back, at the old rate */
    assert_int_equal(f->hal.tx_len - f->hal.tx_len_at_clkdiv, 6);
    /* and that was all: talking at the old rate works, nothing more happens */
    f->hal.now_ns += 2000000000u;
    run(f);
    expect_nothing(f);
    send_words(f, 0x0A, &addr, 1);
    run(f);
    expect_reply(f, 0x0A, 0, 0);
    assert_int_equal(f->hal.clkdiv_changes, 2);
}

/* A valid command at the new rate ends the probation, even one that waits for the background. */
static void test_baud_probation_kept(void **state)
{
    struct fx *f = *state;
    const uint32_t addr = 0x60000200;
    uint8_t *cells = sim_flash_cells(f->flash);
    uint8_t *blank = malloc(0x100000);

    assert_non_null(blank);
    memset(blank, 0xFF, 0x100000);
    change_baud_921600(f);
    f->hal.now_ns += 100000000u;
    send_words(f, 0x0A, &addr, 1);
    run(f);
    expect_reply(f, 0x0A, 0, 0);
    f->hal.now_ns += 1000000000u;
    run(f);
    assert_int_equal(f->hal.clkdiv, 56);
    expect_nothing(f);

    /* MD5 right after the switch, held back by a background erase of 1 MiB (longer than
     * 1 s) */
    memset(cells + 0x100000, 0, 0x100000);
    erase_bg(f, 0x100000, 0x100000, 0);
    f->hal.clkdiv = HAL_HOST_CLKDIV_ROM;
    {
        const uint32_t w[2] = {921600, 115200};

        send_words(f, 0x0F, w, 2);
        assert_int_equal(stub_poll(&f->stub), STUB_POLL_BUSY);
        expect_reply(f, 0x0F, 0, 0);
    }
    expect_md5(f, 0x100000, blank, 0x100000);
    assert_true(f->hal.now_ns > 1000000000u + (uint64_t)STUB_BAUD_PROBATION_US * 1000u);
    f->hal.now_ns += 1000000000u;
    run(f);
    assert_int_equal(f->hal.clkdiv, 56);
    expect_nothing(f);
    free(blank);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_greeting, setup, teardown),
            cmocka_unit_test_setup_teardown(test_sync, setup, teardown),
            cmocka_unit_test_setup_teardown(test_registers, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bad_frames, setup, teardown),
            cmocka_unit_test_setup_teardown(test_flash_plain, setup, teardown),
            cmocka_unit_test_setup_teardown(test_defl_300k, setup, teardown),
            cmocka_unit_test_setup_teardown(test_defl_dirty_blocks, setup, teardown),
            cmocka_unit_test_setup_teardown(test_erase_overlaps_receive, setup, teardown),
            cmocka_unit_test_setup_teardown(test_deferred_error, setup, teardown),
            cmocka_unit_test_setup_teardown(test_defl_errors, setup, teardown),
            cmocka_unit_test_setup_teardown(test_erase_region, setup, teardown),
            cmocka_unit_test_setup_teardown(test_erase_flash, setup, teardown),
            cmocka_unit_test_setup_teardown(test_read_flash, setup, teardown),
            cmocka_unit_test_setup_teardown(test_change_baud, setup, teardown),
            cmocka_unit_test_setup_teardown(test_mem_and_leave, setup, teardown),
            cmocka_unit_test_setup_teardown(test_flash_end_reboot, setup, teardown),
            cmocka_unit_test_setup_teardown(test_run_user_code, setup, teardown),
            cmocka_unit_test_setup_teardown(test_erase_bg, setup, teardown),
            cmocka_unit_test_setup_teardown(test_erase_bg_steps, setup, teardown),
            cmocka_unit_test_setup_teardown(test_erase_bg_full, setup, teardown),
            cmocka_unit_test_setup_teardown(test_erase_bg_fail, setup, teardown),
            cmocka_unit_test_setup_teardown(test_erase_bg_drain, setup, teardown),
            cmocka_unit_test_setup_teardown(test_erase_ahead, setup, teardown),
            cmocka_unit_test_setup_teardown(test_erase_bg_during_write, setup, teardown),
            cmocka_unit_test_setup_teardown(test_baud_probation_restores, setup, teardown),
            cmocka_unit_test_setup_teardown(test_baud_probation_kept, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
