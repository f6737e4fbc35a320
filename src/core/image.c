/* SPDX-License-Identifier: MIT */
/* Firmware file inspection (esp8266-protocol.md §7, USERS.md): format detection, V1/V2 structure
 * and checksums, MicroPython's combined layout and MD5, wrong-file refusals, placement checks. */
#include "image.h"

#include "chip_esp8266.h"
#include "md5.h"
#include "proto.h"

#include <stdio.h>
#include <string.h>

/* §7.2: V2 header byte 1 is a constant, not a count. */
#define IMAGE_V2_CONSTANT 0x04u

/* ESP32-style extended header (esptool bin_image.py): bytes 8..23 after the common header. */
#define IMAGE_EXT_HEADER_END 24u
#define IMAGE_EXT_WP_PIN     8u  /* 0xEE = disabled, what IDF writes */
#define IMAGE_EXT_CHIP_ID    12u /* u16 LE */
#define IMAGE_EXT_HASH_FLAG  23u /* 0 or 1: SHA-256 appended */
#define IMAGE_WP_DISABLED    0xEEu

/* Where an ESP8266 RTOS SDK (V3) application's first segment sits: the flash mapping. */
#define IMAGE_IROM_END 0x40300000u

/* How much of the file the text detection looks at. */
#define IMAGE_SNIFF_MAX 1024u

#define IMAGE_KIB 1024u
#define IMAGE_MIB 0x100000u

#define IMAGE_MPY_TAG "MicroPython v"

struct image_chip_id {
    uint16_t id;
    const char *name;
};

/* IMAGE_CHIP_ID values of the ESP32 family (esptool targets: IMAGE_CHIP_ID). */
static const struct image_chip_id IMAGE_CHIP_IDS[] = {
        {0, "ESP32"},     {2, "ESP32-S2"},  {5, "ESP32-C3"},  {9, "ESP32-S3"},  {12, "ESP32-C2"},
        {13, "ESP32-C6"}, {16, "ESP32-H2"}, {18, "ESP32-P4"}, {23, "ESP32-C5"},
};

/* A walk over segment headers. */
struct image_walk {
    size_t end;          /* offset after the last segment */
    uint8_t checksum;    /* 0xEF XOR all segment data */
    uint32_t first_addr; /* load address of the first segment */
    char problem[96];    /* why the walk failed */
};

enum image_v1_result {
    IMAGE_V1_OK,
    IMAGE_V1_STRUCTURE, /* not a valid segment list */
    IMAGE_V1_TRUNCATED, /* the file ends before the image does */
    IMAGE_V1_CHECKSUM,  /* the checksum byte does not match */
};

struct image_v1 {
    enum image_v1_result result;
    struct image_walk walk;
    size_t checksum_at; /* offset of the checksum byte */
    uint8_t stored;     /* its value */
};

static uint32_t image_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Walks `count` segments from `pos`; false (with w->problem) when they do not fit. */
static bool image_walk_segments(const uint8_t *d, size_t size, size_t pos, unsigned count,
                                struct image_walk *w)
{
    bool ok = true;
    memset(w, 0, sizeof *w);
    w->checksum = PROTO_CHECKSUM_SEED;
    for (unsigned i = 0; i < count && ok; i++) {
        if (pos > size || size - pos < 8) {
            snprintf(w->problem, sizeof w->problem, "segment %u header lies past the end", i + 1);
            w->end = pos + 8;
            ok = false;
        } else {
            uint32_t addr = image_u32(d + pos);
            uint32_t len = image_u32(d + pos + 4);
            if (i == 0) {
                w->first_addr = addr;
            }
            pos += 8;
            if (len >= IMAGE_SEGMENT_MAX) {
                snprintf(w->problem, sizeof w->problem, "segment %u claims %u bytes", i + 1,
                         (unsigned)len);
                ok = false;
            } else if (len > size - pos) {
                snprintf(w->problem, sizeof w->problem, "segment %u runs past the end", i + 1);
                w->end = pos + len;
                ok = false;
            } else {
                w->checksum = proto_checksum(d + pos, len, w->checksum);
                pos += len;
            }
        }
    }
    if (ok) {
        w->end = pos;
    }
    return ok;
}

