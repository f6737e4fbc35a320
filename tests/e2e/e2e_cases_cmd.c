/* SPDX-License-Identifier: MIT */
/* End-to-end cases for mflash's other commands (chip_id ... list_ports), the connection diagnoses
 * (exit 4/5 with their error ids) and the files refused before the board is touched (exit 3). */
#define _GNU_SOURCE
#include "e2e_cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- expectations from the inputs ---- */

static bool parse_mac(const char *text, uint8_t mac[6])
{
    unsigned v[6];
    if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6) {
        return false;
    }
    for (int i = 0; i < 6; i++) {
        mac[i] = (uint8_t)v[i];
    }
    return true;
}

/* esp8266-protocol.md §5.1/§5.2: chip_id = (w0 >> 24) | ((w1 & 0xFFFFFF) << 8), where w1 holds
 * the OUI selector (18:FE:34 = 0, AC:D0:74 = 1) in bits 23..16 and MAC bytes 3, 4 below it. */
static bool chip_id_of(const uint8_t mac[6], unsigned long *id)
{
    static const uint8_t ouis[2][3] = {{0x18, 0xFE, 0x34}, {0xAC, 0xD0, 0x74}};
    for (unsigned long sel = 0; sel < 2; sel++) {
        if (memcmp(mac, ouis[sel], 3) == 0) {
            *id = sel << 24 | (unsigned long)mac[3] << 16 | (unsigned long)mac[4] << 8 | mac[5];
            return true;
        }
    }
    return false;
}

/* §7.1 names of the header fields. */
static const char *mode_name(uint8_t b)
{
    static const char *const names[] = {"qio", "qout", "dio", "dout"};
    return b < 4 ? names[b] : "?";
}

static const char *size_name(uint8_t b3)
{
    static const char *const names[16] = {"512KB",  "256KB",  "1MB", "2MB", "4MB",
                                          "2MB-c1", "4MB-c1", NULL,  "8MB", "16MB"};
    const char *n = names[b3 >> 4];
    return n != NULL ? n : "?";
}

static const char *freq_name(uint8_t b3)
{
    switch (b3 & 0x0Fu) {
    case 0x0: return "40m";
    case 0x1: return "26m";
    case 0x2: return "20m";
    case 0xF: return "80m";
    default: return "?";
    }
}

/* STATS host counters: nothing reached the board and no client opened the port. */
static bool board_untouched(struct e2e *t, int line, bool no_open)
{
    double from_client = -1, connects = -1;
    if (!e2e_sim_number(t, "host.bytes_from_client", &from_client) ||
        !e2e_sim_number(t, "host.connects", &connects)) {
        return false;
    }
    if (from_client != 0 || (no_open && connects != 0)) {
        e2e_fail(t, line, "the board was touched: %.0f bytes from the client, %.0f opens",
                 from_client, connects);
        return false;
    }
    return true;
}

static bool dirty(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (d[i] != 0xFF) {
            return true;
        }
    }
    return false;
}

/* ---- board commands ---- */

static bool case_chip_id(struct e2e *t)
{
    uint8_t mac[6];
    unsigned long id = 0;
    char line[64];
    const char *mac_text = "AC:D0:74:9A:BC:DE";
    E2E_CHECK(t, parse_mac(mac_text, mac) && chip_id_of(mac, &id), "bad test MAC");
    if (!e2e_sim_start(t, E2E_PTY, "0", E2E_ARGS("--mac", mac_text))) {
        return false;
    }
    e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("-p", E2E_PORT, "chip_id"));
    if (!e2e_expect_status(t, __LINE__, 0)) {
        return false;
    }
    snprintf(line, sizeof line, "Chip ID: 0x%08lx", id);
    E2E_CHECK(t, case_stdout_has(t, line), "stdout lacks \"%s\"", line);
    e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "chip_id"));
    if (!e2e_expect_result(t, __LINE__, "chip_id")) {
        return false;
    }
    E2E_CHECK(t, case_hex_eq(e2e_last_event(t), "chip_id", id),
              "the result's chip_id is not 0x%08lx", id);
    return e2e_sim_quit(t, NULL);
}

