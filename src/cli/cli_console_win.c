/* SPDX-License-Identifier: MIT */
/* mflash on Windows, the only file with windows.h: the console's Ctrl-C handler sets the one
 * cancel flag, UTF-8 console output, UTF-8 arguments and file names (wide APIs underneath). */
#include "cli_platform.h"

#include <windows.h>
#include <shellapi.h>
#include <io.h>
#include <stdlib.h>

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
