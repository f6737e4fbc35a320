/* SPDX-License-Identifier: MIT */
/* Command line of esp8266-sim: endpoint, board, flash state, faults, time scale and outputs,
 * parsed from tables into a board_config; every malformed value is rejected with a sentence. */
#define _GNU_SOURCE
#include "esp8266_sim.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "boot.h"

#define ESIM_KIB             1024u
#define ESIM_MAX_PPM         1000000u
#define ESIM_MAX_STALL_MS    3600000u /* one hour */
#define ESIM_MAX_TIME_SCALE  1000.0
#define ESIM_MAC_TEXT_LEN    17u /* "AA:BB:CC:DD:EE:FF" */
#define ESIM_FAULT_PARTS_MAX 4u

static void esim_errf(char *err, size_t err_size, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void esim_errf(char *err, size_t err_size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

/* A whole string as an unsigned number: decimal, or hex with 0x. */
static bool esim_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    if (s == NULL || *s == '\0' || !isdigit((unsigned char)*s)) {
        return false;
    }
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || *end != '\0' || v > max) {
        return false;
    }
    *out = v;
    return true;
}

/* ---- value tables ---- */

static const struct {
    const char *name;
    uint32_t bytes;
} ESIM_FLASH_SIZES[] = {
        {"512K", 512u * ESIM_KIB},     {"1M", 1024u * ESIM_KIB},
        {"2M", 2u * 1024u * ESIM_KIB}, {"4M", 4u * 1024u * ESIM_KIB},
        {"8M", 8u * 1024u * ESIM_KIB}, {"16M", 16u * 1024u * ESIM_KIB},
};

static int esim_parse_flash_size(const char *s, uint32_t *out)
{
    for (size_t i = 0; i < sizeof ESIM_FLASH_SIZES / sizeof ESIM_FLASH_SIZES[0]; i++) {
        if (strcasecmp(s, ESIM_FLASH_SIZES[i].name) == 0) {
            *out = ESIM_FLASH_SIZES[i].bytes;
            return 0;
        }
    }
    return -1;
}

static int esim_parse_vendor(const char *s, enum sim_flash_vendor *out)
{
    for (unsigned v = 0; v < SIM_FLASH_VENDOR_COUNT; v++) {
        if (strcasecmp(s, sim_flash_vendor_name((enum sim_flash_vendor)v)) == 0) {
            *out = (enum sim_flash_vendor)v;
            return 0;
        }
    }
    return -1;
}

/* The board model's variant names: ESP8266EX, ESP8285N08 ... and "ESP8285" for the 4 MB part. */
static int esim_parse_chip(const char *s, enum sim_chip_variant *out)
{
    for (unsigned v = 0; v < SIM_CHIP_VARIANT_COUNT; v++) {
        if (strcasecmp(s, sim_efuse_variant_name((enum sim_chip_variant)v)) == 0) {
            *out = (enum sim_chip_variant)v;
            return 0;
        }
    }
    return -1;
}

static int esim_parse_adapter(const char *s, enum sim_adapter *out)
{
    for (unsigned a = 0; a < SIM_ADAPTER_COUNT; a++) {
        if (strcasecmp(s, sim_uart_adapter((enum sim_adapter)a)->name) == 0) {
            *out = (enum sim_adapter)a;
            return 0;
        }
    }
    return -1;
}

/* "qio,dout": a set of SIM_FLASH_MODE_BIT. */
static int esim_parse_modes(const char *s, uint32_t *out)
{
    uint32_t bits = 0;
    const char *p = s;
    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        bool found = false;
        for (unsigned m = 0; m < SIM_FLASH_MODE_COUNT && !found; m++) {
            const char *name = sim_flash_mode_name((enum sim_flash_mode)m);
            if (len == strlen(name) && strncasecmp(p, name, len) == 0) {
                bits |= SIM_FLASH_MODE_BIT(m);
                found = true;
            }
        }
        if (!found) {
            return -1;
        }
        p += len;
        if (*p == ',') {
            p++;
            if (*p == '\0') {
                return -1;
            }
        }
    }
    if (bits == 0) {
        return -1;
    }
    *out = bits;
    return 0;
}

