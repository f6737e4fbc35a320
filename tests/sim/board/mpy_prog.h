/* SPDX-License-Identifier: MIT */
/* Parsed programs of the tiny Python, shared by mpy_parse.c (logical lines, blocks, the
 * compile-time check), mpy_stmt.c (simple statements) and mpy_exec.c (the frame machine). */
#ifndef MF_SIM_MPY_PROG_H
#define MF_SIM_MPY_PROG_H

#include "mpy_impl.h"

#define MPY_FILENAME_MAX 32u

enum mpy_stmt_kind {
    ST_SIMPLE,
    ST_IF,
    ST_WHILE,
    ST_FOR,
    ST_WITH,
    ST_TRY,
    ST_UNSUPPORTED, /* def, class, ...: parsed for structure, refused at compile */
};

struct mpy_stmt;

struct mpy_block {
    struct mpy_stmt *v;
    size_t n;
    size_t cap;
};

struct mpy_clause {
    const char *types; /* NULL: bare except */
    size_t tlen;
    const char *name; /* "as" name or NULL */
    size_t nlen;
    uint32_t line;
    struct mpy_block body;
};

struct mpy_stmt {
    enum mpy_stmt_kind kind;
    uint32_t line;
    const char *a; /* simple statement, condition, for-target, with-expression, keyword */
    size_t alen;
    const char *b; /* for-iterable, with-name */
    size_t blen;
    struct mpy_block body;
    struct mpy_block orelse;
    struct mpy_clause *clauses;
    size_t nclauses;
};

struct mpy_program {
    char *src;
    size_t len;
    struct mpy_block top;
    char filename[MPY_FILENAME_MAX];
    enum sim_mpy_mode mode;
};

enum mpy_flow { FLOW_OK, FLOW_BREAK, FLOW_CONTINUE, FLOW_ERR };

/* mpy_parse.c: compiles prog->src into prog->top; -1 with the error in m->exc (located). */
int mpy_program_parse(struct sim_mpy *m, struct mpy_program *prog);
void mpy_program_free(struct mpy_program *p);
/* Offset of the first token at bracket depth 0 that is operator op or keyword kw, or -1. */
long mpy_find_top(const char *s, size_t n, const char *op, const char *kw);
/* Gives a syntax-type error in m->exc the line of the parser's current token. */
int mpy_fail_at(struct sim_mpy *m, const struct mpy_stmt *st, const struct mpy_parser *p);

/* mpy_stmt.c */
int mpy_exec_simple(struct sim_mpy *m, const struct mpy_stmt *st, bool eval, enum mpy_flow *flow);
/* Assigns v to the target list at the parser (NAME or names separated by commas). */
int mpy_assign_target(struct mpy_parser *p, const struct mpy_val *v);
int mpy_expect_end(struct mpy_parser *p);

#endif
