/* SPDX-License-Identifier: MIT */
/* The work the terminal session does on request, on its reader thread between reads: resets,
 * rate and line changes, a paste paced by the board's own echo through MicroPython's paste mode,
 * and file transfers through the raw REPL (src/mpy). Each request ends with one WM_MF_TERM_OP. */
#include "session_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Paste mode (MicroPython's shared/runtime/pyexec.c): Ctrl-E on an empty line answers
 * "paste mode; Ctrl-C to cancel, Ctrl-D to finish" and the prompt "=== "; every character is
 * echoed, a CR as "\r\n=== "; Ctrl-D compiles and runs the whole text. The ESP8266 reads its
 * UART into a 256-byte ring and echoes at the same rate it receives, so sending one line and
 * waiting for the next prompt never overruns it, whatever the size of the paste. */
#define PASTE_ENTER        "\x05"
#define PASTE_FINISH       "\x04"
#define PASTE_CLEAR_LINE   "\x03" /* readline: Ctrl-C empties the line being edited */
#define PASTE_BANNER       "paste mode; "
#define PASTE_PROMPT       "\r\n=== "
#define PASTE_LINE_END     "\r"
#define PASTE_ENTER_MS     1000u /* the banner comes within a few characters' time */
#define PASTE_ECHO_MS      3000u /* the echo of one line: silence this long means it is lost */
#define PASTE_WRITE_MS     2000u
#define PASTE_MATCH_MAX    32u
#define OPS_MPY_TIMEOUT_MS 5000u
/* After file work the raw REPL's exit banner was read by src/mpy: an empty line makes the board
 * show a fresh prompt in the pane. */
#define OPS_FRESH_PROMPT "\r"

static const char *const OPS_NAMES[SESSION_OPS] = {
        [SESSION_OP_RESET_BOARD] = "reset the board",
        [SESSION_OP_BOOTLOADER] = "reset into download mode",
        [SESSION_OP_BAUD] = "change the baud rate",
        [SESSION_OP_LINES] = "set DTR and RTS",
        [SESSION_OP_PASTE] = "paste",
        [SESSION_OP_FS_LIST] = "list files",
        [SESSION_OP_FS_PUT] = "upload",
        [SESSION_OP_FS_GET] = "download",
        [SESSION_OP_FS_REMOVE] = "delete",
        [SESSION_OP_SOFT_RESET] = "soft reset",
};

static struct winmsg_term_op *ops_result(const struct session_request *r, bool done)
{
    struct winmsg_term_op *m = calloc(1, sizeof *m);
    if (m != NULL) {
        m->op = (int)r->op;
        m->done = done;
        snprintf(m->path, sizeof m->path, "%s", r->path);
    }
    return m;
}

static void ops_finish(struct session *s, struct winmsg_term_op *m, bool ok, const char *fmt, ...)
#if defined(__MINGW32__)
        __attribute__((format(gnu_printf, 4, 5)))
#endif
        ;

/* Posts the end of a request with a sentence for the user. */
static void ops_finish(struct session *s, struct winmsg_term_op *m, bool ok, const char *fmt, ...)
{
    atomic_store(&s->busy, false); /* the window may ask for more work as soon as it reads this */
    if (m != NULL) {
        va_list ap;
        m->ok = ok;
        va_start(ap, fmt);
        vsnprintf(m->text, sizeof m->text, fmt, ap);
        va_end(ap);
        session_post(s, WM_MF_TERM_OP, m);
    }
}

/* ---- Resets, rate, lines ---- */

static void ops_reset_board(struct session *s, const struct session_request *r)
{
    struct port_error pe = {0};
    int rc = session_reset_and_watch(s, &pe);
    ops_finish(s, ops_result(r, true), rc == PORT_OK, "%s",
               rc == PORT_OK ? "The board was reset; its boot lines follow." : pe.message);
}

/* esptool's classic reset into the ROM loader; the ROM's lines come at 74880 and the board then
 * waits for a flasher, so the pane stays at that rate. */
static void ops_bootloader(struct session *s, const struct session_request *r)
{
    struct conn_reset_strategy strategy = {CONN_RESET_CLASSIC, CONN_RESET_SHORT_MS};
    struct conn_step steps[CONN_STEPS_MAX];
    struct port_error pe = {0};
    int rc = PORT_ERR_UNSUPPORTED;
    if ((port_caps(s->port) & PORT_CAP_LINES) != 0) {
        size_t n = conn_reset_steps(&strategy, true, steps, CONN_STEPS_MAX);
        rc = (port_caps(s->port) & PORT_CAP_BAUD) != 0
                     ? port_set_baud(s->port, SESSION_BOOT_BAUD, &pe)
                     : PORT_OK;
        rc = rc == PORT_OK ? session_run_steps(s, steps, n, &pe) : rc;
    }
    s->boot.phase = SESSION_BOOT_DONE;
    if (rc == PORT_OK) {
        session_post_state(s, WINMSG_TERM_BAUD, SESSION_BOOT_BAUD, "%s: now at %u baud.",
                           s->opt.port, (unsigned)SESSION_BOOT_BAUD);
    }
    ops_finish(s, ops_result(r, true), rc == PORT_OK, "%s",
               rc == PORT_OK ? "The board is in download mode, waiting for a flasher. Reset "
                               "board runs the firmware again."
               : rc == PORT_ERR_UNSUPPORTED ? "This port cannot drive DTR and RTS, so it "
                                              "cannot reset the board. Hold FLASH and press "
                                              "RESET on the board."
                                            : pe.message);
}

