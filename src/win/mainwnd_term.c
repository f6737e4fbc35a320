/* SPDX-License-Identifier: MIT */
/* The terminal pane (for now a read-only EDIT: board output appended, typed keys sent to the
 * board through the session) and the log pane with timestamps, Save log. */
#include "mainwnd.h"
#include "utf.h"

#include <commdlg.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TERM_TEXT_CAP   (256u * 1024u) /* characters kept in the terminal pane */
#define LOG_TEXT_CAP    (512u * 1024u) /* ... and in the log */
#define TERM_TRIM_EXTRA (16u * 1024u)  /* trimmed beyond the cap at once, so trims are rare */
#define TERM_PASTE_MAX  (64u * 1024u)
#define TERM_SUBCLASS   1u
#define TERM_FG         RGB(0xE0, 0xE0, 0xE0)
#define TERM_BG         RGB(0x1E, 0x1E, 0x1E)
#define TERM_CTRL_V     0x16
#define TERM_ESC        0x1B
#define TERM_LINE_MAX   (WINMSG_TEXT_MAX + 64u)
#define TERM_LOG_NAME   L"MicroFlash.log"
#define TERM_LOG_FILTER L"Log files (*.log;*.txt)\0*.log;*.txt\0All files\0*.*\0"

/* Escape sequences from the board are dropped until issue 7's terminal model draws them. */
enum term_escape_state {
    TERM_ESC_NONE = 0,
    TERM_ESC_START, /* after ESC */
    TERM_ESC_CSI,   /* after ESC [ */
};

/* Keys that send VT100 sequences to the board. */
static const struct {
    WPARAM vk;
    const char *bytes;
} TERM_KEYS[] = {
        {VK_UP, "\x1b[A"},   {VK_DOWN, "\x1b[B"}, {VK_RIGHT, "\x1b[C"},   {VK_LEFT, "\x1b[D"},
        {VK_HOME, "\x1b[H"}, {VK_END, "\x1b[F"},  {VK_DELETE, "\x1b[3~"},
};

static const struct {
    enum mf_log_level level;
    const char *prefix;
} LOG_PREFIXES[] = {
        {MF_LOG_ERROR, "error: "},
        {MF_LOG_WARN, "warning: "},
        {MF_LOG_DEBUG, "debug: "},
        {MF_LOG_TRACE, "trace: "},
};

/* Appends wide text at the end of an edit, dropping the oldest lines above `cap` characters. */
static void term_edit_append(HWND edit, const wchar_t *text, size_t cap)
{
    int len = GetWindowTextLengthW(edit);
    if ((size_t)len + wcslen(text) > cap) {
        SendMessageW(edit, EM_SETSEL, 0, (LPARAM)(wcslen(text) + TERM_TRIM_EXTRA));
        SendMessageW(edit, EM_REPLACESEL, FALSE, (LPARAM)L"");
        len = GetWindowTextLengthW(edit);
    }
    SendMessageW(edit, EM_SETSEL, (WPARAM)len, (LPARAM)len);
    SendMessageW(edit, EM_REPLACESEL, FALSE, (LPARAM)text);
    SendMessageW(edit, EM_SCROLLCARET, 0, 0);
}

/* Backspace moves back over one character of the last line (never across a line end). */
static void term_backspace(HWND edit)
{
    int len = GetWindowTextLengthW(edit);
    LRESULT line = SendMessageW(edit, EM_LINEFROMCHAR, (WPARAM)len, 0);
    LRESULT start = SendMessageW(edit, EM_LINEINDEX, (WPARAM)line, 0);
    if (len > 0 && start >= 0 && start < len) {
        SendMessageW(edit, EM_SETSEL, (WPARAM)(len - 1), (LPARAM)len);
        SendMessageW(edit, EM_REPLACESEL, FALSE, (LPARAM)L"");
    }
}

/* Keeps printable text, turns \n into \r\n, acts on \b, drops \r and escape sequences. */
static void term_show(struct app *app, const wchar_t *in)
{
    HWND edit = mainwnd_item(app, IDC_TERM);
    size_t n = wcslen(in);
    wchar_t *out = malloc((n * 2u + 1u) * sizeof *out);
    size_t o = 0;
    if (out == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        wchar_t c = in[i];
        if (app->term_escape == TERM_ESC_START) {
            app->term_escape = c == L'[' ? TERM_ESC_CSI : TERM_ESC_NONE;
        } else if (app->term_escape == TERM_ESC_CSI) {
            app->term_escape = c >= 0x40 && c <= 0x7E ? TERM_ESC_NONE : TERM_ESC_CSI;
        } else if (c == TERM_ESC) {
            app->term_escape = TERM_ESC_START;
        } else if (c == L'\n') {
            out[o++] = L'\r';
            out[o++] = L'\n';
        } else if (c == L'\b') {
            out[o] = L'\0';
            term_edit_append(edit, out, TERM_TEXT_CAP);
            o = 0;
            term_backspace(edit);
        } else if (c == L'\t' || c >= L' ') {
            out[o++] = c;
        }
    }
    out[o] = L'\0';
    if (o > 0) {
        term_edit_append(edit, out, TERM_TEXT_CAP);
    }
    free(out);
}

