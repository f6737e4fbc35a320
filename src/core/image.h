/* SPDX-License-Identifier: MIT */
/* Firmware files checked before the board is touched (esp8266-protocol.md §6.5, §7, USERS.md):
 * ESP8266 V1/V2 images, MicroPython's combined layout with its MD5 trailer, refusals of wrong
 * files with a sentence that says what to do, placement checks, and header patching at 0x0. */
#ifndef MF_IMAGE_H
#define MF_IMAGE_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define IMAGE_MAGIC_V1      0xE9u
#define IMAGE_MAGIC_V2      0xEAu
#define IMAGE_HEADER_SIZE   8u
#define IMAGE_SEGMENTS_MAX  16u
#define IMAGE_SEGMENT_MAX   0x1000000u /* a segment is shorter than 16 MiB */
#define IMAGE_ALIGN         0x1000u    /* every write address: one flash sector */
#define IMAGE_MPY_LENGTH_AT 0x8FFCu    /* §7.3: MicroPython's total-length word */
#define IMAGE_MPY_IROM_AT   0x9000u    /* §7.3: its irom0 part */
#define IMAGE_MPY_MD5_SKIP  4u         /* the MD5 skips bytes 0-3 (mode/size may be patched) */
#define IMAGE_FIRMWARE_MAX  48u
#define IMAGE_NOTES_MAX     (MF_ERR_MESSAGE_MAX + 64u) /* room for a refusal quoted in a note */

enum image_format {
    IMAGE_FORMAT_RAW = 0, /* not an image: data written as is (file systems, init data ...) */
    IMAGE_FORMAT_V1,      /* 0xE9: what the ROM boots from 0x0 (§7.1) */
    IMAGE_FORMAT_V2,      /* 0xEA: for the SDK's second-stage boot loader (§7.2) */
    IMAGE_FORMAT_V3,      /* ESP8266 RTOS SDK application: ESP32-style layout, chip id 0 */
};

/* What image_inspect found. */
struct image_info {
    enum image_format format;
    size_t size;             /* file size */
    uint8_t flash_mode;      /* header byte 2 (V1/V2/V3) */
    uint8_t flash_size_freq; /* header byte 3 */
    uint32_t entry;
    unsigned segments;                 /* RAM segments (V1 part) */
    size_t image_end;                  /* where the image proper ends (after checksum / CRC) */
    bool micropython;                  /* MicroPython's combined layout (§7.3) */
    bool md5_checked;                  /* ... and its MD5 trailer matched */
    uint32_t mpy_length;               /* its length word at 0x8FFC */
    char firmware[IMAGE_FIRMWARE_MAX]; /* "MicroPython v1.23.0" when found, else "" */
    char notes[IMAGE_NOTES_MAX];       /* warnings for the log (sentences), may be empty */
};

/* Identifies and checks a whole file in memory. MF_OK for something that may be flashed
 * somewhere (an ESP8266 image, or raw data); MF_ERR_IMAGE with a sentence for a file that must
 * not be: empty, a web page or other text, an ELF/ZIP/gzip/UF2 file, an ESP32-family image, a
 * damaged or cut-short image (checksum, V2 CRC, MicroPython MD5 or length). */
int image_inspect(const uint8_t *data, size_t size, struct image_info *info, struct mf_error *e);

/* Reads an open file whole into a new buffer (free() it), from a pipe too; more than `max`
 * bytes, or a read error, is MF_ERR_IMAGE with a sentence naming the file by `name`. The caller
 * opens and closes `f` (opening a path is the platform's business). */
int image_read_stream(FILE *f, const char *name, size_t max, uint8_t **data, size_t *size,
                      struct mf_error *e);

/* "ESP8266 image, 620 KiB, MicroPython v1.23.0". Returns the length (snprintf rules). */
size_t image_describe(const struct image_info *info, char *out, size_t out_size);
/* The header's flash settings: "dio, 40m, 4MB" ("" for raw data). */
size_t image_describe_header(const struct image_info *info, char *out, size_t out_size);

/* "620 KiB", "1.5 MiB", "312 bytes". */
size_t image_format_size(uint64_t bytes, char *out, size_t out_size);

