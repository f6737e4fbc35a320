/* SPDX-License-Identifier: MIT */
/* End-to-end harness: private case folders, esp8266-sim through simtest, mflash runs (native with
 * the vserial shim, or under Wine through wine-run), --json event collection and checks. */
#define _GNU_SOURCE
#include "e2e_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    E2E_STATE_POLL_MS = 20, /* STATS polling interval while waiting for a board state */
    E2E_SHOW_MAX = 12000,   /* bytes of mflash output shown with a failure */
    E2E_WINE_EXTRA_S = 60,  /* wine-run's own limit is this much above ours */
};

/* ---- case folder and failures ---- */

bool e2e_init(struct e2e *t, const struct e2e_config *cfg, const char *name)
{
    const char *tmp = getenv("TMPDIR");
    memset(t, 0, sizeof *t);
    t->cfg = cfg;
    t->name = name;
    t->busy_fd = -1;
    snprintf(t->dir, sizeof t->dir, "%s/mf-e2e-%s-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp",
             name);
    if (mkdtemp(t->dir) == NULL) {
        fprintf(stderr, "e2e: cannot create %s: %s\n", t->dir, strerror(errno));
        return false;
    }
    e2e_path(t, "config", t->config);
    if (mkdir(t->config, 0700) != 0) {
        fprintf(stderr, "e2e: cannot create %s: %s\n", t->config, strerror(errno));
        return false;
    }
    return true;
}

static int e2e_remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Shows the tail of captured output, indented. */
static void e2e_show(const char *label, const char *data, size_t len)
{
    size_t from = len > E2E_SHOW_MAX ? len - E2E_SHOW_MAX : 0;
    fprintf(stderr, "---- %s (%zu bytes%s) ----\n%s%s", label, len, from ? ", tail" : "",
            data != NULL ? data + from : "", len > 0 && data[len - 1] != '\n' ? "\n" : "");
}

void e2e_fail(struct e2e *t, int line, const char *fmt, ...)
{
    va_list ap;
    if (line > 0) {
        fprintf(stderr, "FAIL e2e.%s (case line %d): ", t->name, line);
    } else {
        fprintf(stderr, "FAIL e2e.%s (harness): ", t->name);
    }
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (!t->failed && t->run_cmd[0] != '\0') {
        fprintf(stderr, "---- last mflash run ----\n%s\n", t->run_cmd);
        if (t->run_done) {
            fprintf(stderr, "exit status %d after %llu ms%s\n", t->run.status,
                    (unsigned long long)t->run.elapsed_ms,
                    t->run.timed_out ? " (stopped: time limit)" : "");
        }
        e2e_show("stdout", t->run.out.data, t->run.out.len);
        e2e_show("stderr", t->run.err.data, t->run.err.len);
        if (t->json_problem[0] != '\0') {
            fprintf(stderr, "---- --json problem ----\n%s\n", t->json_problem);
        }
    }
    t->failed = true;
}

static void e2e_free_events(struct e2e *t)
{
    for (size_t i = 0; i < t->n_events; i++) {
        ej_free(t->events[i]);
    }
    free(t->events);
    t->events = NULL;
    t->n_events = 0;
}

void e2e_cleanup(struct e2e *t)
{
    e2e_child_free(&t->run);
    e2e_free_events(t);
    if (t->busy_fd >= 0) {
        ioctl(t->busy_fd, TIOCNXCL);
        close(t->busy_fd);
        t->busy_fd = -1;
    }
    if (t->sim_up) {
        simtest_kill(&t->sim);
        t->sim_up = false;
    }
    if (t->dir[0] == '\0') {
        return;
    }
    if (t->failed || t->cfg->keep) {
        fprintf(stderr, "e2e.%s: files kept in %s (sim.log: the board's narration)\n", t->name,
                t->dir);
    } else {
        nftw(t->dir, e2e_remove_one, 16, FTW_DEPTH | FTW_PHYS);
    }
}

void e2e_path(const struct e2e *t, const char *name, char *out)
{
    int n = snprintf(out, E2E_PATH_MAX, "%s/%s", t->dir, name);
    if (n < 0 || n >= (int)E2E_PATH_MAX) {
        out[0] = '\0'; /* mkdtemp made a short folder name: never happens */
    }
}

bool e2e_put_file(struct e2e *t, const char *name, const struct e2e_blob *b)
{
    char path[E2E_PATH_MAX];
    e2e_path(t, name, path);
    if (!e2e_write_file(path, b->data, b->len)) {
        e2e_fail(t, 0, "cannot write %s", path);
        return false;
    }
    return true;
}

