/* SPDX-License-Identifier: MIT */
/* Whole-board tests: power-on and reset boot output, "MicroPython boots" on a used board, the
 * REPL, flash-mode compatibility (ESP8285), boards without auto-reset, adapter latency, faults,
 * statistics and the lower bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "rom.h"
#include "test_client.h"

#define MiB         (1024u * 1024u)
#define BANNER      "MicroPython v1.23.0 on 2024-06-02; ESP module with ESP8266\r\n"
#define HELP_PROMPT "Type \"help()\" for more information.\r\n>>> "

struct fx {
    struct board *b;
    struct tc c;
    uint8_t *image;
};

static struct fx *fx_new(const struct board_config *cfg)
{
    struct fx *f = calloc(1, sizeof *f);
    char err[128];
    assert_non_null(f);
    f->c.rx = malloc(TC_RX_MAX + 1);
    assert_int_equal(board_create(cfg, &f->b, err, sizeof err), 0);
    f->c.b = f->b;
    return f;
}

static void fx_free(struct fx *f)
{
    board_destroy(f->b);
    free(f->c.rx);
    free(f->image);
    free(f);
}

static const char *rx_text(struct fx *f)
{
    f->c.rx[f->c.rx_len] = 0;
    return (const char *)f->c.rx;
}

/* Finds s in everything received (which may contain NUL bytes when it is garbage). */
static const uint8_t *rx_find(struct fx *f, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= f->c.rx_len; i++)
        if (memcmp(f->c.rx + i, s, n) == 0)
            return f->c.rx + i;
    return NULL;
}

/* A small valid V1 image with the given flash mode byte. */
static uint8_t *make_image(uint8_t mode, size_t *len)
{
    static const uint32_t lens[3] = {2048, 512, 128};
    static const uint32_t addrs[3] = {0x40100000u, 0x3FFE8000u, 0x3FFE8200u};
    uint8_t *data = malloc(4096), *img = malloc(4096);
    struct sim_image_segment segs[3];
    uint32_t off = 0;
    for (size_t i = 0; i < 4096; i++)
        data[i] = (uint8_t)(i * 13 + 5);
    for (int s = 0; s < 3; s++) {
        segs[s].addr = addrs[s];
        segs[s].data = data + off;
        segs[s].len = lens[s];
        off += lens[s];
    }
    *len = sim_image_build(img, 4096, mode, 0x20, 0x40100004u, segs, 3);
    free(data);
    return img;
}

static void test_blank_board_power_on(void **state)
{
    (void)state;
    struct board_config cfg;
    board_config_default(&cfg);
    struct fx *f = fx_new(&cfg);
    board_set_host_baud(f->b, 0, 74880);
    board_power_on(f->b, 0);
    tc_wait(&f->c, SIM_NS_PER_S);
    assert_string_equal(rx_text(f), "\r\n ets Jan  8 2013,rst cause:1, boot mode:(3,6)\r\n\r\n"
                                    "load 0xffffffff, len -1, room 16 \r\n");
    assert_string_equal(board_state_name(f->b), "halted");
    assert_int_equal(board_stats(f->b)->resets, 1);
    fx_free(f);
}

static void test_used_board_boots_micropython(void **state)
{
    (void)state;
    struct board_config cfg;
    const char *text, *banner;
    (void)banner;
    board_config_default(&cfg);
    cfg.flash_start = BOARD_FLASH_USED;
    struct fx *f = fx_new(&cfg);
    board_set_host_baud(f->b, 0, 115200);
    board_power_on(f->b, 0);
    tc_wait(&f->c, SIM_NS_PER_S);
    banner = (const char *)rx_find(f, BANNER HELP_PROMPT);
    assert_non_null(banner);
    /* before it, the 74880 ROM lines read at 115200: garbage that starts like the real one */
    assert_null(rx_find(f, "ets Jan"));
    assert_int_equal(f->c.rx[0], 'r');
    assert_int_equal(f->c.rx[1], 'l');
    assert_string_equal(board_state_name(f->b), "micropython");

    /* the same boot read at 74880 shows the ROM's load lines and the checksum match */
    tc_forget(&f->c);
    board_set_host_baud(f->b, f->c.t, 74880);
    board_lines(f->b, f->c.t, false, true);
    tc_wait(&f->c, 10 * SIM_NS_PER_MS);
    board_lines(f->b, f->c.t, false, false);
    tc_wait(&f->c, 100 * SIM_NS_PER_MS);
    text = rx_text(f);
    assert_non_null(strstr(text, "rst cause:2, boot mode:(3,6)"));
    assert_non_null(strstr(text, "load 0x40100000, len 31280, room 16 \r\n"));
    assert_non_null(strstr(text, "csum 0x"));
    assert_null(strstr(text, "csum err"));
    fx_free(f);
}