static int esim_parse_mac(const char *s, uint8_t mac[6])
{
    if (strlen(s) != ESIM_MAC_TEXT_LEN) {
        return -1;
    }
    for (unsigned i = 0; i < 6; i++) {
        const char *p = s + i * 3u;
        char hex[3] = {p[0], p[1], '\0'};
        if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
            (i < 5 && p[2] != ':')) {
            return -1;
        }
        mac[i] = (uint8_t)strtoul(hex, NULL, 16);
    }
    return 0;
}

static int esim_parse_port(const char *s, uint16_t *out)
{
    uint64_t v;
    if (!esim_parse_u64(s, UINT16_MAX, &v)) {
        return -1;
    }
    *out = (uint16_t)v;
    return 0;
}

/* ---- faults ---- */

enum esim_fault_kind {
    ESIM_FAULT_DROP,
    ESIM_FAULT_FLIP,
    ESIM_FAULT_STALL,
    ESIM_FAULT_UNPLUG,
    ESIM_FAULT_RESET,
    ESIM_FAULT_FAIL_PROGRAM,
    ESIM_FAULT_FAIL_ERASE,
    ESIM_FAULT_SLOW_FLASH,
    ESIM_FAULT_KIND_COUNT
};

enum esim_fault_dir { ESIM_DIR_TO_CHIP, ESIM_DIR_TO_HOST, ESIM_DIR_COUNT };

static const char *const ESIM_FAULT_DIRS[ESIM_DIR_COUNT] = {
        [ESIM_DIR_TO_CHIP] = "to-chip",
        [ESIM_DIR_TO_HOST] = "to-host",
};

/* Each kind: its name, whether a direction follows, the key=value parameters it requires (all of
 * them, each once, in any order) and the largest value of each. */
static const struct {
    const char *name;
    bool directed;
    const char *keys[2];
    uint64_t max[2];
} ESIM_FAULTS[ESIM_FAULT_KIND_COUNT] = {
        [ESIM_FAULT_DROP] = {"drop", true, {"ppm", NULL}, {ESIM_MAX_PPM, 0}},
        [ESIM_FAULT_FLIP] = {"flip", true, {"ppm", NULL}, {ESIM_MAX_PPM, 0}},
        [ESIM_FAULT_STALL] = {"stall", false, {"at", "ms"}, {UINT64_MAX, ESIM_MAX_STALL_MS}},
        [ESIM_FAULT_UNPLUG] = {"unplug", false, {"at", NULL}, {UINT64_MAX, 0}},
        [ESIM_FAULT_RESET] = {"reset", false, {"at", NULL}, {UINT64_MAX, 0}},
        [ESIM_FAULT_FAIL_PROGRAM] = {"fail-program",
                                     false,
                                     {"addr", NULL},
                                     {SIM_FLASH_MAX_SIZE - 1u, 0}},
        [ESIM_FAULT_FAIL_ERASE] = {"fail-erase",
                                   false,
                                   {"addr", NULL},
                                   {SIM_FLASH_MAX_SIZE - 1u, 0}},
        [ESIM_FAULT_SLOW_FLASH] = {"slow-flash", false, {NULL, NULL}, {0, 0}},
};

/* Bit of *seen for a kind (and direction). */
static unsigned esim_fault_bit(enum esim_fault_kind kind, enum esim_fault_dir dir)
{
    return 1u << ((unsigned)kind * ESIM_DIR_COUNT + (unsigned)dir);
}

