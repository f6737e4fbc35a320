/* SPDX-License-Identifier: MIT */
/* Files, the os module and sys.stdin of the tiny Python over the simulated filesystem (open
 * modes, read/write with ENOSPC, listdir/ilistdir/stat, ...), stdin reads that block. */
#include "mpy_builtin_ids.h"

#include <stdio.h>
#include <string.h>

#define STATVFS_NAMEMAX   255
#define STAT_FIELDS       10u
#define STAT_SIZE_FIELD   6u
#define ILISTDIR_FIELDS   4u
#define LIST_DIR_MAX      256
#define FILE_FIRST_HANDLE 3u /* 0..2 are the standard streams */
#define ERRNO_EMFILE      24 /* too many open files: prints as "OSError: 24" */

static const char *const UNAME_FIELDS[] = {"esp8266", "esp8266", "2.2.0-dev(9422289)",
                                           "v1.23.0 on 2024-06-02", "ESP module with ESP8266"};

/* ---- files ---- */

static int path_arg(struct sim_mpy *m, const struct mpy_val *v, char *out)
{
    char joined[2 * SIM_MPY_FS_PATH_MAX + 2];
    int rc;
    if (v->type != MPY_STR)
        return mpy_raise(m, MPY_EXC_TYPE, "can't convert '%s' object to str implicitly",
                         mpy_type_name(v));
    if (v->len > SIM_MPY_FS_PATH_MAX)
        return mpy_raise_os(m, SIM_MPY_EINVAL);
    if (v->len > 0 && v->s[0] == '/')
        snprintf(joined, sizeof joined, "%.*s", (int)v->len, v->s);
    else
        snprintf(joined, sizeof joined, "%s/%.*s", m->cwd, (int)v->len, v->s);
    rc = sim_mpy_fs_normalize(joined, strlen(joined), out, SIM_MPY_FS_PATH_MAX + 1);
    return rc < 0 ? mpy_raise_os(m, -rc) : 0;
}

int mpy_bi_open(struct mpy_args *a, struct mpy_val *out)
{
    static const char *const KW[] = {"mode", "encoding", "buffering"};
    struct sim_mpy *m = a->m;
    const struct mpy_val *mode_v = a->n > 1 ? &a->v[1] : mpy_args_kw(a, "mode");
    char path[SIM_MPY_FS_PATH_MAX + 1];
    const char *mode = "r";
    size_t mode_len = 1, h;
    struct mpy_file *f;
    bool rd = false, wr = false, app = false, excl = false, bin = false;
    int idx = -1;

    if (mpy_args_check(a, 1, 3) != 0 || mpy_args_kw_check(a, KW, sizeof KW / sizeof KW[0]) != 0 ||
        path_arg(m, &a->v[0], path) != 0)
        return -1;
    if (mode_v) {
        if (mpy_need_str(m, mode_v) != 0)
            return -1;
        mode = mode_v->s;
        mode_len = mode_v->len;
    }
    for (size_t i = 0; i < mode_len; i++) {
        switch (mode[i]) {
        case 'r': rd = true; break;
        case 'w': wr = true; break;
        case 'a': wr = app = true; break;
        case 'x': wr = excl = true; break;
        case 'b': bin = true; break;
        case '+': rd = wr = true; break;
        case 't': break;
        default: return mpy_raise_os(m, SIM_MPY_EINVAL);
        }
    }
    idx = sim_mpy_fs_find(m->fs, path);
    if (excl && idx >= 0)
        return mpy_raise_os(m, SIM_MPY_EEXIST);
    if (path[0] == '\0' || (idx >= 0 && m->fs->e[idx].dir))
        return mpy_raise_os(m, SIM_MPY_EISDIR);
    if (!wr || (rd && !app && !excl && mode_len > 0 && mode[0] == 'r')) {
        if (idx < 0)
            return mpy_raise_os(m, SIM_MPY_ENOENT);
    } else {
        idx = sim_mpy_fs_create(m->fs, path, mode[0] == 'w');
        if (idx < 0)
            return mpy_raise_os(m, -idx);
    }
    for (h = FILE_FIRST_HANDLE; h < MPY_FILES_MAX && m->files[h].used; h++)
        ;
    if (h == MPY_FILES_MAX)
        return mpy_raise_os(m, ERRNO_EMFILE);
    f = &m->files[h];
    memset(f, 0, sizeof *f);
    f->used = true;
    f->binary = bin;
    f->readable = rd;
    f->writable = wr;
    f->append = app;
    memcpy(f->path, path, sizeof f->path);
    f->pos = app ? m->fs->e[idx].len : 0;
    mpy_set_none(out);
    out->type = MPY_FILE;
    out->i = (int64_t)h;
    return 0;
}

