/* SPDX-License-Identifier: MIT */
/* The stub's HAL for host tests and (later) the simulator: sim_flash for the flash, virtual time
 * for every operation, a growing buffer for UART output, md5.c for the ROM's MD5. */
#include "hal_host.h"

#include <stdlib.h>
#include <string.h>

/* CPU cycles per unit of work at 52 MHz (estimates for the lx106 running from IRAM). */
static const uint32_t hal_host_cycles[HAL_COST_COUNT] = {
        [HAL_COST_INFLATE] = 40,
        [HAL_COST_MD5] = 20,
        [HAL_COST_COMPARE] = 3,
        [HAL_COST_COPY] = 2,
};

static const enum sim_flash_op hal_host_erase_op[] = {
        [HAL_ERASE_SECTOR] = SIM_FLASH_OP_ERASE_SECTOR,
        [HAL_ERASE_BLOCK] = SIM_FLASH_OP_ERASE_64K,
        [HAL_ERASE_CHIP] = SIM_FLASH_OP_ERASE_CHIP,
};

void hal_host_init(struct hal *h, struct sim_flash *flash)
{
    memset(h, 0, sizeof *h);
    h->flash = flash;
    h->clkdiv = HAL_HOST_CLKDIV_ROM;
    h->fail_program_addr = SIM_FLASH_NO_FAULT;
}

void hal_host_free(struct hal *h)
{
    free(h->tx);
    h->tx = NULL;
    h->tx_len = 0;
    h->tx_cap = 0;
}

void hal_host_wait_flash(struct hal *h)
{
    uint64_t until = sim_flash_busy_until(h->flash);

    if (until > h->now_ns)
        h->now_ns = until;
}

void hal_host_tx_clear(struct hal *h)
{
    h->tx_len = 0;
    h->tx_len_at_clkdiv = 0;
}

/* ---- UART ---- */

static uint64_t uart_byte_ns(const struct hal *h)
{
    return (uint64_t)h->clkdiv * 10u * 1000000000u / HAL_HOST_CPU_HZ;
}

void hal_uart_write(struct hal *h, const uint8_t *data, size_t len)
{
    uint64_t byte_ns = uart_byte_ns(h);
    uint64_t fifo_ns = byte_ns * HAL_HOST_UART_FIFO;

    if (h->tx_len + len > h->tx_cap) {
        size_t cap = h->tx_cap ? h->tx_cap : 4096;
        uint8_t *p;

        while (cap < h->tx_len + len)
            cap *= 2;
        p = realloc(h->tx, cap);
        if (p == NULL)
            abort();
        h->tx = p;
        h->tx_cap = cap;
    }
    memcpy(h->tx + h->tx_len, data, len);
    h->tx_len += len;
    for (size_t i = 0; i < len; i++) {
        if (h->tx_done_ns < h->now_ns)
            h->tx_done_ns = h->now_ns;
        h->tx_done_ns += byte_ns;
        if (h->tx_done_ns - h->now_ns > fifo_ns)
            h->now_ns = h->tx_done_ns - fifo_ns; /* the CPU waits for FIFO room */
    }
}

bool hal_uart_tx_idle(struct hal *h)
{
    return h->tx_done_ns <= h->now_ns;
}

uint32_t hal_uart_clkdiv(struct hal *h)
{
    return h->clkdiv;
}

void hal_uart_set_clkdiv(struct hal *h, uint32_t div)
{
    h->clkdiv = div;
    h->clkdiv_changes++;
    h->tx_len_at_clkdiv = h->tx_len;
}

/* ---- flash ---- */

int hal_flash_read(struct hal *h, uint32_t addr, uint8_t *buf, uint32_t len)
{
    h->now_ns = sim_flash_read(h->flash, h->now_ns, addr, buf, len);
    return 0;
}

int hal_flash_program(struct hal *h, uint32_t addr, const uint8_t *data, uint32_t len)
{
    h->programs++;
    if (h->fail_program_addr != SIM_FLASH_NO_FAULT && h->fail_program_addr >= addr &&
        h->fail_program_addr - addr < len)
        return 1;
    h->now_ns = sim_flash_page_program(h->flash, h->now_ns, addr, data, len);
    return 0;
}

