/* SPDX-License-Identifier: MIT */
/* What our flasher stub does for the flasher (esp8266-protocol.md §2.1, §6.4, §8.5, §8.6):
 * compressed writes checked by MD5, ERASE_FLASH / ERASE_REGION, and READ_FLASH with its acks. */
#include "flasher_impl.h"

#include "deflate.h"
#include "md5.h"

#include <stdlib.h>
#include <string.h>

#define FLASHER_READ_PACKET    0x1000u /* READ_FLASH packet size (esptool's; ≤ 4096, §8.6) */
#define FLASHER_READ_IN_FLIGHT 64u     /* packets the stub may send ahead of our acks */
#define FLASHER_MD5_FRAME_SIZE 16u     /* READ_FLASH ends with the raw MD5 */
#define FLASHER_ACK_MAX        SLIP_ENCODED_MAX(4)
/* Stub status codes that mean a damaged frame (§2.4). */
#define STUB_CODE_BAD_DATA_LEN 0xC0u
#define STUB_CODE_CHECKSUM     0xC1u

int flasher_stub_md5(struct conn *c, uint32_t offset, uint32_t size,
                     uint8_t digest[MD5_DIGEST_SIZE], struct mf_error *e)
{
    struct proto_cmd cmd;
    struct proto_response r;
    proto_cmd_flash_md5(&cmd, offset, size);
    int rc = conn_command(c, &cmd,
                          proto_timeout_ms(PROTO_OP_SPI_FLASH_MD5, PROTO_LOADER_STUB, size), &r, e);
    if (rc == MF_OK) {
        memcpy(digest, r.payload, MD5_DIGEST_SIZE);
    }
    return rc;
}

/* The flash's MD5 against the data's; MF_ERR_VERIFY with both digests when they differ. */
int flasher_stub_check(struct conn *c, uint32_t offset, const uint8_t *data, size_t size,
                       const char *name, struct mf_error *e)
{
    uint8_t want[MD5_DIGEST_SIZE], got[MD5_DIGEST_SIZE];
    char want_hex[MD5_HEX_SIZE], got_hex[MD5_HEX_SIZE];
    int rc = flasher_stub_md5(c, offset, (uint32_t)size, got, e);
    if (rc != MF_OK) {
        return rc;
    }
    md5_buffer(data, size, want);
    if (memcmp(want, got, sizeof want) != 0) {
        md5_to_hex(want, want_hex);
        md5_to_hex(got, got_hex);
        rc = mf_err_set(e, MF_ERR_VERIFY,
                        "%s at 0x%08X differs from the flash (MD5 of the file %s, of the flash "
                        "%s). Flash it again; if this repeats, the flash chip may be worn or "
                        "write-protected.",
                        name, (unsigned)offset, want_hex, got_hex);
    }
    return rc;
}

/* A failure the link may have caused (a lost or damaged frame), worth sending again. */
static bool flasher_link_error(int rc, const struct mf_error *e)
{
    return rc == MF_ERR_TIMEOUT || rc == MF_ERR_PROTOCOL ||
           (rc == MF_ERR_DEVICE && e->has_status &&
            (e->error_code == STUB_CODE_BAD_DATA_LEN || e->error_code == STUB_CODE_CHECKSUM));
}

/* Sends one data block until the stub takes it: FLASHER_BLOCK_ATTEMPTS tries at each rate, and
 * a step down to the next lower rate when a faster one keeps failing (a repeat of a block the
 * stub took already is answered OK, §2.4). */
static int flasher_stub_block(struct conn *c, const struct proto_cmd *cmd, uint32_t timeout_ms,
                              struct mf_error *e)
{
    for (;;) {
        int rc = MF_OK;
        for (unsigned i = 0; i < FLASHER_BLOCK_ATTEMPTS; i++) {
            rc = conn_command(c, cmd, timeout_ms, NULL, e);
            if (rc == MF_OK || !flasher_link_error(rc, e)) {
                return rc;
            }
            if (rc == MF_ERR_TIMEOUT && !conn_answers(c)) {
                return mf_err_set(e, MF_ERR_TIMEOUT,
                                  "The board stopped answering in the middle of the write: it "
                                  "was reset, lost power, or crashed. The flash is now "
                                  "incomplete. Check the cable and the power supply (a weak USB "
                                  "port resets the board when the flash works hardest), then "
                                  "flash again.");
            }
            conn_log(c, MF_LOG_DEBUG, "%s Sending the block again.", e->message);
        }
        uint32_t baud = conn_board(c)->baud;
        if (baud <= CHIP_ROM_BAUD) {
            return rc;
        }
        conn_log(c, MF_LOG_WARN, "Too many transfer errors at %u baud: slowing down.",
                 (unsigned)baud);
        rc = conn_change_baud(c, conn_baud_lower(baud), e);
        if (rc != MF_OK) {
            return rc;
        }
    }
}

