/* SPDX-License-Identifier: MIT */
/* mf_bench_term: how fast the terminal model (src/term) parses board output, on three generated
 * inputs (typical REPL output, ROM boot garbage, escape-heavy output), against the 50 MB/s goal;
 * and the memory the model takes with the default scrollback. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "term.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__GLIBC__)
#include <malloc.h> /* mallinfo2: the heap the model really takes */
#endif

#define BENCH_COLS         80
#define BENCH_ROWS         24
#define BENCH_INPUT_BYTES  (4u << 20) /* each input is generated once, then fed again and again */
#define BENCH_CHUNK        4096u      /* bytes per term_write, as the reader thread hands them */
#define BENCH_DAMAGE_EVERY 16u        /* chunks between two term_take_damage (the view's paint) */
#define BENCH_MB_DEFAULT   200u       /* MB fed per run */
#define BENCH_RUNS         3u         /* best of */
#define BENCH_GOAL_MBS     50.0
#define BENCH_MB           1e6
#define BENCH_MIB          1048576.0
#define BENCH_SEED         0x74880u
#define BENCH_EXIT_USAGE   2

struct bench_rng {
    uint32_t x;
};

static uint32_t bench_next(struct bench_rng *r)
{
    r->x ^= r->x << 13;
    r->x ^= r->x >> 17;
    r->x ^= r->x << 5;
    return r->x;
}

static uint32_t bench_range(struct bench_rng *r, uint32_t lo, uint32_t hi)
{
    return lo + bench_next(r) % (hi - lo + 1u);
}

/* A growing buffer that stops at its size. */
struct bench_buf {
    uint8_t *data;
    size_t len;
    size_t size;
};

