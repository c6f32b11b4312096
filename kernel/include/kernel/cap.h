/*
 * Capability tables. Each task has a fixed-size table of slots; a handle is
 * a slot index (0 is never valid). A capability names an object (or, for
 * frames, a physical range) with rights and a badge.
 *
 * Derivation: every copy made from a capability (CAP_COPY, CAP_GRANT, IPC
 * transfer) is its child; revoke deletes all descendants. Deleting a
 * capability hands its children to its parent, so revoking an ancestor
 * still reaches them. Invariant: parent/child/sibling links only join
 * occupied slots.
 */
#pragma once

#include <kernel/object.h>
#include <kernel/types.h>

#include <mica/caps.h>

struct task;

struct cap {
    uint8_t type;   /* enum cap_type; CAP_NONE = empty slot */
    uint8_t rights; /* RIGHT_* */
    uint16_t _pad0;
    uint32_t _pad1;
    uint64_t badge;      /* endpoints and notifications */
    struct object *obj;  /* NULL for frames and IRQ control */
    uint64_t pa, len;    /* frames: the physical range */
    struct cap *parent, *first_child, *next_sibling, *prev_sibling;
};

struct cspace {
    struct cap *slots;
    uint32_t nslots;
};

#define CSPACE_DEFAULT_SLOTS 256
#define CSPACE_MAX_SLOTS 4096

/* Allocates a zeroed table of nslots (1..CSPACE_MAX_SLOTS). */
WARN_UNUSED err_t cspace_init(struct cspace *cs, uint32_t nslots);

/* Deletes every capability and frees the table. */
void cspace_destroy(struct cspace *cs);

/* Finds handle h in cs; it must be of `type` (CAP_NONE: any) and hold all
 * of `rights`. E_BADH: no such capability or another type; E_PERM: rights. */
WARN_UNUSED err_t cap_lookup(struct cspace *cs, uint32_t h, unsigned type,
                             unsigned rights, struct cap **out);

/* Lowest free handle >= 1. E_NOSPACE when the table is full. */
WARN_UNUSED err_t cap_free_slot(struct cspace *cs, uint32_t *h);

/* Fills the empty slot `dst` as a copy of src with `rights` (a subset of
 * src's) and `badge` (only if src is unbadged; else src's badge is kept).
 * The copy becomes src's child and takes a reference on the object. */
void cap_derive(struct cap *dst, struct cap *src, unsigned rights, uint64_t badge);

/* Fills the empty slot `dst` with a new root capability (no parent);
 * takes a reference on obj if it is not NULL. */
void cap_install(struct cap *dst, unsigned type, unsigned rights, struct object *obj,
                 uint64_t pa, uint64_t len);

/* Empties the slot: children move to its parent, the object loses a ref. */
void cap_delete(struct cap *c);

/* Deletes every descendant of c; returns how many. */
uint64_t cap_revoke(struct cap *c);

static inline uint32_t cap_handle(const struct cspace *cs, const struct cap *c)
{
    return (uint32_t)(c - cs->slots);
}