static void term_show_utf8(struct app *app, const char *text)
{
    wchar_t *wide = utf_wide(text);
    if (wide != NULL) {
        term_show(app, wide);
    }
    free(wide);
}

/* Bytes from the board: whole UTF-8 characters now, an incomplete one with the next bytes. */
static void term_bytes(struct app *app, const char *data, size_t len)
{
    char *buf = malloc(app->term_carry_len + len + 1u);
    if (buf == NULL) {
        return;
    }
    memcpy(buf, app->term_carry, app->term_carry_len);
    memcpy(buf + app->term_carry_len, data, len);
    size_t total = app->term_carry_len + len;
    size_t whole = utf_complete_length(buf, total);
    app->term_carry_len = total - whole;
    memcpy(app->term_carry, buf + whole, app->term_carry_len);
    buf[whole] = '\0';
    /* NULs from a board would cut the text short: show them as nothing. */
    for (size_t i = 0; i < whole; i++) {
        buf[i] = buf[i] == '\0' ? '\x7f' : buf[i];
    }
    term_show_utf8(app, buf);
    free(buf);
}

/* Shows the gathered board output with one edit of the pane. */
void mainwnd_term_flush(struct app *app)
{
    KillTimer(app->hwnd, MAINWND_TIMER_TERM);
    if (app->term_pending_len > 0) {
        term_bytes(app, app->term_pending, app->term_pending_len);
        app->term_pending_len = 0;
    }
}

void mainwnd_term_append(struct app *app, const char *text)
{
    mainwnd_term_flush(app); /* the board's output so far comes first */
    term_show_utf8(app, text);
}

/* The ring is drained whole; the boot watch sees the bytes at once, the pane gets them at most
 * every MAINWND_TERM_MS: each edit of a long text costs milliseconds, so gathering the many small
 * reads of a boot into a few edits keeps the UI thread quick. */
void mainwnd_term_drain(struct app *app)
{
    size_t got;
    if (app->session == NULL) {
        return;
    }
    for (;;) {
        if (app->term_pending_len == sizeof app->term_pending) {
            mainwnd_term_flush(app);
        }
        size_t room = sizeof app->term_pending - app->term_pending_len;
        char *at = app->term_pending + app->term_pending_len;
        if ((got = session_drain(app->session, at, room)) == 0) {
            break;
        }
        mainwnd_job_boot_output(app, at, got);
        if (app->term_pending_len == 0) {
            SetTimer(app->hwnd, MAINWND_TIMER_TERM, MAINWND_TERM_MS, NULL);
        }
        app->term_pending_len += got;
    }
}

static void term_send(struct app *app, const char *bytes, size_t len)
{
    if (app->session != NULL && len > 0) {
        session_write(app->session, bytes, len);
    }
}

/* Clipboard text to the board, each line ended by \r as the Enter key does. */
static void term_paste(struct app *app)
{
    HANDLE data;
    char *text = NULL;
    if (app->session == NULL || !OpenClipboard(app->hwnd)) {
        return;
    }
    if ((data = GetClipboardData(CF_UNICODETEXT)) != NULL) {
        const wchar_t *wide = GlobalLock(data);
        text = wide != NULL ? utf_narrow(wide) : NULL;
        GlobalUnlock(data);
    }
    CloseClipboard();
    if (text != NULL) {
        size_t o = 0;
        for (size_t i = 0; text[i] != '\0' && o < TERM_PASTE_MAX; i++) {
            if (text[i] == '\r' && text[i + 1u] == '\n') {
                continue;
            }
            text[o++] = text[i] == '\n' ? '\r' : text[i];
        }
        term_send(app, text, o);
    }
    free(text);
}

static void term_char(struct app *app, wchar_t c)
{
    wchar_t pair[3] = {c, L'\0', L'\0'};
    char bytes[8];
    if (c >= 0xD800 && c <= 0xDBFF) {
        app->term_surrogate = c;
        return;
    }
    if (c >= 0xDC00 && c <= 0xDFFF && app->term_surrogate != 0) {
        pair[0] = app->term_surrogate;
        pair[1] = c;
    }
    app->term_surrogate = 0;
    if (utf_narrow_buf(pair, bytes, sizeof bytes)) {
        term_send(app, bytes, strlen(bytes));
    }
}

