/* SPDX-License-Identifier: MIT */
/* Auto-reset circuit truth table, buttons wired in parallel with it, EN edge detection and the
 * strapping-to-boot-mode rule of the simulated board. */
#include "reset.h"

struct sim_reset_pins sim_reset_circuit(bool dtr, bool rts)
{
    /* Each transistor conducts when its base line is asserted and the other is not (the usual
     * NodeMCU wiring, protocol doc §4 "Polarity"). */
    struct sim_reset_pins p;
    p.gpio0 = !(dtr && !rts);
    p.en = !(rts && !dtr);
    return p;
}

static bool reset_en_level(const struct sim_reset *r)
{
    bool en = true;
    if (r->auto_reset)
        en = sim_reset_circuit(r->dtr, r->rts).en;
    return en && !r->reset_button;
}

void sim_reset_init(struct sim_reset *r, bool auto_reset)
{
    r->auto_reset = auto_reset;
    r->dtr = false;
    r->rts = false;
    r->boot_button = false;
    r->reset_button = false;
    r->en = reset_en_level(r);
}

static enum sim_reset_edge reset_update(struct sim_reset *r)
{
    bool en = reset_en_level(r);
    enum sim_reset_edge e = SIM_RESET_EDGE_NONE;
    if (en != r->en)
        e = en ? SIM_RESET_EDGE_RISE : SIM_RESET_EDGE_FALL;
    r->en = en;
    return e;
}

enum sim_reset_edge sim_reset_set_lines(struct sim_reset *r, bool dtr, bool rts)
{
    r->dtr = dtr;
    r->rts = rts;
    return reset_update(r);
}

enum sim_reset_edge sim_reset_set_buttons(struct sim_reset *r, bool boot_pressed,
                                          bool reset_pressed)
{
    r->boot_button = boot_pressed;
    r->reset_button = reset_pressed;
    return reset_update(r);
}

bool sim_reset_en(const struct sim_reset *r)
{
    return r->en;
}

bool sim_reset_gpio0(const struct sim_reset *r)
{
    bool level = true; /* pulled up on every board */
    if (r->auto_reset)
        level = sim_reset_circuit(r->dtr, r->rts).gpio0;
    return level && !r->boot_button;
}

unsigned sim_reset_boot_mode(bool gpio15, bool gpio0, bool gpio2)
{
    return (gpio15 ? 4u : 0u) | (gpio0 ? 2u : 0u) | (gpio2 ? 1u : 0u);
}
