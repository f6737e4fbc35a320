/* SPDX-License-Identifier: MIT */
/* The port conformance suite: one program, built for Linux and Windows, that checks any port
 * backend against port_peer (data both ways at several bauds, timeouts, lines, errors). */
#include "net.h"
#include "port.h"
#include "port_thread.h"
#include "testutil.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    CONF_LINE_MAX = 256,
    CONF_WHY_MAX = 1024,
    CONF_CTL_TIMEOUT_MS = 60 * 1000,
    CONF_IO_TIMEOUT_MS = 30 * 1000,
    CONF_EVENT_TIMEOUT_MS = 3000,
    CONF_READ_TIMEOUT_MS = 200, /* the read-timeout check asks for this ... */
    CONF_TIMEOUT_SLACK_MS = 50, /* ... and accepts this much lateness (the bound) */
    CONF_ZERO_TIMEOUT_MAX_MS = 20,
    CONF_CHUNK = 4096,
    CONF_FLUSH_BYTES = 64,
    CONF_MAX_EVENTS = 256,
    CONF_GONE_TIMEOUT_MS = 3000,
};

/* The port is opened at 115200, so that rate comes last: every set is a change the other end
 * must see. */
static const uint32_t CONF_DEFAULT_BAUDS[] = {921600, 2000000, 115200};

struct conf {
    const char *port_name;
    const char *missing_name;
    const char *peer_host;
    uint16_t peer_port;
    size_t size;
    bool expect_listed;
    intptr_t ctl;
    char pending[CONF_LINE_MAX * 4];
    size_t pending_len;
    int passed;
    int failed;
};

struct conf_event {
    char kind[16];
    int dtr;
    int rts;
    uint32_t baud;
    int queue;
    uint64_t t_ns;
};

static void conf_result(struct conf *c, const char *name, bool ok, const char *fmt, ...)
#if defined(__MINGW32__)
        __attribute__((format(gnu_printf, 4, 5)));
#else
        __attribute__((format(printf, 4, 5)));
#endif

static void conf_result(struct conf *c, const char *name, bool ok, const char *fmt, ...)
{
    char why[CONF_WHY_MAX] = "";
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, sizeof why, fmt, ap);
        va_end(ap);
    }
    if (ok) {
        c->passed++;
        printf("PASS %s%s%s\n", name, why[0] ? ": " : "", why);
    } else {
        c->failed++;
        printf("FAIL %s: %s\n", name, why);
    }
    fflush(stdout);
}

/* ---- control connection to port_peer ---- */

static int conf_ctl_line(struct conf *c, char *out, size_t out_size)
{
    for (;;) {
        char *nl = memchr(c->pending, '\n', c->pending_len);
        if (nl != NULL) {
            size_t len = (size_t)(nl - c->pending);
            size_t copy = len < out_size - 1 ? len : out_size - 1;
            memcpy(out, c->pending, copy);
            out[copy] = '\0';
            memmove(c->pending, nl + 1, c->pending_len - len - 1);
            c->pending_len -= len + 1;
            return PORT_OK;
        }
        size_t got = 0;
        int rc = net_recv("peer", c->ctl, c->pending + c->pending_len,
                          sizeof c->pending - c->pending_len, CONF_CTL_TIMEOUT_MS, &got, NULL);
        if (rc != PORT_OK) {
            return rc;
        }
        c->pending_len += got;
    }
}

static int conf_ctl_send(struct conf *c, const char *fmt, ...)
#if defined(__MINGW32__)
        __attribute__((format(gnu_printf, 2, 3)));
#else
        __attribute__((format(printf, 2, 3)));
#endif

static int conf_ctl_send(struct conf *c, const char *fmt, ...)
{
    char line[CONF_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line - 1) {
        return PORT_ERR_ARG;
    }
    line[n] = '\n';
    return net_send_all("peer", c->ctl, line, (size_t)n + 1, CONF_CTL_TIMEOUT_MS, NULL);
}

