/* SPDX-License-Identifier: MIT */
/* The local serial backend on the Win32 comm API: overlapped I/O so a reader thread and a writer
 * thread can share a COM port; DTR/RTS, purge, drain, and errors a person can act on. */
#include "port_impl.h"
#include "port_win32.h"

#include <windows.h>

#include <stdlib.h>
#include <string.h>

/* Driver queue sizes asked for at open; a driver may ignore them (usbser does). A large input
 * queue keeps a 2 Mbaud stream safe while the reader thread is busy. */
#define PORT_WIN32_QUEUE_IN  65536u
#define PORT_WIN32_QUEUE_OUT 16384u

/* ReadFile / WriteFile take a DWORD count; larger requests are split. */
#define PORT_WIN32_IO_CHUNK_MAX (1u << 30)

/* port_drain polls the driver's output queue this often. */
#define PORT_WIN32_DRAIN_POLL_MS 1u

/* The longest a read of bytes the driver already holds may wait (see port_win32_read_queued). */
#define PORT_WIN32_READY_WAIT_MS 50u

/* One open per port, as Windows' serial drivers enforce, also where the OS does not (Wine). */
#define PORT_WIN32_LOCK_PREFIX L"Local\\MicroFlash.port."

#define PORT_WIN32_DEVICE_PREFIX  "\\\\.\\"
#define PORT_WIN32_DEVICE_MAX     PORT_NAME_MAX
#define PORT_WIN32_ERROR_TEXT_MAX 160

struct port_win32 {
    struct port base;
    HANDLE handle;
    HANDLE lock;              /* the named mutex that marks the port as open */
    HANDLE read_event;        /* manual-reset events of the reader's and the writer's OVERLAPPED */
    HANDLE write_event;       /* (a handle's two directions must not share one) */
    CRITICAL_SECTION control; /* set_lines and set_baud: the line state and the DCB agree */
    bool dtr;                 /* asserted as last set */
    bool rts;
    volatile LONG output_flushes; /* tells a write discarded by port_flush from a lost device */
};

/* Errors that mean the device is gone: the USB adapter was unplugged or its driver stopped
 * (usbser, CH341SER, CP210x and FTDI report different ones), or, under Wine, the pty hung up. */
static const DWORD PORT_WIN32_GONE_ERRORS[] = {
        ERROR_DEVICE_NOT_CONNECTED, ERROR_BAD_COMMAND,       ERROR_GEN_FAILURE,
        ERROR_ACCESS_DENIED,        ERROR_DEVICE_REMOVED,    ERROR_DEV_NOT_EXIST,
        ERROR_FILE_NOT_FOUND,       ERROR_NOT_READY,         ERROR_BROKEN_PIPE,
        ERROR_HANDLE_EOF,           ERROR_OPERATION_ABORTED, ERROR_INVALID_HANDLE_STATE,
};

static uint64_t port_win32_now_ms(void)
{
    LARGE_INTEGER freq;
    LARGE_INTEGER count;
    QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&count);
    return (uint64_t)(count.QuadPart / (freq.QuadPart / 1000));
}

static DWORD port_win32_left_ms(uint64_t deadline)
{
    uint64_t now = port_win32_now_ms();
    if (now >= deadline) {
        return 0;
    }
    uint64_t left = deadline - now;
    return left >= (uint64_t)INFINITE ? INFINITE - 1u : (DWORD)left;
}

void port_win32_to_utf8(const wchar_t *text, char *out, size_t out_size)
{
    if (out_size == 0) {
        return;
    }
    out[0] = '\0';
    if (text == NULL) {
        return;
    }
    int need = WideCharToMultiByte(CP_UTF8, 0, text, -1, NULL, 0, NULL, NULL);
    if (need <= 0) {
        return;
    }
    char *whole = malloc((size_t)need);
    if (whole == NULL) {
        return;
    }
    WideCharToMultiByte(CP_UTF8, 0, text, -1, whole, need, NULL, NULL);
    size_t len = strlen(whole);
    if (len >= out_size) {
        /* Cut before a continuation byte so no character is split. */
        len = out_size - 1;
        while (len > 0 && ((unsigned char)whole[len] & 0xC0u) == 0x80u) {
            len--;
        }
    }
    memcpy(out, whole, len);
    out[len] = '\0';
    free(whole);
}

