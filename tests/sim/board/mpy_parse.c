/* SPDX-License-Identifier: MIT */
/* Compiling a tiny-Python program: logical lines, indentation blocks with MicroPython's
 * IndentationError texts, compound headers, and the syntax check before anything runs. */
#include "mpy_prog.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK_INITIAL 8u
#define LINES_INITIAL 32u

/* ---- program structure ---- */

struct mpy_line {
    const char *text;
    size_t len;
    size_t indent;
    uint32_t line;
};

struct mpy_parse {
    struct sim_mpy *m;
    struct mpy_line *lines;
    size_t n;
    size_t i;
    unsigned loops;    /* enclosing loops, for break/continue */
    uint32_t sim_line; /* first construct the simulator refuses (reported last) */
    const char *sim_what;
};

static void block_free(struct mpy_block *b);

static void stmt_free(struct mpy_stmt *st)
{
    block_free(&st->body);
    block_free(&st->orelse);
    for (size_t i = 0; i < st->nclauses; i++)
        block_free(&st->clauses[i].body);
    free(st->clauses);
}

static void block_free(struct mpy_block *b)
{
    for (size_t i = 0; i < b->n; i++)
        stmt_free(&b->v[i]);
    free(b->v);
    memset(b, 0, sizeof *b);
}

void mpy_program_free(struct mpy_program *p)
{
    if (!p)
        return;
    block_free(&p->top);
    free(p->src);
    free(p);
}

static struct mpy_stmt *block_add(struct sim_mpy *m, struct mpy_block *b)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : BLOCK_INITIAL;
        struct mpy_stmt *nv = realloc(b->v, cap * sizeof *nv);
        if (!nv) {
            mpy_raise(m, MPY_EXC_MEMORY, "memory allocation failed");
            return NULL;
        }
        b->v = nv;
        b->cap = cap;
    }
    memset(&b->v[b->n], 0, sizeof b->v[b->n]);
    return &b->v[b->n++];
}

static int syntax_at(struct sim_mpy *m, uint32_t line, int cls, const char *msg)
{
    mpy_raise(m, cls, "%s", msg);
    m->exc.line = line;
    m->exc.traced = true;
    return -1;
}

static void skip_string(const char *s, size_t len, size_t *p, uint32_t *lineno)
{
    char q = s[*p];
    bool triple = *p + 2 < len && s[*p + 1] == q && s[*p + 2] == q;
    size_t i = *p + (triple ? 3 : 1);
    while (i < len) {
        if (s[i] == '\\' && i + 1 < len) {
            if (s[i + 1] == '\n')
                (*lineno)++;
            i += 2;
            continue;
        }
        if (s[i] == '\n') {
            if (!triple)
                break; /* unterminated: the tokenizer reports it */
            (*lineno)++;
        }
        if (s[i] == q && (!triple || (i + 2 < len && s[i + 1] == q && s[i + 2] == q))) {
            i += triple ? 3 : 1;
            break;
        }
        i++;
    }
    *p = i;
}

/* Splits src into logical lines: brackets, triple quotes and backslashes join physical lines;
 * blank and comment-only lines are dropped. */
static int split_lines(struct sim_mpy *m, const char *src, size_t len, struct mpy_line **out,
                       size_t *count)
{
    size_t pos = 0, n = 0, cap = LINES_INITIAL;
    uint32_t lineno = 1;
    struct mpy_line *lines = malloc(cap * sizeof *lines);

    if (!lines)
        return mpy_raise(m, MPY_EXC_MEMORY, "memory allocation failed");
    while (pos < len) {
        size_t indent = 0, p = pos, start;
        int depth = 0;
        uint32_t first = lineno;
        while (p < len && (src[p] == ' ' || src[p] == '\t' || src[p] == '\f')) {
            indent = src[p] == ' ' ? indent + 1 : src[p] == '\t' ? (indent / 8 + 1) * 8 : 0;
            p++;
        }
        if (p < len && (src[p] == '\n' || src[p] == '#')) {
            while (p < len && src[p] != '\n')
                p++;
            pos = p + 1;
            lineno++;
            continue;
        }
        if (p >= len)
            break;
        start = p;
        while (p < len) {
            char c = src[p];
            if (c == '#') {
                while (p < len && src[p] != '\n')
                    p++;
            } else if (c == '\'' || c == '"') {
                skip_string(src, len, &p, &lineno);
            } else if (c == '\\' && p + 1 < len && src[p + 1] == '\n') {
                p += 2;
                lineno++;
            } else if (c == '\n') {
                if (depth <= 0)
                    break;
                lineno++;
                p++;
            } else {
                if (c == '(' || c == '[' || c == '{')
                    depth++;
                else if (c == ')' || c == ']' || c == '}')
                    depth--;
                p++;
            }
        }
        if (n == cap) {
            struct mpy_line *nl = realloc(lines, 2 * cap * sizeof *nl);
            if (!nl) {
                free(lines);
                return mpy_raise(m, MPY_EXC_MEMORY, "memory allocation failed");
            }
            lines = nl;
            cap *= 2;
        }
        lines[n].text = src + start;
        lines[n].len = p - start;
        lines[n].indent = indent;
        lines[n].line = first;
        n++;
        pos = p + 1;
        lineno++;
    }
    *out = lines;
    *count = n;
    return 0;
}

