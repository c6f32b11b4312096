/* Tasks: address space + capability table (see kernel/task.h). */
#include <arch/mmu.h>
#include <kernel/kobj.h>
#include <kernel/task.h>

static uint32_t next_task_id = 1;

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
