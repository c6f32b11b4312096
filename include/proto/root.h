/*
 * Protocol of root's own endpoints (docs/boot.md). Root answers three
 * kinds of report, each on an endpoint of its own making:
 *   - a program root runs itself (root.run=PROG, blktest, ...) reports
 *     its exit on the endpoint at ROOT_REPORT_SLOT of its table (badge
 *     ROOT_BADGE_PROGRAM); root's watcher thread reports that mm killed
 *     it on the same endpoint (badge ROOT_BADGE_SELF);
 *   - root's init thread tells the supervision loop that init ended
 *     (badge ROOT_BADGE_INIT);
 *   - the kernel reports the end of a supervised boot server's first
 *     thread (IPC_LABEL_FAULT_EXC, struct ipc_fault_exc_msg, badge
 *     ROOT_BADGE_SERVER_BASE + the server's record).
 * Programs under proc end through proc (PROC_OP_EXIT in proto/proc.h),
 * never through this protocol: the two are told apart by who started the
 * program (libsys's _exit asks posix_under_proc), not by numbers.
 * ROOT_OPS at the end is the list (include/proto/proto.h).
 */
#pragma once

#include <stdint.h>

#include <proto/proto.h>

/* Where a program root runs itself finds root's report endpoint. */
#define ROOT_REPORT_SLOT 2

/* Badges of root's report endpoints. */
#define ROOT_BADGE_SELF 0ull            /* root's own threads (the death watcher) */
#define ROOT_BADGE_INIT 1ull            /* the init thread */
#define ROOT_BADGE_PROGRAM 2ull         /* a program root runs itself */
#define ROOT_BADGE_SERVER_BASE 0x100ull /* + record index: a boot server's exceptions */

/* Who may send what. */
#define ROOT_CALLER_SELF (1u << 0)    /* ROOT_BADGE_SELF, ROOT_BADGE_INIT */
#define ROOT_CALLER_PROGRAM (1u << 1) /* ROOT_BADGE_PROGRAM */
#define ROOT_CALLER_KERNEL (1u << 2)  /* ROOT_BADGE_SERVER_BASE + i */

struct root_status_req {
    uint64_t status; /* EXIT: the low 8 bits are the exit code; INIT_ENDED: the power-off status */
};

/*
 * EXIT (registers): req root_status_req: the program ends with that
 *   status; root answers (the program then ends its thread) and destroys
 *   its space. From the program only.
 * KILLED (registers): mm killed the program (its death notification):
 *   the status is 128 + SIGKILL. From root's watcher thread only.
 * INIT_ENDED (registers): req root_status_req: init ended; the machine
 *   powers off with that status. Never answered. From root's init
 *   thread only.
 */
#define ROOT_OPS(X)                                                                      \
    X(ROOT_OP_EXIT, 1, root_exit, root_status_req, proto_none, PROTO_REGS,               \
      ROOT_CALLER_PROGRAM, 0, PROTO_ONCE)                                                \
    X(ROOT_OP_KILLED, 2, root_killed, proto_none, proto_none, PROTO_REGS,                \
      ROOT_CALLER_SELF, 0, PROTO_ONCE)                                                   \
    X(ROOT_OP_INIT_ENDED, 3, root_init_ended, root_status_req, proto_none, PROTO_REGS,   \
      ROOT_CALLER_SELF, 0, PROTO_ONCE)

enum root_op { ROOT_OPS(PROTO_ENUM) };
ROOT_OPS(PROTO_ASSERT)
