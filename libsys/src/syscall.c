/* System-call stubs (see sys/mica.h); IPC stubs are inline in sys/ipc.h. */
#include <sys/ipc.h>
#include <sys/mica.h>

#include <mica/bootinfo.h>

#define S(nr, ...) sys_raw6((nr), __VA_ARGS__)

int64_t sys_debug_write(const void *buf, uint64_t len)
{
    return S(SYS_DEBUG_WRITE, (uint64_t)(uintptr_t)buf, len, 0, 0, 0, 0);
}

void sys_exit(int64_t status)
{
    S(SYS_EXIT, (uint64_t)status, 0, 0, 0, 0, 0);
    for (;;)
        ; /* SYS_EXIT does not return */
}

int64_t sys_yield(void)
{
    return S(SYS_YIELD, 0, 0, 0, 0, 0, 0);
}

int64_t sys_cap_copy(handle_t h, unsigned rights, uint64_t badge)
{
    return S(SYS_CAP_COPY, h, rights, badge, 0, 0, 0);
}

int64_t sys_cap_delete(handle_t h)
{
    return S(SYS_CAP_DELETE, h, 0, 0, 0, 0, 0);
}

int64_t sys_cap_revoke(handle_t h)
{
    return S(SYS_CAP_REVOKE, h, 0, 0, 0, 0, 0);
}

int64_t sys_cap_grant(handle_t task, handle_t h, unsigned rights, uint64_t badge,
                      handle_t slot)
{
    return S(SYS_CAP_GRANT, task, h, rights, badge, slot, 0);
}

int64_t sys_cap_info(handle_t h, struct cap_info *out)
{
    uint64_t r[SYS_RAW_REGS] = {h};
    sys_raw10(SYS_CAP_INFO, r);
    if ((int64_t)r[0] < 0)
        return (int64_t)r[0];
    out->type = r[0] & 0xff;
    out->rights = (r[0] >> 8) & 0xff;
    out->badge = r[1];
    out->pa = r[2];
    out->len = r[3];
    return 0;
}

int64_t sys_endpoint_create(void)
{
    return S(SYS_ENDPOINT_CREATE, 0, 0, 0, 0, 0, 0);
}

int64_t sys_notification_create(void)
{
    return S(SYS_NOTIFICATION_CREATE, 0, 0, 0, 0, 0, 0);
}

int64_t sys_task_create(handle_t payer, uint32_t nslots, uint64_t budget)
{
    return S(SYS_TASK_CREATE, payer, nslots, budget, 0, 0, 0);
}

int64_t sys_kmem_info(handle_t task, struct kmem_info *out)
{
    uint64_t r[SYS_RAW_REGS] = {task};
    sys_raw10(SYS_KMEM_INFO, r);
    if ((int64_t)r[0] < 0)
        return (int64_t)r[0];
    out->pool_free = r[0];
    out->budget = r[1];
    out->used = r[2];
    return 0;
}

int64_t sys_timer_signal(handle_t ntfn, uint64_t deadline)
{
    return S(SYS_TIMER_SIGNAL, ntfn, deadline, 0, 0, 0, 0);
}

int64_t sys_thread_create(handle_t task, unsigned prio)
{
    return S(SYS_THREAD_CREATE, task, prio, 0, 0, 0, 0);
}

int64_t sys_thread_start(handle_t th, uint64_t pc, uint64_t sp, uint64_t arg)
{
    return S(SYS_THREAD_START, th, pc, sp, arg, 0, 0);
}

int64_t sys_thread_suspend(handle_t th)
{
    return S(SYS_THREAD_SUSPEND, th, 0, 0, 0, 0, 0);
}

int64_t sys_thread_resume(handle_t th)
{
    return S(SYS_THREAD_RESUME, th, 0, 0, 0, 0, 0);
}

int64_t sys_thread_set_priority(handle_t th, unsigned prio)
{
    return S(SYS_THREAD_SET_PRIORITY, th, prio, 0, 0, 0, 0);
}

int64_t sys_thread_set_handlers(handle_t th, handle_t pager, handle_t exc)
{
    return S(SYS_THREAD_SET_HANDLERS, th, pager, exc, 0, 0, 0);
}

int64_t sys_thread_set_ipc_buffer(handle_t th, uint64_t va)
{
    return S(SYS_THREAD_SET_IPC_BUFFER, th, va, 0, 0, 0, 0);
}

