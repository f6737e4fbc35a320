/* SPDX-License-Identifier: MIT */
/* The main window's layout: vertical bands from a table (each control: band, horizontal and
 * vertical anchor), measured from the dialog template at start so it follows font and DPI. */
#include "mainwnd.h"
#include "termview.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#ifndef WM_DPICHANGED
#define WM_DPICHANGED 0x02E0
#endif

enum layout_band {
    LAYOUT_BAND_SOURCE = 0, /* port and firmware */
    LAYOUT_BAND_ADVANCED,   /* folded by default */
    LAYOUT_BAND_ACTION,     /* erase-all, Flash, Cancel, progress, board */
    LAYOUT_BAND_PROBLEM,    /* hidden without a problem */
    LAYOUT_BAND_VIEWS,      /* terminal and log tabs: the rest of the height */
    LAYOUT_BANDS,
};

enum layout_h {
    LAYOUT_LEFT,    /* keeps its x and width */
    LAYOUT_STRETCH, /* keeps its x and its distance to the right edge */
    LAYOUT_RIGHT,   /* keeps its width and its distance to the right edge */
};

enum layout_v {
    LAYOUT_TOP,    /* keeps its distance to the band's top */
    LAYOUT_FILL,   /* keeps its distance to the band's top and bottom */
    LAYOUT_BOTTOM, /* keeps its distance to the band's bottom */
    LAYOUT_PAGE,   /* fills the tab control's page */
};

#define LAYOUT_WRAP 1u /* a wrapping text: grows its band when its text needs more lines */