int flasher_stub_write(struct conn *c, uint32_t offset, const uint8_t *data, size_t size,
                       struct flasher_meter *m, struct mf_error *e)
{
    struct proto_cmd cmd;
    struct mf_error local;
    uint8_t *z = NULL;
    size_t zlen = 0;
    e = e != NULL ? e : &local;
    int rc = deflate_buffer(data, size, &z, &zlen, e);
    uint32_t blocks = chip_num_blocks((uint32_t)zlen, CHIP_FLASH_BLOCK_STUB);
    if (rc == MF_OK) {
        proto_cmd_flash_begin(&cmd, PROTO_OP_FLASH_DEFL_BEGIN, (uint32_t)size, blocks,
                              CHIP_FLASH_BLOCK_STUB, offset, false);
        rc = conn_command(c, &cmd, 0, NULL, e);
    }
    uint32_t previous = 0; /* the stub writes block N while N + 1 travels (§3.3) */
    for (uint32_t seq = 0; seq < blocks && rc == MF_OK; seq++) {
        size_t at = (size_t)seq * CHIP_FLASH_BLOCK_STUB;
        size_t n = zlen - at < CHIP_FLASH_BLOCK_STUB ? zlen - at : CHIP_FLASH_BLOCK_STUB;
        rc = flasher_check_cancel(c, "Writing", true, e);
        if (rc != MF_OK) {
            break;
        }
        proto_cmd_data(&cmd, PROTO_OP_FLASH_DEFL_DATA, seq, z + at, n);
        rc = flasher_stub_block(
                c, &cmd, proto_timeout_ms(PROTO_OP_FLASH_DEFL_DATA, PROTO_LOADER_STUB, previous),
                e);
        previous = (uint32_t)((uint64_t)n * size / (zlen > 0 ? zlen : 1));
        if (rc == MF_OK) {
            flasher_meter_update(m, (uint64_t)(at + n) * size / (zlen > 0 ? zlen : 1));
        }
    }
    if (rc == MF_OK) {
        proto_cmd_flash_end(&cmd, PROTO_OP_FLASH_DEFL_END, false);
        rc = conn_command(c, &cmd, 0, NULL, e);
    }
    if (rc == MF_OK) {
        conn_log(c, MF_LOG_DEBUG, "Compressed %zu bytes to %zu.", size, zlen);
    } else {
        mf_err_prepend(e, "Writing at 0x%08X: ", (unsigned)offset);
    }
    free(z);
    return rc;
}

int flasher_stub_same(struct conn *c, uint32_t offset, const uint8_t *data, size_t size, bool *same,
                      struct mf_error *e)
{
    uint8_t want[MD5_DIGEST_SIZE], got[MD5_DIGEST_SIZE];
    /* One sector first: a different image almost always differs there, and costs ~1 ms. */
    size_t probe = size < CHIP_SECTOR_SIZE ? size : CHIP_SECTOR_SIZE;
    int rc = flasher_stub_md5(c, offset, (uint32_t)probe, got, e);
    *same = false;
    if (rc == MF_OK) {
        md5_buffer(data, probe, want);
        *same = memcmp(want, got, sizeof want) == 0;
    }
    if (rc == MF_OK && *same && probe < size) {
        rc = flasher_stub_md5(c, offset, (uint32_t)size, got, e);
        md5_buffer(data, size, want);
        *same = rc == MF_OK && memcmp(want, got, sizeof want) == 0;
    }
    return rc;
}

int flasher_stub_erase_bg(struct conn *c, uint32_t offset, uint32_t size, struct mf_error *e)
{
    struct proto_cmd cmd;
    proto_cmd_erase_bg(&cmd, offset, size);
    return conn_command(c, &cmd, 0, NULL, e);
}

