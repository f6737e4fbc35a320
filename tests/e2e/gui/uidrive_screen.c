/* SPDX-License-Identifier: MIT */
/* uidrive's view of the screen: captures the application's window into a DIB section and writes
 * it as a PNG of our own (IHDR/IDAT/IEND, zlib for deflate and CRC-32), and checks the layout
 * (every visible control inside the client area, no two overlapping). */
#include "uidrive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#define UI_SETTLE_MS      150u /* X has no "painted" event to wait for: let the window flush */
#define UI_LAYOUT_MAX     256u
#define UI_SETTLE_LOOK_MS 100u
#define UI_SETTLE_MAX_MS  3000u
#define UI_MIN_SIDE       6 /* a visible control thinner than this is squeezed out */
#define UI_PNG_RGB        2u
#define UI_PNG_SUB        1u

static void ui_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static bool ui_png_chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len)
{
    uint8_t head[8];
    uint8_t tail[4];
    uLong crc = crc32(0L, Z_NULL, 0);
    ui_be32(head, len);
    memcpy(head + 4, type, 4);
    crc = crc32(crc, head + 4, 4);
    if (len > 0) {
        crc = crc32(crc, data, len);
    }
    ui_be32(tail, (uint32_t)crc);
    return fwrite(head, 1, 8, f) == 8 && (len == 0 || fwrite(data, 1, len, f) == len) &&
           fwrite(tail, 1, 4, f) == 4;
}

/* Writes top-down 32-bit BGRX pixels as an 8-bit RGB PNG with the Sub filter on every row. */
static int ui_png_write(const char *path, const uint8_t *bgrx, uint32_t w, uint32_t h, char *err,
                        size_t cap)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    size_t row = 1u + (size_t)w * 3u;
    size_t raw_len = row * h;
    uLongf z_len = compressBound((uLong)raw_len);
    uint8_t *raw = malloc(raw_len);
    uint8_t *z = malloc(z_len);
    uint8_t ihdr[13];
    FILE *f = NULL;
    int rc = -1;
    if (raw == NULL || z == NULL) {
        snprintf(err, cap, "out of memory");
        goto out;
    }
    for (uint32_t y = 0; y < h; y++) {
        uint8_t *r = raw + row * y;
        const uint8_t *s = bgrx + (size_t)w * 4u * y;
        r[0] = UI_PNG_SUB;
        for (uint32_t x = 0; x < w; x++) {
            for (unsigned k = 0; k < 3; k++) {
                uint8_t v = s[x * 4u + 2u - k]; /* B G R -> R G B */
                uint8_t left = x > 0 ? s[(x - 1u) * 4u + 2u - k] : 0;
                r[1u + x * 3u + k] = (uint8_t)(v - left);
            }
        }
    }
    if (compress2(z, &z_len, raw, (uLong)raw_len, 6) != Z_OK) {
        snprintf(err, cap, "zlib compress2 failed");
        goto out;
    }
    ui_be32(ihdr, w);
    ui_be32(ihdr + 4, h);
    ihdr[8] = 8; /* bits per channel */
    ihdr[9] = UI_PNG_RGB;
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filtering */
    ihdr[12] = 0; /* no interlace */
    f = fopen(path, "wb");
    if (f == NULL) {
        snprintf(err, cap, "cannot create %s", path);
        goto out;
    }
    if (fwrite(sig, 1, 8, f) != 8 || !ui_png_chunk(f, "IHDR", ihdr, 13) ||
        !ui_png_chunk(f, "IDAT", z, (uint32_t)z_len) || !ui_png_chunk(f, "IEND", NULL, 0)) {
        snprintf(err, cap, "cannot write %s", path);
        goto out;
    }
    rc = 0;
out:
    if (f != NULL && fclose(f) != 0 && rc == 0) {
        snprintf(err, cap, "cannot write %s", path);
        rc = -1;
    }
    free(raw);
    free(z);
    return rc;
}

