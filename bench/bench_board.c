/* SPDX-License-Identifier: MIT */
/* One simulated board per benchmark run: esp8266-sim on RFC 2217 as a child, its statistics
 * (the job's lower bound) read back after QUIT, and its final flash checked byte by byte. */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"

#include "e2e_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_ARGS_MAX 48u
#define BENCH_NS       1e9
#define BENCH_SECTOR   4096u

double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / BENCH_NS;
}

int bench_board_start(struct bench_board *b, const char *sim, const char *dir, const char *tag,
                      const char *const *extra, char *why, size_t why_cap)
{
    const char *args[BENCH_ARGS_MAX];
    size_t n = 0;
    memset(b, 0, sizeof *b);
    snprintf(b->stats_path, sizeof b->stats_path, "%s/%s.stats.json", dir, tag);
    snprintf(b->flash_path, sizeof b->flash_path, "%s/%s.flash.bin", dir, tag);
    unlink(b->stats_path);
    unlink(b->flash_path);
    args[n++] = "--rfc2217";
    args[n++] = "0";
    args[n++] = "--stats";
    args[n++] = b->stats_path;
    args[n++] = "--flash-out";
    args[n++] = b->flash_path;
    for (size_t i = 0; extra != NULL && extra[i] != NULL && n + 1 < BENCH_ARGS_MAX; i++) {
        args[n++] = extra[i];
    }
    args[n] = NULL;
    if (simtest_start(&b->proc, sim, args) != 0) {
        simtest_kill(&b->proc);
        snprintf(why, why_cap, "esp8266-sim (%s) did not start", sim);
        return -1;
    }
    if (strcmp(b->proc.kind, "rfc2217") != 0) {
        simtest_kill(&b->proc);
        snprintf(why, why_cap, "esp8266-sim served %s instead of rfc2217", b->proc.kind);
        return -1;
    }
    snprintf(b->port, sizeof b->port, "rfc2217://127.0.0.1:%s", b->proc.where);
    return 0;
}

static double bench_num(const struct ej_value *v, const char *path)
{
    double x = 0;
    return ej_path_number(v, path, &x) ? x : 0.0;
}

static bool bench_flag(const struct ej_value *v, const char *path)
{
    bool x = false;
    return ej_path_bool(v, path, &x) && x;
}

/* The fields of the statistics the benchmark reports. */
static int bench_stats_parse(const char *text, size_t len, struct bench_stats *st, char *why,
                             size_t why_cap)
{
    const char *error = NULL;
    struct ej_value *v = ej_parse(text, len, &error);
    memset(st, 0, sizeof *st);
    if (v == NULL) {
        snprintf(why, why_cap, "the simulator's statistics are not JSON (%s)",
                 error != NULL ? error : "?");
        return -1;
    }
    st->violations = bench_num(v, "violations.total");
    st->chip_erases = bench_num(v, "flash.erase_chip.count");
    st->max_baud = bench_num(v, "host.max_baud");
    if (!ej_path_is_null(v, "job") && ej_path(v, "job") != NULL) {
        st->job_length = bench_num(v, "job.length");
        st->job_compressed = bench_num(v, "job.compressed_len");
        st->job_baud = bench_num(v, "job.baud");
        st->job_erase_all = bench_flag(v, "job.erase_all");
    }
    if (!ej_path_is_null(v, "bound") && ej_path(v, "bound") != NULL) {
        struct bench_bound *bd = &st->bound;
        bd->present = true;
        bd->reset_sync = bench_num(v, "bound.reset_sync_ns") / BENCH_NS;
        bd->stub = bench_num(v, "bound.stub_ns") / BENCH_NS;
        bd->wire = bench_num(v, "bound.wire_ns") / BENCH_NS;
        bd->erase = bench_num(v, "bound.erase_ns") / BENCH_NS;
        bd->program = bench_num(v, "bound.program_ns") / BENCH_NS;
        bd->flash_work = bench_num(v, "bound.flash_work_ns") / BENCH_NS;
        bd->verify = bench_num(v, "bound.verify_ns") / BENCH_NS;
        bd->total = bench_num(v, "bound.total_ns") / BENCH_NS;
        bd->chip_erase = bench_flag(v, "bound.chip_erase");
    }
    ej_free(v);
    return 0;
}

int bench_board_finish(struct bench_board *b, struct bench_stats *st, uint8_t **flash, char *why,
                       size_t why_cap)
{
    size_t len = 0;
    int rc = 0;
    *flash = NULL;
    if (simtest_quit(&b->proc) != 0) {
        snprintf(why, why_cap,
                 "esp8266-sim did not QUIT cleanly (its output files may be "
                 "missing)");
        return -1;
    }
    uint8_t *text = simtest_read_file(b->stats_path, &len);
    if (text == NULL) {
        snprintf(why, why_cap, "no statistics file %s", b->stats_path);
        return -1;
    }
    rc = bench_stats_parse((const char *)text, len, st, why, why_cap);
    free(text);
    if (rc == 0) {
        *flash = simtest_read_file(b->flash_path, &len);
        if (*flash == NULL || len != BENCH_FLASH_SIZE) {
            snprintf(why, why_cap, "the flash dump %s is missing or not %u bytes", b->flash_path,
                     BENCH_FLASH_SIZE);
            free(*flash);
            *flash = NULL;
            rc = -1;
        }
    }
    unlink(b->stats_path);
    unlink(b->flash_path);
    return rc;
}

uint8_t *bench_board_snapshot(const char *sim, const char *dir, const char *const *extra, char *why,
                              size_t why_cap)
{
    struct bench_board b;
    struct bench_stats st;
    uint8_t *flash = NULL;
    const char *args[BENCH_ARGS_MAX];
    size_t n = 0;
    args[n++] = "--time-scale";
    args[n++] = "0";
    for (size_t i = 0; extra != NULL && extra[i] != NULL && n + 1 < BENCH_ARGS_MAX; i++) {
        args[n++] = extra[i];
    }
    args[n] = NULL;
    if (bench_board_start(&b, sim, dir, "snapshot", args, why, why_cap) != 0 ||
        bench_board_finish(&b, &st, &flash, why, why_cap) != 0) {
        return NULL;
    }
    return flash;
}

bool bench_flash_check(const uint8_t *got, const uint8_t *want, size_t len, char *why,
                       size_t why_cap)
{
    size_t first = len, sectors = 0;
    for (size_t s = 0; s < len; s += BENCH_SECTOR) {
        size_t n = len - s < BENCH_SECTOR ? len - s : BENCH_SECTOR;
        if (memcmp(got + s, want + s, n) == 0) {
            continue;
        }
        sectors++;
        if (first == len) {
            first = s;
            while (got[first] == want[first]) {
                first++;
            }
        }
    }
    if (sectors == 0) {
        return true;
    }
    snprintf(why, why_cap,
             "WRONG FLASH: %zu sector(s) differ from what the job must leave, the first byte at "
             "0x%06zX (0x%02X there, 0x%02X expected)",
             sectors, first, got[first], want[first]);
    return false;
}
