/* SPDX-License-Identifier: MIT */
/* Serves the far end of a serial link over a vserial pty, raw TCP or RFC 2217, mapping each
 * transport's notion of "the client changed a line / the baud / connected" to one event type. */
#define _GNU_SOURCE
#include "endpoint.h"

#include "net.h"
#include "port.h"
#include "rfc2217_server.h"
#include "vserial.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
    ENDPOINT_EVENT_QUEUE = 1024,     /* events kept until taken; older ones are dropped */
    ENDPOINT_ACCEPT_POLL_MS = 100,   /* how often the TCP accept loop looks at "stop" */
    ENDPOINT_WRITE_CHUNK = 64 * 1024 /* bytes per write() on the pty */
};

struct endpoint {
    enum endpoint_kind kind;
    struct vserial *vs;         /* ENDPOINT_PTY */
    char *link_path;            /* ENDPOINT_PTY: where the pty is linked (kept for a replug) */
    struct rfc2217_server *rfc; /* ENDPOINT_RFC2217 */
    intptr_t listener;          /* ENDPOINT_TCP */
    intptr_t client;            /* ENDPOINT_TCP: current client or NET_INVALID */
    pthread_t accept_thread;    /* ENDPOINT_TCP */
    bool accept_running;
    bool stop;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct endpoint_event queue[ENDPOINT_EVENT_QUEUE]; /* ENDPOINT_TCP events */
    size_t head;
    size_t count;
};

static uint64_t endpoint_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct endpoint *endpoint_new(enum endpoint_kind kind)
{
    struct endpoint *ep = calloc(1, sizeof *ep);
    if (ep != NULL) {
        ep->kind = kind;
        ep->listener = NET_INVALID;
        ep->client = NET_INVALID;
        pthread_condattr_t attr;
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* deadlines immune to clock steps */
        pthread_mutex_init(&ep->lock, NULL);
        pthread_cond_init(&ep->changed, &attr);
        pthread_condattr_destroy(&attr);
    }
    return ep;
}

/* Called with ep->lock held. */
static void endpoint_push(struct endpoint *ep, enum endpoint_event_kind kind)
{
    if (ep->count == ENDPOINT_EVENT_QUEUE) {
        ep->head = (ep->head + 1) % ENDPOINT_EVENT_QUEUE;
        ep->count--;
    }
    struct endpoint_event *ev = &ep->queue[(ep->head + ep->count) % ENDPOINT_EVENT_QUEUE];
    memset(ev, 0, sizeof *ev);
    ev->t_ns = endpoint_now_ns();
    ev->kind = kind;
    ep->count++;
    pthread_cond_broadcast(&ep->changed);
}

/* ---- pty ---- */

int endpoint_open_pty(const char *link_path, struct endpoint **out)
{
    struct endpoint *ep = endpoint_new(ENDPOINT_PTY);
    if (ep == NULL) {
        return PORT_ERR_NO_MEMORY;
    }
    ep->link_path = strdup(link_path);
    int rc = ep->link_path != NULL ? vserial_create(link_path, &ep->vs) : -ENOMEM;
    if (rc != 0) {
        endpoint_close(ep);
        return rc == -ENOMEM ? PORT_ERR_NO_MEMORY : PORT_ERR_IO;
    }
    *out = ep;
    return PORT_OK;
}

static int endpoint_poll_fd(int fd, short events, uint32_t timeout_ms)
{
    struct pollfd pfd = {.fd = fd, .events = events, .revents = 0};
    int rc;
    do {
        rc = poll(&pfd, 1, (int)timeout_ms);
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) {
        return PORT_ERR_TIMEOUT;
    }
    if (rc < 0 || (pfd.revents & (events | POLLHUP | POLLERR)) == 0) {
        return PORT_ERR_IO;
    }
    return PORT_OK;
}

static int endpoint_pty_read(struct endpoint *ep, void *buf, size_t size, uint32_t timeout_ms,
                             size_t *got)
{
    int fd = vserial_data_fd(ep->vs);
    if (fd < 0) {
        return PORT_ERR_GONE;
    }
    int rc = endpoint_poll_fd(fd, POLLIN, timeout_ms);
    if (rc != PORT_OK) {
        return rc;
    }
    ssize_t n = read(fd, buf, size);
    if (n > 0) {
        *got = (size_t)n;
        return PORT_OK;
    }
    /* EIO on a pty master: nobody holds the client end. */
    return (n < 0 && errno == EAGAIN) ? PORT_ERR_TIMEOUT : PORT_ERR_GONE;
}

