/* SPDX-License-Identifier: MIT */
/* mf-bench: MicroFlash against the simulated board at real time (PERFORMANCE.md "The benchmark"),
 * next to the job's lower bound and to the established practice run by the same engine. */
#define _GNU_SOURCE /* mkdtemp */
#include "bench.h"
#include "bench_fw.h"

#include "deflate.h"
#include "image.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MF_BENCH_SIM
#define MF_BENCH_SIM "esp8266-sim"
#endif

#define BENCH_FW_SEED       1u
#define BENCH_BAUDS_MAX     8u
#define BENCH_ROWS_MAX      64u
#define BENCH_QUICK_BAUD    921600u
#define BENCH_EXTRA_BAUD    921600u /* scenario 1 once more with the FT232R adapter */
#define BENCH_TARGET_RATIO  1.15    /* scenario 1: within 1.15 × bound */
#define BENCH_TARGET_S3     1.5     /* scenario 3 at 921600: at most 1.5 s with the connect */
#define BENCH_NOTE_MAX      4096u
#define BENCH_EXIT_FAILED   1
#define BENCH_EXIT_USAGE    2
#define BENCH_ADAPTER_CH340 "ch340"
#define BENCH_ADAPTER_FTDI  "ft232r"

static const uint32_t BENCH_BAUDS[] = {460800u, 921600u, 2000000u};

/* The board a scenario starts from. */
enum bench_start {
    BENCH_START_USED = 0, /* --flash-state used */
    BENCH_START_DIRTY,    /* every byte random (--flash-in of a 4 MB dump) */
    BENCH_START_REFLASH,  /* the used board with the firmware already at 0 */
    BENCH_START_BLANK,
};

struct bench_scenario {
    unsigned id;
    const char *name;
    bool erase_all;
    enum bench_start start;
};

static const struct bench_scenario BENCH_SCENARIOS[] = {
        {1, "erase-all + write, used board", true, BENCH_START_USED},
        {2, "erase-all + write, dirty board", true, BENCH_START_DIRTY},
        {3, "reflash, no erase-all", false, BENCH_START_REFLASH},
        {4, "write, blank board", false, BENCH_START_BLANK},
};
#define BENCH_SCENARIO_COUNT (sizeof BENCH_SCENARIOS / sizeof BENCH_SCENARIOS[0])

struct bench_options {
    const char *sim;
    const char *out;
    const char *work;
    unsigned scenarios; /* bit (id - 1) */
    uint32_t bauds[BENCH_BAUDS_MAX];
    size_t baud_count;
    unsigned seed;
    bool baseline;
    bool verbose;
    bool keep;
};

/* One side (MicroFlash or baseline) of a row. */
struct bench_side {
    bool ran;
    bool ok; /* the job succeeded and left the right flash at the right baud */
    struct bench_outcome outcome;
    struct bench_stats stats;
    char why[BENCH_WHY_MAX];
};

struct bench_row {
    const struct bench_scenario *sc;
    const char *adapter;
    uint32_t baud;
    struct bench_side mf;
    struct bench_side bl;
    const struct bench_bound *bound; /* the job's bound: MicroFlash's run, else the baseline's */
    bool bound_from_baseline;
    bool bound_floor; /* no job at all: the reflash floor (bench_floors) */
    struct bench_bound floor;
    double compressed; /* the job's compressed image, 0 when unknown */
};

struct bench_ctx {
    struct bench_options opt;
    char dir[BENCH_DIR_MAX];
    char seed_text[16];
    char dirty_path[BENCH_PATH_MAX];
    char reflash_path[BENCH_PATH_MAX];
    uint8_t *fw;
    size_t fw_len;
    size_t fw_compressed;
    uint8_t *want_erased;  /* the firmware at 0, every other byte 0xFF */
    uint8_t *want_reflash; /* the used board with the firmware at 0 */
    struct bench_row rows[BENCH_ROWS_MAX];
    size_t row_count;
    char notes[BENCH_NOTE_MAX];
};

