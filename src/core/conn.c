/* SPDX-License-Identifier: MIT */
/* Getting a board's loader on the line: the reset sequences as tables, sync with retries, chip
 * and flash detection, and the diagnosis that tells a beginner what is wrong when it fails. */
#include "conn_impl.h"
#include "spell.h"
#include "stub_blob.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONN_SYNCS_PER_ATTEMPT  5u   /* SYNCs after one reset (§3.1) */
#define CONN_SYNC_PAUSE_MS      50u  /* pause after a failed SYNC */
#define CONN_SYNC_EXTRA_MS      100u /* wait for each of the 7 further SYNC replies */
#define CONN_ATTEMPTS_DEFAULT   7u
#define CONN_BAUD_DEFAULT       CHIP_ROM_BAUD
#define CONN_MANUAL_HINT_MS     10000u /* the "hold FLASH, tap RESET" hint is repeated this often */
#define CONN_BAUD_SETTLE_MS     20u    /* after a baud change: let both ends settle (§8.7) */
#define CONN_MEM_BLOCK_ATTEMPTS 3u     /* tries per MEM_DATA block of the stub upload */
#define CONN_BAUD_PROBES        3u     /* READ_REGs that may fail before a rate is given up */
#define CONN_BAUD_PROBE_MS      100u   /* each one's timeout */
/* The stub returns to the old rate 1 s after a switch without a valid command (stub/README.md):
 * wait that out, and read its OHAI, before probing at the old rate. */
#define CONN_BAUD_REVERT_MS 1100u

/* ---- Reset tables (§4.1) ---- */

static const struct conn_reset_strategy CONN_PLAN_POSIX[] = {
        {CONN_RESET_TIGHT, CONN_RESET_SHORT_MS},
        {CONN_RESET_TIGHT, CONN_RESET_LONG_MS},
        {CONN_RESET_CLASSIC, CONN_RESET_SHORT_MS},
        {CONN_RESET_CLASSIC, CONN_RESET_LONG_MS},
};

static const struct conn_reset_strategy CONN_PLAN_CLASSIC[] = {
        {CONN_RESET_CLASSIC, CONN_RESET_SHORT_MS},
        {CONN_RESET_CLASSIC, CONN_RESET_LONG_MS},
};

size_t conn_reset_plan(enum port_kind kind, bool windows, struct conn_reset_strategy *out,
                       size_t max)
{
    const struct conn_reset_strategy *plan = CONN_PLAN_CLASSIC;
    size_t n = sizeof CONN_PLAN_CLASSIC / sizeof CONN_PLAN_CLASSIC[0];
    if (kind == PORT_KIND_TCP) {
        n = 0;
    } else if (kind == PORT_KIND_LOCAL && !windows) {
        plan = CONN_PLAN_POSIX;
        n = sizeof CONN_PLAN_POSIX / sizeof CONN_PLAN_POSIX[0];
    }
    if (n > max) {
        n = max;
    }
    memcpy(out, plan, n * sizeof *out);
    return n;
}

/* Builds step lists; `dtr` tracks the line for the usbser.sys re-write. */
struct conn_steps {
    struct conn_step *out;
    size_t max;
    size_t n;
    bool rewrite_dtr;
    bool dtr;
};

static void conn_steps_add(struct conn_steps *b, enum conn_step_kind kind, bool dtr, bool rts,
                           uint32_t ms)
{
    if (b->n < b->max) {
        b->out[b->n] = (struct conn_step){kind, dtr, rts, ms};
        b->n++;
    }
    if (kind == CONN_STEP_DTR || kind == CONN_STEP_LINES) {
        b->dtr = dtr;
    }
    if (kind == CONN_STEP_RTS && b->rewrite_dtr) {
        conn_steps_add(b, CONN_STEP_DTR, b->dtr, false, 0);
    }
}

