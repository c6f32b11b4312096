/*
 * File-backed memory: VMAs whose pages come from the file server's page
 * cache. On a fault mm asks the file server (through the file capability
 * the program passed to mmap) for the page and receives a frame capability
 * to the cached page itself: zero copy. Shared mappings map it writable
 * (writes land in the cache; msync/munmap write them back); private ones
 * map it read-only with SHARE, and the first write copies it into one of
 * mm's own frames. mm keeps no capability per page: the mapping is enough,
 * and the file server never takes a page back while the system runs.
 */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/rpc.h>

#include <proto/fs.h>
#include <proto/memobj.h>
#include <proto/mm.h>

#include "mm.h"

/* Calls to file servers and pagers: the memory-object ops on a backing's
 * capability, the TRIM ops on mm's own capability to each file server. */
MEMOBJ_OPS(RPC_STUB)
FS_OPS(RPC_STUB)

/* Every call to a file server (or a pager, or whatever a program passed
 * as a file capability) is bounded by the watchdog: a server that does
 * not answer within MM_CALL_DEADLINE_MS, or is gone, is E_DEAD. */
static int64_t bounded(handle_t ep, struct ipc_msg *m)
{
    int64_t r = mm_bounded_call(ep, m);
    return r == E_BUSY ? E_DEAD : r; /* E_BUSY: the watchdog cancelled it */
}

/* A call on a backing's capability that did not answer in time, or
 * whose server is dead, marks it silent: it is never called again (each
 * later call fails at once with E_DEAD), so a silent pager costs mm one
 * deadline, not one per page. Returns whether r came from a live server. */
static bool file_usable(struct mm_backing *b, int64_t r)
{
    if (r == E_DEAD)
        b->silent = true;
    return r != E_DEAD;
}

#define PAGE 4096ul
#define SCRATCH_VA 0x2f00000000ul /* where mm maps a file page to copy it */

static int64_t backing_info(struct mm_backing *b, struct memobj_info_rep *info);

static uint32_t backings_used(void)
{
    uint32_t n = 0;
    for (int i = 0; i < MM_MAX_BACKINGS; i++)
        n += mm.backings[i].used;
    return n;
}

err_t mm_backing_may_add(const struct mm_space *s)
{
    err_t err = limits_may_take(s->lim.backings, 1, MM_MAX_BACKINGS - backings_used(),
                                MM_LIMIT_BACKINGS, MM_FAIR_BACKINGS, MM_RESERVE_BACKINGS);
    return err == E_OK ? E_OK : E_NOMEM;
}

void mm_backings_disown(const struct mm_space *s)
{
    for (int i = 0; i < MM_MAX_BACKINGS; i++)
        if (mm.backings[i].used && mm.backings[i].owner == s->id)
            mm.backings[i].owner = 0;
}

int64_t mm_backing_add(struct mm_space *s, handle_t file)
{
    err_t err = mm_backing_may_add(s);
    if (err != E_OK)
        return err;
    for (int i = 0; i < MM_MAX_BACKINGS; i++) {
        struct mm_backing *b = &mm.backings[i];
        if (b->used)
            continue;
        *b = (struct mm_backing){.used = true, .file = file, .refs = 1};
        /* Asking also proves the capability names a file server's file:
         * anything else answers with an error (or, bounded by the
         * watchdog, not at all: E_DEAD). */
        struct memobj_info_rep info;
        int64_t r = backing_info(b, &info);
        if (r < 0) {
            b->used = false;
            return r == E_NOSYS || r == E_BADH ? E_INVAL : r;
        }
        b->writable = info.writable != 0;
        b->owner = s->id;
        s->lim.backings++;
        return i + 1;
    }
    return E_NOMEM;
}

bool mm_backing_writable(uint64_t id)
{
    return id && id <= MM_MAX_BACKINGS && mm.backings[id - 1].used &&
           mm.backings[id - 1].writable;
}

static struct mm_backing *backing(uint64_t id)
{
    if (id == 0 || id > MM_MAX_BACKINGS || !mm.backings[id - 1].used)
        return NULL;
    return &mm.backings[id - 1];
}

void mm_backing_get(uint64_t id)
{
    struct mm_backing *b = backing(id);
    if (b)
        b->refs++;
}

bool mm_file_release(handle_t file)
{
    return memobj_release_call_ex(bounded, file, &(struct proto_none){}, &(struct proto_none){},
                                  NULL, NULL) != E_DEAD;
}

/* The memory-object RELEASE on a backing's capability (the file server
 * writes back). */
static int64_t backing_info(struct mm_backing *b, struct memobj_info_rep *info)
{
    if (b->silent)
        return E_DEAD;
    int64_t r = memobj_info_call_ex(bounded, b->file, &(struct proto_none){}, info, NULL, NULL);
    (void)file_usable(b, r);
    return r;
}

