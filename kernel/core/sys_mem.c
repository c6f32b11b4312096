/*
 * Page-table system calls: the kernel installs, changes and removes the
 * entries a holder of the task and frame capabilities asks for, after
 * checking rights, alignment and ranges. It never decides what to map.
 */
#include <arch/mmu.h>
#include <kernel/budget.h>
#include <kernel/cap.h>
#include <kernel/kmem.h>
#include <kernel/syscall_args.h>
#include <kernel/syscalls.h>
#include <kernel/task.h>
#include <kernel/thread.h>

#include <mica/ipc.h>

static unsigned mmu_flags_from_map(uint64_t f)
{
    unsigned m = MMU_USER;
    if (f & MAP_R)
        m |= MMU_READ;
    if (f & MAP_W)
        m |= MMU_WRITE;
    if (f & MAP_X)
        m |= MMU_EXEC;
    if (f & MAP_SW0)
        m |= MMU_SW0;
    if (f & MAP_SW1)
        m |= MMU_SW1;
    return m;
}

static uint64_t map_flags_from_mmu(unsigned m, int level)
{
    uint64_t f = MAP_PRESENT | ((uint64_t)level << 8);
    if (m & MMU_READ)
        f |= MAP_R;
    if (m & MMU_WRITE)
        f |= MAP_W;
    if (m & MMU_EXEC)
        f |= MAP_X;
    if (m & MMU_SW0)
        f |= MAP_SW0;
    if (m & MMU_SW1)
        f |= MAP_SW1;
    return f;
}

uint64_t fault_pte_flags(struct thread *t, vaddr_t va)
{
    paddr_t pa;
    unsigned m;
    int level;
    if (arch_mmu_query(t->task->vs.root, va, &pa, &m, &level) != E_OK ||
        !(m & MMU_USER))
        return 0;
    return map_flags_from_mmu(m, level);
}

#define MAP_FLAGS_VALID (MAP_R | MAP_W | MAP_X | MAP_SW0 | MAP_SW1 | MAP_SIZE_MASK | MAP_REPLACE)

/* Checks a user range [va, va + len) for mapping: inside user space. */
static err_t check_user_range(vaddr_t va, uint64_t len)
{
    if (va + len < va || va + len > USER_VA_TOP || va < USER_VA_MIN)
        return E_RANGE;
    return E_OK;
}

/* The task (argument 0, with MANAGE) and user address (argument 1) that
 * unmap, protect and query work on. */
static err_t task_and_va(struct thread *t, struct task **task, vaddr_t *va)
{
    struct cap *tc;
    err_t err = cap_lookup(&t->task->cs, (uint32_t)sc_arg(t, 0), CAP_TASK, RIGHT_MANAGE, &tc);
    if (err != E_OK)
        return err;
    *va = sc_arg(t, 1);
    if (check_user_range(*va, 1) != E_OK)
        return E_RANGE;
    *task = (struct task *)tc->obj;
    return E_OK;
}

