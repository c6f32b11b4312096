/*
 * Host tests for boot-time memory planning (kernel/core/memplan.c):
 * memplan_direct_leaves (which 1 GiB / 2 MiB leaves direct-map a RAM range,
 * bytes dropped by the 2 MiB rounding, wrapping ranges) and
 * memplan_find_free (lowest page-aligned run clear of reserved ranges).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <kernel/memplan.h>

#include "check.h"

#define MIB2 0x200000ul
#define GIB1 0x40000000ul

/* ---- memplan_direct_leaves -------------------------------------------- */

#define MAX_LEAVES 2048

struct leaves {
    uint64_t n;
    paddr_t pa[MAX_LEAVES];
    int level[MAX_LEAVES];
};

static struct leaves L;

static void record(void *ctx, paddr_t pa, int level)
{
    struct leaves *l = ctx;
    /* A runaway loop fails the test instead of hanging it. */
    if (l->n >= MAX_LEAVES) {
        fprintf(stderr, "memplan_direct_leaves: more than %d leaves\n",
                MAX_LEAVES);
        exit(1);
    }
    l->pa[l->n] = pa;
    l->level[l->n] = level;
    l->n++;
}

static uint64_t plan(paddr_t base, uint64_t len)
{
    L.n = 0;
    return memplan_direct_leaves(base, len, record, &L);
}

static uint64_t count_level(int level)
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < L.n; i++)
        n += L.level[i] == level;
    return n;
}

static uint64_t leaf_size(int level)
{
    return level == 2 ? GIB1 : MIB2;
}

/* Structural checks for any plan of [base, base + len) that returned
 * `dropped`: levels 1/2 only, each leaf aligned to its size, leaves
 * ascending and contiguous from the first 2 MiB boundary at or above base
 * (so no overlap), all inside the range, greedy (a 2 MiB leaf only where a
 * 1 GiB one would not fit), and covered bytes == len - dropped. */
static bool leaves_well_formed(paddr_t base, uint64_t len, uint64_t dropped)
{
    unsigned __int128 end = (unsigned __int128)base + len;
    unsigned __int128 covered = 0;
    unsigned __int128 next = ((unsigned __int128)base + MIB2 - 1) / MIB2 * MIB2;
    for (uint64_t i = 0; i < L.n; i++) {
        int lv = L.level[i];
        if (lv != 1 && lv != 2)
            return false;
        uint64_t sz = leaf_size(lv);
        if (L.pa[i] % sz != 0 || L.pa[i] != next || next + sz > end)
            return false;
        if (lv == 1 && L.pa[i] % GIB1 == 0) {
            /* Was a 1 GiB leaf possible here? Only if the planned leaves
             * from here on cover at least 1 GiB. */
            unsigned __int128 rest = 0;
            for (uint64_t j = i; j < L.n; j++)
                rest += leaf_size(L.level[j]);
            if (rest >= GIB1)
                return false;
        }
        next += sz;
        covered += sz;
    }
    return covered == (unsigned __int128)len - dropped;
}