static void bench_usage(FILE *f)
{
    fprintf(f,
            "usage: mf-bench [options]\n"
            "MicroFlash against esp8266-sim at real time: each scenario at 460800, 921600 and\n"
            "2000000 baud (CH340), scenario 1 also at 921600 with an FT232R; each next to the\n"
            "job's lower bound and to the established practice (erase, then write).\n"
            "  --quick         one baud: 921600\n"
            "  --scenario N    only scenario N (1-4; repeatable)\n"
            "  --baud B        only B baud (repeatable)\n"
            "  --out FILE      also write the report (Markdown) to FILE\n"
            "  --sim PATH      the esp8266-sim to run [%s]\n"
            "  --seed N        seed of the used board and of the dirty dump [1]\n"
            "  --no-baseline   skip the established-practice runs\n"
            "  --work DIR      folder for dumps and statistics [a new one in $TMPDIR]\n"
            "  --keep          keep the work folder\n"
            "  --verbose       the engine's log on stderr\n"
            "Exit status: 0 when every run worked and left the right flash, 1 when one did not,\n"
            "2 for a bad command line or a failed set-up. Targets are reported, not enforced.\n",
            MF_BENCH_SIM);
}

static bool bench_parse_uint(const char *text, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v > max) {
        return false;
    }
    *out = v;
    return true;
}

static int bench_parse_args(int argc, char **argv, struct bench_options *o)
{
    memset(o, 0, sizeof *o);
    o->sim = MF_BENCH_SIM;
    o->seed = 1;
    o->baseline = true;
    bool quick = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long n = 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            bench_usage(stdout);
            exit(0);
        } else if (strcmp(a, "--quick") == 0) {
            quick = true;
        } else if (strcmp(a, "--no-baseline") == 0) {
            o->baseline = false;
        } else if (strcmp(a, "--verbose") == 0) {
            o->verbose = true;
        } else if (strcmp(a, "--keep") == 0) {
            o->keep = true;
        } else if (v == NULL) {
            fprintf(stderr, "mf-bench: %s: unknown option, or its value is missing\n", a);
            return -1;
        } else if (strcmp(a, "--scenario") == 0 && bench_parse_uint(v, BENCH_SCENARIO_COUNT, &n) &&
                   n >= 1) {
            o->scenarios |= 1u << (n - 1);
            i++;
        } else if (strcmp(a, "--baud") == 0 && bench_parse_uint(v, 4000000ul, &n) && n >= 9600 &&
                   o->baud_count < BENCH_BAUDS_MAX) {
            o->bauds[o->baud_count++] = (uint32_t)n;
            i++;
        } else if (strcmp(a, "--seed") == 0 && bench_parse_uint(v, UINT32_MAX, &n)) {
            o->seed = (unsigned)n;
            i++;
        } else if (strcmp(a, "--out") == 0) {
            o->out = v;
            i++;
        } else if (strcmp(a, "--sim") == 0) {
            o->sim = v;
            i++;
        } else if (strcmp(a, "--work") == 0) {
            o->work = v;
            i++;
        } else {
            fprintf(stderr, "mf-bench: %s %s: not understood (see --help)\n", a, v);
            return -1;
        }
    }
    if (o->scenarios == 0) {
        o->scenarios = (1u << BENCH_SCENARIO_COUNT) - 1u;
    }
    if (o->baud_count == 0) {
        if (quick) {
            o->bauds[o->baud_count++] = BENCH_QUICK_BAUD;
        } else {
            for (size_t k = 0; k < sizeof BENCH_BAUDS / sizeof BENCH_BAUDS[0]; k++) {
                o->bauds[o->baud_count++] = BENCH_BAUDS[k];
            }
        }
    }
    return 0;
}

static void bench_note(struct bench_ctx *x, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void bench_note(struct bench_ctx *x, const char *fmt, ...)
{
    size_t used = strlen(x->notes);
    va_list ap;
    if (used + 2 >= sizeof x->notes) {
        return;
    }
    snprintf(x->notes + used, sizeof x->notes - used, "* ");
    used += 2;
    va_start(ap, fmt);
    vsnprintf(x->notes + used, sizeof x->notes - used, fmt, ap);
    va_end(ap);
    used = strlen(x->notes);
    snprintf(x->notes + used, sizeof x->notes - used, "\n");
}

/* ---- set-up: the firmware and the starting boards ---- */

static bool bench_write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    bool ok = f != NULL && fwrite(data, 1, len, f) == len;
    if (f != NULL) {
        ok = fclose(f) == 0 && ok;
    }
    if (!ok) {
        fprintf(stderr, "mf-bench: cannot write %s\n", path);
    }
    return ok;
}

