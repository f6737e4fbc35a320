/* SPDX-License-Identifier: MIT */
/* src/mpy against esp8266-sim over a vserial pty: raw REPL in and out, programs in raw-paste and
 * plain raw mode, tracebacks, a 20 KB binary file put/get/list/remove, soft reset, errors
 * (no REPL, missing files, full filesystem, unplug mid-put, a silent board) and cancellation. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpy.h"
#include "simtest.h"
#include "testutil.h"

#define BAUD          115200u
#define FILE_20K      (20u * 1024u)
#define PATTERN_SEED  0x5EEDu
#define SHORT_TIMEOUT 600u /* ms: a board that does not answer */

struct env {
    const char *sim;
    char dir[64];
};

/* One simulated board with MicroPython running, and a session on it. */
struct board {
    struct simtest_proc proc;
    char tty[128];
    struct port *port;
    struct mpy *m;
};

static void board_start(struct env *env, struct board *b, const char *scale,
                        const char *const *extra)
{
    const char *args[16];
    size_t n = 0;
    memset(b, 0, sizeof *b);
    snprintf(b->tty, sizeof b->tty, "%s/tty", env->dir);
    args[n++] = "--pty";
    args[n++] = b->tty;
    args[n++] = "--time-scale";
    args[n++] = scale;
    args[n++] = "--flash-state";
    args[n++] = "used";
    for (size_t i = 0; extra != NULL && extra[i] != NULL && n + 1 < 16; i++) {
        args[n++] = extra[i];
    }
    args[n] = NULL;
    assert_int_equal(simtest_start(&b->proc, env->sim, args), 0);
}

static void board_open(struct board *b, const struct mpy_options *o)
{
    struct port_error pe;
    int rc = port_open(b->tty, BAUD, &b->port, &pe);
    if (rc != PORT_OK) {
        fprintf(stderr, "port_open: %s\n", pe.message);
    }
    assert_int_equal(rc, PORT_OK);
    b->m = mpy_new(b->port, o);
    assert_non_null(b->m);
}

static void board_up(struct env *env, struct board *b, const struct mpy_options *o)
{
    board_start(env, b, "0", NULL);
    board_open(b, o);
}

static void board_stop(struct board *b)
{
    mpy_free(b->m);
    port_close(b->port);
    assert_int_equal(simtest_quit(&b->proc), 0);
}

static uint64_t repl_stat(struct board *b, const char *key)
{
    uint64_t v = UINT64_MAX;
    char *stats = simtest_control(&b->proc, "STATS");
    assert_non_null(stats);
    assert_true(simtest_json_u64(stats, "repl", key, &v));
    free(stats);
    return v;
}

/* The REPL's mode as STATS reports it ("raw", "friendly" ...). */
static bool repl_mode_is(struct board *b, const char *mode)
{
    char want[64];
    char *stats = simtest_control(&b->proc, "STATS");
    assert_non_null(stats);
    snprintf(want, sizeof want, "\"repl\":{\"mode\":\"%s\"", mode);
    bool ok = strstr(stats, want) != NULL;
    if (!ok) {
        fprintf(stderr, "expected %s in: %s\n", want, strstr(stats, "\"repl\":"));
    }
    free(stats);
    return ok;
}

/* REPL LAST decoded (each \u00XX is one byte); malloc'd. */
static char *repl_last(struct board *b, size_t *len)
{
    char *reply = simtest_control(&b->proc, "REPL LAST");
    assert_non_null(reply);
    assert_memory_equal(reply, "OK \"", 4);
    char *out = malloc(strlen(reply) + 1);
    size_t n = 0;
    assert_non_null(out);
    for (const char *p = reply + 4; *p != '"'; p++) {
        assert_true(*p != '\0');
        if (*p != '\\') {
            out[n++] = *p;
            continue;
        }
        p++;
        switch (*p) {
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case 'u': {
            unsigned v = 0;
            assert_int_equal(sscanf(p + 1, "%4x", &v), 1);
            out[n++] = (char)v;
            p += 4;
            break;
        }
        default: out[n++] = *p; break;
        }
    }
    free(reply);
    out[n] = '\0';
    *len = n;
    return out;
}