/* Reads all events the peer holds (waiting until at least `min` arrived). */
static size_t conf_events(struct conf *c, size_t min, struct conf_event *evs, size_t cap)
{
    char line[CONF_LINE_MAX];
    size_t n = 0;
    if (conf_ctl_send(c, "EVENTS %zu %u", min, (unsigned)CONF_EVENT_TIMEOUT_MS) != PORT_OK) {
        return 0;
    }
    while (conf_ctl_line(c, line, sizeof line) == PORT_OK) {
        if (strncmp(line, "END", 3) == 0) {
            break;
        }
        struct conf_event ev;
        memset(&ev, 0, sizeof ev);
        if (sscanf(line, "EV %15s %d %d %" SCNu32 " %d %" SCNu64, ev.kind, &ev.dtr, &ev.rts,
                   &ev.baud, &ev.queue, &ev.t_ns) == 6 &&
            n < cap) {
            evs[n++] = ev;
        }
    }
    return n;
}

/* Events of one kind, in order. */
static size_t conf_filter(const struct conf_event *evs, size_t n, const char *kind,
                          struct conf_event *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < cap; i++) {
        if (strcmp(evs[i].kind, kind) == 0) {
            out[k++] = evs[i];
        }
    }
    return k;
}

/* ---- the checks ---- */

static bool conf_is_atomic_lines(const struct port *p)
{
#ifdef _WIN32
    (void)p;
    return false; /* Windows has no call that changes DTR and RTS together */
#else
    return port_kind(p) == PORT_KIND_LOCAL;
#endif
}

static unsigned conf_expected_caps(enum port_kind kind)
{
    switch (kind) {
    case PORT_KIND_LOCAL: return PORT_CAP_BAUD | PORT_CAP_LINES | PORT_CAP_EXCLUSIVE;
    case PORT_KIND_TCP: return 0;
    case PORT_KIND_RFC2217: return PORT_CAP_BAUD | PORT_CAP_LINES | PORT_CAP_EXCLUSIVE;
    }
    return 0;
}

static void conf_check_open(struct conf *c, struct port *p)
{
    unsigned want = conf_expected_caps(port_kind(p));
    conf_result(c, "open.caps", port_caps(p) == want, "caps 0x%x, expected 0x%x", port_caps(p),
                want);
    conf_result(c, "open.name", strcmp(port_name(p), c->port_name) == 0, "name \"%s\"",
                port_name(p));
    if ((port_caps(p) & PORT_CAP_LINES) == 0) {
        return;
    }
    /* Opening must leave DTR and RTS de-asserted: a board must not sit in reset. */
    struct conf_event evs[CONF_MAX_EVENTS];
    struct conf_event lines[CONF_MAX_EVENTS];
    size_t n = conf_events(c, 0, evs, CONF_MAX_EVENTS);
    size_t k = conf_filter(evs, n, "LINES", lines, CONF_MAX_EVENTS);
    bool ok = k == 0 || (lines[k - 1].dtr == 0 && lines[k - 1].rts == 0);
    conf_result(c, "open.lines_released", ok, "%zu line events after open, last dtr=%d rts=%d", k,
                k ? lines[k - 1].dtr : 0, k ? lines[k - 1].rts : 0);
}

/* Host → peer: the peer hashes what it receives. */
static bool conf_transfer_out(struct conf *c, struct port *p, const uint8_t *data, size_t size,
                              char *why, size_t why_size)
{
    char line[CONF_LINE_MAX];
    struct port_error err;
    unsigned long got = 0;
    uint32_t hash = 0;
    uint64_t t0 = test_now_ms();
    if (conf_ctl_send(c, "RECV %zu %u", size, (unsigned)CONF_IO_TIMEOUT_MS) != PORT_OK) {
        snprintf(why, why_size, "peer unreachable");
        return false;
    }
    int rc = port_write(p, data, size, CONF_IO_TIMEOUT_MS, &err);
    if (conf_ctl_line(c, line, sizeof line) != PORT_OK) {
        snprintf(why, why_size, "no answer from peer");
        return false;
    }
    uint64_t ms = test_now_ms() - t0;
    uint32_t want = test_hash(data, size, TEST_HASH_INIT);
    if (rc != PORT_OK) {
        snprintf(why, why_size, "write: %s; peer: %s", err.message, line);
        return false;
    }
    if (sscanf(line, "OK %lu %" SCNx32, &got, &hash) != 2 || got != size || hash != want) {
        snprintf(why, why_size, "peer: %s (expected OK %zu %08" PRIx32 ")", line, size, want);
        return false;
    }
    snprintf(why, why_size, "%zu bytes in %" PRIu64 " ms", size, ms);
    return true;
}

