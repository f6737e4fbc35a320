/* SPDX-License-Identifier: MIT */
/* The flashing jobs: file checks before the board is touched, erase-all + write (+ verify) as
 * one job with one progress bar, erase, read, verify and leaving the loader. */
#include "flasher_impl.h"

#include "md5.h"
#include "spell.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rough speeds used only to split the job's progress bar between its stages. */
#define FLASHER_EST_CHIP_ERASE_MS_PER_MB 2500u /* 10 s for 4 MB (PERFORMANCE.md) */
#define FLASHER_EST_ROM_WRITE_BPS        10000u
#define FLASHER_EST_ROM_READ_BPS         700u
#define FLASHER_EST_STUB_BAUD_PER_BPS    7u /* image bytes/s ≈ baud / 7 (8N1, zlib ~0.66) */
#define FLASHER_EST_STUB_MD5_BPS         2000000u
#define FLASHER_EST_BG_ERASE_MS          500u /* what is left of the erase when the data is in */
#define FLASHER_ERASE_BG_MAX             8u   /* regions the stub's background queue holds */

/* ---- Progress ---- */

void flasher_meter_start(struct flasher_meter *m, struct conn *c, enum mf_stage stage,
                         uint64_t total, uint32_t base, uint32_t span, const char *fmt, ...)
{
    va_list ap;
    m->c = c;
    m->stage = stage;
    m->total = total;
    m->start_ms = port_clock_ms();
    m->base = base;
    m->span = span;
    va_start(ap, fmt);
    vsnprintf(m->label, sizeof m->label, fmt, ap);
    va_end(ap);
    flasher_meter_update(m, 0);
}

void flasher_meter_update(const struct flasher_meter *m, uint64_t done)
{
    if (m == NULL) {
        return;
    }
    uint64_t elapsed = port_clock_ms() - m->start_ms;
    struct mf_progress p = {m->stage, m->label, done, m->total, 0, UINT32_MAX, m->base};
    if (done > m->total) {
        done = m->total;
    }
    if (elapsed > 0 && done > 0) {
        uint64_t rate = done * 1000u / elapsed;
        p.rate = rate > UINT32_MAX ? UINT32_MAX : (uint32_t)rate;
        uint64_t left = rate > 0 ? (m->total - done) * 1000u / rate : UINT32_MAX;
        p.eta_ms = left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
    }
    if (m->total > 0) {
        p.overall = m->base + (uint32_t)((uint64_t)m->span * done / m->total);
    }
    conn_progress(m->c, &p);
}

int flasher_check_cancel(struct conn *c, const char *what, bool changes_flash, struct mf_error *e)
{
    if (!conn_cancelled(c)) {
        return MF_OK;
    }
    return mf_err_set(e, MF_ERR_CANCELLED, "%s was cancelled.%s", what,
                      changes_flash ? " The flash is now incomplete: the board will not start "
                                      "until it is flashed again."
                                    : "");
}

/* ---- Options ---- */

static const struct {
    enum flasher_after value;
    const char *name;
} FLASHER_AFTER_NAMES[] = {
        {FLASHER_AFTER_HARD_RESET, "hard_reset"},
        {FLASHER_AFTER_SOFT_RESET, "soft_reset"},
        {FLASHER_AFTER_NO_RESET, "no_reset"},
        {FLASHER_AFTER_NO_RESET_STUB, "no_reset_stub"},
};

void flasher_write_options_default(struct flasher_write_options *o)
{
    memset(o, 0, sizeof *o);
    o->params.mode = IMAGE_KEEP;
    o->params.freq = IMAGE_KEEP;
    o->params.size = IMAGE_KEEP;
}

int flasher_parse_after(const char *text, enum flasher_after *out, struct mf_error *e)
{
    for (size_t i = 0; i < sizeof FLASHER_AFTER_NAMES / sizeof FLASHER_AFTER_NAMES[0]; i++) {
        if (spell_equal(text, FLASHER_AFTER_NAMES[i].name)) {
            *out = FLASHER_AFTER_NAMES[i].value;
            return MF_OK;
        }
    }
    return mf_err_set(e, MF_ERR_ARG,
                      "Unknown --after value \"%s\": use hard_reset, soft_reset, no_reset or "
                      "no_reset_stub.",
                      text);
}