/* The board's file (FS-OUT) or NULL when the simulator says it has none. */
static uint8_t *board_file(struct env *env, struct board *b, const char *remote, size_t *len)
{
    char path[128], cmd[256];
    snprintf(path, sizeof path, "%s/fs-out.bin", env->dir);
    snprintf(cmd, sizeof cmd, "FS-OUT %s %s", remote, path);
    char *reply = simtest_control(&b->proc, cmd);
    assert_non_null(reply);
    bool ok = strcmp(reply, "OK") == 0;
    free(reply);
    uint8_t *data = ok ? simtest_read_file(path, len) : NULL;
    unlink(path);
    return data;
}

static void expect_output(struct mpy *m, const char *code, const char *want)
{
    struct mpy_error e;
    char *out = NULL;
    size_t len = 0;
    int rc = mpy_exec(m, code, strlen(code), &out, &len, &e);
    if (rc != MPY_OK) {
        fprintf(stderr, "%s: %s\n", e.command, e.message);
    }
    assert_int_equal(rc, MPY_OK);
    assert_non_null(out);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    free(out);
}

/* ---- progress recorder ---- */

struct progress {
    unsigned calls;
    size_t last_done;
    size_t total;
    bool went_back;
    size_t stop_after; /* return false once done reaches this; 0 = never */
};

static bool progress_record(void *ctx, size_t done, size_t total)
{
    struct progress *p = ctx;
    p->went_back = p->went_back || done < p->last_done || (p->calls > 0 && total != p->total);
    p->calls++;
    p->last_done = done;
    p->total = total;
    return p->stop_after == 0 || done < p->stop_after;
}

static struct mpy_options progress_options(struct progress *p)
{
    struct mpy_options o;
    memset(p, 0, sizeof *p);
    mpy_options_default(&o);
    o.progress = progress_record;
    o.progress_ctx = p;
    return o;
}

/* ---- tests ---- */

static void test_raw_enter_leave(void **state)
{
    struct board b;
    struct mpy_error e;
    board_up(*state, &b, NULL);
    assert_int_equal(mpy_raw_enter(b.m, &e), MPY_OK);
    assert_true(repl_mode_is(&b, "raw"));
    assert_int_equal(mpy_raw_leave(b.m, &e), MPY_OK);
    assert_true(repl_mode_is(&b, "friendly"));
    /* entering again from the friendly REPL, and leaving through mpy_free */
    assert_int_equal(mpy_raw_enter(b.m, &e), MPY_OK);
    assert_true(repl_mode_is(&b, "raw"));
    mpy_free(b.m);
    b.m = NULL;
    assert_true(repl_mode_is(&b, "friendly"));
    board_stop(&b);
}

static void test_exec_raw_paste(void **state)
{
    struct board b;
    board_up(*state, &b, NULL);
    expect_output(b.m, "print(6*7)", "42\r\n");
    assert_true(mpy_used_raw_paste(b.m));
    /* several windows: the program arrives intact and the window is never exceeded */
    char code[3000];
    size_t n = 0;
    for (int i = 0; n + 40 < sizeof code; i++) {
        n += (size_t)snprintf(code + n, sizeof code - n, "x%d=%d\n", i, i * 7);
    }
    n += (size_t)snprintf(code + n, sizeof code - n, "print(x3+x100)");
    expect_output(b.m, code, "721\r\n");
    size_t last_len = 0;
    char *last = repl_last(&b, &last_len);
    assert_int_equal(last_len, n);
    assert_memory_equal(last, code, n);
    free(last);
    assert_int_equal(repl_stat(&b, "raw_paste_sessions"), 2);
    assert_true(repl_stat(&b, "raw_paste_grants") >= n / 128u);
    assert_int_equal(repl_stat(&b, "window_violations"), 0);
    board_stop(&b);
}

