/* SPDX-License-Identifier: MIT */
/* NOR flash physics for the simulated board: programming only clears bits, erasing sets 0xFF,
 * every operation takes its datasheet time and keeps the chip busy meanwhile. */
#include "flash.h"

#include <stdlib.h>
#include <string.h>

#include "simtime.h"

struct flash_vendor_info {
    const char *name;
    uint8_t manufacturer; /* JEDEC manufacturer ID */
    uint8_t memory_type;  /* second RDID byte of the vendor's quad-SPI 3.3 V series */
};

/* RDID bytes: Winbond W25Q (EF 40 xx), GigaDevice GD25Q (C8 40 xx), Boya BY25Q (68 40 xx), XMC
 * XM25QH (20 40 xx); the capacity byte is log2(size) for these series (protocol doc §6.2). */
static const struct flash_vendor_info FLASH_VENDORS[SIM_FLASH_VENDOR_COUNT] = {
        [SIM_FLASH_WINBOND] = {"Winbond", 0xEF, 0x40},
        [SIM_FLASH_GIGADEVICE] = {"GigaDevice", 0xC8, 0x40},
        [SIM_FLASH_BOYA] = {"Boya", 0x68, 0x40},
        [SIM_FLASH_XMC] = {"XMC", 0x20, 0x40},
};

struct flash_timing {
    uint64_t page_ns;       /* full 256-byte page program */
    uint64_t first_byte_ns; /* floor for a short program */
    uint64_t sector_ns;
    uint64_t block32_ns;
    uint64_t block64_ns;
    uint64_t chip_per_4m_ns; /* chip erase scales with capacity */
};

/* Typical: PERFORMANCE.md ("page program 0.4-0.6 ms per 256 B; 4 KiB sector erase 45-50 ms;
 * 32 KiB block 120 ms; 64 KiB block 150 ms; chip erase 10-15 s" on 4 MB parts). Slow: the
 * worst-case column of the Winbond W25Q32JV datasheet (tPP 3 ms, tBP1 50 us, tSE 400 ms, tBE1
 * 1.6 s, tBE2 2 s, tCE 50 s), i.e. the "5-10x typical" PERFORMANCE.md mentions. The short-program
 * floor is tBP1 (30 us typical) of the same datasheet. */
static const struct flash_timing FLASH_TIMINGS[SIM_FLASH_TIMING_COUNT] = {
        [SIM_FLASH_TYPICAL] = {500 * SIM_NS_PER_US, 30 * SIM_NS_PER_US, 45 * SIM_NS_PER_MS,
                               120 * SIM_NS_PER_MS, 150 * SIM_NS_PER_MS, 10 * SIM_NS_PER_S},
        [SIM_FLASH_SLOW] = {3 * SIM_NS_PER_MS, 50 * SIM_NS_PER_US, 400 * SIM_NS_PER_MS,
                            1600 * SIM_NS_PER_MS, 2000 * SIM_NS_PER_MS, 50 * SIM_NS_PER_S},
};

/* Reading: ~10 MB/s at 40 MHz DIO (PERFORMANCE.md), plus the command/address phase (~32 clocks
 * at 40 MHz, rounded up to 1 us). */
#define FLASH_READ_NS_PER_BYTE 100u
#define FLASH_READ_SETUP_NS    (1 * SIM_NS_PER_US)
#define FLASH_REF_CHIP_SIZE    (4u * 1024u * 1024u)
#define FLASH_LOG_INITIAL      256u
#define FLASH_STATUS_REGS      3u

static const char *const FLASH_OP_NAMES[SIM_FLASH_OP_COUNT] = {
        [SIM_FLASH_OP_READ] = "read",
        [SIM_FLASH_OP_PROGRAM] = "page program",
        [SIM_FLASH_OP_ERASE_SECTOR] = "sector erase",
        [SIM_FLASH_OP_ERASE_32K] = "32K block erase",
        [SIM_FLASH_OP_ERASE_64K] = "64K block erase",
        [SIM_FLASH_OP_ERASE_CHIP] = "chip erase",
};

struct sim_flash {
    uint8_t *cells;
    uint32_t size;
    enum sim_flash_vendor vendor;
    enum sim_flash_timing timing;
    uint64_t busy_until;
    uint32_t fail_program;
    uint32_t fail_erase;
    uint8_t status[FLASH_STATUS_REGS];
    struct sim_flash_op_stats stats[SIM_FLASH_OP_COUNT];
    bool logging;
    struct sim_flash_log_entry *log;
    size_t log_len;
    size_t log_cap;
};

bool sim_flash_size_valid(uint32_t size)
{
    return size >= SIM_FLASH_MIN_SIZE && size <= SIM_FLASH_MAX_SIZE && (size & (size - 1)) == 0;
}

