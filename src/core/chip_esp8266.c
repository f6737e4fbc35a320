/* SPDX-License-Identifier: MIT */
/* ESP8266/ESP8285 chip facts (esp8266-protocol.md §5, §6): eFuse decoding, crystal and UART
 * arithmetic, flash ID and size tables, the SPI user-command register plan, ROM erase size. */
#include "chip_esp8266.h"

#include <ctype.h>
#include <string.h>

/* §5.3: eFuse bits. */
#define CHIP_W0_ESP8285   (1u << 4) /* r0_4, also the first "embedded flash" bit */
#define CHIP_W0_HIGH_TEMP (1u << 5)
#define CHIP_W2_ESP8285   (1u << 16) /* bit 80 of the 128-bit value */
#define CHIP_W3_R25       (1u << 25) /* bit 121 */
#define CHIP_W3_R26       (1u << 26) /* bit 122 */
#define CHIP_W3_R27       (1u << 27) /* bit 123 */

#define CHIP_MIB 0x100000u
#define CHIP_KIB 0x400u

struct chip_magic {
    uint32_t magic;
    const char *name;
};

/* Values at 0x40001000 (esptool targets: CHIP_DETECT_MAGIC_VALUE). Newer chips answer
 * GET_SECURITY_INFO with a chip id instead and are not listed. */
static const struct chip_magic CHIP_MAGICS[] = {
        {CHIP_MAGIC_ESP8266, "ESP8266"}, {0x00F01D83u, "ESP32"},    {0x000007C6u, "ESP32-S2"},
        {0x00000009u, "ESP32-S3"},       {0x6921506Fu, "ESP32-C3"}, {0x1B31506Fu, "ESP32-C3"},
        {0x4881606Fu, "ESP32-C3"},       {0x4361606Fu, "ESP32-C3"},
};

/* §5.2: the OUI chosen by w1 bits 23..16 when w3 is 0. */
static const uint8_t CHIP_OUI_0[3] = {0x18, 0xFE, 0x34};
static const uint8_t CHIP_OUI_1[3] = {0xAC, 0xD0, 0x74};

/* §6.2, §7.1: the sizes an ESP8266 header can name, in esptool's FLASH_SIZES order. */
static const struct chip_flash_size CHIP_FLASH_SIZES[] = {
        {"512KB", 512 * CHIP_KIB, 0x00, false}, {"256KB", 256 * CHIP_KIB, 0x10, false},
        {"1MB", 1 * CHIP_MIB, 0x20, false},     {"2MB", 2 * CHIP_MIB, 0x30, false},
        {"4MB", 4 * CHIP_MIB, 0x40, false},     {"2MB-c1", 2 * CHIP_MIB, 0x50, true},
        {"4MB-c1", 4 * CHIP_MIB, 0x60, true},   {"8MB", 8 * CHIP_MIB, 0x80, false},
        {"16MB", 16 * CHIP_MIB, 0x90, false},
};

struct chip_capacity {
    uint8_t code;
    uint32_t bytes;
};

/* §6.2: JEDEC capacity byte → size (esptool DETECTED_FLASH_SIZES). */
static const struct chip_capacity CHIP_CAPACITIES[] = {
        {0x12, 256 * CHIP_KIB}, {0x13, 512 * CHIP_KIB}, {0x14, 1 * CHIP_MIB},
        {0x15, 2 * CHIP_MIB},   {0x16, 4 * CHIP_MIB},   {0x17, 8 * CHIP_MIB},
        {0x18, 16 * CHIP_MIB},  {0x19, 32 * CHIP_MIB},  {0x1A, 64 * CHIP_MIB},
        {0x1B, 128 * CHIP_MIB}, {0x1C, 256 * CHIP_MIB}, {0x20, 64 * CHIP_MIB},
        {0x21, 128 * CHIP_MIB}, {0x22, 256 * CHIP_MIB}, {0x32, 256 * CHIP_KIB},
        {0x33, 512 * CHIP_KIB}, {0x34, 1 * CHIP_MIB},   {0x35, 2 * CHIP_MIB},
        {0x36, 4 * CHIP_MIB},   {0x37, 8 * CHIP_MIB},   {0x38, 16 * CHIP_MIB},
        {0x39, 32 * CHIP_MIB},  {0x3A, 64 * CHIP_MIB},
};

