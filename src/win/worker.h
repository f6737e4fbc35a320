/* SPDX-License-Identifier: MIT */
/* The flash job on its own thread: connect (with the live manual-boot wait), erase, write,
 * verify, reset; or rewrite only the header sector with another flash mode. It owns the port for
 * the job and reports only by posting WM_MF_* messages (winmsg.h) to one window. */
#ifndef MF_WORKER_H
#define MF_WORKER_H

#include <windows.h>

#include "conn.h"
#include "flasher.h"
#include "image.h"

#include <stdbool.h>
#include <stdint.h>

#define WORKER_FILES_MAX 8u
#define WORKER_PATH_MAX  1024u /* UTF-8 */
#define WORKER_PORT_MAX  256u

enum worker_kind {
    WORKER_FLASH = 0, /* write every file (erase-all when asked), verify, after-action */
    WORKER_HEADER,    /* rewrite the first sector of the image at 0x0 with params.mode only */
};

struct worker_file {
    char path[WORKER_PATH_MAX];
    uint32_t offset;
};

struct worker_request {
    enum worker_kind kind;
    char port[WORKER_PORT_MAX];
    struct worker_file files[WORKER_FILES_MAX];
    size_t nfiles;
    bool erase_all;
    struct image_flash_params params; /* IMAGE_KEEP / IMAGE_DETECT as in image.h */
    uint32_t baud;                    /* 0 = auto (the adapter's fastest) */
    uint32_t baud_limit;              /* 0 = none (a rate that failed before on this adapter) */
    enum conn_before before;
    enum flasher_after after;
    uint32_t manual_wait_ms; /* keep retrying while the user presses FLASH/RESET */
};

void worker_request_default(struct worker_request *r);

struct worker; /* opaque */

/* Starts the job on a new thread. The files are read and checked on that thread; a refused file
 * ends the job with MF_ERR_IMAGE before the port is opened. */
int worker_start(const struct worker_request *req, HWND notify, struct worker **out,
                 struct mf_error *e);

/* Asks the job to stop between blocks (any thread). WM_MF_DONE follows with MF_ERR_CANCELLED. */
void worker_cancel(struct worker *w);

/* After WM_MF_DONE: waits for the thread (it has ended) and frees. NULL is allowed. */
void worker_free(struct worker *w);

#endif
