/* SPDX-License-Identifier: MIT */
/* mflash's command line: the command and option tables (both spellings of every name), the
 * parser (options before or after the command, numbers, ADDR FILE pairs) and the help texts. */
#include "cli_args.h"

#include <stdlib.h>
#include <string.h>

#ifndef MF_VERSION
#define MF_VERSION "0.0.0"
#endif

#define CLI_PROGRAM     "mflash"
#define CLI_HELP_COLUMN 30 /* where an option's help text starts */
#define CLI_HELP_WIDTH  79 /* help lines end before this column */
#define CLI_POS_MAX     (2u * CLI_FILES_MAX)
#define CLI_BIT(cmd)    (1u << (unsigned)(cmd))
#define CLI_FOR_WRITE   CLI_BIT(CLI_CMD_WRITE_FLASH)
#define CLI_FOR_VERIFY  CLI_BIT(CLI_CMD_VERIFY_FLASH)
#define CLI_FOR_PARAMS  (CLI_FOR_WRITE | CLI_FOR_VERIFY)
#define CLI_FOR_REPL    CLI_BIT(CLI_CMD_REPL)
#define CLI_GLOBAL      0u

static const struct cli_command CLI_COMMANDS[] = {
        {CLI_CMD_CHIP_ID, "chip_id", CLI_POS_NONE, "", CLI_BOARD_LOADER, "Print the chip ID",
         "Connects and prints the chip ID (the SDK's system_get_chip_id()), e.g.\n"
         "'Chip ID: 0x00123456'.\n"},
        {CLI_CMD_READ_MAC, "read_mac", CLI_POS_NONE, "", CLI_BOARD_LOADER, "Print the MAC address",
         "Connects and prints the Wi-Fi MAC address, e.g. 'MAC: 18:fe:34:12:34:56'.\n"},
        {CLI_CMD_FLASH_ID, "flash_id", CLI_POS_NONE, "", CLI_BOARD_LOADER,
         "Print the flash chip's maker, device and size",
         "Connects and prints the SPI flash chip's JEDEC maker and device codes and the\n"
         "flash size they mean ('Manufacturer: ef', 'Device: 4016', 'Detected flash size: "
         "4MB').\n"},
        {CLI_CMD_WRITE_FLASH, "write_flash", CLI_POS_PAIRS, "ADDR FILE [ADDR FILE ...]",
         CLI_BOARD_STUB, "Write files to the flash",
         "Writes each FILE at flash address ADDR (decimal or 0x hex, a multiple of 4096).\n"
         "Every file is read and checked before the port is opened: a file that must not be\n"
         "flashed (a web page, an ESP32 image, a damaged MicroPython image, an overlap)\n"
         "is refused with exit code 3 and the board is not touched.\n"
         "Example: mflash -p COM5 write_flash --erase-all --flash_size detect 0 firmware.bin\n"},
        {CLI_CMD_ERASE_FLASH, "erase_flash", CLI_POS_NONE, "", CLI_BOARD_STUB,
         "Erase the whole flash", "Erases the whole flash chip (every byte becomes 0xFF).\n"},
        {CLI_CMD_ERASE_REGION, "erase_region", CLI_POS_ADDR_SIZE, "ADDR SIZE", CLI_BOARD_STUB,
         "Erase a part of the flash",
         "Erases SIZE bytes from ADDR. Both must be multiples of 4096 (0x1000).\n"},
        {CLI_CMD_READ_FLASH, "read_flash", CLI_POS_READ, "ADDR SIZE FILE", CLI_BOARD_STUB,
         "Read the flash into a file",
         "Reads SIZE bytes from ADDR into FILE. SIZE may be ALL: the whole detected flash.\n"
         "FILE is written only after the whole read succeeded.\n"},
        {CLI_CMD_VERIFY_FLASH, "verify_flash", CLI_POS_PAIRS, "ADDR FILE [ADDR FILE ...]",
         CLI_BOARD_STUB, "Compare the flash with files",
         "Reads the flash back and compares it with each FILE at ADDR. A difference ends\n"
         "with exit code 6 and names the first differing address. With -fs/-fm/-ff an\n"
         "image at 0x0 is compared as write_flash would have written it.\n"},
        {CLI_CMD_IMAGE_INFO, "image_info", CLI_POS_FILE, "FILE", CLI_BOARD_NONE,
         "Describe a firmware file (no board needed)",
         "Prints the format, size, entry point, segments and header flash settings of FILE,\n"
         "and for MicroPython its version and whether its MD5 check passed. A file that\n"
         "must not be flashed is refused with exit code 3.\n"},
        {CLI_CMD_RUN, "run", CLI_POS_NONE, "", CLI_BOARD_LOADER, "Run the firmware in flash",
         "Tells the boot loader to leave download mode and run the firmware.\n"},
        {CLI_CMD_LIST_PORTS, "list_ports", CLI_POS_NONE, "", CLI_BOARD_NONE,
         "List serial ports (no board needed)",
         "Lists the serial ports, one per line: NAME  DESCRIPTION  [VID:PID CHIP].\n"
         "Ports that look like an ESP board (a known USB-serial chip) are marked '*'.\n"},
        {CLI_CMD_FS, "fs", CLI_POS_FS,
         "ls [DIR] | put LOCAL [REMOTE] | get REMOTE [LOCAL] | rm REMOTE", CLI_BOARD_MPY,
         "MicroPython's files on the board: list, upload, download, remove",
         "Talks to MicroPython's raw REPL (the board is not reset; a running program is\n"
         "stopped with Ctrl-C). --baud is MicroPython's rate [115200].\n"
         "  ls [DIR]               list a folder (default /): size and name\n"
         "  put LOCAL [REMOTE]     upload a file (default REMOTE: /NAME of LOCAL)\n"
         "  get REMOTE [LOCAL]     download a file (default LOCAL: its name, here)\n"
         "  rm REMOTE              remove a file\n"
         "Example: mflash -p COM5 fs put main.py\n"},
        {CLI_CMD_REPL, "repl", CLI_POS_NONE, "", CLI_BOARD_MPY,
         "Talk to MicroPython's REPL (a serial terminal)",
         "Connects the console to the board at --baud [115200] without resetting it.\n"
         "Every key goes to the board (Ctrl-C too); Ctrl-] quits. When standard input\n"
         "is not a terminal, it is sent as it is, and mflash ends once the board has\n"
         "been quiet for --quiet-ms after the input ended.\n"},
};

