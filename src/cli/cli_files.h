/* SPDX-License-Identifier: MIT */
/* Whole files in and out of memory for mflash, with failures as sentences (MF_ERR_IMAGE: exit
 * code 3, "file refused, unreadable or unwritable"). */
#ifndef MF_CLI_FILES_H
#define MF_CLI_FILES_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

/* Reads all of `name` into a new buffer (free() it); more than `max` bytes is refused. */
int cli_file_read(const char *name, size_t max, uint8_t **data, size_t *size, struct mf_error *e);

/* Creates or replaces `name` with size bytes. */
int cli_file_write(const char *name, const uint8_t *data, size_t size, struct mf_error *e);

#endif
