/* mm client stubs (see sys/mm.h): requests are built only by the stubs
 * made from mm's protocol list (include/proto/mm.h). */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/mm.h>
#include <sys/rpc.h>

#include <mica/bootinfo.h>

MM_OPS(RPC_STUB)

static int64_t mmap_call(const struct mm_mmap_req *req)
{
    struct mm_addr_rep rep;
    int64_t r = mm_mmap_call(MM_CLIENT_SLOT, req, &rep, NULL);
    return r < 0 ? r : (int64_t)rep.addr;
}

int64_t mm_mmap(uint64_t addr, uint64_t len, unsigned prot, unsigned flags)
{
    struct mm_mmap_req req = {.addr = addr, .len = len, .prot = prot, .flags = flags};
    return mmap_call(&req);
}

int64_t mm_munmap(uint64_t addr, uint64_t len)
{
    struct mm_range_req req = {.addr = addr, .len = len};
    return mm_munmap_call(MM_CLIENT_SLOT, &req, NULL, NULL);
}

int64_t mm_mmap_file(uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
                     handle_t file, uint64_t offset)
{
    struct mm_mmap_req req = {.addr = addr, .len = len, .prot = prot,
                              .flags = flags | MM_MAP_FILE, .offset = offset};
    struct mm_addr_rep rep;
    struct rpc_caps c = {.nsend = 1, .send = {file}};
    int64_t r = mm_mmap_call(MM_CLIENT_SLOT, &req, &rep, &c);
    (void)sys_cap_delete(file); /* mm has its own copy now (or refused it) */
    return r < 0 ? r : (int64_t)rep.addr;
}

int64_t mm_msync(uint64_t addr, uint64_t len)
{
    struct mm_range_req req = {.addr = addr, .len = len};
    return mm_msync_call(MM_CLIENT_SLOT, &req, NULL, NULL);
}

int64_t mm_mprotect(uint64_t addr, uint64_t len, unsigned prot)
{
    struct mm_protect_req req = {.addr = addr, .len = len, .prot = prot};
    return mm_mprotect_call(MM_CLIENT_SLOT, &req, NULL, NULL);
}

int64_t mm_brk(uint64_t addr)
{
    struct mm_brk_req req = {.brk = addr};
    struct mm_brk_rep rep;
    int64_t r = mm_brk_call(MM_CLIENT_SLOT, &req, &rep, NULL);
    return r < 0 ? r : (int64_t)rep.brk;
}

void *mm_sbrk(int64_t increment)
{
    int64_t cur = mm_brk(0);
    if (cur < 0)
        return (void *)-1;
    if (increment == 0)
        return (void *)(uintptr_t)cur;
    int64_t r = mm_brk((uint64_t)(cur + increment));
    return r < 0 ? (void *)-1 : (void *)(uintptr_t)cur;
}

int64_t mm_stats(handle_t ep, struct mm_stats_reply *out)
{
    struct mm_stats_rep rep;
    int64_t r = mm_stats_call(ep, NULL, &rep, NULL);
    if (r < 0)
        return r;
    out->free_frames = rep.free_frames;
    out->used_frames = rep.used_frames;
    out->spaces = rep.counts & 0xffffu;
    out->backings = (rep.counts >> 16) & 0xffffu;
    out->vmas = rep.counts >> 32;
    out->zero_fill = rep.zero_fill;
    out->cow_copy = rep.cow_copy;
    out->cow_reenable = rep.cow_reenable;
    out->super_faults = rep.faults & 0xffffffffu;
    out->file_faults = rep.faults >> 32;
    out->killed = rep.killed & 0xffffffffu;
    out->calls_cancelled = rep.killed >> 32;
    return 0;
}

int64_t mm_page_info_pa(uint64_t addr, uint64_t *pte, uint64_t *refs, uint64_t *pa)
{
    struct mm_page_info_req req = {.addr = addr};
    struct mm_page_info_rep rep;
    int64_t r = mm_page_info_call(MM_CLIENT_SLOT, &req, &rep, NULL);
    if (r < 0)
        return r;
    *pte = rep.pte;
    *refs = rep.refs;
    *pa = rep.pa;
    return 0;
}

int64_t mm_page_info(uint64_t addr, uint64_t *pte, uint64_t *refs)
{
    uint64_t pa;
    return mm_page_info_pa(addr, pte, refs, &pa);
}

/* The capabilities of a call that makes a space: an optional death
 * notification out, the new space's three back. */
static struct rpc_caps death_caps(handle_t death)
{
    return (struct rpc_caps){.nsend = death ? 1u : 0u, .send = {death}, .got_max = 3};
}

/* Collects the three capabilities of the new space (r: the call's result). */
static int64_t space_caps(handle_t ep, int64_t r, const struct mm_space_rep *rep,
                          const struct rpc_caps *c, struct mm_space_caps *out)
{
    if (r < 0)
        return r;
    if (c->ngot != 3) {
        /* Our table could not take the capabilities: the space mm made
         * and the capabilities that did arrive go, or both leak for good. */
        for (uint32_t i = 0; i < c->ngot; i++)
            (void)sys_cap_delete(c->got[i]);
        (void)mm_space_destroy(ep, rep->space);
        return E_NOSPACE;
    }
    out->id = rep->space;
    out->entry = rep->entry;
    out->sp = rep->sp;
    out->task = c->got[0];
    out->pager = c->got[1];
    out->client = c->got[2];
    return 0;
}

int64_t mm_space_new(handle_t control, handle_t death_ntfn, uint64_t kmem_budget,
                     struct mm_space_caps *out)
{
    struct mm_space_new_req req = {.kmem_budget = kmem_budget};
    struct mm_space_rep rep;
    struct rpc_caps c = death_caps(death_ntfn);
    int64_t r = mm_space_new_call(control, &req, &rep, &c);
    return space_caps(control, r, &rep, &c, out);
}

