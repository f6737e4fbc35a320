/* SPDX-License-Identifier: MIT */
/* The --json output of mflash: one object per line, strings escaped for JSON (control
 * characters, quotes, backslashes; bytes that are not UTF-8 become U+FFFD). */
#ifndef MF_CLI_JSON_H
#define MF_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Escapes `in` for use between JSON quotes (the quotes are not written). Writes at most
 * out_size - 1 characters and a NUL (never cuts an escape in half); returns the length the whole
 * escaped text needs, as snprintf does. */
size_t cli_json_escape(const char *in, char *out, size_t out_size);

/* One object being written: cli_json_begin, fields, cli_json_end (newline and flush). */
struct cli_json {
    FILE *f;
    bool first;
};

void cli_json_begin(struct cli_json *j, FILE *f, const char *event);
void cli_json_str(struct cli_json *j, const char *key, const char *value); /* NULL: null */
void cli_json_uint(struct cli_json *j, const char *key, uint64_t value);
void cli_json_int(struct cli_json *j, const char *key, int64_t value);
void cli_json_bool(struct cli_json *j, const char *key, bool value);
void cli_json_null(struct cli_json *j, const char *key);
void cli_json_end(struct cli_json *j);

#endif
