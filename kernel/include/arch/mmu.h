/*
 * The MMU contract between portable kernel code and the architecture.
 * Sizes are named by level: level 0 = 4 KiB page, 1 = 2 MiB, 2 = 1 GiB.
 * Flags are arch-neutral (MMU_*); the arch turns them into PTE bits.
 */
#pragma once

#include <kernel/types.h>

#include <arch_impl/layout.h>

#define MMU_READ (1u << 0)
#define MMU_WRITE (1u << 1)
#define MMU_EXEC (1u << 2)
#define MMU_USER (1u << 3)
#define MMU_GLOBAL (1u << 4)
#define MMU_SW0 (1u << 5) /* software bit: Sv39 RSW bit 8, never interpreted by the kernel */
#define MMU_SW1 (1u << 6) /* software bit: Sv39 RSW bit 9 */

#define MMU_LEVEL_4K 0
#define MMU_LEVEL_2M 1
#define MMU_LEVEL_1G 2

static inline uint64_t mmu_level_size(int level)
{
    return PAGE_SIZE << (9 * level);
}

/* Physical address -> its alias in the kernel's direct map. */
static inline void *phys_to_virt(paddr_t pa)
{
    return (void *)(pa + KERNEL_DIRECT_MAP_BASE);
}

/* Kernel direct-map or image address -> physical address. */
static inline paddr_t virt_to_phys(const void *va)
{
    return (paddr_t)va - KERNEL_DIRECT_MAP_BASE;
}

/*
 * Page tables. `root` is the physical address of a top-level table.
 * arch_mmu_map installs one leaf of `level` mapping va -> pa, allocating
 * intermediate tables with arch_mmu_table_alloc(). Both addresses must be
 * aligned to the leaf size (E_ALIGN). E_EXIST if any mapping is already
 * present in the range; E_NOMEM if a table cannot be allocated; E_INVAL
 * for a bad level or flags without READ/WRITE/EXEC.
 */
WARN_UNUSED err_t arch_mmu_map(paddr_t root, vaddr_t va, paddr_t pa, int level,
                               unsigned flags);

/* Looks up the leaf mapping va. E_NOENT when none; else its pa (of va,
 * offset included), MMU_* flags and level. */
WARN_UNUSED err_t arch_mmu_query(paddr_t root, vaddr_t va, paddr_t *pa,
                                 unsigned *flags, int *level);

/* Provided by the kernel (or a host test): a zeroed page for a page table,
 * and giving back one that was never installed. */
WARN_UNUSED err_t arch_mmu_table_alloc(paddr_t *pa);
void arch_mmu_table_free(paddr_t pa);

/* How many page-table pages arch_mmu_map(root, va, ., level) would have to
 * allocate (0 when the path exists or a leaf is in the way). */
unsigned arch_mmu_tables_missing(paddr_t root, vaddr_t va, int level);

/* Prepares a new user root table at `root` (zeroed) so that it shares the
 * kernel half of `kernel_root`. */
void arch_mmu_init_user_root(paddr_t root, paddr_t kernel_root);

/* Removes the leaf containing va; returns its base pa and level. E_NOENT. */
WARN_UNUSED err_t arch_mmu_unmap(paddr_t root, vaddr_t va, paddr_t *pa, int *level);

/* Rewrites the flags of the leaf containing va. E_NOENT, E_INVAL. */
WARN_UNUSED err_t arch_mmu_protect(paddr_t root, vaddr_t va, unsigned flags, int *level);

/* Replaces the leaf of exactly `level` at va with pa/flags. E_NOENT when
 * there is no such leaf; E_ALIGN, E_INVAL as arch_mmu_map. */
WARN_UNUSED err_t arch_mmu_replace(paddr_t root, vaddr_t va, paddr_t pa, int level,
                                   unsigned flags);

/* If the entry for a leaf of `level` at va is a table that maps nothing,
 * frees it (and the tables below) so a superpage can go there. */
bool arch_mmu_reclaim_empty(paddr_t root, vaddr_t va, int level);

/* Finds the first leaf mapping an address in [va, end): its base address,
 * pa, MMU_* flags and level. E_NOENT when there is none. Skips empty
 * tables, so a sparse space is walked quickly. */
WARN_UNUSED err_t arch_mmu_next(paddr_t root, vaddr_t va, vaddr_t end, vaddr_t *leaf_va,
                                paddr_t *pa, unsigned *flags, int *level);

/* Frees every user-half table below root, and root itself. */
void arch_mmu_destroy_user(paddr_t root);

/* Drops this hart's cached translation of va in address space asid. */
void arch_tlb_flush_page(vaddr_t va, uint16_t asid);

/* Number of ASID bits the hart implements (0..16). */
unsigned arch_mmu_asid_bits(void);

/* Drops this hart's cached translations of address space asid. */
void arch_tlb_flush_asid(uint16_t asid);

/* Drops every cached translation on this hart. */
void arch_tlb_flush_all(void);
