/* SPDX-License-Identifier: MIT */
/* Unit tests of the NOR flash model: sizes and JEDEC IDs, AND-programming with page wrap, erase
 * granularities, datasheet timings and busy state, read cost, faults and statistics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "flash.h"
#include "simtime.h"

#define MiB (1024u * 1024u)

static struct sim_flash *make(uint32_t size)
{
    struct sim_flash *f = NULL;
    assert_int_equal(sim_flash_create(size, SIM_FLASH_WINBOND, &f), 0);
    return f;
}

static void test_sizes(void **state)
{
    (void)state;
    static const uint32_t bad[] = {0, 256 * 1024, 3 * MiB, 32 * MiB, 512 * 1024 + 1};
    struct sim_flash *f;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sim_flash_create(bad[i], SIM_FLASH_WINBOND, &f), -1);
        assert_null(f);
    }
    assert_int_equal(sim_flash_create(4 * MiB, SIM_FLASH_VENDOR_COUNT, &f), -1);
}

static void test_jedec_ids(void **state)
{
    (void)state;
    /* Manufacturer bytes from the vendors' datasheets; capacity byte 0x13 (512 KiB) .. 0x18
     * (16 MiB) as in protocol doc §6.2. */
    static const uint8_t mfr[SIM_FLASH_VENDOR_COUNT] = {0xEF, 0xC8, 0x68, 0x20};
    for (int v = 0; v < SIM_FLASH_VENDOR_COUNT; v++) {
        uint8_t cap = 0x13;
        for (uint32_t size = 512 * 1024; size <= 16 * MiB; size *= 2, cap++) {
            struct sim_flash *f = NULL;
            uint8_t id[3];
            assert_int_equal(sim_flash_create(size, (enum sim_flash_vendor)v, &f), 0);
            sim_flash_jedec_id(f, id);
            assert_int_equal(id[0], mfr[v]);
            assert_int_equal(id[1], 0x40);
            assert_int_equal(id[2], cap);
            assert_int_equal(sim_flash_jedec_word(f), mfr[v] | 0x40u << 8 | (uint32_t)cap << 16);
            sim_flash_destroy(f);
        }
    }
}

static void test_program_only_clears_bits(void **state)
{
    (void)state;
    struct sim_flash *f = make(MiB);
    const uint8_t *c = sim_flash_cells_const(f);
    uint8_t a = 0xF0, b = 0x3C, ff = 0xFF;

    assert_int_equal(c[100], 0xFF);
    sim_flash_page_program(f, 0, 100, &a, 1);
    assert_int_equal(c[100], 0xF0);
    sim_flash_page_program(f, 0, 100, &b, 1);
    assert_int_equal(c[100], 0x30); /* 0xF0 AND 0x3C */
    sim_flash_page_program(f, 0, 100, &ff, 1);
    assert_int_equal(c[100], 0x30); /* 1s cannot be programmed back */
    sim_flash_erase(f, 0, SIM_FLASH_OP_ERASE_SECTOR, 100);
    assert_int_equal(c[100], 0xFF);
    sim_flash_destroy(f);
}

static void test_page_program_wraps(void **state)
{
    (void)state;
    struct sim_flash *f = make(MiB);
    const uint8_t *c = sim_flash_cells_const(f);
    uint8_t data[10];

    memset(data, 0x00, sizeof data);
    sim_flash_page_program(f, 0, 0x1000 + 250, data, sizeof data);
    for (uint32_t i = 250; i < 256; i++)
        assert_int_equal(c[0x1000 + i], 0x00);
    for (uint32_t i = 0; i < 4; i++)
        assert_int_equal(c[0x1000 + i], 0x00); /* wrapped to the page start */
    assert_int_equal(c[0x1000 + 4], 0xFF);
    assert_int_equal(c[0x1100], 0xFF); /* the next page is untouched */
    /* sim_flash_write splits at page boundaries instead */
    sim_flash_write(f, 0, 0x2000 + 250, data, sizeof data);
    assert_int_equal(c[0x2000 + 259], 0x00);
    assert_int_equal(c[0x2000], 0xFF);
    sim_flash_destroy(f);
}

static void fill_zero(struct sim_flash *f)
{
    memset(sim_flash_cells(f), 0, sim_flash_size(f));
}

static void expect_range(const uint8_t *c, uint32_t from, uint32_t to, uint8_t v)
{
    for (uint32_t i = from; i < to; i++)
        if (c[i] != v)
            fail_msg("cell 0x%x is 0x%02x, expected 0x%02x", i, c[i], v);
}

