/* SPDX-License-Identifier: MIT */
/* Flash settings in an ESP8266 image header (esp8266-protocol.md §6.5, §7.1): names and parsing
 * of mode/frequency/size, and the patch of bytes 2-3 for the image written at 0x0. */
#include "image.h"

#include "chip_esp8266.h"

#include <stdio.h>
#include <string.h>

#define IMAGE_MIB 0x100000u

struct image_mode_name {
    int value;
    const char *name;
};

static const struct image_mode_name IMAGE_MODES[] = {
        {IMAGE_MODE_QIO, "qio"},
        {IMAGE_MODE_QOUT, "qout"},
        {IMAGE_MODE_DIO, "dio"},
        {IMAGE_MODE_DOUT, "dout"},
};

static const struct image_mode_name IMAGE_FREQS[] = {
        {IMAGE_FREQ_40M, "40m"},
        {IMAGE_FREQ_26M, "26m"},
        {IMAGE_FREQ_20M, "20m"},
        {IMAGE_FREQ_80M, "80m"},
};

const char *image_flash_mode_name(uint8_t mode)
{
    const char *name = "unknown";
    for (size_t i = 0; i < sizeof IMAGE_MODES / sizeof IMAGE_MODES[0]; i++) {
        if (IMAGE_MODES[i].value == mode) {
            name = IMAGE_MODES[i].name;
        }
    }
    return name;
}

const char *image_flash_freq_name(uint8_t byte3)
{
    const char *name = "unknown";
    for (size_t i = 0; i < sizeof IMAGE_FREQS / sizeof IMAGE_FREQS[0]; i++) {
        if (IMAGE_FREQS[i].value == (byte3 & 0x0F)) {
            name = IMAGE_FREQS[i].name;
        }
    }
    return name;
}

const char *image_flash_size_name(uint8_t byte3)
{
    const struct chip_flash_size *fs = chip_flash_size_by_header(byte3);
    return fs != NULL ? fs->name : "unknown";
}

