/* SPDX-License-Identifier: MIT */
/* mflash's commands, one function each: files are read and checked before the port is opened,
 * then the connection (--port auto, baud, --wait), the engine's job, and --after at the end. */
#include "cli_cmds.h"

#include "cli_baud.h"

#include "cli_files.h"
#include "cli_mpy.h"
#include "cli_platform.h"
#include "flasher.h"
#include "port.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define CLI_TEXT_SHORT 32u
#define CLI_LIST_MAX   (MF_ERR_MESSAGE_MAX / 2u)
#define CLI_AUTO_PORT  "auto"
#define CLI_INCOMPLETE "incomplete"

/* One run of a command. */
struct cli_job {
    const struct cli_args *args;
    struct cli_out *out;
    atomic_bool cancel; /* the engine's cancel flag, set from the platform's Ctrl-C flag */
    struct mf_hooks hooks;
    struct conn *conn;
    uint64_t start_ms;
    char port[PORT_INFO_TEXT_MAX];
    uint8_t *data[CLI_FILES_MAX];
    struct flasher_file files[CLI_FILES_MAX];
    struct image_info infos[CLI_FILES_MAX];
    size_t nfiles;
    struct cli_result result;
    char mac[CLI_TEXT_SHORT];
    char chip_id[CLI_TEXT_SHORT];
    char maker[CLI_TEXT_SHORT];
    char device[CLI_TEXT_SHORT];
};

struct cli_handler {
    enum cli_cmd_id id;
    int (*prepare)(struct cli_job *job, struct mf_error *e); /* before the board (may be NULL) */
    int (*run)(struct cli_job *job, struct mf_error *e);
    bool after; /* --after runs when it succeeded */
};

static const char *const CLI_FORMAT_TEXT[] = {
        [IMAGE_FORMAT_RAW] = "raw data (not an ESP8266 image)",
        [IMAGE_FORMAT_V1] = "ESP8266 image, version 1 (the ROM boots it from 0x0)",
        [IMAGE_FORMAT_V2] = "ESP8266 image, version 2 (for the SDK's second-stage boot loader)",
        [IMAGE_FORMAT_V3] = "ESP8266 RTOS SDK application image",
};

/* ---- Hooks ---- */

static void cli_job_poll_cancel(struct cli_job *job)
{
    if (cli_platform_cancel_requested()) {
        atomic_store(&job->cancel, true);
    }
}

static void cli_hook_log(void *ctx, enum mf_log_level level, const char *text)
{
    struct cli_job *job = ctx;
    cli_job_poll_cancel(job);
    cli_out_log(job->out, level, text);
}

static void cli_hook_progress(void *ctx, const struct mf_progress *p)
{
    struct cli_job *job = ctx;
    cli_job_poll_cancel(job);
    cli_out_progress(job->out, p, port_clock_ms());
}

/* ---- Port and connection ---- */

static void cli_port_names(const struct port_info *list, size_t count, bool likely_only, char *out,
                           size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < count && len < size; i++) {
        if (!likely_only || list[i].likely_esp) {
            int n = snprintf(out + len, size - len, "%s%s", len > 0 ? ", " : "", list[i].name);
            len += n > 0 ? (size_t)n : 0u;
        }
    }
}

/* --port auto: the one port that looks like an ESP board. */
static int cli_job_pick_port(struct cli_job *job, struct mf_error *e)
{
    struct port_info *list = NULL;
    struct port_error pe;
    size_t count = 0, likely = 0, pick = 0;
    char names[CLI_LIST_MAX];
    int rc = MF_OK;
    if (port_list(&list, &count, &pe) != PORT_OK) {
        rc = mf_err_set(e, MF_ERR_ARG,
                        "The serial ports could not be listed (%s). Give the port with -p PORT.",
                        pe.message);
        count = 0;
    }
    for (size_t i = 0; i < count; i++) {
        if (list[i].likely_esp) {
            likely++;
            pick = likely == 1 ? i : pick;
        }
    }
    if (rc == MF_OK && likely == 1) {
        snprintf(job->port, sizeof job->port, "%s", list[pick].name);
        cli_out_info(job->out, "Auto-detected port: %s (%s)", list[pick].name,
                     list[pick].description);
    } else if (rc == MF_OK && count == 0) {
        rc = mf_err_set(e, MF_ERR_ARG,
                        "No serial port found. Plug the board in with a data USB cable; if no "
                        "port appears, install the driver of its USB-serial chip (CH340, CP210x). "
                        "Or give the port with -p PORT.");
    } else if (rc == MF_OK && likely == 0) {
        cli_port_names(list, count, false, names, sizeof names);
        rc = mf_err_set(e, MF_ERR_ARG,
                        "No serial port looks like an ESP board. The ports are: %s. Give one with "
                        "-p PORT (mflash list_ports describes them).",
                        names);
    } else if (rc == MF_OK) {
        cli_port_names(list, count, true, names, sizeof names);
        rc = mf_err_set(e, MF_ERR_ARG,
                        "Several ports look like ESP boards: %s. Choose one with -p PORT.", names);
    }
    port_list_free(list);
    return rc;
}

