/* SPDX-License-Identifier: MIT */
/* The ESP8266 serial loader protocol without I/O (esp8266-protocol.md §1-§3): commands of the ROM
 * and the flasher stubs encoded into frames, replies decoded and matched to their request, status
 * codes turned into sentences, and the timeout of every command as a table. */
#ifndef MF_PROTO_H
#define MF_PROTO_H

#include "err.h"
#include "slip.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Opcodes (§2.1). */
enum proto_op {
    PROTO_OP_FLASH_BEGIN = 0x02,
    PROTO_OP_FLASH_DATA = 0x03,
    PROTO_OP_FLASH_END = 0x04,
    PROTO_OP_MEM_BEGIN = 0x05,
    PROTO_OP_MEM_END = 0x06,
    PROTO_OP_MEM_DATA = 0x07,
    PROTO_OP_SYNC = 0x08,
    PROTO_OP_WRITE_REG = 0x09,
    PROTO_OP_READ_REG = 0x0A,
    PROTO_OP_SPI_SET_PARAMS = 0x0B,
    PROTO_OP_SPI_ATTACH = 0x0D,
    PROTO_OP_READ_FLASH_SLOW = 0x0E,
    PROTO_OP_CHANGE_BAUDRATE = 0x0F,
    PROTO_OP_FLASH_DEFL_BEGIN = 0x10,
    PROTO_OP_FLASH_DEFL_DATA = 0x11,
    PROTO_OP_FLASH_DEFL_END = 0x12,
    PROTO_OP_SPI_FLASH_MD5 = 0x13,
    PROTO_OP_GET_SECURITY_INFO = 0x14,
    PROTO_OP_ERASE_FLASH = 0xD0,
    PROTO_OP_ERASE_REGION = 0xD1,
    PROTO_OP_READ_FLASH = 0xD2,
    PROTO_OP_RUN_USER_CODE = 0xD3,
    PROTO_OP_FLASH_ENCRYPT_DATA = 0xD4,
    /* MicroFlash's own stub only (stub/README.md, "Protocol extensions"). */
    PROTO_OP_ERASE_BG = 0xE8,      /* queue a region to erase while the stub is idle */
    PROTO_OP_ERASE_BG_WAIT = 0xE9, /* answers once the queue is done, with its status */
};

/* Who answers: the ESP8266 mask ROM or a flasher stub (legacy, new, or ours: same bytes). */
enum proto_loader {
    PROTO_LOADER_ROM = 0,
    PROTO_LOADER_STUB = 1,
};

/* proto_op_info.flags */
#define PROTO_OPF_ROM      0x01u /* the ESP8266 ROM takes it */
#define PROTO_OPF_STUB     0x02u /* the stubs take it */
#define PROTO_OPF_CHECKSUM 0x04u /* the checksum field is checked (the *_DATA commands) */
#define PROTO_OPF_DATA     0x08u /* 16-byte data header (len, seq, 0, 0) then the bytes */
#define PROTO_OPF_NO_REPLY 0x10u /* the loader does not answer (RUN_USER_CODE) */

struct proto_op_info {
    uint8_t op;
    const char *name;   /* "FLASH_DEFL_DATA" */
    unsigned flags;     /* PROTO_OPF_* */
    uint8_t reply_data; /* payload bytes before the status bytes (16 for SPI_FLASH_MD5) */
};

/* The command table; NULL for an opcode not in it. */
const struct proto_op_info *proto_op_info(uint8_t op);
const struct proto_op_info *proto_op_table(size_t *count);
/* The command's name, or "UNKNOWN". */
const char *proto_op_name(uint8_t op);
/* The loader accepts the command (per §2.1; for the ROM as esptool treats it). */
bool proto_op_supported(uint8_t op, enum proto_loader who);
/* "the boot ROM" / "the flasher stub", for sentences. */
const char *proto_loader_name(enum proto_loader who);

/* ---- Framing constants (§1.2-§1.4, §3.1, §8.2) ---- */

#define PROTO_HEADER_SIZE      8u  /* direction, opcode, u16 length, u32 checksum/value */
#define PROTO_DATA_HEADER_SIZE 16u /* *_DATA: len, seq, 0, 0 */
#define PROTO_DIR_REQUEST      0x00u
#define PROTO_DIR_RESPONSE     0x01u
#define PROTO_CHECKSUM_SEED    0xEFu
#define PROTO_SYNC_VALUE       0x20120707u /* ROM's value in SYNC replies; stubs send 0 */
#define PROTO_SYNC_REPLIES     8u          /* replies to one SYNC, ROM and stubs alike */
#define PROTO_SYNC_DATA_SIZE   36u
#define PROTO_STATUS_SIZE      2u /* ESP8266 ROM and stubs; ESP32 ROMs send 4 */
#define PROTO_LENGTH_MAX       0xFFFFu
#define PROTO_ARGS_MAX         64u /* largest argument block we build (SYNC: 36, 4 × WRITE_REG) */
#define PROTO_WRITE_REG_SIZE   16u /* addr, value, mask, delay_us */
#define PROTO_MD5_SIZE         16u
#define PROTO_OHAI             "OHAI" /* the stub's hello frame */
#define PROTO_OHAI_SIZE        4u

