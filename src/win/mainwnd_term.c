/* SPDX-License-Identifier: MIT */
/* The Terminal tab: the terminal pane (termview.c) fed by the session, its buttons (Connect,
 * baud, Reset board, Bootloader, Upload, More: DTR, RTS, soft reset, session log), what the
 * user types or pastes, and the Log tab with timestamps and Save log. */
#include "mainwnd.h"
#include "termview.h"
#include "utf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_TEXT_CAP    (512u * 1024u) /* characters kept in the log */
#define LOG_TRIM_EXTRA  (16u * 1024u)  /* trimmed beyond the cap at once, so trims are rare */
#define TERM_LINE_MAX   (WINMSG_TEXT_MAX + 64u)
#define TERM_LOG_NAME   L"MicroFlash.log"
#define TERM_TEXT_NAME  L"MicroFlash-terminal.txt"
#define TERM_LOG_FILTER L"Log files (*.log;*.txt)\0*.log;*.txt\0All files\0*.*\0"
#define TERM_WRITE_MAX  256u /* a single-line paste goes out as typed text up to this size */

/* The rates offered; the REPL's first. */
static const uint32_t TERM_BAUDS[] = {SESSION_REPL_BAUD, SESSION_BOOT_BAUD, 9600u,  57600u,
                                      230400u,           460800u,           921600u};

static const struct {
    enum mf_log_level level;
    const char *prefix;
} LOG_PREFIXES[] = {
        {MF_LOG_ERROR, "error: "},
        {MF_LOG_WARN, "warning: "},
        {MF_LOG_DEBUG, "debug: "},
        {MF_LOG_TRACE, "trace: "},
};

/* The More menu: item, label, and whether it shows a check mark (and which). */
enum term_check { TERM_CHECK_NONE, TERM_CHECK_DTR, TERM_CHECK_RTS, TERM_CHECK_LOG };
static const struct {
    UINT id;
    const wchar_t *label;
    enum term_check check;
} TERM_MORE_MENU[] = {
        {IDM_TERM_DTR, L"&DTR asserted", TERM_CHECK_DTR},
        {IDM_TERM_RTS, L"&RTS asserted", TERM_CHECK_RTS},
        {IDM_TERM_SOFT_RESET, L"&Soft reset (Ctrl-D)", TERM_CHECK_NONE},
        {IDM_TERM_SESSION_LOG, L"&Log the session to a file\x2026", TERM_CHECK_LOG},
};

/* ---- Files chosen with the common dialog ---- */

/* Asks where to save and writes text there (UTF-8). */
static void term_save_text(struct app *app, const wchar_t *name, const char *text)
{
    static const struct mainwnd_path_ask ASK = {
            .save = true, .overwrite = true, .filter = TERM_LOG_FILTER, .ext = L"log"};
    wchar_t path[MAX_PATH * 2];
    HANDLE file;
    DWORD written = 0;
    wcsncpy(path, name, MAX_PATH * 2 - 1);
    path[MAX_PATH * 2 - 1] = L'\0';
    if (text == NULL || !mainwnd_ask_path(app, &ASK, path, MAX_PATH * 2)) {
        return;
    }
    file = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE ||
        !WriteFile(file, text, (DWORD)strlen(text), &written, NULL)) {
        MessageBoxW(app->hwnd, L"The text could not be saved there. Choose another folder.",
                    L"MicroFlash", MB_OK | MB_ICONWARNING);
    }
    if (file != INVALID_HANDLE_VALUE) {
        CloseHandle(file);
    }
}

/* ---- The session log ---- */

static void term_log_line(void *ctx, const char *text, size_t len)
{
    struct app *app = ctx;
    SYSTEMTIME t;
    if (app->console.log == NULL) {
        return;
    }
    GetLocalTime(&t);
    fprintf(app->console.log, "%04u-%02u-%02u %02u:%02u:%02u.%03u  %.*s\n", t.wYear, t.wMonth,
            t.wDay, t.wHour, t.wMinute, t.wSecond, t.wMilliseconds, (int)len, text);
    fflush(app->console.log);
}