const char *flasher_after_name(enum flasher_after after)
{
    for (size_t i = 0; i < sizeof FLASHER_AFTER_NAMES / sizeof FLASHER_AFTER_NAMES[0]; i++) {
        if (FLASHER_AFTER_NAMES[i].value == after) {
            return FLASHER_AFTER_NAMES[i].name;
        }
    }
    return "unknown";
}

static bool flasher_on_stub(const struct conn *c)
{
    return conn_board(c)->loader == PROTO_LOADER_STUB;
}

/* ---- Checks ---- */

int flasher_check_files(const struct flasher_file *files, size_t n, uint32_t flash_size, bool force,
                        struct image_info *infos, struct mf_error *e)
{
    struct image_entry *list = calloc(n > 0 ? n : 1, sizeof *list);
    int rc = MF_OK;
    if (list == NULL) {
        return mf_err_set(e, MF_ERR_NO_MEMORY, "Out of memory while checking the files.");
    }
    for (size_t i = 0; i < n && rc == MF_OK; i++) {
        struct image_info local;
        struct image_info *info = infos != NULL ? &infos[i] : &local;
        rc = image_inspect(files[i].data, files[i].size, info, e);
        if (rc != MF_OK && force) {
            memset(info, 0, sizeof *info);
            info->format = IMAGE_FORMAT_RAW;
            info->size = files[i].size;
            snprintf(info->notes, sizeof info->notes, "Taken as raw data: %s",
                     e != NULL ? e->message : "it is not a valid image.");
            mf_err_clear(e);
            rc = MF_OK;
        }
        if (rc != MF_OK) {
            mf_err_prepend(e, "%s: ", files[i].name);
        } else {
            rc = image_check_placement(info, files[i].name, files[i].offset, flash_size, force, e);
        }
        list[i] = (struct image_entry){files[i].name, files[i].offset, files[i].size};
    }
    if (rc == MF_OK) {
        rc = image_check_list(list, n, flash_size, e);
    }
    free(list);
    return rc;
}

/* ---- Write ---- */

/* A file as it will be written: a copy with the header patched (0x0), in offset order. */
struct flasher_piece {
    const struct flasher_file *file;
    uint8_t *data; /* owned */
    size_t size;
    bool in_flash; /* the flash holds it already (checked by MD5): nothing to write */
};

static int flasher_by_offset(const void *a, const void *b)
{
    const struct flasher_piece *x = a, *y = b;
    return x->file->offset < y->file->offset ? -1 : x->file->offset > y->file->offset;
}

static void flasher_pieces_free(struct flasher_piece *p, size_t n)
{
    for (size_t i = 0; p != NULL && i < n; i++) {
        free(p[i].data);
    }
    free(p);
}

/* Copies, patches the header at 0x0 and sorts: every later step works on the pieces. With `pad`
 * each piece grows with 0xFF to its last sector's end (erase-all: that tail must end blank, and
 * the MD5 then covers it). */
