/*
 * Structure offsets and constants for the assembly files, computed by the
 * compiler from the C structures. The build compiles this file to assembly
 * and gen_offsets.py turns the "->NAME value" markers into
 * asm_offsets_gen.h, included by trap.S.
 */
#include <stddef.h>

#include <kernel/cap.h>
#include <kernel/cpu_local.h>
#include <kernel/ipc.h>
#include <kernel/task.h>
#include <kernel/thread.h>

#include <mica/syscall.h>

#define DEFINE(name, value) \
    __asm__ volatile("\n.ascii \"->" #name " %0\"" ::"i"((long)(value)))

void asm_offsets(void);

void asm_offsets(void)
{
    DEFINE(REGS_PC, offsetof(struct arch_regs, pc));
    DEFINE(REGS_STATUS, offsetof(struct arch_regs, status));
    DEFINE(REGS_CAUSE, offsetof(struct arch_regs, cause));
    DEFINE(REGS_TVAL, offsetof(struct arch_regs, tval));
    DEFINE(REGS_SIZE, sizeof(struct arch_regs));
    DEFINE(TRAP_FRAME_SIZE, (sizeof(struct arch_regs) + 15) & ~15ul);

    DEFINE(CPU_SCRATCH, offsetof(struct cpu, scratch));
    DEFINE(CPU_SCRATCH2, offsetof(struct cpu, scratch2));
    DEFINE(CPU_KSTACK_TOP, offsetof(struct cpu, kstack_top));
    DEFINE(CPU_CUR, offsetof(struct cpu, cur));
    DEFINE(CPU_READY, offsetof(struct cpu, ready_bitmap));
    DEFINE(CPU_FPU_OWNER, offsetof(struct cpu, fpu_owner));
    DEFINE(CPU_SATP, offsetof(struct cpu, active_mmu_context));

    DEFINE(T_TASK, offsetof(struct thread, task));
    DEFINE(T_STATE, offsetof(struct thread, state));
    DEFINE(T_PRIO, offsetof(struct thread, prio));
    DEFINE(T_IPC_KIND, offsetof(struct thread, ipc_kind));
    DEFINE(T_BLOCKED_ON, offsetof(struct thread, blocked_on));
    DEFINE(T_Q_NEXT, offsetof(struct thread, q_next));
    DEFINE(T_Q_PREV, offsetof(struct thread, q_prev));
    DEFINE(T_REPLY_TO, offsetof(struct thread, reply_to));
    DEFINE(T_REPLY_FROM, offsetof(struct thread, reply_from));
    DEFINE(T_SLICE_LEFT, offsetof(struct thread, slice_left));
    DEFINE(T_BOUND_NTFN, offsetof(struct thread, bound_ntfn));
    DEFINE(NTFN_WORD, offsetof(struct notification, word));

    DEFINE(TASK_SATP, offsetof(struct task, vs.mmu_context));
    DEFINE(TASK_SLOTS, offsetof(struct task, cs.slots));
    DEFINE(TASK_NSLOTS, offsetof(struct task, cs.nslots));

    DEFINE(CAP_SIZE, sizeof(struct cap));
    DEFINE(CAP_TYPE, offsetof(struct cap, type));
    DEFINE(CAP_RIGHTS, offsetof(struct cap, rights));
    DEFINE(CAP_BADGE, offsetof(struct cap, badge));
    DEFINE(CAP_OBJ, offsetof(struct cap, obj));

    DEFINE(EP_HEAD, offsetof(struct endpoint, q.head));
    DEFINE(EP_TAIL, offsetof(struct endpoint, q.tail));
    DEFINE(EP_STATE, offsetof(struct endpoint, state));

    DEFINE(K_CAP_ENDPOINT, CAP_ENDPOINT);
    DEFINE(K_RIGHT_READ, RIGHT_READ);
    DEFINE(K_RIGHT_WRITE, RIGHT_WRITE);
    DEFINE(K_EP_IDLE, EP_IDLE);
    DEFINE(K_EP_SENDERS, EP_SENDERS);
    DEFINE(K_EP_RECEIVERS, EP_RECEIVERS);
    DEFINE(K_THREAD_RUNNABLE, THREAD_RUNNABLE);
    DEFINE(K_THREAD_BLOCKED_RECV, THREAD_BLOCKED_RECV);
    DEFINE(K_THREAD_BLOCKED_REPLY, THREAD_BLOCKED_REPLY);
    DEFINE(K_IPC_KIND_SEND, IPC_KIND_SEND);
    DEFINE(K_IPC_KIND_CALL, IPC_KIND_CALL);
    DEFINE(K_IPC_KIND_FAULT, IPC_KIND_FAULT);
    DEFINE(K_SYS_CALL, SYS_CALL);
    DEFINE(K_SYS_REPLY_RECV, SYS_REPLY_RECV);
}