static void test_exec_plain_raw(void **state)
{
    struct board b;
    struct mpy_options o;
    mpy_options_default(&o);
    o.no_raw_paste = true;
    board_up(*state, &b, &o);
    char code[1200];
    size_t n = 0;
    for (int i = 0; n + 40 < sizeof code; i++) {
        n += (size_t)snprintf(code + n, sizeof code - n, "y%d='%d'\n", i, i);
    }
    n += (size_t)snprintf(code + n, sizeof code - n, "print(y1+y2, 'ok')");
    expect_output(b.m, code, "12 ok\r\n");
    assert_false(mpy_used_raw_paste(b.m));
    size_t last_len = 0;
    char *last = repl_last(&b, &last_len);
    assert_int_equal(last_len, n);
    assert_memory_equal(last, code, n);
    free(last);
    assert_int_equal(repl_stat(&b, "raw_paste_sessions"), 0);
    board_stop(&b);
}

static void test_exec_raises(void **state)
{
    struct board b;
    struct mpy_error e;
    char *out = NULL;
    size_t len = 0;
    static const char CODE[] = "print('before')\n1/0\n";
    board_up(*state, &b, NULL);
    assert_int_equal(mpy_exec(b.m, CODE, strlen(CODE), &out, &len, &e), MPY_ERR_PYTHON);
    assert_int_equal(e.status, MPY_ERR_PYTHON);
    assert_string_equal(e.message, "ZeroDivisionError: divide by zero");
    assert_string_equal(out, "before\r\n");
    free(out);
    /* the session goes on */
    expect_output(b.m, "print('after')", "after\r\n");
    /* a control character would be a REPL command: refused before anything is sent */
    assert_int_equal(mpy_exec(b.m, "print(1)\x04", 9, NULL, NULL, &e), MPY_ERR_ARG);
    board_stop(&b);
}

static void test_no_repl(void **state)
{
    struct env *env = *state;
    struct board b;
    struct mpy_error e;
    struct mpy_options o;
    memset(&b, 0, sizeof b);
    snprintf(b.tty, sizeof b.tty, "%s/tty", env->dir);
    const char *args[] = {"--pty", b.tty, "--time-scale", "0", "--flash-state", "blank", NULL};
    assert_int_equal(simtest_start(&b.proc, env->sim, args), 0);
    mpy_options_default(&o);
    o.timeout_ms = SHORT_TIMEOUT;
    board_open(&b, &o);
    uint64_t start = test_now_ms();
    assert_int_equal(mpy_raw_enter(b.m, &e), MPY_ERR_NO_REPL);
    assert_true(test_now_ms() - start < 4u * SHORT_TIMEOUT);
    assert_string_equal(e.command, "enter raw REPL");
    assert_non_null(strstr(e.message, "MicroPython"));
    assert_int_equal(mpy_exec(b.m, "print(1)", 8, NULL, NULL, &e), MPY_ERR_NO_REPL);
    board_stop(&b);
}

static void test_timeout_then_recover(void **state)
{
    struct board b;
    struct mpy_error e;
    struct mpy_options o;
    static const char LOOP[] = "while True:\n pass\n";
    mpy_options_default(&o);
    o.timeout_ms = SHORT_TIMEOUT;
    board_up(*state, &b, &o);
    assert_int_equal(mpy_exec(b.m, LOOP, strlen(LOOP), NULL, NULL, &e), MPY_ERR_TIMEOUT);
    assert_true(repl_mode_is(&b, "running"));
    /* the next call interrupts it (Ctrl-C) and carries on */
    expect_output(b.m, "print('back')", "back\r\n");
    assert_int_equal(repl_stat(&b, "keyboard_interrupts"), 1);
    board_stop(&b);
}

