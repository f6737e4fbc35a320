/* SPDX-License-Identifier: MIT */
/* mflash's output: engine logs and progress as esptool-like lines (a bar on a terminal, one line
 * per 10 % otherwise) or JSON events, the chip/image/port/result/error reports and exit codes. */
#include "cli_out.h"

#include "cli_json.h"

#include <stdarg.h>
#include <string.h>

#define CLI_PERCENT       100u
#define CLI_PERMILLE      1000u
#define CLI_MS_PER_S      1000u
#define CLI_S_PER_MIN     60u
#define CLI_BITS_PER_BYTE 8u
#define CLI_BITS_PER_KBIT 1000.0
#define CLI_TEXT_MAX      512u
#define CLI_STEP_NONE     UINT32_MAX
#define CLI_CONTINUED     "..." /* an info line ending so continues (dots, "Connecting...") */
#define CLI_ELLIPSIS      "..."
#define CLI_ELLIPSIS_LEN  3u
#define CLI_FATAL         "A fatal error occurred: "

static const struct {
    int code;
    int exit;
} CLI_EXIT_TABLE[] = {
        {MF_OK, CLI_EXIT_OK},
        {MF_ERR_ARG, CLI_EXIT_USAGE},
        {MF_ERR_IMAGE, CLI_EXIT_FILE},
        {MF_ERR_NO_DATA, CLI_EXIT_CONNECT},
        {MF_ERR_NOT_DOWNLOAD_MODE, CLI_EXIT_CONNECT},
        {MF_ERR_NO_SYNC, CLI_EXIT_CONNECT},
        {MF_ERR_WRONG_CHIP, CLI_EXIT_CONNECT},
        {MF_ERR_NO_REPL, CLI_EXIT_CONNECT},
        {MF_ERR_NO_FILE, CLI_EXIT_FILE},
        {MF_ERR_PORT_NOT_FOUND, CLI_EXIT_PORT},
        {MF_ERR_PORT_BUSY, CLI_EXIT_PORT},
        {MF_ERR_PORT_ACCESS, CLI_EXIT_PORT},
        {MF_ERR_PORT_GONE, CLI_EXIT_PORT},
        {MF_ERR_VERIFY, CLI_EXIT_VERIFY},
        {MF_ERR_CANCELLED, CLI_EXIT_CANCELLED},
        {MF_ERR_UNSUPPORTED, CLI_EXIT_UNSUPPORTED},
};

/* Indexed by enum mf_log_level: the JSON level and the human prefix (stderr for the first two). */
static const struct {
    const char *name;
    const char *prefix;
} CLI_LEVELS[] = {
        [MF_LOG_ERROR] = {"error", "Error: "}, [MF_LOG_WARN] = {"warn", "Warning: "},
        [MF_LOG_INFO] = {"info", ""},          [MF_LOG_DEBUG] = {"debug", ""},
        [MF_LOG_TRACE] = {"trace", ""},
};

static const char *const CLI_STAGES[] = {
        [MF_STAGE_CONNECT] = "connect", [MF_STAGE_MANUAL_BOOT] = "manual_boot",
        [MF_STAGE_ERASE] = "erase",     [MF_STAGE_WRITE] = "write",
        [MF_STAGE_VERIFY] = "verify",   [MF_STAGE_READ] = "read",
        [MF_STAGE_RESET] = "reset",
};

static const char *const CLI_FORMATS[] = {
        [IMAGE_FORMAT_RAW] = "raw",
        [IMAGE_FORMAT_V1] = "v1",
        [IMAGE_FORMAT_V2] = "v2",
        [IMAGE_FORMAT_V3] = "v3",
};

int cli_exit_code(int code)
{
    int exit_code = CLI_EXIT_FAILURE;
    for (size_t i = 0; i < sizeof CLI_EXIT_TABLE / sizeof CLI_EXIT_TABLE[0]; i++) {
        if (CLI_EXIT_TABLE[i].code == code) {
            exit_code = CLI_EXIT_TABLE[i].exit;
        }
    }
    return exit_code;
}

const char *cli_stage_name(enum mf_stage stage)
{
    size_t i = (size_t)stage;
    return i < sizeof CLI_STAGES / sizeof CLI_STAGES[0] ? CLI_STAGES[i] : "unknown";
}

const char *cli_format_name(enum image_format format)
{
    size_t i = (size_t)format;
    return i < sizeof CLI_FORMATS / sizeof CLI_FORMATS[0] ? CLI_FORMATS[i] : "unknown";
}

