/* SPDX-License-Identifier: MIT */
/* The mflash command line (the contract in docs/mflash.md): the command and option tables,
 * parsing with both spellings (write_flash / write-flash), numbers, and the help texts. */
#ifndef MF_CLI_ARGS_H
#define MF_CLI_ARGS_H

#include "conn.h"
#include "err.h"
#include "flasher.h"
#include "image.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_FILES_MAX        16u    /* ADDR FILE pairs in one write_flash / verify_flash */
#define CLI_DEFAULT_PORT     "auto" /* the single port that looks like an ESP board */
#define CLI_BAUD_AUTO        0u     /* --baud auto (the default): the fastest the adapter makes */
#define CLI_BAUD_AUTO_WORD   "auto"
#define CLI_DEFAULT_ATTEMPTS 7u /* esptool's --connect-attempts default */
#define CLI_MS_PER_SECOND    1000u
#define CLI_PATH_MAX         512u    /* a path on the board that mflash makes up */
#define CLI_MPY_BAUD         115200u /* MicroPython's REPL: fs and repl with --baud auto */
#define CLI_REPL_QUIET_MS    500u    /* repl with piped input: ends once the board is this quiet */

enum cli_cmd_id {
    CLI_CMD_CHIP_ID = 0,
    CLI_CMD_READ_MAC,
    CLI_CMD_FLASH_ID,
    CLI_CMD_WRITE_FLASH,
    CLI_CMD_ERASE_FLASH,
    CLI_CMD_ERASE_REGION,
    CLI_CMD_READ_FLASH,
    CLI_CMD_VERIFY_FLASH,
    CLI_CMD_IMAGE_INFO,
    CLI_CMD_RUN,
    CLI_CMD_LIST_PORTS,
    CLI_CMD_FS,
    CLI_CMD_REPL,
    CLI_CMD_COUNT
};

/* What the positional arguments of a command are. */
enum cli_pos_kind {
    CLI_POS_NONE = 0,  /* no arguments */
    CLI_POS_PAIRS,     /* ADDR FILE [ADDR FILE ...] */
    CLI_POS_ADDR_SIZE, /* ADDR SIZE */
    CLI_POS_READ,      /* ADDR SIZE|ALL FILE */
    CLI_POS_FILE,      /* FILE */
    CLI_POS_FS,        /* ls [DIR] | put LOCAL [REMOTE] | get REMOTE [LOCAL] | rm REMOTE */
};

/* What a command needs of the board. */
enum cli_board {
    CLI_BOARD_NONE = 0, /* files or the port list only */
    CLI_BOARD_LOADER,   /* the boot ROM's loader is enough (IDs, MAC, run) */
    CLI_BOARD_STUB,     /* flash work: the flasher stub unless --no-stub */
    CLI_BOARD_MPY,      /* MicroPython's REPL at --baud (115200), the board not reset */
};

/* What `fs` does. */
enum cli_fs_op {
    CLI_FS_LS = 0,
    CLI_FS_PUT,
    CLI_FS_GET,
    CLI_FS_RM,
};

struct cli_command {
    enum cli_cmd_id id;
    const char *name; /* "write_flash"; "write-flash" is accepted too */
    enum cli_pos_kind pos;
    const char *synopsis; /* "ADDR FILE [ADDR FILE ...]" */
    enum cli_board board;
    const char *summary; /* one line for the command list */
    const char *help;    /* the rest of `mflash COMMAND --help` */
};

struct cli_pair {
    uint32_t addr;
    const char *file;
};

/* Everything the command line said, with the defaults filled in. Strings point into argv. */
struct cli_args {
    /* global options */
    const char *port;
    uint32_t baud;
    enum conn_before before;
    enum flasher_after after;
    bool no_stub;
    bool trace;
    bool json;
    bool help;
    bool version;
    unsigned connect_attempts;
    uint32_t wait_ms; /* 0: do not wait; CONN_WAIT_FOREVER: until Ctrl-C */

    const struct cli_command *command; /* NULL when none was given */

    /* command options */
    bool erase_all;
    bool verify;
    bool force;
    bool compress;
    bool no_compress;
    bool diff;
    struct image_flash_params params;

    /* positional arguments */
    struct cli_pair pairs[CLI_FILES_MAX];
    size_t npairs;
    uint32_t addr;
    uint32_t size;
    bool size_all; /* read_flash ... ALL */
    const char *file;

    /* fs and repl */
    enum cli_fs_op fs_op;
    const char *remote;            /* the path on the board ("/" for ls without DIR) */
    const char *local;             /* put: the file to send; get: the file to write */
    char remote_buf[CLI_PATH_MAX]; /* put's default REMOTE: "/" + the file name of LOCAL */
    uint32_t quiet_ms;             /* repl --quiet-ms */
};

/* The environment variables esptool reads (NULL when unset). */
struct cli_env {
    const char *port; /* ESPTOOL_PORT */
    const char *baud; /* ESPTOOL_BAUD */
};

/* Parses argv[1..argc-1]. MF_OK, or MF_ERR_ARG with a sentence (unknown command or option,
 * missing or bad value, wrong number of arguments, unsupported chip ...). With -h/--help, or
 * --version, parsing stops there with MF_OK (args->help / args->version set, args->command the
 * command named anywhere on the line, if any). */
int cli_args_parse(int argc, char *const argv[], const struct cli_env *env, struct cli_args *args,
                   struct mf_error *e);

/* True when argv asks for --json anywhere (for reporting a parse error in the right form). */
bool cli_args_want_json(int argc, char *const argv[]);

/* cli_args_fs.c: the positional arguments of `fs` (npos words after the command). */
int cli_args_parse_fs(const char *const *pos, size_t npos, struct cli_args *args,
                      struct mf_error *e);

/* The file name at the end of a path ('/' or '\\' separated). */
const char *cli_path_base(const char *path);

/* A number: decimal, or hex after 0x/0X. False for empty text, other characters, overflow. */
bool cli_parse_u32(const char *text, uint32_t *out);

/* Names equal when '-' and '_' are taken as the same character. */
bool cli_name_equal(const char *a, const char *b);
/* ... and letters of either case alike ("ALL", "all"). */
bool cli_word_equal(const char *a, const char *b);

const struct cli_command *cli_command_find(const char *name);
const struct cli_command *cli_command_get(enum cli_cmd_id id);

/* "0.1.0" */
const char *cli_version(void);

/* The general help (cmd NULL) or one command's help. */
void cli_help_write(FILE *f, const struct cli_command *cmd);

#endif
