/*
 * Resident memory per space (mm.h): so that one process cannot take all of
 * RAM and have every other process's next fault end in "out of memory".
 * Each frame of mm's RAM records the space charged for it: the space whose
 * fault (zero fill, copy-on-write copy) or request (a write into it, a
 * shared mapping filled) allocated it. The charge lasts while that space
 * maps the frame; when it unmaps it (munmap, a copy replacing it, its end)
 * the charge goes, even if a forked copy still maps the frame: that copy's
 * own writes are charged to it, and so is a frame it comes to map alone (a
 * copy-on-write fault re-enables writing instead of copying). Frames name spaces by a tag no other space
 * ever gets, so a frame still naming an ended space is charged to nobody.
 */
#include "mm.h"

void mm_resident_drop(struct mm_space *s, uint64_t pa, uint64_t npages)
{
    if (!s || s->lim.resident == 0 || !frames_contains(&mm.frames, pa))
        return; /* nothing charged to it (a fresh fork, or its end), or a file page */
    uint32_t *owner = mm_frame_owner(pa);
    for (uint64_t i = 0; i < npages; i++) {
        if (owner[i] != s->tag)
            continue;
        owner[i] = 0;
        s->lim.resident--;
    }
}

bool mm_resident_adopt_slow(struct mm_space *s, uint64_t pa, uint64_t npages)
{
    if (!frames_contains(&mm.frames, pa))
        return true; /* a file page: the file server's */
    uint32_t *owner = mm_frame_owner(pa);
    uint64_t foreign = 0;
    for (uint64_t i = 0; i < npages; i++)
        foreign += owner[i] != s->tag;
    if (foreign == 0)
        return true;
    if (!mm_resident_may_add(s, foreign))
        return false;
    for (uint64_t i = 0; i < npages; i++)
        owner[i] = s->tag;
    s->lim.resident += foreign;
    return true;
}
