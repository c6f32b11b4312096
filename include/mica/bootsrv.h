/*
 * What a boot server finds in its capability table when root starts it
 * from a boot manifest line "server NAME register=SERVICE [ram=SIZE]
 * [device=NAME:N] [prio=N]" (docs/boot.md): a program from the boot image, without newlib,
 * started before proc (so it has no pid and no file descriptors).
 */
#pragma once

#define BOOT_SRV_SLOT_SELF_TASK 1 /* its own task (it may map its RAM) */
#define BOOT_SRV_SLOT_SERVICE 2   /* the endpoint it serves; registered as SERVICE */
#define BOOT_SRV_SLOT_NAMES 3     /* the name service */
#define BOOT_SRV_SLOT_RAM 4       /* ram=SIZE bytes of RAM (a frame), when asked for */
/* device=NAME:N (the N-th boot-info device of that name, e.g. virtio-mmio:3): */
#define BOOT_SRV_SLOT_DEVICE 5    /* its registers (uncached MMIO frame) */
#define BOOT_SRV_SLOT_IRQ 6       /* its interrupt line, when it has one */
#define BOOT_SRV_SLOT_NTFN 7      /* a notification for it (bind both: sys_irq_bind) */
#define BOOT_SRV_SLOT_THREAD 8    /* its own first thread (sys_thread_bind_notification) */
