/*
 * Trap entry and exit. sscratch tells where a trap came from: while a hart
 * runs user code it holds the hart's struct cpu pointer; while it runs the
 * kernel it holds 0 (the kernel's tp is the struct cpu pointer).
 *
 * From user mode, registers are saved into the current thread's struct
 * arch_regs (at the start of struct thread) and the kernel runs on the
 * hart's kernel stack; trap_from_user() never returns, it ends by entering
 * user mode again through arch_enter_user(). From the kernel (only the
 * idle loop takes interrupts; anything else is a kernel fault), a frame is
 * pushed on the current stack and the handler returns.
 */
#include <asm_offsets_gen.h>

/* Offset of x(n) in struct arch_regs (gpr[] first; x0 is not stored). */
#define REG_OFF(n) (((n)-1) * 8)
#define SAVE(r, n, base) sd r, REG_OFF(n)(base)
#define LOAD(r, n, base) ld r, REG_OFF(n)(base)

/* Saves x1, x3, x5..x31 (not sp and tp) at `base`. */
.macro save_gprs base
    SAVE(x1, 1, \base)
    SAVE(x3, 3, \base)
    SAVE(x5, 5, \base)
    SAVE(x6, 6, \base)
    SAVE(x7, 7, \base)
    SAVE(x8, 8, \base)
    SAVE(x9, 9, \base)
    SAVE(x10, 10, \base)
    SAVE(x11, 11, \base)
    SAVE(x12, 12, \base)
    SAVE(x13, 13, \base)
    SAVE(x14, 14, \base)
    SAVE(x15, 15, \base)
    SAVE(x16, 16, \base)
    SAVE(x17, 17, \base)
    SAVE(x18, 18, \base)
    SAVE(x19, 19, \base)
    SAVE(x20, 20, \base)
    SAVE(x21, 21, \base)
    SAVE(x22, 22, \base)
    SAVE(x23, 23, \base)
    SAVE(x24, 24, \base)
    SAVE(x25, 25, \base)
    SAVE(x26, 26, \base)
    SAVE(x27, 27, \base)
    SAVE(x28, 28, \base)
    SAVE(x29, 29, \base)
    SAVE(x30, 30, \base)
    SAVE(x31, 31, \base)
.endm

/* Restores x1, x3, x5..x31 except the base register itself. */
.macro load_gprs_but_base base
    LOAD(x1, 1, \base)
    LOAD(x3, 3, \base)
    LOAD(x5, 5, \base)
    LOAD(x6, 6, \base)
    LOAD(x7, 7, \base)
    LOAD(x8, 8, \base)
    LOAD(x9, 9, \base)
    LOAD(x11, 11, \base)
    LOAD(x12, 12, \base)
    LOAD(x13, 13, \base)
    LOAD(x14, 14, \base)
    LOAD(x15, 15, \base)
    LOAD(x16, 16, \base)
    LOAD(x17, 17, \base)
    LOAD(x18, 18, \base)
    LOAD(x19, 19, \base)
    LOAD(x20, 20, \base)
    LOAD(x21, 21, \base)
    LOAD(x22, 22, \base)
    LOAD(x23, 23, \base)
    LOAD(x24, 24, \base)
    LOAD(x25, 25, \base)
    LOAD(x26, 26, \base)
    LOAD(x27, 27, \base)
    LOAD(x28, 28, \base)
    LOAD(x29, 29, \base)
    LOAD(x30, 30, \base)
    LOAD(x31, 31, \base)
.endm

    .text
    .balign 4
    .global trap_vector
trap_vector:
    csrrw tp, sscratch, tp
    beqz tp, from_kernel
#if CONFIG_IPC_FASTPATH
    /* An ecall may clobber t1 and t2 (include/mica/syscall.h), but any
     * other trap must preserve them: decode with t1 parked in the cpu. */
    sd t1, CPU_SCRATCH2(tp)
    csrr t1, scause
    addi t1, t1, -8             /* 8: environment call from U-mode */
    bnez t1, 1f
    li t1, K_SYS_CALL
    beq t0, t1, fast_call
    li t1, K_SYS_REPLY_RECV
    beq t0, t1, fast_reply_recv
    j from_user
