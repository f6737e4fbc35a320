/* SPDX-License-Identifier: MIT */
/* What the simulated board runs once "MicroPython boots": the banner and a REPL on UART0 at
 * 115200. For now a minimal line editor (echo, backspace, Enter, Ctrl-C, Ctrl-D soft reboot).
 * TODO(simulator issue): print(<literal>), integer arithmetic, os.listdir() over a small
 * in-memory filesystem, Ctrl-E paste mode, Ctrl-A raw REPL and raw-paste mode with flow control,
 * answers to cursor-position queries. */
#ifndef MF_SIM_REPL_H
#define MF_SIM_REPL_H

#include <stddef.h>
#include <stdint.h>

#include "textbuf.h"

#define SIM_REPL_LINE_MAX 256u

#define SIM_REPL_BANNER_LINE "MicroPython v1.23.0 on 2024-06-02; ESP module with ESP8266"
#define SIM_REPL_HELP_LINE   "Type \"help()\" for more information."
#define SIM_REPL_PROMPT      ">>> "

struct sim_repl {
    char line[SIM_REPL_LINE_MAX];
    size_t len;
};

void sim_repl_init(struct sim_repl *r);
/* Banner and first prompt, as printed after boot and after a soft reboot. */
void sim_repl_start(struct sim_repl *r, struct sim_textbuf *out);
/* One byte typed by the host; the REPL's answer is appended to out. */
void sim_repl_input(struct sim_repl *r, uint8_t byte, struct sim_textbuf *out);

#endif
