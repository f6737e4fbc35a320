/* SPDX-License-Identifier: MIT */
/* The main dialog's procedure: one handler per window message (a table) and WM_COMMAND by
 * (control, notification) in a second table; the handlers call the mainwnd_*.c parts. */
#include "mainwnd.h"
#include "utf.h"

#include <commdlg.h>
#include <dbt.h>
#include <shellapi.h>

#include <stdlib.h>
#include <string.h>

#define MAINWND_ANY_CODE    0xFFFFu /* a command table row for every notification */
#define MAINWND_CLOSE_TITLE L"MicroFlash"
#define MAINWND_CLOSE_ASK                                                                          \
    L"MicroFlash is flashing the board. Stop and close?\n\nThe board will hold incomplete "        \
    L"firmware until it is flashed again."
#ifndef WM_COPYGLOBALDATA
#define WM_COPYGLOBALDATA 0x0049
#endif

/* {86E0D1E0-8089-11D0-9CE4-08003E301F73}: GUID_DEVINTERFACE_COMPORT. */
static const GUID MAINWND_COMPORT_GUID = {
        0x86e0d1e0, 0x8089, 0x11d0, {0x9c, 0xe4, 0x08, 0x00, 0x3e, 0x30, 0x1f, 0x73}};

typedef INT_PTR (*mainwnd_handler)(struct app *app, WPARAM wp, LPARAM lp);
typedef void (*mainwnd_command)(struct app *app);

HWND mainwnd_item(const struct app *app, int id)
{
    return GetDlgItem(app->hwnd, id);
}

/* Only a changed text is set: setting a static's text repaints it at once. */
void mainwnd_set_text(struct app *app, int id, const char *text)
{
    HWND control = mainwnd_item(app, id);
    char *now = utf_window_text(control);
    if (now == NULL || strcmp(now, text) != 0) {
        utf_set_window_text(control, text);
    }
    free(now);
}

uint64_t mainwnd_now_ms(void)
{
    return (uint64_t)GetTickCount64();
}

void mainwnd_combo_text(const struct app *app, int id, char *out, size_t max)
{
    utf_window_text_buf(mainwnd_item(app, id), out, max);
}

bool mainwnd_ask_path(struct app *app, const struct mainwnd_path_ask *a, wchar_t *path, size_t cap)
{
    OPENFILENAMEW ofn = {
            .lStructSize = sizeof ofn,
            .hwndOwner = app->hwnd,
            .lpstrFilter = a->filter,
            .lpstrFile = path,
            .nMaxFile = cap > MAXDWORD ? MAXDWORD : (DWORD)cap,
            .lpstrDefExt = a->ext,
            .lpstrTitle = a->title,
            .Flags = OFN_PATHMUSTEXIST | OFN_HIDEREADONLY | OFN_NOCHANGEDIR |
                     (a->save ? (a->overwrite ? OFN_OVERWRITEPROMPT : 0u) : OFN_FILEMUSTEXIST),
    };
    return a->save ? GetSaveFileNameW(&ofn) != 0 : GetOpenFileNameW(&ofn) != 0;
}

/* ---- Commands ---- */

static void mainwnd_cmd_flash(struct app *app)
{
    if (!mainwnd_job_running(app) && IsWindowEnabled(mainwnd_item(app, IDC_FLASH))) {
        mainwnd_job_flash(app);
    }
}

static void mainwnd_cmd_cancel(struct app *app)
{
    mainwnd_job_cancel(app); /* Esc while idle does nothing */
}

static void mainwnd_cmd_advanced(struct app *app)
{
    mainwnd_show_advanced(app, !app->advanced);
}

static void mainwnd_cmd_refresh(struct app *app)
{
    mainwnd_ports_refresh(app, false);
}

static void mainwnd_cmd_act1(struct app *app)
{
    mainwnd_problem_action(app, 0);
}

static void mainwnd_cmd_act2(struct app *app)
{
    mainwnd_problem_action(app, 1);
}

static void mainwnd_cmd_act3(struct app *app)
{
    mainwnd_problem_action(app, 2);
}

