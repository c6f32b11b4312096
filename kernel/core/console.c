/* kprintf: formatted output to the firmware debug console. Output goes out
 * character by character; single hart, so lines do not interleave. */
#include <arch/cpu.h>
#include <kernel/kprintf.h>

static void console_putc(void *ctx, char c)
{
    (void)ctx;
    if (c == '\n')
        arch_console_putc('\r');
    arch_console_putc(c);
}

int kvprintf(const char *fmt, va_list ap)
{
    return fmt_vformat(console_putc, NULL, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}
