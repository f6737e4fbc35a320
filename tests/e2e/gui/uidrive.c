/* SPDX-License-Identifier: MIT */
/* uidrive.exe: runs a GUI test script against MicroFlash.exe under Wine. Reads the script, one
 * command per line, prints each step with its time, and on a failure says what was expected, what
 * was seen and every visible text of the window. Exit 0 only when every step passed. */
#include "uidrive.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resource.h"

#define UI_LINE_MAX 4096u

struct ui_id_entry {
    const char *name;
    int id;
};

#define UI_ID(x)                                                                                   \
    {                                                                                              \
#x, x                                                                                      \
    }
static const struct ui_id_entry UI_IDS[] = {
        UI_ID(IDC_FLASH),
        UI_ID(IDC_CANCEL),
        UI_ID(IDC_PORT_LABEL),
        UI_ID(IDC_PORT),
        UI_ID(IDC_PORT_NOTE),
        UI_ID(IDC_FILE_LABEL),
        UI_ID(IDC_FILE),
        UI_ID(IDC_BROWSE),
        UI_ID(IDC_FILE_INFO),
        UI_ID(IDC_ERASE_ALL),
        UI_ID(IDC_ADVANCED),
        UI_ID(IDC_ADV_GROUP),
        UI_ID(IDC_BAUD_LABEL),
        UI_ID(IDC_BAUD),
        UI_ID(IDC_MODE_LABEL),
        UI_ID(IDC_MODE),
        UI_ID(IDC_FLASH_SIZE_LABEL),
        UI_ID(IDC_FLASH_SIZE),
        UI_ID(IDC_OFFSET_LABEL),
        UI_ID(IDC_OFFSET),
        UI_ID(IDC_BEFORE_LABEL),
        UI_ID(IDC_BEFORE),
        UI_ID(IDC_AFTER_LABEL),
        UI_ID(IDC_AFTER),
        UI_ID(IDC_EXTRA_LABEL),
        UI_ID(IDC_EXTRA),
        UI_ID(IDC_EXTRA_ADD),
        UI_ID(IDC_EXTRA_REMOVE),
        UI_ID(IDC_PROGRESS),
        UI_ID(IDC_STAGE),
        UI_ID(IDC_DETAIL),
        UI_ID(IDC_BOARD),
        UI_ID(IDC_PROBLEM_GROUP),
        UI_ID(IDC_PROBLEM_TITLE),
        UI_ID(IDC_PROBLEM_TEXT),
        UI_ID(IDC_PROBLEM_ACT1),
        UI_ID(IDC_PROBLEM_ACT2),
        UI_ID(IDC_PROBLEM_ACT3),
        UI_ID(IDC_COPY_DETAILS),
        UI_ID(IDC_TABS),
        UI_ID(IDC_TERM),
        UI_ID(IDC_LOG),
        UI_ID(IDC_SAVE_LOG),
        UI_ID(IDC_TERM_CONNECT),
        UI_ID(IDC_TERM_BAUD),
        UI_ID(IDC_TERM_RESET),
        UI_ID(IDC_TERM_BOOTLOADER),
        UI_ID(IDC_TERM_UPLOAD),
        UI_ID(IDC_TERM_MORE),
        UI_ID(IDC_FILES_LIST),
        UI_ID(IDC_FILES_UPLOAD),
        UI_ID(IDC_FILES_DOWNLOAD),
        UI_ID(IDC_FILES_DELETE),
        UI_ID(IDC_FILES_REFRESH),
        UI_ID(IDM_TERM_DTR),
        UI_ID(IDM_TERM_RTS),
        UI_ID(IDM_TERM_SOFT_RESET),
        UI_ID(IDM_TERM_SESSION_LOG),
};

uint64_t ui_now_ms(void)
{
    return GetTickCount64();
}

int ui_fail(struct ui_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->failure, sizeof c->failure, fmt, ap);
    va_end(ap);
    return -1;
}

