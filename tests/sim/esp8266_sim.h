/* SPDX-License-Identifier: MIT */
/* esp8266-sim, the program that serves the simulated ESP8266 board (mf_board) over a vserial pty,
 * raw TCP or RFC 2217: what its files share - options, the inbox between its threads, the
 * control channel's server and the JSON statistics. */
#ifndef MF_ESP8266_SIM_H
#define MF_ESP8266_SIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "board.h"
#include "endpoint.h"

/* ---- options (esp8266_sim_options.c) ---- */

enum esim_flash_state {
    ESIM_FLASH_STATE_BLANK, /* all 0xFF */
    ESIM_FLASH_STATE_USED,  /* PERFORMANCE.md's used board */
};

#define ESIM_DEFAULT_BAUD 115200u

struct esim_options {
    bool have_endpoint;
    enum endpoint_kind kind;
    const char *pty_path;      /* ENDPOINT_PTY */
    uint16_t net_port;         /* ENDPOINT_TCP / ENDPOINT_RFC2217: 0 = a free port */
    uint32_t host_baud;        /* the adapter's rate until a client sets one; fixed for raw TCP */
    uint16_t control_port;     /* 0 = a free port */
    struct board_config board; /* everything except flash_image, log and log_ctx */
    bool flash_size_given;
    enum esim_flash_state flash_state;
    bool flash_state_given;
    const char *flash_in;
    const char *flash_out;
    const char *stats_path;
    const char *log_path;
    double time_scale; /* 1 = real time, 0 = never wait */
};

/* Parses the command line into o (defaults first). Returns 0, 1 when --help was asked, or -1
 * with a sentence in err. */
int esim_options_parse(int argc, char **argv, struct esim_options *o, char *err, size_t err_size);
void esim_options_usage(FILE *out);

/* One --fault SPEC into cfg->faults / cfg->flash_slow; *seen collects the kinds given so far (a
 * kind may appear once). Returns 0 or -1 with a sentence in err. */
int esim_fault_parse(const char *spec, struct board_config *cfg, unsigned *seen, char *err,
                     size_t err_size);

/* ---- the inbox: what the worker threads hand to the main loop ---- */

#define ESIM_CHUNK_BYTES      4096u /* one read from the client */
#define ESIM_CHUNKS           64u   /* reads kept until the main loop takes them */
#define ESIM_CONTROL_LINE_MAX 1024u

struct esim_chunk {
    uint64_t wall_ns; /* CLOCK_MONOTONIC when the bytes were read */
    size_t len;
    uint8_t data[ESIM_CHUNK_BYTES];
};

/* One control command: the control thread fills line, the main loop sets reply (malloc'd, one
 * line without '\n', freed by the control thread) and then done. */
struct esim_request {
    char line[ESIM_CONTROL_LINE_MAX];
    char *reply;
    bool done;
};

struct esim_inbox {
    pthread_mutex_t lock;
    pthread_cond_t wake;       /* the main loop: input arrived */
    pthread_cond_t changed;    /* the workers: space, a reply, a client, stop */
    struct esim_chunk *chunks; /* ESIM_CHUNKS */
    size_t chunk_head;
    size_t chunk_count;
    bool events_ready;            /* the watcher saw endpoint events the main loop has not taken */
    struct esim_request *request; /* a control command waiting for the main loop */
    bool stop;
};

/* esp8266_sim_io.c */
int esim_inbox_init(struct esim_inbox *in);
void esim_inbox_free(struct esim_inbox *in); /* a zeroed inbox is allowed */
/* Sets stop and wakes every thread (an inbox that failed to initialise is left alone). */
void esim_inbox_stop(struct esim_inbox *in);
/* The main loop's sleep: returns at wall time `until` (CLOCK_MONOTONIC ns) or as soon as input
 * is there; a request counts only when request_taken is false. */
void esim_inbox_wait(struct esim_inbox *in, uint64_t until, bool request_taken);
uint64_t esim_wall_now(void); /* CLOCK_MONOTONIC in ns */

/* The reader (client bytes into chunks) and the watcher (sets events_ready; the main loop takes
 * the events itself so that it can order them against the data). */
struct esim_workers {
    struct endpoint *ep;
    struct esim_inbox *inbox;
    /* Held shared around every endpoint call of the workers and exclusively around
     * endpoint_unplug: a pty's descriptors are closed there and must not be in use. */
    pthread_rwlock_t lock;
    pthread_t reader;
    pthread_t watcher;
    bool reader_running;
    bool watcher_running;
};

void esim_workers_init(struct esim_workers *w, struct esim_inbox *inbox);
int esim_workers_start(struct esim_workers *w, struct endpoint *ep); /* 0 or -1 */
/* endpoint_unplug with the workers kept off the endpoint meanwhile. */
void esim_workers_unplug(struct esim_workers *w);
/* endpoint_replug likewise (a new pty at the same link path); 0 or a negative enum port_status. */
int esim_workers_replug(struct esim_workers *w);
/* Stops the inbox, joins the threads. A zeroed or merely initialised set is allowed. */
void esim_workers_stop(struct esim_workers *w);

/* ---- the control channel's server (esp8266_sim_control.c) ---- */

struct esim_control;

/* Listens on 127.0.0.1:port (0 = a free port, *bound receives it) and serves one connection at a
 * time on a thread: every '\n'-terminated line becomes an esim_request in the inbox. Returns 0 or
 * a negative enum port_status. */
int esim_control_start(uint16_t port, struct esim_inbox *inbox, uint16_t *bound,
                       struct esim_control **out);
/* Call after esim_inbox_stop(): joins the thread and closes the sockets. NULL is allowed. */
void esim_control_stop(struct esim_control *c);

/* ---- statistics (esp8266_sim_stats.c) ---- */

/* What the program counts on the client's side of the adapter. */
struct esim_host_stats {
    uint64_t bytes_from_client; /* everything the client wrote */
    uint64_t bytes_to_client;   /* board output the client was sent */
    uint64_t bytes_discarded;   /* board output while no client had the port open */
    uint64_t connects;
    uint32_t baud;     /* the host rate now */
    uint32_t max_baud; /* the fastest host rate of the session: B of the bound */
};

struct sim_stub;

struct esim_report {
    struct board *board;
    const struct sim_stub *stub; /* stub mode */
    const struct esim_options *opt;
    const struct esim_host_stats *host;
    uint64_t virtual_ns;
};

/* Writes the statistics as one line of JSON (no newline). Returns 0, or -1 on an I/O error or
 * when memory ran out. */
int esim_stats_write(FILE *out, const struct esim_report *r);

/* ---- MicroPython's side of the board (esp8266_sim_repl.c) ---- */

/* The last program the REPL compiled (board_repl_last_program) as a JSON string with its
 * quotes: \", \\, \n, \r, \t, and \u00XX for every other byte below 0x20 or from 0x7F, so
 * each byte of the program is exactly one character. malloc'd; NULL when out of memory. */
char *esim_repl_last_json(struct board *b);
/* FS-OUT: args "REMOTE FILE" - the board's file REMOTE (its MicroPython filesystem) written to
 * the host file FILE. 0, or -1 with a sentence in err. */
int esim_fs_out(struct board *b, const char *args, char *err, size_t err_size);

#endif
