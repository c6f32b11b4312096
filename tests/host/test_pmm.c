/*
 * Host tests for the bitmap page allocator (kernel/core/pmm.c): init,
 * release/reserve rounding and clipping (wrapping ranges included), single
 * and aligned contiguous allocation, every pmm_free error path, and a
 * randomized run checked page by page against a bool-array model.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <kernel/pmm.h>

#include "check.h"

#define PG PMM_PAGE_SIZE

/* Big enough for every span used below (words of 64 pages). */
static uint64_t bitmap[64];

static uint64_t span_end(const struct pmm *p)
{
    return p->base + p->npages * PG;
}

/* Number of pages of the span for which pmm_is_free() is true. */
static uint64_t count_free(const struct pmm *p)
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < p->npages; i++)
        n += pmm_is_free(p, p->base + i * PG);
    return n;
}

/* Sets up a span with every page free. */
static void init_all_free(struct pmm *p, paddr_t base, uint64_t npages)
{
    pmm_init(p, base, npages, bitmap);
    pmm_release(p, base, npages * PG);
}

static void test_init(void)
{
    struct pmm p;
    /* A clear bitmap before init: init itself must mark everything used. */
    memset(bitmap, 0, sizeof bitmap);
    pmm_init(&p, 0x80000000, 100, bitmap);
    CHECK_EQ_U64(p.base, 0x80000000);
    CHECK_EQ_U64(p.npages, 100);
    CHECK_EQ_U64(p.nfree, 0);
    CHECK_EQ_U64(count_free(&p), 0);
    paddr_t pa = 0x1234;
    CHECK_EQ_U64(pmm_alloc(&p, 1, 1, &pa), E_NOMEM);
    CHECK_EQ_U64(pa, 0x1234); /* untouched on failure */
    CHECK_EQ_U64(pmm_alloc(&p, 4, 4, &pa), E_NOMEM);
    CHECK_EQ_U64(pmm_bitmap_len(0), 0);
    CHECK_EQ_U64(pmm_bitmap_len(1), 8);
    CHECK_EQ_U64(pmm_bitmap_len(64), 8);
    CHECK_EQ_U64(pmm_bitmap_len(65), 16);
}

static void test_release_reserve_rounding(void)
{
    struct pmm p;
    const paddr_t B = 0x80000000;
    pmm_init(&p, B, 16, bitmap);

    /* [B+0x800, B+0x2800): only page 1 is whole inside. */
    pmm_release(&p, B + 0x800, 0x2000);
    CHECK_EQ_U64(p.nfree, 1);
    CHECK(!pmm_is_free(&p, B));
    CHECK(pmm_is_free(&p, B + 0x1000));
    CHECK(pmm_is_free(&p, B + 0x1fff)); /* any address inside the page */
    CHECK(!pmm_is_free(&p, B + 0x2000));

    /* Less than a page, or a page-sized range straddling two pages: nothing. */
    pmm_release(&p, B + 0x3000, 0xfff);
    pmm_release(&p, B + 0x4800, 0x1000);
    pmm_release(&p, B + 0x6000, 0);
    CHECK_EQ_U64(p.nfree, 1);
    CHECK_EQ_U64(count_free(&p), 1);

    /* Releasing an already free page does not count it twice. */
    pmm_release(&p, B + 0x1000, 0x1000);
    CHECK_EQ_U64(p.nfree, 1);

    /* Reserve rounds outward: [B+0x1800, B+0x3001) touches pages 1, 2, 3
     * (one byte of page 3). */
    pmm_release(&p, B, 16 * PG);
    CHECK_EQ_U64(p.nfree, 16);
    pmm_reserve(&p, B + 0x1800, 0x1801);
    CHECK_EQ_U64(p.nfree, 13);
    CHECK(pmm_is_free(&p, B));
    CHECK(!pmm_is_free(&p, B + 0x1000));
    CHECK(!pmm_is_free(&p, B + 0x2000));
    CHECK(!pmm_is_free(&p, B + 0x3000));
    CHECK(pmm_is_free(&p, B + 0x4000));

    /* One byte reserves its whole page; len 0 reserves nothing. */
    pmm_reserve(&p, B + 0x5fff, 1);
    CHECK_EQ_U64(p.nfree, 12);
    CHECK(!pmm_is_free(&p, B + 0x5000));
    pmm_reserve(&p, B + 0x7000, 0);
    CHECK_EQ_U64(p.nfree, 12);
    CHECK(pmm_is_free(&p, B + 0x7000));

    /* Reserving a used page does not count it twice. */
    pmm_reserve(&p, B + 0x1000, 0x1000);
    CHECK_EQ_U64(p.nfree, 12);
    CHECK_EQ_U64(count_free(&p), 12);
}

