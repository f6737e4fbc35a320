/* SPDX-License-Identifier: MIT */
/* End-to-end cases for mflash with its flasher stub (the default for flash commands): the upload
 * and OHAI, the baud switch with its step-down and per-adapter memory, compressed writes checked
 * by MD5, the background erase of --erase-all, re-writes that send nothing, the stub's read,
 * verify and erase commands, --no-stub, the fallback to the ROM loader, and faults during a stub
 * write (which must end in a correct flash with success, or in a clear error: never success with
 * wrong content). Expectations come from the inputs, the board's dumps and its STATS. */
#define _GNU_SOURCE
#include "e2e_cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Opcodes counted in the board's STATS (esp8266-protocol.md §2, our stub's ERASE_BG*). */
enum {
    OP_FLASH_DATA = 0x03,
    OP_MEM_BEGIN = 0x05,
    OP_MEM_DATA = 0x07,
    OP_CHANGE_BAUDRATE = 0x0F,
    OP_FLASH_DEFL_BEGIN = 0x10,
    OP_FLASH_DEFL_DATA = 0x11,
    OP_SPI_FLASH_MD5 = 0x13,
    OP_ERASE_FLASH = 0xD0,
    OP_ERASE_REGION = 0xD1,
    OP_READ_FLASH = 0xD2,
    OP_ERASE_BG = 0xE8,
    OP_ERASE_BG_WAIT = 0xE9,
};

#define STUB_BLOCK    0x4000u      /* FLASH_DEFL_DATA block of a stub write */
#define AUTO_BAUD_PTY 460800.0     /* --baud auto on a port that is no known USB bridge */
#define MPY_LEN       (192u << 10) /* the MicroPython-style image: 48 sectors */
#define DATA_LEN      (200u << 10) /* the fault cases' data: 12.5 stub blocks */
#define DATA_AT       "0x10000"
#define DATA_OFFSET   0x10000u
/* Fault positions (bytes the client sent, from 1): the stub upload (MEM_DATA) takes bytes ~470 to
 * ~13300 of a session; the data of a 200 KiB write then runs to ~220000. */
#define AT_IN_UPLOAD "3000"
#define AT_IN_DATA   "60000"
#define AT_DATA      60000.0
#define STUB_BANNER  "MicroPython v1.23.0 on 2024-06-02; ESP module with ESP8266"

/* ---- small checks ---- */

/* How often the board received `opcode` this session (STATS commands; 0 when never). */
static double op_count(const struct ej_value *stats, unsigned opcode)
{
    const struct ej_value *cmds = ej_path(stats, "commands");
    double count = 0;
    for (size_t i = 0; cmds != NULL && cmds->type == EJ_ARRAY && i < cmds->count; i++) {
        if (case_num_eq(cmds->items[i], "opcode", opcode)) {
            ej_path_number(cmds->items[i], "count", &count);
        }
    }
    return count;
}

/* The counters the cases compare, read from one STATS. */
struct counts {
    double stub_starts, max_baud, from_client, programs;
    double defl_begin, defl_data, flash_data, mem_begin, md5, change_baud;
    double erase_flash, erase_region, read_flash, erase_bg, erase_bg_wait;
};

static bool read_counts(struct e2e *t, struct counts *c)
{
    struct ej_value *s = e2e_sim_stats(t);
    if (s == NULL) {
        return false;
    }
    bool ok = ej_path_number(s, "board.stub_starts", &c->stub_starts) &&
              ej_path_number(s, "host.max_baud", &c->max_baud) &&
              ej_path_number(s, "host.bytes_from_client", &c->from_client) &&
              ej_path_number(s, "flash.program.count", &c->programs);
    c->defl_begin = op_count(s, OP_FLASH_DEFL_BEGIN);
    c->defl_data = op_count(s, OP_FLASH_DEFL_DATA);
    c->flash_data = op_count(s, OP_FLASH_DATA);
    c->mem_begin = op_count(s, OP_MEM_BEGIN);
    c->md5 = op_count(s, OP_SPI_FLASH_MD5);
    c->change_baud = op_count(s, OP_CHANGE_BAUDRATE);
    c->erase_flash = op_count(s, OP_ERASE_FLASH);
    c->erase_region = op_count(s, OP_ERASE_REGION);
    c->read_flash = op_count(s, OP_READ_FLASH);
    c->erase_bg = op_count(s, OP_ERASE_BG);
    c->erase_bg_wait = op_count(s, OP_ERASE_BG_WAIT);
    ej_free(s);
    if (!ok) {
        e2e_fail(t, 0,
                 "STATS lacks board.stub_starts, host.max_baud, host.bytes_from_client or "
                 "flash.program.count");
    }
    return ok;
}

/* A log event of `level` ("info", "warn", NULL = any) whose text contains `needle` (ignoring
 * case), else NULL. */
static const struct ej_value *log_with(const struct e2e *t, const char *level, const char *needle)
{
    for (size_t i = 0;; i++) {
        const struct ej_value *log = e2e_event(t, "log", i);
        const char *text = NULL;
        if (log == NULL) {
            return NULL;
        }
        if ((level == NULL || case_str_ieq(log, "level", level)) &&
            ej_path_string(log, "text", &text) && strcasestr(text, needle) != NULL) {
            return log;
        }
    }
}

