/* SPDX-License-Identifier: MIT */
/* TCP sockets with timeouts for POSIX and Winsock: connect, listen on loopback, accept,
 * receive what is there, send everything. Used by socket://, rfc2217:// and test tools. */
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
typedef SOCKET net_socket;
typedef int net_len;
#define NET_EWOULDBLOCK  WSAEWOULDBLOCK
#define NET_EINPROGRESS  WSAEWOULDBLOCK
#define NET_ECONNREFUSED WSAECONNREFUSED
#define NET_EINTR        WSAEINTR
#else
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
typedef int net_socket;
typedef socklen_t net_len;
#define NET_EWOULDBLOCK  EWOULDBLOCK
#define NET_EINPROGRESS  EINPROGRESS
#define NET_ECONNREFUSED ECONNREFUSED
#define NET_EINTR        EINTR
#endif

#include "net.h"
#include "port_impl.h"

#include <stdio.h>
#include <string.h>

static int net_last_error(void)
{
#ifdef _WIN32
    return WSAGetLastError();
#else
    return errno;
#endif
}

static net_socket net_sock(intptr_t s)
{
    return (net_socket)s;
}

uint64_t net_now_ms(void)
{
#ifdef _WIN32
    return (uint64_t)GetTickCount64();
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
#endif
}

uint64_t port_clock_ms(void)
{
    return net_now_ms();
}

void port_sleep_ms(uint32_t ms)
{
#ifdef _WIN32
    Sleep(ms);
#else
    struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
#endif
}

static int net_startup(struct port_error *err)
{
#ifdef _WIN32
    /* WSAStartup is reference counted; every net user calls it once per socket it opens and
     * net_close balances it, so no global "initialised" flag is needed. */
    WSADATA data;
    int rc = WSAStartup(MAKEWORD(2, 2), &data);
    if (rc != 0) {
        return port_fail(err, PORT_ERR_IO, rc, "Windows networking could not start (%d).", rc);
    }
#else
    (void)err;
    /* A peer that closes mid-send must give an error, not kill the process. */
    signal(SIGPIPE, SIG_IGN);
#endif
    return PORT_OK;
}

static void net_cleanup(void)
{
#ifdef _WIN32
    WSACleanup();
#endif
}

static void net_set_blocking(net_socket s, int blocking)
{
#ifdef _WIN32
    u_long nb = blocking ? 0 : 1;
    ioctlsocket(s, (long)FIONBIO, &nb);
#else
    int flags = fcntl(s, F_GETFL, 0);
    fcntl(s, F_SETFL, blocking ? (flags & ~O_NONBLOCK) : (flags | O_NONBLOCK));
#endif
}

/* Waits until the socket is readable (events = 0) or writable (1). 1 ready, 0 timeout, <0 err */
static int net_wait(net_socket s, int for_write, uint32_t timeout_ms)
{
#ifdef _WIN32
    WSAPOLLFD pfd;
    pfd.fd = s;
    pfd.events = for_write ? POLLWRNORM : POLLRDNORM;
    pfd.revents = 0;
    int rc = WSAPoll(&pfd, 1, (INT)timeout_ms);
#else
    struct pollfd pfd;
    pfd.fd = s;
    pfd.events = for_write ? POLLOUT : POLLIN;
    pfd.revents = 0;
    int rc;
    do {
        rc = poll(&pfd, 1, (int)timeout_ms);
    } while (rc < 0 && errno == EINTR);
#endif
    return rc;
}

static void net_close_raw(net_socket s)
{
#ifdef _WIN32
    closesocket(s);
#else
    close(s);
#endif
}

