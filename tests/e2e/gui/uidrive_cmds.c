/* SPDX-License-Identifier: MIT */
/* uidrive's script commands on the window: launch and close the application, act on controls the
 * way a user's clicks and keys would (with the notifications the dialog expects), wait for and
 * check states, print texts; and the table of every command. */
#include "uidrive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UI_SIM_REPLY_MAX 65536u

struct ui_cmd {
    const char *name;
    int min_args; /* after the name */
    int max_args;
    int (*run)(struct ui_ctx *c, int argc, char **argv);
    const char *usage;
};

/* ---- helpers ---- */

static double ui_seconds(const char *s, double fallback)
{
    char *end = NULL;
    double v;
    if (s == NULL) {
        return fallback;
    }
    v = strtod(s, &end);
    return (end == s || v <= 0) ? fallback : v;
}

static int ui_need_app(struct ui_ctx *c)
{
    if (!c->running || c->wnd == NULL) {
        return ui_fail(c, "the application is not running (launch it first)");
    }
    return 0;
}

/* The control named by argv[1]; NULL with the failure set. */
static HWND ui_arg_control(struct ui_ctx *c, const char *name, int *id_out)
{
    int id = ui_id_parse(name);
    HWND h;
    if (id < 0) {
        ui_fail(c, "unknown control %s", name);
        return NULL;
    }
    if (ui_need_app(c) != 0) {
        return NULL;
    }
    h = ui_control(c, id);
    if (h == NULL) {
        ui_fail(c, "the window has no control with ID %d (%s)", id, ui_id_name(id));
    }
    if (id_out != NULL) {
        *id_out = id;
    }
    return h;
}

static bool ui_app_alive(struct ui_ctx *c)
{
    return c->running && WaitForSingleObject(c->pi.hProcess, 0) == WAIT_TIMEOUT;
}

/* Sends WM_COMMAND(id, code) from control h to its parent, as the control itself would. */
static void ui_notify(HWND h, int id, unsigned code)
{
    SendMessageTimeoutW(GetParent(h), WM_COMMAND, MAKEWPARAM((unsigned)id, code), (LPARAM)h,
                        SMTO_NORMAL, UI_SEND_MS, NULL);
}

static int ui_wide(const char *s, wchar_t *out, int cap)
{
    return MultiByteToWideChar(CP_UTF8, 0, s, -1, out, cap);
}

/* ---- launch and close ---- */

struct ui_top {
    DWORD pid;
    HWND found;
};

static BOOL CALLBACK ui_find_top(HWND h, LPARAM lp)
{
    struct ui_top *t = (struct ui_top *)lp;
    DWORD pid = 0;
    wchar_t title[64];
    wchar_t cls[16];
    GetWindowThreadProcessId(h, &pid);
    if (pid != t->pid || !IsWindowVisible(h)) {
        return TRUE;
    }
    GetClassNameW(h, cls, 16);
    GetWindowTextW(h, title, 64);
    if (wcscmp(cls, L"#32770") == 0 && wcsncmp(title, L"MicroFlash", 10) == 0) {
        t->found = h;
        return FALSE;
    }
    return TRUE;
}