/* Offset of the first token at bracket depth 0 that is operator op or keyword kw, or -1. */
long mpy_find_top(const char *s, size_t n, const char *op, const char *kw)
{
    struct mpy_lex lx;
    int depth = 0;
    mpy_lex_init(&lx, s, n);
    while (lx.t.kind != MPY_TK_END && lx.t.kind != MPY_TK_BAD) {
        if (mpy_tok_op(&lx, "(") || mpy_tok_op(&lx, "[") || mpy_tok_op(&lx, "{"))
            depth++;
        else if (mpy_tok_op(&lx, ")") || mpy_tok_op(&lx, "]") || mpy_tok_op(&lx, "}"))
            depth--;
        else if (depth == 0 && ((op && mpy_tok_op(&lx, op)) || (kw && mpy_tok_kw(&lx, kw))))
            return (long)lx.t.pos;
        mpy_lex_next(&lx);
    }
    return -1;
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r' || **s == '\f')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\n' ||
                      (*s)[*n - 1] == '\r' || (*s)[*n - 1] == '\f'))
        (*n)--;
}

static uint32_t line_of(const struct mpy_stmt *st, const char *text, size_t pos)
{
    uint32_t line = st->line;
    const char *base = st->a;
    /* st->a starts the logical line for simple statements and headers */
    if (!base || text < base)
        return line;
    for (const char *p = base; p < text + pos; p++)
        if (*p == '\n')
            line++;
    return line;
}

static int check_simple(struct sim_mpy *m, const struct mpy_stmt *st, unsigned loops);
static int check_expr(struct sim_mpy *m, const struct mpy_stmt *st, const char *s, size_t n);
static int parse_block(struct mpy_parse *c, size_t indent, struct mpy_block *out);

/* Leading identifier of a line. */
static size_t first_word(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
                     (i > 0 && s[i] >= '0' && s[i] <= '9')))
        i++;
    return i;
}

static bool word_is(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && memcmp(s, w, n) == 0;
}

/* Simple statements of text (split at top-level ';') appended to out. */
static int add_simple(struct mpy_parse *c, const char *text, size_t len, uint32_t line,
                      struct mpy_block *out)
{
    while (len > 0) {
        long semi = mpy_find_top(text, len, ";", NULL);
        size_t n = semi < 0 ? len : (size_t)semi;
        const char *s = text;
        size_t sn = n;
        trim(&s, &sn);
        if (sn > 0) {
            struct mpy_stmt *st = block_add(c->m, out);
            if (!st)
                return -1;
            st->kind = ST_SIMPLE;
            st->line = line;
            st->a = s;
            st->alen = sn;
            if (check_simple(c->m, st, c->loops) != 0)
                return -1;
        } else if (semi >= 0) {
            return syntax_at(c->m, line, MPY_EXC_SYNTAX, "invalid syntax");
        }
        if (semi < 0)
            break;
        text += n + 1;
        len -= n + 1;
    }
    return 0;
}

/* The body after a compound header: inline statements or an indented block. */
static int parse_body(struct mpy_parse *c, const struct mpy_line *hdr, const char *rest,
                      size_t rest_len, struct mpy_block *body)
{
    trim(&rest, &rest_len);
    if (rest_len > 0 && rest[0] != '#') {
        c->i++;
        return add_simple(c, rest, rest_len, hdr->line, body);
    }
    c->i++;
    if (c->i >= c->n || c->lines[c->i].indent <= hdr->indent)
        return syntax_at(c->m, c->i < c->n ? c->lines[c->i].line : hdr->line + 1, MPY_EXC_SYNTAX,
                         "invalid syntax");
    return parse_block(c, c->lines[c->i].indent, body);
}

