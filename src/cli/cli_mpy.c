/* SPDX-License-Identifier: MIT */
/* mflash fs (ls, put, get, rm) through src/mpy's raw REPL, with progress and Ctrl-C, and mflash
 * repl: the console and the board's UART joined until Ctrl-] (or the end of piped input). */
#include "cli_mpy.h"

#include "cli_files.h"
#include "cli_platform.h"
#include "chip_esp8266.h"
#include "conn.h"
#include "mpy.h"
#include "port.h"

#include <stdlib.h>
#include <string.h>

enum {
    CLI_REPL_POLL_MS = 5,     /* each side of the terminal loop waits at most this long */
    CLI_REPL_IDLE_MS = 50,    /* ... once the input ended: only the board is waited for */
    CLI_REPL_CHUNK = 4096,    /* bytes moved at a time */
    CLI_REPL_QUIT = 0x1D,     /* Ctrl-] */
    CLI_REPL_WRITE_MS = 2000, /* a byte for the board must leave within this */
    CLI_MPY_PERMILLE = 1000,
    CLI_MPY_MS_PER_S = 1000,
};

#define CLI_MPY_KBIT 125.0 /* bytes per second in one kbit/s */

/* How src/mpy's failures and the port's end in mflash's codes (and so its exit codes). */
static const struct {
    int mpy;
    int mf;
} CLI_MPY_CODES[] = {
        {MPY_ERR_ARG, MF_ERR_ARG},
        {MPY_ERR_TIMEOUT, MF_ERR_TIMEOUT},
        {MPY_ERR_NO_REPL, MF_ERR_NO_REPL},
        {MPY_ERR_PYTHON, MF_ERR_DEVICE},
        {MPY_ERR_NOT_FOUND, MF_ERR_NO_FILE},
        {MPY_ERR_NO_MEMORY, MF_ERR_NO_MEMORY},
        {MPY_ERR_CANCELLED, MF_ERR_CANCELLED},
        {MPY_ERR_PROTOCOL, MF_ERR_PROTOCOL},
};

static int cli_mpy_fail(const struct mpy_error *me, struct mf_error *e)
{
    int code = me->status == MPY_ERR_PORT ? conn_port_code(me->port_status) : MF_ERR_IO;
    for (size_t i = 0; i < sizeof CLI_MPY_CODES / sizeof CLI_MPY_CODES[0]; i++) {
        code = CLI_MPY_CODES[i].mpy == me->status ? CLI_MPY_CODES[i].mf : code;
    }
    mf_err_set(e, code, "%s", me->message[0] != '\0' ? me->message : mpy_status_text(me->status));
    e->port_status = me->port_status;
    return code;
}

static uint32_t cli_mpy_baud(const struct cli_args *a)
{
    return a->baud == CLI_BAUD_AUTO ? CLI_MPY_BAUD : a->baud;
}

/* Opens the port as it is: DTR and RTS stay de-asserted, so the board is not reset. */
static int cli_mpy_open(const struct cli_args *a, const char *name, struct port **port,
                        struct mf_error *e)
{
    struct port_error pe;
    int rc = port_open(name, cli_mpy_baud(a), port, &pe);
    if (rc != PORT_OK) {
        *port = NULL;
        int code = conn_port_code(rc);
        mf_err_set(e, code, "%s", pe.message[0] != '\0' ? pe.message : port_status_text(rc));
        mf_err_set_os(e, rc, pe.os_error);
        return code;
    }
    return MF_OK;
}

/* ---- fs ---- */

struct cli_fs_job {
    const struct cli_args *args;
    struct cli_out *out;
    enum mf_stage stage;
    char label[CLI_LABEL_MAX];
    uint64_t start_ms;
};

/* src/mpy's progress as the engine's (bar, plain lines or JSON); Ctrl-C stops the transfer. */
static bool cli_fs_progress(void *ctx, size_t done, size_t total)
{
    struct cli_fs_job *job = ctx;
    uint64_t now = port_clock_ms(), spent = now - job->start_ms;
    struct mf_progress p;
    memset(&p, 0, sizeof p);
    p.stage = job->stage;
    p.label = job->label;
    p.done = done;
    p.total = total;
    p.rate = spent > 0 ? (uint32_t)((uint64_t)done * CLI_MPY_MS_PER_S / spent) : 0u;
    p.eta_ms = p.rate > 0 && total >= done
                       ? (uint32_t)((uint64_t)(total - done) * CLI_MPY_MS_PER_S / p.rate)
                       : UINT32_MAX;
    p.overall =
            total > 0 ? (uint32_t)((uint64_t)done * CLI_MPY_PERMILLE / total) : CLI_MPY_PERMILLE;
    cli_out_progress(job->out, &p, now);
    return !cli_platform_cancel_requested();
}

