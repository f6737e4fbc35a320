/* SPDX-License-Identifier: MIT */
/* spell_equal: esptool's v4 and v5 spellings of option values are the same name; everything
 * else about the two strings must match. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "conn.h"
#include "flasher.h"
#include "spell.h"

#include <string.h>

static void test_spell_equal(void **state)
{
    (void)state;
    assert_true(spell_equal("hard_reset", "hard_reset"));
    assert_true(spell_equal("hard-reset", "hard_reset"));
    assert_true(spell_equal("no-reset_no-sync", "no_reset-no_sync"));
    assert_false(spell_equal("hard_reset", "hard_rese"));
    assert_false(spell_equal("hard_rese", "hard_reset"));
    assert_false(spell_equal("Hard_reset", "hard_reset"));
    assert_false(spell_equal("hard reset", "hard_reset"));
    assert_false(spell_equal(NULL, "x"));
    assert_false(spell_equal("x", NULL));
    assert_true(spell_equal("", ""));
}

static void test_option_parsers(void **state)
{
    enum conn_before before;
    enum flasher_after after;
    struct mf_error e;
    (void)state;
    assert_int_equal(conn_parse_before("no-reset-no-sync", &before, &e), MF_OK);
    assert_int_equal(before, CONN_BEFORE_NO_RESET_NO_SYNC);
    assert_string_equal(conn_before_name(before), "no_reset_no_sync");
    assert_int_equal(conn_parse_before("usb-reset", &before, &e), MF_ERR_ARG);
    assert_non_null(strstr(e.message, "default_reset"));
    assert_int_equal(flasher_parse_after("soft-reset", &after, &e), MF_OK);
    assert_int_equal(after, FLASHER_AFTER_SOFT_RESET);
    assert_string_equal(flasher_after_name(after), "soft_reset");
    assert_int_equal(flasher_parse_after("watchdog_reset", &after, &e), MF_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_spell_equal),
            cmocka_unit_test(test_option_parsers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
