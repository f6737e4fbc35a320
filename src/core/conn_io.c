/* SPDX-License-Identifier: MIT */
/* The connection's I/O: frames in and out through the port, commands matched to their replies,
 * register access, SPI flash commands through the register plan, and modem-line steps. */
#include "conn_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    int port;
    int mf;
} CONN_PORT_ERRORS[] = {
        {PORT_ERR_ARG, MF_ERR_ARG},
        {PORT_ERR_NOT_FOUND, MF_ERR_PORT_NOT_FOUND},
        {PORT_ERR_BUSY, MF_ERR_PORT_BUSY},
        {PORT_ERR_ACCESS, MF_ERR_PORT_ACCESS},
        {PORT_ERR_GONE, MF_ERR_PORT_GONE},
        {PORT_ERR_TIMEOUT, MF_ERR_TIMEOUT},
        {PORT_ERR_UNSUPPORTED, MF_ERR_UNSUPPORTED},
        {PORT_ERR_NO_MEMORY, MF_ERR_NO_MEMORY},
};

int conn_port_code(int port_status)
{
    int code = MF_ERR_IO;
    for (size_t i = 0; i < sizeof CONN_PORT_ERRORS / sizeof CONN_PORT_ERRORS[0]; i++) {
        if (CONN_PORT_ERRORS[i].port == port_status) {
            code = CONN_PORT_ERRORS[i].mf;
        }
    }
    return code;
}

int conn_port_fail(struct mf_error *e, int port_status, const struct port_error *pe)
{
    int code = conn_port_code(port_status);
    mf_err_set(e, code, "%s", pe->message[0] != '\0' ? pe->message : port_status_text(port_status));
    mf_err_set_os(e, port_status, pe->os_error);
    return code;
}

void conn_log(const struct conn *c, enum mf_log_level level, const char *fmt, ...)
{
    char text[MF_ERR_MESSAGE_MAX];
    va_list ap;
    if (c->hooks.log == NULL || (level == MF_LOG_TRACE && !c->opt.trace)) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    c->hooks.log(c->hooks.ctx, level, text);
}

void conn_progress(const struct conn *c, const struct mf_progress *p)
{
    if (c->hooks.progress != NULL) {
        c->hooks.progress(c->hooks.ctx, p);
    }
}

bool conn_cancelled(const struct conn *c)
{
    return c->hooks.cancel != NULL && atomic_load(c->hooks.cancel);
}

const struct conn_board *conn_board(const struct conn *c)
{
    return &c->board;
}

const struct conn_options *conn_options(const struct conn *c)
{
    return &c->opt;
}

struct port *conn_port(struct conn *c)
{
    return c->port;
}

const struct mf_hooks *conn_hooks(const struct conn *c)
{
    return &c->hooks;
}

static void conn_trace(const struct conn *c, const char *dir, const uint8_t *p, size_t n)
{
    char hex[CONN_TRACE_MAX * 3 + 4];
    size_t k = 0;
    if (!c->opt.trace) {
        return;
    }
    for (size_t i = 0; i < n && i < CONN_TRACE_MAX; i++) {
        k += (size_t)snprintf(hex + k, sizeof hex - k, "%02x ", p[i]);
    }
    if (n > CONN_TRACE_MAX) {
        snprintf(hex + k, sizeof hex - k, "...");
    }
    conn_log(c, MF_LOG_TRACE, "%s %zu bytes: %s", dir, n, hex);
}

/* Keeps the printable part of junk for the diagnosis (newest text wins). */
static void conn_keep_text(struct conn *c, const uint8_t *p, size_t n)
{
    struct conn_seen *s = &c->seen;
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        if (!((ch >= 0x20 && ch < 0x7F) || ch == '\n' || ch == '\r')) {
            continue;
        }
        if (s->text_len + 1 >= sizeof s->text) {
            size_t half = sizeof s->text / 2;
            memmove(s->text, s->text + half, s->text_len - half);
            s->text_len -= half;
        }
        s->text[s->text_len++] = (char)ch;
        s->text[s->text_len] = '\0';
    }
}

static void conn_take_junk(struct conn *c)
{
    size_t n;
    const uint8_t *junk = slip_decoder_junk(&c->dec, &n);
    if (n > 0) {
        conn_keep_text(c, junk, n);
        conn_trace(c, "junk", junk, n);
        slip_decoder_clear_junk(&c->dec);
    }
}

