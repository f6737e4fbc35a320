/* SPDX-License-Identifier: MIT */
/* ROM loader tests through the whole board: a scripted client with its own SLIP framing resets
 * the board into download mode, syncs at 115200 and exercises every command and error path,
 * checking replies against the byte examples of protocol doc §1.6 and flash/RAM side effects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "rom.h"
#include "test_client.h"

#define FLASH_SIZE (4u * 1024u * 1024u)
#define LONG       (30 * SIM_NS_PER_S)
#define SHORT      (1 * SIM_NS_PER_S)

struct fx {
    struct board *b;
    struct tc c;
    uint8_t *zeros;
    unsigned stub_starts;
    uint32_t stub_entry;
    size_t stub_rx;
};

static bool stub_start(void *ctx, struct board *b, uint32_t entry, uint64_t t)
{
    struct fx *f = ctx;
    (void)b, (void)t;
    f->stub_starts++;
    f->stub_entry = entry;
    return true;
}

static void stub_rx(void *ctx, struct board *b, uint64_t t, uint8_t byte)
{
    struct fx *f = ctx;
    (void)b, (void)t, (void)byte;
    f->stub_rx++;
}

static struct fx *fx_new(bool with_stub)
{
    struct fx *f = calloc(1, sizeof *f);
    struct board_config cfg;
    char err[128];

    assert_non_null(f);
    f->zeros = calloc(1, FLASH_SIZE); /* a flash full of 0x00 shows every erase */
    f->c.rx = malloc(TC_RX_MAX);
    board_config_default(&cfg);
    cfg.flash_start = BOARD_FLASH_FILE;
    cfg.flash_image = f->zeros;
    cfg.flash_image_len = FLASH_SIZE;
    if (with_stub) {
        cfg.stub.ctx = f;
        cfg.stub.start = stub_start;
        cfg.stub.rx = stub_rx;
    }
    assert_int_equal(board_create(&cfg, &f->b, err, sizeof err), 0);
    f->c.b = f->b;
    board_set_host_baud(f->b, 0, 115200);
    board_power_on(f->b, 0);
    tc_wait(&f->c, 50 * SIM_NS_PER_MS);
    tc_reset_to_download(&f->c);
    assert_int_equal(tc_sync(&f->c, 3), 8);
    return f;
}

static int setup(void **state)
{
    *state = fx_new(false);
    return 0;
}

static int setup_stub(void **state)
{
    *state = fx_new(true);
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    board_destroy(f->b);
    free(f->c.rx);
    free(f->zeros);
    free(f);
    return 0;
}

static size_t cmd(struct fx *f, uint8_t op, const uint8_t *data, size_t len, uint8_t *reply,
                  uint64_t timeout)
{
    return tc_command(&f->c, op, data, len, 0, reply, timeout);
}

static uint32_t read_reg(struct fx *f, uint32_t addr)
{
    uint8_t d[4], r[TC_FRAME_MAX];
    tc_put32(d, addr);
    assert_int_equal(cmd(f, SIM_OP_READ_REG, d, 4, r, SHORT), 10);
    assert_int_equal(r[0], 0x01);
    assert_int_equal(r[1], SIM_OP_READ_REG);
    assert_int_equal(r[8], 0);
    return tc_get32(r + 4);
}

static void write_reg(struct fx *f, uint32_t addr, uint32_t value)
{
    uint8_t d[16], r[TC_FRAME_MAX];
    tc_put32(d, addr);
    tc_put32(d + 4, value);
    tc_put32(d + 8, 0xFFFFFFFFu);
    tc_put32(d + 12, 0);
    assert_int_equal(cmd(f, SIM_OP_WRITE_REG, d, 16, r, SHORT), 10);
    assert_int_equal(r[1], SIM_OP_WRITE_REG);
    assert_int_equal(r[8], 0);
}

static uint64_t violations(struct fx *f, enum sim_violation v)
{
    return board_stats(f->b)->violations[v];
}

