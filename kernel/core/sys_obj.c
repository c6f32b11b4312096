/*
 * System calls on capabilities, object creation and threads. Every handler
 * looks up and checks all of its capabilities and arguments before its
 * first side effect.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <kernel/cap.h>
#include <kernel/cpu_local.h>
#include <kernel/ipc.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>
#include <kernel/task.h>
#include <kernel/thread.h>
#include <kernel/vspace.h>

#include <mica/ipc.h>

static uint64_t arg(const struct thread *t, int n)
{
    return arch_regs_get(&t->regs, REG_A0 + n);
}

static void ret(struct thread *t, int64_t v)
{
    arch_regs_set(&t->regs, REG_A0, (uint64_t)v);
}

#define RET(t, v)       \
    do {                \
        ret((t), (v));  \
        return;         \
    } while (0)

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
    uint64_t rights = arg(t, 1), badge = arg(t, 2);
    err_t err = cap_lookup(cs_of(t), (uint32_t)arg(t, 0), CAP_NONE, 0, &src);
    if (err != E_OK)
        RET(t, err);
    if (rights & ~(uint64_t)RIGHTS_ALL || badge > BADGE_MAX)
        RET(t, E_INVAL);
    if (badge && src->type != CAP_ENDPOINT && src->type != CAP_NOTIFICATION)
        RET(t, E_INVAL);
    uint32_t h;
    err = cap_free_slot(cs_of(t), &h);
    if (err != E_OK)
        RET(t, err);
    cap_derive(&cs_of(t)->slots[h], src, (unsigned)rights, badge);
    ret(t, h);
}

void sys_cap_delete(struct thread *t)
{
    struct cap *c;
    err_t err = cap_lookup(cs_of(t), (uint32_t)arg(t, 0), CAP_NONE, 0, &c);
    if (err != E_OK)
        RET(t, err);
    cap_delete(c);
    ret(t, E_OK);
}

void sys_cap_revoke(struct thread *t)
{
    struct cap *c;
    err_t err = cap_lookup(cs_of(t), (uint32_t)arg(t, 0), CAP_NONE, 0, &c);
    if (err != E_OK)
        RET(t, err);
    ret(t, (int64_t)cap_revoke(c));
}

/* SYS_CAP_GRANT(task, handle, rights, badge, slot): copies a capability
 * into another task's table, at `slot` or (slot 0) the lowest free one. */
void sys_cap_grant(struct thread *t)
{
    struct cap *tc, *src;
    uint64_t rights = arg(t, 2), badge = arg(t, 3), slot = arg(t, 4);
    err_t err = cap_lookup(cs_of(t), (uint32_t)arg(t, 0), CAP_TASK, RIGHT_MANAGE, &tc);
    if (err == E_OK)
        err = cap_lookup(cs_of(t), (uint32_t)arg(t, 1), CAP_NONE, RIGHT_GRANT, &src);
    if (err != E_OK)
        RET(t, err);
    if (rights & ~(uint64_t)RIGHTS_ALL || badge > BADGE_MAX)
        RET(t, E_INVAL);
    if (badge && src->type != CAP_ENDPOINT && src->type != CAP_NOTIFICATION)
        RET(t, E_INVAL);
    struct cspace *dst = &((struct task *)tc->obj)->cs;
    uint32_t h = (uint32_t)slot;
    if (slot == 0) {
        err = cap_free_slot(dst, &h);
        if (err != E_OK)
            RET(t, err);
    } else if (slot >= dst->nslots) {
        RET(t, E_RANGE);
    } else if (dst->slots[slot].type != CAP_NONE) {
        RET(t, E_EXIST);
    }
    cap_derive(&dst->slots[h], src, (unsigned)rights, badge);
    ret(t, h);
}

void sys_cap_info(struct thread *t)
{
    struct cap *c;
    err_t err = cap_lookup(cs_of(t), (uint32_t)arg(t, 0), CAP_NONE, 0, &c);
    if (err != E_OK)
        RET(t, err);
    arch_regs_set(&t->regs, REG_A1, c->badge);
    arch_regs_set(&t->regs, REG_A2, c->type == CAP_FRAME ? c->pa : 0);
    arch_regs_set(&t->regs, REG_A2 + 1, c->type == CAP_FRAME ? c->len : 0);
    ret(t, c->type | (c->rights << 8));
}

/* ---- creating objects ---- */

void sys_endpoint_create(struct thread *t)
{
    uint32_t h;
    if (cap_free_slot(cs_of(t), &h) != E_OK)
        RET(t, E_NOSPACE);
    struct endpoint *ep;
    err_t err = endpoint_create(&ep);
    if (err != E_OK)
        RET(t, err);
    err = install_new(t, CAP_ENDPOINT, &ep->hdr, &h);
    ret(t, err == E_OK ? (int64_t)h : err);
}

void sys_notification_create(struct thread *t)
{
    uint32_t h;
    if (cap_free_slot(cs_of(t), &h) != E_OK)
        RET(t, E_NOSPACE);
    struct notification *n;
    err_t err = notification_create(&n);
    if (err != E_OK)
        RET(t, err);
    err = install_new(t, CAP_NOTIFICATION, &n->hdr, &h);
    ret(t, err == E_OK ? (int64_t)h : err);
}

