/*
 * Sv39 page-table entry encoding. Reference: RISC-V privileged spec v1.12,
 * section 4.4 (Sv39): 3 levels of 512 entries; VA bits 38..30, 29..21 and
 * 20..12 index levels 2, 1 and 0; a PTE holds the PPN in bits 53..10, the
 * two RSW (software) bits in 9..8 and D A G U X W R V in 7..0. A valid PTE
 * with R, W and X all clear points to the next-level table.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t pte_t;

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_U (1ul << 4)
#define PTE_G (1ul << 5)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)
#define PTE_RSW0 (1ul << 8)
#define PTE_RSW1 (1ul << 9)
#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK (((1ul << 44) - 1) << PTE_PPN_SHIFT)
#define PTE_FLAGS_MASK 0x3fful

#define SV39_LEVELS 3
#define SV39_ENTRIES 512
#define SV39_VA_BITS 39

static inline pte_t sv39_pte_leaf(uint64_t pa, uint64_t pte_flags)
{
    return ((pa >> 12) << PTE_PPN_SHIFT) | (pte_flags & PTE_FLAGS_MASK) | PTE_V;
}

static inline pte_t sv39_pte_table(uint64_t table_pa)
{
    return ((table_pa >> 12) << PTE_PPN_SHIFT) | PTE_V;
}

static inline uint64_t sv39_pte_pa(pte_t pte)
{
    return ((pte & PTE_PPN_MASK) >> PTE_PPN_SHIFT) << 12;
}

static inline bool sv39_pte_valid(pte_t pte)
{
    return (pte & PTE_V) != 0;
}

static inline bool sv39_pte_is_leaf(pte_t pte)
{
    return (pte & PTE_V) && (pte & (PTE_R | PTE_W | PTE_X));
}

/* Index of va's entry in the table of `level` (2 = root). */
static inline unsigned sv39_index(uint64_t va, int level)
{
    return (unsigned)((va >> (12 + 9 * level)) & (SV39_ENTRIES - 1));
}

/* True when va is a canonical Sv39 address (bits 63..39 copy bit 38). */
static inline bool sv39_va_canonical(uint64_t va)
{
    int64_t s = (int64_t)(va << (64 - SV39_VA_BITS)) >> (64 - SV39_VA_BITS);
    return (uint64_t)s == va;
}

/* MMU_* flags (arch/mmu.h) -> PTE bits. Leaves are created with A and D
 * already set: QEMU would otherwise fault or set them on first use, and Mica
 * does not use hardware A/D tracking. */
uint64_t sv39_flags_from_mmu(unsigned mmu_flags);
unsigned sv39_flags_to_mmu(pte_t pte);
