/* SPDX-License-Identifier: MIT */
/* uidrive: drives MicroFlash.exe from outside by control IDs (never by pixels) and runs a test
 * script against it. Shared state of the driver, its commands and its PNG screenshot writer. */
#ifndef MF_UIDRIVE_H
#define MF_UIDRIVE_H

#include <winsock2.h> /* before windows.h */
#include <windows.h>
#include <commctrl.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define UI_PATH_MAX  1024u
#define UI_VARS_MAX  32u
#define UI_ARGS_MAX  16u
#define UI_FAIL_MAX  4096u
#define UI_DEFAULT_S 10.0   /* wait-* commands without a time limit */
#define UI_POLL_MS   20u    /* how often wait-* commands look again */
#define UI_SEND_MS   2000u  /* SendMessageTimeout limit for reading a control */
#define UI_SHOWN_MS  60000u /* launch: the main window must appear within this */
#define UI_CLOSE_MS  10000u /* close: the process must end within this */

struct ui_var {
    char name[64];
    char value[UI_PATH_MAX];
};

#define UI_PROBE_NOTES   12u
#define UI_PROBE_NOTE_MS 50u

/* The stall probe: a thread that pings the UI thread with WM_NULL and keeps the worst reply. */
struct ui_probe {
    HANDLE thread;
    HWND wnd;
    volatile LONG stop;
    uint64_t start_ms;
    volatile LONG worst_ms;
    volatile LONG worst_at_ms; /* since start_ms */
    volatile LONG probes;
    volatile LONG timeouts;
    HWND stage; /* IDC_STAGE: what the window was doing at a stall */
    struct {    /* the first stalls over UI_PROBE_NOTE_MS (read after stop) */
        uint32_t at_ms, ms;
        char stage[80];
    } notes[UI_PROBE_NOTES];
    unsigned nnotes;
};

struct ui_ctx {
    /* Command line */
    char app[UI_PATH_MAX];     /* MicroFlash.exe */
    char out_dir[UI_PATH_MAX]; /* the case's folder: config\ lives here */
    char shots_dir[UI_PATH_MAX];
    char case_name[64];
    unsigned control_port; /* esp8266-sim's control channel, 0 = none */
    struct ui_var vars[UI_VARS_MAX];
    size_t nvars;
    /* The application */
    PROCESS_INFORMATION pi;
    bool running;
    HWND wnd;
    uint64_t launch_ms;    /* CreateProcess to a visible main window */
    uint64_t best_warm_ms; /* the fastest launch after the script's first */
    unsigned launches;
    /* Helpers */
    struct port *held; /* hold-port */
    struct ui_probe probe;
    bool probe_running;
    /* The current step and its failure */
    unsigned line_no;
    char failure[UI_FAIL_MAX];
    /* Checks that report and go on (check-layout): the script fails at its end. */
    unsigned late_failures;
    char late[UI_FAIL_MAX];
};

/* Milliseconds on a monotonic clock. */
uint64_t ui_now_ms(void);

/* Records why the current step failed (printf style); returns -1. */
int ui_fail(struct ui_ctx *c, const char *fmt, ...) __attribute__((format(gnu_printf, 2, 3)));

/* A control of the main window by its ID (searched through every descendant, a visible one
 * first); NULL when there is none. */
HWND ui_control(struct ui_ctx *c, int id);

/* The text of a window (WM_GETTEXT across processes) as UTF-8 in a malloc'ed string, or NULL
 * when the window did not answer. */
char *ui_text(HWND h);

/* The numeric ID of a control name ("IDC_FLASH", "1201"); -1 when unknown. */
int ui_id_parse(const char *s);
const char *ui_id_name(int id);

/* Prints every visible control of the main window: ID, class, state and text. */
void ui_dump_controls(struct ui_ctx *c, FILE *out);

/* Runs one script command (argv[0] is its name). 0 = passed, -1 = failed (c->failure set). */
int ui_cmd_run(struct ui_ctx *c, int argc, char **argv);

/* Commands of uidrive_sim.c (argv[0] is the command's name). */
int ui_cmd_sim(struct ui_ctx *c, int argc, char **argv);
int ui_cmd_sim_expect(struct ui_ctx *c, int argc, char **argv);
int ui_cmd_hold_port(struct ui_ctx *c, int argc, char **argv);
int ui_cmd_release_port(struct ui_ctx *c, int argc, char **argv);
int ui_cmd_stall_probe(struct ui_ctx *c, int argc, char **argv);

/* Commands of uidrive_term.c: the terminal pane, menus, file dialogs, files. */
int ui_cmd_type(struct ui_ctx *c, int argc, char **argv);
int ui_cmd_paste(struct ui_ctx *c, int argc, char **argv);
int ui_cmd_command(struct ui_ctx *c, int argc, char **argv);
int ui_cmd_file_dialog(struct ui_ctx *c, int argc, char **argv);
int ui_cmd_expect_same_file(struct ui_ctx *c, int argc, char **argv);
int ui_cmd_tab(struct ui_ctx *c, int argc, char **argv);
int ui_cmd_wait_file_text(struct ui_ctx *c, int argc, char **argv);

/* Closes the application if it still runs (WM_CLOSE, then TerminateProcess). */
void ui_app_stop(struct ui_ctx *c, bool force);

/* check-layout: every visible control lies inside the client area, is not squeezed to a sliver
 * and no two overlap (group boxes and tab controls may hold others). A bad layout is counted as a
 * late failure: the script goes on (so every state gets checked and its screenshot taken) and fails
 * at its end. */
int ui_cmd_layout(struct ui_ctx *c);

/* Captures the window as it is on screen and writes it as a PNG file. 0, or -1 with err set. */
int ui_png_capture(HWND wnd, const char *path, char *err, size_t err_cap);

#endif
