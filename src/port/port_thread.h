/* SPDX-License-Identifier: MIT */
/* A mutex, a condition variable with a millisecond timeout and a thread: pthreads on POSIX,
 * the Win32 primitives on Windows (so Windows programs need no libwinpthread). */
#ifndef MF_PORT_THREAD_H
#define MF_PORT_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <pthread.h>
#endif

struct port_mutex {
#ifdef _WIN32
    CRITICAL_SECTION cs;
#else
    pthread_mutex_t m;
#endif
};

struct port_cond {
#ifdef _WIN32
    CONDITION_VARIABLE cv;
#else
    pthread_cond_t c;
#endif
};

struct port_thread {
#ifdef _WIN32
    HANDLE handle;
#else
    pthread_t handle;
#endif
    void (*fn)(void *);
    void *arg;
};

/* PORT_OK or PORT_ERR_NO_MEMORY. */
int port_mutex_init(struct port_mutex *m);
void port_mutex_destroy(struct port_mutex *m);
void port_mutex_lock(struct port_mutex *m);
bool port_mutex_trylock(struct port_mutex *m);
void port_mutex_unlock(struct port_mutex *m);

int port_cond_init(struct port_cond *c);
void port_cond_destroy(struct port_cond *c);
void port_cond_broadcast(struct port_cond *c);
/* Waits with m held until broadcast or timeout_ms passed (or spuriously): re-check the
 * condition and the deadline in a loop. */
void port_cond_wait(struct port_cond *c, struct port_mutex *m, uint32_t timeout_ms);

/* Runs fn(arg) on a new thread. PORT_OK or PORT_ERR_NO_MEMORY. `t` must stay in place until
 * port_thread_join. */
int port_thread_start(struct port_thread *t, void (*fn)(void *), void *arg);
void port_thread_join(struct port_thread *t);

/* Milliseconds left until `deadline` (net_now_ms() based), 0 when passed. */
uint32_t port_ms_left(uint64_t deadline);

#endif
