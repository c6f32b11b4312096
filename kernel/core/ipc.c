/*
 * Synchronous IPC on endpoints and saved replies: the slow path, which
 * handles every case (the fastpath in arch/riscv handles only register-only
 * call/reply_recv and falls back here otherwise). Notifications are in
 * notification.c.
 *
 * A message is the tag (ARCH_REG_TAG), eight words (arch_msg_reg(0..7)),
 * the badge of the sending capability (delivered in ARCH_REG_BADGE) and
 * optionally buffer data and capabilities taken from the sender's IPC
 * buffer. Everything the sender names is checked
 * before the rendezvous; what the receiver cannot take (no buffer, too
 * small, no slots) is dropped and flagged in the delivered tag with
 * IPC_TAG_TRUNCATED, so the sender never fails because of the receiver.
 */
#include <arch/cpu.h>
#include <kernel/cap.h>
#include <kernel/cpu_local.h>
#include <kernel/budget.h>
#include <kernel/ipc.h>
#include <kernel/klib.h>
#include <kernel/kobj.h>
#include <kernel/kprintf.h>
#include <kernel/sched.h>
#include <kernel/syscall_args.h>
#include <kernel/task.h>
#include <kernel/thread.h>

#include <mica/ipc.h>

/* ---- wait queues ---- */

void tq_push(struct thread_queue *q, struct thread *t)
{
    t->q_next = NULL;
    t->q_prev = q->tail;
    if (q->tail)
        q->tail->q_next = t;
    else
        q->head = t;
    q->tail = t;
}

void tq_remove(struct thread_queue *q, struct thread *t)
{
    if (t->q_prev)
        t->q_prev->q_next = t->q_next;
    else
        q->head = t->q_next;
    if (t->q_next)
        t->q_next->q_prev = t->q_prev;
    else
        q->tail = t->q_prev;
    t->q_next = t->q_prev = NULL;
}

struct thread *tq_pop(struct thread_queue *q)
{
    struct thread *t = q->head;
    if (t)
        tq_remove(q, t);
    return t;
}

/* ---- objects ---- */

err_t endpoint_create(struct task *owner, struct endpoint **out)
{
    struct endpoint *ep = kobj_alloc(owner, sizeof(*ep));
    if (!ep)
        return E_NOMEM;
    ep->hdr.type = CAP_ENDPOINT;
    budget_own(owner, &ep->hdr, 0);
    *out = ep;
    return E_OK;
}

void tq_wake_all_dead(struct thread_queue *q)
{
    struct thread *t;
    while ((t = q->head) != NULL) {
        thread_cancel_ipc(t, E_DEAD);
        thread_wake(t);
    }
}

void endpoint_destroy(struct endpoint *ep)
{
    tq_wake_all_dead(&ep->q);
    kobj_free(budget_disown(&ep->hdr), ep, sizeof(*ep));
}

void endpoint_kill(struct endpoint *ep)
{
    tq_wake_all_dead(&ep->q);
    ep->state = EP_DEAD; /* after the wake-ups, which reset it to idle */
}

void ipc_unblock(struct thread *t)
{
    if (t->state == THREAD_BLOCKED_NTFN) {
        struct notification *n = t->blocked_on;
        tq_remove(&n->q, t);
    } else {
        struct endpoint *ep = t->blocked_on;
        tq_remove(&ep->q, t);
        if (!ep->q.head)
            ep->state = EP_IDLE;
    }
    t->blocked_on = NULL;
}

/* ---- helpers ---- */

static uint64_t arg(const struct thread *t, int reg)
{
    return arch_regs_get(&t->regs, reg);
}

static struct ipc_buffer *ipc_buffer_of(struct thread *t, bool write)
{
    if (!t->ipc_buffer_va)
        return NULL;
    return vspace_user_ptr(&t->task->vs, t->ipc_buffer_va, sizeof(struct ipc_buffer),
                           write);
}

/* Checks what a message names beyond its registers: the buffer data and the
 * capabilities to transfer. E_RANGE (too long / too many caps), E_FAULT
 * (no usable IPC buffer), E_PERM (capabilities without grant right). */
static err_t check_extras(struct thread *t, uint64_t tag, bool may_grant)
{
    uint64_t len = IPC_TAG_LEN(tag), ncaps = IPC_TAG_NCAPS(tag);
    if (len == 0 && ncaps == 0)
        return E_OK;
    if (len > IPC_BUF_DATA_MAX || ncaps > IPC_MAX_CAPS)
        return E_RANGE;
    struct ipc_buffer *b = ipc_buffer_of(t, false);
    if (!b)
        return E_FAULT;
    if (ncaps && !may_grant)
        return E_PERM;
    for (uint64_t i = 0; i < ncaps; i++) {
        struct cap *c;
        err_t err = cap_lookup(&t->task->cs, b->caps[i], CAP_NONE, RIGHT_GRANT, &c);
        if (err != E_OK)
            return err;
    }
    return E_OK;
}

