/* SPDX-License-Identifier: MIT */
/* Selection (by absolute positions, by word, all) and text extraction as UTF-8: trailing blanks
 * dropped, empty cells inside text read as spaces, wrapped lines joined without "\n". */
#include "term_int.h"

#include <stdlib.h>

#define TERM_UTF8_MAX_BYTES 4

static bool term_pos_before(struct term_pos a, struct term_pos b)
{
    return a.line < b.line || (a.line == b.line && a.col < b.col);
}

static int64_t term_last_line(const struct term *t)
{
    return t->oldest + (int64_t)t->count - 1;
}

/* The position moved onto a kept line and a real column. */
static struct term_pos term_pos_clamp(const struct term *t, struct term_pos p)
{
    int64_t last = term_last_line(t);
    p.line = p.line < t->oldest ? t->oldest : p.line > last ? last : p.line;
    p.col = p.col < 0 ? 0 : p.col >= t->cols ? t->cols - 1 : p.col;
    return p;
}

void term_select(struct term *t, struct term_pos anchor, struct term_pos end)
{
    anchor = term_pos_clamp(t, anchor);
    end = term_pos_clamp(t, end);
    bool swap = term_pos_before(end, anchor);
    t->sel_start = swap ? end : anchor;
    t->sel_end = swap ? anchor : end;
    t->sel = true;
    t->dmg_selection = true;
}

/* Character classes for double-click: a run of one class is a word, except punctuation. */
enum term_class {
    TERM_CLASS_BLANK,
    TERM_CLASS_WORD, /* letters, digits, '_' and everything beyond ASCII */
    TERM_CLASS_OTHER,
};

static enum term_class term_class_of(uint32_t ch)
{
    if (ch == 0 || ch == ' ') {
        return TERM_CLASS_BLANK;
    }
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
        ch == '_' || ch >= TERM_UTF8_NON_ASCII) {
        return TERM_CLASS_WORD;
    }
    return TERM_CLASS_OTHER;
}

static enum term_class term_class_at(const struct term *t, struct term_pos p)
{
    return term_class_of(term_line(t, p.line, NULL)[p.col].ch);
}

/* The neighbour of p in direction dir (+1/-1) within the same word run: words continue across
 * wrapped line ends, blanks stay on their line. False when there is none. */
static bool term_step(const struct term *t, struct term_pos *p, int dir, enum term_class cls)
{
    struct term_pos n = *p;
    bool wrapped = false;
    n.col += dir;
    if (n.col < 0 || n.col >= t->cols) {
        int64_t from = dir > 0 ? n.line : n.line - 1; /* the line whose end is crossed */
        if (cls != TERM_CLASS_WORD || term_line(t, from, &wrapped) == NULL || !wrapped ||
            term_line(t, n.line + dir, NULL) == NULL) {
            return false;
        }
        n.line += dir;
        n.col = dir > 0 ? 0 : t->cols - 1;
    }
    if (term_class_at(t, n) != cls) {
        return false;
    }
    *p = n;
    return true;
}

void term_select_word(struct term *t, struct term_pos at)
{
    at = term_pos_clamp(t, at);
    enum term_class cls = term_class_at(t, at);
    struct term_pos start = at;
    struct term_pos end = at;
    if (cls != TERM_CLASS_OTHER) {
        while (term_step(t, &start, -1, cls)) {
        }
        while (term_step(t, &end, 1, cls)) {
        }
    }
    term_select(t, start, end);
}

static bool term_line_blank(const struct term *t, int64_t line)
{
    const struct term_cell *cells = term_line(t, line, NULL);
    for (int c = 0; c < t->cols; c++) {
        if (term_class_of(cells[c].ch) != TERM_CLASS_BLANK) {
            return false;
        }
    }
    return true;
}

