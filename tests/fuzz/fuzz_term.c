/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the terminal model (src/term): any bytes, fed in pieces into any size,
 * with resizes, selections, text and damage taken in between, keep the model's invariants (cursor
 * on screen, every kept line readable, bounded scrollback, valid cells, valid UTF-8 text); the
 * session log splitter gets the same bytes. */
#include "term.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

#define FUZZ_HEADER       4u
#define FUZZ_MAX_INPUT    65536u
#define FUZZ_COLS_SPAN    130 /* cols from TERM_COLS_MIN */
#define FUZZ_ROWS_SPAN    40
#define FUZZ_SCROLLBACK   63u /* data[2] & this; 0 = the default */
#define FUZZ_CHUNK_MAX    300u
#define FUZZ_FULL_CHECK   4000 /* lines checked cell by cell at most */
#define FUZZ_UNICODE_MAX  0x10FFFFu
#define FUZZ_SURROGATE_LO 0xD800u
#define FUZZ_SURROGATE_HI 0xDFFFu
#define FUZZ_ATTR_ALL     (TERM_ATTR_BOLD | TERM_ATTR_REVERSE | TERM_ATTR_UNDERLINE)
#define FUZZ_REPLY_MAX    32u
#define FUZZ_ESC          0x1B

struct fuzz_rng {
    uint32_t x;
};

static uint32_t fuzz_next(struct fuzz_rng *r)
{
    r->x ^= r->x << 13;
    r->x ^= r->x >> 17;
    r->x ^= r->x << 5;
    return r->x;
}

static void fuzz_reply(void *ctx, const char *bytes, size_t len)
{
    size_t *total = ctx;
    FUZZ_CHECK(len >= 3 && len <= FUZZ_REPLY_MAX);
    FUZZ_CHECK(bytes[0] == FUZZ_ESC && bytes[1] == '[');
    *total += len;
}

static void fuzz_log_line(void *ctx, const char *text, size_t len)
{
    size_t *lines = ctx;
    FUZZ_CHECK(len <= TERM_LOG_LINE_MAX);
    for (size_t i = 0; i < len; i++) {
        FUZZ_CHECK(text[i] != '\n' && text[i] != '\r' && text[i] != FUZZ_ESC);
    }
    (*lines)++;
}

/* Well-formed UTF-8 (what the text functions must give). */
static bool fuzz_utf8_ok(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t b = (uint8_t)s[i];
        size_t n = b < 0x80           ? 1
                   : (b >> 5) == 0x6  ? 2
                   : (b >> 4) == 0xE  ? 3
                   : (b >> 3) == 0x1E ? 4
                                      : 0;
        if (n == 0 || i + n > len) {
            return false;
        }
        for (size_t k = 1; k < n; k++) {
            if (((uint8_t)s[i + k] >> 6) != 0x2) {
                return false;
            }
        }
        i += n;
    }
    return true;
}

static void fuzz_check_text(char *text, size_t len, bool may_be_null)
{
    if (text == NULL) {
        FUZZ_CHECK(may_be_null);
        return;
    }
    FUZZ_CHECK(text[len] == '\0');
    FUZZ_CHECK(strlen(text) == len);
    FUZZ_CHECK(fuzz_utf8_ok(text, len));
    free(text);
}

static void fuzz_check_cell(const struct term_cell *c)
{
    FUZZ_CHECK(c->ch == 0 || (c->ch >= 0x20 && c->ch != 0x7F));
    FUZZ_CHECK(c->ch <= FUZZ_UNICODE_MAX);
    FUZZ_CHECK(c->ch < FUZZ_SURROGATE_LO || c->ch > FUZZ_SURROGATE_HI);
    FUZZ_CHECK(c->fg < TERM_COLORS || c->fg == TERM_COLOR_DEFAULT);
    FUZZ_CHECK(c->bg < TERM_COLORS || c->bg == TERM_COLOR_DEFAULT);
    FUZZ_CHECK((c->attr & ~FUZZ_ATTR_ALL) == 0);
}

/* cells_all: check every cell of every kept line (else only the cursor's line: cheaper, for the
 * checks between pieces). */
