/* SPDX-License-Identifier: MIT */
/* The simulated MicroPython filesystem: path table, directories, capacity accounting (ENOSPC),
 * name-ordered listings as littlefs gives them. */
#include "mpy_fs.h"

#include <stdlib.h>
#include <string.h>

#define FS_INITIAL_ENTRIES 16u
#define FS_MIN_DATA        64u

void sim_mpy_fs_init(struct sim_mpy_fs *fs)
{
    memset(fs, 0, sizeof *fs);
    fs->capacity = SIM_MPY_FS_CAPACITY_DEFAULT;
}

static void fs_entry_free(struct sim_mpy_fs_entry *e)
{
    free(e->path);
    free(e->data);
    memset(e, 0, sizeof *e);
}

void sim_mpy_fs_format(struct sim_mpy_fs *fs)
{
    for (size_t i = 0; i < fs->n; i++)
        fs_entry_free(&fs->e[i]);
    fs->n = 0;
}

void sim_mpy_fs_free(struct sim_mpy_fs *fs)
{
    sim_mpy_fs_format(fs);
    free(fs->e);
    fs->e = NULL;
    fs->cap = 0;
}

void sim_mpy_fs_set_capacity(struct sim_mpy_fs *fs, size_t bytes)
{
    fs->capacity = bytes;
}

size_t sim_mpy_fs_used(const struct sim_mpy_fs *fs)
{
    size_t used = 0;
    for (size_t i = 0; i < fs->n; i++)
        used += SIM_MPY_FS_ENTRY_OVERHEAD + fs->e[i].len;
    return used;
}

size_t sim_mpy_fs_free_bytes(const struct sim_mpy_fs *fs)
{
    size_t used = sim_mpy_fs_used(fs);
    return used < fs->capacity ? fs->capacity - used : 0;
}

