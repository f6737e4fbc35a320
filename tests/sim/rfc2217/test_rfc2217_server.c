/* SPDX-License-Identifier: MIT */
/* End-to-end tests of the network backends over loopback: rfc2217:// against the test RFC 2217
 * server (data, baud, lines, purge, timeouts, busy, unplug) and socket:// against a listener. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "net.h"
#include "port.h"
#include "rfc2217.h"
#include "rfc2217_server.h"
#include "port_thread.h"
#include "testutil.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_BAUD             115200u
#define TEST_FAST_BAUD        921600u
#define TEST_BIG              (1024u * 1024u)
#define TEST_IO_TIMEOUT_MS    20000u
#define TEST_EVENT_WAIT_MS    2000u
#define TEST_READ_WAIT_MS     200u
#define TEST_READ_SLACK_MS    500u
#define TEST_SETTLE_MS        100u
#define TEST_NEGOTIATE_MAX_MS 3000u
#define TEST_CHUNK            4096u
#define TEST_URL_MAX          64u

struct fixture {
    struct rfc2217_server *server;
    uint16_t tcp_port;
    char url[TEST_URL_MAX];
};

static int fixture_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(rfc2217_server_start(0, &f->tcp_port, &f->server), PORT_OK);
    snprintf(f->url, sizeof f->url, "rfc2217://127.0.0.1:%u", (unsigned)f->tcp_port);
    *state = f;
    return 0;
}

static int fixture_teardown(void **state)
{
    struct fixture *f = *state;
    rfc2217_server_stop(f->server);
    free(f);
    return 0;
}

static void test_sleep_ms(uint32_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Takes the next server event, waiting for it. */
static struct rfc2217_server_event next_event(struct rfc2217_server *s)
{
    struct rfc2217_server_event ev;
    assert_int_equal(rfc2217_server_wait_event(s, TEST_EVENT_WAIT_MS), 1);
    assert_int_equal(rfc2217_server_next_event(s, &ev), 1);
    return ev;
}

static void expect_event(struct rfc2217_server *s, enum rfc2217_server_event_kind kind)
{
    struct rfc2217_server_event ev = next_event(s);
    assert_int_equal(ev.kind, kind);
}

static void drain_events(struct rfc2217_server *s)
{
    struct rfc2217_server_event ev;
    while (rfc2217_server_next_event(s, &ev) == 1) {
    }
}

static uint16_t free_tcp_port(void)
{
    intptr_t l;
    uint16_t p = 0;
    assert_int_equal(net_listen_loopback(0, &p, &l, NULL), PORT_OK);
    net_close(l);
    return p;
}

static struct port *open_ok(const char *url)
{
    struct port *port = NULL;
    struct port_error e;
    int rc = port_open(url, TEST_BAUD, &port, &e);
    if (rc != PORT_OK) {
        print_error("port_open(%s): %d %s\n", url, rc, e.message);
    }
    assert_int_equal(rc, PORT_OK);
    return port;
}

/* ---- rfc2217:// ---- */

static void test_open_configures_port(void **state)
{
    struct fixture *f = *state;
    struct port *port = open_ok(f->url);
    assert_int_equal(port_kind(port), PORT_KIND_RFC2217);
    assert_int_equal(port_caps(port), PORT_CAP_BAUD | PORT_CAP_LINES | PORT_CAP_EXCLUSIVE);
    assert_int_equal(port_baud(port), TEST_BAUD);

    struct rfc2217_server_event ev = next_event(f->server);
    assert_int_equal(ev.kind, RFC2217_SERVER_EV_CONNECT);
    ev = next_event(f->server);
    assert_int_equal(ev.kind, RFC2217_SERVER_EV_BAUD);
    assert_int_equal(ev.baud, TEST_BAUD);
    for (int i = 0; i < 3; i++) {
        ev = next_event(f->server);
        assert_int_equal(ev.kind, RFC2217_SERVER_EV_FORMAT);
    }
    assert_int_equal(ev.datasize, 8);
    assert_int_equal(ev.parity, RFC2217_PARITY_NONE);
    assert_int_equal(ev.stopsize, RFC2217_STOPSIZE_1);
    ev = next_event(f->server); /* DTR off */
    assert_int_equal(ev.kind, RFC2217_SERVER_EV_LINES);
    assert_false(ev.dtr);
    ev = next_event(f->server); /* RTS off */
    assert_int_equal(ev.kind, RFC2217_SERVER_EV_LINES);
    assert_false(ev.rts);
    assert_true(rfc2217_server_connected(f->server));
    port_close(port);
}