static int ui_cmd_launch(struct ui_ctx *c, int argc, char **argv)
{
    char cmd8[8192];
    wchar_t cmd[8192];
    wchar_t config[UI_PATH_MAX];
    char config8[UI_PATH_MAX + 16];
    STARTUPINFOW si;
    struct ui_top top;
    uint64_t t0;
    size_t o;
    if (c->running) {
        return ui_fail(c, "the application is running already");
    }
    snprintf(config8, sizeof config8, "%s\\config", c->out_dir);
    CreateDirectoryA(config8, NULL);
    ui_wide(config8, config, UI_PATH_MAX);
    SetEnvironmentVariableW(L"MICROFLASH_CONFIG_DIR", config);
    o = (size_t)snprintf(cmd8, sizeof cmd8, "\"%s\"", c->app);
    for (int i = 1; i < argc && o < sizeof cmd8; i++) {
        o += (size_t)snprintf(cmd8 + o, sizeof cmd8 - o,
                              strpbrk(argv[i], " \t") ? " \"%s\"" : " %s", argv[i]);
    }
    ui_wide(cmd8, cmd, 8192);
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    memset(&c->pi, 0, sizeof c->pi);
    t0 = ui_now_ms();
    if (!CreateProcessW(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &c->pi)) {
        return ui_fail(c, "CreateProcess(%s) failed: error %lu", cmd8, GetLastError());
    }
    c->running = true;
    top.pid = c->pi.dwProcessId;
    top.found = NULL;
    while (top.found == NULL) {
        EnumWindows(ui_find_top, (LPARAM)&top);
        if (top.found != NULL) {
            break;
        }
        if (!ui_app_alive(c)) {
            DWORD code = 0;
            GetExitCodeProcess(c->pi.hProcess, &code);
            CloseHandle(c->pi.hThread);
            CloseHandle(c->pi.hProcess);
            c->running = false;
            return ui_fail(c, "the application ended (exit code %lu) before showing its window",
                           code);
        }
        if (ui_now_ms() - t0 > UI_SHOWN_MS) {
            return ui_fail(c, "no visible top-level dialog titled MicroFlash* within %u ms",
                           UI_SHOWN_MS);
        }
        Sleep(2);
    }
    c->launch_ms = ui_now_ms() - t0;
    if (c->launches++ > 0 && (c->best_warm_ms == 0 || c->launch_ms < c->best_warm_ms)) {
        c->best_warm_ms = c->launch_ms;
    }
    c->wnd = top.found;
    printf("window shown in %llu ms\n", (unsigned long long)c->launch_ms);
    return 0;
}

/* expect-shown-within MS [best]: the last launch (or the fastest of the script's launches after
 * the first) showed its window within MS milliseconds. */
static int ui_cmd_expect_shown(struct ui_ctx *c, int argc, char **argv)
{
    unsigned long max = strtoul(argv[1], NULL, 10);
    bool best = argc > 2 && strcmp(argv[2], "best") == 0;
    uint64_t ms = best ? c->best_warm_ms : c->launch_ms;
    if (ms == 0) {
        return ui_fail(c, "no launch measured yet%s", best ? " after the first" : "");
    }
    printf("%s window shown in %llu ms\n", best ? "fastest later" : "last", (unsigned long long)ms);
    if (ms > max) {
        return ui_fail(c, "expected the window within %lu ms of CreateProcess; it took %llu ms",
                       max, (unsigned long long)ms);
    }
    return 0;
}

void ui_app_stop(struct ui_ctx *c, bool force)
{
    if (!c->running) {
        return;
    }
    if (!force && c->wnd != NULL) {
        PostMessageW(c->wnd, WM_CLOSE, 0, 0);
        if (WaitForSingleObject(c->pi.hProcess, UI_CLOSE_MS) == WAIT_OBJECT_0) {
            force = false;
        } else {
            force = true;
        }
    }
    if (force) {
        TerminateProcess(c->pi.hProcess, 99);
        WaitForSingleObject(c->pi.hProcess, UI_CLOSE_MS);
    }
    CloseHandle(c->pi.hThread);
    CloseHandle(c->pi.hProcess);
    c->running = false;
    c->wnd = NULL;
}

static int ui_cmd_close(struct ui_ctx *c, int argc, char **argv)
{
    double limit = ui_seconds(argc > 1 ? argv[1] : NULL, UI_CLOSE_MS / 1000.0);
    uint64_t t0 = ui_now_ms();
    DWORD code = 0;
    if (ui_need_app(c) != 0) {
        return -1;
    }
    PostMessageW(c->wnd, WM_CLOSE, 0, 0);
    if (WaitForSingleObject(c->pi.hProcess, (DWORD)(limit * 1000)) != WAIT_OBJECT_0) {
        ui_fail(c, "expected the application to exit within %.1f s of WM_CLOSE; it still runs",
                limit);
        return -1;
    }
    GetExitCodeProcess(c->pi.hProcess, &code);
    printf("application closed in %llu ms, exit code %lu\n", (unsigned long long)(ui_now_ms() - t0),
           code);
    CloseHandle(c->pi.hThread);
    CloseHandle(c->pi.hProcess);
    c->running = false;
    c->wnd = NULL;
    return code == 0 ? 0 : ui_fail(c, "expected exit code 0, saw %lu", code);
}

/* ---- acting on controls ---- */

