/*
 * Protocol of console, the serial console server (docs/processes.md,
 * "The console"). It drives QEMU virt's ns16550 UART: output, and
 * line-edited input (echo, backspace, ^C = SIGINT to every process of the
 * foreground jobs, ^D = end of file at the start of a line). CONSOLE_OPS
 * at the end is the list of operations (include/proto/proto.h). Replies:
 * label 0 or an err_t. Unknown ops get E_NOSYS; a request of the wrong
 * size (a register op with a buffer; capabilities, which the console
 * never takes, arriving truncated) E_INVAL.
 *
 * Clients are told apart by their badge: proc gives each program's
 * CONSOLE_SLOT the badge PROC_FS_BADGE_BASE + pid (CONS_BADGE_PID). A
 * badge outside that range is a "shared" client (the whole system before
 * proc minted per-process badges): the console cannot name its pid, so
 * the job checks below that need one are skipped for it (transitional).
 */
#pragma once

#include <stdint.h>

#include <proto/proto.h>

#define CONS_IO_MAX 1024u
#define CONS_LINE_MAX 1024u      /* line editor: longer lines go on in pieces */
#define CONS_INPUT_MAX 8192u     /* typed ahead, not read yet; beyond: the UART waits */
#define CONS_MAX_READERS 64      /* reads waiting, all clients: one per process (PROC_MAX) */
#define CONS_READERS_PER_CLIENT 2
#define CONS_JOB_MAX 64u         /* processes in one foreground job (PROC_MAX) */
#define CONS_JOB_DEPTH 8         /* foreground jobs nested (shells in shells) */
#define CONS_REPLY_ERR(label) ((int64_t)((label) << 16) >> 16)

/* A client's pid from its badge (proc's per-process badges,
 * PROC_FS_BADGE_BASE + pid); 0: a shared or unknown badge. */
#define CONS_BADGE_BASE (1ull << 32) /* = PROC_FS_BADGE_BASE */
static inline uint64_t cons_badge_pid(uint64_t badge)
{
    return badge > CONS_BADGE_BASE && badge - CONS_BADGE_BASE < (1ull << 31)
               ? badge - CONS_BADGE_BASE
               : 0;
}

/* Starting console (done by root): its capability table. */
#define CONS_SLOT_SELF_TASK 1
#define CONS_SLOT_SERVICE 2
#define CONS_SLOT_MMIO 3    /* the UART's registers */
#define CONS_SLOT_IRQ 4     /* its interrupt line */
#define CONS_SLOT_NTFN 5    /* bound to console's thread; the IRQ signals it */
#define CONS_SLOT_THREAD 6
#define CONS_SLOT_PROC 7    /* proc, badge PROC_BADGE_CONSOLE (KILL: any process root did not start); may be empty */

/* Where a program proc starts finds the console (descriptors 0, 1, 2). */
#define CONSOLE_SLOT 5

/* Who may send what. Every client may send every op (who may set the
 * foreground is decided per request: the owner/foreground rules below);
 * only the kernel's notification of the UART's interrupt comes unbadged. */
#define CONS_CALLER_CLIENT (1u << 0)   /* any badge */
#define CONS_CALLER_UNBADGED (1u << 1) /* badge 0: the notification bound to the console's thread */

struct cons_write_req {
    char data[CONS_IO_MAX]; /* the request's length says how many */
};

struct cons_count_rep {
    uint64_t count; /* bytes written */
};

struct cons_read_req {
    uint64_t max; /* most bytes wanted, 1..CONS_IO_MAX */
};

struct cons_read_rep {
    char data[CONS_IO_MAX]; /* the reply's length says how many */
};

struct cons_foreground_req {
    uint64_t pid; /* 0: the caller's job ends */
};

struct cons_job_req {
    uint64_t n;                  /* 1..CONS_JOB_MAX */
    uint64_t pids[CONS_JOB_MAX]; /* n of them: the request is 8 + 8n bytes or more */
};

