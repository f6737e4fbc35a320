/* SPDX-License-Identifier: MIT */
/* Tests of vserial and its LD_PRELOAD shim (ctest preloads libvserial_shim.so): data, modem lines,
 * baud rates, flushes, unplugging, libserialport on a vserial port, and plain ptys left alone. */
#define _GNU_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "port_thread.h"
#include "testutil.h"
#include "vserial.h"

#include <errno.h>
#include <fcntl.h>
#include <libserialport.h>
#include <linux/serial.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define TEST_EVENTS_MAX    64
#define TEST_IO_TIMEOUT_MS 2000
#define TEST_BAUD_BASE     936000000 /* what the shim's TIOCGSERIAL reports */

/* The kernel's struct termios2 and its ioctls (asm/termbits.h clashes with <termios.h>). */
struct test_termios2 {
    tcflag_t c_iflag;
    tcflag_t c_oflag;
    tcflag_t c_cflag;
    tcflag_t c_lflag;
    cc_t c_line;
    cc_t c_cc[19];
    speed_t c_ispeed;
    speed_t c_ospeed;
};
#define TEST_TCGETS2 _IOR('T', 0x2A, struct test_termios2)
#define TEST_TCSETS2 _IOW('T', 0x2B, struct test_termios2)
#define TEST_BOTHER  0010000

struct fixture {
    struct vserial *vs;
    int client;
    char link[128];
    struct vserial_event ev[TEST_EVENTS_MAX];
    size_t count;
};

static uint64_t test_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Takes every waiting event into f->ev. */
static size_t take_events(struct fixture *f)
{
    f->count = 0;
    while (f->count < TEST_EVENTS_MAX && vserial_next_event(f->vs, &f->ev[f->count]) == 1) {
        f->count++;
    }
    return f->count;
}

static size_t count_kind(const struct fixture *f, enum vserial_event_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < f->count; i++) {
        n += f->ev[i].kind == kind;
    }
    return n;
}

static int setup(void **state)
{
    static unsigned serial;
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->link, sizeof f->link, "/tmp/mf-vserial-test-%ld-%u", (long)getpid(), serial++);
    assert_int_equal(vserial_create(f->link, &f->vs), 0);
    f->client = open(f->link, O_RDWR | O_NOCTTY);
    assert_true(f->client >= 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f->client >= 0) {
        close(f->client);
    }
    vserial_destroy(f->vs);
    free(f);
    return 0;
}

static void read_exact(int fd, uint8_t *buf, size_t size)
{
    size_t got = 0;
    while (got < size) {
        struct pollfd p = {fd, POLLIN, 0};
        assert_int_equal(poll(&p, 1, TEST_IO_TIMEOUT_MS), 1);
        ssize_t n = read(fd, buf + got, size - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
}

static void write_all(int fd, const uint8_t *buf, size_t size)
{
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, buf + done, size - done);
        assert_true(n > 0);
        done += (size_t)n;
    }
}

struct pump {
    int fd;
    const uint8_t *buf;
    size_t size;
};

static void pump_write(void *arg)
{
    struct pump *p = arg;
    write_all(p->fd, p->buf, p->size);
}

/* Sends size bytes from `from` to `to` (a writer thread, so neither side's buffer must hold it
 * all). */
static void transfer(int from, int to, size_t size, uint32_t seed)
{
    uint8_t *out = malloc(size);
    uint8_t *in = malloc(size);
    assert_non_null(out);
    assert_non_null(in);
    test_pattern(out, size, seed);
    struct pump p = {from, out, size};
    struct port_thread t;
    assert_int_equal(port_thread_start(&t, pump_write, &p), 0);
    read_exact(to, in, size);
    port_thread_join(&t);
    assert_memory_equal(in, out, size);
    free(out);
    free(in);
}

static void test_open_event(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(take_events(f), 1);
    assert_int_equal(f->ev[0].kind, VSERIAL_EV_OPEN);
    assert_int_equal(f->ev[0].pid, (int32_t)getpid());
    assert_true(f->ev[0].dtr); /* Linux raises DTR and RTS on open */
    assert_true(f->ev[0].rts);
    assert_string_equal(vserial_link_path(f->vs), f->link);
    char target[64];
    ssize_t n = readlink(f->link, target, sizeof target - 1);
    assert_true(n > 0);
    target[n] = '\0';
    assert_string_equal(target, vserial_client_path(f->vs));
}

