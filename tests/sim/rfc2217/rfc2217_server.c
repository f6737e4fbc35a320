/* SPDX-License-Identifier: MIT */
/* A test RFC 2217 access server: one thread accepts clients and decodes their telnet stream with
 * the shared codec, answers every COM-PORT-OPTION command, and queues data and events. */
#define _POSIX_C_SOURCE 200809L
#include "rfc2217_server.h"

#include "net.h"
#include "port.h"
#include "port_ring.h"
#include "rfc2217.h"

#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RFC2217_SERVER_POLL_MS          50u /* the thread re-checks stop/drop this often */
#define RFC2217_SERVER_RX_SIZE          (256u * 1024u)
#define RFC2217_SERVER_RAW_CHUNK        16384u
#define RFC2217_SERVER_WRITE_CHUNK      8192u /* encoded bytes per send */
#define RFC2217_SERVER_REPLY_TIMEOUT_MS 3000u
#define RFC2217_SERVER_REPLY_MAX        (2u * RFC2217_SB_MAX + 6u)
#define RFC2217_SERVER_NS_PER_MS        1000000u
#define RFC2217_SERVER_NS_PER_SEC       1000000000u
#define RFC2217_SERVER_MS_PER_SEC       1000u

/* What NOTIFY-LINESTATE / NOTIFY-MODEMSTATE polls are told: no line errors; the device side
 * holds CTS and DSR, as a USB-serial bridge with a board attached does. */
#define RFC2217_SERVER_LINESTATE  0u
#define RFC2217_SERVER_MODEMSTATE (RFC2217_MODEM_CTS | RFC2217_MODEM_DSR)

static const char RFC2217_SERVER_SIGNATURE[] = "MicroFlash RFC 2217 test server";

struct rfc2217_server {
    intptr_t listener;
    pthread_t thread;
    bool thread_started;
    struct rfc2217_codec codec; /* the thread's alone */
    pthread_mutex_t send_lock;  /* one sender at a time; held while the client socket closes */
    pthread_mutex_t lock;       /* guards everything below */
    pthread_cond_t cond;        /* data, room, events, client changes, flow resumed */
    bool stop;
    intptr_t client; /* NET_INVALID when none; closed by the thread only */
    bool drop;       /* rfc2217_server_disconnect asked the thread to drop the client */
    bool suspended;  /* the client sent FLOWCONTROL-SUSPEND */
    struct port_ring rx;
    struct rfc2217_server_event events[RFC2217_SERVER_EVENT_MAX];
    size_t ev_head;
    size_t ev_count;
    uint32_t ev_dropped;
    uint8_t raw[RFC2217_SERVER_RAW_CHUNK]; /* the thread's receive buffer */
    /* the serial port as the client set it */
    uint32_t baud;
    uint8_t datasize, parity, stopsize;
    uint8_t flow, inflow;
    bool dtr, rts, brk;
    uint8_t linestate_mask, modemstate_mask;
};

static uint64_t rfc2217_server_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * RFC2217_SERVER_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Waits on the condition with lock held, at most timeout_ms. */
static void rfc2217_server_wait(struct rfc2217_server *s, uint32_t timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t ns = (uint64_t)ts.tv_nsec +
                  (uint64_t)(timeout_ms % RFC2217_SERVER_MS_PER_SEC) * RFC2217_SERVER_NS_PER_MS;
    ts.tv_sec += (time_t)(timeout_ms / RFC2217_SERVER_MS_PER_SEC) +
                 (time_t)(ns / RFC2217_SERVER_NS_PER_SEC);
    ts.tv_nsec = (long)(ns % RFC2217_SERVER_NS_PER_SEC);
    pthread_cond_timedwait(&s->cond, &s->lock, &ts);
}

static uint32_t rfc2217_server_left(uint64_t deadline)
{
    uint64_t now = net_now_ms();
    return now >= deadline ? 0u : (uint32_t)(deadline - now);
}

