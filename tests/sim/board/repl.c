/* SPDX-License-Identifier: MIT */
/* MicroPython's ESP8266 REPL loop (main.c + pyexec.c): boot and filesystem check, friendly REPL
 * keys, paste mode, raw REPL framing, raw-paste flow control, soft reboot, running programs. */
#include "repl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preset.h"
#include "simtime.h"
#include "uart.h"

#define CHAR_CTRL_A 0x01
#define CHAR_CTRL_B 0x02
#define CHAR_CTRL_C 0x03
#define CHAR_CTRL_D 0x04
#define CHAR_CTRL_E 0x05
#define CHAR_CR     0x0D

#define RAW_PASTE_COMMAND  'A'
#define RAW_PASTE_HEADER   5u /* "R\x01", the window as 16 bits, "\x01" */
#define RAW_PASTE_SIZE_END 4u /* the window size ends with the header's 4th byte */
#define GRANTS_INITIAL     64u
/* flashbdev.py: no filesystem below 1 MiB of flash; 20 KiB at the end hold SDK parameters. */
#define FS_MIN_FLASH    (1024u * 1024u)
#define FS_SDK_RESERVED 20480u
#define FS_MAGIC        "littlefs"
#define FS_MAGIC_AT     8u
#define FS_SUPERBLOCKS  2u
#define FNV_OFFSET      0xCBF29CE484222325ull
#define FNV_PRIME       0x100000001B3ull

enum repl_exec { EXEC_NONE, EXEC_FRIENDLY, EXEC_RAW, EXEC_BOOT_PY, EXEC_MAIN_PY };

/* inisetup.py's boot.py (v1.23 wording). */
static const char BOOT_PY[] =
        "# This file is executed on every boot (including wake-boot from deepsleep)\n"
        "#import esp\n"
        "#esp.osdebug(None)\n"
        "import os, machine\n"
        "#os.dupterm(None, 1) # disable REPL on UART(0)\n"
        "import gc\n"
        "#import webrepl\n"
        "#webrepl.start()\n"
        "gc.collect()\n";

static const char FS_CORRUPT_FMT[] =
        "The filesystem starting at sector %u with size %u sectors looks corrupt.\r\n"
        "You may want to make a flash snapshot and try to recover it. Otherwise,\r\n"
        "format it with vfs.VfsLfs2.mkfs(bdev), or completely erase the flash and\r\n"
        "reprogram MicroPython.\r\n\r\n";

static const char *const MODE_NAMES[] = {
        [SIM_REPL_OFF] = "off",
        [SIM_REPL_FRIENDLY] = "friendly",
        [SIM_REPL_PASTE] = "paste",
        [SIM_REPL_RAW] = "raw",
        [SIM_REPL_RAW_PASTE] = "raw-paste",
        [SIM_REPL_RUNNING] = "running",
        [SIM_REPL_CORRUPT] = "fs-corrupt",
};

static void repl_char(struct sim_repl *r, uint64_t t, uint64_t t_sent, int c);
static void boot_next(struct sim_repl *r, uint64_t t, int after);

int sim_repl_init(struct sim_repl *r)
{
    memset(r, 0, sizeof *r);
    sim_repl_rl_init(&r->rl);
    sim_mpy_fs_init(&r->fs);
    r->mpy = sim_mpy_create(&r->fs, &r->ring);
    r->byte_ns = sim_uart_byte_ns(SIM_UART_APP_BAUD);
    r->next_run = SIM_TIME_NEVER;
    return r->mpy ? 0 : -1;
}

void sim_repl_free(struct sim_repl *r)
{
    sim_mpy_destroy(r->mpy);
    sim_repl_rl_free(&r->rl);
    sim_mpy_fs_free(&r->fs);
    sim_mpy_buf_free(&r->input);
    sim_mpy_buf_free(&r->last);
    sim_mpy_buf_free(&r->out);
    sim_mpy_buf_free(&r->err);
    free(r->rp_grant_ns);
    memset(r, 0, sizeof *r);
}

static void out_str(struct sim_repl *r, const char *s)
{
    sim_mpy_buf_str(&r->out, s);
}

/* ---- entering the REPLs ---- */

