/* SPDX-License-Identifier: MIT */
/* Names of the protocol violations the simulated board detects, and their recording: a count per
 * kind plus the first few occurrences with time and arguments. */
#include "stats.h"

static const char *const STATS_VIOLATION_NAMES[SIM_VIOL_COUNT] = {
        [SIM_VIOL_FRAME_SHORT] = "frame shorter than a command header",
        [SIM_VIOL_FRAME_DIRECTION] = "command direction byte not 0x00",
        [SIM_VIOL_FRAME_LENGTH] = "size field differs from the data received",
        [SIM_VIOL_FRAME_TOO_LONG] = "frame longer than the ROM's receive buffer",
        [SIM_VIOL_SLIP_ESCAPE] = "invalid SLIP escape",
        [SIM_VIOL_UNSUPPORTED] = "opcode not implemented by the ESP8266 ROM",
        [SIM_VIOL_BAD_ARGS] = "wrong data length for the command",
        [SIM_VIOL_CHECKSUM] = "data checksum mismatch",
        [SIM_VIOL_NOT_BEGUN] = "DATA/END without BEGIN",
        [SIM_VIOL_SEQUENCE] = "unexpected sequence number",
        [SIM_VIOL_BLOCK_SIZE] = "block length differs from the announced block size",
        [SIM_VIOL_TOO_MANY_BLOCKS] = "more blocks than announced",
        [SIM_VIOL_FLASH_RANGE] = "flash access beyond the end of the chip",
        [SIM_VIOL_FLASH_UNALIGNED] = "FLASH_BEGIN offset not sector-aligned",
        [SIM_VIOL_RAM_RANGE] = "RAM download outside IRAM/DRAM",
        [SIM_VIOL_SPI_NOT_ATTACHED] = "SPI flash command before the flash was attached",
        [SIM_VIOL_SPI_FLASH_BUSY] = "SPI flash command while the flash was busy",
        [SIM_VIOL_SPI_NO_WEL] = "flash program/erase/status write without write enable",
        [SIM_VIOL_RX_OVERRUN] = "sent while the chip was busy: receive FIFO overflow",
        [SIM_VIOL_SENT_IN_RESET] = "sent while the chip was held in reset",
        [SIM_VIOL_BAUD_OVER_ADAPTER] = "baud rate beyond the adapter's maximum",
        [SIM_VIOL_WRITE_REG_MULTI] = "several WRITE_REG entries sent to the ROM",
        [SIM_VIOL_JUMP_ZERO] = "MEM_END jump to address 0",
};

const char *sim_violation_name(enum sim_violation code)
{
    return (unsigned)code < SIM_VIOL_COUNT ? STATS_VIOLATION_NAMES[code] : "?";
}

void sim_stats_violation(struct sim_stats *s, uint64_t t_ns, enum sim_violation code, uint32_t arg0,
                         uint32_t arg1)
{
    if ((unsigned)code >= SIM_VIOL_COUNT)
        return;
    s->violations[code]++;
    if (s->violation_log_len < SIM_STATS_VIOLATION_LOG) {
        struct sim_violation_record *r = &s->violation_log[s->violation_log_len++];
        r->t_ns = t_ns;
        r->code = code;
        r->arg0 = arg0;
        r->arg1 = arg1;
    }
}
