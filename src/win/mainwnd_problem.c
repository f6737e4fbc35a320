/* SPDX-License-Identifier: MIT */
/* The problem panel: a table from each diagnosis (engine error code or window check) to a title,
 * the next step and up to three actions; the live "download mode" countdown; Copy details. */
#include "mainwnd.h"
#include "utf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBLEM_MANUAL_TEXT                                                                        \
    "Hold the FLASH (or BOOT) button, tap RESET, then let go of FLASH. Trying again for %u "       \
    "s\xE2\x80\xA6"

static const struct problem_row {
    enum mainwnd_problem problem;
    const char *title;
    const char *next; /* the next step, after the engine's sentences */
    enum mainwnd_action actions[MAINWND_ACTIONS];
} PROBLEMS[] = {
        {MAINWND_PROBLEM_MANUAL_BOOT, "Put the board into download mode", "", {0}},
        {MAINWND_PROBLEM_NO_PORT, "No serial port found", "", {MAINWND_ACT_REFRESH}},
        {MAINWND_PROBLEM_BAD_FILE,
         "This file cannot be flashed",
         "Choose an ESP8266 firmware file (.bin); for MicroPython, the ESP8266 file from "
         "micropython.org/download. Nothing was written to the board.",
         {MAINWND_ACT_BROWSE}},
        {MAINWND_PROBLEM_PORT_BUSY,
         "The port is in use",
         "Serial monitors, the Arduino IDE and PuTTY hold the port while they are open; "
         "MicroFlash's own terminal gives it back by itself.",
         {MAINWND_ACT_RETRY}},
        {MAINWND_PROBLEM_PORT_GONE,
         "The board was unplugged",
         "If this happened while writing, the board holds incomplete firmware until it is "
         "flashed again.",
         {MAINWND_ACT_RETRY}},
        {MAINWND_PROBLEM_PORT_NOT_FOUND,
         "Port not found",
         "Check that the board is plugged in and pick its port from the list (F5 lists the "
         "ports again).",
         {MAINWND_ACT_REFRESH, MAINWND_ACT_RETRY}},
        {MAINWND_PROBLEM_PORT_ACCESS,
         "Access to the port was refused",
         "Close other programs that use serial ports; if it persists, unplug and replug the "
         "board.",
         {MAINWND_ACT_RETRY}},
        {MAINWND_PROBLEM_NO_DATA,
         "The board does not answer",
         "Check the cable (a data cable, not a charge-only one) and that the right port is "
         "chosen, then try again.",
         {MAINWND_ACT_RETRY}},
        {MAINWND_PROBLEM_NOT_DOWNLOAD_MODE,
         "The board did not enter download mode",
         "Hold the FLASH (or BOOT) button, tap RESET, let go of FLASH, then press Try again: "
         "MicroFlash keeps trying while you press the buttons.",
         {MAINWND_ACT_RETRY_MANUAL}},
        {MAINWND_PROBLEM_NO_SYNC,
         "The board is in download mode but does not respond",
         "Try again; if it persists, choose a lower baud rate in Advanced options or try another "
         "cable or USB port.",
         {MAINWND_ACT_RETRY}},
        {MAINWND_PROBLEM_WRONG_CHIP,
         "This is not an ESP8266",
         "MicroFlash flashes ESP8266 boards; use a firmware and a tool made for this chip.",
         {0}},
        {MAINWND_PROBLEM_VERIFY,
         "Verification failed",
         "Try again; if it fails again, choose a lower baud rate in Advanced options or another "
         "cable.",
         {MAINWND_ACT_RETRY}},
        {MAINWND_PROBLEM_CANCELLED,
         "Cancelled: the board holds incomplete firmware",
         "Flash it again before using it.",
         {MAINWND_ACT_FLASH_AGAIN}},
        {MAINWND_PROBLEM_NO_BANNER,
         "MicroPython did not start",
         "The board's flash chip may need another flash mode: retry with DIO (most boards) or "
         "DOUT (ESP-01, ESP8285), which rewrites only the first sector, or flash again with a "
         "full erase.",
         {MAINWND_ACT_DIO, MAINWND_ACT_DOUT, MAINWND_ACT_FULL_ERASE}},
        {MAINWND_PROBLEM_FAILED,
         "Flashing failed",
         "Try again; if it fails again, use Copy details when you ask for help.",
         {MAINWND_ACT_RETRY}},
};

