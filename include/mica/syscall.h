/*
 * Mica system-call ABI: the single source of syscall numbers, used by the
 * kernel and libsys. Every call is documented in docs/kernel-api.md.
 *
 * Calling convention (RISC-V): `ecall` with the syscall number in t0 and
 * arguments in a0..a7. Results come back in a0 (a value >= 0, or an err_t
 * < 0) and, for IPC, a1..a7. Like a function call, a syscall may clobber
 * every caller-saved register (ra, t0-t6, a0-a7); s0-s11, sp, gp and tp
 * survive. IPC messages use a0 (capability handle in, badge out), a1 (the
 * tag, include/mica/ipc.h) and eight message words in a2..a7, t3, t4.
 */
#pragma once

enum sys_nr {
    /* Debug console and exit (docs/kernel-api.md, "Basics"). */
    SYS_DEBUG_WRITE = 1, /* (buf, len) -> len */
    SYS_EXIT = 2,        /* (status): ends the calling thread */
    SYS_YIELD = 3,       /* (): give up the rest of the time slice */
    SYS_KMEM_INFO = 4,   /* (task or 0 = own) -> kernel pool bytes free; a1 = the task's
                          * kernel-memory budget, a2 = bytes charged to it */

    /* IPC on endpoints and notifications. */
    SYS_SEND = 10,       /* (ep, tag, w0..w5) -> 0 */
    SYS_NBSEND = 11,     /* as SEND; E_AGAIN instead of blocking */
    SYS_RECV = 12,       /* (ep) -> badge, tag, w0..w5 */
    SYS_NBRECV = 13,     /* as RECV; E_AGAIN instead of blocking */
    SYS_CALL = 14,       /* (ep, tag, w0..w5) -> reply: 0, tag, w0..w5 */
    SYS_REPLY = 15,      /* (0, tag, w0..w5) -> 0: answers the last call received */
    SYS_REPLY_RECV = 16, /* (ep, tag, w0..w5): reply, then RECV on ep */
    SYS_SIGNAL = 17,     /* (ntfn) -> 0: ORs the capability's badge into the word */
    SYS_WAIT = 18,       /* (ntfn) -> bits: blocks until non-zero, clears */
    SYS_POLL = 19,       /* (ntfn) -> bits (maybe 0), clears */
    SYS_REPLY_SAVE = 20, /* () -> handle of a CAP_REPLY for the call this thread must answer */
    SYS_REPLY_TO = 21,   /* (reply handle, tag, w0..w7) -> 0: answers that call, deletes the handle */

    /* Capabilities. */
    SYS_CAP_COPY = 30,     /* (handle, rights, badge) -> new handle (own table) */
    SYS_CAP_DELETE = 31,   /* (handle) -> 0 */
    SYS_CAP_REVOKE = 32,   /* (handle) -> number of derived capabilities deleted */
    SYS_CAP_GRANT = 33,    /* (task, handle, rights, badge, slot) -> handle in task */
    SYS_CAP_INFO = 34,     /* (handle) -> type | rights << 8; a1 = badge, a2/a3 = frame pa/len */

    /* Creating kernel objects (memory from the kernel pool). */
    SYS_ENDPOINT_CREATE = 40,     /* () -> handle */
    SYS_NOTIFICATION_CREATE = 41, /* () -> handle */
    SYS_TASK_CREATE = 42,         /* (nslots) -> handle: empty address space + cap table */
    SYS_THREAD_CREATE = 43,       /* (task, priority) -> handle, inactive */
    SYS_TIMER_SIGNAL = 44,        /* (ntfn, deadline) -> 0: signal ntfn once the `time`
                                   * counter reaches deadline; 0 disarms */

    /* Threads. */
    SYS_THREAD_START = 50,        /* (thread, pc, sp, arg) -> 0 */
    SYS_THREAD_SUSPEND = 51,      /* (thread) -> 0 */
    SYS_THREAD_RESUME = 52,       /* (thread) -> 0 */
    SYS_THREAD_SET_PRIORITY = 53, /* (thread, prio) -> 0 */
    SYS_THREAD_SET_HANDLERS = 54, /* (thread, pager ep, exception ep) -> 0; 0 = none */
    SYS_THREAD_SET_IPC_BUFFER = 55, /* (thread, va) -> 0; va page aligned, 0 = none */
    SYS_THREAD_READ_REGS = 56,    /* (thread, struct mica_regs *) -> 0; suspended only */
    SYS_THREAD_WRITE_REGS = 57,   /* (thread, const struct mica_regs *) -> 0 */
    SYS_THREAD_BIND_NOTIFICATION = 58, /* (thread, ntfn or 0) -> 0: signals wake its RECV */

    /* Memory: page-table entries and frames. */
    SYS_MAP = 60,         /* (task, va, frame, offset, flags) -> 0 */
    SYS_UNMAP = 61,       /* (task, va) -> 0: removes the leaf containing va */
    SYS_PROTECT = 62,     /* (task, va, flags) -> 0: new R/W/X/RSW of that leaf */
    SYS_QUERY = 63,       /* (task, va) -> flags of the leaf; a1 = its pa */
    SYS_FRAME_SPLIT = 64, /* (frame, offset) -> handle of [offset, end); frame keeps [0, offset) */
    SYS_FRAME_DERIVE = 66, /* (frame, offset, len, rights) -> handle of a child frame
                            * covering [offset, offset + len) of it */
    SYS_QUERY_NEXT = 65,  /* (task, va, end) -> flags of the first leaf mapping an address
                           * in [va, end) (0: none); a1 = its pa, a2 = its base va */

    /* Interrupts. */
    SYS_IRQ_GET = 70,  /* (irq control, irq) -> IRQ handler handle */
    SYS_IRQ_BIND = 71, /* (handler, notification) -> 0: IRQ signals the notification */
    SYS_IRQ_ACK = 72,  /* (handler) -> 0: done with this IRQ; it may fire again */
};

#define SYS_DEBUG_WRITE_MAX 4096
