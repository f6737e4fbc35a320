/* SPDX-License-Identifier: MIT */
/* Files on the board as small programs run in the raw REPL: list (os.ilistdir), put (base64
 * chunks into open(path,'wb'), size checked with os.stat), get (base64 lines), remove. */
#include "mpy_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sizes chosen for a real ESP8266 (about 30 KiB of heap under MicroPython 1.2x): one put
 * program carries MPY_FS_CHUNK bytes (684 base64 characters), a get line MPY_FS_GET_CHUNK. */
#define MPY_FS_CHUNK      512u
#define MPY_FS_GET_CHUNK  384u
#define MPY_FS_B64_CHUNK  ((MPY_FS_CHUNK + 2u) / 3u * 4u)
#define MPY_FS_LINE_MAX   (MPY_FS_B64_CHUNK + 16u)
#define MPY_FS_PATH_MAX   255u
#define MPY_FS_LITERAL    (2u * MPY_FS_PATH_MAX + 3u) /* every byte escaped, quotes, NUL */
#define MPY_FS_CODE_MAX   (MPY_FS_B64_CHUNK + 2u * MPY_FS_LITERAL + 256u)
#define MPY_FS_MODE_DIR   0x4000ul /* os.ilistdir's type of a folder (S_IFDIR) */
#define MPY_FS_OSERROR    "OSError: "
#define MPY_FS_ERRNO      "[Errno "
#define MPY_FS_DIGITS     "0123456789"
#define MPY_FS_SEPARATORS " \r\n"

/* The board-side programs. They run on the simulator's tiny Python and on MicroPython 1.9 to
 * 1.2x (ubinascii and os exist in all of them; v1.21+ maps ubinascii to binascii). */
#define MPY_FS_LIST                                                                                \
    "import os\n"                                                                                  \
    "for e in os.ilistdir(%s):\n"                                                                  \
    " print(e[1],e[3],e[0])\n"
#define MPY_FS_PUT_OPEN                                                                            \
    "import ubinascii,os\n"                                                                        \
    "f=open(%s,'wb')\n"
#define MPY_FS_PUT_CHUNK "f.write(ubinascii.a2b_base64('%s'))\n"
#define MPY_FS_PUT_CLOSE                                                                           \
    "f.close()\n"                                                                                  \
    "print(os.stat(%s)[6])\n"
#define MPY_FS_PUT_DROP                                                                            \
    "f.close()\n"                                                                                  \
    "os.remove(%s)\n"
#define MPY_FS_CLOSE "f.close()\n"
#define MPY_FS_GET                                                                                 \
    "import ubinascii,os\n"                                                                        \
    "print(os.stat(%s)[6])\n"                                                                      \
    "f=open(%s,'rb')\n"                                                                            \
    "while 1:\n"                                                                                   \
    " d=f.read(%u)\n"                                                                              \
    " if not d:\n"                                                                                 \
    "  break\n"                                                                                    \
    " print(ubinascii.b2a_base64(d).decode(),end='')\n"                                            \
    "f.close()\n"
#define MPY_FS_REMOVE                                                                              \
    "import os\n"                                                                                  \
    "os.remove(%s)\n"

static const char MPY_B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
#define MPY_B64_PAD '='

/* OSError numbers of MicroPython (py/mperrno.h) and what they mean for a file operation. */
enum {
    MPY_ENOENT = 2,
    MPY_EEXIST = 17,
    MPY_ENOTDIR = 20,
    MPY_EISDIR = 21,
    MPY_ENOSPC = 28,
    MPY_ENOTEMPTY = 39,
};

static const struct {
    int errno_value;
    int status;
    const char *before; /* the sentence around the path */
    const char *after;
} MPY_FS_ERRORS[] = {
        {MPY_ENOENT, MPY_ERR_NOT_FOUND, "there is no file or folder ",
         " on the board (check the name against the list of files)."},
        {MPY_EEXIST, MPY_ERR_PYTHON, "", " exists already on the board."},
        {MPY_ENOTDIR, MPY_ERR_PYTHON, "a part of ", " is a file, not a folder."},
        {MPY_EISDIR, MPY_ERR_PYTHON, "", " is a folder on the board, not a file."},
        {MPY_ENOSPC, MPY_ERR_PYTHON, "the board's filesystem is full, so ",
         " could not be written. Delete files you no longer need, then try again."},
        {MPY_ENOTEMPTY, MPY_ERR_PYTHON, "the folder ", " is not empty."},
};