/* Engine error codes and the problem each one shows; anything else is "Flashing failed". */
static const struct {
    int code;
    enum mainwnd_problem problem;
} PROBLEM_CODES[] = {
        {MF_ERR_PORT_BUSY, MAINWND_PROBLEM_PORT_BUSY},
        {MF_ERR_PORT_GONE, MAINWND_PROBLEM_PORT_GONE},
        {MF_ERR_PORT_NOT_FOUND, MAINWND_PROBLEM_PORT_NOT_FOUND},
        {MF_ERR_PORT_ACCESS, MAINWND_PROBLEM_PORT_ACCESS},
        {MF_ERR_NO_DATA, MAINWND_PROBLEM_NO_DATA},
        {MF_ERR_NOT_DOWNLOAD_MODE, MAINWND_PROBLEM_NOT_DOWNLOAD_MODE},
        {MF_ERR_NO_SYNC, MAINWND_PROBLEM_NO_SYNC},
        {MF_ERR_WRONG_CHIP, MAINWND_PROBLEM_WRONG_CHIP},
        {MF_ERR_IMAGE, MAINWND_PROBLEM_BAD_FILE},
        {MF_ERR_VERIFY, MAINWND_PROBLEM_VERIFY},
        {MF_ERR_CANCELLED, MAINWND_PROBLEM_CANCELLED},
};

static const struct {
    enum mainwnd_action action;
    const wchar_t *label;
} PROBLEM_ACTION_LABELS[] = {
        {MAINWND_ACT_RETRY, L"Try agai&n"},
        {MAINWND_ACT_FLASH_AGAIN, L"Flash agai&n"},
        {MAINWND_ACT_RETRY_MANUAL, L"Try agai&n"},
        {MAINWND_ACT_DIO, L"Retry with &DIO"},
        {MAINWND_ACT_DOUT, L"Retry with D&OUT"},
        {MAINWND_ACT_FULL_ERASE, L"Retry with fu&ll erase"},
        {MAINWND_ACT_BROWSE, L"Choose another fi&le\x2026"},
        {MAINWND_ACT_REFRESH, L"&Look for ports again"},
};

static const int PROBLEM_ACTION_IDS[MAINWND_ACTIONS] = {IDC_PROBLEM_ACT1, IDC_PROBLEM_ACT2,
                                                        IDC_PROBLEM_ACT3};

static const struct problem_row *problem_find(enum mainwnd_problem problem)
{
    for (size_t i = 0; i < sizeof PROBLEMS / sizeof PROBLEMS[0]; i++) {
        if (PROBLEMS[i].problem == problem) {
            return &PROBLEMS[i];
        }
    }
    return &PROBLEMS[sizeof PROBLEMS / sizeof PROBLEMS[0] - 1u];
}

static const wchar_t *problem_action_label(enum mainwnd_action action)
{
    for (size_t i = 0; i < sizeof PROBLEM_ACTION_LABELS / sizeof PROBLEM_ACTION_LABELS[0]; i++) {
        if (PROBLEM_ACTION_LABELS[i].action == action) {
            return PROBLEM_ACTION_LABELS[i].label;
        }
    }
    return L"";
}

void mainwnd_problem_show(struct app *app, enum mainwnd_problem problem, const char *detail)
{
    const struct problem_row *row = problem_find(problem);
    const char *sep = detail[0] != '\0' && row->next[0] != '\0' ? "\r\n" : "";
    app->problem = problem;
    snprintf(app->problem_text, sizeof app->problem_text, "%s%s%s", detail, sep, row->next);
    mainwnd_set_text(app, IDC_PROBLEM_TITLE, row->title);
    mainwnd_set_text(app, IDC_PROBLEM_TEXT, app->problem_text);
    for (size_t i = 0; i < MAINWND_ACTIONS; i++) {
        app->actions[i] = row->actions[i];
        SetDlgItemTextW(app->hwnd, PROBLEM_ACTION_IDS[i], problem_action_label(row->actions[i]));
    }
    mainwnd_layout_apply(app);
}

