/* SPDX-License-Identifier: MIT */
/* PLACEHOLDER: the local serial backend (port_sp) is being written. */
#include "port_impl.h"

int port_local_open(const char *name, const char *path, uint32_t baud, struct port **out,
                    struct port_error *err)
{
    (void)path;
    (void)baud;
    (void)out;
    return port_fail(err, PORT_ERR_UNSUPPORTED, 0, "%s: not implemented yet.", name);
}

int port_local_list(struct port_info **out, size_t *count, struct port_error *err)
{
    (void)out;
    (void)count;
    (void)err;
    return PORT_OK;
}