static void esim_fault_apply(struct board_config *cfg, enum esim_fault_kind kind,
                             enum esim_fault_dir dir, const uint64_t v[2])
{
    struct board_faults *f = &cfg->faults;
    switch (kind) {
    case ESIM_FAULT_DROP:
        *(dir == ESIM_DIR_TO_CHIP ? &f->drop_ppm_to_chip : &f->drop_ppm_to_host) = (uint32_t)v[0];
        break;
    case ESIM_FAULT_FLIP:
        *(dir == ESIM_DIR_TO_CHIP ? &f->flip_ppm_to_chip : &f->flip_ppm_to_host) = (uint32_t)v[0];
        break;
    case ESIM_FAULT_STALL:
        f->stall_at_byte = v[0];
        f->stall_ms = (uint32_t)v[1];
        break;
    case ESIM_FAULT_UNPLUG: f->unplug_at_byte = v[0]; break;
    case ESIM_FAULT_RESET: f->reset_at_byte = v[0]; break;
    case ESIM_FAULT_FAIL_PROGRAM: f->fail_program_addr = (uint32_t)v[0]; break;
    case ESIM_FAULT_FAIL_ERASE: f->fail_erase_addr = (uint32_t)v[0]; break;
    case ESIM_FAULT_SLOW_FLASH: cfg->flash_slow = true; break;
    case ESIM_FAULT_KIND_COUNT: break;
    }
}

/* Fills v[] from "key=value" parts; -1 with a message on anything else. */
static int esim_fault_params(const char *spec, enum esim_fault_kind kind, char **parts,
                             size_t count, uint64_t v[2], char *err, size_t err_size)
{
    bool got[2] = {false, false};
    for (size_t i = 0; i < count; i++) {
        char *eq = strchr(parts[i], '=');
        int k = -1;
        if (eq != NULL) {
            *eq = '\0';
            for (int j = 0; j < 2; j++) {
                if (ESIM_FAULTS[kind].keys[j] != NULL &&
                    strcmp(parts[i], ESIM_FAULTS[kind].keys[j]) == 0) {
                    k = j;
                }
            }
        }
        if (k < 0) {
            esim_errf(err, err_size, "--fault '%s': '%s' is not a parameter of %s", spec, parts[i],
                      ESIM_FAULTS[kind].name);
            return -1;
        }
        if (got[k]) {
            esim_errf(err, err_size, "--fault '%s': %s is given twice", spec, parts[i]);
            return -1;
        }
        if (!esim_parse_u64(eq + 1, ESIM_FAULTS[kind].max[k], &v[k]) ||
            (v[k] == 0 && strcmp(ESIM_FAULTS[kind].keys[k], "at") == 0)) {
            esim_errf(err, err_size,
                      "--fault '%s': %s must be a number (decimal or 0x hex) from %s to %llu", spec,
                      parts[i], strcmp(parts[i], "at") == 0 ? "1" : "0",
                      (unsigned long long)ESIM_FAULTS[kind].max[k]);
            return -1;
        }
        got[k] = true;
    }
    for (int j = 0; j < 2; j++) {
        if (ESIM_FAULTS[kind].keys[j] != NULL && !got[j]) {
            esim_errf(err, err_size, "--fault '%s': %s needs %s=N", spec, ESIM_FAULTS[kind].name,
                      ESIM_FAULTS[kind].keys[j]);
            return -1;
        }
    }
    return 0;
}

