/* SPDX-License-Identifier: MIT */
/* Values of the tiny Python: output buffers, the stdin ring, the per-statement arena, exception
 * classes and their text, constructors, repr/str, and the deep copies variables keep. */
#include "mpy_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_INITIAL     256u
#define FLOAT_DIGITS    7           /* MICROPY_FLOAT_IMPL_FLOAT prints 7 significant digits */
#define FAKE_HEAP_BASE  0x3FFF0000u /* addresses shown in reprs of objects */
#define FAKE_OBJ_STRIDE 0x20u

/* ---- growable buffers and the stdin ring ---- */

static bool buf_reserve(struct sim_mpy_buf *b, size_t extra)
{
    size_t need = b->len + extra, cap = b->cap ? b->cap : BUF_INITIAL;
    uint8_t *p;
    if (need <= b->cap)
        return true;
    while (cap < need)
        cap *= 2;
    p = realloc(b->p, cap);
    if (!p)
        return false;
    b->p = p;
    b->cap = cap;
    return true;
}

void sim_mpy_buf_free(struct sim_mpy_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void sim_mpy_buf_put(struct sim_mpy_buf *b, const void *data, size_t n)
{
    if (n == 0 || !buf_reserve(b, n))
        return;
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

void sim_mpy_buf_str(struct sim_mpy_buf *b, const char *s)
{
    sim_mpy_buf_put(b, s, strlen(s));
}

void sim_mpy_buf_printf(struct sim_mpy_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0 || !buf_reserve(b, (size_t)n + 1))
        return;
    va_start(ap, fmt);
    vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sim_mpy_buf_cooked(struct sim_mpy_buf *b, const void *data, size_t n)
{
    const uint8_t *p = data;
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            sim_mpy_buf_put(b, p + start, i - start);
            sim_mpy_buf_put(b, "\r\n", 2);
            start = i + 1;
        }
    }
    sim_mpy_buf_put(b, p + start, n - start);
}

void sim_mpy_buf_consume(struct sim_mpy_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}

bool sim_mpy_ring_push(struct sim_mpy_ring *r, uint8_t byte)
{
    if (r->len == SIM_MPY_RING_SIZE) {
        r->dropped++;
        return false;
    }
    r->buf[(r->head + r->len) % SIM_MPY_RING_SIZE] = byte;
    r->len++;
    return true;
}

bool sim_mpy_ring_pop(struct sim_mpy_ring *r, uint8_t *byte)
{
    if (r->len == 0)
        return false;
    *byte = r->buf[r->head];
    r->head = (r->head + 1) % SIM_MPY_RING_SIZE;
    r->len--;
    return true;
}

/* ---- arena: temporaries live until the statement that made them ends ---- */

void *mpy_alloc(struct sim_mpy *m, size_t n)
{
    size_t align = sizeof(max_align_t);
    size_t need = (n + align - 1) / align * align;
    struct mpy_chunk *c = m->arena;

    if (need == 0)
        need = align;
    if (!c || c->size - c->used < need) {
        size_t size = need > MPY_ARENA_CHUNK ? need : MPY_ARENA_CHUNK;
        if (m->arena_total + size > MPY_ARENA_LIMIT) {
            mpy_raise(m, MPY_EXC_MEMORY, "memory allocation failed, allocating %zu bytes", n);
            return NULL;
        }
        c = malloc(sizeof *c + size);
        if (!c) {
            mpy_raise(m, MPY_EXC_MEMORY, "memory allocation failed, allocating %zu bytes", n);
            return NULL;
        }
        c->prev = m->arena;
        c->size = size;
        c->used = 0;
        m->arena = c;
        m->arena_total += size;
    }
    void *p = (unsigned char *)c->data + c->used;
    c->used += need;
    return p;
}

struct mpy_mark mpy_mark(const struct sim_mpy *m)
{
    struct mpy_mark k = {m->arena, m->arena ? m->arena->used : 0, m->arena_total};
    return k;
}

void mpy_release(struct sim_mpy *m, struct mpy_mark mark)
{
    while (m->arena && m->arena != mark.chunk) {
        struct mpy_chunk *prev = m->arena->prev;
        m->arena_total -= m->arena->size;
        free(m->arena);
        m->arena = prev;
    }
    if (m->arena)
        m->arena->used = mark.used;
}

void mpy_arena_free(struct sim_mpy *m)
{
    struct mpy_mark none = {NULL, 0, 0};
    mpy_release(m, none);
}

/* ---- exceptions ---- */

struct mpy_exc_info {
    const char *name;
    int base;
};

