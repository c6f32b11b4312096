/*
 * mm, the memory server: start-up and the handlers of its protocol
 * (include/proto/mm.h, dispatched by libsys's server framework). Messages
 * arrive on one endpoint; the badge names the space (0 = control), the
 * label the operation or a page fault (IPC_LABEL_FAULT_VM, sent by the
 * kernel: an entry of the same table). Every request is checked before
 * anything changes; a bad request gets an error reply, never a crash.
 */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/server.h>

#include <mica/bootinfo.h>
#include <proto/fs.h>
#include <proto/mm.h>

#include "mm.h"

#define PAGE 4096ul
#define MEGA (2ul << 20)
#define MM_WINDOW_VA 0x2000000000ull

struct mm_state mm;

static void fail(const char *what, int64_t err)
{
    sys_printf("mm: cannot start: %s: %s\n", what, err_name((err_t)err));
    sys_exit(1);
}

/* Maps a frame capability of len bytes at va in mm itself, 2 MiB leaves
 * where aligned. */
static int64_t map_eagerly(handle_t frame, uint64_t pa, uint64_t len, uint64_t va,
                           unsigned flags)
{
    for (uint64_t off = 0; off < len;) {
        bool big = ((pa + off) % MEGA) == 0 && ((va + off) % MEGA) == 0 && len - off >= MEGA;
        int64_t r = sys_map(MM_SLOT_SELF_TASK, va + off, frame, off,
                            flags | (big ? MAP_SIZE_2M : MAP_SIZE_4K));
        if (r < 0)
            return r;
        off += big ? MEGA : PAGE;
    }
    return 0;
}

static void start(void)
{
    struct cap_info ram;
    int64_t r = sys_cap_info(MM_SLOT_RAM, &ram);
    if (r < 0 || ram.type != CAP_FRAME)
        fail("no RAM capability", r < 0 ? r : E_BADH);
    mm.ram_pa = ram.pa;
    mm.ram_len = ram.len;
    mm.window = MM_WINDOW_VA + (ram.pa % MEGA);
    if ((r = map_eagerly(MM_SLOT_RAM, ram.pa, ram.len, mm.window, MAP_R | MAP_W)) < 0)
        fail("mapping RAM", r);

    /* The frame pool's own bookkeeping lives at the start of its RAM. */
    uint64_t npages = ram.len / PAGE;
    uint64_t refs_len = (frames_refs_len(npages) + 7) & ~7ull;
    uint64_t bitmap_len = (frames_bitmap_len(npages) + 7) & ~7ull;
    uint64_t owners_len = npages * sizeof(uint32_t);
    uint64_t meta = (refs_len + bitmap_len + owners_len + PAGE - 1) & ~(PAGE - 1);
    uint8_t *base = mm_page_ptr(ram.pa);
    memset(base, 0, meta);
    frames_init(&mm.frames, ram.pa, npages, (uint16_t *)base, (uint64_t *)(base + refs_len));
    mm.frame_owner = (uint32_t *)(base + refs_len + bitmap_len);
    frames_reserve(&mm.frames, ram.pa, meta);
    sys_printf("mm: serving %lu MiB (%lu frames free)\n", ram.len >> 20,
               frames_free_count(&mm.frames));
}

/* ---- requests ---- */

MM_OPS(SRV_DECLARE)
SRV_DECLARE_KERNEL(mm_fault, ipc_fault_vm_msg)
SRV_DECLARE_KERNEL(mm_shrank, ipc_notify_msg)

/* The caller's class from the badge, and for a space its record (NULL:
 * the space is gone), handed to the handlers as r->client: the one lookup
 * a page fault needs. */
static uint32_t mm_classify(struct srv_req *r)
{
    if (r->badge == 0)
        return MM_CALLER_CONTROL;
    r->client = mm_space_get(r->badge);
    return MM_CALLER_SPACE;
}

/* Answers with the new space's capabilities (task, pager, client); mm
 * keeps its own copies until the space is destroyed. */
