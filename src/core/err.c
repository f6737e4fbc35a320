/* SPDX-License-Identifier: MIT */
/* Error codes of the engine: the code → text/id table and helpers that fill the detail struct
 * (command, status bytes, OS error, a sentence for a person). */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct mf_err_entry {
    int code;
    const char *id;
    const char *text;
};

/* DESIGN.md "Errors and logs": fixed meanings, never renumbered. */
static const struct mf_err_entry MF_ERR_TABLE[] = {
        {MF_OK, "ok", "success"},
        {MF_ERR_ARG, "argument", "invalid argument"},
        {MF_ERR_IO, "io", "input/output error"},
        {MF_ERR_TIMEOUT, "timeout", "timed out"},
        {MF_ERR_PROTOCOL, "protocol", "protocol error"},
        {MF_ERR_DEVICE, "device", "the board reported a failure"},
        {MF_ERR_IMAGE, "image", "unusable firmware file"},
        {MF_ERR_CANCELLED, "cancelled", "cancelled"},
        {MF_ERR_UNSUPPORTED, "unsupported", "not supported"},
        {MF_ERR_NO_MEMORY, "no-memory", "out of memory"},
        {MF_ERR_PORT_NOT_FOUND, "port-not-found", "serial port not found"},
        {MF_ERR_PORT_BUSY, "port-busy", "serial port in use by another program"},
        {MF_ERR_PORT_ACCESS, "port-access", "access to the serial port denied"},
        {MF_ERR_PORT_GONE, "port-gone", "serial port disappeared"},
        {MF_ERR_NO_DATA, "no-data", "no data from the board"},
        {MF_ERR_NOT_DOWNLOAD_MODE, "not-download-mode", "the board is not in download mode"},
        {MF_ERR_NO_SYNC, "no-sync", "no sync with the boot loader"},
        {MF_ERR_WRONG_CHIP, "wrong-chip", "the chip is not an ESP8266"},
        {MF_ERR_VERIFY, "verify", "flash contents differ from the file"},
        {MF_ERR_BOARD_CRASHED, "board-crashed", "the program on the board crashed"},
        {MF_ERR_FLASH_NOT_FOUND, "flash-not-found", "the flash chip does not answer"},
        {MF_ERR_STUB_FAILED, "stub-failed", "the flasher stub did not start"},
        {MF_ERR_NO_REPL, "no-repl", "no MicroPython REPL answered"},
        {MF_ERR_NO_FILE, "no-file", "no such file or folder on the board"},
};

static const struct mf_err_entry *mf_err_find(int code)
{
    const struct mf_err_entry *found = NULL;
    for (size_t i = 0; i < sizeof MF_ERR_TABLE / sizeof MF_ERR_TABLE[0]; i++) {
        if (MF_ERR_TABLE[i].code == code) {
            found = &MF_ERR_TABLE[i];
            break;
        }
    }
    return found;
}

const char *mf_err_text(int code)
{
    const struct mf_err_entry *entry = mf_err_find(code);
    return entry != NULL ? entry->text : "unknown error";
}

const char *mf_err_id(int code)
{
    const struct mf_err_entry *entry = mf_err_find(code);
    return entry != NULL ? entry->id : "unknown";
}

void mf_err_clear(struct mf_error *e)
{
    if (e != NULL) {
        memset(e, 0, sizeof *e);
        e->code = MF_OK;
    }
}

int mf_err_set(struct mf_error *e, int code, const char *fmt, ...)
{
    if (e != NULL) {
        va_list ap;
        e->code = code;
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof e->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

int mf_err_append(struct mf_error *e, const char *fmt, ...)
{
    int code = MF_OK;
    if (e != NULL) {
        const char *nul = memchr(e->message, '\0', sizeof e->message);
        size_t len = nul != NULL ? (size_t)(nul - e->message) : sizeof e->message - 1;
        if (len > 0 && len + 1 < sizeof e->message) {
            e->message[len++] = ' ';
            e->message[len] = '\0';
        }
        if (len + 1 < sizeof e->message) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(e->message + len, sizeof e->message - len, fmt, ap);
            va_end(ap);
        }
        code = e->code;
    }
    return code;
}

int mf_err_prepend(struct mf_error *e, const char *fmt, ...)
{
    int code = MF_OK;
    if (e != NULL) {
        char old[MF_ERR_MESSAGE_MAX];
        va_list ap;
        memcpy(old, e->message, sizeof old);
        old[sizeof old - 1] = '\0';
        va_start(ap, fmt);
        int n = vsnprintf(e->message, sizeof e->message, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < sizeof e->message) {
            snprintf(e->message + n, sizeof e->message - (size_t)n, "%s", old);
        }
        code = e->code;
    }
    return code;
}

void mf_err_set_command(struct mf_error *e, uint8_t opcode, const char *name)
{
    if (e != NULL) {
        e->has_command = true;
        e->opcode = opcode;
        e->command = name;
    }
}

void mf_err_set_status(struct mf_error *e, uint8_t s0, uint8_t s1, uint8_t error_code)
{
    if (e != NULL) {
        e->has_status = true;
        e->status[0] = s0;
        e->status[1] = s1;
        e->error_code = error_code;
    }
}

void mf_err_set_os(struct mf_error *e, int port_status, int os_error)
{
    if (e != NULL) {
        e->port_status = port_status;
        e->os_error = os_error;
    }
}
