/* SPDX-License-Identifier: MIT */
/* What the ESP8266 boot ROM can do for the flasher: FLASH_BEGIN/FLASH_DATA writes with block
 * retries, and exact erases and (slow) reads through SPI flash commands on the SPI0 registers. */
#include "flasher_impl.h"

#include <string.h>

#define FLASHER_POLL_MS        20u /* between status polls: the board works alone meanwhile */
#define FLASHER_RETRY_DRAIN_MS 50u /* listening for a late reply before a block is sent again */

/* Erased per FLASH_BEGIN. The ROM erases the first 16 sectors of every piece one by one before
 * it uses 64 KiB blocks (0.7 s against 0.15 s), so pieces are large; 1 MiB still shows progress
 * every ~3 s (a 4 MB erase-all: 11.9 s against 10.2 s in one piece, 18.7 s in 256 KiB pieces). */
#define FLASHER_ERASE_PIECE 0x100000u

static bool flasher_retryable(int rc)
{
    return rc == MF_ERR_TIMEOUT || rc == MF_ERR_DEVICE || rc == MF_ERR_PROTOCOL;
}

static int flasher_rom_block(struct conn *c, uint32_t seq, const uint8_t *block, struct mf_error *e)
{
    struct proto_cmd cmd;
    int rc = MF_OK;
    proto_cmd_data(&cmd, PROTO_OP_FLASH_DATA, seq, block, CHIP_FLASH_BLOCK_ROM);
    for (unsigned attempt = 1; attempt <= FLASHER_BLOCK_ATTEMPTS; attempt++) {
        rc = conn_command(c, &cmd, 0, NULL, e);
        if (rc == MF_OK || !flasher_retryable(rc) || attempt == FLASHER_BLOCK_ATTEMPTS) {
            break;
        }
        conn_log(c, MF_LOG_DEBUG, "Block %u, try %u failed (%s); sending it again.", (unsigned)seq,
                 attempt, mf_err_text(rc));
        /* A late reply to the failed try must not be taken for the next one. */
        rc = conn_drain(c, FLASHER_RETRY_DRAIN_MS, e);
        if (rc != MF_OK) {
            break;
        }
    }
    return rc;
}

int flasher_rom_write(struct conn *c, uint32_t offset, const uint8_t *data, size_t size,
                      struct flasher_meter *m, struct mf_error *e)
{
    struct proto_cmd cmd;
    uint8_t block[CHIP_FLASH_BLOCK_ROM];
    uint32_t blocks = chip_num_blocks((uint32_t)size, CHIP_FLASH_BLOCK_ROM);
    uint32_t erase = chip_rom_erase_size(offset, (uint32_t)size);
    int rc;

    proto_cmd_flash_begin(&cmd, PROTO_OP_FLASH_BEGIN, erase, blocks, CHIP_FLASH_BLOCK_ROM, offset,
                          false);
    rc = conn_command(c, &cmd, proto_timeout_ms(PROTO_OP_FLASH_BEGIN, PROTO_LOADER_ROM, erase),
                      NULL, e);
    for (uint32_t seq = 0; seq < blocks && rc == MF_OK; seq++) {
        size_t at = (size_t)seq * CHIP_FLASH_BLOCK_ROM;
        size_t n = size - at < CHIP_FLASH_BLOCK_ROM ? size - at : CHIP_FLASH_BLOCK_ROM;
        rc = flasher_check_cancel(c, "Writing", true, e);
        if (rc != MF_OK) {
            break;
        }
        memcpy(block, data + at, n);
        memset(block + n, 0xFF, sizeof block - n);
        rc = flasher_rom_block(c, seq, block, e);
        if (rc == MF_OK) {
            flasher_meter_update(m, at + n);
        }
    }
    if (rc != MF_OK) {
        mf_err_prepend(e, "Writing at 0x%08X: ", (unsigned)offset);
    }
    return rc;
}

/* Waits until the flash's status register says it is no longer busy. */
static int flasher_rom_wait_idle(struct conn *c, uint32_t timeout_ms, struct mf_error *e)
{
    const struct chip_spi_cmd rdsr = {CHIP_FLASH_CMD_RDSR, 0, 0, 0, NULL, 0, 8};
    uint64_t start = port_clock_ms();
    for (;;) {
        uint32_t status = 0;
        int rc = conn_spi_command(c, &rdsr, &status, e);
        if (rc != MF_OK || (status & CHIP_FLASH_SR1_WIP) == 0) {
            return rc;
        }
        if (port_clock_ms() - start >= timeout_ms) {
            return mf_err_set(e, MF_ERR_TIMEOUT,
                              "The flash chip was still busy after %.1f s. Its erase did not "
                              "finish: check the power supply, then retry.",
                              (double)timeout_ms / 1000.0);
        }
        rc = conn_drain(c, FLASHER_POLL_MS, e);
        if (rc != MF_OK) {
            return rc;
        }
    }
}

