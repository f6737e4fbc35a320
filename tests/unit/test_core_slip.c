/* SPDX-License-Identifier: MIT */
/* Unit tests of SLIP: escaping, exact sizes, the decoder fed at every split, junk kept for the
 * diagnosis, bad escapes and overflows reported with recovery, and random round trips. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime in testutil.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "slip.h"
#include "testutil.h"

#include <string.h>

#define TEST_FRAMES_MAX 64
#define TEST_FRAME_CAP  512

/* What a decoder produced from one input. */
struct decoded {
    size_t n_frames;
    size_t lens[TEST_FRAMES_MAX];
    uint8_t frames[TEST_FRAMES_MAX][TEST_FRAME_CAP];
    size_t bad_escapes;
    size_t overflows;
    size_t junk_events;
    size_t junk_len;
    uint8_t junk[4096];
};

/* Feeds `in` in pieces of at most `piece` bytes (0 = whole), collecting everything. */
static void decode_pieces(const uint8_t *in, size_t len, size_t piece, size_t cap,
                          struct decoded *out)
{
    static uint8_t buf[TEST_FRAME_CAP];
    struct slip_decoder d;
    memset(out, 0, sizeof *out);
    slip_decoder_init(&d, buf, cap);
    size_t off = 0;
    while (off < len) {
        size_t end = piece == 0 || len - off < piece ? len : off + piece;
        while (off < end) {
            size_t used = 0;
            enum slip_event ev = slip_decoder_feed(&d, in + off, end - off, &used);
            assert_true(used <= end - off);
            assert_true(used > 0);
            assert_true(ev == SLIP_EV_NONE || used >= 1);
            if (ev == SLIP_EV_NONE) {
                assert_int_equal(used, end - off);
            }
            off += used;
            if (ev == SLIP_EV_FRAME) {
                size_t n = 0;
                const uint8_t *f = slip_decoder_frame(&d, &n);
                assert_true(n > 0 && n <= cap);
                assert_true(out->n_frames < TEST_FRAMES_MAX);
                memcpy(out->frames[out->n_frames], f, n);
                out->lens[out->n_frames++] = n;
            } else if (ev == SLIP_EV_BAD_ESCAPE) {
                out->bad_escapes++;
            } else if (ev == SLIP_EV_OVERFLOW) {
                out->overflows++;
            } else if (ev == SLIP_EV_JUNK_FULL) {
                out->junk_events++;
            }
            size_t jn = 0;
            const uint8_t *j = slip_decoder_junk(&d, &jn);
            if (jn > 0) {
                assert_true(out->junk_len + jn <= sizeof out->junk);
                memcpy(out->junk + out->junk_len, j, jn);
                out->junk_len += jn;
                slip_decoder_clear_junk(&d);
            }
        }
    }
    assert_int_equal(d.bad_escapes, out->bad_escapes);
    assert_int_equal(d.overflows, out->overflows);
    assert_int_equal(d.frames, out->n_frames);
}

static void assert_same(const struct decoded *a, const struct decoded *b)
{
    assert_int_equal(a->n_frames, b->n_frames);
    for (size_t i = 0; i < a->n_frames; i++) {
        assert_int_equal(a->lens[i], b->lens[i]);
        assert_memory_equal(a->frames[i], b->frames[i], a->lens[i]);
    }
    assert_int_equal(a->bad_escapes, b->bad_escapes);
    assert_int_equal(a->overflows, b->overflows);
    assert_int_equal(a->junk_len, b->junk_len);
    assert_memory_equal(a->junk, b->junk, a->junk_len);
}

static void test_encode_escapes(void **state)
{
    (void)state;
    static const uint8_t data[] = {0x01, 0xC0, 0x02, 0xDB, 0xDC, 0xDD, 0xC0, 0xDB};
    static const uint8_t want[] = {0xC0, 0x01, 0xDB, 0xDC, 0x02, 0xDB, 0xDD,
                                   0xDC, 0xDD, 0xDB, 0xDC, 0xDB, 0xDD, 0xC0};
    uint8_t out[64];
    assert_int_equal(slip_encoded_size(data, sizeof data), sizeof want);
    assert_int_equal(slip_encode(data, sizeof data, out, sizeof out), sizeof want);
    assert_memory_equal(out, want, sizeof want);
    /* exactly big enough works, one byte less fails */
    assert_int_equal(slip_encode(data, sizeof data, out, sizeof want), sizeof want);
    assert_int_equal(slip_encode(data, sizeof data, out, sizeof want - 1), 0);
    /* empty frame */
    assert_int_equal(slip_encode(data, 0, out, 2), 2);
    assert_int_equal(out[0], SLIP_END);
    assert_int_equal(out[1], SLIP_END);
    assert_int_equal(slip_encode(data, 0, out, 1), 0);
    assert_true(SLIP_ENCODED_MAX(sizeof data) >= sizeof want);
}

