/* Error paths of every kind of syscall: each returns its documented error
 * and the kernel keeps running. */
#include "ktest.h"

#define KERNEL_VA 0xffffffc080200000ull
#define UNMAPPED_VA 0x123450000ull
#define CSPACE_MAX_SLOTS_FOR_TEST 4096 /* the kernel's CSPACE_MAX_SLOTS */
/* What a task of 4096 slots needs for itself: its table and root page table. */
#define BIG_TASK_BUDGET ((4096 * 72ull + 4095) / 4096 * 4096 + 4096)

void kt_bad_handles(void)
{
    struct cap_info ci;
    CHECK_EQ(sys_cap_info(0, &ci), E_BADH);
    CHECK_EQ(sys_cap_info(999, &ci), E_BADH);     /* empty slot */
    CHECK_EQ(sys_cap_info(5000, &ci), E_BADH);    /* beyond the table */
    CHECK_EQ(sys_cap_info(0xffffffffu, &ci), E_BADH);
    struct ipc_msg m = {0};
    CHECK_EQ(ipc_call(999, &m), E_BADH);
    CHECK_EQ(ipc_recv(999, &m), E_BADH);
    CHECK_EQ(ntfn_signal(999), E_BADH);
    CHECK_EQ(sys_map(999, 0x10000000, kt_mem.cap, 0, MAP_R), E_BADH);
    CHECK_EQ(sys_thread_start(999, 0x10000, 0, 0), E_BADH);
    /* The right number of the wrong type. */
    int64_t n = sys_notification_create();
    CHECK(n > 0);
    CHECK_EQ(ipc_call((handle_t)n, &m), E_BADH);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, 0x10000000, (handle_t)n, 0, MAP_R), E_BADH);
    CHECK_EQ(sys_thread_suspend(ROOT_HANDLE_TASK), E_BADH);
    CHECK_EQ(sys_cap_delete((handle_t)n), 0);
}

void kt_rights(void)
{
    int64_t ep = sys_endpoint_create();
    CHECK(ep > 0);
    int64_t ro = sys_cap_copy((handle_t)ep, RIGHT_READ, 0);
    CHECK(ro > 0);
    struct ipc_msg m = {0};
    CHECK_EQ(ipc_call((handle_t)ro, &m), E_PERM);   /* sending needs WRITE */
    CHECK_EQ(ipc_nbsend((handle_t)ro, &m), E_PERM);
    int64_t wo = sys_cap_copy((handle_t)ep, RIGHT_WRITE, 0);
    CHECK_EQ(ipc_nbrecv((handle_t)wo, &m), E_PERM); /* receiving needs READ */
    int64_t frame_ro = sys_cap_copy(kt_mem.cap, RIGHT_READ, 0);
    CHECK(frame_ro > 0);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, 0x10000000, (handle_t)frame_ro, 0, MAP_R | MAP_W), E_PERM);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, 0x10000000, (handle_t)frame_ro, 0, MAP_R | MAP_X), E_PERM);
    int64_t task_nomanage = sys_cap_copy(ROOT_HANDLE_TASK, RIGHT_READ, 0);
    CHECK_EQ(sys_map((handle_t)task_nomanage, 0x10000000, kt_mem.cap, 0, MAP_R), E_PERM);
    /* A copy never gains rights, and only endpoints/notifications take badges. */
    int64_t again = sys_cap_copy((handle_t)ro, RIGHTS_ALL, 0);
    struct cap_info ci;
    CHECK_EQ(sys_cap_info((handle_t)again, &ci), 0);
    CHECK_EQ(ci.rights, RIGHT_READ);
    CHECK_EQ(sys_cap_copy(kt_mem.cap, RIGHTS_ALL, 5), E_INVAL);
    CHECK_EQ(sys_cap_copy((handle_t)ep, RIGHTS_ALL, 1ull << 63), E_INVAL);
    CHECK_EQ(sys_cap_copy((handle_t)ep, 0x100, 0), E_INVAL);
    /* Threads cannot be created above the creator's priority. */
    CHECK_EQ(sys_thread_create(ROOT_HANDLE_TASK, 63), E_PERM);
    sys_cap_delete((handle_t)again);
    sys_cap_delete((handle_t)task_nomanage);
    sys_cap_delete((handle_t)frame_ro);
    sys_cap_delete((handle_t)wo);
    sys_cap_delete((handle_t)ro);
    sys_cap_delete((handle_t)ep);
}

