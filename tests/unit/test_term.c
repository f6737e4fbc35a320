/* SPDX-License-Identifier: MIT */
/* Unit tests of the terminal model (src/term): byte scripts with the screen and cursor they must
 * leave, colours, UTF-8, replies, keys, scrollback, selection, damage, resize and the log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "term.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_TEXT_MAX 4096

/* What the terminal answered (DSR/CPR). */
struct replies {
    char buf[256];
    size_t len;
    unsigned count;
};

static void on_reply(void *ctx, const char *bytes, size_t len)
{
    struct replies *r = ctx;
    assert_true(r->len + len <= sizeof r->buf);
    memcpy(r->buf + r->len, bytes, len);
    r->len += len;
    r->count++;
}

static struct term *mk(int cols, int rows, size_t scrollback, struct replies *r)
{
    struct term_config cfg = {cols, rows, scrollback, on_reply, r};
    struct term *t = term_new(&cfg);
    assert_non_null(t);
    return t;
}

static void feed(struct term *t, const char *s)
{
    term_write(t, s, strlen(s));
}

/* Line `line` as UTF-8, never-written cells as spaces, trailing spaces dropped. */
static const char *line_text(const struct term *t, int64_t line, char buf[TEST_TEXT_MAX])
{
    const struct term_cell *cells = term_line(t, line, NULL);
    assert_non_null(cells);
    size_t n = 0;
    for (int c = 0; c < term_cols(t); c++) {
        char u[4];
        size_t k = term_utf8_encode(cells[c].ch == 0 ? ' ' : cells[c].ch, u);
        assert_true(n + k < TEST_TEXT_MAX);
        memcpy(buf + n, u, k);
        n += k;
    }
    while (n > 0 && buf[n - 1] == ' ') {
        n--;
    }
    buf[n] = '\0';
    return buf;
}

static const char *row_text(const struct term *t, int row, char buf[TEST_TEXT_MAX])
{
    return line_text(t, term_top(t) + row, buf);
}

/* The screen must show `rows` (NULL-terminated; rows after them blank) with the cursor at
 * (crow, ccol). */
static void expect_screen(const struct term *t, const char *const *rows, int crow, int ccol)
{
    char buf[TEST_TEXT_MAX];
    bool ended = false;
    for (int r = 0; r < term_rows(t); r++) {
        const char *want = !ended && rows[r] != NULL ? rows[r] : "";
        ended = ended || rows[r] == NULL;
        const char *got = row_text(t, r, buf);
        if (strcmp(got, want) != 0) {
            fail_msg("row %d: got \"%s\", want \"%s\"", r, got, want);
        }
    }
    int row = -1;
    int col = -1;
    term_cursor(t, &row, &col, NULL);
    assert_int_equal(row, crow);
    assert_int_equal(col, ccol);
}

#define SCREEN(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct term_cell *cell_at(const struct term *t, int row, int col)
{
    return &term_line(t, term_top(t) + row, NULL)[col];
}

static bool line_wrapped(const struct term *t, int64_t line)
{
    bool w = false;
    assert_non_null(term_line(t, line, &w));
    return w;
}

static void expect_text(char *got, const size_t *len, const char *want)
{
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(*len, strlen(want)); /* read after the call filled it */
    free(got);
}

/* ---- printing, wrap, controls ---- */

static void test_plain_crlf(void **state)
{
    (void)state;
    struct term *t = mk(10, 4, 0, NULL);
    feed(t, "hello\r\nworld");
    expect_screen(t, SCREEN("hello", "world"), 1, 5);
    feed(t, "\r\n\r\n\r\n>>> ");
    expect_screen(t, SCREEN("world", "", "", ">>>"), 3, 4);
    assert_int_equal(term_top(t), 1);
    assert_int_equal(term_oldest(t), 0);
    char buf[TEST_TEXT_MAX];
    assert_string_equal(line_text(t, 0, buf), "hello");
    /* LF alone moves down without going back to column 0 */
    feed(t, "ab\ncd");
    expect_screen(t, SCREEN("", "", ">>> ab", "      cd"), 3, 8);
    term_free(t);
}

static void test_deferred_wrap(void **state)
{
    (void)state;
    struct term *t = mk(5, 3, 0, NULL);
    feed(t, "abcde");
    expect_screen(t, SCREEN("abcde"), 0, 4); /* cursor stays on the last column */
    assert_false(line_wrapped(t, 0));
    feed(t, "f");
    expect_screen(t, SCREEN("abcde", "f"), 1, 1);
    assert_true(line_wrapped(t, 0));
    assert_false(line_wrapped(t, 1));
    size_t len = 0;
    expect_text(term_text(t, 0, 1, &len), &len, "abcdef\n");
    /* CR LF after exactly a full line: no wrap, no empty line */
    feed(t, "\r\nvwxyz\r\nk");
    expect_screen(t, SCREEN("f", "vwxyz", "k"), 2, 1);
    assert_false(line_wrapped(t, 2));
    /* a wide run across several lines in one write */
    struct term *w = mk(4, 4, 0, NULL);
    feed(w, "0123456789");
    expect_screen(w, SCREEN("0123", "4567", "89"), 2, 2);
    assert_true(line_wrapped(w, 0));
    assert_true(line_wrapped(w, 1));
    assert_false(line_wrapped(w, 2));
    term_free(w);
    term_free(t);
}

static void test_autowrap_off(void **state)
{
    (void)state;
    struct term *t = mk(5, 2, 0, NULL);
    feed(t, "\x1b[?7labcdefgh");
    expect_screen(t, SCREEN("abcdh"), 0, 4);
    feed(t, "\x1b[?7h\rABCDEFG");
    expect_screen(t, SCREEN("ABCDE", "FG"), 1, 2);
    term_free(t);
}

