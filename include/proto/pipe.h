/*
 * Protocol of pipe, the pipe server (docs/processes.md, "Pipes"). A pipe
 * is a 4 KiB buffer with a read end and a write end; clients name ends by
 * handles private to them (their badge), numbered per client so a forked
 * child keeps its parent's (PIPE_OP_CLONE_CLIENT, sent by proc). Reads
 * block while the pipe is empty and a write end is open anywhere; writes
 * block while it is full and a read end is open. Replies: label 0 or an
 * err_t (PIPE_REPLY_ERR). Unknown ops get E_NOSYS.
 */
#pragma once

#include <stdint.h>

enum pipe_op {
    /* Reply: w0 = read-end handle, w1 = write-end handle. E_LIMIT: the
     * caller created PIPE_CLIENT_PIPES pipes still open anywhere, or holds
     * PIPE_CLIENT_ENDS - 1 ends (EMFILE); E_NOSPACE: the pipe or end
     * table is full for everyone (ENFILE). */
    PIPE_OP_CREATE = 1,
    /* w0 = read-end handle, w1 = most bytes (<= PIPE_IO_MAX). Reply: data
     * (1 or more bytes), or 0 bytes at end of file (no write end left).
     * E_BADH, E_BUSY (another read waits on this pipe). */
    PIPE_OP_READ = 2,
    /* w0 = write-end handle; data = bytes. Reply: w0 = bytes taken (at
     * least 1; fewer than sent when the pipe filled). E_DEAD: no read end
     * is open (EPIPE). E_BADH, E_BUSY (another write waits). */
    PIPE_OP_WRITE = 3,
    /* w0 = handle. Idempotent: a second close gets E_BADH. */
    PIPE_OP_CLOSE = 4,
    /* proc only (badge PIPE_PROC_BADGE): w0 = parent's badge, w1 =
     * child's: the child holds the parent's ends too (fork). */
    PIPE_OP_CLONE_CLIENT = 5,
    /* proc only: w0 = badge: every end the client holds is closed. */
    PIPE_OP_DROP_CLIENT = 6,
    /* The server's tables, for tests checking they are back at their
     * baseline. Reply: w0 = pipes in use, w1 = ends in use (all clients),
     * w2 = clients with something charged, w3 = pipes and w4 = ends
     * charged to the caller. Idempotent. */
    PIPE_OP_STATS = 7,
};

#define PIPE_IO_MAX 1024u
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