enum cli_opt_id {
    CLI_OPT_PORT,
    CLI_OPT_BAUD,
    CLI_OPT_BEFORE,
    CLI_OPT_AFTER,
    CLI_OPT_CHIP,
    CLI_OPT_NO_STUB,
    CLI_OPT_TRACE,
    CLI_OPT_JSON,
    CLI_OPT_CONNECT_ATTEMPTS,
    CLI_OPT_WAIT,
    CLI_OPT_HELP,
    CLI_OPT_VERSION,
    CLI_OPT_ERASE_ALL,
    CLI_OPT_FLASH_SIZE,
    CLI_OPT_FLASH_MODE,
    CLI_OPT_FLASH_FREQ,
    CLI_OPT_VERIFY,
    CLI_OPT_COMPRESS,
    CLI_OPT_NO_COMPRESS,
    CLI_OPT_FORCE,
    CLI_OPT_DIFF,
    CLI_OPT_QUIET_MS,
    CLI_OPT_COUNT
};

enum cli_opt_arg {
    CLI_ARG_NONE = 0, /* a flag */
    CLI_ARG_VALUE,    /* --opt VALUE, --opt=VALUE, -xVALUE */
    CLI_ARG_OPTIONAL, /* --wait [SECONDS] */
};

struct cli_option {
    enum cli_opt_id id;
    const char *short_name; /* "-p", "-fs", or NULL */
    const char *long_name;  /* "--flash_size"; "--flash-size" is accepted too */
    enum cli_opt_arg arg;
    const char *metavar;
    unsigned commands; /* CLI_GLOBAL, or the CLI_BIT()s of the commands that take it */
    const char *help;
};

