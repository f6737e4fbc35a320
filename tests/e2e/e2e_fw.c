/* SPDX-License-Identifier: MIT */
/* Test firmware built from the protocol document's layouts (§7.1-§7.3), not from the engine's
 * image code: V1, V2, MicroPython combined, ESP32, raw data; and the flash a ROM write leaves. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime in testutil.h */
#include "e2e_fw.h"

#include "md5.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E2E_V1_MAGIC       0xE9u
#define E2E_V2_MAGIC       0xEAu
#define E2E_CHECKSUM_SEED  0xEFu
#define E2E_ENTRY          0x40100004u
#define E2E_MPY_LENGTH_AT  0x8FFCu
#define E2E_MPY_IROM_AT    0x9000u
#define E2E_MPY_MD5_SKIP   4u
#define E2E_MD5_LEN        16u
#define E2E_ESP32_HDR_LEN  24u
#define E2E_ESP32_HASH_LEN 32u

static void e2e_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

void e2e_blob_free(struct e2e_blob *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

bool e2e_blob_alloc(struct e2e_blob *b, size_t len, uint8_t fill)
{
    b->data = malloc(len > 0 ? len : 1);
    b->len = b->data != NULL ? len : 0;
    if (b->data != NULL) {
        memset(b->data, fill, len);
    }
    return b->data != NULL;
}

bool e2e_blob_copy(struct e2e_blob *dst, const uint8_t *data, size_t len)
{
    if (!e2e_blob_alloc(dst, len, 0)) {
        return false;
    }
    memcpy(dst->data, data, len);
    return true;
}

/* Bytes the segments, padding and checksum take after the 8-byte header. */
static size_t e2e_segments_size(const struct e2e_segment *segs, unsigned n)
{
    size_t pos = 0;
    for (unsigned i = 0; i < n; i++) {
        pos += 8u + segs[i].len;
    }
    return pos;
}

/* Segments from `pos`, zero padding to 15 mod 16, the checksum. Returns the end. */
static size_t e2e_put_segments(uint8_t *buf, size_t pos, const struct e2e_segment *segs, unsigned n,
                               uint32_t seed)
{
    uint8_t chk = E2E_CHECKSUM_SEED;
    for (unsigned i = 0; i < n; i++) {
        e2e_put32(buf + pos, segs[i].addr);
        e2e_put32(buf + pos + 4, segs[i].len);
        pos += 8;
        test_pattern(buf + pos, segs[i].len, seed + i);
        for (uint32_t k = 0; k < segs[i].len; k++) {
            chk ^= buf[pos + k];
        }
        pos += segs[i].len;
    }
    while ((pos & 15u) != 15u) {
        buf[pos++] = 0;
    }
    buf[pos++] = chk;
    return pos;
}

static void e2e_put_header(uint8_t *buf, uint8_t magic, uint8_t count, uint8_t mode,
                           uint8_t size_freq)
{
    buf[0] = magic;
    buf[1] = count;
    buf[2] = mode;
    buf[3] = size_freq;
    e2e_put32(buf + 4, E2E_ENTRY);
}

bool e2e_fw_v1(struct e2e_blob *out, const struct e2e_segment *segs, unsigned n, uint8_t mode,
               uint8_t size_freq, uint32_t seed)
{
    size_t cap = 8u + e2e_segments_size(segs, n) + 16u;
    if (!e2e_blob_alloc(out, cap, 0)) {
        return false;
    }
    e2e_put_header(out->data, E2E_V1_MAGIC, (uint8_t)n, mode, size_freq);
    out->len = e2e_put_segments(out->data, 8, segs, n, seed);
    return true;
}

bool e2e_fw_app(struct e2e_blob *out, uint8_t mode, uint8_t size_freq, uint32_t seed)
{
    /* IRAM 30 KiB, DRAM 6 KiB + 1 KiB: 37 KiB of data, 38 KiB with headers: 10 sectors. */
    static const struct e2e_segment segs[] = {
            {0x40100000u, 0x7800u}, {0x3FFE8000u, 0x1800u}, {0x3FFE9800u, 0x400u}};
    return e2e_fw_v1(out, segs, 3, mode, size_freq, seed);
}

bool e2e_fw_micropython(struct e2e_blob *out, size_t total, const char *banner, bool spoil_md5)
{
    static const struct e2e_segment segs[] = {
            {0x40100000u, 0x7000u}, {0x3FFE8000u, 0x900u}, {0x3FFE8900u, 0x100u}};
    struct e2e_blob v1 = {NULL, 0};
    size_t len = total - E2E_MD5_LEN;
    size_t banner_len = strlen(banner) + 1;
    if (total <= E2E_MPY_IROM_AT + banner_len + 0x1000u + E2E_MD5_LEN ||
        !e2e_fw_v1(&v1, segs, 3, 0x00, 0x40, 21)) {
        return false;
    }
    if (v1.len > E2E_MPY_LENGTH_AT || !e2e_blob_alloc(out, total, 0xFF)) {
        e2e_blob_free(&v1);
        return false;
    }
    memcpy(out->data, v1.data, v1.len);
    e2e_blob_free(&v1);
    e2e_put32(out->data + E2E_MPY_LENGTH_AT, (uint32_t)len);
    test_pattern(out->data + E2E_MPY_IROM_AT, len - E2E_MPY_IROM_AT, 77);
    memcpy(out->data + E2E_MPY_IROM_AT + 0x1000u, banner, banner_len);
    md5_buffer(out->data + E2E_MPY_MD5_SKIP, len - E2E_MPY_MD5_SKIP, out->data + len);
    if (spoil_md5) {
        out->data[len + 5] ^= 0x10u;
    }
    return true;
}

bool e2e_fw_v2(struct e2e_blob *out, uint8_t mode, uint8_t size_freq, uint32_t seed)
{
    static const struct e2e_segment segs[] = {{0x40100000u, 0x1000u}};
    const uint32_t irom_len = 0x6000u; /* 28 KiB in all: 8 sectors */
    size_t cap = 16u + irom_len + 8u + e2e_segments_size(segs, 1) + 16u + 4u;
    if (!e2e_blob_alloc(out, cap, 0)) {
        return false;
    }
    uint8_t *buf = out->data;
    e2e_put_header(buf, E2E_V2_MAGIC, 4, mode, size_freq);
    e2e_put32(buf + 8, 0);
    e2e_put32(buf + 12, irom_len);
    test_pattern(buf + 16, irom_len, seed);
    size_t pos = 16u + irom_len;
    e2e_put_header(buf + pos, E2E_V1_MAGIC, 1, mode, size_freq);
    pos = e2e_put_segments(buf, pos + 8, segs, 1, seed + 100);
    uint32_t c = test_crc32(buf, pos);
    e2e_put32(buf + pos, (c & 0x80000000u) != 0 ? c ^ 0xFFFFFFFFu : c + 1u);
    out->len = pos + 4;
    return true;
}

bool e2e_fw_esp32(struct e2e_blob *out)
{
    static const struct e2e_segment segs[] = {{0x3F400020u, 0x2000u}, {0x3FFB0000u, 0x400u}};
    size_t cap = E2E_ESP32_HDR_LEN + e2e_segments_size(segs, 2) + 16u + E2E_ESP32_HASH_LEN;
    if (!e2e_blob_alloc(out, cap, 0)) {
        return false;
    }
    uint8_t *buf = out->data;
    e2e_put_header(buf, E2E_V1_MAGIC, 2, 2, 0x20);
    e2e_put32(buf + 4, 0x40080000u);
    buf[8] = 0xEE; /* WP pin */
    buf[12] = 0;   /* chip id 0: ESP32 */
    buf[13] = 0;
    buf[23] = 1; /* a SHA-256 digest follows */
    size_t n = e2e_put_segments(buf, E2E_ESP32_HDR_LEN, segs, 2, 5);
    memset(buf + n, 0x5A, E2E_ESP32_HASH_LEN);
    out->len = n + E2E_ESP32_HASH_LEN;
    return true;
}

bool e2e_fw_raw(struct e2e_blob *out, size_t len, uint32_t seed)
{
    if (!e2e_blob_alloc(out, len, 0)) {
        return false;
    }
    test_pattern(out->data, len, seed);
    if (len > 0) {
        out->data[0] = 0x00;
    }
    return true;
}

void e2e_flash_apply(uint8_t *flash, size_t flash_len, uint32_t offset, const uint8_t *data,
                     size_t len)
{
    size_t first = offset / E2E_SECTOR * E2E_SECTOR;
    size_t end = ((size_t)offset + len + E2E_SECTOR - 1u) / E2E_SECTOR * E2E_SECTOR;
    if (end > flash_len) {
        end = flash_len;
    }
    if (first < end) {
        memset(flash + first, 0xFF, end - first);
    }
    if (offset < flash_len) {
        size_t n = flash_len - offset < len ? flash_len - offset : len;
        memcpy(flash + offset, data, n);
    }
}

bool e2e_micropython_md5_ok(const uint8_t *image, size_t len)
{
    uint8_t digest[MD5_DIGEST_SIZE];
    if (len < E2E_MPY_MD5_SKIP + E2E_MD5_LEN) {
        return false;
    }
    md5_buffer(image + E2E_MPY_MD5_SKIP, len - E2E_MD5_LEN - E2E_MPY_MD5_SKIP, digest);
    return memcmp(digest, image + len - E2E_MD5_LEN, E2E_MD5_LEN) == 0;
}

bool e2e_write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "e2e: cannot create %s\n", path);
        return false;
    }
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (!ok) {
        fprintf(stderr, "e2e: cannot write %s\n", path);
    }
    return ok;
}

bool e2e_read_file(const char *path, struct e2e_blob *out)
{
    FILE *f = fopen(path, "rb");
    out->data = NULL;
    out->len = 0;
    if (f == NULL) {
        return false;
    }
    size_t cap = 0;
    bool ok = true;
    for (;;) {
        if (out->len == cap) {
            cap = cap != 0 ? cap * 2 : 1u << 16;
            uint8_t *grown = realloc(out->data, cap);
            if (grown == NULL) {
                ok = false;
                break;
            }
            out->data = grown;
        }
        size_t got = fread(out->data + out->len, 1, cap - out->len, f);
        out->len += got;
        if (got == 0) {
            ok = ferror(f) == 0;
            break;
        }
    }
    fclose(f);
    if (!ok) {
        e2e_blob_free(out);
    }
    return ok;
}