/* ---- paths ---- */

/* path as a Python string literal ('...'); root_ok: "" is the root folder. */
static int mpy_fs_literal(const char *cmd, const char *path, bool root_ok, char *out,
                          struct mpy_error *err)
{
    size_t n = 0, len = path != NULL ? strlen(path) : 0u;
    if (path == NULL || (len == 0 && !root_ok)) {
        return mpy_fail(err, MPY_ERR_ARG, cmd,
                        "%s: give the path of a file on the board, e.g. "
                        "/main.py.",
                        cmd);
    }
    if (len > MPY_FS_PATH_MAX) {
        return mpy_fail(err, MPY_ERR_ARG, cmd, "%s: the path is longer than %u bytes.", cmd,
                        (unsigned)MPY_FS_PATH_MAX);
    }
    out[n++] = '\'';
    if (len == 0) {
        out[n++] = '/';
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c < 0x20u || c == 0x7Fu) {
            return mpy_fail(err, MPY_ERR_ARG, cmd,
                            "%s: the path holds the control character 0x%02X; file names on the "
                            "board are printable text.",
                            cmd, c);
        }
        if (c == '\'' || c == '\\') {
            out[n++] = '\\';
        }
        out[n++] = (char)c;
    }
    out[n++] = '\'';
    out[n] = '\0';
    return MPY_OK;
}

/* OSError's number in a traceback's last line ("OSError: [Errno 2] ENOENT", "OSError: 28"); 0
 * for anything else. */
static int mpy_fs_errno(const char *line)
{
    size_t pre = strlen(MPY_FS_OSERROR), eno = strlen(MPY_FS_ERRNO);
    const char *p = strncmp(line, MPY_FS_OSERROR, pre) == 0 ? line + pre : NULL;
    int value = 0;
    if (p != NULL && strncmp(p, MPY_FS_ERRNO, eno) == 0) {
        p += eno;
    }
    for (size_t i = 0; p != NULL && p[i] >= '0' && p[i] <= '9' && value < 1000; i++) {
        value = value * 10 + (p[i] - '0');
    }
    return value;
}

/* A board-side failure of a file step as a sentence: OSErrors by number, others verbatim. */
static int mpy_fs_explain(int rc, const char *cmd, const char *path, struct mpy_error *err)
{
    if (rc != MPY_ERR_PYTHON) {
        return rc;
    }
    char line[MPY_MESSAGE_MAX];
    int eno = mpy_fs_errno(err->message);
    snprintf(line, sizeof line, "%s", err->message);
    for (size_t i = 0; i < sizeof MPY_FS_ERRORS / sizeof MPY_FS_ERRORS[0]; i++) {
        if (MPY_FS_ERRORS[i].errno_value == eno) {
            return mpy_fail(err, MPY_FS_ERRORS[i].status, cmd, "%s: %s%s%s", cmd,
                            MPY_FS_ERRORS[i].before, path, MPY_FS_ERRORS[i].after);
        }
    }
    return mpy_fail(err, MPY_ERR_PYTHON, cmd, "%s: the board raised %s.", cmd, line);
}

static void mpy_fs_command(char *cmd, const char *verb, const char *path)
{
    snprintf(cmd, MPY_COMMAND_MAX, "%s %s", verb, path != NULL ? path : "");
}

static bool mpy_fs_progress(struct mpy *m, size_t done, size_t total)
{
    return m->opt.progress == NULL || m->opt.progress(m->opt.progress_ctx, done, total);
}

/* ---- base64 (RFC 4648, as binascii writes and reads it) ---- */

