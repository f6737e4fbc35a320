/* SPDX-License-Identifier: MIT */
/* Operations on the cell grid: printing (a fast path for runs of ASCII with xterm's deferred
 * wrap), line feed and scrolling through the ring or inside a scroll region, erase, insert and
 * delete, cursor moves, save/restore and reset. Each change notes its damage. */
#include "term_int.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int term_min(int a, int b)
{
    return a < b ? a : b;
}

static int term_max(int a, int b)
{
    return a > b ? a : b;
}

struct term_cell term_blank(const struct term *t)
{
    /* Erased cells take the pen's background (xterm's back-colour erase). */
    struct term_cell c = {0, TERM_COLOR_DEFAULT, t->pen.bg, 0};
    return c;
}

/* A cell as one 64-bit word, so that runs of cells take one store each (the compiler would
 * store the four fields one by one). */
_Static_assert(sizeof(struct term_cell) == sizeof(uint64_t), "a cell is 8 bytes");

static uint64_t term_word(struct term_cell c)
{
    uint64_t w;
    memcpy(&w, &c, sizeof w);
    return w;
}

/* The pen's word with ch 0, to which term_ch_word(ch) is added. */
static uint64_t term_pen_word(const struct term *t)
{
    struct term_cell c = t->pen;
    c.ch = 0;
    return term_word(c);
}

/* The word of a cell with ch 1 and all else 0: ch * this is ch's part of a word (whatever the
 * byte order). */
static uint64_t term_ch_unit(void)
{
    struct term_cell c;
    memset(&c, 0, sizeof c);
    c.ch = 1;
    return term_word(c);
}

static void term_store(struct term_cell *cell, uint64_t w)
{
    memcpy(cell, &w, sizeof w);
}

void term_fill(struct term_cell *cells, int n, struct term_cell c)
{
    uint64_t w = term_word(c);
    for (int i = 0; i < n; i++) {
        term_store(&cells[i], w);
    }
}

void term_dirty(struct term *t, int first, int last)
{
    if (first < t->dmg_first) {
        t->dmg_first = first;
    }
    if (last > t->dmg_last) {
        t->dmg_last = last;
    }
    if (t->sel) {
        int64_t top = term_top_line(t);
        if (t->sel_end.line >= top + first && t->sel_start.line <= top + last) {
            term_sel_drop(t);
        }
    }
}

static void term_set_wrapped(struct term *t, int row, bool on)
{
    t->wrapped[term_row_slot(t, row)] = on ? 1 : 0;
}

/* Grows the ring (head is 0 while it grows). False when memory is short. */
static bool term_grow(struct term *t)
{
    size_t want = t->alloc * 2;
    if (want < t->alloc + TERM_GROW_MIN) {
        want = t->alloc + TERM_GROW_MIN;
    }
    if (want > t->cap) {
        want = t->cap;
    }
    size_t row = (size_t)t->cols * sizeof(struct term_cell);
    if (want > SIZE_MAX / row) {
        return false;
    }
    struct term_cell *cells = realloc(t->cells, want * row);
    if (cells == NULL) {
        return false;
    }
    t->cells = cells;
    uint8_t *wrapped = realloc(t->wrapped, want);
    if (wrapped == NULL) {
        return false;
    }
    t->wrapped = wrapped;
    t->alloc = want;
    return true;
}

/* The whole screen moves up one line: the top row joins the scrollback, a blank row appears. */
static void term_push_line(struct term *t)
{
    if (t->count == t->alloc && t->alloc < t->cap && !term_grow(t)) {
        t->cap = t->alloc; /* out of memory: keep less scrollback rather than fail */
    }
    if (t->count < t->alloc) {
        t->count++;
    } else {
        t->head = t->head + 1 == t->alloc ? 0 : t->head + 1;
        t->oldest++;
        if (t->sel && t->sel_start.line < t->oldest) {
            term_sel_drop(t);
        }
    }
    int bottom = t->rows - 1;
    term_fill(term_row(t, bottom), t->cols, term_blank(t));
    term_set_wrapped(t, bottom, false);
    if (t->dmg_scrolled < UINT_MAX) {
        t->dmg_scrolled++;
    }
    if (t->dmg_first <= t->dmg_last) {
        /* damage is in screen rows: it moved up with them */
        t->dmg_last--;
        t->dmg_first = t->dmg_last < 0 ? INT_MAX : term_max(t->dmg_first - 1, 0);
    }
    term_dirty(t, bottom, bottom);
}