static void test_data_both_ways(void **state)
{
    struct fixture *f = *state;
    uint8_t all[256];
    for (size_t i = 0; i < sizeof all; i++) {
        all[i] = (uint8_t)i;
    }
    uint8_t in[256];
    write_all(f->client, all, sizeof all);
    read_exact(vserial_data_fd(f->vs), in, sizeof in);
    assert_memory_equal(in, all, sizeof all);
    write_all(vserial_data_fd(f->vs), all, sizeof all);
    read_exact(f->client, in, sizeof in);
    assert_memory_equal(in, all, sizeof all);

    transfer(f->client, vserial_data_fd(f->vs), 256 * 1024, 1);
    transfer(vserial_data_fd(f->vs), f->client, 256 * 1024, 2);
}

static void set_line(int fd, unsigned long request, int bits)
{
    assert_int_equal(ioctl(fd, request, &bits), 0);
}

static void test_lines_in_order(void **state)
{
    struct fixture *f = *state;
    static const struct {
        unsigned long request;
        int bits;
        bool dtr;
        bool rts;
    } steps[] = {
            {TIOCMBIC, TIOCM_DTR | TIOCM_RTS, false, false},
            {TIOCMBIS, TIOCM_DTR, true, false},
            {TIOCMBIS, TIOCM_RTS, true, true},
            {TIOCMBIC, TIOCM_DTR, false, true},
            {TIOCMBIC, TIOCM_RTS, false, false},
            {TIOCMSET, TIOCM_RTS, false, true},
    };
    take_events(f);
    uint64_t start = test_now_ns();
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        set_line(f->client, steps[i].request, steps[i].bits);
        int bits = 0;
        assert_int_equal(ioctl(f->client, TIOCMGET, &bits), 0);
        assert_int_equal((bits & TIOCM_DTR) != 0, steps[i].dtr);
        assert_int_equal((bits & TIOCM_RTS) != 0, steps[i].rts);
        assert_int_equal(bits & (TIOCM_CTS | TIOCM_DSR | TIOCM_CAR),
                         TIOCM_CTS | TIOCM_DSR | TIOCM_CAR);
    }
    uint64_t end = test_now_ns();
    assert_int_equal(take_events(f), sizeof steps / sizeof steps[0]);
    uint64_t last = start;
    for (size_t i = 0; i < f->count; i++) {
        assert_int_equal(f->ev[i].kind, VSERIAL_EV_LINES);
        assert_int_equal(f->ev[i].dtr, steps[i].dtr);
        assert_int_equal(f->ev[i].rts, steps[i].rts);
        assert_int_equal(f->ev[i].pid, (int32_t)getpid());
        assert_true(f->ev[i].t_ns > last);
        last = f->ev[i].t_ns;
    }
    assert_true(last <= end);
    assert_false(vserial_dtr(f->vs));
    assert_true(vserial_rts(f->vs));
}

static void test_tiocmset_is_one_event(void **state)
{
    struct fixture *f = *state;
    set_line(f->client, TIOCMSET, 0);
    take_events(f);
    set_line(f->client, TIOCMSET, TIOCM_DTR | TIOCM_RTS);
    assert_int_equal(take_events(f), 1);
    assert_int_equal(f->ev[0].kind, VSERIAL_EV_LINES);
    assert_true(f->ev[0].dtr);
    assert_true(f->ev[0].rts);
    set_line(f->client, TIOCMSET, TIOCM_DTR);
    assert_int_equal(take_events(f), 1);
    assert_true(f->ev[0].dtr);
    assert_false(f->ev[0].rts);
}

static void set_speed(int fd, speed_t speed)
{
    struct termios tio;
    assert_int_equal(tcgetattr(fd, &tio), 0);
    assert_int_equal(cfsetspeed(&tio, speed), 0);
    assert_int_equal(tcsetattr(fd, TCSANOW, &tio), 0);
}

static void set_speed2(int fd, uint32_t baud)
{
    struct test_termios2 t2;
    assert_int_equal(ioctl(fd, TEST_TCGETS2, &t2), 0);
    t2.c_cflag &= ~(tcflag_t)CBAUD;
    t2.c_cflag |= TEST_BOTHER;
    t2.c_ospeed = baud;
    t2.c_ispeed = baud;
    assert_int_equal(ioctl(fd, TEST_TCSETS2, &t2), 0);
}