/* V1 structure from `at` (0, or the second header of a V2 image). */
static void image_check_v1(const uint8_t *d, size_t size, size_t at, struct image_v1 *v)
{
    memset(v, 0, sizeof *v);
    unsigned count = size - at >= IMAGE_HEADER_SIZE ? d[at + 1] : 0;
    if (size - at < IMAGE_HEADER_SIZE) {
        v->result = IMAGE_V1_TRUNCATED;
        v->walk.end = at + IMAGE_HEADER_SIZE;
    } else if (count == 0 || count > IMAGE_SEGMENTS_MAX) {
        v->result = IMAGE_V1_STRUCTURE;
        snprintf(v->walk.problem, sizeof v->walk.problem, "%u segments", count);
    } else if (!image_walk_segments(d, size, at + IMAGE_HEADER_SIZE, count, &v->walk)) {
        v->result = v->walk.end > size ? IMAGE_V1_TRUNCATED : IMAGE_V1_STRUCTURE;
    } else {
        /* §7.1: zero padding up to 15 mod 16, then the checksum byte. */
        v->checksum_at = v->walk.end | 0x0Fu;
        if (v->checksum_at >= size) {
            v->result = IMAGE_V1_TRUNCATED;
            v->walk.end = v->checksum_at + 1;
        } else {
            v->stored = d[v->checksum_at];
            v->result = v->stored == v->walk.checksum ? IMAGE_V1_OK : IMAGE_V1_CHECKSUM;
        }
    }
}

/* CRC-32 (IEEE 802.3, reflected 0xEDB88320), as zlib's crc32(data, 0). */
static uint32_t image_crc32(const uint8_t *d, size_t len)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        crc ^= d[i];
        for (unsigned bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return crc ^ 0xFFFFFFFFu;
}

/* §7.2: the V2 trailer value: c ^ 0xFFFFFFFF when bit 31 is set, else c + 1. */
static uint32_t image_v2_crc(const uint8_t *d, size_t len)
{
    uint32_t c = image_crc32(d, len);
    return (c & 0x80000000u) != 0 ? c ^ 0xFFFFFFFFu : c + 1u;
}

static const char *image_chip_name(uint16_t id)
{
    const char *name = NULL;
    for (size_t i = 0; i < sizeof IMAGE_CHIP_IDS / sizeof IMAGE_CHIP_IDS[0]; i++) {
        if (IMAGE_CHIP_IDS[i].id == id) {
            name = IMAGE_CHIP_IDS[i].name;
            break;
        }
    }
    return name;
}

enum image_esp32 {
    IMAGE_ESP32_NO,
    IMAGE_ESP32_LIKELY, /* extended header looks right, segments do not check out */
    IMAGE_ESP32_YES,    /* segments and checksum check out after the extended header */
};

/* ESP32-style layout: 0xE9, 16-byte extended header, segments from byte 24, checksum. */
static enum image_esp32 image_check_esp32(const uint8_t *d, size_t size, uint16_t *chip_id,
                                          uint32_t *first_addr)
{
    enum image_esp32 r = IMAGE_ESP32_NO;
    *chip_id = 0;
    *first_addr = 0;
    if (size >= IMAGE_EXT_HEADER_END && d[IMAGE_EXT_HASH_FLAG] <= 1) {
        struct image_walk w;
        unsigned count = d[1];
        *chip_id = (uint16_t)(d[IMAGE_EXT_CHIP_ID] | d[IMAGE_EXT_CHIP_ID + 1] << 8);
        if (count > 0 && count <= IMAGE_SEGMENTS_MAX &&
            image_walk_segments(d, size, IMAGE_EXT_HEADER_END, count, &w) &&
            (w.end | 0x0Fu) < size && d[w.end | 0x0Fu] == w.checksum) {
            *first_addr = w.first_addr;
            r = IMAGE_ESP32_YES;
        } else if (d[IMAGE_EXT_WP_PIN] == IMAGE_WP_DISABLED && image_chip_name(*chip_id) != NULL) {
            r = IMAGE_ESP32_LIKELY;
        }
    }
    return r;
}

