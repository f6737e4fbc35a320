/* SPDX-License-Identifier: MIT */
/* LD_PRELOAD shim that makes the client end of a vserial pty behave like a USB serial adapter:
 * modem-line and serial-only ioctls are emulated, and line, baud, flush and open/close changes are
 * reported to vserial. Every other file descriptor and path is passed through untouched.
 *
 * Process state: this file keeps the resolved libc entry points and the table of descriptors this
 * process opened on a vserial port (for CLOSE events). An interposer has nowhere else to keep them;
 * everything about the port itself lives in the shared memory that vserial.c creates. */
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE

#include "vserial.h"
#include "vserial_wire.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/serial.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Unix98 pty slaves: /dev/pts/N is a character device of these majors. */
#define SHIM_PTS_MAJOR_FIRST 136u
#define SHIM_PTS_MAJOR_LAST  143u
#define SHIM_PTS_MINORS      256u
#define SHIM_PTS_MAX         (1ul << 20) /* the kernel's limit on Unix98 ptys */

/* Descriptors below this number are tracked for CLOSE events. */
#define SHIM_FD_TRACK_MAX 4096

/* Lines every serial adapter reports as asserted by the far end. */
#define SHIM_INPUT_LINES (TIOCM_CTS | TIOCM_DSR | TIOCM_CAR)

/* What TIOCGSERIAL describes: a 16550A-like UART with a 16-byte FIFO. */
#define SHIM_SERIAL_FIFO 16
#define SHIM_ALT_SPEED   38400u /* B38400 means "custom divisor" when ASYNC_SPD_CUST is set */

#define SHIM_SYSFS_PTS    "/sys/class/tty/pts/"
#define SHIM_SYSFS_TARGET "../../devices/virtual/mf-vserial/pts/%u"
#define SHIM_STAT_VER     1 /* _STAT_VER of x86-64 glibc: struct stat as the kernel fills it */

/* The kernel's struct termios2 (asm/termbits.h, which cannot be included next to <termios.h>). */
struct shim_termios2 {
    tcflag_t c_iflag;
    tcflag_t c_oflag;
    tcflag_t c_cflag;
    tcflag_t c_lflag;
    cc_t c_line;
    cc_t c_cc[19];
    speed_t c_ispeed;
    speed_t c_ospeed;
};
_Static_assert(sizeof(struct shim_termios2) == 44, "struct termios2 layout");

#define SHIM_TCGETS2  _IOR('T', 0x2A, struct shim_termios2)
#define SHIM_TCSETS2  _IOW('T', 0x2B, struct shim_termios2)
#define SHIM_TCSETSW2 _IOW('T', 0x2C, struct shim_termios2)
#define SHIM_TCSETSF2 _IOW('T', 0x2D, struct shim_termios2)

enum shim_action {
    SHIM_MODEM_GET,
    SHIM_MODEM_SET,
    SHIM_MODEM_BIS,
    SHIM_MODEM_BIC,
    SHIM_SERIAL_GET,
    SHIM_SERIAL_SET,
    SHIM_ICOUNT_GET,
    SHIM_LSR_GET,
    SHIM_TERMIOS_SET, /* the real call runs; a changed speed is reported */
    SHIM_FLUSH,
    SHIM_BREAK_ON,
    SHIM_BREAK_OFF,
};

/* ioctls the shim looks at. Emulated ones never reach the pty (which would refuse them). */
static const struct {
    unsigned long request;
    enum shim_action action;
    bool emulated;
} SHIM_IOCTLS[] = {
        {TIOCMGET, SHIM_MODEM_GET, true},
        {TIOCMSET, SHIM_MODEM_SET, true},
        {TIOCMBIS, SHIM_MODEM_BIS, true},
        {TIOCMBIC, SHIM_MODEM_BIC, true},
        {TIOCGSERIAL, SHIM_SERIAL_GET, true},
        {TIOCSSERIAL, SHIM_SERIAL_SET, true},
        {TIOCGICOUNT, SHIM_ICOUNT_GET, true},
        {TIOCSERGETLSR, SHIM_LSR_GET, true},
        {TCSETS, SHIM_TERMIOS_SET, false},
        {TCSETSW, SHIM_TERMIOS_SET, false},
        {TCSETSF, SHIM_TERMIOS_SET, false},
        {SHIM_TCSETS2, SHIM_TERMIOS_SET, false},
        {SHIM_TCSETSW2, SHIM_TERMIOS_SET, false},
        {SHIM_TCSETSF2, SHIM_TERMIOS_SET, false},
        {TCFLSH, SHIM_FLUSH, false},
        {TIOCSBRK, SHIM_BREAK_ON, false},
        {TIOCCBRK, SHIM_BREAK_OFF, false},
};