static void test_baud_lines_purge_in_order(void **state)
{
    struct fixture *f = *state;
    struct port_error e;
    struct port *port = open_ok(f->url);
    assert_int_equal(rfc2217_server_wait_event(f->server, TEST_EVENT_WAIT_MS), 1);
    test_sleep_ms(TEST_SETTLE_MS);
    drain_events(f->server);

    assert_int_equal(port_set_baud(port, TEST_FAST_BAUD, &e), PORT_OK);
    assert_int_equal(port_baud(port), TEST_FAST_BAUD);
    assert_int_equal(rfc2217_server_baud(f->server), TEST_FAST_BAUD);
    assert_int_equal(port_set_dtr(port, true, &e), PORT_OK);
    assert_true(rfc2217_server_dtr(f->server)); /* applied before set_dtr returned */
    assert_int_equal(port_set_rts(port, true, &e), PORT_OK);
    assert_int_equal(port_set_lines(port, false, true, &e), PORT_OK); /* only DTR changes */
    assert_int_equal(port_set_lines(port, false, true, &e), PORT_OK); /* nothing changes */
    assert_int_equal(port_set_lines(port, true, false, &e), PORT_OK); /* DTR, then RTS */
    assert_int_equal(port_flush(port, PORT_QUEUE_INPUT, &e), PORT_OK);
    assert_int_equal(port_flush(port, PORT_QUEUE_OUTPUT, &e), PORT_OK);
    assert_int_equal(port_flush(port, PORT_QUEUE_BOTH, &e), PORT_OK);
    assert_int_equal(port_drain(port, TEST_READ_WAIT_MS, &e), PORT_OK);

    static const struct {
        enum rfc2217_server_event_kind kind;
        bool dtr, rts;
        int queue;
    } want[] = {
            {RFC2217_SERVER_EV_BAUD, false, false, 0}, {RFC2217_SERVER_EV_LINES, true, false, 0},
            {RFC2217_SERVER_EV_LINES, true, true, 0},  {RFC2217_SERVER_EV_LINES, false, true, 0},
            {RFC2217_SERVER_EV_LINES, true, true, 0},  {RFC2217_SERVER_EV_LINES, true, false, 0},
            {RFC2217_SERVER_EV_PURGE, true, false, 1}, {RFC2217_SERVER_EV_PURGE, true, false, 2},
            {RFC2217_SERVER_EV_PURGE, true, false, 3},
    };
    uint64_t last_ns = 0;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        struct rfc2217_server_event ev = next_event(f->server);
        assert_int_equal(ev.kind, want[i].kind);
        assert_int_equal(ev.dtr, want[i].dtr);
        assert_int_equal(ev.rts, want[i].rts);
        assert_int_equal(ev.baud, TEST_FAST_BAUD);
        if (ev.kind == RFC2217_SERVER_EV_PURGE) {
            assert_int_equal(ev.queue, want[i].queue);
        }
        assert_true(ev.t_ns >= last_ns);
        last_ns = ev.t_ns;
    }
    struct rfc2217_server_event extra;
    assert_int_equal(rfc2217_server_next_event(f->server, &extra), 0);
    port_close(port);
}

struct pump {
    struct port *port;
    struct rfc2217_server *server;
    const uint8_t *data;
    size_t size;
    int rc;
};

static void pump_port_write(void *arg)
{
    struct pump *p = arg;
    struct port_error e;
    p->rc = PORT_OK;
    for (size_t off = 0; off < p->size && p->rc == PORT_OK; off += TEST_CHUNK * 4u) {
        size_t n = p->size - off < TEST_CHUNK * 4u ? p->size - off : TEST_CHUNK * 4u;
        p->rc = port_write(p->port, p->data + off, n, TEST_IO_TIMEOUT_MS, &e);
    }
}

static void pump_server_write(void *arg)
{
    struct pump *p = arg;
    p->rc = rfc2217_server_write(p->server, p->data, p->size, TEST_IO_TIMEOUT_MS);
}