static int bench_make_firmware(struct bench_ctx *x)
{
    struct image_info info;
    struct mf_error e;
    uint8_t *z = NULL;
    x->fw_len = BENCH_FW_SIZE;
    x->fw = bench_fw_build(x->fw_len, BENCH_FW_SEED);
    if (x->fw == NULL || deflate_buffer(x->fw, x->fw_len, &z, &x->fw_compressed, &e) != MF_OK) {
        fprintf(stderr, "mf-bench: cannot build the firmware\n");
        return -1;
    }
    free(z);
    double ratio = (double)x->fw_compressed / (double)x->fw_len;
    if (image_inspect(x->fw, x->fw_len, &info, &e) != MF_OK || info.format != IMAGE_FORMAT_V1 ||
        !info.micropython || !info.md5_checked) {
        fprintf(stderr, "mf-bench: the generated firmware is not a valid MicroPython image\n");
        return -1;
    }
    if (ratio < BENCH_FW_RATIO_MIN || ratio > BENCH_FW_RATIO_MAX) {
        fprintf(stderr, "mf-bench: the firmware's zlib ratio %.3f is outside %.2f-%.2f\n", ratio,
                BENCH_FW_RATIO_MIN, BENCH_FW_RATIO_MAX);
        return -1;
    }
    fprintf(stderr, "firmware: %zu bytes (%s), zlib -9: %zu bytes, ratio %.3f\n", x->fw_len,
            info.firmware, x->fw_compressed, ratio);
    return 0;
}

static int bench_make_boards(struct bench_ctx *x)
{
    char why[BENCH_WHY_MAX];
    const char *used[] = {"--flash-state", "used", "--seed", x->seed_text, NULL};
    uint8_t *dirty = NULL, *board = NULL;
    int rc = -1;

    x->want_erased = malloc(BENCH_FLASH_SIZE);
    dirty = malloc(BENCH_FLASH_SIZE);
    if (x->want_erased == NULL || dirty == NULL) {
        goto done;
    }
    memset(x->want_erased, 0xFF, BENCH_FLASH_SIZE);
    memcpy(x->want_erased, x->fw, x->fw_len);

    /* Scenario 2: a whole-flash dump of random bytes. */
    bench_fw_random(dirty, BENCH_FLASH_SIZE, x->opt.seed * 2654435761u + 1u);
    snprintf(x->dirty_path, sizeof x->dirty_path, "%s/dirty.bin", x->dir);
    if (!bench_write_file(x->dirty_path, dirty, BENCH_FLASH_SIZE)) {
        goto done;
    }

    /* Scenario 3: the used board as the simulator makes it, with the firmware written at 0 as a
     * write without erase-all leaves it (its sectors erased, then programmed). */
    board = bench_board_snapshot(x->opt.sim, x->dir, used, why, sizeof why);
    if (board == NULL) {
        fprintf(stderr, "mf-bench: the used board: %s\n", why);
        goto done;
    }
    size_t end = (x->fw_len + 4095u) / 4096u * 4096u;
    memset(board, 0xFF, end);
    memcpy(board, x->fw, x->fw_len);
    snprintf(x->reflash_path, sizeof x->reflash_path, "%s/reflash.bin", x->dir);
    if (!bench_write_file(x->reflash_path, board, BENCH_FLASH_SIZE)) {
        goto done;
    }
    x->want_reflash = board;
    board = NULL;
    rc = 0;
done:
    free(dirty);
    free(board);
    return rc;
}

/* ---- the runs ---- */

static size_t bench_start_args(const struct bench_ctx *x, const struct bench_row *row,
                               const char **args)
{
    size_t n = 0;
    args[n++] = "--time-scale";
    args[n++] = "1";
    args[n++] = "--adapter";
    args[n++] = row->adapter;
    switch (row->sc->start) {
    case BENCH_START_USED:
        args[n++] = "--flash-state";
        args[n++] = "used";
        args[n++] = "--seed";
        args[n++] = x->seed_text;
        break;
    case BENCH_START_DIRTY:
        args[n++] = "--flash-in";
        args[n++] = x->dirty_path;
        break;
    case BENCH_START_REFLASH:
        args[n++] = "--flash-in";
        args[n++] = x->reflash_path;
        break;
    case BENCH_START_BLANK: break;
    }
    args[n] = NULL;
    return n;
}

