/*
 * Per-hart kernel state. Each hart reaches its own struct cpu through the
 * arch's per-hart pointer (tp on RISC-V); there is no global "current
 * thread", so SMP can start with one lock and per-hart run queues.
 */
#pragma once

#include <kernel/types.h>

#define KSTACK_SIZE (16 * 1024)
#define MAX_HARTS 8

struct thread;

struct cpu {
    /* Read by trap entry (offsets asserted in arch asm_offsets.c). */
    uint64_t scratch;      /* user sp, parked during trap entry */
    uint64_t kstack_top;   /* this hart's kernel stack */
    struct thread *cur;    /* thread running (or last run) on this hart */
    /* Portable state. */
    uint32_t hartid;
    uint32_t _pad0;
    uint64_t ticks;        /* timer ticks taken on this hart */
};

extern struct cpu cpus[MAX_HARTS];

/* This hart's struct cpu. */
struct cpu *cpu_self(void);
