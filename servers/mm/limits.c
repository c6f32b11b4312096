/*
 * Per-client limits of mm (limits.h): the checks, no state of their own.
 */
#include "limits.h"

void limits_init(struct mm_limits *l)
{
    *l = (struct mm_limits){.max_vma_bytes = MM_LIMIT_VMA_BYTES, .max_vmas = MM_LIMIT_VMAS};
}

err_t limits_may_take(uint64_t held, uint64_t want, uint64_t free, uint64_t cap,
                      uint64_t fair, uint64_t reserve)
{
    if (want > cap || held > cap - want)
        return E_LIMIT;
    if (want > free)
        return E_NOMEM;
    /* Beyond its fair share a client may not eat into the reserve. */
    if (held + want > fair && free - want < reserve)
        return E_LIMIT;
    return E_OK;
}

err_t limits_may_map(const struct mm_limits *l, uint64_t bytes)
{
    if (bytes > l->max_vma_bytes || l->vma_bytes > l->max_vma_bytes - bytes)
        return E_NOMEM;
    return E_OK;
}