static int ui_cmd_set(struct ui_ctx *c, int argc, char **argv)
{
    wchar_t text[UI_PATH_MAX];
    int id = 0;
    HWND h = ui_arg_control(c, argv[1], &id);
    HWND edit;
    wchar_t cls[32];
    (void)argc;
    if (h == NULL) {
        return -1;
    }
    ui_wide(argv[2], text, UI_PATH_MAX);
    GetClassNameW(h, cls, 32);
    /* An editable combo box types into its edit child, which notifies the combo, which sends
     * CBN_EDITUPDATE / CBN_EDITCHANGE to the dialog: the notifications a user's typing makes. */
    edit = _wcsicmp(cls, L"ComboBox") == 0 ? FindWindowExW(h, NULL, L"Edit", NULL) : h;
    if (edit == NULL) {
        return ui_fail(c, "%s is a combo box without an edit field (not editable)", argv[1]);
    }
    if (!IsWindowEnabled(h) || !IsWindowVisible(h)) {
        return ui_fail(c, "%s is %s: a user could not type into it", argv[1],
                       IsWindowVisible(h) ? "disabled" : "hidden");
    }
    SendMessageTimeoutW(edit, EM_SETSEL, 0, (LPARAM)-1, SMTO_NORMAL, UI_SEND_MS, NULL);
    if (!SendMessageTimeoutW(edit, EM_REPLACESEL, TRUE, (LPARAM)text, SMTO_NORMAL, UI_SEND_MS,
                             NULL)) {
        return ui_fail(c, "%s did not take the text (no answer)", argv[1]);
    }
    return 0;
}

static int ui_cmd_select(struct ui_ctx *c, int argc, char **argv)
{
    wchar_t text[UI_PATH_MAX];
    int id = 0;
    HWND h = ui_arg_control(c, argv[1], &id);
    DWORD_PTR r = (DWORD_PTR)CB_ERR;
    (void)argc;
    if (h == NULL) {
        return -1;
    }
    ui_wide(argv[2], text, UI_PATH_MAX);
    SendMessageTimeoutW(h, CB_SELECTSTRING, (WPARAM)-1, (LPARAM)text, SMTO_NORMAL, UI_SEND_MS, &r);
    if ((LRESULT)r == CB_ERR) {
        DWORD_PTR n = 0;
        SendMessageTimeoutW(h, CB_GETCOUNT, 0, 0, SMTO_NORMAL, UI_SEND_MS, &n);
        return ui_fail(c, "no item of %s starts with \"%s\" (%u items)", argv[1], argv[2],
                       (unsigned)n);
    }
    ui_notify(h, id, CBN_SELCHANGE);
    return 0;
}

static int ui_cmd_check(struct ui_ctx *c, int argc, char **argv)
{
    int id = 0;
    HWND h = ui_arg_control(c, argv[1], &id);
    DWORD_PTR st = 0;
    unsigned want = (unsigned)atoi(argv[2]) != 0 ? BST_CHECKED : BST_UNCHECKED;
    (void)argc;
    if (h == NULL) {
        return -1;
    }
    if (!IsWindowEnabled(h)) {
        return ui_fail(c, "%s is disabled", argv[1]);
    }
    SendMessageTimeoutW(h, BM_GETCHECK, 0, 0, SMTO_NORMAL, UI_SEND_MS, &st);
    if (st != want) {
        SendMessageTimeoutW(h, BM_SETCHECK, want, 0, SMTO_NORMAL, UI_SEND_MS, NULL);
        ui_notify(h, id, BN_CLICKED);
    }
    return 0;
}

static int ui_cmd_expect_checked(struct ui_ctx *c, int argc, char **argv)
{
    HWND h = ui_arg_control(c, argv[1], NULL);
    DWORD_PTR st = 0;
    unsigned want = atoi(argv[2]) != 0 ? BST_CHECKED : BST_UNCHECKED;
    (void)argc;
    if (h == NULL) {
        return -1;
    }
    if (!SendMessageTimeoutW(h, BM_GETCHECK, 0, 0, SMTO_NORMAL, UI_SEND_MS, &st)) {
        return ui_fail(c, "%s did not answer BM_GETCHECK", argv[1]);
    }
    if (st != want) {
        return ui_fail(c, "expected %s %s; it is %s", argv[1],
                       want == BST_CHECKED ? "ticked" : "not ticked",
                       st == BST_CHECKED ? "ticked" : "not ticked");
    }
    return 0;
}

/* A click: only on a visible, enabled button (a user cannot press anything else). Posted, so a
 * button that starts a long action never blocks the driver. */