/* Called with lock held. */
static void rfc2217_server_push(struct rfc2217_server *s, enum rfc2217_server_event_kind kind,
                                int queue)
{
    if (s->ev_count == RFC2217_SERVER_EVENT_MAX) {
        s->ev_dropped++;
        return;
    }
    struct rfc2217_server_event *ev =
            &s->events[(s->ev_head + s->ev_count) % RFC2217_SERVER_EVENT_MAX];
    memset(ev, 0, sizeof *ev);
    ev->t_ns = rfc2217_server_now_ns();
    ev->kind = kind;
    ev->baud = s->baud;
    ev->dtr = s->dtr;
    ev->rts = s->rts;
    ev->queue = queue;
    ev->datasize = s->datasize;
    ev->parity = s->parity;
    ev->stopsize = s->stopsize;
    s->ev_count++;
    pthread_cond_broadcast(&s->cond);
}

/* SET-CONTROL: applies the value and returns the value to answer with, or -1 for none. Called
 * with lock held. */
static int rfc2217_server_control(struct rfc2217_server *s, uint8_t v)
{
    int answer = v;
    switch (v) {
    case RFC2217_CONTROL_FLOW_REQUEST: answer = s->flow; break;
    case RFC2217_CONTROL_FLOW_NONE:
    case RFC2217_CONTROL_FLOW_XONXOFF:
    case RFC2217_CONTROL_FLOW_HARDWARE:
    case RFC2217_CONTROL_FLOW_DCD:
    case RFC2217_CONTROL_INFLOW_DSR: s->flow = v; break;
    case RFC2217_CONTROL_BREAK_REQUEST:
        answer = s->brk ? RFC2217_CONTROL_BREAK_ON : RFC2217_CONTROL_BREAK_OFF;
        break;
    case RFC2217_CONTROL_BREAK_ON:
    case RFC2217_CONTROL_BREAK_OFF: s->brk = v == RFC2217_CONTROL_BREAK_ON; break;
    case RFC2217_CONTROL_DTR_REQUEST:
        answer = s->dtr ? RFC2217_CONTROL_DTR_ON : RFC2217_CONTROL_DTR_OFF;
        break;
    case RFC2217_CONTROL_DTR_ON:
    case RFC2217_CONTROL_DTR_OFF:
        s->dtr = v == RFC2217_CONTROL_DTR_ON;
        rfc2217_server_push(s, RFC2217_SERVER_EV_LINES, 0);
        break;
    case RFC2217_CONTROL_RTS_REQUEST:
        answer = s->rts ? RFC2217_CONTROL_RTS_ON : RFC2217_CONTROL_RTS_OFF;
        break;
    case RFC2217_CONTROL_RTS_ON:
    case RFC2217_CONTROL_RTS_OFF:
        s->rts = v == RFC2217_CONTROL_RTS_ON;
        rfc2217_server_push(s, RFC2217_SERVER_EV_LINES, 0);
        break;
    case RFC2217_CONTROL_INFLOW_REQUEST: answer = s->inflow; break;
    case RFC2217_CONTROL_INFLOW_NONE:
    case RFC2217_CONTROL_INFLOW_XONXOFF:
    case RFC2217_CONTROL_INFLOW_HARDWARE:
    case RFC2217_CONTROL_INFLOW_DTR: s->inflow = v; break;
    default: answer = -1; break; /* not in RFC 2217: nothing applied, nothing to confirm */
    }
    return answer;
}

/* A one-byte setting: 0 asks for the current value, a value in [min, max] is applied. */
static uint8_t rfc2217_server_setting(struct rfc2217_server *s, uint8_t *field, uint8_t v,
                                      uint8_t min, uint8_t max)
{
    if (v != 0 && v >= min && v <= max) {
        *field = v;
        rfc2217_server_push(s, RFC2217_SERVER_EV_FORMAT, 0);
    }
    return *field;
}

/* Applies a client command and writes the answer to `out` (returns its size, 0 for none).
 * Called with lock held. */
