/* SPDX-License-Identifier: MIT */
/* The worker threads of esp8266-sim and the inbox they fill: a reader that takes the client's
 * bytes, a watcher that notices endpoint events, and the lock that keeps them off an unplug. */
#define _GNU_SOURCE
#include "esp8266_sim.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "port.h"
#include "simtime.h"

enum {
    ESIM_IO_POLL_MS = 50,   /* the workers' endpoint waits: bounds stop and unplug latency */
    ESIM_NO_CLIENT_MS = 20, /* the reader's pause while no client is connected */
};

uint64_t esim_wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * SIM_NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* ---- the inbox ---- */

int esim_inbox_init(struct esim_inbox *in)
{
    pthread_condattr_t attr;
    memset(in, 0, sizeof *in);
    in->chunks = calloc(ESIM_CHUNKS, sizeof *in->chunks);
    if (in->chunks == NULL) {
        return -1;
    }
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&in->lock, NULL);
    pthread_cond_init(&in->wake, &attr);
    pthread_cond_init(&in->changed, &attr);
    pthread_condattr_destroy(&attr);
    return 0;
}

void esim_inbox_free(struct esim_inbox *in)
{
    if (in->chunks == NULL) {
        return;
    }
    pthread_cond_destroy(&in->wake);
    pthread_cond_destroy(&in->changed);
    pthread_mutex_destroy(&in->lock);
    free(in->chunks);
    in->chunks = NULL;
}

void esim_inbox_stop(struct esim_inbox *in)
{
    if (in->chunks == NULL) {
        return;
    }
    pthread_mutex_lock(&in->lock);
    in->stop = true;
    pthread_cond_broadcast(&in->wake);
    pthread_cond_broadcast(&in->changed);
    pthread_mutex_unlock(&in->lock);
}

static struct timespec esim_timespec(uint64_t wall_ns)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(wall_ns / SIM_NS_PER_S);
    ts.tv_nsec = (long)(wall_ns % SIM_NS_PER_S);
    return ts;
}

/* Waits on cond (lock held) until wall time `until` at the latest. */
static void esim_cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *lock, uint64_t until)
{
    struct timespec ts = esim_timespec(until);
    pthread_cond_timedwait(cond, lock, &ts);
}

/* The reader: client bytes into the inbox, stamped with the wall time they were read. */
static void *esim_reader_main(void *arg)
{
    struct esim_workers *w = arg;
    struct esim_inbox *in = w->inbox;
    for (;;) {
        pthread_mutex_lock(&in->lock);
        while (!in->stop && in->chunk_count == ESIM_CHUNKS) {
            pthread_cond_wait(&in->changed, &in->lock);
        }
        bool stop = in->stop;
        struct esim_chunk *c = &in->chunks[(in->chunk_head + in->chunk_count) % ESIM_CHUNKS];
        pthread_mutex_unlock(&in->lock);
        if (stop) {
            break;
        }
        size_t got = 0;
        pthread_rwlock_rdlock(&w->lock);
        int rc = endpoint_read(w->ep, c->data, sizeof c->data, ESIM_IO_POLL_MS, &got);
        pthread_rwlock_unlock(&w->lock);
        pthread_mutex_lock(&in->lock);
        if (rc == PORT_OK && got > 0) {
            c->wall_ns = esim_wall_now();
            c->len = got;
            in->chunk_count++;
            pthread_cond_broadcast(&in->wake);
        } else if (rc != PORT_ERR_TIMEOUT && !in->stop) {
            /* no client (RFC 2217) or the pty is gone: look again a little later */
            esim_cond_wait_until(&in->changed, &in->lock,
                                 esim_wall_now() + ESIM_NO_CLIENT_MS * SIM_NS_PER_MS);
        }
        pthread_mutex_unlock(&in->lock);
    }
    return NULL;
}

/* The watcher: tells the main loop that endpoint events are queued (it takes them itself, so
 * that it can order them against the data). */
static void *esim_watcher_main(void *arg)
{
    struct esim_workers *w = arg;
    struct esim_inbox *in = w->inbox;
    for (;;) {
        pthread_mutex_lock(&in->lock);
        while (!in->stop && in->events_ready) {
            pthread_cond_wait(&in->changed, &in->lock);
        }
        bool stop = in->stop;
        pthread_mutex_unlock(&in->lock);
        if (stop) {
            break;
        }
        pthread_rwlock_rdlock(&w->lock);
        int ready = endpoint_wait_event(w->ep, ESIM_IO_POLL_MS);
        pthread_rwlock_unlock(&w->lock);
        if (ready) {
            pthread_mutex_lock(&in->lock);
            in->events_ready = true;
            pthread_cond_broadcast(&in->wake);
            pthread_mutex_unlock(&in->lock);
        }
    }
    return NULL;
}

void esim_inbox_wait(struct esim_inbox *in, uint64_t until, bool request_taken)
{
    pthread_mutex_lock(&in->lock);
    if (!in->stop && in->chunk_count == 0 && !in->events_ready &&
        (in->request == NULL || request_taken)) {
        esim_cond_wait_until(&in->wake, &in->lock, until);
    }
    pthread_mutex_unlock(&in->lock);
}

/* ---- the workers ---- */

void esim_workers_init(struct esim_workers *w, struct esim_inbox *inbox)
{
    pthread_rwlockattr_t attr;
    memset(w, 0, sizeof *w);
    w->inbox = inbox;
    /* writer first: an unplug must not wait behind a stream of reads */
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&w->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
}

int esim_workers_start(struct esim_workers *w, struct endpoint *ep)
{
    w->ep = ep;
    w->reader_running = pthread_create(&w->reader, NULL, esim_reader_main, w) == 0;
    w->watcher_running =
            w->reader_running && pthread_create(&w->watcher, NULL, esim_watcher_main, w) == 0;
    return w->watcher_running ? 0 : -1;
}

void esim_workers_unplug(struct esim_workers *w)
{
    pthread_rwlock_wrlock(&w->lock);
    endpoint_unplug(w->ep);
    pthread_rwlock_unlock(&w->lock);
}

int esim_workers_replug(struct esim_workers *w)
{
    pthread_rwlock_wrlock(&w->lock);
    int rc = endpoint_replug(w->ep);
    pthread_rwlock_unlock(&w->lock);
    return rc;
}

void esim_workers_stop(struct esim_workers *w)
{
    if (w->inbox == NULL) {
        return;
    }
    esim_inbox_stop(w->inbox);
    if (w->reader_running) {
        pthread_join(w->reader, NULL);
    }
    if (w->watcher_running) {
        pthread_join(w->watcher, NULL);
    }
    pthread_rwlock_destroy(&w->lock);
    w->inbox = NULL;
}
