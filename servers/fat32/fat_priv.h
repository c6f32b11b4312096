/*
 * Private interface between the FAT32 library's files: on-disk constants,
 * little-endian byte access, and the helpers each file exports to the
 * others (FAT table, directory scanning, names, timestamps).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fat.h"

/* FAT32 entries: the upper 4 bits are reserved and preserved on writes. */
#define FAT_ENTRY_MASK 0x0FFFFFFFu
#define FAT_BAD_CLUSTER 0x0FFFFFF7u
#define FAT_EOC_MIN 0x0FFFFFF8u
#define FAT_EOC 0x0FFFFFFFu
#define FAT_MIN_CLUSTERS 65525u      /* fewer clusters make it FAT12/16 */
#define FAT_MAX_CLUSTERS 0x0FFFFFF5u /* cluster numbers stay below 0x0FFFFFF7 */

/* Directory entries. */
#define DIRENT_SIZE 32u
#define DIR_MAX_ENTRIES 65536u /* the specification's limit per directory */
#define DIRENT_FREE 0xE5       /* deleted entry */
#define DIRENT_END 0x00        /* this and every later entry are free */
#define DIRENT_KANJI_E5 0x05   /* first name byte 0xE5 stored as 0x05 */

#define ATTR_READ_ONLY 0x01
#define ATTR_HIDDEN 0x02
#define ATTR_SYSTEM 0x04
#define ATTR_VOLUME_ID 0x08
#define ATTR_DIRECTORY 0x10
#define ATTR_ARCHIVE 0x20
#define ATTR_LONG_NAME 0x0F
#define ATTR_LONG_NAME_MASK 0x3F

/* Byte offsets inside a short directory entry. */
#define DE_NAME 0
#define DE_ATTR 11
#define DE_NTRES 12 /* 0x08: base is lower case, 0x10: extension is */
#define DE_CTIME_TENTH 13
#define DE_CTIME 14
#define DE_CDATE 16
#define DE_ADATE 18
#define DE_CLUS_HI 20
#define DE_MTIME 22
#define DE_MDATE 24
#define DE_CLUS_LO 26
#define DE_SIZE 28

#define NTRES_LOWER_BASE 0x08
#define NTRES_LOWER_EXT 0x10

/* Long-name entries: 13 UCS-2 characters each, at most 20 of them. */
#define LFN_ORD 0
#define LFN_LAST 0x40
#define LFN_CHECKSUM 13
#define LFN_CHARS 13u
#define LFN_MAX_SLOTS 20u

#define ROOT_DIRENT_INDEX UINT32_MAX

/* ---- byte access (sector buffers are never cast to structs) ------------ */

static inline uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Freestanding: no libc, so tiny byte loops. */
static inline void bytes_copy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--)
        *d++ = *s++;
}

static inline void bytes_zero(void *dst, size_t n)
{
    uint8_t *d = dst;
    while (n--)
        *d++ = 0;
}

static inline bool bytes_equal(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    while (n--)
        if (*x++ != *y++)
            return false;
    return true;
}

static inline char ascii_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* ---- short directory entry fields ---------------------------------------- */

static inline uint32_t dirent_cluster(const uint8_t *e)
{
    return ((uint32_t)get16(e + DE_CLUS_HI) << 16) | get16(e + DE_CLUS_LO);
}

static inline void dirent_set_cluster(uint8_t *e, uint32_t cl)
{
    put16(e + DE_CLUS_HI, (uint16_t)(cl >> 16));
    put16(e + DE_CLUS_LO, (uint16_t)cl);
}

/* ---- fat_io.c: device access ----------------------------------------------- */

err_t fat_io_read(struct fat_fs *fs, uint64_t sector, uint32_t count, void *buf);
/* The slot of slots[0, n) holding `sector` (*hit true), or the one to
 * reuse for it (*hit false): an empty one, else the least recently used,
 * which the caller fills (or leaves empty). Either way its use is
 * recorded. */
