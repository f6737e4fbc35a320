/* SPDX-License-Identifier: MIT */
/* mflash on Windows, the only file with windows.h: the console's Ctrl-C handler sets the one
 * cancel flag, UTF-8 console output, UTF-8 arguments and file names (wide APIs underneath), and
 * the raw VT console of `repl`. */
#include "cli_platform.h"

#include <windows.h>
#include <shellapi.h>
#include <io.h>
#include <stdlib.h>

/* Console modes of Windows 10 and later (older SDK headers lack them). */
#ifndef ENABLE_VIRTUAL_TERMINAL_INPUT
#define ENABLE_VIRTUAL_TERMINAL_INPUT 0x0200
#endif
#ifndef ENABLE_VIRTUAL_TERMINAL_PROCESSING
#define ENABLE_VIRTUAL_TERMINAL_PROCESSING 0x0004
#endif

#define CLI_TERM_RECORDS   64u /* console input records taken at a time */
#define CLI_TERM_UTF8_MAX  4u  /* bytes of one character in UTF-8 */
#define CLI_TERM_PIPE_STEP 2u  /* ms between looks at a pipe that has nothing */

/* Ctrl-C/Ctrl-Break/close events so far. The only mutable file-scope state of mflash: the
 * console handler runs on its own thread and can reach nothing else. The job copies it into its
 * own cancel flag (cli_cmds.c). */
static volatile LONG cli_ctrl_events;

static BOOL WINAPI cli_console_on_ctrl(DWORD type)
{
    BOOL handled = FALSE;
    if (type == CTRL_C_EVENT || type == CTRL_BREAK_EVENT || type == CTRL_CLOSE_EVENT) {
        /* The first press asks the job to stop; a second one lets Windows end the program. */
        handled = InterlockedIncrement(&cli_ctrl_events) == 1 ? TRUE : FALSE;
    }
    return handled;
}

void cli_platform_init(void)
{
    SetConsoleCtrlHandler(cli_console_on_ctrl, TRUE);
    SetConsoleOutputCP(CP_UTF8);
}

bool cli_platform_cancel_requested(void)
{
    return InterlockedCompareExchange(&cli_ctrl_events, 0, 0) != 0;
}

bool cli_platform_is_terminal(FILE *f)
{
    return _isatty(_fileno(f)) != 0;
}

static char *cli_console_utf8(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *s = n > 0 ? malloc((size_t)n) : NULL;
    if (s != NULL && WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL) != n) {
        free(s);
        s = NULL;
    }
    return s;
}

static wchar_t *cli_console_wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
    if (w != NULL && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        free(w);
        w = NULL;
    }
    return w;
}

void cli_platform_argv_free(char **utf8_argv, char **argv)
{
    if (utf8_argv != NULL && utf8_argv != argv) {
        for (size_t i = 0; utf8_argv[i] != NULL; i++) {
            free(utf8_argv[i]);
        }
        free(utf8_argv);
    }
}

char **cli_platform_argv(int *argc, char **argv)
{
    int n = 0;
    wchar_t **wargv = CommandLineToArgvW(GetCommandLineW(), &n);
    char **out = wargv != NULL && n > 0 ? calloc((size_t)n + 1u, sizeof *out) : NULL;
    bool ok = out != NULL;
    for (int i = 0; ok && i < n; i++) {
        out[i] = cli_console_utf8(wargv[i]);
        ok = out[i] != NULL;
    }
    if (ok) {
        *argc = n;
    } else {
        cli_platform_argv_free(out, NULL);
        out = argv;
    }
    if (wargv != NULL) {
        LocalFree(wargv);
    }
    return out;
}

FILE *cli_platform_fopen(const char *name, const char *mode)
{
    wchar_t *wname = cli_console_wide(name);
    wchar_t *wmode = cli_console_wide(mode);
    FILE *f = NULL;
    if (wname != NULL && wmode != NULL) {
        f = _wfopen(wname, wmode);
    } else {
        f = fopen(name, mode);
    }
    free(wname);
    free(wmode);
    return f;
}

bool cli_platform_config_dir(char *out, size_t max)
{
    wchar_t *wide = NULL;
    const wchar_t *own = _wgetenv(L"MICROFLASH_CONFIG_DIR");
    const wchar_t *appdata = _wgetenv(L"APPDATA");
    char *base = own != NULL && own[0] != L'\0' ? cli_console_utf8(own)
                 : appdata != NULL              ? cli_console_utf8(appdata)
                                                : NULL;
    int n = base == NULL                     ? -1
            : own != NULL && own[0] != L'\0' ? snprintf(out, max, "%s", base)
                                             : snprintf(out, max, "%s\\MicroFlash", base);
    bool ok = n >= 0 && (size_t)n < max && (wide = cli_console_wide(out)) != NULL &&
              (CreateDirectoryW(wide, NULL) || GetLastError() == ERROR_ALREADY_EXISTS);
    free(base);
    free(wide);
    return ok;
}

/* ---- The terminal of `mflash repl` ---- */

struct cli_term {
    HANDLE in;
    HANDLE out;
    bool console_in; /* stdin is a console, switched to raw VT input */
    bool console_out;
    DWORD in_mode; /* the modes to restore */
    DWORD out_mode;
    DWORD in_type; /* GetFileType of stdin: pipe, disk file, character device */
    bool eof;
    WCHAR high; /* a high surrogate waiting for the rest of its character */
};

