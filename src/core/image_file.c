/* SPDX-License-Identifier: MIT */
/* A firmware file read whole from an open stream, in growing steps so pipes work too; the
 * failures are sentences naming the file. Shared by mflash and the window. */
#include "image.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define IMAGE_READ_CHUNK 65536u
#define IMAGE_MIB_SHIFT  20u

int image_read_stream(FILE *f, const char *name, size_t max, uint8_t **data, size_t *size,
                      struct mf_error *e)
{
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = MF_OK;
    *data = NULL;
    *size = 0;
    while (rc == MF_OK) {
        if (len == cap) {
            size_t want = cap + IMAGE_READ_CHUNK;
            uint8_t *grown = want <= max + IMAGE_READ_CHUNK ? realloc(buf, want) : NULL;
            if (grown == NULL) {
                rc = mf_err_set(e, MF_ERR_NO_MEMORY, "Out of memory while reading %s.", name);
                break;
            }
            buf = grown;
            cap = want;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len > max) {
            rc = mf_err_set(e, MF_ERR_IMAGE,
                            "%s is larger than %zu MiB, more than an ESP8266's flash can hold. "
                            "Check that it is the right file.",
                            name, max >> IMAGE_MIB_SHIFT);
        } else if (got == 0 && ferror(f)) {
            rc = mf_err_set(e, MF_ERR_IMAGE, "Cannot read %s: %s.", name, strerror(errno));
        } else if (got == 0) {
            break;
        }
    }
    if (rc == MF_OK) {
        *data = buf;
        *size = len;
    } else {
        free(buf);
    }
    return rc;
}