/* Windows' text for an error code, without the trailing period and line break. */
static void port_win32_error_text(DWORD code, char *out, size_t out_size)
{
    wchar_t text[PORT_WIN32_ERROR_TEXT_MAX];
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code,
                             0, text, PORT_WIN32_ERROR_TEXT_MAX, NULL);
    while (n > 0 && (text[n - 1] == L'\r' || text[n - 1] == L'\n' || text[n - 1] == L' ' ||
                     text[n - 1] == L'.')) {
        n--;
    }
    if (n == 0) {
        port_copy_text(out, out_size, "unknown error");
        return;
    }
    text[n] = L'\0';
    port_win32_to_utf8(text, out, out_size);
}

static bool port_win32_is_gone_error(DWORD code)
{
    for (size_t i = 0; i < sizeof PORT_WIN32_GONE_ERRORS / sizeof PORT_WIN32_GONE_ERRORS[0]; i++) {
        if (PORT_WIN32_GONE_ERRORS[i] == code) {
            return true;
        }
    }
    return false;
}

static int port_win32_fail_gone(const struct port_win32 *p, DWORD code, struct port_error *err)
{
    return port_fail(err, PORT_ERR_GONE, (int)code,
                     "%s no longer exists \xE2\x80\x94 was the board unplugged? Plug it in "
                     "again and open the port again.",
                     p->base.name);
}

/* A failure of `what` ("reading", "setting DTR") on an open port. */
static int port_win32_fail_io(const struct port_win32 *p, const char *what, DWORD code,
                              struct port_error *err)
{
    if (port_win32_is_gone_error(code)) {
        return port_win32_fail_gone(p, code, err);
    }
    char text[PORT_WIN32_ERROR_TEXT_MAX];
    port_win32_error_text(code, text, sizeof text);
    return port_fail(err, PORT_ERR_IO, (int)code,
                     "%s: %s failed: %s (Windows error %lu). Unplug the board, plug it in again "
                     "and retry.",
                     p->base.name, what, text, (unsigned long)code);
}

/* After a write timed out: a driver whose device vanished may leave the write pending instead of
 * failing it (Wine on a hung-up pty does), so ask the driver whether the port is still there. */
static bool port_win32_probe_gone(const struct port_win32 *p, DWORD *code)
{
    DWORD errors = 0;
    COMSTAT stat;
    if (ClearCommError(p->handle, &errors, &stat)) {
        return false;
    }
    *code = GetLastError();
    return port_win32_is_gone_error(*code);
}

/* Waits up to wait_ms for an overlapped operation, cancels it when the time is up, and reports
 * the bytes it moved. Returns 0 or the Windows error; *cancelled says whether we cancelled it
 * (an operation cancelled by us reports ERROR_OPERATION_ABORTED, which is no error here). */
static DWORD port_win32_finish(HANDLE handle, OVERLAPPED *ov, DWORD wait_ms, DWORD *moved,
                               bool *cancelled)
{
    DWORD code = 0;
    *cancelled = false;
    *moved = 0;
    if (WaitForSingleObject(ov->hEvent, wait_ms) != WAIT_OBJECT_0) {
        /* ERROR_NOT_FOUND here means it completed meanwhile: the result below says how. */
        CancelIoEx(handle, ov);
        *cancelled = true;
    }
    if (!GetOverlappedResult(handle, ov, moved, TRUE)) {
        code = GetLastError();
        if (code == ERROR_OPERATION_ABORTED && *cancelled) {
            code = 0;
        }
    } else {
        *cancelled = false;
    }
    return code;
}