static void friendly_prompt(struct sim_repl *r)
{
    r->rl.line.len = 0;
    r->cont = false;
    r->mode = SIM_REPL_FRIENDLY;
    sim_repl_rl_start(&r->rl, SIM_REPL_PROMPT, &r->out);
}

static void friendly_banner(struct sim_repl *r)
{
    out_str(r, SIM_REPL_BANNER_LINE "\r\n" SIM_REPL_HELP_LINE "\r\n");
    friendly_prompt(r);
}

static void raw_start(struct sim_repl *r)
{
    out_str(r, SIM_REPL_RAW_START "\r\n>");
    r->input.len = 0;
    r->mode = SIM_REPL_RAW;
    r->raw_kind = true;
}

static void soft_reboot(struct sim_repl *r, uint64_t t)
{
    out_str(r, SIM_REPL_SOFT_REBOOT "\r\n");
    r->stats.soft_reboots++;
    sim_mpy_reset(r->mpy);
    sim_repl_rl_clear_history(&r->rl); /* readline_init0() in mp_reset() */
    r->rl.line.len = 0;
    r->input.len = 0;
    r->cont = false;
    boot_next(r, t, EXEC_NONE);
}

/* ---- programs ---- */

static void drain_ring(struct sim_repl *r, uint64_t t)
{
    uint8_t c;
    while (r->mode != SIM_REPL_RUNNING && r->mode != SIM_REPL_OFF && r->mode != SIM_REPL_CORRUPT &&
           sim_mpy_ring_pop(&r->ring, &c))
        repl_char(r, t, t, c);
}

static void program_done(struct sim_repl *r, uint64_t t, enum sim_mpy_status st)
{
    int exec = r->exec;
    r->exec = EXEC_NONE;
    r->mode = r->resume;
    r->next_run = SIM_TIME_NEVER;
    if (st == SIM_MPY_RESET) {
        r->reset_request = true;
        r->mode = SIM_REPL_OFF;
        return;
    }
    switch (exec) {
    case EXEC_RAW:
        /* pyexec's EXEC_FLAG_PRINT_EOF: EOF after the output, the error, EOF */
        sim_mpy_buf_put(&r->out, "\x04", 1);
        sim_mpy_buf_put(&r->out, r->err.p, r->err.len);
        sim_mpy_buf_put(&r->out, "\x04", 1);
        r->err.len = 0;
        if (st == SIM_MPY_EXIT) {
            soft_reboot(r, t);
        } else {
            out_str(r, ">");
            r->input.len = 0;
            r->mode = SIM_REPL_RAW;
        }
        break;
    case EXEC_BOOT_PY:
    case EXEC_MAIN_PY: boot_next(r, t, exec); break;
    default:
        if (st == SIM_MPY_EXIT)
            soft_reboot(r, t);
        else
            friendly_prompt(r);
        break;
    }
    drain_ring(r, t);
}

static void run_program(struct sim_repl *r, uint64_t t)
{
    size_t steps = 0, limit = r->out.len + SIM_REPL_OUT_CHUNK;
    struct sim_mpy_buf *err = r->exec == EXEC_RAW ? &r->err : &r->out;
    enum sim_mpy_status st =
            sim_mpy_run(r->mpy, t, &r->out, err, SIM_REPL_SLICE_STEPS, limit, &steps);
    r->run_status = st;
    switch (st) {
    case SIM_MPY_RUN: r->next_run = r->out.len >= limit ? t : t + steps * SIM_REPL_STEP_NS; break;
    case SIM_MPY_SLEEP: r->next_run = sim_mpy_wake_ns(r->mpy); break;
    case SIM_MPY_WAIT_INPUT: r->next_run = SIM_TIME_NEVER; break;
    default: program_done(r, t, st); break;
    }
}

