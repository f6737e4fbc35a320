/* SPDX-License-Identifier: MIT */
/* str/bytes methods (strip, split, join, replace, format, find, ...), list/tuple lookups and
 * the binascii module (hexlify, unhexlify, base64) of the tiny Python. */
#include "mpy_builtin_ids.h"

#include <string.h>

#define WHITESPACE " \t\n\r\v\f"

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char HEX_DIGITS[] = "0123456789abcdef";

/* ---- binascii ---- */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int mpy_binascii_func(struct mpy_args *a, int id, struct mpy_val *out)
{
    static const char *const KW[] = {"newline"};
    struct sim_mpy *m = a->m;
    const struct mpy_val *x = &a->v[0];
    struct sim_mpy_buf b = {0};

    if (mpy_args_check(a, 1, id == BA_HEXLIFY ? 2 : 1) != 0 ||
        mpy_args_kw_check(a, KW, id == BA_B2A_BASE64 ? 1 : 0) != 0 || mpy_need_buffer(m, x) != 0)
        return -1;
    if (id == BA_HEXLIFY) {
        const struct mpy_val *sep = a->n == 2 ? &a->v[1] : NULL;
        if (sep && mpy_need_buffer(m, sep) != 0)
            return -1;
        for (size_t i = 0; i < x->len; i++) {
            uint8_t c = (uint8_t)x->s[i];
            char h[2] = {HEX_DIGITS[c >> 4], HEX_DIGITS[c & 15]};
            if (i > 0 && sep)
                sim_mpy_buf_put(&b, sep->s, sep->len);
            sim_mpy_buf_put(&b, h, 2);
        }
    } else if (id == BA_UNHEXLIFY) {
        if (x->len % 2) {
            sim_mpy_buf_free(&b);
            return mpy_raise(m, MPY_EXC_VALUE, "odd-length string");
        }
        for (size_t i = 0; i < x->len; i += 2) {
            int hi = hex_value(x->s[i]), lo = hex_value(x->s[i + 1]);
            uint8_t c = (uint8_t)(hi * 16 + lo);
            if (hi < 0 || lo < 0) {
                sim_mpy_buf_free(&b);
                return mpy_raise(m, MPY_EXC_VALUE, "non-hex digit found");
            }
            sim_mpy_buf_put(&b, &c, 1);
        }
    } else if (id == BA_B2A_BASE64) {
        const struct mpy_val *nl = mpy_args_kw(a, "newline");
        const uint8_t *p = (const uint8_t *)x->s;
        for (size_t i = 0; i < x->len; i += 3) {
            uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < x->len ? (uint32_t)p[i + 1] << 8 : 0) |
                         (i + 2 < x->len ? p[i + 2] : 0);
            char q[4] = {B64[v >> 18], B64[(v >> 12) & 63],
                         i + 1 < x->len ? B64[(v >> 6) & 63] : '=',
                         i + 2 < x->len ? B64[v & 63] : '='};
            sim_mpy_buf_put(&b, q, 4);
        }
        if (!nl || mpy_truthy(nl))
            sim_mpy_buf_put(&b, "\n", 1);
    } else {
        uint32_t acc = 0;
        unsigned bits = 0, count = 0, pad = 0;
        for (size_t i = 0; i < x->len; i++) {
            const char *pos = x->s[i] ? strchr(B64, x->s[i]) : NULL;
            if (x->s[i] == '=') {
                pad++;
                count++;
                continue;
            }
            if (!pos || pad)
                continue; /* MicroPython skips characters outside the alphabet */
            acc = acc << 6 | (uint32_t)(pos - B64);
            bits += 6;
            count++;
            if (bits >= 8) {
                uint8_t c = (uint8_t)(acc >> (bits - 8));
                bits -= 8;
                sim_mpy_buf_put(&b, &c, 1);
            }
        }
        if (count % 4) {
            sim_mpy_buf_free(&b);
            return mpy_raise(m, MPY_EXC_VALUE, "incorrect padding");
        }
    }
    return mpy_buf_to_val(m, &b, MPY_BYTES, out);
}

