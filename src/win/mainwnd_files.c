/* SPDX-License-Identifier: MIT */
/* The "Files on the board" tab: MicroPython's filesystem listed through the session (src/mpy on
 * the reader thread), with Upload (also a .py dropped on the terminal), Download, Delete and
 * Refresh. */
#include "mainwnd.h"
#include "utf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILES_UPLOAD_MAX (1024u * 1024u) /* an ESP8266's filesystem holds less than this free */
#define FILES_ROOT       "/"
#define FILES_FILTER                                                                               \
    L"MicroPython files (*.py;*.mpy;*.json;*.txt)\0*.py;*.mpy;*.json;*.txt\0All files\0*.*\0"
#define FILES_TEXT_MAX 768u

static const struct {
    const wchar_t *title;
    int width; /* pixels at 96 DPI */
    int format;
} FILES_COLUMNS[] = {
        {L"Name", 220, LVCFMT_LEFT},
        {L"Size", 90, LVCFMT_RIGHT},
};

void mainwnd_files_init(struct app *app)
{
    HWND list = mainwnd_item(app, IDC_FILES_LIST);
    UINT dpi = app->dpi != 0 ? app->dpi : USER_DEFAULT_SCREEN_DPI;
    ListView_SetExtendedListViewStyle(list, LVS_EX_FULLROWSELECT | LVS_EX_DOUBLEBUFFER);
    for (size_t i = 0; i < sizeof FILES_COLUMNS / sizeof FILES_COLUMNS[0]; i++) {
        LVCOLUMNW c = {.mask = LVCF_TEXT | LVCF_WIDTH | LVCF_FMT,
                       .fmt = FILES_COLUMNS[i].format,
                       .cx = MulDiv(FILES_COLUMNS[i].width, (int)dpi, USER_DEFAULT_SCREEN_DPI),
                       .pszText = (wchar_t *)FILES_COLUMNS[i].title};
        SendMessageW(list, LVM_INSERTCOLUMNW, i, (LPARAM)&c);
    }
    snprintf(app->console.files_dir, sizeof app->console.files_dir, "%s", FILES_ROOT);
}

/* The board path of a name in the folder shown. */
static void files_board_path(const struct app *app, const char *name, char *out, size_t max)
{
    const char *dir = app->console.files_dir;
    size_t n = strlen(dir);
    snprintf(out, max, "%s%s%s", dir, n > 0 && dir[n - 1u] == '/' ? "" : "/", name);
}

/* The name of the selected file (UTF-8); false when none is selected. */
static bool files_selected(const struct app *app, char *out, size_t max)
{
    HWND list = mainwnd_item(app, IDC_FILES_LIST);
    int i = ListView_GetNextItem(list, -1, LVNI_SELECTED);
    wchar_t name[MAX_PATH];
    if (i < 0) {
        return false;
    }
    ListView_GetItemText(list, i, 0, name, MAX_PATH);
    return utf_narrow_buf(name, out, max);
}

void mainwnd_files_refresh(struct app *app)
{
    struct session_request r = {.op = SESSION_OP_FS_LIST};
    snprintf(r.path, sizeof r.path, "%s", app->console.files_dir);
    mainwnd_term_request(app, &r);
}

void mainwnd_files_upload_path(struct app *app, const wchar_t *path)
{
    struct session_request r = {.op = SESSION_OP_FS_PUT};
    struct mf_error e;
    char *narrow = utf_narrow(path);
    uint8_t *data = NULL;
    size_t size = 0;
    const wchar_t *base = wcsrchr(path, L'\\');
    char name[SESSION_PATH_MAX];
    if (narrow == NULL || !utf_narrow_buf(base != NULL ? base + 1 : path, name, sizeof name)) {
        free(narrow);
        return;
    }
    WIN32_FILE_ATTRIBUTE_DATA info;
    if (GetFileAttributesExW(path, GetFileExInfoStandard, &info) &&
        (info.nFileSizeHigh != 0 || info.nFileSizeLow > FILES_UPLOAD_MAX)) {
        char text[FILES_TEXT_MAX];
        snprintf(text, sizeof text,
                 "%s is larger than 1 MiB, more than an ESP8266's filesystem has room for. "
                 "Choose a smaller file.",
                 name);
        mainwnd_term_status(app, MF_LOG_WARN, text);
        free(narrow);
        return;
    }
    if (utf_read_file(narrow, FILES_UPLOAD_MAX, &data, &size, &e) != MF_OK) {
        mainwnd_term_status(app, MF_LOG_WARN, e.message);
        free(narrow);
        return;
    }
    free(narrow);
    files_board_path(app, name, r.path, sizeof r.path);
    r.data = (char *)data;
    r.len = size;
    if (mainwnd_term_request(app, &r)) {
        char text[FILES_TEXT_MAX];
        snprintf(text, sizeof text, "Uploading %s (%zu bytes)\xe2\x80\xa6", r.path, size);
        mainwnd_term_status(app, MF_LOG_INFO, text);
    }
}

void mainwnd_files_upload(struct app *app)
{
    static const struct mainwnd_path_ask ASK = {.title = L"Upload a file to the board",
                                                .filter = FILES_FILTER};
    wchar_t path[MAX_PATH * 2] = L"";
    if (mainwnd_ask_path(app, &ASK, path, MAX_PATH * 2)) {
        mainwnd_files_upload_path(app, path);
    }
}