/* The texts of the run's warnings, for failure messages. */
static const char *warnings_of(const struct e2e *t, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0;; i++) {
        const struct ej_value *log = e2e_event(t, "log", i);
        const char *text = NULL;
        if (log == NULL) {
            break;
        }
        if (case_str_ieq(log, "level", "warn") && ej_path_string(log, "text", &text) &&
            len + 4 < cap) {
            int n = snprintf(buf + len, cap - len, "%s\"%s\"", len > 0 ? ", " : "", text);
            len = n > 0 && (size_t)n < cap - len ? len + (size_t)n : cap - 1;
        }
    }
    return len > 0 ? buf : "(none)";
}

/* The run said which loader it used (the chip event's "loader"). */
static bool expect_loader(struct e2e *t, int line, const char *loader)
{
    const struct ej_value *chip = e2e_event(t, "chip", 0);
    const char *got = NULL;
    if (chip == NULL || !ej_path_string(chip, "loader", &got) || strcmp(got, loader) != 0) {
        e2e_fail(t, line, "the chip event names loader \"%s\", expected \"%s\"",
                 got != NULL ? got : "(no chip event)", loader);
        return false;
    }
    return true;
}

/* The last run's result of `command` has "verified": want. */
static bool expect_verified(struct e2e *t, int line, const char *command, bool want)
{
    bool got = !want;
    if (!e2e_expect_result(t, line, command)) {
        return false;
    }
    if (!ej_path_bool(e2e_last_event(t), "verified", &got) || got != want) {
        e2e_fail(t, line, "the %s result does not say \"verified\": %s", command,
                 want ? "true" : "false");
        return false;
    }
    return true;
}

/* The flash now (FLASH-OUT) equals `want`. */
static bool expect_flash_now(struct e2e *t, int line, const char *what, const struct e2e_blob *want)
{
    struct e2e_blob flash = {0};
    bool ok = e2e_sim_dump(t, "now.bin", &flash) &&
              e2e_expect_bytes(t, line, what, flash.data, flash.len, want->data, want->len);
    e2e_blob_free(&flash);
    return ok;
}

/* The case's bauds file (the per-adapter baud memory) as text; "" when there is none. */
static void read_bauds(const struct e2e *t, char *out, size_t cap)
{
    char path[E2E_PATH_MAX + 16];
    struct e2e_blob b = {0};
    snprintf(path, sizeof path, "%s/bauds", t->config);
    out[0] = '\0';
    if (e2e_read_file(path, &b)) {
        snprintf(out, cap, "%.*s", (int)b.len, (const char *)b.data);
    }
    e2e_blob_free(&b);
}

/* A blank flash of the board's size with `data` at `offset`. */
static bool blank_with(struct e2e *t, struct e2e_blob *out, const struct e2e_blob *data,
                       size_t offset)
{
    double size = 0;
    if (!e2e_sim_number(t, "board.flash_size", &size) || !e2e_blob_alloc(out, (size_t)size, 0xFF)) {
        return false;
    }
    if (offset + data->len > out->len) {
        e2e_fail(t, 0, "the data does not fit the board's flash");
        return false;
    }
    memcpy(out->data + offset, data->data, data->len);
    return true;
}

static bool any_not_blank(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (d[i] != 0xFF) {
            return true;
        }
    }
    return false;
}

/* ---- writes ---- */

/* write_flash of a MicroPython-style image on a blank board: the stub runs, the link moves to
 * 460800 (a pty is no known USB bridge), the data goes compressed and is checked by MD5. */
static bool case_stub_write_verified(struct e2e *t)
{
    struct e2e_blob mpy = {0}, want = {0}, flash = {0};
    struct counts c;
    char warns[1024], bauds[512];
    bool ok = false;
    if (!e2e_fw_micropython(&mpy, MPY_LEN, STUB_BANNER, false) ||
        !e2e_put_file(t, "mpy.bin", &mpy) || !e2e_sim_start(t, E2E_PTY, "0", NULL) ||
        !blank_with(t, &want, &mpy, 0)) {
        goto done;
    }
    e2e_mflash(t, E2E_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "write_flash", "0", "mpy.bin"));
    if (!expect_verified(t, __LINE__, "write_flash", true) || !expect_loader(t, __LINE__, "stub") ||
        !read_counts(t, &c)) {
        goto done;
    }
    if (c.stub_starts != 1 || c.mem_begin < 1) {
        e2e_fail(t, __LINE__, "the board ran the stub %.0f times (MEM_BEGIN %.0f), expected once",
                 c.stub_starts, c.mem_begin);
        goto done;
    }
    if (log_with(t, "warn", "does not work on this link") != NULL || c.change_baud != 1 ||
        c.max_baud != AUTO_BAUD_PTY || log_with(t, "info", "Changed baud rate to 460800") == NULL) {
        e2e_fail(t, __LINE__,
                 "the link did not move to 460800 at the first try: %.0f CHANGE_BAUDRATE, "
                 "fastest host rate %.0f, warnings %s",
                 c.change_baud, c.max_baud, warnings_of(t, warns, sizeof warns));
        goto done;
    }
    if (c.defl_begin != 1 || c.defl_data < 1 || c.flash_data != 0 || c.md5 < 1) {
        e2e_fail(t, __LINE__,
                 "not a compressed write checked by MD5: FLASH_DEFL_BEGIN %.0f, FLASH_DEFL_DATA "
                 "%.0f, FLASH_DATA %.0f, SPI_FLASH_MD5 %.0f",
                 c.defl_begin, c.defl_data, c.flash_data, c.md5);
        goto done;
    }
    /* Nothing failed: nothing to remember for this port. */
    read_bauds(t, bauds, sizeof bauds);
    E2E_CHECK(t, bauds[0] == '\0', "a run without a step-down wrote the baud memory: %s", bauds);
    if (!e2e_sim_quit(t, &flash)) {
        goto done;
    }
    ok = e2e_expect_bytes(t, __LINE__, "flash after a stub write", flash.data, flash.len, want.data,
                          want.len);
    E2E_CHECK(t, !ok || e2e_micropython_md5_ok(flash.data, mpy.len),
              "the MicroPython MD5 trailer does not match in flash");
