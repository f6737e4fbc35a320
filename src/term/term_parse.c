/* SPDX-License-Identifier: MIT */
/* Bytes from the board to grid operations: the parser's state machine for UTF-8, C0 controls,
 * ESC and CSI (run by term_csi.c); OSC and DCS swallowed. Runs of printable ASCII go straight to
 * the grid (the hot path). */
#include "term_int.h"

#include <string.h>

/* ---- The state machine ---- */

void term_parser_reset(struct term *t)
{
    t->state = TERM_ST_GROUND;
    memset(&t->utf8, 0, sizeof t->utf8);
}

static void term_control(struct term *t, uint8_t b)
{
    switch (b) {
    case TERM_BEL: t->dmg_bell = true; break;
    case TERM_BS:
        t->wrap_pending = false;
        if (t->cx > 0) {
            t->cx--;
        }
        break;
    case TERM_HT: term_tab(t, 1); break;
    case TERM_LF:
    case TERM_VT:
    case TERM_FF: term_index(t); break;
    case TERM_CR:
        t->cx = 0;
        t->wrap_pending = false;
        break;
    case TERM_CAN:
    case TERM_SUB: t->state = TERM_ST_GROUND; break;
    case TERM_ESC:
        t->state = TERM_ST_ESC;
        t->inter = 0;
        break;
    default: break; /* other C0 controls: ignored */
    }
}

static bool term_shown(uint32_t cp)
{
    return cp >= TERM_SPACE && cp != TERM_DEL && (cp < TERM_C1_FIRST || cp > TERM_C1_LAST);
}

static void term_ground(struct term *t, uint8_t b)
{
    if (t->utf8.need == 0 && b < TERM_SPACE) {
        term_control(t, b); /* CR, LF, ESC: the common way here */
        return;
    }
    uint32_t cp = 0;
    enum term_utf8_result r = term_utf8_step(&t->utf8, b, &cp);
    if (r == TERM_UTF8_AGAIN) {
        term_put_chars(t, &cp, 1);
        r = term_utf8_step(&t->utf8, b, &cp); /* fresh now: cannot be AGAIN */
    }
    if (r != TERM_UTF8_CHAR) {
        return;
    }
    if (cp < TERM_SPACE) {
        term_control(t, (uint8_t)cp);
    } else if (term_shown(cp)) {
        term_put_chars(t, &cp, 1);
    }
}

/* Text with characters beyond ASCII: decoded in batches, printed together; stops before a
 * control byte (or after a batch). Returns where it stopped. */
static const uint8_t *term_ground_run(struct term *t, const uint8_t *p, const uint8_t *end)
{
    uint32_t cps[TERM_RUN_MAX];
    size_t n = 0;
    while (p < end && n < TERM_RUN_MAX) {
        uint8_t b = *p;
        if (t->utf8.need == 0 && b < TERM_UTF8_NON_ASCII) {
            if (b < TERM_ASCII_FIRST || b > TERM_ASCII_LAST) {
                break; /* a control: for term_byte */
            }
            cps[n++] = b;
            p++;
            continue;
        }
        uint32_t cp = 0;
        enum term_utf8_result r = term_utf8_step(&t->utf8, b, &cp);
        if (r != TERM_UTF8_AGAIN) {
            p++; /* AGAIN: the byte is looked at once more, fresh */
        }
        if (r != TERM_UTF8_MORE && term_shown(cp)) {
            cps[n++] = cp;
        }
    }
    term_put_chars(t, cps, n);
    return p;
}

static void term_string_start(struct term *t, bool osc)
{
    t->state = TERM_ST_STRING;
    t->string_osc = osc;
    t->string_len = 0;
}

static void term_esc(struct term *t, uint8_t b)
{
    if (b < TERM_SPACE) {
        term_control(t, b);
        return;
    }
    if (b == TERM_DEL) {
        return;
    }
    t->state = TERM_ST_GROUND;
    switch (b) {
    case '[':
        memset(t->params, 0, sizeof t->params);
        t->param_index = 0;
        t->marker = 0;
        t->inter = 0;
        t->csi_params = false;
        t->state = TERM_ST_CSI;
        break;
    case ']': term_string_start(t, true); break;
    case 'P': /* DCS */
    case 'X': /* SOS */
    case '^': /* PM */
    case '_': /* APC */ term_string_start(t, false); break;
    case '7': term_save_cursor(t); break;
    case '8': term_restore_cursor(t); break;
    case 'D': term_index(t); break;
    case 'E':
        t->cx = 0;
        term_index(t);
        break;
    case 'M': term_reverse_index(t); break;
    case 'c': term_reset(t); break;
    default:
        if (b <= TERM_INTER_LAST) {
            t->state = TERM_ST_ESC_INTER;
        } else if (b >= TERM_C1_FIRST) {
            term_ground(t, b);
        }
        break; /* other finals: ignored */
    }
}

