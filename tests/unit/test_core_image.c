/* SPDX-License-Identifier: MIT */
/* Unit tests of firmware checks: synthetic V1/V2 images, a MicroPython-like combined image with
 * its MD5 trailer, ESP32 and RTOS SDK images, web pages and other wrong files, truncation and
 * damage, placement and overlap checks, and header patching that keeps checksums valid. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime in testutil.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "image.h"
#include "md5.h"
#include "testutil.h"

#include <string.h>

#define KIB 1024u
#define MIB (1024u * 1024u)

static uint8_t g_buf[2 * MIB];
static uint8_t g_copy[2 * MIB];

struct seg {
    uint32_t addr;
    uint32_t len;
};

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Segments from `pos`, then zero padding to 15 mod 16 and the XOR checksum (§7.1). */
static size_t put_segments(uint8_t *buf, size_t pos, const struct seg *segs, unsigned n,
                           uint32_t seed)
{
    uint8_t chk = 0xEF;
    for (unsigned i = 0; i < n; i++) {
        put_u32(buf + pos, segs[i].addr);
        put_u32(buf + pos + 4, segs[i].len);
        pos += 8;
        test_pattern(buf + pos, segs[i].len, seed + i);
        for (uint32_t k = 0; k < segs[i].len; k++) {
            chk ^= buf[pos + k];
        }
        pos += segs[i].len;
    }
    while ((pos & 15) != 15) {
        buf[pos++] = 0;
    }
    buf[pos++] = chk;
    return pos;
}

/* A V1 image as esptool elf2image writes it. */
static size_t build_v1(uint8_t *buf, const struct seg *segs, unsigned n, uint8_t mode,
                       uint8_t size_freq)
{
    buf[0] = 0xE9;
    buf[1] = (uint8_t)n;
    buf[2] = mode;
    buf[3] = size_freq;
    put_u32(buf + 4, 0x40100004u);
    return put_segments(buf, 8, segs, n, 1);
}

static size_t build_small_v1(uint8_t *buf)
{
    static const struct seg segs[] = {{0x40100000u, 0x200}, {0x3FFE8000u, 0x40}};
    return build_v1(buf, segs, 2, 0x00, 0x20); /* qio, 1MB, 40m */
}

#define BANNER "MicroPython v1.23.0 on 2024-06-02; ESP module with ESP8266"

/* §7.3: V1 part, 0xFF up to 0x8FFC, length word, irom0 at 0x9000, MD5 of bytes 4.. last. */
static size_t build_micropython(uint8_t *buf, size_t total, bool with_md5)
{
    static const struct seg segs[] = {
            {0x40100000u, 0x7000}, {0x3FFE8000u, 0x900}, {0x3FFE8900u, 0x100}};
    size_t v1 = build_v1(buf, segs, 3, 0x00, 0x40);
    size_t len = with_md5 ? total - 16 : total;
    memset(buf + v1, 0xFF, 0x8FFC - v1);
    put_u32(buf + 0x8FFC, (uint32_t)len);
    test_pattern(buf + 0x9000, len - 0x9000, 77);
    memcpy(buf + 0x9000 + 5000, BANNER, sizeof BANNER);
    if (with_md5) {
        md5_buffer(buf + 4, len - 4, buf + len);
    }
    return total;
}

/* esptool's ESP32-family layout: 16-byte extended header, segments from 24. */
static size_t build_esp32(uint8_t *buf, uint16_t chip_id, uint32_t first_addr, bool hash)
{
    const struct seg segs[] = {{first_addr, 0x100}, {0x3FFB0000u, 0x40}};
    memset(buf, 0, 24);
    buf[0] = 0xE9;
    buf[1] = 2;
    buf[2] = 2;
    buf[3] = 0x20;
    put_u32(buf + 4, 0x40080000u);
    buf[8] = 0xEE;
    buf[12] = (uint8_t)chip_id;
    buf[13] = (uint8_t)(chip_id >> 8);
    buf[23] = hash ? 1 : 0;
    size_t n = put_segments(buf, 24, segs, 2, 5);
    if (hash) {
        memset(buf + n, 0x5A, 32);
        n += 32;
    }
    return n;
}

