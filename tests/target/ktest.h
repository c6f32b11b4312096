/*
 * ktest: the kernel API test program. Runs as the root task
 * (`mica.root=ktest`), so it holds every capability; child tasks are
 * spawned from its own ELF with a role number as start argument. Its tests
 * are the table in ktest_main.c (check.h runs it); the program exits with
 * the number of failures.
 */
#pragma once

#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/rootmem.h>
#include <sys/spawn.h>

#include <mica/bootinfo.h>

#include "check.h"

/* ktest_main.c; some cases use its address as a pointer to text. */
int main(uintptr_t arg);

extern struct rootmem kt_mem;
extern const struct bootinfo *kt_info;
/* Child roles (start argument of a spawned ktest task). */
enum kt_role {
    KT_ROLE_ECHO = 1,    /* serves the endpoint in slot KT_CHILD_EP */
    KT_ROLE_FAULTER = 2, /* touches memory as told over KT_CHILD_EP */
    KT_ROLE_MAKER = 3,   /* makes an endpoint, sends it over KT_CHILD_EP, serves it */
};

/* Kernel memory for the small tasks the tests make (docs/kernel-api.md). */
#define KT_TASK_BUDGET (64ull << 10)
#define KT_CHILD_EP 1    /* endpoint handle granted to children */
#define KT_CHILD_NTFN 2  /* notification handle granted to children */

/* Spawns a ktest child with `role`; grants it ep (as KT_CHILD_EP) when
 * non-zero; optionally sets its pager. Returns 0 or err_t. */
int64_t kt_spawn_child(enum kt_role role, handle_t ep, handle_t pager, unsigned prio,
                       struct spawned *out);

/* Child entry points. */
int kt_child_echo(void);
int kt_child_faulter(void);
int kt_child_maker(void);

/* The tests, one function each (the table in ktest_main.c gives their ids). */
void kt_bad_handles(void);
void kt_rights(void);
void kt_bad_pointers(void);
void kt_bad_messages(void);
void kt_bad_mappings(void);
void kt_pool_exhaustion(void);
void kt_misc_errors(void);
void kt_derivation(void);
void kt_grant(void);
void kt_take_down(void);
void kt_same_space(void);
void kt_cross_space(void);
void kt_send_queue(void);
void kt_dead_peers(void);
void kt_notifications(void);
void kt_saved_reply(void);
void kt_bound_notification(void);
void kt_superpage_and_back(void);
void kt_frame_split(void);
void kt_pager(void);
void kt_exceptions(void);
void kt_lazy_fpu(void);
void kt_irq_uart(void);
void kt_preemption(void);
void kt_suspend_resume(void);
void kt_budgets(void);
void kt_cycle_dies_with_owner(void);
void kt_owned_endpoint_dies(void);
void kt_timer_signal(void);
