/* SPDX-License-Identifier: MIT */
/* rfc2217://host:port: a serial port behind a telnet COM-PORT-OPTION server (ser2net, pySerial,
 * ESP-Link ...). A reader thread decodes the socket into a ring buffer and collects the acks. */
#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L
#endif

#include "port_impl.h"

#include "net.h"
#include "port_ring.h"
#include "port_thread.h"
#include "rfc2217.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PORT_RFC2217_CONNECT_TIMEOUT_MS   5000u /* TCP connect */
#define PORT_RFC2217_NEGOTIATE_TIMEOUT_MS 2000u /* server's DO COM-PORT-OPTION */
#define PORT_RFC2217_ACK_TIMEOUT_MS       3000u /* server's answer to a command (pySerial: 3 s) */
#define PORT_RFC2217_SEND_TIMEOUT_MS      3000u /* a command or a telnet answer to go out */
#define PORT_RFC2217_READER_POLL_MS       250u  /* reader re-checks for close this often */
#define PORT_RFC2217_RING_SIZE            (256u * 1024u)
#define PORT_RFC2217_RAW_CHUNK            16384u
#define PORT_RFC2217_WRITE_CHUNK          8192u /* encoded bytes per send */
#define PORT_RFC2217_PENDING_MAX          512u  /* telnet answers waiting for the socket */
#define PORT_RFC2217_URL_MAX              (PORT_NAME_MAX + 16u)

/* Name option (as in pySerial): do not wait for answers to SET-CONTROL, for servers that
 * never send them. */
static const char PORT_RFC2217_OPT_IGN_SET_CONTROL[] = "ign_set_control";
/* Sent when a server asks for our signature. */
static const char PORT_RFC2217_SIGNATURE[] = "MicroFlash";

/* The serial settings every open starts with: 8 data bits, no parity, one stop bit. */
static const struct {
    uint8_t command;
    uint8_t value;
} PORT_RFC2217_FORMAT[] = {
        {RFC2217_CMD_SET_DATASIZE, RFC2217_DATASIZE_MAX},
        {RFC2217_CMD_SET_PARITY, RFC2217_PARITY_NONE},
        {RFC2217_CMD_SET_STOPSIZE, RFC2217_STOPSIZE_1},
};

/* Then no flow control and both lines de-asserted (never pulsed: the board must not reset). */
static const uint8_t PORT_RFC2217_OPEN_CONTROLS[] = {
        RFC2217_CONTROL_FLOW_NONE,
        RFC2217_CONTROL_DTR_OFF,
        RFC2217_CONTROL_RTS_OFF,
};

/* Opening waits for these answers, as pySerial does. */
static const uint8_t PORT_RFC2217_OPEN_ACKS[] = {
        RFC2217_CMD_SET_BAUDRATE,
        RFC2217_CMD_SET_DATASIZE,
        RFC2217_CMD_SET_PARITY,
        RFC2217_CMD_SET_STOPSIZE,
};

enum port_rfc2217_comport {
    PORT_RFC2217_COMPORT_WAITING,
    PORT_RFC2217_COMPORT_AGREED,
    PORT_RFC2217_COMPORT_REFUSED,
};

struct port_rfc2217 {
    struct port base; /* first: the port layer sees only this */
    intptr_t sock;
    bool ign_set_control;
    bool lock_ready, cond_ready, send_lock_ready, reader_started;
    struct port_thread reader;
    struct rfc2217_codec codec;  /* the reader thread's alone once it runs */
    struct port_mutex send_lock; /* one sender on the socket at a time */
    struct port_mutex lock;      /* guards everything below */
    struct port_cond cond;       /* data, space, answers, state changes */
    struct port_ring ring;       /* decoded data from the server */
    enum port_rfc2217_comport comport;
    bool stopping;
    bool suspended; /* the server sent FLOWCONTROL-SUSPEND */
    int gone;       /* PORT_OK while connected, else why it ended */
    struct port_error gone_err;
    uint32_t sent[RFC2217_CMD_COUNT]; /* commands sent that the server answers */
    uint32_t acks[RFC2217_CMD_COUNT]; /* answers received, never above sent */
    uint32_t ack_value[RFC2217_CMD_COUNT];
    int dtr, rts; /* as last sent: 1 asserted, 0 not */
    size_t pending_len;
    uint8_t pending[PORT_RFC2217_PENDING_MAX]; /* telnet answers from the reader */
};

