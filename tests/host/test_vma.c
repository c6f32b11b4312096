/*
 * Host tests for the memory server's VMA tree (servers/mm/vma.c): insert,
 * find, remove, iteration, split, merge and gap search with exact expected
 * values, vma_check catching corruption, a randomized run against a
 * sorted-array model, and the AVL height bound at scale.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vma.h"

#include "check.h"

#define PG VMA_PAGE
#define TOP_END (UINT64_MAX - PG + 1) /* highest page-aligned end: 0xfffffffffffff000 */

/* ---- helpers ------------------------------------------------------------ */

static struct vma *mk_full(uint64_t start, uint64_t end, uint32_t prot, uint32_t flags,
                           uint64_t backing, uint64_t off)
{
    struct vma *v = calloc(1, sizeof *v);
    if (!v) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    v->start = start;
    v->end = end;
    v->prot = prot;
    v->flags = flags;
    v->backing = backing;
    v->backing_off = off;
    return v;
}

static struct vma *mk(uint64_t start, uint64_t end)
{
    return mk_full(start, end, VMA_PROT_R | VMA_PROT_W, 0, 0, 0);
}

/* Inserts a fresh node that must be accepted. */
static struct vma *add(struct vma_tree *t, uint64_t start, uint64_t end)
{
    struct vma *v = mk(start, end);
    err_t e = vma_insert(t, v);
    CHECK_EQ_U64(e, E_OK);
    return v;
}

static void destroy(struct vma_tree *t)
{
    struct vma *v;
    while ((v = t->root) != NULL) {
        vma_remove(t, v);
        free(v);
    }
    CHECK_EQ_U64(t->count, 0);
}

/* Tries to insert [start, end) and expects `want`; on failure the tree must
 * still hold exactly `count` nodes and be valid. */
static void insert_expect(struct vma_tree *t, uint64_t start, uint64_t end, err_t want)
{
    uint64_t before = t->count;
    struct vma *v = mk(start, end);
    err_t e = vma_insert(t, v);
    CHECK_EQ_U64(e, want);
    CHECK(vma_check(t));
    if (e == E_OK) {
        CHECK_EQ_U64(t->count, before + 1);
    } else {
        CHECK_EQ_U64(t->count, before);
        free(v);
    }
}

/* Writes the tree's ranges in order into out[] (2 entries per VMA). */
static uint64_t snapshot(const struct vma_tree *t, uint64_t *out, uint64_t max)
{
    uint64_t n = 0;
    for (struct vma *v = vma_first(t); v && n + 2 <= max; v = vma_next(v)) {
        out[n++] = v->start;
        out[n++] = v->end;
    }
    return n;
}

/* Records nodes handed to release() so tests can assert exactly which. */
struct released {
    struct vma *gone[8];
    int n;
};

static void record_release(void *ctx, struct vma *gone)
{
    struct released *r = ctx;
    if (r->n < 8)
        r->gone[r->n] = gone;
    r->n++;
}

static void free_released(struct released *r)
{
    for (int i = 0; i < r->n && i < 8; i++)
        free(r->gone[i]);
    r->n = 0;
}

/* Fisher-Yates with the deterministic generator. */
static void shuffle(uint64_t *a, uint64_t n)
{
    for (uint64_t i = n; i > 1; i--) {
        uint64_t j = check_rand() % i;
        uint64_t tmp = a[i - 1];
        a[i - 1] = a[j];
        a[j] = tmp;
    }
}

/* log2 without libm: integer part by halving, fraction by squaring. */
static double log2_approx(double x)
{
    double r = 0;
    while (x >= 2) {
        x /= 2;
        r += 1;
    }
    double bit = 0.5;
    for (int i = 0; i < 30; i++) {
        x *= x;
        if (x >= 2) {
            x /= 2;
            r += bit;
        }
        bit /= 2;
    }
    return r;
}

/* ---- basics ------------------------------------------------------------- */

static void test_empty(void)
{
    struct vma_tree t;
    vma_tree_init(&t);
    CHECK(t.root == NULL);
    CHECK_EQ_U64(t.count, 0);
    CHECK(vma_check(&t));
    CHECK(vma_first(&t) == NULL);
    CHECK(vma_find(&t, 0) == NULL);
    CHECK(vma_find(&t, UINT64_MAX) == NULL);
    CHECK(vma_first_ending_after(&t, 0) == NULL);
    CHECK(vma_range_free(&t, 0, TOP_END));
    struct vma spare;
    CHECK(!vma_split_at(&t, 0x1000, &spare));
}

static void test_insert_find_remove(void)
{
    struct vma_tree t;
    vma_tree_init(&t);

    struct vma *a = add(&t, 0x10000, 0x13000);
    CHECK_EQ_U64(t.count, 1);
    CHECK(t.root == a);
    CHECK(a->parent == NULL && a->left == NULL && a->right == NULL);
    CHECK_EQ_U64(a->height, 1);
    CHECK(vma_check(&t));

    CHECK(vma_find(&t, 0x10000) == a);
    CHECK(vma_find(&t, 0x12fff) == a);
    CHECK(vma_find(&t, 0x11234) == a);
    CHECK(vma_find(&t, 0x13000) == NULL); /* end is exclusive */
    CHECK(vma_find(&t, 0xffff) == NULL);
    CHECK(vma_find(&t, 0) == NULL);

    struct vma *b = add(&t, 0x20000, 0x21000);
    struct vma *c = add(&t, 0x5000, 0x6000);
    CHECK_EQ_U64(t.count, 3);
    CHECK(vma_check(&t));
    CHECK(vma_find(&t, 0x20fff) == b);
    CHECK(vma_find(&t, 0x5000) == c);
    CHECK(vma_find(&t, 0x6000) == NULL);
    CHECK(vma_find(&t, 0x1ffff) == NULL);

    /* first_ending_after: containing VMA, else the next one up. */
    CHECK(vma_first_ending_after(&t, 0) == c);
    CHECK(vma_first_ending_after(&t, 0x5fff) == c);
    CHECK(vma_first_ending_after(&t, 0x6000) == a);
    CHECK(vma_first_ending_after(&t, 0x12fff) == a);
    CHECK(vma_first_ending_after(&t, 0x13000) == b);
    CHECK(vma_first_ending_after(&t, 0x20fff) == b);
    CHECK(vma_first_ending_after(&t, 0x21000) == NULL);

    /* range_free */
    CHECK(vma_range_free(&t, 0x6000, 0x10000));
    CHECK(!vma_range_free(&t, 0x6000, 0x10001));
    CHECK(!vma_range_free(&t, 0x12fff, 0x13000));
    CHECK(vma_range_free(&t, 0x13000, 0x20000));
    CHECK(!vma_range_free(&t, 0, UINT64_MAX));
    CHECK(vma_range_free(&t, 0x21000, UINT64_MAX));
    CHECK(vma_range_free(&t, 0x11000, 0x11000)); /* empty range */
    CHECK(!vma_range_free(&t, 0x30000, 0x20000)); /* inverted: refused */

    /* Order: c, a, b. */
    CHECK(vma_first(&t) == c);
    CHECK(vma_next(c) == a);
    CHECK(vma_next(a) == b);
    CHECK(vma_next(b) == NULL);
    CHECK(vma_prev(b) == a);
    CHECK(vma_prev(a) == c);
    CHECK(vma_prev(c) == NULL);

    vma_remove(&t, a);
    CHECK_EQ_U64(t.count, 2);
    CHECK(vma_check(&t));
    CHECK(vma_find(&t, 0x10000) == NULL);
    CHECK(vma_next(c) == b);
    /* The removed node can be reinserted. */
    CHECK_EQ_U64(vma_insert(&t, a), E_OK);
    CHECK(vma_find(&t, 0x11000) == a);
    CHECK(vma_check(&t));

    vma_remove(&t, c);
    vma_remove(&t, b);
    vma_remove(&t, a);
    CHECK_EQ_U64(t.count, 0);
    CHECK(t.root == NULL);
    CHECK(vma_check(&t));
    free(a);
    free(b);
    free(c);
}

