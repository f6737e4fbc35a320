/* SPDX-License-Identifier: MIT */
/* The stub's flash work: FLASH_/FLASH_DEFL_ sessions through a 4 KiB sector stage with
 * just-in-time erase (blank and unchanged sectors are never erased, erases overlap receiving),
 * ERASE_FLASH / ERASE_REGION / background ERASE_BG that skip blank flash, SPI_FLASH_MD5 and
 * READ_FLASH (§8.4-§8.6). */
#include "stub_impl.h"

#define STUB_SECTOR_MASK (HAL_FLASH_SECTOR_SIZE - 1u)
#define STUB_BLOCK_MASK  (HAL_FLASH_BLOCK_SIZE - 1u)
#define STUB_ALL_PAGES   0xFFFFu /* one bit per page of a sector */

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

static void write_fail(struct stub_write *w, uint8_t err)
{
    if (w->err == STUB_OK)
        w->err = err;
}

/* Points the stage at the sector of the next byte to write. */
static void stage_prepare(struct stub_write *w)
{
    uint32_t addr = w->offset + w->done;

    w->stage_addr = addr & ~STUB_SECTOR_MASK;
    w->stage_lo = addr - w->stage_addr;
    w->stage_hi = w->stage_lo;
    w->stage_wait = false;
}

/* True when [addr, addr + len) reads as erased; *ok = false when the read failed. */
static bool flash_blank(struct stub *s, uint32_t addr, uint32_t len, bool *ok)
{
    bool blank = true;

    *ok = true;
    for (uint32_t at = 0; at < len && blank; at += HAL_FLASH_PAGE_SIZE) {
        uint32_t n = min_u32(HAL_FLASH_PAGE_SIZE, len - at);

        if (hal_flash_read(s->hal, addr + at, s->page, n) != 0) {
            *ok = false;
            blank = false;
        } else {
            hal_cost(s->hal, HAL_COST_COMPARE, n);
            blank = stub_all_erased(s->page, n);
        }
    }
    return blank;
}

/* Programs the stage's pages named in `pages`, within [lo, hi), skipping all-0xFF runs. */
static void stage_program(struct stub *s, uint32_t pages)
{
    struct stub_write *w = &s->write;

    for (uint32_t p = 0; p < STUB_PAGES_PER_SECTOR; p++) {
        uint32_t from = p * HAL_FLASH_PAGE_SIZE;
        uint32_t to = from + HAL_FLASH_PAGE_SIZE;

        if (!(pages & (1u << p)))
            continue;
        from = from < w->stage_lo ? w->stage_lo : from;
        to = min_u32(to, w->stage_hi);
        if (from >= to || stub_all_erased(s->stage + from, to - from))
            continue;
        if (hal_flash_program(s->hal, w->stage_addr + from, s->stage + from, to - from) != 0)
            write_fail(w, STUB_ERR_FAILED_SPI_OP);
    }
}

/* Compares the stage with the flash. Returns true when an erase is needed (a byte differs and
 * is not erased); *differ gets the pages whose contents differ. */
static bool stage_compare(struct stub *s, uint32_t *differ)
{
    struct stub_write *w = &s->write;
    bool need_erase = false;

    *differ = 0;
    for (uint32_t at = w->stage_lo; at < w->stage_hi && !need_erase;) {
        uint32_t n = min_u32(HAL_FLASH_PAGE_SIZE - (at % HAL_FLASH_PAGE_SIZE), w->stage_hi - at);

        if (hal_flash_read(s->hal, w->stage_addr + at, s->page, n) != 0) {
            need_erase = true; /* cannot tell: erase and write */
            break;
        }
        hal_cost(s->hal, HAL_COST_COMPARE, n);
        for (uint32_t i = 0; i < n; i++) {
            uint8_t old = s->page[i];

            if (old != s->stage[at + i]) {
                *differ |= 1u << (at / HAL_FLASH_PAGE_SIZE);
                if (old != 0xFFu)
                    need_erase = true;
            }
        }
        at += n;
    }
    return need_erase;
}

