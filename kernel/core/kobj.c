/* Size-class slab allocator for kernel objects (see kernel/kobj.h). */
#include <arch/mmu.h>
#include <kernel/klib.h>
#include <kernel/kmem.h>
#include <kernel/kobj.h>

#define KOBJ_CLASSES 6 /* 64 .. 2048 bytes */

struct free_obj {
    struct free_obj *next;
};

static struct free_obj *free_list[KOBJ_CLASSES];
static uint64_t bytes_in_use;

static int size_class(uint64_t len)
{
    for (int c = 0; c < KOBJ_CLASSES; c++)
        if (len <= (64ul << c))
            return c;
    return -1;
}

void *kobj_alloc(uint64_t len)
{
    int c = size_class(len);
    if (c < 0)
        return NULL;
    uint64_t size = 64ul << c;
    if (!free_list[c]) {
        paddr_t pa;
        if (kmem_alloc_page(&pa) != E_OK)
            return NULL;
        uint8_t *page = phys_to_virt(pa);
        for (uint64_t off = 0; off + size <= PAGE_SIZE; off += size) {
            struct free_obj *o = (struct free_obj *)(page + off);
            o->next = free_list[c];
            free_list[c] = o;
        }
    }
    struct free_obj *o = free_list[c];
    free_list[c] = o->next;
    memset(o, 0, size);
    bytes_in_use += size;
    return o;
}

void kobj_free(void *obj, uint64_t len)
{
    int c = size_class(len);
    struct free_obj *o = obj;
    o->next = free_list[c];
    free_list[c] = o;
    bytes_in_use -= 64ul << c;
}

uint64_t kobj_bytes_in_use(void)
{
    return bytes_in_use;
}
