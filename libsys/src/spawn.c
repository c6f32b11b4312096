/* Loading ELF tasks and starting threads (see sys/spawn.h). */
#include <lib/elf.h>
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/spawn.h>

#include <mica/bootimg.h>

#define PAGE 4096ull

static unsigned seg_map_flags(uint32_t perm)
{
    unsigned f = 0;
    if (perm & ELF_SEG_R)
        f |= MAP_R;
    if (perm & ELF_SEG_W)
        f |= MAP_R | MAP_W;
    if (perm & ELF_SEG_X)
        f |= MAP_X;
    return f;
}

/* Maps fresh zeroed pages for [va, va + len) into task; returns the
 * offset in m of the first (the run is contiguous) or err_t. */
static int64_t map_fresh(struct rootmem *m, handle_t task, uint64_t va, uint64_t len,
                         unsigned flags)
{
    int64_t off = rootmem_alloc(m, len, PAGE);
    if (off < 0)
        return off;
    for (uint64_t p = 0; p < len; p += PAGE) {
        int64_t r = sys_map(task, va + p, m->cap, (uint64_t)off + p, flags);
        if (r < 0)
            return r;
    }
    return off;
}

int64_t spawn_elf(struct rootmem *m, const void *elf, uint64_t len, unsigned prio,
                  struct spawned *out)
{
    return spawn_elf_slots(m, elf, len, prio, 0, SPAWN_BUDGET_DEFAULT, out);
}

/* Maps the segments, stack and IPC buffer and makes the thread. */
static int64_t populate(struct rootmem *m, handle_t task, const void *elf,
                        const struct elf_image *img, unsigned prio)
{
    for (uint32_t i = 0; i < img->nsegments; i++) {
        const struct elf_segment *s = &img->seg[i];
        uint64_t start = s->vaddr & ~(PAGE - 1);
        uint64_t end = (s->vaddr + s->memsz + PAGE - 1) & ~(PAGE - 1);
        int64_t off = map_fresh(m, task, start, end - start, seg_map_flags(s->perm));
        if (off < 0)
            return off;
        memcpy((uint8_t *)rootmem_ptr(m, (uint64_t)off) + (s->vaddr - start),
               (const uint8_t *)elf + s->offset, s->filesz);
    }
    uint64_t stack_len = SPAWN_STACK_PAGES * PAGE;
    int64_t r = map_fresh(m, task, ROOT_STACK_TOP - stack_len, stack_len, MAP_R | MAP_W);
    if (r < 0)
        return r;
    r = map_fresh(m, task, ROOT_IPC_BUFFER_VA, PAGE, MAP_R | MAP_W);
    if (r < 0)
        return r;
    int64_t th = sys_thread_create(task, prio);
    if (th < 0)
        return th;
    r = sys_thread_set_ipc_buffer((handle_t)th, ROOT_IPC_BUFFER_VA);
    if (r < 0) {
        (void)sys_cap_delete((handle_t)th);
        return r;
    }
    return th;
}

int64_t spawn_elf_slots(struct rootmem *m, const void *elf, uint64_t len, unsigned prio,
                        uint32_t nslots, uint64_t budget, struct spawned *out)
{
    struct elf_image img;
    if (elf_parse(elf, len, 0x1000, ROOT_BOOTIMG_VA, &img) != E_OK)
        return E_INVAL;
    int64_t task = sys_task_create(ROOT_HANDLE_TASK, nslots, budget);
    if (task < 0)
        return task;
    int64_t th = populate(m, (handle_t)task, elf, &img, prio);
    if (th < 0) {
        /* The kernel memory comes back with the task (its RAM stays with m). */
        (void)sys_cap_delete((handle_t)task);
        return th;
    }
    out->task = (handle_t)task;
    out->thread = (handle_t)th;
    out->entry = img.entry;
    out->sp = ROOT_STACK_TOP;
    return 0;
}

int64_t spawn_start(const struct spawned *s, uint64_t arg)
{
    return sys_thread_start(s->thread, s->entry, s->sp, arg);
}

int64_t bootimg_lookup(const struct bootinfo *info, const char *name,
                       const void **data, uint64_t *len)
{
    const struct bootimg_header *h = (const void *)(uintptr_t)info->bootimg_va;
    if (h->magic != BOOTIMG_MAGIC)
        return E_CORRUPT;
    const struct bootimg_entry *e = (const void *)(h + 1);
    for (uint32_t i = 0; i < h->nentries && i < BOOTIMG_MAX_ENTRIES; i++) {
        if (strncmp(e[i].name, name, BOOTIMG_NAME_MAX) == 0) {
            if (e[i].offset > info->bootimg_len || e[i].len > info->bootimg_len - e[i].offset)
                return E_CORRUPT;
            *data = (const uint8_t *)h + e[i].offset;
            *len = e[i].len;
            return 0;
        }
    }
    return E_NOENT;
}

/* A new thread starts here with a0 = its start block (on its stack). */
struct thread_start_block {
    void (*fn)(uint64_t);
    uint64_t arg;
    struct ipc_buffer *ipc;
};

void thread_trampoline(struct thread_start_block *b);
void thread_entry(void); /* crt0.S: sets gp, calls thread_trampoline */

void thread_trampoline(struct thread_start_block *b)
{
    ipc_set_buffer(b->ipc);
    b->fn(b->arg);
    sys_exit(0);
}

int64_t thread_spawn(struct rootmem *m, void (*fn)(uint64_t), uint64_t arg,
                     unsigned prio)
{
    uint64_t stack_len = SPAWN_STACK_PAGES * PAGE;
    int64_t stack = rootmem_alloc(m, stack_len + PAGE, PAGE);
    if (stack < 0)
        return stack;
    uint8_t *base = rootmem_ptr(m, (uint64_t)stack);
    struct ipc_buffer *ipc = (struct ipc_buffer *)(base + stack_len);
    struct thread_start_block *b =
        (struct thread_start_block *)(base + stack_len - sizeof(*b));
    b->fn = fn;
    b->arg = arg;
    b->ipc = ipc;
    int64_t th = sys_thread_create(ROOT_HANDLE_TASK, prio);
    if (th < 0)
        return th;
    int64_t r = sys_thread_set_ipc_buffer((handle_t)th, (uint64_t)(uintptr_t)ipc);
    if (r < 0)
        return r;
    uint64_t sp = ((uint64_t)(uintptr_t)b) & ~15ull;
    r = sys_thread_start((handle_t)th, (uint64_t)(uintptr_t)thread_entry, sp,
                         (uint64_t)(uintptr_t)b);
    return r < 0 ? r : th;
}
