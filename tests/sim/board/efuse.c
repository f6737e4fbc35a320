/* SPDX-License-Identifier: MIT */
/* Builds the four eFuse words of a simulated chip from its variant and MAC, following the bit
 * assignments esptool decodes (docs/esp8266-protocol.md §5.1-§5.3). */
#include "efuse.h"

#include <stddef.h>

/* Bit positions (protocol doc §5.1, §5.3): word 0 bit 4 = ESP8285 / r0_4, bit 5 = high
 * temperature, bits 31..24 = MAC byte 5; word 1 bits 23..16 = OUI selector, bits 15..0 = MAC
 * bytes 3,4; word 2 bit 16 = ESP8285 (bit 80); word 3 bits 23..0 = explicit OUI, bits 25, 26, 27
 * = r3_25, r3_26, r3_27 (embedded flash size). */
#define EFUSE_W0_8285       (1u << 4)
#define EFUSE_W0_HIGH_TEMP  (1u << 5)
#define EFUSE_W0_MAC5_SHIFT 24
#define EFUSE_W1_OUI_SHIFT  16
#define EFUSE_W1_MAC3_SHIFT 8
#define EFUSE_W2_8285       (1u << 16)
#define EFUSE_W3_R25        (1u << 25)
#define EFUSE_W3_R26        (1u << 26)
#define EFUSE_W3_R27        (1u << 27)
#define EFUSE_OUI_MASK      0xFFFFFFu

/* Bits of real chips that carry no meaning for a flasher (calibration, CRC), taken from the
 * ESP8266EX words read in esptool issue #620 (word 1 0x02007681, word 2 0xF200B000) with every
 * bit that does carry meaning cleared, so a client sees realistic, non-zero words. */
#define EFUSE_W1_FILLER 0x02000000u
#define EFUSE_W2_FILLER 0xF200B000u

/* The two OUIs reachable through the selector in word 1 (protocol doc §5.2). */
static const uint32_t EFUSE_SELECTOR_OUIS[] = {0x18FE34u, 0xACD074u};

struct efuse_variant_info {
    const char *name;
    uint32_t w0;
    uint32_t w2;
    uint32_t w3;
    uint32_t flash_size;
};

#define EFUSE_MB (1024u * 1024u)

/* Which size rows of §5.3 each variant satisfies:
 * 1 MB: r0_4 and none of r3_25/26/27; 2 MB: r0_4 and r3_26 only; 4 MB: not r0_4, r3_25 and r3_26
 * (then only bit 80 marks the ESP8285). */
static const struct efuse_variant_info EFUSE_VARIANTS[SIM_CHIP_VARIANT_COUNT] = {
        [SIM_CHIP_ESP8266EX] = {"ESP8266EX", 0, 0, 0, 0},
        [SIM_CHIP_ESP8285N08] = {"ESP8285N08", EFUSE_W0_8285, 0, 0, 1 * EFUSE_MB},
        [SIM_CHIP_ESP8285H08] = {"ESP8285H08", EFUSE_W0_8285 | EFUSE_W0_HIGH_TEMP, 0, 0,
                                 1 * EFUSE_MB},
        [SIM_CHIP_ESP8285N16] = {"ESP8285N16", EFUSE_W0_8285, 0, EFUSE_W3_R26, 2 * EFUSE_MB},
        [SIM_CHIP_ESP8285H16] = {"ESP8285H16", EFUSE_W0_8285 | EFUSE_W0_HIGH_TEMP, 0, EFUSE_W3_R26,
                                 2 * EFUSE_MB},
        [SIM_CHIP_ESP8285_4M] = {"ESP8285", 0, EFUSE_W2_8285, EFUSE_W3_R25 | EFUSE_W3_R26,
                                 4 * EFUSE_MB},
};

const char *sim_efuse_variant_name(enum sim_chip_variant variant)
{
    return (unsigned)variant < SIM_CHIP_VARIANT_COUNT ? EFUSE_VARIANTS[variant].name : "?";
}

bool sim_efuse_is_esp8285(enum sim_chip_variant variant)
{
    return (unsigned)variant < SIM_CHIP_VARIANT_COUNT && variant != SIM_CHIP_ESP8266EX;
}

uint32_t sim_efuse_embedded_flash(enum sim_chip_variant variant)
{
    return (unsigned)variant < SIM_CHIP_VARIANT_COUNT ? EFUSE_VARIANTS[variant].flash_size : 0;
}

int sim_efuse_encode(enum sim_chip_variant variant, const uint8_t mac[6], struct sim_efuse *out)
{
    const struct efuse_variant_info *v;
    uint32_t oui = (uint32_t)mac[0] << 16 | (uint32_t)mac[1] << 8 | mac[2];
    uint32_t selector = 0;
    bool explicit_oui = true;

    if ((unsigned)variant >= SIM_CHIP_VARIANT_COUNT || oui == 0)
        return -1;
    v = &EFUSE_VARIANTS[variant];
    if (v->w3 == 0) {
        for (size_t i = 0; i < sizeof EFUSE_SELECTOR_OUIS / sizeof EFUSE_SELECTOR_OUIS[0]; i++) {
            if (EFUSE_SELECTOR_OUIS[i] == oui) {
                selector = (uint32_t)i;
                explicit_oui = false;
            }
        }
    }
    out->w[0] = v->w0 | (uint32_t)mac[5] << EFUSE_W0_MAC5_SHIFT;
    out->w[1] = EFUSE_W1_FILLER | selector << EFUSE_W1_OUI_SHIFT |
                (uint32_t)mac[3] << EFUSE_W1_MAC3_SHIFT | mac[4];
    out->w[2] = EFUSE_W2_FILLER | v->w2;
    out->w[3] = v->w3 | (explicit_oui ? (oui & EFUSE_OUI_MASK) : 0);
    return 0;
}

bool sim_efuse_read(const struct sim_efuse *e, uint32_t addr, uint32_t *value)
{
    uint32_t off = addr - SIM_EFUSE_WORD0_ADDR;
    if (addr < SIM_EFUSE_WORD0_ADDR || off % SIM_EFUSE_WORD_STEP != 0 ||
        off / SIM_EFUSE_WORD_STEP >= SIM_EFUSE_WORDS)
        return false;
    *value = e->w[off / SIM_EFUSE_WORD_STEP];
    return true;
}
