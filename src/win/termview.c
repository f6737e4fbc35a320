/* SPDX-License-Identifier: MIT */
/* The terminal pane's window: class, per-window state, the model and its damage, fonts by DPI,
 * double-buffered painting of cells in runs of equal style, and the view's scroll position. Keys,
 * mouse, wheel, menu, clipboard, drops and the window text are in termview_input.c. */
#include "termview_impl.h"

#include <shellapi.h>

#include <stdlib.h>
#include <string.h>

#define TERMVIEW_FG             RGB(0xE0, 0xE0, 0xE0) /* TERM_COLOR_DEFAULT foreground */
#define TERMVIEW_BG             RGB(0x1E, 0x1E, 0x1E) /* ... and background */
#define TERMVIEW_SEL_FG         RGB(0xFF, 0xFF, 0xFF)
#define TERMVIEW_SEL_BG         RGB(0x26, 0x4F, 0x78)
#define TERMVIEW_POINTS         10
#define TERMVIEW_POINTS_PER_IN  72
#define TERMVIEW_DEFAULT_DPI    96
#define TERMVIEW_RUN_MAX        (2 * TERM_COLS_MAX) /* UTF-16 units of one row */
#define TERMVIEW_BMP_LIMIT      0x10000u            /* code points from here are surrogate pairs */
#define TERMVIEW_SURROGATE_OFF  0x10000u
#define TERMVIEW_HIGH_FIRST     0xD800u
#define TERMVIEW_LOW_FIRST      0xDC00u
#define TERMVIEW_SURROGATE_BITS 10u
#define TERMVIEW_SURROGATE_MASK 0x3FFu
#ifndef WM_COPYGLOBALDATA
#define WM_COPYGLOBALDATA 0x0049
#endif

/* SGR colours 0-15 (the Campbell scheme, readable on the dark background). */
static const COLORREF TERMVIEW_PALETTE[TERM_COLORS] = {
        RGB(0x0C, 0x0C, 0x0C), RGB(0xC5, 0x0F, 0x1F), RGB(0x13, 0xA1, 0x0E), RGB(0xC1, 0x9C, 0x00),
        RGB(0x00, 0x37, 0xDA), RGB(0x88, 0x17, 0x98), RGB(0x3A, 0x96, 0xDD), RGB(0xCC, 0xCC, 0xCC),
        RGB(0x76, 0x76, 0x76), RGB(0xE7, 0x48, 0x56), RGB(0x16, 0xC6, 0x0C), RGB(0xF9, 0xF1, 0xA5),
        RGB(0x3B, 0x78, 0xFF), RGB(0xB4, 0x00, 0x9E), RGB(0x61, 0xD6, 0xD6), RGB(0xF2, 0xF2, 0xF2),
};

/* The faces tried in order; when none is installed the font mapper picks a fixed-pitch one. */
static const wchar_t *const TERMVIEW_FACES[] = {L"Cascadia Mono", L"Consolas", L"Courier New"};

static const LONG TERMVIEW_WEIGHTS[TERMVIEW_FONT_COUNT] = {FW_NORMAL, FW_BOLD};

/* How a cell looks; neighbours that look the same are drawn with one ExtTextOutW. */
struct termview_style {
    COLORREF fg;
    COLORREF bg;
    enum termview_font font;
    bool underline;
    bool own_run; /* a surrogate pair: drawn alone, clipped to its cell */
};

/* Where the cursor is drawn in the view (row -1 when it is not). */
struct termview_cursor {
    int row;
    int col;
    bool block;
};

static struct termview *termview_from(HWND hwnd)
{
    return hwnd != NULL ? (struct termview *)GetWindowLongPtrW(hwnd, GWLP_USERDATA) : NULL;
}

/* ---- Fonts and the cell size ---- */

static int CALLBACK termview_face_found(const LOGFONTW *lf, const TEXTMETRICW *tm, DWORD type,
                                        LPARAM lp)
{
    (void)lf;
    (void)tm;
    (void)type;
    *(bool *)lp = true;
    return 0; /* one is enough */
}

