/* SPDX-License-Identifier: MIT */
/* The terminal pane: a custom control that owns a term model (src/term) and paints it with a
 * monospace font (Cascadia Mono, else Consolas, else any fixed font), DPI-aware, with a cursor,
 * mouse selection, wheel and scroll bar, and a context menu (Copy, Paste, Select all, Clear,
 * Save log). It never touches a port: what the user types, pastes or drops goes to the parent as
 * WM_NOTIFY, and board output comes in through termview_write(). */
#ifndef MF_TERMVIEW_H
#define MF_TERMVIEW_H

#include <windows.h>

#include <stdbool.h>
#include <stddef.h>

#include "term.h"

#define TERMVIEW_CLASS L"MicroFlashTerminal"
/* Lines of scrollback + screen that WM_GETTEXT returns (the tests read the pane with it). */
#define TERMVIEW_GETTEXT_LINES 400

/* Notifications (WM_NOTIFY, hdr.idFrom = the control's ID). */
enum termview_notify {
    TVN_INPUT = 0x7E00, /* struct termview_bytes: keys typed, to send to the board as they are */
    TVN_PASTE = 0x7E01, /* struct termview_bytes: text to paste (UTF-8, line ends as "\n") */
    TVN_SAVE = 0x7E02,  /* NMHDR: "Save log..." chosen: the parent asks for a file, termview_text */
    TVN_DROP = 0x7E03,  /* struct termview_drop: a file dropped on the pane */
};

struct termview_bytes {
    NMHDR hdr;
    const char *bytes;
    size_t len;
};

struct termview_drop {
    NMHDR hdr;
    const wchar_t *path;
};

/* Registers the window class (once per process). */
bool termview_register(HINSTANCE instance);

/* Board output: fed to the model; the damaged rows are invalidated (painted on WM_PAINT). */
void termview_write(HWND view, const void *data, size_t len);

/* Empties screen and scrollback. */
void termview_clear(HWND view);

/* The whole scrollback and screen as UTF-8 (malloc'ed, NUL-terminated). */
char *termview_text(HWND view, size_t *len);

/* The model, for tests of the parent and for reading the cursor; owned by the view. */
struct term *termview_term(HWND view);

/* The window's DPI changed (the parent calls this on WM_DPICHANGED): the font is re-made. */
void termview_dpi_changed(HWND view);

#endif
