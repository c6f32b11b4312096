/*
 * Sv39 page-table walker: installs and looks up leaves of all three sizes.
 * Owns no memory itself: intermediate tables come from arch_mmu_table_alloc()
 * and are reached through the direct map. Invariant: a table entry is either
 * invalid, a leaf, or points to a table page obtained from the allocator.
 */
#include <arch/mmu.h>
#include <arch_riscv/sv39.h>

uint64_t sv39_flags_from_mmu(unsigned f)
{
    uint64_t pte = PTE_A | PTE_D;
    if (f & MMU_READ)
        pte |= PTE_R;
    if (f & MMU_WRITE)
        pte |= PTE_W;
    if (f & MMU_EXEC)
        pte |= PTE_X;
    if (f & MMU_USER)
        pte |= PTE_U;
    if (f & MMU_GLOBAL)
        pte |= PTE_G;
    if (f & MMU_SW0)
        pte |= PTE_RSW0;
    if (f & MMU_SW1)
        pte |= PTE_RSW1;
    return pte;
}

unsigned sv39_flags_to_mmu(pte_t pte)
{
    unsigned f = 0;
    if (pte & PTE_R)
        f |= MMU_READ;
    if (pte & PTE_W)
        f |= MMU_WRITE;
    if (pte & PTE_X)
        f |= MMU_EXEC;
    if (pte & PTE_U)
        f |= MMU_USER;
    if (pte & PTE_G)
        f |= MMU_GLOBAL;
    if (pte & PTE_RSW0)
        f |= MMU_SW0;
    if (pte & PTE_RSW1)
        f |= MMU_SW1;
    return f;
}

static pte_t *table_at(paddr_t table_pa)
{
    return (pte_t *)phys_to_virt(table_pa);
}

err_t arch_mmu_map(paddr_t root, vaddr_t va, paddr_t pa, int level,
                   unsigned flags)
{
    if (level < MMU_LEVEL_4K || level > MMU_LEVEL_1G)
        return E_INVAL;
    if (!(flags & (MMU_READ | MMU_WRITE | MMU_EXEC)))
        return E_INVAL;
    /* W without R is reserved in Sv39 (privileged spec, table 4.5). */
    if ((flags & MMU_WRITE) && !(flags & MMU_READ))
        return E_INVAL;
    if (!sv39_va_canonical(va))
        return E_INVAL;
    uint64_t size = mmu_level_size(level);
    if (!IS_ALIGNED(va, size) || !IS_ALIGNED(pa, size))
        return E_ALIGN;
    if (pa >> 56)
        return E_RANGE;

    /*
     * Walk the existing path first. Tables that are missing are allocated
     * all at once before anything is written, so E_NOMEM leaves the tree
     * exactly as it was (no empty tables that would later read as E_EXIST).
     */
    paddr_t table = root;
    int missing_from = -1; /* highest level whose entry is missing */
    for (int l = SV39_LEVELS - 1; l > level; l--) {
        pte_t e = table_at(table)[sv39_index(va, l)];
        if (!sv39_pte_valid(e)) {
            missing_from = l;
            break;
        }
        if (sv39_pte_is_leaf(e))
            return E_EXIST; /* a larger leaf already covers va */
        table = sv39_pte_pa(e);
    }
    if (missing_from < 0) {
        pte_t *leaf = &table_at(table)[sv39_index(va, level)];
        /* A valid entry here is a leaf of the same size or a table of
         * smaller leaves: either way part of the range is mapped. */
        if (sv39_pte_valid(*leaf))
            return E_EXIST;
        *leaf = sv39_pte_leaf(pa, sv39_flags_from_mmu(flags));
        return E_OK;
    }

    int nnew = missing_from - level; /* tables for levels missing_from-1 .. level */
    paddr_t fresh[SV39_LEVELS];
    for (int i = 0; i < nnew; i++) {
        err_t err = arch_mmu_table_alloc(&fresh[i]);
        if (err != E_OK) {
            while (i-- > 0)
                arch_mmu_table_free(fresh[i]);
            return err;
        }
    }
    for (int l = missing_from, i = 0; l > level; l--, i++) {
        table_at(table)[sv39_index(va, l)] = sv39_pte_table(fresh[i]);
        table = fresh[i];
    }
    table_at(table)[sv39_index(va, level)] =
        sv39_pte_leaf(pa, sv39_flags_from_mmu(flags));
    return E_OK;
}

