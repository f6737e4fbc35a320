/* SPDX-License-Identifier: MIT */
/* The stub's streaming zlib decoder (RFC 1950 wrapper with Adler-32, RFC 1951 stored, fixed and
 * dynamic Huffman blocks). Freestanding C11: no libc, no allocation, no globals; the caller owns
 * the state, feeds input in pieces of any size and drains output into a buffer of any size. */
#ifndef MF_STUB_INFLATE_H
#define MF_STUB_INFLATE_H

#include <stddef.h>
#include <stdint.h>

#define INFLATE_WINDOW_SIZE 32768u /* how far back deflate may refer (RFC 1951 §2) */
#define INFLATE_FAST_BITS   9u     /* codes up to this long are resolved by one table lookup */
#define INFLATE_FAST_SIZE   (1u << INFLATE_FAST_BITS)
#define INFLATE_MAX_BITS    15u /* longest Huffman code */
#define INFLATE_MAX_SYMBOLS                                                                        \
    288u                      /* literal/length symbols of the fixed code, the largest alphabet */
#define INFLATE_MAX_LENS 320u /* code lengths kept at once: fixed 288 + 32, dynamic <= 286 + 30 */

/* What inflate_run stopped for. Errors are negative and final: every later call returns the same
 * error. DONE is final too: later calls use no input and make no output.
 *   NEED_INPUT  every input byte was used (*in_used == in_len); call again with more input.
 *   OUTPUT_FULL the output buffer is full (*out_len == out_cap); call again with room, passing
 *               the input that was not used.
 * A full output buffer can also come back with NEED_INPUT or DONE: drain it whenever
 * *out_len == out_cap, not only on OUTPUT_FULL. */
enum inflate_status {
    INFLATE_DONE = 0,              /* the stream ended and its Adler-32 matched */
    INFLATE_NEED_INPUT = 1,        /* see above */
    INFLATE_OUTPUT_FULL = 2,       /* see above */
    INFLATE_ERR_HEADER = -1,       /* zlib header: bad check, not deflate, window > 32 KiB,
                                      or a preset dictionary (not supported) */
    INFLATE_ERR_BLOCK_TYPE = -2,   /* block type 3 */
    INFLATE_ERR_STORED_LEN = -3,   /* stored block: LEN is not the complement of NLEN */
    INFLATE_ERR_CODE_LENGTHS = -4, /* dynamic block: impossible code lengths or counts */
    INFLATE_ERR_CODE = -5,         /* a Huffman code or symbol that is not allowed */
    INFLATE_ERR_DISTANCE = -6,     /* a distance before the start of the output */
    INFLATE_ERR_ADLER = -7,        /* the output's Adler-32 differs from the trailer */
};

/* A canonical Huffman code prepared for decoding. Private to inflate.c. */
struct inflate_huff {
    uint16_t fast[INFLATE_FAST_SIZE];     /* next FAST_BITS input bits -> symbol | length << 9;
                                             0 when the code is longer (or not a code) */
    uint16_t count[INFLATE_MAX_BITS + 1]; /* number of codes of each length */
    uint16_t symbol[INFLATE_MAX_SYMBOLS]; /* symbols in code order */
};

/* The decoder's whole state (about 36 KiB, most of it the history window). Place it in static
 * or caller-owned memory; the fields are private to inflate.c. */
struct inflate {
    uint32_t bits;  /* input bits not used yet, the next one in bit 0; unused high bits are 0 */
    uint32_t adler; /* Adler-32 of the output so far */
    uint32_t total; /* output so far, counted up to INFLATE_WINDOW_SIZE */
    uint16_t wpos;  /* where the next output byte goes in the window */
    uint16_t len;   /* bytes left in a stored block or a match */
    uint16_t dist;  /* distance of the match (while reading its extra bits: its code) */
    uint16_t have;  /* code lengths read so far */
    uint16_t nlen;  /* dynamic block: literal/length code lengths */
    uint16_t ndist; /* dynamic block: distance code lengths */
    uint16_t nclen; /* dynamic block: code-length code lengths */
    uint8_t nbits;  /* number of bits in `bits` (at most 32) */
    uint8_t mode;   /* where the decoder is in the stream */
    uint8_t final;  /* the current block is the last one */
    int8_t err;     /* the error once mode is "failed" */
    uint8_t lens[INFLATE_MAX_LENS];
    struct inflate_huff lit;   /* literal/length code (or the code-length code while reading it) */
    struct inflate_huff dcode; /* distance code */
    uint8_t window[INFLATE_WINDOW_SIZE]; /* the last 32 KiB of output, as a ring */
};

/* Prepares `s` for a new zlib stream. */
void inflate_init(struct inflate *s);

/* Decodes from `in` (in_len bytes, may be 0) into `out` (out_cap bytes, may be 0) until input
 * runs out, output is full, the stream ends or an error is found. Reports the input bytes used
 * in *in_used and the bytes written in *out_len (both always set). Input is used only as far as
 * the stream goes: bytes after the Adler-32 trailer are left unused, so on DONE
 * *in_used < in_len means trailing data, which the caller may treat as an error. */
enum inflate_status inflate_run(struct inflate *s, const uint8_t *in, size_t in_len,
                                size_t *in_used, uint8_t *out, size_t out_cap, size_t *out_len);

#endif