static void test_clipping(void)
{
    struct pmm p;
    const paddr_t B = 0x80000000;
    pmm_init(&p, B, 16, bitmap);
    const paddr_t E = span_end(&p); /* B + 0x10000 */

    /* Starts 3 pages below the span, ends 2 pages into it. */
    pmm_release(&p, B - 0x3000, 0x5000);
    CHECK_EQ_U64(p.nfree, 2);
    CHECK(pmm_is_free(&p, B));
    CHECK(pmm_is_free(&p, B + 0x1000));
    CHECK(!pmm_is_free(&p, B + 0x2000));

    /* Starts 2 pages before the end, runs far past it. */
    pmm_release(&p, E - 0x2000, 0x100000);
    CHECK_EQ_U64(p.nfree, 4);
    CHECK(pmm_is_free(&p, E - 0x2000));
    CHECK(pmm_is_free(&p, E - 0x1000));
    CHECK(!pmm_is_free(&p, E)); /* outside the span: never free */
    CHECK(!pmm_is_free(&p, B - 0x1000));

    /* Wholly outside, below and above, touching the edges. */
    pmm_release(&p, B - 0x10000, 0x10000);
    pmm_release(&p, E, 0x10000);
    pmm_release(&p, 0, 0x1000);
    CHECK_EQ_U64(p.nfree, 4);
    CHECK_EQ_U64(count_free(&p), 4);

    /* Covering the whole span and more on both sides. */
    pmm_release(&p, B - 0x800, 16 * PG + 0x1000);
    CHECK_EQ_U64(p.nfree, 16);

    /* Reserve, clipped: partial page below the span reserves page 0 only. */
    pmm_reserve(&p, B - 0x800, 0x1000);
    CHECK_EQ_U64(p.nfree, 15);
    CHECK(!pmm_is_free(&p, B));
    CHECK(pmm_is_free(&p, B + 0x1000));
    pmm_reserve(&p, E - 0x800, 0x100000);
    CHECK_EQ_U64(p.nfree, 14);
    CHECK(!pmm_is_free(&p, E - 0x1000));
    pmm_reserve(&p, E, 0x10000);         /* starts exactly at the end */
    pmm_reserve(&p, B - 0x1000, 0x1000); /* ends exactly at the base */
    CHECK_EQ_U64(p.nfree, 14);
    CHECK_EQ_U64(count_free(&p), 14);
}

/* pa + len overflowing 64 bits: documented as clamped to the top of the
 * address space, so it must act like [pa, 2^64). */
static void test_wrap(void)
{
    struct pmm p;
    const paddr_t B = 0x80000000;
    pmm_init(&p, B, 16, bitmap);

    /* Starts inside the span: everything from page 2 up is released. */
    pmm_release(&p, B + 0x2000, UINT64_MAX);
    CHECK_EQ_U64(p.nfree, 14);
    CHECK(!pmm_is_free(&p, B + 0x1000));
    CHECK(pmm_is_free(&p, B + 0x2000));
    CHECK(pmm_is_free(&p, B + 0xf000));

    /* Starts above the span and wraps round to below its base: the range
     * [pa, 2^64) does not touch the span. */
    pmm_reserve(&p, 0xfffffffffffff000, 0x80001000);
    pmm_reserve(&p, 0xffffffff00000000, 0x100000000ul + B + 0x8000);
    CHECK_EQ_U64(p.nfree, 14);
    pmm_release(&p, 0xfffffffffffff000, 0x80005000);
    CHECK_EQ_U64(p.nfree, 14);
    CHECK(!pmm_is_free(&p, B));

    /* Starts below the span, wraps: clamps to the top, covers the span. */
    pmm_release(&p, 0x1000, UINT64_MAX - 0x10);
    CHECK_EQ_U64(p.nfree, 16);

    /* Reserve wrapping from mid-page 5: pages 5..15 used. */
    pmm_reserve(&p, B + 0x5800, UINT64_MAX);
    CHECK_EQ_U64(p.nfree, 5);
    CHECK(pmm_is_free(&p, B + 0x4000));
    CHECK(!pmm_is_free(&p, B + 0x5000));
    CHECK(!pmm_is_free(&p, B + 0xf000));
    CHECK_EQ_U64(count_free(&p), 5);
}

