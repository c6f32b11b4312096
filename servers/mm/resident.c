/*
 * Resident memory per space (mm.h): so that one process cannot take all of
 * RAM and have every other process's next fault end in "out of memory".
 * Each frame of mm's RAM records the space charged for it: the space whose
 * fault (zero fill, copy-on-write copy) or request (a write into it, a
 * shared mapping filled) allocated it. The charge lasts while that space
 * maps the frame; when it unmaps it (munmap, a copy replacing it, its end)
 * the charge goes, even if a forked copy still maps the frame: that copy's
 * own writes are charged to it. Frames name spaces by a tag no other space
 * ever gets, so a frame still naming an ended space is charged to nobody.
 */
#include "mm.h"

#define PAGE 4096ul

static uint64_t page_index(uint64_t pa)
{
    return (pa - mm.frames.base_pa) / PAGE;
}

void mm_resident_drop(struct mm_space *s, uint64_t pa, uint64_t npages)
{
    if (!s || s->lim.resident == 0 || !frames_contains(&mm.frames, pa))
        return; /* nothing charged to it (a fresh fork), or a file page */
    for (uint64_t i = 0; i < npages; i++) {
        uint32_t *owner = &mm.frame_owner[page_index(pa) + i];
        if (*owner != s->tag)
            continue;
        *owner = 0;
        s->lim.resident--;
    }
}