/* §7.2 V2 image; `seed` varies the irom0 bytes (and so the CRC). */
static size_t build_v2_seeded(uint8_t *buf, uint32_t seed, bool *crc_bit31)
{
    static const struct seg segs[] = {{0x40100000u, 0x100}};
    buf[0] = 0xEA;
    buf[1] = 4;
    buf[2] = 2;
    buf[3] = 0x40;
    put_u32(buf + 4, 0x40100004u);
    put_u32(buf + 8, 0);
    put_u32(buf + 12, 0x200);
    test_pattern(buf + 16, 0x200, seed);
    size_t pos = 16 + 0x200;
    buf[pos] = 0xE9;
    buf[pos + 1] = 1;
    buf[pos + 2] = 2;
    buf[pos + 3] = 0x40;
    put_u32(buf + pos + 4, 0x40100004u);
    pos = put_segments(buf, pos + 8, segs, 1, 3);
    uint32_t c = test_crc32(buf, pos);
    *crc_bit31 = (c & 0x80000000u) != 0;
    put_u32(buf + pos, *crc_bit31 ? c ^ 0xFFFFFFFFu : c + 1);
    return pos + 4;
}

static size_t build_v2(uint8_t *buf)
{
    bool bit31 = false;
    return build_v2_seeded(buf, 9, &bit31);
}

static void assert_refused(const uint8_t *d, size_t n, const char *phrase)
{
    struct image_info info;
    struct mf_error e;
    mf_err_clear(&e);
    assert_int_equal(image_inspect(d, n, &info, &e), MF_ERR_IMAGE);
    assert_int_equal(e.code, MF_ERR_IMAGE);
    if (strstr(e.message, phrase) == NULL) {
        print_error("message \"%s\" lacks \"%s\"\n", e.message, phrase);
    }
    assert_non_null(strstr(e.message, phrase));
}

static void test_v1_valid(void **state)
{
    (void)state;
    struct image_info info;
    struct mf_error e;
    char text[128];
    size_t n = build_small_v1(g_buf);
    assert_int_equal(image_inspect(g_buf, n, &info, &e), MF_OK);
    assert_int_equal(info.format, IMAGE_FORMAT_V1);
    assert_int_equal(info.segments, 2);
    assert_int_equal(info.image_end, n);
    assert_int_equal(info.entry, 0x40100004u);
    assert_false(info.micropython);
    assert_string_equal(info.firmware, "");
    image_describe(&info, text, sizeof text);
    assert_string_equal(text, "ESP8266 image, 608 bytes");
    image_describe_header(&info, text, sizeof text);
    assert_string_equal(text, "qio, 40m, 1MB");
    /* data after the image (a full flash backup) is fine */
    memset(g_buf + n, 0x42, 4096);
    assert_int_equal(image_inspect(g_buf, n + 4096, &info, &e), MF_OK);
    assert_int_equal(info.format, IMAGE_FORMAT_V1);
    assert_int_equal(info.image_end, n);
}

static void test_v1_damaged(void **state)
{
    (void)state;
    size_t n = build_small_v1(g_buf);
    /* one bit in segment data */
    g_buf[100] ^= 0x01;
    assert_refused(g_buf, n, "damaged");
    g_buf[100] ^= 0x01;
    /* checksum byte */
    g_buf[n - 1] ^= 0x80;
    assert_refused(g_buf, n, "checksum");
    g_buf[n - 1] ^= 0x80;
    /* cut short, at every length */
    for (size_t cut = 1; cut < n; cut += 7) {
        assert_refused(g_buf, cut, "cut short");
    }
    /* segment counts 0 and 17 */
    g_buf[1] = 0;
    assert_refused(g_buf, n, "not a valid one (0 segments)");
    g_buf[1] = 17;
    assert_refused(g_buf, n, "not a valid one (17 segments)");
    g_buf[1] = 2;
    /* a segment claiming 16 MiB */
    put_u32(g_buf + 12, 0x01000000u);
    assert_refused(g_buf, n, "claims");
}

