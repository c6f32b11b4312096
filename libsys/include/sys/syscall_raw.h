/*
 * The raw system-call instruction: number in t0; a0..a7, t3 and t4 in and
 * out (include/mica/syscall.h). Every caller-saved register is declared
 * clobbered, as the ABI allows the kernel to clobber them.
 */
#pragma once

#include <stdint.h>

#define SYS_RAW_REGS 10 /* a0..a7, t3, t4 */

/* regs[0..7] = a0..a7, regs[8] = t3, regs[9] = t4; all in and out. */
static inline void sys_raw10(uint64_t nr, uint64_t regs[SYS_RAW_REGS])
{
    register uint64_t r_t0 __asm__("t0") = nr;
    register uint64_t r_a0 __asm__("a0") = regs[0];
    register uint64_t r_a1 __asm__("a1") = regs[1];
    register uint64_t r_a2 __asm__("a2") = regs[2];
    register uint64_t r_a3 __asm__("a3") = regs[3];
    register uint64_t r_a4 __asm__("a4") = regs[4];
    register uint64_t r_a5 __asm__("a5") = regs[5];
    register uint64_t r_a6 __asm__("a6") = regs[6];
    register uint64_t r_a7 __asm__("a7") = regs[7];
    register uint64_t r_t3 __asm__("t3") = regs[8];
    register uint64_t r_t4 __asm__("t4") = regs[9];
    __asm__ volatile("ecall"
                     : "+r"(r_t0), "+r"(r_a0), "+r"(r_a1), "+r"(r_a2), "+r"(r_a3),
                       "+r"(r_a4), "+r"(r_a5), "+r"(r_a6), "+r"(r_a7), "+r"(r_t3),
                       "+r"(r_t4)
                     :
                     : "ra", "t1", "t2", "t5", "t6", "memory");
    regs[0] = r_a0;
    regs[1] = r_a1;
    regs[2] = r_a2;
    regs[3] = r_a3;
    regs[4] = r_a4;
    regs[5] = r_a5;
    regs[6] = r_a6;
    regs[7] = r_a7;
    regs[8] = r_t3;
    regs[9] = r_t4;
}

/* Up to six arguments, one result. */
static inline int64_t sys_raw6(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                               uint64_t a3, uint64_t a4, uint64_t a5)
{
    uint64_t r[SYS_RAW_REGS] = {a0, a1, a2, a3, a4, a5, 0, 0, 0, 0};
    sys_raw10(nr, r);
    return (int64_t)r[0];
}
