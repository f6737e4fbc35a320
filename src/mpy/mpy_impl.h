/* SPDX-License-Identifier: MIT */
/* What mpy.c (raw REPL, raw paste, soft reset) and mpy_fs.c (files as small board-side programs)
 * share: the session object, a growable text buffer and the program runner. Private to src/mpy. */
#ifndef MF_MPY_IMPL_H
#define MF_MPY_IMPL_H

#include "mpy.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes read from the port at a time (and kept between reads of one answer). */
#define MPY_RX_SIZE 512u

enum mpy_paste {
    MPY_PASTE_UNKNOWN, /* not asked yet on this session */
    MPY_PASTE_YES,     /* the board answered "R\x01" */
    MPY_PASTE_NO,      /* "R\x00", or a firmware older than raw paste (v1.14) */
};

struct mpy {
    struct port *port;
    struct mpy_options opt;
    bool raw;                /* at the raw REPL's ">" prompt, ready for a program */
    enum mpy_paste paste;    /* what the board said about raw paste */
    bool used_paste;         /* the last program went up in raw-paste mode */
    uint8_t rx[MPY_RX_SIZE]; /* read from the port, not yet taken */
    size_t rx_pos;
    size_t rx_len;
};

/* A growable byte buffer, always NUL-terminated once something was put. */
struct mpy_buf {
    char *p;
    size_t len;
    size_t cap;
};

/* Appends n bytes; false when out of memory. */
bool mpy_buf_put(struct mpy_buf *b, const void *data, size_t n);
void mpy_buf_free(struct mpy_buf *b);

/* Takes a program's stdout as it arrives; false stops the program (Ctrl-C). */
typedef bool (*mpy_sink_fn)(void *ctx, const uint8_t *data, size_t n);

/* Fills err (status, step, sentence) and returns status. */
int mpy_fail(struct mpy_error *err, int status, const char *cmd, const char *fmt, ...)
#if defined(__MINGW32__)
        __attribute__((format(gnu_printf, 4, 5)))
#elif defined(__GNUC__)
        __attribute__((format(printf, 4, 5)))
#endif
        ;

/* Runs one program in the raw REPL (entered when needed) as step `cmd`. stdout goes to sink
 * (when not NULL) or is appended to out (when not NULL); the traceback, if any, to tb (may be
 * NULL). A traceback gives MPY_ERR_PYTHON with its last line in err->message; a sink that said
 * stop gives MPY_ERR_CANCELLED once the board is back at the raw prompt. */
int mpy_run(struct mpy *m, const char *cmd, const char *code, size_t len, mpy_sink_fn sink,
            void *sink_ctx, struct mpy_buf *out, struct mpy_buf *tb, struct mpy_error *err);

/* The last non-empty line of a traceback (without "\r\n") into line. */
void mpy_last_line(const struct mpy_buf *tb, char *line, size_t cap);

#endif
