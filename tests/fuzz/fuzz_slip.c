/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the SLIP decoder: any bytes, fed in any pieces into any frame size, give
 * the same frames and events as one pass, stay in bounds, and encoding then decoding is exact. */
#include "slip.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

#define FUZZ_HEADER    2u
#define FUZZ_MAX_INPUT 8192u
#define FUZZ_FRAME_CAP 600u

/* A digest of everything a decode produced. */
struct fuzz_result {
    size_t frames;
    size_t bad_escapes;
    size_t overflows;
    size_t junk;
    uint32_t digest;      /* frames and events, in order */
    uint32_t junk_digest; /* junk bytes, in order (drained after each feed) */
};

static uint32_t fuzz_mix(uint32_t h, uint32_t v)
{
    h ^= v;
    return h * 16777619u;
}

static void fuzz_decode(const uint8_t *in, size_t len, size_t piece, size_t cap,
                        struct fuzz_result *r)
{
    static uint8_t buf[FUZZ_FRAME_CAP];
    struct slip_decoder d;
    memset(r, 0, sizeof *r);
    r->digest = 2166136261u;
    r->junk_digest = 2166136261u;
    slip_decoder_init(&d, buf, cap);
    size_t off = 0;
    while (off < len) {
        size_t end = piece == 0 || len - off < piece ? len : off + piece;
        while (off < end) {
            size_t used = 0;
            enum slip_event ev = slip_decoder_feed(&d, in + off, end - off, &used);
            FUZZ_CHECK(used > 0 && used <= end - off);
            FUZZ_CHECK(ev != SLIP_EV_NONE || used == end - off);
            off += used;
            if (ev == SLIP_EV_FRAME) {
                size_t n = 0;
                const uint8_t *f = slip_decoder_frame(&d, &n);
                FUZZ_CHECK(n > 0 && n <= cap);
                FUZZ_CHECK(f == buf);
                r->frames++;
                r->digest = fuzz_mix(r->digest, (uint32_t)n);
                for (size_t i = 0; i < n; i++) {
                    r->digest = fuzz_mix(r->digest, f[i]);
                }
            } else if (ev == SLIP_EV_BAD_ESCAPE || ev == SLIP_EV_OVERFLOW) {
                /* JUNK_FULL depends on how often the caller drains: not compared */
                r->digest = fuzz_mix(r->digest, 0x100u + (uint32_t)ev);
            }
            size_t jn = 0;
            const uint8_t *j = slip_decoder_junk(&d, &jn);
            FUZZ_CHECK(jn <= SLIP_JUNK_MAX);
            for (size_t i = 0; i < jn; i++) {
                FUZZ_CHECK(j[i] != SLIP_END);
                r->junk_digest = fuzz_mix(r->junk_digest, j[i]);
            }
            r->junk += jn;
            slip_decoder_clear_junk(&d);
        }
    }
    r->bad_escapes = d.bad_escapes;
    r->overflows = d.overflows;
    FUZZ_CHECK(d.frames == r->frames);
    FUZZ_CHECK(d.junk_total == r->junk);
    FUZZ_CHECK(d.junk_dropped == 0);
    FUZZ_CHECK(r->frames + r->bad_escapes + r->overflows <= len);
}

/* The input as a frame: encoded, then decoded, it comes back whole. */
static void fuzz_round_trip(const uint8_t *in, size_t len)
{
    static uint8_t wire[SLIP_ENCODED_MAX(FUZZ_MAX_INPUT)];
    static uint8_t buf[FUZZ_MAX_INPUT];
    size_t n = slip_encode(in, len, wire, sizeof wire);
    FUZZ_CHECK(n == slip_encoded_size(in, len));
    FUZZ_CHECK(n <= SLIP_ENCODED_MAX(len));
    FUZZ_CHECK(slip_encode(in, len, wire, n - 1) == 0);
    for (size_t i = 1; i + 1 < n; i++) {
        FUZZ_CHECK(wire[i] != SLIP_END);
    }
    struct slip_decoder d;
    size_t used = 0;
    slip_decoder_init(&d, buf, sizeof buf);
    enum slip_event ev = slip_decoder_feed(&d, wire, n, &used);
    if (len == 0) {
        FUZZ_CHECK(ev == SLIP_EV_NONE && used == n);
    } else {
        size_t got = 0;
        const uint8_t *f = slip_decoder_frame(&d, &got);
        FUZZ_CHECK(ev == SLIP_EV_FRAME && used == n);
        FUZZ_CHECK(got == len && memcmp(f, in, len) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fuzz_result whole;
    static struct fuzz_result split;
    if (size < FUZZ_HEADER || size - FUZZ_HEADER > FUZZ_MAX_INPUT) {
        return 0;
    }
    size_t piece = data[0]; /* 0: all at once */
    size_t cap = 1 + (size_t)data[1] * (FUZZ_FRAME_CAP - 1) / 255;
    const uint8_t *in = data + FUZZ_HEADER;
    size_t len = size - FUZZ_HEADER;
    fuzz_decode(in, len, 0, cap, &whole);
    fuzz_decode(in, len, piece, cap, &split);
    FUZZ_CHECK(split.frames == whole.frames);
    FUZZ_CHECK(split.bad_escapes == whole.bad_escapes);
    FUZZ_CHECK(split.overflows == whole.overflows);
    FUZZ_CHECK(split.junk == whole.junk);
    FUZZ_CHECK(split.digest == whole.digest);
    FUZZ_CHECK(split.junk_digest == whole.junk_digest);
    fuzz_round_trip(in, len);
    return 0;
}
