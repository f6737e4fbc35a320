/* SPDX-License-Identifier: MIT */
/* Test helpers for esp8266-sim: child process and control channel, and a ROM-loader client with
 * hand-written SLIP framing that talks to the simulated board through the port layer. */
#define _GNU_SOURCE
#include "simtest.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

extern char **environ;

enum {
    SIMTEST_READY_MS = 20 * 1000,   /* the program prints READY within this */
    SIMTEST_CONTROL_MS = 20 * 1000, /* a control command answers within this */
    SIMTEST_ARGS_MAX = 64,
    SIMTEST_ENV_MAX = 512,
    SIMTEST_RX_INITIAL = 64 * 1024,
    SIMTEST_READ_STEP = 4096,
    SIMTEST_SYNC_REPLY_MS = 100, /* esptool's SYNC timeout */
    SIMTEST_SYNC_PAUSE_MS = 50,
    SIMTEST_RESET_HOLD_MS = 100, /* esptool's reset timings (protocol doc §4.1, §4.2) */
    SIMTEST_RESET_DELAY_MS = 50,
    SIMTEST_COMMAND_MS = 3000, /* esptool's DEFAULT_TIMEOUT */
    SIMTEST_FRAME_MAX = 0x2100,
};

#define SIMTEST_SLIP_END     0xC0u
#define SIMTEST_SLIP_ESC     0xDBu
#define SIMTEST_SLIP_ESC_END 0xDCu
#define SIMTEST_SLIP_ESC_ESC 0xDDu
#define SIMTEST_CHECKSUM     0xEFu
#define SIMTEST_ROM_BLOCK    0x400u
#define SIMTEST_SECTOR       4096u
#define SIMTEST_SECTORS_64K  16u
#define SIMTEST_OP_BEGIN     0x02u
#define SIMTEST_OP_DATA      0x03u
#define SIMTEST_OP_SYNC      0x08u
#define SIMTEST_OP_WRITE_REG 0x09u
#define SIMTEST_OP_READ_REG  0x0Au
#define SIMTEST_DIR_REPLY    0x01u

uint64_t simtest_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void simtest_sleep_ms(uint32_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static uint32_t simtest_left(uint64_t deadline)
{
    uint64_t now = simtest_now_ms();
    return now >= deadline ? 0u : (uint32_t)(deadline - now);
}

/* ---- the program ---- */

/* argv and an environment without LD_PRELOAD (the simulator must not load the client shim). */
static void simtest_argv(const char *sim, const char *const *args, char **argv, char **envp)
{
    size_t n = 0, e = 0;
    argv[n++] = (char *)sim;
    for (size_t i = 0; args[i] != NULL && n + 1 < SIMTEST_ARGS_MAX; i++) {
        argv[n++] = (char *)args[i];
    }
    argv[n] = NULL;
    for (size_t i = 0; environ[i] != NULL && e + 1 < SIMTEST_ENV_MAX; i++) {
        if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0) {
            envp[e++] = environ[i];
        }
    }
    envp[e] = NULL;
}

/* fork + exec with stdout (and stderr when err_too) on a pipe; the read end, or -1. */
static int simtest_spawn(const char *sim, const char *const *args, bool err_too, pid_t *pid)
{
    char *argv[SIMTEST_ARGS_MAX];
    char *envp[SIMTEST_ENV_MAX];
    int fds[2];
    simtest_argv(sim, args, argv, envp);
    if (pipe2(fds, O_CLOEXEC) != 0) {
        return -1;
    }
    *pid = fork();
    if (*pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a test that crashed */
        dup2(fds[1], STDOUT_FILENO);
        if (err_too) {
            dup2(fds[1], STDERR_FILENO);
        }
        execvpe(sim, argv, envp); /* a path, or a program on PATH (python3) */
        _exit(127);
    }
    close(fds[1]);
    if (*pid < 0) {
        close(fds[0]);
        return -1;
    }
    return fds[0];
}

/* Reads one line (without '\n') from fd within timeout_ms. */
static bool simtest_read_line(int fd, char *line, size_t cap, uint32_t timeout_ms)
{
    uint64_t deadline = simtest_now_ms() + timeout_ms;
    size_t n = 0;
    while (n + 1 < cap) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN, .revents = 0};
        if (poll(&pfd, 1, (int)simtest_left(deadline)) <= 0) {
            return false;
        }
        char ch;
        if (read(fd, &ch, 1) != 1) {
            return false;
        }
        if (ch == '\n') {
            line[n] = '\0';
            return true;
        }
        line[n++] = ch;
    }
    return false;
}

