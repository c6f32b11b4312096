/*
 * Address spaces: creating an empty one (a loader fills it), forking one
 * copy-on-write, destroying one, and unmapping or re-protecting a range.
 * Walks of what is mapped use SYS_QUERY_NEXT, so a sparse 1 GiB mapping
 * costs nothing for its untouched pages.
 */
#include <sys/mica.h>

#include <mica/bootinfo.h>
#include <proto/mm.h>

#include "mm.h"

#define PAGE 4096ul
#define MEGA (2ul << 20)
#define USER_FIRST 0x1000ull       /* lowest user address the kernel accepts */
#define USER_TOP 0x4000000000ull   /* end of user space (Sv39 lower half) */

struct mm_space *mm_space_get(uint64_t id)
{
    if (id == 0 || id > MM_MAX_SPACES || !mm.spaces[id - 1].used)
        return NULL;
    return &mm.spaces[id - 1];
}

uint32_t mm_spaces_used(void)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < MM_MAX_SPACES; i++)
        n += mm.spaces[i].used;
    return n;
}

/* A free slot, with the default limits; its own account (control made it)
 * unless `account` (the forking space's account) is given. The account is
 * charged here and uncharged by mm_space_destroy. */
static struct mm_space *space_alloc(struct mm_space *account)
{
    for (uint32_t i = 0; i < MM_MAX_SPACES; i++) {
        struct mm_space *s = &mm.spaces[i];
        if (!s->used) {
            memset(s, 0, sizeof(*s));
            s->used = true;
            s->id = i + 1;
            vma_tree_init(&s->vmas);
            limits_init(&s->lim);
            s->lim.max_resident = mm.frames.npages / MM_LIMIT_RESIDENT_DIVISOR;
            s->tag = ++mm.next_tag; /* 2^32 spaces before one repeats */
            s->account = account ? account->id : s->id;
            (account ? account : s)->lim.spaces++;
            return s;
        }
    }
    return NULL;
}

/* The task and the two badged endpoints of a new space. */
static err_t space_caps(struct mm_space *s)
{
    if (!s->kmem_budget)
        s->kmem_budget = MM_SPACE_KMEM_BUDGET;
    int64_t task = sys_task_create(MM_SLOT_SELF_TASK, 0, s->kmem_budget);
    if (task < 0)
        return (err_t)task;
    s->task = (handle_t)task;
    /* Each handle is recorded at once, so mm_space_destroy deletes
     * whichever of them exist when a later step fails. */
    int64_t pager = sys_cap_copy(MM_SLOT_SERVICE, RIGHT_WRITE | RIGHT_GRANT, s->id);
    if (pager < 0)
        return (err_t)pager;
    s->pager_ep = (handle_t)pager;
    int64_t client = sys_cap_copy(MM_SLOT_SERVICE, RIGHT_WRITE | RIGHT_GRANT, s->id);
    if (client < 0)
        return (err_t)client;
    s->client_ep = (handle_t)client;
    return E_OK;
}

static err_t add_vma(struct mm_space *s, uint64_t start, uint64_t end, unsigned prot,
                     unsigned flags, struct vma **out)
{
    err_t err = mm_vmas_may_add(s, 1);
    if (err == E_OK && end > start)
        err = limits_may_map(&s->lim, end - start);
    if (err != E_OK)
        return err;
    struct vma *v = mm_vma_alloc();
    if (!v)
        return E_NOMEM;
    v->start = start;
    v->end = end;
    v->backing_off = start;
    v->prot = prot;
    v->flags = flags;
    err = mm_vma_insert(s, v);
    if (err != E_OK) {
        mm_vma_free(v);
        return err;
    }
    if (out)
        *out = v;
    return E_OK;
}

err_t mm_populate(struct mm_space *s, const struct vma *v)
{
    for (uint64_t va = v->start; va < v->end; va += PAGE) {
        uint64_t pa;
        if (!mm_resident_may_add(s, 1))
            return E_NOMEM;
        err_t err = frames_alloc(&mm.frames, &pa);
        if (err != E_OK)
            return err;
        mm_zero_page(pa);
        if (mm_map(s, va, pa, mm_pte_flags_for(v)) < 0) {
            (void)frames_unref(&mm.frames, pa);
            return E_NOMEM;
        }
        mm_resident_charge(s, pa, 1);
    }
    return E_OK;
}

