/*
 * Host tests for mm's frame pool (servers/mm/frames.c): init and reserve
 * clipping, exhaustive 4 KiB allocation, reference counts and their error
 * paths, 2 MiB runs over an unaligned base, a randomized run checked against
 * an array-of-counts model, and a fork/exit-like leak check.
 */
#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "frames.h"

#define PG FRAME_SIZE
#define RUN FRAME_2M_PAGES
#define MAXP 8192u

/* Storage for every pool below; frames_init must clear whatever is here. */
static uint16_t refs[MAXP];
static uint64_t used[(MAXP + 63) / 64];

static uint64_t pa_of(const struct frame_pool *p, uint64_t i)
{
    return p->base_pa + i * PG;
}

static uint64_t idx_of(const struct frame_pool *p, uint64_t pa)
{
    return (pa - p->base_pa) / PG;
}

static bool bit_of(const struct frame_pool *p, uint64_t i)
{
    return (p->used[i / 64] >> (i % 64)) & 1u;
}

/* Fills the storage with junk so a test sees whether init really clears. */
static void dirty_storage(void)
{
    for (uint64_t i = 0; i < MAXP; i++)
        refs[i] = (uint16_t)(i * 7 + 3);
    for (uint64_t w = 0; w < (MAXP + 63) / 64; w++)
        used[w] = 0x5555aaaa5555aaaaull;
}

/* Checks the frames.h invariant page by page: nfree is the number of zero
 * counts, and a page's bit is set exactly when its count is non-zero.
 * Returns whether it held, so callers can stop after the first failure. */
static bool invariant_ok(const struct frame_pool *p)
{
    uint64_t zeros = 0;
    bool ok = true;
    for (uint64_t i = 0; i < p->npages; i++) {
        if (p->refs[i] == 0)
            zeros++;
        if (bit_of(p, i) != (p->refs[i] != 0))
            ok = false;
    }
    return ok && zeros == p->nfree;
}

static void test_init(void)
{
    struct frame_pool p;
    dirty_storage();
    frames_init(&p, 0x80000000, 100, refs, used);
    CHECK_EQ_U64(p.base_pa, 0x80000000);
    CHECK_EQ_U64(p.npages, 100);
    CHECK_EQ_U64(frames_free_count(&p), 100);
    CHECK(invariant_ok(&p));
    for (uint64_t i = 0; i < 100; i++)
        CHECK_EQ_U64(frames_count(&p, pa_of(&p, i)), 0);
    CHECK(frames_contains(&p, 0x80000000));
    CHECK(frames_contains(&p, 0x80000000 + 100 * PG - 1));
    CHECK(!frames_contains(&p, 0x80000000 + 100 * PG));
    CHECK(!frames_contains(&p, 0x80000000 - 1));
    CHECK(!frames_contains(&p, 0));
    CHECK_EQ_U64(frames_refs_len(100), 200);
    CHECK_EQ_U64(frames_bitmap_len(0), 0);
    CHECK_EQ_U64(frames_bitmap_len(64), 8);
    CHECK_EQ_U64(frames_bitmap_len(65), 16);

    /* An empty pool: nothing to hand out, nothing inside. */
    frames_init(&p, 0x80000000, 0, refs, used);
    uint64_t pa = 0;
    CHECK_EQ_U64(frames_free_count(&p), 0);
    CHECK_EQ_U64(frames_alloc(&p, &pa), E_NOMEM);
    CHECK_EQ_U64(frames_alloc_2m(&p, &pa), E_NOMEM);
    CHECK(!frames_contains(&p, 0x80000000));
    CHECK_EQ_U64(frames_ref(&p, 0x80000000), E_INVAL);
    CHECK_EQ_U64(frames_unref(&p, 0x80000000), E_INVAL);
    frames_reserve(&p, 0, UINT64_MAX);
    CHECK_EQ_U64(frames_free_count(&p), 0);
}

