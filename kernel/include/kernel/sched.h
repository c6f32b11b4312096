/*
 * Scheduler: PRIO_MAX + 1 priority levels, round robin inside a level,
 * preemption by the timer tick. Per-hart run queues live in struct cpu;
 * the running thread (cpu->cur) is not in a queue.
 */
#pragma once

#include <kernel/types.h>

struct thread;

#define SCHED_SLICE_TICKS 2 /* 20 ms at 100 Hz */

/* Puts a runnable thread at the tail of its priority's queue. */
void sched_enqueue(struct thread *t);

/* Removes t from its run queue if it is in one. */
void sched_dequeue(struct thread *t);

/* Highest priority with a ready thread, or -1. */
int sched_highest_ready(void);

/* Asks for a scheduling decision before returning to user mode. */
void sched_request(void);

/* Timer tick: charges the current thread's slice. */
void sched_tick(void);

/* Makes t the running thread right away, without a queue round trip (IPC
 * direct switch). The previous cur must already be blocked or enqueued. */
void sched_switch_to(struct thread *t);

/* Leaves the kernel: runs the best runnable thread; idles when none.
 * Never returns. */
NORETURN void sched_return_to_user(void);