done:
    e2e_blob_free(&mpy);
    e2e_blob_free(&want);
    e2e_blob_free(&flash);
    return ok && !t->failed;
}

/* --erase-all on a used board: the sectors outside the image go to the stub's background erase
 * queue (ERASE_BG, then ERASE_BG_WAIT); everything outside the image ends 0xFF. */
static bool case_stub_erase_all(struct e2e *t)
{
    struct e2e_blob mpy = {0}, before = {0}, want = {0}, flash = {0};
    struct counts c;
    bool ok = false;
    if (!e2e_fw_micropython(&mpy, MPY_LEN, STUB_BANNER, false) ||
        !e2e_put_file(t, "mpy.bin", &mpy) ||
        !e2e_sim_start(t, E2E_PTY, "0", E2E_ARGS("--flash-state", "used")) ||
        !e2e_sim_dump(t, "before.bin", &before) || !blank_with(t, &want, &mpy, 0)) {
        goto done;
    }
    if (!any_not_blank(before.data + mpy.len, before.len - mpy.len)) {
        e2e_fail(t, __LINE__, "the used board is blank past the image: the case proves nothing");
        goto done;
    }
    e2e_mflash(t, E2E_RUN_MS,
               E2E_ARGS("--json", "-p", E2E_PORT, "write_flash", "--erase-all", "0", "mpy.bin"));
    if (!expect_verified(t, __LINE__, "write_flash", true) || !expect_loader(t, __LINE__, "stub") ||
        !read_counts(t, &c)) {
        goto done;
    }
    if (c.erase_bg < 1 || c.erase_bg_wait < 1 || c.erase_flash != 0) {
        e2e_fail(t, __LINE__,
                 "no background erase: ERASE_BG %.0f, ERASE_BG_WAIT %.0f, ERASE_FLASH %.0f "
                 "(ERASE_REGION %.0f)",
                 c.erase_bg, c.erase_bg_wait, c.erase_flash, c.erase_region);
        goto done;
    }
    if (!e2e_sim_quit(t, &flash)) {
        goto done;
    }
    ok = e2e_expect_bytes(t, __LINE__, "flash after write_flash --erase-all", flash.data, flash.len,
                          want.data, want.len);
done:
    e2e_blob_free(&mpy);
    e2e_blob_free(&before);
    e2e_blob_free(&want);
    e2e_blob_free(&flash);
    return ok && !t->failed;
}

/* The same image twice: the second run finds it by MD5 and sends no data at all. */
static bool case_stub_reflash_same(struct e2e *t)
{
    struct e2e_blob mpy = {0}, want = {0};
    struct counts first, second;
    bool ok = false;
    if (!e2e_fw_micropython(&mpy, MPY_LEN, STUB_BANNER, false) ||
        !e2e_put_file(t, "mpy.bin", &mpy) || !e2e_sim_start(t, E2E_PTY, "0", NULL) ||
        !blank_with(t, &want, &mpy, 0)) {
        goto done;
    }
    e2e_mflash(t, E2E_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "write_flash", "0", "mpy.bin"));
    if (!expect_verified(t, __LINE__, "write_flash", true) || !read_counts(t, &first)) {
        goto done;
    }
    if (first.defl_data < 1 || log_with(t, NULL, "in the flash already") != NULL) {
        e2e_fail(t, __LINE__, "the first write sent %.0f FLASH_DEFL_DATA on a blank board",
                 first.defl_data);
        goto done;
    }
    e2e_mflash(t, E2E_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "write_flash", "0", "mpy.bin"));
    if (!expect_verified(t, __LINE__, "write_flash", true) || !expect_loader(t, __LINE__, "stub") ||
        !read_counts(t, &second)) {
        goto done;
    }
    if (log_with(t, "info", "mpy.bin at 0x00000000 is in the flash already: not written again.") ==
        NULL) {
        e2e_fail(t, __LINE__,
                 "no log \"mpy.bin at 0x00000000 is in the flash already: not "
                 "written again.\"");
        goto done;
    }
    if (second.stub_starts != first.stub_starts + 1 || second.md5 <= first.md5) {
        e2e_fail(t, __LINE__,
                 "the second run did not ask the stub for MD5s (stub starts %.0f -> "
                 "%.0f, SPI_FLASH_MD5 %.0f -> %.0f)",
                 first.stub_starts, second.stub_starts, first.md5, second.md5);
        goto done;
    }
    if (second.defl_begin != first.defl_begin || second.defl_data != first.defl_data ||
        second.flash_data != first.flash_data || second.programs != first.programs) {
        e2e_fail(t, __LINE__,
                 "the second run wrote: FLASH_DEFL_BEGIN %.0f -> %.0f, FLASH_DEFL_DATA %.0f -> "
                 "%.0f, FLASH_DATA %.0f -> %.0f, page programs %.0f -> %.0f",
                 first.defl_begin, second.defl_begin, first.defl_data, second.defl_data,
                 first.flash_data, second.flash_data, first.programs, second.programs);
        goto done;
    }
    /* The stub upload and a few commands: far less than the image. */
    E2E_CHECK(t, second.from_client - first.from_client < (double)mpy.len / 4,
              "the second run sent %.0f bytes for a %zu-byte image already in flash",
              second.from_client - first.from_client, mpy.len);
    ok = expect_flash_now(t, __LINE__, "flash after the second write", &want) &&
         e2e_sim_quit(t, NULL);