/* Checks one file at one address: 4 KiB alignment; inside the flash (flash_size 0 = not known
 * yet: only the 16 MiB an ESP8266 can address is checked); at 0x0 a bootable ESP8266 image
 * (raw data only when allow_raw_at_0); MicroPython's layout only at 0x0. `name` is the file
 * name for the sentence. A file that does not fit is refused: MF_ERR_IMAGE. */
int image_check_placement(const struct image_info *info, const char *name, uint32_t offset,
                          uint32_t flash_size, bool allow_raw_at_0, struct mf_error *e);

struct image_entry {
    const char *name; /* for sentences */
    uint32_t offset;
    size_t size;
};

/* Checks a multi-file job: every address 4 KiB-aligned, every file inside the flash (flash_size
 * 0: inside 16 MiB), no two files overlapping; MF_ERR_IMAGE otherwise. */
int image_check_list(const struct image_entry *list, size_t n, uint32_t flash_size,
                     struct mf_error *e);

/* ---- Header patching (§6.5) ---- */

#define IMAGE_KEEP   (-1) /* leave the header's value */
#define IMAGE_DETECT (-2) /* flash size: use the detected size (fallback 4MB) */

enum image_flash_mode {
    IMAGE_MODE_QIO = 0,
    IMAGE_MODE_QOUT = 1,
    IMAGE_MODE_DIO = 2,
    IMAGE_MODE_DOUT = 3,
};

/* Low nibble of header byte 3 (§7.1). */
enum image_flash_freq {
    IMAGE_FREQ_40M = 0x0,
    IMAGE_FREQ_26M = 0x1,
    IMAGE_FREQ_20M = 0x2,
    IMAGE_FREQ_80M = 0xF,
};

/* What the user asked for. Each field: IMAGE_KEEP, or a value (mode: enum image_flash_mode,
 * freq: enum image_flash_freq, size: a header size byte 0x00..0x90 or IMAGE_DETECT). */
struct image_flash_params {
    int mode;
    int freq;
    int size;
};

/* Parse the CLI/GUI spellings: mode keep/qio/qout/dio/dout; freq keep/40m/26m/20m/80m;
 * size keep/detect/256KB/512KB/1MB/2MB/2MB-c1/4MB/4MB-c1/8MB/16MB. MF_ERR_ARG when unknown. */
int image_parse_flash_mode(const char *text, int *out, struct mf_error *e);
int image_parse_flash_freq(const char *text, int *out, struct mf_error *e);
int image_parse_flash_size(const char *text, int *out, struct mf_error *e);
const char *image_flash_mode_name(uint8_t mode);  /* "qio" ... or "unknown" */
const char *image_flash_freq_name(uint8_t byte3); /* from the low nibble: "40m" ... */
const char *image_flash_size_name(uint8_t byte3); /* from the high nibble: "4MB" ... */

/* What the connection learnt about the board. */
struct image_board {
    bool esp8285;        /* gets DOUT unless the user chose a mode */
    uint32_t flash_size; /* detected bytes, 0 when not known */
};

struct image_patch {
    bool applied; /* bytes 2-3 were changed */
    uint8_t old_bytes[2];
    uint8_t new_bytes[2];
    bool auto_dout;                /* DOUT chosen because the chip is an ESP8285 */
    bool size_fallback;            /* detection failed: 4MB used */
    bool size_mismatch;            /* the header names more flash than the board has */
    char message[IMAGE_NOTES_MAX]; /* "Flash parameters set to 0x0340 (dout, 40m, 4MB)." */
};

/* Rewrites bytes 2 and 3 of a V1 image written at 0x0 (in place: pass a copy of the file). Other
 * offsets and formats are left alone (V2 is never patched; message says why when something was
 * asked for). The V1 checksum covers segment data only and MicroPython's MD5 skips bytes 0-3,
 * so both stay valid. MF_ERR_ARG for values out of range. */
int image_patch_header(uint8_t *data, size_t size, uint32_t offset, const struct image_info *info,
                       const struct image_flash_params *req, const struct image_board *board,
                       struct image_patch *out, struct mf_error *e);

#endif
