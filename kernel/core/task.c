/* Tasks: address space + capability table (see kernel/task.h). */
#include <arch/mmu.h>
#include <kernel/budget.h>
#include <kernel/kobj.h>
#include <kernel/task.h>
#include <kernel/thread.h>

static uint32_t next_task_id = 1;
static struct task *take_down_queue;

uint64_t task_own_need(uint32_t nslots)
{
    return ALIGN_UP((uint64_t)nslots * sizeof(struct cap), PAGE_SIZE) + PAGE_SIZE;
}

err_t task_create(struct task *payer, uint32_t nslots, uint64_t budget, struct task **out)
{
    if (nslots == 0 || nslots > CSPACE_MAX_SLOTS)
        return E_INVAL;
    if (budget < task_own_need(nslots))
        return E_NOMEM;
    if (payer && budget_charge(payer, budget) != E_OK)
        return E_NOMEM;
    struct task *t = kobj_alloc(payer, sizeof(*t));
    err_t err = E_NOMEM;
    if (!t)
        goto undo_budget;
    t->hdr.type = CAP_TASK;
    t->budget = budget;
    t->used = task_own_need(nslots); /* its table and its root page table */
    err = cspace_init(&t->cs, nslots);
    if (err != E_OK)
        goto undo_obj;
    err = vspace_create(&t->vs);
    if (err != E_OK)
        goto undo_cs;
    t->id = next_task_id++;
    budget_own(payer, &t->hdr, budget);
    *out = t;
    return E_OK;
undo_cs:
    cspace_destroy(&t->cs);
undo_obj:
    kobj_free(payer, t, sizeof(*t));
undo_budget:
    if (payer)
        budget_uncharge(payer, budget);
    return err;
}

void task_destroy(struct task *t)
{
    cspace_destroy(&t->cs);
    vspace_destroy(&t->vs);
    /* Its budget goes back to the task that gave it, its memory to that
     * task's slabs. */
    kobj_free(budget_disown(&t->hdr), t, sizeof(*t));
}

void task_take_down_later(struct task *t)
{
    if (t->taken_down)
        return;
    t->taken_down = true;
    obj_get(&t->hdr); /* until the take-down ran */
    t->take_down_next = take_down_queue;
    take_down_queue = t;
}

bool task_take_down_queued(void)
{
    bool did = false;
    while (take_down_queue) {
        struct task *t = take_down_queue;
        take_down_queue = t->take_down_next;
        did = true;
        /* Nothing outside names it, so nothing could run or reach its
         * threads through it again; they go first, so none of them runs
         * between the deletions below. */
        for (struct thread *th = t->threads; th; th = th->task_next)
            thread_kill(th, NULL);
        /* What it created ends with it: no cycle outlives its creator. */
        budget_end_owned(t);
        /* What it held is deleted as if it had deleted it itself; a task
         * whose last outside capability was here is queued in turn. */
        for (uint32_t i = 1; i < t->cs.nslots; i++)
            if (t->cs.slots[i].type != CAP_NONE)
                cap_delete(&t->cs.slots[i]);
        obj_put(&t->hdr);
    }
    return did;
}
