/* SPDX-License-Identifier: MIT */
/* The list of COM ports on Windows: SetupAPI (Ports class and COM-port interface) for friendly
 * names, maker, USB VID:PID and serial number, united with the registry's SERIALCOMM map. */
#include "port_impl.h"
#include "port_win32.h"

#include <windows.h>
#include <setupapi.h>
#include <cfgmgr32.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* UTF-16 buffers for names, descriptions and device IDs (MAX_DEVICE_ID_LEN is 200). */
#define PORT_WIN32_LIST_TEXT_MAX 512u
#define PORT_WIN32_LIST_GROW     8u
#define PORT_WIN32_USB_ID_DIGITS 4u

#define PORT_WIN32_SERIALCOMM_KEY L"HARDWARE\\DEVICEMAP\\SERIALCOMM"
#define PORT_WIN32_PORT_NAME      L"PortName"

/* {4D36E978-E325-11CE-BFC1-08002BE10318}: the "Ports (COM & LPT)" device setup class. */
static const GUID PORT_WIN32_CLASS_PORTS = {
        0x4d36e978, 0xe325, 0x11ce, {0xbf, 0xc1, 0x08, 0x00, 0x2b, 0xe1, 0x03, 0x18}};
/* {86E0D1E0-8089-11D0-9CE4-08003E301F73}: GUID_DEVINTERFACE_COMPORT, also offered by USB CDC
 * devices whose setup class is not Ports. */
static const GUID PORT_WIN32_INTERFACE_COMPORT = {
        0x86e0d1e0, 0x8089, 0x11d0, {0x9c, 0xe4, 0x08, 0x00, 0x3e, 0x30, 0x1f, 0x73}};

static const struct {
    const GUID *guid;
    DWORD flags;
} PORT_WIN32_LIST_SOURCES[] = {
        {&PORT_WIN32_CLASS_PORTS, DIGCF_PRESENT},
        {&PORT_WIN32_INTERFACE_COMPORT, DIGCF_PRESENT | DIGCF_DEVICEINTERFACE},
};

struct port_win32_list {
    struct port_info *items;
    size_t count;
    size_t capacity;
};

static bool port_win32_same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char ca = (*a >= 'a' && *a <= 'z') ? (char)(*a - 'a' + 'A') : *a;
        char cb = (*b >= 'a' && *b <= 'z') ? (char)(*b - 'a' + 'A') : *b;
        if (ca != cb) {
            return false;
        }
    }
    return *a == *b;
}

/* Adds a port unless one of that name is listed already (the first source knows the most). */
static int port_win32_list_add(struct port_win32_list *list, const struct port_info *info)
{
    for (size_t i = 0; i < list->count; i++) {
        if (port_win32_same_name(list->items[i].name, info->name)) {
            return PORT_OK;
        }
    }
    if (list->count == list->capacity) {
        size_t capacity = list->capacity + PORT_WIN32_LIST_GROW;
        struct port_info *items = realloc(list->items, capacity * sizeof *items);
        if (items == NULL) {
            return PORT_ERR_NO_MEMORY;
        }
        list->items = items;
        list->capacity = capacity;
    }
    list->items[list->count++] = *info;
    return PORT_OK;
}

/* "COM" and digits: what a serial port's PortName looks like (the Ports class has LPTs too). */
static bool port_win32_is_com_name(const wchar_t *name)
{
    if (wcslen(name) < 4 || towupper(name[0]) != L'C' || towupper(name[1]) != L'O' ||
        towupper(name[2]) != L'M') {
        return false;
    }
    for (const wchar_t *c = name + 3; *c; c++) {
        if (*c < L'0' || *c > L'9') {
            return false;
        }
    }
    return true;
}

/* Finds `key` ("VID_") in `id` ignoring case and reads the four hex digits after it. */
static bool port_win32_parse_usb_field(const wchar_t *id, const wchar_t *key, uint16_t *out)
{
    size_t key_len = wcslen(key);
    for (const wchar_t *s = id; *s; s++) {
        if (_wcsnicmp(s, key, key_len) != 0) {
            continue;
        }
        unsigned value = 0;
        const wchar_t *d = s + key_len;
        size_t i = 0;
        for (; i < PORT_WIN32_USB_ID_DIGITS && iswxdigit(d[i]); i++) {
            wchar_t c = (wchar_t)towupper(d[i]);
            value = value * 16u + (unsigned)(c <= L'9' ? c - L'0' : c - L'A' + 10);
        }
        if (i == PORT_WIN32_USB_ID_DIGITS) {
            *out = (uint16_t)value;
            return true;
        }
    }
    return false;
}