/* esptool's ESP8266ROM.get_erase_size (protocol doc §6.3), as a client computes it */
static uint32_t esptool_erase_size(uint32_t offset, uint32_t size)
{
    uint32_t sectors = (size + 4095) / 4096, start = offset / 4096;
    uint32_t head = 16 - start % 16;
    if (head > sectors)
        head = sectors;
    if (sectors < 2 * head)
        return (sectors + 1) / 2 * 4096;
    return (sectors - head) * 4096;
}

static size_t flash_begin(struct fx *f, uint32_t erase_size, uint32_t blocks, uint32_t offset,
                          uint8_t *r)
{
    uint8_t d[16];
    tc_put32(d, erase_size);
    tc_put32(d + 4, blocks);
    tc_put32(d + 8, 0x400);
    tc_put32(d + 12, offset);
    return cmd(f, SIM_OP_FLASH_BEGIN, d, 16, r, LONG);
}

static size_t data_block(struct fx *f, uint8_t op, uint32_t seq, const uint8_t *p, uint32_t n,
                         bool good_checksum, uint8_t *r)
{
    static uint8_t d[16 + 0x1800];
    tc_put32(d, n);
    tc_put32(d + 4, seq);
    tc_put32(d + 8, 0);
    tc_put32(d + 12, 0);
    memcpy(d + 16, p, n);
    return tc_command(&f->c, op, d, 16 + n, tc_checksum(p, n) ^ (good_checksum ? 0 : 0x5A), r,
                      LONG);
}

static void expect_ok(const uint8_t *r, size_t n, uint8_t op)
{
    assert_int_equal(n, 10);
    assert_int_equal(r[0], 0x01);
    assert_int_equal(r[1], op);
    assert_int_equal(r[2] | r[3] << 8, 2);
    assert_int_equal(r[8], 0x00);
    assert_int_equal(r[9], 0x00);
}

static void expect_error(const uint8_t *r, size_t n, uint8_t op, uint8_t code)
{
    assert_int_equal(n, 10);
    assert_int_equal(r[1], op);
    assert_int_equal(r[8], 0x01);
    assert_int_equal(r[9], code);
}

static void test_sync_reply_bytes(void **state)
{
    struct fx *f = *state;
    uint8_t req[64], frame[TC_FRAME_MAX];
    static const uint8_t want[] = {0x01, 0x08, 0x02, 0x00, 0x07, 0x07, 0x12, 0x20, 0x00, 0x00};
    size_t n = tc_sync_bytes(req), len;
    unsigned count = 0;

    f->c.parsed = f->c.rx_len;
    tc_send(&f->c, req, n);
    tc_wait(&f->c, 100 * SIM_NS_PER_MS);
    while (tc_next_frame(&f->c, frame, &len)) {
        assert_int_equal(len, sizeof want); /* issue #618 trace, protocol doc §1.6 */
        assert_memory_equal(frame, want, sizeof want);
        count++;
    }
    assert_int_equal(count, 8);
    assert_int_equal(board_stats(f->b)->commands[SIM_OP_SYNC] >= 2, 1);
}

static void test_autobaud_locked_at_115200(void **state)
{
    struct fx *f = *state;
    /* CLKDIV 0x1C4 after syncing at 115200 (issue #397); esptool derives 26 MHz from it */
    uint32_t div = read_reg(f, 0x60000014) & 0xFFFFF;
    assert_int_equal(div, 452);
    assert_int_equal(115200u * div / 2000000u, 26);
    assert_int_equal(board_chip_baud(f->b), 115044);
}

static void test_read_reg_magic_exact_bytes(void **state)
{
    struct fx *f = *state;
    static const uint8_t req[] = {0xC0, 0x00, 0x0A, 0x04, 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0x00, 0x10, 0x00, 0x40, 0xC0};
    static const uint8_t want[] = {0x01, 0x0A, 0x02, 0x00, 0x01, 0xC1, 0xF0, 0xFF, 0x00, 0x00};
    uint8_t frame[TC_FRAME_MAX];
    size_t len = 0;

    /* the request bytes of protocol doc §1.6, sent as they appear on the wire */
    f->c.parsed = f->c.rx_len;
    tc_send(&f->c, req, sizeof req);
    tc_wait(&f->c, 20 * SIM_NS_PER_MS);
    assert_true(tc_next_frame(&f->c, frame, &len));
    assert_int_equal(len, sizeof want);
    assert_memory_equal(frame, want, sizeof want);
}

