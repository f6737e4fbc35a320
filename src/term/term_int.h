/* SPDX-License-Identifier: MIT */
/* Inside the terminal model: the state shared by term.c (life cycle, ring of lines, damage),
 * term_screen.c (grid operations), term_parse.c (bytes to operations) and term_select.c. */
#ifndef MF_TERM_INT_H
#define MF_TERM_INT_H

#include "term.h"
#include "term_utf8.h"

#define TERM_CSI_PARAMS_MAX 16    /* parameters kept per CSI sequence; more are ignored */
#define TERM_CSI_VALUE_MAX  65535 /* a parameter's value saturates here */
#define TERM_STRING_MAX     4096u /* OSC/DCS bytes swallowed before giving up on the end */
#define TERM_TAB_WIDTH      8
#define TERM_GROW_MIN       64u  /* lines added at least when the ring grows */
#define TERM_RUN_MAX        64   /* decoded characters printed at once */
#define TERM_ASCII_FIRST    0x20 /* printable ASCII */
#define TERM_ASCII_LAST     0x7E

/* The C0 controls and other bytes the parser acts on. */
enum term_byte {
    TERM_BEL = 0x07,
    TERM_BS = 0x08,
    TERM_HT = 0x09,
    TERM_LF = 0x0A,
    TERM_VT = 0x0B,
    TERM_FF = 0x0C,
    TERM_CR = 0x0D,
    TERM_CAN = 0x18,
    TERM_SUB = 0x1A,
    TERM_ESC = 0x1B,
    TERM_SPACE = 0x20,
    TERM_INTER_LAST = 0x2F, /* intermediates are 0x20-0x2F */
    TERM_FINAL_FIRST = 0x40,
    TERM_FINAL_LAST = 0x7E, /* CSI finals are 0x40-0x7E */
    TERM_DEL = 0x7F,
    TERM_C1_FIRST = 0x80,
    TERM_C1_LAST = 0x9F, /* C1 controls as code points: not shown */
};

/* Parser states (a subset of the DEC/ECMA-48 state machine). */
enum term_state {
    TERM_ST_GROUND,
    TERM_ST_ESC,
    TERM_ST_ESC_INTER,  /* ESC then an intermediate (charset designation, DECALN): one more */
    TERM_ST_CSI,        /* collecting parameters */
    TERM_ST_CSI_IGNORE, /* a malformed CSI: skipped to its final byte */
    TERM_ST_STRING,     /* OSC, DCS, SOS, PM or APC body: swallowed */
    TERM_ST_STRING_ESC, /* ESC inside such a string: ST when '\' follows */
};

/* Modes the board can set (DECSET/DECRST). */
enum term_mode {
    TERM_MODE_APP_CURSOR = 1u << 0, /* ?1: arrows send ESC O x */
    TERM_MODE_AUTOWRAP = 1u << 1,   /* ?7 */
    TERM_MODE_CURSOR = 1u << 2,     /* ?25: cursor shown */
};
#define TERM_MODES_DEFAULT (TERM_MODE_AUTOWRAP | TERM_MODE_CURSOR)

/* What ESC 7 / CSI s keep for ESC 8 / CSI u. */
struct term_saved {
    int row;
    int col;
    bool wrap_pending;
    struct term_cell pen;
};

struct term {
    int cols;
    int rows;
    size_t scrollback; /* configured lines above the screen */

    /* The ring of lines: `count` lines from slot `head`, line i at cells + slot * cols. While
     * the ring is still growing (alloc < cap) head is 0, so growing is a realloc. */
    struct term_cell *cells;
    uint8_t *wrapped; /* per slot: the line continues on the next one */
    size_t alloc;     /* slots allocated */
    size_t cap;       /* slots allowed: scrollback + rows (less after a failed grow) */
    size_t head;
    size_t count; /* rows <= count <= alloc */
    int64_t oldest;

    /* Cursor, pen and modes. */
    int cx;
    int cy;
    bool wrap_pending; /* xterm's "last column flag": the next printable wraps first */
    unsigned modes;
    int margin_top; /* scroll region, inclusive rows */
    int margin_bottom;
    struct term_cell pen; /* ch unused */
    struct term_saved saved;

    /* Parser. */
    enum term_state state;
    struct term_utf8 utf8;
    int params[TERM_CSI_PARAMS_MAX];
    unsigned param_index; /* the parameter being collected; TERM_CSI_PARAMS_MAX: discarding */
    char marker;          /* private marker ('?', '>', '<', '=') or 0 */
    char inter;           /* intermediate byte (0x20-0x2F) or 0 */
    bool csi_params;      /* a digit or separator came: a private marker is too late */
    bool string_osc;      /* the swallowed string is an OSC (BEL ends it too) */
    size_t string_len;

    /* Damage since the last term_take_damage(). */
    int dmg_first; /* INT_MAX when none */
    int dmg_last;  /* -1 when none */
    unsigned dmg_scrolled;
    bool dmg_bell;
    bool dmg_selection;
    int shown_row; /* the cursor as last reported */
    int shown_col;
    bool shown_visible;

    /* Selection, normalised. */
    bool sel;
    struct term_pos sel_start;
    struct term_pos sel_end;

    void (*reply)(void *ctx, const char *bytes, size_t len);
    void *ctx;
};

/* Slot of the line `idx` lines after the oldest one. */
static inline size_t term_slot(const struct term *t, size_t idx)
{
    size_t s = t->head + idx;
    return s >= t->alloc ? s - t->alloc : s;
}

/* Slot of screen row r (0..rows-1). */
static inline size_t term_row_slot(const struct term *t, int r)
{
    return term_slot(t, t->count - (size_t)t->rows + (size_t)r);
}

static inline struct term_cell *term_row(struct term *t, int r)
{
    return t->cells + term_row_slot(t, r) * (size_t)t->cols;
}

static inline int64_t term_top_line(const struct term *t)
{
    return t->oldest + (int64_t)(t->count - (size_t)t->rows);
}

/* term.c */
void term_sel_drop(struct term *t); /* clears the selection and notes it in the damage */
void term_drop_scrollback(struct term *t);

/* term_screen.c */
struct term_cell term_blank(const struct term *t); /* what erased cells become */
void term_fill(struct term_cell *cells, int n, struct term_cell c);
void term_dirty(struct term *t, int first, int last);
/* Prints the printable ASCII (0x20-0x7E) at p; returns where it stopped (end or another byte). */
const uint8_t *term_put_ascii(struct term *t, const uint8_t *p, const uint8_t *end);
void term_put_chars(struct term *t, const uint32_t *cps, size_t n);
void term_index(struct term *t);
void term_reverse_index(struct term *t);
void term_scroll_up(struct term *t, int n);
void term_scroll_down(struct term *t, int n);
void term_move(struct term *t, int row, int col);
void term_erase_display(struct term *t, int mode);
void term_erase_line(struct term *t, int mode);
void term_erase_chars(struct term *t, int n);
void term_insert_chars(struct term *t, int n);
void term_delete_chars(struct term *t, int n);
void term_insert_lines(struct term *t, int n);
void term_delete_lines(struct term *t, int n);
void term_tab(struct term *t, int n); /* n > 0 forward, n < 0 back */
void term_save_cursor(struct term *t);
void term_restore_cursor(struct term *t);
void term_reset(struct term *t); /* RIS: everything but the scrollback */

/* term_parse.c */
void term_parser_reset(struct term *t);

/* term_csi.c: runs the CSI sequence collected in t->params etc. */
void term_csi_dispatch(struct term *t, uint8_t final);

#endif
