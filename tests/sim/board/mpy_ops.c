/* SPDX-License-Identifier: MIT */
/* Operators of the tiny Python with Python semantics (floor division, modulo sign, overflow
 * checks, single-precision floats), comparisons, membership, subscripts, slices, iteration. */
#include "mpy_impl.h"

#include <math.h>
#include <string.h>

#define ITER_MAX_ITEMS 65536u /* list(range(...)) beyond this: MemoryError */

/* ---- operators ---- */

struct mpy_op_name {
    const char *op;
    const char *name;
};

static const struct mpy_op_name OP_NAMES[] = {
        {"+", "add"}, {"-", "sub"},  {"*", "mul"},     {"/", "truediv"}, {"//", "floordiv"},
        {"%", "mod"}, {"**", "pow"}, {"<<", "lshift"}, {">>", "rshift"}, {"&", "and"},
        {"|", "or"},  {"^", "xor"},  {"@", "matmul"},  {"<", "lt"},      {">", "gt"},
        {"<=", "le"}, {">=", "ge"},
};

static int op_unsupported(struct sim_mpy *m, const char *op, const struct mpy_val *a,
                          const struct mpy_val *b)
{
    const char *name = op;
    for (size_t i = 0; i < sizeof OP_NAMES / sizeof OP_NAMES[0]; i++)
        if (strcmp(OP_NAMES[i].op, op) == 0)
            name = OP_NAMES[i].name;
    return mpy_raise(m, MPY_EXC_TYPE, "unsupported types for __%s__: '%s', '%s'", name,
                     mpy_type_name(a), mpy_type_name(b));
}

static int overflow(struct sim_mpy *m)
{
    return mpy_raise(m, MPY_EXC_OVERFLOW, "result beyond 64 bits (the simulator has no bignums)");
}

static int int_mul(struct sim_mpy *m, int64_t a, int64_t b, int64_t *r)
{
    if (a != 0 && b != 0) {
        if ((a == -1 && b == INT64_MIN) || (b == -1 && a == INT64_MIN))
            return overflow(m);
        if (a > 0 ? (b > 0 ? a > INT64_MAX / b : b < INT64_MIN / a)
                  : (b > 0 ? a < INT64_MIN / b : a < INT64_MAX / b))
            return overflow(m);
    }
    *r = a * b;
    return 0;
}

static int int_pow(struct sim_mpy *m, int64_t base, int64_t exp, int64_t *r)
{
    int64_t acc = 1;
    while (exp > 0) {
        if (exp & 1)
            if (int_mul(m, acc, base, &acc) != 0)
                return -1;
        exp >>= 1;
        if (exp > 0 && int_mul(m, base, base, &base) != 0)
            return -1;
    }
    *r = acc;
    return 0;
}

static int int_binop(struct sim_mpy *m, const char *op, int64_t a, int64_t b, struct mpy_val *out)
{
    int64_t r = 0;
    if (strcmp(op, "+") == 0) {
        if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
            return overflow(m);
        r = a + b;
    } else if (strcmp(op, "-") == 0) {
        if ((b < 0 && a > INT64_MAX + b) || (b > 0 && a < INT64_MIN + b))
            return overflow(m);
        r = a - b;
    } else if (strcmp(op, "*") == 0) {
        if (int_mul(m, a, b, &r) != 0)
            return -1;
    } else if (strcmp(op, "//") == 0 || strcmp(op, "%") == 0) {
        int64_t q, rem;
        if (b == 0)
            return mpy_raise(m, MPY_EXC_ZERO_DIVISION, "divide by zero");
        if (a == INT64_MIN && b == -1)
            return overflow(m);
        q = a / b;
        rem = a % b;
        if (rem != 0 && ((rem < 0) != (b < 0))) {
            q--;
            rem += b;
        }
        r = op[0] == '%' ? rem : q;
    } else if (strcmp(op, "**") == 0) {
        if (b < 0) {
            if (a == 0)
                return mpy_raise(m, MPY_EXC_ZERO_DIVISION, "0.0 to a negative power");
            mpy_set_float(out, pow((double)a, (double)b));
            return 0;
        }
        if (int_pow(m, a, b, &r) != 0)
            return -1;
    } else if (strcmp(op, "<<") == 0 || strcmp(op, ">>") == 0) {
        if (b < 0)
            return mpy_raise(m, MPY_EXC_VALUE, "negative shift count");
        if (op[0] == '>') {
            r = b >= 63 ? (a < 0 ? -1 : 0)
                        : a / ((int64_t)1 << b) - (a < 0 && a % ((int64_t)1 << b) != 0);
        } else {
            if (b >= 63 ? a != 0 : (a > (INT64_MAX >> b) || a < (INT64_MIN >> b)))
                return overflow(m);
            r = b >= 63 ? 0 : (int64_t)((uint64_t)a << b);
        }
    } else if (strcmp(op, "&") == 0) {
        r = a & b;
    } else if (strcmp(op, "|") == 0) {
        r = a | b;
    } else if (strcmp(op, "^") == 0) {
        r = a ^ b;
    } else {
        return -2;
    }
    mpy_set_int(out, r);
    return 0;
}

