/* SPDX-License-Identifier: MIT */
/* Builtin functions of the tiny Python (conversions, print, sequences, time, gc, machine, sys)
 * and the dispatch of every builtin and method id to its implementation. */
#include "mpy_builtin_ids.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_S      1000000000.0
#define NS_PER_MS     1000000u
#define NS_PER_US     1000u
#define TICKS_MASK    0x3FFFFFFF /* MicroPython's ticks wrap at 2^30 */
#define TICKS_HALF    0x20000000
#define CPU_FREQ_HZ   80000000
#define CPU_FREQ_FAST 160000000
#define GC_HEAP_BYTES 38912 /* the ESP8266 port's 38 KiB heap */
#define GC_USED_BYTES 6400  /* a fresh REPL's usage (guess) */
#define UNICODE_MAX   0x10FFFF
#define WHITESPACE    " \t\n\r\v\f"

static const char HEX_DIGITS[] = "0123456789abcdef";

int mpy_need_buffer(struct sim_mpy *m, const struct mpy_val *v)
{
    if (mpy_is_bytes_like(v))
        return 0;
    return mpy_raise(m, MPY_EXC_TYPE, "object with buffer protocol required");
}

int mpy_need_str(struct sim_mpy *m, const struct mpy_val *v)
{
    if (v->type == MPY_STR)
        return 0;
    return mpy_raise(m, MPY_EXC_TYPE, "can't convert '%s' object to str implicitly",
                     mpy_type_name(v));
}

int mpy_need_int(struct sim_mpy *m, const struct mpy_val *v, int64_t *out)
{
    if (v->type == MPY_FLOAT)
        return mpy_raise(m, MPY_EXC_TYPE, "can't convert float to int");
    return mpy_get_int(m, v, out);
}

/* ---- conversions ---- */

static int parse_int_text(struct sim_mpy *m, const char *s, size_t n, int64_t base,
                          struct mpy_val *out)
{
    size_t i = 0, end = n;
    bool neg = false, any = false;
    uint64_t v = 0;
    int64_t b = base;

