/*
 * Handlers of the system calls other than IPC (kernel/ipc.h). Each takes
 * the calling thread, reads its arguments from its saved registers,
 * validates all of them before changing anything, and sets its result
 * with syscall_return() (and for some, ARCH_REG_RET1..RET3 as well).
 */
#pragma once

#include <kernel/types.h>

struct thread;

/* MAP_* flags of the leaf at va in t's space (0 when none): part of the
 * fault message so a pager can tell a COW page from a missing one
 * (kernel/core/sys_mem.c, which owns the MMU-to-MAP_* translation). */
uint64_t fault_pte_flags(struct thread *t, vaddr_t va);

void sys_map(struct thread *t);
void sys_unmap(struct thread *t);
void sys_protect(struct thread *t);
void sys_query(struct thread *t);
void sys_frame_split(struct thread *t);
void sys_query_next(struct thread *t);
void sys_frame_derive(struct thread *t);

void sys_cap_copy(struct thread *t);
void sys_cap_delete(struct thread *t);
void sys_cap_revoke(struct thread *t);
void sys_cap_grant(struct thread *t);
void sys_cap_info(struct thread *t);

void sys_endpoint_create(struct thread *t);
void sys_notification_create(struct thread *t);
void sys_task_create(struct thread *t);
void sys_kmem_info(struct thread *t);
void sys_thread_create(struct thread *t);

void sys_thread_start(struct thread *t);
void sys_thread_suspend(struct thread *t);
void sys_thread_resume(struct thread *t);
void sys_thread_set_priority(struct thread *t);
void sys_thread_set_handlers(struct thread *t);
void sys_thread_set_ipc_buffer(struct thread *t);
void sys_thread_read_regs(struct thread *t);
void sys_thread_write_regs(struct thread *t);

void sys_irq_get(struct thread *t);
void sys_irq_bind(struct thread *t);
void sys_irq_ack(struct thread *t);
