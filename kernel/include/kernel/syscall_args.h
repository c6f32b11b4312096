/*
 * Reading a system call's arguments and setting its result, for the
 * handlers in core/. Argument n is the n-th argument register of the
 * calling thread (ARCH_REG_ARG0 + n). syscall_return() is the one way a
 * thread's system-call result is set: by its own handler, and by whoever
 * completes a blocked call (a reply, a signal, a death).
 */
#pragma once

#include <kernel/thread.h>

static inline uint64_t sc_arg(const struct thread *t, int n)
{
    return arch_regs_get(&t->regs, ARCH_REG_ARG0 + n);
}

/* t's system call returns v (an err_t, or a value >= 0) when t next runs. */
static inline void syscall_return(struct thread *t, int64_t v)
{
    arch_regs_set(&t->regs, ARCH_REG_RET, (uint64_t)v);
}

/* syscall_return(t, v), then leave the (void) handler. */
#define SC_RETURN(t, v)             \
    do {                            \
        syscall_return((t), (v));   \
        return;                     \
    } while (0)
