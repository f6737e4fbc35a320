/* SPDX-License-Identifier: MIT */
/* uidrive's commands for the terminal session: typing into the terminal pane (WM_CHAR, as the
 * keyboard would after TranslateMessage), pasting through the clipboard (WM_PASTE), menu
 * commands, the common file dialog filled in as a user would, and comparing files. */
#include "uidrive.h"

#include <stdlib.h>
#include <string.h>

#define UI_DIALOG_CLASS    L"#32770"
#define UI_FILE_NAME_COMBO 0x47c /* cmb13: the explorer-style dialog's file name */
#define UI_FILE_NAME_EDIT  0x480 /* edt1: the old-style dialog's file name */
#define UI_TEXT_MAX        65536u

/* Decodes the escapes scripts use for control characters: \r \n \t \\ \xNN. Returns the
 * length (the text may hold NUL). */
static size_t ui_unescape(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; in[i] != '\0' && n + 1u < cap; i++) {
        char c = in[i];
        if (c == '\\' && in[i + 1u] != '\0') {
            char e = in[++i];
            switch (e) {
            case 'r': c = '\r'; break;
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'x': {
                char hex[3] = {in[i + 1u], in[i + 1u] != '\0' ? in[i + 2u] : '\0', '\0'};
                c = (char)strtoul(hex, NULL, 16);
                i += strlen(hex);
                break;
            }
            default: c = e; break;
            }
        }
        out[n++] = c;
    }
    out[n] = '\0';
    return n;
}

/* UTF-8 (with escapes decoded) to UTF-16; returns the count of units or -1. */
static int ui_unescape_wide(struct ui_ctx *c, const char *in, wchar_t **out)
{
    char *bytes = malloc(UI_TEXT_MAX);
    int n = -1;
    *out = NULL;
    if (bytes != NULL) {
        size_t len = ui_unescape(in, bytes, UI_TEXT_MAX);
        *out = calloc(len + 1u, sizeof **out);
        n = *out != NULL ? MultiByteToWideChar(CP_UTF8, 0, bytes, (int)len, *out, (int)len) : -1;
        n = len == 0 ? 0 : n > 0 ? n : -1;
    }
    free(bytes);
    if (n < 0) {
        free(*out);
        *out = NULL;
        ui_fail(c, "the text \"%s\" is not UTF-8", in);
    }
    return n;
}

static HWND ui_term_target(struct ui_ctx *c, const char *name)
{
    int id = ui_id_parse(name);
    HWND h = id >= 0 && c->running ? ui_control(c, id) : NULL;
    if (h == NULL) {
        ui_fail(c, "no control %s in the window (is the application running?)", name);
    }
    return h;
}

/* type ID TEXT: each character as the WM_CHAR a key press makes (Enter = \r, Ctrl-C = \x03). */
int ui_cmd_type(struct ui_ctx *c, int argc, char **argv)
{
    HWND h = ui_term_target(c, argv[1]);
    wchar_t *text = NULL;
    int n;
    (void)argc;
    if (h == NULL || (n = ui_unescape_wide(c, argv[2], &text)) < 0) {
        return -1;
    }
    for (int i = 0; i < n; i++) {
        PostMessageW(h, WM_CHAR, text[i], 1);
    }
    free(text);
    return 0;
}

/* paste ID TEXT: TEXT on the clipboard (CF_UNICODETEXT), then WM_PASTE to the control, as the
 * context menu's Paste and Ctrl+V do. */
int ui_cmd_paste(struct ui_ctx *c, int argc, char **argv)
{
    HWND h = ui_term_target(c, argv[1]);
    wchar_t *text = NULL;
    HGLOBAL mem;
    int n;
    (void)argc;
    if (h == NULL || (n = ui_unescape_wide(c, argv[2], &text)) < 0) {
        return -1;
    }
    mem = GlobalAlloc(GMEM_MOVEABLE, ((size_t)n + 1u) * sizeof(wchar_t));
    if (mem == NULL || !OpenClipboard(NULL)) {
        free(text);
        if (mem != NULL) {
            GlobalFree(mem);
        }
        return ui_fail(c, "could not put the text on the clipboard");
    }
    memcpy(GlobalLock(mem), text, ((size_t)n + 1u) * sizeof(wchar_t));
    GlobalUnlock(mem);
    EmptyClipboard();
    if (SetClipboardData(CF_UNICODETEXT, mem) == NULL) {
        GlobalFree(mem);
    }
    CloseClipboard();
    free(text);
    PostMessageW(h, WM_PASTE, 0, 0);
    return 0;
}

/* command ID: WM_COMMAND from a menu item (the More menu's toggles and actions). */
int ui_cmd_command(struct ui_ctx *c, int argc, char **argv)
{
    int id = ui_id_parse(argv[1]);
    (void)argc;
    if (id < 0 || !c->running) {
        return ui_fail(c, "unknown command %s, or the application is not running", argv[1]);
    }
    PostMessageW(c->wnd, WM_COMMAND, MAKEWPARAM((unsigned)id, 0), 0);
    return 0;
}

struct ui_find_dialog {
    DWORD pid;
    const wchar_t *title;
    HWND found;
};

static BOOL CALLBACK ui_find_dialog(HWND h, LPARAM lp)
{
    struct ui_find_dialog *f = (struct ui_find_dialog *)lp;
    wchar_t cls[16], title[256];
    DWORD pid = 0;
    GetWindowThreadProcessId(h, &pid);
    if (pid == f->pid && IsWindowVisible(h) && GetClassNameW(h, cls, 16) > 0 &&
        wcscmp(cls, UI_DIALOG_CLASS) == 0 && GetWindowTextW(h, title, 256) > 0 &&
        wcscmp(title, f->title) == 0) {
        f->found = h;
        return FALSE;
    }
    return TRUE;
}