int net_connect(const char *name, const char *host, uint16_t tcp_port, uint32_t timeout_ms,
                intptr_t *out, struct port_error *err)
{
    struct addrinfo hints;
    struct addrinfo *list = NULL;
    char service[8];
    int last_error = 0;
    int rc = net_startup(err);
    if (rc != PORT_OK) {
        return rc;
    }
    *out = NET_INVALID;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    snprintf(service, sizeof service, "%u", (unsigned)tcp_port);
    int gai = getaddrinfo(host, service, &hints, &list);
    if (gai != 0 || list == NULL) {
        net_cleanup();
        return port_fail(err, PORT_ERR_NOT_FOUND, gai,
                         "%s: the host name \"%s\" could not be resolved. Check the address "
                         "and the network.",
                         name, host);
    }
    uint64_t deadline = net_now_ms() + timeout_ms;
    rc = PORT_ERR_NOT_FOUND;
    for (struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
        net_socket s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if ((intptr_t)s == NET_INVALID) {
            last_error = net_last_error();
            continue;
        }
        net_set_blocking(s, 0);
        int c = connect(s, ai->ai_addr, (net_len)ai->ai_addrlen);
        if (c != 0) {
            int e = net_last_error();
            if (e == NET_EINPROGRESS || e == NET_EWOULDBLOCK) {
                uint64_t now = net_now_ms();
                uint32_t left = now >= deadline ? 0u : (uint32_t)(deadline - now);
                if (net_wait(s, 1, left) == 1) {
                    int so_error = 0;
#ifdef _WIN32
                    int len = (int)sizeof so_error;
                    getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&so_error, &len);
#else
                    socklen_t len = sizeof so_error;
                    getsockopt(s, SOL_SOCKET, SO_ERROR, &so_error, &len);
#endif
                    c = so_error == 0 ? 0 : -1;
                    e = so_error;
                } else {
                    rc = PORT_ERR_TIMEOUT;
                    e = 0;
                }
            }
            last_error = e;
        }
        if (c == 0) {
            int one = 1;
            net_set_blocking(s, 1);
            setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
            freeaddrinfo(list);
            *out = (intptr_t)s;
            return PORT_OK;
        }
        net_close_raw(s);
    }
    freeaddrinfo(list);
    net_cleanup();
    if (rc == PORT_ERR_TIMEOUT) {
        return port_fail(err, PORT_ERR_TIMEOUT, last_error,
                         "%s: no answer from %s:%u within %u ms. Check the address and that "
                         "the serial server is running.",
                         name, host, (unsigned)tcp_port, (unsigned)timeout_ms);
    }
    return port_fail(err, PORT_ERR_NOT_FOUND, last_error,
                     "%s: nothing is listening at %s:%u (connection refused). Check the "
                     "address and that the serial server is running.",
                     name, host, (unsigned)tcp_port);
}

int net_listen_loopback(uint16_t tcp_port, uint16_t *bound, intptr_t *out, struct port_error *err)
{
    struct sockaddr_in sa;
    int rc = net_startup(err);
    if (rc != PORT_OK) {
        return rc;
    }
    net_socket s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if ((intptr_t)s == NET_INVALID) {
        int e = net_last_error();
        net_cleanup();
        return port_fail(err, PORT_ERR_IO, e, "Could not create a TCP socket.");
    }
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, (const char *)&one, sizeof one);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(tcp_port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(s, 4) != 0) {
        int e = net_last_error();
        net_close_raw(s);
        net_cleanup();
        return port_fail(err, PORT_ERR_BUSY, e, "TCP port %u on 127.0.0.1 is already in use.",
                         (unsigned)tcp_port);
    }
#ifdef _WIN32
    int len = (int)sizeof sa;
#else
    socklen_t len = sizeof sa;
#endif
    getsockname(s, (struct sockaddr *)&sa, &len);
    if (bound != NULL) {
        *bound = ntohs(sa.sin_port);
    }
    *out = (intptr_t)s;
    return PORT_OK;
}

