/* SPDX-License-Identifier: MIT */
/* esp8266-sim: serves the simulated ESP8266 board over a vserial pty, raw TCP or RFC 2217, maps
 * wall time and the client's actions onto the board's virtual time, and obeys a control channel. */
#define _GNU_SOURCE
#include "esp8266_sim.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "port.h"
#include "sim_stub.h"
#include "simtime.h"

/* At time scale 0 the program jumps over idle time only once the client has been quiet this long
 * (wall time): calls a client makes back to back (the two ioctls of esptool's ClassicReset) keep
 * their real spacing instead of having a jump put between them. */
#define ESIM_GRACE_NS (10 * SIM_NS_PER_MS)
/* When the program waits in wall time it sleeps at least this long: every byte crossing the wire
 * is a board event, and waking for each would cost a core at high rates. Board output reaches
 * the client up to this much late, well within a USB frame (1 ms). */
#define ESIM_MIN_WAIT_NS (250 * SIM_NS_PER_US)
/* The control channel's RESET: the button is held this long, and the command answers this long
 * after the release, when the chip has sampled its strapping pins. */
#define ESIM_TAP_NS    (100 * SIM_NS_PER_MS)
#define ESIM_SETTLE_NS (20 * SIM_NS_PER_MS)

enum {
    ESIM_WAIT_MAX_MS = 100,      /* the main loop looks at the signal flag at least this often */
    ESIM_WRITE_TIMEOUT_MS = 100, /* a client that does not read loses board output after this */
    ESIM_EVENTS_MAX = 256,       /* endpoint events taken per round */
    ESIM_OUT_CHUNK = 4096,
    ESIM_EXIT_USAGE = 2,
};

/* The program's only mutable global: set by the SIGINT/SIGTERM handler, read by the main loop,
 * which then writes --flash-out and --stats and exits cleanly. */
static volatile sig_atomic_t esim_signalled;

static void esim_on_signal(int sig)
{
    (void)sig;
    esim_signalled = 1;
}

/* A control command that takes board time (RESET): its next step and when it is due. */
enum esim_step {
    ESIM_STEP_NONE,
    ESIM_STEP_RELEASE_RESET,
    ESIM_STEP_REPLY,
};

struct esim {
    struct esim_options opt;
    struct board *board;
    struct sim_stub *stub; /* stub mode: runs MicroFlash's stub when a client starts it */
    struct endpoint *ep;
    struct esim_workers workers;
    bool pty_gone;     /* the pty was unplugged: its link and descriptors are gone until POWER ON */
    bool adapter_gone; /* unplugged (fault or UNPLUG) and not powered on again since */
    struct esim_inbox inbox;
    struct esim_control *control;
    uint16_t control_port;
    uint16_t net_port;
    FILE *log;
    uint8_t *flash_in;
    /* clock: virtual = (wall - wall0) / scale, or at scale 0 wall - wall0 + offset */
    uint64_t wall0;
    uint64_t offset;
    uint64_t last_input_wall;
    /* the client's side */
    unsigned clients; /* descriptors / connections the client holds open */
    bool boot_pressed;
    bool reset_pressed;
    struct esim_host_stats host;
    /* control command in progress */
    struct esim_request *pending;
    enum esim_step step;
    uint64_t step_at;
    bool quit;
    bool finished;
    int finish_rc;
};

/* ---- time ---- */

static uint64_t esim_virtual_at(const struct esim *s, uint64_t wall)
{
    uint64_t elapsed = wall > s->wall0 ? wall - s->wall0 : 0;
    if (s->opt.time_scale > 0.0) {
        return (uint64_t)((double)elapsed / s->opt.time_scale);
    }
    return elapsed + s->offset;
}

static uint64_t esim_now(const struct esim *s)
{
    return esim_virtual_at(s, esim_wall_now());
}

/* Wall time at which virtual time reaches v (rounded up so that it has been reached). */
static uint64_t esim_wall_at(const struct esim *s, uint64_t v)
{
    if (v == SIM_TIME_NEVER) {
        return SIM_TIME_NEVER;
    }
    if (s->opt.time_scale > 0.0) {
        return s->wall0 + (uint64_t)((double)v * s->opt.time_scale) + 1u;
    }
    return v > s->offset ? s->wall0 + (v - s->offset) : s->wall0;
}

/* ---- log ---- */

