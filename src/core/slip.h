/* SPDX-License-Identifier: MIT */
/* SLIP framing as the ESP8266 loaders use it (esp8266-protocol.md §1.1): an encoder into caller
 * buffers and an incremental decoder that takes arbitrary chunks and keeps the junk between
 * frames for the connection diagnosis. No I/O, no allocation. */
#ifndef MF_SLIP_H
#define MF_SLIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SLIP_END     0xC0u /* frame delimiter: every frame starts and ends with it */
#define SLIP_ESC     0xDBu /* escape */
#define SLIP_ESC_END 0xDCu /* ESC ESC_END stands for a data byte 0xC0 */
#define SLIP_ESC_ESC 0xDDu /* ESC ESC_ESC stands for a data byte 0xDB */

/* The most bytes a frame of n data bytes can take on the wire: every byte escaped, plus the
 * two delimiters. */
#define SLIP_ENCODED_MAX(n) (2u * (size_t)(n) + 2u)

/* How many bytes outside any frame the decoder keeps before it reports SLIP_EV_JUNK_FULL. */
#define SLIP_JUNK_MAX 256u

/* The exact wire size of a frame holding `data` (delimiters included). */
size_t slip_encoded_size(const uint8_t *data, size_t len);

/* Writes a whole frame: END, the escaped data, END. Returns the bytes written, or 0 when `out`
 * is too small (nothing useful is left in it then). Escaping replaces 0xDB first and 0xC0
 * second in esptool's wording; done byte by byte, as here, the order cannot matter: each input
 * byte is looked at once and its replacement never looked at again. */
size_t slip_encode(const uint8_t *data, size_t len, uint8_t *out, size_t out_size);

/* Escapes data without delimiters, for building a frame from pieces. Escapes as many whole input
 * bytes as fit (an escape pair is never split), sets *used to how many, returns bytes written. */
size_t slip_escape(const uint8_t *data, size_t len, size_t *used, uint8_t *out, size_t out_size);

/* What a call to slip_decoder_feed stopped for. */
enum slip_event {
    SLIP_EV_NONE = 0,   /* every input byte was used; no frame finished */
    SLIP_EV_FRAME,      /* a frame is complete: slip_decoder_frame() until the next feed */
    SLIP_EV_BAD_ESCAPE, /* ESC followed by neither ESC_END nor ESC_ESC: that frame is dropped */
    SLIP_EV_OVERFLOW,   /* a frame longer than the buffer: it is dropped */
    SLIP_EV_JUNK_FULL,  /* the junk buffer filled up: read it and clear it */
};

enum slip_state {
    SLIP_STATE_OUTSIDE, /* between frames: bytes other than END are junk */
    SLIP_STATE_INSIDE,  /* in a frame */
    SLIP_STATE_ESCAPE,  /* in a frame, after ESC */
    SLIP_STATE_DISCARD, /* dropping the rest of a bad frame up to the next END */
};

/* The decoder. A frame opens with END; END with data in the frame closes it; END on an empty
 * frame is taken as a (repeated) opening delimiter, so back-to-back "C0 C0" never yields an
 * empty frame. After a dropped frame the END that ends it also opens the next one, so a lost
 * delimiter costs at most the damaged frame. Bytes between frames are junk: boot messages,
 * a running program's output, line noise. They are kept (up to SLIP_JUNK_MAX, then reported)
 * so the caller can show them and look in them for "Fatal exception" or "ets Jan  8 2013". */
struct slip_decoder {
    uint8_t *frame;   /* caller's frame buffer */
    size_t cap;       /* its size: the longest frame accepted */
    size_t len;       /* bytes in the frame being decoded, or in the finished one */
    bool frame_ready; /* the last feed returned SLIP_EV_FRAME */
    enum slip_state state;
    uint8_t junk[SLIP_JUNK_MAX];
    size_t junk_len;
    /* Counters for the log. */
    size_t frames;
    size_t bad_escapes;
    size_t overflows;
    size_t junk_total;   /* junk bytes seen, kept or not */
    size_t junk_dropped; /* junk bytes lost because the junk buffer was not cleared */
};

/* Starts a decoder that puts frames into buf (cap bytes). */
void slip_decoder_init(struct slip_decoder *d, uint8_t *buf, size_t cap);

/* Forgets a partial frame and the junk (after a baud change or reset); keeps the counters. */
void slip_decoder_reset(struct slip_decoder *d);

/* Decodes bytes until something happens. Sets *used to how many bytes of `in` were taken (the
 * byte that caused the event included); the caller feeds the rest again. */
enum slip_event slip_decoder_feed(struct slip_decoder *d, const uint8_t *in, size_t len,
                                  size_t *used);

/* The finished frame after SLIP_EV_FRAME (valid until the next feed). */
const uint8_t *slip_decoder_frame(const struct slip_decoder *d, size_t *len);

/* Bytes seen outside frames since the last clear. */
const uint8_t *slip_decoder_junk(const struct slip_decoder *d, size_t *len);
void slip_decoder_clear_junk(struct slip_decoder *d);

/* A frame has opened and not yet closed (more bytes are needed for it). */
bool slip_decoder_in_frame(const struct slip_decoder *d);

#endif
