/* SPDX-License-Identifier: MIT */
/* hal.h on the ESP8266: UART0 by its FIFO registers and an RX interrupt, flash through the ROM's
 * SPI functions plus a register-level erase that does not wait, MD5 and delays from the ROM. */
#include "hal_esp8266.h"

#include "esp8266_regs.h"
#include "rom_esp8266.h"
#include "stub.h"
#include "stub_layout.h"

_Static_assert(sizeof(struct rom_md5_ctx) <= HAL_MD5_CTX_SIZE, "ROM MD5 context does not fit");
_Static_assert(STUB_LAYOUT_ENTRY == STUB_LAYOUT_IRAM_START, "entry must be the first word");

/* UART receive: interrupt at this many bytes in the FIFO, or after this many idle byte times
 * with fewer (the values of the established stub, §8.3). */
#define HAL_UART_RX_FULL_THRESHOLD 32u
#define HAL_UART_RX_TIMEOUT        10u
/* The TX shift register has no status bit: once the FIFO is empty, wait one byte time of
 * HAL_UART_BYTE_BITS at the slowest UART clock the ROM runs (26 MHz crystal doubled, with
 * margin: 40 MHz), in divider units per microsecond. */
#define HAL_UART_BYTE_BITS      11u
#define HAL_UART_CLK_MIN_PER_US 40u

#define HAL_WORD          4u
#define HAL_READ_BOUNCE   64u /* bytes per ROM read when the caller's buffer is unaligned */
#define HAL_ALIGN_DOWN(x) ((x) & ~(uint32_t)(HAL_WORD - 1u))
#define HAL_ALIGN_UP(x)   HAL_ALIGN_DOWN((x) + HAL_WORD - 1u)
#define HAL_ERASED_BYTE   0xFFu /* programming it leaves a NOR cell as it is */
/* The ROM loader's CPU clock (26 MHz crystal doubled), should ets_get_cpu_frequency() say 0. */
#define HAL_CPU_MHZ_DEFAULT 52u

/* The geometry the ROM gets before the host sends SPI_SET_PARAMS (legacy stub, §8.2). */
static const struct hal_flash_params hal_flash_default = {
        .id = 0,
        .total_size = 16u * 1024u * 1024u,
        .block_size = HAL_FLASH_BLOCK_SIZE,
        .sector_size = HAL_FLASH_SECTOR_SIZE,
        .page_size = HAL_FLASH_PAGE_SIZE,
        .status_mask = 0xFFFFu,
};

/* SPI_CMD bit and address unit of each erase. */
struct hal_erase_info {
    uint32_t cmd;
    uint32_t unit;
};

static const struct hal_erase_info hal_erase_table[] = {
        [HAL_ERASE_SECTOR] = {ESP8266_SPI_CMD_SE, HAL_FLASH_SECTOR_SIZE},
        [HAL_ERASE_BLOCK] = {ESP8266_SPI_CMD_BE, HAL_FLASH_BLOCK_SIZE},
        [HAL_ERASE_CHIP] = {ESP8266_SPI_CMD_CE, 0},
};

/* RAM a MEM_BEGIN may load: what lies below the stub in IRAM and in DRAM. */
struct hal_ram_area {
    uint32_t start;
    uint32_t end;
};

static const struct hal_ram_area hal_ram_areas[] = {
        {ESP8266_IRAM_BASE, STUB_LAYOUT_IRAM_START},
        {ESP8266_DRAM_BASE, STUB_LAYOUT_DRAM_START},
};

#define HAL_RAM_AREA_COUNT (sizeof hal_ram_areas / sizeof hal_ram_areas[0])

static uint32_t reg_get(uint32_t addr)
{
    return *(volatile uint32_t *)(uintptr_t)addr;
}

static void reg_set(uint32_t addr, uint32_t value)
{
    *(volatile uint32_t *)(uintptr_t)addr = value;
}

static bool hal_aligned(const void *p)
{
    return ((uintptr_t)p & (HAL_WORD - 1u)) == 0;
}

