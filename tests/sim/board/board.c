/* SPDX-License-Identifier: MIT */
/* The simulated board's public face: configuration, the inputs a driver feeds (lines, baud,
 * bytes), the virtual-time event loop, the adapter's receive side, statistics and the bound. */
#include "board_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "preset.h"

#define BOARD_DEFAULT_FLASH (4u * 1024u * 1024u)
#define BOARD_DEFAULT_BAUD  115200u
#define BOARD_HQ_INITIAL    1024u
#define BOARD_LOG_MAX       256u
#define BOARD_EXTRA_UART    7u /* "boot mode:(1,7)" (esp8266/Arduino #9016) */
#define BOARD_EXTRA_FLASH   6u /* "boot mode:(3,6)" (esp8266/Arduino #8240) */
#define BOARD_DEFAULT_SEED  0x4D465342u
/* Frames a minimal client needs around the stub (bound): MEM_BEGIN x2 (8 + 16 bytes + 2
 * delimiters), MEM_DATA header per block (8 + 16 + 2), MEM_END (8 + 8 + 2), replies of 12
 * bytes, OHAI (6), CHANGE_BAUDRATE (8 + 8 + 2) and its reply. */
#define BOARD_BOUND_BEGIN_BYTES 26u
#define BOARD_BOUND_DATA_BYTES  26u
#define BOARD_BOUND_END_BYTES   18u
#define BOARD_BOUND_REPLY_BYTES 12u
#define BOARD_BOUND_OHAI_BYTES  6u
#define BOARD_BOUND_SYNC_BYTES  46u

static const uint8_t BOARD_DEFAULT_MAC[6] = {0x18, 0xFE, 0x34, 0x12, 0x34, 0x56};

static const char *const BOARD_STATE_NAMES[BOARD_CHIP_STATE_COUNT] = {
        [BOARD_CHIP_OFF] = "off",
        [BOARD_CHIP_RESET] = "reset",
        [BOARD_CHIP_ROM_START] = "rom-start",
        [BOARD_CHIP_LOADER] = "rom-loader",
        [BOARD_CHIP_STUB] = "stub",
        [BOARD_CHIP_APP_START] = "app-start",
        [BOARD_CHIP_APP] = "micropython",
        [BOARD_CHIP_HALTED] = "halted",
};

void board_config_default(struct board_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->flash_size = BOARD_DEFAULT_FLASH;
    cfg->flash_vendor = SIM_FLASH_WINBOND;
    cfg->chip = SIM_CHIP_ESP8266EX;
    memcpy(cfg->mac, BOARD_DEFAULT_MAC, sizeof cfg->mac);
    cfg->adapter = SIM_ADAPTER_CH340;
    cfg->auto_reset = true;
    cfg->autobaud_max = SIM_UART_AUTOBAUD_MAX_DEFAULT;
    cfg->flash_start = BOARD_FLASH_BLANK;
    cfg->boot_mode_extra_uart = BOARD_EXTRA_UART;
    cfg->boot_mode_extra_flash = BOARD_EXTRA_FLASH;
    cfg->seed = BOARD_DEFAULT_SEED;
    cfg->faults.fail_program_addr = SIM_FLASH_NO_FAULT;
    cfg->faults.fail_erase_addr = SIM_FLASH_NO_FAULT;
}

void board_logf(struct board *b, uint64_t t, const char *fmt, ...)
{
    char msg[BOARD_LOG_MAX];
    va_list ap;
    if (!b->cfg.log)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    b->cfg.log(b->cfg.log_ctx, t, msg);
}

uint32_t board_rand(struct board *b)
{
    uint32_t x = b->rng ? b->rng : BOARD_DEFAULT_SEED;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b->rng = x;
    return x;
}

/* Modes a board's wiring reads: every mode on an ESP8266EX module; DOUT only on an ESP8285,
 * following the community reports the protocol doc cites (§7.4, "Could not confirm" 6). */
static uint32_t board_default_modes(enum sim_chip_variant chip)
{
    return sim_efuse_is_esp8285(chip) ? SIM_FLASH_MODE_BIT(SIM_FLASH_MODE_DOUT)
                                      : SIM_FLASH_MODES_ALL;
}