static bool case_read_mac(struct e2e *t)
{
    const char *mac_text = "5c:cf:7f:01:02:03"; /* an OUI the eFuses store explicitly */
    char line[64];
    if (!e2e_sim_start(t, E2E_PTY, "0", E2E_ARGS("--mac", mac_text))) {
        return false;
    }
    e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("-p", E2E_PORT, "read_mac"));
    if (!e2e_expect_status(t, __LINE__, 0)) {
        return false;
    }
    snprintf(line, sizeof line, "MAC: %s", mac_text);
    E2E_CHECK(t, case_stdout_has(t, line), "stdout lacks \"%s\"", line);
    e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "read_mac"));
    if (!e2e_expect_result(t, __LINE__, "read_mac")) {
        return false;
    }
    E2E_CHECK(t, case_str_ieq(e2e_last_event(t), "mac", mac_text), "the result's mac is not %s",
              mac_text);
    return e2e_sim_quit(t, NULL);
}

static bool case_flash_id(struct e2e *t)
{
    /* README: GigaDevice is C8 40 xx, xx = log2(size); 2 MiB -> 0x15 */
    const unsigned long manufacturer = 0xC8, device = 0x4000 | 21;
    const double size = 2u << 20;
    if (!e2e_sim_start(t, E2E_PTY, "0",
                       E2E_ARGS("--flash-vendor", "gigadevice", "--flash-size", "2M"))) {
        return false;
    }
    e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("-p", E2E_PORT, "flash_id"));
    if (!e2e_expect_status(t, __LINE__, 0)) {
        return false;
    }
    E2E_CHECK(t, case_stdout_has(t, "Manufacturer: c8"), "stdout lacks \"Manufacturer: c8\"");
    E2E_CHECK(t, case_stdout_has(t, "Device: 4015"), "stdout lacks \"Device: 4015\"");
    E2E_CHECK(t, case_stdout_has(t, "Detected flash size: 2MB"),
              "stdout lacks \"Detected flash size: 2MB\"");
    e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "flash_id"));
    if (!e2e_expect_result(t, __LINE__, "flash_id")) {
        return false;
    }
    const struct ej_value *r = e2e_last_event(t);
    E2E_CHECK(t,
              case_hex_eq(r, "flash_manufacturer", manufacturer) &&
                      case_hex_eq(r, "flash_device", device) && case_num_eq(r, "flash_size", size),
              "the result is not manufacturer 0xc8, device 0x4015, flash_size %.0f", size);
    return e2e_sim_quit(t, NULL);
}

static bool case_erase_flash(struct e2e *t)
{
    struct e2e_blob before = {0}, flash = {0}, want = {0};
    bool ok = false;
    if (!e2e_sim_start(t, E2E_PTY, "0", E2E_ARGS("--flash-state", "used")) ||
        !e2e_sim_dump(t, "before.bin", &before)) {
        goto done;
    }
    if (!dirty(before.data, before.len)) {
        e2e_fail(t, __LINE__, "the used board is blank: the case would prove nothing");
        goto done;
    }
    e2e_mflash(t, E2E_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "erase_flash"));
    if (!e2e_expect_result(t, __LINE__, "erase_flash") || !e2e_sim_quit(t, &flash) ||
        !e2e_blob_alloc(&want, before.len, 0xFF)) {
        goto done;
    }
    ok = e2e_expect_bytes(t, __LINE__, "flash after erase_flash", flash.data, flash.len, want.data,
                          want.len);
done:
    e2e_blob_free(&before);
    e2e_blob_free(&flash);
    e2e_blob_free(&want);
    return ok;
}

