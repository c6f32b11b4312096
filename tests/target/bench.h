/*
 * What the benchmark programs (kbench, mmbench, fsbench) share: the guest
 * instruction counter and the one report line ./mica bench parses.
 */
#ifndef MICA_TESTS_BENCH_H
#define MICA_TESTS_BENCH_H

#include <stdint.h>

/* newlib programs define BENCH_PRINTF as printf before including this. */
#ifndef BENCH_PRINTF
#include <sys/mica.h>
#define BENCH_PRINTF sys_printf
#endif

/* Under QEMU -icount shift=0 instret advances by one per guest instruction. */
static inline uint64_t instret(void)
{
    uint64_t v;
    __asm__ volatile("rdinstret %0" : "=r"(v));
    return v;
}

/* buf = a + decimal(n) + b, cut to cap - 1 characters: names of rows
 * that sweep a parameter ("mm_touch_" 16 "MiB_4k_pages"). Native programs
 * have no snprintf. */
static inline const char *bench_name(char *buf, unsigned cap, const char *a, unsigned long n,
                                     const char *b)
{
    char digits[21];
    int nd = 0;
    unsigned len = 0;
    do {
        digits[nd++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    for (; *a && len + 1 < cap; a++)
        buf[len++] = *a;
    while (nd > 0 && len + 1 < cap)
        buf[len++] = digits[--nd];
    for (; *b && len + 1 < cap; b++)
        buf[len++] = *b;
    buf[len] = '\0';
    return buf;
}

/* rdtime: the platform timer (10 MHz on QEMU virt). With -icount shift=0
 * it follows the instruction count (1 ns per instruction); without icount
 * it is host time, while instret then reads the host's cycle counter. */
static inline uint64_t timer_ticks(void)
{
    uint64_t v;
    __asm__ volatile("rdtime %0" : "=r"(v));
    return v;
}

/* "BENCHCLOCK instret= time=": printed at a suite's start and end, so the
 * host can tell instret counts per nanosecond of the timer and turn
 * counts of a run without icount into wall-clock nanoseconds. */
static inline void bench_clock_line(void)
{
    BENCH_PRINTF("BENCHCLOCK instret=%lu time=%lu\n", (unsigned long)instret(),
                 (unsigned long)timer_ticks());
}

/* Sorts samples[0, n) (insertion sort: n is small and this is not timed)
 * and prints "BENCH <name> median= min= max= iters=", then, for runs of
 * 20 samples or more, the 0th..100th percentiles (nearest rank) as
 * "BENCHPCT <name> <first> v v ..." lines of ten, for the distribution
 * plots. */
static inline void bench_report(const char *name, uint64_t *samples, int n)
{
    for (int i = 1; i < n; i++) {
        uint64_t v = samples[i];
        int j = i - 1;
        while (j >= 0 && samples[j] > v) {
            samples[j + 1] = samples[j];
            j--;
        }
        samples[j + 1] = v;
    }
    BENCH_PRINTF("BENCH %s median=%lu min=%lu max=%lu iters=%d\n", name,
                 (unsigned long)samples[n / 2], (unsigned long)samples[0],
                 (unsigned long)samples[n - 1], n);
    if (n < 20)
        return;
    for (int p = 0; p <= 100; p += 10) {
        unsigned long v[10];
        int k = 0;
        for (; k < 10 && p + k <= 100; k++)
            v[k] = (unsigned long)samples[(int64_t)(p + k) * (n - 1) / 100];
        if (k == 1)
            BENCH_PRINTF("BENCHPCT %s %d %lu\n", name, p, v[0]);
        else
            BENCH_PRINTF("BENCHPCT %s %d %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu\n", name, p,
                         v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]);
    }
}

#endif
