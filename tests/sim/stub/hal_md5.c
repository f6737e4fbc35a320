/* SPDX-License-Identifier: MIT */
/* The stub HAL's MD5 on the host, shared by hal_host.c and hal_board.c: the engine's own MD5
 * (src/core/md5.c) where the chip uses the ROM's MD5Init/MD5Update/MD5Final. */
#include "hal.h"
#include "md5.h"

_Static_assert(sizeof(struct md5_ctx) <= HAL_MD5_CTX_SIZE, "MD5 context does not fit");

void hal_md5_init(struct hal *h, union hal_md5_ctx *ctx)
{
    (void)h;
    md5_init((struct md5_ctx *)(void *)ctx->bytes);
}

void hal_md5_update(struct hal *h, union hal_md5_ctx *ctx, const uint8_t *data, uint32_t len)
{
    (void)h;
    md5_update((struct md5_ctx *)(void *)ctx->bytes, data, len);
}

void hal_md5_final(struct hal *h, union hal_md5_ctx *ctx, uint8_t digest[16])
{
    (void)h;
    md5_final((struct md5_ctx *)(void *)ctx->bytes, digest);
}
