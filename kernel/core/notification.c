/*
 * Notifications: a word of pending bits, signalled without blocking (IRQs,
 * timers, other threads) and taken by a waiter, or by the thread bound to
 * it when that thread receives on an endpoint. Bit 63 is never delivered,
 * so a result >= 0 is bits and < 0 an error.
 */
#include <kernel/budget.h>
#include <kernel/cap.h>
#include <kernel/ipc.h>
#include <kernel/kobj.h>
#include <kernel/syscall_args.h>
#include <kernel/task.h>
#include <kernel/thread.h>
#include <kernel/timer.h>

#include <mica/ipc.h>

void notification_kill(struct notification *n)
{
    tq_wake_all_dead(&n->q);
    timer_disarm(n);
    n->dead = true;
}

err_t notification_create(struct task *owner, struct notification **out)
{
    struct notification *n = kobj_alloc(owner, sizeof(*n));
    if (!n)
        return E_NOMEM;
    n->hdr.type = CAP_NOTIFICATION;
    budget_own(owner, &n->hdr, 0);
    *out = n;
    return E_OK;
}

void notification_destroy(struct notification *n)
{
    timer_disarm(n);
    tq_wake_all_dead(&n->q);
    kobj_free(budget_disown(&n->hdr), n, sizeof(*n));
}

void notification_deliver(struct thread *t, struct notification *n)
{
    arch_regs_set(&t->regs, ARCH_REG_BADGE, 0);
    arch_regs_set(&t->regs, ARCH_REG_TAG, IPC_TAG(IPC_LABEL_NOTIFY, 0, 0));
    arch_regs_set(&t->regs, arch_msg_reg(0), n->word & ~(1ull << 63));
    n->word = 0;
}

void notification_signal(struct notification *n, uint64_t bits)
{
    struct thread *w = tq_pop(&n->q);
    if (w) {
        w->blocked_on = NULL;
        syscall_return(w, (int64_t)((n->word | bits) & ~(1ull << 63)));
        n->word = 0;
        thread_wake(w);
        return;
    }
    n->word |= bits;
    struct thread *b = n->bound;
    if (b && b->state == THREAD_BLOCKED_RECV) {
        ipc_unblock(b);
        notification_deliver(b, n);
        thread_wake(b);
    }
}

void sys_signal(struct thread *t)
{
    struct cap *cap;
    err_t err = cap_lookup(&t->task->cs, (uint32_t)sc_arg(t, 0), CAP_NOTIFICATION,
                           RIGHT_WRITE, &cap);
    if (err != E_OK) {
        syscall_return(t, err);
        return;
    }
    struct notification *n = (struct notification *)cap->obj;
    if (n->dead) {
        syscall_return(t, E_DEAD);
        return;
    }
    notification_signal(n, cap->badge ? cap->badge : 1);
    syscall_return(t, E_OK);
}

void sys_wait(struct thread *t, bool blocking)
{
    struct cap *cap;
    err_t err = cap_lookup(&t->task->cs, (uint32_t)sc_arg(t, 0), CAP_NOTIFICATION,
                           RIGHT_READ, &cap);
    if (err != E_OK) {
        syscall_return(t, err);
        return;
    }
    struct notification *n = (struct notification *)cap->obj;
    if (n->dead && !n->word) {
        syscall_return(t, E_DEAD);
        return;
    }
    if (n->word || !blocking) {
        /* Bit 63 is never delivered: results >= 0 are bits, < 0 errors. */
        syscall_return(t, (int64_t)(n->word & ~(1ull << 63)));
        n->word = 0;
        return;
    }
    t->state = THREAD_BLOCKED_NTFN;
    t->blocked_on = n;
    tq_push(&n->q, t);
}

void ipc_unbind_notification(struct thread *t)
{
    struct notification *n = t->bound_ntfn;
    if (!n)
        return;
    n->bound = NULL;
    t->bound_ntfn = NULL;
    obj_put(&n->hdr);
}

void sys_thread_bind_notification(struct thread *t)
{
    struct cap *tc, *nc = NULL;
    err_t err = cap_lookup(&t->task->cs, (uint32_t)sc_arg(t, 0), CAP_THREAD, RIGHT_MANAGE, &tc);
    uint64_t nh = sc_arg(t, 1);
    if (err == E_OK && nh)
        err = cap_lookup(&t->task->cs, (uint32_t)nh, CAP_NOTIFICATION, RIGHT_READ, &nc);
    if (err != E_OK) {
        syscall_return(t, err);
        return;
    }
    struct thread *target = container_of(tc->obj, struct thread, hdr);
    struct notification *n = nc ? (struct notification *)nc->obj : NULL;
    if (n && n->bound && n->bound != target) {
        syscall_return(t, E_BUSY);
        return;
    }
    ipc_unbind_notification(target);
    if (n) {
        obj_get(&n->hdr);
        n->bound = target;
        target->bound_ntfn = n;
    }
    syscall_return(t, E_OK);
}
