/* SPDX-License-Identifier: MIT */
/* End-to-end tests of the mflash CLI against esp8266-sim: the write cases, the case table and the
 * driver (`--case NAME` runs one case; ctest registers each as e2e.NAME). */
#define _GNU_SOURCE
#include "e2e_cases.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- expectations computed from the inputs ---- */

/* §6.2: the header's size nibble for a flash size in bytes. */
static bool header_size_code(double size, uint8_t *code)
{
    static const struct {
        double bytes;
        uint8_t code;
    } table[] = {{262144, 0x10},  {524288, 0x00},  {1048576, 0x20}, {2097152, 0x30},
                 {4194304, 0x40}, {8388608, 0x80}, {16777216, 0x90}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (table[i].bytes == size) {
            *code = table[i].code;
            return true;
        }
    }
    return false;
}

bool case_str_ieq(const struct ej_value *v, const char *path, const char *want)
{
    const char *got = NULL;
    return ej_path_string(v, path, &got) && strcasecmp(got, want) == 0;
}

bool case_num_eq(const struct ej_value *v, const char *path, double want)
{
    double got = 0;
    return ej_path_number(v, path, &got) && got == want;
}

bool case_hex_eq(const struct ej_value *v, const char *path, unsigned long want)
{
    const char *text = NULL;
    unsigned long got = 0;
    return ej_path_string(v, path, &text) && e2e_hex(text, &got) && got == want;
}

bool case_stdout_has(const struct e2e *t, const char *needle)
{
    return t->run.out.data != NULL && strcasestr(t->run.out.data, needle) != NULL;
}

/* A write progress event that reached its total. */
static bool case_write_completed(const struct e2e *t)
{
    for (size_t i = 0;; i++) {
        const struct ej_value *p = e2e_event(t, "progress", i);
        double done = 0, total = 0, overall = 0;
        if (p == NULL) {
            return false;
        }
        if (case_str_ieq(p, "stage", "write") && ej_path_number(p, "done", &done) &&
            ej_path_number(p, "total", &total) && ej_path_number(p, "overall", &overall) &&
            total > 0 && done == total && overall >= 0 && overall <= 1000) {
            return true;
        }
    }
}

/* ---- the done-when write: --erase-all --flash_size detect at 0 ---- */

