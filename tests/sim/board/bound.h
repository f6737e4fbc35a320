/* SPDX-License-Identifier: MIT */
/* The lower bound of PERFORMANCE.md for a flashing job, computed from the job and the board
 * model (never from what the client did):
 *   bound = reset_and_sync + stub_upload + max(wire(compressed image at B), flash_work) + verify
 * flash_work = cheapest erase plan for every sector that must end blank or written but is not in
 * that state now, plus page programs of the non-0xFF pages that must change. */
#ifndef MF_SIM_BOUND_H
#define MF_SIM_BOUND_H

#include <stdbool.h>
#include <stdint.h>

#include "flash.h"

/* MD5 speed of the chip for the verify step: flash read (flash model) plus computing MD5 on the
 * 80 MHz lx106, assumed ~5 MB/s (guess; no measurement published). */
#define SIM_BOUND_MD5_NS_PER_BYTE 200u

struct sim_bound_job {
    const uint8_t *image; /* what the job writes ... */
    uint32_t image_len;
    uint32_t offset;         /* ... and where */
    bool erase_all;          /* everything else must end blank */
    uint64_t compressed_len; /* the image as it crosses the wire (deflated) */
    uint32_t baud;           /* flashing rate B */
    uint64_t reset_sync_ns;  /* from the board model: reset, ROM start, one SYNC */
    uint64_t stub_ns;        /* from the board model: stub upload and start */
};

struct sim_bound {
    uint64_t reset_sync_ns;
    uint64_t stub_ns;
    uint64_t wire_ns;
    uint64_t erase_ns;   /* of the cheapest plan */
    uint64_t program_ns; /* of the cheapest plan */
    uint64_t flash_work_ns;
    uint64_t verify_ns;
    uint64_t total_ns;
    uint32_t sectors_dirty; /* sectors that must be erased */
    uint32_t pages_programmed;
    bool chip_erase; /* the cheapest plan erases the whole chip */
};

/* initial: the flash contents before the job (size bytes); timings from f. */
void sim_bound_compute(const struct sim_flash *f, const uint8_t *initial, uint32_t size,
                       const struct sim_bound_job *job, struct sim_bound *out);

#endif