static void test_direct_leaves(void)
{
    /* 256 MiB at the QEMU virt RAM base: 128 x 2 MiB. */
    CHECK_EQ_U64(plan(0x80000000, 256ul << 20), 0);
    CHECK_EQ_U64(L.n, 128);
    CHECK_EQ_U64(count_level(1), 128);
    CHECK_EQ_U64(count_level(2), 0);
    CHECK_EQ_U64(L.pa[0], 0x80000000);
    CHECK_EQ_U64(L.pa[127], 0x8fe00000);
    CHECK(leaves_well_formed(0x80000000, 256ul << 20, 0));

    /* 2 GiB: two gigapages. */
    CHECK_EQ_U64(plan(0x80000000, 2 * GIB1), 0);
    CHECK_EQ_U64(L.n, 2);
    CHECK_EQ_U64(count_level(2), 2);
    CHECK_EQ_U64(L.pa[0], 0x80000000);
    CHECK_EQ_U64(L.pa[1], 0xc0000000);
    CHECK(leaves_well_formed(0x80000000, 2 * GIB1, 0));

    /* 1 GiB + 6 MiB: one gigapage, then three megapages. */
    CHECK_EQ_U64(plan(0x80000000, GIB1 + (6ul << 20)), 0);
    CHECK_EQ_U64(L.n, 4);
    CHECK_EQ_U64(L.level[0], 2);
    CHECK_EQ_U64(L.pa[0], 0x80000000);
    CHECK_EQ_U64(L.level[1], 1);
    CHECK_EQ_U64(L.pa[1], 0xc0000000);
    CHECK_EQ_U64(L.level[2], 1);
    CHECK_EQ_U64(L.pa[2], 0xc0200000);
    CHECK_EQ_U64(L.level[3], 1);
    CHECK_EQ_U64(L.pa[3], 0xc0400000);
    CHECK(leaves_well_formed(0x80000000, GIB1 + (6ul << 20), 0));

    /* Base 1 MiB past a 2 MiB boundary, 8 MiB long: [0x80100000,
     * 0x80900000) rounds inward to [0x80200000, 0x80800000), 1 MiB lost at
     * each end. */
    CHECK_EQ_U64(plan(0x80100000, 8ul << 20), 0x200000);
    CHECK_EQ_U64(L.n, 3);
    CHECK_EQ_U64(count_level(1), 3);
    CHECK_EQ_U64(L.pa[0], 0x80200000);
    CHECK_EQ_U64(L.pa[2], 0x80600000);
    CHECK(leaves_well_formed(0x80100000, 8ul << 20, 0x200000));
    /* Unaligned at the end only, by an odd amount. */
    CHECK_EQ_U64(plan(0x80000000, (4ul << 20) + 0x1234), 0x1234);
    CHECK_EQ_U64(L.n, 2);
    CHECK_EQ_U64(L.pa[1], 0x80200000);
    /* Both ends odd: 0x80100800 .. 0x80901234. */
    CHECK_EQ_U64(plan(0x80100800, 0x800a34), 0xff800 + 0x101234);
    CHECK_EQ_U64(L.n, 3);
    CHECK(leaves_well_formed(0x80100800, 0x800a34, 0xff800 + 0x101234));

    /* [1 GiB + 2 MiB, 4 GiB): 511 megapages up to the 2 GiB boundary, then
     * gigapages at 2 GiB and 3 GiB. */
    CHECK_EQ_U64(plan(0x40200000, 0x100000000ul - 0x40200000), 0);
    CHECK_EQ_U64(L.n, 513);
    CHECK_EQ_U64(count_level(1), 511);
    CHECK_EQ_U64(count_level(2), 2);
    CHECK_EQ_U64(L.level[510], 1);
    CHECK_EQ_U64(L.pa[510], 0x7fe00000);
    CHECK_EQ_U64(L.level[511], 2);
    CHECK_EQ_U64(L.pa[511], 0x80000000);
    CHECK_EQ_U64(L.level[512], 2);
    CHECK_EQ_U64(L.pa[512], 0xc0000000);
    CHECK(leaves_well_formed(0x40200000, 0x100000000ul - 0x40200000, 0));

    /* 1 GiB aligned but 2 MiB short of a whole gigabyte: megapages only. */
    CHECK_EQ_U64(plan(0x40000000, GIB1 - MIB2), 0);
    CHECK_EQ_U64(L.n, 511);
    CHECK_EQ_U64(count_level(2), 0);
    /* A gigabyte's worth, but straddling a 1 GiB boundary: megapages. */
    CHECK_EQ_U64(plan(0x60000000, GIB1), 0);
    CHECK_EQ_U64(L.n, 512);
    CHECK_EQ_U64(count_level(2), 0);
    CHECK(leaves_well_formed(0x60000000, GIB1, 0));
    /* Mixed: two megapages up to 2 GiB, a gigapage, one megapage after. */
    CHECK_EQ_U64(plan(0x7fc00000, GIB1 + (6ul << 20)), 0);
    CHECK_EQ_U64(L.n, 4);
    CHECK_EQ_U64(L.level[0], 1);
    CHECK_EQ_U64(L.level[1], 1);
    CHECK_EQ_U64(L.level[3], 1);
    CHECK_EQ_U64(L.pa[3], 0xc0000000);
    CHECK_EQ_U64(L.level[2], 2);
    CHECK_EQ_U64(L.pa[2], 0x80000000);
    CHECK(leaves_well_formed(0x7fc00000, GIB1 + (6ul << 20), 0));

    /* Too small for one leaf: all of len is dropped. */
    CHECK_EQ_U64(plan(0x80000000, 0x1ff000), 0x1ff000);
    CHECK_EQ_U64(L.n, 0);
    CHECK_EQ_U64(plan(0x80000000, 1), 1);
    CHECK_EQ_U64(L.n, 0);
    CHECK_EQ_U64(plan(0x80000000, 0), 0);
    CHECK_EQ_U64(L.n, 0);
    /* 2 MiB long but not aligned: no whole aligned 2 MiB inside. */
    CHECK_EQ_U64(plan(0x80100000, MIB2), MIB2);
    CHECK_EQ_U64(L.n, 0);
    CHECK_EQ_U64(plan(0x80100000, MIB2 + 0xfffff), MIB2 + 0xfffff);
    CHECK_EQ_U64(L.n, 0);
    CHECK_EQ_U64(plan(0x80100000, MIB2 + 0x100000), 0x100000);
    CHECK_EQ_U64(L.n, 1);
    /* Exactly one megapage; the range ending at the top of a gigabyte. */
    CHECK_EQ_U64(plan(0xbfe00000, MIB2), 0);
    CHECK_EQ_U64(L.n, 1);
    CHECK_EQ_U64(L.pa[0], 0xbfe00000);
    CHECK_EQ_U64(L.level[0], 1);
}