static void test_erase_granularity(void **state)
{
    (void)state;
    struct sim_flash *f = make(MiB);
    const uint8_t *c = sim_flash_cells_const(f);

    fill_zero(f);
    sim_flash_erase(f, 0, SIM_FLASH_OP_ERASE_SECTOR, 0x1234);
    expect_range(c, 0x0FFF, 0x1000, 0x00);
    expect_range(c, 0x1000, 0x2000, 0xFF);
    expect_range(c, 0x2000, 0x2001, 0x00);

    fill_zero(f);
    sim_flash_erase(f, 0, SIM_FLASH_OP_ERASE_32K, 0x9000);
    expect_range(c, 0x7FFF, 0x8000, 0x00);
    expect_range(c, 0x8000, 0x10000, 0xFF);
    expect_range(c, 0x10000, 0x10001, 0x00);

    fill_zero(f);
    sim_flash_erase(f, 0, SIM_FLASH_OP_ERASE_64K, 0x1F000);
    expect_range(c, 0xFFFF, 0x10000, 0x00);
    expect_range(c, 0x10000, 0x20000, 0xFF);
    expect_range(c, 0x20000, 0x20001, 0x00);

    fill_zero(f);
    sim_flash_erase(f, 0, SIM_FLASH_OP_ERASE_CHIP, 0);
    expect_range(c, 0, MiB, 0xFF);
    sim_flash_destroy(f);
}

static void test_typical_and_slow_timings(void **state)
{
    (void)state;
    struct sim_flash *f = make(4 * MiB);
    /* PERFORMANCE.md typical values */
    assert_int_equal(sim_flash_op_ns(f, SIM_FLASH_OP_ERASE_SECTOR, 0), 45 * SIM_NS_PER_MS);
    assert_int_equal(sim_flash_op_ns(f, SIM_FLASH_OP_ERASE_32K, 0), 120 * SIM_NS_PER_MS);
    assert_int_equal(sim_flash_op_ns(f, SIM_FLASH_OP_ERASE_64K, 0), 150 * SIM_NS_PER_MS);
    assert_int_equal(sim_flash_op_ns(f, SIM_FLASH_OP_ERASE_CHIP, 0), 10 * SIM_NS_PER_S);
    assert_int_equal(sim_flash_op_ns(f, SIM_FLASH_OP_PROGRAM, 256), 500 * SIM_NS_PER_US);
    assert_int_equal(sim_flash_op_ns(f, SIM_FLASH_OP_PROGRAM, 128), 250 * SIM_NS_PER_US);
    assert_int_equal(sim_flash_op_ns(f, SIM_FLASH_OP_PROGRAM, 1), 30 * SIM_NS_PER_US);
    /* ~10 MB/s reads */
    assert_int_equal(sim_flash_op_ns(f, SIM_FLASH_OP_READ, 1000), 101 * SIM_NS_PER_US);
    /* worst case: 5-10x typical */
    sim_flash_set_timing(f, SIM_FLASH_SLOW);
    assert_true(sim_flash_op_ns(f, SIM_FLASH_OP_ERASE_SECTOR, 0) >= 5 * 45 * SIM_NS_PER_MS);
    assert_true(sim_flash_op_ns(f, SIM_FLASH_OP_ERASE_SECTOR, 0) <= 10 * 45 * SIM_NS_PER_MS);
    assert_true(sim_flash_op_ns(f, SIM_FLASH_OP_PROGRAM, 256) >= 5 * 500 * SIM_NS_PER_US);
    assert_true(sim_flash_op_ns(f, SIM_FLASH_OP_ERASE_CHIP, 0) >= 5 * 10 * SIM_NS_PER_S);
    sim_flash_destroy(f);

    /* chip erase scales with capacity */
    f = make(16 * MiB);
    assert_int_equal(sim_flash_op_ns(f, SIM_FLASH_OP_ERASE_CHIP, 0), 40 * SIM_NS_PER_S);
    sim_flash_destroy(f);
}

