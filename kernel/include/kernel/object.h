/*
 * Common header of reference-counted kernel objects. A reference is held
 * by every capability naming the object and by kernel links documented at
 * each type (a thread holds its task, a bound IRQ holds its notification).
 * When the count drops to zero the object is queued and destroyed at the
 * end of the current kernel entry (obj_reap), never recursively, so long
 * chains of objects cannot overflow the kernel stack.
 */
#pragma once

#include <kernel/types.h>

#include <mica/caps.h>

struct task;

struct object {
    uint32_t refs;         /* capabilities + kernel links */
    uint32_t ncaps;        /* capabilities alone */
    uint8_t type;          /* enum cap_type */
    uint8_t _pad[7];
    struct object *reap_next;
    /* Ownership (kernel/budget.h): the task whose budget paid `charge`
     * bytes for this object (NULL: made at boot), linked in its list. The
     * object holds a reference on its owner. */
    struct task *owner;
    struct object *owned_next, *owned_prev;
    uint64_t charge;
};

/* The last capability naming o went away (o may still be referenced by
 * the kernel). A thread with no capability left is killed: nothing could
 * ever control it again. */
void obj_last_cap_gone(struct object *o);

/* The task that paid for o was taken down (kernel/budget.h): a thread is
 * killed, a task taken down, an endpoint or notification dead. */
void obj_owner_ended(struct object *o);

static inline void obj_get(struct object *o)
{
    o->refs++;
}

/* Drops a reference; at zero the object is queued for destruction. */
void obj_put(struct object *o);

/* Destroys every queued object (and whatever that frees in turn). */
void obj_reap(void);
