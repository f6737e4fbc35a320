/* SPDX-License-Identifier: MIT */
/* Generates the "used board" flash contents: a bootable V1 image followed by compressible
 * pseudo-code, littlefs-like metadata and file blocks, and dirty SDK configuration sectors. */
#include "preset.h"

#include <string.h>

#include "boot.h"
#include "flash.h"

#define PRESET_IRAM_LEN     0x7A30u /* ~31 KB, typical of MicroPython's iram segment */
#define PRESET_DRAM0_LEN    0x04E0u
#define PRESET_DRAM1_LEN    0x0360u
#define PRESET_IRAM_ADDR    0x40100000u
#define PRESET_DRAM0_ADDR   0x3FFE8000u
#define PRESET_ENTRY        0x40100004u
#define PRESET_SIZE_FREQ    0x40u /* 4MB nibble, 40 MHz: what an old flash left there */
#define PRESET_LEN_WORD_AT  (SIM_PRESET_IRAM_OFFSET - 4u)
#define PRESET_LZ_WINDOW    64u
#define PRESET_COPY_PERCENT 62u
#define PRESET_FS_MAGIC_AT  8u
#define PRESET_FS_FILE_FILL 1500u
#define PRESET_SDK_FILL     128u

static uint32_t preset_rand(uint32_t *s)
{
    uint32_t x = *s ? *s : 0x2545F491u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

/* Bytes that compress roughly like machine code: mostly copies of recent bytes, the rest drawn
 * from a skewed alphabet. */
static void preset_code(uint8_t *out, uint32_t len, uint32_t *rng)
{
    for (uint32_t i = 0; i < len; i++) {
        uint32_t r = preset_rand(rng);
        if (i >= PRESET_LZ_WINDOW && r % 100u < PRESET_COPY_PERCENT)
            out[i] = out[i - 1u - (r >> 8) % PRESET_LZ_WINDOW];
        else
            out[i] = (uint8_t)((r >> 16) & ((r & 0x100u) ? 0xFFu : 0x1Fu));
    }
}

static void preset_text(uint8_t *out, uint32_t len, uint32_t *rng)
{
    static const char WORDS[] = "import machine led pin value sleep def loop while True print ";
    for (uint32_t i = 0; i < len; i++)
        out[i] = (uint8_t)WORDS[(preset_rand(rng) >> 8) % (sizeof WORDS - 1)];
}

static void preset_put32(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A V1 image generated in place: header, three RAM segments, padding and checksum (§7.1), then
 * MicroPython's length word and irom0 part (§7.3). */
static void preset_image(uint8_t *cells, uint32_t size, uint8_t mode, uint32_t *rng,
                         struct sim_preset_layout *lay)
{
    static const uint32_t SEG_LEN[3] = {PRESET_IRAM_LEN, PRESET_DRAM0_LEN, PRESET_DRAM1_LEN};
    const uint32_t seg_addr[3] = {PRESET_IRAM_ADDR, PRESET_DRAM0_ADDR,
                                  PRESET_DRAM0_ADDR + PRESET_DRAM0_LEN};
    uint32_t pos = SIM_IMAGE_HEADER_SIZE, irom_len, total;
    uint8_t sum = SIM_IMAGE_CHECKSUM_SEED;

    cells[0] = SIM_IMAGE_MAGIC;
    cells[1] = 3;
    cells[2] = mode;
    cells[3] = PRESET_SIZE_FREQ;
    preset_put32(cells + 4, PRESET_ENTRY);
    for (unsigned s = 0; s < 3; s++) {
        preset_put32(cells + pos, seg_addr[s]);
        preset_put32(cells + pos + 4, SEG_LEN[s]);
        pos += SIM_IMAGE_SEG_HEADER;
        preset_code(cells + pos, SEG_LEN[s], rng);
        for (uint32_t i = 0; i < SEG_LEN[s]; i++)
            sum ^= cells[pos + i];
        pos += SEG_LEN[s];
    }
    while (pos % 16u != 15u)
        cells[pos++] = 0;
    cells[pos] = sum;
    total = size / 2 < SIM_PRESET_IMAGE_TARGET ? size / 2 : SIM_PRESET_IMAGE_TARGET;
    irom_len = total - SIM_PRESET_IRAM_OFFSET;
    preset_put32(cells + PRESET_LEN_WORD_AT, total);
    preset_code(cells + SIM_PRESET_IRAM_OFFSET, irom_len, rng);
    lay->image_len = total;
}

static void preset_littlefs(uint8_t *cells, uint32_t size, uint32_t *rng,
                            struct sim_preset_layout *lay)
{
    /* Superblock pair (blocks 0, 1: revision count, then the "littlefs" magic at offset 8),
     * four file blocks and one block written far away, like a filesystem in use. */
    static const uint32_t BLOCKS[] = {0, 1, 2, 3, 4, 37};
    uint32_t base = size >= 2 * SIM_PRESET_FS_OFFSET ? SIM_PRESET_FS_OFFSET : size / 2;

    lay->fs_offset = base;
    lay->fs_block_count = sizeof BLOCKS / sizeof BLOCKS[0];
    for (uint32_t i = 0; i < lay->fs_block_count; i++) {
        uint8_t *blk = cells + base + BLOCKS[i] * SIM_FLASH_SECTOR_SIZE;
        lay->fs_blocks[i] = base + BLOCKS[i] * SIM_FLASH_SECTOR_SIZE;
        if (BLOCKS[i] < 2) {
            uint32_t rev = 3u - BLOCKS[i];
            for (unsigned k = 0; k < 4; k++)
                blk[k] = (uint8_t)(rev >> (8 * k));
            memcpy(blk + PRESET_FS_MAGIC_AT, "littlefs", 8);
            preset_code(blk + 16, 112, rng);
        } else {
            preset_text(blk, PRESET_FS_FILE_FILL, rng);
        }
    }
}

static void preset_sdk(uint8_t *cells, uint32_t size, uint32_t *rng, struct sim_preset_layout *lay)
{
    lay->sdk_offset = size - SIM_PRESET_SDK_SECTORS * SIM_FLASH_SECTOR_SIZE;
    for (uint32_t s = 0; s < SIM_PRESET_SDK_SECTORS; s++)
        preset_code(cells + lay->sdk_offset + s * SIM_FLASH_SECTOR_SIZE, PRESET_SDK_FILL, rng);
}

void sim_preset_used(uint8_t *cells, uint32_t size, uint8_t image_mode, uint32_t seed,
                     struct sim_preset_layout *layout)
{
    uint32_t rng = seed;
    struct sim_preset_layout lay;

    memset(&lay, 0, sizeof lay);
    preset_image(cells, size, image_mode, &rng, &lay);
    preset_littlefs(cells, size, &rng, &lay);
    preset_sdk(cells, size, &rng, &lay);
    if (layout)
        *layout = lay;
}
