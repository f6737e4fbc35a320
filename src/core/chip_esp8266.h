/* SPDX-License-Identifier: MIT */
/* ESP8266/ESP8285 facts as data (esp8266-protocol.md §3.2, §5, §6): registers, eFuse decoding
 * (variant, MAC, chip id), crystal estimate, UART divider, the SPI flash ID/size tables, the
 * register plan for a SPI flash command, and the ROM's erase-size bug workaround. No I/O. */
#ifndef MF_CHIP_ESP8266_H
#define MF_CHIP_ESP8266_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* §5: chip detection. */
#define CHIP_MAGIC_REG     0x40001000u
#define CHIP_MAGIC_ESP8266 0xFFF0C101u

/* §5.1: the four eFuse/OTP words, 128-bit value = w3 << 96 | w2 << 64 | w1 << 32 | w0. */
#define CHIP_EFUSE_WORDS  4u
#define CHIP_EFUSE_W0     0x3FF00050u
#define CHIP_EFUSE_W1     0x3FF00054u
#define CHIP_EFUSE_W2     0x3FF00058u
#define CHIP_EFUSE_W3     0x3FF0005Cu
#define CHIP_EFUSE_REG(i) (CHIP_EFUSE_W0 + 4u * (uint32_t)(i))

/* §5.4, §3.2: UART0 clock divider and the UART clock in download mode (2 × 26 MHz crystal). */
#define CHIP_UART_CLKDIV_REG  0x60000014u
#define CHIP_UART_CLKDIV_MASK 0xFFFFFu
#define CHIP_UART_CLOCK_HZ    52000000u
#define CHIP_XTAL_CLK_DIVIDER 2u
#define CHIP_ROM_BOOT_BAUD    74880u /* the ROM's boot messages with a 26 MHz crystal */
#define CHIP_ROM_BAUD         115200u

/* §6.1: SPI0 registers (no MOSI/MISO_DLEN on the ESP8266: lengths live in USR1). */
#define CHIP_SPI_BASE               0x60000200u
#define CHIP_SPI_CMD_REG            (CHIP_SPI_BASE + 0x00u)
#define CHIP_SPI_ADDR_REG           (CHIP_SPI_BASE + 0x04u)
#define CHIP_SPI_USR_REG            (CHIP_SPI_BASE + 0x1Cu)
#define CHIP_SPI_USR1_REG           (CHIP_SPI_BASE + 0x20u)
#define CHIP_SPI_USR2_REG           (CHIP_SPI_BASE + 0x24u)
#define CHIP_SPI_W0_REG             (CHIP_SPI_BASE + 0x40u)
#define CHIP_SPI_CMD_USR            (1u << 18)
#define CHIP_SPI_USR_COMMAND        (1u << 31)
#define CHIP_SPI_USR_ADDR           (1u << 30)
#define CHIP_SPI_USR_DUMMY          (1u << 29)
#define CHIP_SPI_USR_MISO           (1u << 28)
#define CHIP_SPI_USR_MOSI           (1u << 27)
#define CHIP_SPI_USR1_MISO_SHIFT    8u
#define CHIP_SPI_USR1_MOSI_SHIFT    17u
#define CHIP_SPI_USR1_ADDR_SHIFT    26u
#define CHIP_SPI_USR2_CMD_LEN_SHIFT 28u
#define CHIP_SPI_POLLS_MAX          10u /* reads of CMD before "SPI command did not complete in time" */
#define CHIP_SPI_MOSI_MAX           64u  /* bytes of data one command can send (W0..W15) */
#define CHIP_SPI_MISO_MAX           512u /* bits one command can read back (W0..W15) */
#define CHIP_SPI_BUF_WORDS          16u  /* W0..W15 */

/* SPI flash opcodes used through the register plan (§6.1). */
#define CHIP_FLASH_CMD_RDID  0x9Fu
#define CHIP_FLASH_CMD_RDSR  0x05u
#define CHIP_FLASH_CMD_RDSR2 0x35u
#define CHIP_FLASH_CMD_RDSR3 0x15u
#define CHIP_FLASH_CMD_WRSR  0x01u
#define CHIP_FLASH_CMD_WREN  0x06u
#define CHIP_FLASH_CMD_WEVSR 0x50u
#define CHIP_FLASH_CMD_WRDI  0x04u
#define CHIP_FLASH_CMD_SFDP  0x5Au
#define CHIP_FLASH_CMD_READ  0x03u /* read data, 24-bit address */
#define CHIP_FLASH_CMD_SE    0x20u /* 4 KiB sector erase */
#define CHIP_FLASH_SR1_WIP   0x01u /* status register 1: write/erase in progress */
#define CHIP_FLASH_ADDR_BITS 24u

