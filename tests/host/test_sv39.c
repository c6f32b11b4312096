/*
 * Host tests for the Sv39 page-table code (kernel/arch/riscv/sv39.c and
 * arch_riscv/sv39.h): exact PTE bits and table level for 4 KiB, 2 MiB and
 * 1 GiB leaves read straight from the tables, index/canonical helpers,
 * arch_mmu_query, every arch_mmu_map error, table-allocator exhaustion,
 * the MMU_* <-> PTE flag mapping and arch_mmu_init_user_root.
 * Built with -DMICA_HOST_TEST: the direct map is at 0, so a table's
 * "physical address" is a host pointer from the allocator below.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arch/mmu.h>
#include <arch_riscv/sv39.h>

#include "check.h"

/* ---- table allocator with a budget ------------------------------------ */

#define MAX_TABLES 64
static void *tables[MAX_TABLES];
static int ntables;
static int budget; /* tables arch_mmu_table_alloc may still hand out */

err_t arch_mmu_table_alloc(paddr_t *pa)
{
    if (budget <= 0 || ntables == MAX_TABLES)
        return E_NOMEM;
    void *p = aligned_alloc(4096, 4096);
    if (p == NULL)
        return E_NOMEM;
    memset(p, 0, 4096);
    budget--;
    tables[ntables++] = p;
    *pa = (paddr_t)p;
    return E_OK;
}

/* Gives back a table that arch_mmu_map allocated but never installed. */
void arch_mmu_table_free(paddr_t pa)
{
    for (int i = 0; i < ntables; i++) {
        if ((paddr_t)tables[i] == pa) {
            free(tables[i]);
            tables[i] = tables[--ntables];
            budget++;
            return;
        }
    }
    fprintf(stderr, "arch_mmu_table_free of unknown table 0x%lx\n", (unsigned long)pa);
    abort();
}

static void free_tables(void)
{
    for (int i = 0; i < ntables; i++)
        free(tables[i]);
    ntables = 0;
}

static bool is_our_table(paddr_t pa)
{
    for (int i = 0; i < ntables; i++)
        if ((paddr_t)tables[i] == pa)
            return true;
    return false;
}

static paddr_t new_root(void)
{
    paddr_t root = 0;
    budget = 1;
    if (arch_mmu_table_alloc(&root) != E_OK) {
        fprintf(stderr, "out of host memory\n");
        exit(1);
    }
    return root;
}

static pte_t *tbl(paddr_t pa)
{
    return (pte_t *)pa;
}

static int count_valid(paddr_t table)
{
    int n = 0;
    for (int i = 0; i < SV39_ENTRIES; i++)
        n += (tbl(table)[i] & PTE_V) != 0;
    return n;
}

/* A pointer PTE: only V among the 10 flag bits, and it points at a table
 * from our allocator. Returns that table, or 0. */
static paddr_t follow(pte_t pte)
{
    if ((pte & PTE_FLAGS_MASK) != PTE_V)
        return 0;
    paddr_t next = sv39_pte_pa(pte);
    return is_our_table(next) ? next : 0;
}

/* ---- tests -------------------------------------------------------------- */

