/*
 * ktest: the kernel API test program. Runs as the root task
 * (`mica.root=ktest`), so it holds every capability; child tasks are
 * spawned from its own ELF with a role number as start argument. Each test
 * prints "TEST <ID> PASS" or "TEST <ID> FAIL" (tests/qemu/cases/ktest.test
 * checks them); the program exits with the number of failures.
 */
#pragma once

#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/rootmem.h>
#include <sys/spawn.h>

#include <mica/bootinfo.h>

/* ktest_main.c; some cases use its address as a pointer to text. */
int main(uintptr_t arg);

extern struct rootmem kt_mem;
extern const struct bootinfo *kt_info;
extern int kt_failures;

/* Per-test failure count, reset by kt_begin. */
extern int kt_test_failed;

void kt_begin(const char *id);
void kt_end(const char *id);

#define KT_CHECK(cond)                                                        \
    do {                                                                      \
        if (!(cond)) {                                                        \
            kt_test_failed++;                                                 \
            sys_printf("  check failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
        }                                                                     \
    } while (0)

#define KT_EQ(a, b)                                                           \
    do {                                                                      \
        int64_t kt_a_ = (int64_t)(a), kt_b_ = (int64_t)(b);                   \
        if (kt_a_ != kt_b_) {                                                 \
            kt_test_failed++;                                                 \
            sys_printf("  check failed: %s == %s (%ld != %ld) (%s:%d)\n", #a, #b, \
                       kt_a_, kt_b_, __FILE__, __LINE__);                     \
        }                                                                     \
    } while (0)

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

/* Test groups. */
void kt_test_caps(void);
void kt_test_errors(void);
void kt_test_ipc(void);
void kt_test_pager(void);
void kt_test_mapping(void);
void kt_test_sched(void);
void kt_test_irq(void);
void kt_test_fpu(void);
void kt_test_kmem(void);
