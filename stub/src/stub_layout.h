/* SPDX-License-Identifier: MIT */
/* Where MicroFlash's stub lives on the ESP8266 (esp8266-protocol.md §8.1): the RAM the ROM loader
 * leaves free, shared by the linker script, the chip HAL and the simulator that recognises it. */
#ifndef MF_STUB_LAYOUT_H
#define MF_STUB_LAYOUT_H

/* IRAM for code: above the 32 KiB an application image loads at 0x40100000 (§8.1, as the
 * established stub uses it). The entry is the first word of .text. */
#define STUB_LAYOUT_IRAM_START 0x4010C500u
#define STUB_LAYOUT_IRAM_SIZE  0x3600u
#define STUB_LAYOUT_ENTRY      STUB_LAYOUT_IRAM_START

/* DRAM for data and bss: up to the ROM's own data at 0x3FFFC000. */
#define STUB_LAYOUT_DRAM_START 0x3FFE8100u
#define STUB_LAYOUT_DRAM_SIZE  0x13F00u

/* Where a plain return from the stub's main lands: inside the ROM's boot, which then runs the
 * application in flash (§8.2 "Entry trick"). */
#define STUB_LAYOUT_ROM_RETURN 0x400010A8u

#endif
