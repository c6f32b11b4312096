/*
 * System calls on capabilities, object creation and threads. Every handler
 * looks up and checks all of its capabilities and arguments before its
 * first side effect.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <kernel/budget.h>
#include <kernel/cap.h>
#include <kernel/kmem.h>
#include <kernel/cpu_local.h>
#include <kernel/ipc.h>
#include <kernel/sched.h>
#include <kernel/syscall_args.h>
#include <kernel/syscalls.h>
#include <kernel/task.h>
#include <kernel/thread.h>
#include <kernel/vspace.h>

#include <mica/ipc.h>

#define BADGE_MAX (~0ull >> 1) /* bit 63 clear: a delivered badge is >= 0 */

static struct cspace *cs_of(struct thread *t)
{
    return &t->task->cs;
}

/* Installs a new capability to obj in t's table; on E_NOSPACE the caller
 * must destroy obj (it has no reference yet). */
static err_t install_new(struct thread *t, unsigned type, struct object *obj,
                         uint32_t *h)
{
    err_t err = cap_free_slot(cs_of(t), h);
    if (err != E_OK)
        return err;
    cap_install(&cs_of(t)->slots[*h], type, RIGHTS_ALL, obj, 0, 0);
    return E_OK;
}

/* ---- capabilities ---- */

void sys_cap_copy(struct thread *t)
{
    struct cap *src;
    uint64_t rights = sc_arg(t, 1), badge = sc_arg(t, 2);
    err_t err = cap_lookup(cs_of(t), (uint32_t)sc_arg(t, 0), CAP_NONE, 0, &src);
    if (err != E_OK)
        SC_RETURN(t, err);
    if (rights & ~(uint64_t)RIGHTS_ALL || badge > BADGE_MAX)
        SC_RETURN(t, E_INVAL);
    if (badge && src->type != CAP_ENDPOINT && src->type != CAP_NOTIFICATION)
        SC_RETURN(t, E_INVAL);
    if (src->type == CAP_REPLY)
        SC_RETURN(t, E_PERM); /* one caller, one answer: reply rights are not copied */
    uint32_t h;
    err = cap_free_slot(cs_of(t), &h);
    if (err != E_OK)
        SC_RETURN(t, err);
    cap_derive(&cs_of(t)->slots[h], src, (unsigned)rights, badge);
    syscall_return(t, h);
}

void sys_cap_delete(struct thread *t)
{
    struct cap *c;
    err_t err = cap_lookup(cs_of(t), (uint32_t)sc_arg(t, 0), CAP_NONE, 0, &c);
    if (err != E_OK)
        SC_RETURN(t, err);
    cap_delete(c);
    syscall_return(t, E_OK);
}

void sys_cap_revoke(struct thread *t)
{
    struct cap *c;
    err_t err = cap_lookup(cs_of(t), (uint32_t)sc_arg(t, 0), CAP_NONE, 0, &c);
    if (err != E_OK)
        SC_RETURN(t, err);
    syscall_return(t, (int64_t)cap_revoke(c));
}

/* SYS_CAP_GRANT(task, handle, rights, badge, slot): copies a capability
 * into another task's table, at `slot` or (slot 0) the lowest free one. */
void sys_cap_grant(struct thread *t)
{
    struct cap *tc, *src;
    uint64_t rights = sc_arg(t, 2), badge = sc_arg(t, 3), slot = sc_arg(t, 4);
    err_t err = cap_lookup(cs_of(t), (uint32_t)sc_arg(t, 0), CAP_TASK, RIGHT_MANAGE, &tc);
    if (err == E_OK)
        err = cap_lookup(cs_of(t), (uint32_t)sc_arg(t, 1), CAP_NONE, RIGHT_GRANT, &src);
    if (err != E_OK)
        SC_RETURN(t, err);
    if (rights & ~(uint64_t)RIGHTS_ALL || badge > BADGE_MAX)
        SC_RETURN(t, E_INVAL);
    if (badge && src->type != CAP_ENDPOINT && src->type != CAP_NOTIFICATION)
        SC_RETURN(t, E_INVAL);
    struct task *target = (struct task *)tc->obj;
    if (target->taken_down)
        SC_RETURN(t, E_DEAD); /* a capability there could keep it alive for ever */
    struct cspace *dst = &target->cs;
    uint32_t h = (uint32_t)slot;
    if (slot == 0) {
        err = cap_free_slot(dst, &h);
        if (err != E_OK)
            SC_RETURN(t, err);
    } else if (slot >= dst->nslots) {
        SC_RETURN(t, E_RANGE);
    } else if (dst->slots[slot].type != CAP_NONE) {
        SC_RETURN(t, E_EXIST);
    }
    cap_derive(&dst->slots[h], src, (unsigned)rights, badge);
    syscall_return(t, h);
}

