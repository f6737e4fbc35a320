/* SPDX-License-Identifier: MIT */
/* MicroPython's readline as the ESP8266 port builds it (VT100, auto-indent, Tab, 8 history
 * entries, no emacs keys): the bytes each key echoes, and pyexec's continuation rule. */
#include "repl.h"

#include <stdlib.h>
#include <string.h>

#define CHAR_CTRL_A    0x01
#define CHAR_CTRL_C    0x03
#define CHAR_CTRL_E    0x05
#define CHAR_BS        0x08
#define CHAR_TAB       0x09
#define CHAR_CR        0x0D
#define CHAR_ESC       0x1B
#define CHAR_DEL       0x7F
#define CHAR_PRINT_MIN 0x20
#define CHAR_PRINT_MAX 0x7E

#define AUTO_INDENT_ENABLED    0x01u
#define AUTO_INDENT_JUST_ADDED 0x02u
#define INDENT_WIDTH           4u
#define BACK_FAST_MAX          4u /* up to 4 steps back go out as "\b"s, more as ESC[nD */
#define SPACE_UNDO             3u /* a space after auto-indent removes 3 of its 4 spaces */

enum rl_esc { ESEQ_NONE, ESEQ_ESC, ESEQ_ESC_BRACKET, ESEQ_ESC_BRACKET_DIGIT, ESEQ_ESC_O };

/* What a key asks the redraw to do (readline_process_char's redraw_* variables). */
struct rl_redraw {
    size_t back;
    size_t forward;
    bool from_cursor;
};

void sim_repl_rl_init(struct sim_repl_readline *rl)
{
    memset(rl, 0, sizeof *rl);
    rl->hist_cur = -1;
}

void sim_repl_rl_clear_history(struct sim_repl_readline *rl)
{
    for (size_t i = 0; i < SIM_REPL_HISTORY; i++) {
        free(rl->hist[i]);
        rl->hist[i] = NULL;
    }
    rl->hist_cur = -1;
}

void sim_repl_rl_free(struct sim_repl_readline *rl)
{
    sim_repl_rl_clear_history(rl);
    sim_mpy_buf_free(&rl->line);
}

static void rl_push_history(struct sim_repl_readline *rl, const char *s, size_t n)
{
    char *copy;
    if (n == 0 || (rl->hist[0] && strlen(rl->hist[0]) == n && memcmp(rl->hist[0], s, n) == 0))
        return;
    copy = malloc(n + 1);
    if (!copy)
        return;
    memcpy(copy, s, n);
    copy[n] = '\0';
    free(rl->hist[SIM_REPL_HISTORY - 1]);
    memmove(rl->hist + 1, rl->hist, (SIM_REPL_HISTORY - 1) * sizeof rl->hist[0]);
    rl->hist[0] = copy;
}

static void rl_move_back(size_t n, struct sim_mpy_buf *out)
{
    if (n <= BACK_FAST_MAX)
        sim_mpy_buf_put(out, "\b\b\b\b", n);
    else
        sim_mpy_buf_printf(out, "\x1b[%zuD", n);
}

static void rl_insert(struct sim_repl_readline *rl, size_t at, const char *s, size_t n)
{
    struct sim_mpy_buf *b = &rl->line;
    sim_mpy_buf_put(b, s, n); /* grows */
    memmove(b->p + at + n, b->p + at, b->len - n - at);
    memcpy(b->p + at, s, n);
}

static void rl_cut(struct sim_repl_readline *rl, size_t at, size_t n)
{
    struct sim_mpy_buf *b = &rl->line;
    memmove(b->p + at, b->p + at + n, b->len - at - n);
    b->len -= n;
}

static void rl_auto_indent(struct sim_repl_readline *rl, struct sim_mpy_buf *out)
{
    const char *s = (const char *)rl->line.p;
    size_t len = rl->line.len, i, j, n;

    if (!(rl->auto_indent & AUTO_INDENT_ENABLED) || len <= 1 || s[len - 1] != '\n')
        return;
    for (i = len - 1; i > 0 && s[i - 1] != '\n'; i--)
        ;
    for (j = i; j < len && s[j] == ' '; j++)
        ;
    if (i > 0 && j + 1 == len) {
        /* the last line is all spaces: no indent when the one before is too */
        for (size_t k = i - 1; k > 0; --k) {
            if (s[k - 1] == '\n')
                return;
            if (s[k - 1] != ' ')
                break;
        }
    }
    n = (j - i) / INDENT_WIDTH;
    if (s[len - 2] == ':')
        n++;
    while (n-- > 0) {
        sim_mpy_buf_put(&rl->line, "    ", INDENT_WIDTH);
        sim_mpy_buf_put(out, "    ", INDENT_WIDTH);
        rl->cursor += INDENT_WIDTH;
        rl->auto_indent |= AUTO_INDENT_JUST_ADDED;
    }
}