void mainwnd_files_download(struct app *app)
{
    struct session_request r = {.op = SESSION_OP_FS_GET};
    char name[SESSION_PATH_MAX];
    static const struct mainwnd_path_ask ASK = {.save = true,
                                                .overwrite = true,
                                                .title = L"Download a file from the board",
                                                .filter = FILES_FILTER};
    wchar_t path[MAX_PATH * 2];
    if (!files_selected(app, name, sizeof name) || !utf_wide_buf(name, path, MAX_PATH * 2) ||
        !mainwnd_ask_path(app, &ASK, path, MAX_PATH * 2)) {
        return;
    }
    files_board_path(app, name, r.path, sizeof r.path);
    wcsncpy(app->console.download_to, path, MAX_PATH - 1);
    app->console.download_to[MAX_PATH - 1] = L'\0';
    mainwnd_term_request(app, &r);
}

void mainwnd_files_delete(struct app *app)
{
    struct session_request r = {.op = SESSION_OP_FS_REMOVE};
    char name[SESSION_PATH_MAX];
    if (files_selected(app, name, sizeof name)) {
        files_board_path(app, name, r.path, sizeof r.path);
        mainwnd_term_request(app, &r);
    }
}

void mainwnd_files_notify(struct app *app, const NMHDR *hdr)
{
    if (hdr->code == LVN_ITEMCHANGED) {
        mainwnd_term_update_controls(app);
    } else if (hdr->code == NM_DBLCLK) {
        mainwnd_files_download(app);
    }
}

/* Fills the list (and names each file in the log); selects the file just uploaded, else keeps
 * the selection. */
static void files_show(struct app *app, const struct mpy_entry *entries, size_t count)
{
    HWND list = mainwnd_item(app, IDC_FILES_LIST);
    if (app->console.files_select[0] == '\0') {
        files_selected(app, app->console.files_select, sizeof app->console.files_select);
    }
    ListView_DeleteAllItems(list);
    for (size_t i = 0; i < count; i++) {
        wchar_t name[MAX_PATH];
        wchar_t size[32];
        char line[FILES_TEXT_MAX];
        LVITEMW item = {.mask = LVIF_TEXT, .iItem = (int)i, .pszText = name};
        if (!utf_wide_buf(entries[i].name, name, MAX_PATH - 1)) {
            continue;
        }
        if (entries[i].is_dir) {
            wcscat(name, L"/");
            size[0] = L'\0';
            snprintf(line, sizeof line, "  %s/", entries[i].name);
        } else {
            swprintf(size, sizeof size / sizeof size[0], L"%u", (unsigned)entries[i].size);
            snprintf(line, sizeof line, "  %s  %u bytes", entries[i].name,
                     (unsigned)entries[i].size);
        }
        mainwnd_log_append(app, MF_LOG_INFO, line);
        int at = (int)SendMessageW(list, LVM_INSERTITEMW, 0, (LPARAM)&item);
        ListView_SetItemText(list, at, 1, size);
        if (strcmp(entries[i].name, app->console.files_select) == 0) {
            ListView_SetItemState(list, at, LVIS_SELECTED | LVIS_FOCUSED,
                                  LVIS_SELECTED | LVIS_FOCUSED);
            ListView_EnsureVisible(list, at, FALSE);
        }
    }
    app->console.files_select[0] = '\0';
}

/* Writes a downloaded file where the user asked. */
static bool files_save(struct app *app, const char *data, size_t len)
{
    HANDLE file = CreateFileW(app->console.download_to, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                              FILE_ATTRIBUTE_NORMAL, NULL);
    DWORD written = 0;
    bool ok = file != INVALID_HANDLE_VALUE && len <= MAXDWORD &&
              WriteFile(file, data, (DWORD)len, &written, NULL) && written == len;
    if (file != INVALID_HANDLE_VALUE) {
        CloseHandle(file);
    }
    return ok;
}

void mainwnd_files_op(struct app *app, struct winmsg_term_op *m)
{
    char text[FILES_TEXT_MAX];
    bool refresh = false;
    snprintf(text, sizeof text, "%s", m->text);
    if (m->ok) {
        switch (m->op) {
        case SESSION_OP_FS_LIST:
            files_show(app, m->entries, m->count);
            snprintf(text, sizeof text, "%zu files on the board in %s.", m->count, m->path);
            break;
        case SESSION_OP_FS_PUT: {
            const char *base = strrchr(m->path, '/');
            snprintf(app->console.files_select, sizeof app->console.files_select, "%s",
                     base != NULL ? base + 1 : m->path);
            snprintf(text, sizeof text, "Uploaded %s: its size on the board is checked.", m->path);
            refresh = true;
            break;
        }
        case SESSION_OP_FS_GET:
            if (files_save(app, m->data, m->len)) {
                snprintf(text, sizeof text, "Downloaded %s (%zu bytes).", m->path, m->len);
            } else {
                snprintf(text, sizeof text,
                         "Downloaded %s, but it could not be saved there. "
                         "Choose another folder.",
                         m->path);
            }
            break;
        case SESSION_OP_FS_REMOVE:
            snprintf(text, sizeof text, "Deleted %s.", m->path);
            refresh = true;
            break;
        default: break;
        }
    }
    SendMessageW(mainwnd_item(app, IDC_PROGRESS), PBM_SETPOS, m->ok ? 1000 : 0, 0);
    mainwnd_term_status(app, m->ok ? MF_LOG_INFO : MF_LOG_WARN, text);
    free(m->entries);
    free(m->data);
    m->entries = NULL;
    m->data = NULL;
    if (refresh) {
        mainwnd_term_update_controls(app); /* the session is free again before the next ask */
        mainwnd_files_refresh(app);
    }
}