/* Every space's lazy stack below MM_STACK_TOP and its wired IPC buffer page. */
static err_t add_stack_and_ipc(struct mm_space *s)
{
    struct vma *ipc;
    err_t err = add_vma(s, MM_STACK_TOP - MM_STACK_LEN, MM_STACK_TOP, VMA_PROT_R | VMA_PROT_W,
                        0, NULL);
    if (err == E_OK)
        err = add_vma(s, ROOT_IPC_BUFFER_VA, ROOT_IPC_BUFFER_VA + PAGE,
                      VMA_PROT_R | VMA_PROT_W, VMA_F_WIRED, &ipc);
    if (err == E_OK)
        err = mm_populate(s, ipc);
    return err;
}

err_t mm_space_create_empty(uint64_t kmem_budget, struct mm_space **out)
{
    struct mm_space *s = space_alloc(NULL);
    if (!s)
        return E_NOSPACE;
    s->kmem_budget = kmem_budget;
    err_t err = space_caps(s);
    if (err == E_OK)
        err = add_stack_and_ipc(s);
    if (err != E_OK) {
        mm_space_destroy(s);
        return err;
    }
    s->brk_base = s->brk = MM_EMPTY_BRK_BASE;
    *out = s;
    return E_OK;
}

/* Shares one leaf of the parent with the child (copy-on-write if the page
 * is private and writable), or copies it (wired VMAs). */
static err_t fork_leaf(struct mm_space *parent, struct mm_space *child,
                       const struct vma *v, uint64_t va, uint64_t pa, uint64_t flags)
{
    uint64_t npages = (flags & MAP_SIZE_MASK) == MAP_SIZE_2M ? 512 : 1;
    unsigned keep = (unsigned)(flags & (MAP_R | MAP_W | MAP_X | MAP_SW0 | MAP_SW1 | MAP_SIZE_MASK));
    if (!frames_contains(&mm.frames, pa))
        return E_OK; /* a file page: the child faults and gets it from the file server */
    if (v->flags & VMA_F_WIRED) {
        uint64_t copy;
        if (!mm_resident_may_add(child, 1))
            return E_NOMEM;
        err_t err = frames_alloc(&mm.frames, &copy);
        if (err != E_OK)
            return err;
        mm_copy_page(copy, pa);
        if (mm_map(child, va, copy, keep & ~(unsigned)(MAP_SW0)) < 0) {
            (void)frames_unref(&mm.frames, copy);
            return E_NOMEM;
        }
        mm_resident_charge(child, copy, 1);
        return E_OK;
    }
    /* The child's references first; every failure below gives them back
     * (a parent page already made copy-on-write stays so: harmless, its
     * count is 1 again and its next write just re-enables it). */
    for (uint64_t i = 0; i < npages; i++) {
        err_t err = frames_ref(&mm.frames, pa + i * PAGE);
        if (err != E_OK) {
            while (i-- > 0)
                (void)frames_unref(&mm.frames, pa + i * PAGE);
            return err;
        }
    }
    int64_t r;
    if ((v->flags & VMA_F_SHARED) || !(keep & (MAP_W | MAP_SW0))) {
        r = mm_map(child, va, pa, keep); /* shared or read-only */
    } else {
        /* Private and writable (or already shared): read-only + SHARE in both. */
        unsigned cow = (keep & ~(unsigned)MAP_W) | MAP_SW0;
        r = (keep & MAP_W) ? sys_protect(parent->task, va, cow & ~(unsigned)MAP_SIZE_MASK) : 0;
        if (r >= 0)
            r = mm_map(child, va, pa, cow);
    }
    if (r < 0) {
        mm_unref_leaf(pa, flags);
        return E_NOMEM; /* the child's kernel memory (page tables) ran out */
    }
    return E_OK;
}

/* A shared anonymous VMA has no backing object yet: its pages must exist
 * before the fork so both spaces map the same frames. Fills the missing
 * ones with zeros. (A shared-memory object that fills lazily for all its
 * mappers is the better design; docs/mm.md.) */
static err_t fill_shared(struct mm_space *s, const struct vma *v)
{
    for (uint64_t va = v->start; va < v->end; va += PAGE) {
        if (sys_query(s->task, va, NULL) > 0)
            continue;
        uint64_t pa;
        if (!mm_resident_may_add(s, 1))
            return E_NOMEM;
        err_t err = frames_alloc(&mm.frames, &pa);
        if (err != E_OK)
            return err;
        mm_zero_page(pa);
        if (mm_map(s, va, pa, mm_pte_flags_for(v)) < 0) {
            (void)frames_unref(&mm.frames, pa);
            return E_NOMEM;
        }
        mm_resident_charge(s, pa, 1);
    }
    return E_OK;
}

