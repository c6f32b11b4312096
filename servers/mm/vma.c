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

static uint64_t max_gap_of(const struct vma *n)
{
    return n ? n->max_gap : 0;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* Recomputes what n knows of its subtree: height and largest gap. */
static void update_height(struct vma *n)
{
    n->height = 1 + max_int(height_of(n->left), height_of(n->right));
    n->max_gap = max_u64(n->gap, max_u64(max_gap_of(n->left), max_gap_of(n->right)));
}

/* After n's own gap changed in an otherwise consistent tree: ancestors'
 * max_gap may change too, up to the first one whose values stay. */
static void update_path(struct vma *n)
{
    for (; n; n = n->parent) {
        uint64_t old_max = n->max_gap;
        int old_height = n->height;
        update_height(n);
        if (n->max_gap == old_max && n->height == old_height)
            break;
    }
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

static void set_gap(struct vma *n, const struct vma *pred);

/* Links v as a leaf at its place by start address and rebalances. The
 * caller has ruled out overlaps (so no equal starts exist). A new leaf's
 * in-order neighbours are its ancestors where the descent last went right
 * (pred) and last went left (succ): their gaps are set before rebalancing,
 * whose walk to the root then brings every max_gap up to date. */
static void link_node(struct vma_tree *t, struct vma *v)
{
    struct vma *parent = NULL, *pred = NULL, *succ = NULL;
    struct vma **link = &t->root;
    while (*link) {
        parent = *link;
        if (v->start < parent->start) {
            succ = parent;
            link = &parent->left;
        } else {
            pred = parent;
            link = &parent->right;
        }
    }
    v->left = NULL;
    v->right = NULL;
    v->parent = parent;
    v->height = 1;
    v->gap = v->start - (pred ? pred->end : 0);
    v->max_gap = v->gap;
    if (succ)
        succ->gap = succ->start - v->end;
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
    struct vma *pred = vma_prev(v), *succ = vma_next(v);

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
    if (succ)
        set_gap(succ, pred); /* the gap below v now belongs to succ */
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

/* Sets n's gap from its predecessor (NULL: n is the first VMA). */
static void set_gap(struct vma *n, const struct vma *pred)
{
    n->gap = n->start - (pred ? pred->end : 0);
    update_path(n);
}

/* n's end moved (or n was linked): its successor's gap follows. */
static void end_changed(struct vma *n)
{
    struct vma *s = vma_next(n);
    if (s)
        set_gap(s, n);
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

/* What vma_find_gap looks for, so the descent below takes one pointer. */
struct gap_query {
    uint64_t len, align, lo, last; /* last: highest start that still fits */
    uint64_t found;
};

/* Tries the free range [from, to): true (q->found set) when an aligned
 * start a with lo <= a <= last and a + len <= to exists in it. */
static bool fits(struct gap_query *q, uint64_t from, uint64_t to)
{
    uint64_t a;
    if (from < q->lo)
        from = q->lo;
    if (!align_up(from, q->align, &a) || a > q->last || a >= to || to - a < q->len)
        return false;
    q->found = a;
    return true;
}

/*
 * In address order, the lowest gap below some node of n's subtree that
 * fits. A subtree whose largest gap is under len has none, and one whose
 * nodes all start at or below lo has none above lo: both are skipped, so
 * a search visits O(log n) subtrees unless alignment or the bounds make
 * many large gaps fail. Recursion depth is the tree height (AVL: < 93).
 */
static bool search_gaps(const struct vma *n, struct gap_query *q)
{
    if (!n || n->max_gap < q->len)
        return false;
    if (n->start > q->lo) {
        if (search_gaps(n->left, q))
            return true;
        /* n's own gap: from its predecessor's end up to its start. */
        uint64_t from = n->start - n->gap;
        if (from > q->last)
            return false; /* this gap and every later one start too high */
        if (n->gap >= q->len && fits(q, from, n->start))
            return true;
    }
    return search_gaps(n->right, q);
}

err_t vma_find_gap(const struct vma_tree *t, uint64_t len, uint64_t align, uint64_t lo,
                   uint64_t hi, uint64_t *out)
{
    if (len == 0 || align < VMA_PAGE || (align & (align - 1)) != 0 || lo > hi)
        return E_INVAL;
    /* a + len <= hi  <=>  a <= hi - len, which cannot overflow. */
    if (len > hi - lo)
        return E_NOSPACE;
    struct gap_query q = {.len = len, .align = align, .lo = lo, .last = hi - len};
    /* Gaps below VMAs first (they are lower), then the space above the
     * last VMA, up to hi. */
    if (search_gaps(t->root, &q)) {
        *out = q.found;
        return E_OK;
    }
    const struct vma *top = t->root ? rightmost(t->root) : NULL;
    if (fits(&q, top ? top->end : 0, hi)) {
        *out = q.found;
        return E_OK;
    }
    return E_NOSPACE;
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
    link_node(t, upper); /* sets upper's gap (0) and its successor's */
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
        end_changed(prev);
        if (release)
            release(ctx, v);
        v = prev;
    }
    struct vma *next = vma_next(v);
    if (next && vma_mergeable(v, next)) {
        vma_remove(t, next);
        v->end = next->end;
        end_changed(v);
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
    if (n->gap != n->start - (st->have_prev ? st->prev_end : 0))
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
    if (n->max_gap != max_u64(n->gap, max_u64(max_gap_of(n->left), max_gap_of(n->right))))
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
