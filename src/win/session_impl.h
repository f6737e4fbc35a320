/* SPDX-License-Identifier: MIT */
/* The session's state, shared by its thread (session.c) and the work it does on request
 * (session_ops.c). */
#ifndef MF_SESSION_IMPL_H
#define MF_SESSION_IMPL_H

#include "session.h"

#include "conn.h"
#include "port.h"
#include "port_ring.h"
#include "winmsg.h"

#include <stdatomic.h>

#define SESSION_RING_SIZE        (256u * 1024u)
#define SESSION_READ_CHUNK       4096u
#define SESSION_READ_TIMEOUT_MS  50u /* also how quickly the thread notices session_stop */
#define SESSION_WRITE_TIMEOUT_MS 20u
#define SESSION_IO_ERRORS_MAX    5u /* consecutive I/O failures that mean the port is gone */
#define SESSION_LINE_MAX         64u
#define SESSION_STEPS_MAX        (CONN_STEPS_MAX + 1u)
#define SESSION_REPLUG_POLL_MS   500u  /* how often a vanished port is looked for again */
#define SESSION_KEYS_MAX         4096u /* keystrokes kept while a request runs */

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
    /* session_request's work: taken by the thread between reads */
    CRITICAL_SECTION req_lock;
    struct session_request req;
    bool req_pending;
    atomic_bool busy;            /* a request is pending or running: keystrokes wait */
    atomic_bool cancel;          /* session_cancel: the running work stops */
    atomic_bool ready;           /* the port is open (keys typed before wait in `keys`) */
    atomic_bool gone;            /* the port vanished: keys typed now are dropped */
    char keys[SESSION_KEYS_MAX]; /* typed while work ran or before the port opened (req_lock) */
    size_t keys_len;
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

void session_post_state(const struct session *s, enum winmsg_term_event event, uint32_t baud,
                        const char *fmt, ...)
#if defined(__MINGW32__)
        __attribute__((format(gnu_printf, 4, 5)))
#endif
        ;
/* Posts a payload or frees it. */
void session_post(const struct session *s, UINT msg, void *payload);
/* Bytes for the window: into the ring, and one WM_MF_TERM_DATA unless one is in flight. */
void session_deliver(struct session *s, const uint8_t *data, size_t n);
/* Waits for the window to drain when the ring is full; returns the free space (0: stopping). */
size_t session_wait_space(struct session *s);
/* Sets the lines for a reset (steps from conn.h); input is discarded while EN is low. */
int session_run_steps(struct session *s, const struct conn_step *steps, size_t n,
                      struct port_error *pe);
/* The hard reset that runs the firmware, and the boot watch that follows it at 74880 baud. */
int session_reset_and_watch(struct session *s, struct port_error *pe);
/* Runs the request taken from the queue (session_ops.c). */
void session_run_request(struct session *s, struct session_request *r);

#endif
