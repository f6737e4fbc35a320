/* SPDX-License-Identifier: MIT */
/* What the simulated chip does over time: reset and ROM start-up, strapping, the ROM loader with
 * its receive FIFO and autobaud, the flash boot path into the REPL, and the hand-over to a stub. */
#include "board_impl.h"

#include <string.h>

#include "boot.h"

void board_chip_update_rate(struct board *b, uint64_t t)
{
    b->chip_bit_ps = sim_uart_bit_ps_div(b->chip_clk_hz, sim_chip_clkdiv(&b->chip));
    sim_line_set_rx(&b->to_chip, t, b->chip_bit_ps, SIM_UART_CHIP_TOLERANCE_PPM);
}

uint64_t board_chip_emit(struct board *b, uint64_t t, const void *data, size_t n,
                         uint64_t *cpu_free)
{
    const uint8_t *p = data;
    uint64_t end = t;
    uint64_t free_at = t;

    if (!b->powered)
        return t;
    for (size_t i = 0; i < n; i++) {
        uint8_t byte = p[i];
        uint32_t r = board_rand(b) % BOARD_PPM;
        if (r < b->cfg.faults.drop_ppm_to_host)
            continue;
        if (r < b->cfg.faults.drop_ppm_to_host + b->cfg.faults.flip_ppm_to_host)
            byte ^= (uint8_t)(1u << (board_rand(b) % 8u));
        end = sim_line_send(&b->to_host, t, byte, b->chip_bit_ps);
        /* The CPU has handed over byte k once byte k - FIFO has left the FIFO. */
        if (n - i > BOARD_TX_FIFO)
            free_at = end;
    }
    if (cpu_free)
        *cpu_free = free_at;
    return end;
}

static void chip_emit_text(struct board *b, uint64_t t, size_t len, uint64_t *end,
                           uint64_t *cpu_free)
{
    if (len > sizeof b->text)
        len = sizeof b->text;
    *end = board_chip_emit(b, t, b->text, len, cpu_free);
}

static void chip_stop_stub(struct board *b)
{
    if (b->state == BOARD_CHIP_STUB && b->cfg.stub.stop)
        b->cfg.stub.stop(b->cfg.stub.ctx);
}

static void chip_quiesce(struct board *b, uint64_t t)
{
    chip_stop_stub(b);
    b->wake = BOARD_WAKE_NONE;
    b->action = SIM_ROM_ACT_NONE;
    b->fifo_len = 0;
    b->busy_until = t;
    sim_slip_decoder_reset(&b->slip);
    sim_line_cut(&b->to_host, t); /* the TX FIFO's contents are lost */
}

void board_chip_hold(struct board *b, uint64_t t)
{
    chip_quiesce(b, t);
    b->state = BOARD_CHIP_RESET;
}

void board_chip_power_off(struct board *b, uint64_t t)
{
    chip_quiesce(b, t);
    b->state = BOARD_CHIP_OFF;
}

void board_chip_start(struct board *b, uint64_t t, unsigned cause, bool sample_strap)
{
    chip_quiesce(b, t);
    b->state = BOARD_CHIP_ROM_START;
    b->rst_cause = cause;
    b->sample_strap = sample_strap;
    b->wake = BOARD_WAKE_ROM_START;
    b->wake_at = t + BOARD_ROM_START_NS;
    b->stats.resets++;
    sim_chip_reset(&b->chip);
    sim_rom_init(&b->rom);
    b->chip_clk_hz = SIM_UART_ROM_CLK_HZ;
    board_chip_update_rate(b, t);
}

/* The ROM loads the image from flash (printing as it goes) and starts it, or stops. */
static void chip_flash_boot(struct board *b, uint64_t t, size_t prefix_len)
{
    struct sim_boot_report rep;
    const uint8_t *cells = sim_flash_cells_const(b->flash);
    size_t n = sim_boot_load(cells, sim_flash_size(b->flash), b->flash_modes, b->text + prefix_len,
                             sizeof b->text - prefix_len, &rep);
    uint64_t end, cpu_free;

    chip_emit_text(b, t, prefix_len + n, &end, &cpu_free);
    if (rep.outcome == SIM_BOOT_RUNS) {
        b->state = BOARD_CHIP_APP_START;
        b->wake = BOARD_WAKE_APP_START;
        b->wake_at = cpu_free + BOARD_APP_START_NS;
        board_logf(b, t, "flash boot: %s image (entry 0x%08x) starts",
                   sim_flash_mode_name((enum sim_flash_mode)rep.flash_mode), (unsigned)rep.entry);
    } else {
        b->state = BOARD_CHIP_HALTED;
        board_logf(b, t, "flash boot failed (%s, mode byte %u %s)",
                   rep.outcome == SIM_BOOT_CSUM_ERR ? "csum err" : "bad segment header",
                   rep.flash_mode, rep.mode_supported ? "supported" : "not supported by the board");
    }
}

