/* SPDX-License-Identifier: MIT */
/* JSON lines for --json: string escaping (RFC 8259, invalid UTF-8 replaced) and a tiny writer
 * of flat objects with string, number, boolean and null fields. */
#include "cli_json.h"

#include <inttypes.h>
#include <string.h>

#define CLI_JSON_ESCAPE_MAX  8u /* the longest escape of one character: \u001f, \ufffd */
#define CLI_JSON_REPLACEMENT "\\ufffd"

/* Short escapes RFC 8259 names; other control characters get \u00XX. */
static const struct {
    unsigned char c;
    const char *esc;
} CLI_JSON_SHORT[] = {
        {'"', "\\\""}, {'\\', "\\\\"}, {'\b', "\\b"}, {'\f', "\\f"},
        {'\n', "\\n"}, {'\r', "\\r"},  {'\t', "\\t"},
};

/* UTF-8 lead bytes (RFC 3629): range, sequence length, payload bits, smallest code point. */
static const struct {
    unsigned char lo, hi;
    size_t len;
    unsigned char mask;
    uint32_t min;
} CLI_JSON_UTF8_LEADS[] = {
        {0xC2u, 0xDFu, 2u, 0x1Fu, 0x80u},
        {0xE0u, 0xEFu, 3u, 0x0Fu, 0x800u},
        {0xF0u, 0xF4u, 4u, 0x07u, 0x10000u},
};
#define CLI_JSON_UNICODE_MAX  0x10FFFFu
#define CLI_JSON_SURROGATE_LO 0xD800u
#define CLI_JSON_SURROGATE_HI 0xDFFFu

/* Length of the valid UTF-8 sequence at s (at most `avail` bytes), 0 when it is not one. */
static size_t cli_json_utf8_len(const unsigned char *s, size_t avail)
{
    size_t len = 0;
    uint32_t cp = 0, min = 0;
    for (size_t i = 0; i < sizeof CLI_JSON_UTF8_LEADS / sizeof CLI_JSON_UTF8_LEADS[0]; i++) {
        if (s[0] >= CLI_JSON_UTF8_LEADS[i].lo && s[0] <= CLI_JSON_UTF8_LEADS[i].hi) {
            len = CLI_JSON_UTF8_LEADS[i].len;
            cp = s[0] & CLI_JSON_UTF8_LEADS[i].mask;
            min = CLI_JSON_UTF8_LEADS[i].min;
        }
    }
    if (len == 0 || len > avail) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0u) != 0x80u) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    bool ok = cp >= min && cp <= CLI_JSON_UNICODE_MAX &&
              (cp < CLI_JSON_SURROGATE_LO || cp > CLI_JSON_SURROGATE_HI);
    return ok ? len : 0;
}

/* The escaped form of the character at s into out (NUL-terminated); *used gets the bytes of
 * `in` it stands for. */
static void cli_json_escape_one(const unsigned char *s, size_t avail, char out[CLI_JSON_ESCAPE_MAX],
                                size_t *used)
{
    *used = 1;
    for (size_t i = 0; i < sizeof CLI_JSON_SHORT / sizeof CLI_JSON_SHORT[0]; i++) {
        if (CLI_JSON_SHORT[i].c == s[0]) {
            snprintf(out, CLI_JSON_ESCAPE_MAX, "%s", CLI_JSON_SHORT[i].esc);
            return;
        }
    }
    if (s[0] < 0x20u || s[0] == 0x7Fu) {
        snprintf(out, CLI_JSON_ESCAPE_MAX, "\\u%04x", (unsigned)s[0]);
    } else if (s[0] < 0x80u) {
        out[0] = (char)s[0];
        out[1] = '\0';
    } else {
        size_t len = cli_json_utf8_len(s, avail);
        if (len == 0) {
            snprintf(out, CLI_JSON_ESCAPE_MAX, "%s", CLI_JSON_REPLACEMENT);
        } else {
            memcpy(out, s, len);
            out[len] = '\0';
            *used = len;
        }
    }
}

size_t cli_json_escape(const char *in, char *out, size_t out_size)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t avail = strlen(in), need = 0, pos = 0;
    bool full = false;
    while (avail > 0) {
        char one[CLI_JSON_ESCAPE_MAX];
        size_t used = 0;
        cli_json_escape_one(s, avail, one, &used);
        size_t len = strlen(one);
        if (!full && out_size > 0 && pos + len < out_size) {
            memcpy(out + pos, one, len);
            pos += len;
        } else {
            full = true;
        }
        need += len;
        s += used;
        avail -= used;
    }
    if (out_size > 0) {
        out[pos] = '\0';
    }
    return need;
}

static void cli_json_put_string(FILE *f, const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t avail = strlen(text);
    fputc('"', f);
    while (avail > 0) {
        char one[CLI_JSON_ESCAPE_MAX];
        size_t used = 0;
        cli_json_escape_one(s, avail, one, &used);
        fputs(one, f);
        s += used;
        avail -= used;
    }
    fputc('"', f);
}

static void cli_json_key(struct cli_json *j, const char *key)
{
    if (!j->first) {
        fputc(',', j->f);
    }
    j->first = false;
    cli_json_put_string(j->f, key);
    fputc(':', j->f);
}

void cli_json_begin(struct cli_json *j, FILE *f, const char *event)
{
    j->f = f;
    j->first = true;
    fputc('{', f);
    cli_json_str(j, "event", event);
}

void cli_json_str(struct cli_json *j, const char *key, const char *value)
{
    cli_json_key(j, key);
    if (value != NULL) {
        cli_json_put_string(j->f, value);
    } else {
        fputs("null", j->f);
    }
}

void cli_json_uint(struct cli_json *j, const char *key, uint64_t value)
{
    cli_json_key(j, key);
    fprintf(j->f, "%" PRIu64, value);
}

void cli_json_int(struct cli_json *j, const char *key, int64_t value)
{
    cli_json_key(j, key);
    fprintf(j->f, "%" PRId64, value);
}

void cli_json_bool(struct cli_json *j, const char *key, bool value)
{
    cli_json_key(j, key);
    fputs(value ? "true" : "false", j->f);
}

void cli_json_null(struct cli_json *j, const char *key)
{
    cli_json_key(j, key);
    fputs("null", j->f);
}

void cli_json_end(struct cli_json *j)
{
    fputs("}\n", j->f);
    fflush(j->f);
}
