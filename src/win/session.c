/* SPDX-License-Identifier: MIT */
/* The terminal session's reader thread: opens the port, optionally resets the board to run its
 * firmware and follows the ROM's 74880-baud boot lines to the REPL's rate, then fills a ring. */
#include "session_impl.h"

#include <process.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void session_options_default(struct session_options *o)
{
    memset(o, 0, sizeof *o);
    o->baud = SESSION_REPL_BAUD;
    o->reset_board = false;
}

/* ---- Posting ---- */

void session_post(const struct session *s, UINT msg, void *payload)
{
    if (payload != NULL && !PostMessageW(s->notify, msg, 0, (LPARAM)payload)) {
        free(payload);
    }
}

void session_post_state(const struct session *s, enum winmsg_term_event event, uint32_t baud,
                        const char *fmt, ...)
{
    struct winmsg_term_state *m = calloc(1, sizeof *m);
    if (m != NULL) {
        va_list ap;
        m->event = event;
        m->baud = baud;
        va_start(ap, fmt);
        vsnprintf(m->text, sizeof m->text, fmt, ap);
        va_end(ap);
        session_post(s, WM_MF_TERM_STATE, m);
    }
}

void session_deliver(struct session *s, const uint8_t *data, size_t n)
{
    if (n > 0) {
        EnterCriticalSection(&s->ring_lock);
        port_ring_put(&s->ring, data, n); /* fits: reads never ask for more than the free space */
        LeaveCriticalSection(&s->ring_lock);
        if (!atomic_exchange(&s->data_posted, true) &&
            !PostMessageW(s->notify, WM_MF_TERM_DATA, 0, 0)) {
            atomic_store(&s->data_posted, false);
        }
    }
}

/* ---- Reset and boot ---- */

int session_run_steps(struct session *s, const struct conn_step *steps, size_t n,
                      struct port_error *pe)
{
    int rc = PORT_OK;
    for (size_t i = 0; i < n && rc == PORT_OK; i++) {
        const struct conn_step *st = &steps[i];
        switch (st->kind) {
        case CONN_STEP_DTR: rc = port_set_dtr(s->port, st->dtr, pe); break;
        case CONN_STEP_RTS: rc = port_set_rts(s->port, st->rts, pe); break;
        case CONN_STEP_LINES: rc = port_set_lines(s->port, st->dtr, st->rts, pe); break;
        case CONN_STEP_WAIT:
            (void)port_flush(s->port, PORT_QUEUE_INPUT, NULL);
            port_sleep_ms(st->ms);
            break;
        }
    }
    return rc;
}

/* The hard reset that runs the firmware: GPIO0 high (DTR de-asserted), EN low for
 * CONN_RESET_HOLD_MS, released; DTR written again after each RTS change (usbser.sys). */
static int session_reset_board(struct session *s, struct port_error *pe)
{
    struct conn_step steps[SESSION_STEPS_MAX];
    size_t n = 1;
    steps[0] = (struct conn_step){CONN_STEP_DTR, false, false, 0};
    n += conn_hard_reset_steps(true, steps + 1, SESSION_STEPS_MAX - 1u);
    return session_run_steps(s, steps, n, pe);
}

static bool session_is_text(uint8_t b)
{
    return (b >= ' ' && b <= '~') || b == '\r' || b == '\n' || b == '\t';
}

static bool session_line_starts(const struct session_boot *b, const char *prefix)
{
    size_t n = strlen(prefix);
    return b->len >= n && memcmp(b->line, prefix, n) == 0;
}

/* A whole line of boot text arrived. */
static void session_boot_line(struct session_boot *b, uint64_t now)
{
    if (b->phase == SESSION_BOOT_WATCH && session_line_starts(b, SESSION_CSUM_LINE)) {
        b->phase = SESSION_BOOT_AFTER_CSUM;
        b->csum_err = false;
    } else if (b->phase == SESSION_BOOT_AFTER_CSUM &&
               session_line_starts(b, SESSION_CSUM_ERR_LINE)) {
        b->csum_err = true;
    } else if (b->phase == SESSION_BOOT_HALTED && strstr(b->line, SESSION_BANNER_MARK) != NULL) {
        b->phase = SESSION_BOOT_WATCH; /* RESET was pressed: a new boot */
        b->deadline = now + SESSION_BOOT_MAX_MS;
    }
    b->len = 0;
}