void sys_cap_info(struct thread *t)
{
    struct cap *c;
    err_t err = cap_lookup(cs_of(t), (uint32_t)sc_arg(t, 0), CAP_NONE, 0, &c);
    if (err != E_OK)
        SC_RETURN(t, err);
    arch_regs_set(&t->regs, ARCH_REG_RET1, c->badge);
    arch_regs_set(&t->regs, ARCH_REG_RET2, c->type == CAP_FRAME ? c->pa : 0);
    arch_regs_set(&t->regs, ARCH_REG_RET3, c->type == CAP_FRAME ? c->len : 0);
    syscall_return(t, c->type | (c->rights << 8));
}

/* ---- creating objects ---- */

/* Gives t a capability (all rights) to a new object made by create();
 * the free slot is checked first so a full table wastes no kernel memory. */
static void create_object(struct thread *t, unsigned type,
                          err_t (*create)(struct task *owner, struct object **obj))
{
    uint32_t h;
    if (cap_free_slot(cs_of(t), &h) != E_OK)
        SC_RETURN(t, E_NOSPACE);
    struct object *obj;
    err_t err = create(t->task, &obj); /* the caller's task pays and owns it */
    if (err != E_OK)
        SC_RETURN(t, err);
    err = install_new(t, type, obj, &h);
    syscall_return(t, err == E_OK ? (int64_t)h : err);
}

static err_t make_endpoint(struct task *owner, struct object **obj)
{
    struct endpoint *ep;
    err_t err = endpoint_create(owner, &ep);
    *obj = err == E_OK ? &ep->hdr : NULL;
    return err;
}

static err_t make_notification(struct task *owner, struct object **obj)
{
    struct notification *n;
    err_t err = notification_create(owner, &n);
    *obj = err == E_OK ? &n->hdr : NULL;
    return err;
}

void sys_endpoint_create(struct thread *t)
{
    create_object(t, CAP_ENDPOINT, make_endpoint);
}

void sys_notification_create(struct thread *t)
{
    create_object(t, CAP_NOTIFICATION, make_notification);
}

/* SYS_TASK_CREATE(payer, nslots, budget): the payer task (MANAGE) gives
 * the new task `budget` bytes of its own budget and owns it. */
void sys_task_create(struct thread *t)
{
    struct cap *pc;
    err_t err = cap_lookup(cs_of(t), (uint32_t)sc_arg(t, 0), CAP_TASK, RIGHT_MANAGE, &pc);
    if (err != E_OK)
        SC_RETURN(t, err);
    uint64_t nslots = sc_arg(t, 1), budget = sc_arg(t, 2);
    if (nslots == 0)
        nslots = CSPACE_DEFAULT_SLOTS;
    if (nslots > CSPACE_MAX_SLOTS)
        SC_RETURN(t, E_INVAL);
    struct task *payer = (struct task *)pc->obj;
    if (payer->taken_down)
        SC_RETURN(t, E_DEAD);
    uint32_t h;
    if (cap_free_slot(cs_of(t), &h) != E_OK)
        SC_RETURN(t, E_NOSPACE);
    struct task *task;
    err = task_create(payer, (uint32_t)nslots, budget, &task);
    if (err != E_OK)
        SC_RETURN(t, err);
    err = install_new(t, CAP_TASK, &task->hdr, &h);
    syscall_return(t, err == E_OK ? (int64_t)h : err);
}

