/* SPDX-License-Identifier: MIT */
/* Tokens of the tiny Python within one logical line: names, keywords, int and float literals,
 * string and bytes literals (prefixes, triple quotes, escapes) and operators. */
#include "mpy_impl.h"

#include <stdlib.h>
#include <string.h>

#define LEX_NUM_MAX 64u /* digits of a float literal we convert */

static const char *const KEYWORDS[] = {
        "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
        "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
        "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
        "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield",
};

/* Longest operators first. */
static const char *const OPERATORS[] = {
        "**=", "//=", ">>=", "<<=", "...", "**", "//", "==", "!=", "<=", ">=", "<<",
        ">>",  "->",  "+=",  "-=",  "*=",  "/=", "%=", "&=", "|=", "^=", "@=", ":=",
        "(",   ")",   "[",   "]",   "{",   "}",  ",",  ":",  ".",  ";",  "@",  "=",
        "+",   "-",   "*",   "/",   "%",   "&",  "|",  "^",  "~",  "<",  ">",
};

bool mpy_is_keyword(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof KEYWORDS / sizeof KEYWORDS[0]; i++)
        if (strlen(KEYWORDS[i]) == n && memcmp(KEYWORDS[i], s, n) == 0)
            return true;
    return false;
}

void mpy_lex_init(struct mpy_lex *lx, const char *s, size_t len)
{
    memset(lx, 0, sizeof *lx);
    lx->s = s;
    lx->len = len;
    mpy_lex_next(lx);
}

static bool is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (unsigned char)c >= 0x80;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_ident(char c)
{
    return is_ident_start(c) || is_digit(c);
}

static int digit_value(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return 99;
}

static void lex_skip(struct mpy_lex *lx)
{
    while (lx->pos < lx->len) {
        char c = lx->s[lx->pos];
        if (c == ' ' || c == '\t' || c == '\f' || c == '\r' || c == '\n') {
            lx->pos++;
        } else if (c == '\\' && lx->pos + 1 < lx->len && lx->s[lx->pos + 1] == '\n') {
            lx->pos += 2;
        } else if (c == '#') {
            while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
                lx->pos++;
        } else {
            break;
        }
    }
}

/* A string literal starting at p (after any prefix): its length including quotes, 0 if it
 * does not end. */
static size_t lex_string_len(const char *s, size_t len, size_t p)
{
    char q = s[p];
    bool triple = p + 2 < len && s[p + 1] == q && s[p + 2] == q;
    size_t i = p + (triple ? 3 : 1);

    while (i < len) {
        char c = s[i];
        if (c == '\\') {
            i += 2;
            continue;
        }
        if (!triple && c == '\n')
            return 0;
        if (c == q && (!triple || (i + 2 < len && s[i + 1] == q && s[i + 2] == q)))
            return i + (triple ? 3 : 1) - p;
        i++;
    }
    return 0;
}