static const struct layout_item {
    int id;
    enum layout_band band;
    enum layout_h h;
    enum layout_v v;
    unsigned flags;
} LAYOUT_ITEMS[] = {
        {IDC_PORT_LABEL, LAYOUT_BAND_SOURCE, LAYOUT_LEFT, LAYOUT_TOP, 0},
        {IDC_PORT, LAYOUT_BAND_SOURCE, LAYOUT_STRETCH, LAYOUT_TOP, 0},
        {IDC_PORT_NOTE, LAYOUT_BAND_SOURCE, LAYOUT_STRETCH, LAYOUT_TOP, LAYOUT_WRAP},
        {IDC_FILE_LABEL, LAYOUT_BAND_SOURCE, LAYOUT_LEFT, LAYOUT_TOP, 0},
        {IDC_FILE, LAYOUT_BAND_SOURCE, LAYOUT_STRETCH, LAYOUT_TOP, 0},
        {IDC_BROWSE, LAYOUT_BAND_SOURCE, LAYOUT_RIGHT, LAYOUT_TOP, 0},
        {IDC_FILE_INFO, LAYOUT_BAND_SOURCE, LAYOUT_STRETCH, LAYOUT_TOP, LAYOUT_WRAP},
        {IDC_ADVANCED, LAYOUT_BAND_SOURCE, LAYOUT_RIGHT, LAYOUT_TOP, 0},
        {IDC_ADV_GROUP, LAYOUT_BAND_ADVANCED, LAYOUT_STRETCH, LAYOUT_FILL, 0},
        {IDC_BAUD_LABEL, LAYOUT_BAND_ADVANCED, LAYOUT_LEFT, LAYOUT_TOP, 0},
        {IDC_BAUD, LAYOUT_BAND_ADVANCED, LAYOUT_LEFT, LAYOUT_TOP, 0},
        {IDC_MODE_LABEL, LAYOUT_BAND_ADVANCED, LAYOUT_LEFT, LAYOUT_TOP, 0},
        {IDC_MODE, LAYOUT_BAND_ADVANCED, LAYOUT_LEFT, LAYOUT_TOP, 0},
        {IDC_FLASH_SIZE_LABEL, LAYOUT_BAND_ADVANCED, LAYOUT_LEFT, LAYOUT_TOP, 0},
        {IDC_FLASH_SIZE, LAYOUT_BAND_ADVANCED, LAYOUT_LEFT, LAYOUT_TOP, 0},
        {IDC_OFFSET_LABEL, LAYOUT_BAND_ADVANCED, LAYOUT_LEFT, LAYOUT_TOP, 0},
        {IDC_OFFSET, LAYOUT_BAND_ADVANCED, LAYOUT_LEFT, LAYOUT_TOP, 0},
        {IDC_BEFORE_LABEL, LAYOUT_BAND_ADVANCED, LAYOUT_LEFT, LAYOUT_TOP, 0},
        {IDC_BEFORE, LAYOUT_BAND_ADVANCED, LAYOUT_LEFT, LAYOUT_TOP, 0},
        {IDC_AFTER_LABEL, LAYOUT_BAND_ADVANCED, LAYOUT_LEFT, LAYOUT_TOP, 0},
        {IDC_AFTER, LAYOUT_BAND_ADVANCED, LAYOUT_LEFT, LAYOUT_TOP, 0},
        {IDC_EXTRA_LABEL, LAYOUT_BAND_ADVANCED, LAYOUT_STRETCH, LAYOUT_TOP, 0},
        {IDC_EXTRA, LAYOUT_BAND_ADVANCED, LAYOUT_STRETCH, LAYOUT_TOP, 0},
        {IDC_EXTRA_ADD, LAYOUT_BAND_ADVANCED, LAYOUT_RIGHT, LAYOUT_TOP, 0},
        {IDC_EXTRA_REMOVE, LAYOUT_BAND_ADVANCED, LAYOUT_RIGHT, LAYOUT_TOP, 0},
        {IDC_ERASE_ALL, LAYOUT_BAND_ACTION, LAYOUT_LEFT, LAYOUT_TOP, 0},
        {IDC_FLASH, LAYOUT_BAND_ACTION, LAYOUT_RIGHT, LAYOUT_TOP, 0},
        {IDC_CANCEL, LAYOUT_BAND_ACTION, LAYOUT_RIGHT, LAYOUT_TOP, 0},
        {IDC_STAGE, LAYOUT_BAND_ACTION, LAYOUT_STRETCH, LAYOUT_TOP, 0},
        {IDC_PROGRESS, LAYOUT_BAND_ACTION, LAYOUT_STRETCH, LAYOUT_TOP, 0},
        {IDC_DETAIL, LAYOUT_BAND_ACTION, LAYOUT_RIGHT, LAYOUT_TOP, 0},
        {IDC_BOARD, LAYOUT_BAND_ACTION, LAYOUT_STRETCH, LAYOUT_TOP, 0},
        {IDC_PROBLEM_GROUP, LAYOUT_BAND_PROBLEM, LAYOUT_STRETCH, LAYOUT_FILL, 0},
        {IDC_PROBLEM_TITLE, LAYOUT_BAND_PROBLEM, LAYOUT_STRETCH, LAYOUT_TOP, 0},
        {IDC_PROBLEM_TEXT, LAYOUT_BAND_PROBLEM, LAYOUT_STRETCH, LAYOUT_TOP, LAYOUT_WRAP},
        {IDC_PROBLEM_ACT1, LAYOUT_BAND_PROBLEM, LAYOUT_LEFT, LAYOUT_TOP, 0},
        {IDC_PROBLEM_ACT2, LAYOUT_BAND_PROBLEM, LAYOUT_LEFT, LAYOUT_TOP, 0},
        {IDC_PROBLEM_ACT3, LAYOUT_BAND_PROBLEM, LAYOUT_LEFT, LAYOUT_TOP, 0},
        {IDC_COPY_DETAILS, LAYOUT_BAND_PROBLEM, LAYOUT_RIGHT, LAYOUT_TOP, 0},
        {IDC_TABS, LAYOUT_BAND_VIEWS, LAYOUT_STRETCH, LAYOUT_FILL, 0},
        {IDC_TERM, LAYOUT_BAND_VIEWS, LAYOUT_STRETCH, LAYOUT_PAGE, 0},
        {IDC_FILES_LIST, LAYOUT_BAND_VIEWS, LAYOUT_STRETCH, LAYOUT_PAGE, 0},
        {IDC_LOG, LAYOUT_BAND_VIEWS, LAYOUT_STRETCH, LAYOUT_PAGE, 0},
        {IDC_SAVE_LOG, LAYOUT_BAND_VIEWS, LAYOUT_RIGHT, LAYOUT_BOTTOM, 0},
        {IDC_TERM_CONNECT, LAYOUT_BAND_VIEWS, LAYOUT_LEFT, LAYOUT_BOTTOM, 0},
        {IDC_TERM_BAUD, LAYOUT_BAND_VIEWS, LAYOUT_LEFT, LAYOUT_BOTTOM, 0},
        {IDC_TERM_RESET, LAYOUT_BAND_VIEWS, LAYOUT_LEFT, LAYOUT_BOTTOM, 0},
        {IDC_TERM_BOOTLOADER, LAYOUT_BAND_VIEWS, LAYOUT_LEFT, LAYOUT_BOTTOM, 0},
        {IDC_TERM_UPLOAD, LAYOUT_BAND_VIEWS, LAYOUT_LEFT, LAYOUT_BOTTOM, 0},
        {IDC_TERM_MORE, LAYOUT_BAND_VIEWS, LAYOUT_LEFT, LAYOUT_BOTTOM, 0},
        {IDC_FILES_UPLOAD, LAYOUT_BAND_VIEWS, LAYOUT_LEFT, LAYOUT_BOTTOM, 0},
        {IDC_FILES_DOWNLOAD, LAYOUT_BAND_VIEWS, LAYOUT_LEFT, LAYOUT_BOTTOM, 0},
        {IDC_FILES_DELETE, LAYOUT_BAND_VIEWS, LAYOUT_LEFT, LAYOUT_BOTTOM, 0},
        {IDC_FILES_REFRESH, LAYOUT_BAND_VIEWS, LAYOUT_LEFT, LAYOUT_BOTTOM, 0},
};