static void term_log_stop(struct app *app)
{
    if (app->console.log_lines != NULL) {
        term_log_flush(app->console.log_lines);
        term_log_free(app->console.log_lines);
        app->console.log_lines = NULL;
    }
    if (app->console.log != NULL) {
        fclose(app->console.log);
        app->console.log = NULL;
    }
}

void mainwnd_term_session_log(struct app *app)
{
    static const struct mainwnd_path_ask ASK = {.save = true,
                                                .title = L"Log the session to a file",
                                                .filter = TERM_LOG_FILTER,
                                                .ext = L"log"};
    wchar_t path[MAX_PATH * 2] = L"MicroFlash-session.log";
    if (app->console.log != NULL) {
        term_log_stop(app);
        mainwnd_term_status(app, MF_LOG_INFO, "The session log is closed.");
        return;
    }
    if (!mainwnd_ask_path(app, &ASK, path, MAX_PATH * 2)) {
        return;
    }
    app->console.log = _wfopen(path, L"ab");
    app->console.log_lines = app->console.log != NULL ? term_log_new(term_log_line, app) : NULL;
    if (app->console.log_lines == NULL) {
        term_log_stop(app);
        mainwnd_term_status(app, MF_LOG_WARN,
                            "The session log could not be opened there. Choose another folder.");
        return;
    }
    mainwnd_term_status(app, MF_LOG_INFO, "Logging the session, with timestamps.");
}

/* ---- Board output ---- */

/* Shows the gathered board output at once. */
void mainwnd_term_flush(struct app *app)
{
    KillTimer(app->hwnd, MAINWND_TIMER_TERM);
    if (app->term_pending_len > 0) {
        termview_write(mainwnd_item(app, IDC_TERM), app->term_pending, app->term_pending_len);
        if (app->console.log_lines != NULL) {
            term_log_write(app->console.log_lines, app->term_pending, app->term_pending_len);
        }
        app->term_pending_len = 0;
    }
}

/* A note of our own in the pane, on a line of its own, dimmed. */
void mainwnd_term_append(struct app *app, const char *text)
{
    static const char NOTE_START[] = "\r\n\x1b[90m";
    static const char NOTE_END[] = "\x1b[0m\r\n";
    HWND view = mainwnd_item(app, IDC_TERM);
    mainwnd_term_flush(app); /* the board's output so far comes first */
    termview_write(view, NOTE_START, sizeof NOTE_START - 1u);
    termview_write(view, text, strlen(text));
    termview_write(view, NOTE_END, sizeof NOTE_END - 1u);
}

/* The ring is drained whole; the boot watch sees the bytes at once, the pane gets them at most
 * every MAINWND_TERM_MS, so the many small reads of a boot are parsed and painted together. */
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

void mainwnd_term_status(struct app *app, enum mf_log_level level, const char *text)
{
    mainwnd_set_text(app, IDC_STAGE, text);
    mainwnd_log_append(app, level, text);
}

/* ---- The session ---- */

void mainwnd_term_update_controls(struct app *app)
{
    bool job = mainwnd_job_running(app);
    bool open = app->session != NULL && !app->console.gone;
    bool idle = open && !session_busy(app->session);
    SetDlgItemTextW(app->hwnd, IDC_TERM_CONNECT,
                    app->session != NULL ? L"Disco&nnect" : L"Co&nnect");
    EnableWindow(mainwnd_item(app, IDC_TERM_CONNECT), !job);
    EnableWindow(mainwnd_item(app, IDC_TERM_RESET), idle);
    EnableWindow(mainwnd_item(app, IDC_TERM_BOOTLOADER), idle);
    EnableWindow(mainwnd_item(app, IDC_TERM_UPLOAD), idle);
    EnableWindow(mainwnd_item(app, IDC_FILES_UPLOAD), idle);
    EnableWindow(mainwnd_item(app, IDC_FILES_REFRESH), idle);
    bool selected = ListView_GetNextItem(mainwnd_item(app, IDC_FILES_LIST), -1, LVNI_SELECTED) >= 0;
    EnableWindow(mainwnd_item(app, IDC_FILES_DOWNLOAD), idle && selected);
    EnableWindow(mainwnd_item(app, IDC_FILES_DELETE), idle && selected);
}

