/* SPDX-License-Identifier: MIT */
/* Running programs of the tiny Python: globals, resumable steps over a frame stack, exceptions
 * unwinding to except clauses, Ctrl-C, sleeping, waiting for stdin, MicroPython's tracebacks. */
#include "mpy_prog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VARS_INITIAL 16u
#define RNG_SEED     0x2F6B1D3Au

enum mpy_frame_kind { FR_BLOCK, FR_WHILE, FR_FOR, FR_WITH, FR_TRY };

struct mpy_frame {
    enum mpy_frame_kind kind;
    const struct mpy_block *blk;
    size_t pc;
    const struct mpy_stmt *st;
    struct mpy_val iter; /* FR_FOR: heap copy of the iterable */
    size_t index;
    int64_t file; /* FR_WITH */
};

/* ---- globals ---- */

struct mpy_var *mpy_var_find(struct sim_mpy *m, const char *name, size_t n)
{
    for (size_t i = 0; i < m->nvars; i++)
        if (strlen(m->vars[i].name) == n && memcmp(m->vars[i].name, name, n) == 0)
            return &m->vars[i];
    return NULL;
}

int mpy_var_set(struct sim_mpy *m, const char *name, size_t n, const struct mpy_val *v)
{
    struct mpy_var *var = mpy_var_find(m, name, n);
    struct mpy_val copy;

    if (mpy_to_heap(v, &copy) != 0)
        return mpy_raise(m, MPY_EXC_MEMORY, "memory allocation failed");
    if (var) {
        mpy_free_heap(&var->v);
        var->v = copy;
        return 0;
    }
    if (m->nvars == m->cap_vars) {
        size_t cap = m->cap_vars ? m->cap_vars * 2 : VARS_INITIAL;
        struct mpy_var *nv = realloc(m->vars, cap * sizeof *nv);
        if (!nv) {
            mpy_free_heap(&copy);
            return mpy_raise(m, MPY_EXC_MEMORY, "memory allocation failed");
        }
        m->vars = nv;
        m->cap_vars = cap;
    }
    var = &m->vars[m->nvars];
    var->name = malloc(n + 1);
    if (!var->name) {
        mpy_free_heap(&copy);
        return mpy_raise(m, MPY_EXC_MEMORY, "memory allocation failed");
    }
    memcpy(var->name, name, n);
    var->name[n] = '\0';
    var->v = copy;
    m->nvars++;
    return 0;
}

int mpy_var_del(struct sim_mpy *m, const char *name, size_t n)
{
    struct mpy_var *var = mpy_var_find(m, name, n);
    if (!var)
        return mpy_raise(m, MPY_EXC_NAME, "name '%.*s' isn't defined", (int)n, name);
    mpy_free_heap(&var->v);
    free(var->name);
    *var = m->vars[--m->nvars];
    return 0;
}

static void vars_clear(struct sim_mpy *m)
{
    for (size_t i = 0; i < m->nvars; i++) {
        mpy_free_heap(&m->vars[i].v);
        free(m->vars[i].name);
    }
    m->nvars = 0;
}

/* ---- frames ---- */

static struct mpy_frame *frame_top(struct sim_mpy *m)
{
    return &m->frames[m->nframes - 1];
}

