/* SPDX-License-Identifier: MIT */
/* Unit tests of the stub's inflate against zlib: every level, strategy, window and memLevel on
 * random, run, text, skewed and firmware-like data, fed and drained in random pieces; every split
 * of a few streams; hand-made streams for each error; corrupt streams judged as zlib judges them.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime in testutil.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "inflate.h"
#include "testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define TEST_KiB 1024u
#define TEST_MiB (1024u * 1024u)

/* ---- random numbers and data ---- */

struct test_rng {
    uint64_t x;
};

static uint32_t rng_next(struct test_rng *r)
{
    r->x ^= r->x << 13;
    r->x ^= r->x >> 7;
    r->x ^= r->x << 17;
    return (uint32_t)(r->x >> 32);
}

/* Uniform in 1..max (max >= 1). */
static size_t rng_upto(struct test_rng *r, size_t max)
{
    return 1u + (size_t)rng_next(r) % max;
}

/* A piece size up to max, mostly small or mostly large. */
static size_t rng_piece(struct test_rng *r, size_t max)
{
    switch (rng_next(r) % 4u) {
    case 0: return rng_upto(r, max < 16 ? max : 16);
    case 1: return rng_upto(r, max < 1024 ? max : 1024);
    default: return rng_upto(r, max);
    }
}

enum test_kind {
    KIND_RANDOM,   /* incompressible: stored blocks at low levels, flat codes */
    KIND_RUNS,     /* runs of one byte: long matches at distance 1 */
    KIND_TEXT,     /* words: many short matches */
    KIND_SKEWED,   /* geometric byte frequencies: Huffman codes up to 15 bits */
    KIND_FIRMWARE, /* code-like words, strings, 0x00/0xFF padding, address tables */
    KIND_COUNT,
};

static const char *const TEST_WORDS[] = {
        "the",    "flash", "sector", "erase",  "write",    "micropython", "esp8266", "boot",
        "stub",   "baud",  "serial", "ok",     "error",    "0x40200000",  "import",  "machine",
        "def",    "print", "return", "while",  "network",  "WLAN",        "if",      "else",
        "  ",     "\n",    "(",      ")",      "=",        ":",           ",",       "\t",
        "struct", "int",   "void",   "static", "uint32_t", "const",       "char",    "{",
};

static void gen_text(struct test_rng *r, uint8_t *buf, size_t size)
{
    size_t i = 0;
    while (i < size) {
        const char *w = TEST_WORDS[rng_next(r) % (sizeof TEST_WORDS / sizeof TEST_WORDS[0])];
        for (size_t k = 0; w[k] != '\0' && i < size; k++) {
            buf[i++] = (uint8_t)w[k];
        }
        if (i < size) {
            buf[i++] = rng_next(r) % 8u == 0 ? '\n' : ' ';
        }
    }
}

static void gen_firmware(struct test_rng *r, uint8_t *buf, size_t size)
{
    static const uint32_t ops[] = {0x0C0000u, 0x120000u, 0x2A0000u, 0x3D0000u,
                                   0x410000u, 0x5B0000u, 0x600000u, 0x7F0000u};
    size_t i = 0;
    while (i < size) {
        size_t n = rng_upto(r, 4096);
        if (n > size - i) {
            n = size - i;
        }
        uint32_t what = rng_next(r) % 5u;
        if (what == 0) { /* instructions: few opcodes, random operands, 3-byte words */
            for (size_t k = 0; k < n; k++) {
                uint32_t w = ops[rng_next(r) % 8u] | (rng_next(r) & 0xFFFFu);
                buf[i + k] = (uint8_t)(w >> (8u * (k % 3u)));
            }
        } else if (what == 1) {
            gen_text(r, buf + i, n);
        } else if (what == 2) {
            memset(buf + i, rng_next(r) % 2u ? 0xFF : 0x00, n);
        } else if (what == 3) { /* a table of 32-bit addresses */
            uint32_t a = 0x40200000u + (rng_next(r) & 0xFFFF0u);
            for (size_t k = 0; k < n; k++) {
                buf[i + k] = (uint8_t)((a + 4u * (uint32_t)(k / 4u)) >> (8u * (k % 4u)));
            }
        } else {
            for (size_t k = 0; k < n; k++) {
                buf[i + k] = (uint8_t)rng_next(r);
            }
        }
        i += n;
    }
}

static void gen_data(struct test_rng *r, enum test_kind kind, uint8_t *buf, size_t size)
{
    size_t i = 0;
    switch (kind) {
    case KIND_RANDOM:
        for (; i < size; i++) {
            buf[i] = (uint8_t)rng_next(r);
        }
        break;
    case KIND_RUNS:
        while (i < size) {
            size_t n = rng_next(r) % 16u == 0 ? rng_upto(r, 5000) : rng_upto(r, 40);
            uint8_t b = (uint8_t)rng_next(r);
            for (size_t k = 0; k < n && i < size; k++) {
                buf[i++] = b;
            }
        }
        break;
    case KIND_TEXT: gen_text(r, buf, size); break;
    case KIND_SKEWED:
        for (; i < size; i++) {
            uint32_t v = rng_next(r) | 0x80000000u;
            unsigned z = 0;
            while ((v & 1u) == 0) {
                v >>= 1;
                z++;
            }
            buf[i] = (uint8_t)(z * 7u);
        }
        break;
    default: gen_firmware(r, buf, size); break;
    }
}

/* ---- zlib ---- */

