/*
 * Calls to parties mm does not trust (file servers, pagers, any endpoint a
 * program passed as a file capability) are bounded: mm serves on a thread
 * of its own (the serving thread), and a watchdog thread, woken by a
 * SYS_TIMER_SIGNAL deadline, cancels a call still outstanding after
 * MM_CALL_DEADLINE_MS by suspending and resuming the serving thread (the
 * kernel cancels a blocked thread's IPC; the call returns E_BUSY).
 *
 * Why a new serving thread: mm holds no capability to the thread root
 * started it on, so that thread cannot be suspended. It keeps the one job
 * bound to it: root bound mm's notification (file servers signal it when a
 * file shrinks) to it, so it waits for those signals and forwards each to
 * the serving thread as a message (badge MM_BADGE_INTERNAL).
 *
 * The handshake (one word, compare-and-swap): the serving thread moves
 * IDLE -> CALLING (new generation) before a call and CALLING -> IDLE after;
 * the watchdog moves CALLING -> FIRING once the call is overdue, cancels,
 * then FIRING -> FIRED. A serving thread that finds FIRING after its call
 * waits for FIRED, so the cancel never hits a later IPC of it. The timer is
 * armed lazily: TIMER_ARMED says a deadline is pending; the serving thread
 * arms one only when none is, and the watchdog re-arms for the current
 * call when it wakes early. The common call costs a time read and two
 * compare-and-swaps, no system call.
 */
#include <sys/ipc.h>
#include <sys/mica.h>

#include <mica/syscall.h>
#include <proto/mm.h>

#include "mm.h"

#define TIME_HZ 10000000ull /* the `time` counter of QEMU virt (docs/kernel-api.md) */
#define DEADLINE_TICKS ((uint64_t)MM_CALL_DEADLINE_MS * (TIME_HZ / 1000))

#define WD_IDLE 0ull
#define WD_CALLING 1ull
#define WD_FIRING 2ull
#define WD_FIRED 3ull
#define WD_PHASE 3ull
#define WD_TIMER_ARMED 4ull
#define WD_GEN_ONE 8ull

static uint64_t wd_word;       /* phase | TIMER_ARMED | generation */
static uint64_t wd_call_start; /* `time` when the outstanding call began */
static handle_t wd_ntfn;       /* the watchdog's timer notification */
static handle_t serve_thread;  /* mm's capability to the serving thread */
static bool wd_on;             /* the kernel has SYS_TIMER_SIGNAL */
static uint64_t wd_cancelled;  /* calls cancelled (reported by MM_OP_STATS) */

/* The serving thread's and the watchdog's stacks and IPC buffers: mm's
 * own memory, mapped at start like the rest (mm never faults). */
#define SERVE_STACK_LEN (64u << 10)
#define WATCHDOG_STACK_LEN (8u << 10)
static uint8_t serve_stack[SERVE_STACK_LEN] __attribute__((aligned(16)));
static uint8_t watchdog_stack[WATCHDOG_STACK_LEN] __attribute__((aligned(16)));
static struct ipc_buffer serve_ipc __attribute__((aligned(4096)));
static struct ipc_buffer watchdog_ipc __attribute__((aligned(4096)));


static int64_t timer_signal(uint64_t deadline)
{
    return sys_timer_signal(wd_ntfn, deadline);
}

static uint64_t wd_load(void)
{
    return __atomic_load_n(&wd_word, __ATOMIC_ACQUIRE);
}

static bool wd_swap(uint64_t *old, uint64_t new)
{
    return __atomic_compare_exchange_n(&wd_word, old, new, false, __ATOMIC_ACQ_REL,
                                       __ATOMIC_ACQUIRE);
}

int64_t mm_bounded_call(handle_t ep, struct ipc_msg *m)
{
    if (!wd_on)
        return ipc_call(ep, m);
    uint64_t now = sys_time_now();
    __atomic_store_n(&wd_call_start, now, __ATOMIC_RELEASE);
    uint64_t old = wd_load(), new;
    do {
        new = ((old & ~WD_PHASE) + WD_GEN_ONE) | WD_CALLING | WD_TIMER_ARMED;
    } while (!wd_swap(&old, new));
    if (!(old & WD_TIMER_ARMED))
        (void)timer_signal(now + DEADLINE_TICKS);
    int64_t r = ipc_call(ep, m);
    old = wd_load();
    for (;;) {
        uint64_t phase = old & WD_PHASE;
        if (phase == WD_CALLING && wd_swap(&old, old & ~WD_PHASE))
            break;
        if (phase == WD_FIRED) {
            __atomic_store_n(&wd_word, old & ~WD_PHASE, __ATOMIC_RELEASE);
            break;
        }
        if (phase == WD_FIRING) {
            /* The watchdog is cancelling this call: let it finish first. */
            (void)sys_yield();
            old = wd_load();
        }
    }
    return r;
}

/* The outstanding call is overdue: cancel it. */
static void cancel_call(void)
{
    handle_t th = __atomic_load_n(&serve_thread, __ATOMIC_ACQUIRE);
    (void)sys_thread_suspend(th);
    (void)sys_thread_resume(th);
    wd_cancelled++;
}

