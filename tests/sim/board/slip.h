/* SPDX-License-Identifier: MIT */
/* The simulated board's own SLIP codec, written apart from the engine's (src/core/slip.c) so a
 * bug shared by both cannot hide. Framing facts: docs/esp8266-protocol.md §1.1. */
#ifndef MF_SIM_SLIP_H
#define MF_SIM_SLIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_SLIP_END     0xC0u
#define SIM_SLIP_ESC     0xDBu
#define SIM_SLIP_ESC_END 0xDCu
#define SIM_SLIP_ESC_ESC 0xDDu

enum sim_slip_result {
    SIM_SLIP_MORE,      /* byte consumed, no frame yet */
    SIM_SLIP_FRAME,     /* a frame is complete: frame()/length() until the next push */
    SIM_SLIP_OVERFLOW,  /* a frame longer than the buffer ended; its bytes are gone */
    SIM_SLIP_BAD_ESCAPE /* 0xDB followed by something other than 0xDC/0xDD; both dropped */
};

/* Decoder as the board's receivers use it: bytes outside a frame are ignored (counted as junk),
 * 0xC0 opens a frame, the next 0xC0 closes it; an empty frame (0xC0 0xC0) keeps the frame open
 * so a stray delimiter cannot swallow the next packet (RFC 1055 practice). */
struct sim_slip_decoder {
    uint8_t *buf;
    size_t cap;
    size_t len;
    bool in_frame;
    bool escape;
    bool overflow;
    uint64_t junk_bytes; /* bytes seen outside any frame */
};

void sim_slip_decoder_init(struct sim_slip_decoder *d, uint8_t *buf, size_t cap);

/* Forgets any partial frame (e.g. after a chip reset). */
void sim_slip_decoder_reset(struct sim_slip_decoder *d);

enum sim_slip_result sim_slip_decoder_push(struct sim_slip_decoder *d, uint8_t byte);

/* Encodes one frame (with both delimiters) into out; returns the encoded length, which may be
 * larger than cap (then out holds only the first cap bytes). */
size_t sim_slip_encode(const uint8_t *in, size_t n, uint8_t *out, size_t cap);

/* Worst-case encoded size of n payload bytes. */
static inline size_t sim_slip_encoded_max(size_t n)
{
    return 2 * n + 2;
}

#endif