/* One ReadFile of `want` bytes, waiting at most wait_ms. */
static int port_win32_read_once(struct port_win32 *p, uint8_t *buf, DWORD want, DWORD wait_ms,
                                DWORD *moved, struct port_error *err)
{
    OVERLAPPED ov;
    bool cancelled = false;
    DWORD code = 0;
    memset(&ov, 0, sizeof ov);
    ov.hEvent = p->read_event;
    *moved = 0;
    if (!ReadFile(p->handle, buf, want, NULL, &ov)) {
        code = GetLastError();
        if (code != ERROR_IO_PENDING) {
            return port_win32_fail_io(p, "reading", code, err);
        }
    }
    code = port_win32_finish(p->handle, &ov, wait_ms, moved, &cancelled);
    if (code != 0) {
        return port_win32_fail_io(p, "reading", code, err);
    }
    return PORT_OK;
}

/* Reads what the driver holds right now (at most `limit` bytes); nothing there is no error. Such
 * a read completes at once, unless a flush emptied the queue in between: wait_ms bounds that. */
static int port_win32_read_queued(struct port_win32 *p, uint8_t *buf, size_t limit, DWORD wait_ms,
                                  DWORD *moved, struct port_error *err)
{
    DWORD errors = 0;
    COMSTAT stat;
    *moved = 0;
    if (!ClearCommError(p->handle, &errors, &stat)) {
        return port_win32_fail_io(p, "reading", GetLastError(), err);
    }
    if (stat.cbInQue == 0) {
        return PORT_OK;
    }
    size_t want = limit < stat.cbInQue ? limit : stat.cbInQue;
    return port_win32_read_once(p, buf, (DWORD)want, wait_ms, moved, err);
}

/* The COMMTIMEOUTS are all zero (a read waits until its whole count arrived), so a read asks for
 * no more than the driver holds, except a 1-byte read that waits for data. That gives "at least
 * one byte, then what is there" on Windows and on Wine alike (Wine does not implement the
 * MAXDWORD/MAXDWORD/constant mode that returns on the first byte). At most: what is queued, or
 * one byte waited for plus what is queued right after it; never more, so a steady stream cannot
 * keep a read from returning. */
static int port_win32_read(struct port *base, void *buf, size_t size, uint32_t timeout_ms,
                           size_t *got, struct port_error *err)
{
    struct port_win32 *p = (struct port_win32 *)base;
    uint8_t *out = buf;
    uint64_t deadline = port_win32_now_ms() + timeout_ms;
    size_t limit = size > PORT_WIN32_IO_CHUNK_MAX ? PORT_WIN32_IO_CHUNK_MAX : size;
    DWORD wait_ms = port_win32_left_ms(deadline);
    DWORD moved = 0;
    size_t total = 0;

    int rc = port_win32_read_queued(
            p, out, limit, wait_ms > PORT_WIN32_READY_WAIT_MS ? wait_ms : PORT_WIN32_READY_WAIT_MS,
            &moved, err);
    total = moved;
    if (rc == PORT_OK && total == 0 && port_win32_left_ms(deadline) > 0) {
        rc = port_win32_read_once(p, out, 1, port_win32_left_ms(deadline), &moved, err);
        total = moved;
        if (rc == PORT_OK && total == 1 && limit > 1) {
            rc = port_win32_read_queued(p, out + 1, limit - 1, PORT_WIN32_READY_WAIT_MS, &moved,
                                        err);
            total += moved;
        }
    }
    *got = total;
    if (total > 0) {
        /* What arrived is delivered; a failure shows again on the next call. */
        if (err != NULL) {
            memset(err, 0, sizeof *err);
        }
        return PORT_OK;
    }
    if (rc == PORT_OK) {
        rc = port_fail(err, PORT_ERR_TIMEOUT, 0, "%s: nothing arrived within %u ms.", base->name,
                       (unsigned)timeout_ms);
    }
    return rc;
}

static int port_win32_write(struct port *base, const void *buf, size_t size, uint32_t timeout_ms,
                            struct port_error *err)
{
    struct port_win32 *p = (struct port_win32 *)base;
    const uint8_t *data = buf;
    uint64_t deadline = port_win32_now_ms() + timeout_ms;
    size_t total = 0;
    int rc = PORT_OK;

