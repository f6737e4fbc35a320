/* SPDX-License-Identifier: MIT */
/* Expressions of the tiny Python by recursive descent, evaluating as it parses; with evaluation
 * off the same code only checks syntax (the compile pass and short-circuited branches). */
#include "mpy_impl.h"

#include <string.h>

#define EXPR_LIST_INITIAL 8u

/* Binary operator levels, loosest first: each level's operators. */
static const char *const LEVEL_OPS[][3] = {
        {"|", NULL, NULL},  {"^", NULL, NULL}, {"&", NULL, NULL},
        {"<<", ">>", NULL}, {"+", "-", NULL},
};
#define LEVEL_COUNT (sizeof LEVEL_OPS / sizeof LEVEL_OPS[0])
static const char *const TERM_OPS[] = {"*", "/", "//", "%", "@"};
static const char *const COMPARE_OPS[] = {"<", ">", "==", ">=", "<=", "!="};

static int parse_or(struct mpy_parser *p, struct mpy_val *out);
static int parse_level(struct mpy_parser *p, size_t level, struct mpy_val *out);

int mpy_syntax_error(struct mpy_parser *p)
{
    return mpy_raise(p->m, MPY_EXC_SYNTAX, "invalid syntax");
}

static int expect_op(struct mpy_parser *p, const char *op)
{
    if (!mpy_tok_op(&p->lx, op))
        return mpy_syntax_error(p);
    mpy_lex_next(&p->lx);
    return 0;
}

/* Runs a sub-parse with evaluation off (a branch that short-circuiting skips). */
static int parse_dry(struct mpy_parser *p, int (*fn)(struct mpy_parser *, struct mpy_val *),
                     struct mpy_val *out)
{
    bool saved = p->eval;
    int rc;
    p->eval = false;
    rc = fn(p, out);
    p->eval = saved;
    return rc;
}

/* Whether the current token can begin an expression (to end a trailing-comma list). */
static bool can_start_expr(const struct mpy_lex *lx)
{
    static const char *const STARTS[] = {"(", "[", "{", "-", "+", "~", "..."};
    if (lx->t.kind == MPY_TK_INT || lx->t.kind == MPY_TK_FLOAT || lx->t.kind == MPY_TK_STR)
        return true;
    if (lx->t.kind == MPY_TK_NAME) {
        const char *s = lx->s + lx->t.pos;
        size_t n = lx->t.len;
        return !mpy_is_keyword(s, n) || mpy_tok_kw(lx, "None") || mpy_tok_kw(lx, "True") ||
               mpy_tok_kw(lx, "False") || mpy_tok_kw(lx, "not") || mpy_tok_kw(lx, "lambda");
    }
    for (size_t i = 0; i < sizeof STARTS / sizeof STARTS[0]; i++)
        if (mpy_tok_op(lx, STARTS[i]))
            return true;
    return false;
}

/* Appends v to a growing arena array. */
static int list_push(struct sim_mpy *m, struct mpy_val **items, size_t *n, size_t *cap,
                     const struct mpy_val *v)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : EXPR_LIST_INITIAL;
        struct mpy_val *ni = mpy_alloc(m, nc * sizeof *ni);
        if (!ni)
            return -1;
        if (*n)
            memcpy(ni, *items, *n * sizeof *ni);
        *items = ni;
        *cap = nc;
    }
    (*items)[(*n)++] = *v;
    return 0;
}

/* Items up to `close` (the opener consumed), as a list/tuple. *comma tells a 1-tuple. */
static int parse_items(struct mpy_parser *p, const char *close, enum mpy_type type,
                       struct mpy_val *out, bool *comma)
{
    struct mpy_val *items = NULL, v;
    size_t n = 0, cap = 0;

    *comma = false;
    while (!mpy_tok_op(&p->lx, close)) {
        if (mpy_parse_test(p, &v) != 0)
            return -1;
        if (mpy_tok_kw(&p->lx, "for"))
            return mpy_raise_sim(p->m, "comprehensions");
        if (p->eval && list_push(p->m, &items, &n, &cap, &v) != 0)
            return -1;
        if (!mpy_tok_op(&p->lx, ","))
            break;
        *comma = true;
        mpy_lex_next(&p->lx);
    }
    if (expect_op(p, close) != 0)
        return -1;
    if (!p->eval) {
        mpy_set_none(out);
        return 0;
    }
    if (mpy_new_seq(p->m, type, n, out) != 0)
        return -1;
    if (n)
        memcpy(out->items, items, n * sizeof *items);
    return 0;
}