/* 100 pages: not a multiple of 64, so the last bitmap word has tail bits. */
static void test_alloc_all(void)
{
    struct pmm p;
    const paddr_t B = 0x80000000;
    enum { N = 100 };
    init_all_free(&p, B, N);
    CHECK_EQ_U64(p.nfree, N);

    bool seen[N] = {0};
    bool all_ok = true;
    for (int k = 0; k < N; k++) {
        paddr_t pa = 0;
        if (pmm_alloc(&p, 1, 1, &pa) != E_OK || pa < B || pa >= B + N * PG ||
            pa % PG != 0 || seen[(pa - B) / PG] || pmm_is_free(&p, pa)) {
            all_ok = false;
            fprintf(stderr, "alloc %d: pa 0x%lx\n", k, (unsigned long)pa);
            break;
        }
        seen[(pa - B) / PG] = true;
    }
    CHECK(all_ok);
    CHECK_EQ_U64(p.nfree, 0);
    paddr_t pa = 0;
    CHECK_EQ_U64(pmm_alloc(&p, 1, 1, &pa), E_NOMEM);
    CHECK_EQ_U64(pmm_alloc(&p, 1, 1, &pa), E_NOMEM);
    CHECK_EQ_U64(count_free(&p), 0);

    /* Free + realloc: with one free page anywhere, the next-fit scan must
     * wrap round to find it, whatever its hint. */
    static const uint64_t idx[] = {37, 0, 99, 63, 64, 1};
    for (unsigned k = 0; k < ARRAY_LEN(idx); k++) {
        CHECK_EQ_U64(pmm_free(&p, B + idx[k] * PG, 1), E_OK);
        CHECK_EQ_U64(p.nfree, 1);
        CHECK(pmm_is_free(&p, B + idx[k] * PG));
        CHECK_EQ_U64(pmm_alloc(&p, 1, 1, &pa), E_OK);
        CHECK_EQ_U64(pa, B + idx[k] * PG);
        CHECK_EQ_U64(p.nfree, 0);
    }

    /* A run of 3 freed, then reallocated as one contiguous block. */
    CHECK_EQ_U64(pmm_free(&p, B + 10 * PG, 1), E_OK);
    CHECK_EQ_U64(pmm_free(&p, B + 11 * PG, 1), E_OK);
    CHECK_EQ_U64(pmm_free(&p, B + 12 * PG, 1), E_OK);
    CHECK_EQ_U64(pmm_alloc(&p, 4, 1, &pa), E_NOMEM);
    CHECK_EQ_U64(pmm_alloc(&p, 3, 1, &pa), E_OK);
    CHECK_EQ_U64(pa, B + 10 * PG);
    CHECK_EQ_U64(p.nfree, 0);
}