void mpy_file_close(struct sim_mpy *m, int64_t handle)
{
    if (handle >= 0 && (size_t)handle < MPY_FILES_MAX)
        m->files[handle].used = false;
}

void mpy_files_close_all(struct sim_mpy *m)
{
    for (size_t i = 0; i < MPY_FILES_MAX; i++)
        m->files[i].used = false;
}

/* The open file behind a handle and its filesystem entry, or an OSError. */
static int file_entry(struct sim_mpy *m, const struct mpy_val *self, struct mpy_file **f, int *idx)
{
    *f = &m->files[self->i];
    if (!(*f)->used)
        return mpy_raise_os(m, SIM_MPY_EBADF);
    *idx = sim_mpy_fs_find(m->fs, (*f)->path);
    return *idx < 0 ? mpy_raise_os(m, SIM_MPY_EBADF) : 0;
}

static int file_read(struct mpy_args *a, const struct mpy_val *self, int id, struct mpy_val *out)
{
    struct sim_mpy *m = a->m;
    struct mpy_file *f;
    const struct sim_mpy_fs_entry *e;
    int64_t want = -1;
    size_t avail, n;
    int idx = -1;

    if (mpy_args_check(a, 0, id == F_READ ? 1 : 0) != 0 || file_entry(m, self, &f, &idx) != 0)
        return -1;
    if (!f->readable)
        return mpy_raise_os(m, SIM_MPY_EBADF);
    if (a->n == 1 && a->v[0].type != MPY_NONE && mpy_need_int(m, &a->v[0], &want) != 0)
        return -1;
    e = &m->fs->e[idx];
    avail = f->pos < e->len ? e->len - f->pos : 0;
    n = want >= 0 && (size_t)want < avail ? (size_t)want : avail;
    if (id == F_READLINE) {
        const void *nl = avail ? memchr(e->data + f->pos, '\n', avail) : NULL;
        n = nl ? (size_t)((const uint8_t *)nl - (e->data + f->pos)) + 1 : avail;
    }
    if (id == F_READLINES) {
        struct mpy_val lines, line;
        size_t count = 0, start = f->pos;
        for (size_t i = f->pos; i < e->len; i++)
            if (e->data[i] == '\n' || i + 1 == e->len)
                count++;
        if (mpy_new_seq(m, MPY_LIST, count, &lines) != 0)
            return -1;
        count = 0;
        for (size_t i = f->pos; i < e->len; i++) {
            if (e->data[i] == '\n' || i + 1 == e->len) {
                if (mpy_new_bytes(m, f->binary ? MPY_BYTES : MPY_STR, e->data + start,
                                  i + 1 - start, &line) != 0)
                    return -1;
                lines.items[count++] = line;
                start = i + 1;
            }
        }
        f->pos = e->len;
        *out = lines;
        return 0;
    }
    if (mpy_new_bytes(m, f->binary ? MPY_BYTES : MPY_STR,
                      n ? e->data + f->pos : (const uint8_t *)"", n, out) != 0)
        return -1;
    f->pos += n;
    return 0;
}

static int file_write(struct mpy_args *a, const struct mpy_val *self, struct mpy_val *out)
{
    struct sim_mpy *m = a->m;
    struct mpy_file *f;
    long w;
    int idx = -1;

    if (mpy_args_check(a, 1, 1) != 0 || file_entry(m, self, &f, &idx) != 0 ||
        mpy_need_buffer(m, &a->v[0]) != 0)
        return -1;
    if (!f->writable)
        return mpy_raise_os(m, SIM_MPY_EBADF);
    if (f->append)
        f->pos = m->fs->e[idx].len;
    w = sim_mpy_fs_write(m->fs, idx, f->pos, a->v[0].s, a->v[0].len);
    if (w < 0)
        return mpy_raise_os(m, (int)-w);
    f->pos += (size_t)w;
    mpy_set_int(out, w);
    return 0;
}

