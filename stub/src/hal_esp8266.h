/* SPDX-License-Identifier: MIT */
/* The chip side of hal.h: `struct hal` on the ESP8266, start-up of the UART receiver and the
 * flash, and the way back into the ROM that entry.S provides. */
#ifndef MF_STUB_HAL_ESP8266_H
#define MF_STUB_HAL_ESP8266_H

#include "hal.h"

struct stub;

struct hal {
    struct stub *stub;    /* what the UART interrupt feeds with received bytes */
    uint32_t time_ccount; /* CCOUNT at the last hal_time_us() */
    uint32_t time_cycles; /* cycles since then not yet counted as a whole microsecond */
    uint32_t time_us;     /* the microseconds hal_time_us() gives */
};

/* Binds the HAL to the stub the receive interrupt feeds; touches no hardware. */
void hal_esp8266_init(struct hal *h, struct stub *s);
/* Hooks the UART0 RX interrupt: every received byte goes to stub_rx_byte(). */
void hal_esp8266_rx_start(struct hal *h);
/* Attaches the flash and gives the ROM default geometry until SPI_SET_PARAMS (§8.2). */
void hal_esp8266_flash_start(struct hal *h);

/* entry.S: the stub's first instruction, and the way out. stub_exit_to_rom() restores the
 * stack and registers the ROM had at stub_entry and continues the ROM's boot (§8.2). */
void stub_entry(void);
__attribute__((noreturn)) void stub_exit_to_rom(void);
/* main_esp8266.c: what stub_entry jumps to; returning from it also runs the flash app. */
void stub_main(void);

#endif