static void ops_baud(struct session *s, const struct session_request *r)
{
    struct port_error pe = {0};
    int rc = port_set_baud(s->port, r->baud, &pe);
    if (rc == PORT_OK) {
        s->boot.phase = SESSION_BOOT_DONE;
        session_post_state(s, WINMSG_TERM_BAUD, r->baud, "%s: now at %u baud.", s->opt.port,
                           (unsigned)r->baud);
    }
    ops_finish(s, ops_result(r, true), rc == PORT_OK, "%s",
               rc == PORT_OK ? "The baud rate was changed." : pe.message);
}

static void ops_lines(struct session *s, const struct session_request *r)
{
    struct port_error pe = {0};
    int rc = port_set_lines(s->port, r->dtr, r->rts, &pe);
    ops_finish(s, ops_result(r, true), rc == PORT_OK, "%s",
               rc == PORT_OK ? "DTR and RTS were set." : pe.message);
}

/* ---- Paste ---- */

/* Reads (showing everything in the pane) until `marker` arrived, or `silence_ms` passed without
 * a byte, or the port failed. */
static bool ops_wait_for(struct session *s, const char *marker, uint32_t silence_ms)
{
    char tail[PASTE_MATCH_MAX + 1u] = {0};
    size_t mlen = strlen(marker), tlen = 0;
    uint64_t deadline = port_clock_ms() + silence_ms;
    while (!atomic_load(&s->cancel) && port_clock_ms() < deadline) {
        uint8_t buf[SESSION_READ_CHUNK];
        size_t space = session_wait_space(s), got = 0;
        space = space < sizeof buf ? space : sizeof buf;
        int rc = port_read(s->port, buf, space, SESSION_READ_TIMEOUT_MS, &got, NULL);
        if (rc != PORT_OK && rc != PORT_ERR_TIMEOUT) {
            return false;
        }
        session_deliver(s, buf, got);
        for (size_t i = 0; i < got; i++) {
            if (tlen == PASTE_MATCH_MAX) {
                memmove(tail, tail + 1, --tlen);
            }
            tail[tlen++] = (char)buf[i];
            tail[tlen] = '\0';
            if (tlen >= mlen && memcmp(tail + tlen - mlen, marker, mlen) == 0) {
                return true;
            }
        }
        deadline = got > 0 ? port_clock_ms() + silence_ms : deadline;
    }
    return false;
}

static bool ops_send(struct session *s, const char *bytes, size_t len)
{
    return port_write(s->port, bytes, len, PASTE_WRITE_MS, NULL) == PORT_OK;
}

/* Into paste mode: Ctrl-E, and when a half-typed line keeps readline from taking it (Ctrl-E then
 * moves to the line's end), Ctrl-C to empty the line and Ctrl-E again. */
static bool ops_paste_enter(struct session *s)
{
    if (ops_send(s, PASTE_ENTER, 1) && ops_wait_for(s, PASTE_BANNER, PASTE_ENTER_MS)) {
        return true;
    }
    return ops_send(s, PASTE_CLEAR_LINE, 1) && ops_send(s, PASTE_ENTER, 1) &&
           ops_wait_for(s, PASTE_BANNER, PASTE_ENTER_MS);
}

static void ops_paste(struct session *s, const struct session_request *r)
{
    struct winmsg_term_op *m = ops_result(r, true);
    size_t lines = 0;
    if (!ops_paste_enter(s)) {
        ops_finish(s, m, false, "%s",
                   "The board did not enter paste mode, so nothing was pasted. Press Ctrl-C "
                   "for a fresh >>> prompt and paste again.");
        return;
    }
    for (size_t at = 0; at < r->len && !atomic_load(&s->cancel);) {
        const char *nl = memchr(r->data + at, '\n', r->len - at);
        size_t end = nl != NULL ? (size_t)(nl - r->data) : r->len;
        if (!ops_send(s, r->data + at, end - at) ||
            !ops_send(s, PASTE_LINE_END, sizeof PASTE_LINE_END - 1u) ||
            !ops_wait_for(s, PASTE_PROMPT, PASTE_ECHO_MS)) {
            (void)ops_send(s, PASTE_CLEAR_LINE, 1); /* paste mode's cancel: nothing runs */
            ops_finish(s, m, false,
                       "The board stopped echoing line %zu of the paste, so it was cancelled "
                       "and nothing ran. Check the board and paste again.",
                       lines + 1u);
            return;
        }
        lines++;
        at = end + 1u;
    }
    if (atomic_load(&s->cancel)) {
        (void)ops_send(s, PASTE_CLEAR_LINE, 1);
        ops_finish(s, m, false, "%s", "The paste was cancelled; nothing ran.");
        return;
    }
    if (ops_send(s, PASTE_FINISH, 1)) {
        ops_finish(s, m, true, "Pasted %zu lines through paste mode.", lines);
    } else {
        ops_finish(s, m, false, "%s", "The end of the paste could not be sent; nothing ran.");
    }
}

