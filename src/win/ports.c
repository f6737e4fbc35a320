/* SPDX-License-Identifier: MIT */
/* Port enumeration for the picker (port_list) and the no-port diagnosis: SetupAPI lists the
 * present USB devices, their hardware IDs give VID/PID, port_bridge_find names the chip. */
#include "ports.h"

#include "utf.h"

#include <setupapi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define PORTS_MARK      "\xE2\x98\x85 " /* "★ " before likely ESP boards */
#define PORTS_USB_ENUM  L"USB"
#define PORTS_VID_TAG   L"VID_"
#define PORTS_PID_TAG   L"PID_"
#define PORTS_ID_DIGITS 4
#define PORTS_HWID_MAX  2048u
#define PORTS_HEX_BASE  16
#define PORTS_NO_PORT_MSG                                                                          \
    "No serial port found. Plug the board in; if it is plugged in, the cable may be "              \
    "charge-only \xE2\x80\x94 try a data cable."

void ports_init(struct ports *p)
{
    memset(p, 0, sizeof *p);
}

void ports_free(struct ports *p)
{
    port_list_free(p->list);
    ports_init(p);
}

/* Reads the 4 hex digits after `tag` in a hardware ID ("USB\VID_1A86&PID_7523&REV_0254"). */
static bool ports_parse_id(const wchar_t *hwid, const wchar_t *tag, uint16_t *out)
{
    const wchar_t *at = wcsstr(hwid, tag);
    unsigned value = 0;
    if (at == NULL) {
        return false;
    }
    at += wcslen(tag);
    for (int i = 0; i < PORTS_ID_DIGITS; i++) {
        wchar_t c = at[i];
        unsigned digit = c >= L'0' && c <= L'9'   ? (unsigned)(c - L'0')
                         : c >= L'a' && c <= L'f' ? (unsigned)(c - L'a' + 10)
                         : c >= L'A' && c <= L'F' ? (unsigned)(c - L'A' + 10)
                                                  : PORTS_HEX_BASE;
        if (digit >= PORTS_HEX_BASE) {
            return false;
        }
        value = value * PORTS_HEX_BASE + digit;
    }
    *out = (uint16_t)value;
    return true;
}

static bool ports_has_usb_id(const struct ports *p, uint16_t vid, uint16_t pid)
{
    for (size_t i = 0; i < p->count; i++) {
        if (p->list[i].usb && p->list[i].vid == vid && p->list[i].pid == pid) {
            return true;
        }
    }
    return false;
}

/* A known USB-serial bridge that is present but has no COM port in the list, or NULL. */
static const struct port_bridge *ports_find_orphan_bridge(const struct ports *p)
{
    const struct port_bridge *found = NULL;
    SP_DEVINFO_DATA dev = {.cbSize = sizeof dev};
    HDEVINFO set =
            SetupDiGetClassDevsW(NULL, PORTS_USB_ENUM, NULL, DIGCF_ALLCLASSES | DIGCF_PRESENT);
    if (set == INVALID_HANDLE_VALUE) {
        return NULL;
    }
    for (DWORD i = 0; found == NULL && SetupDiEnumDeviceInfo(set, i, &dev); i++) {
        wchar_t ids[PORTS_HWID_MAX];
        uint16_t vid = 0;
        uint16_t pid = 0;
        if (!SetupDiGetDeviceRegistryPropertyW(set, &dev, SPDRP_HARDWAREID, NULL, (BYTE *)ids,
                                               sizeof ids - sizeof ids[0], NULL)) {
            continue;
        }
        ids[PORTS_HWID_MAX - 1u] = L'\0';
        if (ports_parse_id(ids, PORTS_VID_TAG, &vid) && ports_parse_id(ids, PORTS_PID_TAG, &pid) &&
            !ports_has_usb_id(p, vid, pid)) {
            found = port_bridge_find(vid, pid);
        }
    }
    SetupDiDestroyDeviceInfoList(set);
    return found;
}

static bool ports_any_likely(const struct ports *p)
{
    for (size_t i = 0; i < p->count; i++) {
        if (p->list[i].likely_esp) {
            return true;
        }
    }
    return false;
}

static const struct port_info *ports_find(const struct ports *p, const char *name)
{
    for (size_t i = 0; i < p->count; i++) {
        if (_stricmp(p->list[i].name, name) == 0) {
            return &p->list[i];
        }
    }
    return NULL;
}