size_t conn_reset_steps(const struct conn_reset_strategy *s, bool rewrite_dtr,
                        struct conn_step *out, size_t max)
{
    struct conn_steps b = {out, max, 0, rewrite_dtr, false};
    if (s->style == CONN_RESET_TIGHT) {
        conn_steps_add(&b, CONN_STEP_LINES, false, false, 0);
        conn_steps_add(&b, CONN_STEP_LINES, true, true, 0);
        conn_steps_add(&b, CONN_STEP_LINES, false, true, 0); /* IO0 high, EN low */
        conn_steps_add(&b, CONN_STEP_WAIT, false, false, CONN_RESET_HOLD_MS);
        conn_steps_add(&b, CONN_STEP_LINES, true, false, 0); /* IO0 low, EN high: boots */
        conn_steps_add(&b, CONN_STEP_WAIT, false, false, s->delay_ms);
        conn_steps_add(&b, CONN_STEP_LINES, false, false, 0);
        conn_steps_add(&b, CONN_STEP_DTR, false, false, 0);
    } else {
        conn_steps_add(&b, CONN_STEP_DTR, false, false, 0); /* IO0 high */
        conn_steps_add(&b, CONN_STEP_RTS, false, true, 0);  /* EN low */
        conn_steps_add(&b, CONN_STEP_WAIT, false, false, CONN_RESET_HOLD_MS);
        conn_steps_add(&b, CONN_STEP_DTR, true, false, 0);  /* IO0 low */
        conn_steps_add(&b, CONN_STEP_RTS, false, false, 0); /* EN high: boots */
        conn_steps_add(&b, CONN_STEP_WAIT, false, false, s->delay_ms);
        conn_steps_add(&b, CONN_STEP_DTR, false, false, 0); /* IO0 high */
    }
    return b.n;
}

size_t conn_hard_reset_steps(bool rewrite_dtr, struct conn_step *out, size_t max)
{
    struct conn_steps b = {out, max, 0, rewrite_dtr, false};
    conn_steps_add(&b, CONN_STEP_RTS, false, true, 0);
    conn_steps_add(&b, CONN_STEP_WAIT, false, false, CONN_RESET_HOLD_MS);
    conn_steps_add(&b, CONN_STEP_RTS, false, false, 0);
    return b.n;
}

/* ---- Options ---- */

static const struct {
    enum conn_before value;
    const char *name;
} CONN_BEFORE_NAMES[] = {
        {CONN_BEFORE_DEFAULT_RESET, "default_reset"},
        {CONN_BEFORE_NO_RESET, "no_reset"},
        {CONN_BEFORE_NO_RESET_NO_SYNC, "no_reset_no_sync"},
};

void conn_options_default(struct conn_options *o)
{
    memset(o, 0, sizeof *o);
    o->baud = CONN_BAUD_DEFAULT;
    o->before = CONN_BEFORE_DEFAULT_RESET;
    o->attempts = CONN_ATTEMPTS_DEFAULT;
    o->use_stub = true;
    o->stub_baud = CONN_BAUD_AUTO;
#ifdef _WIN32
    o->windows = true;
#endif
}

int conn_parse_before(const char *text, enum conn_before *out, struct mf_error *e)
{
    for (size_t i = 0; i < sizeof CONN_BEFORE_NAMES / sizeof CONN_BEFORE_NAMES[0]; i++) {
        if (spell_equal(text, CONN_BEFORE_NAMES[i].name)) {
            *out = CONN_BEFORE_NAMES[i].value;
            return MF_OK;
        }
    }
    if (spell_equal(text, "usb_reset")) {
        return mf_err_set(e, MF_ERR_ARG,
                          "--before usb_reset is for chips with a built-in USB port; an ESP8266 "
                          "uses default_reset.");
    }
    return mf_err_set(e, MF_ERR_ARG,
                      "Unknown --before value \"%s\": use default_reset, no_reset or "
                      "no_reset_no_sync.",
                      text);
}

const char *conn_before_name(enum conn_before before)
{
    for (size_t i = 0; i < sizeof CONN_BEFORE_NAMES / sizeof CONN_BEFORE_NAMES[0]; i++) {
        if (CONN_BEFORE_NAMES[i].value == before) {
            return CONN_BEFORE_NAMES[i].name;
        }
    }
    return "unknown";
}

/* ---- Sync (§3.1) ---- */

/* One SYNC: the first reply within 100 ms, then the other seven (or fewer) are read away. */
static int conn_sync_once(struct conn *c, struct mf_error *e)
{
    struct proto_cmd cmd;
    struct proto_response r;
    struct mf_error local;
    int rc = conn_drain(c, 0, e);
    if (rc != MF_OK) {
        return rc;
    }
    mf_err_clear(&local);
    proto_cmd_sync(&cmd);
    rc = conn_command(c, &cmd, PROTO_TIMEOUT_SYNC_MS, &r, &local);
    if (rc != MF_OK) {
        if (local.port_status != 0 && e != NULL) {
            *e = local;
        }
        return rc;
    }
    c->board.loader = r.value == 0 ? PROTO_LOADER_STUB : PROTO_LOADER_ROM;
    for (unsigned i = 1; i < PROTO_SYNC_REPLIES; i++) {
        const uint8_t *frame;
        size_t len;
        if (conn_read_frame(c, CONN_SYNC_EXTRA_MS, &frame, &len, &local) != MF_OK) {
            break;
        }
    }
    return conn_drain(c, 0, e);
}

