/* SPDX-License-Identifier: MIT */
/* Unit tests of the ESP8266 chip facts: eFuse → variant/MAC/chip id (issue #620 OUI), crystal
 * and UART divider, flash ID and size tables, the SPI register plan run against a fake SPI0,
 * and the ROM erase-size workaround (§6.3 worked examples and a model of the ROM's bug). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "chip_esp8266.h"

#include <string.h>

static void test_mac_oui_rules(void **state)
{
    (void)state;
    uint8_t mac[6];
    struct mf_error e;
    /* issue #620: w3 = 0x00840D8E names the OUI itself */
    const uint32_t w620[4] = {0xAB000000u, 0x00123456u, 0, 0x00840D8Eu};
    static const uint8_t want620[6] = {0x84, 0x0D, 0x8E, 0x34, 0x56, 0xAB};
    assert_int_equal(chip_read_mac(w620, mac, &e), MF_OK);
    assert_memory_equal(mac, want620, 6);
    /* selector 0 / 1 */
    const uint32_t w0[4] = {0x11000000u, 0x00002233u, 0, 0};
    static const uint8_t want0[6] = {0x18, 0xFE, 0x34, 0x22, 0x33, 0x11};
    assert_int_equal(chip_read_mac(w0, mac, &e), MF_OK);
    assert_memory_equal(mac, want0, 6);
    const uint32_t w1[4] = {0x11000000u, 0x00012233u, 0, 0};
    static const uint8_t want1[6] = {0xAC, 0xD0, 0x74, 0x22, 0x33, 0x11};
    assert_int_equal(chip_read_mac(w1, mac, &e), MF_OK);
    assert_memory_equal(mac, want1, 6);
    /* anything else: Unknown OUI */
    const uint32_t w2[4] = {0x11000000u, 0x00022233u, 0, 0};
    mf_err_clear(&e);
    assert_int_equal(chip_read_mac(w2, mac, &e), MF_ERR_UNSUPPORTED);
    assert_int_equal(e.code, MF_ERR_UNSUPPORTED);
    assert_non_null(strstr(e.message, "Unknown OUI"));
    assert_non_null(strstr(e.message, "0x02"));
    struct chip_info info;
    chip_decode_efuses(w2, &info);
    assert_false(info.mac_valid);
    chip_decode_efuses(w620, &info);
    assert_true(info.mac_valid);
    assert_memory_equal(info.mac, want620, 6);
}

static void test_chip_id(void **state)
{
    (void)state;
    const uint32_t w[4] = {0xAB000000u, 0xFF123456u, 0, 0};
    assert_int_equal(chip_id_from_efuses(w), 0x123456ABu);
    struct chip_info info;
    chip_decode_efuses(w, &info);
    assert_int_equal(info.chip_id, 0x123456ABu);
}

/* §5.3: ESP8266EX vs the ESP8285 variants. */
static void test_variants(void **state)
{
    (void)state;
    struct chip_info info;
    const uint32_t ex[4] = {0, 0, 0, 0};
    chip_decode_efuses(ex, &info);
    assert_int_equal(info.variant, CHIP_VARIANT_ESP8266EX);
    assert_string_equal(info.name, "ESP8266EX");
    assert_false(info.esp8285);
    assert_int_equal(info.embedded_flash, 0);

    const uint32_t n08[4] = {1u << 4, 0, 0, 0};
    chip_decode_efuses(n08, &info);
    assert_string_equal(info.name, "ESP8285N08");
    assert_true(info.esp8285);
    assert_int_equal(info.embedded_flash, 0x100000);

    const uint32_t h08[4] = {(1u << 4) | (1u << 5), 0, 0, 0};
    chip_decode_efuses(h08, &info);
    assert_string_equal(info.name, "ESP8285H08");
    assert_int_equal(info.variant, CHIP_VARIANT_ESP8285H08);
    assert_true(info.high_temp);

    const uint32_t n16a[4] = {1u << 4, 0, 0, 1u << 26};
    chip_decode_efuses(n16a, &info);
    assert_string_equal(info.name, "ESP8285N16");
    assert_int_equal(info.embedded_flash, 0x200000);

    /* bit 80 (w2 bit 16) marks an ESP8285 too; r3_25 alone = 2 MB */
    const uint32_t n16b[4] = {1u << 5, 0, 1u << 16, 1u << 25};
    chip_decode_efuses(n16b, &info);
    assert_string_equal(info.name, "ESP8285H16");
    assert_int_equal(info.variant, CHIP_VARIANT_ESP8285H16);

    /* 4 MB decodes, but esptool names it plain ESP8285 */
    const uint32_t four[4] = {0, 0, 1u << 16, (1u << 25) | (1u << 26)};
    chip_decode_efuses(four, &info);
    assert_string_equal(info.name, "ESP8285");
    assert_int_equal(info.embedded_flash, 0x400000);

    /* r3_27 set: not decodable */
    const uint32_t odd[4] = {1u << 4, 0, 0, 1u << 27};
    chip_decode_efuses(odd, &info);
    assert_string_equal(info.name, "ESP8285");
    assert_int_equal(info.variant, CHIP_VARIANT_ESP8285);
    assert_int_equal(info.embedded_flash, 0);
}

