/*
 * mm's physical frames: the RAM the root task handed to mm, as 4 KiB pages
 * with a reference count each (the number of mappings that share it).
 * A count of 0 means free. 2 MiB runs (512 aligned pages) back superpages;
 * each of their pages keeps its own count, so a superpage can later be
 * split into 4 KiB mappings without any bookkeeping change.
 * Pure bookkeeping, built natively for host tests: it never touches the
 * memory it manages.
 *
 * Invariant: nfree equals the number of pages with count 0, and the bitmap
 * bit of a page is set exactly when its count is non-zero.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <mica/err.h>

#define FRAME_SIZE 4096ull
#define FRAME_2M_PAGES 512ull
#define FRAME_REF_MAX 0xffffu

struct frame_pool {
    uint64_t base_pa;  /* physical address of page 0, 4 KiB aligned */
    uint64_t npages;
    uint16_t *refs;    /* npages counts, caller memory */
    uint64_t *used;    /* bitmap, (npages + 63) / 64 words, caller memory */
    uint64_t nfree;
    uint64_t hint;     /* page index where the next 4 KiB search starts */
};

/* Bytes of storage for refs and for the bitmap of npages pages. */
static inline uint64_t frames_refs_len(uint64_t npages)
{
    return npages * sizeof(uint16_t);
}

static inline uint64_t frames_bitmap_len(uint64_t npages)
{
    return (npages + 63) / 64 * 8;
}

/* Starts with every page free. */
void frames_init(struct frame_pool *p, uint64_t base_pa, uint64_t npages, uint16_t *refs,
                 uint64_t *used);

/* Marks [pa, pa + len) in use with count 1 (mm's own memory, say). Pages
 * outside the pool are ignored. */
void frames_reserve(struct frame_pool *p, uint64_t pa, uint64_t len);

/* One free page, count 1. E_NOMEM when none is free. */
__attribute__((warn_unused_result)) err_t frames_alloc(struct frame_pool *p, uint64_t *pa);

/* 512 free pages starting at a 2 MiB-aligned physical address, each with
 * count 1. E_NOMEM when no such run is free (fragmentation). */
__attribute__((warn_unused_result)) err_t frames_alloc_2m(struct frame_pool *p, uint64_t *pa);

/* Adds a reference to an allocated page. E_INVAL: pa outside the pool,
 * unaligned, or free; E_RANGE: the count would overflow. */
__attribute__((warn_unused_result)) err_t frames_ref(struct frame_pool *p, uint64_t pa);

/* Drops a reference; the page is free again when its count reaches 0.
 * Returns the new count, or an err_t < 0 (E_INVAL as frames_ref, also for
 * a page whose count is already 0: a double free is refused, not hidden). */
int32_t frames_unref(struct frame_pool *p, uint64_t pa);

/* The count of the page containing pa (0 for free or outside the pool). */
uint16_t frames_count(const struct frame_pool *p, uint64_t pa);

/* True when pa lies inside the pool. */
bool frames_contains(const struct frame_pool *p, uint64_t pa);

static inline uint64_t frames_free_count(const struct frame_pool *p)
{
    return p->nfree;
}
