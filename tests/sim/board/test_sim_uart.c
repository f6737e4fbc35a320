/* SPDX-License-Identifier: MIT */
/* UART tests: divider arithmetic of PERFORMANCE.md, the autobaud rule, adapter facts, and the
 * bit-level line: clean transfer at equal or close rates, garbage of realistic length at a
 * mismatch, tolerance, cuts and rate changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "line.h"
#include "simtime.h"
#include "slip.h"
#include "uart.h"

static void test_divider_rounding(void **state)
{
    (void)state;
    /* PERFORMANCE.md: actual = 52e6 / round(52e6 / baud); 1 M and 2 M exact, 921600 +0.76 % */
    assert_int_equal(sim_uart_div_for_baud(52000000u, 921600u), 56);
    assert_int_equal(sim_uart_div_baud(52000000u, 56), 928571);
    assert_int_equal(sim_uart_div_baud(52000000u, sim_uart_div_for_baud(52000000u, 2000000u)),
                     2000000);
    assert_int_equal(sim_uart_div_baud(52000000u, sim_uart_div_for_baud(52000000u, 1000000u)),
                     1000000);
    assert_int_equal(sim_uart_div_for_baud(52000000u, 460800u), 113);
    /* the ROM's boot divider gives the "74880" boot message rate within 0.1 % */
    uint32_t boot = sim_uart_div_baud(SIM_UART_ROM_CLK_HZ, SIM_UART_ROM_BOOT_DIV);
    assert_true(boot > 74880u - 75u && boot < 74880u + 75u);
    /* MicroPython's 115200 on the 80 MHz clock */
    uint32_t app = sim_uart_div_baud(SIM_UART_APP_CLK_HZ,
                                     sim_uart_div_for_baud(SIM_UART_APP_CLK_HZ, 115200u));
    assert_true(app > 115200u - 116u && app < 115200u + 116u);
    assert_int_equal(sim_uart_byte_ns(115200u), 86806);
}

static void test_autobaud(void **state)
{
    (void)state;
    /* CLKDIV 0x1C4 = 452 after syncing at 115200 (esptool issue #397, protocol doc §3.2) */
    assert_int_equal(sim_uart_autobaud_div(115200u, SIM_UART_AUTOBAUD_MAX_DEFAULT), 452);
    assert_true(sim_uart_autobaud_div(460800u, SIM_UART_AUTOBAUD_MAX_DEFAULT) != 0);
    assert_true(sim_uart_autobaud_div(9600u, SIM_UART_AUTOBAUD_MAX_DEFAULT) != 0);
    assert_int_equal(sim_uart_autobaud_div(921600u, SIM_UART_AUTOBAUD_MAX_DEFAULT), 0);
    assert_int_equal(sim_uart_autobaud_div(100000u, SIM_UART_AUTOBAUD_MAX_DEFAULT), 0);
    assert_int_equal(sim_uart_autobaud_div(460800u, 230400u), 0);
    /* crystal estimate esptool makes from it: 115200 x 452 / 2e6 = 26.03 -> 26 MHz */
    assert_int_equal(115200u * 452u / 2000000u, 26);
}

static void test_adapters(void **state)
{
    (void)state;
    const struct sim_adapter_profile *ch = sim_uart_adapter(SIM_ADAPTER_CH340);
    const struct sim_adapter_profile *cp = sim_uart_adapter(SIM_ADAPTER_CP2102);
    const struct sim_adapter_profile *ft = sim_uart_adapter(SIM_ADAPTER_FT232R);
    assert_non_null(ch);
    assert_int_equal(ch->max_baud, 2000000);
    assert_int_equal(cp->max_baud, 921600);
    assert_int_equal(ft->max_baud, 3000000);
    /* round trip per block: 1-2 ms CH340/CP210x, 16 ms FTDI latency timer */
    assert_true(ch->out_ns + ch->in_ns >= SIM_NS_PER_MS &&
                ch->out_ns + ch->in_ns <= 2 * SIM_NS_PER_MS);
    assert_true(cp->out_ns + cp->in_ns >= SIM_NS_PER_MS &&
                cp->out_ns + cp->in_ns <= 2 * SIM_NS_PER_MS);
    assert_true(ft->in_ns >= 16 * SIM_NS_PER_MS);
    assert_null(sim_uart_adapter(SIM_ADAPTER_COUNT));
}