static struct port_rfc2217 *port_rfc2217_of(struct port *port)
{
    return (struct port_rfc2217 *)port;
}

/* "socket://host:port" for the advice in messages, with brackets around an IPv6 address. */
static void port_rfc2217_socket_url(char *out, size_t size, const char *host, uint16_t tcp_port)
{
    bool v6 = strchr(host, ':') != NULL;
    snprintf(out, size, "socket://%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "",
             (unsigned)tcp_port);
}

/* Called with lock held: the first reason the connection ended wins. */
static void port_rfc2217_set_gone(struct port_rfc2217 *p, const struct port_error *why)
{
    if (p->gone == PORT_OK) {
        p->gone = why->status != PORT_OK ? (int)why->status : PORT_ERR_GONE;
        p->gone_err = *why;
        p->gone_err.status = (enum port_status)p->gone;
    }
    port_cond_broadcast(&p->cond);
}

/* Called with lock held. */
static int port_rfc2217_gone_error(const struct port_rfc2217 *p, struct port_error *err)
{
    if (err != NULL) {
        *err = p->gone_err;
    }
    return p->gone;
}

/* Sends everything queued by the reader; caller holds send_lock. */
static void port_rfc2217_send_pending(struct port_rfc2217 *p)
{
    uint8_t buf[PORT_RFC2217_PENDING_MAX];
    struct port_error e;
    port_mutex_lock(&p->lock);
    size_t n = p->pending_len;
    memcpy(buf, p->pending, n);
    p->pending_len = 0;
    port_mutex_unlock(&p->lock);
    if (n > 0 &&
        net_send_all(p->base.name, p->sock, buf, n, PORT_RFC2217_SEND_TIMEOUT_MS, &e) != PORT_OK) {
        port_mutex_lock(&p->lock);
        port_rfc2217_set_gone(p, &e);
        port_mutex_unlock(&p->lock);
    }
}

/* Releases send_lock. Whoever releases it sends what the reader queued meanwhile, so an answer
 * never waits behind a long write and never gets stuck in the queue. */
static void port_rfc2217_send_unlock(struct port_rfc2217 *p)
{
    for (;;) {
        port_rfc2217_send_pending(p);
        port_mutex_unlock(&p->send_lock);
        port_mutex_lock(&p->lock);
        bool more = p->pending_len > 0;
        port_mutex_unlock(&p->lock);
        if (!more || !port_mutex_trylock(&p->send_lock)) {
            break;
        }
    }
}

/* Sends a command or data block whole. */
static int port_rfc2217_send(struct port_rfc2217 *p, const uint8_t *buf, size_t size,
                             uint32_t timeout_ms, struct port_error *err)
{
    port_mutex_lock(&p->send_lock);
    int rc = net_send_all(p->base.name, p->sock, buf, size, timeout_ms, err);
    port_rfc2217_send_unlock(p);
    return rc;
}

/* Called with lock held. false when the queue would overflow (a peer flooding us). */
static bool port_rfc2217_queue_answer(struct port_rfc2217 *p, const uint8_t *buf, size_t size)
{
    if (size > sizeof p->pending - p->pending_len) {
        return false;
    }
    memcpy(p->pending + p->pending_len, buf, size);
    p->pending_len += size;
    return true;
}

/* A COM-PORT-OPTION command from the server. Called with lock held. */
static bool port_rfc2217_on_command(struct port_rfc2217 *p, const struct rfc2217_event *ev)
{
    if (!rfc2217_command_from_server(ev->code) || !rfc2217_command_valid(ev)) {
        return true; /* not for a client, or malformed: ignored */
    }
    uint8_t base = rfc2217_command_base(ev->code);
    switch (base) {
    case RFC2217_CMD_FLOWCONTROL_SUSPEND: p->suspended = true; break;
    case RFC2217_CMD_FLOWCONTROL_RESUME: p->suspended = false; break;
    case RFC2217_CMD_SIGNATURE:
        if (ev->value_len == 0) {
            uint8_t out[RFC2217_COMMAND_SIZE(sizeof PORT_RFC2217_SIGNATURE)];
            size_t n = rfc2217_encode_command(RFC2217_CMD_SIGNATURE,
                                              (const uint8_t *)PORT_RFC2217_SIGNATURE,
                                              sizeof PORT_RFC2217_SIGNATURE - 1, out, sizeof out);
            return port_rfc2217_queue_answer(p, out, n);
        }
        break;
    case RFC2217_CMD_NOTIFY_LINESTATE:
    case RFC2217_CMD_NOTIFY_MODEMSTATE: break; /* nobody asks for them */
    default:
        if (p->acks[base] < p->sent[base]) {
            p->acks[base]++;
            p->ack_value[base] =
                    base == RFC2217_CMD_SET_BAUDRATE ? rfc2217_event_u32(ev) : rfc2217_event_u8(ev);
        }
        break;
    }
    return true;
}