static void mainwnd_cmd_port_selected(struct app *app)
{
    /* The edit shows the new entry only after this notification. */
    PostMessageW(app->hwnd, WM_COMMAND, MAKEWPARAM(IDC_PORT, CBN_EDITCHANGE), 0);
}

static const struct mainwnd_command_row {
    int id;
    unsigned code;
    mainwnd_command run;
} MAINWND_COMMANDS[] = {
        {IDC_FLASH, BN_CLICKED, mainwnd_cmd_flash},
        {IDC_CANCEL, BN_CLICKED, mainwnd_cmd_cancel},
        {IDC_BROWSE, BN_CLICKED, mainwnd_file_browse},
        {IDC_ADVANCED, BN_CLICKED, mainwnd_cmd_advanced},
        {IDC_ERASE_ALL, BN_CLICKED, mainwnd_file_update_flash_button},
        {IDC_FILE, CBN_EDITCHANGE, mainwnd_file_changed},
        {IDC_FILE, CBN_SELCHANGE, mainwnd_file_selected},
        {IDC_PORT, CBN_EDITCHANGE, mainwnd_port_note},
        {IDC_PORT, CBN_SELCHANGE, mainwnd_cmd_port_selected},
        {IDC_PROBLEM_ACT1, BN_CLICKED, mainwnd_cmd_act1},
        {IDC_PROBLEM_ACT2, BN_CLICKED, mainwnd_cmd_act2},
        {IDC_PROBLEM_ACT3, BN_CLICKED, mainwnd_cmd_act3},
        {IDC_COPY_DETAILS, BN_CLICKED, mainwnd_copy_details},
        {IDC_SAVE_LOG, BN_CLICKED, mainwnd_log_save},
        {IDC_EXTRA_ADD, BN_CLICKED, mainwnd_extra_add},
        {IDC_EXTRA_REMOVE, BN_CLICKED, mainwnd_extra_remove},
        {IDM_REFRESH_PORTS, MAINWND_ANY_CODE, mainwnd_cmd_refresh},
        {IDC_TERM_CONNECT, BN_CLICKED, mainwnd_term_connect_toggle},
        {IDC_TERM_BAUD, CBN_SELCHANGE, mainwnd_term_baud_chosen},
        {IDC_TERM_RESET, BN_CLICKED, mainwnd_term_reset},
        {IDC_TERM_BOOTLOADER, BN_CLICKED, mainwnd_term_bootloader},
        {IDC_TERM_UPLOAD, BN_CLICKED, mainwnd_files_upload},
        {IDC_TERM_MORE, BN_CLICKED, mainwnd_term_more},
        {IDM_TERM_DTR, MAINWND_ANY_CODE, mainwnd_term_toggle_dtr},
        {IDM_TERM_RTS, MAINWND_ANY_CODE, mainwnd_term_toggle_rts},
        {IDM_TERM_SOFT_RESET, MAINWND_ANY_CODE, mainwnd_term_soft_reset},
        {IDM_TERM_SESSION_LOG, MAINWND_ANY_CODE, mainwnd_term_session_log},
        {IDC_FILES_UPLOAD, BN_CLICKED, mainwnd_files_upload},
        {IDC_FILES_DOWNLOAD, BN_CLICKED, mainwnd_files_download},
        {IDC_FILES_DELETE, BN_CLICKED, mainwnd_files_delete},
        {IDC_FILES_REFRESH, BN_CLICKED, mainwnd_files_refresh},
};

/* ---- Messages ---- */

static void mainwnd_register_device_notify(struct app *app)
{
    DEV_BROADCAST_DEVICEINTERFACE_W filter = {
            .dbcc_size = sizeof filter,
            .dbcc_devicetype = DBT_DEVTYP_DEVICEINTERFACE,
            .dbcc_classguid = MAINWND_COMPORT_GUID,
    };
    app->device_notify =
            RegisterDeviceNotificationW(app->hwnd, &filter, DEVICE_NOTIFY_WINDOW_HANDLE);
}

