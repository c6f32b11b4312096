/*
 * Address spaces and the kernel's own map. The kernel map direct-maps RAM
 * with 1 GiB / 2 MiB leaves only, plus the few device regions the kernel
 * touches itself; user address spaces share its upper half.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <kernel/cpu_local.h>
#include <kernel/klib.h>
#include <kernel/kmem.h>
#include <kernel/kprintf.h>
#include <kernel/memplan.h>
#include <kernel/panic.h>
#include <kernel/vspace.h>

struct vspace kernel_vspace;

struct direct_map_stats {
    uint32_t leaves[3];
};

static void map_direct_leaf(void *ctx, paddr_t pa, int level)
{
    struct direct_map_stats *st = ctx;
    /* Kernel text lives in this map too, hence EXEC. */
    err_t err = arch_mmu_map(kernel_vspace.root, (vaddr_t)phys_to_virt(pa), pa,
                             level, MMU_READ | MMU_WRITE | MMU_EXEC | MMU_GLOBAL);
    if (err != E_OK)
        panic("direct map of 0x%lx (level %d) failed: %s", pa, level,
              err_name(err));
    st->leaves[level]++;
}

/* Maps a device's registers with 2 MiB leaves (devices share leaves). */
static void map_device(const char *name, const struct fdt_device *dev)
{
    if (!dev->present)
        return;
    paddr_t lo = ALIGN_DOWN(dev->base, MEGAPAGE_SIZE);
    paddr_t hi = ALIGN_UP(dev->base + dev->len, MEGAPAGE_SIZE);
    for (paddr_t pa = lo; pa < hi; pa += MEGAPAGE_SIZE) {
        err_t err = arch_mmu_map(kernel_vspace.root, (vaddr_t)phys_to_virt(pa),
                                 pa, MMU_LEVEL_2M,
                                 MMU_READ | MMU_WRITE | MMU_GLOBAL);
        if (err != E_OK && err != E_EXIST)
            panic("mapping %s at 0x%lx failed: %s", name, pa, err_name(err));
    }
}

void vspace_init_kernel(const struct platform_info *plat)
{
    if (kmem_alloc_page(&kernel_vspace.root) != E_OK)
        panic("no page for the kernel's root page table");
    kernel_vspace.asid = 0;
    kernel_vspace.mmu_context = arch_mmu_context(kernel_vspace.root, 0);
    struct direct_map_stats st = {0};
    for (uint32_t i = 0; i < plat->nmem; i++) {
        uint64_t dropped = memplan_direct_leaves(plat->mem[i].base,
                                                 plat->mem[i].len,
                                                 map_direct_leaf, &st);
        if (dropped)
            kprintf("vm: %lu bytes of RAM at 0x%lx are not 2 MiB aligned and "
                    "stay unused\n",
                    dropped, plat->mem[i].base);
    }
    map_device("plic", &plat->plic);
    map_device("test", &plat->test);
    arch_mmu_activate(kernel_vspace.root, kernel_vspace.asid);
    cpu_self()->active_mmu_context = kernel_vspace.mmu_context;
    /* The boot table's global entries may be cached: drop everything. */
    arch_tlb_flush_all();
    kprintf("vm: direct map at 0x%lx: %u x 1 GiB + %u x 2 MiB leaves, "
            "no 4 KiB tables\n",
            (uint64_t)KERNEL_DIRECT_MAP_BASE, st.leaves[2], st.leaves[1]);
}

/* ASID 0 is the kernel's; user spaces get 1 .. 2^bits - 1. */
#define ASID_MAX 65536
static uint64_t asid_used[ASID_MAX / 64];
static uint32_t asid_limit; /* 1 << bits, set at boot */

void vspace_init_asids(void)
{
    unsigned bits = arch_mmu_asid_bits();
    asid_limit = bits >= 16 ? ASID_MAX : 1u << bits;
    asid_used[0] |= 1; /* the kernel's */
    kprintf("vm: %u ASID bits\n", bits);
}

static err_t asid_alloc(uint16_t *out)
{
    for (uint32_t a = 1; a < asid_limit; a++) {
        if (!(asid_used[a / 64] & (1ul << (a % 64)))) {
            asid_used[a / 64] |= 1ul << (a % 64);
            *out = (uint16_t)a;
            return E_OK;
        }
    }
    return E_NOMEM;
}