static void test_free_errors(void)
{
    struct pmm p;
    const paddr_t B = 0x80000000;
    init_all_free(&p, B, 32);
    paddr_t pa;

    /* Double free: E_INVAL, nothing changes. */
    CHECK_EQ_U64(pmm_alloc(&p, 1, 1, &pa), E_OK);
    CHECK_EQ_U64(pa, B);
    CHECK_EQ_U64(pmm_free(&p, pa, 1), E_OK);
    CHECK_EQ_U64(p.nfree, 32);
    CHECK_EQ_U64(pmm_free(&p, pa, 1), E_INVAL);
    CHECK_EQ_U64(p.nfree, 32);
    CHECK_EQ_U64(count_free(&p), 32);

    /* Range partly free: 4 pages allocated, the second one freed, then the
     * 4 freed together -> E_INVAL and pages 0, 2, 3 stay allocated. */
    paddr_t run;
    CHECK_EQ_U64(pmm_alloc(&p, 4, 4, &run), E_OK);
    CHECK_EQ_U64(run, B);
    CHECK_EQ_U64(pmm_free(&p, run + PG, 1), E_OK);
    CHECK_EQ_U64(p.nfree, 29);
    CHECK_EQ_U64(pmm_free(&p, run, 4), E_INVAL);
    CHECK_EQ_U64(p.nfree, 29);
    CHECK(!pmm_is_free(&p, run));
    CHECK(pmm_is_free(&p, run + PG));
    CHECK(!pmm_is_free(&p, run + 2 * PG));
    CHECK(!pmm_is_free(&p, run + 3 * PG));
    /* The free page being the last one of the range is caught too. */
    CHECK_EQ_U64(pmm_free(&p, run + 2 * PG, 2), E_OK);
    CHECK_EQ_U64(p.nfree, 31);
    CHECK_EQ_U64(pmm_free(&p, run, 2), E_INVAL);
    CHECK_EQ_U64(p.nfree, 31);
    CHECK(!pmm_is_free(&p, run));

    /* Reserve everything, so only the argument checks can fail. */
    pmm_reserve(&p, B, 32 * PG);
    CHECK_EQ_U64(p.nfree, 0);
    CHECK_EQ_U64(pmm_free(&p, B + 1, 1), E_INVAL);        /* unaligned */
    CHECK_EQ_U64(pmm_free(&p, B + 0x800, 1), E_INVAL);    /* unaligned */
    CHECK_EQ_U64(pmm_free(&p, B - PG, 1), E_INVAL);       /* below */
    CHECK_EQ_U64(pmm_free(&p, B - PG, 2), E_INVAL);       /* straddles base */
    CHECK_EQ_U64(pmm_free(&p, B + 32 * PG, 1), E_INVAL);  /* at the end */
    CHECK_EQ_U64(pmm_free(&p, B + 31 * PG, 2), E_INVAL);  /* past the end */
    CHECK_EQ_U64(pmm_free(&p, B, 33), E_INVAL);
    CHECK_EQ_U64(pmm_free(&p, B, 0), E_INVAL);
    /* first + npages overflowing must not pass the bounds check. */
    CHECK_EQ_U64(pmm_free(&p, B + PG, UINT64_MAX), E_INVAL);
    CHECK_EQ_U64(pmm_free(&p, 0xfffffffffffff000, 1), E_INVAL);
    CHECK_EQ_U64(pmm_free(&p, 0, 1), E_INVAL);
    CHECK_EQ_U64(p.nfree, 0);
    CHECK_EQ_U64(count_free(&p), 0);
    /* The whole span at once is valid. */
    CHECK_EQ_U64(pmm_free(&p, B, 32), E_OK);
    CHECK_EQ_U64(p.nfree, 32);
}