static void reply_space(struct srv_req *r, struct mm_space_rep *rep, const struct mm_space *s,
                        uint64_t sp)
{
    r->send[0] = s->task;
    r->send[1] = s->pager_ep;
    r->send[2] = s->client_ep;
    r->nsend = 3;
    rep->space = s->id;
    rep->entry = 0;
    rep->sp = sp;
}

/* The notification capability that came with a request, kept for reports
 * of the space's death. */
static void take_death_ntfn(struct srv_req *r, struct mm_space *s)
{
    if (r->ncaps && r->caps[0]) {
        s->death_ntfn = r->caps[0];
        r->caps[0] = 0;
    }
}

SRV_HANDLER(mm_space_destroy)
{
    struct mm_space *s = mm_space_get(req->space);
    /* Control may destroy any space; a space only those it forked. */
    if (!s || (r->badge != 0 && s->parent != r->badge))
        return E_NOENT;
    mm_space_destroy(s);
    return E_OK;
}

SRV_HANDLER(mm_stats)
{
    uint64_t backings = 0;
    for (uint32_t i = 0; i < MM_MAX_BACKINGS; i++)
        backings += mm.backings[i].used;
    rep->free_frames = frames_free_count(&mm.frames);
    rep->used_frames = mm.frames.npages - frames_free_count(&mm.frames);
    rep->counts = mm_spaces_used() | backings << 16 | (MM_MAX_VMAS - mm_vma_free_count()) << 32;
    rep->zero_fill = mm.stats.zero_fill;
    rep->cow_copy = mm.stats.cow_copy;
    rep->cow_reenable = mm.stats.cow_reenable;
    rep->faults = mm.stats.super_faults | (mm.stats.file_faults << 32);
    rep->killed = (mm.stats.killed & 0xffffffffu) | mm_watchdog_cancelled() << 32;
    return E_OK;
}

static bool page_aligned(uint64_t x)
{
    return (x & (PAGE - 1)) == 0;
}

/* [addr, addr + len) as whole pages inside a space's user range. */
static err_t user_range(uint64_t addr, uint64_t len, uint64_t *start, uint64_t *end)
{
    if (len == 0 || !page_aligned(addr) || addr + len < addr)
        return E_INVAL;
    *start = addr;
    *end = (addr + len + PAGE - 1) & ~(PAGE - 1);
    if (*end < *start || *start < PAGE || *end > MM_STACK_TOP)
        return E_INVAL;
    return E_OK;
}

/* Picks where a new mapping of len bytes goes: E_OK and *addr, or err_t. */
static err_t place_mapping(struct mm_space *s, uint64_t hint, uint64_t len, uint64_t flags,
                           uint64_t *addr)
{
    if (flags & MM_MAP_FIXED) {
        uint64_t start, end;
        err_t err = user_range(hint, len, &start, &end);
        if (err != E_OK)
            return err;
        if (!vma_range_free(&s->vmas, start, end))
            return E_EXIST;
        *addr = start;
        return E_OK;
    }
    /* 2 MiB alignment lets big regions use superpages */
    uint64_t align = len >= MEGA && !(flags & MM_MAP_NOSUPER) ? MEGA : PAGE;
    if (vma_find_gap(&s->vmas, len, align, MM_MMAP_BASE, MM_STACK_TOP - MM_STACK_LEN,
                     addr) != E_OK)
        return E_NOSPACE;
    return E_OK;
}

/* mm calls a file capability and waits for the answer: only one a file
 * server or pager made (FS_FILE_BADGE in its badge) is asked. Anything
 * else may never answer: mm's own endpoint (mm would wait for itself) or
 * proc's (proc may be waiting for mm). */
static bool file_server_cap(handle_t file)
{
    struct cap_info ci;
    return sys_cap_info(file, &ci) == 0 && ci.type == CAP_ENDPOINT &&
           (ci.badge & FS_FILE_BADGE);
}

/* *file is the capability that came with the request; set to 0 once a
 * backing owns it. */
