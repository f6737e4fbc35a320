/* SPDX-License-Identifier: MIT */
/* The terminal session: one reader thread that owns the port after a flash, fills a ring
 * buffer and posts at most one WM_MF_TERM_DATA at a time; the UI thread drains the ring whole
 * and writes keystrokes with a short timeout. With `boot` it resets the board to run its
 * firmware first and shows the ROM's 74880-baud lines before switching to the REPL's rate. */
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

/* Stops the reader, releases the port, frees. NULL is allowed. */
void session_stop(struct session *s);

#endif
