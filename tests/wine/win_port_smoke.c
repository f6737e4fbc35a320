/* SPDX-License-Identifier: MIT */
/* Smoke test of the Win32 serial backend under Wine, against wine_smoke_peer (an echoing vserial
 * port): listing, open errors, timeouts, echo, a 1 MiB full-duplex transfer, lines, unplug. */
#include "port.h"
#include "port_thread.h"
#include "testutil.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMOKE_BAUD_OPEN  115200u
#define SMOKE_BAUD_FAST  2000000u
#define SMOKE_BAUD_BOOT  74880u /* the ESP8266 ROM's boot messages: not a standard rate */
#define SMOKE_BULK_SIZE  (1024u * 1024u)
#define SMOKE_BULK_CHUNK 4096u
#define SMOKE_BULK_SEED  0x5EEDu
#define SMOKE_FLOOD_SIZE (8u * 1024u * 1024u)

/* Time limits (ms) and the slack allowed around a timeout under a loaded Wine. */
#define SMOKE_READ_TIMEOUT_MS  200u
#define SMOKE_TIMEOUT_SLACK_MS 150u
#define SMOKE_FIRST_BYTE_MS    500u
#define SMOKE_ECHO_MS          3000u
#define SMOKE_BULK_MS          30000u
#define SMOKE_FLOOD_MS         300u
#define SMOKE_QUIET_MS         500u
#define SMOKE_GONE_MS          5000u

static const char SMOKE_UNPLUG_MARKER[] = "\x01MF-UNPLUG\x02";

struct smoke {
    const char *port_name;
    const char *missing_name;
    bool lines;
    int failures;
    struct port *port;
};

#define SMOKE_CHECK(s, cond, ...) smoke_check((s), (cond), #cond, __VA_ARGS__)

static void smoke_check(struct smoke *s, bool ok, const char *expr, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(gnu_printf, 4, 5)))
#endif
        ;

static void smoke_check(struct smoke *s, bool ok, const char *expr, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s ", ok ? "ok  " : "FAIL");
    vprintf(fmt, ap);
    if (!ok) {
        printf("  [%s]", expr);
        s->failures++;
    }
    printf("\n");
    fflush(stdout);
    va_end(ap);
}

static bool smoke_same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char ca = (*a >= 'a' && *a <= 'z') ? (char)(*a - 'a' + 'A') : *a;
        char cb = (*b >= 'a' && *b <= 'z') ? (char)(*b - 'a' + 'A') : *b;
        if (ca != cb) {
            return false;
        }
    }
    return *a == *b;
}

static void smoke_list(struct smoke *s)
{
    struct port_info *list = NULL;
    size_t count = 0;
    struct port_error err;
    int rc = port_list(&list, &count, &err);
    bool found = false;
    for (size_t i = 0; rc == PORT_OK && i < count; i++) {
        printf("     port %s: \"%s\" maker \"%s\" usb=%d %04x:%04x serial \"%s\"\n", list[i].name,
               list[i].description, list[i].manufacturer, list[i].usb ? 1 : 0, list[i].vid,
               list[i].pid, list[i].serial);
        found = found || smoke_same_name(list[i].name, s->port_name);
    }
    SMOKE_CHECK(s, rc == PORT_OK && found, "port_list has %s (%zu ports, rc %d)", s->port_name,
                count, rc);
    port_list_free(list);
}

static void smoke_open_errors(struct smoke *s)
{
    struct port *p = NULL;
    struct port_error err;
    int rc = port_open(s->missing_name, SMOKE_BAUD_OPEN, &p, &err);
    SMOKE_CHECK(s, rc == PORT_ERR_NOT_FOUND && strstr(err.message, s->missing_name) != NULL,
                "missing port: rc %d \"%s\"", rc, err.message);
    port_close(p);

    rc = port_open(s->port_name, SMOKE_BAUD_OPEN, &s->port, &err);
    SMOKE_CHECK(s, rc == PORT_OK, "open %s: rc %d \"%s\"", s->port_name, rc, err.message);
    if (rc != PORT_OK) {
        return;
    }
    unsigned want = PORT_CAP_BAUD | PORT_CAP_LINES | PORT_CAP_EXCLUSIVE;
    SMOKE_CHECK(s, port_caps(s->port) == want, "caps 0x%x", port_caps(s->port));
    p = NULL;
    rc = port_open(s->port_name, SMOKE_BAUD_OPEN, &p, &err);
    SMOKE_CHECK(s, rc == PORT_ERR_BUSY && strstr(err.message, s->port_name) != NULL,
                "second open: rc %d \"%s\"", rc, err.message);
    port_close(p);
}