done:
    e2e_blob_free(&mpy);
    e2e_blob_free(&want);
    return ok && !t->failed;
}

/* ---- the stub's other flash commands ---- */

/* read_flash, verify_flash (match and mismatch), erase_region and erase_flash, all on the stub,
 * on one used board. */
static bool case_stub_read_verify_erase(struct e2e *t)
{
    static const size_t read_len = 256u << 10, part_at = 0x100000, part_len = 64u << 10;
    static const size_t erase_at = 0x101000, erase_len = 0x3000;
    struct e2e_blob before = {0}, got = {0}, part = {0}, want = {0};
    struct counts c;
    char path[E2E_PATH_MAX];
    const char *message = NULL;
    bool ok = false;
    if (!e2e_sim_start(t, E2E_PTY, "0", E2E_ARGS("--flash-state", "used")) ||
        !e2e_sim_dump(t, "before.bin", &before)) {
        goto done;
    }
    if (before.len < part_at + part_len || !any_not_blank(before.data, read_len) ||
        !any_not_blank(before.data + erase_at, erase_len)) {
        e2e_fail(t, __LINE__, "the used board lacks data at 0 and at 0x%zX", erase_at);
        goto done;
    }

    /* read_flash: 256 KiB, exactly the dump's. */
    e2e_mflash(t, E2E_RUN_MS,
               E2E_ARGS("--json", "-p", E2E_PORT, "read_flash", "0", "0x40000", "read.bin"));
    if (!e2e_expect_result(t, __LINE__, "read_flash") || !expect_loader(t, __LINE__, "stub") ||
        !read_counts(t, &c)) {
        goto done;
    }
    E2E_CHECK(t, c.read_flash >= 1, "read_flash did not use the stub's READ_FLASH (0xD2)");
    e2e_path(t, "read.bin", path);
    if (!e2e_read_file(path, &got)) {
        e2e_fail(t, __LINE__, "read_flash wrote no %s", path);
        goto done;
    }
    if (!e2e_expect_bytes(t, __LINE__, "read.bin", got.data, got.len, before.data, read_len)) {
        goto done;
    }

    /* verify_flash: 64 KiB of the littlefs area as it is, then with one bit changed. */
    if (!e2e_blob_copy(&part, before.data + part_at, part_len) ||
        !e2e_put_file(t, "part.bin", &part)) {
        goto done;
    }
    part.data[0x2345] ^= 0x10;
    if (!e2e_put_file(t, "part-bad.bin", &part)) {
        goto done;
    }
    e2e_mflash(t, E2E_RUN_MS,
               E2E_ARGS("--json", "-p", E2E_PORT, "verify_flash", "0x100000", "part.bin"));
    if (!e2e_expect_result(t, __LINE__, "verify_flash") || !expect_loader(t, __LINE__, "stub")) {
        goto done;
    }
    e2e_mflash(t, E2E_RUN_MS,
               E2E_ARGS("--json", "-p", E2E_PORT, "verify_flash", "0x100000", "part-bad.bin"));
    if (!e2e_expect_error(t, __LINE__, 6, "verify")) {
        goto done;
    }
    if (!ej_path_string(e2e_last_event(t), "message", &message) ||
        strstr(message, "part-bad.bin") == NULL) {
        e2e_fail(t, __LINE__, "the verify error does not name part-bad.bin: %s",
                 message != NULL ? message : "(none)");
        goto done;
    }
    if (!expect_flash_now(t, __LINE__, "flash after read_flash and verify_flash", &before)) {
        goto done;
    }

    /* erase_region: exactly those three sectors. */
    e2e_mflash(t, E2E_RUN_MS,
               E2E_ARGS("--json", "-p", E2E_PORT, "erase_region", "0x101000", "0x3000"));
    if (!e2e_expect_result(t, __LINE__, "erase_region") || !expect_loader(t, __LINE__, "stub") ||
        !read_counts(t, &c) || !e2e_blob_copy(&want, before.data, before.len)) {
        goto done;
    }
    E2E_CHECK(t, c.erase_region >= 1, "erase_region did not use the stub's ERASE_REGION (0xD1)");
    memset(want.data + erase_at, 0xFF, erase_len);
    if (!expect_flash_now(t, __LINE__, "flash after erase_region 0x101000 0x3000", &want)) {
        goto done;
    }

    /* erase_flash: all 0xFF. */
    e2e_mflash(t, E2E_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "erase_flash"));
    if (!e2e_expect_result(t, __LINE__, "erase_flash") || !expect_loader(t, __LINE__, "stub") ||
        !read_counts(t, &c)) {
        goto done;
    }
    E2E_CHECK(t, c.erase_flash >= 1, "erase_flash did not use the stub's ERASE_FLASH (0xD0)");
    memset(want.data, 0xFF, want.len);
    ok = expect_flash_now(t, __LINE__, "flash after erase_flash", &want) && e2e_sim_quit(t, NULL);
