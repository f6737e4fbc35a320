/* SPDX-License-Identifier: MIT */
/* Boot-path tests: the reset banner, and the ROM's image loader output checked against boot logs
 * published by users (load/room/tail/ho/chksum/csum lines), for a valid image, a wrong flash
 * mode, a bad checksum and blank flash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "boot.h"

#define FLASH_SIZE (1024u * 1024u)

struct seg_spec {
    uint32_t addr;
    uint32_t len;
};

/* Writes a V1 image with the given segment lengths and pseudo-random data at flash offset 0. */
static uint8_t *flash_with_image(uint8_t mode, const struct seg_spec *spec, unsigned n,
                                 size_t *img_len)
{
    uint8_t *flash = malloc(FLASH_SIZE);
    struct sim_image_segment segs[4];
    uint8_t *data[4];
    uint32_t x = 99;

    assert_non_null(flash);
    memset(flash, 0xFF, FLASH_SIZE);
    for (unsigned s = 0; s < n; s++) {
        data[s] = malloc(spec[s].len ? spec[s].len : 1);
        for (uint32_t i = 0; i < spec[s].len; i++) {
            x = x * 1664525u + 1013904223u;
            data[s][i] = (uint8_t)(x >> 24);
        }
        segs[s].addr = spec[s].addr;
        segs[s].data = data[s];
        segs[s].len = spec[s].len;
    }
    *img_len = sim_image_build(flash, FLASH_SIZE, mode, 0x40, 0x40100004u, segs, n);
    for (unsigned s = 0; s < n; s++)
        free(data[s]);
    return flash;
}

static char *load(const uint8_t *flash, uint32_t modes, struct sim_boot_report *rep)
{
    static char out[4096]; /* test-local scratch */
    size_t n = sim_boot_load(flash, FLASH_SIZE, modes, out, sizeof out, rep);
    assert_true(n < sizeof out);
    return out;
}

static void test_banner(void **state)
{
    (void)state;
    char out[128];
    size_t n = sim_boot_banner(out, sizeof out, 2, 1, 7);
    assert_string_equal(out, "\r\n ets Jan  8 2013,rst cause:2, boot mode:(1,7)\r\n\r\n");
    assert_int_equal(n, strlen(out));
    sim_boot_banner(out, sizeof out, 1, 3, 6);
    assert_string_equal(out, "\r\n ets Jan  8 2013,rst cause:1, boot mode:(3,6)\r\n\r\n");
}

static void test_image_layout(void **state)
{
    (void)state;
    static const struct seg_spec spec[] = {{0x40100000u, 12}};
    size_t len;
    uint8_t *flash = flash_with_image(SIM_FLASH_MODE_DIO, spec, 1, &len);
    uint8_t sum = 0xEF;
    /* 8 header + 8 segment header + 12 data = 28, padded to 15 mod 16 -> checksum at 31 */
    assert_int_equal(len, 32);
    assert_int_equal(flash[0], 0xE9);
    assert_int_equal(flash[1], 1);
    assert_int_equal(flash[2], SIM_FLASH_MODE_DIO);
    for (int i = 16; i < 28; i++)
        sum ^= flash[i];
    assert_int_equal(flash[31], sum);
    free(flash);
}

/* bbs.espressif.com t=10362: three segments of 25700, 848 and 184 bytes. */
static void test_valid_image_matches_published_log(void **state)
{
    (void)state;
    static const struct seg_spec spec[] = {
            {0x40100000u, 25700}, {0x3FFE8000u, 848}, {0x3FFE8350u, 184}};
    struct sim_boot_report rep;
    size_t len;
    uint8_t *flash = flash_with_image(SIM_FLASH_MODE_QIO, spec, 3, &len);
    char *out = load(flash, SIM_FLASH_MODES_ALL, &rep);

    assert_non_null(strstr(out, "load 0x40100000, len 25700, room 16 \r\ntail 4\r\nchksum 0x"));
    assert_non_null(strstr(out, "load 0x3ffe8000, len 848, room 4 \r\ntail 12\r\nchksum 0x"));
    assert_non_null(strstr(out, "ho 0 tail 12 room 4\r\nload 0x3ffe8350, len 184, room 12 \r\n"
                                "tail 12\r\nchksum 0x"));
    assert_int_equal(rep.outcome, SIM_BOOT_RUNS);
    assert_int_equal(rep.entry, 0x40100004u);
    assert_int_equal(rep.segments, 3);
    assert_null(strstr(out, "csum err"));
    /* the last chksum equals csum when the image is intact */
    char last[16], csum[16];
    const char *p = strstr(out, "tail 12\r\nchksum 0x");
    while (strstr(p + 1, "chksum 0x"))
        p = strstr(p + 1, "chksum 0x");
    memcpy(last, strstr(p, "0x"), 4);
    memcpy(csum, strstr(out, "csum 0x") + 5, 4);
    assert_memory_equal(last, csum, 4);
    free(flash);
}