static err_t do_mmap(struct mm_space *s, const struct mm_mmap_req *q, handle_t *file,
                     uint64_t *out)
{
    uint64_t len = q->len, prot = q->prot, flags = q->flags;
    bool is_file = (flags & MM_MAP_FILE) != 0;
    if (len == 0 || len > (1ull << 38) || prot & ~7ull ||
        flags & ~(uint64_t)(MM_MAP_FIXED | MM_MAP_SHARED | MM_MAP_NOSUPER | MM_MAP_FILE |
                            MM_MAP_POPULATE) ||
        (is_file && (!*file || !page_aligned(q->offset) || (flags & MM_MAP_POPULATE))))
        return E_INVAL;
    if (is_file && !file_server_cap(*file))
        return E_INVAL;
    len = (len + PAGE - 1) & ~(PAGE - 1);
    /* The space's limits before anything else (and before any call to a
     * file server): E_NOMEM for this space alone. */
    err_t err = limits_may_map(&s->lim, len);
    if (err == E_OK)
        err = mm_vmas_may_add(s, 1);
    if (err == E_OK && is_file)
        err = mm_backing_may_add(s);
    if (err != E_OK)
        return err;
    uint64_t addr;
    err = place_mapping(s, q->addr, len, flags, &addr);
    if (err != E_OK)
        return err;
    int64_t backing = 0;
    if (is_file) {
        backing = mm_backing_add(s, *file);
        if (backing < 0)
            return (err_t)backing;
        *file = 0; /* the backing owns it now */
        if ((flags & MM_MAP_SHARED) && (prot & VMA_PROT_W) &&
            !mm_backing_writable((uint64_t)backing)) {
            mm_backing_put((uint64_t)backing);
            return E_PERM;
        }
    }
    struct vma *v = mm_vma_alloc();
    if (!v) {
        if (backing)
            mm_backing_put((uint64_t)backing);
        return E_NOMEM;
    }
    v->start = addr;
    v->end = addr + len;
    v->backing_off = addr; /* anonymous: offsets equal addresses, so neighbours merge */
    v->prot = (uint32_t)prot;
    v->flags = ((flags & MM_MAP_SHARED) ? VMA_F_SHARED : 0) |
               ((flags & (MM_MAP_NOSUPER | MM_MAP_POPULATE)) || is_file ? VMA_F_NOSUPER : 0);
    if (is_file) {
        v->backing = (uint64_t)backing;
        v->backing_off = q->offset;
    }
    if (mm_vma_insert(s, v) != E_OK) {
        if (backing)
            mm_backing_put((uint64_t)backing);
        mm_vma_free(v);
        return E_EXIST;
    }
    if (flags & MM_MAP_POPULATE) {
        err = mm_populate(s, v);
        if (err != E_OK) {
            (void)mm_unmap_range(s, addr, addr + len);
            return err;
        }
    }
    *out = addr;
    return E_OK;
}

/* MMAP into s (the caller's space, or for SPACE_MMAP the one named; NULL:
 * none such, E_NOENT). */
static err_t mmap_into(struct srv_req *r, struct mm_space *s, const struct mm_mmap_req *q,
                       uint64_t *addr)
{
    /* A file capability that came with the request is ours to keep or drop. */
    handle_t file = r->ncaps ? r->caps[0] : 0;
    if (r->ncaps)
        r->caps[0] = 0;
    err_t err = s ? do_mmap(s, q, &file, addr) : E_NOENT;
    if (file) {
        /* Refused: the reference the server counted for this capability
         * (one per FS_OP_MAP_FILE, or per pager object capability) goes
         * back, or the server would keep the mapping for ever. Not to a
         * server that just failed to answer (E_DEAD): that would cost a
         * second deadline. */
        if (err != E_DEAD && file_server_cap(file))
            (void)mm_file_release(file);
        (void)sys_cap_delete(file);
    }
    return err;
}

SRV_HANDLER(mm_mmap)
{
    if (!r->client)
        return E_DEAD;
    return mmap_into(r, r->client, req, &rep->addr);
}