    while (rc == PORT_OK && total < size) {
        size_t chunk = size - total;
        OVERLAPPED ov;
        DWORD moved = 0;
        DWORD code = 0;
        bool cancelled = false;
        LONG flushes = p->output_flushes;
        if (chunk > PORT_WIN32_IO_CHUNK_MAX) {
            chunk = PORT_WIN32_IO_CHUNK_MAX;
        }
        memset(&ov, 0, sizeof ov);
        ov.hEvent = p->write_event;
        if (!WriteFile(p->handle, data + total, (DWORD)chunk, NULL, &ov)) {
            code = GetLastError();
            if (code != ERROR_IO_PENDING) {
                rc = port_win32_fail_io(p, "writing", code, err);
                break;
            }
        }
        code = port_win32_finish(p->handle, &ov, port_win32_left_ms(deadline), &moved, &cancelled);
        total += moved;
        if (code == ERROR_OPERATION_ABORTED && p->output_flushes != flushes) {
            rc = port_fail(err, PORT_ERR_IO, (int)code,
                           "%s: %zu of %zu bytes were sent; the rest was discarded by a flush of "
                           "the output queue.",
                           base->name, total, size);
        } else if (code != 0) {
            rc = port_win32_fail_io(p, "writing", code, err);
        } else if (cancelled || (moved < chunk && port_win32_left_ms(deadline) == 0)) {
            if (port_win32_probe_gone(p, &code)) {
                rc = port_win32_fail_gone(p, code, err);
            } else {
                rc = port_fail(err, PORT_ERR_TIMEOUT, 0,
                               "%s: only %zu of %zu bytes went out within %u ms. Unplug the "
                               "board, plug it in again and retry.",
                               base->name, total, size, (unsigned)timeout_ms);
            }
        }
    }
    return rc;
}

/* Sets one line; `function` is SETDTR, CLRDTR, SETRTS or CLRRTS. */
static int port_win32_escape(struct port_win32 *p, DWORD function, const char *what,
                             struct port_error *err)
{
    if (EscapeCommFunction(p->handle, function)) {
        return PORT_OK;
    }
    DWORD code = GetLastError();
    if (code == ERROR_NOT_SUPPORTED || code == ERROR_INVALID_FUNCTION) {
        return port_fail(err, PORT_ERR_UNSUPPORTED, (int)code,
                         "%s: the driver cannot set %s, so the board cannot be reset "
                         "automatically. Reset it by hand (hold BOOT/FLASH, press RESET).",
                         p->base.name, what);
    }
    return port_win32_fail_io(p, what, code, err);
}

/* DTR first, then RTS: Windows has no call that sets both. After an RTS change DTR is written
 * again with its current value, because usbser.sys sends the new line state to the device only
 * when DTR is set (the workaround esptool uses, its PR #290). */
static int port_win32_set_lines(struct port *base, int dtr, int rts, struct port_error *err)
{
    struct port_win32 *p = (struct port_win32 *)base;
    int rc = PORT_OK;
    EnterCriticalSection(&p->control);
    if (dtr >= 0) {
        rc = port_win32_escape(p, dtr ? SETDTR : CLRDTR, "DTR", err);
        if (rc == PORT_OK) {
            p->dtr = dtr != 0;
        }
    }
    if (rc == PORT_OK && rts >= 0) {
        rc = port_win32_escape(p, rts ? SETRTS : CLRRTS, "RTS", err);
        if (rc == PORT_OK) {
            p->rts = rts != 0;
            rc = port_win32_escape(p, p->dtr ? SETDTR : CLRDTR, "DTR", err);
        }
    }
    LeaveCriticalSection(&p->control);
    return rc;
}

/* 8N1, no flow control of any kind, DTR and RTS as last set (a DCB with the lines "disabled"
 * would drop them), the given baud. */