/* Up to `tries` SYNCs with a pause after each failure. MF_OK, MF_ERR_TIMEOUT (no sync), or a
 * port error / MF_ERR_CANCELLED. */
static int conn_sync(struct conn *c, unsigned tries, struct mf_error *e)
{
    int rc = MF_ERR_TIMEOUT;
    for (unsigned i = 0; i < tries; i++) {
        if (conn_cancelled(c)) {
            return mf_err_set(e, MF_ERR_CANCELLED, "Connecting was cancelled.");
        }
        rc = conn_sync_once(c, e);
        if (rc == MF_OK || (rc != MF_ERR_TIMEOUT && rc != MF_ERR_PROTOCOL && rc != MF_ERR_DEVICE &&
                            rc != MF_ERR_UNSUPPORTED)) {
            return rc;
        }
        rc = conn_drain(c, CONN_SYNC_PAUSE_MS, e);
        if (rc != MF_OK) {
            return rc;
        }
        rc = MF_ERR_TIMEOUT;
    }
    return rc;
}

/* ---- Reset with the boot message read at 74880 baud (§4.5) ---- */

/* Picks "ets ... boot mode:(x,y)" out of the text seen into board.boot_text. */
static void conn_note_boot_text(struct conn *c)
{
    const char *ets = strstr(c->seen.text, "ets ");
    if (ets == NULL) {
        ets = strstr(c->seen.text, "rst cause");
    }
    if (ets != NULL && c->board.boot_text[0] == '\0') {
        size_t n = strcspn(ets, "\r\n");
        if (n >= sizeof c->board.boot_text) {
            n = sizeof c->board.boot_text - 1;
        }
        memcpy(c->board.boot_text, ets, n);
        c->board.boot_text[n] = '\0';
        conn_log(c, MF_LOG_DEBUG, "Boot message: %s", c->board.boot_text);
    }
}

/* The first number of "boot mode:(x,y)": 1 = download mode, 3 = flash; -1 when not seen. */
static int conn_boot_mode(const struct conn *c)
{
    const char *p = strstr(c->board.boot_text, "boot mode:(");
    if (p == NULL) {
        p = strstr(c->seen.text, "boot mode:(");
    }
    if (p == NULL) {
        return -1;
    }
    p += strlen("boot mode:(");
    return (*p >= '0' && *p <= '9') ? *p - '0' : -1;
}

static int conn_reset(struct conn *c, const struct conn_reset_strategy *s, struct mf_error *e)
{
    struct conn_step steps[CONN_STEPS_MAX];
    struct port_error pe;
    size_t n = conn_reset_steps(s, c->opt.windows, steps, CONN_STEPS_MAX);
    bool boot_baud = (port_caps(c->port) & PORT_CAP_BAUD) != 0 && c->opt.baud != CHIP_ROM_BOOT_BAUD;
    int rc = MF_OK;

    conn_log(c, MF_LOG_DEBUG, "Reset: %s, %u ms",
             s->style == CONN_RESET_TIGHT ? "tight" : "classic", (unsigned)s->delay_ms);
    /* The ROM greets at 74880 baud: listen at that rate during the reset to read it. */
    if (boot_baud && port_set_baud(c->port, CHIP_ROM_BOOT_BAUD, &pe) != PORT_OK) {
        boot_baud = false;
    }
    slip_decoder_reset(&c->dec);
    rc = conn_run_steps(c, steps, n, e);
    conn_note_boot_text(c);
    if (boot_baud) {
        int prc = port_set_baud(c->port, c->opt.baud, &pe);
        if (prc != PORT_OK && rc == MF_OK) {
            rc = conn_port_fail(e, prc, &pe);
        }
    }
    slip_decoder_reset(&c->dec);
    return rc;
}

/* ---- Diagnosis ---- */

struct conn_sign {
    const char *text;
    const char *meaning;
};

/* Text that shows the board runs something other than the loader. */
static const struct conn_sign CONN_APP_SIGNS[] = {
        {">>> ", "MicroPython is running on it (its >>> prompt answered)"},
        {"MicroPython", "MicroPython is running on it"},
        {"boot mode:(3", "it restarted into its firmware (boot mode 3: GPIO0 was high at reset)"},
        {"Fatal exception", "its firmware crashed"},
        {"csum ", "it tried to start the firmware in flash"},
        {"load 0x", "it tried to start the firmware in flash"},
};

static const char CONN_MANUAL_STEPS[] =
        "put it into download mode by hand: hold the FLASH (or BOOT, GPIO0) button, tap RESET "
        "(or unplug and replug the board), then release FLASH.";

