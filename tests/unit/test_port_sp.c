/* SPDX-License-Identifier: MIT */
/* Tests of the libserialport backend against a vserial port (ctest preloads libvserial_shim.so):
 * data, timeouts, modem lines, baud, flush, exclusive use, missing and unplugged ports. */
#define _GNU_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "port.h"
#include "port_thread.h"
#include "testutil.h"
#include "vserial.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define TEST_BAUD       115200u
#define TEST_IO_MS      2000u
#define TEST_BULK       (96u * 1024u)
#define TEST_EVENTS_MAX 64

struct fixture {
    struct vserial *vs;
    struct port *port;
    char link[128];
    struct vserial_event ev[TEST_EVENTS_MAX];
    size_t count;
};

static size_t take_events(struct fixture *f)
{
    f->count = 0;
    while (f->count < TEST_EVENTS_MAX && vserial_next_event(f->vs, &f->ev[f->count]) == 1) {
        f->count++;
    }
    return f->count;
}

static void make_link_name(char *buf, size_t size, const char *tag)
{
    static unsigned serial;
    snprintf(buf, size, "/tmp/mf-port-sp-%ld-%u-%s", (long)getpid(), serial++, tag);
}

static int setup_vserial(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    make_link_name(f->link, sizeof f->link, "port");
    assert_int_equal(vserial_create(f->link, &f->vs), 0);
    *state = f;
    return 0;
}

static int setup(void **state)
{
    setup_vserial(state);
    struct fixture *f = *state;
    struct port_error e;
    assert_int_equal(port_open(f->link, TEST_BAUD, &f->port, &e), PORT_OK);
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    port_close(f->port);
    vserial_destroy(f->vs);
    free(f);
    return 0;
}

