/* SPDX-License-Identifier: MIT */
/* The simulated MicroPython REPL driven directly at virtual time; expected bytes come from
 * MicroPython's sources (readline.c, pyexec.c, repl.c, objexcept.c), not from the model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repl.h"
#include "simtime.h"

#define MiB        (1024u * 1024u)
#define FLASH_SIZE (4u * MiB)
#define FS_AT      MiB
#define OUT_MAX    (1u << 20)
#define KEY_NS     SIM_NS_PER_MS
#define SETTLE_NS  (10 * SIM_NS_PER_MS)
#define BANNER     "MicroPython v1.23.0 on 2024-06-02; ESP module with ESP8266\r\n"
#define HELP       "Type \"help()\" for more information.\r\n"
#define RAW_BANNER "raw REPL; CTRL-B to exit\r\n"
#define TB         "Traceback (most recent call last):\r\n"
#define AT_LINE(n) "  File \"<stdin>\", line " #n ", in <module>\r\n"

/* inisetup.py's boot.py as v1.23 writes it. */
#define DEFAULT_BOOT_PY                                                                            \
    "# This file is executed on every boot (including wake-boot from deepsleep)\n"                 \
    "#import esp\n"                                                                                \
    "#esp.osdebug(None)\n"                                                                         \
    "import os, machine\n"                                                                         \
    "#os.dupterm(None, 1) # disable REPL on UART(0)\n"                                             \
    "import gc\n"                                                                                  \
    "#import webrepl\n"                                                                            \
    "#webrepl.start()\n"                                                                           \
    "gc.collect()\n"

struct rx {
    struct sim_repl r;
    uint64_t t;
    uint8_t *flash;
    char *out;
    size_t len;
};

static void rx_collect(struct rx *x)
{
    x->len += sim_repl_output(&x->r, (uint8_t *)x->out + x->len, OUT_MAX - 1 - x->len);
    x->out[x->len] = '\0';
}

static void rx_run_until(struct rx *x, uint64_t until)
{
    for (;;) {
        uint64_t d = sim_repl_deadline(&x->r);
        if (d == SIM_TIME_NEVER || d > until)
            break;
        if (d > x->t)
            x->t = d;
        sim_repl_run(&x->r, x->t);
        rx_collect(x);
    }
    if (until > x->t)
        x->t = until;
    rx_collect(x);
}

static void rx_settle(struct rx *x)
{
    rx_run_until(x, x->t + SETTLE_NS);
}

static void rx_send(struct rx *x, const void *data, size_t n)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++) {
        rx_run_until(x, x->t + KEY_NS);
        sim_repl_input(&x->r, x->t, x->t, p[i]);
        rx_collect(x);
    }
}

static void rx_clear(struct rx *x)
{
    x->len = 0;
    x->out[0] = '\0';
}

static void rx_type(struct rx *x, const char *s)
{
    rx_send(x, s, strlen(s));
    rx_settle(x);
}

/* Types `in` and checks everything that came back. */
static void rx_expect(struct rx *x, const char *in, const char *expect)
{
    rx_clear(x);
    rx_type(x, in);
    assert_string_equal(x->out, expect);
}

static void rx_boot(struct rx *x)
{
    sim_repl_boot(&x->r, x->t, x->flash, FLASH_SIZE);
    rx_settle(x);
}

static struct rx *rx_new(void)
{
    struct rx *x = calloc(1, sizeof *x);
    assert_non_null(x);
    assert_int_equal(sim_repl_init(&x->r), 0);
    x->flash = malloc(FLASH_SIZE);
    x->out = malloc(OUT_MAX);
    assert_non_null(x->flash);
    assert_non_null(x->out);
    memset(x->flash, 0xFF, FLASH_SIZE);
    x->t = SIM_NS_PER_MS;
    rx_clear(x);
    return x;
}

/* A REPL booted on erased flash, its banner consumed. */
static struct rx *rx_booted(void)
{
    struct rx *x = rx_new();
    rx_boot(x);
    rx_clear(x);
    return x;
}

static void rx_free(struct rx *x)
{
    sim_repl_free(&x->r);
    free(x->flash);
    free(x->out);
    free(x);
}

/* One friendly-REPL line: its echo, "\r\n", the result line(s), a new prompt. */
static void rx_line(struct rx *x, const char *line, const char *result)
{
    char in[512], expect[1024];
    snprintf(in, sizeof in, "%s\r", line);
    snprintf(expect, sizeof expect, "%s\r\n%s>>> ", line, result);
    rx_expect(x, in, expect);
}

/* ---- boot ---- */