static int endpoint_pty_write(struct endpoint *ep, const void *buf, size_t size,
                              uint32_t timeout_ms)
{
    int fd = vserial_data_fd(ep->vs);
    const uint8_t *p = buf;
    uint64_t deadline = net_now_ms() + timeout_ms;
    if (fd < 0) {
        return PORT_ERR_GONE;
    }
    while (size > 0) {
        uint64_t now = net_now_ms();
        int rc = endpoint_poll_fd(fd, POLLOUT, now >= deadline ? 0u : (uint32_t)(deadline - now));
        if (rc != PORT_OK) {
            return rc == PORT_ERR_IO ? PORT_ERR_GONE : rc;
        }
        ssize_t n = write(fd, p, size > ENDPOINT_WRITE_CHUNK ? ENDPOINT_WRITE_CHUNK : size);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                continue;
            }
            return PORT_ERR_GONE;
        }
        p += n;
        size -= (size_t)n;
    }
    return PORT_OK;
}

/* How a transport's event kinds map onto ours; kinds not listed are skipped. */
struct endpoint_kind_map {
    int from;
    enum endpoint_event_kind to;
};

/* Fills *ev from a transport event when its kind maps; false when it is to be skipped. */
static bool endpoint_event_from(const struct endpoint_kind_map *map, size_t map_len, int from,
                                struct endpoint_event *ev, uint64_t t_ns, bool dtr, bool rts,
                                uint32_t baud, int queue)
{
    for (size_t i = 0; i < map_len; i++) {
        if (map[i].from == from) {
            memset(ev, 0, sizeof *ev);
            ev->t_ns = t_ns;
            ev->kind = map[i].to;
            ev->dtr = dtr;
            ev->rts = rts;
            ev->baud = baud;
            ev->queue = queue;
            return true;
        }
    }
    return false;
}

/* Break conditions have no endpoint meaning. */
static const struct endpoint_kind_map ENDPOINT_VSERIAL_KINDS[] = {
        {VSERIAL_EV_OPEN, ENDPOINT_EV_CONNECT}, {VSERIAL_EV_CLOSE, ENDPOINT_EV_DISCONNECT},
        {VSERIAL_EV_LINES, ENDPOINT_EV_LINES},  {VSERIAL_EV_BAUD, ENDPOINT_EV_BAUD},
        {VSERIAL_EV_FLUSH, ENDPOINT_EV_PURGE},
};

static int endpoint_pty_next_event(struct endpoint *ep, struct endpoint_event *ev)
{
    struct vserial_event vev;
    while (vserial_next_event(ep->vs, &vev) == 1) {
        if (endpoint_event_from(ENDPOINT_VSERIAL_KINDS,
                                sizeof ENDPOINT_VSERIAL_KINDS / sizeof ENDPOINT_VSERIAL_KINDS[0],
                                (int)vev.kind, ev, vev.t_ns, vev.dtr, vev.rts, vev.baud,
                                vev.queue)) {
            return 1;
        }
    }
    return 0;
}

/* ---- raw TCP ---- */

/* True when the client has closed its side (the kernel saw its FIN or a reset), even if
 * bytes it sent before are still unread. */
static bool endpoint_tcp_hung_up(intptr_t sock)
{
    struct pollfd pfd = {.fd = (int)sock, .events = POLLRDHUP, .revents = 0};
    return poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

/* Called with ep->lock held: forget the client so the next one is accepted. */
static void endpoint_tcp_drop_locked(struct endpoint *ep)
{
    if (ep->client != NET_INVALID) {
        net_shutdown(ep->client);
        net_close(ep->client);
        ep->client = NET_INVALID;
        endpoint_push(ep, ENDPOINT_EV_DISCONNECT);
    }
}

static void *endpoint_accept_loop(void *arg)
{
    struct endpoint *ep = arg;
    for (;;) {
        intptr_t sock = NET_INVALID;
        pthread_mutex_lock(&ep->lock);
        bool stop = ep->stop;
        pthread_mutex_unlock(&ep->lock);
        if (stop) {
            break;
        }
        if (net_accept(ep->listener, ENDPOINT_ACCEPT_POLL_MS, &sock, NULL) != PORT_OK) {
            continue;
        }
        pthread_mutex_lock(&ep->lock);
        if (ep->client != NET_INVALID && endpoint_tcp_hung_up(ep->client)) {
            endpoint_tcp_drop_locked(ep); /* closed and reopened before we read its EOF */
        }
        if (ep->client != NET_INVALID) {
            /* One client at a time, as a serial server does: the newcomer is turned away. */
            net_close(sock);
        } else {
            ep->client = sock;
            endpoint_push(ep, ENDPOINT_EV_CONNECT);
        }
        pthread_mutex_unlock(&ep->lock);
    }
    return NULL;
}

int endpoint_open_tcp(uint16_t tcp_port, uint16_t *bound, struct endpoint **out)
{
    struct endpoint *ep = endpoint_new(ENDPOINT_TCP);
    if (ep == NULL) {
        return PORT_ERR_NO_MEMORY;
    }
    int rc = net_listen_loopback(tcp_port, bound, &ep->listener, NULL);
    if (rc == PORT_OK && pthread_create(&ep->accept_thread, NULL, endpoint_accept_loop, ep) != 0) {
        rc = PORT_ERR_IO;
    }
    if (rc != PORT_OK) {
        endpoint_close(ep);
        return rc;
    }
    ep->accept_running = true;
    *out = ep;
    return PORT_OK;
}

static intptr_t endpoint_tcp_client(struct endpoint *ep)
{
    pthread_mutex_lock(&ep->lock);
    intptr_t sock = ep->client;
    pthread_mutex_unlock(&ep->lock);
    return sock;
}

static void endpoint_tcp_drop(struct endpoint *ep, intptr_t sock)
{
    pthread_mutex_lock(&ep->lock);
    if (ep->client == sock) {
        endpoint_tcp_drop_locked(ep);
    }
    pthread_mutex_unlock(&ep->lock);
}

/* Waits (until the deadline) for a client to be connected; NET_INVALID when none came. */
static intptr_t endpoint_tcp_await_client(struct endpoint *ep, const struct timespec *until)
{
    pthread_mutex_lock(&ep->lock);
    int rc = 0;
    while (ep->client == NET_INVALID && rc == 0) {
        rc = pthread_cond_timedwait(&ep->changed, &ep->lock, until);
    }
    intptr_t sock = ep->client;
    pthread_mutex_unlock(&ep->lock);
    return sock;
}

static struct timespec endpoint_deadline(uint32_t timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)(timeout_ms / 1000u);
    until.tv_nsec += (long)(timeout_ms % 1000u) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    return until;
}