static void chip_rom_start(struct board *b, uint64_t t)
{
    size_t n;
    uint64_t end, cpu_free;

    if (b->sample_strap) {
        /* GPIO15 is pulled low and GPIO2 high on every supported board (protocol doc §4.4). */
        b->boot_mode = sim_reset_boot_mode(false, sim_reset_gpio0(&b->reset), true);
    }
    n = sim_boot_banner(b->text, sizeof b->text, b->rst_cause, b->boot_mode,
                        b->boot_mode == SIM_BOOT_MODE_UART ? b->cfg.boot_mode_extra_uart
                                                           : b->cfg.boot_mode_extra_flash);
    if (b->boot_mode == SIM_BOOT_MODE_UART) {
        chip_emit_text(b, t, n, &end, &cpu_free);
        b->state = BOARD_CHIP_LOADER;
        b->busy_until = t;
        board_logf(b, t, "reset (cause %u): UART download mode", b->rst_cause);
    } else {
        board_logf(b, t, "reset (cause %u): boot from flash", b->rst_cause);
        chip_flash_boot(b, t, n);
    }
}

/* Hands the REPL's output to the UART; a running program may continue once the TX FIFO has
 * room again (app_tx_free). Then the REPL's observations the board records. */
static void chip_app_flush(struct board *b, uint64_t t)
{
    const struct sim_repl_stats *st = sim_repl_stats(&b->repl);
    size_t n;

    while ((n = sim_repl_output(&b->repl, (uint8_t *)b->text, sizeof b->text)) > 0) {
        uint64_t cpu_free = t;
        board_chip_emit(b, t, b->text, n, &cpu_free);
        b->app_tx_free = sim_time_max(b->app_tx_free, cpu_free);
    }
    while (b->repl_viol_seen < st->window_violation_sessions) {
        b->repl_viol_seen++;
        /* the window protects MicroPython's 256-byte stdin ring: an overrun of it */
        sim_stats_violation(&b->stats, t, SIM_VIOL_RX_OVERRUN, (uint32_t)st->last_violation_byte,
                            (uint32_t)st->last_violation_allowed);
        board_logf(b, t, "raw paste: byte %u sent beyond the window (%u allowed)",
                   (unsigned)st->last_violation_byte, (unsigned)st->last_violation_allowed);
    }
    if (sim_repl_take_reset(&b->repl)) {
        /* machine.reset(): the SDK restarts once the UART is idle (keeps the latched strapping) */
        b->action = SIM_ROM_ACT_REBOOT;
        b->wake = BOARD_WAKE_ACTION;
        b->wake_at = sim_time_max(t, sim_line_free_ns(&b->to_host));
        board_logf(b, t, "machine.reset()");
    }
}

static void chip_app_start(struct board *b, uint64_t t)
{
    uint32_t size;
    const uint8_t *cells = board_flash_data(b, &size);

    b->chip_clk_hz = SIM_UART_APP_CLK_HZ;
    sim_chip_set_clkdiv(&b->chip, sim_uart_div_for_baud(SIM_UART_APP_CLK_HZ, SIM_UART_APP_BAUD));
    board_chip_update_rate(b, t);
    b->state = BOARD_CHIP_APP;
    b->app_tx_free = t;
    sim_repl_boot(&b->repl, t, cells, size);
    chip_app_flush(b, t);
}

void board_chip_app_run(struct board *b, uint64_t t)
{
    sim_repl_run(&b->repl, t);
    chip_app_flush(b, t);
}

uint64_t board_chip_app_deadline(struct board *b)
{
    uint64_t d = sim_repl_deadline(&b->repl);
    return d == SIM_TIME_NEVER ? d : sim_time_max(d, b->app_tx_free);
}

static void chip_jump(struct board *b, uint64_t t, uint32_t entry)
{
    const struct board_stub_hooks *h = &b->cfg.stub;
    if (h->start && h->start(h->ctx, b, entry, t)) {
        b->state = BOARD_CHIP_STUB;
        board_logf(b, t, "jump to 0x%08x: stub running", (unsigned)entry);
        return;
    }
    b->state = BOARD_CHIP_HALTED;
    board_logf(b, t, "jump to 0x%08x: no stub model for this code, the chip falls silent",
               (unsigned)entry);
}

void board_chip_wake(struct board *b, uint64_t t)
{
    enum board_wake w = b->wake;
    b->wake = BOARD_WAKE_NONE;
    switch (w) {
    case BOARD_WAKE_ROM_START: chip_rom_start(b, t); break;
    case BOARD_WAKE_APP_START: chip_app_start(b, t); break;
    case BOARD_WAKE_ACTION:
        switch (b->action) {
        /* A software reset keeps the latched strapping (protocol doc §4.2); the cause it prints
         * is assumed to be 2 as after ESP.restart() logs. */
        case SIM_ROM_ACT_REBOOT: board_chip_start(b, t, SIM_RST_CAUSE_EXTERNAL, false); break;
        case SIM_ROM_ACT_RUN_USER: chip_flash_boot(b, t, 0); break;
        case SIM_ROM_ACT_JUMP: chip_jump(b, t, b->action_entry); break;
        case SIM_ROM_ACT_NONE: break;
        }
        b->action = SIM_ROM_ACT_NONE;
        break;
    case BOARD_WAKE_NONE: break;
    }
}

