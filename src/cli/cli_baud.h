/* SPDX-License-Identifier: MIT */
/* The rate that worked per adapter, remembered between runs: when a faster rate failed on an
 * adapter (the engine stepped down), later runs with --baud auto start at the rate that worked.
 * One line per adapter, "BAUD KEY", in the file "bauds" of the per-user config folder. */
#ifndef MF_CLI_BAUD_H
#define MF_CLI_BAUD_H

#include <stdint.h>

#define CLI_BAUD_FILE    "bauds"
#define CLI_BAUD_KEY_MAX 256u

/* The rate remembered for `key`, 0 when none (or no config folder). */
uint32_t cli_baud_recall(const char *key);

/* Remembers `baud` for `key` (replacing its line). Returns 0, or -1 when the file cannot be
 * written (the caller says so as a warning: flashing is not affected). */
int cli_baud_remember(const char *key, uint32_t baud);

#endif