/* Peer → host: the host reads and compares with the pattern. */
static bool conf_transfer_in(struct conf *c, struct port *p, uint8_t *buf, size_t size,
                             uint32_t seed, char *why, size_t why_size)
{
    char line[CONF_LINE_MAX];
    struct port_error err;
    size_t got = 0;
    uint64_t t0 = test_now_ms();
    if (conf_ctl_send(c, "SEND %zu %" PRIu32, size, seed) != PORT_OK) {
        snprintf(why, why_size, "peer unreachable");
        return false;
    }
    int rc = port_read_full(p, buf, size, CONF_IO_TIMEOUT_MS, &got, &err);
    uint64_t ms = test_now_ms() - t0;
    if (conf_ctl_line(c, line, sizeof line) != PORT_OK || strncmp(line, "OK", 2) != 0) {
        snprintf(why, why_size, "peer: %s", line);
        return false;
    }
    if (rc != PORT_OK) {
        snprintf(why, why_size, "read %zu of %zu: %s", got, size, err.message);
        return false;
    }
    uint8_t *want = malloc(size);
    bool same = want != NULL;
    if (same) {
        test_pattern(want, size, seed);
        same = memcmp(want, buf, size) == 0;
        free(want);
    }
    snprintf(why, why_size, same ? "%zu bytes in %" PRIu64 " ms" : "content differs (%zu bytes)",
             size, ms);
    return same;
}

static void conf_check_bauds(struct conf *c, struct port *p)
{
    uint8_t *out = malloc(c->size);
    uint8_t *in = malloc(c->size);
    char why[CONF_WHY_MAX];
    char name[64];
    if (out == NULL || in == NULL) {
        conf_result(c, "transfer", false, "out of memory");
        free(out);
        free(in);
        return;
    }
    for (size_t i = 0; i < sizeof CONF_DEFAULT_BAUDS / sizeof CONF_DEFAULT_BAUDS[0]; i++) {
        uint32_t baud = CONF_DEFAULT_BAUDS[i];
        struct port_error err;
        int rc = port_set_baud(p, baud, &err);
        snprintf(name, sizeof name, "baud.%" PRIu32 ".set", baud);
        conf_result(c, name, rc == PORT_OK && port_baud(p) == baud, "%s",
                    rc == PORT_OK ? "" : err.message);
        if (port_caps(p) & PORT_CAP_BAUD) {
            struct conf_event evs[CONF_MAX_EVENTS];
            struct conf_event bauds[CONF_MAX_EVENTS];
            size_t n = conf_events(c, 1, evs, CONF_MAX_EVENTS);
            size_t k = conf_filter(evs, n, "BAUD", bauds, CONF_MAX_EVENTS);
            snprintf(name, sizeof name, "baud.%" PRIu32 ".seen", baud);
            conf_result(c, name, k >= 1 && bauds[k - 1].baud == baud,
                        "peer saw %zu baud events, last %" PRIu32, k, k ? bauds[k - 1].baud : 0);
        }
        test_pattern(out, c->size, baud);
        snprintf(name, sizeof name, "baud.%" PRIu32 ".host_to_peer", baud);
        bool ok = conf_transfer_out(c, p, out, c->size, why, sizeof why);
        conf_result(c, name, ok, "%s", why);
        snprintf(name, sizeof name, "baud.%" PRIu32 ".peer_to_host", baud);
        ok = conf_transfer_in(c, p, in, c->size, baud + 1u, why, sizeof why);
        conf_result(c, name, ok, "%s", why);
    }
    free(out);
    free(in);
}

