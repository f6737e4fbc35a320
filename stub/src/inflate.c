/* SPDX-License-Identifier: MIT */
/* Streaming inflate for the stub, written from RFC 1950 and RFC 1951: a state machine that can
 * stop at any input or output byte, one table lookup for short codes, a canonical walk for long. */
#include "inflate.h"

#include <stdbool.h>

/* Where the decoder is in the stream (struct inflate's `mode`). */
enum inflate_mode {
    INFLATE_MODE_HEADER,      /* the two zlib header bytes */
    INFLATE_MODE_BLOCK,       /* the three bits that start a block */
    INFLATE_MODE_STORED_LEN,  /* LEN and NLEN of a stored block */
    INFLATE_MODE_STORED,      /* copying a stored block's bytes */
    INFLATE_MODE_TABLE_SIZES, /* HLIT, HDIST, HCLEN */
    INFLATE_MODE_TABLE_CLEN,  /* the code-length code's lengths */
    INFLATE_MODE_TABLE_LENS,  /* the literal/length and distance code lengths */
    INFLATE_MODE_CODES,       /* literals, lengths and the end of the block */
    INFLATE_MODE_DIST,        /* a match's distance code */
    INFLATE_MODE_DIST_EXTRA,  /* its extra bits */
    INFLATE_MODE_COPY,        /* copying a match out of the window */
    INFLATE_MODE_TRAILER,     /* the Adler-32 */
    INFLATE_MODE_DONE,
    INFLATE_MODE_FAILED,
};

#define INFLATE_WINDOW_MASK (INFLATE_WINDOW_SIZE - 1u)
#define INFLATE_FAST_MASK   (INFLATE_FAST_SIZE - 1u)
#define INFLATE_SYMBOL_BITS 9u /* fast entry: the symbol in the low bits, the code length above */
#define INFLATE_SYMBOL_MASK ((1u << INFLATE_SYMBOL_BITS) - 1u)
#define INFLATE_REFILL_MAX  24u /* a byte is added while at most this many bits are buffered */
#define INFLATE_WORD_BITS   32u

/* What inflate_decode returns besides a symbol. */
#define INFLATE_SYM_MORE (-1) /* the buffered bits end inside the code */
#define INFLATE_SYM_BAD  (-2) /* no code starts with these bits */

/* zlib header (RFC 1950 §2.2): CMF = CM | CINFO << 4, then FLG; CMF * 256 + FLG is a multiple
 * of 31. */
#define INFLATE_CM_DEFLATE 8u
#define INFLATE_CM_MASK    0x0Fu
#define INFLATE_CINFO_MAX  7u /* window 2^(CINFO + 8) <= 32 KiB */
#define INFLATE_FDICT      0x20u
#define INFLATE_HEADER_MOD 31u

/* Block header (RFC 1951 §3.2.3). */
#define INFLATE_BTYPE_STORED  0u
#define INFLATE_BTYPE_FIXED   1u
#define INFLATE_BTYPE_DYNAMIC 2u

/* Dynamic block header (RFC 1951 §3.2.7): HLIT (5 bits) + 257, HDIST (5) + 1, HCLEN (4) + 4. */
#define INFLATE_HLIT_BASE   257u
#define INFLATE_HDIST_BASE  1u
#define INFLATE_HCLEN_BASE  4u
#define INFLATE_FIELD5_MASK 0x1Fu
#define INFLATE_NLEN_MAX    286u /* more literal/length codes than this cannot be used */
#define INFLATE_NDIST_MAX   30u
#define INFLATE_CLEN_CODES  19u
#define INFLATE_CLEN_BITS   3u
#define INFLATE_CLEN_REPEAT 16u /* code-length symbols from here on are repeats */

#define INFLATE_END_OF_BLOCK 256u
#define INFLATE_LEN_CODES    29u /* length symbols 257..285 */
#define INFLATE_DIST_CODES   30u

/* Adler-32 (RFC 1950 §9): sums modulo 65521, reduced at least every 5552 bytes so that the
 * 32-bit sums cannot overflow. 65536 = 15 (mod 65521) lets the reduction fold instead of
 * divide (the lx106 has no divider). */
#define INFLATE_ADLER_MOD  65521u
#define INFLATE_ADLER_NMAX 5552u
#define INFLATE_ADLER_FOLD 15u