struct test_deflate {
    int level;
    int strategy;
    int window_bits;
    int mem_level;
};

/* Compresses with deflateInit2; `pieces` > 1 splits the input with Z_SYNC_FLUSH / Z_FULL_FLUSH
 * and changes the level between pieces (stored and fixed blocks in the middle). */
static uint8_t *test_compress(const uint8_t *in, size_t size, const struct test_deflate *p,
                              unsigned pieces, struct test_rng *r, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(
            deflateInit2(&z, p->level, Z_DEFLATED, p->window_bits, p->mem_level, p->strategy),
            Z_OK);
    size_t cap = deflateBound(&z, (uLong)size) + 64u * pieces + 64u;
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    z.next_out = out;
    z.avail_out = (uInt)cap;
    size_t done = 0;
    for (unsigned k = 1; k <= pieces; k++) {
        size_t end = k == pieces ? size : done + (size - done) * (rng_next(r) % 100u) / 100u;
        z.next_in = (Bytef *)(uintptr_t)(in + done);
        z.avail_in = (uInt)(end - done);
        int flush = k == pieces ? Z_FINISH : rng_next(r) % 2u ? Z_SYNC_FLUSH : Z_FULL_FLUSH;
        int ret = deflate(&z, flush);
        if (k == pieces) {
            assert_int_equal(ret, Z_STREAM_END);
        } else { /* Z_BUF_ERROR: a flush right after a flush has nothing to do */
            assert_true(ret == Z_OK || ret == Z_BUF_ERROR);
        }
        assert_int_equal(z.avail_in, 0);
        done = end;
        if (k < pieces && rng_next(r) % 2u) {
            assert_int_equal(deflateParams(&z, (int)(rng_next(r) % 10u), p->strategy), Z_OK);
        }
    }
    *out_len = cap - z.avail_out;
    assert_int_equal(deflateEnd(&z), Z_OK);
    return out;
}

static uint8_t *test_compress2(const uint8_t *in, size_t size, int level, size_t *out_len)
{
    uLongf cap = compressBound((uLong)size);
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    assert_int_equal(compress2(out, &cap, in, (uLong)size, level), Z_OK);
    *out_len = cap;
    return out;
}

/* ---- driving the decoder ---- */

struct test_result {
    enum inflate_status st;
    size_t in_used;
    size_t out_len;
    size_t calls;
};

/* Decodes `in` into `out` (cap bytes) with input pieces up to max_in and output room up to
 * max_out (random when r is given, else exactly those), checking the status contract on every
 * call. Stops at DONE, an error, NEED_INPUT with no input left or OUTPUT_FULL with no room left. */
static void test_drive(struct inflate *s, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                       struct test_rng *r, size_t max_in, size_t max_out, struct test_result *res)
{
    memset(res, 0, sizeof *res);
    inflate_init(s);
    for (;;) {
        size_t in_n = len - res->in_used;
        size_t out_n = cap - res->out_len;
        if (in_n > 0) {
            size_t p = r != NULL ? rng_piece(r, max_in) : max_in;
            in_n = in_n < p ? in_n : p;
        }
        if (out_n > 0) {
            size_t p = r != NULL ? rng_piece(r, max_out) : max_out;
            out_n = out_n < p ? out_n : p;
        }
        size_t used = 99999999u;
        size_t got = 99999999u;
        enum inflate_status st =
                inflate_run(s, in + res->in_used, in_n, &used, out + res->out_len, out_n, &got);
        res->calls++;
        assert_true(used <= in_n);
        assert_true(got <= out_n);
        if (st == INFLATE_NEED_INPUT) {
            assert_int_equal(used, in_n);
        } else if (st == INFLATE_OUTPUT_FULL) {
            assert_int_equal(got, out_n);
        }
        if (st > 0 && in_n > 0 && out_n > 0) {
            assert_true(used + got > 0); /* progress */
        }
        res->in_used += used;
        res->out_len += got;
        res->st = st;
        if (st == INFLATE_DONE || st < 0 || (st == INFLATE_NEED_INPUT && res->in_used == len) ||
            (st == INFLATE_OUTPUT_FULL && res->out_len == cap)) {
            break;
        }
        assert_true(res->calls < 100u * TEST_MiB);
    }
    /* final states stay */
    if (res->st == INFLATE_DONE || res->st < 0) {
        size_t used = 1;
        size_t got = 1;
        uint8_t junk[4] = {1, 2, 3, 4};
        uint8_t room[4];
        assert_int_equal(inflate_run(s, junk, sizeof junk, &used, room, sizeof room, &got),
                         res->st);
        assert_int_equal(got, 0);
        if (res->st == INFLATE_DONE) {
            assert_int_equal(used, 0);
        }
    }
}

/* Decodes a stream of `orig` and expects exactly `orig` back, the whole stream used. */
static void test_expect_round_trip(struct inflate *s, const uint8_t *z, size_t zlen,
                                   const uint8_t *orig, size_t size, struct test_rng *r)
{
    uint8_t *out = malloc(size + 1u);
    struct test_result res;
    assert_non_null(out);
    test_drive(s, z, zlen, out, size, r, 20u * TEST_KiB, 64u * TEST_KiB, &res);
    if (res.st != INFLATE_DONE || res.out_len != size || memcmp(out, orig, size) != 0) {
        fprintf(stderr, "round trip: status %d, %zu of %zu bytes out, %zu of %zu in\n", res.st,
                res.out_len, size, res.in_used, zlen);
    }
    assert_int_equal(res.st, INFLATE_DONE);
    assert_int_equal(res.in_used, zlen);
    assert_int_equal(res.out_len, size);
    assert_memory_equal(out, orig, size);
    free(out);
}

