/* SPDX-License-Identifier: MIT */
/* Small helpers shared by test programs that are built for Linux and for Windows: a monotonic
 * clock and a deterministic byte pattern. Threads come from src/port/port_thread.h. */
#ifndef MF_TESTUTIL_H
#define MF_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <time.h>
#endif

static inline uint64_t test_now_ms(void)
{
#ifdef _WIN32
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (uint64_t)(c.QuadPart / (f.QuadPart / 1000));
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
#endif
}

/* Deterministic bytes covering all 256 values (0x00, 0x11, 0x13, 0xC0, 0xDB, 0xFF included),
 * so software flow control, telnet IAC and SLIP bytes all cross every link under test. */
static inline void test_pattern(uint8_t *buf, size_t size, uint32_t seed)
{
    uint32_t x = seed ? seed : 0x9E3779B9u;
    for (size_t i = 0; i < size; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)(x >> 24);
    }
}

/* FNV-1a, to compare large transfers without shipping them back. */
static inline uint32_t test_hash(const uint8_t *buf, size_t size, uint32_t h)
{
    for (size_t i = 0; i < size; i++) {
        h ^= buf[i];
        h *= 16777619u;
    }
    return h;
}
#define TEST_HASH_INIT 2166136261u

/* CRC-32 as zlib computes it (reflected, polynomial 0xEDB88320): the V2 image trailer. */
static inline uint32_t test_crc32(const uint8_t *d, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= d[i];
        for (int k = 0; k < 8; k++) {
            c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
        }
    }
    return ~c;
}

#endif