/* What the baud memory is keyed by: the USB bridge and its serial number, else the port.
 * Returns the bridge (one port listing serves both). */
static const struct port_bridge *cli_adapter_key(const struct cli_job *job, char *out, size_t max)
{
    char adapter[CONN_ADAPTER_MAX];
    const struct port_bridge *bridge = conn_adapter(job->port, adapter, sizeof adapter);
    snprintf(out, max, "%s%s", adapter[0] != '\0' ? "" : "port ",
             adapter[0] != '\0' ? adapter : job->port);
    return bridge;
}

/* job->port from --port (auto: the one port that looks like an ESP board). */
static int cli_job_resolve_port(struct cli_job *job, struct mf_error *e)
{
    int rc = MF_OK;
    if (cli_word_equal(job->args->port, CLI_AUTO_PORT)) {
        rc = cli_job_pick_port(job, e);
    } else {
        snprintf(job->port, sizeof job->port, "%s", job->args->port);
    }
    return rc;
}

static int cli_job_connect(struct cli_job *job, struct mf_error *e)
{
    const struct cli_args *a = job->args;
    struct conn_options o;
    char key[CLI_BAUD_KEY_MAX] = "";
    int rc = cli_job_resolve_port(job, e);
    conn_options_default(&o);
    o.baud = a->baud != CLI_BAUD_AUTO && a->baud < CHIP_ROM_BAUD ? a->baud : CHIP_ROM_BAUD;
    o.before = a->before;
    o.attempts = a->connect_attempts;
    o.manual_wait_ms = a->wait_ms;
    o.trace = a->trace;
    o.use_stub = !a->no_stub && a->command->board == CLI_BOARD_STUB;
    o.stub_baud = a->baud == CLI_BAUD_AUTO ? CONN_BAUD_AUTO : a->baud;
    if (rc == MF_OK && a->no_stub && a->command->board == CLI_BOARD_STUB &&
        a->baud != CLI_BAUD_AUTO && a->baud > CHIP_ROM_BAUD) {
        cli_out_warn(job->out,
                     "The ESP8266's boot ROM loader keeps %u baud (only the flasher stub can "
                     "change it, and --no-stub was given): --baud %u is used as %u.",
                     (unsigned)CHIP_ROM_BAUD, (unsigned)a->baud, (unsigned)CHIP_ROM_BAUD);
    }
    if (rc == MF_OK && o.use_stub && o.stub_baud == CONN_BAUD_AUTO) {
        o.bridge = cli_adapter_key(job, key, sizeof key);
        o.bridge_known = true;
        o.baud_limit = cli_baud_recall(key);
    }
    if (rc == MF_OK) {
        rc = conn_open(job->port, &o, &job->hooks, &job->conn, e);
    }
    if (rc == MF_OK) {
        const struct conn_board *b = conn_board(job->conn);
        if (b->stepped_down && key[0] == '\0') {
            (void)cli_adapter_key(job, key, sizeof key);
        }
        if (b->stepped_down && cli_baud_remember(key, b->baud) != 0) {
            cli_out_warn(job->out, "Could not remember that %u baud works on this adapter.",
                         (unsigned)b->baud);
        }
        cli_out_chip(job->out, b);
    }
    return rc;
}

/* The engine prints esptool's lines ("Hard resetting via RTS pin..."). */
static int cli_job_after(struct cli_job *job, struct mf_error *e)
{
    return flasher_after(job->conn, job->args->after, e);
}

/* ---- Files ---- */

