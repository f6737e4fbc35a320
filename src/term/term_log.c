/* SPDX-License-Identifier: MIT */
/* The session log: board bytes as finished lines of UTF-8 text, with escape sequences (ESC x,
 * CSI, OSC, DCS) and CR dropped, BS taking back a character and long lines cut. */
#include "term.h"
#include "term_utf8.h"

#include <stdlib.h>
#include <string.h>

#define TERM_LOG_STRING_MAX 4096u /* OSC/DCS bytes swallowed before giving up on the end */
#define TERM_LOG_UTF8_CONT  0xC0u /* continuation bytes are 10xxxxxx */
#define TERM_LOG_UTF8_MARK  0x80u

enum term_log_byte {
    TERM_LOG_BEL = 0x07,
    TERM_LOG_BS = 0x08,
    TERM_LOG_HT = 0x09,
    TERM_LOG_LF = 0x0A,
    TERM_LOG_CAN = 0x18,
    TERM_LOG_SUB = 0x1A,
    TERM_LOG_ESC = 0x1B,
    TERM_LOG_SPACE = 0x20,
    TERM_LOG_INTER_LAST = 0x2F,
    TERM_LOG_FINAL_FIRST = 0x40,
    TERM_LOG_FINAL_LAST = 0x7E,
    TERM_LOG_DEL = 0x7F,
    TERM_LOG_C1_LAST = 0x9F,
};

enum term_log_state {
    TERM_LOG_GROUND,
    TERM_LOG_ST_ESC,
    TERM_LOG_ST_INTER,
    TERM_LOG_ST_CSI,
    TERM_LOG_ST_STRING,
    TERM_LOG_ST_STRING_ESC,
};

struct term_log {
    void (*line)(void *ctx, const char *text, size_t len);
    void *ctx;
    enum term_log_state state;
    bool string_osc;
    size_t string_len;
    struct term_utf8 utf8;
    size_t len;
    char buf[TERM_LOG_LINE_MAX];
};

struct term_log *term_log_new(void (*line)(void *ctx, const char *text, size_t len), void *ctx)
{
    struct term_log *l = calloc(1, sizeof *l);
    if (l != NULL) {
        l->line = line;
        l->ctx = ctx;
    }
    return l;
}

void term_log_free(struct term_log *l)
{
    free(l);
}

static void term_log_emit(struct term_log *l)
{
    if (l->line != NULL) {
        l->line(l->ctx, l->buf, l->len);
    }
    l->len = 0;
}

void term_log_flush(struct term_log *l)
{
    if (l->len > 0) {
        term_log_emit(l);
    }
}

static void term_log_add(struct term_log *l, uint32_t cp)
{
    char utf8[4];
    size_t n = term_utf8_encode(cp, utf8);
    if (l->len + n > TERM_LOG_LINE_MAX) {
        term_log_emit(l); /* cut: the rest starts the next line */
    }
    memcpy(l->buf + l->len, utf8, n);
    l->len += n;
}

/* BS: the last character of the line goes, all its bytes. */
static void term_log_backspace(struct term_log *l)
{
    while (l->len > 0 &&
           ((unsigned char)l->buf[l->len - 1] & TERM_LOG_UTF8_CONT) == TERM_LOG_UTF8_MARK) {
        l->len--;
    }
    if (l->len > 0) {
        l->len--;
    }
}

static void term_log_control(struct term_log *l, uint8_t b)
{
    switch (b) {
    case TERM_LOG_LF: term_log_emit(l); break;
    case TERM_LOG_BS: term_log_backspace(l); break;
    case TERM_LOG_HT: term_log_add(l, b); break;
    case TERM_LOG_CAN:
    case TERM_LOG_SUB: l->state = TERM_LOG_GROUND; break;
    case TERM_LOG_ESC: l->state = TERM_LOG_ST_ESC; break;
    default: break; /* CR, BEL and the rest: dropped */
    }
}

static void term_log_ground(struct term_log *l, uint8_t b)
{
    uint32_t cp = 0;
    enum term_utf8_result r = term_utf8_step(&l->utf8, b, &cp);
    if (r == TERM_UTF8_AGAIN) {
        term_log_add(l, cp);
        r = term_utf8_step(&l->utf8, b, &cp);
    }
    if (r != TERM_UTF8_CHAR) {
        return;
    }
    if (cp < TERM_LOG_SPACE) {
        term_log_control(l, (uint8_t)cp);
    } else if (cp < TERM_LOG_DEL || cp > TERM_LOG_C1_LAST) {
        term_log_add(l, cp);
    }
}

static void term_log_esc(struct term_log *l, uint8_t b)
{
    l->state = TERM_LOG_GROUND;
    if (b < TERM_LOG_SPACE) {
        l->state = TERM_LOG_ST_ESC;
        term_log_control(l, b);
    } else if (b == '[') {
        l->state = TERM_LOG_ST_CSI;
    } else if (b == ']' || b == 'P' || b == 'X' || b == '^' || b == '_') {
        l->state = TERM_LOG_ST_STRING;
        l->string_osc = b == ']';
        l->string_len = 0;
    } else if (b <= TERM_LOG_INTER_LAST) {
        l->state = TERM_LOG_ST_INTER;
    } else if (b == TERM_LOG_DEL) {
        l->state = TERM_LOG_ST_ESC;
    }
}

static void term_log_byte(struct term_log *l, uint8_t b)
{
    bool control = b < TERM_LOG_SPACE;
    switch (l->state) {
    case TERM_LOG_GROUND: term_log_ground(l, b); break;
    case TERM_LOG_ST_ESC: term_log_esc(l, b); break;
    case TERM_LOG_ST_INTER:
    case TERM_LOG_ST_CSI:
        if (control) {
            term_log_control(l, b);
        } else if (l->state == TERM_LOG_ST_INTER ? b > TERM_LOG_INTER_LAST
                                                 : b >= TERM_LOG_FINAL_FIRST) {
            l->state = TERM_LOG_GROUND; /* the final byte (or junk): sequence over */
        }
        break;
    case TERM_LOG_ST_STRING:
        if ((b == TERM_LOG_BEL && l->string_osc) || b == TERM_LOG_CAN || b == TERM_LOG_SUB) {
            l->state = TERM_LOG_GROUND;
        } else if (b == TERM_LOG_ESC) {
            l->state = TERM_LOG_ST_STRING_ESC;
        } else if (++l->string_len > TERM_LOG_STRING_MAX) {
            l->state = TERM_LOG_GROUND;
        }
        break;
    case TERM_LOG_ST_STRING_ESC:
        if (b == '\\') {
            l->state = TERM_LOG_GROUND;
        } else {
            term_log_esc(l, b);
        }
        break;
    }
}

void term_log_write(struct term_log *l, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++) {
        term_log_byte(l, p[i]);
    }
}
