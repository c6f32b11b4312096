/*
 * mm's frame pool: a per-page reference count plus a bitmap of non-free
 * pages, so 4 KiB and 2 MiB searches skip 64 pages per word. Pure
 * bookkeeping (no libc, no libgcc), shared by mm and the host tests.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frames.h"

#define FRAMES_WORD_BITS 64u
#define FRAMES_2M_WORDS (FRAME_2M_PAGES / FRAMES_WORD_BITS)

static uint64_t frames_nwords(const struct frame_pool *p)
{
    return (p->npages + FRAMES_WORD_BITS - 1) / FRAMES_WORD_BITS;
}

/* Index of the lowest set bit of x (x != 0). A binary search rather than
 * __builtin_ctzll, which may become a call into libgcc that mm does not
 * link. */
static unsigned frames_low_bit(uint64_t x)
{
    unsigned n = 0;
    if ((x & 0xffffffffull) == 0) {
        n += 32;
        x >>= 32;
    }
    if ((x & 0xffffull) == 0) {
        n += 16;
        x >>= 16;
    }
    if ((x & 0xffull) == 0) {
        n += 8;
        x >>= 8;
    }
    if ((x & 0xfull) == 0) {
        n += 4;
        x >>= 4;
    }
    if ((x & 0x3ull) == 0) {
        n += 2;
        x >>= 2;
    }
    if ((x & 0x1ull) == 0)
        n += 1;
    return n;
}

static bool frames_bit(const struct frame_pool *p, uint64_t i)
{
    return (p->used[i / FRAMES_WORD_BITS] >> (i % FRAMES_WORD_BITS)) & 1u;
}

/* Gives a free page its first reference. Count, bitmap bit and nfree change
 * together here and in frames_unref's last drop, nowhere else, so the
 * invariant of frames.h holds between any two calls. */
static void frames_take(struct frame_pool *p, uint64_t i)
{
    p->refs[i] = 1;
    p->used[i / FRAMES_WORD_BITS] |= 1ull << (i % FRAMES_WORD_BITS);
    p->nfree--;
}

/* Page index of pa, or E_INVAL when pa is unaligned or outside the pool.
 * Works on the offset from base_pa so a pool ending at the top of the
 * address space cannot overflow. */
static err_t frames_index(const struct frame_pool *p, uint64_t pa, uint64_t *idx)
{
    if ((pa & (FRAME_SIZE - 1)) != 0 || pa < p->base_pa)
        return E_INVAL;
    uint64_t i = (pa - p->base_pa) / FRAME_SIZE;
    if (i >= p->npages)
        return E_INVAL;
    *idx = i;
    return E_OK;
}

void frames_init(struct frame_pool *p, uint64_t base_pa, uint64_t npages, uint16_t *refs,
                 uint64_t *used)
{
    p->base_pa = base_pa;
    p->npages = npages;
    p->refs = refs;
    p->used = used;
    p->nfree = npages;
    p->hint = 0;
    /* Plain loops: the caller's memory may hold anything, and memset is not
     * available (and -fno-tree-loop-distribute-patterns keeps gcc from
     * inventing a call to it). */
    for (uint64_t i = 0; i < npages; i++)
        refs[i] = 0;
    uint64_t nwords = frames_nwords(p);
    for (uint64_t w = 0; w < nwords; w++)
        used[w] = 0;
    /* The bits past the last page in the final word are not pages; setting
     * them makes the searches treat them as taken, so they never need a
     * bounds check and a full pool really is all-ones words. */
    if (npages % FRAMES_WORD_BITS != 0)
        used[nwords - 1] = ~0ull << (npages % FRAMES_WORD_BITS);
}

void frames_reserve(struct frame_pool *p, uint64_t pa, uint64_t len)
{
    if (len == 0 || p->npages == 0)
        return;
    /* Inclusive last byte, saturating: a range running past the top of the
     * address space is clipped rather than wrapped around to 0. */
    uint64_t last = pa + (len - 1);
    if (last < pa)
        last = UINT64_MAX;
    if (last < p->base_pa)
        return;
    uint64_t first_i = pa < p->base_pa ? 0 : (pa - p->base_pa) / FRAME_SIZE;
    uint64_t last_i = (last - p->base_pa) / FRAME_SIZE;
    if (first_i >= p->npages)
        return;
    if (last_i >= p->npages)
        last_i = p->npages - 1;
    /* A page already in use keeps its count: reserving twice (or reserving
     * an allocated page) must not count it twice. */
    for (uint64_t i = first_i; i <= last_i; i++)
        if (p->refs[i] == 0)
            frames_take(p, i);
}

