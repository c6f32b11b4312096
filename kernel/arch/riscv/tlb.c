/*
 * TLB maintenance and ASID discovery: the instructions behind the flush
 * calls of <arch/mmu.h>. Kept apart from sv39.c, which is host-tested.
 * Reference: RISC-V privileged spec v1.12, section 4.2.1 (SFENCE.VMA).
 */
#include <arch/mmu.h>

void arch_tlb_flush_page(vaddr_t va, uint16_t asid)
{
    __asm__ volatile("sfence.vma %0, %1" ::"r"(va), "r"((uint64_t)asid) : "memory");
}

unsigned arch_mmu_asid_bits(void)
{
    uint64_t old;
    __asm__ volatile("csrr %0, satp" : "=r"(old));
    uint64_t probe = old | (0xfffful << 44);
    uint64_t got;
    __asm__ volatile("csrw satp, %1\n\tcsrr %0, satp\n\tcsrw satp, %2"
                     : "=&r"(got)
                     : "r"(probe), "r"(old)
                     : "memory");
    uint64_t mask = (got >> 44) & 0xffff;
    unsigned bits = 0;
    while (mask & 1) {
        bits++;
        mask >>= 1;
    }
    return bits;
}

void arch_tlb_flush_asid(uint16_t asid)
{
    __asm__ volatile("sfence.vma zero, %0" ::"r"((uint64_t)asid) : "memory");
}

void arch_tlb_flush_all(void)
{
    __asm__ volatile("sfence.vma" ::: "memory");
}