static void test_helpers(void)
{
    CHECK_EQ_U64(sv39_index(0x40403000, 2), 1);
    CHECK_EQ_U64(sv39_index(0x40403000, 1), 2);
    CHECK_EQ_U64(sv39_index(0x40403000, 0), 3);
    /* Top of the lower half. */
    CHECK_EQ_U64(sv39_index(0x3fffffffff, 2), 255);
    CHECK_EQ_U64(sv39_index(0x3fffffffff, 1), 511);
    CHECK_EQ_U64(sv39_index(0x3fffffffff, 0), 511);
    /* Bottom of the upper half. */
    CHECK_EQ_U64(sv39_index(0xffffffc000000000, 2), 256);
    CHECK_EQ_U64(sv39_index(0xffffffc000000000, 1), 0);
    CHECK_EQ_U64(sv39_index(0xffffffc000000000, 0), 0);
    CHECK_EQ_U64(sv39_index(0xffffffffffffffff, 2), 511);
    CHECK_EQ_U64(sv39_index(0xffffffffffffffff, 0), 511);
    /* Page offset bits do not leak into the level-0 index. */
    CHECK_EQ_U64(sv39_index(0xfff, 0), 0);
    CHECK_EQ_U64(sv39_index(0x1fff, 0), 1);
    CHECK_EQ_U64(sv39_index(0x1fffff, 1), 0);
    CHECK_EQ_U64(sv39_index(0x3fffffff, 2), 0);

    CHECK(sv39_va_canonical(0));
    CHECK(sv39_va_canonical(0x3fffffffff));
    CHECK(!sv39_va_canonical(0x4000000000));
    CHECK(!sv39_va_canonical(0x7fffffffff));
    CHECK(!sv39_va_canonical(0xffffffbfffffffff));
    CHECK(sv39_va_canonical(0xffffffc000000000));
    CHECK(sv39_va_canonical(0xffffffffffffffff));
    CHECK(!sv39_va_canonical(0x8000000000000000));
    CHECK(!sv39_va_canonical(0x7fffffffffffffff));
    CHECK(!sv39_va_canonical(0x0000800000000000)); /* Sv48-canonical only */

    CHECK_EQ_U64(mmu_level_size(MMU_LEVEL_4K), 0x1000);
    CHECK_EQ_U64(mmu_level_size(MMU_LEVEL_2M), 0x200000);
    CHECK_EQ_U64(mmu_level_size(MMU_LEVEL_1G), 0x40000000);
}

/* All 128 combinations, against a table written out bit by bit. */
static void test_flags(void)
{
    static const uint64_t pte_bit[7] = {
        1ul << 1, /* MMU_READ -> R */
        1ul << 2, /* MMU_WRITE -> W */
        1ul << 3, /* MMU_EXEC -> X */
        1ul << 4, /* MMU_USER -> U */
        1ul << 5, /* MMU_GLOBAL -> G */
        1ul << 8, /* MMU_SW0 -> RSW bit 8 */
        1ul << 9, /* MMU_SW1 -> RSW bit 9 */
    };
    CHECK_EQ_U64(MMU_READ | MMU_WRITE | MMU_EXEC | MMU_USER | MMU_GLOBAL |
                     MMU_SW0 | MMU_SW1,
                 0x7f);
    int bad = 0;
    for (unsigned f = 0; f < 128; f++) {
        uint64_t want = 0xc0; /* A and D always; never V */
        for (int b = 0; b < 7; b++)
            if (f & (1u << b))
                want |= pte_bit[b];
        uint64_t pte = sv39_flags_from_mmu(f);
        if (pte != want || sv39_flags_to_mmu(pte) != f)
            bad++;
        /* V, A, D and the PPN are not flags: ignored on the way back. */
        if (sv39_flags_to_mmu(pte | PTE_V | PTE_A | PTE_D | PTE_PPN_MASK) != f)
            bad++;
    }
    CHECK_EQ_U64(bad, 0);
    CHECK_EQ_U64(sv39_flags_from_mmu(0), PTE_A | PTE_D);
    CHECK_EQ_U64(sv39_flags_to_mmu(PTE_V | PTE_A | PTE_D), 0);
    /* Bits outside the 7 flags are ignored. */
    CHECK_EQ_U64(sv39_flags_from_mmu(0xffffff80u), PTE_A | PTE_D);
}

static void test_pte_helpers(void)
{
    CHECK_EQ_U64(sv39_pte_leaf(0x80123000, PTE_R), 0x20048c03);
    CHECK_EQ_U64(sv39_pte_table(0x80123000), 0x20048c01);
    CHECK_EQ_U64(sv39_pte_pa(0x20048c03), 0x80123000);
    /* The widest PPN (56-bit pa) survives; bits 54..63 stay clear. */
    CHECK_EQ_U64(sv39_pte_leaf(0xfffffffffff000, PTE_R), 0x3ffffffffffc03);
    CHECK_EQ_U64(sv39_pte_pa(0xffc0000000000000 | 0x3ffffffffffc01),
                 0xfffffffffff000);
    CHECK(sv39_pte_is_leaf(PTE_V | PTE_X));
    CHECK(!sv39_pte_is_leaf(PTE_V));
    CHECK(!sv39_pte_is_leaf(PTE_R | PTE_W));
    CHECK(!sv39_pte_valid(PTE_R));
}

