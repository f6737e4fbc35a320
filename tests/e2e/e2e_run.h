/* SPDX-License-Identifier: MIT */
/* Runs a program under test (mflash, or wine-run with mflash.exe) as a child in its own process
 * group with a chosen folder and LD_PRELOAD; captures its output, line by line, with time limits.
 */
#ifndef MF_E2E_RUN_H
#define MF_E2E_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define E2E_ARGS_MAX 64u

struct e2e_capture {
    char *data; /* NUL-terminated */
    size_t len;
    size_t cap;
    int fd; /* -1 once at end of file */
};

struct e2e_child {
    pid_t pid; /* 0 = not started or already reaped */
    struct e2e_capture out;
    struct e2e_capture err;
    size_t line_at; /* stdout before this offset was handed out by e2e_child_next_line */
    bool exited;
    int status;     /* exit code; 128 + signal when killed by one; -1 unknown */
    bool timed_out; /* e2e_child_finish had to stop it */
    uint64_t started_ms;
    uint64_t elapsed_ms;
};

/* Starts argv[0] (a path) with argv, working folder `cwd` (NULL = ours), stdin /dev/null, and an
 * environment without LD_PRELOAD / ESPTOOL_PORT / ESPTOOL_BAUD / MICROFLASH_CONFIG_DIR plus
 * LD_PRELOAD=`preload` when it is not NULL and the "NAME=VALUE" entries of `env` (NULL-terminated,
 * may be NULL). false (message on stderr) when it could not be started. */
bool e2e_child_start(struct e2e_child *c, const char *const *argv, const char *cwd,
                     const char *preload, const char *const *env);
/* The same with standard input read from the file `input` (NULL: /dev/null). */
bool e2e_child_start_input(struct e2e_child *c, const char *const *argv, const char *cwd,
                           const char *preload, const char *const *env, const char *input);
/* The next complete stdout line (malloc'd, without '\n'), waiting until `deadline_ms`
 * (e2e_now_ms clock). NULL at the deadline or when stdout ended without another line. */
char *e2e_child_next_line(struct e2e_child *c, uint64_t deadline_ms);
/* Waits for the end (output read to EOF, exit status) until timeout_ms; past it, SIGTERM to the
 * process group, then SIGKILL. Returns the exit status (see struct e2e_child). */
int e2e_child_finish(struct e2e_child *c, uint32_t timeout_ms);
/* Frees the buffers; kills a child still running. */
void e2e_child_free(struct e2e_child *c);

uint64_t e2e_now_ms(void);

#endif
