/* SPDX-License-Identifier: MIT */
/* The terminal pane's input: typed keys as bytes for the board, shortcuts, scroll bar and wheel,
 * mouse selection with auto-scroll, the context menu and clipboard, dropped files, and the
 * window text (the last lines of the terminal) that the GUI tests read. */
#include "termview_impl.h"

#include <shellapi.h>
#include <windowsx.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define TERMVIEW_CTRL_CHAR(vk)  ((WPARAM)(vk)&0x1Fu) /* the WM_CHAR Ctrl+letter makes */
#define TERMVIEW_HIGH_FIRST     0xD800u
#define TERMVIEW_HIGH_LAST      0xDBFFu
#define TERMVIEW_LOW_FIRST      0xDC00u
#define TERMVIEW_LOW_LAST       0xDFFFu
#define TERMVIEW_SURROGATE_OFF  0x10000u
#define TERMVIEW_SURROGATE_BITS 10u
#define TERMVIEW_CHAR_ENTER     L'\r'
#define TERMVIEW_CHAR_BACKSPACE L'\b'
#define TERMVIEW_WHEEL_LINES    3            /* lines per wheel notch */
#define TERMVIEW_KEYBOARD_MENU  ((LPARAM)-1) /* WM_CONTEXTMENU from Shift+F10 or the Apps key */

enum termview_mods {
    TERMVIEW_MOD_SHIFT = 1u << 0,
    TERMVIEW_MOD_CTRL = 1u << 1,
    TERMVIEW_MOD_ALT = 1u << 2,
};

/* ---- Text conversions ---- */

/* UTF-8 as UTF-16 with "\n" turned into "\r\n" (malloc'ed, NUL-terminated; *n without it). */
static wchar_t *termview_wide_crlf(const char *s, size_t len, size_t *n)
{
    int wide = len > 0 && len <= INT_MAX / 2 ? MultiByteToWideChar(CP_UTF8, 0, s, (int)len, NULL, 0)
                                             : 0;
    size_t lines = 0;
    wchar_t *tmp = wide > 0 ? malloc((size_t)wide * sizeof *tmp) : NULL;
    wchar_t *out = NULL;
    *n = 0;
    if (tmp != NULL) {
        MultiByteToWideChar(CP_UTF8, 0, s, (int)len, tmp, wide);
        for (int i = 0; i < wide; i++) {
            lines += tmp[i] == L'\n';
        }
        out = malloc(((size_t)wide + lines + 1) * sizeof *out);
    }
    for (int i = 0; out != NULL && i < wide; i++) {
        if (tmp[i] == L'\n') {
            out[(*n)++] = L'\r';
        }
        out[(*n)++] = tmp[i];
    }
    if (out != NULL) {
        out[*n] = L'\0';
    } else if (len == 0) {
        out = calloc(1, sizeof *out);
    }
    free(tmp);
    return out;
}

/* UTF-16 (n units) as UTF-8 (malloc'ed), with "\r\n" and a lone "\r" turned into "\n" when
 * `lf`. */
static char *termview_narrow(const wchar_t *w, size_t n, bool lf, size_t *len)
{
    wchar_t *tmp = malloc((n + 1) * sizeof *tmp);
    size_t m = 0;
    int bytes = 0;
    char *out = NULL;
    *len = 0;
    for (size_t i = 0; tmp != NULL && i < n; i++) {
        if (lf && w[i] == L'\r') {
            tmp[m++] = L'\n';
            i += i + 1 < n && w[i + 1] == L'\n';
        } else {
            tmp[m++] = w[i];
        }
    }
    if (tmp != NULL && m > 0 && m <= INT_MAX / 4) {
        bytes = WideCharToMultiByte(CP_UTF8, 0, tmp, (int)m, NULL, 0, NULL, NULL);
    }
    if (bytes > 0 && (out = malloc((size_t)bytes + 1)) != NULL) {
        WideCharToMultiByte(CP_UTF8, 0, tmp, (int)m, out, bytes, NULL, NULL);
        out[bytes] = '\0';
        *len = (size_t)bytes;
    }
    free(tmp);
    return out;
}

/* ---- Sending ---- */

/* What the user typed: to the board, and the view back to the bottom. */
static void termview_type(struct termview *tv, const char *bytes, size_t len)
{
    termview_scroll_bottom(tv);
    termview_send(tv, TVN_INPUT, bytes, len);
}