/* base + len wraps: the end is clamped to 2^64 - 1 (memplan.c), so the
 * last 2 MiB of the address space is never a leaf. Must terminate. */
static void test_direct_leaves_wrap(void)
{
    /* [2^64 - 1 GiB, +2 GiB): 511 megapages up to 0xffffffffffe00000. */
    uint64_t base = 0xffffffffc0000000;
    CHECK_EQ_U64(plan(base, 2 * GIB1), 2 * GIB1 - 511 * MIB2);
    CHECK_EQ_U64(L.n, 511);
    CHECK_EQ_U64(count_level(2), 0);
    CHECK_EQ_U64(L.pa[0], base);
    CHECK_EQ_U64(L.pa[510], 0xffffffffffc00000);
    CHECK(leaves_well_formed(base, 2 * GIB1, 2 * GIB1 - 511 * MIB2));

    /* Base whose 2 MiB round-up wraps to 0. */
    CHECK_EQ_U64(plan(0xfffffffffff00000, 4 * MIB2), 4 * MIB2);
    CHECK_EQ_U64(L.n, 0);
    CHECK_EQ_U64(plan(0xffffffffffe00001, UINT64_MAX), UINT64_MAX);
    CHECK_EQ_U64(L.n, 0);
    /* Whole last 2 MiB plus wrap: dropped by the clamp. */
    CHECK_EQ_U64(plan(0xffffffffffe00000, 4 * MIB2), 4 * MIB2);
    CHECK_EQ_U64(L.n, 0);
    /* Huge len from near the top: clamped, few leaves. */
    CHECK_EQ_U64(plan(0xfffffffff0000000, UINT64_MAX), UINT64_MAX - 127 * MIB2);
    CHECK_EQ_U64(L.n, 127);
    CHECK(leaves_well_formed(0xfffffffff0000000, UINT64_MAX,
                             UINT64_MAX - 127 * MIB2));
    /* Range ending exactly at 2^64 (wraps to 0). */
    CHECK_EQ_U64(plan(0xfffffffff0000000, 0x10000000), 0x10000000 - 127 * MIB2);
    CHECK_EQ_U64(L.n, 127);
}

/* ---- memplan_find_free ------------------------------------------------ */

static const struct fdt_range virt_mem[] = {{0x80000000, 128ul << 20}};
/* OpenSBI, the kernel image, the FDT. */
static const struct fdt_range virt_resv[] = {
    {0x80000000, 0x80000},
    {0x80200000, 0x100000},
    {0x82200000, 0x2000},
};
static const struct fdt_range virt_resv_rev[] = {
    {0x82200000, 0x2000},
    {0x80200000, 0x100000},
    {0x80000000, 0x80000},
};

#define SENTINEL 0xdeadbeefdeadbeeful

/* Runs memplan_find_free on the virt layout; returns the address, or
 * SENTINEL on failure after checking the error is E_NOMEM. Also checks the
 * answer does not depend on the order of the reservations. */
static uint64_t find_virt(uint64_t len)
{
    paddr_t a = SENTINEL, b = SENTINEL;
    err_t ea = memplan_find_free(virt_mem, 1, virt_resv, 3, len, &a);
    err_t eb = memplan_find_free(virt_mem, 1, virt_resv_rev, 3, len, &b);
    CHECK_EQ_U64(ea, eb);
    CHECK_EQ_U64(a, b);
    if (ea != E_OK) {
        CHECK_EQ_U64(ea, E_NOMEM);
        CHECK_EQ_U64(a, SENTINEL); /* *out untouched */
    }
    return a;
}