int net_accept(intptr_t listener, uint32_t timeout_ms, intptr_t *out, struct port_error *err)
{
    *out = NET_INVALID;
    int w = net_wait(net_sock(listener), 0, timeout_ms);
    if (w == 0) {
        return port_fail(err, PORT_ERR_TIMEOUT, 0, "No client connected within %u ms.",
                         (unsigned)timeout_ms);
    }
    if (w < 0) {
        return port_fail(err, PORT_ERR_IO, net_last_error(), "Waiting for a client failed.");
    }
    net_socket s = accept(net_sock(listener), NULL, NULL);
    if ((intptr_t)s == NET_INVALID) {
        return port_fail(err, PORT_ERR_IO, net_last_error(), "Accepting a client failed.");
    }
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
    /* The accepted socket shares the listener's WSAStartup reference only while the listener
     * lives; take one of its own so net_close stays balanced. */
    int rc = net_startup(err);
    if (rc != PORT_OK) {
        net_close_raw(s);
        return rc;
    }
    *out = (intptr_t)s;
    return PORT_OK;
}

int net_recv(const char *name, intptr_t sock, void *buf, size_t size, uint32_t timeout_ms,
             size_t *got, struct port_error *err)
{
    *got = 0;
    int w = net_wait(net_sock(sock), 0, timeout_ms);
    if (w == 0) {
        return port_fail(err, PORT_ERR_TIMEOUT, 0, "%s: nothing arrived within %u ms.", name,
                         (unsigned)timeout_ms);
    }
    if (w < 0) {
        return port_fail(err, PORT_ERR_IO, net_last_error(), "%s: waiting for data failed.", name);
    }
    int chunk = size > 0x10000000u ? 0x10000000 : (int)size;
#ifdef _WIN32
    int n = recv(net_sock(sock), (char *)buf, chunk, 0);
#else
    ssize_t n;
    do {
        n = recv(net_sock(sock), buf, (size_t)chunk, 0);
    } while (n < 0 && errno == EINTR);
#endif
    if (n == 0) {
        return port_fail(err, PORT_ERR_GONE, 0,
                         "%s: the other side closed the connection. Is the serial server "
                         "still running?",
                         name);
    }
    if (n < 0) {
        int e = net_last_error();
        return port_fail(err, PORT_ERR_GONE, e,
                         "%s: the connection was lost (error %d). Check the network and the "
                         "serial server.",
                         name, e);
    }
    *got = (size_t)n;
    return PORT_OK;
}

int net_send_all(const char *name, intptr_t sock, const void *buf, size_t size, uint32_t timeout_ms,
                 struct port_error *err)
{
    const char *p = buf;
    uint64_t deadline = net_now_ms() + timeout_ms;
    while (size > 0) {
        uint64_t now = net_now_ms();
        uint32_t left = now >= deadline ? 0u : (uint32_t)(deadline - now);
        int w = net_wait(net_sock(sock), 1, left);
        if (w == 0) {
            return port_fail(err, PORT_ERR_TIMEOUT, 0,
                             "%s: the connection did not accept data for %u ms.", name,
                             (unsigned)timeout_ms);
        }
        int chunk = size > 0x10000000u ? 0x10000000 : (int)size;
#ifdef _WIN32
        int n = w < 0 ? -1 : send(net_sock(sock), p, chunk, 0);
#else
        ssize_t n = w < 0 ? -1 : send(net_sock(sock), p, (size_t)chunk, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
#endif
        if (n <= 0) {
            int e = net_last_error();
            return port_fail(err, PORT_ERR_GONE, e,
                             "%s: the connection was lost while sending (error %d).", name, e);
        }
        p += n;
        size -= (size_t)n;
    }
    return PORT_OK;
}

void net_shutdown(intptr_t sock)
{
    if (sock != NET_INVALID) {
#ifdef _WIN32
        shutdown(net_sock(sock), SD_BOTH);
#else
        shutdown(net_sock(sock), SHUT_RDWR);
#endif
    }
}

void net_close(intptr_t sock)
{
    if (sock != NET_INVALID) {
        net_close_raw(net_sock(sock));
        net_cleanup();
    }
}
