/* SPDX-License-Identifier: MIT */
/* The flash job on its own thread: reads and checks the files, connects, writes (or rewrites
 * only the header sector), and reports by posting WM_MF_* messages, ending with one WM_MF_DONE. */
#include "worker.h"

#include "port.h"
#include "utf.h"
#include "winmsg.h"

#include <process.h>

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORKER_FILE_MAX        CHIP_FLASH_SIZE_MAX
#define WORKER_PROGRESS_GAP_MS 250u /* rate, time left and countdown: at most this often */
#define WORKER_HEADER_SECTOR   CHIP_SECTOR_SIZE
#define WORKER_MANUAL_WAIT_MS  60000u /* the "hold FLASH, tap RESET" prompt lasts this long */
#define WORKER_DESCRIBE_MAX    160u
#define WORKER_SIZE_TEXT_MAX   32u
#define WORKER_MAC_TEXT_MAX    24u
#define WORKER_BYTES_PER_KB    1024u
#define WORKER_BYTES_PER_MB    (1024u * 1024u)
#define WORKER_UNKNOWN_VENDOR  "unknown maker"
#define WORKER_UNKNOWN_CHIP    "ESP8266"

struct worker {
    struct worker_request req;
    HWND notify;
    HANDLE thread;
    atomic_bool cancel;
    struct mf_hooks hooks;
    uint64_t start_ms;
    /* what the window was last told about progress */
    bool progress_posted;
    enum mf_stage last_stage;
    uint32_t last_overall;
    uint64_t last_done;
    uint64_t last_progress_ms;
    char last_label[WINMSG_TEXT_MAX];
    struct winmsg_done *done; /* allocated up front, so the job can always report its end */
    /* the files as read */
    uint8_t *data[WORKER_FILES_MAX];
    struct flasher_file files[WORKER_FILES_MAX];
    struct image_info infos[WORKER_FILES_MAX];
    size_t nfiles;
};

void worker_request_default(struct worker_request *r)
{
    memset(r, 0, sizeof *r);
    r->kind = WORKER_FLASH;
    r->erase_all = true;
    r->params.mode = IMAGE_KEEP;
    r->params.freq = IMAGE_KEEP;
    r->params.size = IMAGE_KEEP;
    r->before = CONN_BEFORE_DEFAULT_RESET;
    r->after = FLASHER_AFTER_HARD_RESET;
    r->manual_wait_ms = WORKER_MANUAL_WAIT_MS;
}

/* ---- Posting ---- */

/* Posts msg with a heap payload; frees it when the window is gone. */
static void worker_post(const struct worker *w, UINT msg, void *payload)
{
    if (!PostMessageW(w->notify, msg, 0, (LPARAM)payload)) {
        free(payload);
    }
}

static void worker_post_log(const struct worker *w, enum mf_log_level level, const char *text)
{
    struct winmsg_log *m = calloc(1, sizeof *m);
    if (m != NULL) {
        m->level = level;
        m->time_ms = port_clock_ms();
        snprintf(m->text, sizeof m->text, "%s", text);
        worker_post(w, WM_MF_LOG, m);
    }
}

static void worker_logf(const struct worker *w, enum mf_log_level level, const char *fmt, ...)
#if defined(__MINGW32__)
        __attribute__((format(gnu_printf, 3, 4)))
#endif
        ;