/* tcflush / TCFLSH selector → vserial queue number. */
static const struct {
    int selector;
    int queue;
} SHIM_FLUSH_QUEUES[] = {
        {TCIFLUSH, 1},
        {TCOFLUSH, 2},
        {TCIOFLUSH, 3},
};

struct shim_real {
    int (*ioctl)(int, unsigned long, ...);
    int (*tcsetattr)(int, int, const struct termios *);
    int (*tcflush)(int, int);
    int (*open)(const char *, int, ...);
    int (*open64)(const char *, int, ...);
    int (*openat)(int, const char *, int, ...);
    int (*openat64)(int, const char *, int, ...);
    int (*open_2)(const char *, int);
    int (*open64_2)(const char *, int);
    int (*openat_2)(int, const char *, int);
    int (*openat64_2)(int, const char *, int);
    int (*close)(int);
    int (*lstat)(const char *, struct stat *);
    int (*lxstat)(int, const char *, struct stat *);
    ssize_t (*readlink)(const char *, char *, size_t);
};

/* Process state (see the top of the file). */
static struct shim_real shim_real;
static pthread_once_t shim_once = PTHREAD_ONCE_INIT;
static _Atomic unsigned shim_fds[SHIM_FD_TRACK_MAX]; /* fd → pts number + 1, 0 = not ours */

/* A vserial port attached for the length of one intercepted call. */
struct shim_port {
    unsigned pts;
    int sock;
    struct vserial_shared *shared;
};

/* glibc entry points that newer headers no longer declare, or declare only when fortifying. */
int __lxstat(int ver, const char *path, struct stat *buf);
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

static void *shim_find_symbol(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

static void shim_resolve_symbols(void)
{
    shim_real.ioctl = (int (*)(int, unsigned long, ...))shim_find_symbol("ioctl");
    shim_real.tcsetattr = (int (*)(int, int, const struct termios *))shim_find_symbol("tcsetattr");
    shim_real.tcflush = (int (*)(int, int))shim_find_symbol("tcflush");
    shim_real.open = (int (*)(const char *, int, ...))shim_find_symbol("open");
    shim_real.open64 = (int (*)(const char *, int, ...))shim_find_symbol("open64");
    shim_real.openat = (int (*)(int, const char *, int, ...))shim_find_symbol("openat");
    shim_real.openat64 = (int (*)(int, const char *, int, ...))shim_find_symbol("openat64");
    shim_real.open_2 = (int (*)(const char *, int))shim_find_symbol("__open_2");
    shim_real.open64_2 = (int (*)(const char *, int))shim_find_symbol("__open64_2");
    shim_real.openat_2 = (int (*)(int, const char *, int))shim_find_symbol("__openat_2");
    shim_real.openat64_2 = (int (*)(int, const char *, int))shim_find_symbol("__openat64_2");
    shim_real.close = (int (*)(int))shim_find_symbol("close");
    shim_real.lstat = (int (*)(const char *, struct stat *))shim_find_symbol("lstat");
    shim_real.readlink = (ssize_t(*)(const char *, char *, size_t))shim_find_symbol("readlink");
    /* glibc 2.33 turned __lxstat into a compatibility symbol that plain dlsym does not see. */
    shim_real.lxstat =
            (int (*)(int, const char *, struct stat *))dlvsym(RTLD_NEXT, "__lxstat", "GLIBC_2.2.5");
}

static void shim_init(void)
{
    pthread_once(&shim_once, shim_resolve_symbols);
}

static int shim_fail_missing(void)
{
    errno = ENOSYS;
    return -1;
}

static uint64_t shim_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The pts number behind fd, when fd is a pty slave. */
static bool shim_find_pts(int fd, unsigned *pts)
{
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode)) {
        return false;
    }
    unsigned maj = major(st.st_rdev);
    if (maj < SHIM_PTS_MAJOR_FIRST || maj > SHIM_PTS_MAJOR_LAST) {
        return false;
    }
    *pts = (maj - SHIM_PTS_MAJOR_FIRST) * SHIM_PTS_MINORS + minor(st.st_rdev);
    return true;
}

