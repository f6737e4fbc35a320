/* SPDX-License-Identifier: MIT */
/* The local serial backend on top of libserialport (Linux, macOS, Windows with MSYS2): 8N1 with no
 * flow control, exclusive use, DTR/RTS in one step, timeouts that mean what port.h says. */
#ifndef _WIN32
#define _DEFAULT_SOURCE
#endif

#include "port_impl.h"

#include "net.h"

#include <libserialport.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <errno.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#endif

#define PORT_SP_DRAIN_POLL_MS 2u /* how often drain looks at the output queue */
#define PORT_SP_OS_TEXT_MAX   96

struct port_sp {
    struct port base;
    struct sp_port *sp;
    bool open;
#ifndef _WIN32
    int fd;
    bool locked;
#endif
};

/* OS error codes → statuses, for opening and for a port that is already open. */
struct port_sp_code {
    int code;
    enum port_status status;
};

#ifdef _WIN32
static const struct port_sp_code PORT_SP_OPEN_CODES[] = {
        {ERROR_FILE_NOT_FOUND, PORT_ERR_NOT_FOUND},
        {ERROR_PATH_NOT_FOUND, PORT_ERR_NOT_FOUND},
        {ERROR_DEV_NOT_EXIST, PORT_ERR_NOT_FOUND},
        {ERROR_ACCESS_DENIED, PORT_ERR_BUSY}, /* what Windows says for a COM port in use */
        {ERROR_SHARING_VIOLATION, PORT_ERR_BUSY},
        {ERROR_BUSY, PORT_ERR_BUSY},
};
static const struct port_sp_code PORT_SP_IO_CODES[] = {
        {ERROR_BAD_COMMAND, PORT_ERR_GONE},       {ERROR_GEN_FAILURE, PORT_ERR_GONE},
        {ERROR_OPERATION_ABORTED, PORT_ERR_GONE}, {ERROR_DEVICE_NOT_CONNECTED, PORT_ERR_GONE},
        {ERROR_DEVICE_REMOVED, PORT_ERR_GONE},    {ERROR_FILE_NOT_FOUND, PORT_ERR_GONE},
        {ERROR_ACCESS_DENIED, PORT_ERR_GONE},     {ERROR_INVALID_PARAMETER, PORT_ERR_UNSUPPORTED},
};
#else
static const struct port_sp_code PORT_SP_OPEN_CODES[] = {
        {ENOENT, PORT_ERR_NOT_FOUND}, {ENOTDIR, PORT_ERR_NOT_FOUND}, {ENXIO, PORT_ERR_NOT_FOUND},
        {ENODEV, PORT_ERR_NOT_FOUND}, {EBUSY, PORT_ERR_BUSY},        {EWOULDBLOCK, PORT_ERR_BUSY},
        {EACCES, PORT_ERR_ACCESS},    {EPERM, PORT_ERR_ACCESS},
};
/* A tty whose device went away is hung up: EIO from read/write/ioctl, or ENXIO/ENODEV. */
static const struct port_sp_code PORT_SP_IO_CODES[] = {
        {EIO, PORT_ERR_GONE},
        {ENXIO, PORT_ERR_GONE},
        {ENODEV, PORT_ERR_GONE},
        {EINVAL, PORT_ERR_UNSUPPORTED},
};
#endif

/* What the person reads after the port's name, by status. */
static const struct {
    enum port_status status;
    const char *text;
} PORT_SP_TEXTS[] = {
        {PORT_ERR_NOT_FOUND,
         " does not exist. Is the board plugged in? Pick the port again after plugging it in."},
        {PORT_ERR_BUSY, " is in use by another program. Close other serial monitors, terminals "
                        "and flashers, then try again."},
#ifdef _WIN32
        {PORT_ERR_ACCESS, ": Windows refused access. Close other programs that use the port, or "
                          "unplug the board and plug it in again, then try again."},
#else
        {PORT_ERR_ACCESS,
         ": permission denied. Add your user to the dialout group "
         "(sudo usermod -aG dialout $USER), log out and in again, then try again."},
#endif
        {PORT_ERR_GONE, " no longer exists — was the board unplugged?"},
};

static const struct {
    enum port_queue queue;
    enum sp_buffer buffer;
} PORT_SP_QUEUES[] = {
        {PORT_QUEUE_INPUT, SP_BUF_INPUT},
        {PORT_QUEUE_OUTPUT, SP_BUF_OUTPUT},
        {PORT_QUEUE_BOTH, SP_BUF_BOTH},
};