#define LAYOUT_NITEMS (sizeof LAYOUT_ITEMS / sizeof LAYOUT_ITEMS[0])

/* Dialog units (4 per average character width, 8 per character height). */
#define LAYOUT_DLU_X          4
#define LAYOUT_DLU_Y          8
#define LAYOUT_VIEWS_MIN_DLU  48 /* the tabs get at least this where the screen allows */
#define LAYOUT_COMBO_LIST_DLU 120
#define LAYOUT_ALPHABET       L"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#define LAYOUT_ALPHABET_LEN   52
#define LAYOUT_TERM_POINTS    10
#define LAYOUT_POINTS_PER_IN  72
#define LAYOUT_DEFAULT_DPI    96u
#define LAYOUT_TERM_FACE      L"Consolas"
#define LAYOUT_ADV_FOLDED     L"&Advanced options \x25B8"
#define LAYOUT_ADV_SHOWN      L"&Advanced options \x25BE"

/* The tabs, in order, and the controls each one shows (the others are on every tab). */
static const wchar_t *const LAYOUT_TABS[MAINWND_TABS] = {
        [MAINWND_TAB_TERMINAL] = L"Terminal",
        [MAINWND_TAB_FILES] = L"Files on the board",
        [MAINWND_TAB_LOG] = L"Log",
};

static const struct {
    int id;
    enum mainwnd_tab tab;
} LAYOUT_TAB_ITEMS[] = {
        {IDC_TERM, MAINWND_TAB_TERMINAL},
        {IDC_TERM_CONNECT, MAINWND_TAB_TERMINAL},
        {IDC_TERM_BAUD, MAINWND_TAB_TERMINAL},
        {IDC_TERM_RESET, MAINWND_TAB_TERMINAL},
        {IDC_TERM_BOOTLOADER, MAINWND_TAB_TERMINAL},
        {IDC_TERM_UPLOAD, MAINWND_TAB_TERMINAL},
        {IDC_TERM_MORE, MAINWND_TAB_TERMINAL},
        {IDC_FILES_LIST, MAINWND_TAB_FILES},
        {IDC_FILES_UPLOAD, MAINWND_TAB_FILES},
        {IDC_FILES_DOWNLOAD, MAINWND_TAB_FILES},
        {IDC_FILES_DELETE, MAINWND_TAB_FILES},
        {IDC_FILES_REFRESH, MAINWND_TAB_FILES},
        {IDC_LOG, MAINWND_TAB_LOG},
        {IDC_SAVE_LOG, MAINWND_TAB_LOG},
};
#define LAYOUT_DDC_DISABLE_ALL 0x0001

_Static_assert(LAYOUT_NITEMS <= MAINWND_SLOTS, "more layout items than slots");
_Static_assert(LAYOUT_BANDS <= 8, "more bands than the layout keeps");

/* Dialog base units of a font: average width of the alphabet and the character height. */
static SIZE layout_base_units(const struct app *app)
{
    SIZE base = {LAYOUT_DLU_X * 2, LAYOUT_DLU_Y * 2};
    HWND hwnd = app->hwnd;
    HDC dc = GetDC(hwnd);
    HFONT font = app->font_dialog != NULL ? app->font_dialog
                                          : (HFONT)SendMessageW(hwnd, WM_GETFONT, 0, 0);
    HGDIOBJ old = SelectObject(dc, font != NULL ? (HGDIOBJ)font : GetStockObject(SYSTEM_FONT));
    TEXTMETRICW tm;
    SIZE ext;
    if (GetTextMetricsW(dc, &tm) &&
        GetTextExtentPoint32W(dc, LAYOUT_ALPHABET, LAYOUT_ALPHABET_LEN, &ext)) {
        base.cx = (ext.cx / (LAYOUT_ALPHABET_LEN / 2) + 1) / 2;
        base.cy = tm.tmHeight;
    }
    SelectObject(dc, old);
    ReleaseDC(hwnd, dc);
    return base;
}

static int layout_sx(const struct app *app, SIZE now, int v)
{
    return MulDiv(v, now.cx, app->layout.base.cx);
}

static int layout_sy(const struct app *app, SIZE now, int v)
{
    return MulDiv(v, now.cy, app->layout.base.cy);
}