/* Reads every ADDR FILE pair and checks them all before the board is touched. */
static int cli_job_load_files(struct cli_job *job, bool force, struct mf_error *e)
{
    const struct cli_args *a = job->args;
    int rc = MF_OK;
    for (size_t i = 0; i < a->npairs && rc == MF_OK; i++) {
        size_t size = 0;
        rc = cli_file_read(a->pairs[i].file, CHIP_FLASH_SIZE_MAX, &job->data[i], &size, e);
        job->files[i].name = a->pairs[i].file;
        job->files[i].offset = a->pairs[i].addr;
        job->files[i].data = job->data[i];
        job->files[i].size = size;
        job->nfiles = i + 1;
    }
    if (rc == MF_OK) {
        rc = flasher_check_files(job->files, job->nfiles, 0, force, job->infos, e);
    }
    for (size_t i = 0; i < job->nfiles && rc == MF_OK; i++) {
        cli_out_image(job->out, job->files[i].name, true, job->files[i].offset, &job->infos[i]);
        if (job->infos[i].notes[0] != '\0') {
            cli_out_warn(job->out, "%s: %s", job->files[i].name, job->infos[i].notes);
        }
    }
    return rc;
}

static int cli_prepare_write(struct cli_job *job, struct mf_error *e)
{
    return cli_job_load_files(job, job->args->force, e);
}

static int cli_prepare_verify(struct cli_job *job, struct mf_error *e)
{
    return cli_job_load_files(job, true, e);
}

/* ---- Commands on the board ---- */

static int cli_run_chip_id(struct cli_job *job, struct mf_error *e)
{
    (void)e;
    snprintf(job->chip_id, sizeof job->chip_id, "0x%08x",
             (unsigned)conn_board(job->conn)->chip.chip_id);
    cli_out_info(job->out, "Chip ID: %s", job->chip_id);
    job->result.chip_id = job->chip_id;
    return MF_OK;
}

static int cli_run_read_mac(struct cli_job *job, struct mf_error *e)
{
    const struct chip_info *chip = &conn_board(job->conn)->chip;
    int rc = MF_OK;
    if (!chip->mac_valid) {
        rc = mf_err_set(e, MF_ERR_DEVICE,
                        "The MAC address cannot be formed: the chip's eFuses name an unknown "
                        "maker (OUI). The chip may be damaged or a copy.");
    } else {
        cli_format_mac(chip->mac, job->mac, sizeof job->mac);
        cli_out_info(job->out, "MAC: %s", job->mac);
        job->result.mac = job->mac;
    }
    return rc;
}

/* The connection printed maker, device and size already; the result carries them. */
static int cli_run_flash_id(struct cli_job *job, struct mf_error *e)
{
    const struct conn_board *b = conn_board(job->conn);
    (void)e;
    snprintf(job->maker, sizeof job->maker, "0x%02x", (unsigned)b->flash.manufacturer);
    snprintf(job->device, sizeof job->device, "0x%04x", (unsigned)b->flash.device);
    job->result.flash_manufacturer = job->maker;
    job->result.flash_device = job->device;
    job->result.has_flash_size = b->flash_size > 0;
    job->result.flash_size = b->flash_size;
    return MF_OK;
}

static int cli_run_write(struct cli_job *job, struct mf_error *e)
{
    const struct cli_args *a = job->args;
    struct flasher_write_options wo;
    struct flasher_write_result res;
    memset(&res, 0, sizeof res);
    flasher_write_options_default(&wo);
    wo.erase_all = a->erase_all;
    wo.params = a->params;
    wo.verify = a->verify;
    wo.force = a->force;
    int rc = flasher_write(job->conn, job->files, job->nfiles, &wo, &res, e);
    if (rc == MF_OK && res.verified) {
        cli_out_info(job->out, "Hash of data verified.");
    } else if (rc == MF_OK) {
        cli_out_info(job->out, "Written, not verified: the ESP8266 boot ROM cannot read flash "
                               "back quickly. Add --verify to read it back and compare (slow), "
                               "or run verify_flash later.");
    }
    job->result.has_verified = true;
    job->result.verified = res.verified;
    job->result.has_bytes = true;
    job->result.bytes = res.bytes;
    return rc;
}

static int cli_run_verify(struct cli_job *job, struct mf_error *e)
{
    int rc = flasher_verify(job->conn, job->files, job->nfiles, &job->args->params, e);
    job->result.has_verified = true;
    job->result.verified = rc == MF_OK;
    return rc;
}

/* The engine prints the esptool lines of erasing, writing, reading and verifying. */
static int cli_run_erase_flash(struct cli_job *job, struct mf_error *e)
{
    return flasher_erase_flash(job->conn, e);
}

static int cli_run_erase_region(struct cli_job *job, struct mf_error *e)
{
    return flasher_erase_region(job->conn, job->args->addr, job->args->size, e);
}