static void test_boot_initial_setup_and_banner(void **state)
{
    (void)state;
    struct rx *x = rx_new();
    size_t len;
    const uint8_t *boot;

    rx_boot(x);
    /* _boot.py: erased filesystem -> inisetup.setup(); then main.c's "\r\n" and the banner */
    assert_string_equal(x->out, "Performing initial setup\r\n\r\n" BANNER HELP ">>> ");
    boot = sim_mpy_fs_get(sim_repl_fs(&x->r), "/boot.py", &len);
    assert_non_null(boot);
    assert_int_equal(len, strlen(DEFAULT_BOOT_PY));
    assert_memory_equal(boot, DEFAULT_BOOT_PY, len);
    assert_int_equal(sim_repl_mode(&x->r), SIM_REPL_FRIENDLY);

    /* a hard reset with the region untouched mounts the same volume: no setup, files kept */
    assert_int_equal(sim_mpy_fs_put(sim_repl_fs(&x->r), "keep.txt", "k", 1), 0);
    rx_clear(x);
    rx_boot(x);
    assert_string_equal(x->out, "\r\n" BANNER HELP ">>> ");
    assert_non_null(sim_mpy_fs_get(sim_repl_fs(&x->r), "keep.txt", &len));
    rx_free(x);
}

static void test_boot_filesystem_region(void **state)
{
    (void)state;
    struct rx *x = rx_new();
    size_t len;

    /* a littlefs volume written by an earlier firmware mounts without setup */
    memcpy(x->flash + FS_AT + 8, "littlefs", 8);
    rx_boot(x);
    assert_string_equal(x->out, "\r\n" BANNER HELP ">>> ");
    assert_non_null(sim_mpy_fs_get(sim_repl_fs(&x->r), "boot.py", &len));

    /* the flasher erased the region: setup again, the old files are gone */
    assert_int_equal(sim_mpy_fs_put(sim_repl_fs(&x->r), "old.txt", "o", 1), 0);
    memset(x->flash + FS_AT, 0xFF, 2 * 4096);
    rx_clear(x);
    rx_boot(x);
    assert_string_equal(x->out, "Performing initial setup\r\n\r\n" BANNER HELP ">>> ");
    assert_null(sim_mpy_fs_get(sim_repl_fs(&x->r), "old.txt", &len));

    /* neither erased nor a volume: inisetup.fs_corrupted() warns every 3 s, forever */
    memset(x->flash + FS_AT, 0x5A, 4096);
    rx_clear(x);
    rx_boot(x);
    const char *warn =
            "The filesystem starting at sector 256 with size 763 sectors looks corrupt.\r\n"
            "You may want to make a flash snapshot and try to recover it. Otherwise,\r\n"
            "format it with vfs.VfsLfs2.mkfs(bdev), or completely erase the flash and\r\n"
            "reprogram MicroPython.\r\n\r\n";
    assert_string_equal(x->out, warn);
    rx_clear(x);
    rx_type(x, "1\r");
    rx_run_until(x, x->t + 2 * SIM_NS_PER_S);
    assert_string_equal(x->out, "");
    rx_run_until(x, x->t + SIM_NS_PER_S);
    assert_string_equal(x->out, warn);
    rx_free(x);
}

static void test_boot_files_run(void **state)
{
    (void)state;
    struct rx *x = rx_booted();
    struct sim_mpy_fs *fs = sim_repl_fs(&x->r);
    static const char BAD_BOOT[] = "import gc\nx = 1\nundefined_name\n";
    static const char MAIN[] = "print('main', 6 * 7)\n";

    assert_int_equal(sim_mpy_fs_put(fs, "boot.py", BAD_BOOT, strlen(BAD_BOOT)), 0);
    assert_int_equal(sim_mpy_fs_put(fs, "main.py", MAIN, strlen(MAIN)), 0);
    rx_boot(x);
    assert_string_equal(x->out, TB "  File \"boot.py\", line 3, in <module>\r\n"
                                   "NameError: name 'undefined_name' isn't defined\r\n"
                                   "main 42\r\n"
                                   "\r\n" BANNER HELP ">>> ");
    /* globals set by boot.py are visible at the prompt */
    rx_line(x, "x", "1\r\n");

    /* main.py that never returns: no prompt until Ctrl-C */
    static const char LOOP[] = "while True:\n    pass\n";
    assert_int_equal(sim_mpy_fs_put(fs, "main.py", LOOP, strlen(LOOP)), 0);
    rx_clear(x);
    rx_boot(x);
    rx_run_until(x, x->t + SIM_NS_PER_S);
    assert_int_equal(sim_repl_mode(&x->r), SIM_REPL_RUNNING);
    rx_type(x, "\x03");
    assert_string_equal(x->out, TB "  File \"boot.py\", line 3, in <module>\r\n"
                                   "NameError: name 'undefined_name' isn't defined\r\n" TB
                                   "  File \"main.py\", line 2, in <module>\r\n"
                                   "KeyboardInterrupt: \r\n"
                                   "\r\n" BANNER HELP ">>> ");
    rx_free(x);
}

/* ---- readline ---- */