static void test_reserve(void)
{
    struct frame_pool p;
    const uint64_t base = 0x80000000;
    dirty_storage();
    frames_init(&p, base, 100, refs, used);

    /* Starts before the pool: only pages 0 and 1 are in it. */
    frames_reserve(&p, base - 4 * PG, 6 * PG);
    CHECK_EQ_U64(frames_free_count(&p), 98);
    CHECK_EQ_U64(frames_count(&p, base), 1);
    CHECK_EQ_U64(frames_count(&p, base + PG), 1);
    CHECK_EQ_U64(frames_count(&p, base + 2 * PG), 0);

    /* Twice, and overlapping: counted once, count stays 1. */
    frames_reserve(&p, base, 2 * PG);
    frames_reserve(&p, base + PG, 2 * PG);
    CHECK_EQ_U64(frames_free_count(&p), 97);
    CHECK_EQ_U64(frames_count(&p, base + PG), 1);
    CHECK_EQ_U64(frames_count(&p, base + 2 * PG), 1);

    /* Unaligned ends round outward: 10 bytes inside page 5 take page 5,
     * 2 bytes straddling 7/8 take both. */
    frames_reserve(&p, base + 5 * PG + 100, 10);
    frames_reserve(&p, base + 8 * PG - 1, 2);
    CHECK_EQ_U64(frames_free_count(&p), 94);
    CHECK_EQ_U64(frames_count(&p, base + 4 * PG), 0);
    CHECK_EQ_U64(frames_count(&p, base + 5 * PG), 1);
    CHECK_EQ_U64(frames_count(&p, base + 6 * PG), 0);
    CHECK_EQ_U64(frames_count(&p, base + 7 * PG), 1);
    CHECK_EQ_U64(frames_count(&p, base + 8 * PG), 1);

    /* Runs past the end: only 98 and 99. Entirely outside, empty, or
     * wrapping past 2^64: nothing (no crash). */
    frames_reserve(&p, base + 98 * PG, 100 * PG);
    CHECK_EQ_U64(frames_free_count(&p), 92);
    CHECK_EQ_U64(frames_count(&p, base + 97 * PG), 0);
    CHECK_EQ_U64(frames_count(&p, base + 99 * PG), 1);
    frames_reserve(&p, base + 100 * PG, PG);
    frames_reserve(&p, 0, base);
    frames_reserve(&p, base + 50 * PG, 0);
    frames_reserve(&p, UINT64_MAX - PG, 16 * PG);
    CHECK_EQ_U64(frames_free_count(&p), 92);
    CHECK_EQ_U64(frames_count(&p, base + 50 * PG), 0);

    /* A reserved page is an ordinary reference: dropping it frees it. */
    CHECK_EQ_U64(frames_unref(&p, base + 5 * PG), 0);
    CHECK_EQ_U64(frames_free_count(&p), 93);
    CHECK(invariant_ok(&p));

    /* Reserving an allocated, shared page keeps its count. */
    CHECK_EQ_U64(frames_ref(&p, base + 7 * PG), E_OK);
    frames_reserve(&p, base + 7 * PG, PG);
    CHECK_EQ_U64(frames_count(&p, base + 7 * PG), 2);
    CHECK_EQ_U64(frames_free_count(&p), 93);

    /* Everything, from address 0 to the top: the whole pool. */
    frames_reserve(&p, 0, UINT64_MAX);
    CHECK_EQ_U64(frames_free_count(&p), 0);
    uint64_t pa;
    CHECK_EQ_U64(frames_alloc(&p, &pa), E_NOMEM);
    CHECK(invariant_ok(&p));
}

/* Every page one by one, for a pool whose size is and is not a multiple of
 * the bitmap word. */
