/*
 * Endpoints (synchronous rendezvous, core/ipc.c) and notifications
 * (asynchronous bits, core/notification.c).
 * An endpoint's queue holds either blocked senders or blocked receivers,
 * never both. The message of a blocked sender stays in its registers (and
 * IPC buffer) until a receiver arrives.
 */
#pragma once

#include <kernel/object.h>
#include <kernel/types.h>

struct thread;
struct task;
struct cap;

struct thread_queue {
    struct thread *head, *tail;
};

/* EP_SENDERS and EP_DEAD share bit 1: the REPLY_RECV fastpath tests it once. */
enum ep_state { EP_IDLE = 0, EP_RECEIVERS = 1, EP_SENDERS = 2, EP_DEAD = 3 };

struct endpoint {
    struct object hdr;
    struct thread_queue q;
    uint8_t state; /* enum ep_state */
};

struct notification {
    struct object hdr;
    uint64_t word;          /* pending bits */
    struct thread_queue q;  /* waiters */
    struct thread *bound;   /* thread whose RECV also takes these signals */
    bool dead;              /* its owner ended: waits and signals fail with E_DEAD */
    /* SYS_TIMER_SIGNAL: signalled with timer_badge once `time` reaches
     * deadline (0 = not armed); linked in timer.c's list while armed. */
    uint64_t deadline, timer_badge;
    struct notification *timer_next;
};

void tq_push(struct thread_queue *q, struct thread *t);
void tq_remove(struct thread_queue *q, struct thread *t);
struct thread *tq_pop(struct thread_queue *q);
/* Wakes every thread waiting in q with E_DEAD: its object is going away. */
void tq_wake_all_dead(struct thread_queue *q);

/* A new endpoint / notification made for (and owned by) owner. E_NOMEM. */
WARN_UNUSED err_t endpoint_create(struct task *owner, struct endpoint **out);
void endpoint_destroy(struct endpoint *ep);
WARN_UNUSED err_t notification_create(struct task *owner, struct notification **out);
void notification_destroy(struct notification *n);

/* The owner of ep / n ended (kernel/budget.h): waiters get E_DEAD, and so
 * does every later send, receive, signal or wait on it. */
void endpoint_kill(struct endpoint *ep);
void notification_kill(struct notification *n);

/* Removes a blocked thread from the endpoint/notification it waits on. */
void ipc_unblock(struct thread *t);

/* ORs bits into n and wakes a waiter if there is one (notification.c). */
void notification_signal(struct notification *n, uint64_t bits);

/* Hands the pending bits of n to t, which is receiving on an endpoint and
 * bound to n, and clears them: label IPC_LABEL_NOTIFY, badge 0, word 0 =
 * the bits. */
void notification_deliver(struct thread *t, struct notification *n);

/* IPC system calls, operating on the current thread `t`. Each sets t's
 * return registers (or blocks t). */
void sys_send(struct thread *t, bool blocking);
void sys_recv(struct thread *t, bool blocking);
void sys_call(struct thread *t);
void sys_reply(struct thread *t);
void sys_reply_recv(struct thread *t);
void sys_signal(struct thread *t);
void sys_wait(struct thread *t, bool blocking);
void sys_reply_save(struct thread *t);
void sys_reply_to(struct thread *t);
void sys_thread_bind_notification(struct thread *t);

/* A CAP_REPLY is being deleted: a caller still waiting on it gets E_DEAD. */
void ipc_reply_cap_deleted(struct cap *c);

/* Breaks the binding between t and its notification (either side dying). */
void ipc_unbind_notification(struct thread *t);

/* The saved reply naming t (if any) no longer reaches it. */
void ipc_forget_saved_reply(struct thread *t);

/* Sends the kernel-made fault message (label, words) for thread t to ep
 * as a call, blocking t until the handler replies. */
void ipc_send_fault(struct thread *t, struct endpoint *ep, uint64_t badge,
                    uint64_t label, const uint64_t words[8]);