/* One session on a fresh board: the job, then the board's statistics and flash. */
static void bench_side_run(struct bench_ctx *x, struct bench_row *row, bool baseline,
                           struct bench_side *side)
{
    const char *args[16];
    struct bench_board board;
    uint8_t *flash = NULL;
    const uint8_t *want = row->sc->start == BENCH_START_REFLASH ? x->want_reflash : x->want_erased;
    struct bench_job job = {NULL, row->baud, row->sc->erase_all, x->fw, x->fw_len, x->opt.verbose};

    memset(side, 0, sizeof *side);
    side->ran = true;
    bench_start_args(x, row, args);
    if (bench_board_start(&board, x->opt.sim, x->dir, baseline ? "baseline" : "microflash", args,
                          side->why, sizeof side->why) != 0) {
        return;
    }
    job.port = board.port;
    if (baseline) {
        bench_job_baseline(&job, &side->outcome);
    } else {
        bench_job_microflash(&job, &side->outcome);
    }
    int finished = bench_board_finish(&board, &side->stats, &flash, side->why, sizeof side->why);
    if (!side->outcome.ok) {
        snprintf(side->why, sizeof side->why, "%s", side->outcome.why);
    } else if (finished != 0) {
        /* why says what went wrong with the simulator */
    } else if (!bench_flash_check(flash, want, BENCH_FLASH_SIZE, side->why, sizeof side->why)) {
        /* why says what is wrong */
    } else if ((uint32_t)side->stats.max_baud != row->baud) {
        snprintf(side->why, sizeof side->why, "the session's fastest rate was %.0f baud, not %u",
                 side->stats.max_baud, (unsigned)row->baud);
    } else {
        side->ok = true;
    }
    free(flash);
}

static const char *bench_side_name(bool baseline)
{
    return baseline ? "baseline" : "MicroFlash";
}

static void bench_side_report(struct bench_ctx *x, const struct bench_row *row, bool baseline,
                              const struct bench_side *side)
{
    if (side->ok) {
        fprintf(stderr, "  %-10s %7.2f s\n", bench_side_name(baseline), side->outcome.wall_s);
    } else {
        fprintf(stderr, "  %-10s FAILED: %s\n", bench_side_name(baseline), side->why);
        if (side->outcome.log[0] != '\0') {
            fprintf(stderr, "  the engine's last log lines:\n%s", side->outcome.log);
        }
        bench_note(x, "**FAILED** scenario %u, %s, %u baud, %s: %s", row->sc->id, row->adapter,
                   (unsigned)row->baud, bench_side_name(baseline), side->why);
    }
    if (baseline && side->ok && row->sc->erase_all && side->stats.chip_erases < 1) {
        bench_note(x, "scenario %u, %s, %u baud, baseline: the flash ran no chip erase",
                   row->sc->id, row->adapter, (unsigned)row->baud);
    }
    if (side->ran && side->stats.violations > 0) {
        bench_note(x, "scenario %u, %s, %u baud, %s: the board counted %.0f protocol violations",
                   row->sc->id, row->adapter, (unsigned)row->baud, bench_side_name(baseline),
                   side->stats.violations);
    }
}

