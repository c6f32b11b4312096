/*
 * FAT32 file-system library: everything the fat32 server knows about the
 * on-disk format (Microsoft's FAT specification, fatgen103), with no IPC
 * and no syscalls. It reads and writes sectors through a caller-supplied
 * device, so the same code runs in the server (over blk) and in host tests
 * (over an image file made by mkfs.fat and checked by fsck.fat / mtools).
 *
 * Every on-disk value is validated before use: a corrupt image (bad BPB,
 * cluster chains that loop, cross, or point past the end, bad directory
 * entries) gives E_CORRUPT, never a crash or a hang. Metadata is written
 * in an order that leaves the volume repairable by fsck.fat at any point.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <mica/err.h>

#define FAT_SECTOR_MAX 4096
/* Directory sectors kept in memory: a path lookup reads the root's and
 * each parent's sectors in turn, and an exec or open repeats the same
 * walk, so with one sector every lookup went to the disk. Sixteen hold a
 * path nine directories deep, least recently used out (64 KiB with 4 KiB
 * sectors; docs/fat32.md, "Directory sectors"). */
#define FAT_DIR_SLOTS 16
/* FAT sectors kept in memory: one path lookup touches the FAT entries of
 * every directory on the path (is the cluster in use, where does it go
 * on), and those lie in different FAT sectors when the directories were
 * made at different times. */
#define FAT_TABLE_SLOTS 8
#define FAT_NAME_MAX 255   /* UTF-8 bytes of one name component (ASCII in practice) */
#define FAT_PATH_MAX 1024
/* Remembered chain positions: a reader, a writer and the page cache's
 * write-back each walk a file sequentially at their own place. */
#define FAT_SEEK_HINTS 8

/* The block device the volume lives on. Sector numbers are relative to
 * the start of the volume; count sectors of sector_size bytes. Return 0 or
 * an err_t (E_IO). */
struct fat_dev {
    void *ctx;
    uint32_t sector_size;   /* 512 usually; must match the BPB */
    uint64_t nsectors;
    err_t (*read)(void *ctx, uint64_t sector, uint32_t count, void *buf);
    err_t (*write)(void *ctx, uint64_t sector, uint32_t count, const void *buf);
};

/* A file or directory, as the library hands it out. `dir_cluster` and
 * `dirent_index` locate its short directory entry (so size and first
 * cluster can be updated); the root directory has dirent_index = UINT32_MAX. */
struct fat_node {
    uint32_t first_cluster;  /* 0 for an empty file */
    uint32_t size;           /* bytes; 0 for directories */
    bool is_dir;
    uint32_t dir_cluster;    /* first cluster of the directory holding the entry */
    uint32_t dirent_index;   /* index of the short entry in that directory */
    uint16_t mtime, mdate;   /* FAT time/date of last modification */
};

struct fat_stat {
    uint32_t size;
    bool is_dir;
    uint32_t first_cluster;
    uint16_t mtime, mdate, ctime, cdate;
};

struct fat_dirent {
    char name[FAT_NAME_MAX + 1]; /* the long name if there is one, else the 8.3 name */
    bool is_dir;
    uint32_t size;
};

/* The mounted volume. Private fields: callers only pass it around. */
struct fat_fs {
    struct fat_dev dev;
    uint32_t bytes_per_sector, sectors_per_cluster, cluster_bytes;
    uint32_t reserved_sectors, nfats, fat_sectors;
    uint32_t root_cluster, fsinfo_sector;
    uint32_t first_data_sector;
    uint32_t nclusters;           /* data clusters: valid numbers are 2 .. nclusters + 1 */
    uint32_t free_count;          /* FSInfo free-cluster count, kept right */
    uint32_t next_free;           /* FSInfo hint */
    uint64_t now;                 /* fat_set_time: seconds since 1980-01-01 */
    bool mounted_unclean;         /* FAT[1]'s clean-shutdown bit was clear at mount: the
                                     volume was not unmounted cleanly (fsck.fat it); it
                                     stays marked so until something repairs it */
    uint8_t scratch[FAT_SECTOR_MAX];  /* one sector of work space */