done:
    e2e_blob_free(&before);
    e2e_blob_free(&got);
    e2e_blob_free(&part);
    e2e_blob_free(&want);
    return ok && !t->failed;
}

/* ---- baud rate ---- */

/* Writes `size` bytes of data at DATA_OFFSET on a blank board with `opts` before the command;
 * expects success, verified, the stub, and the data in flash. The sim runs on. */
static bool write_data_ok(struct e2e *t, int line, const char *const *opts, size_t size,
                          uint32_t seed)
{
    struct e2e_blob data = {0}, want = {0};
    const char *args[E2E_ARGS_MAX];
    size_t n = 0;
    args[n++] = "--json";
    for (size_t i = 0; opts[i] != NULL; i++) {
        args[n++] = opts[i];
    }
    const char *tail[] = {"-p", E2E_PORT, "write_flash", DATA_AT, "data.bin", NULL};
    for (size_t i = 0; tail[i] != NULL; i++) {
        args[n++] = tail[i];
    }
    args[n] = NULL;
    bool ok = e2e_fw_raw(&data, size, seed) && e2e_put_file(t, "data.bin", &data) &&
              blank_with(t, &want, &data, DATA_OFFSET);
    if (ok) {
        e2e_mflash(t, E2E_RUN_MS, args);
        ok = expect_verified(t, line, "write_flash", true) && expect_loader(t, line, "stub") &&
             expect_flash_now(t, line, "flash after the write", &want);
    }
    e2e_blob_free(&data);
    e2e_blob_free(&want);
    return ok;
}

/* -b 2000000 through a CP2102 (921600 at most): 2 M fails with a warning, each further step down
 * (the engine's ladder, whatever its rates) is warned about, the write goes at 921600, and the
 * bauds file remembers 921600 for this port. */
static bool case_stub_baud_step_down(struct e2e *t)
{
    struct counts c;
    char bauds[512], want[E2E_PATH_MAX + 32], warns[1024];
    unsigned long from = 2000000, steps = 0;
    if (!e2e_sim_start(t, E2E_PTY, "0", E2E_ARGS("--adapter", "cp2102")) ||
        !write_data_ok(t, __LINE__, E2E_ARGS("-b", "2000000"), 64u << 10, 51) ||
        !read_counts(t, &c)) {
        return false;
    }
    warnings_of(t, warns, sizeof warns);
    /* The chain of warnings "F baud does not work on this link: trying N.", from 2000000 down
     * to 921600, each N below its F. */
    while (from != 921600) {
        char text[80];
        unsigned long next = 0;
        const struct ej_value *log = NULL;
        snprintf(text, sizeof text, "%lu baud does not work on this link: trying ", from);
        log = log_with(t, "warn", text);
        const char *said = NULL;
        E2E_CHECK(t, log != NULL && ej_path_string(log, "text", &said),
                  "no warning \"%s...\" (warnings: %s)", text, warns);
        E2E_CHECK(t,
                  sscanf(strcasestr(said, "trying ") + 7, "%lu", &next) == 1 && next < from &&
                          next >= 921600,
                  "the step down from %lu does not go to a lower rate that the CP2102 may take: "
                  "\"%s\"",
                  from, said);
        from = next;
        steps++;
    }
    E2E_CHECK(t, log_with(t, "info", "Changed baud rate to 921600") != NULL,
              "no log \"Changed baud rate to 921600\" (warnings: %s)", warns);
    E2E_CHECK(t, log_with(t, "warn", "921600 baud does not work") == NULL, "921600 failed too: %s",
              warns);
    E2E_CHECK(t, c.change_baud == (double)steps + 1,
              "%.0f CHANGE_BAUDRATE, expected %lu (one per failed rate and 921600)", c.change_baud,
              steps + 1);
    /* The rate the port is at now: the last one the client set. */
    double host_baud = 0;
    if (!e2e_sim_number(t, "host.baud", &host_baud)) {
        return false;
    }
    E2E_CHECK(t, host_baud == 921600, "the port ended at %.0f baud, expected 921600", host_baud);
    read_bauds(t, bauds, sizeof bauds);
    snprintf(want, sizeof want, "921600 port %s\n", t->port);
    E2E_CHECK(t, strstr(bauds, want) != NULL,
              "the bauds file holds \"%s\", expected a line \"%.*s\"", bauds, (int)strlen(want) - 1,
              want);
    return e2e_sim_quit(t, NULL);
}

/* The baud memory: "230400 port PORT" in the case's bauds file caps --baud auto (460800 on a
 * pty) at 230400, with a note and without a failed step. */