static void test_echo_and_line_editing(void **state)
{
    (void)state;
    struct rx *x = rx_booted();

    rx_expect(x, "abc", "abc");
    rx_expect(x, "\x08", "\b\x1b[K");         /* backspace: back, erase to EOL */
    rx_expect(x, "\x1b[D\x1b[D", "\b\b");     /* two left arrows */
    rx_expect(x, "X", "Xab\b\b");             /* insert: redraw the tail, back */
    rx_expect(x, "\x1b[C", "a");              /* right arrow redraws one char */
    rx_expect(x, "\x1b[3~", "\x1b[K");        /* delete at the end's neighbour */
    rx_expect(x, "\x1b[H", "\b\b");           /* home */
    rx_expect(x, "\x05", "Xa");               /* Ctrl-E on a non-empty line: end */
    rx_expect(x, "\x01", "\b\b");             /* Ctrl-A on a non-empty line: home */
    rx_expect(x, "\x1bOF", "Xa");             /* ESC O F: end */
    rx_expect(x, "\x1b[1~", "\b\b");          /* ESC [ 1 ~: home */
    rx_expect(x, "\x1b[4~", "Xa");            /* ESC [ 4 ~: end */
    rx_expect(x, "\xc3\xa9\x02\x04\x06", ""); /* non-ASCII and other controls */
    rx_expect(x, "0123456789", "0123456789");
    rx_expect(x, "\x1b[H", "\x1b[12D"); /* more than 4 back: ESC [ n D */
    rx_expect(x, "\x03", "\r\n>>> ");   /* Ctrl-C just starts a new line */
    rx_expect(x, "\r", "\r\n>>> ");     /* empty line */
    rx_expect(x,
              "1+2\x08"
              "3\r",
              "1+2\b\x1b[K3\r\n4\r\n>>> ");
    rx_free(x);
}

static void test_history(void **state)
{
    (void)state;
    struct rx *x = rx_booted();

    rx_line(x, "1+1", "2\r\n");
    rx_line(x, "2*3", "6\r\n");
    rx_expect(x, "\x1b[A", "2*3");
    rx_expect(x, "\x1b[A", "\b\b\b1+1");
    rx_expect(x, "\x1b[A", ""); /* no older entry */
    rx_expect(x, "\x1b[B", "\b\b\b2*3");
    rx_expect(x, "\x1b[B", "\b\b\b\x1b[K");
    rx_expect(x, "\x1b[A\r", "2*3\r\n6\r\n>>> ");
    /* the same line twice is kept once */
    rx_expect(x, "\x1b[A\x1b[A", "2*3\b\b\b1+1");
    rx_free(x);
}

static void test_auto_indent_and_continuation(void **state)
{
    (void)state;
    struct rx *x = rx_booted();

    rx_expect(x, "for i in range(3):\r", "for i in range(3):\r\n...     ");
    rx_expect(x, "print(i)\r", "print(i)\r\n...     ");
    rx_expect(x, "\x08", "\b\b\b\b\x1b[K"); /* backspace undoes a whole indent level */
    rx_expect(x, "\r", "\r\n0\r\n1\r\n2\r\n>>> ");
    /* RETURN three times finishes (auto-indent stops after two blank lines) */
    rx_expect(x, "if 1:\r", "if 1:\r\n...     ");
    rx_expect(x, "print('y')\r", "print('y')\r\n...     ");
    rx_expect(x, "\r", "\r\n...     ");
    rx_expect(x, "\r", "\r\n... ");
    rx_expect(x, "\r", "\r\ny\r\n>>> ");
    /* a space right after the auto-indent takes back three of its spaces */
    rx_expect(x, "while 0:\r", "while 0:\r\n...     ");
    rx_expect(x, " ", "\b\b\b");
    rx_expect(x, "\x03", "\r\n>>> ");
    /* open brackets continue the line too */
    rx_expect(x, "(1 +\r", "(1 +\r\n... ");
    rx_expect(x, "2)\r", "2)\r\n3\r\n>>> ");
    /* Ctrl-D on an empty continuation line runs what was entered (no newline is echoed) */
    rx_expect(x, "if 1:\r", "if 1:\r\n...     ");
    rx_expect(x, "print(5)\r", "print(5)\r\n...     ");
    rx_expect(x, "\x04", ""); /* the auto-indent makes the line non-empty */
    rx_expect(x, "\x08\x04", "\b\b\b\b\x1b[K5\r\n>>> ");
    rx_free(x);
}

static void test_tab_completion(void **state)
{
    (void)state;
    struct rx *x = rx_booted();

    rx_line(x, "import os", "");
    rx_expect(x, "os.li\t", "os.listdir");
    rx_expect(x, "\x03", "\r\n>>> ");
    rx_expect(x, "pri\t", "print");
    rx_expect(x, "\x03", "\r\n>>> ");
    rx_expect(x, "im\t", "import "); /* first word with no match: "import " */
    rx_expect(x, "\x03", "\r\n>>> ");
    rx_expect(x, "zz\t", "zz");
    rx_expect(x, "\x03", "\r\n>>> ");
    /* several candidates: listed in 16-column slots, then the prompt and line again */
    rx_clear(x);
    rx_type(x, "os.\t");
    assert_memory_equal(x->out, "os.\r\n", 5);
    assert_non_null(strstr(x->out, "listdir"));
    assert_non_null(strstr(x->out, "        "));
    assert_string_equal(x->out + x->len - strlen("\r\n>>> os."), "\r\n>>> os.");
    rx_expect(x, "\x03", "\r\n>>> ");
    /* Tab after whitespace inserts four spaces */
    rx_expect(x, "x = \t", "x =     ");
    rx_free(x);
}

/* ---- evaluation ---- */

