/* SPDX-License-Identifier: MIT */
/* Unit tests of the board's SLIP codec: escapes, the SYNC frame of protocol doc §1.6, frames
 * split across pushes, junk between frames, bad escapes, empty frames and overflow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "slip.h"

static enum sim_slip_result push_all(struct sim_slip_decoder *d, const uint8_t *p, size_t n,
                                     unsigned *frames)
{
    enum sim_slip_result last = SIM_SLIP_MORE;
    for (size_t i = 0; i < n; i++) {
        last = sim_slip_decoder_push(d, p[i]);
        if (last == SIM_SLIP_FRAME && frames)
            (*frames)++;
    }
    return last;
}

static void test_encode_escapes(void **state)
{
    (void)state;
    static const uint8_t in[] = {0x01, 0xC0, 0xDB, 0x02, 0xDC, 0xDD};
    static const uint8_t want[] = {0xC0, 0x01, 0xDB, 0xDC, 0xDB, 0xDD, 0x02, 0xDC, 0xDD, 0xC0};
    uint8_t out[32];
    size_t n = sim_slip_encode(in, sizeof in, out, sizeof out);
    assert_int_equal(n, sizeof want);
    assert_memory_equal(out, want, sizeof want);
    /* too small a buffer: the full length is still reported, nothing past cap is written */
    memset(out, 0xAA, sizeof out);
    assert_int_equal(sim_slip_encode(in, sizeof in, out, 4), sizeof want);
    assert_int_equal(out[4], 0xAA);
}

static void test_decode_sync_frame_from_doc(void **state)
{
    (void)state;
    /* c0 00 08 2400 00000000 07 07 12 20 + 32 x 55 + c0 (protocol doc §1.6) */
    uint8_t wire[46] = {0xC0, 0x00, 0x08, 0x24, 0x00, 0x00, 0x00,
                        0x00, 0x00, 0x07, 0x07, 0x12, 0x20};
    uint8_t buf[64];
    struct sim_slip_decoder d;
    unsigned frames = 0;

    memset(wire + 13, 0x55, 32);
    wire[45] = 0xC0;
    sim_slip_decoder_init(&d, buf, sizeof buf);
    assert_int_equal(push_all(&d, wire, sizeof wire, &frames), SIM_SLIP_FRAME);
    assert_int_equal(frames, 1);
    assert_int_equal(d.len, 44);
    assert_int_equal(buf[1], 0x08);
    assert_int_equal(buf[2] | buf[3] << 8, 36);
    assert_int_equal(buf[43], 0x55);
}

static void test_split_frames_and_junk(void **state)
{
    (void)state;
    static const uint8_t wire[] = {'j',  'u',  'n',  'k',  0xC0, 0x01, 0xDB, 0xDC,
                                   0x02, 0xC0, 0x33, 0x44, 0xC0, 0x05, 0xC0};
    uint8_t buf[16];
    struct sim_slip_decoder d;
    unsigned frames = 0;

    sim_slip_decoder_init(&d, buf, sizeof buf);
    /* byte by byte: the first frame completes at index 9 */
    for (size_t i = 0; i < sizeof wire; i++) {
        enum sim_slip_result r = sim_slip_decoder_push(&d, wire[i]);
        if (r == SIM_SLIP_FRAME) {
            frames++;
            if (frames == 1) {
                assert_int_equal(i, 9);
                assert_int_equal(d.len, 3);
                assert_int_equal(buf[1], 0xC0);
            } else {
                assert_int_equal(d.len, 1);
                assert_int_equal(buf[0], 0x05);
            }
        }
    }
    assert_int_equal(frames, 2);
    /* "junk" plus 0x33 0x44 outside any frame */
    assert_int_equal(d.junk_bytes, 6);
}

