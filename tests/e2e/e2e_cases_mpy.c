/* SPDX-License-Identifier: MIT */
/* End-to-end cases for mflash's MicroPython commands: fs put/ls/get/rm of a 20 KB binary file
 * (checked against the board's own copy through FS-OUT), their errors and exit codes, and repl
 * with piped standard input (a program's output, Ctrl-C interrupting a loop). */
#define _GNU_SOURCE
#include "e2e_cases.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FS_FILE_LEN  (20u * 1024u)
#define FS_SEED      0x20CAFEu
#define FS_CHUNK     512u /* src/mpy's put: data bytes per program */
#define BOOT_PY_SIZE 228.0

static const char *const USED_BOARD[] = {"--flash-state", "used", NULL};

/* The board's file REMOTE (FS-OUT into dir/name); false when the simulator has none. */
static bool board_file(struct e2e *t, const char *remote, const char *name, struct e2e_blob *out)
{
    char path[E2E_PATH_MAX], cmd[2 * E2E_PATH_MAX];
    e2e_path(t, name, path);
    snprintf(cmd, sizeof cmd, "FS-OUT %s %s", remote, path);
    char *reply = simtest_control(&t->sim, cmd);
    bool ok = reply != NULL && strcmp(reply, "OK") == 0 && e2e_read_file(path, out);
    free(reply);
    return ok;
}

/* The "file" event of `fs ls --json` named `name`, or NULL. */
static const struct ej_value *listed(const struct e2e *t, const char *name)
{
    const struct ej_value *v = NULL;
    for (size_t i = 0; (v = e2e_event(t, "file", i)) != NULL; i++) {
        const char *n = NULL;
        if (ej_path_string(v, "name", &n) && strcmp(n, name) == 0) {
            return v;
        }
    }
    return NULL;
}

/* The last progress event of `stage` reached total bytes. */
static bool progress_done(const struct e2e *t, const char *stage, double total)
{
    const struct ej_value *last = NULL, *p = NULL;
    for (size_t i = 0; (p = e2e_event(t, "progress", i)) != NULL; i++) {
        last = case_str_ieq(p, "stage", stage) ? p : last;
    }
    return last != NULL && case_num_eq(last, "done", total) && case_num_eq(last, "total", total);
}

static bool stdout_has_exact(const struct e2e *t, const char *needle)
{
    return t->run.out.data != NULL && strstr(t->run.out.data, needle) != NULL;
}

/* ---- fs ---- */

