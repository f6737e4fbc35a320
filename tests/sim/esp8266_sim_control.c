/* SPDX-License-Identifier: MIT */
/* The control channel of esp8266-sim: a loopback TCP server on its own thread that turns each
 * text line into a request for the main loop, waits for the answer and sends it back. */
#define _GNU_SOURCE
#include "esp8266_sim.h"

#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "port.h"

enum {
    ESIM_CONTROL_POLL_MS = 100,       /* how often accept and receive look at "stop" */
    ESIM_CONTROL_SEND_MS = 10 * 1000, /* a reply must leave within this */
};

struct esim_control {
    intptr_t listener;
    intptr_t client;
    struct esim_inbox *inbox;
    pthread_t thread;
    bool running;
    char buf[ESIM_CONTROL_LINE_MAX];
    size_t len;
};

static bool esim_control_stopping(struct esim_control *c)
{
    pthread_mutex_lock(&c->inbox->lock);
    bool stop = c->inbox->stop;
    pthread_mutex_unlock(&c->inbox->lock);
    return stop;
}

/* Hands one line to the main loop and returns its reply (malloc'd), or NULL when stopping. */
static char *esim_control_submit(struct esim_control *c, const char *line)
{
    struct esim_inbox *in = c->inbox;
    struct esim_request req;
    memset(&req, 0, sizeof req);
    snprintf(req.line, sizeof req.line, "%s", line);
    pthread_mutex_lock(&in->lock);
    while (in->request != NULL && !in->stop) {
        pthread_cond_wait(&in->changed, &in->lock);
    }
    if (!in->stop) {
        in->request = &req;
        pthread_cond_broadcast(&in->wake);
        while (!req.done && !in->stop) {
            pthread_cond_wait(&in->changed, &in->lock);
        }
    }
    if (!req.done && in->request == &req) {
        in->request = NULL; /* stopping: the main loop will not look at it any more */
    }
    pthread_mutex_unlock(&in->lock);
    return req.done ? req.reply : NULL;
}

/* Serves one connection until it closes or the program stops. */
static void esim_control_serve(struct esim_control *c)
{
    c->len = 0;
    while (!esim_control_stopping(c)) {
        char *nl = memchr(c->buf, '\n', c->len);
        if (nl == NULL) {
            size_t got = 0;
            if (c->len == sizeof c->buf) {
                static const char TOO_LONG[] = "ERR line too long\n";
                net_send_all("control", c->client, TOO_LONG, sizeof TOO_LONG - 1,
                             ESIM_CONTROL_SEND_MS, NULL);
                return;
            }
            int rc = net_recv("control", c->client, c->buf + c->len, sizeof c->buf - c->len,
                              ESIM_CONTROL_POLL_MS, &got, NULL);
            if (rc == PORT_ERR_TIMEOUT) {
                continue;
            }
            if (rc != PORT_OK) {
                return; /* closed */
            }
            c->len += got;
            continue;
        }
        *nl = '\0';
        char *reply = esim_control_submit(c, c->buf);
        size_t used = (size_t)(nl - c->buf) + 1;
        memmove(c->buf, c->buf + used, c->len - used);
        c->len -= used;
        if (reply == NULL) {
            return;
        }
        size_t n = strlen(reply);
        reply[n] = '\n'; /* the terminating NUL becomes the line end */
        int rc = net_send_all("control", c->client, reply, n + 1, ESIM_CONTROL_SEND_MS, NULL);
        free(reply);
        if (rc != PORT_OK) {
            return;
        }
    }
}

static void *esim_control_main(void *arg)
{
    struct esim_control *c = arg;
    while (!esim_control_stopping(c)) {
        intptr_t sock = NET_INVALID;
        if (net_accept(c->listener, ESIM_CONTROL_POLL_MS, &sock, NULL) != PORT_OK) {
            continue;
        }
        c->client = sock;
        esim_control_serve(c);
        net_close(sock);
        c->client = NET_INVALID;
    }
    return NULL;
}

int esim_control_start(uint16_t port, struct esim_inbox *inbox, uint16_t *bound,
                       struct esim_control **out)
{
    struct esim_control *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return PORT_ERR_NO_MEMORY;
    }
    c->inbox = inbox;
    c->client = NET_INVALID;
    int rc = net_listen_loopback(port, bound, &c->listener, NULL);
    if (rc != PORT_OK) {
        free(c);
        return rc;
    }
    if (pthread_create(&c->thread, NULL, esim_control_main, c) != 0) {
        net_close(c->listener);
        free(c);
        return PORT_ERR_IO;
    }
    c->running = true;
    *out = c;
    return PORT_OK;
}

void esim_control_stop(struct esim_control *c)
{
    if (c == NULL) {
        return;
    }
    if (c->running) {
        pthread_join(c->thread, NULL);
    }
    net_close(c->listener);
    free(c);
}