static void test_micropython_image(void **state)
{
    (void)state;
    struct image_info info;
    struct mf_error e;
    char text[128];
    size_t n = build_micropython(g_buf, 620 * KIB, true);
    assert_int_equal(image_inspect(g_buf, n, &info, &e), MF_OK);
    assert_int_equal(info.format, IMAGE_FORMAT_V1);
    assert_true(info.micropython);
    assert_true(info.md5_checked);
    assert_int_equal(info.mpy_length, 620 * KIB - 16);
    assert_string_equal(info.firmware, "MicroPython v1.23.0");
    assert_string_equal(info.notes, "");
    image_describe(&info, text, sizeof text);
    assert_string_equal(text, "ESP8266 image, 620 KiB, MicroPython v1.23.0");
    assert_int_equal(image_check_placement(&info, "fw.bin", 0, 4 * MIB, false, &e), MF_OK);
}

static void test_micropython_damage(void **state)
{
    (void)state;
    struct image_info info;
    struct mf_error e;
    size_t n = build_micropython(g_buf, 600 * KIB, true);
    /* corrupt download: one byte in irom0 */
    g_buf[0x20000] ^= 0x10;
    assert_refused(g_buf, n, "MicroPython checksum does not match");
    g_buf[0x20000] ^= 0x10;
    /* the trailer itself */
    g_buf[n - 3] ^= 1;
    assert_refused(g_buf, n, "damaged");
    g_buf[n - 3] ^= 1;
    /* the length word is in the MD5 too */
    assert_int_equal(image_inspect(g_buf, n, &info, &e), MF_OK);
    /* cut short: within irom0, within the trailer */
    assert_refused(g_buf, 400 * KIB, "cut short");
    assert_refused(g_buf, n - 5, "cut short");
    /* no trailer (old builds): accepted with a note */
    n = build_micropython(g_buf, 600 * KIB, false);
    assert_int_equal(image_inspect(g_buf, n, &info, &e), MF_OK);
    assert_true(info.micropython);
    assert_false(info.md5_checked);
    assert_non_null(strstr(info.notes, "no MD5"));
    /* extra bytes after a good trailer: accepted with a note */
    n = build_micropython(g_buf, 600 * KIB, true);
    memset(g_buf + n, 0xFF, 100);
    assert_int_equal(image_inspect(g_buf, n + 100, &info, &e), MF_OK);
    assert_true(info.md5_checked);
    assert_non_null(strstr(info.notes, "100 bytes after"));
}

/* Bytes 0-3 are outside the MD5 and the V1 checksum: patching keeps the image valid. */
static void test_patch_keeps_checksums(void **state)
{
    (void)state;
    struct image_info info;
    struct image_info again;
    struct image_patch p;
    struct mf_error e;
    size_t n = build_micropython(g_buf, 620 * KIB, true);
    assert_int_equal(image_inspect(g_buf, n, &info, &e), MF_OK);
    memcpy(g_copy, g_buf, n);
    struct image_flash_params req = {IMAGE_MODE_DIO, IMAGE_FREQ_80M, IMAGE_DETECT};
    struct image_board board = {false, 4 * MIB};
    assert_int_equal(image_patch_header(g_copy, n, 0, &info, &req, &board, &p, &e), MF_OK);
    assert_true(p.applied);
    assert_int_equal(p.old_bytes[0], 0x00);
    assert_int_equal(p.old_bytes[1], 0x40);
    assert_int_equal(g_copy[2], 0x02);
    assert_int_equal(g_copy[3], 0x4F);
    assert_string_equal(p.message, "Flash parameters set to 0x024F (dio, 80m, 4MB).");
    assert_memory_equal(g_copy + 4, g_buf + 4, n - 4);
    assert_int_equal(image_inspect(g_copy, n, &again, &e), MF_OK);
    assert_true(again.md5_checked);

    n = build_small_v1(g_buf);
    assert_int_equal(image_inspect(g_buf, n, &info, &e), MF_OK);
    struct image_flash_params dout = {IMAGE_MODE_DOUT, IMAGE_KEEP, IMAGE_KEEP};
    assert_int_equal(image_patch_header(g_buf, n, 0, &info, &dout, &board, &p, &e), MF_OK);
    assert_true(p.applied);
    assert_int_equal(g_buf[2], 3);
    assert_int_equal(g_buf[3], 0x20);
    assert_int_equal(image_inspect(g_buf, n, &again, &e), MF_OK);
}