static void bench_row_run(struct bench_ctx *x, struct bench_row *row, size_t index, size_t count)
{
    fprintf(stderr, "[%zu/%zu] scenario %u (%s), %s, %u baud\n", index + 1, count, row->sc->id,
            row->sc->name, row->adapter, (unsigned)row->baud);
    bench_side_run(x, row, false, &row->mf);
    bench_side_report(x, row, false, &row->mf);
    if (x->opt.baseline) {
        bench_side_run(x, row, true, &row->bl);
        bench_side_report(x, row, true, &row->bl);
    }
    if (row->mf.stats.bound.present) {
        row->bound = &row->mf.stats.bound;
        row->compressed = row->mf.stats.job_compressed;
    } else if (row->bl.stats.bound.present) {
        row->bound = &row->bl.stats.bound;
        row->bound_from_baseline = true;
        row->compressed = row->bl.stats.job_compressed;
        bench_note(x,
                   "scenario %u, %s, %u baud: the simulator derived no job from MicroFlash's "
                   "session (nothing programmed), so the bound is the baseline session's",
                   row->sc->id, row->adapter, (unsigned)row->baud);
    }
    if (row->mf.ok && row->mf.stats.job_length > 0 &&
        (size_t)row->mf.stats.job_length != x->fw_len) {
        bench_note(x,
                   "scenario %u, %s, %u baud: the simulator's job is %.0f bytes long (the "
                   "firmware is %zu): MicroFlash programmed only part of it",
                   row->sc->id, row->adapter, (unsigned)row->baud, row->mf.stats.job_length,
                   x->fw_len);
    }
}

static void bench_plan(struct bench_ctx *x)
{
    for (size_t s = 0; s < BENCH_SCENARIO_COUNT; s++) {
        const struct bench_scenario *sc = &BENCH_SCENARIOS[s];
        bool extra = false;
        if ((x->opt.scenarios & (1u << (sc->id - 1))) == 0) {
            continue;
        }
        for (size_t b = 0; b < x->opt.baud_count && x->row_count < BENCH_ROWS_MAX; b++) {
            struct bench_row *row = &x->rows[x->row_count++];
            memset(row, 0, sizeof *row);
            row->sc = sc;
            row->adapter = BENCH_ADAPTER_CH340;
            row->baud = x->opt.bauds[b];
            extra = extra || (sc->id == 1 && row->baud == BENCH_EXTRA_BAUD);
        }
        if (extra && x->row_count < BENCH_ROWS_MAX) {
            struct bench_row *row = &x->rows[x->row_count++];
            memset(row, 0, sizeof *row);
            row->sc = sc;
            row->adapter = BENCH_ADAPTER_FTDI;
            row->baud = BENCH_EXTRA_BAUD;
        }
    }
}

/* A reflash that finds the image in place programs nothing, and the simulator derives no job
 * (so no bound) from such a session. Its floor is what any flasher must still do: reset and
 * sync, upload the stub, and hash the image (no wire, no flash work): taken from the bound of
 * scenario 4 (same image) at the same adapter and baud. */
static void bench_floors(struct bench_ctx *x)
{
    unsigned floors = 0;
    for (size_t i = 0; i < x->row_count; i++) {
        struct bench_row *row = &x->rows[i];
        if (row->bound != NULL || row->sc->start != BENCH_START_REFLASH) {
            continue;
        }
        for (size_t k = 0; k < x->row_count; k++) {
            const struct bench_row *other = &x->rows[k];
            if (other->sc->start == BENCH_START_BLANK && other->bound != NULL &&
                other->baud == row->baud && strcmp(other->adapter, row->adapter) == 0) {
                const struct bench_bound *b = other->bound;
                memset(&row->floor, 0, sizeof row->floor);
                row->floor.present = true;
                row->floor.reset_sync = b->reset_sync;
                row->floor.stub = b->stub;
                row->floor.verify = b->verify;
                row->floor.total = b->reset_sync + b->stub + b->verify;
                row->bound = &row->floor;
                row->bound_floor = true;
                break;
            }
        }
        if (!row->bound_floor) {
            bench_note(x,
                       "scenario %u, %s, %u baud: nothing was programmed, so the simulator gave "
                       "no bound (run scenario 4 too for the reflash floor)",
                       row->sc->id, row->adapter, (unsigned)row->baud);
        } else {
            floors++;
        }
    }
    if (floors > 0) {
        bench_note(x, "scenario 3: MicroFlash programmed nothing (the image was in place), so the "
                      "simulator derived no job and no bound; the bound marked † is the floor "
                      "reset_sync + stub + verify from scenario 4's bound at the same adapter "
                      "and baud");
    }
}

/* ---- the report ---- */