void sim_repl_rl_start(struct sim_repl_readline *rl, const char *prompt, struct sim_mpy_buf *out)
{
    rl->orig = rl->line.len;
    rl->esc = ESEQ_NONE;
    rl->esc_digit = 0;
    rl->hist_cur = -1;
    rl->cursor = rl->orig;
    rl->prompt = prompt;
    sim_mpy_buf_str(out, prompt);
    if (rl->line.len == 0)
        rl->auto_indent = AUTO_INDENT_ENABLED;
    rl_auto_indent(rl, out);
}

static void rl_set_history_line(struct sim_repl_readline *rl, struct rl_redraw *d)
{
    rl->line.len = rl->orig;
    if (rl->hist_cur >= 0)
        sim_mpy_buf_str(&rl->line, rl->hist[rl->hist_cur]);
    d->back = rl->cursor - rl->orig;
    d->from_cursor = true;
    d->forward = rl->line.len - rl->orig;
}

static void rl_tab(struct sim_repl_readline *rl, struct sim_mpy *mpy, struct sim_mpy_buf *out,
                   struct rl_redraw *d)
{
    const char *compl = NULL;
    size_t n;
    char before = rl->cursor > 0 ? (char)rl->line.p[rl->cursor - 1] : 'x';

    if (rl->line.len != 0 && (before == ' ' || before == '\t' || before == '\n' || before == '\r' ||
                              before == '\f' || before == '\v')) {
        compl = "    ";
        n = INDENT_WIDTH;
    } else {
        n = sim_mpy_complete(mpy, (const char *)rl->line.p + rl->orig, rl->cursor - rl->orig, out,
                             &compl );
    }
    if (n == 0)
        return;
    if (n == (size_t)-1) {
        sim_mpy_buf_str(out, rl->prompt);
        sim_mpy_buf_put(out, rl->line.p + rl->orig, rl->cursor - rl->orig);
        d->from_cursor = true;
        return;
    }
    rl_insert(rl, rl->cursor, compl, n);
    d->from_cursor = true;
    d->forward = n;
}

/* Keys of the normal state; returns a value for pyexec or -1. */
static int rl_plain(struct sim_repl_readline *rl, int c, struct sim_mpy *mpy,
                    struct sim_mpy_buf *out, struct rl_redraw *d)
{
    if (c >= CHAR_CTRL_A && c <= CHAR_CTRL_E && rl->line.len == rl->orig)
        return c;
    if (c == CHAR_CTRL_A) {
        d->back = rl->cursor - rl->orig; /* home */
    } else if (c == CHAR_CTRL_C) {
        return c;
    } else if (c == CHAR_CTRL_E) {
        d->forward = rl->line.len - rl->cursor; /* end */
    } else if (c == CHAR_CR) {
        sim_mpy_buf_str(out, "\r\n");
        rl_push_history(rl, (const char *)rl->line.p + rl->orig, rl->line.len - rl->orig);
        return 0;
    } else if (c == CHAR_ESC) {
        rl->esc = ESEQ_ESC;
    } else if (c == CHAR_BS || c == CHAR_DEL) {
        if (rl->cursor > rl->orig) {
            size_t nspace = 0;
            for (size_t i = rl->orig; i < rl->cursor; i++) {
                if (rl->line.p[i] != ' ') {
                    nspace = 0;
                    break;
                }
                nspace++;
            }
            nspace = nspace < INDENT_WIDTH ? 1 : INDENT_WIDTH;
            rl_cut(rl, rl->cursor - nspace, nspace);
            d->back = nspace;
            d->from_cursor = true;
        }
    } else if ((rl->auto_indent & AUTO_INDENT_JUST_ADDED) && (c == CHAR_TAB || c == ' ')) {
        rl->auto_indent = 0;
        if (c == ' ') {
            d->back = SPACE_UNDO;
            rl->line.len -= SPACE_UNDO;
        }
    } else if (c == CHAR_TAB) {
        rl_tab(rl, mpy, out, d);
    } else if (c >= CHAR_PRINT_MIN && c <= CHAR_PRINT_MAX) {
        char ch = (char)c;
        rl_insert(rl, rl->cursor, &ch, 1);
        d->from_cursor = true;
        d->forward = 1;
    }
    return -1;
}

static void rl_home_end_delete(struct sim_repl_readline *rl, char key, struct rl_redraw *d)
{
    if (key == '1' || key == '7') {
        d->back = rl->cursor - rl->orig;
    } else if (key == '4' || key == '8') {
        d->forward = rl->line.len - rl->cursor;
    } else if (key == '3' && rl->cursor < rl->line.len) {
        rl_cut(rl, rl->cursor, 1);
        d->from_cursor = true;
    }
}