1:  ld t1, CPU_SCRATCH2(tp)
#endif
from_user:
    /* From user: tp = struct cpu *, sscratch = user tp. */
    sd sp, CPU_SCRATCH(tp)
    ld sp, CPU_CUR(tp)          /* struct thread *, regs at offset 0 */
    save_gprs sp
    ld t0, CPU_SCRATCH(tp)
    SAVE(t0, 2, sp)             /* user sp */
    csrrw t0, sscratch, zero    /* user tp; from now on "in the kernel" */
    SAVE(t0, 4, sp)
    csrr t0, sepc
    sd t0, REGS_PC(sp)
    csrr t0, sstatus
    sd t0, REGS_STATUS(sp)
    csrr t0, scause
    sd t0, REGS_CAUSE(sp)
    csrr t0, stval
    sd t0, REGS_TVAL(sp)
    mv a0, sp
    ld sp, CPU_KSTACK_TOP(tp)
    li s0, 0                    /* backtraces stop at the trap boundary */
    call trap_from_user         /* does not return */
1:  j 1b

from_kernel:
    csrrw tp, sscratch, zero    /* tp = struct cpu * again, sscratch = 0 */
    addi sp, sp, -TRAP_FRAME_SIZE
    save_gprs sp
    addi t0, sp, TRAP_FRAME_SIZE
    SAVE(t0, 2, sp)             /* sp before the trap */
    SAVE(tp, 4, sp)
    csrr t0, sepc
    sd t0, REGS_PC(sp)
    csrr t0, sstatus
    sd t0, REGS_STATUS(sp)
    csrr t0, scause
    sd t0, REGS_CAUSE(sp)
    csrr t0, stval
    sd t0, REGS_TVAL(sp)
    mv a0, sp
    call trap_from_kernel
    ld t0, REGS_PC(sp)
    csrw sepc, t0
    ld t0, REGS_STATUS(sp)
    csrw sstatus, t0            /* SPP = 1 and SPIE as they were */
    mv a0, sp
    load_gprs_but_base a0
    LOAD(a0, 10, a0)
    addi sp, sp, TRAP_FRAME_SIZE
    sret

/* void arch_enter_user(struct thread *t): a0 = t, regs at offset 0. */
    .global arch_enter_user
arch_enter_user:
    csrw sscratch, tp           /* the next trap finds struct cpu here */
    ld t0, REGS_PC(a0)
    csrw sepc, t0
    li t0, (1 << 8)             /* SPP: return to user mode */
    csrc sstatus, t0
    li t0, (1 << 5)             /* SPIE: interrupts on in user mode */
    csrs sstatus, t0
    li t1, (3 << 13)            /* FS: on only for the FPU's owner (fpu.c) */
    csrc sstatus, t1
    ld t0, REGS_STATUS(a0)
    and t0, t0, t1
    csrs sstatus, t0
    LOAD(x2, 2, a0)
    LOAD(x4, 4, a0)
    load_gprs_but_base a0
    LOAD(a0, 10, a0)
    sret

#if CONFIG_IPC_FASTPATH
/*
 * IPC fastpath: register-only SYS_CALL and SYS_REPLY_RECV between threads
 * whose partner is already waiting, switching directly to the partner.
 *
 * The message (a1 = tag, a2..a7, t3, t4) stays in the registers: the
 * partner receives it without a copy. Only what must survive a syscall is
 * saved for the thread that blocks (sp, gp, tp, s0-s11, pc); the partner
 * gets back the same set. Every condition the slow path would treat
 * differently sends the call there instead (checked before any change):
 * buffer data or capabilities in the tag, a handle that is not a usable
 * endpoint, no partner waiting, a partner of lower priority than a ready
 * thread, a partner that owes a reply, a fault reply. On entry: tp =
 * struct cpu, sscratch = user tp, t0 = syscall number, t1/t2 free. The
 * checks use only t1, t2, t5, t6 and ra (all clobbered by a syscall);
 * t0 keeps the number in case we fall back.
 */

/* Finds the capability named by a0 in the current task: \slot = its
 * address, or branches to \fail if a0 is not below nslots.
 * \cur must hold the current thread. Uses \tmp. */
.macro lookup_cap slot, cur, tmp, fail
    ld \tmp, T_TASK(\cur)
    lwu \slot, TASK_NSLOTS(\tmp)
    bgeu a0, \slot, \fail
    ld \tmp, TASK_SLOTS(\tmp)
    li \slot, CAP_SIZE
    mul \slot, a0, \slot
    add \slot, \slot, \tmp
.endm

