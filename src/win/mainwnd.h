/* SPDX-License-Identifier: MIT */
/* The main window's state (one struct app, kept in DWLP_USER) and the functions its parts share:
 * mainwnd.c dispatches messages, the other mainwnd_*.c files each own one concern. */
#ifndef MF_MAINWND_H
#define MF_MAINWND_H

#define COBJMACROS
#include <windows.h>
#include <commctrl.h>
#include <shellapi.h>
#include <shobjidl.h>

#include "err.h"
#include "image.h"
#include "ports.h"
#include "session.h"
#include "settings.h"
#include "term.h"
#include "winmsg.h"
#include "worker.h"

#include "resource.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Timers of the main window. */
enum mainwnd_timer {
    MAINWND_TIMER_PORTS = 1, /* device change settled: list the ports again */
    MAINWND_TIMER_FILE,      /* the typed firmware path settled: look at the file */
    MAINWND_TIMER_TICK,      /* countdowns: manual boot, boot watch */
    MAINWND_TIMER_START,     /* the window is shown: list the ports, look at the file */
    MAINWND_TIMER_SAVE,      /* a job ended: save the settings (apart from the job's messages) */
    MAINWND_TIMER_TERM,      /* board output gathered: show it in the terminal pane at once */
};

#define MAINWND_PORTS_DELAY_MS 300u
#define MAINWND_FILE_DELAY_MS  400u
#define MAINWND_TICK_MS        250u
#define MAINWND_START_MS       10u
#define MAINWND_SAVE_MS        500u
#define MAINWND_TERM_MS        40u /* board output is shown at most this often */
#define MAINWND_TERM_PENDING   (64u * 1024u)

/* The problems the panel can show (mainwnd_problem.c has their texts and actions). */
enum mainwnd_problem {
    MAINWND_PROBLEM_NONE = 0,
    MAINWND_PROBLEM_MANUAL_BOOT, /* live, while the job waits */
    MAINWND_PROBLEM_NO_PORT,
    MAINWND_PROBLEM_BAD_FILE,
    MAINWND_PROBLEM_PORT_BUSY,
    MAINWND_PROBLEM_PORT_GONE,
    MAINWND_PROBLEM_PORT_NOT_FOUND,
    MAINWND_PROBLEM_PORT_ACCESS,
    MAINWND_PROBLEM_NO_DATA,
    MAINWND_PROBLEM_NOT_DOWNLOAD_MODE,
    MAINWND_PROBLEM_NO_SYNC,
    MAINWND_PROBLEM_WRONG_CHIP,
    MAINWND_PROBLEM_VERIFY,
    MAINWND_PROBLEM_CANCELLED,
    MAINWND_PROBLEM_NO_BANNER,
    MAINWND_PROBLEM_FAILED,
};

/* What a problem panel button does. */
enum mainwnd_action {
    MAINWND_ACT_NONE = 0,
    MAINWND_ACT_RETRY,        /* the same job again */
    MAINWND_ACT_FLASH_AGAIN,  /* the same, after a cancel */
    MAINWND_ACT_RETRY_MANUAL, /* again, waiting long for the user's FLASH/RESET */
    MAINWND_ACT_DIO,          /* rewrite the header sector with DIO */
    MAINWND_ACT_DOUT,         /* ... with DOUT */
    MAINWND_ACT_FULL_ERASE,   /* the whole job again with erase-all */
    MAINWND_ACT_BROWSE,       /* choose another firmware file */
    MAINWND_ACT_REFRESH,      /* list the ports again */
};

#define MAINWND_ACTIONS 3u

/* Where the layout keeps one control (mainwnd_layout.c measures them from the template). */
struct mainwnd_slot {
    HWND hwnd;
    RECT rect;      /* at the template's base units, in client pixels */
    int right_gap;  /* template client width - rect.right */
    int bottom_gap; /* band bottom - rect.bottom */
    bool combo;     /* a combo box: its height includes the drop-down list when moved */
};

#define MAINWND_SLOTS 64u

struct mainwnd_layout {
    struct mainwnd_slot slots[MAINWND_SLOTS];
    size_t nslots;
    int band_top[8];    /* template band tops (pixels) */
    int band_bottom[8]; /* template band bottoms */
    int client_width;   /* the template's client width */
    SIZE base;          /* dialog base units the slots were measured at */
    int needed;         /* client height the shown bands need (last layout), pixels */
    LOGFONTW font;      /* the template's font ... */
    UINT font_dpi;      /* ... at this DPI */
};

