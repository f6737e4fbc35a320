/* SPDX-License-Identifier: MIT */
/* The ESP8266's SPI0 flash controller as a client sees it through READ_REG/WRITE_REG: register
 * file, the "user command" engine (USR/USR1/USR2/W0..W15) and the native command bits of SPI_CMD,
 * executing SPI NOR commands (RDID, RDSR, WRSR, SFDP, READ, PP, erases...) on the flash model. */
#ifndef MF_SIM_SPI_H
#define MF_SIM_SPI_H

#include <stdbool.h>
#include <stdint.h>

#include "flash.h"

/* Register addresses (protocol doc §6.1 and §8.3/§8.5). */
#define SIM_SPI_BASE      0x60000200u
#define SIM_SPI_CMD       (SIM_SPI_BASE + 0x00u)
#define SIM_SPI_ADDR      (SIM_SPI_BASE + 0x04u)
#define SIM_SPI_RD_STATUS (SIM_SPI_BASE + 0x10u)
#define SIM_SPI_USR       (SIM_SPI_BASE + 0x1Cu)
#define SIM_SPI_USR1      (SIM_SPI_BASE + 0x20u)
#define SIM_SPI_USR2      (SIM_SPI_BASE + 0x24u)
#define SIM_SPI_W0        (SIM_SPI_BASE + 0x40u)
#define SIM_SPI_EXT2      (SIM_SPI_BASE + 0xF8u)
#define SIM_SPI_REG_BYTES 0x100u

/* SPI_CMD bits: USR starts a user command; the others are the controller's native commands. */
#define SIM_SPI_CMD_READ (1u << 31)
#define SIM_SPI_CMD_WREN (1u << 30)
#define SIM_SPI_CMD_WRDI (1u << 29)
#define SIM_SPI_CMD_RDID (1u << 28)
#define SIM_SPI_CMD_RDSR (1u << 27)
#define SIM_SPI_CMD_WRSR (1u << 26)
#define SIM_SPI_CMD_PP   (1u << 25)
#define SIM_SPI_CMD_SE   (1u << 24)
#define SIM_SPI_CMD_BE   (1u << 23)
#define SIM_SPI_CMD_CE   (1u << 22)
#define SIM_SPI_CMD_DP   (1u << 21)
#define SIM_SPI_CMD_RES  (1u << 20)
#define SIM_SPI_CMD_USR  (1u << 18)

/* SPI_USR phase bits and USR1/USR2 fields (protocol doc §6.1). */
#define SIM_SPI_USR_COMMAND (1u << 31)
#define SIM_SPI_USR_ADDR    (1u << 30)
#define SIM_SPI_USR_DUMMY   (1u << 29)
#define SIM_SPI_USR_MISO    (1u << 28)
#define SIM_SPI_USR_MOSI    (1u << 27)

/* What a register write made happen that the caller may want to record. */
enum sim_spi_event {
    SIM_SPI_EV_NONE = 0,
    SIM_SPI_EV_BUSY = 1,         /* a command reached the flash while it was busy: ignored */
    SIM_SPI_EV_NOT_ATTACHED = 2, /* a command before the ROM attached the flash */
    SIM_SPI_EV_NO_WEL = 4,       /* program/erase/WRSR without a write enable: ignored */
};

struct sim_spi {
    uint32_t regs[SIM_SPI_REG_BYTES / 4];
    bool attached; /* the ROM's SPI attach ran (FLASH_BEGIN); until then MISO reads 1s */
    /* flash chip state that a chip reset does not clear */
    bool flash_powered_down;
    bool flash_reset_enabled;
    bool flash_volatile_sr;
};

void sim_spi_init(struct sim_spi *s);
/* The ESP8266 was reset: controller registers to defaults, attach forgotten; flash state kept. */
void sim_spi_chip_reset(struct sim_spi *s);

bool sim_spi_contains(uint32_t addr);
uint32_t sim_spi_read_reg(const struct sim_spi *s, uint32_t addr);
/* Writes a register; a write to SPI_CMD runs the command at time t. Returns sim_spi_event bits. */
unsigned sim_spi_write_reg(struct sim_spi *s, struct sim_flash *f, uint64_t t, uint32_t addr,
                           uint32_t value);

/* The SFDP table the simulated flash answers with (opcode 0x5A): "SFDP" header, the JEDEC basic
 * parameter header and a vendor header whose ID is the manufacturer byte. */
uint8_t sim_spi_sfdp_byte(const struct sim_flash *f, uint32_t addr);

#endif
