/* SPDX-License-Identifier: MIT */
/* One interface for every serial connection MicroFlash uses: local serial ports, raw TCP
 * (socket://) and RFC 2217 (rfc2217://). Only the C standard library appears here. */
#ifndef MF_PORT_H
#define MF_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every function returns PORT_OK (0) or one of these negative codes. The codes are stable:
 * the engine maps them to its own errors and the tests compare against them. */
enum port_status {
    PORT_OK = 0,
    PORT_ERR_ARG = -1,         /* malformed name or argument */
    PORT_ERR_NOT_FOUND = -2,   /* no such port, or nothing listening at host:port */
    PORT_ERR_BUSY = -3,        /* in use by another program */
    PORT_ERR_ACCESS = -4,      /* the OS refused access (permissions) */
    PORT_ERR_GONE = -5,        /* disappeared while open: unplugged, connection closed */
    PORT_ERR_IO = -6,          /* any other failure reported by the OS */
    PORT_ERR_TIMEOUT = -7,     /* nothing arrived / not everything went out in time */
    PORT_ERR_UNSUPPORTED = -8, /* this port cannot do that (DTR on socket://, odd baud) */
    PORT_ERR_NO_MEMORY = -9,   /* allocation failed */
    PORT_ERR_PROTOCOL = -10,   /* a network peer broke the telnet / RFC 2217 rules */
};

enum port_kind {
    PORT_KIND_LOCAL,   /* COM5, \\.\COM12, /dev/ttyUSB0 */
    PORT_KIND_TCP,     /* socket://host:port: bytes only, no baud or modem lines */
    PORT_KIND_RFC2217, /* rfc2217://host:port: bytes, baud, DTR/RTS, purge */
};

/* What a port can carry to the device. */
enum port_cap {
    PORT_CAP_BAUD = 1u << 0,      /* the baud rate reaches the device */
    PORT_CAP_LINES = 1u << 1,     /* DTR and RTS reach the device (auto-reset works) */
    PORT_CAP_EXCLUSIVE = 1u << 2, /* a second open of the same port reports PORT_ERR_BUSY */
};

enum port_queue {
    PORT_QUEUE_INPUT = 1,  /* bytes received but not yet read */
    PORT_QUEUE_OUTPUT = 2, /* bytes written but not yet sent */
    PORT_QUEUE_BOTH = 3,
};

#define PORT_MESSAGE_MAX 256

/* Detail of a failure. Every function that can fail takes one (NULL is allowed). The message is
 * a whole sentence for a person that names the port and says what to do, e.g.
 * "COM5 is in use by another program. Close other serial monitors and flashers, then retry." */
struct port_error {
    enum port_status status;
    int os_error; /* errno, GetLastError() or WSAGetLastError(); 0 when none applies */
    char message[PORT_MESSAGE_MAX];
};

struct port; /* opaque */

/* Opens a port by name: "COM5", "\\.\COM12", "/dev/ttyUSB0", "socket://host:port" or
 * "rfc2217://host:port". The port starts at `baud`, 8N1, no flow control, with DTR and RTS
 * de-asserted. Opening never pulses the modem lines (a board must not reset on open). */
int port_open(const char *name, uint32_t baud, struct port **out, struct port_error *err);

/* Closes and frees; releases the port for other programs. NULL is allowed. */
void port_close(struct port *port);

const char *port_name(const struct port *port);
enum port_kind port_kind(const struct port *port);
unsigned port_caps(const struct port *port); /* enum port_cap bits */
uint32_t port_baud(const struct port *port);

/* Any integer rate the backend supports; PORT_ERR_UNSUPPORTED when it cannot be set. */
int port_set_baud(struct port *port, uint32_t baud, struct port_error *err);

/* Waits at most timeout_ms for at least one byte, then returns at once with what is there
 * (at most `size`). Nothing arrived: PORT_ERR_TIMEOUT with *got = 0. */
int port_read(struct port *port, void *buf, size_t size, uint32_t timeout_ms, size_t *got,
              struct port_error *err);

/* Reads until `size` bytes arrived or timeout_ms passed in total; *got says how many came. */
int port_read_full(struct port *port, void *buf, size_t size, uint32_t timeout_ms, size_t *got,
                   struct port_error *err);

/* Writes everything, waiting at most timeout_ms for the port to accept it. */
int port_write(struct port *port, const void *buf, size_t size, uint32_t timeout_ms,
               struct port_error *err);

/* Modem lines. `asserted` = true drives the pin low (as pySerial's setDTR(True) does); on an
 * auto-reset board DTR drives GPIO0 and RTS drives EN. port_set_lines changes both in one step
 * where the backend can (one ioctl on POSIX), which the tight reset sequence relies on. */
int port_set_dtr(struct port *port, bool asserted, struct port_error *err);
int port_set_rts(struct port *port, bool asserted, struct port_error *err);
int port_set_lines(struct port *port, bool dtr, bool rts, struct port_error *err);

/* Discards queued bytes without sending or reading them. */
int port_flush(struct port *port, enum port_queue queue, struct port_error *err);

/* Waits until every written byte has left the port. */
int port_drain(struct port *port, uint32_t timeout_ms, struct port_error *err);

/* The monotonic clock every timeout here is measured on, in milliseconds from an arbitrary
 * origin; and a sleep of at least `ms` (the engine's reset pulses). */
uint64_t port_clock_ms(void);
void port_sleep_ms(uint32_t ms);

/* A sentence for a status without port context ("the operation timed out"). */
const char *port_status_text(int status);

/* ---- Enumeration ---- */

/* A USB-serial bridge chip known to sit on ESP8266 boards or adapters. */
struct port_bridge {
    uint16_t vid;
    uint16_t pid;
    const char *chip;   /* "CH340", "CP2102", "FT232R" ... */
    const char *driver; /* the driver a Windows user installs when no COM port appears */
    uint32_t max_baud;  /* fastest rate known to work reliably with ESP8266 */
};

#define PORT_INFO_TEXT_MAX 128

struct port_info {
    char name[PORT_INFO_TEXT_MAX];         /* what port_open takes: "COM5", "/dev/ttyUSB0" */
    char description[PORT_INFO_TEXT_MAX];  /* "USB-SERIAL CH340 (COM5)" */
    char manufacturer[PORT_INFO_TEXT_MAX]; /* may be empty */
    char serial[PORT_INFO_TEXT_MAX];       /* USB serial number, may be empty */
    bool usb;                              /* vid and pid are valid */
    uint16_t vid;
    uint16_t pid;
    const struct port_bridge *bridge; /* known bridge, or NULL */
    bool likely_esp;                  /* a known USB-serial bridge: likely an ESP board */
};

/* Lists the local serial ports, likely ESP boards first, then by name. Free with
 * port_list_free. An empty list is PORT_OK with *count = 0. */
int port_list(struct port_info **out, size_t *count, struct port_error *err);
void port_list_free(struct port_info *list);

/* The table of known bridges: lookup by USB id (NULL when unknown). */
const struct port_bridge *port_bridge_find(uint16_t vid, uint16_t pid);
const struct port_bridge *port_bridge_table(size_t *count);

#endif