void term_select_all(struct term *t)
{
    /* down to the last line with text, or the cursor's line when that is lower */
    int64_t last = term_last_line(t);
    int64_t cursor = term_top_line(t) + t->cy;
    while (last > cursor && term_line_blank(t, last)) {
        last--;
    }
    struct term_pos start = {t->oldest, 0};
    struct term_pos end = {last, t->cols - 1};
    term_select(t, start, end);
}

void term_select_clear(struct term *t)
{
    if (t->sel) {
        term_sel_drop(t);
    }
}

bool term_selection(const struct term *t, struct term_pos *start, struct term_pos *end)
{
    if (t->sel) {
        if (start != NULL) {
            *start = t->sel_start;
        }
        if (end != NULL) {
            *end = t->sel_end;
        }
    }
    return t->sel;
}

bool term_selected(const struct term *t, int64_t line, int col)
{
    struct term_pos p = {line, col};
    return t->sel && !term_pos_before(p, t->sel_start) && !term_pos_before(t->sel_end, p);
}

/* Text goes through a sink twice: once counting (buf NULL), once writing. */
struct term_sink {
    char *buf;
    size_t len;
};

static void term_sink_put(struct term_sink *s, uint32_t ch)
{
    char utf8[TERM_UTF8_MAX_BYTES];
    size_t n = ch < TERM_UTF8_NON_ASCII ? 1 : term_utf8_encode(ch, utf8);
    if (s->buf != NULL) {
        if (n == 1) {
            s->buf[s->len] = (char)ch;
        } else {
            for (size_t i = 0; i < n; i++) {
                s->buf[s->len + i] = utf8[i];
            }
        }
    }
    s->len += n;
}

/* Cells c0..c1 of a line; "\n" after it when the range reaches its end and it is not wrapped. */
static void term_sink_line(const struct term *t, struct term_sink *s, int64_t line, int c0, int c1)
{
    bool wrapped = false;
    const struct term_cell *cells = term_line(t, line, &wrapped);
    bool to_end = c1 == t->cols - 1;
    int last = c1;
    if (!(wrapped && to_end)) {
        while (last >= c0 && term_class_of(cells[last].ch) == TERM_CLASS_BLANK) {
            last--;
        }
    }
    for (int c = c0; c <= last; c++) {
        term_sink_put(s, cells[c].ch == 0 ? ' ' : cells[c].ch);
    }
    if (to_end && !wrapped) {
        term_sink_put(s, '\n');
    }
}

static void term_sink_range(const struct term *t, struct term_sink *s, struct term_pos a,
                            struct term_pos b)
{
    for (int64_t line = a.line; line <= b.line; line++) {
        term_sink_line(t, s, line, line == a.line ? a.col : 0,
                       line == b.line ? b.col : t->cols - 1);
    }
}

/* The text of a..b (normalised, on kept lines) in a new string. */
static char *term_text_of(const struct term *t, struct term_pos a, struct term_pos b, size_t *len)
{
    struct term_sink s = {NULL, 0};
    if (!term_pos_before(b, a)) {
        term_sink_range(t, &s, a, b);
    }
    char *text = malloc(s.len + 1);
    if (text != NULL) {
        size_t n = s.len;
        s.buf = text;
        s.len = 0;
        if (n > 0) {
            term_sink_range(t, &s, a, b);
        }
        text[s.len] = '\0';
        if (len != NULL) {
            *len = s.len;
        }
    }
    return text;
}

char *term_selection_text(const struct term *t, size_t *len)
{
    if (len != NULL) {
        *len = 0;
    }
    return t->sel ? term_text_of(t, t->sel_start, t->sel_end, len) : NULL;
}

char *term_text(const struct term *t, int64_t first, int64_t last, size_t *len)
{
    struct term_pos a = {first < t->oldest ? t->oldest : first, 0};
    int64_t kept = term_last_line(t);
    struct term_pos b = {last > kept ? kept : last, t->cols - 1};
    if (len != NULL) {
        *len = 0;
    }
    return term_text_of(t, a, b, len);
}