static void chip_loader_frame(struct board *b, uint64_t t)
{
    struct sim_rom_reply rep;
    uint32_t div = sim_chip_clkdiv(&b->chip);
    uint8_t enc[2 * SIM_ROM_REPLY_MAX + 2];
    uint64_t end = t, cpu_free = t;

    sim_rom_handle(&b->rom, &b->chip, t, b->frame, b->slip.len, &rep);
    if (sim_chip_clkdiv(&b->chip) != div)
        board_chip_update_rate(b, t); /* WRITE_REG to UART_CLKDIV: the reply already uses it */
    b->busy_until = sim_time_max(b->busy_until, rep.ready_ns);
    if (rep.send) {
        size_t n = sim_slip_encode(rep.frame, rep.len, enc, sizeof enc);
        for (unsigned k = 0; k < rep.repeat; k++) {
            end = board_chip_emit(b, rep.ready_ns, enc, n, &cpu_free);
            b->busy_until = sim_time_max(b->busy_until, cpu_free);
        }
    }
    if (rep.action != SIM_ROM_ACT_NONE) {
        /* The ROM leaves the loader once its reply is on the wire (guess: it waits for TX). */
        b->action = rep.action;
        b->action_entry = rep.entry;
        b->wake = BOARD_WAKE_ACTION;
        b->wake_at = sim_time_max(end, rep.ready_ns);
        b->busy_until = SIM_TIME_NEVER;
    }
}

static void chip_loader_byte(struct board *b, uint64_t t, uint8_t byte, bool garbled)
{
    bool was_in_frame = b->slip.in_frame;
    enum sim_slip_result r = sim_slip_decoder_push(&b->slip, byte);

    if (!was_in_frame && b->slip.in_frame)
        b->frame_noise = false; /* a new frame starts */
    b->frame_noise |= garbled;
    switch (r) {
    case SIM_SLIP_FRAME:
        b->rom.noise = b->frame_noise;
        chip_loader_frame(b, t);
        break;
    case SIM_SLIP_BAD_ESCAPE:
        if (!b->frame_noise)
            sim_stats_violation(&b->stats, t, SIM_VIOL_SLIP_ESCAPE, byte, 0);
        break;
    case SIM_SLIP_OVERFLOW:
        if (!b->frame_noise)
            sim_stats_violation(&b->stats, t, SIM_VIOL_FRAME_TOO_LONG, SIM_ROM_FRAME_MAX, 0);
        break;
    case SIM_SLIP_MORE: break;
    }
}

void board_chip_drain(struct board *b, uint64_t t)
{
    while (b->fifo_len > 0 && b->state == BOARD_CHIP_LOADER && b->busy_until <= t) {
        uint8_t byte = b->fifo[0];
        bool garbled = b->fifo_garbled[0];
        b->fifo_len--;
        memmove(b->fifo, b->fifo + 1, b->fifo_len);
        memmove(b->fifo_garbled, b->fifo_garbled + 1, b->fifo_len * sizeof b->fifo_garbled[0]);
        chip_loader_byte(b, t, byte, garbled);
    }
}

static void chip_app_byte(struct board *b, uint64_t t, uint64_t t_sent, uint8_t byte)
{
    sim_repl_input(&b->repl, t, t_sent, byte);
    chip_app_flush(b, t + BOARD_REPL_NS);
}

void board_chip_rx(struct board *b, uint64_t t, uint64_t t_sent, uint8_t byte, bool garbled)
{
    switch (b->state) {
    case BOARD_CHIP_LOADER:
        if (b->fifo_len == 0 && b->busy_until <= t) {
            chip_loader_byte(b, t, byte, garbled);
        } else if (b->fifo_len < sizeof b->fifo) {
            b->fifo_garbled[b->fifo_len] = garbled;
            b->fifo[b->fifo_len++] = byte;
        } else {
            b->stats.rx_dropped++;
            sim_stats_violation(&b->stats, t, SIM_VIOL_RX_OVERRUN, byte, 0);
        }
        break;
    case BOARD_CHIP_STUB:
        if (b->cfg.stub.rx)
            b->cfg.stub.rx(b->cfg.stub.ctx, b, t, byte);
        break;
    case BOARD_CHIP_APP: chip_app_byte(b, t, t_sent, byte); break;
    case BOARD_CHIP_RESET:
        b->stats.rx_dropped++;
        sim_stats_violation(&b->stats, t, SIM_VIOL_SENT_IN_RESET, byte, 0);
        break;
    default: b->stats.rx_dropped++; break;
    }
}

void board_chip_autobaud(struct board *b, uint64_t t, uint32_t baud)
{
    uint32_t div;
    if (b->state != BOARD_CHIP_LOADER)
        return;
    div = sim_uart_autobaud_div(baud, b->cfg.autobaud_max);
    if (div == 0 || div == sim_chip_clkdiv(&b->chip))
        return;
    sim_chip_set_clkdiv(&b->chip, div);
    board_chip_update_rate(b, t);
    board_logf(b, t, "autobaud: %u baud, divider %u", (unsigned)baud, (unsigned)div);
}