static void mainwnd_set_icons(struct app *app)
{
    static const struct {
        WPARAM which;
        int metric;
    } ICONS[] = {{ICON_BIG, SM_CXICON}, {ICON_SMALL, SM_CXSMICON}};
    for (size_t i = 0; i < sizeof ICONS / sizeof ICONS[0]; i++) {
        int size = GetSystemMetrics(ICONS[i].metric);
        HANDLE icon = LoadImageW(app->instance, MAKEINTRESOURCEW(IDI_APP), IMAGE_ICON, size, size,
                                 LR_DEFAULTCOLOR | LR_SHARED);
        SendMessageW(app->hwnd, WM_SETICON, ICONS[i].which, (LPARAM)icon);
    }
}

static INT_PTR mainwnd_on_init(struct app *app, WPARAM wp, LPARAM lp)
{
    (void)wp;
    (void)lp;
    mainwnd_set_icons(app);
    mainwnd_layout_init(app);
    mainwnd_term_init(app);
    mainwnd_file_init(app);
    /* Ports and the firmware file are looked at once the window is on the screen. */
    SetTimer(app->hwnd, MAINWND_TIMER_START, MAINWND_START_MS, NULL);
    DragAcceptFiles(app->hwnd, TRUE);
    ChangeWindowMessageFilterEx(app->hwnd, WM_DROPFILES, MSGFLT_ALLOW, NULL);
    ChangeWindowMessageFilterEx(app->hwnd, WM_COPYGLOBALDATA, MSGFLT_ALLOW, NULL);
    mainwnd_register_device_notify(app);
    app->msg_taskbar_created = RegisterWindowMessageW(L"TaskbarButtonCreated");
    ChangeWindowMessageFilterEx(app->hwnd, app->msg_taskbar_created, MSGFLT_ALLOW, NULL);
    mainwnd_layout_apply(app);
    SetFocus(mainwnd_item(app, IDC_FLASH));
    return FALSE; /* focus set here */
}

static INT_PTR mainwnd_on_command(struct app *app, WPARAM wp, LPARAM lp)
{
    int id = LOWORD(wp);
    unsigned code = HIWORD(wp);
    (void)lp;
    for (size_t i = 0; i < sizeof MAINWND_COMMANDS / sizeof MAINWND_COMMANDS[0]; i++) {
        const struct mainwnd_command_row *row = &MAINWND_COMMANDS[i];
        if (row->id == id && (row->code == code || row->code == MAINWND_ANY_CODE)) {
            row->run(app);
            return TRUE;
        }
    }
    return FALSE;
}

static INT_PTR mainwnd_on_notify(struct app *app, WPARAM wp, LPARAM lp)
{
    const NMHDR *hdr = (const NMHDR *)lp;
    (void)wp;
    if (hdr->idFrom == IDC_TABS && hdr->code == TCN_SELCHANGE) {
        int tab = (int)SendMessageW(hdr->hwndFrom, TCM_GETCURSEL, 0, 0);
        mainwnd_show_tab(app, tab);
        if (tab == MAINWND_TAB_FILES && app->session != NULL && !session_busy(app->session)) {
            mainwnd_files_refresh(app);
        }
        return TRUE;
    }
    if (hdr->idFrom == IDC_TERM) {
        mainwnd_term_notify(app, hdr);
        return TRUE;
    }
    if (hdr->idFrom == IDC_FILES_LIST) {
        mainwnd_files_notify(app, hdr);
        return FALSE;
    }
    if (hdr->idFrom == IDC_EXTRA && hdr->code == LVN_ENDLABELEDITW) {
        BOOL accept = mainwnd_extra_edited(app, (NMLVDISPINFOW *)lp);
        SetWindowLongPtrW(app->hwnd, DWLP_MSGRESULT, accept);
        return TRUE;
    }
    return FALSE;
}

static INT_PTR mainwnd_on_size(struct app *app, WPARAM wp, LPARAM lp)
{
    (void)lp;
    if (wp != SIZE_MINIMIZED) {
        mainwnd_layout_apply(app);
    }
    return TRUE;
}

static INT_PTR mainwnd_on_minmax(struct app *app, WPARAM wp, LPARAM lp)
{
    (void)wp;
    mainwnd_layout_min_size(app, (MINMAXINFO *)lp);
    return TRUE;
}