static void test_invalid(void)
{
    struct vma_tree t;
    vma_tree_init(&t);
    add(&t, 0x100000, 0x200000);

    insert_expect(&t, 0x1001, 0x3000, E_INVAL);          /* unaligned start */
    insert_expect(&t, 0x1000, 0x3001, E_INVAL);          /* unaligned end */
    insert_expect(&t, 0x1000, 0x1000, E_INVAL);          /* empty */
    insert_expect(&t, 0x3000, 0x1000, E_INVAL);          /* start > end */
    insert_expect(&t, TOP_END - PG, 0, E_INVAL);         /* end wrapped to 0 */
    insert_expect(&t, TOP_END, 0x1000, E_INVAL);         /* end wrapped past 2^64 */
    insert_expect(&t, 0x150000, 0x150000, E_INVAL);      /* empty inside a VMA: E_INVAL wins */
    insert_expect(&t, 0x150800, 0x160000, E_INVAL);      /* unaligned and overlapping */
    CHECK_EQ_U64(t.count, 1);

    /* The highest possible VMA and the lowest. */
    insert_expect(&t, TOP_END - 2 * PG, TOP_END, E_OK);
    insert_expect(&t, 0, PG, E_OK);
    CHECK(vma_find(&t, UINT64_MAX) == NULL);
    CHECK(vma_find(&t, TOP_END) == NULL);
    CHECK(vma_find(&t, TOP_END - 1) != NULL);
    CHECK_EQ_U64(vma_find(&t, TOP_END - 1)->start, TOP_END - 2 * PG);
    CHECK_EQ_U64(vma_find(&t, 0)->end, PG);
    CHECK(vma_first_ending_after(&t, TOP_END) == NULL);
    CHECK(vma_first_ending_after(&t, UINT64_MAX) == NULL);
    insert_expect(&t, TOP_END - PG, TOP_END, E_EXIST);
    CHECK_EQ_U64(t.count, 3);
    destroy(&t);
}

static void test_overlap(void)
{
    struct vma_tree t;
    vma_tree_init(&t);
    add(&t, 0x10000, 0x20000);
    add(&t, 0x30000, 0x31000);
    add(&t, 0x40000, 0x50000);
    uint64_t before[16], after[16];
    uint64_t nb = snapshot(&t, before, 16);
    CHECK_EQ_U64(nb, 6);

    insert_expect(&t, 0x11000, 0x12000, E_EXIST); /* inside */
    insert_expect(&t, 0x10000, 0x20000, E_EXIST); /* identical */
    insert_expect(&t, 0xf000, 0x21000, E_EXIST);  /* covering */
    insert_expect(&t, 0xf000, 0x11000, E_EXIST);  /* left partial */
    insert_expect(&t, 0x1f000, 0x21000, E_EXIST); /* right partial */
    insert_expect(&t, 0x10000, 0x11000, E_EXIST); /* same start */
    insert_expect(&t, 0x1f000, 0x20000, E_EXIST); /* same end */
    insert_expect(&t, 0x21000, 0x41000, E_EXIST); /* gap start, covers a whole VMA */
    insert_expect(&t, 0x0, 0x100000, E_EXIST);    /* covers everything */
    insert_expect(&t, 0x4f000, 0x60000, E_EXIST); /* right partial of the last */
    insert_expect(&t, 0x0, 0x10001000, E_EXIST);
    CHECK_EQ_U64(t.count, 3);
    CHECK_EQ_U64(snapshot(&t, after, 16), nb);
    CHECK(memcmp(before, after, sizeof(uint64_t) * nb) == 0);

    /* Touching boundaries are not overlaps. */
    insert_expect(&t, 0xf000, 0x10000, E_OK);
    insert_expect(&t, 0x20000, 0x21000, E_OK);
    insert_expect(&t, 0x31000, 0x40000, E_OK); /* fills the gap exactly */
    insert_expect(&t, 0x21000, 0x30000, E_OK);
    CHECK_EQ_U64(t.count, 7);
    CHECK(!vma_range_free(&t, 0xf000, 0x50000));
    CHECK(vma_range_free(&t, 0x50000, 0x51000));
    CHECK(vma_range_free(&t, 0, 0xf000));
    destroy(&t);
}

/* vma_check must notice each kind of damage (and pass again once undone). */
static void test_check_detects(void)
{
    struct vma_tree t;
    vma_tree_init(&t);
    for (uint64_t i = 0; i < 15; i++)
        add(&t, 0x10000 * (i + 1), 0x10000 * (i + 1) + 0x2000);
    CHECK(vma_check(&t));
    struct vma *r = t.root;
    CHECK(r->left != NULL && r->right != NULL);

    r->height++;
    CHECK(!vma_check(&t));
    r->height--;
    CHECK(vma_check(&t));

    t.count++;
    CHECK(!vma_check(&t));
    t.count -= 2;
    CHECK(!vma_check(&t));
    t.count++;
    CHECK(vma_check(&t));

    struct vma *l = r->left;
    l->parent = NULL;
    CHECK(!vma_check(&t));
    l->parent = r;

    /* Overlap with the in-order successor. */
    struct vma *nx = vma_next(l);
    uint64_t old_end = l->end;
    l->end = nx->start + PG;
    CHECK(!vma_check(&t));
    l->end = old_end;

    l->start += 1; /* unaligned */
    CHECK(!vma_check(&t));
    l->start -= 1;

    uint64_t old_start = l->start;
    l->start = l->end; /* empty */
    CHECK(!vma_check(&t));
    l->start = old_start;

    /* Out of order: swap two ranges without relinking. */
    struct vma *f = vma_first(&t), *g = vma_next(f);
    uint64_t fs = f->start, fe = f->end;
    f->start = g->start;
    f->end = g->end;
    g->start = fs;
    g->end = fe;
    CHECK(!vma_check(&t));
    g->start = f->start;
    g->end = f->end;
    f->start = fs;
    f->end = fe;
    CHECK(vma_check(&t));

    /* Unbalanced: detach the root's left subtree (7 of the 15 nodes) and
     * fix the count, so only the balance of the root is wrong. */
    struct vma *saved_left = r->left;
    r->left = NULL;
    t.count -= 7;
    CHECK(!vma_check(&t));
    r->left = saved_left;
    t.count += 7;
    CHECK(vma_check(&t));
    destroy(&t);
}