static void test_map_three_sizes(void)
{
    paddr_t root = new_root();
    budget = 10;

    /* 4 KiB: va 0x40403000 -> root[1] -> [2] -> [3]. R W U SW0 -> bits
     * V R W U A D RSW0 = 0x1d7; PPN 0x80123 << 10 = 0x20048c00. */
    CHECK_EQ_U64(arch_mmu_map(root, 0x40403000, 0x80123000, MMU_LEVEL_4K,
                              MMU_READ | MMU_WRITE | MMU_USER | MMU_SW0),
                 E_OK);
    CHECK_EQ_U64(ntables, 3); /* root + two new tables */
    /* 2 MiB in the upper half: root[259] -> [7]. R X G SW1 -> V R X G A D
     * RSW1 = 0x2eb; PPN 0x80400 << 10 = 0x20100000. */
    const vaddr_t va2m = 0xffffffc0c0e00000;
    CHECK_EQ_U64(arch_mmu_map(root, va2m, 0x80400000, MMU_LEVEL_2M,
                              MMU_READ | MMU_EXEC | MMU_GLOBAL | MMU_SW1),
                 E_OK);
    CHECK_EQ_U64(ntables, 4);
    /* 1 GiB at root[2], every flag: 0x3ff; PPN 0xc0000 << 10. */
    CHECK_EQ_U64(arch_mmu_map(root, 0x80000000, 0xc0000000, MMU_LEVEL_1G,
                              0x7f),
                 E_OK);
    CHECK_EQ_U64(ntables, 4); /* a root leaf needs no table */

    const pte_t *r = tbl(root);
    CHECK_EQ_U64(count_valid(root), 3);
    CHECK_EQ_U64(r[2], 0x300003ff);

    paddr_t l1 = follow(r[1]);
    CHECK(l1 != 0);
    if (l1) {
        CHECK_EQ_U64(count_valid(l1), 1);
        paddr_t l0 = follow(tbl(l1)[2]);
        CHECK(l0 != 0);
        if (l0) {
            CHECK_EQ_U64(count_valid(l0), 1);
            CHECK_EQ_U64(tbl(l0)[3], 0x20048dd7);
        }
    }
    paddr_t l1u = follow(r[259]);
    CHECK(l1u != 0);
    if (l1u) {
        CHECK_EQ_U64(count_valid(l1u), 1);
        CHECK_EQ_U64(tbl(l1u)[7], 0x201002eb);
    }

    /* Queries: pa of the byte (offset kept), flags, level. */
    paddr_t pa = 0;
    unsigned fl = 0;
    int lv = -1;
    CHECK_EQ_U64(arch_mmu_query(root, 0x40403abc, &pa, &fl, &lv), E_OK);
    CHECK_EQ_U64(pa, 0x80123abc);
    CHECK_EQ_U64(fl, MMU_READ | MMU_WRITE | MMU_USER | MMU_SW0);
    CHECK_EQ_U64(lv, MMU_LEVEL_4K);
    CHECK_EQ_U64(arch_mmu_query(root, 0x40403000, &pa, &fl, &lv), E_OK);
    CHECK_EQ_U64(pa, 0x80123000);

    CHECK_EQ_U64(arch_mmu_query(root, va2m + 0x12345, &pa, &fl, &lv), E_OK);
    CHECK_EQ_U64(pa, 0x80412345);
    CHECK_EQ_U64(fl, MMU_READ | MMU_EXEC | MMU_GLOBAL | MMU_SW1);
    CHECK_EQ_U64(lv, MMU_LEVEL_2M);
    CHECK_EQ_U64(arch_mmu_query(root, va2m + 0x1fffff, &pa, &fl, &lv), E_OK);
    CHECK_EQ_U64(pa, 0x805fffff);

    CHECK_EQ_U64(arch_mmu_query(root, 0x83456789, &pa, &fl, &lv), E_OK);
    CHECK_EQ_U64(pa, 0xc3456789);
    CHECK_EQ_U64(fl, 0x7f);
    CHECK_EQ_U64(lv, MMU_LEVEL_1G);
    CHECK_EQ_U64(arch_mmu_query(root, 0xbfffffff, &pa, &fl, &lv), E_OK);
    CHECK_EQ_U64(pa, 0xffffffff);

    /* Unmapped at each level: neighbour in the leaf table, in the level-1
     * table, an empty root entry, the page just past the 1 GiB leaf. */
    CHECK_EQ_U64(arch_mmu_query(root, 0x40404000, &pa, &fl, &lv), E_NOENT);
    CHECK_EQ_U64(arch_mmu_query(root, 0x40402fff, &pa, &fl, &lv), E_NOENT);
    CHECK_EQ_U64(arch_mmu_query(root, 0x40600000, &pa, &fl, &lv), E_NOENT);
    CHECK_EQ_U64(arch_mmu_query(root, va2m + 0x200000, &pa, &fl, &lv), E_NOENT);
    CHECK_EQ_U64(arch_mmu_query(root, 0, &pa, &fl, &lv), E_NOENT);
    CHECK_EQ_U64(arch_mmu_query(root, 0xc0000000, &pa, &fl, &lv), E_NOENT);
    /* Non-canonical aliases of mapped addresses: bits 38..12 select mapped
     * entries, but the address is not a valid Sv39 va. */
    CHECK_EQ_U64(arch_mmu_query(root, 0x40c0e00000, &pa, &fl, &lv), E_NOENT);
    CHECK_EQ_U64(arch_mmu_query(root, 0xffffff8040403000, &pa, &fl, &lv),
                 E_NOENT);
    CHECK_EQ_U64(arch_mmu_query(root, 0x8000000080000000, &pa, &fl, &lv),
                 E_NOENT);

    /* A second 4 KiB leaf in the same tables allocates nothing. */
    CHECK_EQ_U64(arch_mmu_map(root, 0x40404000, 0x90000000, MMU_LEVEL_4K,
                              MMU_EXEC),
                 E_OK);
    CHECK_EQ_U64(ntables, 4);
    CHECK_EQ_U64(arch_mmu_query(root, 0x40404000, &pa, &fl, &lv), E_OK);
    CHECK_EQ_U64(pa, 0x90000000);
    CHECK_EQ_U64(fl, MMU_EXEC);

    /* Widest pa: PPN uses all 44 bits. R W -> V R W A D = 0xc7. */
    CHECK_EQ_U64(arch_mmu_map(root, 0x40405000, 0xfffffffffff000, MMU_LEVEL_4K,
                              MMU_READ | MMU_WRITE),
                 E_OK);
    CHECK_EQ_U64(arch_mmu_query(root, 0x40405fff, &pa, &fl, &lv), E_OK);
    CHECK_EQ_U64(pa, 0xffffffffffffff);
    if (l1 && follow(tbl(l1)[2]))
        CHECK_EQ_U64(tbl(follow(tbl(l1)[2]))[5], 0x3ffffffffffcc7);
    /* A pa of 57 bits does not fit a PTE. */
    CHECK_EQ_U64(arch_mmu_map(root, 0x40406000, 1ul << 56, MMU_LEVEL_4K,
                              MMU_READ),
                 E_RANGE);
    CHECK_EQ_U64(arch_mmu_query(root, 0x40406000, &pa, &fl, &lv), E_NOENT);
    free_tables();
}

