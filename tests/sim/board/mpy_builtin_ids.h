/* SPDX-License-Identifier: MIT */
/* Identifiers and names of the tiny Python's builtin functions and methods, shared by
 * mpy_builtin.c (names, attributes, dispatch) and mpy_call.c (what each one does). */
#ifndef MF_SIM_MPY_BUILTIN_IDS_H
#define MF_SIM_MPY_BUILTIN_IDS_H

#include "mpy_impl.h"

#define MPY_BUILTIN_LIST                                                                           \
    X(BI_ABS, "abs")                                                                               \
    X(BI_ALL, "all")                                                                               \
    X(BI_ANY, "any")                                                                               \
    X(BI_BIN, "bin")                                                                               \
    X(BI_BOOL, "bool")                                                                             \
    X(BI_BYTEARRAY, "bytearray")                                                                   \
    X(BI_BYTES, "bytes")                                                                           \
    X(BI_CHR, "chr")                                                                               \
    X(BI_DIVMOD, "divmod")                                                                         \
    X(BI_FLOAT, "float")                                                                           \
    X(BI_HEX, "hex")                                                                               \
    X(BI_INT, "int")                                                                               \
    X(BI_LEN, "len")                                                                               \
    X(BI_LIST, "list")                                                                             \
    X(BI_MAX, "max")                                                                               \
    X(BI_MIN, "min")                                                                               \
    X(BI_OCT, "oct")                                                                               \
    X(BI_OPEN, "open")                                                                             \
    X(BI_ORD, "ord")                                                                               \
    X(BI_POW, "pow")                                                                               \
    X(BI_PRINT, "print")                                                                           \
    X(BI_RANGE, "range")                                                                           \
    X(BI_REPR, "repr")                                                                             \
    X(BI_ROUND, "round")                                                                           \
    X(BI_SORTED, "sorted")                                                                         \
    X(BI_STR, "str")                                                                               \
    X(BI_SUM, "sum")                                                                               \
    X(BI_TUPLE, "tuple")                                                                           \
    X(BI_UNMODELLED, "?")                                                                          \
    X(OS_CHDIR, "chdir")                                                                           \
    X(OS_GETCWD, "getcwd")                                                                         \
    X(OS_ILISTDIR, "ilistdir")                                                                     \
    X(OS_LISTDIR, "listdir")                                                                       \
    X(OS_MKDIR, "mkdir")                                                                           \
    X(OS_REMOVE, "remove")                                                                         \
    X(OS_RENAME, "rename")                                                                         \
    X(OS_RMDIR, "rmdir")                                                                           \
    X(OS_STAT, "stat")                                                                             \
    X(OS_STATVFS, "statvfs")                                                                       \
    X(OS_SYNC, "sync")                                                                             \
    X(OS_UNAME, "uname")                                                                           \
    X(OS_URANDOM, "urandom")                                                                       \
    X(SYS_EXIT, "exit")                                                                            \
    X(TIME_SLEEP, "sleep")                                                                         \
    X(TIME_SLEEP_MS, "sleep_ms")                                                                   \
    X(TIME_SLEEP_US, "sleep_us")                                                                   \
    X(TIME_TICKS_ADD, "ticks_add")                                                                 \
    X(TIME_TICKS_DIFF, "ticks_diff")                                                               \
    X(TIME_TICKS_MS, "ticks_ms")                                                                   \
    X(TIME_TICKS_US, "ticks_us")                                                                   \
    X(TIME_TIME, "time")                                                                           \
    X(BA_A2B_BASE64, "a2b_base64")                                                                 \
    X(BA_B2A_BASE64, "b2a_base64")                                                                 \
    X(BA_HEXLIFY, "hexlify")                                                                       \
    X(BA_UNHEXLIFY, "unhexlify")                                                                   \
    X(GC_COLLECT, "collect")                                                                       \
    X(GC_DISABLE, "disable")                                                                       \
    X(GC_ENABLE, "enable")                                                                         \
    X(GC_MEM_ALLOC, "mem_alloc")                                                                   \
    X(GC_MEM_FREE, "mem_free")                                                                     \
    X(GC_THRESHOLD, "threshold")                                                                   \
    X(MACH_FREQ, "freq")                                                                           \
    X(MACH_RESET, "reset")                                                                         \
    X(MACH_SOFT_RESET, "soft_reset")                                                               \
    X(MP_CONST, "const")                                                                           \
    X(F_CLOSE, "close")                                                                            \
    X(F_ENTER, "__enter__")                                                                        \
    X(F_EXIT, "__exit__")                                                                          \
    X(F_FLUSH, "flush")                                                                            \
    X(F_READ, "read")                                                                              \
    X(F_READLINE, "readline")                                                                      \
    X(F_READLINES, "readlines")                                                                    \
    X(F_SEEK, "seek")                                                                              \
    X(F_TELL, "tell")                                                                              \
    X(F_WRITE, "write")                                                                            \
    X(IO_READ, "read")                                                                             \
    X(IO_READLINE, "readline")                                                                     \
    X(IO_WRITE, "write")                                                                           \
    X(S_COUNT, "count")                                                                            \
    X(S_DECODE, "decode")                                                                          \
    X(S_ENCODE, "encode")                                                                          \
    X(S_ENDSWITH, "endswith")                                                                      \
    X(S_FIND, "find")                                                                              \
    X(S_FORMAT, "format")                                                                          \
    X(S_JOIN, "join")                                                                              \
    X(S_LOWER, "lower")                                                                            \
    X(S_LSTRIP, "lstrip")                                                                          \
    X(S_REPLACE, "replace")                                                                        \
    X(S_RSTRIP, "rstrip")                                                                          \
    X(S_SPLIT, "split")                                                                            \
    X(S_STARTSWITH, "startswith")                                                                  \
    X(S_STRIP, "strip")                                                                            \
    X(S_UPPER, "upper")                                                                            \
    X(L_APPEND, "append")                                                                          \
    X(L_COUNT, "count")                                                                            \
    X(L_EXTEND, "extend")                                                                          \
    X(L_INDEX, "index")                                                                            \
    X(L_INSERT, "insert")                                                                          \
    X(L_POP, "pop")                                                                                \
    X(L_REMOVE, "remove")                                                                          \
    X(L_SORT, "sort")

