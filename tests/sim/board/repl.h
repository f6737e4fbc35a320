/* SPDX-License-Identifier: MIT */
/* What the simulated board runs once "MicroPython boots": MicroPython's ESP8266 REPL on UART0 -
 * the friendly REPL with shared/readline's line editing (echo, cursor keys, history, Tab,
 * auto-indent), paste mode, the raw REPL and its raw-paste flow control, soft reboot, boot.py /
 * main.py, and the tiny Python (mpy.h) behind them, byte for byte as shared/runtime/pyexec.c and
 * shared/readline/readline.c produce them. All state lives in the object (no globals); the
 * filesystem survives soft and hard resets. Time is virtual: the board passes it in, asks for the
 * next deadline and drains the output through its UART model. */
#ifndef MF_SIM_REPL_H
#define MF_SIM_REPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mpy.h"
#include "mpy_fs.h"

#define SIM_REPL_BANNER_LINE   "MicroPython v1.23.0 on 2024-06-02; ESP module with ESP8266"
#define SIM_REPL_HELP_LINE     "Type \"help()\" for more information."
#define SIM_REPL_PROMPT        ">>> "
#define SIM_REPL_PROMPT_CONT   "... "
#define SIM_REPL_PASTE_START   "paste mode; Ctrl-C to cancel, Ctrl-D to finish"
#define SIM_REPL_PASTE_PROMPT  "=== "
#define SIM_REPL_RAW_START     "raw REPL; CTRL-B to exit"
#define SIM_REPL_SOFT_REBOOT   "MPY: soft reboot"
#define SIM_REPL_INITIAL_SETUP "Performing initial setup"
/* Raw-paste flow-control window: half of MICROPY_REPL_STDIN_BUFFER_MAX (256, not overridden by
 * the ESP8266 port), which matches its 256-byte stdin ring. */
#define SIM_REPL_RAW_PASTE_WINDOW 128u
#define SIM_REPL_HISTORY          8u /* readline_hist[8] on the ESP8266 port */
/* Pace of a running program (guesses): statements per slice and the virtual time one takes;
 * output beyond SIM_REPL_OUT_CHUNK waits for the UART (the ESP8266 blocks on its TX FIFO). */
#define SIM_REPL_STEP_NS           (20u * 1000u)
#define SIM_REPL_SLICE_STEPS       500u
#define SIM_REPL_OUT_CHUNK         256u
#define SIM_REPL_CORRUPT_PERIOD_NS (3ull * 1000000000ull) /* inisetup.fs_corrupted: sleep(3) */

enum sim_repl_mode {
    SIM_REPL_OFF,       /* not booted, or machine.reset() pending */
    SIM_REPL_FRIENDLY,  /* ">>> " with readline */
    SIM_REPL_PASTE,     /* Ctrl-E: "=== " */
    SIM_REPL_RAW,       /* Ctrl-A: ">" */
    SIM_REPL_RAW_PASTE, /* raw REPL "\x05A\x01": flow-controlled program upload */
    SIM_REPL_RUNNING,   /* a program runs (REPL input waits in the UART ring; Ctrl-C interrupts) */
    SIM_REPL_CORRUPT,   /* _boot.py found a corrupt filesystem and repeats its warning */
};

/* readline.c's state. */
struct sim_repl_readline {
    struct sim_mpy_buf line; /* the whole input so far, continuation lines joined by '\n' */
    size_t orig;             /* start of the line being edited */
    size_t cursor;
    int esc;
    char esc_digit;
    uint8_t auto_indent;
    const char *prompt;
    char *hist[SIM_REPL_HISTORY];
    int hist_cur;
};

struct sim_repl_stats {
    uint64_t programs; /* programs compiled from REPL input */
    uint64_t soft_reboots;
    uint64_t keyboard_interrupts; /* Ctrl-C that interrupted a running program */
    uint64_t raw_paste_sessions;
    uint64_t raw_paste_bytes;           /* program bytes received in raw-paste mode, all sessions */
    uint64_t raw_paste_last_bytes;      /* ... in the last session */
    uint64_t raw_paste_grants;          /* window increments (0x01) sent after the header */
    uint64_t window_violations;         /* raw-paste bytes the host sent beyond its window */
    uint64_t window_violation_sessions; /* raw-paste sessions with such bytes */
    uint64_t last_violation_byte;       /* session byte index (from 1) of the latest session's
                                           first overrun */
    uint64_t last_violation_allowed;    /* bytes the host had been granted at that moment */
    uint64_t stdin_dropped;             /* bytes lost because the 256-byte ring was full */
};