static void lex_number(struct mpy_lex *lx)
{
    const char *s = lx->s;
    size_t i = lx->pos;
    struct mpy_tok *t = &lx->t;
    int base = 10;
    uint64_t v = 0;
    bool is_float = false;

    t->kind = MPY_TK_INT;
    if (s[i] == '0' && i + 1 < lx->len && strchr("xXoObB", s[i + 1]) && s[i + 1] != '\0') {
        base = (s[i + 1] == 'x' || s[i + 1] == 'X')   ? 16
               : (s[i + 1] == 'o' || s[i + 1] == 'O') ? 8
                                                      : 2;
        i += 2;
    }
    for (; i < lx->len; i++) {
        int d;
        if (s[i] == '_')
            continue;
        d = digit_value(s[i]);
        if (d >= base)
            break;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            t->overflow = true;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    if (base == 10 && i < lx->len && (s[i] == '.' || s[i] == 'e' || s[i] == 'E')) {
        is_float = true;
        if (s[i] == '.')
            for (i++; i < lx->len && (is_digit(s[i]) || s[i] == '_'); i++)
                ;
        if (i < lx->len && (s[i] == 'e' || s[i] == 'E')) {
            i++;
            if (i < lx->len && (s[i] == '+' || s[i] == '-'))
                i++;
            for (; i < lx->len && is_digit(s[i]); i++)
                ;
        }
    }
    if (i < lx->len && (is_ident(s[i]) || s[i] == '.')) {
        t->kind = MPY_TK_BAD; /* 12abc, 1.2.3, 3j */
        lx->pos = i;
        return;
    }
    t->len = i - lx->pos;
    if (is_float) {
        char buf[LEX_NUM_MAX + 1];
        size_t n = 0;
        for (size_t k = lx->pos; k < i && n < LEX_NUM_MAX; k++)
            if (s[k] != '_')
                buf[n++] = s[k];
        buf[n] = '\0';
        t->kind = MPY_TK_FLOAT;
        t->fval = strtod(buf, NULL);
    } else {
        if (v > (uint64_t)INT64_MAX)
            t->overflow = true;
        t->ival = (int64_t)(v & (uint64_t)INT64_MAX);
    }
    lx->pos = i;
}

void mpy_lex_next(struct mpy_lex *lx)
{
    struct mpy_tok *t = &lx->t;
    const char *s = lx->s;
    size_t p;

    lex_skip(lx);
    memset(t, 0, sizeof *t);
    t->pos = lx->pos;
    if (lx->pos >= lx->len) {
        t->kind = MPY_TK_END;
        return;
    }
    p = lx->pos;
    if (is_ident_start(s[p])) {
        size_t e = p;
        while (e < lx->len && is_ident(s[e]))
            e++;
        if (e - p <= 2 && e < lx->len && (s[e] == '\'' || s[e] == '"') &&
            strspn(s + p, "rRbBuUfF") >= e - p) {
            size_t n = lex_string_len(s, lx->len, e);
            t->kind = n ? MPY_TK_STR : MPY_TK_BAD;
            t->len = e - p + n;
            lx->pos = n ? p + t->len : lx->len;
            return;
        }
        t->kind = MPY_TK_NAME;
        t->len = e - p;
        lx->pos = e;
        return;
    }
    if (is_digit(s[p]) || (s[p] == '.' && p + 1 < lx->len && is_digit(s[p + 1]))) {
        lex_number(lx);
        return;
    }
    if (s[p] == '\'' || s[p] == '"') {
        size_t n = lex_string_len(s, lx->len, p);
        t->kind = n ? MPY_TK_STR : MPY_TK_BAD;
        t->len = n;
        lx->pos = n ? p + n : lx->len;
        return;
    }
    for (size_t i = 0; i < sizeof OPERATORS / sizeof OPERATORS[0]; i++) {
        size_t n = strlen(OPERATORS[i]);
        if (p + n <= lx->len && memcmp(s + p, OPERATORS[i], n) == 0) {
            t->kind = MPY_TK_OP;
            t->len = n;
            lx->pos = p + n;
            return;
        }
    }
    t->kind = MPY_TK_BAD;
    t->len = 1;
    lx->pos = p + 1;
}

bool mpy_tok_op(const struct mpy_lex *lx, const char *op)
{
    size_t n = strlen(op);
    return lx->t.kind == MPY_TK_OP && lx->t.len == n && memcmp(lx->s + lx->t.pos, op, n) == 0;
}

bool mpy_tok_kw(const struct mpy_lex *lx, const char *kw)
{
    size_t n = strlen(kw);
    return lx->t.kind == MPY_TK_NAME && lx->t.len == n && memcmp(lx->s + lx->t.pos, kw, n) == 0;
}

/* ---- string literals ---- */

static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Reads exactly n hex digits at s; false if they are not all there. */
static bool read_hex(const char *s, size_t avail, size_t n, uint32_t *out)
{
    uint32_t v = 0;
    if (avail < n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int d = digit_value(s[i]);
        if (d > 15)
            return false;
        v = v * 16u + (uint32_t)d;
    }
    *out = v;
    return true;
}

/* Simple one-character escapes: the letter after the backslash and the byte it stands for. */
static const char ESCAPES[][2] = {
        {'\\', '\\'}, {'\'', '\''}, {'"', '"'},  {'a', '\a'}, {'b', '\b'},
        {'f', '\f'},  {'n', '\n'},  {'r', '\r'}, {'t', '\t'}, {'v', '\v'},
};

static size_t decode_escape(const char *s, size_t avail, bool is_bytes, char *out, size_t *used)
{
    uint32_t v;
    for (size_t i = 0; i < sizeof ESCAPES / sizeof ESCAPES[0]; i++) {
        if (s[0] == ESCAPES[i][0]) {
            out[0] = ESCAPES[i][1];
            *used = 1;
            return 1;
        }
    }
    if (s[0] >= '0' && s[0] <= '7') {
        size_t n = 0;
        v = 0;
        while (n < 3 && n < avail && s[n] >= '0' && s[n] <= '7')
            v = v * 8u + (uint32_t)(s[n++] - '0');
        *used = n;
        if (!is_bytes && v >= 0x80)
            return utf8_encode(v, out);
        out[0] = (char)(v & 0xFFu);
        return 1;
    }
    if (s[0] == 'x' && read_hex(s + 1, avail - 1, 2, &v)) {
        *used = 3;
        if (!is_bytes && v >= 0x80)
            return utf8_encode(v, out);
        out[0] = (char)v;
        return 1;
    }
    if (!is_bytes && s[0] == 'u' && read_hex(s + 1, avail - 1, 4, &v)) {
        *used = 5;
        return utf8_encode(v, out);
    }
    if (!is_bytes && s[0] == 'U' && read_hex(s + 1, avail - 1, 8, &v) && v <= 0x10FFFFu) {
        *used = 9;
        return utf8_encode(v, out);
    }
    /* unknown escape: the backslash stays */
    out[0] = '\\';
    *used = 0;
    return 1;
}

int mpy_str_literal(struct sim_mpy *m, const char *tok, size_t n, struct mpy_val *out)
{
    bool raw = false, is_bytes = false;
    size_t i = 0, q, end, o = 0;
    char *buf;

    while (i < n && tok[i] != '\'' && tok[i] != '"') {
        char c = tok[i++];
        if (c == 'r' || c == 'R')
            raw = true;
        else if (c == 'b' || c == 'B')
            is_bytes = true;
        else if (c == 'f' || c == 'F')
            return mpy_raise_sim(m, "f-strings");
    }
    q = (i + 2 < n && tok[i + 1] == tok[i] && tok[i + 2] == tok[i] && n - i >= 6) ? 3 : 1;
    i += q;
    end = n - q;
    buf = mpy_alloc(m, (end > i ? end - i : 0) * 4 + 1);
    if (!buf)
        return -1;
    while (i < end) {
        char c = tok[i];
        if (c == '\\' && i + 1 < end + 1 && !raw) {
            size_t used;
            if (tok[i + 1] == '\n') {
                i += 2;
                continue;
            }
            o += decode_escape(tok + i + 1, end - i - 1, is_bytes, buf + o, &used);
            i += 1 + used;
            if (used == 0)
                continue;
            continue;
        }
        if (c == '\\' && raw && i + 1 < end) {
            buf[o++] = c;
            buf[o++] = tok[i + 1];
            i += 2;
            continue;
        }
        buf[o++] = c;
        i++;
    }
    buf[o] = '\0';
    memset(out, 0, sizeof *out);
    out->type = is_bytes ? MPY_BYTES : MPY_STR;
    out->s = buf;
    out->len = o;
    return 0;
}
