/* SPDX-License-Identifier: MIT */
/* Reading a firmware file whole (any size up to a limit, also from pipes) and writing what
 * read_flash got, each failure a sentence naming the file and the OS's reason. */
#include "cli_files.h"

#include "cli_platform.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CLI_FILE_CHUNK 65536u

int cli_file_read(const char *name, size_t max, uint8_t **data, size_t *size, struct mf_error *e)
{
    FILE *f = cli_platform_fopen(name, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = MF_OK;
    *data = NULL;
    *size = 0;
    if (f == NULL) {
        rc = mf_err_set(e, MF_ERR_IMAGE, "Cannot open %s: %s. Check the file name and folder.",
                        name, strerror(errno));
    }
    while (rc == MF_OK) {
        if (len == cap) {
            size_t want = cap + CLI_FILE_CHUNK;
            uint8_t *grown = want <= max + CLI_FILE_CHUNK ? realloc(buf, want) : NULL;
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
                            name, max >> 20);
        } else if (got == 0 && ferror(f)) {
            rc = mf_err_set(e, MF_ERR_IMAGE, "Cannot read %s: %s.", name, strerror(errno));
        } else if (got == 0) {
            break;
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    if (rc == MF_OK) {
        *data = buf;
        *size = len;
    } else {
        free(buf);
    }
    return rc;
}

int cli_file_write(const char *name, const uint8_t *data, size_t size, struct mf_error *e)
{
    FILE *f = cli_platform_fopen(name, "wb");
    int rc = MF_OK;
    if (f == NULL) {
        rc = mf_err_set(e, MF_ERR_IMAGE, "Cannot create %s: %s. Check the folder and its rights.",
                        name, strerror(errno));
    } else {
        bool ok = fwrite(data, 1, size, f) == size;
        ok = fclose(f) == 0 && ok;
        if (!ok) {
            rc = mf_err_set(e, MF_ERR_IMAGE, "Cannot write %s: %s (is the disk full?).", name,
                            strerror(errno));
        }
    }
    return rc;
}
