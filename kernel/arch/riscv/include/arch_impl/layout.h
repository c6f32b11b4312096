/*
 * Sv39 virtual memory layout, the values behind the <arch/mmu.h> contract.
 *
 * Sv39 addresses are 39 bits sign-extended to 64: the lower half
 * [0, 0x40_0000_0000) is user space, the upper half starts at
 * 0xffff_ffc0_0000_0000. The kernel direct-maps physical memory at
 * KERNEL_DIRECT_MAP_BASE + pa; the kernel image is linked at its alias there.
 */
#pragma once

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ul << PAGE_SHIFT)
#define MEGAPAGE_SIZE (1ul << 21) /* 2 MiB leaf */
#define GIGAPAGE_SIZE (1ul << 30) /* 1 GiB leaf */

#if defined(MICA_HOST_TEST)
/* Host unit tests use host pointers as "physical" addresses. */
#define KERNEL_DIRECT_MAP_BASE 0ul
#else
#define KERNEL_DIRECT_MAP_BASE 0xffffffc000000000ul
#endif
#define KERNEL_DIRECT_MAP_SIZE (1ul << 37) /* 128 GiB of physical space */

#define USER_VA_MIN 0x1000ul         /* page 0 stays unmapped */
#define USER_VA_TOP 0x4000000000ul   /* 256 GiB: end of the lower half */