/* Rows top..bottom move by n (> 0 up, < 0 down) inside the screen; rows uncovered get blank. */
static void term_shift_rows(struct term *t, int top, int bottom, int n)
{
    int height = bottom - top + 1;
    int k = n > 0 ? n : -n;
    if (k > height) {
        k = height;
    }
    size_t bytes = (size_t)t->cols * sizeof(struct term_cell);
    for (int i = 0; i < height - k; i++) {
        int dst = n > 0 ? top + i : bottom - i;
        int src = n > 0 ? dst + k : dst - k;
        memcpy(term_row(t, dst), term_row(t, src), bytes);
        t->wrapped[term_row_slot(t, dst)] = t->wrapped[term_row_slot(t, src)];
    }
    struct term_cell blank = term_blank(t);
    for (int i = 0; i < k; i++) {
        int r = n > 0 ? bottom - i : top + i;
        term_fill(term_row(t, r), t->cols, blank);
        term_set_wrapped(t, r, false);
    }
    term_dirty(t, top, bottom);
}

void term_scroll_up(struct term *t, int n)
{
    n = term_min(n, t->margin_bottom - t->margin_top + 1);
    if (t->margin_top == 0 && t->margin_bottom == t->rows - 1) {
        for (int i = 0; i < n; i++) {
            term_push_line(t);
        }
    } else {
        term_shift_rows(t, t->margin_top, t->margin_bottom, n);
    }
}

void term_scroll_down(struct term *t, int n)
{
    term_shift_rows(t, t->margin_top, t->margin_bottom, -n);
}

void term_index(struct term *t)
{
    t->wrap_pending = false;
    if (t->cy == t->margin_bottom) {
        term_scroll_up(t, 1);
    } else if (t->cy < t->rows - 1) {
        t->cy++;
    }
}

void term_reverse_index(struct term *t)
{
    t->wrap_pending = false;
    if (t->cy == t->margin_top) {
        term_scroll_down(t, 1);
    } else if (t->cy > 0) {
        t->cy--;
    }
}

/* Before a printable character: the deferred wrap of the last column happens now. */
static void term_do_wrap(struct term *t)
{
    t->wrap_pending = false;
    term_set_wrapped(t, t->cy, true);
    t->cx = 0;
    term_index(t);
}

/* Where the next characters go: the pending wrap done, the cursor's row marked. Returns how many
 * of n fit before the right margin. */
static size_t term_span(struct term *t, size_t n)
{
    if (t->wrap_pending) {
        term_do_wrap(t);
    }
    size_t room = (size_t)(t->cols - t->cx);
    term_dirty(t, t->cy, t->cy);
    return n < room ? n : room;
}

/* After k characters were written from the cursor: the cursor moves, and on the right margin
 * the wrap is deferred (or, without auto-wrap, the next character overwrites the last column). */
static void term_span_done(struct term *t, size_t k)
{
    t->cx += (int)k;
    if (t->cx == t->cols) {
        t->cx = t->cols - 1;
        t->wrap_pending = (t->modes & TERM_MODE_AUTOWRAP) != 0;
    }
}

static bool term_printable_ascii(uint8_t b)
{
    return b >= TERM_ASCII_FIRST && b <= TERM_ASCII_LAST;
}

const uint8_t *term_put_ascii(struct term *t, const uint8_t *p, const uint8_t *end)
{
    uint64_t pen = term_pen_word(t);
    uint64_t unit = term_ch_unit();
    while (p < end && term_printable_ascii(*p)) {
        size_t k = term_span(t, (size_t)(end - p));
        struct term_cell *row = term_row(t, t->cy) + t->cx;
        size_t i = 0;
        while (i < k && term_printable_ascii(p[i])) {
            term_store(&row[i], pen | p[i] * unit);
            i++;
        }
        p += i;
        term_span_done(t, i);
    }
    return p;
}

void term_put_chars(struct term *t, const uint32_t *cps, size_t n)
{
    uint64_t pen = term_pen_word(t);
    uint64_t unit = term_ch_unit();
    while (n > 0) {
        size_t k = term_span(t, n);
        struct term_cell *row = term_row(t, t->cy) + t->cx;
        for (size_t i = 0; i < k; i++) {
            term_store(&row[i], pen | cps[i] * unit);
        }
        cps += k;
        n -= k;
        term_span_done(t, k);
    }
}

void term_move(struct term *t, int row, int col)
{
    t->cy = row < 0 ? 0 : row >= t->rows ? t->rows - 1 : row;
    t->cx = col < 0 ? 0 : col >= t->cols ? t->cols - 1 : col;
    t->wrap_pending = false;
}