/* Whether the account of `parent` may have one more space (a fork the
 * space asks for itself): E_OK, E_LIMIT (its own limit or fair share),
 * E_NOSPACE (the table is full for everyone). */
static err_t account_may_fork(const struct mm_space *parent)
{
    const struct mm_space *acct = mm_space_get(parent->account);
    uint64_t free = MM_MAX_SPACES - mm_spaces_used();
    if (!acct)
        return free ? E_OK : E_NOSPACE; /* its account is gone: charged to nobody */
    err_t err = limits_may_take(acct->lim.spaces, 1, free, MM_LIMIT_ACCOUNT_SPACES,
                                MM_FAIR_ACCOUNT_SPACES, MM_RESERVE_SPACES);
    return err == E_NOMEM ? E_NOSPACE : err;
}

err_t mm_space_fork(struct mm_space *parent, bool by_control, struct mm_space **out)
{
    if (!by_control) {
        err_t err = account_may_fork(parent);
        if (err != E_OK)
            return err;
    }
    struct mm_space *c = space_alloc(by_control ? NULL : mm_space_get(parent->account));
    if (!c)
        return E_NOSPACE;
    c->parent = parent->id;
    c->brk_base = parent->brk_base;
    c->brk = parent->brk;
    c->lim.max_vma_bytes = parent->lim.max_vma_bytes; /* limits are inherited */
    c->lim.max_vmas = parent->lim.max_vmas;
    c->lim.max_resident = parent->lim.max_resident;
    c->kmem_budget = parent->kmem_budget;
    err_t err = mm_vmas_may_add(c, parent->vmas.count); /* all or nothing, checked first */
    if (err == E_OK)
        err = space_caps(c);
    for (struct vma *v = vma_first(&parent->vmas); err == E_OK && v; v = vma_next(v)) {
        struct vma *cv = mm_vma_alloc();
        if (!cv) {
            err = E_NOMEM;
            break;
        }
        cv->start = v->start;
        cv->end = v->end;
        cv->prot = v->prot;
        cv->flags = v->flags;
        cv->backing = v->backing;
        cv->backing_off = v->backing_off;
        if (cv->backing)
            mm_backing_get(cv->backing);
        err = mm_vma_insert(c, cv);
        if (err != E_OK) {
            mm_vma_release_cb(NULL, cv);
            break;
        }
        /* (A shared file VMA needs nothing: its pages are the file's, and
         * both spaces fault them in from the file server.) */
        if (err == E_OK && (v->flags & VMA_F_SHARED) && !v->backing)
            err = fill_shared(parent, v);
        uint64_t va = v->start;
        while (err == E_OK && va < v->end) {
            uint64_t leaf, pa;
            int64_t f = sys_query_next(parent->task, va, v->end, &leaf, &pa);
            if (f <= 0)
                break;
            err = fork_leaf(parent, c, cv, leaf, pa, (uint64_t)f);
            va = leaf + (((uint64_t)f & MAP_SIZE_MASK) == MAP_SIZE_2M ? MEGA : PAGE);
        }
    }
    if (err != E_OK) {
        mm_space_destroy(c);
        return err;
    }
    *out = c;
    return E_OK;
}

/* Unmaps and releases every leaf in [start, end); a 2 MiB leaf that
 * straddles an edge is first split into 4 KiB leaves. */
static err_t release_leaves(struct mm_space *s, uint64_t start, uint64_t end)
{
    uint64_t va = start;
    while (va < end) {
        uint64_t leaf, pa;
        int64_t f = sys_query_next(s->task, va, end, &leaf, &pa);
        if (f <= 0)
            return E_OK;
        bool big = ((uint64_t)f & MAP_SIZE_MASK) == MAP_SIZE_2M;
        uint64_t size = big ? MEGA : PAGE;
        if (big && (leaf < start || leaf + size > end)) {
            /* Keep the pages outside the range: split, then go on with
             * the 4 KiB leaves inside it. */
            err_t err = mm_split_superpage(s, leaf, pa, (uint64_t)f);
            if (err != E_OK)
                return err;
            va = leaf > start ? leaf : start;
            continue;
        }
        if (sys_unmap(s->task, leaf) < 0)
            return E_INVAL;
        mm_resident_drop(s, pa, size / PAGE);
        mm_unref_leaf(pa, (uint64_t)f);
        va = leaf + size;
    }
    return E_OK;
}

/* Splits at addr with the spare node; the new piece shares the backing. */
static void split_counted(struct mm_space *s, uint64_t addr, struct vma *spare)
{
    if (!vma_split_at(&s->vmas, addr, spare)) {
        mm_vma_free(spare);
        return;
    }
    if (spare->backing)
        mm_backing_get(spare->backing);
}