/* The device side: reads exactly size bytes from the pty master. */
static void device_read(struct fixture *f, uint8_t *buf, size_t size)
{
    int fd = vserial_data_fd(f->vs);
    size_t got = 0;
    while (got < size) {
        struct pollfd p = {fd, POLLIN, 0};
        assert_int_equal(poll(&p, 1, (int)TEST_IO_MS), 1);
        ssize_t n = read(fd, buf + got, size - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
}

static void device_write(struct fixture *f, const uint8_t *buf, size_t size)
{
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(vserial_data_fd(f->vs), buf + done, size - done);
        assert_true(n > 0);
        done += (size_t)n;
    }
}

static void test_open_state(void **state)
{
    struct fixture *f = *state;
    assert_string_equal(port_name(f->port), f->link);
    assert_int_equal(port_kind(f->port), PORT_KIND_LOCAL);
    assert_int_equal(port_caps(f->port), PORT_CAP_BAUD | PORT_CAP_LINES | PORT_CAP_EXCLUSIVE);
    assert_int_equal(port_baud(f->port), TEST_BAUD);
    assert_int_equal(vserial_baud(f->vs), TEST_BAUD);
    assert_false(vserial_dtr(f->vs));
    assert_false(vserial_rts(f->vs));

    /* Opened (the OS raises both lines), then both lines dropped in one call, then the baud. */
    take_events(f);
    assert_true(f->count >= 3);
    assert_int_equal(f->ev[0].kind, VSERIAL_EV_OPEN);
    size_t last_lines = 0;
    for (size_t i = 0; i < f->count; i++) {
        if (f->ev[i].kind == VSERIAL_EV_LINES) {
            last_lines = i;
        }
    }
    assert_false(f->ev[last_lines].dtr);
    assert_false(f->ev[last_lines].rts);
    assert_int_equal(f->ev[f->count - 1].kind, VSERIAL_EV_BAUD);
    assert_int_equal(f->ev[f->count - 1].baud, TEST_BAUD);
    assert_true(last_lines < f->count - 1);
}

static void test_all_byte_values(void **state)
{
    struct fixture *f = *state;
    struct port_error e;
    uint8_t all[256];
    uint8_t in[256];
    size_t got = 0;
    for (size_t i = 0; i < sizeof all; i++) {
        all[i] = (uint8_t)i;
    }
    assert_int_equal(port_write(f->port, all, sizeof all, TEST_IO_MS, &e), PORT_OK);
    device_read(f, in, sizeof in);
    assert_memory_equal(in, all, sizeof all);
    device_write(f, all, sizeof all);
    assert_int_equal(port_read_full(f->port, in, sizeof in, TEST_IO_MS, &got, &e), PORT_OK);
    assert_int_equal(got, sizeof in);
    assert_memory_equal(in, all, sizeof all);
}

/* A previous program left XON/XOFF and RTS/CTS on; opening must turn them off. */
static void test_flow_control_off(void **state)
{
    struct fixture *f = *state;
    struct port_error e;
    int fd = open(f->link, O_RDWR | O_NOCTTY);
    assert_true(fd >= 0);
    struct termios tio;
    assert_int_equal(tcgetattr(fd, &tio), 0);
    tio.c_iflag |= IXON | IXOFF | IXANY | ICRNL | ISTRIP;
    tio.c_cflag |= CRTSCTS | PARENB | CSTOPB;
    tio.c_lflag |= ICANON | ECHO | ISIG;
    tio.c_oflag |= OPOST;
    assert_int_equal(tcsetattr(fd, TCSANOW, &tio), 0);
    close(fd);

    assert_int_equal(port_open(f->link, TEST_BAUD, &f->port, &e), PORT_OK);
    assert_int_equal(tcgetattr(vserial_client_fd(f->vs), &tio), 0);
    assert_int_equal(tio.c_cflag & CRTSCTS, 0);
    assert_int_equal(tio.c_iflag & (IXON | IXOFF | IXANY), 0);
    assert_int_equal(tio.c_cflag & (CSIZE | PARENB | CSTOPB), CS8);
    assert_int_equal(tio.c_lflag & (ICANON | ECHO | ISIG), 0);
    assert_int_equal(tio.c_oflag & OPOST, 0);
    assert_int_equal(tio.c_iflag & (ICRNL | INLCR | IGNCR | ISTRIP), 0);
    static const uint8_t flow[] = {0x13, 0x11, 0x13, 0x00, 0x11};
    uint8_t in[sizeof flow];
    size_t got = 0;
    device_write(f, flow, sizeof flow);
    assert_int_equal(port_read_full(f->port, in, sizeof in, TEST_IO_MS, &got, &e), PORT_OK);
    assert_memory_equal(in, flow, sizeof flow);
    assert_int_equal(port_write(f->port, flow, sizeof flow, TEST_IO_MS, &e), PORT_OK);
    device_read(f, in, sizeof in);
    assert_memory_equal(in, flow, sizeof flow);
}

/* Opening straight at a rate without a Bxxx constant (the ESP8266 boot messages' rate). */
static void test_open_odd_baud(void **state)
{
    struct fixture *f = *state;
    struct port_error e;
    assert_int_equal(port_open(f->link, 74880, &f->port, &e), PORT_OK);
    assert_int_equal(vserial_baud(f->vs), 74880);
    assert_int_equal(port_baud(f->port), 74880);
}

struct bulk {
    struct fixture *f;
    uint8_t *buf;
    size_t size;
    int rc;
};

static void bulk_port_write(void *arg)
{
    struct bulk *b = arg;
    b->rc = port_write(b->f->port, b->buf, b->size, TEST_IO_MS * 5, NULL);
}

static void bulk_port_read(void *arg)
{
    struct bulk *b = arg;
    size_t got = 0;
    b->rc = port_read_full(b->f->port, b->buf, b->size, TEST_IO_MS * 5, &got, NULL);
}

static void bulk_device_write(void *arg)
{
    struct bulk *b = arg;
    device_write(b->f, b->buf, b->size);
}

/* One thread writes while another reads, both directions at once. */
static void test_bulk_both_ways(void **state)
{
    struct fixture *f = *state;
    uint8_t *out = malloc(TEST_BULK);
    uint8_t *back = malloc(TEST_BULK);
    uint8_t *down = malloc(TEST_BULK);
    uint8_t *seen = malloc(TEST_BULK);
    assert_non_null(out);
    assert_non_null(back);
    assert_non_null(down);
    assert_non_null(seen);
    test_pattern(out, TEST_BULK, 7);
    test_pattern(down, TEST_BULK, 8);
    struct bulk w = {f, out, TEST_BULK, -99};
    struct bulk r = {f, back, TEST_BULK, -99};
    struct bulk d = {f, down, TEST_BULK, 0};
    struct port_thread tw, tr, td;
    assert_int_equal(port_thread_start(&tr, bulk_port_read, &r), 0);
    assert_int_equal(port_thread_start(&tw, bulk_port_write, &w), 0);
    assert_int_equal(port_thread_start(&td, bulk_device_write, &d), 0);
    device_read(f, seen, TEST_BULK);
    port_thread_join(&tw);
    port_thread_join(&tr);
    port_thread_join(&td);
    assert_int_equal(w.rc, PORT_OK);
    assert_int_equal(r.rc, PORT_OK);
    assert_memory_equal(seen, out, TEST_BULK);
    assert_memory_equal(back, down, TEST_BULK);
    free(out);
    free(back);
    free(down);
    free(seen);
}

static void test_read_timeouts(void **state)
{
    struct fixture *f = *state;
    struct port_error e;
    uint8_t buf[64];
    size_t got = 99;

    uint64_t t0 = test_now_ms();
    assert_int_equal(port_read(f->port, buf, sizeof buf, 200, &got, &e), PORT_ERR_TIMEOUT);
    uint64_t spent = test_now_ms() - t0;
    assert_int_equal(got, 0);
    assert_int_equal(e.status, PORT_ERR_TIMEOUT);
    assert_true(spent >= 200 && spent <= 250);

    t0 = test_now_ms();
    assert_int_equal(port_read(f->port, buf, sizeof buf, 0, &got, &e), PORT_ERR_TIMEOUT);
    assert_true(test_now_ms() - t0 < 20);

    /* Waiting stops as soon as something is there, and what is there comes back. */
    device_write(f, (const uint8_t *)"hello", 5);
    t0 = test_now_ms();
    assert_int_equal(port_read(f->port, buf, sizeof buf, TEST_IO_MS, &got, &e), PORT_OK);
    assert_true(got >= 1 && got <= 5);
    assert_true(test_now_ms() - t0 < 200);
    size_t more = 0;
    if (got < 5) {
        assert_int_equal(port_read_full(f->port, buf + got, 5 - got, TEST_IO_MS, &more, &e),
                         PORT_OK);
    }
    assert_memory_equal(buf, "hello", 5);

    /* timeout 0 with data waiting returns the data. */
    device_write(f, (const uint8_t *)"x", 1);
    poll(NULL, 0, 50);
    assert_int_equal(port_read(f->port, buf, sizeof buf, 0, &got, &e), PORT_OK);
    assert_int_equal(got, 1);
}

/* Nobody reads the device side: the write gives up after its timeout. */
static void test_write_timeout(void **state)
{
    struct fixture *f = *state;
    struct port_error e;
    size_t size = 4u * 1024u * 1024u;
    uint8_t *buf = calloc(1, size);
    assert_non_null(buf);
    uint64_t t0 = test_now_ms();
    assert_int_equal(port_write(f->port, buf, size, 150, &e), PORT_ERR_TIMEOUT);
    uint64_t spent = test_now_ms() - t0;
    assert_true(spent >= 150 && spent <= 400);
    assert_non_null(strstr(e.message, f->link));
    free(buf);
}

static void expect_lines(struct fixture *f, bool dtr, bool rts)
{
    assert_int_equal(take_events(f), 1);
    assert_int_equal(f->ev[0].kind, VSERIAL_EV_LINES);
    assert_int_equal(f->ev[0].dtr, dtr);
    assert_int_equal(f->ev[0].rts, rts);
    assert_int_equal(vserial_dtr(f->vs), dtr);
    assert_int_equal(vserial_rts(f->vs), rts);
}

static void test_lines(void **state)
{
    struct fixture *f = *state;
    struct port_error e;
    take_events(f);
    assert_int_equal(port_set_lines(f->port, true, true, &e), PORT_OK);
    expect_lines(f, true, true); /* both in one step */
    assert_int_equal(port_set_dtr(f->port, false, &e), PORT_OK);
    expect_lines(f, false, true);
    assert_int_equal(port_set_rts(f->port, false, &e), PORT_OK);
    expect_lines(f, false, false);
    assert_int_equal(port_set_lines(f->port, false, true, &e), PORT_OK);
    expect_lines(f, false, true);
    assert_int_equal(port_set_lines(f->port, true, false, &e), PORT_OK);
    expect_lines(f, true, false);
}

static void test_baud(void **state)
{
    struct fixture *f = *state;
    struct port_error e;
    static const uint32_t rates[] = {921600, 74880, 2000000, 250000, 115200};
    take_events(f);
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        assert_int_equal(port_set_baud(f->port, rates[i], &e), PORT_OK);
        assert_int_equal(port_baud(f->port), rates[i]);
        assert_int_equal(take_events(f), 1); /* the baud and nothing else (no line glitch) */
        assert_int_equal(f->ev[0].kind, VSERIAL_EV_BAUD);
        assert_int_equal(f->ev[0].baud, rates[i]);
    }
}