static double cli_fs_seconds(const struct cli_fs_job *job)
{
    return (double)(port_clock_ms() - job->start_ms) / CLI_MPY_MS_PER_S;
}

static int cli_fs_ls(struct cli_fs_job *job, struct mpy *m, struct mpy_error *me)
{
    struct mpy_entry *list = NULL;
    size_t count = 0;
    int rc = mpy_fs_list(m, job->args->remote, &list, &count, me);
    for (size_t i = 0; rc == MPY_OK && i < count; i++) {
        cli_out_fs_entry(job->out, list[i].name, list[i].is_dir, list[i].size);
    }
    if (rc == MPY_OK && count == 0 && !job->out->json) {
        cli_out_info(job->out, "%s is empty.", job->args->remote);
    }
    free(list);
    return rc;
}

static int cli_fs_put(struct cli_fs_job *job, struct mpy *m, const uint8_t *data, size_t size,
                      struct mpy_error *me)
{
    const struct cli_args *a = job->args;
    int rc = mpy_fs_put(m, a->remote, data, size, me);
    if (rc == MPY_OK) {
        double s = cli_fs_seconds(job);
        cli_out_info(job->out, "Wrote %zu bytes to %s in %.1f seconds (%.1f kbit/s).", size,
                     a->remote, s, s > 0 ? (double)size / CLI_MPY_KBIT / s : 0.0);
    }
    return rc;
}

static int cli_fs_get(struct cli_fs_job *job, struct mpy *m, size_t *bytes, struct mpy_error *me,
                      struct mf_error *e)
{
    const struct cli_args *a = job->args;
    void *data = NULL;
    size_t size = 0;
    int rc = mpy_fs_get(m, a->remote, &data, &size, me);
    if (rc == MPY_OK && cli_file_write(a->local, data, size, e) != MF_OK) {
        rc = MPY_ERR_ARG;
        me->status = MPY_OK; /* e holds the failure already */
    } else if (rc == MPY_OK) {
        *bytes = size;
        cli_out_info(job->out, "Read %zu bytes from %s into %s in %.1f seconds.", size, a->remote,
                     a->local, cli_fs_seconds(job));
    }
    free(data);
    return rc;
}

int cli_mpy_fs(const struct cli_args *a, const char *port_name, struct cli_out *out,
               struct cli_result *r, struct mf_error *e)
{
    struct cli_fs_job job;
    struct mpy_options o;
    struct mpy_error me;
    struct port *port = NULL;
    struct mpy *m = NULL;
    uint8_t *data = NULL;
    size_t size = 0;
    int rc = MF_OK, mrc = MPY_OK;

    memset(&job, 0, sizeof job);
    memset(&me, 0, sizeof me);
    job.args = a;
    job.out = out;
    if (a->fs_op == CLI_FS_PUT) {
        /* the file first: a missing one never touches the board */
        rc = cli_file_read(a->local, CHIP_FLASH_SIZE_MAX, &data, &size, e);
        snprintf(job.label, sizeof job.label, "Writing %s to %s", a->local, a->remote);
        job.stage = MF_STAGE_WRITE;
    } else if (a->fs_op == CLI_FS_GET) {
        snprintf(job.label, sizeof job.label, "Reading %s into %s", a->remote, a->local);
        job.stage = MF_STAGE_READ;
    }
    if (rc == MF_OK) {
        rc = cli_mpy_open(a, port_name, &port, e);
    }
    if (rc == MF_OK) {
        mpy_options_default(&o);
        o.progress = cli_fs_progress;
        o.progress_ctx = &job;
        m = mpy_new(port, &o);
        rc = m != NULL ? MF_OK : mf_err_set(e, MF_ERR_NO_MEMORY, "Out of memory.");
    }
    job.start_ms = port_clock_ms();
    if (rc == MF_OK) {
        switch (a->fs_op) {
        case CLI_FS_LS: mrc = cli_fs_ls(&job, m, &me); break;
        case CLI_FS_PUT: mrc = cli_fs_put(&job, m, data, size, &me); break;
        case CLI_FS_GET: mrc = cli_fs_get(&job, m, &size, &me, e); break;
        case CLI_FS_RM:
            mrc = mpy_fs_remove(m, a->remote, &me);
            if (mrc == MPY_OK) {
                cli_out_info(out, "Removed %s.", a->remote);
            }
            break;
        }
        if (mrc != MPY_OK) {
            rc = me.status != MPY_OK ? cli_mpy_fail(&me, e) : e->code;
        }
    }
    mpy_free(m); /* back to the friendly REPL */
    port_close(port);
    free(data);
    r->remote = a->remote;
    r->file = a->local;
    r->has_bytes = a->fs_op == CLI_FS_PUT || a->fs_op == CLI_FS_GET;
    r->bytes = size;
    return rc;
}