/* A line end makes a REPL print its prompt, so the diagnosis can name the program; the ROM
 * loader ignores bytes outside SLIP frames. */
static const uint8_t CONN_POKE[] = {'\r', '\n'};
#define CONN_POKE_WAIT_MS 200u

static int conn_diagnose(const struct conn *c, const char *name, struct mf_error *e)
{
    const struct conn_seen *s = &c->seen;
    int mode = conn_boot_mode(c);

    if (s->port_gone) {
        return mf_err_set(e, MF_ERR_PORT_GONE,
                          "%s disappeared while connecting: the board was unplugged or the "
                          "cable is loose. Plug it in again and retry.",
                          name);
    }
    if (s->loader_frames > 0 || mode == 1) {
        return mf_err_set(e, MF_ERR_NO_SYNC,
                          "The board on %s is in download mode%s but the sync with its boot "
                          "loader never completed. The link garbles data: try a lower --baud, "
                          "another USB cable or USB port, and a steady power supply.",
                          name, mode == 1 ? " (its boot message says so)" : "");
    }
    if (s->bytes == 0) {
        return mf_err_set(e, MF_ERR_NO_DATA,
                          "No data came back from the board on %s. Check that this is the "
                          "board's port (unplug the board and see which port disappears), that "
                          "the USB cable carries data (charge-only cables are common: try "
                          "another), and on a bare module that TX and RX are crossed. If the "
                          "board has no automatic reset, %s",
                          name, CONN_MANUAL_STEPS);
    }
    const char *why = "it sent data that is not the boot loader's";
    for (size_t i = 0; i < sizeof CONN_APP_SIGNS / sizeof CONN_APP_SIGNS[0]; i++) {
        if (strstr(s->text, CONN_APP_SIGNS[i].text) != NULL ||
            strstr(c->board.boot_text, CONN_APP_SIGNS[i].text) != NULL) {
            why = CONN_APP_SIGNS[i].meaning;
            break;
        }
    }
    return mf_err_set(e, MF_ERR_NOT_DOWNLOAD_MODE,
                      "The board on %s talks but is not in download mode: %s. The automatic "
                      "reset into the boot loader did not work, so %s",
                      name, why, CONN_MANUAL_STEPS);
}

/* Asks a program that talks but is not the loader to show itself. */
static void conn_poke(struct conn *c)
{
    struct port_error pe;
    if (c->seen.bytes > 0 && c->seen.loader_frames == 0 &&
        port_write(c->port, CONN_POKE, sizeof CONN_POKE, CONN_WRITE_MS, &pe) == PORT_OK) {
        (void)conn_drain(c, CONN_POKE_WAIT_MS, NULL);
    }
}

/* ---- Connecting ---- */

static void conn_report_attempt(const struct conn *c, enum mf_stage stage, uint64_t done,
                                uint64_t total)
{
    struct mf_progress p = {stage,
                            stage == MF_STAGE_CONNECT ? "Connecting"
                                                      : "Waiting for "
                                                        "download mode",
                            done,
                            total,
                            0,
                            UINT32_MAX,
                            0};
    conn_progress(c, &p);
}

/* The automatic attempts: reset (next strategy) and sync. MF_OK when synced, MF_ERR_TIMEOUT
 * when every attempt failed, or a port error / cancel. */
static int conn_attempts(struct conn *c, struct mf_error *e)
{
    struct conn_reset_strategy plan[CONN_STRATEGIES_MAX];
    size_t nplan = 0;
    int rc = MF_ERR_TIMEOUT;
    if (c->opt.before == CONN_BEFORE_DEFAULT_RESET && (port_caps(c->port) & PORT_CAP_LINES) != 0) {
        nplan = conn_reset_plan(port_kind(c->port), c->opt.windows, plan, CONN_STRATEGIES_MAX);
    }
    for (unsigned a = 0; c->opt.attempts == 0 || a < c->opt.attempts; a++) {
        conn_report_attempt(c, MF_STAGE_CONNECT, a, c->opt.attempts);
        if (nplan > 0) {
            rc = conn_reset(c, &plan[a % nplan], e);
            if (rc != MF_OK) {
                return rc;
            }
        }
        rc = conn_sync(c, CONN_SYNCS_PER_ATTEMPT, e);
        if (rc != MF_ERR_TIMEOUT) {
            return rc;
        }
    }
    return rc;
}

