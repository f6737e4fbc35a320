/* SPDX-License-Identifier: MIT */
/* MicroPython's raw REPL as shared/runtime/pyexec.c speaks it: entering and leaving it, running
 * programs in raw-paste mode with window flow control (or plain raw mode), soft reset. */
#include "mpy_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The REPL's control characters (pyexec.c). */
#define MPY_CTRL_A 0x01u /* enter the raw REPL */
#define MPY_CTRL_B 0x02u /* leave it: the friendly REPL's banner */
#define MPY_CTRL_C 0x03u /* interrupt a program; clear the line */
#define MPY_CTRL_D 0x04u /* run the program (raw), end of data (raw paste), soft reset */
#define MPY_EOT    0x04u /* the board's end of stdout / stderr / raw-paste data */

/* What the board prints (pyexec.c, main.c). Soft reboot: ESP8266 ports before v1.10 printed
 * "PYB: soft reboot", later ones "MPY: soft reboot". */
#define MPY_RAW_BANNER  "raw REPL; CTRL-B to exit\r\n>"
#define MPY_FRIENDLY    ">>> "
#define MPY_SOFT_REBOOT "soft reboot\r\n"
#define MPY_RAW_PROMPT  '>'
#define MPY_RAW_OK      "OK"
#define MPY_PASTE_REQUEST                                                                          \
    "\x05"                                                                                         \
    "A\x01"
#define MPY_PASTE_ANSWER   'R'
#define MPY_PASTE_YES_BYTE 0x01u
#define MPY_PASTE_NO_BYTE  0x00u
#define MPY_NEEDLE_MAX     32u

/* Timings and limits: the protocol's waits as data (mpremote's choices where it has them). */
enum {
    MPY_TIMEOUT_DEFAULT_MS = 5000, /* longest silence from the board */
    MPY_INTERRUPTS = 2,            /* Ctrl-C twice: a program that catches one still stops */
    MPY_QUIET_MS = 20,             /* after a Ctrl-C: the board is done once this quiet */
    MPY_QUIET_MAX_MS = 500,        /* ... or after this long, however chatty it is */
    MPY_ENTER_ATTEMPTS = 2,        /* a board still booting misses the first Ctrl-A */
    MPY_ENTER_MIN_MS = 500,        /* each attempt waits at least this long */
    MPY_SKIP_MAX = 16 * 1024,      /* text skipped looking for a banner before giving up */
    MPY_PLAIN_PIECE = 256,         /* plain raw mode: bytes per write (the UART ring) */
    MPY_PLAIN_PAUSE_MS = 10,       /* ... and the pause after each (mpremote) */
};

static const struct {
    int status;
    const char *text;
} MPY_STATUS_TEXT[] = {
        {MPY_OK, "success"},
        {MPY_ERR_ARG, "malformed path or argument"},
        {MPY_ERR_PORT, "the serial port failed"},
        {MPY_ERR_TIMEOUT, "the board stopped answering"},
        {MPY_ERR_NO_REPL, "no MicroPython REPL answered"},
        {MPY_ERR_PYTHON, "the board raised an exception"},
        {MPY_ERR_NOT_FOUND, "no such file or folder on the board"},
        {MPY_ERR_NO_MEMORY, "out of memory"},
        {MPY_ERR_CANCELLED, "cancelled"},
        {MPY_ERR_PROTOCOL, "the board broke the raw REPL's rules"},
};

const char *mpy_status_text(int status)
{
    const char *text = "unknown error";
    for (size_t i = 0; i < sizeof MPY_STATUS_TEXT / sizeof MPY_STATUS_TEXT[0]; i++) {
        if (MPY_STATUS_TEXT[i].status == status) {
            text = MPY_STATUS_TEXT[i].text;
        }
    }
    return text;
}

/* ---- errors and buffers ---- */