static int board_check(const struct board_config *cfg, char *err, size_t err_size)
{
    uint32_t embedded = sim_efuse_embedded_flash(cfg->chip);
    const char *msg = NULL;

    if (!sim_flash_size_valid(cfg->flash_size))
        msg = "flash size must be a power of two from 512 KiB to 16 MiB";
    else if ((unsigned)cfg->flash_vendor >= SIM_FLASH_VENDOR_COUNT)
        msg = "unknown flash vendor";
    else if ((unsigned)cfg->chip >= SIM_CHIP_VARIANT_COUNT)
        msg = "unknown chip variant";
    else if (embedded && embedded != cfg->flash_size)
        msg = "an ESP8285 has its embedded flash size";
    else if (!sim_uart_adapter(cfg->adapter))
        msg = "unknown USB adapter";
    else if (cfg->flash_modes & ~SIM_FLASH_MODES_ALL)
        msg = "unknown flash mode bits";
    else if (cfg->flash_start == BOARD_FLASH_FILE && cfg->flash_image_len > cfg->flash_size)
        msg = "flash image larger than the flash";
    if (msg && err_size > 0)
        snprintf(err, err_size, "%s", msg);
    return msg ? -1 : 0;
}

static void board_fill_flash(struct board *b)
{
    uint8_t *cells = sim_flash_cells(b->flash);
    if (b->cfg.flash_start == BOARD_FLASH_FILE && b->cfg.flash_image)
        memcpy(cells, b->cfg.flash_image, b->cfg.flash_image_len);
    if (b->cfg.flash_start == BOARD_FLASH_USED) {
        /* the old firmware booted on this board: its mode is the fastest the wiring reads */
        uint8_t mode = 0;
        while (mode < SIM_FLASH_MODE_COUNT && !(b->flash_modes & SIM_FLASH_MODE_BIT(mode)))
            mode++;
        sim_preset_used(cells, b->cfg.flash_size, mode, b->cfg.seed, NULL);
    }
}

int board_create(const struct board_config *cfg, struct board **out, char *err, size_t err_size)
{
    struct board *b = NULL;
    struct sim_efuse efuse;
    int rc = -1;

    *out = NULL;
    if (board_check(cfg, err, err_size) != 0)
        return -1;
    if (sim_efuse_encode(cfg->chip, cfg->mac, &efuse) != 0) {
        snprintf(err, err_size, "the MAC's OUI cannot be 00:00:00");
        return -1;
    }
    b = calloc(1, sizeof *b);
    if (!b)
        goto fail;
    b->cfg = *cfg;
    if (b->cfg.autobaud_max == 0)
        b->cfg.autobaud_max = SIM_UART_AUTOBAUD_MAX_DEFAULT;
    b->adapter = sim_uart_adapter(cfg->adapter);
    b->flash_modes = cfg->flash_modes ? cfg->flash_modes : board_default_modes(cfg->chip);
    b->rng = cfg->seed;
    if (sim_flash_create(cfg->flash_size, cfg->flash_vendor, &b->flash) != 0)
        goto fail;
    sim_flash_set_timing(b->flash, cfg->flash_slow ? SIM_FLASH_SLOW : SIM_FLASH_TYPICAL);
    sim_flash_fail_program_at(b->flash, cfg->faults.fail_program_addr);
    sim_flash_fail_erase_at(b->flash, cfg->faults.fail_erase_addr);
    sim_flash_set_logging(b->flash, cfg->flash_log);
    board_fill_flash(b);
    b->initial = malloc(cfg->flash_size);
    if (!b->initial)
        goto fail;
    memcpy(b->initial, sim_flash_cells_const(b->flash), cfg->flash_size);
    if (sim_chip_init(&b->chip, b->flash, &b->stats, &efuse) != 0)
        goto fail;
    sim_reset_init(&b->reset, cfg->auto_reset);
    sim_slip_decoder_init(&b->slip, b->frame, sizeof b->frame);
    b->chip_clk_hz = SIM_UART_ROM_CLK_HZ;
    b->chip_bit_ps = sim_uart_bit_ps_div(b->chip_clk_hz, sim_chip_clkdiv(&b->chip));
    b->host_baud = BOARD_DEFAULT_BAUD;
    b->host_bit_ps = sim_uart_bit_ps_baud(BOARD_DEFAULT_BAUD);
    if (sim_line_init(&b->to_chip, b->chip_bit_ps, SIM_UART_CHIP_TOLERANCE_PPM) != 0 ||
        sim_line_init(&b->to_host, b->host_bit_ps, b->adapter->tolerance_ppm) != 0)
        goto fail;
    b->hq = malloc(BOARD_HQ_INITIAL * sizeof *b->hq);
    if (!b->hq)
        goto fail;
    if (sim_repl_init(&b->repl) != 0)
        goto fail;
    b->hq_cap = BOARD_HQ_INITIAL;
    b->state = BOARD_CHIP_OFF;
    b->wake = BOARD_WAKE_NONE;
    b->fault_reset_at = SIM_TIME_NEVER;
    b->unplug_at = SIM_TIME_NEVER;
    *out = b;
    b = NULL;
    rc = 0;
fail:
    if (rc != 0 && err_size > 0 && b)
        snprintf(err, err_size, "out of memory");
    board_destroy(b);
    return rc;
}