int ui_id_parse(const char *s)
{
    char *end = NULL;
    long v;
    for (size_t i = 0; i < sizeof UI_IDS / sizeof UI_IDS[0]; i++) {
        if (_stricmp(s, UI_IDS[i].name) == 0) {
            return UI_IDS[i].id;
        }
    }
    v = strtol(s, &end, 0);
    if (end == s || *end != '\0' || v < 0 || v > 0xFFFF) {
        return -1;
    }
    return (int)v;
}

const char *ui_id_name(int id)
{
    for (size_t i = 0; i < sizeof UI_IDS / sizeof UI_IDS[0]; i++) {
        if (UI_IDS[i].id == id) {
            return UI_IDS[i].name;
        }
    }
    return "?";
}

/* ---- finding controls and reading them ---- */

struct ui_find {
    int id;
    HWND visible;
    HWND any;
};

/* The edit field inside a combo box always has ID 1001 (= IDC_PORT): it is part of its combo,
 * not a control of the dialog. */
static bool ui_in_combo(HWND h)
{
    wchar_t cls[16];
    HWND parent = GetParent(h);
    return parent != NULL && GetClassNameW(parent, cls, 16) > 0 && _wcsicmp(cls, L"ComboBox") == 0;
}

static BOOL CALLBACK ui_find_child(HWND h, LPARAM lp)
{
    struct ui_find *f = (struct ui_find *)lp;
    if (GetDlgCtrlID(h) == f->id && !ui_in_combo(h)) {
        if (f->any == NULL) {
            f->any = h;
        }
        if (f->visible == NULL && IsWindowVisible(h)) {
            f->visible = h;
        }
    }
    return TRUE;
}

HWND ui_control(struct ui_ctx *c, int id)
{
    struct ui_find f = {id, NULL, NULL};
    if (c->wnd == NULL) {
        return NULL;
    }
    EnumChildWindows(c->wnd, ui_find_child, (LPARAM)&f);
    return f.visible != NULL ? f.visible : f.any;
}

/* A button's or label's text as the user reads it: "Try agai&n" is "Try again", "&&" is "&". */
static void ui_strip_mnemonics(HWND h, wchar_t *w)
{
    wchar_t cls[16];
    wchar_t *o = w;
    LONG style = GetWindowLongW(h, GWL_STYLE);
    GetClassNameW(h, cls, 16);
    if (!(_wcsicmp(cls, L"Button") == 0 ||
          (_wcsicmp(cls, L"Static") == 0 && (style & SS_NOPREFIX) == 0))) {
        return;
    }
    for (const wchar_t *r = w; *r != L'\0'; r++) {
        if (*r == L'&' && r[1] != L'\0') {
            r++;
        }
        *o++ = *r;
    }
    *o = L'\0';
}

char *ui_text(HWND h)
{
    DWORD_PTR len = 0;
    DWORD_PTR got = 0;
    wchar_t *w;
    char *u;
    int n;
    if (!SendMessageTimeoutW(h, WM_GETTEXTLENGTH, 0, 0, SMTO_NORMAL, UI_SEND_MS, &len)) {
        return NULL;
    }
    w = calloc(len + 2, sizeof *w);
    if (w == NULL) {
        return NULL;
    }
    if (!SendMessageTimeoutW(h, WM_GETTEXT, len + 1, (LPARAM)w, SMTO_NORMAL, UI_SEND_MS, &got)) {
        free(w);
        return NULL;
    }
    w[got <= len ? got : len] = L'\0';
    ui_strip_mnemonics(h, w);
    n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    u = malloc(n > 0 ? (size_t)n : 1u);
    if (u != NULL) {
        u[0] = '\0';
        if (n > 0) {
            WideCharToMultiByte(CP_UTF8, 0, w, -1, u, n, NULL, NULL);
        }
    }
    free(w);
    return u;
}

struct ui_dump {
    FILE *out;
    HWND top;
};

/* Prints text on one line: control characters as escapes, long texts shortened to the start and
 * the end (the end of a terminal is what matters). */
