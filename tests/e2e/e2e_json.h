/* SPDX-License-Identifier: MIT */
/* A small strict JSON reader for the end-to-end tests: parses one value (mflash's --json lines,
 * the simulator's STATS) into a tree, and looks members up by name or path. */
#ifndef MF_E2E_JSON_H
#define MF_E2E_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum ej_type {
    EJ_NULL = 0,
    EJ_BOOL,
    EJ_NUMBER,
    EJ_STRING,
    EJ_ARRAY,
    EJ_OBJECT,
};

struct ej_value {
    enum ej_type type;
    bool boolean;
    double number;
    char *string;            /* EJ_STRING: decoded, NUL-terminated (no NUL inside) */
    struct ej_value **items; /* EJ_ARRAY: elements; EJ_OBJECT: member values */
    char **keys;             /* EJ_OBJECT: member names, parallel to items */
    size_t count;
};

/* Parses exactly one JSON value spanning text[0..len) (white space around it allowed). NULL when
 * the text is not valid JSON; *error (may be NULL) then gets a short reason. */
struct ej_value *ej_parse(const char *text, size_t len, const char **error);
void ej_free(struct ej_value *v);

/* The member `key` of an object (NULL when v is not an object or has no such member). */
const struct ej_value *ej_get(const struct ej_value *v, const char *key);
/* A member by a dotted path ("board.state"); NULL when any step is missing. */
const struct ej_value *ej_path(const struct ej_value *v, const char *path);

/* Typed look-ups by path: false when missing or of another type. */
bool ej_path_string(const struct ej_value *v, const char *path, const char **out);
bool ej_path_number(const struct ej_value *v, const char *path, double *out);
bool ej_path_bool(const struct ej_value *v, const char *path, bool *out);
bool ej_path_is_null(const struct ej_value *v, const char *path);

#endif
