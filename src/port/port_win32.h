/* SPDX-License-Identifier: MIT */
/* What the two halves of the Win32 serial backend (port_win32.c: I/O, port_win32_list.c: the
 * port list) share. Windows builds only. */
#ifndef MF_PORT_WIN32_H
#define MF_PORT_WIN32_H

#include <stddef.h>
#include <wchar.h>

/* UTF-16 to UTF-8 into a fixed buffer, always terminated, cut between characters when too long.
 * NULL gives "". */
void port_win32_to_utf8(const wchar_t *text, char *out, size_t out_size);

#endif