static void test_one_mib_both_ways(void **state)
{
    struct fixture *f = *state;
    struct port_error e;
    uint8_t *out = malloc(TEST_BIG);
    uint8_t *in = malloc(TEST_BIG);
    assert_non_null(out);
    assert_non_null(in);
    test_pattern(out, TEST_BIG, 2217u);
    struct port *port = open_ok(f->url);

    /* client -> server */
    struct pump pump = {port, f->server, out, TEST_BIG, -1};
    struct port_thread t;
    uint64_t start = test_now_ms();
    assert_int_equal(port_thread_start(&t, pump_port_write, &pump), 0);
    size_t total = 0;
    while (total < TEST_BIG) {
        size_t got = 0;
        int rc = rfc2217_server_read(f->server, in + total, TEST_BIG - total, TEST_IO_TIMEOUT_MS,
                                     &got);
        assert_int_equal(rc, PORT_OK);
        total += got;
    }
    port_thread_join(&t);
    uint64_t up_ms = test_now_ms() - start;
    assert_int_equal(pump.rc, PORT_OK);
    assert_memory_equal(in, out, TEST_BIG);

    /* server -> client */
    memset(in, 0, TEST_BIG);
    start = test_now_ms();
    assert_int_equal(port_thread_start(&t, pump_server_write, &pump), 0);
    size_t got = 0;
    assert_int_equal(port_read_full(port, in, TEST_BIG, TEST_IO_TIMEOUT_MS, &got, &e), PORT_OK);
    port_thread_join(&t);
    uint64_t down_ms = test_now_ms() - start;
    assert_int_equal(pump.rc, PORT_OK);
    assert_int_equal(got, TEST_BIG);
    assert_memory_equal(in, out, TEST_BIG);
    print_message("1 MiB over RFC 2217 loopback: client->server %llu ms, server->client %llu ms\n",
                  (unsigned long long)up_ms, (unsigned long long)down_ms);
    port_close(port);
    free(out);
    free(in);
}

/* Reads, writes and control commands from three threads at once. */
struct echo {
    struct rfc2217_server *server;
    atomic_int stop;
};

static void echo_server(void *arg)
{
    struct echo *echo = arg;
    uint8_t buf[TEST_CHUNK];
    while (!atomic_load(&echo->stop)) {
        size_t got = 0;
        if (rfc2217_server_read(echo->server, buf, sizeof buf, TEST_SETTLE_MS, &got) == PORT_OK) {
            rfc2217_server_write(echo->server, buf, got, TEST_IO_TIMEOUT_MS);
        }
    }
}

static void test_concurrent_io_and_control(void **state)
{
    struct fixture *f = *state;
    struct port_error e;
    enum { SIZE = 256 * 1024 };
    uint8_t *out = malloc(SIZE);
    uint8_t *in = malloc(SIZE);
    assert_non_null(out);
    assert_non_null(in);
    test_pattern(out, SIZE, 7u);
    struct port *port = open_ok(f->url);
    struct echo echo = {.server = f->server};
    atomic_init(&echo.stop, 0);
    struct port_thread echo_thread, writer;
    struct pump pump = {port, NULL, out, SIZE, -1};
    assert_int_equal(port_thread_start(&echo_thread, echo_server, &echo), 0);
    assert_int_equal(port_thread_start(&writer, pump_port_write, &pump), 0);
    size_t total = 0;
    int round = 0;
    while (total < SIZE) {
        size_t got = 0;
        assert_int_equal(port_read(port, in + total, SIZE - total, TEST_IO_TIMEOUT_MS, &got, &e),
                         PORT_OK);
        total += got;
        if (round++ % 8 == 0) {
            assert_int_equal(port_set_baud(port, round % 16 ? TEST_FAST_BAUD : TEST_BAUD, &e),
                             PORT_OK);
            assert_int_equal(port_set_lines(port, round % 3 == 0, round % 5 == 0, &e), PORT_OK);
        }
    }
    port_thread_join(&writer);
    atomic_store(&echo.stop, 1);
    port_thread_join(&echo_thread);
    assert_int_equal(pump.rc, PORT_OK);
    assert_memory_equal(in, out, SIZE);
    port_close(port);
    free(out);
    free(in);
}

