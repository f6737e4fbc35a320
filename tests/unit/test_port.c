/* SPDX-License-Identifier: MIT */
/* Unit tests of the backend-independent part of the port layer: name parsing, messages,
 * argument checks, the bridge table and the order of enumerated ports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "port_impl.h"

#include <string.h>

static void test_parse_local_names(void **state)
{
    (void)state;
    static const char *const names[] = {"COM5", "\\\\.\\COM12", "/dev/ttyUSB0", "  COM3  "};
    static const char *const paths[] = {"COM5", "\\\\.\\COM12", "/dev/ttyUSB0", "COM3"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct port_address a;
        struct port_error e;
        assert_int_equal(port_address_parse(names[i], &a, &e), PORT_OK);
        assert_int_equal(a.kind, PORT_KIND_LOCAL);
        assert_string_equal(a.path, paths[i]);
    }
}

static void test_parse_network_names(void **state)
{
    (void)state;
    struct port_address a;
    struct port_error e;
    assert_int_equal(port_address_parse("socket://192.168.4.1:23", &a, &e), PORT_OK);
    assert_int_equal(a.kind, PORT_KIND_TCP);
    assert_string_equal(a.host, "192.168.4.1");
    assert_int_equal(a.tcp_port, 23);

    assert_int_equal(port_address_parse("RFC2217://localhost:4000?ign_set_control", &a, &e),
                     PORT_OK);
    assert_int_equal(a.kind, PORT_KIND_RFC2217);
    assert_string_equal(a.host, "localhost");
    assert_int_equal(a.tcp_port, 4000);

    assert_int_equal(port_address_parse("rfc2217://[::1]:65535", &a, &e), PORT_OK);
    assert_string_equal(a.host, "::1");
    assert_int_equal(a.tcp_port, 65535);
}

static void test_parse_rejects_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
            "",
            "   ",
            "socket://host",
            "socket://:23",
            "socket://h:0",
            "socket://h:65536",
            "socket://h:2x",
            "rfc2217://::1:23",
            "rfc2217://[::1]23",
            "ftp://host:21",
            "socket://h:",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct port_address a;
        struct port_error e;
        memset(&e, 0, sizeof e);
        assert_int_equal(port_address_parse(bad[i], &a, &e), PORT_ERR_ARG);
        assert_int_equal(e.status, PORT_ERR_ARG);
        assert_true(strlen(e.message) > 10); /* a sentence, not a code */
    }
}

static void test_open_checks_arguments(void **state)
{
    (void)state;
    struct port *p = (struct port *)0x1;
    struct port_error e;
    assert_int_equal(port_open("COM5", 0, &p, &e), PORT_ERR_ARG);
    assert_null(p);
    assert_non_null(strstr(e.message, "COM5"));
    assert_int_equal(port_open("", 115200, &p, &e), PORT_ERR_ARG);
    assert_int_equal(port_set_baud(NULL, 115200, &e), PORT_ERR_ARG);
    assert_int_equal(port_write(NULL, "x", 1, 10, &e), PORT_ERR_ARG);
    size_t got = 99;
    assert_int_equal(port_read(NULL, &got, 1, 10, &got, NULL), PORT_ERR_ARG);
    assert_int_equal(got, 0);
    port_close(NULL);
}

static void test_status_texts_are_distinct(void **state)
{
    (void)state;
    for (int a = PORT_ERR_PROTOCOL; a <= PORT_OK; a++) {
        assert_string_not_equal(port_status_text(a), "unknown error");
        for (int b = a + 1; b <= PORT_OK; b++) {
            assert_string_not_equal(port_status_text(a), port_status_text(b));
        }
    }
    assert_string_equal(port_status_text(42), "unknown error");
}

static void test_bridge_table(void **state)
{
    (void)state;
    const struct port_bridge *ch340 = port_bridge_find(0x1a86, 0x7523);
    assert_non_null(ch340);
    assert_string_equal(ch340->chip, "CH340");
    assert_int_equal(ch340->max_baud, 2000000);
    assert_non_null(strstr(ch340->driver, "CH34"));
    const struct port_bridge *cp = port_bridge_find(0x10c4, 0xea60);
    assert_non_null(cp);
    assert_int_equal(cp->max_baud, 921600);
    assert_non_null(port_bridge_find(0x0403, 0x6001));
    assert_null(port_bridge_find(0x1234, 0x5678));

    size_t n = 0;
    const struct port_bridge *t = port_bridge_table(&n);
    assert_true(n >= 10);
    for (size_t i = 0; i < n; i++) {
        assert_true(t[i].max_baud >= 115200);
        for (size_t j = i + 1; j < n; j++) {
            assert_false(t[i].vid == t[j].vid && t[i].pid == t[j].pid);
        }
    }
}

static void info(struct port_info *pi, const char *name, bool usb, uint16_t vid, uint16_t pid)
{
    memset(pi, 0, sizeof *pi);
    port_copy_text(pi->name, sizeof pi->name, name);
    pi->usb = usb;
    pi->vid = vid;
    pi->pid = pid;
}

static void test_list_order(void **state)
{
    (void)state;
    struct port_info list[5];
    info(&list[0], "COM10", false, 0, 0);
    info(&list[1], "COM2", false, 0, 0);
    info(&list[2], "COM11", true, 0x1a86, 0x7523);
    info(&list[3], "COM3", true, 0x1234, 0x0001);
    info(&list[4], "COM9", true, 0x10c4, 0xea60);
    port_list_finish(list, 5);
    assert_string_equal(list[0].name, "COM9");
    assert_true(list[0].likely_esp);
    assert_string_equal(list[1].name, "COM11");
    assert_string_equal(list[1].bridge->chip, "CH340");
    assert_string_equal(list[2].name, "COM2");
    assert_string_equal(list[3].name, "COM3");
    assert_false(list[3].likely_esp);
    assert_null(list[3].bridge);
    assert_string_equal(list[4].name, "COM10");
}

static void test_copy_text_truncates(void **state)
{
    (void)state;
    char buf[4];
    port_copy_text(buf, sizeof buf, "abcdef");
    assert_string_equal(buf, "abc");
    port_copy_text(buf, sizeof buf, NULL);
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse_local_names),
            cmocka_unit_test(test_parse_network_names),
            cmocka_unit_test(test_parse_rejects_malformed),
            cmocka_unit_test(test_open_checks_arguments),
            cmocka_unit_test(test_status_texts_are_distinct),
            cmocka_unit_test(test_bridge_table),
            cmocka_unit_test(test_list_order),
            cmocka_unit_test(test_copy_text_truncates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