static int ui_cmd_click(struct ui_ctx *c, int argc, char **argv)
{
    int id = 0;
    HWND h = ui_arg_control(c, argv[1], &id);
    (void)argc;
    if (h == NULL) {
        return -1;
    }
    if (!IsWindowVisible(h) || !IsWindowEnabled(h)) {
        char *t = ui_text(h);
        ui_fail(c, "expected %s (\"%s\") visible and enabled to click it; it is %s", argv[1],
                t != NULL ? t : "?", IsWindowVisible(h) ? "disabled" : "hidden");
        free(t);
        return -1;
    }
    PostMessageW(GetParent(h), WM_COMMAND, MAKEWPARAM((unsigned)id, BN_CLICKED), (LPARAM)h);
    return 0;
}

struct ui_key {
    const char *name;
    unsigned vk;
};

static const struct ui_key UI_KEYS[] = {
        {"VK_RETURN", VK_RETURN}, {"ENTER", VK_RETURN}, {"VK_ESCAPE", VK_ESCAPE},
        {"ESC", VK_ESCAPE},       {"VK_F5", VK_F5},     {"F5", VK_F5},
        {"VK_TAB", VK_TAB},       {"TAB", VK_TAB},
};

/* A key press to the control that has the focus (the dialog when none), through the
 * application's message loop, so IsDialogMessage and the accelerators see it as typed. */
static int ui_cmd_key(struct ui_ctx *c, int argc, char **argv)
{
    unsigned vk = 0;
    GUITHREADINFO gi;
    HWND target;
    (void)argc;
    if (ui_need_app(c) != 0) {
        return -1;
    }
    for (size_t i = 0; i < sizeof UI_KEYS / sizeof UI_KEYS[0]; i++) {
        if (_stricmp(argv[1], UI_KEYS[i].name) == 0) {
            vk = UI_KEYS[i].vk;
        }
    }
    if (vk == 0) {
        vk = (unsigned)strtoul(argv[1], NULL, 0);
    }
    if (vk == 0 || vk > 0xFE) {
        return ui_fail(c, "unknown key %s", argv[1]);
    }
    memset(&gi, 0, sizeof gi);
    gi.cbSize = sizeof gi;
    target = c->wnd;
    if (GetGUIThreadInfo(c->pi.dwThreadId, &gi) && gi.hwndFocus != NULL &&
        (gi.hwndFocus == c->wnd || IsChild(c->wnd, gi.hwndFocus))) {
        target = gi.hwndFocus;
    }
    {
        wchar_t cls[16] = L"";
        HWND named = target;
        if (GetParent(target) != NULL && GetClassNameW(GetParent(target), cls, 16) > 0 &&
            _wcsicmp(cls, L"ComboBox") == 0) {
            named = GetParent(target); /* the edit field of a combo box */
        }
        printf("key %s to %s%s\n", argv[1], named != target ? "the edit field of " : "",
               target == c->wnd ? "the dialog" : ui_id_name(GetDlgCtrlID(named)));
    }
    PostMessageW(target, WM_KEYDOWN, vk, 1);
    PostMessageW(target, WM_KEYUP, vk, (LPARAM)0xC0000001u);
    return 0;
}

/* ---- waiting and checking ---- */

enum ui_cond { UI_TEXT, UI_NO_TEXT, UI_VISIBLE, UI_HIDDEN, UI_ENABLED, UI_DISABLED, UI_PROGRESS };

static const char *const UI_COND_WORD[] = {
        [UI_TEXT] = "text containing",      [UI_NO_TEXT] = "text without",
        [UI_VISIBLE] = "visible",           [UI_HIDDEN] = "hidden",
        [UI_ENABLED] = "enabled",           [UI_DISABLED] = "disabled",
        [UI_PROGRESS] = "progress at least"};

