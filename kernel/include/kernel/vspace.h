/*
 * Address spaces: an Sv39 root table (upper half shared with the kernel)
 * and an ASID. Also the kernel's own map, built once at boot.
 */
#pragma once

#include <kernel/types.h>

struct platform_info;

struct vspace {
    paddr_t root;  /* top-level page table */
    uint64_t mmu_context; /* the MMU root register value (satp) for this space */
    uint16_t asid;
};

/* The kernel's address space: direct map of RAM and of the device regions
 * the kernel itself touches. */
extern struct vspace kernel_vspace;

/* Builds the kernel map from the platform description and switches to it.
 * Reports the leaves it used. Panics only if it cannot allocate its own
 * tables at boot (nothing could run without them). */
void vspace_init_kernel(const struct platform_info *plat);

/* Creates an empty user address space sharing the kernel half, with its
 * own ASID. E_NOMEM when the kernel pool or the ASIDs run out. */
WARN_UNUSED err_t vspace_create(struct vspace *vs);

/* Copies len bytes from user address src in vs to dst, after checking
 * that every byte is mapped user-readable. E_FAULT otherwise (nothing is
 * copied then); E_FAULT also when [src, src + len) wraps or leaves user space. */
WARN_UNUSED err_t vspace_copy_from_user(const struct vspace *vs, void *dst,
                                        vaddr_t src, uint64_t len);

/* Copies len bytes to user address dst in vs after checking that every
 * byte is mapped user-writable. E_FAULT otherwise (nothing copied). */
WARN_UNUSED err_t vspace_copy_to_user(const struct vspace *vs, vaddr_t dst,
                                      const void *src, uint64_t len);

/* Learns how many ASIDs the hart has; call once at boot. */
void vspace_init_asids(void);

/* Switches this hart to vs unless it is already active. */
void vspace_activate(const struct vspace *vs);

/* Frees vs's page tables (not the frames they map) and its ASID. */
void vspace_destroy(struct vspace *vs);

/* Kernel pointer to user memory [va, va + len) of vs, which must lie in one
 * page mapped user-readable (and user-writable when `write`); else NULL. */
void *vspace_user_ptr(const struct vspace *vs, vaddr_t va, uint64_t len, bool write);