/* Splits "keyword header: rest" at the header's colon. */
static int split_header(struct mpy_parse *c, const struct mpy_line *L, size_t kwlen,
                        const char **hdr, size_t *hlen, const char **rest, size_t *rlen)
{
    long colon = mpy_find_top(L->text + kwlen, L->len - kwlen, ":", NULL);
    if (colon < 0)
        return syntax_at(c->m, L->line, MPY_EXC_SYNTAX, "invalid syntax");
    *hdr = L->text + kwlen;
    *hlen = (size_t)colon;
    trim(hdr, hlen);
    *rest = L->text + kwlen + (size_t)colon + 1;
    *rlen = L->len - kwlen - (size_t)colon - 1;
    return 0;
}

/* True when the line at c->i starts with keyword kw at the given indent. */
static bool next_is(const struct mpy_parse *c, size_t indent, const char *kw)
{
    const struct mpy_line *L;
    if (c->i >= c->n)
        return false;
    L = &c->lines[c->i];
    return L->indent == indent && word_is(L->text, first_word(L->text, L->len), kw);
}

static int parse_if(struct mpy_parse *c, struct mpy_stmt *st, size_t kwlen)
{
    const struct mpy_line *L = &c->lines[c->i];
    const char *hdr, *rest;
    size_t hlen, rlen, indent = L->indent;

    st->kind = ST_IF;
    st->line = L->line;
    if (split_header(c, L, kwlen, &hdr, &hlen, &rest, &rlen) != 0)
        return -1;
    st->a = hdr;
    st->alen = hlen;
    if (check_expr(c->m, st, hdr, hlen) != 0 || parse_body(c, L, rest, rlen, &st->body) != 0)
        return -1;
    if (next_is(c, indent, "elif")) {
        struct mpy_stmt *sub = block_add(c->m, &st->orelse);
        return sub ? parse_if(c, sub, strlen("elif")) : -1;
    }
    if (next_is(c, indent, "else")) {
        L = &c->lines[c->i];
        if (split_header(c, L, strlen("else"), &hdr, &hlen, &rest, &rlen) != 0)
            return -1;
        if (hlen != 0)
            return syntax_at(c->m, L->line, MPY_EXC_SYNTAX, "invalid syntax");
        return parse_body(c, L, rest, rlen, &st->orelse);
    }
    return 0;
}

static int parse_try(struct mpy_parse *c, struct mpy_stmt *st, const char *rest, size_t rlen)
{
    const struct mpy_line *L = &c->lines[c->i];
    size_t indent = L->indent;

    st->kind = ST_TRY;
    if (parse_body(c, L, rest, rlen, &st->body) != 0)
        return -1;
    while (next_is(c, indent, "except")) {
        const char *hdr;
        size_t hlen;
        struct mpy_clause *cl, *nc;
        long as;
        L = &c->lines[c->i];
        nc = realloc(st->clauses, (st->nclauses + 1) * sizeof *nc);
        if (!nc)
            return mpy_raise(c->m, MPY_EXC_MEMORY, "memory allocation failed");
        st->clauses = nc;
        cl = &st->clauses[st->nclauses++];
        memset(cl, 0, sizeof *cl);
        cl->line = L->line;
        if (split_header(c, L, strlen("except"), &hdr, &hlen, &rest, &rlen) != 0)
            return -1;
        as = mpy_find_top(hdr, hlen, NULL, "as");
        if (as >= 0) {
            cl->name = hdr + as + 2;
            cl->nlen = hlen - (size_t)as - 2;
            trim(&cl->name, &cl->nlen);
            hlen = (size_t)as;
            trim(&hdr, &hlen);
            if (cl->nlen == 0 || first_word(cl->name, cl->nlen) != cl->nlen)
                return syntax_at(c->m, L->line, MPY_EXC_SYNTAX, "invalid syntax");
        }
        if (hlen > 0) {
            struct mpy_stmt at = {.line = L->line, .a = hdr};
            cl->types = hdr;
            cl->tlen = hlen;
            if (check_expr(c->m, &at, hdr, hlen) != 0)
                return -1;
        }
        if (parse_body(c, L, rest, rlen, &cl->body) != 0)
            return -1;
    }
    while (next_is(c, indent, "finally") || next_is(c, indent, "else")) {
        const char *hdr;
        size_t hlen;
        L = &c->lines[c->i];
        if (!c->sim_what) {
            c->sim_what = "try ... else/finally";
            c->sim_line = L->line;
        }
        if (split_header(c, L, first_word(L->text, L->len), &hdr, &hlen, &rest, &rlen) != 0 ||
            parse_body(c, L, rest, rlen, &st->orelse) != 0)
            return -1;
        if (st->nclauses == 0)
            return 0;
    }
    if (st->nclauses == 0)
        return syntax_at(c->m, c->i < c->n ? c->lines[c->i].line : L->line + 1, MPY_EXC_SYNTAX,
                         "invalid syntax");
    return 0;
}

