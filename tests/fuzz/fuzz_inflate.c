/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the stub's inflate: any bytes, fed in any pieces into any output room,
 * get zlib's verdict (DONE exactly when uncompress accepts, with its output and input used), the
 * same result whatever the pieces, and stay in bounds. Two leading bytes choose the pieces. */
#include "inflate.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz_check.h"

#define FUZZ_HEADER  2u
#define FUZZ_OUT_MAX (256u * 1024u) /* several windows */

struct fuzz_result {
    enum inflate_status st;
    size_t in_used;
    size_t out_len;
};

/* Piece sizes from a seed: 0 = everything at once, else a pseudo-random walk of sizes up to
 * 1..256 (seed-dependent), starting small. */
static size_t fuzz_piece(uint32_t *x, unsigned seed)
{
    size_t n = (size_t)-1;
    if (seed != 0) {
        *x = *x * 1103515245u + 12345u;
        n = 1u + (*x >> 16) % seed;
    }
    return n;
}

static void fuzz_decode(const uint8_t *in, size_t len, unsigned in_seed, unsigned out_seed,
                        uint8_t *out, struct fuzz_result *r)
{
    static struct inflate s;
    uint32_t x = in_seed * 31u + out_seed;
    memset(r, 0, sizeof *r);
    inflate_init(&s);
    for (;;) {
        size_t in_n = len - r->in_used;
        size_t out_n = FUZZ_OUT_MAX - r->out_len;
        size_t p = fuzz_piece(&x, in_seed);
        in_n = in_n < p ? in_n : p;
        p = fuzz_piece(&x, out_seed);
        out_n = out_n < p ? out_n : p;
        size_t used = 0;
        size_t got = 0;
        r->st = inflate_run(&s, in + r->in_used, in_n, &used, out + r->out_len, out_n, &got);
        FUZZ_CHECK(used <= in_n && got <= out_n);
        FUZZ_CHECK(r->st != INFLATE_NEED_INPUT || used == in_n);
        FUZZ_CHECK(r->st != INFLATE_OUTPUT_FULL || got == out_n);
        FUZZ_CHECK(r->st <= 0 || in_n == 0 || out_n == 0 || used + got > 0);
        r->in_used += used;
        r->out_len += got;
        if (r->st <= 0 || (r->st == INFLATE_NEED_INPUT && r->in_used == len) ||
            (r->st == INFLATE_OUTPUT_FULL && r->out_len == FUZZ_OUT_MAX)) {
            break;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t whole_out[FUZZ_OUT_MAX];
    static uint8_t split_out[FUZZ_OUT_MAX];
    static uint8_t zlib_out[FUZZ_OUT_MAX];
    struct fuzz_result whole;
    struct fuzz_result split;
    if (size < FUZZ_HEADER) {
        return 0;
    }
    const uint8_t *in = data + FUZZ_HEADER;
    size_t len = size - FUZZ_HEADER;
    fuzz_decode(in, len, 0, 0, whole_out, &whole);
    fuzz_decode(in, len, data[0], data[1], split_out, &split);
    FUZZ_CHECK(split.st == whole.st);
    FUZZ_CHECK(split.out_len == whole.out_len || whole.st == INFLATE_OUTPUT_FULL);
    size_t common = split.out_len < whole.out_len ? split.out_len : whole.out_len;
    FUZZ_CHECK(memcmp(split_out, whole_out, common) == 0);
    if (whole.st == INFLATE_DONE || whole.st == INFLATE_NEED_INPUT) {
        FUZZ_CHECK(split.in_used == whole.in_used); /* elsewhere buffering may differ */
    }

    uLongf zout = FUZZ_OUT_MAX;
    uLong zused = (uLong)len;
    int ret = uncompress2(zlib_out, &zout, in, &zused);
    FUZZ_CHECK((ret == Z_OK) == (whole.st == INFLATE_DONE));
    if (ret == Z_OK) {
        FUZZ_CHECK(whole.out_len == zout && whole.in_used == zused);
    }
    common = whole.out_len < zout ? whole.out_len : (size_t)zout;
    FUZZ_CHECK(memcmp(whole_out, zlib_out, common) == 0);
    return 0;
}