static void test_read_timeout_and_flush(void **state)
{
    struct fixture *f = *state;
    struct port_error e;
    uint8_t buf[64];
    size_t got = 99;
    struct port *port = open_ok(f->url);
    uint64_t start = test_now_ms();
    assert_int_equal(port_read(port, buf, sizeof buf, TEST_READ_WAIT_MS, &got, &e),
                     PORT_ERR_TIMEOUT);
    uint64_t spent = test_now_ms() - start;
    assert_int_equal(got, 0);
    assert_true(spent + 5u >= TEST_READ_WAIT_MS);
    assert_true(spent <= TEST_READ_WAIT_MS + TEST_READ_SLACK_MS);

    /* What already arrived is dropped by a flush of the input. */
    assert_int_equal(rfc2217_server_write(f->server, "stale", 5, TEST_IO_TIMEOUT_MS), PORT_OK);
    test_sleep_ms(TEST_SETTLE_MS);
    assert_int_equal(port_flush(port, PORT_QUEUE_INPUT, &e), PORT_OK);
    assert_int_equal(port_read(port, buf, sizeof buf, TEST_SETTLE_MS, &got, &e), PORT_ERR_TIMEOUT);
    assert_int_equal(rfc2217_server_write(f->server, "\xff\xfe", 2, TEST_IO_TIMEOUT_MS), PORT_OK);
    assert_int_equal(port_read_full(port, buf, 2, TEST_EVENT_WAIT_MS, &got, &e), PORT_OK);
    assert_memory_equal(buf, "\xff\xfe", 2);
    port_close(port);
}

static void test_second_client_is_busy(void **state)
{
    struct fixture *f = *state;
    struct port_error e;
    struct port *second = NULL;
    struct port *port = open_ok(f->url);
    uint64_t start = test_now_ms();
    assert_int_equal(port_open(f->url, TEST_BAUD, &second, &e), PORT_ERR_BUSY);
    assert_true(test_now_ms() - start < TEST_NEGOTIATE_MAX_MS);
    assert_null(second);
    assert_int_equal(e.status, PORT_ERR_BUSY);
    assert_non_null(strstr(e.message, "another program"));
    assert_non_null(strstr(e.message, f->url));
    /* The first client is unharmed. */
    assert_int_equal(port_set_baud(port, TEST_FAST_BAUD, &e), PORT_OK);
    port_close(port);
}

static void test_unplug_then_reconnect(void **state)
{
    struct fixture *f = *state;
    struct port_error e;
    uint8_t buf[16];
    size_t got = 0;
    struct port *port = open_ok(f->url);
    expect_event(f->server, RFC2217_SERVER_EV_CONNECT);
    assert_int_equal(rfc2217_server_write(f->server, "bye", 3, TEST_IO_TIMEOUT_MS), PORT_OK);
    test_sleep_ms(TEST_SETTLE_MS);
    rfc2217_server_disconnect(f->server);
    assert_false(rfc2217_server_connected(f->server));
    /* Data sent before the unplug is still delivered, then the loss is reported. */
    assert_int_equal(port_read_full(port, buf, 3, TEST_EVENT_WAIT_MS, &got, &e), PORT_OK);
    assert_memory_equal(buf, "bye", 3);
    assert_int_equal(port_read(port, buf, sizeof buf, TEST_EVENT_WAIT_MS, &got, &e), PORT_ERR_GONE);
    assert_int_equal(e.status, PORT_ERR_GONE);
    assert_true(strlen(e.message) > 0);
    assert_int_equal(port_write(port, "x", 1, TEST_READ_WAIT_MS, &e), PORT_ERR_GONE);
    assert_int_equal(port_set_baud(port, TEST_FAST_BAUD, &e), PORT_ERR_GONE);
    port_close(port);

    port = open_ok(f->url);
    assert_int_equal(port_write(port, "again", 5, TEST_IO_TIMEOUT_MS, &e), PORT_OK);
    assert_int_equal(rfc2217_server_read(f->server, buf, sizeof buf, TEST_EVENT_WAIT_MS, &got),
                     PORT_OK);
    port_close(port);
}

static void test_close_is_seen_and_reopen_works(void **state)
{
    struct fixture *f = *state;
    struct port *port = open_ok(f->url);
    port_close(port);
    bool seen = false;
    while (!seen) {
        struct rfc2217_server_event ev = next_event(f->server);
        seen = ev.kind == RFC2217_SERVER_EV_DISCONNECT;
        if (seen) {
            assert_false(ev.dtr);
            assert_false(ev.rts);
        }
    }
    size_t got = 0;
    uint8_t buf[4];
    assert_int_equal(rfc2217_server_read(f->server, buf, sizeof buf, 0, &got), PORT_ERR_GONE);
    assert_int_equal(rfc2217_server_write(f->server, "x", 1, 0), PORT_ERR_GONE);
    port = open_ok(f->url);
    assert_true(rfc2217_server_connected(f->server));
    port_close(port);
}