/* Keeps syncing without resets while the user presses the buttons. */
static int conn_manual_wait(struct conn *c, const char *hint, struct mf_error *e)
{
    uint64_t start = port_clock_ms();
    uint64_t next_hint = start;
    int rc = MF_ERR_TIMEOUT;
    for (;;) {
        uint64_t now = port_clock_ms();
        uint64_t waited = now - start;
        if (c->opt.manual_wait_ms != CONN_WAIT_FOREVER && waited >= c->opt.manual_wait_ms) {
            return MF_ERR_TIMEOUT;
        }
        if (now >= next_hint) {
            conn_log(c, MF_LOG_WARN, "%s", hint);
            next_hint = now + CONN_MANUAL_HINT_MS;
        }
        conn_report_attempt(c, MF_STAGE_MANUAL_BOOT, waited,
                            c->opt.manual_wait_ms == CONN_WAIT_FOREVER ? 0u
                                                                       : c->opt.manual_wait_ms);
        rc = conn_sync(c, 1, e);
        if (rc != MF_ERR_TIMEOUT) {
            return rc;
        }
    }
}

static int conn_detect_chip(struct conn *c, struct mf_error *e)
{
    struct conn_board *b = &c->board;
    uint32_t magic = 0, w[CHIP_EFUSE_WORDS], clkdiv = 0;
    int rc = conn_read_reg(c, CHIP_MAGIC_REG, &magic, e);
    if (rc == MF_OK && magic != CHIP_MAGIC_ESP8266) {
        const char *other = chip_name_from_magic(magic);
        return mf_err_set(e, MF_ERR_WRONG_CHIP,
                          "This board's chip is %s%s (magic 0x%08X), not an ESP8266. MicroFlash "
                          "flashes ESP8266 and ESP8285 boards only.",
                          other != NULL ? "an " : "an unknown chip", other != NULL ? other : "",
                          (unsigned)magic);
    }
    for (unsigned i = 0; i < CHIP_EFUSE_WORDS && rc == MF_OK; i++) {
        rc = conn_read_reg(c, CHIP_EFUSE_REG(i), &w[i], e);
    }
    if (rc == MF_OK) {
        rc = conn_read_reg(c, CHIP_UART_CLKDIV_REG, &clkdiv, e);
    }
    if (rc != MF_OK) {
        return rc;
    }
    chip_decode_efuses(w, &b->chip);
    chip_crystal_estimate(clkdiv, c->opt.baud, &b->crystal);
    conn_log(c, MF_LOG_INFO, "Chip is %s", b->chip.name);
    conn_log(c, MF_LOG_INFO, "Features: WiFi%s", b->chip.esp8285 ? ", Embedded Flash" : "");
    conn_log(c, MF_LOG_INFO, "Crystal is %uMHz", (unsigned)b->crystal.mhz);
    if (b->crystal.unusual) {
        conn_log(c, MF_LOG_WARN, "The crystal measures %u kHz, far from %u MHz.",
                 (unsigned)b->crystal.estimate_khz, (unsigned)b->crystal.mhz);
    }
    if (b->chip.mac_valid) {
        conn_log(c, MF_LOG_INFO, "MAC: %02x:%02x:%02x:%02x:%02x:%02x", b->chip.mac[0],
                 b->chip.mac[1], b->chip.mac[2], b->chip.mac[3], b->chip.mac[4], b->chip.mac[5]);
    } else {
        conn_log(c, MF_LOG_WARN, "The MAC address cannot be formed: unknown OUI in the eFuses.");
    }
    return MF_OK;
}

/* Attaches the flash (ROM: FLASH_BEGIN(0, 0), §3.4 step 7) and reads its JEDEC ID. */
static int conn_detect_flash(struct conn *c, struct mf_error *e)
{
    struct conn_board *b = &c->board;
    struct proto_cmd cmd;
    uint32_t id = 0;
    const struct chip_spi_cmd rdid = {CHIP_FLASH_CMD_RDID, 0, 0, 0, NULL, 0, 24};
    int rc = MF_OK;
    if (b->loader == PROTO_LOADER_ROM) {
        proto_cmd_flash_begin(&cmd, PROTO_OP_FLASH_BEGIN, 0, 0, CHIP_FLASH_BLOCK_ROM, 0, false);
        rc = conn_command(c, &cmd, 0, NULL, e);
    }
    if (rc == MF_OK) {
        rc = conn_spi_command(c, &rdid, &id, e);
    }
    if (rc != MF_OK) {
        return rc;
    }
    chip_flash_id_decode(id, &b->flash);
    b->flash_size = b->chip.embedded_flash != 0 ? b->chip.embedded_flash : b->flash.size;
    conn_log(c, MF_LOG_INFO, "Manufacturer: %02x", b->flash.manufacturer);
    conn_log(c, MF_LOG_INFO, "Device: %04x", b->flash.device);
    if (!b->flash.valid) {
        conn_log(c, MF_LOG_WARN,
                 "The flash chip did not answer its ID (0x%06X): it may be missing or "
                 "unpowered.",
                 (unsigned)id);
    }
    const struct chip_flash_size *sz = chip_flash_size_by_bytes(b->flash_size);
    if (sz != NULL) {
        conn_log(c, MF_LOG_INFO, "Detected flash size: %s", sz->name);
    } else {
        conn_log(c, MF_LOG_WARN, "The flash size could not be detected.");
    }
    return MF_OK;
}