static void start_program(struct sim_repl *r, uint64_t t, const void *src, size_t len,
                          const char *file, enum sim_mpy_mode mode, int exec)
{
    struct sim_mpy_buf *err = exec == EXEC_RAW ? &r->err : &r->out;
    enum sim_mpy_status st;

    if (exec == EXEC_FRIENDLY || exec == EXEC_RAW) {
        r->last.len = 0;
        sim_mpy_buf_put(&r->last, src, len);
        sim_mpy_buf_put(&r->last, "", 1);
        r->last.len = len;
        r->stats.programs++;
    }
    r->err.len = 0;
    r->exec = exec;
    r->resume = r->mode;
    r->mode = SIM_REPL_RUNNING;
    st = sim_mpy_start(r->mpy, src, len, file, mode, err);
    r->run_status = st;
    if (st == SIM_MPY_FAILED)
        program_done(r, t, st);
    else
        run_program(r, t);
}

/* The boot sequence after `after`: boot.py, main.py (friendly REPL only), then the REPL. */
static void boot_next(struct sim_repl *r, uint64_t t, int after)
{
    static const char *const FILES[] = {[EXEC_BOOT_PY] = "boot.py", [EXEC_MAIN_PY] = "main.py"};
    for (int step = after == EXEC_NONE ? EXEC_BOOT_PY : after + 1; step <= EXEC_MAIN_PY; step++) {
        size_t len;
        const uint8_t *src = sim_mpy_fs_get(&r->fs, FILES[step], &len);
        if (!src || (step == EXEC_MAIN_PY && r->raw_kind))
            continue;
        r->mode = r->raw_kind ? SIM_REPL_RAW : SIM_REPL_FRIENDLY;
        start_program(r, t, src, len, FILES[step], SIM_MPY_FILE, step);
        return;
    }
    if (r->hard_boot)
        out_str(r, "\r\n");
    r->hard_boot = false;
    if (r->raw_kind)
        raw_start(r);
    else
        friendly_banner(r);
}

/* ---- filesystem at boot (_boot.py / inisetup.py) ---- */

