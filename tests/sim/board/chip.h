/* SPDX-License-Identifier: MIT */
/* The ESP8266 chip's state that ROM loader commands reach: memory map for READ_REG/WRITE_REG
 * (eFuse, the ROM magic word, UART0 and SPI0 registers, IRAM/DRAM), the flash behind SPI0, and
 * the log of RAM segments uploaded with MEM_BEGIN/MEM_DATA. */
#ifndef MF_SIM_CHIP_H
#define MF_SIM_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "efuse.h"
#include "flash.h"
#include "spi.h"
#include "stats.h"

/* Memory map (protocol doc §5 and §8.1): IRAM holds the stubs' text up to 0x4010F100, DRAM runs
 * from 0x3FFE8000 to the top of the data space. */
#define SIM_CHIP_IRAM_BASE 0x40100000u
#define SIM_CHIP_IRAM_SIZE 0x10000u
#define SIM_CHIP_DRAM_BASE 0x3FFE8000u
#define SIM_CHIP_DRAM_SIZE 0x18000u
/* ROM word read for chip detection: 0xFFF0C101 on ESP8266/ESP8285 (protocol doc §1.6, §5). */
#define SIM_CHIP_MAGIC_ADDR  0x40001000u
#define SIM_CHIP_MAGIC_VALUE 0xFFF0C101u
/* UART0 registers (protocol doc §3.2, §5.4, §8.3). */
#define SIM_CHIP_UART0_BASE   0x60000000u
#define SIM_CHIP_UART0_BYTES  0x80u
#define SIM_CHIP_UART0_CLKDIV 0x60000014u
#define SIM_CHIP_UART0_CONF0  0x60000020u
/* CONF0 after reset: 8 data bits, 1 stop bit (bits 3:2 = 3, bits 5:4 = 1). */
#define SIM_CHIP_UART0_CONF0_8N1 0x1Cu

struct sim_mem_segment {
    uint64_t t_ns; /* MEM_BEGIN time */
    uint32_t addr;
    uint32_t size;
    uint32_t received; /* bytes that arrived through MEM_DATA */
    uint8_t *data;     /* size bytes, 0 where nothing arrived */
};

struct sim_chip {
    struct sim_flash *flash;
    struct sim_stats *stats;
    struct sim_spi spi;
    struct sim_efuse efuse;
    uint8_t *iram;
    uint8_t *dram;
    uint32_t uart0[SIM_CHIP_UART0_BYTES / 4];
    struct sim_mem_segment *segments;
    size_t segment_count;
    size_t segment_cap;
};

int sim_chip_init(struct sim_chip *c, struct sim_flash *flash, struct sim_stats *stats,
                  const struct sim_efuse *efuse);
void sim_chip_free(struct sim_chip *c);
/* Registers back to reset values (UART divider = the ROM's boot divider, SPI detached). RAM and
 * the segment log are kept. */
void sim_chip_reset(struct sim_chip *c);

uint32_t sim_chip_clkdiv(const struct sim_chip *c);
void sim_chip_set_clkdiv(struct sim_chip *c, uint32_t div);

/* True when [addr, addr + len) lies inside IRAM or DRAM. */
bool sim_chip_ram_range(uint32_t addr, uint32_t len);
/* Pointer into IRAM/DRAM for [addr, addr + len), or NULL. */
uint8_t *sim_chip_ram(struct sim_chip *c, uint32_t addr, uint32_t len);

/* 32-bit accesses as READ_REG/WRITE_REG do them at time t. Unmapped reads give 0 (a guess: the
 * real chip may raise an exception for some addresses). */
uint32_t sim_chip_read_word(struct sim_chip *c, uint32_t addr);
void sim_chip_write_word(struct sim_chip *c, uint64_t t, uint32_t addr, uint32_t value);

/* Starts a new entry in the segment log; returns it or NULL (no memory). */
struct sim_mem_segment *sim_chip_segment_new(struct sim_chip *c, uint64_t t, uint32_t addr,
                                             uint32_t size);

#endif