/* Largest SLIP frame a command with `data_len` data bytes can need. */
#define PROTO_FRAME_MAX(data_len) SLIP_ENCODED_MAX(PROTO_HEADER_SIZE + PROTO_ARGS_MAX + (data_len))

/* A command ready to encode: arguments (little-endian words) plus, for the *_DATA commands, the
 * caller's data (not copied; it must outlive the encode). */
struct proto_cmd {
    uint8_t op;
    uint32_t checksum; /* only meaningful for PROTO_OPF_CHECKSUM commands; else 0 */
    size_t args_len;
    uint8_t args[PROTO_ARGS_MAX];
    const uint8_t *data;
    size_t data_len;
};

/* Empty command with this opcode. */
void proto_cmd_init(struct proto_cmd *c, uint8_t op);
/* Appends a u32 LE argument; false when PROTO_ARGS_MAX would be exceeded. */
bool proto_cmd_add_u32(struct proto_cmd *c, uint32_t v);

/* The commands, one builder each (argument layout from §2.1). */
void proto_cmd_sync(struct proto_cmd *c);
void proto_cmd_read_reg(struct proto_cmd *c, uint32_t addr);
void proto_cmd_write_reg(struct proto_cmd *c, uint32_t addr, uint32_t value, uint32_t mask,
                         uint32_t delay_us);
/* Adds one more register write to a WRITE_REG (stubs only take several, ROM one); false when
 * the command is full (PROTO_ARGS_MAX / 16 writes). */
bool proto_cmd_add_write_reg(struct proto_cmd *c, uint32_t addr, uint32_t value, uint32_t mask,
                             uint32_t delay_us);
/* FLASH_BEGIN or FLASH_DEFL_BEGIN (op). `size`: erase size for the ROM (chip_rom_erase_size),
 * the exact byte count for a stub, the uncompressed size for DEFL. `encrypt_word`: append the 5th
 * word (0) that esptool >= 5.2 sends to stubs; never for the ROM (§2.1 note b). */
void proto_cmd_flash_begin(struct proto_cmd *c, uint8_t op, uint32_t size, uint32_t num_blocks,
                           uint32_t block_size, uint32_t offset, bool encrypt_word);
void proto_cmd_mem_begin(struct proto_cmd *c, uint32_t total_size, uint32_t num_blocks,
                         uint32_t block_size, uint32_t load_addr);
/* FLASH_DATA, MEM_DATA or FLASH_DEFL_DATA: header (len, seq, 0, 0), the data, its checksum. */
void proto_cmd_data(struct proto_cmd *c, uint8_t op, uint32_t seq, const uint8_t *data, size_t len);
/* FLASH_END or FLASH_DEFL_END: reboot = true sends 0 (reboot), false sends 1 (stay). */
void proto_cmd_flash_end(struct proto_cmd *c, uint8_t op, bool reboot);
/* MEM_END(flag, entry), flag = 1 when entry is 0 (stay), else 0 (§2.1 note c). */
void proto_cmd_mem_end(struct proto_cmd *c, uint32_t entry);
void proto_cmd_spi_attach(struct proto_cmd *c, uint32_t hspi_arg);
/* SPI_SET_PARAMS(0, total, 64 KiB, 4 KiB, 256, 0xFFFF) as esptool sends it (§3.4 step 9). */
void proto_cmd_spi_set_params(struct proto_cmd *c, uint32_t total_size);
void proto_cmd_change_baud(struct proto_cmd *c, uint32_t new_baud, uint32_t old_baud);
void proto_cmd_flash_md5(struct proto_cmd *c, uint32_t addr, uint32_t size);
void proto_cmd_erase_flash(struct proto_cmd *c);
void proto_cmd_erase_region(struct proto_cmd *c, uint32_t offset, uint32_t size);
/* ERASE_BG(offset, size) and ERASE_BG_WAIT (ours). */
void proto_cmd_erase_bg(struct proto_cmd *c, uint32_t offset, uint32_t size);
void proto_cmd_erase_bg_wait(struct proto_cmd *c);
void proto_cmd_read_flash(struct proto_cmd *c, uint32_t offset, uint32_t len, uint32_t packet_size,
                          uint32_t max_unacked);
void proto_cmd_run_user_code(struct proto_cmd *c);

/* Unescaped packet size: header + arguments + data. */
size_t proto_cmd_size(const struct proto_cmd *c);
/* The packet before SLIP (for traces and tests). Returns bytes written, 0 when out is too small
 * or the data field would exceed 65535 bytes. */
size_t proto_cmd_packet(const struct proto_cmd *c, uint8_t *out, size_t out_size);
/* The SLIP frame to write to the port. Returns bytes written, 0 when out is too small (size it
 * with PROTO_FRAME_MAX(data_len)) or the data field would exceed 65535 bytes. */
size_t proto_cmd_frame(const struct proto_cmd *c, uint8_t *out, size_t out_size);