/* Passes boot text through (into out, returns the count) and decides when to switch; sets
 * switch_now when a byte that is not text follows the csum line (it and the rest are dropped). */
static size_t session_boot_feed(struct session_boot *b, const uint8_t *in, size_t n, uint8_t *out,
                                uint64_t now)
{
    size_t kept = 0;
    for (size_t i = 0; i < n && !b->switch_now; i++) {
        uint8_t c = in[i];
        if (b->phase == SESSION_BOOT_AFTER_CSUM && !session_is_text(c)) {
            b->switch_now = true;
            break;
        }
        out[kept++] = c;
        if (c == '\n') {
            b->line[b->len < SESSION_LINE_MAX ? b->len : SESSION_LINE_MAX - 1u] = '\0';
            session_boot_line(b, now);
        } else if (c != '\r' && b->len < SESSION_LINE_MAX - 1u) {
            b->line[b->len++] = (char)c;
        }
    }
    if (b->phase == SESSION_BOOT_AFTER_CSUM && n > 0) {
        b->deadline = now + SESSION_BOOT_SETTLE_MS;
    }
    return kept;
}

/* After a read (or a quiet read timeout): whether to switch to the REPL's rate now. */
static bool session_boot_due(struct session_boot *b, uint64_t now)
{
    bool due = false;
    if (b->phase == SESSION_BOOT_WATCH) {
        due = now >= b->deadline;
    } else if (b->phase == SESSION_BOOT_AFTER_CSUM) {
        due = b->switch_now || (now >= b->deadline && !b->csum_err);
        if (!due && now >= b->deadline) {
            b->phase = SESSION_BOOT_HALTED;
        }
    }
    return due;
}

/* Bytes still queued were received at the old rate: discarded. A port without a baud rate of
 * its own (socket://) just stops following the boot. */
static int session_switch_baud(struct session *s, struct port_error *pe)
{
    int rc = PORT_OK;
    (void)port_flush(s->port, PORT_QUEUE_INPUT, NULL);
    if ((port_caps(s->port) & PORT_CAP_BAUD) != 0) {
        rc = port_set_baud(s->port, s->opt.baud, pe);
    }
    if (rc == PORT_OK) {
        s->boot.phase = SESSION_BOOT_DONE;
        session_post_state(s, WINMSG_TERM_BAUD, s->opt.baud, "%s: now at %u baud.", s->opt.port,
                           (unsigned)s->opt.baud);
    }
    return rc;
}

/* ---- The thread ---- */

size_t session_wait_space(struct session *s)
{
    size_t space = 0;
    while (!atomic_load(&s->stop)) {
        EnterCriticalSection(&s->ring_lock);
        space = port_ring_space(&s->ring);
        LeaveCriticalSection(&s->ring_lock);
        if (space > 0) {
            break;
        }
        WaitForSingleObject(s->space_event, SESSION_READ_TIMEOUT_MS);
    }
    return atomic_load(&s->stop) ? 0u : space;
}

/* One read into the ring. PORT_OK (also when nothing came or when stopping), or the port's
 * failure. */