/* Watching the board boot after a flash (mainwnd_job.c). */
struct mainwnd_boot {
    bool active;
    bool micropython; /* the banner is expected */
    bool banner_seen;
    uint64_t deadline_ms; /* 0 = not started (waiting for the session to open) */
    uint32_t wait_ms;
    unsigned resets; /* "rst cause" lines seen (a boot loop repeats them) */
    char text[8192]; /* the tail of what the board printed */
    size_t len;
};

/* The terminal session's controls (mainwnd_term.c, mainwnd_files.c). */
struct mainwnd_console {
    uint32_t baud; /* the rate chosen in IDC_TERM_BAUD */
    bool dtr;      /* the More menu's line toggles (true = asserted) */
    bool rts;
    bool gone;      /* the port vanished; the session waits for it to come back */
    char port[256]; /* the port the session holds */
    FILE *log;      /* the session log, or NULL */
    struct term_log *log_lines;
    char files_dir[256];           /* the folder the Files tab shows */
    char files_select[256];        /* a name to select when the list comes (just uploaded) */
    wchar_t download_to[MAX_PATH]; /* where the running download goes */
    char download_from[256];
};

struct app {
    HINSTANCE instance;
    HWND hwnd;
    struct settings settings;
    const char *arg_port;     /* --port from the command line, or NULL */
    const char *arg_firmware; /* --firmware */
    bool started;             /* the ports and the file were looked at (MAINWND_TIMER_START) */

    struct mainwnd_layout layout;
    bool advanced;
    enum mainwnd_problem problem;
    char problem_text[MF_ERR_MESSAGE_MAX + 512];
    enum mainwnd_action actions[MAINWND_ACTIONS];
    HFONT font_dialog; /* our own copy after a DPI change (NULL: the template's) */
    HFONT font_bold;
    HFONT font_term;
    UINT dpi;

    struct ports ports;
    HDEVNOTIFY device_notify;

    char file_path[WORKER_PATH_MAX];
    bool file_ok;
    bool file_micropython;

    struct worker *worker;
    struct worker_request request; /* the running or last job (retries reuse it) */
    bool manual_boot;              /* this job waited for the user to press FLASH/RESET */
    uint64_t manual_deadline_ms;
    bool closing; /* close when the job is done */
    struct mf_error last_error;

    struct session *session;
    struct mainwnd_boot boot;
    char term_pending[MAINWND_TERM_PENDING]; /* board output not shown yet (MAINWND_TIMER_TERM) */
    size_t term_pending_len;
    struct mainwnd_console console;

    ITaskbarList3 *taskbar;
    UINT msg_taskbar_created;
};

/* mainwnd.c */
HWND mainwnd_create(struct app *app);
HWND mainwnd_item(const struct app *app, int id);

/* The common file dialog: open (the file must exist) or save; `path` holds the suggested name
 * and receives the choice. False when the user cancelled. */
struct mainwnd_path_ask {
    bool save;
    bool overwrite;        /* save: ask before replacing a file */
    const wchar_t *title;  /* NULL: the dialog's own */
    const wchar_t *filter; /* "Name\0*.ext\0...\0" */
    const wchar_t *ext;    /* added when the user types none; NULL for none */
};
bool mainwnd_ask_path(struct app *app, const struct mainwnd_path_ask *a, wchar_t *path, size_t cap);
void mainwnd_set_text(struct app *app, int id, const char *text);
uint64_t mainwnd_now_ms(void);
/* Text of a combo box entry or its edit (UTF-8). */
void mainwnd_combo_text(const struct app *app, int id, char *out, size_t max);

/* mainwnd_layout.c */
void mainwnd_layout_init(struct app *app);
void mainwnd_layout_apply(struct app *app);
void mainwnd_layout_min_size(struct app *app, MINMAXINFO *mmi);
void mainwnd_layout_dpi_changed(struct app *app, UINT dpi, const RECT *suggested);
void mainwnd_layout_fonts(struct app *app);
bool mainwnd_layout_fit(struct app *app); /* grows the window to its minimum size */
void mainwnd_layout_free(struct app *app);
void mainwnd_show_advanced(struct app *app, bool shown);
void mainwnd_show_tab(struct app *app, int index); /* 0 terminal, 1 log */

/* mainwnd_problem.c */
void mainwnd_problem_show(struct app *app, enum mainwnd_problem problem, const char *detail);
void mainwnd_problem_show_error(struct app *app, const struct mf_error *e);
void mainwnd_problem_hide(struct app *app);
void mainwnd_problem_countdown(struct app *app, uint32_t seconds);
void mainwnd_problem_action(struct app *app, size_t index);
void mainwnd_copy_details(struct app *app);

