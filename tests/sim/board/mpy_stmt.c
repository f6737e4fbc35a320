/* SPDX-License-Identifier: MIT */
/* Simple statements of the tiny Python, run or only checked: pass/break/continue, import, raise,
 * del, assert, assignments with unpacking, augmented ones, and the REPL's printed values. */
#include "mpy_prog.h"

#include <stdio.h>
#include <string.h>

/* ---- simple statements ---- */

int mpy_expect_end(struct mpy_parser *p)
{
    return p->lx.t.kind == MPY_TK_END ? 0 : mpy_syntax_error(p);
}

static int name_token(struct mpy_parser *p, const char **name, size_t *n)
{
    if (p->lx.t.kind != MPY_TK_NAME || mpy_is_keyword(p->lx.s + p->lx.t.pos, p->lx.t.len))
        return mpy_syntax_error(p);
    *name = p->lx.s + p->lx.t.pos;
    *n = p->lx.t.len;
    mpy_lex_next(&p->lx);
    return 0;
}

/* Assigns v to a target list: NAME, or names separated by commas, optionally in brackets. */
int mpy_assign_target(struct mpy_parser *p, const struct mpy_val *v)
{
    struct mpy_lex *lx = &p->lx;
    const char *names[MPY_ARGS_MAX];
    size_t lens[MPY_ARGS_MAX], count = 0;
    bool tuple = false, bracket = false;
    struct mpy_val items;

    if (mpy_tok_op(lx, "(") || mpy_tok_op(lx, "[")) {
        bracket = true;
        tuple = true;
        mpy_lex_next(lx);
    }
    for (;;) {
        if (mpy_tok_op(lx, "*"))
            return mpy_raise_sim(p->m, "starred assignment");
        if (count == MPY_ARGS_MAX || name_token(p, &names[count], &lens[count]) != 0)
            return count == MPY_ARGS_MAX ? mpy_raise_sim(p->m, "long target lists") : -1;
        count++;
        if (mpy_tok_op(lx, "[") || mpy_tok_op(lx, "."))
            return mpy_raise_sim(p->m, "assignment to subscripts and attributes");
        if (!mpy_tok_op(lx, ","))
            break;
        tuple = true;
        mpy_lex_next(lx);
        if (lx->t.kind != MPY_TK_NAME && !mpy_tok_op(lx, "*"))
            break;
    }
    if (bracket && !mpy_tok_op(lx, ")") && !mpy_tok_op(lx, "]"))
        return mpy_syntax_error(p);
    if (bracket)
        mpy_lex_next(lx);
    if (mpy_expect_end(p) != 0)
        return -1;
    if (!p->eval)
        return 0;
    if (!tuple)
        return mpy_var_set(p->m, names[0], lens[0], v);
    if (mpy_iterate(p->m, v, &items) != 0)
        return -1;
    if (items.len > count)
        return mpy_raise(p->m, MPY_EXC_VALUE, "too many values to unpack (expected %zu)", count);
    if (items.len < count)
        return mpy_raise(p->m, MPY_EXC_VALUE, "need more than %zu values to unpack", items.len);
    for (size_t i = 0; i < count; i++)
        if (mpy_var_set(p->m, names[i], lens[i], &items.items[i]) != 0)
            return -1;
    return 0;
}

static int stmt_import(struct mpy_parser *p)
{
    struct mpy_lex *lx = &p->lx;
    do {
        const char *name, *bind;
        size_t n, bn;
        struct mpy_val mod;
        if (name_token(p, &name, &n) != 0)
            return -1;
        if (mpy_tok_op(lx, "."))
            return mpy_raise_sim(p->m, "dotted imports");
        bind = name;
        bn = n;
        if (mpy_tok_kw(lx, "as")) {
            mpy_lex_next(lx);
            if (name_token(p, &bind, &bn) != 0)
                return -1;
        }
        if (p->eval &&
            (mpy_import(p->m, name, n, &mod) != 0 || mpy_var_set(p->m, bind, bn, &mod) != 0))
            return -1;
        if (!mpy_tok_op(lx, ","))
            break;
        mpy_lex_next(lx);
    } while (true);
    return mpy_expect_end(p);
}

