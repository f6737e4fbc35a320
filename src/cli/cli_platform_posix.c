/* SPDX-License-Identifier: MIT */
/* mflash on POSIX systems: SIGINT/SIGTERM set the one cancel flag (a second signal ends the
 * program), isatty for the progress bar, the raw terminal of `repl` (termios, poll); arguments
 * and file names are UTF-8 already. */
#define _POSIX_C_SOURCE 200809L

#include "cli_platform.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define CLI_CONFIG_MODE     0700
#define CLI_CONFIG_PATH_MAX 1024

/* Signals caught so far, and the terminal settings `repl` changed. The only mutable file-scope
 * state of mflash: a signal handler can reach nothing else (it puts the terminal back before a
 * second signal ends the program). The job copies the signals into its own cancel flag. */
static volatile sig_atomic_t cli_signals;
static volatile sig_atomic_t cli_term_raw;
static struct termios cli_term_saved;

static const int CLI_SIGNALS[] = {SIGINT, SIGTERM};

static void cli_platform_on_signal(int sig)
{
    if (cli_signals > 0) {
        /* A second Ctrl-C: the user does not want to wait for the job to stop. */
        struct sigaction dfl;
        if (cli_term_raw) {
            tcsetattr(STDIN_FILENO, TCSANOW, &cli_term_saved);
        }
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

/* ---- The terminal of `mflash repl` ---- */

struct cli_term {
    bool raw; /* stdin is a terminal switched to raw input */
    bool eof;
};

struct cli_term *cli_platform_term_open(bool *interactive)
{
    struct cli_term *t = calloc(1, sizeof *t);
    struct termios raw;
    if (t == NULL) {
        return NULL;
    }
    *interactive = isatty(STDIN_FILENO) != 0;
    if (*interactive && tcgetattr(STDIN_FILENO, &cli_term_saved) == 0) {
        raw = cli_term_saved;
        /* Keys as bytes: no line editing, echo or signals; the board's bytes shown as they
         * are (it ends its lines with CR LF itself). */
        raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ECHONL | ISIG | IEXTEN);
        raw.c_iflag &= ~(tcflag_t)(IXON | IXOFF | ICRNL | INLCR | IGNCR | BRKINT | ISTRIP);
        raw.c_oflag &= ~(tcflag_t)OPOST;
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        cli_term_raw = 1;
        t->raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
        cli_term_raw = t->raw ? 1 : 0;
    }
    return t;
}

long cli_platform_term_read(struct cli_term *t, void *buf, size_t size, uint32_t timeout_ms)
{
    struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN, .revents = 0};
    long got = -1;
    if (t->eof) {
        return -1;
    }
    int rc = poll(&pfd, 1, (int)timeout_ms);
    if (rc == 0 || (rc < 0 && errno == EINTR)) {
        return 0;
    }
    if (rc > 0) {
        ssize_t n = read(STDIN_FILENO, buf, size);
        got = n > 0 ? (long)n : (n < 0 && (errno == EINTR || errno == EAGAIN)) ? 0 : -1;
    }
    t->eof = got < 0;
    return got;
}

bool cli_platform_term_write(struct cli_term *t, const void *buf, size_t size)
{
    const char *p = buf;
    (void)t;
    while (size > 0) {
        ssize_t n = write(STDOUT_FILENO, p, size);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        p += n;
        size -= (size_t)n;
    }
    return true;
}

void cli_platform_term_close(struct cli_term *t)
{
    if (t != NULL && t->raw) {
        tcsetattr(STDIN_FILENO, TCSANOW, &cli_term_saved);
        cli_term_raw = 0;
    }
    free(t);
}
