/* SPDX-License-Identifier: MIT */
/* Virtual serial ports for tests: a raw pty pair behind a symlink, with the control socket and
 * shared state through which libvserial_shim.so reports what the client does to the port. */
#define _GNU_SOURCE

#include "vserial.h"
#include "vserial_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#define VSERIAL_PATH_MAX     PATH_MAX
#define VSERIAL_DOORBELL_MAX 64 /* bytes read per doorbell datagram */

struct vserial {
    int master;
    int slave; /* held open so the master never reports a hang-up between client sessions */
    int sock;  /* control socket: bound name = "this port is alive", datagrams = doorbell */
    unsigned pts;
    struct vserial_shared *shared;
    char client_path[VSERIAL_PATH_MAX];
    char link_path[VSERIAL_PATH_MAX];
    char shm_name[VSERIAL_WIRE_NAME_MAX];
    struct sockaddr_un addr;
    socklen_t addr_len;
};

static int vserial_fail_errno(void)
{
    return errno != 0 ? -errno : -EIO;
}

static void vserial_close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Raw mode: no echo, no line editing, no CR/LF translation, no XON/XOFF, 8 bits. */
static int vserial_make_raw(int fd)
{
    struct termios tio;
    if (tcgetattr(fd, &tio) != 0) {
        return vserial_fail_errno();
    }
    cfmakeraw(&tio);
    tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
    tio.c_cflag |= CLOCAL | CREAD;
    if (tcsetattr(fd, TCSANOW, &tio) != 0) {
        return vserial_fail_errno();
    }
    return 0;
}

static int vserial_open_pty(struct vserial *vs)
{
    int n;
    vs->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (vs->master < 0 || grantpt(vs->master) != 0 || unlockpt(vs->master) != 0 ||
        ioctl(vs->master, TIOCGPTN, &n) != 0) {
        return vserial_fail_errno();
    }
    vs->pts = (unsigned)n;
    snprintf(vs->client_path, sizeof vs->client_path, "/dev/pts/%u", vs->pts);
    /* Opened before the control socket exists, so the shim (if loaded here) ignores it. */
    vs->slave = open(vs->client_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (vs->slave < 0) {
        return vserial_fail_errno();
    }
    int rc = vserial_make_raw(vs->slave);
    if (rc == 0) {
        rc = vserial_make_raw(vs->master);
    }
    return rc;
}

/* The shared state; a stale object of a crashed earlier run with the same pts is replaced. */
static int vserial_open_shared(struct vserial *vs)
{
    int rc = 0;
    snprintf(vs->shm_name, sizeof vs->shm_name, VSERIAL_WIRE_SHM_FMT, vs->pts);
    shm_unlink(vs->shm_name);
    int fd = shm_open(vs->shm_name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return vserial_fail_errno();
    }
    if (ftruncate(fd, (off_t)sizeof(struct vserial_shared)) != 0) {
        rc = vserial_fail_errno();
    } else {
        void *map = mmap(NULL, sizeof(struct vserial_shared), PROT_READ | PROT_WRITE, MAP_SHARED,
                         fd, 0);
        if (map == MAP_FAILED) {
            rc = vserial_fail_errno();
        } else {
            vs->shared = map;
        }
    }
    close(fd);
    if (rc != 0) {
        shm_unlink(vs->shm_name);
        vs->shm_name[0] = '\0';
        return rc;
    }
    struct vserial_shared *sh = vs->shared;
    for (uint64_t i = 0; i < VSERIAL_WIRE_RING_SLOTS; i++) {
        atomic_init(&sh->slots[i].seq, i);
    }
    atomic_init(&sh->head, 0u);
    atomic_init(&sh->tail, 0u);
    atomic_init(&sh->lines, 0u);
    atomic_init(&sh->baud, 0u);
    atomic_init(&sh->serial_flags, 0u);
    atomic_init(&sh->custom_divisor, 0);
    atomic_init(&sh->dropped, 0u);
    sh->version = VSERIAL_WIRE_VERSION;
    atomic_thread_fence(memory_order_release);
    sh->magic = VSERIAL_WIRE_MAGIC;
    return 0;
}

/* Binding the name is what makes the port visible to the shim, so it comes last but one. */
static int vserial_open_socket(struct vserial *vs)
{
    vs->sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (vs->sock < 0) {
        return vserial_fail_errno();
    }
    memset(&vs->addr, 0, sizeof vs->addr);
    vs->addr.sun_family = AF_UNIX;
    int n = snprintf(vs->addr.sun_path + 1, sizeof vs->addr.sun_path - 1, VSERIAL_WIRE_SOCKET_FMT,
                     vs->pts);
    vs->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1u + (size_t)n);
    if (bind(vs->sock, (const struct sockaddr *)&vs->addr, vs->addr_len) != 0) {
        return vserial_fail_errno();
    }
    return 0;
}

/* link_path → /dev/pts/N, replacing whatever link was there in one rename. */
static int vserial_make_link(struct vserial *vs, const char *link_path)
{
    char tmp[VSERIAL_PATH_MAX];
    if (strlen(link_path) >= sizeof vs->link_path ||
        snprintf(tmp, sizeof tmp, "%s.%ld.tmp", link_path, (long)getpid()) >= (int)sizeof tmp) {
        return -ENAMETOOLONG;
    }
    unlink(tmp);
    if (symlink(vs->client_path, tmp) != 0) {
        return vserial_fail_errno();
    }
    if (rename(tmp, link_path) != 0) {
        int rc = vserial_fail_errno();
        unlink(tmp);
        return rc;
    }
    snprintf(vs->link_path, sizeof vs->link_path, "%s", link_path);
    return 0;
}