/* One decoder event. Called with lock held. false when the peer is flooding us. */
static bool port_rfc2217_on_event(struct port_rfc2217 *p, const struct rfc2217_event *ev)
{
    bool ok = true;
    if (ev->reply_len > 0) {
        ok = port_rfc2217_queue_answer(p, ev->reply, ev->reply_len);
    }
    if (ev->kind == RFC2217_EV_OPTION && ev->option == RFC2217_OPT_COM_PORT) {
        if (ev->verb == RFC2217_DO) {
            p->comport = PORT_RFC2217_COMPORT_AGREED;
        } else if (ev->verb == RFC2217_DONT) {
            p->comport = PORT_RFC2217_COMPORT_REFUSED;
        }
    } else if (ev->kind == RFC2217_EV_COMMAND) {
        ok = ok && port_rfc2217_on_command(p, ev);
    }
    return ok;
}

/* Decodes one received chunk in place: data into the ring (room was checked before the
 * receive), events handled. false when the connection must end. */
static bool port_rfc2217_decode(struct port_rfc2217 *p, uint8_t *raw, size_t size)
{
    size_t off = 0;
    bool ok = true;
    while (off < size && ok) {
        size_t data_len = 0;
        struct rfc2217_event ev;
        size_t used = rfc2217_codec_feed(&p->codec, raw + off, size - off, raw + off, size - off,
                                         &data_len, &ev);
        port_mutex_lock(&p->lock);
        port_ring_put(&p->ring, raw + off, data_len);
        if (ev.kind != RFC2217_EV_NONE) {
            ok = port_rfc2217_on_event(p, &ev);
        }
        if (!ok) {
            struct port_error e;
            port_fail(&e, PORT_ERR_PROTOCOL, 0,
                      "%s sent more telnet requests than a serial server ever needs; the "
                      "connection was closed. Check that the address is an RFC 2217 server.",
                      p->base.name);
            port_rfc2217_set_gone(p, &e);
        }
        port_cond_broadcast(&p->cond);
        port_mutex_unlock(&p->lock);
        off += used;
    }
    return ok;
}

static void port_rfc2217_reader(void *arg)
{
    struct port_rfc2217 *p = arg;
    uint8_t raw[PORT_RFC2217_RAW_CHUNK];
    bool running = true;
    while (running) {
        struct port_error e;
        size_t got = 0;
        port_mutex_lock(&p->lock);
        while (!p->stopping && port_ring_space(&p->ring) == 0) {
            port_cond_wait(&p->cond, &p->lock, PORT_RFC2217_READER_POLL_MS);
        }
        size_t room = port_ring_space(&p->ring);
        running = !p->stopping && p->gone == PORT_OK;
        port_mutex_unlock(&p->lock);
        if (!running) {
            break;
        }
        /* Decoding never makes data longer, so `room` raw bytes always fit in the ring. */
        if (room > sizeof raw) {
            room = sizeof raw;
        }
        int rc = net_recv(p->base.name, p->sock, raw, room, PORT_RFC2217_READER_POLL_MS, &got, &e);
        if (rc == PORT_ERR_TIMEOUT) {
            continue;
        }
        if (rc != PORT_OK) {
            port_mutex_lock(&p->lock);
            port_rfc2217_set_gone(p, &e);
            port_mutex_unlock(&p->lock);
            break;
        }
        running = port_rfc2217_decode(p, raw, got);
        if (port_mutex_trylock(&p->send_lock)) {
            port_rfc2217_send_unlock(p);
        }
    }
}