bool mainwnd_term_connect(struct app *app, const char *port, bool reset_board)
{
    struct session_options o;
    session_options_default(&o);
    snprintf(o.port, sizeof o.port, "%s", port);
    o.baud = app->console.baud;
    o.reset_board = reset_board;
    mainwnd_term_disconnect(app);
    app->console.gone = false;
    app->console.dtr = false; /* port_open leaves both lines de-asserted: the board runs */
    app->console.rts = false;
    snprintf(app->console.port, sizeof app->console.port, "%s", port);
    if (session_start(&o, app->hwnd, &app->session) != 0) {
        app->session = NULL;
        mainwnd_term_status(app, MF_LOG_WARN, "The terminal could not start (out of memory).");
    }
    mainwnd_term_update_controls(app);
    return app->session != NULL;
}

void mainwnd_term_disconnect(struct app *app)
{
    mainwnd_term_flush(app);
    mainwnd_job_stop_session(app);
    app->console.gone = false;
    mainwnd_term_update_controls(app);
}

void mainwnd_term_connect_toggle(struct app *app)
{
    const char *port = app->settings.port;
    if (app->session != NULL) {
        mainwnd_term_disconnect(app);
        mainwnd_term_append(app, "[Disconnected: the port is free for other programs.]");
        mainwnd_term_status(app, MF_LOG_INFO, "Disconnected.");
        return;
    }
    if (mainwnd_job_running(app)) {
        return;
    }
    mainwnd_settings_from_controls(app); /* the port picked or typed */
    if (port[0] == '\0') {
        mainwnd_problem_show(app, MAINWND_PROBLEM_NO_PORT, app->ports.hint);
        return;
    }
    char text[TERM_LINE_MAX];
    snprintf(text, sizeof text, "Connecting to %s at %u baud\xe2\x80\xa6", port,
             (unsigned)app->console.baud);
    mainwnd_term_status(app, MF_LOG_INFO, text);
    if (mainwnd_term_connect(app, port, false)) {
        SetFocus(mainwnd_item(app, IDC_TERM));
    }
}

bool mainwnd_term_request(struct app *app, struct session_request *r)
{
    bool ok = false;
    if (app->session == NULL || app->console.gone) {
        mainwnd_term_status(app, MF_LOG_WARN,
                            "Not connected: press Connect on the Terminal tab first.");
    } else if (!(ok = session_request(app->session, r))) {
        mainwnd_term_status(app, MF_LOG_WARN,
                            "The terminal is still busy with the last request; try again when "
                            "it has finished.");
    }
    free(r->data);
    r->data = NULL;
    mainwnd_term_update_controls(app);
    return ok;
}

void mainwnd_term_baud_chosen(struct app *app)
{
    LRESULT i = SendMessageW(mainwnd_item(app, IDC_TERM_BAUD), CB_GETCURSEL, 0, 0);
    if (i >= 0 && (size_t)i < sizeof TERM_BAUDS / sizeof TERM_BAUDS[0]) {
        struct session_request r = {.op = SESSION_OP_BAUD, .baud = TERM_BAUDS[i]};
        app->console.baud = TERM_BAUDS[i];
        if (app->session != NULL && !app->console.gone) {
            mainwnd_term_request(app, &r);
        }
    }
}

void mainwnd_term_reset(struct app *app)
{
    struct session_request r = {.op = SESSION_OP_RESET_BOARD};
    mainwnd_term_request(app, &r);
}

void mainwnd_term_bootloader(struct app *app)
{
    struct session_request r = {.op = SESSION_OP_BOOTLOADER};
    mainwnd_term_request(app, &r);
}

void mainwnd_term_soft_reset(struct app *app)
{
    struct session_request r = {.op = SESSION_OP_SOFT_RESET};
    mainwnd_term_request(app, &r);
}

