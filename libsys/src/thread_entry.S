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