static void test_flush_and_drain(void **state)
{
    struct fixture *f = *state;
    struct port_error e;
    static const struct {
        enum port_queue queue;
        int expected;
    } flushes[] = {{PORT_QUEUE_INPUT, 1}, {PORT_QUEUE_OUTPUT, 2}, {PORT_QUEUE_BOTH, 3}};
    take_events(f);
    for (size_t i = 0; i < sizeof flushes / sizeof flushes[0]; i++) {
        assert_int_equal(port_flush(f->port, flushes[i].queue, &e), PORT_OK);
        assert_int_equal(take_events(f), 1);
        assert_int_equal(f->ev[0].kind, VSERIAL_EV_FLUSH);
        assert_int_equal(f->ev[0].queue, flushes[i].expected);
    }
    /* Received bytes are discarded. */
    device_write(f, (const uint8_t *)"stale", 5);
    poll(NULL, 0, 50);
    assert_int_equal(port_flush(f->port, PORT_QUEUE_INPUT, &e), PORT_OK);
    uint8_t buf[8];
    size_t got = 0;
    assert_int_equal(port_read(f->port, buf, sizeof buf, 50, &got, &e), PORT_ERR_TIMEOUT);

    assert_int_equal(port_write(f->port, "abc", 3, TEST_IO_MS, &e), PORT_OK);
    assert_int_equal(port_drain(f->port, TEST_IO_MS, &e), PORT_OK);
}

