/* SPDX-License-Identifier: MIT */
/* Internals of the simulated board's tiny Python, shared by mpy_value.c (values, arena, repr,
 * operators), mpy_lex.c (tokens, literals), mpy_expr.c (expressions), mpy_builtin.c (builtins,
 * modules, methods) and mpy_exec.c (programs, statements, exceptions). Not for repl.c. */
#ifndef MF_SIM_MPY_IMPL_H
#define MF_SIM_MPY_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mpy.h"

#define MPY_NAME_MAX    64u
#define MPY_MSG_MAX     160u
#define MPY_FILES_MAX   16u
#define MPY_ARGS_MAX    16u
#define MPY_FRAMES_MAX  32u
#define MPY_DEPTH_MAX   64u                  /* expression nesting */
#define MPY_ARENA_CHUNK (64u * 1024u)        /* temporaries of one statement */
#define MPY_ARENA_LIMIT (8u * 1024u * 1024u) /* beyond it: MemoryError */
#define MPY_NO_ERRNO    (-1)

enum mpy_type {
    MPY_NONE,
    MPY_BOOL,
    MPY_INT,
    MPY_FLOAT,
    MPY_STR,
    MPY_BYTES,
    MPY_BYTEARRAY,
    MPY_LIST,
    MPY_TUPLE,
    MPY_RANGE,
    MPY_FILE,    /* i: handle */
    MPY_MODULE,  /* id: module */
    MPY_FUNC,    /* id: builtin */
    MPY_METHOD,  /* id: builtin, items[0]: the receiver */
    MPY_OBJ,     /* id: singleton object (sys.stdout, ...) */
    MPY_EXCTYPE, /* id: exception class */
    MPY_EXC,     /* id: class, s/len: message, i: errno or MPY_NO_ERRNO */
    MPY_TYPE_COUNT
};

struct mpy_val {
    enum mpy_type type;
    int id;
    int64_t i;
    int64_t stop;
    int64_t step;
    double f;
    size_t len;
    char *s;
    struct mpy_val *items;
};

/* Exception classes, in an order where each class follows its base. */
enum mpy_exc_class {
    MPY_EXC_BASE,
    MPY_EXC_SYSTEM_EXIT,
    MPY_EXC_KEYBOARD_INTERRUPT,
    MPY_EXC_EXCEPTION,
    MPY_EXC_ARITHMETIC,
    MPY_EXC_ZERO_DIVISION,
    MPY_EXC_OVERFLOW,
    MPY_EXC_ASSERTION,
    MPY_EXC_ATTRIBUTE,
    MPY_EXC_EOF,
    MPY_EXC_IMPORT,
    MPY_EXC_LOOKUP,
    MPY_EXC_INDEX,
    MPY_EXC_KEY,
    MPY_EXC_MEMORY,
    MPY_EXC_NAME,
    MPY_EXC_OS,
    MPY_EXC_RUNTIME,
    MPY_EXC_NOT_IMPLEMENTED,
    MPY_EXC_STOP_ITERATION,
    MPY_EXC_SYNTAX,
    MPY_EXC_INDENTATION,
    MPY_EXC_TYPE,
    MPY_EXC_VALUE,
    MPY_EXC_COUNT,
    MPY_EXC_BLOCK = MPY_EXC_COUNT, /* internal: sys.stdin.read found too few bytes */
    MPY_EXC_RESET,                 /* internal: machine.reset() */
};

struct mpy_exc {
    int cls;
    bool has_msg;
    char msg[MPY_MSG_MAX];
    int64_t err; /* OSError errno or MPY_NO_ERRNO */
    uint32_t line;
    bool traced;    /* a "File ..., line" entry exists */
    bool in_module; /* the entry names <module> (not for syntax errors) */
};

struct mpy_chunk {
    struct mpy_chunk *prev;
    size_t size;
    size_t used;
    max_align_t data[];
};

struct mpy_mark {
    struct mpy_chunk *chunk;
    size_t used;
    size_t total;
};

struct mpy_var {
    char *name;
    struct mpy_val v; /* heap-owned */
};