/* Waits until every command of `codes` sent so far was answered. */
static int port_rfc2217_wait_acks(struct port_rfc2217 *p, const uint8_t *codes, size_t count,
                                  uint32_t timeout_ms)
{
    uint64_t deadline = net_now_ms() + timeout_ms;
    int rc = PORT_ERR_TIMEOUT;
    port_mutex_lock(&p->lock);
    for (;;) {
        bool all = true;
        for (size_t i = 0; i < count; i++) {
            all = all && p->acks[codes[i]] >= p->sent[codes[i]];
        }
        uint32_t left = port_ms_left(deadline);
        if (all) {
            rc = PORT_OK;
            break;
        }
        if (p->gone != PORT_OK) {
            rc = p->gone;
            break;
        }
        if (left == 0) {
            break;
        }
        port_cond_wait(&p->cond, &p->lock, left);
    }
    port_mutex_unlock(&p->lock);
    return rc;
}

/* Counts commands about to be sent (before sending, so a quick answer always finds them). */
static int port_rfc2217_count_sent(struct port_rfc2217 *p, uint8_t command, uint32_t count,
                                   struct port_error *err)
{
    int rc = PORT_OK;
    port_mutex_lock(&p->lock);
    if (p->gone != PORT_OK) {
        rc = port_rfc2217_gone_error(p, err);
    } else {
        p->sent[command] += count;
    }
    port_mutex_unlock(&p->lock);
    return rc;
}

/* The error after a failed wait for answers: the connection's end, or a timeout sentence. */
static int port_rfc2217_ack_error(struct port_rfc2217 *p, int rc, const char *what,
                                  const char *advice, struct port_error *err)
{
    if (rc == PORT_ERR_TIMEOUT) {
        return port_fail(err, PORT_ERR_TIMEOUT, 0,
                         "%s did not confirm the %s within %u ms. Check that the server is "
                         "running and supports RFC 2217%s.",
                         p->base.name, what, (unsigned)PORT_RFC2217_ACK_TIMEOUT_MS, advice);
    }
    port_mutex_lock(&p->lock);
    rc = port_rfc2217_gone_error(p, err);
    port_mutex_unlock(&p->lock);
    return rc;
}

static int port_rfc2217_set_baud(struct port *port, uint32_t baud, struct port_error *err)
{
    struct port_rfc2217 *p = port_rfc2217_of(port);
    static const uint8_t codes[] = {RFC2217_CMD_SET_BAUDRATE};
    uint8_t cmd[RFC2217_COMMAND_MAX];
    size_t n = rfc2217_encode_u32(RFC2217_CMD_SET_BAUDRATE, baud, cmd, sizeof cmd);
    int rc = port_rfc2217_count_sent(p, RFC2217_CMD_SET_BAUDRATE, 1, err);
    if (rc == PORT_OK) {
        rc = port_rfc2217_send(p, cmd, n, PORT_RFC2217_SEND_TIMEOUT_MS, err);
    }
    if (rc == PORT_OK) {
        rc = port_rfc2217_wait_acks(p, codes, 1, PORT_RFC2217_ACK_TIMEOUT_MS);
        if (rc != PORT_OK) {
            rc = port_rfc2217_ack_error(p, rc, "new baud rate", "", err);
        }
    }
    if (rc == PORT_OK) {
        port_mutex_lock(&p->lock);
        uint32_t applied = p->ack_value[RFC2217_CMD_SET_BAUDRATE];
        port_mutex_unlock(&p->lock);
        if (applied != baud) {
            rc = port_fail(err, PORT_ERR_UNSUPPORTED, 0,
                           "%s cannot run at %u baud (the server answered %u). Choose another "
                           "baud rate.",
                           port->name, (unsigned)baud, (unsigned)applied);
        }
    }
    return rc;
}