static size_t rfc2217_server_apply(struct rfc2217_server *s, const struct rfc2217_event *ev,
                                   uint8_t *out, size_t cap)
{
    uint8_t ack = (uint8_t)(ev->code + RFC2217_SERVER_OFFSET);
    uint8_t v = rfc2217_event_u8(ev);
    int answer = -1;
    size_t n = 0;
    if (!rfc2217_command_valid(ev) || rfc2217_command_from_server(ev->code)) {
        return 0; /* malformed, truncated or not a client command: rejected */
    }
    switch (ev->code) {
    case RFC2217_CMD_SIGNATURE:
        n = rfc2217_encode_command(ack, (const uint8_t *)RFC2217_SERVER_SIGNATURE,
                                   sizeof RFC2217_SERVER_SIGNATURE - 1, out, cap);
        break;
    case RFC2217_CMD_SET_BAUDRATE:
        if (rfc2217_event_u32(ev) != 0) {
            s->baud = rfc2217_event_u32(ev);
            rfc2217_server_push(s, RFC2217_SERVER_EV_BAUD, 0);
        }
        n = rfc2217_encode_u32(ack, s->baud, out, cap);
        break;
    case RFC2217_CMD_SET_DATASIZE:
        answer = rfc2217_server_setting(s, &s->datasize, v, RFC2217_DATASIZE_MIN,
                                        RFC2217_DATASIZE_MAX);
        break;
    case RFC2217_CMD_SET_PARITY:
        answer =
                rfc2217_server_setting(s, &s->parity, v, RFC2217_PARITY_NONE, RFC2217_PARITY_SPACE);
        break;
    case RFC2217_CMD_SET_STOPSIZE:
        answer = rfc2217_server_setting(s, &s->stopsize, v, RFC2217_STOPSIZE_1,
                                        RFC2217_STOPSIZE_1_5);
        break;
    case RFC2217_CMD_SET_CONTROL: answer = rfc2217_server_control(s, v); break;
    case RFC2217_CMD_NOTIFY_LINESTATE: answer = RFC2217_SERVER_LINESTATE & s->linestate_mask; break;
    case RFC2217_CMD_NOTIFY_MODEMSTATE:
        answer = RFC2217_SERVER_MODEMSTATE & s->modemstate_mask;
        break;
    case RFC2217_CMD_FLOWCONTROL_SUSPEND:
    case RFC2217_CMD_FLOWCONTROL_RESUME:
        /* Never answered: 108/109 would ask the client to pause. */
        s->suspended = ev->code == RFC2217_CMD_FLOWCONTROL_SUSPEND;
        pthread_cond_broadcast(&s->cond);
        break;
    case RFC2217_CMD_SET_LINESTATE_MASK: answer = s->linestate_mask = v; break;
    case RFC2217_CMD_SET_MODEMSTATE_MASK: answer = s->modemstate_mask = v; break;
    case RFC2217_CMD_PURGE_DATA:
        if (v >= RFC2217_PURGE_RECEIVE && v <= RFC2217_PURGE_BOTH) {
            if (v & RFC2217_PURGE_TRANSMIT) {
                port_ring_clear(&s->rx);
                pthread_cond_broadcast(&s->cond);
            }
            rfc2217_server_push(s, RFC2217_SERVER_EV_PURGE, v);
            answer = v;
        }
        break;
    default: break;
    }
    if (answer >= 0) {
        n = rfc2217_encode_u8(ack, (uint8_t)answer, out, cap);
    }
    return n;
}

/* Sends an answer to the client from the thread. */
static void rfc2217_server_send_reply(struct rfc2217_server *s, const uint8_t *buf, size_t size)
{
    pthread_mutex_lock(&s->send_lock);
    pthread_mutex_lock(&s->lock);
    intptr_t c = s->drop ? NET_INVALID : s->client;
    pthread_mutex_unlock(&s->lock);
    if (c != NET_INVALID) {
        /* A failure shows up as the connection's end on the next receive. */
        net_send_all("rfc2217 server", c, buf, size, RFC2217_SERVER_REPLY_TIMEOUT_MS, NULL);
    }
    pthread_mutex_unlock(&s->send_lock);
}