static struct port_sp *port_sp_from(struct port *port)
{
    return (struct port_sp *)port;
}

static enum port_status port_sp_find_status(const struct port_sp_code *table, size_t count,
                                            int code)
{
    for (size_t i = 0; i < count; i++) {
        if (table[i].code == code) {
            return table[i].status;
        }
    }
    return PORT_ERR_IO;
}

static void port_sp_format_os_error(int code, char *buf, size_t size)
{
#ifdef _WIN32
    snprintf(buf, size, "Windows error %d", code);
#else
    if (strerror_r(code, buf, size) != 0) {
        snprintf(buf, size, "error %d", code);
    }
#endif
}

/* Fails with the status `code` means; `what` names the failed step for PORT_ERR_IO messages. */
static int port_sp_fail_code(struct port_error *err, const char *name, int code, bool opening,
                             const char *what)
{
    enum port_status status =
            opening ? port_sp_find_status(PORT_SP_OPEN_CODES,
                                          sizeof PORT_SP_OPEN_CODES / sizeof PORT_SP_OPEN_CODES[0],
                                          code)
                    : port_sp_find_status(PORT_SP_IO_CODES,
                                          sizeof PORT_SP_IO_CODES / sizeof PORT_SP_IO_CODES[0],
                                          code);
    for (size_t i = 0; i < sizeof PORT_SP_TEXTS / sizeof PORT_SP_TEXTS[0]; i++) {
        if (PORT_SP_TEXTS[i].status == status) {
            return port_fail(err, status, code, "%s%s", name, PORT_SP_TEXTS[i].text);
        }
    }
    char os[PORT_SP_OS_TEXT_MAX];
    port_sp_format_os_error(code, os, sizeof os);
    if (status == PORT_ERR_UNSUPPORTED) {
        return port_fail(err, status, code, "%s: the port cannot %s (%s).", name, what, os);
    }
    return port_fail(err, status, code,
                     "%s: could not %s (%s). Unplug the board, plug it in again and retry.", name,
                     what, os);
}

/* Turns a libserialport result into a status; r >= 0 is success. */
static int port_sp_check(struct port_error *err, const char *name, enum sp_return r, bool opening,
                         const char *what)
{
    switch (r) {
    case SP_ERR_MEM: return port_fail(err, PORT_ERR_NO_MEMORY, 0, "%s: out of memory.", name);
    case SP_ERR_SUPP:
        return port_fail(err, PORT_ERR_UNSUPPORTED, 0, "%s: the port cannot %s.", name, what);
    case SP_ERR_ARG:
        return port_fail(err, PORT_ERR_UNSUPPORTED, 0, "%s: the port cannot %s (%s).", name, what,
                         "libserialport rejected the setting");
    case SP_ERR_FAIL: return port_sp_fail_code(err, name, sp_last_error_code(), opening, what);
    default: return PORT_OK;
    }
}

#ifndef _WIN32
static int port_sp_fail_errno(struct port_sp *p, struct port_error *err, const char *what)
{
    return port_sp_fail_code(err, p->base.name, errno, false, what);
}

/* libserialport 0.1.1 reports a full (or empty) non-blocking tty as a failure with EAGAIN;
 * that is "nothing moved yet", and the caller polls again. */
static enum sp_return port_sp_try(enum sp_return r)
{
    if (r == SP_ERR_FAIL &&
        (sp_last_error_code() == EAGAIN || sp_last_error_code() == EWOULDBLOCK)) {
        return SP_OK;
    }
    return r;
}

/* Milliseconds left until deadline, for poll(). */
static int port_sp_ms_left(uint64_t deadline)
{
    uint64_t now = net_now_ms();
    uint64_t left = deadline > now ? deadline - now : 0u;
    return left > (uint64_t)INT_MAX ? INT_MAX : (int)left;
}

/* Waits for `events` on the port. PORT_OK when ready, PORT_ERR_TIMEOUT, or the port hung up. */
static int port_sp_wait(struct port_sp *p, short events, uint64_t deadline, short *revents,
                        struct port_error *err)
{
    struct pollfd pfd = {.fd = p->fd, .events = events, .revents = 0};
    int n;
    do {
        n = poll(&pfd, 1, port_sp_ms_left(deadline));
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return port_sp_fail_errno(p, err, "wait for the port");
    }
    *revents = pfd.revents;
    if (n == 0) {
        return PORT_ERR_TIMEOUT;
    }
    if ((pfd.revents & POLLNVAL) != 0) {
        return port_fail(err, PORT_ERR_IO, 0, "%s: the port is not open.", p->base.name);
    }
    return PORT_OK;
}

