/* SPDX-License-Identifier: MIT */
/* A tiny scripted client for the board tests: drives virtual time, frames commands with its own
 * hand-written SLIP code (independent of slip.c) and collects what the board sends. */
#ifndef MF_SIM_TEST_CLIENT_H
#define MF_SIM_TEST_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "simtime.h"

#define TC_RX_MAX    (1u << 20)
#define TC_FRAME_MAX 0x2100u

struct tc {
    struct board *b;
    uint64_t t;
    uint8_t *rx;
    size_t rx_len;
    size_t parsed; /* frames before this offset were consumed */
};

/* Collects everything the board delivers up to virtual time `until`. */
static inline void tc_run_until(struct tc *c, uint64_t until)
{
    for (;;) {
        uint64_t d = board_next_deadline(c->b);
        size_t n;
        if (d == SIM_TIME_NEVER || d > until)
            break;
        if (d > c->t)
            c->t = d;
        n = board_read(c->b, c->t, c->rx + c->rx_len, TC_RX_MAX - c->rx_len);
        c->rx_len += n;
    }
    if (until > c->t)
        c->t = until;
    c->rx_len += board_read(c->b, c->t, c->rx + c->rx_len, TC_RX_MAX - c->rx_len);
}

static inline void tc_wait(struct tc *c, uint64_t dt)
{
    tc_run_until(c, c->t + dt);
}

static inline void tc_forget(struct tc *c)
{
    c->rx_len = 0;
    c->parsed = 0;
}

static inline void tc_send(struct tc *c, const uint8_t *p, size_t n)
{
    board_rx(c->b, c->t, p, n);
}

/* Frames a command by hand: C0, header, data with 0xC0 -> DB DC and 0xDB -> DB DD, C0. */
static inline size_t tc_frame(uint8_t op, const uint8_t *data, size_t len, uint32_t chk,
                              uint8_t *out)
{
    uint8_t hdr[8] = {0x00,
                      op,
                      (uint8_t)len,
                      (uint8_t)(len >> 8),
                      (uint8_t)chk,
                      (uint8_t)(chk >> 8),
                      (uint8_t)(chk >> 16),
                      (uint8_t)(chk >> 24)};
    size_t n = 0;
    out[n++] = 0xC0;
    for (size_t i = 0; i < 8 + len; i++) {
        uint8_t v = i < 8 ? hdr[i] : data[i - 8];
        if (v == 0xC0) {
            out[n++] = 0xDB;
            out[n++] = 0xDC;
        } else if (v == 0xDB) {
            out[n++] = 0xDB;
            out[n++] = 0xDD;
        } else {
            out[n++] = v;
        }
    }
    out[n++] = 0xC0;
    return n;
}

/* Next complete frame in what was received since the last call; false if none. */
static inline bool tc_next_frame(struct tc *c, uint8_t *frame, size_t *len)
{
    size_t i = c->parsed;
    while (i < c->rx_len && c->rx[i] != 0xC0)
        i++;
    while (i < c->rx_len && c->rx[i] == 0xC0)
        i++; /* one or more delimiters */
    for (size_t j = i, n = 0; j < c->rx_len; j++) {
        uint8_t v = c->rx[j];
        if (v == 0xC0) {
            *len = n;
            c->parsed = j;
            return n > 0;
        }
        if (v == 0xDB && j + 1 < c->rx_len) {
            j++;
            v = c->rx[j] == 0xDC ? 0xC0 : c->rx[j] == 0xDD ? 0xDB : 0xFF;
        }
        if (n < TC_FRAME_MAX)
            frame[n++] = v;
    }
    return false;
}

/* Sends a command and waits up to timeout for a reply frame; returns its length or 0. */
static inline size_t tc_command(struct tc *c, uint8_t op, const uint8_t *data, size_t len,
                                uint32_t chk, uint8_t *reply, uint64_t timeout)
{
    static const uint64_t STEP = 100 * SIM_NS_PER_US;
    uint8_t *buf = reply; /* reused as scratch for the request */
    uint8_t req[2 * TC_FRAME_MAX + 2];
    size_t n = tc_frame(op, data, len, chk, req), rlen = 0;
    uint64_t end;

    c->parsed = c->rx_len;
    tc_send(c, req, n);
    end = c->t + timeout;
    while (c->t < end) {
        tc_run_until(c, c->t + STEP);
        if (tc_next_frame(c, buf, &rlen))
            return rlen;
    }
    return 0;
}

static inline uint8_t tc_checksum(const uint8_t *p, size_t n)
{
    uint8_t c = 0xEF;
    for (size_t i = 0; i < n; i++)
        c ^= p[i];
    return c;
}

static inline void tc_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t tc_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* esptool's ClassicReset (protocol doc §4.1) with the short delay, then waits 0.1 s. */
static inline void tc_reset_to_download(struct tc *c)
{
    board_lines(c->b, c->t, false, false);
    board_lines(c->b, c->t, false, true);
    tc_wait(c, 100 * SIM_NS_PER_MS);
    board_lines(c->b, c->t, true, true);
    board_lines(c->b, c->t, true, false);
    tc_wait(c, 50 * SIM_NS_PER_MS);
    board_lines(c->b, c->t, false, false);
    tc_wait(c, 100 * SIM_NS_PER_MS);
}

/* The SYNC request exactly as on the wire in protocol doc §1.6 (46 bytes). */
static inline size_t tc_sync_bytes(uint8_t *out)
{
    static const uint8_t head[] = {0xC0, 0x00, 0x08, 0x24, 0x00, 0x00, 0x00,
                                   0x00, 0x00, 0x07, 0x07, 0x12, 0x20};
    size_t n = sizeof head;
    memcpy(out, head, n);
    memset(out + n, 0x55, 32);
    n += 32;
    out[n++] = 0xC0;
    return n;
}

/* Sends SYNC up to `tries` times (esptool's 0.1 s timeout + 50 ms pause); returns the number of
 * SYNC replies received for the successful attempt, 0 if none. */
static inline unsigned tc_sync(struct tc *c, unsigned tries)
{
    uint8_t req[64], frame[TC_FRAME_MAX];
    size_t n = tc_sync_bytes(req), len;
    for (unsigned k = 0; k < tries; k++) {
        unsigned replies = 0;
        c->parsed = c->rx_len;
        tc_send(c, req, n);
        tc_wait(c, 100 * SIM_NS_PER_MS);
        while (tc_next_frame(c, frame, &len))
            if (len >= 2 && frame[0] == 0x01 && frame[1] == 0x08)
                replies++;
        if (replies > 0)
            return replies;
        tc_wait(c, 50 * SIM_NS_PER_MS);
    }
    return 0;
}

#endif