static void test_busy_and_queueing(void **state)
{
    (void)state;
    struct sim_flash *f = make(MiB);
    uint8_t page[256], rd[4];
    uint64_t end;

    memset(page, 0x5A, sizeof page);
    end = sim_flash_erase(f, 1000, SIM_FLASH_OP_ERASE_SECTOR, 0);
    assert_int_equal(end, 1000 + 45 * SIM_NS_PER_MS);
    assert_true(sim_flash_busy(f, 1000));
    assert_true(sim_flash_busy(f, end - 1));
    assert_false(sim_flash_busy(f, end));
    assert_int_equal(sim_flash_status(f, 0, end - 1) & SIM_FLASH_SR1_WIP, SIM_FLASH_SR1_WIP);
    assert_int_equal(sim_flash_status(f, 0, end) & SIM_FLASH_SR1_WIP, 0);
    /* an operation asked for during the erase starts after it */
    end = sim_flash_page_program(f, 2000, 0, page, sizeof page);
    assert_int_equal(end, 1000 + 45 * SIM_NS_PER_MS + 500 * SIM_NS_PER_US);
    end = sim_flash_read(f, 0, 0, rd, sizeof rd);
    assert_int_equal(rd[0], 0x5A);
    assert_int_equal(end,
                     1000 + 45 * SIM_NS_PER_MS + 500 * SIM_NS_PER_US + SIM_NS_PER_US + 4 * 100);
    sim_flash_destroy(f);
}

static void test_address_wrap(void **state)
{
    (void)state;
    struct sim_flash *f = make(MiB);
    uint8_t z = 0;
    sim_flash_page_program(f, 0, MiB + 0x10, &z, 1);
    assert_int_equal(sim_flash_cells_const(f)[0x10], 0);
    sim_flash_destroy(f);
}

static void test_faults(void **state)
{
    (void)state;
    struct sim_flash *f = make(MiB);
    const uint8_t *c = sim_flash_cells_const(f);
    uint8_t zeros[256];

    memset(zeros, 0, sizeof zeros);
    sim_flash_fail_program_at(f, 0x3010);
    sim_flash_write(f, 0, 0x2F00, zeros, 512);
    expect_range(c, 0x2F00, 0x3000, 0x00);
    expect_range(c, 0x3000, 0x3100, 0xFF); /* the faulty page kept its contents */
    assert_int_equal(sim_flash_stats(f)[SIM_FLASH_OP_PROGRAM].failed, 1);

    sim_flash_fail_program_at(f, SIM_FLASH_NO_FAULT);
    fill_zero(f);
    sim_flash_fail_erase_at(f, 0x15000);
    sim_flash_erase(f, 0, SIM_FLASH_OP_ERASE_64K, 0x10000);
    expect_range(c, 0x10000, 0x15000, 0xFF);
    expect_range(c, 0x15000, 0x16000, 0x00);
    expect_range(c, 0x16000, 0x20000, 0xFF);
    assert_int_equal(sim_flash_stats(f)[SIM_FLASH_OP_ERASE_64K].failed, 1);
    sim_flash_destroy(f);
}

static void test_stats_and_log(void **state)
{
    (void)state;
    struct sim_flash *f = make(MiB);
    uint8_t buf[1024];
    const struct sim_flash_log_entry *log;
    size_t n;

    memset(buf, 0x11, sizeof buf);
    sim_flash_set_logging(f, true);
    sim_flash_erase(f, 0, SIM_FLASH_OP_ERASE_SECTOR, 0);
    sim_flash_write(f, 0, 0, buf, sizeof buf);
    assert_int_equal(sim_flash_stats(f)[SIM_FLASH_OP_ERASE_SECTOR].count, 1);
    assert_int_equal(sim_flash_stats(f)[SIM_FLASH_OP_PROGRAM].count, 4);
    assert_int_equal(sim_flash_stats(f)[SIM_FLASH_OP_PROGRAM].bytes, 1024);
    assert_int_equal(sim_flash_stats(f)[SIM_FLASH_OP_PROGRAM].busy_ns, 4 * 500 * SIM_NS_PER_US);
    log = sim_flash_log(f, &n);
    assert_int_equal(n, 5);
    assert_int_equal(log[0].op, SIM_FLASH_OP_ERASE_SECTOR);
    assert_int_equal(log[4].addr, 768);
    assert_int_equal(log[4].t_ns, 45 * SIM_NS_PER_MS + 3 * 500 * SIM_NS_PER_US);
    sim_flash_destroy(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sizes),
            cmocka_unit_test(test_jedec_ids),
            cmocka_unit_test(test_program_only_clears_bits),
            cmocka_unit_test(test_page_program_wraps),
            cmocka_unit_test(test_erase_granularity),
            cmocka_unit_test(test_typical_and_slow_timings),
            cmocka_unit_test(test_busy_and_queueing),
            cmocka_unit_test(test_address_wrap),
            cmocka_unit_test(test_faults),
            cmocka_unit_test(test_stats_and_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