int esim_fault_parse(const char *spec, struct board_config *cfg, unsigned *seen, char *err,
                     size_t err_size)
{
    char *copy = strdup(spec);
    char *parts[ESIM_FAULT_PARTS_MAX + 1];
    size_t count = 0;
    int rc = -1;
    int kind = -1;
    enum esim_fault_dir dir = ESIM_DIR_TO_CHIP;
    uint64_t v[2] = {0, 0};

    if (copy == NULL) {
        esim_errf(err, err_size, "out of memory");
        return -1;
    }
    for (char *p = copy, *save = NULL, *tok; (tok = strtok_r(p, ":", &save)) != NULL; p = NULL) {
        if (count == ESIM_FAULT_PARTS_MAX) {
            esim_errf(err, err_size, "--fault '%s': too many parts", spec);
            goto done;
        }
        parts[count++] = tok;
    }
    for (int k = 0; k < ESIM_FAULT_KIND_COUNT && count > 0; k++) {
        if (strcmp(parts[0], ESIM_FAULTS[k].name) == 0) {
            kind = k;
        }
    }
    if (kind < 0) {
        esim_errf(err, err_size,
                  "--fault '%s': unknown kind; use drop, flip, stall, unplug, reset, "
                  "fail-program, fail-erase or slow-flash",
                  spec);
        goto done;
    }
    size_t first = 1;
    if (ESIM_FAULTS[kind].directed) {
        if (count < 2 || (strcmp(parts[1], ESIM_FAULT_DIRS[ESIM_DIR_TO_CHIP]) != 0 &&
                          strcmp(parts[1], ESIM_FAULT_DIRS[ESIM_DIR_TO_HOST]) != 0)) {
            esim_errf(err, err_size, "--fault '%s': %s needs a direction, to-chip or to-host", spec,
                      ESIM_FAULTS[kind].name);
            goto done;
        }
        dir = strcmp(parts[1], ESIM_FAULT_DIRS[ESIM_DIR_TO_HOST]) == 0 ? ESIM_DIR_TO_HOST
                                                                       : ESIM_DIR_TO_CHIP;
        first = 2;
    }
    if (esim_fault_params(spec, (enum esim_fault_kind)kind, parts + first, count - first, v, err,
                          err_size) != 0) {
        goto done;
    }
    unsigned bit = esim_fault_bit((enum esim_fault_kind)kind, dir);
    if (*seen & bit) {
        esim_errf(err, err_size, "--fault '%s': this fault is already set by another --fault",
                  spec);
        goto done;
    }
    *seen |= bit;
    esim_fault_apply(cfg, (enum esim_fault_kind)kind, dir, v);
    /* drop and flip draw from one random number per byte: their rates share one million */
    const struct board_faults *f = &cfg->faults;
    if ((uint64_t)f->drop_ppm_to_chip + f->flip_ppm_to_chip > ESIM_MAX_PPM ||
        (uint64_t)f->drop_ppm_to_host + f->flip_ppm_to_host > ESIM_MAX_PPM) {
        esim_errf(err, err_size,
                  "--fault '%s': drop and flip rates of one direction add up to more than "
                  "1000000 ppm",
                  spec);
        goto done;
    }
    rc = 0;
done:
    free(copy);
    return rc;
}

/* ---- the options ---- */

enum esim_opt {
    ESIM_OPT_PTY,
    ESIM_OPT_TCP,
    ESIM_OPT_RFC2217,
    ESIM_OPT_BAUD,
    ESIM_OPT_FLASH_SIZE,
    ESIM_OPT_FLASH_VENDOR,
    ESIM_OPT_CHIP,
    ESIM_OPT_MAC,
    ESIM_OPT_FLASH_MODES,
    ESIM_OPT_ADAPTER,
    ESIM_OPT_NO_AUTO_RESET,
    ESIM_OPT_AUTOBAUD_MAX,
    ESIM_OPT_SEED,
    ESIM_OPT_FLASH_STATE,
    ESIM_OPT_FLASH_IN,
    ESIM_OPT_FLASH_OUT,
    ESIM_OPT_STATS,
    ESIM_OPT_TIME_SCALE,
    ESIM_OPT_FAULT,
    ESIM_OPT_CONTROL,
    ESIM_OPT_LOG,
    ESIM_OPT_HELP,
    ESIM_OPT_COUNT
};

static const struct {
    const char *name;
    bool has_arg;
} ESIM_OPTS[ESIM_OPT_COUNT] = {
        [ESIM_OPT_PTY] = {"--pty", true},
        [ESIM_OPT_TCP] = {"--tcp", true},
        [ESIM_OPT_RFC2217] = {"--rfc2217", true},
        [ESIM_OPT_BAUD] = {"--baud", true},
        [ESIM_OPT_FLASH_SIZE] = {"--flash-size", true},
        [ESIM_OPT_FLASH_VENDOR] = {"--flash-vendor", true},
        [ESIM_OPT_CHIP] = {"--chip", true},
        [ESIM_OPT_MAC] = {"--mac", true},
        [ESIM_OPT_FLASH_MODES] = {"--board-flash-modes", true},
        [ESIM_OPT_ADAPTER] = {"--adapter", true},
        [ESIM_OPT_NO_AUTO_RESET] = {"--no-auto-reset", false},
        [ESIM_OPT_AUTOBAUD_MAX] = {"--autobaud-max", true},
        [ESIM_OPT_SEED] = {"--seed", true},
        [ESIM_OPT_FLASH_STATE] = {"--flash-state", true},
        [ESIM_OPT_FLASH_IN] = {"--flash-in", true},
        [ESIM_OPT_FLASH_OUT] = {"--flash-out", true},
        [ESIM_OPT_STATS] = {"--stats", true},
        [ESIM_OPT_TIME_SCALE] = {"--time-scale", true},
        [ESIM_OPT_FAULT] = {"--fault", true},
        [ESIM_OPT_CONTROL] = {"--control", true},
        [ESIM_OPT_LOG] = {"--log", true},
        [ESIM_OPT_HELP] = {"--help", false},
};