static int port_win32_apply_dcb(struct port_win32 *p, uint32_t baud, struct port_error *err)
{
    DCB dcb;
    memset(&dcb, 0, sizeof dcb);
    dcb.DCBlength = sizeof dcb;
    if (!GetCommState(p->handle, &dcb)) {
        return port_win32_fail_io(p, "reading the port settings", GetLastError(), err);
    }
    dcb.BaudRate = baud;
    dcb.ByteSize = 8;
    dcb.Parity = NOPARITY;
    dcb.StopBits = ONESTOPBIT;
    dcb.fBinary = TRUE;
    dcb.fParity = FALSE;
    dcb.fOutxCtsFlow = FALSE;
    dcb.fOutxDsrFlow = FALSE;
    dcb.fDtrControl = p->dtr ? DTR_CONTROL_ENABLE : DTR_CONTROL_DISABLE;
    dcb.fDsrSensitivity = FALSE;
    dcb.fTXContinueOnXoff = TRUE;
    dcb.fOutX = FALSE;
    dcb.fInX = FALSE;
    dcb.fErrorChar = FALSE;
    dcb.fNull = FALSE;
    dcb.fRtsControl = p->rts ? RTS_CONTROL_ENABLE : RTS_CONTROL_DISABLE;
    dcb.fAbortOnError = FALSE;
    if (!SetCommState(p->handle, &dcb)) {
        DWORD code = GetLastError();
        if (code == ERROR_INVALID_PARAMETER || code == ERROR_NOT_SUPPORTED) {
            return port_fail(err, PORT_ERR_UNSUPPORTED, (int)code,
                             "%s does not accept %lu baud. Pick another rate (115200 always "
                             "works).",
                             p->base.name, (unsigned long)baud);
        }
        return port_win32_fail_io(p, "setting the baud rate", code, err);
    }
    return PORT_OK;
}

static int port_win32_set_baud(struct port *base, uint32_t baud, struct port_error *err)
{
    struct port_win32 *p = (struct port_win32 *)base;
    EnterCriticalSection(&p->control);
    int rc = port_win32_apply_dcb(p, baud, err);
    LeaveCriticalSection(&p->control);
    return rc;
}

/* Input: the driver's receive queue (a pending read keeps waiting for new bytes). Output: the
 * transmit queue and any write in progress. */
static int port_win32_flush(struct port *base, enum port_queue queue, struct port_error *err)
{
    struct port_win32 *p = (struct port_win32 *)base;
    DWORD flags = 0;
    if (queue & PORT_QUEUE_INPUT) {
        flags |= PURGE_RXCLEAR;
    }
    if (queue & PORT_QUEUE_OUTPUT) {
        flags |= PURGE_TXABORT | PURGE_TXCLEAR;
        InterlockedIncrement(&p->output_flushes);
    }
    if (!PurgeComm(p->handle, flags)) {
        return port_win32_fail_io(p, "discarding queued bytes", GetLastError(), err);
    }
    return PORT_OK;
}

/* Polls the driver's output queue rather than calling FlushFileBuffers, which cannot be given a
 * time limit (and which old Wine versions implement by discarding the queue). */
static int port_win32_drain(struct port *base, uint32_t timeout_ms, struct port_error *err)
{
    struct port_win32 *p = (struct port_win32 *)base;
    uint64_t deadline = port_win32_now_ms() + timeout_ms;
    for (;;) {
        DWORD errors = 0;
        COMSTAT stat;
        if (!ClearCommError(p->handle, &errors, &stat)) {
            return port_win32_fail_io(p, "waiting for the output to go out", GetLastError(), err);
        }
        if (stat.cbOutQue == 0) {
            return PORT_OK;
        }
        if (port_win32_left_ms(deadline) == 0) {
            return port_fail(err, PORT_ERR_TIMEOUT, 0,
                             "%s: %lu bytes were still waiting to go out after %u ms.", base->name,
                             (unsigned long)stat.cbOutQue, (unsigned)timeout_ms);
        }
        Sleep(PORT_WIN32_DRAIN_POLL_MS);
    }
}

static void port_win32_close(struct port *base)
{
    struct port_win32 *p = (struct port_win32 *)base;
    if (p->handle != INVALID_HANDLE_VALUE) {
        CancelIoEx(p->handle, NULL);
        CloseHandle(p->handle);
    }
    if (p->lock != NULL) {
        CloseHandle(p->lock);
    }
    if (p->read_event != NULL) {
        CloseHandle(p->read_event);
    }
    if (p->write_event != NULL) {
        CloseHandle(p->write_event);
    }
    DeleteCriticalSection(&p->control);
    free(p);
}

