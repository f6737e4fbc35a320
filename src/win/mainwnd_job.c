/* SPDX-License-Identifier: MIT */
/* Jobs seen from the window: the request from the controls, worker start and cancel, progress,
 * board line and end; then the terminal session and the watch for MicroPython's banner, with
 * the one-click retries (DIO / DOUT header, full erase). Never blocks: threads post, we show. */
#include "mainwnd.h"
#include "utf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOB_PROGRESS_MAX     1000u
#define JOB_MS_PER_S         1000u
#define JOB_BOOT_WAIT_MS     10000u  /* the banner comes within this after the reset */
#define JOB_BOOT_MANUAL_MS   60000u  /* ... or after the user pressed RESET */
#define JOB_LONG_MANUAL_MS   300000u /* "Try again" after the board missed download mode */
#define JOB_BOOT_LOOP_RESETS 3u      /* this many boot messages: a boot loop */
#define JOB_MB               1000000u
#define JOB_KB               1000u
#define JOB_TEXT_MAX         (WINMSG_TEXT_MAX + 128u)
#define JOB_BANNER           "MicroPython v"
#define JOB_RESET_LINE       "rst cause"
#define JOB_FLASH_COUNT      3u

static const struct {
    enum mf_stage stage;
    const char *text;
    bool bytes; /* followed by "312 KiB of 620 KiB" */
} JOB_STAGES[] = {
        {MF_STAGE_CONNECT, "Connecting\xE2\x80\xA6", false},
        {MF_STAGE_MANUAL_BOOT, "Waiting for download mode\xE2\x80\xA6", false},
        {MF_STAGE_ERASE, "Erasing\xE2\x80\xA6", false},
        {MF_STAGE_WRITE, "Writing", true},
        {MF_STAGE_VERIFY, "Verifying\xE2\x80\xA6", false},
        {MF_STAGE_READ, "Reading", true},
        {MF_STAGE_RESET, "Resetting the board\xE2\x80\xA6", false},
};

/* What the board prints when the firmware does not start. */
static const char *const JOB_BOOT_FAILURES[] = {"csum err", "flash read err", "Fatal exception"};

static void job_stage(struct app *app, const char *text)
{
    mainwnd_set_text(app, IDC_STAGE, text);
}

static void job_taskbar(struct app *app, TBPFLAG state, uint32_t overall)
{
    if (app->taskbar != NULL) {
        ITaskbarList3_SetProgressState(app->taskbar, app->hwnd, state);
        if (state == TBPF_NORMAL || state == TBPF_ERROR) {
            ITaskbarList3_SetProgressValue(app->taskbar, app->hwnd, overall, JOB_PROGRESS_MAX);
        }
    }
}

void mainwnd_job_taskbar_created(struct app *app)
{
    void *list = NULL;
    if (app->taskbar != NULL) {
        return;
    }
    if (SUCCEEDED(CoCreateInstance(&CLSID_TaskbarList, NULL, CLSCTX_INPROC_SERVER,
                                   &IID_ITaskbarList3, &list))) {
        app->taskbar = list;
        if (FAILED(ITaskbarList3_HrInit(app->taskbar))) {
            ITaskbarList3_Release(app->taskbar);
            app->taskbar = NULL;
        }
    }
}

bool mainwnd_job_running(const struct app *app)
{
    return app->worker != NULL;
}

void mainwnd_job_stop_session(struct app *app)
{
    session_stop(app->session);
    app->session = NULL;
    app->boot.active = false;
}

static void job_start(struct app *app)
{
    struct mf_error e;
    char line[JOB_TEXT_MAX];
    const struct worker_request *r = &app->request;
    mf_err_clear(&e);
    mainwnd_term_disconnect(app); /* the terminal hands the port back to the flasher */
    mainwnd_problem_hide(app);
    mf_err_clear(&app->last_error);
    app->manual_boot = false;
    SendMessageW(mainwnd_item(app, IDC_PROGRESS), PBM_SETSTATE, PBST_NORMAL, 0);
    SendMessageW(mainwnd_item(app, IDC_PROGRESS), PBM_SETPOS, 0, 0);
    job_stage(app, JOB_STAGES[0].text);
    mainwnd_set_text(app, IDC_DETAIL, "");
    snprintf(line, sizeof line, "%s %s at 0x%X on %s%s%s",
             r->kind == WORKER_HEADER ? "Rewriting the header of" : "Flashing", r->files[0].path,
             (unsigned)r->files[0].offset, r->port, r->erase_all ? ", erasing all flash" : "",
             r->nfiles > 1 ? ", with more images" : "");
    mainwnd_log_append(app, MF_LOG_INFO, line);
    mainwnd_inputs_enable(app, false);
    if (worker_start(r, app->hwnd, &app->worker, &e) != MF_OK) {
        app->worker = NULL;
        mainwnd_inputs_enable(app, true);
        app->last_error = e;
        job_stage(app, "Could not start.");
        mainwnd_problem_show_error(app, &e);
        return;
    }
    job_taskbar(app, TBPF_INDETERMINATE, 0);
    SetTimer(app->hwnd, MAINWND_TIMER_TICK, MAINWND_TICK_MS, NULL);
}