static int port_rfc2217_read(struct port *port, void *buf, size_t size, uint32_t timeout_ms,
                             size_t *got, struct port_error *err)
{
    struct port_rfc2217 *p = port_rfc2217_of(port);
    uint64_t deadline = net_now_ms() + timeout_ms;
    int rc = PORT_OK;
    port_mutex_lock(&p->lock);
    for (;;) {
        uint32_t left = port_ms_left(deadline);
        if (p->ring.len > 0 || p->gone != PORT_OK || left == 0) {
            break;
        }
        port_cond_wait(&p->cond, &p->lock, left);
    }
    if (p->ring.len > 0) {
        *got = port_ring_get(&p->ring, buf, size);
        port_cond_broadcast(&p->cond); /* room for the reader */
    } else if (p->gone != PORT_OK) {
        rc = port_rfc2217_gone_error(p, err);
    } else {
        rc = port_fail(err, PORT_ERR_TIMEOUT, 0, "%s: nothing arrived within %u ms.", port->name,
                       (unsigned)timeout_ms);
    }
    port_mutex_unlock(&p->lock);
    return rc;
}

/* Waits while the server has asked us to pause (FLOWCONTROL-SUSPEND). */
static int port_rfc2217_wait_resume(struct port_rfc2217 *p, uint64_t deadline, uint32_t timeout_ms,
                                    struct port_error *err)
{
    int rc = PORT_OK;
    port_mutex_lock(&p->lock);
    for (;;) {
        uint32_t left = port_ms_left(deadline);
        if (p->gone != PORT_OK) {
            rc = port_rfc2217_gone_error(p, err);
            break;
        }
        if (!p->suspended) {
            break;
        }
        if (left == 0) {
            rc = port_fail(err, PORT_ERR_TIMEOUT, 0,
                           "%s: the server paused the data flow and did not resume it within "
                           "%u ms.",
                           p->base.name, (unsigned)timeout_ms);
            break;
        }
        port_cond_wait(&p->cond, &p->lock, left);
    }
    port_mutex_unlock(&p->lock);
    return rc;
}

static int port_rfc2217_write(struct port *port, const void *buf, size_t size, uint32_t timeout_ms,
                              struct port_error *err)
{
    struct port_rfc2217 *p = port_rfc2217_of(port);
    const uint8_t *in = buf;
    uint8_t wire[PORT_RFC2217_WRITE_CHUNK];
    uint64_t deadline = net_now_ms() + timeout_ms;
    size_t done = 0;
    int rc = PORT_OK;
    while (done < size && rc == PORT_OK) {
        size_t used = 0;
        rc = port_rfc2217_wait_resume(p, deadline, timeout_ms, err);
        if (rc == PORT_OK) {
            size_t n = rfc2217_encode_data(in + done, size - done, &used, wire, sizeof wire);
            rc = port_rfc2217_send(p, wire, n, port_ms_left(deadline), err);
        }
        done += used;
    }
    return rc;
}

static int port_rfc2217_set_lines(struct port *port, int dtr, int rts, struct port_error *err)
{
    struct port_rfc2217 *p = port_rfc2217_of(port);
    static const uint8_t codes[] = {RFC2217_CMD_SET_CONTROL};
    uint8_t cmd[2 * RFC2217_COMMAND_MAX];
    size_t n = 0;
    uint32_t count = 0;
    int rc = PORT_OK;
    /* DTR before RTS, each only when it changes. */
    if (dtr >= 0 && dtr != p->dtr) {
        n += rfc2217_encode_u8(RFC2217_CMD_SET_CONTROL,
                               dtr ? RFC2217_CONTROL_DTR_ON : RFC2217_CONTROL_DTR_OFF, cmd + n,
                               sizeof cmd - n);
        count++;
    }
    if (rts >= 0 && rts != p->rts) {
        n += rfc2217_encode_u8(RFC2217_CMD_SET_CONTROL,
                               rts ? RFC2217_CONTROL_RTS_ON : RFC2217_CONTROL_RTS_OFF, cmd + n,
                               sizeof cmd - n);
        count++;
    }
    if (count == 0) {
        return PORT_OK;
    }
    rc = port_rfc2217_count_sent(p, RFC2217_CMD_SET_CONTROL, count, err);
    if (rc == PORT_OK) {
        rc = port_rfc2217_send(p, cmd, n, PORT_RFC2217_SEND_TIMEOUT_MS, err);
    }
    if (rc == PORT_OK) {
        p->dtr = dtr >= 0 ? dtr : p->dtr;
        p->rts = rts >= 0 ? rts : p->rts;
        if (!p->ign_set_control) {
            rc = port_rfc2217_wait_acks(p, codes, 1, PORT_RFC2217_ACK_TIMEOUT_MS);
            if (rc != PORT_OK) {
                rc = port_rfc2217_ack_error(p, rc, "DTR/RTS change",
                                            " (for a server that never confirms DTR/RTS, add "
                                            "?ign_set_control to the port name)",
                                            err);
            }
        }
    }
    return rc;
}