static const struct mpy_exc_info EXC_INFO[MPY_EXC_COUNT] = {
        [MPY_EXC_BASE] = {"BaseException", -1},
        [MPY_EXC_SYSTEM_EXIT] = {"SystemExit", MPY_EXC_BASE},
        [MPY_EXC_KEYBOARD_INTERRUPT] = {"KeyboardInterrupt", MPY_EXC_BASE},
        [MPY_EXC_EXCEPTION] = {"Exception", MPY_EXC_BASE},
        [MPY_EXC_ARITHMETIC] = {"ArithmeticError", MPY_EXC_EXCEPTION},
        [MPY_EXC_ZERO_DIVISION] = {"ZeroDivisionError", MPY_EXC_ARITHMETIC},
        [MPY_EXC_OVERFLOW] = {"OverflowError", MPY_EXC_ARITHMETIC},
        [MPY_EXC_ASSERTION] = {"AssertionError", MPY_EXC_EXCEPTION},
        [MPY_EXC_ATTRIBUTE] = {"AttributeError", MPY_EXC_EXCEPTION},
        [MPY_EXC_EOF] = {"EOFError", MPY_EXC_EXCEPTION},
        [MPY_EXC_IMPORT] = {"ImportError", MPY_EXC_EXCEPTION},
        [MPY_EXC_LOOKUP] = {"LookupError", MPY_EXC_EXCEPTION},
        [MPY_EXC_INDEX] = {"IndexError", MPY_EXC_LOOKUP},
        [MPY_EXC_KEY] = {"KeyError", MPY_EXC_LOOKUP},
        [MPY_EXC_MEMORY] = {"MemoryError", MPY_EXC_EXCEPTION},
        [MPY_EXC_NAME] = {"NameError", MPY_EXC_EXCEPTION},
        [MPY_EXC_OS] = {"OSError", MPY_EXC_EXCEPTION},
        [MPY_EXC_RUNTIME] = {"RuntimeError", MPY_EXC_EXCEPTION},
        [MPY_EXC_NOT_IMPLEMENTED] = {"NotImplementedError", MPY_EXC_RUNTIME},
        [MPY_EXC_STOP_ITERATION] = {"StopIteration", MPY_EXC_EXCEPTION},
        [MPY_EXC_SYNTAX] = {"SyntaxError", MPY_EXC_EXCEPTION},
        [MPY_EXC_INDENTATION] = {"IndentationError", MPY_EXC_SYNTAX},
        [MPY_EXC_TYPE] = {"TypeError", MPY_EXC_EXCEPTION},
        [MPY_EXC_VALUE] = {"ValueError", MPY_EXC_EXCEPTION},
};

/* py/moderrno.c's default MICROPY_PY_ERRNO_LIST (the ESP8266 port keeps it): only these print
 * as "[Errno n] NAME"; others (ENOSPC 28, ENOTDIR 20, ENOTEMPTY 39) print as the bare number. */
struct mpy_errno_name {
    int value;
    const char *name;
};

static const struct mpy_errno_name ERRNO_NAMES[] = {
        {1, "EPERM"},          {2, "ENOENT"},         {5, "EIO"},
        {9, "EBADF"},          {11, "EAGAIN"},        {12, "ENOMEM"},
        {13, "EACCES"},        {17, "EEXIST"},        {19, "ENODEV"},
        {21, "EISDIR"},        {22, "EINVAL"},        {95, "EOPNOTSUPP"},
        {98, "EADDRINUSE"},    {103, "ECONNABORTED"}, {104, "ECONNRESET"},
        {105, "ENOBUFS"},      {107, "ENOTCONN"},     {110, "ETIMEDOUT"},
        {111, "ECONNREFUSED"}, {113, "EHOSTUNREACH"}, {114, "EALREADY"},
        {115, "EINPROGRESS"},
};

const char *mpy_exc_name(int cls)
{
    return cls >= 0 && cls < MPY_EXC_COUNT ? EXC_INFO[cls].name : "Exception";
}

bool mpy_exc_matches(int cls, int base)
{
    while (cls >= 0 && cls < MPY_EXC_COUNT) {
        if (cls == base)
            return true;
        cls = EXC_INFO[cls].base;
    }
    return false;
}

void mpy_exc_text(const struct mpy_exc *e, struct sim_mpy_buf *b)
{
    if (e->err != MPY_NO_ERRNO) {
        for (size_t i = 0; i < sizeof ERRNO_NAMES / sizeof ERRNO_NAMES[0]; i++) {
            if (ERRNO_NAMES[i].value == e->err) {
                sim_mpy_buf_printf(b, "[Errno %d] %s", ERRNO_NAMES[i].value, ERRNO_NAMES[i].name);
                return;
            }
        }
        sim_mpy_buf_printf(b, "%lld", (long long)e->err);
        return;
    }
    if (e->has_msg)
        sim_mpy_buf_str(b, e->msg);
}