/* SYS_KMEM_INFO(task or 0): pool bytes free; RET1/RET2 the task's budget and
 * what is charged to it. */
void sys_kmem_info(struct thread *t)
{
    struct task *task = t->task;
    if (sc_arg(t, 0) != 0) {
        struct cap *tc;
        err_t err = cap_lookup(cs_of(t), (uint32_t)sc_arg(t, 0), CAP_TASK, 0, &tc);
        if (err != E_OK)
            SC_RETURN(t, err);
        task = (struct task *)tc->obj;
    }
    arch_regs_set(&t->regs, ARCH_REG_RET1, task->budget);
    arch_regs_set(&t->regs, ARCH_REG_RET2, task->used);
    syscall_return(t, (int64_t)(kernel_pmm.nfree * PAGE_SIZE));
}

/* SYS_THREAD_CREATE(task, prio): not above the caller's own priority. */
void sys_thread_create(struct thread *t)
{
    struct cap *tc;
    uint64_t prio = sc_arg(t, 1);
    err_t err = cap_lookup(cs_of(t), (uint32_t)sc_arg(t, 0), CAP_TASK, RIGHT_MANAGE, &tc);
    if (err != E_OK)
        SC_RETURN(t, err);
    if (prio > t->prio)
        SC_RETURN(t, E_PERM);
    uint32_t h;
    if (cap_free_slot(cs_of(t), &h) != E_OK)
        SC_RETURN(t, E_NOSPACE);
    struct thread *nt;
    err = thread_create((struct task *)tc->obj, (unsigned)prio, "thread", &nt);
    if (err != E_OK)
        SC_RETURN(t, err);
    err = install_new(t, CAP_THREAD, &nt->hdr, &h);
    syscall_return(t, err == E_OK ? (int64_t)h : err);
}

/* ---- threads ---- */

static err_t lookup_thread(struct thread *t, struct thread **out)
{
    struct cap *c;
    err_t err = cap_lookup(cs_of(t), (uint32_t)sc_arg(t, 0), CAP_THREAD, RIGHT_MANAGE, &c);
    if (err != E_OK)
        return err;
    *out = container_of(c->obj, struct thread, hdr);
    return E_OK;
}

void sys_thread_start(struct thread *t)
{
    struct thread *target;
    err_t err = lookup_thread(t, &target);
    if (err != E_OK)
        SC_RETURN(t, err);
    if (target->state != THREAD_INACTIVE)
        SC_RETURN(t, E_BUSY);
    uint64_t pc = sc_arg(t, 1), sp = sc_arg(t, 2);
    if (pc >= USER_VA_TOP || sp > USER_VA_TOP)
        SC_RETURN(t, E_RANGE);
    thread_start(target, pc, sp, sc_arg(t, 3));
    syscall_return(t, E_OK);
}

void sys_thread_suspend(struct thread *t)
{
    struct thread *target;
    err_t err = lookup_thread(t, &target);
    if (err != E_OK)
        SC_RETURN(t, err);
    if (target->state == THREAD_DEAD)
        SC_RETURN(t, E_DEAD);
    if (target->state == THREAD_INACTIVE || target->state == THREAD_SUSPENDED)
        SC_RETURN(t, E_BUSY);
    syscall_return(t, E_OK); /* before: the target may be t itself */
    thread_cancel_ipc(target, E_BUSY);
    sched_dequeue(target);
    target->state = THREAD_SUSPENDED;
    if (target == t)
        sched_request();
}

void sys_thread_resume(struct thread *t)
{
    struct thread *target;
    err_t err = lookup_thread(t, &target);
    if (err != E_OK)
        SC_RETURN(t, err);
    if (target->state != THREAD_SUSPENDED)
        SC_RETURN(t, E_BUSY);
    thread_wake(target);
    syscall_return(t, E_OK);
}

