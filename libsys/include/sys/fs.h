/*
 * Client stubs for fat32, the file server (include/proto/fs.h,
 * docs/fat32.md). A program served by mm finds its file-server endpoint
 * at FS_CLIENT_SLOT. Return a value >= 0 or an err_t < 0.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <mica/caps.h>
#include <proto/fs.h>

struct fs_stat {
    uint64_t size;
    bool is_dir;
    uint32_t mdate_mtime; /* FAT date << 16 | FAT time */
};

/* Opens `path` (FS_O_* flags); returns the handle; *size and *is_dir if
 * not NULL. */
int64_t fs_open(handle_t fs, const char *path, unsigned flags, uint64_t *size, bool *is_dir);
/* As fs_open; *table_full (may be NULL) tells an E_NOSPACE from the
 * server's handle table (full for everyone: ENFILE) from a full volume
 * (ENOSPC). E_LIMIT: the caller's own limit of open handles (EMFILE). */
int64_t fs_open_ex(handle_t fs, const char *path, unsigned flags, uint64_t *size, bool *is_dir,
                   bool *table_full);
int64_t fs_close(handle_t fs, uint64_t h);
/* Reads up to len bytes (any length: split into FS_IO_MAX requests);
 * returns the bytes read (short at end of file). */
int64_t fs_read(handle_t fs, uint64_t h, uint64_t off, void *buf, uint64_t len);
/* Writes len bytes; returns the bytes written. */
int64_t fs_write(handle_t fs, uint64_t h, uint64_t off, const void *buf, uint64_t len);
int64_t fs_fstat(handle_t fs, uint64_t h, struct fs_stat *out);
int64_t fs_truncate(handle_t fs, uint64_t h, uint64_t size);
/* Next entry of a directory: name (NUL-terminated, up to name_len bytes);
 * *cookie starts at 0. E_NOENT at the end. */
int64_t fs_readdir(handle_t fs, uint64_t h, uint64_t *cookie, char *name, uint64_t name_len,
                   uint64_t *size, bool *is_dir);
int64_t fs_unlink(handle_t fs, const char *path);
int64_t fs_mkdir(handle_t fs, const char *path);
int64_t fs_rmdir(handle_t fs, const char *path);
int64_t fs_rename(handle_t fs, const char *from, const char *to);
int64_t fs_sync(handle_t fs);
/* Writes back the open file's cached data and flushes the disk. */
int64_t fs_fsync(handle_t fs, uint64_t h);

/* The file server's page cache, as FS_OP_STATS reports it. */
struct fs_cache_stats {
    uint64_t pages, used, pinned, dirty;
    uint64_t hits, misses, evictions, writebacks;
};
int64_t fs_cache_stats(handle_t fs, struct fs_cache_stats *out);

/* The server's tables (FS_OP_TABLES), for tests checking they are back
 * at their baseline after a hostile program. */
struct fs_tables {
    uint64_t open, mapped, file_caps, clients;
    uint64_t my_files, my_file_caps; /* charged to the caller */
};
int64_t fs_tables(handle_t fs, struct fs_tables *out);

/* proc only (a capability with FS_PROC_BADGE): a forked client's copy of
 * its parent's handles; an ended client's handles closed. */
int64_t fs_clone_client(handle_t fs, uint64_t from_badge, uint64_t to_badge);
int64_t fs_drop_client(handle_t fs, uint64_t badge);

/* A file capability for mapping the open file h with mm (mm_mmap_file);
 * writable allows shared writable mappings. Returns its handle. */
int64_t fs_map_file(handle_t fs, uint64_t h, bool writable);

/* Which file server serves `path`, and the path as that server sees it:
 * "/mnt/x" goes to FS_MNT_SLOT as "/x" when the program has a /mnt disk;
 * everything else to FS_CLIENT_SLOT unchanged. E_NOENT for "/mnt/..."
 * without a /mnt disk. */
int64_t fs_resolve(const char *path, handle_t *fs, const char **rest);