/* Connects to the port's control socket and maps its shared state. False (and nothing held) when
 * no live vserial port owns that pts number. Leaves errno as it was. */
static bool shim_attach_port(unsigned pts, struct shim_port *port)
{
    int saved = errno;
    bool ok = false;
    struct sockaddr_un addr;
    char name[VSERIAL_WIRE_NAME_MAX];
    int shm = -1;
    void *map = MAP_FAILED;

    port->pts = pts;
    port->shared = NULL;
    port->sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (port->sock < 0) {
        goto out;
    }
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    int n = snprintf(addr.sun_path + 1, sizeof addr.sun_path - 1, VSERIAL_WIRE_SOCKET_FMT, pts);
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1u + (size_t)n);
    if (connect(port->sock, (const struct sockaddr *)&addr, len) != 0) {
        goto out;
    }
    snprintf(name, sizeof name, VSERIAL_WIRE_SHM_FMT, pts);
    shm = shm_open(name, O_RDWR | O_CLOEXEC, 0);
    if (shm < 0) {
        goto out;
    }
    map = mmap(NULL, sizeof(struct vserial_shared), PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
    if (map == MAP_FAILED) {
        goto out;
    }
    port->shared = map;
    ok = port->shared->magic == VSERIAL_WIRE_MAGIC && port->shared->version == VSERIAL_WIRE_VERSION;
out:
    if (shm >= 0) {
        shim_real.close(shm);
    }
    if (!ok) {
        if (map != MAP_FAILED) {
            munmap(map, sizeof(struct vserial_shared));
        }
        if (port->sock >= 0) {
            shim_real.close(port->sock);
        }
        port->sock = -1;
        port->shared = NULL;
    }
    errno = saved;
    return ok;
}

static void shim_detach_port(struct shim_port *port)
{
    int saved = errno;
    munmap(port->shared, sizeof(struct vserial_shared));
    shim_real.close(port->sock);
    errno = saved;
}

static bool shim_attach_fd(int fd, struct shim_port *port)
{
    unsigned pts;
    return shim_find_pts(fd, &pts) && shim_attach_port(pts, port);
}

static struct vserial_wire_event shim_make_event(const struct shim_port *port,
                                                 enum vserial_event_kind kind, uint64_t t_ns)
{
    struct vserial_wire_event ev;
    memset(&ev, 0, sizeof ev);
    ev.t_ns = t_ns;
    ev.kind = (uint32_t)kind;
    ev.pid = (int32_t)getpid();
    ev.lines = atomic_load(&port->shared->lines);
    ev.baud = atomic_load(&port->shared->baud);
    return ev;
}

/* Puts an event in the shared ring (bounded MPSC queue) and rings vserial's doorbell. */
static void shim_post_event(const struct shim_port *port, const struct vserial_wire_event *ev)
{
    struct vserial_shared *sh = port->shared;
    uint64_t pos = atomic_load_explicit(&sh->tail, memory_order_relaxed);
    bool stored = false;
    for (;;) {
        struct vserial_wire_slot *slot = &sh->slots[pos % VSERIAL_WIRE_RING_SLOTS];
        uint64_t seq = atomic_load_explicit(&slot->seq, memory_order_acquire);
        int64_t dif = (int64_t)(seq - pos);
        if (dif == 0) {
            if (atomic_compare_exchange_weak_explicit(&sh->tail, &pos, pos + 1,
                                                      memory_order_relaxed, memory_order_relaxed)) {
                slot->ev = *ev;
                atomic_store_explicit(&slot->seq, pos + 1, memory_order_release);
                stored = true;
                break;
            }
        } else if (dif < 0) {
            atomic_fetch_add(&sh->dropped, 1u);
            break;
        } else {
            pos = atomic_load_explicit(&sh->tail, memory_order_relaxed);
        }
    }
    if (stored) {
        int saved = errno;
        static const char DOORBELL = 1;
        send(port->sock, &DOORBELL, sizeof DOORBELL, MSG_DONTWAIT | MSG_NOSIGNAL);
        errno = saved;
    }
}

