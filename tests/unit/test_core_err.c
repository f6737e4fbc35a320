/* SPDX-License-Identifier: MIT */
/* Unit tests of the engine's error codes: stable values, one id and text per code, and the
 * helpers that fill the detail (message, command, status bytes, OS error) safely. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "err.h"

#include <string.h>

/* The values are a contract with the CLI's exit codes and machine-readable output. */
static void test_codes_are_stable(void **state)
{
    (void)state;
    assert_int_equal(MF_OK, 0);
    assert_int_equal(MF_ERR_ARG, -1);
    assert_int_equal(MF_ERR_IO, -2);
    assert_int_equal(MF_ERR_TIMEOUT, -3);
    assert_int_equal(MF_ERR_PROTOCOL, -4);
    assert_int_equal(MF_ERR_DEVICE, -5);
    assert_int_equal(MF_ERR_IMAGE, -6);
    assert_int_equal(MF_ERR_CANCELLED, -7);
    assert_int_equal(MF_ERR_UNSUPPORTED, -8);
    assert_int_equal(MF_ERR_NO_MEMORY, -9);
    assert_int_equal(MF_ERR_PORT_NOT_FOUND, -10);
    assert_int_equal(MF_ERR_PORT_BUSY, -11);
    assert_int_equal(MF_ERR_PORT_ACCESS, -12);
    assert_int_equal(MF_ERR_PORT_GONE, -13);
    assert_int_equal(MF_ERR_NO_DATA, -14);
    assert_int_equal(MF_ERR_NOT_DOWNLOAD_MODE, -15);
    assert_int_equal(MF_ERR_NO_SYNC, -16);
    assert_int_equal(MF_ERR_WRONG_CHIP, -17);
    assert_int_equal(MF_ERR_VERIFY, -18);
    assert_int_equal(MF_ERR_BOARD_CRASHED, -19);
    assert_int_equal(MF_ERR_FLASH_NOT_FOUND, -20);
    assert_int_equal(MF_ERR_STUB_FAILED, -21);
    assert_int_equal(MF_ERR_NO_REPL, -22);
    assert_int_equal(MF_ERR_NO_FILE, -23);
    assert_int_equal(MF_ERR_LAST, -23);
}

/* Every code has its own id and text; unknown codes say so. */
static void test_every_code_has_unique_text(void **state)
{
    (void)state;
    for (int a = MF_ERR_LAST; a <= MF_OK; a++) {
        assert_string_not_equal(mf_err_text(a), "unknown error");
        assert_string_not_equal(mf_err_id(a), "unknown");
        for (int b = a + 1; b <= MF_OK; b++) {
            assert_string_not_equal(mf_err_text(a), mf_err_text(b));
            assert_string_not_equal(mf_err_id(a), mf_err_id(b));
        }
    }
    assert_string_equal(mf_err_text(MF_ERR_LAST - 1), "unknown error");
    assert_string_equal(mf_err_id(1), "unknown");
    assert_string_equal(mf_err_id(MF_ERR_PORT_BUSY), "port-busy");
    assert_string_equal(mf_err_text(MF_ERR_TIMEOUT), "timed out");
}

static void test_set_append_prepend(void **state)
{
    (void)state;
    struct mf_error e;
    mf_err_clear(&e);
    assert_int_equal(e.code, MF_OK);
    assert_string_equal(e.message, "");

    mf_err_set_command(&e, 0x11, "FLASH_DEFL_DATA");
    mf_err_set_status(&e, 0xC1, 0x00, 0xC1);
    mf_err_set_os(&e, -6, 5);
    assert_int_equal(
            mf_err_set(&e, MF_ERR_DEVICE, "%s failed: code 0x%02X.", "FLASH_DEFL_DATA", 0xC1),
            MF_ERR_DEVICE);
    assert_string_equal(e.message, "FLASH_DEFL_DATA failed: code 0xC1.");
    /* set keeps the other fields */
    assert_true(e.has_command);
    assert_int_equal(e.opcode, 0x11);
    assert_string_equal(e.command, "FLASH_DEFL_DATA");
    assert_true(e.has_status);
    assert_int_equal(e.status[0], 0xC1);
    assert_int_equal(e.error_code, 0xC1);
    assert_int_equal(e.port_status, -6);
    assert_int_equal(e.os_error, 5);

    assert_int_equal(mf_err_append(&e, "Try %s.", "again"), MF_ERR_DEVICE);
    assert_string_equal(e.message, "FLASH_DEFL_DATA failed: code 0xC1. Try again.");
    assert_int_equal(mf_err_prepend(&e, "Writing %s: ", "fw.bin"), MF_ERR_DEVICE);
    assert_string_equal(e.message, "Writing fw.bin: FLASH_DEFL_DATA failed: code 0xC1. Try again.");

    mf_err_clear(&e);
    assert_false(e.has_command);
    assert_false(e.has_status);
    assert_null(e.command);
    assert_int_equal(e.os_error, 0);
    /* append to an empty message adds no leading space */
    mf_err_append(&e, "Alone.");
    assert_string_equal(e.message, "Alone.");
}

/* NULL is allowed everywhere; long text is cut, never overflows. */
static void test_null_and_truncation(void **state)
{
    (void)state;
    assert_int_equal(mf_err_set(NULL, MF_ERR_IO, "x %d", 1), MF_ERR_IO);
    assert_int_equal(mf_err_append(NULL, "y"), MF_OK);
    assert_int_equal(mf_err_prepend(NULL, "z"), MF_OK);
    mf_err_clear(NULL);
    mf_err_set_command(NULL, 1, "X");
    mf_err_set_status(NULL, 1, 2, 3);
    mf_err_set_os(NULL, 1, 2);

    struct mf_error e;
    char big[2 * MF_ERR_MESSAGE_MAX];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    mf_err_clear(&e);
    mf_err_set(&e, MF_ERR_ARG, "%s", big);
    assert_int_equal(strlen(e.message), MF_ERR_MESSAGE_MAX - 1);
    mf_err_append(&e, "%s", big);
    assert_int_equal(strlen(e.message), MF_ERR_MESSAGE_MAX - 1);
    mf_err_prepend(&e, "%s", big);
    assert_int_equal(strlen(e.message), MF_ERR_MESSAGE_MAX - 1);
    mf_err_set(&e, MF_ERR_ARG, "short");
    mf_err_prepend(&e, "%s", big);
    assert_int_equal(strlen(e.message), MF_ERR_MESSAGE_MAX - 1);
    assert_int_equal(e.message[0], 'a');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_codes_are_stable),
            cmocka_unit_test(test_every_code_has_unique_text),
            cmocka_unit_test(test_set_append_prepend),
            cmocka_unit_test(test_null_and_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