err_t vspace_create(struct vspace *vs)
{
    uint16_t asid;
    err_t err = asid_alloc(&asid);
    if (err != E_OK)
        return err;
    err = kmem_alloc_page(&vs->root);
    if (err != E_OK) {
        asid_used[asid / 64] &= ~(1ul << (asid % 64));
        return err;
    }
    arch_mmu_init_user_root(vs->root, kernel_vspace.root);
    vs->asid = asid;
    vs->mmu_context = arch_mmu_context(vs->root, asid);
    /* The ASID may have been used before: drop whatever the TLB kept. */
    arch_tlb_flush_asid(asid);
    return E_OK;
}

void vspace_activate(const struct vspace *vs)
{
    struct cpu *cpu = cpu_self();
    if (cpu->active_mmu_context == vs->mmu_context)
        return;
    arch_mmu_activate(vs->root, vs->asid);
    cpu->active_mmu_context = vs->mmu_context;
}

void vspace_destroy(struct vspace *vs)
{
    if (cpu_self()->active_mmu_context == vs->mmu_context)
        vspace_activate(&kernel_vspace);
    arch_mmu_destroy_user(vs->root);
    arch_tlb_flush_asid(vs->asid);
    asid_used[vs->asid / 64] &= ~(1ul << (vs->asid % 64));
    vs->root = 0;
}

void *vspace_user_ptr(const struct vspace *vs, vaddr_t va, uint64_t len, bool write)
{
    if (len == 0 || va + len < va || va + len > USER_VA_TOP ||
        ALIGN_DOWN(va, PAGE_SIZE) != ALIGN_DOWN(va + len - 1, PAGE_SIZE))
        return NULL;
    paddr_t pa;
    unsigned flags;
    int level;
    unsigned need = MMU_USER | MMU_READ | (write ? MMU_WRITE : 0);
    if (arch_mmu_query(vs->root, va, &pa, &flags, &level) != E_OK ||
        (flags & need) != need)
        return NULL;
    return phys_to_virt(pa);
}

err_t vspace_copy_to_user(const struct vspace *vs, vaddr_t dst, const void *src,
                          uint64_t len)
{
    if (dst + len < dst || dst + len > USER_VA_TOP)
        return E_FAULT;
    for (vaddr_t va = ALIGN_DOWN(dst, PAGE_SIZE); va < dst + len; va += PAGE_SIZE) {
        paddr_t pa;
        unsigned flags;
        int level;
        if (arch_mmu_query(vs->root, va, &pa, &flags, &level) != E_OK ||
            (flags & (MMU_USER | MMU_WRITE)) != (MMU_USER | MMU_WRITE))
            return E_FAULT;
    }
    const uint8_t *in = src;
    while (len > 0) {
        uint64_t chunk = PAGE_SIZE - (dst & (PAGE_SIZE - 1));
        if (chunk > len)
            chunk = len;
        void *p = vspace_user_ptr(vs, dst, chunk, true);
        if (!p)
            return E_FAULT; /* cannot happen: checked above */
        memcpy(p, in, chunk);
        in += chunk;
        dst += chunk;
        len -= chunk;
    }
    return E_OK;
}

err_t vspace_copy_from_user(const struct vspace *vs, void *dst, vaddr_t src,
                            uint64_t len)
{
    /* Both checks are needed: src + len can wrap. */
    if (src + len < src || src + len > USER_VA_TOP)
        return E_FAULT;
    /* Check every page first, then copy: no partial copy on error. */
    for (vaddr_t va = ALIGN_DOWN(src, PAGE_SIZE); va < src + len; va += PAGE_SIZE) {
        paddr_t pa;
        unsigned flags;
        int level;
        if (arch_mmu_query(vs->root, va, &pa, &flags, &level) != E_OK ||
            (flags & (MMU_USER | MMU_READ)) != (MMU_USER | MMU_READ))
            return E_FAULT;
    }
    uint8_t *out = dst;
    while (len > 0) {
        paddr_t pa;
        unsigned flags;
        int level;
        if (arch_mmu_query(vs->root, src, &pa, &flags, &level) != E_OK)
            return E_FAULT; /* cannot happen: checked above, single hart */
        uint64_t chunk = PAGE_SIZE - (src & (PAGE_SIZE - 1));
        if (chunk > len)
            chunk = len;
        memcpy(out, phys_to_virt(pa), chunk);
        out += chunk;
        src += chunk;
        len -= chunk;
    }
    return E_OK;
}
