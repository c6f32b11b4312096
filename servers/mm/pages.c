/*
 * Frame contents and mappings: zeroing and copying pages through mm's
 * window onto its RAM, installing PTEs in client spaces, and the VMA node
 * pool. mm maps all of its memory eagerly at start, so none of this faults.
 */
#include <sys/mica.h>

#include <proto/mm.h>

#include "mm.h"

#define PAGE 4096ul
#define MEGA (2ul << 20)

void mm_zero_page(uint64_t pa)
{
    /* Eight stores per iteration: zeroing dominates a zero-fill fault. */
    uint64_t *p = mm_page_ptr(pa);
    for (int i = 0; i < 512; i += 8) {
        p[i] = 0;
        p[i + 1] = 0;
        p[i + 2] = 0;
        p[i + 3] = 0;
        p[i + 4] = 0;
        p[i + 5] = 0;
        p[i + 6] = 0;
        p[i + 7] = 0;
    }
}

void mm_copy_page(uint64_t dst_pa, uint64_t src_pa)
{
    uint64_t *d = mm_page_ptr(dst_pa);
    const uint64_t *s = mm_page_ptr(src_pa);
    for (int i = 0; i < 512; i += 4) {
        d[i] = s[i];
        d[i + 1] = s[i + 1];
        d[i + 2] = s[i + 2];
        d[i + 3] = s[i + 3];
    }
}

int64_t mm_map(struct mm_space *s, uint64_t va, uint64_t pa, unsigned map_flags)
{
    return sys_map(s->task, va, MM_SLOT_RAM, pa - mm.ram_pa, map_flags);
}

unsigned mm_pte_flags_for(const struct vma *v)
{
    unsigned f = 0;
    if (v->prot & VMA_PROT_R)
        f |= MAP_R;
    if (v->prot & VMA_PROT_W)
        f |= MAP_R | MAP_W;
    if (v->prot & VMA_PROT_X)
        f |= MAP_X;
    if (!(v->prot & VMA_PROT_W))
        f |= MAP_SW1; /* READONLY: read-only in its own right */
    if (!(f & (MAP_R | MAP_X)))
        f |= MAP_R; /* PROT_NONE cannot be a PTE; such VMAs never map (policy) */
    return f;
}

err_t mm_split_superpage(struct mm_space *s, uint64_t leaf_va, uint64_t pa, uint64_t flags)
{
    if (sys_unmap(s->task, leaf_va) < 0)
        return E_INVAL;
    unsigned small = (unsigned)flags & (MAP_R | MAP_W | MAP_X | MAP_SW0 | MAP_SW1);
    for (uint64_t off = 0; off < MEGA; off += PAGE) {
        if (mm_map(s, leaf_va + off, pa + off, small) >= 0)
            continue;
        /* No page-table page for the small leaves (the task's kernel memory
         * ran out): put the 2 MiB leaf back as it was, so nothing is lost
         * (its slot needs no new table). */
        for (uint64_t undo = 0; undo < off; undo += PAGE)
            (void)sys_unmap(s->task, leaf_va + undo);
        if (mm_map(s, leaf_va, pa, small | MAP_SIZE_2M) < 0)
            sys_printf("mm: BUG: cannot restore the 2 MiB leaf at 0x%lx\n", leaf_va);
        return E_NOMEM;
    }
    return E_OK;
}

void mm_unref_leaf(uint64_t pa, uint64_t flags)
{
    if (!frames_contains(&mm.frames, pa))
        return; /* a file page: the file server owns it */
    uint64_t npages = (flags & MAP_SIZE_MASK) == MAP_SIZE_2M ? 512 : 1;
    for (uint64_t i = 0; i < npages; i++) {
        int32_t r = frames_unref(&mm.frames, pa + i * PAGE);
        if (r < 0)
            sys_printf("mm: BUG: unref of frame 0x%lx: %s\n", pa + i * PAGE,
                       err_name((err_t)r));
    }
}

/* VMA nodes: a free list threaded through a static array. */
static struct vma vma_pool[MM_MAX_VMAS];
static struct vma *vma_free_list;
static bool vma_pool_ready;
static uint64_t vma_nfree = MM_MAX_VMAS;

struct vma *mm_vma_alloc(void)
{
    if (!vma_pool_ready) {
        for (int i = MM_MAX_VMAS - 1; i >= 0; i--) {
            vma_pool[i].left = vma_free_list;
            vma_free_list = &vma_pool[i];
        }
        vma_pool_ready = true;
    }
    struct vma *v = vma_free_list;
    if (v) {
        vma_free_list = v->left;
        memset(v, 0, sizeof(*v));
        vma_nfree--;
    }
    return v;
}

void mm_vma_free(struct vma *v)
{
    v->left = vma_free_list;
    vma_free_list = v;
    vma_nfree++;
}

uint64_t mm_vma_free_count(void)
{
    return vma_nfree;
}

err_t mm_vmas_may_add(const struct mm_space *s, uint64_t n)
{
    err_t err = limits_may_take(s->vmas.count, n, vma_nfree, s->lim.max_vmas, MM_FAIR_VMAS,
                                MM_RESERVE_VMAS);
    return err == E_OK ? E_OK : E_NOMEM; /* mmap, brk, mprotect: ENOMEM */
}

err_t mm_vma_insert(struct mm_space *s, struct vma *v)
{
    err_t err = vma_insert(&s->vmas, v);
    if (err == E_OK)
        s->lim.vma_bytes += v->end - v->start;
    return err;
}

void mm_vma_release_cb(void *ctx, struct vma *v)
{
    (void)ctx;
    if (v->backing)
        mm_backing_put(v->backing); /* merged into a neighbour with the same backing */
    mm_vma_free(v);
}