/* Removes the link only while it still points at this port's pty. */
static void vserial_remove_link(struct vserial *vs)
{
    char target[VSERIAL_PATH_MAX];
    if (vs->link_path[0] == '\0') {
        return;
    }
    ssize_t n = readlink(vs->link_path, target, sizeof target - 1u);
    if (n >= 0) {
        target[n] = '\0';
        if (strcmp(target, vs->client_path) == 0) {
            unlink(vs->link_path);
        }
    }
}

int vserial_create(const char *link_path, struct vserial **out)
{
    if (link_path == NULL || out == NULL || link_path[0] == '\0') {
        return -EINVAL;
    }
    *out = NULL;
    struct vserial *vs = calloc(1, sizeof *vs);
    if (vs == NULL) {
        return -ENOMEM;
    }
    vs->master = -1;
    vs->slave = -1;
    vs->sock = -1;
    int rc = vserial_open_pty(vs);
    if (rc == 0) {
        rc = vserial_open_shared(vs);
    }
    if (rc == 0) {
        rc = vserial_open_socket(vs);
    }
    if (rc == 0) {
        rc = vserial_make_link(vs, link_path);
    }
    if (rc != 0) {
        vserial_destroy(vs);
        return rc;
    }
    *out = vs;
    return 0;
}

int vserial_data_fd(const struct vserial *vs)
{
    return vs ? vs->master : -1;
}

int vserial_client_fd(const struct vserial *vs)
{
    return vs ? vs->slave : -1;
}

int vserial_event_fd(const struct vserial *vs)
{
    return vs ? vs->sock : -1;
}

static bool vserial_has_event(const struct vserial_shared *sh)
{
    uint64_t head = atomic_load_explicit(&sh->head, memory_order_relaxed);
    const struct vserial_wire_slot *slot = &sh->slots[head % VSERIAL_WIRE_RING_SLOTS];
    return atomic_load_explicit(&slot->seq, memory_order_acquire) == head + 1u;
}

int vserial_next_event(struct vserial *vs, struct vserial_event *ev)
{
    if (vs == NULL || ev == NULL || vs->shared == NULL) {
        return 0;
    }
    struct vserial_shared *sh = vs->shared;
    char bell[VSERIAL_DOORBELL_MAX];
    while (vs->sock >= 0 && recv(vs->sock, bell, sizeof bell, MSG_DONTWAIT) >= 0) {
        /* drain the doorbells; the events themselves are in the ring */
    }
    if (!vserial_has_event(sh)) {
        return 0;
    }
    uint64_t head = atomic_load_explicit(&sh->head, memory_order_relaxed);
    struct vserial_wire_slot *slot = &sh->slots[head % VSERIAL_WIRE_RING_SLOTS];
    struct vserial_wire_event wire = slot->ev;
    atomic_store_explicit(&slot->seq, head + VSERIAL_WIRE_RING_SLOTS, memory_order_release);
    atomic_store_explicit(&sh->head, head + 1u, memory_order_relaxed);

    memset(ev, 0, sizeof *ev);
    ev->t_ns = wire.t_ns;
    ev->kind = (enum vserial_event_kind)wire.kind;
    ev->dtr = (wire.lines & VSERIAL_WIRE_DTR) != 0;
    ev->rts = (wire.lines & VSERIAL_WIRE_RTS) != 0;
    ev->baud = wire.baud;
    ev->queue = wire.queue;
    ev->on = wire.on != 0;
    ev->pid = wire.pid;

    /* Keep the event fd readable while events remain. */
    if (vs->sock >= 0 && vserial_has_event(sh)) {
        static const char DOORBELL = 1;
        sendto(vs->sock, &DOORBELL, sizeof DOORBELL, MSG_DONTWAIT,
               (const struct sockaddr *)&vs->addr, vs->addr_len);
    }
    return 1;
}

bool vserial_dtr(const struct vserial *vs)
{
    return vs && vs->shared && (atomic_load(&vs->shared->lines) & VSERIAL_WIRE_DTR) != 0;
}

bool vserial_rts(const struct vserial *vs)
{
    return vs && vs->shared && (atomic_load(&vs->shared->lines) & VSERIAL_WIRE_RTS) != 0;
}

uint32_t vserial_baud(const struct vserial *vs)
{
    return vs && vs->shared ? atomic_load(&vs->shared->baud) : 0u;
}

uint64_t vserial_dropped_events(const struct vserial *vs)
{
    return vs && vs->shared ? atomic_load(&vs->shared->dropped) : 0u;
}

const char *vserial_client_path(const struct vserial *vs)
{
    return vs ? vs->client_path : "";
}

const char *vserial_link_path(const struct vserial *vs)
{
    return vs ? vs->link_path : "";
}

void vserial_unplug(struct vserial *vs)
{
    if (vs == NULL) {
        return;
    }
    vserial_remove_link(vs);
    vs->link_path[0] = '\0';
    /* The socket and shared-memory names derive from the pts number, which another process may
     * get as soon as the master is closed: release the names first, or its vserial_create
     * fails to bind (EADDRINUSE) and its fresh shared object gets unlinked by ours. */
    vserial_close_fd(&vs->sock); /* releases the name: the shim no longer knows the port */
    if (vs->shm_name[0] != '\0') {
        shm_unlink(vs->shm_name);
        vs->shm_name[0] = '\0';
    }
    vserial_close_fd(&vs->master); /* hangs up the pty: the client's I/O now fails */
    vserial_close_fd(&vs->slave);
}

void vserial_destroy(struct vserial *vs)
{
    if (vs == NULL) {
        return;
    }
    vserial_unplug(vs);
    if (vs->shared != NULL) {
        munmap(vs->shared, sizeof(struct vserial_shared));
    }
    free(vs);
}
