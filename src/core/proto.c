/* SPDX-License-Identifier: MIT */
/* ESP8266 loader protocol encode/decode (esp8266-protocol.md §1-§3): the command table, packet
 * and frame encoding, reply decoding and matching, status-code sentences and timeouts. */
#include "proto.h"

#include <string.h>

/* §2.1: what the ESP8266 ROM and the stubs take. SPI_SET_PARAMS is stub-only as esptool treats
 * it (note d: the ROM may know it, unconfirmed). */
static const struct proto_op_info PROTO_OPS[] = {
        {PROTO_OP_FLASH_BEGIN, "FLASH_BEGIN", PROTO_OPF_ROM | PROTO_OPF_STUB, 0},
        {PROTO_OP_FLASH_DATA, "FLASH_DATA",
         PROTO_OPF_ROM | PROTO_OPF_STUB | PROTO_OPF_CHECKSUM | PROTO_OPF_DATA, 0},
        {PROTO_OP_FLASH_END, "FLASH_END", PROTO_OPF_ROM | PROTO_OPF_STUB, 0},
        {PROTO_OP_MEM_BEGIN, "MEM_BEGIN", PROTO_OPF_ROM | PROTO_OPF_STUB, 0},
        {PROTO_OP_MEM_END, "MEM_END", PROTO_OPF_ROM | PROTO_OPF_STUB, 0},
        {PROTO_OP_MEM_DATA, "MEM_DATA",
         PROTO_OPF_ROM | PROTO_OPF_STUB | PROTO_OPF_CHECKSUM | PROTO_OPF_DATA, 0},
        {PROTO_OP_SYNC, "SYNC", PROTO_OPF_ROM | PROTO_OPF_STUB, 0},
        {PROTO_OP_WRITE_REG, "WRITE_REG", PROTO_OPF_ROM | PROTO_OPF_STUB, 0},
        {PROTO_OP_READ_REG, "READ_REG", PROTO_OPF_ROM | PROTO_OPF_STUB, 0},
        {PROTO_OP_SPI_SET_PARAMS, "SPI_SET_PARAMS", PROTO_OPF_STUB, 0},
        {PROTO_OP_SPI_ATTACH, "SPI_ATTACH", PROTO_OPF_STUB, 0},
        {PROTO_OP_READ_FLASH_SLOW, "READ_FLASH_SLOW", 0, 0},
        {PROTO_OP_CHANGE_BAUDRATE, "CHANGE_BAUDRATE", PROTO_OPF_STUB, 0},
        {PROTO_OP_FLASH_DEFL_BEGIN, "FLASH_DEFL_BEGIN", PROTO_OPF_STUB, 0},
        {PROTO_OP_FLASH_DEFL_DATA, "FLASH_DEFL_DATA",
         PROTO_OPF_STUB | PROTO_OPF_CHECKSUM | PROTO_OPF_DATA, 0},
        {PROTO_OP_FLASH_DEFL_END, "FLASH_DEFL_END", PROTO_OPF_STUB, 0},
        {PROTO_OP_SPI_FLASH_MD5, "SPI_FLASH_MD5", PROTO_OPF_STUB, PROTO_MD5_SIZE},
        {PROTO_OP_GET_SECURITY_INFO, "GET_SECURITY_INFO", 0, 0},
        {PROTO_OP_ERASE_FLASH, "ERASE_FLASH", PROTO_OPF_STUB, 0},
        {PROTO_OP_ERASE_REGION, "ERASE_REGION", PROTO_OPF_STUB, 0},
        {PROTO_OP_READ_FLASH, "READ_FLASH", PROTO_OPF_STUB, 0},
        {PROTO_OP_RUN_USER_CODE, "RUN_USER_CODE", PROTO_OPF_STUB | PROTO_OPF_NO_REPLY, 0},
        {PROTO_OP_FLASH_ENCRYPT_DATA, "FLASH_ENCRYPT_DATA", 0, 0},
        {PROTO_OP_ERASE_BG, "ERASE_BG", PROTO_OPF_STUB, 0},
        {PROTO_OP_ERASE_BG_WAIT, "ERASE_BG_WAIT", PROTO_OPF_STUB, 0},
};

