/* SPDX-License-Identifier: MIT */
/* Bit-level model of one serial direction: frames on a time line, a receiver that detects start
 * edges and samples mid-bit, and an eye-opening rule that turns rate tolerance into bit errors. */
#include "line.h"

#include <stdlib.h>
#include <string.h>

#include "simtime.h"
#include "uart.h"

#define LINE_INITIAL_CAP 256u
#define LINE_COMPACT_AT  4096u
#define LINE_DATA_BITS   8u
#define LINE_STOP_BIT    9u
#define LINE_PPM         1000000u
/* Samples are taken at (2i+1)/2 receiver bits after the start edge; the stop bit is i = 9, so an
 * ideal receiver reads cleanly up to 0.5 / 9.5 = 5.26 % rate error. Real receivers give up
 * earlier (jitter, edge detection, their own clock): for a mismatch between the receiver's
 * tolerance and 5.26 % the model narrows the eye - a bit reads correctly only within its middle
 * (1 - 2m) with m = 0.5 - 9.5 x tolerance, outside it the neighbouring bit is read - so frames
 * break exactly beyond the tolerance. Larger mismatches are sampled at the true levels, which
 * reproduces the well-known look of a 74880 boot log read at 115200 ("rl" followed by noise). */
#define LINE_IDEAL_PPM   52632u
#define LINE_HALF_PPM    500000u
#define LINE_STOP_HALVES 19u

static uint64_t line_ps_to_ns_up(uint64_t ps)
{
    return (ps + SIM_PS_PER_NS - 1) / SIM_PS_PER_NS;
}

int sim_line_init(struct sim_line *l, uint64_t rx_bit_ps, uint32_t tolerance_ppm)
{
    memset(l, 0, sizeof *l);
    l->frames = malloc(LINE_INITIAL_CAP * sizeof *l->frames);
    if (!l->frames)
        return -1;
    l->cap = LINE_INITIAL_CAP;
    l->rx_bit_ps = rx_bit_ps;
    l->rx_prev_bit_ps = rx_bit_ps;
    l->rx_tolerance_ppm = tolerance_ppm;
    return 0;
}

void sim_line_free(struct sim_line *l)
{
    free(l->frames);
    l->frames = NULL;
    l->cap = l->len = l->head = 0;
}

static uint64_t line_frame_end(const struct sim_line_frame *f)
{
    return f->start_ps + f->bit_ps * SIM_UART_BITS_PER_BYTE;
}

static void line_compact(struct sim_line *l)
{
    if (l->head < LINE_COMPACT_AT || l->head * 2 < l->len)
        return;
    memmove(l->frames, l->frames + l->head, (l->len - l->head) * sizeof *l->frames);
    l->len -= l->head;
    l->head = 0;
}

uint64_t sim_line_send(struct sim_line *l, uint64_t t_ns, uint8_t byte, uint64_t bit_ps)
{
    struct sim_line_frame *f;
    uint64_t start = sim_time_max(t_ns * SIM_PS_PER_NS, l->free_ps);

    line_compact(l);
    if (l->len == l->cap) {
        size_t cap = l->cap * 2;
        struct sim_line_frame *n = realloc(l->frames, cap * sizeof *n);
        if (!n)
            return 0;
        l->frames = n;
        l->cap = cap;
    }
    l->cache_valid = false;
    f = &l->frames[l->len++];
    f->start_ps = start;
    f->bit_ps = bit_ps;
    f->byte = byte;
    l->free_ps = line_frame_end(f);
    l->bytes_sent++;
    l->wire_ps += bit_ps * SIM_UART_BITS_PER_BYTE;
    return line_ps_to_ns_up(l->free_ps);
}

uint64_t sim_line_free_ns(const struct sim_line *l)
{
    return line_ps_to_ns_up(l->free_ps);
}

void sim_line_cut(struct sim_line *l, uint64_t t_ns)
{
    uint64_t t = t_ns * SIM_PS_PER_NS;
    l->cache_valid = false;
    while (l->len > l->head && l->frames[l->len - 1].start_ps >= t) {
        l->len--;
        l->bytes_sent--;
        l->wire_ps -= l->frames[l->len].bit_ps * SIM_UART_BITS_PER_BYTE;
    }
    /* A frame already in progress at t finishes; otherwise the line is idle from its end. */
    l->free_ps = l->len > 0 ? line_frame_end(&l->frames[l->len - 1]) : 0;
}

void sim_line_set_rx(struct sim_line *l, uint64_t t_ns, uint64_t bit_ps, uint32_t tolerance_ppm)
{
    l->cache_valid = false;
    l->rx_prev_bit_ps = l->rx_bit_ps;
    l->rx_change_ps = t_ns * SIM_PS_PER_NS;
    l->rx_bit_ps = bit_ps;
    l->rx_tolerance_ppm = tolerance_ppm;
}

static int line_bit(const struct sim_line_frame *f, unsigned k)
{
    if (k == 0)
        return 0;
    if (k > LINE_DATA_BITS)
        return 1;
    return (f->byte >> (k - 1)) & 1;
}