static bool layout_is_combo(HWND hwnd)
{
    wchar_t cls[16];
    return GetClassNameW(hwnd, cls, 16) > 0 && _wcsicmp(cls, WC_COMBOBOXW) == 0;
}

static UINT layout_window_dpi(HWND hwnd)
{
    HDC dc = GetDC(hwnd);
    int dpi = GetDeviceCaps(dc, LOGPIXELSY);
    ReleaseDC(hwnd, dc);
    return dpi > 0 ? (UINT)dpi : LAYOUT_DEFAULT_DPI;
}

void mainwnd_layout_fonts(struct app *app)
{
    HFONT dialog = app->font_dialog != NULL ? app->font_dialog
                                            : (HFONT)SendMessageW(app->hwnd, WM_GETFONT, 0, 0);
    LOGFONTW lf;
    if (app->font_bold != NULL) {
        DeleteObject(app->font_bold);
        app->font_bold = NULL;
    }
    if (dialog != NULL && GetObjectW(dialog, sizeof lf, &lf) == sizeof lf) {
        lf.lfWeight = FW_BOLD;
        app->font_bold = CreateFontIndirectW(&lf);
        SendMessageW(mainwnd_item(app, IDC_PROBLEM_TITLE), WM_SETFONT, (WPARAM)app->font_bold,
                     TRUE);
    }
    if (app->font_term != NULL) {
        DeleteObject(app->font_term);
    }
    memset(&lf, 0, sizeof lf);
    lf.lfHeight = -MulDiv(LAYOUT_TERM_POINTS, (int)app->dpi, LAYOUT_POINTS_PER_IN);
    lf.lfCharSet = DEFAULT_CHARSET;
    lf.lfPitchAndFamily = FIXED_PITCH | FF_MODERN;
    lf.lfQuality = CLEARTYPE_QUALITY;
    wcscpy(lf.lfFaceName, LAYOUT_TERM_FACE);
    app->font_term = CreateFontIndirectW(&lf);
    SendMessageW(mainwnd_item(app, IDC_LOG), WM_SETFONT, (WPARAM)app->font_term, TRUE);
}

static void layout_measure_bands(struct app *app)
{
    struct mainwnd_layout *l = &app->layout;
    for (size_t b = 0; b < LAYOUT_BANDS; b++) {
        l->band_top[b] = INT_MAX;
        l->band_bottom[b] = INT_MIN;
    }
    for (size_t i = 0; i < LAYOUT_NITEMS; i++) {
        const RECT *r = &l->slots[i].rect;
        enum layout_band b = LAYOUT_ITEMS[i].band;
        l->band_top[b] = r->top < l->band_top[b] ? r->top : l->band_top[b];
        l->band_bottom[b] = r->bottom > l->band_bottom[b] ? r->bottom : l->band_bottom[b];
    }
    for (size_t i = 0; i < LAYOUT_NITEMS; i++) {
        l->slots[i].bottom_gap = l->band_bottom[LAYOUT_ITEMS[i].band] - l->slots[i].rect.bottom;
    }
}

/* Windows 10 1703 and later: this window rescales its fonts and layout itself on WM_DPICHANGED,
 * so the dialog manager's own scaling is switched off (SetDialogDpiChangeBehavior). */
static void layout_own_dpi_changes(struct app *app)
{
    typedef BOOL(WINAPI * set_behavior_fn)(HWND, int, int);
    HMODULE user = GetModuleHandleW(L"user32.dll");
    FARPROC proc = user != NULL ? GetProcAddress(user, "SetDialogDpiChangeBehavior") : NULL;
    set_behavior_fn set_behavior;
    if (proc != NULL) {
        memcpy(&set_behavior, &proc, sizeof set_behavior);
        set_behavior(app->hwnd, LAYOUT_DDC_DISABLE_ALL, LAYOUT_DDC_DISABLE_ALL);
    }
}

/* The window starts with the port, firmware and action bands and the views at the template's
 * height (advanced options folded, no problem). */
/* Gives the window a new height (its width stays), kept on the screen's work area: moved up when
 * it would reach past the bottom, never taller than the work area. */
static bool layout_set_height(struct app *app, int height)
{
    RECT w;
    MONITORINFO mi = {.cbSize = sizeof mi};
    if (IsZoomed(app->hwnd) || IsIconic(app->hwnd) || !GetWindowRect(app->hwnd, &w)) {
        return false;
    }
    int top = w.top;
    if (GetMonitorInfoW(MonitorFromWindow(app->hwnd, MONITOR_DEFAULTTONEAREST), &mi)) {
        height = height < mi.rcWork.bottom - mi.rcWork.top ? height
                                                           : mi.rcWork.bottom - mi.rcWork.top;
        top = top + height > mi.rcWork.bottom ? mi.rcWork.bottom - height : top;
    }
    if (height == w.bottom - w.top && top == w.top) {
        return false;
    }
    SetWindowPos(app->hwnd, NULL, w.left, top, w.right - w.left, height,
                 SWP_NOZORDER | SWP_NOACTIVATE);
    return true;
}