/* ---- str / bytes methods ---- */

static bool same_kind(const struct mpy_val *a, const struct mpy_val *b)
{
    return mpy_is_bytes_like(b) && (a->type == MPY_STR) == (b->type == MPY_STR);
}

static int need_kind(struct sim_mpy *m, const struct mpy_val *self, const struct mpy_val *v)
{
    if (same_kind(self, v))
        return 0;
    return mpy_raise(m, MPY_EXC_TYPE, "can't convert '%s' object to %s implicitly",
                     mpy_type_name(v), self->type == MPY_STR ? "str" : "bytes");
}

static int new_like(struct sim_mpy *m, const struct mpy_val *self, const void *p, size_t n,
                    struct mpy_val *out)
{
    return mpy_new_bytes(m, self->type, p, n, out);
}

static int str_strip(struct mpy_args *a, int id, const struct mpy_val *s, struct mpy_val *out)
{
    const char *set = WHITESPACE;
    size_t set_len = strlen(WHITESPACE), i = 0, e = s->len;
    if (mpy_args_check(a, 0, 1) != 0)
        return -1;
    if (a->n == 1 && a->v[0].type != MPY_NONE) {
        if (need_kind(a->m, s, &a->v[0]) != 0)
            return -1;
        set = a->v[0].s;
        set_len = a->v[0].len;
    }
    if (id != S_RSTRIP)
        while (i < e && memchr(set, s->s[i], set_len))
            i++;
    if (id != S_LSTRIP)
        while (e > i && memchr(set, s->s[e - 1], set_len))
            e--;
    return new_like(a->m, s, s->s + i, e - i, out);
}

static const char *find_sub(const char *h, size_t hn, const char *n, size_t nn)
{
    if (nn == 0)
        return h;
    for (size_t i = 0; i + nn <= hn; i++)
        if (memcmp(h + i, n, nn) == 0)
            return h + i;
    return NULL;
}

static int str_split(struct mpy_args *a, const struct mpy_val *s, struct mpy_val *out)
{
    struct mpy_val parts;
    const struct mpy_val *sep = a->n > 0 && a->v[0].type != MPY_NONE ? &a->v[0] : NULL;
    int64_t maxsplit = -1;
    size_t count = 0, i = 0;

    if (mpy_args_check(a, 0, 2) != 0 || (sep && need_kind(a->m, s, sep) != 0) ||
        (a->n == 2 && mpy_need_int(a->m, &a->v[1], &maxsplit) != 0))
        return -1;
    if (sep && sep->len == 0)
        return mpy_raise(a->m, MPY_EXC_VALUE, "empty separator");
    if (mpy_new_seq(a->m, MPY_LIST, s->len + 1, &parts) != 0)
        return -1;
    while (i <= s->len) {
        size_t start, end;
        if (!sep) {
            while (i < s->len && strchr(WHITESPACE, s->s[i]) && s->s[i])
                i++;
            if (i == s->len)
                break;
        }
        start = i;
        if (maxsplit >= 0 && (int64_t)count >= maxsplit) {
            end = s->len;
            if (!sep)
                while (end > start && strchr(WHITESPACE, s->s[end - 1]) && s->s[end - 1])
                    end--;
            i = s->len + 1;
        } else if (sep) {
            const char *hit = find_sub(s->s + i, s->len - i, sep->s, sep->len);
            end = hit ? (size_t)(hit - s->s) : s->len;
            i = hit ? end + sep->len : s->len + 1;
        } else {
            while (i < s->len && !(strchr(WHITESPACE, s->s[i]) && s->s[i]))
                i++;
            end = i;
        }
        if (new_like(a->m, s, s->s + start, end - start, &parts.items[count]) != 0)
            return -1;
        count++;
    }
    parts.len = count;
    *out = parts;
    return 0;
}