static void expect_baud(struct fixture *f, uint32_t baud)
{
    assert_int_equal(take_events(f), 1);
    assert_int_equal(f->ev[0].kind, VSERIAL_EV_BAUD);
    assert_int_equal(f->ev[0].baud, baud);
    assert_int_equal(vserial_baud(f->vs), baud);
}

static void test_baud_changes(void **state)
{
    struct fixture *f = *state;
    take_events(f);
    set_speed(f->client, B115200);
    expect_baud(f, 115200);
    set_speed(f->client, B115200); /* no change, no event */
    assert_int_equal(take_events(f), 0);
    set_speed(f->client, B921600);
    expect_baud(f, 921600);
    set_speed(f->client, B2000000);
    expect_baud(f, 2000000);
    set_speed2(f->client, 74880); /* termios2 BOTHER, as libserialport sets odd rates */
    expect_baud(f, 74880);
    set_speed2(f->client, 250000);
    expect_baud(f, 250000);
    set_speed2(f->client, 250000);
    assert_int_equal(take_events(f), 0);
}

/* Wine 8 sets rates without a Bxxx constant through a custom divisor and B38400. */
static void test_baud_custom_divisor(void **state)
{
    struct fixture *f = *state;
    struct serial_struct ss;
    take_events(f);
    assert_int_equal(ioctl(f->client, TIOCGSERIAL, &ss), 0);
    assert_int_equal(ss.baud_base, TEST_BAUD_BASE);
    ss.custom_divisor = ss.baud_base / 74880;
    ss.flags = (int)(((unsigned)ss.flags & ~ASYNC_SPD_MASK) | ASYNC_SPD_CUST);
    assert_int_equal(ioctl(f->client, TIOCSSERIAL, &ss), 0);
    set_speed(f->client, B38400);
    expect_baud(f, 74880);
    ss.flags = (int)((unsigned)ss.flags & ~ASYNC_SPD_MASK);
    assert_int_equal(ioctl(f->client, TIOCSSERIAL, &ss), 0);
    set_speed(f->client, B115200);
    expect_baud(f, 115200);

    struct serial_icounter_struct counts;
    unsigned lsr = 0;
    assert_int_equal(ioctl(f->client, TIOCGICOUNT, &counts), 0);
    assert_int_equal(ioctl(f->client, TIOCSERGETLSR, &lsr), 0);
    assert_int_equal(lsr & TIOCSER_TEMT, TIOCSER_TEMT);
}

static void test_flush_events(void **state)
{
    struct fixture *f = *state;
    static const struct {
        int selector;
        int queue;
    } flushes[] = {{TCIFLUSH, 1}, {TCOFLUSH, 2}, {TCIOFLUSH, 3}};
    take_events(f);
    for (size_t i = 0; i < sizeof flushes / sizeof flushes[0]; i++) {
        assert_int_equal(tcflush(f->client, flushes[i].selector), 0);
        assert_int_equal(take_events(f), 1);
        assert_int_equal(f->ev[0].kind, VSERIAL_EV_FLUSH);
        assert_int_equal(f->ev[0].queue, flushes[i].queue);
    }
    assert_int_equal(ioctl(f->client, TCFLSH, TCIOFLUSH), 0);
    assert_int_equal(take_events(f), 1);
    assert_int_equal(f->ev[0].queue, 3);
}

static void test_break_events(void **state)
{
    struct fixture *f = *state;
    take_events(f);
    assert_int_equal(ioctl(f->client, TIOCSBRK, 0), 0);
    assert_int_equal(ioctl(f->client, TIOCCBRK, 0), 0);
    assert_int_equal(take_events(f), 2);
    assert_int_equal(f->ev[0].kind, VSERIAL_EV_BREAK);
    assert_true(f->ev[0].on);
    assert_false(f->ev[1].on);
}

static void test_event_fd_readable(void **state)
{
    struct fixture *f = *state;
    struct pollfd p = {vserial_event_fd(f->vs), POLLIN, 0};
    assert_int_equal(poll(&p, 1, 0), 1); /* the OPEN event */
    take_events(f);
    assert_int_equal(poll(&p, 1, 0), 0);
    for (int i = 0; i < 20; i++) { /* more events than the kernel queues datagrams */
        set_line(f->client, TIOCMSET, i & 1 ? TIOCM_DTR : 0);
    }
    struct vserial_event ev;
    for (int i = 0; i < 20; i++) {
        assert_int_equal(poll(&p, 1, 0), 1);
        assert_int_equal(vserial_next_event(f->vs, &ev), 1);
        assert_int_equal(ev.dtr, (i & 1) != 0);
    }
    assert_int_equal(poll(&p, 1, 0), 0);
    assert_int_equal(vserial_next_event(f->vs, &ev), 0);
    assert_int_equal(vserial_dropped_events(f->vs), 0);
}