/* Case-insensitive equality. */
static bool image_same_text(const char *a, const char *b)
{
    while (*a != '\0' && *b != '\0') {
        char ca = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        char cb = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
        if (ca != cb) {
            break;
        }
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

static int image_parse_named(const char *text, const struct image_mode_name *table, size_t n,
                             const char *what, const char *choices, int *out, struct mf_error *e)
{
    int rc = MF_ERR_ARG;
    if (text != NULL && image_same_text(text, "keep")) {
        *out = IMAGE_KEEP;
        rc = MF_OK;
    }
    for (size_t i = 0; i < n && rc != MF_OK && text != NULL; i++) {
        if (image_same_text(text, table[i].name)) {
            *out = table[i].value;
            rc = MF_OK;
        }
    }
    if (rc != MF_OK) {
        mf_err_set(e, MF_ERR_ARG, "Unknown flash %s \"%s\": use %s.", what,
                   text != NULL ? text : "", choices);
    }
    return rc;
}

int image_parse_flash_mode(const char *text, int *out, struct mf_error *e)
{
    return image_parse_named(text, IMAGE_MODES, sizeof IMAGE_MODES / sizeof IMAGE_MODES[0], "mode",
                             "keep, qio, qout, dio or dout", out, e);
}

int image_parse_flash_freq(const char *text, int *out, struct mf_error *e)
{
    return image_parse_named(text, IMAGE_FREQS, sizeof IMAGE_FREQS / sizeof IMAGE_FREQS[0],
                             "frequency", "keep, 40m, 26m, 20m or 80m", out, e);
}

int image_parse_flash_size(const char *text, int *out, struct mf_error *e)
{
    int rc = MF_OK;
    const struct chip_flash_size *fs = NULL;
    if (text != NULL && image_same_text(text, "keep")) {
        *out = IMAGE_KEEP;
    } else if (text != NULL && image_same_text(text, "detect")) {
        *out = IMAGE_DETECT;
    } else if (text != NULL && (fs = chip_flash_size_by_name(text)) != NULL) {
        *out = fs->header;
    } else {
        rc = mf_err_set(e, MF_ERR_ARG,
                        "Unknown flash size \"%s\": use keep, detect, 256KB, 512KB, 1MB, 2MB, "
                        "2MB-c1, 4MB, 4MB-c1, 8MB or 16MB.",
                        text != NULL ? text : "");
    }
    return rc;
}

/* The size byte for IMAGE_DETECT; sets the fallback flag when detection gave nothing usable. */
static uint8_t image_detected_size(const struct image_board *board, struct image_patch *out)
{
    const struct chip_flash_size *fs = NULL;
    if (board->flash_size > CHIP_FLASH_SIZE_MAX) {
        fs = chip_flash_size_by_bytes(CHIP_FLASH_SIZE_MAX);
    } else if (board->flash_size > 0) {
        fs = chip_flash_size_by_bytes(board->flash_size);
    }
    if (fs == NULL) {
        /* §6.2: "Could not auto-detect flash size, defaulting to 4MB". */
        fs = chip_flash_size_by_bytes(4 * IMAGE_MIB);
        out->size_fallback = true;
    }
    return fs->header;
}

static bool image_valid_choice(int v, const struct image_mode_name *table, size_t n)
{
    bool ok = v == IMAGE_KEEP;
    for (size_t i = 0; i < n && !ok; i++) {
        ok = table[i].value == v;
    }
    return ok;
}

int image_patch_header(uint8_t *data, size_t size, uint32_t offset, const struct image_info *info,
                       const struct image_flash_params *req, const struct image_board *board,
                       struct image_patch *out, struct mf_error *e)
{
    int rc = MF_OK;
    bool asked = req->mode != IMAGE_KEEP || req->freq != IMAGE_KEEP || req->size != IMAGE_KEEP;
    memset(out, 0, sizeof *out);
    if (!image_valid_choice(req->mode, IMAGE_MODES, sizeof IMAGE_MODES / sizeof IMAGE_MODES[0]) ||
        !image_valid_choice(req->freq, IMAGE_FREQS, sizeof IMAGE_FREQS / sizeof IMAGE_FREQS[0]) ||
        (req->size != IMAGE_KEEP && req->size != IMAGE_DETECT &&
         (req->size < 0 || req->size > 0xFF || (req->size & 0x0F) != 0 ||
          chip_flash_size_by_header((uint8_t)req->size) == NULL))) {
        rc = mf_err_set(e, MF_ERR_ARG, "Flash settings out of range (mode %d, freq %d, size %d).",
                        req->mode, req->freq, req->size);
    } else if (offset != 0 || size < IMAGE_HEADER_SIZE) {
        /* Only the image at 0x0 is read by the ROM (§6.5). */
    } else if (info->format != IMAGE_FORMAT_V1 || data[0] != IMAGE_MAGIC_V1) {
        if (asked || board->esp8285) {
            snprintf(out->message, sizeof out->message,
                     "The file at 0x0 is not a V1 ESP8266 image, so its flash settings were "
                     "left as they are.");
        }
    } else {
        uint8_t mode = data[2];
        uint8_t byte3 = data[3];
        const struct chip_flash_size *have = NULL;
        out->old_bytes[0] = mode;
        out->old_bytes[1] = byte3;
        if (req->mode != IMAGE_KEEP) {
            mode = (uint8_t)req->mode;
        } else if (board->esp8285) {
            mode = IMAGE_MODE_DOUT; /* USERS.md: ESP8285 chips get DOUT automatically */
            out->auto_dout = data[2] != IMAGE_MODE_DOUT;
        }
        if (req->freq != IMAGE_KEEP) {
            byte3 = (uint8_t)((byte3 & 0xF0u) | (unsigned)req->freq);
        }
        if (req->size == IMAGE_DETECT) {
            byte3 = (uint8_t)((byte3 & 0x0Fu) | image_detected_size(board, out));
        } else if (req->size != IMAGE_KEEP) {
            byte3 = (uint8_t)((byte3 & 0x0Fu) | (unsigned)req->size);
        }
        have = chip_flash_size_by_header(byte3);
        out->size_mismatch =
                have != NULL && board->flash_size > 0 && have->bytes > board->flash_size;
        out->new_bytes[0] = mode;
        out->new_bytes[1] = byte3;
        out->applied = mode != data[2] || byte3 != data[3];
        data[2] = mode;
        data[3] = byte3;
        if (out->applied) {
            snprintf(out->message, sizeof out->message,
                     "Flash parameters set to 0x%02X%02X (%s, %s, %s)%s%s.", mode, byte3,
                     image_flash_mode_name(mode), image_flash_freq_name(byte3),
                     image_flash_size_name(byte3),
                     out->auto_dout ? "; DOUT because the chip is an ESP8285" : "",
                     out->size_fallback ? "; flash size not detected, 4MB assumed" : "");
        }
        if (out->size_mismatch) {
            size_t len = strlen(out->message);
            char real[32];
            image_format_size(board->flash_size, real, sizeof real);
            snprintf(out->message + len, sizeof out->message - len,
                     "%sThe image header names %s of flash but the board has %s; choose flash "
                     "size \"detect\".",
                     len > 0 ? " " : "", image_flash_size_name(byte3), real);
        }
    }
    if (rc == MF_OK) {
        mf_err_clear(e);
    }
    return rc;
}
