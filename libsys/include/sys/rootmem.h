/*
 * Memory for tasks that hold RAM capabilities (the root task and the
 * kernel tests): a bump allocator over the largest RAM frame from boot
 * info, the whole of it mapped eagerly into the caller's own address space
 * at ROOTMEM_WINDOW_VA so its contents can be written. Later issues put the
 * memory server in charge; this is what exists before it.
 */
#pragma once

#include <stdint.h>

#include <mica/bootinfo.h>
#include <mica/caps.h>

#define ROOTMEM_WINDOW_VA 0x2000000000ull

struct rootmem {
    handle_t cap;   /* RAM frame capability */
    uint64_t pa;    /* its physical base */
    uint64_t len;   /* its length */
    uint64_t next;  /* first unallocated offset */
    uint64_t window; /* where offset 0 is mapped: ROOTMEM_WINDOW_VA + pa % 2 MiB,
                      * so 2 MiB leaves line up with the physical frames */
};

/* Picks the largest RAM capability and maps it at ROOTMEM_WINDOW_VA.
 * Returns 0 or err_t. */
int64_t rootmem_init(struct rootmem *m, const struct bootinfo *info);

/* As rootmem_init, over the given RAM capability. */
int64_t rootmem_init_cap(struct rootmem *m, handle_t cap, uint64_t pa, uint64_t len);

/* Allocates len bytes (rounded to pages) aligned to `align` (power of two,
 * >= 4096) and zeroes them; returns the offset in m->cap, or err_t. */
int64_t rootmem_alloc(struct rootmem *m, uint64_t len, uint64_t align);

/* Where offset `off` of the RAM capability is visible to the caller. */
static inline void *rootmem_ptr(const struct rootmem *m, uint64_t off)
{
    return (void *)(uintptr_t)(m->window + off);
}