static void test_efuse_mac(void **state)
{
    struct fx *f = *state;
    uint32_t w0 = read_reg(f, 0x3FF00050), w1 = read_reg(f, 0x3FF00054);
    uint32_t w3 = read_reg(f, 0x3FF0005C);
    /* default MAC 18:FE:34:12:34:56: selector OUI 0, NIC from words 1 and 0 (§5.2) */
    assert_int_equal(w3, 0);
    assert_int_equal((w1 >> 16) & 0xFF, 0);
    assert_int_equal((w1 >> 8) & 0xFF, 0x12);
    assert_int_equal(w1 & 0xFF, 0x34);
    assert_int_equal(w0 >> 24, 0x56);
    assert_false(w0 & (1u << 4)); /* not an ESP8285 */
}

static void test_unsupported_opcodes(void **state)
{
    struct fx *f = *state;
    static const uint8_t ops[] = {0x14, 0xD0, 0x0F, 0x13, 0x0D};
    uint8_t r[TC_FRAME_MAX];
    for (size_t i = 0; i < sizeof ops; i++) {
        size_t n = cmd(f, ops[i], NULL, 0, r, SHORT);
        /* status 1, error 0x05, opcode not the request's (protocol doc §2.3) */
        assert_int_equal(n, 10);
        assert_int_not_equal(r[1], ops[i]);
        assert_int_equal(r[8], 0x01);
        assert_int_equal(r[9], SIM_ROM_ERR_INVALID_MSG);
    }
    assert_int_equal(violations(f, SIM_VIOL_UNSUPPORTED), sizeof ops);
    /* the loader still works */
    assert_int_equal(read_reg(f, 0x40001000), 0xFFF0C101u);
}

static bool sector_is(const uint8_t *cells, uint32_t sector, uint8_t v)
{
    for (uint32_t i = 0; i < 4096; i++)
        if (cells[sector * 4096 + i] != v)
            return false;
    return true;
}

static void test_flash_begin_erase_bug_examples(void **state)
{
    struct fx *f = *state;
    uint8_t r[TC_FRAME_MAX];
    uint32_t size;
    const uint8_t *cells = board_flash_data(f->b, &size);
    uint64_t t0 = f->c.t;

    /* doc example 1: offset 0, 64 KiB meant -> the client sends 0x8000, ROM erases 16 sectors */
    assert_int_equal(esptool_erase_size(0, 0x10000), 0x8000);
    expect_ok(r, flash_begin(f, 0x8000, 64, 0, r), SIM_OP_FLASH_BEGIN);
    for (uint32_t s = 0; s < 16; s++)
        assert_true(sector_is(cells, s, 0xFF));
    assert_true(sector_is(cells, 16, 0x00));
    /* 16 sector erases of 45 ms before the reply */
    assert_true(f->c.t - t0 >= 16 * 45 * SIM_NS_PER_MS);
    assert_int_equal(board_stats(f->b)->flash[SIM_FLASH_OP_ERASE_SECTOR].count, 16);

    /* doc example 2: offset 0x1000, 128 KiB -> sends 0x11000, ROM erases 17 + 15 = 32 */
    memset(sim_flash_cells(board_flash(f->b)), 0, FLASH_SIZE);
    assert_int_equal(esptool_erase_size(0x1000, 0x20000), 0x11000);
    expect_ok(r, flash_begin(f, 0x11000, 128, 0x1000, r), SIM_OP_FLASH_BEGIN);
    assert_true(sector_is(cells, 0, 0x00));
    for (uint32_t s = 1; s <= 32; s++)
        assert_true(sector_is(cells, s, 0xFF));
    assert_true(sector_is(cells, 33, 0x00));
    assert_int_equal(board_stats(f->b)->flash[SIM_FLASH_OP_ERASE_64K].count, 1);
}

