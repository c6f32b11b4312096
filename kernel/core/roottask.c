/*
 * Root task loader. The only ELF the kernel loads: segments are copied into
 * fresh frames (the boot image packs files, not page-aligned segments);
 * later programs are loaded by user-mode servers.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <kernel/bootimg.h>
#include <kernel/elf.h>
#include <kernel/klib.h>
#include <kernel/kmem.h>
#include <kernel/kprintf.h>
#include <kernel/panic.h>
#include <kernel/roottask.h>
#include <kernel/thread.h>
#include <kernel/vspace.h>

#include <mica/bootinfo.h>

#define ROOT_ASID 1

static struct vspace root_vspace;

static unsigned seg_mmu_flags(uint32_t perm)
{
    unsigned f = MMU_USER;
    if (perm & ELF_SEG_R)
        f |= MMU_READ;
    if (perm & ELF_SEG_W)
        f |= MMU_WRITE | MMU_READ;
    if (perm & ELF_SEG_X)
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
    err_t err = arch_mmu_map(root_vspace.root, va, pa, MMU_LEVEL_4K, flags);
    if (err != E_OK)
        panic("mapping the root task's %s at 0x%lx failed: %s", what, va,
              err_name(err));
}

static void load_segment(const uint8_t *file, const struct elf_segment *seg)
{
    vaddr_t start = ALIGN_DOWN(seg->vaddr, PAGE_SIZE);
    vaddr_t end = ALIGN_UP(seg->vaddr + seg->memsz, PAGE_SIZE);
    vaddr_t file_end = seg->vaddr + seg->filesz;
    for (vaddr_t va = start; va < end; va += PAGE_SIZE) {
        paddr_t pa = alloc_or_panic("segment");
        uint8_t *page = phys_to_virt(pa);
        /* Bytes of this page that come from the file. */
        vaddr_t lo = va > seg->vaddr ? va : seg->vaddr;
        vaddr_t hi = va + PAGE_SIZE < file_end ? va + PAGE_SIZE : file_end;
        if (lo < hi)
            memcpy(page + (lo - va), file + seg->offset + (lo - seg->vaddr), hi - lo);
        map_or_panic(va, pa, seg_mmu_flags(seg->perm), "segment");
    }
}

struct thread *roottask_create(const void *img, paddr_t img_pa, uint64_t img_len,
                               const struct platform_info *plat)
{
    const void *file;
    uint64_t file_len;
    if (bootimg_find(img, "root", &file, &file_len) != E_OK)
        panic("the boot image has no 'root' file");
    struct elf_image elf;
    err_t err = elf_parse(file, file_len, USER_VA_MIN, ROOT_BOOTIMG_VA, &elf);
    if (err != E_OK)
        panic("the root task is not a loadable ELF: %s", err_name(err));
    if (vspace_create(&root_vspace, ROOT_ASID) != E_OK)
        panic("out of memory creating the root task's address space");

    for (uint32_t i = 0; i < elf.nsegments; i++)
        load_segment(file, &elf.seg[i]);

    for (unsigned i = 1; i <= ROOT_STACK_PAGES; i++)
        map_or_panic(ROOT_STACK_TOP - i * PAGE_SIZE, alloc_or_panic("stack"),
                     MMU_USER | MMU_READ | MMU_WRITE, "stack");

    for (uint64_t off = 0; off < img_len; off += PAGE_SIZE)
        map_or_panic(ROOT_BOOTIMG_VA + off, img_pa + off, MMU_USER | MMU_READ,
                     "boot image");

    paddr_t info_pa = alloc_or_panic("boot info");
    struct bootinfo *info = phys_to_virt(info_pa);
    info->magic = BOOTINFO_MAGIC;
    info->version = BOOTINFO_VERSION;
    info->nharts = plat->nharts;
    info->timebase_hz = plat->timebase_hz;
    info->ram_base = plat->mem[0].base;
    info->ram_len = plat->mem[0].len;
    info->bootimg_va = ROOT_BOOTIMG_VA;
    info->bootimg_len = img_len;
    strlcpy_k(info->bootargs, plat->bootargs, sizeof(info->bootargs));
    map_or_panic(BOOTINFO_VA, info_pa, MMU_USER | MMU_READ, "boot info");

    struct thread *t;
    if (thread_create(&root_vspace, "root", &t) != E_OK)
        panic("no thread slot for the root task");
    t->is_root = true;
    arch_regs_init_user(&t->regs, elf.entry, ROOT_STACK_TOP, BOOTINFO_VA);
    kprintf("root: %u segments, entry 0x%lx, %lu KiB file\n", elf.nsegments,
            elf.entry, file_len / 1024);
    return t;
}
