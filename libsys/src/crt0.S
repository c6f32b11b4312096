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

/*
 * Entry of threads started by thread_spawn(): the kernel zeroes every
 * register but pc, sp and a0, so gp (used for linker-relaxed globals) is
 * set here before any C code runs. a0 = the thread's start block.
 */
    .text
    .global thread_entry
thread_entry:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    li s0, 0
    call thread_trampoline
1:  j 1b
