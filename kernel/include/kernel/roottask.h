/* Creates the root task from the boot image: the one user program the
 * kernel loads itself, holding capabilities to everything. */
#pragma once

#include <lib/fdt.h>
#include <kernel/types.h>

struct thread;

/* Loads boot-image file `name` (the root task) into a new task, maps its
 * stack, IPC buffer, boot info page and the boot image, gives it the
 * capabilities (its task and thread, IRQ control, all free RAM but the
 * kernel pool, the devices' registers) and starts its thread. Panics
 * with a clear message if the image has no usable root task: the system
 * cannot do anything without it. */
struct thread *roottask_create(const char *name, const void *img, paddr_t img_pa,
                               uint64_t img_len, const struct platform_info *plat,
                               uint64_t kernel_pool_len);