void kt_bad_pointers(void)
{
    CHECK_EQ(sys_debug_write((void *)KERNEL_VA, 8), E_FAULT);
    CHECK_EQ(sys_debug_write((void *)UNMAPPED_VA, 8), E_FAULT);
    CHECK_EQ(sys_debug_write((void *)0, 1), E_FAULT);
    CHECK_EQ(sys_debug_write((void *)0x3ffffffff0ull, 0x20), E_FAULT); /* runs out of user space */
    CHECK_EQ(sys_debug_write((void *)~0ull, 2), E_FAULT);               /* wraps */
    CHECK_EQ(sys_debug_write("x", SYS_DEBUG_WRITE_MAX + 1), E_RANGE);
    int64_t th = sys_thread_create(ROOT_HANDLE_TASK, 10);
    CHECK(th > 0);
    CHECK_EQ(sys_thread_read_regs((handle_t)th, (struct mica_regs *)KERNEL_VA), E_FAULT);
    CHECK_EQ(sys_thread_read_regs((handle_t)th, (struct mica_regs *)UNMAPPED_VA), E_FAULT);
    CHECK_EQ(sys_thread_write_regs((handle_t)th, (struct mica_regs *)KERNEL_VA), E_FAULT);
    /* The root task's text is mapped, but not writable. */
    CHECK_EQ(sys_thread_read_regs((handle_t)th, (struct mica_regs *)(uintptr_t)main), E_FAULT);
    CHECK_EQ(sys_thread_set_ipc_buffer((handle_t)th, 0x10000001), E_ALIGN);
    CHECK_EQ(sys_thread_set_ipc_buffer((handle_t)th, KERNEL_VA), E_RANGE);
    CHECK_EQ(sys_thread_start((handle_t)th, KERNEL_VA, 0, 0), E_RANGE);
    /* An IPC buffer that is not mapped: a message with data fails. */
    CHECK_EQ(sys_thread_set_ipc_buffer((handle_t)th, UNMAPPED_VA), 0);
    CHECK_EQ(sys_cap_delete((handle_t)th), 0);
}

void kt_bad_messages(void)
{
    int64_t ep = sys_endpoint_create();
    struct ipc_msg m = {.tag = IPC_TAG(1, IPC_BUF_DATA_MAX + 1, 0)};
    CHECK_EQ(ipc_nbsend((handle_t)ep, &m), E_RANGE);
    m.tag = IPC_TAG(1, 0, 5);
    CHECK_EQ(ipc_nbsend((handle_t)ep, &m), E_RANGE);
    /* Capabilities through an endpoint capability without GRANT. */
    int64_t nogrant = sys_cap_copy((handle_t)ep, RIGHT_READ | RIGHT_WRITE, 0);
    ipc_buffer()->caps[0] = (handle_t)ep;
    m.tag = IPC_TAG(1, 0, 1);
    CHECK_EQ(ipc_nbsend((handle_t)nogrant, &m), E_PERM);
    /* Naming a capability that does not exist. */
    ipc_buffer()->caps[0] = 999;
    CHECK_EQ(ipc_nbsend((handle_t)ep, &m), E_BADH);
    /* Non-blocking operations with nobody on the other side. */
    m.tag = IPC_TAG(1, 0, 0);
    CHECK_EQ(ipc_nbsend((handle_t)ep, &m), E_AGAIN);
    CHECK_EQ(ipc_nbrecv((handle_t)ep, &m), E_AGAIN);
    int64_t n = sys_notification_create();
    CHECK_EQ(ntfn_poll((handle_t)n), 0);
    /* A reply when none is owed. */
    CHECK_EQ(ipc_reply(&m), E_NOENT);
    /* Unknown syscall numbers. */
    CHECK_EQ(sys_raw6(9999, 0, 0, 0, 0, 0, 0), E_NOSYS);
    CHECK_EQ(sys_raw6(0, 0, 0, 0, 0, 0, 0), E_NOSYS);
    CHECK_EQ(sys_raw6(~0ull, 0, 0, 0, 0, 0, 0), E_NOSYS);
    sys_cap_delete((handle_t)n);
    sys_cap_delete((handle_t)nogrant);
    sys_cap_delete((handle_t)ep);
}