static void term_csi_byte(struct term *t, uint8_t b)
{
    if (b < TERM_SPACE) {
        term_control(t, b);
    } else if (b >= '0' && b <= '9' && t->inter == 0) {
        t->csi_params = true;
        if (t->param_index < TERM_CSI_PARAMS_MAX) {
            int *p = &t->params[t->param_index];
            int d = b - '0';
            *p = *p > (TERM_CSI_VALUE_MAX - d) / 10 ? TERM_CSI_VALUE_MAX : *p * 10 + d;
        }
    } else if ((b == ';' || b == ':') && t->inter == 0) {
        t->csi_params = true;
        if (t->param_index < TERM_CSI_PARAMS_MAX) {
            t->param_index++;
        }
    } else if (b >= '<' && b <= '?' && t->marker == 0 && !t->csi_params && t->inter == 0) {
        t->marker = (char)b;
    } else if (b >= TERM_SPACE && b <= TERM_INTER_LAST) {
        t->inter = (char)b;
    } else if (b >= TERM_FINAL_FIRST && b <= TERM_FINAL_LAST) {
        t->state = TERM_ST_GROUND;
        term_csi_dispatch(t, b);
    } else if (b != TERM_DEL) {
        t->state = TERM_ST_CSI_IGNORE; /* a misplaced marker, digit or a byte above 0x7F */
    }
}

static void term_string_byte(struct term *t, uint8_t b)
{
    if ((b == TERM_BEL && t->string_osc) || b == TERM_CAN || b == TERM_SUB) {
        t->state = TERM_ST_GROUND;
    } else if (b == TERM_ESC) {
        t->state = TERM_ST_STRING_ESC;
    } else if (++t->string_len > TERM_STRING_MAX) {
        t->state = TERM_ST_GROUND; /* the end got lost: show what follows */
    }
}

static void term_byte(struct term *t, uint8_t b)
{
    switch (t->state) {
    case TERM_ST_GROUND: term_ground(t, b); break;
    case TERM_ST_ESC: term_esc(t, b); break;
    case TERM_ST_ESC_INTER:
        if (b < TERM_SPACE) {
            term_control(t, b);
        } else if (b > TERM_INTER_LAST && b != TERM_DEL) {
            t->state = TERM_ST_GROUND; /* the final byte: designation ignored */
        }
        break;
    case TERM_ST_CSI: term_csi_byte(t, b); break;
    case TERM_ST_CSI_IGNORE:
        if (b < TERM_SPACE) {
            term_control(t, b);
        } else if (b >= TERM_FINAL_FIRST && b <= TERM_FINAL_LAST) {
            t->state = TERM_ST_GROUND;
        }
        break;
    case TERM_ST_STRING: term_string_byte(t, b); break;
    case TERM_ST_STRING_ESC:
        if (b == '\\') {
            t->state = TERM_ST_GROUND;
        } else {
            t->state = TERM_ST_ESC; /* ESC ended the string and starts a sequence */
            term_esc(t, b);
        }
        break;
    }
}

void term_write(struct term *t, const void *data, size_t len)
{
    if (len == 0) {
        return;
    }
    const uint8_t *p = data;
    const uint8_t *end = p + len;
    while (p < end) {
        if (t->state == TERM_ST_GROUND) {
            const uint8_t *from = p;
            if (t->utf8.need == 0) {
                p = term_put_ascii(t, p, end); /* the hot path */
            }
            if (p < end && (t->utf8.need > 0 || *p >= TERM_UTF8_NON_ASCII)) {
                p = term_ground_run(t, p, end);
            }
            if (p != from) {
                continue;
            }
        }
        term_byte(t, *p++);
    }
}
