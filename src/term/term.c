/* SPDX-License-Identifier: MIT */
/* The terminal model's life cycle and storage: the ring of lines (scrollback + screen), resize
 * without reflow, clearing, damage collection and the read-only accessors. */
#include "term_int.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int term_clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Cells for `lines` lines of `cols`, or NULL when that does not fit in memory. */
static struct term_cell *term_alloc_cells(size_t lines, int cols)
{
    size_t row = (size_t)cols * sizeof(struct term_cell);
    if (lines == 0 || lines > SIZE_MAX / row) {
        return NULL;
    }
    return malloc(lines * row);
}

static void term_damage_all(struct term *t)
{
    t->dmg_first = 0;
    t->dmg_last = t->rows - 1;
}

static void term_damage_reset(struct term *t)
{
    t->dmg_first = INT_MAX;
    t->dmg_last = -1;
    t->dmg_scrolled = 0;
    t->dmg_bell = false;
    t->dmg_selection = false;
}

struct term *term_new(const struct term_config *config)
{
    struct term *t = calloc(1, sizeof *t);
    if (t == NULL) {
        goto fail;
    }
    t->cols = term_clamp(config->cols, TERM_COLS_MIN, TERM_COLS_MAX);
    t->rows = term_clamp(config->rows, TERM_ROWS_MIN, TERM_ROWS_MAX);
    t->scrollback = config->scrollback == 0 ? TERM_SCROLLBACK_DEFAULT : config->scrollback;
    if (t->scrollback > TERM_SCROLLBACK_MAX) {
        t->scrollback = TERM_SCROLLBACK_MAX;
    }
    t->reply = config->reply;
    t->ctx = config->ctx;
    t->cap = t->scrollback + (size_t)t->rows;
    t->alloc = (size_t)t->rows;
    t->count = (size_t)t->rows;
    t->cells = term_alloc_cells(t->alloc, t->cols);
    t->wrapped = calloc(t->alloc, 1);
    if (t->cells == NULL || t->wrapped == NULL) {
        goto fail;
    }
    term_parser_reset(t);
    term_reset(t);
    term_damage_reset(t);
    term_damage_all(t);
    t->shown_row = -1;
    t->shown_col = -1;
    return t;
fail:
    term_free(t);
    return NULL;
}

void term_free(struct term *t)
{
    if (t != NULL) {
        free(t->cells);
        free(t->wrapped);
        free(t);
    }
}

bool term_resize(struct term *t, int cols, int rows)
{
    bool ok = false;
    cols = term_clamp(cols, TERM_COLS_MIN, TERM_COLS_MAX);
    rows = term_clamp(rows, TERM_ROWS_MIN, TERM_ROWS_MAX);
    if (cols == t->cols && rows == t->rows) {
        return true;
    }
    /* Lines pushed into the scrollback so that the cursor's line stays on screen; lines below
     * the new bottom are dropped. */
    int shift = t->cy > rows - 1 ? t->cy - (rows - 1) : 0;
    int64_t old_top = term_top_line(t);
    int64_t old_last = old_top + t->rows - 1;
    int64_t top = old_top + shift;
    int64_t oldest = top - (int64_t)t->scrollback;
    if (oldest < t->oldest) {
        oldest = t->oldest;
    }
    size_t count = (size_t)(top - oldest) + (size_t)rows;
    struct term_cell *cells = term_alloc_cells(count, cols);
    uint8_t *wrapped = calloc(count, 1);
    if (cells == NULL || wrapped == NULL) {
        free(cells);
        free(wrapped);
        goto done;
    }
    struct term_cell empty = {0, TERM_COLOR_DEFAULT, TERM_COLOR_DEFAULT, 0};
    int keep = cols < t->cols ? cols : t->cols;
    for (size_t i = 0; i < count; i++) {
        struct term_cell *dst = cells + i * (size_t)cols;
        int64_t line = oldest + (int64_t)i;
        int copied = 0;
        if (line <= old_last) {
            size_t slot = term_slot(t, (size_t)(line - t->oldest));
            memcpy(dst, t->cells + slot * (size_t)t->cols, (size_t)keep * sizeof *dst);
            wrapped[i] = t->wrapped[slot];
            copied = keep;
        }
        term_fill(dst + copied, cols - copied, empty);
    }
    free(t->cells);
    free(t->wrapped);
    t->cells = cells;
    t->wrapped = wrapped;
    t->cols = cols;
    t->rows = rows;
    t->alloc = count;
    t->cap = t->scrollback + (size_t)rows;
    t->head = 0;
    t->count = count;
    t->oldest = oldest;
    t->cy -= shift;
    t->cx = term_clamp(t->cx, 0, cols - 1);
    t->wrap_pending = false;
    t->margin_top = 0;
    t->margin_bottom = rows - 1;
    t->saved.row = term_clamp(t->saved.row - shift, 0, rows - 1);
    t->saved.col = term_clamp(t->saved.col, 0, cols - 1);
    if (t->sel) {
        if (t->sel_start.line < oldest || t->sel_end.line > top + rows - 1) {
            term_sel_drop(t);
        } else {
            t->sel_start.col = term_clamp(t->sel_start.col, 0, cols - 1);
            t->sel_end.col = term_clamp(t->sel_end.col, 0, cols - 1);
            t->dmg_selection = true;
        }
    }
    if (t->dmg_scrolled <= UINT_MAX - (unsigned)shift) {
        t->dmg_scrolled += (unsigned)shift;
    }
    term_damage_all(t);
    ok = true;
done:
    return ok;
}

