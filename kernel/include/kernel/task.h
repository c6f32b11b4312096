/*
 * Tasks: an address space (Sv39 root + ASID) and a capability table.
 * References: every capability naming the task and every thread in it.
 *
 * Take-down: when the last capability naming a task from outside it (in
 * another task's table) is deleted, the kernel kills the task's threads
 * and empties its table (task_take_down_later). Capabilities a task holds to
 * itself, or to its own threads, would otherwise keep it alive for ever
 * once nothing outside can reach it: a cycle no one could break.
 */
#pragma once

#include <kernel/cap.h>
#include <kernel/kobj.h>
#include <kernel/object.h>
#include <kernel/vspace.h>

struct task {
    struct object hdr;
    struct vspace vs;
    struct cspace cs;
    uint32_t id;
    uint32_t nthreads;
    uint32_t self_caps;          /* capabilities naming this task in its own table */
    bool taken_down;             /* task_take_down ran (or is queued) */
    struct thread *threads;      /* every thread in it, dead ones until destroyed */
    struct task *take_down_next; /* queue of task_take_down_later */
    /* Kernel memory (kernel/budget.h): what its creator gave it, what is
     * charged to it now (its table, page tables, the objects it made and
     * the budgets it gave), and the objects it owns. */
    uint64_t budget, used;
    struct object *owned;
    struct kobj_slabs slabs;     /* where the objects it pays for live */
};

/* Bytes a task of nslots needs for itself: its table and root page table. */
uint64_t task_own_need(uint32_t nslots);

/* Creates a task with an empty address space, nslots capability slots and
 * `budget` bytes of kernel memory (its own table and root page table are
 * charged to it at once), paid for by payer (NULL: the root task, at boot),
 * which owns it. E_NOMEM: the payer's budget, the pool or the ASIDs are
 * exhausted, or budget is below task_own_need; E_INVAL: nslots. The task
 * starts with zero references: the caller installs a capability. */
WARN_UNUSED err_t task_create(struct task *payer, uint32_t nslots, uint64_t budget,
                              struct task **out);

/* Frees everything the task owns (called when its last reference goes). */
void task_destroy(struct task *t);

/* Whether capability slot c lies in t's own table. */
static inline bool task_owns_slot(const struct task *t, const struct cap *c)
{
    return t->cs.slots && c >= t->cs.slots && c < t->cs.slots + t->cs.nslots;
}

/* Queues t's take-down (it holds a reference until then): the last
 * capability naming it from outside is gone. */
void task_take_down_later(struct task *t);

/* Takes down every queued task: kills its threads, deletes every
 * capability in its table (which may queue more). Returns whether it did
 * anything. Called from obj_reap, never recursively. */
bool task_take_down_queued(void);
