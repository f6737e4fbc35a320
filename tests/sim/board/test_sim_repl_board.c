/* SPDX-License-Identifier: MIT */
/* The REPL through the whole board at virtual time: terminal, an mpremote-style raw-paste
 * client uploading/downloading 20 KB byte-exact, window overruns, UART pacing, resets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repl.h"
#include "test_client.h"

#define MiB          (1024u * 1024u)
#define FS_AT        MiB
#define STEP_NS      (100 * SIM_NS_PER_US)
#define TIMEOUT_NS   (2 * SIM_NS_PER_S)
#define FILE_SIZE    20000u
#define CHUNK        256u
#define PROG_MAX     (8u * CHUNK + 64u)
#define OUT_MAX      4096u
#define RAW_BANNER   "raw REPL; CTRL-B to exit\r\n"
#define BANNER       "MicroPython v1.23.0 on 2024-06-02; ESP module with ESP8266\r\n"
#define HELP_PROMPT  "Type \"help()\" for more information.\r\n>>> "
#define UART_BYTES_S 11520u /* 115200 baud, 10 bits a byte */

struct fx {
    struct board *b;
    struct tc c;
};

static struct fx *fx_new(void)
{
    struct board_config cfg;
    struct fx *f = calloc(1, sizeof *f);
    char err[128];

    assert_non_null(f);
    board_config_default(&cfg);
    cfg.flash_start = BOARD_FLASH_USED;
    f->c.rx = malloc(TC_RX_MAX + 1);
    assert_non_null(f->c.rx);
    assert_int_equal(board_create(&cfg, &f->b, err, sizeof err), 0);
    f->c.b = f->b;
    board_power_on(f->b, 0);
    tc_wait(&f->c, SIM_NS_PER_S);
    return f;
}

static void fx_free(struct fx *f)
{
    board_destroy(f->b);
    free(f->c.rx);
    free(f);
}

/* Whether s occurs in everything received (which starts with ROM output read at the wrong
 * rate, NUL bytes included). */
static bool rx_has(const struct fx *f, size_t from, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = from; i + n <= f->c.rx_len; i++)
        if (memcmp(f->c.rx + i, s, n) == 0)
            return true;
    return false;
}

static void send_str(struct fx *f, const char *s)
{
    tc_send(&f->c, (const uint8_t *)s, strlen(s));
}

/* Finds s in what arrived after the read position; waits up to TIMEOUT_NS. Moves past it. */
static bool wait_for(struct fx *f, const char *s)
{
    size_t n = strlen(s);
    uint64_t end = f->c.t + TIMEOUT_NS;
    for (;;) {
        for (size_t i = f->c.parsed; i + n <= f->c.rx_len; i++) {
            if (memcmp(f->c.rx + i, s, n) == 0) {
                f->c.parsed = i + n;
                return true;
            }
        }
        if (f->c.t >= end)
            return false;
        tc_wait(&f->c, STEP_NS);
    }
}

/* Next byte after the read position; -1 on timeout. */
static int read_byte(struct fx *f)
{
    uint64_t end = f->c.t + TIMEOUT_NS;
    while (f->c.parsed == f->c.rx_len) {
        if (f->c.t >= end)
            return -1;
        tc_wait(&f->c, STEP_NS);
    }
    return f->c.rx[f->c.parsed++];
}

/* Bytes up to (without) the next 0x04 into out. */
static size_t read_until_eof(struct fx *f, char *out, size_t cap)
{
    size_t n = 0;
    int c;
    while ((c = read_byte(f)) >= 0 && c != 0x04)
        if (n + 1 < cap)
            out[n++] = (char)c;
    assert_int_equal(c, 0x04);
    out[n] = '\0';
    return n;
}