static struct inflate *test_state(void)
{
    static struct inflate s;
    return &s;
}

/* ---- tests on zlib's streams ---- */

static void test_state_size(void **state)
{
    (void)state;
    printf("sizeof(struct inflate) = %zu\n", sizeof(struct inflate));
    assert_true(sizeof(struct inflate) <= 40u * TEST_KiB);
}

/* Every level and data kind at sizes around block and window edges, compress2 as the host
 * engine uses it. */
static void test_levels_and_sizes(void **state)
{
    static const size_t sizes[] = {0,    1,    2,     3,     7,     100,   255,   256,   1000,
                                   4095, 4096, 16384, 32767, 32768, 32769, 65535, 65536, 70000};
    struct test_rng r = {0x1234567890ABCDEFu};
    uint8_t *data = malloc(TEST_MiB);
    size_t streams = 0;
    (void)state;
    assert_non_null(data);
    for (int level = 0; level <= 9; level++) {
        for (int kind = 0; kind < KIND_COUNT; kind++) {
            for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
                size_t zlen = 0;
                gen_data(&r, (enum test_kind)kind, data, sizes[i]);
                uint8_t *z = test_compress2(data, sizes[i], level, &zlen);
                test_expect_round_trip(test_state(), z, zlen, data, sizes[i], &r);
                free(z);
                streams++;
            }
        }
    }
    /* up to 1 MiB, the size of a whole firmware image, for a few levels (level 9 is slow) */
    static const int big_levels[] = {0, 1, 6, 9};
    for (size_t l = 0; l < sizeof big_levels / sizeof big_levels[0]; l++) {
        for (int kind = 0; kind < KIND_COUNT; kind++) {
            size_t size = big_levels[l] == 9 ? 262145u : TEST_MiB - (size_t)kind;
            size_t zlen = 0;
            gen_data(&r, (enum test_kind)kind, data, size);
            uint8_t *z = test_compress2(data, size, big_levels[l], &zlen);
            test_expect_round_trip(test_state(), z, zlen, data, size, &r);
            free(z);
            streams++;
        }
    }
    printf("levels and sizes: %zu streams\n", streams);
    free(data);
}

/* Every strategy with every window size and a spread of memLevels, some streams flushed into
 * several blocks mid-way. */
static void test_strategies(void **state)
{
    static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE,
                                     Z_FIXED};
    static const int mem_levels[] = {1, 4, 8, 9};
    struct test_rng r = {0x0DDBA11CAFEF00Du};
    uint8_t *data = malloc(TEST_MiB);
    size_t streams = 0;
    (void)state;
    assert_non_null(data);
    for (size_t st = 0; st < sizeof strategies / sizeof strategies[0]; st++) {
        for (int wbits = 9; wbits <= 15; wbits++) {
            for (size_t m = 0; m < sizeof mem_levels / sizeof mem_levels[0]; m++) {
                struct test_deflate p = {(int)(rng_next(&r) % 10u), strategies[st], wbits,
                                         mem_levels[m]};
                size_t size = rng_next(&r) % 4u == 0 ? rng_upto(&r, 300u * TEST_KiB)
                                                     : rng_upto(&r, 40u * TEST_KiB);
                size_t zlen = 0;
                gen_data(&r, (enum test_kind)(rng_next(&r) % KIND_COUNT), data, size);
                uint8_t *z = test_compress(data, size, &p, 1u + rng_next(&r) % 4u, &r, &zlen);
                test_expect_round_trip(test_state(), z, zlen, data, size, &r);
                free(z);
                streams++;
            }
        }
    }
    printf("strategies: %zu streams\n", streams);
    free(data);
}

/* Thousands of small streams with everything random. */
static void test_many_random_streams(void **state)
{
    static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE,
                                     Z_FIXED};
    struct test_rng r = {0xFEEDFACE12345678u};
    uint8_t data[16384];
    (void)state;
    for (unsigned n = 0; n < 4000; n++) {
        struct test_deflate p = {(int)(rng_next(&r) % 10u), strategies[rng_next(&r) % 5u],
                                 9 + (int)(rng_next(&r) % 7u), 1 + (int)(rng_next(&r) % 9u)};
        size_t size = (size_t)rng_next(&r) % (1u << (rng_next(&r) % 15u));
        size_t zlen = 0;
        gen_data(&r, (enum test_kind)(rng_next(&r) % KIND_COUNT), data, size);
        uint8_t *z = test_compress(data, size, &p, 1u + rng_next(&r) % 3u, &r, &zlen);
        test_expect_round_trip(test_state(), z, zlen, data, size, &r);
        free(z);
    }
}

/* Input split once at every byte, then a byte in and a byte out at a time, output room of every
 * size from 1 to 100: resumable everywhere. */