unsigned arch_mmu_tables_missing(paddr_t root, vaddr_t va, int level)
{
    if (!sv39_va_canonical(va) || level < MMU_LEVEL_4K || level > MMU_LEVEL_1G)
        return 0;
    paddr_t table = root;
    for (int l = SV39_LEVELS - 1; l > level; l--) {
        pte_t e = table_at(table)[sv39_index(va, l)];
        if (!sv39_pte_valid(e))
            return (unsigned)(l - level);
        if (sv39_pte_is_leaf(e))
            return 0;
        table = sv39_pte_pa(e);
    }
    return 0;
}

err_t arch_mmu_query(paddr_t root, vaddr_t va, paddr_t *pa, unsigned *flags,
                     int *level)
{
    if (!sv39_va_canonical(va))
        return E_NOENT;
    paddr_t table = root;
    for (int l = SV39_LEVELS - 1; l >= 0; l--) {
        pte_t e = table_at(table)[sv39_index(va, l)];
        if (!sv39_pte_valid(e))
            return E_NOENT;
        if (sv39_pte_is_leaf(e)) {
            uint64_t size = mmu_level_size(l);
            *pa = sv39_pte_pa(e) + (va & (size - 1));
            *flags = sv39_flags_to_mmu(e);
            *level = l;
            return E_OK;
        }
        table = sv39_pte_pa(e);
    }
    return E_NOENT; /* a level-0 entry without R/W/X: not a leaf */
}

void arch_mmu_init_user_root(paddr_t root, paddr_t kernel_root)
{
    /* The kernel half is the upper 256 root entries; the kernel never adds
     * root entries after boot, so copying them once keeps them shared. */
    pte_t *dst = table_at(root);
    const pte_t *src = table_at(kernel_root);
    for (unsigned i = SV39_ENTRIES / 2; i < SV39_ENTRIES; i++)
        dst[i] = src[i];
}

/* Finds the leaf mapping va: its entry and level. NULL when none. */
static pte_t *find_leaf(paddr_t root, vaddr_t va, int *level)
{
    if (!sv39_va_canonical(va))
        return NULL;
    paddr_t table = root;
    for (int l = SV39_LEVELS - 1; l >= 0; l--) {
        pte_t *e = &table_at(table)[sv39_index(va, l)];
        if (!sv39_pte_valid(*e))
            return NULL;
        if (sv39_pte_is_leaf(*e)) {
            *level = l;
            return e;
        }
        table = sv39_pte_pa(*e);
    }
    return NULL;
}

err_t arch_mmu_unmap(paddr_t root, vaddr_t va, paddr_t *pa, int *level)
{
    pte_t *e = find_leaf(root, va, level);
    if (!e)
        return E_NOENT;
    *pa = sv39_pte_pa(*e);
    *e = 0;
    return E_OK;
}

err_t arch_mmu_protect(paddr_t root, vaddr_t va, unsigned flags, int *level)
{
    if (!(flags & (MMU_READ | MMU_WRITE | MMU_EXEC)) ||
        ((flags & MMU_WRITE) && !(flags & MMU_READ)))
        return E_INVAL;
    pte_t *e = find_leaf(root, va, level);
    if (!e)
        return E_NOENT;
    *e = sv39_pte_leaf(sv39_pte_pa(*e), sv39_flags_from_mmu(flags));
    return E_OK;
}

