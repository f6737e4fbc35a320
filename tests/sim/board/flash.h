/* SPDX-License-Identifier: MIT */
/* NOR flash model of the simulated board: contents, JEDEC identity, program/erase physics and
 * datasheet timings, busy state, fault injection and a per-operation log for statistics. */
#ifndef MF_SIM_FLASH_H
#define MF_SIM_FLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_FLASH_PAGE_SIZE   256u
#define SIM_FLASH_SECTOR_SIZE 4096u
#define SIM_FLASH_BLOCK32     32768u
#define SIM_FLASH_BLOCK64     65536u
#define SIM_FLASH_MIN_SIZE    (512u * 1024u)
#define SIM_FLASH_MAX_SIZE    (16u * 1024u * 1024u)
#define SIM_FLASH_NO_FAULT    UINT32_MAX
#define SIM_FLASH_ERASED      0xFFu

enum sim_flash_vendor {
    SIM_FLASH_WINBOND,
    SIM_FLASH_GIGADEVICE,
    SIM_FLASH_BOYA,
    SIM_FLASH_XMC,
    SIM_FLASH_VENDOR_COUNT
};

enum sim_flash_timing {
    SIM_FLASH_TYPICAL, /* typical datasheet values (PERFORMANCE.md) */
    SIM_FLASH_SLOW,    /* worst-case datasheet values */
    SIM_FLASH_TIMING_COUNT
};

enum sim_flash_op {
    SIM_FLASH_OP_READ,
    SIM_FLASH_OP_PROGRAM, /* one page program (<= 256 bytes) */
    SIM_FLASH_OP_ERASE_SECTOR,
    SIM_FLASH_OP_ERASE_32K,
    SIM_FLASH_OP_ERASE_64K,
    SIM_FLASH_OP_ERASE_CHIP,
    SIM_FLASH_OP_COUNT
};

struct sim_flash_op_stats {
    uint64_t count;
    uint64_t bytes;
    uint64_t busy_ns;
    uint64_t failed;
};

struct sim_flash_log_entry {
    uint64_t t_ns;   /* start */
    uint64_t dur_ns; /* modelled duration */
    uint32_t addr;
    uint32_t len;
    enum sim_flash_op op;
    bool failed; /* an injected fault left the cells unchanged */
};

struct sim_flash;

/* size: a power of two from 512 KiB to 16 MiB. Returns 0, or -1 (bad size / no memory). The
 * chip starts blank (all 0xFF) with typical timings. */
int sim_flash_create(uint32_t size, enum sim_flash_vendor vendor, struct sim_flash **out);
void sim_flash_destroy(struct sim_flash *f);

bool sim_flash_size_valid(uint32_t size);
const char *sim_flash_vendor_name(enum sim_flash_vendor vendor);
uint32_t sim_flash_size(const struct sim_flash *f);

/* The three bytes RDID (0x9F) shifts out: manufacturer, memory type, capacity. */
void sim_flash_jedec_id(const struct sim_flash *f, uint8_t id[3]);
/* Same as a number in the order a client reads W0: id[0] | id[1] << 8 | id[2] << 16. */
uint32_t sim_flash_jedec_word(const struct sim_flash *f);

void sim_flash_set_timing(struct sim_flash *f, enum sim_flash_timing timing);
/* Modelled duration of one operation (len only matters for READ and PROGRAM). */
uint64_t sim_flash_op_ns(const struct sim_flash *f, enum sim_flash_op op, uint32_t len);

/* Direct access to the cells, without timing: loading a file, presets, writing out, tests. */
uint8_t *sim_flash_cells(struct sim_flash *f);
const uint8_t *sim_flash_cells_const(const struct sim_flash *f);

/* Busy: an operation is still running at time t. */
bool sim_flash_busy(const struct sim_flash *f, uint64_t t);
uint64_t sim_flash_busy_until(const struct sim_flash *f);

/* Operations start when both t has come and the previous operation is over, and return the time
 * they complete. Addresses wrap at the chip size, as on a part with fewer address lines. */
uint64_t sim_flash_read(struct sim_flash *f, uint64_t t, uint32_t addr, uint8_t *buf, uint32_t len);
/* One page program: cells become old AND new; data crossing the page end wraps to the start of
 * the same page (NOR behaviour). len <= 256. */
uint64_t sim_flash_page_program(struct sim_flash *f, uint64_t t, uint32_t addr, const uint8_t *data,
                                uint32_t len);
/* Erase of the sector / 32 KiB block / 64 KiB block containing addr, or the whole chip. */
uint64_t sim_flash_erase(struct sim_flash *f, uint64_t t, enum sim_flash_op op, uint32_t addr);
/* Any length, split into page programs one after another (what the ROM's SPIWrite does). */
uint64_t sim_flash_write(struct sim_flash *f, uint64_t t, uint32_t addr, const uint8_t *data,
                         uint32_t len);

/* Faults: a page program touching addr leaves that page unchanged; an erase covering addr leaves
 * that 4 KiB sector unchanged. SIM_FLASH_NO_FAULT switches a fault off. */
void sim_flash_fail_program_at(struct sim_flash *f, uint32_t addr);
void sim_flash_fail_erase_at(struct sim_flash *f, uint32_t addr);

/* Status registers 1-3 as RDSR/RDSR2/RDSR3 return them (WIP is computed from busy state). */
uint8_t sim_flash_status(const struct sim_flash *f, unsigned index, uint64_t t);
void sim_flash_set_status(struct sim_flash *f, unsigned index, uint8_t value);
#define SIM_FLASH_SR1_WIP 0x01u
#define SIM_FLASH_SR1_WEL 0x02u

/* Statistics per operation kind, and the optional detailed log (off by default). */
const struct sim_flash_op_stats *sim_flash_stats(const struct sim_flash *f);
void sim_flash_set_logging(struct sim_flash *f, bool on);
const struct sim_flash_log_entry *sim_flash_log(const struct sim_flash *f, size_t *count);
const char *sim_flash_op_name(enum sim_flash_op op);

#endif