int hal_flash_erase_start(struct hal *h, enum hal_erase kind, uint32_t addr)
{
    hal_host_wait_flash(h); /* the command waits for the previous operation */
    if (h->erase_rc != 0)
        return h->erase_rc;
    h->erase_starts[kind]++;
    (void)sim_flash_erase(h->flash, h->now_ns, hal_host_erase_op[kind], addr);
    return 0;
}

bool hal_flash_busy(struct hal *h)
{
    h->now_ns += HAL_HOST_RDSR_NS;
    return sim_flash_busy(h->flash, h->now_ns);
}

int hal_flash_unlock(struct hal *h)
{
    return h->unlock_rc;
}

int hal_flash_set_params(struct hal *h, const struct hal_flash_params *p)
{
    h->params = *p;
    h->set_params_calls++;
    return 0;
}

int hal_flash_attach(struct hal *h, uint32_t arg)
{
    h->attach_arg = arg;
    return 0;
}

/* ---- registers, RAM ---- */

uint32_t hal_reg_read(struct hal *h, uint32_t addr)
{
    for (size_t i = 0; i < h->reg_count; i++) {
        if (h->regs[i].addr == addr)
            return h->regs[i].value;
    }
    return 0;
}

void hal_reg_write(struct hal *h, uint32_t addr, uint32_t value)
{
    size_t i = 0;

    while (i < h->reg_count && h->regs[i].addr != addr)
        i++;
    if (i == HAL_HOST_REGS)
        return;
    if (i == h->reg_count)
        h->reg_count++;
    h->regs[i].addr = addr;
    h->regs[i].value = value;
}

static uint8_t *host_ram(struct hal *h, uint32_t addr, uint32_t len)
{
    if (addr >= HAL_HOST_IRAM_BASE && len <= HAL_HOST_IRAM_SIZE &&
        addr - HAL_HOST_IRAM_BASE <= HAL_HOST_IRAM_SIZE - len)
        return h->iram + (addr - HAL_HOST_IRAM_BASE);
    if (addr >= HAL_HOST_DRAM_BASE && len <= HAL_HOST_DRAM_SIZE &&
        addr - HAL_HOST_DRAM_BASE <= HAL_HOST_DRAM_SIZE - len)
        return h->dram + (addr - HAL_HOST_DRAM_BASE);
    return NULL;
}

bool hal_mem_valid(struct hal *h, uint32_t addr, uint32_t len)
{
    return host_ram(h, addr, len) != NULL;
}

void hal_mem_write(struct hal *h, uint32_t addr, const uint8_t *data, uint32_t len)
{
    uint8_t *p = host_ram(h, addr, len);

    if (p != NULL)
        memcpy(p, data, len);
}

/* ---- time, cost, exits ---- */

void hal_delay_us(struct hal *h, uint32_t us)
{
    h->now_ns += (uint64_t)us * 1000u;
}

uint32_t hal_time_us(struct hal *h)
{
    return (uint32_t)(h->now_ns / 1000u);
}

void hal_wake_at(struct hal *h, uint32_t t_us)
{
    h->wake_set = true;
    h->wake_us = t_us;
}

void hal_cost(struct hal *h, enum hal_cost kind, uint32_t units)
{
    uint64_t ns = (uint64_t)units * hal_host_cycles[kind] * 1000u / (HAL_HOST_CPU_HZ / 1000000u);

    h->cost_ns[kind] += ns;
    h->now_ns += ns;
}

void hal_reboot(struct hal *h)
{
    h->exit = HAL_HOST_REBOOT;
}

void hal_run_user_code(struct hal *h)
{
    h->exit = HAL_HOST_USER_CODE;
}

void hal_jump(struct hal *h, uint32_t entry)
{
    h->exit = HAL_HOST_JUMP;
    h->jump_entry = entry;
}
