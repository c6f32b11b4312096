/*
 * The CPU contract: console, power, idle, timer, counters, and entering user
 * mode. Implemented in kernel/arch/<arch>/.
 */
#pragma once

#include <kernel/types.h>

struct thread;
struct arch_regs;

/* Writes one character to the firmware debug console (early and panic safe). */
void arch_console_putc(char c);

/* Powers the machine off with `status` (0..255) as QEMU's exit status, or
 * as close to it as the platform allows. Never returns. */
NORETURN void arch_poweroff(int status);

/* Tells the arch where the platform's power-off device is (QEMU virt:
 * the sifive_test finisher), mapped in the kernel's direct map; 0 if none. */
void arch_set_poweroff_device(paddr_t pa);

/* Arms the periodic tick: `tick_hz` interrupts per second from a counter
 * running at `timebase_hz`. */
void arch_timer_init(uint64_t timebase_hz, uint32_t tick_hz);

/* The `time` counter now (the timebase the FDT gives; 10 MHz on QEMU virt). */
uint64_t arch_time_now(void);

/* Re-arms the timer for the next tick; called from the tick interrupt. */
void arch_timer_rearm(void);

/* Installs trap handling on this hart and lets user mode read the counters. */
void arch_trap_init(void);

/* Waits for an interrupt with interrupts enabled, then returns with them
 * disabled again (the kernel itself runs with interrupts off). */
void arch_idle(void);

/* Restores t's user registers and enters user mode. Never returns. */
NORETURN void arch_enter_user(struct thread *t);

/* Sets up regs so the thread starts at pc with sp and a0 in user mode. */
void arch_regs_init_user(struct arch_regs *regs, uint64_t pc, uint64_t sp,
                         uint64_t arg0);

/* The value of the MMU's root register for (root, asid). */
uint64_t arch_mmu_context(paddr_t root, uint16_t asid);

/* Switches this hart to the page table `root` tagged with `asid`. */
void arch_mmu_activate(paddr_t root, uint16_t asid);

/* Prints the register file of a trap frame, one line per few registers. */
void arch_dump_regs(const struct arch_regs *regs);

/* Calls fn(pc) for each return address found by walking frame pointers,
 * starting with the frame `fp`; stops after `max` frames or at the first
 * frame pointer outside [stack_lo, stack_hi). */
void arch_backtrace(uint64_t fp, uint64_t stack_lo, uint64_t stack_hi,
                    int max, void (*fn)(uint64_t pc));

/* Interrupt controller (PLIC on RISC-V). */
void arch_irq_init(paddr_t ctrl_pa, uint32_t hartid);
void arch_irq_enable(uint32_t irq);
void arch_irq_disable(uint32_t irq);
void arch_irq_complete(uint32_t irq);

/* Floating point: called on an illegal instruction in user mode. If t's
 * FPU was off, turns it on (loading t's registers) and returns true: the
 * instruction is retried. False: it is a real illegal instruction. */
bool arch_fpu_claim(struct thread *t);

/* Before entering user mode: FPU on for t only if it owns the registers. */
void arch_fpu_prepare(struct thread *t);