static bool case_stub_baud_memory(struct e2e *t)
{
    struct counts c;
    char path[E2E_PATH_MAX + 16], line[E2E_PATH_MAX + 32], bauds[512], warns[1024];
    if (!e2e_sim_start(t, E2E_PTY, "0", NULL)) {
        return false;
    }
    snprintf(path, sizeof path, "%s/bauds", t->config);
    snprintf(line, sizeof line, "230400 port %s\n", t->port);
    E2E_CHECK(t, e2e_write_file(path, (const uint8_t *)line, strlen(line)), "cannot write %s",
              path);
    if (!write_data_ok(t, __LINE__, E2E_ARGS("--baud", "auto"), 64u << 10, 52) ||
        !read_counts(t, &c)) {
        return false;
    }
    E2E_CHECK(t,
              log_with(t, "info",
                       "Using 230400 baud: faster rates failed on this adapter before.") != NULL,
              "no log \"Using 230400 baud: faster rates failed on this adapter before.\"");
    E2E_CHECK(t, log_with(t, "warn", "does not work on this link") == NULL,
              "a rate failed although the remembered one works: %s",
              warnings_of(t, warns, sizeof warns));
    E2E_CHECK(t, c.max_baud == 230400 && c.change_baud == 1,
              "fastest host rate %.0f with %.0f CHANGE_BAUDRATE, expected 230400 with one",
              c.max_baud, c.change_baud);
    read_bauds(t, bauds, sizeof bauds);
    E2E_CHECK(t, strcmp(bauds, line) == 0, "the bauds file changed to \"%s\"", bauds);
    return e2e_sim_quit(t, NULL);
}

/* ---- without the stub ---- */

/* --no-stub: the ROM loader writes (FLASH_DATA, no upload); verified only with --verify, which
 * reads the data back through the SPI registers (some 30 commands per 64 bytes: about 1.6 s per
 * KiB). Two sectors each: the ROM's erase (with esptool's size compensation) then covers exactly
 * them, so no neighbouring sector is read back and rewritten. */
static bool case_stub_no_stub(struct e2e *t)
{
    struct e2e_blob first = {0}, second = {0}, want = {0};
    struct counts c;
    bool ok = false;
    if (!e2e_fw_raw(&first, 2 * E2E_SECTOR, 53) || !e2e_fw_raw(&second, 2 * E2E_SECTOR, 54) ||
        !e2e_put_file(t, "first.bin", &first) || !e2e_put_file(t, "second.bin", &second) ||
        !e2e_sim_start(t, E2E_PTY, "0", NULL) || !blank_with(t, &want, &first, 0x100000)) {
        goto done;
    }
    e2e_mflash(t, E2E_RUN_MS,
               E2E_ARGS("--json", "--no-stub", "-p", E2E_PORT, "write_flash", "0x100000",
                        "first.bin"));
    if (!expect_verified(t, __LINE__, "write_flash", false) || !expect_loader(t, __LINE__, "rom") ||
        !read_counts(t, &c) ||
        !expect_flash_now(t, __LINE__, "flash after a --no-stub write", &want)) {
        goto done;
    }
    if (c.stub_starts != 0 || c.mem_begin != 0 || c.defl_data != 0 || c.md5 != 0 ||
        c.flash_data < 1 || c.max_baud > 115200) {
        e2e_fail(t, __LINE__,
                 "not a ROM write: stub starts %.0f, MEM_BEGIN %.0f, FLASH_DEFL_DATA %.0f, "
                 "SPI_FLASH_MD5 %.0f, FLASH_DATA %.0f, fastest host rate %.0f",
                 c.stub_starts, c.mem_begin, c.defl_data, c.md5, c.flash_data, c.max_baud);
        goto done;
    }
    e2e_mflash(t, E2E_RUN_MS,
               E2E_ARGS("--json", "--no-stub", "-p", E2E_PORT, "write_flash", "--verify",
                        "0x110000", "second.bin"));
    memcpy(want.data + 0x110000, second.data, second.len);
    if (!expect_verified(t, __LINE__, "write_flash", true) || !expect_loader(t, __LINE__, "rom") ||
        !read_counts(t, &c) ||
        !expect_flash_now(t, __LINE__, "flash after a --no-stub --verify write", &want)) {
        goto done;
    }
    if (c.stub_starts != 0 || c.mem_begin != 0) {
        e2e_fail(t, __LINE__, "the --no-stub --verify run uploaded the stub");
        goto done;
    }
    ok = e2e_sim_quit(t, NULL);
done:
    e2e_blob_free(&first);
    e2e_blob_free(&second);
    e2e_blob_free(&want);
    return ok && !t->failed;
}

/* The chip resets in the middle of the stub upload: the stub never says OHAI, mflash warns and
 * writes through the ROM loader. */
static bool case_stub_fallback_rom(struct e2e *t)
{
    struct e2e_blob fw = {0}, want = {0};
    struct counts c;
    double resets = 0;
    bool ok = false;
    if (!e2e_fw_app(&fw, 0, 0x40, 55) || !e2e_put_file(t, "fw.bin", &fw) ||
        !e2e_sim_start(t, E2E_PTY, "0", E2E_ARGS("--fault", "reset:at=" AT_IN_UPLOAD)) ||
        !blank_with(t, &want, &fw, 0)) {
        goto done;
    }
    e2e_mflash(t, E2E_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "write_flash", "0", "fw.bin"));
    if (!expect_verified(t, __LINE__, "write_flash", false) || !expect_loader(t, __LINE__, "rom") ||
        !read_counts(t, &c) || !e2e_sim_number(t, "resets", &resets)) {
        goto done;
    }
    if (log_with(t, "warn", "Going on with the boot ROM's loader") == NULL) {
        e2e_fail(t, __LINE__, "no warning that mflash goes on with the boot ROM's loader");
        goto done;
    }
    if (c.stub_starts != 0 || c.mem_begin < 1 || c.flash_data < 1 || c.defl_data != 0) {
        e2e_fail(t, __LINE__,
                 "expected an upload that never started, then a ROM write: stub starts %.0f, "
                 "MEM_BEGIN %.0f, FLASH_DATA %.0f, FLASH_DEFL_DATA %.0f",
                 c.stub_starts, c.mem_begin, c.flash_data, c.defl_data);
        goto done;
    }
    E2E_CHECK(t, resets >= 3, "the board counts %.0f chip starts (power-on, fault, reconnect)",
              resets);
    ok = expect_flash_now(t, __LINE__, "flash after the ROM write", &want) && e2e_sim_quit(t, NULL);
