/* SPDX-License-Identifier: MIT */
/* CSI sequences: a table of handlers by final byte (cursor moves, erase, insert/delete, scroll
 * region, status replies, save/restore), SGR colours and attributes, and DEC private modes. */
#include "term_int.h"

#include <stdio.h>

/* The parameters of one CSI sequence. */
struct term_csi {
    const int *p;
    int n;
};

/* Parameter i, or def when it is missing or 0 (the xterm reading of "0" for counts). */
static int term_arg(const struct term_csi *c, int i, int def)
{
    return i < c->n && c->p[i] > 0 ? c->p[i] : def;
}

static int term_count(const struct term *t, const struct term_csi *c)
{
    int n = term_arg(c, 0, 1);
    return n > t->cols + t->rows ? t->cols + t->rows : n; /* more changes nothing */
}

static void term_reply(struct term *t, const char *bytes, size_t len)
{
    if (t->reply != NULL) {
        t->reply(t->ctx, bytes, len);
    }
}

/* ---- Colours (SGR) ---- */

#define TERM_CUBE_FIRST  16 /* 256-colour palette: 6x6x6 cube from here */
#define TERM_CUBE_SIDE   6
#define TERM_GREY_FIRST  232 /* then 24 greys */
#define TERM_GREY_BASE   8
#define TERM_GREY_STEP   10
#define TERM_PALETTE_MAX 255
#define TERM_RGB_MAX     255
#define TERM_SGR_256     5 /* 38;5;n */
#define TERM_SGR_RGB     2 /* 38;2;r;g;b */

/* xterm's 16 colours, to approximate 256-colour and direct colours. */
static const uint8_t TERM_PALETTE[TERM_COLORS][3] = {
        {0x00, 0x00, 0x00}, {0xCD, 0x00, 0x00}, {0x00, 0xCD, 0x00}, {0xCD, 0xCD, 0x00},
        {0x00, 0x00, 0xEE}, {0xCD, 0x00, 0xCD}, {0x00, 0xCD, 0xCD}, {0xE5, 0xE5, 0xE5},
        {0x7F, 0x7F, 0x7F}, {0xFF, 0x00, 0x00}, {0x00, 0xFF, 0x00}, {0xFF, 0xFF, 0x00},
        {0x5C, 0x5C, 0xFF}, {0xFF, 0x00, 0xFF}, {0x00, 0xFF, 0xFF}, {0xFF, 0xFF, 0xFF},
};
static const int TERM_CUBE_LEVELS[TERM_CUBE_SIDE] = {0, 95, 135, 175, 215, 255};

static uint8_t term_color_nearest(int r, int g, int b)
{
    uint8_t best = 0;
    long best_d = -1;
    for (unsigned i = 0; i < TERM_COLORS; i++) {
        long dr = r - TERM_PALETTE[i][0];
        long dg = g - TERM_PALETTE[i][1];
        long db = b - TERM_PALETTE[i][2];
        long d = dr * dr + dg * dg + db * db;
        if (best_d < 0 || d < best_d) {
            best_d = d;
            best = (uint8_t)i;
        }
    }
    return best;
}

static uint8_t term_color_256(int n)
{
    if (n < (int)TERM_COLORS) {
        return (uint8_t)n;
    }
    if (n > TERM_PALETTE_MAX) {
        return TERM_COLOR_DEFAULT;
    }
    if (n >= TERM_GREY_FIRST) {
        int v = TERM_GREY_BASE + (n - TERM_GREY_FIRST) * TERM_GREY_STEP;
        return term_color_nearest(v, v, v);
    }
    int i = n - TERM_CUBE_FIRST;
    return term_color_nearest(TERM_CUBE_LEVELS[i / (TERM_CUBE_SIDE * TERM_CUBE_SIDE)],
                              TERM_CUBE_LEVELS[i / TERM_CUBE_SIDE % TERM_CUBE_SIDE],
                              TERM_CUBE_LEVELS[i % TERM_CUBE_SIDE]);
}

static int term_rgb(int v)
{
    return v > TERM_RGB_MAX ? TERM_RGB_MAX : v;
}

/* 38/48 at p[*i]: 5;n or 2;r;g;b. Moves *i past what it used; DEFAULT when malformed (and
 * then the rest of the sequence is skipped, as xterm does). */