static int float_binop(struct sim_mpy *m, const char *op, double a, double b, struct mpy_val *out)
{
    double r;
    if (strcmp(op, "+") == 0)
        r = a + b;
    else if (strcmp(op, "-") == 0)
        r = a - b;
    else if (strcmp(op, "*") == 0)
        r = a * b;
    else if (strcmp(op, "/") == 0 || strcmp(op, "//") == 0 || strcmp(op, "%") == 0) {
        if (b == 0.0)
            return mpy_raise(m, MPY_EXC_ZERO_DIVISION, "divide by zero");
        if (op[0] == '%') {
            r = fmod(a, b);
            if (r != 0.0 && ((r < 0) != (b < 0)))
                r += b;
        } else {
            r = op[1] == '/' ? floor(a / b) : a / b;
        }
    } else if (strcmp(op, "**") == 0) {
        if (a == 0.0 && b < 0)
            return mpy_raise(m, MPY_EXC_ZERO_DIVISION, "0.0 to a negative power");
        r = pow(a, b);
    } else {
        return -2;
    }
    mpy_set_float(out, r);
    return 0;
}

static int repeat(struct sim_mpy *m, const struct mpy_val *seq, int64_t times, struct mpy_val *out)
{
    size_t n = times > 0 ? (size_t)times : 0;
    if (n > 0 && seq->len > MPY_ARENA_LIMIT / n)
        return mpy_raise(m, MPY_EXC_MEMORY, "memory allocation failed");
    if (mpy_is_bytes_like(seq)) {
        char *p = mpy_alloc(m, seq->len * n + 1);
        if (!p)
            return -1;
        for (size_t k = 0; k < n; k++)
            memcpy(p + k * seq->len, seq->s, seq->len);
        *out = *seq;
        out->s = p;
        out->len = seq->len * n;
        p[out->len] = '\0';
        return 0;
    }
    if (mpy_new_seq(m, seq->type, seq->len * n, out) != 0)
        return -1;
    for (size_t k = 0; k < n; k++)
        memcpy(out->items + k * seq->len, seq->items, seq->len * sizeof *seq->items);
    return 0;
}

static int concat(struct sim_mpy *m, const struct mpy_val *a, const struct mpy_val *b,
                  struct mpy_val *out)
{
    if (mpy_is_bytes_like(a)) {
        char *p = mpy_alloc(m, a->len + b->len + 1);
        if (!p)
            return -1;
        memcpy(p, a->s, a->len);
        memcpy(p + a->len, b->s, b->len);
        *out = *a;
        out->s = p;
        out->len = a->len + b->len;
        p[out->len] = '\0';
        return 0;
    }
    if (mpy_new_seq(m, a->type, a->len + b->len, out) != 0)
        return -1;
    memcpy(out->items, a->items, a->len * sizeof *a->items);
    memcpy(out->items + a->len, b->items, b->len * sizeof *b->items);
    return 0;
}

static bool same_family(const struct mpy_val *a, const struct mpy_val *b)
{
    if (a->type == MPY_STR || b->type == MPY_STR)
        return a->type == b->type;
    if (mpy_is_bytes_like(a) && mpy_is_bytes_like(b))
        return true;
    return a->type == b->type && mpy_is_seq(a);
}

