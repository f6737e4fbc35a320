/* SPDX-License-Identifier: MIT */
/* mkfw: the firmware files of the GUI tests and the demo (a MicroPython-like image with a chosen
 * header flash mode, an ESP32 image, an HTML page saved as .bin) and the check of a flash dump. */
#include "e2e_fw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MKFW_MPY_SIZE   (620u * 1024u) /* ~620 KiB, as MicroPython's ESP8266 builds */
#define MKFW_MPY_BANNER "MicroPython v1.23.0 on 2024-06-02; ESP module with ESP8266"
#define MKFW_MODE_AT    2u /* header byte 2: SPI flash mode */
#define MKFW_SAME_FROM  4u /* bytes 2-3 (mode, size/freq) may be patched by the flasher */

static const char MKFW_HTML[] =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
        "<title>esp8266-20240602-v1.23.0.bin - MicroPython downloads</title></head>\n"
        "<body><h1>Firmware for ESP8266 boards</h1>\n"
        "<p>The browser saved this page instead of the firmware: the link was not followed.</p>\n"
        "</body>\n</html>\n";

struct mkfw_mode {
    const char *name;
    uint8_t value;
};

static const struct mkfw_mode MKFW_MODES[] = {{"qio", 0}, {"qout", 1}, {"dio", 2}, {"dout", 3}};

static void mkfw_usage(FILE *out)
{
    fputs("usage: mkfw micropython [--mode qio|qout|dio|dout] OUT.bin\n"
          "       mkfw esp32 OUT.bin\n"
          "       mkfw html OUT.bin\n"
          "       mkfw check --image IMAGE.bin --dump FLASH.bin [--rest-blank] [--mode M]\n"
          "check: the dump holds the image from byte 4 on (bytes 2-3 may be patched); with\n"
          "--rest-blank everything after the image is 0xFF; with --mode byte 2 is that mode.\n",
          out);
}

static int mkfw_mode(const char *name)
{
    for (size_t i = 0; i < sizeof MKFW_MODES / sizeof MKFW_MODES[0]; i++) {
        if (strcmp(name, MKFW_MODES[i].name) == 0) {
            return MKFW_MODES[i].value;
        }
    }
    return -1;
}

static const char *mkfw_mode_name(unsigned v)
{
    return v < 4 ? MKFW_MODES[v].name : "?";
}

static int mkfw_make(int argc, char **argv)
{
    struct e2e_blob b = {NULL, 0};
    const char *kind = argv[1];
    const char *out = NULL;
    int mode = 0;
    bool ok = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
            mode = mkfw_mode(argv[++i]);
            if (mode < 0) {
                fprintf(stderr, "mkfw: unknown flash mode %s\n", argv[i]);
                return 2;
            }
        } else {
            out = argv[i];
        }
    }
    if (out == NULL) {
        mkfw_usage(stderr);
        return 2;
    }
    if (strcmp(kind, "micropython") == 0) {
        /* MicroPython's MD5 covers bytes 4 on: the mode byte may be set afterwards. */
        ok = e2e_fw_micropython(&b, MKFW_MPY_SIZE, MKFW_MPY_BANNER, false);
        if (ok) {
            b.data[MKFW_MODE_AT] = (uint8_t)mode;
            ok = e2e_micropython_md5_ok(b.data, b.len);
        }
    } else if (strcmp(kind, "esp32") == 0) {
        ok = e2e_fw_esp32(&b);
    } else if (strcmp(kind, "html") == 0) {
        ok = e2e_blob_copy(&b, (const uint8_t *)MKFW_HTML, sizeof MKFW_HTML - 1);
    } else {
        mkfw_usage(stderr);
        return 2;
    }
    if (!ok || !e2e_write_file(out, b.data, b.len)) {
        fprintf(stderr, "mkfw: could not make %s\n", out);
        e2e_blob_free(&b);
        return 1;
    }
    printf("mkfw: %s %s, %zu bytes%s%s\n", out, kind, b.len,
           strcmp(kind, "micropython") == 0 ? ", header mode " : "",
           strcmp(kind, "micropython") == 0 ? mkfw_mode_name((unsigned)mode) : "");
    e2e_blob_free(&b);
    return 0;
}

static int mkfw_check(int argc, char **argv)
{
    struct e2e_blob img = {NULL, 0};
    struct e2e_blob dump = {NULL, 0};
    const char *image_path = NULL;
    const char *dump_path = NULL;
    bool rest_blank = false;
    int mode = -1;
    int rc = 1;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--image") == 0 && i + 1 < argc) {
            image_path = argv[++i];
        } else if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc) {
            dump_path = argv[++i];
        } else if (strcmp(argv[i], "--rest-blank") == 0) {
            rest_blank = true;
        } else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
            mode = mkfw_mode(argv[++i]);
            if (mode < 0) {
                fprintf(stderr, "mkfw: unknown flash mode %s\n", argv[i]);
                return 2;
            }
        } else {
            mkfw_usage(stderr);
            return 2;
        }
    }
    if (image_path == NULL || dump_path == NULL) {
        mkfw_usage(stderr);
        return 2;
    }
    if (!e2e_read_file(image_path, &img) || !e2e_read_file(dump_path, &dump)) {
        fprintf(stderr, "mkfw check: cannot read %s or %s\n", image_path, dump_path);
        goto out;
    }
    if (dump.len < img.len || img.len <= MKFW_SAME_FROM) {
        fprintf(stderr, "mkfw check: the dump (%zu bytes) is smaller than the image (%zu)\n",
                dump.len, img.len);
        goto out;
    }
    for (size_t i = MKFW_SAME_FROM; i < img.len; i++) {
        if (dump.data[i] != img.data[i]) {
            fprintf(stderr,
                    "mkfw check: FAIL the flash differs from the image at 0x%zx: 0x%02x, "
                    "expected 0x%02x\n",
                    i, dump.data[i], img.data[i]);
            goto out;
        }
    }
    if (dump.data[0] != img.data[0]) {
        fprintf(stderr, "mkfw check: FAIL byte 0 is 0x%02x, expected the magic 0x%02x\n",
                dump.data[0], img.data[0]);
        goto out;
    }
    if (mode >= 0 && dump.data[MKFW_MODE_AT] != (uint8_t)mode) {
        fprintf(stderr, "mkfw check: FAIL the header's flash mode is %u (%s), expected %d (%s)\n",
                dump.data[MKFW_MODE_AT], mkfw_mode_name(dump.data[MKFW_MODE_AT]), mode,
                mkfw_mode_name((unsigned)mode));
        goto out;
    }
    if (rest_blank) {
        for (size_t i = img.len; i < dump.len; i++) {
            if (dump.data[i] != 0xFF) {
                fprintf(stderr,
                        "mkfw check: FAIL the flash after the image is not blank: 0x%02x at "
                        "0x%zx (erase-all expected)\n",
                        dump.data[i], i);
                goto out;
            }
        }
    }
    printf("mkfw check: ok: %zu image bytes in place from byte %u (header mode %u = %s)%s\n",
           img.len, MKFW_SAME_FROM, dump.data[MKFW_MODE_AT],
           mkfw_mode_name(dump.data[MKFW_MODE_AT]),
           rest_blank ? ", the rest of the flash blank" : "");
    rc = 0;
out:
    e2e_blob_free(&img);
    e2e_blob_free(&dump);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        mkfw_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "check") == 0) {
        return mkfw_check(argc, argv);
    }
    return mkfw_make(argc, argv);
}