static int stmt_from(struct mpy_parser *p)
{
    struct mpy_lex *lx = &p->lx;
    const char *mname;
    size_t mn;
    struct mpy_val mod, v;
    bool paren = false;

    if (name_token(p, &mname, &mn) != 0)
        return -1;
    if (mpy_tok_op(lx, "."))
        return mpy_raise_sim(p->m, "dotted imports");
    if (!mpy_tok_kw(lx, "import"))
        return mpy_syntax_error(p);
    mpy_lex_next(lx);
    if (p->eval && mpy_import(p->m, mname, mn, &mod) != 0)
        return -1;
    if (mpy_tok_op(lx, "*"))
        return mpy_raise_sim(p->m, "from ... import *");
    if (mpy_tok_op(lx, "(")) {
        paren = true;
        mpy_lex_next(lx);
    }
    for (;;) {
        const char *name, *bind;
        size_t n, bn;
        if (name_token(p, &name, &n) != 0)
            return -1;
        bind = name;
        bn = n;
        if (mpy_tok_kw(lx, "as")) {
            mpy_lex_next(lx);
            if (name_token(p, &bind, &bn) != 0)
                return -1;
        }
        if (p->eval) {
            if (mpy_getattr(p->m, &mod, name, n, &v) != 0)
                return mpy_raise(p->m, MPY_EXC_IMPORT, "cannot import name %.*s", (int)n, name);
            if (mpy_var_set(p->m, bind, bn, &v) != 0)
                return -1;
        }
        if (!mpy_tok_op(lx, ","))
            break;
        mpy_lex_next(lx);
        if (paren && mpy_tok_op(lx, ")"))
            break;
    }
    if (paren) {
        if (!mpy_tok_op(lx, ")"))
            return mpy_syntax_error(p);
        mpy_lex_next(lx);
    }
    return mpy_expect_end(p);
}

static int stmt_raise(struct mpy_parser *p)
{
    struct mpy_val v;
    struct mpy_exc e;
    if (p->lx.t.kind == MPY_TK_END) {
        if (!p->eval)
            return 0;
        if (!p->m->has_handled)
            return mpy_raise(p->m, MPY_EXC_RUNTIME, "no active exception to reraise");
        p->m->exc = p->m->handled;
        return -1;
    }
    if (mpy_parse_test(p, &v) != 0)
        return -1;
    if (mpy_tok_kw(&p->lx, "from")) {
        struct mpy_val cause;
        mpy_lex_next(&p->lx);
        if (mpy_parse_test(p, &cause) != 0)
            return -1;
    }
    if (mpy_expect_end(p) != 0)
        return -1;
    if (!p->eval)
        return 0;
    if (v.type == MPY_EXCTYPE)
        return mpy_raise_bare(p->m, v.id);
    if (v.type != MPY_EXC)
        return mpy_raise(p->m, MPY_EXC_TYPE, "exceptions must derive from BaseException");
    memset(&e, 0, sizeof e);
    e.cls = v.id;
    e.err = v.i;
    e.has_msg = v.step != 0;
    snprintf(e.msg, sizeof e.msg, "%.*s", (int)v.len, v.s);
    p->m->exc = e;
    return -1;
}

static int stmt_expr_or_assign(struct mpy_parser *p, const struct mpy_stmt *st)
{
    static const char *const AUG[] = {
            "+=", "-=", "*=", "/=", "//=", "%=", "**=", "<<=", ">>=", "&=", "|=", "^=", "@="};
    struct sim_mpy *m = p->m;
    struct mpy_val v, cur;
    long eq = mpy_find_top(st->a, st->alen, "=", NULL);

    for (size_t i = 0; i < sizeof AUG / sizeof AUG[0]; i++) {
        long at = mpy_find_top(st->a, st->alen, AUG[i], NULL);
        char op[4];
        const char *name;
        size_t n;
        if (at < 0)
            continue;
        if (name_token(p, &name, &n) != 0)
            return -1;
        if (p->lx.t.pos != (size_t)at)
            return mpy_raise_sim(m, "augmented assignment to subscripts and attributes");
        mpy_lex_next(&p->lx);
        if (mpy_parse_testlist(p, &v) != 0 || mpy_expect_end(p) != 0)
            return -1;
        if (!p->eval)
            return 0;
        snprintf(op, sizeof op, "%.*s", (int)(strlen(AUG[i]) - 1), AUG[i]);
        if (mpy_lookup(m, name, n, &cur) != 0 || mpy_binop(m, op, &cur, &v, &v) != 0)
            return -1;
        return mpy_var_set(m, name, n, &v);
    }
    if (eq < 0) {
        if (mpy_parse_testlist(p, &v) != 0 || mpy_expect_end(p) != 0)
            return -1;
        if (!p->eval || v.type == MPY_NONE || m->prog->mode == SIM_MPY_FILE)
            return 0;
        /* the REPL prints a bare expression's value and keeps it in _ */
        struct sim_mpy_buf b = {0};
        mpy_repr(m, &v, &b);
        sim_mpy_buf_put(&b, "\n", 1);
        sim_mpy_buf_cooked(m->out, b.p, b.len);
        sim_mpy_buf_free(&b);
        return mpy_var_set(m, "_", 1, &v);
    }
    {
        /* targets = ... = value: the value is the text after the last top-level '=' */
        size_t last = (size_t)eq, start = 0;
        long next;
        struct mpy_parser vp = {m, {0}, p->eval};
        while ((next = mpy_find_top(st->a + last + 1, st->alen - last - 1, "=", NULL)) >= 0)
            last += (size_t)next + 1;
        mpy_lex_init(&vp.lx, st->a + last + 1, st->alen - last - 1);
        if (mpy_parse_testlist(&vp, &v) != 0 || mpy_expect_end(&vp) != 0) {
            p->lx = vp.lx;
            return -1;
        }
        while (start < last) {
            long at = mpy_find_top(st->a + start, last - start, "=", NULL);
            size_t seg = at < 0 ? last - start : (size_t)at;
            struct mpy_parser tp = {m, {0}, p->eval};
            mpy_lex_init(&tp.lx, st->a + start, seg);
            if (mpy_assign_target(&tp, &v) != 0) {
                p->lx = tp.lx;
                return -1;
            }
            start += seg + 1;
        }
        return 0;
    }
}