int simtest_start(struct simtest_proc *p, const char *sim, const char *const *args)
{
    char line[512];
    memset(p, 0, sizeof *p);
    p->ctl = NET_INVALID;
    p->out_fd = simtest_spawn(sim, args, false, &p->pid);
    if (p->out_fd < 0) {
        fprintf(stderr, "simtest: cannot start %s\n", sim);
        p->pid = 0;
        return -1;
    }
    unsigned port = 0;
    if (!simtest_read_line(p->out_fd, line, sizeof line, SIMTEST_READY_MS) ||
        sscanf(line, "READY %15s %255s %u", p->kind, p->where, &port) != 3 || port == 0 ||
        port > UINT16_MAX) {
        fprintf(stderr, "simtest: no READY line from %s\n", sim);
        return -1;
    }
    p->control_port = (uint16_t)port;
    p->started_ms = simtest_now_ms();
    if (net_connect("control", "127.0.0.1", p->control_port, SIMTEST_CONTROL_MS, &p->ctl, NULL) !=
        PORT_OK) {
        fprintf(stderr, "simtest: cannot connect to the control channel\n");
        return -1;
    }
    return 0;
}

char *simtest_control(struct simtest_proc *p, const char *cmd)
{
    char line[1024];
    int n = snprintf(line, sizeof line, "%s\n", cmd);
    uint64_t deadline = simtest_now_ms() + SIMTEST_CONTROL_MS;
    if (p->ctl == NET_INVALID || n < 0 ||
        net_send_all("control", p->ctl, line, (size_t)n, SIMTEST_CONTROL_MS, NULL) != PORT_OK) {
        return NULL;
    }
    for (;;) {
        char *nl = p->ctl_buf != NULL ? memchr(p->ctl_buf, '\n', p->ctl_len) : NULL;
        if (nl != NULL) {
            size_t len = (size_t)(nl - p->ctl_buf);
            char *reply = malloc(len + 1);
            if (reply != NULL) {
                memcpy(reply, p->ctl_buf, len);
                reply[len] = '\0';
            }
            memmove(p->ctl_buf, nl + 1, p->ctl_len - len - 1);
            p->ctl_len -= len + 1;
            return reply;
        }
        char *grown = realloc(p->ctl_buf, p->ctl_len + SIMTEST_READ_STEP + 1);
        if (grown == NULL) {
            return NULL;
        }
        p->ctl_buf = grown;
        size_t got = 0;
        if (net_recv("control", p->ctl, p->ctl_buf + p->ctl_len, SIMTEST_READ_STEP,
                     simtest_left(deadline), &got, NULL) != PORT_OK) {
            return NULL;
        }
        p->ctl_len += got;
    }
}

bool simtest_control_ok(struct simtest_proc *p, const char *cmd)
{
    char *reply = simtest_control(p, cmd);
    bool ok = reply != NULL && strcmp(reply, "OK") == 0;
    if (!ok) {
        fprintf(stderr, "simtest: %s -> %s\n", cmd, reply != NULL ? reply : "(no reply)");
    }
    free(reply);
    return ok;
}

static void simtest_forget_proc(struct simtest_proc *p)
{
    if (p->ctl > 0) { /* 0 in a slot never started (and stdin, not ours) */
        net_close(p->ctl);
    }
    if (p->out_fd > 0) {
        close(p->out_fd);
    }
    free(p->ctl_buf);
    memset(p, 0, sizeof *p);
    p->ctl = NET_INVALID;
}

int simtest_quit(struct simtest_proc *p)
{
    int status = -1;
    bool ok = simtest_control_ok(p, "QUIT");
    if (p->pid > 0 && waitpid(p->pid, &status, 0) == p->pid) {
        status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    } else {
        status = -1;
    }
    simtest_forget_proc(p);
    return ok ? status : -1;
}

void simtest_kill(struct simtest_proc *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0);
    }
    simtest_forget_proc(p);
}

