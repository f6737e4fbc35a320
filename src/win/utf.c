/* SPDX-License-Identifier: MIT */
/* UTF-8 <-> UTF-16 conversions at the Win32 boundary (MultiByteToWideChar with CP_UTF8) and
 * window text helpers; invalid input becomes U+FFFD rather than failing. */
#include "utf.h"

#include "image.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define UTF_LEAD_2   0xC0u
#define UTF_LEAD_3   0xE0u
#define UTF_LEAD_4   0xF0u
#define UTF_CONT     0x80u
#define UTF_CONT_BIT 0xC0u
#define UTF_SEQ_MAX  4u

wchar_t *utf_wide(const char *s)
{
    wchar_t *w = NULL;
    int n = s == NULL ? 0 : MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    if (n > 0 && (w = malloc((size_t)n * sizeof *w)) != NULL) {
        MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
    }
    return w;
}

char *utf_narrow(const wchar_t *w)
{
    char *s = NULL;
    int n = w == NULL ? 0 : WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    if (n > 0 && (s = malloc((size_t)n)) != NULL) {
        WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
    }
    return s;
}

bool utf_wide_buf(const char *s, wchar_t *out, size_t max)
{
    int n = max > INT_MAX ? 0 : MultiByteToWideChar(CP_UTF8, 0, s, -1, out, (int)max);
    if (n <= 0 && max > 0) {
        out[0] = L'\0';
    }
    return n > 0;
}

bool utf_narrow_buf(const wchar_t *w, char *out, size_t max)
{
    int n = max > INT_MAX ? 0 : WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)max, NULL, NULL);
    if (n <= 0 && max > 0) {
        out[0] = '\0';
    }
    return n > 0;
}

char *utf_window_text(HWND hwnd)
{
    char *text = NULL;
    int len = GetWindowTextLengthW(hwnd);
    wchar_t *w = malloc(((size_t)(len < 0 ? 0 : len) + 1u) * sizeof *w);
    if (w != NULL) {
        GetWindowTextW(hwnd, w, len + 1);
        text = utf_narrow(w);
        free(w);
    }
    return text;
}

void utf_window_text_buf(HWND hwnd, char *out, size_t max)
{
    char *text = utf_window_text(hwnd);
    size_t n = text == NULL ? 0 : strlen(text);
    if (max == 0) {
        free(text);
        return;
    }
    if (n >= max) {
        n = utf_complete_length(text, max - 1);
    }
    if (n > 0) {
        memcpy(out, text, n);
    }
    out[n] = '\0';
    free(text);
}

void utf_set_window_text(HWND hwnd, const char *text)
{
    wchar_t *w = utf_wide(text);
    SetWindowTextW(hwnd, w != NULL ? w : L"");
    free(w);
}

size_t utf_complete_length(const char *s, size_t n)
{
    /* Look back over at most three continuation bytes for the lead byte of the last character. */
    size_t back = 0;
    while (back < n && back < UTF_SEQ_MAX - 1u &&
           ((unsigned char)s[n - 1u - back] & UTF_CONT_BIT) == UTF_CONT) {
        back++;
    }
    if (back == n) {
        return n;
    }
    unsigned char lead = (unsigned char)s[n - 1u - back];
    size_t need = lead >= UTF_LEAD_4 ? 4u : lead >= UTF_LEAD_3 ? 3u : lead >= UTF_LEAD_2 ? 2u : 1u;
    return need > back + 1u ? n - 1u - back : n;
}

int utf_read_file(const char *path, size_t max, uint8_t **data, size_t *size, struct mf_error *e)
{
    wchar_t *wide = utf_wide(path);
    FILE *f = wide != NULL ? _wfopen(wide, L"rb") : NULL;
    *data = NULL;
    *size = 0;
    int rc = f == NULL ? mf_err_set(e, MF_ERR_IMAGE,
                                    "Cannot open %s: %s. Check that the file still exists and "
                                    "choose it again.",
                                    path, wide != NULL ? strerror(errno) : "not a valid name")
                       : image_read_stream(f, path, max, data, size, e);
    if (f != NULL) {
        fclose(f);
    }
    free(wide);
    return rc;
}