static void ui_dump_text(FILE *out, const char *t)
{
    size_t len = strlen(t);
    const size_t head = 300;
    const size_t tail = 700;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)t[i];
        if (len > head + tail && i == head) {
            fprintf(out, " [... %zu bytes ...] ", len - head - tail);
            i = len - tail;
            ch = (unsigned char)t[i];
        }
        if (ch == '\r') {
            continue;
        }
        if (ch == '\n') {
            fputs("\\n", out);
        } else if (ch < 0x20) {
            fprintf(out, "\\x%02x", ch);
        } else {
            fputc(ch, out);
        }
    }
}

static BOOL CALLBACK ui_dump_child(HWND h, LPARAM lp)
{
    struct ui_dump *d = (struct ui_dump *)lp;
    wchar_t cls[64];
    char cls8[64];
    int id = GetDlgCtrlID(h);
    char *t;
    if (!IsWindowVisible(h) || ui_in_combo(h)) {
        return TRUE;
    }
    GetClassNameW(h, cls, 64);
    WideCharToMultiByte(CP_UTF8, 0, cls, -1, cls8, sizeof cls8, NULL, NULL);
    fprintf(d->out, "  %5d %-18s %-14s%s", id, ui_id_name(id), cls8,
            IsWindowEnabled(h) ? "" : " (disabled)");
    if (_wcsicmp(cls, L"msctls_progress32") == 0) {
        DWORD_PTR pos = 0;
        SendMessageTimeoutW(h, PBM_GETPOS, 0, 0, SMTO_NORMAL, UI_SEND_MS, &pos);
        fprintf(d->out, " pos=%u", (unsigned)pos);
    } else if (_wcsicmp(cls, L"Button") == 0) {
        DWORD_PTR st = 0;
        LONG style = GetWindowLongW(h, GWL_STYLE) & BS_TYPEMASK;
        if (style == BS_CHECKBOX || style == BS_AUTOCHECKBOX || style == BS_RADIOBUTTON ||
            style == BS_AUTORADIOBUTTON) {
            SendMessageTimeoutW(h, BM_GETCHECK, 0, 0, SMTO_NORMAL, UI_SEND_MS, &st);
            fprintf(d->out, " checked=%u", (unsigned)st);
        }
    }
    t = ui_text(h);
    fputs(" \"", d->out);
    ui_dump_text(d->out, t != NULL ? t : "(no answer)");
    fputs("\"\n", d->out);
    free(t);
    return TRUE;
}

void ui_dump_controls(struct ui_ctx *c, FILE *out)
{
    struct ui_dump d = {out, c->wnd};
    char *title;
    if (c->wnd == NULL || !IsWindow(c->wnd)) {
        fprintf(out, "  (no main window)\n");
        return;
    }
    title = ui_text(c->wnd);
    fprintf(out, "  window \"%s\" style 0x%08lx%s\n", title != NULL ? title : "?",
            (unsigned long)GetWindowLongW(c->wnd, GWL_STYLE),
            (GetWindowLongW(c->wnd, GWL_STYLE) & WS_CLIPCHILDREN) != 0 ? " (WS_CLIPCHILDREN)" : "");
    free(title);
    EnumChildWindows(c->wnd, ui_dump_child, (LPARAM)&d);
}

/* ---- the script ---- */

static const char *ui_var_get(const struct ui_ctx *c, const char *name, size_t len)
{
    for (size_t i = 0; i < c->nvars; i++) {
        if (strlen(c->vars[i].name) == len && strncmp(c->vars[i].name, name, len) == 0) {
            return c->vars[i].value;
        }
    }
    return NULL;
}

/* Replaces ${NAME} by the value given with --var NAME=VALUE. */
static int ui_expand(struct ui_ctx *c, const char *in, char *out, size_t cap)
{
    size_t o = 0;
    while (*in != '\0') {
        const char *end;
        const char *val;
        size_t n;
        if (in[0] == '$' && in[1] == '{' && (end = strchr(in + 2, '}')) != NULL) {
            val = ui_var_get(c, in + 2, (size_t)(end - in - 2));
            if (val == NULL) {
                return ui_fail(c, "unknown variable %.*s (give it with --var)", (int)(end - in + 1),
                               in);
            }
            n = strlen(val);
            in = end + 1;
        } else {
            val = in;
            n = 1;
            in++;
        }
        if (o + n >= cap) {
            return ui_fail(c, "line too long after expanding variables");
        }
        memcpy(out + o, val, n);
        o += n;
    }
    out[o] = '\0';
    return 0;
}

