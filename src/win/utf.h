/* SPDX-License-Identifier: MIT */
/* UTF-8 inside the program, UTF-16 at the Win32 boundary: conversions into fresh buffers or
 * fixed arrays, window text as UTF-8, and the complete part of a UTF-8 byte stream. */
#ifndef MF_UTF_H
#define MF_UTF_H

#include <windows.h>

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fresh NUL-terminated copies (free with free()); NULL when out of memory or s is NULL. */
wchar_t *utf_wide(const char *s);
char *utf_narrow(const wchar_t *w);

/* Into a fixed array; false (out holds "") when it does not fit. */
bool utf_wide_buf(const char *s, wchar_t *out, size_t max);
bool utf_narrow_buf(const wchar_t *w, char *out, size_t max);

/* A window's text as UTF-8 (free with free()), NULL when out of memory. */
char *utf_window_text(HWND hwnd);
/* A window's text into a fixed array (cut short at a character boundary when too long). */
void utf_window_text_buf(HWND hwnd, char *out, size_t max);
/* Sets a window's text from UTF-8. */
void utf_set_window_text(HWND hwnd, const char *text);

/* Reads a whole file named in UTF-8 into a new buffer (free() it); more than `max` bytes, or
 * a file that cannot be opened or read, is MF_ERR_IMAGE with a sentence naming it. */
int utf_read_file(const char *path, size_t max, uint8_t **data, size_t *size, struct mf_error *e);

/* How many of the first n bytes form whole UTF-8 characters (an incomplete sequence at the end
 * waits for the next bytes). */
size_t utf_complete_length(const char *s, size_t n);

#endif