static void backing_release(struct mm_backing *b)
{
    if (!b->silent)
        (void)file_usable(b, memobj_release_call_ex(bounded, b->file, &(struct proto_none){},
                                                    &(struct proto_none){}, NULL, NULL));
}

void mm_backing_put(uint64_t id)
{
    struct mm_backing *b = backing(id);
    if (!b || --b->refs > 0)
        return;
    backing_release(b);
    (void)sys_cap_delete(b->file);
    struct mm_space *owner = mm_space_get(b->owner);
    if (owner && owner->lim.backings > 0)
        owner->lim.backings--;
    b->used = false;
}

void mm_files_shrank(uint64_t bits)
{
    uint64_t epoch[MM_MAX_FS] = {0};
    bool asked[MM_MAX_FS] = {false};
    /* Epochs first: every shrink up to them is visible in the sizes read next. */
    for (int d = 0; d < MM_MAX_FS; d++) {
        struct fs_epoch e;
        if ((bits >> d & 1) && fs_trim_begin_call_ex(bounded, MM_SLOT_FS(d), &(struct proto_none){},
                                                     &e, NULL, NULL) == 0) {
            epoch[d] = e.epoch;
            asked[d] = true;
        }
    }
    for (int i = 0; i < MM_MAX_BACKINGS; i++) {
        struct memobj_info_rep info;
        if (mm.backings[i].used && backing_info(&mm.backings[i], &info) == 0)
            mm_trim_backing((uint64_t)i + 1, info.size);
    }
    for (int d = 0; d < MM_MAX_FS; d++) {
        struct fs_epoch e = {.epoch = epoch[d]};
        if (asked[d])
            (void)fs_trim_done_call_ex(bounded, MM_SLOT_FS(d), &e, &(struct proto_none){}, NULL,
                                       NULL);
    }
}

err_t mm_backing_sync(uint64_t id)
{
    struct mm_backing *b = backing(id);
    if (!b)
        return E_NOENT;
    int64_t r = b->silent ? E_DEAD
                          : memobj_sync_call_ex(bounded, b->file, &(struct proto_none){},
                                                &(struct proto_none){}, NULL, NULL);
    (void)file_usable(b, r);
    return r < 0 ? (err_t)r : E_OK;
}

/* Asks for the page of v at va; returns the frame capability or err_t. */
static int64_t get_page(const struct vma *v, uint64_t va, bool writable)
{
    struct mm_backing *b = backing(v->backing);
    if (!b)
        return E_NOENT;
    if (b->silent)
        return E_DEAD;
    struct memobj_get_page_req req = {.index = (v->backing_off + (va - v->start)) / PAGE,
                                      .writable = writable};
    struct memobj_get_page_rep rep;
    /* Room for two: a reply with more than the one frame is refused. */
    struct rpc_caps caps = {.got_max = 2};
    int64_t r = memobj_get_page_call_ex(bounded, b->file, &req, &rep, &caps, NULL);
    if (!file_usable(b, r) || r < 0)
        return r;
    if (caps.ngot != 1) {
        for (uint32_t i = 0; i < caps.ngot; i++)
            (void)sys_cap_delete(caps.got[i]);
        return E_NOSPACE;
    }
    return caps.got[0];
}

err_t mm_file_fault(struct mm_space *s, const struct vma *v, uint64_t va)
{
    bool shared = (v->flags & VMA_F_SHARED) != 0;
    bool writable = shared && (v->prot & VMA_PROT_W);
    int64_t frame = get_page(v, va, writable);
    if (frame < 0)
        return (err_t)frame;
    unsigned flags = mm_pte_flags_for(v);
    if (!shared && (v->prot & VMA_PROT_W))
        flags = (flags & ~(unsigned)MAP_W) | MAP_SW0; /* private: copy on write */
    int64_t r = sys_map(s->task, va, (handle_t)frame, 0, flags);
    (void)sys_cap_delete((handle_t)frame); /* the mapping stays without it */
    if (r < 0)
        return (err_t)r;
    mm.stats.file_faults++;
    return E_OK;
}

err_t mm_file_copy(const struct vma *v, uint64_t va, uint64_t dst_pa)
{
    int64_t frame = get_page(v, va, false);
    if (frame < 0)
        return (err_t)frame;
    int64_t r = sys_map(MM_SLOT_SELF_TASK, SCRATCH_VA, (handle_t)frame, 0, MAP_R);
    if (r == 0) {
        memcpy(mm_page_ptr(dst_pa), (const void *)(uintptr_t)SCRATCH_VA, PAGE);
        (void)sys_unmap(MM_SLOT_SELF_TASK, SCRATCH_VA);
    }
    (void)sys_cap_delete((handle_t)frame);
    return r < 0 ? (err_t)r : E_OK;
}

void mm_vma_drop(struct mm_space *s, struct vma *v)
{
    vma_remove(&s->vmas, v);
    s->lim.vma_bytes -= v->end - v->start;
    if (v->backing)
        mm_backing_put(v->backing);
    mm_vma_free(v);
}