int simtest_run(const char *sim, const char *const *args, char *out, size_t cap)
{
    pid_t pid = 0;
    int status = -1;
    size_t n = 0;
    int fd = simtest_spawn(sim, args, true, &pid);
    if (fd < 0) {
        return -1;
    }
    for (;;) {
        char buf[512];
        ssize_t got = read(fd, buf, sizeof buf);
        if (got <= 0) {
            break;
        }
        for (ssize_t i = 0; i < got && n + 1 < cap; i++) {
            out[n++] = buf[i];
        }
    }
    out[n] = '\0';
    close(fd);
    if (waitpid(pid, &status, 0) != pid) {
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- the serial client ---- */

int simtest_open(struct simtest_client *c, const char *name, uint32_t baud)
{
    struct port_error err;
    memset(c, 0, sizeof *c);
    c->rx = malloc(SIMTEST_RX_INITIAL);
    if (c->rx == NULL) {
        return PORT_ERR_NO_MEMORY;
    }
    c->rx_cap = SIMTEST_RX_INITIAL;
    c->timeout_ms = SIMTEST_COMMAND_MS;
    int rc = port_open(name, baud, &c->port, &err);
    if (rc != PORT_OK) {
        fprintf(stderr, "simtest: %s\n", err.message);
        free(c->rx);
        c->rx = NULL;
    }
    return rc;
}

void simtest_close(struct simtest_client *c)
{
    port_close(c->port);
    free(c->rx);
    memset(c, 0, sizeof *c);
}

void simtest_forget(struct simtest_client *c)
{
    c->rx_len = 0;
    c->parsed = 0;
}

int simtest_send(struct simtest_client *c, const void *data, size_t n)
{
    int rc = port_write(c->port, data, n, SIMTEST_COMMAND_MS, NULL);
    if (rc == PORT_OK) {
        c->sent += n;
    }
    return rc;
}

int simtest_receive(struct simtest_client *c, uint32_t timeout_ms)
{
    if (c->rx_cap - c->rx_len < SIMTEST_READ_STEP) {
        uint8_t *grown = realloc(c->rx, c->rx_cap * 2);
        if (grown == NULL) {
            return PORT_ERR_NO_MEMORY;
        }
        c->rx = grown;
        c->rx_cap *= 2;
    }
    size_t got = 0;
    int rc = port_read(c->port, c->rx + c->rx_len, c->rx_cap - c->rx_len - 1, timeout_ms, &got,
                       NULL);
    c->rx_len += got;
    c->rx[c->rx_len] = 0;
    return rc;
}

static bool simtest_find(const struct simtest_client *c, const char *needle, size_t *at)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= c->rx_len; i++) {
        if (memcmp(c->rx + i, needle, n) == 0) {
            *at = i;
            return true;
        }
    }
    return false;
}

bool simtest_read_until(struct simtest_client *c, const char *needle, uint32_t timeout_ms,
                        size_t *at)
{
    uint64_t deadline = simtest_now_ms() + timeout_ms;
    while (!simtest_find(c, needle, at)) {
        uint32_t left = simtest_left(deadline);
        if (left == 0) {
            return false;
        }
        int rc = simtest_receive(c, left);
        if (rc != PORT_OK && rc != PORT_ERR_TIMEOUT) {
            return false;
        }
    }
    return true;
}

int simtest_read_until_error(struct simtest_client *c, uint32_t timeout_ms)
{
    uint64_t deadline = simtest_now_ms() + timeout_ms;
    int rc = PORT_ERR_TIMEOUT;
    while (simtest_left(deadline) > 0) {
        rc = simtest_receive(c, simtest_left(deadline));
        if (rc != PORT_OK && rc != PORT_ERR_TIMEOUT) {
            break;
        }
    }
    return rc;
}

uint8_t simtest_checksum(const uint8_t *p, size_t n)
{
    uint8_t chk = SIMTEST_CHECKSUM;
    for (size_t i = 0; i < n; i++) {
        chk ^= p[i];
    }
    return chk;
}

void simtest_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

uint32_t simtest_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void simtest_slip_put(uint8_t *out, size_t *n, uint8_t v)
{
    if (v == SIMTEST_SLIP_END) {
        out[(*n)++] = SIMTEST_SLIP_ESC;
        out[(*n)++] = SIMTEST_SLIP_ESC_END;
    } else if (v == SIMTEST_SLIP_ESC) {
        out[(*n)++] = SIMTEST_SLIP_ESC;
        out[(*n)++] = SIMTEST_SLIP_ESC_ESC;
    } else {
        out[(*n)++] = v;
    }
}

size_t simtest_frame(uint8_t op, const uint8_t *data, size_t len, uint32_t chk, uint8_t *out)
{
    uint8_t hdr[8] = {0x00, op, (uint8_t)len, (uint8_t)(len >> 8)};
    size_t n = 0;
    simtest_put32(hdr + 4, chk);
    out[n++] = SIMTEST_SLIP_END;
    for (size_t i = 0; i < sizeof hdr; i++) {
        simtest_slip_put(out, &n, hdr[i]);
    }
    for (size_t i = 0; i < len; i++) {
        simtest_slip_put(out, &n, data[i]);
    }
    out[n++] = SIMTEST_SLIP_END;
    return n;
}