static void test_magic(void **state)
{
    (void)state;
    assert_string_equal(chip_name_from_magic(CHIP_MAGIC_ESP8266), "ESP8266");
    assert_string_equal(chip_name_from_magic(0x00F01D83u), "ESP32");
    assert_string_equal(chip_name_from_magic(0x1B31506Fu), "ESP32-C3");
    assert_null(chip_name_from_magic(0x12345678u));
    assert_int_equal(CHIP_EFUSE_REG(3), CHIP_EFUSE_W3);
}

/* §5.4: 115200 × 452 / 2 = 26.03 MHz → 26. */
static void test_crystal(void **state)
{
    (void)state;
    struct chip_crystal x;
    chip_crystal_estimate(0x1C4, 115200, &x);
    assert_int_equal(x.estimate_khz, 26035);
    assert_int_equal(x.mhz, 26);
    assert_false(x.unusual);
    /* upper bits of the register are not part of the divider */
    chip_crystal_estimate(0xFFF001C4u, 115200, &x);
    assert_int_equal(x.mhz, 26);
    chip_crystal_estimate(694, 115200, &x);
    assert_int_equal(x.mhz, 40);
    assert_false(x.unusual);
    chip_crystal_estimate(600, 115200, &x); /* 34.56 MHz */
    assert_int_equal(x.mhz, 40);
    assert_true(x.unusual);
    chip_crystal_estimate(0, 115200, &x);
    assert_int_equal(x.mhz, 26);
    assert_true(x.unusual);
}

/* PERFORMANCE.md: 52 MHz / round(52e6 / baud). */
static void test_uart_divider(void **state)
{
    (void)state;
    assert_int_equal(chip_uart_divider(CHIP_UART_CLOCK_HZ, 115200), 451);
    assert_int_equal(chip_uart_divider(CHIP_UART_CLOCK_HZ, 2000000), 26);
    assert_int_equal(chip_uart_actual_baud(CHIP_UART_CLOCK_HZ, 2000000), 2000000);
    assert_int_equal(chip_uart_actual_baud(CHIP_UART_CLOCK_HZ, 1000000), 1000000);
    /* 921600: 56.42 → 56 → 928571 (+0.76 %) */
    assert_int_equal(chip_uart_divider(CHIP_UART_CLOCK_HZ, 921600), 56);
    assert_int_equal(chip_uart_actual_baud(CHIP_UART_CLOCK_HZ, 921600), 928571);
    /* 1.5 M: 34.67 rounds to 35 (truncating would give 34 → 1.53 M) */
    assert_int_equal(chip_uart_divider(CHIP_UART_CLOCK_HZ, 1500000), 35);
    assert_int_equal(chip_uart_divider(CHIP_UART_CLOCK_HZ, 0), 0);
    assert_int_equal(chip_uart_actual_baud(CHIP_UART_CLOCK_HZ, 0), 0);
}

