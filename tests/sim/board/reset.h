/* SPDX-License-Identifier: MIT */
/* The board's reset and boot-mode wiring: the two-transistor auto-reset circuit driven by DTR
 * and RTS (or none, with BOOT/RESET buttons instead), the EN pin, and the strapping pins sampled
 * when the chip comes out of reset (docs/esp8266-protocol.md §4). */
#ifndef MF_SIM_RESET_H
#define MF_SIM_RESET_H

#include <stdbool.h>

/* Pin levels the circuit produces: true = high. */
struct sim_reset_pins {
    bool en;
    bool gpio0;
};

/* Truth table of the auto-reset circuit. dtr/rts are the host's view (true = asserted, which
 * drives the adapter pin low): DTR alone pulls GPIO0 low, RTS alone pulls EN low, both asserted
 * or both released leave both high. */
struct sim_reset_pins sim_reset_circuit(bool dtr, bool rts);

enum sim_reset_edge {
    SIM_RESET_EDGE_NONE,
    SIM_RESET_EDGE_FALL, /* EN went low: the chip is held in reset */
    SIM_RESET_EDGE_RISE, /* EN went high: the chip starts and samples the strapping pins */
};

struct sim_reset {
    bool auto_reset; /* circuit present; without it DTR/RTS do nothing */
    bool dtr;
    bool rts;
    bool boot_button;  /* pressed = GPIO0 pulled low */
    bool reset_button; /* pressed = EN pulled low */
    bool en;           /* current EN level */
};

void sim_reset_init(struct sim_reset *r, bool auto_reset);

enum sim_reset_edge sim_reset_set_lines(struct sim_reset *r, bool dtr, bool rts);
enum sim_reset_edge sim_reset_set_buttons(struct sim_reset *r, bool boot_pressed,
                                          bool reset_pressed);

bool sim_reset_en(const struct sim_reset *r);
bool sim_reset_gpio0(const struct sim_reset *r);

/* Boot mode from the strapping pins: the value printed first in "boot mode:(x,y)", i.e. the
 * bits {GPIO15, GPIO0, GPIO2} (protocol doc §4.4). */
#define SIM_BOOT_MODE_UART  1u /* GPIO15=0, GPIO0=0, GPIO2=1: UART download */
#define SIM_BOOT_MODE_FLASH 3u /* GPIO15=0, GPIO0=1, GPIO2=1: SPI flash */
#define SIM_BOOT_MODE_SDIO  4u /* GPIO15=1: SDIO, 4..7 */
unsigned sim_reset_boot_mode(bool gpio15, bool gpio0, bool gpio2);

#endif