/* The window starts with the port, firmware and action bands and the views at the template's
 * height (advanced options folded, no problem). */
static void layout_initial_size(struct app *app)
{
    const struct mainwnd_layout *l = &app->layout;
    const enum layout_band shown[] = {LAYOUT_BAND_SOURCE, LAYOUT_BAND_ACTION, LAYOUT_BAND_VIEWS};
    RECT r = {0, 0, l->client_width, 0};
    RECT w;
    r.bottom = 2 * l->band_top[LAYOUT_BAND_SOURCE];
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
        r.bottom += l->band_bottom[shown[i]] - l->band_top[shown[i]] +
                    (i > 0 ? l->band_top[LAYOUT_BAND_ACTION] - l->band_bottom[LAYOUT_BAND_ADVANCED]
                           : 0);
    }
    AdjustWindowRectEx(&r, (DWORD)GetWindowLongPtrW(app->hwnd, GWL_STYLE), FALSE,
                       (DWORD)GetWindowLongPtrW(app->hwnd, GWL_EXSTYLE));
    GetWindowRect(app->hwnd, &w);
    SetWindowPos(app->hwnd, NULL, w.left, w.top, r.right - r.left, w.bottom - w.top,
                 SWP_NOZORDER | SWP_NOACTIVATE);
    layout_set_height(app, r.bottom - r.top);
}

void mainwnd_layout_init(struct app *app)
{
    struct mainwnd_layout *l = &app->layout;
    TCITEMW tab = {.mask = TCIF_TEXT};
    int left = INT_MAX;
    int right = 0;
    l->base = layout_base_units(app);
    for (size_t i = 0; i < LAYOUT_NITEMS; i++) {
        struct mainwnd_slot *s = &l->slots[i];
        s->hwnd = mainwnd_item(app, LAYOUT_ITEMS[i].id);
        GetWindowRect(s->hwnd, &s->rect);
        MapWindowPoints(NULL, app->hwnd, (POINT *)&s->rect, 2);
        s->combo = layout_is_combo(s->hwnd);
        left = s->rect.left < left ? s->rect.left : left;
        right = s->rect.right > right ? s->rect.right : right;
    }
    /* The template's width from its controls (margins left and right alike): a template
     * larger than the screen was cut short when the dialog was created. */
    l->client_width = right + left;
    for (size_t i = 0; i < LAYOUT_NITEMS; i++) {
        l->slots[i].right_gap = l->client_width - l->slots[i].rect.right;
    }
    layout_measure_bands(app);
    app->dpi = layout_window_dpi(app->hwnd);
    l->font_dpi = app->dpi;
    GetObjectW((HFONT)SendMessageW(app->hwnd, WM_GETFONT, 0, 0), sizeof l->font, &l->font);
    layout_own_dpi_changes(app);
    mainwnd_layout_fonts(app);
    for (size_t i = 0; i < MAINWND_TABS; i++) {
        tab.pszText = (wchar_t *)LAYOUT_TABS[i];
        SendMessageW(mainwnd_item(app, IDC_TABS), TCM_INSERTITEMW, i, (LPARAM)&tab);
    }
    layout_initial_size(app);
    l->nslots = LAYOUT_NITEMS; /* from here on WM_SIZE lays out (once the size is set) */
}

static bool layout_band_shown(const struct app *app, enum layout_band band)
{
    switch (band) {
    case LAYOUT_BAND_ADVANCED: return app->advanced;
    case LAYOUT_BAND_PROBLEM: return app->problem != MAINWND_PROBLEM_NONE;
    default: return true;
    }
}

/* Controls hidden inside a shown band: unused problem actions, the tab not selected. */
static bool layout_item_shown(const struct app *app, int id)
{
    int tab = (int)SendMessageW(mainwnd_item(app, IDC_TABS), TCM_GETCURSEL, 0, 0);
    for (size_t i = 0; i < sizeof LAYOUT_TAB_ITEMS / sizeof LAYOUT_TAB_ITEMS[0]; i++) {
        if (LAYOUT_TAB_ITEMS[i].id == id) {
            return (int)LAYOUT_TAB_ITEMS[i].tab == tab;
        }
    }
    switch (id) {
    case IDC_PROBLEM_ACT1: return app->actions[0] != MAINWND_ACT_NONE;
    case IDC_PROBLEM_ACT2: return app->actions[1] != MAINWND_ACT_NONE;
    case IDC_PROBLEM_ACT3: return app->actions[2] != MAINWND_ACT_NONE;
    default: return true;
    }
}