static void test_expressions(void **state)
{
    (void)state;
    static const char *const CASES[][2] = {
            {"1+2", "3"},
            {"7//2, -7//2, 7%-3, -7%3", "(3, -4, -2, 2)"},
            {"2**10, 2**-1, 10/4, 7/2", "(1024, 0.5, 2.5, 3.5)"},
            {"-2**2, (-2)**2, ~5, 1<<40|1", "(-4, 4, -6, 1099511627777)"},
            {"'ab'*3 + 'c', len('hello'), 'x' in 'axb'", "('abababc', 5, True)"},
            {"\"it's\"", "\"it's\""},
            {"'a\\nb\\t\\\\'", "'a\\nb\\t\\\\'"},
            {"b'\\x00A\\xff' + bytes([1, 2])", "b'\\x00A\\xff\\x01\\x02'"},
            {"[1, 'a', (2,), None, True]", "[1, 'a', (2,), None, True]"},
            {"int('42') + int('ff', 16), hex(255), bin(5)", "(297, '0xff', '0b101')"},
            {"1 if 0 else 2, 3 > 2 > 1, not 1 or 'z'", "(2, True, 'z')"},
            {"'a,b,,c'.split(','), '-'.join(['x', 'y'])", "(['a', 'b', '', 'c'], 'x-y')"},
            {"[1, 2, 3][::-1], 'hello'[1:3], (1, 2)[-1]", "([3, 2, 1], 'el', 2)"},
            {"min(3, 1, 2), max([4, 9]), sum(range(5)), sorted([3, 1, 2])",
             "(1, 9, 10, [1, 2, 3])"},
            {"'{:5}|{}'.format(42, 'x'), str(1.5), repr('q')", "('   42|x', '1.5', \"'q'\")"},
    };
    struct rx *x = rx_booted();
    char result[256];

    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        snprintf(result, sizeof result, "%s\r\n", CASES[i][1]);
        rx_line(x, CASES[i][0], result);
    }
    rx_line(x, "print('x', 1, None, True)", "x 1 None True\r\n");
    rx_line(x, "print(1, 2, sep='-', end='!\\n')", "1-2!\r\n");
    rx_line(x, "print(b'hi')", "b'hi'\r\n");
    rx_line(x, "None", "");
    rx_line(x, "x = 5", "");
    rx_line(x, "x * 2", "10\r\n");
    rx_line(x, "_ + 1", "11\r\n"); /* the REPL keeps the last value in _ */
    rx_line(x, "a, b = 1, 2; a + b", "3\r\n");
    rx_line(x, "x += 1; x", "6\r\n");
    rx_free(x);
}

static void test_error_tracebacks(void **state)
{
    (void)state;
    struct rx *x = rx_booted();

    rx_line(x, "undefined", TB AT_LINE(1) "NameError: name 'undefined' isn't defined\r\n");
    /* syntax errors name no block */
    rx_line(x, "1+", TB "  File \"<stdin>\", line 1\r\nSyntaxError: invalid syntax\r\n");
    rx_line(x, "1/0", TB AT_LINE(1) "ZeroDivisionError: divide by zero\r\n");
    rx_line(x, "1+'a'", TB AT_LINE(1) "TypeError: unsupported types for __add__: 'int', 'str'\r\n");
    rx_line(x, "'a'+1",
            TB AT_LINE(1) "TypeError: can't convert 'int' object to str implicitly\r\n");
    rx_line(x, "[1][5]", TB AT_LINE(1) "IndexError: list index out of range\r\n");
    rx_line(x, "int('z')", TB AT_LINE(1) "ValueError: invalid syntax for integer with base 10\r\n");
    rx_line(x, "open('missing.txt')", TB AT_LINE(1) "OSError: [Errno 2] ENOENT\r\n");
    rx_line(x, "import nosuch", TB AT_LINE(1) "ImportError: no module named 'nosuch'\r\n");
    rx_line(x, "raise ValueError('bad')", TB AT_LINE(1) "ValueError: bad\r\n");
    rx_line(x, "(1).foo", TB AT_LINE(1) "AttributeError: 'int' object has no attribute 'foo'\r\n");

    /* errors in a pasted program carry their line */
    rx_type(x, "\x05");
    rx_clear(x);
    rx_type(x, "a = 1\rb = 2\rc = a + nothing\r\x04");
    assert_string_equal(x->out, "a = 1\r\n=== b = 2\r\n=== c = a + nothing\r\n=== \r\n" TB AT_LINE(
                                        3) "NameError: name 'nothing' isn't defined\r\n>>> ");
    /* the indentation error of pasting into the normal REPL (docs/reference/repl.rst) */
    rx_type(x, "\x05");
    rx_clear(x);
    rx_type(x, "x = 1\r        y = 2\r\x04");
    assert_string_equal(x->out,
                        "x = 1\r\n===         y = 2\r\n=== \r\n" TB "  File \"<stdin>\", line 2\r\n"
                        "IndentationError: unexpected indent\r\n>>> ");
    /* nothing ran: the compile error stops the whole program */
    rx_line(x, "x", TB AT_LINE(1) "NameError: name 'x' isn't defined\r\n");
    rx_free(x);
}

/* ---- control keys ---- */