/* §6.4, §8.2: transfer and flash geometry. */
#define CHIP_FLASH_BLOCK_ROM  0x400u  /* FLASH_DATA block for the ROM */
#define CHIP_FLASH_BLOCK_STUB 0x4000u /* FLASH_(DEFL_)DATA block for a stub */
#define CHIP_RAM_BLOCK        0x1800u /* MEM_DATA block */
#define CHIP_SECTOR_SIZE      0x1000u
#define CHIP_ERASE_BLOCK_SIZE 0x10000u
#define CHIP_FLASH_SIZE_MAX   0x1000000u /* 16 MiB: the largest size an ESP8266 header encodes */
#define CHIP_IROM_MAP_START   0x40200000u

/* ---- Variant, MAC, chip id (§5.2, §5.3) ---- */

enum chip_variant {
    CHIP_VARIANT_ESP8266EX,
    CHIP_VARIANT_ESP8285,    /* embedded flash size not recognised */
    CHIP_VARIANT_ESP8285N08, /* 1 MB embedded flash */
    CHIP_VARIANT_ESP8285H08, /* 1 MB, high temperature */
    CHIP_VARIANT_ESP8285N16, /* 2 MB */
    CHIP_VARIANT_ESP8285H16, /* 2 MB, high temperature */
};

struct chip_info {
    enum chip_variant variant;
    const char *name;        /* "ESP8266EX", "ESP8285H16" ... */
    bool esp8285;            /* embedded flash: wants DOUT (USERS.md) */
    bool high_temp;          /* eFuse bit 5 */
    uint32_t embedded_flash; /* bytes, 0 when not an ESP8285 or not decodable (esptool: 4 MB
                                decodes too but is named plain "ESP8285") */
    uint32_t chip_id;        /* SDK system_get_chip_id() */
    bool mac_valid;          /* false for an unknown OUI selector */
    uint8_t mac[6];
};

/* Decodes the eFuse words (w[0] = CHIP_EFUSE_W0 ...). Never fails: mac_valid says whether the MAC
 * could be formed. */
void chip_decode_efuses(const uint32_t w[CHIP_EFUSE_WORDS], struct chip_info *out);

/* The MAC by the OUI rules; MF_ERR_UNSUPPORTED ("Unknown OUI") when w3 is 0 and the selector in
 * w1 bits 23..16 is neither 0 nor 1. */
int chip_read_mac(const uint32_t w[CHIP_EFUSE_WORDS], uint8_t mac[6], struct mf_error *e);

/* (w0 >> 24) | ((w1 & 0xFFFFFF) << 8), the SDK's chip id. */
uint32_t chip_id_from_efuses(const uint32_t w[CHIP_EFUSE_WORDS]);

/* The chip that answers with `magic` at CHIP_MAGIC_REG: "ESP8266" for ours, the name of another
 * Espressif chip for the wrong-chip message, NULL when unknown. */
const char *chip_name_from_magic(uint32_t magic);

/* ---- Crystal and UART (§5.4, PERFORMANCE.md) ---- */

struct chip_crystal {
    uint32_t estimate_khz; /* baud × divider / 2, in kHz */
    uint32_t mhz;          /* normalised: 26 or 40 */
    bool unusual;          /* the estimate is more than 1 MHz from the normalised value */
};

/* Crystal from the UART0 CLKDIV register read right after sync at `baud`. */
void chip_crystal_estimate(uint32_t clkdiv_reg, uint32_t baud, struct chip_crystal *out);

/* Divider the UART uses for `baud`: round(clock / baud) (truncating turns 2 M into 2.08 M). */
uint32_t chip_uart_divider(uint32_t clock_hz, uint32_t baud);
/* The rate the chip really sends at for a requested `baud`: clock / divider. */
uint32_t chip_uart_actual_baud(uint32_t clock_hz, uint32_t baud);

/* ---- SPI flash (§6.1, §6.2) ---- */

/* One flash size an ESP8266 image header can name (§6.5, §7.1). */
struct chip_flash_size {
    const char *name; /* esptool's spelling: "512KB", "2MB-c1" */
    uint32_t bytes;
    uint8_t header;     /* the high nibble of header byte 3, in place (0x00..0x90) */
    bool explicit_only; /* the -c1 layouts: never picked by detection */
};

/* The table (in header-nibble order of esptool's FLASH_SIZES). */
const struct chip_flash_size *chip_flash_sizes(size_t *count);
/* Lookup by name (case-insensitive; "4MB", "4M", "4mb-c1"), NULL when unknown. */
const struct chip_flash_size *chip_flash_size_by_name(const char *name);
/* Lookup by size, the plain (not -c1) layout; NULL when an ESP8266 header cannot say it. */
const struct chip_flash_size *chip_flash_size_by_bytes(uint32_t bytes);
/* Lookup by header byte 3 (only the high nibble is looked at); NULL for unused codes. */
const struct chip_flash_size *chip_flash_size_by_header(uint8_t byte3);

