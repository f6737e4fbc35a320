/* SPDX-License-Identifier: MIT */
/* The simulated ESP8266 board as one object driven by virtual time: a USB-serial adapter, the
 * auto-reset circuit, the chip (ROM loader, boot path, a MicroPython-like REPL, a hook for the
 * flasher stub) and its SPI flash. The simulator program is a thin shell that maps endpoint
 * events and wall time onto these calls; tests drive it directly at time scale 0. */
#ifndef MF_SIM_BOARD_H
#define MF_SIM_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bound.h"
#include "chip.h"
#include "efuse.h"
#include "flash.h"
#include "stats.h"
#include "textbuf.h"
#include "uart.h"

enum board_flash_start {
    BOARD_FLASH_BLANK, /* all 0xFF */
    BOARD_FLASH_USED,  /* PERFORMANCE.md's used board (preset.h) */
    BOARD_FLASH_FILE,  /* flash_image loaded at 0, the rest blank */
};

/* Faults the simulator can inject. Byte positions count bytes the host sent, from 1; 0 = off. */
struct board_faults {
    uint32_t drop_ppm_to_chip; /* rate of bytes lost host -> chip */
    uint32_t flip_ppm_to_chip; /* rate of bytes with one bit flipped host -> chip */
    uint32_t drop_ppm_to_host;
    uint32_t flip_ppm_to_host;
    uint64_t stall_at_byte; /* the link stops for stall_ms before this byte */
    uint32_t stall_ms;
    uint64_t unplug_at_byte;    /* the adapter disappears before this byte */
    uint64_t reset_at_byte;     /* EN pulses when this byte has arrived */
    uint32_t fail_program_addr; /* SIM_FLASH_NO_FAULT = off */
    uint32_t fail_erase_addr;
};

struct board;
struct sim_repl;

/* The flasher stub, compiled for the host (later issue). start() is called when the ROM jumps to
 * uploaded code (MEM_END with flag 0); returning false means "not our stub": the chip then runs
 * code the simulator cannot execute and falls silent until reset. While the stub runs, every
 * byte the chip's UART receives goes to rx(), and run() is called at deadline(). stop() tells it
 * the chip was reset or lost power. The stub acts through the board_chip_* calls below. */
struct board_stub_hooks {
    void *ctx;
    bool (*start)(void *ctx, struct board *b, uint32_t entry, uint64_t t_ns);
    void (*rx)(void *ctx, struct board *b, uint64_t t_ns, uint8_t byte);
    uint64_t (*deadline)(void *ctx); /* SIM_TIME_NEVER when idle */
    /* A timer of the stub's that waits for the host (a timeout, e.g. the baud probation), or
     * SIM_TIME_NEVER: time scale 0 must not jump to it (see board_host_timer). */
    uint64_t (*host_timer)(void *ctx);
    void (*run)(void *ctx, struct board *b, uint64_t t_ns);
    void (*stop)(void *ctx);
};

struct board_config {
    uint32_t flash_size; /* 512 KiB .. 16 MiB; an ESP8285 needs its embedded size */
    enum sim_flash_vendor flash_vendor;
    bool flash_slow; /* worst-case datasheet timings */
    enum sim_chip_variant chip;
    uint8_t mac[6];
    uint32_t flash_modes; /* SIM_FLASH_MODE_BIT() set the wiring supports; 0 = chip default */
    enum sim_adapter adapter;
    bool auto_reset;       /* DTR/RTS circuit present */
    uint32_t autobaud_max; /* highest rate the ROM's autobaud locks on; 0 = 460800 */
    enum board_flash_start flash_start;
    const uint8_t *flash_image; /* BOARD_FLASH_FILE */
    size_t flash_image_len;
    unsigned boot_mode_extra_uart;  /* second number of "boot mode:(1,x)" */
    unsigned boot_mode_extra_flash; /* second number of "boot mode:(3,x)" */
    uint32_t seed;                  /* presets and fault randomness */
    struct board_faults faults;
    struct board_stub_hooks stub;
    bool flash_log; /* keep every flash operation (sim_flash_log) */
    void (*log)(void *ctx, uint64_t t_ns, const char *msg); /* optional narration */
    void *log_ctx;
};

/* Defaults: 4 MB Winbond, ESP8266EX, MAC 18:FE:34:12:34:56, every flash mode, CH340, auto-reset
 * present, blank flash. */