/* A 64 KiB block erase pays off for the stage's block: it starts here, the write covers it all
 * and enough of its sectors hold data. */
static bool block_worth_erasing(struct stub *s)
{
    struct stub_write *w = &s->write;
    uint32_t base = w->stage_addr;
    uint32_t dirty = 1; /* the stage's own sector */
    bool ok = true;

    if ((base & STUB_BLOCK_MASK) != 0 || base + HAL_FLASH_BLOCK_SIZE > w->offset + w->size)
        return false;
    for (uint32_t i = 1; i < STUB_SECTORS_PER_BLOCK && dirty < STUB_BLOCK_ERASE_MIN_SECTORS && ok;
         i++) {
        if (!flash_blank(s, base + i * HAL_FLASH_SECTOR_SIZE, HAL_FLASH_SECTOR_SIZE, &ok))
            dirty++;
    }
    return ok && dirty >= STUB_BLOCK_ERASE_MIN_SECTORS;
}

/* The stage is complete: write it now, or start its erase and write it when that is over. */
static void stage_commit(struct stub *s)
{
    struct stub_write *w = &s->write;
    uint32_t differ = 0;
    enum hal_erase kind = HAL_ERASE_SECTOR;
    uint32_t span = HAL_FLASH_SECTOR_SIZE;

    if (w->stage_hi <= w->stage_lo || w->err != STUB_OK)
        goto done;
    if (w->stage_addr < w->erased_to) {
        stage_program(s, STUB_ALL_PAGES); /* erased earlier by a block erase of ours */
        w->changed_run++;
        goto done;
    }
    if (!stage_compare(s, &differ)) {
        stage_program(s, differ); /* only 0xFF cells change, or nothing does */
        if (differ == 0)
            w->changed_run = 0; /* the flash holds this sector already */
        goto done;
    }
    w->changed_run++;
    if (block_worth_erasing(s)) {
        kind = HAL_ERASE_BLOCK;
        span = HAL_FLASH_BLOCK_SIZE;
    }
    if (hal_flash_erase_start(s->hal, kind, w->stage_addr) != 0) {
        write_fail(w, STUB_ERR_FAILED_SPI_OP);
        goto done;
    }
    w->erased_to = w->stage_addr + span;
    w->stage_wait = true; /* stage_finish() writes it once the erase is over */
    return;
done:
    stage_prepare(w);
}

static void stage_finish(struct stub *s)
{
    stage_program(s, STUB_ALL_PAGES);
    stage_prepare(&s->write);
}

/* Bytes have been added to the stage: commit it when the sector or the write is complete. */
static void stage_added(struct stub *s, uint32_t n)
{
    struct stub_write *w = &s->write;

    w->stage_hi += n;
    w->done += n;
    if (w->stage_hi == HAL_FLASH_SECTOR_SIZE || w->done == w->size)
        stage_commit(s);
}

static void feed_raw(struct stub *s)
{
    struct stub_write *w = &s->write;

    while (w->in_pos < w->in_len && !w->stage_wait && w->err == STUB_OK && w->done < w->size) {
        uint32_t n = min_u32(HAL_FLASH_SECTOR_SIZE - w->stage_hi, w->size - w->done);

        n = min_u32(n, w->in_len - w->in_pos);
        stub_copy(s->stage + w->stage_hi, w->in + w->in_pos, n);
        hal_cost(s->hal, HAL_COST_COPY, n);
        w->in_pos += n;
        stage_added(s, n);
    }
    if (w->done == w->size)
        w->in_pos = w->in_len; /* esptool pads the last block with 0xFF: beyond the size */
}