/* Looks once; *seen describes what was there. */
static bool ui_cond_holds(struct ui_ctx *c, int id, enum ui_cond cond, const char *arg, char *seen,
                          size_t cap)
{
    HWND h = ui_control(c, id);
    bool ok = false;
    if (h == NULL) {
        snprintf(seen, cap, "no such control");
        return cond == UI_HIDDEN;
    }
    switch (cond) {
    case UI_TEXT:
    case UI_NO_TEXT: {
        /* What the user sees: a hidden control shows no text. */
        char *t = ui_text(h);
        bool shown = t != NULL && IsWindowVisible(h) && strstr(t, arg) != NULL;
        ok = t != NULL && shown == (cond == UI_TEXT);
        snprintf(seen, cap, "%s\"%s\"", IsWindowVisible(h) ? "" : "(hidden) ",
                 t != NULL ? t : "(no answer)");
        free(t);
        break;
    }
    case UI_VISIBLE:
    case UI_HIDDEN:
        ok = (IsWindowVisible(h) != 0) == (cond == UI_VISIBLE);
        snprintf(seen, cap, "%s", IsWindowVisible(h) ? "visible" : "hidden");
        break;
    case UI_ENABLED:
    case UI_DISABLED:
        ok = (IsWindowEnabled(h) != 0) == (cond == UI_ENABLED);
        snprintf(seen, cap, "%s", IsWindowEnabled(h) ? "enabled" : "disabled");
        break;
    case UI_PROGRESS: {
        DWORD_PTR pos = 0;
        if (SendMessageTimeoutW(h, PBM_GETPOS, 0, 0, SMTO_NORMAL, UI_SEND_MS, &pos)) {
            ok = (long)pos >= atol(arg);
            snprintf(seen, cap, "%ld", (long)pos);
        } else {
            snprintf(seen, cap, "(no answer)");
        }
        break;
    }
    }
    return ok;
}

static int ui_wait(struct ui_ctx *c, const char *name, enum ui_cond cond, const char *arg,
                   double limit_s)
{
    static char seen[UI_FAIL_MAX / 2];
    char when[32];
    uint64_t t0 = ui_now_ms();
    int id = ui_id_parse(name);
    if (id < 0) {
        return ui_fail(c, "unknown control %s", name);
    }
    if (ui_need_app(c) != 0) {
        return -1;
    }
    for (;;) {
        if (ui_cond_holds(c, id, cond, arg, seen, sizeof seen)) {
            return 0;
        }
        if (!ui_app_alive(c)) {
            return ui_fail(c, "the application ended while waiting for %s %s %s", name,
                           UI_COND_WORD[cond], arg != NULL ? arg : "");
        }
        if ((double)(ui_now_ms() - t0) >= limit_s * 1000.0) {
            break;
        }
        Sleep(UI_POLL_MS);
    }
    if (limit_s < 0.01) {
        snprintf(when, sizeof when, "now");
    } else {
        snprintf(when, sizeof when, "within %.1f s", limit_s);
    }
    return ui_fail(c, "expected %s %s%s%s%s %s; saw %s", name, UI_COND_WORD[cond],
                   arg != NULL ? " \"" : "", arg != NULL ? arg : "", arg != NULL ? "\"" : "", when,
                   seen);
}

static int ui_cmd_wait_text(struct ui_ctx *c, int argc, char **argv)
{
    return ui_wait(c, argv[1], UI_TEXT, argv[2],
                   ui_seconds(argc > 3 ? argv[3] : NULL, UI_DEFAULT_S));
}

static int ui_cmd_wait_no_text(struct ui_ctx *c, int argc, char **argv)
{
    return ui_wait(c, argv[1], UI_NO_TEXT, argv[2],
                   ui_seconds(argc > 3 ? argv[3] : NULL, UI_DEFAULT_S));
}

/* never-text ID SUB S: the text must not appear at any look during S seconds (an action that
 * must have no effect, e.g. Enter on a disabled default button). */
static int ui_cmd_never_text(struct ui_ctx *c, int argc, char **argv)
{
    static char seen[UI_FAIL_MAX / 2];
    double limit = ui_seconds(argc > 3 ? argv[3] : NULL, 1.0);
    uint64_t t0 = ui_now_ms();
    int id = ui_id_parse(argv[1]);
    if (id < 0) {
        return ui_fail(c, "unknown control %s", argv[1]);
    }
    if (ui_need_app(c) != 0) {
        return -1;
    }
    while ((double)(ui_now_ms() - t0) < limit * 1000.0) {
        if (!ui_cond_holds(c, id, UI_NO_TEXT, argv[2], seen, sizeof seen)) {
            return ui_fail(c,
                           "expected %s never to show \"%s\" for %.1f s; after %llu ms it "
                           "showed %s",
                           argv[1], argv[2], limit, (unsigned long long)(ui_now_ms() - t0), seen);
        }
        Sleep(UI_POLL_MS);
    }
    return 0;
}

static int ui_cmd_expect_text(struct ui_ctx *c, int argc, char **argv)
{
    (void)argc;
    return ui_wait(c, argv[1], UI_TEXT, argv[2], 0.001);
}

