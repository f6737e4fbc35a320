/* SPDX-License-Identifier: MIT */
/* Strict recursive-descent JSON parser (RFC 8259) for the end-to-end tests: objects, arrays,
 * strings with every escape, numbers, literals; a depth limit; path look-ups. */
#include "e2e_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EJ_DEPTH_MAX 64

struct ej_parser {
    const char *p;
    const char *end;
    const char *error;
    unsigned depth;
};

static struct ej_value *ej_parse_value(struct ej_parser *ps);

static void ej_skip_ws(struct ej_parser *ps)
{
    while (ps->p < ps->end &&
           (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) {
        ps->p++;
    }
}

static struct ej_value *ej_fail(struct ej_parser *ps, const char *why)
{
    if (ps->error == NULL) {
        ps->error = why;
    }
    return NULL;
}

static struct ej_value *ej_new(enum ej_type type)
{
    struct ej_value *v = calloc(1, sizeof *v);
    if (v != NULL) {
        v->type = type;
    }
    return v;
}

void ej_free(struct ej_value *v)
{
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < v->count; i++) {
        ej_free(v->items[i]);
        if (v->keys != NULL) {
            free(v->keys[i]);
        }
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    free(v);
}

static bool ej_literal(struct ej_parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) {
        return false;
    }
    ps->p += n;
    return true;
}

static int ej_hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) {
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

static size_t ej_put_utf8(char *out, uint32_t cp)
{
    size_t n = 0;
    if (cp < 0x80u) {
        out[n++] = (char)cp;
    } else if (cp < 0x800u) {
        out[n++] = (char)(0xC0u | cp >> 6);
        out[n++] = (char)(0x80u | (cp & 0x3Fu));
    } else if (cp < 0x10000u) {
        out[n++] = (char)(0xE0u | cp >> 12);
        out[n++] = (char)(0x80u | (cp >> 6 & 0x3Fu));
        out[n++] = (char)(0x80u | (cp & 0x3Fu));
    } else {
        out[n++] = (char)(0xF0u | cp >> 18);
        out[n++] = (char)(0x80u | (cp >> 12 & 0x3Fu));
        out[n++] = (char)(0x80u | (cp >> 6 & 0x3Fu));
        out[n++] = (char)(0x80u | (cp & 0x3Fu));
    }
    return n;
}

/* One \uXXXX escape (a surrogate pair takes two); p points after the 'u'. */
static bool ej_unicode(struct ej_parser *ps, uint32_t *cp)
{
    if (ps->end - ps->p < 4) {
        return false;
    }
    int hi = ej_hex4(ps->p);
    if (hi < 0) {
        return false;
    }
    ps->p += 4;
    *cp = (uint32_t)hi;
    if (hi >= 0xDC00 && hi <= 0xDFFF) {
        return false; /* a lone low surrogate */
    }
    if (hi >= 0xD800 && hi <= 0xDBFF) {
        if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u') {
            return false;
        }
        int lo = ej_hex4(ps->p + 2);
        if (lo < 0xDC00 || lo > 0xDFFF) {
            return false;
        }
        ps->p += 6;
        *cp = 0x10000u + ((uint32_t)(hi - 0xD800) << 10) + (uint32_t)(lo - 0xDC00);
    }
    return *cp != 0; /* NUL would cut the C string short */
}

