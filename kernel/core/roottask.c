/*
 * Root task loader. The kernel reads no ELF: mkbootimg.py laid the root
 * task out in pages at build time ("NAME.root", struct bootimg_layout), and
 * the kernel copies those ranges into fresh frames from the kernel pool and
 * maps them. Later programs are loaded by user-mode servers.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <kernel/bootimg.h>
#include <kernel/cap.h>
#include <kernel/klib.h>
#include <kernel/kmem.h>
#include <kernel/kprintf.h>
#include <kernel/panic.h>
#include <kernel/roottask.h>
#include <kernel/task.h>
#include <kernel/thread.h>
#include <kernel/vspace.h>

#include <mica/bootimg.h>
#include <mica/bootinfo.h>
#include <mica/caps.h>

#define ROOT_SLOTS 1024
#define ROOT_PRIO 60

static struct task *root;
static struct bootinfo *info;
static uint32_t next_frame_slot = ROOT_HANDLE_FIRST_FRAME;

static unsigned range_mmu_flags(uint32_t perm)
{
    unsigned f = MMU_USER;
    if (perm & BOOTIMG_RANGE_R)
        f |= MMU_READ;
    if (perm & BOOTIMG_RANGE_W)
        f |= MMU_WRITE | MMU_READ;
    if (perm & BOOTIMG_RANGE_X)
        f |= MMU_EXEC;
    return f;
}

static paddr_t alloc_or_panic(const char *what)
{
    paddr_t pa;
    if (kmem_alloc_page(&pa) != E_OK)
        panic("out of memory loading the root task (%s)", what);
    return pa;
}

static void map_or_panic(vaddr_t va, paddr_t pa, unsigned flags, const char *what)
{
    err_t err = arch_mmu_map(root->vs.root, va, pa, MMU_LEVEL_4K, flags);
    if (err != E_OK)
        panic("mapping the root task's %s at 0x%lx failed: %s", what, va,
              err_name(err));
}

static void load_range(const uint8_t *file, const struct bootimg_range *r)
{
    for (uint64_t off = 0; off < r->len; off += PAGE_SIZE) {
        paddr_t pa = alloc_or_panic("program");
        uint8_t *page = phys_to_virt(pa);
        if (off < r->data_len)
            memcpy(page, file + r->data_off + off, PAGE_SIZE);
        else
            memset(page, 0, PAGE_SIZE);
        map_or_panic(r->va + off, pa, range_mmu_flags(r->perm), "program");
    }
}

static void give_cap(unsigned type, unsigned rights, struct object *obj, uint32_t slot)
{
    cap_install(&root->cs.slots[slot], type, rights, obj, 0, 0);
}

static void give_frame(uint32_t kind, const char *name, paddr_t pa, uint64_t len,
                       uint32_t irq, unsigned rights)
{
    if (next_frame_slot >= ROOT_SLOTS || info->ncaps >= BOOTINFO_MAX_CAPS) {
        kprintf("root: no room to describe frame %s at 0x%lx; not given\n", name, pa);
        return;
    }
    uint32_t h = next_frame_slot++;
    cap_install(&root->cs.slots[h], CAP_FRAME, rights, NULL, pa, len);
    struct bootinfo_cap *bc = &info->caps[info->ncaps++];
    bc->handle = h;
    bc->kind = kind;
    bc->pa = pa;
    bc->len = len;
    bc->irq = irq;
    strlcpy_k(bc->name, name, sizeof(bc->name));
}

static uint64_t ram_given;

static void give_ram(void *ctx, paddr_t pa, uint64_t len)
{
    (void)ctx;
    ram_given += len;
    give_frame(BI_CAP_RAM, "ram", pa, len, 0,
               RIGHT_READ | RIGHT_WRITE | RIGHT_EXEC | RIGHT_GRANT | RIGHT_MANAGE);
}

static void give_device(const char *name, const struct fdt_device *d)
{
    if (d->present)
        give_frame(BI_CAP_DEVICE, name, ALIGN_DOWN(d->base, PAGE_SIZE),
                   ALIGN_UP(d->len, PAGE_SIZE), d->irq,
                   RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT | RIGHT_MANAGE);
}

struct thread *roottask_create(const char *name, const void *img, paddr_t img_pa,
                               uint64_t img_len, const struct platform_info *plat,
                               uint64_t kernel_pool_len)
{
    const void *file;
    uint64_t file_len;
    char layout_name[BOOTIMG_NAME_MAX];
    uint64_t n = strlen(name);
    if (n + sizeof(BOOTIMG_LAYOUT_SUFFIX) > sizeof(layout_name))
        panic("the root task's name '%s' is too long", name);
    memcpy(layout_name, name, n);
    memcpy(layout_name + n, BOOTIMG_LAYOUT_SUFFIX, sizeof(BOOTIMG_LAYOUT_SUFFIX));
    if (bootimg_find(img, layout_name, &file, &file_len) != E_OK)
        panic("the boot image has no '%s' for the root task", layout_name);
    const struct bootimg_layout *layout = file;
    if (bootimg_layout_check(layout, file_len, USER_VA_MIN, ROOT_BOOTIMG_VA) != E_OK)
        panic("the root task's layout '%s' is corrupt", layout_name);
    /* Its real budget is set below, once the pool is what it will be. */
    if (task_create(NULL, ROOT_SLOTS, ~0ull >> 1, &root) != E_OK)
        panic("out of memory creating the root task");

    for (uint32_t i = 0; i < layout->nranges; i++)
        load_range(file, &layout->range[i]);
    for (unsigned i = 1; i <= ROOT_STACK_PAGES; i++)
        map_or_panic(ROOT_STACK_TOP - i * PAGE_SIZE, alloc_or_panic("stack"),
                     MMU_USER | MMU_READ | MMU_WRITE, "stack");
    map_or_panic(ROOT_IPC_BUFFER_VA, alloc_or_panic("IPC buffer"),
                 MMU_USER | MMU_READ | MMU_WRITE, "IPC buffer");
    for (uint64_t off = 0; off < img_len; off += PAGE_SIZE)
        map_or_panic(ROOT_BOOTIMG_VA + off, img_pa + off, MMU_USER | MMU_READ,
                     "boot image");

    paddr_t info_pa = alloc_or_panic("boot info");
    info = phys_to_virt(info_pa);
    info->magic = BOOTINFO_MAGIC;
    info->version = BOOTINFO_VERSION;
    info->nharts = plat->nharts;
    info->timebase_hz = plat->timebase_hz;
    info->ram_base = plat->mem[0].base;
    info->ram_len = plat->mem[0].len;
    info->bootimg_va = ROOT_BOOTIMG_VA;
    info->bootimg_len = img_len;
    info->kernel_pool_len = kernel_pool_len;
    strlcpy_k(info->bootargs, plat->bootargs, sizeof(info->bootargs));

    struct thread *t;
    if (thread_create(root, ROOT_PRIO, name, &t) != E_OK)
        panic("no memory for the root task's thread");
    t->is_root = true;
    t->ipc_buffer_va = ROOT_IPC_BUFFER_VA;
    give_cap(CAP_TASK, RIGHTS_ALL, &root->hdr, ROOT_HANDLE_TASK);
    give_cap(CAP_THREAD, RIGHTS_ALL, &t->hdr, ROOT_HANDLE_THREAD);
    give_cap(CAP_IRQ_CONTROL, RIGHTS_ALL, NULL, ROOT_HANDLE_IRQ_CONTROL);

    kmem_carve_user_ram(kernel_pool_len, give_ram, NULL);
    give_frame(BI_CAP_BOOTIMG, "bootimg", img_pa, img_len, 0, RIGHT_READ | RIGHT_GRANT);
    give_device("uart", &plat->uart);
    give_device("rtc", &plat->rtc);
    for (uint32_t i = 0; i < plat->nvirtio; i++)
        give_device("virtio-mmio", &plat->virtio[i]);

    map_or_panic(BOOTINFO_VA, info_pa, MMU_USER | MMU_READ, "boot info");
    /* The root task may hand out the whole pool: every other budget is
     * carved out of this one, so none can promise more than the pool has. */
    root->budget = root->used + kernel_pmm.nfree * PAGE_SIZE;
    thread_start(t, layout->entry, ROOT_STACK_TOP, BOOTINFO_VA);
    kprintf("root: '%s', %u ranges, entry 0x%lx, %u capabilities, %lu KiB RAM "
            "given, %lu KiB kept for the kernel\n",
            name, layout->nranges, layout->entry, info->ncaps + 3, ram_given / 1024,
            kernel_pool_len / 1024);
    return t;
}
