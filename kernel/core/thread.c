/*
 * Thread life cycle (see kernel/thread.h): create, start, kill, destroy,
 * and cancelling whatever a thread is blocked on.
 */
#include <arch/cpu.h>
#include <kernel/budget.h>
#include <kernel/cpu_local.h>
#include <kernel/ipc.h>
#include <kernel/klib.h>
#include <kernel/kobj.h>
#include <kernel/kprintf.h>
#include <kernel/sched.h>
#include <kernel/syscall_args.h>
#include <kernel/task.h>
#include <kernel/thread.h>

static uint32_t next_tid = 1;
uint32_t thread_count_alive;
static struct thread *root_thread;

err_t thread_create(struct task *task, unsigned prio, const char *name,
                    struct thread **out)
{
    if (prio > PRIO_MAX)
        return E_INVAL;
    if (task->taken_down)
        return E_DEAD;
    struct thread *t = kobj_alloc(task, sizeof(*t)); /* the task it runs in pays */
    if (!t)
        return E_NOMEM;
    t->hdr.type = CAP_THREAD;
    budget_own(task, &t->hdr, 0);
    t->hdr.refs = 1; /* the "not dead" reference */
    t->task = task;
    obj_get(&task->hdr);
    task->nthreads++;
    t->task_next = task->threads;
    if (task->threads)
        task->threads->task_prev = t;
    task->threads = t;
    t->prio = (uint8_t)prio;
    t->state = THREAD_INACTIVE;
    t->tid = next_tid++;
    strlcpy_k(t->name, name, sizeof(t->name));
    thread_count_alive++;
    *out = t;
    return E_OK;
}

void thread_start(struct thread *t, uint64_t pc, uint64_t sp, uint64_t arg)
{
    arch_regs_init_user(&t->regs, pc, sp, arg);
    t->state = THREAD_RUNNABLE;
    t->slice_left = SCHED_SLICE_TICKS;
    if (t->is_root)
        root_thread = t;
    sched_enqueue(t);
}

bool root_thread_alive(void)
{
    return root_thread && root_thread->state != THREAD_DEAD;
}

void thread_wake(struct thread *t)
{
    t->state = THREAD_RUNNABLE;
    sched_enqueue(t);
}

/* Breaks the call/reply pairing of t on both sides. A caller whose server
 * goes away gets E_DEAD instead of waiting forever. */
static void break_reply_links(struct thread *t)
{
    if (t->reply_from) {
        t->reply_from->reply_to = NULL;
        t->reply_from = NULL;
    }
    struct thread *caller = t->reply_to;
    if (caller) {
        t->reply_to = NULL;
        caller->reply_from = NULL;
        if (caller->state == THREAD_BLOCKED_REPLY) {
            if (caller->ipc_kind != IPC_KIND_FAULT)
                syscall_return(caller, E_DEAD);
            thread_wake(caller); /* a faulting thread re-runs and faults again */
        }
    }
}

void thread_cancel_ipc(struct thread *t, err_t result)
{
    switch (t->state) {
    case THREAD_BLOCKED_SEND:
    case THREAD_BLOCKED_RECV:
    case THREAD_BLOCKED_NTFN:
        ipc_unblock(t);
        break;
    case THREAD_BLOCKED_REPLY:
        if (t->reply_from) {
            t->reply_from->reply_to = NULL;
            t->reply_from = NULL;
        }
        ipc_forget_saved_reply(t);
        break;
    default:
        return;
    }
    if (t->ipc_kind != IPC_KIND_FAULT)
        syscall_return(t, result);
    t->ipc_kind = IPC_KIND_SEND;
}

void thread_kill(struct thread *t, const char *why)
{
    if (t->state == THREAD_DEAD)
        return;
    if (why)
        kprintf("kernel: thread %u (%s) killed: %s\n", t->tid, t->name, why);
    thread_cancel_ipc(t, E_DEAD);
    break_reply_links(t);
    sched_dequeue(t);
    struct cpu *cpu = cpu_self();
    if (cpu->fpu_owner == t)
        cpu->fpu_owner = NULL;
    t->state = THREAD_DEAD;
    thread_count_alive--;
    obj_put(&t->hdr); /* the "not dead" reference */
}

void thread_destroy(struct thread *t)
{
    thread_kill(t, NULL);
    struct cpu *cpu = cpu_self();
    if (cpu->cur == t)
        cpu->cur = NULL;
    if (root_thread == t)
        root_thread = NULL;
    if (t->pager)
        obj_put(&t->pager->hdr);
    if (t->exc_ep)
        obj_put(&t->exc_ep->hdr);
    ipc_unbind_notification(t);
    if (t->task_prev)
        t->task_prev->task_next = t->task_next;
    else
        t->task->threads = t->task_next;
    if (t->task_next)
        t->task_next->task_prev = t->task_prev;
    t->task->nthreads--;
    struct task *task = t->task;
    kobj_free(budget_disown(&t->hdr), t, sizeof(*t)); /* task's slabs */
    obj_put(&task->hdr);
}