/* The data checksum (§1.4): seed, XOR of every byte. Also the image checksum (§7.1). */
uint8_t proto_checksum(const uint8_t *data, size_t len, uint8_t seed);

/* READ_FLASH: the host's acknowledgement of `total` bytes received, a SLIP frame of 4 LE bytes
 * (§8.6). Returns bytes written (at most SLIP_ENCODED_MAX(4)), 0 when out is too small. */
size_t proto_read_flash_ack(uint32_t total, uint8_t *out, size_t out_size);

/* The stub's hello frame "OHAI" (§8.2). */
bool proto_is_ohai(const uint8_t *frame, size_t len);

/* ---- Replies (§1.3, §1.5) ---- */

struct proto_response {
    uint8_t op;
    uint16_t size;       /* the length field as sent */
    uint32_t value;      /* READ_REG result; SYNC: 0x20120707 from the ROM, 0 from stubs */
    const uint8_t *data; /* everything after the 8-byte header (points into the frame) */
    size_t data_len;
    const uint8_t *payload; /* the expected payload before the status (MD5) or NULL */
    size_t payload_len;
    bool has_status; /* data held payload + 2 status bytes */
    uint8_t status[PROTO_STATUS_SIZE];
};

/* Decodes a frame as a reply: direction 1 and at least the 8-byte header, else MF_ERR_PROTOCOL.
 * Status bytes are taken after `payload_len` payload bytes, as esptool does (not from the end:
 * an ESP32 ROM sends 4). */
int proto_response_parse(const uint8_t *frame, size_t len, size_t payload_len,
                         struct proto_response *r);

enum proto_match {
    PROTO_MATCH_SKIP = 0,    /* not an answer to this request: read the next frame */
    PROTO_MATCH_OK,          /* the answer (check its status with proto_response_check) */
    PROTO_MATCH_UNSUPPORTED, /* the loader says it does not know the command */
};

/* Decides whether a frame answers a request with opcode `op` (§2.3, §3.1): frames shorter than
 * 8 bytes, with direction != 1, or for another opcode are skipped, except a reply to another
 * opcode with a failure status and ROM error 0x05, which is how the ROM rejects an unknown
 * command. A reply to `op` with stub code 0xFF or 0xC3 means the stub lacks the command. */
enum proto_match proto_response_match(const uint8_t *frame, size_t len, uint8_t op,
                                      struct proto_response *r);

/* Judges a matched reply to `op`: MF_OK (e cleared); MF_ERR_UNSUPPORTED (loader lacks the
 * command); MF_ERR_DEVICE (failure status: e gets the command, the status bytes and a sentence
 * with the code's meaning and what to do); MF_ERR_PROTOCOL (reply too short for its status or
 * its payload, or an answer to another command). A ROM error 0x05 to a command the ROM does
 * support is a failure (malformed message), not "unsupported". */
int proto_response_check(const struct proto_response *r, uint8_t op, enum proto_loader who,
                         struct mf_error *e);

/* The status says failure (first byte non-zero, for every loader: §1.5). */
bool proto_status_failed(const uint8_t status[PROTO_STATUS_SIZE]);
/* The error code inside the status: ROM = second byte, stub = first byte. */
uint8_t proto_status_code(const uint8_t status[PROTO_STATUS_SIZE], enum proto_loader who);
/* What a code means, as a phrase that reads after "the board reported" ("a checksum error");
 * NULL for codes not in the tables (§2.3, §2.4). */
const char *proto_rom_error_text(uint8_t code);
const char *proto_stub_error_text(uint8_t code);

/* ---- Timeouts (§3.3) ---- */

#define PROTO_TIMEOUT_DEFAULT_MS     3000u
#define PROTO_TIMEOUT_SYNC_MS        100u
#define PROTO_TIMEOUT_CHIP_ERASE_MS  120000u
#define PROTO_TIMEOUT_MAX_MS         240000u /* 2 × chip erase: nothing waits longer */
#define PROTO_TIMEOUT_MEM_END_ROM_MS 200u
#define PROTO_TIMEOUT_READ_FLASH_MS  3000u /* per READ_FLASH data frame */
#define PROTO_TIMEOUT_MD5_PER_MB     8000u
#define PROTO_TIMEOUT_ERASE_PER_MB   40000u /* erase_region_timeout_per_mb (esptool HEAD) */
#define PROTO_TIMEOUT_WRITE_PER_MB   40000u /* erase_write_timeout_per_mb */

/* esptool's timeout_per_mb: max(default, ms_per_mb × size / 1e6), at most the maximum. */
uint32_t proto_timeout_per_mb(uint32_t ms_per_mb, uint64_t size);

/* How long to wait for the reply to `op` from `who`. `size` is the byte count the command
 * concerns: ROM FLASH_BEGIN the erase size; FLASH_DEFL_DATA the uncompressed size of the
 * previous block (the stub writes it while this one travels); SPI_FLASH_MD5 and ERASE_REGION
 * the region size; ignored for the rest. 0 for RUN_USER_CODE (no reply). */
uint32_t proto_timeout_ms(uint8_t op, enum proto_loader who, uint32_t size);

#endif
