/* SPDX-License-Identifier: MIT */
/* The far end of a serial link as test tools and the simulated board see it: a vserial
 * pseudo-terminal, a raw TCP port or an RFC 2217 port, with one API for data and line events. */
#ifndef MF_ENDPOINT_H
#define MF_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum endpoint_kind {
    ENDPOINT_PTY,     /* vserial pty: the client opens a path (a symlink to /dev/pts/N) */
    ENDPOINT_TCP,     /* raw TCP on 127.0.0.1: bytes only */
    ENDPOINT_RFC2217, /* RFC 2217 on 127.0.0.1: bytes, baud, DTR/RTS, purge */
};

enum endpoint_event_kind {
    ENDPOINT_EV_CONNECT,    /* a client opened the port / connected */
    ENDPOINT_EV_DISCONNECT, /* the client closed it */
    ENDPOINT_EV_LINES,      /* dtr / rts hold the new state (asserted = true) */
    ENDPOINT_EV_BAUD,       /* baud holds the client's new rate */
    ENDPOINT_EV_PURGE,      /* queue: 1 input, 2 output, 3 both (client's view) */
};

struct endpoint_event {
    uint64_t t_ns; /* CLOCK_MONOTONIC when the client acted */
    enum endpoint_event_kind kind;
    bool dtr;
    bool rts;
    uint32_t baud;
    int queue;
};

struct endpoint;

/* Each returns 0 or a negative enum port_status; *bound receives the TCP port chosen when
 * tcp_port is 0. */
int endpoint_open_pty(const char *link_path, struct endpoint **out);
int endpoint_open_tcp(uint16_t tcp_port, uint16_t *bound, struct endpoint **out);
int endpoint_open_rfc2217(uint16_t tcp_port, uint16_t *bound, struct endpoint **out);

enum endpoint_kind endpoint_kind(const struct endpoint *ep);

/* Waits at most timeout_ms for at least one byte from the client and returns what is there:
 * 0 or PORT_ERR_TIMEOUT. A pty with no client gives PORT_ERR_GONE; TCP and RFC 2217 wait for
 * the next client instead (the client closing is reported as an event). */
int endpoint_read(struct endpoint *ep, void *buf, size_t size, uint32_t timeout_ms, size_t *got);

/* Sends everything to the client within timeout_ms: 0, PORT_ERR_TIMEOUT or PORT_ERR_GONE. */
int endpoint_write(struct endpoint *ep, const void *buf, size_t size, uint32_t timeout_ms);

/* Takes the next event without blocking: 1 when *ev was filled, 0 when none is queued. */
int endpoint_next_event(struct endpoint *ep, struct endpoint_event *ev);

/* Waits up to timeout_ms until an event is queued: 1 when one is, 0 when not. */
int endpoint_wait_event(struct endpoint *ep, uint32_t timeout_ms);

/* "Pulls the cable": the client's port disappears (pty) or its connection drops (TCP). */
void endpoint_unplug(struct endpoint *ep);

/* Plugs the cable back in after endpoint_unplug: a pty comes back as a new pseudo-terminal linked
 * at the same path (as a re-plugged USB adapter comes back under its old name), and the vserial
 * shim finds it again; TCP and RFC 2217 have nothing to restore. 0 or a negative enum
 * port_status. Not while another thread uses the endpoint. */
int endpoint_replug(struct endpoint *ep);

void endpoint_close(struct endpoint *ep); /* NULL allowed */

#endif
