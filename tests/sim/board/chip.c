/* SPDX-License-Identifier: MIT */
/* Memory map of the simulated ESP8266 as seen from the ROM loader's register commands, and the
 * log of uploaded RAM segments that tests inspect. */
#include "chip.h"

#include <stdlib.h>
#include <string.h>

#include "uart.h"

#define CHIP_SEGMENTS_INITIAL 8u
#define CHIP_SEGMENT_MAX_SIZE (SIM_CHIP_DRAM_SIZE + SIM_CHIP_IRAM_SIZE)

int sim_chip_init(struct sim_chip *c, struct sim_flash *flash, struct sim_stats *stats,
                  const struct sim_efuse *efuse)
{
    memset(c, 0, sizeof *c);
    c->flash = flash;
    c->stats = stats;
    c->efuse = *efuse;
    c->iram = calloc(1, SIM_CHIP_IRAM_SIZE);
    c->dram = calloc(1, SIM_CHIP_DRAM_SIZE);
    if (!c->iram || !c->dram) {
        sim_chip_free(c);
        return -1;
    }
    sim_spi_init(&c->spi);
    sim_chip_reset(c);
    return 0;
}

void sim_chip_free(struct sim_chip *c)
{
    for (size_t i = 0; i < c->segment_count; i++)
        free(c->segments[i].data);
    free(c->segments);
    free(c->iram);
    free(c->dram);
    c->segments = NULL;
    c->iram = c->dram = NULL;
    c->segment_count = c->segment_cap = 0;
}

void sim_chip_reset(struct sim_chip *c)
{
    memset(c->uart0, 0, sizeof c->uart0);
    c->uart0[(SIM_CHIP_UART0_CLKDIV - SIM_CHIP_UART0_BASE) / 4] = SIM_UART_ROM_BOOT_DIV;
    c->uart0[(SIM_CHIP_UART0_CONF0 - SIM_CHIP_UART0_BASE) / 4] = SIM_CHIP_UART0_CONF0_8N1;
    sim_spi_chip_reset(&c->spi);
}

uint32_t sim_chip_clkdiv(const struct sim_chip *c)
{
    return c->uart0[(SIM_CHIP_UART0_CLKDIV - SIM_CHIP_UART0_BASE) / 4] & SIM_UART_DIV_MASK;
}

void sim_chip_set_clkdiv(struct sim_chip *c, uint32_t div)
{
    c->uart0[(SIM_CHIP_UART0_CLKDIV - SIM_CHIP_UART0_BASE) / 4] = div & SIM_UART_DIV_MASK;
}

static bool chip_in(uint32_t addr, uint32_t len, uint32_t base, uint32_t size)
{
    return addr >= base && len <= size && addr - base <= size - len;
}

bool sim_chip_ram_range(uint32_t addr, uint32_t len)
{
    return chip_in(addr, len, SIM_CHIP_IRAM_BASE, SIM_CHIP_IRAM_SIZE) ||
           chip_in(addr, len, SIM_CHIP_DRAM_BASE, SIM_CHIP_DRAM_SIZE);
}

uint8_t *sim_chip_ram(struct sim_chip *c, uint32_t addr, uint32_t len)
{
    if (chip_in(addr, len, SIM_CHIP_IRAM_BASE, SIM_CHIP_IRAM_SIZE))
        return c->iram + (addr - SIM_CHIP_IRAM_BASE);
    if (chip_in(addr, len, SIM_CHIP_DRAM_BASE, SIM_CHIP_DRAM_SIZE))
        return c->dram + (addr - SIM_CHIP_DRAM_BASE);
    return NULL;
}

uint32_t sim_chip_read_word(struct sim_chip *c, uint32_t addr)
{
    uint32_t v = 0;
    const uint8_t *p;

    if (addr == SIM_CHIP_MAGIC_ADDR)
        return SIM_CHIP_MAGIC_VALUE;
    if (sim_efuse_read(&c->efuse, addr, &v))
        return v;
    if (chip_in(addr, 4, SIM_CHIP_UART0_BASE, SIM_CHIP_UART0_BYTES))
        return c->uart0[(addr - SIM_CHIP_UART0_BASE) / 4];
    if (sim_spi_contains(addr))
        return sim_spi_read_reg(&c->spi, addr);
    p = sim_chip_ram(c, addr & ~3u, 4);
    if (p)
        v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return v;
}

void sim_chip_write_word(struct sim_chip *c, uint64_t t, uint32_t addr, uint32_t value)
{
    uint8_t *p;

    if (chip_in(addr, 4, SIM_CHIP_UART0_BASE, SIM_CHIP_UART0_BYTES)) {
        c->uart0[(addr - SIM_CHIP_UART0_BASE) / 4] = value;
        return;
    }
    if (sim_spi_contains(addr)) {
        unsigned ev = sim_spi_write_reg(&c->spi, c->flash, t, addr, value);
        if (ev & SIM_SPI_EV_NOT_ATTACHED)
            sim_stats_violation(c->stats, t, SIM_VIOL_SPI_NOT_ATTACHED, addr, value);
        if (ev & SIM_SPI_EV_BUSY)
            sim_stats_violation(c->stats, t, SIM_VIOL_SPI_FLASH_BUSY, addr, value);
        if (ev & SIM_SPI_EV_NO_WEL)
            sim_stats_violation(c->stats, t, SIM_VIOL_SPI_NO_WEL, addr, value);
        return;
    }
    p = sim_chip_ram(c, addr & ~3u, 4);
    if (p) {
        for (unsigned i = 0; i < 4; i++)
            p[i] = (uint8_t)(value >> (8 * i));
    }
    /* eFuse words and the ROM are read-only; other addresses are not modelled. */
}

struct sim_mem_segment *sim_chip_segment_new(struct sim_chip *c, uint64_t t, uint32_t addr,
                                             uint32_t size)
{
    struct sim_mem_segment *s;

    if (size > CHIP_SEGMENT_MAX_SIZE)
        size = CHIP_SEGMENT_MAX_SIZE;
    if (c->segment_count == c->segment_cap) {
        size_t cap = c->segment_cap ? c->segment_cap * 2 : CHIP_SEGMENTS_INITIAL;
        struct sim_mem_segment *n = realloc(c->segments, cap * sizeof *n);
        if (!n)
            return NULL;
        c->segments = n;
        c->segment_cap = cap;
    }
    s = &c->segments[c->segment_count];
    s->data = calloc(1, size ? size : 1);
    if (!s->data)
        return NULL;
    s->t_ns = t;
    s->addr = addr;
    s->size = size;
    s->received = 0;
    c->segment_count++;
    return s;
}
