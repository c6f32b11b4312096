/* Capability tables and the derivation tree (see kernel/cap.h). */
#include <arch/mmu.h>
#include <kernel/cap.h>
#include <kernel/ipc.h>
#include <kernel/klib.h>
#include <kernel/kmem.h>
#include <kernel/task.h>

err_t cspace_init(struct cspace *cs, uint32_t nslots)
{
    if (nslots == 0 || nslots > CSPACE_MAX_SLOTS)
        return E_INVAL;
    uint64_t npages = ALIGN_UP((uint64_t)nslots * sizeof(struct cap), PAGE_SIZE) / PAGE_SIZE;
    paddr_t pa;
    err_t err = pmm_alloc(&kernel_pmm, npages, 1, &pa);
    if (err != E_OK)
        return err;
    cs->slots = phys_to_virt(pa);
    memset(cs->slots, 0, npages * PAGE_SIZE);
    cs->nslots = nslots;
    return E_OK;
}

void cspace_destroy(struct cspace *cs)
{
    if (!cs->slots)
        return;
    for (uint32_t i = 1; i < cs->nslots; i++)
        if (cs->slots[i].type != CAP_NONE)
            cap_delete(&cs->slots[i]);
    uint64_t npages =
        ALIGN_UP((uint64_t)cs->nslots * sizeof(struct cap), PAGE_SIZE) / PAGE_SIZE;
    err_t err = pmm_free(&kernel_pmm, virt_to_phys(cs->slots), npages);
    (void)err; /* the table came from pmm_alloc: cannot fail */
    cs->slots = NULL;
    cs->nslots = 0;
}

err_t cap_lookup(struct cspace *cs, uint32_t h, unsigned type, unsigned rights,
                 struct cap **out)
{
    if (h == 0 || h >= cs->nslots)
        return E_BADH;
    struct cap *c = &cs->slots[h];
    if (c->type == CAP_NONE || (type != CAP_NONE && c->type != type))
        return E_BADH;
    if ((c->rights & rights) != rights)
        return E_PERM;
    *out = c;
    return E_OK;
}

err_t cap_free_slot(struct cspace *cs, uint32_t *h)
{
    for (uint32_t i = 1; i < cs->nslots; i++) {
        if (cs->slots[i].type == CAP_NONE) {
            *h = i;
            return E_OK;
        }
    }
    return E_NOSPACE;
}

static void link_child(struct cap *parent, struct cap *c)
{
    c->parent = parent;
    c->prev_sibling = NULL;
    c->next_sibling = parent ? parent->first_child : NULL;
    if (parent) {
        if (parent->first_child)
            parent->first_child->prev_sibling = c;
        parent->first_child = c;
    }
}

static void unlink_from_parent(struct cap *c)
{
    if (c->prev_sibling)
        c->prev_sibling->next_sibling = c->next_sibling;
    else if (c->parent)
        c->parent->first_child = c->next_sibling;
    if (c->next_sibling)
        c->next_sibling->prev_sibling = c->prev_sibling;
    c->parent = c->prev_sibling = c->next_sibling = NULL;
}

void cap_install(struct cap *dst, unsigned type, unsigned rights, struct object *obj,
                 uint64_t pa, uint64_t len)
{
    memset(dst, 0, sizeof(*dst));
    dst->type = (uint8_t)type;
    dst->rights = (uint8_t)rights;
    dst->obj = obj;
    dst->pa = pa;
    dst->len = len;
    if (obj) {
        obj_get(obj);
        obj->ncaps++;
        if (obj->type == CAP_TASK) {
            struct task *t = container_of(obj, struct task, hdr);
            if (task_owns_slot(t, dst))
                t->self_caps++;
        }
    }
}

void cap_derive(struct cap *dst, struct cap *src, unsigned rights, uint64_t badge)
{
    cap_install(dst, src->type, src->rights & rights, src->obj, src->pa, src->len);
    dst->badge = src->badge ? src->badge : badge;
    link_child(src, dst);
}

void cap_delete(struct cap *c)
{
    if (c->type == CAP_REPLY)
        ipc_reply_cap_deleted(c);
    /* Children move up to c's parent (or become roots). */
    struct cap *child = c->first_child;
    while (child) {
        struct cap *next = child->next_sibling;
        link_child(c->parent, child);
        child = next;
    }
    c->first_child = NULL;
    unlink_from_parent(c);
    struct object *obj = c->obj;
    bool outside = true;
    if (obj && obj->type == CAP_TASK) {
        struct task *t = container_of(obj, struct task, hdr);
        outside = !task_owns_slot(t, c);
        if (!outside)
            t->self_caps--;
    }
    memset(c, 0, sizeof(*c));
    if (obj) {
        if (--obj->ncaps == 0)
            obj_last_cap_gone(obj);
        if (obj->type == CAP_TASK && outside) {
            struct task *t = container_of(obj, struct task, hdr);
            if (obj->ncaps == t->self_caps)
                task_take_down_later(t); /* the last one from outside */
        }
        obj_put(obj);
    }
}

uint64_t cap_revoke(struct cap *c)
{
    uint64_t n = 0;
    /* Delete leaves first: walk down to a childless descendant each time. */
    while (c->first_child) {
        struct cap *d = c->first_child;
        while (d->first_child)
            d = d->first_child;
        cap_delete(d);
        n++;
    }
    return n;
}