/* Finds "MicroPython v<digits...>" and copies the name and version into out. */
static void image_find_firmware(const uint8_t *d, size_t size, char *out, size_t out_size)
{
    const size_t tag_len = sizeof IMAGE_MPY_TAG - 1;
    out[0] = '\0';
    for (size_t i = 0; i + tag_len < size; i++) {
        const uint8_t *hit = memchr(d + i, 'M', size - tag_len - i);
        if (hit == NULL) {
            break;
        }
        i = (size_t)(hit - d);
        if (memcmp(hit, IMAGE_MPY_TAG, tag_len) == 0 && hit[tag_len] >= '0' &&
            hit[tag_len] <= '9') {
            size_t n = 0;
            while (i + n < size && n + 1 < out_size) {
                uint8_t c = d[i + n];
                bool keep = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
                            (c >= 'a' && c <= 'z') || c == '.' || c == '-' || c == '_' ||
                            c == '+' || (n < tag_len && c == ' ');
                if (!keep) {
                    break;
                }
                out[n] = (char)c;
                n++;
            }
            out[n] = '\0';
            break;
        }
    }
}

static void image_note(struct image_info *info, const char *text)
{
    size_t len = strlen(info->notes);
    snprintf(info->notes + len, sizeof info->notes - len, "%s%s", len > 0 ? " " : "", text);
}

/* True when every byte in [from, to) is 0xFF. */
static bool image_all_ff(const uint8_t *d, size_t from, size_t to)
{
    bool all = true;
    for (size_t i = from; i < to && all; i++) {
        all = d[i] == 0xFF;
    }
    return all;
}

/* §7.3: MicroPython's combined layout after a valid V1 part ending at v1_end. */
static int image_check_micropython(const uint8_t *d, size_t size, size_t v1_end,
                                   struct image_info *info, struct mf_error *e)
{
    int rc = MF_OK;
    if (size >= IMAGE_MPY_IROM_AT && v1_end <= IMAGE_MPY_LENGTH_AT &&
        image_all_ff(d, v1_end, IMAGE_MPY_LENGTH_AT)) {
        uint32_t len = image_u32(d + IMAGE_MPY_LENGTH_AT);
        if (len > IMAGE_MPY_IROM_AT && len <= CHIP_FLASH_SIZE_MAX) {
            uint8_t digest[MD5_DIGEST_SIZE];
            char want[MD5_HEX_SIZE];
            char got[MD5_HEX_SIZE];
            info->micropython = true;
            info->mpy_length = len;
            if (size < len) {
                rc = mf_err_set(e, MF_ERR_IMAGE,
                                "The file is cut short: it has %zu bytes, but its MicroPython "
                                "header says %u (plus a 16-byte checksum). Download it again.",
                                size, (unsigned)len);
            } else if (size == len) {
                image_note(info, "The MicroPython image has no MD5 trailer (an old build?), so "
                                 "the file could not be checked for damage.");
            } else if (size - len < MD5_DIGEST_SIZE) {
                rc = mf_err_set(e, MF_ERR_IMAGE,
                                "The file is cut short: its MicroPython checksum is incomplete "
                                "(%zu of 16 bytes). Download it again.",
                                size - len);
            } else {
                md5_buffer(d + IMAGE_MPY_MD5_SKIP, len - IMAGE_MPY_MD5_SKIP, digest);
                if (memcmp(digest, d + len, MD5_DIGEST_SIZE) == 0) {
                    info->md5_checked = true;
                    if (size > len + MD5_DIGEST_SIZE) {
                        char note[IMAGE_NOTES_MAX];
                        snprintf(note, sizeof note,
                                 "The file has %zu bytes after the end of the MicroPython image; "
                                 "they will be written too.",
                                 size - len - MD5_DIGEST_SIZE);
                        image_note(info, note);
                    }
                } else if (size == len + MD5_DIGEST_SIZE) {
                    md5_to_hex(d + len, want);
                    md5_to_hex(digest, got);
                    rc = mf_err_set(e, MF_ERR_IMAGE,
                                    "The file is damaged: its MicroPython checksum does not match "
                                    "(the file says MD5 %s, its data gives %s). Download it again.",
                                    want, got);
                } else {
                    image_note(info, "The file is longer than its MicroPython header says and "
                                     "its MD5 could not be found, so it was not checked.");
                }
            }
        }
    }
    return rc;
}