/* Splits a line into words: blanks separate, "double quotes" group (\" and \\ inside). Words are
 * written into buf; a word starting with # outside quotes ends the line. */
static int ui_split(struct ui_ctx *c, char *line, char **argv, int max)
{
    int argc = 0;
    char *r = line;
    char *w = line;
    while (*r != '\0') {
        while (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n') {
            r++;
        }
        if (*r == '\0' || *r == '#') {
            break;
        }
        if (argc == max) {
            return ui_fail(c, "more than %d words", max);
        }
        argv[argc++] = w;
        if (*r == '"') {
            r++;
            while (*r != '"') {
                if (*r == '\0') {
                    return ui_fail(c, "unclosed quote");
                }
                if (*r == '\\' && (r[1] == '"' || r[1] == '\\')) {
                    r++;
                }
                *w++ = *r++;
            }
            r++;
        } else {
            while (*r != '\0' && *r != ' ' && *r != '\t' && *r != '\r' && *r != '\n') {
                *w++ = *r++;
            }
        }
        if (*r != '\0') {
            r++;
        }
        *w++ = '\0';
    }
    return argc;
}

static void ui_report_failure(struct ui_ctx *c, const char *line)
{
    char shot[UI_PATH_MAX + 96];
    char err[256];
    printf("FAIL line %u: %s\n  %s\n", c->line_no, line, c->failure);
    printf("  the window's visible controls:\n");
    ui_dump_controls(c, stdout);
    if (c->wnd != NULL && IsWindow(c->wnd) && c->shots_dir[0] != '\0') {
        snprintf(shot, sizeof shot, "%s\\%s-failure.png", c->shots_dir, c->case_name);
        if (ui_png_capture(c->wnd, shot, err, sizeof err) == 0) {
            printf("  screenshot of the failure: %s\n", shot);
        } else {
            printf("  no screenshot of the failure: %s\n", err);
        }
    }
    fflush(stdout);
}

static int ui_run_script(struct ui_ctx *c, const char *path)
{
    char line[UI_LINE_MAX];
    char expanded[UI_LINE_MAX];
    char *argv[UI_ARGS_MAX];
    char *argx[UI_ARGS_MAX];
    char words[UI_ARGS_MAX][UI_LINE_MAX / 4];
    FILE *f = fopen(path, "r");
    uint64_t start = ui_now_ms();
    unsigned steps = 0;
    int rc = 0;
    if (f == NULL) {
        printf("FAIL cannot open the script %s\n", path);
        return -1;
    }
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        char shown[UI_LINE_MAX];
        uint64_t t0;
        int argc;
        c->line_no++;
        line[strcspn(line, "\r\n")] = '\0';
        snprintf(shown, sizeof shown, "%s", line);
        argc = ui_split(c, line, argv, (int)UI_ARGS_MAX);
        if (argc < 0) {
            rc = -1;
            break;
        }
        if (argc == 0) {
            continue;
        }
        for (int i = 0; i < argc && rc == 0; i++) {
            rc = ui_expand(c, argv[i], expanded, sizeof expanded);
            if (rc == 0 && strlen(expanded) >= sizeof words[i]) {
                rc = ui_fail(c, "word %d is too long", i + 1);
            }
            if (rc == 0) {
                snprintf(words[i], sizeof words[i], "%s", expanded);
                argx[i] = words[i];
            }
        }
        if (rc != 0) {
            ui_report_failure(c, shown);
            break;
        }
        printf("[%7.3f s] line %u: %s\n", (double)(ui_now_ms() - start) / 1000.0, c->line_no,
               shown);
        fflush(stdout);
        t0 = ui_now_ms();
        rc = ui_cmd_run(c, argc, argx);
        steps++;
        if (rc != 0) {
            ui_report_failure(c, shown);
        } else {
            printf("           ok (%llu ms)\n", (unsigned long long)(ui_now_ms() - t0));
            fflush(stdout);
        }
    }
    fclose(f);
    if (rc == 0 && c->late_failures > 0) {
        printf("FAIL: %u checks failed along the way:\n%s", c->late_failures, c->late);
        rc = -1;
    }
    printf("script %s: %u steps in %.1f s\n", rc == 0 ? "passed" : "FAILED", steps,
           (double)(ui_now_ms() - start) / 1000.0);
    return rc;
}

