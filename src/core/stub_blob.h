/* SPDX-License-Identifier: MIT */
/* MicroFlash's flasher stub as the engine uploads it: two RAM segments and the entry address
 * (protocol doc §8.2). The data is generated from stub/ into stub_blob.c and committed. */
#ifndef MF_STUB_BLOB_H
#define MF_STUB_BLOB_H

#include <stdint.h>

/* One segment: MEM_BEGIN at addr, size bytes (a multiple of 4) from data. */
struct stub_blob_segment {
    uint32_t addr;
    const uint8_t *data;
    uint32_t size;
};

struct stub_blob {
    struct stub_blob_segment text; /* code, to IRAM */
    struct stub_blob_segment data; /* initialised data and constants, to DRAM */
    uint32_t entry;                /* MEM_END's entry point */
};

/* The stub built from stub/ (a static object: never NULL, never freed). */
const struct stub_blob *stub_blob(void);

#endif
