/* SPDX-License-Identifier: MIT */
/* The stub's HAL over the simulated board (stub mode): the board's wire, flash model, registers and
 * RAM; every wait, flash operation and CPU cost moves the stub's own virtual time on. */
#include "hal_board.h"

#include <string.h>

#include "simtime.h"
#include "stub_layout.h"
#include "uart.h"

/* UART0 TX FIFO: the CPU blocks while it is full (as the board's ROM and REPL do). */
#define HAL_BOARD_TX_FIFO  128u
#define HAL_BOARD_DIV_MASK 0xFFFFFu /* UART_CLKDIV's divider field */

/* CPU cycles per unit of work at 52 MHz. Estimates for the lx106 running from IRAM, not
 * measurements: inflate per output byte, MD5 per byte hashed, compare/blank check, copy. */
static const uint32_t hal_board_cycles[HAL_COST_COUNT] = {
        [HAL_COST_INFLATE] = 40,
        [HAL_COST_MD5] = 20,
        [HAL_COST_COMPARE] = 3,
        [HAL_COST_COPY] = 2,
};

static const enum sim_flash_op hal_board_erase_op[] = {
        [HAL_ERASE_SECTOR] = SIM_FLASH_OP_ERASE_SECTOR,
        [HAL_ERASE_BLOCK] = SIM_FLASH_OP_ERASE_64K,
        [HAL_ERASE_CHIP] = SIM_FLASH_OP_ERASE_CHIP,
};

void hal_board_init(struct hal *h, struct board *b, uint64_t t_ns)
{
    memset(h, 0, sizeof *h);
    h->board = b;
    h->now_ns = t_ns;
    h->tx_done_ns = t_ns;
    h->exit = HAL_BOARD_RUNNING;
}

/* ---- UART ---- */

void hal_uart_write(struct hal *h, const uint8_t *data, size_t len)
{
    uint64_t fifo_ns = sim_uart_byte_ns(board_chip_baud(h->board)) * HAL_BOARD_TX_FIFO;
    uint64_t end = board_chip_send(h->board, h->now_ns, data, len);

    h->tx_done_ns = sim_time_max(h->tx_done_ns, end);
    if (h->tx_done_ns > h->now_ns + fifo_ns)
        h->now_ns = h->tx_done_ns - fifo_ns; /* the CPU waits for room in the FIFO */
}

bool hal_uart_tx_idle(struct hal *h)
{
    return h->tx_done_ns <= h->now_ns;
}

uint32_t hal_uart_clkdiv(struct hal *h)
{
    return sim_chip_clkdiv(board_chip(h->board)) & HAL_BOARD_DIV_MASK;
}

void hal_uart_set_clkdiv(struct hal *h, uint32_t div)
{
    board_chip_set_clkdiv(h->board, h->now_ns, div & HAL_BOARD_DIV_MASK);
}

/* ---- flash ---- */

/* The stub's time moves on to the end of the flash's current operation. */
static void hal_board_wait_flash(struct hal *h)
{
    uint64_t until = sim_flash_busy_until(board_flash(h->board));

    if (until > h->now_ns) {
        h->flash_wait_ns += until - h->now_ns;
        h->now_ns = until;
    }
}

int hal_flash_read(struct hal *h, uint32_t addr, uint8_t *buf, uint32_t len)
{
    hal_board_wait_flash(h);
    h->now_ns = sim_flash_read(board_flash(h->board), h->now_ns, addr, buf, len);
    return 0;
}

int hal_flash_program(struct hal *h, uint32_t addr, const uint8_t *data, uint32_t len)
{
    /* An injected program fault leaves the page unchanged and, as the ROM's SPIWrite, reports
     * success: only a read-back or MD5 finds it. */
    hal_board_wait_flash(h);
    h->now_ns = sim_flash_page_program(board_flash(h->board), h->now_ns, addr, data, len);
    return 0;
}