static void smoke_timeouts(struct smoke *s)
{
    uint8_t buf[64];
    size_t got = 1;
    struct port_error err;
    uint64_t t0 = test_now_ms();
    int rc = port_read(s->port, buf, sizeof buf, SMOKE_READ_TIMEOUT_MS, &got, &err);
    uint64_t took = test_now_ms() - t0;
    SMOKE_CHECK(s,
                rc == PORT_ERR_TIMEOUT && got == 0 && took + 5u >= SMOKE_READ_TIMEOUT_MS &&
                        took <= SMOKE_READ_TIMEOUT_MS + SMOKE_TIMEOUT_SLACK_MS,
                "read timeout %u ms took %llu ms: rc %d \"%s\"", SMOKE_READ_TIMEOUT_MS,
                (unsigned long long)took, rc, err.message);
    t0 = test_now_ms();
    rc = port_read(s->port, buf, sizeof buf, 0, &got, &err);
    took = test_now_ms() - t0;
    SMOKE_CHECK(s, rc == PORT_ERR_TIMEOUT && got == 0 && took < SMOKE_TIMEOUT_SLACK_MS,
                "read timeout 0 took %llu ms: rc %d", (unsigned long long)took, rc);
}

static void smoke_echo(struct smoke *s, const char *what)
{
    static const char TEXT[] = "hello, board\r\n";
    char back[sizeof TEXT];
    size_t got = 0;
    struct port_error err;
    int rc = port_write(s->port, TEXT, sizeof TEXT - 1, SMOKE_ECHO_MS, &err);
    if (rc == PORT_OK) {
        rc = port_read_full(s->port, back, sizeof TEXT - 1, SMOKE_ECHO_MS, &got, &err);
    }
    SMOKE_CHECK(s, rc == PORT_OK && memcmp(back, TEXT, sizeof TEXT - 1) == 0,
                "echo %s: rc %d, %zu bytes \"%s\"", what, rc, got, rc ? err.message : "");
}

/* A read returns as soon as something is there, not when the buffer is full. */
static void smoke_first_byte(struct smoke *s)
{
    uint8_t buf[4096];
    size_t got = 0;
    struct port_error err;
    int rc = port_write(s->port, "abc", 3, SMOKE_ECHO_MS, &err);
    uint64_t t0 = test_now_ms();
    if (rc == PORT_OK) {
        rc = port_read(s->port, buf, sizeof buf, SMOKE_ECHO_MS, &got, &err);
    }
    uint64_t took = test_now_ms() - t0;
    size_t more = 0;
    if (rc == PORT_OK && got < 3) {
        port_read_full(s->port, buf + got, 3 - got, SMOKE_ECHO_MS, &more, &err);
    }
    SMOKE_CHECK(s, rc == PORT_OK && got >= 1 && took < SMOKE_FIRST_BYTE_MS,
                "read returns on the first bytes: %zu (+%zu) bytes after %llu ms", got, more,
                (unsigned long long)took);
}

static void smoke_lines(struct smoke *s)
{
    struct port_error err;
    if (!s->lines) {
        /* A plain pty under Wine: EscapeCommFunction fails, which must read as "unsupported". */
        int rc = port_set_dtr(s->port, true, &err);
        SMOKE_CHECK(s, rc == PORT_ERR_UNSUPPORTED, "DTR without modem lines: rc %d \"%s\"", rc,
                    err.message);
        return;
    }
    int rc = port_set_dtr(s->port, true, &err);
    SMOKE_CHECK(s, rc == PORT_OK, "DTR on: rc %d \"%s\"", rc, err.message);
    rc = port_set_rts(s->port, true, &err);
    SMOKE_CHECK(s, rc == PORT_OK, "RTS on: rc %d \"%s\"", rc, err.message);
    rc = port_set_lines(s->port, false, false, &err);
    SMOKE_CHECK(s, rc == PORT_OK, "both off: rc %d \"%s\"", rc, err.message);
}