static bool case_erase_region(struct e2e *t)
{
    struct e2e_blob before = {0}, flash = {0}, want = {0};
    const size_t at = 0x1000, size = 0x2000;
    bool ok = false;
    if (!e2e_sim_start(t, E2E_PTY, "0", E2E_ARGS("--flash-state", "used")) ||
        !e2e_sim_dump(t, "before.bin", &before)) {
        goto done;
    }
    /* Every sector in and next to the region holds data, so a wrong erase shows. */
    for (size_t s = at - E2E_SECTOR; s < at + size + E2E_SECTOR; s += E2E_SECTOR) {
        if (!dirty(before.data + s, E2E_SECTOR)) {
            e2e_fail(t, __LINE__, "sector 0x%zX of the used board is blank", s);
            goto done;
        }
    }
    e2e_mflash(t, E2E_RUN_MS,
               E2E_ARGS("--json", "-p", E2E_PORT, "erase_region", "0x1000", "0x2000"));
    if (!e2e_expect_result(t, __LINE__, "erase_region") || !e2e_sim_quit(t, &flash) ||
        !e2e_blob_copy(&want, before.data, before.len)) {
        goto done;
    }
    memset(want.data + at, 0xFF, size);
    ok = e2e_expect_bytes(t, __LINE__, "flash after erase_region 0x1000 0x2000", flash.data,
                          flash.len, want.data, want.len);
done:
    e2e_blob_free(&before);
    e2e_blob_free(&flash);
    e2e_blob_free(&want);
    return ok;
}

static bool case_erase_region_unaligned(struct e2e *t)
{
    if (!e2e_sim_start(t, E2E_PTY, "0", NULL)) {
        return false;
    }
    e2e_mflash(t, E2E_SHORT_RUN_MS,
               E2E_ARGS("--json", "-p", E2E_PORT, "erase_region", "0x1800", "0x1000"));
    return e2e_expect_error(t, __LINE__, 2, "argument") && board_untouched(t, __LINE__, true) &&
           e2e_sim_quit(t, NULL);
}

static bool case_read_flash(struct e2e *t)
{
    struct e2e_blob flash = {0}, got = {0};
    char path[E2E_PATH_MAX];
    bool ok = false;
    if (!e2e_sim_start(t, E2E_PTY, "0", E2E_ARGS("--flash-state", "used"))) {
        goto done;
    }
    e2e_mflash(t, E2E_RUN_MS,
               E2E_ARGS("--json", "-p", E2E_PORT, "read_flash", "0", "0x2000", "read.bin"));
    if (!e2e_expect_result(t, __LINE__, "read_flash")) {
        goto done;
    }
    if (!case_num_eq(e2e_last_event(t), "bytes", 0x2000)) {
        e2e_fail(t, __LINE__, "the result does not say \"bytes\":8192");
        goto done;
    }
    e2e_path(t, "read.bin", path);
    if (!e2e_read_file(path, &got)) {
        e2e_fail(t, __LINE__, "read_flash wrote no %s", path);
        goto done;
    }
    if (!e2e_sim_quit(t, &flash) || flash.len < 0x2000) {
        goto done;
    }
    ok = e2e_expect_bytes(t, __LINE__, "read.bin", got.data, got.len, flash.data, 0x2000);
done:
    e2e_blob_free(&flash);
    e2e_blob_free(&got);
    return ok;
}

/* The board's flash chip delivered at least `bytes` (STATS flash.read). */
static bool flash_was_read(struct e2e *t, int line, double bytes)
{
    double read = 0;
    if (!e2e_sim_number(t, "flash.read.bytes", &read)) {
        return false;
    }
    if (read < bytes) {
        e2e_fail(t, line, "the flash chip delivered %.0f bytes, less than the %.0f compared", read,
                 bytes);
        return false;
    }
    return true;
}

/* verify_flash of one sector of the used board (optionally with one bit changed): the first
 * sector past 0x0 that holds data and does not start like an image. */
