/* SPDX-License-Identifier: MIT */
/* Unit tests of mflash's command line and output: both spellings, options anywhere, numbers,
 * ADDR FILE pairs, usage errors, per-command help, JSON escaping and events, exit codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli_args.h"
#include "cli_json.h"
#include "cli_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARGV_MAX 32
#define TEXT_MAX (256 * 1024)

/* Parses a command line written as one string (words split at spaces). */
static int parse_env(const char *line, const struct cli_env *env, struct cli_args *a,
                     struct mf_error *e)
{
    static char buf[1024]; /* the args point into it; one parse at a time */
    char *argv[ARGV_MAX] = {"mflash"};
    int argc = 1;
    snprintf(buf, sizeof buf, "%s", line);
    for (char *w = strtok(buf, " "); w != NULL && argc < ARGV_MAX - 1; w = strtok(NULL, " ")) {
        argv[argc++] = w;
    }
    argv[argc] = NULL;
    return cli_args_parse(argc, argv, env, a, e);
}

static int parse(const char *line, struct cli_args *a, struct mf_error *e)
{
    return parse_env(line, NULL, a, e);
}

/* Everything written to a FILE, as a string. */
static char *read_back(FILE *f)
{
    static char text[TEXT_MAX];
    size_t n;
    rewind(f);
    n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    return text;
}

/* ---- Commands and options ---- */

static const char *const COMMANDS[] = {"chip_id",     "read_mac",   "flash_id",     "write_flash",
                                       "erase_flash", "read_flash", "erase_region", "verify_flash",
                                       "image_info",  "run",        "list_ports",   "fs",
                                       "repl"};

static void test_command_spellings(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++) {
        char dashed[32];
        snprintf(dashed, sizeof dashed, "%s", COMMANDS[i]);
        for (char *p = dashed; *p != '\0'; p++) {
            *p = *p == '_' ? '-' : *p;
        }
        const struct cli_command *a = cli_command_find(COMMANDS[i]);
        assert_non_null(a);
        assert_ptr_equal(a, cli_command_find(dashed));
        assert_string_equal(a->name, COMMANDS[i]);
        assert_ptr_equal(a, cli_command_get(a->id));
    }
    assert_null(cli_command_find("write_flashx"));
    assert_null(cli_command_find("WRITE_FLASH"));
    assert_null(cli_command_find(""));
}

static void test_option_spellings(void **state)
{
    struct cli_args a;
    struct mf_error e;
    (void)state;
    static const char *const lines[] = {
            "write_flash --flash_size 4MB --flash_mode dio --flash_freq 40m --erase_all 0 f",
            "write-flash --flash-size 4MB --flash-mode dio --flash-freq 40m --erase-all 0 f",
            "write_flash -fs 4MB -fm dio -ff 40m -e 0 f",
            "write_flash --flash-size=4MB --flash_mode=dio -ff=40m -e 0 f",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        assert_int_equal(parse(lines[i], &a, &e), MF_OK);
        assert_int_equal(a.command->id, CLI_CMD_WRITE_FLASH);
        assert_true(a.erase_all);
        assert_int_equal(a.params.mode, IMAGE_MODE_DIO);
        assert_int_equal(a.params.freq, IMAGE_FREQ_40M);
        assert_int_equal(a.params.size, 0x40);
    }
    assert_int_equal(parse("--before default-reset --after no-reset --no_stub --connect_attempts 3 "
                           "chip_id",
                           &a, &e),
                     MF_OK);
    assert_int_equal(a.before, CONN_BEFORE_DEFAULT_RESET);
    assert_int_equal(a.after, FLASHER_AFTER_NO_RESET);
    assert_true(a.no_stub);
    assert_int_equal(a.connect_attempts, 3);
    assert_int_equal(parse("--before no_reset_no_sync --after soft_reset chip_id", &a, &e), MF_OK);
    assert_int_equal(a.before, CONN_BEFORE_NO_RESET_NO_SYNC);
    assert_int_equal(a.after, FLASHER_AFTER_SOFT_RESET);
    assert_int_equal(parse("-pCOM7 -b9600 -cesp8285 chip_id", &a, &e), MF_OK);
    assert_string_equal(a.port, "COM7");
    assert_int_equal(a.baud, 9600);
    assert_int_equal(parse("-b 921600 --baud AUTO chip_id", &a, &e), MF_OK);
    assert_int_equal(a.baud, CLI_BAUD_AUTO);
    assert_int_equal(parse("-b fast chip_id", &a, &e), MF_ERR_ARG);
    assert_non_null(strstr(e.message, "auto"));
}

