/* IRQs as notifications (see kernel/irq.h). */
#include <arch/cpu.h>
#include <kernel/cap.h>
#include <kernel/ipc.h>
#include <kernel/irq.h>
#include <kernel/kprintf.h>
#include <kernel/syscall_args.h>
#include <kernel/syscalls.h>
#include <kernel/task.h>
#include <kernel/thread.h>

static struct irq_handler handlers[IRQ_MAX];
static uint32_t irq_lines;
static uint32_t nbound;

void irq_init(uint32_t nlines)
{
    irq_lines = nlines < IRQ_MAX ? nlines : IRQ_MAX - 1;
    for (uint32_t i = 0; i < IRQ_MAX; i++) {
        handlers[i].hdr.type = CAP_IRQ_HANDLER;
        handlers[i].irq = i;
    }
}

bool irq_any_bound(void)
{
    return nbound > 0;
}

void irq_deliver(uint32_t irq)
{
    struct irq_handler *h = irq < IRQ_MAX ? &handlers[irq] : NULL;
    if (!h || !h->ntfn) {
        /* Nobody listens: keep it from firing again. */
        arch_irq_disable(irq);
        arch_irq_complete(irq);
        return;
    }
    h->pending_ack = true;
    notification_signal(h->ntfn, h->bits);
}

static void unbind(struct irq_handler *h)
{
    if (!h->ntfn)
        return;
    arch_irq_disable(h->irq);
    if (h->pending_ack)
        arch_irq_complete(h->irq);
    h->pending_ack = false;
    obj_put(&h->ntfn->hdr);
    h->ntfn = NULL;
    nbound--;
}

void irq_handler_release(struct irq_handler *h)
{
    unbind(h);
    h->taken = false;
}

/* SYS_IRQ_GET(irq control, irq) -> handler capability. */
void sys_irq_get(struct thread *t)
{
    struct cap *c;
    uint64_t irq = sc_arg(t, 1);
    struct cspace *cs = &t->task->cs;
    err_t err = cap_lookup(cs, (uint32_t)sc_arg(t, 0), CAP_IRQ_CONTROL, 0, &c);
    if (err != E_OK)
        SC_RETURN(t, err);
    if (irq == 0 || irq > irq_lines)
        SC_RETURN(t, E_RANGE);
    if (handlers[irq].taken)
        SC_RETURN(t, E_EXIST);
    uint32_t h;
    err = cap_free_slot(cs, &h);
    if (err != E_OK)
        SC_RETURN(t, err);
    handlers[irq].taken = true;
    cap_install(&cs->slots[h], CAP_IRQ_HANDLER, RIGHTS_ALL, &handlers[irq].hdr, 0, 0);
    syscall_return(t, h);
}

/* SYS_IRQ_BIND(handler, notification): the IRQ signals the notification
 * with that capability's badge (1 if unbadged). */
void sys_irq_bind(struct thread *t)
{
    struct cap *hc, *nc;
    struct cspace *cs = &t->task->cs;
    err_t err = cap_lookup(cs, (uint32_t)sc_arg(t, 0), CAP_IRQ_HANDLER, 0, &hc);
    if (err == E_OK)
        err = cap_lookup(cs, (uint32_t)sc_arg(t, 1), CAP_NOTIFICATION, RIGHT_WRITE, &nc);
    if (err != E_OK)
        SC_RETURN(t, err);
    struct irq_handler *h = container_of(hc->obj, struct irq_handler, hdr);
    unbind(h);
    h->ntfn = (struct notification *)nc->obj;
    obj_get(&h->ntfn->hdr);
    h->bits = nc->badge ? nc->badge : 1;
    nbound++;
    arch_irq_enable(h->irq);
    syscall_return(t, E_OK);
}

/* SYS_IRQ_ACK(handler): the handler is done; the line may fire again. */
void sys_irq_ack(struct thread *t)
{
    struct cap *hc;
    err_t err = cap_lookup(&t->task->cs, (uint32_t)sc_arg(t, 0), CAP_IRQ_HANDLER, 0, &hc);
    if (err != E_OK)
        SC_RETURN(t, err);
    struct irq_handler *h = container_of(hc->obj, struct irq_handler, hdr);
    if (!h->pending_ack)
        SC_RETURN(t, E_BUSY); /* nothing delivered since the last ack */
    h->pending_ack = false;
    arch_irq_complete(h->irq);
    syscall_return(t, E_OK);
}
