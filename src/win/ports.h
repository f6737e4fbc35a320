/* SPDX-License-Identifier: MIT */
/* The port picker's data: the serial ports (port_list) shown by product name with likely ESP
 * boards first and marked, the way back from a shown entry to a port name, and the hint for a
 * machine without a port (a USB-serial chip without its driver, or a charge-only cable). */
#ifndef MF_PORTS_H
#define MF_PORTS_H

#include <windows.h>

#include "port.h"

#include <stdbool.h>
#include <stddef.h>

#define PORTS_HINT_MAX 512u
#define PORTS_TEXT_MAX (PORT_INFO_TEXT_MAX + 16u)

struct ports {
    struct port_info *list;
    size_t count;
    char hint[PORTS_HINT_MAX]; /* why no ESP board is listed; "" when one is */
};

void ports_init(struct ports *p);
void ports_free(struct ports *p);

/* Lists the ports again. `appeared` receives the name of a port that was not listed before
 * ("" when none); on the first listing nothing counts as appeared. */
void ports_refresh(struct ports *p, bool first, char *appeared, size_t max);

/* Fills the combo box's list and selects `select` (a port name) when listed; otherwise the
 * edit text becomes `select` as typed. */
void ports_fill_combo(const struct ports *p, HWND combo, const char *select);

/* The port name meant by the combo's text: a listed entry's name, or the text as typed. */
void ports_name_from_text(const struct ports *p, const char *text, char *out, size_t max);

/* The note under the picker for a port name: "Likely an ESP board (CH340 USB-serial chip)",
 * the product name, or the no-port hint. */
void ports_note(const struct ports *p, const char *name, char *out, size_t max);

/* "Serial ports: COM5 "USB-SERIAL CH340 (COM5)", COM1" for the log. */
void ports_summary(const struct ports *p, char *out, size_t max);

#endif