static bool verify_case(struct e2e *t, bool spoil)
{
    struct e2e_blob before = {0}, part = {0}, flash = {0};
    char offset[24];
    size_t at = 0;
    bool ok = false;
    if (!e2e_sim_start(t, E2E_PTY, "0", E2E_ARGS("--flash-state", "used")) ||
        !e2e_sim_dump(t, "before.bin", &before)) {
        goto done;
    }
    for (size_t s = E2E_SECTOR; s + E2E_SECTOR <= before.len && at == 0; s += E2E_SECTOR) {
        uint8_t first = before.data[s];
        at = first != 0xE9 && first != 0xEA && dirty(before.data + s, E2E_SECTOR) ? s : 0;
    }
    if (at == 0 || !e2e_blob_copy(&part, before.data + at, E2E_SECTOR)) {
        e2e_fail(t, __LINE__, "the used board has no data sector to verify");
        goto done;
    }
    if (spoil) {
        part.data[0x123] ^= 0x01;
    }
    snprintf(offset, sizeof offset, "0x%zx", at);
    if (!e2e_put_file(t, "part.bin", &part)) {
        goto done;
    }
    e2e_mflash(t, E2E_RUN_MS,
               E2E_ARGS("--json", "-p", E2E_PORT, "verify_flash", offset, "part.bin"));
    if (spoil ? !e2e_expect_error(t, __LINE__, 6, "verify")
              : !e2e_expect_result(t, __LINE__, "verify_flash")) {
        goto done;
    }
    /* It read the sector from the flash chip, and verifying never writes. */
    if (!flash_was_read(t, __LINE__, E2E_SECTOR) || !e2e_sim_quit(t, &flash)) {
        goto done;
    }
    ok = e2e_expect_bytes(t, __LINE__, "flash after verify_flash", flash.data, flash.len,
                          before.data, before.len);
done:
    e2e_blob_free(&before);
    e2e_blob_free(&part);
    e2e_blob_free(&flash);
    return ok;
}

static bool case_verify_flash_match(struct e2e *t)
{
    return verify_case(t, false);
}

static bool case_verify_flash_mismatch(struct e2e *t)
{
    return verify_case(t, true);
}

/* Flash contents that happen to start with 0xE9 away from 0x0 (a piece of a flash dump, read back
 * with read_flash): verify_flash compares them, it has no image to check. */
static bool case_verify_flash_e9_data(struct e2e *t)
{
    struct e2e_blob flash_in = {0}, part = {0};
    char path[E2E_PATH_MAX];
    bool ok = e2e_blob_alloc(&flash_in, 3 * E2E_SECTOR, 0xFF) && e2e_fw_raw(&part, E2E_SECTOR, 40);
    if (ok) {
        part.data[0] = 0xE9;
        part.data[1] = 0x03;
        memcpy(flash_in.data + 2 * E2E_SECTOR, part.data, part.len);
        ok = e2e_put_file(t, "flash-in.bin", &flash_in) && e2e_put_file(t, "part.bin", &part);
    }
    e2e_blob_free(&flash_in);
    e2e_blob_free(&part);
    e2e_path(t, "flash-in.bin", path);
    if (!ok || !e2e_sim_start(t, E2E_PTY, "0", E2E_ARGS("--flash-in", path))) {
        return false;
    }
    e2e_mflash(t, E2E_RUN_MS,
               E2E_ARGS("--json", "-p", E2E_PORT, "verify_flash", "0x2000", "part.bin"));
    return e2e_expect_result(t, __LINE__, "verify_flash") &&
           flash_was_read(t, __LINE__, E2E_SECTOR) && e2e_sim_quit(t, NULL);
}

static bool case_run(struct e2e *t)
{
    struct ej_value *stats = NULL;
    bool flash_end = false;
    if (!e2e_sim_start(t, E2E_PTY, "0", E2E_ARGS("--flash-state", "used"))) {
        return false;
    }
    /* --after no_reset: only the run command itself may start the firmware. */
    e2e_mflash(t, E2E_SHORT_RUN_MS,
               E2E_ARGS("--json", "--after", "no_reset", "-p", E2E_PORT, "run"));
    if (!e2e_expect_result(t, __LINE__, "run") ||
        !e2e_sim_wait_state(t, E2E_ARGS("micropython", "app-start"), E2E_STATE_MS) ||
        (stats = e2e_sim_stats(t)) == NULL) {
        return false;
    }
    const struct ej_value *cmds = ej_path(stats, "commands");
    for (size_t i = 0; cmds != NULL && cmds->type == EJ_ARRAY && i < cmds->count; i++) {
        flash_end = flash_end || case_num_eq(cmds->items[i], "opcode", 0x04);
    }
    ej_free(stats);
    E2E_CHECK(t, flash_end, "the board never received FLASH_END (0x04)");
    return e2e_sim_quit(t, NULL);
}

