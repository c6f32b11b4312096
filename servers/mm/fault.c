/*
 * Page faults of the spaces mm serves: the decision comes from policy.c;
 * this file carries it out (zero-fill, copy-on-write copy or re-enable) or
 * reports the illegal access and lets the thread die.
 */
#include <sys/ipc.h>
#include <sys/mica.h>

#include <proto/mm.h>

#include "mm.h"
#include "policy.h"

_Static_assert(POLICY_PTE_R == MAP_R && POLICY_PTE_W == MAP_W && POLICY_PTE_X == MAP_X &&
                   POLICY_PTE_SHARE == MAP_SW0 && POLICY_PTE_READONLY == MAP_SW1 &&
                   POLICY_PTE_PRESENT == MAP_PRESENT,
               "policy.h mirrors the kernel's MAP_* bits");

#define PAGE 4096ul

static const char *access_name(unsigned access)
{
    return access == FAULT_ACCESS_WRITE ? "write" : access == FAULT_ACCESS_EXEC ? "execute" : "read";
}

static bool kill_why(struct mm_space *s, uint64_t addr, unsigned access, uint64_t pc,
                     const char *reason, unsigned why)
{
    if (!s->dead) {
        s->death = why;
        s->death_addr = addr;
        s->death_pc = pc;
    }
    sys_printf("mm: killed a thread of space %u: %s at 0x%lx (pc 0x%lx): %s\n", s->id,
               access_name(access), addr, pc, reason);
    s->dead = true;
    mm.stats.killed++;
    if (s->death_ntfn)
        (void)ntfn_signal(s->death_ntfn);
    return false;
}

/* An illegal access or a failure to serve one: what the process server
 * reports as SIGSEGV. */
static bool kill(struct mm_space *s, uint64_t addr, unsigned access, uint64_t pc,
                 const char *reason)
{
    return kill_why(s, addr, access, pc, reason, MM_DEATH_ILLEGAL);
}

/* Memory (frames or kernel memory) ran out: SIGKILL. */
static bool kill_oom(struct mm_space *s, uint64_t addr, unsigned access, uint64_t pc,
                     const char *reason)
{
    return kill_why(s, addr, access, pc, reason, MM_DEATH_OOM);
}

/* A 2 MiB leaf for the aligned 2 MiB around addr when the VMA covers it,
 * allows superpages, nothing is mapped there yet and a 2 MiB run of frames
 * is free. Returns false to fall back to a 4 KiB page. */
static bool zero_fill_super(struct mm_space *s, const struct vma *v, uint64_t addr)
{
    uint64_t base = addr & ~(MM_SUPERPAGE - 1);
    if ((v->flags & (VMA_F_NOSUPER | VMA_F_SHARED | VMA_F_WIRED)) || base < v->start ||
        base + MM_SUPERPAGE > v->end)
        return false;
    uint64_t leaf, any;
    if (sys_query_next(s->task, base, base + MM_SUPERPAGE, &leaf, &any) != 0)
        return false; /* some 4 KiB pages exist: keep going with small pages */
    uint64_t pa;
    if (!mm_resident_may_add(s, MM_SUPERPAGE / PAGE))
        return false; /* near its limit: a small page may still fit */
    if (frames_alloc_2m(&mm.frames, &pa) != E_OK)
        return false; /* fragmented: small pages still work */
    for (uint64_t off = 0; off < MM_SUPERPAGE; off += PAGE)
        mm_zero_page(pa + off);
    if (mm_map(s, base, pa, mm_pte_flags_for(v) | MAP_SIZE_2M) < 0) {
        for (uint64_t off = 0; off < MM_SUPERPAGE; off += PAGE)
            (void)frames_unref(&mm.frames, pa + off);
        return false;
    }
    mm_resident_charge(s, pa, MM_SUPERPAGE / PAGE);
    mm.stats.super_faults++;
    return true;
}

static bool zero_fill(struct mm_space *s, const struct vma *v, uint64_t addr, unsigned access,
                      uint64_t pc)
{
    if (zero_fill_super(s, v, addr))
        return true;
    uint64_t pa;
    if (!mm_resident_may_add(s, 1))
        return kill_oom(s, addr, access, pc, "over its resident memory limit");
    if (frames_alloc(&mm.frames, &pa) != E_OK)
        return kill_oom(s, addr, access, pc, "out of memory");
    mm_zero_page(pa);
    if (mm_map(s, addr & ~(PAGE - 1), pa, mm_pte_flags_for(v)) < 0) {
        (void)frames_unref(&mm.frames, pa);
        return kill_oom(s, addr, access, pc, "out of kernel memory for page tables");
    }
    mm_resident_charge(s, pa, 1);
    mm.stats.zero_fill++;
    return true;
}

/* A write to a copy-on-write page: copy it, or if nobody else maps the
 * frame any more, just make it writable again. */
/* True when no other space maps any page of the 2 MiB run at pa. */
static bool superpage_exclusive(uint64_t pa)
{
    for (uint64_t off = 0; off < MM_SUPERPAGE; off += PAGE)
        if (frames_count(&mm.frames, pa + off) != 1)
            return false;
    return true;
}

