/* SPDX-License-Identifier: MIT */
/* Minimal MicroPython-like REPL of the simulated board: banner, prompt, echo with line editing
 * and the control keys a flasher's terminal sends. The full REPL comes with the simulator. */
#include "repl.h"

#include <string.h>

#define REPL_CTRL_C    0x03u
#define REPL_CTRL_D    0x04u
#define REPL_BACKSPACE 0x08u
#define REPL_DELETE    0x7Fu
#define REPL_CR        0x0Du
#define REPL_PRINT_MIN 0x20u
#define REPL_PRINT_MAX 0x7Eu
/* MicroPython erases a character with BS + "erase to end of line". */
#define REPL_ERASE_CHAR "\b\x1b[K"

void sim_repl_init(struct sim_repl *r)
{
    memset(r, 0, sizeof *r);
}

void sim_repl_start(struct sim_repl *r, struct sim_textbuf *out)
{
    r->len = 0;
    sim_textbuf_printf(out, "%s\r\n%s\r\n%s", SIM_REPL_BANNER_LINE, SIM_REPL_HELP_LINE,
                       SIM_REPL_PROMPT);
}

void sim_repl_input(struct sim_repl *r, uint8_t byte, struct sim_textbuf *out)
{
    switch (byte) {
    case REPL_CR:
        /* TODO(simulator issue): evaluate r->line. */
        r->len = 0;
        sim_textbuf_printf(out, "\r\n%s", SIM_REPL_PROMPT);
        break;
    case REPL_BACKSPACE:
    case REPL_DELETE:
        if (r->len > 0) {
            r->len--;
            sim_textbuf_printf(out, "%s", REPL_ERASE_CHAR);
        }
        break;
    case REPL_CTRL_C:
        r->len = 0;
        sim_textbuf_printf(out, "\r\n%s", SIM_REPL_PROMPT);
        break;
    case REPL_CTRL_D:
        if (r->len == 0) {
            sim_textbuf_printf(out, "MPY: soft reboot\r\n");
            sim_repl_start(r, out);
        }
        break;
    default:
        if (byte >= REPL_PRINT_MIN && byte <= REPL_PRINT_MAX && r->len + 1 < SIM_REPL_LINE_MAX) {
            r->line[r->len++] = (char)byte;
            sim_textbuf_put(out, &byte, 1);
        }
        break;
    }
}