/* file-dialog TITLE PATH [TIMEOUT_S]: waits for the application's file dialog titled TITLE,
 * types PATH as its file name and presses its OK button. */
int ui_cmd_file_dialog(struct ui_ctx *c, int argc, char **argv)
{
    wchar_t title[256], path[UI_PATH_MAX];
    struct ui_find_dialog f = {c->pi.dwProcessId, title, NULL};
    double limit = argc > 3 ? atof(argv[3]) : UI_DEFAULT_S;
    uint64_t t0 = ui_now_ms();
    HWND name;
    if (!c->running || MultiByteToWideChar(CP_UTF8, 0, argv[1], -1, title, 256) == 0 ||
        MultiByteToWideChar(CP_UTF8, 0, argv[2], -1, path, UI_PATH_MAX) == 0) {
        return ui_fail(c, "file-dialog needs the running application, a title and a path");
    }
    while (f.found == NULL && (double)(ui_now_ms() - t0) < limit * 1000.0) {
        EnumWindows(ui_find_dialog, (LPARAM)&f);
        if (f.found == NULL) {
            Sleep(UI_POLL_MS);
        }
    }
    if (f.found == NULL) {
        return ui_fail(c, "no file dialog titled \"%s\" appeared within %.1f s", argv[1], limit);
    }
    name = GetDlgItem(f.found, UI_FILE_NAME_COMBO);
    name = name != NULL ? name : GetDlgItem(f.found, UI_FILE_NAME_EDIT);
    if (name == NULL) {
        return ui_fail(c, "the file dialog \"%s\" has no file name field", argv[1]);
    }
    SendMessageW(name, WM_SETTEXT, 0, (LPARAM)path);
    PostMessageW(f.found, WM_COMMAND, MAKEWPARAM(IDOK, BN_CLICKED),
                 (LPARAM)GetDlgItem(f.found, IDOK));
    printf("file dialog \"%s\": %s\n", argv[1], argv[2]);
    return 0;
}

static unsigned char *ui_read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *data = NULL;
    long size;
    *len = 0;
    if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)size + 1u)) != NULL) {
        *len = fread(data, 1, (size_t)size, f);
    }
    if (f != NULL) {
        fclose(f);
    }
    return data;
}

/* expect-same-file A B [TIMEOUT_S]: both files exist (waiting for B) and hold the same bytes. */
int ui_cmd_expect_same_file(struct ui_ctx *c, int argc, char **argv)
{
    double limit = argc > 3 ? atof(argv[3]) : UI_DEFAULT_S;
    uint64_t t0 = ui_now_ms();
    size_t la = 0, lb = 0;
    unsigned char *a = ui_read_all(argv[1], &la), *b = NULL;
    while ((b = ui_read_all(argv[2], &lb)) == NULL && (double)(ui_now_ms() - t0) < limit * 1000.0) {
        Sleep(UI_POLL_MS);
    }
    int rc = 0;
    if (a == NULL || b == NULL) {
        rc = ui_fail(c, "expected both %s and %s to exist", argv[1], argv[2]);
    } else if (la != lb || memcmp(a, b, la) != 0) {
        size_t at = 0;
        while (at < la && at < lb && a[at] == b[at]) {
            at++;
        }
        rc = ui_fail(c, "%s (%zu bytes) and %s (%zu bytes) differ from byte %zu", argv[1], la,
                     argv[2], lb, at);
    } else {
        printf("same file: %s = %s (%zu bytes)\n", argv[1], argv[2], la);
    }
    free(a);
    free(b);
    return rc;
}

/* tab INDEX: moves the tab control's selection with the arrow keys, as a user does, until
 * INDEX is selected (the window gets TCN_SELCHANGE each step). */
int ui_cmd_tab(struct ui_ctx *c, int argc, char **argv)
{
    HWND tabs = ui_term_target(c, "IDC_TABS");
    long want = strtol(argv[1], NULL, 10);
    uint64_t t0 = ui_now_ms();
    (void)argc;
    if (tabs == NULL) {
        return -1;
    }
    for (;;) {
        long now = (long)SendMessageW(tabs, TCM_GETCURSEL, 0, 0);
        if (now == want) {
            return 0;
        }
        if ((double)(ui_now_ms() - t0) >= UI_DEFAULT_S * 1000.0) {
            return ui_fail(c, "the tab control stayed at tab %ld, not %ld", now, want);
        }
        WPARAM vk = now < want ? VK_RIGHT : VK_LEFT;
        PostMessageW(tabs, WM_KEYDOWN, vk, 1);
        PostMessageW(tabs, WM_KEYUP, vk, (LPARAM)0xC0000001u);
        Sleep(UI_POLL_MS * 5u);
    }
}

/* wait-file-text PATH SUBSTRING [TIMEOUT_S]: the file exists and contains SUBSTRING. */
int ui_cmd_wait_file_text(struct ui_ctx *c, int argc, char **argv)
{
    double limit = argc > 3 ? atof(argv[3]) : UI_DEFAULT_S;
    uint64_t t0 = ui_now_ms();
    for (;;) {
        size_t len = 0;
        unsigned char *data = ui_read_all(argv[1], &len);
        bool found = false;
        if (data != NULL) {
            data[len] = '\0';
            found = strstr((const char *)data, argv[2]) != NULL;
            free(data);
        }
        if (found) {
            return 0;
        }
        if ((double)(ui_now_ms() - t0) >= limit * 1000.0) {
            return ui_fail(c, "expected %s to contain \"%s\" within %.1f s", argv[1], argv[2],
                           limit);
        }
        Sleep(UI_POLL_MS);
    }
}
