/* SPDX-License-Identifier: MIT */
/* mflash's entry point: parse the command line, print help or the version, run the command and
 * turn the engine's error code into the exit code of the contract (docs/mflash.md). */
#include "cli_args.h"
#include "cli_cmds.h"
#include "cli_out.h"
#include "cli_platform.h"

#include <stdlib.h>

int main(int argc, char **argv)
{
    struct cli_args args;
    struct cli_out out;
    struct mf_error e;
    struct cli_env env = {getenv("ESPTOOL_PORT"), getenv("ESPTOOL_BAUD")};
    int exit_code = CLI_EXIT_OK;
    char **argv8 = NULL;

    cli_platform_init();
    argv8 = cli_platform_argv(&argc, argv);
    int rc = cli_args_parse(argc, argv8, &env, &args, &e);
    bool json = rc == MF_OK ? args.json : cli_args_want_json(argc, argv8);
    cli_out_init(&out, stdout, stderr, json, cli_platform_is_terminal(stdout), args.trace);
    if (rc == MF_OK && args.help) {
        cli_help_write(stdout, args.command);
    } else if (rc == MF_OK && args.version && json) {
        struct cli_result r = {.command = "version", .version = cli_version()};
        cli_out_result(&out, &r);
    } else if (rc == MF_OK && args.version) {
        printf("mflash %s\n", cli_version());
    } else if (rc == MF_OK) {
        rc = cli_cmds_run(&args, &out, &e);
    }
    if (rc != MF_OK) {
        exit_code = cli_exit_code(rc);
        cli_out_error(&out, &e, exit_code);
    }
    cli_out_finish(&out);
    fflush(stdout);
    cli_platform_argv_free(argv8, argv);
    return exit_code;
}