static int flasher_prepare(struct conn *c, const struct flasher_file *files, size_t n,
                           const struct image_flash_params *params, bool pad,
                           struct flasher_piece **out, char *patch_message, size_t patch_max,
                           struct mf_error *e)
{
    const struct conn_board *b = conn_board(c);
    const struct image_board board = {b->chip.esp8285, b->flash_size};
    struct flasher_piece *p = calloc(n > 0 ? n : 1, sizeof *p);
    int rc = p != NULL ? MF_OK : mf_err_set(e, MF_ERR_NO_MEMORY, "Out of memory.");
    for (size_t i = 0; i < n && rc == MF_OK; i++) {
        struct image_info info;
        struct image_patch patch;
        p[i].file = &files[i];
        p[i].size = pad ? (size_t)chip_num_blocks((uint32_t)files[i].size, CHIP_SECTOR_SIZE) *
                                    CHIP_SECTOR_SIZE
                        : files[i].size;
        p[i].data = malloc(p[i].size > 0 ? p[i].size : 1);
        if (p[i].data == NULL) {
            rc = mf_err_set(e, MF_ERR_NO_MEMORY, "Out of memory for %s.", files[i].name);
            break;
        }
        memcpy(p[i].data, files[i].data, files[i].size);
        memset(p[i].data + files[i].size, 0xFF, p[i].size - files[i].size);
        /* Files were checked already; one that is not an image (forced) is written as is. */
        if (params != NULL && image_inspect(p[i].data, files[i].size, &info, NULL) == MF_OK) {
            rc = image_patch_header(p[i].data, files[i].size, files[i].offset, &info, params,
                                    &board, &patch, e);
            if (rc == MF_OK && patch.message[0] != '\0') {
                conn_log(c, MF_LOG_INFO, "%s", patch.message);
                if (patch_message != NULL && patch.applied) {
                    snprintf(patch_message, patch_max, "%s", patch.message);
                }
            }
            if (rc == MF_OK && patch.size_mismatch) {
                conn_log(c, MF_LOG_WARN,
                         "%s names more flash than the board has: it may not start.",
                         files[i].name);
            }
        }
    }
    if (rc == MF_OK) {
        qsort(p, n, sizeof *p, flasher_by_offset);
        *out = p;
    } else {
        flasher_pieces_free(p, n);
    }
    return rc;
}

/* The ROM's FLASH_BEGIN erases whole sectors and, for some lengths, one more (§6.3). When that
 * sector belongs to no later piece and erase-all did not blank it, its contents are read first
 * and written back as part of the piece, so nothing outside the request changes. Returns the
 * extra bytes appended (0 or one sector), or a negative error. */
static int flasher_rom_keep_next(struct conn *c, struct flasher_piece *p, size_t i, size_t n,
                                 bool erased_all, struct mf_error *e)
{
    uint32_t offset = p[i].file->offset;
    uint32_t sectors = chip_num_blocks((uint32_t)p[i].size, CHIP_SECTOR_SIZE);
    uint32_t erased =
            chip_rom_erased_sectors(offset, chip_rom_erase_size(offset, (uint32_t)p[i].size));
    uint32_t next = offset + sectors * CHIP_SECTOR_SIZE;
    uint32_t flash = conn_board(c)->flash_size;
    if (flasher_on_stub(c) || erased <= sectors || erased_all || (flash != 0 && next >= flash) ||
        (i + 1 < n && p[i + 1].file->offset < next + CHIP_SECTOR_SIZE)) {
        return MF_OK;
    }
    size_t padded = (size_t)sectors * CHIP_SECTOR_SIZE;
    uint8_t *grown = realloc(p[i].data, padded + CHIP_SECTOR_SIZE);
    if (grown == NULL) {
        return mf_err_set(e, MF_ERR_NO_MEMORY, "Out of memory.");
    }
    memset(grown + p[i].size, 0xFF, padded - p[i].size);
    p[i].data = grown;
    p[i].size = padded + CHIP_SECTOR_SIZE;
    conn_log(c, MF_LOG_DEBUG,
             "The boot ROM would also erase the sector at 0x%08X: keeping its contents.",
             (unsigned)next);
    return flasher_rom_read(c, next, CHIP_SECTOR_SIZE, grown + padded, NULL, e);
}

/* Compares a piece with the flash: by MD5 on the stub, by reading it back from the ROM. */
static int flasher_compare(struct conn *c, uint32_t offset, const uint8_t *want, size_t size,
                           const char *name, struct flasher_meter *m, struct mf_error *e)
{
    if (flasher_on_stub(c)) {
        int src = flasher_stub_check(c, offset, want, size, name, e);
        if (src == MF_OK) {
            flasher_meter_update(m, size);
        }
        return src;
    }
    uint8_t *got = malloc(size > 0 ? size : 1);
    int rc = got != NULL ? MF_OK : mf_err_set(e, MF_ERR_NO_MEMORY, "Out of memory.");
    if (rc == MF_OK) {
        rc = flasher_rom_read(c, offset, (uint32_t)size, got, m, e);
    }
    for (size_t i = 0; i < size && rc == MF_OK; i++) {
        if (got[i] != want[i]) {
            bool blank = true;
            for (size_t k = 0; k < size && blank; k++) {
                blank = got[k] == 0xFF;
            }
            rc = mf_err_set(e, MF_ERR_VERIFY,
                            "%s differs from the flash at 0x%08X (flash 0x%02X, file 0x%02X)%s. "
                            "Flash it again; if this repeats, the flash chip may be worn or "
                            "write-protected.",
                            name, (unsigned)(offset + i), got[i], want[i],
                            blank ? ": the region is empty, the write did not happen" : "");
        }
    }
    free(got);
    return rc;
}