static void feed_deflate(struct stub *s)
{
    struct stub_write *w = &s->write;

    while (!w->stage_wait && w->err == STUB_OK) {
        uint32_t room = min_u32(HAL_FLASH_SECTOR_SIZE - w->stage_hi, w->size - w->done);
        size_t used = 0;
        size_t out = 0;
        enum inflate_status st;

        if (w->inflate_done) {
            if (w->in_pos < w->in_len)
                write_fail(w, STUB_ERR_TOO_MUCH_DATA);
            break;
        }
        st = inflate_run(&s->inflate, w->in + w->in_pos, w->in_len - w->in_pos, &used,
                         s->stage + w->stage_hi, room, &out);
        w->in_pos += (uint32_t)used;
        hal_cost(s->hal, HAL_COST_INFLATE, (uint32_t)out);
        if (st < 0) {
            write_fail(w, STUB_ERR_INFLATE_ERROR);
            break;
        }
        if (st == INFLATE_OUTPUT_FULL && room == 0) {
            write_fail(w, STUB_ERR_TOO_MUCH_DATA); /* more output than FLASH_DEFL_BEGIN said */
            break;
        }
        w->inflate_done = st == INFLATE_DONE;
        if (out > 0)
            stage_added(s, (uint32_t)out);
        if (st == INFLATE_NEED_INPUT)
            break;
    }
}

/* Erase ahead, when the stub has nothing else to do: the whole sectors the write will reach
 * next, up to STUB_ERASE_AHEAD_MAX past the stage, are made blank now (found blank, or erased:
 * a 64 KiB block when it pays off) and marked so through erased_to. When the data comes, its
 * sectors are only programmed, so erases overlap receiving instead of holding the write up.
 * Only while the write is replacing different contents (the last STUB_ERASE_AHEAD_AFTER
 * sectors all had to be erased): a sector the new data would have matched is then rewritten
 * instead of skipped, which a write that mostly matches must not pay for. */
enum stub_poll_result stub_flash_erase_ahead(struct stub *s)
{
    struct stub_write *w = &s->write;
    uint32_t next = w->erased_to > w->stage_addr ? w->erased_to : w->stage_addr;
    uint32_t end = (w->offset + w->size) & ~STUB_SECTOR_MASK;
    uint32_t dirty = 0, count = 0, skip = 0;
    bool ok = true;

    if (!w->active || w->err != STUB_OK || w->stage_wait || next >= end ||
        next >= w->stage_addr + STUB_ERASE_AHEAD_MAX || next < w->offset ||
        w->changed_run < STUB_ERASE_AHEAD_AFTER)
        return STUB_POLL_IDLE;
    if (hal_flash_busy(s->hal))
        return STUB_POLL_FLASH_WAIT;
    if ((next & STUB_BLOCK_MASK) == 0 && next + HAL_FLASH_BLOCK_SIZE <= end) {
        for (uint32_t i = 0; i < STUB_SECTORS_PER_BLOCK && ok; i++) {
            if (!flash_blank(s, next + i * HAL_FLASH_SECTOR_SIZE, HAL_FLASH_SECTOR_SIZE, &ok)) {
                dirty |= 1u << i;
                count++;
            }
        }
        if (ok && count >= STUB_BLOCK_ERASE_MIN_SECTORS) {
            if (hal_flash_erase_start(s->hal, HAL_ERASE_BLOCK, next) != 0)
                write_fail(w, STUB_ERR_FAILED_SPI_OP);
            w->erased_to = next + HAL_FLASH_BLOCK_SIZE;
            return STUB_POLL_BUSY;
        }
        if (!ok)
            return STUB_POLL_IDLE; /* cannot read it: the write's own compare decides later */
        while (skip < STUB_SECTORS_PER_BLOCK && !(dirty & (1u << skip)))
            skip++; /* the blank sectors before the first dirty one are done */
        next += skip * HAL_FLASH_SECTOR_SIZE;
        w->erased_to = next;
        if (skip == STUB_SECTORS_PER_BLOCK)
            return STUB_POLL_BUSY;
    } else if (flash_blank(s, next, HAL_FLASH_SECTOR_SIZE, &ok) && ok) {
        w->erased_to = next + HAL_FLASH_SECTOR_SIZE;
        return STUB_POLL_BUSY;
    }
    if (!ok)
        return STUB_POLL_IDLE; /* cannot read it: the write's own compare decides later */
    if (hal_flash_erase_start(s->hal, HAL_ERASE_SECTOR, next) != 0)
        write_fail(w, STUB_ERR_FAILED_SPI_OP);
    w->erased_to = next + HAL_FLASH_SECTOR_SIZE;
    return STUB_POLL_BUSY;
}