struct sim_repl {
    enum sim_repl_mode mode;
    enum sim_repl_mode resume; /* RUNNING: the mode that started the program */
    int exec;                  /* what the running program is (repl.c) */
    bool raw_kind;             /* pyexec_mode_kind: raw REPL survives a soft reboot */
    bool cont;                 /* friendly REPL: inside a compound statement */
    bool hard_boot;
    bool reset_request;
    struct sim_repl_readline rl;
    struct sim_mpy_buf input; /* paste / raw / raw-paste text being collected */
    struct sim_mpy_buf last;  /* the last program compiled from REPL input */
    struct sim_mpy_buf out;   /* output not yet taken by the board */
    struct sim_mpy_buf err;   /* a raw-REPL program's traceback, sent after its "\x04" */
    struct sim_mpy_ring ring; /* UART input while a program runs */
    struct sim_mpy_fs fs;
    struct sim_mpy *mpy;
    enum sim_mpy_status run_status;
    uint64_t next_run;
    uint64_t now;
    uint64_t byte_ns; /* one byte at 115200, for the raw-paste window check */
    /* raw paste */
    uint32_t rp_remain;
    uint64_t rp_count;
    uint64_t *rp_grant_ns; /* when each window grant could first be known to the host */
    size_t rp_grants;
    size_t rp_grants_cap;
    size_t rp_known;
    bool rp_violated;
    /* corrupt filesystem warning */
    uint32_t fs_start_sec;
    uint32_t fs_blocks;
    struct sim_repl_stats stats;
};

/* Returns 0, or -1 when out of memory. */
int sim_repl_init(struct sim_repl *r);
void sim_repl_free(struct sim_repl *r);
/* MicroPython starts after a reset: _boot.py mounts the filesystem found in flash (formatting it
 * with "Performing initial setup" when that region is erased, keeping the files while it is
 * unchanged since the last boot), boot.py and main.py run, then "\r\n" and the banner. */
void sim_repl_boot(struct sim_repl *r, uint64_t t_ns, const uint8_t *flash, uint32_t flash_size);
/* One byte from the host, received at t_ns; t_sent_ns is when the host wrote it (raw-paste flow
 * control is checked against what the host could know then). */
void sim_repl_input(struct sim_repl *r, uint64_t t_ns, uint64_t t_sent_ns, uint8_t byte);
/* When the REPL wants sim_repl_run() (a running program, a sleep, the corrupt-filesystem
 * warning); SIM_TIME_NEVER otherwise. */
uint64_t sim_repl_deadline(const struct sim_repl *r);
void sim_repl_run(struct sim_repl *r, uint64_t t_ns);
/* Output produced so far: copies up to cap bytes and removes them. */
size_t sim_repl_output(struct sim_repl *r, uint8_t *buf, size_t cap);
size_t sim_repl_pending(const struct sim_repl *r);
/* machine.reset() was called: the board should reset the chip. Clears the request. */
bool sim_repl_take_reset(struct sim_repl *r);

/* Observation. */
enum sim_repl_mode sim_repl_mode(const struct sim_repl *r);
const char *sim_repl_mode_name(enum sim_repl_mode mode);
/* The text of the last program compiled from REPL input (a line, a paste, a raw or raw-paste
 * upload) exactly as received, NUL-terminated. */
const char *sim_repl_last_program(const struct sim_repl *r, size_t *len);
const struct sim_repl_stats *sim_repl_stats(const struct sim_repl *r);
struct sim_mpy_fs *sim_repl_fs(struct sim_repl *r);

/* repl_readline.c: MicroPython's readline on the REPL's line and output. */
void sim_repl_rl_init(struct sim_repl_readline *rl);
void sim_repl_rl_free(struct sim_repl_readline *rl);
void sim_repl_rl_clear_history(struct sim_repl_readline *rl);
/* readline_init: shows the prompt (and auto-indent) for a new line appended to rl->line. */
void sim_repl_rl_start(struct sim_repl_readline *rl, const char *prompt, struct sim_mpy_buf *out);
/* One byte: -1 while editing, 0 after Enter (echoed "\r\n"), or a control character (Ctrl-A..E
 * on an empty line, Ctrl-C) for pyexec. */
int sim_repl_rl_char(struct sim_repl_readline *rl, int c, struct sim_mpy *mpy,
                     struct sim_mpy_buf *out);
/* py/repl.c mp_repl_continue_with_input. */
bool sim_repl_continue_with_input(const char *input);

#endif
