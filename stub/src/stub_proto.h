/* SPDX-License-Identifier: MIT */
/* Wire constants of the flasher-stub protocol as the stub sees them (protocol doc §1, §2.1,
 * §2.4, §8): framing, opcodes, payload sizes and the stub's error codes. No host headers. */
#ifndef MF_STUB_PROTO_H
#define MF_STUB_PROTO_H

/* ---- SLIP (§1.1) ---- */
#define STUB_SLIP_END     0xC0u
#define STUB_SLIP_ESC     0xDBu
#define STUB_SLIP_ESC_END 0xDCu
#define STUB_SLIP_ESC_ESC 0xDDu

/* ---- Packet layout (§1.2, §1.3) ---- */
#define STUB_HEADER_SIZE      8u  /* direction, opcode, u16 length, u32 checksum / value */
#define STUB_DATA_HEADER_SIZE 16u /* *_DATA: len, seq, 0, 0 */
#define STUB_DIR_REQUEST      0x00u
#define STUB_DIR_RESPONSE     0x01u
#define STUB_CHECKSUM_SEED    0xEFu
#define STUB_STATUS_SIZE      2u /* stub replies: error code, detail */

/* ---- Opcodes (§2.1) ---- */
#define STUB_OP_FLASH_BEGIN      0x02u
#define STUB_OP_FLASH_DATA       0x03u
#define STUB_OP_FLASH_END        0x04u
#define STUB_OP_MEM_BEGIN        0x05u
#define STUB_OP_MEM_END          0x06u
#define STUB_OP_MEM_DATA         0x07u
#define STUB_OP_SYNC             0x08u
#define STUB_OP_WRITE_REG        0x09u
#define STUB_OP_READ_REG         0x0Au
#define STUB_OP_SPI_SET_PARAMS   0x0Bu
#define STUB_OP_SPI_ATTACH       0x0Du
#define STUB_OP_CHANGE_BAUDRATE  0x0Fu
#define STUB_OP_FLASH_DEFL_BEGIN 0x10u
#define STUB_OP_FLASH_DEFL_DATA  0x11u
#define STUB_OP_FLASH_DEFL_END   0x12u
#define STUB_OP_SPI_FLASH_MD5    0x13u
#define STUB_OP_ERASE_FLASH      0xD0u
#define STUB_OP_ERASE_REGION     0xD1u
#define STUB_OP_READ_FLASH       0xD2u
#define STUB_OP_RUN_USER_CODE    0xD3u
/* MicroFlash's extension (stub/README.md): erases queued to run while the stub would idle. */
#define STUB_OP_ERASE_BG      0xE8u /* offset, size: queue a region, reply at once */
#define STUB_OP_ERASE_BG_WAIT 0xE9u /* reply once every queued region is done */

/* ---- Payload sizes (§2.1) ---- */
#define STUB_SYNC_PAYLOAD_SIZE  36u /* 07 07 12 20 + 32 x 55 */
#define STUB_SYNC_REPLIES       8u  /* the ROM's count, mimicked by every stub (§3.1) */
#define STUB_BEGIN_PAYLOAD_SIZE 16u /* size, num_blocks, block_size, offset */
#define STUB_BEGIN_PAYLOAD_MAX  20u /* ... plus the encrypt flag (esptool >= 5.2) */
#define STUB_REG_ENTRY_SIZE     16u /* WRITE_REG: addr, value, mask, delay_us */
#define STUB_SET_PARAMS_SIZE    24u /* id, total, block, sector, page, status_mask */
#define STUB_MD5_SIZE           16u
#define STUB_READ_ACK_SIZE      4u /* READ_FLASH: host's LE count of bytes received */
#define STUB_ERASE_PAYLOAD_SIZE 8u /* ERASE_REGION, ERASE_BG: offset, size */

/* ---- Limits (§2.1 note a, §8.3, §8.6) ---- */
#define STUB_MAX_BLOCK_SIZE  0x4000u /* FLASH_(DEFL_)BEGIN block_size above it: BAD_BLOCKSIZE */
#define STUB_FRAME_SLACK     64u     /* frame buffer room beyond header + one block */
#define STUB_FRAME_CAP       (STUB_HEADER_SIZE + STUB_MAX_BLOCK_SIZE + STUB_FRAME_SLACK)
#define STUB_READ_PACKET_MAX 4096u  /* READ_FLASH packet_size limit */
#define STUB_GREETING        "OHAI" /* the one unsolicited frame (§8.2) */
#define STUB_GREETING_SIZE   4u
#define STUB_ERASE_BG_MAX    8u /* ERASE_BG regions queued and not yet done */

/* ---- Error codes: first status byte (§2.4) ---- */
#define STUB_OK                    0x00u
#define STUB_ERR_BAD_DATA_LEN      0xC0u
#define STUB_ERR_BAD_DATA_CHECKSUM 0xC1u
#define STUB_ERR_BAD_BLOCKSIZE     0xC2u
#define STUB_ERR_INVALID_COMMAND   0xC3u
#define STUB_ERR_FAILED_SPI_OP     0xC4u
#define STUB_ERR_FAILED_SPI_UNLOCK 0xC5u
#define STUB_ERR_NOT_IN_FLASH_MODE 0xC6u
#define STUB_ERR_INFLATE_ERROR     0xC7u
#define STUB_ERR_NOT_ENOUGH_DATA   0xC8u
#define STUB_ERR_TOO_MUCH_DATA     0xC9u
#define STUB_ERR_CMD_NOT_IMPL      0xFFu
/* The legacy stub's private erase and MD5 codes (§2.4; it collapsed them to 1, we send them). */
#define STUB_ERR_ERASE_OFFSET_ALIGN 0x32u /* ERASE_REGION offset not a multiple of 4096 */
#define STUB_ERR_ERASE_SIZE_ALIGN   0x33u /* ERASE_REGION size not a multiple of 4096 */
#define STUB_ERR_ERASE_FAILED       0x35u /* an erase failed (ERASE_BG_WAIT: or read back dirty) */
#define STUB_ERR_ERASE_BG_FULL      0x36u /* ours: ERASE_BG with STUB_ERASE_BG_MAX queued */
#define STUB_ERR_MD5_READ           0x63u /* flash read failed during SPI_FLASH_MD5 */

/* ---- Second status byte ---- */
#define STUB_DETAIL_NONE           0x00u
#define STUB_DETAIL_FRAME_TOO_LONG 0xEEu /* with BAD_DATA_LEN: frame overflowed (§2.4) */
#define STUB_DETAIL_BAD_SEQUENCE   0x5Eu /* ours, with BAD_DATA_LEN: unexpected *_DATA seq */

#endif
