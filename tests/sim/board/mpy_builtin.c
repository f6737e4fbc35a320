/* SPDX-License-Identifier: MIT */
/* Names of the tiny Python: builtins, modules (os, sys, time, binascii, gc, machine, ...),
 * methods by type, attribute lookup, call dispatch and MicroPython's Tab completion. */
#include "mpy_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpy_builtin_ids.h"

#define COMPL_SLOT    16u /* py/repl.c WORD_SLOT_LEN */
#define COMPL_LINE    (4u * COMPL_SLOT)
#define NAME_LIST_MAX 512u
#define SYS_MAXSIZE   2147483647

static const char *const BI_NAMES[BI_COUNT] = {
#define X(id, name) [id] = name,
        MPY_BUILTIN_LIST
#undef X
};

/* Builtins of the global namespace, in the order completion lists them. */
static const int GLOBAL_FUNCS[] = {
        BI_ABS,   BI_ALL,    BI_ANY,   BI_BIN,    BI_BOOL, BI_BYTEARRAY, BI_BYTES,
        BI_CHR,   BI_DIVMOD, BI_FLOAT, BI_HEX,    BI_INT,  BI_LEN,       BI_LIST,
        BI_MAX,   BI_MIN,    BI_OCT,   BI_OPEN,   BI_ORD,  BI_POW,       BI_PRINT,
        BI_RANGE, BI_REPR,   BI_ROUND, BI_SORTED, BI_STR,  BI_SUM,       BI_TUPLE,
};

/* Real MicroPython builtins the simulator does not model: calling one says so. */
static const char *const UNMODELLED_FUNCS[] = {
        "callable",   "compile",      "delattr",     "dict",     "dir",       "enumerate",
        "eval",       "exec",         "execfile",    "filter",   "frozenset", "getattr",
        "globals",    "hasattr",      "hash",        "help",     "id",        "input",
        "isinstance", "issubclass",   "iter",        "locals",   "map",       "memoryview",
        "next",       "object",       "property",    "reversed", "set",       "setattr",
        "slice",      "staticmethod", "classmethod", "super",    "type",      "zip",
        "__import__",
};

/* Modules of the ESP8266 port that exist on the board but are not modelled. */
static const char *const UNMODELLED_MODULES[] = {
        "array",     "asyncio", "bluetooth", "btree",     "cmath",   "collections",
        "cryptolib", "deflate", "dht",       "ds18x20",   "espnow",  "flashbdev",
        "framebuf",  "hashlib", "heapq",     "inisetup",  "io",      "json",
        "lwip",      "math",    "neopixel",  "network",   "ntptime", "onewire",
        "platform",  "random",  "re",        "requests",  "select",  "socket",
        "ssl",       "struct",  "uctypes",   "vfs",       "webrepl", "webrepl_setup",
        "websocket", "uarray",  "uasyncio",  "uhashlib",  "uheapq",  "uio",
        "ujson",     "urandom", "ure",       "urequests", "uselect", "usocket",
        "ussl",      "ustruct", "uzlib",
};

struct mpy_member {
    const char *name;
    enum mpy_type type; /* MPY_FUNC (value: id), MPY_INT, MPY_STR (str), MPY_OBJ (value: id) */
    int64_t value;
    const char *str;
};

static const struct mpy_member OS_MEMBERS[] = {
        {"chdir", MPY_FUNC, OS_CHDIR, NULL},
        {"getcwd", MPY_FUNC, OS_GETCWD, NULL},
        {"ilistdir", MPY_FUNC, OS_ILISTDIR, NULL},
        {"listdir", MPY_FUNC, OS_LISTDIR, NULL},
        {"mkdir", MPY_FUNC, OS_MKDIR, NULL},
        {"remove", MPY_FUNC, OS_REMOVE, NULL},
        {"rename", MPY_FUNC, OS_RENAME, NULL},
        {"rmdir", MPY_FUNC, OS_RMDIR, NULL},
        {"sep", MPY_STR, 0, "/"},
        {"stat", MPY_FUNC, OS_STAT, NULL},
        {"statvfs", MPY_FUNC, OS_STATVFS, NULL},
        {"sync", MPY_FUNC, OS_SYNC, NULL},
        {"uname", MPY_FUNC, OS_UNAME, NULL},
        {"urandom", MPY_FUNC, OS_URANDOM, NULL},
};

