/* SPDX-License-Identifier: MIT */
/* The other end of the port conformance suite: serves a vserial pty, raw TCP or RFC 2217 port
 * and obeys text commands on a loopback control connection (send, receive, echo, events, unplug).
 */
#define _GNU_SOURCE
#include "endpoint.h"
#include "net.h"
#include "port.h"
#include "testutil.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    PEER_LINE_MAX = 256,
    PEER_CHUNK = 16 * 1024,
    PEER_EVENTS_MAX = 4096,
    PEER_ACCEPT_TIMEOUT_MS = 60 * 1000, /* the suite connects right after READY */
    PEER_IO_TIMEOUT_MS = 30 * 1000,
};

struct peer {
    struct endpoint *ep;
    intptr_t control;
    char line[PEER_LINE_MAX];
    size_t line_len;
    char pending[PEER_LINE_MAX]; /* bytes after the current line already received */
    size_t pending_len;
    struct endpoint_event events[PEER_EVENTS_MAX];
    size_t event_count;
};

static int peer_reply(struct peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int peer_reply(struct peer *p, const char *fmt, ...)
{
    char buf[PEER_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return -1;
    }
    size_t len = (size_t)n < sizeof buf - 2 ? (size_t)n : sizeof buf - 2;
    buf[len++] = '\n';
    return net_send_all("control", p->control, buf, len, PEER_IO_TIMEOUT_MS, NULL);
}

/* Reads one '\n'-terminated command into p->line. */
static int peer_read_line(struct peer *p)
{
    for (;;) {
        char *nl = memchr(p->pending, '\n', p->pending_len);
        if (nl != NULL) {
            size_t len = (size_t)(nl - p->pending);
            if (len >= sizeof p->line) {
                len = sizeof p->line - 1;
            }
            memcpy(p->line, p->pending, len);
            p->line[len] = '\0';
            size_t used = (size_t)(nl - p->pending) + 1;
            memmove(p->pending, p->pending + used, p->pending_len - used);
            p->pending_len -= used;
            return PORT_OK;
        }
        if (p->pending_len == sizeof p->pending) {
            return PORT_ERR_PROTOCOL;
        }
        size_t got = 0;
        int rc = net_recv("control", p->control, p->pending + p->pending_len,
                          sizeof p->pending - p->pending_len, PEER_IO_TIMEOUT_MS * 4, &got, NULL);
        if (rc != PORT_OK) {
            return rc;
        }
        p->pending_len += got;
    }
}

static void peer_collect_events(struct peer *p)
{
    struct endpoint_event ev;
    while (p->event_count < PEER_EVENTS_MAX && endpoint_next_event(p->ep, &ev) == 1) {
        p->events[p->event_count++] = ev;
    }
}

/* RECV n timeout_ms: read n bytes from the client, answer with their hash. */
static int peer_cmd_recv(struct peer *p, size_t n, uint32_t timeout_ms, bool echo)
{
    static const size_t chunk_size = PEER_CHUNK;
    uint8_t *buf = malloc(chunk_size);
    uint32_t hash = TEST_HASH_INIT;
    size_t done = 0;
    int rc = PORT_OK;
    uint64_t deadline = test_now_ms() + timeout_ms;
    if (buf == NULL) {
        return peer_reply(p, "ERR %d 0", PORT_ERR_NO_MEMORY);
    }
    while (done < n) {
        uint64_t now = test_now_ms();
        if (now >= deadline) {
            rc = PORT_ERR_TIMEOUT;
            break;
        }
        size_t want = n - done < chunk_size ? n - done : chunk_size;
        size_t got = 0;
        rc = endpoint_read(p->ep, buf, want, (uint32_t)(deadline - now), &got);
        if (rc != PORT_OK) {
            break;
        }
        hash = test_hash(buf, got, hash);
        if (echo) {
            rc = endpoint_write(p->ep, buf, got, PEER_IO_TIMEOUT_MS);
            if (rc != PORT_OK) {
                break;
            }
        }
        done += got;
    }
    free(buf);
    if (rc == PORT_OK) {
        return peer_reply(p, "OK %zu %08" PRIx32, done, hash);
    }
    return peer_reply(p, "ERR %d %zu %08" PRIx32, rc, done, hash);
}

/* SEND n seed: write n pattern bytes to the client. */
static int peer_cmd_send(struct peer *p, size_t n, uint32_t seed)
{
    uint8_t *buf = malloc(n > 0 ? n : 1);
    if (buf == NULL) {
        return peer_reply(p, "ERR %d", PORT_ERR_NO_MEMORY);
    }
    test_pattern(buf, n, seed);
    int rc = endpoint_write(p->ep, buf, n, PEER_IO_TIMEOUT_MS);
    free(buf);
    return rc == PORT_OK ? peer_reply(p, "OK %zu", n) : peer_reply(p, "ERR %d", rc);
}

/* DRAIN quiet_ms: discard client bytes until none came for quiet_ms. */
static int peer_cmd_drain(struct peer *p, uint32_t quiet_ms)
{
    uint8_t buf[PEER_CHUNK];
    size_t total = 0;
    for (;;) {
        size_t got = 0;
        int rc = endpoint_read(p->ep, buf, sizeof buf, quiet_ms, &got);
        if (rc != PORT_OK) {
            break;
        }
        total += got;
    }
    return peer_reply(p, "OK %zu", total);
}

static const char *const PEER_EVENT_NAMES[] = {
        [ENDPOINT_EV_CONNECT] = "CONNECT", [ENDPOINT_EV_DISCONNECT] = "DISCONNECT",
        [ENDPOINT_EV_LINES] = "LINES",     [ENDPOINT_EV_BAUD] = "BAUD",
        [ENDPOINT_EV_PURGE] = "PURGE",
};

/* EVENTS min timeout_ms: wait until at least `min` events are held, then report and forget
 * them. One line per event: "EV <kind> <dtr> <rts> <baud> <queue> <t_ns>", then "END <n>". */
static int peer_cmd_events(struct peer *p, size_t min, uint32_t timeout_ms)
{
    uint64_t deadline = test_now_ms() + timeout_ms;
    peer_collect_events(p);
    while (p->event_count < min) {
        uint64_t now = test_now_ms();
        if (now >= deadline) {
            break;
        }
        endpoint_wait_event(p->ep, (uint32_t)(deadline - now));
        peer_collect_events(p);
    }
    for (size_t i = 0; i < p->event_count; i++) {
        const struct endpoint_event *ev = &p->events[i];
        int rc = peer_reply(p, "EV %s %d %d %" PRIu32 " %d %" PRIu64, PEER_EVENT_NAMES[ev->kind],
                            ev->dtr, ev->rts, ev->baud, ev->queue, ev->t_ns);
        if (rc != PORT_OK) {
            return rc;
        }
    }
    size_t n = p->event_count;
    p->event_count = 0;
    return peer_reply(p, "END %zu", n);
}

/* Runs commands from one control connection until QUIT or the connection ends. */
static int peer_serve(struct peer *p)
{
    for (;;) {
        char cmd[16] = "";
        unsigned long a = 0;
        unsigned long b = 0;
        int rc = peer_read_line(p);
        if (rc != PORT_OK) {
            return rc;
        }
        int fields = sscanf(p->line, "%15s %lu %lu", cmd, &a, &b);
        if (fields < 1) {
            rc = peer_reply(p, "ERR %d bad command", PORT_ERR_ARG);
        } else if (strcmp(cmd, "RECV") == 0 && fields == 3) {
            rc = peer_cmd_recv(p, a, (uint32_t)b, false);
        } else if (strcmp(cmd, "ECHO") == 0 && fields == 3) {
            rc = peer_cmd_recv(p, a, (uint32_t)b, true);
        } else if (strcmp(cmd, "SEND") == 0 && fields == 3) {
            rc = peer_cmd_send(p, a, (uint32_t)b);
        } else if (strcmp(cmd, "DRAIN") == 0 && fields == 2) {
            rc = peer_cmd_drain(p, (uint32_t)a);
        } else if (strcmp(cmd, "EVENTS") == 0 && fields == 3) {
            rc = peer_cmd_events(p, a, (uint32_t)b);
        } else if (strcmp(cmd, "UNPLUG") == 0) {
            endpoint_unplug(p->ep);
            rc = peer_reply(p, "OK");
        } else if (strcmp(cmd, "QUIT") == 0) {
            peer_reply(p, "OK");
            return PORT_OK;
        } else {
            rc = peer_reply(p, "ERR %d unknown command: %s", PORT_ERR_ARG, p->line);
        }
        if (rc != PORT_OK) {
            return rc;
        }
    }
}

static int peer_usage(void)
{
    fprintf(stderr, "usage: port_peer (--pty LINK | --tcp PORT | --rfc2217 PORT)\n"
                    "Prints 'READY <control-port> <data>' and serves one control connection.\n");
    return 2;
}

int main(int argc, char **argv)
{
    static struct peer p; /* large event array: not on the stack */
    uint16_t data_port = 0;
    uint16_t control_port = 0;
    intptr_t listener = NET_INVALID;
    int rc;
    if (argc != 3) {
        return peer_usage();
    }
    if (strcmp(argv[1], "--pty") == 0) {
        rc = endpoint_open_pty(argv[2], &p.ep);
    } else if (strcmp(argv[1], "--tcp") == 0) {
        rc = endpoint_open_tcp((uint16_t)atoi(argv[2]), &data_port, &p.ep);
    } else if (strcmp(argv[1], "--rfc2217") == 0) {
        rc = endpoint_open_rfc2217((uint16_t)atoi(argv[2]), &data_port, &p.ep);
    } else {
        return peer_usage();
    }
    if (rc != PORT_OK) {
        fprintf(stderr, "port_peer: could not open the endpoint (%s)\n", port_status_text(rc));
        return 1;
    }
    struct port_error err;
    rc = net_listen_loopback(0, &control_port, &listener, &err);
    if (rc == PORT_OK) {
        if (data_port != 0) {
            printf("READY %u %u\n", (unsigned)control_port, (unsigned)data_port);
        } else {
            printf("READY %u %s\n", (unsigned)control_port, argv[2]);
        }
        fflush(stdout);
        rc = net_accept(listener, PEER_ACCEPT_TIMEOUT_MS, &p.control, &err);
    }
    if (rc == PORT_OK) {
        rc = peer_serve(&p);
        net_close(p.control);
    } else {
        fprintf(stderr, "port_peer: %s\n", err.message);
    }
    net_close(listener);
    endpoint_close(p.ep);
    return rc == PORT_OK ? 0 : 1;
}