static int conn_fill(struct conn *c, uint32_t timeout_ms, struct mf_error *e)
{
    struct port_error pe;
    size_t got = 0;
    int rc = port_read(c->port, c->rx, sizeof c->rx, timeout_ms, &got, &pe);
    c->rx_pos = 0;
    c->rx_len = got;
    c->seen.bytes += got;
    if (rc == PORT_ERR_TIMEOUT) {
        return MF_ERR_TIMEOUT;
    }
    if (rc != PORT_OK) {
        c->seen.port_gone = c->seen.port_gone || rc == PORT_ERR_GONE;
        return conn_port_fail(e, rc, &pe);
    }
    return MF_OK;
}

int conn_read_frame(struct conn *c, uint32_t timeout_ms, const uint8_t **frame, size_t *len,
                    struct mf_error *e)
{
    uint64_t deadline = port_clock_ms() + timeout_ms;
    for (;;) {
        while (c->rx_pos < c->rx_len) {
            size_t used = 0;
            enum slip_event ev =
                    slip_decoder_feed(&c->dec, c->rx + c->rx_pos, c->rx_len - c->rx_pos, &used);
            c->rx_pos += used;
            if (ev == SLIP_EV_JUNK_FULL) {
                conn_take_junk(c);
            } else if (ev == SLIP_EV_FRAME) {
                conn_take_junk(c);
                *frame = slip_decoder_frame(&c->dec, len);
                conn_trace(c, "read", *frame, *len);
                return MF_OK;
            }
        }
        conn_take_junk(c);
        uint64_t now = port_clock_ms();
        if (now >= deadline) {
            return MF_ERR_TIMEOUT;
        }
        int rc = conn_fill(c, (uint32_t)(deadline - now), e);
        if (rc != MF_OK && rc != MF_ERR_TIMEOUT) {
            return rc;
        }
    }
}

int conn_drain(struct conn *c, uint32_t timeout_ms, struct mf_error *e)
{
    uint64_t deadline = port_clock_ms() + timeout_ms;
    int rc = MF_OK;
    for (;;) {
        const uint8_t *frame;
        size_t len;
        uint64_t now = port_clock_ms();
        rc = conn_read_frame(c, now >= deadline ? 0u : (uint32_t)(deadline - now), &frame, &len, e);
        if (rc == MF_OK) {
            struct proto_response r;
            if (proto_response_parse(frame, len, 0, &r) == MF_OK) {
                c->seen.loader_frames++;
            }
            continue;
        }
        break;
    }
    slip_decoder_reset(&c->dec);
    return rc == MF_ERR_TIMEOUT ? MF_OK : rc;
}

int conn_write_raw(struct conn *c, const uint8_t *data, size_t len, struct mf_error *e)
{
    struct port_error pe;
    conn_trace(c, "write", data, len);
    int rc = port_write(c->port, data, len, CONN_WRITE_MS, &pe);
    if (rc != PORT_OK) {
        c->seen.port_gone = c->seen.port_gone || rc == PORT_ERR_GONE;
        return conn_port_fail(e, rc, &pe);
    }
    return MF_OK;
}

int conn_send(struct conn *c, const struct proto_cmd *cmd, struct mf_error *e)
{
    size_t n = proto_cmd_frame(cmd, c->tx, sizeof c->tx);
    if (n == 0) {
        mf_err_set_command(e, cmd->op, proto_op_name(cmd->op));
        return mf_err_set(e, MF_ERR_ARG, "%s is too large to send.", proto_op_name(cmd->op));
    }
    int rc = conn_write_raw(c, c->tx, n, e);
    if (rc != MF_OK) {
        mf_err_set_command(e, cmd->op, proto_op_name(cmd->op));
    }
    return rc;
}