static bool case_fs_roundtrip(struct e2e *t)
{
    struct e2e_blob data = {0}, on_board = {0}, back = {0};
    double sessions = 0, violations = -1;
    bool ok = e2e_blob_alloc(&data, FS_FILE_LEN, 0);
    E2E_CHECK(t, ok, "out of memory");
    test_pattern(data.data, data.len, FS_SEED);
    ok = e2e_put_file(t, "data.bin", &data) && e2e_sim_start(t, E2E_PTY, "0", USED_BOARD);

    if (ok) {
        e2e_mflash(t, E2E_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "fs", "put", "data.bin"));
        ok = e2e_expect_result(t, __LINE__, "fs");
    }
    if (ok && (!case_str_ieq(e2e_last_event(t), "remote", "/data.bin") ||
               !case_num_eq(e2e_last_event(t), "bytes", FS_FILE_LEN) ||
               !progress_done(t, "write", FS_FILE_LEN))) {
        e2e_fail(t, __LINE__,
                 "put: no result for /data.bin with %u bytes, or no write progress "
                 "to the end",
                 FS_FILE_LEN);
        ok = false;
    }
    ok = ok && e2e_sim_number(t, "repl.raw_paste_sessions", &sessions) &&
         e2e_sim_number(t, "repl.window_violations", &violations);
    if (ok && (sessions < (double)(FS_FILE_LEN / FS_CHUNK) || violations != 0)) {
        e2e_fail(t, __LINE__,
                 "put: %.0f raw-paste sessions (expected at least %u), %.0f window "
                 "violations",
                 sessions, FS_FILE_LEN / FS_CHUNK, violations);
        ok = false;
    }
    if (ok && !board_file(t, "/data.bin", "on_board.bin", &on_board)) {
        e2e_fail(t, __LINE__, "FS-OUT /data.bin failed: the board has no such file");
        ok = false;
    }
    ok = ok && e2e_expect_bytes(t, __LINE__, "the board's /data.bin", on_board.data, on_board.len,
                                data.data, data.len);

    if (ok) {
        e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("-p", E2E_PORT, "fs", "ls"));
        ok = e2e_expect_status(t, __LINE__, 0);
    }
    if (ok && (!stdout_has_exact(t, "     20480  data.bin\n") || !case_stdout_has(t, "boot.py"))) {
        e2e_fail(t, __LINE__, "fs ls does not show '     20480  data.bin' and boot.py");
        ok = false;
    }
    if (ok) {
        e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "fs", "ls", "/"));
        ok = e2e_expect_result(t, __LINE__, "fs");
    }
    const struct ej_value *f = ok ? listed(t, "data.bin") : NULL;
    const struct ej_value *boot = ok ? listed(t, "boot.py") : NULL;
    bool dir = true;
    if (ok && (f == NULL || !case_num_eq(f, "size", FS_FILE_LEN) || !ej_path_bool(f, "dir", &dir) ||
               dir || boot == NULL || !case_num_eq(boot, "size", BOOT_PY_SIZE))) {
        e2e_fail(t, __LINE__, "fs ls --json: no file events data.bin (20480) and boot.py (228)");
        ok = false;
    }

    if (ok) {
        e2e_mflash(t, E2E_RUN_MS,
                   E2E_ARGS("--json", "-p", E2E_PORT, "fs", "get", "/data.bin", "back.bin"));
        ok = e2e_expect_result(t, __LINE__, "fs");
    }
    if (ok && (!case_str_ieq(e2e_last_event(t), "file", "back.bin") ||
               !case_num_eq(e2e_last_event(t), "bytes", FS_FILE_LEN) ||
               !progress_done(t, "read", FS_FILE_LEN))) {
        e2e_fail(t, __LINE__, "get: no result for back.bin with 20480 bytes");
        ok = false;
    }
    char path[E2E_PATH_MAX];
    e2e_path(t, "back.bin", path);
    if (ok && !e2e_read_file(path, &back)) {
        e2e_fail(t, __LINE__, "fs get wrote no %s", path);
        ok = false;
    }
    ok = ok && e2e_expect_bytes(t, __LINE__, "back.bin", back.data, back.len, data.data, data.len);

    if (ok) {
        e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("-p", E2E_PORT, "fs", "rm", "/data.bin"));
        ok = e2e_expect_status(t, __LINE__, 0);
    }
    if (ok && !case_stdout_has(t, "Removed /data.bin.")) {
        e2e_fail(t, __LINE__, "fs rm did not say 'Removed /data.bin.'");
        ok = false;
    }
    if (ok) {
        e2e_mflash(t, E2E_SHORT_RUN_MS,
                   E2E_ARGS("--json", "-p", E2E_PORT, "fs", "get", "/data.bin"));
        ok = e2e_expect_error(t, __LINE__, 3, "no-file");
    }
    e2e_blob_free(&on_board);
    if (ok && board_file(t, "/data.bin", "gone.bin", &on_board)) {
        e2e_fail(t, __LINE__, "the board still has /data.bin after fs rm");
        ok = false;
    }
    ok = ok && e2e_sim_quit(t, NULL);
    e2e_blob_free(&data);
    e2e_blob_free(&on_board);
    e2e_blob_free(&back);
    return ok;
}

static bool case_fs_errors(struct e2e *t)
{
    static const struct e2e_blob small = {(uint8_t *)"print('hi')\n", 12};
    double from_client = -1;
    bool ok = e2e_put_file(t, "main.py", &small) && e2e_sim_start(t, E2E_PTY, "0", USED_BOARD);

    /* a local file that is not there: the board is not touched */
    if (ok) {
        e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "fs", "put", "nope.py"));
        ok = e2e_expect_error(t, __LINE__, 3, "image") &&
             e2e_sim_number(t, "host.bytes_from_client", &from_client);
    }
    if (ok && from_client != 0) {
        e2e_fail(t, __LINE__, "%.0f bytes reached the board for a missing local file", from_client);
        ok = false;
    }
    /* command lines */
    if (ok) {
        e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "fs", "frob"));
        ok = e2e_expect_error(t, __LINE__, 2, "argument");
    }
    if (ok) {
        e2e_mflash(t, E2E_SHORT_RUN_MS,
                   E2E_ARGS("--json", "-p", E2E_PORT, "fs", "rm", "/a.py", "/b.py"));
        ok = e2e_expect_error(t, __LINE__, 2, "argument");
    }
    if (ok) {
        e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "repl"));
        ok = e2e_expect_error(t, __LINE__, 2, "argument");
    }
    /* a folder that does not exist on the board */
    if (ok) {
        e2e_mflash(t, E2E_SHORT_RUN_MS,
                   E2E_ARGS("--json", "-p", E2E_PORT, "fs", "put", "main.py", "/lib/main.py"));
        ok = e2e_expect_error(t, __LINE__, 3, "no-file");
    }
    if (ok && !stdout_has_exact(t, "/lib/main.py")) {
        e2e_fail(t, __LINE__, "the error does not name /lib/main.py");
        ok = false;
    }
    /* the default REMOTE is /NAME, and the board stays usable */
    if (ok) {
        e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "fs", "put", "main.py"));
        ok = e2e_expect_result(t, __LINE__, "fs") &&
             case_str_ieq(e2e_last_event(t), "remote", "/main.py");
        E2E_CHECK(t, ok, "fs put main.py did not go to /main.py");
    }
    ok = ok && e2e_sim_quit(t, NULL);

    /* no MicroPython on a blank board: could not connect (4), no-repl */
    ok = ok && e2e_sim_start(t, E2E_PTY, "0", NULL);
    if (ok) {
        e2e_mflash(t, E2E_SHORT_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "fs", "ls"));
        ok = e2e_expect_error(t, __LINE__, 4, "no-repl");
    }
    return ok && e2e_sim_quit(t, NULL);
}

