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

struct object {
    uint32_t refs;
    uint8_t type;          /* enum cap_type */
    uint8_t _pad[3];
    struct object *reap_next;
};

static inline void obj_get(struct object *o)
{
    o->refs++;
}

/* Drops a reference; at zero the object is queued for destruction. */
void obj_put(struct object *o);

/* Destroys every queued object (and whatever that frees in turn). */
void obj_reap(void);
