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

/* Sorts samples[0, n) (insertion sort: n is small and this is not timed)
 * and prints "BENCH <name> median= min= max= iters=". */
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
}

#endif