static void test_defaults_and_env(void **state)
{
    struct cli_args a;
    struct mf_error e;
    struct cli_env env = {"/dev/ttyUSB3", "460800"};
    struct cli_env bad = {NULL, "fast"};
    (void)state;
    assert_int_equal(parse("chip_id", &a, &e), MF_OK);
    assert_string_equal(a.port, "auto");
    assert_int_equal(a.baud, CLI_BAUD_AUTO);
    assert_int_equal(a.before, CONN_BEFORE_DEFAULT_RESET);
    assert_int_equal(a.after, FLASHER_AFTER_HARD_RESET);
    assert_int_equal(a.connect_attempts, 7);
    assert_int_equal(a.wait_ms, 0);
    assert_int_equal(a.params.size, IMAGE_KEEP);
    assert_int_equal(a.params.mode, IMAGE_KEEP);
    assert_int_equal(a.params.freq, IMAGE_KEEP);
    assert_false(a.json);
    assert_int_equal(parse_env("chip_id", &env, &a, &e), MF_OK);
    assert_string_equal(a.port, "/dev/ttyUSB3");
    assert_int_equal(a.baud, 460800);
    /* The command line wins over the environment. */
    assert_int_equal(parse_env("chip_id -p COM3 -b 74880", &env, &a, &e), MF_OK);
    assert_string_equal(a.port, "COM3");
    assert_int_equal(a.baud, 74880);
    assert_int_equal(parse_env("chip_id", &bad, &a, &e), MF_ERR_ARG);
    assert_non_null(strstr(e.message, "ESPTOOL_BAUD"));
    assert_int_equal(parse_env("chip_id -b 115200", &bad, &a, &e), MF_OK);
}

/* esptool puts global options before the command; mflash also takes them after it. */
static void test_options_after_command(void **state)
{
    struct cli_args a;
    struct mf_error e;
    (void)state;
    assert_int_equal(parse("chip_id -p COM5 --baud 921600 --json --trace", &a, &e), MF_OK);
    assert_int_equal(a.command->id, CLI_CMD_CHIP_ID);
    assert_string_equal(a.port, "COM5");
    assert_int_equal(a.baud, 921600);
    assert_true(a.json);
    assert_true(a.trace);
    assert_int_equal(parse("write_flash 0 fw.bin -p COM5 --erase-all", &a, &e), MF_OK);
    assert_string_equal(a.port, "COM5");
    assert_true(a.erase_all);
    assert_int_equal(a.npairs, 1);
    /* A command option before the command is taken too, and checked against the command. */
    assert_int_equal(parse("--erase-all write_flash 0 fw.bin", &a, &e), MF_OK);
    assert_true(a.erase_all);
    assert_int_equal(parse("--erase-all chip_id", &a, &e), MF_ERR_ARG);
    assert_int_equal(parse("chip_id --erase-all", &a, &e), MF_ERR_ARG);
    assert_non_null(strstr(e.message, "not an option of chip_id"));
    assert_int_equal(parse("verify_flash --diff yes -fm dout 0 fw.bin", &a, &e), MF_OK);
    assert_true(a.diff);
    assert_int_equal(parse("verify_flash --erase-all 0 fw.bin", &a, &e), MF_ERR_ARG);
    assert_int_equal(parse("write_flash --diff yes 0 fw.bin", &a, &e), MF_ERR_ARG);
}

static void test_addr_file_pairs(void **state)
{
    struct cli_args a;
    struct mf_error e;
    (void)state;
    assert_int_equal(parse("write_flash 0x0 boot.bin 4096 b.bin 0x3FC000 init.bin", &a, &e), MF_OK);
    assert_int_equal(a.npairs, 3);
    assert_int_equal(a.pairs[0].addr, 0);
    assert_string_equal(a.pairs[0].file, "boot.bin");
    assert_int_equal(a.pairs[1].addr, 4096);
    assert_string_equal(a.pairs[1].file, "b.bin");
    assert_int_equal(a.pairs[2].addr, 0x3FC000);
    assert_string_equal(a.pairs[2].file, "init.bin");
    assert_int_equal(parse("verify_flash 0 a.bin", &a, &e), MF_OK);
    assert_int_equal(a.npairs, 1);
    assert_int_equal(parse("write_flash", &a, &e), MF_ERR_ARG);
    assert_int_equal(parse("write_flash fw.bin", &a, &e), MF_ERR_ARG);
    assert_int_equal(parse("write_flash 0 a.bin 0x1000", &a, &e), MF_ERR_ARG);
    assert_int_equal(parse("write_flash fw.bin 0", &a, &e), MF_ERR_ARG);
    assert_non_null(strstr(e.message, "'fw.bin' is not a flash address"));
    /* "--" ends the options: a file name may start with '-'. */
    assert_int_equal(parse("write_flash -- 0 -odd.bin", &a, &e), MF_OK);
    assert_string_equal(a.pairs[0].file, "-odd.bin");
    char line[1024] = "write_flash";
    for (unsigned i = 0; i <= CLI_FILES_MAX; i++) {
        char pair[32];
        snprintf(pair, sizeof pair, " 0x%x f", i * 0x1000u);
        strcat(line, pair);
    }
    assert_int_equal(parse(line, &a, &e), MF_ERR_ARG);
}