/* A status code, what it means (reads after "the board reported") and what to do. */
struct proto_code_text {
    uint8_t code;
    const char *text;
    const char *hint; /* NULL when there is nothing useful to suggest */
};

static const char PROTO_HINT_LINK[] = "Data was damaged on the way: try a lower baud rate or "
                                      "another USB cable.";
static const char PROTO_HINT_FLASH[] = "The flash chip did not take the data: try again; if it "
                                       "keeps failing, the flash chip may be faulty.";

/* §2.3: ROM error codes (second status byte). */
static const struct proto_code_text PROTO_ROM_CODES[] = {
        {0x00, "an undefined error", NULL},
        {0x01, "an invalid input parameter", NULL},
        {0x02, "that memory allocation failed", NULL},
        {0x03, "that sending failed", NULL},
        {0x04, "that receiving failed", PROTO_HINT_LINK},
        {0x05, "a malformed message", PROTO_HINT_LINK},
        {0x06, "that the operation failed", NULL},
        {0x07, "a checksum error", PROTO_HINT_LINK},
        {0x08, "a flash write error", PROTO_HINT_FLASH},
        {0x09, "a flash read error", PROTO_HINT_FLASH},
        {0x0A, "a flash read length error", NULL},
        {0x0B, "that inflating failed", PROTO_HINT_LINK},
        {0x0C, "an Adler-32 mismatch", PROTO_HINT_LINK},
        {0x0D, "an invalid inflate parameter", NULL},
        {0x0E, "an invalid RAM binary size", NULL},
        {0x0F, "an invalid RAM binary address", NULL},
        {0x64, "an invalid parameter", NULL},
        {0x65, "an invalid format", NULL},
        {0x66, "a description that is too long", NULL},
        {0x67, "a bad encoding description", NULL},
        {0x69, "insufficient storage", NULL},
};

/* §2.4: stub error codes (first status byte). */
static const struct proto_code_text PROTO_STUB_CODES[] = {
        {0x01, "a failure without details (the stub folds every error of this command into 1)",
         "Look at the operation that failed: erasing, checksumming or attaching the flash."},
        {0xC0, "a bad data length", PROTO_HINT_LINK},
        {0xC1, "a checksum error", PROTO_HINT_LINK},
        {0xC2, "a bad block size", NULL},
        {0xC3, "an invalid command", NULL},
        {0xC4, "a failed SPI flash operation", PROTO_HINT_FLASH},
        {0xC5, "that the SPI flash could not be unlocked",
         "The flash chip may be write-protected or faulty."},
        {0xC6, "a command out of order (not in flash or RAM download mode)", NULL},
        {0xC7, "an inflate error", PROTO_HINT_LINK},
        {0xC8, "not enough data", NULL},
        {0xC9, "too much data", NULL},
        {0xCA, "a NAND program failure", NULL},
        {0xCB, "a NAND erase failure", NULL},
        {0x32, "an erase offset that is not a multiple of 4 KiB", NULL},
        {0x33, "an erase size that is not a multiple of 4 KiB", NULL},
        {0x35, "that the flash did not erase (a sector still holds data after its erase)",
         PROTO_HINT_FLASH},
        {0x36, "that its background erase queue is full", NULL},
        {0x63, "a flash read failure while computing an MD5", PROTO_HINT_FLASH},
        {0xFF, "an unimplemented command", NULL},
};

/* Legacy stub: second status byte 0xEE = the frame was longer than its buffer (§2.4). */
#define PROTO_STUB_STATUS_TOO_LONG 0xEEu
/* ROM error code with which the ROM rejects unknown commands (§2.3). */
#define PROTO_ROM_INVALID_MSG 0x05u
/* Stub codes for an unknown command: legacy 0xFF, new stub 0xC3 (§2.4). */
#define PROTO_STUB_NOT_IMPLEMENTED 0xFFu
#define PROTO_STUB_INVALID_COMMAND 0xC3u

/* Timeout rules (§3.3). */
enum proto_timeout_rule {
    PROTO_TO_FIXED,   /* ms */
    PROTO_TO_PER_MB,  /* timeout_per_mb(ms, size) */
    PROTO_TO_DEFLATE, /* timeout_per_mb(ms, size + (ceil(size / 32 KiB) + 1) × 64 KiB) */
};

