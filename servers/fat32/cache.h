/*
 * fat32's page cache: 4 KiB pages of files, kept in one RAM frame so a page
 * can be handed to mm as a frame capability (SYS_FRAME_DERIVE) and mapped
 * into programs without a copy. Pages are looked up by (file, page index);
 * a file is named by its first cluster. Pages handed out writable are
 * dirty until written back. Pages are never evicted while the system runs
 * (mapped pages cannot be taken back yet); a full cache refuses new pages.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "fat.h"

#define CACHE_PAGE 4096u

/* Maps the cache frame at va. */
err_t cache_init(uint64_t va);

/* The cached page `index` of file n, reading it from disk on a miss
 * (bytes past the end of the file are zero). *slot = its slot, *valid =
 * bytes of file data in it. E_RANGE past the file's last page, E_NOMEM
 * when the cache is full. */
err_t cache_get(struct fat_fs *fs, const struct fat_node *n, uint64_t index,
                uint32_t *slot, uint32_t *valid);

/* Address of a slot's page in fat32's memory. */
uint8_t *cache_page(uint32_t slot);

/* Byte offset of a slot in the cache frame (for SYS_FRAME_DERIVE). */
uint64_t cache_offset(uint32_t slot);

void cache_mark_dirty(uint32_t slot);

/* The cached page `index` of the file whose first cluster is `file`, or
 * NULL (no disk read). For keeping reads and writes coherent with maps. */
uint8_t *cache_peek(uint32_t file, uint64_t index);

/* Writes back the dirty pages of file n (all files when n is NULL, with
 * the node of each found by `lookup`). */
err_t cache_sync_file(struct fat_fs *fs, const struct fat_node *n);

/* The file whose first cluster was `file` now has `size` bytes (0: it is
 * gone): bytes of cached pages past the end become zeros; whole pages past
 * it leave the file. */
void cache_shrink(uint32_t file, uint64_t size);

/* Pages in use, for reports. */
uint32_t cache_used(void);