/* SYS_MAP(task, va, frame, offset, flags) */
void sys_map(struct thread *t)
{
    struct cap *tc, *fc;
    uint64_t va = sc_arg(t, 1), off = sc_arg(t, 3), flags = sc_arg(t, 4);
    err_t err = cap_lookup(&t->task->cs, (uint32_t)sc_arg(t, 0), CAP_TASK, RIGHT_MANAGE, &tc);
    if (err == E_OK)
        err = cap_lookup(&t->task->cs, (uint32_t)sc_arg(t, 2), CAP_FRAME, 0, &fc);
    if (err != E_OK)
        SC_RETURN(t, err);
    if (flags & ~(uint64_t)MAP_FLAGS_VALID)
        SC_RETURN(t, E_INVAL);
    int level = (int)((flags & MAP_SIZE_MASK) >> 8);
    if (level > MMU_LEVEL_1G)
        SC_RETURN(t, E_INVAL);
    unsigned need = ((flags & MAP_R) ? RIGHT_READ : 0) | ((flags & MAP_W) ? RIGHT_WRITE : 0) |
                    ((flags & MAP_X) ? RIGHT_EXEC : 0);
    if ((fc->rights & need) != need)
        SC_RETURN(t, E_PERM);
    uint64_t size = mmu_level_size(level);
    if (!IS_ALIGNED(va, size) || !IS_ALIGNED(off, PAGE_SIZE))
        SC_RETURN(t, E_ALIGN);
    if (off >= fc->len || size > fc->len - off)
        SC_RETURN(t, E_RANGE);
    paddr_t pa = fc->pa + off;
    if (!IS_ALIGNED(pa, size))
        SC_RETURN(t, E_ALIGN);
    err = check_user_range(va, size);
    if (err != E_OK)
        SC_RETURN(t, err);
    struct task *task = (struct task *)tc->obj;
    /* Page tables are charged to the task whose space they are in, so a
     * space whose budget is used up cannot make its pager hurt anyone
     * else. A map needs at most two new tables: walk only when that is
     * more than the budget has left. */
    if (task->used + 2 * PAGE_SIZE > task->budget &&
        task->used + arch_mmu_tables_missing(task->vs.root, va, level) * PAGE_SIZE >
            task->budget)
        SC_RETURN(t, E_NOMEM);
    uint64_t free_before = kernel_pmm.nfree;
    unsigned mflags = mmu_flags_from_map(flags);
    if (flags & MAP_REPLACE) {
        err = arch_mmu_replace(task->vs.root, va, pa, level, mflags);
    } else {
        err = arch_mmu_map(task->vs.root, va, pa, level, mflags);
        if (err == E_EXIST && level > MMU_LEVEL_4K &&
            arch_mmu_reclaim_empty(task->vs.root, va, level))
            err = arch_mmu_map(task->vs.root, va, pa, level, mflags);
    }
    if (err == E_OK)
        arch_tlb_flush_page(va, task->vs.asid); /* the old entry may be cached */
    /* What the map really took: tables it made, less an empty one it
     * reclaimed (unsigned arithmetic wraps round to a subtraction then). */
    task->used += (free_before - kernel_pmm.nfree) * PAGE_SIZE;
    syscall_return(t, err);
}

/* SYS_UNMAP(task, va) */
void sys_unmap(struct thread *t)
{
    struct task *task;
    vaddr_t va;
    err_t err = task_and_va(t, &task, &va);
    if (err != E_OK)
        SC_RETURN(t, err);
    paddr_t pa;
    int level;
    err = arch_mmu_unmap(task->vs.root, va, &pa, &level);
    if (err == E_OK)
        arch_tlb_flush_page(ALIGN_DOWN(va, mmu_level_size(level)), task->vs.asid);
    syscall_return(t, err);
}

/* SYS_PROTECT(task, va, flags): R/W/X and RSW bits of the leaf at va. Only
 * removes permissions (R/W/X not already present are refused with E_PERM):
 * adding them needs the frame capability, through SYS_MAP with MAP_REPLACE. */
void sys_protect(struct thread *t)
{
    struct task *task;
    vaddr_t va;
    uint64_t flags = sc_arg(t, 2);
    err_t err = task_and_va(t, &task, &va);
    if (err != E_OK)
        SC_RETURN(t, err);
    if (flags & ~(uint64_t)(MAP_R | MAP_W | MAP_X | MAP_SW0 | MAP_SW1))
        SC_RETURN(t, E_INVAL);
    paddr_t pa;
    unsigned old;
    int level;
    if (arch_mmu_query(task->vs.root, va, &pa, &old, &level) != E_OK)
        SC_RETURN(t, E_NOENT);
    unsigned want = mmu_flags_from_map(flags);
    unsigned perms = MMU_READ | MMU_WRITE | MMU_EXEC;
    if ((want & perms) & ~(old & perms))
        SC_RETURN(t, E_PERM);
    err = arch_mmu_protect(task->vs.root, va, want, &level);
    if (err == E_OK)
        arch_tlb_flush_page(ALIGN_DOWN(va, mmu_level_size(level)), task->vs.asid);
    syscall_return(t, err);
}

/* SYS_QUERY(task, va) -> MAP_* flags | size | MAP_PRESENT, RET1 = pa of va. */
void sys_query(struct thread *t)
{
    struct task *task;
    vaddr_t va;
    err_t err = task_and_va(t, &task, &va);
    if (err != E_OK)
        SC_RETURN(t, err);
    paddr_t pa;
    unsigned m;
    int level;
    if (arch_mmu_query(task->vs.root, va, &pa, &m, &level) != E_OK || !(m & MMU_USER)) {
        arch_regs_set(&t->regs, ARCH_REG_RET1, 0);
        SC_RETURN(t, 0);
    }
    arch_regs_set(&t->regs, ARCH_REG_RET1, pa);
    syscall_return(t, (int64_t)map_flags_from_mmu(m, level));
}