struct mpy_file {
    bool used;
    bool binary;
    bool readable;
    bool writable;
    bool append;
    size_t pos;
    char path[SIM_MPY_FS_PATH_MAX + 1];
};

struct mpy_program;
struct mpy_frame;

struct sim_mpy {
    struct sim_mpy_fs *fs;
    struct sim_mpy_ring *in;
    struct mpy_var *vars;
    size_t nvars;
    size_t cap_vars;
    struct mpy_file files[MPY_FILES_MAX];
    struct mpy_chunk *arena;
    size_t arena_total;
    struct mpy_exc exc;
    struct mpy_exc handled; /* the exception an except clause took, for a bare "raise" */
    bool has_handled;
    uint64_t now;
    uint64_t wake_ns;
    bool interrupt;
    uint32_t rng;
    struct sim_mpy_buf *out;
    struct mpy_program *prog;
    struct mpy_frame *frames;
    size_t nframes;
    char cwd[SIM_MPY_FS_PATH_MAX + 1]; /* os.chdir(), normalised, "" = root */
    uint32_t line;                     /* statement being executed */
    unsigned depth;
};

/* ---- mpy_value.c (values) and mpy_ops.c (operators) ---- */
void *mpy_alloc(struct sim_mpy *m, size_t n); /* arena; NULL after raising MemoryError */
struct mpy_mark mpy_mark(const struct sim_mpy *m);
void mpy_release(struct sim_mpy *m, struct mpy_mark mark);
void mpy_arena_free(struct sim_mpy *m);

int mpy_raise(struct sim_mpy *m, int cls, const char *fmt, ...) SIM_PRINTF_LIKE(3, 4);
int mpy_raise_bare(struct sim_mpy *m, int cls);
int mpy_raise_os(struct sim_mpy *m, int err);
int mpy_raise_sim(struct sim_mpy *m, const char *what); /* NotImplementedError, sim limit */
const char *mpy_exc_name(int cls);
bool mpy_exc_matches(int cls, int base);
/* The line after the class name: "[Errno 2] ENOENT", "28", the message or "". */
void mpy_exc_text(const struct mpy_exc *e, struct sim_mpy_buf *b);

void mpy_set_none(struct mpy_val *v);
void mpy_set_int(struct mpy_val *v, int64_t i);
void mpy_set_bool(struct mpy_val *v, bool b);
void mpy_set_float(struct mpy_val *v, double f);
int mpy_new_bytes(struct sim_mpy *m, enum mpy_type type, const void *data, size_t n,
                  struct mpy_val *out);
int mpy_new_cstr(struct sim_mpy *m, const char *s, struct mpy_val *out);
int mpy_new_seq(struct sim_mpy *m, enum mpy_type type, size_t n, struct mpy_val *out);
int mpy_new_exc(struct sim_mpy *m, const struct mpy_exc *e, struct mpy_val *out);

bool mpy_is_bytes_like(const struct mpy_val *v); /* str, bytes, bytearray */
bool mpy_is_num(const struct mpy_val *v);        /* bool, int, float */
double mpy_num_f(const struct mpy_val *v);
int64_t mpy_range_len(const struct mpy_val *v);
bool mpy_is_seq(const struct mpy_val *v); /* list, tuple */
const char *mpy_type_name(const struct mpy_val *v);
bool mpy_truthy(const struct mpy_val *v);
int mpy_get_int(struct sim_mpy *m, const struct mpy_val *v, int64_t *out);
void mpy_repr(struct sim_mpy *m, const struct mpy_val *v, struct sim_mpy_buf *b);
void mpy_str(struct sim_mpy *m, const struct mpy_val *v, struct sim_mpy_buf *b);
void mpy_repr_bytes(const uint8_t *p, size_t n, bool is_bytes, struct sim_mpy_buf *b);
int mpy_buf_to_val(struct sim_mpy *m, struct sim_mpy_buf *b, enum mpy_type type,
                   struct mpy_val *out); /* frees b */

int mpy_to_heap(const struct mpy_val *src, struct mpy_val *dst);
void mpy_free_heap(struct mpy_val *v);

