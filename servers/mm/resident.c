/*
 * Resident memory per space (mm.h): so that one process cannot take all of
 * RAM and have every other process's next fault end in "out of memory".
 * Each frame of mm's RAM records the space charged for it: the space whose
 * fault (zero fill, copy-on-write copy) or request (a write into it, a
 * shared mapping filled) allocated it. The charge lasts while that space
 * maps the frame; when it unmaps it (munmap, a copy replacing it, its end)
 * the charge goes, even if a forked copy still maps the frame: that copy's
 * own writes are charged to it. A space id is reused only after its space
 * unmapped everything, so no frame names a space that is not its owner.
 */
#include "mm.h"

#define PAGE 4096ul

static uint64_t page_index(uint64_t pa)
{
    return (pa - mm.frames.base_pa) / PAGE;
}

bool mm_resident_may_add(const struct mm_space *s, uint64_t npages)
{
    return s->lim.resident + npages <= s->lim.max_resident;
}

void mm_resident_charge(struct mm_space *s, uint64_t pa, uint64_t npages)
{
    for (uint64_t i = 0; i < npages; i++)
        mm.frame_owner[page_index(pa) + i] = (uint16_t)s->id;
    s->lim.resident += npages;
}

void mm_resident_drop(struct mm_space *s, uint64_t pa, uint64_t npages)
{
    if (!s || !frames_contains(&mm.frames, pa))
        return; /* a file page: the file server's */
    for (uint64_t i = 0; i < npages; i++) {
        uint16_t *owner = &mm.frame_owner[page_index(pa) + i];
        if (*owner != s->id)
            continue;
        *owner = 0;
        s->lim.resident--;
    }
}

void mm_resident_forget(struct mm_space *s)
{
    if (s->lim.resident == 0)
        return;
    for (uint64_t i = 0; i < mm.frames.npages; i++)
        if (mm.frame_owner[i] == s->id)
            mm.frame_owner[i] = 0;
    s->lim.resident = 0;
}