struct fat_sector_slot *fat_slot_find(struct fat_fs *fs, struct fat_sector_slot *slots, int n,
                                      uint64_t sector, bool *hit);
/* Marks the volume dirty first (fat_mark_dirty): every write but the
 * flag's own and FSInfo's goes through here. */
err_t fat_io_write(struct fat_fs *fs, uint64_t sector, uint32_t count, const void *buf);
/* A write that leaves a clean volume clean (FSInfo with the exact count):
 * no dirty mark. */
err_t fat_io_write_keeps_clean(struct fat_fs *fs, uint64_t sector, uint32_t count,
                               const void *buf);
/* FAT[1]'s clean-shutdown bit (fatgen103's ClnShutBitMask), in every FAT
 * copy written: clear ("dirty") before the first write after mount or
 * sync, set again by fat_sync. fat_read_flag is for the mount. */
#define FAT_CLEAN_SHUTDOWN 0x08000000u
err_t fat_mark_dirty(struct fat_fs *fs);
err_t fat_mark_clean(struct fat_fs *fs);
err_t fat_read_flag(struct fat_fs *fs, bool *clean);
/* Writes zeros over a whole cluster. */
err_t fat_zero_cluster(struct fat_fs *fs, uint32_t cl);

/* ---- fat_table.c: the FAT and cluster chains ------------------------------ */

bool fat_cluster_valid(const struct fat_fs *fs, uint32_t cl);
uint64_t fat_cluster_sector(const struct fat_fs *fs, uint32_t cl);
err_t fat_entry_get(struct fat_fs *fs, uint32_t cl, uint32_t *val);
err_t fat_entry_set(struct fat_fs *fs, uint32_t cl, uint32_t val);
err_t fat_table_flush(struct fat_fs *fs);
/* The cluster after cl: *next = 0 at the end of the chain. E_CORRUPT when
 * the entry is free, reserved, bad or out of range. */
err_t fat_next(struct fat_fs *fs, uint32_t cl, uint32_t *next);
/* Walks from first towards cluster number `index` of the chain and stops
 * early at the chain's end: *cl is cluster *reached (<= index). */
err_t fat_chain_seek(struct fat_fs *fs, uint32_t first, uint32_t index, uint32_t *cl,
                     uint32_t *reached);
/* Takes a free cluster, marks it end-of-chain; the caller links it. */
err_t fat_alloc(struct fat_fs *fs, uint32_t *out);
/* Frees cl and everything after it. */
err_t fat_free_chain(struct fat_fs *fs, uint32_t cl);
err_t fat_count_free(struct fat_fs *fs, uint32_t *count);
void fat_seek_forget(struct fat_fs *fs);

/* ---- fat_time.c --------------------------------------------------------- */

void fat_timestamp(const struct fat_fs *fs, uint16_t *date, uint16_t *time,
                   uint8_t *tenth);

/* ---- fat_name.c: names ---------------------------------------------------- */

/* A new name decoded to UCS-2 and validated: E_INVAL when empty, ".",
 * "..", too long, or containing a character FAT forbids. */
err_t fat_name_parse(const char *name, uint32_t len, uint16_t *ucs, uint32_t *nucs);
/* True when the name is already a valid upper-case 8.3 name (no LFN). */
bool fat_name_fits_short(const uint16_t *ucs, uint32_t n, uint8_t out[11]);
/* The alias basis (fatgen103 "basis-name generation"); *lossy when the
 * alias cannot be the name itself (so it gets a ~N tail). */