/* Alignment is of the physical address, not of the page index. */
static void test_aligned(void)
{
    struct pmm p;
    const paddr_t B = 0x80201000; /* 4 KiB past a 2 MiB boundary */
    enum { N = 2048 };            /* 8 MiB: ends at 0x80a01000 */
    init_all_free(&p, B, N);
    paddr_t pa = 0;

    CHECK_EQ_U64(pmm_alloc(&p, 512, 512, &pa), E_OK);
    CHECK_EQ_U64(pa, 0x80400000);
    CHECK_EQ_U64(p.nfree, N - 512);
    CHECK(!pmm_is_free(&p, 0x80400000));
    CHECK(!pmm_is_free(&p, 0x805ff000));
    CHECK(pmm_is_free(&p, 0x803ff000));
    CHECK(pmm_is_free(&p, 0x80600000));
    CHECK_EQ_U64(pmm_alloc(&p, 512, 512, &pa), E_OK);
    CHECK_EQ_U64(pa, 0x80600000);
    CHECK_EQ_U64(pmm_alloc(&p, 512, 512, &pa), E_OK);
    CHECK_EQ_U64(pa, 0x80800000); /* ends at 0x80a00000, inside the span */
    /* 0x80a00000 + 2 MiB is past the end, [B, 0x80400000) is not aligned:
     * 511 + 1 free pages but no aligned run. */
    CHECK_EQ_U64(p.nfree, 512);
    CHECK_EQ_U64(pmm_alloc(&p, 512, 512, &pa), E_NOMEM);
    CHECK_EQ_U64(pmm_alloc(&p, 2, 512, &pa), E_NOMEM);
    CHECK_EQ_U64(p.nfree, 512);
    /* A single page at 2 MiB alignment still fits at 0x80a00000. */
    CHECK_EQ_U64(pmm_alloc(&p, 1, 512, &pa), E_OK);
    CHECK_EQ_U64(pa, 0x80a00000);

    /* Smaller alignments on the unaligned base. */
    CHECK_EQ_U64(pmm_alloc(&p, 1, 2, &pa), E_OK);
    CHECK_EQ_U64(pa, 0x80202000);
    /* Lowest run of 3: the page at B alone is too short. */
    CHECK_EQ_U64(pmm_alloc(&p, 3, 1, &pa), E_OK);
    CHECK_EQ_U64(pa, 0x80203000);
    CHECK_EQ_U64(pmm_alloc(&p, 4, 8, &pa), E_OK);
    CHECK_EQ_U64(pa, 0x80208000);
    CHECK_EQ_U64(pmm_alloc(&p, 2, 1, &pa), E_OK);
    CHECK_EQ_U64(pa, 0x80206000);
    CHECK(pmm_is_free(&p, 0x80201000));
    CHECK_EQ_U64(p.nfree, 511 - 1 - 3 - 4 - 2);

    /* Freeing one 2 MiB block makes it allocatable again. */
    CHECK_EQ_U64(pmm_free(&p, 0x80600000, 512), E_OK);
    CHECK_EQ_U64(pmm_alloc(&p, 512, 512, &pa), E_OK);
    CHECK_EQ_U64(pa, 0x80600000);

    /* Bad arguments: E_INVAL, no change, *out untouched. */
    uint64_t before = p.nfree;
    pa = 0x5a5a;
    CHECK_EQ_U64(pmm_alloc(&p, 0, 1, &pa), E_INVAL);
    CHECK_EQ_U64(pmm_alloc(&p, 1, 0, &pa), E_INVAL);
    CHECK_EQ_U64(pmm_alloc(&p, 1, 3, &pa), E_INVAL);
    CHECK_EQ_U64(pmm_alloc(&p, 1, 6, &pa), E_INVAL);
    CHECK_EQ_U64(pmm_alloc(&p, 2, 511, &pa), E_INVAL);
    CHECK_EQ_U64(pmm_alloc(&p, 1, (1ul << 63) | 1, &pa), E_INVAL);
    CHECK_EQ_U64(pa, 0x5a5a);
    CHECK_EQ_U64(p.nfree, before);

    /* Absurd sizes / alignments: E_NOMEM, no hang. align_pages * 4 KiB
     * overflows to 0 for 2^52 and up. */
    CHECK_EQ_U64(pmm_alloc(&p, UINT64_MAX, 1, &pa), E_NOMEM);
    CHECK_EQ_U64(pmm_alloc(&p, 1, 1ul << 40, &pa), E_NOMEM);
    CHECK_EQ_U64(pmm_alloc(&p, 1, 1ul << 51, &pa), E_NOMEM);
    CHECK_EQ_U64(pmm_alloc(&p, 1, 1ul << 52, &pa), E_NOMEM);
    CHECK_EQ_U64(pmm_alloc(&p, 1, 1ul << 63, &pa), E_NOMEM);
    CHECK_EQ_U64(p.nfree, before);
}

static void test_fragmentation(void)
{
    struct pmm p;
    const paddr_t B = 0x80000000; /* 2 MiB aligned: index parity = pa parity */
    enum { N = 64 };
    init_all_free(&p, B, N);
    paddr_t pa;
    for (int i = 0; i < N; i++)
        CHECK_EQ_U64(pmm_alloc(&p, 1, 1, &pa), E_OK);
    /* Free every odd page: 32 free pages, no two adjacent, none 8 KiB
     * aligned. */
    for (int i = 1; i < N; i += 2)
        CHECK_EQ_U64(pmm_free(&p, B + (uint64_t)i * PG, 1), E_OK);
    CHECK_EQ_U64(p.nfree, 32);
    pa = 0x77;
    CHECK_EQ_U64(pmm_alloc(&p, 2, 1, &pa), E_NOMEM);
    CHECK_EQ_U64(pmm_alloc(&p, 1, 2, &pa), E_NOMEM);
    CHECK_EQ_U64(pmm_alloc(&p, 32, 1, &pa), E_NOMEM);
    CHECK_EQ_U64(pa, 0x77);
    CHECK_EQ_U64(p.nfree, 32);
    CHECK_EQ_U64(pmm_alloc(&p, 1, 1, &pa), E_OK);
    CHECK_EQ_U64((pa - B) / PG % 2, 1);
    CHECK_EQ_U64(p.nfree, 31);
}