static void alloc_all(uint64_t base, uint64_t n)
{
    struct frame_pool p;
    static bool seen[MAXP];
    dirty_storage();
    frames_init(&p, base, n, refs, used);
    for (uint64_t i = 0; i < n; i++)
        seen[i] = false;
    uint64_t bad = 0;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t pa = 0;
        if (frames_alloc(&p, &pa) != E_OK || !frames_contains(&p, pa) || pa % PG != 0 ||
            seen[idx_of(&p, pa)] || frames_count(&p, pa) != 1 ||
            frames_free_count(&p) != n - k - 1) {
            bad++;
            break;
        }
        seen[idx_of(&p, pa)] = true;
    }
    CHECK_EQ_U64(bad, 0);
    CHECK_EQ_U64(frames_free_count(&p), 0);
    uint64_t pa = 0;
    CHECK_EQ_U64(frames_alloc(&p, &pa), E_NOMEM);
    CHECK_EQ_U64(frames_alloc(&p, &pa), E_NOMEM);
    CHECK(invariant_ok(&p));

    /* One hole in the middle: the next alloc finds exactly it. */
    uint64_t mid = base + (n / 2) * PG;
    CHECK_EQ_U64(frames_unref(&p, mid), 0);
    CHECK_EQ_U64(frames_free_count(&p), 1);
    CHECK_EQ_U64(frames_alloc(&p, &pa), E_OK);
    CHECK_EQ_U64(pa, mid);
    CHECK_EQ_U64(frames_alloc(&p, &pa), E_NOMEM);

    /* Holes at both ends (first and last page, the last word's edge). */
    CHECK_EQ_U64(frames_unref(&p, base + (n - 1) * PG), 0);
    CHECK_EQ_U64(frames_alloc(&p, &pa), E_OK);
    CHECK_EQ_U64(pa, base + (n - 1) * PG);
    CHECK_EQ_U64(frames_unref(&p, base), 0);
    CHECK_EQ_U64(frames_alloc(&p, &pa), E_OK);
    CHECK_EQ_U64(pa, base);
    CHECK_EQ_U64(frames_free_count(&p), 0);
    CHECK(invariant_ok(&p));
}

static void test_alloc_all(void)
{
    alloc_all(0x80000000, 100);
    alloc_all(0x80000000, 128);
    alloc_all(0x80201000, 1);
    alloc_all(0x80201000, 3001);
    alloc_all(0x80000000, MAXP);
}

/* Next fit: a freed page is not reused before the search has gone round. */
static void test_next_fit(void)
{
    struct frame_pool p;
    const uint64_t base = 0x80000000;
    frames_init(&p, base, 200, refs, used);
    uint64_t a, b, c;
    CHECK_EQ_U64(frames_alloc(&p, &a), E_OK);
    CHECK_EQ_U64(frames_alloc(&p, &b), E_OK);
    CHECK_EQ_U64(a, base);
    CHECK_EQ_U64(b, base + PG);
    CHECK_EQ_U64(frames_unref(&p, a), 0);
    CHECK_EQ_U64(frames_alloc(&p, &c), E_OK);
    CHECK_EQ_U64(c, base + 2 * PG);

    /* Take the rest; the search wraps and finds page 0 last. */
    uint64_t pa = 0;
    for (uint64_t k = 3; k < 200; k++)
        if (frames_alloc(&p, &pa) != E_OK)
            break;
    CHECK_EQ_U64(pa, base + 199 * PG);
    CHECK_EQ_U64(frames_alloc(&p, &pa), E_OK);
    CHECK_EQ_U64(pa, base);
    CHECK_EQ_U64(frames_free_count(&p), 0);
}