void sys_task_create(struct thread *t)
{
    uint64_t nslots = arg(t, 0);
    if (nslots == 0)
        nslots = CSPACE_DEFAULT_SLOTS;
    if (nslots > CSPACE_MAX_SLOTS)
        RET(t, E_INVAL);
    uint32_t h;
    if (cap_free_slot(cs_of(t), &h) != E_OK)
        RET(t, E_NOSPACE);
    struct task *task;
    err_t err = task_create((uint32_t)nslots, &task);
    if (err != E_OK)
        RET(t, err);
    err = install_new(t, CAP_TASK, &task->hdr, &h);
    ret(t, err == E_OK ? (int64_t)h : err);
}

/* SYS_THREAD_CREATE(task, prio): not above the caller's own priority. */
void sys_thread_create(struct thread *t)
{
    struct cap *tc;
    uint64_t prio = arg(t, 1);
    err_t err = cap_lookup(cs_of(t), (uint32_t)arg(t, 0), CAP_TASK, RIGHT_MANAGE, &tc);
    if (err != E_OK)
        RET(t, err);
    if (prio > t->prio)
        RET(t, E_PERM);
    uint32_t h;
    if (cap_free_slot(cs_of(t), &h) != E_OK)
        RET(t, E_NOSPACE);
    struct thread *nt;
    err = thread_create((struct task *)tc->obj, (unsigned)prio, "thread", &nt);
    if (err != E_OK)
        RET(t, err);
    err = install_new(t, CAP_THREAD, &nt->hdr, &h);
    ret(t, err == E_OK ? (int64_t)h : err);
}

/* ---- threads ---- */

static err_t lookup_thread(struct thread *t, struct thread **out)
{
    struct cap *c;
    err_t err = cap_lookup(cs_of(t), (uint32_t)arg(t, 0), CAP_THREAD, RIGHT_MANAGE, &c);
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
        RET(t, err);
    if (target->state != THREAD_INACTIVE)
        RET(t, E_BUSY);
    uint64_t pc = arg(t, 1), sp = arg(t, 2);
    if (pc >= USER_VA_TOP || sp > USER_VA_TOP)
        RET(t, E_RANGE);
    thread_start(target, pc, sp, arg(t, 3));
    ret(t, E_OK);
}

void sys_thread_suspend(struct thread *t)
{
    struct thread *target;
    err_t err = lookup_thread(t, &target);
    if (err != E_OK)
        RET(t, err);
    if (target->state == THREAD_DEAD)
        RET(t, E_DEAD);
    if (target->state == THREAD_INACTIVE || target->state == THREAD_SUSPENDED)
        RET(t, E_BUSY);
    ret(t, E_OK); /* before: the target may be t itself */
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
        RET(t, err);
    if (target->state != THREAD_SUSPENDED)
        RET(t, E_BUSY);
    thread_wake(target);
    ret(t, E_OK);
}

void sys_thread_set_priority(struct thread *t)
{
    struct thread *target;
    uint64_t prio = arg(t, 1);
    err_t err = lookup_thread(t, &target);
    if (err != E_OK)
        RET(t, err);
    if (prio > PRIO_MAX || prio > t->prio)
        RET(t, prio > PRIO_MAX ? E_INVAL : E_PERM);
    bool queued = target->state == THREAD_RUNNABLE && target != cpu_self()->cur;
    if (queued)
        sched_dequeue(target);
    target->prio = (uint8_t)prio;
    if (queued)
        sched_enqueue(target);
    sched_request();
    ret(t, E_OK);
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
        err = optional_endpoint(t, arg(t, 1), &pager);
    if (err == E_OK)
        err = optional_endpoint(t, arg(t, 2), &exc);
    if (err != E_OK)
        RET(t, err);
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
    ret(t, E_OK);
}

void sys_thread_set_ipc_buffer(struct thread *t)
{
    struct thread *target;
    uint64_t va = arg(t, 1);
    err_t err = lookup_thread(t, &target);
    if (err != E_OK)
        RET(t, err);
    if (!IS_ALIGNED(va, PAGE_SIZE))
        RET(t, E_ALIGN);
    if (va >= USER_VA_TOP)
        RET(t, E_RANGE);
    target->ipc_buffer_va = va;
    ret(t, E_OK);
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
        RET(t, err);
    if (!regs_accessible(target))
        RET(t, E_BUSY);
    struct mica_regs out;
    out.pc = target->regs.pc;
    for (int i = 0; i < 31; i++)
        out.x[i] = target->regs.gpr[i];
    ret(t, vspace_copy_to_user(&t->task->vs, arg(t, 1), &out, sizeof(out)));
}

void sys_thread_write_regs(struct thread *t)
{
    struct thread *target;
    err_t err = lookup_thread(t, &target);
    if (err != E_OK)
        RET(t, err);
    if (!regs_accessible(target))
        RET(t, E_BUSY);
    struct mica_regs in;
    err = vspace_copy_from_user(&t->task->vs, &in, arg(t, 1), sizeof(in));
    if (err != E_OK)
        RET(t, err);
    if (in.pc >= USER_VA_TOP)
        RET(t, E_RANGE);
    target->regs.pc = in.pc;
    for (int i = 0; i < 31; i++)
        target->regs.gpr[i] = in.x[i];
    ret(t, E_OK);
}
