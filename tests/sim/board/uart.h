/* SPDX-License-Identifier: MIT */
/* UART facts of the simulated board: 8N1 byte timing, the chip's integer clock divider, the ROM's
 * autobaud rule and the USB-serial adapter profiles (PERFORMANCE.md, protocol doc §3.2). */
#ifndef MF_SIM_UART_H
#define MF_SIM_UART_H

#include <stdbool.h>
#include <stdint.h>

/* 8N1: start bit, 8 data bits, stop bit. */
#define SIM_UART_BITS_PER_BYTE 10u

/* UART clock while the ROM runs: 2 x 26 MHz crystal = 52 MHz (protocol doc §3.2: CLKDIV 452 at
 * 115200 -> 52.07 MHz, issue #397). */
#define SIM_UART_ROM_CLK_HZ 52000000u
/* UART clock once an application runs at 80 MHz CPU (APB = 80 MHz). */
#define SIM_UART_APP_CLK_HZ 80000000u

/* The ROM programs divider 694 (= 80 MHz / 115200, the 40 MHz-crystal value) at reset; with the
 * 26 MHz crystal's 52 MHz clock that is 74928 baud, the "74880" of the boot message (115200 x
 * 26/40). Derived from protocol doc §3.2 and "Could not confirm" 9: not read from a ROM. */
#define SIM_UART_ROM_BOOT_DIV 694u
/* MicroPython's REPL: 115200 on the 80 MHz clock -> divider 694 -> 115274 baud. */
#define SIM_UART_APP_BAUD             115200u
#define SIM_UART_DIV_MASK             0xFFFFFu
#define SIM_UART_BOOT_BAUD            74880u /* the nominal rate the boot message is known by */
#define SIM_UART_AUTOBAUD_MAX_DEFAULT 460800u

/* Bit period in picoseconds of a clock/divider pair or of a nominal rate. */
uint64_t sim_uart_bit_ps_div(uint32_t clk_hz, uint32_t div);
uint64_t sim_uart_bit_ps_baud(uint32_t baud);
/* Time of one 8N1 byte at a nominal rate, in ns (rounded up). */
uint64_t sim_uart_byte_ns(uint32_t baud);
/* The rate a divider really gives (integer baud, rounded). */
uint32_t sim_uart_div_baud(uint32_t clk_hz, uint32_t div);
/* Divider for a requested rate, rounded to nearest (PERFORMANCE.md: actual baud = 52e6 /
 * round(52e6 / baud)). Never 0. */
uint32_t sim_uart_div_for_baud(uint32_t clk_hz, uint32_t baud);

/* Autobaud: the ROM measures the 0x55 bytes of SYNC and sets a divider. Model: the rate must be
 * a standard one not above max_baud; the divider is floor(52 MHz / baud) + 1, which reproduces
 * the one observed value (452 at 115200, issue #397). The real algorithm is unknown (protocol
 * doc "Could not confirm" 5). Returns 0 when the ROM would not lock on. */
uint32_t sim_uart_autobaud_div(uint32_t baud, uint32_t max_baud);
bool sim_uart_standard_rate(uint32_t baud);

enum sim_adapter {
    SIM_ADAPTER_CH340, /* default */
    SIM_ADAPTER_CP2102,
    SIM_ADAPTER_FT232R,
    SIM_ADAPTER_COUNT
};

struct sim_adapter_profile {
    const char *name;
    uint32_t max_baud;      /* above it the adapter cannot make the rate */
    uint64_t out_ns;        /* host write -> first bit on the wire */
    uint64_t in_ns;         /* byte received -> visible to the host, unless a packet fills */
    uint32_t packet_bytes;  /* USB IN packet payload: a full packet goes up at once */
    uint32_t tolerance_ppm; /* rate mismatch its receiver still reads cleanly */
};

const struct sim_adapter_profile *sim_uart_adapter(enum sim_adapter adapter);

/* Rate mismatch the ESP8266's receiver tolerates (guess: 3 %, the usual figure for a 16x
 * oversampling UART that measures from the start edge). */
#define SIM_UART_CHIP_TOLERANCE_PPM 30000u

#endif