#define PROTO_WHO_ROM  (1u << PROTO_LOADER_ROM)
#define PROTO_WHO_STUB (1u << PROTO_LOADER_STUB)
#define PROTO_WHO_ANY  (PROTO_WHO_ROM | PROTO_WHO_STUB)

struct proto_timeout {
    uint8_t op;
    unsigned who;
    enum proto_timeout_rule rule;
    uint32_t ms; /* fixed ms, or ms per MB */
};

/* Commands not listed here wait PROTO_TIMEOUT_DEFAULT_MS. */
static const struct proto_timeout PROTO_TIMEOUTS[] = {
        {PROTO_OP_SYNC, PROTO_WHO_ANY, PROTO_TO_FIXED, PROTO_TIMEOUT_SYNC_MS},
        /* The ROM erases the whole range before it answers FLASH_BEGIN. */
        {PROTO_OP_FLASH_BEGIN, PROTO_WHO_ROM, PROTO_TO_PER_MB, PROTO_TIMEOUT_ERASE_PER_MB},
        {PROTO_OP_FLASH_DEFL_DATA, PROTO_WHO_STUB, PROTO_TO_DEFLATE, PROTO_TIMEOUT_WRITE_PER_MB},
        {PROTO_OP_SPI_FLASH_MD5, PROTO_WHO_ANY, PROTO_TO_PER_MB, PROTO_TIMEOUT_MD5_PER_MB},
        {PROTO_OP_ERASE_FLASH, PROTO_WHO_ANY, PROTO_TO_FIXED, PROTO_TIMEOUT_CHIP_ERASE_MS},
        {PROTO_OP_ERASE_REGION, PROTO_WHO_ANY, PROTO_TO_PER_MB, PROTO_TIMEOUT_ERASE_PER_MB},
        {PROTO_OP_ERASE_BG_WAIT, PROTO_WHO_ANY, PROTO_TO_PER_MB, PROTO_TIMEOUT_ERASE_PER_MB},
        /* The ROM jumps and may cut its reply short; errors are ignored (§2.1 note c). */
        {PROTO_OP_MEM_END, PROTO_WHO_ROM, PROTO_TO_FIXED, PROTO_TIMEOUT_MEM_END_ROM_MS},
        {PROTO_OP_RUN_USER_CODE, PROTO_WHO_ANY, PROTO_TO_FIXED, 0},
};

#define PROTO_DEFLATE_WINDOW 0x8000u  /* the stub's inflate output buffer */
#define PROTO_ERASE_BLOCK    0x10000u /* one 64 KiB erase per window, plus one */

static void proto_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t proto_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

const struct proto_op_info *proto_op_info(uint8_t op)
{
    const struct proto_op_info *found = NULL;
    for (size_t i = 0; i < sizeof PROTO_OPS / sizeof PROTO_OPS[0]; i++) {
        if (PROTO_OPS[i].op == op) {
            found = &PROTO_OPS[i];
            break;
        }
    }
    return found;
}

const struct proto_op_info *proto_op_table(size_t *count)
{
    *count = sizeof PROTO_OPS / sizeof PROTO_OPS[0];
    return PROTO_OPS;
}

const char *proto_op_name(uint8_t op)
{
    const struct proto_op_info *info = proto_op_info(op);
    return info != NULL ? info->name : "UNKNOWN";
}

bool proto_op_supported(uint8_t op, enum proto_loader who)
{
    const struct proto_op_info *info = proto_op_info(op);
    unsigned need = who == PROTO_LOADER_ROM ? PROTO_OPF_ROM : PROTO_OPF_STUB;
    return info != NULL && (info->flags & need) != 0;
}

const char *proto_loader_name(enum proto_loader who)
{
    return who == PROTO_LOADER_ROM ? "the boot ROM" : "the flasher stub";
}

void proto_cmd_init(struct proto_cmd *c, uint8_t op)
{
    memset(c, 0, sizeof *c);
    c->op = op;
}

bool proto_cmd_add_u32(struct proto_cmd *c, uint32_t v)
{
    bool ok = c->args_len + 4 <= sizeof c->args;
    if (ok) {
        proto_put_u32(c->args + c->args_len, v);
        c->args_len += 4;
    }
    return ok;
}

