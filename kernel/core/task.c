/* Tasks: address space + capability table (see kernel/task.h). */
#include <arch/mmu.h>
#include <kernel/kobj.h>
#include <kernel/task.h>
#include <kernel/thread.h>

static uint32_t next_task_id = 1;
static struct task *take_down_queue;

err_t task_create(uint32_t nslots, struct task **out)
{
    struct task *t = kobj_alloc(sizeof(*t));
    if (!t)
        return E_NOMEM;
    t->hdr.type = CAP_TASK;
    err_t err = cspace_init(&t->cs, nslots);
    if (err != E_OK)
        goto undo_obj;
    err = vspace_create(&t->vs);
    if (err != E_OK)
        goto undo_cs;
    t->id = next_task_id++;
    *out = t;
    return E_OK;
undo_cs:
    cspace_destroy(&t->cs);
undo_obj:
    kobj_free(t, sizeof(*t));
    return err;
}

void task_destroy(struct task *t)
{
    cspace_destroy(&t->cs);
    vspace_destroy(&t->vs);
    kobj_free(t, sizeof(*t));
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
        /* What it held is deleted as if it had deleted it itself; a task
         * whose last outside capability was here is queued in turn. */
        for (uint32_t i = 1; i < t->cs.nslots; i++)
            if (t->cs.slots[i].type != CAP_NONE)
                cap_delete(&t->cs.slots[i]);
        obj_put(&t->hdr);
    }
    return did;
}