static int port_sp_fail_gone(struct port_sp *p, struct port_error *err)
{
    return port_sp_fail_code(err, p->base.name, EIO, false, "use the port");
}
#endif

static int port_sp_read(struct port *port, void *buf, size_t size, uint32_t timeout_ms, size_t *got,
                        struct port_error *err)
{
    struct port_sp *p = port_sp_from(port);
    int rc = PORT_OK;
    enum sp_return r = SP_OK;
#ifdef _WIN32
    /* libserialport waits forever for a timeout of 0, so 0 means a non-blocking read. */
    r = timeout_ms == 0 ? sp_nonblocking_read(p->sp, buf, size)
                        : sp_blocking_read_next(p->sp, buf, size, timeout_ms);
    rc = port_sp_check(err, port->name, r, false, "read from the port");
#else
    uint64_t deadline = net_now_ms() + timeout_ms;
    for (;;) {
        short revents = 0;
        rc = port_sp_wait(p, POLLIN, deadline, &revents, err);
        if (rc != PORT_OK) {
            break;
        }
        if ((revents & POLLIN) != 0) {
            r = port_sp_try(sp_nonblocking_read(p->sp, buf, size));
            rc = port_sp_check(err, port->name, r, false, "read from the port");
            if (rc != PORT_OK || r > 0) {
                break;
            }
        }
        /* Nothing to read although poll said so: a hung-up tty reads as end of file. */
        if ((revents & (POLLHUP | POLLERR)) != 0) {
            rc = port_sp_fail_gone(p, err);
            break;
        }
    }
#endif
    if (rc == PORT_OK && r == 0) {
        rc = PORT_ERR_TIMEOUT;
    }
    if (rc == PORT_ERR_TIMEOUT) {
        return port_fail(err, PORT_ERR_TIMEOUT, 0, "%s: nothing arrived within %u ms.", port->name,
                         (unsigned)timeout_ms);
    }
    if (rc == PORT_OK) {
        *got = (size_t)r;
    }
    return rc;
}

static int port_sp_write(struct port *port, const void *buf, size_t size, uint32_t timeout_ms,
                         struct port_error *err)
{
    struct port_sp *p = port_sp_from(port);
    size_t done = 0;
    int rc = PORT_OK;
#ifdef _WIN32
    enum sp_return r = timeout_ms == 0 ? sp_nonblocking_write(p->sp, buf, size)
                                       : sp_blocking_write(p->sp, buf, size, timeout_ms);
    rc = port_sp_check(err, port->name, r, false, "write to the port");
    if (rc == PORT_OK) {
        done = (size_t)r;
    }
#else
    const uint8_t *bytes = buf;
    uint64_t deadline = net_now_ms() + timeout_ms;
    while (rc == PORT_OK && done < size) {
        enum sp_return r = port_sp_try(sp_nonblocking_write(p->sp, bytes + done, size - done));
        rc = port_sp_check(err, port->name, r, false, "write to the port");
        if (rc != PORT_OK) {
            break;
        }
        done += (size_t)r;
        if (done < size) {
            short revents = 0;
            rc = port_sp_wait(p, POLLOUT, deadline, &revents, err);
            if (rc == PORT_OK && (revents & (POLLHUP | POLLERR)) != 0) {
                rc = port_sp_fail_gone(p, err);
            }
        }
    }
#endif
    if (rc == PORT_OK && done < size) {
        rc = PORT_ERR_TIMEOUT;
    }
    if (rc == PORT_ERR_TIMEOUT) {
        return port_fail(err, PORT_ERR_TIMEOUT, 0,
                         "%s: only %zu of %zu bytes went out within %u ms. Is the board holding "
                         "the line?",
                         port->name, done, size, (unsigned)timeout_ms);
    }
    return rc;
}