int mpy_file_method(struct mpy_args *a, int id, const struct mpy_val *self, struct mpy_val *out)
{
    struct sim_mpy *m = a->m;
    struct mpy_file *f;
    int64_t off = 0, whence = 0, base;
    int idx = -1;

    mpy_set_none(out);
    switch (id) {
    case F_READ:
    case F_READLINE:
    case F_READLINES: return file_read(a, self, id, out);
    case F_WRITE: return file_write(a, self, out);
    case F_CLOSE:
    case F_EXIT: mpy_file_close(m, self->i); return 0;
    case F_ENTER: *out = *self; return 0;
    case F_FLUSH: return file_entry(m, self, &f, &idx);
    case F_TELL:
        if (file_entry(m, self, &f, &idx) != 0)
            return -1;
        mpy_set_int(out, (int64_t)f->pos);
        return 0;
    case F_SEEK:
        if (mpy_args_check(a, 1, 2) != 0 || file_entry(m, self, &f, &idx) != 0 ||
            mpy_need_int(m, &a->v[0], &off) != 0 ||
            (a->n == 2 && mpy_need_int(m, &a->v[1], &whence) != 0))
            return -1;
        base = whence == 1 ? (int64_t)f->pos : whence == 2 ? (int64_t)m->fs->e[idx].len : 0;
        if (whence < 0 || whence > 2 || base + off < 0)
            return mpy_raise_os(m, SIM_MPY_EINVAL);
        f->pos = (size_t)(base + off);
        mpy_set_int(out, base + off);
        return 0;
    default: return mpy_raise_sim(m, mpy_builtin_name(id));
    }
}

/* ---- os ---- */

int mpy_os_list(struct mpy_args *a, bool detailed, struct mpy_val *out)
{
    struct sim_mpy *m = a->m;
    char path[SIM_MPY_FS_PATH_MAX + 1];
    int idx[LIST_DIR_MAX], n;

    if (mpy_args_check(a, 0, 1) != 0)
        return -1;
    if (a->n == 1) {
        if (path_arg(m, &a->v[0], path) != 0)
            return -1;
    } else {
        memcpy(path, m->cwd, sizeof path);
    }
    n = sim_mpy_fs_list(m->fs, path, idx, LIST_DIR_MAX);
    if (n < 0)
        return mpy_raise_os(m, -n);
    if (mpy_new_seq(m, MPY_LIST, (size_t)n, out) != 0)
        return -1;
    for (int i = 0; i < n; i++) {
        const struct sim_mpy_fs_entry *e = &m->fs->e[idx[i]];
        struct mpy_val name, t;
        if (mpy_new_cstr(m, sim_mpy_fs_basename(m->fs, idx[i]), &name) != 0)
            return -1;
        if (!detailed) {
            out->items[i] = name;
            continue;
        }
        if (mpy_new_seq(m, MPY_TUPLE, ILISTDIR_FIELDS, &t) != 0)
            return -1;
        t.items[0] = name;
        mpy_set_int(&t.items[1], e->dir ? SIM_MPY_FS_MODE_DIR : SIM_MPY_FS_MODE_FILE);
        mpy_set_int(&t.items[2], 0);
        mpy_set_int(&t.items[3], (int64_t)e->len);
        out->items[i] = t;
    }
    return 0;
}

int mpy_os_stat(struct mpy_args *a, struct mpy_val *out)
{
    struct sim_mpy *m = a->m;
    char path[SIM_MPY_FS_PATH_MAX + 1];
    int idx = -1;
    if (mpy_args_check(a, 1, 1) != 0 || path_arg(m, &a->v[0], path) != 0)
        return -1;
    idx = path[0] ? sim_mpy_fs_find(m->fs, path) : 0;
    if (idx < 0)
        return mpy_raise_os(m, -idx);
    if (mpy_new_seq(m, MPY_TUPLE, STAT_FIELDS, out) != 0)
        return -1;
    for (size_t i = 0; i < STAT_FIELDS; i++)
        mpy_set_int(&out->items[i], 0);
    mpy_set_int(&out->items[0],
                !path[0] || m->fs->e[idx].dir ? SIM_MPY_FS_MODE_DIR : SIM_MPY_FS_MODE_FILE);
    if (path[0])
        mpy_set_int(&out->items[STAT_SIZE_FIELD], (int64_t)m->fs->e[idx].len);
    return 0;
}

int mpy_os_path_op(struct mpy_args *a, int id, struct mpy_val *out)
{
    struct sim_mpy *m = a->m;
    char path[SIM_MPY_FS_PATH_MAX + 1], to[SIM_MPY_FS_PATH_MAX + 1];
    int rc = 0, idx;

    mpy_set_none(out);
    if (mpy_args_check(a, id == OS_RENAME ? 2 : 1, id == OS_RENAME ? 2 : 1) != 0 ||
        path_arg(m, &a->v[0], path) != 0 || (id == OS_RENAME && path_arg(m, &a->v[1], to) != 0))
        return -1;
    switch (id) {
    case OS_REMOVE:
        idx = sim_mpy_fs_find(m->fs, path);
        /* littlefs' remove also takes empty directories */
        rc = idx >= 0 && m->fs->e[idx].dir ? sim_mpy_fs_rmdir(m->fs, path)
                                           : sim_mpy_fs_remove(m->fs, path);
        break;
    case OS_RENAME: rc = sim_mpy_fs_rename(m->fs, path, to); break;
    case OS_MKDIR: rc = sim_mpy_fs_mkdir(m->fs, path); break;
    case OS_RMDIR: rc = sim_mpy_fs_rmdir(m->fs, path); break;
    case OS_CHDIR:
        idx = path[0] ? sim_mpy_fs_find(m->fs, path) : 0;
        if (idx < 0)
            rc = idx;
        else if (path[0] && !m->fs->e[idx].dir)
            rc = -SIM_MPY_ENOTDIR;
        else
            memcpy(m->cwd, path, sizeof m->cwd);
        break;
    default: break;
    }
    return rc < 0 ? mpy_raise_os(m, -rc) : 0;
}

