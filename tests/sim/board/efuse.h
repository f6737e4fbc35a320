/* SPDX-License-Identifier: MIT */
/* eFuse (OTP) words of the simulated ESP8266EX / ESP8285: chip variant, embedded flash size and
 * MAC address, encoded so that the decoding rules of docs/esp8266-protocol.md §5 give them back. */
#ifndef MF_SIM_EFUSE_H
#define MF_SIM_EFUSE_H

#include <stdbool.h>
#include <stdint.h>

/* READ_REG addresses of the four words (protocol doc §5.1). */
#define SIM_EFUSE_WORD0_ADDR 0x3FF00050u
#define SIM_EFUSE_WORDS      4u
#define SIM_EFUSE_WORD_STEP  4u

enum sim_chip_variant {
    SIM_CHIP_ESP8266EX,
    SIM_CHIP_ESP8285N08, /* 1 MB embedded flash */
    SIM_CHIP_ESP8285H08, /* 1 MB, high temperature */
    SIM_CHIP_ESP8285N16, /* 2 MB */
    SIM_CHIP_ESP8285H16, /* 2 MB, high temperature */
    SIM_CHIP_ESP8285_4M, /* 4 MB: esptool names it just "ESP8285" */
    SIM_CHIP_VARIANT_COUNT
};

struct sim_efuse {
    uint32_t w[SIM_EFUSE_WORDS];
};

/* Encodes variant and MAC. The OUI 18:FE:34 or AC:D0:74 uses the OUI selector when word 3 can
 * stay zero; any other OUI (and every OUI on an ESP8285, whose size bits live in word 3) is
 * stored explicitly in word 3. Returns 0, or -1 when the MAC cannot be represented (OUI
 * 00:00:00). */
int sim_efuse_encode(enum sim_chip_variant variant, const uint8_t mac[6], struct sim_efuse *out);

/* Word at a READ_REG address; false when addr is not an eFuse word. */
bool sim_efuse_read(const struct sim_efuse *e, uint32_t addr, uint32_t *value);

const char *sim_efuse_variant_name(enum sim_chip_variant variant);
bool sim_efuse_is_esp8285(enum sim_chip_variant variant);
/* Embedded flash size in bytes, 0 for the ESP8266EX (external flash). */
uint32_t sim_efuse_embedded_flash(enum sim_chip_variant variant);

#endif