static void test_every_split(void **state)
{
    static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FIXED, Z_HUFFMAN_ONLY};
    struct test_rng r = {0xABCDEF0123456789u};
    uint8_t data[2500];
    uint8_t out[2500];
    (void)state;
    for (size_t k = 0; k < sizeof strategies / sizeof strategies[0] + 1u; k++) {
        size_t zlen = 0;
        uint8_t *z = NULL;
        gen_data(&r, KIND_TEXT, data, sizeof data);
        if (k < sizeof strategies / sizeof strategies[0]) {
            struct test_deflate p = {6, strategies[k], 15, 8};
            z = test_compress(data, sizeof data, &p, 3, &r, &zlen);
        } else {
            z = test_compress2(data, sizeof data, 0, &zlen); /* stored */
        }
        struct inflate *s = test_state();
        for (size_t split = 0; split <= zlen; split++) {
            size_t used1 = 0, used2 = 0, got1 = 0, got2 = 0;
            inflate_init(s);
            enum inflate_status st = inflate_run(s, z, split, &used1, out, sizeof out, &got1);
            assert_int_equal(st, split == zlen ? INFLATE_DONE : INFLATE_NEED_INPUT);
            assert_int_equal(used1, split);
            assert_memory_equal(out, data, got1);
            st = inflate_run(s, z + split, zlen - split, &used2, out + got1, sizeof out - got1,
                             &got2);
            assert_int_equal(st, INFLATE_DONE);
            assert_int_equal(used1 + used2, zlen);
            assert_int_equal(got1 + got2, sizeof data);
            assert_memory_equal(out, data, sizeof data);
        }
        struct test_result res;
        test_drive(s, z, zlen, out, sizeof out, NULL, 1, 1, &res);
        assert_int_equal(res.st, INFLATE_DONE);
        assert_memory_equal(out, data, sizeof data);
        for (size_t room = 1; room <= 100; room++) {
            test_drive(s, z, zlen, out, sizeof out, NULL, zlen, room, &res);
            assert_int_equal(res.st, INFLATE_DONE);
            assert_int_equal(res.out_len, sizeof data);
            assert_memory_equal(out, data, sizeof data);
        }
        free(z);
    }
}

/* Every proper prefix of a stream asks for more input and never fails; bytes after the stream
 * are left unused; a damaged trailer is an Adler-32 error. */
static void test_truncation_trailing_and_adler(void **state)
{
    struct test_rng r = {0x5555AAAA3333CCCCu};
    uint8_t data[3000];
    uint8_t out[3000];
    uint8_t buf[4096];
    size_t zlen = 0;
    (void)state;
    gen_data(&r, KIND_TEXT, data, sizeof data);
    uint8_t *z = test_compress2(data, sizeof data, 9, &zlen);
    struct inflate *s = test_state();
    for (size_t len = 0; len < zlen; len++) {
        struct test_result res;
        test_drive(s, z, len, out, sizeof out, &r, 64, 64, &res);
        assert_int_equal(res.st, INFLATE_NEED_INPUT);
        assert_int_equal(res.in_used, len);
        assert_memory_equal(out, data, res.out_len);
    }
    /* trailing data: DONE with in_used at the end of the stream, however it was fed */
    memcpy(buf, z, zlen);
    memset(buf + zlen, 0x5A, sizeof buf - zlen);
    for (unsigned n = 0; n < 200; n++) {
        struct test_result res;
        test_drive(s, buf, zlen + 1u + n, out, sizeof out, &r, 1u + n % 9u, 3000, &res);
        assert_int_equal(res.st, INFLATE_DONE);
        assert_int_equal(res.in_used, zlen);
        assert_int_equal(res.out_len, sizeof data);
    }
    /* every single-bit error in the trailer */
    for (size_t bit = 0; bit < 32; bit++) {
        struct test_result res;
        memcpy(buf, z, zlen);
        buf[zlen - 4u + bit / 8u] ^= (uint8_t)(1u << (bit % 8u));
        test_drive(s, buf, zlen, out, sizeof out, &r, 100, 100, &res);
        assert_int_equal(res.st, INFLATE_ERR_ADLER);
        assert_memory_equal(out, data, sizeof data);
    }
    free(z);
}

/* zlib's verdict on a stream: Z_OK with its output, or an error; output capped at cap. */
static int test_zlib_uncompress(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                                size_t *out_len, size_t *in_used)
{
    uLongf dlen = (uLongf)cap;
    uLong slen = (uLong)len;
    int ret = uncompress2(out, &dlen, in, &slen);
    *out_len = dlen;
    *in_used = slen;
    return ret;
}

/* Compares our verdict with zlib's on any stream: DONE exactly when zlib says Z_OK, with the
 * same output and input used; otherwise an error or a request for more input; output that both
 * produced agrees. Returns our status. */
static enum inflate_status test_judge(const uint8_t *in, size_t len, size_t cap, struct test_rng *r)
{
    uint8_t *ours = malloc(cap + 1u);
    uint8_t *theirs = malloc(cap + 1u);
    size_t zout = 0, zused = 0;
    struct test_result res;
    assert_non_null(ours);
    assert_non_null(theirs);
    int ret = test_zlib_uncompress(in, len, theirs, cap, &zout, &zused);
    test_drive(test_state(), in, len, ours, cap, r, 64, 512, &res);
    if ((ret == Z_OK) != (res.st == INFLATE_DONE)) {
        fprintf(stderr, "zlib %d (%zu out, %zu in), inflate %d (%zu out, %zu in)\n", ret, zout,
                zused, res.st, res.out_len, res.in_used);
    }
    assert_int_equal(ret == Z_OK, res.st == INFLATE_DONE);
    if (ret == Z_OK) {
        assert_int_equal(res.out_len, zout);
        assert_int_equal(res.in_used, zused);
    } else {
        assert_true(res.st < 0 || (res.st == INFLATE_NEED_INPUT && res.in_used == len) ||
                    (res.st == INFLATE_OUTPUT_FULL && res.out_len == cap));
    }
    size_t common = res.out_len < zout ? res.out_len : zout;
    assert_memory_equal(ours, theirs, common);
    free(ours);
    free(theirs);
    return res.st;
}

