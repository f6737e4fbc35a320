/* SPDX-License-Identifier: MIT */
/* The connection to a board's serial loader (esp8266-protocol.md §3, §4, §5, §6.1): reset into
 * download mode, sync, chip and flash detection, commands with their replies, and the diagnosis
 * that says why a board would not connect. One connection owns one port; no globals. */
#ifndef MF_CONN_H
#define MF_CONN_H

#include "chip_esp8266.h"
#include "err.h"
#include "port.h"
#include "proto.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- What a job reports while it runs (shared by conn and flasher) ---- */

enum mf_log_level {
    MF_LOG_ERROR = 0,
    MF_LOG_WARN,
    MF_LOG_INFO,  /* what esptool prints: "Chip is ESP8266EX", "MAC: ..." */
    MF_LOG_DEBUG, /* retries, reset strategies, timings */
    MF_LOG_TRACE, /* every frame (--trace) */
};

enum mf_stage {
    MF_STAGE_CONNECT = 0, /* resetting and syncing */
    MF_STAGE_MANUAL_BOOT, /* waiting for the user to put the board into download mode */
    MF_STAGE_ERASE,
    MF_STAGE_WRITE,
    MF_STAGE_VERIFY,
    MF_STAGE_READ,
    MF_STAGE_RESET,
};

/* A progress report. Sent when a stage starts, after every block, and when it ends. */
struct mf_progress {
    enum mf_stage stage;
    const char *label; /* "Writing fw.bin at 0x00000000" (valid during the call) */
    uint64_t done;     /* bytes of this stage done (connect: attempts made) */
    uint64_t total;    /* bytes of this stage (connect: attempts, 0 = unlimited) */
    uint32_t rate;     /* bytes per second over the stage so far, 0 when not known yet */
    uint32_t eta_ms;   /* time left in the stage, UINT32_MAX when not known */
    uint32_t overall;  /* the whole job in 1/1000 (one bar over erase, write and verify) */
};

/* The callbacks and the cancel flag of one job. Every field may be NULL. The callbacks run on
 * the job's thread; `cancel` may be set from any thread and is checked between blocks and
 * between sync attempts. */
struct mf_hooks {
    void (*log)(void *ctx, enum mf_log_level level, const char *text);
    void (*progress)(void *ctx, const struct mf_progress *p);
    const atomic_bool *cancel;
    void *ctx;
};

/* ---- Reset sequences (§4.1, §4.2) ---- */

enum conn_before {
    CONN_BEFORE_DEFAULT_RESET = 0, /* DTR/RTS reset into the loader, then sync */
    CONN_BEFORE_NO_RESET,          /* the user put the board in download mode: sync only */
    CONN_BEFORE_NO_RESET_NO_SYNC,  /* a loader already synced (an earlier run): neither */
};

enum conn_reset_style {
    CONN_RESET_CLASSIC = 0, /* one line at a time (any OS) */
    CONN_RESET_TIGHT,       /* both lines in one call per step (POSIX) */
};

struct conn_reset_strategy {
    enum conn_reset_style style;
    uint32_t delay_ms; /* how long EN is held before GPIO0 is released: 50 or 550 */
};

enum conn_step_kind {
    CONN_STEP_DTR = 0, /* set DTR (rts ignored) */
    CONN_STEP_RTS,     /* set RTS */
    CONN_STEP_LINES,   /* set both in one call */
    CONN_STEP_WAIT,    /* wait ms (reading what the board prints) */
};

struct conn_step {
    enum conn_step_kind kind;
    bool dtr;
    bool rts;
    uint32_t ms;
};

#define CONN_STRATEGIES_MAX 4u
#define CONN_STEPS_MAX      16u
#define CONN_RESET_SHORT_MS 50u
#define CONN_RESET_LONG_MS  550u
#define CONN_RESET_HOLD_MS  100u /* EN held low in every sequence and in the hard reset */

/* The strategies tried in turn, one per connect attempt: a POSIX local port tight and classic
 * with short and long delays; Windows (`windows`) and rfc2217:// classic only; socket:// none
 * (returns 0). */