static const struct cli_option CLI_OPTIONS[] = {
        {CLI_OPT_PORT, "-p", "--port", CLI_ARG_VALUE, "PORT", CLI_GLOBAL,
         "Serial port: COM5, /dev/ttyUSB0, socket://HOST:PORT, rfc2217://HOST:PORT or auto "
         "(the one port that looks like an ESP board) [auto, env ESPTOOL_PORT]"},
        {CLI_OPT_BAUD, "-b", "--baud", CLI_ARG_VALUE, "N", CLI_GLOBAL,
         "Rate once the flasher stub runs, or auto: the fastest the USB-serial chip makes, "
         "stepping down when a rate fails [auto, env ESPTOOL_BAUD]"},
        {CLI_OPT_BEFORE, NULL, "--before", CLI_ARG_VALUE, "X", CLI_GLOBAL,
         "Before connecting: default_reset, no_reset or no_reset_no_sync [default_reset]"},
        {CLI_OPT_AFTER, "-a", "--after", CLI_ARG_VALUE, "X", CLI_GLOBAL,
         "When done: hard_reset, soft_reset, no_reset or no_reset_stub [hard_reset]"},
        {CLI_OPT_CHIP, "-c", "--chip", CLI_ARG_VALUE, "X", CLI_GLOBAL,
         "auto, esp8266 or esp8285 (MicroFlash supports these only) [auto]"},
        {CLI_OPT_NO_STUB, NULL, "--no-stub", CLI_ARG_NONE, NULL, CLI_GLOBAL,
         "Use the boot ROM's loader only: no stub, 115200 baud, no compression, verify only "
         "with --verify"},
        {CLI_OPT_TRACE, "-t", "--trace", CLI_ARG_NONE, NULL, CLI_GLOBAL,
         "Log every frame and every retry"},
        {CLI_OPT_JSON, NULL, "--json", CLI_ARG_NONE, NULL, CLI_GLOBAL,
         "Machine-readable output: one JSON object per line on stdout"},
        {CLI_OPT_CONNECT_ATTEMPTS, NULL, "--connect-attempts", CLI_ARG_VALUE, "N", CLI_GLOBAL,
         "Connect attempts, 0 = until Ctrl-C [7]"},
        {CLI_OPT_WAIT, NULL, "--wait", CLI_ARG_OPTIONAL, "[SECONDS]", CLI_GLOBAL,
         "If the board is not in download mode, keep trying for SECONDS (default: until "
         "Ctrl-C) while you hold FLASH and tap RESET"},
        {CLI_OPT_HELP, "-h", "--help", CLI_ARG_NONE, NULL, CLI_GLOBAL,
         "This help; 'mflash COMMAND --help' for a command"},
        {CLI_OPT_VERSION, NULL, "--version", CLI_ARG_NONE, NULL, CLI_GLOBAL, "Print the version"},
        {CLI_OPT_ERASE_ALL, "-e", "--erase-all", CLI_ARG_NONE, NULL, CLI_FOR_WRITE,
         "Erase the whole flash first (also the Wi-Fi settings and files)"},
        {CLI_OPT_FLASH_SIZE, "-fs", "--flash_size", CLI_ARG_VALUE, "SIZE", CLI_FOR_PARAMS,
         "Header flash size: keep, detect, 256KB, 512KB, 1MB, 2MB, 2MB-c1, 4MB, 4MB-c1, 8MB, "
         "16MB [keep]"},
        {CLI_OPT_FLASH_MODE, "-fm", "--flash_mode", CLI_ARG_VALUE, "MODE", CLI_FOR_PARAMS,
         "Header flash mode: keep, qio, qout, dio, dout [keep]"},
        {CLI_OPT_FLASH_FREQ, "-ff", "--flash_freq", CLI_ARG_VALUE, "FREQ", CLI_FOR_PARAMS,
         "Header flash speed: keep, 40m, 26m, 20m, 80m [keep]"},
        {CLI_OPT_VERIFY, NULL, "--verify", CLI_ARG_NONE, NULL, CLI_FOR_WRITE,
         "Read the flash back and compare (slow with the ROM loader)"},
        {CLI_OPT_COMPRESS, "-z", "--compress", CLI_ARG_NONE, NULL, CLI_FOR_WRITE,
         "Compress the data (accepted; the ROM loader takes it uncompressed)"},
        {CLI_OPT_NO_COMPRESS, "-u", "--no-compress", CLI_ARG_NONE, NULL, CLI_FOR_WRITE,
         "Do not compress the data"},
        {CLI_OPT_FORCE, NULL, "--force", CLI_ARG_NONE, NULL, CLI_FOR_WRITE,
         "Write files that fail the image checks as raw data (also at 0x0)"},
        {CLI_OPT_DIFF, NULL, "--diff", CLI_ARG_VALUE, "yes|no", CLI_FOR_VERIFY,
         "Show differences (accepted; the first differing address is always named) [no]"},
        {CLI_OPT_QUIET_MS, NULL, "--quiet-ms", CLI_ARG_VALUE, "N", CLI_FOR_REPL,
         "With piped input: end once the input ended and the board said nothing for N ms "
         "[500]"},
};

#define CLI_COMMAND_COUNT (sizeof CLI_COMMANDS / sizeof CLI_COMMANDS[0])
#define CLI_OPTION_COUNT  (sizeof CLI_OPTIONS / sizeof CLI_OPTIONS[0])

/* Chips --chip accepts; everything else is refused (exit 2). */
static const char *const CLI_CHIPS[] = {"auto", "esp8266", "esp8285"};
/* --before spellings that exist in esptool but not on an ESP8266. */
static const char *const CLI_BEFORE_USB[] = {"usb_reset"};
/* read_flash SIZE for the whole flash. */
static const char CLI_SIZE_ALL[] = "all";

/* The parser's working state. */
struct cli_parse {
    int argc;
    char *const *argv;
    int i;                           /* the argument being looked at */
    const char *used[CLI_OPT_COUNT]; /* how each option given was spelt (NULL: not given) */
    const char *pos[CLI_POS_MAX];    /* arguments after the command */
    size_t npos;
    bool baud_set;
    bool port_set;
};

const char *cli_version(void)
{
    return MF_VERSION;
}

/* ---- Names and numbers ---- */

static char cli_fold(char c, bool nocase)
{
    if (c == '-') {
        c = '_';
    } else if (nocase && c >= 'A' && c <= 'Z') {
        c = (char)(c - 'A' + 'a');
    }
    return c;
}

/* a[0..alen) equals b, '-' and '_' alike (and letters of either case when nocase). */
static bool cli_name_match(const char *a, size_t alen, const char *b, bool nocase)
{
    bool eq = strlen(b) == alen;
    for (size_t i = 0; eq && i < alen; i++) {
        eq = cli_fold(a[i], nocase) == cli_fold(b[i], nocase);
    }
    return eq;
}

bool cli_name_equal(const char *a, const char *b)
{
    return cli_name_match(a, strlen(a), b, false);
}