/* Decodes one chunk from the client in place (room was checked before the receive). */
static void rfc2217_server_decode(struct rfc2217_server *s, uint8_t *raw, size_t size)
{
    size_t off = 0;
    while (off < size) {
        size_t data_len = 0;
        struct rfc2217_event ev;
        uint8_t reply[RFC2217_SERVER_REPLY_MAX];
        size_t reply_len = 0;
        size_t used = rfc2217_codec_feed(&s->codec, raw + off, size - off, raw + off, size - off,
                                         &data_len, &ev);
        pthread_mutex_lock(&s->lock);
        if (data_len > 0) {
            port_ring_put(&s->rx, raw + off, data_len);
            pthread_cond_broadcast(&s->cond);
        }
        if (ev.kind == RFC2217_EV_COMMAND) {
            reply_len = rfc2217_server_apply(s, &ev, reply, sizeof reply);
        } else if (ev.reply_len > 0) {
            memcpy(reply, ev.reply, ev.reply_len);
            reply_len = ev.reply_len;
        }
        pthread_mutex_unlock(&s->lock);
        if (reply_len > 0) {
            rfc2217_server_send_reply(s, reply, reply_len);
        }
        off += used;
    }
}

/* Closes the current client (the thread only). */
static void rfc2217_server_close_client(struct rfc2217_server *s)
{
    pthread_mutex_lock(&s->send_lock);
    pthread_mutex_lock(&s->lock);
    net_close(s->client);
    s->client = NET_INVALID;
    s->drop = false;
    s->suspended = false;
    s->dtr = false;
    s->rts = false;
    rfc2217_server_push(s, RFC2217_SERVER_EV_DISCONNECT, 0);
    pthread_mutex_unlock(&s->lock);
    pthread_mutex_unlock(&s->send_lock);
}

/* Reads what the current client sent, waiting at most timeout_ms (the thread only). Closes the
 * client when it has left. false when there was nothing to read (or no room for it). */
static bool rfc2217_server_service(struct rfc2217_server *s, uint32_t timeout_ms)
{
    size_t got = 0;
    pthread_mutex_lock(&s->lock);
    intptr_t c = s->client;
    size_t room = port_ring_space(&s->rx);
    pthread_mutex_unlock(&s->lock);
    if (c == NET_INVALID || room == 0) {
        return false;
    }
    /* Decoding never makes data longer, so `room` raw bytes always fit. */
    size_t want = room < sizeof s->raw ? room : sizeof s->raw;
    int rc = net_recv("rfc2217 server", c, s->raw, want, timeout_ms, &got, NULL);
    if (rc == PORT_OK) {
        rfc2217_server_decode(s, s->raw, got);
    } else if (rc != PORT_ERR_TIMEOUT) {
        rfc2217_server_close_client(s);
    }
    return rc != PORT_ERR_TIMEOUT;
}

static void rfc2217_server_accept(struct rfc2217_server *s)
{
    intptr_t c = NET_INVALID;
    if (net_accept(s->listener, 0, &c, NULL) != PORT_OK) {
        return;
    }
    /* A client that closes and at once reconnects: its goodbye is already queued on the old
     * socket. Take it first, so the newcomer is not mistaken for a second client. */
    while (rfc2217_server_service(s, 0)) {
    }
    pthread_mutex_lock(&s->lock);
    bool busy = s->client != NET_INVALID;
    if (!busy) {
        s->client = c;
        s->suspended = false;
        rfc2217_codec_init(&s->codec, RFC2217_ROLE_SERVER);
        rfc2217_server_push(s, RFC2217_SERVER_EV_CONNECT, 0);
    }
    pthread_mutex_unlock(&s->lock);
    if (busy) {
        net_close(c); /* one client at a time: the newcomer sees the door shut */
    }
}

static void *rfc2217_server_main(void *arg)
{
    struct rfc2217_server *s = arg;
    for (;;) {
        struct pollfd fds[2];
        nfds_t nfds = 1;
        pthread_mutex_lock(&s->lock);
        bool stop = s->stop;
        bool drop = s->drop && s->client != NET_INVALID;
        intptr_t c = s->client;
        size_t room = port_ring_space(&s->rx);
        pthread_mutex_unlock(&s->lock);
        if (stop) {
            break;
        }
        if (drop) {
            rfc2217_server_close_client(s);
            continue;
        }
        int timeout_ms = (int)RFC2217_SERVER_POLL_MS;
        if (c != NET_INVALID && room == 0) {
            /* No room for client data: wait for a reader to make some, then only look at the
             * listener. */
            pthread_mutex_lock(&s->lock);
            if (port_ring_space(&s->rx) == 0 && !s->stop && !s->drop) {
                rfc2217_server_wait(s, RFC2217_SERVER_POLL_MS);
            }
            pthread_mutex_unlock(&s->lock);
            timeout_ms = 0;
        }
        fds[0].fd = (int)s->listener;
        fds[0].events = POLLIN;
        fds[0].revents = 0;
        if (c != NET_INVALID && room > 0) {
            fds[1].fd = (int)c;
            fds[1].events = POLLIN;
            fds[1].revents = 0;
            nfds = 2;
        }
        if (poll(fds, nfds, timeout_ms) <= 0) {
            continue;
        }
        if (nfds == 2 && fds[1].revents != 0) {
            rfc2217_server_service(s, 0);
        }
        if (fds[0].revents != 0) {
            rfc2217_server_accept(s);
        }
    }
    return NULL;
}