/* The target of a row, if it has one: its text, and whether it was met. */
static bool bench_target(const struct bench_row *row, char *text, size_t cap, bool *met)
{
    if (!row->mf.ok) {
        return false;
    }
    if (row->sc->id == 1 && row->bound != NULL && row->bound->total > 0) {
        double ratio = row->mf.outcome.wall_s / row->bound->total;
        *met = ratio <= BENCH_TARGET_RATIO;
        snprintf(text, cap, "≤ %.2f × bound: %s", BENCH_TARGET_RATIO, *met ? "met" : "MISSED");
        return true;
    }
    if (row->sc->id == 3 && row->baud == 921600u && strcmp(row->adapter, "ch340") == 0) {
        *met = row->mf.outcome.wall_s <= BENCH_TARGET_S3;
        snprintf(text, cap, "≤ %.1f s: %s", BENCH_TARGET_S3, *met ? "met" : "MISSED");
        return true;
    }
    return false;
}

static void bench_cell_s(FILE *f, const struct bench_side *side)
{
    if (!side->ran) {
        fprintf(f, " — |");
    } else if (side->ok) {
        fprintf(f, " %.2f |", side->outcome.wall_s);
    } else {
        fprintf(f, " FAILED |");
    }
}

static void bench_report(const struct bench_ctx *x, FILE *f)
{
    fprintf(f, "## Results\n\n");
    fprintf(f,
            "Firmware: %zu-byte MicroPython-style ESP8266 V1 image at 0x0, zlib -9 %zu bytes "
            "(ratio %.3f). Simulator: esp8266-sim over RFC 2217, time scale 1 (real time), "
            "4 MB flash, used-board seed %u. Times are wall seconds from the first conn_open to "
            "the end of the hard reset.\n\n",
            x->fw_len, x->fw_compressed, (double)x->fw_compressed / (double)x->fw_len, x->opt.seed);
    fprintf(f, "| Scenario | Adapter | Baud | MicroFlash s | Bound s | MicroFlash / bound | "
               "Target | Baseline s | Baseline / MicroFlash | Flash |\n");
    fprintf(f, "|---|---|---:|---:|---:|---:|---|---:|---:|---|\n");
    for (size_t i = 0; i < x->row_count; i++) {
        const struct bench_row *row = &x->rows[i];
        char target[64] = "—";
        bool met = false;
        (void)bench_target(row, target, sizeof target, &met);
        fprintf(f, "| %u. %s | %s | %u |", row->sc->id, row->sc->name, row->adapter,
                (unsigned)row->baud);
        bench_cell_s(f, &row->mf);
        if (row->bound != NULL) {
            fprintf(f, " %.2f%s |", row->bound->total,
                    row->bound_from_baseline ? "*"
                    : row->bound_floor       ? "†"
                                             : "");
        } else {
            fprintf(f, " — |");
        }
        if (row->bound != NULL && row->mf.ok && row->bound->total > 0) {
            fprintf(f, " %.3f |", row->mf.outcome.wall_s / row->bound->total);
        } else {
            fprintf(f, " — |");
        }
        fprintf(f, " %s |", target);
        bench_cell_s(f, &row->bl);
        if (row->bl.ok && row->mf.ok && row->mf.outcome.wall_s > 0) {
            fprintf(f, " %.2f |", row->bl.outcome.wall_s / row->mf.outcome.wall_s);
        } else {
            fprintf(f, " — |");
        }
        bool flash_ok = row->mf.ok && (!row->bl.ran || row->bl.ok);
        fprintf(f, " %s |\n", flash_ok ? "ok" : "**FAILED**");
    }
    fprintf(f, "\n### The bound's parts (s)\n\n");
    fprintf(f, "bound = reset_sync + stub + max(wire, flash_work) + verify; flash_work = erase + "
               "program.\n\n");
    fprintf(f, "| Scenario | Adapter | Baud | reset_sync | stub | wire | flash_work | (erase | "
               "program) | verify | bound | compressed bytes | MicroFlash connect |\n");
    fprintf(f, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < x->row_count; i++) {
        const struct bench_row *row = &x->rows[i];
        const struct bench_bound *b = row->bound;
        fprintf(f, "| %u. %s | %s | %u |", row->sc->id, row->sc->name, row->adapter,
                (unsigned)row->baud);
        if (b == NULL) {
            fprintf(f, " — | — | — | — | — | — | — | — | — |");
        } else {
            fprintf(f, " %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f%s |", b->reset_sync,
                    b->stub, b->wire, b->flash_work, b->erase, b->program, b->verify, b->total,
                    row->bound_floor ? "†" : "");
            if (row->compressed > 0) {
                fprintf(f, " %.0f |", row->compressed);
            } else {
                fprintf(f, " — |");
            }
        }
        if (row->mf.ok) {
            fprintf(f, " %.3f |\n", row->mf.outcome.connect_s);
        } else {
            fprintf(f, " — |\n");
        }
    }
    if (x->notes[0] != '\0') {
        fprintf(f, "\n### Notes\n\n%s", x->notes);
    }
    fprintf(f,
            "\nTargets: scenario 1 within %.2f × bound at every baud; scenario 3 at 921600 at "
            "most %.1f s including the connect. A * marks a bound taken from the baseline "
            "session, a † the reflash floor (see the notes). MicroFlash connect: its conn_open "
            "alone (reset, sync, detection, stub upload, baud change).\n",
            BENCH_TARGET_RATIO, BENCH_TARGET_S3);
}