/* Sends n bytes back to back at tx_baud-equivalent bit_ps from t=0 and receives them at rx. */
static size_t transfer(const uint8_t *in, size_t n, uint64_t tx_bit_ps, uint64_t rx_bit_ps,
                       uint32_t tol_ppm, uint8_t *out, size_t cap, uint64_t *last_t)
{
    struct sim_line l;
    uint64_t end = 0, at = 0;
    size_t got = 0;
    uint8_t b;

    assert_int_equal(sim_line_init(&l, rx_bit_ps, tol_ppm), 0);
    for (size_t i = 0; i < n; i++)
        end = sim_line_send(&l, 0, in[i], tx_bit_ps);
    while (got < cap && sim_line_recv(&l, end + 10 * rx_bit_ps / 1000 * 2, &b, &at))
        out[got++] = b;
    if (last_t)
        *last_t = at;
    sim_line_free(&l);
    return got;
}

static void pattern(uint8_t *p, size_t n)
{
    uint32_t x = 0x12345678u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        p[i] = i < 256 ? (uint8_t)i : (uint8_t)x;
    }
}

static void test_equal_rates_clean_with_timing(void **state)
{
    (void)state;
    uint8_t in[1024], out[1100];
    uint64_t bit = sim_uart_bit_ps_baud(115200u), last;
    struct sim_line l;
    uint8_t b;
    uint64_t at;

    pattern(in, sizeof in);
    assert_int_equal(transfer(in, sizeof in, bit, bit, 20000, out, sizeof out, &last), sizeof in);
    assert_memory_equal(in, out, sizeof in);
    /* the last byte is read at its stop bit's middle: 1023 x 10 + 9.5 bit times */
    /* within 10 ns over 89 ms (bit periods are whole picoseconds) */
    assert_true(last >= (uint64_t)(10239.5 * 1e9 / 115200) - 10);
    assert_true(last <= (uint64_t)(10239.5 * 1e9 / 115200) + 10);

    /* a byte is not available before its stop bit */
    assert_int_equal(sim_line_init(&l, bit, 20000), 0);
    sim_line_send(&l, 1000, 'A', bit);
    assert_int_equal(sim_line_next_ns(&l), 1000 + 82466);
    assert_false(sim_line_recv(&l, 1000 + 82000, &b, &at));
    assert_true(sim_line_recv(&l, 1000 + 82466, &b, &at));
    assert_int_equal(b, 'A');
    assert_int_equal(sim_line_next_ns(&l), SIM_TIME_NEVER);
    sim_line_free(&l);
}

static void test_small_mismatch_is_tolerated(void **state)
{
    (void)state;
    uint8_t in[512], out[600];
    pattern(in, sizeof in);
    /* chip at 52e6/56 = 928571 talking to a host at 921600 (+0.76 %) */
    assert_int_equal(transfer(in, sizeof in, sim_uart_bit_ps_div(52000000u, 56),
                              sim_uart_bit_ps_baud(921600u), 20000, out, sizeof out, NULL),
                     sizeof in);
    assert_memory_equal(in, out, sizeof in);
    /* 2.5 % is fine for a 3 % receiver */
    assert_int_equal(transfer(in, sizeof in, sim_uart_bit_ps_baud(2000000u),
                              sim_uart_bit_ps_baud(2050000u), 30000, out, sizeof out, NULL),
                     sizeof in);
    assert_memory_equal(in, out, sizeof in);
}

static void test_beyond_tolerance_corrupts(void **state)
{
    (void)state;
    uint8_t in[512], out[600];
    size_t n;
    pattern(in, sizeof in);
    /* PERFORMANCE.md: truncating gives 2.08 M for a 2 M request, past a CH340's tolerance */
    n = transfer(in, sizeof in, sim_uart_bit_ps_div(52000000u, 25), sim_uart_bit_ps_baud(2000000u),
                 20000, out, sizeof out, NULL);
    assert_true(n != sizeof in || memcmp(in, out, sizeof in) != 0);
}

static bool has_response_frame(const uint8_t *p, size_t n)
{
    uint8_t buf[64];
    struct sim_slip_decoder d;
    sim_slip_decoder_init(&d, buf, sizeof buf);
    for (size_t i = 0; i < n; i++)
        if (sim_slip_decoder_push(&d, p[i]) == SIM_SLIP_FRAME && d.len >= 10 && buf[0] == 0x01 &&
            (size_t)(buf[2] | buf[3] << 8) == d.len - 8)
            return true;
    return false;
}