static void test_numbers(void **state)
{
    static const struct {
        const char *text;
        bool ok;
        uint32_t value;
    } cases[] = {
            {"0", true, 0},
            {"4096", true, 4096},
            {"010", true, 10},
            {"0x0", true, 0},
            {"0x3fc000", true, 0x3FC000},
            {"0X3FC000", true, 0x3FC000},
            {"4294967295", true, UINT32_MAX},
            {"0xFFFFFFFF", true, UINT32_MAX},
            {"", false, 0},
            {"0x", false, 0},
            {"12a", false, 0},
            {"-1", false, 0},
            {"+1", false, 0},
            {" 1", false, 0},
            {"1 ", false, 0},
            {"0x1G", false, 0},
            {"4294967296", false, 0},
            {"0x100000000", false, 0},
            {"99999999999999999999999", false, 0},
            {"1.5", false, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t v = 12345;
        bool ok = cli_parse_u32(cases[i].text, &v);
        if (ok != cases[i].ok) {
            fail_msg("cli_parse_u32(\"%s\") gave %d", cases[i].text, ok);
        }
        if (ok) {
            assert_int_equal(v, cases[i].value);
        } else {
            assert_int_equal(v, 12345); /* untouched */
        }
    }
}

static void test_bad_values(void **state)
{
    static const char *const lines[] = {
            "-b fast chip_id",
            "-b 0 chip_id",
            "--connect-attempts many chip_id",
            "--before usb_reset chip_id",
            "--before usb-reset chip_id",
            "--before sometimes chip_id",
            "--after explode chip_id",
            "-c esp32 chip_id",
            "--chip esp32c3 chip_id",
            "write_flash -fs 3MB 0 f",
            "write_flash -fm fast 0 f",
            "write_flash -ff 60m 0 f",
            "write_flash -z -u 0 f",
            "verify_flash --diff maybe 0 f",
            "chip_id -p",
            "chip_id --port=",
            "chip_id --json=1",
            "--wait soon chip_id",
            "erase_region 0x1000 0x800",
            "erase_region 0x800 0x1000",
            "erase_region 0 0",
            "erase_region 0 0x1000 0x2000",
            "read_flash 0 0 out.bin",
            "read_flash 0 some out.bin",
            "read_flash 0xFFF000 0x2000 out.bin",
            "image_info",
            "image_info a b",
            "chip_id extra",
            "list_ports now",
    };
    struct cli_args a;
    struct mf_error e;
    (void)state;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        int rc = parse(lines[i], &a, &e);
        if (rc != MF_ERR_ARG || e.message[0] == '\0') {
            fail_msg("\"%s\": %d \"%s\"", lines[i], rc, e.message);
        }
        assert_int_equal(cli_exit_code(rc), CLI_EXIT_USAGE);
    }
    assert_int_equal(parse("-c ESP8266 chip_id", &a, &e), MF_OK);
    assert_int_equal(parse("-c auto chip_id", &a, &e), MF_OK);
    parse("--before usb_reset chip_id", &a, &e);
    assert_non_null(strstr(e.message, "not on an ESP8266"));
    parse("-c esp32 chip_id", &a, &e);
    assert_non_null(strstr(e.message, "ESP8266"));
}

static void test_unknown_command_and_option(void **state)
{
    struct cli_args a;
    struct mf_error e;
    (void)state;
    assert_int_equal(parse("", &a, &e), MF_ERR_ARG);
    assert_non_null(strstr(e.message, "No command"));
    assert_int_equal(parse("flash_write 0 f", &a, &e), MF_ERR_ARG);
    assert_non_null(strstr(e.message, "Unknown command 'flash_write'"));
    assert_non_null(strstr(e.message, "write_flash"));
    assert_int_equal(parse("--frobnicate chip_id", &a, &e), MF_ERR_ARG);
    assert_non_null(strstr(e.message, "Unknown option '--frobnicate'"));
    assert_int_equal(parse("write_flash -x 0 f", &a, &e), MF_ERR_ARG);
    assert_non_null(strstr(e.message, "mflash write_flash --help"));
    assert_int_equal(cli_exit_code(MF_ERR_ARG), 2);
}