/* Erases one sector with SPI commands: write-enable, sector erase, then wait. */
static int flasher_rom_erase_sector(struct conn *c, uint32_t addr, struct mf_error *e)
{
    const struct chip_spi_cmd wren = {CHIP_FLASH_CMD_WREN, 0, 0, 0, NULL, 0, 0};
    const struct chip_spi_cmd erase = {
            CHIP_FLASH_CMD_SE, addr, CHIP_FLASH_ADDR_BITS, 0, NULL, 0, 0};
    int rc = conn_spi_command(c, &wren, NULL, e);
    if (rc == MF_OK) {
        rc = conn_spi_command(c, &erase, NULL, e);
    }
    if (rc == MF_OK) {
        rc = flasher_rom_wait_idle(c, PROTO_TIMEOUT_DEFAULT_MS, e);
    }
    return rc;
}

/* Erases [offset, offset + size) exactly. The ROM's FLASH_BEGIN erases in pieces of up to
 * 256 KiB that stop at 64 KiB boundaries; a piece the ROM would over-erase (§6.3: odd sector
 * counts before a boundary) loses its first sector to a SPI sector erase instead. */
int flasher_rom_erase(struct conn *c, uint32_t offset, uint32_t size, struct flasher_meter *m,
                      struct mf_error *e)
{
    uint32_t at = offset, end = offset + size;
    int rc = MF_OK;
    while (at < end && rc == MF_OK) {
        uint32_t to_boundary = CHIP_ERASE_BLOCK_SIZE - at % CHIP_ERASE_BLOCK_SIZE;
        uint32_t piece = to_boundary < CHIP_ERASE_BLOCK_SIZE ? to_boundary : FLASHER_ERASE_PIECE;
        if (piece > end - at) {
            piece = end - at;
        }
        uint32_t erase = chip_rom_erase_size(at, piece);
        rc = flasher_check_cancel(c, "Erasing", true, e);
        if (rc != MF_OK) {
            break;
        }
        if (chip_rom_erased_sectors(at, erase) * CHIP_SECTOR_SIZE == piece) {
            struct proto_cmd cmd;
            proto_cmd_flash_begin(&cmd, PROTO_OP_FLASH_BEGIN, erase, 0, CHIP_FLASH_BLOCK_ROM, at,
                                  false);
            rc = conn_command(c, &cmd,
                              proto_timeout_ms(PROTO_OP_FLASH_BEGIN, PROTO_LOADER_ROM, erase), NULL,
                              e);
        } else {
            piece = CHIP_SECTOR_SIZE;
            rc = flasher_rom_erase_sector(c, at, e);
        }
        if (rc == MF_OK) {
            at += piece;
            flasher_meter_update(m, at - offset);
        }
    }
    if (rc != MF_OK) {
        mf_err_prepend(e, "Erasing at 0x%08X: ", (unsigned)at);
    }
    return rc;
}

int flasher_rom_read(struct conn *c, uint32_t offset, uint32_t size, uint8_t *out,
                     struct flasher_meter *m, struct mf_error *e)
{
    const uint32_t chunk = CHIP_SPI_MISO_MAX / 8u;
    int rc = MF_OK;
    for (uint32_t done = 0; done < size && rc == MF_OK; done += chunk) {
        uint32_t n = size - done < chunk ? size - done : chunk;
        uint32_t words[CHIP_SPI_BUF_WORDS];
        const struct chip_spi_cmd read = {
                CHIP_FLASH_CMD_READ, offset + done, CHIP_FLASH_ADDR_BITS, 0, NULL, 0,
                (uint16_t)(n * 8u)};
        rc = flasher_check_cancel(c, "Reading", false, e);
        if (rc == MF_OK) {
            rc = conn_spi_command(c, &read, &words[0], e);
        }
        for (uint32_t w = 1; w < (n + 3u) / 4u && rc == MF_OK; w++) {
            rc = conn_read_reg(c, CHIP_SPI_W0_REG + 4u * w, &words[w], e);
        }
        for (uint32_t i = 0; i < n && rc == MF_OK; i++) {
            out[done + i] = (uint8_t)(words[i / 4u] >> (8u * (i % 4u)));
        }
        if (rc == MF_OK) {
            flasher_meter_update(m, done + n);
        }
    }
    if (rc != MF_OK) {
        mf_err_prepend(e, "Reading flash at 0x%08X: ", (unsigned)offset);
    }
    return rc;
}