/* Index of the first frame (from head) whose end is after t, or len. */
static size_t line_find(const struct sim_line *l, uint64_t t)
{
    size_t lo = l->head, hi = l->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (line_frame_end(&l->frames[mid]) <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* True level on the wire just at t (no eye model): used for neighbours of a sample. */
static int line_true_level(const struct sim_line *l, uint64_t t)
{
    size_t i = line_find(l, t);
    const struct sim_line_frame *f;
    if (i >= l->len)
        return 1;
    f = &l->frames[i];
    if (t < f->start_ps)
        return 1;
    return line_bit(f, (unsigned)((t - f->start_ps) / f->bit_ps));
}

static int line_sample(const struct sim_line *l, uint64_t s, uint32_t m_ppm)
{
    size_t i = line_find(l, s);
    const struct sim_line_frame *f;
    uint64_t margin, off, o;
    unsigned k;

    if (i >= l->len)
        return 1;
    f = &l->frames[i];
    if (s < f->start_ps)
        return 1;
    margin = f->bit_ps * m_ppm / LINE_PPM;
    off = s - f->start_ps;
    k = (unsigned)(off / f->bit_ps);
    o = off % f->bit_ps;
    if (o < margin)
        return k == 0 ? 1 : line_bit(f, k - 1);
    if (o + margin >= f->bit_ps)
        return k == LINE_STOP_BIT ? line_true_level(l, line_frame_end(f)) : line_bit(f, k + 1);
    return line_bit(f, k);
}

/* Eye margin (ppm of a bit) for a frame sent with tx_bit read with rx_bit. */
static uint32_t line_margin(const struct sim_line *l, uint64_t tx_bit, uint64_t rx_bit)
{
    uint64_t diff = tx_bit > rx_bit ? tx_bit - rx_bit : rx_bit - tx_bit;
    uint64_t err_ppm = tx_bit ? diff * LINE_PPM / tx_bit : 0;
    uint64_t narrowing = (uint64_t)l->rx_tolerance_ppm * LINE_STOP_HALVES / 2;

    if (err_ppm <= l->rx_tolerance_ppm || err_ppm > LINE_IDEAL_PPM || narrowing >= LINE_HALF_PPM)
        return 0;
    return LINE_HALF_PPM - (uint32_t)narrowing;
}

/* First falling edge at or after pos; false when none is queued. */
static bool line_find_edge(const struct sim_line *l, uint64_t pos, uint64_t *edge)
{
    for (size_t i = line_find(l, pos); i < l->len; i++) {
        const struct sim_line_frame *f = &l->frames[i];
        for (unsigned k = 0; k <= LINE_DATA_BITS; k++) {
            uint64_t e = f->start_ps + k * f->bit_ps;
            int prev = k == 0 ? 1 : line_bit(f, k - 1);
            if (e >= pos && prev == 1 && line_bit(f, k) == 0) {
                *edge = e;
                return true;
            }
        }
    }
    return false;
}

/* Decodes the next byte without committing: *stop is the stop-bit sample time (ps). */
static bool line_decode(const struct sim_line *l, uint8_t *byte, uint64_t *stop, bool *garbled)
{
    uint64_t pos = l->rx_pos_ps;
    uint64_t edge;

    while (line_find_edge(l, pos, &edge)) {
        uint64_t bit = edge >= l->rx_change_ps ? l->rx_bit_ps : l->rx_prev_bit_ps;
        const struct sim_line_frame *f = &l->frames[line_find(l, edge)];
        uint32_t m = line_margin(l, f->bit_ps, bit);
        uint64_t diff = f->bit_ps > bit ? f->bit_ps - bit : bit - f->bit_ps;
        uint8_t v = 0;
        if (bit == 0)
            return false;
        if (line_sample(l, edge + bit / 2, m) != 0) {
            pos = edge + bit / 2; /* false start: glitch shorter than half a bit */
            continue;
        }
        for (unsigned i = 1; i <= LINE_DATA_BITS; i++)
            if (line_sample(l, edge + (2 * i + 1) * bit / 2, m))
                v |= (uint8_t)(1u << (i - 1));
        *byte = v;
        *stop = edge + LINE_STOP_HALVES * bit / 2;
        *garbled = diff * LINE_PPM > (uint64_t)l->rx_tolerance_ppm * f->bit_ps;
        return true;
    }
    return false;
}

/* The next decode, from the cache when the line has not changed since. */
static bool line_peek(struct sim_line *l, uint8_t *byte, uint64_t *stop)
{
    if (!l->cache_valid) {
        l->cache_found = line_decode(l, &l->cache_byte, &l->cache_stop_ps, &l->cache_garbled);
        l->cache_valid = true;
    }
    *byte = l->cache_byte;
    *stop = l->cache_stop_ps;
    return l->cache_found;
}

uint64_t sim_line_next_ns(struct sim_line *l)
{
    uint8_t b;
    uint64_t stop;
    if (!line_peek(l, &b, &stop))
        return SIM_TIME_NEVER;
    return line_ps_to_ns_up(stop);
}

bool sim_line_recv(struct sim_line *l, uint64_t t_ns, uint8_t *byte, uint64_t *at_ns)
{
    uint64_t stop;
    if (!line_peek(l, byte, &stop) || stop > t_ns * SIM_PS_PER_NS)
        return false;
    l->rx_pos_ps = stop;
    l->last_garbled = l->cache_garbled;
    l->cache_valid = false;
    while (l->head < l->len && line_frame_end(&l->frames[l->head]) <= stop)
        l->head++;
    *at_ns = line_ps_to_ns_up(stop);
    return true;
}
