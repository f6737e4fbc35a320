/* SPDX-License-Identifier: MIT */
/* The benchmark's firmware: a MicroPython-style ESP8266 image (esp8266-protocol.md §7.3) made
 * deterministically from a seed, whose content compresses like MicroPython's (zlib level 9). */
#ifndef MF_BENCH_FW_H
#define MF_BENCH_FW_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_FW_SIZE      (620u * 1024u) /* PERFORMANCE.md: a 620 KiB image */
#define BENCH_FW_RATIO_MIN 0.65           /* MicroPython's zlib-9 ratio (PERFORMANCE.md) */
#define BENCH_FW_RATIO_MAX 0.67

/* Builds the image: a V1 part (IRAM and DRAM segments, checksum), 0xFF fill to 0x8FFC, the
 * length word, irom0 at 0x9000 up to size - 16, and the MD5 trailer of bytes 4 .. size - 16.
 * size must be a multiple of 4 larger than 64 KiB. Returns a malloc'd buffer, NULL when out of
 * memory or size is unsuitable. */
uint8_t *bench_fw_build(size_t size, uint32_t seed);

/* Fills buf with n bytes that look like a flash dump: uniformly random. */
void bench_fw_random(uint8_t *buf, size_t n, uint32_t seed);

#endif