static void test_patch_rules(void **state)
{
    (void)state;
    struct image_info info;
    struct image_patch p;
    struct mf_error e;
    size_t n = build_small_v1(g_buf); /* qio, 1MB, 40m */
    assert_int_equal(image_inspect(g_buf, n, &info, &e), MF_OK);
    struct image_flash_params keep = {IMAGE_KEEP, IMAGE_KEEP, IMAGE_KEEP};
    struct image_board plain = {false, 0};
    struct image_board esp8285 = {true, 1 * MIB};

    /* keep everything: nothing changes */
    assert_int_equal(image_patch_header(g_buf, n, 0, &info, &keep, &plain, &p, &e), MF_OK);
    assert_false(p.applied);
    assert_string_equal(p.message, "");

    /* ESP8285: DOUT unless the user chose */
    assert_int_equal(image_patch_header(g_buf, n, 0, &info, &keep, &esp8285, &p, &e), MF_OK);
    assert_true(p.applied);
    assert_true(p.auto_dout);
    assert_int_equal(g_buf[2], IMAGE_MODE_DOUT);
    assert_non_null(strstr(p.message, "ESP8285"));
    g_buf[2] = 0;
    struct image_flash_params qio = {IMAGE_MODE_QIO, IMAGE_KEEP, IMAGE_KEEP};
    assert_int_equal(image_patch_header(g_buf, n, 0, &info, &qio, &esp8285, &p, &e), MF_OK);
    assert_false(p.applied);
    assert_false(p.auto_dout);
    assert_int_equal(g_buf[2], IMAGE_MODE_QIO);

    /* detect without a size: 4MB */
    struct image_flash_params detect = {IMAGE_KEEP, IMAGE_KEEP, IMAGE_DETECT};
    assert_int_equal(image_patch_header(g_buf, n, 0, &info, &detect, &plain, &p, &e), MF_OK);
    assert_true(p.size_fallback);
    assert_int_equal(g_buf[3], 0x40);
    assert_non_null(strstr(p.message, "4MB assumed"));
    /* detect 32 MB: the largest an ESP8266 header names */
    struct image_board huge = {false, 32 * MIB};
    assert_int_equal(image_patch_header(g_buf, n, 0, &info, &detect, &huge, &p, &e), MF_OK);
    assert_int_equal(g_buf[3], 0x90);
    assert_false(p.size_fallback);
    /* explicit -c1 and 256KB */
    int size = 0;
    assert_int_equal(image_parse_flash_size("2MB-c1", &size, &e), MF_OK);
    struct image_flash_params c1 = {IMAGE_KEEP, IMAGE_FREQ_26M, size};
    assert_int_equal(image_patch_header(g_buf, n, 0, &info, &c1, &plain, &p, &e), MF_OK);
    assert_int_equal(g_buf[3], 0x51);
    assert_non_null(strstr(p.message, "0x0051 (qio, 26m, 2MB-c1)"));
    /* header names more flash than the board has */
    struct image_flash_params four = {IMAGE_KEEP, IMAGE_KEEP, 0x40};
    assert_int_equal(image_patch_header(g_buf, n, 0, &info, &four, &esp8285, &p, &e), MF_OK);
    assert_true(p.size_mismatch);
    assert_non_null(strstr(p.message, "names 4MB of flash but the board has 1 MiB"));

    /* not at 0x0: untouched */
    memcpy(g_copy, g_buf, n);
    struct image_flash_params all = {IMAGE_MODE_DIO, IMAGE_FREQ_20M, 0x30};
    assert_int_equal(image_patch_header(g_buf, n, 0x1000, &info, &all, &esp8285, &p, &e), MF_OK);
    assert_false(p.applied);
    assert_memory_equal(g_buf, g_copy, n);

    /* V2 is never patched */
    size_t v2 = build_v2(g_copy);
    struct image_info v2info;
    assert_int_equal(image_inspect(g_copy, v2, &v2info, &e), MF_OK);
    assert_int_equal(image_patch_header(g_copy, v2, 0, &v2info, &all, &plain, &p, &e), MF_OK);
    assert_false(p.applied);
    assert_non_null(strstr(p.message, "not a V1"));
    assert_int_equal(g_copy[2], 2);

    /* out-of-range requests */
    struct image_flash_params bad_mode = {7, IMAGE_KEEP, IMAGE_KEEP};
    struct image_flash_params bad_freq = {IMAGE_KEEP, 5, IMAGE_KEEP};
    struct image_flash_params bad_size = {IMAGE_KEEP, IMAGE_KEEP, 0x70};
    assert_int_equal(image_patch_header(g_buf, n, 0, &info, &bad_mode, &plain, &p, &e), MF_ERR_ARG);
    assert_int_equal(image_patch_header(g_buf, n, 0, &info, &bad_freq, &plain, &p, &e), MF_ERR_ARG);
    assert_int_equal(image_patch_header(g_buf, n, 0, &info, &bad_size, &plain, &p, &e), MF_ERR_ARG);
}