static void test_bad_escape_dropped(void **state)
{
    (void)state;
    static const uint8_t wire[] = {0xC0, 0x10, 0xDB, 0x41, 0x20, 0xC0};
    uint8_t buf[16];
    struct sim_slip_decoder d;
    unsigned bad = 0, frames = 0;

    sim_slip_decoder_init(&d, buf, sizeof buf);
    for (size_t i = 0; i < sizeof wire; i++) {
        enum sim_slip_result r = sim_slip_decoder_push(&d, wire[i]);
        bad += r == SIM_SLIP_BAD_ESCAPE;
        frames += r == SIM_SLIP_FRAME;
    }
    assert_int_equal(bad, 1);
    assert_int_equal(frames, 1);
    assert_int_equal(d.len, 2);
    assert_int_equal(buf[0], 0x10);
    assert_int_equal(buf[1], 0x20);
}

static void test_empty_frame_keeps_frame_open(void **state)
{
    (void)state;
    /* a stray delimiter before a packet must not swallow it */
    static const uint8_t wire[] = {0xC0, 0xC0, 0xC0, 0x07, 0x08, 0xC0};
    uint8_t buf[16];
    struct sim_slip_decoder d;
    unsigned frames = 0;

    sim_slip_decoder_init(&d, buf, sizeof buf);
    push_all(&d, wire, sizeof wire, &frames);
    assert_int_equal(frames, 1);
    assert_int_equal(d.len, 2);
}

static void test_escape_then_end(void **state)
{
    (void)state;
    static const uint8_t wire[] = {0xC0, 0x11, 0xDB, 0xC0};
    uint8_t buf[16];
    struct sim_slip_decoder d;
    unsigned frames = 0;

    sim_slip_decoder_init(&d, buf, sizeof buf);
    push_all(&d, wire, sizeof wire, &frames);
    assert_int_equal(frames, 1);
    assert_int_equal(d.len, 1);
}

static void test_overflow_then_recovery(void **state)
{
    (void)state;
    uint8_t buf[8];
    uint8_t wire[32];
    struct sim_slip_decoder d;
    size_t n = 0;

    wire[n++] = 0xC0;
    for (int i = 0; i < 12; i++)
        wire[n++] = (uint8_t)i;
    wire[n++] = 0xC0;
    sim_slip_decoder_init(&d, buf, sizeof buf);
    assert_int_equal(push_all(&d, wire, n, NULL), SIM_SLIP_OVERFLOW);
    static const uint8_t next[] = {0xC0, 0x42, 0xC0};
    assert_int_equal(push_all(&d, next, sizeof next, NULL), SIM_SLIP_FRAME);
    assert_int_equal(d.len, 1);
    assert_int_equal(buf[0], 0x42);
}

static void test_roundtrip_all_byte_values(void **state)
{
    (void)state;
    uint8_t in[512], wire[2 * 512 + 2], out[600];
    struct sim_slip_decoder d;
    uint32_t x = 12345;
    size_t n;

    for (size_t i = 0; i < sizeof in; i++) {
        x = x * 1103515245u + 12345u;
        in[i] = i < 256 ? (uint8_t)i : (uint8_t)(x >> 16);
    }
    n = sim_slip_encode(in, sizeof in, wire, sizeof wire);
    assert_true(n <= sim_slip_encoded_max(sizeof in));
    for (size_t i = 1; i + 1 < n; i++)
        assert_int_not_equal(wire[i], 0xC0); /* no delimiter inside */
    sim_slip_decoder_init(&d, out, sizeof out);
    assert_int_equal(push_all(&d, wire, n, NULL), SIM_SLIP_FRAME);
    assert_int_equal(d.len, sizeof in);
    assert_memory_equal(out, in, sizeof in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_encode_escapes),
            cmocka_unit_test(test_decode_sync_frame_from_doc),
            cmocka_unit_test(test_split_frames_and_junk),
            cmocka_unit_test(test_bad_escape_dropped),
            cmocka_unit_test(test_empty_frame_keeps_frame_open),
            cmocka_unit_test(test_escape_then_end),
            cmocka_unit_test(test_overflow_then_recovery),
            cmocka_unit_test(test_roundtrip_all_byte_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