static void exc_clear(struct sim_mpy *m, int cls)
{
    memset(&m->exc, 0, sizeof m->exc);
    m->exc.cls = cls;
    m->exc.err = MPY_NO_ERRNO;
}

int mpy_raise(struct sim_mpy *m, int cls, const char *fmt, ...)
{
    va_list ap;
    exc_clear(m, cls);
    m->exc.has_msg = true;
    va_start(ap, fmt);
    vsnprintf(m->exc.msg, sizeof m->exc.msg, fmt, ap);
    va_end(ap);
    return -1;
}

int mpy_raise_bare(struct sim_mpy *m, int cls)
{
    exc_clear(m, cls);
    return -1;
}

int mpy_raise_os(struct sim_mpy *m, int err)
{
    exc_clear(m, MPY_EXC_OS);
    m->exc.err = err;
    return -1;
}

int mpy_raise_sim(struct sim_mpy *m, const char *what)
{
    return mpy_raise(m, MPY_EXC_NOT_IMPLEMENTED, "%s: not modelled by the board simulator", what);
}

/* ---- constructors ---- */

static void val_zero(struct mpy_val *v, enum mpy_type type)
{
    memset(v, 0, sizeof *v);
    v->type = type;
}

void mpy_set_none(struct mpy_val *v)
{
    val_zero(v, MPY_NONE);
}

void mpy_set_int(struct mpy_val *v, int64_t i)
{
    val_zero(v, MPY_INT);
    v->i = i;
}

void mpy_set_bool(struct mpy_val *v, bool b)
{
    val_zero(v, MPY_BOOL);
    v->i = b;
}

void mpy_set_float(struct mpy_val *v, double f)
{
    val_zero(v, MPY_FLOAT);
    v->f = (double)(float)f; /* single precision like the ESP8266 port */
}

int mpy_new_bytes(struct sim_mpy *m, enum mpy_type type, const void *data, size_t n,
                  struct mpy_val *out)
{
    char *p = mpy_alloc(m, n + 1);
    if (!p)
        return -1;
    if (n)
        memcpy(p, data, n);
    p[n] = '\0';
    val_zero(out, type);
    out->s = p;
    out->len = n;
    return 0;
}

int mpy_new_cstr(struct sim_mpy *m, const char *s, struct mpy_val *out)
{
    return mpy_new_bytes(m, MPY_STR, s, strlen(s), out);
}

int mpy_new_seq(struct sim_mpy *m, enum mpy_type type, size_t n, struct mpy_val *out)
{
    struct mpy_val *items = mpy_alloc(m, (n ? n : 1) * sizeof *items);
    if (!items)
        return -1;
    for (size_t i = 0; i < n; i++)
        mpy_set_none(&items[i]);
    val_zero(out, type);
    out->items = items;
    out->len = n;
    return 0;
}

int mpy_new_exc(struct sim_mpy *m, const struct mpy_exc *e, struct mpy_val *out)
{
    struct sim_mpy_buf b = {0};
    int rc;
    if (e->has_msg)
        sim_mpy_buf_str(&b, e->msg);
    rc = mpy_new_bytes(m, MPY_EXC, b.p ? b.p : (const uint8_t *)"", b.len, out);
    sim_mpy_buf_free(&b);
    out->id = e->cls;
    out->i = e->err;
    out->step = e->has_msg;
    return rc;
}

int mpy_buf_to_val(struct sim_mpy *m, struct sim_mpy_buf *b, enum mpy_type type,
                   struct mpy_val *out)
{
    int rc = mpy_new_bytes(m, type, b->p ? b->p : (const uint8_t *)"", b->len, out);
    sim_mpy_buf_free(b);
    return rc;
}

/* ---- type queries ---- */

static const char *const TYPE_NAMES[MPY_TYPE_COUNT] = {
        [MPY_NONE] = "NoneType",
        [MPY_BOOL] = "bool",
        [MPY_INT] = "int",
        [MPY_FLOAT] = "float",
        [MPY_STR] = "str",
        [MPY_BYTES] = "bytes",
        [MPY_BYTEARRAY] = "bytearray",
        [MPY_LIST] = "list",
        [MPY_TUPLE] = "tuple",
        [MPY_RANGE] = "range",
        [MPY_FILE] = "FileIO",
        [MPY_MODULE] = "module",
        [MPY_FUNC] = "function",
        [MPY_METHOD] = "bound_method",
        [MPY_OBJ] = "TextIOWrapper",
        [MPY_EXCTYPE] = "type",
        [MPY_EXC] = "Exception",
};

