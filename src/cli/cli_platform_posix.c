/* SPDX-License-Identifier: MIT */
/* mflash on POSIX systems: SIGINT/SIGTERM set the one cancel flag (a second signal ends the
 * program), isatty for the progress bar; arguments and file names are UTF-8 already. */
#define _POSIX_C_SOURCE 200809L

#include "cli_platform.h"

#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CLI_CONFIG_MODE     0700
#define CLI_CONFIG_PATH_MAX 1024

/* Signals caught so far. The only mutable file-scope state of mflash: a signal handler can reach
 * nothing else. The job copies it into its own cancel flag (cli_cmds.c). */
static volatile sig_atomic_t cli_signals;

static const int CLI_SIGNALS[] = {SIGINT, SIGTERM};

static void cli_platform_on_signal(int sig)
{
    if (cli_signals > 0) {
        /* A second Ctrl-C: the user does not want to wait for the job to stop. */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigaction(sig, &dfl, NULL);
        raise(sig);
    }
    cli_signals = 1;
}

void cli_platform_init(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = cli_platform_on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof CLI_SIGNALS / sizeof CLI_SIGNALS[0]; i++) {
        sigaction(CLI_SIGNALS[i], &sa, NULL);
    }
}

bool cli_platform_cancel_requested(void)
{
    return cli_signals != 0;
}

bool cli_platform_is_terminal(FILE *f)
{
    return isatty(fileno(f)) != 0;
}

char **cli_platform_argv(int *argc, char **argv)
{
    (void)argc;
    return argv;
}

void cli_platform_argv_free(char **utf8_argv, char **argv)
{
    (void)utf8_argv;
    (void)argv;
}

FILE *cli_platform_fopen(const char *name, const char *mode)
{
    return fopen(name, mode);
}

/* mkdir that is content when the folder exists. */
static bool cli_platform_mkdir(const char *path)
{
    return mkdir(path, CLI_CONFIG_MODE) == 0 || errno == EEXIST;
}

bool cli_platform_config_dir(char *out, size_t max)
{
    const char *own = getenv("MICROFLASH_CONFIG_DIR");
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    char base[CLI_CONFIG_PATH_MAX];
    int n = -1;
    if (own != NULL && own[0] != '\0') {
        n = snprintf(out, max, "%s", own);
        return n >= 0 && (size_t)n < max && cli_platform_mkdir(out);
    }
    if (xdg != NULL && xdg[0] != '\0') {
        n = snprintf(base, sizeof base, "%s", xdg);
    } else if (home != NULL && home[0] != '\0') {
        n = snprintf(base, sizeof base, "%s/.config", home);
    }
    if (n < 0 || (size_t)n >= sizeof base || !cli_platform_mkdir(base)) {
        return false;
    }
    n = snprintf(out, max, "%s/microflash", base);
    return n >= 0 && (size_t)n < max && cli_platform_mkdir(out);
}