/* ---- the simulated board ---- */

bool e2e_sim_start(struct e2e *t, enum e2e_endpoint ep, const char *scale, const char *const *extra)
{
    char tty[E2E_PATH_MAX], out[E2E_PATH_MAX], stats[E2E_PATH_MAX], log[E2E_PATH_MAX];
    const char *args[SIMTEST_WHERE_MAX / 4];
    size_t n = 0;
    e2e_path(t, "tty", tty);
    e2e_path(t, "out.bin", out);
    e2e_path(t, "stats.json", stats);
    e2e_path(t, "sim.log", log);
    if (ep == E2E_PTY) {
        args[n++] = "--pty";
        args[n++] = tty;
    } else {
        args[n++] = "--rfc2217";
        args[n++] = "0";
    }
    const char *fixed[] = {"--time-scale", scale, "--flash-out", out,
                           "--stats",      stats, "--log",       log};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        args[n++] = fixed[i];
    }
    for (size_t i = 0; extra != NULL && extra[i] != NULL && n + 1 < sizeof args / sizeof args[0];
         i++) {
        args[n++] = extra[i];
    }
    args[n] = NULL;
    if (simtest_start(&t->sim, t->cfg->sim, args) != 0) {
        t->sim_up = t->sim.pid > 0;
        e2e_fail(t, 0, "esp8266-sim did not start (see its messages above)");
        return false;
    }
    t->sim_up = true;
    if (ep == E2E_PTY) {
        snprintf(t->pty, sizeof t->pty, "%s", t->sim.where);
        if (t->cfg->wine_run != NULL) {
            snprintf(t->port, sizeof t->port, "COM%u", t->cfg->com);
        } else {
            snprintf(t->port, sizeof t->port, "%s", t->sim.where);
        }
    } else {
        snprintf(t->port, sizeof t->port, "rfc2217://127.0.0.1:%s", t->sim.where);
    }
    return true;
}

bool e2e_sim_control(struct e2e *t, const char *cmd)
{
    if (!simtest_control_ok(&t->sim, cmd)) {
        e2e_fail(t, 0, "the simulator refused control command \"%s\"", cmd);
        return false;
    }
    return true;
}

struct ej_value *e2e_sim_stats(struct e2e *t)
{
    const char *why = NULL;
    char *reply = simtest_control(&t->sim, "STATS");
    struct ej_value *v = reply != NULL ? ej_parse(reply, strlen(reply), &why) : NULL;
    if (v == NULL) {
        e2e_fail(t, 0, "STATS gave no JSON (%s): %s", why != NULL ? why : "no reply",
                 reply != NULL ? reply : "");
    }
    free(reply);
    return v;
}

bool e2e_sim_number(struct e2e *t, const char *path, double *out)
{
    struct ej_value *s = e2e_sim_stats(t);
    bool ok = s != NULL && ej_path_number(s, path, out);
    if (s != NULL && !ok) {
        e2e_fail(t, 0, "STATS has no number %s", path);
    }
    ej_free(s);
    return ok;
}

bool e2e_sim_dump(struct e2e *t, const char *name, struct e2e_blob *out)
{
    char path[E2E_PATH_MAX], cmd[E2E_PATH_MAX + 16];
    e2e_path(t, name, path);
    snprintf(cmd, sizeof cmd, "FLASH-OUT %s", path);
    if (!e2e_sim_control(t, cmd)) {
        return false;
    }
    if (!e2e_read_file(path, out)) {
        e2e_fail(t, 0, "cannot read the flash dump %s", path);
        return false;
    }
    return true;
}

bool e2e_sim_wait_state(struct e2e *t, const char *const *states, uint32_t timeout_ms)
{
    uint64_t deadline = e2e_now_ms() + timeout_ms;
    char last[64] = "(none)";
    for (;;) {
        struct ej_value *s = e2e_sim_stats(t);
        const char *state = NULL;
        if (s == NULL) {
            return false;
        }
        if (ej_path_string(s, "board.state", &state)) {
            snprintf(last, sizeof last, "%s", state);
            for (size_t i = 0; states[i] != NULL; i++) {
                if (strcmp(state, states[i]) == 0) {
                    ej_free(s);
                    return true;
                }
            }
        }
        ej_free(s);
        if (e2e_now_ms() >= deadline) {
            break;
        }
        simtest_sleep_ms(E2E_STATE_POLL_MS);
    }
    e2e_fail(t, 0, "the board stayed in state \"%s\" (waited %u ms for %s%s)", last,
             (unsigned)timeout_ms, states[0], states[1] != NULL ? " or another expected one" : "");
    return false;
}

