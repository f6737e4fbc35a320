/* SPDX-License-Identifier: MIT */
/* The terminal model: the VT100/xterm subset that MicroPython, the ESP8266 ROM and SDK logs
 * produce, parsed into a grid of cells with scrollback, selection and damage tracking. It never
 * draws (src/win/termview.c paints it) and uses the C standard library only. No input can crash
 * it or grow its memory beyond what term_new() sized. */
#ifndef MF_TERM_H
#define MF_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TERM_SCROLLBACK_DEFAULT 10000u
#define TERM_SCROLLBACK_MAX     1000000u
#define TERM_COLS_MIN           2
#define TERM_COLS_MAX           1000
#define TERM_ROWS_MIN           1
#define TERM_ROWS_MAX           500
#define TERM_REPLACEMENT        0xFFFDu /* shown for invalid UTF-8 */

/* Colours: 0-7 normal, 8-15 bright (SGR 30-37/90-97, 40-47/100-107); TERM_COLOR_DEFAULT is the
 * view's own foreground or background. */
#define TERM_COLOR_DEFAULT 0xFFu
#define TERM_COLORS        16u

enum term_attr {
    TERM_ATTR_BOLD = 1u << 0,
    TERM_ATTR_REVERSE = 1u << 1,
    TERM_ATTR_UNDERLINE = 1u << 2,
};

struct term_cell {
    uint32_t ch; /* Unicode code point; 0 = never written (drawn as a space) */
    uint8_t fg;  /* 0-15 or TERM_COLOR_DEFAULT */
    uint8_t bg;
    uint8_t attr; /* enum term_attr bits */
};

/* Lines are numbered absolutely: 0 is the first line the terminal ever had, and numbers never
 * change as output scrolls. Screen row r is line term_top() + r; scrollback lines go back to
 * term_oldest(). */
struct term_pos {
    int64_t line;
    int col;
};

/* What changed since the last term_take_damage(): screen rows first..last (first > last when
 * none), how many lines scrolled off the top into scrollback, and whether the cursor moved.
 * Rows are those of the screen as it is now: a view that moves its old picture up by `scrolled`
 * rows (all of it is stale when scrolled >= rows) and repaints first..last is up to date. A
 * scroll region or a resize damages the rows instead (a resize damages all of them). */
struct term_damage {
    int first;
    int last;
    unsigned scrolled;
    bool cursor;
    bool bell;      /* BEL arrived */
    bool selection; /* the selection changed or was cleared by new output */
};

struct term_config {
    int cols;          /* clamped to TERM_COLS_MIN..TERM_COLS_MAX */
    int rows;          /* clamped to TERM_ROWS_MIN..TERM_ROWS_MAX */
    size_t scrollback; /* lines kept above the screen; 0 = TERM_SCROLLBACK_DEFAULT */
    /* Answers to device-status (ESC[5n) and cursor-position (ESC[6n) queries go here. */
    void (*reply)(void *ctx, const char *bytes, size_t len);
    void *ctx;
};

struct term; /* opaque */

/* NULL when out of memory. */
struct term *term_new(const struct term_config *config);
void term_free(struct term *t); /* NULL is allowed */

/* Bytes from the board, any split: a UTF-8 character or escape sequence may span calls. */
void term_write(struct term *t, const void *data, size_t len);

/* New screen size (clamped). Lines are not re-wrapped; the cursor's line stays on screen, lines
 * pushed off the top go to scrollback. Returns false when out of memory (size unchanged). */
bool term_resize(struct term *t, int cols, int rows);

/* Empties the screen and the scrollback, cursor home; parser state and colours are kept. */
void term_clear(struct term *t);

int term_cols(const struct term *t);
int term_rows(const struct term *t);
int64_t term_top(const struct term *t);
int64_t term_oldest(const struct term *t);

/* The cols cells of an absolute line, NULL when it is outside term_oldest()..term_top()+rows-1.
 * *wrapped (may be NULL) says the line continues on the next one (auto-wrap, not a newline). The
 * pointer is valid until the next call that changes the terminal. */
const struct term_cell *term_line(const struct term *t, int64_t line, bool *wrapped);

/* Cursor position on screen (row 0..rows-1, col 0..cols-1) and whether it is shown (DECTCEM). */
void term_cursor(const struct term *t, int *row, int *col, bool *visible);

/* Returns what changed since the last call and starts collecting afresh. */
void term_take_damage(struct term *t, struct term_damage *out);

/* Selection, from anchor to end (either order), inclusive of both cells. A selection whose lines
 * leave the scrollback, or that new output overwrites, is cleared. */
void term_select(struct term *t, struct term_pos anchor, struct term_pos end);
void term_select_word(struct term *t, struct term_pos at); /* double-click */
void term_select_all(struct term *t);
void term_select_clear(struct term *t);
/* The normalised selection (start before end); false when there is none. */
bool term_selection(const struct term *t, struct term_pos *start, struct term_pos *end);
bool term_selected(const struct term *t, int64_t line, int col);

/* Text as UTF-8 (malloc'ed, NUL-terminated, *len without the NUL; NULL when empty selection or
 * out of memory): lines end in "\n" except wrapped ones, trailing blanks of each line dropped.
 * (A selection that ends before the end of its last line gets no "\n" there; term_text gives ""
 * for a range with no kept line.) */
char *term_selection_text(const struct term *t, size_t *len);
/* Lines first..last (clamped to what is kept), same rules; for Save log and the view's text. */
char *term_text(const struct term *t, int64_t first, int64_t last, size_t *len);

/* Keys that are not text. */
enum term_key {
    TERM_KEY_ENTER,
    TERM_KEY_BACKSPACE,
    TERM_KEY_TAB,
    TERM_KEY_ESCAPE,
    TERM_KEY_UP,
    TERM_KEY_DOWN,
    TERM_KEY_RIGHT,
    TERM_KEY_LEFT,
    TERM_KEY_HOME,
    TERM_KEY_END,
    TERM_KEY_INSERT,
    TERM_KEY_DELETE,
    TERM_KEY_PAGE_UP,
    TERM_KEY_PAGE_DOWN,
    TERM_KEY_COUNT
};

#define TERM_KEY_BYTES_MAX 8
/* The bytes a key sends to the board (honouring the application-cursor mode the board set: the
 * arrows send ESC O x instead of ESC [ x); returns the count (0 for none). Enter is "\r",
 * Backspace 0x7F as MicroPython's readline and PuTTY agree. */
size_t term_key_bytes(const struct term *t, enum term_key key, char out[TERM_KEY_BYTES_MAX]);

/* One code point as UTF-8 (1-4 bytes; invalid code points give U+FFFD). */
size_t term_utf8_encode(uint32_t cp, char out[4]);

/* ---- The session log: board output as timestamped lines (term_log.c) ---- */

/* Splits board bytes into lines: escape sequences and CR dropped, BS removes the character
 * before it, invalid UTF-8 becomes U+FFFD, a line longer than TERM_LOG_LINE_MAX is cut there
 * (the rest starts the next line). `line` gets each finished line (UTF-8, no newline, not
 * NUL-terminated). Other C0 controls are dropped, TAB is kept. */
#define TERM_LOG_LINE_MAX 4096u
struct term_log;
struct term_log *term_log_new(void (*line)(void *ctx, const char *text, size_t len), void *ctx);
void term_log_write(struct term_log *l, const void *data, size_t len);
void term_log_flush(struct term_log *l); /* hands over an unfinished line */
void term_log_free(struct term_log *l);  /* NULL is allowed; does not flush */

#endif