/* Adesto (0x1F) codes its density in the low 5 bits of the type byte (§6.1). */
#define CHIP_VENDOR_ADESTO 0x1Fu
static const struct chip_capacity CHIP_ADESTO_CAPACITIES[] = {
        {0x04, 512 * CHIP_KIB}, {0x05, 1 * CHIP_MIB}, {0x06, 2 * CHIP_MIB},
        {0x07, 4 * CHIP_MIB},   {0x08, 8 * CHIP_MIB}, {0x09, 16 * CHIP_MIB},
};

struct chip_vendor {
    uint8_t id;
    const char *name;
};

/* JEDEC manufacturer ids of flash chips found on ESP8266 modules. 0x20 is both Micron/Numonyx
 * and XMC; on ESP8266 modules it is nearly always XMC. */
static const struct chip_vendor CHIP_VENDORS[] = {
        {0x01, "Spansion/Cypress"},
        {0x0B, "XTX"},
        {0x1C, "Eon"},
        {0x1F, "Adesto"},
        {0x20, "XMC"},
        {0x5E, "Zbit"},
        {0x68, "Boya"},
        {0x85, "Puya"},
        {0x8C, "ESMT"},
        {0x9D, "ISSI"},
        {0xA1, "Fudan"},
        {0xBF, "SST/Microchip"},
        {0xC2, "Macronix"},
        {0xC8, "GigaDevice"},
        {0xEF, "Winbond"},
};

/* RDID answers that mean "no flash chip" (§3.4 step 8). */
static const uint32_t CHIP_RDID_NONE[] = {0xFFFFFFu, 0x000000u, 0xFFFF3Fu};

/* §5.3: embedded flash of an ESP8285 in bytes, 0 when the bits do not decode. */
static uint32_t chip_embedded_flash(const uint32_t w[CHIP_EFUSE_WORDS])
{
    bool r0_4 = (w[0] & CHIP_W0_ESP8285) != 0;
    bool r3_25 = (w[3] & CHIP_W3_R25) != 0;
    bool r3_26 = (w[3] & CHIP_W3_R26) != 0;
    bool r3_27 = (w[3] & CHIP_W3_R27) != 0;
    uint32_t size = 0;
    if (!r3_27) {
        if (r0_4 && !r3_25) {
            size = r3_26 ? 2 * CHIP_MIB : 1 * CHIP_MIB;
        } else if (!r0_4 && r3_25) {
            size = r3_26 ? 4 * CHIP_MIB : 2 * CHIP_MIB;
        }
    }
    return size;
}

uint32_t chip_id_from_efuses(const uint32_t w[CHIP_EFUSE_WORDS])
{
    return (w[0] >> 24) | ((w[1] & 0xFFFFFFu) << 8);
}

/* The OUI; false for an unknown selector. */
static bool chip_oui(const uint32_t w[CHIP_EFUSE_WORDS], uint8_t oui[3])
{
    bool ok = true;
    uint32_t selector = (w[1] >> 16) & 0xFFu;
    if (w[3] != 0) {
        oui[0] = (uint8_t)(w[3] >> 16);
        oui[1] = (uint8_t)(w[3] >> 8);
        oui[2] = (uint8_t)w[3];
    } else if (selector == 0) {
        memcpy(oui, CHIP_OUI_0, 3);
    } else if (selector == 1) {
        memcpy(oui, CHIP_OUI_1, 3);
    } else {
        ok = false;
    }
    return ok;
}

int chip_read_mac(const uint32_t w[CHIP_EFUSE_WORDS], uint8_t mac[6], struct mf_error *e)
{
    int rc = MF_OK;
    if (chip_oui(w, mac)) {
        mac[3] = (uint8_t)(w[1] >> 8);
        mac[4] = (uint8_t)w[1];
        mac[5] = (uint8_t)(w[0] >> 24);
    } else {
        memset(mac, 0, 6);
        rc = mf_err_set(e, MF_ERR_UNSUPPORTED,
                        "Unknown OUI: the chip's eFuse names MAC prefix selector 0x%02X, which no "
                        "known ESP8266 uses, so its MAC address cannot be shown.",
                        (unsigned)((w[1] >> 16) & 0xFFu));
    }
    return rc;
}