static uint32_t flasher_share(uint64_t part_ms, uint64_t total_ms)
{
    return total_ms > 0 ? (uint32_t)(part_ms * FLASHER_PERMILLE / total_ms) : 0;
}

/* Erasing everything needs the flash's size. */
static int flasher_need_size(const struct conn *c, struct mf_error *e)
{
    if (conn_board(c)->flash_size != 0) {
        return MF_OK;
    }
    return mf_err_set(e, MF_ERR_FLASH_NOT_FOUND,
                      "The flash chip did not report its size, so the whole flash cannot be "
                      "erased. Check the board's power supply and retry; erase_region can still "
                      "erase a given range.");
}

/* Erases the whole flash as one stage of a job's bar. */
static int flasher_erase_all(struct conn *c, uint32_t base, uint32_t span, struct mf_error *e)
{
    struct flasher_meter m;
    uint32_t size = conn_board(c)->flash_size;
    int rc = flasher_need_size(c, e);
    if (rc != MF_OK) {
        return rc;
    }
    conn_log(c, MF_LOG_INFO, "Erasing flash (this may take a while)...");
    flasher_meter_start(&m, c, MF_STAGE_ERASE, size, base, span, "Erasing the whole flash");
    rc = flasher_on_stub(c) ? flasher_stub_erase(c, 0, size, true, e)
                            : flasher_rom_erase(c, 0, size, &m, e);
    if (rc == MF_OK) {
        conn_log(c, MF_LOG_INFO, "Chip erase completed successfully in %.1fs",
                 (double)(port_clock_ms() - m.start_ms) / 1000.0);
    }
    return rc;
}

/* Erase-all on the stub: the sectors outside the pieces go to the stub's background queue, erased
 * (when not blank) while it waits for the data, and checked blank afterwards. Regions beyond the
 * queue's room, or for a stub without the queue, are erased now. *queued = bytes queued. */
static int flasher_erase_outside(struct conn *c, const struct flasher_piece *p, size_t n,
                                 uint32_t *queued, struct mf_error *e)
{
    uint32_t flash = conn_board(c)->flash_size;
    uint32_t at = 0;
    unsigned regions = 0;
    bool background = true;
    int rc = MF_OK;
    *queued = 0;
    for (size_t i = 0; i <= n && rc == MF_OK; i++) {
        uint32_t end = i < n ? p[i].file->offset : flash;
        if (end > at && background && regions < FLASHER_ERASE_BG_MAX) {
            rc = flasher_stub_erase_bg(c, at, end - at, e);
            if (rc == MF_OK) {
                regions++;
                *queued += end - at;
            } else if (rc == MF_ERR_UNSUPPORTED) {
                background = false;
                mf_err_clear(e);
                rc = flasher_stub_erase(c, at, end - at, false, e);
            }
        } else if (end > at) {
            rc = flasher_stub_erase(c, at, end - at, false, e);
        }
        at = i < n ? p[i].file->offset + (uint32_t)p[i].size : flash;
    }
    return rc;
}

int flasher_write(struct conn *c, const struct flasher_file *files, size_t n,
                  const struct flasher_write_options *o, struct flasher_write_result *res,
                  struct mf_error *e)
{
    const struct conn_board *b = conn_board(c);
    bool stub = flasher_on_stub(c);
    struct flasher_piece *p = NULL;
    struct flasher_meter m;
    uint64_t start = port_clock_ms(), bytes = 0;
    uint32_t base = 0, queued = 0;
    int rc;

