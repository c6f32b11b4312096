/*
 * User program entry: the kernel (or later the process server) starts a
 * program with sp at the top of its stack and a0 = its start argument.
 * Sets gp for linker relaxation, then exits with main's return value.
 */
    .section .text.start, "ax"
    .global _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    li s0, 0                    /* ends the frame-pointer chain */
    call sys_start_main
1:  j 1b