/* §6.1/§6.2 */
static void test_flash_id(void **state)
{
    (void)state;
    struct chip_flash_id id;
    chip_flash_id_decode(0x001640EFu, &id); /* Winbond W25Q32: EF 40 16 */
    assert_true(id.valid);
    assert_int_equal(id.manufacturer, 0xEF);
    assert_int_equal(id.device, 0x4016);
    assert_int_equal(id.capacity, 0x16);
    assert_string_equal(id.vendor, "Winbond");
    assert_int_equal(id.size, 0x400000);
    chip_flash_id_decode(0x001560C8u, &id);
    assert_string_equal(id.vendor, "GigaDevice");
    assert_int_equal(id.size, 0x200000);
    chip_flash_id_decode(0x00144068u, &id);
    assert_string_equal(id.vendor, "Boya");
    assert_int_equal(id.size, 0x100000);
    chip_flash_id_decode(0x00164020u, &id);
    assert_string_equal(id.vendor, "XMC");
    chip_flash_id_decode(0x003625C2u, &id); /* 0x36: the 0x3x codes */
    assert_string_equal(id.vendor, "Macronix");
    assert_int_equal(id.size, 0x400000);
    chip_flash_id_decode(0x001940EFu, &id); /* 32 MB: known size, too big for a header */
    assert_int_equal(id.size, 32u * 0x100000u);
    assert_null(chip_flash_size_by_bytes(id.size));
    chip_flash_id_decode(0x0001841Fu, &id); /* Adesto: density in type & 0x1F */
    assert_string_equal(id.vendor, "Adesto");
    assert_int_equal(id.size, 0x80000);
    chip_flash_id_decode(0x00FF40EFu, &id); /* unknown capacity */
    assert_true(id.valid);
    assert_int_equal(id.size, 0);
    chip_flash_id_decode(0x00FFFFFFu, &id);
    assert_false(id.valid);
    assert_null(id.vendor);
    chip_flash_id_decode(0, &id);
    assert_false(id.valid);
    chip_flash_id_decode(0x00FFFF3Fu, &id);
    assert_false(id.valid);
    chip_flash_id_decode(0xFF000000u, &id); /* only 24 bits count */
    assert_false(id.valid);
    assert_null(chip_flash_vendor(0x42));
}

static void test_flash_size_table(void **state)
{
    (void)state;
    size_t n = 0;
    const struct chip_flash_size *t = chip_flash_sizes(&n);
    assert_int_equal(n, 9);
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(chip_flash_size_by_name(t[i].name), &t[i]);
        assert_ptr_equal(chip_flash_size_by_header((uint8_t)(t[i].header | 0x0F)), &t[i]);
    }
    assert_int_equal(chip_flash_size_by_name("4MB")->header, 0x40);
    assert_int_equal(chip_flash_size_by_name("4mb")->header, 0x40);
    assert_int_equal(chip_flash_size_by_name("4M")->header, 0x40);
    assert_int_equal(chip_flash_size_by_name("512KB")->header, 0x00);
    assert_int_equal(chip_flash_size_by_name("512k")->header, 0x00);
    assert_int_equal(chip_flash_size_by_name("256KB")->header, 0x10);
    assert_int_equal(chip_flash_size_by_name("2MB-c1")->header, 0x50);
    assert_int_equal(chip_flash_size_by_name("2M-C1")->header, 0x50);
    assert_true(chip_flash_size_by_name("4MB-c1")->explicit_only);
    assert_int_equal(chip_flash_size_by_name("16MB")->bytes, 0x1000000);
    assert_null(chip_flash_size_by_name("3MB"));
    assert_null(chip_flash_size_by_name(""));
    assert_null(chip_flash_size_by_name("B"));
    assert_null(chip_flash_size_by_name("4MB-c2"));
    assert_null(chip_flash_size_by_name("a-very-long-size-name"));
    assert_null(chip_flash_size_by_name(NULL));
    /* detection never picks a -c1 layout */
    assert_int_equal(chip_flash_size_by_bytes(0x200000)->header, 0x30);
    assert_int_equal(chip_flash_size_by_bytes(0x400000)->header, 0x40);
    assert_null(chip_flash_size_by_bytes(0x300000));
    assert_null(chip_flash_size_by_header(0x70));
    assert_null(chip_flash_size_by_header(0xA0));
}

/* A fake SPI0: registers in an array; the USR start bit clears after `busy_reads` reads of CMD;
 * the command puts `answer` into W0 when it is RDID. */
struct fake_spi {
    uint32_t usr, usr1, usr2, addr, cmd;
    uint32_t w[16];
    unsigned busy_reads;
    unsigned cmd_reads;
    uint32_t answer;
    unsigned writes;
    uint32_t log_addr[64];
    uint32_t log_value[64];
    int fail_at_write; /* -1: never */
};