static int frame_push(struct sim_mpy *m, enum mpy_frame_kind kind, const struct mpy_block *blk,
                      const struct mpy_stmt *st)
{
    struct mpy_frame *f;
    if (m->nframes == MPY_FRAMES_MAX)
        return mpy_raise(m, MPY_EXC_RUNTIME, "maximum recursion depth exceeded");
    f = &m->frames[m->nframes++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->blk = blk;
    f->st = st;
    f->file = -1;
    return 0;
}

static void frame_pop(struct sim_mpy *m)
{
    struct mpy_frame *f = frame_top(m);
    if (f->kind == FR_WITH && f->file >= 0)
        mpy_file_close(m, f->file);
    if (f->kind == FR_FOR)
        mpy_free_heap(&f->iter);
    m->nframes--;
}

static int eval_expr(struct sim_mpy *m, const char *s, size_t n, struct mpy_val *out)
{
    struct mpy_parser p = {m, {0}, true};
    mpy_lex_init(&p.lx, s, n);
    if (mpy_parse_testlist(&p, out) != 0)
        return -1;
    return mpy_expect_end(&p);
}

/* Binds the next item of a for loop; false when it is exhausted. */
static int for_next(struct sim_mpy *m, struct mpy_frame *f, bool *more)
{
    struct mpy_val item;
    struct mpy_parser tp = {m, {0}, true};
    size_t len = mpy_len_of(&f->iter);

    *more = f->index < len;
    if (!*more)
        return 0;
    if (f->iter.type == MPY_RANGE)
        mpy_set_int(&item, f->iter.i + (int64_t)f->index * f->iter.step);
    else
        item = f->iter.items[f->index];
    f->index++;
    f->pc = 0;
    mpy_lex_init(&tp.lx, f->st->a, f->st->alen);
    return mpy_assign_target(&tp, &item);
}

static int end_of_block(struct sim_mpy *m)
{
    struct mpy_frame *f = frame_top(m);
    struct mpy_val v;
    bool more;

    switch (f->kind) {
    case FR_WHILE:
        /* the loop footer keeps the line of the body's last statement, like compile.c */
        if (eval_expr(m, f->st->a, f->st->alen, &v) != 0)
            return -1;
        if (mpy_truthy(&v))
            f->pc = 0;
        else
            frame_pop(m);
        return 0;
    case FR_FOR:
        if (for_next(m, f, &more) != 0)
            return -1;
        if (!more)
            frame_pop(m);
        return 0;
    default: frame_pop(m); return 0;
    }
}

static void unwind_loop(struct sim_mpy *m, bool is_break)
{
    while (m->nframes > 0) {
        struct mpy_frame *f = frame_top(m);
        if (f->kind == FR_WHILE || f->kind == FR_FOR) {
            if (is_break)
                frame_pop(m);
            else
                f->pc = f->blk->n;
            return;
        }
        frame_pop(m);
    }
}

static int step_compound(struct sim_mpy *m, struct mpy_frame *f, const struct mpy_stmt *st)
{
    struct mpy_val v, items;
    bool more;

    switch (st->kind) {
    case ST_IF:
        if (eval_expr(m, st->a, st->alen, &v) != 0)
            return -1;
        f->pc++;
        if (mpy_truthy(&v))
            return frame_push(m, FR_BLOCK, &st->body, st);
        return st->orelse.n ? frame_push(m, FR_BLOCK, &st->orelse, st) : 0;
    case ST_WHILE:
        if (eval_expr(m, st->a, st->alen, &v) != 0)
            return -1;
        f->pc++;
        return mpy_truthy(&v) ? frame_push(m, FR_WHILE, &st->body, st) : 0;
    case ST_FOR:
        if (eval_expr(m, st->b, st->blen, &v) != 0)
            return -1;
        if (v.type != MPY_RANGE) {
            if (v.type == MPY_FILE)
                return mpy_raise_sim(m, "iterating over files");
            if (mpy_iterate(m, &v, &items) != 0)
                return -1;
            v = items;
        }
        f->pc++;
        if (frame_push(m, FR_FOR, &st->body, st) != 0)
            return -1;
        f = frame_top(m);
        if (mpy_to_heap(&v, &f->iter) != 0) {
            m->nframes--;
            return mpy_raise(m, MPY_EXC_MEMORY, "memory allocation failed");
        }
        if (for_next(m, f, &more) != 0)
            return -1;
        if (!more)
            frame_pop(m);
        return 0;
    case ST_WITH:
        if (eval_expr(m, st->a, st->alen, &v) != 0)
            return -1;
        if (v.type != MPY_FILE)
            return mpy_raise_sim(m, "with statements on objects other than files");
        f->pc++;
        if (st->b && mpy_var_set(m, st->b, st->blen, &v) != 0)
            return -1;
        if (frame_push(m, FR_WITH, &st->body, st) != 0)
            return -1;
        frame_top(m)->file = v.i;
        return 0;
    case ST_TRY: f->pc++; return frame_push(m, FR_TRY, &st->body, st);
    default: return mpy_raise_sim(m, "this statement");
    }
}

/* One statement or loop decision. 1: blocked on stdin (retry later). */
static int step(struct sim_mpy *m)
{
    struct mpy_frame *f = frame_top(m);
    const struct mpy_stmt *st;
    struct mpy_mark mark = mpy_mark(m);
    enum mpy_flow flow;
    int rc;

    if (f->pc >= f->blk->n) {
        rc = end_of_block(m);
    } else {
        st = &f->blk->v[f->pc];
        m->line = st->line;
        if (st->kind == ST_SIMPLE) {
            rc = mpy_exec_simple(m, st, true, &flow);
            if (rc == 0) {
                f->pc++;
                if (flow != FLOW_OK)
                    unwind_loop(m, flow == FLOW_BREAK);
            }
        } else {
            rc = step_compound(m, f, st);
        }
    }
    mpy_release(m, mark);
    if (rc != 0 && m->exc.cls == MPY_EXC_BLOCK)
        return 1;
    return rc;
}

/* Looks for an except clause on the frame stack; true when one took the exception. */
static bool handle_exception(struct sim_mpy *m)
{
    if (!m->exc.traced) {
        m->exc.traced = true;
        m->exc.in_module = true;
        m->exc.line = m->line;
    }
    if (m->exc.cls >= MPY_EXC_COUNT)
        return false;
    while (m->nframes > 0) {
        struct mpy_frame *f = frame_top(m);
        if (f->kind == FR_TRY) {
            const struct mpy_stmt *st = f->st;
            struct mpy_exc saved = m->exc;
            for (size_t i = 0; i < st->nclauses; i++) {
                const struct mpy_clause *cl = &st->clauses[i];
                struct mpy_mark mark = mpy_mark(m);
                struct mpy_val t, ev;
                bool match = !cl->types;
                if (cl->types && eval_expr(m, cl->types, cl->tlen, &t) == 0) {
                    if (t.type == MPY_EXCTYPE)
                        match = mpy_exc_matches(saved.cls, t.id);
                    for (size_t k = 0; t.type == MPY_TUPLE && k < t.len; k++)
                        if (t.items[k].type == MPY_EXCTYPE &&
                            mpy_exc_matches(saved.cls, t.items[k].id))
                            match = true;
                }
                m->exc = saved;
                if (!match) {
                    mpy_release(m, mark);
                    continue;
                }
                frame_pop(m);
                if (cl->name && (mpy_new_exc(m, &saved, &ev) != 0 ||
                                 mpy_var_set(m, cl->name, cl->nlen, &ev) != 0)) {
                    mpy_release(m, mark);
                    return false;
                }
                mpy_release(m, mark);
                m->handled = saved; /* for a bare "raise" */
                m->has_handled = true;
                return frame_push(m, FR_BLOCK, &cl->body, st) == 0;
            }
        }
        frame_pop(m);
    }
    return false;
}

/* ---- tracebacks and the program's life ---- */

static void print_traceback(const struct mpy_exc *e, const char *file, struct sim_mpy_buf *out)
{
    struct sim_mpy_buf b = {0};
    if (e->traced) {
        sim_mpy_buf_str(&b, "Traceback (most recent call last):\n");
        sim_mpy_buf_printf(&b, "  File \"%s\", line %u", file, (unsigned)e->line);
        sim_mpy_buf_str(&b, e->in_module ? ", in <module>\n" : "\n");
    }
    sim_mpy_buf_printf(&b, "%s: ", mpy_exc_name(e->cls));
    mpy_exc_text(e, &b);
    sim_mpy_buf_str(&b, "\n");
    sim_mpy_buf_cooked(out, b.p, b.len);
    sim_mpy_buf_free(&b);
}

static void program_end(struct sim_mpy *m)
{
    while (m->nframes > 0)
        frame_pop(m);
    mpy_program_free(m->prog);
    m->prog = NULL;
    m->wake_ns = 0;
    mpy_arena_free(m);
}

static enum sim_mpy_status program_fail(struct sim_mpy *m, struct sim_mpy_buf *err)
{
    int cls = m->exc.cls;
    char file[MPY_FILENAME_MAX];
    snprintf(file, sizeof file, "%s", m->prog ? m->prog->filename : "<stdin>");
    program_end(m);
    if (cls == MPY_EXC_RESET)
        return SIM_MPY_RESET;
    if (cls == MPY_EXC_SYSTEM_EXIT)
        return SIM_MPY_EXIT;
    print_traceback(&m->exc, file, err);
    return SIM_MPY_FAILED;
}

struct sim_mpy *sim_mpy_create(struct sim_mpy_fs *fs, struct sim_mpy_ring *stdin_ring)
{
    struct sim_mpy *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->frames = calloc(MPY_FRAMES_MAX, sizeof *m->frames);
    if (!m->frames) {
        free(m);
        return NULL;
    }
    m->fs = fs;
    m->in = stdin_ring;
    m->rng = RNG_SEED;
    sim_mpy_reset(m);
    return m;
}

void sim_mpy_reset(struct sim_mpy *m)
{
    struct mpy_val name;
    program_end(m);
    vars_clear(m);
    mpy_files_close_all(m);
    m->cwd[0] = '\0';
    m->interrupt = false;
    memset(&m->exc, 0, sizeof m->exc);
    if (mpy_new_cstr(m, "__main__", &name) == 0)
        mpy_var_set(m, "__name__", strlen("__name__"), &name);
    mpy_arena_free(m);
}

void sim_mpy_destroy(struct sim_mpy *m)
{
    if (!m)
        return;
    program_end(m);
    vars_clear(m);
    free(m->vars);
    free(m->frames);
    free(m);
}

enum sim_mpy_status sim_mpy_start(struct sim_mpy *m, const char *src, size_t len,
                                  const char *filename, enum sim_mpy_mode mode,
                                  struct sim_mpy_buf *err)
{
    struct mpy_program *prog;
    size_t o = 0;
    int rc;

    program_end(m);
    memset(&m->exc, 0, sizeof m->exc);
    m->has_handled = false;
    prog = calloc(1, sizeof *prog);
    if (!prog || !(prog->src = malloc(len + 1))) {
        free(prog);
        mpy_raise(m, MPY_EXC_MEMORY, "memory allocation failed");
        print_traceback(&m->exc, filename, err);
        return SIM_MPY_FAILED;
    }
    /* the lexer's newlines: "\r\n" and "\r" end lines like "\n" */
    for (size_t i = 0; i < len; i++) {
        if (src[i] == '\r') {
            prog->src[o++] = '\n';
            if (i + 1 < len && src[i + 1] == '\n')
                i++;
        } else {
            prog->src[o++] = src[i];
        }
    }
    prog->src[o] = '\0';
    prog->len = o;
    prog->mode = mode;
    snprintf(prog->filename, sizeof prog->filename, "%s", filename);
    m->prog = prog;
    rc = mpy_program_parse(m, prog);
    mpy_arena_free(m);
    if (rc != 0 || frame_push(m, FR_BLOCK, &prog->top, NULL) != 0)
        return program_fail(m, err);
    return SIM_MPY_RUN;
}

enum sim_mpy_status sim_mpy_run(struct sim_mpy *m, uint64_t t_ns, struct sim_mpy_buf *out,
                                struct sim_mpy_buf *err, size_t max_steps, size_t out_limit,
                                size_t *steps)
{
    *steps = 0;
    m->now = t_ns;
    m->out = out;
    if (!m->prog)
        return SIM_MPY_DONE;
    for (;;) {
        int rc;
        if (m->interrupt) {
            m->interrupt = false;
            m->wake_ns = 0;
            mpy_raise_bare(m, MPY_EXC_KEYBOARD_INTERRUPT);
            if (!handle_exception(m))
                return program_fail(m, err);
        }
        if (m->wake_ns > t_ns)
            return SIM_MPY_SLEEP;
        m->wake_ns = 0;
        if (m->nframes == 0) {
            program_end(m);
            return SIM_MPY_DONE;
        }
        if (*steps >= max_steps || out->len >= out_limit)
            return SIM_MPY_RUN;
        (*steps)++;
        memset(&m->exc, 0, sizeof m->exc);
        m->exc.cls = MPY_EXC_BASE;
        rc = step(m);
        if (rc == 1)
            return SIM_MPY_WAIT_INPUT;
        if (rc != 0 && !handle_exception(m))
            return program_fail(m, err);
    }
}

void sim_mpy_interrupt(struct sim_mpy *m)
{
    if (m->prog)
        m->interrupt = true;
}

bool sim_mpy_active(const struct sim_mpy *m)
{
    return m->prog != NULL;
}

uint64_t sim_mpy_wake_ns(const struct sim_mpy *m)
{
    return m->wake_ns;
}