static void test_bs_tab(void **state)
{
    (void)state;
    struct term *t = mk(20, 2, 0, NULL);
    feed(t, "abc\bX");
    expect_screen(t, SCREEN("abX"), 0, 3);
    feed(t, "\b\b\b\b\bZ"); /* stops at column 0, erases nothing */
    expect_screen(t, SCREEN("ZbX"), 0, 1);
    feed(t, "\tT");
    expect_screen(t, SCREEN("ZbX     T"), 0, 9);
    feed(t, "\t\t\t\t"); /* clamps to the last column */
    expect_screen(t, SCREEN("ZbX     T"), 0, 19);
    feed(t, "\x1b[Z\x1b[Z");
    expect_screen(t, SCREEN("ZbX     T"), 0, 8);
    /* BS on the last column with the wrap pending: back one, no wrap */
    feed(t, "\r\x1b[20Gq\bs");
    expect_screen(t, SCREEN("ZbX     T         sq"), 0, 19);
    term_free(t);
}

static void test_readline_editing(void **state)
{
    (void)state;
    /* what MicroPython's readline sends while a line is edited */
    struct term *t = mk(40, 3, 0, NULL);
    feed(t, ">>> print(1)");
    feed(t, "\b\x1b[K"); /* backspace */
    expect_screen(t, SCREEN(">>> print(1"), 0, 11);
    feed(t, "\x1b[3D"); /* cursor left 3 */
    expect_screen(t, SCREEN(">>> print(1"), 0, 8);
    feed(t, "Xt(1\x1b[3D"); /* insert: rest redrawn, cursor back */
    expect_screen(t, SCREEN(">>> prinXt(1"), 0, 9);
    feed(t, "\b\x1b[Kt(1\x1b[3D"); /* delete before cursor */
    expect_screen(t, SCREEN(">>> print(1"), 0, 8);
    feed(t, "\x1b[K(1\x1b[2D"); /* Delete key: line redrawn from the cursor */
    expect_screen(t, SCREEN(">>> prin(1"), 0, 8);
    feed(t, "\r>>> \x1b[K"); /* history recall: whole line replaced */
    feed(t, "import os");
    expect_screen(t, SCREEN(">>> import os"), 0, 13);
    feed(t, "\r\n1\r\n>>> ");
    expect_screen(t, SCREEN(">>> import os", "1", ">>>"), 2, 4);
    term_free(t);
}

static void test_erase(void **state)
{
    (void)state;
    struct term *t = mk(5, 3, 0, NULL);
    static const char fill[] = "\x1b[H11111\r\n22222\r\n33333\x1b[2;3H";
    feed(t, fill);
    feed(t, "\x1b[K");
    expect_screen(t, SCREEN("11111", "22", "33333"), 1, 2);
    feed(t, fill);
    feed(t, "\x1b[1K");
    expect_screen(t, SCREEN("11111", "   22", "33333"), 1, 2);
    feed(t, fill);
    feed(t, "\x1b[2K");
    expect_screen(t, SCREEN("11111", "", "33333"), 1, 2);
    feed(t, fill);
    feed(t, "\x1b[J");
    expect_screen(t, SCREEN("11111", "22"), 1, 2);
    feed(t, fill);
    feed(t, "\x1b[1J");
    expect_screen(t, SCREEN("", "   22", "33333"), 1, 2);
    feed(t, fill);
    feed(t, "\x1b[2J");
    expect_screen(t, SCREEN(""), 1, 2); /* ED does not move the cursor */
    feed(t, fill);
    feed(t, "\x1b[2X");
    expect_screen(t, SCREEN("11111", "22  2", "33333"), 1, 2);
    feed(t, fill);
    feed(t, "\x1b[2@");
    expect_screen(t, SCREEN("11111", "22  2", "33333"), 1, 2);
    feed(t, "\x1b[H\x1b[2P");
    expect_screen(t, SCREEN("111", "22  2", "33333"), 0, 0);
    feed(t, "\x1b[3;2H\x1b[99P");
    expect_screen(t, SCREEN("111", "22  2", "3"), 2, 1);
    term_free(t);
}

static void test_cursor_moves(void **state)
{
    (void)state;
    struct term *t = mk(10, 5, 0, NULL);
    feed(t, "\x1b[99;99H");
    expect_screen(t, SCREEN(""), 4, 9);
    feed(t, "\x1b[0;0H");
    expect_screen(t, SCREEN(""), 0, 0);
    feed(t, "\x1b[3;4H");
    expect_screen(t, SCREEN(""), 2, 3);
    feed(t, "\x1b[2;5f");
    expect_screen(t, SCREEN(""), 1, 4);
    feed(t, "\x1b[7G");
    expect_screen(t, SCREEN(""), 1, 6);
    feed(t, "\x1b[999G");
    expect_screen(t, SCREEN(""), 1, 9);
    feed(t, "\x1b[4d");
    expect_screen(t, SCREEN(""), 3, 9);
    feed(t, "\x1b[99A");
    expect_screen(t, SCREEN(""), 0, 9);
    feed(t, "\x1b[2B\x1b[3D");
    expect_screen(t, SCREEN(""), 2, 6);
    feed(t, "\x1b[C");
    expect_screen(t, SCREEN(""), 2, 7);
    feed(t, "\x1b[E");
    expect_screen(t, SCREEN(""), 3, 0);
    feed(t, "\x1b[5C\x1b[2F");
    expect_screen(t, SCREEN(""), 1, 0);
    feed(t, "\x1b[99999999999999999999B"); /* values saturate */
    expect_screen(t, SCREEN(""), 4, 0);
    /* save and restore, DEC and SCO */
    feed(t, "\x1b[2;3H\x1b"
            "7\x1b[5;5H\x1b"
            "8X");
    expect_screen(t, SCREEN("", "  X"), 1, 3);
    feed(t, "\x1b[3;1H\x1b[s\x1b[H\x1b[uY");
    expect_screen(t, SCREEN("", "  X", "Y"), 2, 1);
    /* index, next line, reverse index */
    feed(t, "\x1b"
            "D");
    expect_screen(t, SCREEN("", "  X", "Y"), 3, 1);
    feed(t, "\x1b"
            "E");
    expect_screen(t, SCREEN("", "  X", "Y"), 4, 0);
    feed(t, "\x1b[H\x1bMtop");
    expect_screen(t, SCREEN("top", "", "  X", "Y"), 0, 3);
    term_free(t);
}

