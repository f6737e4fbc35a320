/* SPDX-License-Identifier: MIT */
/* esp8266-sim's control commands on MicroPython's side of the board: the last program the REPL
 * compiled as a JSON string (REPL LAST) and a file of its filesystem copied to the host (FS-OUT).
 */
#define _GNU_SOURCE
#include "esp8266_sim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "repl.h"

/* Escapes with a character of their own; every other byte below 0x20 or from 0x7F is \u00XX. */
static const struct {
    unsigned char byte;
    char escape;
} ESIM_JSON_ESCAPES[] = {{'"', '"'}, {'\\', '\\'}, {'\n', 'n'}, {'\r', 'r'}, {'\t', 't'}};

#define ESIM_JSON_CONTROL_END 0x20u
#define ESIM_JSON_DEL         0x7Fu
#define ESIM_JSON_U_LEN       6u /* \u00XX */

char *esim_repl_last_json(struct board *b)
{
    size_t len = 0;
    const unsigned char *p = (const unsigned char *)board_repl_last_program(b, &len);
    char *out = malloc(len * ESIM_JSON_U_LEN + 3u);
    size_t n = 0;
    if (out == NULL) {
        return NULL;
    }
    out[n++] = '"';
    for (size_t i = 0; i < len; i++) {
        char esc = '\0';
        for (size_t k = 0; k < sizeof ESIM_JSON_ESCAPES / sizeof ESIM_JSON_ESCAPES[0]; k++) {
            esc = ESIM_JSON_ESCAPES[k].byte == p[i] ? ESIM_JSON_ESCAPES[k].escape : esc;
        }
        if (esc != '\0') {
            out[n++] = '\\';
            out[n++] = esc;
        } else if (p[i] < ESIM_JSON_CONTROL_END || p[i] >= ESIM_JSON_DEL) {
            n += (size_t)sprintf(out + n, "\\u%04x", (unsigned)p[i]);
        } else {
            out[n++] = (char)p[i];
        }
    }
    out[n++] = '"';
    out[n] = '\0';
    return out;
}

int esim_fs_out(struct board *b, const char *args, char *err, size_t err_size)
{
    const char *space = strchr(args, ' ');
    char remote[SIM_MPY_FS_PATH_MAX + 2];
    size_t len = 0;
    if (space == NULL || space == args || space[1] == '\0' || strchr(space + 1, ' ') != NULL ||
        (size_t)(space - args) >= sizeof remote) {
        snprintf(err, err_size,
                 "give FS-OUT REMOTE FILE: a path on the board and a host file "
                 "(neither with white space)");
        return -1;
    }
    snprintf(remote, sizeof remote, "%.*s", (int)(space - args), args);
    const uint8_t *data = sim_mpy_fs_get(sim_repl_fs(board_repl(b)), remote, &len);
    if (data == NULL) {
        snprintf(err, err_size, "the board has no file %s", remote);
        return -1;
    }
    FILE *f = fopen(space + 1, "wb");
    bool ok = f != NULL && fwrite(data, 1, len, f) == len;
    if (f != NULL && fclose(f) != 0) {
        ok = false;
    }
    if (!ok) {
        snprintf(err, err_size, "cannot write %s: %s", space + 1, strerror(errno));
        return -1;
    }
    return 0;
}