enum mpy_builtin {
#define X(id, name) id,
    MPY_BUILTIN_LIST
#undef X
            BI_COUNT
};

/* Singleton objects of the sys module. */
#define MPY_OBJ_STDIN  0
#define MPY_OBJ_STDOUT 1
#define MPY_OBJ_STDERR 2

struct mpy_args {
    struct sim_mpy *m;
    struct mpy_val *v;
    size_t n;
    const struct mpy_kw *kw;
    size_t nkw;
};

int mpy_args_check(struct mpy_args *a, size_t min, size_t max);
/* The keyword argument `name`, or NULL. */
const struct mpy_val *mpy_args_kw(const struct mpy_args *a, const char *name);
/* Rejects keywords not in allowed (TypeError). */
int mpy_args_kw_check(struct mpy_args *a, const char *const *allowed, size_t count);

/* mpy_call.c */
int mpy_call_function(struct mpy_args *a, int id, struct mpy_val *out);
int mpy_call_method(struct mpy_args *a, int id, const struct mpy_val *self, struct mpy_val *out);
int mpy_need_buffer(struct sim_mpy *m, const struct mpy_val *v); /* str, bytes, bytearray */
int mpy_need_str(struct sim_mpy *m, const struct mpy_val *v);
int mpy_need_int(struct sim_mpy *m, const struct mpy_val *v, int64_t *out); /* not float */

/* mpy_file.c */
int mpy_bi_open(struct mpy_args *a, struct mpy_val *out);
int mpy_file_method(struct mpy_args *a, int id, const struct mpy_val *self, struct mpy_val *out);
int mpy_os_list(struct mpy_args *a, bool detailed, struct mpy_val *out);
int mpy_os_stat(struct mpy_args *a, struct mpy_val *out);
int mpy_os_path_op(struct mpy_args *a, int id, struct mpy_val *out);
int mpy_os_misc(struct mpy_args *a, int id, struct mpy_val *out);
int mpy_stdin_read(struct mpy_args *a, int id, struct mpy_val *out);

/* mpy_text.c */
int mpy_binascii_func(struct mpy_args *a, int id, struct mpy_val *out);
int mpy_str_method(struct mpy_args *a, int id, const struct mpy_val *s, struct mpy_val *out);
int mpy_seq_method(struct mpy_args *a, int id, const struct mpy_val *s, struct mpy_val *out);

#endif