/* Damaged streams (bit flips, overwritten, inserted and deleted bytes) are judged as zlib
 * judges them, and never read or write out of bounds. */
static void test_corrupt_streams(void **state)
{
    struct test_rng r = {0x0123456789ABCDEFu};
    uint8_t data[8192];
    uint8_t bad[8192 + 256];
    size_t counts[3] = {0, 0, 0}; /* done, errors, need input */
    (void)state;
    for (unsigned n = 0; n < 3000; n++) {
        struct test_deflate p = {(int)(rng_next(&r) % 10u), rng_next(&r) % 3u == 0 ? Z_FIXED : 0,
                                 15, 8};
        size_t size = rng_upto(&r, sizeof data);
        size_t zlen = 0;
        gen_data(&r, (enum test_kind)(rng_next(&r) % KIND_COUNT), data, size);
        uint8_t *z = test_compress(data, size, &p, 1, &r, &zlen);
        assert_true(zlen <= sizeof bad - 64u);
        memcpy(bad, z, zlen);
        size_t blen = zlen;
        unsigned edits = 1u + rng_next(&r) % 3u;
        for (unsigned e = 0; e < edits; e++) {
            size_t at = rng_next(&r) % blen;
            switch (rng_next(&r) % 4u) {
            case 0: bad[at] ^= (uint8_t)(1u << (rng_next(&r) % 8u)); break;
            case 1: bad[at] = (uint8_t)rng_next(&r); break;
            case 2:
                if (blen > 1) {
                    memmove(bad + at, bad + at + 1, blen - at - 1u);
                    blen--;
                }
                break;
            default:
                memmove(bad + at + 1, bad + at, blen - at);
                bad[at] = (uint8_t)rng_next(&r);
                blen++;
                break;
            }
        }
        enum inflate_status st = test_judge(bad, blen, 2u * size + 1024u, &r);
        counts[st == INFLATE_DONE ? 0 : st < 0 ? 1 : 2]++;
        free(z);
    }
    printf("corrupt: %zu still valid, %zu errors, %zu need input\n", counts[0], counts[1],
           counts[2]);
    assert_true(counts[1] > counts[0]);
}

/* ---- hand-made streams ---- */

/* Writes bits first-bit-lowest, as deflate packs them. */
struct test_bits {
    uint8_t buf[40000];
    size_t len;
    unsigned nbits; /* bits used in the last byte */
};

static void bits_put(struct test_bits *b, uint32_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (b->nbits == 0) {
            assert_true(b->len < sizeof b->buf);
            b->buf[b->len++] = 0;
        }
        b->buf[b->len - 1u] |= (uint8_t)(((v >> i) & 1u) << b->nbits);
        b->nbits = (b->nbits + 1u) % 8u;
    }
}

/* A Huffman code goes most significant bit first. */
static void bits_code(struct test_bits *b, uint32_t code, unsigned len)
{
    for (unsigned i = len; i-- > 0;) {
        bits_put(b, code >> i, 1);
    }
}

static void bits_align(struct test_bits *b)
{
    b->nbits = 0;
}

static void bits_start(struct test_bits *b, uint8_t cmf, uint8_t flg)
{
    memset(b, 0, sizeof *b);
    bits_put(b, cmf, 8);
    bits_put(b, flg, 8);
}

/* Ends the stream with the Adler-32 of `data` (most significant byte first). */
static void bits_finish(struct test_bits *b, const uint8_t *data, size_t size)
{
    uint32_t a = (uint32_t)adler32(adler32(0, NULL, 0), data, (uInt)size);
    bits_align(b);
    for (int i = 3; i >= 0; i--) {
        bits_put(b, a >> (8 * i), 8);
    }
}

/* Canonical codes from code lengths (RFC 1951 §3.2.2). */
static void test_canonical(const uint8_t *lens, size_t n, uint16_t *codes)
{
    uint16_t count[16] = {0};
    uint16_t next[16] = {0};
    for (size_t i = 0; i < n; i++) {
        count[lens[i]]++;
    }
    count[0] = 0;
    uint16_t code = 0;
    for (unsigned l = 1; l < 16; l++) {
        code = (uint16_t)((code + count[l - 1u]) << 1);
        next[l] = code;
    }
    for (size_t i = 0; i < n; i++) {
        codes[i] = lens[i] != 0 ? next[lens[i]]++ : 0;
    }
}

/* Fixed-code literal/length symbol and distance symbol (RFC 1951 §3.2.6). */
static void bits_fixed_sym(struct test_bits *b, unsigned sym)
{
    if (sym < 144) {
        bits_code(b, 0x30u + sym, 8);
    } else if (sym < 256) {
        bits_code(b, 0x190u + sym - 144u, 9);
    } else if (sym < 280) {
        bits_code(b, sym - 256u, 7);
    } else {
        bits_code(b, 0xC0u + sym - 280u, 8);
    }
}

/* The code-length code used by hand-made dynamic blocks: complete, all 19 symbols (0..12 with
 * four bits, 13..18 with five). */
static const uint8_t TEST_CLEN_LENS[19] = {4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5};
static const uint8_t TEST_CLEN_ORDER[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                            11, 4,  12, 3, 13, 2, 14, 1, 15};

/* A dynamic block header: HLIT/HDIST from the counts, the code-length code above, then the
 * nlen + ndist lengths one symbol each. */