static int session_read_once(struct session *s, struct port_error *pe)
{
    uint8_t in[SESSION_READ_CHUNK];
    uint8_t out[SESSION_READ_CHUNK];
    size_t space = session_wait_space(s), got = 0;
    uint32_t timeout = SESSION_READ_TIMEOUT_MS;
    uint64_t now = port_clock_ms();
    int rc = PORT_OK;
    if (s->boot.phase == SESSION_BOOT_WATCH || s->boot.phase == SESSION_BOOT_AFTER_CSUM) {
        uint64_t left = s->boot.deadline > now ? s->boot.deadline - now : 0u;
        timeout = left < timeout ? (uint32_t)left : timeout;
    }
    if (space > 0) {
        rc = port_read(s->port, in, space < sizeof in ? space : sizeof in, timeout, &got, pe);
        rc = rc == PORT_ERR_TIMEOUT ? PORT_OK : rc;
        now = port_clock_ms();
    }
    if (s->boot.phase == SESSION_BOOT_DONE) {
        session_deliver(s, in, got);
    } else {
        session_deliver(s, out, session_boot_feed(&s->boot, in, got, out, now));
    }
    if (rc == PORT_OK && space > 0 && s->boot.phase != SESSION_BOOT_DONE &&
        session_boot_due(&s->boot, now)) {
        rc = session_switch_baud(s, pe);
    }
    return rc;
}

static const char SESSION_GONE_TEXT[] = "The board was unplugged (%s went away). MicroFlash "
                                        "connects again as soon as it is plugged back in.";

/* The reset that runs the firmware, at the boot rate, then the watch of the ROM's lines until
 * the REPL's rate (session_read_once). Without reset lines (socket://, an adapter without
 * DTR/RTS) straight to the REPL. */
int session_reset_and_watch(struct session *s, struct port_error *pe)
{
    int rc = PORT_OK;
    if ((port_caps(s->port) & PORT_CAP_LINES) == 0) {
        return session_switch_baud(s, pe);
    }
    if ((port_caps(s->port) & PORT_CAP_BAUD) != 0 && port_baud(s->port) != SESSION_BOOT_BAUD) {
        rc = port_set_baud(s->port, SESSION_BOOT_BAUD, pe);
        if (rc == PORT_OK) {
            session_post_state(s, WINMSG_TERM_BAUD, SESSION_BOOT_BAUD,
                               "%s: now at %u baud for the boot lines.", s->opt.port,
                               (unsigned)SESSION_BOOT_BAUD);
        }
    }
    if (rc == PORT_OK) {
        memset(&s->boot, 0, sizeof s->boot);
        rc = session_reset_board(s, pe);
        s->boot.phase = SESSION_BOOT_WATCH;
        s->boot.deadline = port_clock_ms() + SESSION_BOOT_MAX_MS;
    }
    return rc;
}

static bool session_write_now(struct session *s, const void *data, size_t size)
{
    bool ok = false;
    EnterCriticalSection(&s->port_lock);
    if (s->port != NULL) {
        ok = port_write(s->port, data, size, SESSION_WRITE_TIMEOUT_MS, NULL) == PORT_OK;
    }
    LeaveCriticalSection(&s->port_lock);
    return ok;
}

/* Sends the keys typed while the port was opening or work ran. */
static void session_flush_keys(struct session *s)
{
    EnterCriticalSection(&s->req_lock);
    if (s->keys_len > 0) {
        (void)session_write_now(s, s->keys, s->keys_len);
        s->keys_len = 0;
    }
    LeaveCriticalSection(&s->req_lock);
}

/* Takes the pending request, if any, and runs it here on the reader thread. */
static void session_take_request(struct session *s)
{
    struct session_request r;
    bool have = false;
    EnterCriticalSection(&s->req_lock);
    if (s->req_pending) {
        r = s->req;
        s->req_pending = false;
        have = true;
    }
    LeaveCriticalSection(&s->req_lock);
    if (have) {
        atomic_store(&s->cancel, false);
        session_run_request(s, &r); /* its result clears `busy` before it is posted */
        free(r.data);
    }
}

static void session_set_port(struct session *s, struct port *p)
{
    EnterCriticalSection(&s->port_lock);
    port_close(s->port);
    s->port = p;
    LeaveCriticalSection(&s->port_lock);
    atomic_store(&s->ready, p != NULL);
}

/* The port vanished: closed, then opened again once it is back (at the REPL's rate, no reset:
 * a board plugged in again has just powered up and runs its firmware). False when stopping. */
