/* SPDX-License-Identifier: MIT */
/* The engine (conn + flasher) against esp8266-sim over vserial ptys: reset tables, what a
 * connection learns, exact erases through the ROM, two jobs at once, cancel, progress, no-sync;
 * and with the flasher stub: erase-all in the background, re-flash by MD5, baud step-down. */
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

#include "conn.h"
#include "flasher.h"
#include "port_thread.h"
#include "simtest.h"
#include "testutil.h"

#define FLASH_4M 0x400000u

struct engine_env {
    const char *sim;
    char dir[64];
};

static struct engine_env *env_of(void **state)
{
    return *state;
}

/* ---- a simulated board ---- */

struct board {
    struct simtest_proc proc;
    char tty[128];
    char out[128];
};

static void board_start(struct engine_env *env, struct board *b, const char *name,
                        const char *const *extra)
{
    const char *args[32];
    size_t n = 0;
    snprintf(b->tty, sizeof b->tty, "%s/%s.tty", env->dir, name);
    snprintf(b->out, sizeof b->out, "%s/%s.out", env->dir, name);
    args[n++] = "--pty";
    args[n++] = b->tty;
    args[n++] = "--time-scale";
    args[n++] = "0";
    args[n++] = "--flash-out";
    args[n++] = b->out;
    for (size_t i = 0; extra != NULL && extra[i] != NULL && n + 1 < 32; i++) {
        args[n++] = extra[i];
    }
    args[n] = NULL;
    assert_int_equal(simtest_start(&b->proc, env->sim, args), 0);
}

/* The whole flash now (FLASH-OUT into a file of its own). */
static uint8_t *board_flash(struct board *b, const char *tag, size_t *len)
{
    char path[160], cmd[200];
    snprintf(path, sizeof path, "%s.%s", b->out, tag);
    snprintf(cmd, sizeof cmd, "FLASH-OUT %s", path);
    assert_true(simtest_control_ok(&b->proc, cmd));
    uint8_t *data = simtest_read_file(path, len);
    assert_non_null(data);
    unlink(path);
    return data;
}

static void board_stop(struct board *b)
{
    assert_int_equal(simtest_quit(&b->proc), 0);
    unlink(b->out);
}

/* ---- hooks that record what a job reports ---- */

struct record {
    atomic_bool cancel;
    uint64_t cancel_after; /* set the flag once a write stage passed this many bytes; 0 = never */
    unsigned progress_calls;
    uint32_t last_overall;
    bool overall_went_back;
    bool saw_stage[MF_STAGE_RESET + 1];
    char log[4096];
};

static void record_log(void *ctx, enum mf_log_level level, const char *text)
{
    struct record *r = ctx;
    size_t used = strlen(r->log);
    (void)level;
    snprintf(r->log + used, sizeof r->log - used, "%s\n", text);
}

static void record_progress(void *ctx, const struct mf_progress *p)
{
    struct record *r = ctx;
    r->progress_calls++;
    r->saw_stage[p->stage] = true;
    if (p->stage != MF_STAGE_CONNECT && p->stage != MF_STAGE_MANUAL_BOOT) {
        r->overall_went_back = r->overall_went_back || p->overall < r->last_overall;
        r->last_overall = p->overall;
    }
    if (r->cancel_after > 0 && p->stage == MF_STAGE_WRITE && p->done >= r->cancel_after) {
        atomic_store(&r->cancel, true);
    }
}

static struct mf_hooks record_hooks(struct record *r)
{
    memset(r, 0, sizeof *r);
    atomic_init(&r->cancel, false);
    return (struct mf_hooks){record_log, record_progress, &r->cancel, r};
}

/* Connects through the boot ROM's loader or (stub) our flasher stub at `stub_baud`. */
static struct conn *connect_with(struct board *b, struct record *r, bool stub, uint32_t stub_baud)
{
    struct conn_options o;
    struct mf_hooks h = record_hooks(r);
    struct conn *c = NULL;
    struct mf_error e;
    conn_options_default(&o);
    o.use_stub = stub;
    o.stub_baud = stub_baud;
    int rc = conn_open(b->tty, &o, &h, &c, &e);
    if (rc != MF_OK) {
        fprintf(stderr, "conn_open: %s\n", e.message);
    }
    assert_int_equal(rc, MF_OK);
    return c;
}

static struct conn *connect_board(struct board *b, struct record *r)
{
    return connect_with(b, r, false, 0);
}

/* ---- tests ---- */

