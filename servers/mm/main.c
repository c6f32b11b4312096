/*
 * mm, the memory server: start-up and the message loop. Messages arrive
 * on one endpoint; the badge names the space (0 = control), the label the
 * operation (include/proto/mm.h) or a page fault (IPC_LABEL_FAULT_VM, sent
 * by the kernel). Every request is checked here before anything changes;
 * a bad request gets an error reply, never a crash.
 */
#include <sys/ipc.h>
#include <sys/mica.h>

#include <mica/bootinfo.h>
#include <proto/fs.h>
#include <proto/mm.h>

#include "mm.h"

#define PAGE 4096ul
#define MEGA (2ul << 20)
#define MM_WINDOW_VA 0x2000000000ull
#define MM_BOOTIMG_VA 0x3000000000ull

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
    struct cap_info ram, img;
    int64_t r = sys_cap_info(MM_SLOT_RAM, &ram);
    if (r < 0 || ram.type != CAP_FRAME)
        fail("no RAM capability", r < 0 ? r : E_BADH);
    r = sys_cap_info(MM_SLOT_BOOTIMG, &img);
    if (r < 0 || img.type != CAP_FRAME)
        fail("no boot image capability", r < 0 ? r : E_BADH);
    mm.ram_pa = ram.pa;
    mm.ram_len = ram.len;
    mm.window = MM_WINDOW_VA + (ram.pa % MEGA);
    if ((r = map_eagerly(MM_SLOT_RAM, ram.pa, ram.len, mm.window, MAP_R | MAP_W)) < 0)
        fail("mapping RAM", r);
    if ((r = map_eagerly(MM_SLOT_BOOTIMG, img.pa, img.len, MM_BOOTIMG_VA, MAP_R)) < 0)
        fail("mapping the boot image", r);
    mm.bootimg = (const uint8_t *)(uintptr_t)MM_BOOTIMG_VA;
    mm.bootimg_len = img.len;

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
    ipc_buffer()->recv_caps_max = 1;
    sys_printf("mm: serving %lu MiB (%lu frames free)\n", ram.len >> 20,
               frames_free_count(&mm.frames));
}

/* ---- requests ---- */

struct request {
    int64_t badge;
    struct ipc_msg *m;
    /* The capability that came with the request, 0 if none; an op that
     * keeps it sets this to 0, and the loop deletes what is left, so a
     * capability sent with any other request does not stay in our table
     * (4096 slots, two per space) until it is full. */
    handle_t cap;
};

static void reply_err(struct ipc_msg *m, err_t err)
{
    m->tag = IPC_TAG((uint64_t)(int64_t)err & 0xffffffffffffull, 0, 0);
}

static void reply_ok(struct ipc_msg *m)
{
    m->tag = IPC_TAG(0, 0, 0);
}

/* Answers with the new space's capabilities (task, pager, client). */
static void reply_space(struct ipc_msg *m, const struct mm_space *s, uint64_t entry,
                        uint64_t sp)
{
    struct ipc_buffer *b = ipc_buffer();
    b->caps[0] = s->task;
    b->caps[1] = s->pager_ep;
    b->caps[2] = s->client_ep;
    m->tag = IPC_TAG(0, 0, 3);
    m->w[0] = s->id;
    m->w[1] = entry;
    m->w[2] = sp;
}

/* The notification capability that came with a request, kept for reports
 * of the space's death. */
static void take_death_ntfn(struct request *q, struct mm_space *s)
{
    if (q->cap && !(q->m->tag & IPC_TAG_TRUNCATED)) {
        s->death_ntfn = q->cap;
        q->cap = 0;
    }
}

static void op_space_create(struct request *q)
{
    struct ipc_msg *m = q->m;
    char name[17];
    memcpy(name, &m->w[0], 16);
    name[16] = '\0';
    struct mm_space *s;
    uint64_t entry, sp;
    err_t err = mm_space_create(name, 0, &s, &entry, &sp);
    if (err != E_OK)
        { reply_err(m, err); return; }
    take_death_ntfn(q, s);
    reply_space(m, s, entry, sp);
}