static void rl_bracket(struct sim_repl_readline *rl, int c, struct rl_redraw *d)
{
    if (c >= '0' && c <= '9') {
        rl->esc = ESEQ_ESC_BRACKET_DIGIT;
        rl->esc_digit = (char)c;
        return;
    }
    rl->esc = ESEQ_NONE;
    switch (c) {
    case 'A':
        if (rl->hist_cur + 1 < (int)SIM_REPL_HISTORY && rl->hist[rl->hist_cur + 1]) {
            rl->hist_cur++;
            rl_set_history_line(rl, d);
        }
        break;
    case 'B':
        if (rl->hist_cur >= 0) {
            rl->hist_cur--;
            rl_set_history_line(rl, d);
        }
        break;
    case 'C':
        if (rl->cursor < rl->line.len)
            d->forward = 1;
        break;
    case 'D':
        if (rl->cursor > rl->orig)
            d->back = 1;
        break;
    case 'H': rl_home_end_delete(rl, '1', d); break;
    case 'F': rl_home_end_delete(rl, '4', d); break;
    default: break;
    }
}

static void rl_redraw(struct sim_repl_readline *rl, size_t last_len, const struct rl_redraw *d,
                      struct sim_mpy_buf *out)
{
    if (d->back > 0) {
        rl_move_back(d->back, out);
        rl->cursor -= d->back;
    }
    if (d->from_cursor) {
        if (rl->line.len < last_len)
            sim_mpy_buf_str(out, "\x1b[K");
        sim_mpy_buf_put(out, rl->line.p + rl->cursor, rl->line.len - rl->cursor);
        rl_move_back(rl->line.len - (rl->cursor + d->forward), out);
        rl->cursor += d->forward;
    } else if (d->forward > 0) {
        sim_mpy_buf_put(out, rl->line.p + rl->cursor, d->forward);
        rl->cursor += d->forward;
    }
}

int sim_repl_rl_char(struct sim_repl_readline *rl, int c, struct sim_mpy *mpy,
                     struct sim_mpy_buf *out)
{
    size_t last_len = rl->line.len;
    struct rl_redraw d = {0, 0, false};

    switch (rl->esc) {
    case ESEQ_NONE: {
        int r = rl_plain(rl, c, mpy, out, &d);
        if (r >= 0)
            return r;
        break;
    }
    case ESEQ_ESC: rl->esc = c == '[' ? ESEQ_ESC_BRACKET : c == 'O' ? ESEQ_ESC_O : ESEQ_NONE; break;
    case ESEQ_ESC_BRACKET: rl_bracket(rl, c, &d); break;
    case ESEQ_ESC_BRACKET_DIGIT:
        /* only "ESC [ n ~" is a key; ';' (a cursor position report) and the rest end the
         * sequence here, so what follows is typed as text */
        if (c == '~')
            rl_home_end_delete(rl, rl->esc_digit, &d);
        rl->esc = ESEQ_NONE;
        break;
    case ESEQ_ESC_O:
        if (c == 'H' || c == 'F')
            rl_home_end_delete(rl, c == 'H' ? '1' : '4', &d);
        rl->esc = ESEQ_NONE;
        break;
    default: rl->esc = ESEQ_NONE; break;
    }
    rl_redraw(rl, last_len, &d, out);
    rl->auto_indent &= (uint8_t)~AUTO_INDENT_JUST_ADDED;
    return -1;
}

static bool starts_with_word(const char *s, const char *w)
{
    size_t n = strlen(w);
    char next;
    if (strncmp(s, w, n) != 0)
        return false;
    next = s[n];
    return !((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') ||
             (next >= '0' && next <= '9') || next == '_');
}

bool sim_repl_continue_with_input(const char *input)
{
    static const char *const COMPOUND[] = {"if",   "while", "for",   "try",
                                           "with", "def",   "class", "async"};
    enum { Q_NONE, Q_1_SINGLE, Q_1_DOUBLE, Q_3_SINGLE, Q_3_DOUBLE };
    bool compound = input[0] == '@';
    int paren = 0, brack = 0, brace = 0, q = Q_NONE;
    const char *i;

    if (input[0] == '\0')
        return false;
    for (size_t k = 0; k < sizeof COMPOUND / sizeof COMPOUND[0]; k++)
        compound |= starts_with_word(input, COMPOUND[k]);
    for (i = input; *i; i++) {
        if (*i == '\'' || *i == '"') {
            int one = *i == '\'' ? Q_1_SINGLE : Q_1_DOUBLE;
            int three = *i == '\'' ? Q_3_SINGLE : Q_3_DOUBLE;
            if ((q == Q_NONE || q == three) && i[1] == *i && i[2] == *i) {
                i += 2;
                q = q == three ? Q_NONE : three;
            } else if (q == Q_NONE || q == one) {
                q = q == one ? Q_NONE : one;
            }
        } else if (*i == '\\' && (i[1] == '\'' || i[1] == '"' || i[1] == '\\')) {
            if (q != Q_NONE)
                i++;
        } else if (q == Q_NONE) {
            paren += (*i == '(') - (*i == ')');
            brack += (*i == '[') - (*i == ']');
            brace += (*i == '{') - (*i == '}');
        }
    }
    if (q == Q_3_SINGLE || q == Q_3_DOUBLE)
        return true;
    if ((paren > 0 || brack > 0 || brace > 0) && q == Q_NONE)
        return true;
    if (i[-1] == '\\')
        return true;
    return compound && i[-1] != '\n';
}