static void test_reset_tables(void **state)
{
    struct conn_reset_strategy plan[CONN_STRATEGIES_MAX];
    struct conn_step steps[CONN_STEPS_MAX];
    (void)state;
    /* POSIX: tight then classic, short then long; Windows and RFC 2217: classic; TCP: none. */
    assert_int_equal(conn_reset_plan(PORT_KIND_LOCAL, false, plan, CONN_STRATEGIES_MAX), 4);
    assert_int_equal(plan[0].style, CONN_RESET_TIGHT);
    assert_int_equal(plan[1].delay_ms, CONN_RESET_LONG_MS);
    assert_int_equal(plan[2].style, CONN_RESET_CLASSIC);
    assert_int_equal(conn_reset_plan(PORT_KIND_LOCAL, true, plan, CONN_STRATEGIES_MAX), 2);
    assert_int_equal(plan[0].style, CONN_RESET_CLASSIC);
    assert_int_equal(plan[0].delay_ms, CONN_RESET_SHORT_MS);
    assert_int_equal(conn_reset_plan(PORT_KIND_RFC2217, false, plan, CONN_STRATEGIES_MAX), 2);
    assert_int_equal(conn_reset_plan(PORT_KIND_TCP, false, plan, CONN_STRATEGIES_MAX), 0);

    /* Classic = D0 R1 W0.1 D1 R0 Wdelay D0 (§4.1). */
    const struct conn_reset_strategy classic = {CONN_RESET_CLASSIC, CONN_RESET_SHORT_MS};
    size_t n = conn_reset_steps(&classic, false, steps, CONN_STEPS_MAX);
    assert_int_equal(n, 7);
    assert_true(steps[0].kind == CONN_STEP_DTR && !steps[0].dtr);
    assert_true(steps[1].kind == CONN_STEP_RTS && steps[1].rts);
    assert_true(steps[2].kind == CONN_STEP_WAIT && steps[2].ms == CONN_RESET_HOLD_MS);
    assert_true(steps[3].kind == CONN_STEP_DTR && steps[3].dtr);
    assert_true(steps[4].kind == CONN_STEP_RTS && !steps[4].rts);
    assert_true(steps[5].kind == CONN_STEP_WAIT && steps[5].ms == CONN_RESET_SHORT_MS);
    assert_true(steps[6].kind == CONN_STEP_DTR && !steps[6].dtr);
    /* usbser.sys: DTR written again, with its current value, after each RTS change. */
    n = conn_reset_steps(&classic, true, steps, CONN_STEPS_MAX);
    assert_int_equal(n, 9);
    assert_true(steps[2].kind == CONN_STEP_DTR && !steps[2].dtr);
    assert_true(steps[6].kind == CONN_STEP_DTR && steps[6].dtr);
    /* Tight: both lines per step, ending (F,F) and DTR=F. */
    const struct conn_reset_strategy tight = {CONN_RESET_TIGHT, CONN_RESET_LONG_MS};
    n = conn_reset_steps(&tight, false, steps, CONN_STEPS_MAX);
    assert_int_equal(n, 8);
    assert_true(steps[2].kind == CONN_STEP_LINES && !steps[2].dtr && steps[2].rts);
    assert_true(steps[4].kind == CONN_STEP_LINES && steps[4].dtr && !steps[4].rts);
    assert_true(steps[5].kind == CONN_STEP_WAIT && steps[5].ms == CONN_RESET_LONG_MS);
    /* Hard reset: R1 W0.1 R0. */
    n = conn_hard_reset_steps(false, steps, CONN_STEPS_MAX);
    assert_int_equal(n, 3);
    assert_true(steps[0].rts && !steps[2].rts && steps[1].ms == CONN_RESET_HOLD_MS);
}

static void test_connect_learns_board(void **state)
{
    struct board b;
    struct record r;
    const char *extra[] = {"--chip",     "esp8285n16", "--flash-vendor",
                           "gigadevice", "--mac",      "5C:CF:7F:01:02:03",
                           NULL};
    board_start(env_of(state), &b, "learn", extra);
    struct conn *c = connect_with(&b, &r, true, CONN_BAUD_AUTO);
    const struct conn_board *info = conn_board(c);
    const uint8_t mac[6] = {0x5C, 0xCF, 0x7F, 0x01, 0x02, 0x03};
    /* The stub runs; a pty is no known USB bridge: auto means 460800. */
    assert_int_equal(info->loader, PROTO_LOADER_STUB);
    assert_int_equal(info->baud, CONN_BAUD_AUTO_UNKNOWN);
    assert_false(info->stepped_down);
    assert_true(info->chip.esp8285);
    assert_string_equal(info->chip.name, "ESP8285N16");
    assert_memory_equal(info->chip.mac, mac, 6);
    assert_int_equal(info->flash.manufacturer, 0xC8);
    assert_int_equal(info->flash_size, 2u << 20);
    assert_int_equal(info->crystal.mhz, 26);
    /* The ROM's boot line was read at 74880 baud during the reset: download mode. */
    assert_non_null(strstr(info->boot_text, "boot mode:(1"));
    assert_non_null(strstr(r.log, "Chip is ESP8285N16"));
    conn_close(c);
    board_stop(&b);
}