static int str_join(struct mpy_args *a, const struct mpy_val *s, struct mpy_val *out)
{
    struct mpy_val items;
    struct sim_mpy_buf b = {0};
    if (mpy_args_check(a, 1, 1) != 0 || mpy_iterate(a->m, &a->v[0], &items) != 0)
        return -1;
    for (size_t i = 0; i < items.len; i++) {
        if (need_kind(a->m, s, &items.items[i]) != 0) {
            sim_mpy_buf_free(&b);
            return -1;
        }
        if (i > 0)
            sim_mpy_buf_put(&b, s->s, s->len);
        sim_mpy_buf_put(&b, items.items[i].s, items.items[i].len);
    }
    return mpy_buf_to_val(a->m, &b, s->type, out);
}

static int str_replace(struct mpy_args *a, const struct mpy_val *s, struct mpy_val *out)
{
    const struct mpy_val *old = &a->v[0], *rep = &a->v[1];
    struct sim_mpy_buf b = {0};
    int64_t limit = -1, done = 0;
    size_t i = 0;
    if (mpy_args_check(a, 2, 3) != 0 || need_kind(a->m, s, old) != 0 ||
        need_kind(a->m, s, rep) != 0 || (a->n == 3 && mpy_need_int(a->m, &a->v[2], &limit) != 0))
        return -1;
    while (i <= s->len) {
        const char *hit = (limit < 0 || done < limit)
                                  ? find_sub(s->s + i, s->len - i, old->s, old->len)
                                  : NULL;
        if (!hit) {
            sim_mpy_buf_put(&b, s->s + i, s->len - i);
            break;
        }
        sim_mpy_buf_put(&b, s->s + i, (size_t)(hit - (s->s + i)));
        sim_mpy_buf_put(&b, rep->s, rep->len);
        done++;
        if (old->len == 0) {
            if (i < s->len)
                sim_mpy_buf_put(&b, s->s + i, 1);
            i++;
        } else {
            i = (size_t)(hit - s->s) + old->len;
        }
    }
    return mpy_buf_to_val(a->m, &b, s->type, out);
}

/* str.format with {} / {n} / {!r} / {:width}. */
static int str_format(struct mpy_args *a, const struct mpy_val *s, struct mpy_val *out)
{
    struct sim_mpy_buf b = {0};
    size_t next = 0;
    for (size_t i = 0; i < s->len; i++) {
        char c = s->s[i];
        if ((c == '{' || c == '}') && i + 1 < s->len && s->s[i + 1] == c) {
            sim_mpy_buf_put(&b, &c, 1);
            i++;
            continue;
        }
        if (c != '{') {
            sim_mpy_buf_put(&b, &c, 1);
            continue;
        }
        size_t j = i + 1, index = next, width = 0;
        bool repr = false, explicit_index = false, left = false, right = false;
        struct sim_mpy_buf item = {0};
        while (j < s->len && s->s[j] >= '0' && s->s[j] <= '9') {
            index = (explicit_index ? index * 10 : 0) + (size_t)(s->s[j++] - '0');
            explicit_index = true;
        }
        if (j + 1 < s->len && s->s[j] == '!' && s->s[j + 1] == 'r') {
            repr = true;
            j += 2;
        }
        if (j < s->len && s->s[j] == ':') {
            j++;
            if (j < s->len && (s->s[j] == '<' || s->s[j] == '>')) {
                left = s->s[j] == '<';
                right = !left;
                j++;
            }
            while (j < s->len && s->s[j] >= '0' && s->s[j] <= '9')
                width = width * 10 + (size_t)(s->s[j++] - '0');
        }
        if (j >= s->len || s->s[j] != '}') {
            sim_mpy_buf_free(&b);
            return mpy_raise_sim(a->m, "this format specification");
        }
        if (!explicit_index)
            next++;
        if (index >= a->n) {
            sim_mpy_buf_free(&b);
            return mpy_raise(a->m, MPY_EXC_INDEX, "tuple index out of range");
        }
        if (repr)
            mpy_repr(a->m, &a->v[index], &item);
        else
            mpy_str(a->m, &a->v[index], &item);
        if (!left && !right)
            right = a->v[index].type == MPY_INT || a->v[index].type == MPY_FLOAT;
        for (size_t k = item.len; right && k < width; k++)
            sim_mpy_buf_put(&b, " ", 1);
        sim_mpy_buf_put(&b, item.p, item.len);
        for (size_t k = item.len; !right && k < width; k++)
            sim_mpy_buf_put(&b, " ", 1);
        sim_mpy_buf_free(&item);
        i = j;
    }
    return mpy_buf_to_val(a->m, &b, MPY_STR, out);
}

