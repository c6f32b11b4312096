/*
 * Portable trap events: user exceptions and timer ticks. Until the kernel
 * API gives threads exception endpoints, a user exception kills the thread
 * with a report; the kernel itself carries on.
 */
#include <kernel/cpu_local.h>
#include <kernel/kprintf.h>
#include <kernel/thread.h>
#include <kernel/trap.h>

static const char *const exc_names[] = {
    [EXC_KIND_ILLEGAL_INSTRUCTION] = "illegal instruction",
    [EXC_KIND_BREAKPOINT] = "breakpoint",
    [EXC_KIND_MISALIGNED_FETCH] = "misaligned fetch",
    [EXC_KIND_MISALIGNED_LOAD] = "misaligned load",
    [EXC_KIND_MISALIGNED_STORE] = "misaligned store",
    [EXC_KIND_ACCESS_FAULT_FETCH] = "fetch access fault",
    [EXC_KIND_ACCESS_FAULT_LOAD] = "load access fault",
    [EXC_KIND_ACCESS_FAULT_STORE] = "store access fault",
    [EXC_KIND_PAGE_FAULT_FETCH] = "instruction page fault",
    [EXC_KIND_PAGE_FAULT_LOAD] = "load page fault",
    [EXC_KIND_PAGE_FAULT_STORE] = "store page fault",
    [EXC_KIND_UNKNOWN] = "unknown exception",
};

const char *exc_kind_name(enum exc_kind kind)
{
    if ((unsigned)kind >= sizeof(exc_names) / sizeof(exc_names[0]))
        return "unknown exception";
    return exc_names[kind];
}

void trap_user_exception(struct thread *t, enum exc_kind kind, uint64_t pc,
                         uint64_t addr)
{
    kprintf("kernel: thread %u (%s) killed: %s at pc 0x%lx, %s 0x%lx\n", t->tid,
            t->name, exc_kind_name(kind), pc,
            kind == EXC_KIND_ILLEGAL_INSTRUCTION ? "instruction" : "address",
            addr);
    thread_kill(t);
}

void trap_timer_tick(void)
{
    cpu_self()->ticks++;
}