/* How much taller a wrapping text must be than the template made it, in pixels now. */
static int layout_wrap_extra(const struct app *app, SIZE now, size_t i, int width)
{
    const struct mainwnd_slot *s = &app->layout.slots[i];
    int len = GetWindowTextLengthW(s->hwnd);
    int extra = 0;
    if ((LAYOUT_ITEMS[i].flags & LAYOUT_WRAP) == 0 || len <= 0) {
        return 0;
    }
    wchar_t *text = malloc(((size_t)len + 1u) * sizeof *text);
    HDC dc = GetDC(s->hwnd);
    HFONT font = (HFONT)SendMessageW(s->hwnd, WM_GETFONT, 0, 0);
    HGDIOBJ old = SelectObject(dc, font);
    RECT r = {0, 0, width, 0};
    if (text != NULL) {
        GetWindowTextW(s->hwnd, text, len + 1);
        DrawTextW(dc, text, len, &r, DT_CALCRECT | DT_WORDBREAK | DT_NOPREFIX);
        extra = r.bottom - layout_sy(app, now, s->rect.bottom - s->rect.top);
    }
    SelectObject(dc, old);
    ReleaseDC(s->hwnd, dc);
    free(text);
    return extra > 0 ? extra : 0;
}

struct layout_place {
    int x, y, w, h;
    bool shown;
};

/* The horizontal place of item i in a client `width` pixels wide. */
static void layout_place_h(const struct app *app, SIZE now, size_t i, int width,
                           struct layout_place *p)
{
    const struct mainwnd_slot *s = &app->layout.slots[i];
    int left = layout_sx(app, now, s->rect.left);
    int right = width - layout_sx(app, now, s->right_gap);
    int w = layout_sx(app, now, s->rect.right - s->rect.left);
    switch (LAYOUT_ITEMS[i].h) {
    case LAYOUT_LEFT: p->x = left, p->w = w; break;
    case LAYOUT_STRETCH: p->x = left, p->w = right - left; break;
    case LAYOUT_RIGHT: p->x = right - w, p->w = w; break;
    }
    if (p->w < 1) {
        p->w = 1;
    }
}

/* Places one band's items from `top`; returns the band's height. Each item moves down by the
 * growth of wrapping texts above it; a wrapping text grows by its own growth, groups (FILL) reach
 * the band's new bottom, and every other item keeps its height. */
static int layout_band(struct app *app, SIZE now, enum layout_band band, int top, int height,
                       int width, struct layout_place *places)
{
    const struct mainwnd_layout *l = &app->layout;
    int extra[LAYOUT_NITEMS] = {0};
    int grown = 0;
    for (size_t i = 0; i < LAYOUT_NITEMS; i++) {
        if (LAYOUT_ITEMS[i].band == band) {
            layout_place_h(app, now, i, width, &places[i]);
            extra[i] = layout_wrap_extra(app, now, i, places[i].w);
            grown += extra[i];
        }
    }
    if (height < 0) {
        height = layout_sy(app, now, l->band_bottom[band] - l->band_top[band]) + grown;
    }
    for (size_t i = 0; i < LAYOUT_NITEMS; i++) {
        const struct mainwnd_slot *s = &l->slots[i];
        int above_top = 0;
        if (LAYOUT_ITEMS[i].band != band) {
            continue;
        }
        for (size_t j = 0; j < LAYOUT_NITEMS; j++) {
            if (LAYOUT_ITEMS[j].band == band && extra[j] > 0) {
                above_top += l->slots[j].rect.bottom <= s->rect.top ? extra[j] : 0;
            }
        }
        int y = top + layout_sy(app, now, s->rect.top - l->band_top[band]) + above_top;
        int h = layout_sy(app, now, s->rect.bottom - s->rect.top) + extra[i];
        int bottom = top + height - layout_sy(app, now, s->bottom_gap);
        switch (LAYOUT_ITEMS[i].v) {
        case LAYOUT_TOP:
        case LAYOUT_PAGE: break;
        case LAYOUT_FILL: h = bottom - y; break;
        case LAYOUT_BOTTOM: y = bottom - h; break;
        }
        places[i].y = y;
        places[i].h = h > 1 ? h : 1;
        places[i].shown = layout_item_shown(app, LAYOUT_ITEMS[i].id);
    }
    return height;
}

