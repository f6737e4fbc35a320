/* SPDX-License-Identifier: MIT */
/* Compression for the stub's FLASH_DEFL_* commands (esp8266-protocol.md §6.4): a whole file as
 * one zlib stream at level 9. The only module of the engine that uses zlib. */
#ifndef MF_DEFLATE_H
#define MF_DEFLATE_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

/* Compresses in[0..len) into a new buffer (*out, free() it). MF_ERR_NO_MEMORY or MF_ERR_IO
 * (zlib failed) with a sentence. */
int deflate_buffer(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len,
                   struct mf_error *e);

#endif