static void port_win32_parse_usb_ids(const wchar_t *id, struct port_info *info)
{
    uint16_t vid = 0;
    uint16_t pid = 0;
    if (!info->usb && port_win32_parse_usb_field(id, L"VID_", &vid) &&
        port_win32_parse_usb_field(id, L"PID_", &pid)) {
        info->usb = true;
        info->vid = vid;
        info->pid = pid;
    }
}

/* The serial number in a device instance ID:
 *   USB\VID_1A86&PID_7523\5&2E8C1A3&0&2     no serial (Windows made up the last part: it has '&')
 *   USB\VID_10C4&PID_EA60\0001              serial "0001"
 *   FTDIBUS\VID_0403+PID_6001+A50285BIA\0000  serial "A50285BIA" (the FTDI driver's form) */
static bool port_win32_parse_serial(const wchar_t *instance, struct port_info *info)
{
    const wchar_t *first = wcschr(instance, L'\\');
    const wchar_t *second = first ? wcschr(first + 1, L'\\') : NULL;
    wchar_t serial[PORT_WIN32_LIST_TEXT_MAX];
    if (second == NULL) {
        return false;
    }
    if (_wcsnicmp(instance, L"FTDIBUS\\", wcslen(L"FTDIBUS\\")) == 0) {
        const wchar_t *plus = first;
        for (int i = 0; i < 2 && plus != NULL && plus < second; i++) {
            plus = wcschr(plus + 1, L'+');
        }
        if (plus == NULL || plus > second) {
            return false;
        }
        size_t len = (size_t)(second - plus - 1);
        if (len == 0 || len >= PORT_WIN32_LIST_TEXT_MAX) {
            return false;
        }
        wmemcpy(serial, plus + 1, len);
        serial[len] = L'\0';
    } else {
        if (second[1] == L'\0' || wcschr(second + 1, L'&') != NULL ||
            wcslen(second + 1) >= PORT_WIN32_LIST_TEXT_MAX) {
            return false;
        }
        wcscpy(serial, second + 1);
    }
    port_win32_to_utf8(serial, info->serial, sizeof info->serial);
    return true;
}

static bool port_win32_device_text(HDEVINFO set, SP_DEVINFO_DATA *dev, DWORD property, wchar_t *out)
{
    DWORD type = 0;
    /* Two spare characters: a REG_MULTI_SZ ends in two terminators. */
    DWORD size = (PORT_WIN32_LIST_TEXT_MAX - 2u) * (DWORD)sizeof(wchar_t);
    memset(out, 0, PORT_WIN32_LIST_TEXT_MAX * sizeof(wchar_t));
    if (!SetupDiGetDeviceRegistryPropertyW(set, dev, property, &type, (BYTE *)out, size, NULL)) {
        return false;
    }
    return (type == REG_SZ || type == REG_MULTI_SZ) && out[0] != L'\0';
}

static bool port_win32_reg_text(HKEY key, const wchar_t *value, wchar_t *out)
{
    DWORD type = 0;
    DWORD size = (PORT_WIN32_LIST_TEXT_MAX - 1u) * (DWORD)sizeof(wchar_t);
    memset(out, 0, PORT_WIN32_LIST_TEXT_MAX * sizeof(wchar_t));
    if (RegQueryValueExW(key, value, NULL, &type, (BYTE *)out, &size) != ERROR_SUCCESS) {
        return false;
    }
    return type == REG_SZ && out[0] != L'\0';
}

/* Fills vid:pid and the serial number from the instance ID; an interface of a composite device
 * (USB\VID_303A&PID_1001&MI_00\...) takes the serial number from its parent, the USB device. */
static void port_win32_describe_usb(HDEVINFO set, SP_DEVINFO_DATA *dev, struct port_info *info)
{
    wchar_t id[PORT_WIN32_LIST_TEXT_MAX];
    if (SetupDiGetDeviceInstanceIdW(set, dev, id, PORT_WIN32_LIST_TEXT_MAX, NULL)) {
        port_win32_parse_usb_ids(id, info);
        if (info->usb && !port_win32_parse_serial(id, info)) {
            DEVINST parent = 0;
            const wchar_t *mi = id;
            bool composite = false;
            for (; *mi && !composite; mi++) {
                composite = _wcsnicmp(mi, L"&MI_", wcslen(L"&MI_")) == 0;
            }
            if (composite && CM_Get_Parent(&parent, dev->DevInst, 0) == CR_SUCCESS &&
                CM_Get_Device_IDW(parent, id, PORT_WIN32_LIST_TEXT_MAX, 0) == CR_SUCCESS) {
                port_win32_parse_serial(id, info);
            }
        }
    }
    if (!info->usb && port_win32_device_text(set, dev, SPDRP_HARDWAREID, id)) {
        port_win32_parse_usb_ids(id, info);
    }
}