static void termview_choose_face(struct termview *tv)
{
    HDC dc = GetDC(tv->hwnd);
    tv->face[0] = L'\0';
    for (size_t i = 0; dc != NULL && i < sizeof TERMVIEW_FACES / sizeof TERMVIEW_FACES[0]; i++) {
        LOGFONTW lf = {.lfCharSet = DEFAULT_CHARSET};
        bool found = false;
        wcsncpy(lf.lfFaceName, TERMVIEW_FACES[i], LF_FACESIZE - 1);
        EnumFontFamiliesExW(dc, &lf, termview_face_found, (LPARAM)&found, 0);
        if (found) {
            wcscpy(tv->face, lf.lfFaceName);
            break;
        }
    }
    if (dc != NULL) {
        ReleaseDC(tv->hwnd, dc);
    }
}

/* The window's DPI: GetDpiForWindow where there is one (Windows 10 1607), else the screen's. */
static UINT termview_window_dpi(HWND hwnd)
{
    typedef UINT(WINAPI * dpi_fn)(HWND);
    HMODULE user = GetModuleHandleW(L"user32.dll");
    FARPROC proc = user != NULL ? GetProcAddress(user, "GetDpiForWindow") : NULL;
    UINT dpi = 0;
    if (proc != NULL) {
        dpi_fn for_window;
        memcpy(&for_window, &proc, sizeof for_window);
        dpi = for_window(hwnd);
    }
    if (dpi == 0) {
        HDC dc = GetDC(hwnd);
        int caps = dc != NULL ? GetDeviceCaps(dc, LOGPIXELSY) : 0;
        if (dc != NULL) {
            ReleaseDC(hwnd, dc);
        }
        dpi = caps > 0 ? (UINT)caps : TERMVIEW_DEFAULT_DPI;
    }
    return dpi;
}

static HGDIOBJ termview_font(const struct termview *tv, enum termview_font which)
{
    return tv->fonts[which] != NULL ? (HGDIOBJ)tv->fonts[which] : GetStockObject(ANSI_FIXED_FONT);
}

static void termview_free_fonts(struct termview *tv)
{
    for (size_t i = 0; i < TERMVIEW_FONT_COUNT; i++) {
        if (tv->fonts[i] != NULL) {
            DeleteObject(tv->fonts[i]);
            tv->fonts[i] = NULL;
        }
    }
}

static void termview_make_fonts(struct termview *tv)
{
    LOGFONTW lf = {0};
    TEXTMETRICW tm = {0};
    SIZE cell = {0};
    HDC dc;
    termview_free_fonts(tv);
    tv->dpi = termview_window_dpi(tv->hwnd);
    lf.lfHeight = -MulDiv(TERMVIEW_POINTS, (int)tv->dpi, TERMVIEW_POINTS_PER_IN);
    lf.lfCharSet = DEFAULT_CHARSET;
    lf.lfPitchAndFamily = FIXED_PITCH | FF_MODERN;
    lf.lfQuality = CLEARTYPE_QUALITY;
    wcscpy(lf.lfFaceName, tv->face);
    for (size_t i = 0; i < TERMVIEW_FONT_COUNT; i++) {
        lf.lfWeight = TERMVIEW_WEIGHTS[i];
        tv->fonts[i] = CreateFontIndirectW(&lf);
    }
    dc = GetDC(tv->hwnd);
    if (dc != NULL) {
        HGDIOBJ old = SelectObject(dc, termview_font(tv, TERMVIEW_FONT_NORMAL));
        GetTextMetricsW(dc, &tm);
        GetTextExtentPoint32W(dc, L"M", 1, &cell);
        SelectObject(dc, old);
        ReleaseDC(tv->hwnd, dc);
    }
    tv->cell_w = cell.cx > 0 ? cell.cx : 1;
    tv->cell_h = tm.tmHeight > 0 ? tm.tmHeight : 1;
    tv->ascent = tm.tmAscent;
}

/* ---- The view: which lines are shown, what to repaint, the scroll bar ---- */

static int64_t termview_clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void termview_grid_size(const struct termview *tv, int *cols, int *rows)
{
    RECT rc;
    GetClientRect(tv->hwnd, &rc);
    *cols = rc.right / tv->cell_w;
    *rows = rc.bottom / tv->cell_h;
    *cols = *cols < TERM_COLS_MIN ? TERM_COLS_MIN : *cols;
    *rows = *rows < TERM_ROWS_MIN ? TERM_ROWS_MIN : *rows;
}