int flasher_stub_erase_bg_wait(struct conn *c, uint32_t size, struct mf_error *e)
{
    struct proto_cmd cmd;
    struct proto_response r;
    proto_cmd_erase_bg_wait(&cmd);
    int rc = conn_command(c, &cmd,
                          proto_timeout_ms(PROTO_OP_ERASE_BG_WAIT, PROTO_LOADER_STUB, size), &r, e);
    if (rc == MF_ERR_DEVICE) {
        mf_err_prepend(e, "Erasing the rest of the flash: the sector at 0x%08X is not blank. ",
                       (unsigned)r.value);
    }
    return rc;
}

int flasher_stub_erase(struct conn *c, uint32_t offset, uint32_t size, bool whole,
                       struct mf_error *e)
{
    struct proto_cmd cmd;
    uint8_t op = whole ? PROTO_OP_ERASE_FLASH : PROTO_OP_ERASE_REGION;
    if (whole) {
        proto_cmd_erase_flash(&cmd);
    } else {
        proto_cmd_erase_region(&cmd, offset, size);
    }
    int rc = conn_command(c, &cmd, proto_timeout_ms(op, PROTO_LOADER_STUB, size), NULL, e);
    if (rc != MF_OK) {
        mf_err_prepend(e, "Erasing at 0x%08X: ", (unsigned)offset);
    }
    return rc;
}

int flasher_stub_read(struct conn *c, uint32_t offset, uint32_t size, uint8_t *out,
                      struct flasher_meter *m, struct mf_error *e)
{
    struct proto_cmd cmd;
    uint8_t ack[FLASHER_ACK_MAX];
    uint8_t want[MD5_DIGEST_SIZE];
    const uint8_t *frame = NULL;
    size_t len = 0;
    uint32_t done = 0;
    proto_cmd_read_flash(&cmd, offset, size, FLASHER_READ_PACKET, FLASHER_READ_IN_FLIGHT);
    int rc = conn_command(c, &cmd, 0, NULL, e);
    while (rc == MF_OK && done < size) {
        rc = conn_read_frame(c, PROTO_TIMEOUT_READ_FLASH_MS, &frame, &len, e);
        if (rc == MF_OK && (len == 0 || len > size - done)) {
            rc = mf_err_set(e, MF_ERR_PROTOCOL,
                            "READ_FLASH sent a packet of %zu bytes with %u bytes left to read.",
                            len, (unsigned)(size - done));
        }
        if (rc == MF_OK) {
            memcpy(out + done, frame, len);
            done += (uint32_t)len;
            size_t n = proto_read_flash_ack(done, ack, sizeof ack);
            rc = conn_write_raw(c, ack, n, e);
            flasher_meter_update(m, done);
        }
    }
    if (rc == MF_OK) {
        rc = conn_read_frame(c, PROTO_TIMEOUT_READ_FLASH_MS, &frame, &len, e);
    }
    if (rc == MF_OK) {
        md5_buffer(out, size, want);
        if (len != FLASHER_MD5_FRAME_SIZE || memcmp(frame, want, sizeof want) != 0) {
            rc = mf_err_set(e, MF_ERR_PROTOCOL,
                            "The data read does not match the MD5 the stub sent with it: the "
                            "link garbled it. Retry, or use a lower baud rate.");
        }
    }
    if (rc != MF_OK) {
        mf_err_set_command(e, PROTO_OP_READ_FLASH, proto_op_name(PROTO_OP_READ_FLASH));
        mf_err_prepend(e, "Reading flash at 0x%08X: ", (unsigned)offset);
    }
    return rc;
}

int flasher_stub_leave(struct conn *c, bool run, struct mf_error *e)
{
    struct proto_cmd cmd;
    int rc = MF_OK;
    if (run) {
        proto_cmd_run_user_code(&cmd);
        rc = conn_command(c, &cmd, 0, NULL, e);
    } else {
        /* FLASH_BEGIN(0, 0) + FLASH_END(reboot): the stub resets into the ROM loader (§4.2). */
        proto_cmd_flash_begin(&cmd, PROTO_OP_FLASH_BEGIN, 0, 0, CHIP_FLASH_BLOCK_STUB, 0, false);
        rc = conn_command(c, &cmd, 0, NULL, e);
        if (rc == MF_OK) {
            proto_cmd_flash_end(&cmd, PROTO_OP_FLASH_END, true);
            rc = conn_command(c, &cmd, 0, NULL, e);
        }
    }
    return rc;
}