/* ---- randomized test against a model ---------------------------------- */

#define R_BASE 0x80201000ul /* not 2 MiB aligned */
#define R_N 1500            /* not a multiple of 64 */
#define R_OPS 10000

static bool model[R_N]; /* true = in use */

static uint64_t rnd_below(uint64_t n)
{
    return check_rand() % n;
}

static uint64_t model_nfree(void)
{
    uint64_t n = 0;
    for (int i = 0; i < R_N; i++)
        n += !model[i];
    return n;
}

static bool model_matches(const struct pmm *p)
{
    if (p->nfree != model_nfree())
        return false;
    for (int i = 0; i < R_N; i++)
        if (pmm_is_free(p, R_BASE + (uint64_t)i * PG) != !model[i])
            return false;
    return true;
}

/* Page i's bytes [s, s + PG) against [pa, pa + len) computed in 128 bits,
 * i.e. a wrapping range really extends past 2^64. */
static void model_release(uint64_t pa, uint64_t len)
{
    unsigned __int128 lo = pa, hi = (unsigned __int128)pa + len;
    for (int i = 0; i < R_N; i++) {
        unsigned __int128 s = R_BASE + (uint64_t)i * PG;
        if (s >= lo && s + PG <= hi)
            model[i] = false;
    }
}

static void model_reserve(uint64_t pa, uint64_t len)
{
    unsigned __int128 lo = pa, hi = (unsigned __int128)pa + len;
    for (int i = 0; i < R_N; i++) {
        unsigned __int128 s = R_BASE + (uint64_t)i * PG;
        if (s < hi && lo < s + PG)
            model[i] = true;
    }
}

/* Lowest aligned free run, or -1. */
static int64_t model_find(uint64_t n, uint64_t align)
{
    uint64_t a = align * PG;
    for (uint64_t pa = (R_BASE + a - 1) / a * a;; pa += a) {
        uint64_t i = (pa - R_BASE) / PG;
        if (i + n > R_N)
            return -1;
        bool ok = true;
        for (uint64_t j = i; j < i + n && ok; j++)
            ok = !model[j];
        if (ok)
            return (int64_t)i;
    }
}

/* An address near the span (a few pages either side), byte granular; now
 * and then far away. */
static uint64_t rnd_addr(void)
{
    switch (rnd_below(8)) {
    case 0:
        return check_rand();
    case 1:
        return UINT64_MAX - rnd_below(0x10000);
    default:
        return R_BASE - 8 * PG + rnd_below((R_N + 16) * PG);
    }
}

static uint64_t rnd_len(void)
{
    switch (rnd_below(10)) {
    case 0:
        return UINT64_MAX - rnd_below(0x10000); /* wraps */
    case 1:
        return rnd_below(2 * PG);
    default:
        return rnd_below(64 * PG);
    }
}

struct alloc_rec {
    uint64_t pa, n;
};

