/* Boot-time memory planning (see kernel/include/kernel/memplan.h). */
#include <kernel/memplan.h>

#define PLAN_2M (1ul << 21)
#define PLAN_1G (1ul << 30)
#define PLAN_PAGE 4096ul

uint64_t memplan_direct_leaves(paddr_t base, uint64_t len, memplan_leaf_fn leaf,
                               void *ctx)
{
    uint64_t end = base + len;
    if (end < base)
        end = ~0ul; /* wraps: clamp */
    uint64_t lo = ALIGN_UP(base, PLAN_2M);
    uint64_t hi = ALIGN_DOWN(end, PLAN_2M);
    if (lo < base || lo >= hi) /* ALIGN_UP wrapped, or nothing left */
        return len;
    for (uint64_t pa = lo; pa < hi;) {
        if (IS_ALIGNED(pa, PLAN_1G) && hi - pa >= PLAN_1G) {
            leaf(ctx, pa, 2);
            pa += PLAN_1G;
        } else {
            leaf(ctx, pa, 1);
            pa += PLAN_2M;
        }
    }
    return len - (hi - lo);
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

err_t memplan_find_free(const struct fdt_range *mem, uint32_t nmem,
                        const struct fdt_range *resv, uint32_t nresv,
                        uint64_t len, paddr_t *out)
{
    bool found = false;
    paddr_t best = 0;
    len = ALIGN_UP(len, PLAN_PAGE);
    if (len == 0)
        return E_NOMEM;
    for (uint32_t m = 0; m < nmem; m++) {
        uint64_t lo = ALIGN_UP(mem[m].base, PLAN_PAGE);
        uint64_t hi = mem[m].base + mem[m].len;
        /* Both checks are needed: the end and the rounded start can wrap. */
        if (hi < mem[m].base || lo < mem[m].base)
            continue;
        /* Candidates: the range start and the page after each reservation;
         * the lowest fitting one wins. */
        for (uint32_t c = 0; c <= nresv; c++) {
            uint64_t cand = c == 0 ? lo : ALIGN_UP(resv[c - 1].base + resv[c - 1].len, PLAN_PAGE);
            if (cand < lo || cand + len > hi || cand + len < cand)
                continue;
            bool clash = false;
            for (uint32_t r = 0; r < nresv && !clash; r++)
                clash = overlaps(cand, len, resv[r].base, resv[r].len);
            if (!clash && (!found || cand < best)) {
                best = cand;
                found = true;
            }
        }
    }
    if (!found)
        return E_NOMEM;
    *out = best;
    return E_OK;
}
