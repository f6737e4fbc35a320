/* SPDX-License-Identifier: MIT */
/* SPI0 controller registers of the simulated ESP8266 and the SPI NOR command set of its flash:
 * user commands and native command bits both end in one NOR command executor. */
#include "spi.h"

#include <string.h>

/* SPI NOR opcodes (JEDEC / common datasheet set; protocol doc §6.1 lists the ones esptool uses). */
enum spi_nor_opcode {
    SPI_NOR_WRSR = 0x01,
    SPI_NOR_PP = 0x02,
    SPI_NOR_READ = 0x03,
    SPI_NOR_WRDI = 0x04,
    SPI_NOR_RDSR = 0x05,
    SPI_NOR_WREN = 0x06,
    SPI_NOR_FAST_READ = 0x0B,
    SPI_NOR_WRSR3 = 0x11,
    SPI_NOR_RDSR3 = 0x15,
    SPI_NOR_SE = 0x20,
    SPI_NOR_WRSR2 = 0x31,
    SPI_NOR_RDSR2 = 0x35,
    SPI_NOR_WEVSR = 0x50,
    SPI_NOR_BE32 = 0x52,
    SPI_NOR_SFDP = 0x5A,
    SPI_NOR_CE2 = 0x60,
    SPI_NOR_RSTEN = 0x66,
    SPI_NOR_RST = 0x99,
    SPI_NOR_RDID = 0x9F,
    SPI_NOR_RES = 0xAB,
    SPI_NOR_DP = 0xB9,
    SPI_NOR_CE = 0xC7,
    SPI_NOR_BE64 = 0xD8,
};

#define SPI_BUF_BYTES     64u /* W0..W15 */
#define SPI_ADDR_MASK24   0xFFFFFFu
#define SPI_NATIVE_LEN_SH 24
#define SPI_USR1_DUMMY_M  0xFFu
#define SPI_USR1_MISO_SH  8
#define SPI_USR1_MOSI_SH  17
#define SPI_USR1_BITS_M   0x1FFu
#define SPI_USR1_ADDR_SH  26
#define SPI_USR1_ADDR_M   0x3Fu
#define SPI_USR2_VALUE_M  0xFFFFu
#define SPI_USR2_LEN_SH   28
#define SPI_WORD_BITS     32u
#define SPI_FLOAT_BYTE    0xFFu /* MISO pulled up when nothing drives it */

struct spi_xfer {
    uint8_t opcode;
    bool has_addr;
    uint32_t addr;
    uint8_t mosi[SPI_BUF_BYTES];
    uint32_t mosi_len;
    uint8_t miso[SPI_BUF_BYTES];
    uint32_t miso_len;
};

/* SFDP layout (JESD216): signature, revision 1.6, two parameter headers; the JEDEC basic table
 * at 0x30 (9 DWORDs) and a 3-DWORD vendor table at 0x60 identified by the manufacturer ID.
 * esptool reads the signature at 0 and the vendor ID at 0x10 (protocol doc §3.4 step 8). */
#define SPI_SFDP_BASIC_PTR   0x30u
#define SPI_SFDP_BASIC_WORDS 9u
#define SPI_SFDP_VENDOR_PTR  0x60u
#define SPI_SFDP_VENDOR_ID   0x10u

static const uint8_t SPI_SFDP_HEADER[16] = {
        'S',
        'F',
        'D',
        'P',
        0x06,
        0x01,
        0x01,
        0xFF, /* signature, rev, NPH */
        0x00,
        0x06,
        0x01,
        SPI_SFDP_BASIC_WORDS,
        SPI_SFDP_BASIC_PTR,
        0x00,
        0x00,
        0xFF, /* JEDEC basic */
};
/* Basic table without the density word (DWORD 2, filled from the size): 4 KiB erase 0x20,
 * 3-byte addressing, fast reads 1-1-2/1-2-2/1-4-4/1-1-4 and erase types 4K/0x20, 32K/0x52,
 * 64K/0xD8 - values typical of the W25Q/GD25Q parts. */
static const uint32_t SPI_SFDP_BASIC[SPI_SFDP_BASIC_WORDS] = {
        0xFFF920E5u, 0,           0x6B08EB44u, 0xBB423B08u, 0xFFFFFFFEu,
        0xFF00FFFFu, 0xEB40FFFFu, 0x520F200Cu, 0x0000D810u,
};