static bool write_detect(struct e2e *t, enum e2e_endpoint ep, const char *const *sim_extra,
                         uint8_t mode, uint8_t size_freq, bool esp8285)
{
    struct e2e_blob fw = {0}, before = {0}, flash = {0}, want = {0};
    struct ej_value *stats = NULL;
    const char *mac = NULL;
    double flash_size = 0;
    uint8_t code = 0;
    bool ok = false;

    if (!e2e_fw_app(&fw, mode, size_freq, 11) || !e2e_put_file(t, "fw.bin", &fw) ||
        !e2e_sim_start(t, ep, "0", sim_extra) || !e2e_sim_dump(t, "before.bin", &before) ||
        (stats = e2e_sim_stats(t)) == NULL) {
        goto done;
    }
    if (!ej_path_number(stats, "board.flash_size", &flash_size) ||
        !ej_path_string(stats, "board.mac", &mac) || !header_size_code(flash_size, &code)) {
        e2e_fail(t, __LINE__, "STATS lacks board.flash_size / board.mac");
        goto done;
    }
    /* The used board has data past the file: --erase-all must clear it. */
    size_t past = (fw.len + E2E_SECTOR - 1) / E2E_SECTOR * E2E_SECTOR, dirty = 0;
    for (size_t i = past; i < before.len; i++) {
        dirty += before.data[i] != 0xFF;
    }
    if (dirty == 0) {
        e2e_fail(t, __LINE__, "the used board is blank past 0x%zX: the case would prove nothing",
                 past);
        goto done;
    }
    e2e_mflash(t, E2E_RUN_MS,
               E2E_ARGS("--json", "-p", E2E_PORT, "write_flash", "--erase-all", "--flash_size",
                        "detect", "0", "fw.bin"));
    if (!e2e_expect_result(t, __LINE__, "write_flash")) {
        goto done;
    }
    const struct ej_value *chip = e2e_event(t, "chip", 0);
    const struct ej_value *image = e2e_event(t, "image", 0);
    bool is8285 = !esp8285;
    if (chip == NULL || !case_str_ieq(chip, "mac", mac) ||
        !case_num_eq(chip, "flash_size", flash_size) || !ej_path_bool(chip, "esp8285", &is8285) ||
        is8285 != esp8285) {
        e2e_fail(t, __LINE__, "no chip event with mac %s, flash_size %.0f, esp8285 %s", mac,
                 flash_size, esp8285 ? "true" : "false");
        goto done;
    }
    if (image == NULL || !case_num_eq(image, "offset", 0) ||
        !case_num_eq(image, "size", (double)fw.len) || !case_str_ieq(image, "format", "v1")) {
        e2e_fail(t, __LINE__, "no image event {offset 0, size %zu, format v1}", fw.len);
        goto done;
    }
    if (!case_write_completed(t)) {
        e2e_fail(t, __LINE__, "no write progress event with done == total");
        goto done;
    }
    /* Hard reset: the board boots the new firmware, which only works in a mode its wiring reads
     * (an ESP8285: dout, which mflash must have chosen). */
    if (!e2e_sim_wait_state(t, E2E_ARGS("micropython"), E2E_STATE_MS) || !e2e_sim_quit(t, &flash)) {
        goto done;
    }
    if (!e2e_blob_alloc(&want, (size_t)flash_size, 0xFF)) {
        goto done;
    }
    memcpy(want.data, fw.data, fw.len);
    want.data[2] = esp8285 ? 3 : mode;
    want.data[3] = (uint8_t)(code | (size_freq & 0x0Fu));
    ok = e2e_expect_bytes(t, __LINE__, "flash after write_flash --erase-all", flash.data, flash.len,
                          want.data, want.len);
done:
    ej_free(stats);
    e2e_blob_free(&fw);
    e2e_blob_free(&before);
    e2e_blob_free(&flash);
    e2e_blob_free(&want);
    return ok && !t->failed;
}

static bool case_write_detect_4m(struct e2e *t)
{
    /* header: dio, 1MB, 80m -> dio kept, 4MB detected, 80m kept */
    return write_detect(t, E2E_PTY, E2E_ARGS("--flash-state", "used"), 2, 0x2F, false);
}

static bool case_write_detect_esp8285(struct e2e *t)
{
    /* header: qio, 4MB, 26m on an ESP8285 with 1 MB inside -> dout, 1MB, 26m */
    return write_detect(t, E2E_PTY, E2E_ARGS("--flash-state", "used", "--chip", "esp8285n08"), 0,
                        0x41, true);
}

static bool case_write_detect_rfc2217(struct e2e *t)
{
    return write_detect(t, E2E_RFC2217, E2E_ARGS("--flash-state", "used"), 2, 0x2F, false);
}

/* ---- header patching without --erase-all: only the file's sectors change ---- */

/* Writes `file` at 0 with `opts` on a used board; expects the sectors it covers replaced by the
 * file with bytes 2 and 3 = want2/want3, every other byte as before. */
