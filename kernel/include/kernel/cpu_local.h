/*
 * Per-hart kernel state. Each hart reaches its own struct cpu through the
 * arch's per-hart pointer (tp on RISC-V); there is no global "current
 * thread", so SMP can start with one lock and per-hart run queues.
 */
#pragma once

#include <kernel/types.h>

#include <arch_impl/percpu.h>

#define KSTACK_SIZE (16 * 1024)
#define MAX_HARTS 8

struct thread;

struct cpu {
    /* Read by trap entry (offsets asserted in arch asm_offsets.c). */
    uint64_t scratch;      /* user sp, parked during trap entry */
    uint64_t scratch2;     /* a user register, parked while trap entry decodes */
    uint64_t kstack_top;   /* this hart's kernel stack */
    struct thread *cur;    /* thread running (or last run) on this hart */
    /* Portable state. */
    uint32_t hartid;
    bool need_resched;     /* decide who runs before returning to user */
    uint64_t ticks;        /* timer ticks taken on this hart */
    struct thread *fpu_owner; /* whose registers the FPU holds, or NULL */
    uint64_t active_mmu_context;  /* address space this hart runs in */
    uint64_t ready_bitmap; /* bit p set: run queue p is not empty */
    struct thread *rq_head[64], *rq_tail[64];
};

extern struct cpu cpus[MAX_HARTS];

/* This hart's struct cpu. */
static inline struct cpu *cpu_self(void)
{
    return arch_cpu_self();
}