struct cli_term *cli_platform_term_open(bool *interactive)
{
    struct cli_term *t = calloc(1, sizeof *t);
    DWORD mode = 0;
    if (t == NULL) {
        return NULL;
    }
    t->in = GetStdHandle(STD_INPUT_HANDLE);
    t->out = GetStdHandle(STD_OUTPUT_HANDLE);
    t->in_type = GetFileType(t->in);
    if (GetConsoleMode(t->in, &mode)) {
        DWORD raw = mode & ~(DWORD)(ENABLE_LINE_INPUT | ENABLE_ECHO_INPUT | ENABLE_PROCESSED_INPUT);
        t->in_mode = mode;
        t->console_in = true;
        /* Every key as bytes (Ctrl-C too), cursor keys as VT sequences where the console can. */
        if (!SetConsoleMode(t->in, raw | ENABLE_VIRTUAL_TERMINAL_INPUT)) {
            SetConsoleMode(t->in, raw);
        }
    }
    if (GetConsoleMode(t->out, &mode)) {
        t->out_mode = mode;
        t->console_out = true;
        SetConsoleMode(t->out, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING);
    }
    *interactive = t->console_in;
    return t;
}

/* One UTF-16 unit as UTF-8 (a surrogate pair once both halves came); the bytes written. */
static size_t cli_term_utf8(struct cli_term *t, WCHAR w, char *out)
{
    uint32_t c = w;
    if (w >= 0xD800u && w < 0xDC00u) {
        t->high = w;
        return 0;
    }
    if (w >= 0xDC00u && w < 0xE000u) {
        if (t->high == 0) {
            return 0;
        }
        c = 0x10000u + (((uint32_t)t->high - 0xD800u) << 10) + ((uint32_t)w - 0xDC00u);
    }
    t->high = 0;
    if (c < 0x80u) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800u) {
        out[0] = (char)(0xC0u | c >> 6);
        out[1] = (char)(0x80u | (c & 0x3Fu));
        return 2;
    }
    if (c < 0x10000u) {
        out[0] = (char)(0xE0u | c >> 12);
        out[1] = (char)(0x80u | (c >> 6 & 0x3Fu));
        out[2] = (char)(0x80u | (c & 0x3Fu));
        return 3;
    }
    out[0] = (char)(0xF0u | c >> 18);
    out[1] = (char)(0x80u | (c >> 12 & 0x3Fu));
    out[2] = (char)(0x80u | (c >> 6 & 0x3Fu));
    out[3] = (char)(0x80u | (c & 0x3Fu));
    return 4;
}

/* Key presses (with their repeat counts) of the console as UTF-8 bytes. */
static long cli_term_read_console(struct cli_term *t, char *buf, size_t size, uint32_t timeout_ms)
{
    INPUT_RECORD rec[CLI_TERM_RECORDS];
    DWORD n = 0, want = (DWORD)(size / CLI_TERM_UTF8_MAX);
    size_t got = 0;
    if (WaitForSingleObject(t->in, timeout_ms) != WAIT_OBJECT_0) {
        return 0;
    }
    want = want < CLI_TERM_RECORDS ? want : CLI_TERM_RECORDS;
    if (want == 0 || !ReadConsoleInputW(t->in, rec, want, &n)) {
        return want == 0 ? 0 : -1;
    }
    for (DWORD i = 0; i < n; i++) {
        const KEY_EVENT_RECORD *k = &rec[i].Event.KeyEvent;
        if (rec[i].EventType != KEY_EVENT || !k->bKeyDown || k->uChar.UnicodeChar == 0) {
            continue;
        }
        for (WORD r = 0; r < k->wRepeatCount && got + CLI_TERM_UTF8_MAX <= size; r++) {
            got += cli_term_utf8(t, k->uChar.UnicodeChar, buf + got);
        }
    }
    return (long)got;
}

/* A pipe: what it holds now, looking again until timeout_ms passed; -1 once the writer closed. */
static long cli_term_read_pipe(struct cli_term *t, char *buf, size_t size, uint32_t timeout_ms)
{
    ULONGLONG deadline = GetTickCount64() + timeout_ms;
    for (;;) {
        DWORD avail = 0, got = 0;
        if (!PeekNamedPipe(t->in, NULL, 0, NULL, &avail, NULL)) {
            return -1;
        }
        if (avail > 0) {
            DWORD want = avail < size ? avail : (DWORD)size;
            return ReadFile(t->in, buf, want, &got, NULL) && got > 0 ? (long)got : -1;
        }
        if (GetTickCount64() >= deadline) {
            return 0;
        }
        Sleep(CLI_TERM_PIPE_STEP);
    }
}

long cli_platform_term_read(struct cli_term *t, void *buf, size_t size, uint32_t timeout_ms)
{
    long got = -1;
    DWORD n = 0;
    if (t->eof) {
        return -1;
    }
    if (t->console_in) {
        got = cli_term_read_console(t, buf, size, timeout_ms);
    } else if (t->in_type == FILE_TYPE_PIPE) {
        got = cli_term_read_pipe(t, buf, size, timeout_ms);
    } else {
        /* a file (or NUL): reads never wait, 0 bytes is its end */
        got = ReadFile(t->in, buf, (DWORD)(size > MAXDWORD ? MAXDWORD : size), &n, NULL) && n > 0
                      ? (long)n
                      : -1;
    }
    t->eof = got < 0;
    return got;
}

bool cli_platform_term_write(struct cli_term *t, const void *buf, size_t size)
{
    const char *p = buf;
    while (size > 0) {
        DWORD n = 0;
        if (!WriteFile(t->out, p, (DWORD)(size > MAXDWORD ? MAXDWORD : size), &n, NULL) || n == 0) {
            return false;
        }
        p += n;
        size -= n;
    }
    return true;
}

void cli_platform_term_close(struct cli_term *t)
{
    if (t != NULL) {
        if (t->console_in) {
            SetConsoleMode(t->in, t->in_mode);
        }
        if (t->console_out) {
            SetConsoleMode(t->out, t->out_mode);
        }
    }
    free(t);
}