/* Builds a command from up to six words. */
static void proto_cmd_words(struct proto_cmd *c, uint8_t op, const uint32_t *words, size_t n)
{
    proto_cmd_init(c, op);
    for (size_t i = 0; i < n; i++) {
        proto_cmd_add_u32(c, words[i]);
    }
}

void proto_cmd_sync(struct proto_cmd *c)
{
    /* §3.1: 07 07 12 20, then 32 × 0x55 (alternating bits for the ROM's autobaud). */
    proto_cmd_init(c, PROTO_OP_SYNC);
    proto_cmd_add_u32(c, PROTO_SYNC_VALUE);
    memset(c->args + c->args_len, 0x55, PROTO_SYNC_DATA_SIZE - 4);
    c->args_len = PROTO_SYNC_DATA_SIZE;
}

void proto_cmd_read_reg(struct proto_cmd *c, uint32_t addr)
{
    proto_cmd_words(c, PROTO_OP_READ_REG, &addr, 1);
}

void proto_cmd_write_reg(struct proto_cmd *c, uint32_t addr, uint32_t value, uint32_t mask,
                         uint32_t delay_us)
{
    proto_cmd_init(c, PROTO_OP_WRITE_REG);
    proto_cmd_add_write_reg(c, addr, value, mask, delay_us);
}

bool proto_cmd_add_write_reg(struct proto_cmd *c, uint32_t addr, uint32_t value, uint32_t mask,
                             uint32_t delay_us)
{
    bool ok = c->op == PROTO_OP_WRITE_REG && c->args_len + PROTO_WRITE_REG_SIZE <= sizeof c->args;
    if (ok) {
        proto_cmd_add_u32(c, addr);
        proto_cmd_add_u32(c, value);
        proto_cmd_add_u32(c, mask);
        proto_cmd_add_u32(c, delay_us);
    }
    return ok;
}

void proto_cmd_flash_begin(struct proto_cmd *c, uint8_t op, uint32_t size, uint32_t num_blocks,
                           uint32_t block_size, uint32_t offset, bool encrypt_word)
{
    const uint32_t words[5] = {size, num_blocks, block_size, offset, 0};
    proto_cmd_words(c, op, words, encrypt_word ? 5u : 4u);
}

void proto_cmd_mem_begin(struct proto_cmd *c, uint32_t total_size, uint32_t num_blocks,
                         uint32_t block_size, uint32_t load_addr)
{
    const uint32_t words[4] = {total_size, num_blocks, block_size, load_addr};
    proto_cmd_words(c, PROTO_OP_MEM_BEGIN, words, 4);
}

void proto_cmd_data(struct proto_cmd *c, uint8_t op, uint32_t seq, const uint8_t *data, size_t len)
{
    const uint32_t words[4] = {(uint32_t)len, seq, 0, 0};
    proto_cmd_words(c, op, words, 4);
    c->data = data;
    c->data_len = len;
    c->checksum = proto_checksum(data, len, PROTO_CHECKSUM_SEED);
}

void proto_cmd_flash_end(struct proto_cmd *c, uint8_t op, bool reboot)
{
    uint32_t stay = reboot ? 0u : 1u;
    proto_cmd_words(c, op, &stay, 1);
}

void proto_cmd_mem_end(struct proto_cmd *c, uint32_t entry)
{
    const uint32_t words[2] = {entry == 0 ? 1u : 0u, entry};
    proto_cmd_words(c, PROTO_OP_MEM_END, words, 2);
}

void proto_cmd_spi_attach(struct proto_cmd *c, uint32_t hspi_arg)
{
    /* One word for a stub (§2.1); only ESP32 ROMs take a second "is legacy" word. */
    proto_cmd_words(c, PROTO_OP_SPI_ATTACH, &hspi_arg, 1);
}

void proto_cmd_spi_set_params(struct proto_cmd *c, uint32_t total_size)
{
    const uint32_t words[6] = {0, total_size, 0x10000u, 0x1000u, 0x100u, 0xFFFFu};
    proto_cmd_words(c, PROTO_OP_SPI_SET_PARAMS, words, 6);
}

void proto_cmd_change_baud(struct proto_cmd *c, uint32_t new_baud, uint32_t old_baud)
{
    const uint32_t words[2] = {new_baud, old_baud};
    proto_cmd_words(c, PROTO_OP_CHANGE_BAUDRATE, words, 2);
}