/* Operators by their source spelling ("+", "//", "<<", "==", "in", "not in", "is", ...). */
int mpy_binop(struct sim_mpy *m, const char *op, const struct mpy_val *a, const struct mpy_val *b,
              struct mpy_val *out);
int mpy_compare(struct sim_mpy *m, const char *op, const struct mpy_val *a, const struct mpy_val *b,
                bool *res);
bool mpy_equal(const struct mpy_val *a, const struct mpy_val *b);
int mpy_unary(struct sim_mpy *m, char op, const struct mpy_val *a, struct mpy_val *out);
int mpy_subscript(struct sim_mpy *m, const struct mpy_val *obj, const struct mpy_val *idx,
                  struct mpy_val *out);
int mpy_slice(struct sim_mpy *m, const struct mpy_val *obj, const struct mpy_val *lo,
              const struct mpy_val *hi, const struct mpy_val *step, struct mpy_val *out);
/* Items of a str/bytes/list/tuple/range as a new list or tuple value (for loops, list()). */
int mpy_iterate(struct sim_mpy *m, const struct mpy_val *v, struct mpy_val *out);
size_t mpy_len_of(const struct mpy_val *v);

/* ---- mpy_lex.c ---- */
enum mpy_tok_kind {
    MPY_TK_END,
    MPY_TK_NAME,
    MPY_TK_INT,
    MPY_TK_FLOAT,
    MPY_TK_STR,
    MPY_TK_OP,
    MPY_TK_BAD
};

struct mpy_tok {
    enum mpy_tok_kind kind;
    size_t pos;
    size_t len;
    int64_t ival;
    double fval;
    bool overflow;
};

struct mpy_lex {
    const char *s;
    size_t len;
    size_t pos;
    struct mpy_tok t;
};

void mpy_lex_init(struct mpy_lex *lx, const char *s, size_t len);
void mpy_lex_next(struct mpy_lex *lx);
bool mpy_tok_op(const struct mpy_lex *lx, const char *op);
bool mpy_tok_kw(const struct mpy_lex *lx, const char *kw);
bool mpy_is_keyword(const char *s, size_t n);
/* Decodes a string literal token into a STR or BYTES value. */
int mpy_str_literal(struct sim_mpy *m, const char *tok, size_t n, struct mpy_val *out);

/* ---- mpy_expr.c ---- */
struct mpy_parser {
    struct sim_mpy *m;
    struct mpy_lex lx;
    bool eval; /* false: syntax check only, no effects */
};

int mpy_syntax_error(struct mpy_parser *p);
int mpy_parse_test(struct mpy_parser *p, struct mpy_val *out);
/* test (',' test)* [','] - a tuple when a comma is present. */
int mpy_parse_testlist(struct mpy_parser *p, struct mpy_val *out);

/* ---- mpy_builtin.c ---- */
struct mpy_kw {
    const char *name;
    size_t len;
    struct mpy_val v;
};

int mpy_lookup(struct sim_mpy *m, const char *name, size_t n, struct mpy_val *out);
int mpy_getattr(struct sim_mpy *m, const struct mpy_val *obj, const char *name, size_t n,
                struct mpy_val *out);
int mpy_call(struct sim_mpy *m, const struct mpy_val *fn, struct mpy_val *args, size_t nargs,
             const struct mpy_kw *kw, size_t nkw, struct mpy_val *out);
int mpy_import(struct sim_mpy *m, const char *name, size_t n, struct mpy_val *out);
const char *mpy_builtin_name(int id);
const char *mpy_module_name(int id);
void mpy_file_close(struct sim_mpy *m, int64_t handle);
void mpy_files_close_all(struct sim_mpy *m);

/* ---- mpy_exec.c ---- */
struct mpy_var *mpy_var_find(struct sim_mpy *m, const char *name, size_t n);
int mpy_var_set(struct sim_mpy *m, const char *name, size_t n, const struct mpy_val *v);
int mpy_var_del(struct sim_mpy *m, const char *name, size_t n);

#endif
