/* SPDX-License-Identifier: MIT */
/* The stub's hardware abstraction: everything the portable protocol logic (stub*.c) needs from
 * the chip. Implemented by hal_esp8266.c on the chip (ROM functions, registers) and by
 * tests/sim/stub/hal_host.c over the simulated board's models. `struct hal` is the target's. */
#ifndef MF_STUB_HAL_H
#define MF_STUB_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hal;

/* ---- UART0 ---- */

/* Queues bytes for transmission; returns when the last one is in the TX FIFO (it may still be
 * shifting out). Safe to call while the RX interrupt feeds stub_rx_byte(). */
void hal_uart_write(struct hal *h, const uint8_t *data, size_t len);
/* True when the TX FIFO and shift register are empty (the last stop bit has left the pin). */
bool hal_uart_tx_idle(struct hal *h);
/* The UART clock divider (UART_CLKDIV & 0xFFFFF): set by the ROM's autobaud on the chip. */
uint32_t hal_uart_clkdiv(struct hal *h);
/* Sets the divider (ROM uart_div_modify on the chip); takes effect for the next bit. */
void hal_uart_set_clkdiv(struct hal *h, uint32_t div);

/* ---- SPI flash. Functions returning int give 0 on success, else the ROM's SPI result (1 error,
 * 2 timeout). Reads and programs wait for a running erase to finish first. ---- */

#define HAL_FLASH_PAGE_SIZE   256u
#define HAL_FLASH_SECTOR_SIZE 4096u
#define HAL_FLASH_BLOCK_SIZE  65536u

enum hal_erase {
    HAL_ERASE_SECTOR, /* the 4 KiB sector containing addr */
    HAL_ERASE_BLOCK,  /* the 64 KiB block containing addr */
    HAL_ERASE_CHIP,   /* whole chip; addr ignored */
};

/* Parameters of SPI_SET_PARAMS, handed to the ROM's SPIParamCfg. */
struct hal_flash_params {
    uint32_t id;
    uint32_t total_size;
    uint32_t block_size;
    uint32_t sector_size;
    uint32_t page_size;
    uint32_t status_mask;
};

int hal_flash_read(struct hal *h, uint32_t addr, uint8_t *buf, uint32_t len);
/* Programs len bytes (1..256) that do not cross a 256-byte page boundary; blocks until done. */
int hal_flash_program(struct hal *h, uint32_t addr, const uint8_t *data, uint32_t len);
/* Sends write-enable and the erase command and returns at once; hal_flash_busy() tells when the
 * erase is over. Starting anything else on the flash first waits for it. */
int hal_flash_erase_start(struct hal *h, enum hal_erase kind, uint32_t addr);
/* True while the flash reports write-in-progress (RDSR WIP). */
bool hal_flash_busy(struct hal *h);
/* Clears the status register's protection bits (ROM SPIUnlock). */
int hal_flash_unlock(struct hal *h);
int hal_flash_set_params(struct hal *h, const struct hal_flash_params *p);
/* SPI_ATTACH: selects the SPI pins and attaches the flash; arg 0 = default pins. */
int hal_flash_attach(struct hal *h, uint32_t arg);

/* ---- MD5 (ROM MD5Init/MD5Update/MD5Final on the chip) ---- */

#define HAL_MD5_CTX_SIZE 128u
/* Storage for the target's MD5 context. */
union hal_md5_ctx {
    uint64_t align;
    uint8_t bytes[HAL_MD5_CTX_SIZE];
};
void hal_md5_init(struct hal *h, union hal_md5_ctx *ctx);
void hal_md5_update(struct hal *h, union hal_md5_ctx *ctx, const uint8_t *data, uint32_t len);
void hal_md5_final(struct hal *h, union hal_md5_ctx *ctx, uint8_t digest[16]);

/* ---- Registers and RAM ---- */

uint32_t hal_reg_read(struct hal *h, uint32_t addr);
void hal_reg_write(struct hal *h, uint32_t addr, uint32_t value);
/* True when [addr, addr + len) is RAM a MEM_BEGIN may load (not the stub's own). */
bool hal_mem_valid(struct hal *h, uint32_t addr, uint32_t len);
/* Copies MEM_DATA into RAM checked by hal_mem_valid(). */
void hal_mem_write(struct hal *h, uint32_t addr, const uint8_t *data, uint32_t len);

/* ---- Time and CPU cost ---- */

void hal_delay_us(struct hal *h, uint32_t us);
/* Monotonic microseconds since an arbitrary start, wrapping at 2^32 (71 minutes): compare two
 * readings by their unsigned difference. */
uint32_t hal_time_us(struct hal *h);
/* A hint from the stub: call stub_poll() again by the time hal_time_us() reaches t_us, even if
 * no byte arrives (a deadline such as the baud probation's). It replaces an earlier hint; a poll
 * at a hint that has become stale does no harm. A no-op where the main loop polls all the time. */
void hal_wake_at(struct hal *h, uint32_t t_us);

/* CPU work the stub did, for the simulator to charge at the chip's speed; a no-op on the chip. */
enum hal_cost {
    HAL_COST_INFLATE, /* units: bytes of inflate output */
    HAL_COST_MD5,     /* units: bytes hashed */
    HAL_COST_COMPARE, /* units: bytes compared or checked for blank */
    HAL_COST_COPY,    /* units: bytes copied */
    HAL_COST_COUNT
};
void hal_cost(struct hal *h, enum hal_cost kind, uint32_t units);

/* ---- Leaving the stub. On the chip these do not return; on the host they record the request
 * and return, and the stub stops answering (stub_poll() gives STUB_POLL_GONE). ---- */

void hal_reboot(struct hal *h);               /* ROM software_reset(): back to the ROM loader */
void hal_run_user_code(struct hal *h);        /* continue the ROM's boot: run the flash app */
void hal_jump(struct hal *h, uint32_t entry); /* MEM_END: call code loaded into RAM */

#endif
