/* SPDX-License-Identifier: MIT */
/* Shared by the flasher's job code (flasher.c) and its loader primitives (flasher_rom.c):
 * the progress meter and the primitives' signatures. Not for use outside src/core. */
#ifndef MF_FLASHER_IMPL_H
#define MF_FLASHER_IMPL_H

#include "flasher.h"

#define FLASHER_LABEL_MAX 128u
#define FLASHER_PERMILLE  1000u

/* One stage's progress, mapped onto its share of the whole job's bar. */
struct flasher_meter {
    struct conn *c;
    enum mf_stage stage;
    char label[FLASHER_LABEL_MAX];
    uint64_t total;
    uint64_t start_ms;
    uint32_t base; /* the job's permille when the stage starts */
    uint32_t span; /* the permille the stage covers */
};

void flasher_meter_start(struct flasher_meter *m, struct conn *c, enum mf_stage stage,
                         uint64_t total, uint32_t base, uint32_t span, const char *fmt, ...)
#if defined(__MINGW32__)
        __attribute__((format(gnu_printf, 7, 8)))
#elif defined(__GNUC__)
        __attribute__((format(printf, 7, 8)))
#endif
        ;
void flasher_meter_update(const struct flasher_meter *m, uint64_t done);

/* MF_ERR_CANCELLED with the sentence for `what` when the job's cancel flag is set; a job that
 * `changes_flash` also says the flash is now incomplete. */
int flasher_check_cancel(struct conn *c, const char *what, bool changes_flash, struct mf_error *e);

/* ---- ROM loader primitives (flasher_rom.c) ---- */

/* FLASH_BEGIN (erase) and FLASH_DATA blocks of 1 KiB, each tried FLASHER_BLOCK_ATTEMPTS times. */
int flasher_rom_write(struct conn *c, uint32_t offset, const uint8_t *data, size_t size,
                      struct flasher_meter *m, struct mf_error *e);

/* Erases exactly the sectors of [offset, offset + size) (both 4 KiB aligned), through FLASH_BEGIN
 * where the ROM's erase lands exactly and SPI sector erases where it would not. */
int flasher_rom_erase(struct conn *c, uint32_t offset, uint32_t size, struct flasher_meter *m,
                      struct mf_error *e);

/* Reads through SPI READ commands, 64 bytes per command (slow: ~20 register round trips). */
int flasher_rom_read(struct conn *c, uint32_t offset, uint32_t size, uint8_t *out,
                     struct flasher_meter *m, struct mf_error *e);

/* ---- Flasher stub primitives (flasher_stub.c) ---- */

/* FLASH_DEFL_BEGIN, the zlib stream in 16 KiB blocks, FLASH_DEFL_END. */
int flasher_stub_write(struct conn *c, uint32_t offset, const uint8_t *data, size_t size,
                       struct flasher_meter *m, struct mf_error *e);
/* SPI_FLASH_MD5 of a region. */
int flasher_stub_md5(struct conn *c, uint32_t offset, uint32_t size, uint8_t digest[16],
                     struct mf_error *e);
/* The flash's MD5 against the data's: MF_ERR_VERIFY naming both when they differ. */
int flasher_stub_check(struct conn *c, uint32_t offset, const uint8_t *data, size_t size,
                       const char *name, struct mf_error *e);
/* *same = the flash already holds exactly data at offset (SPI_FLASH_MD5 of one sector, then of
 * the whole when that matched). */
int flasher_stub_same(struct conn *c, uint32_t offset, const uint8_t *data, size_t size, bool *same,
                      struct mf_error *e);
/* ERASE_BG: queue a region the stub erases while it waits for data (ours, stub/README.md). */
int flasher_stub_erase_bg(struct conn *c, uint32_t offset, uint32_t size, struct mf_error *e);
/* ERASE_BG_WAIT: returns once the queue is done; MF_ERR_DEVICE naming the first sector that did
 * not end blank. `size` = the bytes queued (for the timeout). */
int flasher_stub_erase_bg_wait(struct conn *c, uint32_t size, struct mf_error *e);
/* ERASE_FLASH (whole) or ERASE_REGION. */
int flasher_stub_erase(struct conn *c, uint32_t offset, uint32_t size, bool whole,
                       struct mf_error *e);
/* READ_FLASH with acknowledgements and the closing MD5. */
int flasher_stub_read(struct conn *c, uint32_t offset, uint32_t size, uint8_t *out,
                      struct flasher_meter *m, struct mf_error *e);
/* Leaves the stub: run the firmware (RUN_USER_CODE) or back to the ROM loader. */
int flasher_stub_leave(struct conn *c, bool run, struct mf_error *e);

#endif