static void test_erase_bug_property(void **state)
{
    (void)state;
    /* For every start sector and length: (1) the raw request over-erases by `head` when it
     * crosses a 64 KiB boundary and by `total` when not (issue #33); (2) with esptool's
     * compensation the ROM erases the intended sectors and at most one more. */
    for (uint32_t start = 0; start < 48; start++) {
        for (uint32_t total = 1; total <= 80; total++) {
            uint32_t first, count, head = 16 - start % 16;
            uint32_t erase = esptool_erase_size(start * 4096, total * 4096);
            sim_rom_erase_span(start * 4096, total * 4096, &first, &count);
            assert_int_equal(first, start);
            assert_int_equal(count, total + (total > head ? head : total));
            sim_rom_erase_span(start * 4096, erase, &first, &count);
            assert_int_equal(first, start);
            assert_true(count >= total);
            assert_true(count <= total + 1);
            if (count == total + 1)
                assert_true(total % 2 == 1 && total < 2 * (head < total ? head : total));
        }
    }
}

static void test_flash_data_paths(void **state)
{
    struct fx *f = *state;
    uint8_t r[TC_FRAME_MAX], block[0x400];
    uint32_t size;
    const uint8_t *cells = board_flash_data(f->b, &size);

    for (size_t i = 0; i < sizeof block; i++)
        block[i] = (uint8_t)(i * 7 + 1);
    block[3] = 0xC0; /* must be escaped on the wire */
    block[4] = 0xDB;
    /* write 2 blocks at 0x10000 */
    expect_ok(r, flash_begin(f, esptool_erase_size(0x10000, 0x800), 2, 0x10000, r),
              SIM_OP_FLASH_BEGIN);
    expect_ok(r, data_block(f, SIM_OP_FLASH_DATA, 0, block, 0x400, true, r), SIM_OP_FLASH_DATA);
    assert_memory_equal(cells + 0x10000, block, 0x400);
    /* checksum error: 0x07 (esp8266.com t=8083), nothing written */
    expect_error(r, data_block(f, SIM_OP_FLASH_DATA, 1, block, 0x400, false, r), SIM_OP_FLASH_DATA,
                 SIM_ROM_ERR_CHECKSUM);
    assert_true(cells[0x10400] == 0xFF);
    assert_int_equal(violations(f, SIM_VIOL_CHECKSUM), 1);
    expect_ok(r, data_block(f, SIM_OP_FLASH_DATA, 1, block, 0x400, true, r), SIM_OP_FLASH_DATA);
    assert_memory_equal(cells + 0x10400, block, 0x400);
    assert_int_equal(violations(f, SIM_VIOL_SEQUENCE), 0);
    /* out of order: accepted, written at its sequence position, recorded */
    expect_ok(r, data_block(f, SIM_OP_FLASH_DATA, 9, block, 0x400, true, r), SIM_OP_FLASH_DATA);
    assert_int_equal(violations(f, SIM_VIOL_SEQUENCE), 1);
    assert_int_equal(violations(f, SIM_VIOL_TOO_MANY_BLOCKS), 1);
    /* esptool's formula for one sector sends 1 sector, the ROM erases 2 (odd sizes over-erase
     * by one); 0x12400 was not erased (still 0x00): programming only clears bits, no error */
    assert_true(sector_is(cells, 0x11, 0xFF));
    assert_int_equal(cells[0x10000 + 9 * 0x400 + 1], 0x00);
    /* short block */
    expect_ok(r, data_block(f, SIM_OP_FLASH_DATA, 2, block, 0x100, true, r), SIM_OP_FLASH_DATA);
    assert_int_equal(violations(f, SIM_VIOL_BLOCK_SIZE), 1);
}

static void test_data_without_begin(void **state)
{
    struct fx *f = *state;
    uint8_t r[TC_FRAME_MAX], block[16] = {1, 2, 3};
    expect_error(r, data_block(f, SIM_OP_FLASH_DATA, 0, block, sizeof block, true, r),
                 SIM_OP_FLASH_DATA, SIM_ROM_ERR_INVALID_MSG);
    expect_error(r, data_block(f, SIM_OP_MEM_DATA, 0, block, sizeof block, true, r),
                 SIM_OP_MEM_DATA, SIM_ROM_ERR_INVALID_MSG);
    assert_int_equal(violations(f, SIM_VIOL_NOT_BEGUN), 2);
}