static enum stub_poll_result job_write(struct stub *s)
{
    struct stub_write *w = &s->write;

    if (w->stage_wait) {
        if (hal_flash_busy(s->hal))
            return STUB_POLL_FLASH_WAIT;
        stage_finish(s);
    }
    if (w->deflate)
        feed_deflate(s);
    else
        feed_raw(s);
    if (w->stage_wait)
        return STUB_POLL_BUSY;
    if (w->err != STUB_OK || w->in_pos >= w->in_len) {
        s->job = STUB_JOB_NONE;
        stub_rx_release(s);
    }
    return STUB_POLL_BUSY;
}

static enum stub_poll_result job_flush(struct stub *s)
{
    struct stub_write *w = &s->write;

    if (w->stage_wait) {
        if (hal_flash_busy(s->hal))
            return STUB_POLL_FLASH_WAIT;
        stage_finish(s);
    } else {
        stage_commit(s);
    }
    if (!w->stage_wait)
        s->job = STUB_JOB_NONE;
    return STUB_POLL_BUSY;
}

bool stub_flash_needs_flush(const struct stub *s)
{
    const struct stub_write *w = &s->write;

    return w->active && (w->stage_wait || w->stage_hi > w->stage_lo);
}

/* ---- FLASH_(DEFL_)BEGIN / DATA / END ---- */

void stub_flash_begin(struct stub *s, const struct stub_cmd *c, struct stub_reply *r)
{
    struct stub_write *w = &s->write;
    uint32_t block_size = stub_get_u32(c->data + 8);

    w->active = false;
    if (c->len >= STUB_BEGIN_PAYLOAD_MAX && stub_get_u32(c->data + 16) != 0) {
        r->err = STUB_ERR_CMD_NOT_IMPL; /* no flash encryption on the ESP8266 */
        return;
    }
    if (block_size == 0 || block_size > STUB_MAX_BLOCK_SIZE) {
        r->err = STUB_ERR_BAD_BLOCKSIZE;
        return;
    }
    if (hal_flash_unlock(s->hal) != 0) {
        r->err = STUB_ERR_FAILED_SPI_UNLOCK;
        return;
    }
    w->active = true;
    w->deflate = c->op == STUB_OP_FLASH_DEFL_BEGIN;
    w->err = STUB_OK;
    w->size = stub_get_u32(c->data);
    w->blocks = stub_get_u32(c->data + 4);
    w->block_size = block_size;
    w->offset = stub_get_u32(c->data + 12);
    w->done = 0;
    w->seq = 0;
    w->erased_to = 0;
    w->changed_run = 0;
    w->inflate_done = false;
    w->in_len = 0;
    w->in_pos = 0;
    stage_prepare(w);
    if (w->deflate)
        inflate_init(&s->inflate);
}