/* Decodes the next frame already received; false when none is complete yet. */
static bool simtest_parse_frame(struct simtest_client *c, uint8_t *frame, size_t cap, size_t *len)
{
    size_t i = c->parsed;
    while (i < c->rx_len && c->rx[i] != SIMTEST_SLIP_END) {
        i++;
    }
    while (i < c->rx_len && c->rx[i] == SIMTEST_SLIP_END) {
        i++;
    }
    size_t n = 0;
    for (size_t j = i; j < c->rx_len; j++) {
        uint8_t v = c->rx[j];
        if (v == SIMTEST_SLIP_END) {
            c->parsed = j;
            *len = n;
            return true;
        }
        if (v == SIMTEST_SLIP_ESC) {
            if (j + 1 >= c->rx_len) {
                return false;
            }
            j++;
            v = c->rx[j] == SIMTEST_SLIP_ESC_END   ? SIMTEST_SLIP_END
                : c->rx[j] == SIMTEST_SLIP_ESC_ESC ? SIMTEST_SLIP_ESC
                                                   : c->rx[j];
        }
        if (n < cap) {
            frame[n++] = v;
        }
    }
    return false;
}

bool simtest_next_frame(struct simtest_client *c, uint8_t *frame, size_t cap, size_t *len,
                        uint32_t timeout_ms)
{
    uint64_t deadline = simtest_now_ms() + timeout_ms;
    while (!simtest_parse_frame(c, frame, cap, len)) {
        uint32_t left = simtest_left(deadline);
        if (left == 0) {
            return false;
        }
        int rc = simtest_receive(c, left);
        if (rc != PORT_OK && rc != PORT_ERR_TIMEOUT) {
            return false;
        }
    }
    return true;
}

bool simtest_command(struct simtest_client *c, uint8_t op, const uint8_t *data, size_t len,
                     uint32_t chk, uint32_t timeout_ms, struct simtest_reply *r)
{
    uint8_t wire[2 * SIMTEST_FRAME_MAX + 2];
    uint8_t frame[SIMTEST_FRAME_MAX];
    size_t n = simtest_frame(op, data, len, chk, wire), flen = 0;
    uint64_t deadline = simtest_now_ms() + timeout_ms;

    memset(r, 0, sizeof *r);
    c->parsed = c->rx_len; /* earlier frames are stale */
    if (simtest_send(c, wire, n) != PORT_OK) {
        return false;
    }
    while (simtest_next_frame(c, frame, sizeof frame, &flen, simtest_left(deadline))) {
        if (flen >= 8 && frame[0] == SIMTEST_DIR_REPLY && frame[1] == op) {
            r->op = op;
            r->value = simtest_get32(frame + 4);
            r->len = flen - 8 < sizeof r->data ? flen - 8 : sizeof r->data;
            memcpy(r->data, frame + 8, r->len);
            return true;
        }
    }
    return false;
}

bool simtest_reply_ok(const struct simtest_reply *r)
{
    return r->len >= 2 && r->data[r->len - 2] == 0 && r->data[r->len - 1] == 0;
}

void simtest_reset_download(struct simtest_client *c)
{
    port_set_dtr(c->port, false, NULL);
    port_set_rts(c->port, true, NULL);
    simtest_sleep_ms(SIMTEST_RESET_HOLD_MS);
    port_set_dtr(c->port, true, NULL);
    port_set_rts(c->port, false, NULL);
    simtest_sleep_ms(SIMTEST_RESET_DELAY_MS);
    port_set_dtr(c->port, false, NULL);
}

void simtest_reset_run(struct simtest_client *c)
{
    port_set_rts(c->port, true, NULL);
    simtest_sleep_ms(SIMTEST_RESET_HOLD_MS);
    port_set_rts(c->port, false, NULL);
}

bool simtest_sync(struct simtest_client *c, unsigned tries)
{
    uint8_t data[36] = {0x07, 0x07, 0x12, 0x20};
    struct simtest_reply r;
    memset(data + 4, 0x55, sizeof data - 4);
    for (unsigned k = 0; k < tries; k++) {
        port_flush(c->port, PORT_QUEUE_INPUT, NULL);
        simtest_forget(c);
        if (simtest_command(c, SIMTEST_OP_SYNC, data, sizeof data, 0, SIMTEST_SYNC_REPLY_MS, &r) &&
            simtest_reply_ok(&r)) {
            return true;
        }
        simtest_sleep_ms(SIMTEST_SYNC_PAUSE_MS);
    }
    return false;
}