static uint8_t term_sgr_extended(const struct term_csi *c, int *i)
{
    int k = *i;
    uint8_t color = TERM_COLOR_DEFAULT;
    if (k + 2 < c->n && c->p[k + 1] == TERM_SGR_256) {
        color = term_color_256(c->p[k + 2]);
        *i = k + 2;
    } else if (k + 4 < c->n && c->p[k + 1] == TERM_SGR_RGB) {
        color = term_color_nearest(term_rgb(c->p[k + 2]), term_rgb(c->p[k + 3]),
                                   term_rgb(c->p[k + 4]));
        *i = k + 4;
    } else {
        *i = c->n;
    }
    return color;
}

enum term_sgr_op {
    TERM_SGR_RESET,
    TERM_SGR_ON,  /* attr |= arg */
    TERM_SGR_OFF, /* attr &= ~arg */
    TERM_SGR_FG,  /* fg = arg + (code - lo) */
    TERM_SGR_BG,
    TERM_SGR_FG_DEFAULT,
    TERM_SGR_BG_DEFAULT,
    TERM_SGR_FG_EXT,
    TERM_SGR_BG_EXT,
};

/* SGR codes lo..hi and what they do; codes not listed are ignored. */
static const struct term_sgr_rule {
    int lo;
    int hi;
    enum term_sgr_op op;
    unsigned arg;
} TERM_SGR_RULES[] = {
        {0, 0, TERM_SGR_RESET, 0},
        {1, 1, TERM_SGR_ON, TERM_ATTR_BOLD},
        {4, 4, TERM_SGR_ON, TERM_ATTR_UNDERLINE},
        {7, 7, TERM_SGR_ON, TERM_ATTR_REVERSE},
        {22, 22, TERM_SGR_OFF, TERM_ATTR_BOLD},
        {24, 24, TERM_SGR_OFF, TERM_ATTR_UNDERLINE},
        {27, 27, TERM_SGR_OFF, TERM_ATTR_REVERSE},
        {30, 37, TERM_SGR_FG, 0},
        {38, 38, TERM_SGR_FG_EXT, 0},
        {39, 39, TERM_SGR_FG_DEFAULT, 0},
        {40, 47, TERM_SGR_BG, 0},
        {48, 48, TERM_SGR_BG_EXT, 0},
        {49, 49, TERM_SGR_BG_DEFAULT, 0},
        {90, 97, TERM_SGR_FG, 8},
        {100, 107, TERM_SGR_BG, 8},
};

static void term_sgr(struct term *t, const struct term_csi *c)
{
    struct term_cell *pen = &t->pen;
    for (int i = 0; i < c->n; i++) {
        int v = c->p[i];
        const struct term_sgr_rule *rule = NULL;
        for (size_t k = 0; k < sizeof TERM_SGR_RULES / sizeof TERM_SGR_RULES[0]; k++) {
            if (v >= TERM_SGR_RULES[k].lo && v <= TERM_SGR_RULES[k].hi) {
                rule = &TERM_SGR_RULES[k];
                break;
            }
        }
        if (rule == NULL) {
            continue;
        }
        uint8_t index = (uint8_t)(rule->arg + (unsigned)(v - rule->lo));
        switch (rule->op) {
        case TERM_SGR_RESET:
            pen->fg = TERM_COLOR_DEFAULT;
            pen->bg = TERM_COLOR_DEFAULT;
            pen->attr = 0;
            break;
        case TERM_SGR_ON: pen->attr = (uint8_t)(pen->attr | rule->arg); break;
        case TERM_SGR_OFF: pen->attr = (uint8_t)(pen->attr & ~rule->arg); break;
        case TERM_SGR_FG: pen->fg = index; break;
        case TERM_SGR_BG: pen->bg = index; break;
        case TERM_SGR_FG_DEFAULT: pen->fg = TERM_COLOR_DEFAULT; break;
        case TERM_SGR_BG_DEFAULT: pen->bg = TERM_COLOR_DEFAULT; break;
        case TERM_SGR_FG_EXT: pen->fg = term_sgr_extended(c, &i); break;
        case TERM_SGR_BG_EXT: pen->bg = term_sgr_extended(c, &i); break;
        }
    }
}

/* ---- CSI handlers ---- */

static void term_csi_cuu(struct term *t, const struct term_csi *c)
{
    int limit = t->cy >= t->margin_top ? t->margin_top : 0;
    int row = t->cy - term_count(t, c);
    term_move(t, row < limit ? limit : row, t->cx);
}