/* slip_escape never splits a pair and reports how much input it took. */
static void test_escape_partial(void **state)
{
    (void)state;
    static const uint8_t data[] = {0x41, 0xC0, 0x42};
    uint8_t out[8];
    size_t used = 99;
    assert_int_equal(slip_escape(data, sizeof data, &used, out, 2), 1);
    assert_int_equal(used, 1); /* the pair for 0xC0 does not fit after 0x41 */
    assert_int_equal(slip_escape(data, sizeof data, &used, out, 3), 3);
    assert_int_equal(used, 2);
    assert_int_equal(slip_escape(data, sizeof data, &used, out, 4), 4);
    assert_int_equal(used, 3);
    assert_int_equal(slip_escape(data, sizeof data, &used, out, 0), 0);
    assert_int_equal(used, 0);
}

/* §1.6: the ROM answers one SYNC with identical frames; boot text before them is junk. */
static void test_decode_rom_sync_replies_after_boot_text(void **state)
{
    (void)state;
    static const uint8_t reply[] = {0x01, 0x08, 0x02, 0x00, 0x07, 0x07, 0x12, 0x20, 0x00, 0x00};
    static const char boot[] = "ets Jan  8 2013,rst cause:2, boot mode:(1,6)\r\n\r\n";
    uint8_t wire[512];
    size_t n = 0;
    memcpy(wire, boot, sizeof boot - 1);
    n += sizeof boot - 1;
    for (int i = 0; i < 8; i++) {
        n += slip_encode(reply, sizeof reply, wire + n, sizeof wire - n);
    }
    static struct decoded whole;
    decode_pieces(wire, n, 0, TEST_FRAME_CAP, &whole);
    assert_int_equal(whole.n_frames, 8);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(whole.lens[i], sizeof reply);
        assert_memory_equal(whole.frames[i], reply, sizeof reply);
    }
    assert_int_equal(whole.junk_len, sizeof boot - 1);
    assert_memory_equal(whole.junk, boot, sizeof boot - 1);
    /* the same at every split and byte by byte */
    for (size_t piece = 1; piece < n; piece++) {
        static struct decoded split;
        decode_pieces(wire, n, piece, TEST_FRAME_CAP, &split);
        assert_same(&split, &whole);
    }
}

/* "C0 C0" between frames is not an empty frame; bytes between frames are junk. */
static void test_back_to_back_delimiters(void **state)
{
    (void)state;
    static const uint8_t wire[] = {0xC0, 0xC0, 0xC0, 0x11, 0x22, 0xC0, 0xC0, 0x33,
                                   0xC0, 'x',  'y',  0xC0, 0x44, 0xC0, 0xC0};
    static struct decoded r;
    decode_pieces(wire, sizeof wire, 0, TEST_FRAME_CAP, &r);
    assert_int_equal(r.n_frames, 3);
    assert_int_equal(r.lens[0], 2);
    assert_int_equal(r.frames[0][1], 0x22);
    assert_int_equal(r.lens[1], 1);
    assert_int_equal(r.frames[1][0], 0x33);
    assert_int_equal(r.lens[2], 1);
    assert_int_equal(r.frames[2][0], 0x44);
    assert_int_equal(r.junk_len, 2);
    assert_memory_equal(r.junk, "xy", 2);
}

/* A bad escape drops that frame only; the next frame is decoded. Also ESC END. */
static void test_bad_escape_recovers(void **state)
{
    (void)state;
    static const uint8_t wire[] = {0xC0, 0x01, 0xDB, 0x41, 0x02, 0xC0, 0xC0, 0x05,
                                   0xC0, 0xC0, 0x06, 0xDB, 0xC0, 0x07, 0xC0};
    static struct decoded r;
    decode_pieces(wire, sizeof wire, 0, TEST_FRAME_CAP, &r);
    assert_int_equal(r.bad_escapes, 2);
    assert_int_equal(r.n_frames, 2);
    assert_int_equal(r.frames[0][0], 0x05);
    assert_int_equal(r.lens[1], 1);
    assert_int_equal(r.frames[1][0], 0x07); /* "ESC END" ended the bad frame and opened this */
    for (size_t piece = 1; piece < sizeof wire; piece++) {
        static struct decoded split;
        decode_pieces(wire, sizeof wire, piece, TEST_FRAME_CAP, &split);
        assert_same(&split, &r);
    }
}