bool cli_word_equal(const char *a, const char *b)
{
    return cli_name_match(a, strlen(a), b, true);
}

bool cli_parse_u32(const char *text, uint32_t *out)
{
    const unsigned base_hex = 16u, base_dec = 10u;
    unsigned base = base_dec;
    const char *s = text;
    uint64_t v = 0;
    bool ok = true;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = base_hex;
        s += 2;
    }
    ok = *s != '\0';
    for (; ok && *s != '\0'; s++) {
        unsigned d = base;
        if (*s >= '0' && *s <= '9') {
            d = (unsigned)(*s - '0');
        } else if (*s >= 'a' && *s <= 'f') {
            d = (unsigned)(*s - 'a') + 10u;
        } else if (*s >= 'A' && *s <= 'F') {
            d = (unsigned)(*s - 'A') + 10u;
        }
        ok = d < base;
        v = v * base + d;
        ok = ok && v <= UINT32_MAX;
    }
    if (ok) {
        *out = (uint32_t)v;
    }
    return ok;
}

static bool cli_is_decimal(const char *text)
{
    bool digits = false, ok = true;
    for (const char *s = text; ok && *s != '\0'; s++) {
        digits = digits || (*s >= '0' && *s <= '9');
        ok = (*s >= '0' && *s <= '9') || *s == '.';
    }
    return ok && digits && text[0] != '.';
}

/* "30" or "2.5" seconds in milliseconds (below CONN_WAIT_FOREVER). */
static bool cli_parse_seconds(const char *text, uint32_t *ms)
{
    const uint64_t limit = CONN_WAIT_FOREVER - 1u;
    uint64_t v = 0, frac_scale = CLI_MS_PER_SECOND;
    bool ok = cli_is_decimal(text), in_frac = false;
    for (const char *s = text; ok && *s != '\0'; s++) {
        if (*s == '.') {
            ok = !in_frac;
            in_frac = true;
        } else if (!in_frac) {
            v = v * 10u + (uint64_t)(*s - '0');
            ok = v * CLI_MS_PER_SECOND <= limit;
        } else {
            frac_scale /= 10u;
            v = v * 10u + (uint64_t)(*s - '0');
            ok = frac_scale > 0;
        }
    }
    if (ok) {
        uint64_t total = in_frac ? v * frac_scale : v * CLI_MS_PER_SECOND;
        *ms = (uint32_t)(total > limit ? limit : total);
    }
    return ok;
}

/* ---- Tables ---- */

const struct cli_command *cli_command_find(const char *name)
{
    const struct cli_command *found = NULL;
    for (size_t i = 0; i < CLI_COMMAND_COUNT && found == NULL; i++) {
        if (cli_name_equal(name, CLI_COMMANDS[i].name)) {
            found = &CLI_COMMANDS[i];
        }
    }
    return found;
}

const struct cli_command *cli_command_get(enum cli_cmd_id id)
{
    const struct cli_command *found = NULL;
    for (size_t i = 0; i < CLI_COMMAND_COUNT && found == NULL; i++) {
        if (CLI_COMMANDS[i].id == id) {
            found = &CLI_COMMANDS[i];
        }
    }
    return found;
}

/* The option `arg` names; *value gets a value written into the same word ("--baud=921600",
 * "-b921600"), else NULL. */
static const struct cli_option *cli_option_lookup(const char *arg, const char **value)
{
    const char *eq = strchr(arg, '=');
    size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
    const struct cli_option *found = NULL;
    *value = NULL;
    for (size_t i = 0; i < CLI_OPTION_COUNT && found == NULL; i++) {
        const struct cli_option *o = &CLI_OPTIONS[i];
        if (cli_name_match(arg, len, o->long_name, false) ||
            (o->short_name != NULL && cli_name_match(arg, len, o->short_name, false))) {
            found = o;
            *value = eq != NULL ? eq + 1 : NULL;
        }
    }
    /* -pCOM5: a one-letter option with its value attached. */
    for (size_t i = 0; i < CLI_OPTION_COUNT && found == NULL && arg[1] != '-'; i++) {
        const struct cli_option *o = &CLI_OPTIONS[i];
        if (o->short_name != NULL && o->arg == CLI_ARG_VALUE && strlen(o->short_name) == 2 &&
            strncmp(arg, o->short_name, 2) == 0) {
            found = o;
            *value = arg + 2;
        }
    }
    return found;
}

/* ---- Option values ---- */

static int cli_check_chip(const char *text, struct mf_error *e)
{
    int rc = mf_err_set(e, MF_ERR_ARG,
                        "MicroFlash only supports ESP8266/ESP8285 boards; '--chip %s' is not "
                        "one of them. Use --chip auto, esp8266 or esp8285 (for other chips, use "
                        "Espressif's esptool).",
                        text);
    for (size_t i = 0; i < sizeof CLI_CHIPS / sizeof CLI_CHIPS[0]; i++) {
        if (cli_word_equal(text, CLI_CHIPS[i])) {
            rc = MF_OK;
            mf_err_clear(e);
        }
    }
    return rc;
}