static void test_refs(void)
{
    struct frame_pool p;
    const uint64_t base = 0x80000000;
    dirty_storage();
    frames_init(&p, base, 64, refs, used);
    uint64_t pa;
    CHECK_EQ_U64(frames_alloc(&p, &pa), E_OK);
    CHECK_EQ_U64(frames_free_count(&p), 63);

    CHECK_EQ_U64(frames_ref(&p, pa), E_OK);
    CHECK_EQ_U64(frames_ref(&p, pa), E_OK);
    CHECK_EQ_U64(frames_ref(&p, pa), E_OK);
    CHECK_EQ_U64(frames_count(&p, pa), 4);
    CHECK_EQ_U64(frames_count(&p, pa + 123), 4); /* the page containing pa */
    CHECK_EQ_U64(frames_unref(&p, pa), 3);
    CHECK_EQ_U64(frames_unref(&p, pa), 2);
    CHECK_EQ_U64(frames_free_count(&p), 63);
    CHECK_EQ_U64(frames_unref(&p, pa), 1);
    CHECK_EQ_U64(frames_unref(&p, pa), 0);
    CHECK_EQ_U64(frames_free_count(&p), 64);
    CHECK_EQ_U64(frames_count(&p, pa), 0);
    CHECK(!bit_of(&p, idx_of(&p, pa)));

    /* Double free and ref of a free page are refused, nothing changes. */
    CHECK_EQ_U64(frames_unref(&p, pa), E_INVAL);
    CHECK_EQ_U64(frames_ref(&p, pa), E_INVAL);
    CHECK_EQ_U64(frames_free_count(&p), 64);
    CHECK_EQ_U64(frames_count(&p, pa), 0);
    CHECK(invariant_ok(&p));

    /* Unaligned or outside addresses, on a page that is in use. */
    CHECK_EQ_U64(frames_alloc(&p, &pa), E_OK);
    CHECK_EQ_U64(frames_ref(&p, pa + 1), E_INVAL);
    CHECK_EQ_U64(frames_ref(&p, pa + PG - 1), E_INVAL);
    CHECK_EQ_U64(frames_unref(&p, pa + 8), E_INVAL);
    CHECK_EQ_U64(frames_ref(&p, base - PG), E_INVAL);
    CHECK_EQ_U64(frames_ref(&p, base + 64 * PG), E_INVAL);
    CHECK_EQ_U64(frames_unref(&p, base - PG), E_INVAL);
    CHECK_EQ_U64(frames_unref(&p, base + 64 * PG), E_INVAL);
    CHECK_EQ_U64(frames_ref(&p, 0), E_INVAL);
    CHECK_EQ_U64(frames_unref(&p, UINT64_MAX & ~(PG - 1)), E_INVAL);
    CHECK_EQ_U64(frames_count(&p, pa), 1);
    CHECK_EQ_U64(frames_count(&p, base - PG), 0);
    CHECK_EQ_U64(frames_count(&p, base + 64 * PG), 0);
    CHECK_EQ_U64(frames_free_count(&p), 63);

    /* Up to the limit, then E_RANGE with the count unchanged. */
    uint64_t fails = 0;
    for (uint32_t c = 1; c < FRAME_REF_MAX; c++)
        if (frames_ref(&p, pa) != E_OK)
            fails++;
    CHECK_EQ_U64(fails, 0);
    CHECK_EQ_U64(frames_count(&p, pa), FRAME_REF_MAX);
    CHECK_EQ_U64(frames_ref(&p, pa), E_RANGE);
    CHECK_EQ_U64(frames_count(&p, pa), FRAME_REF_MAX);
    CHECK_EQ_U64(frames_unref(&p, pa), FRAME_REF_MAX - 1);
    CHECK_EQ_U64(frames_ref(&p, pa), E_OK);
    CHECK_EQ_U64(frames_ref(&p, pa), E_RANGE);
    /* And all the way back down to free. */
    int32_t r = 0;
    for (uint32_t c = 0; c < FRAME_REF_MAX; c++)
        r = frames_unref(&p, pa);
    CHECK_EQ_U64(r, 0);
    CHECK_EQ_U64(frames_free_count(&p), 64);
    CHECK(invariant_ok(&p));
}