void stub_flash_data(struct stub *s, const struct stub_cmd *c, struct stub_reply *r)
{
    struct stub_write *w = &s->write;
    bool deflate = c->op == STUB_OP_FLASH_DEFL_DATA;
    uint32_t len = stub_get_u32(c->data);
    uint32_t seq = stub_get_u32(c->data + 4);
    const uint8_t *bytes = c->data + STUB_DATA_HEADER_SIZE;

    if (!w->active || w->deflate != deflate) {
        r->err = STUB_ERR_NOT_IN_FLASH_MODE;
    } else if (len != c->len - STUB_DATA_HEADER_SIZE || len > w->block_size) {
        r->err = STUB_ERR_BAD_DATA_LEN;
    } else if (stub_checksum(bytes, len) != c->checksum) {
        r->err = STUB_ERR_BAD_DATA_CHECKSUM;
    } else if (w->err != STUB_OK) {
        r->err = w->err; /* a failure while writing an earlier block (§2.4) */
    } else if (seq + 1u == w->seq) {
        r->err = STUB_OK; /* the host repeats a block whose reply it lost: already taken */
    } else if (seq != w->seq) {
        r->err = STUB_ERR_BAD_DATA_LEN;
        r->detail = STUB_DETAIL_BAD_SEQUENCE;
    } else if (seq >= w->blocks) {
        r->err = STUB_ERR_TOO_MUCH_DATA;
    } else {
        /* acknowledge first: the host sends the next block while this one is written (§8.4) */
        stub_send_reply(s, c->op, r);
        r->silent = true;
        w->seq++;
        w->in = bytes;
        w->in_len = len;
        w->in_pos = 0;
        s->job = STUB_JOB_WRITE;
    }
}

void stub_flash_end(struct stub *s, const struct stub_cmd *c, struct stub_reply *r)
{
    struct stub_write *w = &s->write;
    bool deflate = c->op == STUB_OP_FLASH_DEFL_END;
    uint32_t stay = stub_get_u32(c->data);

    if (!w->active || w->deflate != deflate)
        r->err = STUB_ERR_NOT_IN_FLASH_MODE;
    else if (w->err != STUB_OK)
        r->err = w->err;
    else if (w->done < w->size || (deflate && w->size > 0 && !w->inflate_done))
        r->err = STUB_ERR_NOT_ENOUGH_DATA;
    w->active = false;
    stub_send_reply(s, c->op, r);
    r->silent = true;
    if (stay == 0) {
        hal_delay_us(s->hal, STUB_REBOOT_DELAY_US);
        s->gone = true;
        hal_reboot(s->hal);
    }
}

/* ---- SPI_FLASH_MD5 ---- */

void stub_flash_md5(struct stub *s, const struct stub_cmd *c, struct stub_reply *r)
{
    uint32_t addr = stub_get_u32(c->data);
    uint32_t size = stub_get_u32(c->data + 4);
    union hal_md5_ctx md5;

    hal_md5_init(s->hal, &md5);
    for (uint32_t at = 0; at < size; at += HAL_FLASH_SECTOR_SIZE) {
        uint32_t n = min_u32(HAL_FLASH_SECTOR_SIZE, size - at);

        if (hal_flash_read(s->hal, addr + at, s->stage, n) != 0) {
            r->err = STUB_ERR_MD5_READ;
            return;
        }
        hal_md5_update(s->hal, &md5, s->stage, n);
        hal_cost(s->hal, HAL_COST_MD5, n);
    }
    hal_md5_final(s->hal, &md5, r->data);
    r->data_len = STUB_MD5_SIZE;
}

/* ---- the sweep: blank check and erase planning of ERASE_FLASH, ERASE_REGION and ERASE_BG ---- */

enum stub_sweep_result {
    STUB_SWEEP_WORKED, /* did one step */
    STUB_SWEEP_WAIT,   /* its erase is still running */
    STUB_SWEEP_DONE,   /* the region is finished */
};

static void sweep_start(struct stub_sweep *w, uint32_t start, uint32_t end, bool verify)
{
    w->addr = start;
    w->end = end;
    w->base = start;
    w->scan_end = start;
    w->check = 0;
    w->check_end = 0;
    w->dirty = 0;
    w->scanned = 0;
    w->verify = verify;
    w->erasing = false;
}

static void sweep_fail(struct stub_sweep *w, uint32_t addr)
{
    if (!w->failed) {
        w->failed = true;
        w->fail_addr = addr;
    }
}

