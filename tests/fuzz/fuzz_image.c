/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the image checks: any file is accepted or refused with a sentence, the
 * findings stay inside the file, describing never overflows, and patching an accepted V1 image
 * at 0x0 leaves it accepted with the same findings. */
#include "image.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

#define FUZZ_MAX_INPUT 0x20000u

static const int FUZZ_MODES[] = {IMAGE_KEEP, IMAGE_MODE_QIO, IMAGE_MODE_QOUT, IMAGE_MODE_DIO,
                                 IMAGE_MODE_DOUT};
static const int FUZZ_FREQS[] = {IMAGE_KEEP, IMAGE_FREQ_40M, IMAGE_FREQ_26M, IMAGE_FREQ_20M,
                                 IMAGE_FREQ_80M};
static const int FUZZ_SIZES[] = {IMAGE_KEEP, IMAGE_DETECT, 0x00, 0x10, 0x20, 0x30,
                                 0x40,       0x50,         0x60, 0x80, 0x90};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t copy[FUZZ_MAX_INPUT];
    struct image_info info;
    struct mf_error e;
    char text[16];
    if (size > FUZZ_MAX_INPUT) {
        return 0;
    }
    mf_err_clear(&e);
    int rc = image_inspect(data, size, &info, &e);
    FUZZ_CHECK(rc == MF_OK || rc == MF_ERR_IMAGE);
    FUZZ_CHECK(e.code == rc);
    FUZZ_CHECK(memchr(e.message, '\0', sizeof e.message) != NULL);
    FUZZ_CHECK(memchr(info.notes, '\0', sizeof info.notes) != NULL);
    FUZZ_CHECK(memchr(info.firmware, '\0', sizeof info.firmware) != NULL);
    if (rc != MF_OK) {
        FUZZ_CHECK(e.message[0] != '\0');
        return 0;
    }
    FUZZ_CHECK(size > 0 && info.size == size);
    FUZZ_CHECK(info.format <= IMAGE_FORMAT_V3);
    FUZZ_CHECK(info.image_end <= size);
    FUZZ_CHECK(!info.md5_checked || info.micropython);
    if (info.micropython) {
        FUZZ_CHECK(info.format == IMAGE_FORMAT_V1 && info.mpy_length <= size);
    }
    /* a small buffer is never overrun */
    image_describe(&info, text, sizeof text);
    FUZZ_CHECK(memchr(text, '\0', sizeof text) != NULL);
    image_describe_header(&info, text, sizeof text);
    FUZZ_CHECK(memchr(text, '\0', sizeof text) != NULL);

    rc = image_check_placement(&info, "f", size > 0 ? (uint32_t)data[0] << 12 : 0, 1u << 20, false,
                               &e);
    FUZZ_CHECK(rc == MF_OK || rc == MF_ERR_IMAGE || rc == MF_ERR_ARG);
    FUZZ_CHECK(rc == MF_OK || e.message[0] != '\0');

    /* patching at 0x0 with settings picked by the input's last bytes */
    uint8_t pick = data[size - 1];
    struct image_flash_params req = {
            FUZZ_MODES[pick % 5],
            FUZZ_FREQS[(pick / 5) % 5],
            FUZZ_SIZES[(pick / 25) % 11],
    };
    struct image_board board = {(pick & 0x80) != 0, size > 1 ? (uint32_t)data[size - 2] << 16 : 0};
    struct image_patch p;
    struct image_info again;
    memcpy(copy, data, size);
    rc = image_patch_header(copy, size, 0, &info, &req, &board, &p, &e);
    FUZZ_CHECK(rc == MF_OK);
    FUZZ_CHECK(memchr(p.message, '\0', sizeof p.message) != NULL);
    FUZZ_CHECK(memcmp(copy + 4, data + 4, size > 4 ? size - 4 : 0) == 0);
    FUZZ_CHECK(p.applied == (size >= 4 && memcmp(copy, data, 4) != 0));
    if (info.format != IMAGE_FORMAT_V1) {
        FUZZ_CHECK(!p.applied);
    } else {
        FUZZ_CHECK(image_inspect(copy, size, &again, &e) == MF_OK);
        FUZZ_CHECK(again.format == info.format);
        FUZZ_CHECK(again.micropython == info.micropython);
        FUZZ_CHECK(again.md5_checked == info.md5_checked);
        FUZZ_CHECK(again.image_end == info.image_end);
    }
    return 0;
}