/* View rows first..last (may lie outside the pane; clamped here). */
static void termview_invalidate_rows(const struct termview *tv, int64_t first, int64_t last)
{
    RECT rc;
    int64_t rows = term_rows(tv->term);
    first = termview_clamp(first, 0, rows);
    last = termview_clamp(last, -1, rows);
    if (first <= last) {
        GetClientRect(tv->hwnd, &rc);
        rc.top = (int)first * tv->cell_h;
        rc.bottom = last >= rows - 1 ? rc.bottom : (int)(last + 1) * tv->cell_h;
        InvalidateRect(tv->hwnd, &rc, FALSE);
    }
}

static void termview_update_scrollbar(struct termview *tv)
{
    int64_t oldest = term_oldest(tv->term);
    int rows = term_rows(tv->term);
    SCROLLINFO si = {
            .cbSize = sizeof si,
            .fMask = SIF_ALL | SIF_DISABLENOSCROLL,
            .nMin = 0,
            .nMax = (int)(term_top(tv->term) - oldest) + rows - 1,
            .nPage = (UINT)rows,
            .nPos = (int)(tv->view_top - oldest),
    };
    if (si.nMax != tv->shown.nMax || si.nPage != tv->shown.nPage || si.nPos != tv->shown.nPos) {
        SetScrollInfo(tv->hwnd, SB_VERT, &si, TRUE);
        tv->shown = si;
    }
}

static struct termview_cursor termview_cursor_at(const struct termview *tv)
{
    struct termview_cursor c = {.row = -1, .block = tv->focused};
    int row = 0;
    bool visible = false;
    int64_t view_row;
    term_cursor(tv->term, &row, &c.col, &visible);
    view_row = term_top(tv->term) + row - tv->view_top;
    if (visible && view_row >= 0 && view_row < term_rows(tv->term)) {
        c.row = (int)view_row;
    }
    return c;
}

/* Takes the model's damage and repaints what it says (everything when `all`); a view that
 * follows the output stays at the bottom, one scrolled back stays on its lines. */
static void termview_update(struct termview *tv, bool all)
{
    struct term_damage d;
    int64_t top = term_top(tv->term);
    int64_t before = tv->view_top;
    struct termview_cursor cursor;
    term_take_damage(tv->term, &d);
    tv->view_top = tv->follow ? top : termview_clamp(tv->view_top, term_oldest(tv->term), top);
    tv->follow = tv->view_top >= top;
    if (all || d.selection || d.scrolled > 0 || tv->view_top != before) {
        InvalidateRect(tv->hwnd, NULL, FALSE);
    } else if (d.first <= d.last) {
        termview_invalidate_rows(tv, top - tv->view_top + d.first, top - tv->view_top + d.last);
    }
    cursor = termview_cursor_at(tv);
    if (cursor.row != tv->cursor_row) {
        termview_invalidate_rows(tv, tv->cursor_row, tv->cursor_row);
    }
    termview_invalidate_rows(tv, cursor.row, cursor.row); /* it may have moved along the row */
    tv->cursor_row = cursor.row;
    termview_update_scrollbar(tv);
}

void termview_refresh(struct termview *tv)
{
    termview_update(tv, false);
}

void termview_scroll_to(struct termview *tv, int64_t top)
{
    int64_t bottom = term_top(tv->term);
    top = termview_clamp(top, term_oldest(tv->term), bottom);
    if (top != tv->view_top) {
        tv->view_top = top;
        tv->follow = top >= bottom;
        termview_update(tv, true);
    }
}

void termview_scroll_by(struct termview *tv, int64_t lines)
{
    termview_scroll_to(tv, tv->view_top + lines);
}

void termview_scroll_bottom(struct termview *tv)
{
    termview_scroll_to(tv, term_top(tv->term));
}