    memset(res, 0, sizeof *res);
    rc = flasher_check_files(files, n, b->flash_size, o->force, NULL, e);
    if (rc == MF_OK && o->erase_all) {
        rc = flasher_need_size(c, e);
    }
    if (rc == MF_OK) {
        rc = flasher_prepare(c, files, n, &o->params, stub && o->erase_all, &p, res->patch_message,
                             sizeof res->patch_message, e);
    }
    /* A piece the flash holds already costs one MD5 instead of a transfer. */
    for (size_t i = 0; i < n && rc == MF_OK; i++) {
        if (stub && !o->send_all) {
            rc = flasher_stub_same(c, p[i].file->offset, p[i].data, p[i].size, &p[i].in_flash, e);
        }
        bytes += p[i].in_flash ? 0 : p[i].size;
    }
    /* The job's bar is split by how long each stage is expected to take. */
    uint64_t write_bps = stub ? b->baud / FLASHER_EST_STUB_BAUD_PER_BPS : FLASHER_EST_ROM_WRITE_BPS;
    uint64_t erase_ms =
            !o->erase_all ? 0
            : stub        ? FLASHER_EST_BG_ERASE_MS
                          : (uint64_t)b->flash_size / (1u << 20) * FLASHER_EST_CHIP_ERASE_MS_PER_MB;
    uint64_t write_ms = bytes * 1000u / (write_bps > 0 ? write_bps : 1);
    uint64_t verify_ms = stub        ? bytes * 1000u / FLASHER_EST_STUB_MD5_BPS
                         : o->verify ? bytes * 1000u / FLASHER_EST_ROM_READ_BPS
                                     : 0;
    uint64_t all_ms = erase_ms + write_ms + verify_ms;

    if (rc == MF_OK && o->erase_all && stub) {
        rc = flasher_erase_outside(c, p, n, &queued, e);
    } else if (rc == MF_OK && o->erase_all) {
        rc = flasher_erase_all(c, base, flasher_share(erase_ms, all_ms), e);
        base += flasher_share(erase_ms, all_ms);
    }
    for (size_t i = 0; i < n && rc == MF_OK; i++) {
        const struct flasher_file *f = p[i].file;
        if (p[i].in_flash) {
            conn_log(c, MF_LOG_INFO, "%s at 0x%08X is in the flash already: not written again.",
                     f->name, (unsigned)f->offset);
            continue;
        }
        rc = flasher_rom_keep_next(c, p, i, n, o->erase_all, e);
        if (rc != MF_OK) {
            break;
        }
        size_t size = p[i].size;
        uint32_t span = flasher_share(write_ms * size / (bytes > 0 ? bytes : 1), all_ms);
        flasher_meter_start(&m, c, MF_STAGE_WRITE, size, base, span, "Writing %s at 0x%08X",
                            f->name, (unsigned)f->offset);
        rc = stub ? flasher_stub_write(c, f->offset, p[i].data, size, &m, e)
                  : flasher_rom_write(c, f->offset, p[i].data, size, &m, e);
        if (rc == MF_OK) {
            double sec = (double)(port_clock_ms() - m.start_ms) / 1000.0;
            conn_log(c, MF_LOG_INFO, "Wrote %zu bytes at 0x%08X in %.1f seconds (%.1f kbit/s)...",
                     size, (unsigned)f->offset, sec,
                     sec > 0 ? (double)size * 8.0 / sec / 1000.0 : 0.0);
            res->bytes += size;
        }
        base += span;
    }
    if (rc == MF_OK && queued > 0) {
        flasher_meter_start(&m, c, MF_STAGE_ERASE, queued, base, flasher_share(erase_ms, all_ms),
                            "Erasing the rest of the flash");
        rc = flasher_stub_erase_bg_wait(c, queued, e);
        flasher_meter_update(&m, rc == MF_OK ? queued : 0);
        base += flasher_share(erase_ms, all_ms);
    }
    /* The stub's MD5 costs a fraction of a second: every write is verified then. */
    bool verify = o->verify || stub;
    for (size_t i = 0; i < n && rc == MF_OK && verify; i++) {
        if (p[i].in_flash) {
            continue; /* its MD5 matched a moment ago */
        }
        uint32_t span = flasher_share(verify_ms * p[i].size / (bytes > 0 ? bytes : 1), all_ms);
        flasher_meter_start(&m, c, MF_STAGE_VERIFY, p[i].size, base, span, "Verifying %s",
                            p[i].file->name);
        rc = flasher_compare(c, p[i].file->offset, p[i].data, p[i].size, p[i].file->name, &m, e);
        base += span;
    }
    res->verified = rc == MF_OK && verify;
    res->elapsed_ms = (uint32_t)(port_clock_ms() - start);
    flasher_pieces_free(p, n);
    return rc;
}