static void conf_check_read_timeout(struct conf *c, struct port *p)
{
    uint8_t b;
    size_t got = 99;
    struct port_error err;
    uint64_t t0 = test_now_ms();
    int rc = port_read(p, &b, 1, CONF_READ_TIMEOUT_MS, &got, &err);
    uint64_t ms = test_now_ms() - t0;
    conf_result(c, "read.timeout",
                rc == PORT_ERR_TIMEOUT && got == 0 && ms >= CONF_READ_TIMEOUT_MS &&
                        ms <= CONF_READ_TIMEOUT_MS + CONF_TIMEOUT_SLACK_MS,
                "%d ms timeout returned %d after %" PRIu64 " ms", CONF_READ_TIMEOUT_MS, rc, ms);
    t0 = test_now_ms();
    rc = port_read(p, &b, 1, 0, &got, &err);
    ms = test_now_ms() - t0;
    conf_result(c, "read.timeout_zero", rc == PORT_ERR_TIMEOUT && ms <= CONF_ZERO_TIMEOUT_MAX_MS,
                "timeout 0 returned %d after %" PRIu64 " ms", rc, ms);
}

struct conf_writer {
    struct port *port;
    const uint8_t *data;
    size_t size;
    int rc;
    char message[PORT_MESSAGE_MAX];
};

static void conf_writer_run(void *arg)
{
    struct conf_writer *w = arg;
    struct port_error err;
    size_t off = 0;
    w->rc = PORT_OK;
    while (off < w->size && w->rc == PORT_OK) {
        size_t n = w->size - off < CONF_CHUNK ? w->size - off : CONF_CHUNK;
        w->rc = port_write(w->port, w->data + off, n, CONF_IO_TIMEOUT_MS, &err);
        off += n;
    }
    if (w->rc != PORT_OK) {
        snprintf(w->message, sizeof w->message, "%s", err.message);
    }
}

/* A writer thread and this thread reading at once, through a peer that echoes. */
static void conf_check_concurrent(struct conf *c, struct port *p)
{
    char line[CONF_LINE_MAX];
    struct port_error err;
    struct port_thread thread;
    struct conf_writer w = {.port = p, .size = c->size};
    uint8_t *out = malloc(c->size);
    uint8_t *in = malloc(c->size);
    size_t got = 0;
    if (out == NULL || in == NULL ||
        conf_ctl_send(c, "ECHO %zu %u", c->size, (unsigned)CONF_IO_TIMEOUT_MS) != PORT_OK) {
        conf_result(c, "concurrent.echo", false, "setup failed");
        free(out);
        free(in);
        return;
    }
    test_pattern(out, c->size, 0xC0DEu);
    w.data = out;
    uint64_t t0 = test_now_ms();
    if (port_thread_start(&thread, conf_writer_run, &w) != 0) {
        conf_result(c, "concurrent.echo", false, "no thread");
        free(out);
        free(in);
        return;
    }
    int rc = port_read_full(p, in, c->size, CONF_IO_TIMEOUT_MS, &got, &err);
    port_thread_join(&thread);
    uint64_t ms = test_now_ms() - t0;
    conf_ctl_line(c, line, sizeof line);
    bool ok = rc == PORT_OK && w.rc == PORT_OK && memcmp(out, in, c->size) == 0;
    conf_result(c, "concurrent.echo", ok,
                "%zu bytes echoed in %" PRIu64 " ms; read %d (%zu), write %d %s; peer: %s", c->size,
                ms, rc, got, w.rc, w.message, line);
    free(out);
    free(in);
}

struct conf_lines {
    int dtr;
    int rts;
};

/* Collapses repeated states and checks that `want` is visited in order, allowing between
 * two wanted states only mixtures of the two (one line switched before the other) unless the
 * backend changes both lines at once. */
