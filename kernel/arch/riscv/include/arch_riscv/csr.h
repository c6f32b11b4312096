/*
 * RISC-V supervisor CSRs and the bits Mica uses. Visible only to arch code:
 * portable kernel code never names a RISC-V register.
 * Reference: RISC-V privileged spec v1.12, chapter 4 (supervisor level).
 */
#pragma once

#include <stdint.h>

#define SSTATUS_SIE (1ul << 1)
#define SSTATUS_SPIE (1ul << 5)
#define SSTATUS_SPP (1ul << 8)
#define SSTATUS_FS_MASK (3ul << 13)
#define SSTATUS_FS_OFF (0ul << 13)
#define SSTATUS_SUM (1ul << 18)

#define SIE_SSIE (1ul << 1)
#define SIE_STIE (1ul << 5)
#define SIE_SEIE (1ul << 9)

#define SCAUSE_INTERRUPT (1ul << 63)
#define IRQ_S_SOFT 1
#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9

#define EXC_INST_MISALIGNED 0
#define EXC_INST_ACCESS 1
#define EXC_ILLEGAL_INST 2
#define EXC_BREAKPOINT 3
#define EXC_LOAD_MISALIGNED 4
#define EXC_LOAD_ACCESS 5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS 7
#define EXC_ECALL_U 8
#define EXC_ECALL_S 9
#define EXC_INST_PAGE_FAULT 12
#define EXC_LOAD_PAGE_FAULT 13
#define EXC_STORE_PAGE_FAULT 15

#define SATP_MODE_SV39 (8ul << 60)
#define SATP_ASID_SHIFT 44

/* scounteren: let U-mode read cycle, time and instret (benchmarks). */
#define SCOUNTEREN_CY (1u << 0)
#define SCOUNTEREN_TM (1u << 1)
#define SCOUNTEREN_IR (1u << 2)

#define csr_read(csr)                                             \
    ({                                                            \
        uint64_t csr_v_;                                          \
        __asm__ volatile("csrr %0, " #csr : "=r"(csr_v_));        \
        csr_v_;                                                   \
    })

#define csr_write(csr, val) \
    __asm__ volatile("csrw " #csr ", %0" ::"rK"((uint64_t)(val)) : "memory")

#define csr_set(csr, bits) \
    __asm__ volatile("csrs " #csr ", %0" ::"rK"((uint64_t)(bits)) : "memory")

#define csr_clear(csr, bits) \
    __asm__ volatile("csrc " #csr ", %0" ::"rK"((uint64_t)(bits)) : "memory")

static inline void sfence_vma_all(void)
{
    __asm__ volatile("sfence.vma" ::: "memory");
}

static inline void sfence_vma_va_asid(uint64_t va, uint64_t asid)
{
    __asm__ volatile("sfence.vma %0, %1" ::"r"(va), "r"(asid) : "memory");
}