static void test_repl_basics(void **state)
{
    (void)state;
    struct board_config cfg;
    board_config_default(&cfg);
    cfg.flash_start = BOARD_FLASH_USED;
    struct fx *f = fx_new(&cfg);
    board_power_on(f->b, 0);
    tc_wait(&f->c, SIM_NS_PER_S);
    tc_forget(&f->c);
    static const char KEYS[] = "1+2\b3\r"; /* a typo fixed with backspace */
    tc_send(&f->c, (const uint8_t *)KEYS, sizeof KEYS - 1);
    tc_wait(&f->c, 50 * SIM_NS_PER_MS);
    assert_string_equal(rx_text(f), "1+2\b\x1b[K3\r\n4\r\n>>> ");
    tc_forget(&f->c);
    /* pyexec answers Ctrl-D with "\r\n", then soft_reset() prints its line */
    tc_send(&f->c, (const uint8_t *)"\x04", 1);
    tc_wait(&f->c, 50 * SIM_NS_PER_MS);
    assert_string_equal(rx_text(f), "\r\nMPY: soft reboot\r\n" BANNER HELP_PROMPT);
    fx_free(f);
}

static void boot_file_image(uint8_t mode, enum sim_chip_variant chip, uint32_t size, uint32_t modes,
                            bool expect_banner)
{
    struct board_config cfg;
    size_t len;
    uint8_t *img = make_image(mode, &len);
    board_config_default(&cfg);
    cfg.chip = chip;
    cfg.flash_size = size;
    cfg.flash_modes = modes;
    cfg.flash_start = BOARD_FLASH_FILE;
    cfg.flash_image = img;
    cfg.flash_image_len = len;
    struct fx *f = fx_new(&cfg);
    f->image = img;
    board_set_host_baud(f->b, 0, 74880);
    board_power_on(f->b, 0);
    tc_wait(&f->c, 100 * SIM_NS_PER_MS);
    if (expect_banner) {
        assert_non_null(strstr(rx_text(f), "csum 0x"));
        assert_null(strstr(rx_text(f), "csum err"));
    } else {
        assert_non_null(strstr(rx_text(f), "csum err\r\nets_main.c \r\n"));
    }
    tc_forget(&f->c);
    board_set_host_baud(f->b, f->c.t, 115200);
    tc_wait(&f->c, SIM_NS_PER_S);
    if (expect_banner)
        assert_non_null(strstr(rx_text(f), BANNER));
    else
        assert_int_equal(f->c.rx_len, 0); /* never a banner, nothing at all */
    fx_free(f);
}

static void test_flash_mode_compatibility(void **state)
{
    (void)state;
    /* ESP8285: DOUT only by default (protocol doc §7.4) */
    boot_file_image(SIM_FLASH_MODE_QIO, SIM_CHIP_ESP8285N08, MiB, 0, false);
    boot_file_image(SIM_FLASH_MODE_DIO, SIM_CHIP_ESP8285N08, MiB, 0, false);
    boot_file_image(SIM_FLASH_MODE_DOUT, SIM_CHIP_ESP8285N08, MiB, 0, true);
    /* an ESP8266EX board wired for dio/dout only */
    uint32_t dio_dout =
            SIM_FLASH_MODE_BIT(SIM_FLASH_MODE_DIO) | SIM_FLASH_MODE_BIT(SIM_FLASH_MODE_DOUT);
    boot_file_image(SIM_FLASH_MODE_QIO, SIM_CHIP_ESP8266EX, 4 * MiB, dio_dout, false);
    boot_file_image(SIM_FLASH_MODE_DIO, SIM_CHIP_ESP8266EX, 4 * MiB, dio_dout, true);
    boot_file_image(SIM_FLASH_MODE_QIO, SIM_CHIP_ESP8266EX, 4 * MiB, 0, true);
}