static void test_file_roundtrip(void **state)
{
    struct env *env = *state;
    struct board b;
    struct mpy_error e;
    struct progress p;
    struct mpy_options o = progress_options(&p);
    uint8_t *data = malloc(FILE_20K);
    bool seen[256] = {false};
    size_t distinct = 0;
    assert_non_null(data);
    test_pattern(data, FILE_20K, PATTERN_SEED);
    for (size_t i = 0; i < FILE_20K; i++) {
        distinct += seen[data[i]] ? 0u : 1u;
        seen[data[i]] = true;
    }
    assert_int_equal(distinct, 256);
    board_up(env, &b, &o);

    assert_int_equal(mpy_fs_put(b.m, "/data.bin", data, FILE_20K, &e), MPY_OK);
    assert_true(mpy_used_raw_paste(b.m));
    assert_true(p.calls >= FILE_20K / 512u);
    assert_int_equal(p.last_done, FILE_20K);
    assert_int_equal(p.total, FILE_20K);
    assert_false(p.went_back);
    assert_int_equal(repl_stat(&b, "window_violations"), 0);

    size_t len = 0;
    uint8_t *on_board = board_file(env, &b, "/data.bin", &len);
    assert_non_null(on_board);
    assert_int_equal(len, FILE_20K);
    assert_memory_equal(on_board, data, FILE_20K);
    free(on_board);

    void *got = NULL;
    memset(&p, 0, sizeof p);
    assert_int_equal(mpy_fs_get(b.m, "/data.bin", &got, &len, &e), MPY_OK);
    assert_int_equal(len, FILE_20K);
    assert_memory_equal(got, data, FILE_20K);
    assert_int_equal(p.last_done, FILE_20K);
    assert_false(p.went_back);
    free(got);

    struct mpy_entry *list = NULL;
    size_t count = 0;
    bool found = false;
    assert_int_equal(mpy_fs_list(b.m, "/", &list, &count, &e), MPY_OK);
    for (size_t i = 0; i < count; i++) {
        if (strcmp(list[i].name, "data.bin") == 0) {
            found = true;
            assert_false(list[i].is_dir);
            assert_int_equal(list[i].size, FILE_20K);
        }
        assert_true(i == 0 || strcmp(list[i - 1].name, list[i].name) < 0);
    }
    assert_true(found);
    assert_true(count >= 2); /* boot.py too */
    free(list);

    assert_int_equal(mpy_fs_remove(b.m, "/data.bin", &e), MPY_OK);
    assert_int_equal(mpy_fs_get(b.m, "/data.bin", &got, &len, &e), MPY_ERR_NOT_FOUND);
    assert_null(got);
    assert_string_equal(e.command, "get /data.bin");
    assert_non_null(strstr(e.message, "/data.bin"));
    assert_null(board_file(env, &b, "/data.bin", &len));
    assert_int_equal(mpy_fs_remove(b.m, "/data.bin", &e), MPY_ERR_NOT_FOUND);
    free(data);
    board_stop(&b);
}

