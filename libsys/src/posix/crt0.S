/*
 * Entry of newlib programs: as libsys's crt0 (gp for linker relaxation,
 * the end of the frame-pointer chain), then posix_start(), which sets up
 * newlib and calls main(argc, argv, envp). a0 is the start argument, a1
 * the initial sp (argc, argv, envp, auxv when proc started the program).
 */
    .section .text.start, "ax"
    .global _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    li s0, 0
    mv a1, sp
    call posix_start
1:  j 1b

/* A forked child's first thread (proc starts it here with a scratch sp):
 * gp, then posix_fork_child() jumps back into fork(). */
    .text
    .global posix_fork_entry
posix_fork_entry:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    li s0, 0
    call posix_fork_child
1:  j 1b