static bool write_patch(struct e2e *t, const struct e2e_blob *file, const char *const *opts,
                        uint8_t want2, uint8_t want3, const char *format)
{
    struct e2e_blob before = {0}, flash = {0}, want = {0};
    const char *args[E2E_ARGS_MAX];
    size_t n = 0;
    bool ok = false;
    const char *head[] = {"--json", "-p", E2E_PORT, "write_flash"};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) {
        args[n++] = head[i];
    }
    for (size_t i = 0; opts[i] != NULL; i++) {
        args[n++] = opts[i];
    }
    args[n++] = "0";
    args[n++] = "file.bin";
    args[n] = NULL;
    if (!e2e_put_file(t, "file.bin", file) ||
        !e2e_sim_start(t, E2E_PTY, "0", E2E_ARGS("--flash-state", "used")) ||
        !e2e_sim_dump(t, "before.bin", &before)) {
        goto done;
    }
    e2e_mflash(t, E2E_RUN_MS, args);
    if (!e2e_expect_result(t, __LINE__, "write_flash")) {
        goto done;
    }
    const struct ej_value *image = e2e_event(t, "image", 0);
    if (image == NULL || !case_str_ieq(image, "format", format)) {
        e2e_fail(t, __LINE__, "no image event with format %s", format);
        goto done;
    }
    if (!e2e_sim_quit(t, &flash) || !e2e_blob_copy(&want, before.data, before.len)) {
        goto done;
    }
    e2e_flash_apply(want.data, want.len, 0, file->data, file->len);
    want.data[2] = want2;
    want.data[3] = want3;
    ok = e2e_expect_bytes(t, __LINE__, "flash after write_flash", flash.data, flash.len, want.data,
                          want.len);
done:
    e2e_blob_free(&before);
    e2e_blob_free(&flash);
    e2e_blob_free(&want);
    return ok && !t->failed;
}

static bool case_write_patch_explicit(struct e2e *t)
{
    struct e2e_blob fw = {0};
    /* qio, 4MB, 40m -> dio (2), 1MB (0x20), 80m (0xF) */
    bool ok = e2e_fw_app(&fw, 0, 0x40, 12) &&
              write_patch(
                      t, &fw,
                      E2E_ARGS("--flash_mode", "dio", "--flash_freq", "80m", "--flash_size", "1MB"),
                      2, 0x2F, "v1");
    e2e_blob_free(&fw);
    return ok;
}

static bool case_write_patch_keep(struct e2e *t)
{
    struct e2e_blob fw = {0};
    /* dout, 2MB, 26m on a 4 MB ESP8266EX board, everything kept */
    bool ok = e2e_fw_app(&fw, 3, 0x31, 13) &&
              write_patch(t, &fw,
                          E2E_ARGS("--flash-mode", "keep", "--flash-freq", "keep", "--flash-size",
                                   "keep"),
                          3, 0x31, "v1");
    e2e_blob_free(&fw);
    return ok;
}

static bool case_write_patch_default(struct e2e *t)
{
    struct e2e_blob fw = {0};
    /* no options: the default is keep */
    static const char *const none[] = {NULL};
    bool ok = e2e_fw_app(&fw, 1, 0x32, 14) && write_patch(t, &fw, none, 1, 0x32, "v1");
    e2e_blob_free(&fw);
    return ok;
}

static bool case_write_v2_not_patched(struct e2e *t)
{
    struct e2e_blob v2 = {0};
    /* a V2 image is never patched, whatever is asked */
    bool ok = e2e_fw_v2(&v2, 2, 0x20, 15) &&
              write_patch(t, &v2,
                          E2E_ARGS("--flash_mode", "dout", "--flash_freq", "20m", "--flash_size",
                                   "detect"),
                          2, 0x20, "v2");
    e2e_blob_free(&v2);
    return ok;
}

#define CASE_BANNER  "MicroPython v1.23.0 on 2024-06-02; ESP module with ESP8266"
#define CASE_MPY_LEN (48u * 1024u) /* 12 sectors */