static void bits_dynamic(struct test_bits *b, bool final, const uint8_t *lens, unsigned nlen,
                         unsigned ndist)
{
    uint16_t ccodes[19];
    test_canonical(TEST_CLEN_LENS, 19, ccodes);
    bits_put(b, final ? 1u : 0u, 1);
    bits_put(b, 2, 2);
    bits_put(b, nlen - 257u, 5);
    bits_put(b, ndist - 1u, 5);
    bits_put(b, 19 - 4, 4);
    for (unsigned i = 0; i < 19; i++) {
        bits_put(b, TEST_CLEN_LENS[TEST_CLEN_ORDER[i]], 3);
    }
    for (unsigned i = 0; i < nlen + ndist; i++) {
        bits_code(b, ccodes[lens[i]], TEST_CLEN_LENS[lens[i]]);
    }
}

static void bits_clen_sym(struct test_bits *b, unsigned sym, uint32_t extra, unsigned extra_bits)
{
    uint16_t ccodes[19];
    test_canonical(TEST_CLEN_LENS, 19, ccodes);
    bits_code(b, ccodes[sym], TEST_CLEN_LENS[sym]);
    bits_put(b, extra, extra_bits);
}

/* Runs a hand-made stream through our decoder (whole and in random pieces) and zlib; both must
 * agree, and ours must give `expect` with output `data`. */
static void test_handmade(const struct test_bits *b, enum inflate_status expect,
                          const uint8_t *data, size_t size)
{
    struct test_rng r = {0x77777777u + b->len};
    uint8_t *out = malloc(size + 1024u);
    struct test_result res;
    assert_non_null(out);
    test_drive(test_state(), b->buf, b->len, out, size + 1024u, NULL, b->len, size + 1024u, &res);
    assert_int_equal(res.st, expect);
    if (expect == INFLATE_DONE) {
        assert_int_equal(res.out_len, size);
        assert_memory_equal(out, data, size);
    }
    assert_int_equal(test_judge(b->buf, b->len, size + 1024u, &r), expect);
    free(out);
}

static void test_bad_headers(void **state)
{
    static const uint8_t headers[][2] = {
            {0x78, 0x9D}, /* check bits wrong */
            {0x77, 0x85}, /* CM 7 */
            {0x88, 0x98}, /* CINFO 8: 64 KiB window */
            {0x78, 0xBB}, /* FDICT */
            {0x00, 0x00}, /* CM 0 */
    };
    struct test_bits b;
    (void)state;
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        bits_start(&b, headers[i][0], headers[i][1]);
        bits_put(&b, 3, 3); /* final fixed block */
        bits_fixed_sym(&b, 256);
        bits_finish(&b, NULL, 0);
        assert_int_equal((headers[i][0] * 256 + headers[i][1]) % 31 == 0, i != 0);
        test_handmade(&b, INFLATE_ERR_HEADER, NULL, 0);
    }
    /* every valid window size is fine */
    for (unsigned cinfo = 0; cinfo <= 7; cinfo++) {
        uint8_t cmf = (uint8_t)(cinfo << 4 | 8u);
        uint8_t flg = (uint8_t)(31u - (cmf * 256u) % 31u);
        bits_start(&b, cmf, flg);
        bits_put(&b, 3, 3);
        bits_fixed_sym(&b, 'x');
        bits_fixed_sym(&b, 256);
        bits_finish(&b, (const uint8_t *)"x", 1);
        test_handmade(&b, INFLATE_DONE, (const uint8_t *)"x", 1);
    }
}

static void test_bad_blocks(void **state)
{
    struct test_bits b;
    (void)state;
    /* block type 3 */
    bits_start(&b, 0x78, 0x9C);
    bits_put(&b, 7, 3);
    bits_finish(&b, NULL, 0);
    test_handmade(&b, INFLATE_ERR_BLOCK_TYPE, NULL, 0);
    /* stored: NLEN not the complement of LEN, then right, then empty */
    static const uint8_t abc[] = {'a', 'b', 'c'};
    for (unsigned k = 0; k < 3; k++) {
        bits_start(&b, 0x78, 0x01);
        bits_put(&b, 1, 3);
        bits_align(&b);
        unsigned len = k == 2 ? 0u : 3u;
        bits_put(&b, len, 16);
        bits_put(&b, (k == 0 ? 0xFFFBu : ~len) & 0xFFFFu, 16);
        for (unsigned i = 0; i < len; i++) {
            bits_put(&b, abc[i], 8);
        }
        bits_finish(&b, abc, len);
        test_handmade(&b, k == 0 ? INFLATE_ERR_STORED_LEN : INFLATE_DONE, abc, len);
    }
    /* fixed: literal/length 286 and 287, distance codes 30 and 31 are not allowed */
    for (unsigned k = 0; k < 4; k++) {
        bits_start(&b, 0x78, 0x9C);
        bits_put(&b, 3, 3);
        bits_fixed_sym(&b, 'a');
        if (k < 2) {
            bits_fixed_sym(&b, 286u + k);
        } else {
            bits_fixed_sym(&b, 257);
            bits_code(&b, 28u + k, 5);
        }
        bits_put(&b, 0, 20);
        bits_fixed_sym(&b, 256);
        bits_finish(&b, (const uint8_t *)"a", 1);
        test_handmade(&b, INFLATE_ERR_CODE, NULL, 0);
    }
}