SRV_HANDLER(mm_munmap)
{
    struct mm_space *s = r->client;
    uint64_t start, end;
    if (!s)
        return E_DEAD;
    err_t err = user_range(req->addr, req->len, &start, &end);
    return err != E_OK ? err : mm_unmap_range(s, start, end);
}

static err_t protect(struct mm_space *s, const struct mm_protect_req *q)
{
    uint64_t start, end;
    err_t err = q->prot & ~7ull ? E_INVAL : user_range(q->addr, q->len, &start, &end);
    return err != E_OK ? err : mm_protect_range(s, start, end, (unsigned)q->prot);
}

SRV_HANDLER(mm_mprotect)
{
    if (!r->client)
        return E_DEAD;
    return protect(r->client, req);
}

SRV_HANDLER(mm_brk)
{
    struct mm_space *s = r->client;
    if (!s)
        return E_DEAD;
    uint64_t want = req->brk;
    if (want == 0) {
        rep->brk = s->brk;
        return E_OK;
    }
    if (want < s->brk_base || want > MM_MMAP_BASE)
        return E_INVAL;
    uint64_t old_end = (s->brk + PAGE - 1) & ~(PAGE - 1);
    uint64_t new_end = (want + PAGE - 1) & ~(PAGE - 1);
    if (new_end > old_end) {
        if (!vma_range_free(&s->vmas, old_end, new_end) ||
            limits_may_map(&s->lim, new_end - old_end) != E_OK ||
            mm_vmas_may_add(s, 1) != E_OK)
            return E_NOMEM;
        struct vma *v = mm_vma_alloc();
        if (!v)
            return E_NOMEM;
        v->start = old_end;
        v->end = new_end;
        v->backing_off = old_end;
        v->prot = VMA_PROT_R | VMA_PROT_W;
        v->flags = VMA_F_HEAP;
        if (mm_vma_insert(s, v) != E_OK) {
            mm_vma_free(v);
            return E_NOMEM;
        }
        (void)vma_merge_around(&s->vmas, v, mm_vma_release_cb, NULL);
    } else if (new_end < old_end) {
        err_t err = mm_unmap_range(s, new_end, old_end);
        if (err != E_OK)
            return err;
    }
    s->brk = want;
    rep->brk = want;
    return E_OK;
}

/* FORK (by the space itself) and SPACE_FORK (by control). */
static err_t fork_space(struct srv_req *r, struct mm_space *s, struct mm_space_rep *rep)
{
    struct mm_space *c;
    err_t err = mm_space_fork(s, r->badge == 0, &c);
    if (err != E_OK)
        return err;
    take_death_ntfn(r, c);
    reply_space(r, rep, c, 0);
    return E_OK;
}

SRV_HANDLER(mm_fork)
{
    if (!r->client)
        return E_DEAD;
    return fork_space(r, r->client, rep);
}

SRV_HANDLER(mm_page_info)
{
    if (!r->client)
        return E_DEAD;
    uint64_t pa = 0;
    int64_t f = sys_query(((struct mm_space *)r->client)->task, req->addr, &pa);
    if (f < 0)
        return (err_t)f;
    rep->pte = (uint64_t)f;
    rep->refs = f > 0 ? frames_count(&mm.frames, pa) : 0;
    rep->pa = f > 0 ? pa : 0;
    return E_OK;
}

SRV_HANDLER(mm_msync)
{
    struct mm_space *s = r->client;
    if (!s)
        return E_DEAD;
    uint64_t start = 0, end = 0;
    err_t err = user_range(req->addr, req->len, &start, &end);
    for (struct vma *v = vma_first_ending_after(&s->vmas, start);
         err == E_OK && v && v->start < end; v = vma_next(v))
        if (v->backing && (v->flags & VMA_F_SHARED))
            err = mm_backing_sync(v->backing);
    return err;
}

/* ---- control ops for loaders (sys/loader.h) ---- */