static void test_read_and_erase_ranges(void **state)
{
    struct cli_args a;
    struct mf_error e;
    (void)state;
    assert_int_equal(parse("read_flash 0 ALL dump.bin", &a, &e), MF_OK);
    assert_true(a.size_all);
    assert_string_equal(a.file, "dump.bin");
    assert_int_equal(parse("read_flash 0x1000 all dump.bin", &a, &e), MF_OK);
    assert_true(a.size_all);
    assert_int_equal(a.addr, 0x1000);
    assert_int_equal(parse("read_flash 0x10 100 d.bin", &a, &e), MF_OK);
    assert_false(a.size_all);
    assert_int_equal(a.addr, 0x10);
    assert_int_equal(a.size, 100);
    assert_int_equal(parse("erase_region 0x3FC000 0x4000", &a, &e), MF_OK);
    assert_int_equal(a.addr, 0x3FC000);
    assert_int_equal(a.size, 0x4000);
    assert_int_equal(parse("erase_region 0x1000 100", &a, &e), MF_ERR_ARG);
    assert_non_null(strstr(e.message, "4096"));
    assert_int_equal(parse("image_info fw.bin", &a, &e), MF_OK);
    assert_string_equal(a.file, "fw.bin");
    assert_int_equal(a.command->board, CLI_BOARD_NONE);
}

static void test_wait(void **state)
{
    struct cli_args a;
    struct mf_error e;
    (void)state;
    assert_int_equal(parse("--wait chip_id", &a, &e), MF_OK);
    assert_int_equal(a.wait_ms, CONN_WAIT_FOREVER);
    assert_int_equal(parse("--wait 30 chip_id", &a, &e), MF_OK);
    assert_int_equal(a.wait_ms, 30000);
    assert_int_equal(parse("chip_id --wait 2.5", &a, &e), MF_OK);
    assert_int_equal(a.wait_ms, 2500);
    assert_int_equal(parse("chip_id --wait=7", &a, &e), MF_OK);
    assert_int_equal(a.wait_ms, 7000);
    /* After a command with arguments a number is the command's, unless it ends the line. */
    assert_int_equal(parse("write_flash --wait 0 fw.bin", &a, &e), MF_OK);
    assert_int_equal(a.wait_ms, CONN_WAIT_FOREVER);
    assert_int_equal(a.pairs[0].addr, 0);
    assert_int_equal(parse("write_flash 0 fw.bin --wait 10", &a, &e), MF_OK);
    assert_int_equal(a.wait_ms, 10000);
    assert_int_equal(parse("write_flash 0 fw.bin --wait 10 --erase-all", &a, &e), MF_OK);
    assert_int_equal(a.wait_ms, 10000);
}

static void test_help_and_version(void **state)
{
    struct cli_args a;
    struct mf_error e;
    (void)state;
    assert_int_equal(parse("--help", &a, &e), MF_OK);
    assert_true(a.help);
    assert_null(a.command);
    assert_int_equal(parse("-h", &a, &e), MF_OK);
    assert_true(a.help);
    /* Help stops parsing: what follows is not checked. */
    assert_int_equal(parse("write_flash --help --bogus", &a, &e), MF_OK);
    assert_true(a.help);
    assert_int_equal(parse("--version", &a, &e), MF_OK);
    assert_true(a.version);
    assert_int_equal(parse("--help write-flash", &a, &e), MF_OK);
    assert_int_equal(a.command->id, CLI_CMD_WRITE_FLASH);

    FILE *f = tmpfile();
    assert_non_null(f);
    cli_help_write(f, NULL);
    char *text = read_back(f);
    assert_non_null(strstr(text, "Usage: mflash"));
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++) {
        assert_non_null(strstr(text, COMMANDS[i]));
    }
    assert_non_null(strstr(text, "--port"));
    assert_non_null(strstr(text, "--wait"));
    assert_null(strstr(text, "--flash_mode")); /* a write_flash option */
    fclose(f);

    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++) {
        char line[64], usage[64];
        snprintf(line, sizeof line, "%s --help", COMMANDS[i]);
        assert_int_equal(parse(line, &a, &e), MF_OK);
        assert_true(a.help);
        assert_non_null(a.command);
        assert_string_equal(a.command->name, COMMANDS[i]);
        f = tmpfile();
        assert_non_null(f);
        cli_help_write(f, a.command);
        text = read_back(f);
        snprintf(usage, sizeof usage, "Usage: mflash [global options] %s", COMMANDS[i]);
        assert_non_null(strstr(text, usage));
        fclose(f);
    }
    f = tmpfile();
    cli_help_write(f, cli_command_find("write_flash"));
    text = read_back(f);
    assert_non_null(strstr(text, "--erase-all"));
    assert_non_null(strstr(text, "--flash_size"));
    assert_non_null(strstr(text, "ADDR FILE"));
    fclose(f);
}