static void test_ctrl_c(void **state)
{
    (void)state;
    struct rx *x = rx_booted();

    rx_expect(x, "abc\x03", "abc\r\n>>> "); /* no KeyboardInterrupt without a program */
    rx_expect(x, "for i in range(3):\r", "for i in range(3):\r\n...     ");
    rx_expect(x, "\x03", "\r\n>>> ");

    /* a running loop: Ctrl-C raises KeyboardInterrupt where it runs */
    rx_type(x, "\x05");
    rx_type(x, "n = 0\rwhile True:\r    n += 1\r\x04");
    rx_clear(x);
    rx_run_until(x, x->t + SIM_NS_PER_S);
    assert_string_equal(x->out, "");
    assert_int_equal(sim_repl_mode(&x->r), SIM_REPL_RUNNING);
    rx_expect(x, "\x03", TB AT_LINE(3) "KeyboardInterrupt: \r\n>>> ");
    /* it had been running for a while (virtual time) */
    rx_clear(x);
    rx_type(x, "n > 1000\r");
    assert_string_equal(x->out, "n > 1000\r\nTrue\r\n>>> ");

    /* input typed while a program runs waits in the UART ring */
    rx_type(x, "import time\r");
    rx_clear(x);
    rx_type(x, "time.sleep(5)\r1+1\r");
    assert_string_equal(x->out, "time.sleep(5)\r\n");
    rx_run_until(x, x->t + 5 * SIM_NS_PER_S);
    assert_string_equal(x->out, "time.sleep(5)\r\n>>> 1+1\r\n2\r\n>>> ");
    /* Ctrl-C during a sleep */
    rx_type(x, "time.sleep(100)\r");
    rx_expect(x, "\x03", TB AT_LINE(1) "KeyboardInterrupt: \r\n>>> ");
    /* caught like any exception */
    rx_type(x, "\x05");
    rx_type(x, "try:\r    time.sleep(100)\rexcept KeyboardInterrupt:\r    print('caught')\r\x04");
    rx_expect(x, "\x03", "caught\r\n>>> ");
    rx_free(x);
}

static void test_ctrl_d_soft_reboot(void **state)
{
    (void)state;
    struct rx *x = rx_booted();

    rx_line(x, "x = 1", "");
    rx_line(x, "f = open('kept.txt', 'w'); f.write('data'); f.close()", "4\r\n");
    rx_expect(x, "ab\x04", "ab"); /* Ctrl-D on a non-empty line does nothing */
    rx_expect(x, "\x03", "\r\n>>> ");
    rx_expect(x, "\x04", "\r\nMPY: soft reboot\r\n" BANNER HELP ">>> ");
    rx_expect(x, "\x1b[A", ""); /* the history went with the reboot */
    rx_line(x, "x", TB AT_LINE(1) "NameError: name 'x' isn't defined\r\n");
    rx_line(x, "open('kept.txt').read()", "'data'\r\n");
    /* sys.exit() reboots too; main.py runs after a soft reboot in the friendly REPL */
    assert_int_equal(sim_mpy_fs_put(sim_repl_fs(&x->r), "main.py", "print('hi')\n", 12), 0);
    rx_line(x, "import sys", "");
    rx_expect(x, "sys.exit()\r", "sys.exit()\r\nMPY: soft reboot\r\nhi\r\n" BANNER HELP ">>> ");
    assert_int_equal(sim_repl_stats(&x->r)->soft_reboots, 2);
    /* Ctrl-B on an empty line: the banner again */
    rx_expect(x, "\x02", "\r\n" BANNER HELP ">>> ");
    rx_free(x);
}

/* ---- paste mode ---- */

static void test_paste_mode(void **state)
{
    (void)state;
    static const char PASTE[] = "for i in range(3):\r"
                                "    if i % 2 == 0:\r"
                                "        print('even', i)\r"
                                "    else:\r"
                                "        print('odd', i)\r"
                                "\r"
                                "x = 'done'\r"
                                "x\r";
    struct rx *x = rx_booted();
    size_t len;
    const char *prog;

    rx_expect(x, "\x05", "\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ");
    rx_expect(x, PASTE,
              "for i in range(3):\r\n"
              "===     if i % 2 == 0:\r\n"
              "===         print('even', i)\r\n"
              "===     else:\r\n"
              "===         print('odd', i)\r\n"
              "=== \r\n"
              "=== x = 'done'\r\n"
              "=== x\r\n"
              "=== ");
    rx_expect(x, "\x04", "\r\neven 0\r\nodd 1\r\neven 2\r\n'done'\r\n>>> ");
    /* the indented block arrived intact */
    prog = sim_repl_last_program(&x->r, &len);
    assert_int_equal(len, strlen(PASTE));
    assert_memory_equal(prog, PASTE, len);

    /* CRLF pastes: '\n' is echoed as is; Ctrl-C cancels without running */
    rx_expect(x, "\x05", "\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ");
    rx_expect(x, "y = 1\r\n", "y = 1\r\n=== \n");
    rx_expect(x, "\x03", "\r\n>>> ");
    rx_line(x, "y", TB AT_LINE(1) "NameError: name 'y' isn't defined\r\n");
    rx_free(x);
}

/* ---- raw REPL ---- */