static void sweep_erase(struct stub *s, struct stub_sweep *w, enum hal_erase kind, uint32_t addr)
{
    uint32_t span = kind == HAL_ERASE_BLOCK ? HAL_FLASH_BLOCK_SIZE : HAL_FLASH_SECTOR_SIZE;

    if (hal_flash_erase_start(s->hal, kind, addr) != 0) {
        sweep_fail(w, addr);
        return;
    }
    w->erasing = true;
    if (w->verify) {
        w->check = addr;
        w->check_end = addr + span;
    }
}

static uint32_t bits_set(uint32_t v)
{
    uint32_t n = 0;

    for (; v != 0; v &= v - 1u)
        n++;
    return n;
}

/* Blank-checks the sector at w->addr. Inside a block the region covers, the block's dirty sectors
 * are collected first; after its last sector it gets one block erase when enough of them are
 * dirty, else they are erased one by one. Elsewhere a dirty sector is erased at once. */
static void sweep_check(struct stub *s, struct stub_sweep *w)
{
    uint32_t at = w->addr;
    bool ok = true;
    bool blank;

    if (at >= w->scan_end && (at & STUB_BLOCK_MASK) == 0 && w->end - at >= HAL_FLASH_BLOCK_SIZE) {
        w->base = at;
        w->scan_end = at + HAL_FLASH_BLOCK_SIZE;
        w->scanned = 0;
    }
    blank = flash_blank(s, at, HAL_FLASH_SECTOR_SIZE, &ok); /* a failed read counts as dirty */
    w->addr = at + HAL_FLASH_SECTOR_SIZE;
    if (at >= w->scan_end) {
        if (!blank)
            sweep_erase(s, w, HAL_ERASE_SECTOR, at);
        return;
    }
    if (!blank)
        w->scanned = (uint16_t)(w->scanned | 1u << (at - w->base) / HAL_FLASH_SECTOR_SIZE);
    if (w->addr < w->scan_end)
        return;
    if (bits_set(w->scanned) >= STUB_BLOCK_ERASE_MIN_SECTORS)
        sweep_erase(s, w, HAL_ERASE_BLOCK, w->base);
    else
        w->dirty = w->scanned;
}

/* One small step: wait for our erase, read back one erased sector, start one sector erase of a
 * block's dirty list, or blank-check one sector. */
static enum stub_sweep_result sweep_step(struct stub *s, struct stub_sweep *w)
{
    bool ok = true;

    if (w->erasing) {
        if (hal_flash_busy(s->hal))
            return STUB_SWEEP_WAIT;
        w->erasing = false;
    }
    if (w->check < w->check_end) {
        if (!flash_blank(s, w->check, HAL_FLASH_SECTOR_SIZE, &ok))
            sweep_fail(w, w->check);
        w->check += HAL_FLASH_SECTOR_SIZE;
    } else if (w->dirty != 0) {
        uint32_t i = 0;

        while (!(w->dirty & (1u << i)))
            i++;
        w->dirty = (uint16_t)(w->dirty & ~(1u << i));
        sweep_erase(s, w, HAL_ERASE_SECTOR, w->base + i * HAL_FLASH_SECTOR_SIZE);
    } else if (w->addr < w->end) {
        sweep_check(s, w);
    } else {
        return STUB_SWEEP_DONE;
    }
    return STUB_SWEEP_WORKED;
}

/* ---- ERASE_FLASH / ERASE_REGION ---- */

static void erase_setup(struct stub *s, uint8_t op, uint32_t start, uint32_t end)
{
    s->erase.op = op;
    s->erase.chip = false;
    s->erase.sweep.failed = false;
    sweep_start(&s->erase.sweep, start, end, false);
    s->job = STUB_JOB_ERASE;
}