static void watchdog(uint64_t arg)
{
    (void)arg;
    for (;;) {
        (void)ntfn_wait(wd_ntfn);
        uint64_t old = wd_load();
        for (;;) {
            if ((old & WD_PHASE) != WD_CALLING) {
                /* Nothing outstanding: no deadline pending any more. */
                if (wd_swap(&old, old & ~WD_TIMER_ARMED))
                    break;
                continue;
            }
            uint64_t start = __atomic_load_n(&wd_call_start, __ATOMIC_ACQUIRE);
            if (sys_time_now() - start < DEADLINE_TICKS) {
                /* Woken for an earlier call: wait for this one's deadline. */
                (void)timer_signal(start + DEADLINE_TICKS);
                break;
            }
            uint64_t firing = (old & ~(WD_PHASE | WD_TIMER_ARMED)) | WD_FIRING;
            if (!wd_swap(&old, firing))
                continue;
            cancel_call();
            __atomic_store_n(&wd_word, (firing & ~WD_PHASE) | WD_FIRED, __ATOMIC_RELEASE);
            break;
        }
    }
}

uint64_t mm_watchdog_cancelled(void)
{
    return wd_cancelled;
}

/* The start block thread_entry (libsys) passes to thread_trampoline. */
struct thread_start_block {
    void (*fn)(uint64_t);
    uint64_t arg;
    struct ipc_buffer *ipc;
};
void thread_entry(void);

static void (*serve_fn)(void);

static void serve_entry(uint64_t arg)
{
    (void)arg;
    serve_fn();
}

/* A thread of mm at priority prio running fn on the given stack. */
static int64_t start_thread(unsigned prio, void (*fn)(uint64_t), uint8_t *stack,
                            uint64_t stack_len, struct ipc_buffer *ipc)
{
    struct thread_start_block *b =
        (struct thread_start_block *)(stack + stack_len - sizeof(*b));
    *b = (struct thread_start_block){.fn = fn, .ipc = ipc};
    int64_t th = sys_thread_create(MM_SLOT_SELF_TASK, prio);
    if (th < 0)
        return th;
    int64_t r = sys_thread_set_ipc_buffer((handle_t)th, (uint64_t)(uintptr_t)ipc);
    if (r == 0)
        r = sys_thread_start((handle_t)th, (uint64_t)(uintptr_t)thread_entry,
                             (uint64_t)(uintptr_t)b & ~15ull, (uint64_t)(uintptr_t)b);
    if (r < 0) {
        (void)sys_cap_delete((handle_t)th);
        return r;
    }
    return th;
}

/* mm's own priority: the highest its task may give a new thread. */
static int64_t own_priority(void)
{
    for (int prio = 63; prio >= 0; prio--) {
        int64_t th = sys_thread_create(MM_SLOT_SELF_TASK, (unsigned)prio);
        if (th >= 0) {
            (void)sys_cap_delete((handle_t)th);
            return prio;
        }
    }
    return E_PERM;
}

err_t mm_watchdog_run(void (*serve)(void))
{
    int64_t prio = own_priority();
    int64_t n = prio < 0 ? prio : sys_notification_create();
    int64_t ep = n < 0 ? n : sys_endpoint_create();
    int64_t fwd = ep < 0 ? ep : sys_cap_copy(MM_SLOT_SERVICE, RIGHT_WRITE, MM_BADGE_INTERNAL);
    if (fwd < 0)
        return (err_t)fwd;
    wd_ntfn = (handle_t)n;
    wd_on = timer_signal(0) == 0;
    if (!wd_on)
        sys_printf("mm: no SYS_TIMER_SIGNAL: calls to file servers are not bounded\n");
    /* The watchdog first: it cancels only calls the serving thread makes,
     * and those only once serve_thread is set. */
    int64_t th = wd_on ? start_thread((unsigned)prio, watchdog, watchdog_stack,
                                      WATCHDOG_STACK_LEN, &watchdog_ipc)
                       : 0;
    if (th < 0) {
        wd_on = false;
        sys_printf("mm: no watchdog (%s): calls to file servers are not bounded\n",
                   err_name((err_t)th));
    }
    serve_fn = serve;
    serve_ipc.recv_caps_max = 1;
    th = start_thread((unsigned)prio, serve_entry, serve_stack, SERVE_STACK_LEN, &serve_ipc);
    if (th < 0)
        return (err_t)th;
    __atomic_store_n(&serve_thread, (handle_t)th, __ATOMIC_RELEASE);
    /* This thread keeps the notification root bound to it: it forwards
     * each signal (a file shrank) to the serving thread. */
    struct ipc_msg m;
    for (;;) {
        int64_t badge = ipc_recv((handle_t)ep, &m);
        if (badge != 0 || IPC_TAG_LABEL(m.tag) != IPC_LABEL_NOTIFY)
            continue;
        struct ipc_msg f = {.tag = IPC_TAG(IPC_LABEL_NOTIFY, 0, 0), .w = {m.w[0]}};
        (void)ipc_call((handle_t)fwd, &f);
    }
}
