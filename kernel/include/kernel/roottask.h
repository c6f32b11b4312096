/* Creates the root task from the boot image: the one user program the
 * kernel loads itself. */
#pragma once

#include <kernel/fdt.h>
#include <kernel/types.h>

struct thread;

/* Loads "root" from the boot image at img (a checked archive of img_len
 * bytes at physical address img_pa) into a new address space, maps the
 * boot info page, its stack and the boot image, and returns its thread
 * ready to run. Panics with a clear message if the image has no usable
 * root task: the system cannot do anything without it. */
struct thread *roottask_create(const void *img, paddr_t img_pa, uint64_t img_len,
                               const struct platform_info *plat);
