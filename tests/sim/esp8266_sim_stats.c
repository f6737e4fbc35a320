/* SPDX-License-Identifier: MIT */
/* The statistics of esp8266-sim as one line of JSON: traffic, commands, flash operations, wire
 * and busy time, protocol violations, and the lower bound of the job the session performed. */
#define _GNU_SOURCE
#include "esp8266_sim.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "boot.h"
#include "repl.h"
#include "sim_stub.h"
#include "simtime.h"

#define ESIM_JSON_DEPTH   8u
#define ESIM_STATS_FORMAT "esp8266-sim-stats/1"
#define ESIM_ZLIB_LEVEL   9 /* PERFORMANCE.md: the image crosses the wire at zlib level 9 */
#define ESIM_PAGE_MASK    (~(uint32_t)(SIM_FLASH_PAGE_SIZE - 1u))

/* ---- a small JSON writer ---- */

struct esim_json {
    FILE *out;
    unsigned depth;
    bool need_comma[ESIM_JSON_DEPTH];
};

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            fprintf(out, "\\%c", *p);
        } else if (*p < 0x20u || *p >= 0x7Fu) {
            fprintf(out, "\\u%04x", *p);
        } else {
            fputc(*p, out);
        }
    }
    fputc('"', out);
}

/* Starts a member (key != NULL) or an array element (key == NULL). */
static void json_key(struct esim_json *j, const char *key)
{
    if (j->need_comma[j->depth]) {
        fputc(',', j->out);
    }
    j->need_comma[j->depth] = true;
    if (key != NULL) {
        json_string(j->out, key);
        fputc(':', j->out);
    }
}

static void json_open(struct esim_json *j, const char *key, char bracket)
{
    json_key(j, key);
    fputc(bracket, j->out);
    if (j->depth + 1u < ESIM_JSON_DEPTH) {
        j->depth++;
    }
    j->need_comma[j->depth] = false;
}

static void json_close(struct esim_json *j, char bracket)
{
    fputc(bracket, j->out);
    if (j->depth > 0) {
        j->depth--;
    }
}

static void json_u64(struct esim_json *j, const char *key, uint64_t v)
{
    json_key(j, key);
    fprintf(j->out, "%llu", (unsigned long long)v);
}

static void json_bool(struct esim_json *j, const char *key, bool v)
{
    json_key(j, key);
    fputs(v ? "true" : "false", j->out);
}

static void json_str(struct esim_json *j, const char *key, const char *v)
{
    json_key(j, key);
    json_string(j->out, v);
}

static void json_null(struct esim_json *j, const char *key)
{
    json_key(j, key);
    fputs("null", j->out);
}

static void json_double(struct esim_json *j, const char *key, double v)
{
    json_key(j, key);
    fprintf(j->out, "%.6g", v);
}

/* ---- names ---- */

/* Keys of the violation counts, in enum sim_violation order. */
static const char *const ESIM_VIOLATION_KEYS[] = {
        [SIM_VIOL_FRAME_SHORT] = "frame_short",
        [SIM_VIOL_FRAME_DIRECTION] = "frame_direction",
        [SIM_VIOL_FRAME_LENGTH] = "frame_length",
        [SIM_VIOL_FRAME_TOO_LONG] = "frame_too_long",
        [SIM_VIOL_SLIP_ESCAPE] = "slip_escape",
        [SIM_VIOL_UNSUPPORTED] = "unsupported",
        [SIM_VIOL_BAD_ARGS] = "bad_args",
        [SIM_VIOL_CHECKSUM] = "checksum",
        [SIM_VIOL_NOT_BEGUN] = "not_begun",
        [SIM_VIOL_SEQUENCE] = "sequence",
        [SIM_VIOL_BLOCK_SIZE] = "block_size",
        [SIM_VIOL_TOO_MANY_BLOCKS] = "too_many_blocks",
        [SIM_VIOL_FLASH_RANGE] = "flash_range",
        [SIM_VIOL_FLASH_UNALIGNED] = "flash_unaligned",
        [SIM_VIOL_RAM_RANGE] = "ram_range",
        [SIM_VIOL_SPI_NOT_ATTACHED] = "spi_not_attached",
        [SIM_VIOL_SPI_FLASH_BUSY] = "spi_flash_busy",
        [SIM_VIOL_SPI_NO_WEL] = "spi_no_wel",
        [SIM_VIOL_RX_OVERRUN] = "rx_overrun",
        [SIM_VIOL_SENT_IN_RESET] = "sent_in_reset",
        [SIM_VIOL_BAUD_OVER_ADAPTER] = "baud_over_adapter",
        [SIM_VIOL_WRITE_REG_MULTI] = "write_reg_multi",
        [SIM_VIOL_JUMP_ZERO] = "jump_zero",
};
_Static_assert(sizeof ESIM_VIOLATION_KEYS / sizeof ESIM_VIOLATION_KEYS[0] == SIM_VIOL_COUNT,
               "every violation kind needs a JSON key");

