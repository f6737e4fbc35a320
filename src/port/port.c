/* SPDX-License-Identifier: MIT */
/* The port interface: parses a port name, hands it to the right backend, checks arguments and
 * keeps the messages a person reads when something goes wrong. */
#include "port_impl.h"

#include "net.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    enum port_status status;
    const char *text;
} PORT_STATUS_TEXTS[] = {
        {PORT_OK, "success"},
        {PORT_ERR_ARG, "invalid port name or argument"},
        {PORT_ERR_NOT_FOUND, "the port does not exist"},
        {PORT_ERR_BUSY, "the port is in use by another program"},
        {PORT_ERR_ACCESS, "access to the port was denied"},
        {PORT_ERR_GONE, "the port disappeared (unplugged or connection closed)"},
        {PORT_ERR_IO, "input/output error"},
        {PORT_ERR_TIMEOUT, "timed out"},
        {PORT_ERR_UNSUPPORTED, "not supported by this port"},
        {PORT_ERR_NO_MEMORY, "out of memory"},
        {PORT_ERR_PROTOCOL, "the network peer broke the RFC 2217 protocol"},
};

const char *port_status_text(int status)
{
    for (size_t i = 0; i < sizeof PORT_STATUS_TEXTS / sizeof PORT_STATUS_TEXTS[0]; i++) {
        if ((int)PORT_STATUS_TEXTS[i].status == status) {
            return PORT_STATUS_TEXTS[i].text;
        }
    }
    return "unknown error";
}