static int cli_parse_before(const char *text, enum conn_before *out, struct mf_error *e)
{
    int rc = MF_OK;
    for (size_t i = 0; i < sizeof CLI_BEFORE_USB / sizeof CLI_BEFORE_USB[0] && rc == MF_OK; i++) {
        if (cli_word_equal(text, CLI_BEFORE_USB[i])) {
            rc = mf_err_set(e, MF_ERR_ARG,
                            "'--before %s' is for chips with a built-in USB port; it is not on an "
                            "ESP8266. Use --before default_reset, no_reset or no_reset_no_sync.",
                            text);
        }
    }
    if (rc == MF_OK) {
        rc = conn_parse_before(text, out, e);
    }
    return rc;
}

/* A baud rate: a positive number, or "auto" (CLI_BAUD_AUTO). */
static bool cli_parse_baud(const char *text, uint32_t *out)
{
    if (cli_word_equal(text, CLI_BAUD_AUTO_WORD)) {
        *out = CLI_BAUD_AUTO;
        return true;
    }
    return cli_parse_u32(text, out) && *out != 0;
}

static int cli_bad_number(struct mf_error *e, const char *opt, const char *text, const char *what)
{
    return mf_err_set(e, MF_ERR_ARG,
                      "'%s %s' is not %s: give a decimal number or 0x and hex "
                      "digits.",
                      opt, text, what);
}

static int cli_option_apply(struct cli_parse *p, const struct cli_option *o, const char *spelling,
                            const char *value, struct cli_args *a, struct mf_error *e)
{
    int rc = MF_OK;
    uint32_t n = 0;
    switch (o->id) {
    case CLI_OPT_PORT:
        a->port = value;
        p->port_set = true;
        break;
    case CLI_OPT_BAUD:
        p->baud_set = true;
        if (!cli_parse_baud(value, &a->baud)) {
            rc = cli_bad_number(e, spelling, value, "a baud rate (or auto)");
        }
        break;
    case CLI_OPT_BEFORE: rc = cli_parse_before(value, &a->before, e); break;
    case CLI_OPT_AFTER: rc = flasher_parse_after(value, &a->after, e); break;
    case CLI_OPT_CHIP: rc = cli_check_chip(value, e); break;
    case CLI_OPT_NO_STUB: a->no_stub = true; break;
    case CLI_OPT_TRACE: a->trace = true; break;
    case CLI_OPT_JSON: a->json = true; break;
    case CLI_OPT_CONNECT_ATTEMPTS:
        if (cli_parse_u32(value, &n)) {
            a->connect_attempts = n;
        } else {
            rc = cli_bad_number(e, spelling, value, "a number of attempts");
        }
        break;
    case CLI_OPT_WAIT:
        a->wait_ms = CONN_WAIT_FOREVER;
        if (value != NULL && !cli_parse_seconds(value, &a->wait_ms)) {
            rc = mf_err_set(e, MF_ERR_ARG,
                            "'%s %s' is not a number of seconds: write e.g. --wait 30, or --wait "
                            "alone to wait until Ctrl-C.",
                            spelling, value);
        }
        break;
    case CLI_OPT_HELP: a->help = true; break;
    case CLI_OPT_VERSION: a->version = true; break;
    case CLI_OPT_ERASE_ALL: a->erase_all = true; break;
    case CLI_OPT_FLASH_SIZE: rc = image_parse_flash_size(value, &a->params.size, e); break;
    case CLI_OPT_FLASH_MODE: rc = image_parse_flash_mode(value, &a->params.mode, e); break;
    case CLI_OPT_FLASH_FREQ: rc = image_parse_flash_freq(value, &a->params.freq, e); break;
    case CLI_OPT_VERIFY: a->verify = true; break;
    case CLI_OPT_COMPRESS: a->compress = true; break;
    case CLI_OPT_NO_COMPRESS: a->no_compress = true; break;
    case CLI_OPT_FORCE: a->force = true; break;
    case CLI_OPT_DIFF:
        if (cli_word_equal(value, "yes") || cli_word_equal(value, "no")) {
            a->diff = cli_word_equal(value, "yes");
        } else {
            rc = mf_err_set(e, MF_ERR_ARG, "'%s %s' is not understood: write yes or no.", spelling,
                            value);
        }
        break;
    case CLI_OPT_QUIET_MS:
        if (!cli_parse_u32(value, &a->quiet_ms)) {
            rc = cli_bad_number(e, spelling, value, "a number of milliseconds");
        }
        break;
    default: break;
    }
    return rc;
}

/* --wait takes the next word as SECONDS when it is a number that cannot be the command's own
 * argument: before the command, after a command without arguments, or as the last word or
 * before another option. */
static bool cli_wait_takes_next(const struct cli_parse *p, const struct cli_args *a)
{
    const char *next = p->i + 1 < p->argc ? p->argv[p->i + 1] : NULL;
    bool ok = next != NULL && cli_is_decimal(next);
    if (ok && a->command != NULL && a->command->pos != CLI_POS_NONE) {
        ok = p->i + 2 >= p->argc || p->argv[p->i + 2][0] == '-';
    }
    return ok;
}