uint8_t sim_spi_sfdp_byte(const struct sim_flash *f, uint32_t addr)
{
    uint8_t id[3];
    if (addr < sizeof SPI_SFDP_HEADER)
        return SPI_SFDP_HEADER[addr];
    sim_flash_jedec_id(f, id);
    if (addr < SPI_SFDP_BASIC_PTR) {
        /* second header: vendor ID, rev 1.0, 3 DWORDs at 0x60 */
        static const uint8_t VENDOR_HDR[8] = {0, 0x00, 0x01, 0x03, SPI_SFDP_VENDOR_PTR, 0, 0, 0xFF};
        uint32_t i = addr - SPI_SFDP_VENDOR_ID;
        if (i >= sizeof VENDOR_HDR)
            return SPI_FLOAT_BYTE;
        return i == 0 ? id[0] : VENDOR_HDR[i];
    }
    if (addr < SPI_SFDP_BASIC_PTR + SPI_SFDP_BASIC_WORDS * 4) {
        uint32_t w = (addr - SPI_SFDP_BASIC_PTR) / 4;
        uint32_t v = w == 1 ? sim_flash_size(f) * 8u - 1u : SPI_SFDP_BASIC[w];
        return (uint8_t)(v >> (8 * (addr % 4)));
    }
    return SPI_FLOAT_BYTE;
}

void sim_spi_init(struct sim_spi *s)
{
    memset(s, 0, sizeof *s);
}

void sim_spi_chip_reset(struct sim_spi *s)
{
    memset(s->regs, 0, sizeof s->regs);
    s->attached = false;
}

bool sim_spi_contains(uint32_t addr)
{
    return addr >= SIM_SPI_BASE && addr < SIM_SPI_BASE + SIM_SPI_REG_BYTES;
}

static uint32_t *spi_reg(struct sim_spi *s, uint32_t addr)
{
    return &s->regs[(addr - SIM_SPI_BASE) / 4];
}

uint32_t sim_spi_read_reg(const struct sim_spi *s, uint32_t addr)
{
    if (!sim_spi_contains(addr))
        return 0;
    return s->regs[(addr - SIM_SPI_BASE) / 4];
}

static bool spi_needs_wel(uint8_t op)
{
    switch (op) {
    case SPI_NOR_PP:
    case SPI_NOR_SE:
    case SPI_NOR_BE32:
    case SPI_NOR_BE64:
    case SPI_NOR_CE:
    case SPI_NOR_CE2: return true;
    default: return false;
    }
}

static bool spi_is_status_read(uint8_t op)
{
    return op == SPI_NOR_RDSR || op == SPI_NOR_RDSR2 || op == SPI_NOR_RDSR3;
}

static void spi_write_status(struct sim_spi *s, struct sim_flash *f, unsigned first,
                             const struct spi_xfer *x)
{
    for (uint32_t i = 0; i < x->mosi_len && first + i < 3; i++)
        sim_flash_set_status(f, first + i, x->mosi[i]);
    sim_flash_set_status(f, 0, sim_flash_status(f, 0, 0) & (uint8_t)~SIM_FLASH_SR1_WEL);
    s->flash_volatile_sr = false;
}

static void spi_status_read(struct sim_flash *f, uint64_t t, unsigned index, struct spi_xfer *x)
{
    uint8_t v = sim_flash_status(f, index, t);
    memset(x->miso, v, x->miso_len);
}

static void spi_data_read(struct sim_flash *f, uint64_t t, struct spi_xfer *x)
{
    (void)sim_flash_read(f, t, x->addr, x->miso, x->miso_len);
}

static void spi_sfdp_read(const struct sim_flash *f, struct spi_xfer *x)
{
    for (uint32_t i = 0; i < x->miso_len; i++)
        x->miso[i] = sim_spi_sfdp_byte(f, (x->addr + i) & SPI_ADDR_MASK24);
}

static void spi_jedec_read(const struct sim_flash *f, struct spi_xfer *x)
{
    uint8_t id[3];
    sim_flash_jedec_id(f, id);
    for (uint32_t i = 0; i < x->miso_len && i < sizeof id; i++)
        x->miso[i] = id[i];
}

/* Runs one NOR command on the flash at time t. x->miso starts all 1s. */
static unsigned spi_nor_execute(struct sim_spi *s, struct sim_flash *f, uint64_t t,
                                struct spi_xfer *x)
{
    uint8_t op = x->opcode;
    bool wel = (sim_flash_status(f, 0, t) & SIM_FLASH_SR1_WEL) != 0;
    uint8_t id[3];

    memset(x->miso, SPI_FLOAT_BYTE, sizeof x->miso);
    if (!s->attached)
        return SIM_SPI_EV_NOT_ATTACHED;
    if (s->flash_powered_down && op != SPI_NOR_RES)
        return SIM_SPI_EV_NONE;
    if (sim_flash_busy(f, t) && !spi_is_status_read(op))
        return SIM_SPI_EV_BUSY;
    if (spi_needs_wel(op) && !wel)
        return SIM_SPI_EV_NO_WEL;
    if (op != SPI_NOR_RST)
        s->flash_reset_enabled = false;