/* Reads the speed the kernel now holds and reports it when it differs from the last one. */
static void shim_report_speed(const struct shim_port *port, int fd, uint64_t t_ns)
{
    struct shim_termios2 k;
    if (shim_real.ioctl(fd, SHIM_TCGETS2, &k) != 0) {
        return;
    }
    uint32_t baud = k.c_ospeed;
    int32_t divisor = atomic_load(&port->shared->custom_divisor);
    if (baud == SHIM_ALT_SPEED && divisor > 0 &&
        (atomic_load(&port->shared->serial_flags) & ASYNC_SPD_MASK) == ASYNC_SPD_CUST) {
        baud = (uint32_t)(VSERIAL_WIRE_BAUD_BASE / divisor);
    }
    if (baud == 0) {
        return; /* B0 hangs up; there is no rate to report */
    }
    uint32_t old = atomic_exchange(&port->shared->baud, baud);
    if (old != baud) {
        struct vserial_wire_event ev = shim_make_event(port, VSERIAL_EV_BAUD, t_ns);
        ev.baud = baud;
        shim_post_event(port, &ev);
    }
}

static void shim_report_flush(const struct shim_port *port, int selector, uint64_t t_ns)
{
    for (size_t i = 0; i < sizeof SHIM_FLUSH_QUEUES / sizeof SHIM_FLUSH_QUEUES[0]; i++) {
        if (SHIM_FLUSH_QUEUES[i].selector == selector) {
            struct vserial_wire_event ev = shim_make_event(port, VSERIAL_EV_FLUSH, t_ns);
            ev.queue = SHIM_FLUSH_QUEUES[i].queue;
            shim_post_event(port, &ev);
        }
    }
}

/* After a successful real call that changes the port: reports what changed. */
static void shim_report_change(int fd, enum shim_action action, void *arg, uint64_t t_ns)
{
    struct shim_port port;
    if (!shim_attach_fd(fd, &port)) {
        return;
    }
    int saved = errno;
    switch (action) {
    case SHIM_TERMIOS_SET: shim_report_speed(&port, fd, t_ns); break;
    case SHIM_FLUSH: shim_report_flush(&port, (int)(intptr_t)arg, t_ns); break;
    case SHIM_BREAK_ON:
    case SHIM_BREAK_OFF: {
        struct vserial_wire_event ev = shim_make_event(&port, VSERIAL_EV_BREAK, t_ns);
        ev.on = action == SHIM_BREAK_ON ? 1u : 0u;
        shim_post_event(&port, &ev);
        break;
    }
    default: break;
    }
    errno = saved;
    shim_detach_port(&port);
}

static uint32_t shim_apply_lines(enum shim_action action, uint32_t old, uint32_t bits)
{
    bits &= VSERIAL_WIRE_DTR | VSERIAL_WIRE_RTS;
    switch (action) {
    case SHIM_MODEM_SET: return bits;
    case SHIM_MODEM_BIS: return old | bits;
    case SHIM_MODEM_BIC: return old & ~bits;
    default: return old;
    }
}

/* TIOCMSET / TIOCMBIS / TIOCMBIC: one call, one LINES event, however many lines it changes. */
static int shim_set_modem(const struct shim_port *port, enum shim_action action, const void *arg,
                          uint64_t t_ns)
{
    int value;
    memcpy(&value, arg, sizeof value);
    uint32_t bits = (uint32_t)value;
    uint32_t old = atomic_load(&port->shared->lines);
    uint32_t next;
    do {
        next = shim_apply_lines(action, old, bits);
    } while (!atomic_compare_exchange_weak(&port->shared->lines, &old, next));
    struct vserial_wire_event ev = shim_make_event(port, VSERIAL_EV_LINES, t_ns);
    ev.lines = next;
    shim_post_event(port, &ev);
    return 0;
}

