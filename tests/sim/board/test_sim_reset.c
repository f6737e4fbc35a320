/* SPDX-License-Identifier: MIT */
/* Reset-circuit tests: the DTR/RTS truth table, EN edges under esptool's reset sequences
 * (protocol doc §4.1), boards without the circuit, and the strapping -> boot mode rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reset.h"

static void test_truth_table(void **state)
{
    (void)state;
    /* asserted = pin low; both asserted = no change (both high) */
    struct {
        bool dtr, rts, en, gpio0;
    } rows[] = {
            {false, false, true, true},
            {true, true, true, true},
            {false, true, false, true},
            {true, false, true, false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sim_reset_pins p = sim_reset_circuit(rows[i].dtr, rows[i].rts);
        assert_int_equal(p.en, rows[i].en);
        assert_int_equal(p.gpio0, rows[i].gpio0);
    }
}

static void test_classic_reset_enters_download(void **state)
{
    (void)state;
    struct sim_reset r;
    sim_reset_init(&r, true);
    assert_true(sim_reset_en(&r));
    assert_int_equal(sim_reset_set_lines(&r, false, false), SIM_RESET_EDGE_NONE);
    assert_int_equal(sim_reset_set_lines(&r, false, true), SIM_RESET_EDGE_FALL);
    /* DTR=T while RTS still T: both asserted keeps EN... high - the circuit's known glitch */
    assert_int_equal(sim_reset_set_lines(&r, true, true), SIM_RESET_EDGE_RISE);
    assert_int_equal(sim_reset_set_lines(&r, true, false), SIM_RESET_EDGE_NONE);
    assert_false(sim_reset_gpio0(&r));
}

static void test_unix_tight_reset(void **state)
{
    (void)state;
    struct sim_reset r;
    sim_reset_init(&r, true);
    assert_int_equal(sim_reset_set_lines(&r, false, false), SIM_RESET_EDGE_NONE);
    assert_int_equal(sim_reset_set_lines(&r, true, true), SIM_RESET_EDGE_NONE);
    assert_int_equal(sim_reset_set_lines(&r, false, true), SIM_RESET_EDGE_FALL);
    assert_true(sim_reset_gpio0(&r));
    /* one ioctl: GPIO0 low and EN high at the same instant */
    assert_int_equal(sim_reset_set_lines(&r, true, false), SIM_RESET_EDGE_RISE);
    assert_false(sim_reset_gpio0(&r));
    assert_int_equal(sim_reset_boot_mode(false, sim_reset_gpio0(&r), true), SIM_BOOT_MODE_UART);
    assert_int_equal(sim_reset_set_lines(&r, false, false), SIM_RESET_EDGE_NONE);
    assert_true(sim_reset_gpio0(&r));
}

static void test_hard_reset_after_flash(void **state)
{
    (void)state;
    struct sim_reset r;
    sim_reset_init(&r, true);
    assert_int_equal(sim_reset_set_lines(&r, false, true), SIM_RESET_EDGE_FALL);
    assert_int_equal(sim_reset_set_lines(&r, false, false), SIM_RESET_EDGE_RISE);
    assert_int_equal(sim_reset_boot_mode(false, sim_reset_gpio0(&r), true), SIM_BOOT_MODE_FLASH);
}

static void test_no_circuit_needs_buttons(void **state)
{
    (void)state;
    struct sim_reset r;
    sim_reset_init(&r, false);
    assert_int_equal(sim_reset_set_lines(&r, false, true), SIM_RESET_EDGE_NONE);
    assert_int_equal(sim_reset_set_lines(&r, true, false), SIM_RESET_EDGE_NONE);
    assert_true(sim_reset_gpio0(&r));
    assert_true(sim_reset_en(&r));
    /* hold GPIO0 ("FLASH"), tap RESET */
    assert_int_equal(sim_reset_set_buttons(&r, true, false), SIM_RESET_EDGE_NONE);
    assert_int_equal(sim_reset_set_buttons(&r, true, true), SIM_RESET_EDGE_FALL);
    assert_int_equal(sim_reset_set_buttons(&r, true, false), SIM_RESET_EDGE_RISE);
    assert_false(sim_reset_gpio0(&r));
    assert_int_equal(sim_reset_set_buttons(&r, false, false), SIM_RESET_EDGE_NONE);
}

static void test_boot_modes(void **state)
{
    (void)state;
    /* {GPIO15, GPIO0, GPIO2} (protocol doc §4.4) */
    assert_int_equal(sim_reset_boot_mode(false, false, true), 1);
    assert_int_equal(sim_reset_boot_mode(false, true, true), 3);
    assert_true(sim_reset_boot_mode(true, false, false) >= 4);
    assert_true(sim_reset_boot_mode(true, true, true) <= 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_truth_table),
            cmocka_unit_test(test_classic_reset_enters_download),
            cmocka_unit_test(test_unix_tight_reset),
            cmocka_unit_test(test_hard_reset_after_flash),
            cmocka_unit_test(test_no_circuit_needs_buttons),
            cmocka_unit_test(test_boot_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
