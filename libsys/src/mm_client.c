/* mm client stubs (see sys/mm.h): the only code that builds mm messages. */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/mm.h>

#include <mica/bootinfo.h>

int64_t mm_mmap(uint64_t addr, uint64_t len, unsigned prot, unsigned flags)
{
    struct ipc_msg m = {.w = {addr, len, prot, flags}};
    int64_t r = ipc_request(MM_CLIENT_SLOT, MM_OP_MMAP, &m, 0);
    return r < 0 ? r : (int64_t)m.w[0];
}

int64_t mm_munmap(uint64_t addr, uint64_t len)
{
    struct ipc_msg m = {.w = {addr, len}};
    return ipc_request(MM_CLIENT_SLOT, MM_OP_MUNMAP, &m, 0);
}

int64_t mm_mmap_file(uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
                     handle_t file, uint64_t offset)
{
    struct ipc_msg m = {.tag = IPC_TAG(0, 0, 1),
                        .w = {addr, len, prot, flags | MM_MAP_FILE, offset}};
    ipc_buffer()->caps[0] = file;
    int64_t r = ipc_request(MM_CLIENT_SLOT, MM_OP_MMAP, &m, 0);
    (void)sys_cap_delete(file); /* mm has its own copy now (or refused it) */
    return r < 0 ? r : (int64_t)m.w[0];
}

int64_t mm_msync(uint64_t addr, uint64_t len)
{
    struct ipc_msg m = {.w = {addr, len}};
    return ipc_request(MM_CLIENT_SLOT, MM_OP_MSYNC, &m, 0);
}

int64_t mm_mprotect(uint64_t addr, uint64_t len, unsigned prot)
{
    struct ipc_msg m = {.w = {addr, len, prot}};
    return ipc_request(MM_CLIENT_SLOT, MM_OP_MPROTECT, &m, 0);
}

int64_t mm_brk(uint64_t addr)
{
    struct ipc_msg m = {.w = {addr}};
    int64_t r = ipc_request(MM_CLIENT_SLOT, MM_OP_BRK, &m, 0);
    return r < 0 ? r : (int64_t)m.w[0];
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
    struct ipc_msg m = {0};
    int64_t r = ipc_request(ep, MM_OP_STATS, &m, 0);
    if (r < 0)
        return r;
    out->free_frames = m.w[0];
    out->used_frames = m.w[1];
    out->spaces = m.w[2] & 0xffffu;
    out->backings = (m.w[2] >> 16) & 0xffffu;
    out->vmas = m.w[2] >> 32;
    out->zero_fill = m.w[3];
    out->cow_copy = m.w[4];
    out->cow_reenable = m.w[5];
    out->super_faults = m.w[6] & 0xffffffffu;
    out->file_faults = m.w[6] >> 32;
    out->killed = m.w[7] & 0xffffffffu;
    out->calls_cancelled = m.w[7] >> 32;
    return 0;
}

int64_t mm_page_info_pa(uint64_t addr, uint64_t *pte, uint64_t *refs, uint64_t *pa)
{
    struct ipc_msg m = {.w = {addr}};
    int64_t r = ipc_request(MM_CLIENT_SLOT, MM_OP_PAGE_INFO, &m, 0);
    if (r < 0)
        return r;
    *pte = m.w[0];
    *refs = m.w[1];
    *pa = m.w[2];
    return 0;
}

int64_t mm_page_info(uint64_t addr, uint64_t *pte, uint64_t *refs)
{
    struct ipc_msg m = {.w = {addr}};
    int64_t r = ipc_request(MM_CLIENT_SLOT, MM_OP_PAGE_INFO, &m, 0);
    if (r < 0)
        return r;
    *pte = m.w[0];
    *refs = m.w[1];
    return 0;
}

/* Sends op with an optional death notification and collects the three
 * capabilities of the new space. */