static const struct port_ops PORT_WIN32_OPS = {
        .set_baud = port_win32_set_baud,
        .read = port_win32_read,
        .write = port_win32_write,
        .set_lines = port_win32_set_lines,
        .flush = port_win32_flush,
        .drain = port_win32_drain,
        .close = port_win32_close,
};

/* "COM5", "com5", "\\.\COM12" -> "COM5" / "COM12"; other device names ("\\.\CNCA0") are kept as
 * given. The result is the part after \\.\ and is what the device path and the lock name use. */
static int port_win32_device_name(const char *name, const char *path, char *out, size_t out_size,
                                  struct port_error *err)
{
    const char *dev = path;
    size_t prefix_len = strlen(PORT_WIN32_DEVICE_PREFIX);
    if (strncmp(dev, PORT_WIN32_DEVICE_PREFIX, prefix_len) == 0) {
        dev += prefix_len;
    }
    size_t len = strlen(dev);
    if (len == 0 || len >= out_size) {
        return port_fail(err, PORT_ERR_ARG, 0,
                         "%s is not a serial port name. Use a name like COM5.", name);
    }
    bool com = len > 3 && (dev[0] == 'C' || dev[0] == 'c') && (dev[1] == 'O' || dev[1] == 'o') &&
               (dev[2] == 'M' || dev[2] == 'm');
    for (size_t i = 3; com && i < len; i++) {
        com = dev[i] >= '0' && dev[i] <= '9';
    }
    memcpy(out, dev, len + 1);
    if (com) {
        memcpy(out, "COM", 3);
    }
    return PORT_OK;
}

static int port_win32_to_wide(const char *text, wchar_t *out, size_t out_count)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text, -1, out,
                                out_count > (size_t)INT32_MAX ? INT32_MAX : (int)out_count);
    return n > 0 ? PORT_OK : PORT_ERR_ARG;
}

static int port_win32_fail_open(const char *name, DWORD code, struct port_error *err)
{
    switch (code) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_BAD_PATHNAME:
    case ERROR_INVALID_NAME:
    case ERROR_DEV_NOT_EXIST:
        return port_fail(err, PORT_ERR_NOT_FOUND, (int)code,
                         "%s does not exist. Is the board plugged in? Pick the port again after "
                         "plugging it in.",
                         name);
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_ALREADY_EXISTS:
        return port_fail(err, PORT_ERR_BUSY, (int)code,
                         "%s is in use by another program. Close other serial monitors, "
                         "terminals and flashers, then try again.",
                         name);
    default: {
        char text[PORT_WIN32_ERROR_TEXT_MAX];
        port_win32_error_text(code, text, sizeof text);
        return port_fail(err, PORT_ERR_IO, (int)code,
                         "%s could not be opened: %s (Windows error %lu). Unplug the board, plug "
                         "it in again and retry.",
                         name, text, (unsigned long)code);
    }
    }
}

/* Takes the port's named lock; PORT_ERR_BUSY when another open holds it. */
static int port_win32_take_lock(struct port_win32 *p, const char *device, struct port_error *err)
{
    wchar_t lock_name[PORT_WIN32_DEVICE_MAX + 32];
    wchar_t wide[PORT_WIN32_DEVICE_MAX];
    if (port_win32_to_wide(device, wide, PORT_WIN32_DEVICE_MAX) != PORT_OK) {
        return port_fail(err, PORT_ERR_ARG, 0, "%s is not a valid port name.", p->base.name);
    }
    for (wchar_t *c = wide; *c; c++) {
        if (*c == L'\\') {
            *c = L'_';
        }
    }
    wcscpy(lock_name, PORT_WIN32_LOCK_PREFIX);
    wcscat(lock_name, wide);
    p->lock = CreateMutexW(NULL, FALSE, lock_name);
    if (p->lock == NULL) {
        return port_win32_fail_open(p->base.name, GetLastError(), err);
    }
    if (GetLastError() == ERROR_ALREADY_EXISTS) {
        return port_win32_fail_open(p->base.name, ERROR_ALREADY_EXISTS, err);
    }
    return PORT_OK;
}

