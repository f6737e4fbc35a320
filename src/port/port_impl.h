/* SPDX-License-Identifier: MIT */
/* The contract between port.c (dispatch, checks, messages) and the backends. Backends embed
 * struct port as their first member and fill in a table of operations. */
#ifndef MF_PORT_IMPL_H
#define MF_PORT_IMPL_H

#include "port.h"

#include <stdarg.h>

struct port_ops {
    /* Each op may assume its arguments were checked by port.c (non-NULL port, buf when size>0). */
    int (*set_baud)(struct port *port, uint32_t baud, struct port_error *err);
    int (*read)(struct port *port, void *buf, size_t size, uint32_t timeout_ms, size_t *got,
                struct port_error *err);
    int (*write)(struct port *port, const void *buf, size_t size, uint32_t timeout_ms,
                 struct port_error *err);
    /* dtr / rts: 1 assert, 0 de-assert, -1 leave as it is. */
    int (*set_lines)(struct port *port, int dtr, int rts, struct port_error *err);
    int (*flush)(struct port *port, enum port_queue queue, struct port_error *err);
    int (*drain)(struct port *port, uint32_t timeout_ms, struct port_error *err);
    void (*close)(struct port *port); /* releases everything, including the memory */
};

#define PORT_NAME_MAX 256

struct port {
    const struct port_ops *ops;
    enum port_kind kind;
    unsigned caps;
    uint32_t baud; /* kept up to date by port.c after a successful set_baud */
    char name[PORT_NAME_MAX];
};

/* Fills *err (when not NULL) and returns `status`. The message is printf-formatted. */
int port_fail(struct port_error *err, enum port_status status, int os_error, const char *fmt, ...)
#if defined(__MINGW32__)
        __attribute__((format(gnu_printf, 4, 5)))
#elif defined(__GNUC__)
        __attribute__((format(printf, 4, 5)))
#endif
        ;

/* A parsed port name. */
struct port_address {
    enum port_kind kind;
    char path[PORT_NAME_MAX]; /* local: the device as given ("COM5", "/dev/ttyUSB0") */
    char host[PORT_NAME_MAX]; /* network: host name or address, brackets removed for IPv6 */
    uint16_t tcp_port;        /* network: TCP port */
};

/* Splits a name into its kind and parts; PORT_ERR_ARG with a message when malformed. */
int port_address_parse(const char *name, struct port_address *addr, struct port_error *err);

/* Backend entry points. The local pair comes from port_sp.c or port_win32.c, whichever the
 * build selects. `name` is what the user typed, used in messages. */
int port_local_open(const char *name, const char *path, uint32_t baud, struct port **out,
                    struct port_error *err);
int port_local_list(struct port_info **out, size_t *count, struct port_error *err);
int port_tcp_open(const char *name, const char *host, uint16_t tcp_port, uint32_t baud,
                  struct port **out, struct port_error *err);
int port_rfc2217_open(const char *name, const char *host, uint16_t tcp_port, uint32_t baud,
                      struct port **out, struct port_error *err);

/* Fills in bridge / likely_esp from vid:pid and sorts: likely ESP boards first, then by name
 * (COM2 before COM10). port_list calls it on the list a backend built. */
void port_list_finish(struct port_info *list, size_t count);

/* Copies src into a fixed buffer, always terminated, truncating when needed. */
void port_copy_text(char *dst, size_t dst_size, const char *src);

#endif
