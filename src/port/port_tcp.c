/* SPDX-License-Identifier: MIT */
/* PLACEHOLDER: the tcp backend is being written. */
#include "port_impl.h"

int port_tcp_open(const char *name, const char *host, uint16_t tcp_port, uint32_t baud,
                  struct port **out, struct port_error *err)
{
    (void)host;
    (void)tcp_port;
    (void)baud;
    (void)out;
    return port_fail(err, PORT_ERR_UNSUPPORTED, 0, "%s: not implemented yet.", name);
}