static bool conf_lines_match(const struct conf_event *ev, size_t n, const struct conf_lines *want,
                             size_t want_n, bool atomic, char *why, size_t why_size)
{
    struct conf_lines seen[CONF_MAX_EVENTS];
    size_t k = 0;
    struct conf_lines prev = want[0];
    uint64_t last_t = 0;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].t_ns < last_t) {
            snprintf(why, why_size, "timestamps go backwards at event %zu", i);
            return false;
        }
        last_t = ev[i].t_ns;
        if (ev[i].dtr != prev.dtr || ev[i].rts != prev.rts) {
            prev.dtr = ev[i].dtr;
            prev.rts = ev[i].rts;
            seen[k++] = prev;
        }
    }
    size_t w = 1;
    for (size_t i = 0; i < k; i++) {
        if (w < want_n && seen[i].dtr == want[w].dtr && seen[i].rts == want[w].rts) {
            w++;
            continue;
        }
        bool mixture = w < want_n &&
                       (seen[i].dtr == want[w - 1].dtr || seen[i].dtr == want[w].dtr) &&
                       (seen[i].rts == want[w - 1].rts || seen[i].rts == want[w].rts);
        if (atomic || !mixture) {
            snprintf(why, why_size, "unexpected state dtr=%d rts=%d after %zu of %zu states",
                     seen[i].dtr, seen[i].rts, w, want_n);
            return false;
        }
    }
    snprintf(why, why_size, "%zu of %zu states in order, %zu events", w, want_n, n);
    return w == want_n;
}

static void conf_check_lines(struct conf *c, struct port *p)
{
    /* esptool's classic reset (one line per call) and the tight reset (both per call). */
    static const struct conf_lines classic[] = {{0, 0}, {0, 1}, {1, 1}, {1, 0}, {0, 0}};
    static const struct conf_lines tight[] = {{0, 0}, {1, 1}, {0, 1}, {1, 0}, {0, 0}};
    struct conf_event evs[CONF_MAX_EVENTS];
    struct conf_event lines[CONF_MAX_EVENTS];
    struct port_error err;
    char why[CONF_WHY_MAX];
    int rc = PORT_OK;

    if ((port_caps(p) & PORT_CAP_LINES) == 0) {
        rc = port_set_dtr(p, true, &err);
        conf_result(c, "lines.unsupported", rc == PORT_ERR_UNSUPPORTED, "set_dtr gave %d", rc);
        return;
    }
    conf_events(c, 0, evs, CONF_MAX_EVENTS); /* forget what came before */
    rc |= port_set_dtr(p, false, &err);
    rc |= port_set_rts(p, true, &err);
    rc |= port_set_dtr(p, true, &err);
    rc |= port_set_rts(p, false, &err);
    rc |= port_set_dtr(p, false, &err);
    size_t n = conf_events(c, 4, evs, CONF_MAX_EVENTS);
    size_t k = conf_filter(evs, n, "LINES", lines, CONF_MAX_EVENTS);
    bool ok = rc == PORT_OK && conf_lines_match(lines, k, classic, 5, true, why, sizeof why);
    conf_result(c, "lines.classic_sequence", ok, "%s", why);

    rc = PORT_OK;
    for (size_t i = 1; i < sizeof tight / sizeof tight[0]; i++) {
        rc |= port_set_lines(p, tight[i].dtr != 0, tight[i].rts != 0, &err);
    }
    n = conf_events(c, 4, evs, CONF_MAX_EVENTS);
    k = conf_filter(evs, n, "LINES", lines, CONF_MAX_EVENTS);
    ok = rc == PORT_OK &&
         conf_lines_match(lines, k, tight, 5, conf_is_atomic_lines(p), why, sizeof why);
    conf_result(c, "lines.tight_sequence", ok, "%s%s", why,
                conf_is_atomic_lines(p) ? " (each change in one step)" : "");
}