/* The grid follows the client size (after a resize or a new font). */
static void termview_fit(struct termview *tv)
{
    int cols = 0;
    int rows = 0;
    termview_grid_size(tv, &cols, &rows);
    if (cols != term_cols(tv->term) || rows != term_rows(tv->term)) {
        term_resize(tv->term, cols, rows);
    }
    termview_update(tv, true);
}

void termview_clear_all(struct termview *tv)
{
    term_clear(tv->term);
    term_select_clear(tv->term);
    tv->follow = true;
    termview_update(tv, true);
}

/* ---- Notifications to the parent ---- */

void termview_notify(struct termview *tv, UINT code, NMHDR *hdr)
{
    HWND parent = GetParent(tv->hwnd);
    hdr->hwndFrom = tv->hwnd;
    hdr->idFrom = (UINT_PTR)GetDlgCtrlID(tv->hwnd);
    hdr->code = code;
    if (parent != NULL) {
        SendMessageW(parent, WM_NOTIFY, (WPARAM)hdr->idFrom, (LPARAM)hdr);
    }
}

void termview_send(struct termview *tv, UINT code, const char *bytes, size_t len)
{
    struct termview_bytes b = {.bytes = bytes, .len = len};
    if (len > 0) {
        termview_notify(tv, code, &b.hdr);
    }
}

/* The model's answers to the board's queries. */
static void termview_reply(void *ctx, const char *bytes, size_t len)
{
    termview_send(ctx, TVN_INPUT, bytes, len);
}

/* ---- Painting ---- */

static void termview_fill(HDC dc, const RECT *rc, COLORREF color)
{
    SetBkColor(dc, color);
    ExtTextOutW(dc, 0, 0, ETO_OPAQUE, rc, NULL, 0, NULL);
}

static COLORREF termview_color(uint8_t index, COLORREF fallback)
{
    return index < TERM_COLORS ? TERMVIEW_PALETTE[index] : fallback;
}

static struct termview_style termview_cell_style(const struct termview *tv, int64_t line, int col,
                                                 const struct term_cell *cell, bool cursor)
{
    struct termview_style s = {
            .fg = termview_color(cell->fg, TERMVIEW_FG),
            .bg = termview_color(cell->bg, TERMVIEW_BG),
            .font = (cell->attr & TERM_ATTR_BOLD) != 0 ? TERMVIEW_FONT_BOLD : TERMVIEW_FONT_NORMAL,
            .underline = (cell->attr & TERM_ATTR_UNDERLINE) != 0,
            .own_run = cell->ch >= TERMVIEW_BMP_LIMIT,
    };
    COLORREF swap;
    if ((cell->attr & TERM_ATTR_REVERSE) != 0) {
        swap = s.fg;
        s.fg = s.bg;
        s.bg = swap;
    }
    if (term_selected(tv->term, line, col)) {
        s.fg = TERMVIEW_SEL_FG;
        s.bg = TERMVIEW_SEL_BG;
    }
    if (cursor) { /* the focused block cursor shows the cell inverted */
        swap = s.fg;
        s.fg = s.bg;
        s.bg = swap;
    }
    return s;
}

static bool termview_same_style(const struct termview_style *a, const struct termview_style *b)
{
    return a->fg == b->fg && a->bg == b->bg && a->font == b->font && a->underline == b->underline &&
           !a->own_run && !b->own_run;
}

/* A cell's character as UTF-16 with its advance: one cell (a pair's low half advances 0). */
static size_t termview_put(uint32_t ch, int cell_w, wchar_t *text, INT *dx)
{
    if (ch < TERMVIEW_BMP_LIMIT) {
        text[0] = ch == 0 ? L' ' : (wchar_t)ch;
        dx[0] = cell_w;
        return 1;
    }
    ch -= TERMVIEW_SURROGATE_OFF;
    text[0] = (wchar_t)(TERMVIEW_HIGH_FIRST + (ch >> TERMVIEW_SURROGATE_BITS));
    text[1] = (wchar_t)(TERMVIEW_LOW_FIRST + (ch & TERMVIEW_SURROGATE_MASK));
    dx[0] = cell_w;
    dx[1] = 0;
    return 2;
}