static int parse_strings(struct mpy_parser *p, struct mpy_val *out)
{
    struct mpy_val acc, part;
    bool first = true;

    mpy_set_none(&acc);
    while (p->lx.t.kind == MPY_TK_STR) {
        if (mpy_str_literal(p->m, p->lx.s + p->lx.t.pos, p->lx.t.len, &part) != 0)
            return -1;
        if (!first && part.type != acc.type)
            return mpy_raise(p->m, MPY_EXC_SYNTAX, "cannot mix bytes and nonbytes literals");
        if (first)
            acc = part;
        else if (mpy_binop(p->m, "+", &acc, &part, &acc) != 0)
            return -1;
        first = false;
        mpy_lex_next(&p->lx);
    }
    *out = acc;
    return 0;
}

static int parse_atom(struct mpy_parser *p, struct mpy_val *out)
{
    struct mpy_lex *lx = &p->lx;
    bool comma;

    mpy_set_none(out);
    switch (lx->t.kind) {
    case MPY_TK_INT:
        if (lx->t.overflow && p->eval)
            return mpy_raise(p->m, MPY_EXC_OVERFLOW,
                             "int literal beyond 64 bits (the simulator has no bignums)");
        mpy_set_int(out, lx->t.ival);
        mpy_lex_next(lx);
        return 0;
    case MPY_TK_FLOAT:
        mpy_set_float(out, lx->t.fval);
        mpy_lex_next(lx);
        return 0;
    case MPY_TK_STR: return parse_strings(p, out);
    case MPY_TK_NAME:
        if (mpy_tok_kw(lx, "None") || mpy_tok_kw(lx, "True") || mpy_tok_kw(lx, "False")) {
            if (!mpy_tok_kw(lx, "None"))
                mpy_set_bool(out, mpy_tok_kw(lx, "True"));
            mpy_lex_next(lx);
            return 0;
        }
        if (mpy_is_keyword(lx->s + lx->t.pos, lx->t.len))
            return mpy_syntax_error(p);
        if (p->eval && mpy_lookup(p->m, lx->s + lx->t.pos, lx->t.len, out) != 0)
            return -1;
        mpy_lex_next(lx);
        return 0;
    case MPY_TK_OP:
        if (mpy_tok_op(lx, "(")) {
            mpy_lex_next(lx);
            if (parse_items(p, ")", MPY_TUPLE, out, &comma) != 0)
                return -1;
            if (!comma && out->type == MPY_TUPLE && out->len == 1)
                *out = out->items[0]; /* plain parentheses */
            return 0;
        }
        if (mpy_tok_op(lx, "[")) {
            mpy_lex_next(lx);
            return parse_items(p, "]", MPY_LIST, out, &comma);
        }
        if (mpy_tok_op(lx, "{"))
            return mpy_raise_sim(p->m, "dict and set displays");
        if (mpy_tok_op(lx, "..."))
            return mpy_raise_sim(p->m, "Ellipsis");
        return mpy_syntax_error(p);
    default: return mpy_syntax_error(p);
    }
}

