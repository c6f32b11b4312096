/*
 * libsys: Mica system calls for C programs. Numbers and semantics:
 * include/mica/syscall.h and docs/kernel-api.md. Every call returns a value
 * >= 0 or an err_t < 0 (include/mica/err.h).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mica/caps.h>
#include <mica/err.h>
#include <mica/ipc.h>
#include <mica/syscall.h>
#include <sys/syscall_raw.h>

/* Basics. */
int64_t sys_debug_write(const void *buf, uint64_t len);
__attribute__((noreturn)) void sys_exit(int64_t status);
int64_t sys_yield(void);

/* Capabilities. */
struct cap_info {
    unsigned type, rights;
    uint64_t badge, pa, len;
};
int64_t sys_cap_copy(handle_t h, unsigned rights, uint64_t badge);
int64_t sys_cap_delete(handle_t h);
int64_t sys_cap_revoke(handle_t h);
int64_t sys_cap_grant(handle_t task, handle_t h, unsigned rights, uint64_t badge,
                      handle_t slot);
int64_t sys_cap_info(handle_t h, struct cap_info *out);

/* Objects. */
int64_t sys_endpoint_create(void);
int64_t sys_notification_create(void);
/* A task of nslots (0: 256) given `budget` bytes of kernel memory out of
 * payer's (a task capability with MANAGE), which owns it. */
int64_t sys_task_create(handle_t payer, uint32_t nslots, uint64_t budget);
/* Kernel memory: the pool's free bytes, and task's budget and use (task 0:
 * the caller's own). */
struct kmem_info {
    uint64_t pool_free, budget, used;
};
int64_t sys_kmem_info(handle_t task, struct kmem_info *out);
/* The `time` counter (user mode may read it: scounteren), what
 * sys_timer_signal's deadlines are in. 10 MHz on QEMU virt; bootinfo's
 * timebase_hz says. */
static inline uint64_t sys_time_now(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

/* Signals ntfn once the `time` counter reaches deadline (0: disarm). */
int64_t sys_timer_signal(handle_t ntfn, uint64_t deadline);
int64_t sys_thread_create(handle_t task, unsigned prio);

/* Threads. */
int64_t sys_thread_start(handle_t th, uint64_t pc, uint64_t sp, uint64_t arg);
int64_t sys_thread_suspend(handle_t th);
int64_t sys_thread_resume(handle_t th);
int64_t sys_thread_set_priority(handle_t th, unsigned prio);
int64_t sys_thread_set_handlers(handle_t th, handle_t pager, handle_t exc);
int64_t sys_thread_set_ipc_buffer(handle_t th, uint64_t va);
int64_t sys_thread_read_regs(handle_t th, struct mica_regs *out);
int64_t sys_thread_write_regs(handle_t th, const struct mica_regs *in);
/* Signals to ntfn (0: unbind) also end th's RECV, as label IPC_LABEL_NOTIFY. */
int64_t sys_thread_bind_notification(handle_t th, handle_t ntfn);

/* Memory. */
int64_t sys_map(handle_t task, uint64_t va, handle_t frame, uint64_t offset,
                unsigned flags);
int64_t sys_unmap(handle_t task, uint64_t va);
int64_t sys_protect(handle_t task, uint64_t va, unsigned flags);
/* Returns MAP_* | MAP_PRESENT | size (0 if unmapped); *pa gets the address. */
int64_t sys_query(handle_t task, uint64_t va, uint64_t *pa);
int64_t sys_frame_split(handle_t frame, uint64_t offset);
/* A child frame capability for [offset, offset + len) of frame. */
int64_t sys_frame_derive(handle_t frame, uint64_t offset, uint64_t len, unsigned rights);
/* First leaf in [va, end): returns its flags (0: none), *leaf_va and *pa. */
int64_t sys_query_next(handle_t task, uint64_t va, uint64_t end, uint64_t *leaf_va,
                       uint64_t *pa);

/* Interrupts. */
int64_t sys_irq_get(handle_t control, uint32_t irq);
int64_t sys_irq_bind(handle_t handler, handle_t ntfn);
int64_t sys_irq_ack(handle_t handler);

/* Console helpers over sys_debug_write. */
void sys_puts(const char *s);
int sys_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Programs without newlib define int main(uintptr_t arg): crt0 calls it
 * with the start argument (for the root task: the struct bootinfo address)
 * and exits with its result. (Not declared here, so newlib programs, whose
 * main has argc and argv, can include this header too.) */

/* Freestanding helpers. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