/* ---- main ---- */

static int bench_workdir(struct bench_ctx *x)
{
    if (x->opt.work != NULL) {
        snprintf(x->dir, sizeof x->dir, "%s", x->opt.work);
        if (mkdir(x->dir, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "mf-bench: cannot create the work folder %s\n", x->dir);
            return -1;
        }
        return 0;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(x->dir, sizeof x->dir, "%s/mf-bench.XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
    if (mkdtemp(x->dir) == NULL) {
        fprintf(stderr, "mf-bench: cannot create a work folder in %s\n",
                tmp != NULL ? tmp : "/tmp");
        return -1;
    }
    return 0;
}

static void bench_cleanup(struct bench_ctx *x)
{
    if (!x->opt.keep) {
        if (x->dirty_path[0] != '\0') {
            unlink(x->dirty_path);
        }
        if (x->reflash_path[0] != '\0') {
            unlink(x->reflash_path);
        }
        if (x->opt.work == NULL) {
            rmdir(x->dir);
        }
    }
    free(x->fw);
    free(x->want_erased);
    free(x->want_reflash);
}

int main(int argc, char **argv)
{
    static struct bench_ctx x;
    int status = BENCH_EXIT_USAGE;
    if (bench_parse_args(argc, argv, &x.opt) != 0) {
        return BENCH_EXIT_USAGE;
    }
    snprintf(x.seed_text, sizeof x.seed_text, "%u", x.opt.seed);
    if (access(x.opt.sim, X_OK) != 0) {
        fprintf(stderr,
                "mf-bench: the simulator %s is not there (build the linux preset, or "
                "give --sim PATH)\n",
                x.opt.sim);
        return BENCH_EXIT_USAGE;
    }
    if (bench_workdir(&x) != 0) {
        return BENCH_EXIT_USAGE;
    }
    if (bench_make_firmware(&x) != 0 || bench_make_boards(&x) != 0) {
        bench_cleanup(&x);
        return BENCH_EXIT_USAGE;
    }
    bench_plan(&x);
    double t0 = bench_now_s();
    status = 0;
    for (size_t i = 0; i < x.row_count; i++) {
        struct bench_row *row = &x.rows[i];
        bench_row_run(&x, row, i, x.row_count);
        if (!row->mf.ok || (row->bl.ran && !row->bl.ok)) {
            status = BENCH_EXIT_FAILED;
        }
    }
    bench_floors(&x);
    fprintf(stderr, "all runs: %.0f s\n\n", bench_now_s() - t0);
    bench_report(&x, stdout);
    if (x.opt.out != NULL) {
        FILE *f = fopen(x.opt.out, "w");
        if (f == NULL) {
            fprintf(stderr, "mf-bench: cannot write %s\n", x.opt.out);
            status = BENCH_EXIT_FAILED;
        } else {
            bench_report(&x, f);
            if (fclose(f) != 0) {
                status = BENCH_EXIT_FAILED;
            }
        }
    }
    if (status != 0) {
        fprintf(stderr, "mf-bench: AT LEAST ONE RUN FAILED OR LEFT A WRONG FLASH (see above)\n");
    }
    bench_cleanup(&x);
    return status;
}