void kt_bad_mappings(void)
{
    int64_t off2m = rootmem_alloc(&kt_mem, 4ull << 20, 2ull << 20);
    CHECK(off2m >= 0);
    uint64_t va = 0x30000000;
    /* Superpage alignment: virtual, then physical. */
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va + 0x1000, kt_mem.cap, (uint64_t)off2m,
                  MAP_R | MAP_SIZE_2M), E_ALIGN);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va, kt_mem.cap, (uint64_t)off2m + 0x1000,
                  MAP_R | MAP_SIZE_2M), E_ALIGN);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va, kt_mem.cap, 0x10, MAP_R), E_ALIGN);
    /* Beyond the frame. */
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va, kt_mem.cap, kt_mem.len, MAP_R), E_RANGE);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va, kt_mem.cap, ~0xfffull, MAP_R), E_RANGE);
    /* Over kernel space, or outside user space. */
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, KERNEL_VA & ~0xfffull, kt_mem.cap, 0, MAP_R), E_RANGE);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, 0x4000000000ull, kt_mem.cap, 0, MAP_R), E_RANGE);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, 0, kt_mem.cap, 0, MAP_R), E_RANGE);
    CHECK_EQ(sys_unmap(ROOT_HANDLE_TASK, KERNEL_VA), E_RANGE);
    CHECK_EQ(sys_protect(ROOT_HANDLE_TASK, KERNEL_VA, MAP_R), E_RANGE);
    /* Bad flags: none of R/X, W without R, unknown bits, bad size. */
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va, kt_mem.cap, (uint64_t)off2m, 0), E_INVAL);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va, kt_mem.cap, (uint64_t)off2m, MAP_W), E_INVAL);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va, kt_mem.cap, (uint64_t)off2m, MAP_R | (1u << 20)), E_INVAL);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va, kt_mem.cap, (uint64_t)off2m, MAP_R | (3u << 8)), E_INVAL);
    /* Mapping twice, unmapping nothing, replacing nothing. */
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va, kt_mem.cap, (uint64_t)off2m, MAP_R), 0);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va, kt_mem.cap, (uint64_t)off2m, MAP_R), E_EXIST);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va, kt_mem.cap, (uint64_t)off2m, MAP_R | MAP_SIZE_2M), E_EXIST);
    CHECK_EQ(sys_unmap(ROOT_HANDLE_TASK, va), 0);
    CHECK_EQ(sys_unmap(ROOT_HANDLE_TASK, va), E_NOENT);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va, kt_mem.cap, (uint64_t)off2m, MAP_R | MAP_REPLACE), E_NOENT);
    /* Protect cannot add permissions. */
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va, kt_mem.cap, (uint64_t)off2m, MAP_R), 0);
    CHECK_EQ(sys_protect(ROOT_HANDLE_TASK, va, MAP_R | MAP_W), E_PERM);
    CHECK_EQ(sys_protect(ROOT_HANDLE_TASK, va + 0x1000, MAP_R), E_NOENT);
    CHECK_EQ(sys_unmap(ROOT_HANDLE_TASK, va), 0);
    /* Frame splitting. */
    CHECK_EQ(sys_frame_split(kt_mem.cap, 0x10), E_ALIGN);
    CHECK_EQ(sys_frame_split(kt_mem.cap, 0), E_RANGE);
    CHECK_EQ(sys_frame_split(kt_mem.cap, kt_mem.len), E_RANGE);
}