/* mpremote's enter_raw_repl(soft_reset=True). */
static void enter_raw_repl(struct fx *f)
{
    send_str(f, "\r\x03");
    tc_wait(&f->c, 100 * SIM_NS_PER_MS);
    f->c.parsed = f->c.rx_len;
    send_str(f, "\r\x01");
    assert_true(wait_for(f, RAW_BANNER ">"));
    send_str(f, "\x04");
    assert_true(wait_for(f, "soft reboot\r\n"));
    assert_true(wait_for(f, RAW_BANNER));
}

/* One command in raw-paste mode, as the protocol documents it: "\x05A\x01", "R\x01" and a
 * 16-bit window, data within the window, more window on each 0x01, "\x04" to end and its echo,
 * then stdout, 0x04, stderr, 0x04. Returns the stdout length. */
static size_t raw_paste_exec(struct fx *f, const char *code, size_t len, char *out, char *err)
{
    size_t window, remain, i = 0;
    int c;

    assert_true(wait_for(f, ">"));
    send_str(f, "\x05"
                "A\x01");
    assert_int_equal(read_byte(f), 'R');
    assert_int_equal(read_byte(f), 0x01);
    window = (size_t)read_byte(f);
    window |= (size_t)read_byte(f) << 8;
    remain = window;
    while (i < len) {
        while (remain == 0 || f->c.parsed < f->c.rx_len) {
            c = read_byte(f);
            assert_int_equal(c, 0x01); /* 0x04 would be an abrupt end from the device */
            remain += window;
        }
        size_t n = len - i < remain ? len - i : remain;
        tc_send(&f->c, (const uint8_t *)code + i, n);
        remain -= n;
        i += n;
    }
    send_str(f, "\x04");
    do
        c = read_byte(f);
    while (c == 0x01);
    assert_int_equal(c, 0x04);
    size_t n = read_until_eof(f, out, OUT_MAX);
    read_until_eof(f, err, OUT_MAX);
    return n;
}