static void termview_type_key(struct termview *tv, enum term_key key)
{
    char bytes[TERM_KEY_BYTES_MAX];
    termview_type(tv, bytes, term_key_bytes(tv->term, key, bytes));
}

static void termview_type_code_point(struct termview *tv, uint32_t cp)
{
    char bytes[4];
    termview_type(tv, bytes, term_utf8_encode(cp, bytes));
}

/* ---- Commands (menu and shortcuts) ---- */

static bool termview_has_selection(const struct termview *tv)
{
    struct term_pos start;
    struct term_pos end;
    return term_selection(tv->term, &start, &end);
}

static bool termview_clipboard_has_text(const struct termview *tv)
{
    (void)tv;
    return IsClipboardFormatAvailable(CF_UNICODETEXT) != 0;
}

static void termview_copy(struct termview *tv)
{
    size_t len = 0;
    size_t n = 0;
    char *text = term_selection_text(tv->term, &len);
    wchar_t *wide = text != NULL ? termview_wide_crlf(text, len, &n) : NULL;
    HGLOBAL mem = wide != NULL ? GlobalAlloc(GMEM_MOVEABLE, (n + 1) * sizeof *wide) : NULL;
    void *dst = mem != NULL ? GlobalLock(mem) : NULL;
    if (dst != NULL) {
        memcpy(dst, wide, (n + 1) * sizeof *wide);
        GlobalUnlock(mem);
        if (OpenClipboard(tv->hwnd)) {
            EmptyClipboard();
            if (SetClipboardData(CF_UNICODETEXT, mem) != NULL) {
                mem = NULL; /* the clipboard owns it now */
            }
            CloseClipboard();
        }
    }
    if (mem != NULL) {
        GlobalFree(mem);
    }
    free(wide);
    free(text);
}

static void termview_paste(struct termview *tv)
{
    char *text = NULL;
    size_t len = 0;
    if (IsWindowEnabled(tv->hwnd) && OpenClipboard(tv->hwnd)) {
        HANDLE mem = GetClipboardData(CF_UNICODETEXT);
        const wchar_t *wide = mem != NULL ? GlobalLock(mem) : NULL;
        if (wide != NULL) {
            text = termview_narrow(wide, wcsnlen(wide, GlobalSize(mem) / sizeof *wide), true, &len);
            GlobalUnlock(mem);
        }
        CloseClipboard();
    }
    if (text != NULL) {
        termview_scroll_bottom(tv);
        termview_send(tv, TVN_PASTE, text, len);
    }
    free(text);
}

static void termview_select_all(struct termview *tv)
{
    term_select_all(tv->term);
    termview_refresh(tv);
}

static void termview_save(struct termview *tv)
{
    NMHDR hdr;
    termview_notify(tv, TVN_SAVE, &hdr);
}

/* WM_COPY and WM_PASTE, as an edit control takes them (the GUI tests paste with WM_PASTE). */
LRESULT termview_on_copy(struct termview *tv, WPARAM wp, LPARAM lp)
{
    (void)wp;
    (void)lp;
    termview_copy(tv);
    return 0;
}

LRESULT termview_on_paste(struct termview *tv, WPARAM wp, LPARAM lp)
{
    (void)wp;
    (void)lp;
    termview_paste(tv);
    return 0;
}

/* ---- Keys ---- */

static bool termview_key_page_up(struct termview *tv)
{
    termview_scroll_by(tv, -term_rows(tv->term));
    return true;
}

static bool termview_key_page_down(struct termview *tv)
{
    termview_scroll_by(tv, term_rows(tv->term));
    return true;
}

static bool termview_key_copy(struct termview *tv)
{
    termview_copy(tv);
    return true;
}

/* Ctrl+C copies a selection (and drops it); without one it is the board's interrupt (0x03,
 * sent by the WM_CHAR that follows). */
static bool termview_key_copy_or_interrupt(struct termview *tv)
{
    if (!termview_has_selection(tv)) {
        return false;
    }
    termview_copy(tv);
    term_select_clear(tv->term);
    termview_refresh(tv);
    return true;
}

static bool termview_key_paste(struct termview *tv)
{
    termview_paste(tv);
    return true;
}