static void termview_draw_run(const struct termview *tv, HDC dc, const struct termview_style *s,
                              const RECT *rc, const wchar_t *text, size_t n, const INT *dx)
{
    SelectObject(dc, termview_font(tv, s->font));
    SetTextColor(dc, s->fg);
    SetBkColor(dc, s->bg);
    ExtTextOutW(dc, rc->left, rc->top, ETO_OPAQUE | ETO_CLIPPED, rc, text, (UINT)n, dx);
    if (s->underline) {
        int thick = MulDiv(1, (int)tv->dpi, TERMVIEW_DEFAULT_DPI);
        RECT line = {rc->left, rc->top + tv->ascent + thick, rc->right, 0};
        line.bottom = line.top + (thick > 0 ? thick : 1);
        termview_fill(dc, &line, s->fg);
    }
}

/* One view row at y: runs of equal style, the rest of the width in the background colour. */
static void termview_paint_row(const struct termview *tv, HDC dc, int width, int row, int y,
                               const struct termview_cursor *cursor)
{
    wchar_t text[TERMVIEW_RUN_MAX];
    INT dx[TERMVIEW_RUN_MAX];
    int cols = term_cols(tv->term);
    int64_t line = tv->view_top + row;
    const struct term_cell *cells =
            row < term_rows(tv->term) ? term_line(tv->term, line, NULL) : NULL;
    RECT rest = {0, y, width, y + tv->cell_h};
    struct termview_style run = {0};
    struct termview_style s = {0};
    int start = 0;
    size_t n = 0;
    for (int col = 0; cells != NULL && col <= cols; col++) {
        if (col < cols) {
            bool at_cursor = row == cursor->row && col == cursor->col && cursor->block;
            s = termview_cell_style(tv, line, col, &cells[col], at_cursor);
        }
        if (n > 0 && (col == cols || !termview_same_style(&run, &s))) { /* the run ends */
            RECT rc = {start * tv->cell_w, y, col * tv->cell_w, y + tv->cell_h};
            termview_draw_run(tv, dc, &run, &rc, text, n, dx);
            rest.left = rc.right;
            start = col;
            n = 0;
        }
        if (col < cols) {
            run = n == 0 ? s : run;
            n += termview_put(cells[col].ch, tv->cell_w, text + n, dx + n);
        }
    }
    termview_fill(dc, &rest, TERMVIEW_BG);
    if (cells != NULL && row == cursor->row && !cursor->block) {
        RECT box = {cursor->col * tv->cell_w, y, (cursor->col + 1) * tv->cell_w, y + tv->cell_h};
        HBRUSH brush = CreateSolidBrush(TERMVIEW_FG);
        if (brush != NULL) {
            FrameRect(dc, &box, brush);
            DeleteObject(brush);
        }
    }
}

static LRESULT termview_on_paint(struct termview *tv, WPARAM wp, LPARAM lp)
{
    PAINTSTRUCT ps;
    RECT client;
    HDC dc = BeginPaint(tv->hwnd, &ps);
    struct termview_cursor cursor = termview_cursor_at(tv);
    (void)wp;
    (void)lp;
    GetClientRect(tv->hwnd, &client);
    if (dc != NULL && client.right > 0 && ps.rcPaint.bottom > ps.rcPaint.top) {
        int first = ps.rcPaint.top / tv->cell_h;
        int last = (ps.rcPaint.bottom - 1) / tv->cell_h;
        int height = (last - first + 1) * tv->cell_h;
        HDC mem = CreateCompatibleDC(dc);
        HBITMAP bitmap = mem != NULL ? CreateCompatibleBitmap(dc, client.right, height) : NULL;
        HDC target = bitmap != NULL ? mem : dc; /* unbuffered when memory is short */
        HGDIOBJ old_bitmap = bitmap != NULL ? SelectObject(mem, bitmap) : NULL;
        HGDIOBJ old_font = SelectObject(target, termview_font(tv, TERMVIEW_FONT_NORMAL));
        int origin = target == mem ? first * tv->cell_h : 0;
        for (int row = first; row <= last; row++) {
            termview_paint_row(tv, target, client.right, row, row * tv->cell_h - origin, &cursor);
        }
        SelectObject(target, old_font);
        if (target == mem) {
            BitBlt(dc, 0, origin, client.right, height, mem, 0, 0, SRCCOPY);
            SelectObject(mem, old_bitmap);
        }
        if (bitmap != NULL) {
            DeleteObject(bitmap);
        }
        if (mem != NULL) {
            DeleteDC(mem);
        }
    }
    EndPaint(tv->hwnd, &ps);
    return 0;
}