/* Copies buffer data and capabilities from `from` to `to`; returns the
 * tag as delivered (TRUNCATED set if the receiver could not take all). */
static uint64_t transfer_extras(struct thread *from, struct thread *to, uint64_t tag)
{
    uint64_t len = IPC_TAG_LEN(tag), ncaps = IPC_TAG_NCAPS(tag);
    if (len == 0 && ncaps == 0)
        return tag;
    struct ipc_buffer *src = ipc_buffer_of(from, false);
    struct ipc_buffer *dst = ipc_buffer_of(to, true);
    uint64_t label = IPC_TAG_LABEL(tag);
    if (!src || !dst)
        return IPC_TAG(label, 0, 0) | IPC_TAG_TRUNCATED;
    memcpy(dst->data, src->data, len);
    uint64_t moved = 0;
    bool truncated = false;
    for (uint64_t i = 0; i < ncaps; i++) {
        struct cap *c;
        uint32_t slot;
        if (i >= dst->recv_caps_max ||
            cap_lookup(&from->task->cs, src->caps[i], CAP_NONE, RIGHT_GRANT, &c) != E_OK ||
            cap_free_slot(&to->task->cs, &slot) != E_OK) {
            truncated = true;
            break;
        }
        cap_derive(&to->task->cs.slots[slot], c, RIGHTS_ALL, 0);
        dst->caps[i] = slot;
        moved++;
    }
    return IPC_TAG(label, len, moved) | (truncated ? IPC_TAG_TRUNCATED : 0);
}

/* Delivers the message of `from` (a blocked or current sender) to `to`. */
static void deliver(struct thread *from, struct thread *to, uint64_t badge)
{
    struct arch_regs *r = &to->regs;
    arch_regs_set(r, ARCH_REG_BADGE, badge);
    if (from->ipc_kind == IPC_KIND_FAULT) {
        arch_regs_set(r, ARCH_REG_TAG, IPC_TAG(from->fault_label, 0, 0));
        for (int i = 0; i < IPC_WORDS; i++)
            arch_regs_set(r, arch_msg_reg(i), from->fault_words[i]);
        return;
    }
    uint64_t tag = arg(from, ARCH_REG_TAG);
    arch_regs_set(r, ARCH_REG_TAG, transfer_extras(from, to, tag));
    for (int i = 0; i < IPC_WORDS; i++)
        arch_regs_set(r, arch_msg_reg(i), arg(from, arch_msg_reg(i)));
}

/* Pairs a caller (blocked in call or fault) with the server that owes it
 * the reply. A reply still owed by the server to an earlier caller is
 * abandoned: that caller gets E_DEAD. */
static void link_reply(struct thread *server, struct thread *caller)
{
    struct thread *old = server->reply_to;
    if (old) {
        old->reply_from = NULL;
        if (old->ipc_kind != IPC_KIND_FAULT)
            syscall_return(old, E_DEAD);
        thread_wake(old);
    }
    server->reply_to = caller;
    caller->reply_from = server;
    caller->state = THREAD_BLOCKED_REPLY;
}

/* Runs `woken` now if nothing more important is ready, else queues it.
 * The current thread must already be blocked. */
static void switch_or_enqueue(struct thread *woken)
{
    woken->state = THREAD_RUNNABLE;
    if ((int)woken->prio >= sched_highest_ready()) {
        sched_switch_to(woken);
    } else {
        sched_enqueue(woken);
        sched_request();
    }
}

static void block_on_endpoint(struct thread *t, struct endpoint *ep,
                              enum thread_state state, uint8_t ep_state)
{
    t->state = state;
    t->blocked_on = ep;
    tq_push(&ep->q, t);
    ep->state = ep_state;
}

/* ---- system calls ---- */

/* Common start of send and call: finds the endpoint, checks the message. */
static err_t prepare_send(struct thread *t, struct endpoint **ep, struct cap **cap)
{
    err_t err = cap_lookup(&t->task->cs, (uint32_t)arg(t, ARCH_REG_ARG0), CAP_ENDPOINT,
                           RIGHT_WRITE, cap);
    if (err != E_OK)
        return err;
    err = check_extras(t, arg(t, ARCH_REG_TAG), ((*cap)->rights & RIGHT_GRANT) != 0);
    if (err != E_OK)
        return err;
    *ep = (struct endpoint *)(*cap)->obj;
    return E_OK;
}