bool e2e_sim_quit(struct e2e *t, struct e2e_blob *flash)
{
    char path[E2E_PATH_MAX];
    int status = simtest_quit(&t->sim);
    t->sim_up = false;
    if (status != 0) {
        e2e_fail(t, 0, "esp8266-sim QUIT ended with status %d", status);
        return false;
    }
    if (flash == NULL) {
        return true;
    }
    e2e_path(t, "out.bin", path);
    if (!e2e_read_file(path, flash)) {
        e2e_fail(t, 0, "no --flash-out file %s after QUIT", path);
        return false;
    }
    return true;
}

/* ---- mflash ---- */

static void e2e_cmd_append(char *cmd, size_t cap, const char *word)
{
    size_t len = strlen(cmd);
    bool plain = word[0] != '\0' && strpbrk(word, " \t'\"\\$`*?;&|<>(){}") == NULL;
    snprintf(cmd + len, cap - len, plain ? "%s%s" : "%s'%s'", len > 0 ? " " : "", word);
}

bool e2e_mflash_start(struct e2e *t, const char *const *args)
{
    const char *argv[E2E_ARGS_MAX + 16];
    char com_map[E2E_PATH_MAX + 16], limit[16], config_env[E2E_PATH_MAX + 32];
    const char *preload = t->cfg->shim;
    size_t n = 0;

    e2e_child_free(&t->run);
    e2e_free_events(t);
    t->run_done = false;
    t->run_json = false;
    t->json_problem[0] = '\0';
    if (t->cfg->wine_run != NULL) {
        snprintf(com_map, sizeof com_map, "COM%u=%s", t->cfg->com,
                 t->pty[0] != '\0' ? t->pty : "/dev/null");
        snprintf(limit, sizeof limit, "%u", E2E_RUN_MS / 1000u + E2E_WINE_EXTRA_S);
        const char *wrap[] = {t->cfg->wine_run, "--prefix",   t->cfg->wine_prefix, "--com", com_map,
                              "--preload",      t->cfg->shim, "--timeout",         limit,   "--"};
        for (size_t i = 0; i < sizeof wrap / sizeof wrap[0]; i++) {
            argv[n++] = wrap[i];
        }
        preload = NULL; /* wine-run preloads the shim into Wine only */
    }
    argv[n++] = t->cfg->mflash;
    for (size_t i = 0; args[i] != NULL && n + 1 < sizeof argv / sizeof argv[0]; i++) {
        argv[n++] = strcmp(args[i], E2E_PORT) == 0 ? t->port : args[i];
        t->run_json = t->run_json || strcmp(args[i], "--json") == 0;
    }
    argv[n] = NULL;

    /* The case's own config folder; under Wine by its Windows name (drive Z: is the Unix root). */
    if (t->cfg->wine_run != NULL) {
        static const char prefix[] = "MICROFLASH_CONFIG_DIR=Z:";
        snprintf(config_env, sizeof config_env, "%s%s", prefix, t->config);
        for (char *ch = config_env + sizeof prefix - 1; *ch != '\0'; ch++) {
            *ch = *ch == '/' ? '\\' : *ch;
        }
    } else {
        snprintf(config_env, sizeof config_env, "MICROFLASH_CONFIG_DIR=%s", t->config);
    }
    const char *env[] = {config_env, NULL};

    snprintf(t->run_cmd, sizeof t->run_cmd, "cd %s && MICROFLASH_CONFIG_DIR='%s'", t->dir,
             strchr(config_env, '=') + 1);
    if (preload != NULL) {
        snprintf(t->run_cmd + strlen(t->run_cmd), sizeof t->run_cmd - strlen(t->run_cmd),
                 " LD_PRELOAD=%s", preload);
    }
    for (size_t i = 0; i < n; i++) {
        e2e_cmd_append(t->run_cmd, sizeof t->run_cmd, argv[i]);
    }
    if (t->input[0] != '\0') {
        snprintf(t->run_cmd + strlen(t->run_cmd), sizeof t->run_cmd - strlen(t->run_cmd), " < %s",
                 t->input);
    }
    if (!e2e_child_start_input(&t->run, argv, t->dir, preload, env,
                               t->input[0] != '\0' ? t->input : NULL)) {
        e2e_fail(t, 0, "cannot start %s", argv[0]);
        return false;
    }
    return true;
}