/* Sets only what `config` sets: libserialport's single-setting calls also re-apply DTR and RTS. */
static int port_sp_apply_config(struct port_sp *p, uint32_t baud, bool line_format,
                                struct port_error *err)
{
    struct sp_port_config *config = NULL;
    const char *name = p->base.name;
    if (baud > (uint32_t)INT_MAX) {
        return port_fail(err, PORT_ERR_UNSUPPORTED, 0, "%s cannot run at %lu baud.", name,
                         (unsigned long)baud);
    }
    int rc = port_sp_check(err, name, sp_new_config(&config), false, "configure the port");
    if (rc != PORT_OK) {
        return rc;
    }
    enum sp_return r = sp_set_config_baudrate(config, (int)baud);
    if (line_format) {
        /* 8N1 and no flow control of any kind, so 0x11 and 0x13 are data like any other byte. */
        if (r == SP_OK) {
            r = sp_set_config_bits(config, 8);
        }
        if (r == SP_OK) {
            r = sp_set_config_parity(config, SP_PARITY_NONE);
        }
        if (r == SP_OK) {
            r = sp_set_config_stopbits(config, 1);
        }
        if (r == SP_OK) {
            r = sp_set_config_cts(config, SP_CTS_IGNORE);
        }
        if (r == SP_OK) {
            r = sp_set_config_dsr(config, SP_DSR_IGNORE);
        }
        if (r == SP_OK) {
            r = sp_set_config_xon_xoff(config, SP_XONXOFF_DISABLED);
        }
    }
    if (r == SP_OK) {
        r = sp_set_config(p->sp, config);
    }
    sp_free_config(config);
    if (r == SP_ERR_ARG || r == SP_ERR_SUPP) {
        return port_fail(err, PORT_ERR_UNSUPPORTED, 0, "%s cannot run at %lu baud.", name,
                         (unsigned long)baud);
    }
    return port_sp_check(err, name, r, false, "configure the port");
}

static int port_sp_set_baud(struct port *port, uint32_t baud, struct port_error *err)
{
    return port_sp_apply_config(port_sp_from(port), baud, false, err);
}

/* dtr / rts: 1 assert, 0 de-assert, -1 leave. On POSIX both change in one TIOCMSET. */
static int port_sp_set_lines(struct port *port, int dtr, int rts, struct port_error *err)
{
    struct port_sp *p = port_sp_from(port);
#ifdef _WIN32
    int rc = PORT_OK;
    if (dtr >= 0) {
        rc = port_sp_check(err, port->name, sp_set_dtr(p->sp, dtr ? SP_DTR_ON : SP_DTR_OFF), false,
                           "set DTR");
    }
    if (rc == PORT_OK && rts >= 0) {
        rc = port_sp_check(err, port->name, sp_set_rts(p->sp, rts ? SP_RTS_ON : SP_RTS_OFF), false,
                           "set RTS");
    }
    return rc;
#else
    int bits = 0;
    if (ioctl(p->fd, TIOCMGET, &bits) != 0) {
        return port_sp_fail_errno(p, err, "read the modem lines");
    }
    if (dtr >= 0) {
        bits = dtr ? (bits | TIOCM_DTR) : (bits & ~TIOCM_DTR);
    }
    if (rts >= 0) {
        bits = rts ? (bits | TIOCM_RTS) : (bits & ~TIOCM_RTS);
    }
    if (ioctl(p->fd, TIOCMSET, &bits) != 0) {
        return port_sp_fail_errno(p, err, "set DTR and RTS");
    }
    return PORT_OK;
#endif
}

static int port_sp_flush(struct port *port, enum port_queue queue, struct port_error *err)
{
    struct port_sp *p = port_sp_from(port);
    for (size_t i = 0; i < sizeof PORT_SP_QUEUES / sizeof PORT_SP_QUEUES[0]; i++) {
        if (PORT_SP_QUEUES[i].queue == queue) {
            return port_sp_check(err, port->name, sp_flush(p->sp, PORT_SP_QUEUES[i].buffer), false,
                                 "discard queued bytes");
        }
    }
    return port_fail(err, PORT_ERR_ARG, 0, "%s: unknown queue to flush.", port->name);
}

static void port_sp_pause(void)
{
#ifdef _WIN32
    Sleep(PORT_SP_DRAIN_POLL_MS);
#else
    poll(NULL, 0, (int)PORT_SP_DRAIN_POLL_MS);
#endif
}