int64_t sys_thread_read_regs(handle_t th, struct mica_regs *out)
{
    return S(SYS_THREAD_READ_REGS, th, (uint64_t)(uintptr_t)out, 0, 0, 0, 0);
}

int64_t sys_thread_write_regs(handle_t th, const struct mica_regs *in)
{
    return S(SYS_THREAD_WRITE_REGS, th, (uint64_t)(uintptr_t)in, 0, 0, 0, 0);
}

int64_t sys_thread_bind_notification(handle_t th, handle_t ntfn)
{
    return S(SYS_THREAD_BIND_NOTIFICATION, th, ntfn, 0, 0, 0, 0);
}

int64_t sys_map(handle_t task, uint64_t va, handle_t frame, uint64_t offset,
                unsigned flags)
{
    return S(SYS_MAP, task, va, frame, offset, flags, 0);
}

int64_t sys_unmap(handle_t task, uint64_t va)
{
    return S(SYS_UNMAP, task, va, 0, 0, 0, 0);
}

int64_t sys_protect(handle_t task, uint64_t va, unsigned flags)
{
    return S(SYS_PROTECT, task, va, flags, 0, 0, 0);
}

int64_t sys_query(handle_t task, uint64_t va, uint64_t *pa)
{
    uint64_t r[SYS_RAW_REGS] = {task, va};
    sys_raw10(SYS_QUERY, r);
    if (pa)
        *pa = r[1];
    return (int64_t)r[0];
}

int64_t sys_frame_split(handle_t frame, uint64_t offset)
{
    return S(SYS_FRAME_SPLIT, frame, offset, 0, 0, 0, 0);
}

int64_t sys_frame_derive(handle_t frame, uint64_t offset, uint64_t len, unsigned rights)
{
    return S(SYS_FRAME_DERIVE, frame, offset, len, rights, 0, 0);
}

int64_t sys_query_next(handle_t task, uint64_t va, uint64_t end, uint64_t *leaf_va,
                       uint64_t *pa)
{
    uint64_t r[SYS_RAW_REGS] = {task, va, end};
    sys_raw10(SYS_QUERY_NEXT, r);
    if (pa)
        *pa = r[1];
    if (leaf_va)
        *leaf_va = r[2];
    return (int64_t)r[0];
}

int64_t sys_irq_get(handle_t control, uint32_t irq)
{
    return S(SYS_IRQ_GET, control, irq, 0, 0, 0, 0);
}

int64_t sys_irq_bind(handle_t handler, handle_t ntfn)
{
    return S(SYS_IRQ_BIND, handler, ntfn, 0, 0, 0, 0);
}

int64_t sys_irq_ack(handle_t handler)
{
    return S(SYS_IRQ_ACK, handler, 0, 0, 0, 0, 0);
}

/* Each thread keeps its IPC buffer address in tp, which the kernel
 * preserves and nothing else in a program without TLS uses. */
struct ipc_buffer *ipc_buffer(void)
{
    struct ipc_buffer *b;
    __asm__("mv %0, tp" : "=r"(b));
    return b;
}

void ipc_set_buffer(struct ipc_buffer *b)
{
    __asm__ volatile("mv tp, %0" ::"r"(b));
}

uint64_t ipc_reply_copy(const struct ipc_msg *m, void *buf, uint64_t cap)
{
    uint64_t n = IPC_TAG_LEN(m->tag);
    if (n > cap)
        n = cap;
    if (n > IPC_BUF_DATA_MAX)
        n = IPC_BUF_DATA_MAX;
    memcpy(buf, ipc_buffer()->data, n);
    return n;
}

int64_t ipc_reply_count(const struct ipc_msg *m, uint64_t sent)
{
    return m->w[0] <= sent ? (int64_t)m->w[0] : E_RANGE;
}

int main(uintptr_t arg);
void sys_start_main(uintptr_t arg);

void sys_start_main(uintptr_t arg)
{
    /* The first thread's IPC buffer is at the fixed address the kernel
     * (root task) or spawn_elf() (other tasks) registered. */
    ipc_set_buffer((struct ipc_buffer *)(uintptr_t)ROOT_IPC_BUFFER_VA);
    sys_exit(main(arg));
}