static void term_set_lines(struct app *app, bool dtr, bool rts)
{
    struct session_request r = {.op = SESSION_OP_LINES, .dtr = dtr, .rts = rts};
    app->console.dtr = dtr;
    app->console.rts = rts;
    mainwnd_term_request(app, &r);
}

void mainwnd_term_toggle_dtr(struct app *app)
{
    term_set_lines(app, !app->console.dtr, app->console.rts);
}

void mainwnd_term_toggle_rts(struct app *app)
{
    term_set_lines(app, app->console.dtr, !app->console.rts);
}

void mainwnd_term_more(struct app *app)
{
    HMENU menu = CreatePopupMenu();
    RECT r;
    if (menu == NULL) {
        return;
    }
    for (size_t i = 0; i < sizeof TERM_MORE_MENU / sizeof TERM_MORE_MENU[0]; i++) {
        bool checked = false;
        switch (TERM_MORE_MENU[i].check) {
        case TERM_CHECK_NONE: break;
        case TERM_CHECK_DTR: checked = app->console.dtr; break;
        case TERM_CHECK_RTS: checked = app->console.rts; break;
        case TERM_CHECK_LOG: checked = app->console.log != NULL; break;
        }
        bool needs_port = TERM_MORE_MENU[i].check != TERM_CHECK_LOG;
        UINT flags = MF_STRING | (checked ? MF_CHECKED : 0u) |
                     (needs_port && app->session == NULL ? MF_GRAYED : 0u);
        AppendMenuW(menu, flags, TERM_MORE_MENU[i].id, TERM_MORE_MENU[i].label);
    }
    GetWindowRect(mainwnd_item(app, IDC_TERM_MORE), &r);
    TrackPopupMenu(menu, TPM_LEFTALIGN | TPM_BOTTOMALIGN, r.left, r.top, 0, app->hwnd, NULL);
    DestroyMenu(menu);
}

/* ---- What the user types, pastes, drops ---- */

static void term_paste(struct app *app, const char *text, size_t len)
{
    if (memchr(text, '\n', len) == NULL && len <= TERM_WRITE_MAX) {
        if (app->session == NULL || !session_write(app->session, text, len)) {
            mainwnd_term_status(app, MF_LOG_WARN,
                                "Not connected: press Connect on the Terminal tab first.");
        }
        return;
    }
    /* More than one line: through paste mode, so the board keeps the indentation. */
    struct session_request r = {.op = SESSION_OP_PASTE, .data = malloc(len), .len = len};
    if (r.data != NULL) {
        memcpy(r.data, text, len);
        mainwnd_term_request(app, &r);
    }
}

void mainwnd_term_notify(struct app *app, const NMHDR *hdr)
{
    const struct termview_bytes *b = (const struct termview_bytes *)hdr;
    switch (hdr->code) {
    case TVN_INPUT:
        if (app->session != NULL) {
            session_write(app->session, b->bytes, b->len);
        }
        break;
    case TVN_PASTE: term_paste(app, b->bytes, b->len); break;
    case TVN_SAVE: {
        size_t len = 0;
        char *text = termview_text(mainwnd_item(app, IDC_TERM), &len);
        term_save_text(app, TERM_TEXT_NAME, text);
        free(text);
        break;
    }
    case TVN_DROP: mainwnd_files_upload_path(app, ((const struct termview_drop *)hdr)->path); break;
    default: break;
    }
}

/* ---- What the session reports ---- */