static uint32_t *fake_reg(struct fake_spi *f, uint32_t addr)
{
    uint32_t *r = NULL;
    if (addr == CHIP_SPI_USR_REG) {
        r = &f->usr;
    } else if (addr == CHIP_SPI_USR1_REG) {
        r = &f->usr1;
    } else if (addr == CHIP_SPI_USR2_REG) {
        r = &f->usr2;
    } else if (addr == CHIP_SPI_ADDR_REG) {
        r = &f->addr;
    } else if (addr == CHIP_SPI_CMD_REG) {
        r = &f->cmd;
    } else if (addr >= CHIP_SPI_W0_REG && addr < CHIP_SPI_W0_REG + 64 && addr % 4 == 0) {
        r = &f->w[(addr - CHIP_SPI_W0_REG) / 4];
    }
    return r;
}

static int fake_read(void *ctx, uint32_t addr, uint32_t *value, struct mf_error *e)
{
    struct fake_spi *f = ctx;
    uint32_t *r = fake_reg(f, addr);
    assert_non_null(r);
    (void)e;
    if (addr == CHIP_SPI_CMD_REG && f->cmd != 0) {
        f->cmd_reads++;
        if (f->cmd_reads >= f->busy_reads) {
            f->cmd = 0;
            if ((f->usr2 & 0xFF) == CHIP_FLASH_CMD_RDID) {
                f->w[0] = f->answer;
            }
        }
        *value = f->cmd_reads >= f->busy_reads ? 0 : CHIP_SPI_CMD_USR;
    } else {
        *value = *r;
    }
    return MF_OK;
}

static int fake_write(void *ctx, uint32_t addr, uint32_t value, struct mf_error *e)
{
    struct fake_spi *f = ctx;
    uint32_t *r = fake_reg(f, addr);
    int rc = MF_OK;
    assert_non_null(r);
    if ((int)f->writes == f->fail_at_write) {
        rc = mf_err_set(e, MF_ERR_TIMEOUT, "WRITE_REG timed out.");
    } else {
        *r = value;
    }
    if (f->writes < 64) {
        f->log_addr[f->writes] = addr;
        f->log_value[f->writes] = value;
    }
    f->writes++;
    return rc;
}

/* §6.1 RDID: the exact register sequence and values. */
static void test_spi_plan_rdid(void **state)
{
    (void)state;
    struct chip_spi_cmd cmd = {.opcode = CHIP_FLASH_CMD_RDID, .miso_bits = 24};
    struct chip_reg_op ops[CHIP_SPI_PLAN_MAX];
    size_t n = 0;
    struct mf_error e;
    assert_int_equal(chip_spi_plan(&cmd, ops, CHIP_SPI_PLAN_MAX, &n, &e), MF_OK);
    assert_int_equal(n, 11);
    const struct chip_reg_op want[] = {
            {CHIP_REG_READ, 0x6000021Cu, 0, 0, CHIP_SPI_SLOT_USR},
            {CHIP_REG_READ, 0x60000224u, 0, 0, CHIP_SPI_SLOT_USR2},
            {CHIP_REG_WRITE, 0x60000220u, 0x00001700u, 0, 0},
            {CHIP_REG_WRITE, 0x6000021Cu, 0x90000000u, 0, 0},
            {CHIP_REG_WRITE, 0x60000224u, 0x7000009Fu, 0, 0},
            {CHIP_REG_WRITE, 0x60000240u, 0, 0, 0},
            {CHIP_REG_WRITE, 0x60000200u, 1u << 18, 0, 0},
            {CHIP_REG_POLL, 0x60000200u, 10, 1u << 18, 0},
            {CHIP_REG_READ, 0x60000240u, 0, 0, CHIP_SPI_SLOT_RESULT},
            {CHIP_REG_WRITE_SLOT, 0x6000021Cu, 0, 0, CHIP_SPI_SLOT_USR},
            {CHIP_REG_WRITE_SLOT, 0x60000224u, 0, 0, CHIP_SPI_SLOT_USR2},
    };
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ops[i].kind, want[i].kind);
        assert_int_equal(ops[i].addr, want[i].addr);
        assert_int_equal(ops[i].value, want[i].value);
        assert_int_equal(ops[i].mask, want[i].mask);
        assert_int_equal(ops[i].slot, want[i].slot);
    }

    /* run it against the fake: result read, USR/USR2 restored */
    struct fake_spi f;
    memset(&f, 0, sizeof f);
    f.usr = 0x80000064u;
    f.usr2 = 0x70000003u;
    f.busy_reads = 3;
    f.answer = 0x001640EFu;
    f.fail_at_write = -1;
    struct chip_reg_io io = {fake_read, fake_write, &f};
    uint32_t slots[CHIP_REG_SLOTS] = {0};
    assert_int_equal(chip_reg_plan_run(ops, n, &io, slots, &e), MF_OK);
    assert_int_equal(slots[CHIP_SPI_SLOT_RESULT], 0x001640EFu);
    assert_int_equal(f.usr, 0x80000064u);
    assert_int_equal(f.usr2, 0x70000003u);
    assert_int_equal(f.cmd_reads, 3);

    /* never completes: 10 reads, then the esptool sentence */
    memset(&f, 0, sizeof f);
    f.busy_reads = 1000;
    f.fail_at_write = -1;
    mf_err_clear(&e);
    assert_int_equal(chip_reg_plan_run(ops, n, &io, slots, &e), MF_ERR_TIMEOUT);
    assert_int_equal(f.cmd_reads, CHIP_SPI_POLLS_MAX);
    assert_non_null(strstr(e.message, "SPI command did not complete in time"));

    /* an I/O failure stops the plan at once */
    memset(&f, 0, sizeof f);
    f.busy_reads = 1;
    f.fail_at_write = 2;
    assert_int_equal(chip_reg_plan_run(ops, n, &io, slots, &e), MF_ERR_TIMEOUT);
    assert_int_equal(f.writes, 3);
    assert_string_equal(e.message, "WRITE_REG timed out.");
}