static void esim_log_line(void *ctx, uint64_t t_ns, const char *msg)
{
    FILE *log = ctx;
    fprintf(log, "%6llu.%06llu %s\n", (unsigned long long)(t_ns / SIM_NS_PER_S),
            (unsigned long long)(t_ns % SIM_NS_PER_S / SIM_NS_PER_US), msg);
}

static void esim_logf(struct esim *s, uint64_t t, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void esim_logf(struct esim *s, uint64_t t, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    if (s->log == NULL) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    esim_log_line(s->log, t, msg);
}

/* ---- board output ---- */

static bool esim_client_present(const struct esim *s)
{
    return s->clients > 0 && !s->pty_gone;
}

static void esim_unplug(struct esim *s, uint64_t t)
{
    esim_logf(s, t, "the adapter is unplugged: the client's port goes away");
    esim_workers_unplug(&s->workers);
    s->pty_gone = s->opt.kind == ENDPOINT_PTY;
    s->adapter_gone = true;
    s->clients = 0;
}

/* Hands the client everything the board delivered up to virtual time t (output while no client
 * holds the port is lost, as a USB adapter's driver drops it), and follows an unplug fault. */
static void esim_pump(struct esim *s, uint64_t t)
{
    uint8_t buf[ESIM_OUT_CHUNK];
    size_t n;
    while ((n = board_read(s->board, t, buf, sizeof buf)) > 0) {
        if (!esim_client_present(s)) {
            s->host.bytes_discarded += n;
            continue;
        }
        int rc = endpoint_write(s->ep, buf, n, ESIM_WRITE_TIMEOUT_MS);
        if (rc == PORT_OK) {
            s->host.bytes_to_client += n;
        } else {
            s->host.bytes_discarded += n;
            esim_logf(s, t, "%zu bytes for the client lost (%s)", n, port_status_text(rc));
        }
    }
    if (board_unplugged(s->board) && !s->adapter_gone) {
        esim_unplug(s, t);
    }
}

/* ---- the client's input ---- */

static void esim_set_baud(struct esim *s, uint64_t t, uint32_t baud)
{
    if (baud == 0) {
        return;
    }
    board_set_host_baud(s->board, t, baud);
    s->host.baud = baud;
    if (baud > s->host.max_baud) {
        s->host.max_baud = baud;
    }
    esim_logf(s, t, "client: %u baud", (unsigned)baud);
}

/* A pty client whose open the shim never reported is there all the same once it acts: Wine
 * opens serial devices in wineserver, where the shim does not run, and then calls ioctls and
 * reads and writes from the program's own process. */
static void esim_client_acts(struct esim *s, uint64_t t)
{
    if (s->opt.kind == ENDPOINT_PTY && s->clients == 0 && !s->adapter_gone) {
        s->clients = 1;
        s->host.connects++;
        esim_logf(s, t, "client present (its open was not seen)");
    }
}

static void esim_apply_event(struct esim *s, const struct endpoint_event *ev)
{
    uint64_t t = esim_virtual_at(s, ev->t_ns); /* when the client made the call */
    bool lines = s->opt.kind != ENDPOINT_TCP;  /* raw TCP carries no modem lines */
    esim_pump(s, t);
    switch (ev->kind) {
    case ENDPOINT_EV_CONNECT:
        s->clients = s->opt.kind == ENDPOINT_PTY ? s->clients + 1u : 1u;
        s->host.connects++;
        esim_logf(s, t, "client connected (DTR %d, RTS %d)", ev->dtr, ev->rts);
        if (s->adapter_gone) {
            esim_unplug(s, t); /* a network client finds no adapter behind the server */
        } else if (lines) {
            board_lines(s->board, t, ev->dtr, ev->rts);
            esim_set_baud(s, t, ev->baud);
        }
        break;
    case ENDPOINT_EV_DISCONNECT:
        s->clients = s->opt.kind == ENDPOINT_PTY && s->clients > 0 ? s->clients - 1u : 0u;
        esim_logf(s, t, "client disconnected (DTR %d, RTS %d)", ev->dtr, ev->rts);
        if (lines) {
            board_lines(s->board, t, ev->dtr, ev->rts);
        }
        break;
    case ENDPOINT_EV_LINES:
        esim_client_acts(s, t);
        esim_logf(s, t, "client: DTR %d, RTS %d", ev->dtr, ev->rts);
        board_lines(s->board, t, ev->dtr, ev->rts);
        break;
    case ENDPOINT_EV_BAUD:
        esim_client_acts(s, t);
        esim_set_baud(s, t, ev->baud);
        break;
    case ENDPOINT_EV_PURGE:
        /* Board output is handed over at once and the adapter's transmit queue is the wire
         * itself in the model: a purge has nothing left to discard here. */
        esim_logf(s, t, "client: purge %d", ev->queue);
        break;
    }
}

static void esim_apply_data(struct esim *s, const struct esim_chunk *c)
{
    uint64_t t = esim_virtual_at(s, c->wall_ns);
    esim_pump(s, t);
    esim_client_acts(s, t);
    board_rx(s->board, t, c->data, c->len);
    s->host.bytes_from_client += c->len;
}

static void esim_execute(struct esim *s, struct esim_request *req);

/* Takes everything the workers delivered and applies it in the order it happened: events carry
 * the time of the client's call, data the time it was read (never earlier than its write). */
static void esim_take_input(struct esim *s)
{
    struct esim_inbox *in = &s->inbox;
    struct endpoint_event evs[ESIM_EVENTS_MAX];
    size_t nev = 0;

    pthread_mutex_lock(&in->lock);
    size_t head = in->chunk_head, nchunks = in->chunk_count;
    struct esim_request *req = s->pending == NULL ? in->request : NULL;
    bool events = in->events_ready;
    in->events_ready = false;
    if (events) {
        pthread_cond_broadcast(&in->changed);
    }
    pthread_mutex_unlock(&in->lock);

    while (nev < ESIM_EVENTS_MAX && endpoint_next_event(s->ep, &evs[nev]) == 1) {
        nev++;
    }
    size_t ie = 0, ic = 0;
    while (ie < nev || ic < nchunks) {
        const struct esim_chunk *c = ic < nchunks ? &in->chunks[(head + ic) % ESIM_CHUNKS] : NULL;
        if (ie < nev && (c == NULL || evs[ie].t_ns <= c->wall_ns)) {
            esim_apply_event(s, &evs[ie++]);
        } else {
            esim_apply_data(s, c);
            ic++;
        }
    }
    if (nchunks > 0) {
        pthread_mutex_lock(&in->lock);
        in->chunk_head = (in->chunk_head + nchunks) % ESIM_CHUNKS;
        in->chunk_count -= nchunks;
        pthread_cond_broadcast(&in->changed);
        pthread_mutex_unlock(&in->lock);
    }
    if (nev > 0 || nchunks > 0) {
        s->last_input_wall = esim_wall_now();
    }
    if (req != NULL) {
        esim_execute(s, req);
    }
}

/* ---- files ---- */

static int esim_write_flash(struct esim *s, const char *path, char *err, size_t err_size)
{
    uint32_t size = 0;
    const uint8_t *cells = board_flash_data(s->board, &size);
    FILE *f = fopen(path, "wb");
    bool ok = f != NULL && fwrite(cells, 1, size, f) == size;
    if (f != NULL && fclose(f) != 0) {
        ok = false;
    }
    if (!ok) {
        snprintf(err, err_size, "cannot write the flash to %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int esim_write_stats(struct esim *s, FILE *out)
{
    struct esim_report r = {s->board, s->stub, &s->opt, &s->host, esim_now(s)};
    return esim_stats_write(out, &r);
}

/* Writes --flash-out and --stats (once); 0 or -1 after printing why. */
static int esim_finish(struct esim *s)
{
    char err[512];
    int rc = 0;
    if (s->finished) {
        return s->finish_rc;
    }
    s->finished = true;
    board_advance(s->board, esim_now(s));
    if (s->opt.flash_out != NULL && esim_write_flash(s, s->opt.flash_out, err, sizeof err) != 0) {
        fprintf(stderr, "esp8266-sim: %s\n", err);
        rc = -1;
    }
    if (s->opt.stats_path != NULL) {
        FILE *f = fopen(s->opt.stats_path, "w");
        bool ok = f != NULL && esim_write_stats(s, f) == 0 && fputc('\n', f) != EOF;
        if (f != NULL && fclose(f) != 0) {
            ok = false;
        }
        if (!ok) {
            fprintf(stderr, "esp8266-sim: cannot write the statistics to %s: %s\n",
                    s->opt.stats_path, strerror(errno));
            rc = -1;
        }
    }
    s->finish_rc = rc;
    return rc;
}

/* ---- the control channel's commands ---- */

static void esim_reply(struct esim *s, struct esim_request *req, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void esim_reply(struct esim *s, struct esim_request *req, const char *fmt, ...)
{
    va_list ap;
    char *text = NULL;
    va_start(ap, fmt);
    if (vasprintf(&text, fmt, ap) < 0) {
        text = NULL;
    }
    va_end(ap);
    pthread_mutex_lock(&s->inbox.lock);
    req->reply = text != NULL ? text : strdup("ERR out of memory");
    req->done = true;
    if (s->inbox.request == req) {
        s->inbox.request = NULL;
    }
    pthread_cond_broadcast(&s->inbox.changed);
    pthread_mutex_unlock(&s->inbox.lock);
}

static void esim_buttons(struct esim *s, uint64_t t)
{
    esim_logf(s, t, "buttons: FLASH %s, RESET %s", s->boot_pressed ? "held" : "up",
              s->reset_pressed ? "held" : "up");
    board_buttons(s->board, t, s->boot_pressed, s->reset_pressed);
}

static void esim_cmd_boot_down(struct esim *s, struct esim_request *req, uint64_t t)
{
    s->boot_pressed = true;
    esim_buttons(s, t);
    esim_reply(s, req, "OK");
}

static void esim_cmd_boot_up(struct esim *s, struct esim_request *req, uint64_t t)
{
    s->boot_pressed = false;
    esim_buttons(s, t);
    esim_reply(s, req, "OK");
}

static void esim_cmd_reset_down(struct esim *s, struct esim_request *req, uint64_t t)
{
    s->reset_pressed = true;
    esim_buttons(s, t);
    esim_reply(s, req, "OK");
}

static void esim_cmd_reset_up(struct esim *s, struct esim_request *req, uint64_t t)
{
    s->reset_pressed = false;
    esim_buttons(s, t);
    esim_reply(s, req, "OK");
}

/* A tap: held ESIM_TAP_NS, answered ESIM_SETTLE_NS after the release (esim_steps). */
static void esim_cmd_reset(struct esim *s, struct esim_request *req, uint64_t t)
{
    s->reset_pressed = true;
    esim_buttons(s, t);
    s->pending = req;
    s->step = ESIM_STEP_RELEASE_RESET;
    s->step_at = t + ESIM_TAP_NS;
}

static void esim_cmd_power_off(struct esim *s, struct esim_request *req, uint64_t t)
{
    esim_logf(s, t, "power off");
    board_power_off(s->board, t);
    esim_reply(s, req, "OK");
}

/* After an unplug this plugs the adapter back in: a pty comes back at its path (a new one). */
static void esim_cmd_power_on(struct esim *s, struct esim_request *req, uint64_t t)
{
    if (s->pty_gone) {
        int rc = esim_workers_replug(&s->workers);
        if (rc != PORT_OK) {
            esim_reply(s, req, "ERR the pty could not be created again at %s: %s", s->opt.pty_path,
                       port_status_text(rc));
            return;
        }
        s->pty_gone = false;
        s->clients = 0;
        esim_logf(s, t, "the adapter is plugged in again: a new pty at %s", s->opt.pty_path);
    }
    esim_logf(s, t, "power on");
    s->adapter_gone = false;
    board_power_on(s->board, t);
    esim_reply(s, req, "OK");
}

static void esim_cmd_unplug(struct esim *s, struct esim_request *req, uint64_t t)
{
    board_power_off(s->board, t);
    if (!s->adapter_gone) {
        esim_unplug(s, t);
    }
    esim_reply(s, req, "OK");
}

static void esim_cmd_stats(struct esim *s, struct esim_request *req, uint64_t t)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    (void)t;
    if (mem == NULL) {
        esim_reply(s, req, "ERR out of memory");
        return;
    }
    int rc = esim_write_stats(s, mem);
    fclose(mem);
    if (rc != 0) {
        esim_reply(s, req, "ERR the statistics could not be written");
    } else {
        esim_reply(s, req, "%s", text);
    }
    free(text);
}

static void esim_cmd_repl_last(struct esim *s, struct esim_request *req, uint64_t t)
{
    char *json = esim_repl_last_json(s->board);
    (void)t;
    if (json == NULL) {
        esim_reply(s, req, "ERR out of memory");
    } else {
        esim_reply(s, req, "OK %s", json);
    }
    free(json);
}

static void esim_cmd_fs_out(struct esim *s, struct esim_request *req, uint64_t t, const char *arg)
{
    char err[512];
    (void)t;
    if (esim_fs_out(s->board, arg, err, sizeof err) != 0) {
        esim_reply(s, req, "ERR %s", err);
    } else {
        esim_reply(s, req, "OK");
    }
}

static void esim_cmd_flash_out(struct esim *s, struct esim_request *req, uint64_t t,
                               const char *arg)
{
    char err[512];
    const char *path = *arg != '\0' ? arg : s->opt.flash_out;
    (void)t;
    if (path == NULL) {
        esim_reply(s, req, "ERR no file: give FLASH-OUT FILE or start with --flash-out");
    } else if (esim_write_flash(s, path, err, sizeof err) != 0) {
        esim_reply(s, req, "ERR %s", err);
    } else {
        esim_reply(s, req, "OK");
    }
}

static void esim_cmd_quit(struct esim *s, struct esim_request *req, uint64_t t)
{
    (void)t;
    int rc = esim_finish(s);
    s->quit = true;
    esim_reply(s, req, rc == 0 ? "OK" : "ERR the output files could not be written");
}

/* acts: the command touches the board, so it counts as client activity for the grace period
 * of time scale 0 (STATS does not: polling it must not hold the clock back). */
static const struct {
    const char *name;
    bool acts;
    void (*run)(struct esim *s, struct esim_request *req, uint64_t t);
} ESIM_COMMANDS[] = {
        {"BOOT DOWN", true, esim_cmd_boot_down},  {"BOOT UP", true, esim_cmd_boot_up},
        {"RESET", true, esim_cmd_reset},          {"RESET DOWN", true, esim_cmd_reset_down},
        {"RESET UP", true, esim_cmd_reset_up},    {"POWER OFF", true, esim_cmd_power_off},
        {"POWER ON", true, esim_cmd_power_on},    {"UNPLUG", true, esim_cmd_unplug},
        {"STATS", false, esim_cmd_stats},         {"QUIT", false, esim_cmd_quit},
        {"REPL LAST", false, esim_cmd_repl_last},
};

/* Commands followed by arguments ("FLASH-OUT FILE"); the run gets them ("" when none). */
static const struct {
    const char *name;
    void (*run)(struct esim *s, struct esim_request *req, uint64_t t, const char *arg);
} ESIM_ARG_COMMANDS[] = {
        {"FLASH-OUT", esim_cmd_flash_out},
        {"FS-OUT", esim_cmd_fs_out},
};

/* Words of a command separated by single spaces, without surrounding white space. */
static void esim_normalize(const char *line, char *out, size_t cap)
{
    size_t n = 0;
    bool space = false;
    for (const char *p = line; *p != '\0' && n + 1 < cap; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\r') {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < cap) {
            out[n++] = ' ';
        }
        space = false;
        out[n++] = *p;
    }
    out[n] = '\0';
}

static void esim_execute(struct esim *s, struct esim_request *req)
{
    char cmd[ESIM_CONTROL_LINE_MAX];
    uint64_t t = esim_now(s);

    esim_normalize(req->line, cmd, sizeof cmd);
    esim_pump(s, t);
    esim_logf(s, t, "control: %s", cmd);
    for (size_t i = 0; i < sizeof ESIM_ARG_COMMANDS / sizeof ESIM_ARG_COMMANDS[0]; i++) {
        size_t n = strlen(ESIM_ARG_COMMANDS[i].name);
        if (strncasecmp(cmd, ESIM_ARG_COMMANDS[i].name, n) == 0 &&
            (cmd[n] == '\0' || cmd[n] == ' ')) {
            ESIM_ARG_COMMANDS[i].run(s, req, t, cmd[n] == ' ' ? cmd + n + 1 : "");
            return;
        }
    }
    for (size_t i = 0; i < sizeof ESIM_COMMANDS / sizeof ESIM_COMMANDS[0]; i++) {
        if (strcasecmp(cmd, ESIM_COMMANDS[i].name) == 0) {
            if (ESIM_COMMANDS[i].acts) {
                s->last_input_wall = esim_wall_now();
            }
            ESIM_COMMANDS[i].run(s, req, t);
            return;
        }
    }
    esim_reply(s, req,
               "ERR unknown command '%s'; use BOOT DOWN|UP, RESET, RESET DOWN|UP, POWER OFF|ON, "
               "UNPLUG, STATS, FLASH-OUT [FILE], REPL LAST, FS-OUT REMOTE FILE or QUIT",
               cmd);
}

/* Runs the due steps of a timed control command. */
static void esim_steps(struct esim *s, uint64_t v)
{
    while (s->pending != NULL && s->step_at <= v) {
        uint64_t t = s->step_at;
        esim_pump(s, t);
        if (s->step == ESIM_STEP_RELEASE_RESET) {
            s->reset_pressed = false;
            esim_buttons(s, t);
            s->step = ESIM_STEP_REPLY;
            s->step_at = t + ESIM_SETTLE_NS;
        } else {
            struct esim_request *req = s->pending;
            s->pending = NULL;
            s->step = ESIM_STEP_NONE;
            esim_reply(s, req, "OK");
        }
    }
}

/* ---- the main loop ---- */

/* Waits for input until virtual time d is due (at scale 0: jumps there once the client has been
 * quiet for ESIM_GRACE_NS, unless d is a chip timeout waiting for the host). */
static void esim_wait(struct esim *s, uint64_t v, uint64_t d)
{
    uint64_t now = esim_wall_now();
    uint64_t until = esim_wall_at(s, d);
    if (s->opt.time_scale == 0.0) {
        uint64_t grace_end = s->last_input_wall + ESIM_GRACE_NS;
        bool host_timer = d != SIM_TIME_NEVER && d >= board_host_timer(s->board);
        if (now >= grace_end && d != SIM_TIME_NEVER && !host_timer) {
            s->offset += d - v; /* nothing to do until d: go there */
            return;
        }
        if (now < grace_end) {
            until = sim_time_min(until, grace_end);
        }
    }
    until = sim_time_max(until, now + ESIM_MIN_WAIT_NS);
    until = sim_time_min(until, now + ESIM_WAIT_MAX_MS * SIM_NS_PER_MS);
    esim_inbox_wait(&s->inbox, until, s->pending != NULL);
}

static void esim_loop(struct esim *s)
{
    while (!s->quit && !esim_signalled) {
        esim_take_input(s);
        if (s->quit) {
            break;
        }
        uint64_t v = esim_now(s);
        esim_pump(s, v);
        esim_steps(s, v);
        uint64_t d = board_next_deadline(s->board);
        if (s->pending != NULL) {
            d = sim_time_min(d, s->step_at);
        }
        if (d > v) {
            esim_wait(s, v, d);
        }
    }
}

/* ---- start and stop ---- */

static int esim_read_file(const char *path, uint8_t **out, size_t *len, uint32_t max, char *err,
                          size_t err_size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc = -1;
    if (f == NULL) {
        snprintf(err, err_size, "--flash-in %s: %s", path, strerror(errno));
        return -1;
    }
    buf = malloc((size_t)max + 1u);
    if (buf == NULL) {
        snprintf(err, err_size, "out of memory");
        goto done;
    }
    n = fread(buf, 1, (size_t)max + 1u, f);
    if (ferror(f)) {
        snprintf(err, err_size, "--flash-in %s: %s", path, strerror(errno));
    } else if (n > max) {
        snprintf(err, err_size, "--flash-in %s is larger than the %u KiB flash", path,
                 (unsigned)(max / 1024u));
    } else {
        *out = buf;
        *len = n;
        buf = NULL;
        rc = 0;
    }
done:
    free(buf);
    fclose(f);
    return rc;
}

static int esim_open_endpoint(struct esim *s, char *err, size_t err_size)
{
    int rc = PORT_ERR_ARG;
    switch (s->opt.kind) {
    case ENDPOINT_PTY: rc = endpoint_open_pty(s->opt.pty_path, &s->ep); break;
    case ENDPOINT_TCP: rc = endpoint_open_tcp(s->opt.net_port, &s->net_port, &s->ep); break;
    case ENDPOINT_RFC2217: rc = endpoint_open_rfc2217(s->opt.net_port, &s->net_port, &s->ep); break;
    }
    if (rc != PORT_OK) {
        snprintf(err, err_size, "cannot open the endpoint: %s", port_status_text(rc));
    }
    return rc == PORT_OK ? 0 : -1;
}

static const char *const ESIM_KIND_NAMES[] = {
        [ENDPOINT_PTY] = "pty",
        [ENDPOINT_TCP] = "tcp",
        [ENDPOINT_RFC2217] = "rfc2217",
};

static int esim_start_threads(struct esim *s, char *err, size_t err_size)
{
    if (esim_open_endpoint(s, err, err_size) != 0) {
        return -1;
    }
    int rc = esim_control_start(s->opt.control_port, &s->inbox, &s->control_port, &s->control);
    if (rc != PORT_OK) {
        snprintf(err, err_size, "cannot open the control channel on port %u: %s",
                 (unsigned)s->opt.control_port, port_status_text(rc));
        return -1;
    }
    if (esim_workers_start(&s->workers, s->ep) != 0) {
        snprintf(err, err_size, "cannot start a thread");
        return -1;
    }
    return 0;
}

static int esim_start(struct esim *s, char *err, size_t err_size)
{
    struct board_config cfg = s->opt.board;
    size_t image_len = 0;
    sigset_t block, old;

    if (s->opt.log_path != NULL) {
        s->log = strcmp(s->opt.log_path, "-") == 0 ? stderr : fopen(s->opt.log_path, "w");
        if (s->log == NULL) {
            snprintf(err, err_size, "--log %s: %s", s->opt.log_path, strerror(errno));
            return -1;
        }
        setvbuf(s->log, NULL, _IOLBF, 0);
        cfg.log = esim_log_line;
        cfg.log_ctx = s->log;
    }
    if (s->opt.flash_in != NULL) {
        if (esim_read_file(s->opt.flash_in, &s->flash_in, &image_len, cfg.flash_size, err,
                           err_size) != 0) {
            return -1;
        }
        cfg.flash_start = BOARD_FLASH_FILE;
        cfg.flash_image = s->flash_in;
        cfg.flash_image_len = image_len;
    }
    if (sim_stub_create(&s->stub) != 0) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    sim_stub_hooks(s->stub, &cfg.stub);
    if (board_create(&cfg, &s->board, err, err_size) != 0) {
        return -1;
    }
    if (esim_inbox_init(&s->inbox) != 0) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    esim_workers_init(&s->workers, &s->inbox);
    /* Threads started from here on (ours and the endpoint's) leave SIGINT/SIGTERM to main. */
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = esim_start_threads(s, err, err_size);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        return -1;
    }

    /* The USB adapter is plugged in: the board has power from now on. */
    s->wall0 = esim_wall_now();
    s->host.baud = s->host.max_baud = s->opt.host_baud;
    board_set_host_baud(s->board, 0, s->opt.host_baud);
    board_power_on(s->board, 0);

    if (s->opt.kind == ENDPOINT_PTY) {
        printf("READY pty %s %u\n", s->opt.pty_path, (unsigned)s->control_port);
    } else {
        printf("READY %s %u %u\n", ESIM_KIND_NAMES[s->opt.kind], (unsigned)s->net_port,
               (unsigned)s->control_port);
    }
    fflush(stdout);
    return 0;
}

static void esim_stop(struct esim *s)
{
    esim_workers_stop(&s->workers);
    esim_inbox_stop(&s->inbox);
    esim_control_stop(s->control);
    if (s->pending != NULL) {
        s->pending = NULL; /* its control thread has gone: nobody waits for the reply */
    }
    endpoint_close(s->ep);
    esim_inbox_free(&s->inbox);
    board_destroy(s->board);
    sim_stub_destroy(s->stub);
    free(s->flash_in);
    if (s->log != NULL && s->log != stderr) {
        fclose(s->log);
    }
}

static void esim_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = esim_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a client that went away is seen as a failed write */
}

int main(int argc, char **argv)
{
    struct esim *s = calloc(1, sizeof *s);
    char err[512];
    int status = EXIT_FAILURE;

    if (s == NULL) {
        fprintf(stderr, "esp8266-sim: out of memory\n");
        return EXIT_FAILURE;
    }
    int rc = esim_options_parse(argc, argv, &s->opt, err, sizeof err);
    if (rc != 0) {
        if (rc > 0) {
            esim_options_usage(stdout);
            status = EXIT_SUCCESS;
        } else {
            fprintf(stderr, "esp8266-sim: %s\n", err);
            status = ESIM_EXIT_USAGE;
        }
        free(s);
        return status;
    }
    esim_signals();
    if (esim_start(s, err, sizeof err) != 0) {
        fprintf(stderr, "esp8266-sim: %s\n", err);
    } else {
        esim_loop(s);
        status = esim_finish(s) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
    }
    esim_stop(s);
    free(s);
    return status;
}