/* esp8266/Arduino #9243: segments of 3424 and 40 bytes -> room 16 tail 0, room 8 tail 0. */
static void test_two_segment_log(void **state)
{
    (void)state;
    static const struct seg_spec spec[] = {{0x4010F000u, 3424}, {0x3FFF20B8u, 40}};
    struct sim_boot_report rep;
    size_t len;
    uint8_t *flash = flash_with_image(SIM_FLASH_MODE_DIO, spec, 2, &len);
    char *out = load(flash, SIM_FLASH_MODES_ALL, &rep);
    assert_non_null(strstr(out, "load 0x4010f000, len 3424, room 16 \r\ntail 0\r\n"));
    assert_non_null(strstr(out, "load 0x3fff20b8, len 40, room 8 \r\ntail 0\r\n"));
    assert_null(strstr(out, "ho "));
    assert_int_equal(rep.outcome, SIM_BOOT_RUNS);
    free(flash);
}

/* esp8266/Arduino #8240 (an ESP-01 image read in a mode its wiring cannot do): the first segment
 * header is read, everything after reads as zeros. */
static void test_wrong_mode_matches_published_log(void **state)
{
    (void)state;
    static const struct seg_spec spec[] = {
            {0x40100000u, 31320}, {0x3FFE8000u, 1024}, {0x3FFE8400u, 256}};
    static const char want[] = "load 0x40100000, len 31320, room 16 \r\n"
                               "tail 8\r\n"
                               "chksum 0xef\r\n"
                               "load 0x00000000, len 0, room 0 \r\n"
                               "tail 0\r\n"
                               "chksum 0xef\r\n"
                               "load 0x00000000, len 0, room 8 \r\n"
                               "tail 0\r\n"
                               "chksum 0xef\r\n"
                               "csum 0xef\r\n"
                               "csum err\r\n"
                               "ets_main.c \r\n";
    struct sim_boot_report rep;
    size_t len;
    uint8_t *flash = flash_with_image(SIM_FLASH_MODE_QIO, spec, 3, &len);
    char *out = load(
            flash, SIM_FLASH_MODE_BIT(SIM_FLASH_MODE_DIO) | SIM_FLASH_MODE_BIT(SIM_FLASH_MODE_DOUT),
            &rep);
    assert_string_equal(out, want);
    assert_int_equal(rep.outcome, SIM_BOOT_CSUM_ERR);
    assert_false(rep.mode_supported);
    /* the same image boots on a board that reads qio */
    load(flash, SIM_FLASH_MODES_ALL, &rep);
    assert_int_equal(rep.outcome, SIM_BOOT_RUNS);
    free(flash);
}

/* bbs.espressif.com t=2826: a 212-byte first segment read in an unsupported mode gives the "ho"
 * line between the zero-length segments. */
static void test_wrong_mode_ho_line(void **state)
{
    (void)state;
    static const struct seg_spec spec[] = {
            {0x40100000u, 212}, {0x3FFE8000u, 64}, {0x3FFE8040u, 16}};
    struct sim_boot_report rep;
    size_t len;
    uint8_t *flash = flash_with_image(SIM_FLASH_MODE_DIO, spec, 3, &len);
    char *out = load(flash, SIM_FLASH_MODE_BIT(SIM_FLASH_MODE_DOUT), &rep);
    assert_non_null(strstr(out, "load 0x40100000, len 212, room 16 \r\ntail 4\r\nchksum 0xef\r\n"
                                "load 0x00000000, len 0, room 4 \r\ntail 0\r\nchksum 0xef\r\n"
                                "ho 12 tail 0 room 4\r\n"
                                "load 0x00000000, len 0, room 12 \r\n"));
    assert_non_null(strstr(out, "csum err\r\nets_main.c \r\n"));
    free(flash);
}

static void test_corrupted_image(void **state)
{
    (void)state;
    static const struct seg_spec spec[] = {{0x40100000u, 1000}, {0x3FFE8000u, 200}};
    struct sim_boot_report rep;
    size_t len;
    uint8_t *flash = flash_with_image(SIM_FLASH_MODE_DOUT, spec, 2, &len);
    flash[500] ^= 0x01;
    char *out = load(flash, SIM_FLASH_MODES_ALL, &rep);
    assert_int_equal(rep.outcome, SIM_BOOT_CSUM_ERR);
    assert_int_not_equal(rep.stored, rep.computed);
    assert_non_null(strstr(out, "csum err\r\nets_main.c \r\n"));
    free(flash);
}

/* esp8266.com t=7975: a segment header of 0xFF bytes prints "load 0xffffffff, len -1" and the
 * ROM never gets further. Blank flash is all such bytes. */
static void test_blank_flash_hangs(void **state)
{
    (void)state;
    uint8_t *flash = malloc(FLASH_SIZE);
    struct sim_boot_report rep;
    memset(flash, 0xFF, FLASH_SIZE);
    char *out = load(flash, SIM_FLASH_MODES_ALL, &rep);
    assert_string_equal(out, "load 0xffffffff, len -1, room 16 \r\n");
    assert_int_equal(rep.outcome, SIM_BOOT_HANG);
    free(flash);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_banner),
            cmocka_unit_test(test_image_layout),
            cmocka_unit_test(test_valid_image_matches_published_log),
            cmocka_unit_test(test_two_segment_log),
            cmocka_unit_test(test_wrong_mode_matches_published_log),
            cmocka_unit_test(test_wrong_mode_ho_line),
            cmocka_unit_test(test_corrupted_image),
            cmocka_unit_test(test_blank_flash_hangs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