static bool case_image_info_v1(struct e2e *t)
{
    struct e2e_blob fw = {0};
    bool ok = e2e_fw_app(&fw, 1, 0x31, 30) && e2e_put_file(t, "fw.bin", &fw);
    size_t len = fw.len;
    uint8_t b2 = ok ? fw.data[2] : 0, b3 = ok ? fw.data[3] : 0;
    e2e_blob_free(&fw);
    if (!ok) {
        return false;
    }
    e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("image_info", "fw.bin"));
    if (!e2e_expect_status(t, __LINE__, 0)) {
        return false;
    }
    e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("--json", "image_info", "fw.bin"));
    if (!e2e_expect_result(t, __LINE__, "image_info")) {
        return false;
    }
    const struct ej_value *image = e2e_event(t, "image", 0);
    bool mp = true;
    E2E_CHECK(t,
              image != NULL && case_str_ieq(image, "format", "v1") &&
                      case_num_eq(image, "size", (double)len) &&
                      ej_path_bool(image, "micropython", &mp) && !mp &&
                      case_str_ieq(image, "flash_mode", mode_name(b2)) &&
                      case_str_ieq(image, "flash_size", size_name(b3)) &&
                      case_str_ieq(image, "flash_freq", freq_name(b3)),
              "no image event {format v1, size %zu, micropython false, %s, %s, %s}", len,
              mode_name(b2), size_name(b3), freq_name(b3));
    return true;
}

#define CASE_BANNER "MicroPython v1.23.0 on 2024-06-02; ESP module with ESP8266"

static bool case_image_info_micropython(struct e2e *t)
{
    struct e2e_blob good = {0}, bad = {0};
    bool ok = e2e_fw_micropython(&good, 48u * 1024u, CASE_BANNER, false) &&
              e2e_fw_micropython(&bad, 48u * 1024u, CASE_BANNER, true) &&
              e2e_put_file(t, "mpy.bin", &good) && e2e_put_file(t, "bad.bin", &bad);
    e2e_blob_free(&good);
    e2e_blob_free(&bad);
    if (!ok) {
        return false;
    }
    e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("--json", "image_info", "mpy.bin"));
    if (!e2e_expect_result(t, __LINE__, "image_info")) {
        return false;
    }
    const struct ej_value *image = e2e_event(t, "image", 0);
    bool mp = false, md5 = false;
    const char *fw = NULL;
    E2E_CHECK(t,
              image != NULL && ej_path_bool(image, "micropython", &mp) && mp &&
                      ej_path_bool(image, "md5_checked", &md5) && md5 &&
                      ej_path_string(image, "firmware", &fw) &&
                      strstr(fw, "MicroPython v1.23.0") != NULL,
              "no image event {micropython true, md5_checked true, firmware MicroPython v1.23.0}");
    e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("--json", "image_info", "bad.bin"));
    return e2e_expect_error(t, __LINE__, 3, "image");
}

static bool case_list_ports(struct e2e *t)
{
    char *names = NULL;
    size_t len = 0;
    bool ok = false;
    e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("--json", "list_ports"));
    if (!e2e_expect_status(t, __LINE__, 0)) {
        return false;
    }
    E2E_CHECK(t, t->json_problem[0] == '\0', "--json output broken: %s", t->json_problem);
    /* The port names, one per line, for the comparison with the human output. */
    FILE *list = open_memstream(&names, &len);
    E2E_CHECK(t, list != NULL, "out of memory");
    for (size_t i = 0; i < t->n_events; i++) {
        const char *kind = NULL, *name = NULL;
        bool likely = false;
        ej_path_string(t->events[i], "event", &kind);
        if (strcmp(kind, "port") == 0) {
            if (!ej_path_string(t->events[i], "name", &name) || name[0] == '\0' ||
                !ej_path_bool(t->events[i], "likely_esp", &likely)) {
                e2e_fail(t, __LINE__, "port event %zu lacks a name or likely_esp", i + 1);
                goto done;
            }
            fprintf(list, "%s\n", name);
        } else if (strcmp(kind, "result") == 0
                           ? !case_str_ieq(t->events[i], "command", "list_ports")
                           : strcmp(kind, "log") != 0) {
            e2e_fail(t, __LINE__, "list_ports printed a \"%s\" event of another command", kind);
            goto done;
        }
    }
    fflush(list);
    /* The human output lists the same ports. */
    e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("list_ports"));
    if (!e2e_expect_status(t, __LINE__, 0)) {
        goto done;
    }
    for (char *name = strtok(names, "\n"); name != NULL; name = strtok(NULL, "\n")) {
        if (!case_stdout_has(t, name)) {
            e2e_fail(t, __LINE__, "the human output lacks port %s of the --json output", name);
            goto done;
        }
    }
    ok = true;