/* ---- The flasher stub (§8.2, §8.7) ---- */

/* MEM_BEGIN + MEM_DATA blocks of one segment. */
static int conn_load_segment(struct conn *c, const struct stub_blob_segment *seg,
                             struct mf_error *e)
{
    struct proto_cmd cmd;
    uint32_t blocks = chip_num_blocks(seg->size, CHIP_RAM_BLOCK);
    int rc;
    proto_cmd_mem_begin(&cmd, seg->size, blocks, CHIP_RAM_BLOCK, seg->addr);
    rc = conn_command(c, &cmd, 0, NULL, e);
    for (uint32_t seq = 0; seq < blocks && rc == MF_OK; seq++) {
        uint32_t at = seq * CHIP_RAM_BLOCK;
        uint32_t n = seg->size - at < CHIP_RAM_BLOCK ? seg->size - at : CHIP_RAM_BLOCK;
        proto_cmd_data(&cmd, PROTO_OP_MEM_DATA, seq, seg->data + at, n);
        /* A block the ROM refused (damaged on the way) was not taken: send it again. A lost
         * reply is not retried: the ROM may have taken that block already. */
        rc = conn_command(c, &cmd, 0, NULL, e);
        for (unsigned i = 1; i < CONN_MEM_BLOCK_ATTEMPTS && rc == MF_ERR_DEVICE; i++) {
            conn_log(c, MF_LOG_DEBUG, "%s Sending the block again.", e != NULL ? e->message : "");
            rc = conn_command(c, &cmd, 0, NULL, e);
        }
    }
    return rc;
}

/* Uploads the stub, starts it and waits for its OHAI. */
static int conn_start_stub(struct conn *c, struct mf_error *e)
{
    const struct stub_blob *blob = stub_blob();
    struct proto_cmd cmd;
    struct mf_error ignored;
    const uint8_t *frame = NULL;
    size_t len = 0;
    int rc = conn_load_segment(c, &blob->text, e);
    if (rc == MF_OK && blob->data.size > 0) {
        rc = conn_load_segment(c, &blob->data, e);
    }
    if (rc != MF_OK) {
        return rc;
    }
    /* The ROM may jump before its MEM_END reply leaves: esptool ignores that reply (§8.2). */
    proto_cmd_mem_end(&cmd, blob->entry);
    (void)conn_send(c, &cmd, &ignored);
    for (;;) {
        rc = conn_read_frame(c, PROTO_TIMEOUT_DEFAULT_MS, &frame, &len, e);
        if (rc != MF_OK || proto_is_ohai(frame, len)) {
            break;
        }
    }
    if (rc != MF_OK) {
        return mf_err_set(e, MF_ERR_STUB_FAILED,
                          "The flasher stub was loaded but did not say hello (no OHAI).");
    }
    c->board.loader = PROTO_LOADER_STUB;
    conn_log(c, MF_LOG_INFO, "Stub running...");
    return MF_OK;
}

/* ---- Baud rate (§8.7) ---- */

/* Rates tried in turn when a faster one fails on a link, fastest first (PERFORMANCE.md). */
static const uint32_t CONN_BAUD_LADDER[] = {3000000, 2000000, 921600,
                                            460800,  230400,  CHIP_ROM_BAUD};

uint32_t conn_baud_lower(uint32_t baud)
{
    for (size_t i = 0; i < sizeof CONN_BAUD_LADDER / sizeof CONN_BAUD_LADDER[0]; i++) {
        if (CONN_BAUD_LADDER[i] < baud) {
            return CONN_BAUD_LADDER[i];
        }
    }
    return CHIP_ROM_BAUD;
}