static void test_parse_flash_options(void **state)
{
    (void)state;
    int v = 0;
    struct mf_error e;
    assert_int_equal(image_parse_flash_mode("keep", &v, &e), MF_OK);
    assert_int_equal(v, IMAGE_KEEP);
    assert_int_equal(image_parse_flash_mode("DIO", &v, &e), MF_OK);
    assert_int_equal(v, IMAGE_MODE_DIO);
    assert_int_equal(image_parse_flash_mode("dout", &v, &e), MF_OK);
    assert_int_equal(v, IMAGE_MODE_DOUT);
    assert_int_equal(image_parse_flash_mode("fast", &v, &e), MF_ERR_ARG);
    assert_non_null(strstr(e.message, "keep, qio, qout, dio or dout"));
    assert_int_equal(image_parse_flash_mode(NULL, &v, &e), MF_ERR_ARG);
    assert_int_equal(image_parse_flash_freq("80m", &v, &e), MF_OK);
    assert_int_equal(v, IMAGE_FREQ_80M);
    assert_int_equal(image_parse_flash_freq("26M", &v, &e), MF_OK);
    assert_int_equal(v, IMAGE_FREQ_26M);
    assert_int_equal(image_parse_flash_freq("48m", &v, &e), MF_ERR_ARG);
    assert_int_equal(image_parse_flash_size("detect", &v, &e), MF_OK);
    assert_int_equal(v, IMAGE_DETECT);
    assert_int_equal(image_parse_flash_size("keep", &v, &e), MF_OK);
    assert_int_equal(v, IMAGE_KEEP);
    assert_int_equal(image_parse_flash_size("256KB", &v, &e), MF_OK);
    assert_int_equal(v, 0x10);
    assert_int_equal(image_parse_flash_size("4MB-c1", &v, &e), MF_OK);
    assert_int_equal(v, 0x60);
    assert_int_equal(image_parse_flash_size("32MB", &v, &e), MF_ERR_ARG);
    assert_string_equal(image_flash_mode_name(1), "qout");
    assert_string_equal(image_flash_mode_name(9), "unknown");
    assert_string_equal(image_flash_freq_name(0x2F), "80m");
    assert_string_equal(image_flash_freq_name(0x25), "unknown");
    assert_string_equal(image_flash_size_name(0x92), "16MB");
    assert_string_equal(image_flash_size_name(0x72), "unknown");
}