static bool case_write_micropython(struct e2e *t)
{
    struct e2e_blob mpy = {0}, flash = {0}, want = {0};
    bool ok = false;
    if (!e2e_fw_micropython(&mpy, CASE_MPY_LEN, CASE_BANNER, false) ||
        !e2e_put_file(t, "mpy.bin", &mpy) ||
        !e2e_sim_start(t, E2E_PTY, "0", E2E_ARGS("--flash-size", "2M"))) {
        goto done;
    }
    e2e_mflash(t, E2E_RUN_MS,
               E2E_ARGS("--json", "-p", E2E_PORT, "write_flash", "--flash_size", "detect",
                        "--flash_mode", "dio", "0", "mpy.bin"));
    if (!e2e_expect_result(t, __LINE__, "write_flash")) {
        goto done;
    }
    const struct ej_value *image = e2e_event(t, "image", 0);
    bool mp = false, md5 = false;
    const char *firmware = NULL;
    if (image == NULL || !ej_path_bool(image, "micropython", &mp) || !mp ||
        !ej_path_bool(image, "md5_checked", &md5) || !md5 ||
        !ej_path_string(image, "firmware", &firmware) ||
        strstr(firmware, "MicroPython v1.23.0") == NULL) {
        e2e_fail(t, __LINE__, "no image event with micropython, md5_checked and v1.23.0");
        goto done;
    }
    if (!e2e_sim_quit(t, &flash) || !e2e_blob_alloc(&want, 2u << 20, 0xFF)) {
        goto done;
    }
    memcpy(want.data, mpy.data, mpy.len);
    want.data[2] = 2;                                       /* dio */
    want.data[3] = (uint8_t)(0x30u | (mpy.data[3] & 0xFu)); /* 2MB detected, freq kept */
    if (!e2e_expect_bytes(t, __LINE__, "flash", flash.data, flash.len, want.data, want.len)) {
        goto done;
    }
    /* The MD5 trailer skips bytes 0-3: still valid in flash after the patch. */
    E2E_CHECK(t, e2e_micropython_md5_ok(flash.data, mpy.len),
              "the MicroPython MD5 trailer no longer matches in flash");
    ok = true;
done:
    e2e_blob_free(&mpy);
    e2e_blob_free(&flash);
    e2e_blob_free(&want);
    return ok && !t->failed;
}

static bool case_write_two_files(struct e2e *t)
{
    struct e2e_blob fw = {0}, data = {0}, before = {0}, flash = {0}, want = {0};
    bool ok = false;
    if (!e2e_fw_app(&fw, 2, 0x40, 16) || !e2e_fw_raw(&data, 8192, 17) ||
        !e2e_put_file(t, "fw.bin", &fw) || !e2e_put_file(t, "data.bin", &data) ||
        !e2e_sim_start(t, E2E_PTY, "0", E2E_ARGS("--flash-state", "used")) ||
        !e2e_sim_dump(t, "before.bin", &before)) {
        goto done;
    }
    e2e_mflash(t, E2E_RUN_MS,
               E2E_ARGS("--json", "-p", E2E_PORT, "write_flash", "0x0", "fw.bin", "0x100000",
                        "data.bin"));
    if (!e2e_expect_result(t, __LINE__, "write_flash")) {
        goto done;
    }
    const struct ej_value *second = e2e_event(t, "image", 1);
    if (e2e_event(t, "image", 0) == NULL || second == NULL ||
        !case_num_eq(second, "offset", 0x100000) || !case_num_eq(second, "size", 8192)) {
        e2e_fail(t, __LINE__, "expected two image events, the second at 0x100000 of 8192 bytes");
        goto done;
    }
    if (!e2e_sim_quit(t, &flash) || !e2e_blob_copy(&want, before.data, before.len)) {
        goto done;
    }
    e2e_flash_apply(want.data, want.len, 0, fw.data, fw.len);
    e2e_flash_apply(want.data, want.len, 0x100000, data.data, data.len);
    ok = e2e_expect_bytes(t, __LINE__, "flash", flash.data, flash.len, want.data, want.len);
done:
    e2e_blob_free(&fw);
    e2e_blob_free(&data);
    e2e_blob_free(&before);
    e2e_blob_free(&flash);
    e2e_blob_free(&want);
    return ok && !t->failed;
}