static void test_scroll_region(void **state)
{
    (void)state;
    struct term *t = mk(5, 5, 100, NULL);
    feed(t, "1\r\n2\r\n3\r\n4\r\n5");
    feed(t, "\x1b[2;4r");
    expect_screen(t, SCREEN("1", "2", "3", "4", "5"), 0, 0); /* DECSTBM homes */
    feed(t, "\x1b[4;1H\nx");
    expect_screen(t, SCREEN("1", "3", "4", "x", "5"), 3, 1);
    assert_int_equal(term_oldest(t), 0);
    assert_int_equal(term_top(t), 0); /* nothing went to the scrollback */
    feed(t, "\x1b[2;1H\x1bMy");
    expect_screen(t, SCREEN("1", "y", "3", "4", "5"), 1, 1);
    feed(t, "\x1b[3;3H\x1b[L");
    expect_screen(t, SCREEN("1", "y", "", "3", "5"), 2, 0);
    feed(t, "\x1b[2;1H\x1b[2M");
    expect_screen(t, SCREEN("1", "3", "", "", "5"), 1, 0);
    feed(t, "\x1b[2;1Ha\r\nb\r\nc\x1b[S");
    expect_screen(t, SCREEN("1", "b", "c", "", "5"), 3, 1);
    feed(t, "\x1b[2T");
    expect_screen(t, SCREEN("1", "", "", "b", "5"), 3, 1);
    /* CUD stops at the bottom margin; outside the region IL does nothing */
    feed(t, "\x1b[2;1H\x1b[9B");
    expect_screen(t, SCREEN("1", "", "", "b", "5"), 3, 0);
    feed(t, "\x1b[5;1H\x1b[L");
    expect_screen(t, SCREEN("1", "", "", "b", "5"), 4, 0);
    /* full region again: LF at the bottom goes to the scrollback */
    feed(t, "\x1b[r\x1b[5;1H\n");
    assert_int_equal(term_top(t), 1);
    expect_screen(t, SCREEN("", "", "b", "5"), 4, 0);
    term_free(t);
}

static void test_sgr(void **state)
{
    (void)state;
    struct term *t = mk(20, 2, 0, NULL);
    feed(t, "\x1b[1;31;44mA\x1b[0mB\x1b[7;92;103mC\x1b[27;39;49;22mD\x1b[4mE\x1b[24;mF");
    const struct term_cell *c = cell_at(t, 0, 0);
    assert_int_equal(c->ch, 'A');
    assert_int_equal(c->fg, 1);
    assert_int_equal(c->bg, 4);
    assert_int_equal(c->attr, TERM_ATTR_BOLD);
    c = cell_at(t, 0, 1);
    assert_int_equal(c->fg, TERM_COLOR_DEFAULT);
    assert_int_equal(c->bg, TERM_COLOR_DEFAULT);
    assert_int_equal(c->attr, 0);
    c = cell_at(t, 0, 2);
    assert_int_equal(c->fg, 10);
    assert_int_equal(c->bg, 11);
    assert_int_equal(c->attr, TERM_ATTR_REVERSE);
    c = cell_at(t, 0, 3);
    assert_int_equal(c->fg, TERM_COLOR_DEFAULT);
    assert_int_equal(c->bg, TERM_COLOR_DEFAULT);
    assert_int_equal(c->attr, 0);
    assert_int_equal(cell_at(t, 0, 4)->attr, TERM_ATTR_UNDERLINE);
    assert_int_equal(cell_at(t, 0, 5)->attr, 0); /* "24;" then an empty one: reset */
    feed(t, "\x1b[38;5;9mG\x1b[38;5;196mH\x1b[48;2;0;0;238mI\x1b[38;5;300mJ\x1b[38;5;232mK");
    feed(t, "\x1b[38:5:2mL\x1b[mM\x1b[35;1;95mN\x1b[38;5mO\x1b[m");
    assert_int_equal(cell_at(t, 0, 6)->fg, 9);
    assert_int_equal(cell_at(t, 0, 7)->fg, 9); /* 196 is pure red */
    assert_int_equal(cell_at(t, 0, 8)->bg, 4); /* 0,0,238 is colour 4 */
    assert_int_equal(cell_at(t, 0, 9)->fg, TERM_COLOR_DEFAULT);
    assert_int_equal(cell_at(t, 0, 10)->fg, 0); /* darkest grey: black */
    assert_int_equal(cell_at(t, 0, 11)->fg, 2);
    assert_int_equal(cell_at(t, 0, 12)->fg, TERM_COLOR_DEFAULT);
    assert_int_equal(cell_at(t, 0, 13)->fg, 13);
    assert_int_equal(cell_at(t, 0, 13)->attr, TERM_ATTR_BOLD);
    assert_int_equal(cell_at(t, 0, 14)->fg, TERM_COLOR_DEFAULT); /* malformed 38;5 */
    /* erase takes the background colour */
    feed(t, "\r\n\x1b[42mx\x1b[K\x1b[m");
    assert_int_equal(cell_at(t, 1, 5)->bg, 2);
    assert_int_equal(cell_at(t, 1, 5)->ch, 0);
    term_free(t);
}