static int image_inspect_v1(const uint8_t *d, size_t size, struct image_info *info,
                            struct mf_error *e)
{
    int rc = MF_OK;
    struct image_v1 v;
    uint16_t chip_id = 0;
    uint32_t first_addr = 0;
    enum image_esp32 esp32 = image_check_esp32(d, size, &chip_id, &first_addr);
    bool v3 = esp32 == IMAGE_ESP32_YES && chip_id == 0 && first_addr >= CHIP_IROM_MAP_START &&
              first_addr < IMAGE_IROM_END;
    image_check_v1(d, size, 0, &v);
    if (v3) {
        info->format = IMAGE_FORMAT_V3;
        info->segments = d[1];
        info->image_end = size;
        image_note(info, "This is an ESP8266 RTOS SDK application image; it needs the RTOS SDK "
                         "boot loader and partition table.");
    } else if (esp32 == IMAGE_ESP32_YES || (v.result != IMAGE_V1_OK && esp32 != IMAGE_ESP32_NO)) {
        const char *chip = image_chip_name(chip_id);
        char chip_text[48];
        if (chip != NULL) {
            snprintf(chip_text, sizeof chip_text, "the %s", chip);
        } else {
            snprintf(chip_text, sizeof chip_text, "an ESP32-family chip (chip id %u)",
                     (unsigned)chip_id);
        }
        rc = mf_err_set(e, MF_ERR_IMAGE, "This firmware is for %s, not for the ESP8266%s%s%s.",
                        chip_text, info->firmware[0] != '\0' ? " (" : "", info->firmware,
                        info->firmware[0] != '\0' ? ")" : "");
        mf_err_append(e, "Download the ESP8266 build instead (MicroPython: "
                         "micropython.org/download/ESP8266_GENERIC).");
    } else if (v.result == IMAGE_V1_OK) {
        info->format = IMAGE_FORMAT_V1;
        info->segments = d[1];
        info->image_end = v.checksum_at + 1;
        rc = image_check_micropython(d, size, info->image_end, info, e);
    } else if (v.result == IMAGE_V1_TRUNCATED) {
        rc = mf_err_set(e, MF_ERR_IMAGE,
                        "The file is cut short: the ESP8266 image in it needs at least %zu bytes "
                        "but the file has %zu. Download it again.",
                        v.walk.end, size);
    } else if (v.result == IMAGE_V1_CHECKSUM) {
        rc = mf_err_set(e, MF_ERR_IMAGE,
                        "The file is damaged: its image checksum is 0x%02X but the data gives "
                        "0x%02X. Download it again.",
                        v.stored, v.walk.checksum);
    } else {
        rc = mf_err_set(e, MF_ERR_IMAGE,
                        "The file starts like an ESP8266 image but is not a valid one (%s). "
                        "Choose another file or download it again.",
                        v.walk.problem);
    }
    return rc;
}

static int image_inspect_v2(const uint8_t *d, size_t size, struct image_info *info,
                            struct mf_error *e)
{
    int rc = MF_OK;
    struct image_v1 v;
    size_t second = 0;
    bool irom_ok = size >= 2 * IMAGE_HEADER_SIZE &&
                   image_u32(d + IMAGE_HEADER_SIZE + 4) <= size - 2 * IMAGE_HEADER_SIZE;
    if (irom_ok) {
        second = 2 * IMAGE_HEADER_SIZE + image_u32(d + IMAGE_HEADER_SIZE + 4);
        irom_ok = second < size && d[second] == IMAGE_MAGIC_V1;
    }
    if (!irom_ok) {
        rc = mf_err_set(e, MF_ERR_IMAGE,
                        "The file starts like an ESP8266 V2 image but its irom0 part or second "
                        "header is missing. Download it again.");
    } else {
        image_check_v1(d, size, second, &v);
        if (v.result == IMAGE_V1_OK && v.checksum_at + 5 > size) {
            v.result = IMAGE_V1_TRUNCATED;
        }
        if (v.result == IMAGE_V1_TRUNCATED) {
            rc = mf_err_set(e, MF_ERR_IMAGE,
                            "The file is cut short: the ESP8266 V2 image in it is longer than "
                            "the file (%zu bytes). Download it again.",
                            size);
        } else if (v.result != IMAGE_V1_OK) {
            rc = mf_err_set(e, MF_ERR_IMAGE,
                            "The file is damaged: the ESP8266 V2 image in it is not valid "
                            "(%s). Download it again.",
                            v.result == IMAGE_V1_CHECKSUM ? "checksum mismatch" : v.walk.problem);
        } else {
            uint32_t want = image_u32(d + v.checksum_at + 1);
            uint32_t got = image_v2_crc(d, v.checksum_at + 1);
            if (want != got) {
                rc = mf_err_set(e, MF_ERR_IMAGE,
                                "The file is damaged: its V2 image CRC is 0x%08X but the data "
                                "gives 0x%08X. Download it again.",
                                (unsigned)want, (unsigned)got);
            } else {
                info->format = IMAGE_FORMAT_V2;
                info->segments = d[second + 1];
                info->image_end = v.checksum_at + 5;
                if (d[1] != IMAGE_V2_CONSTANT) {
                    image_note(info, "The V2 header has an unusual second byte.");
                }
                if (d[second + 2] != d[2] || d[second + 3] != d[3]) {
                    image_note(info, "The two headers of the V2 image disagree on the flash "
                                     "settings; the first one counts.");
                }
            }
        }
    }
    return rc;
}