static bool term_key(struct app *app, WPARAM vk)
{
    bool ctrl = GetKeyState(VK_CONTROL) < 0;
    bool shift = GetKeyState(VK_SHIFT) < 0;
    if (app->session == NULL || ctrl) {
        return false; /* Ctrl+arrows, Ctrl+Home ... move in the text */
    }
    if (vk == VK_INSERT && shift) {
        term_paste(app);
        return true;
    }
    for (size_t i = 0; i < sizeof TERM_KEYS / sizeof TERM_KEYS[0]; i++) {
        if (TERM_KEYS[i].vk == vk) {
            term_send(app, TERM_KEYS[i].bytes, strlen(TERM_KEYS[i].bytes));
            return true;
        }
    }
    return false;
}

static LRESULT CALLBACK term_proc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp, UINT_PTR id,
                                  DWORD_PTR ref)
{
    struct app *app = (struct app *)ref;
    const MSG *m = (const MSG *)lp;
    (void)id;
    switch (msg) {
    case WM_GETDLGCODE:
        /* Enter, Esc and Backspace go to the board; Tab still moves to the next control. */
        return DLGC_WANTCHARS | DLGC_WANTARROWS |
               (m != NULL && m->message == WM_KEYDOWN &&
                                (m->wParam == VK_RETURN || m->wParam == VK_ESCAPE ||
                                 m->wParam == VK_BACK)
                        ? DLGC_WANTMESSAGE
                        : 0);
    case WM_CHAR:
        if (wp == TERM_CTRL_V) {
            term_paste(app);
        } else {
            term_char(app, (wchar_t)wp);
        }
        return 0;
    case WM_KEYDOWN:
        if (term_key(app, wp)) {
            return 0;
        }
        break;
    case WM_PASTE: term_paste(app); return 0;
    case WM_NCDESTROY: RemoveWindowSubclass(hwnd, term_proc, TERM_SUBCLASS); break;
    default: break;
    }
    return DefSubclassProc(hwnd, msg, wp, lp);
}

void mainwnd_term_init(struct app *app)
{
    HWND term = mainwnd_item(app, IDC_TERM);
    SendMessageW(term, EM_SETLIMITTEXT, TERM_TEXT_CAP + TERM_TRIM_EXTRA * 2u, 0);
    SendMessageW(mainwnd_item(app, IDC_LOG), EM_SETLIMITTEXT, LOG_TEXT_CAP + TERM_TRIM_EXTRA * 2u,
                 0);
    SetWindowSubclass(term, term_proc, TERM_SUBCLASS, (DWORD_PTR)app);
    app->brush_term = CreateSolidBrush(TERM_BG);
}

HBRUSH mainwnd_term_colors(struct app *app, HDC dc, HWND control)
{
    if (control != mainwnd_item(app, IDC_TERM) || app->brush_term == NULL) {
        return NULL;
    }
    SetTextColor(dc, TERM_FG);
    SetBkColor(dc, TERM_BG);
    return app->brush_term;
}

void mainwnd_log_append(struct app *app, enum mf_log_level level, const char *text)
{
    SYSTEMTIME t;
    char line[TERM_LINE_MAX];
    wchar_t wide[TERM_LINE_MAX];
    const char *prefix = "";
    GetLocalTime(&t);
    for (size_t i = 0; i < sizeof LOG_PREFIXES / sizeof LOG_PREFIXES[0]; i++) {
        prefix = LOG_PREFIXES[i].level == level ? LOG_PREFIXES[i].prefix : prefix;
    }
    snprintf(line, sizeof line, "%02u:%02u:%02u.%03u %s%s\r\n", t.wHour, t.wMinute, t.wSecond,
             t.wMilliseconds, prefix, text);
    if (utf_wide_buf(line, wide, TERM_LINE_MAX)) {
        term_edit_append(mainwnd_item(app, IDC_LOG), wide, LOG_TEXT_CAP);
    }
}

char *mainwnd_log_text(struct app *app)
{
    return utf_window_text(mainwnd_item(app, IDC_LOG));
}

void mainwnd_log_save(struct app *app)
{
    wchar_t path[MAX_PATH * 2] = TERM_LOG_NAME;
    OPENFILENAMEW ofn = {
            .lStructSize = sizeof ofn,
            .hwndOwner = app->hwnd,
            .lpstrFilter = TERM_LOG_FILTER,
            .lpstrFile = path,
            .nMaxFile = MAX_PATH * 2,
            .lpstrDefExt = L"log",
            .Flags = OFN_OVERWRITEPROMPT | OFN_PATHMUSTEXIST | OFN_NOCHANGEDIR,
    };
    char *text = NULL;
    HANDLE file = INVALID_HANDLE_VALUE;
    DWORD written = 0;
    if (!GetSaveFileNameW(&ofn) || (text = mainwnd_log_text(app)) == NULL) {
        goto out;
    }
    file = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE ||
        !WriteFile(file, text, (DWORD)strlen(text), &written, NULL)) {
        MessageBoxW(app->hwnd, L"The log could not be saved there. Choose another folder.",
                    L"MicroFlash", MB_OK | MB_ICONWARNING);
    }
out:
    if (file != INVALID_HANDLE_VALUE) {
        CloseHandle(file);
    }
    free(text);
}