int rfc2217_server_start(uint16_t tcp_port, uint16_t *bound, struct rfc2217_server **out)
{
    struct rfc2217_server *s = calloc(1, sizeof *s);
    int rc = PORT_ERR_NO_MEMORY;
    *out = NULL;
    if (s == NULL) {
        return rc;
    }
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->send_lock, NULL);
    s->listener = NET_INVALID;
    s->client = NET_INVALID;
    s->baud = RFC2217_SERVER_INITIAL_BAUD;
    s->datasize = RFC2217_DATASIZE_MAX;
    s->parity = RFC2217_PARITY_NONE;
    s->stopsize = RFC2217_STOPSIZE_1;
    s->flow = RFC2217_CONTROL_FLOW_NONE;
    s->inflow = RFC2217_CONTROL_INFLOW_NONE;
    s->linestate_mask = UINT8_MAX;
    s->modemstate_mask = UINT8_MAX;
    rc = port_ring_init(&s->rx, RFC2217_SERVER_RX_SIZE);
    if (rc == PORT_OK) {
        rc = net_listen_loopback(tcp_port, bound, &s->listener, NULL);
    }
    if (rc == PORT_OK) {
        rc = pthread_create(&s->thread, NULL, rfc2217_server_main, s) == 0 ? PORT_OK
                                                                           : PORT_ERR_NO_MEMORY;
        s->thread_started = rc == PORT_OK;
    }
    if (rc == PORT_OK) {
        *out = s;
    } else {
        rfc2217_server_stop(s);
    }
    return rc;
}

