/* SPDX-License-Identifier: MIT */
/* The terminal session: one reader thread that owns the port (after a flash, or on Connect),
 * fills a ring buffer and posts at most one WM_MF_TERM_DATA at a time; the UI thread drains the
 * ring whole and writes keystrokes with a short timeout. With `reset_board` it resets the board
 * to run its firmware first and shows the ROM's 74880-baud lines before switching to the REPL's
 * rate. Longer work - a paced paste, a reset, MicroPython file transfers (src/mpy) - is asked for
 * with session_request() and done on the reader thread between reads; it reports with
 * WM_MF_TERM_OP. When the port vanishes the thread says so (WINMSG_TERM_GONE) and opens the same
 * port again as soon as it comes back (WINMSG_TERM_BACK). */
#ifndef MF_SESSION_H
#define MF_SESSION_H

#include <windows.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SESSION_REPL_BAUD 115200u
#define SESSION_BOOT_BAUD 74880u

struct session_options {
    char port[256];
    uint32_t baud;    /* the REPL's rate [SESSION_REPL_BAUD] */
    bool reset_board; /* pulse EN (GPIO0 high) and read the boot lines at 74880 first */
};

void session_options_default(struct session_options *o);

struct session; /* opaque */

/* Starts the reader thread; the port is opened there (WM_MF_TERM_STATE says how it went). */
int session_start(const struct session_options *o, HWND notify, struct session **out);

/* Moves what the reader received into buf (at most max bytes); returns the count. Call on
 * WM_MF_TERM_DATA until it returns 0. */
size_t session_drain(struct session *s, char *buf, size_t max);

/* Sends bytes to the board (keystrokes); false when the port is not open or timed out. */
bool session_write(struct session *s, const void *data, size_t size);

/* Work for the reader thread. */
enum session_op {
    SESSION_OP_RESET_BOARD = 0, /* EN pulse with GPIO0 high: ROM lines at 74880, then the REPL */
    SESSION_OP_BOOTLOADER,      /* EN pulse with GPIO0 low: download mode (ROM lines at 74880) */
    SESSION_OP_BAUD,            /* `baud` */
    SESSION_OP_LINES,           /* `dtr`, `rts` (true = asserted) */
    SESSION_OP_PASTE,           /* `data`: text, pasted through paste mode (Ctrl-E ... Ctrl-D) */
    SESSION_OP_FS_LIST,         /* `path`: a directory on the board */
    SESSION_OP_FS_PUT,          /* `data` to board file `path` */
    SESSION_OP_FS_GET,          /* board file `path` (the result's data) */
    SESSION_OP_FS_REMOVE,       /* board file `path` */
    SESSION_OP_SOFT_RESET,
    SESSION_OPS
};

#define SESSION_PATH_MAX 256u

struct session_request {
    enum session_op op;
    uint32_t baud;
    bool dtr;
    bool rts;
    char path[SESSION_PATH_MAX];
    char *data; /* malloc'ed; the session owns it once session_request() returned true */
    size_t len;
};

/* Hands work to the reader thread; false (nothing taken) while other work is still running or
 * the port is not open. Keystrokes (session_write) are refused until it has finished. */
bool session_request(struct session *s, struct session_request *r);
bool session_busy(const struct session *s);

/* Asks running work to stop (a transfer ends with a "cancelled" result). */
void session_cancel(struct session *s);

/* Stops the reader, releases the port, frees. NULL is allowed. */
void session_stop(struct session *s);

#endif