SRV_HANDLER(mm_space_new)
{
    struct mm_space *s;
    uint64_t budget = req->kmem_budget;
    if (budget && (budget < MM_SPACE_KMEM_MIN || budget > MM_SPACE_KMEM_MAX))
        return E_INVAL;
    err_t err = mm_space_create_empty(budget, &s);
    if (err != E_OK)
        return err;
    take_death_ntfn(r, s);
    reply_space(r, rep, s, MM_STACK_TOP);
    return E_OK;
}

SRV_HANDLER(mm_space_mmap)
{
    return mmap_into(r, mm_space_get(req->space), &req->map, &rep->addr);
}

/* Makes the page at va present and writable in s, as a write by the
 * space itself would (at most: file page, then its copy). */
static err_t make_writable(struct mm_space *s, uint64_t va)
{
    for (int tries = 0; tries < 3; tries++) {
        uint64_t pa;
        int64_t f = sys_query(s->task, va, &pa);
        if (f < 0)
            return (err_t)f;
        if ((f & MAP_PRESENT) && (f & MAP_W))
            return E_OK;
        if (!mm_handle_fault(s, va, FAULT_ACCESS_WRITE, 0, (uint64_t)f))
            return E_NOMEM; /* mm_handle_fault reported it; the space is dead */
    }
    return E_NOMEM;
}

/* Whether every byte of [va, end) lies in writable, unwired VMAs of s: a
 * loader may not scribble on text, the IPC buffer or outside the program. */
static bool range_writable(const struct mm_space *s, uint64_t va, uint64_t end)
{
    for (uint64_t pos = va; pos < end;) {
        const struct vma *v = vma_find(&s->vmas, pos);
        if (!v || !(v->prot & VMA_PROT_W) || (v->flags & VMA_F_WIRED))
            return false;
        pos = v->end;
    }
    return true;
}

/* The physical address of the page at va of s, made present, writable and
 * private (a frame of mm's own, not a shared file page). */
static err_t writable_frame(struct mm_space *s, uint64_t page, uint64_t *pa)
{
    err_t err = make_writable(s, page);
    if (err == E_OK && sys_query(s->task, page, pa) < 0)
        err = E_NOENT;
    if (err == E_OK && !frames_contains(&mm.frames, *pa))
        err = E_PERM; /* a shared file page: not mm's to write */
    return err;
}

SRV_HANDLER(mm_space_write)
{
    if (r->req_len < MM_SPACE_WRITE_HDR)
        return E_INVAL;
    struct mm_space *s = mm_space_get(req->space);
    uint64_t va = req->addr, len = r->req_len - MM_SPACE_WRITE_HDR;
    if (!s || s->dead)
        return E_NOENT;
    if (va + len < va)
        return E_INVAL;
    if (!range_writable(s, va, va + len))
        return E_PERM;
    for (uint64_t pos = va; pos < va + len;) {
        uint64_t page = pos & ~(PAGE - 1), in = pos - page;
        uint64_t chunk = PAGE - in < va + len - pos ? PAGE - in : va + len - pos;
        uint64_t pa = 0;
        err_t err = writable_frame(s, page, &pa);
        if (err != E_OK)
            return err;
        memcpy((uint8_t *)mm_page_ptr(pa) + in, req->data + (pos - va), chunk);
        pos += chunk;
    }
    return E_OK;
}

SRV_HANDLER(mm_space_set_brk)
{
    struct mm_space *s = mm_space_get(req->space);
    uint64_t base = (req->base + PAGE - 1) & ~(PAGE - 1);
    if (!s)
        return E_NOENT;
    if (s->brk != s->brk_base)
        return E_BUSY;
    if (base < PAGE || base >= MM_MMAP_BASE || req->base > MM_MMAP_BASE)
        return E_INVAL;
    s->brk_base = s->brk = base;
    return E_OK;
}

SRV_HANDLER(mm_space_fork)
{
    struct mm_space *s = mm_space_get(req->space);
    if (!s || s->dead)
        return E_NOENT;
    return fork_space(r, s, rep);
}