/* Writes fw at 0 on a blank board with `global` options; expects the flash to be exactly it. */
static bool write_plain(struct e2e *t, const struct e2e_blob *fw, const char *after)
{
    struct e2e_blob flash = {0}, want = {0};
    bool ok = false;
    if (!e2e_put_file(t, "fw.bin", fw)) {
        return false;
    }
    e2e_mflash(t, E2E_RUN_MS,
               E2E_ARGS("--json", "--after", after, "-p", E2E_PORT, "write_flash", "0", "fw.bin"));
    if (!e2e_expect_result(t, __LINE__, "write_flash")) {
        goto done;
    }
    if (strcmp(after, "no_reset") == 0 &&
        !e2e_sim_wait_state(t, E2E_ARGS("rom-loader"), E2E_STATE_MS)) {
        goto done;
    }
    if (!e2e_sim_quit(t, &flash) || !e2e_blob_alloc(&want, flash.len, 0xFF)) {
        goto done;
    }
    memcpy(want.data, fw->data, fw->len < want.len ? fw->len : want.len);
    ok = e2e_expect_bytes(t, __LINE__, "flash", flash.data, flash.len, want.data, want.len);
done:
    e2e_blob_free(&flash);
    e2e_blob_free(&want);
    return ok && !t->failed;
}

static bool case_write_after_no_reset(struct e2e *t)
{
    struct e2e_blob fw = {0};
    bool ok = e2e_fw_app(&fw, 0, 0x40, 18) && e2e_sim_start(t, E2E_PTY, "0", NULL) &&
              write_plain(t, &fw, "no_reset");
    e2e_blob_free(&fw);
    return ok;
}

static bool case_write_realtime(struct e2e *t)
{
    static const struct e2e_segment segs[] = {{0x40100000u, 0x1800u}, {0x3FFE8000u, 0x400u}};
    struct e2e_blob fw = {0};
    double sent = 0;
    bool ok = e2e_fw_v1(&fw, segs, 2, 0, 0x40, 19) && e2e_sim_start(t, E2E_PTY, "1", NULL) &&
              write_plain(t, &fw, "hard_reset");
    e2e_blob_free(&fw);
    if (!ok) {
        return false;
    }
    /* At time scale 1 the wire is paced: what the client sent took at least its wire time. */
    char path[E2E_PATH_MAX];
    struct e2e_blob stats_file = {0};
    e2e_path(t, "stats.json", path);
    E2E_CHECK(t, e2e_read_file(path, &stats_file), "no --stats file after QUIT");
    struct ej_value *stats = ej_parse((const char *)stats_file.data, stats_file.len, NULL);
    e2e_blob_free(&stats_file);
    ok = stats != NULL && ej_path_number(stats, "host.bytes_from_client", &sent);
    ej_free(stats);
    E2E_CHECK(t, ok && sent > (double)fw.len, "the stats file shows %.0f bytes from the client",
              sent);
    double wire_ms = sent * 10.0 * 1000.0 / 115200.0;
    E2E_CHECK(t, (double)t->run.elapsed_ms >= wire_ms * 0.95,
              "mflash took %llu ms for %.0f bytes at 115200 baud (at least %.0f ms on a real wire)",
              (unsigned long long)t->run.elapsed_ms, sent, wire_ms);
    return true;
}

/* Noise on the way to the chip through the ROM loader (--no-stub): its 1 KiB blocks arrive
 * damaged now and then and are sent again until the flash is exact. (At this rate a 16 KiB stub
 * block arrives intact less than half the time; e2e.stub_fault_noise covers the stub.) */
static bool case_write_noisy_link(struct e2e *t)
{
    struct e2e_blob fw = {0}, data = {0}, flash = {0}, want = {0};
    double checksum_errors = 0;
    bool ok = false;
    if (!e2e_fw_app(&fw, 0, 0x40, 20) || !e2e_fw_raw(&data, 128u * 1024u, 21) ||
        !e2e_put_file(t, "fw.bin", &fw) || !e2e_put_file(t, "data.bin", &data) ||
        !e2e_sim_start(t, E2E_PTY, "0",
                       E2E_ARGS("--fault", "flip:to-chip:ppm=" CASE_NOISE_PPM, "--seed",
                                CASE_NOISE_SEED))) {
        goto done;
    }
    e2e_mflash(t, E2E_RUN_MS,
               E2E_ARGS("--json", "--no-stub", "-p", E2E_PORT, "write_flash", "0", "fw.bin",
                        "0x10000", "data.bin"));
    if (!e2e_expect_result(t, __LINE__, "write_flash") ||
        !e2e_sim_number(t, "violations.counts.checksum", &checksum_errors)) {
        goto done;
    }
    if (checksum_errors < 1) {
        e2e_fail(t, __LINE__,
                 "no block arrived damaged: the noise proved nothing (change the "
                 "seed or the rate)");
        goto done;
    }
    if (!e2e_sim_quit(t, &flash) || !e2e_blob_alloc(&want, flash.len, 0xFF)) {
        goto done;
    }
    memcpy(want.data, fw.data, fw.len);
    memcpy(want.data + 0x10000, data.data, data.len);
    ok = e2e_expect_bytes(t, __LINE__, "flash after a noisy write", flash.data, flash.len,
                          want.data, want.len);
done:
    e2e_blob_free(&fw);
    e2e_blob_free(&data);
    e2e_blob_free(&flash);
    e2e_blob_free(&want);
    return ok && !t->failed;
}

