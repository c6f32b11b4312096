/*
 * Threads. A thread runs in one task; its saved user registers sit at the
 * very start of struct thread because trap entry stores them there without
 * knowing anything else about the structure.
 *
 * References: every capability naming the thread, plus one while the
 * thread is not dead. A thread holds a reference on its task and on its
 * pager and exception endpoints.
 */
#pragma once

#include <kernel/object.h>
#include <kernel/types.h>

#include <arch_impl/regs.h>

struct task;
struct endpoint;
struct notification;

enum thread_state {
    THREAD_INACTIVE = 0, /* created, never started */
    THREAD_RUNNABLE,     /* running or in a run queue */
    THREAD_BLOCKED_SEND, /* queued on an endpoint with a message (send/call/fault) */
    THREAD_BLOCKED_RECV, /* queued on an endpoint waiting for a message */
    THREAD_BLOCKED_REPLY,/* message delivered by call or fault; waiting for the reply */
    THREAD_BLOCKED_NTFN, /* waiting on a notification */
    THREAD_SUSPENDED,
    THREAD_DEAD,
};

#define THREAD_NAME_MAX 16
#define PRIO_MAX 63
#define PRIO_DEFAULT 32

/* What a thread blocked in BLOCKED_SEND / BLOCKED_REPLY is doing. */
enum ipc_kind {
    IPC_KIND_SEND = 0,  /* plain send: no reply expected */
    IPC_KIND_CALL,      /* call: reply expected */
    IPC_KIND_FAULT,     /* kernel-made fault message: reply resumes or kills */
};

struct thread {
    struct arch_regs regs; /* must stay first (asserted in asm_offsets.c) */
    struct arch_fpu fpu;   /* lazily saved floating-point state */
    struct object hdr;
    struct task *task;
    struct thread *task_next, *task_prev; /* the task's list of threads */
    enum thread_state state;
    uint8_t prio;
    uint8_t ipc_kind;      /* enum ipc_kind while sending/awaiting reply */
    bool ipc_grant;        /* the message may carry capabilities */
    bool is_root;          /* root task's first thread: its exit ends the system */
    bool fpu_used;         /* has touched the FPU at least once */
    uint32_t tid;
    uint32_t slice_left;   /* ticks left in this time slice */
    /* Run queue links (cpu run queue of prio). */
    struct thread *rq_next, *rq_prev;
    /* Endpoint or notification wait queue. */
    void *blocked_on;
    struct thread *q_next, *q_prev;
    uint64_t send_badge;   /* badge of the capability a blocked sender used */
    /* Call/reply pairing: a server owes a reply to reply_to; the caller
     * knows who holds its reply in reply_from. Both cleared together. */
    struct thread *reply_to, *reply_from;
    vaddr_t ipc_buffer_va;
    /* A fault message waiting in an endpoint queue (ipc_kind FAULT). */
    uint64_t fault_label;
    uint64_t fault_words[8];
    struct endpoint *pager, *exc_ep;
    struct notification *bound_ntfn; /* delivered to this thread's RECV (holds a ref) */
    struct cap *saved_reply;         /* the CAP_REPLY naming this blocked caller, if any */
    uint64_t pager_badge, exc_badge;
    char name[THREAD_NAME_MAX];
};

/* Creates an inactive thread in task with priority prio. E_NOMEM. */
WARN_UNUSED err_t thread_create(struct task *task, unsigned prio, const char *name,
                                struct thread **out);

/* Kills t: cancels what it waits for, breaks its reply links, releases its
 * run-queue place; it never runs again. Safe on the current thread. */
void thread_kill(struct thread *t, const char *why);

/* Frees the thread (its last reference is gone). */
void thread_destroy(struct thread *t);

/* Starts an inactive thread at pc with sp, and arg in its first argument register. */
void thread_start(struct thread *t, uint64_t pc, uint64_t sp, uint64_t arg);

/* Removes t from whatever wait queue it is in; its pending operation
 * returns `result` (syscall_return) when it runs again (not for faults, which re-run
 * the instruction). */
void thread_cancel_ipc(struct thread *t, err_t result);

/* Makes a blocked thread runnable (enqueued; may request a reschedule). */
void thread_wake(struct thread *t);

/* Thread ids are assigned at creation, never reused. */
extern uint32_t thread_count_alive;

/* True while the root task's first thread has not died. */
bool root_thread_alive(void);