void mainwnd_problem_show_error(struct app *app, const struct mf_error *e)
{
    enum mainwnd_problem problem = MAINWND_PROBLEM_FAILED;
    for (size_t i = 0; i < sizeof PROBLEM_CODES / sizeof PROBLEM_CODES[0]; i++) {
        if (PROBLEM_CODES[i].code == e->code) {
            problem = PROBLEM_CODES[i].problem;
        }
    }
    mainwnd_problem_show(app, problem, e->message[0] != '\0' ? e->message : mf_err_text(e->code));
}

void mainwnd_problem_hide(struct app *app)
{
    if (app->problem == MAINWND_PROBLEM_NONE) {
        return;
    }
    app->problem = MAINWND_PROBLEM_NONE;
    app->problem_text[0] = '\0';
    for (size_t i = 0; i < MAINWND_ACTIONS; i++) {
        app->actions[i] = MAINWND_ACT_NONE;
    }
    mainwnd_layout_apply(app);
}

void mainwnd_problem_countdown(struct app *app, uint32_t seconds)
{
    char text[sizeof app->problem_text];
    if (app->problem != MAINWND_PROBLEM_MANUAL_BOOT) {
        mainwnd_problem_show(app, MAINWND_PROBLEM_MANUAL_BOOT, "");
    }
    snprintf(text, sizeof text, PROBLEM_MANUAL_TEXT, seconds);
    if (strcmp(text, app->problem_text) != 0) {
        snprintf(app->problem_text, sizeof app->problem_text, "%s", text);
        mainwnd_set_text(app, IDC_PROBLEM_TEXT, text);
    }
}

void mainwnd_problem_action(struct app *app, size_t index)
{
    enum mainwnd_action action = index < MAINWND_ACTIONS ? app->actions[index] : MAINWND_ACT_NONE;
    switch (action) {
    case MAINWND_ACT_NONE: break;
    case MAINWND_ACT_BROWSE: mainwnd_file_browse(app); break;
    case MAINWND_ACT_REFRESH: mainwnd_ports_refresh(app, false); break;
    default: mainwnd_job_run(app, action); break;
    }
}

static bool problem_set_clipboard(HWND hwnd, const char *text)
{
    wchar_t *wide = utf_wide(text);
    size_t bytes = wide != NULL ? (wcslen(wide) + 1u) * sizeof *wide : 0;
    HGLOBAL mem = bytes != 0 ? GlobalAlloc(GMEM_MOVEABLE, bytes) : NULL;
    bool ok = false;
    void *dst = mem != NULL ? GlobalLock(mem) : NULL;
    if (dst != NULL) {
        memcpy(dst, wide, bytes);
        GlobalUnlock(mem);
        if (OpenClipboard(hwnd)) {
            EmptyClipboard();
            ok = SetClipboardData(CF_UNICODETEXT, mem) != NULL;
            CloseClipboard();
        }
    }
    if (!ok && mem != NULL) {
        GlobalFree(mem);
    }
    free(wide);
    return ok;
}

void mainwnd_copy_details(struct app *app)
{
    char *log = mainwnd_log_text(app);
    const struct mf_error *e = &app->last_error;
    const char *title = app->problem != MAINWND_PROBLEM_NONE ? problem_find(app->problem)->title
                                                             : "MicroFlash log";
    size_t size =
            (log != NULL ? strlen(log) : 0) + sizeof app->problem_text + sizeof e->message + 256u;
    char *text = malloc(size);
    if (text != NULL) {
        int n = snprintf(text, size, "%s\r\n%s\r\n", title, app->problem_text);
        if (e->code != MF_OK && n >= 0 && (size_t)n < size) {
            n += snprintf(text + n, size - (size_t)n, "Error %d (%s): %s\r\n", e->code,
                          mf_err_id(e->code), e->message);
        }
        if (n >= 0 && (size_t)n < size) {
            snprintf(text + n, size - (size_t)n, "\r\nLog:\r\n%s", log != NULL ? log : "");
        }
        problem_set_clipboard(app->hwnd, text);
    }
    free(text);
    free(log);
}
