/* SPDX-License-Identifier: MIT */
/* The arguments of `mflash fs`: the operation word (ls, put, get, rm) and its paths, with the
 * defaults (put: /NAME of the local file; get: the board file's name in the current folder). */
#include "cli_args.h"

#include <stdio.h>
#include <string.h>

#define CLI_FS_ROOT "/"

/* The operations: their word, and how many paths each takes. */
static const struct {
    const char *word;
    enum cli_fs_op op;
    size_t min;
    size_t max;
    const char *synopsis;
} CLI_FS_OPS[] = {
        {"ls", CLI_FS_LS, 0, 1, "fs ls [DIR]"},
        {"put", CLI_FS_PUT, 1, 2, "fs put LOCAL [REMOTE]"},
        {"get", CLI_FS_GET, 1, 2, "fs get REMOTE [LOCAL]"},
        {"rm", CLI_FS_RM, 1, 1, "fs rm REMOTE"},
};

#define CLI_FS_OP_COUNT (sizeof CLI_FS_OPS / sizeof CLI_FS_OPS[0])

const char *cli_path_base(const char *path)
{
    const char *base = path;
    for (const char *p = path; *p != '\0'; p++) {
        if (*p == '/' || *p == '\\') {
            base = p + 1;
        }
    }
    return base;
}

int cli_args_parse_fs(const char *const *pos, size_t npos, struct cli_args *a, struct mf_error *e)
{
    size_t k = CLI_FS_OP_COUNT;
    for (size_t i = 0; npos > 0 && i < CLI_FS_OP_COUNT; i++) {
        k = strcmp(pos[0], CLI_FS_OPS[i].word) == 0 ? i : k;
    }
    if (k == CLI_FS_OP_COUNT) {
        return mf_err_set(e, MF_ERR_ARG,
                          "fs needs what to do: ls [DIR], put LOCAL [REMOTE], get REMOTE [LOCAL] "
                          "or rm REMOTE%s%s%s.",
                          npos > 0 ? " (not '" : "", npos > 0 ? pos[0] : "", npos > 0 ? "')" : "");
    }
    size_t paths = npos - 1u;
    if (paths < CLI_FS_OPS[k].min || paths > CLI_FS_OPS[k].max) {
        return mf_err_set(e, MF_ERR_ARG, "Write 'mflash %s'; %zu path%s given.",
                          CLI_FS_OPS[k].synopsis, paths, paths == 1 ? " was" : "s were");
    }
    a->fs_op = CLI_FS_OPS[k].op;
    const char *first = paths > 0 ? pos[1] : NULL;
    const char *second = paths > 1 ? pos[2] : NULL;
    switch (a->fs_op) {
    case CLI_FS_LS: a->remote = first != NULL ? first : CLI_FS_ROOT; break;
    case CLI_FS_PUT:
        a->local = first;
        a->remote = second;
        if (second == NULL) {
            snprintf(a->remote_buf, sizeof a->remote_buf, "/%s", cli_path_base(first));
            a->remote = a->remote_buf;
        }
        break;
    case CLI_FS_GET:
        a->remote = first;
        a->local = second != NULL ? second : cli_path_base(first);
        break;
    case CLI_FS_RM: a->remote = first; break;
    }
    if (a->local != NULL && a->local[0] == '\0') {
        return mf_err_set(e, MF_ERR_ARG,
                          "fs %s: the local file name is empty; give one, e.g. 'mflash fs get "
                          "/main.py main.py'.",
                          CLI_FS_OPS[k].word);
    }
    if (a->remote != NULL && (a->remote[0] == '\0' || strcmp(a->remote, CLI_FS_ROOT) == 0) &&
        a->fs_op != CLI_FS_LS) {
        return mf_err_set(e, MF_ERR_ARG,
                          "fs %s: '%s' is not a file on the board; give a path such as /main.py.",
                          CLI_FS_OPS[k].word, a->remote);
    }
    return MF_OK;
}