/* ---- UTF-8 ---- */

static void expect_cells(const struct term *t, int row, const uint32_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t got = cell_at(t, row, (int)i)->ch;
        if (got != want[i]) {
            fail_msg("cell %zu: got U+%04X, want U+%04X", i, (unsigned)got, (unsigned)want[i]);
        }
    }
}

static void test_utf8(void **state)
{
    (void)state;
    struct term *t = mk(30, 3, 0, NULL);
    feed(t, "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z");
    static const uint32_t good[] = {'a', 0xE9, 0x20AC, 0x1F600, 'z'};
    expect_cells(t, 0, good, 5);
    expect_screen(t, SCREEN("aé€😀z"), 0, 5);
    feed(t, "\r\n");
    /* lone bad byte, overlong, surrogate, truncated before ASCII, above U+10FFFF, C1 */
    feed(t, "a\xff"
            "b\xc0\xaf"
            "c\xed\xa0\x80"
            "d\xe2\x82"
            "e\xf4\x90\x80\x80"
            "f\xc2\x85g");
    static const uint32_t bad[] = {'a', 0xFFFD, 'b', 0xFFFD, 0xFFFD, 'c',    0xFFFD, 0xFFFD, 0xFFFD,
                                   'd', 0xFFFD, 'e', 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 'f',    'g'};
    expect_cells(t, 1, bad, sizeof bad / sizeof bad[0]);
    /* a sequence broken by a control: the replacement, then the control acts */
    feed(t, "\r\n\xe2\x82\r!");
    static const uint32_t broken[] = {'!'};
    expect_cells(t, 2, broken, 1);
    assert_int_equal(cell_at(t, 2, 1)->ch, 0);
    term_free(t);
}

static void test_utf8_split(void **state)
{
    (void)state;
    struct term *t = mk(10, 2, 0, NULL);
    feed(t, "\xe2");
    feed(t, "\x82");
    feed(t, "\xac");
    feed(t, "\xf0\x9f");
    feed(t, "\x98\x80");
    static const uint32_t want[] = {0x20AC, 0x1F600};
    expect_cells(t, 0, want, 2);
    /* an escape sequence split everywhere */
    feed(t, "\x1b");
    feed(t, "[");
    feed(t, "3");
    feed(t, "1mR");
    assert_int_equal(cell_at(t, 0, 2)->fg, 1);
    assert_int_equal(cell_at(t, 0, 2)->ch, 'R');
    expect_screen(t, SCREEN("€😀R"), 0, 3);
    term_free(t);
}

static void test_utf8_encode(void **state)
{
    (void)state;
    char out[4];
    assert_int_equal(term_utf8_encode('A', out), 1);
    assert_int_equal(out[0], 'A');
    assert_int_equal(term_utf8_encode(0xE9, out), 2);
    assert_memory_equal(out, "\xc3\xa9", 2);
    assert_int_equal(term_utf8_encode(0x20AC, out), 3);
    assert_memory_equal(out, "\xe2\x82\xac", 3);
    assert_int_equal(term_utf8_encode(0x1F600, out), 4);
    assert_memory_equal(out, "\xf0\x9f\x98\x80", 4);
    assert_int_equal(term_utf8_encode(0xD800, out), 3);
    assert_memory_equal(out, "\xef\xbf\xbd", 3);
    assert_int_equal(term_utf8_encode(0x110000, out), 3);
    assert_memory_equal(out, "\xef\xbf\xbd", 3);
}

static void test_strings_and_unknown(void **state)
{
    (void)state;
    struct term *t = mk(20, 2, 0, NULL);
    feed(t, "a\x1b]0;title\x07"
            "b\x1bP1;2q#0;2\x1b\\c\x1b]8;;x\x1b\\d");
    feed(t, "\x1b[12\x18"
            "e\x1b[?1049h\x1b[>c\x1b[!p\x1b(Bf\x1b#8\x1b=g\x1b[1$}h\x1bZi");
    expect_screen(t, SCREEN("abcdefghi"), 0, 9);
    /* an OSC whose end got lost is given up after its cap */
    feed(t, "\r\n\x1b]0;");
    for (int i = 0; i < 5000; i++) {
        feed(t, "z");
    }
    char buf[TEST_TEXT_MAX];
    assert_int_equal(strlen(row_text(t, 1, buf)) > 0, 1);
    term_free(t);
}

/* ---- replies and keys ---- */

static void test_dsr(void **state)
{
    (void)state;
    struct replies r = {{0}, 0, 0};
    struct term *t = mk(20, 5, 0, &r);
    feed(t, "\x1b[5n");
    assert_int_equal(r.count, 1);
    assert_int_equal(r.len, 4);
    assert_memory_equal(r.buf, "\x1b[0n", 4);
    r.len = 0;
    feed(t, "\x1b[3;7H\x1b[6n");
    assert_int_equal(r.count, 2);
    assert_int_equal(r.len, 6);
    assert_memory_equal(r.buf, "\x1b[3;7R", 6);
    r.len = 0;
    feed(t, "\x1b[?6n\x1b[7n\x1b[>6n");
    assert_int_equal(r.count, 2);
    assert_int_equal(r.len, 0);
    /* the size probe some MicroPython tools send */
    feed(t, "\x1b"
            "7\x1b[r\x1b[999;999H\x1b[6n\x1b"
            "8");
    assert_int_equal(r.len, 7);
    assert_memory_equal(r.buf, "\x1b[5;20R", 7);
    expect_screen(t, SCREEN(""), 2, 6);
    term_free(t);
}

