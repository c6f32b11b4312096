/*
 * Address spaces: an Sv39 root table (upper half shared with the kernel)
 * and an ASID. Also the kernel's own map, built once at boot.
 */
#pragma once

#include <kernel/types.h>

struct platform_info;

struct vspace {
    paddr_t root;  /* top-level page table */
    uint16_t asid;
};

/* The kernel's address space: direct map of RAM and of the device regions
 * the kernel itself touches. */
extern struct vspace kernel_vspace;

/* Builds the kernel map from the platform description and switches to it.
 * Reports the leaves it used. Panics only if it cannot allocate its own
 * tables at boot (nothing could run without them). */
void vspace_init_kernel(const struct platform_info *plat);

/* Creates an empty user address space sharing the kernel half. */
WARN_UNUSED err_t vspace_create(struct vspace *vs, uint16_t asid);

/* Copies len bytes from user address src in vs to dst, after checking
 * that every byte is mapped user-readable. E_FAULT otherwise (nothing is
 * copied then); E_FAULT also when [src, src + len) wraps or leaves user space. */
WARN_UNUSED err_t vspace_copy_from_user(const struct vspace *vs, void *dst,
                                        vaddr_t src, uint64_t len);
