/* SPDX-License-Identifier: MIT */
/* UTF-8 both ways: the decoder's tables (the well-formed lead bytes of Unicode's table 3-7; the
 * state machine itself is inline in term_utf8.h) and term_utf8_encode. */
#include "term_utf8.h"

#include "term.h"

#define TERM_UTF8_MAX     0x10FFFFu
#define TERM_SURROGATE_LO 0xD800u
#define TERM_SURROGATE_HI 0xDFFFu

/* Well-formed lead bytes by kind: how many continuation bytes follow, the range of the first one
 * (which rules out overlong forms, surrogates and code points above U+10FFFF) and the lead's
 * bits. Kind 0 is not a lead. */
const struct term_utf8_lead TERM_UTF8_LEADS[TERM_UTF8_KINDS] = {
        {0, 0, 0, 0},          /* 0: C0, C1, F5-FF: never in UTF-8 */
        {1, 0x80, 0xBF, 0x1F}, /* 1: C2-DF */
        {2, 0xA0, 0xBF, 0x0F}, /* 2: E0 */
        {2, 0x80, 0xBF, 0x0F}, /* 3: E1-EC, EE-EF */
        {2, 0x80, 0x9F, 0x0F}, /* 4: ED (no surrogates) */
        {3, 0x90, 0xBF, 0x07}, /* 5: F0 */
        {3, 0x80, 0xBF, 0x07}, /* 6: F1-F3 */
        {3, 0x80, 0x8F, 0x07}, /* 7: F4 (up to U+10FFFF) */
};

/* The kind of each byte 0xC0-0xFF (Unicode's table 3-7). */
const uint8_t TERM_UTF8_LEAD_KIND[TERM_UTF8_LEADS_SPAN] = {
        0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* C0-CF */
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* D0-DF */
        2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 3, 3, /* E0-EF */
        5, 6, 6, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* F0-FF */
};

/* Encoded length limits: the largest code point of 1, 2 and 3 bytes, and the lead-byte marks. */
static const struct term_utf8_form {
    uint32_t max;
    uint8_t mark;
} TERM_UTF8_FORMS[] = {{0x7Fu, 0x00}, {0x7FFu, 0xC0}, {0xFFFFu, 0xE0}, {TERM_UTF8_MAX, 0xF0}};

size_t term_utf8_encode(uint32_t cp, char out[4])
{
    if (cp > TERM_UTF8_MAX || (cp >= TERM_SURROGATE_LO && cp <= TERM_SURROGATE_HI)) {
        cp = TERM_REPLACEMENT;
    }
    size_t n = 1;
    while (cp > TERM_UTF8_FORMS[n - 1].max) {
        n++;
    }
    for (size_t i = n - 1; i > 0; i--) {
        out[i] = (char)(TERM_UTF8_CONT_LO | (cp & TERM_UTF8_CONT_MASK));
        cp >>= TERM_UTF8_CONT_BITS;
    }
    out[0] = (char)(TERM_UTF8_FORMS[n - 1].mark | cp);
    return n;
}