static void ports_update_hint(struct ports *p)
{
    const struct port_bridge *orphan = ports_any_likely(p) ? NULL : ports_find_orphan_bridge(p);
    p->hint[0] = '\0';
    if (orphan != NULL) {
        snprintf(p->hint, sizeof p->hint,
                 "A %s USB-serial chip is connected but has no COM port: install %s, "
                 "then unplug and replug the board.",
                 orphan->chip, orphan->driver);
    } else if (p->count == 0) {
        snprintf(p->hint, sizeof p->hint, "%s", PORTS_NO_PORT_MSG);
    } else if (!ports_any_likely(p)) {
        snprintf(p->hint, sizeof p->hint,
                 "No port looks like an ESP board's USB-serial chip: pick the board's port, or "
                 "type its name.");
    }
}

void ports_refresh(struct ports *p, bool first, char *appeared, size_t max)
{
    struct port_info *list = NULL;
    size_t count = 0;
    appeared[0] = '\0';
    if (port_list(&list, &count, NULL) != PORT_OK) {
        list = NULL;
        count = 0;
    }
    for (size_t i = 0; !first && i < count && appeared[0] == '\0'; i++) {
        if (ports_find(p, list[i].name) == NULL) {
            snprintf(appeared, max, "%s", list[i].name);
        }
    }
    port_list_free(p->list);
    p->list = list;
    p->count = count;
    ports_update_hint(p);
}

/* What the list shows for a port: "★ USB-SERIAL CH340 (COM5)" or "COM1". */
static void ports_display(const struct port_info *info, char *out, size_t max)
{
    const char *text = info->description[0] != '\0' ? info->description : info->name;
    bool has_name = strstr(text, info->name) != NULL;
    snprintf(out, max, "%s%s%s%s%s", info->likely_esp ? PORTS_MARK : "", text, has_name ? "" : " (",
             has_name ? "" : info->name, has_name ? "" : ")");
}

void ports_fill_combo(const struct ports *p, HWND combo, const char *select)
{
    char text[PORTS_TEXT_MAX];
    wchar_t wide[PORTS_TEXT_MAX];
    LRESULT chosen = CB_ERR;
    SendMessageW(combo, CB_RESETCONTENT, 0, 0);
    for (size_t i = 0; i < p->count; i++) {
        ports_display(&p->list[i], text, sizeof text);
        utf_wide_buf(text, wide, PORTS_TEXT_MAX);
        LRESULT at = SendMessageW(combo, CB_ADDSTRING, 0, (LPARAM)wide);
        if (at >= 0 && _stricmp(p->list[i].name, select) == 0) {
            chosen = at;
        }
    }
    if (chosen != CB_ERR) {
        SendMessageW(combo, CB_SETCURSEL, (WPARAM)chosen, 0);
    } else {
        utf_set_window_text(combo, select);
    }
}

void ports_name_from_text(const struct ports *p, const char *text, char *out, size_t max)
{
    char shown[PORTS_TEXT_MAX];
    size_t start = 0;
    size_t end = strlen(text);
    for (size_t i = 0; i < p->count; i++) {
        ports_display(&p->list[i], shown, sizeof shown);
        if (strcmp(shown, text) == 0) {
            snprintf(out, max, "%s", p->list[i].name);
            return;
        }
    }
    while (text[start] == ' ' || text[start] == '\t') {
        start++;
    }
    while (end > start && (text[end - 1u] == ' ' || text[end - 1u] == '\t')) {
        end--;
    }
    snprintf(out, max, "%.*s", (int)(end - start), text + start);
}

void ports_summary(const struct ports *p, char *out, size_t max)
{
    int n = snprintf(out, max, "Serial ports:%s", p->count == 0 ? " none." : "");
    for (size_t i = 0; i < p->count && n >= 0 && (size_t)n < max; i++) {
        n += snprintf(out + n, max - (size_t)n, "%s %s%s%s%s", i > 0 ? "," : "", p->list[i].name,
                      p->list[i].description[0] != '\0' ? " \"" : "", p->list[i].description,
                      p->list[i].description[0] != '\0' ? "\"" : "");
    }
}

void ports_note(const struct ports *p, const char *name, char *out, size_t max)
{
    const struct port_info *info = name[0] != '\0' ? ports_find(p, name) : NULL;
    if (info != NULL && info->likely_esp) {
        snprintf(out, max, PORTS_MARK "Likely an ESP board (%s USB-serial chip).",
                 info->bridge != NULL ? info->bridge->chip : "known");
    } else if (info != NULL) {
        snprintf(out, max, "Not recognised as an ESP board's USB-serial chip.");
    } else if (name[0] != '\0') {
        snprintf(out, max, "%s", strstr(name, "://") != NULL ? "Network port." : "");
    } else {
        snprintf(out, max, "%s", p->hint);
    }
}