void board_destroy(struct board *b)
{
    if (!b)
        return;
    if (b->state == BOARD_CHIP_STUB && b->cfg.stub.stop)
        b->cfg.stub.stop(b->cfg.stub.ctx);
    sim_line_free(&b->to_chip);
    sim_line_free(&b->to_host);
    if (b->chip.iram || b->chip.dram || b->chip.segments)
        sim_chip_free(&b->chip);
    sim_flash_destroy(b->flash);
    free(b->initial);
    free(b->hq);
    sim_repl_free(&b->repl);
    free(b->stamps);
    free(b);
}

/* ---- host side: what the adapter hands to the host ---- */

static void board_hq_push(struct board *b, uint64_t t, uint8_t byte)
{
    if (b->hq_head > 0 && b->hq_head == b->hq_len)
        b->hq_head = b->hq_len = 0;
    if (b->hq_len == b->hq_cap) {
        if (b->hq_head > 0) {
            memmove(b->hq, b->hq + b->hq_head, (b->hq_len - b->hq_head) * sizeof *b->hq);
            b->hq_len -= b->hq_head;
            b->hq_head = 0;
        } else {
            size_t cap = b->hq_cap * 2;
            struct board_host_byte *n = realloc(b->hq, cap * sizeof *n);
            if (!n)
                return; /* byte lost, like an overflowing driver buffer */
            b->hq = n;
            b->hq_cap = cap;
        }
    }
    b->hq[b->hq_len].t_ns = t;
    b->hq[b->hq_len].byte = byte;
    b->hq_len++;
}

/* A byte the adapter's UART received at t: it reaches the host with the next USB packet, which
 * leaves when full or when the adapter's latency has passed since its first byte. */
static void board_host_byte(struct board *b, uint64_t t, uint8_t byte)
{
    if (!b->powered)
        return;
    if (b->pkt_count == 0 || t >= b->pkt_deadline) {
        b->pkt_count = 0;
        b->pkt_deadline = t + b->adapter->in_ns;
    }
    board_hq_push(b, b->pkt_deadline, byte);
    if (++b->pkt_count == b->adapter->packet_bytes) {
        size_t first = b->hq_len - b->pkt_count;
        for (size_t i = first; i < b->hq_len; i++)
            b->hq[i].t_ns = t;
        b->pkt_count = 0;
    }
}

/* ---- write times of bytes in flight to the chip ---- */

static void board_stamp_push(struct board *b, uint64_t mid, uint64_t sent)
{
    if (b->st_len == b->st_cap) {
        size_t cap = b->st_cap ? b->st_cap * 2 : BOARD_HQ_INITIAL;
        struct board_stamp *n = malloc(cap * sizeof *n);
        if (!n)
            return;
        for (size_t i = 0; i < b->st_len; i++)
            n[i] = b->stamps[(b->st_head + i) % b->st_cap];
        free(b->stamps);
        b->stamps = n;
        b->st_cap = cap;
        b->st_head = 0;
    }
    b->stamps[(b->st_head + b->st_len) % b->st_cap].mid_ns = mid;
    b->stamps[(b->st_head + b->st_len) % b->st_cap].sent_ns = sent;
    b->st_len++;
}

/* When the host wrote the byte the chip finished receiving at `at`: the frame whose middle
 * passed by then (the receiver's rate differs a little from the sender's; for garbage read at
 * a wrong rate, the latest such write). */