/* ---- Messages ---- */

static LRESULT termview_on_nccreate(struct termview *tv, WPARAM wp, LPARAM lp)
{
    return DefWindowProcW(tv->hwnd, WM_NCCREATE, wp, lp);
}

static LRESULT termview_on_create(struct termview *tv, WPARAM wp, LPARAM lp)
{
    struct term_config config = {
            .scrollback = TERM_SCROLLBACK_DEFAULT, .reply = termview_reply, .ctx = tv};
    (void)wp;
    (void)lp;
    termview_choose_face(tv);
    termview_make_fonts(tv);
    termview_grid_size(tv, &config.cols, &config.rows);
    tv->term = term_new(&config);
    if (tv->term == NULL) {
        return -1;
    }
    tv->follow = true;
    tv->cursor_row = -1;
    tv->view_top = term_top(tv->term);
    DragAcceptFiles(tv->hwnd, TRUE);
    ChangeWindowMessageFilterEx(tv->hwnd, WM_DROPFILES, MSGFLT_ALLOW, NULL);
    ChangeWindowMessageFilterEx(tv->hwnd, WM_COPYGLOBALDATA, MSGFLT_ALLOW, NULL);
    termview_update(tv, true);
    return 0;
}

static LRESULT termview_on_ncdestroy(struct termview *tv, WPARAM wp, LPARAM lp)
{
    HWND hwnd = tv->hwnd;
    SetWindowLongPtrW(hwnd, GWLP_USERDATA, 0);
    term_free(tv->term);
    termview_free_fonts(tv);
    free(tv);
    return DefWindowProcW(hwnd, WM_NCDESTROY, wp, lp);
}

static LRESULT termview_on_size(struct termview *tv, WPARAM wp, LPARAM lp)
{
    if (wp != SIZE_MINIMIZED && LOWORD(lp) > 0 && HIWORD(lp) > 0) {
        termview_fit(tv);
    }
    return 0;
}

static LRESULT termview_on_erasebkgnd(struct termview *tv, WPARAM wp, LPARAM lp)
{
    (void)tv;
    (void)wp;
    (void)lp;
    return 1; /* WM_PAINT covers every pixel */
}

static LRESULT termview_on_focus(struct termview *tv, bool focused)
{
    tv->focused = focused;
    termview_invalidate_rows(tv, tv->cursor_row, tv->cursor_row);
    return 0;
}

static LRESULT termview_on_setfocus(struct termview *tv, WPARAM wp, LPARAM lp)
{
    (void)wp;
    (void)lp;
    return termview_on_focus(tv, true);
}

static LRESULT termview_on_killfocus(struct termview *tv, WPARAM wp, LPARAM lp)
{
    (void)wp;
    (void)lp;
    tv->high = 0;
    return termview_on_focus(tv, false);
}

static LRESULT termview_on_enable(struct termview *tv, WPARAM wp, LPARAM lp)
{
    (void)wp;
    (void)lp;
    InvalidateRect(tv->hwnd, NULL, FALSE);
    return 0;
}

static LRESULT termview_on_getfont(struct termview *tv, WPARAM wp, LPARAM lp)
{
    (void)wp;
    (void)lp;
    return (LRESULT)tv->fonts[TERMVIEW_FONT_NORMAL];
}

