/* SPDX-License-Identifier: MIT */
/* Settings kept in MicroFlash.ini (GetPrivateProfileStringW / WritePrivateProfileStringW): the
 * keys are a table; the file is created with a UTF-16 byte-order mark so every value stays UTF-16.
 */
#include "settings.h"

#include "utf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define SETTINGS_SECTION    L"MicroFlash"
#define SETTINGS_FOLDER     L"\\MicroFlash"
#define SETTINGS_FILE_NAME  L"\\MicroFlash.ini"
#define SETTINGS_ENV_OWN    L"MICROFLASH_CONFIG_DIR"
#define SETTINGS_ENV_APP    L"APPDATA"
#define SETTINGS_VALUE_MAX  2048u /* UTF-16 units of one value */
#define SETTINGS_KEY_MAX    32u
#define SETTINGS_PLACE_KEY  L"placement"
#define SETTINGS_PLACE_NUMS 5

static const wchar_t SETTINGS_BOM = 0xFEFF;

enum settings_type {
    SETTINGS_TEXT,
    SETTINGS_BOOL,
};

/* The plain keys: where each lives in struct settings. */
static const struct settings_key {
    const wchar_t *name;
    enum settings_type type;
    size_t offset;
    size_t size;
} SETTINGS_KEYS[] = {
        {L"port", SETTINGS_TEXT, offsetof(struct settings, port), SETTINGS_NAME_MAX},
        {L"file", SETTINGS_TEXT, offsetof(struct settings, file), SETTINGS_PATH_MAX},
        {L"erase_all", SETTINGS_BOOL, offsetof(struct settings, erase_all), 0},
        {L"advanced", SETTINGS_BOOL, offsetof(struct settings, advanced), 0},
        {L"baud", SETTINGS_TEXT, offsetof(struct settings, baud), SETTINGS_WORD_MAX},
        {L"mode", SETTINGS_TEXT, offsetof(struct settings, mode), SETTINGS_WORD_MAX},
        {L"size", SETTINGS_TEXT, offsetof(struct settings, size), SETTINGS_WORD_MAX},
        {L"offset", SETTINGS_TEXT, offsetof(struct settings, offset), SETTINGS_WORD_MAX},
        {L"before", SETTINGS_TEXT, offsetof(struct settings, before), SETTINGS_WORD_MAX},
        {L"after", SETTINGS_TEXT, offsetof(struct settings, after), SETTINGS_WORD_MAX},
};

void settings_default(struct settings *s)
{
    memset(s, 0, sizeof *s);
    s->erase_all = true;
    snprintf(s->baud, sizeof s->baud, "Auto");
    snprintf(s->mode, sizeof s->mode, "keep");
    snprintf(s->size, sizeof s->size, "detect");
    snprintf(s->offset, sizeof s->offset, "0x0");
    snprintf(s->before, sizeof s->before, "default_reset");
    snprintf(s->after, sizeof s->after, "hard_reset");
}