    /* Library-private state below: caches and work space of the fat_*.c
     * files, which is why the struct is large (about 22 KiB). */
    uint32_t backup_boot_sector;  /* BPB_BkBootSec; never written as FSInfo */
    bool fsinfo_ok;               /* FSInfo had valid signatures at mount */
    uint32_t active_fat;          /* FAT copy read from (BPB_ExtFlags) */
    bool fat_mirrored;            /* write every copy (else only active_fat) */
    /* Cached sectors, least recently used out (fat_slot_find): FAT
     * sectors (numbered from the FAT's start; write-back) and directory
     * sectors (volume numbers; written through). */
    struct fat_sector_slot {
        uint64_t sector;                   /* UINT64_MAX: empty */
        uint64_t last_use;                 /* slot_clock at the last use */
        bool dirty;                        /* FAT slots: differs from the disk */
        uint8_t data[FAT_SECTOR_MAX];
    } fat_slots[FAT_TABLE_SLOTS], dir_slots[FAT_DIR_SLOTS];
    uint64_t slot_clock;
    bool marked_dirty;            /* FAT[1]'s clean-shutdown bit is clear on the disk */
    uint8_t flag_buf[FAT_SECTOR_MAX]; /* the flag's own sector: callers' buffers stay theirs */
    struct fat_seek_hint {                 /* chain positions seeks resume from */
        uint32_t first, index, cluster;    /* first == 0: unused */
        uint32_t saved, power, steps;      /* Brent's loop check since `first` */
    } seek_hints[FAT_SEEK_HINTS];
    uint32_t seek_next_victim;             /* round robin over seek_hints */
    uint8_t check_map[FAT_SECTOR_MAX];     /* fat_check: clusters seen, one window */
    struct fat_walk {                      /* a position inside a directory */
        uint32_t first, cluster, index;    /* its first cluster, current one, entry */
    } check_stack[FAT_PATH_MAX / 2];      /* fat_check: directories being walked */
};

/* Validates the boot sector and fills *fs. E_CORRUPT: not a FAT32 volume
 * we can use (bad signature, sizes, FAT12/16, cluster count out of range).
 * E_IO from the device. A bad FSInfo (signatures, an unknown or impossible
 * free count) is not fatal: the free count is recomputed from the FAT and
 * fat_sync() rewrites FSInfo. Resets the clock: call fat_set_time() after. */
__attribute__((warn_unused_result)) err_t fat_mount(struct fat_fs *fs, const struct fat_dev *dev);

/* Writes the FAT sector still cached and FSInfo (free count, hint), then
 * marks the volume cleanly unmounted again (FAT[1]'s clean-shutdown bit)
 * if a write since mount or the last fat_sync had marked it dirty, unless
 * it was found unclean at mount. The caller has stored everything else
 * (directory entries, cached pages) first. Idempotent. */
__attribute__((warn_unused_result)) err_t fat_sync(struct fat_fs *fs);

/* Looks up an absolute path ("/", "/dir/file.txt"; components compared
 * case-insensitively, long or 8.3 names). E_NOENT, E_INVAL (relative path,
 * empty component, too long), E_CORRUPT. "/" gives the root directory. */
__attribute__((warn_unused_result)) err_t fat_lookup(struct fat_fs *fs, const char *path,
                                                     struct fat_node *out);

/* Reads up to len bytes at off; *got = bytes read (0 at or past EOF). */
__attribute__((warn_unused_result)) err_t fat_read(struct fat_fs *fs, const struct fat_node *n,
                                                   uint64_t off, void *buf, uint32_t len,
                                                   uint32_t *got);

/* Writes len bytes at off, extending the file (holes read as zeros) and
 * updating size and mtime in its directory entry. Files are limited to
 * 4 GiB - 1 (E_RANGE beyond). E_NOSPACE when the volume is full: what was
 * written before stays, the volume stays consistent, *put says how much. */