static void test_find_free_virt(void)
{
    /* Lowest run: right after OpenSBI. */
    CHECK_EQ_U64(find_virt(0x1000), 0x80080000);
    /* The gap [0x80080000, 0x80200000) is exactly 1.5 MiB. */
    CHECK_EQ_U64(find_virt(0x180000), 0x80080000);
    /* One page more: after the kernel. */
    CHECK_EQ_U64(find_virt(0x181000), 0x80300000);
    /* The gap [0x80300000, 0x82200000) is exactly 31 MiB. */
    CHECK_EQ_U64(find_virt(0x1f00000), 0x80300000);
    CHECK_EQ_U64(find_virt(0x1f01000), 0x82202000);
    /* The last gap runs to the end of RAM, 0x88000000. */
    CHECK_EQ_U64(find_virt(0x88000000 - 0x82202000), 0x82202000);
    CHECK_EQ_U64(find_virt(0x88000000 - 0x82202000 + 1), SENTINEL);
    CHECK_EQ_U64(find_virt(256ul << 20), SENTINEL);
    CHECK_EQ_U64(find_virt(UINT64_MAX - 0x2000), SENTINEL);

    /* len rounds up to whole pages. */
    CHECK_EQ_U64(find_virt(1), 0x80080000);
    CHECK_EQ_U64(find_virt(0x17f001), 0x80080000); /* -> 0x180000 */
    CHECK_EQ_U64(find_virt(0x180001), 0x80300000); /* -> 0x181000 */
    /* len 0, and lens that round up past 2^64 (to 0). */
    CHECK_EQ_U64(find_virt(0), SENTINEL);
    CHECK_EQ_U64(find_virt(UINT64_MAX), SENTINEL);
    CHECK_EQ_U64(find_virt(UINT64_MAX - 0xffe), SENTINEL);

    /* No reservations at all: the start of RAM. */
    paddr_t out = SENTINEL;
    CHECK_EQ_U64(memplan_find_free(virt_mem, 1, NULL, 0, 0x1000, &out), E_OK);
    CHECK_EQ_U64(out, 0x80000000);
    CHECK_EQ_U64(memplan_find_free(virt_mem, 1, NULL, 0, 128ul << 20, &out),
                 E_OK);
    CHECK_EQ_U64(out, 0x80000000);
    out = SENTINEL;
    CHECK_EQ_U64(memplan_find_free(virt_mem, 1, NULL, 0, (128ul << 20) + 1,
                                   &out),
                 E_NOMEM);
    CHECK_EQ_U64(memplan_find_free(virt_mem, 0, NULL, 0, 0x1000, &out), E_NOMEM);
    CHECK_EQ_U64(out, SENTINEL);
}

