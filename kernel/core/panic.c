/*
 * Kernel panic reports: reason, registers, a backtrace of raw addresses,
 * then power-off with PANIC_EXIT_STATUS. The kernel carries no symbol
 * table: the host names the functions (tools/mica_symbolize.py, which
 * ./mica run and the test harness pass the console through).
 */
#include <arch/cpu.h>
#include <kernel/cpu_local.h>
#include <kernel/image.h>
#include <kernel/kprintf.h>
#include <kernel/panic.h>

#include <arch_impl/regs.h>

#define BACKTRACE_MAX 32


static int backtrace_depth;

static void print_frame(uint64_t pc)
{
    kprintf("  #%d 0x%lx\n", backtrace_depth++, pc);
}

void panic_backtrace(uint64_t pc, uint64_t fp, uint64_t ra_hint)
{
    /* All kernel code runs on the boot hart's stack for now. */
    uint64_t lo = (uint64_t)boot_stack, hi = (uint64_t)boot_stack_top;
    uint64_t text_lo = (uint64_t)__kernel_start, text_hi = (uint64_t)__text_end;
    kprintf("backtrace:\n");
    backtrace_depth = 0;
    print_frame(pc);
    /*
     * A leaf function built with frame pointers saves only the old fp, at
     * fp-8, and keeps its return address in ra. Recognise that frame by
     * the word at fp-8 not being a text address while the ra register is.
     */
    if (fp >= lo + 16 && fp <= hi && (fp & 7) == 0) {
        uint64_t saved = ((uint64_t *)fp)[-1];
        bool saved_is_text = saved >= text_lo && saved < text_hi;
        bool ra_is_text = ra_hint >= text_lo && ra_hint < text_hi;
        if (!saved_is_text && ra_is_text) {
            print_frame(ra_hint);
            fp = saved;
        }
    }
    arch_backtrace(fp, lo, hi, BACKTRACE_MAX - backtrace_depth, print_frame);
}

NORETURN void panic(const char *fmt, ...)
{
    va_list ap;
    kprintf("\n*** KERNEL PANIC: ");
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
    /* Our own frame's saved return address is the caller of panic(). */
    kprintf("backtrace:\n");
    backtrace_depth = 0;
    arch_backtrace((uint64_t)__builtin_frame_address(0), (uint64_t)boot_stack,
                   (uint64_t)boot_stack_top, BACKTRACE_MAX, print_frame);
    kprintf("*** system halted (exit status %d)\n", PANIC_EXIT_STATUS);
    arch_poweroff(PANIC_EXIT_STATUS);
}

NORETURN void panic_trap(const char *what, const struct arch_regs *frame)
{
    kprintf("\n*** KERNEL PANIC: %s in kernel mode\n", what);
    arch_dump_regs(frame);
    panic_backtrace(frame->pc, arch_regs_get(frame, ARCH_REG_FP),
                    arch_regs_get(frame, ARCH_REG_RA));
    kprintf("*** system halted (exit status %d)\n", PANIC_EXIT_STATUS);
    arch_poweroff(PANIC_EXIT_STATUS);
}
