/*
 * Thread table and the scheduler's way out of the kernel. Issue 2 runs one
 * thread (the root task); the table and the state machine are what the
 * priority scheduler of the kernel-API work builds on.
 */
#include <arch/cpu.h>
#include <kernel/cpu_local.h>
#include <kernel/klib.h>
#include <kernel/kprintf.h>
#include <kernel/thread.h>
#include <kernel/trap.h>
#include <kernel/vspace.h>

#include <mica/exitcodes.h>

#define MAX_THREADS 64

static struct thread threads[MAX_THREADS];
static uint32_t next_tid = 1;

err_t thread_create(struct vspace *vs, const char *name, struct thread **out)
{
    for (int i = 0; i < MAX_THREADS; i++) {
        struct thread *t = &threads[i];
        if (t->state != THREAD_FREE)
            continue;
        memset(t, 0, sizeof(*t));
        t->vs = vs;
        t->tid = next_tid++;
        t->state = THREAD_RUNNABLE;
        strlcpy_k(t->name, name, sizeof(t->name));
        *out = t;
        return E_OK;
    }
    return E_NOMEM;
}

void thread_kill(struct thread *t)
{
    t->state = THREAD_DEAD;
}

static struct thread *pick_runnable(void)
{
    for (int i = 0; i < MAX_THREADS; i++)
        if (threads[i].state == THREAD_RUNNABLE)
            return &threads[i];
    return NULL;
}

NORETURN void sched_return_to_user(void)
{
    struct cpu *cpu = cpu_self();
    struct thread *t = cpu->cur;
    if (!t || t->state != THREAD_RUNNABLE) {
        t = pick_runnable();
        if (!t) {
            kprintf("kernel: no runnable thread left and the root task did not "
                    "exit; powering off (status %d)\n",
                    MICA_EXIT_ROOT_DIED);
            arch_poweroff(MICA_EXIT_ROOT_DIED);
        }
        cpu->cur = t;
        arch_mmu_activate(t->vs->root, t->vs->asid);
    }
    arch_enter_user(t);
}
