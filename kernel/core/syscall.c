/*
 * System-call dispatch: the number (ARCH_REG_SYSNO) indexes a table of handlers; each
 * handler validates its own arguments. Numbers and the calling convention
 * are in include/mica/syscall.h. An unknown number goes to the thread's
 * exception endpoint when it has one, else returns E_NOSYS.
 */
#include <arch/cpu.h>
#include <kernel/cpu_local.h>
#include <kernel/ipc.h>
#include <kernel/kprintf.h>
#include <kernel/sched.h>
#include <kernel/syscall_args.h>
#include <kernel/syscalls.h>
#include <kernel/task.h>
#include <kernel/thread.h>
#include <kernel/timer.h>
#include <kernel/trap.h>
#include <kernel/vspace.h>

#include <arch_impl/regs.h>
#include <mica/ipc.h>
#include <mica/syscall.h>

static void sys_debug_write(struct thread *t)
{
    static char kbuf[SYS_DEBUG_WRITE_MAX];
    uint64_t buf = arch_regs_get(&t->regs, ARCH_REG_ARG0);
    uint64_t len = arch_regs_get(&t->regs, ARCH_REG_ARG1);
    if (len > SYS_DEBUG_WRITE_MAX) {
        syscall_return(t, E_RANGE);
        return;
    }
    err_t err = vspace_copy_from_user(&t->task->vs, kbuf, buf, len);
    if (err != E_OK) {
        syscall_return(t, err);
        return;
    }
    for (uint64_t i = 0; i < len; i++) {
        if (kbuf[i] == '\n')
            arch_console_putc('\r');
        arch_console_putc(kbuf[i]);
    }
    syscall_return(t, (int64_t)len);
}

static void sys_exit(struct thread *t)
{
    uint64_t status = arch_regs_get(&t->regs, ARCH_REG_ARG0);
    if (t->is_root) {
        kprintf("kernel: root task exited with status %lu after %lu timer "
                "ticks; powering off\n",
                status & 0xff, cpu_self()->ticks);
        arch_poweroff((int)(status & 0xff));
    }
    if (t->exc_ep) {
        /* Someone waits to hear how this thread ended: tell it, as an
         * exception (EXC_EXIT). The pc goes back to the ecall, so a resume,
         * or the handler dying before it answers, runs the exit again and
         * it is heard again: an exit is never lost. */
        t->regs.pc -= 4;
        uint64_t words[IPC_WORDS] = {EXC_EXIT, t->regs.pc, status, 0, t->tid};
        ipc_send_fault(t, t->exc_ep, t->exc_badge, IPC_LABEL_FAULT_EXC, words);
        return;
    }
    thread_kill(t, NULL);
}

static void sys_yield(struct thread *t)
{
    t->slice_left = 0;
    sched_request();
    syscall_return(t, E_OK);
}

static void sys_send_b(struct thread *t) { sys_send(t, true); }
static void sys_send_nb(struct thread *t) { sys_send(t, false); }
static void sys_recv_b(struct thread *t) { sys_recv(t, true); }
static void sys_recv_nb(struct thread *t) { sys_recv(t, false); }
static void sys_wait_b(struct thread *t) { sys_wait(t, true); }
static void sys_poll(struct thread *t) { sys_wait(t, false); }

typedef void (*syscall_fn)(struct thread *t);

static const syscall_fn syscall_table[] = {
    [SYS_DEBUG_WRITE] = sys_debug_write,
    [SYS_EXIT] = sys_exit,
    [SYS_YIELD] = sys_yield,
    [SYS_KMEM_INFO] = sys_kmem_info,
    [SYS_SEND] = sys_send_b,
    [SYS_NBSEND] = sys_send_nb,
    [SYS_RECV] = sys_recv_b,
    [SYS_NBRECV] = sys_recv_nb,
    [SYS_CALL] = sys_call,
    [SYS_REPLY] = sys_reply,
    [SYS_REPLY_RECV] = sys_reply_recv,
    [SYS_SIGNAL] = sys_signal,
    [SYS_WAIT] = sys_wait_b,
    [SYS_POLL] = sys_poll,
    [SYS_REPLY_SAVE] = sys_reply_save,
    [SYS_REPLY_TO] = sys_reply_to,
    [SYS_THREAD_BIND_NOTIFICATION] = sys_thread_bind_notification,
    [SYS_CAP_COPY] = sys_cap_copy,
    [SYS_CAP_DELETE] = sys_cap_delete,
    [SYS_CAP_REVOKE] = sys_cap_revoke,
    [SYS_CAP_GRANT] = sys_cap_grant,
    [SYS_CAP_INFO] = sys_cap_info,
    [SYS_ENDPOINT_CREATE] = sys_endpoint_create,
    [SYS_NOTIFICATION_CREATE] = sys_notification_create,
    [SYS_TASK_CREATE] = sys_task_create,
    [SYS_THREAD_CREATE] = sys_thread_create,
    [SYS_TIMER_SIGNAL] = sys_timer_signal,
    [SYS_THREAD_START] = sys_thread_start,
    [SYS_THREAD_SUSPEND] = sys_thread_suspend,
    [SYS_THREAD_RESUME] = sys_thread_resume,
    [SYS_THREAD_SET_PRIORITY] = sys_thread_set_priority,
    [SYS_THREAD_SET_HANDLERS] = sys_thread_set_handlers,
    [SYS_THREAD_SET_IPC_BUFFER] = sys_thread_set_ipc_buffer,
    [SYS_THREAD_READ_REGS] = sys_thread_read_regs,
    [SYS_THREAD_WRITE_REGS] = sys_thread_write_regs,
    [SYS_MAP] = sys_map,
    [SYS_UNMAP] = sys_unmap,
    [SYS_PROTECT] = sys_protect,
    [SYS_QUERY] = sys_query,
    [SYS_FRAME_SPLIT] = sys_frame_split,
    [SYS_QUERY_NEXT] = sys_query_next,
    [SYS_FRAME_DERIVE] = sys_frame_derive,
    [SYS_IRQ_GET] = sys_irq_get,
    [SYS_IRQ_BIND] = sys_irq_bind,
    [SYS_IRQ_ACK] = sys_irq_ack,
};

void syscall_dispatch(struct thread *t)
{
    uint64_t nr = arch_regs_get(&t->regs, ARCH_REG_SYSNO);
    syscall_fn fn = nr < sizeof(syscall_table) / sizeof(syscall_table[0])
                        ? syscall_table[nr]
                        : NULL;
    if (fn) {
        fn(t);
        return;
    }
    if (t->exc_ep) {
        uint64_t words[IPC_WORDS] = {EXC_UNKNOWN_SYSCALL, t->regs.pc - 4, nr, 0, t->tid};
        ipc_send_fault(t, t->exc_ep, t->exc_badge, IPC_LABEL_FAULT_EXC, words);
        return;
    }
    syscall_return(t, E_NOSYS);
}
