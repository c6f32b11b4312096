/*
 * mmbench: memory-server benchmarks, a program mm serves
 * (`root.run=mmbench`), run under QEMU -icount shift=0 by ./mica bench.
 * Same output as kbench: "BENCH <name> median= min= max= iters=", in guest
 * instructions; totals are single runs (iters=1) with faults= added.
 */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/root.h>

#include "bench.h"
#include <sys/mm.h>

#define PAGE 4096ul
#define MEGA (2ul << 20)
#define WARMUP 100
#define ITERS 2000

static uint64_t *samples;   /* MAP_SHARED: children fill it too */
static volatile uint8_t *region;
static handle_t wait_ntfn, done_cap;

static void report(const char *name, int n)
{
    bench_report(name, samples, n);
}

static struct mm_stats_reply stats(void)
{
    struct mm_stats_reply s = {0};
    (void)mm_stats(MM_CLIENT_SLOT, &s);
    return s;
}

/* Touches every page of region[0, WARMUP + ITERS pages), timing each. */
static void touch_pages_timed(void)
{
    for (int i = 0; i < WARMUP + ITERS; i++) {
        uint64_t t0 = instret();
        region[(uint64_t)i * PAGE] = 1;
        uint64_t t1 = instret();
        if (i >= WARMUP)
            samples[i - WARMUP] = t1 - t0;
    }
}

static void child_cow(uint64_t arg)
{
    (void)arg;
    touch_pages_timed(); /* each write copies a page the parent still maps */
    (void)ntfn_signal(2);
}

static void child_exit(uint64_t arg)
{
    (void)arg;
    (void)ntfn_signal(2);
}

static uint64_t fork_and_wait(void (*fn)(uint64_t))
{
    struct mm_space_caps c;
    handle_t th;
    uint64_t t0 = instret();
    if (mm_fork_run(fn, 0, 30, 0, done_cap, &c, &th) < 0)
        return 0;
    (void)ntfn_wait(wait_ntfn);
    (void)sys_cap_delete(th);
    (void)mm_space_destroy(MM_CLIENT_SLOT, c.id);
    uint64_t t1 = instret();
    (void)sys_cap_delete(c.task);
    (void)sys_cap_delete(c.pager);
    (void)sys_cap_delete(c.client);
    return t1 - t0;
}

static void bench_anon_and_cow(void)
{
    uint64_t len = (uint64_t)(WARMUP + ITERS) * PAGE;
    int64_t a = mm_mmap(0, len, MM_PROT_R | MM_PROT_W, MM_MAP_NOSUPER);
    region = (volatile uint8_t *)(uintptr_t)a;
    touch_pages_timed();
    report("mm_fault_zero_fill_4k", ITERS);

    fork_and_wait(child_cow);
    report("mm_fault_cow_copy_4k", ITERS);

    touch_pages_timed(); /* the child is gone: every write re-enables */
    report("mm_fault_cow_reenable_4k", ITERS);
    (void)mm_munmap((uint64_t)a, len);
}

static void bench_superpage(void)
{
    const int n = 100;
    for (int i = 0; i < n + 10; i++) {
        int64_t a = mm_mmap(0, MEGA, MM_PROT_R | MM_PROT_W, 0);
        volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)a;
        uint64_t t0 = instret();
        p[0] = 1;
        uint64_t t1 = instret();
        if (i >= 10)
            samples[i - 10] = t1 - t0;
        (void)mm_munmap((uint64_t)a, MEGA);
    }
    report("mm_fault_superpage_2m", n);
}

/* Touches every 4 KiB page of `mib` MiB once: a total for one run, with
 * the number of faults mm took for it. */
static void bench_touch(unsigned mib, unsigned flags)
{
    char name[48];
    uint64_t len = (uint64_t)mib << 20;
    int64_t a = mm_mmap(0, len, MM_PROT_R | MM_PROT_W, flags);
    if (a < 0) {
        sys_printf("mmbench: cannot map %u MiB\n", mib);
        return;
    }
    volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)a;
    struct mm_stats_reply s0 = stats();
    uint64_t t0 = instret();
    for (uint64_t off = 0; off < len; off += PAGE)
        p[off] = 1;
    uint64_t t1 = instret();
    struct mm_stats_reply s1 = stats();
    uint64_t faults = (s1.zero_fill - s0.zero_fill) + (s1.super_faults - s0.super_faults);
    bench_name(name, sizeof name, "mm_touch_", mib,
               (flags & MM_MAP_NOSUPER) ? "MiB_4k_pages" : "MiB_superpages");
    sys_printf("BENCH %s median=%lu min=%lu max=%lu iters=1 faults=%lu\n", name, t1 - t0,
               t1 - t0, t1 - t0, faults);
    (void)mm_munmap((uint64_t)a, len);
}

/* fork + the child's exit + wait + destroy, with `mib` MiB of heap touched
 * (so mapped) in the parent: what copy-on-write set-up costs per page. */