static void test_want_json(void **state)
{
    char *with[] = {"mflash", "--bogus", "--json", NULL};
    char *without[] = {"mflash", "chip_id", "--", "--json", NULL};
    (void)state;
    assert_true(cli_args_want_json(3, with));
    assert_false(cli_args_want_json(4, without));
}

/* ---- JSON ---- */

static void test_json_escape(void **state)
{
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
            {"plain text", "plain text"},
            {"say \"hi\"", "say \\\"hi\\\""},
            {"C:\\Users\\fw.bin", "C:\\\\Users\\\\fw.bin"},
            {"a\nb\r\tc", "a\\nb\\r\\tc"},
            {"\b\f", "\\b\\f"},
            {"\x01\x1f\x7f", "\\u0001\\u001f\\u007f"},
            {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
             "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
            {"bad \xff byte", "bad \\ufffd byte"},
            {"cut \xc3", "cut \\ufffd"},
            {"overlong \xc0\xaf", "overlong \\ufffd\\ufffd"},
            {"surrogate \xed\xa0\x80", "surrogate \\ufffd\\ufffd\\ufffd"},
            {"", ""},
    };
    char out[128];
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = cli_json_escape(cases[i].in, out, sizeof out);
        assert_string_equal(out, cases[i].out);
        assert_int_equal(n, strlen(cases[i].out));
    }
    /* Too small a buffer: the length needed, never half an escape. */
    assert_int_equal(cli_json_escape("ab\ncd", out, 4), 6);
    assert_string_equal(out, "ab");
    assert_int_equal(cli_json_escape("abc", NULL, 0), 3);
}

static void test_json_writer(void **state)
{
    FILE *f = tmpfile();
    struct cli_json j;
    (void)state;
    assert_non_null(f);
    cli_json_begin(&j, f, "test");
    cli_json_str(&j, "s", "q\"\n");
    cli_json_str(&j, "n", NULL);
    cli_json_uint(&j, "u", UINT64_MAX);
    cli_json_int(&j, "i", -7);
    cli_json_bool(&j, "t", true);
    cli_json_null(&j, "z");
    cli_json_end(&j);
    assert_string_equal(read_back(f), "{\"event\":\"test\",\"s\":\"q\\\"\\n\",\"n\":null,"
                                      "\"u\":18446744073709551615,\"i\":-7,\"t\":true,"
                                      "\"z\":null}\n");
    fclose(f);
}

/* ---- Output ---- */

static void test_exit_codes(void **state)
{
    static const struct {
        int code;
        int exit;
    } table[] = {
            {MF_OK, 0},
            {MF_ERR_ARG, 2},
            {MF_ERR_IO, 1},
            {MF_ERR_TIMEOUT, 1},
            {MF_ERR_PROTOCOL, 1},
            {MF_ERR_DEVICE, 1},
            {MF_ERR_IMAGE, 3},
            {MF_ERR_CANCELLED, 7},
            {MF_ERR_UNSUPPORTED, 8},
            {MF_ERR_NO_MEMORY, 1},
            {MF_ERR_PORT_NOT_FOUND, 5},
            {MF_ERR_PORT_BUSY, 5},
            {MF_ERR_PORT_ACCESS, 5},
            {MF_ERR_PORT_GONE, 5},
            {MF_ERR_NO_DATA, 4},
            {MF_ERR_NOT_DOWNLOAD_MODE, 4},
            {MF_ERR_NO_SYNC, 4},
            {MF_ERR_WRONG_CHIP, 4},
            {MF_ERR_VERIFY, 6},
            {MF_ERR_BOARD_CRASHED, 1},
            {MF_ERR_FLASH_NOT_FOUND, 1},
            {MF_ERR_STUB_FAILED, 1},
            {MF_ERR_NO_REPL, 4},
            {MF_ERR_NO_FILE, 3},
    };
    bool seen[1 - MF_ERR_LAST] = {false};
    (void)state;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (cli_exit_code(table[i].code) != table[i].exit) {
            fail_msg("%s: exit %d, expected %d", mf_err_id(table[i].code),
                     cli_exit_code(table[i].code), table[i].exit);
        }
        seen[-table[i].code] = true;
    }
    /* Every code the engine has is in the table above. */
    for (int c = MF_ERR_LAST; c <= MF_OK; c++) {
        assert_true(seen[-c]);
    }
    assert_int_equal(cli_exit_code(MF_ERR_LAST - 1), 1);
    assert_int_equal(cli_exit_code(42), 1);
}