static const struct termview_shortcut_row {
    WPARAM vk;
    unsigned mods;
    bool (*run)(struct termview *tv); /* false: not taken, the key goes on as typed */
} TERMVIEW_SHORTCUTS[] = {
        {VK_PRIOR, TERMVIEW_MOD_SHIFT, termview_key_page_up},
        {VK_NEXT, TERMVIEW_MOD_SHIFT, termview_key_page_down},
        {'C', TERMVIEW_MOD_CTRL | TERMVIEW_MOD_SHIFT, termview_key_copy},
        {'C', TERMVIEW_MOD_CTRL, termview_key_copy_or_interrupt},
        {'V', TERMVIEW_MOD_CTRL, termview_key_paste},
        {'V', TERMVIEW_MOD_CTRL | TERMVIEW_MOD_SHIFT, termview_key_paste},
        {VK_INSERT, TERMVIEW_MOD_CTRL, termview_key_copy},
        {VK_INSERT, TERMVIEW_MOD_SHIFT, termview_key_paste},
};

/* Keys that make no WM_CHAR and send the model's sequences. */
static const struct termview_key_row {
    WPARAM vk;
    enum term_key key;
} TERMVIEW_KEYS[] = {
        {VK_UP, TERM_KEY_UP},          {VK_DOWN, TERM_KEY_DOWN},     {VK_RIGHT, TERM_KEY_RIGHT},
        {VK_LEFT, TERM_KEY_LEFT},      {VK_HOME, TERM_KEY_HOME},     {VK_END, TERM_KEY_END},
        {VK_INSERT, TERM_KEY_INSERT},  {VK_DELETE, TERM_KEY_DELETE}, {VK_PRIOR, TERM_KEY_PAGE_UP},
        {VK_NEXT, TERM_KEY_PAGE_DOWN},
};

static unsigned termview_mods(void)
{
    static const struct {
        int vk;
        unsigned mod;
    } MODS[] = {{VK_SHIFT, TERMVIEW_MOD_SHIFT},
                {VK_CONTROL, TERMVIEW_MOD_CTRL},
                {VK_MENU, TERMVIEW_MOD_ALT}};
    unsigned mods = 0;
    for (size_t i = 0; i < sizeof MODS / sizeof MODS[0]; i++) {
        mods |= GetKeyState(MODS[i].vk) < 0 ? MODS[i].mod : 0;
    }
    return mods;
}

LRESULT termview_on_getdlgcode(struct termview *tv, WPARAM wp, LPARAM lp)
{
    (void)tv;
    (void)wp;
    (void)lp;
    return DLGC_WANTALLKEYS | DLGC_WANTCHARS | DLGC_WANTARROWS | DLGC_WANTTAB;
}