static void conf_check_flush(struct conf *c, struct port *p)
{
    char line[CONF_LINE_MAX];
    uint8_t buf[CONF_FLUSH_BYTES];
    struct port_error err;
    size_t got = 0;
    /* Bytes waiting in the input queue are gone after a flush. The first byte is read to know
     * the burst has arrived; it is a single small write, so the rest travels with it. */
    conf_ctl_send(c, "SEND %u 7", (unsigned)CONF_FLUSH_BYTES);
    conf_ctl_line(c, line, sizeof line);
    int rc = port_read(p, buf, 1, CONF_IO_TIMEOUT_MS, &got, &err);
    bool arrived = rc == PORT_OK && got == 1;
    rc = port_flush(p, PORT_QUEUE_INPUT, &err);
    int after = port_read(p, buf, sizeof buf, CONF_READ_TIMEOUT_MS, &got, &err);
    conf_result(c, "flush.input", arrived && rc == PORT_OK && after == PORT_ERR_TIMEOUT,
                "first byte %s, flush %d, then read gave %d with %zu bytes",
                arrived ? "arrived" : "missing", rc, after, got);
    if (port_caps(p) & PORT_CAP_LINES) {
        struct conf_event evs[CONF_MAX_EVENTS];
        struct conf_event purges[CONF_MAX_EVENTS];
        size_t n = conf_events(c, 1, evs, CONF_MAX_EVENTS);
        size_t k = conf_filter(evs, n, "PURGE", purges, CONF_MAX_EVENTS);
        conf_result(c, "flush.seen", k >= 1 && (purges[k - 1].queue & PORT_QUEUE_INPUT) != 0,
                    "peer saw %zu purge events", k);
    }
    rc = port_flush(p, PORT_QUEUE_BOTH, &err);
    conf_result(c, "flush.both", rc == PORT_OK, "%s", rc == PORT_OK ? "" : err.message);
    if (port_caps(p) & PORT_CAP_LINES) {
        struct conf_event evs[CONF_MAX_EVENTS];
        conf_events(c, 1, evs, CONF_MAX_EVENTS);
    }
}

static void conf_check_drain(struct conf *c, struct port *p)
{
    char line[CONF_LINE_MAX];
    struct port_error err;
    size_t size = c->size / 16 ? c->size / 16 : 1;
    uint8_t *data = calloc(1, size);
    conf_ctl_send(c, "RECV %zu %u", size, (unsigned)CONF_IO_TIMEOUT_MS);
    int rc = data ? port_write(p, data, size, CONF_IO_TIMEOUT_MS, &err) : PORT_ERR_NO_MEMORY;
    int drained = rc == PORT_OK ? port_drain(p, CONF_IO_TIMEOUT_MS, &err) : rc;
    conf_ctl_line(c, line, sizeof line);
    conf_result(c, "drain", rc == PORT_OK && drained == PORT_OK && strncmp(line, "OK", 2) == 0,
                "write %d, drain %d, peer: %s", rc, drained, line);
    free(data);
}

static void conf_check_busy(struct conf *c, struct port *p)
{
    struct port *second = NULL;
    struct port_error err;
    memset(&err, 0, sizeof err);
    int rc = port_open(c->port_name, 115200, &second, &err);
    if (port_caps(p) & PORT_CAP_EXCLUSIVE) {
        conf_result(c, "open.busy",
                    rc == PORT_ERR_BUSY && second == NULL && err.status == PORT_ERR_BUSY &&
                            strstr(err.message, c->port_name) != NULL,
                    "second open gave %d: %s", rc, err.message);
    } else {
        conf_result(c, "open.busy", true, "not an exclusive port (second open gave %d)", rc);
    }
    port_close(second);
}

static void conf_check_missing(struct conf *c)
{
    struct port *p = NULL;
    struct port_error err;
    if (c->missing_name == NULL) {
        return;
    }
    memset(&err, 0, sizeof err);
    int rc = port_open(c->missing_name, 115200, &p, &err);
    conf_result(c, "open.missing",
                rc == PORT_ERR_NOT_FOUND && p == NULL && strstr(err.message, c->missing_name),
                "%s gave %d: %s", c->missing_name, rc, err.message);
    port_close(p);
}

static void conf_check_listed(struct conf *c)
{
    struct port_info *list = NULL;
    size_t count = 0;
    struct port_error err;
    bool found = false;
    if (!c->expect_listed) {
        return;
    }
    int rc = port_list(&list, &count, &err);
    for (size_t i = 0; rc == PORT_OK && i < count; i++) {
        found = found || strcmp(list[i].name, c->port_name) == 0;
    }
    conf_result(c, "list.contains_port", found, "%zu ports listed (%d)", count, rc);
    port_list_free(list);
}

