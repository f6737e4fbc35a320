/* SPDX-License-Identifier: MIT */
/* The per-adapter baud memory (cli_baud.h). */
#include "cli_baud.h"

#include "cli_platform.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLI_BAUD_PATH_MAX  1024u
#define CLI_BAUD_LINE_MAX  (CLI_BAUD_KEY_MAX + 16u)
#define CLI_BAUD_LINES_MAX 64u /* adapters kept; the oldest are dropped */

static bool cli_baud_path(char *out, size_t max)
{
    char dir[CLI_BAUD_PATH_MAX];
    if (!cli_platform_config_dir(dir, sizeof dir)) {
        return false;
    }
    int n = snprintf(out, max, "%s/%s", dir, CLI_BAUD_FILE);
    return n > 0 && (size_t)n < max;
}

/* Splits "BAUD KEY\n" in place; false for a malformed line. */
static bool cli_baud_parse(char *line, uint32_t *baud, const char **key)
{
    char *end = NULL;
    unsigned long v = strtoul(line, &end, 10);
    if (end == line || *end != ' ' || v == 0 || v > UINT32_MAX) {
        return false;
    }
    end[strcspn(end, "\r\n")] = '\0';
    *baud = (uint32_t)v;
    *key = end + 1;
    return true;
}

uint32_t cli_baud_recall(const char *key)
{
    char path[CLI_BAUD_PATH_MAX];
    char line[CLI_BAUD_LINE_MAX];
    uint32_t found = 0;
    FILE *f = cli_baud_path(path, sizeof path) ? cli_platform_fopen(path, "r") : NULL;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        uint32_t baud = 0;
        const char *k = NULL;
        if (cli_baud_parse(line, &baud, &k) && strcmp(k, key) == 0) {
            found = baud;
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return found;
}

int cli_baud_remember(const char *key, uint32_t baud)
{
    char path[CLI_BAUD_PATH_MAX];
    char lines[CLI_BAUD_LINES_MAX][CLI_BAUD_LINE_MAX];
    size_t n = 0;
    if (!cli_baud_path(path, sizeof path) || strlen(key) >= CLI_BAUD_KEY_MAX) {
        return -1;
    }
    FILE *f = cli_platform_fopen(path, "r");
    char line[CLI_BAUD_LINE_MAX];
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        uint32_t old = 0;
        const char *k = NULL;
        if (cli_baud_parse(line, &old, &k) && strcmp(k, key) != 0) {
            if (n == CLI_BAUD_LINES_MAX) {
                memmove(lines[0], lines[1], sizeof lines[0] * (CLI_BAUD_LINES_MAX - 1u));
                n--;
            }
            snprintf(lines[n++], sizeof lines[0], "%" PRIu32 " %s", old, k);
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    f = cli_platform_fopen(path, "w");
    if (f == NULL) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s\n", lines[i]);
    }
    fprintf(f, "%" PRIu32 " %s\n", baud, key);
    return fclose(f) == 0 ? 0 : -1;
}