static void test_random(void)
{
    static struct alloc_rec live[R_OPS];
    unsigned nlive = 0;
    struct pmm p;
    static uint64_t big_bitmap[(R_N + 63) / 64];
    pmm_init(&p, R_BASE, R_N, big_bitmap);
    for (int i = 0; i < R_N; i++)
        model[i] = true;
    /* Start mostly free, with a few holes. */
    pmm_release(&p, R_BASE, R_N * PG);
    model_release(R_BASE, R_N * PG);
    pmm_reserve(&p, R_BASE + 100 * PG, 7 * PG + 1);
    model_reserve(R_BASE + 100 * PG, 7 * PG + 1);

    static const uint64_t aligns[] = {1, 1, 1, 2, 4, 8, 16, 64, 512};
    int bad_ops = 0, nok = 0, nomem = 0, inval = 0;
    for (int op = 0; op < R_OPS && bad_ops < 10; op++) {
        bool ok = true;
        uint64_t kind = rnd_below(100);
        if (kind < 40) { /* allocate */
            uint64_t n = rnd_below(4) == 0 ? 1 + rnd_below(40) : 1 + rnd_below(3);
            uint64_t align = aligns[rnd_below(ARRAY_LEN(aligns))];
            if (rnd_below(3) == 0)
                n = 1, align = 1; /* the single-page next-fit path */
            paddr_t pa = 0;
            err_t err = pmm_alloc(&p, n, align, &pa);
            if (n == 1 && align == 1) {
                /* Next fit: any free page is right. */
                if (model_nfree() == 0) {
                    ok = err == E_NOMEM;
                } else if (err != E_OK || pa < R_BASE || pa % PG ||
                           (pa - R_BASE) / PG >= R_N || model[(pa - R_BASE) / PG]) {
                    ok = false;
                }
            } else {
                /* Aligned scan: the lowest fitting run exactly. */
                int64_t want = model_find(n, align);
                if (want < 0)
                    ok = err == E_NOMEM;
                else
                    ok = err == E_OK && pa == R_BASE + (uint64_t)want * PG;
            }
            if (ok && err == E_OK) {
                for (uint64_t j = 0; j < n; j++)
                    model[(pa - R_BASE) / PG + j] = true;
                live[nlive++] = (struct alloc_rec){pa, n};
                nok++;
            } else if (err == E_NOMEM) {
                nomem++;
            }
            if (!ok)
                fprintf(stderr, "op %d: alloc(%lu, %lu) = %d, pa 0x%lx\n", op,
                        (unsigned long)n, (unsigned long)align, err,
                        (unsigned long)pa);
        } else if (kind < 85) { /* free a live block (or a random range) */
            uint64_t pa, n;
            if (kind < 75 && nlive > 0) {
                unsigned k = (unsigned)rnd_below(nlive);
                pa = live[k].pa;
                n = live[k].n;
                live[k] = live[--nlive];
                /* The block may since have been released page by page; the
                 * model decides. Sometimes free it twice. */
            } else {
                pa = rnd_below(4) ? ALIGN_DOWN(rnd_addr(), PG) : rnd_addr();
                n = rnd_below(8);
            }
            bool expect_ok = n != 0 && pa % PG == 0 && pa >= R_BASE &&
                             (pa - R_BASE) / PG < R_N &&
                             n <= R_N - (pa - R_BASE) / PG;
            for (uint64_t j = 0; expect_ok && j < n; j++)
                expect_ok = model[(pa - R_BASE) / PG + j];
            err_t err = pmm_free(&p, pa, n);
            ok = err == (expect_ok ? E_OK : E_INVAL);
            if (expect_ok)
                for (uint64_t j = 0; j < n; j++)
                    model[(pa - R_BASE) / PG + j] = false;
            else
                inval++;
            if (expect_ok && rnd_below(4) == 0) {
                ok = ok && pmm_free(&p, pa, n) == E_INVAL; /* double free */
                inval++;
            }
            if (!ok)
                fprintf(stderr, "op %d: free(0x%lx, %lu) = %d\n", op,
                        (unsigned long)pa, (unsigned long)n, err);
        } else if (kind < 92) {
            uint64_t pa = rnd_addr(), len = rnd_len();
            pmm_release(&p, pa, len);
            model_release(pa, len);
        } else {
            uint64_t pa = rnd_addr(), len = rnd_len();
            pmm_reserve(&p, pa, len);
            model_reserve(pa, len);
        }
        /* Spot checks of pmm_is_free, including far outside the span. */
        uint64_t q = rnd_addr();
        bool in = q >= R_BASE && (q - R_BASE) / PG < R_N;
        if (pmm_is_free(&p, q) != (in && !model[(q - R_BASE) / PG]))
            ok = false;
        if (!model_matches(&p)) {
            fprintf(stderr, "op %d: state differs from model (nfree %lu vs %lu)\n",
                    op, (unsigned long)p.nfree, (unsigned long)model_nfree());
            ok = false;
        }
        if (!ok)
            bad_ops++;
    }
    printf("random: %d allocs, %d E_NOMEM, %d E_INVAL\n", nok, nomem, inval);
    CHECK_EQ_U64(bad_ops, 0);
    /* The mix must actually exercise each outcome. */
    CHECK(nok > 500);
    CHECK(nomem > 50);
    CHECK(inval > 500);
    CHECK(model_matches(&p));
}

int main(void)
{
    test_init();
    test_release_reserve_rounding();
    test_clipping();
    test_wrap();
    test_alloc_all();
    test_free_errors();
    test_aligned();
    test_fragmentation();
    test_random();
    return check_finish("test_pmm");
}
