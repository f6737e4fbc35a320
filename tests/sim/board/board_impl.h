/* SPDX-License-Identifier: MIT */
/* Internals of the simulated board shared by board.c (inputs, event loop, host side) and
 * board_chip.c (what the chip does). Not for users of mf_board. */
#ifndef MF_SIM_BOARD_IMPL_H
#define MF_SIM_BOARD_IMPL_H

#include "board.h"
#include "line.h"
#include "repl.h"
#include "reset.h"
#include "rom.h"
#include "simtime.h"
#include "slip.h"
#include "textbuf.h"

/* Timings of the board model that no source pins down (guesses, kept in one place). */
/* EN high -> strapping sampled and the ROM prints. Long enough to cover the gap between the
 * two USB control requests of esptool's ClassicReset (DTR=1 releases EN while RTS is still
 * asserted, RTS=0 follows), which boards handle thanks to the RC delay on EN. */
#define BOARD_ROM_START_NS (5 * SIM_NS_PER_MS)
#define BOARD_APP_START_NS (250 * SIM_NS_PER_MS) /* ROM hands over -> MicroPython banner */
#define BOARD_REPL_NS      (50 * SIM_NS_PER_US)  /* REPL reaction to a key */
/* Consecutive 0x55 bytes the autobaud unit needs to lock (SYNC carries 32): a guess. */
#define BOARD_AUTOBAUD_RUN   4u
#define BOARD_AUTOBAUD_BYTE  0x55u
#define BOARD_AUTOBAUD_QUEUE 8u
/* UART0 TX FIFO: the CPU blocks when it is full. */
#define BOARD_TX_FIFO  128u
#define BOARD_TEXT_MAX 16384u
#define BOARD_PPM      1000000u

enum board_chip_state {
    BOARD_CHIP_OFF,       /* no power */
    BOARD_CHIP_RESET,     /* EN held low */
    BOARD_CHIP_ROM_START, /* out of reset, the ROM has not sampled the strapping yet */
    BOARD_CHIP_LOADER,    /* ROM serial loader (download mode) */
    BOARD_CHIP_STUB,      /* the stub hook owns the chip */
    BOARD_CHIP_APP_START, /* image loaded, MicroPython initialising */
    BOARD_CHIP_APP,       /* MicroPython REPL */
    BOARD_CHIP_HALTED,    /* stuck: boot failure or code the model cannot run */
    BOARD_CHIP_STATE_COUNT
};

enum board_wake {
    BOARD_WAKE_NONE,
    BOARD_WAKE_ROM_START,
    BOARD_WAKE_APP_START,
    BOARD_WAKE_ACTION, /* a ROM action once its reply has left */
};

struct board_autobaud {
    uint64_t t_ns;
    uint32_t baud;
};

struct board_host_byte {
    uint64_t t_ns; /* visible to the host from here */
    uint8_t byte;
};

/* When the host wrote a byte that is on its way to the chip (raw-paste flow control is judged
 * against what the host knew at that moment). */
struct board_stamp {
    uint64_t mid_ns;  /* the middle of its frame on the wire */
    uint64_t sent_ns; /* the host's write */
};

struct board {
    struct board_config cfg;
    const struct sim_adapter_profile *adapter;
    uint32_t flash_modes;
    struct sim_flash *flash;
    uint8_t *initial; /* flash contents at creation, for the bound */
    struct sim_stats stats;
    struct sim_chip chip;
    struct sim_rom rom;
    struct sim_repl repl;
    struct sim_reset reset;
    struct sim_line to_chip;
    struct sim_line to_host;
    uint64_t now;
    bool powered;
    bool unplugged;
    uint32_t rng;
    /* host side */
    uint32_t host_baud;   /* requested */
    uint64_t host_bit_ps; /* what the adapter really makes */
    uint64_t host_sent;   /* bytes the host wrote, for fault positions */
    uint32_t sync_run;
    struct board_autobaud autobaud[BOARD_AUTOBAUD_QUEUE];
    size_t ab_head;
    size_t ab_len;
    struct board_host_byte *hq;
    size_t hq_head;
    size_t hq_len;
    size_t hq_cap;
    uint64_t pkt_deadline;
    uint32_t pkt_count;
    uint64_t fault_reset_at;
    uint64_t unplug_at;
    /* chip */
    enum board_chip_state state;
    unsigned boot_mode;
    unsigned rst_cause;
    bool sample_strap;
    enum board_wake wake;
    uint64_t wake_at;
    enum sim_rom_action action;
    uint32_t action_entry;
    uint32_t chip_clk_hz;
    uint64_t chip_bit_ps;
    uint64_t busy_until;
    uint8_t fifo[SIM_ROM_RX_FIFO];
    bool fifo_garbled[SIM_ROM_RX_FIFO];
    size_t fifo_len;
    bool frame_noise; /* the SLIP frame being received holds bytes read at a wrong rate */
    struct sim_slip_decoder slip;
    uint8_t frame[SIM_ROM_FRAME_MAX];
    char text[BOARD_TEXT_MAX];
    /* MicroPython */
    uint64_t app_tx_free;       /* the CPU can hand the UART more REPL output from here */
    uint64_t repl_viol_seen;    /* raw-paste window overruns already recorded */
    struct board_stamp *stamps; /* ring of write times of bytes in flight to the chip */
    size_t st_head;
    size_t st_len;
    size_t st_cap;
    uint64_t last_sent;
};

uint32_t board_rand(struct board *b);

/* board_chip.c */
void board_chip_update_rate(struct board *b, uint64_t t);
void board_chip_hold(struct board *b, uint64_t t);
void board_chip_start(struct board *b, uint64_t t, unsigned cause, bool sample_strap);
void board_chip_power_off(struct board *b, uint64_t t);
void board_chip_wake(struct board *b, uint64_t t);
void board_chip_rx(struct board *b, uint64_t t, uint64_t t_sent, uint8_t byte, bool garbled);
void board_chip_app_run(struct board *b, uint64_t t);
uint64_t board_chip_app_deadline(struct board *b);
void board_chip_drain(struct board *b, uint64_t t);
void board_chip_autobaud(struct board *b, uint64_t t, uint32_t baud);
uint64_t board_chip_emit(struct board *b, uint64_t t, const void *data, size_t n,
                         uint64_t *cpu_free);

#endif
