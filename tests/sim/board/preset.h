/* SPDX-License-Identifier: MIT */
/* Starting flash contents of the simulated board: the "used board" of PERFORMANCE.md - an older
 * firmware image at 0, littlefs-style blocks at 1 MiB and the SDK's configuration sectors at the
 * top of flash dirty, everything else blank. Deterministic for a given seed. */
#ifndef MF_SIM_PRESET_H
#define MF_SIM_PRESET_H

#include <stdint.h>

#define SIM_PRESET_FS_OFFSET    (1024u * 1024u) /* MicroPython's filesystem on >= 2 MiB boards */
#define SIM_PRESET_SDK_SECTORS  4u              /* init data + system parameters (SDK) */
#define SIM_PRESET_IRAM_OFFSET  0x9000u         /* MicroPython irom0 at flash 0x9000 (§7.3) */
#define SIM_PRESET_IMAGE_TARGET 606208u         /* 592 KiB, within 592-634 KB (PERFORMANCE.md) */

struct sim_preset_layout {
    uint32_t image_len; /* bytes of the old firmware from offset 0 */
    uint32_t fs_offset; /* first littlefs block */
    uint32_t fs_blocks[6];
    uint32_t fs_block_count;
    uint32_t sdk_offset; /* first SDK configuration sector */
};

/* Writes the used-board state into cells (size bytes, expected blank). image_mode is the SPI
 * mode byte of the old firmware's header (pick one the board supports: it booted before). */
void sim_preset_used(uint8_t *cells, uint32_t size, uint8_t image_mode, uint32_t seed,
                     struct sim_preset_layout *layout);

#endif