int port_fail(struct port_error *err, enum port_status status, int os_error, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        err->status = status;
        err->os_error = os_error;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

static void port_ok(struct port_error *err)
{
    if (err != NULL) {
        err->status = PORT_OK;
        err->os_error = 0;
        err->message[0] = '\0';
    }
}

/* A backend's result: on success no message of an earlier failure is left behind. */
static int port_done(int rc, struct port_error *err)
{
    if (rc == PORT_OK) {
        port_ok(err);
    }
    return rc;
}

void port_copy_text(char *dst, size_t dst_size, const char *src)
{
    if (dst_size == 0) {
        return;
    }
    size_t n = src ? strlen(src) : 0;
    if (n >= dst_size) {
        n = dst_size - 1;
    }
    if (n > 0) {
        memcpy(dst, src, n);
    }
    dst[n] = '\0';
}

static const struct {
    const char *scheme;
    enum port_kind kind;
} PORT_SCHEMES[] = {
        {"socket://", PORT_KIND_TCP},
        {"rfc2217://", PORT_KIND_RFC2217},
};

static bool port_has_prefix_nocase(const char *s, const char *prefix)
{
    for (; *prefix; prefix++, s++) {
        if (tolower((unsigned char)*s) != tolower((unsigned char)*prefix)) {
            return false;
        }
    }
    return true;
}

/* host:port, [v6]:port; anything after the port ("?ign_set_control", "/") is ignored the way
 * pySerial ignores options it does not know. */
static int port_parse_host(const char *name, const char *rest, struct port_address *addr,
                           struct port_error *err)
{
    const char *host = rest;
    const char *host_end;
    const char *colon;
    if (*rest == '[') {
        host = rest + 1;
        host_end = strchr(host, ']');
        if (host_end == NULL || host_end[1] != ':') {
            return port_fail(err, PORT_ERR_ARG, 0,
                             "%s: write an IPv6 address as [address]:port, e.g. "
                             "rfc2217://[::1]:4000.",
                             name);
        }
        colon = host_end + 1;
    } else {
        colon = strrchr(rest, ':');
        host_end = colon;
        if (colon != NULL && strchr(rest, ':') != colon) {
            return port_fail(err, PORT_ERR_ARG, 0,
                             "%s: write an IPv6 address in brackets, e.g. "
                             "socket://[::1]:4000.",
                             name);
        }
    }
    if (colon == NULL || host_end == host) {
        return port_fail(err, PORT_ERR_ARG, 0,
                         "%s: a network port needs a host and a TCP port, e.g. "
                         "socket://192.168.4.1:23.",
                         name);
    }
    size_t host_len = (size_t)(host_end - host);
    if (host_len >= sizeof addr->host) {
        return port_fail(err, PORT_ERR_ARG, 0, "%s: the host name is too long.", name);
    }
    memcpy(addr->host, host, host_len);
    addr->host[host_len] = '\0';

    const char *p = colon + 1;
    unsigned long value = 0;
    if (!isdigit((unsigned char)*p)) {
        return port_fail(err, PORT_ERR_ARG, 0, "%s: the TCP port after ':' must be a number.",
                         name);
    }
    while (isdigit((unsigned char)*p)) {
        value = value * 10u + (unsigned long)(*p - '0');
        if (value > 65535u) {
            break;
        }
        p++;
    }
    if (value == 0 || value > 65535u || (*p != '\0' && *p != '/' && *p != '?')) {
        return port_fail(err, PORT_ERR_ARG, 0, "%s: the TCP port must be a number from 1 to 65535.",
                         name);
    }
    addr->tcp_port = (uint16_t)value;
    return PORT_OK;
}

int port_address_parse(const char *name, struct port_address *addr, struct port_error *err)
{
    if (name == NULL || addr == NULL) {
        return port_fail(err, PORT_ERR_ARG, 0, "No port name was given.");
    }
    memset(addr, 0, sizeof *addr);
    while (isspace((unsigned char)*name)) {
        name++;
    }
    size_t len = strlen(name);
    while (len > 0 && isspace((unsigned char)name[len - 1])) {
        len--;
    }
    if (len == 0) {
        return port_fail(err, PORT_ERR_ARG, 0,
                         "No port was chosen. Plug in the board and pick its port.");
    }
    if (len >= PORT_NAME_MAX) {
        return port_fail(err, PORT_ERR_ARG, 0, "The port name is too long.");
    }
    char trimmed[PORT_NAME_MAX];
    memcpy(trimmed, name, len);
    trimmed[len] = '\0';

    for (size_t i = 0; i < sizeof PORT_SCHEMES / sizeof PORT_SCHEMES[0]; i++) {
        if (port_has_prefix_nocase(trimmed, PORT_SCHEMES[i].scheme)) {
            addr->kind = PORT_SCHEMES[i].kind;
            port_copy_text(addr->path, sizeof addr->path, trimmed);
            return port_parse_host(trimmed, trimmed + strlen(PORT_SCHEMES[i].scheme), addr, err);
        }
    }
    if (strstr(trimmed, "://") != NULL) {
        return port_fail(err, PORT_ERR_ARG, 0,
                         "%s: unknown kind of port. Use a serial port (COM5, /dev/ttyUSB0), "
                         "socket://host:port or rfc2217://host:port.",
                         trimmed);
    }
    addr->kind = PORT_KIND_LOCAL;
    port_copy_text(addr->path, sizeof addr->path, trimmed);
    return PORT_OK;
}

int port_open(const char *name, uint32_t baud, struct port **out, struct port_error *err)
{
    struct port_address addr;
    int rc;
    if (out == NULL) {
        return port_fail(err, PORT_ERR_ARG, 0, "port_open: no place for the result.");
    }
    *out = NULL;
    rc = port_address_parse(name, &addr, err);
    if (rc != PORT_OK) {
        return rc;
    }
    if (baud == 0) {
        return port_fail(err, PORT_ERR_ARG, 0, "%s: the baud rate must not be 0.", addr.path);
    }
    switch (addr.kind) {
    case PORT_KIND_LOCAL: rc = port_local_open(addr.path, addr.path, baud, out, err); break;
    case PORT_KIND_TCP:
        rc = port_tcp_open(addr.path, addr.host, addr.tcp_port, baud, out, err);
        break;
    case PORT_KIND_RFC2217:
        rc = port_rfc2217_open(addr.path, addr.host, addr.tcp_port, baud, out, err);
        break;
    default: rc = port_fail(err, PORT_ERR_ARG, 0, "%s: unknown kind of port.", addr.path); break;
    }
    if (rc == PORT_OK) {
        (*out)->baud = baud;
        port_ok(err);
    }
    return rc;
}

void port_close(struct port *port)
{
    if (port != NULL) {
        port->ops->close(port);
    }
}

const char *port_name(const struct port *port)
{
    return port ? port->name : "";
}

enum port_kind port_kind(const struct port *port)
{
    return port->kind;
}

unsigned port_caps(const struct port *port)
{
    return port ? port->caps : 0u;
}

uint32_t port_baud(const struct port *port)
{
    return port ? port->baud : 0u;
}

static int port_check(const struct port *port, struct port_error *err)
{
    if (port == NULL) {
        return port_fail(err, PORT_ERR_ARG, 0, "The port is not open.");
    }
    return PORT_OK;
}

int port_set_baud(struct port *port, uint32_t baud, struct port_error *err)
{
    int rc = port_check(port, err);
    if (rc != PORT_OK) {
        return rc;
    }
    if (baud == 0) {
        return port_fail(err, PORT_ERR_ARG, 0, "%s: the baud rate must not be 0.", port->name);
    }
    rc = port_done(port->ops->set_baud(port, baud, err), err);
    if (rc == PORT_OK) {
        port->baud = baud;
    }
    return rc;
}

int port_read(struct port *port, void *buf, size_t size, uint32_t timeout_ms, size_t *got,
              struct port_error *err)
{
    size_t dummy;
    if (got == NULL) {
        got = &dummy;
    }
    *got = 0;
    int rc = port_check(port, err);
    if (rc != PORT_OK) {
        return rc;
    }
    if (size == 0) {
        return PORT_OK;
    }
    if (buf == NULL) {
        return port_fail(err, PORT_ERR_ARG, 0, "%s: no buffer to read into.", port->name);
    }
    return port_done(port->ops->read(port, buf, size, timeout_ms, got, err), err);
}

int port_read_full(struct port *port, void *buf, size_t size, uint32_t timeout_ms, size_t *got,
                   struct port_error *err)
{
    size_t total = 0;
    uint64_t start = net_now_ms();
    int rc = PORT_OK;
    while (total < size) {
        uint64_t spent = net_now_ms() - start;
        uint32_t left = spent >= timeout_ms ? 0u : (uint32_t)(timeout_ms - spent);
        size_t n = 0;
        rc = port_read(port, (uint8_t *)buf + total, size - total, left, &n, err);
        total += n;
        if (rc != PORT_OK || left == 0) {
            break;
        }
    }
    if (got != NULL) {
        *got = total;
    }
    if (total == size) {
        port_ok(err);
        return PORT_OK;
    }
    if (rc == PORT_OK) {
        rc = port_fail(err, PORT_ERR_TIMEOUT, 0, "%s: only %zu of %zu bytes arrived in %u ms.",
                       port->name, total, size, (unsigned)timeout_ms);
    }
    return rc;
}

int port_write(struct port *port, const void *buf, size_t size, uint32_t timeout_ms,
               struct port_error *err)
{
    int rc = port_check(port, err);
    if (rc != PORT_OK || size == 0) {
        return rc;
    }
    if (buf == NULL) {
        return port_fail(err, PORT_ERR_ARG, 0, "%s: nothing to write.", port->name);
    }
    return port_done(port->ops->write(port, buf, size, timeout_ms, err), err);
}

static int port_lines(struct port *port, int dtr, int rts, struct port_error *err)
{
    int rc = port_check(port, err);
    if (rc != PORT_OK) {
        return rc;
    }
    if ((port->caps & PORT_CAP_LINES) == 0) {
        return port_fail(err, PORT_ERR_UNSUPPORTED, 0,
                         "%s carries no DTR/RTS lines, so the board cannot be reset "
                         "automatically.",
                         port->name);
    }
    return port_done(port->ops->set_lines(port, dtr, rts, err), err);
}

int port_set_dtr(struct port *port, bool asserted, struct port_error *err)
{
    return port_lines(port, asserted ? 1 : 0, -1, err);
}

int port_set_rts(struct port *port, bool asserted, struct port_error *err)
{
    return port_lines(port, -1, asserted ? 1 : 0, err);
}

int port_set_lines(struct port *port, bool dtr, bool rts, struct port_error *err)
{
    return port_lines(port, dtr ? 1 : 0, rts ? 1 : 0, err);
}

int port_flush(struct port *port, enum port_queue queue, struct port_error *err)
{
    int rc = port_check(port, err);
    if (rc != PORT_OK) {
        return rc;
    }
    if (queue != PORT_QUEUE_INPUT && queue != PORT_QUEUE_OUTPUT && queue != PORT_QUEUE_BOTH) {
        return port_fail(err, PORT_ERR_ARG, 0, "%s: unknown queue to flush.", port->name);
    }
    return port_done(port->ops->flush(port, queue, err), err);
}

int port_drain(struct port *port, uint32_t timeout_ms, struct port_error *err)
{
    int rc = port_check(port, err);
    if (rc != PORT_OK) {
        return rc;
    }
    return port_done(port->ops->drain(port, timeout_ms, err), err);
}

int port_list(struct port_info **out, size_t *count, struct port_error *err)
{
    if (out == NULL || count == NULL) {
        return port_fail(err, PORT_ERR_ARG, 0, "port_list: no place for the result.");
    }
    *out = NULL;
    *count = 0;
    int rc = port_local_list(out, count, err);
    if (rc == PORT_OK) {
        port_list_finish(*out, *count);
    }
    return rc;
}

void port_list_free(struct port_info *list)
{
    free(list);
}
