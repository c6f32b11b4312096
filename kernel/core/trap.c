/*
 * Portable trap events: user exceptions become fault messages to the
 * thread's pager (page faults) or exception endpoint (everything else);
 * a thread with no handler is killed with a report. Timer ticks drive the
 * scheduler.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <kernel/cpu_local.h>
#include <kernel/ipc.h>
#include <kernel/kprintf.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>
#include <kernel/task.h>
#include <kernel/thread.h>
#include <kernel/trap.h>

#include <mica/ipc.h>

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

static unsigned page_fault_access(enum exc_kind kind)
{
    switch (kind) {
    case EXC_KIND_PAGE_FAULT_FETCH: return FAULT_ACCESS_EXEC;
    case EXC_KIND_PAGE_FAULT_STORE: return FAULT_ACCESS_WRITE;
    default: return FAULT_ACCESS_READ;
    }
}

static uint64_t exc_code_of(enum exc_kind kind)
{
    switch (kind) {
    case EXC_KIND_ILLEGAL_INSTRUCTION: return EXC_ILLEGAL_INSTRUCTION;
    case EXC_KIND_BREAKPOINT: return EXC_BREAKPOINT;
    case EXC_KIND_MISALIGNED_FETCH:
    case EXC_KIND_MISALIGNED_LOAD:
    case EXC_KIND_MISALIGNED_STORE: return EXC_MISALIGNED;
    case EXC_KIND_ACCESS_FAULT_FETCH:
    case EXC_KIND_ACCESS_FAULT_LOAD:
    case EXC_KIND_ACCESS_FAULT_STORE: return EXC_ACCESS_FAULT;
    default: return EXC_OTHER;
    }
}

void trap_user_exception(struct thread *t, enum exc_kind kind, uint64_t pc,
                         uint64_t addr)
{
    if (kind == EXC_KIND_ILLEGAL_INSTRUCTION && arch_fpu_claim(t))
        return; /* first FP instruction: the FPU is now on, run it again */

    uint64_t words[IPC_WORDS] = {0};
    bool page_fault = kind == EXC_KIND_PAGE_FAULT_FETCH ||
                      kind == EXC_KIND_PAGE_FAULT_LOAD ||
                      kind == EXC_KIND_PAGE_FAULT_STORE;
    if (page_fault && t->pager) {
        words[FAULT_W_ADDR] = addr;
        words[FAULT_W_ACCESS] = page_fault_access(kind);
        words[FAULT_W_PC] = pc;
        words[FAULT_W_PTE] = fault_pte_flags(t, addr);
        words[FAULT_W_TID] = t->tid;
        ipc_send_fault(t, t->pager, t->pager_badge, IPC_LABEL_FAULT_VM, words);
        return;
    }
    if (!page_fault && t->exc_ep) {
        words[EXC_W_KIND] = exc_code_of(kind);
        words[EXC_W_PC] = pc;
        words[EXC_W_VALUE] = addr;
        words[EXC_W_TID] = t->tid;
        ipc_send_fault(t, t->exc_ep, t->exc_badge, IPC_LABEL_FAULT_EXC, words);
        return;
    }
    kprintf("kernel: thread %u (%s) in task %u: %s at pc 0x%lx, %s 0x%lx; no %s\n",
            t->tid, t->name, t->task->id, exc_kind_name(kind), pc,
            kind == EXC_KIND_ILLEGAL_INSTRUCTION ? "instruction" : "address", addr,
            page_fault ? "pager" : "exception handler");
    thread_kill(t, "unhandled exception");
}

void trap_timer_tick(void)
{
    sched_tick();
}
