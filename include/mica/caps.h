/*
 * Capabilities as user code sees them: handles (small integers indexing
 * the task's capability table), object types and rights. docs/kernel-api.md
 * has the full model.
 */
#pragma once

#include <stdint.h>

typedef uint32_t handle_t;

#define HANDLE_NULL 0u

enum cap_type {
    CAP_NONE = 0,
    CAP_TASK = 1,         /* address space + capability table */
    CAP_THREAD = 2,
    CAP_ENDPOINT = 3,
    CAP_NOTIFICATION = 4,
    CAP_FRAME = 5,        /* a physical range: RAM or device registers */
    CAP_IRQ_CONTROL = 6,  /* creates IRQ handler capabilities */
    CAP_IRQ_HANDLER = 7,
    CAP_REPLY = 8,        /* a saved, one-shot right to answer one call */
};

/* Rights. A copy can only have a subset of its source's rights. */
#define RIGHT_READ (1u << 0)  /* endpoint: receive; frame: map readable; notification: wait */
#define RIGHT_WRITE (1u << 1) /* endpoint: send/call; frame: map writable; notification: signal */
#define RIGHT_EXEC (1u << 2)  /* frame: map executable */
#define RIGHT_GRANT (1u << 3) /* endpoint: may carry capabilities; any: may be granted on */
#define RIGHT_MANAGE (1u << 4) /* task/thread: control (map, create threads, set registers) */
#define RIGHTS_ALL 0x1fu

/* Well-known handles in the root task's table at boot. */
#define ROOT_HANDLE_TASK 1        /* its own task */
#define ROOT_HANDLE_THREAD 2      /* its own thread */
#define ROOT_HANDLE_IRQ_CONTROL 3
#define ROOT_HANDLE_FIRST_FRAME 8 /* RAM and device frames, listed in bootinfo */
