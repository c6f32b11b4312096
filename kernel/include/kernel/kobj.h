/*
 * Kernel object memory: small size-class slabs carved from pages of the
 * kernel pool (kmem). Each task has slabs of its own, and every slab page
 * is charged to that task's budget (kernel/budget.h) while it holds any of
 * its objects: so the charge is what the pool really gives, fragmentation
 * included, and a task that leaves its pages half empty pays for them
 * itself. A page whose objects are all free goes back to the pool.
 * Objects the kernel makes at boot (payer NULL) come from shared slabs.
 */
#pragma once

#include <kernel/types.h>

#define KOBJ_CLASSES 6 /* 64 .. 2048 bytes */

struct task;

/* Free objects of each class, for one payer. */
struct kobj_slabs {
    void *free[KOBJ_CLASSES];
};

/* Zeroed object of at least `len` bytes (len <= 2048) from payer's slabs
 * (NULL: the kernel's own), or NULL when payer's budget or the pool is
 * exhausted. */
void *kobj_alloc(struct task *payer, uint64_t len);

/* Frees an object from kobj_alloc(payer, len), crediting payer's budget. */
void kobj_free(struct task *payer, void *obj, uint64_t len);

/* Bytes of kernel pool in use by objects (for statistics and tests). */
uint64_t kobj_bytes_in_use(void);
