/* SPDX-License-Identifier: MIT */
/* Child processes of the end-to-end tests: posix_spawn in a new process group with a chosen
 * environment and working folder, non-blocking capture of stdout and stderr, time limits. */
#define _GNU_SOURCE
#include "e2e_run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum {
    E2E_ENV_MAX = 1024,
    E2E_READ_STEP = 16384,
    E2E_TERM_GRACE_MS = 5000, /* SIGTERM, then this long before SIGKILL */
    E2E_POLL_SLICE_MS = 50,   /* how often a finished child is looked for */
};

uint64_t e2e_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int e2e_left(uint64_t deadline)
{
    uint64_t now = e2e_now_ms();
    return now >= deadline ? 0 : (int)(deadline - now);
}

static bool e2e_env_dropped(const char *entry)
{
    static const char *const dropped[] = {
            "LD_PRELOAD=", "ESPTOOL_PORT=", "ESPTOOL_BAUD=", "MICROFLASH_CONFIG_DIR="};
    for (size_t i = 0; i < sizeof dropped / sizeof dropped[0]; i++) {
        if (strncmp(entry, dropped[i], strlen(dropped[i])) == 0) {
            return true;
        }
    }
    return false;
}

static void e2e_capture_init(struct e2e_capture *cap, int fd)
{
    cap->data = NULL;
    cap->len = 0;
    cap->cap = 0;
    cap->fd = fd;
}

/* Reads what is there; false on a memory failure. EOF closes the descriptor. */
static bool e2e_capture_read(struct e2e_capture *cap)
{
    if (cap->cap - cap->len < E2E_READ_STEP + 1) {
        size_t grown_cap = cap->cap * 2 + E2E_READ_STEP + 1;
        char *grown = realloc(cap->data, grown_cap);
        if (grown == NULL) {
            return false;
        }
        cap->data = grown;
        cap->cap = grown_cap;
    }
    ssize_t got = read(cap->fd, cap->data + cap->len, cap->cap - cap->len - 1);
    if (got > 0) {
        cap->len += (size_t)got;
    } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        close(cap->fd);
        cap->fd = -1;
    }
    cap->data[cap->len] = '\0';
    return true;
}

/* Waits up to timeout_ms for output and reads it. */
static void e2e_child_pump(struct e2e_child *c, int timeout_ms)
{
    struct pollfd pfd[2];
    struct e2e_capture *caps[2];
    nfds_t n = 0;
    if (c->out.fd >= 0) {
        pfd[n] = (struct pollfd){.fd = c->out.fd, .events = POLLIN};
        caps[n++] = &c->out;
    }
    if (c->err.fd >= 0) {
        pfd[n] = (struct pollfd){.fd = c->err.fd, .events = POLLIN};
        caps[n++] = &c->err;
    }
    if (n == 0) {
        if (timeout_ms > 0) {
            poll(NULL, 0, timeout_ms < E2E_POLL_SLICE_MS ? timeout_ms : E2E_POLL_SLICE_MS);
        }
        return;
    }
    if (poll(pfd, n, timeout_ms) <= 0) {
        return;
    }
    for (nfds_t i = 0; i < n; i++) {
        if (pfd[i].revents != 0) {
            e2e_capture_read(caps[i]);
        }
    }
}

static void e2e_child_reap(struct e2e_child *c, bool block)
{
    int status = 0;
    if (c->pid <= 0) {
        return;
    }
    pid_t r = waitpid(c->pid, &status, block ? 0 : WNOHANG);
    if (r == c->pid) {
        c->exited = true;
        c->status = WIFEXITED(status)     ? WEXITSTATUS(status)
                    : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                          : -1;
        c->elapsed_ms = e2e_now_ms() - c->started_ms;
        c->pid = 0;
    }
}

bool e2e_child_start(struct e2e_child *c, const char *const *argv, const char *cwd,
                     const char *preload, const char *const *env)
{
    return e2e_child_start_input(c, argv, cwd, preload, env, NULL);
}