static size_t mpy_b64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3u) {
        uint32_t v = (uint32_t)in[i] << 16;
        size_t left = n - i;
        v |= left > 1u ? (uint32_t)in[i + 1u] << 8 : 0u;
        v |= left > 2u ? (uint32_t)in[i + 2u] : 0u;
        out[o++] = MPY_B64[v >> 18 & 0x3Fu];
        out[o++] = MPY_B64[v >> 12 & 0x3Fu];
        out[o++] = left > 1u ? MPY_B64[v >> 6 & 0x3Fu] : MPY_B64_PAD;
        out[o++] = left > 2u ? MPY_B64[v & 0x3Fu] : MPY_B64_PAD;
    }
    out[o] = '\0';
    return o;
}

/* Decodes one line into out (room for cap bytes); false on a character outside base64 or an
 * overflow. */
static bool mpy_b64_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    bool pad = false;
    for (size_t i = 0; i < n; i++) {
        const char *at = s[i] != '\0' ? strchr(MPY_B64, s[i]) : NULL;
        if (s[i] == MPY_B64_PAD) {
            pad = true;
            continue;
        }
        if (at == NULL || pad) {
            return false;
        }
        acc = acc << 6 | (uint32_t)(at - MPY_B64);
        bits += 6u;
        if (bits >= 8u) {
            bits -= 8u;
            if (*len >= cap) {
                return false;
            }
            out[(*len)++] = (uint8_t)(acc >> bits);
        }
    }
    return true;
}

/* ---- list ---- */

static int mpy_fs_entry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct mpy_entry *)a)->name, ((const struct mpy_entry *)b)->name);
}

/* One "TYPE SIZE NAME" line of the listing program. */
static bool mpy_fs_parse_entry(const char *line, struct mpy_entry *e)
{
    char *end = NULL;
    unsigned long type = strtoul(line, &end, 10);
    bool ok = end != line && *end == ' ';
    unsigned long size = ok ? strtoul(end + 1, &end, 10) : 0ul;
    ok = ok && *end == ' ' && end[1] != '\0';
    if (ok) {
        memset(e, 0, sizeof *e);
        snprintf(e->name, sizeof e->name, "%s", end + 1);
        e->is_dir = (type & MPY_FS_MODE_DIR) != 0;
        e->size = e->is_dir ? 0u : (uint32_t)size;
    }
    return ok;
}

int mpy_fs_list(struct mpy *m, const char *dir, struct mpy_entry **entries, size_t *count,
                struct mpy_error *err)
{
    char cmd[MPY_COMMAND_MAX], lit[MPY_FS_LITERAL], code[MPY_FS_CODE_MAX];
    struct mpy_error dummy;
    struct mpy_buf out = {0};
    struct mpy_entry *list = NULL;
    size_t n = 0, cap = 0;
    const char *path = dir != NULL && strcmp(dir, "/") != 0 ? dir : "";
    err = err != NULL ? err : &dummy;
    memset(err, 0, sizeof *err);
    mpy_fs_command(cmd, "list", path[0] != '\0' ? path : "/");
    if (entries != NULL) {
        *entries = NULL;
    }
    if (count != NULL) {
        *count = 0;
    }
    int rc = m != NULL && entries != NULL && count != NULL
                     ? mpy_fs_literal(cmd, path, true, lit, err)
                     : mpy_fail(err, MPY_ERR_ARG, cmd, "%s: no session or no result.", cmd);
    if (rc == MPY_OK) {
        snprintf(code, sizeof code, MPY_FS_LIST, lit);
        rc = mpy_fs_explain(mpy_run(m, cmd, code, strlen(code), NULL, NULL, &out, NULL, err), cmd,
                            path[0] != '\0' ? path : "/", err);
    }
    for (char *line = out.p; rc == MPY_OK && line != NULL && *line != '\0';) {
        char *nl = strchr(line, '\n');
        char *next = nl != NULL ? nl + 1 : NULL;
        size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
        while (len > 0 && line[len - 1] == '\r') {
            len--;
        }
        line[len] = '\0';
        if (n == cap) {
            cap = cap > 0 ? cap * 2u : 16u;
            struct mpy_entry *grown = realloc(list, cap * sizeof *grown);
            if (grown == NULL) {
                rc = mpy_fail(err, MPY_ERR_NO_MEMORY, cmd, "%s: out of memory.", cmd);
                break;
            }
            list = grown;
        }
        if (len > 0 && !mpy_fs_parse_entry(line, &list[n++])) {
            rc = mpy_fail(err, MPY_ERR_PROTOCOL, cmd,
                          "%s: the board listed a line that is not TYPE SIZE NAME: %.80s", cmd,
                          line);
        }
        line = next;
    }
    if (rc == MPY_OK && list == NULL) {
        list = calloc(1, sizeof *list);
        rc = list != NULL ? MPY_OK
                          : mpy_fail(err, MPY_ERR_NO_MEMORY, cmd, "%s: out of memory.", cmd);
    }
    if (rc == MPY_OK) {
        qsort(list, n, sizeof *list, mpy_fs_entry_cmp);
        *entries = list;
        *count = n;
        list = NULL;
    }
    free(list);
    mpy_buf_free(&out);
    return rc;
}