static int ui_cmd_expect_no_text(struct ui_ctx *c, int argc, char **argv)
{
    (void)argc;
    return ui_wait(c, argv[1], UI_NO_TEXT, argv[2], 0.001);
}

static int ui_cmd_wait_state(struct ui_ctx *c, int argc, char **argv)
{
    double limit = ui_seconds(argc > 2 ? argv[2] : NULL, UI_DEFAULT_S);
    bool expect = strncmp(argv[0], "expect-", 7) == 0;
    const char *what = strchr(argv[0], '-') + 1;
    enum ui_cond cond = UI_VISIBLE;
    if (strcmp(what, "hidden") == 0) {
        cond = UI_HIDDEN;
    } else if (strcmp(what, "enabled") == 0) {
        cond = UI_ENABLED;
    } else if (strcmp(what, "disabled") == 0) {
        cond = UI_DISABLED;
    }
    return ui_wait(c, argv[1], cond, NULL, expect ? 0.001 : limit);
}

static int ui_cmd_wait_progress(struct ui_ctx *c, int argc, char **argv)
{
    bool expect = strncmp(argv[0], "expect-", 7) == 0;
    double limit = ui_seconds(argc > 3 ? argv[3] : NULL, UI_DEFAULT_S);
    return ui_wait(c, argv[1], UI_PROGRESS, argv[2], expect ? 0.001 : limit);
}

static int ui_cmd_print(struct ui_ctx *c, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        int id = ui_id_parse(argv[i]);
        HWND h = id >= 0 ? ui_control(c, id) : NULL;
        char *t = h != NULL ? ui_text(h) : NULL;
        printf("%s: \"%s\"\n", argv[i], t != NULL ? t : "(no such control)");
        free(t);
    }
    return 0;
}

