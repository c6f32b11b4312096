/*
 * Client stubs for blk, the block driver (include/proto/blk.h,
 * docs/blk.md). Return 0 (or a count) or an err_t < 0.
 */
#pragma once

#include <stdint.h>

#include <mica/caps.h>
#include <proto/blk.h>

/* Gives blk the RAM frame `buffer` (a copy is sent; ours stays). On
 * success *sectors is the disk's size. */
int64_t blk_attach(handle_t blk, handle_t buffer, uint64_t *sectors);
int64_t blk_info(handle_t blk, uint64_t *sectors);
/* Sectors [sector, sector + count) to / from byte `offset` of the buffer. */
int64_t blk_read(handle_t blk, uint64_t sector, uint64_t count, uint64_t offset);
int64_t blk_write(handle_t blk, uint64_t sector, uint64_t count, uint64_t offset);
int64_t blk_flush(handle_t blk);