/* USERS.md: ESP32 images are refused with the chip named; an RTOS SDK v3 app is not ESP32. */
static void test_esp32_images(void **state)
{
    (void)state;
    struct image_info info;
    struct mf_error e;
    size_t n = build_esp32(g_buf, 9, 0x3C000020u, false);
    assert_refused(g_buf, n, "This firmware is for the ESP32-S3, not for the ESP8266.");
    assert_refused(g_buf, n, "ESP8266_GENERIC");
    n = build_esp32(g_buf, 0, 0x3F400020u, true);
    assert_refused(g_buf, n, "for the ESP32,");
    n = build_esp32(g_buf, 5, 0x3C000020u, false);
    memcpy(g_buf + 40, "MicroPython v1.22.2 on 2024-02-22", 33);
    /* the version string damaged the checksum: still recognised by its header */
    assert_refused(g_buf, n, "for the ESP32-C3, not for the ESP8266 (MicroPython v1.22.2)");
    n = build_esp32(g_buf, 77, 0x3C000020u, false);
    assert_refused(g_buf, n, "an ESP32-family chip (chip id 77)");
    /* ESP8266 RTOS SDK v3: chip id 0, first segment in the flash mapping */
    n = build_esp32(g_buf, 0, 0x40210010u, false);
    assert_int_equal(image_inspect(g_buf, n, &info, &e), MF_OK);
    assert_int_equal(info.format, IMAGE_FORMAT_V3);
    assert_non_null(strstr(info.notes, "RTOS SDK"));
    assert_int_equal(image_check_placement(&info, "app.bin", 0, 0, false, &e), MF_ERR_IMAGE);
    assert_non_null(strstr(e.message, "0x10000"));
    assert_int_equal(image_check_placement(&info, "app.bin", 0x10000, 0, false, &e), MF_OK);
}

static void test_v2_image(void **state)
{
    (void)state;
    struct image_info info;
    struct mf_error e;
    char text[128];
    size_t n = build_v2(g_buf);
    assert_int_equal(image_inspect(g_buf, n, &info, &e), MF_OK);
    assert_int_equal(info.format, IMAGE_FORMAT_V2);
    assert_int_equal(info.image_end, n);
    assert_int_equal(info.segments, 1);
    image_describe(&info, text, sizeof text);
    assert_string_equal(text, "ESP8266 V2 image (for the SDK boot loader), 820 bytes");
    g_buf[20] ^= 1; /* irom0 data: only the CRC covers it */
    assert_refused(g_buf, n, "V2 image CRC");
    g_buf[20] ^= 1;
    assert_refused(g_buf, n - 2, "cut short");
    g_buf[16 + 0x200] = 0x00; /* second header gone */
    assert_refused(g_buf, n, "second header");
    /* both ways of storing the CRC (bit 31 set: inverted; clear: plus one) */
    bool seen[2] = {false, false};
    for (uint32_t seed = 1; seed < 64 && !(seen[0] && seen[1]); seed++) {
        bool bit31 = false;
        n = build_v2_seeded(g_buf, seed, &bit31);
        assert_int_equal(image_inspect(g_buf, n, &info, &e), MF_OK);
        seen[bit31] = true;
    }
    assert_true(seen[0] && seen[1]);
}