static void port_rfc2217_clear_input(struct port_rfc2217 *p)
{
    port_mutex_lock(&p->lock);
    port_ring_clear(&p->ring);
    port_cond_broadcast(&p->cond);
    port_mutex_unlock(&p->lock);
}

/* PURGE-DATA on the server, then (input) what arrived before its answer is dropped here too. */
static int port_rfc2217_flush(struct port *port, enum port_queue queue, struct port_error *err)
{
    struct port_rfc2217 *p = port_rfc2217_of(port);
    static const uint8_t codes[] = {RFC2217_CMD_PURGE_DATA};
    static const uint8_t purge_of_queue[] = {
            [PORT_QUEUE_INPUT] = RFC2217_PURGE_RECEIVE,
            [PORT_QUEUE_OUTPUT] = RFC2217_PURGE_TRANSMIT,
            [PORT_QUEUE_BOTH] = RFC2217_PURGE_BOTH,
    };
    bool input = (queue & PORT_QUEUE_INPUT) != 0;
    uint8_t cmd[RFC2217_COMMAND_MAX];
    size_t n = rfc2217_encode_u8(RFC2217_CMD_PURGE_DATA, purge_of_queue[queue], cmd, sizeof cmd);
    if (input) {
        port_rfc2217_clear_input(p); /* also lets a reader stalled on a full ring go on */
    }
    int rc = port_rfc2217_count_sent(p, RFC2217_CMD_PURGE_DATA, 1, err);
    if (rc == PORT_OK) {
        rc = port_rfc2217_send(p, cmd, n, PORT_RFC2217_SEND_TIMEOUT_MS, err);
    }
    if (rc == PORT_OK) {
        rc = port_rfc2217_wait_acks(p, codes, 1, PORT_RFC2217_ACK_TIMEOUT_MS);
        if (rc != PORT_OK) {
            rc = port_rfc2217_ack_error(p, rc, "discarding of queued data", "", err);
        }
    }
    if (rc == PORT_OK && input) {
        port_rfc2217_clear_input(p);
    }
    return rc;
}

/* Every write is on the socket when port_write returns; wait for one in progress. */
static int port_rfc2217_drain(struct port *port, uint32_t timeout_ms, struct port_error *err)
{
    struct port_rfc2217 *p = port_rfc2217_of(port);
    int rc = PORT_OK;
    (void)timeout_ms;
    port_mutex_lock(&p->send_lock);
    port_rfc2217_send_unlock(p);
    port_mutex_lock(&p->lock);
    if (p->gone != PORT_OK) {
        rc = port_rfc2217_gone_error(p, err);
    }
    port_mutex_unlock(&p->lock);
    return rc;
}

/* Frees a port in any state of construction. */
static void port_rfc2217_free(struct port_rfc2217 *p)
{
    if (p->reader_started) {
        port_mutex_lock(&p->lock);
        p->stopping = true;
        port_cond_broadcast(&p->cond);
        port_mutex_unlock(&p->lock);
        net_shutdown(p->sock); /* wakes the reader */
        port_thread_join(&p->reader);
    }
    net_close(p->sock);
    port_ring_free(&p->ring);
    if (p->cond_ready) {
        port_cond_destroy(&p->cond);
    }
    if (p->lock_ready) {
        port_mutex_destroy(&p->lock);
    }
    if (p->send_lock_ready) {
        port_mutex_destroy(&p->send_lock);
    }
    free(p);
}

static void port_rfc2217_close(struct port *port)
{
    port_rfc2217_free(port_rfc2217_of(port));
}

static const struct port_ops PORT_RFC2217_OPS = {
        .set_baud = port_rfc2217_set_baud,
        .read = port_rfc2217_read,
        .write = port_rfc2217_write,
        .set_lines = port_rfc2217_set_lines,
        .flush = port_rfc2217_flush,
        .drain = port_rfc2217_drain,
        .close = port_rfc2217_close,
};

