/* Tests mm's per-client limit rules (servers/mm/limits.c): the hard cap,
 * the fair share that may not eat into the reserve, the byte cap. */
#include "limits.h"

#include "check.h"

int main(void)
{
    /* Within the fair share: anything the table still has. */
    CHECK(limits_may_take(0, 1, 1, 10, 4, 100) == E_OK);
    CHECK(limits_may_take(3, 1, 1, 10, 4, 100) == E_OK);
    CHECK(limits_may_take(0, 2, 1, 10, 4, 100) == E_NOMEM); /* the table is full */
    /* Beyond it: only while the reserve stays free. */
    CHECK(limits_may_take(4, 1, 101, 10, 4, 100) == E_OK);
    CHECK(limits_may_take(4, 1, 100, 10, 4, 100) == E_LIMIT);
    CHECK(limits_may_take(3, 2, 100, 10, 4, 100) == E_LIMIT);
    /* The hard cap, also against wrapping. */
    CHECK(limits_may_take(10, 1, 1000, 10, 4, 100) == E_LIMIT);
    CHECK(limits_may_take(9, 1, 1000, 10, 4, 100) == E_OK);
    CHECK(limits_may_take(1, UINT64_MAX, 1000, 10, 4, 100) == E_LIMIT);
    CHECK(limits_may_take(UINT64_MAX, 1, 1000, 10, 4, 100) == E_LIMIT);

    struct mm_limits l;
    limits_init(&l);
    CHECK(l.max_vma_bytes == MM_LIMIT_VMA_BYTES && l.max_vmas == MM_LIMIT_VMAS);
    CHECK(limits_may_map(&l, MM_LIMIT_VMA_BYTES) == E_OK);
    CHECK(limits_may_map(&l, MM_LIMIT_VMA_BYTES + 1) == E_NOMEM);
    l.vma_bytes = MM_LIMIT_VMA_BYTES - 4096;
    CHECK(limits_may_map(&l, 4096) == E_OK);
    CHECK(limits_may_map(&l, 8192) == E_NOMEM);
    CHECK(limits_may_map(&l, UINT64_MAX) == E_NOMEM);
    return check_finish("test_mm_limits");
}