int64_t mm_space_mmap(handle_t control, uint64_t id, uint64_t addr, uint64_t len,
                      unsigned prot, unsigned flags, handle_t file, uint64_t offset)
{
    struct mm_space_mmap_req req = {
        .map = {.addr = addr, .len = len, .prot = prot,
                .flags = flags | (file ? MM_MAP_FILE : 0), .offset = offset},
        .space = id};
    struct mm_addr_rep rep;
    struct rpc_caps c = {.nsend = file ? 1u : 0u, .send = {file}};
    int64_t r = mm_space_mmap_call(control, &req, &rep, &c);
    if (file)
        (void)sys_cap_delete(file); /* mm has its own copy now (or refused it) */
    return r < 0 ? r : (int64_t)rep.addr;
}

int64_t mm_space_write(handle_t control, uint64_t id, uint64_t addr, const void *data,
                       uint64_t len)
{
    struct mm_space_write_req req;
    const uint8_t *src = data;
    for (uint64_t done = 0; done < len;) {
        uint64_t n = len - done < MM_SPACE_WRITE_MAX ? len - done : MM_SPACE_WRITE_MAX;
        req.space = id;
        req.addr = addr + done;
        memcpy(req.data, src + done, n);
        int64_t r = mm_space_write_call_len(control, &req, (uint32_t)(MM_SPACE_WRITE_HDR + n),
                                            NULL, NULL, NULL);
        if (r < 0)
            return r;
        done += n;
    }
    return 0;
}

int64_t mm_space_set_brk(handle_t control, uint64_t id, uint64_t base)
{
    struct mm_space_set_brk_req req = {.space = id, .base = base};
    return mm_space_set_brk_call(control, &req, NULL, NULL);
}

int64_t mm_space_mprotect(handle_t control, uint64_t id, uint64_t addr, uint64_t len,
                          unsigned prot)
{
    struct mm_space_mprotect_req req = {.prot = {.addr = addr, .len = len, .prot = prot},
                                        .space = id};
    return mm_space_mprotect_call(control, &req, NULL, NULL);
}

int64_t mm_space_info(handle_t control, uint64_t id, uint64_t *death, uint64_t *addr,
                      uint64_t *pc)
{
    struct mm_space_id_req req = {.space = id};
    struct mm_space_info_rep rep;
    int64_t r = mm_space_info_call(control, &req, &rep, NULL);
    if (r < 0)
        return r;
    *death = rep.death;
    *addr = rep.addr;
    *pc = rep.pc;
    return 0;
}

int64_t mm_space_copy(handle_t control, uint64_t from, uint64_t to, uint64_t addr,
                      uint64_t len)
{
    struct mm_space_copy_req req = {.from = from, .to = to, .addr = addr, .len = len};
    return mm_space_copy_call(control, &req, NULL, NULL);
}

int64_t mm_space_fork(handle_t control, uint64_t id, handle_t death_ntfn,
                      struct mm_space_caps *out)
{
    struct mm_space_id_req req = {.space = id};
    struct mm_space_rep rep;
    struct rpc_caps c = death_caps(death_ntfn);
    int64_t r = mm_space_fork_call(control, &req, &rep, &c);
    return space_caps(control, r, &rep, &c, out);
}

int64_t mm_space_destroy(handle_t ep, uint64_t id)
{
    struct mm_space_id_req req = {.space = id};
    return mm_space_destroy_call(ep, &req, NULL, NULL);
}

/* The child's first thread starts in libsys's thread_entry with this block,
 * which the fork copies into the child like the rest of our memory. */
struct fork_start_block {
    void (*fn)(uint64_t);
    uint64_t arg;
    struct ipc_buffer *ipc;
};

static struct fork_start_block fork_block;
void thread_entry(void);

int64_t mm_fork_run(void (*fn)(uint64_t), uint64_t arg, unsigned prio, handle_t death_ntfn,
                    handle_t extra, struct mm_space_caps *out, handle_t *thread)
{
    fork_block.fn = fn;
    fork_block.arg = arg;
    fork_block.ipc = (struct ipc_buffer *)(uintptr_t)ROOT_IPC_BUFFER_VA;
    struct mm_space_rep rep;
    struct rpc_caps c = death_caps(death_ntfn);
    int64_t r = mm_fork_call(MM_CLIENT_SLOT, NULL, &rep, &c);
    r = space_caps(MM_CLIENT_SLOT, r, &rep, &c, out);
    if (r < 0)
        return r;
    int64_t th = sys_thread_create(out->task, prio);
    if (th < 0)
        return th;
    if ((r = sys_thread_set_handlers((handle_t)th, out->pager, 0)) < 0 ||
        (r = sys_thread_set_ipc_buffer((handle_t)th, ROOT_IPC_BUFFER_VA)) < 0 ||
        (r = sys_cap_grant(out->task, out->client, RIGHTS_ALL, 0, MM_CLIENT_SLOT)) < 0)
        return r;
    if (extra && (r = sys_cap_grant(out->task, extra, RIGHTS_ALL, 0, 2)) < 0)
        return r;
    /* The lower half of the stack area is unused by us: the child's stack. */
    uint64_t sp = MM_STACK_TOP - MM_STACK_LEN / 2;
    r = sys_thread_start((handle_t)th, (uint64_t)(uintptr_t)thread_entry, sp,
                         (uint64_t)(uintptr_t)&fork_block);
    if (r < 0)
        return r;
    *thread = (handle_t)th;
    return 0;
}