static uint64_t fs_fingerprint(const uint8_t *p, size_t n)
{
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

static void fs_format(struct sim_repl *r)
{
    sim_mpy_fs_format(&r->fs);
    sim_mpy_fs_put(&r->fs, "boot.py", BOOT_PY, sizeof BOOT_PY - 1);
    r->fs.formatted = true;
}

/* false when the volume is corrupt: _boot.py then never returns. */
static bool fs_mount(struct sim_repl *r, const uint8_t *flash, uint32_t size)
{
    uint32_t base = size >= 2 * SIM_PRESET_FS_OFFSET ? SIM_PRESET_FS_OFFSET : size / 2;
    const uint8_t *fs = flash + base;
    size_t span = FS_SUPERBLOCKS * SIM_MPY_FS_BLOCK, erased = 0;
    uint64_t fp;
    bool magic = false;

    if (!flash || size < FS_MIN_FLASH || base + span > size)
        return true; /* no block device: the model keeps its volume */
    fp = fs_fingerprint(fs, span);
    if (r->fs.formatted && fp == r->fs.fingerprint)
        return true; /* our volume, untouched since the last boot */
    for (size_t b = 0; b < FS_SUPERBLOCKS; b++)
        magic |= memcmp(fs + b * SIM_MPY_FS_BLOCK + FS_MAGIC_AT, FS_MAGIC, strlen(FS_MAGIC)) == 0;
    while (erased < SIM_MPY_FS_BLOCK && fs[erased] == 0xFF)
        erased++;
    r->fs.fingerprint = fp;
    if (magic) {
        fs_format(r); /* a volume written by an earlier firmware: its files are not decoded */
        return true;
    }
    if (erased == SIM_MPY_FS_BLOCK) {
        out_str(r, SIM_REPL_INITIAL_SETUP "\r\n");
        fs_format(r);
        return true;
    }
    r->fs.formatted = false;
    r->fs_start_sec = base / SIM_MPY_FS_BLOCK;
    r->fs_blocks = (size - FS_SDK_RESERVED) / SIM_MPY_FS_BLOCK - r->fs_start_sec;
    return false;
}

static void fs_corrupt_warning(struct sim_repl *r, uint64_t t)
{
    sim_mpy_buf_printf(&r->out, FS_CORRUPT_FMT, (unsigned)r->fs_start_sec, (unsigned)r->fs_blocks);
    r->next_run = t + SIM_REPL_CORRUPT_PERIOD_NS;
}

void sim_repl_boot(struct sim_repl *r, uint64_t t_ns, const uint8_t *flash, uint32_t flash_size)
{
    r->now = t_ns;
    sim_mpy_reset(r->mpy);
    sim_repl_rl_clear_history(&r->rl);
    r->rl.line.len = 0;
    r->input.len = 0;
    r->err.len = 0;
    r->ring.len = 0;
    r->exec = EXEC_NONE;
    r->raw_kind = false; /* pyexec_mode_kind starts friendly */
    r->cont = false;
    r->reset_request = false;
    r->hard_boot = true;
    r->next_run = SIM_TIME_NEVER;
    r->mode = SIM_REPL_FRIENDLY;
    if (!fs_mount(r, flash, flash_size)) {
        r->mode = SIM_REPL_CORRUPT;
        fs_corrupt_warning(r, t_ns);
        return;
    }
    boot_next(r, t_ns, EXEC_NONE);
}

/* ---- friendly REPL and paste mode ---- */

static void friendly_exec(struct sim_repl *r, uint64_t t, enum sim_mpy_mode mode)
{
    struct sim_mpy_buf *src = mode == SIM_MPY_SINGLE ? &r->rl.line : &r->input;
    start_program(r, t, src->p ? (const char *)src->p : "", src->len, "<stdin>", mode,
                  EXEC_FRIENDLY);
}

static bool line_continues(struct sim_repl *r)
{
    sim_mpy_buf_put(&r->rl.line, "", 1); /* NUL for the scan */
    r->rl.line.len--;
    return sim_repl_continue_with_input((const char *)r->rl.line.p);
}

static void friendly_continue(struct sim_repl *r)
{
    sim_mpy_buf_put(&r->rl.line, "\n", 1);
    r->cont = true;
    sim_repl_rl_start(&r->rl, SIM_REPL_PROMPT_CONT, &r->out);
}

static void friendly_char(struct sim_repl *r, uint64_t t, int c)
{
    int ret = sim_repl_rl_char(&r->rl, c, r->mpy, &r->out);
    if (ret < 0)
        return;
    if (r->cont) {
        if (ret == CHAR_CTRL_C) {
            out_str(r, "\r\n");
            friendly_prompt(r);
        } else if (ret != CHAR_CTRL_D && line_continues(r)) {
            friendly_continue(r);
        } else {
            friendly_exec(r, t, SIM_MPY_SINGLE);
        }
        return;
    }
    switch (ret) {
    case CHAR_CTRL_A:
        out_str(r, "\r\n");
        raw_start(r);
        break;
    case CHAR_CTRL_B:
        out_str(r, "\r\n");
        friendly_banner(r);
        break;
    case CHAR_CTRL_C:
        out_str(r, "\r\n");
        friendly_prompt(r);
        break;
    case CHAR_CTRL_D:
        out_str(r, "\r\n");
        soft_reboot(r, t);
        break;
    case CHAR_CTRL_E:
        out_str(r, "\r\n" SIM_REPL_PASTE_START "\r\n" SIM_REPL_PASTE_PROMPT);
        r->input.len = 0;
        r->mode = SIM_REPL_PASTE;
        break;
    default:
        if (r->rl.line.len == 0)
            friendly_prompt(r);
        else if (line_continues(r))
            friendly_continue(r);
        else
            friendly_exec(r, t, SIM_MPY_SINGLE);
        break;
    }
}

static void paste_char(struct sim_repl *r, uint64_t t, int c)
{
    if (c == CHAR_CTRL_C) {
        out_str(r, "\r\n");
        friendly_prompt(r);
    } else if (c == CHAR_CTRL_D) {
        out_str(r, "\r\n");
        friendly_exec(r, t, SIM_MPY_FILE_REPL);
    } else {
        uint8_t ch = (uint8_t)c;
        sim_mpy_buf_put(&r->input, &ch, 1);
        if (c == CHAR_CR)
            out_str(r, "\r\n" SIM_REPL_PASTE_PROMPT);
        else
            sim_mpy_buf_put(&r->out, &ch, 1);
    }
}

/* ---- raw REPL and raw paste ---- */

static void rp_grant(struct sim_repl *r, uint64_t known_ns)
{
    if (r->rp_grants == r->rp_grants_cap) {
        size_t cap = r->rp_grants_cap ? r->rp_grants_cap * 2 : GRANTS_INITIAL;
        uint64_t *g = realloc(r->rp_grant_ns, cap * sizeof *g);
        if (!g)
            return;
        r->rp_grant_ns = g;
        r->rp_grants_cap = cap;
    }
    r->rp_grant_ns[r->rp_grants++] = known_ns;
}

static void raw_paste_begin(struct sim_repl *r, uint64_t t, int command)
{
    const uint8_t header[RAW_PASTE_HEADER] = {'R', 0x01,
                                              (uint8_t)(SIM_REPL_RAW_PASTE_WINDOW & 0xFF),
                                              (uint8_t)(SIM_REPL_RAW_PASTE_WINDOW >> 8), 0x01};
    r->input.len = 0;
    if (command != RAW_PASTE_COMMAND) {
        sim_mpy_buf_put(&r->out, "R\x00>", 3); /* unsupported command, back to the prompt */
        return;
    }
    sim_mpy_buf_put(&r->out, header, sizeof header);
    r->mode = SIM_REPL_RAW_PASTE;
    r->rp_remain = SIM_REPL_RAW_PASTE_WINDOW;
    r->rp_count = 0;
    r->rp_grants = 0;
    r->rp_known = 0;
    r->rp_violated = false;
    r->stats.raw_paste_sessions++;
    /* the host knows the first window with the size (4th header byte), the second with the
     * 0x01 after it: lower bounds of when those bytes can have reached it */
    rp_grant(r, t + RAW_PASTE_SIZE_END * r->byte_ns);
    rp_grant(r, t + RAW_PASTE_HEADER * r->byte_ns);
}

static void raw_paste_char(struct sim_repl *r, uint64_t t, uint64_t t_sent, int c)
{
    uint8_t ch = (uint8_t)c;
    uint64_t allowed;

    if (c == CHAR_CTRL_C || c == CHAR_CTRL_D) {
        sim_mpy_buf_put(&r->out, "\x04", 1); /* end of data, to the host */
        r->stats.raw_paste_last_bytes = r->rp_count;
        r->mode = SIM_REPL_RAW;
        if (c == CHAR_CTRL_C) {
            /* KeyboardInterrupt raised by the reader: no traceback entry */
            out_str(r, "\x04KeyboardInterrupt: \r\n\x04>");
            r->input.len = 0;
            return;
        }
        start_program(r, t, r->input.p ? (const char *)r->input.p : "", r->input.len, "<stdin>",
                      SIM_MPY_FILE, EXEC_RAW);
        return;
    }
    r->rp_count++;
    r->stats.raw_paste_bytes++;
    while (r->rp_known < r->rp_grants && r->rp_grant_ns[r->rp_known] <= t_sent)
        r->rp_known++;
    allowed = (uint64_t)r->rp_known * SIM_REPL_RAW_PASTE_WINDOW;
    if (r->rp_count > allowed) {
        if (!r->rp_violated) {
            r->stats.window_violation_sessions++;
            r->stats.last_violation_byte = r->rp_count;
            r->stats.last_violation_allowed = allowed;
        }
        r->stats.window_violations++;
        r->rp_violated = true;
    }
    sim_mpy_buf_put(&r->input, &ch, 1);
    if (--r->rp_remain == 0) {
        sim_mpy_buf_put(&r->out, "\x01", 1);
        r->rp_remain = SIM_REPL_RAW_PASTE_WINDOW;
        r->stats.raw_paste_grants++;
        rp_grant(r, t + r->byte_ns);
    }
}

static void raw_char(struct sim_repl *r, uint64_t t, int c)
{
    uint8_t ch = (uint8_t)c;
    switch (c) {
    case CHAR_CTRL_A:
        if (r->input.len == 2 && r->input.p[0] == CHAR_CTRL_E)
            raw_paste_begin(r, t, r->input.p[1]);
        else
            raw_start(r);
        break;
    case CHAR_CTRL_B:
        out_str(r, "\r\n");
        r->raw_kind = false;
        friendly_banner(r);
        break;
    case CHAR_CTRL_C: r->input.len = 0; break;
    case CHAR_CTRL_D:
        out_str(r, "OK");
        if (r->input.len == 0) {
            out_str(r, "\r\n");
            soft_reboot(r, t);
        } else {
            start_program(r, t, (const char *)r->input.p, r->input.len, "<stdin>", SIM_MPY_FILE,
                          EXEC_RAW);
        }
        break;
    default: sim_mpy_buf_put(&r->input, &ch, 1); break;
    }
}

static void repl_char(struct sim_repl *r, uint64_t t, uint64_t t_sent, int c)
{
    switch (r->mode) {
    case SIM_REPL_FRIENDLY: friendly_char(r, t, c); break;
    case SIM_REPL_PASTE: paste_char(r, t, c); break;
    case SIM_REPL_RAW: raw_char(r, t, c); break;
    case SIM_REPL_RAW_PASTE: raw_paste_char(r, t, t_sent, c); break;
    default: break;
    }
}

/* ---- the board's interface ---- */

void sim_repl_input(struct sim_repl *r, uint64_t t_ns, uint64_t t_sent_ns, uint8_t byte)
{
    r->now = t_ns;
    switch (r->mode) {
    case SIM_REPL_OFF: return;
    case SIM_REPL_RUNNING:
        if (byte == CHAR_CTRL_C) {
            /* the UART interrupt handler raises KeyboardInterrupt; the byte is not queued */
            r->stats.keyboard_interrupts++;
            sim_mpy_interrupt(r->mpy);
            run_program(r, t_ns);
            return;
        }
        if (!sim_mpy_ring_push(&r->ring, byte))
            r->stats.stdin_dropped++;
        if (r->run_status == SIM_MPY_WAIT_INPUT)
            run_program(r, t_ns);
        return;
    case SIM_REPL_CORRUPT:
        if (!sim_mpy_ring_push(&r->ring, byte))
            r->stats.stdin_dropped++;
        return;
    default: repl_char(r, t_ns, t_sent_ns, byte); return;
    }
}

uint64_t sim_repl_deadline(const struct sim_repl *r)
{
    if (r->mode == SIM_REPL_CORRUPT)
        return r->next_run;
    if (r->mode == SIM_REPL_RUNNING &&
        (r->run_status == SIM_MPY_RUN || r->run_status == SIM_MPY_SLEEP))
        return r->next_run;
    return SIM_TIME_NEVER;
}

void sim_repl_run(struct sim_repl *r, uint64_t t_ns)
{
    uint64_t due = sim_repl_deadline(r);
    if (due == SIM_TIME_NEVER || t_ns < due)
        return;
    r->now = t_ns;
    if (r->mode == SIM_REPL_CORRUPT)
        fs_corrupt_warning(r, t_ns);
    else
        run_program(r, t_ns);
}

size_t sim_repl_output(struct sim_repl *r, uint8_t *buf, size_t cap)
{
    size_t n = r->out.len < cap ? r->out.len : cap;
    if (n) {
        memcpy(buf, r->out.p, n);
        sim_mpy_buf_consume(&r->out, n);
    }
    return n;
}

size_t sim_repl_pending(const struct sim_repl *r)
{
    return r->out.len;
}

bool sim_repl_take_reset(struct sim_repl *r)
{
    bool req = r->reset_request;
    r->reset_request = false;
    return req;
}

enum sim_repl_mode sim_repl_mode(const struct sim_repl *r)
{
    return r->mode;
}

const char *sim_repl_mode_name(enum sim_repl_mode mode)
{
    return (size_t)mode < sizeof MODE_NAMES / sizeof MODE_NAMES[0] ? MODE_NAMES[mode] : "?";
}

const char *sim_repl_last_program(const struct sim_repl *r, size_t *len)
{
    *len = r->last.len;
    return r->last.p ? (const char *)r->last.p : "";
}

const struct sim_repl_stats *sim_repl_stats(const struct sim_repl *r)
{
    return &r->stats;
}

struct sim_mpy_fs *sim_repl_fs(struct sim_repl *r)
{
    return &r->fs;
}