/* SFDP read: address in the top bits, dummy cycles; WRSR: data words; limits. */
static void test_spi_plan_other_commands(void **state)
{
    (void)state;
    struct chip_reg_op ops[CHIP_SPI_PLAN_MAX];
    size_t n = 0;
    struct mf_error e;
    struct chip_spi_cmd sfdp = {.opcode = CHIP_FLASH_CMD_SFDP,
                                .addr = 0x10,
                                .addr_bits = 24,
                                .dummy_bits = 8,
                                .miso_bits = 32};
    assert_int_equal(chip_spi_plan(&sfdp, ops, CHIP_SPI_PLAN_MAX, &n, &e), MF_OK);
    assert_int_equal(n, 12);
    assert_int_equal(ops[2].value, (31u << 8) | 7u | (23u << 26));
    assert_int_equal(ops[3].value, CHIP_SPI_USR_COMMAND | CHIP_SPI_USR_ADDR | CHIP_SPI_USR_DUMMY |
                                           CHIP_SPI_USR_MISO);
    assert_int_equal(ops[4].value, 0x7000005Au);
    assert_int_equal(ops[5].addr, CHIP_SPI_ADDR_REG);
    assert_int_equal(ops[5].value, 0x10u << 8);

    static const uint8_t status[] = {0x02, 0x03, 0x04, 0x05, 0x06};
    struct chip_spi_cmd wrsr = {.opcode = CHIP_FLASH_CMD_WRSR, .mosi = status, .mosi_len = 5};
    assert_int_equal(chip_spi_plan(&wrsr, ops, CHIP_SPI_PLAN_MAX, &n, &e), MF_OK);
    assert_int_equal(ops[2].value, 39u << 17);
    assert_int_equal(ops[3].value, CHIP_SPI_USR_COMMAND | CHIP_SPI_USR_MOSI);
    assert_int_equal(ops[5].addr, CHIP_SPI_W0_REG);
    assert_int_equal(ops[5].value, 0x05040302u);
    assert_int_equal(ops[6].addr, CHIP_SPI_W0_REG + 4);
    assert_int_equal(ops[6].value, 0x06u);

    /* the longest command still fits CHIP_SPI_PLAN_MAX */
    static uint8_t big[CHIP_SPI_MOSI_MAX];
    struct chip_spi_cmd full = {.opcode = 0x02,
                                .addr_bits = 24,
                                .mosi = big,
                                .mosi_len = sizeof big,
                                .miso_bits = 32,
                                .dummy_bits = 8};
    assert_int_equal(chip_spi_plan(&full, ops, CHIP_SPI_PLAN_MAX, &n, &e), MF_OK);
    assert_true(n <= CHIP_SPI_PLAN_MAX);
    /* too little room for the plan */
    assert_int_equal(chip_spi_plan(&full, ops, 5, &n, &e), MF_ERR_ARG);
    /* limits */
    struct chip_spi_cmd bad = {.opcode = 0x03, .miso_bits = CHIP_SPI_MISO_MAX + 1};
    assert_int_equal(chip_spi_plan(&bad, ops, CHIP_SPI_PLAN_MAX, &n, &e), MF_ERR_ARG);
    uint8_t toolong[CHIP_SPI_MOSI_MAX + 1];
    memset(toolong, 0, sizeof toolong);
    struct chip_spi_cmd bad2 = {.opcode = 0x02, .mosi = toolong, .mosi_len = sizeof toolong};
    assert_int_equal(chip_spi_plan(&bad2, ops, CHIP_SPI_PLAN_MAX, &n, &e), MF_ERR_ARG);
    assert_int_equal(n, 0);
}