size_t conn_reset_plan(enum port_kind kind, bool windows, struct conn_reset_strategy *out,
                       size_t max);

/* The line steps of one strategy. `rewrite_dtr` (Windows usbser.sys, esptool PR #290) writes DTR
 * again with its current value after every RTS change. Returns the number of steps. */
size_t conn_reset_steps(const struct conn_reset_strategy *s, bool rewrite_dtr,
                        struct conn_step *out, size_t max);

/* The engine's code (enum mf_err) for a port layer's status (enum port_status). */
int conn_port_code(int port_status);

/* The hard reset that runs the firmware: RTS asserted, 100 ms, released. */
size_t conn_hard_reset_steps(bool rewrite_dtr, struct conn_step *out, size_t max);

/* ---- The connection ---- */

#define CONN_WAIT_FOREVER UINT32_MAX

struct conn_options {
    uint32_t baud;           /* the rate to sync at [115200] */
    enum conn_before before; /* [CONN_BEFORE_DEFAULT_RESET] */
    unsigned attempts;       /* connect attempts, each after the next reset strategy [7]; 0 =
                                until cancelled */
    uint32_t manual_wait_ms; /* when the attempts fail because the board is not in download
                                mode (or silent), keep syncing without resets this long while the
                                user holds FLASH and taps RESET; 0 = do not wait [0] */
    bool windows;            /* Windows reset rules: classic only, DTR re-written [_WIN32] */
    bool trace;              /* log every frame at MF_LOG_TRACE */
    bool use_stub;           /* upload and start our flasher stub after sync [true] */
    uint32_t stub_baud;      /* with the stub: switch to this rate; 0 = stay at `baud`;
                                CONN_BAUD_AUTO = the fastest the adapter is known to make
                                [CONN_BAUD_AUTO] */
    uint32_t baud_limit;     /* never try a rate above this (what worked last time on this
                                adapter); 0 = no limit [0] */
    bool bridge_known;       /* the caller looked the adapter up already (conn_adapter): auto
                                uses `bridge` instead of listing the ports again [false] */
    const struct port_bridge *bridge; /* with bridge_known: the bridge, NULL = not a known one */
};

#define CONN_BAUD_AUTO UINT32_MAX
/* Auto: the rate for an adapter the bridge table does not know (a socket, a pty, a hub). */
#define CONN_BAUD_AUTO_UNKNOWN 460800u
/* Auto: the fastest rate tried even when the bridge makes more (PERFORMANCE.md). */
#define CONN_BAUD_AUTO_MAX 2000000u

/* The next lower rate to step down to from `baud` (CHIP_ROM_BAUD when none is lower). */
uint32_t conn_baud_lower(uint32_t baud);

void conn_options_default(struct conn_options *o);

/* Parse/name the --before spellings (default_reset / default-reset, no_reset, no_reset_no_sync);
 * MF_ERR_ARG with a sentence when unknown. */
int conn_parse_before(const char *text, enum conn_before *out, struct mf_error *e);
const char *conn_before_name(enum conn_before before);

/* What the connection learnt about the board. */
struct conn_board {
    enum proto_loader loader;
    struct chip_info chip;
    struct chip_crystal crystal;
    struct chip_flash_id flash;
    uint32_t flash_size; /* bytes from the JEDEC ID (ESP8285: embedded size), 0 = unknown */
    char boot_text[128]; /* the ROM's boot line seen during the reset ("ets Jan  8 2013,rst
                            cause:2, boot mode:(1,6)"), "" when none */
    uint32_t baud;       /* the rate both ends use now */
    bool stepped_down;   /* a faster rate was tried and failed on this link */
};

#define CONN_ADAPTER_MAX 160u

/* The USB bridge behind a local port, from the port list: its table entry (NULL when not known)
 * and in `out` "CH340 1a86:7523 SERIAL" ("" when the port is not a USB device). */
const struct port_bridge *conn_adapter(const char *port_name, char *out, size_t max);

struct conn; /* opaque */