static int64_t space_request(handle_t ep, uint64_t op, struct ipc_msg *m, handle_t death,
                             struct mm_space_caps *out)
{
    struct ipc_buffer *b = ipc_buffer();
    b->recv_caps_max = 3;
    if (death) {
        b->caps[0] = death;
        m->tag = IPC_TAG(0, 0, 1);
    }
    int64_t r = ipc_request(ep, op, m, 0);
    b->recv_caps_max = 0;
    if (r < 0)
        return r;
    if (IPC_TAG_NCAPS(m->tag) != 3) {
        /* Our table could not take the capabilities: the space mm made
         * and the capabilities that did arrive go, or both leak for good. */
        uint64_t got = IPC_TAG_NCAPS(m->tag) < 3 ? IPC_TAG_NCAPS(m->tag) : 3;
        for (uint64_t i = 0; i < got; i++)
            (void)sys_cap_delete(b->caps[i]);
        struct ipc_msg d = {.w = {m->w[0]}};
        (void)ipc_request(ep, MM_OP_SPACE_DESTROY, &d, 0);
        return E_NOSPACE;
    }
    out->id = m->w[0];
    out->entry = m->w[1];
    out->sp = m->w[2];
    out->task = b->caps[0];
    out->pager = b->caps[1];
    out->client = b->caps[2];
    return 0;
}

int64_t mm_space_create(handle_t control, const char *name, handle_t death_ntfn,
                        struct mm_space_caps *out)
{
    struct ipc_msg m = {0};
    size_t n = strlen(name);
    if (n > 16)
        return E_RANGE;
    memcpy(&m.w[0], name, n);
    return space_request(control, MM_OP_SPACE_CREATE, &m, death_ntfn, out);
}

int64_t mm_space_new(handle_t control, handle_t death_ntfn, uint64_t kmem_budget,
                     struct mm_space_caps *out)
{
    struct ipc_msg m = {.w = {kmem_budget}};
    return space_request(control, MM_OP_SPACE_NEW, &m, death_ntfn, out);
}

int64_t mm_space_mmap(handle_t control, uint64_t id, uint64_t addr, uint64_t len,
                      unsigned prot, unsigned flags, handle_t file, uint64_t offset)
{
    struct ipc_msg m = {.w = {addr, len, prot, flags, offset, id}};
    if (file) {
        m.tag = IPC_TAG(0, 0, 1);
        m.w[3] |= MM_MAP_FILE;
        ipc_buffer()->caps[0] = file;
    }
    int64_t r = ipc_request(control, MM_OP_SPACE_MMAP, &m, 0);
    if (file)
        (void)sys_cap_delete(file); /* mm has its own copy now (or refused it) */
    return r < 0 ? r : (int64_t)m.w[0];
}

int64_t mm_space_write(handle_t control, uint64_t id, uint64_t addr, const void *data,
                       uint64_t len)
{
    const uint8_t *src = data;
    for (uint64_t done = 0; done < len;) {
        uint64_t n = len - done < IPC_BUF_DATA_MAX ? len - done : IPC_BUF_DATA_MAX;
        memcpy(ipc_buffer()->data, src + done, n);
        struct ipc_msg m = {.w = {id, addr + done}};
        int64_t r = ipc_request(control, MM_OP_SPACE_WRITE, &m, n);
        if (r < 0)
            return r;
        done += n;
    }
    return 0;
}

int64_t mm_space_set_brk(handle_t control, uint64_t id, uint64_t base)
{
    struct ipc_msg m = {.w = {id, base}};
    return ipc_request(control, MM_OP_SPACE_SET_BRK, &m, 0);
}

int64_t mm_space_info(handle_t control, uint64_t id, uint64_t *death, uint64_t *addr,
                      uint64_t *pc)
{
    struct ipc_msg m = {.w = {id}};
    int64_t r = ipc_request(control, MM_OP_SPACE_INFO, &m, 0);
    if (r < 0)
        return r;
    *death = m.w[0];
    *addr = m.w[1];
    *pc = m.w[2];
    return 0;
}

int64_t mm_space_copy(handle_t control, uint64_t from, uint64_t to, uint64_t addr,
                      uint64_t len)
{
    struct ipc_msg m = {.w = {from, to, addr, len}};
    return ipc_request(control, MM_OP_SPACE_COPY, &m, 0);
}

int64_t mm_space_fork(handle_t control, uint64_t id, handle_t death_ntfn,
                      struct mm_space_caps *out)
{
    struct ipc_msg m = {.w = {id}};
    return space_request(control, MM_OP_SPACE_FORK, &m, death_ntfn, out);
}

int64_t mm_space_destroy(handle_t ep, uint64_t id)
{
    struct ipc_msg m = {.w = {id}};
    return ipc_request(ep, MM_OP_SPACE_DESTROY, &m, 0);
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
    struct ipc_msg m = {0};
    int64_t r = space_request(MM_CLIENT_SLOT, MM_OP_FORK, &m, death_ntfn, out);
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
