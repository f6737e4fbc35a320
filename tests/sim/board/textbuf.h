/* SPDX-License-Identifier: MIT */
/* A bounded text/byte buffer with printf-style appending, used to build what the simulated chip
 * prints. Appending past the capacity keeps counting, as snprintf does. */
#ifndef MF_SIM_TEXTBUF_H
#define MF_SIM_TEXTBUF_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define SIM_PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define SIM_PRINTF_LIKE(fmt, args)
#endif

struct sim_textbuf {
    char *buf;
    size_t cap;
    size_t len; /* may exceed cap: the length the text would have */
};

void sim_textbuf_init(struct sim_textbuf *t, char *buf, size_t cap);
void sim_textbuf_printf(struct sim_textbuf *t, const char *fmt, ...) SIM_PRINTF_LIKE(2, 3);
void sim_textbuf_put(struct sim_textbuf *t, const void *data, size_t n);

#endif
