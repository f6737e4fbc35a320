/* SPDX-License-Identifier: MIT */
/* The stub's main on the ESP8266: clears bss, greets the host with OHAI, hooks the UART
 * receiver and the flash, then runs the portable command loop until a command leaves. */
#include "hal_esp8266.h"

#include "rom_esp8266.h"
#include "stub.h"

/* Linker script symbols: the bss the ROM never loaded. */
extern uint8_t _bss_start[];
extern uint8_t _bss_end[];

/* The whole stub state (~74 KiB) and the HAL, in bss. */
static struct stub stub_state;
static struct hal hal_state;

void stub_main(void)
{
    ets_set_user_start(0); /* a return to the ROM boots from flash, not into us (§8.2) */
    memset(_bss_start, 0, (size_t)(_bss_end - _bss_start));
    hal_esp8266_init(&hal_state, &stub_state);
    stub_init(&stub_state, &hal_state);
    stub_greet(&stub_state);
    hal_esp8266_rx_start(&hal_state);
    hal_esp8266_flash_start(&hal_state);
    /* polls without pause: deadlines (hal_wake_at) and background erase need no timer */
    while (stub_poll(&stub_state) != STUB_POLL_GONE) {
    }
    /* a return lands in the ROM's boot (a0 = STUB_LAYOUT_ROM_RETURN): runs the flash app */
}
