/*
 * Portable trap handling: the arch decodes the hardware cause into these
 * events and calls the kernel; the kernel never sees scause.
 */
#pragma once

#include <kernel/types.h>

struct thread;

enum exc_kind {
    EXC_KIND_ILLEGAL_INSTRUCTION,
    EXC_KIND_BREAKPOINT,
    EXC_KIND_MISALIGNED_FETCH,
    EXC_KIND_MISALIGNED_LOAD,
    EXC_KIND_MISALIGNED_STORE,
    EXC_KIND_ACCESS_FAULT_FETCH,
    EXC_KIND_ACCESS_FAULT_LOAD,
    EXC_KIND_ACCESS_FAULT_STORE,
    EXC_KIND_PAGE_FAULT_FETCH,
    EXC_KIND_PAGE_FAULT_LOAD,
    EXC_KIND_PAGE_FAULT_STORE,
    EXC_KIND_UNKNOWN,
};

/* Human-readable name of an exception kind ("illegal instruction"). */
const char *exc_kind_name(enum exc_kind kind);

/* The current thread made a system call; its registers hold the request. */
void syscall_dispatch(struct thread *t);

/* The current thread took an exception in user mode at pc; addr is the
 * faulting address (or the instruction bits for an illegal instruction). */
void trap_user_exception(struct thread *t, enum exc_kind kind, uint64_t pc,
                         uint64_t addr);

/* A timer tick arrived on this hart. */
void trap_timer_tick(void);

/* Leaves the kernel: runs the current thread if it can still run, else
 * whatever the scheduler picks. Never returns. */
NORETURN void sched_return_to_user(void);