static void test_config_checks(void **state)
{
    (void)state;
    struct board_config cfg;
    struct board *b;
    char err[128];
    board_config_default(&cfg);
    cfg.chip = SIM_CHIP_ESP8285N16;
    cfg.flash_size = 4 * MiB;
    assert_int_equal(board_create(&cfg, &b, err, sizeof err), -1);
    assert_non_null(strstr(err, "ESP8285"));
    board_config_default(&cfg);
    cfg.flash_size = 3 * MiB;
    assert_int_equal(board_create(&cfg, &b, err, sizeof err), -1);
    board_config_default(&cfg);
    memset(cfg.mac, 0, 3);
    assert_int_equal(board_create(&cfg, &b, err, sizeof err), -1);
}

static void test_no_auto_reset_needs_buttons(void **state)
{
    (void)state;
    struct board_config cfg;
    board_config_default(&cfg);
    cfg.auto_reset = false;
    struct fx *f = fx_new(&cfg);
    board_set_host_baud(f->b, 0, 115200);
    board_power_on(f->b, 0);
    tc_wait(&f->c, 100 * SIM_NS_PER_MS);
    tc_forget(&f->c);
    /* esptool's reset sequence does nothing */
    tc_reset_to_download(&f->c);
    assert_int_equal(f->c.rx_len, 0);
    assert_int_equal(tc_sync(&f->c, 2), 0);
    /* hold FLASH, tap RESET, release */
    board_buttons(f->b, f->c.t, true, false);
    board_buttons(f->b, f->c.t, true, true);
    tc_wait(&f->c, 20 * SIM_NS_PER_MS);
    board_buttons(f->b, f->c.t, true, false);
    tc_wait(&f->c, 20 * SIM_NS_PER_MS);
    board_buttons(f->b, f->c.t, false, false);
    tc_wait(&f->c, 50 * SIM_NS_PER_MS);
    assert_int_equal(tc_sync(&f->c, 3), 8);
    fx_free(f);
}

/* Time from sending READ_REG to the first reply byte reaching the host. */
static uint64_t first_byte_delay(enum sim_adapter adapter)
{
    struct board_config cfg;
    uint8_t d[4], wire[32];
    uint64_t t0, dt;
    board_config_default(&cfg);
    cfg.adapter = adapter;
    struct fx *f = fx_new(&cfg);
    board_set_host_baud(f->b, 0, 115200);
    board_power_on(f->b, 0);
    tc_reset_to_download(&f->c);
    assert_int_equal(tc_sync(&f->c, 3), 8);
    tc_wait(&f->c, 50 * SIM_NS_PER_MS);
    tc_forget(&f->c);
    tc_put32(d, 0x40001000);
    size_t n = tc_frame(SIM_OP_READ_REG, d, 4, 0, wire);
    t0 = f->c.t;
    tc_send(&f->c, wire, n);
    while (f->c.rx_len == 0 && f->c.t < t0 + SIM_NS_PER_S)
        tc_run_until(&f->c, f->c.t + 10 * SIM_NS_PER_US);
    dt = f->c.t - t0;
    fx_free(f);
    return dt;
}

static void test_adapter_latency(void **state)
{
    (void)state;
    /* 14 bytes out and 12 back at 115200 take ~2.3 ms of wire time alone */
    uint64_t ch = first_byte_delay(SIM_ADAPTER_CH340);
    uint64_t ft = first_byte_delay(SIM_ADAPTER_FT232R);
    assert_true(ch > 2 * SIM_NS_PER_MS && ch < 6 * SIM_NS_PER_MS);
    assert_true(ft > 16 * SIM_NS_PER_MS && ft < 22 * SIM_NS_PER_MS);
}

