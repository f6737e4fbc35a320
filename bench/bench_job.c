/* SPDX-License-Identifier: MIT */
/* The jobs the benchmark times, through the engine's public API: MicroFlash's one session, and
 * the established practice (chip erase in one session, write in a second) by the same engine. */
#include "bench.h"

#include "conn.h"
#include "flasher.h"
#include "proto.h"

#include <stdio.h>
#include <string.h>

#define BENCH_FW_NAME "firmware.bin"

/* Keeps the engine's last log lines (and prints them as they come with --verbose). */
static void bench_log(void *ctx, enum mf_log_level level, const char *text)
{
    struct bench_outcome *out = ctx;
    size_t used = strlen(out->log), need = strlen(text) + 1;
    if (level > MF_LOG_DEBUG) {
        return;
    }
    if (need >= sizeof out->log) {
        return;
    }
    if (used + need >= sizeof out->log) { /* drop the oldest lines */
        size_t drop = used + need - sizeof out->log + 1;
        const char *cut = strchr(out->log + drop, '\n');
        drop = cut != NULL ? (size_t)(cut - out->log) + 1 : used;
        memmove(out->log, out->log + drop, used - drop + 1);
        used -= drop;
    }
    snprintf(out->log + used, sizeof out->log - used, "%s\n", text);
}

static void bench_log_verbose(void *ctx, enum mf_log_level level, const char *text)
{
    if (level <= MF_LOG_DEBUG) {
        fprintf(stderr, "    | %s\n", text);
    }
    bench_log(ctx, level, text);
}

static void bench_fail(struct bench_outcome *out, const char *stage, const struct mf_error *e)
{
    out->ok = false;
    snprintf(out->why, sizeof out->why, "%s: %s", stage,
             e != NULL && e->message[0] != '\0' ? e->message : "failed");
}

static int bench_open(const struct bench_job *job, struct bench_outcome *out, struct conn **c,
                      struct mf_error *e)
{
    struct conn_options o;
    struct mf_hooks hooks = {job->verbose ? bench_log_verbose : bench_log, NULL, NULL, out};
    conn_options_default(&o);
    o.use_stub = true;
    o.stub_baud = job->baud;
    double t0 = bench_now_s();
    int rc = conn_open(job->port, &o, &hooks, c, e);
    out->connect_s = bench_now_s() - t0;
    if (rc != MF_OK) {
        bench_fail(out, "conn_open", e);
    } else if (conn_board(*c)->loader != PROTO_LOADER_STUB) {
        snprintf(out->why, sizeof out->why, "conn_open: the stub did not start");
        rc = MF_ERR_STUB_FAILED;
    }
    return rc;
}

/* Writes the firmware (verified by the stub's MD5) and resets into it; `established` sends it
 * even when the flash holds it already, as the established tools do. */
static int bench_write(const struct bench_job *job, bool erase_all, bool established,
                       struct conn *c, struct bench_outcome *out, struct mf_error *e)
{
    struct flasher_write_options w;
    struct flasher_write_result res;
    const struct flasher_file file = {BENCH_FW_NAME, 0, job->fw, job->fw_len};
    flasher_write_options_default(&w);
    w.erase_all = erase_all;
    w.send_all = established;
    int rc = flasher_write(c, &file, 1, &w, &res, e);
    if (rc != MF_OK) {
        bench_fail(out, "flasher_write", e);
        return rc;
    }
    if (!res.verified) {
        snprintf(out->why, sizeof out->why, "flasher_write: the write was not verified");
        return MF_ERR_VERIFY;
    }
    rc = flasher_after(c, FLASHER_AFTER_HARD_RESET, e);
    if (rc != MF_OK) {
        bench_fail(out, "flasher_after", e);
    }
    return rc;
}

void bench_job_microflash(const struct bench_job *job, struct bench_outcome *out)
{
    struct conn *c = NULL;
    struct mf_error e;
    memset(out, 0, sizeof *out);
    mf_err_clear(&e);
    double t0 = bench_now_s();
    int rc = bench_open(job, out, &c, &e);
    if (rc == MF_OK) {
        rc = bench_write(job, job->erase_all, false, c, out, &e);
    }
    out->wall_s = bench_now_s() - t0;
    out->ok = rc == MF_OK;
    conn_close(c);
}

/* esptool's erase_flash with its stub: SPI_SET_PARAMS with size 0 (the stub does not know the
 * size, so ERASE_FLASH is the chip-erase command), then ERASE_FLASH with the chip-erase
 * timeout. */
static int bench_chip_erase(struct conn *c, struct bench_outcome *out, struct mf_error *e)
{
    struct proto_cmd cmd;
    proto_cmd_spi_set_params(&cmd, 0);
    int rc = conn_command(c, &cmd, 0, NULL, e);
    if (rc != MF_OK) {
        bench_fail(out, "SPI_SET_PARAMS", e);
        return rc;
    }
    proto_cmd_erase_flash(&cmd);
    rc = conn_command(c, &cmd, proto_timeout_ms(PROTO_OP_ERASE_FLASH, PROTO_LOADER_STUB, 0), NULL,
                      e);
    if (rc != MF_OK) {
        bench_fail(out, "ERASE_FLASH", e);
    }
    return rc;
}

void bench_job_baseline(const struct bench_job *job, struct bench_outcome *out)
{
    struct conn *c = NULL;
    struct mf_error e;
    int rc = MF_OK;
    memset(out, 0, sizeof *out);
    mf_err_clear(&e);
    double t0 = bench_now_s();
    if (job->erase_all) {
        rc = bench_open(job, out, &c, &e);
        if (rc == MF_OK) {
            rc = bench_chip_erase(c, out, &e);
        }
        conn_close(c);
        c = NULL;
    }
    if (rc == MF_OK) {
        rc = bench_open(job, out, &c, &e);
    }
    if (rc == MF_OK) {
        rc = bench_write(job, false, true, c, out, &e);
    }
    out->wall_s = bench_now_s() - t0;
    out->ok = rc == MF_OK;
    conn_close(c);
}