done:
    fclose(list);
    free(names);
    return ok;
}

/* ---- connection diagnoses ---- */

static bool case_diag_no_data(struct e2e *t)
{
    if (!e2e_sim_start(t, E2E_PTY, "0", NULL) || !e2e_sim_control(t, "POWER OFF")) {
        return false;
    }
    e2e_mflash(t, E2E_SHORT_RUN_MS,
               E2E_ARGS("--json", "--connect-attempts", "2", "-p", E2E_PORT, "chip_id"));
    return e2e_expect_error(t, __LINE__, 4, "no-data") && e2e_sim_quit(t, NULL);
}

static bool case_diag_not_download_mode(struct e2e *t)
{
    if (!e2e_sim_start(t, E2E_PTY, "0", E2E_ARGS("--no-auto-reset", "--flash-state", "used"))) {
        return false;
    }
    e2e_mflash(t, E2E_SHORT_RUN_MS,
               E2E_ARGS("--json", "--connect-attempts", "2", "-p", E2E_PORT, "chip_id"));
    return e2e_expect_error(t, __LINE__, 4, "not-download-mode") && e2e_sim_quit(t, NULL);
}

static bool case_diag_manual_boot(struct e2e *t)
{
    const struct ej_value *ev = NULL;
    unsigned long id = 0;
    uint8_t mac[6];
    struct ej_value *stats = NULL;
    const char *mac_text = NULL;
    if (!e2e_sim_start(t, E2E_PTY, "0", E2E_ARGS("--no-auto-reset", "--flash-state", "used")) ||
        (stats = e2e_sim_stats(t)) == NULL) {
        return false;
    }
    bool have_id = ej_path_string(stats, "board.mac", &mac_text) && parse_mac(mac_text, mac) &&
                   chip_id_of(mac, &id);
    ej_free(stats);
    E2E_CHECK(t, have_id, "no usable board.mac in STATS");
    if (!e2e_mflash_start(t, E2E_ARGS("--json", "--connect-attempts", "2", "--wait", "30", "-p",
                                      E2E_PORT, "chip_id"))) {
        return false;
    }
    uint64_t deadline = e2e_now_ms() + E2E_SHORT_RUN_MS;
    while ((ev = e2e_mflash_next_event(t, deadline)) != NULL) {
        if (case_str_ieq(ev, "event", "progress") && case_str_ieq(ev, "stage", "manual_boot")) {
            break;
        }
        if (case_str_ieq(ev, "event", "result") || case_str_ieq(ev, "event", "error")) {
            e2e_mflash_finish(t, E2E_SHORT_RUN_MS);
            e2e_fail(t, __LINE__, "mflash ended before asking for the FLASH button");
            return false;
        }
    }
    if (ev == NULL) {
        e2e_fail(t, __LINE__, "no progress event with stage manual_boot within %u s",
                 (unsigned)(E2E_SHORT_RUN_MS / 1000u));
        e2e_mflash_finish(t, 1); /* stops it: the output so far is shown above */
        return false;
    }
    /* What a person does: hold FLASH, tap RESET, let go. */
    if (!e2e_sim_control(t, "BOOT DOWN") || !e2e_sim_control(t, "RESET") ||
        !e2e_sim_control(t, "BOOT UP")) {
        return false;
    }
    e2e_mflash_finish(t, E2E_SHORT_RUN_MS);
    if (!e2e_expect_result(t, __LINE__, "chip_id")) {
        return false;
    }
    E2E_CHECK(t, case_hex_eq(e2e_last_event(t), "chip_id", id),
              "the result's chip_id is not 0x%08lx", id);
    return e2e_sim_quit(t, NULL);
}

static bool case_diag_port_busy(struct e2e *t)
{
    if (!e2e_sim_start(t, E2E_PTY, "0", NULL) || !e2e_hold_port_busy(t)) {
        return false;
    }
    e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "chip_id"));
    return e2e_expect_error(t, __LINE__, 5, "port-busy") && board_untouched(t, __LINE__, false) &&
           e2e_sim_quit(t, NULL);
}

