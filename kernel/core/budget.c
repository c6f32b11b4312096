/* Kernel-memory budgets and ownership (see kernel/budget.h). */
#include <kernel/budget.h>
#include <kernel/object.h>
#include <kernel/panic.h>
#include <kernel/task.h>

err_t budget_charge(struct task *t, uint64_t bytes)
{
    if (bytes > t->budget || t->used > t->budget - bytes)
        return E_NOMEM;
    t->used += bytes;
    return E_OK;
}

void budget_uncharge(struct task *t, uint64_t bytes)
{
    if (bytes > t->used)
        panic("task %u: uncharging %lu bytes of %lu charged", t->id, bytes, t->used);
    t->used -= bytes;
}

void budget_own(struct task *owner, struct object *o, uint64_t bytes)
{
    o->owner = owner;
    o->charge = bytes;
    if (!owner)
        return;
    obj_get(&owner->hdr);
    o->owned_prev = NULL;
    o->owned_next = owner->owned;
    if (owner->owned)
        owner->owned->owned_prev = o;
    owner->owned = o;
}

struct task *budget_disown(struct object *o)
{
    struct task *owner = o->owner;
    if (!owner)
        return NULL;
    if (o->owned_prev)
        o->owned_prev->owned_next = o->owned_next;
    else
        owner->owned = o->owned_next;
    if (o->owned_next)
        o->owned_next->owned_prev = o->owned_prev;
    o->owner = NULL;
    budget_uncharge(owner, o->charge);
    obj_put(&owner->hdr);
    return owner;
}

void budget_end_owned(struct task *owner)
{
    /* Nothing here frees an object (destruction waits for obj_reap), so
     * the list stays intact while we walk it. */
    for (struct object *o = owner->owned; o; o = o->owned_next)
        obj_owner_ended(o);
}