/* Length symbols 257..285: base length and extra bits (RFC 1951 §3.2.5). */
static const uint16_t INFLATE_LEN_BASE[INFLATE_LEN_CODES] = {
        3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
        31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t INFLATE_LEN_EXTRA[INFLATE_LEN_CODES] = {
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};

/* Distance symbols 0..29: base distance and extra bits. */
static const uint16_t INFLATE_DIST_BASE[INFLATE_DIST_CODES] = {
        1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
        193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t INFLATE_DIST_EXTRA[INFLATE_DIST_CODES] = {
        0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
        6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* The order in which a dynamic block lists the code-length code's lengths (RFC 1951 §3.2.7). */
static const uint8_t INFLATE_CLEN_ORDER[INFLATE_CLEN_CODES] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                               11, 4,  12, 3, 13, 2, 14, 1, 15};

/* Code-length symbols 16, 17, 18: extra bits and the smallest repeat count. */
static const uint8_t INFLATE_REPEAT_EXTRA[3] = {2, 3, 7};
static const uint8_t INFLATE_REPEAT_BASE[3] = {3, 3, 11};

/* The fixed code (RFC 1951 §3.2.6) as runs of equal lengths: literal/length symbols 0..287,
 * then the 32 distance symbols (30 and 31 complete the code but are never valid). */
struct inflate_fixed_run {
    uint16_t end; /* index in lens[] after the run */
    uint8_t len;
};
static const struct inflate_fixed_run INFLATE_FIXED_RUNS[] = {
        {144, 8}, {256, 9}, {280, 7}, {288, 8}, {320, 5}};
#define INFLATE_FIXED_NLEN  288u
#define INFLATE_FIXED_NDIST 32u

/* The caller's buffers during one inflate_run. */
struct inflate_io {
    const uint8_t *in;
    size_t in_len;
    size_t in_pos;
    uint8_t *out;
    size_t out_cap;
    size_t out_pos;
    size_t out_summed; /* output up to here is in the Adler-32 */
};

/* Buffers input bytes until more than INFLATE_REFILL_MAX bits are held or input runs out. Then
 * a literal/length code with its extra bits (15 + 5 bits) or a code-length code with its (7 + 7)
 * is whole unless input ran out; a distance code and its extra bits (15 + 13) are taken apart.
 * At the end of the last block at most three whole bytes are buffered, all of them trailer, so
 * input after the stream is never taken. */
static void inflate_fill(struct inflate *s, struct inflate_io *io)
{
    while (s->nbits <= INFLATE_REFILL_MAX && io->in_pos < io->in_len) {
        s->bits |= (uint32_t)io->in[io->in_pos++] << s->nbits;
        s->nbits = (uint8_t)(s->nbits + 8u);
    }
}

static void inflate_drop(struct inflate *s, unsigned n)
{
    s->bits >>= n;
    s->nbits = (uint8_t)(s->nbits - n);
}

/* Takes the next n (<= 24) bits, first bit lowest; false when input ran out first. */
static bool inflate_bits(struct inflate *s, struct inflate_io *io, unsigned n, uint32_t *v)
{
    bool ok = false;
    inflate_fill(s, io);
    if (s->nbits >= n) {
        *v = s->bits & ((1u << n) - 1u);
        inflate_drop(s, n);
        ok = true;
    }
    return ok;
}

/* Skips to a byte boundary and takes the next four bytes (first byte lowest). Once aligned at
 * most three whole bytes are buffered (a block header or a code was just taken from at most 32
 * bits), so a full buffer is exactly those four and none is left. */
static bool inflate_word(struct inflate *s, struct inflate_io *io, uint32_t *v)
{
    bool ok = false;
    inflate_drop(s, s->nbits & 7u);
    inflate_fill(s, io);
    if (s->nbits >= INFLATE_WORD_BITS) {
        *v = s->bits;
        s->bits = 0;
        s->nbits = 0;
        ok = true;
    }
    return ok;
}

static unsigned inflate_reverse(unsigned code, unsigned len)
{
    unsigned r = 0;
    for (unsigned i = 0; i < len; i++) {
        r = r << 1 | (code & 1u);
        code >>= 1;
    }
    return r;
}

/* Builds the decoding tables of the canonical code given by n code lengths (RFC 1951 §3.2.2).
 * Refuses over-subscribed codes. Like zlib, refuses incomplete ones too, except an empty code
 * and, when `lenient` (literal/length and distance codes), a single one-bit code. */
static bool inflate_build(struct inflate_huff *h, const uint8_t *lens, unsigned n, bool lenient)
{
    uint16_t next[INFLATE_MAX_BITS + 1];
    int left = 1; /* codes still free at the current length */
    unsigned codes = 0;
    for (unsigned l = 0; l <= INFLATE_MAX_BITS; l++) {
        h->count[l] = 0;
    }
    for (unsigned i = 0; i < n; i++) {
        h->count[lens[i]]++;
    }
    next[0] = 0;
    next[1] = 0;
    for (unsigned l = 1; l <= INFLATE_MAX_BITS && left >= 0; l++) {
        left = 2 * left - h->count[l];
        codes += h->count[l];
        if (l < INFLATE_MAX_BITS) {
            next[l + 1] = (uint16_t)(next[l] + h->count[l]);
        }
    }
    bool ok =
            left == 0 || (left > 0 && (codes == 0 || (lenient && codes == 1 && h->count[1] == 1)));
    if (ok) {
        for (unsigned i = 0; i < n; i++) {
            if (lens[i] != 0) {
                h->symbol[next[lens[i]]++] = (uint16_t)i;
            }
        }
        for (unsigned i = 0; i < INFLATE_FAST_SIZE; i++) {
            h->fast[i] = 0;
        }
        unsigned code = 0;
        unsigned k = 0;
        for (unsigned l = 1; l <= INFLATE_FAST_BITS; l++) {
            for (unsigned c = 0; c < h->count[l]; c++) {
                uint16_t entry = (uint16_t)(h->symbol[k++] | l << INFLATE_SYMBOL_BITS);
                for (unsigned i = inflate_reverse(code++, l); i < INFLATE_FAST_SIZE; i += 1u << l) {
                    h->fast[i] = entry;
                }
            }
            code <<= 1;
        }
    }
    return ok;
}

/* Decodes the symbol at the start of `bits` (nbits of them valid) without taking it: returns
 * the symbol and its code length in *used, or INFLATE_SYM_MORE / INFLATE_SYM_BAD. Codes longer
 * than the fast table are found by walking the canonical code one length at a time. */
static int inflate_decode(const struct inflate_huff *h, uint32_t bits, unsigned nbits,
                          unsigned *used)
{
    unsigned entry = h->fast[bits & INFLATE_FAST_MASK];
    unsigned len = entry >> INFLATE_SYMBOL_BITS;
    int sym = INFLATE_SYM_BAD;
    if (len != 0) {
        sym = len <= nbits ? (int)(entry & INFLATE_SYMBOL_MASK) : INFLATE_SYM_MORE;
        *used = len;
    } else {
        int code = 0;  /* the bits so far, first bit highest */
        int first = 0; /* the first code of this length */
        int index = 0; /* symbol[] index of that code */
        for (len = 1; len <= INFLATE_MAX_BITS && sym == INFLATE_SYM_BAD; len++) {
            if (len > nbits) {
                sym = INFLATE_SYM_MORE;
            } else {
                code |= (int)((bits >> (len - 1u)) & 1u);
                int count = h->count[len];
                if (code - first < count) {
                    sym = h->symbol[index + code - first];
                    *used = len;
                }
                index += count;
                first = (first + count) << 1;
                code <<= 1;
            }
        }
    }
    return sym;
}

/* x modulo 65521, folding the high half twice. */
static uint32_t inflate_adler_reduce(uint32_t x)
{
    x = (x >> 16) * INFLATE_ADLER_FOLD + (x & 0xFFFFu);
    x = (x >> 16) * INFLATE_ADLER_FOLD + (x & 0xFFFFu);
    return x >= INFLATE_ADLER_MOD ? x - INFLATE_ADLER_MOD : x;
}

/* Adds the output written since the last update to the Adler-32. */
static void inflate_adler_update(struct inflate *s, struct inflate_io *io)
{
    uint32_t a = s->adler & 0xFFFFu;
    uint32_t b = s->adler >> 16;
    size_t i = io->out_summed;
    while (i < io->out_pos) {
        size_t end = io->out_pos - i > INFLATE_ADLER_NMAX ? i + INFLATE_ADLER_NMAX : io->out_pos;
        for (; i < end; i++) {
            a += io->out[i];
            b += a;
        }
        a = inflate_adler_reduce(a);
        b = inflate_adler_reduce(b);
    }
    io->out_summed = i;
    s->adler = b << 16 | a;
}

/* v holds CMF in bits 0..7 and FLG in bits 8..15. 32 = 1 (mod 31), so the check folds 5-bit
 * digits instead of dividing. */
static bool inflate_header_ok(uint32_t v)
{
    uint32_t cmf = v & 0xFFu;
    uint32_t check = cmf << 8 | v >> 8;
    while (check > INFLATE_HEADER_MOD) {
        check = (check >> 5) + (check & INFLATE_FIELD5_MASK);
    }
    return (cmf & INFLATE_CM_MASK) == INFLATE_CM_DEFLATE && cmf >> 4 <= INFLATE_CINFO_MAX &&
           ((v >> 8) & INFLATE_FDICT) == 0 && (check == 0 || check == INFLATE_HEADER_MOD);
}

static void inflate_put(struct inflate *s, struct inflate_io *io, uint32_t byte)
{
    io->out[io->out_pos++] = (uint8_t)byte;
    s->window[s->wpos] = (uint8_t)byte;
    s->wpos = (uint16_t)((s->wpos + 1u) & INFLATE_WINDOW_MASK);
}

static void inflate_build_fixed(struct inflate *s)
{
    unsigned i = 0;
    for (size_t r = 0; r < sizeof INFLATE_FIXED_RUNS / sizeof INFLATE_FIXED_RUNS[0]; r++) {
        for (; i < INFLATE_FIXED_RUNS[r].end; i++) {
            s->lens[i] = INFLATE_FIXED_RUNS[r].len;
        }
    }
    (void)inflate_build(&s->lit, s->lens, INFLATE_FIXED_NLEN, true);
    (void)inflate_build(&s->dcode, s->lens + INFLATE_FIXED_NLEN, INFLATE_FIXED_NDIST, true);
}

static enum inflate_status inflate_fail(struct inflate *s, enum inflate_status err)
{
    s->mode = INFLATE_MODE_FAILED;
    s->err = (int8_t)err;
    return err;
}

/* Reads code lengths of a dynamic block until all nlen + ndist are known, then builds its
 * codes. Each code-length symbol is taken only together with its extra bits. */
static enum inflate_status inflate_table_lens(struct inflate *s, struct inflate_io *io)
{
    unsigned total = (unsigned)s->nlen + s->ndist;
    while (s->have < total) {
        unsigned used = 0;
        inflate_fill(s, io);
        int sym = inflate_decode(&s->lit, s->bits, s->nbits, &used);
        if (sym < 0) {
            return sym == INFLATE_SYM_MORE ? INFLATE_NEED_INPUT
                                           : inflate_fail(s, INFLATE_ERR_CODE_LENGTHS);
        }
        if ((unsigned)sym < INFLATE_CLEN_REPEAT) {
            inflate_drop(s, used);
            s->lens[s->have++] = (uint8_t)sym;
            continue;
        }
        unsigned r = (unsigned)sym - INFLATE_CLEN_REPEAT;
        unsigned extra = INFLATE_REPEAT_EXTRA[r];
        if (s->nbits < used + extra) {
            return INFLATE_NEED_INPUT;
        }
        inflate_drop(s, used);
        unsigned count = INFLATE_REPEAT_BASE[r] + (s->bits & ((1u << extra) - 1u));
        inflate_drop(s, extra);
        if ((r == 0 && s->have == 0) || s->have + count > total) {
            return inflate_fail(s, INFLATE_ERR_CODE_LENGTHS);
        }
        uint8_t value = r == 0 ? s->lens[s->have - 1u] : 0;
        while (count-- > 0) {
            s->lens[s->have++] = value;
        }
    }
    if (s->lens[INFLATE_END_OF_BLOCK] == 0 || !inflate_build(&s->lit, s->lens, s->nlen, true) ||
        !inflate_build(&s->dcode, s->lens + s->nlen, s->ndist, true)) {
        return inflate_fail(s, INFLATE_ERR_CODE_LENGTHS);
    }
    s->mode = INFLATE_MODE_CODES;
    return INFLATE_DONE; /* the block goes on */
}

/* Decodes literals straight to the output until a match, the end of the block or a stop. A
 * symbol is taken only once there is room for it and, for a length, with its extra bits. */
static enum inflate_status inflate_codes(struct inflate *s, struct inflate_io *io)
{
    for (;;) {
        unsigned used = 0;
        inflate_fill(s, io);
        int sym = inflate_decode(&s->lit, s->bits, s->nbits, &used);
        if (sym < 0) {
            return sym == INFLATE_SYM_MORE ? INFLATE_NEED_INPUT : inflate_fail(s, INFLATE_ERR_CODE);
        }
        if ((unsigned)sym < INFLATE_END_OF_BLOCK) {
            if (io->out_pos == io->out_cap) {
                return INFLATE_OUTPUT_FULL;
            }
            inflate_drop(s, used);
            inflate_put(s, io, (uint32_t)sym);
            continue;
        }
        if ((unsigned)sym == INFLATE_END_OF_BLOCK) {
            inflate_drop(s, used);
            s->mode = s->final ? INFLATE_MODE_TRAILER : INFLATE_MODE_BLOCK;
            break;
        }
        unsigned code = (unsigned)sym - INFLATE_END_OF_BLOCK - 1u;
        if (code >= INFLATE_LEN_CODES) {
            return inflate_fail(s, INFLATE_ERR_CODE);
        }
        unsigned extra = INFLATE_LEN_EXTRA[code];
        if (s->nbits < used + extra) {
            return INFLATE_NEED_INPUT;
        }
        inflate_drop(s, used);
        s->len = (uint16_t)(INFLATE_LEN_BASE[code] + (s->bits & ((1u << extra) - 1u)));
        inflate_drop(s, extra);
        s->mode = INFLATE_MODE_DIST;
        break;
    }
    return INFLATE_DONE; /* the block goes on */
}

/* Runs the state machine until it has to stop. Helpers return INFLATE_DONE for "go on"; only
 * INFLATE_MODE_DONE ends the stream. */
static enum inflate_status inflate_loop(struct inflate *s, struct inflate_io *io)
{
    enum inflate_status st = INFLATE_DONE;
    while (st == INFLATE_DONE && s->mode != INFLATE_MODE_DONE) {
        uint32_t v = 0;
        unsigned used = 0;
        int sym = 0;
        switch (s->mode) {
        case INFLATE_MODE_HEADER:
            if (!inflate_bits(s, io, 16, &v)) {
                st = INFLATE_NEED_INPUT;
            } else if (!inflate_header_ok(v)) {
                st = inflate_fail(s, INFLATE_ERR_HEADER);
            } else {
                s->mode = INFLATE_MODE_BLOCK;
            }
            break;
        case INFLATE_MODE_BLOCK:
            if (!inflate_bits(s, io, 3, &v)) {
                st = INFLATE_NEED_INPUT;
                break;
            }
            s->final = (uint8_t)(v & 1u);
            v >>= 1;
            if (v == INFLATE_BTYPE_STORED) {
                s->mode = INFLATE_MODE_STORED_LEN;
            } else if (v == INFLATE_BTYPE_FIXED) {
                inflate_build_fixed(s);
                s->mode = INFLATE_MODE_CODES;
            } else if (v == INFLATE_BTYPE_DYNAMIC) {
                s->mode = INFLATE_MODE_TABLE_SIZES;
            } else {
                st = inflate_fail(s, INFLATE_ERR_BLOCK_TYPE);
            }
            break;
        case INFLATE_MODE_STORED_LEN:
            if (!inflate_word(s, io, &v)) {
                st = INFLATE_NEED_INPUT;
            } else if ((v & 0xFFFFu) != (~v >> 16)) {
                st = inflate_fail(s, INFLATE_ERR_STORED_LEN);
            } else {
                s->len = (uint16_t)v;
                s->mode = INFLATE_MODE_STORED;
            }
            break;
        case INFLATE_MODE_STORED: /* inflate_word left no bits buffered: bytes come from `in` */
            while (s->len > 0 && st == INFLATE_DONE) {
                if (io->out_pos == io->out_cap) {
                    st = INFLATE_OUTPUT_FULL;
                } else if (io->in_pos < io->in_len) {
                    inflate_put(s, io, io->in[io->in_pos++]);
                    s->len--;
                } else {
                    st = INFLATE_NEED_INPUT;
                }
            }
            if (s->len == 0) {
                s->mode = s->final ? INFLATE_MODE_TRAILER : INFLATE_MODE_BLOCK;
            }
            break;
        case INFLATE_MODE_TABLE_SIZES:
            if (!inflate_bits(s, io, 14, &v)) {
                st = INFLATE_NEED_INPUT;
                break;
            }
            s->nlen = (uint16_t)(INFLATE_HLIT_BASE + (v & INFLATE_FIELD5_MASK));
            s->ndist = (uint16_t)(INFLATE_HDIST_BASE + ((v >> 5) & INFLATE_FIELD5_MASK));
            s->nclen = (uint16_t)(INFLATE_HCLEN_BASE + (v >> 10));
            if (s->nlen > INFLATE_NLEN_MAX || s->ndist > INFLATE_NDIST_MAX) {
                st = inflate_fail(s, INFLATE_ERR_CODE_LENGTHS);
                break;
            }
            for (unsigned i = 0; i < INFLATE_CLEN_CODES; i++) {
                s->lens[i] = 0;
            }
            s->have = 0;
            s->mode = INFLATE_MODE_TABLE_CLEN;
            break;
        case INFLATE_MODE_TABLE_CLEN:
            while (s->have < s->nclen && st == INFLATE_DONE) {
                if (inflate_bits(s, io, INFLATE_CLEN_BITS, &v)) {
                    s->lens[INFLATE_CLEN_ORDER[s->have++]] = (uint8_t)v;
                } else {
                    st = INFLATE_NEED_INPUT;
                }
            }
            if (st == INFLATE_DONE) {
                if (inflate_build(&s->lit, s->lens, INFLATE_CLEN_CODES, false)) {
                    s->have = 0;
                    s->mode = INFLATE_MODE_TABLE_LENS;
                } else {
                    st = inflate_fail(s, INFLATE_ERR_CODE_LENGTHS);
                }
            }
            break;
        case INFLATE_MODE_TABLE_LENS: st = inflate_table_lens(s, io); break;
        case INFLATE_MODE_CODES: st = inflate_codes(s, io); break;
        case INFLATE_MODE_DIST:
            inflate_fill(s, io);
            sym = inflate_decode(&s->dcode, s->bits, s->nbits, &used);
            if (sym == INFLATE_SYM_MORE) {
                st = INFLATE_NEED_INPUT;
            } else if (sym < 0 || (unsigned)sym >= INFLATE_DIST_CODES) {
                st = inflate_fail(s, INFLATE_ERR_CODE);
            } else {
                inflate_drop(s, used);
                s->dist = (uint16_t)sym;
                s->mode = INFLATE_MODE_DIST_EXTRA;
            }
            break;
        case INFLATE_MODE_DIST_EXTRA:
            if (!inflate_bits(s, io, INFLATE_DIST_EXTRA[s->dist], &v)) {
                st = INFLATE_NEED_INPUT;
                break;
            }
            v += INFLATE_DIST_BASE[s->dist];
            if (v > s->total + io->out_pos) {
                st = inflate_fail(s, INFLATE_ERR_DISTANCE);
            } else {
                s->dist = (uint16_t)v;
                s->mode = INFLATE_MODE_COPY;
            }
            break;
        case INFLATE_MODE_COPY:
            while (s->len > 0 && io->out_pos < io->out_cap) {
                inflate_put(s, io, s->window[(s->wpos - s->dist) & INFLATE_WINDOW_MASK]);
                s->len--;
            }
            if (s->len == 0) {
                s->mode = INFLATE_MODE_CODES;
            } else {
                st = INFLATE_OUTPUT_FULL;
            }
            break;
        case INFLATE_MODE_TRAILER:
            if (!inflate_word(s, io, &v)) {
                st = INFLATE_NEED_INPUT;
                break;
            }
            inflate_adler_update(s, io);
            /* stored most significant byte first */
            v = v >> 24 | (v >> 8 & 0xFF00u) | (v << 8 & 0xFF0000u) | v << 24;
            if (v != s->adler) {
                st = inflate_fail(s, INFLATE_ERR_ADLER);
            } else {
                s->mode = INFLATE_MODE_DONE;
            }
            break;
        default: /* INFLATE_MODE_FAILED */ st = (enum inflate_status)s->err; break;
        }
    }
    return st;
}

void inflate_init(struct inflate *s)
{
    s->bits = 0;
    s->adler = 1;
    s->total = 0;
    s->wpos = 0;
    s->len = 0;
    s->dist = 0;
    s->have = 0;
    s->nlen = 0;
    s->ndist = 0;
    s->nclen = 0;
    s->nbits = 0;
    s->mode = INFLATE_MODE_HEADER;
    s->final = 0;
    s->err = 0;
}

enum inflate_status inflate_run(struct inflate *s, const uint8_t *in, size_t in_len,
                                size_t *in_used, uint8_t *out, size_t out_cap, size_t *out_len)
{
    struct inflate_io io = {in, in_len, 0, out, out_cap, 0, 0};
    enum inflate_status st = inflate_loop(s, &io);
    inflate_adler_update(s, &io);
    size_t total = s->total + io.out_pos;
    s->total = total < INFLATE_WINDOW_SIZE ? (uint32_t)total : INFLATE_WINDOW_SIZE;
    *in_used = io.in_pos;
    *out_len = io.out_pos;
    return st;
}