static int parse_stmt(struct mpy_parse *c, struct mpy_block *out)
{
    static const char *const UNSUPPORTED[] = {"def", "class", "async"};
    const struct mpy_line *L = &c->lines[c->i];
    size_t kw = first_word(L->text, L->len);
    const char *hdr, *rest;
    size_t hlen, rlen;
    struct mpy_stmt *st;
    long split;

    if (word_is(L->text, kw, "elif") || word_is(L->text, kw, "else") ||
        word_is(L->text, kw, "except") || word_is(L->text, kw, "finally"))
        return syntax_at(c->m, L->line, MPY_EXC_SYNTAX, "invalid syntax");
    if (L->text[0] == '@')
        kw = 0;
    for (size_t i = 0; i < sizeof UNSUPPORTED / sizeof UNSUPPORTED[0]; i++) {
        if (L->text[0] == '@' || word_is(L->text, kw, UNSUPPORTED[i])) {
            if (!c->sim_what) {
                c->sim_what = L->text[0] == '@' ? "decorators" : UNSUPPORTED[i];
                c->sim_line = L->line;
            }
            if (L->text[0] == '@') {
                c->i++;
                return 0;
            }
            st = block_add(c->m, out);
            if (!st || split_header(c, L, kw, &hdr, &hlen, &rest, &rlen) != 0)
                return -1;
            st->kind = ST_UNSUPPORTED;
            st->line = L->line;
            return parse_body(c, L, rest, rlen, &st->body);
        }
    }
    if (!word_is(L->text, kw, "if") && !word_is(L->text, kw, "while") &&
        !word_is(L->text, kw, "for") && !word_is(L->text, kw, "with") &&
        !word_is(L->text, kw, "try")) {
        c->i++;
        return add_simple(c, L->text, L->len, L->line, out);
    }
    st = block_add(c->m, out);
    if (!st)
        return -1;
    st->line = L->line;
    if (word_is(L->text, kw, "if"))
        return parse_if(c, st, kw);
    if (split_header(c, L, kw, &hdr, &hlen, &rest, &rlen) != 0)
        return -1;
    if (word_is(L->text, kw, "try")) {
        if (hlen != 0)
            return syntax_at(c->m, L->line, MPY_EXC_SYNTAX, "invalid syntax");
        return parse_try(c, st, rest, rlen);
    }
    st->a = hdr;
    st->alen = hlen;
    if (word_is(L->text, kw, "while")) {
        st->kind = ST_WHILE;
        if (check_expr(c->m, st, hdr, hlen) != 0)
            return -1;
    } else if (word_is(L->text, kw, "for")) {
        st->kind = ST_FOR;
        split = mpy_find_top(hdr, hlen, NULL, "in");
        if (split < 0)
            return syntax_at(c->m, L->line, MPY_EXC_SYNTAX, "invalid syntax");
        st->alen = (size_t)split;
        st->b = hdr + split + 2;
        st->blen = hlen - (size_t)split - 2;
        trim(&st->a, &st->alen);
        if (check_expr(c->m, st, st->a, st->alen) != 0 ||
            check_expr(c->m, st, st->b, st->blen) != 0)
            return -1;
    } else {
        st->kind = ST_WITH;
        split = mpy_find_top(hdr, hlen, NULL, "as");
        if (split >= 0) {
            st->alen = (size_t)split;
            st->b = hdr + split + 2;
            st->blen = hlen - (size_t)split - 2;
            trim(&st->a, &st->alen);
            trim(&st->b, &st->blen);
            if (st->blen == 0 || first_word(st->b, st->blen) != st->blen)
                return syntax_at(c->m, L->line, MPY_EXC_SYNTAX, "invalid syntax");
        }
        if (check_expr(c->m, st, st->a, st->alen) != 0)
            return -1;
    }
    if (st->kind != ST_WITH)
        c->loops++;
    if (parse_body(c, L, rest, rlen, &st->body) != 0)
        return -1;
    if (st->kind != ST_WITH)
        c->loops--;
    if (st->kind != ST_WITH && next_is(c, L->indent, "else")) {
        const struct mpy_line *E = &c->lines[c->i];
        if (!c->sim_what) {
            c->sim_what = "loop else clauses";
            c->sim_line = E->line;
        }
        if (split_header(c, E, strlen("else"), &hdr, &hlen, &rest, &rlen) != 0)
            return -1;
        return parse_body(c, E, rest, rlen, &st->orelse);
    }
    return 0;
}

