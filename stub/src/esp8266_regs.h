/* SPDX-License-Identifier: MIT */
/* ESP8266 facts the chip HAL uses: register addresses and fields of UART0 and the SPI flash
 * controller, the UART interrupt number, RAM areas and FIFO sizes (protocol doc §8). */
#ifndef MF_STUB_ESP8266_REGS_H
#define MF_STUB_ESP8266_REGS_H

/* ---- UART0 (§8.3, §8.7) ---- */
#define ESP8266_UART_FIFO        0x60000000u /* read: next RX byte; write: queue a TX byte */
#define ESP8266_UART_INT_ENA     0x6000000Cu
#define ESP8266_UART_INT_CLR     0x60000010u
#define ESP8266_UART_CLKDIV      0x60000014u
#define ESP8266_UART_STATUS      0x6000001Cu
#define ESP8266_UART_CONF1       0x60000020u
#define ESP8266_UART_CLKDIV_MASK 0xFFFFFu

#define ESP8266_UART_INT_RXFIFO_FULL 0x001u /* bit 0 */
#define ESP8266_UART_INT_RXFIFO_TOUT 0x100u /* bit 8 */
#define ESP8266_UART_INT_ALL         0x1FFu /* bits 0..8 */

#define ESP8266_UART_STATUS_RX_CNT_MASK  0xFFu /* bits 0..7: bytes in the RX FIFO */
#define ESP8266_UART_STATUS_TX_CNT_SHIFT 16u   /* bits 16..23: bytes in the TX FIFO */
#define ESP8266_UART_STATUS_TX_CNT_MASK  0xFFu

#define ESP8266_UART_CONF1_RX_FULL_MASK 0x7Fu /* bits 0..6: RXFIFO_FULL threshold */
#define ESP8266_UART_CONF1_TOUT_SHIFT   24u   /* bits 24..30: RX timeout, in byte times */
#define ESP8266_UART_CONF1_TOUT_MASK    0x7Fu
#define ESP8266_UART_CONF1_TOUT_EN      0x80000000u /* bit 31 */

#define ESP8266_UART_TX_FIFO_SIZE 128u
#define ESP8266_UART_INUM         5u /* ets_isr_attach() number of the UART interrupt */
#define ESP8266_UART0             0u /* uart_div_modify() port number */

/* ---- SPI flash controller SPI0 (§8.5) ---- */
#define ESP8266_SPI_CMD       0x60000200u
#define ESP8266_SPI_ADDR      0x60000204u
#define ESP8266_SPI_RD_STATUS 0x60000210u
#define ESP8266_SPI_EXT2      0x600002F8u

#define ESP8266_SPI_CMD_WREN 0x40000000u /* bit 30 write enable */
#define ESP8266_SPI_CMD_RDSR 0x08000000u /* bit 27 read status register */
#define ESP8266_SPI_CMD_SE   0x01000000u /* bit 24 sector (4 KiB) erase */
#define ESP8266_SPI_CMD_BE   0x00800000u /* bit 23 block (64 KiB) erase */
#define ESP8266_SPI_CMD_CE   0x00400000u /* bit 22 chip erase */

#define ESP8266_SPI_ADDR_MASK  0xFFFFFFu /* 24-bit flash address */
#define ESP8266_SPI_EXT2_STATE 0x7u      /* controller state machine; 0 = idle */
#define ESP8266_SPI_STATUS_WIP 0x01u     /* flash status: write/erase in progress */
#define ESP8266_SPI_STATUS_WEL 0x02u     /* flash status: write enable latch */
#define ESP8266_SPI_RESULT_ERR 1         /* ROM SPI result codes (§8.9): 0 OK, 1 error */

/* ---- RAM a MEM_BEGIN may load: below the stub's own IRAM and DRAM (§8.1) ---- */
#define ESP8266_IRAM_BASE 0x40100000u
#define ESP8266_DRAM_BASE 0x3FFE8000u

#endif