static int cli_parse_option(struct cli_parse *p, struct cli_args *a, struct mf_error *e)
{
    const char *arg = p->argv[p->i];
    const char *value = NULL;
    const struct cli_option *o = cli_option_lookup(arg, &value);
    int rc = MF_OK;
    if (o == NULL) {
        const char *cmd = a->command != NULL ? a->command->name : NULL;
        rc = mf_err_set(e, MF_ERR_ARG, "Unknown option '%s'. Run '%s%s%s --help' for the options.",
                        arg, CLI_PROGRAM, cmd != NULL ? " " : "", cmd != NULL ? cmd : "");
    } else if (o->arg == CLI_ARG_NONE && value != NULL) {
        rc = mf_err_set(e, MF_ERR_ARG, "The option %s takes no value ('%s').", o->long_name, arg);
    } else if (o->arg == CLI_ARG_VALUE && value == NULL) {
        if (p->i + 1 < p->argc) {
            value = p->argv[++p->i];
        } else {
            rc = mf_err_set(e, MF_ERR_ARG, "The option %s needs a value: %s %s.", arg, o->long_name,
                            o->metavar);
        }
    } else if (o->arg == CLI_ARG_OPTIONAL && value == NULL && cli_wait_takes_next(p, a)) {
        value = p->argv[++p->i];
    }
    if (rc == MF_OK && o->arg == CLI_ARG_VALUE && value[0] == '\0') {
        rc = mf_err_set(e, MF_ERR_ARG, "The option %s needs a value that is not empty.", arg);
    }
    if (rc == MF_OK) {
        p->used[o->id] = o->long_name;
        rc = cli_option_apply(p, o, o->long_name, value, a, e);
    }
    return rc;
}

static void cli_command_list(char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < CLI_COMMAND_COUNT && len < size; i++) {
        int n = snprintf(out + len, size - len, "%s%s", i > 0 ? ", " : "", CLI_COMMANDS[i].name);
        len += n > 0 ? (size_t)n : 0u;
    }
}

/* A word that is not an option: the command, or one of its arguments. */
static int cli_parse_word(struct cli_parse *p, const char *word, struct cli_args *a,
                          struct mf_error *e)
{
    int rc = MF_OK;
    if (a->command == NULL) {
        a->command = cli_command_find(word);
        if (a->command == NULL) {
            char list[MF_ERR_MESSAGE_MAX / 2];
            cli_command_list(list, sizeof list);
            rc = mf_err_set(e, MF_ERR_ARG, "Unknown command '%s'. The commands are: %s.", word,
                            list);
        }
    } else if (p->npos < CLI_POS_MAX) {
        p->pos[p->npos++] = word;
    } else {
        rc = mf_err_set(e, MF_ERR_ARG, "Too many arguments for %s: at most %u files at a time.",
                        a->command->name, CLI_FILES_MAX);
    }
    return rc;
}

/* ---- Positional arguments ---- */

static int cli_parse_addr(const char *cmd, const char *text, const char *what, uint32_t *out,
                          struct mf_error *e)
{
    int rc = MF_OK;
    if (!cli_parse_u32(text, out)) {
        rc = mf_err_set(e, MF_ERR_ARG,
                        "%s: '%s' is not %s. Write a decimal number or 0x and hex digits "
                        "(0x0, 0x3fc000, 4096).",
                        cmd, text, what);
    }
    return rc;
}

static int cli_parse_pairs(const struct cli_parse *p, struct cli_args *a, struct mf_error *e)
{
    const char *cmd = a->command->name;
    int rc = MF_OK;
    if (p->npos == 0 || p->npos % 2u != 0) {
        rc = mf_err_set(e, MF_ERR_ARG,
                        "%s takes pairs of ADDR FILE, e.g. 'mflash %s 0x0 firmware.bin'; %zu "
                        "argument%s given.",
                        cmd, cmd, p->npos, p->npos == 1 ? " was" : "s were");
    }
    for (size_t i = 0; rc == MF_OK && i < p->npos; i += 2) {
        struct cli_pair *pair = &a->pairs[a->npairs++];
        pair->file = p->pos[i + 1];
        rc = cli_parse_addr(cmd, p->pos[i], "a flash address", &pair->addr, e);
    }
    return rc;
}