static void expect_key(const struct term *t, enum term_key key, const char *want)
{
    char out[TERM_KEY_BYTES_MAX];
    size_t n = term_key_bytes(t, key, out);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(out, want, n);
}

static void test_keys(void **state)
{
    (void)state;
    struct term *t = mk(20, 5, 0, NULL);
    expect_key(t, TERM_KEY_ENTER, "\r");
    expect_key(t, TERM_KEY_BACKSPACE, "\x7f");
    expect_key(t, TERM_KEY_TAB, "\t");
    expect_key(t, TERM_KEY_ESCAPE, "\x1b");
    expect_key(t, TERM_KEY_UP, "\x1b[A");
    expect_key(t, TERM_KEY_DOWN, "\x1b[B");
    expect_key(t, TERM_KEY_RIGHT, "\x1b[C");
    expect_key(t, TERM_KEY_LEFT, "\x1b[D");
    expect_key(t, TERM_KEY_HOME, "\x1b[H");
    expect_key(t, TERM_KEY_END, "\x1b[F");
    expect_key(t, TERM_KEY_INSERT, "\x1b[2~");
    expect_key(t, TERM_KEY_DELETE, "\x1b[3~");
    expect_key(t, TERM_KEY_PAGE_UP, "\x1b[5~");
    expect_key(t, TERM_KEY_PAGE_DOWN, "\x1b[6~");
    expect_key(t, TERM_KEY_COUNT, "");
    feed(t, "\x1b[?1h");
    expect_key(t, TERM_KEY_UP, "\x1bOA");
    expect_key(t, TERM_KEY_DOWN, "\x1bOB");
    expect_key(t, TERM_KEY_RIGHT, "\x1bOC");
    expect_key(t, TERM_KEY_LEFT, "\x1bOD");
    expect_key(t, TERM_KEY_ENTER, "\r");
    expect_key(t, TERM_KEY_HOME, "\x1b[H");
    feed(t, "\x1b[?1l");
    expect_key(t, TERM_KEY_UP, "\x1b[A");
    feed(t, "\x1b[?1;25h");
    expect_key(t, TERM_KEY_LEFT, "\x1bOD");
    feed(t, "\x1b"
            "c"); /* reset leaves application mode */
    expect_key(t, TERM_KEY_LEFT, "\x1b[D");
    term_free(t);
}

static void test_cursor_visible(void **state)
{
    (void)state;
    struct term *t = mk(20, 5, 0, NULL);
    bool visible = false;
    term_cursor(t, NULL, NULL, &visible);
    assert_true(visible);
    feed(t, "\x1b[?25l");
    term_cursor(t, NULL, NULL, &visible);
    assert_false(visible);
    struct term_damage d;
    term_take_damage(t, &d);
    feed(t, "\x1b[?25h");
    term_take_damage(t, &d);
    assert_true(d.cursor);
    term_cursor(t, NULL, NULL, &visible);
    assert_true(visible);
    term_free(t);
}

/* ---- scrollback ---- */

static void test_scrollback_limit(void **state)
{
    (void)state;
    struct term *t = mk(8, 3, 10, NULL);
    char line[32];
    for (int i = 0; i < 30; i++) {
        snprintf(line, sizeof line, "L%d\r\n", i);
        feed(t, line);
    }
    /* line 30 is the empty one the cursor is on, at the bottom */
    assert_int_equal(term_top(t), 28);
    assert_int_equal(term_oldest(t), 18);
    assert_null(term_line(t, 17, NULL));
    assert_null(term_line(t, 31, NULL));
    assert_non_null(term_line(t, 30, NULL));
    char buf[TEST_TEXT_MAX];
    assert_string_equal(line_text(t, 18, buf), "L18");
    assert_string_equal(line_text(t, 29, buf), "L29");
    expect_screen(t, SCREEN("L28", "L29"), 2, 0);
    size_t len = 0;
    char *all = term_text(t, -100, 1000, &len);
    assert_non_null(all);
    assert_int_equal(strncmp(all, "L18\nL19\n", 8), 0);
    assert_int_equal(len, 12 * 4 + 1); /* L18..L29 with their "\n", then the empty line */
    free(all);
    /* ED 3 drops the scrollback, the screen stays */
    feed(t, "\x1b[3J");
    assert_int_equal(term_oldest(t), 28);
    assert_int_equal(term_top(t), 28);
    assert_null(term_line(t, 27, NULL));
    expect_screen(t, SCREEN("L28", "L29"), 2, 0);
    /* and output goes on numbering */
    feed(t, "x\r\ny\r\n");
    assert_int_equal(term_top(t), 30);
    assert_int_equal(term_oldest(t), 28);
    term_free(t);
}

static void test_scrollback_default(void **state)
{
    (void)state;
    struct term *t = mk(80, 24, 0, NULL);
    for (unsigned i = 0; i < TERM_SCROLLBACK_DEFAULT + 500u; i++) {
        feed(t, "0123456789\r\n");
    }
    assert_int_equal(term_top(t) - term_oldest(t), TERM_SCROLLBACK_DEFAULT);
    assert_int_equal(term_top(t), TERM_SCROLLBACK_DEFAULT + 500u - 23u);
    term_free(t);
}

/* ---- selection and text ---- */