/* Waits until the output queue is empty, without blocking forever as tcdrain can. */
static int port_sp_drain(struct port *port, uint32_t timeout_ms, struct port_error *err)
{
    struct port_sp *p = port_sp_from(port);
    uint64_t deadline = net_now_ms() + timeout_ms;
    for (;;) {
        enum sp_return waiting = sp_output_waiting(p->sp);
        int rc = port_sp_check(err, port->name, waiting, false, "drain the port");
        if (rc != PORT_OK || waiting == 0) {
            return rc;
        }
        if (net_now_ms() >= deadline) {
            return port_fail(err, PORT_ERR_TIMEOUT, 0,
                             "%s: %d bytes were still waiting to go out after %u ms.", port->name,
                             (int)waiting, (unsigned)timeout_ms);
        }
        port_sp_pause();
    }
}

/* Releases whatever was acquired, in reverse order; frees p. */
static void port_sp_release(struct port_sp *p)
{
#ifndef _WIN32
    if (p->locked) {
        ioctl(p->fd, TIOCNXCL); /* the flag outlives our descriptor on some ttys */
        flock(p->fd, LOCK_UN);
    }
#endif
    if (p->open) {
        sp_close(p->sp);
    }
    if (p->sp != NULL) {
        sp_free_port(p->sp);
    }
    free(p);
}

static void port_sp_close(struct port *port)
{
    port_sp_release(port_sp_from(port));
}

static const struct port_ops PORT_SP_OPS = {
        .set_baud = port_sp_set_baud,
        .read = port_sp_read,
        .write = port_sp_write,
        .set_lines = port_sp_set_lines,
        .flush = port_sp_flush,
        .drain = port_sp_drain,
        .close = port_sp_close,
};

/* Finds the port. libserialport looks a Linux device up under /sys/class/tty by its name after
 * "/dev/", so a link (/dev/serial/by-id/..., a test's vserial link) is resolved first. */
static int port_sp_find_port(struct port_sp *p, const char *path, struct port_error *err)
{
    const char *name = p->base.name;
    const char *device = path;
    enum sp_return r;
#ifndef _WIN32
    char resolved[PATH_MAX];
    if (realpath(path, resolved) == NULL) {
        return port_sp_fail_code(err, name, errno, true, "find the port");
    }
    device = resolved;
#endif
    r = sp_get_port_by_name(device, &p->sp);
    if (r == SP_ERR_MEM) {
        return port_fail(err, PORT_ERR_NO_MEMORY, 0, "%s: out of memory.", name);
    }
    if (r != SP_OK) {
#ifdef _WIN32
        return port_sp_fail_code(err, name, ERROR_FILE_NOT_FOUND, true, "find the port");
#else
        return port_fail(err, PORT_ERR_NOT_FOUND, 0,
                         "%s is not a serial port. Pick the board's port (for example "
                         "/dev/ttyUSB0) instead.",
                         name);
#endif
    }
    return PORT_OK;
}

/* Opens the port for this program alone: flock works even for root, whom TIOCEXCL lets through. */
static int port_sp_acquire_port(struct port_sp *p, struct port_error *err)
{
    const char *name = p->base.name;
    int rc = port_sp_check(err, name, sp_open(p->sp, SP_MODE_READ_WRITE), true, "open the port");
    if (rc != PORT_OK) {
        return rc;
    }
    p->open = true;
#ifndef _WIN32
    rc = port_sp_check(err, name, sp_get_port_handle(p->sp, &p->fd), true, "open the port");
    if (rc != PORT_OK) {
        return rc;
    }
    if (flock(p->fd, LOCK_EX | LOCK_NB) != 0) {
        return port_sp_fail_code(err, name, errno, true, "lock the port");
    }
    p->locked = true;
    ioctl(p->fd, TIOCEXCL); /* other programs that do not flock are kept out too */
#endif
    return PORT_OK;
}

#ifndef _WIN32
/* libserialport 0.1.1 looks for CRTSCTS in c_iflag, so hardware flow control that an earlier
 * program left on survives sp_set_config; turn it and software flow control off here. */
static int port_sp_disable_flow(struct port_sp *p, struct port_error *err)
{
    struct termios tio;
    if (tcgetattr(p->fd, &tio) != 0) {
        return port_sp_fail_errno(p, err, "read the port settings");
    }
    if ((tio.c_cflag & CRTSCTS) == 0 && (tio.c_iflag & (IXON | IXOFF | IXANY)) == 0) {
        return PORT_OK;
    }
    tio.c_cflag &= ~(tcflag_t)CRTSCTS;
    tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
    if (tcsetattr(p->fd, TCSANOW, &tio) != 0) {
        return port_sp_fail_errno(p, err, "turn flow control off");
    }
    return PORT_OK;
}
#endif