void mainwnd_job_flash(struct app *app)
{
    if (mainwnd_request_from_controls(app, &app->request)) {
        SetTimer(app->hwnd, MAINWND_TIMER_SAVE, MAINWND_SAVE_MS, NULL);
        job_start(app);
    }
}

void mainwnd_job_run(struct app *app, enum mainwnd_action action)
{
    struct worker_request last = app->request;
    if (mainwnd_job_running(app)) {
        return;
    }
    switch (action) {
    case MAINWND_ACT_DIO:
    case MAINWND_ACT_DOUT:
        app->request.kind = WORKER_HEADER;
        app->request.params.mode = action == MAINWND_ACT_DIO ? IMAGE_MODE_DIO : IMAGE_MODE_DOUT;
        job_start(app);
        return;
    case MAINWND_ACT_FULL_ERASE:
        CheckDlgButton(app->hwnd, IDC_ERASE_ALL, BST_CHECKED);
        mainwnd_file_update_flash_button(app);
        break;
    default: break;
    }
    if (!mainwnd_request_from_controls(app, &app->request)) {
        return;
    }
    if (last.kind == WORKER_HEADER && action != MAINWND_ACT_FULL_ERASE) {
        struct worker_request header = last; /* "Try again" after a header rewrite repeats it */
        snprintf(header.port, sizeof header.port, "%s", app->request.port);
        app->request = header;
    }
    if (action == MAINWND_ACT_RETRY_MANUAL) {
        app->request.manual_wait_ms = JOB_LONG_MANUAL_MS;
    }
    job_start(app);
}

void mainwnd_job_cancel(struct app *app)
{
    if (app->worker != NULL) {
        worker_cancel(app->worker);
        job_stage(app, "Cancelling\xE2\x80\xA6");
        EnableWindow(mainwnd_item(app, IDC_CANCEL), FALSE);
    }
}

/* "1.2 MB/s · 3 s left" */
static void job_detail(const struct winmsg_progress *p, char *out, size_t max)
{
    int n = 0;
    out[0] = '\0';
    if (p->rate >= JOB_MB) {
        n = snprintf(out, max, "%.1f MB/s", (double)p->rate / JOB_MB);
    } else if (p->rate > 0) {
        n = snprintf(out, max, "%u kB/s", (p->rate + JOB_KB / 2u) / JOB_KB);
    }
    if (p->eta_ms != UINT32_MAX && p->stage != MF_STAGE_MANUAL_BOOT && n >= 0 && (size_t)n < max) {
        unsigned s = (p->eta_ms + JOB_MS_PER_S - 1u) / JOB_MS_PER_S;
        snprintf(out + n, max - (size_t)n, "%s%u s left", n > 0 ? " \xC2\xB7 " : "", s);
    }
}

void mainwnd_job_progress(struct app *app, const struct winmsg_progress *p)
{
    char text[JOB_TEXT_MAX];
    char done[32];
    char total[32];
    if (p->stage == MF_STAGE_MANUAL_BOOT) {
        uint64_t left = p->total > p->done ? p->total - p->done : 0;
        app->manual_boot = true;
        app->manual_deadline_ms = mainwnd_now_ms() + left;
        mainwnd_problem_countdown(app, (uint32_t)((left + JOB_MS_PER_S - 1u) / JOB_MS_PER_S));
    } else if (app->problem == MAINWND_PROBLEM_MANUAL_BOOT) {
        mainwnd_problem_hide(app);
    }
    SendMessageW(mainwnd_item(app, IDC_PROGRESS), PBM_SETPOS, p->overall, 0);
    job_taskbar(app, TBPF_NORMAL, p->overall);
    for (size_t i = 0; i < sizeof JOB_STAGES / sizeof JOB_STAGES[0]; i++) {
        if (JOB_STAGES[i].stage != p->stage) {
            continue;
        }
        if (JOB_STAGES[i].bytes && p->total > 0) {
            image_format_size(p->done, done, sizeof done);
            image_format_size(p->total, total, sizeof total);
            snprintf(text, sizeof text, "%s %s of %s", JOB_STAGES[i].text, done, total);
        } else {
            snprintf(text, sizeof text, "%s", JOB_STAGES[i].text);
        }
        job_stage(app, text);
    }
    job_detail(p, text, sizeof text);
    mainwnd_set_text(app, IDC_DETAIL, text);
}