static void test_map_errors(void)
{
    paddr_t root = new_root();
    budget = 10;
    const unsigned RW = MMU_READ | MMU_WRITE;

    /* Bad arguments never allocate a table. */
    CHECK_EQ_U64(arch_mmu_map(root, 0x1000, 0x80000000, 3, RW), E_INVAL);
    CHECK_EQ_U64(arch_mmu_map(root, 0x1000, 0x80000000, -1, RW), E_INVAL);
    CHECK_EQ_U64(arch_mmu_map(root, 0, 0, 3, RW), E_INVAL); /* aligned to all */
    CHECK_EQ_U64(arch_mmu_map(root, 0x1000, 0x80000000, 0, 0), E_INVAL);
    CHECK_EQ_U64(arch_mmu_map(root, 0x1000, 0x80000000, 0, MMU_USER), E_INVAL);
    CHECK_EQ_U64(arch_mmu_map(root, 0x1000, 0x80000000, 0,
                              MMU_USER | MMU_GLOBAL | MMU_SW0 | MMU_SW1),
                 E_INVAL);
    /* W without R is a reserved encoding. */
    CHECK_EQ_U64(arch_mmu_map(root, 0x1000, 0x80000000, 0, MMU_WRITE), E_INVAL);
    CHECK_EQ_U64(arch_mmu_map(root, 0x1000, 0x80000000, 0,
                              MMU_WRITE | MMU_EXEC | MMU_USER),
                 E_INVAL);
    CHECK_EQ_U64(arch_mmu_map(root, 0x4000000000, 0x80000000, 0, RW), E_INVAL);
    CHECK_EQ_U64(arch_mmu_map(root, 0xffffffbffffff000, 0x80000000, 0, RW),
                 E_INVAL);
    CHECK_EQ_U64(arch_mmu_map(root, 0x8000000000000000, 0x80000000, 2, RW),
                 E_INVAL);

    /* Misaligned va or pa for each size. */
    CHECK_EQ_U64(arch_mmu_map(root, 0x1001, 0x80000000, 0, RW), E_ALIGN);
    CHECK_EQ_U64(arch_mmu_map(root, 0x1000, 0x80000800, 0, RW), E_ALIGN);
    CHECK_EQ_U64(arch_mmu_map(root, 0x40201000, 0x80200000, 1, RW), E_ALIGN);
    CHECK_EQ_U64(arch_mmu_map(root, 0x40100000, 0x80200000, 1, RW), E_ALIGN);
    CHECK_EQ_U64(arch_mmu_map(root, 0x40200000, 0x80201000, 1, RW), E_ALIGN);
    CHECK_EQ_U64(arch_mmu_map(root, 0x40200000, 0x80100000, 1, RW), E_ALIGN);
    CHECK_EQ_U64(arch_mmu_map(root, 0x40200000, 0x80000000, 2, RW), E_ALIGN);
    CHECK_EQ_U64(arch_mmu_map(root, 0x40000000, 0x80200000, 2, RW), E_ALIGN);
    CHECK_EQ_U64(arch_mmu_map(root, 0x60000000, 0x80000000, 2, RW), E_ALIGN);
    CHECK_EQ_U64(arch_mmu_map(root, 0x40000000, 0xa0000000, 2, RW), E_ALIGN);
    CHECK_EQ_U64(ntables, 1);
    CHECK_EQ_U64(count_valid(root), 0);

    /* Valid minimal flag sets. */
    CHECK_EQ_U64(arch_mmu_map(root, 0x1000, 0x80000000, 0, MMU_READ), E_OK);
    CHECK_EQ_U64(arch_mmu_map(root, 0x2000, 0x80000000, 0, MMU_EXEC), E_OK);
    CHECK_EQ_U64(arch_mmu_map(root, 0x3000, 0x80000000, 0, RW), E_OK);

    paddr_t pa;
    unsigned fl;
    int lv;
    /* Same page twice, even with another pa and flags: E_EXIST, the old
     * PTE unchanged. */
    CHECK_EQ_U64(arch_mmu_map(root, 0x1000, 0x90000000, 0, RW | MMU_EXEC),
                 E_EXIST);
    CHECK_EQ_U64(arch_mmu_query(root, 0x1000, &pa, &fl, &lv), E_OK);
    CHECK_EQ_U64(pa, 0x80000000);
    CHECK_EQ_U64(fl, MMU_READ);

    /* A 2 MiB leaf over the level-0 table holding those pages. */
    CHECK_EQ_U64(arch_mmu_map(root, 0, 0x80000000, 1, RW), E_EXIST);
    /* A 1 GiB leaf over the level-1 table above it. */
    CHECK_EQ_U64(arch_mmu_map(root, 0, 0x80000000, 2, RW), E_EXIST);

    /* Inside a 2 MiB leaf: 4 KiB at its start and in its middle, and the
     * same 2 MiB leaf again. */
    CHECK_EQ_U64(arch_mmu_map(root, 0x40200000, 0x80200000, 1, RW), E_OK);
    int before = ntables;
    CHECK_EQ_U64(arch_mmu_map(root, 0x40200000, 0x80200000, 0, RW), E_EXIST);
    CHECK_EQ_U64(arch_mmu_map(root, 0x40345000, 0x80345000, 0, RW), E_EXIST);
    CHECK_EQ_U64(arch_mmu_map(root, 0x40200000, 0x80400000, 1, RW), E_EXIST);
    CHECK_EQ_U64(arch_mmu_map(root, 0x40000000, 0x80000000, 2, RW), E_EXIST);
    CHECK_EQ_U64(ntables, before); /* no table allocated under a leaf */
    CHECK_EQ_U64(arch_mmu_query(root, 0x40345000, &pa, &fl, &lv), E_OK);
    CHECK_EQ_U64(pa, 0x80345000);
    CHECK_EQ_U64(lv, 1);

    /* Inside a 1 GiB leaf: 2 MiB and 4 KiB, and the leaf again. */
    CHECK_EQ_U64(arch_mmu_map(root, 0xffffffc000000000, 0x80000000, 2, RW),
                 E_OK);
    CHECK_EQ_U64(arch_mmu_map(root, 0xffffffc000200000, 0x80200000, 1, RW),
                 E_EXIST);
    CHECK_EQ_U64(arch_mmu_map(root, 0xffffffc03ffff000, 0x80200000, 0, RW),
                 E_EXIST);
    CHECK_EQ_U64(arch_mmu_map(root, 0xffffffc000000000, 0x80000000, 2, RW),
                 E_EXIST);
    CHECK_EQ_U64(ntables, before);
    CHECK_EQ_U64(tbl(root)[256], 0x200000c7); /* unchanged: 0x80000, V R W A D */
    free_tables();
}