static void test_stats_and_rate_violations(void **state)
{
    (void)state;
    struct board_config cfg;
    const struct sim_stats *st;
    board_config_default(&cfg);
    struct fx *f = fx_new(&cfg);
    board_set_host_baud(f->b, 0, 115200);
    board_power_on(f->b, 0);
    tc_reset_to_download(&f->c);
    assert_int_equal(tc_sync(&f->c, 3), 8);
    st = board_stats(f->b);
    assert_true(st->bytes_to_chip >= 46);
    assert_true(st->commands[SIM_OP_SYNC] >= 1);
    /* 8 replies of 12 wire bytes at least, plus the boot banner */
    assert_true(st->bytes_to_host >= 96);
    /* wire time matches the byte count at the rates used (10 bits per byte) */
    assert_true(st->wire_ns_to_chip >= st->bytes_to_chip * 86800);
    assert_true(st->wire_ns_to_chip <= st->bytes_to_chip * 86810);
    /* an esptool-like start (first SYNC lost to autobaud) commits no violation */
    for (int v = 0; v < SIM_VIOL_COUNT; v++)
        assert_int_equal(st->violations[v], 0);
    board_set_host_baud(f->b, f->c.t, 3000000); /* a CH340 stops at 2 M */
    assert_int_equal(board_stats(f->b)->violations[SIM_VIOL_BAUD_OVER_ADAPTER], 1);
    fx_free(f);
}

static void test_fault_reset_and_unplug(void **state)
{
    (void)state;
    struct board_config cfg;
    uint8_t junk[64];
    board_config_default(&cfg);
    cfg.faults.reset_at_byte = 100; /* 46 + 46 bytes of two SYNCs, then junk */
    cfg.faults.unplug_at_byte = 200;
    struct fx *f = fx_new(&cfg);
    board_set_host_baud(f->b, 0, 115200);
    board_power_on(f->b, 0);
    tc_reset_to_download(&f->c);
    assert_int_equal(tc_sync(&f->c, 3), 8);
    uint64_t resets = board_stats(f->b)->resets;
    memset(junk, 0x20, sizeof junk);
    tc_send(&f->c, junk, sizeof junk);
    tc_wait(&f->c, 50 * SIM_NS_PER_MS);
    assert_int_equal(board_stats(f->b)->resets, resets + 1);
    assert_false(board_unplugged(f->b));
    tc_send(&f->c, junk, sizeof junk);
    tc_send(&f->c, junk, sizeof junk);
    tc_wait(&f->c, 50 * SIM_NS_PER_MS);
    assert_true(board_unplugged(f->b));
    assert_string_equal(board_state_name(f->b), "off");
    fx_free(f);
}

static void test_fault_drop_all(void **state)
{
    (void)state;
    struct board_config cfg;
    board_config_default(&cfg);
    cfg.faults.drop_ppm_to_chip = 1000000;
    struct fx *f = fx_new(&cfg);
    board_set_host_baud(f->b, 0, 115200);
    board_power_on(f->b, 0);
    tc_reset_to_download(&f->c);
    assert_int_equal(tc_sync(&f->c, 3), 0);
    fx_free(f);
}