/* True when `d` holds `tag` case-insensitively somewhere in its first `size` bytes. */
static bool image_has_text(const uint8_t *d, size_t size, const char *tag)
{
    size_t n = strlen(tag);
    bool found = false;
    for (size_t i = 0; i + n <= size && !found; i++) {
        size_t j = 0;
        while (j < n) {
            uint8_t c = d[i + j];
            if (c >= 'A' && c <= 'Z') {
                c = (uint8_t)(c - 'A' + 'a');
            }
            if (c != (uint8_t)tag[j]) {
                break;
            }
            j++;
        }
        found = j == n;
    }
    return found;
}

/* Refuses files that are plainly something else; MF_OK for anything that may be raw data. */
static int image_inspect_other(const uint8_t *d, size_t size, struct mf_error *e)
{
    int rc = MF_OK;
    size_t sniff = size < IMAGE_SNIFF_MAX ? size : IMAGE_SNIFF_MAX;
    size_t start = 0;
    size_t printable = 0;
    size_t controls = 0;
    if (size >= 4 && memcmp(d,
                            "\x7F"
                            "ELF",
                            4) == 0) {
        rc = mf_err_set(e, MF_ERR_IMAGE,
                        "This is an ELF file (compiler output), not a flashable image. Choose "
                        "the .bin file made from it (esptool elf2image makes one).");
    } else if (size >= 4 && memcmp(d, "PK\x03\x04", 4) == 0) {
        rc = mf_err_set(e, MF_ERR_IMAGE,
                        "This is a ZIP archive. Extract it and choose the .bin file inside.");
    } else if (size >= 2 && d[0] == 0x1F && d[1] == 0x8B) {
        rc = mf_err_set(e, MF_ERR_IMAGE,
                        "This file is gzip-compressed. Decompress it and choose the .bin file "
                        "inside.");
    } else if (size >= 4 && memcmp(d, "UF2\n", 4) == 0) {
        rc = mf_err_set(e, MF_ERR_IMAGE,
                        "This is a UF2 file, made for boards that appear as a USB drive. The "
                        "ESP8266 needs a .bin firmware file.");
    }
    if (rc == MF_OK) {
        if (sniff >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF) {
            start = 3; /* UTF-8 byte order mark */
        }
        for (size_t i = start; i < sniff; i++) {
            uint8_t c = d[i];
            if ((c >= 0x20 && c < 0x7F) || c == '\t' || c == '\n' || c == '\r') {
                printable++;
            } else if (c < 0x20 || c == 0x7F) {
                controls++;
            }
        }
        while (start < sniff &&
               (d[start] == ' ' || d[start] == '\t' || d[start] == '\r' || d[start] == '\n')) {
            start++;
        }
        /* Text: no control bytes and mostly ASCII (UTF-8 letters allowed). */
        if (sniff > 0 && controls == 0 && printable * 10 >= sniff * 8) {
            if (start < sniff && d[start] == '<' &&
                (image_has_text(d, sniff, "<html") || image_has_text(d, sniff, "<!doctype html") ||
                 image_has_text(d, sniff, "<head") || image_has_text(d, sniff, "<body"))) {
                rc = mf_err_set(e, MF_ERR_IMAGE,
                                "The file is a web page (HTML), not firmware: the browser saved "
                                "the download page instead of the file. On the download page "
                                "(micropython.org/download/ESP8266_GENERIC) click the .bin "
                                "link itself, save that file and choose it.");
            } else {
                char head[41];
                size_t n = 0;
                for (size_t i = start; i < sniff && n + 1 < sizeof head; i++) {
                    uint8_t c = d[i];
                    if (c == '\n' || c == '\r') {
                        break;
                    }
                    head[n++] = c >= 0x20 && c < 0x7F ? (char)c : '?';
                }
                head[n] = '\0';
                rc = mf_err_set(e, MF_ERR_IMAGE,
                                "The file is text, not firmware (it starts with \"%s\"). "
                                "Choose the .bin firmware file.",
                                head);
            }
        }
    }
    return rc;
}