int rfc2217_server_read(struct rfc2217_server *s, void *buf, size_t size, uint32_t timeout_ms,
                        size_t *got)
{
    uint64_t deadline = net_now_ms() + timeout_ms;
    int rc = PORT_ERR_TIMEOUT;
    *got = 0;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        uint32_t left = rfc2217_server_left(deadline);
        if (s->rx.len > 0) {
            *got = port_ring_get(&s->rx, buf, size);
            pthread_cond_broadcast(&s->cond);
            rc = PORT_OK;
            break;
        }
        if (s->client == NET_INVALID || s->drop) {
            rc = PORT_ERR_GONE;
            break;
        }
        if (left == 0) {
            break;
        }
        rfc2217_server_wait(s, left);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Waits while the client holds the flow suspended; returns the client socket or NET_INVALID.
 * Called with lock held; *rc gets GONE or TIMEOUT when it returns NET_INVALID. */
static intptr_t rfc2217_server_writable(struct rfc2217_server *s, uint64_t deadline, int *rc)
{
    for (;;) {
        uint32_t left = rfc2217_server_left(deadline);
        if (s->client == NET_INVALID || s->drop) {
            *rc = PORT_ERR_GONE;
            return NET_INVALID;
        }
        if (!s->suspended) {
            return s->client;
        }
        if (left == 0) {
            *rc = PORT_ERR_TIMEOUT;
            return NET_INVALID;
        }
        rfc2217_server_wait(s, left);
    }
}

int rfc2217_server_write(struct rfc2217_server *s, const void *buf, size_t size,
                         uint32_t timeout_ms)
{
    const uint8_t *in = buf;
    uint8_t wire[RFC2217_SERVER_WRITE_CHUNK];
    uint64_t deadline = net_now_ms() + timeout_ms;
    size_t done = 0;
    int rc = PORT_OK;
    pthread_mutex_lock(&s->lock);
    bool none = s->client == NET_INVALID || s->drop;
    pthread_mutex_unlock(&s->lock);
    if (none) {
        return PORT_ERR_GONE;
    }
    while (done < size && rc == PORT_OK) {
        size_t used = 0;
        size_t n = rfc2217_encode_data(in + done, size - done, &used, wire, sizeof wire);
        pthread_mutex_lock(&s->lock);
        intptr_t c = rfc2217_server_writable(s, deadline, &rc);
        pthread_mutex_unlock(&s->lock);
        if (c == NET_INVALID) {
            break;
        }
        /* Under send_lock the thread cannot close the socket: look again, then send. */
        pthread_mutex_lock(&s->send_lock);
        pthread_mutex_lock(&s->lock);
        c = s->drop ? NET_INVALID : s->client;
        pthread_mutex_unlock(&s->lock);
        rc = c == NET_INVALID ? PORT_ERR_GONE
                              : net_send_all("rfc2217 server", c, wire, n,
                                             rfc2217_server_left(deadline), NULL);
        pthread_mutex_unlock(&s->send_lock);
        done += used;
    }
    return rc;
}

int rfc2217_server_next_event(struct rfc2217_server *s, struct rfc2217_server_event *ev)
{
    int taken = 0;
    pthread_mutex_lock(&s->lock);
    if (s->ev_count > 0) {
        *ev = s->events[s->ev_head];
        s->ev_head = (s->ev_head + 1) % RFC2217_SERVER_EVENT_MAX;
        s->ev_count--;
        taken = 1;
    }
    pthread_mutex_unlock(&s->lock);
    return taken;
}

int rfc2217_server_wait_event(struct rfc2217_server *s, uint32_t timeout_ms)
{
    uint64_t deadline = net_now_ms() + timeout_ms;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        uint32_t left = rfc2217_server_left(deadline);
        if (s->ev_count > 0 || left == 0) {
            break;
        }
        rfc2217_server_wait(s, left);
    }
    int ready = s->ev_count > 0;
    pthread_mutex_unlock(&s->lock);
    return ready;
}

uint32_t rfc2217_server_dropped_events(struct rfc2217_server *s)
{
    pthread_mutex_lock(&s->lock);
    uint32_t n = s->ev_dropped;
    pthread_mutex_unlock(&s->lock);
    return n;
}

bool rfc2217_server_connected(struct rfc2217_server *s)
{
    pthread_mutex_lock(&s->lock);
    bool connected = s->client != NET_INVALID && !s->drop;
    pthread_mutex_unlock(&s->lock);
    return connected;
}

uint32_t rfc2217_server_baud(struct rfc2217_server *s)
{
    pthread_mutex_lock(&s->lock);
    uint32_t baud = s->baud;
    pthread_mutex_unlock(&s->lock);
    return baud;
}

bool rfc2217_server_dtr(struct rfc2217_server *s)
{
    pthread_mutex_lock(&s->lock);
    bool dtr = s->dtr;
    pthread_mutex_unlock(&s->lock);
    return dtr;
}

bool rfc2217_server_rts(struct rfc2217_server *s)
{
    pthread_mutex_lock(&s->lock);
    bool rts = s->rts;
    pthread_mutex_unlock(&s->lock);
    return rts;
}

void rfc2217_server_disconnect(struct rfc2217_server *s)
{
    pthread_mutex_lock(&s->lock);
    if (s->client != NET_INVALID) {
        s->drop = true;
        net_shutdown(s->client); /* the client sees the close at once; the thread tidies up */
        pthread_cond_broadcast(&s->cond);
        while (s->client != NET_INVALID && s->thread_started) {
            rfc2217_server_wait(s, RFC2217_SERVER_POLL_MS);
        }
    }
    pthread_mutex_unlock(&s->lock);
}

void rfc2217_server_stop(struct rfc2217_server *s)
{
    if (s == NULL) {
        return;
    }
    if (s->thread_started) {
        pthread_mutex_lock(&s->lock);
        s->stop = true;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->thread, NULL);
    }
    net_close(s->client);
    net_close(s->listener);
    port_ring_free(&s->rx);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->send_lock);
    free(s);
}
