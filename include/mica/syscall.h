/*
 * Mica system-call ABI: the single source of syscall numbers, used by the
 * kernel and libsys. Documented in docs/kernel-api.md.
 *
 * Calling convention (RISC-V): `ecall` with the number in a7 and arguments
 * in a0..a5; the result comes back in a0 (a value >= 0, or an err_t < 0).
 * Like a function call, a syscall may clobber every caller-saved register
 * (ra, t0-t6, a0-a7); s0-s11, sp, gp and tp survive.
 */
#pragma once

enum sys_nr {
    /* SYS_DEBUG_WRITE(const char *buf, uint64 len): writes len bytes (at
     * most SYS_DEBUG_WRITE_MAX) to the kernel debug console. Returns len.
     * Errors: E_RANGE (len too large), E_FAULT (buf not readable user memory). */
    SYS_DEBUG_WRITE = 1,
    /* SYS_EXIT(int64 status): ends the calling thread. When the root task's
     * first thread exits, the system powers off and QEMU exits with
     * status & 0xff. Does not return. */
    SYS_EXIT = 2,
};

#define SYS_DEBUG_WRITE_MAX 4096
