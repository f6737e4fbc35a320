/* SPDX-License-Identifier: MIT */
/* zlib's compress2 at level 9 on a whole file, the stream the flasher stub inflates (RFC 1950
 * header and Adler-32 included). */
#include "deflate.h"

#include <stdlib.h>
#include <zlib.h>

#define DEFLATE_LEVEL 9

int deflate_buffer(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len,
                   struct mf_error *e)
{
    uLongf cap = compressBound((uLong)len);
    uint8_t *buf = malloc(cap > 0 ? cap : 1);
    int rc = MF_OK;
    *out = NULL;
    *out_len = 0;
    if (buf == NULL) {
        return mf_err_set(e, MF_ERR_NO_MEMORY, "Out of memory while compressing %zu bytes.", len);
    }
    int zrc = compress2(buf, &cap, in, (uLong)len, DEFLATE_LEVEL);
    if (zrc != Z_OK) {
        free(buf);
        rc = mf_err_set(e, MF_ERR_IO, "Compressing the data failed (zlib error %d).", zrc);
    } else {
        *out = buf;
        *out_len = (size_t)cap;
    }
    return rc;
}