void stub_flash_erase_all(struct stub *s, const struct stub_cmd *c, struct stub_reply *r)
{
    if (s->flash_size == 0) {
        /* size unknown (no SPI_SET_PARAMS): the chip erase command reaches everything */
        if (hal_flash_erase_start(s->hal, HAL_ERASE_CHIP, 0) != 0) {
            r->err = STUB_ERR_ERASE_FAILED;
            return;
        }
        erase_setup(s, c->op, 0, 0);
        s->erase.chip = true;
    } else {
        erase_setup(s, c->op, 0, s->flash_size);
    }
    r->silent = true;
}

/* The region of ERASE_REGION / ERASE_BG; false with the reply's error when it is not one. */
static bool erase_region_get(const struct stub_cmd *c, struct stub_reply *r, struct stub_region *g)
{
    uint32_t offset = stub_get_u32(c->data);
    uint32_t size = stub_get_u32(c->data + 4);

    g->start = offset;
    g->end = offset + size;
    if ((offset & STUB_SECTOR_MASK) != 0)
        r->err = STUB_ERR_ERASE_OFFSET_ALIGN;
    else if ((size & STUB_SECTOR_MASK) != 0)
        r->err = STUB_ERR_ERASE_SIZE_ALIGN;
    else if (g->end < offset)
        r->err = STUB_ERR_BAD_DATA_LEN; /* beyond 4 GiB */
    return r->err == STUB_OK;
}

void stub_flash_erase_region(struct stub *s, const struct stub_cmd *c, struct stub_reply *r)
{
    struct stub_region g;

    if (erase_region_get(c, r, &g)) {
        erase_setup(s, c->op, g.start, g.end);
        r->silent = true;
    }
}

static enum stub_poll_result job_erase(struct stub *s)
{
    struct stub_erase *e = &s->erase;
    enum stub_sweep_result res = STUB_SWEEP_DONE;

    if (e->chip) {
        if (hal_flash_busy(s->hal))
            return STUB_POLL_FLASH_WAIT;
    } else {
        res = sweep_step(s, &e->sweep);
        if (res == STUB_SWEEP_WAIT)
            return STUB_POLL_FLASH_WAIT;
    }
    if (res == STUB_SWEEP_DONE || e->sweep.failed) {
        stub_send_status(s, e->op, e->sweep.failed ? STUB_ERR_ERASE_FAILED : STUB_OK,
                         STUB_DETAIL_NONE);
        s->job = STUB_JOB_NONE;
    }
    return STUB_POLL_BUSY;
}

/* ---- ERASE_BG / ERASE_BG_WAIT (ours) ---- */

void stub_flash_erase_bg(struct stub *s, const struct stub_cmd *c, struct stub_reply *r)
{
    struct stub_bg *q = &s->bg;
    struct stub_region g;

    if (!erase_region_get(c, r, &g))
        return;
    if (g.end == g.start)
        r->err = STUB_ERR_BAD_DATA_LEN;
    else if (q->count >= STUB_ERASE_BG_MAX)
        r->err = STUB_ERR_ERASE_BG_FULL;
    else
        q->queue[q->count++] = g;
}

void stub_flash_erase_bg_wait(struct stub *s, const struct stub_cmd *c, struct stub_reply *r)
{
    struct stub_sweep *w = &s->bg.sweep;

    (void)c;
    if (w->failed) {
        r->err = STUB_ERR_ERASE_FAILED;
        r->value = w->fail_addr;
        w->failed = false;
    }
}

bool stub_flash_bg_pending(const struct stub *s)
{
    return s->bg.count > 0;
}

enum stub_poll_result stub_flash_bg_step(struct stub *s)
{
    struct stub_bg *q = &s->bg;
    enum stub_sweep_result res;

    if (q->count == 0)
        return STUB_POLL_IDLE;
    if (!q->active) {
        sweep_start(&q->sweep, q->queue[0].start, q->queue[0].end, true);
        q->active = true;
    }
    res = sweep_step(s, &q->sweep);
    if (res == STUB_SWEEP_WAIT)
        return STUB_POLL_FLASH_WAIT;
    if (res == STUB_SWEEP_DONE) {
        q->count--;
        for (uint32_t i = 0; i < q->count; i++)
            q->queue[i] = q->queue[i + 1u];
        q->active = false;
    }
    return STUB_POLL_BUSY;
}