int sim_mpy_fs_normalize(const char *path, size_t len, char *out, size_t out_size)
{
    size_t o = 0, i = 0;

    while (i < len) {
        size_t start, n;
        while (i < len && path[i] == '/')
            i++;
        start = i;
        while (i < len && path[i] != '/')
            i++;
        n = i - start;
        if (n == 0 || (n == 1 && path[start] == '.'))
            continue;
        if (n == 2 && path[start] == '.' && path[start + 1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            continue;
        }
        if (o + n + 2 > out_size || o + n + 1 > SIM_MPY_FS_PATH_MAX)
            return -SIM_MPY_EINVAL;
        if (o > 0)
            out[o++] = '/';
        memcpy(out + o, path + start, n);
        o += n;
    }
    if (out_size == 0)
        return -SIM_MPY_EINVAL;
    out[o] = '\0';
    return 0;
}

int sim_mpy_fs_find(const struct sim_mpy_fs *fs, const char *path)
{
    for (size_t i = 0; i < fs->n; i++)
        if (strcmp(fs->e[i].path, path) == 0)
            return (int)i;
    return -SIM_MPY_ENOENT;
}

/* 0 when the parent of path is the root or an existing directory. */
static int fs_parent_ok(const struct sim_mpy_fs *fs, const char *path)
{
    const char *slash = strrchr(path, '/');
    char parent[SIM_MPY_FS_PATH_MAX + 1];
    int idx;
    size_t n;

    if (!slash)
        return 0;
    n = (size_t)(slash - path);
    memcpy(parent, path, n);
    parent[n] = '\0';
    idx = sim_mpy_fs_find(fs, parent);
    if (idx < 0)
        return -SIM_MPY_ENOENT;
    return fs->e[idx].dir ? 0 : -SIM_MPY_ENOTDIR;
}

static int fs_add(struct sim_mpy_fs *fs, const char *path, bool dir)
{
    struct sim_mpy_fs_entry *e;
    size_t plen = strlen(path);

    if (plen == 0)
        return -SIM_MPY_EEXIST; /* the root */
    if (sim_mpy_fs_used(fs) + SIM_MPY_FS_ENTRY_OVERHEAD > fs->capacity)
        return -SIM_MPY_ENOSPC;
    if (fs->n == fs->cap) {
        size_t cap = fs->cap ? fs->cap * 2 : FS_INITIAL_ENTRIES;
        struct sim_mpy_fs_entry *n = realloc(fs->e, cap * sizeof *n);
        if (!n)
            return -SIM_MPY_ENOSPC;
        fs->e = n;
        fs->cap = cap;
    }
    e = &fs->e[fs->n];
    memset(e, 0, sizeof *e);
    e->path = malloc(plen + 1);
    if (!e->path)
        return -SIM_MPY_ENOSPC;
    memcpy(e->path, path, plen + 1);
    e->dir = dir;
    return (int)fs->n++;
}

int sim_mpy_fs_create(struct sim_mpy_fs *fs, const char *path, bool truncate)
{
    int idx = sim_mpy_fs_find(fs, path);
    int rc;

    if (path[0] == '\0')
        return -SIM_MPY_EISDIR;
    if (idx >= 0) {
        if (fs->e[idx].dir)
            return -SIM_MPY_EISDIR;
        if (truncate)
            fs->e[idx].len = 0;
        return idx;
    }
    rc = fs_parent_ok(fs, path);
    if (rc < 0)
        return rc;
    return fs_add(fs, path, false);
}

long sim_mpy_fs_write(struct sim_mpy_fs *fs, int idx, size_t pos, const void *data, size_t n)
{
    struct sim_mpy_fs_entry *e;
    size_t end = pos + n, grow;

    if (idx < 0 || (size_t)idx >= fs->n || fs->e[idx].dir)
        return -SIM_MPY_EBADF;
    e = &fs->e[idx];
    grow = end > e->len ? end - e->len : 0;
    if (grow > sim_mpy_fs_free_bytes(fs))
        return -SIM_MPY_ENOSPC;
    if (end > e->cap) {
        size_t cap = e->cap ? e->cap : FS_MIN_DATA;
        uint8_t *d;
        while (cap < end)
            cap *= 2;
        d = realloc(e->data, cap);
        if (!d)
            return -SIM_MPY_ENOSPC;
        e->data = d;
        e->cap = cap;
    }
    if (pos > e->len)
        memset(e->data + e->len, 0, pos - e->len);
    if (n > 0)
        memcpy(e->data + pos, data, n);
    if (end > e->len)
        e->len = end;
    return (long)n;
}

static void fs_drop(struct sim_mpy_fs *fs, int idx)
{
    fs_entry_free(&fs->e[idx]);
    fs->e[idx] = fs->e[fs->n - 1];
    fs->n--;
}

int sim_mpy_fs_remove(struct sim_mpy_fs *fs, const char *path)
{
    int idx = sim_mpy_fs_find(fs, path);
    if (idx < 0)
        return idx;
    if (fs->e[idx].dir)
        return -SIM_MPY_EISDIR;
    fs_drop(fs, idx);
    return 0;
}

static bool fs_has_children(const struct sim_mpy_fs *fs, const char *dir)
{
    size_t n = strlen(dir);
    for (size_t i = 0; i < fs->n; i++)
        if (strncmp(fs->e[i].path, dir, n) == 0 && fs->e[i].path[n] == '/')
            return true;
    return false;
}

int sim_mpy_fs_rename(struct sim_mpy_fs *fs, const char *from, const char *to)
{
    int idx = sim_mpy_fs_find(fs, from), dst, rc;
    char *p;
    size_t n = strlen(to);

    if (idx < 0)
        return idx;
    if (to[0] == '\0')
        return -SIM_MPY_EINVAL;
    rc = fs_parent_ok(fs, to);
    if (rc < 0)
        return rc;
    if (fs->e[idx].dir && fs_has_children(fs, from))
        return -SIM_MPY_EINVAL; /* moving populated directories is not modelled */
    dst = sim_mpy_fs_find(fs, to);
    if (dst >= 0 && dst != idx) {
        if (fs->e[dst].dir)
            return -SIM_MPY_EISDIR;
        fs_drop(fs, dst);
        idx = sim_mpy_fs_find(fs, from);
    }
    p = malloc(n + 1);
    if (!p)
        return -SIM_MPY_ENOSPC;
    memcpy(p, to, n + 1);
    free(fs->e[idx].path);
    fs->e[idx].path = p;
    return 0;
}

int sim_mpy_fs_mkdir(struct sim_mpy_fs *fs, const char *path)
{
    int rc;
    if (path[0] == '\0' || sim_mpy_fs_find(fs, path) >= 0)
        return -SIM_MPY_EEXIST;
    rc = fs_parent_ok(fs, path);
    if (rc < 0)
        return rc;
    rc = fs_add(fs, path, true);
    return rc < 0 ? rc : 0;
}

int sim_mpy_fs_rmdir(struct sim_mpy_fs *fs, const char *path)
{
    int idx = sim_mpy_fs_find(fs, path);
    if (idx < 0)
        return path[0] == '\0' ? -SIM_MPY_EINVAL : idx;
    if (!fs->e[idx].dir)
        return -SIM_MPY_ENOTDIR;
    if (fs_has_children(fs, path))
        return -SIM_MPY_ENOTEMPTY;
    fs_drop(fs, idx);
    return 0;
}

const char *sim_mpy_fs_basename(const struct sim_mpy_fs *fs, int idx)
{
    const char *slash = strrchr(fs->e[idx].path, '/');
    return slash ? slash + 1 : fs->e[idx].path;
}

int sim_mpy_fs_list(const struct sim_mpy_fs *fs, const char *dir, int *idx, size_t max)
{
    size_t dn = strlen(dir), count = 0;

    if (dn > 0) {
        int d = sim_mpy_fs_find(fs, dir);
        if (d < 0)
            return d;
        if (!fs->e[d].dir)
            return -SIM_MPY_ENOTDIR;
    }
    for (size_t i = 0; i < fs->n && count < max; i++) {
        const char *p = fs->e[i].path;
        if (dn > 0) {
            if (strncmp(p, dir, dn) != 0 || p[dn] != '/')
                continue;
            p += dn + 1;
        }
        if (strchr(p, '/'))
            continue;
        /* insertion in name order */
        size_t k = count++;
        while (k > 0 && strcmp(sim_mpy_fs_basename(fs, idx[k - 1]), p) > 0) {
            idx[k] = idx[k - 1];
            k--;
        }
        idx[k] = (int)i;
    }
    return (int)count;
}

int sim_mpy_fs_put(struct sim_mpy_fs *fs, const char *path, const void *data, size_t len)
{
    char norm[SIM_MPY_FS_PATH_MAX + 1];
    int rc = sim_mpy_fs_normalize(path, strlen(path), norm, sizeof norm), idx;
    long w;

    if (rc < 0)
        return rc;
    idx = sim_mpy_fs_create(fs, norm, true);
    if (idx < 0)
        return idx;
    w = sim_mpy_fs_write(fs, idx, 0, data, len);
    return w < 0 ? (int)w : 0;
}

const uint8_t *sim_mpy_fs_get(const struct sim_mpy_fs *fs, const char *path, size_t *len)
{
    char norm[SIM_MPY_FS_PATH_MAX + 1];
    int idx;

    *len = 0;
    if (sim_mpy_fs_normalize(path, strlen(path), norm, sizeof norm) < 0)
        return NULL;
    idx = sim_mpy_fs_find(fs, norm);
    if (idx < 0 || fs->e[idx].dir)
        return NULL;
    *len = fs->e[idx].len;
    return fs->e[idx].data ? fs->e[idx].data : (const uint8_t *)"";
}