/* tail ID N: the last N lines of a control's text (the terminal's end). */
static int ui_cmd_tail(struct ui_ctx *c, int argc, char **argv)
{
    HWND h = ui_arg_control(c, argv[1], NULL);
    long want = atol(argv[2]);
    char *t;
    char *p;
    (void)argc;
    if (h == NULL) {
        return -1;
    }
    t = ui_text(h);
    if (t == NULL) {
        return ui_fail(c, "%s did not answer WM_GETTEXT", argv[1]);
    }
    p = t + strlen(t);
    while (p > t && (p[-1] == '\n' || p[-1] == '\r' || p[-1] == ' ')) {
        p--;
    }
    *p = '\0';
    for (long n = 0; p > t; p--) {
        if (p[-1] == '\n' && ++n == want) {
            break;
        }
    }
    printf("%s, last %ld lines:\n", argv[1], want);
    for (char *line = strtok(p, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        line[strcspn(line, "\r")] = '\0';
        printf("  | %s\n", line);
    }
    free(t);
    return 0;
}

static int ui_cmd_dump(struct ui_ctx *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    ui_dump_controls(c, stdout);
    return 0;
}

static int ui_cmd_screenshot(struct ui_ctx *c, int argc, char **argv)
{
    char path[UI_PATH_MAX + 128];
    char err[256];
    (void)argc;
    if (ui_need_app(c) != 0) {
        return -1;
    }
    if (strchr(argv[1], '\\') != NULL || strchr(argv[1], ':') != NULL) {
        snprintf(path, sizeof path, "%s", argv[1]);
    } else {
        snprintf(path, sizeof path, "%s\\%s-%s.png", c->shots_dir, c->case_name, argv[1]);
    }
    if (ui_png_capture(c->wnd, path, err, sizeof err) != 0) {
        return ui_fail(c, "screenshot %s: %s", path, err);
    }
    printf("screenshot: %s\n", path);
    return 0;
}

static const struct ui_cmd UI_CMDS[] = {
        {"launch", 0, 12, ui_cmd_launch, "launch [ARGS...]"},
        {"close", 0, 1, ui_cmd_close, "close [TIMEOUT_S]"},
        {"expect-shown-within", 1, 2, ui_cmd_expect_shown, "expect-shown-within MS [best]"},
        {"set", 2, 2, ui_cmd_set, "set ID TEXT"},
        {"select", 2, 2, ui_cmd_select, "select ID TEXT"},
        {"check", 2, 2, ui_cmd_check, "check ID 0|1"},
        {"expect-checked", 2, 2, ui_cmd_expect_checked, "expect-checked ID 0|1"},
        {"click", 1, 1, ui_cmd_click, "click ID"},
        {"key", 1, 1, ui_cmd_key, "key VK_ESCAPE|VK_RETURN|VK_F5|VK_TAB|number"},
        {"wait-text", 2, 3, ui_cmd_wait_text, "wait-text ID SUBSTRING [TIMEOUT_S]"},
        {"wait-no-text", 2, 3, ui_cmd_wait_no_text, "wait-no-text ID SUBSTRING [TIMEOUT_S]"},
        {"expect-text", 2, 2, ui_cmd_expect_text, "expect-text ID SUBSTRING"},
        {"never-text", 3, 3, ui_cmd_never_text, "never-text ID SUBSTRING SECONDS"},
        {"expect-no-text", 2, 2, ui_cmd_expect_no_text, "expect-no-text ID SUBSTRING"},
        {"wait-visible", 1, 2, ui_cmd_wait_state, "wait-visible ID [TIMEOUT_S]"},
        {"wait-hidden", 1, 2, ui_cmd_wait_state, "wait-hidden ID [TIMEOUT_S]"},
        {"wait-enabled", 1, 2, ui_cmd_wait_state, "wait-enabled ID [TIMEOUT_S]"},
        {"wait-disabled", 1, 2, ui_cmd_wait_state, "wait-disabled ID [TIMEOUT_S]"},
        {"expect-visible", 1, 1, ui_cmd_wait_state, "expect-visible ID"},
        {"expect-hidden", 1, 1, ui_cmd_wait_state, "expect-hidden ID"},
        {"expect-enabled", 1, 1, ui_cmd_wait_state, "expect-enabled ID"},
        {"expect-disabled", 1, 1, ui_cmd_wait_state, "expect-disabled ID"},
        {"wait-progress", 2, 3, ui_cmd_wait_progress, "wait-progress ID MIN [TIMEOUT_S]"},
        {"expect-progress", 2, 2, ui_cmd_wait_progress, "expect-progress ID MIN"},
        {"print", 1, 8, ui_cmd_print, "print ID..."},
        {"tail", 2, 2, ui_cmd_tail, "tail ID LINES"},
        {"dump", 0, 0, ui_cmd_dump, "dump"},
        {"screenshot", 1, 1, ui_cmd_screenshot, "screenshot STATE | screenshot PATH.png"},
        {"sim", 1, 8, ui_cmd_sim, "sim COMMAND..."},
        {"sim-expect", 2, 3, ui_cmd_sim_expect, "sim-expect \"COMMAND\" SUBSTRING [TIMEOUT_S]"},
        {"hold-port", 1, 1, ui_cmd_hold_port, "hold-port COMn"},
        {"release-port", 0, 0, ui_cmd_release_port, "release-port"},
        {"stall-probe", 1, 2, ui_cmd_stall_probe, "stall-probe start | stall-probe stop MAX_MS"},
        {"check-layout", 0, 0, NULL, "check-layout"},
        {"type", 2, 2, ui_cmd_type, "type ID TEXT (escapes: \\r \\n \\t \\xNN)"},
        {"paste", 2, 2, ui_cmd_paste, "paste ID TEXT"},
        {"command", 1, 1, ui_cmd_command, "command ID"},
        {"file-dialog", 2, 3, ui_cmd_file_dialog, "file-dialog TITLE PATH [TIMEOUT_S]"},
        {"expect-same-file", 2, 3, ui_cmd_expect_same_file, "expect-same-file A B [TIMEOUT_S]"},
        {"tab", 1, 1, ui_cmd_tab, "tab INDEX"},
        {"wait-file-text", 2, 3, ui_cmd_wait_file_text,
         "wait-file-text PATH SUBSTRING [TIMEOUT_S]"},
};

int ui_cmd_run(struct ui_ctx *c, int argc, char **argv)
{
    for (size_t i = 0; i < sizeof UI_CMDS / sizeof UI_CMDS[0]; i++) {
        const struct ui_cmd *k = &UI_CMDS[i];
        if (strcmp(argv[0], k->name) != 0) {
            continue;
        }
        if (argc - 1 < k->min_args || argc - 1 > k->max_args) {
            return ui_fail(c, "usage: %s", k->usage);
        }
        if (k->run == NULL) {
            return ui_cmd_layout(c);
        }
        return k->run(c, argc, argv);
    }
    return ui_fail(c, "unknown command %s", argv[0]);
}
