/* SPDX-License-Identifier: MIT */
/* The ESP8266 mask-ROM serial loader: decodes one command frame, acts on the chip (flash, RAM,
 * registers) with modelled timing and answers as the ROM does - two status bytes, ROM error
 * codes, SYNC's eight replies, the FLASH_BEGIN erase-size bug (docs/esp8266-protocol.md §1-§3, §6).
 */
#ifndef MF_SIM_ROM_H
#define MF_SIM_ROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip.h"
#include "simtime.h"

/* Opcodes (protocol doc §2.1). */
enum sim_rom_opcode {
    SIM_OP_FLASH_BEGIN = 0x02,
    SIM_OP_FLASH_DATA = 0x03,
    SIM_OP_FLASH_END = 0x04,
    SIM_OP_MEM_BEGIN = 0x05,
    SIM_OP_MEM_END = 0x06,
    SIM_OP_MEM_DATA = 0x07,
    SIM_OP_SYNC = 0x08,
    SIM_OP_WRITE_REG = 0x09,
    SIM_OP_READ_REG = 0x0A,
    SIM_OP_SPI_SET_PARAMS = 0x0B,
    SIM_OP_GET_SECURITY_INFO = 0x14,
};

/* ROM error codes, second status byte (protocol doc §2.3). */
#define SIM_ROM_ERR_INVALID_MSG 0x05u
#define SIM_ROM_ERR_CHECKSUM    0x07u
#define SIM_ROM_STATUS_FAIL     0x01u

/* *_DATA checksum: 0xEF XOR every payload byte (protocol doc §1.4). */
#define SIM_ROM_CHECKSUM_SEED 0xEFu
#define SIM_ROM_SYNC_VALUE    0x20120707u
#define SIM_ROM_SYNC_REPLIES  8u
#define SIM_ROM_HEADER        8u  /* direction, opcode, size (2), checksum/value (4) */
#define SIM_ROM_DATA_HEADER   16u /* *_DATA: len, seq, 0, 0 */
#define SIM_ROM_DIR_REQUEST   0x00u
#define SIM_ROM_DIR_RESPONSE  0x01u
#define SIM_ROM_FLASH_BLOCK   0x400u  /* esptool's ROM block size (protocol doc §6.4) */
#define SIM_ROM_RAM_BLOCK     0x1800u /* esptool's MEM_DATA block size */
/* Largest frame the model accepts: a MEM_DATA of 0x1800 bytes plus headers, with room to spare.
 * The real ROM's buffer size is unknown (guess). */
#define SIM_ROM_FRAME_MAX 0x2000u
#define SIM_ROM_REPLY_MAX 16u
/* The ROM's receive FIFO (ESP8266 UART hardware FIFO). */
#define SIM_ROM_RX_FIFO 128u

enum sim_rom_action {
    SIM_ROM_ACT_NONE,
    SIM_ROM_ACT_REBOOT,   /* FLASH_END(0): software reset once the reply is out */
    SIM_ROM_ACT_RUN_USER, /* FLASH_END(1): load and run the flash image */
    SIM_ROM_ACT_JUMP,     /* MEM_END(0, entry): jump to uploaded code */
};

struct sim_rom_reply {
    bool send;                        /* false: the frame was ignored */
    uint8_t frame[SIM_ROM_REPLY_MAX]; /* unescaped reply */
    size_t len;
    unsigned repeat;   /* how many copies (SYNC: 8) */
    uint64_t ready_ns; /* when the ROM starts sending it */
    enum sim_rom_action action;
    uint32_t entry;
};

struct sim_rom {
    bool flash_begun;
    uint32_t flash_offset;
    uint32_t flash_blocks;
    uint32_t flash_block_size;
    uint32_t flash_next_seq;
    bool mem_begun;
    uint32_t mem_addr;
    uint32_t mem_size;
    uint32_t mem_blocks;
    uint32_t mem_block_size;
    uint32_t mem_next_seq;
    size_t mem_segment; /* index into the chip's segment log */
    bool mem_segment_valid;
    uint8_t last_opcode; /* opcode of the last command the ROM implemented */
    uint32_t last_value; /* stale "value" the ROM leaves in replies */
    uint32_t spi_params[6];
    bool spi_params_set;
    /* Set by the caller when the frame holds bytes read at a mismatched baud: the ROM reacts the
     * same, but what is wrong with it is line noise, not a client violation. */
    bool noise;
};

/* Fresh loader state, as after a chip reset. */
void sim_rom_init(struct sim_rom *r);

/* Handles one decoded frame received completely at time t. */
void sim_rom_handle(struct sim_rom *r, struct sim_chip *c, uint64_t t, const uint8_t *frame,
                    size_t len, struct sim_rom_reply *out);

/* Sectors the ROM's SPIEraseArea really erases for FLASH_BEGIN(erase_size, offset): it starts at
 * the sector holding offset and covers *count sectors (the over-erase of protocol doc §6.3). */
void sim_rom_erase_span(uint32_t offset, uint32_t erase_size, uint32_t *first_sector,
                        uint32_t *count);

/* Per-command processing time of the ROM (parse, dispatch, reply set-up): a guess. */
#define SIM_ROM_COMMAND_NS (20u * SIM_NS_PER_US)

#endif
