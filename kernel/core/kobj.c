/* Size-class slab allocator for kernel objects (see kernel/kobj.h). */
#include <arch/mmu.h>
#include <kernel/budget.h>
#include <kernel/klib.h>
#include <kernel/kmem.h>
#include <kernel/kobj.h>
#include <kernel/panic.h>
#include <kernel/task.h>

/* The first bytes of every slab page: how many of its objects are live.
 * Objects follow at SLAB_HEADER, so a 2048-byte class holds one a page. */
struct slab {
    uint32_t live;
};
#define SLAB_HEADER 64

/* Free objects of a class, doubly linked so a page that empties can take
 * its objects off the list. */
struct free_obj {
    struct free_obj *next, *prev;
};

static struct kobj_slabs kernel_slabs; /* objects made at boot */
static uint64_t bytes_in_use;

static int size_class(uint64_t len)
{
    for (int c = 0; c < KOBJ_CLASSES; c++)
        if (len <= (64ul << c))
            return c;
    return -1;
}

static struct kobj_slabs *slabs_of(struct task *payer)
{
    return payer ? &payer->slabs : &kernel_slabs;
}

static struct slab *slab_of(void *obj)
{
    return (struct slab *)ALIGN_DOWN((uintptr_t)obj, PAGE_SIZE);
}

static void push(struct kobj_slabs *s, int c, struct free_obj *o)
{
    o->prev = NULL;
    o->next = s->free[c];
    if (o->next)
        o->next->prev = o;
    s->free[c] = o;
}

static void unlink(struct kobj_slabs *s, int c, struct free_obj *o)
{
    if (o->prev)
        o->prev->next = o->next;
    else
        s->free[c] = o->next;
    if (o->next)
        o->next->prev = o->prev;
}

void *kobj_alloc(struct task *payer, uint64_t len)
{
    int c = size_class(len);
    if (c < 0)
        return NULL;
    uint64_t size = 64ul << c;
    struct kobj_slabs *s = slabs_of(payer);
    if (!s->free[c]) {
        if (payer && budget_charge(payer, PAGE_SIZE) != E_OK)
            return NULL;
        paddr_t pa;
        if (kmem_alloc_page(&pa) != E_OK) {
            if (payer)
                budget_uncharge(payer, PAGE_SIZE);
            return NULL;
        }
        uint8_t *page = phys_to_virt(pa);
        for (uint64_t off = SLAB_HEADER; off + size <= PAGE_SIZE; off += size)
            push(s, c, (struct free_obj *)(page + off));
    }
    struct free_obj *o = s->free[c];
    unlink(s, c, o);
    slab_of(o)->live++;
    memset(o, 0, size);
    bytes_in_use += size;
    return o;
}

void kobj_free(struct task *payer, void *obj, uint64_t len)
{
    int c = size_class(len);
    uint64_t size = 64ul << c;
    struct kobj_slabs *s = slabs_of(payer);
    push(s, c, obj);
    bytes_in_use -= size;
    struct slab *page = slab_of(obj);
    if (--page->live != 0)
        return;
    /* The page is empty: its objects leave the list, it leaves the payer. */
    for (uint64_t off = SLAB_HEADER; off + size <= PAGE_SIZE; off += size)
        unlink(s, c, (struct free_obj *)((uint8_t *)page + off));
    if (pmm_free(&kernel_pmm, virt_to_phys(page), 1) != E_OK)
        panic("freeing slab page %p", (void *)page);
    if (payer)
        budget_uncharge(payer, PAGE_SIZE);
}

uint64_t kobj_bytes_in_use(void)
{
    return bytes_in_use;
}