/* ---- repl ---- */

/* Hands input to the board; Ctrl-] ends the session (*quit). */
static int cli_repl_send(struct port *port, const uint8_t *buf, size_t n, bool *quit,
                         struct mf_error *e)
{
    struct port_error pe;
    const uint8_t *stop = memchr(buf, CLI_REPL_QUIT, n);
    size_t len = stop != NULL ? (size_t)(stop - buf) : n;
    int rc = len > 0 ? port_write(port, buf, len, CLI_REPL_WRITE_MS, &pe) : PORT_OK;
    *quit = stop != NULL;
    if (rc != PORT_OK) {
        int code = conn_port_code(rc);
        mf_err_set(e, code, "%s", rc == PORT_ERR_GONE ? "The board was unplugged." : pe.message);
        mf_err_set_os(e, rc, pe.os_error);
        return code;
    }
    return MF_OK;
}

/* The board's output to the console; MF_OK also when nothing came. *got tells. */
static int cli_repl_receive(struct port *port, struct cli_term *term, uint32_t wait_ms, size_t *got,
                            struct mf_error *e)
{
    uint8_t buf[CLI_REPL_CHUNK];
    struct port_error pe;
    int rc = port_read(port, buf, sizeof buf, wait_ms, got, &pe);
    if (rc == PORT_ERR_TIMEOUT) {
        return MF_OK;
    }
    if (rc != PORT_OK) {
        int code = conn_port_code(rc);
        mf_err_set(e, code, "%s",
                   rc == PORT_ERR_GONE ? "The board was unplugged: its port disappeared. Plug it "
                                         "back in and run mflash repl again."
                                       : pe.message);
        mf_err_set_os(e, rc, pe.os_error);
        return code;
    }
    if (!cli_platform_term_write(term, buf, *got)) {
        return mf_err_set(e, MF_ERR_IO,
                          "The board's output could not be written to standard "
                          "output.");
    }
    return MF_OK;
}

int cli_mpy_repl(const struct cli_args *a, const char *port_name, struct cli_out *out,
                 struct mf_error *e)
{
    struct port *port = NULL;
    struct cli_term *term = NULL;
    bool interactive = false, ended = false, quit = false;
    uint64_t quiet_from = 0;
    int rc = MF_OK;

    if (out->json) {
        return mf_err_set(e, MF_ERR_ARG,
                          "repl shows the board's own text, so --json does not apply to it: run "
                          "'mflash repl' without --json.");
    }
    rc = cli_mpy_open(a, port_name, &port, e);
    if (rc == MF_OK) {
        term = cli_platform_term_open(&interactive);
        rc = term != NULL ? MF_OK
                          : mf_err_set(e, MF_ERR_IO,
                                       "The console could not be set up for the "
                                       "terminal.");
    }
    if (rc == MF_OK) {
        fprintf(out->err, "Connected to %s at %u. Ctrl-] to quit.%s", port_name,
                (unsigned)cli_mpy_baud(a), interactive ? "\r\n" : "\n");
        fflush(out->err);
    }
    while (rc == MF_OK && !quit) {
        uint8_t buf[CLI_REPL_CHUNK];
        size_t got = 0;
        rc = cli_repl_receive(port, term, ended ? CLI_REPL_IDLE_MS : CLI_REPL_POLL_MS, &got, e);
        uint64_t now = port_clock_ms();
        quiet_from = got > 0 ? now : quiet_from;
        if (rc == MF_OK && !ended) {
            long n = cli_platform_term_read(term, buf, sizeof buf, CLI_REPL_POLL_MS);
            ended = n < 0;
            quiet_from = ended ? now : quiet_from;
            if (n > 0) {
                rc = cli_repl_send(port, buf, (size_t)n, &quit, e);
            }
        }
        if (rc == MF_OK && cli_platform_cancel_requested()) {
            rc = mf_err_set(e, MF_ERR_CANCELLED, "Stopped (Ctrl-C).");
        }
        /* piped input is over and the board has had its say; a terminal that ends is closed */
        quit = quit || (ended && (interactive || now - quiet_from >= a->quiet_ms));
    }
    if (term != NULL && interactive) {
        fprintf(out->err, "\r\nDisconnected from %s.\r\n", port_name);
    }
    cli_platform_term_close(term);
    port_close(port);
    return rc;
}