int mpy_os_misc(struct mpy_args *a, int id, struct mpy_val *out)
{
    struct sim_mpy *m = a->m;
    int64_t n;
    mpy_set_none(out);
    switch (id) {
    case OS_GETCWD: {
        char buf[SIM_MPY_FS_PATH_MAX + 2];
        snprintf(buf, sizeof buf, "/%s", m->cwd);
        return mpy_new_cstr(m, buf, out);
    }
    case OS_STATVFS: {
        int64_t blocks = (int64_t)(m->fs->capacity / SIM_MPY_FS_BLOCK);
        int64_t free_blocks = (int64_t)(sim_mpy_fs_free_bytes(m->fs) / SIM_MPY_FS_BLOCK);
        const int64_t fields[STAT_FIELDS] = {
                SIM_MPY_FS_BLOCK, SIM_MPY_FS_BLOCK, blocks, free_blocks, free_blocks, 0, 0, 0, 0,
                STATVFS_NAMEMAX};
        if (mpy_new_seq(m, MPY_TUPLE, STAT_FIELDS, out) != 0)
            return -1;
        for (size_t i = 0; i < STAT_FIELDS; i++)
            mpy_set_int(&out->items[i], fields[i]);
        return 0;
    }
    case OS_UNAME:
        if (mpy_new_seq(m, MPY_TUPLE, sizeof UNAME_FIELDS / sizeof UNAME_FIELDS[0], out) != 0)
            return -1;
        for (size_t i = 0; i < out->len; i++)
            if (mpy_new_cstr(m, UNAME_FIELDS[i], &out->items[i]) != 0)
                return -1;
        return 0;
    case OS_SYNC: return 0;
    case OS_URANDOM:
        if (mpy_args_check(a, 1, 1) != 0 || mpy_need_int(m, &a->v[0], &n) != 0)
            return -1;
        if (mpy_new_bytes(m, MPY_BYTES, "", 0, out) != 0)
            return -1;
        out->s = mpy_alloc(m, (size_t)(n > 0 ? n : 0) + 1);
        if (!out->s)
            return -1;
        for (int64_t i = 0; i < n; i++) {
            m->rng ^= m->rng << 13;
            m->rng ^= m->rng >> 17;
            m->rng ^= m->rng << 5;
            out->s[i] = (char)(m->rng & 0xFF);
        }
        out->len = (size_t)(n > 0 ? n : 0);
        return 0;
    default: return mpy_raise_sim(m, mpy_builtin_name(id));
    }
}

/* sys.stdin.read(n) / readline(): blocks (MPY_EXC_BLOCK) until the ring holds enough. */
int mpy_stdin_read(struct mpy_args *a, int id, struct mpy_val *out)
{
    struct sim_mpy *m = a->m;
    struct sim_mpy_ring *r = m->in;
    int64_t want = 0;
    size_t n = 0;
    char buf[SIM_MPY_RING_SIZE];

    if (id == IO_READ) {
        if (mpy_args_check(a, 1, 1) != 0)
            return a->n == 0 ? mpy_raise_sim(m, "sys.stdin.read() without a size") : -1;
        if (mpy_need_int(m, &a->v[0], &want) != 0)
            return -1;
        if (want > (int64_t)SIM_MPY_RING_SIZE)
            return mpy_raise_sim(m, "sys.stdin.read() beyond the 256-byte ring");
        if (want > 0 && r->len < (size_t)want)
            return mpy_raise_bare(m, MPY_EXC_BLOCK);
        n = want > 0 ? (size_t)want : 0;
    } else {
        for (n = 0; n < r->len && r->buf[(r->head + n) % SIM_MPY_RING_SIZE] != '\n'; n++)
            ;
        if (n == r->len)
            return mpy_raise_bare(m, MPY_EXC_BLOCK);
        n++;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c = 0;
        sim_mpy_ring_pop(r, &c);
        buf[i] = (char)c;
    }
    return mpy_new_bytes(m, MPY_STR, buf, n, out);
}