static void test_error_output(void **state)
{
    FILE *out = tmpfile(), *err = tmpfile();
    struct cli_out o;
    struct mf_error e;
    (void)state;
    mf_err_clear(&e);
    mf_err_set(&e, MF_ERR_DEVICE, "FLASH_DATA failed: \"checksum\"");
    mf_err_set_command(&e, 0x03, "FLASH_DATA");
    mf_err_set_status(&e, 0x01, 0x07, 0x07);
    cli_out_init(&o, out, err, true, false, false);
    cli_out_error(&o, &e, cli_exit_code(e.code));
    assert_string_equal(read_back(out),
                        "{\"event\":\"error\",\"ok\":false,\"code\":\"device\",\"exit\":1,"
                        "\"message\":\"FLASH_DATA failed: \\\"checksum\\\"\",\"command\":"
                        "\"FLASH_DATA\",\"status\":\"01 07\"}\n");
    assert_string_equal(read_back(err), "");
    fclose(out);
    fclose(err);

    out = tmpfile();
    err = tmpfile();
    mf_err_clear(&e);
    mf_err_set(&e, MF_ERR_PORT_BUSY, "COM5 is in use.");
    cli_out_init(&o, out, err, false, false, false);
    cli_out_error(&o, &e, cli_exit_code(e.code));
    assert_string_equal(read_back(err), "A fatal error occurred: COM5 is in use.\n");
    assert_string_equal(read_back(out), "");
    fclose(out);
    fclose(err);
}

static void test_log_output(void **state)
{
    FILE *out = tmpfile(), *err = tmpfile();
    struct cli_out o;
    (void)state;
    cli_out_init(&o, out, err, false, false, false);
    cli_out_log(&o, MF_LOG_INFO, "Chip is ESP8266EX");
    cli_out_log(&o, MF_LOG_DEBUG, "hidden without --trace");
    cli_out_log(&o, MF_LOG_WARN, "careful");
    cli_out_finish(&o);
    assert_string_equal(read_back(out), "Chip is ESP8266EX\n");
    assert_string_equal(read_back(err), "Warning: careful\n");
    fclose(out);
    fclose(err);

    out = tmpfile();
    cli_out_init(&o, out, stderr, true, true, true);
    cli_out_log(&o, MF_LOG_TRACE, "TX 8 bytes");
    cli_out_log(&o, MF_LOG_ERROR, "tab\there");
    assert_string_equal(read_back(out),
                        "{\"event\":\"log\",\"level\":\"trace\",\"text\":\"TX 8 bytes\"}\n"
                        "{\"event\":\"log\",\"level\":\"error\",\"text\":\"tab\\there\"}\n");
    fclose(out);
}