done:
    e2e_blob_free(&fw);
    e2e_blob_free(&want);
    return ok && !t->failed;
}

/* ---- faults during a stub write ---- */

enum fault_end {
    END_SUCCESS, /* must succeed, verified, flash exact */
    END_ERROR,   /* must fail with a clear error (exit and code when given) */
    END_EITHER,  /* success with an exact flash, or a clear error */
};

/* 200 KiB of data at 0x10000 on the board started with `sim_extra`; `erase_all` adds
 * --erase-all; the client must have sent `reach` bytes (where the fault sits). Success must mean a
 * verified write and an exact flash (the data, the rest as before, or 0xFF with --erase-all);
 * failure must be an error event with whole sentences and a non-zero exit. *succeeded says which
 * (the sim runs on). */
static bool fault_write(struct e2e *t, int line, const char *const *sim_extra, bool erase_all,
                        double reach, enum fault_end end, int want_exit, const char *want_code,
                        bool *succeeded)
{
    struct e2e_blob data = {0}, before = {0}, want = {0};
    bool ok = false;
    *succeeded = false;
    if (!e2e_fw_raw(&data, DATA_LEN, 56) || !e2e_put_file(t, "data.bin", &data) ||
        !e2e_sim_start(t, E2E_PTY, "0", sim_extra) || !e2e_sim_dump(t, "before.bin", &before)) {
        goto done;
    }
    if (erase_all) {
        e2e_mflash(t, E2E_RUN_MS,
                   E2E_ARGS("--json", "-p", E2E_PORT, "write_flash", "--erase-all", DATA_AT,
                            "data.bin"));
    } else {
        e2e_mflash(t, E2E_RUN_MS,
                   E2E_ARGS("--json", "-p", E2E_PORT, "write_flash", DATA_AT, "data.bin"));
    }
    if (!t->run_done || t->run.status < 0) {
        goto done; /* the harness said why */
    }
    double sent = 0;
    if (!e2e_sim_number(t, "host.bytes_from_client", &sent)) {
        goto done;
    }
    if (sent + 1 < reach) {
        e2e_fail(t, line, "mflash sent %.0f bytes: the fault before byte %.0f never happened", sent,
                 reach);
        goto done;
    }
    *succeeded = t->run.status == 0;
    if (*succeeded) {
        if (end == END_ERROR) {
            e2e_fail(t, line, "the write succeeded although the fault must stop it");
            goto done;
        }
        if (erase_all ? !blank_with(t, &want, &data, DATA_OFFSET)
                      : !e2e_blob_copy(&want, before.data, before.len)) {
            goto done;
        }
        if (!erase_all) {
            e2e_flash_apply(want.data, want.len, DATA_OFFSET, data.data, data.len);
        }
        ok = expect_verified(t, line, "write_flash", true) &&
             expect_flash_now(t, line, "flash after a write that reported success", &want);
    } else {
        if (end == END_SUCCESS) {
            const char *message = NULL;
            ej_path_string(e2e_last_event(t), "message", &message);
            e2e_fail(t, line, "the write failed (exit %d) although it must get through: %s",
                     t->run.status, message != NULL ? message : "(no error event)");
            goto done;
        }
        /* Any code the CLI contract has, unless the case names one. */
        const char *code = NULL;
        ej_path_string(e2e_last_event(t), "code", &code);
        ok = e2e_expect_error(t, line, want_exit > 0 ? want_exit : t->run.status,
                              want_code != NULL ? want_code
                              : code != NULL    ? code
                                                : "(an error event)");
    }
    printf("e2e.%s: the write %s (exit %d)\n", t->name,
           *succeeded ? "succeeded" : "failed with an error", t->run.status);
done:
    e2e_blob_free(&data);
    e2e_blob_free(&before);
    e2e_blob_free(&want);
    return ok && !t->failed;
}

/* Bit flips towards the chip: damaged blocks are sent again (or the rate steps down); the
 * FLASH_DEFL_DATA count shows the repeats. Deterministic for a given byte stream (seed 3: one or
 * two damaged blocks today). With another stream the seed may be unlucky: a flip in the stub
 * upload (mflash then goes on with the ROM loader), or two flips of the same bit in one block,
 * which the protocol's XOR checksum cannot see (the stub's inflate or the MD5 check then fails
 * the write, correctly). Change the seed then. */
