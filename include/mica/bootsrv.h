/*
 * What a boot server finds in its capability table when root starts it
 * from a boot manifest line "server NAME register=SERVICE [ram=SIZE]
 * [prio=N]" (docs/boot.md): a program from the boot image, without newlib,
 * started before proc (so it has no pid and no file descriptors).
 */
#pragma once

#define BOOT_SRV_SLOT_SELF_TASK 1 /* its own task (it may map its RAM) */
#define BOOT_SRV_SLOT_SERVICE 2   /* the endpoint it serves; registered as SERVICE */
#define BOOT_SRV_SLOT_NAMES 3     /* the name service */
#define BOOT_SRV_SLOT_RAM 4       /* ram=SIZE bytes of RAM (a frame), when asked for */