static void test_bad_lengths(void **state)
{
    struct fx *f = *state;
    uint8_t r[TC_FRAME_MAX], d[20] = {0};
    uint8_t wire[64];
    size_t n, len = 0;

    /* FLASH_BEGIN with the stubs' 5th word */
    expect_error(r, cmd(f, SIM_OP_FLASH_BEGIN, d, 20, r, SHORT), SIM_OP_FLASH_BEGIN,
                 SIM_ROM_ERR_INVALID_MSG);
    expect_error(r, cmd(f, SIM_OP_READ_REG, d, 8, r, SHORT), SIM_OP_READ_REG,
                 SIM_ROM_ERR_INVALID_MSG);
    assert_int_equal(violations(f, SIM_VIOL_BAD_ARGS), 2);
    /* size field says 4, the frame carries 2 */
    n = tc_frame(SIM_OP_READ_REG, d, 2, 0, wire);
    wire[3] = 4;
    f->c.parsed = f->c.rx_len;
    tc_send(&f->c, wire, n);
    tc_wait(&f->c, 20 * SIM_NS_PER_MS);
    assert_true(tc_next_frame(&f->c, r, &len));
    expect_error(r, len, SIM_OP_READ_REG, SIM_ROM_ERR_INVALID_MSG);
    assert_int_equal(violations(f, SIM_VIOL_FRAME_LENGTH), 1);
    /* a SYNC with the wrong pattern gets no answer */
    memset(d, 0x55, sizeof d);
    assert_int_equal(cmd(f, SIM_OP_SYNC, d, 20, r, 100 * SIM_NS_PER_MS), 0);
    /* SPI_SET_PARAMS is taken (Espressif's ESP8266 download protocol note) */
    uint8_t p[24] = {0};
    tc_put32(p + 4, FLASH_SIZE);
    expect_ok(r, cmd(f, SIM_OP_SPI_SET_PARAMS, p, 24, r, SHORT), SIM_OP_SPI_SET_PARAMS);
}

/* RDID through the SPI user-command registers, the sequence of protocol doc §6.1 */
static uint32_t spi_command(struct fx *f, uint32_t usr, uint32_t usr1, uint32_t usr2, uint32_t addr)
{
    uint32_t saved_usr = read_reg(f, 0x6000021C), saved_usr2 = read_reg(f, 0x60000224);
    write_reg(f, 0x60000220, usr1);
    write_reg(f, 0x6000021C, usr);
    write_reg(f, 0x60000224, usr2);
    write_reg(f, 0x60000204, addr);
    write_reg(f, 0x60000240, 0);
    write_reg(f, 0x60000200, 1u << 18);
    assert_int_equal(read_reg(f, 0x60000200) & (1u << 18), 0);
    uint32_t w0 = read_reg(f, 0x60000240);
    write_reg(f, 0x6000021C, saved_usr);
    write_reg(f, 0x60000224, saved_usr2);
    return w0;
}

static void test_spi_registers(void **state)
{
    struct fx *f = *state;
    uint8_t r[TC_FRAME_MAX];
    /* before the ROM attached the flash: nothing answers */
    assert_int_equal(spi_command(f, 0x90000000u, 0x00001700u, 0x7000009Fu, 0) & 0xFFFFFF, 0xFFFFFF);
    assert_int_equal(violations(f, SIM_VIOL_SPI_NOT_ATTACHED), 1);
    /* esptool's attach in ROM mode: FLASH_BEGIN(0, 0) */
    expect_ok(r, flash_begin(f, 0, 0, 0, r), SIM_OP_FLASH_BEGIN);
    /* RDID: Winbond (0xEF), type 0x40, 4 MB (0x16) */
    assert_int_equal(spi_command(f, 0x90000000u, 0x00001700u, 0x7000009Fu, 0) & 0xFFFFFF, 0x1640EF);
    /* RDSR: idle, no write enable */
    assert_int_equal(spi_command(f, 0x90000000u, 0x00000700u, 0x70000005u, 0) & 0xFF, 0);
    /* SFDP: 24-bit address (top bits of ADDR), 8 dummy cycles, 32 bits -> "SFDP" */
    assert_int_equal(spi_command(f, 0xF0000000u, (23u << 26) | (31u << 8) | 7u, 0x7000005Au, 0),
                     0x50444653u);
    /* SFDP vendor header at 0x10 carries the manufacturer */
    assert_int_equal(
            spi_command(f, 0xF0000000u, (23u << 26) | (7u << 8) | 7u, 0x7000005Au, 0x10u << 8) &
                    0xFF,
            0xEF);
}