/* A string; ps->p is at the opening quote. The decoded text (malloc'd) or NULL. */
static char *ej_string_raw(struct ej_parser *ps)
{
    /* Decoded text is never longer than the source. */
    const char *start = ++ps->p;
    char *out = malloc((size_t)(ps->end - start) + 1);
    size_t n = 0;
    if (out == NULL) {
        ej_fail(ps, "out of memory");
        return NULL;
    }
    for (;;) {
        if (ps->p >= ps->end) {
            ej_fail(ps, "unterminated string");
            break;
        }
        unsigned char c = (unsigned char)*ps->p++;
        if (c == '"') {
            out[n] = '\0';
            return out;
        }
        if (c < 0x20u) {
            ej_fail(ps, "control character in a string");
            break;
        }
        if (c != '\\') {
            out[n++] = (char)c;
            continue;
        }
        if (ps->p >= ps->end) {
            ej_fail(ps, "unterminated escape");
            break;
        }
        char e = *ps->p++;
        static const char from[] = "\"\\/bfnrt";
        static const char to[] = "\"\\/\b\f\n\r\t";
        const char *hit = e != '\0' ? strchr(from, e) : NULL;
        if (hit != NULL) {
            out[n++] = to[hit - from];
        } else if (e == 'u') {
            uint32_t cp = 0;
            if (!ej_unicode(ps, &cp)) {
                ej_fail(ps, "bad \\u escape");
                break;
            }
            n += ej_put_utf8(out + n, cp);
        } else {
            ej_fail(ps, "unknown escape");
            break;
        }
    }
    free(out);
    return NULL;
}

static struct ej_value *ej_parse_number(struct ej_parser *ps)
{
    const char *s = ps->p;
    const char *q = s;
    if (q < ps->end && *q == '-') {
        q++;
    }
    if (q < ps->end && *q == '0') {
        q++;
    } else if (q < ps->end && *q >= '1' && *q <= '9') {
        while (q < ps->end && *q >= '0' && *q <= '9') {
            q++;
        }
    } else {
        return ej_fail(ps, "bad number");
    }
    if (q < ps->end && *q == '.') {
        q++;
        if (q >= ps->end || *q < '0' || *q > '9') {
            return ej_fail(ps, "bad fraction");
        }
        while (q < ps->end && *q >= '0' && *q <= '9') {
            q++;
        }
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < ps->end && (*q == '+' || *q == '-')) {
            q++;
        }
        if (q >= ps->end || *q < '0' || *q > '9') {
            return ej_fail(ps, "bad exponent");
        }
        while (q < ps->end && *q >= '0' && *q <= '9') {
            q++;
        }
    }
    char buf[64];
    size_t len = (size_t)(q - s);
    if (len >= sizeof buf) {
        return ej_fail(ps, "number too long");
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    struct ej_value *v = ej_new(EJ_NUMBER);
    if (v == NULL) {
        return ej_fail(ps, "out of memory");
    }
    v->number = strtod(buf, NULL);
    ps->p = q;
    return v;
}

static bool ej_append(struct ej_value *v, char *key, struct ej_value *item)
{
    struct ej_value **items = realloc(v->items, (v->count + 1) * sizeof *items);
    if (items == NULL) {
        return false;
    }
    v->items = items;
    if (v->type == EJ_OBJECT) {
        char **keys = realloc(v->keys, (v->count + 1) * sizeof *keys);
        if (keys == NULL) {
            return false;
        }
        v->keys = keys;
        v->keys[v->count] = key;
    }
    v->items[v->count++] = item;
    return true;
}

/* An array or an object; ps->p is at '[' or '{'. */
static struct ej_value *ej_parse_container(struct ej_parser *ps, bool object)
{
    char close = object ? '}' : ']';
    struct ej_value *v = ej_new(object ? EJ_OBJECT : EJ_ARRAY);
    if (v == NULL) {
        return ej_fail(ps, "out of memory");
    }
    if (++ps->depth > EJ_DEPTH_MAX) {
        ej_free(v);
        return ej_fail(ps, "nested too deeply");
    }
    ps->p++;
    ej_skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        ps->depth--;
        return v;
    }
    for (;;) {
        char *key = NULL;
        ej_skip_ws(ps);
        if (object) {
            if (ps->p >= ps->end || *ps->p != '"') {
                ej_fail(ps, "object member without a name");
                break;
            }
            key = ej_string_raw(ps);
            if (key == NULL) {
                break;
            }
            for (size_t i = 0; i < v->count; i++) {
                if (strcmp(v->keys[i], key) == 0) {
                    ej_fail(ps, "duplicate member name");
                }
            }
            ej_skip_ws(ps);
            if (ps->error != NULL || ps->p >= ps->end || *ps->p != ':') {
                ej_fail(ps, "':' expected");
                free(key);
                break;
            }
            ps->p++;
        }
        struct ej_value *item = ej_parse_value(ps);
        if (item == NULL || !ej_append(v, key, item)) {
            ej_free(item);
            free(key);
            ej_fail(ps, "out of memory");
            break;
        }
        ej_skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            ps->depth--;
            return v;
        }
        ej_fail(ps, object ? "',' or '}' expected" : "',' or ']' expected");
        break;
    }
    ej_free(v);
    return NULL;
}

