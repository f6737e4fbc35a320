/* SPDX-License-Identifier: MIT */
/* The window's inputs: the firmware file (typed, recent, Browse, drop; checked at once with
 * image_inspect), the option combo boxes and the table of more images, the port picker, and the
 * settings and job request read from them. */
#include "mainwnd.h"
#include "utf.h"

#include <shellapi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_SIZE_MAX       (16u * 1024u * 1024u) /* an ESP8266 addresses 16 MiB of flash */
#define FILE_FILTER         L"Firmware (*.bin)\0*.bin\0All files\0*.*\0"
#define FILE_TEXT_MAX       1024u
#define FILE_OFFSET_MAX     32u
#define FILE_MANUAL_WAIT    120000u
#define FILE_ALIGN          0x1000u
#define FILE_COL_OFFSET_DLU 60
#define FILE_COL_FILE_DLU   180
#define FILE_NO_FILE                                                                               \
    "Choose a firmware file (.bin): Browse, drop it on this window, or type its path."

static const char *const FILE_BAUDS[] = {"Auto",   "115200",  "230400", "460800",
                                         "921600", "1500000", "2000000"};
static const char *const FILE_MODES[] = {"keep", "qio", "qout", "dio", "dout"};
static const char *const FILE_SIZES[] = {"detect", "keep", "512KB", "1MB",
                                         "2MB",    "4MB",  "8MB",   "16MB"};
static const char *const FILE_BEFORE[] = {"default_reset", "no_reset"};
static const char *const FILE_AFTER[] = {"hard_reset", "soft_reset", "no_reset"};

/* The option combo boxes: their entries and the setting each one keeps. */
static const struct {
    int id;
    const char *const *items;
    size_t count;
    size_t setting; /* offset of a char[SETTINGS_WORD_MAX] in struct settings */
} FILE_COMBOS[] = {
        {IDC_BAUD, FILE_BAUDS, sizeof FILE_BAUDS / sizeof FILE_BAUDS[0],
         offsetof(struct settings, baud)},
        {IDC_MODE, FILE_MODES, sizeof FILE_MODES / sizeof FILE_MODES[0],
         offsetof(struct settings, mode)},
        {IDC_FLASH_SIZE, FILE_SIZES, sizeof FILE_SIZES / sizeof FILE_SIZES[0],
         offsetof(struct settings, size)},
        {IDC_BEFORE, FILE_BEFORE, sizeof FILE_BEFORE / sizeof FILE_BEFORE[0],
         offsetof(struct settings, before)},
        {IDC_AFTER, FILE_AFTER, sizeof FILE_AFTER / sizeof FILE_AFTER[0],
         offsetof(struct settings, after)},
};

/* The default button's label follows erase-all and the kind of firmware. */
static const struct {
    bool erase_all;
    bool micropython;
    const wchar_t *label;
} FILE_FLASH_LABELS[] = {
        {true, true, L"Erase and &Flash MicroPython"},
        {true, false, L"Erase and &Flash"},
        {false, true, L"&Flash MicroPython"},
        {false, false, L"&Flash"},
};

/* What a job disables (Cancel is the other way round). */
static const int FILE_JOB_INPUTS[] = {
        IDC_PORT,         IDC_FILE,       IDC_BROWSE,       IDC_ERASE_ALL,    IDC_BAUD,
        IDC_MODE,         IDC_FLASH_SIZE, IDC_OFFSET,       IDC_BEFORE,       IDC_AFTER,
        IDC_EXTRA,        IDC_EXTRA_ADD,  IDC_EXTRA_REMOVE, IDC_PROBLEM_ACT1, IDC_PROBLEM_ACT2,
        IDC_PROBLEM_ACT3, IDC_FLASH,
};

enum file_column {
    FILE_COL_OFFSET = 0,
    FILE_COL_FILE,
};

