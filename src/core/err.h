/* SPDX-License-Identifier: MIT */
/* The one error enum of the flashing engine and the detail that travels with a failure: the
 * command that failed, the board's status bytes, the port/OS error and a sentence for a person. */
#ifndef MF_ERR_H
#define MF_ERR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every engine function returns MF_OK (0) or one of these negative codes. The values are stable:
 * the CLI turns them into exit codes and machine-readable ids, tests compare against them, and
 * new codes are only ever appended. */
enum mf_err {
    MF_OK = 0,
    MF_ERR_ARG = -1,         /* a caller passed something malformed */
    MF_ERR_IO = -2,          /* the port or the OS failed (any other reason) */
    MF_ERR_TIMEOUT = -3,     /* an expected reply did not come in time */
    MF_ERR_PROTOCOL = -4,    /* the board answered something the protocol does not allow */
    MF_ERR_DEVICE = -5,      /* the board answered a command with a failure status */
    MF_ERR_IMAGE = -6,       /* the firmware file is unusable (wrong chip, corrupt, too big) */
    MF_ERR_CANCELLED = -7,   /* the user cancelled the job */
    MF_ERR_UNSUPPORTED = -8, /* the loader (ROM or stub) or the port cannot do that */
    MF_ERR_NO_MEMORY = -9,   /* allocation failed */
    /* The connection diagnosis tells these apart (DESIGN.md "Errors and logs", USERS.md). */
    MF_ERR_PORT_NOT_FOUND = -10,    /* no such port (unplugged, wrong name) */
    MF_ERR_PORT_BUSY = -11,         /* another program holds the port */
    MF_ERR_PORT_ACCESS = -12,       /* the OS refused access (permissions) */
    MF_ERR_PORT_GONE = -13,         /* the port vanished while open (cable pulled) */
    MF_ERR_NO_DATA = -14,           /* not a single byte from the board: port, cable, TX/RX */
    MF_ERR_NOT_DOWNLOAD_MODE = -15, /* the board talks (boot text, an app) but not the loader */
    MF_ERR_NO_SYNC = -16,           /* loader frames seen but SYNC never completed */
    MF_ERR_WRONG_CHIP = -17,        /* the loader belongs to another chip (an ESP32 ...) */
    MF_ERR_VERIFY = -18,            /* flash contents differ from what was written */
    MF_ERR_BOARD_CRASHED = -19,     /* the board printed a crash (Fatal exception, Guru ...) */
    MF_ERR_FLASH_NOT_FOUND = -20,   /* the SPI flash chip does not answer */
    MF_ERR_STUB_FAILED = -21,       /* the flasher stub did not start (no OHAI) */
    /* MicroPython on the board (src/mpy: mflash fs, repl). */
    MF_ERR_NO_REPL = -22, /* no MicroPython REPL answered (not running, other firmware) */
    MF_ERR_NO_FILE = -23, /* no such file or folder on the board */
};

/* The lowest code in use; every code from here to MF_OK has a table entry. */
#define MF_ERR_LAST MF_ERR_NO_FILE

#define MF_ERR_MESSAGE_MAX 768

/* The detail of a failure. Every function that can fail takes one (NULL is allowed). Fields that
 * do not apply are zero/false/NULL; mf_err_clear() resets all of them. */
struct mf_error {
    int code; /* enum mf_err */

    bool has_command;    /* the failure belongs to a protocol command */
    uint8_t opcode;      /* its opcode */
    const char *command; /* its name ("FLASH_DEFL_DATA"); a static string, never freed */

    bool has_status;    /* the board answered with a failure status */
    uint8_t status[2];  /* the two status bytes as they came (esptool-protocol.md §1.5) */
    uint8_t error_code; /* the error code picked out of them (ROM: 2nd byte, stub: 1st) */

    int port_status; /* the port layer's code (enum port_status), 0 when none */
    int os_error;    /* errno / GetLastError() / WSAGetLastError(), 0 when none */

    char message[MF_ERR_MESSAGE_MAX]; /* whole sentences: what happened, what to do next */
};

/* Short lower-case text for a code ("timed out"); "unknown error" for codes not in the table. */
const char *mf_err_text(int code);

/* A stable machine-readable id for a code ("port-busy"); "unknown" when not in the table. */
const char *mf_err_id(int code);

/* Resets every field (code MF_OK, empty message). NULL is allowed. */
void mf_err_clear(struct mf_error *e);

/* Sets the code and replaces the message (printf format). Keeps the command, status and OS
 * fields already set. Returns `code`, so a caller can `return mf_err_set(e, ...)`. */
int mf_err_set(struct mf_error *e, int code, const char *fmt, ...)
#if defined(__MINGW32__)
        __attribute__((format(gnu_printf, 3, 4)))
#elif defined(__GNUC__)
        __attribute__((format(printf, 3, 4)))
#endif
        ;

/* Appends a sentence (a space is put in between). Returns e->code (MF_OK when e is NULL). */
int mf_err_append(struct mf_error *e, const char *fmt, ...)
#if defined(__MINGW32__)
        __attribute__((format(gnu_printf, 2, 3)))
#elif defined(__GNUC__)
        __attribute__((format(printf, 2, 3)))
#endif
        ;

/* Puts context in front of the message ("Writing fw.bin at 0x0: "). Returns e->code. */
int mf_err_prepend(struct mf_error *e, const char *fmt, ...)
#if defined(__MINGW32__)
        __attribute__((format(gnu_printf, 2, 3)))
#elif defined(__GNUC__)
        __attribute__((format(printf, 2, 3)))
#endif
        ;

/* Records the command a failure belongs to. `name` must be a static string. */
void mf_err_set_command(struct mf_error *e, uint8_t opcode, const char *name);

/* Records the board's two status bytes and the error code taken from them. */
void mf_err_set_status(struct mf_error *e, uint8_t s0, uint8_t s1, uint8_t error_code);

/* Records a port-layer failure: its code and the OS error number. */
void mf_err_set_os(struct mf_error *e, int port_status, int os_error);

#endif