static void test_busy(void **state)
{
    struct fixture *f = *state;
    struct port_error e;
    struct port *second = (struct port *)0x1;
    assert_int_equal(port_open(f->link, TEST_BAUD, &second, &e), PORT_ERR_BUSY);
    assert_null(second);
    assert_int_equal(e.status, PORT_ERR_BUSY);
    assert_non_null(strstr(e.message, f->link));
    assert_non_null(strstr(e.message, "in use by another program"));
}

static void test_close_then_reopen(void **state)
{
    struct fixture *f = *state;
    struct port_error e;
    port_close(f->port);
    f->port = NULL;
    assert_int_equal(port_open(f->link, TEST_BAUD, &f->port, &e), PORT_OK);
    assert_int_equal(port_write(f->port, "ok", 2, TEST_IO_MS, &e), PORT_OK);
    uint8_t in[2];
    device_read(f, in, sizeof in);
    assert_memory_equal(in, "ok", 2);
    struct port *second = NULL;
    assert_int_equal(port_open(f->link, TEST_BAUD, &second, &e), PORT_ERR_BUSY);
}

static void test_not_found(void **state)
{
    (void)state;
    struct port_error e;
    struct port *p = (struct port *)0x1;
    char path[128];
    make_link_name(path, sizeof path, "missing");
    assert_int_equal(port_open(path, TEST_BAUD, &p, &e), PORT_ERR_NOT_FOUND);
    assert_null(p);
    assert_non_null(strstr(e.message, path));
    assert_non_null(strstr(e.message, "does not exist"));

    /* Something that exists but is no serial port. */
    assert_int_equal(port_open("/dev/null", TEST_BAUD, &p, &e), PORT_ERR_NOT_FOUND);
    assert_non_null(strstr(e.message, "/dev/null"));
}

static void test_unplug(void **state)
{
    struct fixture *f = *state;
    struct port_error e;
    uint8_t buf[8];
    size_t got = 99;
    vserial_unplug(f->vs);

    uint64_t t0 = test_now_ms();
    assert_int_equal(port_read(f->port, buf, sizeof buf, TEST_IO_MS, &got, &e), PORT_ERR_GONE);
    assert_true(test_now_ms() - t0 < 500); /* noticed at once, not after the timeout */
    assert_int_equal(got, 0);
    assert_non_null(strstr(e.message, f->link));
    assert_non_null(strstr(e.message, "no longer exists"));
    assert_int_equal(port_write(f->port, "x", 1, TEST_IO_MS, &e), PORT_ERR_GONE);
    assert_int_equal(port_set_lines(f->port, true, false, &e), PORT_ERR_GONE);
    port_close(f->port);
    f->port = NULL;

    struct port *p = NULL;
    assert_int_equal(port_open(f->link, TEST_BAUD, &p, &e), PORT_ERR_NOT_FOUND);
}

static void test_list(void **state)
{
    (void)state;
    struct port_info *list = NULL;
    size_t count = 0;
    struct port_error e;
    assert_int_equal(port_list(&list, &count, &e), PORT_OK);
    for (size_t i = 0; i < count; i++) {
        assert_true(list[i].name[0] != '\0');
        assert_non_null(strstr(list[i].description, list[i].name));
    }
    port_list_free(list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_open_state, setup, teardown),
            cmocka_unit_test_setup_teardown(test_all_byte_values, setup, teardown),
            cmocka_unit_test_setup_teardown(test_flow_control_off, setup_vserial, teardown),
            cmocka_unit_test_setup_teardown(test_open_odd_baud, setup_vserial, teardown),
            cmocka_unit_test_setup_teardown(test_bulk_both_ways, setup, teardown),
            cmocka_unit_test_setup_teardown(test_read_timeouts, setup, teardown),
            cmocka_unit_test_setup_teardown(test_write_timeout, setup, teardown),
            cmocka_unit_test_setup_teardown(test_lines, setup, teardown),
            cmocka_unit_test_setup_teardown(test_baud, setup, teardown),
            cmocka_unit_test_setup_teardown(test_flush_and_drain, setup, teardown),
            cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
            cmocka_unit_test_setup_teardown(test_close_then_reopen, setup, teardown),
            cmocka_unit_test(test_not_found),
            cmocka_unit_test_setup_teardown(test_unplug, setup, teardown),
            cmocka_unit_test(test_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