/* Runs (eval) or checks one simple statement. */
int mpy_exec_simple(struct sim_mpy *m, const struct mpy_stmt *st, bool eval, enum mpy_flow *flow)
{
    struct mpy_parser p = {m, {0}, eval};
    struct mpy_lex *lx = &p.lx;
    struct mpy_val v;
    int rc;

    *flow = FLOW_OK;
    mpy_lex_init(lx, st->a, st->alen);
    if (mpy_tok_kw(lx, "pass") || mpy_tok_kw(lx, "break") || mpy_tok_kw(lx, "continue")) {
        *flow = mpy_tok_kw(lx, "break")      ? FLOW_BREAK
                : mpy_tok_kw(lx, "continue") ? FLOW_CONTINUE
                                             : FLOW_OK;
        mpy_lex_next(lx);
        rc = mpy_expect_end(&p);
    } else if (mpy_tok_kw(lx, "import")) {
        mpy_lex_next(lx);
        rc = stmt_import(&p);
    } else if (mpy_tok_kw(lx, "from")) {
        mpy_lex_next(lx);
        rc = stmt_from(&p);
    } else if (mpy_tok_kw(lx, "raise")) {
        mpy_lex_next(lx);
        rc = stmt_raise(&p);
    } else if (mpy_tok_kw(lx, "global") || mpy_tok_kw(lx, "nonlocal") || mpy_tok_kw(lx, "del")) {
        bool del = mpy_tok_kw(lx, "del");
        rc = 0;
        mpy_lex_next(lx);
        do {
            const char *name;
            size_t n;
            if (name_token(&p, &name, &n) != 0 || (eval && del && mpy_var_del(m, name, n) != 0)) {
                rc = -1;
                break;
            }
            if (!mpy_tok_op(lx, ","))
                break;
            mpy_lex_next(lx);
        } while (true);
        if (rc == 0)
            rc = mpy_expect_end(&p);
    } else if (mpy_tok_kw(lx, "assert")) {
        struct mpy_val msg;
        bool has_msg = false;
        mpy_lex_next(lx);
        rc = mpy_parse_test(&p, &v);
        if (rc == 0 && mpy_tok_op(lx, ",")) {
            mpy_lex_next(lx);
            rc = mpy_parse_test(&p, &msg);
            has_msg = true;
        }
        if (rc == 0)
            rc = mpy_expect_end(&p);
        if (rc == 0 && eval && !mpy_truthy(&v)) {
            struct sim_mpy_buf b = {0};
            if (has_msg)
                mpy_str(m, &msg, &b);
            rc = has_msg ? mpy_raise(m, MPY_EXC_ASSERTION, "%.*s", (int)b.len,
                                     b.p ? (const char *)b.p : "")
                         : mpy_raise_bare(m, MPY_EXC_ASSERTION);
            sim_mpy_buf_free(&b);
        }
    } else {
        rc = stmt_expr_or_assign(&p, st);
    }
    if (rc != 0 && !eval)
        return mpy_fail_at(m, st, &p);
    return rc;
}