/* True when a VMA contains addr strictly inside (a split there makes one
 * more VMA). */
static bool splits_at(const struct mm_space *s, uint64_t addr)
{
    const struct vma *v = vma_find(&s->vmas, addr);
    return v && v->start < addr;
}

/* A 2 MiB leaf that straddles addr is split into 4 KiB leaves (the same
 * frames and flags: nothing a program can see changes), so later steps at
 * addr never need a page-table page. E_NOMEM (kernel memory): the leaf is
 * as it was. */
static err_t split_leaf_at(struct mm_space *s, uint64_t addr)
{
    if (addr % MEGA == 0)
        return E_OK;
    uint64_t base = addr & ~(MEGA - 1), pa;
    int64_t f = sys_query(s->task, base, &pa);
    if (f <= 0 || ((uint64_t)f & MAP_SIZE_MASK) != MAP_SIZE_2M)
        return E_OK;
    return mm_split_superpage(s, base, pa & ~(MEGA - 1), (uint64_t)f);
}

err_t mm_unmap_range(struct mm_space *s, uint64_t start, uint64_t end)
{
    /* A hole inside one VMA makes one more: within the space's limits. */
    const struct vma *in = vma_find(&s->vmas, start);
    if (in && in->start < start && in->end > end && mm_vmas_may_add(s, 1) != E_OK)
        return E_NOMEM;
    /* Leaves straddling the edges are split before anything goes, so a
     * failure leaves the space as it was. */
    err_t err = split_leaf_at(s, start);
    if (err == E_OK)
        err = split_leaf_at(s, end);
    if (err != E_OK)
        return err;
    /* Split VMAs at both ends first (two spare nodes at most). */
    struct vma *spare_lo = mm_vma_alloc(), *spare_hi = mm_vma_alloc();
    if (!spare_lo || !spare_hi) {
        if (spare_lo)
            mm_vma_free(spare_lo);
        if (spare_hi)
            mm_vma_free(spare_hi);
        return E_NOMEM;
    }
    split_counted(s, start, spare_lo);
    split_counted(s, end, spare_hi);
    /* Shared file pages reach their file before they go (munmap = msync). */
    for (struct vma *v = vma_first_ending_after(&s->vmas, start); v && v->start < end;
         v = vma_next(v))
        if (v->backing && (v->flags & VMA_F_SHARED))
            (void)mm_backing_sync(v->backing);
    err = release_leaves(s, start, end);
    struct vma *v = vma_first_ending_after(&s->vmas, start);
    while (v && v->start < end) {
        struct vma *next = vma_next(v);
        mm_vma_drop(s, v);
        v = next;
    }
    return err;
}