int mpy_binop(struct sim_mpy *m, const char *op, const struct mpy_val *a_in,
              const struct mpy_val *b_in, struct mpy_val *out)
{
    struct mpy_val av = *a_in, bv = *b_in; /* out may alias an operand */
    const struct mpy_val *a = &av, *b = &bv;
    int rc;
    if (mpy_is_num(a) && mpy_is_num(b)) {
        if (a->type == MPY_FLOAT || b->type == MPY_FLOAT || strcmp(op, "/") == 0)
            rc = float_binop(m, op, mpy_num_f(a), mpy_num_f(b), out);
        else
            rc = int_binop(m, op, a->i, b->i, out);
        return rc == -2 ? op_unsupported(m, op, a, b) : rc;
    }
    if (strcmp(op, "+") == 0 && (mpy_is_bytes_like(a) || mpy_is_seq(a))) {
        if (same_family(a, b))
            return concat(m, a, b, out);
        if (a->type == MPY_STR)
            return mpy_raise(m, MPY_EXC_TYPE, "can't convert '%s' object to str implicitly",
                             mpy_type_name(b));
    }
    if (strcmp(op, "*") == 0) {
        if ((mpy_is_bytes_like(a) || mpy_is_seq(a)) && (b->type == MPY_INT || b->type == MPY_BOOL))
            return repeat(m, a, b->i, out);
        if ((mpy_is_bytes_like(b) || mpy_is_seq(b)) && (a->type == MPY_INT || a->type == MPY_BOOL))
            return repeat(m, b, a->i, out);
    }
    return op_unsupported(m, op, a, b);
}

bool mpy_equal(const struct mpy_val *a, const struct mpy_val *b)
{
    if (mpy_is_num(a) && mpy_is_num(b))
        return mpy_num_f(a) == mpy_num_f(b) &&
               (a->type == MPY_FLOAT || b->type == MPY_FLOAT || a->i == b->i);
    if (mpy_is_bytes_like(a) && mpy_is_bytes_like(b)) {
        if ((a->type == MPY_STR) != (b->type == MPY_STR))
            return false;
        return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
    }
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case MPY_NONE: return true;
    case MPY_LIST:
    case MPY_TUPLE:
        if (a->len != b->len)
            return false;
        for (size_t i = 0; i < a->len; i++)
            if (!mpy_equal(&a->items[i], &b->items[i]))
                return false;
        return true;
    case MPY_RANGE: return a->i == b->i && a->stop == b->stop && a->step == b->step;
    default: return a->id == b->id && a->i == b->i;
    }
}

/* <0, 0, >0 for ordered types; -2 in *ok when unordered. */
static int order(const struct mpy_val *a, const struct mpy_val *b, bool *ok)
{
    *ok = true;
    if (mpy_is_num(a) && mpy_is_num(b)) {
        if (a->type != MPY_FLOAT && b->type != MPY_FLOAT)
            return (a->i > b->i) - (a->i < b->i);
        return (mpy_num_f(a) > mpy_num_f(b)) - (mpy_num_f(a) < mpy_num_f(b));
    }
    if (mpy_is_bytes_like(a) && same_family(a, b)) {
        size_t n = a->len < b->len ? a->len : b->len;
        int c = memcmp(a->s, b->s, n);
        if (c != 0)
            return c;
        return (a->len > b->len) - (a->len < b->len);
    }
    if (mpy_is_seq(a) && a->type == b->type) {
        for (size_t i = 0; i < a->len && i < b->len; i++) {
            if (!mpy_equal(&a->items[i], &b->items[i]))
                return order(&a->items[i], &b->items[i], ok);
        }
        return (a->len > b->len) - (a->len < b->len);
    }
    *ok = false;
    return 0;
}