void mainwnd_job_board(struct app *app, const struct winmsg_board *b)
{
    mainwnd_set_text(app, IDC_BOARD, b->line);
}

/* After a failure the keyboard starts on the panel's first action. */
static void job_focus_action(struct app *app)
{
    if (app->actions[0] != MAINWND_ACT_NONE) {
        SendMessageW(app->hwnd, WM_NEXTDLGCTL, (WPARAM)mainwnd_item(app, IDC_PROBLEM_ACT1), TRUE);
    }
}

static void job_attention(struct app *app)
{
    FLASHWINFO fw = {.cbSize = sizeof fw,
                     .hwnd = app->hwnd,
                     .dwFlags = FLASHW_ALL | FLASHW_TIMERNOFG,
                     .uCount = JOB_FLASH_COUNT};
    if (GetForegroundWindow() != app->hwnd) {
        FlashWindowEx(&fw);
    }
}

/* After a good flash: the terminal takes the port, resets the board and the window watches for
 * MicroPython's banner. */
static void job_start_session(struct app *app, const struct winmsg_done *d)
{
    struct mainwnd_boot *boot = &app->boot;
    bool reset = app->request.after == FLASHER_AFTER_HARD_RESET && !d->reset_done;
    if (!mainwnd_term_connect(app, app->request.port, reset)) {
        return;
    }
    memset(boot, 0, sizeof *boot);
    boot->micropython = app->file_micropython;
    boot->wait_ms = app->manual_boot ? JOB_BOOT_MANUAL_MS : JOB_BOOT_WAIT_MS;
    boot->active = boot->micropython;
    mainwnd_show_tab(app, MAINWND_TAB_TERMINAL);
    if (boot->active) {
        SetTimer(app->hwnd, MAINWND_TIMER_TICK, MAINWND_TICK_MS, NULL);
    }
}

static void job_done_ok(struct app *app, const struct winmsg_done *d)
{
    char text[JOB_TEXT_MAX];
    char bytes[32];
    SendMessageW(mainwnd_item(app, IDC_PROGRESS), PBM_SETPOS, JOB_PROGRESS_MAX, 0);
    job_taskbar(app, TBPF_NOPROGRESS, JOB_PROGRESS_MAX);
    image_format_size(d->bytes, bytes, sizeof bytes);
    snprintf(text, sizeof text, "%s in %.1f s", bytes, (double)d->elapsed_ms / JOB_MS_PER_S);
    mainwnd_set_text(app, IDC_DETAIL, text);
    if (app->request.kind == WORKER_HEADER) {
        snprintf(text, sizeof text, "Done: the flash mode is now %s.",
                 image_flash_mode_name((uint8_t)app->request.params.mode));
    } else {
        snprintf(text, sizeof text, "%s",
                 d->verified ? "Done: flashed and verified." : "Done: flashed.");
    }
    if (app->manual_boot && app->file_micropython && app->request.after != FLASHER_AFTER_NO_RESET) {
        snprintf(text + strlen(text), sizeof text - strlen(text), " %s",
                 "Press RESET on the board to start MicroPython.");
    }
    job_stage(app, text);
    if (app->request.after != FLASHER_AFTER_NO_RESET) {
        job_start_session(app, d);
    }
}

void mainwnd_job_done(struct app *app, const struct winmsg_done *d)
{
    worker_free(app->worker);
    app->worker = NULL;
    mainwnd_inputs_enable(app, true);
    app->last_error = d->error;
    if (app->problem == MAINWND_PROBLEM_MANUAL_BOOT) {
        mainwnd_problem_hide(app);
    }
    if (d->rc == MF_OK) {
        job_done_ok(app, d);
    } else {
        char text[JOB_TEXT_MAX];
        snprintf(text, sizeof text, "Stopped: %s.", mf_err_text(d->rc));
        job_stage(app, text);
        SendMessageW(mainwnd_item(app, IDC_PROGRESS), PBM_SETSTATE, PBST_ERROR, 0);
        job_taskbar(app, TBPF_ERROR, JOB_PROGRESS_MAX);
        mainwnd_log_append(app, MF_LOG_ERROR, d->error.message);
        mainwnd_problem_show_error(app, &d->error);
        job_focus_action(app);
    }
    job_attention(app);
    SetTimer(app->hwnd, MAINWND_TIMER_SAVE, MAINWND_SAVE_MS, NULL);
}

static void job_boot_failed(struct app *app, const char *why)
{
    app->boot.active = false;
    job_stage(app, "MicroPython did not start.");
    job_taskbar(app, TBPF_ERROR, JOB_PROGRESS_MAX);
    mainwnd_problem_show(app, MAINWND_PROBLEM_NO_BANNER, why);
    job_focus_action(app);
    job_attention(app);
}