/* ---- MicroPython files ---- */

struct ops_progress {
    struct session *s;
    const struct session_request *r;
    size_t last_percent;
};

#define OPS_PERCENT 100u

static bool ops_on_progress(void *ctx, size_t done, size_t total)
{
    struct ops_progress *p = ctx;
    size_t percent = total > 0 ? done * OPS_PERCENT / total : 0;
    if (percent != p->last_percent) {
        struct winmsg_term_op *m = ops_result(p->r, false);
        p->last_percent = percent;
        if (m != NULL) {
            m->progress = done;
            m->total = total;
            session_post(p->s, WM_MF_TERM_OP, m);
        }
    }
    return !atomic_load(&p->s->cancel);
}

static int ops_fs(struct mpy *mp, const struct session_request *r, struct winmsg_term_op *m,
                  struct mpy_error *e)
{
    void *data = NULL;
    int rc = MPY_ERR_ARG;
    switch (r->op) {
    case SESSION_OP_FS_LIST: rc = mpy_fs_list(mp, r->path, &m->entries, &m->count, e); break;
    case SESSION_OP_FS_PUT: rc = mpy_fs_put(mp, r->path, r->data, r->len, e); break;
    case SESSION_OP_FS_GET:
        rc = mpy_fs_get(mp, r->path, &data, &m->len, e);
        m->data = data;
        break;
    case SESSION_OP_FS_REMOVE: rc = mpy_fs_remove(mp, r->path, e); break;
    case SESSION_OP_SOFT_RESET: rc = mpy_soft_reset(mp, e); break;
    default: break;
    }
    return rc;
}

static void ops_files(struct session *s, const struct session_request *r)
{
    struct ops_progress progress = {s, r, SIZE_MAX};
    struct winmsg_term_op *m = ops_result(r, true);
    struct mpy_options o;
    struct mpy_error e = {0};
    struct mpy *mp;
    int rc = MPY_ERR_NO_MEMORY;
    mpy_options_default(&o);
    o.timeout_ms = OPS_MPY_TIMEOUT_MS;
    o.progress = ops_on_progress;
    o.progress_ctx = &progress;
    if (m != NULL && (mp = mpy_new(s->port, &o)) != NULL) {
        rc = ops_fs(mp, r, m, &e);
        if (rc == MPY_OK && r->op != SESSION_OP_SOFT_RESET) {
            rc = mpy_raw_leave(mp, &e); /* the friendly REPL's banner and prompt follow */
        }
        mpy_free(mp);
    }
    if (rc != MPY_ERR_PORT && r->op != SESSION_OP_SOFT_RESET) {
        (void)ops_send(s, OPS_FRESH_PROMPT, sizeof OPS_FRESH_PROMPT - 1u);
    }
    if (rc == MPY_OK) {
        ops_finish(s, m, true, "Done: %s %s.", OPS_NAMES[r->op], r->path);
    } else {
        ops_finish(s, m, false, "Could not %s %s: %s", OPS_NAMES[r->op], r->path,
                   e.message[0] != '\0' ? e.message : mpy_status_text(rc));
    }
}

/* ---- Dispatch ---- */

static void (*const OPS_RUN[SESSION_OPS])(struct session *s, const struct session_request *r) = {
        [SESSION_OP_RESET_BOARD] = ops_reset_board,
        [SESSION_OP_BOOTLOADER] = ops_bootloader,
        [SESSION_OP_BAUD] = ops_baud,
        [SESSION_OP_LINES] = ops_lines,
        [SESSION_OP_PASTE] = ops_paste,
        [SESSION_OP_FS_LIST] = ops_files,
        [SESSION_OP_FS_PUT] = ops_files,
        [SESSION_OP_FS_GET] = ops_files,
        [SESSION_OP_FS_REMOVE] = ops_files,
        [SESSION_OP_SOFT_RESET] = ops_files,
};

void session_run_request(struct session *s, struct session_request *r)
{
    if ((unsigned)r->op < SESSION_OPS) {
        OPS_RUN[r->op](s, r);
    }
}