static void test_refused_is_not_found(void **state)
{
    (void)state;
    char url[TEST_URL_MAX];
    char where[TEST_URL_MAX];
    struct port *port = NULL;
    struct port_error e;
    uint16_t p = free_tcp_port();
    snprintf(url, sizeof url, "rfc2217://127.0.0.1:%u", (unsigned)p);
    snprintf(where, sizeof where, "127.0.0.1:%u", (unsigned)p);
    assert_int_equal(port_open(url, TEST_BAUD, &port, &e), PORT_ERR_NOT_FOUND);
    assert_null(port);
    assert_non_null(strstr(e.message, where));
}

static void test_silent_listener_is_protocol_error(void **state)
{
    (void)state;
    char url[TEST_URL_MAX];
    char advice[TEST_URL_MAX];
    struct port *port = NULL;
    struct port_error e;
    intptr_t listener;
    uint16_t p = 0;
    assert_int_equal(net_listen_loopback(0, &p, &listener, NULL), PORT_OK);
    snprintf(url, sizeof url, "rfc2217://127.0.0.1:%u", (unsigned)p);
    snprintf(advice, sizeof advice, "socket://127.0.0.1:%u", (unsigned)p);
    uint64_t start = test_now_ms();
    assert_int_equal(port_open(url, TEST_BAUD, &port, &e), PORT_ERR_PROTOCOL);
    uint64_t spent = test_now_ms() - start;
    assert_true(spent < TEST_NEGOTIATE_MAX_MS);
    assert_null(port);
    assert_non_null(strstr(e.message, "does not speak RFC 2217"));
    assert_non_null(strstr(e.message, advice));
    net_close(listener);
}

/* A server that answers DONT COM-PORT-OPTION is refused at once, without the full timeout. */
struct refuser {
    intptr_t listener;
};

static void refuse_comport(void *arg)
{
    struct refuser *r = arg;
    intptr_t c;
    uint8_t buf[64];
    size_t got = 0;
    static const uint8_t dont[] = {RFC2217_IAC, RFC2217_DONT, RFC2217_OPT_COM_PORT};
    if (net_accept(r->listener, TEST_EVENT_WAIT_MS, &c, NULL) == PORT_OK) {
        net_recv("refuser", c, buf, sizeof buf, TEST_EVENT_WAIT_MS, &got, NULL);
        net_send_all("refuser", c, dont, sizeof dont, TEST_EVENT_WAIT_MS, NULL);
        net_recv("refuser", c, buf, sizeof buf, TEST_EVENT_WAIT_MS, &got, NULL);
        net_close(c);
    }
}

static void test_refused_comport_is_protocol_error(void **state)
{
    (void)state;
    char url[TEST_URL_MAX];
    struct port *port = NULL;
    struct port_error e;
    struct refuser r;
    struct port_thread t;
    uint16_t p = 0;
    assert_int_equal(net_listen_loopback(0, &p, &r.listener, NULL), PORT_OK);
    snprintf(url, sizeof url, "rfc2217://127.0.0.1:%u", (unsigned)p);
    assert_int_equal(port_thread_start(&t, refuse_comport, &r), 0);
    uint64_t start = test_now_ms();
    assert_int_equal(port_open(url, TEST_BAUD, &port, &e), PORT_ERR_PROTOCOL);
    assert_true(test_now_ms() - start < TEST_EVENT_WAIT_MS);
    port_thread_join(&t);
    net_close(r.listener);
}

/* ---- socket:// ---- */

struct tcp_peer {
    intptr_t listener;
    intptr_t client;
};

static void tcp_peer_accept(void *arg)
{
    struct tcp_peer *peer = arg;
    assert_int_equal(net_accept(peer->listener, TEST_EVENT_WAIT_MS, &peer->client, NULL), PORT_OK);
}

