/* SPDX-License-Identifier: MIT */
/* The terminal session's reader thread: opens the port, optionally resets the board to run its
 * firmware and follows the ROM's 74880-baud boot lines to the REPL's rate, then fills a ring. */
#include "session.h"

#include "conn.h"
#include "port.h"
#include "port_ring.h"
#include "winmsg.h"

#include <process.h>

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_RING_SIZE        (256u * 1024u)
#define SESSION_READ_CHUNK       4096u
#define SESSION_READ_TIMEOUT_MS  50u /* also how quickly the thread notices session_stop */
#define SESSION_WRITE_TIMEOUT_MS 20u
#define SESSION_IO_ERRORS_MAX    5u /* consecutive I/O failures that mean the port is gone */
#define SESSION_LINE_MAX         64u
#define SESSION_STEPS_MAX        (CONN_STEPS_MAX + 1u)

/* Following the boot (see session_boot_feed). The facts: the ESP8266 ROM prints its boot lines
 * at 74880 baud (26 MHz crystal, esp8266-protocol.md §4.5): " ets Jan  8 2013,rst cause:2, boot
 * mode:(3,6)", then per segment "load 0x..., len N, room R" / "tail T" / "chksum 0x..", and last
 * "csum 0x.." (the XOR checksum). When csum matches it jumps to the image at once; MicroPython
 * (and any SDK program) then sets the UART to 115200, so whatever follows the csum line at 74880
 * is undecodable. When it does not match, the ROM prints "csum err" and "ets_main.c" in the same
 * burst and stops. The simulator does the same (tests/sim/board/boot.c, board_chip.c: the
 * banner comes 250 ms after the jump). So: watch for the csum line; after it, stay at 74880 only
 * while what comes is readable text (the ROM's own "csum err", a second-stage boot loader's
 * lines); switch on the first byte that is not text (the firmware talking at 115200: that byte
 * and the rest of its read are dropped) or after SESSION_BOOT_SETTLE_MS of silence - longer than
 * a USB adapter's latency timer (FTDI: 16 ms), far shorter than MicroPython's start-up. After
 * "csum err" the ROM has stopped: stay at 74880 and follow a manual RESET (its " ets " banner)
 * again. No csum line within SESSION_BOOT_MAX_MS of the reset (a stuck ROM, a board without the
 * reset circuit): switch anyway. */
#define SESSION_BOOT_SETTLE_MS 30u
#define SESSION_BOOT_MAX_MS    2000u

static const char SESSION_CSUM_LINE[] = "csum 0x";
static const char SESSION_CSUM_ERR_LINE[] = "csum err";
static const char SESSION_BANNER_MARK[] = "ets "; /* in the ROM's first line */

enum session_boot_phase {
    SESSION_BOOT_WATCH = 0,  /* the ROM's lines until its csum line */
    SESSION_BOOT_AFTER_CSUM, /* text may follow at 74880; anything else means the firmware runs */
    SESSION_BOOT_HALTED,     /* "csum err": the ROM stopped, stay at 74880 */
    SESSION_BOOT_DONE,       /* at the REPL's rate */
};

struct session_boot {
    enum session_boot_phase phase;
    uint64_t deadline; /* WATCH: the max; AFTER_CSUM: silence since the last byte */
    bool csum_err;     /* AFTER_CSUM: the ROM said "csum err" */
    bool switch_now;   /* a byte that is not text arrived after the csum line */
    char line[SESSION_LINE_MAX];
    size_t len;
};

struct session {
    struct session_options opt;
    HWND notify;
    HANDLE thread;
    atomic_bool stop;
    atomic_bool data_posted; /* one WM_MF_TERM_DATA in flight; session_drain clears it */
    CRITICAL_SECTION ring_lock;
    struct port_ring ring;
    HANDLE space_event;         /* set when session_drain made room (and by session_stop) */
    CRITICAL_SECTION port_lock; /* `port` against session_write while the thread closes it */
    struct port *port;
    struct session_boot boot;
    unsigned io_errors;
};

void session_options_default(struct session_options *o)
{
    memset(o, 0, sizeof *o);
    o->baud = SESSION_REPL_BAUD;
    o->reset_board = false;
}

/* ---- Posting ---- */

static void session_post_state(const struct session *s, enum winmsg_term_event event, uint32_t baud,
                               const char *fmt, ...)
#if defined(__MINGW32__)
        __attribute__((format(gnu_printf, 4, 5)))
#endif
        ;

static void session_post_state(const struct session *s, enum winmsg_term_event event, uint32_t baud,
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
        if (!PostMessageW(s->notify, WM_MF_TERM_STATE, 0, (LPARAM)m)) {
            free(m);
        }
    }
}

/* Bytes for the window: into the ring, and one WM_MF_TERM_DATA unless one is in flight. */
static void session_deliver(struct session *s, const uint8_t *data, size_t n)
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