static const char *e2e_str_or(const struct ej_value *v, const char *path, const char *fallback)
{
    const char *s = NULL;
    return ej_path_string(v, path, &s) ? s : fallback;
}

/* The --json contract (cli.md "--json events"): members every event kind must have, with their
 * types: s string, n number, b boolean, N number or null, S string or null. */
struct e2e_member {
    const char *name;
    char type;
};

struct e2e_kind {
    const char *kind;
    struct e2e_member members[12];
};

static const struct e2e_kind E2E_KINDS[] = {
        {"log", {{"level", 's'}, {"text", 's'}}},
        {"progress",
         {{"stage", 's'},
          {"label", 's'},
          {"done", 'n'},
          {"total", 'n'},
          {"rate", 'n'},
          {"eta_ms", 'N'},
          {"overall", 'n'}}},
        {"chip",
         {{"chip", 's'},
          {"esp8285", 'b'},
          {"mac", 's'},
          {"chip_id", 's'},
          {"crystal_mhz", 'n'},
          {"flash_manufacturer", 's'},
          {"flash_device", 's'},
          {"flash_size", 'n'},
          {"loader", 's'}}},
        {"image", {{"file", 's'}, {"size", 'n'}, {"format", 's'}, {"micropython", 'b'}}},
        {"result", {{"ok", 'b'}, {"command", 's'}}},
        {"error",
         {{"ok", 'b'},
          {"code", 's'},
          {"exit", 'n'},
          {"message", 's'},
          {"command", 'S'},
          {"status", 'S'}}},
        {"port", {{"name", 's'}, {"description", 's'}, {"likely_esp", 'b'}}},
        {"file", {{"name", 's'}, {"dir", 'b'}, {"size", 'n'}}},
};

