/* SPDX-License-Identifier: MIT */
/* The far end of the Wine smoke test (native): a vserial port that echoes what the Windows
 * program sends, prints the modem-line / baud events it causes, and unplugs itself on request. */
#define _GNU_SOURCE

#include "vserial.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Bytes received but not yet echoed; while it is full the peer stops reading, so the Windows
 * side's writes back up and time out (the smoke test checks that). */
#define PEER_ECHO_MAX 65536u

/* Sent by the smoke program: unplug the adapter (the marker itself is not echoed in full). */
static const char PEER_UNPLUG_MARKER[] = "\x01MF-UNPLUG\x02";
#define PEER_UNPLUG_LEN (sizeof PEER_UNPLUG_MARKER - 1u)

enum { PEER_FD_STDIN, PEER_FD_DATA, PEER_FD_EVENTS, PEER_FD_COUNT };

struct peer {
    struct vserial *vs;
    unsigned char echo[PEER_ECHO_MAX];
    size_t echo_len;
    size_t marker_pos;
    unsigned long long received;
    bool unplugged;
};

static const char *peer_event_name(enum vserial_event_kind kind)
{
    static const struct {
        enum vserial_event_kind kind;
        const char *name;
    } NAMES[] = {
            {VSERIAL_EV_OPEN, "OPEN"}, {VSERIAL_EV_CLOSE, "CLOSE"}, {VSERIAL_EV_LINES, "LINES"},
            {VSERIAL_EV_BAUD, "BAUD"}, {VSERIAL_EV_FLUSH, "FLUSH"}, {VSERIAL_EV_BREAK, "BREAK"},
    };
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++) {
        if (NAMES[i].kind == kind) {
            return NAMES[i].name;
        }
    }
    return "UNKNOWN";
}

static void peer_print_events(struct peer *pe)
{
    struct vserial_event ev;
    while (vserial_next_event(pe->vs, &ev) == 1) {
        printf("EVENT %s dtr=%d rts=%d baud=%u queue=%d\n", peer_event_name(ev.kind),
               ev.dtr ? 1 : 0, ev.rts ? 1 : 0, (unsigned)ev.baud, ev.queue);
    }
    fflush(stdout);
}

/* Takes new bytes into the echo buffer, watching for the unplug marker. */
static void peer_take(struct peer *pe, const unsigned char *buf, size_t n)
{
    for (size_t i = 0; i < n && !pe->unplugged; i++) {
        unsigned char c = buf[i];
        if (c == (unsigned char)PEER_UNPLUG_MARKER[pe->marker_pos]) {
            pe->marker_pos++;
        } else {
            pe->marker_pos = c == (unsigned char)PEER_UNPLUG_MARKER[0] ? 1u : 0u;
        }
        if (pe->marker_pos == PEER_UNPLUG_LEN) {
            peer_print_events(pe);
            vserial_unplug(pe->vs);
            pe->unplugged = true;
            pe->echo_len = 0;
            printf("UNPLUGGED after %llu bytes\n", pe->received + i + 1u);
            fflush(stdout);
            return;
        }
        pe->echo[pe->echo_len++] = c;
    }
    pe->received += n;
}

static int peer_pump(struct peer *pe, struct pollfd *fds)
{
    if (fds[PEER_FD_DATA].revents & POLLIN) {
        unsigned char buf[PEER_ECHO_MAX];
        ssize_t n = read(fds[PEER_FD_DATA].fd, buf, PEER_ECHO_MAX - pe->echo_len);
        if (n > 0) {
            peer_take(pe, buf, (size_t)n);
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            perror("wine_smoke_peer: read");
            return -1;
        }
    }
    if (!pe->unplugged && pe->echo_len > 0 && (fds[PEER_FD_DATA].revents & POLLOUT)) {
        ssize_t n = write(fds[PEER_FD_DATA].fd, pe->echo, pe->echo_len);
        if (n > 0) {
            memmove(pe->echo, pe->echo + n, pe->echo_len - (size_t)n);
            pe->echo_len -= (size_t)n;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            perror("wine_smoke_peer: write");
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct peer pe;
    if (argc != 2) {
        fprintf(stderr, "usage: wine_smoke_peer LINK\n"
                        "Echoes a vserial port at LINK and prints its events; stops when stdin "
                        "closes.\n");
        return 2;
    }
    int rc = vserial_create(argv[1], &pe.vs);
    if (rc != 0) {
        fprintf(stderr, "wine_smoke_peer: cannot create %s: %s\n", argv[1], strerror(-rc));
        return 1;
    }
    int data = vserial_data_fd(pe.vs);
    fcntl(data, F_SETFL, fcntl(data, F_GETFL) | O_NONBLOCK);
    printf("READY %s\n", vserial_client_path(pe.vs));
    fflush(stdout);

    int status = 0;
    for (;;) {
        struct pollfd fds[PEER_FD_COUNT];
        memset(fds, 0, sizeof fds);
        fds[PEER_FD_STDIN].fd = STDIN_FILENO;
        fds[PEER_FD_STDIN].events = POLLIN;
        fds[PEER_FD_DATA].fd = pe.unplugged ? -1 : data;
        fds[PEER_FD_DATA].events = (short)((pe.echo_len < PEER_ECHO_MAX ? POLLIN : 0) |
                                           (pe.echo_len > 0 ? POLLOUT : 0));
        fds[PEER_FD_EVENTS].fd = vserial_event_fd(pe.vs);
        fds[PEER_FD_EVENTS].events = POLLIN;
        if (poll(fds, PEER_FD_COUNT, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("wine_smoke_peer: poll");
            status = 1;
            break;
        }
        if (fds[PEER_FD_EVENTS].revents & POLLIN) {
            peer_print_events(&pe);
        }
        if (fds[PEER_FD_STDIN].revents & (POLLIN | POLLHUP)) {
            char buf[64];
            if (read(STDIN_FILENO, buf, sizeof buf) <= 0) {
                break;
            }
        }
        if (!pe.unplugged && peer_pump(&pe, fds) != 0) {
            status = 1;
            break;
        }
    }
    peer_print_events(&pe);
    printf("DONE received=%llu dropped_events=%llu\n", pe.received,
           (unsigned long long)vserial_dropped_events(pe.vs));
    vserial_destroy(pe.vs);
    return status;
}