void board_config_default(struct board_config *cfg);

/* Returns 0, or -1 with a message in err (bad configuration, no memory). The board starts
 * unpowered at time 0; call board_power_on(). */
int board_create(const struct board_config *cfg, struct board **out, char *err, size_t err_size);
void board_destroy(struct board *b);

/* Inputs, each at virtual time t_ns (ns). Times must not go backwards; an earlier time is
 * treated as the latest one seen. */
void board_power_on(struct board *b, uint64_t t_ns);
void board_power_off(struct board *b, uint64_t t_ns); /* unplugged: chip off, link dead */
void board_lines(struct board *b, uint64_t t_ns, bool dtr, bool rts); /* asserted = true */
void board_buttons(struct board *b, uint64_t t_ns, bool boot_pressed, bool reset_pressed);
void board_set_host_baud(struct board *b, uint64_t t_ns, uint32_t baud);
/* Bytes the host wrote at t_ns; they cross the wire at the host's rate. */
void board_rx(struct board *b, uint64_t t_ns, const uint8_t *data, size_t n);

/* Output: copies up to cap bytes that reached the host by t_ns; returns the count. */
size_t board_read(struct board *b, uint64_t t_ns, uint8_t *buf, size_t cap);
/* Earliest time after which board_read() may return more or the board's state may change;
 * SIM_TIME_NEVER when nothing is pending. */
uint64_t board_next_deadline(struct board *b);
/* The chip's earliest timer that waits for the host (SIM_TIME_NEVER when none). Time scale 0
 * jumps over the chip's own waits (flash, delays), but a timeout that waits for the host must
 * pass in wall time: the host's pauses are wall time too. */
uint64_t board_host_timer(struct board *b);
/* Runs the model up to t_ns (also done by every input and board_read). */
void board_advance(struct board *b, uint64_t t_ns);

/* True once an "unplug" fault fired: the program should make the client's port disappear. */
bool board_unplugged(const struct board *b);

/* Observation. */
const struct sim_stats *board_stats(struct board *b);
const uint8_t *board_flash_data(const struct board *b, uint32_t *size);
const struct sim_mem_segment *board_mem_segments(const struct board *b, size_t *count);
struct sim_flash *board_flash(struct board *b);
uint32_t board_chip_baud(const struct board *b); /* the chip's current UART rate */
const char *board_state_name(const struct board *b);

/* MicroPython's REPL and filesystem on this board (repl.h: sim_repl_last_program(),
 * sim_repl_stats(), sim_repl_mode(), sim_repl_fs() with mpy_fs.h's sim_mpy_fs_get/put). The
 * object lives as long as the board; its filesystem survives resets. */
struct sim_repl *board_repl(struct board *b);
/* The last program the REPL compiled from host input (a line, a paste, a raw or raw-paste
 * upload), as received; "" before any. */
const char *board_repl_last_program(struct board *b, size_t *len);

/* Lower bound of a job on this board (PERFORMANCE.md), from the flash contents the board had at
 * creation. stub_len: bytes of stub text + data uploaded at 115200. */
void board_bound(const struct board *b, const struct sim_bound_job *job, uint32_t stub_len,
                 struct sim_bound *out);

/* For the stub: what its HAL does on the chip. */
uint64_t board_chip_send(struct board *b, uint64_t t_ns, const uint8_t *data, size_t n);
struct sim_chip *board_chip(struct board *b);
void board_chip_set_clkdiv(struct board *b, uint64_t t_ns, uint32_t div);
void board_chip_software_reset(struct board *b, uint64_t t_ns); /* back to the ROM, strap kept */
void board_chip_run_user_code(struct board *b, uint64_t t_ns);  /* boot the flash image */
/* Calls code loaded into RAM (the stub's MEM_END): start() is asked again with entry, as when the
 * ROM jumps; code it does not take leaves the chip silent. */
void board_chip_jump(struct board *b, uint64_t t_ns, uint32_t entry);
/* Counts a command the stub received (statistics by opcode). */
void board_chip_command(struct board *b, uint8_t opcode);
void board_chip_violation(struct board *b, uint64_t t_ns, enum sim_violation code, uint32_t a0,
                          uint32_t a1);
/* A line of the board's narration (board_config.log), e.g. why the stub hooks refused code. */
void board_logf(struct board *b, uint64_t t_ns, const char *fmt, ...) SIM_PRINTF_LIKE(3, 4);

#endif