/* ---- put ---- */

/* After a failure or a cancel with the file open: close and remove the partial file (a half
 * main.py is worse than none); the board is then left in the friendly REPL. Errors here do not
 * replace the first one, and a port that failed is left alone. */
static void mpy_fs_put_abandon(struct mpy *m, const char *cmd, const char *lit)
{
    char code[MPY_FS_CODE_MAX];
    struct mpy_error ignored;
    snprintf(code, sizeof code, MPY_FS_PUT_DROP, lit);
    if (mpy_run(m, cmd, code, strlen(code), NULL, NULL, NULL, NULL, &ignored) != MPY_ERR_PORT) {
        (void)mpy_raw_leave(m, &ignored);
    }
}

/* The file's data, chunk by chunk, into the file opened on the board. */
static int mpy_fs_put_chunks(struct mpy *m, const char *cmd, const uint8_t *data, size_t len,
                             struct mpy_error *err)
{
    char code[MPY_FS_CODE_MAX], b64[MPY_FS_B64_CHUNK + 1u];
    int rc = MPY_OK;
    for (size_t done = 0; done < len && rc == MPY_OK;) {
        size_t n = len - done < MPY_FS_CHUNK ? len - done : MPY_FS_CHUNK;
        mpy_b64_encode(data + done, n, b64);
        snprintf(code, sizeof code, MPY_FS_PUT_CHUNK, b64);
        rc = mpy_run(m, cmd, code, strlen(code), NULL, NULL, NULL, NULL, err);
        done += n;
        if (rc == MPY_OK && !mpy_fs_progress(m, done, len)) {
            rc = mpy_fail(err, MPY_ERR_CANCELLED, cmd,
                          "%s: cancelled after %zu of %zu bytes; the partial file was removed.",
                          cmd, done, len);
        }
    }
    return rc;
}

/* Opens the file for writing on the board (as the global f of the raw REPL). */
static int mpy_fs_put_open(struct mpy *m, const char *cmd, const char *path, const char *lit,
                           struct mpy_error *err)
{
    char code[MPY_FS_CODE_MAX];
    snprintf(code, sizeof code, MPY_FS_PUT_OPEN, lit);
    int rc = mpy_run(m, cmd, code, strlen(code), NULL, NULL, NULL, NULL, err);
    if (rc == MPY_ERR_PYTHON && mpy_fs_errno(err->message) == MPY_ENOENT) {
        rc = mpy_fail(err, MPY_ERR_NOT_FOUND, cmd,
                      "%s: the folder that should hold %s does not exist on the board. Create it "
                      "first (os.mkdir in the REPL).",
                      cmd, path);
    } else {
        rc = mpy_fs_explain(rc, cmd, path, err);
    }
    return rc;
}