static void test_2m(void)
{
    struct frame_pool p;
    /* Page 511 is the first at a 2 MiB boundary (0x80400000); with 511 +
     * 3 * 512 + 100 pages there are three whole runs, the fourth is cut. */
    const uint64_t base = 0x80201000;
    const uint64_t n = 511 + 3 * RUN + 100;
    dirty_storage();
    frames_init(&p, base, n, refs, used);
    uint64_t pa = 0;
    CHECK_EQ_U64(frames_alloc_2m(&p, &pa), E_OK);
    CHECK_EQ_U64(pa, 0x80400000);
    CHECK_EQ_U64(frames_free_count(&p), n - RUN);
    uint64_t wrong = 0;
    for (uint64_t k = 0; k < RUN; k++)
        wrong += frames_count(&p, pa + k * PG) != 1;
    CHECK_EQ_U64(wrong, 0);
    CHECK_EQ_U64(frames_count(&p, pa - PG), 0);
    CHECK_EQ_U64(frames_count(&p, pa + RUN * PG), 0);

    uint64_t pa2 = 0, pa3 = 0;
    CHECK_EQ_U64(frames_alloc_2m(&p, &pa2), E_OK);
    CHECK_EQ_U64(pa2, 0x80600000);
    CHECK_EQ_U64(frames_alloc_2m(&p, &pa3), E_OK);
    CHECK_EQ_U64(pa3, 0x80800000);
    CHECK_EQ_U64(frames_free_count(&p), n - 3 * RUN);
    /* 611 pages are free, but neither the 511 below the first boundary nor
     * the 100 of the cut run form an aligned run. */
    uint64_t pa4 = 0;
    CHECK_EQ_U64(frames_alloc_2m(&p, &pa4), E_NOMEM);
    CHECK_EQ_U64(frames_free_count(&p), 611);
    CHECK(invariant_ok(&p));

    /* Split the first superpage: its pages go back one at a time. */
    for (uint64_t k = 0; k < 10; k++) {
        CHECK_EQ_U64(frames_unref(&p, pa + k * 37 * PG), 0);
        CHECK_EQ_U64(frames_free_count(&p), 611 + k + 1);
    }
    /* A page of a superpage can also be shared after the split. */
    CHECK_EQ_U64(frames_ref(&p, pa2 + 5 * PG), E_OK);
    CHECK_EQ_U64(frames_count(&p, pa2 + 5 * PG), 2);
    CHECK_EQ_U64(frames_alloc_2m(&p, &pa4), E_NOMEM);

    /* Free all of the second run but its shared page: still no run. */
    for (uint64_t k = 0; k < RUN; k++)
        (void)frames_unref(&p, pa2 + k * PG);
    CHECK_EQ_U64(frames_count(&p, pa2 + 5 * PG), 1);
    CHECK_EQ_U64(frames_free_count(&p), 621 + RUN - 1);
    CHECK_EQ_U64(frames_alloc_2m(&p, &pa4), E_NOMEM);
    CHECK_EQ_U64(frames_unref(&p, pa2 + 5 * PG), 0);
    CHECK_EQ_U64(frames_alloc_2m(&p, &pa4), E_OK);
    CHECK_EQ_U64(pa4, pa2);
    CHECK(invariant_ok(&p));

    /* Fragmentation: one page used in every run, 4 KiB allocs still work. */
    frames_init(&p, base, n, refs, used);
    for (uint64_t r = 0; r < 3; r++)
        frames_reserve(&p, 0x80400000 + r * RUN * PG + (r * 200 + 3) * PG, PG);
    CHECK_EQ_U64(frames_free_count(&p), n - 3);
    CHECK_EQ_U64(frames_alloc_2m(&p, &pa), E_NOMEM);
    CHECK_EQ_U64(frames_free_count(&p), n - 3);
    for (uint64_t k = 0; k < 1000; k++)
        if (frames_alloc(&p, &pa) != E_OK)
            break;
    CHECK_EQ_U64(frames_free_count(&p), n - 1003);
    CHECK(invariant_ok(&p));

    /* A 2 MiB-aligned base (run on bitmap word boundaries, the fast check)
     * and a base whose runs start mid-word but on a word boundary of the
     * bitmap (0x80240000: page 448 is the first boundary). */
    frames_init(&p, 0x80000000, 2 * RUN, refs, used);
    frames_reserve(&p, 0x80000000 + 511 * PG, PG);
    CHECK_EQ_U64(frames_alloc_2m(&p, &pa), E_OK);
    CHECK_EQ_U64(pa, 0x80200000);
    CHECK_EQ_U64(frames_alloc_2m(&p, &pa), E_NOMEM);
    frames_init(&p, 0x80240000, 448 + RUN, refs, used);
    CHECK_EQ_U64(frames_alloc_2m(&p, &pa), E_OK);
    CHECK_EQ_U64(pa, 0x80400000);
    CHECK_EQ_U64(frames_count(&p, 0x80240000 + 447 * PG), 0);
    CHECK_EQ_U64(frames_free_count(&p), 448);
    CHECK(invariant_ok(&p));
}

/* One used page anywhere in a run (its first, last, at a bitmap word edge)
 * rules the run out; a used page just outside it does not. For runs that
 * start mid-word, on a word boundary, and at the pool's first page. */