const struct port_bridge *conn_adapter(const char *port_name, char *out, size_t max)
{
    struct port_info *list = NULL;
    size_t count = 0;
    struct port_error pe;
    const struct port_bridge *bridge = NULL;
    out[0] = '\0';
    if (port_list(&list, &count, &pe) != PORT_OK) {
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        if (strcmp(list[i].name, port_name) == 0 && list[i].usb) {
            bridge = list[i].bridge;
            snprintf(out, max, "%s %04x:%04x %s", bridge != NULL ? bridge->chip : "USB",
                     (unsigned)list[i].vid, (unsigned)list[i].pid, list[i].serial);
            break;
        }
    }
    port_list_free(list);
    return bridge;
}

/* The rate to ask for: the option, or for auto the bridge's known maximum; never above the
 * limit the caller remembered for this adapter. */
static uint32_t conn_target_baud(struct conn *c, const char *name)
{
    uint32_t want = c->opt.stub_baud;
    if (want == CONN_BAUD_AUTO) {
        char adapter[CONN_ADAPTER_MAX];
        const struct port_bridge *bridge = c->opt.bridge;
        if (!c->opt.bridge_known && port_kind(c->port) == PORT_KIND_LOCAL) {
            bridge = conn_adapter(name, adapter, sizeof adapter);
        }
        want = bridge != NULL ? bridge->max_baud : CONN_BAUD_AUTO_UNKNOWN;
        want = want < CONN_BAUD_AUTO_MAX ? want : CONN_BAUD_AUTO_MAX;
    }
    if (c->opt.baud_limit != 0 && want > c->opt.baud_limit) {
        conn_log(c, MF_LOG_INFO, "Using %u baud: faster rates failed on this adapter before.",
                 (unsigned)c->opt.baud_limit);
        want = c->opt.baud_limit;
    }
    return want;
}

bool conn_answers(struct conn *c)
{
    for (unsigned i = 0; i < CONN_BAUD_PROBES; i++) {
        struct proto_cmd cmd;
        struct mf_error ignored;
        proto_cmd_read_reg(&cmd, CHIP_UART_CLKDIV_REG);
        if (conn_command(c, &cmd, CONN_BAUD_PROBE_MS, NULL, &ignored) == MF_OK) {
            return true;
        }
    }
    return false;
}

/* One switch to `rate`. MF_OK with *moved when both ends run at it; MF_OK without when the link
 * failed there and both ends are back at the old rate (the stub reverts by itself); an error
 * when the board no longer answers at either. */
static int conn_try_baud(struct conn *c, uint32_t rate, bool *moved, struct mf_error *e)
{
    struct proto_cmd cmd;
    struct port_error pe;
    uint32_t old = c->board.baud;
    *moved = false;
    proto_cmd_change_baud(&cmd, rate, old);
    int rc = conn_command(c, &cmd, 0, NULL, e);
    if (rc == MF_ERR_PORT_GONE || rc == MF_ERR_CANCELLED) {
        return rc;
    }
    if (rc == MF_OK && port_set_baud(c->port, rate, &pe) == PORT_OK) {
        (void)conn_drain(c, CONN_BAUD_SETTLE_MS, NULL);
        if (conn_answers(c)) {
            *moved = true;
            return MF_OK;
        }
        (void)port_set_baud(c->port, old, &pe);
    }
    /* Wait out the stub's probation: it returns to the old rate and says OHAI there. */
    (void)conn_drain(c, CONN_BAUD_REVERT_MS, NULL);
    if (conn_answers(c)) {
        mf_err_clear(e);
        return MF_OK;
    }
    mf_err_set_command(e, PROTO_OP_CHANGE_BAUDRATE, proto_op_name(PROTO_OP_CHANGE_BAUDRATE));
    return mf_err_set(e, MF_ERR_NO_SYNC,
                      "The board stopped answering after a switch to %u baud, at that rate and "
                      "at %u. Unplug the board, plug it in again and retry with a lower --baud.",
                      (unsigned)rate, (unsigned)old);
}

int conn_change_baud(struct conn *c, uint32_t baud, struct mf_error *e)
{
    int rc = MF_OK;
    if ((port_caps(c->port) & PORT_CAP_BAUD) == 0 || c->board.loader != PROTO_LOADER_STUB) {
        return MF_OK; /* the ROM cannot change its rate; a socket has none */
    }
    while (rc == MF_OK && baud != c->board.baud) {
        bool moved = false;
        rc = conn_try_baud(c, baud, &moved, e);
        if (rc == MF_OK && moved) {
            c->board.baud = baud;
            conn_log(c, MF_LOG_INFO, "Changed baud rate to %u", (unsigned)baud);
        } else if (rc == MF_OK) {
            uint32_t lower = conn_baud_lower(baud);
            c->board.stepped_down = true;
            conn_log(c, MF_LOG_WARN, "%u baud does not work on this link: trying %u.",
                     (unsigned)baud, (unsigned)lower);
            baud = lower > c->board.baud ? lower : c->board.baud;
        }
    }
    return rc;
}