/* ---- iteration ---------------------------------------------------------- */

static void test_iteration(void)
{
    enum { N = 5000 };
    static uint64_t order[N];
    static struct vma *nodes[N];
    struct vma_tree t;
    vma_tree_init(&t);
    for (uint64_t i = 0; i < N; i++)
        order[i] = i;
    shuffle(order, N);
    /* VMA i: [i*0x10000, i*0x10000 + (1 + i%4) pages). */
    for (uint64_t k = 0; k < N; k++) {
        uint64_t i = order[k];
        nodes[i] = add(&t, i * 0x10000, i * 0x10000 + (1 + i % 4) * PG);
    }
    CHECK_EQ_U64(t.count, N);
    CHECK(vma_check(&t));

    uint64_t i = 0, bad = 0;
    for (struct vma *v = vma_first(&t); v; v = vma_next(v), i++)
        bad += i >= N || v != nodes[i];
    CHECK_EQ_U64(i, N);
    CHECK_EQ_U64(bad, 0);

    i = N;
    bad = 0;
    for (struct vma *v = nodes[N - 1]; v; v = vma_prev(v))
        bad += i == 0 || v != nodes[--i];
    CHECK_EQ_U64(i, 0);
    CHECK_EQ_U64(bad, 0);

    bad = 0;
    for (i = 0; i < N; i++) {
        bad += vma_first_ending_after(&t, i * 0x10000 + (1 + i % 4) * PG - 1) != nodes[i];
        bad += vma_first_ending_after(&t, i * 0x10000 + (1 + i % 4) * PG) !=
               (i + 1 < N ? nodes[i + 1] : NULL);
    }
    CHECK_EQ_U64(bad, 0);

    /* Remove the odd ones; the even ones still iterate in order. */
    for (i = 1; i < N; i += 2) {
        vma_remove(&t, nodes[i]);
        free(nodes[i]);
        nodes[i] = NULL;
    }
    CHECK_EQ_U64(t.count, N / 2);
    CHECK(vma_check(&t));
    i = 0;
    bad = 0;
    for (struct vma *v = vma_first(&t); v; v = vma_next(v), i += 2)
        bad += i >= N || v != nodes[i];
    CHECK_EQ_U64(i, N);
    CHECK_EQ_U64(bad, 0);
    CHECK(vma_prev(vma_first(&t)) == NULL);
    CHECK(vma_next(nodes[N - 2]) == NULL);
    destroy(&t);
}

/* ---- split -------------------------------------------------------------- */

static void test_split(void)
{
    struct vma_tree t;
    vma_tree_init(&t);
    struct vma *v = mk_full(0x10000, 0x20000, VMA_PROT_R | VMA_PROT_X, VMA_F_SHARED, 7, 0x5000);
    CHECK_EQ_U64(vma_insert(&t, v), E_OK);
    struct vma *w = add(&t, 0x20000, 0x22000);

    /* Inside: v becomes [0x10000, 0x13000), upper [0x13000, 0x20000). */
    struct vma *up = mk(0, 0);
    CHECK(vma_split_at(&t, 0x13000, up));
    CHECK_EQ_U64(t.count, 3);
    CHECK(vma_check(&t));
    CHECK_EQ_U64(v->start, 0x10000);
    CHECK_EQ_U64(v->end, 0x13000);
    CHECK_EQ_U64(v->backing_off, 0x5000);
    CHECK_EQ_U64(up->start, 0x13000);
    CHECK_EQ_U64(up->end, 0x20000);
    CHECK_EQ_U64(up->prot, VMA_PROT_R | VMA_PROT_X);
    CHECK_EQ_U64(up->flags, VMA_F_SHARED);
    CHECK_EQ_U64(up->backing, 7);
    CHECK_EQ_U64(up->backing_off, 0x8000);
    CHECK(vma_next(v) == up);
    CHECK(vma_next(up) == w);
    CHECK(vma_find(&t, 0x12fff) == v);
    CHECK(vma_find(&t, 0x13000) == up);
    CHECK(vma_find(&t, 0x1ffff) == up);
    CHECK(vma_mergeable(v, up)); /* a split is always undoable */

    /* At boundaries or outside: nothing happens, spare untouched. */
    struct vma *spare = mk(0x777000, 0x778000);
    CHECK(!vma_split_at(&t, 0x10000, spare)); /* start of v */
    CHECK(!vma_split_at(&t, 0x13000, spare)); /* start of up (end of v) */
    CHECK(!vma_split_at(&t, 0x20000, spare)); /* end of up, start of w */
    CHECK(!vma_split_at(&t, 0x22000, spare)); /* end of w: nothing there */
    CHECK(!vma_split_at(&t, 0x30000, spare)); /* in no VMA */
    CHECK(!vma_split_at(&t, 0x0, spare));
    CHECK(!vma_split_at(&t, 0x14800, spare)); /* unaligned: refused */
    CHECK_EQ_U64(spare->start, 0x777000);
    CHECK_EQ_U64(spare->end, 0x778000);
    CHECK_EQ_U64(t.count, 3);
    CHECK(vma_check(&t));

    /* Split one page off each end of an anonymous VMA; backing_off carried. */
    struct vma *lo_half = mk(0, 0);
    CHECK(vma_split_at(&t, 0x21000, lo_half));
    CHECK_EQ_U64(w->end, 0x21000);
    CHECK_EQ_U64(lo_half->start, 0x21000);
    CHECK_EQ_U64(lo_half->end, 0x22000);
    CHECK_EQ_U64(lo_half->backing, 0);
    CHECK_EQ_U64(lo_half->backing_off, 0x1000);
    CHECK_EQ_U64(t.count, 4);
    CHECK(vma_check(&t));

    /* Near the top of the address space: offsets and ends do not wrap. */
    struct vma *top = mk_full(TOP_END - 4 * PG, TOP_END, VMA_PROT_R, 0, 3, UINT64_MAX - PG + 1);
    CHECK_EQ_U64(vma_insert(&t, top), E_OK);
    struct vma *top_up = mk(0, 0);
    CHECK(vma_split_at(&t, TOP_END - PG, top_up));
    CHECK_EQ_U64(top->end, TOP_END - PG);
    CHECK_EQ_U64(top_up->start, TOP_END - PG);
    CHECK_EQ_U64(top_up->end, TOP_END);
    CHECK_EQ_U64(top_up->backing_off, 2 * PG); /* offset arithmetic is modular */
    CHECK(vma_check(&t));
    free(spare);
    destroy(&t);
}

