/* SPDX-License-Identifier: MIT */
/* Threads, mutexes and timed condition waits for the port backends: pthreads with a monotonic
 * clock on POSIX, CRITICAL_SECTION / CONDITION_VARIABLE / CreateThread on Windows. */
#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L
#endif

#include "port_thread.h"

#include "net.h"
#include "port.h"

#ifndef _WIN32
#include <time.h>
#endif

#define PORT_THREAD_NS_PER_MS  1000000L
#define PORT_THREAD_NS_PER_SEC 1000000000L
#define PORT_THREAD_MS_PER_SEC 1000u

int port_mutex_init(struct port_mutex *m)
{
#ifdef _WIN32
    InitializeCriticalSection(&m->cs);
    return PORT_OK;
#else
    return pthread_mutex_init(&m->m, NULL) == 0 ? PORT_OK : PORT_ERR_NO_MEMORY;
#endif
}

void port_mutex_destroy(struct port_mutex *m)
{
#ifdef _WIN32
    DeleteCriticalSection(&m->cs);
#else
    pthread_mutex_destroy(&m->m);
#endif
}

void port_mutex_lock(struct port_mutex *m)
{
#ifdef _WIN32
    EnterCriticalSection(&m->cs);
#else
    pthread_mutex_lock(&m->m);
#endif
}

bool port_mutex_trylock(struct port_mutex *m)
{
#ifdef _WIN32
    return TryEnterCriticalSection(&m->cs) != 0;
#else
    return pthread_mutex_trylock(&m->m) == 0;
#endif
}

void port_mutex_unlock(struct port_mutex *m)
{
#ifdef _WIN32
    LeaveCriticalSection(&m->cs);
#else
    pthread_mutex_unlock(&m->m);
#endif
}

int port_cond_init(struct port_cond *c)
{
#ifdef _WIN32
    InitializeConditionVariable(&c->cv);
    return PORT_OK;
#else
    pthread_condattr_t attr;
    int rc = PORT_ERR_NO_MEMORY;
    if (pthread_condattr_init(&attr) != 0) {
        return rc;
    }
    if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
        pthread_cond_init(&c->c, &attr) == 0) {
        rc = PORT_OK;
    }
    pthread_condattr_destroy(&attr);
    return rc;
#endif
}

void port_cond_destroy(struct port_cond *c)
{
#ifdef _WIN32
    (void)c; /* a CONDITION_VARIABLE holds no resources */
#else
    pthread_cond_destroy(&c->c);
#endif
}

void port_cond_broadcast(struct port_cond *c)
{
#ifdef _WIN32
    WakeAllConditionVariable(&c->cv);
#else
    pthread_cond_broadcast(&c->c);
#endif
}

void port_cond_wait(struct port_cond *c, struct port_mutex *m, uint32_t timeout_ms)
{
#ifdef _WIN32
    SleepConditionVariableCS(&c->cv, &m->cs, (DWORD)timeout_ms);
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(timeout_ms / PORT_THREAD_MS_PER_SEC);
    ts.tv_nsec += (long)(timeout_ms % PORT_THREAD_MS_PER_SEC) * PORT_THREAD_NS_PER_MS;
    if (ts.tv_nsec >= PORT_THREAD_NS_PER_SEC) {
        ts.tv_sec++;
        ts.tv_nsec -= PORT_THREAD_NS_PER_SEC;
    }
    pthread_cond_timedwait(&c->c, &m->m, &ts);
#endif
}

#ifdef _WIN32
static DWORD WINAPI port_thread_main(LPVOID p)
{
    struct port_thread *t = p;
    t->fn(t->arg);
    return 0;
}
#else
static void *port_thread_main(void *p)
{
    struct port_thread *t = p;
    t->fn(t->arg);
    return NULL;
}
#endif

int port_thread_start(struct port_thread *t, void (*fn)(void *), void *arg)
{
    t->fn = fn;
    t->arg = arg;
#ifdef _WIN32
    t->handle = CreateThread(NULL, 0, port_thread_main, t, 0, NULL);
    return t->handle != NULL ? PORT_OK : PORT_ERR_NO_MEMORY;
#else
    return pthread_create(&t->handle, NULL, port_thread_main, t) == 0 ? PORT_OK
                                                                      : PORT_ERR_NO_MEMORY;
#endif
}

void port_thread_join(struct port_thread *t)
{
#ifdef _WIN32
    WaitForSingleObject(t->handle, INFINITE);
    CloseHandle(t->handle);
#else
    pthread_join(t->handle, NULL);
#endif
}

uint32_t port_ms_left(uint64_t deadline)
{
    uint64_t now = net_now_ms();
    if (now >= deadline) {
        return 0;
    }
    uint64_t left = deadline - now;
    return left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
}