static const char *const ESIM_FLASH_OP_KEYS[] = {
        [SIM_FLASH_OP_READ] = "read",
        [SIM_FLASH_OP_PROGRAM] = "program",
        [SIM_FLASH_OP_ERASE_SECTOR] = "erase_sector",
        [SIM_FLASH_OP_ERASE_32K] = "erase_32k",
        [SIM_FLASH_OP_ERASE_64K] = "erase_64k",
        [SIM_FLASH_OP_ERASE_CHIP] = "erase_chip",
};
_Static_assert(sizeof ESIM_FLASH_OP_KEYS / sizeof ESIM_FLASH_OP_KEYS[0] == SIM_FLASH_OP_COUNT,
               "every flash operation needs a JSON key");

/* Command names of the protocol doc §2.1 (ROM and stub opcodes). */
static const char *const ESIM_OPCODE_NAMES[SIM_STATS_OPCODES] = {
        [0x02] = "FLASH_BEGIN",
        [0x03] = "FLASH_DATA",
        [0x04] = "FLASH_END",
        [0x05] = "MEM_BEGIN",
        [0x06] = "MEM_END",
        [0x07] = "MEM_DATA",
        [0x08] = "SYNC",
        [0x09] = "WRITE_REG",
        [0x0A] = "READ_REG",
        [0x0B] = "SPI_SET_PARAMS",
        [0x0D] = "SPI_ATTACH",
        [0x0E] = "READ_FLASH_SLOW",
        [0x0F] = "CHANGE_BAUDRATE",
        [0x10] = "FLASH_DEFL_BEGIN",
        [0x11] = "FLASH_DEFL_DATA",
        [0x12] = "FLASH_DEFL_END",
        [0x13] = "SPI_FLASH_MD5",
        [0x14] = "GET_SECURITY_INFO",
        [0xD0] = "ERASE_FLASH",
        [0xD1] = "ERASE_REGION",
        [0xD2] = "READ_FLASH",
        [0xD3] = "RUN_USER_CODE",
        [0xD4] = "FLASH_ENCRYPT_DATA",
};

/* ---- the job the session performed ---- */

struct esim_range {
    uint32_t start;
    uint32_t end;
};

struct esim_job_info {
    bool any;                  /* something was programmed or erased */
    struct esim_range *ranges; /* page-programmed bytes, merged, ascending */
    size_t range_count;
    struct sim_bound_job job;
    uint32_t stub_len;
    struct sim_bound bound;
};

