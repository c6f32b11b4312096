/*
 * The kernel's physical memory pool: set up once at boot from the device
 * tree, used for page tables and kernel objects.
 */
#pragma once

#include <lib/fdt.h>
#include <kernel/pmm.h>

extern struct pmm kernel_pmm;

/* Reserved ranges of the boot: firmware, kernel image + boot image, FDT. */
#define KMEM_MAX_RESV (FDT_MAX_RESV + 4)

/* Builds kernel_pmm over all RAM in plat, minus plat's reserved ranges and
 * the extra ones given. Panics if RAM is missing (nothing can run). */
void kmem_init(const struct platform_info *plat, const struct fdt_range *extra,
               uint32_t nextra);

/* One zeroed page from the pool; E_NOMEM when it is empty. */
WARN_UNUSED err_t kmem_alloc_page(paddr_t *pa);

/* Takes free RAM out of the kernel pool for the root task, largest
 * addresses first, until only keep_bytes remain free; calls give(pa, len)
 * for each contiguous run taken. */
void kmem_carve_user_ram(uint64_t keep_bytes, void (*give)(void *ctx, paddr_t pa, uint64_t len),
                         void *ctx);
