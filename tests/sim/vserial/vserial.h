/* SPDX-License-Identifier: MIT */
/* Virtual serial ports for tests: a pseudo-terminal pair whose client end behaves like a USB
 * serial adapter once libvserial_shim.so is preloaded into the client process. */
#ifndef MF_VSERIAL_H
#define MF_VSERIAL_H

#include <stdbool.h>
#include <stdint.h>

/* Events come from the process that drives the client end with libvserial_shim.so preloaded. In
 * every event dtr, rts and baud hold the port's state after the call. Under Wine the device is
 * opened by wineserver, so OPEN/CLOSE arrive only when wineserver was started with the shim too. */
enum vserial_event_kind {
    VSERIAL_EV_OPEN,  /* the client opened the port; like Linux, opening raises DTR and RTS */
    VSERIAL_EV_CLOSE, /* the client closed a descriptor it opened (HUPCL set: lines dropped) */
    VSERIAL_EV_LINES, /* one TIOCMSET/TIOCMBIS/TIOCMBIC call: dtr, rts hold the new state */
    VSERIAL_EV_BAUD,  /* the speed changed (or was set for the first time since open): baud */
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

/* Our end of the data path (pty master, blocking): read what the client wrote, write what it
 * reads. vserial keeps the client end open itself, so this fd does not report a hang-up while no
 * client has the port open. -1 after vserial_unplug. */
int vserial_data_fd(const struct vserial *vs);

/* vserial's own descriptor of the client end, for looking at the settings the client made
 * (tcgetattr). Not for data: what the client reads and writes goes through vserial_data_fd. */
int vserial_client_fd(const struct vserial *vs);

/* Readable when modem-line / baud events are waiting. -1 after vserial_unplug (events that were
 * already reported can still be taken). */
int vserial_event_fd(const struct vserial *vs);

/* Takes the next event without blocking: 1 when one was stored in *ev, 0 when none. */
int vserial_next_event(struct vserial *vs, struct vserial_event *ev);

/* Current state as last reported by the client (whether or not its events were taken yet). */
bool vserial_dtr(const struct vserial *vs);
bool vserial_rts(const struct vserial *vs);
uint32_t vserial_baud(const struct vserial *vs);

/* Events lost because the test let more than 4096 of them pile up. */
uint64_t vserial_dropped_events(const struct vserial *vs);

/* The pty slave path (/dev/pts/N) and the link path. */
const char *vserial_client_path(const struct vserial *vs);
const char *vserial_link_path(const struct vserial *vs);

/* "Unplug the adapter": removes the link and hangs up the pty, so the client's reads and
 * writes fail as they do when a USB adapter disappears (read returns 0, write and ioctl fail
 * with EIO, poll reports POLLHUP) and a new open of the link fails with ENOENT. */
void vserial_unplug(struct vserial *vs);

/* Closes everything and removes the link. NULL is allowed. */
void vserial_destroy(struct vserial *vs);

#endif