static void test_selection_text(void **state)
{
    (void)state;
    struct term *t = mk(5, 4, 0, NULL);
    feed(t, "abcdefgh\r\nxy  z\r\na\x1b[2Cb");
    expect_screen(t, SCREEN("abcde", "fgh", "xy  z", "a  b"), 3, 4);
    struct term_pos a = {0, 1};
    struct term_pos b = {2, 3};
    term_select(t, b, a); /* either order */
    struct term_pos s;
    struct term_pos e;
    assert_true(term_selection(t, &s, &e));
    assert_int_equal(s.line, 0);
    assert_int_equal(s.col, 1);
    assert_int_equal(e.line, 2);
    assert_int_equal(e.col, 3);
    assert_true(term_selected(t, 1, 0));
    assert_true(term_selected(t, 0, 1));
    assert_false(term_selected(t, 0, 0));
    assert_false(term_selected(t, 2, 4));
    size_t len = 0;
    expect_text(term_selection_text(t, &len), &len, "bcdefgh\nxy");
    /* a wrapped line's end counts, blanks in the middle are spaces */
    struct term_pos c = {0, 3};
    struct term_pos d = {3, 4};
    term_select(t, c, d);
    expect_text(term_selection_text(t, &len), &len, "defgh\nxy  z\na  b\n");
    expect_text(term_text(t, 0, 3, &len), &len, "abcdefgh\nxy  z\na  b\n");
    expect_text(term_text(t, 1, 1, &len), &len, "fgh\n");
    expect_text(term_text(t, 5, 9, &len), &len, "");
    term_select_clear(t);
    assert_false(term_selection(t, NULL, NULL));
    assert_null(term_selection_text(t, &len));
    assert_int_equal(len, 0);
    /* a selection inside one line */
    struct term_pos f = {2, 0};
    struct term_pos g = {2, 1};
    term_select(t, f, g);
    expect_text(term_selection_text(t, &len), &len, "xy");
    term_free(t);
}

static void test_select_word(void **state)
{
    (void)state;
    struct term *t = mk(12, 3, 0, NULL);
    feed(t, "foo_bar1 baz.qux\xc3\xa9 x");
    /* row 0 "foo_bar1 baz", row 1 ".quxé x" */
    struct term_pos at = {0, 5};
    size_t len = 0;
    term_select_word(t, at);
    expect_text(term_selection_text(t, &len), &len, "foo_bar1");
    at.col = 10;
    term_select_word(t, at);
    expect_text(term_selection_text(t, &len), &len, "baz");
    at.line = 1;
    at.col = 0;
    term_select_word(t, at);
    expect_text(term_selection_text(t, &len), &len, ".");
    at.col = 2;
    term_select_word(t, at);
    expect_text(term_selection_text(t, &len), &len, "qux\xc3\xa9");
    /* a word across a wrapped line end */
    feed(t, "\r\nabcdefghijklmno p");
    at.line = 2;
    at.col = 1;
    term_select_word(t, at);
    expect_text(term_selection_text(t, &len), &len, "abcdefghijklmno");
    struct term_pos s;
    struct term_pos e;
    assert_true(term_selection(t, &s, &e));
    assert_int_equal(s.line, 2);
    assert_int_equal(s.col, 0);
    assert_int_equal(e.line, 3);
    assert_int_equal(e.col, 2);
    term_free(t);
}

static void test_select_all(void **state)
{
    (void)state;
    struct term *t = mk(10, 5, 10, NULL);
    feed(t, "one\r\ntwo\r\nthree\r\nfour\r\nfive\r\n>>> ");
    term_select_all(t);
    struct term_pos s;
    struct term_pos e;
    assert_true(term_selection(t, &s, &e));
    assert_int_equal(s.line, 0);
    assert_int_equal(s.col, 0);
    assert_int_equal(e.line, 5);
    assert_int_equal(e.col, 9);
    size_t len = 0;
    expect_text(term_selection_text(t, &len), &len, "one\ntwo\nthree\nfour\nfive\n>>>\n");
    term_free(t);
    /* empty lines below the text and the cursor are left out */
    t = mk(10, 5, 10, NULL);
    feed(t, "hi\r\n\r\nthere\x1b[H");
    term_select_all(t);
    expect_text(term_selection_text(t, &len), &len, "hi\n\nthere\n");
    feed(t, "\x1b[2J");
    term_select_all(t);
    expect_text(term_selection_text(t, &len), &len, "\n");
    term_free(t);
}

static void test_selection_cleared(void **state)
{
    (void)state;
    struct term *t = mk(10, 3, 2, NULL);
    struct term_damage d;
    feed(t, "aaa\r\nbbb\r\nccc");
    struct term_pos a = {1, 0};
    struct term_pos b = {1, 2};
    term_select(t, a, b);
    term_take_damage(t, &d);
    assert_true(d.selection);
    /* output elsewhere keeps it */
    feed(t, "\x1b[1;5Hx\x1b[3;5Hy");
    assert_true(term_selection(t, NULL, NULL));
    term_take_damage(t, &d);
    assert_false(d.selection);
    /* writing into its line clears it */
    feed(t, "\x1b[2;8Hz");
    assert_false(term_selection(t, NULL, NULL));
    term_take_damage(t, &d);
    assert_true(d.selection);
    /* scrolling keeps it while its line is kept, then drops it */
    term_select(t, a, b);
    feed(t, "\x1b[3;1H\r\n\r\n");
    assert_true(term_selection(t, NULL, NULL)); /* line 1 is in the scrollback now */
    assert_int_equal(term_oldest(t), 0);
    feed(t, "\r\n\r\n");
    assert_int_equal(term_oldest(t), 2);
    assert_false(term_selection(t, NULL, NULL));
    /* erasing the line clears it too */
    struct term_pos c = {5, 0};
    struct term_pos e = {5, 1};
    term_select(t, c, e);
    feed(t, "\x1b[2J");
    assert_false(term_selection(t, NULL, NULL));
    term_free(t);
}

/* ---- damage ---- */