/* Closes the file and checks the size the board stored. */
static int mpy_fs_put_close(struct mpy *m, const char *cmd, const char *path, const char *lit,
                            size_t len, struct mpy_error *err)
{
    char code[MPY_FS_CODE_MAX];
    struct mpy_buf out = {0};
    snprintf(code, sizeof code, MPY_FS_PUT_CLOSE, lit);
    int rc = mpy_fs_explain(mpy_run(m, cmd, code, strlen(code), NULL, NULL, &out, NULL, err), cmd,
                            path, err);
    if (rc == MPY_OK) {
        const char *text = out.p != NULL ? out.p : "";
        size_t digits = strspn(text, MPY_FS_DIGITS);
        unsigned long long stored = digits > 0 ? strtoull(text, NULL, 10) : 0ull;
        if (digits == 0 || stored != (unsigned long long)len) {
            rc = mpy_fail(err, MPY_ERR_PROTOCOL, cmd,
                          "%s: the board stored %.*s%s bytes instead of %zu. Try again; if it "
                          "persists, the board's filesystem may be damaged.",
                          cmd, (int)digits, text, digits == 0 ? "an unknown number of" : "", len);
        }
    }
    mpy_buf_free(&out);
    return rc;
}

int mpy_fs_put(struct mpy *m, const char *path, const void *data, size_t len, struct mpy_error *err)
{
    char cmd[MPY_COMMAND_MAX], lit[MPY_FS_LITERAL];
    struct mpy_error dummy;
    err = err != NULL ? err : &dummy;
    memset(err, 0, sizeof *err);
    mpy_fs_command(cmd, "put", path);
    int rc = m != NULL && (data != NULL || len == 0)
                     ? mpy_fs_literal(cmd, path, false, lit, err)
                     : mpy_fail(err, MPY_ERR_ARG, cmd, "%s: no session or no data.", cmd);
    if (rc == MPY_OK && !mpy_fs_progress(m, 0, len)) {
        rc = mpy_fail(err, MPY_ERR_CANCELLED, cmd, "%s: cancelled before it started.", cmd);
    }
    if (rc == MPY_OK) {
        rc = mpy_fs_put_open(m, cmd, path, lit, err);
    }
    if (rc == MPY_OK) {
        rc = mpy_fs_put_chunks(m, cmd, data, len, err);
        if (rc != MPY_OK) {
            rc = mpy_fs_explain(rc, cmd, path, err);
            if (rc != MPY_ERR_PORT) {
                mpy_fs_put_abandon(m, cmd, lit);
            }
        } else {
            rc = mpy_fs_put_close(m, cmd, path, lit, len, err);
        }
    }
    return rc;
}

/* ---- get ---- */

struct mpy_get {
    struct mpy *m;
    bool have_size;
    size_t size;
    uint8_t *data;
    size_t len;
    char line[MPY_FS_LINE_MAX];
    size_t line_len;
    bool bad;       /* the board's lines are not what the program prints */
    bool cancelled; /* the progress callback said stop */
    bool no_memory;
};

/* One complete line: the size first, then base64. false stops the transfer. */
static bool mpy_get_line(struct mpy_get *g)
{
    const char *s = g->line;
    size_t n = g->line_len;
    while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ')) {
        n--;
    }
    if (!g->have_size) {
        char *end = NULL;
        g->line[n] = '\0';
        g->size = (size_t)strtoull(s, &end, 10);
        g->bad = end == s || *end != '\0' || strspn(s, MPY_FS_DIGITS) != n;
        g->data = g->bad ? NULL : malloc(g->size > 0 ? g->size : 1u);
        g->no_memory = !g->bad && g->data == NULL;
        g->have_size = true;
    } else if (!mpy_b64_decode(s, n, g->data, g->size, &g->len)) {
        g->bad = true;
    }
    if (g->bad || g->no_memory) {
        return false;
    }
    g->cancelled = !mpy_fs_progress(g->m, g->len, g->size);
    return !g->cancelled;
}

static bool mpy_get_sink(void *ctx, const uint8_t *data, size_t n)
{
    struct mpy_get *g = ctx;
    bool go = true;
    for (size_t i = 0; i < n && go; i++) {
        if (data[i] == '\n') {
            go = mpy_get_line(g);
            g->line_len = 0;
        } else if (g->line_len + 1u < sizeof g->line) {
            g->line[g->line_len++] = (char)data[i];
        } else {
            g->bad = true;
            go = false;
        }
    }
    return go;
}

