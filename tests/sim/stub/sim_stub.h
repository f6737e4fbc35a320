/* SPDX-License-Identifier: MIT */
/* esp8266-sim's stub mode: when a client starts MicroFlash's stub (MEM_END to its entry), the
 * board runs the stub's portable logic compiled for the host over hal_board.c, in virtual time. */
#ifndef MF_SIM_STUB_H
#define MF_SIM_STUB_H

#include <stdint.h>

#include "board.h"
#include "hal.h"

struct sim_stub;

struct sim_stub_stats {
    uint32_t starts;                 /* times a client started the stub */
    uint64_t cpu_ns[HAL_COST_COUNT]; /* CPU time charged, by enum hal_cost, over all runs */
    uint64_t flash_wait_ns;          /* reads and programs waiting for an erase */
};

/* Returns 0, or -1 (no memory). */
int sim_stub_create(struct sim_stub **out);
void sim_stub_destroy(struct sim_stub *s);
/* Hooks for board_config.stub: start() takes only entry STUB_LAYOUT_ENTRY with RAM holding
 * exactly stub_blob()'s segments; any other code a client starts keeps the board's behaviour for
 * code it cannot run (the reason goes to the board's log). `s` must outlive the board. */
void sim_stub_hooks(struct sim_stub *s, struct board_stub_hooks *hooks);
/* Totals so far, including a stub that is running. */
void sim_stub_get_stats(const struct sim_stub *s, struct sim_stub_stats *out);

#endif
