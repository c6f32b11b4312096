/*
 * The RISC-V trap path's symbols shared between trap.S and C: the vector
 * (trap.S) and the C handlers trap.S calls (trap.c), plus the PLIC's
 * external-interrupt handler (plic.c).
 */
#pragma once

struct thread;
struct arch_regs;

extern char trap_vector[]; /* stvec target, trap.S */

/* A trap from U-mode: t's registers are saved in t->regs. */
void trap_from_user(struct thread *t);

/* A trap taken in S-mode (interrupts, or a kernel fault that panics). */
void trap_from_kernel(struct arch_regs *frame);

/* Claims, delivers and completes pending external interrupts. */
void arch_irq_handle(void);
