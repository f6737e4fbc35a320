/* SPDX-License-Identifier: MIT */
/* The MicroFlash benchmark's parts: one simulated board per run (esp8266-sim at real time over
 * RFC 2217, its statistics and final flash), and the jobs the engine runs on it. */
#ifndef MF_BENCH_H
#define MF_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "simtest.h"

#define BENCH_FLASH_SIZE (4u * 1024u * 1024u) /* the simulator's default board */
#define BENCH_DIR_MAX    256u                 /* the work folder */
#define BENCH_PATH_MAX   512u                 /* a file in it */
#define BENCH_WHY_MAX    1024u
#define BENCH_LOG_MAX    4096u

/* ---- the simulated board of one run ---- */

/* PERFORMANCE.md's lower bound of the session's job, in seconds (from the simulator). */
struct bench_bound {
    bool present; /* false: the simulator saw no job (nothing programmed) */
    double reset_sync;
    double stub;
    double wire;
    double erase;
    double program;
    double flash_work;
    double verify;
    double total;
    bool chip_erase;
};

/* What the simulator's statistics say about a session. */
struct bench_stats {
    struct bench_bound bound;
    double job_length;     /* bytes of the job's image, 0 when there was no job */
    double job_compressed; /* its zlib -9 size */
    double job_baud;       /* the fastest host rate of the session */
    bool job_erase_all;
    double violations;  /* protocol violations the board counted */
    double chip_erases; /* chip-erase commands the flash ran */
    double max_baud;    /* the fastest rate the client set in the session */
};

struct bench_board {
    struct simtest_proc proc;
    char port[SIMTEST_WHERE_MAX + 32u]; /* rfc2217://127.0.0.1:N */
    char stats_path[BENCH_PATH_MAX];
    char flash_path[BENCH_PATH_MAX];
};

/* Starts esp8266-sim on RFC 2217 with its statistics and flash dump in dir/<tag>.*: `extra` is
 * NULL-terminated (time scale, adapter, starting flash). 0, or -1 with a sentence in why. */
int bench_board_start(struct bench_board *b, const char *sim, const char *dir, const char *tag,
                      const char *const *extra, char *why, size_t why_cap);

/* QUIT (a simulator that does not answer is killed), then reads the statistics and the final flash
 * (*flash malloc'd, BENCH_FLASH_SIZE bytes). 0, or -1 with a sentence in why. */
int bench_board_finish(struct bench_board *b, struct bench_stats *st, uint8_t **flash, char *why,
                       size_t why_cap);

/* The whole flash of a board started with `extra` at time scale 0, right away (the starting
 * contents of a preset). malloc'd, BENCH_FLASH_SIZE bytes; NULL with a sentence in why. */
uint8_t *bench_board_snapshot(const char *sim, const char *dir, const char *const *extra, char *why,
                              size_t why_cap);

/* Compares a final flash with the expected one: true when equal, else a sentence in why (how
 * many sectors differ, the first differing byte). */
bool bench_flash_check(const uint8_t *got, const uint8_t *want, size_t len, char *why,
                       size_t why_cap);

/* ---- the jobs ---- */

struct bench_job {
    const char *port;
    uint32_t baud;
    bool erase_all;
    const uint8_t *fw;
    size_t fw_len;
    bool verbose; /* the engine's log on stderr as it runs */
};

struct bench_outcome {
    bool ok;
    double wall_s;    /* before the first conn_open to after the hard reset */
    double connect_s; /* the (last) conn_open: reset, sync, stub upload, baud change */
    char why[BENCH_WHY_MAX];
    char log[BENCH_LOG_MAX]; /* the engine's last log lines */
};

/* MicroFlash: one session with the stub at job->baud, flasher_write (erase_all as asked,
 * verified by the stub's MD5), hard reset. */
void bench_job_microflash(const struct bench_job *job, struct bench_outcome *out);

/* The established practice with the same engine: for erase_all a first session that has the
 * stub chip-erase (SPI_SET_PARAMS with size 0, ERASE_FLASH), then a second session (reset and
 * stub upload again) that writes without erase-all and resets. */
void bench_job_baseline(const struct bench_job *job, struct bench_outcome *out);

/* Monotonic time in seconds. */
double bench_now_s(void);

#endif
