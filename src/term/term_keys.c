/* SPDX-License-Identifier: MIT */
/* Keys that are not text, as the bytes a VT220/xterm sends for them: a table with the normal
 * sequence and the one for application cursor mode (DECCKM), which only the arrows change. */
#include "term_int.h"

#include <string.h>

static const struct term_key_seq {
    const char *normal;
    const char *app; /* NULL: the same as normal */
} TERM_KEYS[TERM_KEY_COUNT] = {
        [TERM_KEY_ENTER] = {"\r", NULL},         [TERM_KEY_BACKSPACE] = {"\x7f", NULL},
        [TERM_KEY_TAB] = {"\t", NULL},           [TERM_KEY_ESCAPE] = {"\x1b", NULL},
        [TERM_KEY_UP] = {"\x1b[A", "\x1bOA"},    [TERM_KEY_DOWN] = {"\x1b[B", "\x1bOB"},
        [TERM_KEY_RIGHT] = {"\x1b[C", "\x1bOC"}, [TERM_KEY_LEFT] = {"\x1b[D", "\x1bOD"},
        [TERM_KEY_HOME] = {"\x1b[H", NULL},      [TERM_KEY_END] = {"\x1b[F", NULL},
        [TERM_KEY_INSERT] = {"\x1b[2~", NULL},   [TERM_KEY_DELETE] = {"\x1b[3~", NULL},
        [TERM_KEY_PAGE_UP] = {"\x1b[5~", NULL},  [TERM_KEY_PAGE_DOWN] = {"\x1b[6~", NULL},
};

size_t term_key_bytes(const struct term *t, enum term_key key, char out[TERM_KEY_BYTES_MAX])
{
    if ((unsigned)key >= TERM_KEY_COUNT) {
        return 0;
    }
    const struct term_key_seq *k = &TERM_KEYS[key];
    const char *seq = (t->modes & TERM_MODE_APP_CURSOR) && k->app != NULL ? k->app : k->normal;
    size_t n = strlen(seq);
    memcpy(out, seq, n);
    return n;
}
