/* SPDX-License-Identifier: MIT */
/* MicroPython over a serial port: the raw REPL and its raw-paste mode with flow control, files
 * (list, put, get, remove) and soft reset. Shared by MicroFlash.exe's terminal pane and mflash's
 * `repl` and `fs` commands. C standard library and port.h only; the caller owns the port and
 * must not read it while a call here runs. */
#ifndef MF_MPY_H
#define MF_MPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port.h"

enum mpy_status {
    MPY_OK = 0,
    MPY_ERR_ARG = -1,       /* malformed path or argument */
    MPY_ERR_PORT = -2,      /* the port failed: port_status says how (GONE = unplugged) */
    MPY_ERR_TIMEOUT = -3,   /* the board stopped answering */
    MPY_ERR_NO_REPL = -4,   /* no MicroPython raw REPL answered (not running, other firmware) */
    MPY_ERR_PYTHON = -5,    /* the board raised an exception: message holds its last line */
    MPY_ERR_NOT_FOUND = -6, /* no such file or directory on the board */
    MPY_ERR_NO_MEMORY = -7,
    MPY_ERR_CANCELLED = -8, /* the progress callback asked to stop */
    MPY_ERR_PROTOCOL = -9,  /* the board's answer broke the raw REPL rules */
};

#define MPY_COMMAND_MAX 64
#define MPY_MESSAGE_MAX 512

/* The detail of a failure: the step that failed ("enter raw REPL", "put /main.py") and a
 * sentence for a person that says what to do. */
struct mpy_error {
    int status;      /* enum mpy_status */
    int port_status; /* enum port_status when status is MPY_ERR_PORT, else 0 */
    char command[MPY_COMMAND_MAX];
    char message[MPY_MESSAGE_MAX];
};

/* Progress of a transfer; return false to cancel (the board is left in the friendly REPL). */
typedef bool (*mpy_progress_fn)(void *ctx, size_t done, size_t total);

struct mpy_options {
    uint32_t timeout_ms; /* longest silence from the board before MPY_ERR_TIMEOUT [5000] */
    bool no_raw_paste;   /* use the plain raw REPL even when raw-paste is offered */
    mpy_progress_fn progress;
    void *progress_ctx;
};

void mpy_options_default(struct mpy_options *o);

struct mpy; /* opaque: one board session on a port the caller opened */

/* Wraps an open port (not owned, not closed by mpy_free). NULL when out of memory. */
struct mpy *mpy_new(struct port *port, const struct mpy_options *o);
void mpy_free(struct mpy *m); /* leaves the raw REPL first when it is in it; NULL allowed */

/* Interrupts whatever runs (Ctrl-C twice) and enters the raw REPL (Ctrl-A). MPY_ERR_NO_REPL when
 * no raw REPL banner came (the board is silent or runs something else). */
int mpy_raw_enter(struct mpy *m, struct mpy_error *err);
/* Back to the friendly REPL (Ctrl-B): the board prints its banner and ">>> ". */
int mpy_raw_leave(struct mpy *m, struct mpy_error *err);

/* Runs code in the raw REPL (entered when needed), in raw-paste mode when the board offers it
 * (window flow control: never more bytes in flight than the board granted), else in plain raw
 * mode in 256-byte pieces. stdout goes to *out (malloc'ed, NUL-terminated; may be NULL when not
 * wanted). A traceback gives MPY_ERR_PYTHON with its last line in err->message. */
int mpy_exec(struct mpy *m, const char *code, size_t len, char **out, size_t *out_len,
             struct mpy_error *err);
/* Which mode the last mpy_exec used: true = raw paste. */
bool mpy_used_raw_paste(const struct mpy *m);

struct mpy_entry {
    char name[256];
    bool is_dir;
    uint32_t size; /* bytes; 0 for directories */
};

/* Lists a directory ("" or "/" = the root). *entries is malloc'ed (free it), sorted by name. */
int mpy_fs_list(struct mpy *m, const char *dir, struct mpy_entry **entries, size_t *count,
                struct mpy_error *err);
/* Writes a file on the board (replacing it), in chunks with progress; reads back its size and
 * checks it. A cancel or a failure on the board removes the partial file and leaves the board in
 * the friendly REPL. */
int mpy_fs_put(struct mpy *m, const char *path, const void *data, size_t len,
               struct mpy_error *err);
/* Reads a whole file from the board (*data malloc'ed), with progress; a cancel interrupts the
 * board's reading program (Ctrl-C) and leaves the board in the friendly REPL. */
int mpy_fs_get(struct mpy *m, const char *path, void **data, size_t *len, struct mpy_error *err);
int mpy_fs_remove(struct mpy *m, const char *path, struct mpy_error *err);

/* Soft reset from the friendly REPL (leaves the raw REPL, Ctrl-D); returns once the board has
 * printed "MPY: soft reboot" (the banner follows on the port). */
int mpy_soft_reset(struct mpy *m, struct mpy_error *err);

/* A sentence for a status without context. */
const char *mpy_status_text(int status);

#endif
