/*
 * Protocol of pipe, the pipe server (docs/processes.md, "Pipes"). A pipe
 * is a 4 KiB buffer with a read end and a write end; clients name ends by
 * handles private to them (their badge), numbered per client so a forked
 * child keeps its parent's (PIPE_OP_CLONE_CLIENT, sent by proc). Reads
 * block while the pipe is empty and a write end is open anywhere; writes
 * block while it is full and a read end is open. PIPE_OPS at the end is
 * the list of operations (include/proto/proto.h); replies are label 0 or
 * an err_t (PIPE_REPLY_ERR). Unknown ops get E_NOSYS; a request the
 * table refuses (wrong caller class: E_PERM; wrong size, or capabilities,
 * which the pipe server never takes, arriving truncated: E_INVAL) never
 * reaches the server.
 */
#pragma once

#include <stdint.h>

#include <proto/proto.h>

#define PIPE_IO_MAX 1024u    /* most bytes one read returns */
#define PIPE_WRITE_MAX 1016u /* most bytes one write carries (the buffer less its handle) */
#define PIPE_CAPACITY 4096u
#define PIPE_MAX_PIPES 128   /* all clients together */
#define PIPE_MAX_HANDLES 512 /* ends, all clients together */
/* Per-process limits (docs/limits.md): pipes a process created and that
 * are still open anywhere (a 32-stage pipeline's 31 fit), ends it holds
 * (as many as a descriptor table has). PIPE_MAX_CLIENTS processes at once
 * hold anything. */
#define PIPE_CLIENT_PIPES 40
#define PIPE_CLIENT_ENDS 64
#define PIPE_MAX_CLIENTS 128
#define PIPE_PROC_BADGE (1ull << 42)
#define PIPE_REPLY_ERR(label) ((int64_t)((label) << 16) >> 16)

/* Starting pipe (done by root). */
#define PIPE_SLOT_SERVICE 2

/* Where a program proc starts finds the pipe server. */
#define PIPE_SLOT 6

/* Who may send what: the class of a caller comes from its badge. */
#define PIPE_CALLER_CLIENT (1u << 0) /* a process: any badge but 0 and PIPE_PROC_BADGE */
#define PIPE_CALLER_PROC (1u << 1)   /* badge PIPE_PROC_BADGE */
/* (Badge 0, the unbadged capability root and proc mint from, is in no
 * class: E_PERM for every op.) */

struct pipe_create_rep {
    uint64_t read_end, write_end; /* the caller's handles */
};
_Static_assert(sizeof(struct pipe_create_rep) == 16, "pipe_create_rep is ABI");

struct pipe_read_req {
    uint64_t end;  /* a read-end handle */
    uint32_t max;  /* most bytes wanted, 1..PIPE_IO_MAX */
    uint32_t _pad0; /* zero */
};
_Static_assert(sizeof(struct pipe_read_req) == 16, "pipe_read_req is ABI");

struct pipe_read_rep {
    uint8_t data[PIPE_IO_MAX]; /* the reply's length says how many */
};

struct pipe_write_req {
    uint64_t end;                  /* a write-end handle */
    uint8_t data[PIPE_WRITE_MAX];  /* 1..PIPE_WRITE_MAX bytes: the request's length less 8 */
};
_Static_assert(sizeof(struct pipe_write_req) == IPC_BUF_DATA_MAX, "pipe_write_req fills the buffer");

struct pipe_write_rep {
    uint64_t taken; /* bytes taken: at least 1, fewer than sent when the pipe filled */
};

struct pipe_end_req {
    uint64_t end;
};

struct pipe_clone_req {
    uint64_t from_badge; /* the parent's */
    uint64_t to_badge;   /* the child's */
};

struct pipe_drop_req {
    uint64_t badge;
};