/* SIGINT in the middle of a write: exit 7, a sentence, the port released for the next run. */
static bool case_cancel_sigint(struct e2e *t)
{
    struct e2e_blob fw = {0}, data = {0};
    const struct ej_value *ev = NULL;
    double written = 0;
    bool ok = e2e_fw_app(&fw, 0, 0x40, 22) && e2e_fw_raw(&data, 256u * 1024u, 23) &&
              e2e_put_file(t, "fw.bin", &fw) && e2e_put_file(t, "data.bin", &data);
    size_t total = fw.len + data.len;
    e2e_blob_free(&fw);
    e2e_blob_free(&data);
    if (!ok || !e2e_sim_start(t, E2E_PTY, "0", NULL) ||
        !e2e_mflash_start(t, E2E_ARGS("--json", "-p", E2E_PORT, "write_flash", "0", "fw.bin",
                                      "0x10000", "data.bin"))) {
        return false;
    }
    uint64_t deadline = e2e_now_ms() + E2E_RUN_MS;
    while ((ev = e2e_mflash_next_event(t, deadline)) != NULL) {
        double done = 0;
        if (case_str_ieq(ev, "event", "progress") && case_str_ieq(ev, "stage", "write") &&
            ej_path_number(ev, "done", &done) && done > 0) {
            break;
        }
    }
    if (ev == NULL) {
        e2e_fail(t, __LINE__, "no write progress event with done > 0");
        e2e_mflash_finish(t, 1);
        return false;
    }
    E2E_CHECK(t, t->run.pid > 0 && kill(t->run.pid, SIGINT) == 0, "cannot signal mflash");
    e2e_mflash_finish(t, E2E_SHORT_RUN_MS);
    if (!e2e_expect_error(t, __LINE__, 7, "cancelled") ||
        !e2e_sim_number(t, "flash.program.bytes", &written)) {
        return false;
    }
    E2E_CHECK(t, written < (double)total,
              "the whole job was written (%.0f bytes) before it stopped", written);
    /* The port is free again. */
    e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "chip_id"));
    return e2e_expect_result(t, __LINE__, "chip_id") && e2e_sim_quit(t, NULL);
}

/* -b above 115200 with --no-stub: the ROM loader stays at 115200 and a warning says so. */
static bool case_baud_rom_warning(struct e2e *t)
{
    double max_baud = 0;
    bool warned = false;
    if (!e2e_sim_start(t, E2E_PTY, "0", NULL)) {
        return false;
    }
    e2e_mflash(t, E2E_SHORT_RUN_MS,
               E2E_ARGS("--json", "--no-stub", "-b", "460800", "-p", E2E_PORT, "read_flash", "0",
                        "256", "out.bin"));
    if (!e2e_expect_result(t, __LINE__, "read_flash") ||
        !e2e_sim_number(t, "host.max_baud", &max_baud)) {
        return false;
    }
    for (size_t i = 0; !warned; i++) {
        const struct ej_value *log = e2e_event(t, "log", i);
        if (log == NULL) {
            break;
        }
        warned = case_str_ieq(log, "level", "warn");
    }
    E2E_CHECK(t, warned, "no warning that the ROM loader keeps 115200 baud");
    E2E_CHECK(t, max_baud <= 115200, "the port went to %.0f baud", max_baud);
    return e2e_sim_quit(t, NULL);
}

