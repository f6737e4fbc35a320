/* SPDX-License-Identifier: MIT */
/* What mflash needs from the operating system beyond C11: Ctrl-C (SIGINT/SIGTERM or the
 * console's control handler), terminal detection, UTF-8 arguments and file names on Windows,
 * and the raw terminal of `mflash repl`. */
#ifndef MF_CLI_PLATFORM_H
#define MF_CLI_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Installs the Ctrl-C handler (the first press asks the job to stop between blocks, a second
 * one ends the program at once) and, on Windows, UTF-8 console output. */
void cli_platform_init(void);

/* True once the user pressed Ctrl-C (or the program got SIGINT/SIGTERM). */
bool cli_platform_cancel_requested(void);

/* True when f is an interactive terminal or console. */
bool cli_platform_is_terminal(FILE *f);

/* The arguments in UTF-8 (Windows: from the wide command line; elsewhere argv itself). Free
 * with cli_platform_argv_free. */
char **cli_platform_argv(int *argc, char **argv);
void cli_platform_argv_free(char **utf8_argv, char **argv);

/* The per-user folder of mflash's remembered settings, created when missing:
 * $MICROFLASH_CONFIG_DIR, else $XDG_CONFIG_HOME/microflash or ~/.config/microflash (POSIX),
 * %APPDATA%\MicroFlash (Windows). False when there is none. */
bool cli_platform_config_dir(char *out, size_t max);

/* fopen with a UTF-8 file name. */
FILE *cli_platform_fopen(const char *name, const char *mode);

/* ---- The terminal of `mflash repl` ---- */

struct cli_term; /* standard input and output as a serial terminal sees them */

/* Takes standard input and output for the terminal. A terminal (console) is switched to raw
 * input - every key arrives as bytes, Ctrl-C included; on Windows cursor keys as VT sequences
 * (ENABLE_VIRTUAL_TERMINAL_INPUT) and output through VT processing - until cli_platform_term_close
 * (POSIX: a second SIGINT/SIGTERM restores it too before ending the program). *interactive: true
 * for a terminal, false for a pipe or a file. NULL when out of memory or the console refuses. */
struct cli_term *cli_platform_term_open(bool *interactive);

/* Waits at most timeout_ms for input: the number of bytes read (> 0), 0 when none came, -1 at
 * the end of the input. */
long cli_platform_term_read(struct cli_term *t, void *buf, size_t size, uint32_t timeout_ms);

/* Writes bytes to standard output as they are (no newline translation); false on failure. */
bool cli_platform_term_write(struct cli_term *t, const void *buf, size_t size);

/* Restores what cli_platform_term_open changed and frees. NULL is allowed. */
void cli_platform_term_close(struct cli_term *t);

#endif
