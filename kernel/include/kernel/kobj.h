/*
 * Kernel object memory: small size-class slabs carved from pages of the
 * kernel pool (kmem). The pool is bounded, so every allocation can fail
 * with E_NOMEM, which goes back to the caller of the syscall. Freed objects
 * return to their size class; pages are not given back to the pool.
 */
#pragma once

#include <kernel/types.h>

/* Zeroed object of at least `len` bytes (len <= 2048), or NULL when the
 * kernel pool is exhausted. */
void *kobj_alloc(uint64_t len);

/* Returns an object from kobj_alloc() with the same len. */
void kobj_free(void *obj, uint64_t len);

/* Bytes of kernel pool in use by objects (for statistics and tests). */
uint64_t kobj_bytes_in_use(void);
