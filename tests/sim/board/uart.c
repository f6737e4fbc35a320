/* SPDX-License-Identifier: MIT */
/* UART rate arithmetic (dividers, bit periods, autobaud) and the table of USB-serial adapters
 * the simulated board can sit behind. */
#include "uart.h"

#include <stddef.h>

#include "simtime.h"

/* Rates a host can pick that the ROM's autobaud is expected to lock onto. */
static const uint32_t UART_STANDARD_RATES[] = {
        300,   600,   1200,  2400,  4800,  9600,   14400,  19200,
        28800, 38400, 57600, 74880, 76800, 115200, 230400, 460800,
};

/* Adapter facts from PERFORMANCE.md: maximum rates (CH340 2 M, CP2102 921600, FT232R 3 M) and the
 * round trip per acknowledged block (1-2 ms CH340/CP210x, 16 ms FTDI default latency timer),
 * split here into a short host->wire delay and the receive latency. USB packet payloads: CH340
 * bulk endpoints are 32 bytes, CP2102 64, FT232R 64 minus 2 status bytes. Receive tolerance is a
 * guess (2 % for the CH340 - PERFORMANCE.md has +4 % "past a CH340's tolerance" - and 3 % for
 * the others). */
static const struct sim_adapter_profile UART_ADAPTERS[SIM_ADAPTER_COUNT] = {
        [SIM_ADAPTER_CH340] = {"CH340", 2000000u, 500 * SIM_NS_PER_US, 1500 * SIM_NS_PER_US, 32u,
                               20000u},
        [SIM_ADAPTER_CP2102] = {"CP2102", 921600u, 250 * SIM_NS_PER_US, 1000 * SIM_NS_PER_US, 64u,
                                30000u},
        [SIM_ADAPTER_FT232R] = {"FT232R", 3000000u, 125 * SIM_NS_PER_US, 16 * SIM_NS_PER_MS, 62u,
                                30000u},
};

uint64_t sim_uart_bit_ps_div(uint32_t clk_hz, uint32_t div)
{
    if (clk_hz == 0 || div == 0)
        return 0;
    return ((uint64_t)div * SIM_PS_PER_S + clk_hz / 2) / clk_hz;
}

uint64_t sim_uart_bit_ps_baud(uint32_t baud)
{
    if (baud == 0)
        return 0;
    return (SIM_PS_PER_S + baud / 2) / baud;
}

uint64_t sim_uart_byte_ns(uint32_t baud)
{
    uint64_t ps = sim_uart_bit_ps_baud(baud) * SIM_UART_BITS_PER_BYTE;
    return (ps + SIM_PS_PER_NS - 1) / SIM_PS_PER_NS;
}

uint32_t sim_uart_div_baud(uint32_t clk_hz, uint32_t div)
{
    if (div == 0)
        return 0;
    return (uint32_t)(((uint64_t)clk_hz + div / 2) / div);
}

uint32_t sim_uart_div_for_baud(uint32_t clk_hz, uint32_t baud)
{
    uint32_t div;
    if (baud == 0)
        return SIM_UART_DIV_MASK;
    div = (uint32_t)(((uint64_t)clk_hz + baud / 2) / baud);
    return div ? div : 1u;
}

bool sim_uart_standard_rate(uint32_t baud)
{
    for (size_t i = 0; i < sizeof UART_STANDARD_RATES / sizeof UART_STANDARD_RATES[0]; i++)
        if (UART_STANDARD_RATES[i] == baud)
            return true;
    return false;
}

uint32_t sim_uart_autobaud_div(uint32_t baud, uint32_t max_baud)
{
    if (!sim_uart_standard_rate(baud) || baud > max_baud)
        return 0;
    return SIM_UART_ROM_CLK_HZ / baud + 1u;
}

const struct sim_adapter_profile *sim_uart_adapter(enum sim_adapter adapter)
{
    return (unsigned)adapter < SIM_ADAPTER_COUNT ? &UART_ADAPTERS[adapter] : NULL;
}