static void bench_fork_heap(unsigned mib, unsigned flags, int n)
{
    char name[64];
    uint64_t len = (uint64_t)mib << 20;
    int64_t a = mm_mmap(0, len, MM_PROT_R | MM_PROT_W, flags);
    if (a < 0) {
        sys_printf("mmbench: cannot map %u MiB\n", mib);
        return;
    }
    volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)a;
    for (uint64_t off = 0; off < len; off += PAGE)
        p[off] = 1;
    for (int i = 0; i < n + 2; i++) {
        uint64_t d = fork_and_wait(child_exit);
        if (i >= 2)
            samples[i - 2] = d;
        /* Touch the heap again so the next fork finds it writable. */
        for (uint64_t off = 0; off < len; off += PAGE)
            p[off] = 2;
    }
    bench_name(name, sizeof name, "mm_fork_exit_wait_", mib,
               (flags & MM_MAP_NOSUPER) ? "MiB_heap_4k_pages" : "MiB_heap_superpages");
    report(name, n);
    (void)mm_munmap((uint64_t)a, len);
}

/* VMA scaling: with `nvmas` extra VMAs in the space (one page each, with
 * alternating protections so mm cannot merge them), the cost of mapping
 * one more page (mmap finds a gap) and of a first-touch fault in a region
 * mapped after them (the fault looks its VMA up). */
#define VMA_FAULTS 500
static uint64_t vma_addrs[10000];

static void bench_vmas(int nvmas)
{
    char name[64];
    int made = 0;
    for (; made < nvmas; made++) {
        unsigned prot = (made & 1) ? MM_PROT_R : (MM_PROT_R | MM_PROT_W);
        int64_t a = mm_mmap(0, PAGE, prot, MM_MAP_NOSUPER);
        if (a < 0)
            break;
        vma_addrs[made] = (uint64_t)a;
    }
    if (made < nvmas) {
        sys_printf("mmbench: only %d of %d VMAs could be made\n", made, nvmas);
        goto out;
    }
    /* mmap of one page, then its munmap, with the VMAs in place. */
    for (int i = 0; i < 110; i++) {
        uint64_t t0 = instret();
        int64_t a = mm_mmap(0, PAGE, MM_PROT_R | MM_PROT_W, MM_MAP_NOSUPER);
        uint64_t t1 = instret();
        if (a < 0)
            goto out;
        (void)mm_munmap((uint64_t)a, PAGE);
        if (i >= 10)
            samples[i - 10] = t1 - t0;
    }
    bench_name(name, sizeof name, "mm_mmap_4k_with_", (unsigned long)nvmas, "_vmas");
    report(name, 100);

    uint64_t len = (uint64_t)(VMA_FAULTS + 10) * PAGE;
    int64_t r = mm_mmap(0, len, MM_PROT_R | MM_PROT_W, MM_MAP_NOSUPER);
    if (r < 0)
        goto out;
    volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)r;
    for (int i = 0; i < VMA_FAULTS + 10; i++) {
        uint64_t t0 = instret();
        p[(uint64_t)i * PAGE] = 1;
        uint64_t t1 = instret();
        if (i >= 10)
            samples[i - 10] = t1 - t0;
    }
    bench_name(name, sizeof name, "mm_fault_zero_fill_4k_with_", (unsigned long)nvmas, "_vmas");
    report(name, VMA_FAULTS);
    (void)mm_munmap((uint64_t)r, len);
out:
    for (int i = 0; i < made; i++)
        (void)mm_munmap(vma_addrs[i], PAGE);
}

int main(uintptr_t arg)
{
    (void)arg;
    int64_t s = mm_mmap(0, ITERS * sizeof(uint64_t), MM_PROT_R | MM_PROT_W, MM_MAP_SHARED);
    int64_t n = sys_notification_create();
    if (s < 0 || n < 0) {
        sys_puts("mmbench: setup failed\n");
        return 1;
    }
    samples = (uint64_t *)(uintptr_t)s;
    for (int i = 0; i < ITERS; i++)
        samples[i] = 0; /* populate the shared pages before any fork */
    wait_ntfn = (handle_t)n;
    done_cap = (handle_t)sys_cap_copy((handle_t)n, RIGHTS_ALL, 1);
    sys_printf("mmbench: guest instructions; %d iterations after %d warm-up\n", ITERS, WARMUP);
    bench_clock_line();
    bench_anon_and_cow();
    bench_superpage();
    static const unsigned touch_mib[] = {1, 2, 4, 8, 16, 32, 64};
    for (unsigned i = 0; i < sizeof touch_mib / sizeof touch_mib[0]; i++) {
        bench_touch(touch_mib[i], MM_MAP_NOSUPER);
        bench_touch(touch_mib[i], 0);
    }
    /* Fewer runs for the big ones: each 64 MiB fork maps 16384 pages. */
    bench_fork_heap(1, MM_MAP_NOSUPER, 21);
    bench_fork_heap(1, 0, 21);
    bench_fork_heap(16, MM_MAP_NOSUPER, 21);
    bench_fork_heap(16, 0, 21);
    bench_fork_heap(64, MM_MAP_NOSUPER, 5);
    bench_fork_heap(64, 0, 5);
    bench_vmas(10);
    bench_vmas(1000);
    bench_vmas(10000);
    bench_clock_line();
    sys_puts("mmbench: done\n");
    root_report_exit(ROOT_REPORT_SLOT, 0);
    return 0;
}
