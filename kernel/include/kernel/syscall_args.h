/*
 * Reading a system call's arguments and setting its result, for the
 * handlers in core/. Argument n is register a0 + n of the calling thread.
 */
#pragma once

#include <kernel/thread.h>

static inline uint64_t sc_arg(const struct thread *t, int n)
{
    return arch_regs_get(&t->regs, REG_A0 + n);
}

static inline void sc_ret(struct thread *t, int64_t v)
{
    arch_regs_set(&t->regs, REG_A0, (uint64_t)v);
}

/* Sets the result and leaves the (void) handler. */
#define SC_RETURN(t, v)     \
    do {                    \
        sc_ret((t), (v));   \
        return;             \
    } while (0)