/* The terminal and the log fill the tab control's page. */
static void layout_pages(struct app *app, struct layout_place *places)
{
    for (size_t i = 0; i < LAYOUT_NITEMS; i++) {
        if (LAYOUT_ITEMS[i].id != IDC_TABS) {
            continue;
        }
        RECT page = {places[i].x, places[i].y, places[i].x + places[i].w,
                     places[i].y + places[i].h};
        SendMessageW(mainwnd_item(app, IDC_TABS), TCM_ADJUSTRECT, FALSE, (LPARAM)&page);
        for (size_t j = 0; j < LAYOUT_NITEMS; j++) {
            if (LAYOUT_ITEMS[j].v == LAYOUT_PAGE) {
                places[j].x = page.left;
                places[j].y = page.top;
                places[j].w = page.right - page.left;
                places[j].h = page.bottom - page.top;
            }
        }
    }
}

/* Whether a control must move, change size or be shown or hidden. A combo box's window is its
 * closed height, so only its place and width count. */
static bool layout_changed(const struct app *app, const struct mainwnd_slot *s,
                           const struct layout_place *p, bool shown)
{
    RECT r;
    bool visible = (GetWindowLongPtrW(s->hwnd, GWL_STYLE) & WS_VISIBLE) != 0;
    if (visible != shown) {
        return true;
    }
    if (!shown) {
        return false;
    }
    if (!GetWindowRect(s->hwnd, &r)) {
        return true;
    }
    MapWindowPoints(NULL, app->hwnd, (POINT *)&r, 2);
    return r.left != p->x || r.top != p->y || r.right - r.left != p->w ||
           (!s->combo && r.bottom - r.top != p->h);
}

/* Moves the controls that changed in one batch. Painting waits for WM_PAINT (the moves do not
 * redraw; one invalidation follows), so a panel that appears costs the UI thread little at once.
 * WM_SETREDRAW is not used: it hides the whole window from other programs while it is off. */
static void layout_move(struct app *app, SIZE now, const struct layout_place *places)
{
    bool changed[LAYOUT_NITEMS];
    int count = 0;
    for (size_t i = 0; i < LAYOUT_NITEMS; i++) {
        bool shown = places[i].shown && layout_band_shown(app, LAYOUT_ITEMS[i].band);
        changed[i] = layout_changed(app, &app->layout.slots[i], &places[i], shown);
        count += changed[i] ? 1 : 0;
    }
    if (count == 0) {
        return; /* most calls change one text and move nothing */
    }
    HDWP defer = BeginDeferWindowPos(count);
    for (size_t i = 0; i < LAYOUT_NITEMS && defer != NULL; i++) {
        const struct mainwnd_slot *s = &app->layout.slots[i];
        bool shown = places[i].shown && layout_band_shown(app, LAYOUT_ITEMS[i].band);
        int h = places[i].h + (s->combo ? MulDiv(LAYOUT_COMBO_LIST_DLU, now.cy, LAYOUT_DLU_Y) : 0);
        UINT flags = SWP_NOZORDER | SWP_NOACTIVATE | SWP_NOREDRAW |
                     (shown ? SWP_SHOWWINDOW : SWP_HIDEWINDOW | SWP_NOMOVE | SWP_NOSIZE);
        if (changed[i]) {
            defer = DeferWindowPos(defer, s->hwnd, NULL, places[i].x, places[i].y, places[i].w, h,
                                   flags);
        }
    }
    if (defer != NULL) {
        EndDeferWindowPos(defer);
    }
    RedrawWindow(app->hwnd, NULL, NULL, RDW_ERASE | RDW_FRAME | RDW_INVALIDATE | RDW_ALLCHILDREN);
}

/* Top margin, gap between bands and bottom margin, all from the template. */
static int layout_gap(const struct app *app, SIZE now)
{
    const struct mainwnd_layout *l = &app->layout;
    return layout_sy(app, now,
                     l->band_top[LAYOUT_BAND_ACTION] - l->band_bottom[LAYOUT_BAND_ADVANCED]);
}

void mainwnd_layout_apply(struct app *app)
{
    struct layout_place places[LAYOUT_NITEMS];
    RECT client;
    SIZE now;
    if (app->layout.nslots == 0) {
        return;
    }
    now = layout_base_units(app);
    GetClientRect(app->hwnd, &client);
    memset(places, 0, sizeof places);
    int y = layout_sy(app, now, app->layout.band_top[LAYOUT_BAND_SOURCE]);
    int gap = layout_gap(app, now);
    int margin = y; /* the same below the views as above the first band */
    for (int b = 0; b < LAYOUT_BANDS; b++) {
        enum layout_band band = (enum layout_band)b;
        int height = -1;
        if (!layout_band_shown(app, band)) {
            continue;
        }
        if (band == LAYOUT_BAND_VIEWS) {
            int least = MulDiv(LAYOUT_VIEWS_MIN_DLU, now.cy, LAYOUT_DLU_Y);
            app->layout.needed = y + least + margin;
            height = client.bottom - margin - y;
            height = height < 1 ? 1 : height;
        }
        y += layout_band(app, now, band, y, height, client.right, places) + gap;
    }
    /* A window too short for what it shows grows first: its WM_SIZE lays everything out once. */
    if (mainwnd_layout_fit(app)) {
        return;
    }
    layout_pages(app, places);
    layout_move(app, now, places);
}