err_t mm_protect_range(struct mm_space *s, uint64_t start, uint64_t end, unsigned prot)
{
    /* A PTE cannot say "no access" while keeping the page: refuse PROT_NONE
     * rather than silently leaving the memory readable. */
    if (!(prot & (VMA_PROT_R | VMA_PROT_X)))
        return E_INVAL;
    /* The whole range must be mapped. */
    uint64_t covered = start;
    for (struct vma *v = vma_first_ending_after(&s->vmas, start); v && v->start < end;
         v = vma_next(v)) {
        if (v->start > covered)
            return E_NOENT;
        covered = v->end;
        /* Writes to a shared file mapping reach the file: only with a
         * capability that allows it. */
        if (v->backing && (v->flags & VMA_F_SHARED) && (prot & VMA_PROT_W) &&
            !mm_backing_writable(v->backing))
            return E_PERM;
    }
    if (covered < end)
        return E_NOENT;
    /* Everything that can fail comes before the first change: the new
     * VMAs within the space's limits, the spare nodes, and the split of
     * 2 MiB leaves straddling the edges (the only step that needs kernel
     * memory). After that, changing PTEs that exist cannot fail. */
    uint64_t more = (uint64_t)splits_at(s, start) + (uint64_t)splits_at(s, end);
    if (more && mm_vmas_may_add(s, more) != E_OK)
        return E_NOMEM;
    struct vma *spare_lo = mm_vma_alloc(), *spare_hi = mm_vma_alloc();
    err_t err = spare_lo && spare_hi ? E_OK : E_NOMEM;
    if (err == E_OK)
        err = split_leaf_at(s, start);
    if (err == E_OK)
        err = split_leaf_at(s, end);
    if (err != E_OK) {
        if (spare_lo)
            mm_vma_free(spare_lo);
        if (spare_hi)
            mm_vma_free(spare_hi);
        return err;
    }
    split_counted(s, start, spare_lo);
    split_counted(s, end, spare_hi);
    for (struct vma *v = vma_first_ending_after(&s->vmas, start); v && v->start < end;
         v = vma_next(v))
        v->prot = prot;
    /* Existing PTEs follow: fewer rights at once; more rights (W) only for
     * pages that are not copy-on-write shared (they get W on their fault). */
    uint64_t va = start;
    while (va < end) {
        uint64_t leaf, pa;
        int64_t f = sys_query_next(s->task, va, end, &leaf, &pa);
        if (f <= 0)
            break;
        unsigned size = (unsigned)f & MAP_SIZE_MASK; /* a 2 MiB leaf here lies inside */
        struct vma tmp = {.prot = prot};
        unsigned want = mm_pte_flags_for(&tmp);
        if (f & MAP_SW0) /* shared: stays read-only until its COW fault */
            want = (want & ~(unsigned)(MAP_W | MAP_SW1)) | MAP_SW0 |
                   (prot & VMA_PROT_W ? 0 : MAP_SW1);
        int64_t r;
        if ((want & MAP_W) && !(f & MAP_W) && !frames_contains(&mm.frames, pa))
            /* A shared file page mapped read-only: its frame capability had
             * no write right. Unmapped, the next fault asks for a writable one. */
            r = sys_unmap(s->task, leaf);
        else if ((want & MAP_W) && !(f & MAP_W))
            r = mm_map(s, leaf, pa, want | size | MAP_REPLACE);
        else
            r = sys_protect(s->task, leaf, want);
        if (r < 0) /* cannot happen: nothing above allocates */
            sys_printf("mm: BUG: mprotect of 0x%lx in space %u: %s\n", leaf, s->id,
                       err_name((err_t)r));
        va = leaf + (size == MAP_SIZE_2M ? MEGA : PAGE);
    }
    for (struct vma *v = vma_find(&s->vmas, start); v;) {
        struct vma *m = vma_merge_around(&s->vmas, v, mm_vma_release_cb, NULL);
        v = m->end < end ? vma_next(m) : NULL;
    }
    return E_OK;
}

void mm_trim_backing(uint64_t backing, uint64_t size)
{
    uint64_t end_off = (size + PAGE - 1) & ~(PAGE - 1); /* first page wholly past the end */
    for (uint32_t i = 0; i < MM_MAX_SPACES; i++) {
        struct mm_space *s = &mm.spaces[i];
        if (!s->used || !s->task)
            continue;
        for (struct vma *v = vma_first_ending_after(&s->vmas, 0); v; v = vma_next(v)) {
            if (v->backing != backing || v->backing_off + (v->end - v->start) <= end_off)
                continue;
            uint64_t from = end_off > v->backing_off ? v->start + (end_off - v->backing_off)
                                                     : v->start;
            /* Private copies go too: past the end there is nothing to map. */
            (void)release_leaves(s, from, v->end);
        }
    }
}

void mm_space_destroy(struct mm_space *s)
{
    /* An account's spaces go with it: the spaces a process forked itself
     * (MM_OP_FORK) are its own, and nobody else knows them. Other
     * orphans go to the destroyed space's parent (as processes go to
     * init), so whoever is left can still destroy them. */
    for (uint32_t i = 0; i < MM_MAX_SPACES; i++) {
        struct mm_space *o = &mm.spaces[i];
        if (!o->used || o == s)
            continue;
        if (o->parent == s->id)
            o->parent = s->parent;
        if (s->account == s->id && o->account == s->id) {
            o->account = 0; /* uncharged: s's count is going */
            mm_space_destroy(o);
        }
    }
    struct mm_space *acct = s->account != s->id ? mm_space_get(s->account) : NULL;
    if (acct && acct->lim.spaces > 0)
        acct->lim.spaces--;
    mm_backings_disown(s);
    /* Its charge goes whole: the frames' owner tags name a space that no
     * longer exists, and tags are never reused, so the per-page drops can
     * be skipped (they would cost every exit a look at every page). */
    s->lim.resident = 0;
    if (s->task) {
        (void)release_leaves(s, USER_FIRST, USER_TOP);
        (void)sys_cap_delete(s->task);
    }
    if (s->pager_ep)
        (void)sys_cap_delete(s->pager_ep);
    if (s->client_ep)
        (void)sys_cap_delete(s->client_ep);
    if (s->death_ntfn)
        (void)sys_cap_delete(s->death_ntfn);
    struct vma *v;
    while ((v = vma_first(&s->vmas)) != NULL)
        mm_vma_drop(s, v);
    s->used = false;
}