void fat_name_basis(const uint16_t *ucs, uint32_t n, uint8_t out[11], bool *lossy);
/* basis with "~N" spliced into the 8-character base part. */
void fat_name_tail(const uint8_t basis[11], uint32_t num, uint8_t out[11]);
/* If name is basis with some tail "~N", returns N, else 0. */
uint32_t fat_name_tail_of(const uint8_t basis[11], const uint8_t name[11]);
uint8_t fat_lfn_checksum(const uint8_t name[11]);
/* Byte offsets of the 13 UCS-2 characters inside an LFN entry. */
extern const uint8_t fat_lfn_offsets[LFN_CHARS];
bool fat_short_name_valid(const uint8_t name[11]);
/* A long name read from disk is usable (no forbidden characters). */
bool fat_ucs_name_ok(const uint16_t *ucs, uint32_t n);
/* "NAME.EXT" of a short entry (NT case bits honoured); returns the length. */
uint32_t fat_short_display(const uint8_t *ent, char out[13]);
/* UTF-8 of a UCS-2 name; 0 when it does not fit in cap bytes. */
uint32_t fat_ucs_to_utf8(const uint16_t *ucs, uint32_t n, char *out, uint32_t cap);
bool fat_name_equal(const char *a, uint32_t alen, const char *b, uint32_t blen);

/* ---- fat_dir.c: directory entries ----------------------------------------- */

/* One live directory entry as found by a scan. */
struct fat_found {
    uint8_t ent[DIRENT_SIZE];    /* the short entry */
    uint32_t index;              /* its index in the directory */
    uint32_t first_slot;         /* first LFN entry, or index when it has none */
    bool dot;                    /* "." or ".." */
    char name[FAT_NAME_MAX + 1]; /* long name, else short display name */
    uint32_t name_len;
    char short_name[13];
    uint32_t short_len;
};

/* Reads the entry at pos->index and advances; E_NOENT past the chain. */
err_t fat_dir_read(struct fat_fs *fs, struct fat_walk *pos, uint8_t ent[DIRENT_SIZE]);
/* The next live short entry (skips deleted entries and volume labels),
 * E_NOENT at the end. Bad entries give E_CORRUPT. */
err_t fat_dir_next(struct fat_fs *fs, struct fat_walk *pos, struct fat_found *f);
err_t fat_dir_find(struct fat_fs *fs, uint32_t dir, const char *name, uint32_t len,
                   struct fat_found *f);
/* Writes count consecutive entries starting at index. */
err_t fat_dir_put(struct fat_fs *fs, uint32_t dir, uint32_t index, const uint8_t *ents,
                  uint32_t count);
err_t fat_dir_get(struct fat_fs *fs, uint32_t dir, uint32_t index,
                  uint8_t ent[DIRENT_SIZE]);
/* Marks entries from..to (inclusive) deleted. */
err_t fat_dir_delete(struct fat_fs *fs, uint32_t dir, uint32_t from, uint32_t to);
/* Finds count consecutive free slots, growing the directory if needed. */
err_t fat_dir_slots(struct fat_fs *fs, uint32_t dir, uint32_t count, uint32_t *index);
/* The directory's first cluster from a ".." value (0 means the root). */
uint32_t fat_dir_parent_cluster(const struct fat_fs *fs, uint32_t dotdot);
void fat_dir_invalidate(struct fat_fs *fs, uint64_t sector, uint64_t count);

/* ---- fat_create.c --------------------------------------------------------- */

/* Adds name (UCS-2) to directory dir with the short entry ent (all fields
 * but the name, which is chosen here): LFN entries when the name is not
 * plain 8.3. *index is the short entry's index. */
err_t fat_dir_add(struct fat_fs *fs, uint32_t dir, const uint16_t *ucs, uint32_t n,
                  uint8_t ent[DIRENT_SIZE], uint32_t *index);

/* ---- fat_path.c: path resolution ------------------------------------------ */

void fat_root_node(const struct fat_fs *fs, struct fat_node *out);
err_t fat_node_from(const struct fat_fs *fs, uint32_t dir, const struct fat_found *f,
                    struct fat_node *out);
/* Resolves all but the last component of path into *parent and returns
 * the last component (E_INVAL for "/" itself). */
err_t fat_resolve_parent(struct fat_fs *fs, const char *path, struct fat_node *parent,
                         const char **last, uint32_t *last_len);
/* Resolves path (not "/") to its parent, its entry and its node. */
err_t fat_resolve(struct fat_fs *fs, const char *path, struct fat_node *parent,
                  struct fat_found *f, struct fat_node *node);