/* ---- UART0 ---- */

static uint32_t uart_tx_count(void)
{
    return (reg_get(ESP8266_UART_STATUS) >> ESP8266_UART_STATUS_TX_CNT_SHIFT) &
           ESP8266_UART_STATUS_TX_CNT_MASK;
}

static void hal_uart_isr(void *arg)
{
    struct hal *h = arg;
    uint32_t n;

    while ((n = reg_get(ESP8266_UART_STATUS) & ESP8266_UART_STATUS_RX_CNT_MASK) != 0) {
        while (n-- > 0)
            stub_rx_byte(h->stub, (uint8_t)reg_get(ESP8266_UART_FIFO));
    }
    reg_set(ESP8266_UART_INT_CLR, ESP8266_UART_INT_RXFIFO_FULL | ESP8266_UART_INT_RXFIFO_TOUT);
}

static void hal_uart_rx_stop(void)
{
    ets_isr_mask(1u << ESP8266_UART_INUM);
    reg_set(ESP8266_UART_INT_ENA, 0);
    reg_set(ESP8266_UART_INT_CLR, ESP8266_UART_INT_ALL);
}

void hal_esp8266_rx_start(struct hal *h)
{
    uint32_t conf1 = reg_get(ESP8266_UART_CONF1);

    hal_uart_rx_stop();
    conf1 &= ~(ESP8266_UART_CONF1_RX_FULL_MASK |
               ESP8266_UART_CONF1_TOUT_MASK << ESP8266_UART_CONF1_TOUT_SHIFT |
               ESP8266_UART_CONF1_TOUT_EN);
    conf1 |= HAL_UART_RX_FULL_THRESHOLD | HAL_UART_RX_TIMEOUT << ESP8266_UART_CONF1_TOUT_SHIFT |
             ESP8266_UART_CONF1_TOUT_EN;
    reg_set(ESP8266_UART_CONF1, conf1);
    ets_isr_attach(ESP8266_UART_INUM, hal_uart_isr, h);
    reg_set(ESP8266_UART_INT_ENA, ESP8266_UART_INT_RXFIFO_FULL | ESP8266_UART_INT_RXFIFO_TOUT);
    ets_isr_unmask(1u << ESP8266_UART_INUM);
}

void hal_uart_write(struct hal *h, const uint8_t *data, size_t len)
{
    (void)h;
    for (size_t i = 0; i < len; i++) {
        while (uart_tx_count() >= ESP8266_UART_TX_FIFO_SIZE) {
        }
        reg_set(ESP8266_UART_FIFO, data[i]);
    }
}

bool hal_uart_tx_idle(struct hal *h)
{
    if (uart_tx_count() != 0)
        return false;
    ets_delay_us(hal_uart_clkdiv(h) * HAL_UART_BYTE_BITS / HAL_UART_CLK_MIN_PER_US + 1u);
    return true;
}

uint32_t hal_uart_clkdiv(struct hal *h)
{
    (void)h;
    return reg_get(ESP8266_UART_CLKDIV) & ESP8266_UART_CLKDIV_MASK;
}

void hal_uart_set_clkdiv(struct hal *h, uint32_t div)
{
    (void)h;
    uart_div_modify(ESP8266_UART0, div);
}

/* ---- SPI flash ---- */

/* Runs one SPI_CMD command and waits until the controller has sent it. */
static void spi_command(uint32_t cmd)
{
    while ((reg_get(ESP8266_SPI_EXT2) & ESP8266_SPI_EXT2_STATE) != 0) {
    }
    reg_set(ESP8266_SPI_CMD, cmd);
    while ((reg_get(ESP8266_SPI_CMD) & cmd) != 0) {
    }
}

static uint32_t spi_read_status(void)
{
    reg_set(ESP8266_SPI_RD_STATUS, 0);
    spi_command(ESP8266_SPI_CMD_RDSR);
    return reg_get(ESP8266_SPI_RD_STATUS);
}