/* What the ROM's SPIEraseArea erases for (offset, erase_size), per §6.3: crossing a 64 KiB
 * boundary adds the head sectors, otherwise it erases twice the count. */
static uint32_t rom_erased_sectors(uint32_t offset, uint32_t erase_size)
{
    uint32_t n = (erase_size + CHIP_SECTOR_SIZE - 1) / CHIP_SECTOR_SIZE;
    uint32_t head = 16 - (offset / CHIP_SECTOR_SIZE) % 16;
    return n > head ? n + head : 2 * n;
}

static void test_rom_erase_size(void **state)
{
    (void)state;
    /* §6.3 worked examples */
    assert_int_equal(chip_rom_erase_size(0, 0x10000), 0x8000);
    assert_int_equal(rom_erased_sectors(0, 0x8000), 16);
    assert_int_equal(chip_rom_erase_size(0x1000, 0x20000), 0x11000);
    assert_int_equal(rom_erased_sectors(0x1000, 0x11000), 32);
    /* nothing to erase */
    assert_int_equal(chip_rom_erase_size(0x3000, 0), 0);
    /* property: the ROM then erases exactly the sectors needed, or one more */
    for (uint32_t start = 0; start < 48; start++) {
        for (uint32_t sectors = 1; sectors <= 80; sectors++) {
            for (uint32_t trim = 0; trim < 2; trim++) {
                uint32_t size = sectors * CHIP_SECTOR_SIZE - trim * 100;
                uint32_t offset = start * CHIP_SECTOR_SIZE;
                uint32_t erase = chip_rom_erase_size(offset, size);
                uint32_t got = rom_erased_sectors(offset, erase);
                assert_true(erase % CHIP_SECTOR_SIZE == 0);
                assert_true(got == sectors || got == sectors + 1);
                assert_int_equal(chip_rom_erased_sectors(offset, erase), got);
            }
        }
    }
    /* huge sizes do not overflow */
    assert_int_equal(chip_rom_erase_size(0, 0xFFFFFFFFu), (0x100000u - 16u) * CHIP_SECTOR_SIZE);
}

static void test_blocks(void **state)
{
    (void)state;
    assert_int_equal(chip_num_blocks(0, CHIP_FLASH_BLOCK_STUB), 0);
    assert_int_equal(chip_num_blocks(1, CHIP_FLASH_BLOCK_STUB), 1);
    assert_int_equal(chip_num_blocks(0x4000, CHIP_FLASH_BLOCK_STUB), 1);
    assert_int_equal(chip_num_blocks(0x4001, CHIP_FLASH_BLOCK_STUB), 2);
    assert_int_equal(chip_num_blocks(0xFFFFFFFFu, CHIP_FLASH_BLOCK_ROM), 0x400000);
    assert_int_equal(chip_num_blocks(100, 0), 0);
    assert_int_equal(CHIP_FLASH_BLOCK_ROM, 0x400);
    assert_int_equal(CHIP_FLASH_BLOCK_STUB, 0x4000);
    assert_int_equal(CHIP_RAM_BLOCK, 0x1800);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_mac_oui_rules),  cmocka_unit_test(test_chip_id),
            cmocka_unit_test(test_variants),       cmocka_unit_test(test_magic),
            cmocka_unit_test(test_crystal),        cmocka_unit_test(test_uart_divider),
            cmocka_unit_test(test_flash_id),       cmocka_unit_test(test_flash_size_table),
            cmocka_unit_test(test_spi_plan_rdid),  cmocka_unit_test(test_spi_plan_other_commands),
            cmocka_unit_test(test_rom_erase_size), cmocka_unit_test(test_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
