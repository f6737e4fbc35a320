/* SPDX-License-Identifier: MIT */
/* The tiny Python of the simulated board - not Python, just enough of MicroPython for terminal
 * and file-transfer tests: ints, floats, str, bytes, lists, tuples, if/while/for/with/try, print,
 * open/read/write, os, sys.stdin/stdout, time, binascii, gc, machine, and MicroPython's error
 * output. Programs run as resumable statement steps so that a running program takes virtual
 * time, can sleep, can wait for stdin and can be interrupted by Ctrl-C. */
#ifndef MF_SIM_MPY_H
#define MF_SIM_MPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mpy_fs.h"
#include "textbuf.h"

/* A growable byte buffer (output, program text). */
struct sim_mpy_buf {
    uint8_t *p;
    size_t len;
    size_t cap;
};

void sim_mpy_buf_free(struct sim_mpy_buf *b);
void sim_mpy_buf_put(struct sim_mpy_buf *b, const void *data, size_t n);
void sim_mpy_buf_str(struct sim_mpy_buf *b, const char *s);
void sim_mpy_buf_printf(struct sim_mpy_buf *b, const char *fmt, ...) SIM_PRINTF_LIKE(2, 3);
/* MicroPython's "cooked" output: every '\n' goes out as "\r\n". */
void sim_mpy_buf_cooked(struct sim_mpy_buf *b, const void *data, size_t n);
/* Drops the first n bytes. */
void sim_mpy_buf_consume(struct sim_mpy_buf *b, size_t n);

/* The UART receive ring (esp_mphal.c's 256-byte stdin_ringbuf) a running program reads. */
#define SIM_MPY_RING_SIZE 256u

struct sim_mpy_ring {
    uint8_t buf[SIM_MPY_RING_SIZE];
    size_t head;
    size_t len;
    uint64_t dropped; /* bytes lost because the ring was full */
};

bool sim_mpy_ring_push(struct sim_mpy_ring *r, uint8_t byte);
bool sim_mpy_ring_pop(struct sim_mpy_ring *r, uint8_t *byte);

/* How a program was entered: the REPL's single input and paste mode print the value of bare
 * expressions (MicroPython's is_repl compile flag); raw REPL and files do not. */
enum sim_mpy_mode {
    SIM_MPY_SINGLE,
    SIM_MPY_FILE_REPL,
    SIM_MPY_FILE,
};

enum sim_mpy_status {
    SIM_MPY_DONE,       /* finished normally */
    SIM_MPY_RUN,        /* more to run (step budget or output limit reached) */
    SIM_MPY_SLEEP,      /* in time.sleep until sim_mpy_wake_ns() */
    SIM_MPY_WAIT_INPUT, /* blocked in sys.stdin.read: push bytes to the ring */
    SIM_MPY_FAILED,     /* ended with an exception; the traceback was printed */
    SIM_MPY_EXIT,       /* SystemExit: the port soft-resets */
    SIM_MPY_RESET,      /* machine.reset(): hard reset */
};

struct sim_mpy;

struct sim_mpy *sim_mpy_create(struct sim_mpy_fs *fs, struct sim_mpy_ring *stdin_ring);
void sim_mpy_destroy(struct sim_mpy *m);
/* Soft reset: globals, open files and any program are dropped. */
void sim_mpy_reset(struct sim_mpy *m);
/* Compiles a program ('\r', "\r\n" and '\n' all end lines). filename: "<stdin>", "boot.py".
 * A syntax error is printed to err (MicroPython's format) and gives SIM_MPY_FAILED; else
 * SIM_MPY_RUN. */
enum sim_mpy_status sim_mpy_start(struct sim_mpy *m, const char *src, size_t len,
                                  const char *filename, enum sim_mpy_mode mode,
                                  struct sim_mpy_buf *err);
/* Runs at virtual time t_ns for at most max_steps statements, stopping early once out holds
 * out_limit bytes; program output goes to out, an uncaught exception's traceback to err (the
 * raw REPL frames them apart; err may be out). *steps gets the statements run. */
enum sim_mpy_status sim_mpy_run(struct sim_mpy *m, uint64_t t_ns, struct sim_mpy_buf *out,
                                struct sim_mpy_buf *err, size_t max_steps, size_t out_limit,
                                size_t *steps);
/* Ctrl-C: KeyboardInterrupt is raised at the next step. */
void sim_mpy_interrupt(struct sim_mpy *m);
bool sim_mpy_active(const struct sim_mpy *m);
uint64_t sim_mpy_wake_ns(const struct sim_mpy *m);
/* MicroPython's Tab completion of the word before the cursor (py/repl.c rules): returns the
 * number of characters to insert (*compl points at them), 0 for none, or (size_t)-1 after
 * printing the candidates to out. */
size_t sim_mpy_complete(struct sim_mpy *m, const char *line, size_t len, struct sim_mpy_buf *out,
                        const char * * compl );

#endif
