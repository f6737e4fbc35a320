/* SPDX-License-Identifier: MIT */
/* MD5 message digest after RFC 1321 §3: 64-byte blocks, four rounds of sixteen steps, the
 * sine-derived constant table, little-endian words, 64-bit length padding. */
#include "md5.h"

#include <string.h>

/* RFC 1321 §3.4: T[i] = floor(2^32 × |sin(i + 1)|). */
static const uint32_t MD5_T[64] = {
        0xD76AA478u, 0xE8C7B756u, 0x242070DBu, 0xC1BDCEEEu, 0xF57C0FAFu, 0x4787C62Au, 0xA8304613u,
        0xFD469501u, 0x698098D8u, 0x8B44F7AFu, 0xFFFF5BB1u, 0x895CD7BEu, 0x6B901122u, 0xFD987193u,
        0xA679438Eu, 0x49B40821u, 0xF61E2562u, 0xC040B340u, 0x265E5A51u, 0xE9B6C7AAu, 0xD62F105Du,
        0x02441453u, 0xD8A1E681u, 0xE7D3FBC8u, 0x21E1CDE6u, 0xC33707D6u, 0xF4D50D87u, 0x455A14EDu,
        0xA9E3E905u, 0xFCEFA3F8u, 0x676F02D9u, 0x8D2A4C8Au, 0xFFFA3942u, 0x8771F681u, 0x6D9D6122u,
        0xFDE5380Cu, 0xA4BEEA44u, 0x4BDECFA9u, 0xF6BB4B60u, 0xBEBFBC70u, 0x289B7EC6u, 0xEAA127FAu,
        0xD4EF3085u, 0x04881D05u, 0xD9D4D039u, 0xE6DB99E5u, 0x1FA27CF8u, 0xC4AC5665u, 0xF4292244u,
        0x432AFF97u, 0xAB9423A7u, 0xFC93A039u, 0x655B59C3u, 0x8F0CCC92u, 0xFFEFF47Du, 0x85845DD1u,
        0x6FA87E4Fu, 0xFE2CE6E0u, 0xA3014314u, 0x4E0811A1u, 0xF7537E82u, 0xBD3AF235u, 0x2AD7D2BBu,
        0xEB86D391u,
};

/* Rotation amounts: four per round, repeated four times in each round. */
static const uint8_t MD5_SHIFT[4][4] = {
        {7, 12, 17, 22},
        {5, 9, 14, 20},
        {4, 11, 16, 23},
        {6, 10, 15, 21},
};

/* RFC 1321 §3.3: initial A, B, C, D. */
static const uint32_t MD5_INIT[4] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u};

static uint32_t md5_rotl(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32u - n));
}

static void md5_block(uint32_t state[4], const uint8_t *p)
{
    uint32_t x[16];
    uint32_t a = state[0];
    uint32_t b = state[1];
    uint32_t c = state[2];
    uint32_t d = state[3];
    for (unsigned i = 0; i < 16; i++) {
        x[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
               (uint32_t)p[4 * i + 3] << 24;
    }
    for (unsigned i = 0; i < 64; i++) {
        unsigned round = i / 16;
        uint32_t f;
        unsigned k;
        if (round == 0) {
            f = (b & c) | (~b & d); /* F */
            k = i;
        } else if (round == 1) {
            f = (b & d) | (c & ~d); /* G */
            k = (5 * i + 1) % 16;
        } else if (round == 2) {
            f = b ^ c ^ d; /* H */
            k = (3 * i + 5) % 16;
        } else {
            f = c ^ (b | ~d); /* I */
            k = (7 * i) % 16;
        }
        uint32_t t = d;
        d = c;
        c = b;
        b = b + md5_rotl(a + f + MD5_T[i] + x[k], MD5_SHIFT[round][i % 4]);
        a = t;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
}

void md5_init(struct md5_ctx *ctx)
{
    memcpy(ctx->state, MD5_INIT, sizeof ctx->state);
    ctx->bytes = 0;
    ctx->block_len = 0;
}

void md5_update(struct md5_ctx *ctx, const void *data, size_t len)
{
    const uint8_t *p = data;
    ctx->bytes += len;
    if (ctx->block_len > 0) {
        size_t take = MD5_BLOCK_SIZE - ctx->block_len;
        if (take > len) {
            take = len;
        }
        memcpy(ctx->block + ctx->block_len, p, take);
        ctx->block_len += take;
        p += take;
        len -= take;
        if (ctx->block_len == MD5_BLOCK_SIZE) {
            md5_block(ctx->state, ctx->block);
            ctx->block_len = 0;
        }
    }
    while (len >= MD5_BLOCK_SIZE) {
        md5_block(ctx->state, p);
        p += MD5_BLOCK_SIZE;
        len -= MD5_BLOCK_SIZE;
    }
    if (len > 0) {
        memcpy(ctx->block, p, len);
        ctx->block_len = len;
    }
}

void md5_final(struct md5_ctx *ctx, uint8_t digest[MD5_DIGEST_SIZE])
{
    /* §3.1-3.2: a 1 bit, zeros to 56 mod 64, then the bit length as a little-endian u64. */
    uint64_t bits = ctx->bytes * 8u;
    uint8_t pad[MD5_BLOCK_SIZE + 8];
    size_t pad_len = (ctx->block_len < 56 ? 56 : 120) - ctx->block_len;
    memset(pad, 0, sizeof pad);
    pad[0] = 0x80;
    for (unsigned i = 0; i < 8; i++) {
        pad[pad_len + i] = (uint8_t)(bits >> (8 * i));
    }
    md5_update(ctx, pad, pad_len + 8);
    for (unsigned i = 0; i < 4; i++) {
        digest[4 * i] = (uint8_t)ctx->state[i];
        digest[4 * i + 1] = (uint8_t)(ctx->state[i] >> 8);
        digest[4 * i + 2] = (uint8_t)(ctx->state[i] >> 16);
        digest[4 * i + 3] = (uint8_t)(ctx->state[i] >> 24);
    }
}

void md5_buffer(const void *data, size_t len, uint8_t digest[MD5_DIGEST_SIZE])
{
    struct md5_ctx ctx;
    md5_init(&ctx);
    md5_update(&ctx, data, len);
    md5_final(&ctx, digest);
}

void md5_to_hex(const uint8_t digest[MD5_DIGEST_SIZE], char hex[MD5_HEX_SIZE])
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < MD5_DIGEST_SIZE; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 0x0F];
    }
    hex[2 * MD5_DIGEST_SIZE] = '\0';
}