/*
 * The operations.
 *
 * WRITE (buffer): req cons_write_req, 0..CONS_IO_MAX bytes. Reply
 *   cons_count_rep: bytes written ("\n" is sent as "\r\n"). Not
 *   idempotent (output twice).
 * READ (buffer): req cons_read_req. Reply: input up to and including the
 *   next newline (or what ^D ended, or a piece of a line longer than
 *   CONS_LINE_MAX); 0 bytes at end of file. Blocks until there is input;
 *   readers are answered in the order they asked. Input is taken off the
 *   queue only once the reply reached a living reader: a reader that died
 *   while it waited consumes nothing. E_INVAL: max out of range; E_LIMIT:
 *   the caller already has CONS_READERS_PER_CLIENT reads waiting;
 *   E_NOSPACE: CONS_MAX_READERS readers wait already. Not idempotent
 *   (consumes input).
 * SET_FOREGROUND (registers): req cons_foreground_req. The one-pid form
 *   of SET_JOB / END_JOB: a pid makes the job {pid} the foreground (as
 *   SET_JOB), 0 gives the caller's job back (as END_JOB). Errors as
 *   those.
 * SET_JOB (buffer): req cons_job_req: that job becomes the foreground; ^C
 *   sends SIGINT to each of its processes (and to those of the jobs under
 *   it, see below). Foreground jobs form a stack: a job set by a process
 *   of the current foreground (a shell run in the foreground running its
 *   own pipelines) goes on top; one set by a process that set a job
 *   already replaces that job and every job above it. Who may: the
 *   console's owner (the first process that sets a job; again whoever
 *   comes first once the owner has ended), a process of the current top
 *   job, or one that set a job still on the stack (it was allowed then;
 *   it replaces that job). Every pid must be the caller or one of its
 *   descendants, so ^C never reaches a process the caller could not
 *   reach itself: checked against proc's process list where proc answers
 *   the console's PROC_OP_LIST (where it does not, the rule above alone).
 *   E_PERM: not allowed, or a pid that is not the caller's (errno EPERM);
 *   E_INVAL: n out of range, fewer than n pids; E_LIMIT: jobs nested
 *   CONS_JOB_DEPTH deep already. Idempotent.
 * END_JOB (registers): the caller's job (the topmost it set) and every
 *   job above it stop being foreground; the job under them is foreground
 *   again. 0, also when the caller has no job set (nothing to do).
 *   Idempotent.
 * The UART's interrupt arrives as IPC_LABEL_NOTIFY (struct
 *   ipc_notify_msg), an entry of the console's table too.
 */
#define CONSOLE_OPS(X)                                                                    \
    X(CONS_OP_WRITE, 1, cons_write, cons_write_req, cons_count_rep, PROTO_BUF_VAR,        \
      CONS_CALLER_CLIENT, 0, PROTO_ONCE | PROTO_BULK)                                     \
    X(CONS_OP_READ, 2, cons_read, cons_read_req, cons_read_rep, PROTO_BUF,                \
      CONS_CALLER_CLIENT, 0, PROTO_ONCE | PROTO_BULK)                                     \
    X(CONS_OP_SET_FOREGROUND, 3, cons_set_foreground, cons_foreground_req, proto_none,    \
      PROTO_REGS, CONS_CALLER_CLIENT, 0, PROTO_IDEMPOTENT)                                \
    X(CONS_OP_SET_JOB, 4, cons_set_job, cons_job_req, proto_none, PROTO_BUF_VAR,          \
      CONS_CALLER_CLIENT, 0, PROTO_IDEMPOTENT)                                            \
    X(CONS_OP_END_JOB, 5, cons_end_job, proto_none, proto_none, PROTO_REGS,               \
      CONS_CALLER_CLIENT, 0, PROTO_IDEMPOTENT)

enum console_op { CONSOLE_OPS(PROTO_ENUM) };
CONSOLE_OPS(PROTO_ASSERT)