static bool case_diag_port_not_found(struct e2e *t)
{
    e2e_path(t, "no-such-port", t->port);
    e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "chip_id"));
    return e2e_expect_error(t, __LINE__, 5, "port-not-found");
}

static bool case_diag_port_gone(struct e2e *t)
{
    struct e2e_blob fw = {0};
    bool unplugged = false;
    bool ok = e2e_fw_app(&fw, 0, 0x40, 31) && e2e_put_file(t, "fw.bin", &fw);
    e2e_blob_free(&fw);
    if (!ok || !e2e_sim_start(t, E2E_PTY, "0", E2E_ARGS("--fault", "unplug:at=20000"))) {
        return false;
    }
    e2e_mflash(t, E2E_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "write_flash", "0", "fw.bin"));
    if (!e2e_expect_error(t, __LINE__, 5, "port-gone")) {
        return false;
    }
    struct ej_value *stats = e2e_sim_stats(t);
    ok = stats != NULL && ej_path_bool(stats, "board.unplugged", &unplugged) && unplugged;
    ej_free(stats);
    E2E_CHECK(t, ok, "the simulator does not report the unplug");
    return e2e_sim_quit(t, NULL);
}

/* ---- refused files: exit 3 before the port is opened ---- */

static bool refused(struct e2e *t, const char *const *files)
{
    const char *args[E2E_ARGS_MAX];
    size_t n = 0;
    const char *head[] = {"--json", "-p", E2E_PORT, "write_flash"};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) {
        args[n++] = head[i];
    }
    for (size_t i = 0; files[i] != NULL; i++) {
        args[n++] = files[i];
    }
    args[n] = NULL;
    if (!e2e_sim_start(t, E2E_PTY, "0", NULL)) {
        return false;
    }
    e2e_mflash(t, E2E_SHORT_RUN_MS, args);
    return e2e_expect_error(t, __LINE__, 3, "image") && board_untouched(t, __LINE__, true) &&
           e2e_sim_quit(t, NULL);
}

static bool refused_blob(struct e2e *t, bool made, struct e2e_blob *b, const char *offset)
{
    bool ok = made && e2e_put_file(t, "bad.bin", b);
    e2e_blob_free(b);
    return ok && refused(t, E2E_ARGS(offset, "bad.bin"));
}

static bool case_refuse_empty(struct e2e *t)
{
    struct e2e_blob b = {0};
    return refused_blob(t, e2e_blob_alloc(&b, 0, 0), &b, "0");
}

static bool case_refuse_html(struct e2e *t)
{
    static const char page[] = "<!DOCTYPE html>\n<html lang=\"en\"><head><title>Download "
                               "MicroPython</title></head>\n<body>Firmware for ESP8266</body>"
                               "</html>\n";
    struct e2e_blob b = {0};
    return refused_blob(t, e2e_blob_copy(&b, (const uint8_t *)page, sizeof page - 1), &b, "0");
}

static bool case_refuse_esp32(struct e2e *t)
{
    struct e2e_blob b = {0};
    return refused_blob(t, e2e_fw_esp32(&b), &b, "0");
}

static bool case_refuse_too_big(struct e2e *t)
{
    /* A valid V1 image longer than the 16 MiB an ESP8266 can address. */
    static const struct e2e_segment segs[] = {{0x40100000u, 0xFFFFF0u}, {0x3FFE8000u, 0x10000u}};
    struct e2e_blob b = {0};
    return refused_blob(t, e2e_fw_v1(&b, segs, 2, 0, 0x40, 32), &b, "0");
}

static bool case_refuse_bad_md5(struct e2e *t)
{
    struct e2e_blob b = {0};
    return refused_blob(t, e2e_fw_micropython(&b, 48u * 1024u, CASE_BANNER, true), &b, "0");
}

static bool case_refuse_unaligned(struct e2e *t)
{
    struct e2e_blob b = {0};
    return refused_blob(t, e2e_fw_raw(&b, 4096, 33), &b, "0x101800");
}