/* f and old: the PTE flags and physical address at addr (SYS_QUERY). */
static bool cow(struct mm_space *s, const struct vma *v, uint64_t addr, unsigned access,
                uint64_t pc, bool copy, int64_t f, uint64_t old)
{
    uint64_t page = addr & ~(PAGE - 1);
    if (f <= 0)
        return kill(s, addr, access, pc, "copy-on-write of a page that vanished");
    if ((f & MAP_SIZE_MASK) == MAP_SIZE_2M) {
        /* A shared superpage: if it is ours alone, write-enable it whole;
         * otherwise split it and copy only the 4 KiB page written. */
        uint64_t base = addr & ~(MM_SUPERPAGE - 1), base_pa = old & ~(MM_SUPERPAGE - 1);
        if (superpage_exclusive(base_pa)) {
            if (!mm_resident_adopt(s, base_pa, MM_SUPERPAGE / PAGE))
                return kill_oom(s, addr, access, pc, "over its resident memory limit");
            if (mm_map(s, base, base_pa, mm_pte_flags_for(v) | MAP_SIZE_2M | MAP_REPLACE) < 0)
                return kill(s, addr, access, pc, "cannot re-enable writing");
            mm.stats.cow_reenable++;
            return true;
        }
        if (mm_split_superpage(s, base, base_pa, (uint64_t)f) != E_OK)
            return kill_oom(s, addr, access, pc, "out of kernel memory splitting a superpage");
        copy = frames_count(&mm.frames, old & ~(PAGE - 1)) > 1;
    }
    old &= ~(PAGE - 1);
    unsigned flags = mm_pte_flags_for(v) | MAP_REPLACE;
    if (!copy) {
        if (!mm_resident_adopt(s, old, 1))
            return kill_oom(s, addr, access, pc, "over its resident memory limit");
        if (mm_map(s, page, old, flags) < 0)
            return kill(s, addr, access, pc, "cannot re-enable writing");
        mm.stats.cow_reenable++;
        return true;
    }
    uint64_t fresh;
    if (!mm_resident_may_add(s, 1))
        return kill_oom(s, addr, access, pc, "over its resident memory limit");
    if (frames_alloc(&mm.frames, &fresh) != E_OK)
        return kill_oom(s, addr, access, pc, "out of memory");
    bool file_page = !frames_contains(&mm.frames, old);
    if (file_page) {
        if (mm_file_copy(v, page, fresh) != E_OK) {
            (void)frames_unref(&mm.frames, fresh);
            return kill_why(s, addr, access, pc, "cannot read the file page to copy",
                            MM_DEATH_BEYOND_EOF);
        }
    } else {
        mm_copy_page(fresh, old);
    }
    if (mm_map(s, page, fresh, flags) < 0) {
        (void)frames_unref(&mm.frames, fresh);
        return kill(s, addr, access, pc, "cannot map the copy");
    }
    mm_resident_charge(s, fresh, 1);
    if (!file_page) {
        mm_resident_drop(s, old, 1);
        (void)frames_unref(&mm.frames, old);
    }
    mm.stats.cow_copy++;
    return true;
}

bool mm_handle_fault(struct mm_space *s, uint64_t addr, unsigned access, uint64_t pc,
                     uint64_t pte)
{
    const struct vma *v = vma_find(&s->vmas, addr);
    unsigned refs = 0;
    int64_t f = 0;
    uint64_t pa = 0;
    if ((pte & MAP_PRESENT) && access == FAULT_ACCESS_WRITE && (pte & MAP_SW0)) {
        /* The frame's count decides copy or re-enable; one query serves both.
         * A file page (not mm's frame) is always copied: the file keeps it. */
        f = sys_query(s->task, addr, &pa);
        if (f > 0)
            refs = frames_contains(&mm.frames, pa) ? frames_count(&mm.frames, pa) : 2;
    }
    enum fault_action a = policy_decide(v, access, pte, refs);
    if (a == FAULT_ZERO_FILL && v->backing) {
        err_t err = mm_file_fault(s, v, addr & ~(PAGE - 1));
        if (err == E_OK)
            return true;
        if (err == E_RANGE)
            return kill_why(s, addr, access, pc, "access beyond the end of the file",
                            MM_DEATH_BEYOND_EOF);
        if (err == E_NOMEM)
            return kill_oom(s, addr, access, pc, "out of memory (page cache full)");
        if (err == E_DEAD)
            return kill_why(s, addr, access, pc, "its file server or pager did not answer",
                            MM_DEATH_BEYOND_EOF);
        /* Whatever else the server said: the page cannot be had, SIGBUS
         * as for an I/O error on a mapped file. */
        sys_printf("mm: file page at 0x%lx of space %u: %s\n", addr, s->id, err_name(err));
        return kill_why(s, addr, access, pc, "the file page could not be had",
                        MM_DEATH_BEYOND_EOF);
    }
    switch (a) {
    case FAULT_ZERO_FILL: return zero_fill(s, v, addr, access, pc);
    case FAULT_COW_COPY: return cow(s, v, addr, access, pc, true, f, pa);
    case FAULT_COW_REENABLE: return cow(s, v, addr, access, pc, false, f, pa);
    case FAULT_RETRY: return true;
    default: return kill(s, addr, access, pc, policy_reason(a));
    }
}
