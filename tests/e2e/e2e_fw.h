/* SPDX-License-Identifier: MIT */
/* Firmware made by the end-to-end tests themselves (esp8266-protocol.md §7): V1, V2, MicroPython
 * with its MD5 trailer, ESP32, raw data; and the flash a ROM write of them is expected to leave. */
#ifndef MF_E2E_FW_H
#define MF_E2E_FW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define E2E_SECTOR 4096u

/* A byte buffer owned by its holder (free with e2e_blob_free). */
struct e2e_blob {
    uint8_t *data;
    size_t len;
};

struct e2e_segment {
    uint32_t addr;
    uint32_t len; /* a multiple of 4 */
};

void e2e_blob_free(struct e2e_blob *b);
bool e2e_blob_alloc(struct e2e_blob *b, size_t len, uint8_t fill);
bool e2e_blob_copy(struct e2e_blob *dst, const uint8_t *data, size_t len);

/* A V1 image (§7.1): header, the segments filled with a pattern of `seed`, zero padding to
 * 15 mod 16 and the XOR checksum. */
bool e2e_fw_v1(struct e2e_blob *out, const struct e2e_segment *segs, unsigned n, uint8_t mode,
               uint8_t size_freq, uint32_t seed);
/* The tests' standard application image: three RAM segments, 10 sectors long (so that an ESP8266
 * ROM erase with esptool's size compensation covers exactly its sectors). */
bool e2e_fw_app(struct e2e_blob *out, uint8_t mode, uint8_t size_freq, uint32_t seed);
/* A MicroPython-style combined image (§7.3) of `total` bytes (a multiple of 4 KiB above 0x9000):
 * V1 part, 0xFF to 0x8FFC, the length word, irom0 at 0x9000 holding `banner`, MD5 of bytes
 * 4..len-16 as the last 16 bytes; `spoil_md5` flips one bit of the stored MD5. */
bool e2e_fw_micropython(struct e2e_blob *out, size_t total, const char *banner, bool spoil_md5);
/* A V2 image (§7.2) with its CRC trailer. */
bool e2e_fw_v2(struct e2e_blob *out, uint8_t mode, uint8_t size_freq, uint32_t seed);
/* An ESP32 application image: 0xE9, extended header with chip id 0 (ESP32), flash-mapped first
 * segment, checksum and an appended SHA-256 placeholder. */
bool e2e_fw_esp32(struct e2e_blob *out);
/* Raw data of `len` pattern bytes (first byte never 0xE9/0xEA, so it is plain data). */
bool e2e_fw_raw(struct e2e_blob *out, size_t len, uint32_t seed);

/* The flash a ROM write of `len` bytes at `offset` leaves: the 4 KiB sectors it covers erased,
 * then the data. */
void e2e_flash_apply(uint8_t *flash, size_t flash_len, uint32_t offset, const uint8_t *data,
                     size_t len);

/* The MD5 check of a MicroPython image as it sits in flash (bytes 4..len-16 against the last
 * 16 bytes of its `len`). */
bool e2e_micropython_md5_ok(const uint8_t *image, size_t len);

/* Files. */
bool e2e_write_file(const char *path, const uint8_t *data, size_t len);
bool e2e_read_file(const char *path, struct e2e_blob *out);

#endif
