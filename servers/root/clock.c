/*
 * The wall clock: root reads QEMU virt's goldfish RTC once at boot (the
 * device capability the kernel hands it as "rtc") and pairs it with the
 * `time` counter, so servers can tell the time without a driver of their
 * own: now = epoch_at_time0 + time / timebase_hz.
 */
#include <mica/bootinfo.h>
#include <proto/fs.h>
#include <sys/mica.h>

#include "root.h"

#define RTC_VA 0x3e00000000ull
#define RTC_TIME_LOW 0x00  /* reading it latches TIME_HIGH (goldfish-rtc) */
#define RTC_TIME_HIGH 0x04

static uint64_t read_time(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

uint64_t clock_start_arg(void)
{
    if (root.epoch_at_time0 < FS_EPOCH_1980 || root.timebase_hz == 0 ||
        root.timebase_hz > UINT32_MAX)
        return 0;
    return FS_START_ARG(root.epoch_at_time0 - FS_EPOCH_1980, root.timebase_hz);
}

void clock_init(const struct bootinfo *info)
{
    root.timebase_hz = info->timebase_hz;
    const struct bootinfo_cap *rtc = NULL;
    for (uint32_t i = 0; i < info->ncaps; i++)
        if (info->caps[i].kind == BI_CAP_DEVICE && strcmp(info->caps[i].name, "rtc") == 0)
            rtc = &info->caps[i];
    if (!rtc || info->timebase_hz == 0) {
        sys_puts("root: no real-time clock: files are stamped 1980-01-01\n");
        return;
    }
    if (sys_map(ROOT_HANDLE_TASK, RTC_VA, rtc->handle, 0, MAP_R | MAP_W) < 0) {
        sys_puts("root: cannot map the real-time clock\n");
        return;
    }
    volatile uint32_t *regs = (volatile uint32_t *)(uintptr_t)RTC_VA;
    uint64_t low = regs[RTC_TIME_LOW / 4];
    uint64_t high = regs[RTC_TIME_HIGH / 4];
    uint64_t t = read_time();
    uint64_t secs = ((high << 32) | low) / 1000000000ull;
    root.epoch_at_time0 = secs - t / info->timebase_hz;
    (void)sys_unmap(ROOT_HANDLE_TASK, RTC_VA);
    sys_printf("root: real-time clock: %lu seconds since 1970 (UTC)\n", secs);
}
