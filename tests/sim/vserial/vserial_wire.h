/* SPDX-License-Identifier: MIT */
/* What vserial.c and the LD_PRELOAD shim share: the names under which a vserial port can be found
 * from its pts number, and the layout of the shared state and event ring. Private to vserial. */
#ifndef MF_VSERIAL_WIRE_H
#define MF_VSERIAL_WIRE_H

#include <stdatomic.h>
#include <stdint.h>

/* The control socket: a Linux abstract-namespace datagram socket named after the pts number
 * ("\0mf-vserial/pts/7"). It proves the vserial port is alive (the name disappears with the socket,
 * even when the test crashes) and serves as the doorbell that makes vserial_event_fd readable. */
#define VSERIAL_WIRE_SOCKET_FMT "mf-vserial/pts/%u"

/* The shared state: a POSIX shared-memory object ("/mf-vserial-pts-7") that every client process
 * maps, so the modem lines and the baud rate are one state even when one process opens the port
 * and another one drives it (Wine: wineserver opens, the program's process does the ioctls). */
#define VSERIAL_WIRE_SHM_FMT "/mf-vserial-pts-%u"

#define VSERIAL_WIRE_NAME_MAX 64
#define VSERIAL_WIRE_MAGIC    0x5356464du /* "MFVS" */
#define VSERIAL_WIRE_VERSION  1u

/* Events that do not fit (the test stopped taking them) are dropped and counted. */
#define VSERIAL_WIRE_RING_SLOTS 4096u

/* The emulated UART clock for TIOCGSERIAL: a custom divisor (what Wine 8 uses for rates that have
 * no Bxxx constant) gives baud_base / divisor. 936000000 = 2^9 * 3^2 * 5^6 * 13 divides evenly by
 * the odd rates ESP8266 tools use (74880, 250000, 31250, 100000, 1000000), so they come out exact.
 */
#define VSERIAL_WIRE_BAUD_BASE 936000000

/* Bits of vserial_shared.lines: the same values as TIOCM_DTR / TIOCM_RTS. */
#define VSERIAL_WIRE_DTR 0x002u
#define VSERIAL_WIRE_RTS 0x004u

struct vserial_wire_event {
    uint64_t t_ns;  /* CLOCK_MONOTONIC in the client when it made the call */
    uint32_t kind;  /* enum vserial_event_kind */
    int32_t pid;    /* client process */
    uint32_t lines; /* VSERIAL_WIRE_DTR | VSERIAL_WIRE_RTS after the call */
    uint32_t baud;  /* baud rate after the call (0 = not set since the port was opened) */
    int32_t queue;  /* FLUSH: 1 input, 2 output, 3 both */
    uint32_t on;    /* BREAK: 1 on, 0 off */
};

struct vserial_wire_slot {
    _Atomic uint64_t seq; /* bounded MPSC queue: slot i is free for ticket t when seq == t */
    struct vserial_wire_event ev;
};

struct vserial_shared {
    uint32_t magic;
    uint32_t version;
    _Atomic uint32_t lines;         /* DTR / RTS as the client last set them */
    _Atomic uint32_t baud;          /* last baud rate the client set, 0 = none yet */
    _Atomic uint32_t serial_flags;  /* ASYNC_SPD_* bits from TIOCSSERIAL */
    _Atomic int32_t custom_divisor; /* from TIOCSSERIAL */
    _Atomic uint64_t dropped;       /* events lost because the ring was full */
    _Atomic uint64_t tail;          /* next ticket for a producer (client) */
    _Atomic uint64_t head;          /* next ticket for the consumer (vserial) */
    struct vserial_wire_slot slots[VSERIAL_WIRE_RING_SLOTS];
};

#endif
