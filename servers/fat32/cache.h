/*
 * fat32's page cache: 4 KiB pages of files, the one copy of file data the
 * server trusts. read() and write() go through it, and mm maps its pages
 * into programs without a copy (handed out as frame capabilities). A page
 * is named by (file, page index); a file by its first cluster.
 *
 * Invariants: a page holds the file's bytes, and zeros past the end of the
 * file (cache_zero_tail keeps this when a file grows over bytes a mapping
 * scribbled on); a page differing from the disk is dirty or handed out
 * writable, and is written back before its slot is reused. Pages handed to
 * mm are pinned (never evicted) until the file's last mapping goes
 * (cache_unpin_file); the rest are evicted by a clock when a slot is
 * needed, dirty ones written back first. Pure logic over the FAT32
 * library: no IPC, no syscalls (host-tested in tests/host/test_cache.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "fat.h"

#define CACHE_PAGE 4096u
#define CACHE_MAX_PAGES 4096u

struct cache_stats {
    uint32_t pages;      /* slots */
    uint32_t used;       /* slots holding a page */
    uint32_t pinned;     /* handed to mm */
    uint32_t dirty;      /* differ from the disk */
    uint64_t hits, misses, evictions, writebacks;
};

/* Uses npages pages of memory at mem (npages <= CACHE_MAX_PAGES). */
err_t cache_init(uint8_t *mem, uint32_t npages);

/* The cached page `index` of file n, reading it from disk on a miss.
 * *slot = its slot. E_RANGE past the file's last page, E_NOMEM when every
 * slot is pinned (or could not be written back), E_IO/E_CORRUPT from the
 * disk. */
__attribute__((warn_unused_result)) err_t cache_get(struct fat_fs *fs,
                                                    const struct fat_node *n,
                                                    uint64_t index, uint32_t *slot);

/* The page `index` of file n for a write of [in, in + len) of it; the file
 * had old_size bytes before this write (n may already be larger). Reads
 * from disk only what the write leaves of bytes the file had. Marks the
 * page dirty. Errors as cache_get. */
__attribute__((warn_unused_result)) err_t cache_get_for_write(struct fat_fs *fs,
                                                              const struct fat_node *n,
                                                              uint64_t index,
                                                              uint64_t old_size,
                                                              uint32_t in, uint32_t len,
                                                              uint32_t *slot);

/* read() of file n: up to len bytes at off through the cache; *got =
 * bytes read (short at the end of the file). When every slot is pinned the
 * bytes come straight from the disk. */
__attribute__((warn_unused_result)) err_t cache_read(struct fat_fs *fs,
                                                     const struct fat_node *n, uint64_t off,
                                                     void *buf, uint32_t len, uint32_t *got);

/* write() of file n into the cache: clusters are allocated now (so a full
 * disk is this write's E_NOSPACE, with *put bytes written); n's new size
 * and time are in memory until the caller's fat_store(); the data is
 * written back later (cache_sync, eviction). A write past the end first fills the hole with zeros on the
 * disk. When every slot is pinned the bytes go straight to the disk. */
__attribute__((warn_unused_result)) err_t cache_write(struct fat_fs *fs, struct fat_node *n,
                                                      uint64_t off, const void *buf,
                                                      uint32_t len, uint32_t *put);

/* Address of a slot's page, and its byte offset in the cache memory (for
 * SYS_FRAME_DERIVE). */
uint8_t *cache_page(uint32_t slot);
uint64_t cache_offset(uint32_t slot);

/* The page went to mm (writable: it may be written through a mapping,
 * so it counts as dirty until it is unpinned). */
void cache_pin(uint32_t slot, bool writable);

/* The file's last mapping is gone: its pinned pages are written back if
 * they were mapped writable and become ordinary cached pages. */
__attribute__((warn_unused_result)) err_t cache_unpin_file(struct fat_fs *fs, uint32_t file);

/* Writes back the file's dirty pages (every file's when file is 0). */
__attribute__((warn_unused_result)) err_t cache_sync(struct fat_fs *fs, uint32_t file);

/* The file grows from `size`: bytes of its last page past `size` become
 * zeros again (a shared mapping may have written there). */
void cache_zero_tail(uint32_t file, uint64_t size);

/* The file now has `size` bytes (0: it is gone). Bytes past the end in
 * its last page become zeros; pages wholly past it leave the file: free at
 * once, or, when pinned (mm may still map them), zeroed and held until
 * cache_trim_done(epoch) says mm has unmapped them. */
void cache_shrink(uint32_t file, uint64_t size, uint64_t epoch);

/* mm has unmapped everything past the ends of shrunk files up to epoch:
 * the pages held for those shrinks are free. */
void cache_trim_done(uint64_t epoch);

void cache_get_stats(struct cache_stats *out);