static bool session_replug(struct session *s)
{
    struct port *p = NULL;
    session_set_port(s, NULL);
    atomic_store(&s->gone, true);
    session_post_state(s, WINMSG_TERM_GONE, 0, SESSION_GONE_TEXT, s->opt.port);
    while (!atomic_load(&s->stop)) {
        WaitForSingleObject(s->space_event, SESSION_REPLUG_POLL_MS);
        if (!atomic_load(&s->stop) && port_open(s->opt.port, s->opt.baud, &p, NULL) == PORT_OK) {
            session_set_port(s, p);
            atomic_store(&s->gone, false);
            s->boot.phase = SESSION_BOOT_DONE;
            s->io_errors = 0;
            session_post_state(s, WINMSG_TERM_BACK, s->opt.baud,
                               "%s is back: connected again at %u baud.", s->opt.port,
                               (unsigned)s->opt.baud);
            return true;
        }
    }
    return false;
}

/* Reads and does requested work until session_stop. */
static void session_loop(struct session *s)
{
    struct port_error pe;
    while (!atomic_load(&s->stop)) {
        memset(&pe, 0, sizeof pe);
        int rc = session_read_once(s, &pe);
        s->io_errors = rc == PORT_OK ? 0u : s->io_errors + 1u;
        if (rc == PORT_ERR_GONE || s->io_errors >= SESSION_IO_ERRORS_MAX) {
            if (!session_replug(s)) {
                break;
            }
        } else if (rc != PORT_OK) {
            port_sleep_ms(SESSION_READ_TIMEOUT_MS); /* a passing failure: try again */
        } else {
            session_take_request(s);
            session_flush_keys(s);
        }
    }
}

/* Opens the port, resets the board when asked, and tells the window how it went. */
static bool session_open(struct session *s)
{
    struct port_error pe;
    struct port *p = NULL;
    uint32_t baud = s->opt.reset_board ? SESSION_BOOT_BAUD : s->opt.baud;
    int rc = port_open(s->opt.port, baud, &p, &pe);
    if (rc != PORT_OK) {
        session_post_state(s, WINMSG_TERM_FAILED, 0, "%s", pe.message);
        return false;
    }
    session_set_port(s, p);
    session_post_state(s, WINMSG_TERM_OPENED, baud, "%s: open at %u baud.", s->opt.port,
                       (unsigned)baud);
    s->boot.phase = SESSION_BOOT_DONE;
    if (s->opt.reset_board) {
        rc = session_reset_and_watch(s, &pe);
    }
    if (rc == PORT_ERR_GONE) {
        return session_replug(s);
    }
    if (rc != PORT_OK) {
        session_post_state(s, WINMSG_TERM_FAILED, 0, "%s", pe.message);
    }
    return rc == PORT_OK;
}

static unsigned __stdcall session_thread(void *arg)
{
    struct session *s = arg;
    if (session_open(s)) {
        session_loop(s);
    }
    session_set_port(s, NULL); /* every way out releases the port */
    if (!atomic_load(&s->stop)) {
        session_post_state(s, WINMSG_TERM_CLOSED, 0, "%s is closed.", s->opt.port);
    }
    return 0;
}

/* ---- Public ---- */

static void session_release(struct session *s)
{
    if (s->space_event != NULL) {
        CloseHandle(s->space_event);
    }
    DeleteCriticalSection(&s->ring_lock);
    DeleteCriticalSection(&s->port_lock);
    DeleteCriticalSection(&s->req_lock);
    port_ring_free(&s->ring);
    free(s->req.data); /* a request the thread never took */
    free(s);
}