static int contains(struct sim_mpy *m, const struct mpy_val *item, const struct mpy_val *c,
                    bool *res)
{
    if (mpy_is_bytes_like(c)) {
        if (c->type != MPY_STR && (item->type == MPY_INT || item->type == MPY_BOOL)) {
            *res = memchr(c->s, (int)(item->i & 0xFF), c->len) != NULL;
            return 0;
        }
        if (!mpy_is_bytes_like(item) || !same_family(item, c))
            return op_unsupported(m, "in", item, c);
        *res = false;
        for (size_t i = 0; i + item->len <= c->len; i++)
            if (memcmp(c->s + i, item->s, item->len) == 0) {
                *res = true;
                break;
            }
        return 0;
    }
    if (mpy_is_seq(c)) {
        *res = false;
        for (size_t i = 0; i < c->len; i++)
            if (mpy_equal(item, &c->items[i]))
                *res = true;
        return 0;
    }
    if (c->type == MPY_RANGE && (item->type == MPY_INT || item->type == MPY_BOOL)) {
        int64_t off = item->i - c->i;
        *res = mpy_range_len(c) > 0 && off % c->step == 0 && off / c->step >= 0 &&
               off / c->step < mpy_range_len(c);
        return 0;
    }
    return mpy_raise(m, MPY_EXC_TYPE, "'%s' object isn't iterable", mpy_type_name(c));
}

int mpy_compare(struct sim_mpy *m, const char *op, const struct mpy_val *a, const struct mpy_val *b,
                bool *res)
{
    bool ok;
    int c;
    if (strcmp(op, "==") == 0 || strcmp(op, "!=") == 0) {
        *res = mpy_equal(a, b) == (op[0] == '=');
        return 0;
    }
    if (strcmp(op, "is") == 0 || strcmp(op, "is not") == 0) {
        bool same = a->type == b->type && mpy_equal(a, b) &&
                    (a->type == MPY_NONE || a->type == MPY_BOOL || a->type == MPY_INT ||
                     a->type == MPY_MODULE || a->type == MPY_EXCTYPE || a->type == MPY_FILE);
        *res = same == (op[2] == '\0');
        return 0;
    }
    if (strcmp(op, "in") == 0 || strcmp(op, "not in") == 0) {
        if (contains(m, a, b, res) != 0)
            return -1;
        if (op[0] == 'n')
            *res = !*res;
        return 0;
    }
    c = order(a, b, &ok);
    if (!ok)
        return op_unsupported(m, op, a, b);
    if (strcmp(op, "<") == 0)
        *res = c < 0;
    else if (strcmp(op, "<=") == 0)
        *res = c <= 0;
    else if (strcmp(op, ">") == 0)
        *res = c > 0;
    else
        *res = c >= 0;
    return 0;
}

int mpy_unary(struct sim_mpy *m, char op, const struct mpy_val *a_in, struct mpy_val *out)
{
    struct mpy_val av = *a_in;
    const struct mpy_val *a = &av;
    if (a->type == MPY_FLOAT && op != '~') {
        mpy_set_float(out, op == '-' ? -a->f : a->f);
        return 0;
    }
    if (a->type == MPY_INT || a->type == MPY_BOOL) {
        if (op == '-' && a->i == INT64_MIN)
            return overflow(m);
        mpy_set_int(out, op == '-' ? -a->i : op == '~' ? ~a->i : a->i);
        return 0;
    }
    return mpy_raise(m, MPY_EXC_TYPE, "unsupported type for __%s__: '%s'",
                     op == '-'   ? "neg"
                     : op == '+' ? "pos"
                                 : "invert",
                     mpy_type_name(a));
}

/* ---- subscripts ---- */

static const char *index_what(const struct mpy_val *obj)
{
    switch (obj->type) {
    case MPY_LIST: return "list";
    case MPY_TUPLE: return "tuple";
    case MPY_STR: return "string";
    default: return "bytes";
    }
}

static int item_at(struct sim_mpy *m, const struct mpy_val *obj, int64_t i, struct mpy_val *out)
{
    if (obj->type == MPY_STR)
        return mpy_new_bytes(m, MPY_STR, obj->s + i, 1, out);
    if (obj->type == MPY_BYTES || obj->type == MPY_BYTEARRAY) {
        mpy_set_int(out, (uint8_t)obj->s[i]);
        return 0;
    }
    if (obj->type == MPY_RANGE) {
        mpy_set_int(out, obj->i + i * obj->step);
        return 0;
    }
    *out = obj->items[i];
    return 0;
}