void term_drop_scrollback(struct term *t)
{
    size_t first = t->count - (size_t)t->rows;
    if (first == 0) {
        return;
    }
    if (t->alloc < t->cap) {
        /* still growing: head is 0 and must stay so */
        size_t row = (size_t)t->cols;
        memmove(t->cells, t->cells + first * row, (size_t)t->rows * row * sizeof *t->cells);
        memmove(t->wrapped, t->wrapped + first, (size_t)t->rows);
    } else {
        t->head = term_slot(t, first);
    }
    t->count = (size_t)t->rows;
    t->oldest += (int64_t)first;
    if (t->sel && t->sel_start.line < t->oldest) {
        term_sel_drop(t);
    }
    term_damage_all(t);
}

void term_clear(struct term *t)
{
    term_drop_scrollback(t);
    struct term_cell blank = term_blank(t);
    for (int r = 0; r < t->rows; r++) {
        term_fill(term_row(t, r), t->cols, blank);
        t->wrapped[term_row_slot(t, r)] = 0;
    }
    if (t->sel) {
        term_sel_drop(t);
    }
    term_move(t, 0, 0);
    term_damage_all(t);
}

int term_cols(const struct term *t)
{
    return t->cols;
}

int term_rows(const struct term *t)
{
    return t->rows;
}

int64_t term_top(const struct term *t)
{
    return term_top_line(t);
}

int64_t term_oldest(const struct term *t)
{
    return t->oldest;
}

const struct term_cell *term_line(const struct term *t, int64_t line, bool *wrapped)
{
    if (line < t->oldest || line >= t->oldest + (int64_t)t->count) {
        if (wrapped != NULL) {
            *wrapped = false;
        }
        return NULL;
    }
    size_t slot = term_slot(t, (size_t)(line - t->oldest));
    if (wrapped != NULL) {
        *wrapped = t->wrapped[slot] != 0;
    }
    return t->cells + slot * (size_t)t->cols;
}

void term_cursor(const struct term *t, int *row, int *col, bool *visible)
{
    if (row != NULL) {
        *row = t->cy;
    }
    if (col != NULL) {
        *col = t->cx;
    }
    if (visible != NULL) {
        *visible = (t->modes & TERM_MODE_CURSOR) != 0;
    }
}

void term_take_damage(struct term *t, struct term_damage *out)
{
    bool visible = (t->modes & TERM_MODE_CURSOR) != 0;
    if (t->dmg_first <= t->dmg_last) {
        out->first = t->dmg_first;
        out->last = t->dmg_last;
    } else {
        out->first = 0;
        out->last = -1;
    }
    out->scrolled = t->dmg_scrolled;
    out->cursor = t->cy != t->shown_row || t->cx != t->shown_col || visible != t->shown_visible;
    out->bell = t->dmg_bell;
    out->selection = t->dmg_selection;
    t->shown_row = t->cy;
    t->shown_col = t->cx;
    t->shown_visible = visible;
    term_damage_reset(t);
}

void term_sel_drop(struct term *t)
{
    t->sel = false;
    t->dmg_selection = true;
}