void mainwnd_term_state(struct app *app, const struct winmsg_term_state *t)
{
    char text[TERM_LINE_MAX];
    switch (t->event) {
    case WINMSG_TERM_BACK:
        app->console.gone = false;
        mainwnd_term_append(app, "[The board is back: connected again.]");
        mainwnd_term_status(app, MF_LOG_INFO, t->text);
        break;
    case WINMSG_TERM_GONE:
        app->console.gone = true;
        mainwnd_term_append(app, "[The board was unplugged. Plug it back in: MicroFlash "
                                 "connects again by itself.]");
        mainwnd_term_status(app, MF_LOG_WARN, "The board was unplugged.");
        break;
    case WINMSG_TERM_FAILED:
        snprintf(text, sizeof text, "The terminal could not open the port: %s", t->text);
        mainwnd_term_status(app, MF_LOG_WARN, text);
        mainwnd_term_disconnect(app);
        break;
    case WINMSG_TERM_OPENED:
    case WINMSG_TERM_BAUD:
    case WINMSG_TERM_CLOSED: break;
    }
    mainwnd_term_update_controls(app);
}

/* Progress and ends of session_request work. */
void mainwnd_term_op(struct app *app, struct winmsg_term_op *m)
{
    if (!m->done) {
        char text[TERM_LINE_MAX];
        snprintf(text, sizeof text, "%s %s: %zu of %zu bytes",
                 m->op == SESSION_OP_FS_GET ? "Downloading" : "Uploading", m->path, m->progress,
                 m->total);
        mainwnd_set_text(app, IDC_STAGE, text);
        SendMessageW(mainwnd_item(app, IDC_PROGRESS), PBM_SETPOS,
                     m->total > 0 ? (WPARAM)(m->progress * 1000u / m->total) : 0, 0);
        return;
    }
    switch (m->op) {
    case SESSION_OP_FS_LIST:
    case SESSION_OP_FS_PUT:
    case SESSION_OP_FS_GET:
    case SESSION_OP_FS_REMOVE: mainwnd_files_op(app, m); break;
    default: mainwnd_term_status(app, m->ok ? MF_LOG_INFO : MF_LOG_WARN, m->text); break;
    }
    mainwnd_term_update_controls(app);
}

/* ---- Set-up ---- */

void mainwnd_term_init(struct app *app)
{
    HWND baud = mainwnd_item(app, IDC_TERM_BAUD);
    SendMessageW(mainwnd_item(app, IDC_LOG), EM_SETLIMITTEXT, LOG_TEXT_CAP + LOG_TRIM_EXTRA * 2u,
                 0);
    for (size_t i = 0; i < sizeof TERM_BAUDS / sizeof TERM_BAUDS[0]; i++) {
        wchar_t text[16];
        swprintf(text, sizeof text / sizeof text[0], L"%u", (unsigned)TERM_BAUDS[i]);
        SendMessageW(baud, CB_ADDSTRING, 0, (LPARAM)text);
    }
    SendMessageW(baud, CB_SETCURSEL, 0, 0);
    app->console.baud = TERM_BAUDS[0];
    mainwnd_files_init(app);
    mainwnd_term_update_controls(app);
}

void mainwnd_term_free(struct app *app)
{
    term_log_stop(app);
}

/* ---- The log ---- */

/* Appends wide text at the end of an edit, dropping the oldest lines above `cap` characters. */
static void log_edit_append(HWND edit, const wchar_t *text, size_t cap)
{
    int len = GetWindowTextLengthW(edit);
    if ((size_t)len + wcslen(text) > cap) {
        SendMessageW(edit, EM_SETSEL, 0, (LPARAM)(wcslen(text) + LOG_TRIM_EXTRA));
        SendMessageW(edit, EM_REPLACESEL, FALSE, (LPARAM)L"");
        len = GetWindowTextLengthW(edit);
    }
    SendMessageW(edit, EM_SETSEL, (WPARAM)len, (LPARAM)len);
    SendMessageW(edit, EM_REPLACESEL, FALSE, (LPARAM)text);
    SendMessageW(edit, EM_SCROLLCARET, 0, 0);
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
        log_edit_append(mainwnd_item(app, IDC_LOG), wide, LOG_TEXT_CAP);
    }
}

char *mainwnd_log_text(struct app *app)
{
    return utf_window_text(mainwnd_item(app, IDC_LOG));
}

void mainwnd_log_save(struct app *app)
{
    char *text = mainwnd_log_text(app);
    term_save_text(app, TERM_LOG_NAME, text);
    free(text);
}