static void test_2m_blockers(void)
{
    static const uint64_t bases[] = {0x80201000, 0x80000000, 0x80240000, 0x803ff000};
    static const uint64_t at[] = {0, 1, 62, 63, 64, 65, 255, 256, 447, 448, 510, 511};
    uint64_t bad = 0;
    for (unsigned b = 0; b < sizeof bases / sizeof bases[0]; b++) {
        uint64_t base = bases[b];
        uint64_t off = (base / PG) % RUN;
        uint64_t first = off ? RUN - off : 0; /* index of the first boundary */
        uint64_t run0 = 0x80000000 + (base - 0x80000000 + RUN * PG - 1) / (RUN * PG) * RUN * PG;
        struct frame_pool p;
        for (unsigned a = 0; a < sizeof at / sizeof at[0]; a++) {
            frames_init(&p, base, first + 2 * RUN, refs, used);
            frames_reserve(&p, run0 + at[a] * PG, PG);
            uint64_t pa = 0;
            if (frames_alloc_2m(&p, &pa) != E_OK || pa != run0 + RUN * PG ||
                frames_free_count(&p) != first + RUN - 1 || !invariant_ok(&p)) {
                fprintf(stderr, "base 0x%llx blocker %llu: got 0x%llx\n",
                        (unsigned long long)base, (unsigned long long)at[a],
                        (unsigned long long)pa);
                bad++;
            }
            bad += frames_alloc_2m(&p, &pa) != E_NOMEM;
        }
        /* Neighbours outside the first run: the page before it and the
         * first page of the next run. */
        frames_init(&p, base, first + 2 * RUN, refs, used);
        if (first > 0)
            frames_reserve(&p, run0 - PG, PG);
        frames_reserve(&p, run0 + RUN * PG, PG);
        uint64_t pa = 0;
        bad += frames_alloc_2m(&p, &pa) != E_OK || pa != run0;
        CHECK_EQ_U64(frames_count(&p, run0 - PG), first > 0);
    }
    CHECK_EQ_U64(bad, 0);
}

/* The reference model of the randomized test: one count per page. */
static uint32_t model[MAXP];

/* The address first fit must return according to the model, or 0. */
static uint64_t model_2m(const struct frame_pool *p)
{
    uint64_t off = (p->base_pa / PG) % RUN;
    for (uint64_t i = off ? RUN - off : 0; i + RUN <= p->npages; i += RUN) {
        uint64_t k = 0;
        while (k < RUN && model[i + k] == 0)
            k++;
        if (k == RUN)
            return pa_of(p, i);
    }
    return 0;
}

/* A page the model says is in use, searching forward from a random one;
 * npages when none is. */
static uint64_t model_pick_used(uint64_t n)
{
    uint64_t start = check_rand() % n;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t i = (start + k) % n;
        if (model[i] != 0)
            return i;
    }
    return n;
}