static int parse_block(struct mpy_parse *c, size_t indent, struct mpy_block *out)
{
    size_t deepest = indent;
    while (c->i < c->n) {
        const struct mpy_line *L = &c->lines[c->i];
        size_t before = c->i;
        if (L->indent < indent)
            return 0;
        if (L->indent > indent)
            return syntax_at(c->m, L->line, MPY_EXC_INDENTATION,
                             L->indent < deepest ? "unindent doesn't match any outer indent level"
                                                 : "unexpected indent");
        if (parse_stmt(c, out) != 0)
            return -1;
        deepest = indent;
        for (size_t k = before + 1; k < c->i; k++)
            if (c->lines[k].indent > deepest)
                deepest = c->lines[k].indent;
    }
    return 0;
}

/* ---- syntax checks (the parser with evaluation off) ---- */

int mpy_fail_at(struct sim_mpy *m, const struct mpy_stmt *st, const struct mpy_parser *p)
{
    if (m->exc.cls == MPY_EXC_SYNTAX || m->exc.cls == MPY_EXC_INDENTATION ||
        m->exc.cls == MPY_EXC_NOT_IMPLEMENTED) {
        m->exc.line = line_of(st, p->lx.s, p->lx.t.pos);
        m->exc.traced = true;
    }
    return -1;
}

static int check_expr(struct sim_mpy *m, const struct mpy_stmt *st, const char *s, size_t n)
{
    struct mpy_parser p = {m, {0}, false};
    struct mpy_val v;
    mpy_lex_init(&p.lx, s, n);
    if (mpy_parse_testlist(&p, &v) != 0)
        return mpy_fail_at(m, st, &p);
    if (p.lx.t.kind != MPY_TK_END) {
        mpy_syntax_error(&p);
        return mpy_fail_at(m, st, &p);
    }
    return 0;
}

static int check_simple(struct sim_mpy *m, const struct mpy_stmt *st, unsigned loops)
{
    enum mpy_flow flow = FLOW_OK;
    size_t kw = first_word(st->a, st->alen);
    if ((word_is(st->a, kw, "break") || word_is(st->a, kw, "continue")) && loops == 0)
        return syntax_at(m, st->line, MPY_EXC_SYNTAX,
                         word_is(st->a, kw, "break") ? "'break' outside loop"
                                                     : "'continue' outside loop");
    if (word_is(st->a, kw, "return") || word_is(st->a, kw, "yield"))
        return syntax_at(m, st->line, MPY_EXC_SYNTAX, "'return' outside function");
    return mpy_exec_simple(m, st, false, &flow);
}

int mpy_program_parse(struct sim_mpy *m, struct mpy_program *prog)
{
    struct mpy_parse c;
    int rc;

    memset(&c, 0, sizeof c);
    c.m = m;
    rc = split_lines(m, prog->src, prog->len, &c.lines, &c.n);
    if (rc == 0 && c.n > 0 && c.lines[0].indent > 0)
        rc = syntax_at(m, c.lines[0].line, MPY_EXC_INDENTATION, "unexpected indent");
    if (rc == 0)
        rc = parse_block(&c, 0, &prog->top);
    if (rc == 0 && c.sim_what) {
        /* constructs the simulator refuses are reported after real syntax errors */
        mpy_raise_sim(m, c.sim_what);
        m->exc.line = c.sim_line;
        m->exc.traced = true;
        rc = -1;
    }
    free(c.lines);
    return rc;
}
