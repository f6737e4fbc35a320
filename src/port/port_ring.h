/* SPDX-License-Identifier: MIT */
/* A fixed-size byte ring buffer (no locking; the owner holds its own lock). */
#ifndef MF_PORT_RING_H
#define MF_PORT_RING_H

#include <stddef.h>
#include <stdint.h>

struct port_ring {
    uint8_t *buf;
    size_t cap;
    size_t head; /* index of the oldest byte */
    size_t len;
};

/* PORT_OK or PORT_ERR_NO_MEMORY. */
int port_ring_init(struct port_ring *ring, size_t cap);
void port_ring_free(struct port_ring *ring);
size_t port_ring_space(const struct port_ring *ring);
/* Appends at most the free space; returns how many bytes were stored. */
size_t port_ring_put(struct port_ring *ring, const uint8_t *data, size_t size);
/* Removes at most `size` of the oldest bytes into buf; returns how many. */
size_t port_ring_get(struct port_ring *ring, uint8_t *buf, size_t size);
void port_ring_clear(struct port_ring *ring);

#endif
