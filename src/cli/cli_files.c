/* SPDX-License-Identifier: MIT */
/* Reading a firmware file whole (any size up to a limit, also from pipes) and writing what
 * read_flash got, each failure a sentence naming the file and the OS's reason. */
#include "cli_files.h"

#include "cli_platform.h"
#include "image.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cli_file_read(const char *name, size_t max, uint8_t **data, size_t *size, struct mf_error *e)
{
    FILE *f = cli_platform_fopen(name, "rb");
    *data = NULL;
    *size = 0;
    int rc = f == NULL ? mf_err_set(e, MF_ERR_IMAGE,
                                    "Cannot open %s: %s. Check the file name and folder.", name,
                                    strerror(errno))
                       : image_read_stream(f, name, max, data, size, e);
    if (f != NULL) {
        fclose(f);
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