static void worker_logf(const struct worker *w, enum mf_log_level level, const char *fmt, ...)
{
    char text[WINMSG_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    worker_post_log(w, level, text);
}

/* ---- Hooks (on the job's thread) ---- */

static void worker_hook_log(void *ctx, enum mf_log_level level, const char *text)
{
    if (level != MF_LOG_TRACE) {
        worker_post_log(ctx, level, text);
    }
}

/* Only what the window would show differently: a new stage or label, another per mille, the end
 * of a stage, or (rate, time left, the manual-boot countdown) at most every 250 ms. */
static bool worker_progress_due(const struct worker *w, const struct mf_progress *p,
                                const char *label, uint64_t now)
{
    if (!w->progress_posted || p->stage != w->last_stage || p->overall != w->last_overall ||
        strcmp(label, w->last_label) != 0) {
        return true;
    }
    if (p->total > 0 && p->done >= p->total && w->last_done != p->done) {
        return true;
    }
    return now - w->last_progress_ms >= WORKER_PROGRESS_GAP_MS && p->done != w->last_done;
}

static void worker_hook_progress(void *ctx, const struct mf_progress *p)
{
    struct worker *w = ctx;
    const char *label = p->label != NULL ? p->label : "";
    uint64_t now = port_clock_ms();
    struct winmsg_progress *m = worker_progress_due(w, p, label, now) ? calloc(1, sizeof *m) : NULL;
    if (m != NULL) {
        m->stage = p->stage;
        m->overall = p->overall;
        m->done = p->done;
        m->total = p->total;
        m->rate = p->rate;
        m->eta_ms = p->eta_ms;
        snprintf(m->label, sizeof m->label, "%s", label);
        w->progress_posted = true;
        w->last_stage = p->stage;
        w->last_overall = p->overall;
        w->last_done = p->done;
        w->last_progress_ms = now;
        snprintf(w->last_label, sizeof w->last_label, "%s", label);
        worker_post(w, WM_MF_PROGRESS, m);
    }
}

/* ---- Files ---- */

static const char *worker_base_name(const char *path)
{
    const char *base = path;
    for (const char *p = path; *p != '\0'; p++) {
        if (*p == '\\' || *p == '/') {
            base = p + 1;
        }
    }
    return base;
}

static void worker_log_image(const struct worker *w, const struct flasher_file *f,
                             const struct image_info *info)
{
    char text[WORKER_DESCRIBE_MAX];
    char header[WORKER_DESCRIBE_MAX];
    image_describe(info, text, sizeof text);
    image_describe_header(info, header, sizeof header);
    worker_logf(w, MF_LOG_INFO, "%s at 0x%08X: %s%s%s%s", f->name, (unsigned)f->offset, text,
                header[0] != '\0' ? " (" : "", header, header[0] != '\0' ? ")" : "");
    if (info->notes[0] != '\0') {
        worker_logf(w, MF_LOG_WARN, "%s: %s", f->name, info->notes);
    }
}

/* Reads the files of the job (WORKER_HEADER: only the one at 0x0) and checks them. */
static int worker_load_files(struct worker *w, struct mf_error *e)
{
    const struct worker_request *r = &w->req;
    int rc = MF_OK;
    for (size_t i = 0; i < r->nfiles && rc == MF_OK; i++) {
        if (r->kind == WORKER_HEADER && r->files[i].offset != 0) {
            continue;
        }
        size_t n = w->nfiles, size = 0;
        rc = utf_read_file(r->files[i].path, WORKER_FILE_MAX, &w->data[n], &size, e);
        w->files[n].name = worker_base_name(r->files[i].path);
        w->files[n].offset = r->files[i].offset;
        w->files[n].data = w->data[n];
        w->files[n].size = size;
        w->nfiles = n + 1;
    }
    if (rc == MF_OK && w->nfiles == 0) {
        rc = mf_err_set(e, MF_ERR_IMAGE,
                        r->kind == WORKER_HEADER
                                ? "No firmware file is placed at 0x0, so there is no header to "
                                  "change. Choose the firmware .bin file and flash it at 0x0."
                                : "No firmware file was chosen. Choose a .bin file first.");
    }
    if (rc == MF_OK) {
        rc = flasher_check_files(w->files, w->nfiles, 0, false, w->infos, e);
    }
    if (rc == MF_OK && r->kind == WORKER_HEADER && w->infos[0].format != IMAGE_FORMAT_V1) {
        rc = mf_err_set(e, MF_ERR_IMAGE,
                        "%s is not a version 1 ESP8266 image, so its flash mode cannot be "
                        "changed in the header. Flash it again with \"Erase all flash\" ticked, "
                        "or use a firmware built for this board's flash mode.",
                        w->files[0].name);
    }
    for (size_t i = 0; i < w->nfiles && rc == MF_OK; i++) {
        worker_log_image(w, &w->files[i], &w->infos[i]);
    }
    return rc;
}

/* ---- The board ---- */

static int worker_connect(struct worker *w, struct conn **out, struct mf_error *e)
{
    const struct worker_request *r = &w->req;
    struct conn_options o;
    char adapter[CONN_ADAPTER_MAX] = "";
    conn_options_default(&o);
    o.baud = CHIP_ROM_BAUD;
    o.before = r->before;
    o.manual_wait_ms = r->manual_wait_ms;
    o.use_stub = true;
    o.stub_baud = r->baud != 0 ? r->baud : CONN_BAUD_AUTO;
    o.baud_limit = r->baud_limit;
    if (o.stub_baud == CONN_BAUD_AUTO) {
        o.bridge = conn_adapter(r->port, adapter, sizeof adapter);
        o.bridge_known = true;
        if (adapter[0] != '\0') {
            worker_logf(w, MF_LOG_DEBUG, "USB adapter: %s", adapter);
        }
    }
    return conn_open(r->port, &o, &w->hooks, out, e);
}

static void worker_format_flash(uint32_t bytes, char *out, size_t max)
{
    if (bytes == 0) {
        snprintf(out, max, "unknown size");
    } else if (bytes >= WORKER_BYTES_PER_MB) {
        snprintf(out, max, "%u MB", (unsigned)(bytes / WORKER_BYTES_PER_MB));
    } else {
        snprintf(out, max, "%u KB", (unsigned)(bytes / WORKER_BYTES_PER_KB));
    }
}

/* "ESP8266EX, MAC 18:fe:34:12:34:56, 4 MB flash (Winbond)". */
static void worker_post_board(const struct worker *w, const struct conn_board *b)
{
    struct winmsg_board *m = calloc(1, sizeof *m);
    char mac[WORKER_MAC_TEXT_MAX] = "unknown";
    char size[WORKER_SIZE_TEXT_MAX];
    if (b->chip.mac_valid) {
        snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", b->chip.mac[0], b->chip.mac[1],
                 b->chip.mac[2], b->chip.mac[3], b->chip.mac[4], b->chip.mac[5]);
    }
    worker_format_flash(b->flash_size, size, sizeof size);
    if (m != NULL) {
        snprintf(m->line, sizeof m->line, "%s, MAC %s, %s flash (%s)",
                 b->chip.name != NULL ? b->chip.name : WORKER_UNKNOWN_CHIP, mac, size,
                 b->flash.vendor != NULL ? b->flash.vendor : WORKER_UNKNOWN_VENDOR);
        m->esp8285 = b->chip.esp8285;
        m->flash_size = b->flash_size;
        m->baud = b->baud;
        worker_post(w, WM_MF_BOARD, m);
    }
}