/* Table allocation failure. */
static void test_nomem(void)
{
    paddr_t root = new_root();
    paddr_t pa;
    unsigned fl;
    int lv;

    /* No table at all: nothing is written. */
    budget = 0;
    CHECK_EQ_U64(arch_mmu_map(root, 0x40403000, 0x80000000, 0, MMU_READ),
                 E_NOMEM);
    CHECK_EQ_U64(arch_mmu_map(root, 0x40400000, 0x80000000, 1, MMU_READ),
                 E_NOMEM);
    CHECK_EQ_U64(count_valid(root), 0);
    CHECK_EQ_U64(arch_mmu_query(root, 0x40403000, &pa, &fl, &lv), E_NOENT);
    /* A 1 GiB leaf needs no table: fine with an empty budget. */
    CHECK_EQ_U64(arch_mmu_map(root, 0x80000000, 0x80000000, 2, MMU_READ), E_OK);

    /* One table: the level-1 table is allocated, the level-0 one fails, and
     * the first is given back (all-or-nothing). */
    budget = 1;
    CHECK_EQ_U64(arch_mmu_map(root, 0x40403000, 0x80000000, 0, MMU_READ),
                 E_NOMEM);
    CHECK_EQ_U64(budget, 1);
    CHECK_EQ_U64(arch_mmu_query(root, 0x40403000, &pa, &fl, &lv), E_NOENT);
    CHECK_EQ_U64(arch_mmu_query(root, 0x40400000, &pa, &fl, &lv), E_NOENT);
    /* Nothing half-installed: the failed map must leave no trace, so a
     * 1 GiB leaf over that (still empty) gigabyte is accepted. Regression
     * test for a map that kept its level-1 table after E_NOMEM. */
    CHECK_EQ_U64(tbl(root)[1], 0);
    budget = 0;
    CHECK_EQ_U64(arch_mmu_map(root, 0x40000000, 0xc0000000, 2, MMU_READ), E_OK);
    free_tables();

    /* After the failure, with tables again, a mapping in that range works
     * (on a fresh root so the check above does not interfere). */
    root = new_root();
    budget = 1;
    CHECK_EQ_U64(arch_mmu_map(root, 0x40403000, 0x80000000, 0, MMU_READ),
                 E_NOMEM);
    budget = 2;
    CHECK_EQ_U64(arch_mmu_map(root, 0x40403000, 0x80000000, 0, MMU_READ), E_OK);
    CHECK_EQ_U64(budget, 0);
    CHECK_EQ_U64(arch_mmu_query(root, 0x40403000, &pa, &fl, &lv), E_OK);
    CHECK_EQ_U64(pa, 0x80000000);
    CHECK_EQ_U64(lv, 0);
    CHECK_EQ_U64(ntables, 3);
    free_tables();
}

