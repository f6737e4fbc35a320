/* SPDX-License-Identifier: MIT */
/* The ESP8266 ROM functions the chip HAL calls; their addresses are in ../ld/rom.ld (protocol
 * doc §8.9). SPI functions return 0 on success, 1 on error, 2 on timeout. */
#ifndef MF_STUB_ROM_ESP8266_H
#define MF_STUB_ROM_ESP8266_H

#include <stddef.h>
#include <stdint.h>

/* MD5 context of the ROM's MD5Init/MD5Update/MD5Final. */
struct rom_md5_ctx {
    uint32_t buf[4];
    uint32_t bits[2];
    uint8_t in[64];
};

int SPIRead(uint32_t addr, void *dst, uint32_t size);
int SPIWrite(uint32_t addr, const void *src, uint32_t size);
int SPIUnlock(void);
int SPIParamCfg(uint32_t id, uint32_t chip_size, uint32_t block_size, uint32_t sector_size,
                uint32_t page_size, uint32_t status_mask);
void SelectSpiFunction(void);
void spi_flash_attach(void);

void ets_delay_us(uint32_t us);
/* The CPU clock in MHz the ROM assumes (what ets_delay_us counts cycles with). */
uint32_t ets_get_cpu_frequency(void);
void uart_div_modify(uint32_t uart_no, uint32_t divider);
void ets_isr_attach(uint32_t num, void (*handler)(void *arg), void *arg);
void ets_isr_mask(uint32_t mask);
void ets_isr_unmask(uint32_t mask);
void ets_set_user_start(uint32_t start);
void software_reset(void);

void MD5Init(struct rom_md5_ctx *ctx);
void MD5Update(struct rom_md5_ctx *ctx, const void *data, uint32_t len);
void MD5Final(uint8_t digest[16], struct rom_md5_ctx *ctx);

/* The C compiler may call these for struct copies and initialisers. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