/* A frame longer than the buffer is reported and dropped; the decoder resynchronises whether
 * the END after it closes the long frame or opens the next one. */
static void test_overflow_recovers(void **state)
{
    (void)state;
    uint8_t wire[64];
    size_t n = 0;
    wire[n++] = 0xC0;
    for (int i = 0; i < 10; i++) {
        wire[n++] = (uint8_t)i;
    }
    wire[n++] = 0xC0; /* closes the long frame */
    wire[n++] = 0xC0;
    wire[n++] = 0xAA;
    wire[n++] = 0xC0;
    static struct decoded r;
    decode_pieces(wire, n, 0, 4, &r);
    assert_int_equal(r.overflows, 1);
    assert_int_equal(r.n_frames, 1);
    assert_int_equal(r.frames[0][0], 0xAA);

    /* closing END lost: the next frame's opening END ends the long one */
    n = 0;
    wire[n++] = 0xC0;
    for (int i = 0; i < 10; i++) {
        wire[n++] = (uint8_t)i;
    }
    wire[n++] = 0xC0;
    wire[n++] = 0xBB;
    wire[n++] = 0xC0;
    decode_pieces(wire, n, 0, 4, &r);
    assert_int_equal(r.overflows, 1);
    assert_int_equal(r.n_frames, 1);
    assert_int_equal(r.frames[0][0], 0xBB);

    /* exactly cap bytes fit, escaped bytes count once */
    static const uint8_t fits[] = {0xC0, 1, 2, 0xDB, 0xDC, 4, 0xC0};
    decode_pieces(fits, sizeof fits, 0, 4, &r);
    assert_int_equal(r.overflows, 0);
    assert_int_equal(r.n_frames, 1);
    assert_int_equal(r.lens[0], 4);
    assert_int_equal(r.frames[0][2], 0xC0);
    static const uint8_t esc_over[] = {0xC0, 1, 2, 3, 4, 0xDB, 0xDC, 0xC0};
    decode_pieces(esc_over, sizeof esc_over, 0, 4, &r);
    assert_int_equal(r.overflows, 1);
    assert_int_equal(r.n_frames, 0);
}

/* A board that prints instead of talking SLIP: junk is reported when the buffer fills and is
 * never lost while the caller drains it; without draining, extra junk is counted as dropped. */
static void test_junk_full_event(void **state)
{
    (void)state;
    static uint8_t text[3 * SLIP_JUNK_MAX + 10];
    for (size_t i = 0; i < sizeof text; i++) {
        text[i] = (uint8_t)('a' + i % 26);
    }
    static struct decoded r;
    decode_pieces(text, sizeof text, 0, TEST_FRAME_CAP, &r);
    assert_int_equal(r.junk_events, 3);
    assert_int_equal(r.junk_len, sizeof text);
    assert_memory_equal(r.junk, text, sizeof text);

    uint8_t buf[16];
    struct slip_decoder d;
    size_t used = 0;
    size_t off = 0;
    int full = 0;
    slip_decoder_init(&d, buf, sizeof buf);
    while (off < sizeof text) {
        enum slip_event ev = slip_decoder_feed(&d, text + off, sizeof text - off, &used);
        full += ev == SLIP_EV_JUNK_FULL;
        off += used;
    }
    assert_int_equal(full, 1);
    size_t jn = 0;
    slip_decoder_junk(&d, &jn);
    assert_int_equal(jn, SLIP_JUNK_MAX);
    assert_int_equal(d.junk_total, sizeof text);
    assert_int_equal(d.junk_dropped, sizeof text - SLIP_JUNK_MAX);
    assert_false(slip_decoder_in_frame(&d));
    static const uint8_t open[] = {0xC0, 0x01};
    slip_decoder_feed(&d, open, sizeof open, &used);
    assert_true(slip_decoder_in_frame(&d));
    slip_decoder_reset(&d);
    assert_false(slip_decoder_in_frame(&d));
    slip_decoder_junk(&d, &jn);
    assert_int_equal(jn, 0);
}

