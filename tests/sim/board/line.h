/* SPDX-License-Identifier: MIT */
/* One direction of a serial link, simulated at bit level: the sender puts 8N1 frames on the wire
 * at its own rate, the receiver finds start edges and samples at its own rate. Equal rates give
 * the bytes back; a mismatch gives what a real UART would read - garbage of the length the
 * mismatch produces, with framing errors delivered as read. */
#ifndef MF_SIM_LINE_H
#define MF_SIM_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_line_frame {
    uint64_t start_ps;
    uint64_t bit_ps;
    uint8_t byte;
};

struct sim_line {
    struct sim_line_frame *frames;
    size_t head; /* first frame the receiver may still need */
    size_t len;
    size_t cap;
    uint64_t free_ps; /* the sender's line is idle from here on */
    /* receiver */
    uint64_t rx_bit_ps;
    uint64_t rx_prev_bit_ps; /* for start edges before rx_change_ps */
    uint64_t rx_change_ps;
    uint32_t rx_tolerance_ppm;
    uint64_t rx_pos_ps; /* the next start edge is searched from here */
    /* the next decode, kept until the line changes (decoding is the hot path) */
    bool last_garbled; /* the byte sim_line_recv returned was read at a rate beyond tolerance */
    bool cache_valid;
    bool cache_garbled;
    bool cache_found;
    uint8_t cache_byte;
    uint64_t cache_stop_ps;
    /* statistics */
    uint64_t bytes_sent;
    uint64_t wire_ps;
};

/* rx_bit_ps: the receiver's initial bit period; tolerance_ppm: the rate error it reads cleanly.
 * Returns 0 or -1 (no memory). */
int sim_line_init(struct sim_line *l, uint64_t rx_bit_ps, uint32_t tolerance_ppm);
void sim_line_free(struct sim_line *l);

/* Queues one byte at bit period bit_ps, starting at t_ns or when the line is free, whichever is
 * later. Returns the time (ns, rounded up) its stop bit ends. 0 on allocation failure. */
uint64_t sim_line_send(struct sim_line *l, uint64_t t_ns, uint8_t byte, uint64_t bit_ps);

/* When the sender's line is idle again (ns, rounded up). */
uint64_t sim_line_free_ns(const struct sim_line *l);

/* Drops every frame that starts at or after t_ns (the sender was reset or unplugged). */
void sim_line_cut(struct sim_line *l, uint64_t t_ns);

/* Receiver rate from t_ns on (edges before t_ns keep the old rate). */
void sim_line_set_rx(struct sim_line *l, uint64_t t_ns, uint64_t bit_ps, uint32_t tolerance_ppm);

/* Time (ns, rounded up) at which the receiver will have the next byte, given the frames queued
 * so far; SIM_TIME_NEVER when no start edge is pending. */
uint64_t sim_line_next_ns(struct sim_line *l);

/* Takes the next received byte if it is complete by t_ns: true, *byte and *at_ns (rounded up). */
bool sim_line_recv(struct sim_line *l, uint64_t t_ns, uint8_t *byte, uint64_t *at_ns);

#endif
