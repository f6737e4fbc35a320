/* SPDX-License-Identifier: MIT */
/* SLIP encoder and incremental decoder (esp8266-protocol.md §1.1): frames in caller buffers,
 * bounded frame size, bad escapes and overflows reported, junk between frames kept. */
#include "slip.h"

#include <string.h>

size_t slip_encoded_size(const uint8_t *data, size_t len)
{
    size_t n = len + 2;
    for (size_t i = 0; i < len; i++) {
        if (data[i] == SLIP_END || data[i] == SLIP_ESC) {
            n++;
        }
    }
    return n;
}

size_t slip_escape(const uint8_t *data, size_t len, size_t *used, uint8_t *out, size_t out_size)
{
    size_t in = 0;
    size_t n = 0;
    while (in < len) {
        uint8_t b = data[in];
        if (b == SLIP_END || b == SLIP_ESC) {
            if (out_size - n < 2) {
                break;
            }
            out[n++] = SLIP_ESC;
            out[n++] = b == SLIP_END ? SLIP_ESC_END : SLIP_ESC_ESC;
        } else {
            if (out_size - n < 1) {
                break;
            }
            out[n++] = b;
        }
        in++;
    }
    *used = in;
    return n;
}

size_t slip_encode(const uint8_t *data, size_t len, uint8_t *out, size_t out_size)
{
    size_t written = 0;
    size_t used = 0;
    if (out_size >= 2) {
        out[0] = SLIP_END;
        size_t n = slip_escape(data, len, &used, out + 1, out_size - 2);
        if (used == len) {
            out[1 + n] = SLIP_END;
            written = n + 2;
        }
    }
    return written;
}

void slip_decoder_init(struct slip_decoder *d, uint8_t *buf, size_t cap)
{
    memset(d, 0, sizeof *d);
    d->frame = buf;
    d->cap = cap;
    d->state = SLIP_STATE_OUTSIDE;
}

void slip_decoder_reset(struct slip_decoder *d)
{
    d->len = 0;
    d->frame_ready = false;
    d->state = SLIP_STATE_OUTSIDE;
    d->junk_len = 0;
}

/* Keeps one junk byte; true when that filled the junk buffer. */
static bool slip_keep_junk(struct slip_decoder *d, uint8_t b)
{
    bool full = false;
    d->junk_total++;
    if (d->junk_len < SLIP_JUNK_MAX) {
        d->junk[d->junk_len++] = b;
        full = d->junk_len == SLIP_JUNK_MAX;
    } else {
        d->junk_dropped++;
    }
    return full;
}

/* Adds one decoded byte to the frame; false when the frame is full. */
static bool slip_put(struct slip_decoder *d, uint8_t b)
{
    bool ok = d->len < d->cap;
    if (ok) {
        d->frame[d->len++] = b;
    }
    return ok;
}

enum slip_event slip_decoder_feed(struct slip_decoder *d, const uint8_t *in, size_t len,
                                  size_t *used)
{
    enum slip_event ev = SLIP_EV_NONE;
    size_t i = 0;
    if (d->frame_ready) {
        d->frame_ready = false;
        d->len = 0;
    }
    while (i < len && ev == SLIP_EV_NONE) {
        uint8_t b = in[i++];
        switch (d->state) {
        case SLIP_STATE_OUTSIDE:
            if (b == SLIP_END) {
                d->state = SLIP_STATE_INSIDE;
                d->len = 0;
            } else if (slip_keep_junk(d, b)) {
                ev = SLIP_EV_JUNK_FULL;
            }
            break;
        case SLIP_STATE_INSIDE:
            if (b == SLIP_END) {
                if (d->len > 0) {
                    d->state = SLIP_STATE_OUTSIDE;
                    d->frame_ready = true;
                    d->frames++;
                    ev = SLIP_EV_FRAME;
                }
            } else if (b == SLIP_ESC) {
                d->state = SLIP_STATE_ESCAPE;
            } else if (!slip_put(d, b)) {
                d->state = SLIP_STATE_DISCARD;
                d->overflows++;
                ev = SLIP_EV_OVERFLOW;
            }
            break;
        case SLIP_STATE_ESCAPE:
            if (b == SLIP_ESC_END || b == SLIP_ESC_ESC) {
                d->state = SLIP_STATE_INSIDE;
                if (!slip_put(d, b == SLIP_ESC_END ? SLIP_END : SLIP_ESC)) {
                    d->state = SLIP_STATE_DISCARD;
                    d->overflows++;
                    ev = SLIP_EV_OVERFLOW;
                }
            } else {
                /* An END right after ESC still delimits: it ends the bad frame and opens the
                 * next one. Anything else: drop up to the next END. */
                d->state = b == SLIP_END ? SLIP_STATE_INSIDE : SLIP_STATE_DISCARD;
                d->len = 0;
                d->bad_escapes++;
                ev = SLIP_EV_BAD_ESCAPE;
            }
            break;
        case SLIP_STATE_DISCARD:
        default:
            if (b == SLIP_END) {
                d->state = SLIP_STATE_INSIDE;
                d->len = 0;
            }
            break;
        }
    }
    if (ev == SLIP_EV_OVERFLOW) {
        d->len = 0;
    }
    *used = i;
    return ev;
}

const uint8_t *slip_decoder_frame(const struct slip_decoder *d, size_t *len)
{
    *len = d->frame_ready ? d->len : 0;
    return d->frame;
}

const uint8_t *slip_decoder_junk(const struct slip_decoder *d, size_t *len)
{
    *len = d->junk_len;
    return d->junk;
}

void slip_decoder_clear_junk(struct slip_decoder *d)
{
    d->junk_len = 0;
}

bool slip_decoder_in_frame(const struct slip_decoder *d)
{
    return d->state != SLIP_STATE_OUTSIDE;
}
