/* Formatted output to the debug console for user programs. Uses the same
 * formatter as the kernel (lib/fmt.c, pure code built into both). */
#include <stdarg.h>

#include <lib/fmt.h>
#include <sys/mica.h>

struct print_buf {
    char data[256];
    uint64_t len;
};

static void print_flush(struct print_buf *pb)
{
    if (pb->len)
        (void)sys_debug_write(pb->data, pb->len); /* best effort console */
    pb->len = 0;
}

static void print_putc(void *ctx, char c)
{
    struct print_buf *pb = ctx;
    if (pb->len == sizeof(pb->data))
        print_flush(pb);
    pb->data[pb->len++] = c;
}

int sys_printf(const char *fmt, ...)
{
    struct print_buf pb = {.len = 0};
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vformat(print_putc, &pb, fmt, ap);
    va_end(ap);
    print_flush(&pb);
    return n;
}

void sys_puts(const char *s)
{
    (void)sys_debug_write(s, strlen(s));
}
