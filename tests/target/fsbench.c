/*
 * fsbench: file-server benchmarks, a program mm serves (`root.run=fsbench`),
 * run by ./mica bench under QEMU -icount shift=0 on a copy of the system
 * disk to which the host added /bench8m.bin (8 MiB, byte i = pattern(i)).
 * Reports guest instructions:
 *   - read() per 4 KiB: of the whole file just after boot (every page
 *     comes from the disk into fat32's page cache), and of its last 2 MiB
 *     again (in the cache: no disk I/O);
 *   - first touch of a page of a file mapping: the page loaded from disk
 *     into the page cache (cold), and already cached (warm).
 * Every byte read is checked against the pattern (outside the timing), so
 * a fast wrong answer cannot pass for a result.
 */
#include <sys/fs.h>
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/root.h>
#include <sys/mm.h>

#include "bench.h"

#define PAGE 4096ul
#define FILE_LEN (8ul << 20)
#define READ_SAMPLES (FILE_LEN / PAGE)
#define FAULT_PAGES 512 /* 2 MiB: half the page cache */

static uint64_t samples[READ_SAMPLES];
static uint8_t chunk[PAGE];
static int errors;

/* The bytes the host wrote (tools/mica_bench.py makes the same ones). */
static inline uint8_t pattern(uint64_t i)
{
    return (uint8_t)(i * 13 + (i >> 12));
}

static void check_page(const volatile uint8_t *p, uint64_t off, const char *what)
{
    for (uint64_t i = 0; i < PAGE; i++)
        if (p[i] != pattern(off + i)) {
            if (errors++ == 0)
                sys_printf("fsbench: %s: wrong byte at offset %lu\n", what, off + i);
            return;
        }
}

/* read() of pages [first, first + n) of the file, one sample per 4 KiB. */
static void bench_read(uint64_t h, uint64_t first, uint64_t n, const char *name)
{
    for (uint64_t i = 0; i < n; i++) {
        uint64_t off = (first + i) * PAGE;
        uint64_t t0 = instret();
        int64_t got = fs_read(FS_CLIENT_SLOT, h, off, chunk, PAGE);
        uint64_t t1 = instret();
        samples[i] = t1 - t0;
        if (got != (int64_t)PAGE) {
            sys_printf("fsbench: read at %lu: %ld\n", off, got);
            errors++;
            return;
        }
        check_page(chunk, off, name);
    }
    bench_report(name, samples, (int)n);
}

static void bench_fault(uint64_t h, const char *name)
{
    int64_t cap = fs_map_file(FS_CLIENT_SLOT, h, false);
    int64_t a = cap < 0 ? cap
                        : mm_mmap_file(0, FAULT_PAGES * PAGE, MM_PROT_R, 0, (handle_t)cap, 0);
    if (a < 0) {
        sys_printf("fsbench: mapping the file: %s\n", err_name((err_t)a));
        errors++;
        return;
    }
    const volatile uint8_t *p = (const volatile uint8_t *)(uintptr_t)a;
    for (uint64_t i = 0; i < FAULT_PAGES; i++) {
        uint64_t t0 = instret();
        (void)p[i * PAGE];
        uint64_t t1 = instret();
        samples[i] = t1 - t0;
    }
    for (uint64_t i = 0; i < FAULT_PAGES; i++)
        check_page(p + i * PAGE, i * PAGE, name);
    bench_report(name, samples, FAULT_PAGES);
    (void)mm_munmap((uint64_t)a, FAULT_PAGES * PAGE);
}

int main(uintptr_t arg)
{
    (void)arg;
    uint64_t size = 0;
    int64_t h = fs_open(FS_CLIENT_SLOT, "/bench8m.bin", 0, &size, NULL);
    if (h < 0 || size != FILE_LEN) {
        sys_printf("fsbench: /bench8m.bin: %s (size %lu)\n",
                   h < 0 ? err_name((err_t)h) : "wrong size", size);
        return 1;
    }
    sys_puts("fsbench: guest instructions; read() per 4 KiB of an 8 MiB file, "
             "file-mapping first touch per page\n");
    bench_clock_line();
    /* fat32's page cache (4 MiB) holds the last half of the file after the
     * first pass, so the last 2 MiB read again come from the cache, and
     * the first 2 MiB the mapping benchmarks touch are cold again. */
    bench_read((uint64_t)h, 0, READ_SAMPLES, "fs_read_4k_of_8MiB_cold");
    bench_read((uint64_t)h, READ_SAMPLES - FAULT_PAGES, FAULT_PAGES, "fs_read_4k_cached");
    bench_fault((uint64_t)h, "fs_file_fault_4k_cold");
    bench_fault((uint64_t)h, "fs_file_fault_4k_warm");
    (void)fs_close(FS_CLIENT_SLOT, (uint64_t)h);
    bench_clock_line();
    sys_printf("fsbench: done, %d errors\n", errors);
    root_report_exit(ROOT_REPORT_SLOT, 0);
    return errors ? 1 : 0;
}
