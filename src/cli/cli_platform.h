/* SPDX-License-Identifier: MIT */
/* What mflash needs from the operating system beyond C11: Ctrl-C (SIGINT/SIGTERM or the
 * console's control handler), terminal detection, UTF-8 arguments and file names on Windows. */
#ifndef MF_CLI_PLATFORM_H
#define MF_CLI_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
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

#endif
