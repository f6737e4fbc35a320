/* SPDX-License-Identifier: MIT */
/* An RFC 2217 access server on 127.0.0.1 for tests and the simulated board: one client at a
 * time, every COM-PORT-OPTION command answered, baud / line / purge changes reported as events. */
#ifndef MF_RFC2217_SERVER_H
#define MF_RFC2217_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The serial port a new server starts with: 115200 baud, 8N1, no flow control, DTR and RTS
 * de-asserted. Lines fall back to de-asserted when a client leaves (as a closed tty does); the
 * other settings stay as the last client left them. */
#define RFC2217_SERVER_INITIAL_BAUD 115200u

enum rfc2217_server_event_kind {
    RFC2217_SERVER_EV_CONNECT,    /* a client was accepted */
    RFC2217_SERVER_EV_DISCONNECT, /* it left or was dropped; dtr / rts are de-asserted now */
    RFC2217_SERVER_EV_BAUD,       /* SET-BAUDRATE: baud */
    RFC2217_SERVER_EV_LINES,      /* SET-CONTROL DTR or RTS on/off: dtr, rts */
    RFC2217_SERVER_EV_PURGE,      /* PURGE-DATA: queue */
    RFC2217_SERVER_EV_FORMAT,     /* SET-DATASIZE / -PARITY / -STOPSIZE: the three fields */
};

struct rfc2217_server_event {
    uint64_t t_ns; /* CLOCK_MONOTONIC when the command was decoded */
    enum rfc2217_server_event_kind kind;
    /* The port's state after the event, whatever its kind: */
    uint32_t baud;
    bool dtr, rts; /* asserted = true */
    /* PURGE-DATA value as the client sent it, which is the client's queue: 1 its input (our
     * receive buffer, data on its way to the client), 2 its output (client data we have not
     * handed on yet: dropped from what rfc2217_server_read returns), 3 both. */
    int queue;
    uint8_t datasize; /* 5..8 */
    uint8_t parity;   /* enum rfc2217_parity */
    uint8_t stopsize; /* enum rfc2217_stopsize */
};

struct rfc2217_server;

/* Listens on 127.0.0.1:tcp_port (0 = pick a free port, *bound gets it). Serves one client at a
 * time; a client that connects while another is served is accepted and closed at once.
 * 0 or a negative enum port_status. */
int rfc2217_server_start(uint16_t tcp_port, uint16_t *bound, struct rfc2217_server **out);

/* Decoded client data: waits <= timeout for >=1 byte. 0 ok, PORT_ERR_TIMEOUT, PORT_ERR_GONE
 * when no client / client left (data it sent before leaving is returned first). */
int rfc2217_server_read(struct rfc2217_server *s, void *buf, size_t size, uint32_t timeout_ms,
                        size_t *got);

/* Sends data to the client (IAC escaped). PORT_ERR_GONE when no client, PORT_ERR_TIMEOUT when
 * it did not all go out in time (or the client kept the flow suspended). */
int rfc2217_server_write(struct rfc2217_server *s, const void *buf, size_t size,
                         uint32_t timeout_ms);

/* Non-blocking: 1 and *ev filled when an event is queued, 0 when none. At most
 * RFC2217_SERVER_EVENT_MAX events are kept; newer ones are dropped (and counted) beyond that. */
int rfc2217_server_next_event(struct rfc2217_server *s, struct rfc2217_server_event *ev);

/* Waits up to timeout_ms until an event is queued (1) or not (0). */
int rfc2217_server_wait_event(struct rfc2217_server *s, uint32_t timeout_ms);

/* Events lost because the queue was full. */
uint32_t rfc2217_server_dropped_events(struct rfc2217_server *s);

bool rfc2217_server_connected(struct rfc2217_server *s);

/* Current state (as the last command set it). */
uint32_t rfc2217_server_baud(struct rfc2217_server *s);
bool rfc2217_server_dtr(struct rfc2217_server *s);
bool rfc2217_server_rts(struct rfc2217_server *s);

/* "Unplug": drops the current client (it sees the connection close). Returns when the client
 * is gone, so the next one is served. */
void rfc2217_server_disconnect(struct rfc2217_server *s);

void rfc2217_server_stop(struct rfc2217_server *s); /* NULL allowed */

#define RFC2217_SERVER_EVENT_MAX 1024u

#endif