static void ui_usage(void)
{
    puts("usage: uidrive --app MicroFlash.exe --script FILE --out DIR [--shots DIR]\n"
         "               [--case NAME] [--control PORT] [--var NAME=VALUE]...\n"
         "Runs the script's commands against the application; see tests/e2e/gui/README.md.");
}

int main(int argc, char **argv)
{
    static struct ui_ctx ctx;
    struct ui_ctx *c = &ctx;
    const char *script = NULL;
    int rc;
    WSADATA wsa;

    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(c->case_name, sizeof c->case_name, "case");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0) {
            ui_usage();
            return 0;
        }
        if (v == NULL) {
            fprintf(stderr, "uidrive: %s needs a value\n", a);
            return 2;
        }
        i++;
        if (strcmp(a, "--app") == 0) {
            snprintf(c->app, sizeof c->app, "%s", v);
        } else if (strcmp(a, "--script") == 0) {
            script = v;
        } else if (strcmp(a, "--out") == 0) {
            snprintf(c->out_dir, sizeof c->out_dir, "%s", v);
        } else if (strcmp(a, "--shots") == 0) {
            snprintf(c->shots_dir, sizeof c->shots_dir, "%s", v);
        } else if (strcmp(a, "--case") == 0) {
            snprintf(c->case_name, sizeof c->case_name, "%s", v);
        } else if (strcmp(a, "--control") == 0) {
            c->control_port = (unsigned)strtoul(v, NULL, 10);
        } else if (strcmp(a, "--var") == 0) {
            const char *eq = strchr(v, '=');
            struct ui_var *var = &c->vars[c->nvars];
            if (eq == NULL || c->nvars == UI_VARS_MAX || (size_t)(eq - v) >= sizeof var->name) {
                fprintf(stderr, "uidrive: --var wants NAME=VALUE (at most %u)\n", UI_VARS_MAX);
                return 2;
            }
            snprintf(var->name, sizeof var->name, "%.*s", (int)(eq - v), v);
            snprintf(var->value, sizeof var->value, "%s", eq + 1);
            c->nvars++;
        } else {
            fprintf(stderr, "uidrive: unknown option %s\n", a);
            return 2;
        }
    }
    if (c->app[0] == '\0' || script == NULL || c->out_dir[0] == '\0') {
        ui_usage();
        return 2;
    }
    if (c->shots_dir[0] == '\0') {
        snprintf(c->shots_dir, sizeof c->shots_dir, "%s", c->out_dir);
    }
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
        fprintf(stderr, "uidrive: WSAStartup failed\n");
        return 2;
    }
    CreateDirectoryA(c->out_dir, NULL);
    CreateDirectoryA(c->shots_dir, NULL);

    rc = ui_run_script(c, script);
    if (c->probe_running) {
        char *stop[] = {"stall-probe", "stop", "100000"};
        ui_cmd_run(c, 3, stop);
    }
    if (c->running) {
        if (rc == 0) {
            printf("note: the script ended with the application still open; closing it\n");
        }
        ui_app_stop(c, rc != 0);
    }
    if (c->held != NULL) {
        char *rel[] = {"release-port"};
        ui_cmd_run(c, 1, rel);
    }
    WSACleanup();
    printf("uidrive: %s\n", rc == 0 ? "PASS" : "FAIL");
    return rc == 0 ? 0 : 1;
}