static uint64_t board_stamp_take(struct board *b, uint64_t at)
{
    while (b->st_len > 0 && b->stamps[b->st_head].mid_ns <= at) {
        b->last_sent = b->stamps[b->st_head].sent_ns;
        b->st_head = (b->st_head + 1) % b->st_cap;
        b->st_len--;
    }
    return b->last_sent;
}

/* ---- event loop ---- */

struct board_next {
    uint64_t t;
    int kind;
};

enum board_event {
    BOARD_EV_NONE,
    BOARD_EV_FAULT_RESET,
    BOARD_EV_UNPLUG,
    BOARD_EV_AUTOBAUD,
    BOARD_EV_WAKE,
    BOARD_EV_FIFO,
    BOARD_EV_CHIP_RX,
    BOARD_EV_HOST_RX,
    BOARD_EV_STUB,
    BOARD_EV_APP,
};

static void board_consider(struct board_next *n, uint64_t t, int kind)
{
    if (t < n->t) {
        n->t = t;
        n->kind = kind;
    }
}

static struct board_next board_next_event(struct board *b)
{
    struct board_next n = {SIM_TIME_NEVER, BOARD_EV_NONE};
    board_consider(&n, b->fault_reset_at, BOARD_EV_FAULT_RESET);
    board_consider(&n, b->unplug_at, BOARD_EV_UNPLUG);
    if (b->ab_len > 0)
        board_consider(&n, b->autobaud[b->ab_head].t_ns, BOARD_EV_AUTOBAUD);
    if (b->wake != BOARD_WAKE_NONE)
        board_consider(&n, b->wake_at, BOARD_EV_WAKE);
    if (b->state == BOARD_CHIP_LOADER && b->fifo_len > 0 && b->busy_until != SIM_TIME_NEVER)
        board_consider(&n, sim_time_max(b->busy_until, b->now), BOARD_EV_FIFO);
    board_consider(&n, sim_line_next_ns(&b->to_chip), BOARD_EV_CHIP_RX);
    board_consider(&n, sim_line_next_ns(&b->to_host), BOARD_EV_HOST_RX);
    if (b->state == BOARD_CHIP_STUB && b->cfg.stub.deadline)
        board_consider(&n, b->cfg.stub.deadline(b->cfg.stub.ctx), BOARD_EV_STUB);
    if (b->state == BOARD_CHIP_APP)
        board_consider(&n, board_chip_app_deadline(b), BOARD_EV_APP);
    return n;
}

static void board_event(struct board *b, int kind, uint64_t t)
{
    uint8_t byte;
    uint64_t at;

    switch (kind) {
    case BOARD_EV_FAULT_RESET:
        b->fault_reset_at = SIM_TIME_NEVER;
        if (b->powered) {
            board_logf(b, t, "fault: reset");
            board_chip_start(b, t, SIM_RST_CAUSE_EXTERNAL, true);
        }
        break;
    case BOARD_EV_UNPLUG:
        b->unplug_at = SIM_TIME_NEVER;
        board_logf(b, t, "fault: unplug");
        board_power_off(b, t);
        b->unplugged = true;
        break;
    case BOARD_EV_AUTOBAUD:
        board_chip_autobaud(b, t, b->autobaud[b->ab_head].baud);
        b->ab_head = (b->ab_head + 1) % BOARD_AUTOBAUD_QUEUE;
        b->ab_len--;
        break;
    case BOARD_EV_WAKE: board_chip_wake(b, t); break;
    case BOARD_EV_FIFO: board_chip_drain(b, t); break;
    case BOARD_EV_CHIP_RX:
        if (sim_line_recv(&b->to_chip, t, &byte, &at))
            board_chip_rx(b, t, board_stamp_take(b, at), byte, b->to_chip.last_garbled);
        break;
    case BOARD_EV_HOST_RX:
        if (sim_line_recv(&b->to_host, t, &byte, &at))
            board_host_byte(b, t, byte);
        break;
    case BOARD_EV_STUB: b->cfg.stub.run(b->cfg.stub.ctx, b, t); break;
    case BOARD_EV_APP: board_chip_app_run(b, t); break;
    default: break;
    }
}