void chip_decode_efuses(const uint32_t w[CHIP_EFUSE_WORDS], struct chip_info *out)
{
    memset(out, 0, sizeof *out);
    out->esp8285 = (w[0] & CHIP_W0_ESP8285) != 0 || (w[2] & CHIP_W2_ESP8285) != 0;
    out->high_temp = (w[0] & CHIP_W0_HIGH_TEMP) != 0;
    out->chip_id = chip_id_from_efuses(w);
    out->mac_valid = chip_read_mac(w, out->mac, NULL) == MF_OK;
    out->variant = CHIP_VARIANT_ESP8266EX;
    out->name = "ESP8266EX";
    if (out->esp8285) {
        out->embedded_flash = chip_embedded_flash(w);
        out->variant = CHIP_VARIANT_ESP8285;
        out->name = "ESP8285";
        if (out->embedded_flash == 1 * CHIP_MIB) {
            out->variant = out->high_temp ? CHIP_VARIANT_ESP8285H08 : CHIP_VARIANT_ESP8285N08;
            out->name = out->high_temp ? "ESP8285H08" : "ESP8285N08";
        } else if (out->embedded_flash == 2 * CHIP_MIB) {
            out->variant = out->high_temp ? CHIP_VARIANT_ESP8285H16 : CHIP_VARIANT_ESP8285N16;
            out->name = out->high_temp ? "ESP8285H16" : "ESP8285N16";
        }
    }
}

const char *chip_name_from_magic(uint32_t magic)
{
    const char *name = NULL;
    for (size_t i = 0; i < sizeof CHIP_MAGICS / sizeof CHIP_MAGICS[0]; i++) {
        if (CHIP_MAGICS[i].magic == magic) {
            name = CHIP_MAGICS[i].name;
            break;
        }
    }
    return name;
}

void chip_crystal_estimate(uint32_t clkdiv_reg, uint32_t baud, struct chip_crystal *out)
{
    uint64_t div = clkdiv_reg & CHIP_UART_CLKDIV_MASK;
    uint64_t khz = (uint64_t)baud * div / CHIP_XTAL_CLK_DIVIDER / 1000u;
    out->estimate_khz = khz > UINT32_MAX ? UINT32_MAX : (uint32_t)khz;
    out->mhz = out->estimate_khz > 33000u ? 40u : 26u;
    uint32_t norm_khz = out->mhz * 1000u;
    uint32_t off = out->estimate_khz > norm_khz ? out->estimate_khz - norm_khz
                                                : norm_khz - out->estimate_khz;
    out->unusual = off > 1000u;
}

uint32_t chip_uart_divider(uint32_t clock_hz, uint32_t baud)
{
    uint32_t div = 0;
    if (baud > 0) {
        div = (uint32_t)(((uint64_t)clock_hz + baud / 2) / baud);
    }
    return div;
}

uint32_t chip_uart_actual_baud(uint32_t clock_hz, uint32_t baud)
{
    uint32_t div = chip_uart_divider(clock_hz, baud);
    return div > 0 ? clock_hz / div : 0;
}

const struct chip_flash_size *chip_flash_sizes(size_t *count)
{
    *count = sizeof CHIP_FLASH_SIZES / sizeof CHIP_FLASH_SIZES[0];
    return CHIP_FLASH_SIZES;
}