static int shim_get_serial(const struct shim_port *port, struct serial_struct *out)
{
    struct serial_struct ss;
    memset(&ss, 0, sizeof ss);
    ss.type = PORT_16550A;
    ss.line = (int)port->pts;
    ss.flags = (int)atomic_load(&port->shared->serial_flags);
    ss.xmit_fifo_size = SHIM_SERIAL_FIFO;
    ss.baud_base = VSERIAL_WIRE_BAUD_BASE;
    ss.custom_divisor = atomic_load(&port->shared->custom_divisor);
    memcpy(out, &ss, sizeof ss);
    return 0;
}

static int shim_set_serial(const struct shim_port *port, const struct serial_struct *in)
{
    struct serial_struct ss;
    memcpy(&ss, in, sizeof ss);
    atomic_store(&port->shared->serial_flags, (uint32_t)ss.flags & ASYNC_SPD_MASK);
    atomic_store(&port->shared->custom_divisor, ss.custom_divisor);
    return 0;
}

/* An emulated ioctl on a vserial port. A hung-up port (vserial_unplug) fails like an unplugged
 * adapter: the kernel answers every tty ioctl with EIO, and tcgetattr finds that out. */
static int shim_emulate_ioctl(const struct shim_port *port, int fd, enum shim_action action,
                              void *arg, uint64_t t_ns)
{
    struct termios tio;
    if (tcgetattr(fd, &tio) != 0) {
        return -1;
    }
    if (arg == NULL) {
        errno = EFAULT;
        return -1;
    }
    switch (action) {
    case SHIM_MODEM_GET: {
        int bits = (int)(atomic_load(&port->shared->lines) | SHIM_INPUT_LINES);
        memcpy(arg, &bits, sizeof bits);
        return 0;
    }
    case SHIM_MODEM_SET:
    case SHIM_MODEM_BIS:
    case SHIM_MODEM_BIC: return shim_set_modem(port, action, arg, t_ns);
    case SHIM_SERIAL_GET: return shim_get_serial(port, arg);
    case SHIM_SERIAL_SET: return shim_set_serial(port, arg);
    case SHIM_ICOUNT_GET: {
        struct serial_icounter_struct counts;
        memset(&counts, 0, sizeof counts);
        memcpy(arg, &counts, sizeof counts);
        return 0;
    }
    case SHIM_LSR_GET: {
        unsigned lsr = TIOCSER_TEMT; /* a pty has no transmitter to wait for */
        memcpy(arg, &lsr, sizeof lsr);
        return 0;
    }
    default: errno = ENOTTY; return -1;
    }
}

int ioctl(int fd, unsigned long request, ...)
{
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    shim_init();
    if (shim_real.ioctl == NULL) {
        return shim_fail_missing();
    }
    size_t i = 0;
    size_t count = sizeof SHIM_IOCTLS / sizeof SHIM_IOCTLS[0];
    while (i < count && SHIM_IOCTLS[i].request != request) {
        i++;
    }
    if (i == count) {
        return shim_real.ioctl(fd, request, arg);
    }
    uint64_t t_ns = shim_now_ns();
    int rc;
    if (SHIM_IOCTLS[i].emulated) {
        struct shim_port port;
        if (!shim_attach_fd(fd, &port)) {
            return shim_real.ioctl(fd, request, arg);
        }
        rc = shim_emulate_ioctl(&port, fd, SHIM_IOCTLS[i].action, arg, t_ns);
        shim_detach_port(&port);
    } else {
        rc = shim_real.ioctl(fd, request, arg);
        if (rc == 0) {
            shim_report_change(fd, SHIM_IOCTLS[i].action, arg, t_ns);
        }
    }
    return rc;
}

/* glibc's tcsetattr and tcflush issue their ioctl internally, so they are intercepted as well. */
int tcsetattr(int fd, int actions, const struct termios *tio)
{
    shim_init();
    if (shim_real.tcsetattr == NULL) {
        return shim_fail_missing();
    }
    uint64_t t_ns = shim_now_ns();
    int rc = shim_real.tcsetattr(fd, actions, tio);
    if (rc == 0) {
        shim_report_change(fd, SHIM_TERMIOS_SET, NULL, t_ns);
    }
    return rc;
}