/* The frame stays readable until the next feed, which starts a new one. */
static void test_frame_valid_until_next_feed(void **state)
{
    (void)state;
    static const uint8_t wire[] = {0xC0, 0x01, 0x02, 0xC0, 0xC0, 0x03, 0xC0};
    uint8_t buf[16];
    struct slip_decoder d;
    size_t used = 0;
    size_t n = 0;
    slip_decoder_init(&d, buf, sizeof buf);
    assert_int_equal(slip_decoder_feed(&d, wire, sizeof wire, &used), SLIP_EV_FRAME);
    assert_int_equal(used, 4);
    const uint8_t *f = slip_decoder_frame(&d, &n);
    assert_int_equal(n, 2);
    assert_int_equal(f[1], 0x02);
    assert_int_equal(slip_decoder_feed(&d, wire + 4, sizeof wire - 4, &used), SLIP_EV_FRAME);
    f = slip_decoder_frame(&d, &n);
    assert_int_equal(n, 1);
    assert_int_equal(f[0], 0x03);
    assert_int_equal(slip_decoder_feed(&d, wire, 0, &used), SLIP_EV_NONE);
    slip_decoder_frame(&d, &n);
    assert_int_equal(n, 0);
}

/* Property: random frames rich in 0xC0/0xDB survive encode → decode at every split point. */
static void test_random_round_trip_every_split(void **state)
{
    (void)state;
    static uint8_t frames[8][200];
    size_t lens[8];
    static uint8_t wire[8 * (2 * 200 + 2)];
    uint32_t seed = 12345;
    for (int round = 0; round < 6; round++) {
        size_t n = 0;
        for (int i = 0; i < 8; i++) {
            seed = seed * 1103515245u + 12345u;
            lens[i] = 1 + (seed >> 16) % 199;
            test_pattern(frames[i], lens[i], seed);
            for (size_t k = 0; k < lens[i]; k++) {
                /* make a third of the bytes special */
                if (frames[i][k] % 3 == 0) {
                    frames[i][k] = frames[i][k] & 1 ? SLIP_END : SLIP_ESC;
                }
            }
            size_t w = slip_encode(frames[i], lens[i], wire + n, sizeof wire - n);
            assert_int_equal(w, slip_encoded_size(frames[i], lens[i]));
            n += w;
        }
        static struct decoded whole;
        decode_pieces(wire, n, 0, TEST_FRAME_CAP, &whole);
        assert_int_equal(whole.n_frames, 8);
        assert_int_equal(whole.junk_len, 0);
        for (int i = 0; i < 8; i++) {
            assert_int_equal(whole.lens[i], lens[i]);
            assert_memory_equal(whole.frames[i], frames[i], lens[i]);
        }
        /* two pieces split at every position, then small pieces */
        for (size_t cut = 1; cut < n; cut++) {
            static struct decoded two;
            struct slip_decoder d;
            static uint8_t buf[TEST_FRAME_CAP];
            size_t got = 0;
            size_t off = 0;
            slip_decoder_init(&d, buf, sizeof buf);
            while (off < n) {
                size_t end = off < cut ? cut : n;
                size_t used = 0;
                enum slip_event ev = slip_decoder_feed(&d, wire + off, end - off, &used);
                off += used;
                if (ev == SLIP_EV_FRAME) {
                    size_t fl = 0;
                    const uint8_t *f = slip_decoder_frame(&d, &fl);
                    assert_int_equal(fl, lens[got]);
                    assert_memory_equal(f, frames[got], fl);
                    got++;
                } else {
                    assert_int_equal(ev, SLIP_EV_NONE);
                }
            }
            assert_int_equal(got, 8);
            (void)two;
        }
        for (size_t piece = 1; piece <= 7; piece++) {
            static struct decoded split;
            decode_pieces(wire, n, piece, TEST_FRAME_CAP, &split);
            assert_same(&split, &whole);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_encode_escapes),
            cmocka_unit_test(test_escape_partial),
            cmocka_unit_test(test_decode_rom_sync_replies_after_boot_text),
            cmocka_unit_test(test_back_to_back_delimiters),
            cmocka_unit_test(test_bad_escape_recovers),
            cmocka_unit_test(test_overflow_recovers),
            cmocka_unit_test(test_junk_full_event),
            cmocka_unit_test(test_frame_valid_until_next_feed),
            cmocka_unit_test(test_random_round_trip_every_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