struct smoke_writer {
    struct port *port;
    const uint8_t *data;
    int rc;
    uint64_t took;
};

static void smoke_write_bulk(void *arg)
{
    struct smoke_writer *w = arg;
    uint64_t t0 = test_now_ms();
    w->rc = PORT_OK;
    for (size_t off = 0; off < SMOKE_BULK_SIZE && w->rc == PORT_OK; off += SMOKE_BULK_CHUNK) {
        w->rc = port_write(w->port, w->data + off, SMOKE_BULK_CHUNK, SMOKE_BULK_MS, NULL);
    }
    w->took = test_now_ms() - t0;
}

/* One thread writes 1 MiB while this one reads the echo: both directions at once. */
static void smoke_bulk(struct smoke *s)
{
    struct port_error err;
    int rc = port_set_baud(s->port, SMOKE_BAUD_FAST, &err);
    SMOKE_CHECK(s, rc == PORT_OK && port_baud(s->port) == SMOKE_BAUD_FAST, "baud %u: rc %d \"%s\"",
                SMOKE_BAUD_FAST, rc, err.message);
    uint8_t *data = malloc(SMOKE_BULK_SIZE);
    uint8_t *back = malloc(SMOKE_BULK_SIZE);
    if (data == NULL || back == NULL) {
        SMOKE_CHECK(s, false, "memory for the bulk transfer");
        free(data);
        free(back);
        return;
    }
    test_pattern(data, SMOKE_BULK_SIZE, SMOKE_BULK_SEED);
    struct smoke_writer w = {s->port, data, PORT_OK, 0};
    struct port_thread thread;
    uint64_t t0 = test_now_ms();
    size_t total = 0;
    size_t reads = 0;
    rc = port_thread_start(&thread, smoke_write_bulk, &w);
    while (rc == 0 && total < SMOKE_BULK_SIZE) {
        size_t got = 0;
        int r = port_read(s->port, back + total, SMOKE_BULK_SIZE - total, SMOKE_ECHO_MS, &got,
                          &err);
        total += got;
        reads++;
        if (r != PORT_OK) {
            break;
        }
    }
    uint64_t took = test_now_ms() - t0;
    if (rc == 0) {
        port_thread_join(&thread);
    }
    bool same = total == SMOKE_BULK_SIZE && memcmp(data, back, SMOKE_BULK_SIZE) == 0;
    SMOKE_CHECK(s, same && w.rc == PORT_OK,
                "1 MiB full duplex at %u baud: %zu bytes back in %llu ms (%zu reads, writer rc %d "
                "in %llu ms), %.1f MB/s",
                SMOKE_BAUD_FAST, total, (unsigned long long)took, reads, w.rc,
                (unsigned long long)w.took,
                took ? (double)SMOKE_BULK_SIZE / 1000.0 / (double)took : 0.0);
    free(data);
    free(back);
}

/* Reads and drops everything until nothing came for SMOKE_QUIET_MS. */
static size_t smoke_swallow(struct smoke *s)
{
    static uint8_t buf[65536];
    size_t total = 0;
    size_t got = 0;
    while (port_read(s->port, buf, sizeof buf, SMOKE_QUIET_MS, &got, NULL) == PORT_OK) {
        total += got;
    }
    return total;
}

/* Nobody reads the echo, so the peer stops reading and the write must time out. */
static void smoke_write_timeout(struct smoke *s)
{
    uint8_t *flood = calloc(1, SMOKE_FLOOD_SIZE);
    struct port_error err;
    if (flood == NULL) {
        SMOKE_CHECK(s, false, "memory for the flood");
        return;
    }
    uint64_t t0 = test_now_ms();
    int rc = port_write(s->port, flood, SMOKE_FLOOD_SIZE, SMOKE_FLOOD_MS, &err);
    uint64_t took = test_now_ms() - t0;
    SMOKE_CHECK(s,
                rc == PORT_ERR_TIMEOUT && took + 5u >= SMOKE_FLOOD_MS &&
                        took <= SMOKE_FLOOD_MS + SMOKE_TIMEOUT_SLACK_MS,
                "write of %u bytes with %u ms: took %llu ms, rc %d \"%s\"", SMOKE_FLOOD_SIZE,
                SMOKE_FLOOD_MS, (unsigned long long)took, rc, err.message);
    free(flood);
    rc = port_flush(s->port, PORT_QUEUE_BOTH, &err);
    SMOKE_CHECK(s, rc == PORT_OK, "flush both: rc %d \"%s\"", rc, err.message);
    size_t dropped = smoke_swallow(s);
    printf("     swallowed %zu echoed bytes\n", dropped);
    rc = port_flush(s->port, PORT_QUEUE_INPUT, &err);
    SMOKE_CHECK(s, rc == PORT_OK, "flush input: rc %d", rc);
    rc = port_drain(s->port, SMOKE_ECHO_MS, &err);
    SMOKE_CHECK(s, rc == PORT_OK, "drain: rc %d \"%s\"", rc, err.message);
    smoke_echo(s, "after the flood");
}

