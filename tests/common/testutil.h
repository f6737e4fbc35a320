/* SPDX-License-Identifier: MIT */
/* Small helpers shared by test programs that are built for Linux and for Windows: a monotonic
 * clock, one thread, and a deterministic byte pattern. */
#ifndef MF_TESTUTIL_H
#define MF_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <pthread.h>
#include <time.h>
#endif

static inline uint64_t test_now_ms(void)
{
#ifdef _WIN32
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (uint64_t)(c.QuadPart / (f.QuadPart / 1000));
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
#endif
}

struct test_thread {
#ifdef _WIN32
    HANDLE handle;
#else
    pthread_t handle;
#endif
    void (*fn)(void *);
    void *arg;
};

#ifdef _WIN32
static DWORD WINAPI test_thread_trampoline(LPVOID p)
{
    struct test_thread *t = p;
    t->fn(t->arg);
    return 0;
}
#else
static void *test_thread_trampoline(void *p)
{
    struct test_thread *t = p;
    t->fn(t->arg);
    return NULL;
}
#endif

/* Starts fn(arg) on a new thread; returns 0 on success. */
static inline int test_thread_start(struct test_thread *t, void (*fn)(void *), void *arg)
{
    t->fn = fn;
    t->arg = arg;
#ifdef _WIN32
    t->handle = CreateThread(NULL, 0, test_thread_trampoline, t, 0, NULL);
    return t->handle ? 0 : -1;
#else
    return pthread_create(&t->handle, NULL, test_thread_trampoline, t) == 0 ? 0 : -1;
#endif
}

static inline void test_thread_join(struct test_thread *t)
{
#ifdef _WIN32
    WaitForSingleObject(t->handle, INFINITE);
    CloseHandle(t->handle);
#else
    pthread_join(t->handle, NULL);
#endif
}

/* Deterministic bytes covering all 256 values (0x00, 0x11, 0x13, 0xC0, 0xDB, 0xFF included),
 * so software flow control, telnet IAC and SLIP bytes all cross every link under test. */
static inline void test_pattern(uint8_t *buf, size_t size, uint32_t seed)
{
    uint32_t x = seed ? seed : 0x9E3779B9u;
    for (size_t i = 0; i < size; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)(x >> 24);
    }
}

/* FNV-1a, to compare large transfers without shipping them back. */
static inline uint32_t test_hash(const uint8_t *buf, size_t size, uint32_t h)
{
    for (size_t i = 0; i < size; i++) {
        h ^= buf[i];
        h *= 16777619u;
    }
    return h;
}
#define TEST_HASH_INIT 2166136261u

#endif