static void test_write_clkdiv_changes_rate(void **state)
{
    struct fx *f = *state;
    uint8_t d[16], r[TC_FRAME_MAX];
    uint32_t div = 52000000u / 230400u; /* 225 */

    tc_put32(d, 0x60000014);
    tc_put32(d + 4, div);
    tc_put32(d + 8, 0xFFFFFFFFu);
    tc_put32(d + 12, 0);
    /* the reply already goes out at the new rate: unreadable at 115200 */
    assert_int_equal(cmd(f, SIM_OP_WRITE_REG, d, 16, r, 100 * SIM_NS_PER_MS), 0);
    board_set_host_baud(f->b, f->c.t, 230400);
    assert_int_equal(read_reg(f, 0x60000014), div);
}

static void test_flash_end_reboot_returns_to_loader(void **state)
{
    struct fx *f = *state;
    uint8_t d[4] = {0}, r[TC_FRAME_MAX];

    expect_ok(r, flash_begin(f, 0, 0, 0, r), SIM_OP_FLASH_BEGIN);
    expect_ok(r, cmd(f, SIM_OP_FLASH_END, d, 4, r, SHORT), SIM_OP_FLASH_END);
    /* the ROM restarts with the latched download strapping and prints at 74880 */
    board_set_host_baud(f->b, f->c.t, 74880);
    tc_forget(&f->c);
    tc_wait(&f->c, 100 * SIM_NS_PER_MS);
    f->c.rx[f->c.rx_len] = 0;
    assert_non_null(strstr((char *)f->c.rx, "rst cause:2, boot mode:(1,7)"));
    board_set_host_baud(f->b, f->c.t, 115200);
    assert_int_equal(tc_sync(&f->c, 3), 8);
}

static void test_mem_upload_without_stub_goes_silent(void **state)
{
    struct fx *f = *state;
    uint8_t d[16], r[TC_FRAME_MAX], code[64];

    memset(code, 0x3C, sizeof code);
    tc_put32(d, sizeof code);
    tc_put32(d + 4, 1);
    tc_put32(d + 8, 0x1800);
    tc_put32(d + 12, 0x4010D000);
    expect_ok(r, cmd(f, SIM_OP_MEM_BEGIN, d, 16, r, SHORT), SIM_OP_MEM_BEGIN);
    expect_ok(r, data_block(f, SIM_OP_MEM_DATA, 0, code, sizeof code, true, r), SIM_OP_MEM_DATA);
    assert_int_equal(read_reg(f, 0x4010D000), 0x3C3C3C3Cu);
    tc_put32(d, 0);
    tc_put32(d + 4, 0x4010D004);
    expect_ok(r, cmd(f, SIM_OP_MEM_END, d, 8, r, SHORT), SIM_OP_MEM_END);
    tc_wait(&f->c, 10 * SIM_NS_PER_MS);
    assert_string_equal(board_state_name(f->b), "halted");
    assert_int_equal(tc_sync(&f->c, 2), 0);
}

