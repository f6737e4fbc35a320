/* SPDX-License-Identifier: MIT */
/* MicroFlash.exe's entry: command line (--port NAME, --firmware PATH), settings, the main
 * dialog (modeless) and the message loop with the F5 accelerator and dialog navigation. */
#include "mainwnd.h"
#include "termview.h"
#include "utf.h"

#include <commctrl.h>
#include <objbase.h>
#include <shellapi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAIN_ARG_PORT        L"--port"
#define MAIN_ARG_FIRMWARE    L"--firmware"
#define MAIN_FILETIME_PER_MS 10000u
#define MAIN_TEXT_MAX        96

/* The two options take a value; anything else is ignored (a double-clicked .bin file counts as
 * --firmware). The strings are kept until the program ends. */
static void main_parse_args(struct app *app, char **port, char **firmware)
{
    int argc = 0;
    wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &argc);
    for (int i = 1; argv != NULL && i < argc; i++) {
        if (_wcsicmp(argv[i], MAIN_ARG_PORT) == 0 && i + 1 < argc) {
            free(*port);
            *port = utf_narrow(argv[++i]);
        } else if (_wcsicmp(argv[i], MAIN_ARG_FIRMWARE) == 0 && i + 1 < argc) {
            free(*firmware);
            *firmware = utf_narrow(argv[++i]);
        } else if (argv[i][0] != L'-') {
            free(*firmware);
            *firmware = utf_narrow(argv[i]);
        }
    }
    LocalFree(argv);
    app->arg_port = *port;
    app->arg_firmware = *firmware;
}

/* Milliseconds since the process was created (the start time the log reports). */
static unsigned main_ms_since_start(void)
{
    FILETIME created, exited, kernel, user, now;
    ULARGE_INTEGER a, b;
    if (!GetProcessTimes(GetCurrentProcess(), &created, &exited, &kernel, &user)) {
        return 0;
    }
    GetSystemTimeAsFileTime(&now);
    a.LowPart = created.dwLowDateTime;
    a.HighPart = created.dwHighDateTime;
    b.LowPart = now.dwLowDateTime;
    b.HighPart = now.dwHighDateTime;
    return b.QuadPart > a.QuadPart ? (unsigned)((b.QuadPart - a.QuadPart) / MAIN_FILETIME_PER_MS)
                                   : 0;
}

static int main_loop(struct app *app)
{
    MSG msg;
    HACCEL accel = LoadAcceleratorsW(app->instance, MAKEINTRESOURCEW(IDR_ACCEL));
    BOOL got;
    while ((got = GetMessageW(&msg, NULL, 0, 0)) != 0 && got != -1) {
        if (app->hwnd != NULL &&
            (TranslateAcceleratorW(app->hwnd, accel, &msg) || IsDialogMessageW(app->hwnd, &msg))) {
            continue;
        }
        TranslateMessage(&msg);
        DispatchMessageW(&msg);
    }
    return got == -1 ? EXIT_FAILURE : (int)msg.wParam;
}

int WINAPI wWinMain(HINSTANCE instance, HINSTANCE prev, PWSTR cmdline, int show)
{
    INITCOMMONCONTROLSEX icc = {
            .dwSize = sizeof icc,
            .dwICC = ICC_STANDARD_CLASSES | ICC_PROGRESS_CLASS | ICC_TAB_CLASSES |
                     ICC_LISTVIEW_CLASSES,
    };
    char *port = NULL;
    char *firmware = NULL;
    int rc = EXIT_FAILURE;
    struct app *app = calloc(1, sizeof *app);
    (void)prev;
    (void)cmdline;
    if (app == NULL) {
        goto out;
    }
    unsigned entered = main_ms_since_start();
    InitCommonControlsEx(&icc);
    HRESULT com = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    app->instance = instance;
    settings_default(&app->settings);
    settings_load(&app->settings);
    main_parse_args(app, &port, &firmware);
    if (termview_register(instance) && mainwnd_create(app) != NULL) {
        if (app->settings.has_placement &&
            MonitorFromRect(&app->settings.placement.rcNormalPosition, MONITOR_DEFAULTTONULL) !=
                    NULL) {
            app->settings.placement.showCmd = show == SW_SHOWDEFAULT || show == SW_SHOWNORMAL
                                                      ? app->settings.placement.showCmd
                                                      : (UINT)show;
            SetWindowPlacement(app->hwnd, &app->settings.placement);
        } else {
            ShowWindow(app->hwnd, show);
        }
        UpdateWindow(app->hwnd);
        char text[MAIN_TEXT_MAX];
        unsigned shown = main_ms_since_start();
        snprintf(text, sizeof text, "Window shown %u ms after the process started (%u ms here).",
                 shown, shown - entered);
        mainwnd_log_append(app, MF_LOG_DEBUG, text);
        rc = main_loop(app);
    }
    if (SUCCEEDED(com)) {
        CoUninitialize();
    }
out:
    free(port);
    free(firmware);
    free(app);
    return rc;
}