static int cli_run_read(struct cli_job *job, struct mf_error *e)
{
    const struct cli_args *a = job->args;
    uint32_t flash = conn_board(job->conn)->flash_size, size = a->size;
    uint8_t *buf = NULL;
    int rc = MF_OK;
    if (a->size_all && flash == 0) {
        rc = mf_err_set(e, MF_ERR_ARG,
                        "The flash size could not be detected, so SIZE cannot be ALL: give the "
                        "size in bytes, e.g. read_flash 0 0x100000 %s.",
                        a->file);
    } else if (a->size_all && a->addr >= flash) {
        rc = mf_err_set(e, MF_ERR_ARG, "0x%X is beyond the end of the %u KiB flash.",
                        (unsigned)a->addr, (unsigned)(flash >> 10));
    } else if (a->size_all) {
        size = flash - a->addr;
    }
    if (rc == MF_OK) {
        buf = malloc(size);
        rc = buf != NULL ? MF_OK
                         : mf_err_set(e, MF_ERR_NO_MEMORY, "Out of memory for %u bytes.",
                                      (unsigned)size);
    }
    if (rc == MF_OK) {
        rc = flasher_read(job->conn, a->addr, size, buf, e);
    }
    if (rc == MF_OK) {
        rc = cli_file_write(a->file, buf, size, e);
    }
    job->result.file = a->file;
    job->result.has_bytes = true;
    job->result.bytes = size;
    free(buf);
    return rc;
}

/* FLASH_BEGIN(0, 0) + FLASH_END: the loader starts the firmware ("Soft resetting..."). */
static int cli_run_run(struct cli_job *job, struct mf_error *e)
{
    return flasher_after(job->conn, FLASHER_AFTER_SOFT_RESET, e);
}

/* ---- Commands without a board ---- */

static int cli_run_image_info(struct cli_job *job, struct mf_error *e)
{
    const char *file = job->args->file;
    struct image_info *info = &job->infos[0];
    size_t size = 0;
    int rc = cli_file_read(file, CHIP_FLASH_SIZE_MAX, &job->data[0], &size, e);
    if (rc == MF_OK && image_inspect(job->data[0], size, info, e) != MF_OK) {
        rc = mf_err_prepend(e, "%s: ", file);
    }
    if (rc == MF_OK && job->out->json) {
        cli_out_image(job->out, file, false, 0, info);
    } else if (rc == MF_OK) {
        char text[CLI_LIST_MAX];
        size_t fmt = (size_t)info->format;
        image_describe(info, text, sizeof text);
        cli_out_info(job->out, "File: %s", file);
        cli_out_info(job->out, "Image: %s", text);
        cli_out_info(job->out, "Format: %s",
                     fmt < sizeof CLI_FORMAT_TEXT / sizeof CLI_FORMAT_TEXT[0] ? CLI_FORMAT_TEXT[fmt]
                                                                              : "unknown");
        cli_out_info(job->out, "Size: %zu bytes", info->size);
        if (info->format != IMAGE_FORMAT_RAW) {
            image_describe_header(info, text, sizeof text);
            cli_out_info(job->out, "Entry point: 0x%08x", (unsigned)info->entry);
            cli_out_info(job->out, "Segments: %u", info->segments);
            cli_out_info(job->out, "Flash settings in the header: %s", text);
        }
        if (info->micropython) {
            cli_out_info(job->out, "MicroPython: %s, MD5 check %s",
                         info->firmware[0] != '\0' ? info->firmware : "version not found",
                         info->md5_checked ? "passed" : "not made");
        } else if (info->firmware[0] != '\0') {
            cli_out_info(job->out, "Firmware: %s", info->firmware);
        }
    }
    if (rc == MF_OK && info->notes[0] != '\0') {
        cli_out_warn(job->out, "%s", info->notes);
    }
    return rc;
}

static int cli_run_list_ports(struct cli_job *job, struct mf_error *e)
{
    struct port_info *list = NULL;
    struct port_error pe;
    size_t count = 0;
    int rc = MF_OK;
    if (port_list(&list, &count, &pe) != PORT_OK) {
        rc = mf_err_set(e, MF_ERR_IO, "The serial ports could not be listed: %s", pe.message);
        count = 0;
    }
    for (size_t i = 0; i < count; i++) {
        cli_out_port(job->out, &list[i]);
    }
    if (rc == MF_OK && count == 0 && !job->out->json) {
        cli_out_info(job->out, "No serial ports found.");
    }
    port_list_free(list);
    return rc;
}

/* ---- MicroPython (cli_mpy.c): the port as it is, no loader ---- */