/* ---- merge -------------------------------------------------------------- */

static void test_mergeable(void)
{
    struct vma a = {.start = 0x10000, .end = 0x12000, .prot = 3, .flags = 0, .backing = 5,
                    .backing_off = 0x1000};
    struct vma b = {.start = 0x12000, .end = 0x13000, .prot = 3, .flags = 0, .backing = 5,
                    .backing_off = 0x3000};
    CHECK(vma_mergeable(&a, &b));
    CHECK(!vma_mergeable(&b, &a)); /* order matters: b->end != a->start */

    b.backing_off = 0x2000;
    CHECK(!vma_mergeable(&a, &b));
    b.backing_off = 0x3000;
    b.prot = 1;
    CHECK(!vma_mergeable(&a, &b));
    b.prot = 3;
    b.flags = VMA_F_WIRED;
    CHECK(!vma_mergeable(&a, &b));
    a.flags = VMA_F_WIRED; /* wired is an ordinary flag: equal on both is fine */
    CHECK(vma_mergeable(&a, &b));
    a.flags = b.flags = 0;
    b.backing = 6;
    CHECK(!vma_mergeable(&a, &b));
    b.backing = 5;
    b.start = 0x13000; /* gap of one page */
    b.end = 0x14000;
    CHECK(!vma_mergeable(&a, &b));
    b.start = 0x12000;
    CHECK(vma_mergeable(&a, &b));

    /* Anonymous: backing 0, offsets still must be contiguous. */
    a.backing = b.backing = 0;
    a.backing_off = 0;
    b.backing_off = 0x2000;
    CHECK(vma_mergeable(&a, &b));
    b.backing_off = 0;
    CHECK(!vma_mergeable(&a, &b));
}

/* Builds three adjacent VMAs p=[1,3) v=[3,4) n=[4,7) (pages of 0x10000)
 * plus far-away neighbours, with offsets contiguous. */
struct trio {
    struct vma_tree t;
    struct vma *far_lo, *p, *v, *n, *far_hi;
};

static void trio_init(struct trio *s)
{
    vma_tree_init(&s->t);
    s->far_lo = mk_full(0x1000, 0x2000, 3, 0, 9, 0x10000 - 0x1000); /* not adjacent */
    s->p = mk_full(0x10000, 0x30000, 3, 0, 9, 0x10000);
    s->v = mk_full(0x30000, 0x40000, 3, 0, 9, 0x30000);
    s->n = mk_full(0x40000, 0x70000, 3, 0, 9, 0x40000);
    s->far_hi = mk_full(0x71000, 0x72000, 3, 0, 9, 0x71000);
    struct vma *all[] = {s->n, s->far_lo, s->v, s->far_hi, s->p};
    for (int i = 0; i < 5; i++)
        CHECK_EQ_U64(vma_insert(&s->t, all[i]), E_OK);
}

static void test_merge_around(void)
{
    struct trio s;
    struct released r = {.n = 0};

    /* Both sides. */
    trio_init(&s);
    struct vma *m = vma_merge_around(&s.t, s.v, record_release, &r);
    CHECK(m == s.p);
    CHECK_EQ_U64(m->start, 0x10000);
    CHECK_EQ_U64(m->end, 0x70000);
    CHECK_EQ_U64(m->backing_off, 0x10000);
    CHECK_EQ_U64(r.n, 2);
    CHECK(r.gone[0] == s.v);
    CHECK(r.gone[1] == s.n);
    CHECK_EQ_U64(s.t.count, 3);
    CHECK(vma_check(&s.t));
    CHECK(vma_find(&s.t, 0x6ffff) == s.p);
    CHECK(vma_next(s.p) == s.far_hi);
    CHECK(vma_prev(s.p) == s.far_lo);
    free_released(&r);
    /* Nothing more to merge: far neighbours are not adjacent. */
    CHECK(vma_merge_around(&s.t, s.p, record_release, &r) == s.p);
    CHECK_EQ_U64(r.n, 0);
    destroy(&s.t);

    /* Prev only (n has other prot). */
    trio_init(&s);
    s.n->prot = 1;
    m = vma_merge_around(&s.t, s.v, record_release, &r);
    CHECK(m == s.p);
    CHECK_EQ_U64(m->end, 0x40000);
    CHECK_EQ_U64(r.n, 1);
    CHECK(r.gone[0] == s.v);
    CHECK_EQ_U64(s.t.count, 4);
    CHECK(vma_check(&s.t));
    CHECK(vma_next(s.p) == s.n);
    free_released(&r);
    destroy(&s.t);

    /* Next only (p has other flags). */
    trio_init(&s);
    s.p->flags = VMA_F_WIRED;
    m = vma_merge_around(&s.t, s.v, record_release, &r);
    CHECK(m == s.v);
    CHECK_EQ_U64(m->start, 0x30000);
    CHECK_EQ_U64(m->end, 0x70000);
    CHECK_EQ_U64(m->backing_off, 0x30000);
    CHECK_EQ_U64(r.n, 1);
    CHECK(r.gone[0] == s.n);
    CHECK_EQ_U64(s.t.count, 4);
    CHECK(vma_check(&s.t));
    free_released(&r);
    destroy(&s.t);

    /* None: backing differs on one side, offset on the other. */
    trio_init(&s);
    s.p->backing = 8;
    s.n->backing_off = 0x41000;
    m = vma_merge_around(&s.t, s.v, record_release, &r);
    CHECK(m == s.v);
    CHECK_EQ_U64(m->start, 0x30000);
    CHECK_EQ_U64(m->end, 0x40000);
    CHECK_EQ_U64(r.n, 0);
    CHECK_EQ_U64(s.t.count, 5);
    CHECK(vma_check(&s.t));
    destroy(&s.t);

    /* None: a one-page hole on each side. */
    trio_init(&s);
    vma_remove(&s.t, s.v);
    s.v->start = 0x31000;
    s.v->end = 0x3f000;
    s.v->backing_off = 0x31000;
    CHECK_EQ_U64(vma_insert(&s.t, s.v), E_OK);
    m = vma_merge_around(&s.t, s.v, record_release, &r);
    CHECK(m == s.v);
    CHECK_EQ_U64(r.n, 0);
    CHECK_EQ_U64(s.t.count, 5);
    destroy(&s.t);

    /* Merging the first/last VMA of the tree. */
    struct vma_tree t;
    vma_tree_init(&t);
    struct vma *a = add(&t, 0x1000, 0x2000);
    struct vma *b = mk_full(0x2000, 0x3000, VMA_PROT_R | VMA_PROT_W, 0, 0, 0x1000);
    CHECK_EQ_U64(vma_insert(&t, b), E_OK);
    m = vma_merge_around(&t, a, record_release, &r);
    CHECK(m == a);
    CHECK_EQ_U64(a->end, 0x3000);
    CHECK_EQ_U64(r.n, 1);
    CHECK(r.gone[0] == b);
    CHECK_EQ_U64(t.count, 1);
    CHECK(vma_check(&t));
    free_released(&r);
    /* A NULL release is allowed (the caller tracks nodes itself). */
    struct vma *c = mk_full(0x3000, 0x5000, VMA_PROT_R | VMA_PROT_W, 0, 0, 0x2000);
    CHECK_EQ_U64(vma_insert(&t, c), E_OK);
    CHECK(vma_merge_around(&t, c, NULL, NULL) == a);
    CHECK_EQ_U64(a->end, 0x5000);
    CHECK_EQ_U64(t.count, 1);
    CHECK(vma_check(&t));
    free(c);
    destroy(&t);
}