static void fuzz_invariants(const struct term *t, size_t scrollback, bool cells_all)
{
    int cols = term_cols(t);
    int rows = term_rows(t);
    FUZZ_CHECK(cols >= TERM_COLS_MIN && cols <= TERM_COLS_MAX);
    FUZZ_CHECK(rows >= TERM_ROWS_MIN && rows <= TERM_ROWS_MAX);
    int row = -1;
    int col = -1;
    bool visible = false;
    term_cursor(t, &row, &col, &visible);
    FUZZ_CHECK(row >= 0 && row < rows && col >= 0 && col < cols);
    int64_t top = term_top(t);
    int64_t oldest = term_oldest(t);
    FUZZ_CHECK(oldest >= 0 && oldest <= top);
    FUZZ_CHECK((uint64_t)(top - oldest) <= scrollback);
    FUZZ_CHECK(term_line(t, oldest - 1, NULL) == NULL);
    FUZZ_CHECK(term_line(t, top + rows, NULL) == NULL);
    int64_t first = top + rows - oldest > FUZZ_FULL_CHECK ? top : oldest;
    for (int64_t l = first; l < top + rows; l++) {
        bool wrapped = false;
        const struct term_cell *cells = term_line(t, l, &wrapped);
        FUZZ_CHECK(cells != NULL);
        for (int c = 0; (cells_all || l == top + row) && c < cols; c++) {
            fuzz_check_cell(&cells[c]);
        }
    }
    FUZZ_CHECK(term_line(t, oldest, NULL) != NULL);
    struct term_pos s;
    struct term_pos e;
    if (term_selection(t, &s, &e)) {
        FUZZ_CHECK(s.line >= oldest && e.line < top + rows);
        FUZZ_CHECK(s.line < e.line || (s.line == e.line && s.col <= e.col));
        FUZZ_CHECK(s.col >= 0 && s.col < cols && e.col >= 0 && e.col < cols);
        FUZZ_CHECK(term_selected(t, s.line, s.col) && term_selected(t, e.line, e.col));
    }
}

/* Something a user or the view does between two pieces of output. */
static void fuzz_action(struct term *t, struct fuzz_rng *r)
{
    uint32_t what = fuzz_next(r) % 16u;
    int64_t oldest = term_oldest(t);
    int64_t span = term_top(t) + term_rows(t) - oldest;
    struct term_pos a = {oldest + (int64_t)(fuzz_next(r) % (uint32_t)(span + 2)) - 1,
                         (int)(fuzz_next(r) % (uint32_t)(term_cols(t) + 2)) - 1};
    struct term_pos b = {oldest + (int64_t)(fuzz_next(r) % (uint32_t)(span + 2)) - 1,
                         (int)(fuzz_next(r) % (uint32_t)(term_cols(t) + 2)) - 1};
    size_t len = 0;
    struct term_damage d;
    switch (what) {
    case 0:
        term_resize(t, TERM_COLS_MIN + (int)(fuzz_next(r) % FUZZ_COLS_SPAN),
                    TERM_ROWS_MIN + (int)(fuzz_next(r) % FUZZ_ROWS_SPAN));
        break;
    case 1: term_select(t, a, b); break;
    case 2: term_select_word(t, a); break;
    case 3: term_select_all(t); break;
    case 4: term_select_clear(t); break;
    case 5: fuzz_check_text(term_selection_text(t, &len), len, true); break;
    case 6: fuzz_check_text(term_text(t, a.line, b.line, &len), len, false); break;
    case 7:
        if (fuzz_next(r) % 8u == 0) {
            term_clear(t);
        }
        break;
    default:
        term_take_damage(t, &d);
        if (d.first <= d.last) {
            FUZZ_CHECK(d.first >= 0 && d.last < term_rows(t));
        }
        break;
    }
    char keys[TERM_KEY_BYTES_MAX];
    for (int k = 0; k < TERM_KEY_COUNT; k++) {
        size_t n = term_key_bytes(t, (enum term_key)k, keys);
        FUZZ_CHECK(n >= 1 && n <= TERM_KEY_BYTES_MAX);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < FUZZ_HEADER || size - FUZZ_HEADER > FUZZ_MAX_INPUT) {
        return 0;
    }
    size_t replies = 0;
    size_t scrollback = data[2] & FUZZ_SCROLLBACK;
    struct term_config cfg = {TERM_COLS_MIN + data[0] % FUZZ_COLS_SPAN,
                              TERM_ROWS_MIN + data[1] % FUZZ_ROWS_SPAN, scrollback, fuzz_reply,
                              &replies};
    struct term *t = term_new(&cfg);
    FUZZ_CHECK(t != NULL);
    size_t kept = scrollback == 0 ? TERM_SCROLLBACK_DEFAULT : scrollback;
    struct fuzz_rng rng = {0x9E3779B9u ^ ((uint32_t)data[3] << 8 | data[2])};
    size_t lines = 0;
    struct term_log *log = term_log_new(fuzz_log_line, &lines);
    FUZZ_CHECK(log != NULL);
    const uint8_t *in = data + FUZZ_HEADER;
    size_t len = size - FUZZ_HEADER;
    size_t off = 0;
    while (off < len) {
        size_t piece = data[3] == 0 ? len : 1 + fuzz_next(&rng) % FUZZ_CHUNK_MAX;
        if (piece > len - off) {
            piece = len - off;
        }
        term_write(t, in + off, piece);
        term_log_write(log, in + off, piece);
        off += piece;
        fuzz_invariants(t, kept, false);
        fuzz_action(t, &rng);
    }
    fuzz_invariants(t, kept, true);
    term_log_flush(log);
    FUZZ_CHECK(lines <= len + 1);
    size_t n = 0;
    fuzz_check_text(term_text(t, term_oldest(t), term_top(t) + term_rows(t) - 1, &n), n, false);
    term_log_free(log);
    term_free(t);
    return 0;
}
