/* SPDX-License-Identifier: MIT */
/* The flashing jobs on a connected board (esp8266-protocol.md §2.2, §4.2, §6): check files,
 * erase, write, read, verify and leave the loader, with progress, cancellation and errors that
 * name the failing command. In ROM mode the boot ROM's own commands do the work. */
#ifndef MF_FLASHER_H
#define MF_FLASHER_H

#include "conn.h"
#include "err.h"
#include "image.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FLASHER_BLOCK_ATTEMPTS 3u /* tries per block (§3.3 WRITE_BLOCK_ATTEMPTS) */

/* What to do when the job is over (§4.2). */
enum flasher_after {
    FLASHER_AFTER_HARD_RESET = 0, /* RTS pulse: the board runs the new firmware */
    FLASHER_AFTER_SOFT_RESET,     /* the loader jumps to the firmware (no reset line needed) */
    FLASHER_AFTER_NO_RESET,       /* stay in the loader */
    FLASHER_AFTER_NO_RESET_STUB,  /* stay in the stub (ROM mode: as no-reset) */
};

/* One file of a write job, as read from disk (the flasher never changes it). */
struct flasher_file {
    const char *name; /* for sentences */
    uint32_t offset;
    const uint8_t *data;
    size_t size;
};

struct flasher_write_options {
    bool erase_all;                   /* erase the whole flash first */
    struct image_flash_params params; /* header patching at 0x0 (IMAGE_KEEP each by default) */
    bool verify;                      /* read back and compare even where it is slow (ROM) */
    bool force;                       /* take files that fail the image checks as raw data */
    bool send_all; /* stub: send a file even when the flash holds it already (the established
                      practice, for the benchmark's baseline) */
};

void flasher_write_options_default(struct flasher_write_options *o);

struct flasher_write_result {
    bool verified;  /* every file was read back (or hashed) and matched */
    uint64_t bytes; /* bytes written (after padding) */
    uint32_t elapsed_ms;
    char patch_message[IMAGE_NOTES_MAX]; /* "Flash parameters set to 0x0340 ...", or "" */
};

/* Checks every file before the board is touched: image_inspect on each, placement (alignment,
 * inside `flash_size`, 0 = not known yet), no overlaps. infos[] (n entries, may be NULL) get
 * what was found. MF_ERR_IMAGE with a sentence naming the file. With `force` a file that
 * image_inspect refuses is taken as raw data (its notes say why it looked wrong) and raw data
 * may go to 0x0 (--force; verify_flash, which only reads). */
int flasher_check_files(const struct flasher_file *files, size_t n, uint32_t flash_size, bool force,
                        struct image_info *infos, struct mf_error *e);

/* Writes the files (checked again against the detected flash size first), erasing the whole
 * flash first when asked, patching the header of an image at 0x0. In ROM mode the result is
 * "written, not verified" unless o->verify asked for the (slow) read-back. */
int flasher_write(struct conn *c, const struct flasher_file *files, size_t n,
                  const struct flasher_write_options *o, struct flasher_write_result *res,
                  struct mf_error *e);

/* Erases the whole flash chip. */
int flasher_erase_flash(struct conn *c, struct mf_error *e);

/* Erases [offset, offset + size): both 4 KiB aligned, exactly those sectors and no others. */
int flasher_erase_region(struct conn *c, uint32_t offset, uint32_t size, struct mf_error *e);

/* Reads [offset, offset + size) into out (size bytes). */
int flasher_read(struct conn *c, uint32_t offset, uint32_t size, uint8_t *out, struct mf_error *e);

/* Compares the flash with each file (the header at 0x0 is compared as it would be written with
 * `params`, may be NULL for as-is). MF_ERR_VERIFY names the first differing address. */
int flasher_verify(struct conn *c, const struct flasher_file *files, size_t n,
                   const struct image_flash_params *params, struct mf_error *e);

/* Leaves the loader as asked. */
int flasher_after(struct conn *c, enum flasher_after after, struct mf_error *e);

/* Parse/name the --after spellings (hard_reset / hard-reset ...); MF_ERR_ARG when unknown. */
int flasher_parse_after(const char *text, enum flasher_after *out, struct mf_error *e);
const char *flasher_after_name(enum flasher_after after);

#endif