static void test_file_names_and_errors(void **state)
{
    struct env *env = *state;
    struct board b;
    struct mpy_error e;
    struct mpy_entry *list = NULL;
    size_t count = 0, len = 0;
    void *got = NULL;
    static const char TEXT[] = "quote ' and \\ inside\n";
    board_up(env, &b, NULL);
    /* a name that needs escaping in the board-side program */
    assert_int_equal(mpy_fs_put(b.m, "/it's\\x.txt", TEXT, strlen(TEXT), &e), MPY_OK);
    uint8_t *on_board = board_file(env, &b, "/it's\\x.txt", &len);
    assert_non_null(on_board);
    assert_int_equal(len, strlen(TEXT));
    assert_memory_equal(on_board, TEXT, len);
    free(on_board);
    /* an empty file */
    assert_int_equal(mpy_fs_put(b.m, "/empty", "", 0, &e), MPY_OK);
    assert_int_equal(mpy_fs_get(b.m, "/empty", &got, &len, &e), MPY_OK);
    assert_non_null(got);
    assert_int_equal(len, 0);
    free(got);
    /* errors with sentences naming the path */
    assert_int_equal(mpy_fs_list(b.m, "/nodir", &list, &count, &e), MPY_ERR_NOT_FOUND);
    assert_non_null(strstr(e.message, "/nodir"));
    assert_int_equal(mpy_fs_put(b.m, "/nodir/x.py", "x", 1, &e), MPY_ERR_NOT_FOUND);
    assert_non_null(strstr(e.message, "/nodir/x.py"));
    assert_int_equal(mpy_fs_put(b.m, "", "x", 1, &e), MPY_ERR_ARG);
    assert_int_equal(mpy_fs_put(b.m, "/a\nb", "x", 1, &e), MPY_ERR_ARG);
    static const char MKDIR[] = "import os\nos.mkdir('/d')";
    assert_int_equal(mpy_exec(b.m, MKDIR, strlen(MKDIR), NULL, NULL, &e), MPY_OK);
    assert_int_equal(mpy_fs_get(b.m, "/d", &got, &len, &e), MPY_ERR_PYTHON);
    assert_non_null(strstr(e.message, "/d is a folder"));
    assert_int_equal(mpy_fs_list(b.m, "/", &list, &count, &e), MPY_OK);
    for (size_t i = 0; i < count; i++) {
        assert_true(strcmp(list[i].name, "d") != 0 || (list[i].is_dir && list[i].size == 0));
    }
    free(list);
    /* the filesystem is full (64 KiB on the simulated board): the partial file is removed */
    size_t big = 80u * 1024u;
    uint8_t *data = malloc(big);
    assert_non_null(data);
    test_pattern(data, big, 7);
    assert_int_equal(mpy_fs_put(b.m, "/big.bin", data, big, &e), MPY_ERR_PYTHON);
    assert_non_null(strstr(e.message, "full"));
    assert_null(board_file(env, &b, "/big.bin", &len));
    free(data);
    assert_true(repl_mode_is(&b, "friendly"));
    board_stop(&b);
}

static void test_cancel(void **state)
{
    struct env *env = *state;
    struct board b;
    struct mpy_error e;
    struct progress p;
    struct mpy_options o = progress_options(&p);
    uint8_t *data = malloc(FILE_20K);
    size_t len = 0;
    void *got = NULL;
    assert_non_null(data);
    test_pattern(data, FILE_20K, PATTERN_SEED);
    board_up(env, &b, &o);

    p.stop_after = 4096;
    assert_int_equal(mpy_fs_put(b.m, "/c.bin", data, FILE_20K, &e), MPY_ERR_CANCELLED);
    assert_int_equal(p.last_done, 4096);
    assert_null(board_file(env, &b, "/c.bin", &len));
    assert_true(repl_mode_is(&b, "friendly"));

    p.stop_after = 0;
    assert_int_equal(mpy_fs_put(b.m, "/c.bin", data, FILE_20K, &e), MPY_OK);
    memset(&p, 0, sizeof p);
    p.stop_after = 2000;
    assert_int_equal(mpy_fs_get(b.m, "/c.bin", &got, &len, &e), MPY_ERR_CANCELLED);
    assert_null(got);
    assert_true(p.last_done >= 2000 && p.last_done < FILE_20K);
    assert_true(repl_mode_is(&b, "friendly"));
    assert_int_equal(repl_stat(&b, "keyboard_interrupts"), 1);
    /* the session still works, and the file was closed on the board */
    p.stop_after = 0;
    assert_int_equal(mpy_fs_remove(b.m, "/c.bin", &e), MPY_OK);
    free(data);
    board_stop(&b);
}

static void test_soft_reset(void **state)
{
    struct board b;
    struct mpy_error e;
    board_up(*state, &b, NULL);
    expect_output(b.m, "z=5\nprint(z)", "5\r\n");
    assert_int_equal(mpy_soft_reset(b.m, &e), MPY_OK);
    assert_int_equal(repl_stat(&b, "soft_reboots"), 1);
    /* globals are gone after a soft reset */
    assert_int_equal(mpy_exec(b.m, "print(z)", 8, NULL, NULL, &e), MPY_ERR_PYTHON);
    assert_string_equal(e.message, "NameError: name 'z' isn't defined");
    board_stop(&b);
}