void esim_options_usage(FILE *out)
{
    fputs("usage: esp8266-sim (--pty PATH | --tcp PORT | --rfc2217 PORT) [options]\n"
          "Serves a simulated ESP8266 board; prints 'READY <pty|tcp|rfc2217> <path-or-port>\n"
          "<control-port>' once clients may connect. Ports listen on 127.0.0.1; 0 = a free one.\n"
          "\n"
          "Endpoint (exactly one):\n"
          "  --pty PATH              vserial pty, client end symlinked at PATH (clients preload\n"
          "                          libvserial_shim.so)\n"
          "  --tcp PORT              raw TCP: bytes only\n"
          "  --rfc2217 PORT          RFC 2217: bytes, baud, DTR/RTS\n"
          "  --baud N                host rate until a client sets one (fixed on --tcp) [115200]\n"
          "  --control PORT          control channel port [0]\n"
          "Board:\n"
          "  --chip NAME             esp8266ex esp8285n08 esp8285h08 esp8285n16 esp8285h16\n"
          "                          esp8285 (4 MB) [esp8266ex]\n"
          "  --flash-size SIZE       512K 1M 2M 4M 8M 16M [4M; an ESP8285 its embedded size]\n"
          "  --flash-vendor NAME     winbond gigadevice boya xmc [winbond]\n"
          "  --mac AA:BB:CC:DD:EE:FF MAC in the eFuses [18:FE:34:12:34:56]\n"
          "  --board-flash-modes L   modes the wiring reads, e.g. dio,dout [chip default]\n"
          "  --adapter NAME          ch340 cp2102 ft232r [ch340]\n"
          "  --no-auto-reset         no DTR/RTS circuit: use the control channel's buttons\n"
          "  --autobaud-max N        fastest rate the ROM's autobaud locks on [460800]\n"
          "  --seed N                seed of the used-board contents and fault randomness\n"
          "Flash:\n"
          "  --flash-state blank|used  starting contents [blank]\n"
          "  --flash-in FILE         image at 0, rest blank (a file of the flash size is a dump)\n"
          "  --flash-out FILE        whole flash written on exit, QUIT and FLASH-OUT\n"
          "Run:\n"
          "  --time-scale S          1 = real time, 0 = never wait (jump over idle time) [1]\n"
          "  --fault SPEC            repeatable: drop:to-chip|to-host:ppm=N,\n"
          "                          flip:to-chip|to-host:ppm=N, stall:at=K:ms=N, unplug:at=K,\n"
          "                          reset:at=K, fail-program:addr=A, fail-erase:addr=A,\n"
          "                          slow-flash (K counts bytes the host sent, from 1)\n"
          "  --stats FILE            JSON statistics written on exit\n"
          "  --log FILE              narration of the board (- = stderr)\n"
          "  --help                  this text\n"
          "Control channel (one command per line): BOOT DOWN|UP, RESET, RESET DOWN|UP,\n"
          "POWER OFF|ON, UNPLUG, STATS, FLASH-OUT [FILE], REPL LAST, FS-OUT REMOTE FILE,\n"
          "QUIT. See tests/sim/README.md.\n",
          out);
}