int image_inspect(const uint8_t *data, size_t size, struct image_info *info, struct mf_error *e)
{
    int rc = MF_OK;
    memset(info, 0, sizeof *info);
    info->size = size;
    if (size == 0 || data == NULL) {
        rc = mf_err_set(e, MF_ERR_IMAGE,
                        "The file is empty (0 bytes). Download the firmware "
                        "again.");
    } else {
        image_find_firmware(data, size, info->firmware, sizeof info->firmware);
        if (size >= IMAGE_HEADER_SIZE && (data[0] == IMAGE_MAGIC_V1 || data[0] == IMAGE_MAGIC_V2)) {
            info->flash_mode = data[2];
            info->flash_size_freq = data[3];
            info->entry = image_u32(data + 4);
        }
        if (data[0] == IMAGE_MAGIC_V1) {
            rc = image_inspect_v1(data, size, info, e);
        } else if (data[0] == IMAGE_MAGIC_V2) {
            rc = image_inspect_v2(data, size, info, e);
        } else {
            rc = image_inspect_other(data, size, e);
            info->format = IMAGE_FORMAT_RAW;
            info->image_end = size;
        }
    }
    if (rc == MF_OK) {
        mf_err_clear(e);
    }
    return rc;
}

size_t image_format_size(uint64_t bytes, char *out, size_t out_size)
{
    int n;
    if (bytes < IMAGE_KIB) {
        n = snprintf(out, out_size, "%u bytes", (unsigned)bytes);
    } else if (bytes < IMAGE_MIB) {
        n = snprintf(out, out_size, "%u KiB", (unsigned)((bytes + IMAGE_KIB / 2) / IMAGE_KIB));
    } else if (bytes % IMAGE_MIB == 0) {
        n = snprintf(out, out_size, "%u MiB", (unsigned)(bytes / IMAGE_MIB));
    } else {
        uint64_t tenths = (bytes * 10 + IMAGE_MIB / 2) / IMAGE_MIB;
        n = snprintf(out, out_size, "%u.%u MiB", (unsigned)(tenths / 10), (unsigned)(tenths % 10));
    }
    return n > 0 ? (size_t)n : 0;
}

size_t image_describe(const struct image_info *info, char *out, size_t out_size)
{
    static const char *const kinds[] = {
            [IMAGE_FORMAT_RAW] = "data",
            [IMAGE_FORMAT_V1] = "ESP8266 image",
            [IMAGE_FORMAT_V2] = "ESP8266 V2 image (for the SDK boot loader)",
            [IMAGE_FORMAT_V3] = "ESP8266 RTOS SDK application image",
    };
    char size[32];
    image_format_size(info->size, size, sizeof size);
    int n = snprintf(out, out_size, "%s, %s%s%s", kinds[info->format], size,
                     info->firmware[0] != '\0' ? ", " : "", info->firmware);
    return n > 0 ? (size_t)n : 0;
}

size_t image_describe_header(const struct image_info *info, char *out, size_t out_size)
{
    int n = 0;
    if (info->format == IMAGE_FORMAT_RAW) {
        if (out_size > 0) {
            out[0] = '\0';
        }
    } else {
        n = snprintf(out, out_size, "%s, %s, %s", image_flash_mode_name(info->flash_mode),
                     image_flash_freq_name(info->flash_size_freq),
                     image_flash_size_name(info->flash_size_freq));
    }
    return n > 0 ? (size_t)n : 0;
}