void proto_cmd_flash_md5(struct proto_cmd *c, uint32_t addr, uint32_t size)
{
    const uint32_t words[4] = {addr, size, 0, 0};
    proto_cmd_words(c, PROTO_OP_SPI_FLASH_MD5, words, 4);
}

void proto_cmd_erase_flash(struct proto_cmd *c)
{
    proto_cmd_init(c, PROTO_OP_ERASE_FLASH);
}

void proto_cmd_erase_region(struct proto_cmd *c, uint32_t offset, uint32_t size)
{
    const uint32_t words[2] = {offset, size};
    proto_cmd_words(c, PROTO_OP_ERASE_REGION, words, 2);
}

void proto_cmd_erase_bg(struct proto_cmd *c, uint32_t offset, uint32_t size)
{
    const uint32_t words[2] = {offset, size};
    proto_cmd_words(c, PROTO_OP_ERASE_BG, words, 2);
}

void proto_cmd_erase_bg_wait(struct proto_cmd *c)
{
    proto_cmd_init(c, PROTO_OP_ERASE_BG_WAIT);
}

void proto_cmd_read_flash(struct proto_cmd *c, uint32_t offset, uint32_t len, uint32_t packet_size,
                          uint32_t max_unacked)
{
    const uint32_t words[4] = {offset, len, packet_size, max_unacked};
    proto_cmd_words(c, PROTO_OP_READ_FLASH, words, 4);
}

void proto_cmd_run_user_code(struct proto_cmd *c)
{
    proto_cmd_init(c, PROTO_OP_RUN_USER_CODE);
}

size_t proto_cmd_size(const struct proto_cmd *c)
{
    return PROTO_HEADER_SIZE + c->args_len + c->data_len;
}

/* The 8-byte header; false when the data field is too long for the u16 length. */
static bool proto_cmd_header(const struct proto_cmd *c, uint8_t *hdr)
{
    size_t field = c->args_len + c->data_len;
    bool ok = field <= PROTO_LENGTH_MAX;
    if (ok) {
        hdr[0] = PROTO_DIR_REQUEST;
        hdr[1] = c->op;
        hdr[2] = (uint8_t)field;
        hdr[3] = (uint8_t)(field >> 8);
        proto_put_u32(hdr + 4, c->checksum);
    }
    return ok;
}

size_t proto_cmd_packet(const struct proto_cmd *c, uint8_t *out, size_t out_size)
{
    size_t n = 0;
    uint8_t hdr[PROTO_HEADER_SIZE];
    if (proto_cmd_header(c, hdr) && out_size >= proto_cmd_size(c)) {
        memcpy(out, hdr, sizeof hdr);
        memcpy(out + PROTO_HEADER_SIZE, c->args, c->args_len);
        if (c->data_len > 0) {
            memcpy(out + PROTO_HEADER_SIZE + c->args_len, c->data, c->data_len);
        }
        n = proto_cmd_size(c);
    }
    return n;
}

size_t proto_cmd_frame(const struct proto_cmd *c, uint8_t *out, size_t out_size)
{
    size_t n = 0;
    uint8_t hdr[PROTO_HEADER_SIZE];
    const uint8_t *parts[3] = {hdr, c->args, c->data};
    const size_t lens[3] = {sizeof hdr, c->args_len, c->data_len};
    bool ok = proto_cmd_header(c, hdr) && out_size >= 2;
    if (ok) {
        out[n++] = SLIP_END;
        for (size_t i = 0; i < 3 && ok; i++) {
            size_t used = 0;
            if (lens[i] > 0) {
                n += slip_escape(parts[i], lens[i], &used, out + n, out_size - 1 - n);
                ok = used == lens[i];
            }
        }
    }
    if (ok) {
        out[n++] = SLIP_END;
    } else {
        n = 0;
    }
    return n;
}

uint8_t proto_checksum(const uint8_t *data, size_t len, uint8_t seed)
{
    uint8_t chk = seed;
    for (size_t i = 0; i < len; i++) {
        chk ^= data[i];
    }
    return chk;
}

size_t proto_read_flash_ack(uint32_t total, uint8_t *out, size_t out_size)
{
    uint8_t word[4];
    proto_put_u32(word, total);
    return slip_encode(word, sizeof word, out, out_size);
}