/* The hard reset is left to the window's terminal session (it holds GPIO0 high and shows the
 * boot lines from the start): reset_done stays false and the board stays in the stub. Every other
 * after-action runs here; reset_done is true after a soft reset (the firmware runs already). */
static int worker_after(struct worker *w, struct conn *c, bool *reset_done, struct mf_error *e)
{
    int rc = MF_OK;
    if (w->req.after != FLASHER_AFTER_HARD_RESET) {
        rc = flasher_after(c, w->req.after, e);
        *reset_done = rc == MF_OK && w->req.after == FLASHER_AFTER_SOFT_RESET;
    }
    return rc;
}

static int worker_run_flash(struct worker *w, struct conn *c, struct winmsg_done *d,
                            struct mf_error *e)
{
    struct flasher_write_options wo;
    struct flasher_write_result res;
    memset(&res, 0, sizeof res);
    flasher_write_options_default(&wo);
    wo.erase_all = w->req.erase_all;
    wo.params = w->req.params;
    int rc = flasher_write(c, w->files, w->nfiles, &wo, &res, e); /* logs the header patch */
    d->verified = res.verified;
    d->bytes = res.bytes;
    return rc;
}

/* Rewrites only the first sector of the image at 0x0 with the requested flash mode. */
static int worker_run_header(struct worker *w, struct conn *c, struct winmsg_done *d,
                             struct mf_error *e)
{
    const struct conn_board *b = conn_board(c);
    const struct flasher_file *src = &w->files[0];
    struct image_board board = {b->chip.esp8285, b->flash_size};
    struct image_patch patch;
    struct flasher_write_options wo;
    struct flasher_write_result res;
    size_t size = src->size < WORKER_HEADER_SECTOR ? src->size : WORKER_HEADER_SECTOR;
    uint8_t *copy = malloc(src->size);
    int rc = MF_OK;
    memset(&patch, 0, sizeof patch);
    memset(&res, 0, sizeof res);
    if (copy == NULL) {
        rc = mf_err_set(e, MF_ERR_NO_MEMORY, "Out of memory while preparing %s.", src->name);
    } else {
        memcpy(copy, src->data, src->size);
        rc = image_patch_header(copy, src->size, 0, &w->infos[0], &w->req.params, &board, &patch,
                                e);
    }
    if (rc == MF_OK) {
        worker_logf(w, MF_LOG_INFO, "%s",
                    patch.message[0] != '\0' ? patch.message : "The header is unchanged.");
        /* The copy is patched and cut to one sector: the image checks would refuse it. */
        struct flasher_file sector = {src->name, 0, copy, size};
        flasher_write_options_default(&wo);
        wo.force = true;
        rc = flasher_write(c, &sector, 1, &wo, &res, e);
        d->verified = res.verified;
        d->bytes = res.bytes;
    }
    free(copy);
    return rc;
}