/* A stored block of n bytes of `data`. */
static void bits_stored(struct test_bits *b, bool final, const uint8_t *data, size_t n)
{
    bits_put(b, final ? 1u : 0u, 3);
    bits_align(b);
    bits_put(b, (uint32_t)n, 16);
    bits_put(b, ~(uint32_t)n & 0xFFFFu, 16);
    for (size_t i = 0; i < n; i++) {
        bits_put(b, data[i], 8);
    }
}

/* Distances: as far back as the output goes is fine, one more is not; 32768 after a full
 * window (farther than zlib ever writes). */
static void test_distances(void **state)
{
    static uint8_t data[32768 + 258];
    struct test_rng r = {0x4242424242424242u};
    struct test_bits *b = malloc(sizeof *b);
    (void)state;
    assert_non_null(b);
    for (size_t i = 0; i < 32768; i++) {
        data[i] = (uint8_t)rng_next(&r);
    }
    for (unsigned k = 0; k < 2; k++) { /* 100 bytes, then distance 100 + k */
        bits_start(b, 0x78, 0x9C);
        bits_stored(b, false, data, 100);
        bits_put(b, 3, 3);
        bits_fixed_sym(b, 257); /* length 3 */
        bits_code(b, 13, 5);    /* distances 97..128 */
        bits_put(b, 3u + k, 6);
        bits_fixed_sym(b, 256);
        memcpy(data + 100, data, 3);
        bits_finish(b, data, 103);
        test_handmade(b, k == 0 ? INFLATE_DONE : INFLATE_ERR_DISTANCE, data, 103);
    }
    bits_start(b, 0x78, 0x9C);
    bits_put(b, 3, 3); /* a fixed block whose first symbol is a match */
    bits_fixed_sym(b, 257);
    bits_code(b, 0, 5);
    bits_fixed_sym(b, 256);
    bits_finish(b, NULL, 0);
    test_handmade(b, INFLATE_ERR_DISTANCE, NULL, 0);
    /* a full window, then length 258 at distance 32768 */
    bits_start(b, 0x78, 0x9C);
    bits_stored(b, false, data, 32768);
    bits_put(b, 3, 3);
    bits_fixed_sym(b, 285);
    bits_code(b, 29, 5);
    bits_put(b, 8191, 13);
    bits_fixed_sym(b, 256);
    memcpy(data + 32768, data, 258);
    bits_finish(b, data, sizeof data);
    test_handmade(b, INFLATE_DONE, data, sizeof data);
    free(b);
}

/* Dynamic blocks: the smallest codes zlib allows, and each way the code lengths can be wrong. */
static void test_dynamic_code_lengths(void **state)
{
    static const uint8_t aaaa[] = {'a', 'a', 'a', 'a'};
    struct test_bits b;
    uint8_t lens[320];
    uint16_t codes[320];
    (void)state;

    /* literal 'a', end, length 3 (1, 2, 2 bits); one one-bit distance code */
    for (unsigned k = 0; k < 2; k++) {
        memset(lens, 0, sizeof lens);
        lens['a'] = 1;
        lens[256] = 2;
        lens[257] = 2;
        lens[258] = 1; /* distance 1 */
        bits_start(&b, 0x78, 0x9C);
        bits_dynamic(&b, true, lens, 258, 1);
        test_canonical(lens, 258, codes);
        bits_code(&b, codes['a'], 1);
        bits_code(&b, codes[257], 2);
        bits_code(&b, k, 1); /* k == 1: the missing distance code */
        bits_code(&b, codes[256], 2);
        bits_finish(&b, aaaa, 4);
        test_handmade(&b, k == 0 ? INFLATE_DONE : INFLATE_ERR_CODE, aaaa, 4);
    }
    /* only the end of block, and no distance code at all */
    memset(lens, 0, sizeof lens);
    lens[256] = 1;
    bits_start(&b, 0x78, 0x9C);
    bits_dynamic(&b, true, lens, 257, 1);
    bits_code(&b, 0, 1);
    bits_finish(&b, NULL, 0);
    test_handmade(&b, INFLATE_DONE, NULL, 0);

    /* wrong literal/length codes: over-subscribed, incomplete, no end of block; and an
     * incomplete distance code that is not a single one-bit code */
    static const struct {
        uint16_t sym[4];
        uint8_t len[4];
    } wrong[] = {
            {{'a', 256, 257, 258}, {1, 1, 1, 1}},
            {{'a', 256, 257, 258}, {2, 2, 2, 1}},
            {{'a', 'b', 257, 258}, {1, 2, 2, 1}},
            {{'a', 256, 257, 258}, {1, 2, 2, 2}},
    };
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        memset(lens, 0, sizeof lens);
        for (size_t j = 0; j < 4; j++) {
            lens[wrong[i].sym[j]] = wrong[i].len[j];
        }
        bits_start(&b, 0x78, 0x9C);
        bits_dynamic(&b, true, lens, 258, 1);
        bits_put(&b, 0, 16);
        bits_finish(&b, NULL, 0);
        test_handmade(&b, INFLATE_ERR_CODE_LENGTHS, NULL, 0);
    }

    /* HLIT 30 (287 codes) and HDIST 30 (31 codes) are more than may be used */
    for (unsigned k = 0; k < 2; k++) {
        bits_start(&b, 0x78, 0x9C);
        bits_put(&b, 5, 3);
        bits_put(&b, k == 0 ? 30u : 0u, 5);
        bits_put(&b, k == 0 ? 0u : 30u, 5);
        bits_put(&b, 15, 4);
        bits_put(&b, 0, 32);
        bits_finish(&b, NULL, 0);
        test_handmade(&b, INFLATE_ERR_CODE_LENGTHS, NULL, 0);
    }

    /* the code-length code: incomplete (one symbol), over-subscribed */
    for (unsigned k = 0; k < 2; k++) {
        bits_start(&b, 0x78, 0x9C);
        bits_put(&b, 5, 3);
        bits_put(&b, 0, 5);
        bits_put(&b, 0, 5);
        bits_put(&b, 15, 4);
        for (unsigned i = 0; i < 19; i++) {
            bits_put(&b, k == 0 ? (i == 3 ? 1u : 0u) : 1u, 3);
        }
        bits_put(&b, 0, 32);
        bits_finish(&b, NULL, 0);
        test_handmade(&b, INFLATE_ERR_CODE_LENGTHS, NULL, 0);
    }

    /* repeats: "previous" with nothing before; running past the end; the right ones work
     * (lengths: 0 x 97, 1 for 'a', 0 x 158 = 138 + 20, 1 for the end, 1 for distance 1) */
    for (unsigned k = 0; k < 3; k++) {
        bits_start(&b, 0x78, 0x9C);
        bits_put(&b, 5, 3);
        bits_put(&b, 0, 5);
        bits_put(&b, 0, 5);
        bits_put(&b, 19 - 4, 4);
        for (unsigned i = 0; i < 19; i++) {
            bits_put(&b, TEST_CLEN_LENS[TEST_CLEN_ORDER[i]], 3);
        }
        if (k == 0) {
            bits_clen_sym(&b, 16, 0, 2);
        } else {
            bits_clen_sym(&b, 18, 97 - 11, 7);
            bits_clen_sym(&b, 1, 0, 0);
            bits_clen_sym(&b, 18, 138 - 11, 7);
            bits_clen_sym(&b, 18, k == 1 ? 138u - 11u : 20u - 11u, 7); /* k == 1: past the end */
            bits_clen_sym(&b, 1, 0, 0);                                /* end of block */
            bits_clen_sym(&b, 1, 0, 0);                                /* distance code */
        }
        bits_code(&b, 0, 1); /* 'a' */
        bits_code(&b, 1, 1); /* end */
        bits_finish(&b, (const uint8_t *)"a", 1);
        test_handmade(&b, k == 2 ? INFLATE_DONE : INFLATE_ERR_CODE_LENGTHS, (const uint8_t *)"a",
                      1);
    }
}