/* ADDR SIZE of erase_region / read_flash: inside the 16 MiB an ESP8266 can address. */
static int cli_parse_range(const struct cli_parse *p, struct cli_args *a, bool aligned,
                           struct mf_error *e)
{
    const char *cmd = a->command->name;
    int rc = cli_parse_addr(cmd, p->pos[0], "a flash address", &a->addr, e);
    if (rc == MF_OK && a->command->pos == CLI_POS_READ && cli_word_equal(p->pos[1], CLI_SIZE_ALL)) {
        a->size_all = true;
    } else if (rc == MF_OK) {
        rc = cli_parse_addr(cmd, p->pos[1], "a size in bytes", &a->size, e);
    }
    if (rc == MF_OK && !a->size_all && a->size == 0) {
        rc = mf_err_set(e, MF_ERR_ARG, "%s: SIZE is 0; give the number of bytes.", cmd);
    }
    if (rc == MF_OK && aligned && (a->addr % CHIP_SECTOR_SIZE != 0 || a->size % CHIP_SECTOR_SIZE)) {
        rc = mf_err_set(e, MF_ERR_ARG,
                        "%s: ADDR and SIZE must both be multiples of 4096 (0x%X): the flash is "
                        "erased in 4 KiB sectors. Got 0x%X and 0x%X.",
                        cmd, CHIP_SECTOR_SIZE, (unsigned)a->addr, (unsigned)a->size);
    }
    if (rc == MF_OK && (a->addr >= CHIP_FLASH_SIZE_MAX ||
                        (!a->size_all && a->size > CHIP_FLASH_SIZE_MAX - a->addr))) {
        rc = mf_err_set(e, MF_ERR_ARG,
                        "%s: 0x%X + 0x%X goes beyond the 16 MiB an ESP8266 can address.", cmd,
                        (unsigned)a->addr, (unsigned)a->size);
    }
    return rc;
}

static int cli_parse_positional(const struct cli_parse *p, struct cli_args *a, struct mf_error *e)
{
    /* How many arguments each kind takes (pairs are checked on their own). */
    static const size_t wanted[] = {[CLI_POS_NONE] = 0u,
                                    [CLI_POS_ADDR_SIZE] = 2u,
                                    [CLI_POS_READ] = 3u,
                                    [CLI_POS_FILE] = 1u};
    const struct cli_command *c = a->command;
    int rc = MF_OK;
    if (c->pos == CLI_POS_FS) {
        rc = cli_args_parse_fs(p->pos, p->npos, a, e);
    } else if (c->pos != CLI_POS_PAIRS && p->npos != wanted[c->pos]) {
        rc = mf_err_set(e, MF_ERR_ARG,
                        "%s takes %s%s; %zu argument%s given. Run 'mflash %s --help'.", c->name,
                        c->synopsis[0] != '\0' ? c->synopsis : "no arguments",
                        c->synopsis[0] != '\0' ? " as arguments" : "", p->npos,
                        p->npos == 1 ? " was" : "s were", c->name);
    } else if (c->pos == CLI_POS_PAIRS) {
        rc = cli_parse_pairs(p, a, e);
    } else if (c->pos == CLI_POS_ADDR_SIZE) {
        rc = cli_parse_range(p, a, true, e);
    } else if (c->pos == CLI_POS_READ) {
        rc = cli_parse_range(p, a, false, e);
        a->file = p->pos[2];
    } else if (c->pos == CLI_POS_FILE) {
        a->file = p->pos[0];
    }
    return rc;
}

/* ---- The whole line ---- */

static int cli_parse_finish(const struct cli_parse *p, const struct cli_env *env,
                            struct cli_args *a, struct mf_error *e)
{
    int rc = MF_OK;
    if (a->command == NULL) {
        rc = mf_err_set(e, MF_ERR_ARG,
                        "No command given. Run 'mflash --help' for the commands, e.g. 'mflash -p "
                        "COM5 chip_id'.");
    }
    for (size_t i = 0; rc == MF_OK && i < CLI_OPTION_COUNT; i++) {
        const struct cli_option *o = &CLI_OPTIONS[i];
        if (p->used[o->id] != NULL && o->commands != CLI_GLOBAL &&
            (o->commands & CLI_BIT(a->command->id)) == 0) {
            rc = mf_err_set(e, MF_ERR_ARG,
                            "%s is not an option of %s. Run 'mflash %s --help' for its options.",
                            o->long_name, a->command->name, a->command->name);
        }
    }
    if (rc == MF_OK && a->compress && a->no_compress) {
        rc = mf_err_set(e, MF_ERR_ARG, "--compress and --no-compress cannot both be given.");
    }
    if (rc == MF_OK && !p->port_set && env != NULL && env->port != NULL && env->port[0] != '\0') {
        a->port = env->port;
    }
    if (rc == MF_OK && !p->baud_set && env != NULL && env->baud != NULL && env->baud[0] != '\0' &&
        !cli_parse_baud(env->baud, &a->baud)) {
        rc = mf_err_set(e, MF_ERR_ARG,
                        "The environment variable ESPTOOL_BAUD='%s' is not a baud rate: set it to "
                        "a number such as 921600, or auto, or unset it.",
                        env->baud);
    }
    if (rc == MF_OK) {
        rc = cli_parse_positional(p, a, e);
    }
    return rc;
}

static void cli_args_defaults(struct cli_args *a)
{
    memset(a, 0, sizeof *a);
    a->port = CLI_DEFAULT_PORT;
    a->baud = CLI_BAUD_AUTO;
    a->before = CONN_BEFORE_DEFAULT_RESET;
    a->after = FLASHER_AFTER_HARD_RESET;
    a->connect_attempts = CLI_DEFAULT_ATTEMPTS;
    a->params.mode = IMAGE_KEEP;
    a->params.freq = IMAGE_KEEP;
    a->params.size = IMAGE_KEEP;
    a->quiet_ms = CLI_REPL_QUIET_MS;
}