static int port_win32_list_setupapi(struct port_win32_list *list, const GUID *guid, DWORD flags)
{
    int rc = PORT_OK;
    HDEVINFO set = SetupDiGetClassDevsW(guid, NULL, NULL, flags);
    if (set == INVALID_HANDLE_VALUE) {
        return PORT_OK; /* no such devices or no SetupAPI: the registry still lists the ports */
    }
    SP_DEVINFO_DATA dev;
    dev.cbSize = sizeof dev;
    for (DWORD i = 0; rc == PORT_OK && SetupDiEnumDeviceInfo(set, i, &dev); i++) {
        wchar_t text[PORT_WIN32_LIST_TEXT_MAX];
        struct port_info info;
        bool named = false;
        memset(&info, 0, sizeof info);
        HKEY key = SetupDiOpenDevRegKey(set, &dev, DICS_FLAG_GLOBAL, 0, DIREG_DEV, KEY_READ);
        if (key != INVALID_HANDLE_VALUE) {
            named = port_win32_reg_text(key, PORT_WIN32_PORT_NAME, text) &&
                    port_win32_is_com_name(text);
            RegCloseKey(key);
        }
        if (!named) {
            continue;
        }
        port_win32_to_utf8(text, info.name, sizeof info.name);
        if (port_win32_device_text(set, &dev, SPDRP_FRIENDLYNAME, text)) {
            port_win32_to_utf8(text, info.description, sizeof info.description);
        } else if (port_win32_device_text(set, &dev, SPDRP_DEVICEDESC, text)) {
            char desc[PORT_INFO_TEXT_MAX];
            port_win32_to_utf8(text, desc, sizeof desc);
            snprintf(info.description, sizeof info.description, "%.*s (%s)",
                     (int)(sizeof info.description / 2), desc, info.name);
        }
        if (port_win32_device_text(set, &dev, SPDRP_MFG, text)) {
            port_win32_to_utf8(text, info.manufacturer, sizeof info.manufacturer);
        }
        port_win32_describe_usb(set, &dev, &info);
        rc = port_win32_list_add(list, &info);
    }
    SetupDiDestroyDeviceInfoList(set);
    return rc;
}

/* Every COM port the serial drivers announced, also those without a device node (virtual port
 * drivers; Wine, whose ports come from its own registry settings). */
static int port_win32_list_serialcomm(struct port_win32_list *list)
{
    HKEY key;
    int rc = PORT_OK;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, PORT_WIN32_SERIALCOMM_KEY, 0, KEY_READ, &key) !=
        ERROR_SUCCESS) {
        return PORT_OK; /* the key exists only while some serial port does */
    }
    for (DWORD i = 0; rc == PORT_OK; i++) {
        wchar_t value[PORT_WIN32_LIST_TEXT_MAX];
        wchar_t data[PORT_WIN32_LIST_TEXT_MAX];
        DWORD value_len = PORT_WIN32_LIST_TEXT_MAX;
        DWORD size = (PORT_WIN32_LIST_TEXT_MAX - 1u) * (DWORD)sizeof(wchar_t);
        DWORD type = 0;
        memset(data, 0, sizeof data);
        LONG status = RegEnumValueW(key, i, value, &value_len, NULL, &type, (BYTE *)data, &size);
        if (status == ERROR_NO_MORE_ITEMS) {
            break;
        }
        if (status != ERROR_SUCCESS || type != REG_SZ || !port_win32_is_com_name(data)) {
            continue;
        }
        struct port_info info;
        memset(&info, 0, sizeof info);
        port_win32_to_utf8(data, info.name, sizeof info.name);
        snprintf(info.description, sizeof info.description, "Serial port (%s)", info.name);
        rc = port_win32_list_add(list, &info);
    }
    RegCloseKey(key);
    return rc;
}

int port_local_list(struct port_info **out, size_t *count, struct port_error *err)
{
    struct port_win32_list list = {NULL, 0, 0};
    int rc = PORT_OK;
    for (size_t i = 0;
         rc == PORT_OK && i < sizeof PORT_WIN32_LIST_SOURCES / sizeof PORT_WIN32_LIST_SOURCES[0];
         i++) {
        rc = port_win32_list_setupapi(&list, PORT_WIN32_LIST_SOURCES[i].guid,
                                      PORT_WIN32_LIST_SOURCES[i].flags);
    }
    if (rc == PORT_OK) {
        rc = port_win32_list_serialcomm(&list);
    }
    if (rc != PORT_OK) {
        free(list.items);
        return port_fail(err, PORT_ERR_NO_MEMORY, 0, "Out of memory while listing the ports.");
    }
    *out = list.items;
    *count = list.count;
    return PORT_OK;
}
