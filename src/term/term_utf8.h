/* SPDX-License-Identifier: MIT */
/* UTF-8 decoding as a byte-at-a-time state machine, shared by the terminal parser and the session
 * log: invalid, overlong, surrogate and truncated sequences give one U+FFFD per maximal subpart. */
#ifndef MF_TERM_UTF8_H
#define MF_TERM_UTF8_H

#include <stdint.h>

#include "term.h"

#define TERM_UTF8_NON_ASCII 0x80u /* code points from here take more than one byte */

struct term_utf8 {
    uint32_t cp;  /* bits collected so far */
    uint8_t need; /* continuation bytes still expected; 0 = between characters */
    uint8_t lo;   /* the range the next continuation byte must be in */
    uint8_t hi;
};

enum term_utf8_result {
    TERM_UTF8_MORE,  /* the byte was taken; the character is not complete */
    TERM_UTF8_CHAR,  /* *cp is a character (TERM_REPLACEMENT for a bad lone byte) */
    TERM_UTF8_AGAIN, /* a sequence broke off: *cp is TERM_REPLACEMENT, and the byte was not
                      * taken: feed it again */
};

#define TERM_UTF8_CONT_LO    0x80u
#define TERM_UTF8_CONT_HI    0xBFu
#define TERM_UTF8_CONT_BITS  6u
#define TERM_UTF8_CONT_MASK  0x3Fu
#define TERM_UTF8_LEAD_FIRST 0xC0u /* TERM_UTF8_LEAD_KIND covers 0xC0-0xFF */
#define TERM_UTF8_LEADS_SPAN 64u
#define TERM_UTF8_KINDS      8u

/* Lead bytes by kind (term_utf8.c): continuation bytes to follow, the range of the first one,
 * the lead's own bits. Constant tables. */
struct term_utf8_lead {
    uint8_t need;
    uint8_t lo;
    uint8_t hi;
    uint8_t mask;
};
extern const struct term_utf8_lead TERM_UTF8_LEADS[TERM_UTF8_KINDS];
extern const uint8_t TERM_UTF8_LEAD_KIND[TERM_UTF8_LEADS_SPAN];

/* Feeds one byte. Between characters, ASCII gives TERM_UTF8_CHAR at once. Inline: the parser
 * calls it for every byte beyond ASCII. */
static inline enum term_utf8_result term_utf8_step(struct term_utf8 *u, uint8_t b, uint32_t *cp)
{
    enum term_utf8_result res = TERM_UTF8_CHAR;
    if (u->need > 0) {
        if (b < u->lo || b > u->hi) {
            u->need = 0;
            *cp = TERM_REPLACEMENT;
            res = TERM_UTF8_AGAIN;
        } else {
            u->cp = (u->cp << TERM_UTF8_CONT_BITS) | (b & TERM_UTF8_CONT_MASK);
            u->lo = TERM_UTF8_CONT_LO;
            u->hi = TERM_UTF8_CONT_HI;
            u->need--;
            *cp = u->cp;
            res = u->need > 0 ? TERM_UTF8_MORE : TERM_UTF8_CHAR;
        }
    } else if (b < TERM_UTF8_CONT_LO) {
        *cp = b;
    } else {
        *cp = TERM_REPLACEMENT;
        if (b >= TERM_UTF8_LEAD_FIRST) {
            const struct term_utf8_lead *l =
                    &TERM_UTF8_LEADS[TERM_UTF8_LEAD_KIND[b - TERM_UTF8_LEAD_FIRST]];
            u->need = l->need;
            u->lo = l->lo;
            u->hi = l->hi;
            u->cp = b & l->mask;
            res = l->need > 0 ? TERM_UTF8_MORE : TERM_UTF8_CHAR;
        }
    }
    return res;
}

#endif
