/* SPDX-License-Identifier: MIT */
/* The simulated MicroPython's filesystem: a flat table of paths (files and directories) with a
 * byte capacity, standing in for the littlefs volume an ESP8266 mounts at "/". It lives in the
 * REPL object of one board, so it survives soft and hard resets; repl.c re-formats it when the
 * flash region the real volume occupies was rewritten by a flasher. */
#ifndef MF_SIM_MPY_FS_H
#define MF_SIM_MPY_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Capacity of file data plus per-entry metadata. The real 4 MB volume holds ~3 MB; a small
 * default keeps "disk full" tests fast (sim_mpy_fs_set_capacity changes it). */
#define SIM_MPY_FS_CAPACITY_DEFAULT (64u * 1024u)
#define SIM_MPY_FS_ENTRY_OVERHEAD   64u  /* metadata bytes an entry costs (guess) */
#define SIM_MPY_FS_PATH_MAX         128u /* MICROPY_ALLOC_PATH_MAX on the ESP8266 port */
#define SIM_MPY_FS_BLOCK            4096u
#define SIM_MPY_FS_MODE_FILE        0x8000
#define SIM_MPY_FS_MODE_DIR         0x4000

/* MicroPython's own errno values (py/mperrno.h). */
enum sim_mpy_errno {
    SIM_MPY_ENOENT = 2,
    SIM_MPY_EIO = 5,
    SIM_MPY_EBADF = 9,
    SIM_MPY_EEXIST = 17,
    SIM_MPY_ENOTDIR = 20,
    SIM_MPY_EISDIR = 21,
    SIM_MPY_EINVAL = 22,
    SIM_MPY_ENOSPC = 28,
    SIM_MPY_ENOTEMPTY = 39,
};

struct sim_mpy_fs_entry {
    char *path; /* without the leading '/', e.g. "lib/x.py" */
    bool dir;
    uint8_t *data;
    size_t len;
    size_t cap;
};

struct sim_mpy_fs {
    struct sim_mpy_fs_entry *e;
    size_t n;
    size_t cap;
    size_t capacity;
    bool formatted;       /* a volume exists (repl.c: set at the first boot) */
    uint64_t fingerprint; /* of the flash region when the volume was last mounted */
};

void sim_mpy_fs_init(struct sim_mpy_fs *fs);
void sim_mpy_fs_free(struct sim_mpy_fs *fs);
/* mkfs: every entry removed. */
void sim_mpy_fs_format(struct sim_mpy_fs *fs);
void sim_mpy_fs_set_capacity(struct sim_mpy_fs *fs, size_t bytes);
size_t sim_mpy_fs_used(const struct sim_mpy_fs *fs);
size_t sim_mpy_fs_free_bytes(const struct sim_mpy_fs *fs);

/* Normalises a user path ("/a//b", "./a") into out; -SIM_MPY_EINVAL when too long. */
int sim_mpy_fs_normalize(const char *path, size_t len, char *out, size_t out_size);
/* Index of a normalised path, or -SIM_MPY_ENOENT. The root ("") is a directory without entry. */
int sim_mpy_fs_find(const struct sim_mpy_fs *fs, const char *path);
/* Opens a file for writing: creates it (parent must exist) or truncates it when asked. Returns
 * the index or -errno. */
int sim_mpy_fs_create(struct sim_mpy_fs *fs, const char *path, bool truncate);
/* Writes n bytes at pos (gaps are zero-filled); returns n or -SIM_MPY_ENOSPC (nothing written).
 * Indices stay valid until an entry is removed. */
long sim_mpy_fs_write(struct sim_mpy_fs *fs, int idx, size_t pos, const void *data, size_t n);
int sim_mpy_fs_remove(struct sim_mpy_fs *fs, const char *path);
int sim_mpy_fs_rename(struct sim_mpy_fs *fs, const char *from, const char *to);
int sim_mpy_fs_mkdir(struct sim_mpy_fs *fs, const char *path);
int sim_mpy_fs_rmdir(struct sim_mpy_fs *fs, const char *path);
/* Children of a directory in name order: fills up to max indices, returns the count or -errno. */
int sim_mpy_fs_list(const struct sim_mpy_fs *fs, const char *dir, int *idx, size_t max);
/* Last path component of an entry. */
const char *sim_mpy_fs_basename(const struct sim_mpy_fs *fs, int idx);

/* For tests and the simulator: whole-file access by path ("/" optional). */
int sim_mpy_fs_put(struct sim_mpy_fs *fs, const char *path, const void *data, size_t len);
const uint8_t *sim_mpy_fs_get(const struct sim_mpy_fs *fs, const char *path, size_t *len);

#endif
