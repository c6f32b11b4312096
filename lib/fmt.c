/*
 * printf-style formatter shared by kprintf and fmt_snprintf. Pure: no
 * kernel services, only the output callback, so it builds for host tests.
 */
#include <lib/fmt.h>

struct fmt_spec {
    bool left;     /* '-': pad on the right */
    bool zero;     /* '0': pad with zeros */
    int width;
};

static int emit_padded(fmt_putc_fn putc, void *ctx, const struct fmt_spec *sp,
                       const char *s, int len, bool numeric_sign)
{
    int n = 0;
    int pad = sp->width > len ? sp->width - len : 0;
    if (!sp->left && sp->zero && numeric_sign && len > 0 && s[0] == '-') {
        /* "-0042": the sign goes before the zeros. */
        putc(ctx, '-');
        n++;
        s++;
        len--;
    }
    if (!sp->left)
        for (int i = 0; i < pad; i++, n++)
            putc(ctx, sp->zero ? '0' : ' ');
    for (int i = 0; i < len; i++, n++)
        putc(ctx, s[i]);
    if (sp->left)
        for (int i = 0; i < pad; i++, n++)
            putc(ctx, ' ');
    return n;
}

/* Writes the digits of v in `base` at the end of buf[0, 24); returns the
 * index of the first digit. */
static int utoa(uint64_t v, unsigned base, bool upper, char buf[24])
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int i = 24;
    do {
        buf[--i] = digits[v % base];
        v /= base;
    } while (v != 0);
    return i;
}

int fmt_vformat(fmt_putc_fn putc, void *ctx, const char *fmt, va_list ap)
{
    int n = 0;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            putc(ctx, *p);
            n++;
            continue;
        }
        p++;
        struct fmt_spec sp = {0};
        for (;; p++) {
            if (*p == '-')
                sp.left = true;
            else if (*p == '0')
                sp.zero = true;
            else
                break;
        }
        while (*p >= '0' && *p <= '9')
            sp.width = sp.width * 10 + (*p++ - '0');
        int lng = 0;
        while (*p == 'l' || *p == 'z') {
            lng++;
            p++;
        }
        char buf[25];
        switch (*p) {
        case 'c': {
            char c = (char)va_arg(ap, int);
            n += emit_padded(putc, ctx, &sp, &c, 1, false);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int len = 0;
            while (s[len])
                len++;
            sp.zero = false;
            n += emit_padded(putc, ctx, &sp, s, len, false);
            break;
        }
        case 'd':
        case 'i': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
            int i = utoa(mag, 10, false, buf);
            if (v < 0)
                buf[--i] = '-';
            n += emit_padded(putc, ctx, &sp, buf + i, 24 - i, true);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            int i = utoa(v, *p == 'u' ? 10 : 16, *p == 'X', buf);
            n += emit_padded(putc, ctx, &sp, buf + i, 24 - i, false);
            break;
        }
        case 'p': {
            uint64_t v = (uint64_t)(uintptr_t)va_arg(ap, void *);
            int i = utoa(v, 16, false, buf);
            buf[--i] = 'x';
            buf[--i] = '0';
            n += emit_padded(putc, ctx, &sp, buf + i, 24 - i, false);
            break;
        }
        case '%':
            putc(ctx, '%');
            n++;
            break;
        case '\0':
            return n; /* a lone '%' at the end: stop, do not read past */
        default:
            /* Unknown conversion: print it verbatim so the bug is visible. */
            putc(ctx, '%');
            putc(ctx, *p);
            n += 2;
            break;
        }
    }
    return n;
}

struct snbuf {
    char *buf;
    uint64_t len;
    uint64_t pos;
};

static void snbuf_putc(void *ctx, char c)
{
    struct snbuf *sb = ctx;
    if (sb->len > 0 && sb->pos < sb->len - 1)
        sb->buf[sb->pos] = c;
    sb->pos++;
}

int fmt_snprintf(char *buf, uint64_t len, const char *fmt, ...)
{
    struct snbuf sb = {buf, len, 0};
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vformat(snbuf_putc, &sb, fmt, ap);
    va_end(ap);
    if (len > 0)
        buf[sb.pos < len ? sb.pos : len - 1] = '\0';
    return n;
}