bool proto_is_ohai(const uint8_t *frame, size_t len)
{
    return len == PROTO_OHAI_SIZE && memcmp(frame, PROTO_OHAI, PROTO_OHAI_SIZE) == 0;
}

int proto_response_parse(const uint8_t *frame, size_t len, size_t payload_len,
                         struct proto_response *r)
{
    int rc = MF_ERR_PROTOCOL;
    memset(r, 0, sizeof *r);
    if (len >= PROTO_HEADER_SIZE && frame[0] == PROTO_DIR_RESPONSE) {
        r->op = frame[1];
        r->size = (uint16_t)(frame[2] | frame[3] << 8);
        r->value = proto_get_u32(frame + 4);
        r->data = frame + PROTO_HEADER_SIZE;
        r->data_len = len - PROTO_HEADER_SIZE;
        if (r->data_len >= payload_len + PROTO_STATUS_SIZE) {
            r->payload = payload_len > 0 ? r->data : NULL;
            r->payload_len = payload_len;
            r->has_status = true;
            r->status[0] = r->data[payload_len];
            r->status[1] = r->data[payload_len + 1];
        } else if (r->data_len >= PROTO_STATUS_SIZE) {
            /* A failure reply carries no payload: the status comes first (MD5 refused). */
            r->has_status = true;
            r->status[0] = r->data[0];
            r->status[1] = r->data[1];
        }
        rc = MF_OK;
    }
    return rc;
}

bool proto_status_failed(const uint8_t status[PROTO_STATUS_SIZE])
{
    return status[0] != 0;
}

uint8_t proto_status_code(const uint8_t status[PROTO_STATUS_SIZE], enum proto_loader who)
{
    return who == PROTO_LOADER_ROM ? status[1] : status[0];
}

/* The reply says the loader does not know `op` (§2.3, §2.4). `who_known`: also apply the rule
 * that needs to know the loader (ROM 0x05 to a command the ROM lacks). */
static bool proto_reply_unknown(const struct proto_response *r, uint8_t op, bool who_known,
                                enum proto_loader who)
{
    bool unknown = false;
    if (r->has_status && proto_status_failed(r->status)) {
        if (r->op != op) {
            unknown = r->status[1] == PROTO_ROM_INVALID_MSG;
        } else if (r->status[0] == PROTO_STUB_NOT_IMPLEMENTED ||
                   r->status[0] == PROTO_STUB_INVALID_COMMAND) {
            unknown = true; /* a ROM's first status byte is only ever 0 or 1 */
        } else if (who_known && who == PROTO_LOADER_ROM) {
            unknown = r->status[1] == PROTO_ROM_INVALID_MSG && !proto_op_supported(op, who);
        }
    }
    return unknown;
}

enum proto_match proto_response_match(const uint8_t *frame, size_t len, uint8_t op,
                                      struct proto_response *r)
{
    enum proto_match m = PROTO_MATCH_SKIP;
    const struct proto_op_info *info = proto_op_info(op);
    size_t payload = info != NULL ? info->reply_data : 0;
    if (proto_response_parse(frame, len, payload, r) == MF_OK) {
        if (proto_reply_unknown(r, op, false, PROTO_LOADER_ROM)) {
            m = PROTO_MATCH_UNSUPPORTED;
        } else if (r->op == op) {
            m = PROTO_MATCH_OK;
        }
    }
    return m;
}

static const struct proto_code_text *proto_code_find(const struct proto_code_text *table, size_t n,
                                                     uint8_t code)
{
    const struct proto_code_text *found = NULL;
    for (size_t i = 0; i < n; i++) {
        if (table[i].code == code) {
            found = &table[i];
            break;
        }
    }
    return found;
}

static const struct proto_code_text *proto_code_entry(uint8_t code, enum proto_loader who)
{
    return who == PROTO_LOADER_ROM
                   ? proto_code_find(PROTO_ROM_CODES,
                                     sizeof PROTO_ROM_CODES / sizeof PROTO_ROM_CODES[0], code)
                   : proto_code_find(PROTO_STUB_CODES,
                                     sizeof PROTO_STUB_CODES / sizeof PROTO_STUB_CODES[0], code);
}

const char *proto_rom_error_text(uint8_t code)
{
    const struct proto_code_text *entry = proto_code_entry(code, PROTO_LOADER_ROM);
    return entry != NULL ? entry->text : NULL;
}

