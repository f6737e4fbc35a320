/* SPDX-License-Identifier: MIT */
/* What the ESP8266 ROM prints and does when it starts: the reset banner, and in flash-boot mode
 * the loading of the V1 image (protocol doc §4.5, §7.1) with the flash read in the image's SPI
 * mode, which the board's wiring may not support. */
#ifndef MF_SIM_BOOT_H
#define MF_SIM_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sim_flash_mode {
    SIM_FLASH_MODE_QIO = 0,
    SIM_FLASH_MODE_QOUT = 1,
    SIM_FLASH_MODE_DIO = 2,
    SIM_FLASH_MODE_DOUT = 3,
    SIM_FLASH_MODE_COUNT
};
#define SIM_FLASH_MODE_BIT(m) (1u << (m))
#define SIM_FLASH_MODES_ALL   0xFu

#define SIM_IMAGE_MAGIC         0xE9u
#define SIM_IMAGE_CHECKSUM_SEED 0xEFu
#define SIM_IMAGE_HEADER_SIZE   8u
#define SIM_IMAGE_SEG_HEADER    8u

/* Reset causes printed in "rst cause:n" (protocol doc §4.5). */
#define SIM_RST_CAUSE_POWER_ON 1u
#define SIM_RST_CAUSE_EXTERNAL 2u
#define SIM_RST_CAUSE_WATCHDOG 4u

const char *sim_flash_mode_name(enum sim_flash_mode mode);

/* "\r\n ets Jan  8 2013,rst cause:C, boot mode:(M,X)\r\n\r\n"; returns the length (may exceed
 * cap, as snprintf). */
size_t sim_boot_banner(char *out, size_t cap, unsigned rst_cause, unsigned boot_mode,
                       unsigned boot_mode_extra);

enum sim_boot_outcome {
    SIM_BOOT_RUNS,     /* checksum matched: the application starts at entry */
    SIM_BOOT_CSUM_ERR, /* "csum err" + "ets_main.c": the ROM stops */
    SIM_BOOT_HANG,     /* a segment header made no sense: the ROM never finishes */
};

struct sim_boot_report {
    enum sim_boot_outcome outcome;
    uint32_t entry;
    uint8_t flash_mode;  /* header byte 2 */
    bool mode_supported; /* the board's wiring can read in that mode */
    unsigned segments;
    uint8_t computed; /* checksum over what the ROM read */
    uint8_t stored;   /* checksum byte as read */
};

/* Runs the ROM's image loader over the flash and writes the text it prints after the banner into
 * out (returns its length, which may exceed cap). modes_supported: SIM_FLASH_MODE_BIT set. */
size_t sim_boot_load(const uint8_t *flash, uint32_t flash_size, uint32_t modes_supported, char *out,
                     size_t cap, struct sim_boot_report *rep);

struct sim_image_segment {
    uint32_t addr;
    const uint8_t *data;
    uint32_t len; /* multiple of 4 */
};

/* Builds a V1 image (header, segments, padding, checksum) into out; returns its size (which may
 * exceed cap; then nothing useful was written). */
size_t sim_image_build(uint8_t *out, size_t cap, uint8_t mode, uint8_t size_freq, uint32_t entry,
                       const struct sim_image_segment *segs, unsigned count);

#endif
