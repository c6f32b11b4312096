/*
 * Device interrupts delivered as notifications. The interrupt controller
 * is claimed and completed inside the kernel; a claimed IRQ stays masked
 * (not completed) until its handler acknowledges it with SYS_IRQ_ACK.
 * An IRQ handler object exists per IRQ line (static table); its
 * capability is created from the IRQ control capability.
 */
#pragma once

#include <kernel/object.h>
#include <kernel/types.h>

struct notification;

#define IRQ_MAX 128

struct irq_handler {
    struct object hdr;
    uint32_t irq;
    bool taken;                /* a capability exists */
    bool pending_ack;          /* delivered, not yet acknowledged */
    struct notification *ntfn; /* bound notification (holds a reference) */
    uint64_t bits;             /* what the IRQ signals */
};

/* Called from the arch's external-interrupt path with a claimed IRQ. */
void irq_deliver(uint32_t irq);

/* The last capability to the handler is gone: unbind and free the line. */
void irq_handler_release(struct irq_handler *h);

/* True when at least one IRQ is bound to a notification. */
bool irq_any_bound(void);

/* Sets up the handler table for the controller's nlines IRQ lines (from
 * the device tree; at most IRQ_MAX are used). */
void irq_init(uint32_t nlines);