static void flash_wait(struct hal *h)
{
    while (hal_flash_busy(h)) {
    }
}

bool hal_flash_busy(struct hal *h)
{
    (void)h;
    return (spi_read_status() & ESP8266_SPI_STATUS_WIP) != 0;
}

int hal_flash_read(struct hal *h, uint32_t addr, uint8_t *buf, uint32_t len)
{
    uint32_t bounce[HAL_READ_BOUNCE / HAL_WORD];
    int rc = 0;

    flash_wait(h);
    if (hal_aligned(buf) && HAL_ALIGN_DOWN(addr) == addr && HAL_ALIGN_DOWN(len) == len)
        return SPIRead(addr, buf, len);
    while (len > 0 && rc == 0) {
        uint32_t base = HAL_ALIGN_DOWN(addr);
        uint32_t skip = addr - base;
        uint32_t n = HAL_READ_BOUNCE - skip;

        if (n > len)
            n = len;
        rc = SPIRead(base, bounce, HAL_ALIGN_UP(skip + n));
        memcpy(buf, (const uint8_t *)bounce + skip, n);
        addr += n;
        buf += n;
        len -= n;
    }
    return rc;
}

int hal_flash_program(struct hal *h, uint32_t addr, const uint8_t *data, uint32_t len)
{
    uint32_t page[HAL_FLASH_PAGE_SIZE / HAL_WORD];
    uint32_t base = HAL_ALIGN_DOWN(addr);
    uint32_t skip = addr - base;
    uint8_t *bytes = (uint8_t *)page;

    flash_wait(h);
    if (hal_aligned(data) && skip == 0 && HAL_ALIGN_DOWN(len) == len)
        return SPIWrite(addr, data, len);
    /* widen to whole words with erased bytes, which programming leaves unchanged; a page
     * starts on a word, so the words stay inside the caller's page */
    for (uint32_t i = 0; i < HAL_FLASH_PAGE_SIZE; i++)
        bytes[i] = HAL_ERASED_BYTE;
    memcpy(bytes + skip, data, len);
    return SPIWrite(base, page, HAL_ALIGN_UP(skip + len));
}

int hal_flash_erase_start(struct hal *h, enum hal_erase kind, uint32_t addr)
{
    const struct hal_erase_info *e = &hal_erase_table[kind];

    flash_wait(h);
    spi_command(ESP8266_SPI_CMD_WREN);
    if ((spi_read_status() & ESP8266_SPI_STATUS_WEL) == 0)
        return ESP8266_SPI_RESULT_ERR;
    if (e->unit != 0)
        reg_set(ESP8266_SPI_ADDR, (addr & ~(e->unit - 1u)) & ESP8266_SPI_ADDR_MASK);
    spi_command(e->cmd);
    return 0;
}

int hal_flash_unlock(struct hal *h)
{
    flash_wait(h);
    return SPIUnlock();
}

int hal_flash_set_params(struct hal *h, const struct hal_flash_params *p)
{
    (void)h;
    return SPIParamCfg(p->id, p->total_size, p->block_size, p->sector_size, p->page_size,
                       p->status_mask);
}

int hal_flash_attach(struct hal *h, uint32_t arg)
{
    (void)arg; /* the ESP8266 ROM attaches the default pins only (§8.9) */
    flash_wait(h);
    SelectSpiFunction();
    spi_flash_attach();
    return 0;
}

void hal_esp8266_flash_start(struct hal *h)
{
    (void)hal_flash_attach(h, 0);
    (void)hal_flash_set_params(h, &hal_flash_default);
}

/* ---- MD5 ---- */

static struct rom_md5_ctx *md5_ctx(union hal_md5_ctx *ctx)
{
    return (struct rom_md5_ctx *)(void *)ctx->bytes;
}

void hal_md5_init(struct hal *h, union hal_md5_ctx *ctx)
{
    (void)h;
    MD5Init(md5_ctx(ctx));
}