static const struct mpy_member SYS_MEMBERS[] = {
        {"byteorder", MPY_STR, 0, "little"},
        {"exit", MPY_FUNC, SYS_EXIT, NULL},
        {"maxsize", MPY_INT, SYS_MAXSIZE, NULL},
        {"platform", MPY_STR, 0, "esp8266"},
        {"stderr", MPY_OBJ, MPY_OBJ_STDERR, NULL},
        {"stdin", MPY_OBJ, MPY_OBJ_STDIN, NULL},
        {"stdout", MPY_OBJ, MPY_OBJ_STDOUT, NULL},
        {"version", MPY_STR, 0, "3.4.0; MicroPython v1.23.0 on 2024-06-02"},
};

static const struct mpy_member TIME_MEMBERS[] = {
        {"sleep", MPY_FUNC, TIME_SLEEP, NULL},
        {"sleep_ms", MPY_FUNC, TIME_SLEEP_MS, NULL},
        {"sleep_us", MPY_FUNC, TIME_SLEEP_US, NULL},
        {"ticks_add", MPY_FUNC, TIME_TICKS_ADD, NULL},
        {"ticks_diff", MPY_FUNC, TIME_TICKS_DIFF, NULL},
        {"ticks_ms", MPY_FUNC, TIME_TICKS_MS, NULL},
        {"ticks_us", MPY_FUNC, TIME_TICKS_US, NULL},
        {"time", MPY_FUNC, TIME_TIME, NULL},
};

static const struct mpy_member BINASCII_MEMBERS[] = {
        {"a2b_base64", MPY_FUNC, BA_A2B_BASE64, NULL},
        {"b2a_base64", MPY_FUNC, BA_B2A_BASE64, NULL},
        {"hexlify", MPY_FUNC, BA_HEXLIFY, NULL},
        {"unhexlify", MPY_FUNC, BA_UNHEXLIFY, NULL},
};

static const struct mpy_member GC_MEMBERS[] = {
        {"collect", MPY_FUNC, GC_COLLECT, NULL},   {"disable", MPY_FUNC, GC_DISABLE, NULL},
        {"enable", MPY_FUNC, GC_ENABLE, NULL},     {"mem_alloc", MPY_FUNC, GC_MEM_ALLOC, NULL},
        {"mem_free", MPY_FUNC, GC_MEM_FREE, NULL}, {"threshold", MPY_FUNC, GC_THRESHOLD, NULL},
};

static const struct mpy_member MACHINE_MEMBERS[] = {
        {"freq", MPY_FUNC, MACH_FREQ, NULL},
        {"reset", MPY_FUNC, MACH_RESET, NULL},
        {"soft_reset", MPY_FUNC, MACH_SOFT_RESET, NULL},
};

static const struct mpy_member MICROPYTHON_MEMBERS[] = {
        {"const", MPY_FUNC, MP_CONST, NULL},
};

static const struct mpy_member ERRNO_MEMBERS[] = {
        {"EACCES", MPY_INT, 13, NULL}, {"EAGAIN", MPY_INT, 11, NULL}, {"EBADF", MPY_INT, 9, NULL},
        {"EEXIST", MPY_INT, 17, NULL}, {"EINVAL", MPY_INT, 22, NULL}, {"EIO", MPY_INT, 5, NULL},
        {"EISDIR", MPY_INT, 21, NULL}, {"ENODEV", MPY_INT, 19, NULL}, {"ENOENT", MPY_INT, 2, NULL},
        {"ENOMEM", MPY_INT, 12, NULL}, {"EPERM", MPY_INT, 1, NULL},
};

struct mpy_module {
    const char *name;
    const char *alias;
    const struct mpy_member *members;
    size_t count;
};

#define MODULE(name, alias, members)                                                               \
    {                                                                                              \
        name, alias, members, sizeof members / sizeof members[0]                                   \
    }