static int parse_call(struct mpy_parser *p, struct mpy_val *fn)
{
    struct mpy_val args[MPY_ARGS_MAX];
    struct mpy_kw kw[MPY_ARGS_MAX];
    size_t nargs = 0, nkw = 0;
    struct mpy_lex *lx = &p->lx;

    while (!mpy_tok_op(lx, ")")) {
        struct mpy_val v;
        if (mpy_tok_op(lx, "*") || mpy_tok_op(lx, "**"))
            return mpy_raise_sim(p->m, "argument unpacking");
        if (lx->t.kind == MPY_TK_NAME) {
            struct mpy_lex peek = *lx;
            mpy_lex_next(&peek);
            if (mpy_tok_op(&peek, "=")) {
                if (nkw == MPY_ARGS_MAX)
                    return mpy_raise(p->m, MPY_EXC_TYPE, "too many arguments");
                kw[nkw].name = lx->s + lx->t.pos;
                kw[nkw].len = lx->t.len;
                *lx = peek;
                mpy_lex_next(lx);
                if (mpy_parse_test(p, &kw[nkw].v) != 0)
                    return -1;
                nkw++;
                goto next;
            }
        }
        if (nkw > 0)
            return mpy_raise(p->m, MPY_EXC_SYNTAX, "positional argument follows keyword argument");
        if (mpy_parse_test(p, &v) != 0)
            return -1;
        if (mpy_tok_kw(lx, "for"))
            return mpy_raise_sim(p->m, "generator expressions");
        if (nargs == MPY_ARGS_MAX)
            return mpy_raise(p->m, MPY_EXC_TYPE, "too many arguments");
        args[nargs++] = v;
    next:
        if (!mpy_tok_op(lx, ","))
            break;
        mpy_lex_next(lx);
    }
    if (expect_op(p, ")") != 0)
        return -1;
    if (!p->eval)
        return 0;
    return mpy_call(p->m, fn, args, nargs, kw, nkw, fn);
}

static int parse_subscript(struct mpy_parser *p, struct mpy_val *obj)
{
    struct mpy_val parts[3];
    size_t n = 0;
    bool slice = false, got = false;
    struct mpy_lex *lx = &p->lx;

    for (size_t i = 0; i < 3; i++)
        mpy_set_none(&parts[i]);
    for (;;) {
        if (!mpy_tok_op(lx, ":") && !mpy_tok_op(lx, "]")) {
            if (mpy_parse_test(p, &parts[n]) != 0)
                return -1;
            got = true;
        }
        if (!mpy_tok_op(lx, ":") || n == 2)
            break;
        slice = true;
        n++;
        mpy_lex_next(lx);
    }
    if (!slice && !got)
        return mpy_syntax_error(p);
    if (mpy_tok_op(lx, ","))
        return mpy_raise_sim(p->m, "multi-dimensional subscripts");
    if (expect_op(p, "]") != 0)
        return -1;
    if (!p->eval)
        return 0;
    if (slice)
        return mpy_slice(p->m, obj, &parts[0], &parts[1], &parts[2], obj);
    return mpy_subscript(p->m, obj, &parts[0], obj);
}

static int parse_atom_expr(struct mpy_parser *p, struct mpy_val *out)
{
    struct mpy_lex *lx = &p->lx;

    if (parse_atom(p, out) != 0)
        return -1;
    for (;;) {
        if (mpy_tok_op(lx, "(")) {
            mpy_lex_next(lx);
            if (parse_call(p, out) != 0)
                return -1;
        } else if (mpy_tok_op(lx, "[")) {
            mpy_lex_next(lx);
            if (parse_subscript(p, out) != 0)
                return -1;
        } else if (mpy_tok_op(lx, ".")) {
            mpy_lex_next(lx);
            if (lx->t.kind != MPY_TK_NAME || mpy_is_keyword(lx->s + lx->t.pos, lx->t.len))
                return mpy_syntax_error(p);
            if (p->eval && mpy_getattr(p->m, out, lx->s + lx->t.pos, lx->t.len, out) != 0)
                return -1;
            mpy_lex_next(lx);
        } else {
            return 0;
        }
    }
}

static int parse_factor(struct mpy_parser *p, struct mpy_val *out)
{
    struct mpy_lex *lx = &p->lx;
    struct mpy_val b;
    char unary = 0;

    if (mpy_tok_op(lx, "-") || mpy_tok_op(lx, "+") || mpy_tok_op(lx, "~")) {
        unary = lx->s[lx->t.pos];
        mpy_lex_next(lx);
        if (parse_factor(p, out) != 0)
            return -1;
        return p->eval ? mpy_unary(p->m, unary, out, out) : 0;
    }
    if (parse_atom_expr(p, out) != 0)
        return -1;
    if (!mpy_tok_op(lx, "**"))
        return 0;
    mpy_lex_next(lx);
    if (parse_factor(p, &b) != 0)
        return -1;
    return p->eval ? mpy_binop(p->m, "**", out, &b, out) : 0;
}

