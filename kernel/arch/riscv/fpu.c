/*
 * Lazy floating-point switching. User threads start with sstatus.FS = Off,
 * so their first FP instruction traps as illegal; arch_fpu_claim() then
 * saves the registers of the thread that owns the FPU (if any), loads the
 * claimant's and turns FS on for it. A thread that never uses the FPU
 * never pays for it, on IPC or on a context switch.
 */
#include <arch/cpu.h>
#include <arch_riscv/csr.h>
#include <kernel/cpu_local.h>
#include <kernel/thread.h>

void fpu_save(struct arch_fpu *f);
void fpu_restore(const struct arch_fpu *f);

#define SSTATUS_FS_CLEAN (2ul << 13)

bool arch_fpu_claim(struct thread *t)
{
    if ((t->regs.status & SSTATUS_FS_MASK) != SSTATUS_FS_OFF)
        return false; /* the FPU was on: a genuinely illegal instruction */
    struct cpu *cpu = cpu_self();
    csr_set(sstatus, SSTATUS_FS_CLEAN); /* the kernel needs FS on to move registers */
    if (cpu->fpu_owner && cpu->fpu_owner != t)
        fpu_save(&cpu->fpu_owner->fpu);
    if (cpu->fpu_owner != t) {
        if (!t->fpu_used) {
            for (int i = 0; i < 32; i++)
                t->fpu.f[i] = 0;
            t->fpu.fcsr = 0;
        }
        fpu_restore(&t->fpu);
    }
    cpu->fpu_owner = t;
    t->fpu_used = true;
    t->regs.status = (t->regs.status & ~SSTATUS_FS_MASK) | SSTATUS_FS_CLEAN;
    return true;
}

void arch_fpu_prepare(struct thread *t)
{
    uint64_t fs = cpu_self()->fpu_owner == t ? SSTATUS_FS_CLEAN : SSTATUS_FS_OFF;
    t->regs.status = (t->regs.status & ~SSTATUS_FS_MASK) | fs;
}