static void random_run(uint64_t base, uint64_t n, uint64_t ops)
{
    struct frame_pool p;
    dirty_storage();
    frames_init(&p, base, n, refs, used);
    for (uint64_t i = 0; i < n; i++)
        model[i] = 0;
    uint64_t model_free = n;
    uint64_t bad_free = 0, bad_op = 0, bad_count = 0, bad_inv = 0;
    uint64_t n_alloc = 0, n_nomem = 0, n_2m = 0, n_2m_nomem = 0, n_inval = 0, n_freed = 0;

    for (uint64_t op = 0; op < ops; op++) {
        /* Phases of growth and shrinking, so the pool goes from empty to
         * full (E_NOMEM) and back (whole 2 MiB runs free again). */
        bool grow = (op / 2500) % 2 == 0;
        unsigned r = (unsigned)(check_rand() % 100);
        unsigned kind;
        if (grow)
            kind = r < 55 ? 0 : r < 58 ? 1 : r < 78 ? 2 : r < 90 ? 3 : 4;
        else
            kind = r < 10 ? 0 : r < 11 ? 1 : r < 16 ? 2 : r < 92 ? 3 : 4;

        if (kind == 0) { /* alloc */
            uint64_t pa = 0;
            err_t e = frames_alloc(&p, &pa);
            if (model_free == 0) {
                bad_op += e != E_NOMEM;
                n_nomem++;
            } else if (e != E_OK || !frames_contains(&p, pa) || pa % PG != 0 ||
                       model[idx_of(&p, pa)] != 0) {
                bad_op++;
            } else {
                model[idx_of(&p, pa)] = 1;
                model_free--;
                n_alloc++;
            }
        } else if (kind == 1) { /* alloc_2m: first fit, exactly */
            uint64_t want = model_2m(&p);
            uint64_t pa = 0;
            err_t e = frames_alloc_2m(&p, &pa);
            if (want == 0) {
                bad_op += e != E_NOMEM;
                n_2m_nomem++;
            } else if (e != E_OK || pa != want) {
                bad_op++;
            } else {
                for (uint64_t k = 0; k < RUN; k++)
                    model[idx_of(&p, pa) + k] = 1;
                model_free -= RUN;
                n_2m++;
            }
        } else if (kind == 2) { /* ref: mostly a used page, sometimes any */
            uint64_t i = check_rand() % 4 ? model_pick_used(n) : check_rand() % n;
            if (i == n)
                i = check_rand() % n;
            err_t e = frames_ref(&p, pa_of(&p, i));
            if (model[i] == 0) {
                bad_op += e != E_INVAL;
                n_inval++;
            } else if (model[i] == FRAME_REF_MAX) {
                bad_op += e != E_RANGE;
            } else {
                bad_op += e != E_OK;
                model[i]++;
            }
        } else if (kind == 3) { /* unref: mostly a used page, sometimes any */
            uint64_t i = check_rand() % 8 ? model_pick_used(n) : check_rand() % n;
            if (i == n)
                i = check_rand() % n;
            int32_t got = frames_unref(&p, pa_of(&p, i));
            if (model[i] == 0) {
                bad_op += got != E_INVAL;
                n_inval++;
            } else {
                model[i]--;
                bad_op += got != (int32_t)model[i];
                if (model[i] == 0) {
                    model_free++;
                    n_freed++;
                }
            }
        } else { /* malformed addresses: refused, nothing changes */
            uint64_t i = check_rand() % n;
            uint64_t pa;
            switch (check_rand() % 4) {
            case 0: pa = pa_of(&p, i) + 1 + check_rand() % (PG - 1); break;
            case 1: pa = base - PG * (1 + check_rand() % 4); break;
            case 2: pa = base + (n + check_rand() % 4) * PG; break;
            default: pa = check_rand(); break;
            }
            bool inside = frames_contains(&p, pa) && pa % PG == 0;
            if (!inside) {
                bad_op += frames_ref(&p, pa) != E_INVAL;
                bad_op += frames_unref(&p, pa) != E_INVAL;
                uint64_t want = frames_contains(&p, pa) ? model[idx_of(&p, pa)] : 0;
                bad_count += frames_count(&p, pa) != want;
                n_inval++;
            }
        }

        /* Every other shrink phase ends by dropping every reference left,
         * so the pool is entirely free again and the next growth phase
         * finds whole 2 MiB runs. */
        if (op % 10000 == 4999) {
            for (uint64_t i = 0; i < n; i++) {
                while (model[i] != 0) {
                    model[i]--;
                    bad_op += frames_unref(&p, pa_of(&p, i)) != (int32_t)model[i];
                }
            }
            model_free = n;
            bad_free += frames_free_count(&p) != n;
        }

        bad_free += frames_free_count(&p) != model_free;
        if (op % 997 == 0 || op + 1 == ops) {
            for (uint64_t i = 0; i < n; i++)
                bad_count += frames_count(&p, pa_of(&p, i)) != model[i];
            uint64_t zeros = 0;
            for (uint64_t i = 0; i < n; i++)
                zeros += model[i] == 0;
            bad_free += zeros != model_free;
            bad_inv += !invariant_ok(&p);
        }
        if (bad_free + bad_op + bad_count + bad_inv != 0) {
            fprintf(stderr, "random_run(0x%llx, %llu): first mismatch at op %llu kind %u\n",
                    (unsigned long long)base, (unsigned long long)n,
                    (unsigned long long)op, kind);
            break;
        }
    }
    CHECK_EQ_U64(bad_free, 0);
    CHECK_EQ_U64(bad_op, 0);
    CHECK_EQ_U64(bad_count, 0);
    CHECK_EQ_U64(bad_inv, 0);
    /* The run must really have exercised each path. */
    CHECK(n_alloc > 1000);
    CHECK(n_nomem > 0);
    CHECK(n_2m >= ops / 10000 * 2);
    CHECK(n_2m_nomem > 0);
    CHECK(n_inval > 1000);
    CHECK(n_freed > 1000);
}

static void test_random(void)
{
    check_rand_state = 0x243f6a8885a308d3ull;
    random_run(0x80201000, 3000, 60000); /* runs mid-word: the bit-by-bit check */
    random_run(0x80000000, 3072, 60000); /* runs word aligned: the word check */
    random_run(0x80240000, 2997, 30000); /* unaligned base, word-aligned runs */
}