const char *proto_stub_error_text(uint8_t code)
{
    const struct proto_code_text *entry = proto_code_entry(code, PROTO_LOADER_STUB);
    return entry != NULL ? entry->text : NULL;
}

int proto_response_check(const struct proto_response *r, uint8_t op, enum proto_loader who,
                         struct mf_error *e)
{
    int rc = MF_OK;
    const char *name = proto_op_name(op);
    const struct proto_op_info *info = proto_op_info(op);
    size_t payload = info != NULL ? info->reply_data : 0;
    mf_err_set_command(e, op, name);
    if (!r->has_status) {
        rc = mf_err_set(e, MF_ERR_PROTOCOL,
                        "%s failed: the reply holds %zu data bytes, too few for its status.", name,
                        r->data_len);
    } else if (proto_reply_unknown(r, op, true, who)) {
        mf_err_set_status(e, r->status[0], r->status[1], proto_status_code(r->status, who));
        rc = mf_err_set(e, MF_ERR_UNSUPPORTED, "%s does not support %s.",
                        who == PROTO_LOADER_ROM ? "The boot ROM" : "The flasher stub", name);
    } else if (r->op != op) {
        rc = mf_err_set(e, MF_ERR_PROTOCOL, "%s failed: the board answered %s instead.", name,
                        proto_op_name(r->op));
    } else if (proto_status_failed(r->status)) {
        uint8_t code = proto_status_code(r->status, who);
        const struct proto_code_text *entry = proto_code_entry(code, who);
        mf_err_set_status(e, r->status[0], r->status[1], code);
        if (entry != NULL) {
            rc = mf_err_set(e, MF_ERR_DEVICE, "%s failed: the board reported %s (0x%02X).", name,
                            entry->text, code);
        } else {
            rc = mf_err_set(e, MF_ERR_DEVICE,
                            "%s failed: the board reported error 0x%02X (status %02X %02X).", name,
                            code, r->status[0], r->status[1]);
        }
        if (who == PROTO_LOADER_STUB && r->status[1] == PROTO_STUB_STATUS_TOO_LONG) {
            mf_err_append(e, "The command was longer than the stub's buffer.");
        }
        if (entry != NULL && entry->hint != NULL) {
            mf_err_append(e, "%s", entry->hint);
        }
    } else if (r->payload_len < payload) {
        rc = mf_err_set(e, MF_ERR_PROTOCOL,
                        "%s failed: the reply lacks its %zu-byte result (%zu data bytes came).",
                        name, payload, r->data_len);
    }
    if (rc == MF_OK && e != NULL) {
        mf_err_clear(e);
    }
    return rc;
}

uint32_t proto_timeout_per_mb(uint32_t ms_per_mb, uint64_t size)
{
    uint64_t ms = (uint64_t)ms_per_mb * size / 1000000u;
    if (ms < PROTO_TIMEOUT_DEFAULT_MS) {
        ms = PROTO_TIMEOUT_DEFAULT_MS;
    }
    if (ms > PROTO_TIMEOUT_MAX_MS) {
        ms = PROTO_TIMEOUT_MAX_MS;
    }
    return (uint32_t)ms;
}

uint32_t proto_timeout_ms(uint8_t op, enum proto_loader who, uint32_t size)
{
    uint32_t ms = PROTO_TIMEOUT_DEFAULT_MS;
    unsigned bit = 1u << who;
    for (size_t i = 0; i < sizeof PROTO_TIMEOUTS / sizeof PROTO_TIMEOUTS[0]; i++) {
        const struct proto_timeout *t = &PROTO_TIMEOUTS[i];
        if (t->op == op && (t->who & bit) != 0) {
            if (t->rule == PROTO_TO_FIXED) {
                ms = t->ms;
            } else if (t->rule == PROTO_TO_PER_MB) {
                ms = proto_timeout_per_mb(t->ms, size);
            } else {
                uint64_t windows =
                        ((uint64_t)size + PROTO_DEFLATE_WINDOW - 1) / PROTO_DEFLATE_WINDOW;
                ms = proto_timeout_per_mb(t->ms, size + (windows + 1) * PROTO_ERASE_BLOCK);
            }
            break;
        }
    }
    return ms;
}
