/*
 * Kernel physical memory pool. The allocator's bitmap is placed in the
 * first free run of RAM that no reserved range touches, and reserved itself.
 */
#include <arch/mmu.h>
#include <kernel/klib.h>
#include <kernel/kmem.h>
#include <kernel/kprintf.h>
#include <kernel/memplan.h>
#include <kernel/panic.h>

struct pmm kernel_pmm;

void kmem_init(const struct platform_info *plat, const struct fdt_range *extra,
               uint32_t nextra)
{
    if (plat->nmem == 0)
        panic("no memory node in the device tree");
    struct fdt_range resv[KMEM_MAX_RESV];
    uint32_t nresv = 0;
    for (uint32_t i = 0; i < plat->nresv && nresv < KMEM_MAX_RESV; i++)
        resv[nresv++] = plat->resv[i];
    for (uint32_t i = 0; i < nextra && nresv < KMEM_MAX_RESV; i++)
        resv[nresv++] = extra[i];

    paddr_t lo = ~0ul, hi = 0;
    for (uint32_t i = 0; i < plat->nmem; i++) {
        if (plat->mem[i].base < lo)
            lo = plat->mem[i].base;
        if (plat->mem[i].base + plat->mem[i].len > hi)
            hi = plat->mem[i].base + plat->mem[i].len;
    }
    lo = ALIGN_DOWN(lo, PMM_PAGE_SIZE);
    uint64_t npages = (ALIGN_UP(hi, PMM_PAGE_SIZE) - lo) / PMM_PAGE_SIZE;
    uint64_t bitmap_len = pmm_bitmap_len(npages);
    paddr_t bitmap_pa;
    if (memplan_find_free(plat->mem, plat->nmem, resv, nresv, bitmap_len,
                          &bitmap_pa) != E_OK)
        panic("no room for the page allocator's bitmap (%lu bytes)", bitmap_len);

    pmm_init(&kernel_pmm, lo, npages, phys_to_virt(bitmap_pa));
    for (uint32_t i = 0; i < plat->nmem; i++)
        pmm_release(&kernel_pmm, plat->mem[i].base, plat->mem[i].len);
    for (uint32_t i = 0; i < nresv; i++)
        pmm_reserve(&kernel_pmm, resv[i].base, resv[i].len);
    pmm_reserve(&kernel_pmm, bitmap_pa, bitmap_len);
    kprintf("pmm: %lu pages free (%lu KiB) of %lu; bitmap at 0x%lx\n",
            kernel_pmm.nfree, kernel_pmm.nfree * 4, npages, bitmap_pa);
}

err_t kmem_alloc_page(paddr_t *pa)
{
    err_t err = pmm_alloc(&kernel_pmm, 1, 1, pa);
    if (err != E_OK)
        return err;
    memset(phys_to_virt(*pa), 0, PAGE_SIZE);
    return E_OK;
}

err_t arch_mmu_table_alloc(paddr_t *pa)
{
    return kmem_alloc_page(pa);
}

void arch_mmu_table_free(paddr_t pa)
{
    err_t err = pmm_free(&kernel_pmm, pa, 1);
    if (err != E_OK)
        panic("freeing page-table page 0x%lx: %s", pa, err_name(err));
}

void kmem_carve_user_ram(uint64_t keep_bytes, void (*give)(void *ctx, paddr_t pa, uint64_t len),
                         void *ctx)
{
    struct pmm *p = &kernel_pmm;
    uint64_t keep_pages = keep_bytes / PMM_PAGE_SIZE;
    uint64_t i = p->npages;
    while (i > 0 && p->nfree > keep_pages) {
        /* Find the highest free run ending at or below page i. */
        while (i > 0 && !pmm_is_free(p, p->base + (i - 1) * PMM_PAGE_SIZE))
            i--;
        uint64_t end = i;
        while (i > 0 && pmm_is_free(p, p->base + (i - 1) * PMM_PAGE_SIZE) &&
               p->nfree - (end - (i - 1)) >= keep_pages)
            i--;
        if (end == i)
            break;
        paddr_t pa = p->base + i * PMM_PAGE_SIZE;
        uint64_t len = (end - i) * PMM_PAGE_SIZE;
        pmm_reserve(p, pa, len);
        give(ctx, pa, len);
    }
}