static void bench_put(struct bench_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (n > b->size - b->len) {
        n = b->size - b->len;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

static bool bench_full(const struct bench_buf *b)
{
    return b->len == b->size;
}

static const char *const BENCH_WORDS[] = {
        "machine",  "Pin",   "network", "WLAN",  "socket", "time",   "sleep_ms", "print",
        "value",    "range", "import",  "esp",   "flash",  "uos",    "listdir",  "gc",
        "collect",  "freq",  "I2C",     "SPI",   "UART",   "config", "connect",  "isconnected",
        "ifconfig", "ADC",   "read",    "write", "irq",    "PWM",    "duty",     "neopixel",
};
#define BENCH_WORD_COUNT (sizeof BENCH_WORDS / sizeof BENCH_WORDS[0])

/* Printable ASCII text of lo..hi characters made of words and numbers. */
static void bench_text(struct bench_buf *b, struct bench_rng *r, uint32_t lo, uint32_t hi)
{
    char line[128];
    uint32_t want = bench_range(r, lo, hi);
    size_t n = 0;
    while (n < want) {
        char word[24];
        if (bench_next(r) % 4u == 0) {
            snprintf(word, sizeof word, "%u", (unsigned)(bench_next(r) % 100000u));
        } else {
            snprintf(word, sizeof word, "%s", BENCH_WORDS[bench_next(r) % BENCH_WORD_COUNT]);
        }
        size_t k = strlen(word);
        if (n + k + 1 > want) {
            k = want - n;
        }
        memcpy(line + n, word, k);
        n += k;
        if (n < want) {
            line[n++] = bench_next(r) % 3u == 0 ? '.' : ' ';
        }
    }
    line[n] = '\0';
    bench_put(b, line);
}

/* (1) What a REPL session prints: a print loop, help() listings, tracebacks, prompts with the
 * readline echo, and colour (SGR) every few lines. */
static void bench_gen_repl(struct bench_buf *b)
{
    struct bench_rng r = {BENCH_SEED};
    char line[160];
    unsigned i = 0;
    while (!bench_full(b)) {
        uint32_t kind = bench_next(&r) % 10u;
        if (kind < 4) { /* for i in range(...): print(i, ...) */
            snprintf(line, sizeof line, "%u %u.%03u ", i, (unsigned)(bench_next(&r) % 4096u),
                     (unsigned)(bench_next(&r) % 1000u));
            bench_put(b, line);
            bench_text(b, &r, 12, 80);
        } else if (kind < 8) { /* help(machine) */
            snprintf(line, sizeof line, "  %s -- <%s %s>", BENCH_WORDS[bench_next(&r) % 32u],
                     bench_next(&r) % 2u ? "function" : "class",
                     BENCH_WORDS[bench_next(&r) % BENCH_WORD_COUNT]);
            bench_put(b, line);
            bench_text(b, &r, 4, 60);
        } else if (kind == 8) { /* a prompt, the line typed, a cursor-back edit */
            bench_put(b, ">>> ");
            bench_text(b, &r, 16, 70);
            bench_put(b, "\b\x1b[K)\x1b[3D\x1b[3C");
        } else {
            bench_text(b, &r, 20, 100);
        }
        if (i % 5u == 0) {
            static const char *const colours[] = {"\x1b[32m", "\x1b[1;31m", "\x1b[0;33m",
                                                  "\x1b[36m", "\x1b[1m"};
            bench_put(b, colours[bench_next(&r) % 5u]);
            bench_text(b, &r, 10, 40);
            bench_put(b, "\x1b[0m");
        }
        bench_put(b, "\r\n");
        i++;
    }
}

/* (2) The ROM's 74880-baud boot text read at 115200: any byte. */
static void bench_gen_garbage(struct bench_buf *b)
{
    struct bench_rng r = {BENCH_SEED};
    for (size_t i = 0; i < b->size; i++) {
        b->data[i] = (uint8_t)(bench_next(&r) >> 24);
    }
    b->len = b->size;
}

/* (3) Full-screen style output: a cursor move or SGR every 3-8 characters. */
static void bench_gen_escapes(struct bench_buf *b)
{
    struct bench_rng r = {BENCH_SEED};
    char seq[48];
    while (!bench_full(b)) {
        switch (bench_next(&r) % 6u) {
        case 0:
            snprintf(seq, sizeof seq, "\x1b[%u;%uH", bench_range(&r, 1, BENCH_ROWS),
                     bench_range(&r, 1, BENCH_COLS));
            break;
        case 1: snprintf(seq, sizeof seq, "\x1b[%uC", bench_range(&r, 1, 9)); break;
        case 2: snprintf(seq, sizeof seq, "\x1b[%uD", bench_range(&r, 1, 9)); break;
        case 3: snprintf(seq, sizeof seq, "\x1b[%um", bench_range(&r, 30, 37)); break;
        case 4:
            snprintf(seq, sizeof seq, "\x1b[1;%u;%um", bench_range(&r, 90, 97),
                     bench_range(&r, 40, 47));
            break;
        default: snprintf(seq, sizeof seq, "\x1b[0m\x1b[K"); break;
        }
        bench_put(b, seq);
        bench_text(b, &r, 3, 8);
        if (bench_next(&r) % 16u == 0) {
            bench_put(b, "\r\n");
        }
    }
}

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds to feed `total` bytes of `in` (cycled) in chunks to a fresh 80x24 terminal. */
static double bench_run(const struct bench_buf *in, size_t total)
{
    struct term_config cfg = {BENCH_COLS, BENCH_ROWS, 0, NULL, NULL};
    struct term *t = term_new(&cfg);
    if (t == NULL) {
        fprintf(stderr, "mf_bench_term: out of memory\n");
        exit(1);
    }
    struct term_damage d;
    size_t off = 0;
    size_t fed = 0;
    unsigned chunks = 0;
    double start = bench_now();
    while (fed < total) {
        size_t n = in->len - off < BENCH_CHUNK ? in->len - off : BENCH_CHUNK;
        term_write(t, in->data + off, n);
        fed += n;
        off = off + n == in->len ? 0 : off + n;
        if (++chunks % BENCH_DAMAGE_EVERY == 0) {
            term_take_damage(t, &d);
        }
    }
    double s = bench_now() - start;
    term_free(t);
    return s;
}

/* The model with its default scrollback full, at 80 columns: computed from the sizes, and the
 * heap it really took (glibc). */
static void bench_memory(void)
{
    size_t lines = TERM_SCROLLBACK_DEFAULT + BENCH_ROWS;
    size_t cells = lines * BENCH_COLS * sizeof(struct term_cell);
    size_t flags = lines; /* one "wrapped" byte per line */
    printf("\nMemory with the default scrollback full (%u lines + %d rows, %d columns): "
           "%zu x %d cells x %zu B + %zu B of line flags = %.2f MiB\n",
           TERM_SCROLLBACK_DEFAULT, BENCH_ROWS, BENCH_COLS, lines, BENCH_COLS,
           sizeof(struct term_cell), flags, (double)(cells + flags) / BENCH_MIB);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 before = mallinfo2();
    struct term_config cfg = {BENCH_COLS, BENCH_ROWS, 0, NULL, NULL};
    struct term *t = term_new(&cfg);
    if (t != NULL) {
        for (size_t i = 0; i < lines * 2; i++) {
            term_write(t, "line\r\n", 6);
        }
        struct mallinfo2 after = mallinfo2();
        size_t used = (after.uordblks + after.hblkhd) - (before.uordblks + before.hblkhd);
        printf("Measured heap of that model (glibc mallinfo2): %.2f MiB\n",
               (double)used / BENCH_MIB);
        term_free(t);
    }
#endif
}

int main(int argc, char **argv)
{
    size_t mb = BENCH_MB_DEFAULT;
    int only = 0; /* 1-3: that input alone */
    for (int a = 1; a < argc; a++) {
        int v = a + 1 < argc ? atoi(argv[a + 1]) : 0;
        if (strcmp(argv[a], "--mb") == 0 && v > 0) {
            mb = (size_t)v;
        } else if (strcmp(argv[a], "--input") == 0 && v >= 1 && v <= 3) {
            only = v;
        } else {
            fprintf(stderr, "usage: mf_bench_term [--mb MB-per-run] [--input 1-3]\n");
            return BENCH_EXIT_USAGE;
        }
        a++;
    }
    static const struct bench_input {
        const char *name;
        void (*gen)(struct bench_buf *b);
        bool goal; /* the 50 MB/s goal is set for this input; the others are for information */
    } inputs[] = {
            {"typical REPL output", bench_gen_repl, true},
            {"ROM boot garbage", bench_gen_garbage, false},
            {"escape heavy", bench_gen_escapes, false},
    };
    struct bench_buf buf = {malloc(BENCH_INPUT_BYTES), 0, BENCH_INPUT_BYTES};
    if (buf.data == NULL) {
        fprintf(stderr, "mf_bench_term: out of memory\n");
        return 1;
    }
    size_t total = mb * (size_t)BENCH_MB;
    printf("Terminal model (src/term): %dx%d, scrollback %u, %u-byte writes, %zu MB per run, "
           "best of %u\n\n",
           BENCH_COLS, BENCH_ROWS, TERM_SCROLLBACK_DEFAULT, BENCH_CHUNK, mb, BENCH_RUNS);
    printf("| Input | Best s | MB/s | Ratio to %.0f MB/s | Goal (REPL output) |\n", BENCH_GOAL_MBS);
    printf("|---|---:|---:|---:|---|\n");
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        if (only != 0 && (size_t)only != i + 1) {
            continue;
        }
        buf.len = 0;
        inputs[i].gen(&buf);
        double best = 0;
        for (unsigned run = 0; run < BENCH_RUNS; run++) {
            double s = bench_run(&buf, total);
            if (run == 0 || s < best) {
                best = s;
            }
        }
        double mbs = (double)total / BENCH_MB / best;
        printf("| %s | %.3f | %.1f | %.2f | %s |\n", inputs[i].name, best, mbs,
               mbs / BENCH_GOAL_MBS,
               !inputs[i].goal         ? "-"
               : mbs >= BENCH_GOAL_MBS ? "met"
                                       : "MISSED");
    }
    bench_memory();
    free(buf.data);
    return 0;
}