static INT_PTR mainwnd_on_dpi_changed(struct app *app, WPARAM wp, LPARAM lp)
{
    mainwnd_layout_dpi_changed(app, HIWORD(wp), (const RECT *)lp);
    return TRUE;
}

static INT_PTR mainwnd_on_timer(struct app *app, WPARAM wp, LPARAM lp)
{
    (void)lp;
    switch (wp) {
    case MAINWND_TIMER_PORTS:
        KillTimer(app->hwnd, MAINWND_TIMER_PORTS);
        mainwnd_ports_refresh(app, false);
        break;
    case MAINWND_TIMER_FILE:
        KillTimer(app->hwnd, MAINWND_TIMER_FILE);
        mainwnd_file_inspect_typed(app);
        break;
    case MAINWND_TIMER_TICK: mainwnd_job_tick(app); break;
    case MAINWND_TIMER_TERM: mainwnd_term_flush(app); break;
    case MAINWND_TIMER_SAVE:
        KillTimer(app->hwnd, MAINWND_TIMER_SAVE);
        mainwnd_settings_from_controls(app);
        settings_save(&app->settings);
        break;
    case MAINWND_TIMER_START:
        KillTimer(app->hwnd, MAINWND_TIMER_START);
        mainwnd_ports_refresh(app, true);
        mainwnd_file_start(app);
        app->started = true;
        break;
    default: break;
    }
    return TRUE;
}

static INT_PTR mainwnd_on_device_change(struct app *app, WPARAM wp, LPARAM lp)
{
    (void)lp;
    if (wp == DBT_DEVICEARRIVAL || wp == DBT_DEVICEREMOVECOMPLETE || wp == DBT_DEVNODES_CHANGED) {
        SetTimer(app->hwnd, MAINWND_TIMER_PORTS, MAINWND_PORTS_DELAY_MS, NULL);
    }
    return TRUE;
}

static INT_PTR mainwnd_on_drop(struct app *app, WPARAM wp, LPARAM lp)
{
    (void)lp;
    mainwnd_file_drop(app, (HDROP)wp);
    return TRUE;
}

static INT_PTR mainwnd_on_close(struct app *app, WPARAM wp, LPARAM lp)
{
    (void)wp;
    (void)lp;
    if (mainwnd_job_running(app) &&
        (app->closing || MessageBoxW(app->hwnd, MAINWND_CLOSE_ASK, MAINWND_CLOSE_TITLE,
                                     MB_YESNO | MB_ICONWARNING | MB_DEFBUTTON2) != IDYES)) {
        return TRUE;
    }
    /* The job may have ended while the question was open. */
    if (mainwnd_job_running(app)) {
        app->closing = true; /* WM_MF_DONE closes the window */
        mainwnd_job_cancel(app);
    } else {
        DestroyWindow(app->hwnd);
    }
    return TRUE;
}

static INT_PTR mainwnd_on_destroy(struct app *app, WPARAM wp, LPARAM lp)
{
    (void)wp;
    (void)lp;
    mainwnd_settings_from_controls(app);
    app->settings.placement.length = sizeof app->settings.placement;
    app->settings.has_placement = GetWindowPlacement(app->hwnd, &app->settings.placement) != 0;
    settings_save(&app->settings);
    mainwnd_job_free(app);
    mainwnd_term_free(app);
    if (app->device_notify != NULL) {
        UnregisterDeviceNotification(app->device_notify);
    }
    mainwnd_layout_free(app);
    ports_free(&app->ports);
    PostQuitMessage(0);
    return TRUE;
}

/* ---- Messages from the worker and session threads: one heap payload each, freed here ---- */

static void mainwnd_take_log(struct app *app, const void *payload)
{
    const struct winmsg_log *m = payload;
    mainwnd_log_append(app, m->level, m->text);
}

static void mainwnd_take_progress(struct app *app, const void *payload)
{
    mainwnd_job_progress(app, payload);
}

static void mainwnd_take_board(struct app *app, const void *payload)
{
    mainwnd_job_board(app, payload);
}