int mpy_subscript(struct sim_mpy *m, const struct mpy_val *obj_in, const struct mpy_val *idx,
                  struct mpy_val *out)
{
    struct mpy_val ov = *obj_in; /* out may alias obj */
    const struct mpy_val *obj = &ov;
    int64_t n, i;
    if (!mpy_is_bytes_like(obj) && !mpy_is_seq(obj) && obj->type != MPY_RANGE)
        return mpy_raise(m, MPY_EXC_TYPE, "'%s' object isn't subscriptable", mpy_type_name(obj));
    if (idx->type != MPY_INT && idx->type != MPY_BOOL)
        return mpy_raise(m, MPY_EXC_TYPE, "%s indices must be integers, not %s",
                         obj->type == MPY_STR ? "str" : mpy_type_name(obj), mpy_type_name(idx));
    n = (int64_t)mpy_len_of(obj);
    i = idx->i < 0 ? idx->i + n : idx->i;
    if (i < 0 || i >= n)
        return mpy_raise(m, MPY_EXC_INDEX, "%s index out of range", index_what(obj));
    return item_at(m, obj, i, out);
}

static int slice_bound(struct sim_mpy *m, const struct mpy_val *v, int64_t n, int64_t step,
                       bool is_lo, int64_t *out)
{
    int64_t x = 0;
    if (v->type == MPY_NONE) {
        *out = is_lo ? (step > 0 ? 0 : n - 1) : (step > 0 ? n : -1);
        return 0;
    }
    if (mpy_get_int(m, v, &x) != 0)
        return -1;
    if (x < 0)
        x += n;
    if (step > 0)
        x = x < 0 ? 0 : x > n ? n : x;
    else
        x = x < -1 ? -1 : x > n - 1 ? n - 1 : x;
    *out = x;
    return 0;
}

int mpy_slice(struct sim_mpy *m, const struct mpy_val *obj_in, const struct mpy_val *lo,
              const struct mpy_val *hi, const struct mpy_val *step, struct mpy_val *out)
{
    struct mpy_val ov = *obj_in; /* out may alias obj */
    const struct mpy_val *obj = &ov;
    int64_t n = (int64_t)mpy_len_of(obj), s = 1, a, b, count;
    if (!mpy_is_bytes_like(obj) && !mpy_is_seq(obj))
        return mpy_raise(m, MPY_EXC_TYPE, "'%s' object isn't subscriptable", mpy_type_name(obj));
    if (step->type != MPY_NONE && mpy_get_int(m, step, &s) != 0)
        return -1;
    if (s == 0)
        return mpy_raise(m, MPY_EXC_VALUE, "slice step can't be zero");
    if (slice_bound(m, lo, n, s, true, &a) != 0 || slice_bound(m, hi, n, s, false, &b) != 0)
        return -1;
    count = s > 0 ? (b > a ? (b - a + s - 1) / s : 0) : (a > b ? (a - b - s - 1) / -s : 0);
    if (mpy_is_bytes_like(obj)) {
        char *p = mpy_alloc(m, (size_t)count + 1);
        if (!p)
            return -1;
        for (int64_t k = 0; k < count; k++)
            p[k] = obj->s[a + k * s];
        p[count] = '\0';
        *out = *obj;
        out->s = p;
        out->len = (size_t)count;
        return 0;
    }
    if (mpy_new_seq(m, obj->type, (size_t)count, out) != 0)
        return -1;
    for (int64_t k = 0; k < count; k++)
        out->items[k] = obj->items[a + k * s];
    return 0;
}

int mpy_iterate(struct sim_mpy *m, const struct mpy_val *v, struct mpy_val *out)
{
    size_t n;
    if (mpy_is_seq(v)) {
        *out = *v;
        return 0;
    }
    if (!mpy_is_bytes_like(v) && v->type != MPY_RANGE)
        return mpy_raise(m, MPY_EXC_TYPE, "'%s' object isn't iterable", mpy_type_name(v));
    n = mpy_len_of(v);
    if (n > ITER_MAX_ITEMS)
        return mpy_raise(m, MPY_EXC_MEMORY, "memory allocation failed, allocating %zu bytes",
                         n * sizeof(void *));
    if (mpy_new_seq(m, MPY_LIST, n, out) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (item_at(m, v, (int64_t)i, &out->items[i]) != 0)
            return -1;
    return 0;
}