static void test_user_root(void)
{
    paddr_t kroot = new_root();
    budget = 10;
    const unsigned RWXG = MMU_READ | MMU_WRITE | MMU_EXEC | MMU_GLOBAL;
    CHECK_EQ_U64(arch_mmu_map(kroot, 0xffffffc000000000, 0x80000000, 2, RWXG),
                 E_OK);
    CHECK_EQ_U64(arch_mmu_map(kroot, 0xffffffc0c0200000, 0xc0200000, 1, RWXG),
                 E_OK);
    /* A lower-half mapping in the kernel root must not be shared. */
    CHECK_EQ_U64(arch_mmu_map(kroot, 0x10000, 0x81000000, 0, MMU_READ), E_OK);
    /* Fill the remaining entries with distinct values to check each one. */
    pte_t *k = tbl(kroot);
    for (unsigned i = 0; i < SV39_ENTRIES; i++)
        if (k[i] == 0)
            k[i] = ((uint64_t)(i + 1) << PTE_PPN_SHIFT) | PTE_V | PTE_R;
    pte_t saved[SV39_ENTRIES];
    memcpy(saved, k, sizeof saved);

    paddr_t uroot = 0;
    CHECK_EQ_U64(arch_mmu_table_alloc(&uroot), E_OK);
    arch_mmu_init_user_root(uroot, kroot);
    const pte_t *u = tbl(uroot);
    int bad_low = 0, bad_high = 0;
    for (unsigned i = 0; i < 256; i++)
        bad_low += u[i] != 0;
    for (unsigned i = 256; i < SV39_ENTRIES; i++)
        bad_high += u[i] != k[i];
    CHECK_EQ_U64(bad_low, 0);
    CHECK_EQ_U64(bad_high, 0);
    CHECK(memcmp(saved, k, sizeof saved) == 0); /* source untouched */

    paddr_t pa;
    unsigned fl;
    int lv;
    CHECK_EQ_U64(arch_mmu_query(uroot, 0xffffffc000001234, &pa, &fl, &lv), E_OK);
    CHECK_EQ_U64(pa, 0x80001234);
    CHECK_EQ_U64(lv, 2);
    CHECK_EQ_U64(fl, RWXG);
    CHECK_EQ_U64(arch_mmu_query(uroot, 0xffffffc0c0200010, &pa, &fl, &lv), E_OK);
    CHECK_EQ_U64(pa, 0xc0200010);
    CHECK_EQ_U64(lv, 1);
    CHECK_EQ_U64(arch_mmu_query(uroot, 0x10000, &pa, &fl, &lv), E_NOENT);
    free_tables();
}

int main(void)
{
    test_helpers();
    test_flags();
    test_pte_helpers();
    test_map_three_sizes();
    test_map_errors();
    test_nomem();
    test_user_root();
    return check_finish("test_sv39");
}