/* The hard reset that runs the firmware: GPIO0 high (DTR de-asserted), EN low for
 * CONN_RESET_HOLD_MS, released; DTR written again after each RTS change (usbser.sys). Stale input
 * is discarded while EN is low. */
static int session_reset_board(struct session *s, struct port_error *pe)
{
    struct conn_step steps[SESSION_STEPS_MAX];
    size_t n = 1;
    int rc = PORT_OK;
    steps[0] = (struct conn_step){CONN_STEP_DTR, false, false, 0};
    n += conn_hard_reset_steps(true, steps + 1, SESSION_STEPS_MAX - 1u);
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

/* Waits for the window to drain when the ring is full; returns the free space (0: stopping). */
static size_t session_wait_space(struct session *s)
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

/* Reads until session_stop or until the port fails. */
static void session_loop(struct session *s)
{
    struct port_error pe;
    while (!atomic_load(&s->stop)) {
        memset(&pe, 0, sizeof pe);
        int rc = session_read_once(s, &pe);
        s->io_errors = rc == PORT_OK ? 0u : s->io_errors + 1u;
        if (rc == PORT_ERR_GONE || s->io_errors >= SESSION_IO_ERRORS_MAX) {
            session_post_state(s, WINMSG_TERM_GONE, 0,
                               "The board was unplugged (%s went away). Plug it back in and "
                               "press Connect.",
                               s->opt.port);
            break;
        }
        if (rc != PORT_OK) {
            port_sleep_ms(SESSION_READ_TIMEOUT_MS); /* a passing failure: try again */
        }
    }
}

/* Opens the port, resets the board when asked, and tells the window how it went. */
static bool session_open(struct session *s)
{
    struct port_error pe;
    struct port *p = NULL;
    uint32_t baud = s->opt.reset_board ? SESSION_BOOT_BAUD : s->opt.baud;
    bool ok = port_open(s->opt.port, baud, &p, &pe) == PORT_OK;
    if (!ok) {
        session_post_state(s, WINMSG_TERM_FAILED, 0, "%s", pe.message);
    } else {
        EnterCriticalSection(&s->port_lock);
        s->port = p;
        LeaveCriticalSection(&s->port_lock);
        session_post_state(s, WINMSG_TERM_OPENED, baud, "%s: open at %u baud.", s->opt.port,
                           (unsigned)baud);
    }
    s->boot.phase = s->opt.reset_board ? SESSION_BOOT_WATCH : SESSION_BOOT_DONE;
    if (ok && s->opt.reset_board) {
        int rc = (port_caps(p) & PORT_CAP_LINES) != 0 ? session_reset_board(s, &pe)
                                                      : PORT_ERR_UNSUPPORTED;
        s->boot.deadline = port_clock_ms() + SESSION_BOOT_MAX_MS;
        if (rc == PORT_ERR_GONE) {
            session_post_state(s, WINMSG_TERM_GONE, 0,
                               "The board was unplugged (%s went away). Plug it back in and "
                               "press Connect.",
                               s->opt.port);
            ok = false;
        } else if (rc != PORT_OK) {
            /* No reset lines (socket://, an adapter without DTR/RTS): go straight to the REPL. */
            ok = session_switch_baud(s, &pe) == PORT_OK;
            if (!ok) {
                session_post_state(s, WINMSG_TERM_FAILED, 0, "%s", pe.message);
            }
        }
    }
    return ok;
}

static unsigned __stdcall session_thread(void *arg)
{
    struct session *s = arg;
    if (session_open(s)) {
        session_loop(s);
    }
    EnterCriticalSection(&s->port_lock);
    port_close(s->port); /* every way out releases the port */
    s->port = NULL;
    LeaveCriticalSection(&s->port_lock);
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
    port_ring_free(&s->ring);
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
        InitializeCriticalSection(&s->ring_lock);
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

bool session_write(struct session *s, const void *data, size_t size)
{
    bool ok = false;
    if (s != NULL) {
        EnterCriticalSection(&s->port_lock);
        if (s->port != NULL) {
            ok = port_write(s->port, data, size, SESSION_WRITE_TIMEOUT_MS, NULL) == PORT_OK;
        }
        LeaveCriticalSection(&s->port_lock);
    }
    return ok;
}

/* Posts nothing itself: WM_MF_TERM_CLOSED comes only when the reader ends on its own (FAILED,
 * GONE). Messages posted before the stop may still be queued when this returns, so the window
 * ignores WM_MF_TERM_DATA / WM_MF_TERM_STATE when it holds no session (and frees the payload). */
void session_stop(struct session *s)
{
    if (s != NULL) {
        atomic_store(&s->stop, true);
        SetEvent(s->space_event);
        WaitForSingleObject(s->thread, INFINITE);
        CloseHandle(s->thread);
        session_release(s);
    }
}