/* Cells from..to (inclusive) of row r become blank. */
static void term_erase(struct term *t, int r, int from, int to)
{
    if (from <= to) {
        term_fill(term_row(t, r) + from, to - from + 1, term_blank(t));
        term_dirty(t, r, r);
    }
}

void term_erase_line(struct term *t, int mode)
{
    t->wrap_pending = false;
    if (mode == 0 || mode == 2) {
        term_erase(t, t->cy, mode == 0 ? t->cx : 0, t->cols - 1);
        term_set_wrapped(t, t->cy, false); /* its end is blank now: no longer continued */
    } else if (mode == 1) {
        term_erase(t, t->cy, 0, t->cx);
    }
}

void term_erase_display(struct term *t, int mode)
{
    int first = 0;
    int last = t->rows - 1;
    if (mode == 3) {
        term_drop_scrollback(t);
        return;
    }
    if (mode == 0) {
        term_erase_line(t, 0);
        first = t->cy + 1;
    } else if (mode == 1) {
        term_erase_line(t, 1);
        last = t->cy - 1;
    } else if (mode != 2) {
        return;
    }
    t->wrap_pending = false;
    for (int r = first; r <= last; r++) {
        term_erase(t, r, 0, t->cols - 1);
        term_set_wrapped(t, r, false);
    }
}

void term_erase_chars(struct term *t, int n)
{
    t->wrap_pending = false;
    term_erase(t, t->cy, t->cx, t->cx + term_min(n, t->cols - t->cx) - 1);
}

/* Cells at and after the cursor move right (n > 0, ICH) or left (n < 0, DCH) on its row. */
static void term_shift_chars(struct term *t, int n)
{
    t->wrap_pending = false;
    int room = t->cols - t->cx;
    int k = n > 0 ? n : -n;
    if (k > room) {
        k = room;
    }
    struct term_cell *row = term_row(t, t->cy) + t->cx;
    size_t moved = (size_t)(room - k) * sizeof *row;
    if (n > 0) {
        memmove(row + k, row, moved);
        term_fill(row, k, term_blank(t));
    } else {
        memmove(row, row + k, moved);
        term_fill(row + room - k, k, term_blank(t));
    }
    term_dirty(t, t->cy, t->cy);
}

void term_insert_chars(struct term *t, int n)
{
    term_shift_chars(t, n);
}

void term_delete_chars(struct term *t, int n)
{
    term_shift_chars(t, -n);
}

void term_insert_lines(struct term *t, int n)
{
    if (t->cy >= t->margin_top && t->cy <= t->margin_bottom) {
        term_shift_rows(t, t->cy, t->margin_bottom, -n);
        t->cx = 0;
        t->wrap_pending = false;
    }
}

void term_delete_lines(struct term *t, int n)
{
    if (t->cy >= t->margin_top && t->cy <= t->margin_bottom) {
        term_shift_rows(t, t->cy, t->margin_bottom, n);
        t->cx = 0;
        t->wrap_pending = false;
    }
}

void term_tab(struct term *t, int n)
{
    int col = t->cx;
    for (int i = 0; i < n; i++) {
        col = (col / TERM_TAB_WIDTH + 1) * TERM_TAB_WIDTH;
    }
    for (int i = 0; i > n; i--) {
        col = col == 0 ? 0 : (col - 1) / TERM_TAB_WIDTH * TERM_TAB_WIDTH;
    }
    t->cx = term_min(col, t->cols - 1);
    if (n < 0) {
        t->wrap_pending = false;
    }
}

void term_save_cursor(struct term *t)
{
    t->saved.row = t->cy;
    t->saved.col = t->cx;
    t->saved.wrap_pending = t->wrap_pending;
    t->saved.pen = t->pen;
}

void term_restore_cursor(struct term *t)
{
    term_move(t, t->saved.row, t->saved.col);
    t->wrap_pending = t->saved.wrap_pending && t->cx == t->cols - 1;
    t->pen = t->saved.pen;
}

void term_reset(struct term *t)
{
    struct term_cell pen = {0, TERM_COLOR_DEFAULT, TERM_COLOR_DEFAULT, 0};
    t->pen = pen;
    t->modes = TERM_MODES_DEFAULT;
    t->margin_top = 0;
    t->margin_bottom = t->rows - 1;
    term_move(t, 0, 0);
    term_save_cursor(t);
    term_erase_display(t, 2);
}
