/* SPDX-License-Identifier: MIT */
/* socket://host:port: a raw TCP connection that carries bytes only (no baud rate, no modem
 * lines), like pySerial's socket:// ports. One reader and one writer may work at once. */
#include "port_impl.h"

#include "net.h"

#include <stdlib.h>

#define PORT_TCP_CONNECT_TIMEOUT_MS 5000u
#define PORT_TCP_DISCARD_CHUNK      4096u

struct port_tcp {
    struct port base; /* first: the port layer sees only this */
    intptr_t sock;
};

static struct port_tcp *port_tcp_of(struct port *port)
{
    return (struct port_tcp *)port;
}

/* The far end runs at a rate set on its side; there is nothing to tell it. */
static int port_tcp_set_baud(struct port *port, uint32_t baud, struct port_error *err)
{
    (void)port;
    (void)baud;
    (void)err;
    return PORT_OK;
}

static int port_tcp_read(struct port *port, void *buf, size_t size, uint32_t timeout_ms,
                         size_t *got, struct port_error *err)
{
    return net_recv(port->name, port_tcp_of(port)->sock, buf, size, timeout_ms, got, err);
}

static int port_tcp_write(struct port *port, const void *buf, size_t size, uint32_t timeout_ms,
                          struct port_error *err)
{
    return net_send_all(port->name, port_tcp_of(port)->sock, buf, size, timeout_ms, err);
}

static int port_tcp_set_lines(struct port *port, int dtr, int rts, struct port_error *err)
{
    (void)dtr;
    (void)rts;
    return port_fail(err, PORT_ERR_UNSUPPORTED, 0,
                     "%s carries no DTR/RTS lines, so the board cannot be reset automatically.",
                     port->name);
}

/* Input: drops what has already arrived, without waiting for more. Output: every write is
 * handed to the OS whole, so nothing waits on our side. */
static int port_tcp_flush(struct port *port, enum port_queue queue, struct port_error *err)
{
    int rc = PORT_OK;
    if (queue & PORT_QUEUE_INPUT) {
        uint8_t scratch[PORT_TCP_DISCARD_CHUNK];
        size_t got = 0;
        do {
            rc = net_recv(port->name, port_tcp_of(port)->sock, scratch, sizeof scratch, 0, &got,
                          err);
        } while (rc == PORT_OK && got > 0);
        if (rc == PORT_ERR_TIMEOUT) {
            rc = PORT_OK;
        }
    }
    return rc;
}

static int port_tcp_drain(struct port *port, uint32_t timeout_ms, struct port_error *err)
{
    (void)port;
    (void)timeout_ms;
    (void)err;
    return PORT_OK;
}

static void port_tcp_close(struct port *port)
{
    struct port_tcp *tcp = port_tcp_of(port);
    net_shutdown(tcp->sock);
    net_close(tcp->sock);
    free(tcp);
}

static const struct port_ops PORT_TCP_OPS = {
        .set_baud = port_tcp_set_baud,
        .read = port_tcp_read,
        .write = port_tcp_write,
        .set_lines = port_tcp_set_lines,
        .flush = port_tcp_flush,
        .drain = port_tcp_drain,
        .close = port_tcp_close,
};

int port_tcp_open(const char *name, const char *host, uint16_t tcp_port, uint32_t baud,
                  struct port **out, struct port_error *err)
{
    intptr_t sock = NET_INVALID;
    (void)baud;
    int rc = net_connect(name, host, tcp_port, PORT_TCP_CONNECT_TIMEOUT_MS, &sock, err);
    if (rc != PORT_OK) {
        return rc;
    }
    struct port_tcp *tcp = calloc(1, sizeof *tcp);
    if (tcp == NULL) {
        net_close(sock);
        return port_fail(err, PORT_ERR_NO_MEMORY, 0, "%s: out of memory.", name);
    }
    tcp->base.ops = &PORT_TCP_OPS;
    tcp->base.kind = PORT_KIND_TCP;
    tcp->base.caps = 0;
    port_copy_text(tcp->base.name, sizeof tcp->base.name, name);
    tcp->sock = sock;
    *out = &tcp->base;
    return PORT_OK;
}