static struct ej_value *ej_parse_value(struct ej_parser *ps)
{
    ej_skip_ws(ps);
    if (ps->p >= ps->end) {
        return ej_fail(ps, "value expected");
    }
    struct ej_value *v = NULL;
    switch (*ps->p) {
    case '{': return ej_parse_container(ps, true);
    case '[': return ej_parse_container(ps, false);
    case '"': {
        char *s = ej_string_raw(ps);
        if (s == NULL) {
            return NULL;
        }
        v = ej_new(EJ_STRING);
        if (v == NULL) {
            free(s);
            return ej_fail(ps, "out of memory");
        }
        v->string = s;
        return v;
    }
    case 't':
    case 'f':
    case 'n':
        if (ej_literal(ps, "true")) {
            v = ej_new(EJ_BOOL);
            if (v != NULL) {
                v->boolean = true;
            }
        } else if (ej_literal(ps, "false")) {
            v = ej_new(EJ_BOOL);
        } else if (ej_literal(ps, "null")) {
            v = ej_new(EJ_NULL);
        } else {
            return ej_fail(ps, "unknown literal");
        }
        return v != NULL ? v : ej_fail(ps, "out of memory");
    default: return ej_parse_number(ps);
    }
}

struct ej_value *ej_parse(const char *text, size_t len, const char **error)
{
    struct ej_parser ps = {text, text + len, NULL, 0};
    struct ej_value *v = ej_parse_value(&ps);
    if (v != NULL) {
        ej_skip_ws(&ps);
        if (ps.p != ps.end) {
            ej_free(v);
            v = ej_fail(&ps, "text after the value");
        }
    }
    if (error != NULL) {
        *error = v != NULL ? NULL : ps.error != NULL ? ps.error : "invalid JSON";
    }
    return v;
}

const struct ej_value *ej_get(const struct ej_value *v, const char *key)
{
    if (v == NULL || v->type != EJ_OBJECT) {
        return NULL;
    }
    for (size_t i = 0; i < v->count; i++) {
        if (strcmp(v->keys[i], key) == 0) {
            return v->items[i];
        }
    }
    return NULL;
}

const struct ej_value *ej_path(const struct ej_value *v, const char *path)
{
    char step[128];
    while (v != NULL && *path != '\0') {
        const char *dot = strchr(path, '.');
        size_t n = dot != NULL ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof step) {
            return NULL;
        }
        memcpy(step, path, n);
        step[n] = '\0';
        v = ej_get(v, step);
        path += n + (dot != NULL ? 1 : 0);
    }
    return v;
}

bool ej_path_string(const struct ej_value *v, const char *path, const char **out)
{
    const struct ej_value *m = ej_path(v, path);
    if (m == NULL || m->type != EJ_STRING) {
        return false;
    }
    *out = m->string;
    return true;
}

bool ej_path_number(const struct ej_value *v, const char *path, double *out)
{
    const struct ej_value *m = ej_path(v, path);
    if (m == NULL || m->type != EJ_NUMBER) {
        return false;
    }
    *out = m->number;
    return true;
}

bool ej_path_bool(const struct ej_value *v, const char *path, bool *out)
{
    const struct ej_value *m = ej_path(v, path);
    if (m == NULL || m->type != EJ_BOOL) {
        return false;
    }
    *out = m->boolean;
    return true;
}

bool ej_path_is_null(const struct ej_value *v, const char *path)
{
    const struct ej_value *m = ej_path(v, path);
    return m != NULL && m->type == EJ_NULL;
}
