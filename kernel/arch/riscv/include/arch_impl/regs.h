/*
 * Saved user register state of a thread, as trap entry stores it. x0 is not
 * stored: gpr[i] holds x(i+1). Offsets are ABI with trap.S (asserted in
 * arch/riscv/asm_offsets.c).
 */
#pragma once

#include <stdint.h>

#define REGS_NGPR 31

struct arch_regs {
    uint64_t gpr[REGS_NGPR]; /* x1..x31 */
    uint64_t pc;             /* sepc of the trap */
    uint64_t status;         /* sstatus at the trap (SPP, SPIE, FS) */
    uint64_t cause;          /* scause of the last trap */
    uint64_t tval;           /* stval of the last trap */
};

/* Floating-point state, saved and restored lazily (arch/riscv/fpu.S). */
struct arch_fpu {
    uint64_t f[32];
    uint64_t fcsr;
};

/* Register numbers of the RISC-V calling convention. */
#define REG_RA 1
#define REG_SP 2
#define REG_TP 4
#define REG_S0 8
#define REG_A0 10
#define REG_A1 11
#define REG_A2 12
#define REG_A7 17
#define REG_T0 5
#define REG_T3 28
#define REG_T4 29

/*
 * Role names: the portable core names registers only by what they carry in
 * the syscall and IPC ABI (docs/kernel-api.md), never by their RISC-V name
 * (kernel/check_arch_boundary.sh rejects REG_* in kernel/core).
 */
#define ARCH_REG_SYSNO REG_T0    /* syscall number */
#define ARCH_REG_ARG0 REG_A0     /* syscall arguments; ARG0 is the capability */
#define ARCH_REG_ARG1 REG_A1
#define ARCH_REG_RET REG_A0      /* syscall result: err_t, or a value >= 0 */
#define ARCH_REG_RET1 REG_A1     /* further results of calls that have them */
#define ARCH_REG_RET2 REG_A2
#define ARCH_REG_RET3 (REG_A2 + 1)
#define ARCH_REG_BADGE REG_A0    /* a received message's badge */
#define ARCH_REG_TAG REG_A1      /* a message's tag (label, words, caps) */
#define ARCH_REG_FP REG_S0       /* frame pointer, for backtraces */
#define ARCH_REG_RA REG_RA       /* return address, for backtraces */

/* Register holding IPC message word i (0..7): a2..a7, then t3, t4. */
static inline int arch_msg_reg(int i)
{
    return i < 6 ? REG_A2 + i : REG_T3 + (i - 6);
}

static inline uint64_t arch_regs_get(const struct arch_regs *r, int xreg)
{
    return r->gpr[xreg - 1];
}

static inline void arch_regs_set(struct arch_regs *r, int xreg, uint64_t v)
{
    r->gpr[xreg - 1] = v;
}