int ui_png_capture(HWND wnd, const char *path, char *err, size_t cap)
{
    RECT r;
    HDC screen = NULL;
    HDC mem = NULL;
    HBITMAP bmp = NULL;
    HGDIOBJ old = NULL;
    void *bits = NULL;
    BITMAPINFO bi;
    int w, h;
    int rc = -1;
    RECT win;
    RECT screen_r;
    if (!GetWindowRect(wnd, &win)) {
        snprintf(err, cap, "the window is gone");
        return -1;
    }
    /* Only the part on the screen (X cannot read pixels outside it): what a user sees. */
    screen_r.left = GetSystemMetrics(SM_XVIRTUALSCREEN);
    screen_r.top = GetSystemMetrics(SM_YVIRTUALSCREEN);
    screen_r.right = screen_r.left + GetSystemMetrics(SM_CXVIRTUALSCREEN);
    screen_r.bottom = screen_r.top + GetSystemMetrics(SM_CYVIRTUALSCREEN);
    if (!IntersectRect(&r, &win, &screen_r)) {
        snprintf(err, cap, "the window (%ld,%ld)-(%ld,%ld) is off the screen", win.left, win.top,
                 win.right, win.bottom);
        return -1;
    }
    if (!EqualRect(&r, &win)) {
        printf("note: the window (%ld,%ld)-(%ld,%ld) reaches beyond the screen "
               "(%ld,%ld)-(%ld,%ld); capturing the visible part\n",
               win.left, win.top, win.right, win.bottom, screen_r.left, screen_r.top,
               screen_r.right, screen_r.bottom);
    }
    w = r.right - r.left;
    h = r.bottom - r.top;
    RedrawWindow(wnd, NULL, NULL,
                 RDW_INVALIDATE | RDW_ERASE | RDW_FRAME | RDW_ALLCHILDREN | RDW_UPDATENOW);
    SendMessageTimeoutW(wnd, WM_NULL, 0, 0, SMTO_NORMAL, UI_SEND_MS, NULL);
    Sleep(UI_SETTLE_MS);
    SendMessageTimeoutW(wnd, WM_NULL, 0, 0, SMTO_NORMAL, UI_SEND_MS, NULL);
    memset(&bi, 0, sizeof bi);
    bi.bmiHeader.biSize = sizeof bi.bmiHeader;
    bi.bmiHeader.biWidth = w;
    bi.bmiHeader.biHeight = -h; /* top-down */
    bi.bmiHeader.biPlanes = 1;
    bi.bmiHeader.biBitCount = 32;
    bi.bmiHeader.biCompression = BI_RGB;
    screen = GetDC(NULL);
    mem = screen != NULL ? CreateCompatibleDC(screen) : NULL;
    bmp = mem != NULL ? CreateDIBSection(mem, &bi, DIB_RGB_COLORS, &bits, NULL, 0) : NULL;
    if (bmp == NULL || bits == NULL) {
        snprintf(err, cap, "cannot make a %dx%d bitmap (error %lu)", w, h, GetLastError());
        goto out;
    }
    old = SelectObject(mem, bmp);
    /* The screen, where the window is: what a user sees (also the frame and any popup). */
    if (!BitBlt(mem, 0, 0, w, h, screen, r.left, r.top, SRCCOPY | CAPTUREBLT)) {
        snprintf(err, cap, "BitBlt from the screen failed (error %lu)", GetLastError());
        goto out;
    }
    GdiFlush();
    rc = ui_png_write(path, bits, (uint32_t)w, (uint32_t)h, err, cap);
out:
    if (old != NULL) {
        SelectObject(mem, old);
    }
    if (bmp != NULL) {
        DeleteObject(bmp);
    }
    if (mem != NULL) {
        DeleteDC(mem);
    }
    if (screen != NULL) {
        ReleaseDC(NULL, screen);
    }
    return rc;
}

/* ---- layout ---- */

struct ui_box {
    HWND h;
    RECT r;
    int id;
    bool container; /* group box or tab control: may hold other controls */
};

struct ui_boxes {
    struct ui_box box[UI_LAYOUT_MAX];
    size_t n;
};

static BOOL CALLBACK ui_collect(HWND h, LPARAM lp)
{
    struct ui_boxes *b = (struct ui_boxes *)lp;
    wchar_t cls[64];
    struct ui_box *x;
    if (!IsWindowVisible(h) || b->n == UI_LAYOUT_MAX) {
        return TRUE;
    }
    x = &b->box[b->n];
    x->h = h;
    x->id = GetDlgCtrlID(h);
    GetWindowRect(h, &x->r);
    if (x->r.right <= x->r.left || x->r.bottom <= x->r.top) {
        return TRUE; /* nothing to see */
    }
    GetClassNameW(h, cls, 64);
    x->container = _wcsicmp(cls, WC_TABCONTROLW) == 0 ||
                   (_wcsicmp(cls, L"Button") == 0 &&
                    (GetWindowLongW(h, GWL_STYLE) & BS_TYPEMASK) == BS_GROUPBOX);
    b->n++;
    return TRUE;
}

static bool ui_inside(const RECT *in, const RECT *out)
{
    return in->left >= out->left && in->top >= out->top && in->right <= out->right &&
           in->bottom <= out->bottom;
}