/* A raw TCP "port" has no client between connections: reads wait for the next one, the way
 * a board keeps running while nobody is connected. */
static int endpoint_tcp_read(struct endpoint *ep, void *buf, size_t size, uint32_t timeout_ms,
                             size_t *got)
{
    struct timespec until = endpoint_deadline(timeout_ms);
    uint64_t deadline = net_now_ms() + timeout_ms;
    for (;;) {
        intptr_t sock = endpoint_tcp_await_client(ep, &until);
        uint64_t now = net_now_ms();
        if (sock == NET_INVALID || now >= deadline) {
            return PORT_ERR_TIMEOUT;
        }
        int rc = net_recv("tcp endpoint", sock, buf, size, (uint32_t)(deadline - now), got, NULL);
        if (rc != PORT_ERR_GONE && rc != PORT_ERR_IO) {
            return rc;
        }
        endpoint_tcp_drop(ep, sock);
    }
}

static int endpoint_tcp_write(struct endpoint *ep, const void *buf, size_t size,
                              uint32_t timeout_ms)
{
    intptr_t sock = endpoint_tcp_client(ep);
    if (sock == NET_INVALID) {
        return PORT_ERR_GONE;
    }
    int rc = net_send_all("tcp endpoint", sock, buf, size, timeout_ms, NULL);
    if (rc == PORT_ERR_GONE) {
        endpoint_tcp_drop(ep, sock);
    }
    return rc;
}

static int endpoint_tcp_next_event(struct endpoint *ep, struct endpoint_event *ev)
{
    int taken = 0;
    pthread_mutex_lock(&ep->lock);
    if (ep->count > 0) {
        *ev = ep->queue[ep->head];
        ep->head = (ep->head + 1) % ENDPOINT_EVENT_QUEUE;
        ep->count--;
        taken = 1;
    }
    pthread_mutex_unlock(&ep->lock);
    return taken;
}

static int endpoint_tcp_wait_event(struct endpoint *ep, uint32_t timeout_ms)
{
    struct timespec until = endpoint_deadline(timeout_ms);
    pthread_mutex_lock(&ep->lock);
    int rc = 0;
    while (ep->count == 0 && rc == 0) {
        rc = pthread_cond_timedwait(&ep->changed, &ep->lock, &until);
    }
    int ready = ep->count > 0;
    pthread_mutex_unlock(&ep->lock);
    return ready;
}

/* ---- RFC 2217 ---- */

int endpoint_open_rfc2217(uint16_t tcp_port, uint16_t *bound, struct endpoint **out)
{
    struct endpoint *ep = endpoint_new(ENDPOINT_RFC2217);
    if (ep == NULL) {
        return PORT_ERR_NO_MEMORY;
    }
    int rc = rfc2217_server_start(tcp_port, bound, &ep->rfc);
    if (rc != PORT_OK) {
        endpoint_close(ep);
        return rc;
    }
    *out = ep;
    return PORT_OK;
}

