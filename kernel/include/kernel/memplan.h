/*
 * Boot-time memory planning, pure so it is host-tested: which leaves
 * direct-map a RAM range, and where a free run of pages lies given the
 * reserved ranges.
 */
#pragma once

#include <lib/fdt.h>
#include <kernel/types.h>

typedef void (*memplan_leaf_fn)(void *ctx, paddr_t pa, int level);

/* Calls leaf() for each leaf of a direct map of [base, base + len): 1 GiB
 * leaves (level 2) where the address is 1 GiB aligned and a whole gigabyte
 * remains, 2 MiB leaves (level 1) elsewhere. The range is first rounded
 * inward to 2 MiB; returns the bytes left out by that rounding. */
uint64_t memplan_direct_leaves(paddr_t base, uint64_t len, memplan_leaf_fn leaf,
                               void *ctx);

/* Finds the lowest page-aligned run of len bytes lying wholly inside one
 * of mem[0..nmem) and overlapping none of resv[0..nresv). E_NOMEM if none. */
WARN_UNUSED err_t memplan_find_free(const struct fdt_range *mem, uint32_t nmem,
                                    const struct fdt_range *resv, uint32_t nresv,
                                    uint64_t len, paddr_t *out);