static void test_close_event(void **state)
{
    struct fixture *f = *state;
    struct termios tio;
    assert_int_equal(tcgetattr(f->client, &tio), 0);
    tio.c_cflag |= HUPCL;
    assert_int_equal(tcsetattr(f->client, TCSANOW, &tio), 0);
    take_events(f);
    assert_int_equal(close(f->client), 0);
    f->client = -1;
    assert_int_equal(take_events(f), 1);
    assert_int_equal(f->ev[0].kind, VSERIAL_EV_CLOSE);
    assert_false(f->ev[0].dtr); /* HUPCL drops the lines on close */
    assert_false(vserial_rts(f->vs));

    /* Reopening works, raises the lines again and reports the next speed even if unchanged. */
    f->client = open(f->link, O_RDWR | O_NOCTTY);
    assert_true(f->client >= 0);
    assert_int_equal(take_events(f), 1);
    assert_int_equal(f->ev[0].kind, VSERIAL_EV_OPEN);
    assert_true(vserial_dtr(f->vs));
    assert_int_equal(vserial_baud(f->vs), 0);
    set_speed(f->client, B38400);
    expect_baud(f, 38400);
}

/* State is shared between processes: a child drives the lines, its events carry its pid. */
static void test_other_process(void **state)
{
    struct fixture *f = *state;
    take_events(f);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        int fd = open(f->link, O_RDWR | O_NOCTTY);
        int bits = TIOCM_RTS;
        _exit(fd >= 0 && ioctl(fd, TIOCMSET, &bits) == 0 ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(take_events(f), 2);
    assert_int_equal(f->ev[0].kind, VSERIAL_EV_OPEN);
    assert_int_equal(f->ev[1].kind, VSERIAL_EV_LINES);
    assert_int_equal(f->ev[1].pid, (int32_t)child);
    int bits = 0;
    assert_int_equal(ioctl(f->client, TIOCMGET, &bits), 0);
    assert_int_equal(bits & (TIOCM_DTR | TIOCM_RTS), TIOCM_RTS);
}

static void test_unplug(void **state)
{
    struct fixture *f = *state;
    take_events(f);
    vserial_unplug(f->vs);
    assert_int_equal(vserial_data_fd(f->vs), -1);
    assert_int_equal(vserial_event_fd(f->vs), -1);

    struct pollfd p = {f->client, POLLIN, 0};
    assert_int_equal(poll(&p, 1, 0), 1);
    assert_true((p.revents & POLLHUP) != 0);
    uint8_t byte = 0x55;
    assert_int_equal(read(f->client, &byte, 1), 0);
    errno = 0;
    assert_int_equal(write(f->client, &byte, 1), -1);
    assert_int_equal(errno, EIO);
    int bits = 0;
    errno = 0;
    assert_int_equal(ioctl(f->client, TIOCMGET, &bits), -1);
    assert_int_equal(errno, EIO);
    bits = TIOCM_DTR;
    assert_int_equal(ioctl(f->client, TIOCMBIS, &bits), -1);

    struct stat st;
    assert_int_equal(lstat(f->link, &st), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(open(f->link, O_RDWR | O_NOCTTY), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(take_events(f), 0);
    vserial_unplug(f->vs); /* twice is harmless */
}

/* libserialport 0.1.1 finds and opens the port (it looks in /sys/class/tty and needs TIOCMGET). */
static void test_libserialport(void **state)
{
    struct fixture *f = *state;
    struct sp_port *sp = NULL;
    assert_int_equal(sp_get_port_by_name(vserial_client_path(f->vs), &sp), SP_OK);
    assert_int_equal(sp_open(sp, SP_MODE_READ_WRITE), SP_OK);
    take_events(f);
    assert_int_equal(sp_set_baudrate(sp, 74880), SP_OK);
    take_events(f);
    assert_true(count_kind(f, VSERIAL_EV_BAUD) == 1);
    assert_int_equal(vserial_baud(f->vs), 74880);
    assert_int_equal(sp_set_dtr(sp, SP_DTR_OFF), SP_OK);
    assert_false(vserial_dtr(f->vs));
    assert_int_equal(sp_blocking_write(sp, "\x11\x13", 2, 1000), 2);
    uint8_t in[2];
    read_exact(vserial_data_fd(f->vs), in, sizeof in);
    assert_memory_equal(in, "\x11\x13", 2);
    assert_int_equal(sp_close(sp), SP_OK);
    sp_free_port(sp);
}

/* Without a vserial port behind it, a pty is left to the kernel. */
static void test_plain_pty_untouched(void **state)
{
    (void)state;
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    int n = -1;
    assert_int_equal(ioctl(master, TIOCGPTN, &n), 0);
    char path[64];
    snprintf(path, sizeof path, "/dev/pts/%d", n);
    int fd = open(path, O_RDWR | O_NOCTTY);
    assert_true(fd >= 0);

    int bits = TIOCM_DTR;
    errno = 0;
    assert_int_equal(ioctl(fd, TIOCMGET, &bits), -1);
    assert_int_equal(errno, ENOTTY);
    assert_int_equal(ioctl(fd, TIOCMBIS, &bits), -1);
    assert_int_equal(ioctl(fd, TIOCMSET, &bits), -1);
    struct serial_struct ss;
    assert_int_equal(ioctl(fd, TIOCGSERIAL, &ss), -1);
    set_speed(fd, B115200); /* passes through and works */
    assert_int_equal(tcflush(fd, TCIOFLUSH), 0);

    char sysfs[64];
    struct stat st;
    snprintf(sysfs, sizeof sysfs, "/sys/class/tty/pts/%d", n);
    errno = 0;
    assert_int_equal(lstat(sysfs, &st), -1);
    assert_int_equal(errno, ENOENT);
    char target[64];
    assert_int_equal(readlink(sysfs, target, sizeof target), -1);
    struct sp_port *sp = NULL;
    assert_int_not_equal(sp_get_port_by_name(path, &sp), SP_OK);

    /* Ordinary files are not affected either. */
    char self[64];
    assert_true(readlink("/proc/self/exe", self, sizeof self) > 0);
    assert_int_equal(lstat("/proc/self/exe", &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    close(fd);
    close(master);
}

static void test_create_replaces_link(void **state)
{
    (void)state;
    char link[128];
    snprintf(link, sizeof link, "/tmp/mf-vserial-test-%ld-replace", (long)getpid());
    unlink(link);
    assert_int_equal(symlink("/nonexistent", link), 0);
    struct vserial *a = NULL;
    struct vserial *b = NULL;
    assert_int_equal(vserial_create(link, &a), 0);
    assert_int_equal(vserial_create(link, &b), 0);
    char target[64];
    ssize_t n = readlink(link, target, sizeof target - 1);
    assert_true(n > 0);
    target[n] = '\0';
    assert_string_equal(target, vserial_client_path(b));
    vserial_destroy(a); /* the link is b's now: a leaves it alone */
    assert_true(readlink(link, target, sizeof target) > 0);
    vserial_destroy(b);
    assert_int_equal(readlink(link, target, sizeof target), -1);
    assert_int_equal(vserial_create("", &a), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_open_event, setup, teardown),
            cmocka_unit_test_setup_teardown(test_data_both_ways, setup, teardown),
            cmocka_unit_test_setup_teardown(test_lines_in_order, setup, teardown),
            cmocka_unit_test_setup_teardown(test_tiocmset_is_one_event, setup, teardown),
            cmocka_unit_test_setup_teardown(test_baud_changes, setup, teardown),
            cmocka_unit_test_setup_teardown(test_baud_custom_divisor, setup, teardown),
            cmocka_unit_test_setup_teardown(test_flush_events, setup, teardown),
            cmocka_unit_test_setup_teardown(test_break_events, setup, teardown),
            cmocka_unit_test_setup_teardown(test_event_fd_readable, setup, teardown),
            cmocka_unit_test_setup_teardown(test_close_event, setup, teardown),
            cmocka_unit_test_setup_teardown(test_other_process, setup, teardown),
            cmocka_unit_test_setup_teardown(test_unplug, setup, teardown),
            cmocka_unit_test_setup_teardown(test_libserialport, setup, teardown),
            cmocka_unit_test(test_plain_pty_untouched),
            cmocka_unit_test(test_create_replaces_link),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
