/* Freestanding memory and string helpers for user programs without newlib
 * (the boot servers). */
#include <sys/mica.h>

/* Word at a time when source and destination share their alignment (the
 * common case: page-cache pages, IPC buffers, stacks); the file server's
 * read()/write() path copies every byte twice through here. */
void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
        while (n > 0 && ((uintptr_t)d & 7) != 0) {
            *d++ = *s++;
            n--;
        }
        uint64_t *d8 = (uint64_t *)d;
        const uint64_t *s8 = (const uint64_t *)s;
        for (; n >= 32; n -= 32, d8 += 4, s8 += 4) {
            uint64_t a = s8[0], b = s8[1], c = s8[2], e = s8[3];
            d8[0] = a;
            d8[1] = b;
            d8[2] = c;
            d8[3] = e;
        }
        for (; n >= 8; n -= 8)
            *d8++ = *s8++;
        d = (unsigned char *)d8;
        s = (const unsigned char *)s8;
    }
    while (n-- > 0)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n > 0 && ((uintptr_t)d & 7) != 0) {
        *d++ = (unsigned char)c;
        n--;
    }
    uint64_t v = (unsigned char)c * 0x0101010101010101ull;
    uint64_t *d8 = (uint64_t *)d;
    for (; n >= 32; n -= 32, d8 += 4) {
        d8[0] = v;
        d8[1] = v;
        d8[2] = v;
        d8[3] = v;
    }
    for (; n >= 8; n -= 8)
        *d8++ = v;
    d = (unsigned char *)d8;
    while (n-- > 0)
        *d++ = (unsigned char)c;
    return dst;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i] || !a[i])
            return (unsigned char)a[i] - (unsigned char)b[i];
    }
    return 0;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}