void cli_format_mac(const uint8_t mac[6], char *out, size_t size)
{
    snprintf(out, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
}

void cli_out_init(struct cli_out *o, FILE *out, FILE *err, bool json, bool terminal, bool trace)
{
    memset(o, 0, sizeof *o);
    o->out = out;
    o->err = err;
    o->json = json;
    o->terminal = terminal && !json;
    o->trace = trace;
    o->last_step = CLI_STEP_NONE;
}

void cli_out_finish(struct cli_out *o)
{
    if (o->line_open) {
        fputc('\n', o->out);
        fflush(o->out);
    }
    o->line_open = false;
    o->bar = false;
    o->bar_len = 0;
}

/* ---- Lines ---- */

static void cli_out_line(struct cli_out *o, enum mf_log_level level, const char *text)
{
    size_t i = (size_t)level < sizeof CLI_LEVELS / sizeof CLI_LEVELS[0] ? (size_t)level : 0u;
    if (o->json) {
        struct cli_json j;
        cli_json_begin(&j, o->out, "log");
        cli_json_str(&j, "level", CLI_LEVELS[i].name);
        cli_json_str(&j, "text", text);
        cli_json_end(&j);
    } else if (level <= MF_LOG_WARN) {
        cli_out_finish(o);
        fprintf(o->err, "%s%s\n", CLI_LEVELS[i].prefix, text);
        fflush(o->err);
    } else {
        size_t len = strlen(text), cont = strlen(CLI_CONTINUED);
        cli_out_finish(o);
        fputs(text, o->out);
        /* "Connecting to COM5..." stays open for the dots of the attempts. */
        if (len >= cont && strcmp(text + len - cont, CLI_CONTINUED) == 0) {
            o->line_open = true;
        } else {
            fputc('\n', o->out);
        }
        fflush(o->out);
    }
}

void cli_out_log(struct cli_out *o, enum mf_log_level level, const char *text)
{
    if (level < MF_LOG_DEBUG || o->trace) {
        cli_out_line(o, level, text);
    }
}

static void cli_out_vline(struct cli_out *o, enum mf_log_level level, const char *fmt, va_list ap)
#if defined(__MINGW32__)
        __attribute__((format(gnu_printf, 3, 0)))
#elif defined(__GNUC__)
        __attribute__((format(printf, 3, 0)))
#endif
        ;

static void cli_out_vline(struct cli_out *o, enum mf_log_level level, const char *fmt, va_list ap)
{
    char text[CLI_TEXT_MAX];
    vsnprintf(text, sizeof text, fmt, ap);
    cli_out_line(o, level, text);
}

void cli_out_info(struct cli_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_out_vline(o, MF_LOG_INFO, fmt, ap);
    va_end(ap);
}

void cli_out_warn(struct cli_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_out_vline(o, MF_LOG_WARN, fmt, ap);
    va_end(ap);
}

/* ---- Progress ---- */

static unsigned cli_ratio(uint64_t done, uint64_t total, unsigned scale)
{
    uint64_t r = total > 0 ? (done >= total ? scale : done * scale / total) : 0u;
    return (unsigned)r;
}

static void cli_progress_json(struct cli_out *o, const struct mf_progress *p, bool new_stage)
{
    unsigned step = (unsigned)(p->done > UINT32_MAX ? UINT32_MAX : p->done);
    if (p->total > 0) {
        step = cli_ratio(p->done, p->total, CLI_PERMILLE);
    } else if (p->stage == MF_STAGE_MANUAL_BOOT) {
        step = (unsigned)(p->done / CLI_MS_PER_S);
    }
    if (new_stage || step != o->last_step || (p->total > 0 && p->done >= p->total)) {
        struct cli_json j;
        cli_json_begin(&j, o->out, "progress");
        cli_json_str(&j, "stage", cli_stage_name(p->stage));
        cli_json_str(&j, "label", p->label != NULL ? p->label : "");
        cli_json_uint(&j, "done", p->done);
        cli_json_uint(&j, "total", p->total);
        cli_json_uint(&j, "rate", p->rate);
        if (p->eta_ms == UINT32_MAX) {
            cli_json_null(&j, "eta_ms");
        } else {
            cli_json_uint(&j, "eta_ms", p->eta_ms);
        }
        cli_json_uint(&j, "overall", p->overall > CLI_PERMILLE ? CLI_PERMILLE : p->overall);
        cli_json_end(&j);
        o->last_step = step;
    }
}

/* Rewrites the open bar line with `text` (padded over what was there). */
static void cli_bar_draw(struct cli_out *o, const char *text, bool end)
{
    size_t len = strlen(text);
    if (!o->bar) {
        cli_out_finish(o);
    }
    fprintf(o->out, "\r%s", text);
    if (o->bar_len > len) {
        fprintf(o->out, "%*s", (int)(o->bar_len - len), "");
    }
    o->bar = !end;
    o->line_open = !end;
    o->bar_len = end ? 0u : len;
    if (end) {
        fputc('\n', o->out);
    }
    fflush(o->out);
}

static void cli_progress_bar(struct cli_out *o, const struct mf_progress *p, uint64_t now_ms)
{
    const char *label = p->label != NULL ? p->label : "";
    unsigned pct = cli_ratio(p->done, p->total, CLI_PERCENT);
    bool end = p->done >= p->total;
    if (pct != o->last_step || end || now_ms - o->last_draw >= CLI_BAR_MIN_MS) {
        /* Fixed widths, so the label is cut the same way on every redraw. */
        char cells[CLI_BAR_CELLS + 1], rate[32] = "            ", eta[32] = "          ";
        char suffix[CLI_LINE_WIDTH + 1];
        char line[CLI_LABEL_MAX + sizeof suffix];
        unsigned filled = cli_ratio(p->done, p->total, CLI_BAR_CELLS);
        for (unsigned i = 0; i < CLI_BAR_CELLS; i++) {
            cells[i] = i < filled ? '#' : '.';
        }
        cells[CLI_BAR_CELLS] = '\0';
        if (p->rate > 0) {
            snprintf(rate, sizeof rate, " %4.0f kbit/s",
                     (double)p->rate * CLI_BITS_PER_BYTE / CLI_BITS_PER_KBIT);
        }
        if (p->eta_ms != UINT32_MAX && !end) {
            uint32_t s = (p->eta_ms + CLI_MS_PER_S - 1u) / CLI_MS_PER_S;
            snprintf(eta, sizeof eta, " %2u:%02u left", (unsigned)(s / CLI_S_PER_MIN),
                     (unsigned)(s % CLI_S_PER_MIN));
        }
        int n = snprintf(suffix, sizeof suffix, " [%s] %3u%%%s%s", cells, pct, rate, eta);
        size_t room = n > 0 && (size_t)n < CLI_LINE_WIDTH ? CLI_LINE_WIDTH - (size_t)n : 0u;
        size_t label_len = strlen(label);
        if (label_len > room && room > CLI_ELLIPSIS_LEN) {
            /* Cut in the middle: "Writing my-long-fi...e.bin at 0x00000000" keeps the address. */
            size_t head = (room - CLI_ELLIPSIS_LEN) / 2u, tail = room - CLI_ELLIPSIS_LEN - head;
            snprintf(line, sizeof line, "%.*s%s%s%s", (int)head, label, CLI_ELLIPSIS,
                     label + label_len - tail, suffix);
        } else {
            snprintf(line, sizeof line, "%s%s", label, suffix);
        }
        cli_bar_draw(o, line, end);
        o->last_step = pct;
        o->last_draw = now_ms;
    }
}

/* Without a terminal: "Writing fw.bin at 0x00000000... (40 %)" at most every 10 %. */
static void cli_progress_plain(struct cli_out *o, const struct mf_progress *p)
{
    unsigned step = cli_ratio(p->done, p->total, CLI_PERCENT) / CLI_PLAIN_STEP * CLI_PLAIN_STEP;
    if (o->last_step == CLI_STEP_NONE || step > o->last_step) {
        cli_out_finish(o);
        fprintf(o->out, "%s... (%u %%)\n", p->label != NULL ? p->label : "", step);
        fflush(o->out);
        o->last_step = step;
    }
}

/* Connecting: a dot per attempt after the engine's "Connecting to COM5..." line. */
static void cli_progress_dots(struct cli_out *o, const struct mf_progress *p)
{
    if (p->done > 0) {
        if (!o->line_open || o->bar) {
            cli_out_finish(o);
            fputs(p->label != NULL ? p->label : "Connecting", o->out);
            o->line_open = true;
        }
        fputc('.', o->out);
        fflush(o->out);
    }
}

/* Waiting for the user's buttons: a line counting seconds on a terminal (the engine's hint comes
 * as a warning). */
static void cli_progress_wait(struct cli_out *o, const struct mf_progress *p)
{
    unsigned s = (unsigned)(p->done / CLI_MS_PER_S);
    if (o->terminal && s != o->last_step) {
        char line[CLI_LINE_WIDTH + 1];
        if (p->total > 0) {
            snprintf(line, sizeof line, "%s... %u s of %u s (Ctrl-C to stop)",
                     p->label != NULL ? p->label : "", s, (unsigned)(p->total / CLI_MS_PER_S));
        } else {
            snprintf(line, sizeof line, "%s... %u s (Ctrl-C to stop)",
                     p->label != NULL ? p->label : "", s);
        }
        cli_bar_draw(o, line, false);
        o->last_step = s;
    }
}

void cli_out_progress(struct cli_out *o, const struct mf_progress *p, uint64_t now_ms)
{
    const char *label = p->label != NULL ? p->label : "";
    bool new_stage = !o->have_stage || p->stage != o->stage || strcmp(label, o->label) != 0 ||
                     p->done < o->last_done;
    if (new_stage) {
        o->have_stage = true;
        o->stage = p->stage;
        snprintf(o->label, sizeof o->label, "%s", label);
        o->last_step = CLI_STEP_NONE;
        o->last_draw = 0;
    }
    o->last_done = p->done;
    if (o->json) {
        cli_progress_json(o, p, new_stage);
    } else if (p->stage == MF_STAGE_CONNECT) {
        cli_progress_dots(o, p);
    } else if (p->stage == MF_STAGE_MANUAL_BOOT) {
        cli_progress_wait(o, p);
    } else if (p->stage != MF_STAGE_RESET && p->total > 0) {
        if (o->terminal) {
            cli_progress_bar(o, p, now_ms);
        } else {
            cli_progress_plain(o, p);
        }
    }
}

/* ---- Reports ---- */

void cli_out_chip(struct cli_out *o, const struct conn_board *b)
{
    if (o->json) {
        struct cli_json j;
        char text[32];
        cli_json_begin(&j, o->out, "chip");
        cli_json_str(&j, "chip", b->chip.name);
        cli_json_bool(&j, "esp8285", b->chip.esp8285);
        cli_format_mac(b->chip.mac, text, sizeof text);
        cli_json_str(&j, "mac", b->chip.mac_valid ? text : NULL);
        snprintf(text, sizeof text, "0x%08x", (unsigned)b->chip.chip_id);
        cli_json_str(&j, "chip_id", text);
        cli_json_uint(&j, "crystal_mhz", b->crystal.mhz);
        snprintf(text, sizeof text, "0x%02x", (unsigned)b->flash.manufacturer);
        cli_json_str(&j, "flash_manufacturer", text);
        snprintf(text, sizeof text, "0x%04x", (unsigned)b->flash.device);
        cli_json_str(&j, "flash_device", text);
        cli_json_str(&j, "flash_vendor", b->flash.vendor);
        if (b->flash_size > 0) {
            cli_json_uint(&j, "flash_size", b->flash_size);
        } else {
            cli_json_null(&j, "flash_size");
        }
        cli_json_str(&j, "loader", b->loader == PROTO_LOADER_STUB ? "stub" : "rom");
        cli_json_end(&j);
    }
}

void cli_out_image(struct cli_out *o, const char *file, bool has_offset, uint32_t offset,
                   const struct image_info *info)
{
    bool raw = info->format == IMAGE_FORMAT_RAW;
    if (o->json) {
        struct cli_json j;
        cli_json_begin(&j, o->out, "image");
        cli_json_str(&j, "file", file);
        if (has_offset) {
            cli_json_uint(&j, "offset", offset);
        } else {
            cli_json_null(&j, "offset");
        }
        cli_json_uint(&j, "size", info->size);
        cli_json_str(&j, "format", cli_format_name(info->format));
        cli_json_bool(&j, "micropython", info->micropython);
        cli_json_bool(&j, "md5_checked", info->md5_checked);
        cli_json_str(&j, "firmware", info->firmware[0] != '\0' ? info->firmware : NULL);
        cli_json_str(&j, "flash_mode", raw ? NULL : image_flash_mode_name(info->flash_mode));
        cli_json_str(&j, "flash_size", raw ? NULL : image_flash_size_name(info->flash_size_freq));
        cli_json_str(&j, "flash_freq", raw ? NULL : image_flash_freq_name(info->flash_size_freq));
        if (raw) {
            cli_json_null(&j, "entry");
        } else {
            cli_json_uint(&j, "entry", info->entry);
        }
        cli_json_uint(&j, "segments", info->segments);
        cli_json_end(&j);
    } else if (has_offset) {
        char desc[CLI_TEXT_MAX / 2], header[CLI_LABEL_MAX];
        image_describe(info, desc, sizeof desc);
        image_describe_header(info, header, sizeof header);
        cli_out_info(o, "%s at 0x%08x: %s%s%s%s", file, (unsigned)offset, desc,
                     header[0] != '\0' ? " (" : "", header, header[0] != '\0' ? ")" : "");
    }
}

void cli_out_port(struct cli_out *o, const struct port_info *p)
{
    if (o->json) {
        struct cli_json j;
        cli_json_begin(&j, o->out, "port");
        cli_json_str(&j, "name", p->name);
        cli_json_str(&j, "description", p->description);
        cli_json_str(&j, "manufacturer", p->manufacturer);
        cli_json_str(&j, "serial", p->serial);
        if (p->usb) {
            cli_json_uint(&j, "vid", p->vid);
            cli_json_uint(&j, "pid", p->pid);
        } else {
            cli_json_null(&j, "vid");
            cli_json_null(&j, "pid");
        }
        cli_json_str(&j, "chip", p->bridge != NULL ? p->bridge->chip : NULL);
        cli_json_bool(&j, "likely_esp", p->likely_esp);
        cli_json_end(&j);
    } else {
        char usb[64] = "";
        if (p->usb) {
            snprintf(usb, sizeof usb, "  [%04x:%04x%s%s]", (unsigned)p->vid, (unsigned)p->pid,
                     p->bridge != NULL ? " " : "", p->bridge != NULL ? p->bridge->chip : "");
        }
        cli_out_finish(o);
        fprintf(o->out, "%c %s  %s%s\n", p->likely_esp ? '*' : ' ', p->name,
                p->description[0] != '\0' ? p->description : "(no description)", usb);
        fflush(o->out);
    }
}

void cli_out_fs_entry(struct cli_out *o, const char *name, bool dir, uint32_t size)
{
    if (o->json) {
        struct cli_json j;
        cli_json_begin(&j, o->out, "file");
        cli_json_str(&j, "name", name);
        cli_json_bool(&j, "dir", dir);
        cli_json_uint(&j, "size", size);
        cli_json_end(&j);
    } else if (dir) {
        cli_out_info(o, "%10s  %s/", "<dir>", name);
    } else {
        cli_out_info(o, "%10u  %s", (unsigned)size, name);
    }
}

void cli_out_result(struct cli_out *o, const struct cli_result *r)
{
    if (o->json) {
        struct cli_json j;
        cli_json_begin(&j, o->out, "result");
        cli_json_bool(&j, "ok", true);
        cli_json_str(&j, "command", r->command);
        if (r->has_verified) {
            cli_json_bool(&j, "verified", r->verified);
        }
        if (r->file != NULL) {
            cli_json_str(&j, "file", r->file);
        }
        if (r->remote != NULL) {
            cli_json_str(&j, "remote", r->remote);
        }
        if (r->has_bytes) {
            cli_json_uint(&j, "bytes", r->bytes);
        }
        if (r->mac != NULL) {
            cli_json_str(&j, "mac", r->mac);
        }
        if (r->chip_id != NULL) {
            cli_json_str(&j, "chip_id", r->chip_id);
        }
        if (r->flash_manufacturer != NULL) {
            cli_json_str(&j, "flash_manufacturer", r->flash_manufacturer);
            cli_json_str(&j, "flash_device", r->flash_device);
            if (r->has_flash_size) {
                cli_json_uint(&j, "flash_size", r->flash_size);
            } else {
                cli_json_null(&j, "flash_size");
            }
        }
        if (r->version != NULL) {
            cli_json_str(&j, "version", r->version);
        }
        cli_json_uint(&j, "elapsed_ms", r->elapsed_ms);
        cli_json_end(&j);
    }
    cli_out_finish(o);
}

void cli_out_error(struct cli_out *o, const struct mf_error *e, int exit_code)
{
    const char *message = e->message[0] != '\0' ? e->message : mf_err_text(e->code);
    if (o->json) {
        struct cli_json j;
        char status[16];
        cli_json_begin(&j, o->out, "error");
        cli_json_bool(&j, "ok", false);
        cli_json_str(&j, "code", mf_err_id(e->code));
        cli_json_int(&j, "exit", exit_code);
        cli_json_str(&j, "message", message);
        cli_json_str(&j, "command", e->has_command ? e->command : NULL);
        snprintf(status, sizeof status, "%02x %02x", e->status[0], e->status[1]);
        cli_json_str(&j, "status", e->has_status ? status : NULL);
        cli_json_end(&j);
    } else {
        cli_out_finish(o);
        fflush(o->out);
        fprintf(o->err, "%s%s\n", CLI_FATAL, message);
        fflush(o->err);
    }
}