int sim_flash_create(uint32_t size, enum sim_flash_vendor vendor, struct sim_flash **out)
{
    struct sim_flash *f = NULL;
    int rc = -1;

    *out = NULL;
    if (!sim_flash_size_valid(size) || (unsigned)vendor >= SIM_FLASH_VENDOR_COUNT)
        goto done;
    f = calloc(1, sizeof *f);
    if (!f)
        goto done;
    f->cells = malloc(size);
    if (!f->cells)
        goto done;
    memset(f->cells, SIM_FLASH_ERASED, size);
    f->size = size;
    f->vendor = vendor;
    f->timing = SIM_FLASH_TYPICAL;
    f->fail_program = SIM_FLASH_NO_FAULT;
    f->fail_erase = SIM_FLASH_NO_FAULT;
    *out = f;
    f = NULL;
    rc = 0;
done:
    sim_flash_destroy(f);
    return rc;
}

void sim_flash_destroy(struct sim_flash *f)
{
    if (!f)
        return;
    free(f->cells);
    free(f->log);
    free(f);
}

const char *sim_flash_vendor_name(enum sim_flash_vendor vendor)
{
    return (unsigned)vendor < SIM_FLASH_VENDOR_COUNT ? FLASH_VENDORS[vendor].name : "?";
}

const char *sim_flash_op_name(enum sim_flash_op op)
{
    return (unsigned)op < SIM_FLASH_OP_COUNT ? FLASH_OP_NAMES[op] : "?";
}

uint32_t sim_flash_size(const struct sim_flash *f)
{
    return f->size;
}

static uint8_t flash_log2(uint32_t v)
{
    uint8_t n = 0;
    while (v > 1) {
        v >>= 1;
        n++;
    }
    return n;
}

void sim_flash_jedec_id(const struct sim_flash *f, uint8_t id[3])
{
    id[0] = FLASH_VENDORS[f->vendor].manufacturer;
    id[1] = FLASH_VENDORS[f->vendor].memory_type;
    id[2] = flash_log2(f->size);
}

uint32_t sim_flash_jedec_word(const struct sim_flash *f)
{
    uint8_t id[3];
    sim_flash_jedec_id(f, id);
    return (uint32_t)id[0] | (uint32_t)id[1] << 8 | (uint32_t)id[2] << 16;
}

void sim_flash_set_timing(struct sim_flash *f, enum sim_flash_timing timing)
{
    if ((unsigned)timing < SIM_FLASH_TIMING_COUNT)
        f->timing = timing;
}

uint64_t sim_flash_op_ns(const struct sim_flash *f, enum sim_flash_op op, uint32_t len)
{
    const struct flash_timing *tm = &FLASH_TIMINGS[f->timing];
    uint64_t ns = 0;

    switch (op) {
    case SIM_FLASH_OP_READ:
        ns = FLASH_READ_SETUP_NS + (uint64_t)len * FLASH_READ_NS_PER_BYTE;
        break;
    case SIM_FLASH_OP_PROGRAM:
        ns = tm->page_ns * len / SIM_FLASH_PAGE_SIZE;
        if (ns < tm->first_byte_ns)
            ns = tm->first_byte_ns;
        break;
    case SIM_FLASH_OP_ERASE_SECTOR: ns = tm->sector_ns; break;
    case SIM_FLASH_OP_ERASE_32K: ns = tm->block32_ns; break;
    case SIM_FLASH_OP_ERASE_64K: ns = tm->block64_ns; break;
    case SIM_FLASH_OP_ERASE_CHIP: ns = tm->chip_per_4m_ns * f->size / FLASH_REF_CHIP_SIZE; break;
    case SIM_FLASH_OP_COUNT: break;
    }
    return ns;
}

uint8_t *sim_flash_cells(struct sim_flash *f)
{
    return f->cells;
}

const uint8_t *sim_flash_cells_const(const struct sim_flash *f)
{
    return f->cells;
}

bool sim_flash_busy(const struct sim_flash *f, uint64_t t)
{
    return t < f->busy_until;
}

uint64_t sim_flash_busy_until(const struct sim_flash *f)
{
    return f->busy_until;
}

static void flash_log_add(struct sim_flash *f, const struct sim_flash_log_entry *e)
{
    if (!f->logging)
        return;
    if (f->log_len == f->log_cap) {
        size_t cap = f->log_cap ? f->log_cap * 2 : FLASH_LOG_INITIAL;
        struct sim_flash_log_entry *n = realloc(f->log, cap * sizeof *n);
        if (!n)
            return; /* keep what we have; statistics stay complete */
        f->log = n;
        f->log_cap = cap;
    }
    f->log[f->log_len++] = *e;
}

/* Books an operation: starts when the chip is free, returns its end. */
static uint64_t flash_account(struct sim_flash *f, uint64_t t, enum sim_flash_op op, uint32_t addr,
                              uint32_t len, bool failed)
{
    uint64_t start = sim_time_max(t, f->busy_until);
    uint64_t dur = sim_flash_op_ns(f, op, len);
    struct sim_flash_log_entry e = {start, dur, addr, len, op, failed};

    f->stats[op].count++;
    f->stats[op].bytes += len;
    f->stats[op].busy_ns += dur;
    if (failed)
        f->stats[op].failed++;
    flash_log_add(f, &e);
    f->busy_until = start + dur;
    if (op != SIM_FLASH_OP_READ)
        f->status[0] &= (uint8_t)~SIM_FLASH_SR1_WEL; /* WEL clears after program/erase */
    return f->busy_until;
}