const char *mpy_type_name(const struct mpy_val *v)
{
    if (v->type == MPY_EXC)
        return mpy_exc_name(v->id);
    return TYPE_NAMES[v->type];
}

bool mpy_is_bytes_like(const struct mpy_val *v)
{
    return v->type == MPY_STR || v->type == MPY_BYTES || v->type == MPY_BYTEARRAY;
}

bool mpy_is_seq(const struct mpy_val *v)
{
    return v->type == MPY_LIST || v->type == MPY_TUPLE;
}

bool mpy_is_num(const struct mpy_val *v)
{
    return v->type == MPY_INT || v->type == MPY_BOOL || v->type == MPY_FLOAT;
}

double mpy_num_f(const struct mpy_val *v)
{
    return v->type == MPY_FLOAT ? v->f : (double)v->i;
}

int64_t mpy_range_len(const struct mpy_val *v)
{
    if (v->step > 0 && v->stop > v->i)
        return (v->stop - v->i + v->step - 1) / v->step;
    if (v->step < 0 && v->stop < v->i)
        return (v->i - v->stop - v->step - 1) / -v->step;
    return 0;
}

size_t mpy_len_of(const struct mpy_val *v)
{
    return v->type == MPY_RANGE ? (size_t)mpy_range_len(v) : v->len;
}

bool mpy_truthy(const struct mpy_val *v)
{
    switch (v->type) {
    case MPY_NONE: return false;
    case MPY_BOOL:
    case MPY_INT: return v->i != 0;
    case MPY_FLOAT: return v->f != 0.0;
    case MPY_STR:
    case MPY_BYTES:
    case MPY_BYTEARRAY:
    case MPY_LIST:
    case MPY_TUPLE: return v->len != 0;
    case MPY_RANGE: return mpy_range_len(v) != 0;
    default: return true;
    }
}

int mpy_get_int(struct sim_mpy *m, const struct mpy_val *v, int64_t *out)
{
    if (v->type == MPY_INT || v->type == MPY_BOOL) {
        *out = v->i;
        return 0;
    }
    return mpy_raise(m, MPY_EXC_TYPE, "can't convert %s to int", mpy_type_name(v));
}

/* ---- repr / str ---- */

void mpy_repr_bytes(const uint8_t *p, size_t n, bool is_bytes, struct sim_mpy_buf *b)
{
    bool single = false, dbl = false;
    char quote;

    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\'')
            single = true;
        else if (p[i] == '"')
            dbl = true;
    }
    quote = single && !dbl ? '"' : '\'';
    sim_mpy_buf_put(b, &quote, 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == (uint8_t)quote || c == '\\') {
            char e[2] = {'\\', (char)c};
            sim_mpy_buf_put(b, e, 2);
        } else if (c >= 0x20 && c != 0x7F && (!is_bytes || c < 0x80)) {
            sim_mpy_buf_put(b, &c, 1);
        } else if (c == '\n') {
            sim_mpy_buf_str(b, "\\n");
        } else if (c == '\r') {
            sim_mpy_buf_str(b, "\\r");
        } else if (c == '\t') {
            sim_mpy_buf_str(b, "\\t");
        } else {
            sim_mpy_buf_printf(b, "\\x%02x", c);
        }
    }
    sim_mpy_buf_put(b, &quote, 1);
}

static void repr_float(double f, struct sim_mpy_buf *b)
{
    char tmp[48];
    if (isnan(f)) {
        sim_mpy_buf_str(b, "nan");
        return;
    }
    if (isinf(f)) {
        sim_mpy_buf_str(b, f < 0 ? "-inf" : "inf");
        return;
    }
    snprintf(tmp, sizeof tmp, "%.*g", FLOAT_DIGITS, f);
    sim_mpy_buf_str(b, tmp);
    if (!strpbrk(tmp, ".e"))
        sim_mpy_buf_str(b, ".0");
}

static void repr_items(struct sim_mpy *m, const struct mpy_val *v, struct sim_mpy_buf *b)
{
    for (size_t i = 0; i < v->len; i++) {
        if (i > 0)
            sim_mpy_buf_str(b, ", ");
        mpy_repr(m, &v->items[i], b);
    }
}