static void mainwnd_take_done(struct app *app, const void *payload)
{
    mainwnd_job_done(app, payload);
    if (app->closing) {
        DestroyWindow(app->hwnd);
    }
}

static void mainwnd_take_term_state(struct app *app, const void *payload)
{
    if (app->session != NULL) { /* else: from a session stopped since */
        mainwnd_job_term_state(app, payload);
        mainwnd_term_state(app, payload);
    }
}

/* The payload's own allocations (entries, data) are freed by the handler. */
static void mainwnd_take_term_op(struct app *app, const void *payload)
{
    struct winmsg_term_op *m = (struct winmsg_term_op *)payload;
    if (app->session != NULL) {
        mainwnd_term_op(app, m);
    }
    free(m->entries);
    free(m->data);
}

static const struct mainwnd_payload_row {
    UINT msg;
    void (*take)(struct app *app, const void *payload);
} MAINWND_PAYLOADS[] = {
        {WM_MF_LOG, mainwnd_take_log},
        {WM_MF_PROGRESS, mainwnd_take_progress},
        {WM_MF_BOARD, mainwnd_take_board},
        {WM_MF_DONE, mainwnd_take_done},
        {WM_MF_TERM_STATE, mainwnd_take_term_state},
        {WM_MF_TERM_OP, mainwnd_take_term_op},
};

/* True when msg carries a payload (then handled and freed). */
static bool mainwnd_payload(struct app *app, UINT msg, LPARAM lp)
{
    for (size_t i = 0; i < sizeof MAINWND_PAYLOADS / sizeof MAINWND_PAYLOADS[0]; i++) {
        if (MAINWND_PAYLOADS[i].msg == msg) {
            void *payload = (void *)lp;
            if (payload != NULL) {
                MAINWND_PAYLOADS[i].take(app, payload);
            }
            free(payload);
            return true;
        }
    }
    return false;
}

static INT_PTR mainwnd_on_term_data(struct app *app, WPARAM wp, LPARAM lp)
{
    (void)wp;
    (void)lp;
    mainwnd_term_drain(app);
    return TRUE;
}

static const struct mainwnd_message_row {
    UINT msg;
    mainwnd_handler handle;
} MAINWND_MESSAGES[] = {
        {WM_INITDIALOG, mainwnd_on_init},      {WM_COMMAND, mainwnd_on_command},
        {WM_NOTIFY, mainwnd_on_notify},        {WM_SIZE, mainwnd_on_size},
        {WM_GETMINMAXINFO, mainwnd_on_minmax}, {WM_DPICHANGED, mainwnd_on_dpi_changed},
        {WM_TIMER, mainwnd_on_timer},          {WM_DEVICECHANGE, mainwnd_on_device_change},
        {WM_DROPFILES, mainwnd_on_drop},       {WM_CLOSE, mainwnd_on_close},
        {WM_DESTROY, mainwnd_on_destroy},      {WM_MF_TERM_DATA, mainwnd_on_term_data},
};

static INT_PTR CALLBACK mainwnd_proc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp)
{
    struct app *app = (struct app *)GetWindowLongPtrW(hwnd, DWLP_USER);
    if (msg == WM_INITDIALOG) {
        app = (struct app *)lp;
        app->hwnd = hwnd;
        SetWindowLongPtrW(hwnd, DWLP_USER, (LONG_PTR)app);
    }
    if (app == NULL) {
        return FALSE;
    }
    if (app->msg_taskbar_created != 0 && msg == app->msg_taskbar_created) {
        mainwnd_job_taskbar_created(app);
        return TRUE;
    }
    if (mainwnd_payload(app, msg, lp)) {
        return TRUE;
    }
    for (size_t i = 0; i < sizeof MAINWND_MESSAGES / sizeof MAINWND_MESSAGES[0]; i++) {
        if (MAINWND_MESSAGES[i].msg == msg) {
            return MAINWND_MESSAGES[i].handle(app, wp, lp);
        }
    }
    return FALSE;
}

HWND mainwnd_create(struct app *app)
{
    return CreateDialogParamW(app->instance, MAKEINTRESOURCEW(IDD_MAIN), NULL, mainwnd_proc,
                              (LPARAM)app);
}
