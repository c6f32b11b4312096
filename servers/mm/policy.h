/*
 * What a page fault means: the decision mm takes from the faulting VMA, the
 * access, the PTE the kernel reported and the frame's reference count.
 * Pure (no IPC), so every case is host-tested. The PTE's two software bits
 * follow the seed's convention: SW0 = SHARE (a copy-on-write page shared
 * after fork), SW1 = READONLY (read-only in its own right: writing it is
 * illegal even though it may also be shared).
 */
#pragma once

#include <stdint.h>

#include "vma.h"

enum fault_action {
    FAULT_ZERO_FILL,    /* nothing mapped, anonymous memory: map a zeroed frame */
    FAULT_COW_COPY,     /* write to a shared page others still use: copy it */
    FAULT_COW_REENABLE, /* write to a shared page nobody else uses: make it writable */
    FAULT_RETRY,        /* the PTE already allows the access (another thread fixed it) */
    FAULT_KILL_NO_VMA,  /* address outside every VMA */
    FAULT_KILL_PROT,    /* the VMA does not allow this access */
    FAULT_KILL_READONLY,/* write to a page marked READONLY */
};

/* Fault access kinds (include/mica/ipc.h FAULT_ACCESS_*). */
#define POLICY_READ 1u
#define POLICY_WRITE 2u
#define POLICY_EXEC 4u

/* PTE flags as the kernel reports them (include/mica/ipc.h MAP_*). */
#define POLICY_PTE_R (1u << 0)
#define POLICY_PTE_W (1u << 1)
#define POLICY_PTE_X (1u << 2)
#define POLICY_PTE_SHARE (1u << 3)    /* MAP_SW0 */
#define POLICY_PTE_READONLY (1u << 4) /* MAP_SW1 */
#define POLICY_PTE_PRESENT (1u << 11) /* MAP_PRESENT */

/* vma: the VMA containing the address or NULL; access: one POLICY_*;
 * pte: the kernel's flags for the address (0 if unmapped); refs: the
 * reference count of the mapped frame (ignored when unmapped). */
enum fault_action policy_decide(const struct vma *vma, unsigned access, uint64_t pte,
                                unsigned refs);

/* A short reason for reports ("write to read-only memory"). */
const char *policy_reason(enum fault_action a);