/* esptool's other spellings: dashes, long option names, global options after the command. */
static bool case_cli_spellings(struct e2e *t)
{
    uint8_t mac[6] = {0};
    struct ej_value *stats = NULL;
    const char *text = NULL;
    if (!e2e_sim_start(t, E2E_PTY, "0", NULL) || (stats = e2e_sim_stats(t)) == NULL) {
        return false;
    }
    bool have = ej_path_string(stats, "board.mac", &text) &&
                sscanf(text, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx", &mac[0], &mac[1], &mac[2],
                       &mac[3], &mac[4], &mac[5]) == 6;
    ej_free(stats);
    E2E_CHECK(t, have, "no board.mac in STATS");
    e2e_mflash(t, E2E_SHORT_RUN_MS,
               E2E_ARGS("read-mac", "--port", E2E_PORT, "--before", "default-reset", "--after",
                        "hard-reset", "--chip", "esp8266", "--json"));
    if (!e2e_expect_status(t, __LINE__, 0)) {
        return false;
    }
    const struct ej_value *last = e2e_last_event(t);
    char want[32];
    snprintf(want, sizeof want, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
             mac[4], mac[5]);
    E2E_CHECK(t,
              t->json_problem[0] == '\0' && last != NULL && case_str_ieq(last, "event", "result") &&
                      case_str_ieq(last, "mac", want),
              "read-mac with options after it gave no result with mac %s", want);
    return e2e_sim_quit(t, NULL);
}

/* ---- the table ---- */

static const struct e2e_case CASES[] = {
        {"write_detect_4m", case_write_detect_4m, true},
        {"write_detect_esp8285", case_write_detect_esp8285, false},
        {"write_detect_rfc2217", case_write_detect_rfc2217, false},
        {"write_patch_explicit", case_write_patch_explicit, false},
        {"write_patch_keep", case_write_patch_keep, false},
        {"write_patch_default", case_write_patch_default, false},
        {"write_v2_not_patched", case_write_v2_not_patched, false},
        {"write_micropython", case_write_micropython, false},
        {"write_two_files", case_write_two_files, false},
        {"write_after_no_reset", case_write_after_no_reset, false},
        {"write_realtime", case_write_realtime, false},
        {"write_noisy_link", case_write_noisy_link, false},
        {"cancel_sigint", case_cancel_sigint, false},
        {"baud_rom_warning", case_baud_rom_warning, false},
        {"cli_spellings", case_cli_spellings, false},
};

/* The case tables: this file's, e2e_cases_cmd.c's, e2e_cases_stub.c's and e2e_cases_mpy.c's. */
static const struct e2e_case *main_cases(size_t *count)
{
    *count = sizeof CASES / sizeof CASES[0];
    return CASES;
}

static const struct e2e_case *(*const TABLES[])(size_t *count) = {main_cases, e2e_command_cases,
                                                                  e2e_stub_cases, e2e_mpy_cases};
#define N_TABLES (sizeof TABLES / sizeof TABLES[0])

static const struct e2e_case *find_case(const char *name)
{
    for (size_t k = 0; k < N_TABLES; k++) {
        size_t n = 0;
        const struct e2e_case *table = TABLES[k](&n);
        for (size_t i = 0; i < n; i++) {
            if (strcmp(table[i].name, name) == 0) {
                return &table[i];
            }
        }
    }
    return NULL;
}

static void list_cases(void)
{
    for (size_t k = 0; k < N_TABLES; k++) {
        size_t n = 0;
        const struct e2e_case *table = TABLES[k](&n);
        for (size_t i = 0; i < n; i++) {
            printf("%s%s\n", table[i].name, table[i].wine ? " wine" : "");
        }
    }
}