/* ---- Erase, read, verify ---- */

int flasher_erase_flash(struct conn *c, struct mf_error *e)
{
    return flasher_erase_all(c, 0, FLASHER_PERMILLE, e);
}

static int flasher_check_range(struct conn *c, uint32_t offset, uint32_t size, bool aligned,
                               const char *what, struct mf_error *e)
{
    uint32_t flash = conn_board(c)->flash_size;
    if (aligned && (offset % CHIP_SECTOR_SIZE != 0 || size % CHIP_SECTOR_SIZE != 0)) {
        return mf_err_set(e, MF_ERR_ARG,
                          "%s needs an offset and a size that are multiples of 4 KiB (0x1000); "
                          "got 0x%X and 0x%X.",
                          what, (unsigned)offset, (unsigned)size);
    }
    if (flash != 0 && ((uint64_t)offset + size > flash)) {
        return mf_err_set(e, MF_ERR_ARG,
                          "%s of 0x%X bytes at 0x%X runs past the end of the %u KiB flash.", what,
                          (unsigned)size, (unsigned)offset, (unsigned)(flash / 1024u));
    }
    return MF_OK;
}

int flasher_erase_region(struct conn *c, uint32_t offset, uint32_t size, struct mf_error *e)
{
    struct flasher_meter m;
    int rc = flasher_check_range(c, offset, size, true, "Erasing a region", e);
    if (rc == MF_OK) {
        conn_log(c, MF_LOG_INFO, "Erasing region (may be slow depending on size)...");
        flasher_meter_start(&m, c, MF_STAGE_ERASE, size, 0, FLASHER_PERMILLE,
                            "Erasing 0x%X bytes at 0x%08X", (unsigned)size, (unsigned)offset);
        rc = flasher_on_stub(c) ? flasher_stub_erase(c, offset, size, false, e)
                                : flasher_rom_erase(c, offset, size, &m, e);
    }
    if (rc == MF_OK) {
        conn_log(c, MF_LOG_INFO, "Erase completed successfully in %.1f seconds.",
                 (double)(port_clock_ms() - m.start_ms) / 1000.0);
    }
    return rc;
}

int flasher_read(struct conn *c, uint32_t offset, uint32_t size, uint8_t *out, struct mf_error *e)
{
    struct flasher_meter m;
    int rc = flasher_check_range(c, offset, size, false, "Reading", e);
    if (rc == MF_OK) {
        flasher_meter_start(&m, c, MF_STAGE_READ, size, 0, FLASHER_PERMILLE,
                            "Reading 0x%X bytes at 0x%08X", (unsigned)size, (unsigned)offset);
        rc = flasher_on_stub(c) ? flasher_stub_read(c, offset, size, out, &m, e)
                                : flasher_rom_read(c, offset, size, out, &m, e);
    }
    if (rc == MF_OK) {
        double s = (double)(port_clock_ms() - m.start_ms) / 1000.0;
        conn_log(c, MF_LOG_INFO, "Read %u bytes at 0x%08X in %.1f seconds (%.1f kbit/s)...",
                 (unsigned)size, (unsigned)offset, s,
                 s > 0 ? (double)size * 8.0 / s / 1000.0 : 0.0);
    }
    return rc;
}