/* Saves the callee-saved state of thread \t (sp, gp, user tp from
 * sscratch, s0-s11) and pc = sepc + 4. Uses ra. */
.macro save_callee t
    SAVE(sp, 2, \t)
    SAVE(gp, 3, \t)
    csrr ra, sscratch
    SAVE(ra, 4, \t)
    SAVE(s0, 8, \t)
    SAVE(s1, 9, \t)
    SAVE(s2, 18, \t)
    SAVE(s3, 19, \t)
    SAVE(s4, 20, \t)
    SAVE(s5, 21, \t)
    SAVE(s6, 22, \t)
    SAVE(s7, 23, \t)
    SAVE(s8, 24, \t)
    SAVE(s9, 25, \t)
    SAVE(s10, 26, \t)
    SAVE(s11, 27, \t)
    csrr ra, sepc
    addi ra, ra, 4
    sd ra, REGS_PC(\t)
.endm

/* Branches to \fail if a thread more important than \t is ready (the
 * scheduler would not run \t next). Uses \tmp, \tmp2. */
.macro check_prio t, tmp, tmp2, fail
    ld \tmp, CPU_READY(tp)
    lbu \tmp2, T_PRIO(\t)
    srl \tmp, \tmp, \tmp2
    srli \tmp, \tmp, 1        /* two shifts: prio 63 would shift by 64 */
    bnez \tmp, \fail
.endm

/* Makes t2 the current thread: its address space and FPU state. Uses t1
 * and t6. */
.macro switch_context
    sd t2, CPU_CUR(tp)
    ld t6, T_TASK(t2)
    ld t6, TASK_SATP(t6)
    ld t1, CPU_SATP(tp)
    beq t1, t6, 91f
    csrw satp, t6               /* ASIDs: no flush needed */
    sd t6, CPU_SATP(tp)
91: li t1, (3 << 13)            /* FS: on only for the FPU's owner */
    csrc sstatus, t1
    ld t6, CPU_FPU_OWNER(tp)
    bne t6, t2, 92f
    li t1, (2 << 13)
    csrs sstatus, t1
92:
.endm

fast_fallback:
    j from_user                 /* t0 still holds the syscall number */
call_fallback:
    li t0, K_SYS_CALL           /* fast_call used t0 for its last check */
    j from_user

/* SYS_CALL(a0 = endpoint, a1 = tag, message) */
fast_call:
    li t1, 0xffff & ~(0xffff << 12) | (7 << 12)
    and t1, a1, t1              /* buffer length or capabilities: slow path */
    bnez t1, fast_fallback
    ld t5, CPU_CUR(tp)          /* t5 = caller */
    lookup_cap t1, t5, t2, fast_fallback /* t1 = capability slot */
    lbu t2, CAP_TYPE(t1)
    addi t2, t2, -K_CAP_ENDPOINT
    bnez t2, fast_fallback
    lbu t2, CAP_RIGHTS(t1)
    andi t2, t2, K_RIGHT_WRITE
    beqz t2, fast_fallback
    ld t6, CAP_OBJ(t1)          /* t6 = endpoint */
    lbu t2, EP_STATE(t6)
    addi t2, t2, -K_EP_RECEIVERS
    bnez t2, fast_fallback
    ld t2, EP_HEAD(t6)          /* t2 = receiver */
    ld ra, T_REPLY_TO(t2)
    bnez ra, fast_fallback      /* it owes a reply: the slow path abandons it */
    check_prio t2, ra, t0, call_fallback

    /* Committed. */
    save_callee t5
    ld ra, T_Q_NEXT(t2)         /* dequeue the receiver (the queue head) */
    sd ra, EP_HEAD(t6)
    bnez ra, 2f
    sd zero, EP_TAIL(t6)
    sb zero, EP_STATE(t6)       /* K_EP_IDLE == 0 */
    j 3f
2:  sd zero, T_Q_PREV(ra)
3:  sd zero, T_Q_NEXT(t2)
    sd zero, T_BLOCKED_ON(t2)
    li ra, K_THREAD_RUNNABLE
    sw ra, T_STATE(t2)
    li ra, K_THREAD_BLOCKED_REPLY
    sw ra, T_STATE(t5)
    li ra, K_IPC_KIND_CALL
    sb ra, T_IPC_KIND(t5)
    sd t2, T_REPLY_FROM(t5)
    sd t5, T_REPLY_TO(t2)
    ld a0, CAP_BADGE(t1)        /* the receiver gets the badge */
    j fast_switch

