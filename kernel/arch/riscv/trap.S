/*
 * Trap entry and exit. sscratch tells where a trap came from: while a hart
 * runs user code it holds the hart's struct cpu pointer; while it runs the
 * kernel it holds 0 (the kernel's tp is the struct cpu pointer).
 *
 * From user mode, registers are saved into the current thread's struct
 * arch_regs (at the start of struct thread) and the kernel runs on the
 * hart's kernel stack; trap_from_user() never returns, it ends by entering
 * user mode again through arch_enter_user(). From the kernel (only the
 * idle loop takes interrupts; anything else is a kernel fault), a frame is
 * pushed on the current stack and the handler returns.
 */
#include "asm_offsets.h"

#define SAVE(r, n, base) sd r, REG_OFF(n)(base)
#define LOAD(r, n, base) ld r, REG_OFF(n)(base)

/* Saves x1, x3, x5..x31 (not sp and tp) at `base`. */
.macro save_gprs base
    SAVE(x1, 1, \base)
    SAVE(x3, 3, \base)
    SAVE(x5, 5, \base)
    SAVE(x6, 6, \base)
    SAVE(x7, 7, \base)
    SAVE(x8, 8, \base)
    SAVE(x9, 9, \base)
    SAVE(x10, 10, \base)
    SAVE(x11, 11, \base)
    SAVE(x12, 12, \base)
    SAVE(x13, 13, \base)
    SAVE(x14, 14, \base)
    SAVE(x15, 15, \base)
    SAVE(x16, 16, \base)
    SAVE(x17, 17, \base)
    SAVE(x18, 18, \base)
    SAVE(x19, 19, \base)
    SAVE(x20, 20, \base)
    SAVE(x21, 21, \base)
    SAVE(x22, 22, \base)
    SAVE(x23, 23, \base)
    SAVE(x24, 24, \base)
    SAVE(x25, 25, \base)
    SAVE(x26, 26, \base)
    SAVE(x27, 27, \base)
    SAVE(x28, 28, \base)
    SAVE(x29, 29, \base)
    SAVE(x30, 30, \base)
    SAVE(x31, 31, \base)
.endm

/* Restores x1, x3, x5..x31 except the base register itself. */
.macro load_gprs_but_base base
    LOAD(x1, 1, \base)
    LOAD(x3, 3, \base)
    LOAD(x5, 5, \base)
    LOAD(x6, 6, \base)
    LOAD(x7, 7, \base)
    LOAD(x8, 8, \base)
    LOAD(x9, 9, \base)
    LOAD(x11, 11, \base)
    LOAD(x12, 12, \base)
    LOAD(x13, 13, \base)
    LOAD(x14, 14, \base)
    LOAD(x15, 15, \base)
    LOAD(x16, 16, \base)
    LOAD(x17, 17, \base)
    LOAD(x18, 18, \base)
    LOAD(x19, 19, \base)
    LOAD(x20, 20, \base)
    LOAD(x21, 21, \base)
    LOAD(x22, 22, \base)
    LOAD(x23, 23, \base)
    LOAD(x24, 24, \base)
    LOAD(x25, 25, \base)
    LOAD(x26, 26, \base)
    LOAD(x27, 27, \base)
    LOAD(x28, 28, \base)
    LOAD(x29, 29, \base)
    LOAD(x30, 30, \base)
    LOAD(x31, 31, \base)
.endm

    .text
    .balign 4
    .global trap_vector
trap_vector:
    csrrw tp, sscratch, tp
    beqz tp, from_kernel

    /* From user: tp = struct cpu *, sscratch = user tp. */
    sd sp, CPU_SCRATCH(tp)
    ld sp, CPU_CUR(tp)          /* struct thread *, regs at offset 0 */
    save_gprs sp
    ld t0, CPU_SCRATCH(tp)
    SAVE(t0, 2, sp)             /* user sp */
    csrrw t0, sscratch, zero    /* user tp; from now on "in the kernel" */
    SAVE(t0, 4, sp)
    csrr t0, sepc
    sd t0, REGS_PC(sp)
    csrr t0, sstatus
    sd t0, REGS_STATUS(sp)
    csrr t0, scause
    sd t0, REGS_CAUSE(sp)
    csrr t0, stval
    sd t0, REGS_TVAL(sp)
    mv a0, sp
    ld sp, CPU_KSTACK_TOP(tp)
    li s0, 0                    /* backtraces stop at the trap boundary */
    call trap_from_user         /* does not return */
1:  j 1b

from_kernel:
    csrrw tp, sscratch, zero    /* tp = struct cpu * again, sscratch = 0 */
    addi sp, sp, -TRAP_FRAME_SIZE
    save_gprs sp
    addi t0, sp, TRAP_FRAME_SIZE
    SAVE(t0, 2, sp)             /* sp before the trap */
    SAVE(tp, 4, sp)
    csrr t0, sepc
    sd t0, REGS_PC(sp)
    csrr t0, sstatus
    sd t0, REGS_STATUS(sp)
    csrr t0, scause
    sd t0, REGS_CAUSE(sp)
    csrr t0, stval
    sd t0, REGS_TVAL(sp)
    mv a0, sp
    call trap_from_kernel
    ld t0, REGS_PC(sp)
    csrw sepc, t0
    ld t0, REGS_STATUS(sp)
    csrw sstatus, t0            /* SPP = 1 and SPIE as they were */
    mv a0, sp
    load_gprs_but_base a0
    LOAD(a0, 10, a0)
    addi sp, sp, TRAP_FRAME_SIZE
    sret

/* void arch_enter_user(struct thread *t): a0 = t, regs at offset 0. */
    .global arch_enter_user
arch_enter_user:
    csrw sscratch, tp           /* the next trap finds struct cpu here */
    ld t0, REGS_PC(a0)
    csrw sepc, t0
    li t0, (1 << 8)             /* SPP: return to user mode */
    csrc sstatus, t0
    li t0, (1 << 5)             /* SPIE: interrupts on in user mode */
    csrs sstatus, t0
    li t1, (3 << 13)            /* FS: on only for the FPU's owner (fpu.c) */
    csrc sstatus, t1
    ld t0, REGS_STATUS(a0)
    and t0, t0, t1
    csrs sstatus, t0
    LOAD(x2, 2, a0)
    LOAD(x4, 4, a0)
    load_gprs_but_base a0
    LOAD(a0, 10, a0)
    sret