static void test_damage(void **state)
{
    (void)state;
    struct term *t = mk(10, 3, 10, NULL);
    struct term_damage d;
    term_take_damage(t, &d);
    assert_int_equal(d.first, 0); /* a new terminal is all damaged */
    assert_int_equal(d.last, 2);
    assert_true(d.cursor);
    term_take_damage(t, &d);
    assert_true(d.first > d.last);
    assert_false(d.cursor);
    assert_int_equal(d.scrolled, 0);
    feed(t, "\x1b[2;1Hxy");
    term_take_damage(t, &d);
    assert_int_equal(d.first, 1);
    assert_int_equal(d.last, 1);
    assert_true(d.cursor);
    assert_false(d.bell);
    feed(t, "\x1b[3;1H");
    term_take_damage(t, &d);
    assert_true(d.first > d.last); /* a move damages no row */
    assert_true(d.cursor);
    feed(t, "\a");
    term_take_damage(t, &d);
    assert_true(d.bell);
    assert_false(d.cursor);
    term_take_damage(t, &d);
    assert_false(d.bell);
    /* scrolling: the count, and rows in the new screen's numbering */
    feed(t, "\x1b[1;1Hq\x1b[3;1H\r\n\r\n");
    term_take_damage(t, &d);
    assert_int_equal(d.scrolled, 2);
    assert_int_equal(d.first, 1);
    assert_int_equal(d.last, 2);
    feed(t, "\r\n\r\n\r\nend");
    term_take_damage(t, &d);
    assert_int_equal(d.scrolled, 3);
    assert_int_equal(d.first, 0);
    assert_int_equal(d.last, 2);
    /* a scroll region moves rows without scrolling */
    feed(t, "\x1b[1;2r\x1b[2;1H\n");
    term_take_damage(t, &d);
    assert_int_equal(d.scrolled, 0);
    assert_int_equal(d.first, 0);
    assert_int_equal(d.last, 1);
    term_free(t);
}

/* ---- resize and clear ---- */

static void test_resize(void **state)
{
    (void)state;
    struct term *t = mk(10, 5, 100, NULL);
    feed(t, "r0\r\nr1\r\nr2\r\nr3\r\nr4 long!");
    expect_screen(t, SCREEN("r0", "r1", "r2", "r3", "r4 long!"), 4, 8);
    assert_true(term_resize(t, 10, 3));
    expect_screen(t, SCREEN("r2", "r3", "r4 long!"), 2, 8);
    assert_int_equal(term_top(t), 2);
    assert_int_equal(term_oldest(t), 0);
    char buf[TEST_TEXT_MAX];
    assert_string_equal(line_text(t, 0, buf), "r0");
    struct term_damage d;
    term_take_damage(t, &d);
    assert_int_equal(d.first, 0);
    assert_int_equal(d.last, 2);
    assert_int_equal(d.scrolled, 2);
    assert_true(term_resize(t, 4, 3)); /* columns cut, cursor clamped */
    expect_screen(t, SCREEN("r2", "r3", "r4 l"), 2, 3);
    assert_true(term_resize(t, 12, 6)); /* wider and taller: blank space, nothing pulled back */
    expect_screen(t, SCREEN("r2", "r3", "r4 l"), 2, 3);
    assert_int_equal(term_top(t), 2);
    feed(t, "X\r\nnext");
    expect_screen(t, SCREEN("r2", "r3", "r4 X", "next"), 3, 4);
    assert_int_equal(cell_at(t, 2, 11)->ch, 0);
    assert_int_equal(cell_at(t, 2, 11)->fg, TERM_COLOR_DEFAULT);
    /* the cursor near the top: lines below are dropped, none pushed */
    feed(t, "\x1b[H");
    assert_true(term_resize(t, 12, 2));
    expect_screen(t, SCREEN("r2", "r3"), 0, 0);
    assert_int_equal(term_top(t), 2);
    /* limits clamp */
    assert_true(term_resize(t, 1, 0));
    assert_int_equal(term_cols(t), TERM_COLS_MIN);
    assert_int_equal(term_rows(t), TERM_ROWS_MIN);
    assert_true(term_resize(t, 100000, 100000));
    assert_int_equal(term_cols(t), TERM_COLS_MAX);
    assert_int_equal(term_rows(t), TERM_ROWS_MAX);
    term_free(t);
}

static void test_resize_scrollback_cap(void **state)
{
    (void)state;
    struct term *t = mk(10, 6, 2, NULL);
    feed(t, "a\r\nb\r\nc\r\nd\r\ne\r\nf");
    assert_true(term_resize(t, 10, 2)); /* 4 lines pushed, only 2 kept */
    assert_int_equal(term_top(t), 4);
    assert_int_equal(term_oldest(t), 2);
    expect_screen(t, SCREEN("e", "f"), 1, 1);
    char buf[TEST_TEXT_MAX];
    assert_string_equal(line_text(t, 2, buf), "c");
    term_free(t);
}

static void test_clear(void **state)
{
    (void)state;
    struct term *t = mk(10, 3, 10, NULL);
    feed(t, "a\r\nb\r\nc\r\nd\r\n\x1b[31mred");
    assert_int_equal(term_top(t), 2);
    term_clear(t);
    expect_screen(t, SCREEN(""), 0, 0);
    assert_int_equal(term_oldest(t), term_top(t));
    feed(t, "x");
    assert_int_equal(cell_at(t, 0, 0)->fg, 1); /* colours kept */
    /* a sequence in progress is kept too */
    feed(t, "\x1b[");
    term_clear(t);
    feed(t, "32my");
    expect_screen(t, SCREEN("y"), 0, 1);
    assert_int_equal(cell_at(t, 0, 0)->fg, 2);
    /* a reset keeps the scrollback */
    feed(t, "\r\n\r\n\r\n\r\n\x1b"
            "c");
    assert_true(term_top(t) > term_oldest(t));
    expect_screen(t, SCREEN(""), 0, 0);
    term_free(t);
}

/* ---- garbage ---- */