LRESULT termview_on_keydown(struct termview *tv, WPARAM wp, LPARAM lp)
{
    unsigned mods = termview_mods();
    tv->swallow = 0;
    if (!IsWindowEnabled(tv->hwnd)) {
        return 0;
    }
    for (size_t i = 0; i < sizeof TERMVIEW_SHORTCUTS / sizeof TERMVIEW_SHORTCUTS[0]; i++) {
        const struct termview_shortcut_row *row = &TERMVIEW_SHORTCUTS[i];
        if (row->vk == wp && row->mods == mods && row->run(tv)) {
            /* Ctrl+letter also makes a control character: not for the board this time. */
            tv->swallow = wp >= 'A' && wp <= 'Z' ? TERMVIEW_CTRL_CHAR(wp) : 0;
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof TERMVIEW_KEYS / sizeof TERMVIEW_KEYS[0]; i++) {
        if (TERMVIEW_KEYS[i].vk == wp && (mods & TERMVIEW_MOD_ALT) == 0) {
            termview_type_key(tv, TERMVIEW_KEYS[i].key);
            return 0;
        }
    }
    return DefWindowProcW(tv->hwnd, WM_KEYDOWN, wp, lp); /* Apps key: WM_CONTEXTMENU */
}

LRESULT termview_on_char(struct termview *tv, WPARAM wp, LPARAM lp)
{
    WPARAM swallow = tv->swallow;
    uint32_t c = (uint32_t)wp;
    wchar_t high = tv->high;
    (void)lp;
    tv->swallow = 0;
    tv->high = 0;
    if (!IsWindowEnabled(tv->hwnd) || (swallow != 0 && wp == swallow)) {
        return 0;
    }
    if (c >= TERMVIEW_HIGH_FIRST && c <= TERMVIEW_HIGH_LAST) {
        tv->high = (wchar_t)c; /* the low half comes in the next WM_CHAR */
    } else if (c >= TERMVIEW_LOW_FIRST && c <= TERMVIEW_LOW_LAST) {
        uint32_t pair = ((uint32_t)(high - TERMVIEW_HIGH_FIRST) << TERMVIEW_SURROGATE_BITS) +
                        (c - TERMVIEW_LOW_FIRST) + TERMVIEW_SURROGATE_OFF;
        termview_type_code_point(tv, high == 0 ? TERM_REPLACEMENT : pair);
    } else if (c == TERMVIEW_CHAR_ENTER) {
        termview_type_key(tv, TERM_KEY_ENTER);
    } else if (c == TERMVIEW_CHAR_BACKSPACE) {
        termview_type_key(tv, TERM_KEY_BACKSPACE);
    } else {
        termview_type_code_point(tv, c); /* text, and control characters as they are */
    }
    return 0;
}

/* ---- Scrolling ---- */

/* Scroll bar requests as lines (`page` in screens), or a position (thumb, top, bottom). */
static const struct termview_scroll_row {
    WORD code;
    int lines;
    int pages;
} TERMVIEW_SCROLLS[] = {
        {SB_LINEUP, -1, 0},
        {SB_LINEDOWN, 1, 0},
        {SB_PAGEUP, 0, -1},
        {SB_PAGEDOWN, 0, 1},
};

LRESULT termview_on_vscroll(struct termview *tv, WPARAM wp, LPARAM lp)
{
    WORD code = LOWORD(wp);
    SCROLLINFO si = {.cbSize = sizeof si, .fMask = SIF_TRACKPOS};
    (void)lp;
    for (size_t i = 0; i < sizeof TERMVIEW_SCROLLS / sizeof TERMVIEW_SCROLLS[0]; i++) {
        if (TERMVIEW_SCROLLS[i].code == code) {
            termview_scroll_by(tv, TERMVIEW_SCROLLS[i].lines +
                                           TERMVIEW_SCROLLS[i].pages * term_rows(tv->term));
        }
    }
    if ((code == SB_THUMBTRACK || code == SB_THUMBPOSITION) &&
        GetScrollInfo(tv->hwnd, SB_VERT, &si)) {
        termview_scroll_to(tv, term_oldest(tv->term) + si.nTrackPos); /* 32 bits, not HIWORD */
    } else if (code == SB_TOP) {
        termview_scroll_to(tv, term_oldest(tv->term));
    } else if (code == SB_BOTTOM) {
        termview_scroll_bottom(tv);
    }
    return 0;
}

LRESULT termview_on_mousewheel(struct termview *tv, WPARAM wp, LPARAM lp)
{
    int lines;
    (void)lp;
    tv->wheel += GET_WHEEL_DELTA_WPARAM(wp);
    lines = tv->wheel * TERMVIEW_WHEEL_LINES / WHEEL_DELTA; /* high-resolution wheels add up */
    if (lines != 0) {
        tv->wheel -= lines * WHEEL_DELTA / TERMVIEW_WHEEL_LINES;
        termview_scroll_by(tv, -lines);
    }
    return 0;
}

/* ---- Mouse selection ---- */

/* The cell under a client point; points outside the rows are clamped to the first / last row. */
static struct term_pos termview_pos_at(const struct termview *tv, int x, int y)
{
    int cols = term_cols(tv->term);
    int rows = term_rows(tv->term);
    int col = x < 0 ? 0 : x / tv->cell_w;
    int row = y < 0 ? 0 : y / tv->cell_h;
    struct term_pos pos = {
            .line = tv->view_top + (row < rows ? row : rows - 1),
            .col = col < cols ? col : cols - 1,
    };
    return pos;
}

static struct term_pos termview_pos_lp(const struct termview *tv, LPARAM lp)
{
    return termview_pos_at(tv, GET_X_LPARAM(lp), GET_Y_LPARAM(lp));
}

static void termview_extend(struct termview *tv, struct term_pos pos)
{
    if (tv->dragged || pos.line != tv->anchor.line || pos.col != tv->anchor.col) {
        tv->dragged = true;
        term_select(tv->term, tv->anchor, pos);
        termview_refresh(tv);
    }
}

LRESULT termview_on_lbuttondown(struct termview *tv, WPARAM wp, LPARAM lp)
{
    struct term_pos end;
    SetFocus(tv->hwnd);
    tv->anchor = termview_pos_lp(tv, lp);
    tv->selecting = true;
    tv->dragged = false;
    if ((wp & MK_SHIFT) != 0 && term_selection(tv->term, &tv->anchor, &end)) {
        termview_extend(tv, termview_pos_lp(tv, lp)); /* Shift+click extends the selection */
    }
    SetCapture(tv->hwnd);
    return 0;
}

LRESULT termview_on_lbuttondblclk(struct termview *tv, WPARAM wp, LPARAM lp)
{
    (void)wp;
    term_select_word(tv->term, termview_pos_lp(tv, lp));
    termview_refresh(tv);
    return 0;
}

LRESULT termview_on_mousemove(struct termview *tv, WPARAM wp, LPARAM lp)
{
    RECT client;
    int y = GET_Y_LPARAM(lp);
    (void)wp;
    if (tv->selecting) {
        GetClientRect(tv->hwnd, &client);
        termview_extend(tv, termview_pos_lp(tv, lp));
        if (y < 0 || y >= client.bottom) {
            SetTimer(tv->hwnd, TERMVIEW_TIMER_DRAG, TERMVIEW_DRAG_MS, NULL);
        } else {
            KillTimer(tv->hwnd, TERMVIEW_TIMER_DRAG);
        }
    }
    return 0;
}

LRESULT termview_on_lbuttonup(struct termview *tv, WPARAM wp, LPARAM lp)
{
    bool clicked = tv->selecting && !tv->dragged;
    (void)wp;
    (void)lp;
    tv->selecting = false;
    KillTimer(tv->hwnd, TERMVIEW_TIMER_DRAG);
    if (GetCapture() == tv->hwnd) {
        ReleaseCapture();
    }
    if (clicked) { /* a click without a drag drops the selection */
        term_select_clear(tv->term);
        termview_refresh(tv);
    }
    return 0;
}

LRESULT termview_on_capturechanged(struct termview *tv, WPARAM wp, LPARAM lp)
{
    (void)wp;
    (void)lp;
    tv->selecting = false;
    KillTimer(tv->hwnd, TERMVIEW_TIMER_DRAG);
    return 0;
}

/* While a drag is above or below the pane: scroll (faster the farther out) and extend. */
LRESULT termview_on_timer(struct termview *tv, WPARAM wp, LPARAM lp)
{
    POINT pt;
    RECT client;
    (void)lp;
    if (wp != TERMVIEW_TIMER_DRAG || !tv->selecting || !GetCursorPos(&pt) ||
        !ScreenToClient(tv->hwnd, &pt)) {
        KillTimer(tv->hwnd, wp);
        return 0;
    }
    GetClientRect(tv->hwnd, &client);
    if (pt.y < 0) {
        termview_scroll_by(tv, -1 - (-pt.y / tv->cell_h));
    } else if (pt.y >= client.bottom) {
        termview_scroll_by(tv, 1 + (pt.y - client.bottom) / tv->cell_h);
    }
    termview_extend(tv, termview_pos_at(tv, pt.x, pt.y));
    return 0;
}

/* ---- Context menu ---- */

enum termview_command {
    TERMVIEW_CMD_COPY = 1,
    TERMVIEW_CMD_PASTE,
    TERMVIEW_CMD_SELECT_ALL,
    TERMVIEW_CMD_CLEAR,
    TERMVIEW_CMD_SAVE,
};

static const struct termview_menu_row {
    enum termview_command id;
    const wchar_t *label;
    bool separator_before;
    bool (*enabled)(const struct termview *tv); /* NULL: always */
    void (*run)(struct termview *tv);
} TERMVIEW_MENU[] = {
        {TERMVIEW_CMD_COPY, L"&Copy\tCtrl+Shift+C", false, termview_has_selection, termview_copy},
        {TERMVIEW_CMD_PASTE, L"&Paste\tCtrl+V", false, termview_clipboard_has_text, termview_paste},
        {TERMVIEW_CMD_SELECT_ALL, L"Select &all", true, NULL, termview_select_all},
        {TERMVIEW_CMD_CLEAR, L"C&lear", false, NULL, termview_clear_all},
        {TERMVIEW_CMD_SAVE, L"&Save log\u2026", true, NULL, termview_save},
};

LRESULT termview_on_contextmenu(struct termview *tv, WPARAM wp, LPARAM lp)
{
    POINT pt = {GET_X_LPARAM(lp), GET_Y_LPARAM(lp)};
    RECT client;
    HMENU menu;
    int chosen;
    GetClientRect(tv->hwnd, &client);
    if (lp == TERMVIEW_KEYBOARD_MENU) { /* at the cursor, or the pane's corner */
        int row = 0;
        int col = 0;
        bool visible = false;
        term_cursor(tv->term, &row, &col, &visible);
        pt.x = tv->cursor_row >= 0 ? col * tv->cell_w : 0;
        pt.y = tv->cursor_row >= 0 ? (tv->cursor_row + 1) * tv->cell_h : 0;
        ClientToScreen(tv->hwnd, &pt);
    } else {
        POINT in = pt;
        ScreenToClient(tv->hwnd, &in);
        if (!PtInRect(&client, in)) { /* the scroll bar's own menu */
            return DefWindowProcW(tv->hwnd, WM_CONTEXTMENU, wp, lp);
        }
    }
    if ((menu = CreatePopupMenu()) == NULL) {
        return 0;
    }
    for (size_t i = 0; i < sizeof TERMVIEW_MENU / sizeof TERMVIEW_MENU[0]; i++) {
        const struct termview_menu_row *row = &TERMVIEW_MENU[i];
        bool on = row->enabled == NULL || row->enabled(tv);
        if (row->separator_before) {
            AppendMenuW(menu, MF_SEPARATOR, 0, NULL);
        }
        AppendMenuW(menu, (UINT)(MF_STRING | (on ? MF_ENABLED : MF_GRAYED)), (UINT_PTR)row->id,
                    row->label);
    }
    chosen = (int)TrackPopupMenu(menu, TPM_RETURNCMD | TPM_RIGHTBUTTON | TPM_NONOTIFY, pt.x, pt.y,
                                 0, tv->hwnd, NULL);
    DestroyMenu(menu);
    for (size_t i = 0; i < sizeof TERMVIEW_MENU / sizeof TERMVIEW_MENU[0]; i++) {
        if ((int)TERMVIEW_MENU[i].id == chosen) {
            TERMVIEW_MENU[i].run(tv);
        }
    }
    return 0;
}

/* ---- Dropped files ---- */

LRESULT termview_on_dropfiles(struct termview *tv, WPARAM wp, LPARAM lp)
{
    HDROP drop = (HDROP)wp;
    UINT n = DragQueryFileW(drop, 0, NULL, 0);
    wchar_t *path = n > 0 ? malloc(((size_t)n + 1) * sizeof *path) : NULL;
    (void)lp;
    if (path != NULL && IsWindowEnabled(tv->hwnd) && DragQueryFileW(drop, 0, path, n + 1) > 0) {
        struct termview_drop d = {.path = path};
        termview_notify(tv, TVN_DROP, &d.hdr);
    }
    free(path);
    DragFinish(drop);
    return 0;
}

/* ---- Window text: the last TERMVIEW_GETTEXT_LINES lines ---- */

static wchar_t *termview_window_text(const struct termview *tv, size_t *n)
{
    int64_t last = term_top(tv->term) + term_rows(tv->term) - 1;
    int64_t first = last - (TERMVIEW_GETTEXT_LINES - 1);
    int64_t oldest = term_oldest(tv->term);
    size_t len = 0;
    char *text = term_text(tv->term, first < oldest ? oldest : first, last, &len);
    wchar_t *wide;
    while (text != NULL && len > 0 && text[len - 1] == '\n') {
        len--; /* trailing empty lines */
    }
    wide = termview_wide_crlf(text, len, n);
    free(text);
    return wide;
}

LRESULT termview_on_gettextlength(struct termview *tv, WPARAM wp, LPARAM lp)
{
    size_t n = 0;
    wchar_t *text = termview_window_text(tv, &n);
    (void)wp;
    (void)lp;
    free(text);
    return (LRESULT)n;
}

LRESULT termview_on_gettext(struct termview *tv, WPARAM wp, LPARAM lp)
{
    wchar_t *out = (wchar_t *)lp;
    size_t n = 0;
    wchar_t *text;
    if (out == NULL || wp == 0) {
        return 0;
    }
    text = termview_window_text(tv, &n);
    n = text == NULL ? 0 : n < wp - 1 ? n : wp - 1;
    if (n > 0) {
        memcpy(out, text, n * sizeof *out);
    }
    out[n] = L'\0';
    free(text);
    return (LRESULT)n;
}

/* Empty text clears the terminal; other text replaces it (written as board output). */
LRESULT termview_on_settext(struct termview *tv, WPARAM wp, LPARAM lp)
{
    const wchar_t *text = (const wchar_t *)lp;
    size_t len = 0;
    char *bytes = text != NULL ? termview_narrow(text, wcslen(text), false, &len) : NULL;
    (void)wp;
    termview_clear_all(tv);
    if (bytes != NULL) {
        term_write(tv->term, bytes, len);
        termview_refresh(tv);
    }
    free(bytes);
    return TRUE;
}