static enum stub_poll_result job_drain(struct stub *s)
{
    enum stub_poll_result res = stub_flash_bg_step(s);

    if (res == STUB_POLL_IDLE) {
        s->job = STUB_JOB_NONE; /* the waiting command runs next */
        res = STUB_POLL_BUSY;
    }
    return res;
}

/* ---- READ_FLASH ---- */

void stub_flash_read(struct stub *s, const struct stub_cmd *c, struct stub_reply *r)
{
    struct stub_read *rd = &s->read;

    rd->addr = stub_get_u32(c->data);
    rd->len = stub_get_u32(c->data + 4);
    rd->packet = stub_get_u32(c->data + 8);
    rd->max_unacked = stub_get_u32(c->data + 12);
    if (rd->packet == 0 || rd->packet > STUB_READ_PACKET_MAX) {
        r->err = STUB_ERR_BAD_BLOCKSIZE;
        return;
    }
    if (rd->max_unacked == 0)
        rd->max_unacked = 1;
    rd->sent = 0;
    rd->acked = 0;
    hal_md5_init(s->hal, &rd->md5);
    stub_send_reply(s, c->op, r); /* the reply first, then the data (§8.6) */
    r->silent = true;
    s->job = STUB_JOB_READ;
}

static enum stub_poll_result job_read(struct stub *s)
{
    struct stub_read *rd = &s->read;
    const uint8_t *f;
    uint32_t len = 0;
    bool overflow = false;
    uint32_t in_flight;
    uint32_t n;

    f = stub_rx_peek(s, &len, &overflow);
    if (f != NULL) {
        if (len == STUB_READ_ACK_SIZE && !overflow)
            rd->acked = stub_get_u32(f); /* anything else is not an ack: dropped */
        stub_rx_release(s);
        return STUB_POLL_BUSY;
    }
    if (rd->sent == rd->len && rd->acked >= rd->len) {
        uint8_t digest[STUB_MD5_SIZE];

        hal_md5_final(s->hal, &rd->md5, digest);
        stub_tx_begin(s);
        stub_tx_bytes(s, digest, STUB_MD5_SIZE);
        stub_tx_end(s);
        s->job = STUB_JOB_NONE;
        return STUB_POLL_BUSY;
    }
    in_flight = rd->acked >= rd->sent ? 0 : (rd->sent - rd->acked + rd->packet - 1u) / rd->packet;
    if (rd->sent == rd->len || in_flight >= rd->max_unacked)
        return STUB_POLL_IDLE; /* waiting for an ack */
    n = min_u32(rd->packet, rd->len - rd->sent);
    if (hal_flash_read(s->hal, rd->addr + rd->sent, s->stage, n) != 0) {
        s->job = STUB_JOB_NONE; /* the host times out: there is no way to say it mid-stream */
        return STUB_POLL_BUSY;
    }
    hal_md5_update(s->hal, &rd->md5, s->stage, n);
    hal_cost(s->hal, HAL_COST_MD5, n);
    stub_tx_begin(s);
    stub_tx_bytes(s, s->stage, n);
    stub_tx_end(s);
    rd->sent += n;
    return STUB_POLL_BUSY;
}

enum stub_poll_result stub_flash_job_step(struct stub *s)
{
    enum stub_poll_result res = STUB_POLL_IDLE;

    switch (s->job) {
    case STUB_JOB_NONE: break;
    case STUB_JOB_WRITE: res = job_write(s); break;
    case STUB_JOB_FLUSH: res = job_flush(s); break;
    case STUB_JOB_ERASE: res = job_erase(s); break;
    case STUB_JOB_READ: res = job_read(s); break;
    case STUB_JOB_DRAIN: res = job_drain(s); break;
    }
    return res;
}