bool settings_file(wchar_t *out, size_t max)
{
    const wchar_t *own = _wgetenv(SETTINGS_ENV_OWN);
    const wchar_t *app = _wgetenv(SETTINGS_ENV_APP);
    int n = own != NULL && own[0] != L'\0'   ? swprintf(out, max, L"%ls", own)
            : app != NULL && app[0] != L'\0' ? swprintf(out, max, L"%ls%ls", app, SETTINGS_FOLDER)
                                             : -1;
    if (n < 0 || (size_t)n + wcslen(SETTINGS_FILE_NAME) >= max) {
        return false;
    }
    if (!CreateDirectoryW(out, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
        return false;
    }
    wcscat(out, SETTINGS_FILE_NAME);
    return true;
}

static void settings_read(const wchar_t *file, const wchar_t *key, char *out, size_t max)
{
    wchar_t value[SETTINGS_VALUE_MAX];
    DWORD n = GetPrivateProfileStringW(SETTINGS_SECTION, key, L"\x1", value, SETTINGS_VALUE_MAX,
                                       file);
    if (n == 1 && value[0] == L'\x1') {
        return; /* missing: keep the default */
    }
    char text[SETTINGS_VALUE_MAX * 3u];
    if (utf_narrow_buf(value, text, sizeof text) && strlen(text) < max) {
        memcpy(out, text, strlen(text) + 1u);
    }
}

/* The section is built in memory ("key=value" strings, an empty one at the end) and written
 * with one call: one rewrite of the file instead of one per key. */
struct settings_section {
    wchar_t *text;
    size_t used;
    size_t cap;
    bool ok;
};

static void settings_write(struct settings_section *sec, const wchar_t *key, const char *value)
{
    wchar_t wide[SETTINGS_VALUE_MAX];
    size_t need = wcslen(key) + 1u + SETTINGS_VALUE_MAX + 2u;
    if (!sec->ok || !utf_wide_buf(value, wide, SETTINGS_VALUE_MAX)) {
        return;
    }
    if (sec->used + need > sec->cap) {
        size_t cap = sec->cap * 2u + need;
        wchar_t *grown = realloc(sec->text, cap * sizeof *grown);
        if (grown == NULL) {
            sec->ok = false;
            return;
        }
        sec->text = grown;
        sec->cap = cap;
    }
    int n = swprintf(sec->text + sec->used, sec->cap - sec->used, L"%ls=%ls", key, wide);
    sec->used += n > 0 ? (size_t)n + 1u : 0;
    sec->text[sec->used] = L'\0';
}

static void settings_load_placement(const wchar_t *file, struct settings *s)
{
    char text[SETTINGS_NAME_MAX] = "";
    long v[SETTINGS_PLACE_NUMS];
    settings_read(file, SETTINGS_PLACE_KEY, text, sizeof text);
    if (sscanf(text, "%ld,%ld,%ld,%ld,%ld", &v[0], &v[1], &v[2], &v[3], &v[4]) ==
        SETTINGS_PLACE_NUMS) {
        s->has_placement = true;
        s->placement.length = sizeof s->placement;
        s->placement.showCmd = v[0] == SW_SHOWMAXIMIZED ? SW_SHOWMAXIMIZED : SW_SHOWNORMAL;
        s->placement.rcNormalPosition.left = v[1];
        s->placement.rcNormalPosition.top = v[2];
        s->placement.rcNormalPosition.right = v[3];
        s->placement.rcNormalPosition.bottom = v[4];
    }
}

void settings_load(struct settings *s)
{
    wchar_t file[MAX_PATH * 2];
    wchar_t key[SETTINGS_KEY_MAX];
    if (!settings_file(file, sizeof file / sizeof file[0])) {
        return;
    }
    for (size_t i = 0; i < sizeof SETTINGS_KEYS / sizeof SETTINGS_KEYS[0]; i++) {
        const struct settings_key *k = &SETTINGS_KEYS[i];
        char *field = (char *)s + k->offset;
        if (k->type == SETTINGS_TEXT) {
            settings_read(file, k->name, field, k->size);
        } else {
            char flag[SETTINGS_WORD_MAX] = "";
            settings_read(file, k->name, flag, sizeof flag);
            if (flag[0] != '\0') {
                *(bool *)field = flag[0] == '1';
            }
        }
    }
    for (size_t i = 0; i < SETTINGS_RECENT_MAX; i++) {
        swprintf(key, SETTINGS_KEY_MAX, L"recent%zu", i + 1u);
        settings_read(file, key, s->recent[i], SETTINGS_PATH_MAX);
    }
    s->nextra = 0;
    for (size_t i = 0; i < SETTINGS_EXTRA_MAX; i++) {
        struct settings_extra *x = &s->extra[s->nextra];
        x->offset[0] = x->path[0] = '\0';
        swprintf(key, SETTINGS_KEY_MAX, L"extra%zu_offset", i + 1u);
        settings_read(file, key, x->offset, sizeof x->offset);
        swprintf(key, SETTINGS_KEY_MAX, L"extra%zu_file", i + 1u);
        settings_read(file, key, x->path, sizeof x->path);
        if (x->offset[0] != '\0' && x->path[0] != '\0') {
            s->nextra++;
        }
    }
    settings_load_placement(file, s);
}

/* WritePrivateProfileStringW writes UTF-16 only into a file that starts with a byte-order mark. */
static bool settings_create_unicode(const wchar_t *file)
{
    HANDLE h = CreateFileW(file, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    DWORD written = 0;
    if (h == INVALID_HANDLE_VALUE) {
        return GetLastError() == ERROR_FILE_EXISTS;
    }
    bool ok = WriteFile(h, &SETTINGS_BOM, sizeof SETTINGS_BOM, &written, NULL) &&
              written == sizeof SETTINGS_BOM;
    CloseHandle(h);
    return ok;
}

bool settings_save(const struct settings *s)
{
    wchar_t file[MAX_PATH * 2];
    wchar_t key[SETTINGS_KEY_MAX];
    char text[SETTINGS_NAME_MAX];
    struct settings_section sec = {.ok = true};
    bool ok = false;
    if (!settings_file(file, sizeof file / sizeof file[0]) || !settings_create_unicode(file)) {
        goto out;
    }
    for (size_t i = 0; i < sizeof SETTINGS_KEYS / sizeof SETTINGS_KEYS[0]; i++) {
        const struct settings_key *k = &SETTINGS_KEYS[i];
        const char *field = (const char *)s + k->offset;
        settings_write(&sec, k->name,
                       k->type == SETTINGS_TEXT ? field
                       : *(const bool *)field   ? "1"
                                                : "0");
    }
    for (size_t i = 0; i < SETTINGS_RECENT_MAX; i++) {
        swprintf(key, SETTINGS_KEY_MAX, L"recent%zu", i + 1u);
        settings_write(&sec, key, s->recent[i]);
    }
    for (size_t i = 0; i < s->nextra && i < SETTINGS_EXTRA_MAX; i++) {
        swprintf(key, SETTINGS_KEY_MAX, L"extra%zu_offset", i + 1u);
        settings_write(&sec, key, s->extra[i].offset);
        swprintf(key, SETTINGS_KEY_MAX, L"extra%zu_file", i + 1u);
        settings_write(&sec, key, s->extra[i].path);
    }
    if (s->has_placement) {
        const RECT *r = &s->placement.rcNormalPosition;
        snprintf(text, sizeof text, "%u,%ld,%ld,%ld,%ld", s->placement.showCmd, r->left, r->top,
                 r->right, r->bottom);
        settings_write(&sec, SETTINGS_PLACE_KEY, text);
    }
    ok = sec.ok && sec.text != NULL &&
         WritePrivateProfileSectionW(SETTINGS_SECTION, sec.text, file) != 0;
out:
    free(sec.text);
    return ok;
}

void settings_add_recent(struct settings *s, const char *path)
{
    size_t found = SETTINGS_RECENT_MAX - 1u;
    if (path[0] == '\0' || strlen(path) >= SETTINGS_PATH_MAX) {
        return;
    }
    for (size_t i = 0; i < SETTINGS_RECENT_MAX; i++) {
        if (_stricmp(s->recent[i], path) == 0) {
            found = i;
            break;
        }
    }
    memmove(s->recent[1], s->recent[0], found * sizeof s->recent[0]);
    snprintf(s->recent[0], SETTINGS_PATH_MAX, "%s", path);
}