SRV_HANDLER(mm_space_copy)
{
    struct mm_space *from = mm_space_get(req->from), *to = mm_space_get(req->to);
    uint64_t va = req->addr, len = req->len;
    if (!from || !to || to->dead)
        return E_NOENT;
    if (from == to || !page_aligned(va) || !page_aligned(len) || len == 0 ||
        len > MM_SPACE_COPY_MAX || va + len < va || va + len > MM_STACK_TOP)
        return E_INVAL;
    if (!range_writable(to, va, va + len))
        return E_PERM;
    for (uint64_t page = va; page < va + len; page += PAGE) {
        uint64_t src_pa = 0, dst_pa = 0;
        int64_t f = sys_query(from->task, page, &src_pa);
        if (f <= 0 || !(f & MAP_PRESENT))
            continue; /* never touched: nothing to copy */
        if (!frames_contains(&mm.frames, src_pa))
            return E_PERM; /* a file page: not ours to read */
        err_t err = writable_frame(to, page, &dst_pa);
        if (err != E_OK)
            return err;
        memcpy(mm_page_ptr(dst_pa), mm_page_ptr(src_pa), PAGE);
    }
    return E_OK;
}

SRV_HANDLER(mm_space_info)
{
    struct mm_space *s = mm_space_get(req->space);
    if (!s)
        return E_NOENT;
    rep->death = s->death;
    rep->addr = s->death_addr;
    rep->pc = s->death_pc;
    return E_OK;
}

SRV_HANDLER(mm_space_mprotect)
{
    struct mm_space *s = mm_space_get(req->space);
    if (!s || s->dead)
        return E_NOENT;
    return protect(s, &req->prot);
}

/* ---- what the kernel sends ---- */

/* A page fault of space r->client: resume or kill (FAULT_REPLY_*). */
SRV_HANDLER(mm_fault)
{
    struct mm_space *s = r->client;
    if (!s)
        return r->badge ? E_DEAD : E_NOSYS; /* a space that is gone; control faults not */
    bool resume = !s->dead && mm_handle_fault(s, req->addr, (unsigned)req->access, req->pc,
                                              req->pte);
    r->reply_label = resume ? FAULT_REPLY_RESUME : FAULT_REPLY_KILL;
    return E_OK;
}

/* Forwarded by mm's first thread (watchdog.c): a file shrank. */
SRV_HANDLER(mm_shrank)
{
    if (r->badge != MM_BADGE_INTERNAL)
        return r->badge && !r->client ? E_DEAD : E_NOSYS;
    mm_files_shrank(req->bits);
    return E_OK;
}

/* Debug builds (CONFIG_SRV_CHECKS): every space's VMA tree is sound. */
static bool mm_check(void *state)
{
    (void)state;
    for (uint32_t i = 0; i < MM_MAX_SPACES; i++)
        if (mm.spaces[i].used && !vma_check(&mm.spaces[i].vmas))
            return false;
    return true;
}

/* The page fault first: with the kernel labels' own index it is found
 * without a scan either way. */
static const struct srv_op mm_ops[] = {
    SRV_KERNEL_ENTRY(IPC_LABEL_FAULT_VM, mm_fault, ipc_fault_vm_msg,
                     MM_CALLER_CONTROL | MM_CALLER_SPACE)
    MM_OPS(SRV_ENTRY)
    SRV_KERNEL_ENTRY(IPC_LABEL_NOTIFY, mm_shrank, ipc_notify_msg, PROTO_CALLER_ANY)
};

/* The serving thread's (watchdog.c): the framework's buffers are its own.
 * Capabilities: up to four are received, so that one more than an op
 * takes is dropped rather than the request refused as truncated. */
static struct srv mm_srv = {
    .name = "mm",
    .ops = mm_ops,
    .nops = SRV_NOPS(mm_ops),
    .classify = mm_classify,
    .check = mm_check,
    .recv_caps = IPC_MAX_CAPS,
};

/* The message loop, on the serving thread (watchdog.c). */
static void serve(void)
{
    srv_run(&mm_srv, MM_SLOT_SERVICE);
}

int main(uintptr_t arg)
{
    (void)arg;
    start();
    fail("starting the serving thread", mm_watchdog_run(serve));
    return 1;
}
