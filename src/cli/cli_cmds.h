/* SPDX-License-Identifier: MIT */
/* The mflash commands: one function per command, files checked before the board is touched,
 * the connection, the job's hooks (log, progress, Ctrl-C) and --after at the end. */
#ifndef MF_CLI_CMDS_H
#define MF_CLI_CMDS_H

#include "cli_args.h"
#include "cli_out.h"
#include "err.h"

/* Runs args->command. On success the "result" report is out; otherwise e says why (the caller
 * reports it and maps the code to the exit code). */
int cli_cmds_run(const struct cli_args *args, struct cli_out *out, struct mf_error *e);

#endif
