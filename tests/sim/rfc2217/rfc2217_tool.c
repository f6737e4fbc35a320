/* SPDX-License-Identifier: MIT */
/* Interop helper: "client URL" runs our rfc2217:// client through a fixed script against any
 * echoing server; "serve" runs our test server as an echo server and prints its events. */
#define _POSIX_C_SOURCE 200809L
#include "net.h"
#include "port.h"
#include "rfc2217_server.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOOL_OPEN_BAUD     115200u
#define TOOL_FAST_BAUD     230400u
#define TOOL_DATA_SIZE     (64u * 1024u)
#define TOOL_IO_TIMEOUT_MS 10000u
#define TOOL_QUIET_MS      300u
#define TOOL_POLL_MS       20u
#define TOOL_ECHO_CHUNK    4096u
#define TOOL_PATTERN_MUL   131u
#define TOOL_PATTERN_SHIFT 8u

static const char *const TOOL_EVENT_NAMES[] = {
        [RFC2217_SERVER_EV_CONNECT] = "CONNECT", [RFC2217_SERVER_EV_DISCONNECT] = "DISCONNECT",
        [RFC2217_SERVER_EV_BAUD] = "BAUD",       [RFC2217_SERVER_EV_LINES] = "LINES",
        [RFC2217_SERVER_EV_PURGE] = "PURGE",     [RFC2217_SERVER_EV_FORMAT] = "FORMAT",
};

static int tool_check(const char *step, int rc, const struct port_error *e)
{
    printf("%s: %s%s%s\n", step, rc == PORT_OK ? "ok" : port_status_text(rc),
           rc == PORT_OK ? "" : " - ", rc == PORT_OK ? "" : e->message);
    fflush(stdout);
    return rc;
}

/* Every byte value, 0xFF (IAC) among them many times. */
static void tool_pattern(uint8_t *buf, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        buf[i] = (uint8_t)(i * TOOL_PATTERN_MUL + (i >> TOOL_PATTERN_SHIFT));
    }
}

static int tool_client(const char *url)
{
    struct port *port = NULL;
    struct port_error e;
    static uint8_t out[TOOL_DATA_SIZE];
    static uint8_t in[TOOL_DATA_SIZE];
    size_t got = 0;
    tool_pattern(out, sizeof out);
    int rc = tool_check("open", port_open(url, TOOL_OPEN_BAUD, &port, &e), &e);
    if (rc == PORT_OK) {
        rc = tool_check("set_baud", port_set_baud(port, TOOL_FAST_BAUD, &e), &e);
    }
    if (rc == PORT_OK) {
        rc = tool_check("set_lines dtr", port_set_lines(port, true, false, &e), &e);
    }
    if (rc == PORT_OK) {
        rc = tool_check("set_lines rts", port_set_lines(port, false, true, &e), &e);
    }
    if (rc == PORT_OK) {
        rc = tool_check("set_lines off", port_set_lines(port, false, false, &e), &e);
    }
    if (rc == PORT_OK) {
        rc = tool_check("flush", port_flush(port, PORT_QUEUE_BOTH, &e), &e);
    }
    if (rc == PORT_OK) {
        rc = tool_check("write", port_write(port, out, sizeof out, TOOL_IO_TIMEOUT_MS, &e), &e);
    }
    if (rc == PORT_OK) {
        rc = tool_check("read echo",
                        port_read_full(port, in, sizeof in, TOOL_IO_TIMEOUT_MS, &got, &e), &e);
    }
    if (rc == PORT_OK && memcmp(in, out, sizeof in) != 0) {
        printf("echo differs\n");
        rc = PORT_ERR_IO;
    }
    if (rc == PORT_OK) {
        int t = port_read(port, in, 1, TOOL_QUIET_MS, &got, &e);
        printf("quiet read: %s\n", t == PORT_ERR_TIMEOUT ? "ok" : port_status_text(t));
        rc = t == PORT_ERR_TIMEOUT ? PORT_OK : PORT_ERR_IO;
    }
    port_close(port);
    printf("client: %s\n", rc == PORT_OK ? "PASS" : "FAIL");
    return rc == PORT_OK ? 0 : 1;
}

static void tool_print_events(struct rfc2217_server *s)
{
    struct rfc2217_server_event ev;
    while (rfc2217_server_next_event(s, &ev) == 1) {
        printf("event %s baud=%u dtr=%d rts=%d queue=%d format=%u/%u/%u\n",
               TOOL_EVENT_NAMES[ev.kind], (unsigned)ev.baud, ev.dtr, ev.rts, ev.queue,
               (unsigned)ev.datasize, (unsigned)ev.parity, (unsigned)ev.stopsize);
        fflush(stdout);
    }
}

/* Echo server until stdin closes. */
static int tool_serve(void)
{
    struct rfc2217_server *s = NULL;
    uint16_t bound = 0;
    uint8_t buf[TOOL_ECHO_CHUNK];
    if (rfc2217_server_start(0, &bound, &s) != PORT_OK) {
        fprintf(stderr, "cannot start the server\n");
        return 1;
    }
    printf("port %u\n", (unsigned)bound);
    fflush(stdout);
    for (;;) {
        struct pollfd pfd = {STDIN_FILENO, POLLIN, 0};
        if (poll(&pfd, 1, 0) > 0) {
            char c;
            if (read(STDIN_FILENO, &c, 1) <= 0) {
                break;
            }
        }
        size_t got = 0;
        int rc = rfc2217_server_read(s, buf, sizeof buf, TOOL_POLL_MS, &got);
        if (rc == PORT_OK) {
            rfc2217_server_write(s, buf, got, TOOL_IO_TIMEOUT_MS);
        } else if (rc == PORT_ERR_GONE) {
            rfc2217_server_wait_event(s, TOOL_POLL_MS);
        }
        tool_print_events(s);
    }
    tool_print_events(s);
    rfc2217_server_stop(s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "client") == 0) {
        return tool_client(argv[2]);
    }
    if (argc == 2 && strcmp(argv[1], "serve") == 0) {
        return tool_serve();
    }
    fprintf(stderr, "usage: %s client rfc2217://host:port | %s serve\n", argv[0], argv[0]);
    return 2;
}