void kt_pool_exhaustion(void)
{
    /* Tasks with the largest tables take 72 bytes x 4096 slots each from
     * the kernel pool: it runs out long before the caller's table does. */
    static handle_t tasks[512];
    int n = 0;
    int64_t r = 0;
    while (n < 512) {
        r = sys_task_create(ROOT_HANDLE_TASK, 4096, BIG_TASK_BUDGET);
        if (r < 0)
            break;
        tasks[n++] = (handle_t)r;
    }
    CHECK_EQ(r, E_NOMEM);
    CHECK(n > 10);
    /* Exhausted: other creations fail cleanly too (or fit in the slack). */
    int64_t ep = sys_endpoint_create();
    CHECK(ep > 0 || ep == E_NOMEM);
    if (ep > 0)
        sys_cap_delete((handle_t)ep);
    /* Everything comes back when the tasks go. */
    for (int i = 0; i < n; i++)
        CHECK_EQ(sys_cap_delete(tasks[i]), 0);
    int again = 0;
    while (again < n) {
        r = sys_task_create(ROOT_HANDLE_TASK, 4096, BIG_TASK_BUDGET);
        if (r < 0)
            break;
        tasks[again++] = (handle_t)r;
    }
    /* All of it, but for at most one page: an endpoint's slab page, which
     * the kernel keeps once carved (docs/kernel-api.md, kernel memory). */
    CHECK(again >= n - 1);
    for (int i = 0; i < again; i++)
        sys_cap_delete(tasks[i]);
    sys_printf("  %d tasks of 4096 slots fit in the kernel pool\n", n);
}

static void spin_forever(uint64_t arg)
{
    (void)arg;
    for (;;)
        sys_yield();
}

void kt_misc_errors(void)
{
    CHECK_EQ(sys_cap_revoke(999), E_BADH);
    CHECK_EQ(sys_task_create(ROOT_HANDLE_TASK, CSPACE_MAX_SLOTS_FOR_TEST + 1, BIG_TASK_BUDGET), E_INVAL);
    /* A started thread cannot be started again; priorities are bounded by
     * the caller's own and by PRIO_MAX. */
    int64_t th = thread_spawn(&kt_mem, spin_forever, 0, 20);
    CHECK(th > 0);
    CHECK_EQ(sys_thread_start((handle_t)th, 0x10000, 0x20000, 0), E_BUSY);
    CHECK_EQ(sys_thread_set_priority((handle_t)th, 30), 0);
    CHECK_EQ(sys_thread_set_priority((handle_t)th, 61), E_PERM);
    CHECK_EQ(sys_thread_set_priority((handle_t)th, 64), E_INVAL);
    /* Handlers must be endpoints that can be sent to. */
    int64_t n = sys_notification_create();
    CHECK_EQ(sys_thread_set_handlers((handle_t)th, (handle_t)n, 0), E_BADH);
    int64_t ep = sys_endpoint_create();
    int64_t ep_ro = sys_cap_copy((handle_t)ep, RIGHT_READ, 0);
    CHECK_EQ(sys_thread_set_handlers((handle_t)th, 0, (handle_t)ep_ro), E_PERM);
    CHECK_EQ(sys_thread_set_handlers((handle_t)th, (handle_t)ep, (handle_t)ep), 0);
    CHECK_EQ(sys_thread_set_handlers((handle_t)th, 0, 0), 0);
    CHECK_EQ(sys_cap_delete((handle_t)th), 0);
    /* Queries outside user space; IRQ binding to something else. */
    CHECK_EQ(sys_query(ROOT_HANDLE_TASK, 0xffffffc080200000ull, NULL), E_RANGE);
    CHECK_EQ(sys_query(ROOT_HANDLE_TASK, 0x123456000ull, NULL), 0); /* unmapped: no flags */
    int64_t irq = sys_irq_get(ROOT_HANDLE_IRQ_CONTROL, 5);
    CHECK(irq > 0);
    CHECK_EQ(sys_irq_bind((handle_t)irq, (handle_t)ep), E_BADH);
    CHECK_EQ(sys_irq_ack((handle_t)irq), E_BUSY);
    CHECK_EQ(sys_cap_delete((handle_t)irq), 0);
    CHECK(sys_irq_get(ROOT_HANDLE_IRQ_CONTROL, 5) > 0); /* free again */
    sys_cap_delete((handle_t)ep_ro);
    sys_cap_delete((handle_t)ep);
    sys_cap_delete((handle_t)n);
}

