/* SPDX-License-Identifier: MIT */
/* MD5 (RFC 1321), written from the RFC's description: checks MicroPython's image trailer before
 * flashing and compares the stub's SPI_FLASH_MD5 answer with the written data after. */
#ifndef MF_MD5_H
#define MF_MD5_H

#include <stddef.h>
#include <stdint.h>

#define MD5_DIGEST_SIZE 16u
#define MD5_BLOCK_SIZE  64u
#define MD5_HEX_SIZE    33u /* 32 hex digits and a NUL */

struct md5_ctx {
    uint32_t state[4];
    uint64_t bytes; /* message length so far */
    uint8_t block[MD5_BLOCK_SIZE];
    size_t block_len;
};

void md5_init(struct md5_ctx *ctx);
void md5_update(struct md5_ctx *ctx, const void *data, size_t len);
/* Writes the digest; the context must be re-initialised before reuse. */
void md5_final(struct md5_ctx *ctx, uint8_t digest[MD5_DIGEST_SIZE]);

/* One-shot digest of a buffer. */
void md5_buffer(const void *data, size_t len, uint8_t digest[MD5_DIGEST_SIZE]);

/* Lower-case hex, as esptool prints digests. */
void md5_to_hex(const uint8_t digest[MD5_DIGEST_SIZE], char hex[MD5_HEX_SIZE]);

#endif