bool simtest_read_reg(struct simtest_client *c, uint32_t addr, uint32_t *value)
{
    uint8_t d[4];
    struct simtest_reply r;
    simtest_put32(d, addr);
    if (!simtest_command(c, SIMTEST_OP_READ_REG, d, sizeof d, 0, c->timeout_ms, &r) ||
        !simtest_reply_ok(&r)) {
        return false;
    }
    *value = r.value;
    return true;
}

bool simtest_write_reg(struct simtest_client *c, uint32_t addr, uint32_t value)
{
    uint8_t d[16];
    struct simtest_reply r;
    simtest_put32(d, addr);
    simtest_put32(d + 4, value);
    simtest_put32(d + 8, UINT32_MAX);
    simtest_put32(d + 12, 0);
    return simtest_command(c, SIMTEST_OP_WRITE_REG, d, sizeof d, 0, c->timeout_ms, &r) &&
           simtest_reply_ok(&r);
}

/* esptool's ESP8266ROM.get_erase_size (protocol doc §6.3). */
static uint32_t simtest_erase_size(uint32_t offset, uint32_t size)
{
    uint32_t sectors = (size + SIMTEST_SECTOR - 1) / SIMTEST_SECTOR;
    uint32_t start = offset / SIMTEST_SECTOR;
    uint32_t head = SIMTEST_SECTORS_64K - start % SIMTEST_SECTORS_64K;
    if (head > sectors) {
        head = sectors;
    }
    if (sectors < 2 * head) {
        return (sectors + 1) / 2 * SIMTEST_SECTOR;
    }
    return (sectors - head) * SIMTEST_SECTOR;
}

bool simtest_flash_begin(struct simtest_client *c, uint32_t offset, uint32_t size)
{
    uint8_t d[16];
    struct simtest_reply r;
    simtest_put32(d, simtest_erase_size(offset, size));
    simtest_put32(d + 4, (size + SIMTEST_ROM_BLOCK - 1) / SIMTEST_ROM_BLOCK);
    simtest_put32(d + 8, SIMTEST_ROM_BLOCK);
    simtest_put32(d + 12, offset);
    return simtest_command(c, SIMTEST_OP_BEGIN, d, sizeof d, 0, SIMTEST_COMMAND_MS * 10, &r) &&
           simtest_reply_ok(&r);
}

bool simtest_flash_block(struct simtest_client *c, uint32_t seq, const uint8_t *data, size_t len,
                         uint8_t chk_xor, struct simtest_reply *r)
{
    uint8_t d[16 + SIMTEST_ROM_BLOCK];
    memset(d + 16, 0xFF, SIMTEST_ROM_BLOCK);
    memcpy(d + 16, data, len < SIMTEST_ROM_BLOCK ? len : SIMTEST_ROM_BLOCK);
    simtest_put32(d, SIMTEST_ROM_BLOCK);
    simtest_put32(d + 4, seq);
    simtest_put32(d + 8, 0);
    simtest_put32(d + 12, 0);
    uint8_t chk = simtest_checksum(d + 16, SIMTEST_ROM_BLOCK) ^ chk_xor;
    return simtest_command(c, SIMTEST_OP_DATA, d, sizeof d, chk, c->timeout_ms, r);
}

bool simtest_flash_write(struct simtest_client *c, uint32_t offset, const uint8_t *data, size_t len)
{
    struct simtest_reply r;
    if (!simtest_flash_begin(c, offset, (uint32_t)len)) {
        return false;
    }
    for (size_t pos = 0, seq = 0; pos < len; pos += SIMTEST_ROM_BLOCK, seq++) {
        size_t n = len - pos < SIMTEST_ROM_BLOCK ? len - pos : SIMTEST_ROM_BLOCK;
        if (!simtest_flash_block(c, (uint32_t)seq, data + pos, n, 0, &r) || !simtest_reply_ok(&r)) {
            return false;
        }
    }
    return true;
}

/* ---- small things ---- */

bool simtest_json_u64(const char *json, const char *section, const char *key, uint64_t *out)
{
    char pat[128];
    const char *p = json;
    if (json == NULL) {
        return false;
    }
    if (section != NULL) {
        snprintf(pat, sizeof pat, "\"%s\":", section);
        p = strstr(p, pat);
        if (p == NULL) {
            return false;
        }
    }
    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(p, pat);
    if (p == NULL) {
        return false;
    }
    char *end = NULL;
    *out = strtoull(p + strlen(pat), &end, 10);
    return end != p + strlen(pat);
}

uint8_t *simtest_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    if (f == NULL) {
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1u << 20;
            uint8_t *grown = realloc(buf, cap);
            if (grown == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = grown;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            break;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}