void mpy_repr(struct sim_mpy *m, const struct mpy_val *v, struct sim_mpy_buf *b)
{
    switch (v->type) {
    case MPY_NONE: sim_mpy_buf_str(b, "None"); break;
    case MPY_BOOL: sim_mpy_buf_str(b, v->i ? "True" : "False"); break;
    case MPY_INT: sim_mpy_buf_printf(b, "%lld", (long long)v->i); break;
    case MPY_FLOAT: repr_float(v->f, b); break;
    case MPY_STR: mpy_repr_bytes((const uint8_t *)v->s, v->len, false, b); break;
    case MPY_BYTES:
        sim_mpy_buf_str(b, "b");
        mpy_repr_bytes((const uint8_t *)v->s, v->len, true, b);
        break;
    case MPY_BYTEARRAY:
        sim_mpy_buf_str(b, "bytearray(b");
        mpy_repr_bytes((const uint8_t *)v->s, v->len, true, b);
        sim_mpy_buf_str(b, ")");
        break;
    case MPY_LIST:
        sim_mpy_buf_str(b, "[");
        repr_items(m, v, b);
        sim_mpy_buf_str(b, "]");
        break;
    case MPY_TUPLE:
        sim_mpy_buf_str(b, "(");
        repr_items(m, v, b);
        sim_mpy_buf_str(b, v->len == 1 ? ",)" : ")");
        break;
    case MPY_RANGE:
        if (v->step == 1)
            sim_mpy_buf_printf(b, "range(%lld, %lld)", (long long)v->i, (long long)v->stop);
        else
            sim_mpy_buf_printf(b, "range(%lld, %lld, %lld)", (long long)v->i, (long long)v->stop,
                               (long long)v->step);
        break;
    case MPY_FILE:
        sim_mpy_buf_printf(b, "<io.%s %x>", m->files[v->i].binary ? "FileIO" : "TextIOWrapper",
                           (unsigned)(FAKE_HEAP_BASE + (unsigned)v->i * FAKE_OBJ_STRIDE));
        break;
    case MPY_MODULE: sim_mpy_buf_printf(b, "<module '%s'>", mpy_module_name(v->id)); break;
    case MPY_FUNC: sim_mpy_buf_str(b, "<function>"); break;
    case MPY_METHOD: sim_mpy_buf_str(b, "<bound_method>"); break;
    case MPY_OBJ: sim_mpy_buf_printf(b, "<io.TextIOWrapper %d>", v->id); break;
    case MPY_EXCTYPE: sim_mpy_buf_printf(b, "<class '%s'>", mpy_exc_name(v->id)); break;
    case MPY_EXC:
        sim_mpy_buf_printf(b, "%s(", mpy_exc_name(v->id));
        if (v->i != MPY_NO_ERRNO)
            sim_mpy_buf_printf(b, "%lld,", (long long)v->i);
        else if (v->step) {
            mpy_repr_bytes((const uint8_t *)v->s, v->len, false, b);
            sim_mpy_buf_str(b, ",");
        }
        sim_mpy_buf_str(b, ")");
        break;
    case MPY_TYPE_COUNT: break;
    }
}

void mpy_str(struct sim_mpy *m, const struct mpy_val *v, struct sim_mpy_buf *b)
{
    if (v->type == MPY_STR) {
        sim_mpy_buf_put(b, v->s, v->len);
    } else if (v->type == MPY_EXC) {
        struct mpy_exc e;
        memset(&e, 0, sizeof e);
        e.err = v->i;
        e.has_msg = v->step != 0;
        snprintf(e.msg, sizeof e.msg, "%.*s", (int)v->len, v->s);
        mpy_exc_text(&e, b);
    } else {
        mpy_repr(m, v, b);
    }
}

/* ---- heap copies (variables, loop state) ---- */

int mpy_to_heap(const struct mpy_val *src, struct mpy_val *dst)
{
    *dst = *src;
    dst->s = NULL;
    dst->items = NULL;
    if (src->s) {
        dst->s = malloc(src->len + 1);
        if (!dst->s)
            return -1;
        memcpy(dst->s, src->s, src->len);
        dst->s[src->len] = '\0';
    }
    if (src->items) {
        size_t n = src->type == MPY_METHOD ? 1 : src->len;
        dst->items = calloc(n ? n : 1, sizeof *dst->items);
        if (!dst->items) {
            free(dst->s);
            dst->s = NULL;
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            if (mpy_to_heap(&src->items[i], &dst->items[i]) != 0) {
                mpy_free_heap(dst);
                return -1;
            }
        }
    }
    return 0;
}

void mpy_free_heap(struct mpy_val *v)
{
    if (v->items) {
        size_t n = v->type == MPY_METHOD ? 1 : v->len;
        for (size_t i = 0; i < n; i++)
            mpy_free_heap(&v->items[i]);
        free(v->items);
    }
    free(v->s);
    mpy_set_none(v);
}