/* ---- The thread ---- */

static int worker_job(struct worker *w, struct winmsg_done *d, struct mf_error *e)
{
    struct conn *c = NULL;
    int rc = worker_load_files(w, e);
    if (rc == MF_OK && atomic_load(&w->cancel)) {
        rc = mf_err_set(e, MF_ERR_CANCELLED, "Cancelled before the board was touched.");
    }
    if (rc == MF_OK) {
        rc = worker_connect(w, &c, e);
    }
    if (rc == MF_OK) {
        worker_post_board(w, conn_board(c));
        rc = w->req.kind == WORKER_HEADER ? worker_run_header(w, c, d, e)
                                          : worker_run_flash(w, c, d, e);
    }
    if (rc == MF_OK) {
        rc = worker_after(w, c, &d->reset_done, e);
    }
    conn_close(c); /* the port is free before the window hears of the end */
    return rc;
}

static unsigned __stdcall worker_thread(void *arg)
{
    struct worker *w = arg;
    struct winmsg_done *d = w->done;
    struct mf_error e;
    mf_err_clear(&e);
    w->start_ms = port_clock_ms();
    w->hooks.log = worker_hook_log;
    w->hooks.progress = worker_hook_progress;
    w->hooks.cancel = &w->cancel;
    w->hooks.ctx = w;
    d->rc = worker_job(w, d, &e);
    d->error = e;
    d->elapsed_ms = (uint32_t)(port_clock_ms() - w->start_ms);
    w->done = NULL; /* the window owns it now */
    worker_post(w, WM_MF_DONE, d);
    return 0;
}

/* ---- Public ---- */

static void worker_release(struct worker *w)
{
    for (size_t i = 0; i < WORKER_FILES_MAX; i++) {
        free(w->data[i]);
    }
    free(w->done);
    free(w);
}

int worker_start(const struct worker_request *req, HWND notify, struct worker **out,
                 struct mf_error *e)
{
    struct worker *w = NULL;
    int rc = MF_OK;
    *out = NULL;
    if (req->nfiles > WORKER_FILES_MAX || req->port[0] == '\0') {
        rc = mf_err_set(e, MF_ERR_ARG,
                        req->port[0] == '\0' ? "No port was chosen. Choose the board's port."
                                             : "Too many files for one job.");
    }
    if (rc == MF_OK) {
        w = calloc(1, sizeof *w);
        if (w != NULL) {
            w->done = calloc(1, sizeof *w->done);
        }
        if (w == NULL || w->done == NULL) {
            rc = mf_err_set(e, MF_ERR_NO_MEMORY, "Out of memory: the job could not start.");
        }
    }
    if (rc == MF_OK) {
        w->req = *req;
        w->req.port[WORKER_PORT_MAX - 1] = '\0';
        for (size_t i = 0; i < w->req.nfiles; i++) {
            w->req.files[i].path[WORKER_PATH_MAX - 1] = '\0';
        }
        w->notify = notify;
        atomic_init(&w->cancel, false);
        uintptr_t h = _beginthreadex(NULL, 0, worker_thread, w, 0, NULL);
        if (h == 0) {
            rc = mf_err_set(e, MF_ERR_NO_MEMORY, "The job's thread could not start (%s).",
                            strerror(errno));
        } else {
            w->thread = (HANDLE)h;
        }
    }
    if (rc == MF_OK) {
        *out = w;
    } else if (w != NULL) {
        worker_release(w);
    }
    return rc;
}

void worker_cancel(struct worker *w)
{
    if (w != NULL) {
        atomic_store(&w->cancel, true);
    }
}

void worker_free(struct worker *w)
{
    if (w != NULL) {
        WaitForSingleObject(w->thread, INFINITE);
        CloseHandle(w->thread);
        worker_release(w);
    }
}