    while (i < end && strchr(WHITESPACE, s[i]) && s[i])
        i++;
    while (end > i && strchr(WHITESPACE, s[end - 1]) && s[end - 1])
        end--;
    if (i < end && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (end - i >= 2 && s[i] == '0') {
        char p = (char)(s[i + 1] | 0x20);
        int64_t pb = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
        if (pb && (b == 0 || b == pb)) {
            b = pb;
            i += 2;
        }
    }
    if (b == 0)
        b = 10;
    if (b < 2 || b > 36)
        return mpy_raise(m, MPY_EXC_VALUE, "int() arg 2 must be >= 2 and <= 36");
    for (; i < end; i++) {
        char c = s[i];
        int64_t d = c >= '0' && c <= '9'                     ? c - '0'
                    : (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? (c | 0x20) - 'a' + 10
                                                             : 99;
        if (c == '_' && any)
            continue;
        if (d >= b)
            goto bad;
        if (v > ((uint64_t)INT64_MAX - (uint64_t)d) / (uint64_t)b)
            return mpy_raise(m, MPY_EXC_OVERFLOW,
                             "result beyond 64 bits (the simulator has no bignums)");
        v = v * (uint64_t)b + (uint64_t)d;
        any = true;
    }
    if (!any)
        goto bad;
    mpy_set_int(out, neg ? -(int64_t)v : (int64_t)v);
    return 0;
bad:
    return mpy_raise(m, MPY_EXC_VALUE, "invalid syntax for integer with base %lld",
                     (long long)(base ? base : 10));
}

static int bi_int(struct mpy_args *a, struct mpy_val *out)
{
    int64_t base = 10;
    const struct mpy_val *x = &a->v[0];
    if (a->n == 0) {
        mpy_set_int(out, 0);
        return 0;
    }
    if (mpy_args_check(a, 1, 2) != 0)
        return -1;
    if (a->n == 2) {
        if (mpy_need_int(a->m, &a->v[1], &base) != 0)
            return -1;
        if (!mpy_is_bytes_like(x))
            return mpy_raise(a->m, MPY_EXC_TYPE, "can't convert non-string with explicit base");
    }
    if (mpy_is_bytes_like(x))
        return parse_int_text(a->m, x->s, x->len, base, out);
    if (x->type == MPY_FLOAT) {
        if (isnan(x->f))
            return mpy_raise(a->m, MPY_EXC_VALUE, "can't convert NaN to int");
        if (!(fabs(x->f) < 9.2e18))
            return mpy_raise(a->m, MPY_EXC_OVERFLOW, "can't convert inf to int");
        mpy_set_int(out, (int64_t)x->f);
        return 0;
    }
    if (x->type == MPY_INT || x->type == MPY_BOOL) {
        mpy_set_int(out, x->i);
        return 0;
    }
    return mpy_raise(a->m, MPY_EXC_TYPE, "can't convert %s to int", mpy_type_name(x));
}

static int bi_float(struct mpy_args *a, struct mpy_val *out)
{
    const struct mpy_val *x = &a->v[0];
    if (a->n == 0) {
        mpy_set_float(out, 0.0);
        return 0;
    }
    if (mpy_args_check(a, 1, 1) != 0)
        return -1;
    if (x->type == MPY_INT || x->type == MPY_BOOL || x->type == MPY_FLOAT) {
        mpy_set_float(out, x->type == MPY_FLOAT ? x->f : (double)x->i);
        return 0;
    }
    if (mpy_is_bytes_like(x)) {
        char *end;
        double f = strtod(x->s, &end);
        while (*end && strchr(WHITESPACE, *end))
            end++;
        if (end == x->s || *end != '\0')
            return mpy_raise(a->m, MPY_EXC_VALUE, "invalid syntax for number");
        mpy_set_float(out, f);
        return 0;
    }
    return mpy_raise(a->m, MPY_EXC_TYPE, "can't convert %s to float", mpy_type_name(x));
}

static int bi_bytes(struct mpy_args *a, enum mpy_type type, struct mpy_val *out)
{
    const struct mpy_val *x = &a->v[0];
    struct mpy_val items;
    if (a->n == 0)
        return mpy_new_bytes(a->m, type, "", 0, out);
    if (mpy_args_check(a, 1, 3) != 0)
        return -1;
    if (x->type == MPY_STR) {
        if (a->n < 2)
            return mpy_raise(a->m, MPY_EXC_TYPE, "string argument without an encoding");
        return mpy_new_bytes(a->m, type, x->s, x->len, out);
    }
    if (x->type == MPY_BYTES || x->type == MPY_BYTEARRAY)
        return mpy_new_bytes(a->m, type, x->s, x->len, out);
    if (x->type == MPY_INT || x->type == MPY_BOOL) {
        char *p;
        if (x->i < 0)
            return mpy_raise(a->m, MPY_EXC_VALUE, "negative count");
        if (mpy_new_bytes(a->m, type, "", 0, out) != 0)
            return -1;
        p = mpy_alloc(a->m, (size_t)x->i + 1);
        if (!p)
            return -1;
        memset(p, 0, (size_t)x->i + 1);
        out->s = p;
        out->len = (size_t)x->i;
        return 0;
    }
    if (mpy_iterate(a->m, x, &items) != 0)
        return -1;
    if (mpy_new_bytes(a->m, type, "", 0, out) != 0)
        return -1;
    out->s = mpy_alloc(a->m, items.len + 1);
    if (!out->s)
        return -1;
    for (size_t i = 0; i < items.len; i++) {
        int64_t v;
        if (mpy_need_int(a->m, &items.items[i], &v) != 0)
            return -1;
        if (v < 0 || v > 255)
            return mpy_raise(a->m, MPY_EXC_VALUE, "bytes must be in range(0, 256)");
        out->s[i] = (char)v;
    }
    out->len = items.len;
    return 0;
}

static int bi_seq(struct mpy_args *a, enum mpy_type type, struct mpy_val *out)
{
    struct mpy_val items;
    if (mpy_args_check(a, 0, 1) != 0)
        return -1;
    if (a->n == 0)
        return mpy_new_seq(a->m, type, 0, out);
    if (mpy_iterate(a->m, &a->v[0], &items) != 0 || mpy_new_seq(a->m, type, items.len, out) != 0)
        return -1;
    if (items.len)
        memcpy(out->items, items.items, items.len * sizeof *items.items);
    return 0;
}

static int bi_range(struct mpy_args *a, struct mpy_val *out)
{
    int64_t v[3] = {0, 0, 1};
    if (mpy_args_check(a, 1, 3) != 0)
        return -1;
    for (size_t i = 0; i < a->n; i++)
        if (mpy_need_int(a->m, &a->v[i], &v[a->n == 1 ? 1 : i]) != 0)
            return -1;
    if (v[2] == 0)
        return mpy_raise(a->m, MPY_EXC_VALUE, "zero step");
    mpy_set_none(out);
    out->type = MPY_RANGE;
    out->i = v[0];
    out->stop = v[1];
    out->step = v[2];
    return 0;
}

static int bi_print(struct mpy_args *a, struct mpy_val *out)
{
    static const char *const KW[] = {"sep", "end", "file"};
    const struct mpy_val *sep = mpy_args_kw(a, "sep"), *end = mpy_args_kw(a, "end");
    struct sim_mpy_buf b = {0};

    if (mpy_args_kw_check(a, KW, sizeof KW / sizeof KW[0]) != 0)
        return -1;
    if ((sep && sep->type != MPY_NONE && mpy_need_str(a->m, sep) != 0) ||
        (end && end->type != MPY_NONE && mpy_need_str(a->m, end) != 0))
        return -1;
    for (size_t i = 0; i < a->n; i++) {
        if (i > 0) {
            if (sep && sep->type == MPY_STR)
                sim_mpy_buf_put(&b, sep->s, sep->len);
            else
                sim_mpy_buf_put(&b, " ", 1);
        }
        mpy_str(a->m, &a->v[i], &b);
    }
    if (end && end->type == MPY_STR)
        sim_mpy_buf_put(&b, end->s, end->len);
    else
        sim_mpy_buf_put(&b, "\n", 1);
    sim_mpy_buf_cooked(a->m->out, b.p, b.len);
    sim_mpy_buf_free(&b);
    mpy_set_none(out);
    return 0;
}

static int bi_minmax(struct mpy_args *a, bool want_max, struct mpy_val *out)
{
    struct mpy_val items;
    if (mpy_args_check(a, 1, MPY_ARGS_MAX) != 0 || mpy_args_kw_check(a, NULL, 0) != 0)
        return -1;
    if (a->n == 1) {
        if (mpy_iterate(a->m, &a->v[0], &items) != 0)
            return -1;
    } else {
        items.items = a->v;
        items.len = a->n;
    }
    if (items.len == 0)
        return mpy_raise(a->m, MPY_EXC_VALUE, "arg is an empty sequence");
    *out = items.items[0];
    for (size_t i = 1; i < items.len; i++) {
        bool better;
        if (mpy_compare(a->m, want_max ? ">" : "<", &items.items[i], out, &better) != 0)
            return -1;
        if (better)
            *out = items.items[i];
    }
    return 0;
}

static int bi_sorted(struct mpy_args *a, struct mpy_val *out)
{
    static const char *const KW[] = {"reverse"};
    const struct mpy_val *rev = mpy_args_kw(a, "reverse");
    struct mpy_val items;
    bool reverse = rev && mpy_truthy(rev);

    if (mpy_args_check(a, 1, 1) != 0 || mpy_args_kw_check(a, KW, 1) != 0)
        return -1;
    if (mpy_iterate(a->m, &a->v[0], &items) != 0 ||
        mpy_new_seq(a->m, MPY_LIST, items.len, out) != 0)
        return -1;
    for (size_t i = 0; i < items.len; i++) {
        size_t k = i;
        while (k > 0) {
            bool less;
            if (mpy_compare(a->m, reverse ? ">" : "<", &items.items[i], &out->items[k - 1],
                            &less) != 0)
                return -1;
            if (!less)
                break;
            out->items[k] = out->items[k - 1];
            k--;
        }
        out->items[k] = items.items[i];
    }
    return 0;
}

static int bi_chr(struct mpy_args *a, struct mpy_val *out)
{
    int64_t c;
    char buf[4];
    size_t n;
    if (mpy_args_check(a, 1, 1) != 0 || mpy_need_int(a->m, &a->v[0], &c) != 0)
        return -1;
    if (c < 0 || c > UNICODE_MAX)
        return mpy_raise(a->m, MPY_EXC_VALUE, "chr() arg not in range(0x110000)");
    if (c < 0x80) {
        buf[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        buf[0] = (char)(0xC0 | (c >> 6));
        buf[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        buf[0] = (char)(0xE0 | (c >> 12));
        buf[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        buf[0] = (char)(0xF0 | (c >> 18));
        buf[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        buf[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        buf[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    return mpy_new_bytes(a->m, MPY_STR, buf, n, out);
}

static int bi_ord(struct mpy_args *a, struct mpy_val *out)
{
    const struct mpy_val *x = &a->v[0];
    const uint8_t *p;
    size_t need = 1;
    int64_t cp;
    if (mpy_args_check(a, 1, 1) != 0 || mpy_need_buffer(a->m, x) != 0)
        return -1;
    p = (const uint8_t *)x->s;
    if (x->type == MPY_STR && x->len > 0)
        need = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC0 ? 2 : 1;
    if (x->len != need)
        return mpy_raise(a->m, MPY_EXC_TYPE,
                         "ord() expected a character, but string of length %zu found", x->len);
    cp = need == 1 ? p[0] : p[0] & (0x3F >> (need - 1));
    for (size_t i = 1; i < need; i++)
        cp = (cp << 6) | (p[i] & 0x3F);
    mpy_set_int(out, cp);
    return 0;
}

static int bi_radix(struct mpy_args *a, unsigned bits, const char *prefix, struct mpy_val *out)
{
    int64_t v;
    char buf[80];
    size_t n = sizeof buf;
    uint64_t u;
    if (mpy_args_check(a, 1, 1) != 0 || mpy_need_int(a->m, &a->v[0], &v) != 0)
        return -1;
    u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    buf[--n] = '\0';
    do {
        buf[--n] = HEX_DIGITS[u & ((1u << bits) - 1u)];
        u >>= bits;
    } while (u);
    n -= strlen(prefix);
    memcpy(buf + n, prefix, strlen(prefix));
    if (v < 0)
        buf[--n] = '-';
    return mpy_new_cstr(a->m, buf + n, out);
}

static int bi_round(struct mpy_args *a, struct mpy_val *out)
{
    const struct mpy_val *x = &a->v[0];
    int64_t nd = 0;
    if (mpy_args_check(a, 1, 2) != 0)
        return -1;
    if (a->n == 2 && a->v[1].type != MPY_NONE && mpy_need_int(a->m, &a->v[1], &nd) != 0)
        return -1;
    if (x->type == MPY_INT || x->type == MPY_BOOL) {
        mpy_set_int(out, x->i);
        return 0;
    }
    if (x->type != MPY_FLOAT)
        return mpy_raise(a->m, MPY_EXC_TYPE, "can't convert %s to float", mpy_type_name(x));
    if (a->n == 2 && a->v[1].type != MPY_NONE) {
        double scale = pow(10.0, (double)nd);
        mpy_set_float(out, nearbyint(x->f * scale) / scale);
        return 0;
    }
    if (!(fabs(x->f) < 9.2e18))
        return mpy_raise(a->m, MPY_EXC_OVERFLOW, "can't convert inf to int");
    mpy_set_int(out, (int64_t)nearbyint(x->f));
    return 0;
}

static int bi_reduce_bool(struct mpy_args *a, bool want_all, struct mpy_val *out)
{
    struct mpy_val items;
    if (mpy_args_check(a, 1, 1) != 0 || mpy_iterate(a->m, &a->v[0], &items) != 0)
        return -1;
    for (size_t i = 0; i < items.len; i++) {
        if (mpy_truthy(&items.items[i]) != want_all) {
            mpy_set_bool(out, !want_all);
            return 0;
        }
    }
    mpy_set_bool(out, want_all);
    return 0;
}

static int bi_sum(struct mpy_args *a, struct mpy_val *out)
{
    struct mpy_val items;
    if (mpy_args_check(a, 1, 2) != 0 || mpy_iterate(a->m, &a->v[0], &items) != 0)
        return -1;
    if (a->n == 2)
        *out = a->v[1];
    else
        mpy_set_int(out, 0);
    for (size_t i = 0; i < items.len; i++)
        if (mpy_binop(a->m, "+", out, &items.items[i], out) != 0)
            return -1;
    return 0;
}

/* ---- time ---- */

static int time_func(struct mpy_args *a, int id, struct mpy_val *out)
{
    struct sim_mpy *m = a->m;
    int64_t x = 0, y = 0;
    double secs;
    mpy_set_none(out);
    switch (id) {
    case TIME_SLEEP:
        if (mpy_args_check(a, 1, 1) != 0)
            return -1;
        if (a->v[0].type == MPY_FLOAT)
            secs = a->v[0].f;
        else if (mpy_get_int(m, &a->v[0], &x) != 0)
            return -1;
        else
            secs = (double)x;
        if (secs > 0)
            m->wake_ns = m->now + (uint64_t)(secs * NS_PER_S);
        return 0;
    case TIME_SLEEP_MS:
    case TIME_SLEEP_US:
        if (mpy_args_check(a, 1, 1) != 0 || mpy_need_int(m, &a->v[0], &x) != 0)
            return -1;
        if (x > 0)
            m->wake_ns = m->now + (uint64_t)x * (id == TIME_SLEEP_MS ? NS_PER_MS : NS_PER_US);
        return 0;
    case TIME_TICKS_MS: mpy_set_int(out, (int64_t)((m->now / NS_PER_MS) & TICKS_MASK)); return 0;
    case TIME_TICKS_US: mpy_set_int(out, (int64_t)((m->now / NS_PER_US) & TICKS_MASK)); return 0;
    case TIME_TIME: mpy_set_int(out, (int64_t)(m->now / (uint64_t)NS_PER_S)); return 0;
    case TIME_TICKS_DIFF:
    case TIME_TICKS_ADD:
        if (mpy_args_check(a, 2, 2) != 0 || mpy_need_int(m, &a->v[0], &x) != 0 ||
            mpy_need_int(m, &a->v[1], &y) != 0)
            return -1;
        if (id == TIME_TICKS_ADD)
            mpy_set_int(out, (x + y) & TICKS_MASK);
        else
            mpy_set_int(out, ((x - y + TICKS_HALF) & TICKS_MASK) - TICKS_HALF);
        return 0;
    default: return mpy_raise_sim(m, mpy_builtin_name(id));
    }
}

/* ---- gc, machine, sys ---- */

static int system_func(struct mpy_args *a, int id, struct mpy_val *out)
{
    struct sim_mpy *m = a->m;
    mpy_set_none(out);
    switch (id) {
    case GC_COLLECT:
    case GC_ENABLE:
    case GC_DISABLE: return 0;
    case GC_MEM_FREE: mpy_set_int(out, GC_HEAP_BYTES - GC_USED_BYTES); return 0;
    case GC_MEM_ALLOC: mpy_set_int(out, GC_USED_BYTES); return 0;
    case GC_THRESHOLD:
        if (a->n == 0)
            mpy_set_int(out, -1);
        return 0;
    case MACH_FREQ:
        if (a->n == 0)
            mpy_set_int(out, CPU_FREQ_HZ);
        else if (a->v[0].type != MPY_INT ||
                 (a->v[0].i != CPU_FREQ_HZ && a->v[0].i != CPU_FREQ_FAST))
            return mpy_raise(m, MPY_EXC_VALUE, "frequency can only be either 80Mhz or 160MHz");
        return 0;
    case MACH_RESET: return mpy_raise_bare(m, MPY_EXC_RESET);
    case MACH_SOFT_RESET: return mpy_raise_bare(m, MPY_EXC_SYSTEM_EXIT);
    case MP_CONST:
        if (mpy_args_check(a, 1, 1) != 0)
            return -1;
        *out = a->v[0];
        return 0;
    case SYS_EXIT:
        if (mpy_args_check(a, 0, 1) != 0)
            return -1;
        if (a->n == 1 && a->v[0].type != MPY_NONE) {
            struct sim_mpy_buf b = {0};
            mpy_str(m, &a->v[0], &b);
            mpy_raise(m, MPY_EXC_SYSTEM_EXIT, "%.*s", (int)b.len, b.p ? (const char *)b.p : "");
            sim_mpy_buf_free(&b);
            return -1;
        }
        return mpy_raise_bare(m, MPY_EXC_SYSTEM_EXIT);
    default: return mpy_raise_sim(m, mpy_builtin_name(id));
    }
}

/* ---- dispatch ---- */

int mpy_call_method(struct mpy_args *a, int id, const struct mpy_val *self, struct mpy_val *out)
{
    if (a->nkw > 0 && mpy_args_kw_check(a, NULL, 0) != 0)
        return -1;
    switch (self->type) {
    case MPY_FILE: return mpy_file_method(a, id, self, out);
    case MPY_OBJ:
        if (id == IO_WRITE) {
            if (mpy_args_check(a, 1, 1) != 0 || mpy_need_buffer(a->m, &a->v[0]) != 0)
                return -1;
            sim_mpy_buf_cooked(a->m->out, a->v[0].s, a->v[0].len);
            mpy_set_int(out, (int64_t)a->v[0].len);
            return 0;
        }
        return mpy_stdin_read(a, id, out);
    case MPY_STR:
    case MPY_BYTES:
    case MPY_BYTEARRAY: return mpy_str_method(a, id, self, out);
    default: return mpy_seq_method(a, id, self, out);
    }
}

int mpy_call_function(struct mpy_args *a, int id, struct mpy_val *out)
{
    struct sim_mpy *m = a->m;
    struct sim_mpy_buf b = {0};

    if (id != BI_PRINT && id != BI_OPEN && id != BI_SORTED && id != BA_B2A_BASE64 &&
        mpy_args_kw_check(a, NULL, 0) != 0)
        return -1;
    switch (id) {
    case BI_PRINT: return bi_print(a, out);
    case BI_LEN:
        if (mpy_args_check(a, 1, 1) != 0)
            return -1;
        if (!mpy_is_bytes_like(&a->v[0]) && !mpy_is_seq(&a->v[0]) && a->v[0].type != MPY_RANGE)
            return mpy_raise(m, MPY_EXC_TYPE, "object of type '%s' has no len()",
                             mpy_type_name(&a->v[0]));
        mpy_set_int(out, (int64_t)mpy_len_of(&a->v[0]));
        return 0;
    case BI_REPR:
    case BI_STR:
        if (mpy_args_check(a, 0, id == BI_STR ? 3 : 1) != 0)
            return -1;
        if (a->n == 0)
            return mpy_new_bytes(m, MPY_STR, "", 0, out);
        if (id == BI_STR && a->n > 1 && mpy_is_bytes_like(&a->v[0]))
            return mpy_new_bytes(m, MPY_STR, a->v[0].s, a->v[0].len, out);
        if (id == BI_REPR)
            mpy_repr(m, &a->v[0], &b);
        else
            mpy_str(m, &a->v[0], &b);
        return mpy_buf_to_val(m, &b, MPY_STR, out);
    case BI_INT: return bi_int(a, out);
    case BI_FLOAT: return bi_float(a, out);
    case BI_BOOL:
        if (mpy_args_check(a, 0, 1) != 0)
            return -1;
        mpy_set_bool(out, a->n == 1 && mpy_truthy(&a->v[0]));
        return 0;
    case BI_BYTES: return bi_bytes(a, MPY_BYTES, out);
    case BI_BYTEARRAY: return bi_bytes(a, MPY_BYTEARRAY, out);
    case BI_LIST: return bi_seq(a, MPY_LIST, out);
    case BI_TUPLE: return bi_seq(a, MPY_TUPLE, out);
    case BI_RANGE: return bi_range(a, out);
    case BI_OPEN: return mpy_bi_open(a, out);
    case BI_ABS:
        if (mpy_args_check(a, 1, 1) != 0)
            return -1;
        if (a->v[0].type == MPY_FLOAT
                    ? a->v[0].f < 0
                    : (a->v[0].type == MPY_INT || a->v[0].type == MPY_BOOL) && a->v[0].i < 0)
            return mpy_unary(m, '-', &a->v[0], out);
        return mpy_unary(m, '+', &a->v[0], out);
    case BI_MIN:
    case BI_MAX: return bi_minmax(a, id == BI_MAX, out);
    case BI_SUM: return bi_sum(a, out);
    case BI_CHR: return bi_chr(a, out);
    case BI_ORD: return bi_ord(a, out);
    case BI_HEX: return bi_radix(a, 4, "0x", out);
    case BI_OCT: return bi_radix(a, 3, "0o", out);
    case BI_BIN: return bi_radix(a, 1, "0b", out);
    case BI_SORTED: return bi_sorted(a, out);
    case BI_DIVMOD:
        if (mpy_args_check(a, 2, 2) != 0 || mpy_new_seq(m, MPY_TUPLE, 2, out) != 0)
            return -1;
        if (mpy_binop(m, "//", &a->v[0], &a->v[1], &out->items[0]) != 0)
            return -1;
        return mpy_binop(m, "%", &a->v[0], &a->v[1], &out->items[1]);
    case BI_POW:
        if (mpy_args_check(a, 2, 2) != 0)
            return -1;
        return mpy_binop(m, "**", &a->v[0], &a->v[1], out);
    case BI_ANY:
    case BI_ALL: return bi_reduce_bool(a, id == BI_ALL, out);
    case BI_ROUND: return bi_round(a, out);
    case OS_LISTDIR:
    case OS_ILISTDIR: return mpy_os_list(a, id == OS_ILISTDIR, out);
    case OS_STAT: return mpy_os_stat(a, out);
    case OS_REMOVE:
    case OS_RENAME:
    case OS_MKDIR:
    case OS_RMDIR:
    case OS_CHDIR: return mpy_os_path_op(a, id, out);
    case TIME_SLEEP:
    case TIME_SLEEP_MS:
    case TIME_SLEEP_US:
    case TIME_TICKS_MS:
    case TIME_TICKS_US:
    case TIME_TICKS_DIFF:
    case TIME_TICKS_ADD:
    case TIME_TIME: return time_func(a, id, out);
    case BA_HEXLIFY:
    case BA_UNHEXLIFY:
    case BA_A2B_BASE64:
    case BA_B2A_BASE64: return mpy_binascii_func(a, id, out);
    case OS_GETCWD:
    case OS_STATVFS:
    case OS_UNAME:
    case OS_SYNC:
    case OS_URANDOM: return mpy_os_misc(a, id, out);
    default: return system_func(a, id, out);
    }
}
