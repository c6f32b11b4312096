/*
 * Threads. A thread runs in one address space; its saved user registers
 * sit at the very start of struct thread because trap entry stores them
 * there without knowing anything else about the structure.
 */
#pragma once

#include <kernel/types.h>

#include <arch_impl/regs.h>

struct vspace;

enum thread_state {
    THREAD_FREE = 0,
    THREAD_RUNNABLE,
    THREAD_DEAD,
};

#define THREAD_NAME_MAX 16

struct thread {
    struct arch_regs regs; /* must stay first (asserted in asm_offsets.c) */
    struct vspace *vs;
    enum thread_state state;
    uint32_t tid;
    bool is_root; /* the root task's first thread: its exit ends the system */
    char name[THREAD_NAME_MAX];
};

/* Takes a free thread slot; E_NOMEM when the table is full. */
WARN_UNUSED err_t thread_create(struct vspace *vs, const char *name,
                                struct thread **out);

/* Marks t dead; it never runs again. */
void thread_kill(struct thread *t);