static void esim_options_default(struct esim_options *o)
{
    memset(o, 0, sizeof *o);
    o->host_baud = ESIM_DEFAULT_BAUD;
    o->time_scale = 1.0;
    board_config_default(&o->board);
    o->board.flash_log = true; /* the job of the bound is derived from the page programs */
}

/* Applies one option with its argument (NULL for flags). */
static int esim_option_apply(struct esim_options *o, enum esim_opt opt, const char *arg,
                             unsigned *faults_seen, char *err, size_t err_size)
{
    uint64_t v = 0;
    const char *bad = NULL; /* what the argument should have been */
    struct board_config *cfg = &o->board;

    switch (opt) {
    case ESIM_OPT_PTY:
    case ESIM_OPT_TCP:
    case ESIM_OPT_RFC2217:
        if (o->have_endpoint) {
            esim_errf(err, err_size, "give exactly one of --pty, --tcp and --rfc2217");
            return -1;
        }
        o->have_endpoint = true;
        if (opt == ESIM_OPT_PTY) {
            o->kind = ENDPOINT_PTY;
            o->pty_path = arg;
            if (*arg == '\0' || strpbrk(arg, " \t\r\n") != NULL) {
                bad = "a path without white space (it appears in the READY line)";
            }
        } else {
            o->kind = opt == ESIM_OPT_TCP ? ENDPOINT_TCP : ENDPOINT_RFC2217;
            if (esim_parse_port(arg, &o->net_port) != 0) {
                bad = "a TCP port from 0 to 65535";
            }
        }
        break;
    case ESIM_OPT_BAUD:
        if (!esim_parse_u64(arg, UINT32_MAX, &v) || v == 0) {
            bad = "a positive number";
        }
        o->host_baud = (uint32_t)v;
        break;
    case ESIM_OPT_FLASH_SIZE:
        o->flash_size_given = true;
        if (esim_parse_flash_size(arg, &cfg->flash_size) != 0) {
            bad = "512K, 1M, 2M, 4M, 8M or 16M";
        }
        break;
    case ESIM_OPT_FLASH_VENDOR:
        if (esim_parse_vendor(arg, &cfg->flash_vendor) != 0) {
            bad = "winbond, gigadevice, boya or xmc";
        }
        break;
    case ESIM_OPT_CHIP:
        if (esim_parse_chip(arg, &cfg->chip) != 0) {
            bad = "esp8266ex, esp8285n08, esp8285h08, esp8285n16, esp8285h16 or esp8285";
        }
        break;
    case ESIM_OPT_MAC:
        if (esim_parse_mac(arg, cfg->mac) != 0) {
            bad = "six hex bytes separated by colons, e.g. 18:FE:34:12:34:56";
        }
        break;
    case ESIM_OPT_FLASH_MODES:
        if (esim_parse_modes(arg, &cfg->flash_modes) != 0) {
            bad = "a comma-separated list of qio, qout, dio, dout";
        }
        break;
    case ESIM_OPT_ADAPTER:
        if (esim_parse_adapter(arg, &cfg->adapter) != 0) {
            bad = "ch340, cp2102 or ft232r";
        }
        break;
    case ESIM_OPT_NO_AUTO_RESET: cfg->auto_reset = false; break;
    case ESIM_OPT_AUTOBAUD_MAX:
        if (!esim_parse_u64(arg, UINT32_MAX, &v) || v == 0) {
            bad = "a positive baud rate";
        }
        cfg->autobaud_max = (uint32_t)v;
        break;
    case ESIM_OPT_SEED:
        if (!esim_parse_u64(arg, UINT32_MAX, &v)) {
            bad = "a number from 0 to 4294967295";
        }
        cfg->seed = (uint32_t)v;
        break;
    case ESIM_OPT_FLASH_STATE:
        o->flash_state_given = true;
        if (strcmp(arg, "blank") == 0) {
            o->flash_state = ESIM_FLASH_STATE_BLANK;
        } else if (strcmp(arg, "used") == 0) {
            o->flash_state = ESIM_FLASH_STATE_USED;
        } else {
            bad = "blank or used";
        }
        break;
    case ESIM_OPT_FLASH_IN: o->flash_in = arg; break;
    case ESIM_OPT_FLASH_OUT: o->flash_out = arg; break;
    case ESIM_OPT_STATS: o->stats_path = arg; break;
    case ESIM_OPT_LOG: o->log_path = arg; break;
    case ESIM_OPT_TIME_SCALE: {
        char *end = NULL;
        errno = 0;
        o->time_scale = strtod(arg, &end);
        if (errno != 0 || end == arg || *end != '\0' || !isfinite(o->time_scale) ||
            o->time_scale < 0.0 || o->time_scale > ESIM_MAX_TIME_SCALE) {
            bad = "a number from 0 to 1000 (1 = real time, 0 = never wait)";
        }
        break;
    }
    case ESIM_OPT_FAULT: return esim_fault_parse(arg, cfg, faults_seen, err, err_size);
    case ESIM_OPT_CONTROL:
        if (esim_parse_port(arg, &o->control_port) != 0) {
            bad = "a TCP port from 0 to 65535";
        }
        break;
    case ESIM_OPT_HELP:
    case ESIM_OPT_COUNT: break;
    }
    if (bad != NULL) {
        esim_errf(err, err_size, "%s '%s': expected %s", ESIM_OPTS[opt].name, arg, bad);
        return -1;
    }
    return 0;
}