static void test_garbage(void **state)
{
    (void)state;
    struct replies r = {{0}, 0, 0};
    struct term *t = mk(80, 24, 200, &r);
    uint8_t buf[4096];
    uint32_t x = 74880u;
    unsigned replaced = 0;
    for (int round = 0; round < 256; round++) {
        size_t n = 1 + (x % sizeof buf);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            buf[i] = (uint8_t)(x >> 24);
        }
        term_write(t, buf, n);
        r.len = 0; /* replies are allowed, any number */
        int row = -1;
        int col = -1;
        term_cursor(t, &row, &col, NULL);
        assert_true(row >= 0 && row < 24 && col >= 0 && col < 80);
        for (int64_t l = term_oldest(t); l < term_top(t) + 24; l++) {
            const struct term_cell *c = term_line(t, l, NULL);
            assert_non_null(c);
            for (int k = 0; k < 80; k++) {
                replaced += c[k].ch == TERM_REPLACEMENT;
                assert_true(c[k].ch == 0 || c[k].ch >= 0x20);
                assert_true(c[k].ch <= 0x10FFFF);
                assert_true(c[k].fg < TERM_COLORS || c[k].fg == TERM_COLOR_DEFAULT);
            }
        }
        assert_true(term_top(t) - term_oldest(t) <= 200);
    }
    assert_true(replaced > 0);
    term_free(t);
}

/* ---- the session log ---- */

struct log_lines {
    char text[8][TERM_LOG_LINE_MAX + 1];
    size_t len[8];
    size_t n;
};

static void on_line(void *ctx, const char *text, size_t len)
{
    struct log_lines *l = ctx;
    assert_true(l->n < 8);
    assert_true(len <= TERM_LOG_LINE_MAX);
    memcpy(l->text[l->n], text, len);
    l->text[l->n][len] = '\0';
    l->len[l->n++] = len;
}

static void test_log(void **state)
{
    (void)state;
    struct log_lines *lines = calloc(1, sizeof *lines);
    assert_non_null(lines);
    struct term_log *l = term_log_new(on_line, lines);
    assert_non_null(l);
    static const char in[] =
            "\x1b[32mMicroPython\x1b[0m v1.22\r\n>>> prinx\x08\x1b[Kt(\"\xc3\xa9\")"
            "\x08\x08\x08\x08"
            "1)\r\n\x1b]0;t\x07ok\x1b"
            "7\r\n\xff\r\n";
    /* fed byte by byte: any split works */
    for (size_t i = 0; i + 1 < sizeof in; i++) {
        term_log_write(l, in + i, 1);
    }
    assert_int_equal(lines->n, 4);
    assert_string_equal(lines->text[0], "MicroPython v1.22");
    assert_string_equal(lines->text[1], ">>> print(1)");
    assert_string_equal(lines->text[2], "ok");
    assert_string_equal(lines->text[3], "\xef\xbf\xbd");
    /* an unfinished line comes with flush; an empty one is not handed over */
    term_log_write(l, "tail\x1b[", 6);
    term_log_flush(l);
    assert_int_equal(lines->n, 5);
    assert_string_equal(lines->text[4], "tail");
    term_log_flush(l);
    assert_int_equal(lines->n, 5);
    term_log_write(l, "1mx\n\n", 5); /* the sequence went on over the flush */
    assert_int_equal(lines->n, 7);
    assert_string_equal(lines->text[5], "x");
    assert_string_equal(lines->text[6], "");
    term_log_free(l);
    free(lines);
}

static void test_log_long_line(void **state)
{
    (void)state;
    struct log_lines *lines = calloc(1, sizeof *lines);
    assert_non_null(lines);
    struct term_log *l = term_log_new(on_line, lines);
    assert_non_null(l);
    char *big = malloc(TERM_LOG_LINE_MAX + 10);
    assert_non_null(big);
    memset(big, 'a', TERM_LOG_LINE_MAX - 1);
    memcpy(big + TERM_LOG_LINE_MAX - 1, "\xc3\xa9zz\n", 5); /* é does not fit: cut before it */
    term_log_write(l, big, TERM_LOG_LINE_MAX + 4);
    assert_int_equal(lines->n, 2);
    assert_int_equal(lines->len[0], TERM_LOG_LINE_MAX - 1);
    assert_string_equal(lines->text[1], "\xc3\xa9zz");
    term_log_free(l);
    term_log_free(NULL);
    free(big);
    free(lines);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_plain_crlf),
            cmocka_unit_test(test_deferred_wrap),
            cmocka_unit_test(test_autowrap_off),
            cmocka_unit_test(test_bs_tab),
            cmocka_unit_test(test_readline_editing),
            cmocka_unit_test(test_erase),
            cmocka_unit_test(test_cursor_moves),
            cmocka_unit_test(test_scroll_region),
            cmocka_unit_test(test_sgr),
            cmocka_unit_test(test_utf8),
            cmocka_unit_test(test_utf8_split),
            cmocka_unit_test(test_utf8_encode),
            cmocka_unit_test(test_strings_and_unknown),
            cmocka_unit_test(test_dsr),
            cmocka_unit_test(test_keys),
            cmocka_unit_test(test_cursor_visible),
            cmocka_unit_test(test_scrollback_limit),
            cmocka_unit_test(test_scrollback_default),
            cmocka_unit_test(test_selection_text),
            cmocka_unit_test(test_select_word),
            cmocka_unit_test(test_select_all),
            cmocka_unit_test(test_selection_cleared),
            cmocka_unit_test(test_damage),
            cmocka_unit_test(test_resize),
            cmocka_unit_test(test_resize_scrollback_cap),
            cmocka_unit_test(test_clear),
            cmocka_unit_test(test_garbage),
            cmocka_unit_test(test_log),
            cmocka_unit_test(test_log_long_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