/* ---- find_gap ----------------------------------------------------------- */

static void test_find_gap(void)
{
    struct vma_tree t;
    vma_tree_init(&t);
    uint64_t a = 0xdead;
    const uint64_t M2 = 2ull << 20;

    /* Argument errors; out untouched. */
    CHECK_EQ_U64(vma_find_gap(&t, 0, PG, 0, UINT64_MAX, &a), E_INVAL);
    CHECK_EQ_U64(vma_find_gap(&t, PG, 0, 0, UINT64_MAX, &a), E_INVAL);
    CHECK_EQ_U64(vma_find_gap(&t, PG, 0x800, 0, UINT64_MAX, &a), E_INVAL);
    CHECK_EQ_U64(vma_find_gap(&t, PG, 0x3000, 0, UINT64_MAX, &a), E_INVAL);
    CHECK_EQ_U64(vma_find_gap(&t, PG, PG + 1, 0, UINT64_MAX, &a), E_INVAL);
    CHECK_EQ_U64(vma_find_gap(&t, PG, PG, 0x2000, 0x1000, &a), E_INVAL); /* lo > hi */
    CHECK_EQ_U64(a, 0xdead);

    /* Empty tree. */
    CHECK_EQ_U64(vma_find_gap(&t, PG, PG, 0, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 0);
    CHECK_EQ_U64(vma_find_gap(&t, 3 * PG, PG, 0x1234, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 0x2000);
    CHECK_EQ_U64(vma_find_gap(&t, PG, M2, 0x1000, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, M2);
    CHECK_EQ_U64(vma_find_gap(&t, PG, PG, 0x5000, 0x6000, &a), E_OK); /* exact fit */
    CHECK_EQ_U64(a, 0x5000);
    a = 0xdead;
    CHECK_EQ_U64(vma_find_gap(&t, PG, PG, 0x5000, 0x5fff, &a), E_NOSPACE);
    CHECK_EQ_U64(vma_find_gap(&t, PG, PG, 0x5001, 0x6000, &a), E_NOSPACE);
    CHECK_EQ_U64(vma_find_gap(&t, PG, PG, 0x5000, 0x5000, &a), E_NOSPACE); /* lo == hi */
    CHECK_EQ_U64(vma_find_gap(&t, UINT64_MAX, PG, 0, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 0);
    a = 0xdead;
    CHECK_EQ_U64(vma_find_gap(&t, UINT64_MAX, PG, 1, UINT64_MAX, &a), E_NOSPACE);
    CHECK_EQ_U64(a, 0xdead);
    /* Unaligned len is taken literally: [a, a + len) must fit below hi. */
    CHECK_EQ_U64(vma_find_gap(&t, 0x1800, PG, 0x1000, 0x2800, &a), E_OK);
    CHECK_EQ_U64(a, 0x1000);

    /* VMAs at [0x10000,0x12000) [0x13000,0x15000) [0x18000,0x19000)
     * [0x200000,0x201000). */
    add(&t, 0x10000, 0x12000);
    add(&t, 0x13000, 0x15000);
    add(&t, 0x18000, 0x19000);
    add(&t, M2, M2 + PG);

    CHECK_EQ_U64(vma_find_gap(&t, PG, PG, 0x10000, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 0x12000); /* the one-page hole */
    CHECK_EQ_U64(vma_find_gap(&t, 2 * PG, PG, 0x10000, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 0x15000);
    CHECK_EQ_U64(vma_find_gap(&t, 3 * PG, PG, 0x10000, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 0x15000); /* exact fit [0x15000, 0x18000) */
    CHECK_EQ_U64(vma_find_gap(&t, 4 * PG, PG, 0x10000, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 0x19000);
    CHECK_EQ_U64(vma_find_gap(&t, 2 * PG, 0x2000, 0x10000, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 0x16000); /* 0x15000 rounds to 0x16000: [0x16000,0x18000) */
    CHECK_EQ_U64(vma_find_gap(&t, 2 * PG, 0x4000, 0x10000, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 0x1c000);
    CHECK_EQ_U64(vma_find_gap(&t, PG, PG, 0, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 0);
    CHECK_EQ_U64(vma_find_gap(&t, 0x10000, PG, 0, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 0); /* [0, 0x10000) touches the first VMA */
    CHECK_EQ_U64(vma_find_gap(&t, 0x10001, PG, 0, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 0x19000);
    /* lo inside a VMA. */
    CHECK_EQ_U64(vma_find_gap(&t, PG, PG, 0x13800, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 0x15000);
    /* 2 MiB alignment: [0, M2) is cut by the small VMAs and M2 is taken,
     * so 2 MiB long needs 2 * M2; short enough fits at 0; from lo=1 the
     * first candidate is M2 (taken), then 2 * M2. */
    CHECK_EQ_U64(vma_find_gap(&t, M2, M2, 0, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 2 * M2);
    CHECK_EQ_U64(vma_find_gap(&t, 0x10000, M2, 0, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 0);
    CHECK_EQ_U64(vma_find_gap(&t, PG, M2, 1, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 2 * M2);
    /* hi limits. */
    CHECK_EQ_U64(vma_find_gap(&t, 3 * PG, PG, 0x10000, 0x18000, &a), E_OK);
    CHECK_EQ_U64(a, 0x15000);
    a = 0xdead;
    CHECK_EQ_U64(vma_find_gap(&t, 3 * PG, PG, 0x10000, 0x17fff, &a), E_NOSPACE);
    CHECK_EQ_U64(vma_find_gap(&t, 4 * PG, PG, 0x10000, 0x1c000, &a), E_NOSPACE);
    CHECK_EQ_U64(vma_find_gap(&t, PG, PG, 0x10000, 0x12000, &a), E_NOSPACE);
    CHECK_EQ_U64(vma_find_gap(&t, 2 * PG, PG, 0x13000, 0x15000, &a), E_NOSPACE);
    CHECK_EQ_U64(a, 0xdead);
    CHECK_EQ_U64(vma_find_gap(&t, 4 * PG, PG, 0x10000, 0x1d000, &a), E_OK);
    CHECK_EQ_U64(a, 0x19000);
    destroy(&t);

    /* Near the top: nothing may wrap. */
    vma_tree_init(&t);
    add(&t, TOP_END - 2 * PG, TOP_END - PG); /* top page [TOP_END - PG, TOP_END) stays free */
    CHECK_EQ_U64(vma_find_gap(&t, PG, PG, TOP_END - 2 * PG, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, TOP_END - PG);
    a = 0xdead;
    CHECK_EQ_U64(vma_find_gap(&t, 2 * PG, PG, TOP_END - 2 * PG, UINT64_MAX, &a), E_NOSPACE);
    CHECK_EQ_U64(vma_find_gap(&t, PG, PG, TOP_END - 2 * PG, TOP_END - 1, &a), E_NOSPACE);
    /* Aligning lo up would pass 2^64. */
    CHECK_EQ_U64(vma_find_gap(&t, 1, PG, TOP_END + 1, UINT64_MAX, &a), E_NOSPACE);
    CHECK_EQ_U64(vma_find_gap(&t, PG, 1ull << 63, (1ull << 63) + 1, UINT64_MAX, &a),
                 E_NOSPACE);
    /* Aligning a VMA's end up would pass 2^64: the last 2 MiB-aligned
     * address, 2^64 - M2, is taken by a VMA. */
    add(&t, TOP_END - M2 + PG, TOP_END - M2 + 2 * PG);
    CHECK_EQ_U64(vma_find_gap(&t, PG, M2, TOP_END - M2 + PG, UINT64_MAX, &a), E_NOSPACE);
    CHECK_EQ_U64(vma_find_gap(&t, PG, M2, TOP_END - 2 * M2 + PG + 1, UINT64_MAX, &a),
                 E_NOSPACE);
    CHECK_EQ_U64(a, 0xdead);
    CHECK_EQ_U64(vma_find_gap(&t, PG, 1ull << 63, 1, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 1ull << 63);
    CHECK_EQ_U64(vma_find_gap(&t, PG, M2, TOP_END - 2 * M2, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, TOP_END - 2 * M2 + PG); /* 2^64 - 4 MiB */
    destroy(&t);

    /* Large alignment skips several VMAs at once. */
    vma_tree_init(&t);
    for (uint64_t i = 0; i < 10; i++)
        add(&t, i * 0x4000, i * 0x4000 + PG);
    CHECK_EQ_U64(vma_find_gap(&t, PG, 0x10000, 0, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 0x30000);
    CHECK_EQ_U64(vma_find_gap(&t, 3 * PG, PG, 0, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 0x1000);
    CHECK_EQ_U64(vma_find_gap(&t, 4 * PG, PG, 0, UINT64_MAX, &a), E_OK);
    CHECK_EQ_U64(a, 0x25000);
    destroy(&t);
}

/* ---- randomized against a model ----------------------------------------- */

struct mrange {
    uint64_t start, end, backing, off;
    uint32_t prot, flags;
    struct vma *node;
};

#define MODEL_MAX 12000
static struct mrange model[MODEL_MAX];
static uint64_t model_n;

static void model_insert_at(uint64_t i, struct mrange r)
{
    memmove(&model[i + 1], &model[i], (model_n - i) * sizeof model[0]);
    model[i] = r;
    model_n++;
}

static void model_delete_at(uint64_t i)
{
    memmove(&model[i], &model[i + 1], (model_n - i - 1) * sizeof model[0]);
    model_n--;
}

static bool model_mergeable(const struct mrange *a, const struct mrange *b)
{
    return a->end == b->start && a->prot == b->prot && a->flags == b->flags &&
           a->backing == b->backing && b->off == a->off + (a->end - a->start);
}

/* Brute force gap search: the answer is either lo aligned up or some end
 * aligned up; try them in increasing order, each checked by a linear scan. */
static err_t model_gap(uint64_t len, uint64_t align, uint64_t lo, uint64_t hi, uint64_t *out)
{
    static uint64_t cands[MODEL_MAX + 1];
    uint64_t nc = 0;
    if ((lo + align - 1) >= lo)
        cands[nc++] = (lo + align - 1) & ~(align - 1);
    for (uint64_t i = 0; i < model_n; i++) {
        uint64_t e = model[i].end;
        if (e >= lo && e + align - 1 >= e)
            cands[nc++] = (e + align - 1) & ~(align - 1);
    }
    /* Candidates are already ascending (ends are sorted, all >= lo). */
    uint64_t scan_from = 0;
    for (uint64_t c = 0; c < nc; c++) {
        uint64_t a = cands[c];
        if (a < lo || a + len < a || a + len > hi)
            continue;
        bool ok = true;
        /* Ranges ending at or below a cannot overlap; they only grow. */
        while (scan_from < model_n && model[scan_from].end <= a)
            scan_from++;
        for (uint64_t i = scan_from; i < model_n && model[i].start < a + len; i++)
            if (model[i].end > a) {
                ok = false;
                break;
            }
        if (ok) {
            *out = a;
            return E_OK;
        }
    }
    return E_NOSPACE;
}

struct rand_stats {
    uint64_t inserts, exists, removes, splits, merges, released, gaps, gap_found, max_live;
};

/* Compares the whole tree with the model, forwards and backwards. */
static void compare_all(const struct vma_tree *t)
{
    uint64_t i = 0, bad = 0;
    struct vma *last = NULL;
    for (struct vma *v = vma_first(t); v; v = vma_next(v), i++) {
        last = v;
        if (i >= model_n) {
            bad++;
            break;
        }
        const struct mrange *m = &model[i];
        bad += v != m->node || v->start != m->start || v->end != m->end ||
               v->prot != m->prot || v->flags != m->flags || v->backing != m->backing ||
               v->backing_off != m->off;
    }
    CHECK_EQ_U64(i, model_n);
    CHECK_EQ_U64(bad, 0);
    i = model_n;
    for (struct vma *v = last; v; v = vma_prev(v))
        bad += i == 0 || v != model[--i].node;
    CHECK_EQ_U64(i, 0);
    CHECK_EQ_U64(bad, 0);
}

static uint64_t rnd(uint64_t n)
{
    return check_rand() % n;
}

/*
 * One randomized run over a window of `pages` pages at `base`. Failures are
 * counted in `fails` rather than through CHECK per operation so a bug does
 * not flood the output; the first few are printed.
 */
static void random_run(uint64_t base, uint64_t pages, uint64_t ops, struct rand_stats *st)
{
    struct vma_tree t;
    vma_tree_init(&t);
    model_n = 0;
    uint64_t fails = 0;
    const uint64_t target = 5200;
    const uint64_t wend = base + pages * PG; /* may be TOP_END */

#define RCHECK(cond)                                                                 \
    do {                                                                             \
        if (!(cond)) {                                                               \
            if (fails++ < 10)                                                        \
                fprintf(stderr, "%s:%d: op %" PRIu64 ": RCHECK failed: %s\n", __FILE__, \
                        __LINE__, op, #cond);                                        \
        }                                                                            \
    } while (0)

    for (uint64_t op = 0; op < ops; op++) {
        uint64_t kind = rnd(100);
        /* Keep the population near the target: insert more when below. */
        uint64_t insert_pct = model_n < target ? 50 : 20;
        if (kind < insert_pct) {
            uint64_t sp = rnd(pages);
            uint64_t np = 1 + (rnd(8) == 0 ? rnd(64) : rnd(8));
            if (sp + np > pages)
                np = pages - sp;
            struct mrange r = {.start = base + sp * PG, .end = base + (sp + np) * PG,
                               .prot = rnd(4) == 0 ? VMA_PROT_R : VMA_PROT_R | VMA_PROT_W,
                               .flags = rnd(8) == 0 ? VMA_F_SHARED : 0,
                               .backing = rnd(4) == 0 ? 1 : 0};
            /* Mostly "identity" offsets so neighbours often merge. */
            r.off = rnd(8) == 0 ? rnd(pages) * PG : sp * PG;
            bool bad_arg = rnd(50) == 0;
            struct vma *v = mk_full(r.start, r.end, r.prot, r.flags, r.backing, r.off);
            if (bad_arg)
                v->end = v->start + PG / 2;
            bool overlap = false;
            uint64_t pos = model_n;
            for (uint64_t i = 0; i < model_n; i++) {
                if (model[i].start < r.end && r.start < model[i].end)
                    overlap = true;
                if (pos == model_n && model[i].start > r.start)
                    pos = i;
            }
            err_t e = vma_insert(&t, v);
            if (bad_arg) {
                RCHECK(e == E_INVAL);
            } else if (overlap) {
                RCHECK(e == E_EXIST);
                st->exists++;
            } else {
                RCHECK(e == E_OK);
            }
            if (e == E_OK) {
                r.node = v;
                model_insert_at(pos, r);
                st->inserts++;
            } else {
                free(v);
            }
        } else if (kind < insert_pct + 12) {
            if (model_n == 0)
                continue;
            uint64_t i = rnd(model_n);
            vma_remove(&t, model[i].node);
            free(model[i].node);
            model_delete_at(i);
            st->removes++;
        } else if (kind < insert_pct + 22) {
            /* find / first_ending_after / range_free at random addresses,
             * a few outside the window and unaligned. */
            uint64_t addr = base + rnd(pages) * PG + (rnd(2) ? rnd(PG) : 0);
            if (rnd(16) == 0)
                addr = rnd(2) ? base - 1 - rnd(PG) : wend + rnd(PG);
            struct vma *want = NULL, *want_after = NULL;
            for (uint64_t i = 0; i < model_n; i++) {
                if (model[i].end > addr) {
                    want_after = model[i].node;
                    if (model[i].start <= addr)
                        want = model[i].node;
                    break;
                }
            }
            RCHECK(vma_find(&t, addr) == want);
            RCHECK(vma_first_ending_after(&t, addr) == want_after);
            uint64_t s = addr & ~(PG - 1), e = s + (1 + rnd(16)) * PG;
            if (e > s) {
                bool free_ = true;
                for (uint64_t i = 0; i < model_n; i++)
                    if (model[i].start < e && s < model[i].end)
                        free_ = false;
                RCHECK(vma_range_free(&t, s, e) == free_);
            }
        } else if (kind < insert_pct + 30) {
            uint64_t addr = base + rnd(pages) * PG;
            /* Usually aim inside an existing VMA so splits do happen. */
            if (model_n && rnd(4) != 0) {
                const struct mrange *m = &model[rnd(model_n)];
                addr = m->start + rnd((m->end - m->start) / PG) * PG;
            }
            uint64_t idx = model_n;
            for (uint64_t i = 0; i < model_n; i++)
                if (model[i].start < addr && addr < model[i].end)
                    idx = i;
            struct vma *up = mk(0, 0);
            bool used = vma_split_at(&t, addr, up);
            RCHECK(used == (idx < model_n));
            if (used && idx < model_n) {
                struct mrange hi_part = model[idx];
                hi_part.start = addr;
                hi_part.off = model[idx].off + (addr - model[idx].start);
                hi_part.node = up;
                model[idx].end = addr;
                model_insert_at(idx + 1, hi_part);
                st->splits++;
            } else if (!used) {
                free(up);
            }
        } else if (kind < insert_pct + 38) {
            if (model_n == 0)
                continue;
            uint64_t i = rnd(model_n);
            /* Expected outcome from the model. */
            bool with_prev = i > 0 && model_mergeable(&model[i - 1], &model[i]);
            uint64_t self = with_prev ? i - 1 : i;
            struct mrange merged = model[self];
            merged.end = model[i].end;
            bool with_next = i + 1 < model_n && model_mergeable(&merged, &model[i + 1]);
            struct vma *gone_prev = with_prev ? model[i].node : NULL;
            struct vma *gone_next = with_next ? model[i + 1].node : NULL;

            struct released r = {.n = 0};
            struct vma *m = vma_merge_around(&t, model[i].node, record_release, &r);
            RCHECK(m == model[self].node);
            RCHECK(r.n == (int)with_prev + (int)with_next);
            int k = 0;
            if (with_prev)
                RCHECK(r.n > k && r.gone[k++] == gone_prev);
            if (with_next)
                RCHECK(r.n > k && r.gone[k++] == gone_next);
            if (with_next) {
                merged.end = model[i + 1].end;
                model_delete_at(i + 1);
            }
            if (with_prev)
                model_delete_at(i);
            model[self] = merged;
            RCHECK(m->start == merged.start && m->end == merged.end &&
                   m->backing_off == merged.off);
            st->released += (uint64_t)r.n;
            if (r.n)
                st->merges++;
            free_released(&r);
        } else {
            static const uint64_t aligns[] = {PG, 2 * PG, 16 * PG, 2ull << 20};
            uint64_t len = (1 + rnd(32)) * PG;
            if (rnd(10) == 0)
                len = 1 + rnd(4 * PG); /* unaligned lengths are legal */
            uint64_t align = aligns[rnd(4)];
            uint64_t lo = base + rnd(pages) * PG + (rnd(4) == 0 ? rnd(PG) : 0);
            if (rnd(8) == 0)
                lo = rnd(2) ? 0 : base;
            uint64_t hi;
            switch (rnd(4)) {
            case 0: hi = UINT64_MAX; break;
            case 1: hi = wend; break;
            case 2: hi = lo + rnd(pages / 4) * PG; break;
            default: hi = lo + rnd(48) * PG; break; /* often too tight */
            }
            if (hi < lo)
                hi = UINT64_MAX; /* lo + x wrapped near the top */
            uint64_t got = 0xdead, want = 0xbeef;
            err_t e = vma_find_gap(&t, len, align, lo, hi, &got);
            err_t we = model_gap(len, align, lo, hi, &want);
            RCHECK(e == we);
            if (e == E_OK && we == E_OK) {
                RCHECK(got == want);
                RCHECK(got >= lo && (got & (align - 1)) == 0 && got + len >= got &&
                       got + len <= hi);
                RCHECK(vma_range_free(&t, got, got + len));
                st->gap_found++;
            } else {
                RCHECK(got == 0xdead);
            }
            st->gaps++;
        }
        RCHECK(vma_check(&t));
        RCHECK(t.count == model_n);
        if (model_n > st->max_live)
            st->max_live = model_n;
        if (op % 500 == 499)
            compare_all(&t);
        /* Past a mismatch the model may hold nodes the tree released (and
         * that were freed): stop instead of cascading. */
        if (fails)
            break;
    }
#undef RCHECK
    compare_all(&t);
    CHECK_EQ_U64(fails, 0);
    destroy(&t);
    model_n = 0;
}

static void test_random(void)
{
    struct rand_stats low = {0}, top = {0};
    /* A window from address 0, and one ending at the top of the address
     * space so every end/alignment edge near 2^64 is exercised. */
    random_run(0, 1u << 16, 25000, &low);
    random_run(TOP_END - (1ull << 16) * PG, 1u << 16, 25000, &top);
    /* The run must actually have exercised every path. */
    struct rand_stats *all[] = {&low, &top};
    for (int i = 0; i < 2; i++) {
        CHECK(all[i]->inserts > 5000);
        CHECK(all[i]->exists > 1000);
        CHECK(all[i]->removes > 2000);
        CHECK(all[i]->splits > 1000);
        CHECK(all[i]->merges > 200);
        CHECK(all[i]->gap_found > 500);
        CHECK(all[i]->gaps > all[i]->gap_found + 300);
        CHECK(all[i]->max_live >= 4000);
    }
    if (getenv("VMA_TEST_VERBOSE"))
        for (int i = 0; i < 2; i++)
            printf("run %d: inserts %" PRIu64 " exists %" PRIu64 " removes %" PRIu64
                   " splits %" PRIu64 " merges %" PRIu64 " released %" PRIu64
                   " gaps %" PRIu64 " found %" PRIu64 " max_live %" PRIu64 "\n",
                   i, all[i]->inserts, all[i]->exists, all[i]->removes, all[i]->splits,
                   all[i]->merges, all[i]->released, all[i]->gaps, all[i]->gap_found,
                   all[i]->max_live);
}

/* ---- scale -------------------------------------------------------------- */

static void check_height_bound(const struct vma_tree *t)
{
    double bound = 1.45 * log2_approx((double)t->count) + 2;
    CHECK(t->root != NULL);
    if (t->root)
        CHECK((double)t->root->height <= bound);
}

static void test_scale(void)
{
    enum { N = 10000 };
    static uint64_t order[N];
    static struct vma *nodes[N];
    struct vma_tree t;
    vma_tree_init(&t);
    for (uint64_t i = 0; i < N; i++)
        order[i] = i;
    shuffle(order, N);
    /* VMA i: [i*0x5000 + 0x1000, i*0x5000 + 0x3000); 0x3000 hole after. */
    for (uint64_t k = 0; k < N; k++) {
        uint64_t i = order[k];
        nodes[i] = add(&t, i * 0x5000 + 0x1000, i * 0x5000 + 0x3000);
    }
    CHECK_EQ_U64(t.count, N);
    CHECK(vma_check(&t));
    check_height_bound(&t);
    CHECK(log2_approx(10000) > 13.28 && log2_approx(10000) < 13.29);

    uint64_t bad = 0;
    for (uint64_t i = 0; i < N; i++) {
        uint64_t b = i * 0x5000;
        bad += vma_find(&t, b) != NULL;
        bad += vma_find(&t, b + 0x1000) != nodes[i];
        bad += vma_find(&t, b + 0x2abc) != nodes[i];
        bad += vma_find(&t, b + 0x2fff) != nodes[i];
        bad += vma_find(&t, b + 0x3000) != NULL;
        bad += vma_find(&t, b + 0x4fff) != NULL;
    }
    CHECK_EQ_U64(bad, 0);

    /* Remove a random half; the bound still holds for what is left. */
    shuffle(order, N);
    for (uint64_t k = 0; k < N / 2; k++) {
        vma_remove(&t, nodes[order[k]]);
        free(nodes[order[k]]);
        nodes[order[k]] = NULL;
    }
    CHECK_EQ_U64(t.count, N / 2);
    CHECK(vma_check(&t));
    check_height_bound(&t);
    bad = 0;
    for (uint64_t i = 0; i < N; i++)
        bad += vma_find(&t, i * 0x5000 + 0x1800) != nodes[i];
    CHECK_EQ_U64(bad, 0);
    destroy(&t);

    /* Ascending insertion, the worst case for an unbalanced tree. */
    vma_tree_init(&t);
    for (uint64_t i = 0; i < N; i++)
        nodes[i] = add(&t, i * PG, (i + 1) * PG);
    CHECK(vma_check(&t));
    check_height_bound(&t);
    /* A perfectly fed AVL tree of 10000 sequential keys is 14 high. */
    CHECK_EQ_U64(t.root->height, 14);
    bad = 0;
    for (uint64_t i = 0; i < N; i++)
        bad += vma_find(&t, i * PG + 5) != nodes[i];
    CHECK_EQ_U64(bad, 0);
    destroy(&t);
}

int main(void)
{
    test_empty();
    test_insert_find_remove();
    test_invalid();
    test_overlap();
    test_check_detects();
    test_iteration();
    test_split();
    test_mergeable();
    test_merge_around();
    test_find_gap();
    test_random();
    test_scale();
    return check_finish("test_vma");
}