/* Takes the first thread waiting on ep (the queue must not be empty). */
static struct thread *ep_take_waiter(struct endpoint *ep)
{
    struct thread *w = tq_pop(&ep->q);
    if (!ep->q.head)
        ep->state = EP_IDLE;
    w->blocked_on = NULL;
    return w;
}

/* Queues t on ep as a sender whose message waits in its registers. */
static void block_as_sender(struct thread *t, struct endpoint *ep, uint64_t badge,
                            bool grant)
{
    t->send_badge = badge;
    t->ipc_grant = grant;
    block_on_endpoint(t, ep, THREAD_BLOCKED_SEND, EP_SENDERS);
}

/* SEND (kind SEND) and CALL (kind CALL): the message in t's registers goes
 * to a waiting receiver, or t queues (unless !blocking). A call blocks for
 * the reply and switches straight to the receiver. */
static void do_send(struct thread *t, enum ipc_kind kind, bool blocking)
{
    struct endpoint *ep;
    struct cap *cap;
    err_t err = prepare_send(t, &ep, &cap);
    if (err != E_OK) {
        syscall_return(t, err);
        return;
    }
    if (ep->state == EP_DEAD) {
        syscall_return(t, E_DEAD);
        return;
    }
    t->ipc_kind = (uint8_t)kind;
    if (ep->state == EP_RECEIVERS) {
        struct thread *r = ep_take_waiter(ep);
        deliver(t, r, cap->badge);
        if (kind == IPC_KIND_CALL) {
            link_reply(r, t);
            switch_or_enqueue(r);
        } else {
            syscall_return(t, E_OK);
            thread_wake(r);
        }
        return;
    }
    if (!blocking) {
        syscall_return(t, E_AGAIN);
        return;
    }
    block_as_sender(t, ep, cap->badge, (cap->rights & RIGHT_GRANT) != 0);
}

void sys_send(struct thread *t, bool blocking)
{
    do_send(t, IPC_KIND_SEND, blocking);
}

void sys_call(struct thread *t)
{
    do_send(t, IPC_KIND_CALL, true);
}

void ipc_send_fault(struct thread *t, struct endpoint *ep, uint64_t badge,
                    uint64_t label, const uint64_t words[IPC_WORDS])
{
    if (ep->state == EP_DEAD) {
        kprintf("kernel: thread %u (%s) in task %u: its %s endpoint is dead\n", t->tid,
                t->name, t->task->id, label == IPC_LABEL_FAULT_VM ? "pager" : "exception");
        thread_kill(t, NULL);
        return;
    }
    t->ipc_kind = IPC_KIND_FAULT;
    t->fault_label = label;
    for (int i = 0; i < IPC_WORDS; i++)
        t->fault_words[i] = words[i];
    if (ep->state == EP_RECEIVERS) {
        struct thread *r = ep_take_waiter(ep);
        deliver(t, r, badge);
        link_reply(r, t);
        switch_or_enqueue(r);
        return;
    }
    block_as_sender(t, ep, badge, false);
}

/* Receives on the endpoint named by t's first argument: takes a pending
 * notification or a waiting sender's message at once, or blocks t (unless
 * !blocking: E_AGAIN). Sets t's result either way. */
static void do_recv(struct thread *t, bool blocking)
{
    struct cap *cap;
    err_t err = cap_lookup(&t->task->cs, (uint32_t)arg(t, ARCH_REG_ARG0), CAP_ENDPOINT,
                           RIGHT_READ, &cap);
    if (err != E_OK) {
        syscall_return(t, err);
        return;
    }
    struct endpoint *ep = (struct endpoint *)cap->obj;
    if (ep->state == EP_DEAD) {
        syscall_return(t, E_DEAD);
        return;
    }
    if (t->bound_ntfn && t->bound_ntfn->word) {
        notification_deliver(t, t->bound_ntfn); /* signals first: interrupts must not starve */
        return;
    }
    if (ep->state == EP_SENDERS) {
        struct thread *s = ep_take_waiter(ep);
        deliver(s, t, s->send_badge);
        if (s->ipc_kind == IPC_KIND_SEND) {
            syscall_return(s, E_OK);
            thread_wake(s);
        } else {
            link_reply(t, s);
        }
        return;
    }
    if (!blocking) {
        syscall_return(t, E_AGAIN);
        return;
    }
    block_on_endpoint(t, ep, THREAD_BLOCKED_RECV, EP_RECEIVERS);
}

void sys_recv(struct thread *t, bool blocking)
{
    do_recv(t, blocking);
}

/* Delivers the reply in `from`'s registers to caller c (blocked in
 * BLOCKED_REPLY, links already broken). Returns c if it should run, NULL
 * if the reply killed it (a fault answered with something but RESUME). */