static int cli_run_fs(struct cli_job *job, struct mf_error *e)
{
    int rc = cli_job_resolve_port(job, e);
    return rc == MF_OK ? cli_mpy_fs(job->args, job->port, job->out, &job->result, e) : rc;
}

static int cli_run_repl(struct cli_job *job, struct mf_error *e)
{
    int rc = cli_job_resolve_port(job, e);
    return rc == MF_OK ? cli_mpy_repl(job->args, job->port, job->out, e) : rc;
}

/* ---- The job ---- */

static const struct cli_handler CLI_HANDLERS[] = {
        {CLI_CMD_CHIP_ID, NULL, cli_run_chip_id, true},
        {CLI_CMD_READ_MAC, NULL, cli_run_read_mac, true},
        {CLI_CMD_FLASH_ID, NULL, cli_run_flash_id, true},
        {CLI_CMD_WRITE_FLASH, cli_prepare_write, cli_run_write, true},
        {CLI_CMD_ERASE_FLASH, NULL, cli_run_erase_flash, true},
        {CLI_CMD_ERASE_REGION, NULL, cli_run_erase_region, true},
        {CLI_CMD_READ_FLASH, NULL, cli_run_read, true},
        {CLI_CMD_VERIFY_FLASH, cli_prepare_verify, cli_run_verify, true},
        {CLI_CMD_IMAGE_INFO, NULL, cli_run_image_info, false},
        {CLI_CMD_RUN, NULL, cli_run_run, false},
        {CLI_CMD_LIST_PORTS, NULL, cli_run_list_ports, false},
        {CLI_CMD_FS, NULL, cli_run_fs, false},
        {CLI_CMD_REPL, NULL, cli_run_repl, false},
};

static const struct cli_handler *cli_handler_find(enum cli_cmd_id id)
{
    const struct cli_handler *found = NULL;
    for (size_t i = 0; i < sizeof CLI_HANDLERS / sizeof CLI_HANDLERS[0] && found == NULL; i++) {
        if (CLI_HANDLERS[i].id == id) {
            found = &CLI_HANDLERS[i];
        }
    }
    return found;
}

/* A stopped write or erase leaves the flash half done: say so when the engine did not. */
static void cli_job_explain_cancel(const struct cli_job *job, struct mf_error *e)
{
    enum cli_cmd_id id = job->args->command->id;
    bool changes_flash =
            id == CLI_CMD_WRITE_FLASH || id == CLI_CMD_ERASE_FLASH || id == CLI_CMD_ERASE_REGION;
    if (e->code == MF_ERR_CANCELLED && changes_flash && job->conn != NULL &&
        strstr(e->message, CLI_INCOMPLETE) == NULL) {
        mf_err_append(e, "The flash is incomplete: run the command again before using the "
                         "board.");
    }
}

int cli_cmds_run(const struct cli_args *args, struct cli_out *out, struct mf_error *e)
{
    struct cli_job *job = calloc(1, sizeof *job);
    const struct cli_handler *h = cli_handler_find(args->command->id);
    int rc = MF_OK;
    mf_err_clear(e);
    if (job == NULL || h == NULL) {
        rc = mf_err_set(e, job == NULL ? MF_ERR_NO_MEMORY : MF_ERR_ARG,
                        "mflash cannot run %s (out of memory or not built in).",
                        args->command->name);
        goto cleanup;
    }
    job->args = args;
    job->out = out;
    atomic_init(&job->cancel, false);
    job->hooks.log = cli_hook_log;
    job->hooks.progress = cli_hook_progress;
    job->hooks.cancel = &job->cancel;
    job->hooks.ctx = job;
    job->start_ms = port_clock_ms();
    if (h->prepare != NULL) {
        rc = h->prepare(job, e);
    }
    bool loader =
            args->command->board == CLI_BOARD_LOADER || args->command->board == CLI_BOARD_STUB;
    if (rc == MF_OK && loader) {
        rc = cli_job_connect(job, e);
    }
    if (rc == MF_OK) {
        rc = h->run(job, e);
    }
    if (rc == MF_OK && loader && h->after) {
        rc = cli_job_after(job, e);
    }
    if (rc == MF_OK) {
        job->result.command = args->command->name;
        job->result.elapsed_ms = (uint32_t)(port_clock_ms() - job->start_ms);
        cli_out_result(out, &job->result);
    } else {
        cli_job_explain_cancel(job, e);
    }
    conn_close(job->conn);
    for (size_t i = 0; i < CLI_FILES_MAX; i++) {
        free(job->data[i]);
    }
cleanup:
    free(job);
    return rc;
}