static int port_rfc2217_create(const char *name, intptr_t sock, struct port_rfc2217 **out,
                               struct port_error *err)
{
    struct port_rfc2217 *p = calloc(1, sizeof *p);
    int rc = PORT_ERR_NO_MEMORY;
    if (p == NULL) {
        net_close(sock);
        return port_fail(err, PORT_ERR_NO_MEMORY, 0, "%s: out of memory.", name);
    }
    p->base.ops = &PORT_RFC2217_OPS;
    p->base.kind = PORT_KIND_RFC2217;
    p->base.caps = PORT_CAP_BAUD | PORT_CAP_LINES | PORT_CAP_EXCLUSIVE;
    port_copy_text(p->base.name, sizeof p->base.name, name);
    p->sock = sock;
    p->dtr = -1;
    p->rts = -1;
    const char *options = strstr(name, "://");
    p->ign_set_control =
            options != NULL && strstr(options, PORT_RFC2217_OPT_IGN_SET_CONTROL) != NULL;
    rfc2217_codec_init(&p->codec, RFC2217_ROLE_CLIENT);
    p->lock_ready = port_mutex_init(&p->lock) == PORT_OK;
    p->send_lock_ready = port_mutex_init(&p->send_lock) == PORT_OK;
    p->cond_ready = port_cond_init(&p->cond) == PORT_OK;
    if (p->lock_ready && p->send_lock_ready && p->cond_ready &&
        port_ring_init(&p->ring, PORT_RFC2217_RING_SIZE) == PORT_OK) {
        rc = PORT_OK;
    }
    if (rc == PORT_OK) {
        *out = p;
    } else {
        port_rfc2217_free(p);
        port_fail(err, rc, 0, "%s: out of memory.", name);
    }
    return rc;
}

/* Telnet negotiation: the server must agree to COM-PORT-OPTION. */
static int port_rfc2217_negotiate(struct port_rfc2217 *p, const char *host, uint16_t tcp_port,
                                  struct port_error *err)
{
    uint64_t deadline = net_now_ms() + PORT_RFC2217_NEGOTIATE_TIMEOUT_MS;
    char url[PORT_RFC2217_URL_MAX];
    int rc = PORT_OK;
    port_mutex_lock(&p->lock);
    for (;;) {
        uint32_t left = port_ms_left(deadline);
        if (p->comport != PORT_RFC2217_COMPORT_WAITING || p->gone != PORT_OK || left == 0) {
            break;
        }
        port_cond_wait(&p->cond, &p->lock, left);
    }
    if (p->comport == PORT_RFC2217_COMPORT_AGREED) {
        rc = PORT_OK;
    } else if (p->gone != PORT_OK && p->gone != PORT_ERR_GONE) {
        rc = port_rfc2217_gone_error(p, err);
    } else if (p->gone != PORT_OK) {
        rc = port_fail(err, PORT_ERR_BUSY, p->gone_err.os_error,
                       "%s closed the connection at once: another program is probably "
                       "connected to it.",
                       p->base.name);
    } else {
        port_rfc2217_socket_url(url, sizeof url, host, tcp_port);
        rc = port_fail(err, PORT_ERR_PROTOCOL, 0,
                       "%s does not speak RFC 2217. If it is a plain TCP serial server use %s "
                       "instead.",
                       p->base.name, url);
    }
    port_mutex_unlock(&p->lock);
    return rc;
}