/* Empty buffers and zero-sized calls. */
static void test_empty_calls(void **state)
{
    struct inflate *s = test_state();
    size_t used = 7, got = 7;
    uint8_t z[64];
    uLongf zlen = sizeof z;
    (void)state;
    inflate_init(s);
    assert_int_equal(inflate_run(s, NULL, 0, &used, NULL, 0, &got), INFLATE_NEED_INPUT);
    assert_int_equal(used, 0);
    assert_int_equal(got, 0);
    assert_int_equal(compress2(z, &zlen, (const Bytef *)"hello", 5, 9), Z_OK);
    /* no room: everything up to the first literal is taken, then OUTPUT_FULL */
    assert_int_equal(inflate_run(s, z, zlen, &used, NULL, 0, &got), INFLATE_OUTPUT_FULL);
    assert_true(used > 0 && used < zlen);
    assert_int_equal(got, 0);
    uint8_t out[5];
    size_t used2 = 0;
    assert_int_equal(inflate_run(s, z + used, zlen - used, &used2, out, sizeof out, &got),
                     INFLATE_DONE);
    assert_int_equal(used + used2, zlen);
    assert_int_equal(got, 5);
    assert_memory_equal(out, "hello", 5);
}

/* Not a check, a number: decoding speed of a firmware-like megabyte. */
static void test_speed(void **state)
{
    struct test_rng r = {0x9999999999999999u};
    uint8_t *data = malloc(TEST_MiB);
    uint8_t *out = malloc(TEST_MiB);
    size_t zlen = 0;
    (void)state;
    assert_non_null(data);
    assert_non_null(out);
    gen_data(&r, KIND_FIRMWARE, data, TEST_MiB);
    uint8_t *z = test_compress2(data, TEST_MiB, 9, &zlen);
    uint64_t t0 = test_now_ms();
    struct test_result res;
    for (unsigned i = 0; i < 4; i++) {
        test_drive(test_state(), z, zlen, out, TEST_MiB, NULL, 16u * TEST_KiB, 4096, &res);
        assert_int_equal(res.st, INFLATE_DONE);
    }
    uint64_t ms = test_now_ms() - t0;
    printf("speed: 4 MiB out of %zu KiB x 4 in %llu ms\n", zlen / 1024u, (unsigned long long)ms);
    assert_memory_equal(out, data, TEST_MiB);
    free(z);
    free(out);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_state_size),
            cmocka_unit_test(test_empty_calls),
            cmocka_unit_test(test_bad_headers),
            cmocka_unit_test(test_bad_blocks),
            cmocka_unit_test(test_distances),
            cmocka_unit_test(test_dynamic_code_lengths),
            cmocka_unit_test(test_every_split),
            cmocka_unit_test(test_truncation_trailing_and_adler),
            cmocka_unit_test(test_levels_and_sizes),
            cmocka_unit_test(test_strategies),
            cmocka_unit_test(test_many_random_streams),
            cmocka_unit_test(test_corrupt_streams),
            cmocka_unit_test(test_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