/* Like mm: processes allocate private pages and superpages, share pages
 * with others (fork, shared mappings), then every process exits in random
 * order, each dropping its references in random order. */
#define NPROC 8
#define MAXHELD 6000

struct fake_proc {
    uint64_t held[MAXHELD]; /* one entry per reference this process holds */
    uint64_t n;
};

static struct fake_proc procs[NPROC];

static void shuffle(uint64_t *a, uint64_t n)
{
    for (uint64_t i = n; i > 1; i--) {
        uint64_t j = check_rand() % i;
        uint64_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

static void test_leak_check(void)
{
    struct frame_pool p;
    const uint64_t base = 0x80201000;
    const uint64_t n = 4000;
    check_rand_state = 0x13198a2e03707344ull;
    dirty_storage();
    frames_init(&p, base, n, refs, used);
    /* mm's own memory, held forever: not part of the leak accounting. */
    frames_reserve(&p, base, 40 * PG);
    const uint64_t start_free = frames_free_count(&p);
    CHECK_EQ_U64(start_free, n - 40);
    for (unsigned i = 0; i < NPROC; i++)
        procs[i].n = 0;

    uint64_t fails = 0, refs_taken = 0;
    for (unsigned round = 0; round < 4000; round++) {
        struct fake_proc *a = &procs[check_rand() % NPROC];
        unsigned what = (unsigned)(check_rand() % 10);
        uint64_t pa;
        if (what < 5 && a->n < MAXHELD) {
            if (frames_alloc(&p, &pa) == E_OK) {
                a->held[a->n++] = pa;
                refs_taken++;
            }
        } else if (what == 5 && a->n + RUN <= MAXHELD) {
            if (frames_alloc_2m(&p, &pa) == E_OK) {
                for (uint64_t k = 0; k < RUN; k++)
                    a->held[a->n++] = pa + k * PG;
                refs_taken += RUN;
            }
        } else if (a->n > 0) {
            /* Share one of a's pages with b (b may be a: two mappings). */
            struct fake_proc *b = &procs[check_rand() % NPROC];
            if (b->n < MAXHELD) {
                pa = a->held[check_rand() % a->n];
                if (frames_ref(&p, pa) == E_OK) {
                    b->held[b->n++] = pa;
                    refs_taken++;
                } else {
                    fails++;
                }
            }
        }
    }
    CHECK_EQ_U64(fails, 0);
    CHECK(refs_taken > 3000);
    CHECK(frames_free_count(&p) < start_free);
    CHECK(invariant_ok(&p));

    /* Every process exits, in random order; a page goes free only with the
     * last reference, and never earlier. */
    unsigned order[NPROC];
    for (unsigned i = 0; i < NPROC; i++)
        order[i] = i;
    for (unsigned i = NPROC; i > 1; i--) {
        unsigned j = (unsigned)(check_rand() % i);
        unsigned t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    uint64_t bad = 0;
    for (unsigned o = 0; o < NPROC; o++) {
        struct fake_proc *a = &procs[order[o]];
        shuffle(a->held, a->n);
        for (uint64_t k = 0; k < a->n; k++) {
            uint16_t before = frames_count(&p, a->held[k]);
            uint64_t free_before = frames_free_count(&p);
            int32_t r = frames_unref(&p, a->held[k]);
            if (before == 0 || r != before - 1 ||
                frames_free_count(&p) != free_before + (r == 0))
                bad++;
        }
        a->n = 0;
        CHECK(invariant_ok(&p));
    }
    CHECK_EQ_U64(bad, 0);
    CHECK_EQ_U64(frames_free_count(&p), start_free);
    uint64_t left = 0;
    for (uint64_t i = 40; i < n; i++)
        left += frames_count(&p, pa_of(&p, i)) != 0;
    CHECK_EQ_U64(left, 0);
    CHECK_EQ_U64(frames_count(&p, base), 1);
    /* With everything back, a whole superpage is available again. */
    uint64_t pa;
    CHECK_EQ_U64(frames_alloc_2m(&p, &pa), E_OK);
    CHECK_EQ_U64(pa, 0x80400000);
}

int main(void)
{
    test_init();
    test_reserve();
    test_alloc_all();
    test_next_fit();
    test_refs();
    test_2m();
    test_2m_blockers();
    test_random();
    test_leak_check();
    return check_finish("test_frames");
}