void board_advance(struct board *b, uint64_t t_ns)
{
    if (t_ns < b->now)
        t_ns = b->now;
    for (;;) {
        struct board_next n = board_next_event(b);
        if (n.kind == BOARD_EV_NONE || n.t > t_ns)
            break;
        if (n.t > b->now)
            b->now = n.t;
        board_event(b, n.kind, b->now);
    }
    b->now = t_ns;
}

uint64_t board_host_timer(struct board *b)
{
    if (b->state == BOARD_CHIP_STUB && b->cfg.stub.host_timer)
        return b->cfg.stub.host_timer(b->cfg.stub.ctx);
    return SIM_TIME_NEVER;
}

uint64_t board_next_deadline(struct board *b)
{
    uint64_t t = board_next_event(b).t;
    if (b->hq_head < b->hq_len)
        t = sim_time_min(t, b->hq[b->hq_head].t_ns);
    return t;
}

/* ---- inputs ---- */

static uint64_t board_sync(struct board *b, uint64_t t)
{
    board_advance(b, t);
    return b->now;
}

static void board_edge(struct board *b, uint64_t t, enum sim_reset_edge e)
{
    if (!b->powered)
        return;
    if (e == SIM_RESET_EDGE_FALL)
        board_chip_hold(b, t);
    else if (e == SIM_RESET_EDGE_RISE)
        board_chip_start(b, t, SIM_RST_CAUSE_EXTERNAL, true);
}

void board_power_on(struct board *b, uint64_t t_ns)
{
    uint64_t t = board_sync(b, t_ns);
    if (b->powered)
        return;
    b->powered = true;
    b->unplugged = false;
    if (sim_reset_en(&b->reset))
        board_chip_start(b, t, SIM_RST_CAUSE_POWER_ON, true);
    else
        b->state = BOARD_CHIP_RESET;
}

void board_power_off(struct board *b, uint64_t t_ns)
{
    uint64_t t = board_sync(b, t_ns);
    if (!b->powered)
        return;
    board_chip_power_off(b, t);
    sim_line_cut(&b->to_chip, t);
    b->st_len = 0;
    b->powered = false;
    b->hq_head = b->hq_len = 0;
    b->pkt_count = 0;
}

void board_lines(struct board *b, uint64_t t_ns, bool dtr, bool rts)
{
    uint64_t t = board_sync(b, t_ns);
    board_edge(b, t, sim_reset_set_lines(&b->reset, dtr, rts));
}

void board_buttons(struct board *b, uint64_t t_ns, bool boot_pressed, bool reset_pressed)
{
    uint64_t t = board_sync(b, t_ns);
    board_edge(b, t, sim_reset_set_buttons(&b->reset, boot_pressed, reset_pressed));
}

void board_set_host_baud(struct board *b, uint64_t t_ns, uint32_t baud)
{
    uint64_t t = board_sync(b, t_ns);
    uint32_t rate = baud;

    if (baud == 0)
        return;
    b->host_baud = baud;
    if (baud > b->adapter->max_baud) {
        /* The adapter cannot make the rate; the model runs it at its maximum, so the data is
         * garbage for a chip at the requested rate. */
        sim_stats_violation(&b->stats, t, SIM_VIOL_BAUD_OVER_ADAPTER, baud, b->adapter->max_baud);
        rate = b->adapter->max_baud;
    }
    b->host_bit_ps = sim_uart_bit_ps_baud(rate);
    sim_line_set_rx(&b->to_host, t, b->host_bit_ps, b->adapter->tolerance_ppm);
}

static void board_autobaud_note(struct board *b, uint64_t t, uint8_t byte)
{
    if (byte != BOARD_AUTOBAUD_BYTE) {
        b->sync_run = 0;
        return;
    }
    if (++b->sync_run != BOARD_AUTOBAUD_RUN)
        return;
    if (b->ab_len == BOARD_AUTOBAUD_QUEUE) {
        b->ab_head = (b->ab_head + 1) % BOARD_AUTOBAUD_QUEUE;
        b->ab_len--;
    }
    b->autobaud[(b->ab_head + b->ab_len) % BOARD_AUTOBAUD_QUEUE].t_ns = t;
    b->autobaud[(b->ab_head + b->ab_len) % BOARD_AUTOBAUD_QUEUE].baud =
            (uint32_t)((SIM_PS_PER_S + b->host_bit_ps / 2) / b->host_bit_ps);
    b->ab_len++;
}