/* erase_region through the ROM changes exactly the sectors asked for, also where FLASH_BEGIN
 * alone would over-erase (an odd count before a 64 KiB boundary). */
static void test_erase_region_exact(void **state)
{
    struct board b;
    struct record r;
    struct mf_error e;
    const char *extra[] = {"--flash-state", "used", NULL};
    static const struct {
        uint32_t offset, size;
    } cases[] = {{0x1000, 0x2000}, {0x3000, 0x1000}, {0xD000, 0x15000}, {0x100000, 0x3000}};
    board_start(env_of(state), &b, "erase", extra);
    struct conn *c = connect_board(&b, &r);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t len0, len1;
        uint8_t *before = board_flash(&b, "before", &len0);
        assert_int_equal(flasher_erase_region(c, cases[k].offset, cases[k].size, &e), MF_OK);
        uint8_t *after = board_flash(&b, "after", &len1);
        assert_int_equal(len0, len1);
        for (size_t i = 0; i < len1; i++) {
            bool inside = i >= cases[k].offset && i < cases[k].offset + cases[k].size;
            if (inside ? after[i] != 0xFF : after[i] != before[i]) {
                fail_msg("erase 0x%X+0x%X: byte 0x%zx is 0x%02X (was 0x%02X)",
                         (unsigned)cases[k].offset, (unsigned)cases[k].size, i, after[i],
                         before[i]);
            }
        }
        free(before);
        free(after);
    }
    /* Unaligned requests are refused before anything is sent. */
    assert_int_equal(flasher_erase_region(c, 0x1800, 0x1000, &e), MF_ERR_ARG);
    conn_close(c);
    board_stop(&b);
}

/* A write whose ROM erase would spill into the next sector keeps that sector; read_flash and
 * verify see what FLASH-OUT sees. */
static void test_write_keeps_neighbours(void **state)
{
    struct board b;
    struct record r;
    struct mf_error e;
    struct flasher_write_options o;
    struct flasher_write_result res;
    uint8_t data[0x1000 + 100];
    const char *extra[] = {"--flash-state", "used", NULL};
    test_pattern(data, sizeof data, 7);
    board_start(env_of(state), &b, "keep", extra);
    struct conn *c = connect_board(&b, &r);
    size_t len;
    uint8_t *before = board_flash(&b, "before", &len);
    /* 2 sectors at 0x102000: the ROM would erase 0x102000..0x104FFF (one more). */
    const struct flasher_file f = {"data.bin", 0x102000, data, sizeof data};
    flasher_write_options_default(&o);
    assert_int_equal(flasher_write(c, &f, 1, &o, &res, &e), MF_OK);
    assert_false(res.verified); /* ROM mode: written, not verified */
    uint8_t *after = board_flash(&b, "after", &len);
    for (size_t i = 0; i < len; i++) {
        uint8_t want = before[i];
        if (i >= f.offset && i < f.offset + sizeof data) {
            want = data[i - f.offset];
        } else if (i >= f.offset + sizeof data && i < f.offset + 0x2000) {
            want = 0xFF; /* the rest of the file's last sector */
        }
        if (after[i] != want) {
            fail_msg("byte 0x%zx is 0x%02X, expected 0x%02X", i, after[i], want);
        }
    }
    uint8_t back[256];
    assert_int_equal(flasher_read(c, 0x104000 - 128, sizeof back, back, &e), MF_OK);
    assert_memory_equal(back, after + 0x104000 - 128, sizeof back);
    assert_int_equal(flasher_verify(c, &f, 1, NULL, &e), MF_OK);
    /* One byte different in the "file": verify names the address. */
    data[77] ^= 0x40;
    const struct flasher_file head = {"data.bin", 0x102000, data, 128};
    assert_int_equal(flasher_verify(c, &head, 1, NULL, &e), MF_ERR_VERIFY);
    assert_non_null(strstr(e.message, "0x0010204D"));
    free(before);
    free(after);
    conn_close(c);
    board_stop(&b);
}