/* Tells the stub the flash size, then moves to the fastest rate that works (§8.7). */
static int conn_stub_setup(struct conn *c, const char *name, struct mf_error *e)
{
    struct proto_cmd cmd;
    int rc = MF_OK;
    if (c->board.flash_size != 0) {
        proto_cmd_spi_set_params(&cmd, c->board.flash_size);
        rc = conn_command(c, &cmd, 0, NULL, e);
    }
    if (rc == MF_OK && c->opt.stub_baud != 0) {
        rc = conn_change_baud(c, conn_target_baud(c, name), e);
    }
    return rc;
}

static int conn_open_port(struct conn *c, const char *name, struct mf_error *e)
{
    struct port_error pe;
    int prc = port_open(name, c->opt.baud, &c->port, &pe);
    return prc == PORT_OK ? MF_OK : conn_port_fail(e, prc, &pe);
}

static int conn_connect(struct conn *c, const char *name, struct mf_error *e)
{
    int rc = MF_OK;
    conn_log(c, MF_LOG_INFO, "Connecting to %s...", name);
    if (c->opt.before != CONN_BEFORE_NO_RESET_NO_SYNC) {
        rc = conn_attempts(c, e);
    }
    if (rc == MF_ERR_TIMEOUT) {
        struct mf_error diag;
        mf_err_clear(&diag);
        conn_poke(c);
        int code = conn_diagnose(c, name, &diag);
        bool manual = code == MF_ERR_NOT_DOWNLOAD_MODE || code == MF_ERR_NO_DATA;
        if (manual && c->opt.manual_wait_ms > 0) {
            rc = conn_manual_wait(c, diag.message, e);
            if (rc == MF_ERR_TIMEOUT) {
                code = conn_diagnose(c, name, &diag);
            }
        }
        if (rc == MF_ERR_TIMEOUT) {
            if (e != NULL) {
                *e = diag;
            }
            rc = code;
        }
    }
    if (rc == MF_OK) {
        conn_log(c, MF_LOG_DEBUG, "Synced with %s.", proto_loader_name(c->board.loader));
        rc = conn_detect_chip(c, e);
    }
    if (rc == MF_OK) {
        rc = conn_detect_flash(c, e);
    }
    if (rc == MF_OK && c->opt.use_stub && c->board.loader == PROTO_LOADER_ROM) {
        conn_log(c, MF_LOG_INFO, "Uploading stub...");
        rc = conn_start_stub(c, e);
        if (rc != MF_OK && rc != MF_ERR_CANCELLED && rc != MF_ERR_PORT_GONE) {
            /* Whatever runs now is not the loader: reset into it again and go on with it. */
            conn_log(c, MF_LOG_WARN,
                     "%s Going on with the boot ROM's loader: slower, and it cannot verify what "
                     "it writes.",
                     e != NULL ? e->message : "The flasher stub did not start.");
            mf_err_clear(e);
            c->board.loader = PROTO_LOADER_ROM;
            rc = conn_attempts(c, e);
            rc = rc == MF_ERR_TIMEOUT ? conn_diagnose(c, name, e) : rc;
            if (rc == MF_OK) {
                rc = conn_detect_flash(c, e);
            }
        }
    }
    if (rc == MF_OK && c->board.loader == PROTO_LOADER_STUB) {
        rc = conn_stub_setup(c, name, e);
    }
    return rc;
}

int conn_open(const char *port_name, const struct conn_options *o, const struct mf_hooks *hooks,
              struct conn **out, struct mf_error *e)
{
    struct conn *c = calloc(1, sizeof *c);
    int rc = MF_OK;
    *out = NULL;
    mf_err_clear(e);
    if (c == NULL) {
        return mf_err_set(e, MF_ERR_NO_MEMORY, "Out of memory while opening %s.", port_name);
    }
    c->opt = *o;
    if (hooks != NULL) {
        c->hooks = *hooks;
    }
    c->board.loader = PROTO_LOADER_ROM;
    c->board.baud = o->baud;
    slip_decoder_init(&c->dec, c->frame, sizeof c->frame);
    rc = conn_open_port(c, port_name, e);
    if (rc == MF_OK) {
        rc = conn_connect(c, port_name, e);
    }
    if (rc != MF_OK) {
        conn_close(c);
        return rc;
    }
    *out = c;
    return MF_OK;
}

void conn_close(struct conn *c)
{
    if (c != NULL) {
        port_close(c->port);
        free(c);
    }
}