void board_rx(struct board *b, uint64_t t_ns, const uint8_t *data, size_t n)
{
    uint64_t t = board_sync(b, t_ns);
    uint64_t start = t + b->adapter->out_ns;
    const struct board_faults *f = &b->cfg.faults;

    if (!b->powered)
        return; /* the adapter is gone */
    for (size_t i = 0; i < n; i++) {
        uint8_t byte = data[i];
        uint32_t r;
        uint64_t end;

        b->host_sent++;
        if (f->unplug_at_byte && b->host_sent == f->unplug_at_byte) {
            b->unplug_at = sim_time_max(start, sim_line_free_ns(&b->to_chip));
            return;
        }
        if (f->stall_at_byte && b->host_sent == f->stall_at_byte)
            start = sim_time_max(start, sim_line_free_ns(&b->to_chip)) +
                    (uint64_t)f->stall_ms * SIM_NS_PER_MS;
        r = board_rand(b) % BOARD_PPM;
        if (r < f->drop_ppm_to_chip)
            continue;
        if (r < f->drop_ppm_to_chip + f->flip_ppm_to_chip)
            byte ^= (uint8_t)(1u << (board_rand(b) % 8u));
        end = sim_line_send(&b->to_chip, start, byte, b->host_bit_ps);
        board_stamp_push(b, end - b->host_bit_ps * SIM_UART_BITS_PER_BYTE / SIM_PS_PER_NS / 2, t);
        if (f->reset_at_byte && b->host_sent == f->reset_at_byte)
            b->fault_reset_at = end;
        board_autobaud_note(b, end, byte);
    }
}

/* ---- output and observation ---- */

size_t board_read(struct board *b, uint64_t t_ns, uint8_t *buf, size_t cap)
{
    size_t n = 0;
    board_advance(b, t_ns);
    while (n < cap && b->hq_head < b->hq_len && b->hq[b->hq_head].t_ns <= b->now)
        buf[n++] = b->hq[b->hq_head++].byte;
    return n;
}

bool board_unplugged(const struct board *b)
{
    return b->unplugged;
}

const struct sim_stats *board_stats(struct board *b)
{
    const struct sim_flash_op_stats *fs = sim_flash_stats(b->flash);
    b->stats.bytes_to_chip = b->to_chip.bytes_sent;
    b->stats.bytes_to_host = b->to_host.bytes_sent;
    b->stats.wire_ns_to_chip = b->to_chip.wire_ps / SIM_PS_PER_NS;
    b->stats.wire_ns_to_host = b->to_host.wire_ps / SIM_PS_PER_NS;
    memcpy(b->stats.flash, fs, sizeof b->stats.flash);
    b->stats.busy_ns = 0;
    for (unsigned op = 0; op < SIM_FLASH_OP_COUNT; op++)
        b->stats.busy_ns += fs[op].busy_ns;
    return &b->stats;
}

const uint8_t *board_flash_data(const struct board *b, uint32_t *size)
{
    *size = sim_flash_size(b->flash);
    return sim_flash_cells_const(b->flash);
}

const struct sim_mem_segment *board_mem_segments(const struct board *b, size_t *count)
{
    *count = b->chip.segment_count;
    return b->chip.segments;
}

struct sim_flash *board_flash(struct board *b)
{
    return b->flash;
}

uint32_t board_chip_baud(const struct board *b)
{
    return sim_uart_div_baud(b->chip_clk_hz, sim_chip_clkdiv(&b->chip));
}

struct sim_repl *board_repl(struct board *b)
{
    return &b->repl;
}

const char *board_repl_last_program(struct board *b, size_t *len)
{
    return sim_repl_last_program(&b->repl, len);
}

const char *board_state_name(const struct board *b)
{
    return BOARD_STATE_NAMES[b->state];
}

static uint64_t board_wire_ns(uint64_t bytes, uint64_t bit_ps)
{
    return bytes * bit_ps * SIM_UART_BITS_PER_BYTE / SIM_PS_PER_NS;
}

