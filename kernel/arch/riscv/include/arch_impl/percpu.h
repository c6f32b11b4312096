/*
 * Reaching this hart's struct cpu: the kernel keeps its address in tp
 * (trap entry restores it from sscratch), so this is one register move.
 */
#pragma once

struct cpu;

static inline struct cpu *arch_cpu_self(void)
{
    struct cpu *c;
    __asm__("mv %0, tp" : "=r"(c));
    return c;
}