static bool file_parse_offset(const char *text, uint32_t *out)
{
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 0);
    if (end == text || *end != '\0' || v >= FILE_SIZE_MAX || v % FILE_ALIGN != 0) {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

static void file_fill_recent(struct app *app)
{
    HWND combo = mainwnd_item(app, IDC_FILE);
    char text[FILE_TEXT_MAX];
    wchar_t wide[FILE_TEXT_MAX];
    mainwnd_combo_text(app, IDC_FILE, text, sizeof text);
    SendMessageW(combo, CB_RESETCONTENT, 0, 0);
    for (size_t i = 0; i < SETTINGS_RECENT_MAX; i++) {
        if (app->settings.recent[i][0] != '\0' &&
            utf_wide_buf(app->settings.recent[i], wide, FILE_TEXT_MAX)) {
            SendMessageW(combo, CB_ADDSTRING, 0, (LPARAM)wide);
        }
    }
    utf_set_window_text(combo, text);
}

void mainwnd_file_update_flash_button(struct app *app)
{
    bool erase = IsDlgButtonChecked(app->hwnd, IDC_ERASE_ALL) == BST_CHECKED;
    /* Without a file yet the button names the usual job. */
    bool mpy = app->file_ok ? app->file_micropython : app->file_path[0] == '\0';
    for (size_t i = 0; i < sizeof FILE_FLASH_LABELS / sizeof FILE_FLASH_LABELS[0]; i++) {
        if (FILE_FLASH_LABELS[i].erase_all == erase && FILE_FLASH_LABELS[i].micropython == mpy) {
            SetDlgItemTextW(app->hwnd, IDC_FLASH, FILE_FLASH_LABELS[i].label);
        }
    }
    EnableWindow(mainwnd_item(app, IDC_FLASH), app->file_ok && !mainwnd_job_running(app));
}

/* Looks at the file: the info line says what it is or why it is refused. `loud`: a refusal
 * also opens the problem panel (a choice, not a half-typed path). */
static void file_inspect(struct app *app, const char *path, bool loud)
{
    struct mf_error e;
    struct image_info info;
    char text[IMAGE_NOTES_MAX];
    uint8_t *data = NULL;
    size_t size = 0;
    mf_err_clear(&e);
    snprintf(app->file_path, sizeof app->file_path, "%s", path);
    app->file_ok = false;
    app->file_micropython = false;
    if (path[0] == '\0') {
        mainwnd_set_text(app, IDC_FILE_INFO, FILE_NO_FILE);
    } else if (utf_read_file(path, FILE_SIZE_MAX, &data, &size, &e) != MF_OK ||
               image_inspect(data, size, &info, &e) != MF_OK) {
        if (loud) {
            /* The panel has the whole explanation; the line keeps its first sentence. */
            const char *end = strstr(e.message, ". ");
            snprintf(text, sizeof text, "%.*s", end != NULL ? (int)(end - e.message + 1) : 1024,
                     e.message);
            mainwnd_set_text(app, IDC_FILE_INFO, text);
            mainwnd_problem_show(app, MAINWND_PROBLEM_BAD_FILE, e.message);
        } else {
            mainwnd_set_text(app, IDC_FILE_INFO, e.message);
        }
    } else {
        image_describe(&info, text, sizeof text);
        mainwnd_set_text(app, IDC_FILE_INFO, text);
        app->file_ok = true;
        app->file_micropython = info.micropython;
        if (info.notes[0] != '\0') {
            mainwnd_log_append(app, MF_LOG_WARN, info.notes);
        }
        if (app->problem == MAINWND_PROBLEM_BAD_FILE) {
            mainwnd_problem_hide(app);
        }
        settings_add_recent(&app->settings, path);
        file_fill_recent(app);
    }
    free(data);
    mainwnd_file_update_flash_button(app);
    mainwnd_layout_apply(app);
}

void mainwnd_file_choose(struct app *app, const char *path)
{
    KillTimer(app->hwnd, MAINWND_TIMER_FILE);
    mainwnd_set_text(app, IDC_FILE, path);
    file_inspect(app, path, true);
}

void mainwnd_file_changed(struct app *app)
{
    app->file_ok = false;
    EnableWindow(mainwnd_item(app, IDC_FLASH), FALSE);
    SetTimer(app->hwnd, MAINWND_TIMER_FILE, MAINWND_FILE_DELAY_MS, NULL);
}

void mainwnd_file_inspect_typed(struct app *app)
{
    char path[FILE_TEXT_MAX];
    mainwnd_combo_text(app, IDC_FILE, path, sizeof path);
    file_inspect(app, path, false);
}

void mainwnd_file_selected(struct app *app)
{
    HWND combo = mainwnd_item(app, IDC_FILE);
    LRESULT at = SendMessageW(combo, CB_GETCURSEL, 0, 0);
    LRESULT len = at >= 0 ? SendMessageW(combo, CB_GETLBTEXTLEN, (WPARAM)at, 0) : CB_ERR;
    wchar_t wide[FILE_TEXT_MAX];
    char path[FILE_TEXT_MAX];
    if (len >= 0 && (size_t)len < FILE_TEXT_MAX &&
        SendMessageW(combo, CB_GETLBTEXT, (WPARAM)at, (LPARAM)wide) >= 0 &&
        utf_narrow_buf(wide, path, sizeof path)) {
        KillTimer(app->hwnd, MAINWND_TIMER_FILE);
        file_inspect(app, path, true);
    }
}

/* The common file dialog; false when the user cancelled. */
static bool file_ask(struct app *app, const char *start, char *out, size_t max)
{
    static const struct mainwnd_path_ask ASK = {.filter = FILE_FILTER};
    wchar_t path[MAX_PATH * 4] = L"";
    utf_wide_buf(start, path, MAX_PATH * 4);
    return mainwnd_ask_path(app, &ASK, path, MAX_PATH * 4) && utf_narrow_buf(path, out, max);
}

void mainwnd_file_browse(struct app *app)
{
    char path[FILE_TEXT_MAX];
    if (file_ask(app, app->file_path, path, sizeof path)) {
        mainwnd_file_choose(app, path);
    }
}

void mainwnd_file_drop(struct app *app, HDROP drop)
{
    wchar_t wide[MAX_PATH * 4];
    char path[FILE_TEXT_MAX];
    if (!mainwnd_job_running(app) && DragQueryFileW(drop, 0, wide, MAX_PATH * 4) > 0 &&
        utf_narrow_buf(wide, path, sizeof path)) {
        mainwnd_file_choose(app, path);
    }
    DragFinish(drop);
}

/* ---- More images ---- */

static void file_extra_insert(struct app *app, int at, const char *offset, const char *path)
{
    HWND list = mainwnd_item(app, IDC_EXTRA);
    wchar_t woff[FILE_OFFSET_MAX];
    wchar_t wpath[FILE_TEXT_MAX];
    utf_wide_buf(offset, woff, FILE_OFFSET_MAX);
    utf_wide_buf(path, wpath, FILE_TEXT_MAX);
    LVITEMW item = {.mask = LVIF_TEXT, .iItem = at, .pszText = woff};
    int row = (int)SendMessageW(list, LVM_INSERTITEMW, 0, (LPARAM)&item);
    item.iItem = row;
    item.iSubItem = FILE_COL_FILE;
    item.pszText = wpath;
    SendMessageW(list, LVM_SETITEMTEXTW, (WPARAM)row, (LPARAM)&item);
}

static void file_extra_get(struct app *app, int row, int column, char *out, size_t max)
{
    wchar_t wide[FILE_TEXT_MAX] = L"";
    LVITEMW item = {.iSubItem = column, .pszText = wide, .cchTextMax = FILE_TEXT_MAX};
    SendMessageW(mainwnd_item(app, IDC_EXTRA), LVM_GETITEMTEXTW, (WPARAM)row, (LPARAM)&item);
    utf_narrow_buf(wide, out, max);
}

static int file_extra_count(struct app *app)
{
    return (int)SendMessageW(mainwnd_item(app, IDC_EXTRA), LVM_GETITEMCOUNT, 0, 0);
}

static uint64_t file_size_of(const char *path)
{
    WIN32_FILE_ATTRIBUTE_DATA attr;
    wchar_t wide[FILE_TEXT_MAX];
    if (!utf_wide_buf(path, wide, FILE_TEXT_MAX) ||
        !GetFileAttributesExW(wide, GetFileExInfoStandard, &attr)) {
        return 0;
    }
    return ((uint64_t)attr.nFileSizeHigh << 32) | attr.nFileSizeLow;
}

/* A new image goes after the last one (4 KiB-aligned); the user edits the offset in place. */
void mainwnd_extra_add(struct app *app)
{
    char path[FILE_TEXT_MAX];
    char text[FILE_OFFSET_MAX];
    uint32_t offset = 0;
    uint64_t next = 0;
    int count = file_extra_count(app);
    if ((size_t)count + 1u >= WORKER_FILES_MAX || !file_ask(app, "", path, sizeof path)) {
        return;
    }
    mainwnd_combo_text(app, IDC_OFFSET, text, sizeof text);
    if (file_parse_offset(text, &offset) && app->file_ok) {
        next = offset + file_size_of(app->file_path);
    }
    for (int i = 0; i < count; i++) {
        char file[FILE_TEXT_MAX];
        file_extra_get(app, i, FILE_COL_OFFSET, text, sizeof text);
        file_extra_get(app, i, FILE_COL_FILE, file, sizeof file);
        if (file_parse_offset(text, &offset) && offset + file_size_of(file) > next) {
            next = offset + file_size_of(file);
        }
    }
    next = (next + FILE_ALIGN - 1u) / FILE_ALIGN * FILE_ALIGN;
    snprintf(text, sizeof text, "0x%llX", (unsigned long long)next);
    file_extra_insert(app, count, text, path);
    SetFocus(mainwnd_item(app, IDC_EXTRA));
    SendMessageW(mainwnd_item(app, IDC_EXTRA), LVM_EDITLABELW, (WPARAM)count, 0);
}

void mainwnd_extra_remove(struct app *app)
{
    HWND list = mainwnd_item(app, IDC_EXTRA);
    LRESULT row = SendMessageW(list, LVM_GETNEXTITEM, (WPARAM)-1, LVNI_SELECTED);
    if (row >= 0) {
        SendMessageW(list, LVM_DELETEITEM, (WPARAM)row, 0);
    }
}

bool mainwnd_extra_edited(struct app *app, NMLVDISPINFOW *info)
{
    char text[FILE_OFFSET_MAX];
    uint32_t offset;
    (void)app;
    if (info->item.pszText == NULL) {
        return false; /* editing cancelled */
    }
    if (utf_narrow_buf(info->item.pszText, text, sizeof text) && file_parse_offset(text, &offset)) {
        return true;
    }
    MessageBeep(MB_ICONWARNING);
    return false;
}

/* ---- Ports ---- */

static void file_port_name(struct app *app, char *out, size_t max)
{
    char text[PORTS_TEXT_MAX];
    mainwnd_combo_text(app, IDC_PORT, text, sizeof text);
    ports_name_from_text(&app->ports, text, out, max);
}

void mainwnd_port_note(struct app *app)
{
    char name[WORKER_PORT_MAX];
    char note[PORTS_HINT_MAX];
    file_port_name(app, name, sizeof name);
    ports_note(&app->ports, name, note, sizeof note);
    mainwnd_set_text(app, IDC_PORT_NOTE, note);
    mainwnd_layout_apply(app);
}

void mainwnd_ports_refresh(struct app *app, bool first)
{
    char current[WORKER_PORT_MAX];
    char appeared[WORKER_PORT_MAX];
    if (first) {
        snprintf(current, sizeof current, "%s",
                 app->arg_port != NULL ? app->arg_port : app->settings.port);
    } else {
        file_port_name(app, current, sizeof current);
    }
    char summary[PORTS_HINT_MAX * 2];
    ports_refresh(&app->ports, first, appeared, sizeof appeared);
    ports_summary(&app->ports, summary, sizeof summary);
    mainwnd_log_append(app, MF_LOG_INFO, summary);
    if (appeared[0] != '\0') {
        snprintf(current, sizeof current, "%s", appeared);
    } else if (current[0] == '\0' && app->ports.count > 0 && app->ports.list[0].likely_esp) {
        snprintf(current, sizeof current, "%s", app->ports.list[0].name);
    }
    ports_fill_combo(&app->ports, mainwnd_item(app, IDC_PORT), current);
    mainwnd_port_note(app);
    if (app->problem == MAINWND_PROBLEM_NO_PORT && app->ports.count > 0) {
        mainwnd_problem_hide(app);
    }
}

/* ---- Settings and the job request ---- */

void mainwnd_file_init(struct app *app)
{
    struct settings *s = &app->settings;
    HWND list = mainwnd_item(app, IDC_EXTRA);
    RECT cols = {0, 0, FILE_COL_OFFSET_DLU, FILE_COL_FILE_DLU};
    wchar_t wide[SETTINGS_WORD_MAX];
    MapDialogRect(app->hwnd, &cols);
    LVCOLUMNW col = {.mask = LVCF_TEXT | LVCF_WIDTH, .cx = cols.right, .pszText = L"Offset"};
    SendMessageW(list, LVM_INSERTCOLUMNW, FILE_COL_OFFSET, (LPARAM)&col);
    col.cx = cols.bottom;
    col.pszText = L"File";
    SendMessageW(list, LVM_INSERTCOLUMNW, FILE_COL_FILE, (LPARAM)&col);
    SendMessageW(list, LVM_SETEXTENDEDLISTVIEWSTYLE, LVS_EX_FULLROWSELECT, LVS_EX_FULLROWSELECT);
    for (size_t i = 0; i < sizeof FILE_COMBOS / sizeof FILE_COMBOS[0]; i++) {
        HWND combo = mainwnd_item(app, FILE_COMBOS[i].id);
        const char *want = (const char *)s + FILE_COMBOS[i].setting;
        WPARAM chosen = 0;
        for (size_t j = 0; j < FILE_COMBOS[i].count; j++) {
            utf_wide_buf(FILE_COMBOS[i].items[j], wide, SETTINGS_WORD_MAX);
            SendMessageW(combo, CB_ADDSTRING, 0, (LPARAM)wide);
            chosen = _stricmp(FILE_COMBOS[i].items[j], want) == 0 ? (WPARAM)j : chosen;
        }
        SendMessageW(combo, CB_SETCURSEL, chosen, 0);
    }
    mainwnd_set_text(app, IDC_OFFSET, s->offset);
    for (size_t i = 0; i < s->nextra; i++) {
        file_extra_insert(app, (int)i, s->extra[i].offset, s->extra[i].path);
    }
    CheckDlgButton(app->hwnd, IDC_ERASE_ALL, s->erase_all ? BST_CHECKED : BST_UNCHECKED);
    SendMessageW(mainwnd_item(app, IDC_PROGRESS), PBM_SETRANGE32, 0, 1000);
    mainwnd_show_advanced(app, s->advanced);
    file_fill_recent(app);
    mainwnd_set_text(app, IDC_FILE, app->arg_firmware != NULL ? app->arg_firmware : s->file);
    mainwnd_file_update_flash_button(app);
}

void mainwnd_file_start(struct app *app)
{
    const char *file = app->arg_firmware != NULL ? app->arg_firmware : app->settings.file;
    file_inspect(app, file, app->arg_firmware != NULL);
}

void mainwnd_settings_from_controls(struct app *app)
{
    struct settings *s = &app->settings;
    char text[FILE_OFFSET_MAX];
    if (!app->started) {
        return; /* closed before the controls were filled: the settings read stay */
    }
    file_port_name(app, s->port, sizeof s->port);
    snprintf(s->file, sizeof s->file, "%s", app->file_path);
    s->erase_all = IsDlgButtonChecked(app->hwnd, IDC_ERASE_ALL) == BST_CHECKED;
    s->advanced = app->advanced;
    for (size_t i = 0; i < sizeof FILE_COMBOS / sizeof FILE_COMBOS[0]; i++) {
        mainwnd_combo_text(app, FILE_COMBOS[i].id, (char *)s + FILE_COMBOS[i].setting,
                           SETTINGS_WORD_MAX);
    }
    mainwnd_combo_text(app, IDC_OFFSET, text, sizeof text);
    snprintf(s->offset, sizeof s->offset, "%s", text);
    s->nextra = 0;
    for (int i = 0; i < file_extra_count(app) && s->nextra < SETTINGS_EXTRA_MAX; i++) {
        file_extra_get(app, i, FILE_COL_OFFSET, s->extra[s->nextra].offset, SETTINGS_WORD_MAX);
        file_extra_get(app, i, FILE_COL_FILE, s->extra[s->nextra].path, SETTINGS_PATH_MAX);
        s->nextra++;
    }
}

static void file_balloon(struct app *app, int id, const wchar_t *title, const wchar_t *text)
{
    EDITBALLOONTIP tip = {
            .cbStruct = sizeof tip, .pszTitle = title, .pszText = text, .ttiIcon = TTI_WARNING};
    if (id == IDC_OFFSET && !app->advanced) {
        mainwnd_show_advanced(app, true);
    }
    SetFocus(mainwnd_item(app, id));
    SendMessageW(mainwnd_item(app, id), EM_SHOWBALLOONTIP, 0, (LPARAM)&tip);
}

bool mainwnd_request_from_controls(struct app *app, struct worker_request *r)
{
    struct settings *s = &app->settings;
    uint32_t offset = 0;
    mainwnd_settings_from_controls(app);
    worker_request_default(r);
    r->kind = WORKER_FLASH;
    snprintf(r->port, sizeof r->port, "%s", s->port);
    if (r->port[0] == '\0') {
        mainwnd_problem_show(app, MAINWND_PROBLEM_NO_PORT, app->ports.hint);
        return false;
    }
    if (!file_parse_offset(s->offset, &offset)) {
        file_balloon(app, IDC_OFFSET, L"Offset",
                     L"Type an address such as 0x0: a multiple of 0x1000 below 16 MiB.");
        return false;
    }
    snprintf(r->files[0].path, sizeof r->files[0].path, "%s", app->file_path);
    r->files[0].offset = offset;
    r->nfiles = 1;
    for (size_t i = 0; i < s->nextra && r->nfiles < WORKER_FILES_MAX; i++) {
        if (file_parse_offset(s->extra[i].offset, &offset)) {
            snprintf(r->files[r->nfiles].path, sizeof r->files[0].path, "%s", s->extra[i].path);
            r->files[r->nfiles++].offset = offset;
        }
    }
    r->erase_all = s->erase_all;
    r->params.mode = IMAGE_KEEP;
    r->params.freq = IMAGE_KEEP;
    r->params.size = IMAGE_DETECT;
    image_parse_flash_mode(s->mode, &r->params.mode, NULL);
    image_parse_flash_size(s->size, &r->params.size, NULL);
    r->baud = (uint32_t)strtoul(s->baud, NULL, 10); /* "Auto" reads as 0 */
    conn_parse_before(s->before, &r->before, NULL);
    flasher_parse_after(s->after, &r->after, NULL);
    r->manual_wait_ms = FILE_MANUAL_WAIT;
    return true;
}

void mainwnd_inputs_enable(struct app *app, bool enabled)
{
    HWND focus = GetFocus();
    for (size_t i = 0; i < sizeof FILE_JOB_INPUTS / sizeof FILE_JOB_INPUTS[0]; i++) {
        EnableWindow(mainwnd_item(app, FILE_JOB_INPUTS[i]), enabled);
    }
    EnableWindow(mainwnd_item(app, IDC_CANCEL), !enabled);
    if (enabled) {
        mainwnd_file_update_flash_button(app);
    }
    mainwnd_term_update_controls(app);
    if (focus != NULL && !IsWindowEnabled(focus)) {
        SetFocus(mainwnd_item(app, enabled ? IDC_FLASH : IDC_CANCEL));
    }
}