void board_bound(const struct board *b, const struct sim_bound_job *job, uint32_t stub_len,
                 struct sim_bound *out)
{
    struct sim_bound_job j = *job;
    char banner[BOARD_LOG_MAX];
    uint64_t boot_bit = sim_uart_bit_ps_div(SIM_UART_ROM_CLK_HZ, SIM_UART_ROM_BOOT_DIV);
    uint64_t host_bit = sim_uart_bit_ps_baud(BOARD_DEFAULT_BAUD);
    uint64_t rom_bit = sim_uart_bit_ps_div(
            SIM_UART_ROM_CLK_HZ,
            sim_uart_autobaud_div(BOARD_DEFAULT_BAUD, SIM_UART_AUTOBAUD_MAX_DEFAULT));
    uint64_t turnaround = b->adapter->out_ns + b->adapter->in_ns;
    size_t banner_len = sim_boot_banner(banner, sizeof banner, SIM_RST_CAUSE_EXTERNAL,
                                        SIM_BOOT_MODE_UART, b->cfg.boot_mode_extra_uart);
    uint32_t blocks = (stub_len + SIM_ROM_RAM_BLOCK - 1) / SIM_ROM_RAM_BLOCK;
    uint64_t sync_in = board_wire_ns(BOARD_AUTOBAUD_RUN + BOARD_BOUND_SYNC_BYTES, host_bit);

    /* Reset and sync: the ROM starts, prints its banner at ~74880 while a client sends enough
     * 0x55 for autobaud and one SYNC; the eight replies queue behind the banner. */
    j.reset_sync_ns = BOARD_ROM_START_NS +
                      sim_time_max(board_wire_ns(banner_len, boot_bit),
                                   b->adapter->out_ns + sync_in + SIM_ROM_COMMAND_NS) +
                      board_wire_ns(SIM_ROM_SYNC_REPLIES * BOARD_BOUND_REPLY_BYTES, rom_bit) +
                      b->adapter->in_ns;
    /* Stub: every frame back to back (the ROM keeps up at 115200), one turnaround, OHAI, then a
     * baud change round trip. */
    j.stub_ns = board_wire_ns(stub_len + 2u * BOARD_BOUND_BEGIN_BYTES +
                                      blocks * BOARD_BOUND_DATA_BYTES + BOARD_BOUND_END_BYTES,
                              host_bit) +
                turnaround + board_wire_ns(BOARD_BOUND_OHAI_BYTES, rom_bit) + turnaround +
                board_wire_ns(BOARD_BOUND_END_BYTES, host_bit) +
                board_wire_ns(BOARD_BOUND_REPLY_BYTES, rom_bit);
    sim_bound_compute(b->flash, b->initial, sim_flash_size(b->flash), &j, out);
}

/* ---- the stub's HAL ---- */

uint64_t board_chip_send(struct board *b, uint64_t t_ns, const uint8_t *data, size_t n)
{
    return board_chip_emit(b, t_ns, data, n, NULL);
}

struct sim_chip *board_chip(struct board *b)
{
    return &b->chip;
}

void board_chip_set_clkdiv(struct board *b, uint64_t t_ns, uint32_t div)
{
    sim_chip_set_clkdiv(&b->chip, div);
    board_chip_update_rate(b, t_ns);
}

void board_chip_software_reset(struct board *b, uint64_t t_ns)
{
    board_chip_start(b, t_ns, SIM_RST_CAUSE_EXTERNAL, false);
}

void board_chip_run_user_code(struct board *b, uint64_t t_ns)
{
    if (b->state == BOARD_CHIP_STUB && b->cfg.stub.stop)
        b->cfg.stub.stop(b->cfg.stub.ctx);
    b->state = BOARD_CHIP_LOADER;
    b->action = SIM_ROM_ACT_RUN_USER;
    b->wake = BOARD_WAKE_ACTION;
    b->wake_at = t_ns;
}

void board_chip_jump(struct board *b, uint64_t t_ns, uint32_t entry)
{
    if (b->state == BOARD_CHIP_STUB && b->cfg.stub.stop)
        b->cfg.stub.stop(b->cfg.stub.ctx);
    b->state = BOARD_CHIP_LOADER;
    b->action = SIM_ROM_ACT_JUMP;
    b->action_entry = entry;
    b->wake = BOARD_WAKE_ACTION;
    b->wake_at = t_ns;
}

void board_chip_command(struct board *b, uint8_t opcode)
{
    b->stats.commands[opcode]++;
}

void board_chip_violation(struct board *b, uint64_t t_ns, enum sim_violation code, uint32_t a0,
                          uint32_t a1)
{
    sim_stats_violation(&b->stats, t_ns, code, a0, a1);
}