static void op_space_destroy(struct request *q)
{
    struct mm_space *s = mm_space_get(q->m->w[0]);
    /* Control may destroy any space; a space only those it forked. */
    if (!s || (q->badge != 0 && s->parent != (uint64_t)q->badge))
        { reply_err(q->m, E_NOENT); return; }
    mm_space_destroy(s);
    reply_ok(q->m);
}

static void op_stats(struct request *q)
{
    struct ipc_msg *m = q->m;
    uint64_t backings = 0;
    for (uint32_t i = 0; i < MM_MAX_BACKINGS; i++)
        backings += mm.backings[i].used;
    reply_ok(m);
    m->w[0] = frames_free_count(&mm.frames);
    m->w[1] = mm.frames.npages - frames_free_count(&mm.frames);
    m->w[2] = mm_spaces_used() | backings << 16 | (MM_MAX_VMAS - mm_vma_free_count()) << 32;
    m->w[3] = mm.stats.zero_fill;
    m->w[4] = mm.stats.cow_copy;
    m->w[5] = mm.stats.cow_reenable;
    m->w[6] = mm.stats.super_faults | (mm.stats.file_faults << 32);
    m->w[7] = (mm.stats.killed & 0xffffffffu) | mm_watchdog_cancelled() << 32;
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
static err_t do_mmap(struct mm_space *s, struct ipc_msg *m, handle_t *file)
{
    uint64_t hint = m->w[0], len = m->w[1], prot = m->w[2], flags = m->w[3];
    bool is_file = (flags & MM_MAP_FILE) != 0;
    if (len == 0 || len > (1ull << 38) || prot & ~7ull ||
        flags & ~(uint64_t)(MM_MAP_FIXED | MM_MAP_SHARED | MM_MAP_NOSUPER | MM_MAP_FILE) ||
        (is_file && (!*file || !page_aligned(m->w[4]))))
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
    err = place_mapping(s, hint, len, flags, &addr);
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
               ((flags & MM_MAP_NOSUPER) || is_file ? VMA_F_NOSUPER : 0);
    if (is_file) {
        v->backing = (uint64_t)backing;
        v->backing_off = m->w[4];
    }
    if (mm_vma_insert(s, v) != E_OK) {
        if (backing)
            mm_backing_put((uint64_t)backing);
        mm_vma_free(v);
        return E_EXIST;
    }
    m->w[0] = addr;
    return E_OK;
}

/* MMAP into s (the caller's space, or for SPACE_MMAP the one named; NULL:
 * none such). */
static void op_mmap(struct request *q, struct mm_space *s)
{
    struct ipc_msg *m = q->m;
    /* A file capability that came with the request is ours to keep or drop. */
    handle_t file = 0;
    if (IPC_TAG_NCAPS(m->tag) == 1 && !(m->tag & IPC_TAG_TRUNCATED)) {
        file = q->cap;
        q->cap = 0;
    }
    err_t err = s ? do_mmap(s, m, &file) : E_NOENT;
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
    if (err != E_OK)
        { reply_err(m, err); return; }
    uint64_t addr = m->w[0];
    reply_ok(m);
    m->w[0] = addr;
}

static void op_munmap(struct request *q, struct mm_space *s)
{
    uint64_t start, end;
    err_t err = user_range(q->m->w[0], q->m->w[1], &start, &end);
    if (err == E_OK)
        err = mm_unmap_range(s, start, end);
    if (err != E_OK)
        { reply_err(q->m, err); return; }
    reply_ok(q->m);
}

static void op_mprotect(struct request *q, struct mm_space *s)
{
    uint64_t start, end;
    uint64_t prot = q->m->w[2];
    err_t err = prot & ~7ull ? E_INVAL : user_range(q->m->w[0], q->m->w[1], &start, &end);
    if (err == E_OK)
        err = mm_protect_range(s, start, end, (unsigned)prot);
    if (err != E_OK)
        { reply_err(q->m, err); return; }
    reply_ok(q->m);
}

static void op_brk(struct request *q, struct mm_space *s)
{
    struct ipc_msg *m = q->m;
    uint64_t want = m->w[0];
    if (want == 0) {
        reply_ok(m);
        m->w[0] = s->brk;
        return;
    }
    if (want < s->brk_base || want > MM_MMAP_BASE)
        { reply_err(m, E_INVAL); return; }
    uint64_t old_end = (s->brk + PAGE - 1) & ~(PAGE - 1);
    uint64_t new_end = (want + PAGE - 1) & ~(PAGE - 1);
    if (new_end > old_end) {
        if (!vma_range_free(&s->vmas, old_end, new_end) ||
            limits_may_map(&s->lim, new_end - old_end) != E_OK ||
            mm_vmas_may_add(s, 1) != E_OK)
            { reply_err(m, E_NOMEM); return; }
        struct vma *v = mm_vma_alloc();
        if (!v)
            { reply_err(m, E_NOMEM); return; }
        v->start = old_end;
        v->end = new_end;
        v->backing_off = old_end;
        v->prot = VMA_PROT_R | VMA_PROT_W;
        v->flags = VMA_F_HEAP;
        if (mm_vma_insert(s, v) != E_OK) {
            mm_vma_free(v);
            { reply_err(m, E_NOMEM); return; }
        }
        (void)vma_merge_around(&s->vmas, v, mm_vma_release_cb, NULL);
    } else if (new_end < old_end) {
        err_t err = mm_unmap_range(s, new_end, old_end);
        if (err != E_OK)
            { reply_err(m, err); return; }
    }
    s->brk = want;
    reply_ok(m);
    m->w[0] = want;
}

static void op_fork(struct request *q, struct mm_space *s)
{
    struct mm_space *c;
    err_t err = mm_space_fork(s, q->badge == 0, &c);
    if (err != E_OK)
        { reply_err(q->m, err); return; }
    take_death_ntfn(q, c);
    reply_space(q->m, c, 0, 0);
}

static void op_page_info(struct request *q, struct mm_space *s)
{
    uint64_t pa = 0;
    int64_t f = sys_query(s->task, q->m->w[0], &pa);
    if (f < 0)
        { reply_err(q->m, (err_t)f); return; }
    reply_ok(q->m);
    q->m->w[0] = (uint64_t)f;
    q->m->w[1] = f > 0 ? frames_count(&mm.frames, pa) : 0;
    q->m->w[2] = f > 0 ? pa : 0;
}

static void op_msync(struct request *q, struct mm_space *s)
{
    uint64_t start = 0, end = 0;
    err_t err = user_range(q->m->w[0], q->m->w[1], &start, &end);
    for (struct vma *v = vma_first_ending_after(&s->vmas, start);
         err == E_OK && v && v->start < end; v = vma_next(v))
        if (v->backing && (v->flags & VMA_F_SHARED))
            err = mm_backing_sync(v->backing);
    if (err != E_OK)
        { reply_err(q->m, err); return; }
    reply_ok(q->m);
}

/* ---- control ops for loaders (the process server) ---- */

static void op_space_new(struct request *q)
{
    struct mm_space *s;
    uint64_t budget = q->m->w[0];
    if (budget && (budget < MM_SPACE_KMEM_MIN || budget > MM_SPACE_KMEM_MAX))
        { reply_err(q->m, E_INVAL); return; }
    err_t err = mm_space_create_empty(budget, &s);
    if (err != E_OK)
        { reply_err(q->m, err); return; }
    take_death_ntfn(q, s);
    reply_space(q->m, s, 0, MM_STACK_TOP);
}

static void op_space_mmap(struct request *q)
{
    op_mmap(q, mm_space_get(q->m->w[5]));
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

static void op_space_write(struct request *q)
{
    struct ipc_msg *m = q->m;
    struct mm_space *s = mm_space_get(m->w[0]);
    uint64_t va = m->w[1], len = IPC_TAG_LEN(m->tag);
    if (!s || s->dead)
        { reply_err(m, E_NOENT); return; }
    if ((m->tag & IPC_TAG_TRUNCATED) || len > IPC_BUF_DATA_MAX || va + len < va)
        { reply_err(m, E_INVAL); return; }
    if (!range_writable(s, va, va + len))
        { reply_err(m, E_PERM); return; }
    const uint8_t *src = ipc_buffer()->data;
    for (uint64_t pos = va; pos < va + len;) {
        uint64_t page = pos & ~(PAGE - 1), in = pos - page;
        uint64_t chunk = PAGE - in < va + len - pos ? PAGE - in : va + len - pos;
        uint64_t pa = 0;
        err_t err = writable_frame(s, page, &pa);
        if (err != E_OK)
            { reply_err(m, err); return; }
        memcpy((uint8_t *)mm_page_ptr(pa) + in, src + (pos - va), chunk); /* pa: of page */
        pos += chunk;
    }
    reply_ok(m);
}

static void op_space_set_brk(struct request *q)
{
    struct ipc_msg *m = q->m;
    struct mm_space *s = mm_space_get(m->w[0]);
    uint64_t base = (m->w[1] + PAGE - 1) & ~(PAGE - 1);
    if (!s)
        { reply_err(m, E_NOENT); return; }
    if (s->brk != s->brk_base)
        { reply_err(m, E_BUSY); return; }
    if (base < PAGE || base >= MM_MMAP_BASE || m->w[1] > MM_MMAP_BASE)
        { reply_err(m, E_INVAL); return; }
    s->brk_base = s->brk = base;
    reply_ok(m);
}

static void op_space_fork(struct request *q)
{
    struct mm_space *s = mm_space_get(q->m->w[0]);
    if (!s || s->dead)
        { reply_err(q->m, E_NOENT); return; }
    op_fork(q, s);
}

static void op_space_copy(struct request *q)
{
    struct ipc_msg *m = q->m;
    struct mm_space *from = mm_space_get(m->w[0]), *to = mm_space_get(m->w[1]);
    uint64_t va = m->w[2], len = m->w[3];
    if (!from || !to || to->dead)
        { reply_err(m, E_NOENT); return; }
    if (from == to || !page_aligned(va) || !page_aligned(len) || len == 0 ||
        len > MM_SPACE_COPY_MAX || va + len < va || va + len > MM_STACK_TOP)
        { reply_err(m, E_INVAL); return; }
    if (!range_writable(to, va, va + len))
        { reply_err(m, E_PERM); return; }
    for (uint64_t page = va; page < va + len; page += PAGE) {
        uint64_t src_pa = 0, dst_pa = 0;
        int64_t f = sys_query(from->task, page, &src_pa);
        if (f <= 0 || !(f & MAP_PRESENT))
            continue; /* never touched: nothing to copy */
        if (!frames_contains(&mm.frames, src_pa))
            { reply_err(m, E_PERM); return; } /* a file page: not ours to read */
        err_t err = writable_frame(to, page, &dst_pa);
        if (err != E_OK)
            { reply_err(m, err); return; }
        memcpy(mm_page_ptr(dst_pa), mm_page_ptr(src_pa), PAGE);
    }
    reply_ok(m);
}

static void op_space_info(struct request *q)
{
    struct mm_space *s = mm_space_get(q->m->w[0]);
    if (!s)
        { reply_err(q->m, E_NOENT); return; }
    reply_ok(q->m);
    q->m->w[0] = s->death;
    q->m->w[1] = s->death_addr;
    q->m->w[2] = s->death_pc;
}

static void handle_fault(struct request *q, struct mm_space *s)
{
    struct ipc_msg *m = q->m;
    bool resume = !s->dead && mm_handle_fault(s, m->w[FAULT_W_ADDR], (unsigned)m->w[FAULT_W_ACCESS],
                                              m->w[FAULT_W_PC], m->w[FAULT_W_PTE]);
    m->tag = IPC_TAG(resume ? FAULT_REPLY_RESUME : FAULT_REPLY_KILL, 0, 0);
}

/* Dispatch: control ops need badge 0; space ops a live space. */
static void dispatch(struct request *q)
{
    struct ipc_msg *m = q->m;
    uint64_t label = IPC_TAG_LABEL(m->tag);
    if (q->badge == MM_BADGE_INTERNAL) {
        /* Forwarded by mm's first thread (watchdog.c): a file shrank. */
        mm_files_shrank(m->w[0]);
        reply_ok(m);
        return;
    }
    struct mm_space *s = q->badge > 0 ? mm_space_get((uint64_t)q->badge) : NULL;
    if (label == IPC_LABEL_FAULT_VM && s)
        { handle_fault(q, s); return; }
    switch (label) {
    case MM_OP_SPACE_CREATE:
        if (q->badge == 0)
            op_space_create(q);
        else
            reply_err(m, E_PERM);
        return;
    case MM_OP_SPACE_DESTROY: { op_space_destroy(q); return; }
    case MM_OP_STATS: { op_stats(q); return; }
    case MM_OP_SPACE_NEW:
    case MM_OP_SPACE_MMAP:
    case MM_OP_SPACE_WRITE:
    case MM_OP_SPACE_SET_BRK:
    case MM_OP_SPACE_FORK:
    case MM_OP_SPACE_INFO:
    case MM_OP_SPACE_COPY:
        if (q->badge != 0)
            { reply_err(m, E_PERM); return; }
        switch (label) {
        case MM_OP_SPACE_NEW: op_space_new(q); return;
        case MM_OP_SPACE_MMAP: op_space_mmap(q); return;
        case MM_OP_SPACE_WRITE: op_space_write(q); return;
        case MM_OP_SPACE_SET_BRK: op_space_set_brk(q); return;
        case MM_OP_SPACE_FORK: op_space_fork(q); return;
        case MM_OP_SPACE_COPY: op_space_copy(q); return;
        default: op_space_info(q); return;
        }
    }
    /* Control asking for a space's own op: E_PERM; for an op nobody has:
     * E_NOSYS, as for anyone (it was E_PERM); a space that is gone: E_DEAD. */
    bool space_op = label >= MM_OP_MMAP && label <= MM_OP_MSYNC;
    if (!s)
        { reply_err(m, q->badge != 0 ? E_DEAD : space_op ? E_PERM : E_NOSYS); return; }
    switch (label) {
    case MM_OP_MMAP: { op_mmap(q, s); return; }
    case MM_OP_MUNMAP: { op_munmap(q, s); return; }
    case MM_OP_MPROTECT: { op_mprotect(q, s); return; }
    case MM_OP_BRK: { op_brk(q, s); return; }
    case MM_OP_FORK: { op_fork(q, s); return; }
    case MM_OP_PAGE_INFO: { op_page_info(q, s); return; }
    case MM_OP_MSYNC: { op_msync(q, s); return; }
    default: { reply_err(m, E_NOSYS); return; }
    }
}

/* The message loop, on the serving thread (watchdog.c). */
static void serve(void)
{
    struct ipc_msg m;
    int64_t badge = ipc_recv(MM_SLOT_SERVICE, &m);
    for (;;) {
        struct request q = {.badge = badge, .m = &m,
                            .cap = IPC_TAG_NCAPS(m.tag) >= 1 ? ipc_buffer()->caps[0] : 0};
        if (badge >= 0)
            dispatch(&q);
        else
            reply_err(&m, E_INVAL);
        if (badge >= 0 && q.cap)
            (void)sys_cap_delete(q.cap);
        badge = ipc_reply_recv(MM_SLOT_SERVICE, &m);
    }
}

int main(uintptr_t arg)
{
    (void)arg;
    start();
    fail("starting the serving thread", mm_watchdog_run(serve));
    return 1;
}