static int parse_term(struct mpy_parser *p, struct mpy_val *out)
{
    if (parse_factor(p, out) != 0)
        return -1;
    for (;;) {
        const char *op = NULL;
        struct mpy_val b;
        for (size_t i = 0; i < sizeof TERM_OPS / sizeof TERM_OPS[0]; i++)
            if (mpy_tok_op(&p->lx, TERM_OPS[i]))
                op = TERM_OPS[i];
        if (!op)
            return 0;
        mpy_lex_next(&p->lx);
        if (parse_factor(p, &b) != 0)
            return -1;
        if (p->eval && mpy_binop(p->m, op, out, &b, out) != 0)
            return -1;
    }
}

static int parse_level(struct mpy_parser *p, size_t level, struct mpy_val *out)
{
    int rc = level + 1 < LEVEL_COUNT ? parse_level(p, level + 1, out) : parse_term(p, out);
    if (rc != 0)
        return rc;
    for (;;) {
        const char *op = NULL;
        struct mpy_val b;
        for (size_t i = 0; i < 3 && LEVEL_OPS[level][i]; i++)
            if (mpy_tok_op(&p->lx, LEVEL_OPS[level][i]))
                op = LEVEL_OPS[level][i];
        if (!op)
            return 0;
        mpy_lex_next(&p->lx);
        rc = level + 1 < LEVEL_COUNT ? parse_level(p, level + 1, &b) : parse_term(p, &b);
        if (rc != 0)
            return rc;
        if (p->eval && mpy_binop(p->m, op, out, &b, out) != 0)
            return -1;
    }
}

static int parse_bitor(struct mpy_parser *p, struct mpy_val *out)
{
    return parse_level(p, 0, out);
}

/* The comparison operator at the cursor ("not in", "is not" take two tokens), or NULL. */
static const char *compare_op(struct mpy_parser *p)
{
    struct mpy_lex *lx = &p->lx;
    for (size_t i = 0; i < sizeof COMPARE_OPS / sizeof COMPARE_OPS[0]; i++)
        if (mpy_tok_op(lx, COMPARE_OPS[i])) {
            mpy_lex_next(lx);
            return COMPARE_OPS[i];
        }
    if (mpy_tok_kw(lx, "in")) {
        mpy_lex_next(lx);
        return "in";
    }
    if (mpy_tok_kw(lx, "not")) {
        struct mpy_lex peek = *lx;
        mpy_lex_next(&peek);
        if (mpy_tok_kw(&peek, "in")) {
            *lx = peek;
            mpy_lex_next(lx);
            return "not in";
        }
        return NULL;
    }
    if (mpy_tok_kw(lx, "is")) {
        mpy_lex_next(lx);
        if (mpy_tok_kw(lx, "not")) {
            mpy_lex_next(lx);
            return "is not";
        }
        return "is";
    }
    return NULL;
}

static int parse_comparison(struct mpy_parser *p, struct mpy_val *out)
{
    struct mpy_val a, b;
    const char *op;
    bool result = true, any = false, saved = p->eval;

    if (parse_bitor(p, &a) != 0)
        return -1;
    while ((op = compare_op(p)) != NULL) {
        bool r;
        any = true;
        if (parse_bitor(p, &b) != 0) {
            p->eval = saved;
            return -1;
        }
        if (p->eval) {
            if (mpy_compare(p->m, op, &a, &b, &r) != 0)
                return -1;
            if (!r) {
                result = false;
                p->eval = false; /* the rest of a chain is not evaluated */
            }
        }
        a = b;
    }
    p->eval = saved;
    if (any)
        mpy_set_bool(out, result);
    else
        *out = a;
    return 0;
}

static int parse_not(struct mpy_parser *p, struct mpy_val *out)
{
    if (mpy_tok_kw(&p->lx, "not")) {
        mpy_lex_next(&p->lx);
        if (parse_not(p, out) != 0)
            return -1;
        mpy_set_bool(out, !mpy_truthy(out));
        return 0;
    }
    return parse_comparison(p, out);
}

static int parse_and(struct mpy_parser *p, struct mpy_val *out)
{
    if (parse_not(p, out) != 0)
        return -1;
    while (mpy_tok_kw(&p->lx, "and")) {
        struct mpy_val b;
        mpy_lex_next(&p->lx);
        if (p->eval && !mpy_truthy(out)) {
            if (parse_dry(p, parse_not, &b) != 0)
                return -1;
        } else if (parse_not(p, out) != 0) {
            return -1;
        }
    }
    return 0;
}

