/* SPDX-License-Identifier: MIT */
/* The stub's HAL over the simulated board itself, for esp8266-sim's stub mode: UART output on the
 * board's wire at the chip's divider, the board's flash, registers and RAM, and the stub's own
 * virtual time, pushed on by every wait, flash operation and CPU cost it reports. */
#ifndef MF_HAL_BOARD_H
#define MF_HAL_BOARD_H

#include <stdint.h>

#include "board.h"
#include "hal.h"

#define HAL_BOARD_CPU_HZ  52000000u /* the lx106 in download mode (PERFORMANCE.md) */
#define HAL_BOARD_RDSR_NS 2000u     /* one status-register poll over SPI */

/* How the stub left, for the runner to act on once its time has come. */
enum hal_board_exit {
    HAL_BOARD_RUNNING,
    HAL_BOARD_REBOOT,
    HAL_BOARD_USER_CODE,
    HAL_BOARD_JUMP,
};

struct hal {
    struct board *board;
    uint64_t now_ns;     /* the stub has done everything up to here (its CPU is busy until) */
    uint64_t tx_done_ns; /* the last byte it queued has left the pin */
    enum hal_board_exit exit;
    uint32_t jump_entry;
    uint64_t cost_ns[HAL_COST_COUNT]; /* CPU time charged, by kind */
    uint64_t flash_wait_ns;           /* time reads and programs spent waiting for an erase */
    bool wake_set;                    /* the stub's last hal_wake_at(): */
    uint32_t wake_us;                 /* poll it by then (hal_time_us() units) */
};

/* The stub starts on board b at time t_ns. */
void hal_board_init(struct hal *h, struct board *b, uint64_t t_ns);
/* When the stub asked to be polled (hal_wake_at), if that is still after its time; else
 * SIM_TIME_NEVER. The stub's only such deadline is the baud probation, a timeout that waits for
 * the host: sim_stub.c reports it as the board's host timer too. */
uint64_t hal_board_wake_ns(const struct hal *h);

#endif