void hal_md5_update(struct hal *h, union hal_md5_ctx *ctx, const uint8_t *data, uint32_t len)
{
    (void)h;
    MD5Update(md5_ctx(ctx), data, len);
}

void hal_md5_final(struct hal *h, union hal_md5_ctx *ctx, uint8_t digest[16])
{
    (void)h;
    MD5Final(digest, md5_ctx(ctx));
}

/* ---- registers and RAM ---- */

uint32_t hal_reg_read(struct hal *h, uint32_t addr)
{
    (void)h;
    return reg_get(addr);
}

void hal_reg_write(struct hal *h, uint32_t addr, uint32_t value)
{
    (void)h;
    reg_set(addr, value);
}

bool hal_mem_valid(struct hal *h, uint32_t addr, uint32_t len)
{
    (void)h;
    for (size_t i = 0; i < HAL_RAM_AREA_COUNT; i++) {
        const struct hal_ram_area *a = &hal_ram_areas[i];

        if (addr >= a->start && len <= a->end - a->start &&
            addr - a->start <= a->end - a->start - len)
            return true;
    }
    return false;
}

/* IRAM takes 32-bit accesses only, so every byte goes in by read-modify-write of its word. */
void hal_mem_write(struct hal *h, uint32_t addr, const uint8_t *data, uint32_t len)
{
    (void)h;
    for (uint32_t i = 0; i < len; i++) {
        uint32_t a = addr + i;
        uint32_t word = HAL_ALIGN_DOWN(a);
        uint32_t shift = (a - word) * 8u;
        uint32_t v = reg_get(word) & ~(0xFFu << shift);

        reg_set(word, v | (uint32_t)data[i] << shift);
    }
}

/* ---- time, cost, exits ---- */

void hal_delay_us(struct hal *h, uint32_t us)
{
    (void)h;
    ets_delay_us(us);
}

/* The CPU's cycle counter (special register CCOUNT): always running, at the CPU clock. */
static uint32_t ccount(void)
{
    uint32_t v;

    __asm__ volatile("rsr %0, ccount" : "=a"(v));
    return v;
}

/* Time from CCOUNT, the one clock the ROM loader certainly leaves running (FRC1 and FRC2 are set
 * up by applications, not by the download-mode ROM), at the clock ets_delay_us() assumes.
 * CCOUNT wraps every 2^32 cycles (82 s at 52 MHz): calls must come more often than that for the
 * count to stay continuous, which the main loop's polling ensures while a deadline runs. */
uint32_t hal_time_us(struct hal *h)
{
    uint32_t now = ccount();
    uint32_t mhz = ets_get_cpu_frequency();

    if (mhz == 0)
        mhz = HAL_CPU_MHZ_DEFAULT;
    h->time_cycles += now - h->time_ccount;
    h->time_ccount = now;
    if (h->time_cycles >= mhz) {
        uint32_t us = h->time_cycles / mhz;

        h->time_us += us;
        h->time_cycles -= us * mhz;
    }
    return h->time_us;
}

void hal_wake_at(struct hal *h, uint32_t t_us)
{
    (void)h; /* main_esp8266.c polls all the time */
    (void)t_us;
}

void hal_cost(struct hal *h, enum hal_cost kind, uint32_t units)
{
    (void)h;
    (void)kind;
    (void)units;
}

void hal_reboot(struct hal *h)
{
    (void)h;
    hal_uart_rx_stop();
    software_reset();
    for (;;) {
    }
}

void hal_run_user_code(struct hal *h)
{
    (void)h;
    hal_uart_rx_stop();
    stub_exit_to_rom();
}

void hal_jump(struct hal *h, uint32_t entry)
{
    (void)h;
    hal_uart_rx_stop();
    ((void (*)(void))(uintptr_t)entry)();
    stub_exit_to_rom();
}

void hal_esp8266_init(struct hal *h, struct stub *s)
{
    h->stub = s;
    h->time_ccount = ccount();
    h->time_cycles = 0;
    h->time_us = 0;
}