int mpy_str_method(struct mpy_args *a, int id, const struct mpy_val *s, struct mpy_val *out)
{
    struct sim_mpy *m = a->m;
    const char *hit;
    size_t count = 0;

    switch (id) {
    case S_ENCODE:
    case S_DECODE:
        if (mpy_args_check(a, 0, 2) != 0)
            return -1;
        return mpy_new_bytes(m, id == S_ENCODE ? MPY_BYTES : MPY_STR, s->s, s->len, out);
    case S_STRIP:
    case S_LSTRIP:
    case S_RSTRIP: return str_strip(a, id, s, out);
    case S_SPLIT: return str_split(a, s, out);
    case S_JOIN: return str_join(a, s, out);
    case S_REPLACE: return str_replace(a, s, out);
    case S_FORMAT: return str_format(a, s, out);
    case S_UPPER:
    case S_LOWER:
        if (mpy_args_check(a, 0, 0) != 0 || new_like(m, s, s->s, s->len, out) != 0)
            return -1;
        for (size_t i = 0; i < out->len; i++) {
            char c = out->s[i];
            if (id == S_UPPER && c >= 'a' && c <= 'z')
                out->s[i] = (char)(c - 'a' + 'A');
            if (id == S_LOWER && c >= 'A' && c <= 'Z')
                out->s[i] = (char)(c - 'A' + 'a');
        }
        return 0;
    default: break;
    }
    if (mpy_args_check(a, 1, 1) != 0 || need_kind(m, s, &a->v[0]) != 0)
        return -1;
    switch (id) {
    case S_STARTSWITH:
        mpy_set_bool(out, a->v[0].len <= s->len && memcmp(s->s, a->v[0].s, a->v[0].len) == 0);
        return 0;
    case S_ENDSWITH:
        mpy_set_bool(out, a->v[0].len <= s->len &&
                                  memcmp(s->s + s->len - a->v[0].len, a->v[0].s, a->v[0].len) == 0);
        return 0;
    case S_FIND:
        hit = find_sub(s->s, s->len, a->v[0].s, a->v[0].len);
        mpy_set_int(out, hit ? (int64_t)(hit - s->s) : -1);
        return 0;
    case S_COUNT:
        for (size_t i = 0; a->v[0].len && i + a->v[0].len <= s->len;) {
            if (memcmp(s->s + i, a->v[0].s, a->v[0].len) == 0) {
                count++;
                i += a->v[0].len;
            } else {
                i++;
            }
        }
        mpy_set_int(out, (int64_t)(a->v[0].len ? count : s->len + 1));
        return 0;
    default: return mpy_raise_sim(m, mpy_builtin_name(id));
    }
}

int mpy_seq_method(struct mpy_args *a, int id, const struct mpy_val *s, struct mpy_val *out)
{
    size_t count = 0;
    if (id != L_COUNT && id != L_INDEX)
        return mpy_raise_sim(a->m, "list mutation (lists are values in the simulator)");
    if (mpy_args_check(a, 1, 1) != 0)
        return -1;
    for (size_t i = 0; i < s->len; i++) {
        if (mpy_equal(&s->items[i], &a->v[0])) {
            if (id == L_INDEX) {
                mpy_set_int(out, (int64_t)i);
                return 0;
            }
            count++;
        }
    }
    if (id == L_INDEX)
        return mpy_raise(a->m, MPY_EXC_VALUE, "object not in sequence");
    mpy_set_int(out, (int64_t)count);
    return 0;
}