/* mainwnd_job.c */
void mainwnd_job_flash(struct app *app);
void mainwnd_job_run(struct app *app, enum mainwnd_action action);
void mainwnd_job_cancel(struct app *app);
bool mainwnd_job_running(const struct app *app);
void mainwnd_job_progress(struct app *app, const struct winmsg_progress *p);
void mainwnd_job_board(struct app *app, const struct winmsg_board *b);
void mainwnd_job_done(struct app *app, const struct winmsg_done *d);
void mainwnd_job_term_state(struct app *app, const struct winmsg_term_state *t);
void mainwnd_job_boot_output(struct app *app, const char *data, size_t len);
void mainwnd_job_tick(struct app *app);
void mainwnd_job_taskbar_created(struct app *app);
void mainwnd_job_stop_session(struct app *app);
void mainwnd_job_free(struct app *app);

/* mainwnd_term.c */
/* The tabs of the views band. */
enum mainwnd_tab { MAINWND_TAB_TERMINAL = 0, MAINWND_TAB_FILES, MAINWND_TAB_LOG, MAINWND_TABS };

void mainwnd_term_init(struct app *app);
void mainwnd_term_free(struct app *app);
/* The terminal's buttons and More menu. */
void mainwnd_term_connect_toggle(struct app *app);
void mainwnd_term_baud_chosen(struct app *app);
void mainwnd_term_reset(struct app *app);
void mainwnd_term_bootloader(struct app *app);
void mainwnd_term_more(struct app *app);
void mainwnd_term_toggle_dtr(struct app *app);
void mainwnd_term_toggle_rts(struct app *app);
void mainwnd_term_soft_reset(struct app *app);
void mainwnd_term_session_log(struct app *app);
void mainwnd_term_notify(struct app *app, const NMHDR *hdr);
/* Hands work to the session (it takes r->data either way); says why when it cannot. */
bool mainwnd_term_request(struct app *app, struct session_request *r);
/* A sentence in the stage line (and the log) about the terminal's work. */
void mainwnd_term_status(struct app *app, enum mf_log_level level, const char *text);
void mainwnd_term_state(struct app *app, const struct winmsg_term_state *t);
void mainwnd_term_op(struct app *app, struct winmsg_term_op *m);
/* Starts the terminal session on `port`; `reset_board` runs the firmware first (after a flash). */
bool mainwnd_term_connect(struct app *app, const char *port, bool reset_board);
void mainwnd_term_disconnect(struct app *app);
void mainwnd_term_update_controls(struct app *app);
/* mainwnd_files.c: the Files tab. */
void mainwnd_files_init(struct app *app);
void mainwnd_files_upload(struct app *app);
void mainwnd_files_download(struct app *app);
void mainwnd_files_delete(struct app *app);
void mainwnd_files_refresh(struct app *app);
void mainwnd_files_notify(struct app *app, const NMHDR *hdr);
void mainwnd_files_op(struct app *app, struct winmsg_term_op *m);
void mainwnd_files_upload_path(struct app *app, const wchar_t *path);
void mainwnd_term_drain(struct app *app);
void mainwnd_term_flush(struct app *app);
void mainwnd_term_append(struct app *app, const char *text);
void mainwnd_log_append(struct app *app, enum mf_log_level level, const char *text);
void mainwnd_log_save(struct app *app);
char *mainwnd_log_text(struct app *app); /* UTF-8, free() it */

/* mainwnd_file.c */
void mainwnd_file_init(struct app *app);
void mainwnd_file_start(struct app *app); /* looks at the firmware file once the window shows */
void mainwnd_file_choose(struct app *app, const char *path);
void mainwnd_file_changed(struct app *app); /* the edit changed: look again after a pause */
void mainwnd_file_inspect_typed(struct app *app);
void mainwnd_file_selected(struct app *app);
void mainwnd_file_browse(struct app *app);
void mainwnd_file_drop(struct app *app, HDROP drop);
void mainwnd_file_update_flash_button(struct app *app);
void mainwnd_extra_add(struct app *app);
void mainwnd_extra_remove(struct app *app);
bool mainwnd_extra_edited(struct app *app, NMLVDISPINFOW *info);
void mainwnd_inputs_enable(struct app *app, bool enabled);
void mainwnd_settings_from_controls(struct app *app);
bool mainwnd_request_from_controls(struct app *app, struct worker_request *r);
void mainwnd_ports_refresh(struct app *app, bool first);
void mainwnd_port_note(struct app *app);

#endif
