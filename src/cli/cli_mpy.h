/* SPDX-License-Identifier: MIT */
/* mflash's MicroPython commands: `fs ls|put|get|rm` through src/mpy's raw REPL, and `repl`, a
 * serial terminal between the console and the board. The port is opened without a reset. */
#ifndef MF_CLI_MPY_H
#define MF_CLI_MPY_H

#include "cli_args.h"
#include "cli_out.h"
#include "err.h"

/* `fs`: the operation in args on the board at `port` (a name, --port auto already resolved). On
 * success *r carries the remote path, the local file and the byte count. */
int cli_mpy_fs(const struct cli_args *args, const char *port, struct cli_out *out,
               struct cli_result *r, struct mf_error *e);

/* `repl`: forwards the console to the board and the board to the console until Ctrl-], or,
 * when standard input is not a terminal, until it ends and the board has been quiet for
 * args->quiet_ms. */
int cli_mpy_repl(const struct cli_args *args, const char *port, struct cli_out *out,
                 struct mf_error *e);

#endif