/* Close must release the port: a new open succeeds and carries data. */
static struct port *conf_check_reopen(struct conf *c, struct port *p)
{
    struct port_error err;
    char why[CONF_WHY_MAX];
    port_close(p);
    p = NULL;
    int rc = port_open(c->port_name, 115200, &p, &err);
    conf_result(c, "close.releases", rc == PORT_OK, "%s", rc == PORT_OK ? "" : err.message);
    if (rc == PORT_OK) {
        uint8_t data[64];
        test_pattern(data, sizeof data, 99);
        bool ok = conf_transfer_out(c, p, data, sizeof data, why, sizeof why);
        conf_result(c, "close.reopened_works", ok, "%s", why);
    }
    return p;
}

static void conf_check_unplug(struct conf *c, struct port *p)
{
    char line[CONF_LINE_MAX];
    uint8_t buf[16];
    struct port_error err;
    size_t got = 0;
    int rc = PORT_OK;
    conf_ctl_send(c, "UNPLUG");
    conf_ctl_line(c, line, sizeof line);
    uint64_t deadline = test_now_ms() + CONF_GONE_TIMEOUT_MS;
    memset(&err, 0, sizeof err);
    /* A vanished port must be reported, not read as silence forever. */
    while (test_now_ms() < deadline) {
        rc = port_read(p, buf, sizeof buf, CONF_READ_TIMEOUT_MS, &got, &err);
        if (rc != PORT_OK && rc != PORT_ERR_TIMEOUT) {
            break;
        }
    }
    conf_result(c, "unplug.reported", rc == PORT_ERR_GONE && strstr(err.message, c->port_name),
                "read gave %d: %s", rc, err.message);
}

static int conf_usage(void)
{
    fprintf(stderr, "usage: port_conformance --port NAME --peer HOST:PORT [--missing NAME]\n"
                    "                        [--size BYTES] [--listed]\n");
    return 2;
}

static int conf_parse(struct conf *c, int argc, char **argv)
{
    static char host[128];
    c->size = 1024 * 1024;
    for (int i = 1; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--port") == 0 && next) {
            c->port_name = argv[++i];
        } else if (strcmp(argv[i], "--missing") == 0 && next) {
            c->missing_name = argv[++i];
        } else if (strcmp(argv[i], "--size") == 0 && next) {
            c->size = (size_t)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--listed") == 0) {
            c->expect_listed = true;
        } else if (strcmp(argv[i], "--peer") == 0 && next) {
            const char *colon = strrchr(next, ':');
            if (colon == NULL || (size_t)(colon - next) >= sizeof host) {
                return conf_usage();
            }
            memcpy(host, next, (size_t)(colon - next));
            host[colon - next] = '\0';
            c->peer_host = host;
            c->peer_port = (uint16_t)strtoul(colon + 1, NULL, 10);
            i++;
        } else {
            return conf_usage();
        }
    }
    return c->port_name && c->peer_host && c->size > 0 ? 0 : conf_usage();
}

int main(int argc, char **argv)
{
    static struct conf c;
    struct port *p = NULL;
    struct port_error err;
    if (conf_parse(&c, argc, argv) != 0) {
        return 2;
    }
    if (net_connect("peer", c.peer_host, c.peer_port, CONF_CTL_TIMEOUT_MS, &c.ctl, &err) !=
        PORT_OK) {
        fprintf(stderr, "port_conformance: %s\n", err.message);
        return 2;
    }
    printf("port conformance: %s\n", c.port_name);
    conf_check_missing(&c);
    int rc = port_open(c.port_name, 115200, &p, &err);
    conf_result(&c, "open", rc == PORT_OK, "%s", rc == PORT_OK ? "" : err.message);
    if (rc == PORT_OK) {
        conf_check_open(&c, p);
        conf_check_listed(&c);
        conf_check_busy(&c, p);
        conf_check_bauds(&c, p);
        conf_check_read_timeout(&c, p);
        conf_check_concurrent(&c, p);
        conf_check_lines(&c, p);
        conf_check_flush(&c, p);
        conf_check_drain(&c, p);
        p = conf_check_reopen(&c, p);
        if (p != NULL) {
            conf_check_unplug(&c, p);
        }
        port_close(p);
    }
    conf_ctl_send(&c, "QUIT");
    net_close(c.ctl);
    printf("%d passed, %d failed\n", c.passed, c.failed);
    return c.failed == 0 && c.passed > 0 ? 0 : 1;
}