int flasher_verify(struct conn *c, const struct flasher_file *files, size_t n,
                   const struct image_flash_params *params, struct mf_error *e)
{
    struct flasher_piece *p = NULL;
    struct flasher_meter m;
    uint64_t bytes = 0;
    uint32_t base = 0;
    int rc = flasher_prepare(c, files, n, params, false, &p, NULL, 0, e);
    for (size_t i = 0; i < n && rc == MF_OK; i++) {
        bytes += p[i].size;
    }
    for (size_t i = 0; i < n && rc == MF_OK; i++) {
        uint8_t digest[MD5_DIGEST_SIZE];
        char hex[MD5_HEX_SIZE];
        uint32_t span = (uint32_t)(FLASHER_PERMILLE * p[i].size / (bytes > 0 ? bytes : 1));
        rc = flasher_check_range(c, p[i].file->offset, (uint32_t)p[i].size, false, "Verifying", e);
        if (rc != MF_OK) {
            break;
        }
        md5_buffer(p[i].data, p[i].size, digest);
        md5_to_hex(digest, hex);
        conn_log(c, MF_LOG_INFO,
                 "Verifying 0x%zx (%zu) bytes @ 0x%08X in flash against %s (MD5 %s)...", p[i].size,
                 p[i].size, (unsigned)p[i].file->offset, p[i].file->name, hex);
        flasher_meter_start(&m, c, MF_STAGE_VERIFY, p[i].size, base, span, "Verifying %s",
                            p[i].file->name);
        rc = flasher_compare(c, p[i].file->offset, p[i].data, p[i].size, p[i].file->name, &m, e);
        if (rc == MF_OK) {
            conn_log(c, MF_LOG_INFO, "-- verify OK (digest matched)");
        }
        base += span;
    }
    flasher_pieces_free(p, n);
    return rc;
}

/* ---- Leaving ---- */

int flasher_after(struct conn *c, enum flasher_after after, struct mf_error *e)
{
    struct conn_step steps[CONN_STEPS_MAX];
    struct proto_cmd cmd;
    bool lines = (port_caps(conn_port(c)) & PORT_CAP_LINES) != 0;
    int rc = MF_OK;

    if (after == FLASHER_AFTER_HARD_RESET && !lines) {
        conn_log(c, MF_LOG_WARN,
                 "%s cannot drive the reset line: asking the loader to start the firmware "
                 "instead.",
                 port_name(conn_port(c)));
        after = FLASHER_AFTER_SOFT_RESET;
    }
    switch (after) {
    case FLASHER_AFTER_HARD_RESET: {
        conn_log(c, MF_LOG_INFO, "Hard resetting via RTS pin...");
        size_t n = conn_hard_reset_steps(conn_options(c)->windows, steps, CONN_STEPS_MAX);
        rc = conn_run_steps(c, steps, n, e);
        break;
    }
    case FLASHER_AFTER_SOFT_RESET:
        conn_log(c, MF_LOG_INFO, "Soft resetting...");
        if (flasher_on_stub(c)) {
            rc = flasher_stub_leave(c, true, e);
            break;
        }
        /* ROM: FLASH_BEGIN(0, 0) then FLASH_END(1) = run the firmware (§4.2). */
        proto_cmd_flash_begin(&cmd, PROTO_OP_FLASH_BEGIN, 0, 0, CHIP_FLASH_BLOCK_ROM, 0, false);
        rc = conn_command(c, &cmd, 0, NULL, e);
        if (rc == MF_OK) {
            proto_cmd_flash_end(&cmd, PROTO_OP_FLASH_END, false);
            rc = conn_command(c, &cmd, 0, NULL, e);
        }
        break;
    case FLASHER_AFTER_NO_RESET:
        conn_log(c, MF_LOG_INFO, "Staying in bootloader.");
        rc = flasher_on_stub(c) ? flasher_stub_leave(c, false, e) : MF_OK;
        break;
    case FLASHER_AFTER_NO_RESET_STUB:
        conn_log(c, MF_LOG_INFO, "Staying in %s.", proto_loader_name(conn_board(c)->loader));
        break;
    }
    return rc;
}