/* ---- two jobs at once ---- */

struct job {
    struct board *board;
    uint8_t data[0x6000];
    int rc;
    struct record rec;
};

static void job_run(void *arg)
{
    struct job *j = arg;
    struct conn_options o;
    struct mf_hooks h = record_hooks(&j->rec);
    struct conn *c = NULL;
    struct mf_error e;
    struct flasher_write_options wo;
    struct flasher_write_result res;
    const struct flasher_file f = {"job.bin", 0x20000, j->data, sizeof j->data};
    conn_options_default(&o);
    flasher_write_options_default(&wo);
    j->rc = conn_open(j->board->tty, &o, &h, &c, &e);
    if (j->rc == MF_OK) {
        j->rc = flasher_write(c, &f, 1, &wo, &res, &e);
    }
    if (j->rc == MF_OK) {
        j->rc = flasher_after(c, FLASHER_AFTER_NO_RESET, &e);
    }
    conn_close(c);
}

static void test_two_jobs_at_once(void **state)
{
    struct board b[2];
    static struct job jobs[2];
    struct port_thread t[2];
    board_start(env_of(state), &b[0], "job0", NULL);
    board_start(env_of(state), &b[1], "job1", NULL);
    for (int i = 0; i < 2; i++) {
        jobs[i].board = &b[i];
        test_pattern(jobs[i].data, sizeof jobs[i].data, 100u + (uint32_t)i);
        assert_int_equal(port_thread_start(&t[i], job_run, &jobs[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        port_thread_join(&t[i]);
        assert_int_equal(jobs[i].rc, MF_OK);
        assert_true(jobs[i].rec.saw_stage[MF_STAGE_WRITE]);
        assert_false(jobs[i].rec.overall_went_back);
        size_t len;
        uint8_t *flash = board_flash(&b[i], "job", &len);
        assert_memory_equal(flash + 0x20000, jobs[i].data, sizeof jobs[i].data);
        free(flash);
        board_stop(&b[i]);
    }
}

static void test_cancel_between_blocks(void **state)
{
    struct board b;
    struct record r;
    struct mf_error e;
    struct flasher_write_options o;
    struct flasher_write_result res;
    static uint8_t data[0x8000];
    test_pattern(data, sizeof data, 3);
    board_start(env_of(state), &b, "cancel", NULL);
    struct conn *c = connect_board(&b, &r); /* ROM: 1 KiB blocks */
    r.cancel_after = 0x2000;
    const struct flasher_file f = {"big.bin", 0x40000, data, sizeof data};
    flasher_write_options_default(&o);
    assert_int_equal(flasher_write(c, &f, 1, &o, &res, &e), MF_ERR_CANCELLED);
    assert_non_null(strstr(e.message, "incomplete"));
    conn_close(c);
    size_t len;
    uint8_t *flash = board_flash(&b, "cancel", &len);
    /* The block after the flag was never written. */
    assert_memory_equal(flash + 0x40000, data, 0x2000);
    assert_true(flash[0x40000 + 0x2400] == 0xFF);
    free(flash);
    board_stop(&b);
}

/* ---- with the flasher stub ---- */

/* Erase-all on a used board: everything outside the image ends blank (queued in the background
 * while the data travels), the image verified by MD5; a second write of the same image sends
 * nothing but MD5 requests. */
static void test_stub_erase_all_and_reflash(void **state)
{
    struct board b;
    struct record r;
    struct mf_error e;
    struct flasher_write_options o;
    struct flasher_write_result res;
    static uint8_t data[0x23456];
    const char *extra[] = {"--flash-state", "used", "--seed", "5", NULL};
    test_pattern(data, sizeof data, 11);
    board_start(env_of(state), &b, "eraseall", extra);
    struct conn *c = connect_with(&b, &r, true, 921600);
    const struct flasher_file f = {"fw.bin", 0x10000, data, sizeof data};
    flasher_write_options_default(&o);
    o.erase_all = true;
    o.force = true; /* raw data, not an image */
    assert_int_equal(flasher_write(c, &f, 1, &o, &res, &e), MF_OK);
    assert_true(res.verified);
    assert_non_null(strstr(r.log, "Changed baud rate to 921600"));
    size_t len;
    uint8_t *flash = board_flash(&b, "all", &len);
    assert_int_equal(len, FLASH_4M);
    for (size_t i = 0; i < len; i++) {
        bool inside = i >= f.offset && i < f.offset + sizeof data;
        uint8_t want = inside ? data[i - f.offset] : 0xFF;
        if (flash[i] != want) {
            fail_msg("byte 0x%zx is 0x%02X, expected 0x%02X", i, flash[i], want);
        }
    }
    free(flash);
    /* Once more, without erase-all: nothing to write. */
    o.erase_all = false;
    r.log[0] = '\0';
    assert_int_equal(flasher_write(c, &f, 1, &o, &res, &e), MF_OK);
    assert_true(res.verified);
    assert_int_equal(res.bytes, 0);
    assert_non_null(strstr(r.log, "in the flash already"));
    conn_close(c);
    board_stop(&b);
}

/* A stub write that is cancelled stops between 16 KiB blocks: the first block is in the flash,
 * later ones never left. */
static void test_stub_cancel(void **state)
{
    struct board b;
    struct record r;
    struct mf_error e;
    struct flasher_write_options o;
    struct flasher_write_result res;
    static uint8_t data[0x10000];
    test_pattern(data, sizeof data, 9); /* incompressible: four blocks */
    board_start(env_of(state), &b, "stubcancel", NULL);
    struct conn *c = connect_with(&b, &r, true, 0);
    r.cancel_after = 1;
    const struct flasher_file f = {"big.bin", 0x40000, data, sizeof data};
    flasher_write_options_default(&o);
    o.force = true;
    assert_int_equal(flasher_write(c, &f, 1, &o, &res, &e), MF_ERR_CANCELLED);
    assert_false(res.verified);
    conn_close(c);
    size_t len;
    uint8_t *flash = board_flash(&b, "stubcancel", &len);
    assert_memory_equal(flash + 0x40000, data, 0x3000);
    assert_true(flash[0x40000 + 0x8000] == 0xFF);
    free(flash);
    board_stop(&b);
}

/* An adapter that cannot make 2 Mbaud (the simulator's CP2102): the switch fails, the stub
 * returns to 115200 by itself, and the engine settles on the next rate that works. */
static void test_stub_baud_step_down(void **state)
{
    struct board b;
    struct record r;
    const char *extra[] = {"--adapter", "cp2102", NULL};
    board_start(env_of(state), &b, "stepdown", extra);
    struct conn *c = connect_with(&b, &r, true, 2000000);
    const struct conn_board *info = conn_board(c);
    assert_true(info->stepped_down);
    assert_int_equal(info->baud, 921600);
    assert_non_null(strstr(r.log, "2000000 baud does not work"));
    uint8_t back[64];
    struct mf_error e;
    assert_int_equal(flasher_read(c, 0, sizeof back, back, &e), MF_OK);
    conn_close(c);
    board_stop(&b);
}

/* A link that garbles most of what the board sends: the loader is there (its boot line says
 * download mode) but sync never completes. */
static void test_no_sync(void **state)
{
    struct board b;
    struct record r;
    struct conn_options o;
    struct mf_hooks h = record_hooks(&r);
    struct conn *c = NULL;
    struct mf_error e;
    const char *extra[] = {"--fault", "flip:to-chip:ppm=300000", NULL};
    board_start(env_of(state), &b, "nosync", extra);
    conn_options_default(&o);
    o.attempts = 2;
    assert_int_equal(conn_open(b.tty, &o, &h, &c, &e), MF_ERR_NO_SYNC);
    assert_null(c);
    assert_non_null(strstr(e.message, "download mode"));
    board_stop(&b);
}

int main(int argc, char **argv)
{
    static struct engine_env env;
    if (argc < 2) {
        fprintf(stderr, "usage: test_engine ESP8266_SIM\n");
        return 2;
    }
    env.sim = argv[1];
    snprintf(env.dir, sizeof env.dir, "/tmp/mf-engine-XXXXXX");
    if (mkdtemp(env.dir) == NULL) {
        perror("mkdtemp");
        return 2;
    }
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_reset_tables),
            cmocka_unit_test_prestate(test_connect_learns_board, &env),
            cmocka_unit_test_prestate(test_erase_region_exact, &env),
            cmocka_unit_test_prestate(test_write_keeps_neighbours, &env),
            cmocka_unit_test_prestate(test_two_jobs_at_once, &env),
            cmocka_unit_test_prestate(test_cancel_between_blocks, &env),
            cmocka_unit_test_prestate(test_no_sync, &env),
            cmocka_unit_test_prestate(test_stub_erase_all_and_reflash, &env),
            cmocka_unit_test_prestate(test_stub_cancel, &env),
            cmocka_unit_test_prestate(test_stub_baud_step_down, &env),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(env.dir);
    return failed;
}