/* SYS_REPLY_RECV(a0 = endpoint, a1 = tag, message) */
fast_reply_recv:
    li t1, 0xffff & ~(0xffff << 12) | (7 << 12)
    and t1, a1, t1
    bnez t1, fast_fallback
    ld t5, CPU_CUR(tp)          /* t5 = server */
    ld t2, T_REPLY_TO(t5)       /* t2 = caller waiting for our reply */
    beqz t2, fast_fallback
    lbu t1, T_IPC_KIND(t2)
    addi t1, t1, -K_IPC_KIND_CALL
    beqz t1, 8f
    addi t1, t1, K_IPC_KIND_CALL - K_IPC_KIND_FAULT
    bnez t1, fast_fallback
    srli t1, a1, 16             /* a fault reply: only "resume" is fast */
    bnez t1, fast_fallback
8:
    lookup_cap t1, t5, t6, fast_fallback
    lbu t6, CAP_TYPE(t1)
    addi t6, t6, -K_CAP_ENDPOINT
    bnez t6, fast_fallback
    lbu t6, CAP_RIGHTS(t1)
    andi t6, t6, K_RIGHT_READ
    beqz t6, fast_fallback
    ld t6, CAP_OBJ(t1)          /* t6 = endpoint */
    lbu t1, EP_STATE(t6)
    andi t1, t1, K_EP_SENDERS
    bnez t1, fast_fallback      /* a sender is waiting, or the endpoint is dead: slow path */
    ld t1, T_BOUND_NTFN(t5)
    beqz t1, 11f
    ld t1, NTFN_WORD(t1)
    bnez t1, fast_fallback      /* a bound notification is pending: deliver it */
11:
    check_prio t2, ra, t1, fast_fallback

    /* Committed: the server waits on the endpoint, the caller runs. */
    save_callee t5
    sd zero, T_Q_NEXT(t5)       /* append the server to the queue */
    ld ra, EP_TAIL(t6)
    sd ra, T_Q_PREV(t5)
    beqz ra, 4f
    sd t5, T_Q_NEXT(ra)
    j 5f
4:  sd t5, EP_HEAD(t6)
5:  sd t5, EP_TAIL(t6)
    li ra, K_EP_RECEIVERS
    sb ra, EP_STATE(t6)
    sd t6, T_BLOCKED_ON(t5)
    li ra, K_THREAD_BLOCKED_RECV
    sw ra, T_STATE(t5)
    sd zero, T_REPLY_TO(t5)
    sd zero, T_REPLY_FROM(t2)
    li ra, K_THREAD_RUNNABLE
    sw ra, T_STATE(t2)
    lbu t1, T_IPC_KIND(t2)
    sb zero, T_IPC_KIND(t2)     /* K_IPC_KIND_SEND == 0 */
    li a0, 0                    /* the call succeeded */
    addi t1, t1, -K_IPC_KIND_CALL
    beqz t1, fast_switch
    /* A faulting thread resumes with every register as it was. */
    switch_context
    mv a0, t2
    ld t1, REGS_PC(t2)
    csrw sepc, t1
    csrw sscratch, tp
    LOAD(sp, 2, a0)
    LOAD(tp, 4, a0)
    load_gprs_but_base a0
    LOAD(a0, 10, a0)
    sret

/* Runs thread t2 with the message registers as they are; a0 is set. */
fast_switch:
    switch_context
7:  ld t1, REGS_PC(t2)
    csrw sepc, t1
    csrw sscratch, tp
    LOAD(sp, 2, t2)
    LOAD(gp, 3, t2)
    LOAD(s0, 8, t2)
    LOAD(s1, 9, t2)
    LOAD(s2, 18, t2)
    LOAD(s3, 19, t2)
    LOAD(s4, 20, t2)
    LOAD(s5, 21, t2)
    LOAD(s6, 22, t2)
    LOAD(s7, 23, t2)
    LOAD(s8, 24, t2)
    LOAD(s9, 25, t2)
    LOAD(s10, 26, t2)
    LOAD(s11, 27, t2)
    LOAD(tp, 4, t2)
    /* Leave no kernel pointer in a register the user can read. */
    li t0, 0
    li t1, 0
    li t2, 0
    li t5, 0
    li t6, 0
    li ra, 0
    sret
#endif
