/* SPDX-License-Identifier: MIT */
/* Statistics of a simulated board session and the protocol violations a client committed: what
 * the simulator prints at the end and what tests assert on. */
#ifndef MF_SIM_STATS_H
#define MF_SIM_STATS_H

#include <stdint.h>

#include "flash.h"

enum sim_violation {
    SIM_VIOL_FRAME_SHORT,       /* frame shorter than the 8-byte command header */
    SIM_VIOL_FRAME_DIRECTION,   /* first byte of a command not 0x00 */
    SIM_VIOL_FRAME_LENGTH,      /* header size field differs from the data received */
    SIM_VIOL_FRAME_TOO_LONG,    /* frame longer than the ROM's receive buffer */
    SIM_VIOL_SLIP_ESCAPE,       /* 0xDB not followed by 0xDC/0xDD */
    SIM_VIOL_UNSUPPORTED,       /* opcode the ESP8266 ROM does not implement */
    SIM_VIOL_BAD_ARGS,          /* data length wrong for the command */
    SIM_VIOL_CHECKSUM,          /* *_DATA checksum mismatch */
    SIM_VIOL_NOT_BEGUN,         /* *_DATA / *_END without the matching *_BEGIN */
    SIM_VIOL_SEQUENCE,          /* *_DATA sequence number not the next one */
    SIM_VIOL_BLOCK_SIZE,        /* FLASH_DATA length differs from FLASH_BEGIN's block size */
    SIM_VIOL_TOO_MANY_BLOCKS,   /* more *_DATA blocks than *_BEGIN announced */
    SIM_VIOL_FLASH_RANGE,       /* flash operation beyond the end of the chip (wraps) */
    SIM_VIOL_FLASH_UNALIGNED,   /* FLASH_BEGIN offset not on a 4 KiB sector */
    SIM_VIOL_RAM_RANGE,         /* MEM_BEGIN/MEM_DATA outside IRAM/DRAM */
    SIM_VIOL_SPI_NOT_ATTACHED,  /* SPI flash command before the ROM attached the flash */
    SIM_VIOL_SPI_FLASH_BUSY,    /* SPI flash command while the flash was busy: ignored */
    SIM_VIOL_SPI_NO_WEL,        /* program/erase/WRSR without write enable: ignored */
    SIM_VIOL_RX_OVERRUN,        /* sent while the ROM was busy: its 128-byte FIFO overflowed */
    SIM_VIOL_SENT_IN_RESET,     /* bytes sent while the chip was held in reset */
    SIM_VIOL_BAUD_OVER_ADAPTER, /* host rate beyond the adapter's maximum */
    SIM_VIOL_WRITE_REG_MULTI,   /* several WRITE_REG entries in one packet to the ROM */
    SIM_VIOL_JUMP_ZERO,         /* MEM_END asking to jump to address 0 */
    SIM_VIOL_COUNT
};

#define SIM_STATS_VIOLATION_LOG 64u
#define SIM_STATS_OPCODES       256u

struct sim_violation_record {
    uint64_t t_ns;
    enum sim_violation code;
    uint32_t arg0;
    uint32_t arg1;
};

struct sim_stats {
    uint64_t bytes_to_chip;   /* bytes the host put on the wire */
    uint64_t bytes_to_host;   /* bytes the chip put on the wire */
    uint64_t wire_ns_to_chip; /* time those bytes occupied the wire */
    uint64_t wire_ns_to_host;
    uint64_t commands[SIM_STATS_OPCODES]; /* ROM commands received, by opcode */
    uint64_t busy_ns;                     /* time the flash was busy (sum over flash operations) */
    uint64_t resets;                      /* chip starts (power-on, EN, software) */
    uint64_t rx_dropped;                  /* bytes the chip lost (reset, overrun, halted) */
    struct sim_flash_op_stats flash[SIM_FLASH_OP_COUNT];
    uint64_t violations[SIM_VIOL_COUNT];
    struct sim_violation_record violation_log[SIM_STATS_VIOLATION_LOG];
    uint32_t violation_log_len; /* first SIM_STATS_VIOLATION_LOG only */
};

const char *sim_violation_name(enum sim_violation code);
void sim_stats_violation(struct sim_stats *s, uint64_t t_ns, enum sim_violation code, uint32_t arg0,
                         uint32_t arg1);

#endif