static const struct termview_message_row {
    UINT msg;
    termview_handler handle;
} TERMVIEW_MESSAGES[] = {
        {WM_NCCREATE, termview_on_nccreate},
        {WM_CREATE, termview_on_create},
        {WM_NCDESTROY, termview_on_ncdestroy},
        {WM_SIZE, termview_on_size},
        {WM_PAINT, termview_on_paint},
        {WM_ERASEBKGND, termview_on_erasebkgnd},
        {WM_SETFOCUS, termview_on_setfocus},
        {WM_KILLFOCUS, termview_on_killfocus},
        {WM_ENABLE, termview_on_enable},
        {WM_VSCROLL, termview_on_vscroll},
        {WM_MOUSEWHEEL, termview_on_mousewheel},
        {WM_GETFONT, termview_on_getfont},
        {WM_GETDLGCODE, termview_on_getdlgcode},
        {WM_KEYDOWN, termview_on_keydown},
        {WM_CHAR, termview_on_char},
        {WM_LBUTTONDOWN, termview_on_lbuttondown},
        {WM_LBUTTONDBLCLK, termview_on_lbuttondblclk},
        {WM_MOUSEMOVE, termview_on_mousemove},
        {WM_LBUTTONUP, termview_on_lbuttonup},
        {WM_CAPTURECHANGED, termview_on_capturechanged},
        {WM_TIMER, termview_on_timer},
        {WM_CONTEXTMENU, termview_on_contextmenu},
        {WM_COPY, termview_on_copy},
        {WM_PASTE, termview_on_paste},
        {WM_DROPFILES, termview_on_dropfiles},
        {WM_GETTEXTLENGTH, termview_on_gettextlength},
        {WM_GETTEXT, termview_on_gettext},
        {WM_SETTEXT, termview_on_settext},
};

static LRESULT CALLBACK termview_proc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp)
{
    struct termview *tv = termview_from(hwnd);
    if (msg == WM_NCCREATE && tv == NULL) {
        tv = calloc(1, sizeof *tv);
        if (tv == NULL) {
            return FALSE;
        }
        tv->hwnd = hwnd;
        SetWindowLongPtrW(hwnd, GWLP_USERDATA, (LONG_PTR)tv);
    }
    /* Messages before WM_NCCREATE, and the model's messages only once it exists. */
    if (tv != NULL &&
        (tv->term != NULL || msg == WM_NCCREATE || msg == WM_CREATE || msg == WM_NCDESTROY)) {
        for (size_t i = 0; i < sizeof TERMVIEW_MESSAGES / sizeof TERMVIEW_MESSAGES[0]; i++) {
            if (TERMVIEW_MESSAGES[i].msg == msg) {
                return TERMVIEW_MESSAGES[i].handle(tv, wp, lp);
            }
        }
    }
    return DefWindowProcW(hwnd, msg, wp, lp);
}

/* ---- The interface ---- */

bool termview_register(HINSTANCE instance)
{
    WNDCLASSEXW existing = {.cbSize = sizeof existing};
    WNDCLASSEXW wc = {
            .cbSize = sizeof wc,
            .style = CS_DBLCLKS,
            .lpfnWndProc = termview_proc,
            .hInstance = instance,
            .hCursor = LoadCursorW(NULL, IDC_IBEAM),
            .lpszClassName = TERMVIEW_CLASS,
    };
    return GetClassInfoExW(instance, TERMVIEW_CLASS, &existing) || RegisterClassExW(&wc) != 0;
}

void termview_write(HWND view, const void *data, size_t len)
{
    struct termview *tv = termview_from(view);
    if (tv != NULL && tv->term != NULL && len > 0) {
        term_write(tv->term, data, len);
        termview_refresh(tv);
    }
}

void termview_clear(HWND view)
{
    struct termview *tv = termview_from(view);
    if (tv != NULL && tv->term != NULL) {
        termview_clear_all(tv);
    }
}

char *termview_text(HWND view, size_t *len)
{
    struct termview *tv = termview_from(view);
    char *text = NULL;
    *len = 0;
    if (tv != NULL && tv->term != NULL) {
        int64_t last = term_top(tv->term) + term_rows(tv->term) - 1;
        text = term_text(tv->term, term_oldest(tv->term), last, len);
        if (text == NULL && (text = malloc(1)) != NULL) { /* nothing to say */
            text[0] = '\0';
            *len = 0;
        }
    }
    return text;
}

struct term *termview_term(HWND view)
{
    struct termview *tv = termview_from(view);
    return tv != NULL ? tv->term : NULL;
}

void termview_dpi_changed(HWND view)
{
    struct termview *tv = termview_from(view);
    if (tv != NULL && tv->term != NULL) {
        termview_make_fonts(tv);
        termview_fit(tv);
    }
}