__attribute__((warn_unused_result)) err_t fat_write(struct fat_fs *fs, struct fat_node *n,
                                                    uint64_t off, const void *buf,
                                                    uint32_t len, uint32_t *put);

/* Sets the file's size (shrinking frees clusters; growing zero-fills). */
__attribute__((warn_unused_result)) err_t fat_truncate(struct fat_fs *fs, struct fat_node *n,
                                                       uint32_t size);

/* Creates a file or (is_dir) a directory with "." and ".." entries.
 * Long names get LFN entries with the right checksum and a unique 8.3
 * alias ("LONGFI~1.TXT"). E_EXIST, E_NOENT (parent missing), E_INVAL (bad
 * name: empty, ".", "..", too long, characters FAT forbids), E_NOSPACE. */
__attribute__((warn_unused_result)) err_t fat_create(struct fat_fs *fs, const char *path,
                                                     bool is_dir, struct fat_node *out);

/* Removes a file and frees its clusters. E_INVAL if it is a directory,
 * E_NOENT if it does not exist. */
__attribute__((warn_unused_result)) err_t fat_unlink(struct fat_fs *fs, const char *path);

/* Removes an empty directory. E_BUSY if not empty, E_INVAL for "/" or a file. */
__attribute__((warn_unused_result)) err_t fat_rmdir(struct fat_fs *fs, const char *path);

/* Renames/moves (also across directories). The target must not exist
 * (E_EXIST). Moving a directory updates its "..". A directory cannot move
 * into itself (E_INVAL). */
__attribute__((warn_unused_result)) err_t fat_rename(struct fat_fs *fs, const char *from,
                                                     const char *to);

/* Directory listing: *cookie starts at 0 and is advanced; returns E_NOENT
 * at the end. "." and ".." and deleted/volume-label entries are skipped. */
__attribute__((warn_unused_result)) err_t fat_readdir(struct fat_fs *fs,
                                                      const struct fat_node *dir,
                                                      uint32_t *cookie,
                                                      struct fat_dirent *out);

void fat_stat(const struct fat_node *n, struct fat_stat *out);

/* Grows file n to `size` bytes (>= its size) by allocating clusters,
 * writing no data: for the page cache, which writes every byte of the new
 * range itself before it can be read. Updates n (size, modification time)
 * in memory only; fat_store() puts it on the disk. E_NOSPACE when the
 * volume fills: the file grows as far as whole clusters allow (n->size
 * says how far). E_RANGE if size is below the current size. */
__attribute__((warn_unused_result)) err_t fat_reserve(struct fat_fs *fs, struct fat_node *n,
                                                      uint32_t size);

/* Writes node n's size, first cluster and modification time to its
 * directory entry, after the FAT changes they depend on. */
__attribute__((warn_unused_result)) err_t fat_store(struct fat_fs *fs, const struct fat_node *n);

/* Writes len bytes at off into the clusters file n already has, stopping
 * silently where its chain ends; changes no metadata (the page cache's
 * write-back). *put = bytes written. */
__attribute__((warn_unused_result)) err_t fat_write_inplace(struct fat_fs *fs,
                                                            const struct fat_node *n,
                                                            uint64_t off, const void *buf,
                                                            uint32_t len, uint32_t *put);

/* The sector of the volume holding byte `off` of file n (for the page
 * cache: a page of a file maps to sectors). E_RANGE past the allocated
 * clusters. */
__attribute__((warn_unused_result)) err_t fat_file_sector(struct fat_fs *fs,
                                                          const struct fat_node *n,
                                                          uint64_t off, uint64_t *sector);

/* Checks the whole FAT against the directory tree (every chain well
 * formed, no cluster used twice, free count right). For tests and debug
 * builds. E_CORRUPT with a reason in *why (static string). */
__attribute__((warn_unused_result)) err_t fat_check(struct fat_fs *fs, const char **why);

/* The clock the library stamps files with: set by the caller (seconds
 * since 1980-01-01 00:00 local time); 0 leaves 1980-01-01. */
void fat_set_time(struct fat_fs *fs, uint64_t seconds_since_1980);