int mpy_fail(struct mpy_error *err, int status, const char *cmd, const char *fmt, ...)
{
    va_list ap;
    if (err != NULL) {
        err->status = status;
        err->port_status = 0;
        snprintf(err->command, sizeof err->command, "%s", cmd != NULL ? cmd : "");
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

static void mpy_ok(struct mpy_error *err)
{
    memset(err, 0, sizeof *err);
}

bool mpy_buf_put(struct mpy_buf *b, const void *data, size_t n)
{
    if (b->len + n + 1u > b->cap) {
        size_t cap = b->cap > 0 ? b->cap : 256u;
        while (cap < b->len + n + 1u) {
            cap *= 2u;
        }
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            return false;
        }
        b->p = p;
        b->cap = cap;
    }
    if (n > 0) {
        memcpy(b->p + b->len, data, n);
    }
    b->len += n;
    b->p[b->len] = '\0';
    return true;
}

void mpy_buf_free(struct mpy_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void mpy_last_line(const struct mpy_buf *tb, char *line, size_t cap)
{
    size_t end = tb->len, start;
    while (end > 0 && (tb->p[end - 1] == '\r' || tb->p[end - 1] == '\n')) {
        end--;
    }
    start = end;
    while (start > 0 && tb->p[start - 1] != '\n') {
        start--;
    }
    snprintf(line, cap, "%.*s", (int)(end - start), end > 0 ? tb->p + start : "");
}

/* ---- the port ---- */

static int mpy_port_fail(struct mpy *m, int rc, const struct port_error *pe, const char *cmd,
                         struct mpy_error *err)
{
    m->raw = false;
    m->rx_pos = m->rx_len = 0;
    if (rc == PORT_ERR_GONE) {
        mpy_fail(err, MPY_ERR_PORT, cmd,
                 "%s: the board was unplugged (%s disappeared). Plug it back in, then try "
                 "again.",
                 cmd, port_name(m->port));
    } else {
        mpy_fail(err, MPY_ERR_PORT, cmd, "%s: %s", cmd,
                 pe->message[0] != '\0' ? pe->message : port_status_text(rc));
    }
    err->port_status = rc;
    return MPY_ERR_PORT;
}

static int mpy_write(struct mpy *m, const void *data, size_t n, const char *cmd,
                     struct mpy_error *err)
{
    struct port_error pe;
    int rc = port_write(m->port, data, n, m->opt.timeout_ms, &pe);
    if (rc == PORT_ERR_TIMEOUT) {
        m->raw = false;
        return mpy_fail(err, MPY_ERR_TIMEOUT, cmd,
                        "%s: %s did not take the data within %u ms. Check that no other program "
                        "holds the port, then try again.",
                        cmd, port_name(m->port), (unsigned)m->opt.timeout_ms);
    }
    return rc == PORT_OK ? MPY_OK : mpy_port_fail(m, rc, &pe, cmd, err);
}

static int mpy_write_byte(struct mpy *m, uint8_t byte, const char *cmd, struct mpy_error *err)
{
    return mpy_write(m, &byte, 1, cmd, err);
}

/* Refills the empty receive buffer with at most `want` bytes (so that a read never takes bytes
 * that follow the answer being waited for). timeout_ms 0: only what is there already. */
static int mpy_fill(struct mpy *m, size_t want, uint32_t timeout_ms, const char *cmd,
                    struct mpy_error *err)
{
    struct port_error pe;
    size_t got = 0;
    size_t n = want < sizeof m->rx ? want : sizeof m->rx;
    m->rx_pos = m->rx_len = 0;
    int rc = port_read(m->port, m->rx, n > 0 ? n : 1u, timeout_ms, &got, &pe);
    if (rc == PORT_ERR_TIMEOUT || (rc == PORT_OK && got == 0)) {
        return mpy_fail(err, MPY_ERR_TIMEOUT, cmd,
                        "%s: the board sent nothing for %u ms. A program may still be running "
                        "on it, or it was reset; try again.",
                        cmd, (unsigned)timeout_ms);
    }
    if (rc != PORT_OK) {
        return mpy_port_fail(m, rc, &pe, cmd, err);
    }
    m->rx_len = got;
    return MPY_OK;
}

/* The next byte, waiting at most the silence timeout; `want` bounds what a read takes. */
static int mpy_byte(struct mpy *m, size_t want, uint8_t *byte, const char *cmd,
                    struct mpy_error *err)
{
    if (m->rx_pos == m->rx_len) {
        int rc = mpy_fill(m, want, m->opt.timeout_ms, cmd, err);
        if (rc != MPY_OK) {
            return rc;
        }
    }
    *byte = m->rx[m->rx_pos++];
    return MPY_OK;
}

/* A byte if one is there now: MPY_OK, or MPY_ERR_TIMEOUT when none (err untouched). */
static int mpy_byte_now(struct mpy *m, uint8_t *byte, const char *cmd, struct mpy_error *err)
{
    if (m->rx_pos == m->rx_len) {
        struct mpy_error quiet;
        int rc = mpy_fill(m, sizeof m->rx, 0, cmd, &quiet);
        if (rc == MPY_ERR_TIMEOUT) {
            return rc;
        }
        if (rc != MPY_OK) {
            *err = quiet;
            return rc;
        }
    }
    *byte = m->rx[m->rx_pos++];
    return MPY_OK;
}

/* Reads and drops whatever the board sends until it has been quiet for quiet_ms (at most
 * max_ms in all). */
static int mpy_settle(struct mpy *m, const char *cmd, struct mpy_error *err)
{
    uint64_t start = port_clock_ms();
    struct port_error pe;
    m->rx_pos = m->rx_len = 0;
    while (port_clock_ms() - start < MPY_QUIET_MAX_MS) {
        size_t got = 0;
        int rc = port_read(m->port, m->rx, sizeof m->rx, MPY_QUIET_MS, &got, &pe);
        if (rc == PORT_ERR_TIMEOUT) {
            break;
        }
        if (rc != PORT_OK) {
            return mpy_port_fail(m, rc, &pe, cmd, err);
        }
    }
    return MPY_OK;
}

/* Length of the longest prefix of needle that ends `seen` (the last bytes received). */
static size_t mpy_matched(const char *seen, size_t seen_len, const char *needle, size_t len)
{
    size_t best = 0;
    for (size_t l = seen_len < len ? seen_len : len; l > 0 && best == 0; l--) {
        if (memcmp(seen + seen_len - l, needle, l) == 0) {
            best = l;
        }
    }
    return best;
}

/* Reads until `needle` has arrived, never reading past its end; bytes before it are dropped.
 * More than MPY_SKIP_MAX of them: MPY_ERR_PROTOCOL. `first` (n bytes) were received already. */
static int mpy_wait_for(struct mpy *m, const char *needle, const uint8_t *first, size_t n,
                        const char *cmd, struct mpy_error *err)
{
    char seen[MPY_NEEDLE_MAX];
    size_t len = strlen(needle), seen_len = 0, k = 0, skipped = 0;
    for (size_t i = 0; k < len; i++) {
        uint8_t b = 0;
        if (i < n) {
            b = first[i];
        } else {
            int rc = mpy_byte(m, len - k, &b, cmd, err);
            if (rc != MPY_OK) {
                return rc;
            }
        }
        if (seen_len == len) {
            memmove(seen, seen + 1, len - 1u);
            seen_len--;
        }
        seen[seen_len++] = (char)b;
        k = mpy_matched(seen, seen_len, needle, len);
        if (++skipped > MPY_SKIP_MAX + len) {
            return mpy_fail(err, MPY_ERR_PROTOCOL, cmd,
                            "%s: the board sent %u bytes without the expected answer.", cmd,
                            (unsigned)MPY_SKIP_MAX);
        }
    }
    return MPY_OK;
}

/* ---- the session ---- */

void mpy_options_default(struct mpy_options *o)
{
    memset(o, 0, sizeof *o);
    o->timeout_ms = MPY_TIMEOUT_DEFAULT_MS;
}

struct mpy *mpy_new(struct port *port, const struct mpy_options *o)
{
    struct mpy *m = port != NULL ? calloc(1, sizeof *m) : NULL;
    if (m != NULL) {
        m->port = port;
        if (o != NULL) {
            m->opt = *o;
        } else {
            mpy_options_default(&m->opt);
        }
        if (m->opt.timeout_ms == 0) {
            m->opt.timeout_ms = MPY_TIMEOUT_DEFAULT_MS;
        }
    }
    return m;
}

void mpy_free(struct mpy *m)
{
    if (m != NULL) {
        struct mpy_error err;
        if (m->raw) {
            (void)mpy_raw_leave(m, &err);
        }
        free(m);
    }
}

bool mpy_used_raw_paste(const struct mpy *m)
{
    return m != NULL && m->used_paste;
}

/* One try: Ctrl-C twice (each followed by a quiet moment), Ctrl-A, the raw banner. */
static int mpy_enter_once(struct mpy *m, uint32_t timeout_ms, const char *cmd,
                          struct mpy_error *err)
{
    uint32_t saved = m->opt.timeout_ms;
    int rc = MPY_OK;
    for (int i = 0; i < MPY_INTERRUPTS && rc == MPY_OK; i++) {
        rc = mpy_write_byte(m, MPY_CTRL_C, cmd, err);
        if (rc == MPY_OK) {
            rc = mpy_settle(m, cmd, err);
        }
    }
    if (rc == MPY_OK) {
        rc = mpy_write_byte(m, MPY_CTRL_A, cmd, err);
    }
    if (rc == MPY_OK) {
        m->opt.timeout_ms = timeout_ms;
        rc = mpy_wait_for(m, MPY_RAW_BANNER, NULL, 0, cmd, err);
        m->opt.timeout_ms = saved;
    }
    return rc;
}

int mpy_raw_enter(struct mpy *m, struct mpy_error *err)
{
    static const char CMD[] = "enter raw REPL";
    struct mpy_error dummy;
    uint32_t each = m != NULL ? m->opt.timeout_ms / MPY_ENTER_ATTEMPTS : 0u;
    int rc = MPY_ERR_TIMEOUT;
    err = err != NULL ? err : &dummy;
    mpy_ok(err);
    if (m == NULL) {
        return mpy_fail(err, MPY_ERR_ARG, CMD, "%s: no session.", CMD);
    }
    m->raw = false;
    each = each < MPY_ENTER_MIN_MS ? MPY_ENTER_MIN_MS : each;
    for (int i = 0; i < MPY_ENTER_ATTEMPTS && (rc == MPY_ERR_TIMEOUT || rc == MPY_ERR_PROTOCOL);
         i++) {
        rc = mpy_enter_once(m, each, CMD, err);
    }
    if (rc == MPY_ERR_TIMEOUT) {
        rc = mpy_fail(err, MPY_ERR_NO_REPL, CMD,
                      "No MicroPython REPL answered on %s: the board did not react to Ctrl-C and "
                      "Ctrl-A. Check that MicroPython is flashed and running (press RESET), and "
                      "that the baud rate is MicroPython's 115200.",
                      port_name(m->port));
    } else if (rc == MPY_ERR_PROTOCOL) {
        rc = mpy_fail(err, MPY_ERR_NO_REPL, CMD,
                      "The board on %s answers, but not as MicroPython's raw REPL does: it may "
                      "run other firmware or a program that ignores Ctrl-C. Press RESET or "
                      "flash MicroPython, then try again.",
                      port_name(m->port));
    }
    m->raw = rc == MPY_OK;
    return rc;
}

int mpy_raw_leave(struct mpy *m, struct mpy_error *err)
{
    static const char CMD[] = "leave raw REPL";
    struct mpy_error dummy;
    err = err != NULL ? err : &dummy;
    mpy_ok(err);
    if (m == NULL) {
        return mpy_fail(err, MPY_ERR_ARG, CMD, "%s: no session.", CMD);
    }
    m->raw = false;
    int rc = mpy_write_byte(m, MPY_CTRL_B, CMD, err);
    if (rc == MPY_OK) {
        rc = mpy_wait_for(m, MPY_FRIENDLY, NULL, 0, CMD, err);
    }
    return rc;
}

int mpy_soft_reset(struct mpy *m, struct mpy_error *err)
{
    static const char CMD[] = "soft reset";
    struct mpy_error dummy;
    err = err != NULL ? err : &dummy;
    /* From any state: into the raw REPL (stops a program), out to the friendly one, Ctrl-D. */
    int rc = mpy_raw_enter(m, err);
    if (rc == MPY_OK) {
        rc = mpy_raw_leave(m, err);
    }
    if (rc == MPY_OK) {
        rc = mpy_write_byte(m, MPY_CTRL_D, CMD, err);
    }
    if (rc == MPY_OK) {
        rc = mpy_wait_for(m, MPY_SOFT_REBOOT, NULL, 0, CMD, err);
    }
    if (rc == MPY_ERR_TIMEOUT || rc == MPY_ERR_PROTOCOL) {
        rc = mpy_fail(err, rc, CMD,
                      "The board on %s did not report a soft reboot after Ctrl-D. Press RESET, "
                      "then try again.",
                      port_name(m->port));
    }
    return rc;
}

/* ---- running a program ---- */

/* Asks for raw-paste mode: *yes and *window when the board takes it (else it is back at the raw
 * prompt for plain raw mode). */
static int mpy_paste_start(struct mpy *m, const char *cmd, bool *yes, uint32_t *window,
                           struct mpy_error *err)
{
    uint8_t a[2] = {0, 0}, w[2] = {0, 0};
    int rc = mpy_write(m, MPY_PASTE_REQUEST, sizeof MPY_PASTE_REQUEST - 1u, cmd, err);
    *yes = false;
    for (size_t i = 0; i < sizeof a && rc == MPY_OK; i++) {
        rc = mpy_byte(m, sizeof a - i, &a[i], cmd, err);
    }
    if (rc != MPY_OK) {
        return rc;
    }
    if (a[0] == MPY_PASTE_ANSWER && a[1] == MPY_PASTE_YES_BYTE) {
        for (size_t i = 0; i < sizeof w && rc == MPY_OK; i++) {
            rc = mpy_byte(m, sizeof w - i, &w[i], cmd, err);
        }
        *window = (uint32_t)w[0] | (uint32_t)w[1] << 8;
        if (rc == MPY_OK && *window == 0) {
            rc = mpy_fail(err, MPY_ERR_PROTOCOL, cmd,
                          "%s: the board offered a raw-paste window "
                          "of 0 bytes.",
                          cmd);
        }
        *yes = rc == MPY_OK;
        m->paste = MPY_PASTE_YES;
    } else if (a[0] == MPY_PASTE_ANSWER && a[1] == MPY_PASTE_NO_BYTE) {
        /* understood but not supported: pyexec prints the prompt again */
        uint8_t prompt = 0;
        m->paste = MPY_PASTE_NO;
        rc = mpy_byte(m, 1, &prompt, cmd, err);
        if (rc == MPY_OK && prompt != MPY_RAW_PROMPT) {
            rc = mpy_fail(err, MPY_ERR_PROTOCOL, cmd, "%s: no raw prompt after \"R\\x00\".", cmd);
        }
    } else {
        /* older than raw paste: its Ctrl-A restarted the raw REPL */
        m->paste = MPY_PASTE_NO;
        rc = mpy_wait_for(m, MPY_RAW_BANNER, a, sizeof a, cmd, err);
    }
    return rc;
}

/* Sends the program within the board's window (mpremote's raw_paste_write), then Ctrl-D and
 * waits for the board's acknowledgement. */
static int mpy_paste_send(struct mpy *m, const char *cmd, const char *code, size_t len,
                          uint32_t window, struct mpy_error *err)
{
    size_t i = 0;
    uint64_t remain = window;
    bool ended = false; /* the board stopped reading early (a syntax error) */
    int rc = MPY_OK;
    while (i < len && !ended && rc == MPY_OK) {
        uint8_t b = 0;
        int got = remain == 0 ? mpy_byte(m, 1, &b, cmd, err) : mpy_byte_now(m, &b, cmd, err);
        if (got == MPY_OK && b == MPY_PASTE_YES_BYTE) {
            remain += window;
        } else if (got == MPY_OK && b == MPY_EOT) {
            ended = true;
        } else if (got == MPY_OK) {
            rc = mpy_fail(err, MPY_ERR_PROTOCOL, cmd,
                          "%s: the board sent 0x%02X during a raw-paste upload.", cmd, b);
        } else if (got != MPY_ERR_TIMEOUT || remain == 0) {
            rc = got;
        } else {
            size_t n = len - i < remain ? len - i : (size_t)remain;
            rc = mpy_write(m, code + i, n, cmd, err);
            i += n;
            remain -= n;
        }
    }
    if (rc == MPY_OK) {
        rc = mpy_write_byte(m, MPY_CTRL_D, cmd, err);
    }
    while (rc == MPY_OK && !ended) {
        uint8_t b = 0;
        rc = mpy_byte(m, 1, &b, cmd, err);
        if (rc == MPY_OK && b == MPY_EOT) {
            ended = true;
        } else if (rc == MPY_OK && b != MPY_PASTE_YES_BYTE) {
            rc = mpy_fail(err, MPY_ERR_PROTOCOL, cmd,
                          "%s: the board sent 0x%02X instead of ending the raw-paste upload.", cmd,
                          b);
        }
    }
    return rc;
}

/* Plain raw mode: the program in pieces the board's UART ring can hold, Ctrl-D, "OK". */
static int mpy_plain_send(struct mpy *m, const char *cmd, const char *code, size_t len,
                          struct mpy_error *err)
{
    uint8_t ok[2] = {0, 0};
    int rc = MPY_OK;
    for (size_t i = 0; i < len && rc == MPY_OK; i += MPY_PLAIN_PIECE) {
        size_t n = len - i < MPY_PLAIN_PIECE ? len - i : MPY_PLAIN_PIECE;
        struct port_error pe;
        rc = mpy_write(m, code + i, n, cmd, err);
        if (rc == MPY_OK) {
            int prc = port_drain(m->port, m->opt.timeout_ms, &pe);
            rc = prc == PORT_OK || prc == PORT_ERR_UNSUPPORTED
                         ? MPY_OK
                         : mpy_port_fail(m, prc, &pe, cmd, err);
        }
        if (rc == MPY_OK) {
            port_sleep_ms(MPY_PLAIN_PAUSE_MS);
        }
    }
    if (rc == MPY_OK) {
        rc = mpy_write_byte(m, MPY_CTRL_D, cmd, err);
    }
    for (size_t i = 0; i < sizeof ok && rc == MPY_OK; i++) {
        rc = mpy_byte(m, sizeof ok - i, &ok[i], cmd, err);
    }
    if (rc == MPY_OK && memcmp(ok, MPY_RAW_OK, sizeof ok) != 0) {
        rc = mpy_fail(err, MPY_ERR_PROTOCOL, cmd,
                      "%s: the board answered 0x%02X 0x%02X instead of \"OK\".", cmd, ok[0], ok[1]);
    }
    return rc;
}

struct mpy_collect {
    mpy_sink_fn sink;
    void *sink_ctx;
    struct mpy_buf *out;
    struct mpy_buf *tb;
    bool cancelled;
    bool no_memory;
};

/* A piece of stdout (part 0) or of the traceback (part 1). */
static int mpy_collect_piece(struct mpy *m, struct mpy_collect *c, int part, const uint8_t *p,
                             size_t n, const char *cmd, struct mpy_error *err)
{
    int rc = MPY_OK;
    if (n == 0) {
        return rc;
    }
    if (part == 1) {
        c->no_memory = c->no_memory || !mpy_buf_put(c->tb, p, n);
    } else if (c->cancelled) {
        /* output after the interrupt is dropped */
    } else if (c->sink != NULL && !c->sink(c->sink_ctx, p, n)) {
        c->cancelled = true;
        rc = mpy_write_byte(m, MPY_CTRL_C, cmd, err);
    } else if (c->sink == NULL && c->out != NULL) {
        c->no_memory = c->no_memory || !mpy_buf_put(c->out, p, n);
    }
    return rc;
}

/* The program's answer: stdout, EOT, traceback, EOT, the raw prompt. */
static int mpy_collect(struct mpy *m, const char *cmd, struct mpy_collect *c, struct mpy_error *err)
{
    int part = 0, rc = MPY_OK;
    uint8_t prompt = 0;
    while (part < 2 && rc == MPY_OK) {
        if (m->rx_pos == m->rx_len) {
            rc = mpy_fill(m, sizeof m->rx, m->opt.timeout_ms, cmd, err);
            continue;
        }
        const uint8_t *p = m->rx + m->rx_pos;
        size_t n = m->rx_len - m->rx_pos;
        const uint8_t *eot = memchr(p, MPY_EOT, n);
        size_t take = eot != NULL ? (size_t)(eot - p) : n;
        rc = mpy_collect_piece(m, c, part, p, take, cmd, err);
        m->rx_pos += take + (eot != NULL ? 1u : 0u);
        part += eot != NULL ? 1 : 0;
    }
    if (rc == MPY_OK) {
        rc = mpy_byte(m, 1, &prompt, cmd, err);
    }
    if (rc == MPY_OK && prompt != MPY_RAW_PROMPT) {
        rc = mpy_fail(err, MPY_ERR_PROTOCOL, cmd,
                      "%s: the board sent 0x%02X where the raw prompt '>' belongs.", cmd, prompt);
    }
    return rc;
}

int mpy_run(struct mpy *m, const char *cmd, const char *code, size_t len, mpy_sink_fn sink,
            void *sink_ctx, struct mpy_buf *out, struct mpy_buf *tb, struct mpy_error *err)
{
    struct mpy_buf own_tb = {0};
    struct mpy_collect c = {sink, sink_ctx, out, tb != NULL ? tb : &own_tb, false, false};
    bool paste = false;
    uint32_t window = 0;
    int rc = MPY_OK;

    for (size_t i = 0; i < len; i++) {
        if ((uint8_t)code[i] >= MPY_CTRL_A && (uint8_t)code[i] <= MPY_CTRL_D) {
            return mpy_fail(err, MPY_ERR_ARG, cmd,
                            "%s: the program holds the control character 0x%02X at byte %zu, "
                            "which the raw REPL would take as a command.",
                            cmd, (unsigned)(uint8_t)code[i], i);
        }
    }
    if (!m->raw) {
        rc = mpy_raw_enter(m, err);
    }
    m->used_paste = false;
    if (rc == MPY_OK && !m->opt.no_raw_paste && m->paste != MPY_PASTE_NO) {
        rc = mpy_paste_start(m, cmd, &paste, &window, err);
    }
    if (rc == MPY_OK && paste) {
        m->used_paste = true;
        rc = mpy_paste_send(m, cmd, code, len, window, err);
    } else if (rc == MPY_OK) {
        rc = mpy_plain_send(m, cmd, code, len, err);
    }
    if (rc == MPY_OK) {
        rc = mpy_collect(m, cmd, &c, err);
    }
    if (rc != MPY_OK) {
        m->raw = false; /* the board's state is unknown: enter the raw REPL afresh next time */
        m->rx_pos = m->rx_len = 0;
    } else if (c.no_memory) {
        rc = mpy_fail(err, MPY_ERR_NO_MEMORY, cmd, "%s: out of memory for the board's output.",
                      cmd);
    } else if (c.cancelled) {
        rc = mpy_fail(err, MPY_ERR_CANCELLED, cmd, "%s: cancelled.", cmd);
    } else if (c.tb->len > 0) {
        char line[MPY_MESSAGE_MAX];
        mpy_last_line(c.tb, line, sizeof line);
        rc = mpy_fail(err, MPY_ERR_PYTHON, cmd, "%s", line);
    }
    mpy_buf_free(&own_tb);
    return rc;
}

int mpy_exec(struct mpy *m, const char *code, size_t len, char **out, size_t *out_len,
             struct mpy_error *err)
{
    static const char CMD[] = "exec";
    struct mpy_error dummy;
    struct mpy_buf buf = {0};
    err = err != NULL ? err : &dummy;
    mpy_ok(err);
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (m == NULL || (code == NULL && len > 0)) {
        return mpy_fail(err, MPY_ERR_ARG, CMD, "%s: no session or no program.", CMD);
    }
    int rc = mpy_run(m, CMD, code != NULL ? code : "", len, NULL, NULL, out != NULL ? &buf : NULL,
                     NULL, err);
    if (out != NULL && buf.p == NULL && !mpy_buf_put(&buf, "", 0)) {
        rc = rc == MPY_OK ? mpy_fail(err, MPY_ERR_NO_MEMORY, CMD, "%s: out of memory.", CMD) : rc;
    }
    if (out != NULL) {
        *out = buf.p;
        if (out_len != NULL) {
            *out_len = buf.len;
        }
    } else {
        mpy_buf_free(&buf);
    }
    return rc;
}
