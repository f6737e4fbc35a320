/* SPDX-License-Identifier: MIT */
/* Helpers for the tests of esp8266-sim: start the program as a child and talk to its control
 * channel, and a small ROM-loader client over the port layer with its own SLIP encoder and
 * decoder (independent of the board's and the engine's). */
#ifndef MF_SIMTEST_H
#define MF_SIMTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "port.h"

#define SIMTEST_WHERE_MAX 256u

/* ---- the program ---- */

struct simtest_proc {
    pid_t pid; /* 0 = not running */
    int out_fd;
    char kind[16];                 /* pty, tcp, rfc2217 */
    char where[SIMTEST_WHERE_MAX]; /* the pty link or the TCP port */
    uint16_t control_port;
    intptr_t ctl;
    char *ctl_buf;
    size_t ctl_len;
    uint64_t started_ms; /* when READY was read */
};

/* Starts `sim` with args (NULL-terminated, without argv[0]) and no LD_PRELOAD, waits for its
 * READY line and connects to the control channel. 0 or -1 (message on stderr). */
int simtest_start(struct simtest_proc *p, const char *sim, const char *const *args);
/* Sends one control command; returns the reply line (malloc'd, no '\n') or NULL. */
char *simtest_control(struct simtest_proc *p, const char *cmd);
/* True when the command's reply is exactly "OK". */
bool simtest_control_ok(struct simtest_proc *p, const char *cmd);
/* QUIT, then waits for the exit: the exit status, or -1. */
int simtest_quit(struct simtest_proc *p);
/* Kills a program still running (test teardown). */
void simtest_kill(struct simtest_proc *p);
/* Runs `sim` to its end, expecting it not to start: returns the exit status (or -1) and what it
 * printed on stdout and stderr (NUL-terminated, truncated to cap). */
int simtest_run(const char *sim, const char *const *args, char *out, size_t cap);

/* ---- the serial client ---- */

struct simtest_client {
    struct port *port;
    uint8_t *rx; /* everything read since the last simtest_forget */
    size_t rx_len;
    size_t rx_cap;
    size_t parsed;       /* frames before this offset were taken */
    uint64_t sent;       /* bytes written since open: what the board counts fault positions in */
    uint32_t timeout_ms; /* reply timeout of READ_REG, WRITE_REG, FLASH_DATA [3000] */
};

struct simtest_reply {
    uint8_t op;
    uint32_t value;
    uint8_t data[64]; /* the payload, ROM status bytes last */
    size_t len;
};

int simtest_open(struct simtest_client *c, const char *name, uint32_t baud);
void simtest_close(struct simtest_client *c);
void simtest_forget(struct simtest_client *c);
int simtest_send(struct simtest_client *c, const void *data, size_t n);
/* Reads what arrives within timeout_ms (at least one read). Returns the port status. */
int simtest_receive(struct simtest_client *c, uint32_t timeout_ms);
/* Reads until `needle` appears in what was received (or the timeout passes); its offset. */
bool simtest_read_until(struct simtest_client *c, const char *needle, uint32_t timeout_ms,
                        size_t *at);
/* Reads until the port reports an error or the timeout passes; the status. */
int simtest_read_until_error(struct simtest_client *c, uint32_t timeout_ms);

uint8_t simtest_checksum(const uint8_t *p, size_t n);
void simtest_put32(uint8_t *p, uint32_t v);
uint32_t simtest_get32(const uint8_t *p);

/* One command frame: C0, header, data (0xC0 -> DB DC, 0xDB -> DB DD), C0. */
size_t simtest_frame(uint8_t op, const uint8_t *data, size_t len, uint32_t chk, uint8_t *out);
/* Next complete frame received within timeout_ms. */
bool simtest_next_frame(struct simtest_client *c, uint8_t *frame, size_t cap, size_t *len,
                        uint32_t timeout_ms);
/* Sends a command and waits for the reply with the same opcode (other frames are skipped, as
 * esptool does). */
bool simtest_command(struct simtest_client *c, uint8_t op, const uint8_t *data, size_t len,
                     uint32_t chk, uint32_t timeout_ms, struct simtest_reply *r);
/* True when the reply carries ROM status 0 0. */
bool simtest_reply_ok(const struct simtest_reply *r);

/* esptool's ClassicReset (D0 R1 W0.1 D1 R0 W0.05 D0) and hard reset (R1 W0.1 R0). */
void simtest_reset_download(struct simtest_client *c);
void simtest_reset_run(struct simtest_client *c);
/* SYNC like esptool: 0.1 s for the first reply, 50 ms pause after a failure. */
bool simtest_sync(struct simtest_client *c, unsigned tries);
bool simtest_read_reg(struct simtest_client *c, uint32_t addr, uint32_t *value);
bool simtest_write_reg(struct simtest_client *c, uint32_t addr, uint32_t value);
/* FLASH_BEGIN with esptool's ESP8266 ROM erase-size compensation; ROM blocks of 0x400. */
bool simtest_flash_begin(struct simtest_client *c, uint32_t offset, uint32_t size);
/* One FLASH_DATA block (padded with 0xFF to 0x400); chk_xor spoils the checksum when non-zero. */
bool simtest_flash_block(struct simtest_client *c, uint32_t seq, const uint8_t *data, size_t len,
                         uint8_t chk_xor, struct simtest_reply *r);
/* FLASH_BEGIN + every block; false at the first failure. */
bool simtest_flash_write(struct simtest_client *c, uint32_t offset, const uint8_t *data,
                         size_t len);

/* ---- small things ---- */

uint64_t simtest_now_ms(void);
void simtest_sleep_ms(uint32_t ms);
/* Number after "key": in json, searched after the first occurrence of "section": when section
 * is not NULL. */
bool simtest_json_u64(const char *json, const char *section, const char *key, uint64_t *out);
/* Reads a whole file (malloc'd); NULL on failure. */
uint8_t *simtest_read_file(const char *path, size_t *len);

#endif