int tcflush(int fd, int selector)
{
    shim_init();
    if (shim_real.tcflush == NULL) {
        return shim_fail_missing();
    }
    uint64_t t_ns = shim_now_ns();
    int rc = shim_real.tcflush(fd, selector);
    if (rc == 0) {
        shim_report_change(fd, SHIM_FLUSH, (void *)(intptr_t)selector, t_ns);
    }
    return rc;
}

/* After a successful open: a vserial port gets the state a freshly opened USB adapter has (Linux
 * raises DTR and RTS on open; no baud rate reported yet) and an OPEN event. */
static int shim_note_open(int fd, uint64_t t_ns)
{
    struct shim_port port;
    if (fd < 0 || fd >= SHIM_FD_TRACK_MAX || !shim_attach_fd(fd, &port)) {
        return fd;
    }
    atomic_store(&shim_fds[fd], port.pts + 1u);
    atomic_store(&port.shared->baud, 0u);
    atomic_store(&port.shared->lines, VSERIAL_WIRE_DTR | VSERIAL_WIRE_RTS);
    struct vserial_wire_event ev = shim_make_event(&port, VSERIAL_EV_OPEN, t_ns);
    shim_post_event(&port, &ev);
    shim_detach_port(&port);
    return fd;
}

#define SHIM_NEEDS_MODE(flags) (((flags)&O_CREAT) != 0 || ((flags)&O_TMPFILE) == O_TMPFILE)