int mpy_fs_get(struct mpy *m, const char *path, void **data, size_t *len, struct mpy_error *err)
{
    char cmd[MPY_COMMAND_MAX], lit[MPY_FS_LITERAL], code[MPY_FS_CODE_MAX];
    struct mpy_error dummy, ignored;
    struct mpy_get *g = calloc(1, sizeof *g);
    err = err != NULL ? err : &dummy;
    memset(err, 0, sizeof *err);
    mpy_fs_command(cmd, "get", path);
    if (data != NULL) {
        *data = NULL;
    }
    if (len != NULL) {
        *len = 0;
    }
    int rc = g == NULL ? mpy_fail(err, MPY_ERR_NO_MEMORY, cmd, "%s: out of memory.", cmd)
             : m != NULL && data != NULL && len != NULL
                     ? mpy_fs_literal(cmd, path, false, lit, err)
                     : mpy_fail(err, MPY_ERR_ARG, cmd, "%s: no session or no result.", cmd);
    if (rc == MPY_OK) {
        g->m = m;
        snprintf(code, sizeof code, MPY_FS_GET, lit, lit, (unsigned)MPY_FS_GET_CHUNK);
        rc = mpy_run(m, cmd, code, strlen(code), mpy_get_sink, g, NULL, NULL, err);
    }
    if (rc == MPY_ERR_CANCELLED || (rc == MPY_ERR_PYTHON && g->have_size)) {
        /* stopped mid-file: the program left f open */
        (void)mpy_run(m, cmd, MPY_FS_CLOSE, strlen(MPY_FS_CLOSE), NULL, NULL, NULL, NULL, &ignored);
    }
    if (rc == MPY_ERR_CANCELLED && g->bad) {
        rc = mpy_fail(err, MPY_ERR_PROTOCOL, cmd,
                      "%s: the board sent a line that is neither a size nor base64.", cmd);
    } else if (rc == MPY_ERR_CANCELLED && g->no_memory) {
        rc = mpy_fail(err, MPY_ERR_NO_MEMORY, cmd, "%s: out of memory for %zu bytes.", cmd,
                      g->size);
    } else if (rc == MPY_ERR_CANCELLED) {
        rc = mpy_fail(err, MPY_ERR_CANCELLED, cmd, "%s: cancelled after %zu of %zu bytes.", cmd,
                      g->len, g->size);
        (void)mpy_raw_leave(m, &ignored);
    } else if (rc == MPY_OK && (!g->have_size || g->line_len > 0 || g->len != g->size)) {
        rc = mpy_fail(err, MPY_ERR_PROTOCOL, cmd, "%s: %zu of %zu bytes arrived.", cmd, g->len,
                      g->size);
    } else {
        rc = mpy_fs_explain(rc, cmd, path, err);
    }
    if (rc == MPY_OK) {
        *data = g->data;
        *len = g->len;
        g->data = NULL;
    }
    if (g != NULL) {
        free(g->data);
    }
    free(g);
    return rc;
}

/* ---- remove ---- */

int mpy_fs_remove(struct mpy *m, const char *path, struct mpy_error *err)
{
    char cmd[MPY_COMMAND_MAX], lit[MPY_FS_LITERAL], code[MPY_FS_CODE_MAX];
    struct mpy_error dummy;
    err = err != NULL ? err : &dummy;
    memset(err, 0, sizeof *err);
    mpy_fs_command(cmd, "remove", path);
    int rc = m != NULL ? mpy_fs_literal(cmd, path, false, lit, err)
                       : mpy_fail(err, MPY_ERR_ARG, cmd, "%s: no session.", cmd);
    if (rc == MPY_OK) {
        snprintf(code, sizeof code, MPY_FS_REMOVE, lit);
        rc = mpy_fs_explain(mpy_run(m, cmd, code, strlen(code), NULL, NULL, NULL, NULL, err), cmd,
                            path, err);
    }
    return rc;
}