static void smoke_unplug(struct smoke *s)
{
    struct port_error err;
    uint8_t buf[256];
    size_t got = 0;
    int rc = port_set_baud(s->port, SMOKE_BAUD_BOOT, &err);
    SMOKE_CHECK(s, rc == PORT_OK, "baud %u: rc %d \"%s\"", SMOKE_BAUD_BOOT, rc, err.message);
    smoke_echo(s, "at the boot message rate");
    rc = port_set_baud(s->port, SMOKE_BAUD_OPEN, &err);
    SMOKE_CHECK(s, rc == PORT_OK, "baud back to %u: rc %d", SMOKE_BAUD_OPEN, rc);
    rc = port_write(s->port, SMOKE_UNPLUG_MARKER, sizeof SMOKE_UNPLUG_MARKER - 1, SMOKE_ECHO_MS,
                    &err);
    SMOKE_CHECK(s, rc == PORT_OK, "asked the peer to unplug: rc %d", rc);
    uint64_t t0 = test_now_ms();
    do {
        rc = port_read(s->port, buf, sizeof buf, SMOKE_GONE_MS, &got, &err);
    } while (rc == PORT_OK && test_now_ms() - t0 < SMOKE_GONE_MS);
    SMOKE_CHECK(s, rc == PORT_ERR_GONE, "read after unplug: rc %d os %d \"%s\"", rc, err.os_error,
                err.message);
    rc = port_write(s->port, "x", 1, SMOKE_READ_TIMEOUT_MS, &err);
    SMOKE_CHECK(s, rc == PORT_ERR_GONE, "write after unplug: rc %d os %d \"%s\"", rc, err.os_error,
                err.message);
    if (s->lines) {
        rc = port_set_dtr(s->port, true, &err);
        SMOKE_CHECK(s, rc == PORT_ERR_GONE, "DTR after unplug: rc %d os %d \"%s\"", rc,
                    err.os_error, err.message);
    }
    port_close(s->port);
    s->port = NULL;
    struct port *p = NULL;
    rc = port_open(s->port_name, SMOKE_BAUD_OPEN, &p, &err);
    SMOKE_CHECK(s, rc == PORT_ERR_NOT_FOUND, "open after unplug: rc %d \"%s\"", rc, err.message);
    port_close(p);
}

int main(int argc, char **argv)
{
    struct smoke s;
    memset(&s, 0, sizeof s);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
            s.port_name = argv[++i];
        } else if (strcmp(argv[i], "--missing") == 0 && i + 1 < argc) {
            s.missing_name = argv[++i];
        } else if (strcmp(argv[i], "--lines") == 0) {
            s.lines = true;
        } else {
            s.port_name = NULL;
            break;
        }
    }
    if (s.port_name == NULL || s.missing_name == NULL) {
        fprintf(stderr, "usage: win_port_smoke --port COMn --missing COMm [--lines]\n");
        return 2;
    }
    smoke_list(&s);
    smoke_open_errors(&s);
    if (s.port != NULL) {
        smoke_timeouts(&s);
        smoke_echo(&s, "at open");
        smoke_first_byte(&s);
        smoke_lines(&s);
        smoke_bulk(&s);
        smoke_write_timeout(&s);
        smoke_unplug(&s);
    }
    port_close(s.port);
    printf("%s: %d failure(s)\n", s.failures ? "FAILED" : "PASSED", s.failures);
    return s.failures ? 1 : 0;
}
