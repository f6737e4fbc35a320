/* SPDX-License-Identifier: MIT */
/* The window's settings per user: an INI file (UTF-16) in %MICROFLASH_CONFIG_DIR% or
 * %APPDATA%\MicroFlash, read at start and written on exit and after each job. */
#ifndef MF_SETTINGS_H
#define MF_SETTINGS_H

#include <windows.h>

#include <stdbool.h>
#include <stddef.h>

#define SETTINGS_RECENT_MAX 8u
#define SETTINGS_EXTRA_MAX  7u
#define SETTINGS_PATH_MAX   1024u /* UTF-8 */
#define SETTINGS_NAME_MAX   256u
#define SETTINGS_WORD_MAX   32u

struct settings_extra {
    char offset[SETTINGS_WORD_MAX]; /* "0x3fc000" */
    char path[SETTINGS_PATH_MAX];
};

struct settings {
    char port[SETTINGS_NAME_MAX];
    char file[SETTINGS_PATH_MAX];
    char recent[SETTINGS_RECENT_MAX][SETTINGS_PATH_MAX]; /* newest first, "" when unused */
    bool erase_all;
    bool advanced; /* the advanced options are shown */
    char baud[SETTINGS_WORD_MAX];
    char mode[SETTINGS_WORD_MAX];
    char size[SETTINGS_WORD_MAX];
    char offset[SETTINGS_WORD_MAX];
    char before[SETTINGS_WORD_MAX];
    char after[SETTINGS_WORD_MAX];
    struct settings_extra extra[SETTINGS_EXTRA_MAX];
    size_t nextra;
    bool has_placement;
    WINDOWPLACEMENT placement;
};

/* The defaults: erase all, Auto baud, keep mode, detect size, 0x0, default_reset, hard_reset. */
void settings_default(struct settings *s);

/* The settings folder (created when missing) and file; false when neither variable is set. */
bool settings_file(wchar_t *out, size_t max);

/* Reads the file over the defaults (a missing file leaves the defaults). */
void settings_load(struct settings *s);

/* Writes every key; false when the file cannot be written. */
bool settings_save(const struct settings *s);

/* Puts a path first in the recent list (moving it up when it is there already). */
void settings_add_recent(struct settings *s, const char *path);

#endif