static void rx_expect_bin(struct rx *x, const void *in, size_t in_len, const void *expect,
                          size_t expect_len)
{
    rx_clear(x);
    rx_send(x, in, in_len);
    rx_settle(x);
    assert_int_equal(x->len, expect_len);
    assert_memory_equal(x->out, expect, expect_len);
}

static void test_raw_repl(void **state)
{
    (void)state;
    struct rx *x = rx_booted();

    rx_expect(x, "\x01", "\r\n" RAW_BANNER ">");
    rx_expect(x, "print('hi')\r\n1+1\r\n", ""); /* no echo; bare values are not printed */
    rx_expect(x, "\x04", "OKhi\r\n\x04\x04>");
    rx_expect(x, "1/0\x04", "OK\x04" TB AT_LINE(1) "ZeroDivisionError: divide by zero\r\n\x04>");
    rx_expect(x, "1+\x04",
              "OK\x04" TB "  File \"<stdin>\", line 1\r\nSyntaxError: invalid syntax\r\n\x04>");
    rx_expect(x, "garbage\x03print(2)\x04", "OK2\r\n\x04\x04>"); /* Ctrl-C clears the buffer */
    rx_expect(x, "\x01", RAW_BANNER ">");
    rx_expect(x, "\x04", "OK\r\nMPY: soft reboot\r\n" RAW_BANNER ">"); /* raw mode survives */
    rx_expect(x, "import sys\nsys.exit()\x04", "OK\x04\x04MPY: soft reboot\r\n" RAW_BANNER ">");
    rx_expect(x, "\x02", "\r\n" BANNER HELP ">>> ");
    assert_int_equal(sim_repl_mode(&x->r), SIM_REPL_FRIENDLY);
    rx_free(x);
}

static void test_raw_paste_protocol(void **state)
{
    (void)state;
    static const uint8_t HEADER[] = {'R', 0x01, 0x80, 0x00, 0x01};
    struct rx *x = rx_booted();
    char prog[400];
    size_t n, len;
    const char *seen;

    rx_type(x, "\x01");
    rx_expect_bin(x,
                  "\x05"
                  "A\x01",
                  3, HEADER, sizeof HEADER);
    assert_int_equal(sim_repl_mode(&x->r), SIM_REPL_RAW_PASTE);
    /* 300 bytes: a window increment after the 128th and the 256th */
    memset(prog, '#', sizeof prog);
    n = 300;
    memcpy(prog + n - 14, "\nprint(6 * 7)\n", 14);
    rx_expect_bin(x, prog, 127, "", 0);
    rx_expect_bin(x, prog + 127, 1, "\x01", 1);
    rx_expect_bin(x, prog + 128, 128, "\x01", 1);
    rx_expect_bin(x, prog + 256, n - 256, "", 0);
    /* end of data: EOF back, then output, EOF, error, EOF and the prompt */
    rx_expect_bin(x, "\x04", 1,
                  "\x04"
                  "42\r\n\x04\x04>",
                  8);
    assert_int_equal(sim_repl_stats(&x->r)->raw_paste_last_bytes, n);
    assert_int_equal(sim_repl_stats(&x->r)->raw_paste_grants, 2);
    assert_int_equal(sim_repl_stats(&x->r)->window_violations, 0);
    seen = sim_repl_last_program(&x->r, &len);
    assert_int_equal(len, n);
    assert_memory_equal(seen, prog, n);

    /* an unknown raw-paste command */
    rx_expect_bin(x,
                  "\x05"
                  "B\x01",
                  3, "R\x00>", 3);
    /* Ctrl-C while data arrives: EOF, then the reader's KeyboardInterrupt */
    rx_expect_bin(x,
                  "\x05"
                  "A\x01",
                  3, HEADER, sizeof HEADER);
    rx_expect(x, "print(1)\x03", "\x04\x04KeyboardInterrupt: \r\n\x04>");
    rx_free(x);
}

static void test_raw_paste_window_overrun(void **state)
{
    (void)state;
    struct rx *x = rx_booted();
    const struct sim_repl_stats *st = sim_repl_stats(&x->r);
    uint64_t wrote;

    rx_type(x, "\x01");
    /* a client that writes "\x05A\x01" and its data at once never saw the window */
    wrote = x->t;
    sim_repl_input(&x->r, x->t + 1 * KEY_NS, wrote, 0x05);
    sim_repl_input(&x->r, x->t + 2 * KEY_NS, wrote, 'A');
    sim_repl_input(&x->r, x->t + 3 * KEY_NS, wrote, 0x01);
    sim_repl_input(&x->r, x->t + 4 * KEY_NS, wrote, '1');
    assert_int_equal(st->window_violations, 1);
    assert_int_equal(st->window_violation_sessions, 1);
    assert_int_equal(st->last_violation_byte, 1);
    assert_int_equal(st->last_violation_allowed, 0);
    /* once the header could have arrived, two windows are allowed */
    x->t += SIM_NS_PER_S;
    for (unsigned i = 0; i < 255; i++)
        sim_repl_input(&x->r, x->t, x->t, ' ');
    assert_int_equal(st->window_violations, 1);
    /* byte 257 before the first increment could be seen: a new overrun */
    sim_repl_input(&x->r, x->t, x->t - KEY_NS, ' ');
    assert_int_equal(st->window_violations, 2);
    assert_int_equal(st->window_violation_sessions, 1); /* one per session */
    sim_repl_input(&x->r, x->t, x->t, 0x04);
    rx_free(x);
}

