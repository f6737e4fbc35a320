/* SPDX-License-Identifier: MIT */
/* The stub's HAL on the host, over the simulated board's flash model: virtual time charged for
 * flash operations, UART bytes at the current divider and CPU work; UART output collected in a
 * buffer; registers and RAM as plain memory; leaving the stub recorded instead of done. */
#ifndef MF_HAL_HOST_H
#define MF_HAL_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flash.h"
#include "hal.h"

#define HAL_HOST_REGS       32u
#define HAL_HOST_IRAM_BASE  0x40100000u
#define HAL_HOST_IRAM_SIZE  0x8000u /* esptool's ESP8266 IRAM map, below the stub */
#define HAL_HOST_DRAM_BASE  0x3FFE8000u
#define HAL_HOST_DRAM_SIZE  0x100u /* below the stub's BSS at 0x3FFE8100 (§8.1) */
#define HAL_HOST_CPU_HZ     52000000u
#define HAL_HOST_UART_FIFO  128u
#define HAL_HOST_RDSR_NS    2000u /* one status-register poll over SPI */
#define HAL_HOST_CLKDIV_ROM 452u  /* autobauded at 115200 (§3.2) */

enum hal_host_exit {
    HAL_HOST_RUNNING,
    HAL_HOST_REBOOT,
    HAL_HOST_USER_CODE,
    HAL_HOST_JUMP,
};

struct hal_host_reg {
    uint32_t addr;
    uint32_t value;
};

struct hal {
    struct sim_flash *flash;
    uint64_t now_ns;
    /* UART */
    uint32_t clkdiv;
    uint64_t tx_done_ns; /* the last queued byte has left the pin */
    uint8_t *tx;
    size_t tx_len;
    size_t tx_cap;
    size_t tx_len_at_clkdiv; /* tx_len when the divider last changed */
    uint32_t clkdiv_changes;
    /* registers and RAM */
    struct hal_host_reg regs[HAL_HOST_REGS];
    size_t reg_count;
    uint8_t iram[HAL_HOST_IRAM_SIZE];
    uint8_t dram[HAL_HOST_DRAM_SIZE];
    /* flash control */
    struct hal_flash_params params;
    uint32_t set_params_calls;
    uint32_t attach_arg;
    int unlock_rc;
    uint32_t fail_program_addr; /* SIM_FLASH_NO_FAULT = off: program there returns 1 */
    int erase_rc;               /* hal_flash_erase_start's result; not 0: nothing is erased */
    uint32_t erase_starts[3];   /* by enum hal_erase */
    uint32_t programs;          /* hal_flash_program calls */
    /* the stub's last hal_wake_at() */
    bool wake_set;
    uint32_t wake_us;
    /* accounting and exit */
    uint64_t cost_ns[HAL_COST_COUNT];
    enum hal_host_exit exit;
    uint32_t jump_entry;
};

/* Starts at time 0, divider HAL_HOST_CLKDIV_ROM, nothing sent. */
void hal_host_init(struct hal *h, struct sim_flash *flash);
void hal_host_free(struct hal *h);
/* Moves time on to the end of the flash's current operation. */
void hal_host_wait_flash(struct hal *h);
/* Forgets the UART output collected so far. */
void hal_host_tx_clear(struct hal *h);

#endif
