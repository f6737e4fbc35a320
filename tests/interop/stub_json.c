/* SPDX-License-Identifier: MIT */
/* Prints MicroFlash's stub (stub_blob(), the bytes the engine uploads) as a flasher-stub JSON file
 * in the format esptool and esptool-js ship theirs in: entry, text_start, text (base64),
 * data_start, data (base64) and bss_start. The interop test installs it in place of esptool-js's
 * ESP8266 stub in the build tree's node_modules, so that esptool-js uploads our stub and
 * esp8266-sim runs it.
 *
 * bss_start is the low end of the RAM the stub owns in DRAM (stub_layout.h): its bss lies below
 * its data, and esptool-js only uses the field to refuse MEM_BEGIN over the running stub.
 *
 * Usage: stub_json [FILE] (standard output without FILE). Exit status 0, or 1 on a write error. */
#include <stdint.h>
#include <stdio.h>

#include "stub_blob.h"
#include "stub_layout.h"

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* RFC 4648 base64 with padding, as esptool-js's atob() takes it. */
static void put_base64(FILE *out, const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i += 3) {
        uint32_t left = n - i;
        uint32_t v = (uint32_t)p[i] << 16;

        if (left > 1)
            v |= (uint32_t)p[i + 1] << 8;
        if (left > 2)
            v |= p[i + 2];
        fputc(B64[(v >> 18) & 0x3Fu], out);
        fputc(B64[(v >> 12) & 0x3Fu], out);
        fputc(left > 1 ? B64[(v >> 6) & 0x3Fu] : '=', out);
        fputc(left > 2 ? B64[v & 0x3Fu] : '=', out);
    }
}

int main(int argc, char **argv)
{
    const struct stub_blob *b = stub_blob();
    FILE *out = stdout;
    int rc = 0;

    if (argc > 2) {
        fputs("usage: stub_json [FILE]\n", stderr);
        return 2;
    }
    if (argc == 2) {
        out = fopen(argv[1], "w");
        if (out == NULL) {
            perror(argv[1]);
            return 1;
        }
    }
    fprintf(out, "{\n    \"entry\": %lu,\n    \"text\": \"", (unsigned long)b->entry);
    put_base64(out, b->text.data, b->text.size);
    fprintf(out, "\",\n    \"text_start\": %lu,\n    \"data\": \"", (unsigned long)b->text.addr);
    put_base64(out, b->data.data, b->data.size);
    fprintf(out, "\",\n    \"data_start\": %lu,\n    \"bss_start\": %lu\n}\n",
            (unsigned long)b->data.addr, (unsigned long)STUB_LAYOUT_DRAM_START);
    if (fflush(out) != 0 || ferror(out))
        rc = 1;
    if (out != stdout && fclose(out) != 0)
        rc = 1;
    if (rc != 0)
        fputs("stub_json: write error\n", stderr);
    return rc;
}