/* The case that also runs under Wine: mflash.exe lists the files of a used board. */
static bool case_fs_ls(struct e2e *t)
{
    bool ok = e2e_sim_start(t, E2E_PTY, "0", USED_BOARD);
    if (ok) {
        e2e_mflash(t, E2E_RUN_MS, E2E_ARGS("--json", "-p", E2E_PORT, "fs", "ls"));
        ok = e2e_expect_result(t, __LINE__, "fs");
    }
    const struct ej_value *boot = ok ? listed(t, "boot.py") : NULL;
    E2E_CHECK(t, !ok || (boot != NULL && case_num_eq(boot, "size", BOOT_PY_SIZE)),
              "fs ls --json has no file event for boot.py of 228 bytes");
    return ok && e2e_sim_quit(t, NULL);
}

/* ---- repl ---- */

/* REPL LAST is exactly `json` (a JSON string with its quotes). */
static bool last_program_is(struct e2e *t, int line, const char *json)
{
    char want[256];
    char *reply = simtest_control(&t->sim, "REPL LAST");
    snprintf(want, sizeof want, "OK %s", json);
    bool ok = reply != NULL && strcmp(reply, want) == 0;
    if (!ok) {
        e2e_fail(t, line, "REPL LAST: %s, expected %s", reply != NULL ? reply : "(no reply)", want);
    }
    free(reply);
    return ok;
}

static bool case_repl_pipe(struct e2e *t)
{
    static const char INPUT[] = "print(6*7)\r";
    bool ok = e2e_sim_start(t, E2E_PTY, "0", USED_BOARD);
    /* Typed before MicroPython's REPL is up, the bytes would go to the booting chip. */
    ok = ok && e2e_sim_wait_state(t, E2E_ARGS("micropython"), E2E_STATE_MS);
    if (ok) {
        e2e_mflash_input(t, E2E_SHORT_RUN_MS, INPUT, strlen(INPUT),
                         E2E_ARGS("-p", E2E_PORT, "repl"));
        ok = e2e_expect_status(t, __LINE__, 0);
    }
    if (ok && (!stdout_has_exact(t, "print(6*7)\r\n42\r\n>>> ") ||
               strstr(t->run.err.data != NULL ? t->run.err.data : "", "Ctrl-] to quit.") == NULL)) {
        e2e_fail(t, __LINE__,
                 "repl: no echo, 42 and prompt on stdout, or no 'Ctrl-] to quit.' on "
                 "stderr");
        ok = false;
    }
    ok = ok && last_program_is(t, __LINE__, "\"print(6*7)\"");
    return ok && e2e_sim_quit(t, NULL);
}

static bool case_repl_interrupt(struct e2e *t)
{
    static const char INPUT[] = "while True:\r pass\r\r\x03";
    double interrupts = -1;
    bool ok = e2e_sim_start(t, E2E_PTY, "0", USED_BOARD);
    /* Typed before MicroPython's REPL is up, the bytes would go to the booting chip. */
    ok = ok && e2e_sim_wait_state(t, E2E_ARGS("micropython"), E2E_STATE_MS);
    if (ok) {
        e2e_mflash_input(t, E2E_SHORT_RUN_MS, INPUT, strlen(INPUT),
                         E2E_ARGS("-p", E2E_PORT, "repl", "--quiet-ms", "300"));
        ok = e2e_expect_status(t, __LINE__, 0) &&
             e2e_sim_number(t, "repl.keyboard_interrupts", &interrupts);
    }
    if (ok && (!stdout_has_exact(t, "KeyboardInterrupt: \r\n>>> ") || interrupts != 1)) {
        e2e_fail(t, __LINE__, "repl: Ctrl-C did not interrupt the loop (%.0f interrupts)",
                 interrupts);
        ok = false;
    }
    return ok && e2e_sim_quit(t, NULL);
}

static const struct e2e_case MPY_CASES[] = {
        {"fs_roundtrip", case_fs_roundtrip, false},
        {"fs_errors", case_fs_errors, false},
        {"fs_ls", case_fs_ls, true},
        {"repl_pipe", case_repl_pipe, false},
        {"repl_interrupt", case_repl_interrupt, false},
};

const struct e2e_case *e2e_mpy_cases(size_t *count)
{
    *count = sizeof MPY_CASES / sizeof MPY_CASES[0];
    return MPY_CASES;
}