uint64_t sim_flash_read(struct sim_flash *f, uint64_t t, uint32_t addr, uint8_t *buf, uint32_t len)
{
    uint32_t mask = f->size - 1;
    for (uint32_t i = 0; i < len; i++)
        buf[i] = f->cells[(addr + i) & mask];
    return flash_account(f, t, SIM_FLASH_OP_READ, addr & mask, len, false);
}

uint64_t sim_flash_page_program(struct sim_flash *f, uint64_t t, uint32_t addr, const uint8_t *data,
                                uint32_t len)
{
    uint32_t mask = f->size - 1;
    uint32_t page = addr & mask & ~(SIM_FLASH_PAGE_SIZE - 1);
    uint32_t off = addr & (SIM_FLASH_PAGE_SIZE - 1);
    bool failed = f->fail_program != SIM_FLASH_NO_FAULT &&
                  (f->fail_program & mask & ~(SIM_FLASH_PAGE_SIZE - 1)) == page;

    if (len > SIM_FLASH_PAGE_SIZE)
        len = SIM_FLASH_PAGE_SIZE;
    if (!failed) {
        for (uint32_t i = 0; i < len; i++) {
            uint32_t a = page + ((off + i) & (SIM_FLASH_PAGE_SIZE - 1));
            f->cells[a] &= data[i];
        }
    }
    return flash_account(f, t, SIM_FLASH_OP_PROGRAM, page + off, len, failed);
}

static uint32_t flash_erase_unit(enum sim_flash_op op, uint32_t size)
{
    switch (op) {
    case SIM_FLASH_OP_ERASE_SECTOR: return SIM_FLASH_SECTOR_SIZE;
    case SIM_FLASH_OP_ERASE_32K: return SIM_FLASH_BLOCK32;
    case SIM_FLASH_OP_ERASE_64K: return SIM_FLASH_BLOCK64;
    case SIM_FLASH_OP_ERASE_CHIP: return size;
    default: return 0;
    }
}

uint64_t sim_flash_erase(struct sim_flash *f, uint64_t t, enum sim_flash_op op, uint32_t addr)
{
    uint32_t unit = flash_erase_unit(op, f->size);
    uint32_t start;
    bool failed = false;

    if (unit == 0)
        return sim_time_max(t, f->busy_until);
    start = addr & (f->size - 1) & ~(unit - 1);
    for (uint32_t s = start; s < start + unit; s += SIM_FLASH_SECTOR_SIZE) {
        if (f->fail_erase != SIM_FLASH_NO_FAULT &&
            (f->fail_erase & (f->size - 1) & ~(SIM_FLASH_SECTOR_SIZE - 1)) == s) {
            failed = true;
            continue;
        }
        memset(f->cells + s, SIM_FLASH_ERASED, SIM_FLASH_SECTOR_SIZE);
    }
    return flash_account(f, t, op, start, unit, failed);
}

uint64_t sim_flash_write(struct sim_flash *f, uint64_t t, uint32_t addr, const uint8_t *data,
                         uint32_t len)
{
    uint64_t end = sim_time_max(t, f->busy_until);
    while (len > 0) {
        uint32_t room = SIM_FLASH_PAGE_SIZE - (addr & (SIM_FLASH_PAGE_SIZE - 1));
        uint32_t n = len < room ? len : room;
        end = sim_flash_page_program(f, end, addr, data, n);
        addr += n;
        data += n;
        len -= n;
    }
    return end;
}

void sim_flash_fail_program_at(struct sim_flash *f, uint32_t addr)
{
    f->fail_program = addr;
}

void sim_flash_fail_erase_at(struct sim_flash *f, uint32_t addr)
{
    f->fail_erase = addr;
}

uint8_t sim_flash_status(const struct sim_flash *f, unsigned index, uint64_t t)
{
    uint8_t v;
    if (index >= FLASH_STATUS_REGS)
        return 0;
    v = f->status[index];
    if (index == 0 && sim_flash_busy(f, t))
        v |= SIM_FLASH_SR1_WIP;
    return v;
}

void sim_flash_set_status(struct sim_flash *f, unsigned index, uint8_t value)
{
    if (index < FLASH_STATUS_REGS)
        f->status[index] = index == 0 ? (uint8_t)(value & ~SIM_FLASH_SR1_WIP) : value;
}

const struct sim_flash_op_stats *sim_flash_stats(const struct sim_flash *f)
{
    return f->stats;
}

void sim_flash_set_logging(struct sim_flash *f, bool on)
{
    f->logging = on;
}

const struct sim_flash_log_entry *sim_flash_log(const struct sim_flash *f, size_t *count)
{
    *count = f->log_len;
    return f->log;
}
