/* SPDX-License-Identifier: MIT */
/* Inside the terminal pane: the per-window state shared by termview.c (model, fonts, painting,
 * scrolling) and termview_input.c (keys, mouse, menu, clipboard, drops, window text). */
#ifndef MF_TERMVIEW_IMPL_H
#define MF_TERMVIEW_IMPL_H

#include "termview.h"

#include <stdint.h>

#define TERMVIEW_TIMER_DRAG 1u  /* auto-scroll while a selection is dragged outside the pane */
#define TERMVIEW_DRAG_MS    50u /* ... its period */

enum termview_font {
    TERMVIEW_FONT_NORMAL,
    TERMVIEW_FONT_BOLD,
    TERMVIEW_FONT_COUNT,
};

struct termview {
    HWND hwnd;
    struct term *term;
    HFONT fonts[TERMVIEW_FONT_COUNT];
    wchar_t face[LF_FACESIZE]; /* the face chosen at creation */
    UINT dpi;
    int cell_w;
    int cell_h;
    int ascent;
    int64_t view_top; /* the line shown on the first row */
    bool follow;      /* the view stays at the bottom as output arrives */
    int cursor_row;   /* the view row the cursor was last painted on, -1 for none */
    int wheel;        /* wheel delta not yet turned into lines */
    bool focused;
    bool selecting; /* the left button is down in the pane */
    bool dragged;   /* ... and the mouse moved to another cell since */
    struct term_pos anchor;
    wchar_t high;     /* a high surrogate waiting for its low half (WM_CHAR) */
    WPARAM swallow;   /* the WM_CHAR a shortcut's WM_KEYDOWN produces, 0 for none */
    SCROLLINFO shown; /* what the scroll bar shows, to set it only when it changes */
};

typedef LRESULT (*termview_handler)(struct termview *tv, WPARAM wp, LPARAM lp);

/* termview.c */
void termview_scroll_to(struct termview *tv, int64_t top);
void termview_scroll_by(struct termview *tv, int64_t lines);
void termview_scroll_bottom(struct termview *tv);
void termview_refresh(struct termview *tv); /* takes the model's damage, invalidates, scroll bar */
void termview_notify(struct termview *tv, UINT code, NMHDR *hdr);
void termview_send(struct termview *tv, UINT code, const char *bytes, size_t len);
void termview_clear_all(struct termview *tv);

/* termview_input.c: the message handlers for input and scrolling, and the window text */
LRESULT termview_on_getdlgcode(struct termview *tv, WPARAM wp, LPARAM lp);
LRESULT termview_on_keydown(struct termview *tv, WPARAM wp, LPARAM lp);
LRESULT termview_on_char(struct termview *tv, WPARAM wp, LPARAM lp);
LRESULT termview_on_vscroll(struct termview *tv, WPARAM wp, LPARAM lp);
LRESULT termview_on_mousewheel(struct termview *tv, WPARAM wp, LPARAM lp);
LRESULT termview_on_lbuttondown(struct termview *tv, WPARAM wp, LPARAM lp);
LRESULT termview_on_lbuttondblclk(struct termview *tv, WPARAM wp, LPARAM lp);
LRESULT termview_on_mousemove(struct termview *tv, WPARAM wp, LPARAM lp);
LRESULT termview_on_lbuttonup(struct termview *tv, WPARAM wp, LPARAM lp);
LRESULT termview_on_capturechanged(struct termview *tv, WPARAM wp, LPARAM lp);
LRESULT termview_on_timer(struct termview *tv, WPARAM wp, LPARAM lp);
LRESULT termview_on_contextmenu(struct termview *tv, WPARAM wp, LPARAM lp);
LRESULT termview_on_copy(struct termview *tv, WPARAM wp, LPARAM lp);
LRESULT termview_on_paste(struct termview *tv, WPARAM wp, LPARAM lp);
LRESULT termview_on_dropfiles(struct termview *tv, WPARAM wp, LPARAM lp);
LRESULT termview_on_gettextlength(struct termview *tv, WPARAM wp, LPARAM lp);
LRESULT termview_on_gettext(struct termview *tv, WPARAM wp, LPARAM lp);
LRESULT termview_on_settext(struct termview *tv, WPARAM wp, LPARAM lp);

#endif