int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (SHIM_NEEDS_MODE(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    shim_init();
    if (shim_real.open == NULL) {
        return shim_fail_missing();
    }
    uint64_t t_ns = shim_now_ns();
    return shim_note_open(shim_real.open(path, flags, mode), t_ns);
}

int open64(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (SHIM_NEEDS_MODE(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    shim_init();
    if (shim_real.open64 == NULL) {
        return shim_fail_missing();
    }
    uint64_t t_ns = shim_now_ns();
    return shim_note_open(shim_real.open64(path, flags, mode), t_ns);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (SHIM_NEEDS_MODE(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    shim_init();
    if (shim_real.openat == NULL) {
        return shim_fail_missing();
    }
    uint64_t t_ns = shim_now_ns();
    return shim_note_open(shim_real.openat(dirfd, path, flags, mode), t_ns);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (SHIM_NEEDS_MODE(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    shim_init();
    if (shim_real.openat64 == NULL) {
        return shim_fail_missing();
    }
    uint64_t t_ns = shim_now_ns();
    return shim_note_open(shim_real.openat64(dirfd, path, flags, mode), t_ns);
}

/* The _FORTIFY_SOURCE variants (libserialport 0.1.1 as Debian builds it calls __open_2). */
int __open_2(const char *path, int flags)
{
    shim_init();
    if (shim_real.open_2 == NULL) {
        return shim_fail_missing();
    }
    uint64_t t_ns = shim_now_ns();
    return shim_note_open(shim_real.open_2(path, flags), t_ns);
}

int __open64_2(const char *path, int flags)
{
    shim_init();
    if (shim_real.open64_2 == NULL) {
        return shim_fail_missing();
    }
    uint64_t t_ns = shim_now_ns();
    return shim_note_open(shim_real.open64_2(path, flags), t_ns);
}

int __openat_2(int dirfd, const char *path, int flags)
{
    shim_init();
    if (shim_real.openat_2 == NULL) {
        return shim_fail_missing();
    }
    uint64_t t_ns = shim_now_ns();
    return shim_note_open(shim_real.openat_2(dirfd, path, flags), t_ns);
}

int __openat64_2(int dirfd, const char *path, int flags)
{
    shim_init();
    if (shim_real.openat64_2 == NULL) {
        return shim_fail_missing();
    }
    uint64_t t_ns = shim_now_ns();
    return shim_note_open(shim_real.openat64_2(dirfd, path, flags), t_ns);
}

/* Closing a descriptor this process opened on a vserial port reports CLOSE. With HUPCL set the
 * kernel drops DTR and RTS on the last close, and so does the emulation. */
int close(int fd)
{
    shim_init();
    if (shim_real.close == NULL) {
        return shim_fail_missing();
    }
    if (fd < 0 || fd >= SHIM_FD_TRACK_MAX || atomic_load(&shim_fds[fd]) == 0u) {
        return shim_real.close(fd);
    }
    uint64_t t_ns = shim_now_ns();
    unsigned tracked = atomic_exchange(&shim_fds[fd], 0u);
    unsigned pts = 0;
    bool same = tracked != 0u && shim_find_pts(fd, &pts) && pts + 1u == tracked;
    struct termios tio;
    bool hupcl = same && tcgetattr(fd, &tio) == 0 && (tio.c_cflag & HUPCL) != 0;
    int rc = shim_real.close(fd);
    struct shim_port port;
    if (same && shim_attach_port(pts, &port)) {
        if (hupcl) {
            atomic_fetch_and(&port.shared->lines, ~(VSERIAL_WIRE_DTR | VSERIAL_WIRE_RTS));
        }
        struct vserial_wire_event ev = shim_make_event(&port, VSERIAL_EV_CLOSE, t_ns);
        shim_post_event(&port, &ev);
        shim_detach_port(&port);
    }
    return rc;
}

/* "/sys/class/tty/pts/N" of a live vserial port: libserialport looks a port up there before it
 * opens it (lstat, then readlink), and a pty has no such entry. */
static bool shim_match_sysfs(const char *path, unsigned *pts)
{
    size_t prefix = sizeof SHIM_SYSFS_PTS - 1u;
    if (path == NULL || strncmp(path, SHIM_SYSFS_PTS, prefix) != 0) {
        return false;
    }
    const char *p = path + prefix;
    unsigned long n = 0;
    if (*p == '\0') {
        return false;
    }
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || n > SHIM_PTS_MAX) {
            return false;
        }
        n = n * 10u + (unsigned long)(*p - '0');
    }
    struct shim_port port;
    if (!shim_attach_port((unsigned)n, &port)) {
        return false;
    }
    shim_detach_port(&port);
    *pts = (unsigned)n;
    return true;
}

static size_t shim_format_target(unsigned pts, char *buf, size_t size)
{
    int n = snprintf(buf, size, SHIM_SYSFS_TARGET, pts);
    return n < 0 ? 0u : (size_t)n;
}

static void shim_fill_stat(unsigned pts, struct stat *buf)
{
    char target[VSERIAL_WIRE_NAME_MAX];
    memset(buf, 0, sizeof *buf);
    buf->st_mode = S_IFLNK | 0777;
    buf->st_nlink = 1;
    buf->st_size = (off_t)shim_format_target(pts, target, sizeof target);
}

int lstat(const char *restrict path, struct stat *restrict buf)
{
    unsigned pts;
    shim_init();
    if (shim_match_sysfs(path, &pts)) {
        shim_fill_stat(pts, buf);
        return 0;
    }
    return shim_real.lstat ? shim_real.lstat(path, buf) : shim_fail_missing();
}

int __lxstat(int ver, const char *path, struct stat *buf)
{
    unsigned pts;
    shim_init();
    if (shim_match_sysfs(path, &pts)) {
        shim_fill_stat(pts, buf);
        return 0;
    }
    if (shim_real.lxstat != NULL) {
        return shim_real.lxstat(ver, path, buf);
    }
    if (ver == SHIM_STAT_VER && shim_real.lstat != NULL) {
        return shim_real.lstat(path, buf);
    }
    errno = EINVAL;
    return -1;
}

ssize_t readlink(const char *restrict path, char *restrict buf, size_t size)
{
    unsigned pts;
    shim_init();
    if (shim_match_sysfs(path, &pts)) {
        char target[VSERIAL_WIRE_NAME_MAX];
        size_t n = shim_format_target(pts, target, sizeof target);
        if (n > size) {
            n = size;
        }
        memcpy(buf, target, n); /* path is no longer needed: libserialport passes buf as path */
        return (ssize_t)n;
    }
    return shim_real.readlink ? shim_real.readlink(path, buf, size) : shim_fail_missing();
}
