/*
 * Timed signals (kernel/timer.h): the list of armed notifications. What a
 * deadline means (a timeout, a sleep) is the user's business; the kernel
 * only signals.
 */
#include <arch/cpu.h>
#include <kernel/cap.h>
#include <kernel/ipc.h>
#include <kernel/syscall_args.h>
#include <kernel/task.h>
#include <kernel/timer.h>

/* Armed notifications, in no order (notification_destroy takes one off). */
static struct notification *armed;

void timer_disarm(struct notification *n)
{
    for (struct notification **p = &armed; *p; p = &(*p)->timer_next) {
        if (*p == n) {
            *p = n->timer_next;
            n->timer_next = NULL;
            n->deadline = 0;
            return;
        }
    }
}

bool timer_any_armed(void)
{
    return armed != NULL;
}

void timer_expire(uint64_t now)
{
    struct notification **p = &armed;
    while (*p) {
        struct notification *n = *p;
        if (n->deadline > now) {
            p = &n->timer_next;
            continue;
        }
        *p = n->timer_next;
        n->timer_next = NULL;
        n->deadline = 0;
        notification_signal(n, n->timer_badge);
    }
}

void sys_timer_signal(struct thread *t)
{
    struct cap *cap;
    err_t err = cap_lookup(&t->task->cs, (uint32_t)sc_arg(t, 0), CAP_NOTIFICATION,
                           RIGHT_WRITE, &cap);
    if (err != E_OK)
        SC_RETURN(t, err);
    struct notification *n = (struct notification *)cap->obj;
    uint64_t deadline = sc_arg(t, 1);
    timer_disarm(n);
    if (deadline == 0)
        SC_RETURN(t, E_OK);
    n->deadline = deadline;
    n->timer_badge = cap->badge ? cap->badge : 1;
    n->timer_next = armed;
    armed = n;
    if (deadline <= arch_time_now())
        timer_expire(arch_time_now()); /* already due: no need to wait a tick */
    syscall_return(t, E_OK);
}
