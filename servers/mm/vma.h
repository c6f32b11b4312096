/*
 * Virtual memory areas of one address space, kept in an AVL tree ordered by
 * start address: lookup, insertion and removal are O(log n). Each node also
 * knows the free gap below it and the largest such gap in its subtree, so
 * a gap search skips subtrees with no room (mmap stays O(log n) however
 * many VMAs a space holds; docs/performance.md, "Scaling"). Pure code (no
 * IPC, no syscalls), built natively for host tests. The caller owns the
 * memory of every struct vma; the tree only links them.
 *
 * Invariants (checked by vma_check): VMAs are page aligned, non-empty, never
 * overlap, are ordered by start; every node's height is 1 + the larger of
 * its children's, and the heights of its children differ by at most one;
 * parent links match; count is the number of nodes; every node's gap is
 * its start minus its predecessor's end (minus 0 for the first) and its
 * max_gap the largest gap in its subtree.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <mica/err.h>

#define VMA_PAGE 4096ull

/* prot bits (match include/proto/mm.h MM_PROT_*) */
#define VMA_PROT_R 1u
#define VMA_PROT_W 2u
#define VMA_PROT_X 4u

/* flags */
#define VMA_F_SHARED (1u << 0) /* writes are shared with other mappers (no COW) */
#define VMA_F_WIRED (1u << 1)  /* mapped eagerly, copied eagerly on fork (IPC buffer, stacks of servers) */
#define VMA_F_HEAP (1u << 2)   /* the brk heap: grows and shrinks at its end */

struct vma {
    uint64_t start, end;   /* [start, end), page aligned, start < end */
    uint32_t prot;         /* VMA_PROT_* */
    uint32_t flags;        /* VMA_F_* */
    uint64_t backing;      /* backing object id; 0 = anonymous memory */
    uint64_t backing_off;  /* offset in the backing object of `start` */
    /* tree links, owned by the tree */
    struct vma *left, *right, *parent;
    int height;
    uint64_t gap;          /* start - the previous VMA's end (or - 0) */
    uint64_t max_gap;      /* the largest gap in this subtree */
};

struct vma_tree {
    struct vma *root;
    uint64_t count;
};

void vma_tree_init(struct vma_tree *t);

/* Inserts v (its start/end/prot/flags/backing filled in by the caller).
 * E_INVAL: not page aligned, empty, or end wraps. E_EXIST: overlaps a VMA
 * in the tree (then nothing changes). */
__attribute__((warn_unused_result)) err_t vma_insert(struct vma_tree *t, struct vma *v);

/* Unlinks v from the tree (the caller frees it). */
void vma_remove(struct vma_tree *t, struct vma *v);

/* The VMA containing addr, or NULL. */
struct vma *vma_find(const struct vma_tree *t, uint64_t addr);

/* The first VMA whose end is > addr (the one containing addr, or the next
 * one above it), or NULL. */
struct vma *vma_first_ending_after(const struct vma_tree *t, uint64_t addr);

/* In-order neighbours; NULL at the ends. */
struct vma *vma_next(const struct vma *v);
struct vma *vma_prev(const struct vma *v);
struct vma *vma_first(const struct vma_tree *t);

/* Lowest address a, aligned to `align` (a power of two >= VMA_PAGE), with
 * lo <= a and a + len <= hi such that [a, a + len) overlaps no VMA.
 * E_NOSPACE when there is none; E_INVAL for len 0, bad align or range. */
__attribute__((warn_unused_result)) err_t
vma_find_gap(const struct vma_tree *t, uint64_t len, uint64_t align, uint64_t lo,
             uint64_t hi, uint64_t *out);

/* True when [start, end) overlaps no VMA. */
bool vma_range_free(const struct vma_tree *t, uint64_t start, uint64_t end);

/*
 * Makes `addr` (page aligned) a VMA boundary: if a VMA v contains addr
 * strictly inside, v becomes [v->start, addr) and `upper` (caller memory)
 * becomes [addr, old end) with the same prot/flags/backing and
 * backing_off advanced by (addr - v->start), inserted in the tree.
 * Returns true if `upper` was used, false if no split was needed.
 */
bool vma_split_at(struct vma_tree *t, uint64_t addr, struct vma *upper);

/* True when a and b (a->end == b->start) could be one VMA: same prot,
 * flags and backing, contiguous backing offsets (anonymous: backing 0). */
bool vma_mergeable(const struct vma *a, const struct vma *b);

/*
 * Merges v with its neighbours where vma_mergeable allows. Absorbed VMAs
 * are removed from the tree and reported through release(ctx, vma) so the
 * caller can free them. Returns the VMA that now covers v's range.
 */
struct vma *vma_merge_around(struct vma_tree *t, struct vma *v,
                             void (*release)(void *ctx, struct vma *gone), void *ctx);

/* Checks every invariant above; returns false (and stops) at the first
 * violation. For debug builds and tests. */
bool vma_check(const struct vma_tree *t);
