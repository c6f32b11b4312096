/* Page-fault policy (see policy.h). */
#include "policy.h"

enum fault_action policy_decide(const struct vma *vma, unsigned access, uint64_t pte,
                                unsigned refs)
{
    if (!vma)
        return FAULT_KILL_NO_VMA;
    unsigned need = access == POLICY_WRITE  ? VMA_PROT_W
                    : access == POLICY_EXEC ? VMA_PROT_X
                                            : VMA_PROT_R;
    if (!(vma->prot & need))
        return FAULT_KILL_PROT;
    if (!(pte & POLICY_PTE_PRESENT))
        return FAULT_ZERO_FILL;
    if (access != POLICY_WRITE) {
        /* A present page the VMA allows reading or executing: the PTE is
         * stale in this hart's TLB or was just fixed. */
        unsigned have = access == POLICY_EXEC ? POLICY_PTE_X : POLICY_PTE_R;
        return (pte & have) ? FAULT_RETRY : FAULT_KILL_PROT;
    }
    if (pte & POLICY_PTE_W)
        return FAULT_RETRY;
    if (pte & POLICY_PTE_READONLY)
        return FAULT_KILL_READONLY;
    if (!(pte & POLICY_PTE_SHARE))
        return FAULT_KILL_PROT; /* read-only without being shared: not ours to fix */
    return refs <= 1 ? FAULT_COW_REENABLE : FAULT_COW_COPY;
}

const char *policy_reason(enum fault_action a)
{
    switch (a) {
    case FAULT_KILL_NO_VMA: return "access outside any mapping";
    case FAULT_KILL_PROT: return "access not allowed by the mapping's protection";
    case FAULT_KILL_READONLY: return "write to a read-only page";
    default: return "not a fatal fault";
    }
}