bool e2e_child_start_input(struct e2e_child *c, const char *const *argv, const char *cwd,
                           const char *preload, const char *const *env, const char *input)
{
    char *envp[E2E_ENV_MAX];
    char preload_env[4096];
    size_t e = 0;
    int out[2] = {-1, -1};
    int err[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    bool ok = false;

    memset(c, 0, sizeof *c);
    e2e_capture_init(&c->out, -1);
    e2e_capture_init(&c->err, -1);
    c->status = -1;
    for (size_t i = 0; environ[i] != NULL && e + 8 < E2E_ENV_MAX; i++) {
        if (!e2e_env_dropped(environ[i])) {
            envp[e++] = environ[i];
        }
    }
    if (preload != NULL) {
        snprintf(preload_env, sizeof preload_env, "LD_PRELOAD=%s", preload);
        envp[e++] = preload_env;
    }
    for (size_t i = 0; env != NULL && env[i] != NULL && e + 1 < E2E_ENV_MAX; i++) {
        envp[e++] = (char *)env[i];
    }
    envp[e] = NULL;

    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
        fprintf(stderr, "e2e: pipe: %s\n", strerror(errno));
        goto done;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, input != NULL ? input : "/dev/null",
                                     O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
    if (cwd != NULL) {
        posix_spawn_file_actions_addchdir_np(&fa, cwd);
    }
    /* Own process group: a time limit stops everything it started (wine, wineserver clients). */
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    c->started_ms = e2e_now_ms();
    int rc = posix_spawn(&c->pid, argv[0], &fa, &attr, (char *const *)argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        fprintf(stderr, "e2e: cannot start %s: %s\n", argv[0], strerror(rc));
        c->pid = 0;
        goto done;
    }
    e2e_capture_init(&c->out, out[0]);
    e2e_capture_init(&c->err, err[0]);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    out[0] = err[0] = -1;
    ok = true;
done:
    for (int i = 0; i < 2; i++) {
        if (out[i] >= 0) {
            close(out[i]);
        }
        if (err[i] >= 0) {
            close(err[i]);
        }
    }
    return ok;
}

char *e2e_child_next_line(struct e2e_child *c, uint64_t deadline_ms)
{
    for (;;) {
        const char *start = c->out.data != NULL ? c->out.data + c->line_at : NULL;
        const char *nl = start != NULL ? memchr(start, '\n', c->out.len - c->line_at) : NULL;
        if (nl != NULL) {
            size_t n = (size_t)(nl - start);
            char *line = malloc(n + 1);
            if (line != NULL) {
                memcpy(line, start, n);
                line[n] = '\0';
            }
            c->line_at += n + 1;
            return line;
        }
        if (c->out.fd < 0 || e2e_left(deadline_ms) == 0) {
            return NULL;
        }
        e2e_child_pump(c, e2e_left(deadline_ms));
    }
}

int e2e_child_finish(struct e2e_child *c, uint32_t timeout_ms)
{
    uint64_t deadline = e2e_now_ms() + timeout_ms;
    while (!c->exited || c->out.fd >= 0 || c->err.fd >= 0) {
        e2e_child_reap(c, false);
        int left = e2e_left(deadline);
        if (left == 0 && !c->exited && c->pid > 0) {
            c->timed_out = true;
            kill(-c->pid, SIGTERM);
            uint64_t grace = e2e_now_ms() + E2E_TERM_GRACE_MS;
            while (!c->exited && e2e_left(grace) > 0) {
                e2e_child_pump(c, E2E_POLL_SLICE_MS);
                e2e_child_reap(c, false);
            }
            if (!c->exited && c->pid > 0) {
                kill(-c->pid, SIGKILL);
                e2e_child_reap(c, true);
            }
        }
        if (c->exited && e2e_left(deadline) == 0) {
            break; /* a grandchild holds the pipes open: stop reading */
        }
        e2e_child_pump(c, left < E2E_POLL_SLICE_MS ? left : E2E_POLL_SLICE_MS);
    }
    /* Whatever is left in the pipes now. */
    while (c->out.fd >= 0 && poll(&(struct pollfd){.fd = c->out.fd, .events = POLLIN}, 1, 0) > 0) {
        e2e_capture_read(&c->out);
    }
    while (c->err.fd >= 0 && poll(&(struct pollfd){.fd = c->err.fd, .events = POLLIN}, 1, 0) > 0) {
        e2e_capture_read(&c->err);
    }
    return c->status;
}

void e2e_child_free(struct e2e_child *c)
{
    if (c->pid > 0) {
        kill(-c->pid, SIGKILL);
        e2e_child_reap(c, true);
    }
    if (c->out.fd >= 0) {
        close(c->out.fd);
    }
    if (c->err.fd >= 0) {
        close(c->err.fd);
    }
    free(c->out.data);
    free(c->err.data);
    memset(c, 0, sizeof *c);
    c->out.fd = c->err.fd = -1;
}