static void term_csi_cud(struct term *t, const struct term_csi *c)
{
    int limit = t->cy <= t->margin_bottom ? t->margin_bottom : t->rows - 1;
    int row = t->cy + term_count(t, c);
    term_move(t, row > limit ? limit : row, t->cx);
}

static void term_csi_cuf(struct term *t, const struct term_csi *c)
{
    term_move(t, t->cy, t->cx + term_count(t, c));
}

static void term_csi_cub(struct term *t, const struct term_csi *c)
{
    term_move(t, t->cy, t->cx - term_count(t, c));
}

static void term_csi_cnl(struct term *t, const struct term_csi *c)
{
    term_csi_cud(t, c);
    t->cx = 0;
}

static void term_csi_cpl(struct term *t, const struct term_csi *c)
{
    term_csi_cuu(t, c);
    t->cx = 0;
}

static void term_csi_cha(struct term *t, const struct term_csi *c)
{
    term_move(t, t->cy, term_arg(c, 0, 1) - 1);
}

static void term_csi_cup(struct term *t, const struct term_csi *c)
{
    term_move(t, term_arg(c, 0, 1) - 1, term_arg(c, 1, 1) - 1);
}

static void term_csi_vpa(struct term *t, const struct term_csi *c)
{
    term_move(t, term_arg(c, 0, 1) - 1, t->cx);
}

static void term_csi_ed(struct term *t, const struct term_csi *c)
{
    term_erase_display(t, term_arg(c, 0, 0));
}

static void term_csi_el(struct term *t, const struct term_csi *c)
{
    term_erase_line(t, term_arg(c, 0, 0));
}

static void term_csi_ich(struct term *t, const struct term_csi *c)
{
    term_insert_chars(t, term_count(t, c));
}

static void term_csi_dch(struct term *t, const struct term_csi *c)
{
    term_delete_chars(t, term_count(t, c));
}

static void term_csi_ech(struct term *t, const struct term_csi *c)
{
    term_erase_chars(t, term_count(t, c));
}

static void term_csi_il(struct term *t, const struct term_csi *c)
{
    term_insert_lines(t, term_count(t, c));
}

static void term_csi_dl(struct term *t, const struct term_csi *c)
{
    term_delete_lines(t, term_count(t, c));
}

static void term_csi_su(struct term *t, const struct term_csi *c)
{
    term_scroll_up(t, term_count(t, c));
}

static void term_csi_sd(struct term *t, const struct term_csi *c)
{
    if (c->n <= 1) { /* with more parameters it is xterm's mouse highlight tracking */
        term_scroll_down(t, term_count(t, c));
    }
}

static void term_csi_cht(struct term *t, const struct term_csi *c)
{
    term_tab(t, term_count(t, c));
}

static void term_csi_cbt(struct term *t, const struct term_csi *c)
{
    term_tab(t, -term_count(t, c));
}

static void term_csi_decstbm(struct term *t, const struct term_csi *c)
{
    int top = term_arg(c, 0, 1);
    int bottom = term_arg(c, 1, t->rows);
    if (bottom > t->rows) {
        bottom = t->rows;
    }
    if (top < bottom) {
        t->margin_top = top - 1;
        t->margin_bottom = bottom - 1;
        term_move(t, 0, 0);
    }
}

#define TERM_DSR_STATUS 5 /* "are you well?" -> ESC [ 0 n */
#define TERM_DSR_CURSOR 6 /* where is the cursor? -> ESC [ row ; col R */

static void term_csi_dsr(struct term *t, const struct term_csi *c)
{
    static const char ok[] = "\x1b[0n";
    char buf[32];
    int v = term_arg(c, 0, 0);
    if (v == TERM_DSR_STATUS) {
        term_reply(t, ok, sizeof ok - 1);
    } else if (v == TERM_DSR_CURSOR) {
        int n = snprintf(buf, sizeof buf, "\x1b[%d;%dR", t->cy + 1, t->cx + 1);
        if (n > 0 && (size_t)n < sizeof buf) {
            term_reply(t, buf, (size_t)n);
        }
    }
}