static void test_socket_port(void **state)
{
    (void)state;
    char url[TEST_URL_MAX];
    struct port_error e;
    struct tcp_peer peer = {NET_INVALID, NET_INVALID};
    uint16_t p = 0;
    enum { SIZE = 256 * 1024 };
    uint8_t *out = malloc(SIZE);
    uint8_t *in = malloc(SIZE);
    assert_non_null(out);
    assert_non_null(in);
    test_pattern(out, SIZE, 99u);
    assert_int_equal(net_listen_loopback(0, &p, &peer.listener, NULL), PORT_OK);
    snprintf(url, sizeof url, "socket://127.0.0.1:%u", (unsigned)p);
    struct port *port = open_ok(url);
    tcp_peer_accept(&peer);
    assert_int_equal(port_kind(port), PORT_KIND_TCP);
    assert_int_equal(port_caps(port), 0);
    assert_int_equal(port_set_baud(port, TEST_FAST_BAUD, &e), PORT_OK);
    assert_int_equal(port_set_dtr(port, true, &e), PORT_ERR_UNSUPPORTED);

    /* Bytes pass untouched both ways (no telnet escaping on a raw socket). */
    struct pump pump = {port, NULL, out, SIZE, -1};
    struct port_thread t;
    assert_int_equal(port_thread_start(&t, pump_port_write, &pump), 0);
    size_t total = 0;
    while (total < SIZE) {
        size_t got = 0;
        assert_int_equal(net_recv("peer", peer.client, in + total, SIZE - total, TEST_IO_TIMEOUT_MS,
                                  &got, NULL),
                         PORT_OK);
        total += got;
    }
    port_thread_join(&t);
    assert_int_equal(pump.rc, PORT_OK);
    assert_memory_equal(in, out, SIZE);
    assert_int_equal(net_send_all("peer", peer.client, out, SIZE, TEST_IO_TIMEOUT_MS, NULL),
                     PORT_OK);
    size_t got = 0;
    assert_int_equal(port_read_full(port, in, SIZE, TEST_IO_TIMEOUT_MS, &got, &e), PORT_OK);
    assert_memory_equal(in, out, SIZE);

    /* Read timeout, input flush, output flush and drain. */
    uint64_t start = test_now_ms();
    assert_int_equal(port_read(port, in, 16, TEST_READ_WAIT_MS, &got, &e), PORT_ERR_TIMEOUT);
    assert_true(test_now_ms() - start + 5u >= TEST_READ_WAIT_MS);
    assert_int_equal(net_send_all("peer", peer.client, "old", 3, TEST_IO_TIMEOUT_MS, NULL),
                     PORT_OK);
    test_sleep_ms(TEST_SETTLE_MS);
    assert_int_equal(port_flush(port, PORT_QUEUE_BOTH, &e), PORT_OK);
    assert_int_equal(port_read(port, in, 16, TEST_SETTLE_MS, &got, &e), PORT_ERR_TIMEOUT);
    assert_int_equal(port_drain(port, TEST_READ_WAIT_MS, &e), PORT_OK);

    /* The far end closing is PORT_ERR_GONE with a sentence naming the port. */
    net_close(peer.client);
    assert_int_equal(port_read(port, in, 16, TEST_EVENT_WAIT_MS, &got, &e), PORT_ERR_GONE);
    assert_non_null(strstr(e.message, url));
    assert_non_null(strstr(e.message, "closed the connection"));
    port_close(port);
    net_close(peer.listener);

    struct port *none = NULL;
    assert_int_equal(port_open(url, TEST_BAUD, &none, &e), PORT_ERR_NOT_FOUND);
    assert_null(none);
    free(out);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_open_configures_port, fixture_setup,
                                            fixture_teardown),
            cmocka_unit_test_setup_teardown(test_baud_lines_purge_in_order, fixture_setup,
                                            fixture_teardown),
            cmocka_unit_test_setup_teardown(test_one_mib_both_ways, fixture_setup,
                                            fixture_teardown),
            cmocka_unit_test_setup_teardown(test_concurrent_io_and_control, fixture_setup,
                                            fixture_teardown),
            cmocka_unit_test_setup_teardown(test_read_timeout_and_flush, fixture_setup,
                                            fixture_teardown),
            cmocka_unit_test_setup_teardown(test_second_client_is_busy, fixture_setup,
                                            fixture_teardown),
            cmocka_unit_test_setup_teardown(test_unplug_then_reconnect, fixture_setup,
                                            fixture_teardown),
            cmocka_unit_test_setup_teardown(test_close_is_seen_and_reopen_works, fixture_setup,
                                            fixture_teardown),
            cmocka_unit_test(test_refused_is_not_found),
            cmocka_unit_test(test_silent_listener_is_protocol_error),
            cmocka_unit_test(test_refused_comport_is_protocol_error),
            cmocka_unit_test(test_socket_port),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