static struct thread *answer(struct thread *from, struct thread *c)
{
    if (c->ipc_kind == IPC_KIND_FAULT) {
        c->ipc_kind = IPC_KIND_SEND;
        bool exited = c->fault_label == IPC_LABEL_FAULT_EXC &&
                      c->fault_words[EXC_W_KIND] == EXC_EXIT;
        /* Resuming an exit re-runs the exit call: the handler hears it again. */
        if (IPC_TAG_LABEL(arg(from, ARCH_REG_TAG)) != FAULT_REPLY_RESUME) {
            thread_kill(c, exited ? NULL : "by its fault handler");
            return NULL;
        }
        c->state = THREAD_RUNNABLE;
        return c;
    }
    uint64_t tag = arg(from, ARCH_REG_TAG);
    if (check_extras(from, tag, true) != E_OK)
        tag = IPC_TAG(IPC_TAG_LABEL(tag), 0, 0) | IPC_TAG_TRUNCATED;
    /* Deliver as a message from `from`, with status 0 in the badge's place. */
    uint64_t saved = arg(from, ARCH_REG_TAG);
    uint8_t saved_kind = from->ipc_kind;
    arch_regs_set(&from->regs, ARCH_REG_TAG, tag);
    from->ipc_kind = IPC_KIND_SEND;
    deliver(from, c, 0);
    arch_regs_set(&from->regs, ARCH_REG_TAG, saved);
    from->ipc_kind = saved_kind;
    c->ipc_kind = IPC_KIND_SEND;
    c->state = THREAD_RUNNABLE;
    return c;
}

/* Sends t's reply to the caller it owes one. Returns the caller (runnable,
 * not yet queued) or NULL. */
static struct thread *do_reply(struct thread *t)
{
    struct thread *c = t->reply_to;
    if (!c)
        return NULL;
    t->reply_to = NULL;
    c->reply_from = NULL;
    return answer(t, c);
}

void sys_reply(struct thread *t)
{
    if (!t->reply_to) {
        syscall_return(t, E_NOENT);
        return;
    }
    struct thread *c = do_reply(t);
    syscall_return(t, E_OK);
    if (c)
        sched_enqueue(c);
}

void sys_reply_recv(struct thread *t)
{
    struct thread *c = do_reply(t);
    do_recv(t, true);
    if (!c)
        return;
    if (t->state == THREAD_RUNNABLE)
        sched_enqueue(c); /* t got a message at once and keeps running */
    else
        switch_or_enqueue(c);
}

/* ---- saved replies ---- */

void sys_reply_save(struct thread *t)
{
    struct thread *c = t->reply_to;
    if (!c) {
        syscall_return(t, E_NOENT);
        return;
    }
    uint32_t h;
    err_t err = cap_free_slot(&t->task->cs, &h);
    if (err != E_OK) {
        syscall_return(t, err);
        return;
    }
    struct cap *slot = &t->task->cs.slots[h];
    cap_install(slot, CAP_REPLY, 0, &c->hdr, 0, 0);
    t->reply_to = NULL;
    c->reply_from = NULL;
    c->saved_reply = slot;
    syscall_return(t, h);
}

void sys_reply_to(struct thread *t)
{
    struct cap *cap;
    err_t err = cap_lookup(&t->task->cs, (uint32_t)arg(t, ARCH_REG_ARG0), CAP_REPLY, 0, &cap);
    if (err != E_OK) {
        syscall_return(t, err);
        return;
    }
    struct thread *c = container_of(cap->obj, struct thread, hdr);
    bool live = c->saved_reply == cap && c->state == THREAD_BLOCKED_REPLY;
    struct thread *run = NULL;
    if (live) {
        c->saved_reply = NULL;
        run = answer(t, c);
    }
    cap_delete(cap); /* one shot, used or stale */
    syscall_return(t, live ? E_OK : E_DEAD); /* a dead caller's reply is dropped */
    if (run)
        sched_enqueue(run);
}

void ipc_reply_cap_deleted(struct cap *cap)
{
    struct thread *c = container_of(cap->obj, struct thread, hdr);
    if (c->saved_reply != cap)
        return;
    c->saved_reply = NULL;
    if (c->state == THREAD_BLOCKED_REPLY) {
        /* Its server threw the reply away: fail the call (a faulting
         * thread simply faults again). */
        if (c->ipc_kind != IPC_KIND_FAULT)
            syscall_return(c, E_DEAD);
        c->ipc_kind = IPC_KIND_SEND;
        thread_wake(c);
    }
}

void ipc_forget_saved_reply(struct thread *t)
{
    t->saved_reply = NULL; /* the capability stays, and answers E_DEAD */
}
