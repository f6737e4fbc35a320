/* SPDX-License-Identifier: MIT */
/* What mflash prints: esptool-like lines for a person (a progress bar on a terminal, a line per
 * 10 % otherwise) or one JSON object per line with --json; errors and exit codes. */
#ifndef MF_CLI_OUT_H
#define MF_CLI_OUT_H

#include "conn.h"
#include "err.h"
#include "image.h"
#include "port.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes (docs/mflash.md). */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILURE = 1,     /* talking to the board failed */
    CLI_EXIT_USAGE = 2,       /* bad command line */
    CLI_EXIT_FILE = 3,        /* file refused, unreadable or unwritable */
    CLI_EXIT_CONNECT = 4,     /* could not connect */
    CLI_EXIT_PORT = 5,        /* port not found, busy, denied, vanished */
    CLI_EXIT_VERIFY = 6,      /* verify mismatch */
    CLI_EXIT_CANCELLED = 7,   /* Ctrl-C */
    CLI_EXIT_UNSUPPORTED = 8, /* the loader cannot do that */
};

/* The exit code for an engine code (enum mf_err). */
int cli_exit_code(int code);

#define CLI_LABEL_MAX  128u
#define CLI_LINE_WIDTH 79u /* a progress bar line stays shorter than a console is wide */
#define CLI_BAR_CELLS  10u
#define CLI_BAR_MIN_MS 200u /* a terminal bar is redrawn at most this often (or on a new %) */
#define CLI_PLAIN_STEP 10u  /* without a terminal: a line per this many percent */

struct cli_out {
    FILE *out; /* stdout: results, progress, JSON */
    FILE *err; /* stderr: warnings and errors (human output) */
    bool json;
    bool terminal; /* out is a terminal: progress bars */
    bool trace;    /* debug and trace logs are shown */

    bool line_open; /* the last line on out has no newline yet (dots, a bar) */
    bool bar;       /* ... and it is a bar, rewritten with \r */
    size_t bar_len; /* characters of the bar line on screen */
    bool have_stage;
    enum mf_stage stage;
    char label[CLI_LABEL_MAX];
    uint64_t last_done;
    unsigned last_step; /* human: the last percent step printed; JSON: last permille sent */
    uint64_t last_draw; /* when the bar was drawn (ms) */
};

void cli_out_init(struct cli_out *o, FILE *out, FILE *err, bool json, bool terminal, bool trace);

/* An engine log line (the log hook). */
void cli_out_log(struct cli_out *o, enum mf_log_level level, const char *text);

/* A line of the program's own (human: stdout / stderr for warnings; JSON: a log event). */
void cli_out_info(struct cli_out *o, const char *fmt, ...)
#if defined(__MINGW32__)
        __attribute__((format(gnu_printf, 2, 3)))
#elif defined(__GNUC__)
        __attribute__((format(printf, 2, 3)))
#endif
        ;
void cli_out_warn(struct cli_out *o, const char *fmt, ...)
#if defined(__MINGW32__)
        __attribute__((format(gnu_printf, 2, 3)))
#elif defined(__GNUC__)
        __attribute__((format(printf, 2, 3)))
#endif
        ;

/* A progress report (the progress hook); now_ms paces the terminal bar. */
void cli_out_progress(struct cli_out *o, const struct mf_progress *p, uint64_t now_ms);

/* Ends an open line (before the program exits or prints elsewhere). */
void cli_out_finish(struct cli_out *o);

/* What the connection found (JSON "chip" event; people saw the engine's lines already). */
void cli_out_chip(struct cli_out *o, const struct conn_board *b);

/* A checked file (JSON "image" event; human: a line describing it). has_offset false for
 * image_info. */
void cli_out_image(struct cli_out *o, const char *file, bool has_offset, uint32_t offset,
                   const struct image_info *info);

/* One port of list_ports. */
void cli_out_port(struct cli_out *o, const struct port_info *p);

/* One entry of `fs ls` (JSON "file" event; human: size and name, folders as "<dir>  NAME/"). */
void cli_out_fs_entry(struct cli_out *o, const char *name, bool dir, uint32_t size);

/* The success line (JSON "result"; nothing for people). Optional fields are NULL / false. */
struct cli_result {
    const char *command;
    uint32_t elapsed_ms;
    bool has_verified;
    bool verified;
    bool has_bytes;
    uint64_t bytes;
    const char *file;
    const char *remote; /* fs: the path on the board */
    const char *mac;
    const char *chip_id;
    const char *flash_manufacturer;
    const char *flash_device;
    bool has_flash_size;
    uint32_t flash_size;
    const char *version;
};
void cli_out_result(struct cli_out *o, const struct cli_result *r);

/* The failure (human: "A fatal error occurred: ..." on stderr; JSON: the "error" event). */
void cli_out_error(struct cli_out *o, const struct mf_error *e, int exit_code);

/* Helpers shared with the commands. */
void cli_format_mac(const uint8_t mac[6], char *out, size_t size);
const char *cli_stage_name(enum mf_stage stage);
const char *cli_format_name(enum image_format format);

#endif