static int usage(void)
{
    fprintf(stderr,
            "usage: test_cli_e2e --case NAME --sim ESP8266_SIM --shim LIBVSERIAL_SHIM.so\n"
            "                    --mflash MFLASH [--wine-run WINE_RUN --wine-prefix DIR --com N]\n"
            "                    [--keep]\n"
            "       test_cli_e2e --list\n"
            "       test_cli_e2e --check-list NAME...   (every case is registered)\n");
    return 2;
}

/* Every case the program has must be among the names CMake registered, and the reverse. */
static int check_list(int argc, char **argv)
{
    int missing = 0;
    for (size_t k = 0; k < N_TABLES; k++) {
        size_t n = 0;
        const struct e2e_case *table = TABLES[k](&n);
        for (size_t i = 0; i < n; i++) {
            bool seen = false;
            for (int a = 0; a < argc && !seen; a++) {
                seen = strcmp(argv[a], table[i].name) == 0;
            }
            if (!seen) {
                fprintf(stderr, "case %s is not registered in tests/e2e/CMakeLists.txt\n",
                        table[i].name);
                missing++;
            }
        }
    }
    for (int a = 0; a < argc; a++) {
        if (find_case(argv[a]) == NULL) {
            fprintf(stderr, "CMake registers %s, which the program does not have\n", argv[a]);
            missing++;
        }
    }
    return missing == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    struct e2e_config cfg = {0};
    const char *name = NULL;
    setvbuf(stdout, NULL, _IOLBF, 0);

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--list") == 0) {
            list_cases();
            return 0;
        }
        if (strcmp(a, "--check-list") == 0) {
            return check_list(argc - i - 1, argv + i + 1);
        }
        if (strcmp(a, "--keep") == 0) {
            cfg.keep = true;
            continue;
        }
        if (v == NULL) {
            return usage();
        }
        i++;
        if (strcmp(a, "--case") == 0) {
            name = v;
        } else if (strcmp(a, "--sim") == 0) {
            cfg.sim = v;
        } else if (strcmp(a, "--shim") == 0) {
            cfg.shim = v;
        } else if (strcmp(a, "--mflash") == 0) {
            cfg.mflash = v;
        } else if (strcmp(a, "--wine-run") == 0) {
            cfg.wine_run = v;
        } else if (strcmp(a, "--wine-prefix") == 0) {
            cfg.wine_prefix = v;
        } else if (strcmp(a, "--com") == 0) {
            cfg.com = (unsigned)strtoul(v, NULL, 10);
        } else {
            return usage();
        }
    }
    if (name == NULL || cfg.sim == NULL || cfg.shim == NULL || cfg.mflash == NULL ||
        (cfg.wine_run != NULL && (cfg.wine_prefix == NULL || cfg.com == 0))) {
        return usage();
    }
    const struct e2e_case *c = find_case(name);
    if (c == NULL) {
        fprintf(stderr, "no case %s (see --list)\n", name);
        return 2;
    }
    if (cfg.wine_run != NULL && !c->wine) {
        fprintf(stderr, "case %s does not run under Wine\n", name);
        return 2;
    }
    for (const char *tool = cfg.sim; tool != NULL; tool = tool == cfg.sim    ? cfg.shim
                                                          : tool == cfg.shim ? cfg.mflash
                                                                             : NULL) {
        if (access(tool, R_OK) != 0) {
            fprintf(stderr,
                    "FAIL e2e.%s: %s is missing (build it first; the Windows build takes the "
                    "native tools from MF_HOST_TOOLS_DIR)\n",
                    name, tool);
            return 1;
        }
    }

    struct e2e t;
    if (!e2e_init(&t, &cfg, name)) {
        return 1;
    }
    uint64_t start = e2e_now_ms();
    bool pass = c->run(&t) && !t.failed;
    if (!pass && !t.failed) {
        e2e_fail(&t, 0, "the case stopped without saying why");
    }
    printf("%s e2e.%s%s (%llu ms)\n", pass ? "PASS" : "FAIL", name,
           cfg.wine_run != NULL ? " under Wine" : "", (unsigned long long)(e2e_now_ms() - start));
    e2e_cleanup(&t);
    return pass ? 0 : 1;
}
