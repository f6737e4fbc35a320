/* SPDX-License-Identifier: MIT */
/* Virtual serial ports for tests: a pseudo-terminal pair whose client end behaves like a USB
 * serial adapter once libvserial_shim.so is preloaded into the client process. */
#ifndef MF_VSERIAL_H
#define MF_VSERIAL_H

#include <stdbool.h>
#include <stdint.h>

enum vserial_event_kind {
    VSERIAL_EV_OPEN,  /* the client opened the port */
    VSERIAL_EV_CLOSE, /* the client closed it */
    VSERIAL_EV_LINES, /* DTR and/or RTS changed: dtr, rts hold the new state */
    VSERIAL_EV_BAUD,  /* the client set a new baud rate: baud */
    VSERIAL_EV_FLUSH, /* the client discarded queues: queue = 1 input, 2 output, 3 both */
    VSERIAL_EV_BREAK, /* break condition: on */
};

struct vserial_event {
    uint64_t t_ns; /* CLOCK_MONOTONIC when the client made the call */
    enum vserial_event_kind kind;
    bool dtr; /* asserted = true (pin low), as the client's API spells it */
    bool rts;
    uint32_t baud;
    int queue;
    bool on;
    int32_t pid; /* client process */
};

struct vserial;

/* Creates a pty pair in raw mode and a symlink at link_path pointing to the client end (an
 * existing link there is replaced). Returns 0 or -errno. */
int vserial_create(const char *link_path, struct vserial **out);

/* Our end of the data path (pty master): read what the client wrote, write what it reads. */
int vserial_data_fd(const struct vserial *vs);

/* Readable when modem-line / baud events are waiting. */
int vserial_event_fd(const struct vserial *vs);

/* Takes the next event without blocking: 1 when one was stored in *ev, 0 when none. */
int vserial_next_event(struct vserial *vs, struct vserial_event *ev);

/* Current state as last reported by the client. */
bool vserial_dtr(const struct vserial *vs);
bool vserial_rts(const struct vserial *vs);
uint32_t vserial_baud(const struct vserial *vs);

/* The pty slave path (/dev/pts/N) and the link path. */
const char *vserial_client_path(const struct vserial *vs);
const char *vserial_link_path(const struct vserial *vs);

/* "Unplug the adapter": removes the link and hangs up the pty, so the client's reads and
 * writes fail as they do when a USB adapter disappears. */
void vserial_unplug(struct vserial *vs);

/* Closes everything and removes the link. NULL is allowed. */
void vserial_destroy(struct vserial *vs);

#endif
