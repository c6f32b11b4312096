/* free: memory as mm counts it (4 KiB frames), and its fault counters. */
#include <stdio.h>

#include <sys/mm.h>

int main(void)
{
    struct mm_stats_reply s;
    if (mm_stats(MM_CLIENT_SLOT, &s) != 0) {
        fprintf(stderr, "free: mm does not answer\n");
        return 1;
    }
    unsigned long total = (unsigned long)(s.free_frames + s.used_frames);
    printf("          KiB     frames\n");
    printf("total %9lu  %9lu\n", total * 4, total);
    printf("used  %9lu  %9lu\n", (unsigned long)s.used_frames * 4, (unsigned long)s.used_frames);
    printf("free  %9lu  %9lu\n", (unsigned long)s.free_frames * 4, (unsigned long)s.free_frames);
    printf("spaces %lu; faults: %lu zero-fill, %lu copy-on-write, %lu re-enabled, "
           "%lu superpage, %lu file; %lu killed\n",
           (unsigned long)s.spaces, (unsigned long)s.zero_fill, (unsigned long)s.cow_copy,
           (unsigned long)s.cow_reenable, (unsigned long)s.super_faults,
           (unsigned long)s.file_faults, (unsigned long)s.killed);
    return 0;
}