int hal_flash_erase_start(struct hal *h, enum hal_erase kind, uint32_t addr)
{
    hal_board_wait_flash(h);
    (void)sim_flash_erase(board_flash(h->board), h->now_ns, hal_board_erase_op[kind], addr);
    return 0;
}

bool hal_flash_busy(struct hal *h)
{
    h->now_ns += HAL_BOARD_RDSR_NS;
    return sim_flash_busy(board_flash(h->board), h->now_ns);
}

int hal_flash_unlock(struct hal *h)
{
    (void)h; /* the flash model has no write protection to clear */
    return 0;
}

int hal_flash_set_params(struct hal *h, const struct hal_flash_params *p)
{
    (void)h, (void)p; /* SPIParamCfg only tells the ROM's driver the geometry */
    return 0;
}

int hal_flash_attach(struct hal *h, uint32_t arg)
{
    (void)arg;
    board_chip(h->board)->spi.attached = true;
    return 0;
}

/* ---- registers, RAM ---- */

uint32_t hal_reg_read(struct hal *h, uint32_t addr)
{
    return sim_chip_read_word(board_chip(h->board), addr);
}

void hal_reg_write(struct hal *h, uint32_t addr, uint32_t value)
{
    struct sim_chip *c = board_chip(h->board);
    uint32_t div = sim_chip_clkdiv(c);

    sim_chip_write_word(c, h->now_ns, addr, value);
    if (sim_chip_clkdiv(c) != div)
        board_chip_set_clkdiv(h->board, h->now_ns, sim_chip_clkdiv(c)); /* UART_CLKDIV */
}

static bool hal_board_overlaps(uint32_t addr, uint32_t len, uint32_t start, uint32_t size)
{
    return addr < start + size && start < addr + len;
}

bool hal_mem_valid(struct hal *h, uint32_t addr, uint32_t len)
{
    (void)h;
    if (!sim_chip_ram_range(addr, len))
        return false;
    return !hal_board_overlaps(addr, len, STUB_LAYOUT_IRAM_START, STUB_LAYOUT_IRAM_SIZE) &&
           !hal_board_overlaps(addr, len, STUB_LAYOUT_DRAM_START, STUB_LAYOUT_DRAM_SIZE);
}

void hal_mem_write(struct hal *h, uint32_t addr, const uint8_t *data, uint32_t len)
{
    uint8_t *p = sim_chip_ram(board_chip(h->board), addr, len);

    if (p != NULL)
        memcpy(p, data, len);
}

/* ---- time, cost, exits ---- */

void hal_delay_us(struct hal *h, uint32_t us)
{
    h->now_ns += (uint64_t)us * SIM_NS_PER_US;
}

/* The board's virtual time in microseconds: what the chip's cycle counter would give. */
uint32_t hal_time_us(struct hal *h)
{
    return (uint32_t)(h->now_ns / SIM_NS_PER_US);
}

void hal_wake_at(struct hal *h, uint32_t t_us)
{
    h->wake_set = true;
    h->wake_us = t_us;
}

uint64_t hal_board_wake_ns(const struct hal *h)
{
    uint64_t now_us = h->now_ns / SIM_NS_PER_US;
    int32_t ahead = (int32_t)(h->wake_us - (uint32_t)now_us);
    uint64_t t = SIM_TIME_NEVER;

    if (h->wake_set && ahead > 0)
        t = (now_us + (uint64_t)ahead) * SIM_NS_PER_US;
    return t;
}

void hal_cost(struct hal *h, enum hal_cost kind, uint32_t units)
{
    uint64_t ns = (uint64_t)units * hal_board_cycles[kind] * SIM_NS_PER_S / HAL_BOARD_CPU_HZ;

    h->cost_ns[kind] += ns;
    h->now_ns += ns;
}

void hal_reboot(struct hal *h)
{
    h->exit = HAL_BOARD_REBOOT;
}

void hal_run_user_code(struct hal *h)
{
    h->exit = HAL_BOARD_USER_CODE;
}

void hal_jump(struct hal *h, uint32_t entry)
{
    h->exit = HAL_BOARD_JUMP;
    h->jump_entry = entry;
}