struct chip_flash_id {
    uint32_t raw; /* READ_REG(W0) after RDID: byte 0 maker, 1 type, 2 capacity */
    uint8_t manufacturer;
    uint16_t device; /* type << 8 | capacity, as esptool prints it */
    uint8_t capacity;
    const char *vendor; /* "Winbond", or NULL when not in the table */
    uint32_t size;      /* bytes from the capacity code, 0 when unknown */
    bool valid;         /* not all-0 / all-1 (no flash or no answer, §3.4 step 8) */
};

void chip_flash_id_decode(uint32_t rdid, struct chip_flash_id *out);
/* JEDEC manufacturer name, NULL when not in the table. */
const char *chip_flash_vendor(uint8_t manufacturer);

/* ---- Register plan for a SPI user command (§6.1) ----
 * The ESP8266 has no loader command for "send this to the flash chip"; esptool drives the SPI0
 * controller through READ_REG/WRITE_REG. chip_spi_plan() writes that sequence as data; the
 * connection layer (or a test) executes it with chip_reg_plan_run(). In ROM mode the flash must
 * have been attached first (FLASH_BEGIN(0, 0)). */

enum chip_reg_kind {
    CHIP_REG_READ,       /* read addr into slots[slot] */
    CHIP_REG_WRITE,      /* write value to addr */
    CHIP_REG_WRITE_SLOT, /* write slots[slot] to addr (restore a saved register) */
    CHIP_REG_POLL,       /* read addr up to `value` times until (reg & mask) == 0 */
};

#define CHIP_REG_SLOTS       3u
#define CHIP_SPI_SLOT_USR    0u
#define CHIP_SPI_SLOT_USR2   1u
#define CHIP_SPI_SLOT_RESULT 2u /* the W0 word read back */
#define CHIP_SPI_PLAN_MAX    32u

struct chip_reg_op {
    enum chip_reg_kind kind;
    uint32_t addr;
    uint32_t value;
    uint32_t mask;
    unsigned slot;
};

struct chip_spi_cmd {
    uint8_t opcode;
    uint32_t addr;       /* sent when addr_bits > 0 */
    uint8_t addr_bits;   /* 0 or 1..32 (24 for SFDP) */
    uint8_t dummy_bits;  /* 0..256 */
    const uint8_t *mosi; /* data sent after the command, at most CHIP_SPI_MOSI_MAX bytes */
    size_t mosi_len;
    uint16_t miso_bits; /* bits read back, at most CHIP_SPI_MISO_MAX (the first word lands in
                           CHIP_SPI_SLOT_RESULT; the rest stay in W1.. for the caller) */
};

/* Writes the plan for `cmd` into ops (CHIP_SPI_PLAN_MAX is always enough); MF_ERR_ARG for lengths
 * the controller cannot do. */
int chip_spi_plan(const struct chip_spi_cmd *cmd, struct chip_reg_op *ops, size_t max, size_t *n,
                  struct mf_error *e);

/* How to reach the registers: the connection layer wraps READ_REG/WRITE_REG. Each returns MF_OK
 * or an engine error (filled into e). */
struct chip_reg_io {
    int (*read)(void *ctx, uint32_t addr, uint32_t *value, struct mf_error *e);
    int (*write)(void *ctx, uint32_t addr, uint32_t value, struct mf_error *e);
    void *ctx;
};

/* Runs a plan. slots[] receive what the plan reads; a poll that never clears gives
 * MF_ERR_TIMEOUT ("SPI command did not complete in time"). */
int chip_reg_plan_run(const struct chip_reg_op *ops, size_t n, const struct chip_reg_io *io,
                      uint32_t slots[CHIP_REG_SLOTS], struct mf_error *e);

/* ---- ROM erase-size bug (§6.3) ---- */

/* The erase size to send in the ROM's FLASH_BEGIN so that the ROM's SPIEraseArea, which
 * over-erases, erases the sectors [offset, offset + size) and (at most) one more. */
uint32_t chip_rom_erase_size(uint32_t offset, uint32_t size);

/* How many sectors the ROM's SPIEraseArea really erases from `offset` when FLASH_BEGIN names
 * `erase_size` (§6.3): the head sectors up to the next 64 KiB boundary are counted twice. */
uint32_t chip_rom_erased_sectors(uint32_t offset, uint32_t erase_size);

/* ceil(size / block): blocks for FLASH_BEGIN / MEM_BEGIN. */
uint32_t chip_num_blocks(uint32_t size, uint32_t block);

#endif