int session_start(const struct session_options *o, HWND notify, struct session **out)
{
    struct session *s = calloc(1, sizeof *s);
    int rc = s != NULL ? MF_OK : MF_ERR_NO_MEMORY;
    *out = NULL;
    if (rc == MF_OK) {
        s->opt = *o;
        s->opt.port[sizeof s->opt.port - 1u] = '\0';
        s->opt.baud = s->opt.baud != 0 ? s->opt.baud : SESSION_REPL_BAUD;
        s->notify = notify;
        atomic_init(&s->stop, false);
        atomic_init(&s->data_posted, false);
        atomic_init(&s->busy, false);
        atomic_init(&s->ready, false);
        atomic_init(&s->gone, false);
        atomic_init(&s->cancel, false);
        InitializeCriticalSection(&s->ring_lock);
        InitializeCriticalSection(&s->req_lock);
        InitializeCriticalSection(&s->port_lock);
        s->space_event = CreateEventW(NULL, FALSE, FALSE, NULL);
        if (s->space_event == NULL || port_ring_init(&s->ring, SESSION_RING_SIZE) != PORT_OK) {
            rc = MF_ERR_NO_MEMORY;
        }
    }
    if (rc == MF_OK) {
        uintptr_t h = _beginthreadex(NULL, 0, session_thread, s, 0, NULL);
        s->thread = (HANDLE)h;
        rc = h != 0 ? MF_OK : MF_ERR_NO_MEMORY;
    }
    if (rc == MF_OK) {
        *out = s;
    } else if (s != NULL) {
        session_release(s);
    }
    return rc;
}

size_t session_drain(struct session *s, char *buf, size_t max)
{
    size_t n = 0;
    if (s != NULL) {
        EnterCriticalSection(&s->ring_lock);
        n = port_ring_get(&s->ring, (uint8_t *)buf, max);
        if (s->ring.len == 0) {
            atomic_store(&s->data_posted, false); /* the reader posts again for new bytes */
        }
        LeaveCriticalSection(&s->ring_lock);
    }
    if (n > 0) {
        SetEvent(s->space_event);
    }
    return n;
}

/* Keys typed while requested work runs wait for its end, in order. */
bool session_write(struct session *s, const void *data, size_t size)
{
    bool ok = false, queued = false;
    if (s == NULL) {
        return false;
    }
    if (atomic_load(&s->gone)) {
        return false;
    }
    EnterCriticalSection(&s->req_lock);
    if (atomic_load(&s->busy) || !atomic_load(&s->ready) || s->keys_len > 0) {
        queued = true;
        ok = size <= SESSION_KEYS_MAX - s->keys_len;
        if (ok) {
            memcpy(s->keys + s->keys_len, data, size);
            s->keys_len += size;
        }
    }
    LeaveCriticalSection(&s->req_lock);
    return queued ? ok : session_write_now(s, data, size);
}

bool session_request(struct session *s, struct session_request *r)
{
    bool taken = false;
    if (s != NULL && !atomic_load(&s->busy)) {
        EnterCriticalSection(&s->port_lock);
        bool open = s->port != NULL;
        LeaveCriticalSection(&s->port_lock);
        if (open) {
            EnterCriticalSection(&s->req_lock);
            s->req = *r;
            s->req_pending = true;
            atomic_store(&s->busy, true);
            LeaveCriticalSection(&s->req_lock);
            r->data = NULL;
            taken = true;
        }
    }
    return taken;
}

bool session_busy(const struct session *s)
{
    return s != NULL && atomic_load(&s->busy);
}

void session_cancel(struct session *s)
{
    if (s != NULL) {
        atomic_store(&s->cancel, true);
    }
}

/* Posts nothing itself: WM_MF_TERM_CLOSED comes only when the reader ends on its own (FAILED,
 * GONE). Messages posted before the stop may still be queued when this returns, so the window
 * ignores WM_MF_TERM_DATA / WM_MF_TERM_STATE when it holds no session (and frees the payload). */
void session_stop(struct session *s)
{
    if (s != NULL) {
        atomic_store(&s->stop, true);
        atomic_store(&s->cancel, true);
        SetEvent(s->space_event);
        WaitForSingleObject(s->thread, INFINITE);
        CloseHandle(s->thread);
        session_release(s);
    }
}
