/* Reference counting and deferred destruction of kernel objects. */
#include <kernel/ipc.h>
#include <kernel/irq.h>
#include <kernel/object.h>
#include <kernel/panic.h>
#include <kernel/task.h>
#include <kernel/thread.h>

static struct object *reap_list;

void obj_put(struct object *o)
{
    if (o->refs == 0)
        panic("object %p (type %u) released more often than taken", (void *)o, o->type);
    if (--o->refs == 0) {
        o->reap_next = reap_list;
        reap_list = o;
    }
}

void obj_last_cap_gone(struct object *o)
{
    if (o->type == CAP_THREAD)
        thread_kill(container_of(o, struct thread, hdr), NULL);
}

void obj_owner_ended(struct object *o)
{
    switch (o->type) {
    case CAP_TASK:
        task_take_down_later(container_of(o, struct task, hdr));
        break;
    case CAP_THREAD:
        thread_kill(container_of(o, struct thread, hdr), NULL);
        break;
    case CAP_ENDPOINT:
        endpoint_kill(container_of(o, struct endpoint, hdr));
        break;
    case CAP_NOTIFICATION:
        notification_kill(container_of(o, struct notification, hdr));
        break;
    default:
        break; /* IRQ handlers are root's, and root never ends */
    }
}

static void destroy(struct object *o)
{
    switch (o->type) {
    case CAP_TASK:
        task_destroy(container_of(o, struct task, hdr));
        break;
    case CAP_THREAD:
        thread_destroy(container_of(o, struct thread, hdr));
        break;
    case CAP_ENDPOINT:
        endpoint_destroy(container_of(o, struct endpoint, hdr));
        break;
    case CAP_NOTIFICATION:
        notification_destroy(container_of(o, struct notification, hdr));
        break;
    case CAP_IRQ_HANDLER:
        irq_handler_release(container_of(o, struct irq_handler, hdr));
        break;
    default:
        panic("reaping an object of unknown type %u", o->type);
    }
}

void obj_reap(void)
{
    /* A take-down deletes capabilities (queueing objects here), and
     * destroying a task's table can leave other tasks with no capability
     * from outside (queueing take-downs): until neither has work left. */
    while (task_take_down_queued() || reap_list) {
        while (reap_list) {
            struct object *o = reap_list;
            reap_list = o->reap_next;
            destroy(o);
        }
    }
}