static void test_find_free_edges(void)
{
    const struct fdt_range mem[] = {{0x80000000, 0x100000}};
    paddr_t out;

    /* A reservation ending mid-page: the run starts at the next page. */
    const struct fdt_range r1[] = {{0x80000000, 0x80800}};
    CHECK_EQ_U64(memplan_find_free(mem, 1, r1, 1, 0x1000, &out), E_OK);
    CHECK_EQ_U64(out, 0x80081000);
    /* A reservation starting mid-page blocks that page. */
    const struct fdt_range r2[] = {{0x80000800, 0x10}};
    CHECK_EQ_U64(memplan_find_free(mem, 1, r2, 1, 0x1000, &out), E_OK);
    CHECK_EQ_U64(out, 0x80001000);
    /* Gap between two reservations is exactly len; reservations overlap
     * each other, and one lies wholly outside RAM. */
    const struct fdt_range r3[] = {
        {0x70000000, 0x20000000}, /* covers [0x70000000, 0x90000000)... */
    };
    CHECK_EQ_U64(memplan_find_free(mem, 1, r3, 1, 0x1000, &out), E_NOMEM);
    const struct fdt_range r4[] = {
        {0x80010000, 0x8000},
        {0x7ff00000, 0x100000 + 0x4000}, /* ends at 0x80004000 */
        {0x80002000, 0x4000},            /* overlaps the one above */
        {0x90000000, 0x1000},            /* outside RAM */
        {0x80000000, 0x1000},
    };
    /* Gaps: [0x80006000, 0x80010000) = 0xa000, then from 0x80018000. */
    CHECK_EQ_U64(memplan_find_free(mem, 1, r4, 5, 0xa000, &out), E_OK);
    CHECK_EQ_U64(out, 0x80006000);
    CHECK_EQ_U64(memplan_find_free(mem, 1, r4, 5, 0xa001, &out), E_OK);
    CHECK_EQ_U64(out, 0x80018000);
    CHECK_EQ_U64(memplan_find_free(mem, 1, r4, 5, 0x80100000 - 0x80018000,
                                   &out),
                 E_OK);
    CHECK_EQ_U64(out, 0x80018000);
    out = SENTINEL;
    CHECK_EQ_U64(memplan_find_free(mem, 1, r4, 5, 0x80100000 - 0x80017000,
                                   &out),
                 E_NOMEM);
    CHECK_EQ_U64(out, SENTINEL);

    /* RAM not page aligned: the run starts at the first whole page and must
     * end inside RAM. */
    const struct fdt_range m2[] = {{0x80000800, 0x1800}}; /* to 0x80002000 */
    CHECK_EQ_U64(memplan_find_free(m2, 1, NULL, 0, 0x1000, &out), E_OK);
    CHECK_EQ_U64(out, 0x80001000);
    const struct fdt_range m3[] = {{0x80000800, 0x17ff}}; /* to 0x80001fff */
    CHECK_EQ_U64(memplan_find_free(m3, 1, NULL, 0, 0x1000, &out), E_NOMEM);

    /* A memory range that wraps is ignored, not used. */
    const struct fdt_range m4[] = {{0xfffffffffff00000, 0x200000}};
    CHECK_EQ_U64(memplan_find_free(m4, 1, NULL, 0, 0x1000, &out), E_NOMEM);

    /* A memory range inside the last page of the address space: its first
     * whole page would be at 2^64, so nothing fits. Regression test:
     * ALIGN_UP(base) used to wrap to 0 and give E_OK with *out = 0. */
    const struct fdt_range m5[] = {{0xfffffffffffff800, 0x7ff}};
    out = SENTINEL;
    CHECK_EQ_U64(memplan_find_free(m5, 1, NULL, 0, 0x1000, &out), E_NOMEM);
    CHECK_EQ_U64(out, SENTINEL);
}

static void test_find_free_multi(void)
{
    /* Two banks; the first almost fully reserved. */
    const struct fdt_range mem[] = {
        {0x80000000, 16ul << 20},
        {0x100000000, GIB1},
    };
    const struct fdt_range resv[] = {
        {0x80000000, 0x80000},
        {0x80081000, (16ul << 20) - 0x81000}, /* leaves one page free */
        {0x100000000, 0x3000},
    };
    paddr_t out;
    CHECK_EQ_U64(memplan_find_free(mem, 2, resv, 3, 0x1000, &out), E_OK);
    CHECK_EQ_U64(out, 0x80080000);
    CHECK_EQ_U64(memplan_find_free(mem, 2, resv, 3, 0x2000, &out), E_OK);
    CHECK_EQ_U64(out, 0x100003000);
    /* A run may not span two banks, even adjacent ones. */
    const struct fdt_range adj[] = {
        {0x80000000, 0x2000},
        {0x80002000, 0x2000},
    };
    CHECK_EQ_U64(memplan_find_free(adj, 2, NULL, 0, 0x2000, &out), E_OK);
    CHECK_EQ_U64(out, 0x80000000);
    CHECK_EQ_U64(memplan_find_free(adj, 2, NULL, 0, 0x3000, &out), E_NOMEM);

    /* Banks listed high first: still the lowest address overall. */
    const struct fdt_range rev[] = {
        {0x100000000, GIB1},
        {0x80000000, 16ul << 20},
    };
    CHECK_EQ_U64(memplan_find_free(rev, 2, resv, 3, 0x1000, &out), E_OK);
    CHECK_EQ_U64(out, 0x80080000);
    CHECK_EQ_U64(memplan_find_free(rev, 2, resv, 3, 0x2000, &out), E_OK);
    CHECK_EQ_U64(out, 0x100003000);
    /* Only the second bank is big enough. */
    CHECK_EQ_U64(memplan_find_free(rev, 2, NULL, 0, 32ul << 20, &out), E_OK);
    CHECK_EQ_U64(out, 0x100000000);
    CHECK_EQ_U64(memplan_find_free(rev, 2, NULL, 0, GIB1 + 0x1000, &out),
                 E_NOMEM);
}

int main(void)
{
    test_direct_leaves();
    test_direct_leaves_wrap();
    test_find_free_virt();
    test_find_free_edges();
    test_find_free_multi();
    return check_finish("test_memplan");
}
