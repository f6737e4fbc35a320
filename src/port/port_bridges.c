/* SPDX-License-Identifier: MIT */
/* The USB-serial bridges found on ESP8266 boards and adapters (by USB VID:PID), and the
 * ordering of enumerated ports: likely ESP boards first, then by natural name order. */
#include "port_impl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define DRIVER_WCH_CH341 "the WCH CH340/CH341 driver (CH341SER)"
#define DRIVER_WCH_CH343 "the WCH CH9102/CH343 driver (CH343SER)"
#define DRIVER_SILABS    "the Silicon Labs CP210x USB to UART driver"
#define DRIVER_FTDI      "the FTDI VCP driver"
#define DRIVER_PROLIFIC  "the Prolific PL2303 driver"

/* max_baud: the fastest rate known to work with an ESP8266 through that bridge (vendor data
 * sheets and flashing reports; see docs/PERFORMANCE.md). CP2102 and CP2102N share a PID, so
 * the table keeps the older part's limit. */
static const struct port_bridge PORT_BRIDGES[] = {
        {0x1a86, 0x7523, "CH340", DRIVER_WCH_CH341, 2000000},
        {0x1a86, 0x7522, "CH340K", DRIVER_WCH_CH341, 2000000},
        {0x1a86, 0x5523, "CH341", DRIVER_WCH_CH341, 2000000},
        {0x1a86, 0x55d4, "CH9102", DRIVER_WCH_CH343, 2000000},
        {0x1a86, 0x55d3, "CH343", DRIVER_WCH_CH343, 2000000},
        {0x10c4, 0xea60, "CP2102", DRIVER_SILABS, 921600},
        {0x10c4, 0xea70, "CP2105", DRIVER_SILABS, 921600},
        {0x10c4, 0xea71, "CP2108", DRIVER_SILABS, 921600},
        {0x0403, 0x6001, "FT232R", DRIVER_FTDI, 3000000},
        {0x0403, 0x6015, "FT231X", DRIVER_FTDI, 3000000},
        {0x0403, 0x6010, "FT2232", DRIVER_FTDI, 3000000},
        {0x0403, 0x6014, "FT232H", DRIVER_FTDI, 3000000},
        {0x067b, 0x2303, "PL2303", DRIVER_PROLIFIC, 921600},
        {0x067b, 0x23a3, "PL2303GC", DRIVER_PROLIFIC, 921600},
};

const struct port_bridge *port_bridge_table(size_t *count)
{
    if (count != NULL) {
        *count = sizeof PORT_BRIDGES / sizeof PORT_BRIDGES[0];
    }
    return PORT_BRIDGES;
}

const struct port_bridge *port_bridge_find(uint16_t vid, uint16_t pid)
{
    for (size_t i = 0; i < sizeof PORT_BRIDGES / sizeof PORT_BRIDGES[0]; i++) {
        if (PORT_BRIDGES[i].vid == vid && PORT_BRIDGES[i].pid == pid) {
            return &PORT_BRIDGES[i];
        }
    }
    return NULL;
}

/* Natural order: runs of digits compare by value, the rest case-insensitively. */
static int port_name_compare(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            unsigned long na = strtoul(a, (char **)&a, 10);
            unsigned long nb = strtoul(b, (char **)&b, 10);
            if (na != nb) {
                return na < nb ? -1 : 1;
            }
            continue;
        }
        int ca = tolower((unsigned char)*a);
        int cb = tolower((unsigned char)*b);
        if (ca != cb) {
            return ca < cb ? -1 : 1;
        }
        a++;
        b++;
    }
    return (*a != '\0') - (*b != '\0');
}

static int port_info_compare(const void *pa, const void *pb)
{
    const struct port_info *a = pa;
    const struct port_info *b = pb;
    if (a->likely_esp != b->likely_esp) {
        return a->likely_esp ? -1 : 1;
    }
    return port_name_compare(a->name, b->name);
}

void port_list_finish(struct port_info *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        list[i].bridge = list[i].usb ? port_bridge_find(list[i].vid, list[i].pid) : NULL;
        list[i].likely_esp = list[i].bridge != NULL;
    }
    if (count > 1) {
        qsort(list, count, sizeof list[0], port_info_compare);
    }
}
