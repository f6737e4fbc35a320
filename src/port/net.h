/* SPDX-License-Identifier: MIT */
/* Blocking TCP sockets with timeouts on POSIX and Winsock, for socket://, rfc2217:// and the
 * test tools. A socket is an intptr_t so no OS header leaks into the callers. */
#ifndef MF_NET_H
#define MF_NET_H

#include "port.h"

#include <stddef.h>
#include <stdint.h>

#define NET_INVALID ((intptr_t)-1)

/* Connects to host:tcp_port (IPv4 or IPv6, first address that answers) within timeout_ms.
 * Sets TCP_NODELAY. `name` is used in messages ("socket://host:port"). */
int net_connect(const char *name, const char *host, uint16_t tcp_port, uint32_t timeout_ms,
                intptr_t *out, struct port_error *err);

/* Listens on 127.0.0.1:tcp_port (0 = any free port; *bound receives the port). */
int net_listen_loopback(uint16_t tcp_port, uint16_t *bound, intptr_t *out, struct port_error *err);

/* Accepts one connection within timeout_ms. */
int net_accept(intptr_t listener, uint32_t timeout_ms, intptr_t *out, struct port_error *err);

/* Waits up to timeout_ms for data, then receives what is there. PORT_ERR_TIMEOUT when nothing
 * came, PORT_ERR_GONE when the other side closed the connection. */
int net_recv(const char *name, intptr_t sock, void *buf, size_t size, uint32_t timeout_ms,
             size_t *got, struct port_error *err);

/* Sends everything within timeout_ms. */
int net_send_all(const char *name, intptr_t sock, const void *buf, size_t size, uint32_t timeout_ms,
                 struct port_error *err);

/* Shuts down both directions: wakes a thread blocked in net_recv on the same socket. */
void net_shutdown(intptr_t sock);
void net_close(intptr_t sock);

/* Milliseconds from a monotonic clock, for deadlines. */
uint64_t net_now_ms(void);

#endif