/* Alignment and bounds of one file; `name` for the sentence. */
static int image_check_range(const char *name, uint32_t offset, size_t size, uint32_t flash_size,
                             struct mf_error *e)
{
    int rc = MF_OK;
    uint64_t end = (uint64_t)offset + size;
    uint32_t limit = flash_size > 0 ? flash_size : CHIP_FLASH_SIZE_MAX;
    char size_text[32];
    char limit_text[32];
    image_format_size(size, size_text, sizeof size_text);
    image_format_size(limit, limit_text, sizeof limit_text);
    if (offset % IMAGE_ALIGN != 0) {
        rc = mf_err_set(e, MF_ERR_IMAGE,
                        "Address 0x%X for %s is not on a 4 KiB boundary. Flash is erased in 4 KiB "
                        "sectors: use 0x%X or 0x%X.",
                        (unsigned)offset, name, (unsigned)(offset / IMAGE_ALIGN * IMAGE_ALIGN),
                        (unsigned)((offset / IMAGE_ALIGN + 1) * IMAGE_ALIGN));
    } else if (end > limit && offset == 0) {
        rc = mf_err_set(e, MF_ERR_IMAGE,
                        "%s (%s) is larger than the %s flash %s. Choose a build made for %s of "
                        "flash (MicroPython has FLASH_1M and FLASH_512K variants) or a board with "
                        "more flash.",
                        name, size_text, limit_text,
                        flash_size > 0 ? "of this board" : "an ESP8266 can address", limit_text);
    } else if (end > limit) {
        rc = mf_err_set(e, MF_ERR_IMAGE,
                        "%s (%s) at 0x%X would end at 0x%llX, past the end of the %s flash%s. "
                        "Check the address, or choose a smaller file.",
                        name, size_text, (unsigned)offset, (unsigned long long)end, limit_text,
                        flash_size > 0 ? " of this board" : " an ESP8266 can address");
    }
    return rc;
}

int image_check_placement(const struct image_info *info, const char *name, uint32_t offset,
                          uint32_t flash_size, bool allow_raw_at_0, struct mf_error *e)
{
    int rc = image_check_range(name, offset, info->size, flash_size, e);
    if (rc != MF_OK) {
        /* the sentence is set */
    } else if (offset == 0 && info->format == IMAGE_FORMAT_RAW && !allow_raw_at_0) {
        rc = mf_err_set(e, MF_ERR_IMAGE,
                        "%s is not an ESP8266 firmware image (it does not start with 0xE9), so "
                        "the board would not start from it at 0x0. Choose a firmware .bin, or "
                        "write this file at the address it belongs to.",
                        name);
    } else if (offset == 0 && info->format == IMAGE_FORMAT_V3) {
        rc = mf_err_set(e, MF_ERR_IMAGE,
                        "%s is an ESP8266 RTOS SDK application: it goes at 0x10000 behind its "
                        "own boot loader and partition table, not at 0x0.",
                        name);
    } else if (offset != 0 && info->micropython) {
        rc = mf_err_set(e, MF_ERR_IMAGE,
                        "MicroPython for the ESP8266 must be written at 0x0, not at 0x%X "
                        "(0x1000 is where ESP32 builds go).",
                        (unsigned)offset);
    }
    if (rc == MF_OK) {
        mf_err_clear(e);
    }
    return rc;
}

int image_check_list(const struct image_entry *list, size_t n, uint32_t flash_size,
                     struct mf_error *e)
{
    int rc = MF_OK;
    for (size_t i = 0; i < n && rc == MF_OK; i++) {
        rc = image_check_range(list[i].name, list[i].offset, list[i].size, flash_size, e);
    }
    for (size_t i = 0; i < n && rc == MF_OK; i++) {
        for (size_t j = i + 1; j < n && rc == MF_OK; j++) {
            uint64_t a0 = list[i].offset;
            uint64_t a1 = a0 + list[i].size;
            uint64_t b0 = list[j].offset;
            uint64_t b1 = b0 + list[j].size;
            if (a0 < b1 && b0 < a1 && a1 > a0 && b1 > b0) {
                rc = mf_err_set(e, MF_ERR_IMAGE,
                                "%s (0x%llX-0x%llX) and %s (0x%llX-0x%llX) overlap. Give each "
                                "file its own address range.",
                                list[i].name, (unsigned long long)a0, (unsigned long long)(a1 - 1),
                                list[j].name, (unsigned long long)b0, (unsigned long long)(b1 - 1));
            }
        }
    }
    if (rc == MF_OK) {
        mf_err_clear(e);
    }
    return rc;
}
