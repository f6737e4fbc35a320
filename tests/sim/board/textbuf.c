/* SPDX-License-Identifier: MIT */
/* Bounded appending to a caller's buffer: the simulated chip's printf, never writing past the
 * capacity and always NUL-terminating when there is room. */
#include "textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sim_textbuf_init(struct sim_textbuf *t, char *buf, size_t cap)
{
    t->buf = buf;
    t->cap = cap;
    t->len = 0;
    if (cap > 0)
        buf[0] = '\0';
}

void sim_textbuf_printf(struct sim_textbuf *t, const char *fmt, ...)
{
    va_list ap;
    int n;
    size_t room = t->len < t->cap ? t->cap - t->len : 0;

    va_start(ap, fmt);
    n = vsnprintf(room ? t->buf + t->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n;
}

void sim_textbuf_put(struct sim_textbuf *t, const void *data, size_t n)
{
    if (t->len < t->cap) {
        size_t room = t->cap - t->len;
        memcpy(t->buf + t->len, data, n < room ? n : room);
    }
    t->len += n;
}