static void test_mem_upload_starts_stub(void **state)
{
    struct fx *f = *state;
    uint8_t d[16], r[TC_FRAME_MAX], text[100], data[24];
    const struct sim_mem_segment *segs;
    size_t count;

    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (uint8_t)i;
    memset(data, 0xA5, sizeof data);
    tc_put32(d, sizeof text);
    tc_put32(d + 4, 1);
    tc_put32(d + 8, 0x1800);
    tc_put32(d + 12, 0x4010D000);
    expect_ok(r, cmd(f, SIM_OP_MEM_BEGIN, d, 16, r, SHORT), SIM_OP_MEM_BEGIN);
    expect_error(r, data_block(f, SIM_OP_MEM_DATA, 0, text, sizeof text, false, r), SIM_OP_MEM_DATA,
                 SIM_ROM_ERR_CHECKSUM);
    expect_ok(r, data_block(f, SIM_OP_MEM_DATA, 0, text, sizeof text, true, r), SIM_OP_MEM_DATA);
    tc_put32(d, sizeof data);
    tc_put32(d + 12, 0x3FFFACAC);
    expect_ok(r, cmd(f, SIM_OP_MEM_BEGIN, d, 16, r, SHORT), SIM_OP_MEM_BEGIN);
    expect_ok(r, data_block(f, SIM_OP_MEM_DATA, 0, data, sizeof data, true, r), SIM_OP_MEM_DATA);
    tc_put32(d, 0);
    tc_put32(d + 4, 0x4010D004);
    expect_ok(r, cmd(f, SIM_OP_MEM_END, d, 8, r, SHORT), SIM_OP_MEM_END);
    tc_wait(&f->c, 10 * SIM_NS_PER_MS);
    assert_int_equal(f->stub_starts, 1);
    assert_int_equal(f->stub_entry, 0x4010D004u);
    segs = board_mem_segments(f->b, &count);
    assert_int_equal(count, 2);
    assert_int_equal(segs[0].addr, 0x4010D000u);
    assert_int_equal(segs[0].received, sizeof text);
    assert_memory_equal(segs[0].data, text, sizeof text);
    assert_int_equal(segs[1].addr, 0x3FFFACACu);
    assert_memory_equal(segs[1].data, data, sizeof data);
    /* bytes now go to the stub */
    tc_send(&f->c, (const uint8_t *)"abc", 3);
    tc_wait(&f->c, 5 * SIM_NS_PER_MS);
    assert_int_equal(f->stub_rx, 3);
}

static void test_rx_overrun_while_erasing(void **state)
{
    struct fx *f = *state;
    uint8_t d[16], wire[64], junk[400];
    size_t n;

    tc_put32(d, 0x100000);
    tc_put32(d + 4, 1024);
    tc_put32(d + 8, 0x400);
    tc_put32(d + 12, 0);
    n = tc_frame(SIM_OP_FLASH_BEGIN, d, 16, 0, wire);
    tc_send(&f->c, wire, n);
    tc_wait(&f->c, 10 * SIM_NS_PER_MS);
    memset(junk, 0x11, sizeof junk);
    tc_send(&f->c, junk, sizeof junk); /* the ROM is busy erasing, its FIFO holds 128 */
    tc_wait(&f->c, 100 * SIM_NS_PER_MS);
    assert_int_equal(violations(f, SIM_VIOL_RX_OVERRUN), sizeof junk - 128);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_sync_reply_bytes, setup, teardown),
            cmocka_unit_test_setup_teardown(test_autobaud_locked_at_115200, setup, teardown),
            cmocka_unit_test_setup_teardown(test_read_reg_magic_exact_bytes, setup, teardown),
            cmocka_unit_test_setup_teardown(test_efuse_mac, setup, teardown),
            cmocka_unit_test_setup_teardown(test_unsupported_opcodes, setup, teardown),
            cmocka_unit_test_setup_teardown(test_flash_begin_erase_bug_examples, setup, teardown),
            cmocka_unit_test(test_erase_bug_property),
            cmocka_unit_test_setup_teardown(test_flash_data_paths, setup, teardown),
            cmocka_unit_test_setup_teardown(test_data_without_begin, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bad_lengths, setup, teardown),
            cmocka_unit_test_setup_teardown(test_spi_registers, setup, teardown),
            cmocka_unit_test_setup_teardown(test_write_clkdiv_changes_rate, setup, teardown),
            cmocka_unit_test_setup_teardown(test_flash_end_reboot_returns_to_loader, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_mem_upload_without_stub_goes_silent, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_mem_upload_starts_stub, setup_stub, teardown),
            cmocka_unit_test_setup_teardown(test_rx_overrun_while_erasing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