err_t arch_mmu_replace(paddr_t root, vaddr_t va, paddr_t pa, int level, unsigned flags)
{
    if (!(flags & (MMU_READ | MMU_WRITE | MMU_EXEC)) ||
        ((flags & MMU_WRITE) && !(flags & MMU_READ)))
        return E_INVAL;
    uint64_t size = mmu_level_size(level);
    if (!IS_ALIGNED(va, size) || !IS_ALIGNED(pa, size))
        return E_ALIGN;
    int found;
    pte_t *e = find_leaf(root, va, &found);
    if (!e || found != level)
        return E_NOENT;
    *e = sv39_pte_leaf(pa, sv39_flags_from_mmu(flags));
    return E_OK;
}

/* True when the table at `pa` (of `level`) maps nothing, looking through
 * lower tables. */
static bool table_maps_nothing(paddr_t pa, int level)
{
    const pte_t *t = table_at(pa);
    for (unsigned i = 0; i < SV39_ENTRIES; i++) {
        if (!sv39_pte_valid(t[i]))
            continue;
        if (sv39_pte_is_leaf(t[i]) || level == 0)
            return false;
        if (!table_maps_nothing(sv39_pte_pa(t[i]), level - 1))
            return false;
    }
    return true;
}

/* Frees the table at pa (of `level`) and every table below it. */
static void free_table_tree(paddr_t pa, int level)
{
    pte_t *t = table_at(pa);
    if (level > 0) {
        for (unsigned i = 0; i < SV39_ENTRIES; i++)
            if (sv39_pte_valid(t[i]) && !sv39_pte_is_leaf(t[i]))
                free_table_tree(sv39_pte_pa(t[i]), level - 1);
    }
    arch_mmu_table_free(pa);
}

bool arch_mmu_reclaim_empty(paddr_t root, vaddr_t va, int level)
{
    /* Where a superpage is wanted but an empty table (left behind by
     * unmapping its 4 KiB leaves) is in the way, free that table. */
    paddr_t table = root;
    for (int l = SV39_LEVELS - 1; l > level; l--) {
        pte_t e = table_at(table)[sv39_index(va, l)];
        if (!sv39_pte_valid(e) || sv39_pte_is_leaf(e))
            return false;
        table = sv39_pte_pa(e);
    }
    pte_t *slot = &table_at(table)[sv39_index(va, level)];
    if (!sv39_pte_valid(*slot) || sv39_pte_is_leaf(*slot) || level == 0)
        return false;
    if (!table_maps_nothing(sv39_pte_pa(*slot), level - 1))
        return false;
    paddr_t sub = sv39_pte_pa(*slot);
    *slot = 0;
    free_table_tree(sub, level - 1);
    return true;
}

void arch_mmu_destroy_user(paddr_t root)
{
    pte_t *t = table_at(root);
    for (unsigned i = 0; i < SV39_ENTRIES / 2; i++)
        if (sv39_pte_valid(t[i]) && !sv39_pte_is_leaf(t[i]))
            free_table_tree(sv39_pte_pa(t[i]), SV39_LEVELS - 2);
    arch_mmu_table_free(root);
}


err_t arch_mmu_next(paddr_t root, vaddr_t va, vaddr_t end, vaddr_t *leaf_va, paddr_t *pa,
                    unsigned *flags, int *level)
{
    /* Iterative walk: at each step find the entry for va at the deepest
     * existing level; an empty entry lets us skip its whole range. */
    while (va < end && sv39_va_canonical(va)) {
        paddr_t table = root;
        int l = SV39_LEVELS - 1;
        for (;;) {
            pte_t e = table_at(table)[sv39_index(va, l)];
            uint64_t size = mmu_level_size(l);
            vaddr_t base = ALIGN_DOWN(va, size);
            if (!sv39_pte_valid(e)) {
                if (base + size < base)
                    return E_NOENT; /* top of the address space */
                va = base + size;
                break;
            }
            if (sv39_pte_is_leaf(e)) {
                *leaf_va = base;
                *pa = sv39_pte_pa(e);
                *flags = sv39_flags_to_mmu(e);
                *level = l;
                return E_OK;
            }
            if (l == 0) { /* a reserved non-leaf at level 0: skip it */
                va = base + size;
                break;
            }
            table = sv39_pte_pa(e);
            l--;
        }
    }
    return E_NOENT;
}