static void test_bound_blank_board(void **state)
{
    (void)state;
    struct board_config cfg;
    struct sim_bound bd;
    struct sim_bound_job job;
    uint8_t *img = malloc(0x10000);
    board_config_default(&cfg);
    struct fx *f = fx_new(&cfg);
    for (uint32_t i = 0; i < 0x10000; i++)
        img[i] = (uint8_t)(i % 251);
    memset(&job, 0, sizeof job);
    job.image = img;
    job.image_len = 0x10000;
    job.compressed_len = 40000;
    job.baud = 460800;
    board_bound(f->b, &job, 9000, &bd);
    assert_int_equal(bd.sectors_dirty, 0);
    assert_int_equal(bd.erase_ns, 0);
    assert_int_equal(bd.pages_programmed, 256);
    assert_int_equal(bd.program_ns, 256 * 500 * SIM_NS_PER_US);
    assert_int_equal(bd.wire_ns, 40000ull * 10 * SIM_NS_PER_S / 460800);
    assert_int_equal(bd.flash_work_ns, bd.program_ns);
    assert_int_equal(bd.verify_ns, SIM_NS_PER_US + 0x10000ull * (100 + SIM_BOUND_MD5_NS_PER_BYTE));
    /* stub of 9000 bytes at 115200 takes > 0.78 s of wire; reset+sync some ms */
    assert_true(bd.stub_ns > 780 * SIM_NS_PER_MS && bd.stub_ns < 900 * SIM_NS_PER_MS);
    assert_true(bd.reset_sync_ns > 5 * SIM_NS_PER_MS && bd.reset_sync_ns < 30 * SIM_NS_PER_MS);
    assert_int_equal(bd.total_ns, bd.reset_sync_ns + bd.stub_ns + bd.wire_ns + bd.verify_ns);
    free(img);
    fx_free(f);
}

static void test_bound_dirty_boards(void **state)
{
    (void)state;
    struct board_config cfg;
    struct sim_bound bd;
    struct sim_bound_job job;
    uint32_t size, dirty = 0;

    /* used board, erase-all, rewriting its own first 64 KiB: nothing to do there, every other
     * non-blank sector must be erased, nothing programmed */
    board_config_default(&cfg);
    cfg.flash_start = BOARD_FLASH_USED;
    struct fx *f = fx_new(&cfg);
    const uint8_t *cells = board_flash_data(f->b, &size);
    for (uint32_t s = 16; s < size / 4096; s++) {
        bool blank = true;
        for (uint32_t i = 0; i < 4096 && blank; i++)
            blank = cells[s * 4096 + i] == 0xFF;
        dirty += !blank;
    }
    memset(&job, 0, sizeof job);
    job.image = cells;
    job.image_len = 0x10000;
    job.erase_all = true;
    job.baud = 460800;
    board_bound(f->b, &job, 0, &bd);
    assert_true(dirty > 100);
    assert_int_equal(bd.sectors_dirty, dirty);
    assert_int_equal(bd.program_ns, 0);
    assert_true(bd.erase_ns > 0 && bd.erase_ns <= dirty * 45 * SIM_NS_PER_MS);
    assert_false(bd.chip_erase);
    fx_free(f);

    /* whole 4 MB dirty: 64 block erases (9.6 s) beat a chip erase (10 s) */
    uint8_t *zeros = calloc(1, 4 * MiB);
    board_config_default(&cfg);
    cfg.flash_start = BOARD_FLASH_FILE;
    cfg.flash_image = zeros;
    cfg.flash_image_len = 4 * MiB;
    f = fx_new(&cfg);
    f->image = zeros;
    uint8_t one = 0x00;
    job.image = &one;
    job.image_len = 1;
    board_bound(f->b, &job, 0, &bd);
    assert_int_equal(bd.sectors_dirty, 1024);
    assert_int_equal(bd.erase_ns, 64 * 150 * SIM_NS_PER_MS);
    assert_false(bd.chip_erase);
    assert_int_equal(bd.pages_programmed, 1);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_blank_board_power_on),
            cmocka_unit_test(test_used_board_boots_micropython),
            cmocka_unit_test(test_repl_basics),
            cmocka_unit_test(test_flash_mode_compatibility),
            cmocka_unit_test(test_config_checks),
            cmocka_unit_test(test_no_auto_reset_needs_buttons),
            cmocka_unit_test(test_adapter_latency),
            cmocka_unit_test(test_stats_and_rate_violations),
            cmocka_unit_test(test_fault_reset_and_unplug),
            cmocka_unit_test(test_fault_drop_all),
            cmocka_unit_test(test_bound_blank_board),
            cmocka_unit_test(test_bound_dirty_boards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
