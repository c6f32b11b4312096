/*
 * Bitmap page allocator (see kernel/include/kernel/pmm.h). Single pages are
 * found by a next-fit scan from `hint`, skipping full words; contiguous
 * aligned runs (page tables are single pages, but 2 MiB frames for the
 * root task need runs) by a scan over aligned candidates.
 */
#include <kernel/pmm.h>

static bool bit_is_set(const struct pmm *pmm, uint64_t i)
{
    return (pmm->bitmap[i / 64] >> (i % 64)) & 1;
}

static void bit_set(struct pmm *pmm, uint64_t i)
{
    pmm->bitmap[i / 64] |= 1ul << (i % 64);
}

static void bit_clear(struct pmm *pmm, uint64_t i)
{
    pmm->bitmap[i / 64] &= ~(1ul << (i % 64));
}

void pmm_init(struct pmm *pmm, paddr_t base, uint64_t npages, uint64_t *bitmap)
{
    pmm->base = base;
    pmm->npages = npages;
    pmm->bitmap = bitmap;
    pmm->nfree = 0;
    pmm->hint = 0;
    for (uint64_t w = 0; w < (npages + 63) / 64; w++)
        bitmap[w] = ~0ul;
}

/* Clips [pa, pa + len) to the span and converts it to page indices
 * [*first, *end). Rounds outward when `outward`, inward otherwise.
 * Returns false when nothing of the range lies in the span. */
static bool clip_range(const struct pmm *pmm, paddr_t pa, uint64_t len,
                       bool outward, uint64_t *first, uint64_t *end)
{
    uint64_t span_end = pmm->base + pmm->npages * PMM_PAGE_SIZE;
    uint64_t lo = pa;
    uint64_t hi = pa + len;
    if (hi < lo) /* wraps: clamp to the top of the address space */
        hi = ~0ul;
    if (lo < pmm->base)
        lo = pmm->base;
    if (hi > span_end)
        hi = span_end;
    if (lo >= hi)
        return false;
    if (outward) {
        lo = ALIGN_DOWN(lo, PMM_PAGE_SIZE);
        hi = ALIGN_UP(hi, PMM_PAGE_SIZE);
    } else {
        lo = ALIGN_UP(lo, PMM_PAGE_SIZE);
        hi = ALIGN_DOWN(hi, PMM_PAGE_SIZE);
        if (lo >= hi)
            return false;
    }
    *first = (lo - pmm->base) / PMM_PAGE_SIZE;
    *end = (hi - pmm->base) / PMM_PAGE_SIZE;
    return true;
}

void pmm_release(struct pmm *pmm, paddr_t pa, uint64_t len)
{
    uint64_t first, end;
    if (!clip_range(pmm, pa, len, false, &first, &end))
        return;
    for (uint64_t i = first; i < end; i++) {
        if (bit_is_set(pmm, i)) {
            bit_clear(pmm, i);
            pmm->nfree++;
        }
    }
}

void pmm_reserve(struct pmm *pmm, paddr_t pa, uint64_t len)
{
    uint64_t first, end;
    if (!clip_range(pmm, pa, len, true, &first, &end))
        return;
    for (uint64_t i = first; i < end; i++) {
        if (!bit_is_set(pmm, i)) {
            bit_set(pmm, i);
            pmm->nfree--;
        }
    }
}

static bool run_is_free(const struct pmm *pmm, uint64_t first, uint64_t n)
{
    for (uint64_t i = first; i < first + n; i++)
        if (bit_is_set(pmm, i))
            return false;
    return true;
}

/* Next-fit search for one free page, whole words at a time. */
static bool find_one(struct pmm *pmm, uint64_t *out)
{
    uint64_t nwords = (pmm->npages + 63) / 64;
    uint64_t start = pmm->hint / 64;
    for (uint64_t k = 0; k < nwords; k++) {
        uint64_t w = (start + k) % nwords;
        uint64_t word = pmm->bitmap[w];
        if (word == ~0ul)
            continue;
        unsigned bit = 0;
        while (word & (1ul << bit)) /* a clear bit exists: word != ~0 */
            bit++;
        uint64_t i = w * 64 + bit;
        if (i >= pmm->npages) /* tail bits beyond the span stay set, but be safe */
            continue;
        *out = i;
        return true;
    }
    return false;
}

err_t pmm_alloc(struct pmm *pmm, uint64_t npages, uint64_t align_pages,
                paddr_t *out)
{
    if (npages == 0 || align_pages == 0 || (align_pages & (align_pages - 1)))
        return E_INVAL;
    if (npages > pmm->nfree)
        return E_NOMEM;

    uint64_t found;
    if (npages == 1 && align_pages == 1) {
        if (!find_one(pmm, &found))
            return E_NOMEM;
    } else {
        /* Alignment is of the physical address, not of the index. */
        uint64_t align_len = align_pages * PMM_PAGE_SIZE;
        uint64_t first_pa = ALIGN_UP(pmm->base, align_len);
        bool ok = false;
        for (uint64_t pa = first_pa;; pa += align_len) {
            uint64_t i = (pa - pmm->base) / PMM_PAGE_SIZE;
            if (pa < first_pa || i + npages > pmm->npages || i + npages < i)
                break;
            if (run_is_free(pmm, i, npages)) {
                found = i;
                ok = true;
                break;
            }
        }
        if (!ok)
            return E_NOMEM;
    }
    for (uint64_t i = found; i < found + npages; i++)
        bit_set(pmm, i);
    pmm->nfree -= npages;
    pmm->hint = found + npages;
    *out = pmm->base + found * PMM_PAGE_SIZE;
    return E_OK;
}

err_t pmm_free(struct pmm *pmm, paddr_t pa, uint64_t npages)
{
    if (npages == 0 || !IS_ALIGNED(pa, PMM_PAGE_SIZE) || pa < pmm->base)
        return E_INVAL;
    uint64_t first = (pa - pmm->base) / PMM_PAGE_SIZE;
    if (first >= pmm->npages || npages > pmm->npages - first)
        return E_INVAL;
    for (uint64_t i = first; i < first + npages; i++)
        if (!bit_is_set(pmm, i))
            return E_INVAL; /* checked before any change: no half-done free */
    for (uint64_t i = first; i < first + npages; i++)
        bit_clear(pmm, i);
    pmm->nfree += npages;
    return E_OK;
}

bool pmm_is_free(const struct pmm *pmm, paddr_t pa)
{
    if (pa < pmm->base)
        return false;
    uint64_t i = (pa - pmm->base) / PMM_PAGE_SIZE;
    return i < pmm->npages && !bit_is_set(pmm, i);
}
