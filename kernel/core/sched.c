/*
 * Priority round-robin scheduler (see kernel/sched.h). One hart for now;
 * all state is in struct cpu so SMP can add per-hart queues and one lock.
 */
#include <arch/cpu.h>
#include <kernel/cpu_local.h>
#include <kernel/irq.h>
#include <kernel/kprintf.h>
#include <kernel/object.h>
#include <kernel/sched.h>
#include <kernel/timer.h>
#include <kernel/task.h>
#include <kernel/thread.h>

#include <mica/exitcodes.h>

void sched_enqueue(struct thread *t)
{
    struct cpu *cpu = cpu_self();
    unsigned p = t->prio;
    t->rq_next = NULL;
    t->rq_prev = cpu->rq_tail[p];
    if (cpu->rq_tail[p])
        cpu->rq_tail[p]->rq_next = t;
    else
        cpu->rq_head[p] = t;
    cpu->rq_tail[p] = t;
    cpu->ready_bitmap |= 1ul << p;
    if (cpu->cur && p > cpu->cur->prio)
        cpu->need_resched = true;
}

static bool in_run_queue(struct cpu *cpu, struct thread *t)
{
    return t->rq_prev || cpu->rq_head[t->prio] == t;
}

void sched_dequeue(struct thread *t)
{
    struct cpu *cpu = cpu_self();
    unsigned p = t->prio;
    if (!in_run_queue(cpu, t))
        return;
    if (t->rq_prev)
        t->rq_prev->rq_next = t->rq_next;
    else
        cpu->rq_head[p] = t->rq_next;
    if (t->rq_next)
        t->rq_next->rq_prev = t->rq_prev;
    else
        cpu->rq_tail[p] = t->rq_prev;
    t->rq_next = t->rq_prev = NULL;
    if (!cpu->rq_head[p])
        cpu->ready_bitmap &= ~(1ul << p);
}

/* Index of the highest set bit of a non-zero word, by halving: the
 * toolchain's clz is a libgcc call on cores without Zbb. */
static int highest_bit(uint64_t b)
{
    int n = 0;
    if (b >> 32) {
        b >>= 32;
        n += 32;
    }
    if (b >> 16) {
        b >>= 16;
        n += 16;
    }
    if (b >> 8) {
        b >>= 8;
        n += 8;
    }
    if (b >> 4) {
        b >>= 4;
        n += 4;
    }
    if (b >> 2) {
        b >>= 2;
        n += 2;
    }
    return n + (int)(b >> 1);
}

int sched_highest_ready(void)
{
    uint64_t b = cpu_self()->ready_bitmap;
    return b ? highest_bit(b) : -1;
}

void sched_request(void)
{
    cpu_self()->need_resched = true;
}

void sched_tick(void)
{
    struct cpu *cpu = cpu_self();
    cpu->ticks++;
    timer_expire(arch_time_now());
    struct thread *t = cpu->cur;
    if (t && t->state == THREAD_RUNNABLE) {
        if (t->slice_left > 0)
            t->slice_left--;
        if (t->slice_left == 0)
            cpu->need_resched = true;
    }
}

void sched_switch_to(struct thread *t)
{
    struct cpu *cpu = cpu_self();
    sched_dequeue(t);
    cpu->cur = t;
}

static struct thread *pick_next(struct cpu *cpu)
{
    struct thread *cur = cpu->cur;
    bool cur_runs = cur && cur->state == THREAD_RUNNABLE;
    int best = sched_highest_ready();
    if (cur_runs && !cpu->need_resched)
        return cur;
    cpu->need_resched = false;
    if (cur_runs) {
        /* A thread whose slice ran out goes behind its equals; one that
         * was preempted by a higher priority keeps its slice. */
        if (best < (int)cur->prio || (best == (int)cur->prio && cur->slice_left > 0))
            return cur;
        if (cur->slice_left == 0)
            cur->slice_left = SCHED_SLICE_TICKS;
        sched_enqueue(cur);
        best = sched_highest_ready();
    }
    if (best < 0)
        return NULL;
    struct thread *t = cpu->rq_head[best];
    sched_dequeue(t);
    if (t->slice_left == 0)
        t->slice_left = SCHED_SLICE_TICKS;
    return t;
}

NORETURN void sched_return_to_user(void)
{
    struct cpu *cpu = cpu_self();
    for (;;) {
        obj_reap();
        struct thread *t = pick_next(cpu);
        if (t) {
            cpu->cur = t;
            vspace_activate(&t->task->vs);
            arch_fpu_prepare(t);
            arch_enter_user(t);
        }
        cpu->cur = NULL;
        if (!irq_any_bound() && !timer_any_armed()) {
            if (thread_count_alive == 0 || !root_thread_alive()) {
                kprintf("kernel: the root task is gone and nothing is left to "
                        "run; powering off (status %d)\n",
                        MICA_EXIT_ROOT_DIED);
                arch_poweroff(MICA_EXIT_ROOT_DIED);
            }
            kprintf("kernel: deadlock: every thread is blocked and no interrupt "
                    "can wake one; powering off (status %d)\n",
                    MICA_EXIT_DEADLOCK);
            arch_poweroff(MICA_EXIT_DEADLOCK);
        }
        arch_idle(); /* an interrupt may make a thread runnable */
    }
}
