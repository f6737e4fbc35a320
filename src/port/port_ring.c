/* SPDX-License-Identifier: MIT */
/* A fixed-size byte ring buffer: the network backends park received data here between their
 * reader thread and port_read, and the test RFC 2217 server does the same. */
#include "port_ring.h"

#include "port.h"

#include <stdlib.h>
#include <string.h>

int port_ring_init(struct port_ring *ring, size_t cap)
{
    ring->buf = malloc(cap);
    ring->cap = ring->buf != NULL ? cap : 0;
    ring->head = 0;
    ring->len = 0;
    return ring->buf != NULL ? PORT_OK : PORT_ERR_NO_MEMORY;
}

void port_ring_free(struct port_ring *ring)
{
    free(ring->buf);
    ring->buf = NULL;
    ring->cap = 0;
    ring->head = 0;
    ring->len = 0;
}

size_t port_ring_space(const struct port_ring *ring)
{
    return ring->cap - ring->len;
}

size_t port_ring_put(struct port_ring *ring, const uint8_t *data, size_t size)
{
    size_t n = size < port_ring_space(ring) ? size : port_ring_space(ring);
    size_t done = 0;
    while (done < n) {
        size_t tail = (ring->head + ring->len) % ring->cap;
        size_t chunk = ring->cap - tail;
        if (chunk > n - done) {
            chunk = n - done;
        }
        memcpy(ring->buf + tail, data + done, chunk);
        ring->len += chunk;
        done += chunk;
    }
    return n;
}

size_t port_ring_get(struct port_ring *ring, uint8_t *buf, size_t size)
{
    size_t n = size < ring->len ? size : ring->len;
    size_t done = 0;
    while (done < n) {
        size_t chunk = ring->cap - ring->head;
        if (chunk > n - done) {
            chunk = n - done;
        }
        memcpy(buf + done, ring->buf + ring->head, chunk);
        ring->head = (ring->head + chunk) % ring->cap;
        ring->len -= chunk;
        done += chunk;
    }
    if (ring->len == 0) {
        ring->head = 0;
    }
    return n;
}

void port_ring_clear(struct port_ring *ring)
{
    ring->head = 0;
    ring->len = 0;
}