static const struct mpy_module MODULES[] = {
        MODULE("os", "uos", OS_MEMBERS),
        MODULE("sys", "usys", SYS_MEMBERS),
        MODULE("time", "utime", TIME_MEMBERS),
        MODULE("binascii", "ubinascii", BINASCII_MEMBERS),
        MODULE("gc", NULL, GC_MEMBERS),
        MODULE("machine", "umachine", MACHINE_MEMBERS),
        MODULE("micropython", NULL, MICROPYTHON_MEMBERS),
        MODULE("errno", "uerrno", ERRNO_MEMBERS),
        {"esp", NULL, NULL, 0},
};
#define MODULE_COUNT (sizeof MODULES / sizeof MODULES[0])

static const int FILE_METHODS[] = {F_CLOSE,    F_ENTER,     F_EXIT, F_FLUSH, F_READ,
                                   F_READLINE, F_READLINES, F_SEEK, F_TELL,  F_WRITE};
static const int STR_METHODS[] = {S_COUNT, S_ENCODE,     S_ENDSWITH, S_FIND,    S_FORMAT,
                                  S_JOIN,  S_LOWER,      S_LSTRIP,   S_REPLACE, S_RSTRIP,
                                  S_SPLIT, S_STARTSWITH, S_STRIP,    S_UPPER};
static const int BYTES_METHODS[] = {S_COUNT,      S_DECODE, S_ENDSWITH, S_FIND,   S_JOIN,
                                    S_LOWER,      S_LSTRIP, S_REPLACE,  S_RSTRIP, S_SPLIT,
                                    S_STARTSWITH, S_STRIP,  S_UPPER};
static const int LIST_METHODS[] = {L_APPEND, L_COUNT, L_EXTEND, L_INDEX,
                                   L_INSERT, L_POP,   L_REMOVE, L_SORT};
static const int TUPLE_METHODS[] = {L_COUNT, L_INDEX};
static const int STDOUT_METHODS[] = {IO_WRITE};
static const int STDIN_METHODS[] = {IO_READ, IO_READLINE};

struct mpy_method_table {
    const int *ids;
    size_t count;
};

#define TABLE(a)                                                                                   \
    {                                                                                              \
        a, sizeof a / sizeof a[0]                                                                  \
    }

static struct mpy_method_table methods_of(const struct mpy_val *v)
{
    static const struct mpy_method_table NONE = {NULL, 0};
    static const struct mpy_method_table FILE_T = TABLE(FILE_METHODS);
    static const struct mpy_method_table STR_T = TABLE(STR_METHODS);
    static const struct mpy_method_table BYTES_T = TABLE(BYTES_METHODS);
    static const struct mpy_method_table LIST_T = TABLE(LIST_METHODS);
    static const struct mpy_method_table TUPLE_T = TABLE(TUPLE_METHODS);
    static const struct mpy_method_table OUT_T = TABLE(STDOUT_METHODS);
    static const struct mpy_method_table IN_T = TABLE(STDIN_METHODS);
    switch (v->type) {
    case MPY_FILE: return FILE_T;
    case MPY_STR: return STR_T;
    case MPY_BYTES:
    case MPY_BYTEARRAY: return BYTES_T;
    case MPY_LIST: return LIST_T;
    case MPY_TUPLE: return TUPLE_T;
    case MPY_OBJ: return v->id == MPY_OBJ_STDIN ? IN_T : OUT_T;
    default: return NONE;
    }
}

const char *mpy_builtin_name(int id)
{
    return id >= 0 && id < BI_COUNT ? BI_NAMES[id] : "?";
}

const char *mpy_module_name(int id)
{
    return id >= 0 && (size_t)id < MODULE_COUNT ? MODULES[id].name : "?";
}

static bool name_is(const char *name, size_t n, const char *s)
{
    return strlen(s) == n && memcmp(name, s, n) == 0;
}

static void make_func(struct mpy_val *out, int id)
{
    mpy_set_none(out);
    out->type = MPY_FUNC;
    out->id = id;
}

/* ---- names, attributes, imports ---- */

