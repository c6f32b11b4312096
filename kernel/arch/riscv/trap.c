/*
 * RISC-V trap dispatch: decodes scause and hands the event to portable
 * kernel code. Traps from user mode end by re-entering user mode; traps in
 * kernel mode are either the idle loop's interrupts or a kernel bug.
 */
#include <arch/cpu.h>
#include <arch_riscv/csr.h>
#include <kernel/panic.h>
#include <kernel/thread.h>
#include <kernel/trap.h>

#include <arch_riscv/trap_entry.h>

void arch_trap_init(void)
{
    csr_write(stvec, (uint64_t)trap_vector);
    csr_write(sscratch, 0);
    csr_write(scounteren, SCOUNTEREN_CY | SCOUNTEREN_TM | SCOUNTEREN_IR);
    /* Supervisor memory access to user pages stays off: the kernel reads
     * user memory only through the direct map after checking the PTEs. */
    csr_clear(sstatus, SSTATUS_SUM);
}

static enum exc_kind decode_exception(uint64_t cause)
{
    switch (cause) {
    case EXC_INST_MISALIGNED: return EXC_KIND_MISALIGNED_FETCH;
    case EXC_INST_ACCESS: return EXC_KIND_ACCESS_FAULT_FETCH;
    case EXC_ILLEGAL_INST: return EXC_KIND_ILLEGAL_INSTRUCTION;
    case EXC_BREAKPOINT: return EXC_KIND_BREAKPOINT;
    case EXC_LOAD_MISALIGNED: return EXC_KIND_MISALIGNED_LOAD;
    case EXC_LOAD_ACCESS: return EXC_KIND_ACCESS_FAULT_LOAD;
    case EXC_STORE_MISALIGNED: return EXC_KIND_MISALIGNED_STORE;
    case EXC_STORE_ACCESS: return EXC_KIND_ACCESS_FAULT_STORE;
    case EXC_INST_PAGE_FAULT: return EXC_KIND_PAGE_FAULT_FETCH;
    case EXC_LOAD_PAGE_FAULT: return EXC_KIND_PAGE_FAULT_LOAD;
    case EXC_STORE_PAGE_FAULT: return EXC_KIND_PAGE_FAULT_STORE;
    default: return EXC_KIND_UNKNOWN;
    }
}

static void handle_interrupt(uint64_t cause)
{
    switch (cause & ~SCAUSE_INTERRUPT) {
    case IRQ_S_TIMER:
        arch_timer_rearm();
        trap_timer_tick();
        break;
    case IRQ_S_EXT:
        arch_irq_handle();
        break;
    default:
        /* Not enabled in sie, so not expected; ignore rather than loop. */
        break;
    }
}

void trap_from_user(struct thread *t)
{
    uint64_t cause = t->regs.cause;
    if (cause & SCAUSE_INTERRUPT) {
        handle_interrupt(cause);
    } else if (cause == EXC_ECALL_U) {
        t->regs.pc += 4; /* resume after the ecall */
        syscall_dispatch(t);
    } else {
        trap_user_exception(t, decode_exception(cause), t->regs.pc,
                            t->regs.tval);
    }
    sched_return_to_user();
}

void trap_from_kernel(struct arch_regs *frame)
{
    if (frame->cause & SCAUSE_INTERRUPT) {
        handle_interrupt(frame->cause);
        return;
    }
    panic_trap(exc_kind_name(decode_exception(frame->cause)), frame);
}