static unsigned count_lines(const char *text, const char *needle)
{
    unsigned n = 0;
    for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

/* Without a terminal: "Connecting...." dots, and a progress line at most every 10 %. */
static void test_progress_plain(void **state)
{
    FILE *out = tmpfile();
    struct cli_out o;
    struct mf_progress p = {MF_STAGE_CONNECT, "Connecting", 0, 7, 0, UINT32_MAX, 0};
    (void)state;
    cli_out_init(&o, out, stderr, false, false, false);
    cli_out_log(&o, MF_LOG_INFO, "Connecting to COM5...");
    for (uint64_t i = 0; i < 3; i++) {
        p.done = i;
        cli_out_progress(&o, &p, 0);
    }
    cli_out_log(&o, MF_LOG_INFO, "Chip is ESP8266EX");
    p.stage = MF_STAGE_WRITE;
    p.label = "Writing fw.bin at 0x00000000";
    p.total = 1000;
    for (uint64_t i = 0; i <= 1000; i++) {
        p.done = i;
        cli_out_progress(&o, &p, i);
    }
    cli_out_finish(&o);
    char *text = read_back(out);
    assert_non_null(strstr(text, "Connecting to COM5.....\nChip is ESP8266EX\n"));
    assert_int_equal(count_lines(text, "Writing fw.bin at 0x00000000..."), 11);
    assert_non_null(strstr(text, "(0 %)\n"));
    assert_non_null(strstr(text, "(50 %)\n"));
    assert_non_null(strstr(text, "(100 %)\n"));
    assert_null(strstr(text, "\r"));
    fclose(out);
}

static void test_progress_terminal(void **state)
{
    FILE *out = tmpfile();
    struct cli_out o;
    struct mf_progress p = {
            MF_STAGE_WRITE, "Writing fw.bin at 0x00000000", 0, 100, 0, UINT32_MAX, 0};
    (void)state;
    cli_out_init(&o, out, stderr, false, true, false);
    for (uint64_t i = 0; i <= 100; i++) {
        p.done = i;
        p.rate = 11520;
        p.eta_ms = (uint32_t)(100 - i) * 100u;
        cli_out_progress(&o, &p, i);
    }
    cli_out_finish(&o);
    char *text = read_back(out);
    assert_non_null(strstr(text, "\rWriting fw.bin at 0x00000000 [##########] 100%   92 kbit/s"));
    assert_non_null(strstr(text, " 50%   92 kbit/s  0:05 left"));
    assert_int_equal(count_lines(text, "\n"), 1);
    /* No line is wider than a console. */
    for (char *line = strtok(text, "\r\n"); line != NULL; line = strtok(NULL, "\r\n")) {
        assert_true(strlen(line) <= CLI_LINE_WIDTH);
    }
    fclose(out);
}

static void test_progress_json(void **state)
{
    FILE *out = tmpfile();
    struct cli_out o;
    struct mf_progress p = {MF_STAGE_READ, "Reading", 0, 100000, 0, UINT32_MAX, 0};
    (void)state;
    cli_out_init(&o, out, stderr, true, true, false);
    for (uint64_t i = 0; i <= 100000; i += 10) {
        p.done = i;
        p.overall = (uint32_t)(i / 100);
        p.eta_ms = i == 0 ? UINT32_MAX : 5u;
        cli_out_progress(&o, &p, 0);
    }
    char *text = read_back(out);
    /* At most one event per permille (and the first and the last). */
    assert_int_equal(count_lines(text, "\n"), 1001);
    assert_non_null(strstr(text, "{\"event\":\"progress\",\"stage\":\"read\",\"label\":\"Reading\","
                                 "\"done\":0,\"total\":100000,\"rate\":0,\"eta_ms\":null,"
                                 "\"overall\":0}\n"));
    assert_non_null(strstr(text, "\"done\":100000,\"total\":100000,\"rate\":0,\"eta_ms\":5,"
                                 "\"overall\":1000}\n"));
    fclose(out);
}

static void test_result_output(void **state)
{
    FILE *out = tmpfile();
    struct cli_out o;
    struct cli_result r = {.command = "write_flash",
                           .elapsed_ms = 54100,
                           .has_verified = true,
                           .verified = false,
                           .has_bytes = true,
                           .bytes = 622592};
    (void)state;
    cli_out_init(&o, out, stderr, true, false, false);
    cli_out_result(&o, &r);
    assert_string_equal(read_back(out), "{\"event\":\"result\",\"ok\":true,\"command\":"
                                        "\"write_flash\",\"verified\":false,\"bytes\":622592,"
                                        "\"elapsed_ms\":54100}\n");
    fclose(out);
}

/* ---- fs and repl ---- */

static void test_fs_arguments(void **state)
{
    struct cli_args a;
    struct mf_error e;
    (void)state;
    assert_int_equal(parse("-p COM5 fs ls", &a, &e), MF_OK);
    assert_int_equal(a.command->id, CLI_CMD_FS);
    assert_int_equal(a.command->board, CLI_BOARD_MPY);
    assert_int_equal(a.fs_op, CLI_FS_LS);
    assert_string_equal(a.remote, "/");
    assert_int_equal(parse("fs ls /lib", &a, &e), MF_OK);
    assert_string_equal(a.remote, "/lib");
    /* put: REMOTE defaults to /NAME of LOCAL, with either separator */
    assert_int_equal(parse("fs put src/app/main.py", &a, &e), MF_OK);
    assert_int_equal(a.fs_op, CLI_FS_PUT);
    assert_string_equal(a.local, "src/app/main.py");
    assert_string_equal(a.remote, "/main.py");
    assert_int_equal(parse("fs put C:\\work\\boot.py", &a, &e), MF_OK);
    assert_string_equal(a.remote, "/boot.py");
    assert_int_equal(parse("fs put main.py /lib/app.py -p COM7", &a, &e), MF_OK);
    assert_string_equal(a.remote, "/lib/app.py");
    assert_string_equal(a.port, "COM7");
    /* get: LOCAL defaults to the board file's name */
    assert_int_equal(parse("fs get /lib/app.py", &a, &e), MF_OK);
    assert_int_equal(a.fs_op, CLI_FS_GET);
    assert_string_equal(a.remote, "/lib/app.py");
    assert_string_equal(a.local, "app.py");
    assert_int_equal(parse("fs get /a.txt out.txt", &a, &e), MF_OK);
    assert_string_equal(a.local, "out.txt");
    assert_int_equal(parse("fs rm /a.txt", &a, &e), MF_OK);
    assert_int_equal(a.fs_op, CLI_FS_RM);
    assert_string_equal(a.remote, "/a.txt");
    /* refused */
    assert_int_equal(parse("fs", &a, &e), MF_ERR_ARG);
    assert_non_null(strstr(e.message, "ls [DIR]"));
    assert_int_equal(parse("fs cat /a.txt", &a, &e), MF_ERR_ARG);
    assert_non_null(strstr(e.message, "'cat'"));
    assert_int_equal(parse("fs rm", &a, &e), MF_ERR_ARG);
    assert_int_equal(parse("fs rm /a /b", &a, &e), MF_ERR_ARG);
    assert_non_null(strstr(e.message, "fs rm REMOTE"));
    assert_int_equal(parse("fs put dir/", &a, &e), MF_ERR_ARG);
    assert_int_equal(parse("fs get /", &a, &e), MF_ERR_ARG);
    assert_int_equal(parse("fs ls --erase-all", &a, &e), MF_ERR_ARG);
}

static void test_repl_arguments(void **state)
{
    struct cli_args a;
    struct mf_error e;
    (void)state;
    assert_int_equal(parse("-p /dev/ttyUSB0 repl", &a, &e), MF_OK);
    assert_int_equal(a.command->id, CLI_CMD_REPL);
    assert_int_equal(a.quiet_ms, CLI_REPL_QUIET_MS);
    assert_int_equal(a.baud, CLI_BAUD_AUTO);
    assert_int_equal(parse("repl --quiet-ms 200 -b 74880", &a, &e), MF_OK);
    assert_int_equal(a.quiet_ms, 200);
    assert_int_equal(a.baud, 74880);
    assert_int_equal(parse("repl --quiet-ms soon", &a, &e), MF_ERR_ARG);
    assert_int_equal(parse("repl /dev/ttyUSB0", &a, &e), MF_ERR_ARG);
    assert_int_equal(parse("fs ls --quiet-ms 5", &a, &e), MF_ERR_ARG);
    assert_non_null(strstr(e.message, "--quiet-ms is not an option of fs"));
}

static void test_fs_output(void **state)
{
    FILE *out = tmpfile();
    struct cli_out o;
    struct cli_result r = {.command = "fs",
                           .remote = "/main.py",
                           .file = "main.py",
                           .has_bytes = true,
                           .bytes = 12,
                           .elapsed_ms = 80};
    (void)state;
    cli_out_init(&o, out, stderr, true, false, false);
    cli_out_fs_entry(&o, "lib", true, 0);
    cli_out_fs_entry(&o, "main.py", false, 12);
    cli_out_result(&o, &r);
    assert_string_equal(read_back(out),
                        "{\"event\":\"file\",\"name\":\"lib\",\"dir\":true,\"size\":0}\n"
                        "{\"event\":\"file\",\"name\":\"main.py\",\"dir\":false,\"size\":12}\n"
                        "{\"event\":\"result\",\"ok\":true,\"command\":\"fs\",\"file\":"
                        "\"main.py\",\"remote\":\"/main.py\",\"bytes\":12,\"elapsed_ms\":80}\n");
    fclose(out);
    out = tmpfile();
    cli_out_init(&o, out, stderr, false, false, false);
    cli_out_fs_entry(&o, "lib", true, 0);
    cli_out_fs_entry(&o, "main.py", false, 12);
    assert_string_equal(read_back(out), "     <dir>  lib/\n        12  main.py\n");
    fclose(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_command_spellings),
            cmocka_unit_test(test_option_spellings),
            cmocka_unit_test(test_defaults_and_env),
            cmocka_unit_test(test_options_after_command),
            cmocka_unit_test(test_addr_file_pairs),
            cmocka_unit_test(test_numbers),
            cmocka_unit_test(test_bad_values),
            cmocka_unit_test(test_unknown_command_and_option),
            cmocka_unit_test(test_read_and_erase_ranges),
            cmocka_unit_test(test_wait),
            cmocka_unit_test(test_help_and_version),
            cmocka_unit_test(test_want_json),
            cmocka_unit_test(test_json_escape),
            cmocka_unit_test(test_json_writer),
            cmocka_unit_test(test_exit_codes),
            cmocka_unit_test(test_error_output),
            cmocka_unit_test(test_log_output),
            cmocka_unit_test(test_progress_plain),
            cmocka_unit_test(test_progress_terminal),
            cmocka_unit_test(test_progress_json),
            cmocka_unit_test(test_result_output),
            cmocka_unit_test(test_fs_arguments),
            cmocka_unit_test(test_repl_arguments),
            cmocka_unit_test(test_fs_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