int port_local_open(const char *name, const char *path, uint32_t baud, struct port **out,
                    struct port_error *err)
{
    struct port_sp *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return port_fail(err, PORT_ERR_NO_MEMORY, 0, "%s: out of memory.", name);
    }
#ifndef _WIN32
    p->fd = -1;
#endif
    p->base.ops = &PORT_SP_OPS;
    p->base.kind = PORT_KIND_LOCAL;
    p->base.caps = PORT_CAP_BAUD | PORT_CAP_LINES | PORT_CAP_EXCLUSIVE;
    port_copy_text(p->base.name, sizeof p->base.name, name);

    int rc = port_sp_find_port(p, path, err);
    if (rc == PORT_OK) {
        rc = port_sp_acquire_port(p, err);
    }
    if (rc == PORT_OK) {
        /* The OS raised DTR and RTS on open; a board must not stay in reset or download mode. */
        rc = port_sp_set_lines(&p->base, 0, 0, err);
    }
    if (rc == PORT_OK) {
        rc = port_sp_apply_config(p, baud, true, err);
    }
#ifndef _WIN32
    if (rc == PORT_OK) {
        rc = port_sp_disable_flow(p, err);
    }
#endif
    if (rc != PORT_OK) {
        port_sp_release(p);
        return rc;
    }
    *out = &p->base;
    return PORT_OK;
}

/* "<product> (<name>)" as Windows names ports, else libserialport's description. */
static void port_sp_describe_port(struct sp_port *sp, struct port_info *info)
{
    const char *name = sp_get_port_name(sp);
    const char *product = sp_get_port_usb_product(sp);
    const char *description = sp_get_port_description(sp);
    const char *manufacturer = sp_get_port_usb_manufacturer(sp);
    const char *serial = sp_get_port_usb_serial(sp);
    int vid = 0;
    int pid = 0;

    name = name ? name : "";
    port_copy_text(info->name, sizeof info->name, name);
    if (product != NULL && product[0] != '\0') {
        snprintf(info->description, sizeof info->description, "%s (%s)", product, name);
    } else if (description != NULL && description[0] != '\0' && strstr(description, name) == NULL) {
        snprintf(info->description, sizeof info->description, "%s (%s)", description, name);
    } else {
        port_copy_text(info->description, sizeof info->description,
                       description != NULL && description[0] != '\0' ? description : name);
    }
    port_copy_text(info->manufacturer, sizeof info->manufacturer, manufacturer);
    port_copy_text(info->serial, sizeof info->serial, serial);
    if (sp_get_port_transport(sp) == SP_TRANSPORT_USB &&
        sp_get_port_usb_vid_pid(sp, &vid, &pid) == SP_OK) {
        info->usb = true;
        info->vid = (uint16_t)vid;
        info->pid = (uint16_t)pid;
    }
}

int port_local_list(struct port_info **out, size_t *count, struct port_error *err)
{
    struct sp_port **ports = NULL;
    enum sp_return r = sp_list_ports(&ports);
    if (r == SP_ERR_MEM) {
        return port_fail(err, PORT_ERR_NO_MEMORY, 0, "Out of memory while listing ports.");
    }
    if (r != SP_OK) {
        int code = sp_last_error_code();
        char os[PORT_SP_OS_TEXT_MAX];
        port_sp_format_os_error(code, os, sizeof os);
        return port_fail(err, PORT_ERR_IO, code, "The serial ports could not be listed (%s).", os);
    }
    size_t n = 0;
    while (ports[n] != NULL) {
        n++;
    }
    struct port_info *list = NULL;
    int rc = PORT_OK;
    if (n > 0) {
        list = calloc(n, sizeof *list);
        if (list == NULL) {
            rc = port_fail(err, PORT_ERR_NO_MEMORY, 0, "Out of memory while listing ports.");
        }
    }
    for (size_t i = 0; list != NULL && i < n; i++) {
        port_sp_describe_port(ports[i], &list[i]);
    }
    sp_free_port_list(ports);
    if (rc == PORT_OK) {
        *out = list;
        *count = n;
    }
    return rc;
}