int mpy_lookup(struct sim_mpy *m, const char *name, size_t n, struct mpy_val *out)
{
    struct mpy_var *v = mpy_var_find(m, name, n);
    if (v) {
        *out = v->v;
        return 0;
    }
    for (size_t i = 0; i < sizeof GLOBAL_FUNCS / sizeof GLOBAL_FUNCS[0]; i++) {
        if (name_is(name, n, BI_NAMES[GLOBAL_FUNCS[i]])) {
            make_func(out, GLOBAL_FUNCS[i]);
            return 0;
        }
    }
    for (int c = 0; c < MPY_EXC_COUNT; c++) {
        if (name_is(name, n, mpy_exc_name(c))) {
            mpy_set_none(out);
            out->type = MPY_EXCTYPE;
            out->id = c;
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof UNMODELLED_FUNCS / sizeof UNMODELLED_FUNCS[0]; i++) {
        if (name_is(name, n, UNMODELLED_FUNCS[i])) {
            make_func(out, BI_UNMODELLED);
            out->i = (int64_t)i;
            return 0;
        }
    }
    return mpy_raise(m, MPY_EXC_NAME, "name '%.*s' isn't defined", (int)n, name);
}

int mpy_import(struct sim_mpy *m, const char *name, size_t n, struct mpy_val *out)
{
    for (size_t i = 0; i < MODULE_COUNT; i++) {
        if (name_is(name, n, MODULES[i].name) ||
            (MODULES[i].alias && name_is(name, n, MODULES[i].alias))) {
            mpy_set_none(out);
            out->type = MPY_MODULE;
            out->id = (int)i;
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof UNMODELLED_MODULES / sizeof UNMODELLED_MODULES[0]; i++)
        if (name_is(name, n, UNMODELLED_MODULES[i]))
            return mpy_raise(m, MPY_EXC_NOT_IMPLEMENTED,
                             "module '%.*s': not modelled by the board simulator", (int)n, name);
    return mpy_raise(m, MPY_EXC_IMPORT, "no module named '%.*s'", (int)n, name);
}

static int bind_method(struct sim_mpy *m, const struct mpy_val *self, int id, struct mpy_val *out)
{
    struct mpy_val recv = *self, bound;
    if (mpy_new_seq(m, MPY_TUPLE, 1, &bound) != 0)
        return -1;
    bound.items[0] = recv;
    bound.type = MPY_METHOD;
    bound.id = id;
    bound.len = 0;
    *out = bound;
    return 0;
}

static int member_value(struct sim_mpy *m, const struct mpy_member *mem, struct mpy_val *out)
{
    mpy_set_none(out);
    switch (mem->type) {
    case MPY_FUNC: make_func(out, (int)mem->value); return 0;
    case MPY_INT: mpy_set_int(out, mem->value); return 0;
    case MPY_STR: return mpy_new_cstr(m, mem->str, out);
    case MPY_OBJ:
        out->type = MPY_OBJ;
        out->id = (int)mem->value;
        return 0;
    default: return 0;
    }
}

int mpy_getattr(struct sim_mpy *m, const struct mpy_val *obj, const char *name, size_t n,
                struct mpy_val *out)
{
    struct mpy_method_table t = methods_of(obj);

    if (obj->type == MPY_MODULE) {
        const struct mpy_module *mod = &MODULES[obj->id];
        for (size_t i = 0; i < mod->count; i++)
            if (name_is(name, n, mod->members[i].name))
                return member_value(m, &mod->members[i], out);
        if (name_is(name, n, "__name__"))
            return mpy_new_cstr(m, mod->name, out);
    } else if (obj->type == MPY_EXC && name_is(name, n, "errno")) {
        if (obj->i == MPY_NO_ERRNO)
            mpy_set_none(out);
        else
            mpy_set_int(out, obj->i);
        return 0;
    } else if (obj->type == MPY_EXC && name_is(name, n, "args")) {
        struct mpy_val arg;
        if (obj->i != MPY_NO_ERRNO)
            mpy_set_int(&arg, obj->i);
        else if (mpy_new_bytes(m, MPY_STR, obj->s, obj->len, &arg) != 0)
            return -1;
        if (mpy_new_seq(m, MPY_TUPLE, obj->step || obj->i != MPY_NO_ERRNO ? 1 : 0, out) != 0)
            return -1;
        if (out->len)
            out->items[0] = arg;
        return 0;
    } else if (obj->type == MPY_EXCTYPE && name_is(name, n, "__name__")) {
        return mpy_new_cstr(m, mpy_exc_name(obj->id), out);
    } else if (obj->type == MPY_OBJ && name_is(name, n, "buffer")) {
        *out = *obj;
        return 0;
    }
    for (size_t i = 0; i < t.count; i++)
        if (name_is(name, n, BI_NAMES[t.ids[i]]))
            return bind_method(m, obj, t.ids[i], out);
    return mpy_raise(m, MPY_EXC_ATTRIBUTE, "'%s' object has no attribute '%.*s'",
                     mpy_type_name(obj), (int)n, name);
}

/* ---- argument helpers ---- */

int mpy_args_check(struct mpy_args *a, size_t min, size_t max)
{
    if (a->n < min)
        return mpy_raise(a->m, MPY_EXC_TYPE, "function missing %zu required positional arguments",
                         min - a->n);
    if (a->n > max)
        return mpy_raise(a->m, MPY_EXC_TYPE,
                         "function takes %zu positional arguments but %zu were given", max, a->n);
    return 0;
}

const struct mpy_val *mpy_args_kw(const struct mpy_args *a, const char *name)
{
    for (size_t i = 0; i < a->nkw; i++)
        if (name_is(a->kw[i].name, a->kw[i].len, name))
            return &a->kw[i].v;
    return NULL;
}

int mpy_args_kw_check(struct mpy_args *a, const char *const *allowed, size_t count)
{
    for (size_t i = 0; i < a->nkw; i++) {
        bool ok = false;
        for (size_t k = 0; k < count; k++)
            if (name_is(a->kw[i].name, a->kw[i].len, allowed[k]))
                ok = true;
        if (!ok)
            return count ? mpy_raise(a->m, MPY_EXC_TYPE, "unexpected keyword argument '%.*s'",
                                     (int)a->kw[i].len, a->kw[i].name)
                         : mpy_raise(a->m, MPY_EXC_TYPE, "function doesn't take keyword arguments");
    }
    return 0;
}

/* ---- calls ---- */

int mpy_call(struct sim_mpy *m, const struct mpy_val *fn, struct mpy_val *args, size_t nargs,
             const struct mpy_kw *kw, size_t nkw, struct mpy_val *out)
{
    struct mpy_args a = {m, args, nargs, kw, nkw};
    struct mpy_val f = *fn;

    if (f.type == MPY_EXCTYPE) {
        struct mpy_exc e;
        memset(&e, 0, sizeof e);
        e.cls = f.id;
        e.err = MPY_NO_ERRNO;
        if (mpy_args_kw_check(&a, NULL, 0) != 0)
            return -1;
        if (nargs > 0 && f.id == MPY_EXC_OS && args[0].type == MPY_INT) {
            e.err = args[0].i;
        } else if (nargs > 0) {
            struct sim_mpy_buf b = {0};
            mpy_str(m, &args[0], &b);
            e.has_msg = true;
            snprintf(e.msg, sizeof e.msg, "%.*s", (int)b.len, b.p ? (const char *)b.p : "");
            sim_mpy_buf_free(&b);
        }
        return mpy_new_exc(m, &e, out);
    }
    if (f.type == MPY_METHOD)
        return mpy_call_method(&a, f.id, &f.items[0], out);
    if (f.type != MPY_FUNC)
        return mpy_raise(m, MPY_EXC_TYPE, "'%s' object isn't callable", mpy_type_name(&f));
    if (f.id == BI_UNMODELLED)
        return mpy_raise_sim(m, UNMODELLED_FUNCS[f.i]);
    return mpy_call_function(&a, f.id, out);
}

/* ---- Tab completion (py/repl.c mp_repl_autocomplete) ---- */

struct mpy_names {
    const char *v[NAME_LIST_MAX];
    size_t n;
};

static void names_add(struct mpy_names *l, const char *s)
{
    if (l->n < NAME_LIST_MAX)
        l->v[l->n++] = s;
}

/* Attribute names of obj, or the global namespace when obj is NULL. */
static void names_of(struct sim_mpy *m, const struct mpy_val *obj, struct mpy_names *l)
{
    l->n = 0;
    if (!obj) {
        for (size_t i = 0; i < m->nvars; i++)
            names_add(l, m->vars[i].name);
        for (size_t i = 0; i < sizeof GLOBAL_FUNCS / sizeof GLOBAL_FUNCS[0]; i++)
            names_add(l, BI_NAMES[GLOBAL_FUNCS[i]]);
        for (int c = 0; c < MPY_EXC_COUNT; c++)
            names_add(l, mpy_exc_name(c));
        return;
    }
    if (obj->type == MPY_MODULE) {
        names_add(l, "__name__");
        for (size_t i = 0; i < MODULES[obj->id].count; i++)
            names_add(l, MODULES[obj->id].members[i].name);
        return;
    }
    struct mpy_method_table t = methods_of(obj);
    for (size_t i = 0; i < t.count; i++)
        names_add(l, BI_NAMES[t.ids[i]]);
}

static bool is_word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.';
}

static void print_matches(const struct mpy_names *l, const char *s, size_t n,
                          struct sim_mpy_buf *out)
{
    size_t line_len = COMPL_LINE; /* forces a newline before the first word */
    for (size_t i = 0; i < l->n; i++) {
        size_t d = strlen(l->v[i]), gap;
        if (d < n || memcmp(l->v[i], s, n) != 0)
            continue;
        gap = (line_len + COMPL_SLOT - 1) / COMPL_SLOT * COMPL_SLOT - line_len;
        if (gap < 2)
            gap += COMPL_SLOT;
        if (line_len + gap + d <= COMPL_LINE) {
            for (size_t k = 0; k < gap; k++)
                sim_mpy_buf_put(out, " ", 1);
            sim_mpy_buf_str(out, l->v[i]);
            line_len += gap + d;
        } else {
            sim_mpy_buf_printf(out, "\r\n%s", l->v[i]);
            line_len = d;
        }
    }
    sim_mpy_buf_str(out, "\r\n");
}

size_t sim_mpy_complete(struct sim_mpy *m, const char *line, size_t len, struct sim_mpy_buf *out,
                        const char * * compl )
{
    static const char IMPORT_WORD[] = "import ";
    const char *top = line + len, *s = top, *word;
    struct mpy_val obj, *objp = NULL;
    struct mpy_names *l = malloc(sizeof *l);
    struct mpy_mark mark = mpy_mark(m);
    const char *match = NULL;
    size_t match_len = 0, count = 0, n, result = 0;

    if (!l)
        return 0;
    while (s > line && is_word_char(s[-1]))
        s--;
    word = s;
    for (;;) {
        const char *dot = memchr(word, '.', (size_t)(top - word));
        if (!dot)
            break;
        if (objp) {
            if (mpy_getattr(m, objp, word, (size_t)(dot - word), &obj) != 0)
                goto done;
        } else if (mpy_lookup(m, word, (size_t)(dot - word), &obj) != 0) {
            goto done;
        }
        objp = &obj;
        word = dot + 1;
    }
    n = (size_t)(top - word);
    names_of(m, objp, l);
    for (size_t i = 0; i < l->n; i++) {
        size_t d = strlen(l->v[i]);
        if (d < n || memcmp(l->v[i], word, n) != 0)
            continue;
        if (!match) {
            match = l->v[i];
            match_len = d;
        } else {
            size_t j = n;
            while (j < match_len && j < d && match[j] == l->v[i][j])
                j++;
            match_len = j;
        }
        count++;
    }
    if (count == 0) {
        if (word == line && !objp && n < sizeof IMPORT_WORD && memcmp(word, IMPORT_WORD, n) == 0) {
            *compl = IMPORT_WORD + n;
            result = sizeof IMPORT_WORD - 1 - n;
        }
    } else if (count == 1 || match_len > n) {
        *compl = match + n;
        result = match_len - n;
    } else {
        print_matches(l, word, n, out);
        result = (size_t)-1;
    }
done:
    m->exc.cls = MPY_EXC_BASE;
    mpy_release(m, mark);
    free(l);
    return result;
}
