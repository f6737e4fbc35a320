/* SPDX-License-Identifier: MIT */
/* SLIP decoding and encoding for the simulated board, byte by byte, with the receiving rules
 * described in slip.h (junk outside frames ignored, bad escapes dropped, overflow reported). */
#include "slip.h"

void sim_slip_decoder_init(struct sim_slip_decoder *d, uint8_t *buf, size_t cap)
{
    d->buf = buf;
    d->cap = cap;
    d->junk_bytes = 0;
    sim_slip_decoder_reset(d);
}

void sim_slip_decoder_reset(struct sim_slip_decoder *d)
{
    d->len = 0;
    d->in_frame = false;
    d->escape = false;
    d->overflow = false;
}

static void slip_store(struct sim_slip_decoder *d, uint8_t byte)
{
    if (d->len < d->cap)
        d->buf[d->len++] = byte;
    else
        d->overflow = true;
}

enum sim_slip_result sim_slip_decoder_push(struct sim_slip_decoder *d, uint8_t byte)
{
    enum sim_slip_result r = SIM_SLIP_MORE;

    if (!d->in_frame) {
        if (byte == SIM_SLIP_END) {
            d->in_frame = true;
            d->len = 0;
            d->escape = false;
            d->overflow = false;
        } else {
            d->junk_bytes++;
        }
        return r;
    }
    if (d->escape) {
        d->escape = false;
        if (byte == SIM_SLIP_ESC_END)
            slip_store(d, SIM_SLIP_END);
        else if (byte == SIM_SLIP_ESC_ESC)
            slip_store(d, SIM_SLIP_ESC);
        else if (byte == SIM_SLIP_END)
            /* The frame ends right after a dangling escape: treat like any other end. */
            return sim_slip_decoder_push(d, byte);
        else
            r = SIM_SLIP_BAD_ESCAPE;
        return r;
    }
    if (byte == SIM_SLIP_ESC) {
        d->escape = true;
    } else if (byte == SIM_SLIP_END) {
        if (d->len == 0 && !d->overflow)
            return r; /* empty frame: stay open */
        d->in_frame = false;
        r = d->overflow ? SIM_SLIP_OVERFLOW : SIM_SLIP_FRAME;
        if (d->overflow)
            d->len = 0;
    } else {
        slip_store(d, byte);
    }
    return r;
}

static void slip_out(uint8_t *out, size_t cap, size_t *pos, uint8_t byte)
{
    if (*pos < cap)
        out[*pos] = byte;
    (*pos)++;
}

size_t sim_slip_encode(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    size_t pos = 0;

    slip_out(out, cap, &pos, SIM_SLIP_END);
    for (size_t i = 0; i < n; i++) {
        if (in[i] == SIM_SLIP_END) {
            slip_out(out, cap, &pos, SIM_SLIP_ESC);
            slip_out(out, cap, &pos, SIM_SLIP_ESC_END);
        } else if (in[i] == SIM_SLIP_ESC) {
            slip_out(out, cap, &pos, SIM_SLIP_ESC);
            slip_out(out, cap, &pos, SIM_SLIP_ESC_ESC);
        } else {
            slip_out(out, cap, &pos, in[i]);
        }
    }
    slip_out(out, cap, &pos, SIM_SLIP_END);
    return pos;
}
