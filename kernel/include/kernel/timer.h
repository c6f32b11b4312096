/*
 * Timed signals: SYS_TIMER_SIGNAL arms a notification to be signalled once
 * the `time` counter reaches a deadline. The list is checked on every
 * timer tick, so a deadline is met within one tick (10 ms). One deadline
 * per notification; arming again replaces it.
 *
 * Lock: the kernel runs on one hart with interrupts off (kernel/README.md);
 * the armed list is touched only from kernel entries.
 */
#pragma once

#include <kernel/types.h>

struct notification;

/* Removes n from the armed list if it is there. */
void timer_disarm(struct notification *n);

/* Whether a deadline is armed: a thread waiting for it is not deadlocked. */
bool timer_any_armed(void);

/* Signals and disarms every notification whose deadline is <= now. */
void timer_expire(uint64_t now);

/* SYS_TIMER_SIGNAL (ntfn with WRITE, deadline; 0 disarms). */
struct thread;
void sys_timer_signal(struct thread *t);