/* Baud rate, 8N1, no flow control, DTR and RTS off; waits for the serial settings' answers. */
static int port_rfc2217_configure(struct port_rfc2217 *p, uint32_t baud, struct port_error *err)
{
    uint8_t cmd[RFC2217_COMMAND_MAX *
                (1u + sizeof PORT_RFC2217_FORMAT / sizeof PORT_RFC2217_FORMAT[0] +
                 sizeof PORT_RFC2217_OPEN_CONTROLS)];
    size_t n = rfc2217_encode_u32(RFC2217_CMD_SET_BAUDRATE, baud, cmd, sizeof cmd);
    int rc = PORT_OK;
    for (size_t i = 0; i < sizeof PORT_RFC2217_FORMAT / sizeof PORT_RFC2217_FORMAT[0]; i++) {
        n += rfc2217_encode_u8(PORT_RFC2217_FORMAT[i].command, PORT_RFC2217_FORMAT[i].value,
                               cmd + n, sizeof cmd - n);
    }
    for (size_t i = 0; i < sizeof PORT_RFC2217_OPEN_CONTROLS; i++) {
        n += rfc2217_encode_u8(RFC2217_CMD_SET_CONTROL, PORT_RFC2217_OPEN_CONTROLS[i], cmd + n,
                               sizeof cmd - n);
    }
    port_mutex_lock(&p->lock);
    p->sent[RFC2217_CMD_SET_BAUDRATE]++;
    for (size_t i = 0; i < sizeof PORT_RFC2217_FORMAT / sizeof PORT_RFC2217_FORMAT[0]; i++) {
        p->sent[PORT_RFC2217_FORMAT[i].command]++;
    }
    p->sent[RFC2217_CMD_SET_CONTROL] += (uint32_t)sizeof PORT_RFC2217_OPEN_CONTROLS;
    port_mutex_unlock(&p->lock);
    rc = port_rfc2217_send(p, cmd, n, PORT_RFC2217_SEND_TIMEOUT_MS, err);
    if (rc == PORT_OK) {
        p->dtr = 0;
        p->rts = 0;
        rc = port_rfc2217_wait_acks(p, PORT_RFC2217_OPEN_ACKS, sizeof PORT_RFC2217_OPEN_ACKS,
                                    PORT_RFC2217_ACK_TIMEOUT_MS);
        if (rc != PORT_OK) {
            rc = port_rfc2217_ack_error(p, rc, "serial settings", "", err);
        }
    }
    if (rc == PORT_OK) {
        port_mutex_lock(&p->lock);
        bool format_ok = p->ack_value[RFC2217_CMD_SET_BAUDRATE] == baud;
        for (size_t i = 0; i < sizeof PORT_RFC2217_FORMAT / sizeof PORT_RFC2217_FORMAT[0]; i++) {
            format_ok = format_ok && p->ack_value[PORT_RFC2217_FORMAT[i].command] ==
                                             PORT_RFC2217_FORMAT[i].value;
        }
        uint32_t applied = p->ack_value[RFC2217_CMD_SET_BAUDRATE];
        port_mutex_unlock(&p->lock);
        if (!format_ok) {
            rc = port_fail(err, PORT_ERR_UNSUPPORTED, 0,
                           "%s did not accept %u baud, 8 data bits, no parity, 1 stop bit (it "
                           "answered %u baud). Choose another baud rate.",
                           p->base.name, (unsigned)baud, (unsigned)applied);
        }
    }
    return rc;
}

int port_rfc2217_open(const char *name, const char *host, uint16_t tcp_port, uint32_t baud,
                      struct port **out, struct port_error *err)
{
    struct port_rfc2217 *p = NULL;
    intptr_t sock = NET_INVALID;
    uint8_t offers[RFC2217_START_MAX];
    int rc = net_connect(name, host, tcp_port, PORT_RFC2217_CONNECT_TIMEOUT_MS, &sock, err);
    if (rc == PORT_OK) {
        rc = port_rfc2217_create(name, sock, &p, err);
    }
    if (rc != PORT_OK) {
        return rc;
    }
    size_t n = rfc2217_codec_start(&p->codec, offers, sizeof offers);
    rc = port_thread_start(&p->reader, port_rfc2217_reader, p);
    if (rc != PORT_OK) {
        port_fail(err, rc, 0, "%s: could not start a thread.", name);
    } else {
        p->reader_started = true;
        /* A failed send shows up as the connection's end, which negotiate reports. */
        port_rfc2217_send(p, offers, n, PORT_RFC2217_SEND_TIMEOUT_MS, NULL);
        rc = port_rfc2217_negotiate(p, host, tcp_port, err);
    }
    if (rc == PORT_OK) {
        rc = port_rfc2217_configure(p, baud, err);
        if (rc == PORT_ERR_GONE) {
            rc = port_fail(err, PORT_ERR_BUSY, 0,
                           "%s closed the connection at once: another program is probably "
                           "connected to it.",
                           name);
        }
    }
    if (rc == PORT_OK) {
        *out = &p->base;
    } else {
        port_rfc2217_free(p);
    }
    return rc;
}