/* Opens the port, resets the board into its loader (per o->before), syncs, checks that it is an
 * ESP8266, reads the eFuses (variant, MAC), the crystal and the flash ID. On failure the port is
 * closed and e says why with a diagnosis code: MF_ERR_PORT_NOT_FOUND / _BUSY / _ACCESS / _GONE,
 * MF_ERR_NO_DATA (not one byte came back), MF_ERR_NOT_DOWNLOAD_MODE (boot messages or a program
 * answered, but not the loader), MF_ERR_NO_SYNC (the loader answered but sync never completed),
 * MF_ERR_WRONG_CHIP, MF_ERR_CANCELLED; each with sentences that say what to do. `hooks` is copied
 * and used by every later call on this connection. */
int conn_open(const char *port_name, const struct conn_options *o, const struct mf_hooks *hooks,
              struct conn **out, struct mf_error *e);

/* Closes the port (the lines are left as they are: the board is not reset). NULL is allowed. */
void conn_close(struct conn *c);

const struct conn_board *conn_board(const struct conn *c);
const struct conn_options *conn_options(const struct conn *c);
struct port *conn_port(struct conn *c);
const struct mf_hooks *conn_hooks(const struct conn *c);
bool conn_cancelled(const struct conn *c);

/* Logs a line through the hooks (printf format). */
void conn_log(const struct conn *c, enum mf_log_level level, const char *fmt, ...)
#if defined(__MINGW32__)
        __attribute__((format(gnu_printf, 3, 4)))
#elif defined(__GNUC__)
        __attribute__((format(printf, 3, 4)))
#endif
        ;

/* Sends a command and waits for its reply (other frames are skipped as §3.1 says) at most
 * timeout_ms (0: the command's table timeout for `size`, see proto_timeout_ms). The reply's data
 * points into the connection's buffer and stays valid until the next call. Checks the status:
 * MF_OK, or MF_ERR_DEVICE / _UNSUPPORTED / _PROTOCOL / _TIMEOUT / a port error, e naming the
 * command. Commands without a reply (RUN_USER_CODE) return after the write. */
int conn_command(struct conn *c, const struct proto_cmd *cmd, uint32_t timeout_ms,
                 struct proto_response *r, struct mf_error *e);

int conn_read_reg(struct conn *c, uint32_t addr, uint32_t *value, struct mf_error *e);
int conn_write_reg(struct conn *c, uint32_t addr, uint32_t value, struct mf_error *e);

/* Runs one SPI flash command through the SPI0 registers (chip_spi_plan). *result gets the first
 * MISO word (may be NULL). The flash must be attached (conn_open did that). */
int conn_spi_command(struct conn *c, const struct chip_spi_cmd *cmd, uint32_t *result,
                     struct mf_error *e);

/* Reads what arrives within ms and sets it aside (a late reply, board output; kept for the
 * diagnosis), forgetting a partial frame: a pause in which the board works alone. */
int conn_drain(struct conn *c, uint32_t ms, struct mf_error *e);

/* The next SLIP frame within timeout_ms, whatever it is (READ_FLASH's raw data frames); valid
 * until the next call. MF_ERR_TIMEOUT when none came. */
int conn_read_frame(struct conn *c, uint32_t timeout_ms, const uint8_t **frame, size_t *len,
                    struct mf_error *e);

/* Writes bytes as they are (READ_FLASH's acknowledgements). */
int conn_write_raw(struct conn *c, const uint8_t *data, size_t len, struct mf_error *e);

/* Drives the lines through a sequence of steps (CONN_STEP_WAIT reads and logs what arrives). */
int conn_run_steps(struct conn *c, const struct conn_step *steps, size_t n, struct mf_error *e);

/* The loader answers at the port's current rate: a READ_REG comes back intact (a few tries). */
bool conn_answers(struct conn *c);

/* With the stub: moves both ends to `baud`, and when the link fails there, steps down to each
 * lower rate in turn (the stub returns to the old rate by itself when no valid command comes,
 * §8.7 and stub/README.md). Sets conn_board()->baud and ->stepped_down. */
int conn_change_baud(struct conn *c, uint32_t baud, struct mf_error *e);

/* Reports progress through the hooks. */
void conn_progress(const struct conn *c, const struct mf_progress *p);

#endif