static void test_wrong_files(void **state)
{
    (void)state;
    static const char html[] = "\xEF\xBB\xBF\r\n  <!DOCTYPE html>\n<html lang=\"en\"><head>"
                               "<title>MicroPython - Python for microcontrollers</title>";
    assert_refused((const uint8_t *)html, sizeof html - 1, "web page (HTML)");
    static const char xml[] = "<?xml version=\"1.0\"?><Error>AccessDenied</Error>";
    assert_refused((const uint8_t *)xml, sizeof xml - 1,
                   "text, not firmware (it starts with "
                   "\"<?xml version");
    static const char hex[] = ":100000000C9434000C9446000C9446000C9446006A\n:00000001FF\n";
    assert_refused((const uint8_t *)hex, sizeof hex - 1, "text, not firmware");
    assert_refused((const uint8_t *)"", 0, "empty");
    assert_refused((const uint8_t *)"\x7F"
                                    "ELF\x01\x01\x01",
                   7, "ELF file");
    assert_refused((const uint8_t *)"PK\x03\x04\x14\x00", 6, "ZIP archive");
    assert_refused((const uint8_t *)"\x1F\x8B\x08\x00", 4, "gzip");
    assert_refused((const uint8_t *)"UF2\nWQ]\x9E", 8, "UF2 file");
    struct image_info info;
    struct mf_error e;
    assert_int_equal(image_inspect(NULL, 0, &info, &e), MF_ERR_IMAGE);
}

/* Raw data: fine where it belongs, refused at 0x0. */
static void test_raw_data(void **state)
{
    (void)state;
    struct image_info info;
    struct mf_error e;
    char text[64];
    test_pattern(g_buf, 4096, 42);
    g_buf[0] = 0x00;
    assert_int_equal(image_inspect(g_buf, 4096, &info, &e), MF_OK);
    assert_int_equal(info.format, IMAGE_FORMAT_RAW);
    image_describe(&info, text, sizeof text);
    assert_string_equal(text, "data, 4 KiB");
    image_describe_header(&info, text, sizeof text);
    assert_string_equal(text, "");
    assert_int_equal(image_check_placement(&info, "data.bin", 0, 0, false, &e), MF_ERR_IMAGE);
    assert_non_null(strstr(e.message, "data.bin is not an ESP8266 firmware image"));
    assert_int_equal(image_check_placement(&info, "data.bin", 0, 0, true, &e), MF_OK);
    assert_int_equal(image_check_placement(&info, "data.bin", 0x3FC000, 4 * MIB, false, &e), MF_OK);
    /* blank.bin: all 0xFF */
    memset(g_buf, 0xFF, 4096);
    assert_int_equal(image_inspect(g_buf, 4096, &info, &e), MF_OK);
    assert_int_equal(info.format, IMAGE_FORMAT_RAW);
}

static void test_placement(void **state)
{
    (void)state;
    struct image_info info;
    struct mf_error e;
    size_t n = build_micropython(g_buf, 620 * KIB, true);
    assert_int_equal(image_inspect(g_buf, n, &info, &e), MF_OK);
    /* too big for a 512 KiB board */
    assert_int_equal(image_check_placement(&info, "fw.bin", 0, 512 * KIB, false, &e), MF_ERR_IMAGE);
    assert_non_null(strstr(e.message, "fw.bin (620 KiB) is larger than the 512 KiB flash of "
                                      "this board"));
    /* MicroPython must go to 0x0 */
    assert_int_equal(image_check_placement(&info, "fw.bin", 0x1000, 4 * MIB, false, &e),
                     MF_ERR_IMAGE);
    assert_non_null(strstr(e.message, "must be written at 0x0, not at 0x1000"));
    /* not on a sector boundary */
    assert_int_equal(image_check_placement(&info, "fw.bin", 0x800, 4 * MIB, false, &e),
                     MF_ERR_IMAGE);
    assert_non_null(strstr(e.message, "use 0x0 or 0x1000"));
    /* runs past the end at an offset */
    test_pattern(g_buf, 8192, 1);
    g_buf[0] = 0;
    assert_int_equal(image_inspect(g_buf, 8192, &info, &e), MF_OK);
    assert_int_equal(image_check_placement(&info, "fs.img", 0xFF000, 1 * MIB, false, &e),
                     MF_ERR_IMAGE);
    assert_non_null(strstr(e.message, "would end at 0x101000, past the end of the 1 MiB flash"));
    assert_int_equal(image_check_placement(&info, "fs.img", 0xFE000, 1 * MIB, false, &e), MF_OK);
    /* flash size unknown: 16 MiB is the limit */
    assert_int_equal(image_check_placement(&info, "fs.img", 0xFFF000, 0, false, &e), MF_ERR_IMAGE);
    assert_non_null(strstr(e.message, "an ESP8266 can address"));
    assert_int_equal(image_check_placement(&info, "fs.img", 0xFFE000, 0, false, &e), MF_OK);
}