static bool case_stub_fault_noise(struct e2e *t)
{
    struct counts c;
    bool succeeded = false;
    /* Incompressible data: the stream is at least its size and less than 16 bytes per 64 KiB
     * longer, so it is 13 blocks of 16 KiB. */
    const double blocks = (DATA_LEN + STUB_BLOCK - 1) / STUB_BLOCK;
    if (!fault_write(t, __LINE__, E2E_ARGS("--fault", "flip:to-chip:ppm=20", "--seed", "3"), false,
                     0, END_SUCCESS, 0, NULL, &succeeded) ||
        !read_counts(t, &c)) {
        return false;
    }
    E2E_CHECK(t, c.stub_starts >= 1 && c.defl_begin >= 1,
              "the stub did not write (stub starts %.0f, FLASH_DEFL_BEGIN %.0f): the noise hit the "
              "upload; change the seed",
              c.stub_starts, c.defl_begin);
    E2E_CHECK(t, c.defl_data > blocks,
              "%.0f FLASH_DEFL_DATA for %.0f blocks: no block was damaged, the noise proved "
              "nothing (change the seed or the rate)",
              c.defl_data, blocks);
    return e2e_sim_quit(t, NULL);
}

/* The link stalls for 2 s in the middle of the data. */
static bool case_stub_fault_stall(struct e2e *t)
{
    bool succeeded = false;
    return fault_write(t, __LINE__, E2E_ARGS("--fault", "stall:at=" AT_IN_DATA ":ms=2000"), false,
                       AT_DATA, END_SUCCESS, 0, NULL, &succeeded) &&
           e2e_sim_quit(t, NULL);
}

/* The adapter is pulled in the middle of the data: exit 5, port-gone. */
static bool case_stub_fault_unplug(struct e2e *t)
{
    bool succeeded = false, unplugged = false;
    if (!fault_write(t, __LINE__, E2E_ARGS("--fault", "unplug:at=" AT_IN_DATA), false, AT_DATA,
                     END_ERROR, 5, "port-gone", &succeeded)) {
        return false;
    }
    struct ej_value *stats = e2e_sim_stats(t);
    bool ok = stats != NULL && ej_path_bool(stats, "board.unplugged", &unplugged) && unplugged;
    ej_free(stats);
    E2E_CHECK(t, ok, "the simulator does not report the unplug");
    return e2e_sim_quit(t, NULL);
}

/* The chip resets in the middle of the data (the stub is gone): a clear error, or a write that
 * starts again and ends exact. Today: three block timeouts, a step down that fails, exit 4 after
 * some 20 s (the engine's timeouts are wall time). */
static bool case_stub_fault_reset(struct e2e *t)
{
    bool succeeded = false;
    return fault_write(t, __LINE__, E2E_ARGS("--fault", "reset:at=" AT_IN_DATA), false, AT_DATA,
                       END_EITHER, 0, NULL, &succeeded) &&
           e2e_sim_quit(t, NULL);
}

/* A page program at 0x20000 silently leaves the page unchanged (the stub cannot see it, as on a
 * worn chip): the MD5 check must turn that into exit 6, "verify", naming the file (never a
 * success). */
static bool case_stub_fault_program(struct e2e *t)
{
    bool succeeded = false;
    double failed = 0;
    const char *message = NULL;
    if (!fault_write(t, __LINE__, E2E_ARGS("--fault", "fail-program:addr=0x20000"), false, 0,
                     END_ERROR, 6, "verify", &succeeded) ||
        !e2e_sim_number(t, "flash.program.failed", &failed)) {
        return false;
    }
    E2E_CHECK(t, failed >= 1, "no page program failed: the fault proved nothing");
    E2E_CHECK(t,
              ej_path_string(e2e_last_event(t), "message", &message) &&
                      strstr(message, "data.bin") != NULL,
              "the error does not name data.bin: %s", message != NULL ? message : "(none)");
    return e2e_sim_quit(t, NULL);
}

/* Worst-case flash timings with --erase-all on a used board: the background erase and the
 * writes take far longer on the board, and still end exact. */
static bool case_stub_fault_slow_flash(struct e2e *t)
{
    bool succeeded = false;
    return fault_write(t, __LINE__, E2E_ARGS("--flash-state", "used", "--fault", "slow-flash"),
                       true, 0, END_SUCCESS, 0, NULL, &succeeded) &&
           e2e_sim_quit(t, NULL);
}

static const struct e2e_case STUB_CASES[] = {
        {"stub_write_verified", case_stub_write_verified, false},
        {"stub_erase_all", case_stub_erase_all, false},
        {"stub_reflash_same", case_stub_reflash_same, false},
        {"stub_read_verify_erase", case_stub_read_verify_erase, false},
        {"stub_baud_step_down", case_stub_baud_step_down, false},
        {"stub_baud_memory", case_stub_baud_memory, false},
        {"stub_no_stub", case_stub_no_stub, false},
        {"stub_fallback_rom", case_stub_fallback_rom, false},
        {"stub_fault_noise", case_stub_fault_noise, false},
        {"stub_fault_stall", case_stub_fault_stall, false},
        {"stub_fault_unplug", case_stub_fault_unplug, false},
        {"stub_fault_reset", case_stub_fault_reset, false},
        {"stub_fault_program", case_stub_fault_program, false},
        {"stub_fault_slow_flash", case_stub_fault_slow_flash, false},
};

const struct e2e_case *e2e_stub_cases(size_t *count)
{
    *count = sizeof STUB_CASES / sizeof STUB_CASES[0];
    return STUB_CASES;
}
