/* SPDX-License-Identifier: MIT */
/* ESP8266 ROM loader command handling for the simulated board: argument checks, flash and RAM
 * downloads, register access and the replies, each with the time the ROM needs for it. */
#include "rom.h"

#include <string.h>

#include "simtime.h"

#define ROM_SECTORS_PER_BLOCK (SIM_FLASH_BLOCK64 / SIM_FLASH_SECTOR_SIZE)
#define ROM_SYNC_DATA_LEN     36u
#define ROM_SYNC_FILL         0x55u
#define ROM_SYNC_FILL_FROM    4u
#define ROM_WRITE_REG_ENTRY   16u
#define ROM_SPI_PARAMS_LEN    24u
#define ROM_BEGIN_LEN         16u
#define ROM_END_FLASH_LEN     4u
#define ROM_END_MEM_LEN       8u
#define ROM_READ_REG_LEN      4u
#define ROM_STATUS_LEN        2u

static const uint8_t ROM_SYNC_MAGIC[ROM_SYNC_FILL_FROM] = {0x07, 0x07, 0x12, 0x20};

static uint32_t rom_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void rom_put32(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void sim_rom_init(struct sim_rom *r)
{
    memset(r, 0, sizeof *r);
}

static void rom_reply(struct sim_rom_reply *out, uint8_t op, uint32_t value, uint8_t status,
                      uint8_t error)
{
    out->send = true;
    out->repeat = 1;
    out->frame[0] = SIM_ROM_DIR_RESPONSE;
    out->frame[1] = op;
    out->frame[2] = ROM_STATUS_LEN;
    out->frame[3] = 0;
    rom_put32(out->frame + 4, value);
    out->frame[8] = status;
    out->frame[9] = error;
    out->len = SIM_ROM_HEADER + ROM_STATUS_LEN;
}

static void rom_fail(struct sim_rom *r, struct sim_rom_reply *out, uint8_t op, uint8_t error)
{
    rom_reply(out, op, r->last_value, SIM_ROM_STATUS_FAIL, error);
}

static void rom_ok(struct sim_rom *r, struct sim_rom_reply *out, uint8_t op)
{
    rom_reply(out, op, r->last_value, 0, 0);
}

static void rom_violation(const struct sim_rom *r, struct sim_chip *c, uint64_t t,
                          enum sim_violation v, uint32_t a, uint32_t b)
{
    if (!r->noise)
        sim_stats_violation(c->stats, t, v, a, b);
}

void sim_rom_erase_span(uint32_t offset, uint32_t erase_size, uint32_t *first_sector,
                        uint32_t *count)
{
    uint32_t start = offset / SIM_FLASH_SECTOR_SIZE;
    uint32_t total = erase_size / SIM_FLASH_SECTOR_SIZE + (erase_size % SIM_FLASH_SECTOR_SIZE != 0);
    uint32_t head = ROM_SECTORS_PER_BLOCK - start % ROM_SECTORS_PER_BLOCK;

    if (head > total)
        head = total;
    /* SPIEraseArea erases the head sectors up to the block boundary and then, instead of the
     * total minus the head, the full total again (issue #33): total + head in all. */
    *first_sector = start;
    *count = total + head;
}

/* Erases like SPIEraseArea: head sectors one by one, then 64 KiB blocks while 16 sectors remain,
 * then single sectors. Returns when the flash is done. */
static uint64_t rom_erase_area(struct sim_chip *c, uint64_t t, uint32_t offset, uint32_t size)
{
    uint32_t first, count, head, s, rem;
    uint64_t end = t;

    sim_rom_erase_span(offset, size, &first, &count);
    head = count - (size / SIM_FLASH_SECTOR_SIZE + (size % SIM_FLASH_SECTOR_SIZE != 0));
    s = first;
    for (uint32_t i = 0; i < head; i++, s++)
        end = sim_flash_erase(c->flash, end, SIM_FLASH_OP_ERASE_SECTOR, s * SIM_FLASH_SECTOR_SIZE);
    rem = count - head;
    while (rem >= ROM_SECTORS_PER_BLOCK && s % ROM_SECTORS_PER_BLOCK == 0) {
        end = sim_flash_erase(c->flash, end, SIM_FLASH_OP_ERASE_64K, s * SIM_FLASH_SECTOR_SIZE);
        s += ROM_SECTORS_PER_BLOCK;
        rem -= ROM_SECTORS_PER_BLOCK;
    }
    for (; rem > 0; rem--, s++)
        end = sim_flash_erase(c->flash, end, SIM_FLASH_OP_ERASE_SECTOR, s * SIM_FLASH_SECTOR_SIZE);
    return end;
}

static void rom_flash_begin(struct sim_rom *r, struct sim_chip *c, uint64_t t, const uint8_t *d,
                            struct sim_rom_reply *out)
{
    uint32_t erase_size, blocks, block_size, offset, size = sim_flash_size(c->flash);
    uint64_t start = out->ready_ns, end;

    erase_size = rom_le32(d);
    blocks = rom_le32(d + 4);
    block_size = rom_le32(d + 8);
    offset = rom_le32(d + 12);
    c->spi.attached = true; /* the ROM attaches the SPI flash here (protocol doc §6.1 step 0) */
    if (offset % SIM_FLASH_SECTOR_SIZE != 0)
        rom_violation(r, c, t, SIM_VIOL_FLASH_UNALIGNED, offset, 0);
    if ((uint64_t)offset + erase_size > size ||
        (uint64_t)offset + (uint64_t)blocks * block_size > size)
        rom_violation(r, c, t, SIM_VIOL_FLASH_RANGE, offset, erase_size);
    end = rom_erase_area(c, start, offset, erase_size);
    r->flash_begun = true;
    r->flash_offset = offset;
    r->flash_blocks = blocks;
    r->flash_block_size = block_size;
    r->flash_next_seq = 0;
    out->ready_ns = end;
    rom_ok(r, out, SIM_OP_FLASH_BEGIN);
}

/* Common checks of FLASH_DATA / MEM_DATA. Returns the payload length or -1 after replying. */
static long rom_data_checks(struct sim_rom *r, struct sim_chip *c, uint64_t t, uint8_t op,
                            uint32_t checksum, const uint8_t *d, size_t dlen, bool begun,
                            struct sim_rom_reply *out)
{
    uint32_t declared, chk = SIM_ROM_CHECKSUM_SEED;
    size_t plen;

    if (dlen < SIM_ROM_DATA_HEADER) {
        rom_violation(r, c, t, SIM_VIOL_BAD_ARGS, op, (uint32_t)dlen);
        rom_fail(r, out, op, SIM_ROM_ERR_INVALID_MSG);
        return -1;
    }
    plen = dlen - SIM_ROM_DATA_HEADER;
    declared = rom_le32(d);
    if (declared != plen) {
        rom_violation(r, c, t, SIM_VIOL_BAD_ARGS, op, declared);
        rom_fail(r, out, op, SIM_ROM_ERR_INVALID_MSG);
        return -1;
    }
    for (size_t i = 0; i < plen; i++)
        chk ^= d[SIM_ROM_DATA_HEADER + i];
    if (chk != checksum) {
        rom_violation(r, c, t, SIM_VIOL_CHECKSUM, chk, checksum);
        rom_fail(r, out, op, SIM_ROM_ERR_CHECKSUM);
        return -1;
    }
    if (!begun) {
        rom_violation(r, c, t, SIM_VIOL_NOT_BEGUN, op, 0);
        rom_fail(r, out, op, SIM_ROM_ERR_INVALID_MSG);
        return -1;
    }
    return (long)plen;
}

static void rom_flash_data(struct sim_rom *r, struct sim_chip *c, uint64_t t, uint32_t checksum,
                           const uint8_t *d, size_t dlen, struct sim_rom_reply *out)
{
    long plen = rom_data_checks(r, c, t, SIM_OP_FLASH_DATA, checksum, d, dlen, r->flash_begun, out);
    uint32_t seq, addr;
    uint64_t start = out->ready_ns, end;

    if (plen < 0)
        return;
    seq = rom_le32(d + 4);
    if (seq != r->flash_next_seq)
        rom_violation(r, c, t, SIM_VIOL_SEQUENCE, r->flash_next_seq, seq);
    if (seq >= r->flash_blocks)
        rom_violation(r, c, t, SIM_VIOL_TOO_MANY_BLOCKS, seq, r->flash_blocks);
    if ((uint32_t)plen != r->flash_block_size)
        rom_violation(r, c, t, SIM_VIOL_BLOCK_SIZE, (uint32_t)plen, r->flash_block_size);
    /* Written at offset + seq x block size, so a repeated block lands where it belongs (guess:
     * the ROM's use of the sequence number is not documented). */
    addr = r->flash_offset + seq * r->flash_block_size;
    if ((uint64_t)addr + (uint64_t)plen > sim_flash_size(c->flash))
        rom_violation(r, c, t, SIM_VIOL_FLASH_RANGE, addr, (uint32_t)plen);
    end = sim_flash_write(c->flash, start, addr, d + SIM_ROM_DATA_HEADER, (uint32_t)plen);
    r->flash_next_seq = seq + 1;
    out->ready_ns = end;
    rom_ok(r, out, SIM_OP_FLASH_DATA);
}

static void rom_flash_end(struct sim_rom *r, struct sim_chip *c, uint64_t t, const uint8_t *d,
                          struct sim_rom_reply *out)
{
    if (!r->flash_begun)
        rom_violation(r, c, t, SIM_VIOL_NOT_BEGUN, SIM_OP_FLASH_END, 0);
    r->flash_begun = false;
    rom_ok(r, out, SIM_OP_FLASH_END);
    /* 0 = reboot, anything else = run user code (protocol doc §2.1, §4.2). */
    out->action = rom_le32(d) == 0 ? SIM_ROM_ACT_REBOOT : SIM_ROM_ACT_RUN_USER;
}

static void rom_mem_begin(struct sim_rom *r, struct sim_chip *c, uint64_t t, const uint8_t *d,
                          struct sim_rom_reply *out)
{
    struct sim_mem_segment *seg;

    r->mem_size = rom_le32(d);
    r->mem_blocks = rom_le32(d + 4);
    r->mem_block_size = rom_le32(d + 8);
    r->mem_addr = rom_le32(d + 12);
    r->mem_next_seq = 0;
    r->mem_begun = true;
    if (!sim_chip_ram_range(r->mem_addr, r->mem_size))
        rom_violation(r, c, t, SIM_VIOL_RAM_RANGE, r->mem_addr, r->mem_size);
    seg = sim_chip_segment_new(c, t, r->mem_addr, r->mem_size);
    r->mem_segment_valid = seg != NULL;
    r->mem_segment = c->segment_count - 1;
    rom_ok(r, out, SIM_OP_MEM_BEGIN);
}

static void rom_mem_data(struct sim_rom *r, struct sim_chip *c, uint64_t t, uint32_t checksum,
                         const uint8_t *d, size_t dlen, struct sim_rom_reply *out)
{
    long plen = rom_data_checks(r, c, t, SIM_OP_MEM_DATA, checksum, d, dlen, r->mem_begun, out);
    uint32_t seq, off, n;
    const uint8_t *p = d + SIM_ROM_DATA_HEADER;

    if (plen < 0)
        return;
    seq = rom_le32(d + 4);
    if (seq != r->mem_next_seq)
        rom_violation(r, c, t, SIM_VIOL_SEQUENCE, r->mem_next_seq, seq);
    off = seq * r->mem_block_size;
    n = (uint32_t)plen;
    if ((uint64_t)off + n > r->mem_size) {
        rom_violation(r, c, t, SIM_VIOL_TOO_MANY_BLOCKS, seq, r->mem_blocks);
        n = off < r->mem_size ? r->mem_size - off : 0;
    }
    if (n > 0) {
        uint8_t *ram = sim_chip_ram(c, r->mem_addr + off, n);
        if (ram)
            memcpy(ram, p, n);
        else
            rom_violation(r, c, t, SIM_VIOL_RAM_RANGE, r->mem_addr + off, n);
        if (r->mem_segment_valid) {
            struct sim_mem_segment *seg = &c->segments[r->mem_segment];
            if (off < seg->size) {
                uint32_t m = n < seg->size - off ? n : seg->size - off;
                memcpy(seg->data + off, p, m);
                seg->received += m;
            }
        }
    }
    r->mem_next_seq = seq + 1;
    rom_ok(r, out, SIM_OP_MEM_DATA);
}

static void rom_mem_end(struct sim_rom *r, struct sim_chip *c, uint64_t t, const uint8_t *d,
                        struct sim_rom_reply *out)
{
    uint32_t flag, entry;

    flag = rom_le32(d);
    entry = rom_le32(d + 4);
    if (!r->mem_begun)
        rom_violation(r, c, t, SIM_VIOL_NOT_BEGUN, SIM_OP_MEM_END, 0);
    r->mem_begun = false;
    rom_ok(r, out, SIM_OP_MEM_END);
    /* esptool sends flag = 0 with an entry point and 1 without: 0 means "jump" (§2.1 note c). */
    if (flag == 0) {
        if (entry == 0)
            rom_violation(r, c, t, SIM_VIOL_JUMP_ZERO, 0, 0);
        out->action = SIM_ROM_ACT_JUMP;
        out->entry = entry;
    }
}

static void rom_sync(struct sim_rom *r, struct sim_chip *c, uint64_t t, const uint8_t *d,
                     size_t dlen, struct sim_rom_reply *out)
{
    bool ok = dlen == ROM_SYNC_DATA_LEN && memcmp(d, ROM_SYNC_MAGIC, sizeof ROM_SYNC_MAGIC) == 0;
    for (size_t i = ROM_SYNC_FILL_FROM; ok && i < dlen; i++)
        ok = d[i] == ROM_SYNC_FILL;
    if (!ok) {
        /* not the SYNC pattern: the ROM does not answer (guess) */
        rom_violation(r, c, t, SIM_VIOL_BAD_ARGS, SIM_OP_SYNC, (uint32_t)dlen);
        return;
    }
    rom_reply(out, SIM_OP_SYNC, SIM_ROM_SYNC_VALUE, 0, 0);
    out->repeat = SIM_ROM_SYNC_REPLIES;
    (void)r;
}

static void rom_write_reg(struct sim_rom *r, struct sim_chip *c, uint64_t t, const uint8_t *d,
                          size_t dlen, struct sim_rom_reply *out)
{
    uint32_t addr, value, mask, delay_us, old;

    if (dlen == 0 || dlen % ROM_WRITE_REG_ENTRY != 0) {
        rom_violation(r, c, t, SIM_VIOL_BAD_ARGS, SIM_OP_WRITE_REG, (uint32_t)dlen);
        rom_fail(r, out, SIM_OP_WRITE_REG, SIM_ROM_ERR_INVALID_MSG);
        return;
    }
    /* Only the stubs are known to take several entries; the model's ROM runs the first one
     * (protocol doc "Could not confirm" 3). */
    if (dlen > ROM_WRITE_REG_ENTRY)
        rom_violation(r, c, t, SIM_VIOL_WRITE_REG_MULTI, (uint32_t)(dlen / ROM_WRITE_REG_ENTRY), 0);
    addr = rom_le32(d);
    value = rom_le32(d + 4);
    mask = rom_le32(d + 8);
    delay_us = rom_le32(d + 12);
    old = sim_chip_read_word(c, addr);
    /* Masked write as the other ROM loaders document it; esptool always sends mask 0xFFFFFFFF. */
    sim_chip_write_word(c, out->ready_ns, addr, (old & ~mask) | (value & mask));
    out->ready_ns += (uint64_t)delay_us * SIM_NS_PER_US;
    rom_ok(r, out, SIM_OP_WRITE_REG);
}

static void rom_read_reg(struct sim_rom *r, struct sim_chip *c, const uint8_t *d,
                         struct sim_rom_reply *out)
{
    r->last_value = sim_chip_read_word(c, rom_le32(d));
    rom_reply(out, SIM_OP_READ_REG, r->last_value, 0, 0);
}

static void rom_spi_set_params(struct sim_rom *r, const uint8_t *d, struct sim_rom_reply *out)
{
    /* esptool never sends 0x0B to this ROM, but Espressif's ESP8266 download-protocol note (v1.1)
     * lists it, the ROM has FlashDwnLdParamCfgMsgProc, and ESP8266_NONOS_SDK #225 shows a client
     * getting an ack: the best evidence says the ROM accepts it (protocol doc §2.1 note d). */
    for (unsigned i = 0; i < ROM_SPI_PARAMS_LEN / 4u; i++)
        r->spi_params[i] = rom_le32(d + 4 * i);
    r->spi_params_set = true;
    rom_ok(r, out, SIM_OP_SPI_SET_PARAMS);
}

/* Commands whose argument block has one fixed length: any other length is answered 0x05 before
 * the command runs. FLASH_BEGIN's 20-byte form (with the "encrypt" word stubs take) is never sent
 * to this ROM (protocol doc §2.1 note b), so it is refused too. */
static const struct {
    uint8_t op;
    size_t len;
} ROM_FIXED_LENGTHS[] = {
        {SIM_OP_FLASH_BEGIN, ROM_BEGIN_LEN}, {SIM_OP_FLASH_END, ROM_END_FLASH_LEN},
        {SIM_OP_MEM_BEGIN, ROM_BEGIN_LEN},   {SIM_OP_MEM_END, ROM_END_MEM_LEN},
        {SIM_OP_READ_REG, ROM_READ_REG_LEN}, {SIM_OP_SPI_SET_PARAMS, ROM_SPI_PARAMS_LEN},
};

void sim_rom_handle(struct sim_rom *r, struct sim_chip *c, uint64_t t, const uint8_t *frame,
                    size_t len, struct sim_rom_reply *out)
{
    const uint8_t *d = frame + SIM_ROM_HEADER;
    size_t dlen;
    uint8_t op;
    uint32_t checksum;

    memset(out, 0, sizeof *out);
    out->ready_ns = t + SIM_ROM_COMMAND_NS;
    if (len < SIM_ROM_HEADER) {
        rom_violation(r, c, t, SIM_VIOL_FRAME_SHORT, (uint32_t)len, 0);
        return;
    }
    if (frame[0] != SIM_ROM_DIR_REQUEST) {
        /* responses and noise are not commands: ignored (guess) */
        rom_violation(r, c, t, SIM_VIOL_FRAME_DIRECTION, frame[0], frame[1]);
        return;
    }
    op = frame[1];
    dlen = len - SIM_ROM_HEADER;
    checksum = rom_le32(frame + 4);
    if (!r->noise)
        c->stats->commands[op]++;
    if ((size_t)(frame[2] | frame[3] << 8) != dlen) {
        rom_violation(r, c, t, SIM_VIOL_FRAME_LENGTH, (uint32_t)(frame[2] | frame[3] << 8),
                      (uint32_t)dlen);
        rom_fail(r, out, op, SIM_ROM_ERR_INVALID_MSG);
        return;
    }
    for (size_t i = 0; i < sizeof ROM_FIXED_LENGTHS / sizeof ROM_FIXED_LENGTHS[0]; i++) {
        if (ROM_FIXED_LENGTHS[i].op == op && ROM_FIXED_LENGTHS[i].len != dlen) {
            rom_violation(r, c, t, SIM_VIOL_BAD_ARGS, op, (uint32_t)dlen);
            rom_fail(r, out, op, SIM_ROM_ERR_INVALID_MSG);
            return;
        }
    }
    switch (op) {
    case SIM_OP_FLASH_BEGIN: rom_flash_begin(r, c, t, d, out); break;
    case SIM_OP_FLASH_DATA: rom_flash_data(r, c, t, checksum, d, dlen, out); break;
    case SIM_OP_FLASH_END: rom_flash_end(r, c, t, d, out); break;
    case SIM_OP_MEM_BEGIN: rom_mem_begin(r, c, t, d, out); break;
    case SIM_OP_MEM_DATA: rom_mem_data(r, c, t, checksum, d, dlen, out); break;
    case SIM_OP_MEM_END: rom_mem_end(r, c, t, d, out); break;
    case SIM_OP_SYNC: rom_sync(r, c, t, d, dlen, out); break;
    case SIM_OP_WRITE_REG: rom_write_reg(r, c, t, d, dlen, out); break;
    case SIM_OP_READ_REG: rom_read_reg(r, c, d, out); break;
    case SIM_OP_SPI_SET_PARAMS: rom_spi_set_params(r, d, out); break;
    default:
        /* Unsupported: status 1, error 0x05, in a reply whose opcode is not the request's - esptool
         * relies on exactly that to detect "unsupported" (protocol doc §2.3). Which opcode the ROM
         * puts there is unknown ("Could not confirm" 1); the model repeats the last implemented
         * one, sends the reply once, and runs nothing. */
        rom_violation(r, c, t, SIM_VIOL_UNSUPPORTED, op, 0);
        rom_fail(r, out, r->last_opcode, SIM_ROM_ERR_INVALID_MSG);
        return;
    }
    r->last_opcode = op;
}