static void test_list_checks(void **state)
{
    (void)state;
    struct mf_error e;
    const struct image_entry ok[] = {
            {"boot.bin", 0x0, 0x1000},
            {"user1.bin", 0x1000, 0x7B000},
            {"esp_init_data_default.bin", 0x3FC000, 128},
            {"blank.bin", 0x3FE000, 0x1000},
    };
    assert_int_equal(image_check_list(ok, 4, 4 * MIB, &e), MF_OK);
    assert_int_equal(image_check_list(ok, 0, 4 * MIB, &e), MF_OK);
    const struct image_entry overlap[] = {
            {"firmware.bin", 0x0, 0x9B000},
            {"fs.img", 0x90000, 0x1000},
    };
    assert_int_equal(image_check_list(overlap, 2, 4 * MIB, &e), MF_ERR_IMAGE);
    assert_non_null(strstr(e.message, "firmware.bin (0x0-0x9AFFF) and fs.img (0x90000-0x90FFF) "
                                      "overlap"));
    const struct image_entry unaligned[] = {{"a.bin", 0x0, 16}, {"b.bin", 0x10100, 16}};
    assert_int_equal(image_check_list(unaligned, 2, 4 * MIB, &e), MF_ERR_IMAGE);
    assert_non_null(strstr(e.message, "0x10100 for b.bin"));
    const struct image_entry past[] = {{"big.bin", 0x300000, 0x200000}};
    assert_int_equal(image_check_list(past, 1, 4 * MIB, &e), MF_ERR_IMAGE);
    /* an empty file at an address inside another file does not overlap */
    const struct image_entry empty[] = {{"a.bin", 0x0, 0x2000}, {"b.bin", 0x1000, 0}};
    assert_int_equal(image_check_list(empty, 2, 4 * MIB, &e), MF_OK);
}

static void test_format_size(void **state)
{
    (void)state;
    char t[32];
    image_format_size(312, t, sizeof t);
    assert_string_equal(t, "312 bytes");
    image_format_size(620 * KIB, t, sizeof t);
    assert_string_equal(t, "620 KiB");
    image_format_size(1 * MIB, t, sizeof t);
    assert_string_equal(t, "1 MiB");
    image_format_size(1536 * KIB, t, sizeof t);
    assert_string_equal(t, "1.5 MiB");
    assert_int_equal(image_format_size(16 * MIB, t, 4), 6);
    assert_string_equal(t, "16 ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_v1_valid),
            cmocka_unit_test(test_v1_damaged),
            cmocka_unit_test(test_micropython_image),
            cmocka_unit_test(test_micropython_damage),
            cmocka_unit_test(test_patch_keeps_checksums),
            cmocka_unit_test(test_patch_rules),
            cmocka_unit_test(test_parse_flash_options),
            cmocka_unit_test(test_esp32_images),
            cmocka_unit_test(test_v2_image),
            cmocka_unit_test(test_wrong_files),
            cmocka_unit_test(test_raw_data),
            cmocka_unit_test(test_placement),
            cmocka_unit_test(test_list_checks),
            cmocka_unit_test(test_format_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