static void ui_box_name(const struct ui_box *x, char *out, size_t cap)
{
    char *t = ui_text(x->h);
    snprintf(out, cap, "%d %s \"%.40s\" (%ld,%ld)-(%ld,%ld)", x->id, ui_id_name(x->id),
             t != NULL ? t : "", x->r.left, x->r.top, x->r.right, x->r.bottom);
    free(t);
}

static bool ui_boxes_same(const struct ui_boxes *a, const struct ui_boxes *b)
{
    if (a->n != b->n) {
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (a->box[i].h != b->box[i].h || !EqualRect(&a->box[i].r, &b->box[i].r)) {
            return false;
        }
    }
    return true;
}

/* A window lays itself out over several messages (a click that shows a panel moves the controls
 * below it): look until two looks UI_SETTLE_LOOK_MS apart agree, at most UI_SETTLE_MAX_MS. */
static int ui_layout_settle(struct ui_ctx *c, struct ui_boxes *b, RECT *client)
{
    static struct ui_boxes last;
    uint64_t t0 = ui_now_ms();
    last.n = SIZE_MAX;
    for (;;) {
        RECT cl;
        POINT o = {0, 0};
        SendMessageTimeoutW(c->wnd, WM_NULL, 0, 0, SMTO_NORMAL, UI_SEND_MS, NULL);
        b->n = 0;
        GetClientRect(c->wnd, &cl);
        ClientToScreen(c->wnd, &o);
        OffsetRect(&cl, o.x, o.y);
        EnumChildWindows(c->wnd, ui_collect, (LPARAM)b);
        if (ui_boxes_same(b, &last) && EqualRect(&cl, client)) {
            return 0;
        }
        if (ui_now_ms() - t0 > UI_SETTLE_MAX_MS) {
            return ui_fail(c, "the window's layout kept changing for %u ms", UI_SETTLE_MAX_MS);
        }
        last = *b;
        *client = cl;
        Sleep(UI_SETTLE_LOOK_MS);
    }
}

int ui_cmd_layout(struct ui_ctx *c)
{
    static struct ui_boxes b;
    RECT client = {0, 0, 0, 0};
    RECT frame;
    char na[192], nb[192];
    size_t fails = 0;
    if (!c->running || c->wnd == NULL) {
        return ui_fail(c, "the application is not running");
    }
    if (ui_layout_settle(c, &b, &client) != 0) {
        return -1;
    }
    GetWindowRect(c->wnd, &frame);
    printf("layout: window (%ld,%ld)-(%ld,%ld) on a %dx%d screen, client %ldx%ld, %zu visible "
           "controls\n",
           frame.left, frame.top, frame.right, frame.bottom, GetSystemMetrics(SM_CXSCREEN),
           GetSystemMetrics(SM_CYSCREEN), client.right - client.left, client.bottom - client.top,
           b.n);
    for (size_t i = 0; i < b.n; i++) {
        const RECT *r = &b.box[i].r;
        if (!ui_inside(r, &client)) {
            ui_box_name(&b.box[i], na, sizeof na);
            printf("  outside the client area: %s\n", na);
            fails++;
        }
        if (r->right - r->left < UI_MIN_SIDE || r->bottom - r->top < UI_MIN_SIDE) {
            ui_box_name(&b.box[i], na, sizeof na);
            printf("  squeezed below %d px: %s\n", UI_MIN_SIDE, na);
            fails++;
        }
        for (size_t j = i + 1; j < b.n; j++) {
            const struct ui_box *x = &b.box[i];
            const struct ui_box *y = &b.box[j];
            RECT both;
            if (!IntersectRect(&both, &x->r, &y->r) || IsChild(x->h, y->h) || IsChild(y->h, x->h)) {
                continue;
            }
            if ((x->container && ui_inside(&y->r, &x->r)) ||
                (y->container && ui_inside(&x->r, &y->r))) {
                continue;
            }
            ui_box_name(x, na, sizeof na);
            ui_box_name(y, nb, sizeof nb);
            printf("  overlap: %s and %s\n", na, nb);
            fails++;
        }
    }
    if (fails > 0) {
        size_t used = strlen(c->late);
        c->late_failures++;
        snprintf(c->late + used, sizeof c->late - used,
                 "  line %u: check-layout: %zu controls outside the client area or overlapping\n",
                 c->line_no, fails);
        printf("LAYOUT FAILED at line %u (the script goes on and fails at its end)\n", c->line_no);
    }
    return 0;
}