static int esim_range_cmp(const void *a, const void *b)
{
    const struct esim_range *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* The job: the span from the lowest to the highest byte any page program touched (programs that
 * an injected fault made fail count: the client meant them), with the final flash contents over
 * that span as the image; erase_all when everything outside the span ended blank. */
static int esim_job_derive(struct board *b, const struct esim_host_stats *host,
                           struct esim_job_info *ji)
{
    size_t count = 0;
    uint32_t size = 0;
    const struct sim_flash_log_entry *log = sim_flash_log(board_flash(b), &count);
    const uint8_t *cells = board_flash_data(b, &size);

    memset(ji, 0, sizeof *ji);
    ji->ranges = malloc((count > 0 ? count : 1) * sizeof *ji->ranges);
    if (ji->ranges == NULL) {
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        if (log[i].op == SIM_FLASH_OP_PROGRAM && log[i].len > 0) {
            ji->ranges[ji->range_count].start = log[i].addr;
            ji->ranges[ji->range_count].end = log[i].addr + log[i].len;
            ji->range_count++;
        }
        ji->any |= log[i].op != SIM_FLASH_OP_READ;
    }
    qsort(ji->ranges, ji->range_count, sizeof *ji->ranges, esim_range_cmp);
    size_t merged = 0;
    for (size_t i = 0; i < ji->range_count; i++) {
        if (merged > 0 && ji->ranges[i].start <= ji->ranges[merged - 1].end) {
            if (ji->ranges[i].end > ji->ranges[merged - 1].end) {
                ji->ranges[merged - 1].end = ji->ranges[i].end;
            }
        } else {
            ji->ranges[merged++] = ji->ranges[i];
        }
    }
    ji->range_count = merged;
    if (!ji->any) {
        return 0;
    }

    struct sim_bound_job *job = &ji->job;
    if (merged > 0) {
        job->offset = ji->ranges[0].start;
        job->image_len = ji->ranges[merged - 1].end - job->offset;
    }
    job->image = cells + job->offset;
    job->erase_all = true;
    for (uint32_t a = 0; a < size && job->erase_all; a++) {
        if (a == job->offset) {
            a += job->image_len;
            if (a >= size) {
                break;
            }
        }
        job->erase_all = cells[a] == SIM_FLASH_ERASED;
    }
    if (job->image_len > 0) {
        uLongf clen = compressBound(job->image_len);
        Bytef *tmp = malloc(clen);
        if (tmp == NULL) {
            return -1;
        }
        if (compress2(tmp, &clen, job->image, job->image_len, ESIM_ZLIB_LEVEL) != Z_OK) {
            clen = job->image_len;
        }
        free(tmp);
        job->compressed_len = clen;
    }
    job->baud = host->max_baud;
    size_t segs = 0;
    const struct sim_mem_segment *seg = board_mem_segments(b, &segs);
    for (size_t i = 0; i < segs; i++) {
        ji->stub_len += seg[i].received;
    }
    board_bound(b, job, ji->stub_len, &ji->bound);
    return 0;
}

/* ---- sections ---- */

static void esim_stats_board(struct esim_json *j, struct board *b, const struct sim_stub *stub,
                             const struct esim_options *o)
{
    const struct board_config *cfg = &o->board;
    struct sim_stub_stats ss = {0};
    uint64_t cpu_ns = 0;
    uint8_t id[3];
    char text[32];

    sim_flash_jedec_id(board_flash(b), id);
    json_open(j, "board", '{');
    json_str(j, "chip", sim_efuse_variant_name(cfg->chip));
    json_u64(j, "flash_size", cfg->flash_size);
    json_str(j, "flash_vendor", sim_flash_vendor_name(cfg->flash_vendor));
    snprintf(text, sizeof text, "%02X%02X%02X", id[0], id[1], id[2]);
    json_str(j, "jedec_id", text);
    snprintf(text, sizeof text, "%02X:%02X:%02X:%02X:%02X:%02X", cfg->mac[0], cfg->mac[1],
             cfg->mac[2], cfg->mac[3], cfg->mac[4], cfg->mac[5]);
    json_str(j, "mac", text);
    json_open(j, "flash_modes", '[');
    for (unsigned m = 0; m < SIM_FLASH_MODE_COUNT; m++) {
        if (cfg->flash_modes == 0 || (cfg->flash_modes & SIM_FLASH_MODE_BIT(m))) {
            json_str(j, NULL, sim_flash_mode_name((enum sim_flash_mode)m));
        }
    }
    json_close(j, ']');
    json_bool(j, "flash_modes_chip_default", cfg->flash_modes == 0);
    json_str(j, "adapter", sim_uart_adapter(cfg->adapter)->name);
    json_bool(j, "auto_reset", cfg->auto_reset);
    json_u64(j, "autobaud_max", cfg->autobaud_max);
    json_u64(j, "seed", cfg->seed);
    json_str(j, "flash_start",
             cfg->flash_start == BOARD_FLASH_USED   ? "used"
             : cfg->flash_start == BOARD_FLASH_FILE ? "file"
                                                    : "blank");
    json_str(j, "state", board_state_name(b));
    json_bool(j, "idle", board_next_deadline(b) == SIM_TIME_NEVER);
    json_u64(j, "chip_baud", board_chip_baud(b));
    json_bool(j, "unplugged", board_unplugged(b));
    if (stub != NULL)
        sim_stub_get_stats(stub, &ss);
    for (unsigned k = 0; k < HAL_COST_COUNT; k++)
        cpu_ns += ss.cpu_ns[k];
    json_u64(j, "stub_starts", ss.starts);
    json_u64(j, "stub_cpu_ns", cpu_ns);
    json_close(j, '}');
}

/* MicroPython's side: the REPL's mode and counters (repl.h) and the filesystem's use. */
static void esim_stats_repl(struct esim_json *j, struct board *b)
{
    struct sim_repl *r = board_repl(b);
    const struct sim_repl_stats *st = sim_repl_stats(r);
    json_open(j, "repl", '{');
    json_str(j, "mode", sim_repl_mode_name(sim_repl_mode(r)));
    json_u64(j, "programs", st->programs);
    json_u64(j, "soft_reboots", st->soft_reboots);
    json_u64(j, "keyboard_interrupts", st->keyboard_interrupts);
    json_u64(j, "raw_paste_sessions", st->raw_paste_sessions);
    json_u64(j, "raw_paste_bytes", st->raw_paste_bytes);
    json_u64(j, "raw_paste_last_bytes", st->raw_paste_last_bytes);
    json_u64(j, "raw_paste_grants", st->raw_paste_grants);
    json_u64(j, "window_violations", st->window_violations);
    json_u64(j, "window_violation_sessions", st->window_violation_sessions);
    json_u64(j, "last_violation_byte", st->last_violation_byte);
    json_u64(j, "last_violation_allowed", st->last_violation_allowed);
    json_u64(j, "stdin_dropped", st->stdin_dropped);
    json_u64(j, "fs_used", sim_mpy_fs_used(sim_repl_fs(r)));
    json_close(j, '}');
}

static void esim_stats_faults(struct esim_json *j, const struct board_config *cfg)
{
    const struct board_faults *f = &cfg->faults;
    json_open(j, "faults", '{');
    json_u64(j, "drop_ppm_to_chip", f->drop_ppm_to_chip);
    json_u64(j, "flip_ppm_to_chip", f->flip_ppm_to_chip);
    json_u64(j, "drop_ppm_to_host", f->drop_ppm_to_host);
    json_u64(j, "flip_ppm_to_host", f->flip_ppm_to_host);
    json_u64(j, "stall_at_byte", f->stall_at_byte);
    json_u64(j, "stall_ms", f->stall_ms);
    json_u64(j, "unplug_at_byte", f->unplug_at_byte);
    json_u64(j, "reset_at_byte", f->reset_at_byte);
    if (f->fail_program_addr == SIM_FLASH_NO_FAULT) {
        json_null(j, "fail_program_addr");
    } else {
        json_u64(j, "fail_program_addr", f->fail_program_addr);
    }
    if (f->fail_erase_addr == SIM_FLASH_NO_FAULT) {
        json_null(j, "fail_erase_addr");
    } else {
        json_u64(j, "fail_erase_addr", f->fail_erase_addr);
    }
    json_bool(j, "slow_flash", cfg->flash_slow);
    json_close(j, '}');
}

static void esim_stats_traffic(struct esim_json *j, const struct sim_stats *st,
                               const struct esim_host_stats *h)
{
    json_open(j, "host", '{');
    json_u64(j, "bytes_from_client", h->bytes_from_client);
    json_u64(j, "bytes_to_client", h->bytes_to_client);
    json_u64(j, "bytes_discarded", h->bytes_discarded);
    json_u64(j, "connects", h->connects);
    json_u64(j, "baud", h->baud);
    json_u64(j, "max_baud", h->max_baud);
    json_close(j, '}');
    json_open(j, "wire", '{');
    json_u64(j, "bytes_to_chip", st->bytes_to_chip);
    json_u64(j, "bytes_to_host", st->bytes_to_host);
    json_u64(j, "ns_to_chip", st->wire_ns_to_chip);
    json_u64(j, "ns_to_host", st->wire_ns_to_host);
    json_close(j, '}');
    json_u64(j, "busy_ns", st->busy_ns);
    json_u64(j, "resets", st->resets);
    json_u64(j, "rx_dropped", st->rx_dropped);
    json_open(j, "commands", '[');
    for (unsigned op = 0; op < SIM_STATS_OPCODES; op++) {
        if (st->commands[op] == 0) {
            continue;
        }
        json_open(j, NULL, '{');
        json_u64(j, "opcode", op);
        if (ESIM_OPCODE_NAMES[op] != NULL) {
            json_str(j, "name", ESIM_OPCODE_NAMES[op]);
        } else {
            json_null(j, "name");
        }
        json_u64(j, "count", st->commands[op]);
        json_close(j, '}');
    }
    json_close(j, ']');
}

static void esim_stats_flash(struct esim_json *j, const struct sim_stats *st,
                             const struct esim_job_info *ji)
{
    json_open(j, "flash", '{');
    for (unsigned op = 0; op < SIM_FLASH_OP_COUNT; op++) {
        json_open(j, ESIM_FLASH_OP_KEYS[op], '{');
        json_u64(j, "count", st->flash[op].count);
        json_u64(j, "bytes", st->flash[op].bytes);
        json_u64(j, "busy_ns", st->flash[op].busy_ns);
        json_u64(j, "failed", st->flash[op].failed);
        json_close(j, '}');
    }
    json_close(j, '}');
    json_open(j, "flash_written", '[');
    for (size_t i = 0; i < ji->range_count; i++) {
        json_open(j, NULL, '{');
        json_u64(j, "offset", ji->ranges[i].start);
        json_u64(j, "length", ji->ranges[i].end - ji->ranges[i].start);
        json_close(j, '}');
    }
    json_close(j, ']');
}

static void esim_stats_violations(struct esim_json *j, const struct sim_stats *st)
{
    uint64_t total = 0;
    json_open(j, "violations", '{');
    json_open(j, "counts", '{');
    for (unsigned v = 0; v < SIM_VIOL_COUNT; v++) {
        json_u64(j, ESIM_VIOLATION_KEYS[v], st->violations[v]);
        total += st->violations[v];
    }
    json_close(j, '}');
    json_u64(j, "total", total);
    json_open(j, "log", '[');
    for (uint32_t i = 0; i < st->violation_log_len; i++) {
        const struct sim_violation_record *r = &st->violation_log[i];
        json_open(j, NULL, '{');
        json_u64(j, "t_ns", r->t_ns);
        json_str(j, "kind", ESIM_VIOLATION_KEYS[r->code]);
        json_str(j, "text", sim_violation_name(r->code));
        json_u64(j, "arg0", r->arg0);
        json_u64(j, "arg1", r->arg1);
        json_close(j, '}');
    }
    json_close(j, ']');
    json_bool(j, "log_truncated", total > st->violation_log_len);
    json_close(j, '}');
}

static void esim_stats_bound(struct esim_json *j, const struct esim_job_info *ji)
{
    if (!ji->any) {
        json_null(j, "job");
        json_null(j, "bound");
        return;
    }
    const struct sim_bound_job *job = &ji->job;
    const struct sim_bound *bd = &ji->bound;
    json_open(j, "job", '{');
    json_u64(j, "offset", job->offset);
    json_u64(j, "length", job->image_len);
    json_bool(j, "erase_all", job->erase_all);
    json_u64(j, "compressed_len", job->compressed_len);
    json_u64(j, "baud", job->baud);
    json_u64(j, "stub_len", ji->stub_len);
    json_close(j, '}');
    json_open(j, "bound", '{');
    json_u64(j, "reset_sync_ns", bd->reset_sync_ns);
    json_u64(j, "stub_ns", bd->stub_ns);
    json_u64(j, "wire_ns", bd->wire_ns);
    json_u64(j, "erase_ns", bd->erase_ns);
    json_u64(j, "program_ns", bd->program_ns);
    json_u64(j, "flash_work_ns", bd->flash_work_ns);
    json_u64(j, "verify_ns", bd->verify_ns);
    json_u64(j, "total_ns", bd->total_ns);
    json_u64(j, "sectors_dirty", bd->sectors_dirty);
    json_u64(j, "pages_programmed", bd->pages_programmed);
    json_bool(j, "chip_erase", bd->chip_erase);
    json_close(j, '}');
}

int esim_stats_write(FILE *out, const struct esim_report *r)
{
    struct esim_json j;
    struct esim_job_info ji;
    const struct sim_stats *st = board_stats(r->board);

    memset(&j, 0, sizeof j);
    j.out = out;
    if (esim_job_derive(r->board, r->host, &ji) != 0) {
        free(ji.ranges);
        return -1;
    }
    json_open(&j, NULL, '{');
    json_str(&j, "format", ESIM_STATS_FORMAT);
    json_u64(&j, "virtual_ns", r->virtual_ns);
    json_double(&j, "time_scale", r->opt->time_scale);
    esim_stats_board(&j, r->board, r->stub, r->opt);
    esim_stats_faults(&j, &r->opt->board);
    esim_stats_traffic(&j, st, r->host);
    esim_stats_flash(&j, st, &ji);
    esim_stats_violations(&j, st);
    esim_stats_bound(&j, &ji);
    esim_stats_repl(&j, r->board);
    json_close(&j, '}');
    free(ji.ranges);
    return ferror(out) ? -1 : 0;
}