void sys_thread_set_priority(struct thread *t)
{
    struct thread *target;
    uint64_t prio = sc_arg(t, 1);
    err_t err = lookup_thread(t, &target);
    if (err != E_OK)
        SC_RETURN(t, err);
    if (prio > PRIO_MAX || prio > t->prio)
        SC_RETURN(t, prio > PRIO_MAX ? E_INVAL : E_PERM);
    bool queued = target->state == THREAD_RUNNABLE && target != cpu_self()->cur;
    if (queued)
        sched_dequeue(target);
    target->prio = (uint8_t)prio;
    if (queued)
        sched_enqueue(target);
    sched_request();
    syscall_return(t, E_OK);
}

/* Endpoint from an optional handle (0 = none) for fault delivery. */
static err_t optional_endpoint(struct thread *t, uint64_t h, struct cap **out)
{
    *out = NULL;
    if (h == 0)
        return E_OK;
    return cap_lookup(cs_of(t), (uint32_t)h, CAP_ENDPOINT, RIGHT_WRITE, out);
}

void sys_thread_set_handlers(struct thread *t)
{
    struct thread *target;
    struct cap *pager, *exc;
    err_t err = lookup_thread(t, &target);
    if (err == E_OK)
        err = optional_endpoint(t, sc_arg(t, 1), &pager);
    if (err == E_OK)
        err = optional_endpoint(t, sc_arg(t, 2), &exc);
    if (err != E_OK)
        SC_RETURN(t, err);
    if (target->pager)
        obj_put(&target->pager->hdr);
    if (target->exc_ep)
        obj_put(&target->exc_ep->hdr);
    target->pager = pager ? (struct endpoint *)pager->obj : NULL;
    target->pager_badge = pager ? pager->badge : 0;
    target->exc_ep = exc ? (struct endpoint *)exc->obj : NULL;
    target->exc_badge = exc ? exc->badge : 0;
    if (target->pager)
        obj_get(&target->pager->hdr);
    if (target->exc_ep)
        obj_get(&target->exc_ep->hdr);
    syscall_return(t, E_OK);
}

void sys_thread_set_ipc_buffer(struct thread *t)
{
    struct thread *target;
    uint64_t va = sc_arg(t, 1);
    err_t err = lookup_thread(t, &target);
    if (err != E_OK)
        SC_RETURN(t, err);
    if (!IS_ALIGNED(va, PAGE_SIZE))
        SC_RETURN(t, E_ALIGN);
    if (va >= USER_VA_TOP)
        SC_RETURN(t, E_RANGE);
    target->ipc_buffer_va = va;
    syscall_return(t, E_OK);
}

/* Registers of a thread that is not running: suspended, never started, or
 * stopped in a fault (what a pager or debugger inspects). */
static bool regs_accessible(const struct thread *target)
{
    if (target->state == THREAD_SUSPENDED || target->state == THREAD_INACTIVE)
        return true;
    return (target->state == THREAD_BLOCKED_SEND || target->state == THREAD_BLOCKED_REPLY) &&
           target->ipc_kind == IPC_KIND_FAULT;
}

void sys_thread_read_regs(struct thread *t)
{
    struct thread *target;
    err_t err = lookup_thread(t, &target);
    if (err != E_OK)
        SC_RETURN(t, err);
    if (!regs_accessible(target))
        SC_RETURN(t, E_BUSY);
    struct mica_regs out;
    out.pc = target->regs.pc;
    for (int i = 0; i < 31; i++)
        out.x[i] = target->regs.gpr[i];
    syscall_return(t, vspace_copy_to_user(&t->task->vs, sc_arg(t, 1), &out, sizeof(out)));
}

void sys_thread_write_regs(struct thread *t)
{
    struct thread *target;
    err_t err = lookup_thread(t, &target);
    if (err != E_OK)
        SC_RETURN(t, err);
    if (!regs_accessible(target))
        SC_RETURN(t, E_BUSY);
    struct mica_regs in;
    err = vspace_copy_from_user(&t->task->vs, &in, sc_arg(t, 1), sizeof(in));
    if (err != E_OK)
        SC_RETURN(t, err);
    if (in.pc >= USER_VA_TOP)
        SC_RETURN(t, E_RANGE);
    target->regs.pc = in.pc;
    for (int i = 0; i < 31; i++)
        target->regs.gpr[i] = in.x[i];
    syscall_return(t, E_OK);
}