err_t frames_alloc(struct frame_pool *p, uint64_t *pa)
{
    if (p->nfree == 0)
        return E_NOMEM;
    uint64_t nwords = frames_nwords(p);
    uint64_t start = p->hint < p->npages ? p->hint : 0;
    uint64_t w0 = start / FRAMES_WORD_BITS;
    uint64_t low = ~0ull << (start % FRAMES_WORD_BITS); /* bits >= start in w0 */
    /* Next fit: from start to the end, then wrap around; the start word is
     * visited twice, first its bits >= start, last its bits below. The
     * search only looks at words, so a full stretch costs one load per 64
     * pages. */
    for (uint64_t k = 0; k <= nwords; k++) {
        uint64_t w = (w0 + k) % nwords;
        uint64_t free_bits = ~p->used[w];
        if (k == 0)
            free_bits &= low;
        else if (k == nwords)
            free_bits &= ~low;
        if (free_bits == 0)
            continue;
        uint64_t i = w * FRAMES_WORD_BITS + frames_low_bit(free_bits);
        frames_take(p, i);
        p->hint = i + 1 < p->npages ? i + 1 : 0;
        *pa = p->base_pa + i * FRAME_SIZE;
        return E_OK;
    }
    /* Unreachable while nfree matches the bitmap; refusing is the safe
     * answer if it ever does not. */
    return E_NOMEM;
}

/* True when the 512 pages from index i are all free. */
static bool frames_run_free(const struct frame_pool *p, uint64_t i)
{
    if (i % FRAMES_WORD_BITS == 0) {
        const uint64_t *w = &p->used[i / FRAMES_WORD_BITS];
        for (uint64_t k = 0; k < FRAMES_2M_WORDS; k++)
            if (w[k] != 0)
                return false;
        return true;
    }
    for (uint64_t k = 0; k < FRAME_2M_PAGES; k++)
        if (frames_bit(p, i + k))
            return false;
    return true;
}

err_t frames_alloc_2m(struct frame_pool *p, uint64_t *pa)
{
    if (p->nfree < FRAME_2M_PAGES)
        return E_NOMEM;
    /* base_pa need not be 2 MiB aligned: the first candidate is the first
     * page whose physical address is, and candidates follow every 512. */
    uint64_t off = (p->base_pa / FRAME_SIZE) % FRAME_2M_PAGES;
    uint64_t first = off == 0 ? 0 : FRAME_2M_PAGES - off;
    for (uint64_t i = first; i < p->npages && p->npages - i >= FRAME_2M_PAGES;
         i += FRAME_2M_PAGES) {
        if (!frames_run_free(p, i))
            continue;
        for (uint64_t k = 0; k < FRAME_2M_PAGES; k++)
            frames_take(p, i + k);
        *pa = p->base_pa + i * FRAME_SIZE;
        return E_OK;
    }
    return E_NOMEM;
}

err_t frames_ref(struct frame_pool *p, uint64_t pa)
{
    uint64_t i;
    if (frames_index(p, pa, &i) != E_OK)
        return E_INVAL;
    /* A free page has no owner to share it: a reference to it is a bug in
     * the caller, not a way to allocate. */
    if (p->refs[i] == 0)
        return E_INVAL;
    if (p->refs[i] == FRAME_REF_MAX)
        return E_RANGE;
    p->refs[i]++;
    return E_OK;
}

int32_t frames_unref(struct frame_pool *p, uint64_t pa)
{
    uint64_t i;
    if (frames_index(p, pa, &i) != E_OK)
        return E_INVAL;
    if (p->refs[i] == 0)
        return E_INVAL;
    p->refs[i]--;
    if (p->refs[i] == 0) {
        p->used[i / FRAMES_WORD_BITS] &= ~(1ull << (i % FRAMES_WORD_BITS));
        p->nfree++;
    }
    return (int32_t)p->refs[i];
}

uint16_t frames_count(const struct frame_pool *p, uint64_t pa)
{
    if (!frames_contains(p, pa))
        return 0;
    return p->refs[(pa - p->base_pa) / FRAME_SIZE];
}

bool frames_contains(const struct frame_pool *p, uint64_t pa)
{
    return pa >= p->base_pa && (pa - p->base_pa) / FRAME_SIZE < p->npages;
}