/* SYS_QUERY_NEXT(task, va, end) -> flags of the first leaf in [va, end),
 * RET1 = its pa, RET2 = its va; 0 when there is none. How a pager walks what
 * is mapped (fork, munmap) without a page-by-page search. */
void sys_query_next(struct thread *t)
{
    struct task *task;
    vaddr_t va;
    err_t err = task_and_va(t, &task, &va);
    if (err != E_OK)
        SC_RETURN(t, err);
    uint64_t end = sc_arg(t, 2);
    if (end > USER_VA_TOP)
        end = USER_VA_TOP;
    vaddr_t leaf_va;
    paddr_t pa;
    unsigned m;
    int level;
    if (arch_mmu_next(task->vs.root, va, end, &leaf_va, &pa, &m, &level) != E_OK ||
        !(m & MMU_USER))
        SC_RETURN(t, 0);
    arch_regs_set(&t->regs, ARCH_REG_RET1, pa);
    arch_regs_set(&t->regs, ARCH_REG_RET2, leaf_va);
    syscall_return(t, (int64_t)map_flags_from_mmu(m, level));
}

/* SYS_FRAME_DERIVE(frame, offset, len, rights) -> a child capability for a
 * page-aligned piece of the frame, with at most the frame's rights. How a
 * server hands out one page of a large frame (a page-cache page to mm)
 * without splitting the frame; revoking the frame revokes the piece. */
void sys_frame_derive(struct thread *t)
{
    struct cap *fc;
    uint64_t off = sc_arg(t, 1), len = sc_arg(t, 2), rights = sc_arg(t, 3);
    struct cspace *cs = &t->task->cs;
    err_t err = cap_lookup(cs, (uint32_t)sc_arg(t, 0), CAP_FRAME, 0, &fc);
    if (err != E_OK)
        SC_RETURN(t, err);
    if (rights & ~(uint64_t)RIGHTS_ALL)
        SC_RETURN(t, E_INVAL);
    if (!IS_ALIGNED(off, PAGE_SIZE) || !IS_ALIGNED(len, PAGE_SIZE))
        SC_RETURN(t, E_ALIGN);
    /* Both checks are needed: off + len can wrap. */
    if (len == 0 || off >= fc->len || len > fc->len - off)
        SC_RETURN(t, E_RANGE);
    uint32_t slot;
    err = cap_free_slot(cs, &slot);
    if (err != E_OK)
        SC_RETURN(t, err);
    struct cap *piece = &cs->slots[slot];
    cap_derive(piece, fc, (unsigned)rights, 0);
    piece->pa = fc->pa + off;
    piece->len = len;
    syscall_return(t, slot);
}

/* SYS_FRAME_SPLIT(frame, offset) -> handle of the upper part. */
void sys_frame_split(struct thread *t)
{
    struct cap *fc;
    uint64_t off = sc_arg(t, 1);
    struct cspace *cs = &t->task->cs;
    err_t err = cap_lookup(cs, (uint32_t)sc_arg(t, 0), CAP_FRAME, 0, &fc);
    if (err != E_OK)
        SC_RETURN(t, err);
    if (!IS_ALIGNED(off, PAGE_SIZE))
        SC_RETURN(t, E_ALIGN);
    if (off == 0 || off >= fc->len)
        SC_RETURN(t, E_RANGE);
    if (fc->first_child)
        SC_RETURN(t, E_BUSY); /* copies cover the whole range */
    uint32_t slot;
    err = cap_free_slot(cs, &slot);
    if (err != E_OK)
        SC_RETURN(t, err);
    struct cap *upper = &cs->slots[slot];
    /* The upper part is a sibling: revoking the parent reaches both. */
    if (fc->parent)
        cap_derive(upper, fc->parent, fc->rights, 0);
    else
        cap_install(upper, CAP_FRAME, fc->rights, NULL, 0, 0);
    upper->pa = fc->pa + off;
    upper->len = fc->len - off;
    fc->len = off;
    syscall_return(t, slot);
}