static int parse_or(struct mpy_parser *p, struct mpy_val *out)
{
    if (parse_and(p, out) != 0)
        return -1;
    while (mpy_tok_kw(&p->lx, "or")) {
        struct mpy_val b;
        mpy_lex_next(&p->lx);
        if (p->eval && mpy_truthy(out)) {
            if (parse_dry(p, parse_and, &b) != 0)
                return -1;
        } else if (parse_and(p, out) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Whether an 'if' at bracket depth 0 follows before the test ends: a conditional expression. */
static bool ternary_ahead(const struct mpy_lex *start)
{
    struct mpy_lex lx = *start;
    int depth = 0;
    while (lx.t.kind != MPY_TK_END && lx.t.kind != MPY_TK_BAD) {
        if (mpy_tok_op(&lx, "(") || mpy_tok_op(&lx, "[") || mpy_tok_op(&lx, "{"))
            depth++;
        else if (mpy_tok_op(&lx, ")") || mpy_tok_op(&lx, "]") || mpy_tok_op(&lx, "}")) {
            if (--depth < 0)
                return false;
        } else if (depth == 0) {
            if (mpy_tok_kw(&lx, "if"))
                return true;
            if (mpy_tok_op(&lx, ",") || mpy_tok_op(&lx, ":") || mpy_tok_op(&lx, "=") ||
                mpy_tok_op(&lx, ";") || mpy_tok_kw(&lx, "else") || mpy_tok_kw(&lx, "for"))
                return false;
        }
        mpy_lex_next(&lx);
    }
    return false;
}

int mpy_parse_test(struct mpy_parser *p, struct mpy_val *out)
{
    struct mpy_val cond, skipped;
    struct mpy_lex at_value;
    int rc = -1;

    if (++p->m->depth > MPY_DEPTH_MAX) {
        mpy_raise(p->m, MPY_EXC_RUNTIME, "maximum recursion depth exceeded");
        goto done;
    }
    if (mpy_tok_kw(&p->lx, "lambda")) {
        mpy_raise_sim(p->m, "lambda");
        goto done;
    }
    if (!ternary_ahead(&p->lx)) {
        rc = parse_or(p, out);
        goto done;
    }
    /* value if cond else other: the condition is evaluated first */
    at_value = p->lx;
    if (parse_dry(p, parse_or, &skipped) != 0 || !mpy_tok_kw(&p->lx, "if")) {
        if (p->m->exc.cls != MPY_EXC_NOT_IMPLEMENTED)
            mpy_syntax_error(p);
        goto done;
    }
    mpy_lex_next(&p->lx);
    if (parse_or(p, &cond) != 0)
        goto done;
    if (!mpy_tok_kw(&p->lx, "else")) {
        mpy_syntax_error(p);
        goto done;
    }
    mpy_lex_next(&p->lx);
    if (p->eval && mpy_truthy(&cond)) {
        struct mpy_lex after = p->lx;
        p->lx = at_value;
        if (parse_or(p, out) != 0)
            goto done;
        p->lx = after;
        rc = parse_dry(p, mpy_parse_test, &skipped);
    } else {
        rc = mpy_parse_test(p, out);
    }
done:
    p->m->depth--;
    return rc;
}

int mpy_parse_testlist(struct mpy_parser *p, struct mpy_val *out)
{
    struct mpy_val first, v, *items = NULL;
    size_t n = 0, cap = 0;

    if (mpy_parse_test(p, &first) != 0)
        return -1;
    if (!mpy_tok_op(&p->lx, ",")) {
        *out = first;
        return 0;
    }
    if (p->eval && list_push(p->m, &items, &n, &cap, &first) != 0)
        return -1;
    while (mpy_tok_op(&p->lx, ",")) {
        mpy_lex_next(&p->lx);
        if (!can_start_expr(&p->lx))
            break;
        if (mpy_parse_test(p, &v) != 0)
            return -1;
        if (p->eval && list_push(p->m, &items, &n, &cap, &v) != 0)
            return -1;
    }
    if (!p->eval) {
        mpy_set_none(out);
        return 0;
    }
    if (mpy_new_seq(p->m, MPY_TUPLE, n, out) != 0)
        return -1;
    memcpy(out->items, items, n * sizeof *items);
    return 0;
}
