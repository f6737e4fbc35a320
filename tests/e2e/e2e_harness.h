/* SPDX-License-Identifier: MIT */
/* The end-to-end harness: one case = one esp8266-sim board in a private folder, mflash runs against
 * it (native or under Wine), checks of exit codes, --json events, the board's STATS and flash. */
#ifndef MF_E2E_HARNESS_H
#define MF_E2E_HARNESS_H

#include "e2e_fw.h"
#include "e2e_json.h"
#include "e2e_run.h"
#include "simtest.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the command line gave. */
struct e2e_config {
    const char *sim;    /* esp8266-sim */
    const char *shim;   /* libvserial_shim.so */
    const char *mflash; /* mflash, or mflash.exe with wine_run */
    const char *wine_run;
    const char *wine_prefix;
    unsigned com; /* the COM number Wine maps to the board's pty */
    bool keep;    /* keep the case folder even when it passed */
};

#define E2E_PATH_MAX 512u

/* One case's state. */
struct e2e {
    const struct e2e_config *cfg;
    const char *name;
    char dir[E2E_PATH_MAX];  /* private folder: pty link, files, flash dumps, logs */
    char port[E2E_PATH_MAX]; /* what mflash gets after -p */
    char pty[E2E_PATH_MAX];  /* the pty link, "" for a network endpoint */
    /* mflash's config folder (MICROFLASH_CONFIG_DIR of every run): dir/config, made empty by
     * e2e_init, so the baud memory never comes from another case or the user's home. */
    char config[E2E_PATH_MAX];
    char input[E2E_PATH_MAX]; /* the next mflash run's standard input ("": /dev/null) */
    struct simtest_proc sim;
    bool sim_up;
    int busy_fd; /* a descriptor holding the port locked, -1 */
    /* The last mflash run. */
    struct e2e_child run;
    bool run_done;
    char run_cmd[2048];
    bool run_json;
    struct ej_value **events;
    size_t n_events;
    char json_problem[512]; /* "" when every stdout line was a JSON event */
    bool failed;
};

/* Marks the place of the port in an mflash argument list. */
#define E2E_PORT "\001PORT"
/* A NULL-terminated argument list. */
#define E2E_ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Time limits (ms). */
#define E2E_RUN_MS       120000u /* one mflash run */
#define E2E_SHORT_RUN_MS 60000u  /* a run that fails early or does little */
#define E2E_STATE_MS     10000u  /* the board reaching a state */

bool e2e_init(struct e2e *t, const struct e2e_config *cfg, const char *name);
/* Stops everything; removes the folder when the case passed (and keep is off). */
void e2e_cleanup(struct e2e *t);

/* Records a failure (printf format) with the case's source line (0: found by the harness). */
void e2e_fail(struct e2e *t, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define E2E_CHECK(t, cond, ...)                                                                    \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            e2e_fail((t), __LINE__, __VA_ARGS__);                                                  \
            return false;                                                                          \
        }                                                                                          \
    } while (0)

/* dir/name into out (E2E_PATH_MAX). */
void e2e_path(const struct e2e *t, const char *name, char *out);
/* Writes a blob as dir/name. */
bool e2e_put_file(struct e2e *t, const char *name, const struct e2e_blob *b);

/* ---- the simulated board ---- */

enum e2e_endpoint {
    E2E_PTY = 0,
    E2E_RFC2217,
};

/* Starts esp8266-sim with the endpoint, --time-scale `scale`, --flash-out dir/out.bin, --stats,
 * --log and `extra` (NULL-terminated, may be NULL). */
bool e2e_sim_start(struct e2e *t, enum e2e_endpoint ep, const char *scale,
                   const char *const *extra);
bool e2e_sim_control(struct e2e *t, const char *cmd);
/* The STATS object (free with ej_free), NULL on failure (recorded). */
struct ej_value *e2e_sim_stats(struct e2e *t);
/* A number from STATS by path. */
bool e2e_sim_number(struct e2e *t, const char *path, double *out);
/* The whole flash now (FLASH-OUT to dir/name). */
bool e2e_sim_dump(struct e2e *t, const char *name, struct e2e_blob *out);
/* Polls STATS until board.state is one of `states` (NULL-terminated) or the time is up. */
bool e2e_sim_wait_state(struct e2e *t, const char *const *states, uint32_t timeout_ms);
/* QUIT (status 0) and the flash it wrote (dir/out.bin). */
bool e2e_sim_quit(struct e2e *t, struct e2e_blob *flash);

/* ---- mflash ---- */

/* Starts mflash with args (E2E_PORT replaced by the port), working folder dir. */
bool e2e_mflash_start(struct e2e *t, const char *const *args);
/* The next --json event of the running mflash (owned by t), NULL when none came in time. */
const struct ej_value *e2e_mflash_next_event(struct e2e *t, uint64_t deadline_ms);
/* Waits for the end, collects the events; the exit status (-1 when it did not end). */
int e2e_mflash_finish(struct e2e *t, uint32_t timeout_ms);
/* Start + finish. */
int e2e_mflash(struct e2e *t, uint32_t timeout_ms, const char *const *args);
/* Start + finish with `input` (len bytes, written to dir/stdin.bin) as standard input. */
int e2e_mflash_input(struct e2e *t, uint32_t timeout_ms, const void *input, size_t len,
                     const char *const *args);

/* The nth (from 0) event of a kind from the last run; NULL when there is none. */
const struct ej_value *e2e_event(const struct e2e *t, const char *kind, size_t nth);
const struct ej_value *e2e_last_event(const struct e2e *t);

/* The last run ended with `status`, printed only JSON events, and its last event is a result of
 * `command` with ok true. */
bool e2e_expect_result(struct e2e *t, int line, const char *command);
/* The last run ended with `status` and its last event is an error with ok false, that code id
 * and exit. */
bool e2e_expect_error(struct e2e *t, int line, int status, const char *code);
/* The last run ended with `status` (human output). */
bool e2e_expect_status(struct e2e *t, int line, int status);

/* got == want, else a failure naming the first differing offset. */
bool e2e_expect_bytes(struct e2e *t, int line, const char *what, const uint8_t *got, size_t got_len,
                      const uint8_t *want, size_t want_len);

/* A hex string ("0xc8", "c8", "0x00123456") as a number. */
bool e2e_hex(const char *text, unsigned long *out);

/* Holds the pty exclusively, as another program would (flock + TIOCEXCL). */
bool e2e_hold_port_busy(struct e2e *t);

#endif