/* Data-format changes (8N1) carry nothing a board cares about. */
static const struct endpoint_kind_map ENDPOINT_RFC2217_KINDS[] = {
        {RFC2217_SERVER_EV_CONNECT, ENDPOINT_EV_CONNECT},
        {RFC2217_SERVER_EV_DISCONNECT, ENDPOINT_EV_DISCONNECT},
        {RFC2217_SERVER_EV_LINES, ENDPOINT_EV_LINES},
        {RFC2217_SERVER_EV_BAUD, ENDPOINT_EV_BAUD},
        {RFC2217_SERVER_EV_PURGE, ENDPOINT_EV_PURGE},
};

static int endpoint_rfc2217_next_event(struct endpoint *ep, struct endpoint_event *ev)
{
    struct rfc2217_server_event rev;
    while (rfc2217_server_next_event(ep->rfc, &rev) == 1) {
        if (endpoint_event_from(ENDPOINT_RFC2217_KINDS,
                                sizeof ENDPOINT_RFC2217_KINDS / sizeof ENDPOINT_RFC2217_KINDS[0],
                                (int)rev.kind, ev, rev.t_ns, rev.dtr, rev.rts, rev.baud,
                                rev.queue)) {
            return 1;
        }
    }
    return 0;
}

/* ---- dispatch ---- */

enum endpoint_kind endpoint_kind(const struct endpoint *ep)
{
    return ep->kind;
}

int endpoint_read(struct endpoint *ep, void *buf, size_t size, uint32_t timeout_ms, size_t *got)
{
    *got = 0;
    switch (ep->kind) {
    case ENDPOINT_PTY: return endpoint_pty_read(ep, buf, size, timeout_ms, got);
    case ENDPOINT_TCP: return endpoint_tcp_read(ep, buf, size, timeout_ms, got);
    case ENDPOINT_RFC2217: return rfc2217_server_read(ep->rfc, buf, size, timeout_ms, got);
    }
    return PORT_ERR_ARG;
}

int endpoint_write(struct endpoint *ep, const void *buf, size_t size, uint32_t timeout_ms)
{
    switch (ep->kind) {
    case ENDPOINT_PTY: return endpoint_pty_write(ep, buf, size, timeout_ms);
    case ENDPOINT_TCP: return endpoint_tcp_write(ep, buf, size, timeout_ms);
    case ENDPOINT_RFC2217: return rfc2217_server_write(ep->rfc, buf, size, timeout_ms);
    }
    return PORT_ERR_ARG;
}

int endpoint_next_event(struct endpoint *ep, struct endpoint_event *ev)
{
    switch (ep->kind) {
    case ENDPOINT_PTY: return endpoint_pty_next_event(ep, ev);
    case ENDPOINT_TCP: return endpoint_tcp_next_event(ep, ev);
    case ENDPOINT_RFC2217: return endpoint_rfc2217_next_event(ep, ev);
    }
    return 0;
}

int endpoint_wait_event(struct endpoint *ep, uint32_t timeout_ms)
{
    switch (ep->kind) {
    case ENDPOINT_PTY:
        return endpoint_poll_fd(vserial_event_fd(ep->vs), POLLIN, timeout_ms) == PORT_OK;
    case ENDPOINT_TCP: return endpoint_tcp_wait_event(ep, timeout_ms);
    case ENDPOINT_RFC2217: return rfc2217_server_wait_event(ep->rfc, timeout_ms);
    }
    return 0;
}

void endpoint_unplug(struct endpoint *ep)
{
    switch (ep->kind) {
    case ENDPOINT_PTY: vserial_unplug(ep->vs); break;
    case ENDPOINT_TCP: endpoint_tcp_drop(ep, endpoint_tcp_client(ep)); break;
    case ENDPOINT_RFC2217: rfc2217_server_disconnect(ep->rfc); break;
    }
}

int endpoint_replug(struct endpoint *ep)
{
    struct vserial *vs = NULL;
    if (ep->kind != ENDPOINT_PTY) {
        return PORT_OK;
    }
    /* The old pair is gone (its names released at the unplug); a fresh one takes the link. */
    vserial_destroy(ep->vs);
    ep->vs = NULL;
    int rc = vserial_create(ep->link_path, &vs);
    if (rc != 0) {
        return rc == -ENOMEM ? PORT_ERR_NO_MEMORY : PORT_ERR_IO;
    }
    ep->vs = vs;
    return PORT_OK;
}

void endpoint_close(struct endpoint *ep)
{
    if (ep == NULL) {
        return;
    }
    if (ep->accept_running) {
        pthread_mutex_lock(&ep->lock);
        ep->stop = true;
        pthread_mutex_unlock(&ep->lock);
        pthread_join(ep->accept_thread, NULL);
    }
    endpoint_tcp_drop(ep, endpoint_tcp_client(ep));
    net_close(ep->listener);
    vserial_destroy(ep->vs);
    free(ep->link_path);
    rfc2217_server_stop(ep->rfc);
    pthread_cond_destroy(&ep->changed);
    pthread_mutex_destroy(&ep->lock);
    free(ep);
}