    switch (op) {
    case SPI_NOR_RDID: spi_jedec_read(f, x); break;
    case SPI_NOR_RDSR: spi_status_read(f, t, 0, x); break;
    case SPI_NOR_RDSR2: spi_status_read(f, t, 1, x); break;
    case SPI_NOR_RDSR3: spi_status_read(f, t, 2, x); break;
    case SPI_NOR_WREN:
        sim_flash_set_status(f, 0, sim_flash_status(f, 0, 0) | SIM_FLASH_SR1_WEL);
        break;
    case SPI_NOR_WRDI:
        sim_flash_set_status(f, 0, sim_flash_status(f, 0, 0) & (uint8_t)~SIM_FLASH_SR1_WEL);
        break;
    case SPI_NOR_WEVSR: s->flash_volatile_sr = true; break;
    case SPI_NOR_WRSR:
    case SPI_NOR_WRSR2:
    case SPI_NOR_WRSR3:
        if (!wel && !s->flash_volatile_sr)
            return SIM_SPI_EV_NO_WEL;
        spi_write_status(s, f, op == SPI_NOR_WRSR ? 0u : op == SPI_NOR_WRSR2 ? 1u : 2u, x);
        break;
    case SPI_NOR_READ:
    case SPI_NOR_FAST_READ: spi_data_read(f, t, x); break;
    case SPI_NOR_SFDP: spi_sfdp_read(f, x); break;
    case SPI_NOR_PP: (void)sim_flash_page_program(f, t, x->addr, x->mosi, x->mosi_len); break;
    case SPI_NOR_SE: (void)sim_flash_erase(f, t, SIM_FLASH_OP_ERASE_SECTOR, x->addr); break;
    case SPI_NOR_BE32: (void)sim_flash_erase(f, t, SIM_FLASH_OP_ERASE_32K, x->addr); break;
    case SPI_NOR_BE64: (void)sim_flash_erase(f, t, SIM_FLASH_OP_ERASE_64K, x->addr); break;
    case SPI_NOR_CE:
    case SPI_NOR_CE2: (void)sim_flash_erase(f, t, SIM_FLASH_OP_ERASE_CHIP, 0); break;
    case SPI_NOR_RSTEN: s->flash_reset_enabled = true; break;
    case SPI_NOR_RST:
        if (s->flash_reset_enabled) {
            sim_flash_set_status(f, 0, sim_flash_status(f, 0, 0) & (uint8_t)~SIM_FLASH_SR1_WEL);
            s->flash_volatile_sr = false;
        }
        s->flash_reset_enabled = false;
        break;
    case SPI_NOR_DP: s->flash_powered_down = true; break;
    case SPI_NOR_RES:
        s->flash_powered_down = false;
        sim_flash_jedec_id(f, id);
        memset(x->miso, (uint8_t)(id[2] - 1u), x->miso_len); /* device ID byte */
        break;
    default: break; /* unknown opcodes: the flash ignores them */
    }
    return SIM_SPI_EV_NONE;
}

static void spi_buf_to_bytes(const struct sim_spi *s, uint8_t *out, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        out[i] = (uint8_t)(s->regs[(SIM_SPI_W0 - SIM_SPI_BASE) / 4 + i / 4] >> (8 * (i % 4)));
}

static void spi_bytes_to_buf(struct sim_spi *s, const uint8_t *in, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t *w = &s->regs[(SIM_SPI_W0 - SIM_SPI_BASE) / 4 + i / 4];
        uint32_t sh = 8 * (i % 4);
        *w = (*w & ~(0xFFu << sh)) | (uint32_t)in[i] << sh;
    }
}

static uint32_t spi_bits_to_bytes(uint32_t bits)
{
    uint32_t n = (bits + 7) / 8;
    return n > SPI_BUF_BYTES ? SPI_BUF_BYTES : n;
}