/* The boot watch follows the session: its deadline starts once the port is open, and a board
 * unplugged while starting ends it. */
void mainwnd_job_term_state(struct app *app, const struct winmsg_term_state *t)
{
    char text[JOB_TEXT_MAX];
    struct mainwnd_boot *boot = &app->boot;
    switch (t->event) {
    case WINMSG_TERM_OPENED:
    case WINMSG_TERM_BAUD:
    case WINMSG_TERM_BACK:
        if (boot->active) {
            boot->deadline_ms = mainwnd_now_ms() + boot->wait_ms;
        }
        snprintf(text, sizeof text, "Terminal: %s at %u baud.", app->console.port, t->baud);
        mainwnd_log_append(app, MF_LOG_INFO, text);
        break;
    case WINMSG_TERM_GONE:
    case WINMSG_TERM_FAILED: boot->active = false; break;
    case WINMSG_TERM_CLOSED: mainwnd_log_append(app, MF_LOG_DEBUG, "Terminal closed."); break;
    }
}

static size_t job_count(const char *text, size_t from, const char *needle)
{
    size_t n = 0;
    for (const char *at = strstr(text + from, needle); at != NULL; at = strstr(at + 1, needle)) {
        n++;
    }
    return n;
}

void mainwnd_job_boot_output(struct app *app, const char *data, size_t len)
{
    struct mainwnd_boot *boot = &app->boot;
    size_t cap = sizeof boot->text - 1u;
    if (!boot->active) {
        return;
    }
    if (len > cap / 2u) {
        data += len - cap / 2u;
        len = cap / 2u;
    }
    if (boot->len + len > cap) {
        size_t drop = boot->len + len - cap;
        memmove(boot->text, boot->text + drop, boot->len - drop);
        boot->len -= drop;
    }
    /* Only the new text (with room for a word cut in two) is searched. */
    size_t from = boot->len > sizeof JOB_BANNER ? boot->len - sizeof JOB_BANNER : 0;
    for (size_t i = 0; i < len; i++) {
        boot->text[boot->len++] = data[i] != '\0' ? data[i] : ' ';
    }
    boot->text[boot->len] = '\0';
    if (strstr(boot->text + from, JOB_BANNER) != NULL) {
        boot->active = false;
        boot->banner_seen = true;
        job_stage(app, "Done: MicroPython is running.");
        if (app->problem == MAINWND_PROBLEM_NO_BANNER) {
            mainwnd_problem_hide(app);
        }
        SetFocus(mainwnd_item(app, IDC_TERM));
        return;
    }
    boot->resets += (unsigned)job_count(boot->text, from, JOB_RESET_LINE);
    for (size_t i = 0; i < sizeof JOB_BOOT_FAILURES / sizeof JOB_BOOT_FAILURES[0]; i++) {
        if (strstr(boot->text + from, JOB_BOOT_FAILURES[i]) != NULL) {
            char why[JOB_TEXT_MAX];
            snprintf(why, sizeof why, "The board printed \"%s\" while starting.",
                     JOB_BOOT_FAILURES[i]);
            job_boot_failed(app, why);
            return;
        }
    }
    if (boot->resets >= JOB_BOOT_LOOP_RESETS) {
        job_boot_failed(app, "The board keeps restarting (a boot loop).");
    }
}

void mainwnd_job_tick(struct app *app)
{
    uint64_t now = mainwnd_now_ms();
    struct mainwnd_boot *boot = &app->boot;
    if (app->worker != NULL && app->problem == MAINWND_PROBLEM_MANUAL_BOOT) {
        uint64_t left = app->manual_deadline_ms > now ? app->manual_deadline_ms - now : 0;
        mainwnd_problem_countdown(app, (uint32_t)((left + JOB_MS_PER_S - 1u) / JOB_MS_PER_S));
    }
    if (boot->active && boot->deadline_ms != 0 && now >= boot->deadline_ms) {
        char why[JOB_TEXT_MAX];
        snprintf(why, sizeof why, "No MicroPython banner came within %u s after the reset.",
                 boot->wait_ms / JOB_MS_PER_S);
        job_boot_failed(app, why);
    }
    if (app->worker == NULL && !boot->active) {
        KillTimer(app->hwnd, MAINWND_TIMER_TICK);
    }
}

void mainwnd_job_free(struct app *app)
{
    KillTimer(app->hwnd, MAINWND_TIMER_TICK);
    if (app->worker != NULL) {
        worker_cancel(app->worker);
        worker_free(app->worker); /* waits for the thread: only when the window goes anyway */
        app->worker = NULL;
    }
    mainwnd_job_stop_session(app);
    if (app->taskbar != NULL) {
        ITaskbarList3_Release(app->taskbar);
        app->taskbar = NULL;
    }
}