static int port_win32_setup(struct port_win32 *p, uint32_t baud, struct port_error *err)
{
    COMMTIMEOUTS timeouts;
    /* Not every driver lets the queues be sized; the defaults work, only less well. */
    SetupComm(p->handle, PORT_WIN32_QUEUE_IN, PORT_WIN32_QUEUE_OUT);
    int rc = port_win32_apply_dcb(p, baud, err);
    if (rc != PORT_OK) {
        return rc;
    }
    /* All zero: no driver time limits; each read and write waits on its own deadline. */
    memset(&timeouts, 0, sizeof timeouts);
    if (!SetCommTimeouts(p->handle, &timeouts)) {
        return port_win32_fail_io(p, "setting the time limits", GetLastError(), err);
    }
    if (!PurgeComm(p->handle, PURGE_RXCLEAR | PURGE_TXCLEAR)) {
        return port_win32_fail_io(p, "discarding old input", GetLastError(), err);
    }
    return PORT_OK;
}

int port_local_open(const char *name, const char *path, uint32_t baud, struct port **out,
                    struct port_error *err)
{
    char device[PORT_WIN32_DEVICE_MAX];
    char device_path[PORT_WIN32_DEVICE_MAX + 8];
    wchar_t wide_path[PORT_WIN32_DEVICE_MAX + 8];
    struct port_win32 *p = NULL;
    int rc = port_win32_device_name(name, path, device, sizeof device, err);
    if (rc != PORT_OK) {
        return rc;
    }
    strcpy(device_path, PORT_WIN32_DEVICE_PREFIX);
    strcat(device_path, device);
    if (port_win32_to_wide(device_path, wide_path, sizeof wide_path / sizeof wide_path[0]) !=
        PORT_OK) {
        return port_fail(err, PORT_ERR_ARG, 0, "%s is not a valid port name.", name);
    }

    p = calloc(1, sizeof *p);
    if (p == NULL) {
        return port_fail(err, PORT_ERR_NO_MEMORY, 0, "%s: out of memory.", name);
    }
    InitializeCriticalSection(&p->control);
    p->handle = INVALID_HANDLE_VALUE;
    p->base.ops = &PORT_WIN32_OPS;
    p->base.kind = PORT_KIND_LOCAL;
    p->base.caps = PORT_CAP_BAUD | PORT_CAP_LINES | PORT_CAP_EXCLUSIVE;
    port_copy_text(p->base.name, sizeof p->base.name, name);

    rc = port_win32_take_lock(p, device, err);
    if (rc == PORT_OK) {
        p->handle = CreateFileW(wide_path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                                FILE_FLAG_OVERLAPPED, NULL);
        if (p->handle == INVALID_HANDLE_VALUE) {
            rc = port_win32_fail_open(name, GetLastError(), err);
        }
    }
    if (rc == PORT_OK) {
        p->read_event = CreateEventW(NULL, TRUE, FALSE, NULL);
        p->write_event = CreateEventW(NULL, TRUE, FALSE, NULL);
        if (p->read_event == NULL || p->write_event == NULL) {
            rc = port_win32_fail_io(p, "opening", GetLastError(), err);
        }
    }
    if (rc == PORT_OK) {
        DCB probe;
        probe.DCBlength = sizeof probe;
        if (!GetCommState(p->handle, &probe)) {
            DWORD code = GetLastError();
            rc = port_fail(err, PORT_ERR_NOT_FOUND, (int)code,
                           "%s is not a serial port (Windows error %lu). Pick the board's COM "
                           "port.",
                           name, (unsigned long)code);
        }
    }
    if (rc == PORT_OK) {
        rc = port_win32_setup(p, baud, err);
    }
    if (rc != PORT_OK) {
        port_win32_close(&p->base);
        return rc;
    }
    *out = &p->base;
    return PORT_OK;
}
