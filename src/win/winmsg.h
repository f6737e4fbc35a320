/* SPDX-License-Identifier: MIT */
/* The messages worker and session threads post to the main window (DESIGN.md, threads). Each
 * carries at most one heap payload in lParam that the window frees with free() after use;
 * threads never send messages and never touch a control. */
#ifndef MF_WINMSG_H
#define MF_WINMSG_H

#include <windows.h>

#include "conn.h"
#include "err.h"
#include "mpy.h"

enum winmsg_id {
    WM_MF_LOG = WM_APP + 1, /* lParam: struct winmsg_log * */
    WM_MF_PROGRESS,         /* lParam: struct winmsg_progress * */
    WM_MF_BOARD,            /* lParam: struct winmsg_board * */
    WM_MF_DONE,             /* lParam: struct winmsg_done *; the job's thread has ended */
    WM_MF_TERM_DATA,        /* no payload: bytes wait in the session's ring (one in flight) */
    WM_MF_TERM_STATE,       /* lParam: struct winmsg_term_state * */
    WM_MF_TERM_OP,          /* lParam: struct winmsg_term_op * (session_request's work) */
};

#define WINMSG_TEXT_MAX 512

struct winmsg_log {
    enum mf_log_level level;
    uint64_t time_ms; /* port_clock_ms() when it was logged */
    char text[WINMSG_TEXT_MAX];
};

/* Posted only when what the window shows would change (overall per mille, stage, a second of
 * speed / time left). */
struct winmsg_progress {
    enum mf_stage stage;
    uint32_t overall; /* 0..1000 over the whole job */
    uint64_t done;
    uint64_t total;
    uint32_t rate;   /* bytes per second, 0 = not known */
    uint32_t eta_ms; /* UINT32_MAX = not known */
    char label[WINMSG_TEXT_MAX];
};

struct winmsg_board {
    char line[WINMSG_TEXT_MAX]; /* "ESP8266EX, MAC 18:fe:34:12:34:56, 4 MB flash (Winbond)" */
    bool esp8285;
    uint32_t flash_size;
    uint32_t baud; /* the rate the job runs at */
};

struct winmsg_done {
    int rc; /* MF_OK or the engine's code */
    struct mf_error error;
    bool verified;
    uint64_t bytes;
    uint32_t elapsed_ms;
    bool reset_done; /* the board was reset to run the firmware (after = hard reset) */
};

enum winmsg_term_event {
    WINMSG_TERM_OPENED = 0, /* the session holds the port */
    WINMSG_TERM_BAUD,       /* the session switched rate (74880 boot lines -> 115200) */
    WINMSG_TERM_GONE,       /* the port vanished (unplugged) */
    WINMSG_TERM_FAILED,     /* could not open; text says why */
    WINMSG_TERM_CLOSED,     /* the reader ended and released the port */
    WINMSG_TERM_BACK,       /* the port came back after WINMSG_TERM_GONE and is open again */
};

struct winmsg_term_state {
    enum winmsg_term_event event;
    uint32_t baud;
    char text[WINMSG_TEXT_MAX];
};

/* Progress (done = false) and the end (done = true) of one session_request(). */
struct winmsg_term_op {
    int op; /* enum session_op */
    bool done;
    bool ok;
    size_t progress; /* bytes so far */
    size_t total;
    char path[256];             /* the board file or directory */
    char text[WINMSG_TEXT_MAX]; /* done: what happened, a sentence for the user */
    struct mpy_entry *entries;  /* FS_LIST: malloc'ed, freed by the window */
    size_t count;
    char *data; /* FS_GET: the file, malloc'ed, freed by the window */
    size_t len;
};

#endif
