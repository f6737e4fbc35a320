/* SPDX-License-Identifier: MIT */
/* eFuse tests: the words the board encodes are decoded here with the rules of protocol doc §5.2
 * and §5.3, written out independently, and must give back MAC, chip_id, variant and flash size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "efuse.h"

struct decoded {
    uint8_t mac[6];
    bool oui_known;
    uint32_t chip_id;
    bool esp8285;
    uint32_t flash_mb;
    const char *name;
};

static bool bit(const uint32_t w[4], unsigned n)
{
    return (w[n / 32] >> (n % 32)) & 1u;
}

/* protocol doc §5.2 / §5.3, as esptool decodes */
static void decode(const uint32_t w[4], struct decoded *d)
{
    memset(d, 0, sizeof *d);
    d->oui_known = true;
    if (w[3] != 0) {
        d->mac[0] = (uint8_t)(w[3] >> 16);
        d->mac[1] = (uint8_t)(w[3] >> 8);
        d->mac[2] = (uint8_t)w[3];
    } else if (((w[1] >> 16) & 0xFF) == 0) {
        d->mac[0] = 0x18, d->mac[1] = 0xFE, d->mac[2] = 0x34;
    } else if (((w[1] >> 16) & 0xFF) == 1) {
        d->mac[0] = 0xAC, d->mac[1] = 0xD0, d->mac[2] = 0x74;
    } else {
        d->oui_known = false;
    }
    d->mac[3] = (uint8_t)(w[1] >> 8);
    d->mac[4] = (uint8_t)w[1];
    d->mac[5] = (uint8_t)(w[0] >> 24);
    d->chip_id = (w[0] >> 24) | ((w[1] & 0xFFFFFF) << 8);
    d->esp8285 = bit(w, 4) || bit(w, 80);
    bool r0_4 = bit(w, 4), r3_25 = bit(w, 121), r3_26 = bit(w, 122), r3_27 = bit(w, 123);
    if (r0_4 && !r3_25 && !r3_27 && !r3_26)
        d->flash_mb = 1;
    else if ((r0_4 && !r3_25 && !r3_27 && r3_26) || (!r0_4 && r3_25 && !r3_27 && !r3_26))
        d->flash_mb = 2;
    else if (!r0_4 && r3_25 && !r3_27 && r3_26)
        d->flash_mb = 4;
    bool high = bit(w, 5);
    if (!d->esp8285)
        d->name = "ESP8266EX";
    else if (d->flash_mb == 1)
        d->name = high ? "ESP8285H08" : "ESP8285N08";
    else if (d->flash_mb == 2)
        d->name = high ? "ESP8285H16" : "ESP8285N16";
    else
        d->name = "ESP8285";
}

static void test_decoder_on_issue_620_word(void **state)
{
    (void)state;
    /* esptool issue #620: word 3 = 0x00840D8E -> OUI 84:0D:8E (protocol doc §5.2) */
    uint32_t w[4] = {0, 0x02007681, 0xF200B000, 0x00840D8E};
    struct decoded d;
    decode(w, &d);
    assert_true(d.oui_known);
    assert_int_equal(d.mac[0], 0x84);
    assert_int_equal(d.mac[1], 0x0D);
    assert_int_equal(d.mac[2], 0x8E);
    assert_int_equal(d.mac[3], 0x76);
    assert_int_equal(d.mac[4], 0x81);
    assert_false(d.esp8285);
}

static void check(enum sim_chip_variant v, const uint8_t mac[6], const char *name, uint32_t mb)
{
    struct sim_efuse e;
    struct decoded d;
    assert_int_equal(sim_efuse_encode(v, mac, &e), 0);
    decode(e.w, &d);
    assert_true(d.oui_known);
    assert_memory_equal(d.mac, mac, 6);
    assert_int_equal(d.chip_id, (uint32_t)mac[5] | (uint32_t)mac[4] << 8 | (uint32_t)mac[3] << 16 |
                                        (e.w[1] & 0xFF0000u) << 8);
    assert_string_equal(d.name, name);
    assert_string_equal(sim_efuse_variant_name(v), name);
    assert_int_equal(d.esp8285, v != SIM_CHIP_ESP8266EX);
    assert_int_equal(d.flash_mb, mb);
    assert_int_equal(sim_efuse_embedded_flash(v), mb * 1024u * 1024u);
}

static void test_variants_roundtrip(void **state)
{
    (void)state;
    static const uint8_t espressif0[6] = {0x18, 0xFE, 0x34, 0xA1, 0xB2, 0xC3};
    static const uint8_t espressif1[6] = {0xAC, 0xD0, 0x74, 0x01, 0x02, 0x03};
    static const uint8_t other[6] = {0x84, 0x0D, 0x8E, 0x76, 0x81, 0xFF};
    check(SIM_CHIP_ESP8266EX, espressif0, "ESP8266EX", 0);
    check(SIM_CHIP_ESP8266EX, espressif1, "ESP8266EX", 0);
    check(SIM_CHIP_ESP8266EX, other, "ESP8266EX", 0);
    check(SIM_CHIP_ESP8285N08, espressif0, "ESP8285N08", 1);
    check(SIM_CHIP_ESP8285H08, other, "ESP8285H08", 1);
    check(SIM_CHIP_ESP8285N16, espressif1, "ESP8285N16", 2);
    check(SIM_CHIP_ESP8285H16, espressif0, "ESP8285H16", 2);
    check(SIM_CHIP_ESP8285_4M, other, "ESP8285", 4);
}

static void test_selector_used_when_possible(void **state)
{
    (void)state;
    static const uint8_t mac[6] = {0xAC, 0xD0, 0x74, 0x01, 0x02, 0x03};
    struct sim_efuse e;
    assert_int_equal(sim_efuse_encode(SIM_CHIP_ESP8266EX, mac, &e), 0);
    assert_int_equal(e.w[3], 0);
    assert_int_equal((e.w[1] >> 16) & 0xFF, 1);
}

static void test_unrepresentable_and_reads(void **state)
{
    (void)state;
    static const uint8_t zero_oui[6] = {0, 0, 0, 1, 2, 3};
    static const uint8_t mac[6] = {0x18, 0xFE, 0x34, 1, 2, 3};
    struct sim_efuse e;
    uint32_t v;
    assert_int_equal(sim_efuse_encode(SIM_CHIP_ESP8266EX, zero_oui, &e), -1);
    assert_int_equal(sim_efuse_encode(SIM_CHIP_ESP8266EX, mac, &e), 0);
    /* READ_REG addresses 0x3FF00050..5C (protocol doc §5.1) */
    assert_true(sim_efuse_read(&e, 0x3FF00050, &v));
    assert_int_equal(v, e.w[0]);
    assert_true(sim_efuse_read(&e, 0x3FF0005C, &v));
    assert_int_equal(v, e.w[3]);
    assert_false(sim_efuse_read(&e, 0x3FF00060, &v));
    assert_false(sim_efuse_read(&e, 0x3FF00052, &v));
    assert_false(sim_efuse_read(&e, 0x3FF0004C, &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_decoder_on_issue_620_word),
            cmocka_unit_test(test_variants_roundtrip),
            cmocka_unit_test(test_selector_used_when_possible),
            cmocka_unit_test(test_unrepresentable_and_reads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
