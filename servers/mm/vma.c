/*
 * VMA tree of the memory server: an AVL tree of caller-owned struct vma
 * ordered by start address, with parent links so in-order neighbours are
 * found without a stack. The contract is in vma.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vma.h"

/* An AVL tree of 2^64 nodes is under 93 levels high; anything deeper seen
 * by vma_check is a cycle or corruption, not a tall tree. */
#define VMA_CHECK_MAX_DEPTH 128

static bool page_aligned(uint64_t x)
{
    return (x & (VMA_PAGE - 1)) == 0;
}

static int height_of(const struct vma *n)
{
    return n ? n->height : 0;
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

static void update_height(struct vma *n)
{
    n->height = 1 + max_int(height_of(n->left), height_of(n->right));
}

static struct vma *leftmost(struct vma *n)
{
    while (n->left)
        n = n->left;
    return n;
}

static struct vma *rightmost(struct vma *n)
{
    while (n->right)
        n = n->right;
    return n;
}

/* Points whatever referenced `old` (its parent's child link, or the root)
 * at `new_child`. The caller fixes new_child->parent. */
static void replace_child(struct vma_tree *t, struct vma *parent, struct vma *old,
                          struct vma *new_child)
{
    if (!parent)
        t->root = new_child;
    else if (parent->left == old)
        parent->left = new_child;
    else
        parent->right = new_child;
}

/*
 *     x               y
 *    / \             / \
 *   a   y    =>     x   c
 *      / \         / \
 *     b   c       a   b
 */
static struct vma *rotate_left(struct vma_tree *t, struct vma *x)
{
    struct vma *y = x->right;
    x->right = y->left;
    if (y->left)
        y->left->parent = x;
    y->parent = x->parent;
    replace_child(t, x->parent, x, y);
    y->left = x;
    x->parent = y;
    update_height(x);
    update_height(y);
    return y;
}

/* Mirror image of rotate_left. */
static struct vma *rotate_right(struct vma_tree *t, struct vma *x)
{
    struct vma *y = x->left;
    x->left = y->right;
    if (y->right)
        y->right->parent = x;
    y->parent = x->parent;
    replace_child(t, x->parent, x, y);
    y->right = x;
    x->parent = y;
    update_height(x);
    update_height(y);
    return y;
}

/*
 * Restores heights and balance on the path from n up to the root after a
 * node was linked or unlinked below n. Walking the whole path (O(log n))
 * instead of stopping early keeps one routine correct for both insertion
 * and removal.
 */
static void rebalance_up(struct vma_tree *t, struct vma *n)
{
    while (n) {
        int balance = height_of(n->left) - height_of(n->right);
        if (balance > 1) {
            /* Left-right case: turn it into left-left first. */
            if (height_of(n->left->left) < height_of(n->left->right))
                rotate_left(t, n->left);
            n = rotate_right(t, n);
        } else if (balance < -1) {
            if (height_of(n->right->right) < height_of(n->right->left))
                rotate_right(t, n->right);
            n = rotate_left(t, n);
        } else {
            update_height(n);
        }
        n = n->parent;
    }
}

/* Links v as a leaf at its place by start address and rebalances. The
 * caller has ruled out overlaps (so no equal starts exist). */
static void link_node(struct vma_tree *t, struct vma *v)
{
    struct vma *parent = NULL;
    struct vma **link = &t->root;
    while (*link) {
        parent = *link;
        link = v->start < parent->start ? &parent->left : &parent->right;
    }
    v->left = NULL;
    v->right = NULL;
    v->parent = parent;
    v->height = 1;
    *link = v;
    t->count++;
    rebalance_up(t, parent);
}

void vma_tree_init(struct vma_tree *t)
{
    t->root = NULL;
    t->count = 0;
}

struct vma *vma_first_ending_after(const struct vma_tree *t, uint64_t addr)
{
    /* VMAs do not overlap, so ordering by start also orders by end: the
     * leftmost node with end > addr is the answer. */
    struct vma *best = NULL;
    struct vma *n = t->root;
    while (n) {
        if (n->end > addr) {
            best = n;
            n = n->left;
        } else {
            n = n->right;
        }
    }
    return best;
}

struct vma *vma_find(const struct vma_tree *t, uint64_t addr)
{
    struct vma *v = vma_first_ending_after(t, addr);
    return v && v->start <= addr ? v : NULL;
}

bool vma_range_free(const struct vma_tree *t, uint64_t start, uint64_t end)
{
    /* An inverted range would wrap past 2^64: it is not a range of free
     * addresses, so refuse it rather than call it free. Empty is free. */
    if (end < start)
        return false;
    if (end == start)
        return true;
    struct vma *v = vma_first_ending_after(t, start);
    return !v || v->start >= end;
}

err_t vma_insert(struct vma_tree *t, struct vma *v)
{
    /* start < end also rules out an end that wrapped past 2^64. */
    if (!page_aligned(v->start) || !page_aligned(v->end) || v->start >= v->end)
        return E_INVAL;
    /* The first VMA ending after v->start is the only candidate to check:
     * every later one starts even higher. */
    if (!vma_range_free(t, v->start, v->end))
        return E_EXIST;
    link_node(t, v);
    return E_OK;
}

void vma_remove(struct vma_tree *t, struct vma *v)
{
    struct vma *parent = v->parent;
    struct vma *rebalance_from;

    if (!v->left || !v->right) {
        struct vma *child = v->left ? v->left : v->right;
        replace_child(t, parent, v, child);
        if (child)
            child->parent = parent;
        rebalance_from = parent;
    } else {
        /* Two children: the in-order successor s (which has no left child)
         * takes v's place in the tree. Nodes are caller memory, so links
         * move, not contents. s lies on the rebalancing path, which
         * recomputes its height. */
        struct vma *s = leftmost(v->right);
        if (s == v->right) {
            rebalance_from = s;
        } else {
            struct vma *sp = s->parent;
            sp->left = s->right;
            if (s->right)
                s->right->parent = sp;
            s->right = v->right;
            v->right->parent = s;
            rebalance_from = sp;
        }
        s->left = v->left;
        v->left->parent = s;
        s->parent = parent;
        replace_child(t, parent, v, s);
    }
    t->count--;
    v->left = v->right = v->parent = NULL;
    v->height = 0;
    rebalance_up(t, rebalance_from);
}

struct vma *vma_first(const struct vma_tree *t)
{
    return t->root ? leftmost(t->root) : NULL;
}

struct vma *vma_next(const struct vma *v)
{
    if (v->right)
        return leftmost(v->right);
    /* Climb while we come from a right child: those ancestors are lower. */
    const struct vma *n = v;
    struct vma *p = n->parent;
    while (p && p->right == n) {
        n = p;
        p = p->parent;
    }
    return p;
}

struct vma *vma_prev(const struct vma *v)
{
    if (v->left)
        return rightmost(v->left);
    const struct vma *n = v;
    struct vma *p = n->parent;
    while (p && p->left == n) {
        n = p;
        p = p->parent;
    }
    return p;
}

/* Rounds x up to a multiple of align (a power of two); false if the result
 * would pass 2^64. */
static bool align_up(uint64_t x, uint64_t align, uint64_t *out)
{
    if (x > UINT64_MAX - (align - 1))
        return false;
    *out = (x + (align - 1)) & ~(align - 1);
    return true;
}

err_t vma_find_gap(const struct vma_tree *t, uint64_t len, uint64_t align, uint64_t lo,
                   uint64_t hi, uint64_t *out)
{
    if (len == 0 || align < VMA_PAGE || (align & (align - 1)) != 0 || lo > hi)
        return E_INVAL;
    /* a + len <= hi  <=>  a <= hi - len, which cannot overflow. */
    if (len > hi - lo)
        return E_NOSPACE;
    uint64_t last = hi - len;

    uint64_t a;
    if (!align_up(lo, align, &a))
        return E_NOSPACE;
    struct vma *v = vma_first_ending_after(t, a);
    for (;;) {
        if (a > last)
            return E_NOSPACE;
        /* v is the lowest VMA ending after a; if it starts at or above
         * a + len (no overflow: a + len <= hi), the gap fits. */
        if (!v || v->start >= a + len) {
            *out = a;
            return E_OK;
        }
        if (!align_up(v->end, align, &a))
            return E_NOSPACE;
        /* A large alignment may jump over several VMAs: skip those ending
         * at or below the new candidate. Each VMA is visited once. */
        while (v && v->end <= a)
            v = vma_next(v);
    }
}

bool vma_split_at(struct vma_tree *t, uint64_t addr, struct vma *upper)
{
    /* An unaligned boundary would make both halves break the invariants;
     * the bool result cannot report an error, so refuse to split. */
    if (!page_aligned(addr))
        return false;
    struct vma *v = vma_find(t, addr);
    if (!v || v->start == addr)
        return false;
    upper->start = addr;
    upper->end = v->end;
    upper->prot = v->prot;
    upper->flags = v->flags;
    upper->backing = v->backing;
    /* Unsigned: wraps like the offsets themselves, never undefined. */
    upper->backing_off = v->backing_off + (addr - v->start);
    /* Shrinking v first leaves [addr, old end) free for upper, and v's start
     * (its key) does not change. */
    v->end = addr;
    link_node(t, upper);
    return true;
}

bool vma_mergeable(const struct vma *a, const struct vma *b)
{
    return a->end == b->start && a->prot == b->prot && a->flags == b->flags &&
           a->backing == b->backing &&
           b->backing_off == a->backing_off + (a->end - a->start);
}

struct vma *vma_merge_around(struct vma_tree *t, struct vma *v,
                             void (*release)(void *ctx, struct vma *gone), void *ctx)
{
    struct vma *prev = vma_prev(v);
    if (prev && vma_mergeable(prev, v)) {
        /* prev keeps the lowest start, so its key and place stay valid. */
        vma_remove(t, v);
        prev->end = v->end;
        if (release)
            release(ctx, v);
        v = prev;
    }
    struct vma *next = vma_next(v);
    if (next && vma_mergeable(v, next)) {
        vma_remove(t, next);
        v->end = next->end;
        if (release)
            release(ctx, next);
    }
    return v;
}

struct check_state {
    uint64_t nodes;     /* nodes seen so far, in order */
    uint64_t limit;     /* t->count: seeing more means a broken tree */
    uint64_t prev_end;  /* end of the previous node in order */
    bool have_prev;
};

/* In-order walk of the subtree at n; recursion depth is the tree height,
 * capped so a corrupted (cyclic) tree still terminates. */
static bool check_node(const struct vma *n, const struct vma *parent, struct check_state *st,
                       int depth)
{
    if (!n)
        return true;
    if (depth > VMA_CHECK_MAX_DEPTH || n->parent != parent)
        return false;
    if (!check_node(n->left, n, st, depth + 1))
        return false;

    if (!page_aligned(n->start) || !page_aligned(n->end) || n->start >= n->end)
        return false;
    /* prev_end <= start gives both ordering and no overlap, since the
     * previous node is itself non-empty. */
    if (st->have_prev && st->prev_end > n->start)
        return false;
    st->prev_end = n->end;
    st->have_prev = true;
    if (++st->nodes > st->limit)
        return false;

    if (!check_node(n->right, n, st, depth + 1))
        return false;

    /* The children's heights were verified by their own visits. */
    int hl = height_of(n->left), hr = height_of(n->right);
    if (n->height != 1 + max_int(hl, hr))
        return false;
    return hl - hr <= 1 && hr - hl <= 1;
}

bool vma_check(const struct vma_tree *t)
{
    struct check_state st = {.nodes = 0, .limit = t->count, .prev_end = 0, .have_prev = false};
    if (t->root && t->root->parent)
        return false;
    if (!check_node(t->root, NULL, &st, 0))
        return false;
    return st.nodes == t->count;
}
