/*
 * A deliberate kernel fault, requested with `mica.crash=kernel` on the
 * command line. It exists so the system tests can check that a fault in
 * the kernel produces the full panic report with a backtrace the host
 * symbolizes. The call chain is a few frames deep on purpose. Built only
 * with CONFIG_DEBUG_HOOKS (CMake option MICA_DEBUG_HOOKS).
 */
#include <kernel/debug_crash.h>
#include <kernel/kprintf.h>

/* volatile: the compiler must not prove the store faults and drop it. */
static uint64_t *volatile debug_crash_target = (uint64_t *)0x10;

__attribute__((noinline)) static void debug_crash_store(uint64_t value)
{
    *debug_crash_target = value;
    kprintf("debug_crash: the store did not fault?\n");
}

__attribute__((noinline)) void debug_crash_kernel(int depth)
{
    if (depth > 0) {
        debug_crash_kernel(depth - 1);
        return;
    }
    debug_crash_store(0xdead);
}