int conn_command(struct conn *c, const struct proto_cmd *cmd, uint32_t timeout_ms,
                 struct proto_response *r, struct mf_error *e)
{
    const char *name = proto_op_name(cmd->op);
    const struct proto_op_info *info = proto_op_info(cmd->op);
    struct proto_response local;
    int rc = conn_send(c, cmd, e);
    if (r == NULL) {
        r = &local;
    }
    if (rc != MF_OK || (info != NULL && (info->flags & PROTO_OPF_NO_REPLY) != 0)) {
        return rc;
    }
    if (timeout_ms == 0) {
        timeout_ms = proto_timeout_ms(cmd->op, c->board.loader, 0);
    }
    uint64_t deadline = port_clock_ms() + timeout_ms;
    for (unsigned skipped = 0; skipped < CONN_SKIP_MAX; skipped++) {
        const uint8_t *frame;
        size_t len;
        uint64_t now = port_clock_ms();
        rc = conn_read_frame(c, now >= deadline ? 0u : (uint32_t)(deadline - now), &frame, &len, e);
        if (rc == MF_ERR_TIMEOUT) {
            mf_err_set_command(e, cmd->op, name);
            return mf_err_set(e, MF_ERR_TIMEOUT,
                              "%s got no reply within %.1f s: the board stopped answering. Check "
                              "the cable and the power supply, or try a lower baud rate.",
                              name, (double)timeout_ms / 1000.0);
        }
        if (rc != MF_OK) {
            mf_err_set_command(e, cmd->op, name);
            return rc;
        }
        enum proto_match m = proto_response_match(frame, len, cmd->op, r);
        if (m == PROTO_MATCH_SKIP) {
            continue;
        }
        c->seen.loader_frames++;
        return proto_response_check(r, cmd->op, c->board.loader, e);
    }
    mf_err_set_command(e, cmd->op, name);
    return mf_err_set(e, MF_ERR_PROTOCOL,
                      "%s: %u frames came back, none of them its reply. The link is garbling "
                      "data: try a lower baud rate or another cable.",
                      name, CONN_SKIP_MAX);
}

int conn_read_reg(struct conn *c, uint32_t addr, uint32_t *value, struct mf_error *e)
{
    struct proto_cmd cmd;
    struct proto_response r;
    proto_cmd_read_reg(&cmd, addr);
    int rc = conn_command(c, &cmd, 0, &r, e);
    if (rc == MF_OK) {
        *value = r.value;
    }
    return rc;
}

int conn_write_reg(struct conn *c, uint32_t addr, uint32_t value, struct mf_error *e)
{
    struct proto_cmd cmd;
    proto_cmd_write_reg(&cmd, addr, value, 0xFFFFFFFFu, 0);
    return conn_command(c, &cmd, 0, NULL, e);
}

static int conn_reg_read_cb(void *ctx, uint32_t addr, uint32_t *value, struct mf_error *e)
{
    return conn_read_reg(ctx, addr, value, e);
}

static int conn_reg_write_cb(void *ctx, uint32_t addr, uint32_t value, struct mf_error *e)
{
    return conn_write_reg(ctx, addr, value, e);
}

int conn_spi_command(struct conn *c, const struct chip_spi_cmd *cmd, uint32_t *result,
                     struct mf_error *e)
{
    struct chip_reg_op ops[CHIP_SPI_PLAN_MAX];
    uint32_t slots[CHIP_REG_SLOTS] = {0};
    const struct chip_reg_io io = {conn_reg_read_cb, conn_reg_write_cb, c};
    size_t n = 0;
    int rc = chip_spi_plan(cmd, ops, CHIP_SPI_PLAN_MAX, &n, e);
    if (rc == MF_OK) {
        rc = chip_reg_plan_run(ops, n, &io, slots, e);
    }
    if (rc == MF_OK && result != NULL) {
        *result = slots[CHIP_SPI_SLOT_RESULT];
    }
    return rc;
}

int conn_run_steps(struct conn *c, const struct conn_step *steps, size_t n, struct mf_error *e)
{
    struct port_error pe;
    int rc = MF_OK;
    for (size_t i = 0; i < n && rc == MF_OK; i++) {
        const struct conn_step *s = &steps[i];
        int prc = PORT_OK;
        switch (s->kind) {
        case CONN_STEP_DTR: prc = port_set_dtr(c->port, s->dtr, &pe); break;
        case CONN_STEP_RTS: prc = port_set_rts(c->port, s->rts, &pe); break;
        case CONN_STEP_LINES: prc = port_set_lines(c->port, s->dtr, s->rts, &pe); break;
        case CONN_STEP_WAIT: rc = conn_drain(c, s->ms, e); break;
        }
        if (prc != PORT_OK) {
            c->seen.port_gone = c->seen.port_gone || prc == PORT_ERR_GONE;
            rc = conn_port_fail(e, prc, &pe);
        }
    }
    return rc;
}