/* ---- files as file-transfer clients use them ---- */

/* Runs one raw-REPL command (mpremote's exec) and checks stdout; stderr must be empty. */
static void raw_exec(struct rx *x, const char *cmd, const char *stdout_text)
{
    char expect[4096];
    snprintf(expect, sizeof expect, "OK%s\x04\x04>", stdout_text);
    rx_clear(x);
    rx_send(x, cmd, strlen(cmd));
    rx_type(x, "\x04");
    assert_string_equal(x->out, expect);
}

static void test_mpremote_file_commands(void **state)
{
    (void)state;
    struct rx *x = rx_booted();
    char expect[256];
    size_t len;
    const uint8_t *data;

    rx_type(x, "\x01");
    /* fs_listdir */
    snprintf(expect, sizeof expect, "('boot.py', 32768, 0, %zu),", strlen(DEFAULT_BOOT_PY));
    raw_exec(x, "import os\nfor f in os.ilistdir(''):\n print(repr(f), end=',')", expect);
    /* fs_writefile */
    raw_exec(x, "f=open('t.bin','wb')\nw=f.write", "");
    raw_exec(x, "w(b'\\x00\\x01abc\\n\\xff\\'')", "");
    raw_exec(x, "w(b\"'\\\\\")", "");
    raw_exec(x, "f.close()", "");
    data = sim_mpy_fs_get(sim_repl_fs(&x->r), "t.bin", &len);
    assert_int_equal(len, 10);
    assert_memory_equal(data,
                        "\x00\x01"
                        "abc\n\xff''\\",
                        10);
    /* fs_stat */
    raw_exec(x, "import os", "");
    raw_exec(x, "print(repr(os.stat('t.bin')))", "(32768, 0, 0, 0, 0, 0, 10, 0, 0, 0)\r\n");
    raw_exec(x, "print(repr(os.stat('/')))", "(16384, 0, 0, 0, 0, 0, 0, 0, 0, 0)\r\n");
    /* fs_readfile (eval: print(repr(...))) and pyboard's fs_get (print(r(n))) */
    raw_exec(x, "f=open('t.bin','rb')\nr=f.read", "");
    raw_exec(x, "print(repr(r(4)))", "b'\\x00\\x01ab'\r\n");
    raw_exec(x, "print(r(256))", "b\"c\\n\\xff''\\\\\"\r\n"); /* ' inside: "" quotes */
    raw_exec(x, "print(repr(r(256)))", "b''\r\n");
    raw_exec(x, "f.close()", "");
    /* fs_printfile */
    assert_int_equal(sim_mpy_fs_put(sim_repl_fs(&x->r), "t.txt", "line1\nline2\n", 12), 0);
    raw_exec(x,
             "with open('t.txt') as f:\n while 1:\n  b=f.read(256)\n  if not b:break\n"
             "  print(b,end='')",
             "line1\r\nline2\r\n");
    /* ampy's get: hexlify to stdout */
    raw_exec(x,
             "import sys\nimport ubinascii\nwith open('t.txt', 'rb') as infile:\n"
             "    while True:\n        result = infile.read(4)\n        if result == b'':\n"
             "            break\n        len = sys.stdout.write(ubinascii.hexlify(result))\n",
             "6c696e65310a6c696e65320a");
    rx_free(x);
}

static void test_filesystem_and_enospc(void **state)
{
    (void)state;
    struct rx *x = rx_booted();
    struct sim_mpy_fs *fs = sim_repl_fs(&x->r);
    size_t len;

    rx_line(x, "import os", "");
    rx_line(x, "os.listdir()", "['boot.py']\r\n");
    rx_expect(x, "with open('a.txt', 'w') as f: f.write('hello\\n')\r",
              "with open('a.txt', 'w') as f: f.write('hello\\n')\r\n... ");
    rx_expect(x, "\r", "\r\n6\r\n>>> ");
    rx_line(x, "os.listdir()", "['a.txt', 'boot.py']\r\n");
    rx_line(x, "open('a.txt').read(), open('a.txt', 'rb').read()", "('hello\\n', b'hello\\n')\r\n");
    rx_line(x, "f.write('x')", TB AT_LINE(1) "OSError: [Errno 9] EBADF\r\n"); /* closed by with */
    rx_line(x, "os.mkdir('lib'); os.rename('a.txt', 'lib/b.txt'); os.listdir('/lib')",
            "['b.txt']\r\n");
    rx_line(x, "os.rmdir('lib')", TB AT_LINE(1) "OSError: 39\r\n"); /* ENOTEMPTY: no name */
    rx_line(x, "os.remove('lib/b.txt'); os.remove('lib'); os.listdir()", "['boot.py']\r\n");
    rx_line(x, "os.remove('nope')", TB AT_LINE(1) "OSError: [Errno 2] ENOENT\r\n");
    rx_line(x, "os.mkdir('boot.py')", TB AT_LINE(1) "OSError: [Errno 17] EEXIST\r\n");

    /* a full volume: littlefs' ENOSPC (28) is not in the port's errno names */
    sim_mpy_fs_set_capacity(fs, sim_mpy_fs_used(fs) + SIM_MPY_FS_ENTRY_OVERHEAD + 3000);
    rx_line(x, "f = open('big', 'wb')", "");
    rx_line(x, "f.write(bytes(3000))", "3000\r\n");
    rx_line(x, "f.write(b'!')", TB AT_LINE(1) "OSError: 28\r\n");
    rx_line(x, "f.close(); os.stat('big')[6]", "3000\r\n");
    assert_non_null(sim_mpy_fs_get(fs, "big", &len));
    assert_int_equal(len, 3000);
    rx_line(x, "open('more', 'w')", TB AT_LINE(1) "OSError: 28\r\n");
    rx_free(x);
}