/* Checks that need every option. */
static int esim_options_check(struct esim_options *o, char *err, size_t err_size)
{
    struct board_config *cfg = &o->board;
    uint32_t embedded = sim_efuse_embedded_flash(cfg->chip);

    if (!o->have_endpoint) {
        esim_errf(err, err_size, "give one of --pty PATH, --tcp PORT and --rfc2217 PORT");
        return -1;
    }
    if (embedded != 0 && !o->flash_size_given) {
        cfg->flash_size = embedded;
    }
    if (embedded != 0 && cfg->flash_size != embedded) {
        esim_errf(err, err_size, "--chip %s has %u KiB of embedded flash: drop --flash-size",
                  sim_efuse_variant_name(cfg->chip), (unsigned)(embedded / ESIM_KIB));
        return -1;
    }
    if (o->flash_in != NULL && o->flash_state_given) {
        esim_errf(err, err_size, "--flash-in and --flash-state exclude each other");
        return -1;
    }
    const uint32_t addrs[2] = {cfg->faults.fail_program_addr, cfg->faults.fail_erase_addr};
    for (int i = 0; i < 2; i++) {
        if (addrs[i] != SIM_FLASH_NO_FAULT && addrs[i] >= cfg->flash_size) {
            esim_errf(err, err_size, "fault address 0x%x lies beyond the %u KiB flash",
                      (unsigned)addrs[i], (unsigned)(cfg->flash_size / ESIM_KIB));
            return -1;
        }
    }
    cfg->flash_start =
            o->flash_state == ESIM_FLASH_STATE_USED ? BOARD_FLASH_USED : BOARD_FLASH_BLANK;
    return 0;
}

int esim_options_parse(int argc, char **argv, struct esim_options *o, char *err, size_t err_size)
{
    unsigned faults_seen = 0;
    esim_options_default(o);
    for (int i = 1; i < argc; i++) {
        int opt = -1;
        for (int k = 0; k < ESIM_OPT_COUNT; k++) {
            if (strcmp(argv[i], ESIM_OPTS[k].name) == 0) {
                opt = k;
            }
        }
        if (opt < 0) {
            esim_errf(err, err_size, "unknown option '%s' (see --help)", argv[i]);
            return -1;
        }
        if (opt == ESIM_OPT_HELP) {
            return 1;
        }
        const char *arg = NULL;
        if (ESIM_OPTS[opt].has_arg) {
            if (i + 1 >= argc) {
                esim_errf(err, err_size, "%s needs a value", argv[i]);
                return -1;
            }
            arg = argv[++i];
        }
        if (esim_option_apply(o, (enum esim_opt)opt, arg, &faults_seen, err, err_size) != 0) {
            return -1;
        }
    }
    return esim_options_check(o, err, err_size);
}
