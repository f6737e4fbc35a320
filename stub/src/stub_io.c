/* SPDX-License-Identifier: MIT */
/* The stub's byte level: SLIP receive into two frame buffers from the UART interrupt (§8.3),
 * SLIP-encoded replies through the HAL, and little-endian and buffer helpers without libc. */
#include "stub_impl.h"

uint32_t stub_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void stub_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

void stub_copy(uint8_t *dst, const uint8_t *src, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        dst[i] = src[i];
}

bool stub_all_erased(const uint8_t *p, uint32_t n)
{
    uint8_t acc = 0xFFu;

    for (uint32_t i = 0; i < n; i++)
        acc &= p[i];
    return acc == 0xFFu;
}

uint8_t stub_checksum(const uint8_t *data, uint32_t len)
{
    uint8_t chk = STUB_CHECKSUM_SEED;

    for (uint32_t i = 0; i < len; i++)
        chk ^= data[i];
    return chk;
}

/* ---- receive ---- */

static void rx_end_frame(struct stub_rx *rx)
{
    uint8_t b = rx->fill;

    if (rx->len[b] == 0)
        return;
    rx->ready[b] = true;
    rx->fill = (uint8_t)(b ^ 1u);
}

static void rx_store(struct stub_rx *rx, uint8_t byte)
{
    uint8_t b = rx->fill;
    uint16_t n = rx->len[b];

    if (n == 0 && rx->ready[b]) {
        /* both buffers hold frames stub_poll() has not taken: this one is lost */
        rx->dropped = rx->dropped + 1u;
        rx->state = STUB_RX_SKIP;
        return;
    }
    if (n >= STUB_FRAME_CAP) {
        rx->overflow[b] = true;
        rx_end_frame(rx);
        rx->state = STUB_RX_SKIP;
        return;
    }
    rx->buf[b][n] = byte;
    rx->len[b] = (uint16_t)(n + 1u);
}

void stub_rx_byte(struct stub *s, uint8_t byte)
{
    struct stub_rx *rx = &s->rx;

    if (byte == STUB_SLIP_END) {
        if (rx->state == STUB_RX_FRAME || rx->state == STUB_RX_ESCAPE)
            rx_end_frame(rx);
        rx->state = STUB_RX_FRAME;
        return;
    }
    switch ((enum stub_rx_state)rx->state) {
    case STUB_RX_OUTSIDE:
    case STUB_RX_SKIP: break;
    case STUB_RX_FRAME:
        if (byte == STUB_SLIP_ESC)
            rx->state = STUB_RX_ESCAPE;
        else
            rx_store(rx, byte);
        break;
    case STUB_RX_ESCAPE:
        rx->state = STUB_RX_FRAME;
        if (byte == STUB_SLIP_ESC_END)
            rx_store(rx, STUB_SLIP_END);
        else if (byte == STUB_SLIP_ESC_ESC)
            rx_store(rx, STUB_SLIP_ESC);
        /* any other byte after ESC is dropped with it (legacy decoder, §1.1) */
        break;
    }
}

const uint8_t *stub_rx_peek(struct stub *s, uint32_t *len, bool *overflow)
{
    struct stub_rx *rx = &s->rx;
    uint8_t b = rx->next;

    if (!rx->ready[b])
        return NULL;
    *len = rx->len[b];
    *overflow = rx->overflow[b];
    return rx->buf[b];
}

void stub_rx_release(struct stub *s)
{
    struct stub_rx *rx = &s->rx;
    uint8_t b = rx->next;

    rx->overflow[b] = false;
    rx->len[b] = 0;
    rx->ready[b] = false;
    rx->next = (uint8_t)(b ^ 1u);
}

/* ---- transmit ---- */

static void tx_flush(struct stub *s)
{
    if (s->tx_len > 0)
        hal_uart_write(s->hal, s->tx, s->tx_len);
    s->tx_len = 0;
}

static void tx_raw(struct stub *s, uint8_t byte)
{
    if (s->tx_len == STUB_TX_CHUNK)
        tx_flush(s);
    s->tx[s->tx_len++] = byte;
}

void stub_tx_begin(struct stub *s)
{
    tx_raw(s, STUB_SLIP_END);
}

void stub_tx_bytes(struct stub *s, const uint8_t *data, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (data[i] == STUB_SLIP_END) {
            tx_raw(s, STUB_SLIP_ESC);
            tx_raw(s, STUB_SLIP_ESC_END);
        } else if (data[i] == STUB_SLIP_ESC) {
            tx_raw(s, STUB_SLIP_ESC);
            tx_raw(s, STUB_SLIP_ESC_ESC);
        } else {
            tx_raw(s, data[i]);
        }
    }
}

void stub_tx_end(struct stub *s)
{
    tx_raw(s, STUB_SLIP_END);
    tx_flush(s);
}

void stub_send_reply(struct stub *s, uint8_t op, const struct stub_reply *r)
{
    uint8_t head[STUB_HEADER_SIZE];
    uint8_t status[STUB_STATUS_SIZE];
    uint32_t len = r->data_len + STUB_STATUS_SIZE;

    head[0] = STUB_DIR_RESPONSE;
    head[1] = op;
    head[2] = (uint8_t)len;
    head[3] = (uint8_t)(len >> 8);
    stub_put_u32(head + 4, r->value);
    status[0] = r->err;
    status[1] = r->detail;
    stub_tx_begin(s);
    stub_tx_bytes(s, head, STUB_HEADER_SIZE);
    stub_tx_bytes(s, r->data, r->data_len);
    stub_tx_bytes(s, status, STUB_STATUS_SIZE);
    stub_tx_end(s);
}

void stub_send_status(struct stub *s, uint8_t op, uint8_t err, uint8_t detail)
{
    struct stub_reply r = {0};

    r.err = err;
    r.detail = detail;
    stub_send_reply(s, op, &r);
}