static void test_unplug_mid_put(void **state)
{
    struct env *env = *state;
    struct board b;
    struct mpy_error e;
    const char *fault[] = {"--fault", "unplug:at=9000", NULL};
    uint8_t *data = malloc(FILE_20K);
    assert_non_null(data);
    test_pattern(data, FILE_20K, PATTERN_SEED);
    board_start(env, &b, "0", fault);
    board_open(&b, NULL);
    assert_int_equal(mpy_fs_put(b.m, "/u.bin", data, FILE_20K, &e), MPY_ERR_PORT);
    assert_int_equal(e.port_status, PORT_ERR_GONE);
    assert_string_equal(e.command, "put /u.bin");
    assert_non_null(strstr(e.message, "unplugged"));
    free(data);
    board_stop(&b);
}

/* At real time: how long a 20 KB put takes at 115200 (printed), bounded by twice the wire time
 * of its base64 text. */
static void test_put_realtime(void **state)
{
    struct board b;
    struct mpy_error e;
    uint8_t *data = malloc(FILE_20K);
    const double wire_s = (double)FILE_20K * 4.0 / 3.0 * 10.0 / BAUD;
    assert_non_null(data);
    test_pattern(data, FILE_20K, PATTERN_SEED);
    board_start(*state, &b, "1", NULL);
    board_open(&b, NULL);
    assert_int_equal(mpy_raw_enter(b.m, &e), MPY_OK);
    uint64_t start = test_now_ms();
    assert_int_equal(mpy_fs_put(b.m, "/rt.bin", data, FILE_20K, &e), MPY_OK);
    double took = (double)(test_now_ms() - start) / 1000.0;
    printf("20 KB put at 115200 in raw-paste mode: %.2f s (base64 on the wire alone: %.2f s)\n",
           took, wire_s);
    assert_true(took > wire_s);
    assert_true(took < 2.0 * wire_s);
    assert_int_equal(repl_stat(&b, "window_violations"), 0);
    free(data);
    board_stop(&b);
}

static int group_setup(void **state)
{
    static struct env env;
    const char *tmp = getenv("TMPDIR");
    env.sim = getenv("MF_TEST_SIM");
    snprintf(env.dir, sizeof env.dir, "%s/mf-mpy-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
    if (env.sim == NULL || mkdtemp(env.dir) == NULL) {
        return -1;
    }
    *state = &env;
    return 0;
}

static int group_teardown(void **state)
{
    struct env *env = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/tty", env->dir);
    unlink(path);
    rmdir(env->dir);
    return 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_raw_enter_leave), cmocka_unit_test(test_exec_raw_paste),
            cmocka_unit_test(test_exec_plain_raw),  cmocka_unit_test(test_exec_raises),
            cmocka_unit_test(test_no_repl),         cmocka_unit_test(test_timeout_then_recover),
            cmocka_unit_test(test_file_roundtrip),  cmocka_unit_test(test_file_names_and_errors),
            cmocka_unit_test(test_cancel),          cmocka_unit_test(test_soft_reset),
            cmocka_unit_test(test_unplug_mid_put),
    };
    const struct CMUnitTest realtime[] = {
            cmocka_unit_test(test_put_realtime),
    };
    if (argc < 2) {
        fprintf(stderr, "usage: test_mpy ESP8266_SIM [realtime]\n");
        return 2;
    }
    setenv("MF_TEST_SIM", argv[1], 1);
    if (argc > 2 && strcmp(argv[2], "realtime") == 0) {
        return cmocka_run_group_tests_name("mpy.realtime", realtime, group_setup, group_teardown);
    }
    return cmocka_run_group_tests_name("mpy.sim", tests, group_setup, group_teardown);
}
