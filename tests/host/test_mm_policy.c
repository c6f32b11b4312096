/* Tests mm's page-fault decisions (servers/mm/policy.c): every row of the
 * COW convention and every way to be killed. */
#include "policy.h"

#include "check.h"

static struct vma vma_with(unsigned prot)
{
    struct vma v = {.start = 0x10000, .end = 0x20000, .prot = prot};
    return v;
}

#define P POLICY_PTE_PRESENT
#define R POLICY_PTE_R
#define W POLICY_PTE_W
#define X POLICY_PTE_X
#define SH POLICY_PTE_SHARE
#define RO POLICY_PTE_READONLY

int main(void)
{
    struct vma rw = vma_with(VMA_PROT_R | VMA_PROT_W);
    struct vma ro = vma_with(VMA_PROT_R);
    struct vma rx = vma_with(VMA_PROT_R | VMA_PROT_X);
    struct vma none = vma_with(0);

    /* No VMA: killed whatever the access. */
    CHECK(policy_decide(NULL, POLICY_READ, 0, 0) == FAULT_KILL_NO_VMA);
    CHECK(policy_decide(NULL, POLICY_WRITE, P | R | W, 1) == FAULT_KILL_NO_VMA);
    /* The VMA's protection. */
    CHECK(policy_decide(&ro, POLICY_WRITE, 0, 0) == FAULT_KILL_PROT);
    CHECK(policy_decide(&rw, POLICY_EXEC, 0, 0) == FAULT_KILL_PROT);
    CHECK(policy_decide(&none, POLICY_READ, 0, 0) == FAULT_KILL_PROT);
    CHECK(policy_decide(&rx, POLICY_EXEC, 0, 0) == FAULT_ZERO_FILL);
    /* Lazy allocation: first touch of any allowed kind fills with zeros. */
    CHECK(policy_decide(&rw, POLICY_READ, 0, 0) == FAULT_ZERO_FILL);
    CHECK(policy_decide(&rw, POLICY_WRITE, 0, 0) == FAULT_ZERO_FILL);
    /* Copy-on-write: SHARE set, READONLY clear. */
    CHECK(policy_decide(&rw, POLICY_WRITE, P | R | SH, 2) == FAULT_COW_COPY);
    CHECK(policy_decide(&rw, POLICY_WRITE, P | R | SH, 5) == FAULT_COW_COPY);
    CHECK(policy_decide(&rw, POLICY_WRITE, P | R | SH, 1) == FAULT_COW_REENABLE);
    /* SHARE and READONLY: illegal even though shared. */
    CHECK(policy_decide(&rw, POLICY_WRITE, P | R | SH | RO, 2) == FAULT_KILL_READONLY);
    CHECK(policy_decide(&rw, POLICY_WRITE, P | R | RO, 1) == FAULT_KILL_READONLY);
    /* SHARE clear and no W: an illegal write, not COW. */
    CHECK(policy_decide(&rw, POLICY_WRITE, P | R, 1) == FAULT_KILL_PROT);
    /* Reads of a shared page are fine as they are. */
    CHECK(policy_decide(&rw, POLICY_READ, P | R | SH, 3) == FAULT_RETRY);
    CHECK(policy_decide(&rw, POLICY_WRITE, P | R | W, 1) == FAULT_RETRY);
    CHECK(policy_decide(&rx, POLICY_EXEC, P | R, 1) == FAULT_KILL_PROT); /* PTE lacks X */
    CHECK(policy_decide(&rx, POLICY_EXEC, P | R | X, 1) == FAULT_RETRY);
    /* Reasons are distinct and say something. */
    CHECK(policy_reason(FAULT_KILL_NO_VMA)[0] != 0);
    CHECK(policy_reason(FAULT_KILL_READONLY) != policy_reason(FAULT_KILL_PROT));
    return check_finish("test_mm_policy");
}
