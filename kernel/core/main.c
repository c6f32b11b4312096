/*
 * kmain: the boot sequence after entry.S turned the MMU on. Parse the device
 * tree, set up the page allocator and the kernel's own map, traps and the
 * timer, then load and enter the root task. Nothing here returns.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <kernel/bootimg.h>
#include <kernel/cpu_local.h>
#include <kernel/image.h>
#include <lib/fdt.h>
#include <kernel/irq.h>
#include <kernel/klib.h>
#include <kernel/kmem.h>
#include <kernel/kprintf.h>
#include <kernel/panic.h>
#include <kernel/roottask.h>
#include <kernel/thread.h>
#include <kernel/trap.h>
#include <kernel/vspace.h>
#if CONFIG_DEBUG_HOOKS
#include <kernel/debug_crash.h>
#endif

#define TICK_HZ 100
#define DEFAULT_TIMEBASE_HZ 10000000 /* QEMU virt */
/* Largest FDT we accept; QEMU's is a few KiB. */
#define FDT_MAX_LEN (1ul << 20)


static struct platform_info plat;

/* `mica.root=NAME` runs boot-image file NAME as the root task (tests and
 * benchmarks use it); the default is "root". */
static void root_task_name(const char *cmdline, char *out, uint64_t len)
{
    strlcpy_k(out, "root", len);
    const char *key = "mica.root=";
    uint64_t klen = strlen(key);
    for (const char *p = cmdline; *p;) {
        while (*p == ' ')
            p++;
        if (strncmp(p, key, klen) == 0) {
            p += klen;
            uint64_t n = 0;
            while (p[n] && p[n] != ' ' && n + 1 < len)
                n++;
            memcpy(out, p, n);
            out[n] = '\0';
            return;
        }
        while (*p && *p != ' ')
            p++;
    }
}

/* Kernel pool: an eighth of RAM, between 4 and 64 MiB; the rest of free
 * RAM goes to the root task. */
static uint64_t kernel_pool_size(void)
{
    uint64_t ram = 0;
    for (uint32_t i = 0; i < plat.nmem; i++)
        ram += plat.mem[i].len;
    uint64_t pool = ram / 8;
    if (pool < MIB(4))
        pool = MIB(4);
    if (pool > MIB(64))
        pool = MIB(64);
    return pool;
}

static void report_device(const char *name, const struct fdt_device *d)
{
    if (d->present)
        kprintf("  %-8s 0x%08lx +0x%lx irq %u\n", name, d->base, d->len, d->irq);
    else
        kprintf("  %-8s not found in the device tree\n", name);
}

static void report_platform(void)
{
    kprintf("fdt: model \"%s\", %u hart(s), timebase %lu Hz\n", plat.model,
            plat.nharts, plat.timebase_hz);
    kprintf("fdt: bootargs \"%s\"\n", plat.bootargs);
    for (uint32_t i = 0; i < plat.nmem; i++)
        kprintf("memory: [0x%lx, 0x%lx) %lu MiB\n", plat.mem[i].base,
                plat.mem[i].base + plat.mem[i].len, plat.mem[i].len >> 20);
    for (uint32_t i = 0; i < plat.nresv; i++)
        kprintf("reserved: [0x%lx, 0x%lx) (device tree)\n", plat.resv[i].base,
                plat.resv[i].base + plat.resv[i].len);
    kprintf("devices:\n");
    report_device("uart", &plat.uart);
    report_device("plic", &plat.plic);
    report_device("test", &plat.test);
    report_device("rtc", &plat.rtc);
    for (uint32_t i = 0; i < plat.nvirtio; i++)
        report_device("virtio", &plat.virtio[i]);
    for (uint32_t i = 0; i < plat.nunknown; i++)
        kprintf("fdt: not used: %s\n", plat.unknown[i]);
    if (plat.nunknown_dropped)
        kprintf("fdt: ... and %u more nodes not used\n", plat.nunknown_dropped);
}

static void parse_device_tree(paddr_t fdt_pa, uint32_t *fdt_len)
{
    const void *fdt = phys_to_virt(fdt_pa);
    err_t err = fdt_check_header(fdt, FDT_MAX_LEN, fdt_len);
    if (err == E_OK)
        err = fdt_parse_platform(fdt, *fdt_len, &plat);
    if (err != E_OK)
        panic("cannot read the device tree at 0x%lx: %s", fdt_pa, err_name(err));
    if (plat.timebase_hz == 0) {
        kprintf("fdt: no timebase-frequency; assuming %u Hz\n", DEFAULT_TIMEBASE_HZ);
        plat.timebase_hz = DEFAULT_TIMEBASE_HZ;
    }
    if (plat.nharts == 0) {
        kprintf("fdt: no cpu nodes; assuming the boot hart only\n");
        plat.nharts = 1;
    }
}

NORETURN void kmain(uint64_t hartid, paddr_t fdt_pa)
{
    struct cpu *cpu = cpu_self();
    cpu->hartid = (uint32_t)hartid;

    kprintf("\nMica microkernel (riscv64, Sv39) booting on hart %lu\n", hartid);
    uint32_t fdt_len;
    parse_device_tree(fdt_pa, &fdt_len);
    report_platform();
    arch_set_poweroff_device(plat.test.present ? plat.test.base : 0);

    /* The boot image follows the kernel; its header says how long it is. */
    paddr_t kernel_pa = virt_to_phys(__kernel_start);
    paddr_t img_pa = virt_to_phys(__kernel_end);
    uint64_t img_len;
    if (bootimg_check(__kernel_end, plat.mem[0].base + plat.mem[0].len - img_pa,
                      &img_len) != E_OK)
        panic("no valid boot image after the kernel at 0x%lx", img_pa);
    kprintf("kernel: [0x%lx, 0x%lx) image, [0x%lx, 0x%lx) boot image\n",
            kernel_pa, img_pa, img_pa, img_pa + img_len);

    struct fdt_range extra[] = {
        {kernel_pa, img_pa + img_len - kernel_pa},
        {fdt_pa, fdt_len},
    };
    kmem_init(&plat, extra, ARRAY_LEN(extra));
    vspace_init_kernel(&plat);
    vspace_init_asids();
    arch_trap_init();
    arch_timer_init(plat.timebase_hz, TICK_HZ);
    kprintf("timer: %u Hz tick\n", TICK_HZ);
    irq_init(plat.plic_ndev);
    arch_irq_init(plat.plic.present ? plat.plic.base : 0, cpu->hartid);

#if CONFIG_DEBUG_HOOKS
    if (cmdline_has(plat.bootargs, "mica.crash=kernel")) {
        kprintf("kernel: mica.crash=kernel: faulting on purpose\n");
        debug_crash_kernel(2);
    }
#endif

    char root_name[32];
    root_task_name(plat.bootargs, root_name, sizeof(root_name));
    struct thread *root = roottask_create(root_name, __kernel_end, img_pa, img_len,
                                          &plat, kernel_pool_size());
    kprintf("kernel: entering the root task (thread %u)\n", root->tid);
    cpu->cur = NULL; /* the scheduler picks the root task and switches to it */
    sched_return_to_user();
}
