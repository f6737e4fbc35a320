/* SPDX-License-Identifier: MIT */
/* Lower-bound arithmetic for a flashing job: which sectors need an erase, the cheapest mix of
 * sector / 32 KiB / 64 KiB / chip erases, page programs, wire time and verify time. */
#include "bound.h"

#include "simtime.h"
#include "uart.h"

#define BOUND_PAGES_PER_SECTOR (SIM_FLASH_SECTOR_SIZE / SIM_FLASH_PAGE_SIZE)
#define BOUND_SECTORS_PER_32K  (SIM_FLASH_BLOCK32 / SIM_FLASH_SECTOR_SIZE)
#define BOUND_SECTORS_PER_64K  (SIM_FLASH_BLOCK64 / SIM_FLASH_SECTOR_SIZE)

struct bound_cost {
    uint64_t erase_ns;
    uint64_t program_ns;
};

static uint64_t bound_sum(struct bound_cost c)
{
    return c.erase_ns + c.program_ns;
}

static struct bound_cost bound_add(struct bound_cost a, struct bound_cost b)
{
    struct bound_cost r = {a.erase_ns + b.erase_ns, a.program_ns + b.program_ns};
    return r;
}

static struct bound_cost bound_pick(struct bound_cost a, struct bound_cost b)
{
    return bound_sum(b) < bound_sum(a) ? b : a;
}

static uint8_t bound_final(const struct sim_bound_job *job, const uint8_t *initial, uint32_t a)
{
    if (a >= job->offset && a - job->offset < job->image_len)
        return job->image[a - job->offset];
    return job->erase_all ? SIM_FLASH_ERASED : initial[a];
}

struct bound_sector {
    bool must_erase;       /* some bit must go 0 -> 1 */
    uint32_t pages_erased; /* pages to program if the sector is erased (non-0xFF final) */
    uint32_t pages_kept;   /* pages to program if it is not (final differs from now) */
};

static void bound_sector_scan(const struct sim_bound_job *job, const uint8_t *initial,
                              uint32_t sector, struct bound_sector *s)
{
    uint32_t base = sector * SIM_FLASH_SECTOR_SIZE;
    s->must_erase = false;
    s->pages_erased = s->pages_kept = 0;
    for (uint32_t p = 0; p < BOUND_PAGES_PER_SECTOR; p++) {
        bool non_ff = false, differs = false;
        for (uint32_t i = 0; i < SIM_FLASH_PAGE_SIZE; i++) {
            uint32_t a = base + p * SIM_FLASH_PAGE_SIZE + i;
            uint8_t fin = bound_final(job, initial, a);
            non_ff |= fin != SIM_FLASH_ERASED;
            differs |= fin != initial[a];
            s->must_erase |= (fin & (uint8_t)~initial[a]) != 0; /* a 0 must become 1 */
        }
        s->pages_erased += non_ff;
        s->pages_kept += differs;
    }
}

void sim_bound_compute(const struct sim_flash *f, const uint8_t *initial, uint32_t size,
                       const struct sim_bound_job *job, struct sim_bound *out)
{
    uint64_t t_page = sim_flash_op_ns(f, SIM_FLASH_OP_PROGRAM, SIM_FLASH_PAGE_SIZE);
    uint64_t t_se = sim_flash_op_ns(f, SIM_FLASH_OP_ERASE_SECTOR, 0);
    uint64_t t_b32 = sim_flash_op_ns(f, SIM_FLASH_OP_ERASE_32K, 0);
    uint64_t t_b64 = sim_flash_op_ns(f, SIM_FLASH_OP_ERASE_64K, 0);
    struct bound_cost blocks = {0, 0}, chip = {sim_flash_op_ns(f, SIM_FLASH_OP_ERASE_CHIP, 0), 0};
    struct bound_cost best;
    uint32_t dirty = 0;

    for (uint32_t b = 0; b < size / SIM_FLASH_BLOCK64; b++) {
        struct bound_cost whole = {t_b64, 0}, halves = {0, 0};
        for (uint32_t h = 0; h < 2; h++) {
            struct bound_cost half = {t_b32, 0}, singles = {0, 0};
            for (uint32_t k = 0; k < BOUND_SECTORS_PER_32K; k++) {
                struct bound_sector s;
                struct bound_cost erased, kept;
                bound_sector_scan(job, initial,
                                  b * BOUND_SECTORS_PER_64K + h * BOUND_SECTORS_PER_32K + k, &s);
                erased.erase_ns = t_se;
                erased.program_ns = s.pages_erased * t_page;
                kept.erase_ns = 0;
                kept.program_ns = s.pages_kept * t_page;
                dirty += s.must_erase;
                half.program_ns += erased.program_ns;
                whole.program_ns += erased.program_ns;
                chip.program_ns += erased.program_ns;
                singles = bound_add(singles, s.must_erase ? erased : bound_pick(kept, erased));
            }
            halves = bound_add(halves, bound_pick(singles, half));
        }
        blocks = bound_add(blocks, bound_pick(halves, whole));
    }
    best = bound_pick(blocks, chip);

    out->sectors_dirty = dirty;
    out->chip_erase = bound_sum(chip) < bound_sum(blocks);
    out->erase_ns = best.erase_ns;
    out->program_ns = best.program_ns;
    out->pages_programmed = t_page ? (uint32_t)(best.program_ns / t_page) : 0;
    out->flash_work_ns = bound_sum(best);
    out->wire_ns =
            job->baud ? job->compressed_len * SIM_UART_BITS_PER_BYTE * SIM_NS_PER_S / job->baud : 0;
    out->verify_ns = sim_flash_op_ns(f, SIM_FLASH_OP_READ, job->image_len) +
                     (uint64_t)job->image_len * SIM_BOUND_MD5_NS_PER_BYTE;
    out->reset_sync_ns = job->reset_sync_ns;
    out->stub_ns = job->stub_ns;
    out->total_ns = out->reset_sync_ns + out->stub_ns +
                    sim_time_max(out->wire_ns, out->flash_work_ns) + out->verify_ns;
}