/* Python's repr() of bytes. */
static size_t py_bytes_repr(const uint8_t *p, size_t n, char *out)
{
    bool single = memchr(p, '\'', n) != NULL, dbl = memchr(p, '"', n) != NULL;
    char q = single && !dbl ? '"' : '\'';
    size_t o = 0;
    out[o++] = 'b';
    out[o++] = q;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == q || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            out[o++] = '\\';
            out[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        } else if (c < 0x20 || c >= 0x7F) {
            o += (size_t)sprintf(out + o, "\\x%02x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o++] = q;
    out[o] = '\0';
    return o;
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes a bytes literal b'...' / b"..." (what ast.literal_eval does for mpremote). */
static size_t py_bytes_parse(const char *s, uint8_t *out)
{
    size_t n = 0, i = 2, len = strlen(s);
    assert_true(len >= 3 && s[0] == 'b' && (s[1] == '\'' || s[1] == '"') && s[len - 1] == s[1]);
    while (i < len - 1) {
        char c = s[i++];
        if (c != '\\') {
            out[n++] = (uint8_t)c;
            continue;
        }
        c = s[i++];
        if (c == 'x') {
            assert_true(hex_digit(s[i]) >= 0 && hex_digit(s[i + 1]) >= 0);
            out[n++] = (uint8_t)(hex_digit(s[i]) * 16 + hex_digit(s[i + 1]));
            i += 2;
        } else {
            out[n++] = (uint8_t)(c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c);
        }
    }
    return n;
}

/* What the client sent in raw-paste mode, and the window increments that implies. */
struct sent {
    uint64_t bytes;
    uint64_t grants;
};

static void count_sent(struct sent *s, size_t len)
{
    s->bytes += len;
    s->grants += len / 128u; /* one 0x01 each time a 128-byte window was consumed */
}

/* Runs a command that must succeed; checks its stdout. */
static void exec_ok(struct fx *f, const char *code, const char *expect_out, struct sent *sent)
{
    char out[OUT_MAX], err[OUT_MAX];
    raw_paste_exec(f, code, strlen(code), out, err);
    count_sent(sent, strlen(code));
    assert_string_equal(err, "");
    assert_string_equal(out, expect_out);
}

static void test_terminal_session(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    size_t len;
    const char *prog;

    f->c.rx[f->c.rx_len] = 0;
    assert_true(rx_has(f, 0, "\r\n" BANNER HELP_PROMPT));
    assert_false(rx_has(f, 0, "Performing initial setup")); /* used board */
    tc_forget(&f->c);
    send_str(f, "print(6*7)\r");
    tc_wait(&f->c, 50 * SIM_NS_PER_MS);
    f->c.rx[f->c.rx_len] = 0;
    assert_string_equal((const char *)f->c.rx, "print(6*7)\r\n42\r\n>>> ");

    /* a paste arrives intact through the UART */
    tc_forget(&f->c);
    send_str(f, "\x05"
                "def_ = 1\r    # indented comment\rif def_:\r    print('ok')\r\x04");
    tc_wait(&f->c, 100 * SIM_NS_PER_MS);
    f->c.rx[f->c.rx_len] = 0;
    assert_true(rx_has(f, 0, "=== \r\nok\r\n>>> "));
    prog = board_repl_last_program(f->b, &len);
    assert_int_equal(len, strlen("def_ = 1\r    # indented comment\rif def_:\r    print('ok')\r"));
    assert_memory_equal(prog, "def_ = 1\r    # indented comment\rif def_:\r    print('ok')\r", len);
    fx_free(f);
}

static void test_raw_paste_upload_download_20k(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    const struct sim_repl_stats *st = sim_repl_stats(board_repl(f->b));
    uint8_t *data = malloc(FILE_SIZE), *back = malloc(FILE_SIZE + CHUNK);
    char *prog = malloc(PROG_MAX), out[OUT_MAX], err[OUT_MAX];
    uint32_t rng = 0x1234567u;
    struct sent sent = {0, 0};
    uint64_t grants_before;
    size_t got = 0, len;
    const uint8_t *stored;

    assert_non_null(data);
    assert_non_null(back);
    assert_non_null(prog);
    for (size_t i = 0; i < FILE_SIZE; i++) {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        data[i] = (uint8_t)(rng >> 7);
    }
    enter_raw_repl(f);
    grants_before = st->raw_paste_grants;

    /* mpremote's fs_writefile */
    exec_ok(f, "f=open('data.bin','wb')\nw=f.write", "", &sent);
    for (size_t off = 0; off < FILE_SIZE; off += CHUNK) {
        size_t n = FILE_SIZE - off < CHUNK ? FILE_SIZE - off : CHUNK;
        size_t p = (size_t)sprintf(prog, "w(");
        p += py_bytes_repr(data + off, n, prog + p);
        p += (size_t)sprintf(prog + p, ")");
        assert_true(p < PROG_MAX);
        exec_ok(f, prog, "", &sent);
    }
    exec_ok(f, "f.close()", "", &sent);
    stored = sim_mpy_fs_get(sim_repl_fs(board_repl(f->b)), "data.bin", &len);
    assert_non_null(stored);
    assert_int_equal(len, FILE_SIZE);
    assert_memory_equal(stored, data, FILE_SIZE);
    exec_ok(f, "import os\nprint(os.listdir())", "['boot.py', 'data.bin']\r\n", &sent);
    exec_ok(f, "print(os.stat('data.bin')[6])", "20000\r\n", &sent);

    /* mpremote's fs_readfile: eval("r(256)") is print(repr(r(256))) */
    exec_ok(f, "f=open('data.bin','rb')\nr=f.read", "", &sent);
    for (;;) {
        size_t n;
        const char *cmd = "print(repr(r(256)))";
        raw_paste_exec(f, cmd, strlen(cmd), out, err);
        count_sent(&sent, strlen(cmd));
        assert_string_equal(err, "");
        assert_true(strlen(out) > 2 && strcmp(out + strlen(out) - 2, "\r\n") == 0);
        out[strlen(out) - 2] = '\0';
        n = py_bytes_parse(out, back + got);
        if (n == 0)
            break;
        got += n;
        assert_true(got <= FILE_SIZE);
    }
    exec_ok(f, "f.close()", "", &sent);
    assert_int_equal(got, FILE_SIZE);
    assert_memory_equal(back, data, FILE_SIZE);

    /* the board counted what arrived in raw-paste mode; flow control was kept */
    assert_int_equal(st->raw_paste_bytes, sent.bytes);
    assert_int_equal(st->raw_paste_grants - grants_before, sent.grants);
    assert_int_equal(st->window_violations, 0);
    assert_int_equal(board_stats(f->b)->violations[SIM_VIOL_RX_OVERRUN], 0);
    free(data);
    free(back);
    free(prog);
    fx_free(f);
}

static void test_raw_paste_overrun_is_a_violation(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    const struct sim_repl_stats *st = sim_repl_stats(board_repl(f->b));
    char code[600], out[OUT_MAX], err[OUT_MAX];

    enter_raw_repl(f);
    assert_true(wait_for(f, ">"));
    /* the header read, then 300 bytes at once: byte 257 overruns the two windows */
    memset(code, '#', 298);
    memcpy(code + 298, "\n1", 2);
    send_str(f, "\x05"
                "A\x01");
    assert_true(wait_for(f, "R\x01"));
    assert_int_equal(read_byte(f), 0x80);
    assert_int_equal(read_byte(f), 0x00);
    assert_int_equal(read_byte(f), 0x01);
    tc_send(&f->c, (const uint8_t *)code, 300);
    send_str(f, "\x04");
    assert_true(wait_for(f, "\x04"));
    read_until_eof(f, out, sizeof out);
    read_until_eof(f, err, sizeof err);
    assert_string_equal(err, "");
    assert_int_equal(st->window_violation_sessions, 1);
    assert_int_equal(st->last_violation_byte, 257);
    assert_int_equal(st->last_violation_allowed, 256);
    assert_int_equal(board_stats(f->b)->violations[SIM_VIOL_RX_OVERRUN], 1);
    assert_int_equal(board_stats(f->b)->violation_log[0].arg0, 257);

    /* writing the command and data without reading the header overruns from the first byte */
    assert_true(wait_for(f, ">"));
    memcpy(code,
           "\x05"
           "A\x01print(5)\x04",
           12);
    tc_send(&f->c, (const uint8_t *)code, 12);
    assert_true(wait_for(f, "\x04"));
    assert_true(wait_for(f, "5\r\n\x04\x04>"));
    assert_int_equal(st->window_violation_sessions, 2);
    assert_int_equal(st->last_violation_byte, 1);
    assert_int_equal(st->last_violation_allowed, 0);
    assert_int_equal(board_stats(f->b)->violations[SIM_VIOL_RX_OVERRUN], 2);
    fx_free(f);
}

static void test_output_paced_and_ctrl_c(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    size_t at_ctrl_c, tail;
    const char *end = "KeyboardInterrupt: \r\n>>> ";

    send_str(f, "\x05"
                "for i in range(100000):\r    print(i)\r\x04");
    assert_true(wait_for(f, "=== \r\n"));
    tc_forget(&f->c);
    tc_wait(&f->c, 500 * SIM_NS_PER_MS);
    /* the program runs as fast as the UART takes its output */
    assert_true(f->c.rx_len > UART_BYTES_S / 2 * 8 / 10);
    assert_true(f->c.rx_len <= UART_BYTES_S / 2 + 64);
    at_ctrl_c = f->c.rx_len;
    send_str(f, "\x03");
    tc_wait(&f->c, 100 * SIM_NS_PER_MS);
    f->c.rx[f->c.rx_len] = 0;
    assert_true(f->c.rx_len > strlen(end));
    assert_string_equal((const char *)f->c.rx + f->c.rx_len - strlen(end), end);
    assert_true(rx_has(f, at_ctrl_c,
                       "Traceback (most recent call last):\r\n"
                       "  File \"<stdin>\", line 2, in <module>\r\n"));
    /* what was still queued: the TX FIFO and the chunk in hand, not seconds of numbers */
    tail = f->c.rx_len - at_ctrl_c;
    assert_true(tail < 128 + 256 + 200);
    tc_forget(&f->c);
    tc_wait(&f->c, 200 * SIM_NS_PER_MS);
    assert_int_equal(f->c.rx_len, 0);
    fx_free(f);
}

static void test_files_survive_reset_not_erase(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    struct sent sent = {0, 0};

    enter_raw_repl(f);
    exec_ok(f, "f=open('keep.txt','w')\nf.write('persist')\nf.close()", "", &sent);
    /* EN pulse through RTS: the chip restarts, MicroPython mounts the same volume */
    board_lines(f->b, f->c.t, false, true);
    tc_wait(&f->c, 10 * SIM_NS_PER_MS);
    board_lines(f->b, f->c.t, false, false);
    tc_forget(&f->c);
    tc_wait(&f->c, SIM_NS_PER_S);
    f->c.rx[f->c.rx_len] = 0;
    assert_true(rx_has(f, 0, "\r\n" BANNER HELP_PROMPT));
    assert_false(rx_has(f, 0, "Performing initial setup"));
    enter_raw_repl(f);
    exec_ok(f, "import os\nprint(os.listdir())", "['boot.py', 'keep.txt']\r\n", &sent);

    /* a flasher erased the filesystem region: the next boot formats it */
    memset(sim_flash_cells(board_flash(f->b)) + FS_AT, 0xFF, 8192);
    board_lines(f->b, f->c.t, false, true);
    tc_wait(&f->c, 10 * SIM_NS_PER_MS);
    board_lines(f->b, f->c.t, false, false);
    tc_forget(&f->c);
    tc_wait(&f->c, SIM_NS_PER_S);
    f->c.rx[f->c.rx_len] = 0;
    assert_true(rx_has(f, 0, "Performing initial setup\r\n\r\n" BANNER HELP_PROMPT));
    enter_raw_repl(f);
    exec_ok(f, "import os\nprint(os.listdir())", "['boot.py']\r\n", &sent);
    fx_free(f);
}

static void test_machine_reset(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    uint64_t resets = board_stats(f->b)->resets;

    tc_forget(&f->c);
    send_str(f, "import machine\rmachine.reset()\r");
    tc_wait(&f->c, SIM_NS_PER_S);
    f->c.rx[f->c.rx_len] = 0;
    assert_int_equal(board_stats(f->b)->resets, resets + 1);
    assert_true(rx_has(f, 0, "machine.reset()\r\n"));
    assert_true(rx_has(f, 0, "\r\n" BANNER HELP_PROMPT));
    assert_string_equal(board_state_name(f->b), "micropython");
    fx_free(f);
}

static void test_program_queries_cursor_position(void **state)
{
    (void)state;
    struct fx *f = fx_new();

    send_str(f, "\x05"
                "import sys\rsys.stdout.write('\\x1b[6n')\rr = ''\r"
                "while not r.endswith('R'):\r    r += sys.stdin.read(1)\r"
                "print(repr(r))\r\x04");
    /* the terminal's part: answer the query when it arrives */
    assert_true(wait_for(f, "\x1b[6n"));
    send_str(f, "\x1b[12;34R");
    assert_true(wait_for(f, "'\\x1b[12;34R'\r\n>>> "));
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_terminal_session),
            cmocka_unit_test(test_raw_paste_upload_download_20k),
            cmocka_unit_test(test_raw_paste_overrun_is_a_violation),
            cmocka_unit_test(test_output_paced_and_ctrl_c),
            cmocka_unit_test(test_files_survive_reset_not_erase),
            cmocka_unit_test(test_machine_reset),
            cmocka_unit_test(test_program_queries_cursor_position),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
