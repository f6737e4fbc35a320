/* SPDX-License-Identifier: MIT */
/* The stub-mode runner behind board_stub_hooks: starts the host-compiled stub on the board, feeds
 * it bytes as its UART interrupt would, and polls it when its CPU is free again in virtual time. */
#include "sim_stub.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hal_board.h"
#include "simtime.h"
#include "stub.h"
#include "stub_blob.h"
#include "stub_layout.h"

/* Position in a received frame, for the statistics by opcode. */
enum sim_stub_pos {
    SIM_STUB_POS_DIR,    /* next byte: direction */
    SIM_STUB_POS_OP,     /* next byte: opcode */
    SIM_STUB_POS_PAYLOAD /* the rest, up to END */
};

struct sim_stub {
    struct hal hal;
    struct stub *stub; /* NULL while the stub is not running */
    enum stub_poll_result last;
    bool kicked;      /* a frame ended since the last poll */
    uint64_t kick_ns; /* when */
    enum sim_stub_pos pos;
    uint8_t dir;
    struct sim_stub_stats stats;
};

static void sim_stub_add_costs(struct sim_stub_stats *st, const struct hal *h)
{
    for (unsigned k = 0; k < HAL_COST_COUNT; k++)
        st->cpu_ns[k] += h->cost_ns[k];
    st->flash_wait_ns += h->flash_wait_ns;
}

static void sim_stub_stop(void *ctx)
{
    struct sim_stub *s = ctx;

    if (s->stub == NULL)
        return;
    sim_stub_add_costs(&s->stats, &s->hal);
    free(s->stub);
    s->stub = NULL;
}

static bool sim_stub_start(void *ctx, struct board *b, uint32_t entry, uint64_t t_ns)
{
    struct sim_stub *s = ctx;
    const struct stub_blob *blob = stub_blob();
    const struct stub_blob_segment *segs[] = {&blob->text, &blob->data};
    const char *const names[] = {"text", "data"};
    bool ok = false;

    if (entry != STUB_LAYOUT_ENTRY || entry != blob->entry) {
        board_logf(b, t_ns, "stub model: entry 0x%08x is not MicroFlash's stub entry 0x%08x",
                   (unsigned)entry, (unsigned)blob->entry);
        goto done; /* not MicroFlash's stub: code the model cannot run */
    }
    /* The entry alone does not make it our stub: another loader placed there (esptool-js's own,
     * an older build of ours) is code the model cannot run either. It runs the logic only when
     * RAM holds exactly the blob the engine uploads, both segments at their addresses. */
    for (size_t i = 0; i < sizeof segs / sizeof segs[0]; i++) {
        const struct stub_blob_segment *g = segs[i];
        const uint8_t *ram = sim_chip_ram(board_chip(b), g->addr, g->size);
        uint32_t at = 0;

        if (ram == NULL) {
            board_logf(b, t_ns, "stub model: the stub's %s (0x%08x, %u bytes) is not in RAM",
                       names[i], (unsigned)g->addr, (unsigned)g->size);
            goto done;
        }
        while (at < g->size && ram[at] == g->data[at])
            at++;
        if (at < g->size) {
            board_logf(b, t_ns,
                       "stub model: RAM at 0x%08x differs from MicroFlash's stub %s "
                       "(0x%08x, %u bytes) at offset %u: not our stub",
                       (unsigned)(g->addr + at), names[i], (unsigned)g->addr, (unsigned)g->size,
                       (unsigned)at);
            goto done;
        }
    }
    sim_stub_stop(s);
    s->stub = malloc(sizeof *s->stub);
    if (s->stub == NULL)
        goto done;
    hal_board_init(&s->hal, b, t_ns);
    /* The stub's main attaches the SPI flash before its loop (hal_esp8266_flash_start; the
     * established stub does the same, protocol doc §8.2): register flash commands need no
     * SPI_ATTACH. */
    (void)hal_flash_attach(&s->hal, 0);
    stub_init(s->stub, &s->hal);
    s->last = STUB_POLL_IDLE;
    s->kicked = false;
    s->pos = SIM_STUB_POS_DIR;
    s->stats.starts++;
    stub_greet(s->stub);
    ok = true;
done:
    return ok;
}