/* DEC private modes the model knows (DECSET/DECRST); others are ignored. */
static const struct term_dec_mode {
    int number;
    unsigned mode;
} TERM_DEC_MODES[] = {
        {1, TERM_MODE_APP_CURSOR}, /* DECCKM */
        {7, TERM_MODE_AUTOWRAP},   /* DECAWM */
        {25, TERM_MODE_CURSOR},    /* DECTCEM */
};

static void term_dec_modes(struct term *t, const struct term_csi *c, bool on)
{
    for (int i = 0; i < c->n; i++) {
        for (size_t k = 0; k < sizeof TERM_DEC_MODES / sizeof TERM_DEC_MODES[0]; k++) {
            if (TERM_DEC_MODES[k].number == c->p[i]) {
                t->modes =
                        on ? t->modes | TERM_DEC_MODES[k].mode : t->modes & ~TERM_DEC_MODES[k].mode;
            }
        }
    }
    if (!(t->modes & TERM_MODE_AUTOWRAP)) {
        t->wrap_pending = false;
    }
}

static void term_csi_scosc(struct term *t, const struct term_csi *c)
{
    (void)c;
    term_save_cursor(t);
}

static void term_csi_scorc(struct term *t, const struct term_csi *c)
{
    (void)c;
    term_restore_cursor(t);
}

typedef void (*term_csi_fn)(struct term *t, const struct term_csi *c);

/* CSI handlers by final byte (0x40-0x7E); sequences without a handler are ignored. */
static const term_csi_fn TERM_CSI[TERM_FINAL_LAST - TERM_FINAL_FIRST + 1] = {
        ['@' - TERM_FINAL_FIRST] = term_csi_ich,     ['A' - TERM_FINAL_FIRST] = term_csi_cuu,
        ['B' - TERM_FINAL_FIRST] = term_csi_cud,     ['C' - TERM_FINAL_FIRST] = term_csi_cuf,
        ['D' - TERM_FINAL_FIRST] = term_csi_cub,     ['E' - TERM_FINAL_FIRST] = term_csi_cnl,
        ['F' - TERM_FINAL_FIRST] = term_csi_cpl,     ['G' - TERM_FINAL_FIRST] = term_csi_cha,
        ['H' - TERM_FINAL_FIRST] = term_csi_cup,     ['I' - TERM_FINAL_FIRST] = term_csi_cht,
        ['J' - TERM_FINAL_FIRST] = term_csi_ed,      ['K' - TERM_FINAL_FIRST] = term_csi_el,
        ['L' - TERM_FINAL_FIRST] = term_csi_il,      ['M' - TERM_FINAL_FIRST] = term_csi_dl,
        ['P' - TERM_FINAL_FIRST] = term_csi_dch,     ['S' - TERM_FINAL_FIRST] = term_csi_su,
        ['T' - TERM_FINAL_FIRST] = term_csi_sd,      ['X' - TERM_FINAL_FIRST] = term_csi_ech,
        ['Z' - TERM_FINAL_FIRST] = term_csi_cbt,     ['`' - TERM_FINAL_FIRST] = term_csi_cha,
        ['a' - TERM_FINAL_FIRST] = term_csi_cuf,     ['d' - TERM_FINAL_FIRST] = term_csi_vpa,
        ['e' - TERM_FINAL_FIRST] = term_csi_cud,     ['f' - TERM_FINAL_FIRST] = term_csi_cup,
        ['m' - TERM_FINAL_FIRST] = term_sgr,         ['n' - TERM_FINAL_FIRST] = term_csi_dsr,
        ['r' - TERM_FINAL_FIRST] = term_csi_decstbm, ['s' - TERM_FINAL_FIRST] = term_csi_scosc,
        ['u' - TERM_FINAL_FIRST] = term_csi_scorc,
};

void term_csi_dispatch(struct term *t, uint8_t final)
{
    struct term_csi c;
    c.p = t->params;
    c.n = t->param_index < TERM_CSI_PARAMS_MAX ? (int)t->param_index + 1 : TERM_CSI_PARAMS_MAX;
    if (t->inter != 0) {
        return; /* DECSTR, DECSCUSR and friends: not supported */
    }
    if (t->marker == '?') {
        if (final == 'h' || final == 'l') {
            term_dec_modes(t, &c, final == 'h');
        }
    } else if (t->marker == 0) {
        term_csi_fn fn = TERM_CSI[final - TERM_FINAL_FIRST];
        if (fn != NULL) {
            fn(t, &c);
        }
    }
}
