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