static void test_boot_text_at_wrong_baud_is_garbage(void **state)
{
    (void)state;
    static const char text[] = "\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\n";
    uint8_t out[256], out2[256];
    size_t n = sizeof text - 1, got, got2, printable = 0;
    uint64_t boot = sim_uart_bit_ps_div(SIM_UART_ROM_CLK_HZ, SIM_UART_ROM_BOOT_DIV);

    /* read correctly at 74880 */
    got = transfer((const uint8_t *)text, n, boot, sim_uart_bit_ps_baud(74880u), 20000, out,
                   sizeof out, NULL);
    assert_int_equal(got, n);
    assert_memory_equal(out, text, n);

    /* read at 115200: a different number of bytes of a different content */
    got = transfer((const uint8_t *)text, n, boot, sim_uart_bit_ps_baud(115200u), 20000, out,
                   sizeof out, NULL);
    assert_true(got >= n / 2 && got <= 2 * n);
    /* users reading the boot log at 115200 see it start with "rl" (esp8266.com t=1118) */
    assert_int_equal(out[0], 'r');
    assert_int_equal(out[1], 'l');
    assert_true(got != n || memcmp(out, text, n) != 0);
    for (size_t i = 0; i < got; i++)
        printable += out[i] >= 0x20 && out[i] < 0x7F;
    assert_true(printable < got); /* not clean text */
    assert_false(has_response_frame(out, got));
    /* deterministic */
    got2 = transfer((const uint8_t *)text, n, boot, sim_uart_bit_ps_baud(115200u), 20000, out2,
                    sizeof out2, NULL);
    assert_int_equal(got2, got);
    assert_memory_equal(out, out2, got);

    /* a fast sender into a slow receiver loses bytes */
    got = transfer((const uint8_t *)text, n, sim_uart_bit_ps_baud(230400u),
                   sim_uart_bit_ps_baud(74880u), 20000, out, sizeof out, NULL);
    assert_true(got < n);
}

static void test_sync_reply_at_wrong_baud_is_not_a_frame(void **state)
{
    (void)state;
    static const uint8_t reply[] = {0xC0, 0x01, 0x08, 0x02, 0x00, 0x07,
                                    0x07, 0x12, 0x20, 0x00, 0x00, 0xC0};
    uint8_t in[8 * sizeof reply], out[256];
    size_t got;
    for (size_t k = 0; k < 8; k++)
        memcpy(in + k * sizeof reply, reply, sizeof reply);
    got = transfer(in, sizeof in, sim_uart_bit_ps_baud(115200u), sim_uart_bit_ps_baud(57600u),
                   20000, out, sizeof out, NULL);
    assert_false(has_response_frame(out, got));
    got = transfer(in, sizeof in, sim_uart_bit_ps_baud(115200u), sim_uart_bit_ps_baud(230400u),
                   20000, out, sizeof out, NULL);
    assert_false(has_response_frame(out, got));
}

static void test_cut_and_rate_change(void **state)
{
    (void)state;
    struct sim_line l;
    uint64_t bit = sim_uart_bit_ps_baud(115200u), at, byte_ns = sim_uart_byte_ns(115200u);
    uint8_t b, got[16];
    size_t n = 0;

    assert_int_equal(sim_line_init(&l, bit, 20000), 0);
    for (int i = 0; i < 10; i++)
        sim_line_send(&l, 0, (uint8_t)('0' + i), bit);
    /* reset while the 4th byte is on the wire: it finishes, the rest is gone */
    sim_line_cut(&l, 3 * byte_ns + byte_ns / 2);
    while (sim_line_recv(&l, SIM_NS_PER_S, &b, &at))
        got[n++] = b;
    assert_int_equal(n, 4);
    assert_memory_equal(got, "0123", 4);
    assert_int_equal(l.bytes_sent, 4);

    /* the receiver switches to 57600 before the next bytes: at 57600 they read cleanly */
    sim_line_set_rx(&l, SIM_NS_PER_S, sim_uart_bit_ps_baud(57600u), 20000);
    sim_line_send(&l, 2 * SIM_NS_PER_S, 'x', sim_uart_bit_ps_baud(57600u));
    sim_line_send(&l, 2 * SIM_NS_PER_S + 5 * SIM_NS_PER_MS, 'y', sim_uart_bit_ps_baud(57600u));
    n = 0;
    while (sim_line_recv(&l, 3 * SIM_NS_PER_S, &b, &at))
        got[n++] = b;
    assert_int_equal(n, 2);
    assert_int_equal(got[0], 'x');
    assert_int_equal(got[1], 'y');
    sim_line_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_divider_rounding),
            cmocka_unit_test(test_autobaud),
            cmocka_unit_test(test_adapters),
            cmocka_unit_test(test_equal_rates_clean_with_timing),
            cmocka_unit_test(test_small_mismatch_is_tolerated),
            cmocka_unit_test(test_beyond_tolerance_corrupts),
            cmocka_unit_test(test_boot_text_at_wrong_baud_is_garbage),
            cmocka_unit_test(test_sync_reply_at_wrong_baud_is_not_a_frame),
            cmocka_unit_test(test_cut_and_rate_change),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