/* Values a member may take (NULL-terminated lists). */
static bool e2e_one_of(const char *value, const char *const *allowed)
{
    for (size_t i = 0; allowed[i] != NULL; i++) {
        if (strcmp(value, allowed[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* Why an event breaks the contract, or NULL. */
static const char *e2e_event_problem(const struct ej_value *v, const char *kind, char *buf,
                                     size_t cap)
{
    static const char *const levels[] = {"info", "warn", "error", "debug", "trace", NULL};
    static const char *const stages[] = {"connect", "manual_boot", "erase", "write",
                                         "verify",  "read",        "reset", NULL};
    static const char *const formats[] = {"v1", "v2", "v3", "raw", NULL};
    const struct e2e_kind *k = NULL;
    for (size_t i = 0; i < sizeof E2E_KINDS / sizeof E2E_KINDS[0] && k == NULL; i++) {
        k = strcmp(E2E_KINDS[i].kind, kind) == 0 ? &E2E_KINDS[i] : NULL;
    }
    if (k == NULL) {
        snprintf(buf, cap, "unknown event kind \"%s\"", kind);
        return buf;
    }
    for (size_t i = 0; i < sizeof k->members / sizeof k->members[0] && k->members[i].name; i++) {
        const struct ej_value *m = ej_get(v, k->members[i].name);
        char type = k->members[i].type;
        bool ok = m != NULL &&
                  ((type == 's' && m->type == EJ_STRING) || (type == 'n' && m->type == EJ_NUMBER) ||
                   (type == 'b' && m->type == EJ_BOOL) ||
                   (type == 'N' && (m->type == EJ_NUMBER || m->type == EJ_NULL)) ||
                   (type == 'S' && (m->type == EJ_STRING || m->type == EJ_NULL)));
        if (!ok) {
            snprintf(buf, cap, "a %s event without a valid \"%s\"", kind, k->members[i].name);
            return buf;
        }
    }
    const char *text = NULL;
    double overall = 0;
    if ((ej_path_string(v, "level", &text) && strcmp(kind, "log") == 0 &&
         !e2e_one_of(text, levels)) ||
        (ej_path_string(v, "stage", &text) && !e2e_one_of(text, stages)) ||
        (ej_path_string(v, "format", &text) && strcmp(kind, "image") == 0 &&
         !e2e_one_of(text, formats))) {
        snprintf(buf, cap, "a %s event with an unknown value \"%s\"", kind, text);
        return buf;
    }
    if (strcmp(kind, "progress") == 0 && ej_path_number(v, "overall", &overall) &&
        (overall < 0 || overall > 1000)) {
        snprintf(buf, cap, "a progress event with overall %.0f (0..1000)", overall);
        return buf;
    }
    return NULL;
}

/* Parses one stdout line of a --json run into the event list. */
static const struct ej_value *e2e_take_line(struct e2e *t, const char *line)
{
    const char *why = NULL;
    const char *kind = NULL;
    size_t index = t->n_events + 1;
    struct ej_value *v = ej_parse(line, strlen(line), &why);
    if (v == NULL || v->type != EJ_OBJECT || !ej_path_string(v, "event", &kind)) {
        if (t->json_problem[0] == '\0') {
            snprintf(t->json_problem, sizeof t->json_problem,
                     "stdout line %zu is not a JSON object with an \"event\" (%s): %.150s", index,
                     v == NULL ? why : "no event member", line);
        }
        ej_free(v);
        return NULL;
    }
    char why_buf[160];
    const char *problem = e2e_event_problem(v, kind, why_buf, sizeof why_buf);
    const struct ej_value *prev = e2e_last_event(t);
    if (problem == NULL && prev != NULL &&
        (strcmp(e2e_str_or(prev, "event", ""), "result") == 0 ||
         strcmp(e2e_str_or(prev, "event", ""), "error") == 0)) {
        problem = "an event after the final result/error event";
    }
    if (problem != NULL && t->json_problem[0] == '\0') {
        snprintf(t->json_problem, sizeof t->json_problem, "stdout line %zu: %s: %.150s", index,
                 problem, line);
    }
    struct ej_value **grown = realloc(t->events, (t->n_events + 1) * sizeof *grown);
    if (grown == NULL) {
        ej_free(v);
        return NULL;
    }
    t->events = grown;
    t->events[t->n_events++] = v;
    return v;
}

const struct ej_value *e2e_mflash_next_event(struct e2e *t, uint64_t deadline_ms)
{
    for (;;) {
        char *line = e2e_child_next_line(&t->run, deadline_ms);
        if (line == NULL) {
            return NULL;
        }
        const struct ej_value *v = e2e_take_line(t, line);
        free(line);
        if (v != NULL) {
            return v;
        }
    }
}

int e2e_mflash_finish(struct e2e *t, uint32_t timeout_ms)
{
    int status = e2e_child_finish(&t->run, timeout_ms);
    t->run_done = true;
    if (t->run_json) {
        char *line;
        while ((line = e2e_child_next_line(&t->run, e2e_now_ms())) != NULL) {
            e2e_take_line(t, line);
            free(line);
        }
        const char *rest = t->run.out.data != NULL ? t->run.out.data + t->run.line_at : "";
        if (*rest != '\0') {
            e2e_take_line(t, rest); /* a last line without its newline */
        }
    }
    if (t->run.timed_out) {
        e2e_fail(t, 0, "mflash did not finish within %u s", (unsigned)(timeout_ms / 1000u));
        return -1;
    }
    return status;
}

int e2e_mflash(struct e2e *t, uint32_t timeout_ms, const char *const *args)
{
    if (!e2e_mflash_start(t, args)) {
        return -1;
    }
    return e2e_mflash_finish(t, timeout_ms);
}

int e2e_mflash_input(struct e2e *t, uint32_t timeout_ms, const void *input, size_t len,
                     const char *const *args)
{
    int status = -1;
    e2e_path(t, "stdin.bin", t->input);
    if (!e2e_write_file(t->input, input, len)) {
        e2e_fail(t, 0, "cannot write %s", t->input);
    } else if (e2e_mflash_start(t, args)) {
        status = e2e_mflash_finish(t, timeout_ms);
    }
    t->input[0] = '\0';
    return status;
}

const struct ej_value *e2e_event(const struct e2e *t, const char *kind, size_t nth)
{
    for (size_t i = 0; i < t->n_events; i++) {
        const char *k = NULL;
        if (ej_path_string(t->events[i], "event", &k) && strcmp(k, kind) == 0 && nth-- == 0) {
            return t->events[i];
        }
    }
    return NULL;
}

const struct ej_value *e2e_last_event(const struct e2e *t)
{
    return t->n_events > 0 ? t->events[t->n_events - 1] : NULL;
}

bool e2e_expect_status(struct e2e *t, int line, int status)
{
    if (!t->run_done || t->run.status != status) {
        e2e_fail(t, line, "mflash exit status %d, expected %d", t->run_done ? t->run.status : -1,
                 status);
        return false;
    }
    return true;
}

bool e2e_expect_result(struct e2e *t, int line, const char *command)
{
    const struct ej_value *last = e2e_last_event(t);
    bool ok = false;
    if (!e2e_expect_status(t, line, 0)) {
        return false;
    }
    if (t->json_problem[0] != '\0') {
        e2e_fail(t, line, "--json output broken: %s", t->json_problem);
        return false;
    }
    if (last == NULL || strcmp(e2e_str_or(last, "event", ""), "result") != 0 ||
        !ej_path_bool(last, "ok", &ok) || !ok ||
        strcmp(e2e_str_or(last, "command", ""), command) != 0) {
        e2e_fail(t, line,
                 "the last --json event is not {\"event\":\"result\",\"ok\":true,"
                 "\"command\":\"%s\",...}",
                 command);
        return false;
    }
    return true;
}

bool e2e_expect_error(struct e2e *t, int line, int status, const char *code)
{
    const struct ej_value *last = e2e_last_event(t);
    bool ok = true;
    double exit_field = -1;
    if (!e2e_expect_status(t, line, status)) {
        return false;
    }
    if (t->json_problem[0] != '\0') {
        e2e_fail(t, line, "--json output broken: %s", t->json_problem);
        return false;
    }
    if (last == NULL || strcmp(e2e_str_or(last, "event", ""), "error") != 0 ||
        !ej_path_bool(last, "ok", &ok) || ok || !ej_path_number(last, "exit", &exit_field) ||
        (int)exit_field != status || e2e_str_or(last, "message", "")[0] == '\0') {
        e2e_fail(t, line,
                 "the last --json event is not {\"event\":\"error\",\"ok\":false,\"exit\":%d,"
                 "\"message\":\"...\",...}",
                 status);
        return false;
    }
    /* DESIGN.md: whole sentences that say what to do (not cut short by a buffer). */
    const char *message = e2e_str_or(last, "message", "");
    size_t mlen = strlen(message);
    while (mlen > 0 && (message[mlen - 1] == ' ' || message[mlen - 1] == '\n')) {
        mlen--;
    }
    if (mlen == 0 || strchr(".!?", message[mlen - 1]) == NULL) {
        e2e_fail(t, line, "the error message is not whole sentences (cut short?): ...%s",
                 message + (mlen > 60 ? mlen - 60 : 0));
        return false;
    }
    if (strcmp(e2e_str_or(last, "code", ""), code) != 0) {
        e2e_fail(t, line, "error code \"%s\", expected \"%s\" (message: %s)",
                 e2e_str_or(last, "code", "(none)"), code, e2e_str_or(last, "message", ""));
        return false;
    }
    return true;
}

bool e2e_expect_bytes(struct e2e *t, int line, const char *what, const uint8_t *got, size_t got_len,
                      const uint8_t *want, size_t want_len)
{
    size_t n = got_len < want_len ? got_len : want_len;
    size_t diff = n, count = 0;
    for (size_t i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            diff = diff == n ? i : diff;
            count++;
        }
    }
    if (got_len != want_len) {
        e2e_fail(t, line, "%s: %zu bytes, expected %zu", what, got_len, want_len);
        return false;
    }
    if (count > 0) {
        e2e_fail(t, line,
                 "%s: %zu bytes differ, the first at 0x%zX: 0x%02X, expected 0x%02X "
                 "(sector 0x%zX)",
                 what, count, diff, got[diff], want[diff], diff / E2E_SECTOR * E2E_SECTOR);
        return false;
    }
    return true;
}

bool e2e_hex(const char *text, unsigned long *out)
{
    char *end = NULL;
    if (text == NULL || *text == '\0') {
        return false;
    }
    errno = 0;
    *out = strtoul(text, &end, 16); /* strtoul base 16 takes an optional 0x */
    return errno == 0 && end != text && *end == '\0';
}

bool e2e_hold_port_busy(struct e2e *t)
{
    t->busy_fd = open(t->pty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (t->busy_fd < 0 || flock(t->busy_fd, LOCK_EX | LOCK_NB) != 0 ||
        ioctl(t->busy_fd, TIOCEXCL) != 0) {
        e2e_fail(t, 0, "cannot hold %s: %s", t->pty, strerror(errno));
        return false;
    }
    return true;
}