/* Case-insensitive equality. */
static bool chip_same_text(const char *a, const char *b)
{
    while (*a != '\0' && *b != '\0' && toupper((unsigned char)*a) == toupper((unsigned char)*b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

#define CHIP_SIZE_NAME_MAX 16u

const struct chip_flash_size *chip_flash_size_by_name(const char *name)
{
    const struct chip_flash_size *found = NULL;
    char canon[CHIP_SIZE_NAME_MAX + 2];
    size_t len = name != NULL ? strlen(name) : CHIP_SIZE_NAME_MAX;
    if (len > 0 && len < CHIP_SIZE_NAME_MAX) {
        /* "4M" → "4MB", "4M-c1" → "4MB-c1", "512K" → "512KB". */
        const char *dash = strchr(name, '-');
        size_t unit = dash != NULL ? (size_t)(dash - name) : len;
        memcpy(canon, name, unit);
        size_t n = unit;
        if (unit > 0 && toupper((unsigned char)name[unit - 1]) != 'B') {
            canon[n++] = 'B';
        }
        memcpy(canon + n, name + unit, len - unit);
        canon[n + len - unit] = '\0';
        for (size_t i = 0; i < sizeof CHIP_FLASH_SIZES / sizeof CHIP_FLASH_SIZES[0]; i++) {
            if (chip_same_text(canon, CHIP_FLASH_SIZES[i].name)) {
                found = &CHIP_FLASH_SIZES[i];
                break;
            }
        }
    }
    return found;
}

const struct chip_flash_size *chip_flash_size_by_bytes(uint32_t bytes)
{
    const struct chip_flash_size *found = NULL;
    for (size_t i = 0; i < sizeof CHIP_FLASH_SIZES / sizeof CHIP_FLASH_SIZES[0]; i++) {
        if (CHIP_FLASH_SIZES[i].bytes == bytes && !CHIP_FLASH_SIZES[i].explicit_only) {
            found = &CHIP_FLASH_SIZES[i];
            break;
        }
    }
    return found;
}

const struct chip_flash_size *chip_flash_size_by_header(uint8_t byte3)
{
    const struct chip_flash_size *found = NULL;
    for (size_t i = 0; i < sizeof CHIP_FLASH_SIZES / sizeof CHIP_FLASH_SIZES[0]; i++) {
        if (CHIP_FLASH_SIZES[i].header == (byte3 & 0xF0u)) {
            found = &CHIP_FLASH_SIZES[i];
            break;
        }
    }
    return found;
}

const char *chip_flash_vendor(uint8_t manufacturer)
{
    const char *name = NULL;
    for (size_t i = 0; i < sizeof CHIP_VENDORS / sizeof CHIP_VENDORS[0]; i++) {
        if (CHIP_VENDORS[i].id == manufacturer) {
            name = CHIP_VENDORS[i].name;
            break;
        }
    }
    return name;
}

static uint32_t chip_capacity_bytes(const struct chip_capacity *table, size_t n, uint8_t code)
{
    uint32_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        if (table[i].code == code) {
            bytes = table[i].bytes;
            break;
        }
    }
    return bytes;
}

void chip_flash_id_decode(uint32_t rdid, struct chip_flash_id *out)
{
    memset(out, 0, sizeof *out);
    out->raw = rdid;
    out->manufacturer = (uint8_t)rdid;
    out->capacity = (uint8_t)(rdid >> 16);
    out->device = (uint16_t)(((rdid >> 8) & 0xFFu) << 8 | out->capacity);
    out->vendor = chip_flash_vendor(out->manufacturer);
    out->valid = true;
    for (size_t i = 0; i < sizeof CHIP_RDID_NONE / sizeof CHIP_RDID_NONE[0]; i++) {
        if ((rdid & 0xFFFFFFu) == CHIP_RDID_NONE[i]) {
            out->valid = false;
        }
    }
    if (!out->valid) {
        out->vendor = NULL;
    } else if (out->manufacturer == CHIP_VENDOR_ADESTO) {
        out->size = chip_capacity_bytes(CHIP_ADESTO_CAPACITIES,
                                        sizeof CHIP_ADESTO_CAPACITIES /
                                                sizeof CHIP_ADESTO_CAPACITIES[0],
                                        (uint8_t)((rdid >> 8) & 0x1Fu));
    } else {
        out->size = chip_capacity_bytes(
                CHIP_CAPACITIES, sizeof CHIP_CAPACITIES / sizeof CHIP_CAPACITIES[0], out->capacity);
    }
}

/* Appends one op; false when the plan is full. */
static bool chip_plan_add(struct chip_reg_op *ops, size_t max, size_t *n, enum chip_reg_kind kind,
                          uint32_t addr, uint32_t value, uint32_t mask, unsigned slot)
{
    bool ok = *n < max;
    if (ok) {
        ops[*n].kind = kind;
        ops[*n].addr = addr;
        ops[*n].value = value;
        ops[*n].mask = mask;
        ops[*n].slot = slot;
        (*n)++;
    }
    return ok;
}

int chip_spi_plan(const struct chip_spi_cmd *cmd, struct chip_reg_op *ops, size_t max, size_t *n,
                  struct mf_error *e)
{
    int rc = MF_OK;
    size_t mosi_bits = cmd->mosi_len * 8u;
    *n = 0;
    if (cmd->mosi_len > CHIP_SPI_MOSI_MAX || cmd->miso_bits > CHIP_SPI_MISO_MAX ||
        cmd->addr_bits > 32u || (cmd->mosi_len > 0 && cmd->mosi == NULL)) {
        rc = mf_err_set(e, MF_ERR_ARG,
                        "SPI flash command 0x%02X asks for more than the controller can do "
                        "(at most %u data bytes out, %u bits in, 32 address bits).",
                        cmd->opcode, CHIP_SPI_MOSI_MAX, CHIP_SPI_MISO_MAX);
    } else {
        /* USR1 holds every length on the ESP8266; a zero length stays 0, not -1. */
        uint32_t usr1 = 0;
        uint32_t usr = CHIP_SPI_USR_COMMAND;
        bool ok = true;
        if (cmd->miso_bits > 0) {
            usr1 |= (uint32_t)(cmd->miso_bits - 1u) << CHIP_SPI_USR1_MISO_SHIFT;
            usr |= CHIP_SPI_USR_MISO;
        }
        if (mosi_bits > 0) {
            usr1 |= (uint32_t)(mosi_bits - 1u) << CHIP_SPI_USR1_MOSI_SHIFT;
            usr |= CHIP_SPI_USR_MOSI;
        }
        if (cmd->dummy_bits > 0) {
            usr1 |= (uint32_t)(cmd->dummy_bits - 1u);
            usr |= CHIP_SPI_USR_DUMMY;
        }
        if (cmd->addr_bits > 0) {
            usr1 |= (uint32_t)(cmd->addr_bits - 1u) << CHIP_SPI_USR1_ADDR_SHIFT;
            usr |= CHIP_SPI_USR_ADDR;
        }
        ok = ok &&
             chip_plan_add(ops, max, n, CHIP_REG_READ, CHIP_SPI_USR_REG, 0, 0, CHIP_SPI_SLOT_USR);
        ok = ok &&
             chip_plan_add(ops, max, n, CHIP_REG_READ, CHIP_SPI_USR2_REG, 0, 0, CHIP_SPI_SLOT_USR2);
        ok = ok && chip_plan_add(ops, max, n, CHIP_REG_WRITE, CHIP_SPI_USR1_REG, usr1, 0, 0);
        ok = ok && chip_plan_add(ops, max, n, CHIP_REG_WRITE, CHIP_SPI_USR_REG, usr, 0, 0);
        ok = ok && chip_plan_add(ops, max, n, CHIP_REG_WRITE, CHIP_SPI_USR2_REG,
                                 (7u << CHIP_SPI_USR2_CMD_LEN_SHIFT) | cmd->opcode, 0, 0);
        if (cmd->addr_bits > 0) {
            /* The controller shifts the address out from the top bits of ADDR. */
            uint32_t addr = cmd->addr_bits == 32u ? cmd->addr : cmd->addr << (32u - cmd->addr_bits);
            ok = ok && chip_plan_add(ops, max, n, CHIP_REG_WRITE, CHIP_SPI_ADDR_REG, addr, 0, 0);
        }
        if (cmd->mosi_len == 0) {
            ok = ok && chip_plan_add(ops, max, n, CHIP_REG_WRITE, CHIP_SPI_W0_REG, 0, 0, 0);
        }
        for (size_t i = 0; i < cmd->mosi_len; i += 4) {
            uint32_t word = 0;
            for (size_t j = 0; j < 4 && i + j < cmd->mosi_len; j++) {
                word |= (uint32_t)cmd->mosi[i + j] << (8u * j);
            }
            ok = ok && chip_plan_add(ops, max, n, CHIP_REG_WRITE, CHIP_SPI_W0_REG + (uint32_t)i,
                                     word, 0, 0);
        }
        ok = ok &&
             chip_plan_add(ops, max, n, CHIP_REG_WRITE, CHIP_SPI_CMD_REG, CHIP_SPI_CMD_USR, 0, 0);
        ok = ok && chip_plan_add(ops, max, n, CHIP_REG_POLL, CHIP_SPI_CMD_REG, CHIP_SPI_POLLS_MAX,
                                 CHIP_SPI_CMD_USR, 0);
        ok = ok &&
             chip_plan_add(ops, max, n, CHIP_REG_READ, CHIP_SPI_W0_REG, 0, 0, CHIP_SPI_SLOT_RESULT);
        ok = ok && chip_plan_add(ops, max, n, CHIP_REG_WRITE_SLOT, CHIP_SPI_USR_REG, 0, 0,
                                 CHIP_SPI_SLOT_USR);
        ok = ok && chip_plan_add(ops, max, n, CHIP_REG_WRITE_SLOT, CHIP_SPI_USR2_REG, 0, 0,
                                 CHIP_SPI_SLOT_USR2);
        if (!ok) {
            rc = mf_err_set(e, MF_ERR_ARG, "The register plan needs more than %zu steps.", max);
        }
    }
    return rc;
}

int chip_reg_plan_run(const struct chip_reg_op *ops, size_t n, const struct chip_reg_io *io,
                      uint32_t slots[CHIP_REG_SLOTS], struct mf_error *e)
{
    int rc = MF_OK;
    for (size_t i = 0; i < n && rc == MF_OK; i++) {
        const struct chip_reg_op *op = &ops[i];
        uint32_t v = 0;
        if (op->slot >= CHIP_REG_SLOTS) {
            rc = mf_err_set(e, MF_ERR_ARG, "Register plan step %zu names slot %u.", i, op->slot);
        } else if (op->kind == CHIP_REG_READ) {
            rc = io->read(io->ctx, op->addr, &v, e);
            if (rc == MF_OK) {
                slots[op->slot] = v;
            }
        } else if (op->kind == CHIP_REG_WRITE) {
            rc = io->write(io->ctx, op->addr, op->value, e);
        } else if (op->kind == CHIP_REG_WRITE_SLOT) {
            rc = io->write(io->ctx, op->addr, slots[op->slot], e);
        } else {
            bool done = false;
            for (uint32_t poll = 0; poll < op->value && rc == MF_OK && !done; poll++) {
                rc = io->read(io->ctx, op->addr, &v, e);
                done = rc == MF_OK && (v & op->mask) == 0;
            }
            if (rc == MF_OK && !done) {
                rc = mf_err_set(e, MF_ERR_TIMEOUT,
                                "SPI command did not complete in time (register 0x%08X still "
                                "0x%08X after %u reads).",
                                (unsigned)op->addr, (unsigned)v, (unsigned)op->value);
            }
        }
    }
    return rc;
}

uint32_t chip_rom_erase_size(uint32_t offset, uint32_t size)
{
    /* §6.3: SPIEraseArea erases `head` extra sectors when the range crosses a 64 KiB boundary
     * and doubles the count when it does not; ask for less so that it lands on the range. */
    const uint32_t per_block = CHIP_ERASE_BLOCK_SIZE / CHIP_SECTOR_SIZE;
    uint32_t sectors = (uint32_t)(((uint64_t)size + CHIP_SECTOR_SIZE - 1) / CHIP_SECTOR_SIZE);
    uint32_t start = offset / CHIP_SECTOR_SIZE;
    uint32_t head = per_block - start % per_block;
    uint32_t erase;
    if (head > sectors) {
        head = sectors;
    }
    if (sectors < 2 * head) {
        erase = (sectors + 1) / 2 * CHIP_SECTOR_SIZE;
    } else {
        erase = (sectors - head) * CHIP_SECTOR_SIZE;
    }
    return erase;
}

uint32_t chip_rom_erased_sectors(uint32_t offset, uint32_t erase_size)
{
    const uint32_t per_block = CHIP_ERASE_BLOCK_SIZE / CHIP_SECTOR_SIZE;
    uint32_t total = (uint32_t)(((uint64_t)erase_size + CHIP_SECTOR_SIZE - 1) / CHIP_SECTOR_SIZE);
    uint32_t head = per_block - (offset / CHIP_SECTOR_SIZE) % per_block;
    return total + (head < total ? head : total);
}

uint32_t chip_num_blocks(uint32_t size, uint32_t block)
{
    return block > 0 ? (uint32_t)(((uint64_t)size + block - 1) / block) : 0;
}
