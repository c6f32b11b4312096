/* SBI calls (see arch_riscv/sbi.h) and the services built directly on them:
 * the debug console and the timer deadline. */
#include <arch/cpu.h>
#include <arch_riscv/sbi.h>

struct sbi_ret sbi_call(uint64_t ext, uint64_t fid, uint64_t a0, uint64_t a1,
                        uint64_t a2)
{
    register uint64_t r_a0 __asm__("a0") = a0;
    register uint64_t r_a1 __asm__("a1") = a1;
    register uint64_t r_a2 __asm__("a2") = a2;
    register uint64_t r_a6 __asm__("a6") = fid;
    register uint64_t r_a7 __asm__("a7") = ext;
    __asm__ volatile("ecall"
                     : "+r"(r_a0), "+r"(r_a1)
                     : "r"(r_a2), "r"(r_a6), "r"(r_a7)
                     : "memory");
    return (struct sbi_ret){.error = (long)r_a0, .value = (long)r_a1};
}

int sbi_has_extension(uint64_t ext)
{
    struct sbi_ret r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, ext, 0, 0);
    return r.error == 0 && r.value != 0;
}

void arch_console_putc(char c)
{
    /* The legacy console call: OpenSBI 1.1 has no DBCN extension yet. */
    sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, (uint8_t)c, 0, 0);
}

void sbi_set_timer(uint64_t deadline)
{
    sbi_call(SBI_EXT_TIME, 0, deadline, 0, 0);
}