static unsigned spi_run_user(struct sim_spi *s, struct sim_flash *f, uint64_t t)
{
    uint32_t usr = *spi_reg(s, SIM_SPI_USR);
    uint32_t usr1 = *spi_reg(s, SIM_SPI_USR1);
    uint32_t usr2 = *spi_reg(s, SIM_SPI_USR2);
    struct spi_xfer x;
    unsigned ev;

    memset(&x, 0, sizeof x);
    if (usr & SIM_SPI_USR_COMMAND)
        x.opcode = (uint8_t)(usr2 & SPI_USR2_VALUE_M);
    if (usr & SIM_SPI_USR_ADDR) {
        uint32_t bits = ((usr1 >> SPI_USR1_ADDR_SH) & SPI_USR1_ADDR_M) + 1;
        x.has_addr = true;
        x.addr = bits >= SPI_WORD_BITS ? *spi_reg(s, SIM_SPI_ADDR)
                                       : *spi_reg(s, SIM_SPI_ADDR) >> (SPI_WORD_BITS - bits);
    }
    if (usr & SIM_SPI_USR_MOSI) {
        x.mosi_len = spi_bits_to_bytes(((usr1 >> SPI_USR1_MOSI_SH) & SPI_USR1_BITS_M) + 1);
        spi_buf_to_bytes(s, x.mosi, x.mosi_len);
    }
    if (usr & SIM_SPI_USR_MISO)
        x.miso_len = spi_bits_to_bytes(((usr1 >> SPI_USR1_MISO_SH) & SPI_USR1_BITS_M) + 1);
    ev = spi_nor_execute(s, f, t, &x);
    spi_bytes_to_buf(s, x.miso, x.miso_len);
    return ev;
}

/* Native command bits, in the order a single write would run them. */
struct spi_native {
    uint32_t bit;
    uint8_t opcode;
};

static const struct spi_native SPI_NATIVE[] = {
        {SIM_SPI_CMD_WREN, SPI_NOR_WREN}, {SIM_SPI_CMD_WRDI, SPI_NOR_WRDI},
        {SIM_SPI_CMD_RDID, SPI_NOR_RDID}, {SIM_SPI_CMD_RDSR, SPI_NOR_RDSR},
        {SIM_SPI_CMD_WRSR, SPI_NOR_WRSR}, {SIM_SPI_CMD_READ, SPI_NOR_READ},
        {SIM_SPI_CMD_PP, SPI_NOR_PP},     {SIM_SPI_CMD_SE, SPI_NOR_SE},
        {SIM_SPI_CMD_BE, SPI_NOR_BE64},   {SIM_SPI_CMD_CE, SPI_NOR_CE},
        {SIM_SPI_CMD_DP, SPI_NOR_DP},     {SIM_SPI_CMD_RES, SPI_NOR_RES},
};

static unsigned spi_run_native(struct sim_spi *s, struct sim_flash *f, uint64_t t, uint8_t op)
{
    uint32_t addr_reg = *spi_reg(s, SIM_SPI_ADDR);
    uint32_t len = addr_reg >> SPI_NATIVE_LEN_SH;
    struct spi_xfer x;
    unsigned ev;

    memset(&x, 0, sizeof x);
    x.opcode = op;
    x.has_addr = true;
    x.addr = addr_reg & SPI_ADDR_MASK24;
    if (len > SPI_BUF_BYTES)
        len = SPI_BUF_BYTES;
    switch (op) {
    case SPI_NOR_READ: x.miso_len = len; break;
    case SPI_NOR_PP:
        x.mosi_len = len;
        spi_buf_to_bytes(s, x.mosi, len);
        break;
    case SPI_NOR_RDID: x.miso_len = 3; break;
    case SPI_NOR_RDSR: x.miso_len = 1; break;
    case SPI_NOR_WRSR:
        x.mosi_len = 2;
        x.mosi[0] = (uint8_t)*spi_reg(s, SIM_SPI_RD_STATUS);
        x.mosi[1] = (uint8_t)(*spi_reg(s, SIM_SPI_RD_STATUS) >> 8);
        break;
    default: break;
    }
    ev = spi_nor_execute(s, f, t, &x);
    if (op == SPI_NOR_RDSR)
        *spi_reg(s, SIM_SPI_RD_STATUS) = x.miso[0];
    else
        spi_bytes_to_buf(s, x.miso, x.miso_len);
    return ev;
}

unsigned sim_spi_write_reg(struct sim_spi *s, struct sim_flash *f, uint64_t t, uint32_t addr,
                           uint32_t value)
{
    unsigned ev = SIM_SPI_EV_NONE;

    if (!sim_spi_contains(addr))
        return ev;
    if (addr != SIM_SPI_CMD) {
        *spi_reg(s, addr) = value;
        return ev;
    }
    /* Commands complete long before a client can poll SPI_CMD over the serial link, so the
     * command bits read back as 0 at once. */
    if (value & SIM_SPI_CMD_USR)
        ev |= spi_run_user(s, f, t);
    for (size_t i = 0; i < sizeof SPI_NATIVE / sizeof SPI_NATIVE[0]; i++)
        if (value & SPI_NATIVE[i].bit)
            ev |= spi_run_native(s, f, t, SPI_NATIVE[i].opcode);
    *spi_reg(s, SIM_SPI_CMD) = 0;
    return ev;
}
