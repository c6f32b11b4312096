/*
 * Physical page allocator for the kernel's own pool. A bitmap over one
 * span of physical pages [base, base + npages * 4 KiB); a set bit means the
 * page is in use or not RAM. Pure bookkeeping: it never touches the pages
 * it hands out, so it builds natively for host tests.
 * Invariant: nfree equals the number of clear bits in the bitmap.
 */
#pragma once

#include <kernel/types.h>

#define PMM_PAGE_SIZE 4096ul

struct pmm {
    paddr_t base;      /* first page of the span, page aligned */
    uint64_t npages;   /* pages in the span */
    uint64_t *bitmap;  /* ceil(npages / 64) words, owned by the caller */
    uint64_t nfree;    /* clear bits */
    uint64_t hint;     /* page index where the next single-page search starts */
};

/* Bytes of bitmap storage pmm_init() needs for `npages` pages. */
static inline uint64_t pmm_bitmap_len(uint64_t npages)
{
    return ((npages + 63) / 64) * 8;
}

/* Sets up an allocator over [base, base + npages pages) with every page
 * marked in use; pmm_release() then frees the RAM that is really free.
 * `base` must be page aligned and `bitmap` hold pmm_bitmap_len(npages). */
void pmm_init(struct pmm *pmm, paddr_t base, uint64_t npages, uint64_t *bitmap);

/* Marks the whole pages inside [pa, pa + len) free (partial pages at either
 * end stay in use: they may hold something else). Clipped to the span. */
void pmm_release(struct pmm *pmm, paddr_t pa, uint64_t len);

/* Marks every page touching [pa, pa + len) in use. Clipped to the span. */
void pmm_reserve(struct pmm *pmm, paddr_t pa, uint64_t len);

/* Allocates `npages` contiguous pages whose start is aligned to
 * `align_pages` pages (a power of two). E_INVAL for npages == 0 or a bad
 * alignment; E_NOMEM when no such run is free. */
WARN_UNUSED err_t pmm_alloc(struct pmm *pmm, uint64_t npages,
                            uint64_t align_pages, paddr_t *out);

/* Frees pages obtained from pmm_alloc(). E_INVAL when the range is outside
 * the span, unaligned, or not entirely allocated (a double free). */
WARN_UNUSED err_t pmm_free(struct pmm *pmm, paddr_t pa, uint64_t npages);

/* True when the page containing pa is inside the span and free. */
bool pmm_is_free(const struct pmm *pmm, paddr_t pa);