void mainwnd_layout_min_size(struct app *app, MINMAXINFO *mmi)
{
    const struct mainwnd_layout *l = &app->layout;
    RECT r = {0, 0, 0, 0};
    if (l->nslots == 0 || l->needed == 0) {
        return;
    }
    r.right = layout_sx(app, layout_base_units(app), l->client_width);
    r.bottom = l->needed;
    AdjustWindowRectEx(&r, (DWORD)GetWindowLongPtrW(app->hwnd, GWL_STYLE), FALSE,
                       (DWORD)GetWindowLongPtrW(app->hwnd, GWL_EXSTYLE));
    MONITORINFO mi = {.cbSize = sizeof mi};
    int most = GetMonitorInfoW(MonitorFromWindow(app->hwnd, MONITOR_DEFAULTTONEAREST), &mi)
                       ? mi.rcWork.bottom - mi.rcWork.top
                       : INT_MAX;
    mmi->ptMinTrackSize.x = r.right - r.left;
    mmi->ptMinTrackSize.y = r.bottom - r.top < most ? r.bottom - r.top : most;
}

static BOOL CALLBACK layout_set_font(HWND child, LPARAM font)
{
    SendMessageW(child, WM_SETFONT, (WPARAM)font, TRUE);
    return TRUE;
}

void mainwnd_layout_dpi_changed(struct app *app, UINT dpi, const RECT *suggested)
{
    LOGFONTW lf = app->layout.font;
    if (dpi != 0 && dpi != app->dpi && app->layout.font_dpi != 0) {
        lf.lfHeight = MulDiv(lf.lfHeight, (int)dpi, (int)app->layout.font_dpi);
        HFONT scaled = CreateFontIndirectW(&lf);
        if (scaled != NULL) {
            SendMessageW(app->hwnd, WM_SETFONT, (WPARAM)scaled, FALSE);
            EnumChildWindows(app->hwnd, layout_set_font, (LPARAM)scaled);
            if (app->font_dialog != NULL) {
                DeleteObject(app->font_dialog);
            }
            app->font_dialog = scaled;
        }
        app->dpi = dpi;
        mainwnd_layout_fonts(app);
        termview_dpi_changed(mainwnd_item(app, IDC_TERM));
    }
    SetWindowPos(app->hwnd, NULL, suggested->left, suggested->top,
                 suggested->right - suggested->left, suggested->bottom - suggested->top,
                 SWP_NOZORDER | SWP_NOACTIVATE);
    mainwnd_layout_apply(app);
}

void mainwnd_layout_free(struct app *app)
{
    HFONT *fonts[] = {&app->font_dialog, &app->font_bold, &app->font_term};
    for (size_t i = 0; i < sizeof fonts / sizeof fonts[0]; i++) {
        if (*fonts[i] != NULL) {
            DeleteObject(*fonts[i]);
            *fonts[i] = NULL;
        }
    }
}

void mainwnd_show_advanced(struct app *app, bool shown)
{
    RECT window;
    SIZE now = layout_base_units(app);
    const struct mainwnd_layout *l = &app->layout;
    int band = layout_sy(app, now,
                         l->band_top[LAYOUT_BAND_ACTION] - l->band_top[LAYOUT_BAND_ADVANCED]);
    if (app->advanced == shown) {
        return;
    }
    app->advanced = shown;
    SetDlgItemTextW(app->hwnd, IDC_ADVANCED, shown ? LAYOUT_ADV_SHOWN : LAYOUT_ADV_FOLDED);
    /* Laid out at the present size first (that also renews the minimum size), then the window
     * grows or shrinks by the band so the terminal keeps its height. */
    mainwnd_layout_apply(app);
    GetWindowRect(app->hwnd, &window);
    layout_set_height(app, window.bottom - window.top + (shown ? band : -band));
}

void mainwnd_show_tab(struct app *app, int index)
{
    HWND tabs = mainwnd_item(app, IDC_TABS);
    if (SendMessageW(tabs, TCM_GETCURSEL, 0, 0) != index) {
        SendMessageW(tabs, TCM_SETCURSEL, (WPARAM)index, 0);
    }
    mainwnd_layout_apply(app);
}

bool mainwnd_layout_fit(struct app *app)
{
    RECT client;
    RECT window;
    GetClientRect(app->hwnd, &client);
    GetWindowRect(app->hwnd, &window);
    return app->layout.needed > client.bottom &&
           layout_set_height(app, window.bottom - window.top + app->layout.needed - client.bottom);
}