int cli_args_parse(int argc, char *const argv[], const struct cli_env *env, struct cli_args *args,
                   struct mf_error *e)
{
    struct cli_parse p;
    bool only_words = false;
    int rc = MF_OK;
    memset(&p, 0, sizeof p);
    p.argc = argc;
    p.argv = argv;
    cli_args_defaults(args);
    mf_err_clear(e);
    for (p.i = 1; p.i < argc && rc == MF_OK && !args->help && !args->version; p.i++) {
        const char *arg = argv[p.i];
        if (!only_words && strcmp(arg, "--") == 0) {
            only_words = true;
        } else if (!only_words && arg[0] == '-' && arg[1] != '\0') {
            rc = cli_parse_option(&p, args, e);
        } else {
            rc = cli_parse_word(&p, arg, args, e);
        }
    }
    /* `mflash --help write_flash`: the help of the command named later. */
    for (; rc == MF_OK && args->help && args->command == NULL && p.i < argc; p.i++) {
        args->command = cli_command_find(argv[p.i]);
    }
    if (rc == MF_OK && !args->help && !args->version) {
        rc = cli_parse_finish(&p, env, args, e);
    }
    return rc;
}

bool cli_args_want_json(int argc, char *const argv[])
{
    bool json = false;
    for (int i = 1; i < argc && !json && strcmp(argv[i], "--") != 0; i++) {
        json = cli_name_equal(argv[i], "--json");
    }
    return json;
}

/* ---- Help ---- */

/* Writes text from column `col`, wrapping at CLI_HELP_WIDTH with continuation lines indented
 * to `indent`; ends with a newline. */
static void cli_help_wrap(FILE *f, const char *text, int col, int indent)
{
    const char *s = text;
    while (*s != '\0') {
        size_t word = strcspn(s, " ");
        if (col > indent && col + 1 + (int)word > CLI_HELP_WIDTH) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fprintf(f, "%.*s", (int)word, s);
        col += (int)word;
        s += word;
        s += strspn(s, " ");
    }
    fputc('\n', f);
}

static void cli_help_options(FILE *f, unsigned mask)
{
    for (size_t i = 0; i < CLI_OPTION_COUNT; i++) {
        const struct cli_option *o = &CLI_OPTIONS[i];
        bool show = mask == CLI_GLOBAL ? o->commands == CLI_GLOBAL : (o->commands & mask) != 0;
        if (show) {
            int col = fprintf(f, "  %s%s%s%s%s", o->short_name != NULL ? o->short_name : "   ",
                              o->short_name != NULL ? ", " : " ", o->long_name,
                              o->metavar != NULL ? " " : "", o->metavar != NULL ? o->metavar : "");
            if (col >= CLI_HELP_COLUMN) {
                fprintf(f, "\n%*s", CLI_HELP_COLUMN, "");
            } else {
                fprintf(f, "%*s", CLI_HELP_COLUMN - col, "");
            }
            cli_help_wrap(f, o->help, CLI_HELP_COLUMN, CLI_HELP_COLUMN);
        }
    }
}

void cli_help_write(FILE *f, const struct cli_command *cmd)
{
    if (cmd == NULL) {
        fprintf(f,
                "%s %s - write firmware to ESP8266 and ESP8285 boards (esptool-compatible)\n\n"
                "Usage: %s [global options] COMMAND [options] [arguments]\n\nCommands:\n",
                CLI_PROGRAM, MF_VERSION, CLI_PROGRAM);
        for (size_t i = 0; i < CLI_COMMAND_COUNT; i++) {
            fprintf(f, "  %-14s %s\n", CLI_COMMANDS[i].name, CLI_COMMANDS[i].summary);
        }
        fputs("\nGlobal options (before or after the command):\n", f);
        cli_help_options(f, CLI_GLOBAL);
        fputs("\nCommands and options may be written with '_' or '-' (write_flash, write-flash).\n"
              "Run 'mflash COMMAND --help' for the options of one command.\n"
              "Example: mflash -p COM5 write_flash --erase-all --flash_size detect 0 "
              "firmware.bin\n",
              f);
    } else {
        unsigned mask = CLI_BIT(cmd->id);
        bool has_options = false;
        for (size_t i = 0; i < CLI_OPTION_COUNT; i++) {
            has_options = has_options || (CLI_OPTIONS[i].commands & mask) != 0;
        }
        fprintf(f, "Usage: %s [global options] %s%s%s%s\n\n%s.\n\n%s", CLI_PROGRAM, cmd->name,
                has_options ? " [options]" : "", cmd->synopsis[0] != '\0' ? " " : "", cmd->synopsis,
                cmd->summary, cmd->help);
        if (has_options) {
            fputs("\nOptions:\n", f);
            cli_help_options(f, mask);
        }
        fprintf(f,
                "\nGlobal options such as -p PORT may come before or after %s; see "
                "'mflash --help'.\n",
                cmd->name);
    }
}