static void sim_stub_count(struct sim_stub *s, struct board *b, uint8_t byte)
{
    if (byte == STUB_SLIP_END) {
        s->pos = SIM_STUB_POS_DIR;
        return;
    }
    switch (s->pos) {
    case SIM_STUB_POS_DIR:
        s->dir = byte;
        s->pos = SIM_STUB_POS_OP;
        break;
    case SIM_STUB_POS_OP:
        /* READ_FLASH's acks are raw frames, not commands */
        if (s->dir == STUB_DIR_REQUEST && s->stub->job != STUB_JOB_READ)
            board_chip_command(b, byte);
        s->pos = SIM_STUB_POS_PAYLOAD;
        break;
    case SIM_STUB_POS_PAYLOAD: break;
    }
}

static void sim_stub_rx(void *ctx, struct board *b, uint64_t t_ns, uint8_t byte)
{
    struct sim_stub *s = ctx;

    if (s->stub == NULL)
        return;
    stub_rx_byte(s->stub, byte); /* the UART interrupt: runs even while the main loop is busy */
    sim_stub_count(s, b, byte);
    if (byte == STUB_SLIP_END && !s->kicked) {
        s->kicked = true;
        s->kick_ns = t_ns;
    }
}

static uint64_t sim_stub_deadline(void *ctx)
{
    struct sim_stub *s = ctx;
    uint64_t t = SIM_TIME_NEVER;

    if (s->stub == NULL)
        goto done;
    if (s->hal.exit != HAL_BOARD_RUNNING) {
        t = s->hal.now_ns; /* it leaves once its last wait is over */
        goto done;
    }
    switch (s->last) {
    case STUB_POLL_BUSY: t = s->hal.now_ns; break;
    case STUB_POLL_FLASH_WAIT:
        t = sim_time_max(s->hal.now_ns, sim_flash_busy_until(board_flash(s->hal.board)));
        break;
    case STUB_POLL_IDLE: break;
    case STUB_POLL_GONE: goto done;
    }
    /* a frame that ended wakes it (also during a background erase), and so does a deadline */
    if (s->kicked)
        t = sim_time_min(t, sim_time_max(s->hal.now_ns, s->kick_ns));
    t = sim_time_min(t, hal_board_wake_ns(&s->hal));
done:
    return t;
}

static uint64_t sim_stub_host_timer(void *ctx)
{
    struct sim_stub *s = ctx;

    return s->stub != NULL && s->hal.exit == HAL_BOARD_RUNNING ? hal_board_wake_ns(&s->hal)
                                                               : SIM_TIME_NEVER;
}

/* The stub left: the chip does what it asked for at the time the stub got there. Each board call
 * stops the stub (stop() above), so nothing touches it afterwards. */
static void sim_stub_leave(struct sim_stub *s, struct board *b)
{
    uint64_t t = s->hal.now_ns;
    uint32_t entry = s->hal.jump_entry;
    enum hal_board_exit exit = s->hal.exit;

    sim_stub_stop(s);
    switch (exit) {
    case HAL_BOARD_REBOOT: board_chip_software_reset(b, t); break;
    case HAL_BOARD_USER_CODE: board_chip_run_user_code(b, t); break;
    case HAL_BOARD_JUMP: board_chip_jump(b, t, entry); break;
    case HAL_BOARD_RUNNING: break;
    }
}

static void sim_stub_run(void *ctx, struct board *b, uint64_t t_ns)
{
    struct sim_stub *s = ctx;

    if (s->stub == NULL)
        return;
    s->hal.now_ns = sim_time_max(s->hal.now_ns, t_ns);
    if (s->hal.exit != HAL_BOARD_RUNNING) {
        sim_stub_leave(s, b);
        return;
    }
    s->kicked = false;
    s->last = stub_poll(s->stub);
}

int sim_stub_create(struct sim_stub **out)
{
    struct sim_stub *s = calloc(1, sizeof *s);

    *out = s;
    return s != NULL ? 0 : -1;
}

void sim_stub_destroy(struct sim_stub *s)
{
    if (s == NULL)
        return;
    free(s->stub);
    free(s);
}

void sim_stub_hooks(struct sim_stub *s, struct board_stub_hooks *hooks)
{
    hooks->ctx = s;
    hooks->start = sim_stub_start;
    hooks->rx = sim_stub_rx;
    hooks->deadline = sim_stub_deadline;
    hooks->host_timer = sim_stub_host_timer;
    hooks->run = sim_stub_run;
    hooks->stop = sim_stub_stop;
}

void sim_stub_get_stats(const struct sim_stub *s, struct sim_stub_stats *out)
{
    *out = s->stats;
    if (s->stub != NULL)
        sim_stub_add_costs(out, &s->hal);
}