static void test_binascii_uploads(void **state)
{
    (void)state;
    struct rx *x = rx_booted();
    size_t len;
    const uint8_t *data;

    rx_line(x, "import ubinascii, binascii", "");
    rx_line(x, "f = open('b64.bin', 'wb')", "");
    rx_line(x, "f.write(ubinascii.a2b_base64('AAH/YWJj'))", "6\r\n");
    rx_line(x, "f.write(binascii.unhexlify('7a00'))", "2\r\n");
    rx_line(x, "f.close()", "");
    data = sim_mpy_fs_get(sim_repl_fs(&x->r), "b64.bin", &len);
    assert_int_equal(len, 8);
    assert_memory_equal(data,
                        "\x00\x01\xff"
                        "abcz\x00",
                        8);
    rx_line(x, "binascii.hexlify(open('b64.bin', 'rb').read())", "b'0001ff6162637a00'\r\n");
    rx_line(x, "binascii.b2a_base64(b'abcz')", "b'YWJjeg==\\n'\r\n");
    rx_line(x, "binascii.unhexlify('7')", TB AT_LINE(1) "ValueError: odd-length string\r\n");
    rx_line(x, "binascii.a2b_base64('YWJ')", TB AT_LINE(1) "ValueError: incorrect padding\r\n");
    rx_free(x);
}

static void test_cursor_position_queries(void **state)
{
    (void)state;
    struct rx *x = rx_booted();

    /* MicroPython never asks (readline.c sends no ESC[6n) and does not answer one either: the
     * parser takes "ESC [ 6" and drops the 'n' */
    rx_expect(x, "\x1b[6n", "");
    rx_line(x, "1", "1\r\n");
    /* so a terminal must not send reports unasked: "ESC [ 2" ends at '4', the rest is typed */
    rx_expect(x, "\x1b[24;80R", ";80R");
    rx_expect(x, "\x03", "\r\n>>> ");

    /* a program asks the terminal (sys.stdout.write + sys.stdin.read), the terminal answers */
    rx_type(x, "\x05");
    rx_type(x, "import sys\rsys.stdout.write('\\x1b[6n')\rr = ''\r"
               "while not r.endswith('R'):\r    r += sys.stdin.read(1)\rprint(repr(r))\r");
    rx_expect(x, "\x04", "\r\n\x1b[6n4\r\n"); /* paste mode shows write()'s return value */
    assert_int_equal(sim_repl_mode(&x->r), SIM_REPL_RUNNING);
    rx_expect(x, "\x1b[3;7R", "'\\x1b[3;7R'\r\n>>> ");
    rx_free(x);
}

static void test_time_is_virtual(void **state)
{
    (void)state;
    struct rx *x = rx_booted();
    uint64_t start;

    rx_type(x, "\x05");
    rx_type(x, "import time\rt0 = time.ticks_ms()\rtime.sleep_ms(1500)\r"
               "print(time.ticks_diff(time.ticks_ms(), t0))\r");
    rx_clear(x);
    rx_type(x, "\x04");
    start = x->t;
    assert_string_equal(x->out, "\r\n");
    rx_run_until(x, start + 1400 * SIM_NS_PER_MS);
    assert_string_equal(x->out, "\r\n");
    rx_run_until(x, start + 1600 * SIM_NS_PER_MS);
    assert_string_equal(x->out, "\r\n1500\r\n>>> ");
    rx_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_boot_initial_setup_and_banner),
            cmocka_unit_test(test_boot_filesystem_region),
            cmocka_unit_test(test_boot_files_run),
            cmocka_unit_test(test_echo_and_line_editing),
            cmocka_unit_test(test_history),
            cmocka_unit_test(test_auto_indent_and_continuation),
            cmocka_unit_test(test_tab_completion),
            cmocka_unit_test(test_expressions),
            cmocka_unit_test(test_error_tracebacks),
            cmocka_unit_test(test_ctrl_c),
            cmocka_unit_test(test_ctrl_d_soft_reboot),
            cmocka_unit_test(test_paste_mode),
            cmocka_unit_test(test_raw_repl),
            cmocka_unit_test(test_raw_paste_protocol),
            cmocka_unit_test(test_raw_paste_window_overrun),
            cmocka_unit_test(test_mpremote_file_commands),
            cmocka_unit_test(test_filesystem_and_enospc),
            cmocka_unit_test(test_binascii_uploads),
            cmocka_unit_test(test_cursor_position_queries),
            cmocka_unit_test(test_time_is_virtual),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
