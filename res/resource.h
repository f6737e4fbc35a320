/* SPDX-License-Identifier: MIT */
/* Resource and control IDs of MicroFlash.exe. The GUI tests find controls by these numbers
 * (tests/e2e/gui/uidrive.c), so a number never changes meaning once released. */
#ifndef MF_RESOURCE_H
#define MF_RESOURCE_H

#define IDI_APP      1 /* the icon */
#define IDD_MAIN     100
#define IDR_ACCEL    101
#define IDR_MANIFEST 1 /* RT_MANIFEST, CREATEPROCESS_MANIFEST_RESOURCE_ID */

/* Enter runs the default button (IDOK), Esc sends IDCANCEL (cancel a running job). */
#define IDC_FLASH  1 /* IDOK: "Erase and Flash MicroPython" / "Flash" */
#define IDC_CANCEL 2 /* IDCANCEL: cancels the running job */

/* Port and firmware */
#define IDC_PORT_LABEL 1000
#define IDC_PORT       1001 /* editable combo box: names, or rfc2217://host:port typed */
#define IDC_PORT_NOTE  1002 /* "Likely an ESP board", or the driver / cable hint */
#define IDC_FILE_LABEL 1010
#define IDC_FILE       1011 /* editable combo box: path, recent files in the list */
#define IDC_BROWSE     1012
#define IDC_FILE_INFO  1013 /* "ESP8266 image, 620 KiB, MicroPython v1.23.0" or the refusal */
#define IDC_ERASE_ALL  1020 /* checkbox, ticked by default */
#define IDC_ADVANCED   1021 /* shows or folds the advanced options */

/* Advanced options (folded away by default) */
#define IDC_ADV_GROUP        1100
#define IDC_BAUD_LABEL       1101
#define IDC_BAUD             1102 /* Auto, 115200 ... 2000000 */
#define IDC_MODE_LABEL       1103
#define IDC_MODE             1104 /* keep, qio, qout, dio, dout */
#define IDC_FLASH_SIZE_LABEL 1105
#define IDC_FLASH_SIZE       1106 /* detect, keep, 512KB ... 16MB */
#define IDC_OFFSET_LABEL     1107
#define IDC_OFFSET           1108 /* "0x0" */
#define IDC_BEFORE_LABEL     1109
#define IDC_BEFORE           1110 /* default_reset, no_reset */
#define IDC_AFTER_LABEL      1111
#define IDC_AFTER            1112 /* hard_reset, soft_reset, no_reset */
#define IDC_EXTRA_LABEL      1113
#define IDC_EXTRA            1114 /* list view: more images (offset, file) */
#define IDC_EXTRA_ADD        1115
#define IDC_EXTRA_REMOVE     1116

/* Progress and board */
#define IDC_PROGRESS 1200 /* range 0..1000 over the whole job */
#define IDC_STAGE    1201 /* "Writing 312 KiB of 620 KiB" / "Done: flashed and verified" */
#define IDC_DETAIL   1202 /* "1.2 MB/s, 3 s left" */
#define IDC_BOARD    1203 /* "ESP8266EX, MAC 18:fe:34:12:34:56, 4 MB flash (Winbond)" */

/* Problem panel: title, explanation with the next step, up to three actions */
#define IDC_PROBLEM_GROUP 1300
#define IDC_PROBLEM_TITLE 1301
#define IDC_PROBLEM_TEXT  1302
#define IDC_PROBLEM_ACT1  1303 /* e.g. "Try again", "Retry with DIO" */
#define IDC_PROBLEM_ACT2  1304 /* e.g. "Retry with DOUT" */
#define IDC_PROBLEM_ACT3  1305 /* e.g. "Retry with full erase" */
#define IDC_COPY_DETAILS  1306

/* Terminal, files and log */
#define IDC_TABS            1400 /* tab control: Terminal, Files, Log */
#define IDC_TERM            1401 /* the terminal pane (MicroFlashTerminal, src/win/termview.c) */
#define IDC_LOG             1402 /* the log with timestamps */
#define IDC_SAVE_LOG        1403
#define IDC_TERM_CONNECT    1404 /* "Connect" / "Disconnect" */
#define IDC_TERM_BAUD       1405 /* the terminal's rate: 115200 (default), 74880 ... */
#define IDC_TERM_RESET      1406 /* "Reset board": GPIO0 high, ROM lines at 74880, then the REPL */
#define IDC_TERM_BOOTLOADER 1407 /* "Bootloader": reset into download mode */
#define IDC_TERM_UPLOAD     1408 /* "Upload...": a file to the board's filesystem */
#define IDC_TERM_MORE       1409 /* "More": DTR, RTS, soft reset, session log */
#define IDC_FILES_LIST      1410 /* the board's files (name, size) */
#define IDC_FILES_UPLOAD    1411
#define IDC_FILES_DOWNLOAD  1412
#define IDC_FILES_DELETE    1413
#define IDC_FILES_REFRESH   1414

/* Commands without a control */
#define IDM_REFRESH_PORTS    1500 /* F5 */
#define IDM_TERM_DTR         1501 /* More menu: DTR asserted (checked) or not */
#define IDM_TERM_RTS         1502 /* More menu: RTS asserted (checked) or not */
#define IDM_TERM_SOFT_RESET  1503 /* More menu: MicroPython soft reset */
#define IDM_TERM_SESSION_LOG 1504 /* More menu: log the session to a file (checked while on) */

#endif