struct pipe_stats_rep {
    uint64_t pipes;    /* pipes in use */
    uint64_t ends;     /* ends in use, all clients */
    uint64_t clients;  /* clients with something charged */
    uint64_t my_pipes; /* pipes charged to the caller */
    uint64_t my_ends;  /* ends charged to the caller */
};

/*
 * The operations.
 *
 * CREATE (registers): reply pipe_create_rep. E_LIMIT: the caller created
 *   PIPE_CLIENT_PIPES pipes still open anywhere, or holds
 *   PIPE_CLIENT_ENDS - 1 ends (EMFILE); E_NOSPACE: the pipe or end table
 *   is full for everyone (ENFILE). Clients only. Not idempotent.
 * READ (buffer): req pipe_read_req. Reply: 1..max bytes, or 0 bytes at
 *   end of file (no write end left); blocks while the pipe is empty and
 *   a write end is open. E_BADH (no such end of the caller's), E_INVAL
 *   (a write end, max out of range, _pad0 not zero), E_BUSY (another
 *   read waits on this pipe). Clients only. Not idempotent.
 * WRITE (buffer): req pipe_write_req, 8 + 1..PIPE_WRITE_MAX bytes. Reply
 *   pipe_write_rep; blocks while the pipe is full and a read end is
 *   open. E_DEAD: no read end is open (EPIPE). E_BADH, E_INVAL (a read
 *   end, no data), E_BUSY (another write waits). Clients only. Not
 *   idempotent.
 * CLOSE (registers): req pipe_end_req. E_BADH (a second close).
 *   Clients only. Idempotent.
 * CLONE_CLIENT (registers): proc only: req pipe_clone_req: the child
 *   holds the parent's ends too (fork), under the same handles. E_INVAL
 *   (the same badge, or proc's), E_NOSPACE, E_LIMIT (nothing is cloned
 *   then). Idempotent (the child's ends are replaced).
 * DROP_CLIENT (registers): proc only: req pipe_drop_req: every end the
 *   client holds is closed, its blocked calls dropped. Idempotent.
 * STATS (registers): reply pipe_stats_rep: the server's tables, for
 *   tests checking they are back at their baseline. Clients only.
 *   Idempotent.
 */
#define PIPE_OPS(X)                                                                      \
    X(PIPE_OP_CREATE, 1, pipe_create, proto_none, pipe_create_rep, PROTO_REGS,           \
      PIPE_CALLER_CLIENT, 0, PROTO_ONCE)                                                 \
    X(PIPE_OP_READ, 2, pipe_read, pipe_read_req, pipe_read_rep, PROTO_BUF,               \
      PIPE_CALLER_CLIENT, 0, PROTO_ONCE | PROTO_BULK)                                    \
    X(PIPE_OP_WRITE, 3, pipe_write, pipe_write_req, pipe_write_rep, PROTO_BUF_VAR,       \
      PIPE_CALLER_CLIENT, 0, PROTO_ONCE | PROTO_BULK)                                    \
    X(PIPE_OP_CLOSE, 4, pipe_close, pipe_end_req, proto_none, PROTO_REGS,                \
      PIPE_CALLER_CLIENT, 0, PROTO_IDEMPOTENT)                                           \
    X(PIPE_OP_CLONE_CLIENT, 5, pipe_clone_client, pipe_clone_req, proto_none, PROTO_REGS, \
      PIPE_CALLER_PROC, 0, PROTO_IDEMPOTENT)                                             \
    X(PIPE_OP_DROP_CLIENT, 6, pipe_drop_client, pipe_drop_req, proto_none, PROTO_REGS,   \
      PIPE_CALLER_PROC, 0, PROTO_IDEMPOTENT)                                             \
    X(PIPE_OP_STATS, 7, pipe_stats, proto_none, pipe_stats_rep, PROTO_REGS,              \
      PIPE_CALLER_CLIENT, 0, PROTO_IDEMPOTENT)

enum pipe_op { PIPE_OPS(PROTO_ENUM) };
PIPE_OPS(PROTO_ASSERT)