static bool case_refuse_overlap(struct e2e *t)
{
    struct e2e_blob fw = {0}, data = {0};
    bool ok = e2e_fw_app(&fw, 0, 0x40, 34) && e2e_fw_raw(&data, 8192, 35) &&
              e2e_put_file(t, "fw.bin", &fw) && e2e_put_file(t, "data.bin", &data);
    e2e_blob_free(&fw);
    e2e_blob_free(&data);
    /* fw.bin covers 0x0-0x9430: data at 0x8000 overlaps it */
    return ok && refused(t, E2E_ARGS("0", "fw.bin", "0x8000", "data.bin"));
}

/* Bigger than this board's flash (known only after connecting): refused, flash unchanged. */
static bool case_refuse_bigger_than_board(struct e2e *t)
{
    static const struct e2e_segment segs[] = {{0x40100000u, 0x140000u}};
    struct e2e_blob fw = {0}, before = {0}, flash = {0};
    double programs = -1, sectors = -1, blocks = -1;
    bool ok = e2e_fw_v1(&fw, segs, 1, 0, 0x20, 36) && e2e_put_file(t, "big.bin", &fw) &&
              e2e_sim_start(t, E2E_PTY, "0",
                            E2E_ARGS("--flash-size", "1M", "--flash-state", "used")) &&
              e2e_sim_dump(t, "before.bin", &before);
    if (ok) {
        e2e_mflash(t, E2E_RUN_MS,
                   E2E_ARGS("--json", "-p", E2E_PORT, "write_flash", "0", "big.bin"));
        ok = e2e_expect_error(t, __LINE__, 3, "image") &&
             e2e_sim_number(t, "flash.program.count", &programs) &&
             e2e_sim_number(t, "flash.erase_sector.count", &sectors) &&
             e2e_sim_number(t, "flash.erase_64k.count", &blocks);
    }
    if (ok && (programs != 0 || sectors != 0 || blocks != 0)) {
        e2e_fail(t, __LINE__,
                 "the flash was changed: %.0f programs, %.0f sector erases, %.0f "
                 "block erases",
                 programs, sectors, blocks);
        ok = false;
    }
    ok = ok && e2e_sim_quit(t, &flash) &&
         e2e_expect_bytes(t, __LINE__, "flash", flash.data, flash.len, before.data, before.len);
    e2e_blob_free(&fw);
    e2e_blob_free(&before);
    e2e_blob_free(&flash);
    return ok;
}

static const struct e2e_case COMMAND_CASES[] = {
        {"chip_id", case_chip_id, true},
        {"read_mac", case_read_mac, false},
        {"flash_id", case_flash_id, false},
        {"erase_flash", case_erase_flash, false},
        {"erase_region", case_erase_region, false},
        {"erase_region_unaligned", case_erase_region_unaligned, false},
        {"read_flash", case_read_flash, false},
        {"verify_flash_match", case_verify_flash_match, false},
        {"verify_flash_mismatch", case_verify_flash_mismatch, false},
        {"verify_flash_e9_data", case_verify_flash_e9_data, false},
        {"run", case_run, false},
        {"image_info_v1", case_image_info_v1, false},
        {"image_info_micropython", case_image_info_micropython, false},
        {"list_ports", case_list_ports, false},
        {"diag_no_data", case_diag_no_data, false},
        {"diag_not_download_mode", case_diag_not_download_mode, false},
        {"diag_manual_boot", case_diag_manual_boot, false},
        {"diag_port_busy", case_diag_port_busy, false},
        {"diag_port_not_found", case_diag_port_not_found, false},
        {"diag_port_gone", case_diag_port_gone, false},
        {"refuse_empty", case_refuse_empty, false},
        {"refuse_html", case_refuse_html, false},
        {"refuse_esp32", case_refuse_esp32, false},
        {"refuse_too_big", case_refuse_too_big, false},
        {"refuse_bad_md5", case_refuse_bad_md5, false},
        {"refuse_unaligned", case_refuse_unaligned, false},
        {"refuse_overlap", case_refuse_overlap, false},
        {"refuse_bigger_than_board", case_refuse_bigger_than_board, false},
};

const struct e2e_case *e2e_command_cases(size_t *count)
{
    *count = sizeof COMMAND_CASES / sizeof COMMAND_CASES[0];
    return COMMAND_CASES;
}
