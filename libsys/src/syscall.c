/* System-call stubs: a7 = number, a0..a5 = arguments, a0 = result.
 * The asm declares every caller-saved register clobbered, as the ABI
 * allows the kernel to clobber them (include/mica/syscall.h). */
#include <sys/mica.h>

#include <mica/syscall.h>

int64_t sys_raw(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                uint64_t a3, uint64_t a4, uint64_t a5)
{
    register uint64_t r_a0 __asm__("a0") = a0;
    register uint64_t r_a1 __asm__("a1") = a1;
    register uint64_t r_a2 __asm__("a2") = a2;
    register uint64_t r_a3 __asm__("a3") = a3;
    register uint64_t r_a4 __asm__("a4") = a4;
    register uint64_t r_a5 __asm__("a5") = a5;
    register uint64_t r_a7 __asm__("a7") = nr;
    __asm__ volatile("ecall"
                     : "+r"(r_a0), "+r"(r_a1), "+r"(r_a2), "+r"(r_a3),
                       "+r"(r_a4), "+r"(r_a5), "+r"(r_a7)
                     :
                     : "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a6",
                       "memory");
    return (int64_t)r_a0;
}

int64_t sys_debug_write(const void *buf, uint64_t len)
{
    return sys_raw(SYS_DEBUG_WRITE, (uint64_t)(uintptr_t)buf, len, 0, 0, 0, 0);
}

void sys_exit(int64_t status)
{
    sys_raw(SYS_EXIT, (uint64_t)status, 0, 0, 0, 0, 0);
    for (;;)
        ; /* SYS_EXIT does not return */
}

void sys_start_main(uintptr_t arg);

void sys_start_main(uintptr_t arg)
{
    sys_exit(main(arg));
}
