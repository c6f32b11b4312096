/* Root-task memory (see sys/rootmem.h). */
#include <sys/mica.h>
#include <sys/rootmem.h>

#define PAGE 4096ull
#define MEGA (2ull << 20)

int64_t rootmem_init(struct rootmem *m, const struct bootinfo *info)
{
    const struct bootinfo_cap *best = NULL;
    for (uint32_t i = 0; i < info->ncaps; i++) {
        const struct bootinfo_cap *c = &info->caps[i];
        if (c->kind == BI_CAP_RAM && (!best || c->len > best->len))
            best = c;
    }
    if (!best)
        return E_NOENT;
    return rootmem_init_cap(m, best->handle, best->pa, best->len);
}

int64_t rootmem_init_cap(struct rootmem *m, handle_t cap, uint64_t pa, uint64_t len)
{
    m->cap = cap;
    m->pa = pa;
    m->len = len;
    m->next = 0;
    m->window = ROOTMEM_WINDOW_VA + (m->pa & (MEGA - 1));
    /* 2 MiB leaves where the physical address allows, 4 KiB elsewhere. */
    uint64_t off = 0;
    while (off < m->len) {
        uint64_t pa = m->pa + off;
        uint64_t va = m->window + off;
        bool big = (pa % MEGA) == 0 && (va % MEGA) == 0 && m->len - off >= MEGA;
        int64_t r = sys_map(ROOT_HANDLE_TASK, va, m->cap, off,
                            MAP_R | MAP_W | (big ? MAP_SIZE_2M : MAP_SIZE_4K));
        if (r < 0)
            return r;
        off += big ? MEGA : PAGE;
    }
    return 0;
}

int64_t rootmem_alloc(struct rootmem *m, uint64_t len, uint64_t align)
{
    if (align < PAGE || (align & (align - 1)))
        return E_INVAL;
    /* Align the physical address, which is what superpages need. */
    uint64_t pa = (m->pa + m->next + align - 1) & ~(align - 1);
    uint64_t off = pa - m->pa;
    len = (len + PAGE - 1) & ~(PAGE - 1);
    if (len == 0 || off > m->len || len > m->len - off)
        return E_NOMEM;
    m->next = off + len;
    memset(rootmem_ptr(m, off), 0, len);
    return (int64_t)off;
}
