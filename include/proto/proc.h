/*
 * Protocol of proc, the process server (docs/processes.md). proc serves
 * one endpoint; the badge says who asks (PROC_BADGE_* below): 0 = root
 * (control: starts init, waits for it), 1..PROC_PID_MAX = the process with
 * that pid, PROC_BADGE_CONSOLE = the console (KILL only), and
 * PROC_BADGE_EXC_BASE + pid = the kernel reporting an exception of that
 * process's thread. Requests are register messages plus, for SPAWN and
 * EXEC, the IPC buffer. Replies: label 0 or an err_t (PROC_REPLY_ERR).
 * Unknown ops get E_NOSYS.
 */
#pragma once

#include <stdint.h>

enum proc_op {
    /* w0 = status. The caller's process ends: no reply. The same message
     * (label 1, w0 = status, on slot 2) ends a program root runs itself. */
    PROC_OP_EXIT = 1,
    /* data = the program's path, NUL, then argc arguments and envc
     * environment strings, each NUL-terminated; w0 = argc, w1 = envc;
     * w2 = how many names follow the environment that the process may
     * register although the boot manifest reserved them (root only,
     * at most PROC_MAX_NAMES; E_PERM from anyone else); w3 = the new
     * process's kernel-memory budget in bytes (0: MM_SPACE_KMEM_BUDGET;
     * else MM_SPACE_KMEM_MIN..MM_SPACE_KMEM_MAX, or E_INVAL), kept across
     * exec and given to its forks.
     * Starts a new process running it, a child of the caller. Reply:
     * w0 = its pid. Errors: E_NOENT (no such file), E_NOEXEC (not a
     * program Mica runs: not ELF, wrong machine, truncated, segments
     * outside user space or overlapping), E_INVAL (malformed request),
     * E_RANGE (arguments too long), E_NOSPACE (process table full, or a
     * table of proc's or mm's: errno EAGAIN), E_LIMIT (the caller already
     * has PROC_CHILDREN_MAX children, zombies included: EAGAIN), E_NOMEM
     * (ENOMEM). A failed spawn leaves nothing behind. Not idempotent. */
    PROC_OP_SPAWN = 2,
    /* As SPAWN, but the program replaces the caller's (same pid, parent
     * and children, kernel-memory budget: w3 is ignored): no reply on
     * success; errors as SPAWN, the caller carrying on. */
    PROC_OP_EXEC = 3,
    /* w0 = pid (or PROC_ANY), w1 = PROC_WNOHANG or 0. Reply: w0 = the pid
     * of a child that ended (0 with WNOHANG when none has yet), w1 = its
     * wait status (PROC_WAIT_STATUS encoding); the child is reaped.
     * Blocks until a child ends. E_NOENT: no such child (ECHILD). */
    PROC_OP_WAIT = 4,
    /* w0 = pid, w1 = signal number (PROC_SIG*; 0 only checks the pid and
     * the right to signal it). Every signal ends the process for now (no
     * handlers): its parent sees it killed by that signal. Who may signal
     * whom: a process itself and its descendants; the console
     * (PROC_BADGE_CONSOLE) every process but root's children (init and
     * the manifest's `start` programs); root every process. E_PERM
     * otherwise (errno EPERM); E_NOENT: no such process; E_INVAL: bad
     * signal. */
    PROC_OP_KILL = 5,
    /* Reply: w0 = the caller's pid, w1 = its parent's pid. Idempotent. */
    PROC_OP_GETPID = 6,
    /* w0 = cursor (0 first). Reply: w0 = pid, w1 = parent pid,
     * w2 = PROC_STATE_*, w3 = next cursor, data = name (NUL-terminated).
     * E_NOENT after the last. Idempotent. */
    PROC_OP_LIST = 7,
    /* w0 = pc, w1 = sp of the child's first thread. A new process whose
     * memory is a copy-on-write copy of the caller's, with copies of its
     * file-server handles (same numbers), running one thread from pc/sp
     * (libsys's fork resumes the caller's context from there). Reply: w0 =
     * the child's pid. Errors: E_NOSPACE, E_LIMIT (errno EAGAIN for both),
     * E_NOMEM (ENOMEM), as SPAWN; a failed fork leaves nothing behind:
     * no space in mm, no handle in a file or pipe server, no slot or
     * capability in proc. */
    PROC_OP_FORK = 8,
};

#define PROC_ANY UINT64_MAX
#define PROC_WNOHANG 1u

enum proc_state { PROC_STATE_RUNNING = 1, PROC_STATE_ZOMBIE = 2 };

/* Signal numbers (newlib's <sys/signal.h> agrees). The exceptions of a
 * process's thread end it with (docs/processes.md, "How a process ends"):
 * illegal or privileged instruction SIGILL, breakpoint (ebreak,
 * __builtin_trap) SIGTRAP, misaligned access SIGBUS, access fault
 * SIGSEGV, unknown system call SIGSYS, anything else SIGKILL. */
#define PROC_SIGINT 2
#define PROC_SIGILL 4
#define PROC_SIGTRAP 5
#define PROC_SIGKILL 9
#define PROC_SIGBUS 10
#define PROC_SIGSEGV 11
#define PROC_SIGSYS 12
#define PROC_SIGTERM 15
#define PROC_NSIG 32

/* Wait status as POSIX's macros read it (newlib <sys/wait.h>): an exit
 * code in bits 15..8, or a terminating signal in bits 6..0. */
#define PROC_WAIT_EXITED(code) (((uint64_t)(code) & 0xff) << 8)
#define PROC_WAIT_SIGNALED(sig) ((uint64_t)(sig) & 0x7f)

#define PROC_REPLY_ERR(label) ((int64_t)((label) << 16) >> 16)

#define PROC_ARGS_MAX 1024u /* bytes of path + arguments + environment */
#define PROC_MAX_NAMES 4
#define PROC_MAX 64         /* processes, zombies included: all of them can exist */
#define PROC_CHILDREN_MAX 32 /* children of one process, zombies included (E_LIMIT) */

/* Badges of proc's endpoint. Pids stay below PROC_BADGE_CONSOLE, so no
 * range can be taken for another. */
#define PROC_PID_MAX 0xffffffffull
#define PROC_BADGE_CONSOLE (1ull << 40)  /* the console: may send KILL only */
#define PROC_BADGE_EXC_BASE (1ull << 48) /* + pid: that process's exceptions */

/* A program proc starts finds in its capability table: */
#define PROC_SLOT 2 /* its endpoint to proc (badge = its pid) */
/* (1 = MM_CLIENT_SLOT, 3 = FS_CLIENT_SLOT, 4 = FS_MNT_SLOT as for programs
 * root runs; 5 = CONSOLE_SLOT, proto/console.h, 6 = PIPE_SLOT, proto/pipe.h,
 * 7 = NAMES_SLOT, proto/names.h, or placeholders.) */

/* Its first thread starts with sp at argc (System V layout: argc, argv[],
 * NULL, envp[], NULL, auxv pairs, AT_NULL; strings above) and a0 =
 * PROC_START_MAGIC; root's own programs start with a0 = the clock
 * (FS_START_ARG) and nothing on the stack. */
#define PROC_START_MAGIC 0x434f5250ull /* "PROC" */
#define PROC_AT_NULL 0
#define PROC_AT_PAGESZ 6
#define PROC_AT_MICA_CLOCK 0x4d430001ull /* the wall clock, as FS_START_ARG */

/* Each process's environment block: a few pages of its memory libsys
 * keeps its file-descriptor table and working directory in. fork copies it
 * with the rest; exec copies it into the new program (proc, with
 * MM_OP_SPACE_COPY), so descriptors and cwd survive exec. */
#define PROC_ENV_VA 0x3fffc00000ull
#define PROC_ENV_LEN (8u << 10)

/* Starting proc (done by root): its capability table. */
#define PROC_SLOT_SELF_TASK 1
#define PROC_SLOT_SERVICE 2  /* the endpoint it serves */
/* 3, 4: its own file-server endpoints (FS_CLIENT_SLOT, FS_MNT_SLOT). */
#define PROC_SLOT_MM 5       /* mm's control endpoint */
#define PROC_SLOT_DEATHS 6   /* a notification bound to proc's thread */
#define PROC_SLOT_FS_MINT 7  /* 7, 8: file-server service endpoints (unbadged) */
#define PROC_SLOT_FS_CTL 9   /* 9, 10: file servers, badge FS_PROC_BADGE */
#define PROC_SLOT_CONSOLE 11 /* the console server, unbadged (may be empty) */
#define PROC_SLOT_PIPE_MINT 12 /* the pipe server, unbadged (may be empty) */
#define PROC_SLOT_PIPE_CTL 13  /* the pipe server, badge PIPE_PROC_BADGE */
#define PROC_SLOT_NAMES_MINT 14 /* the name service, unbadged (may be empty) */
#define PROC_SLOT_NAMES_CTL 15  /* the name service, badge NAMES_PROC_BADGE */
/* proc's table: 16 slots of its own, and per process the space's task,
 * pager and client capabilities, its thread and a saved wait reply, plus
 * what a request holds for a moment (a death notification copy, an
 * exception endpoint copy, file capabilities while exec maps segments). */
#define PROC_TABLE_SLOTS 512
_Static_assert(PROC_TABLE_SLOTS >= 16 + 5 * PROC_MAX + 64, "proc's table holds PROC_MAX processes");
/* Badges proc gives processes' file-server, pipe-server, name-service and
 * console endpoints: base + pid. */
#define PROC_FS_BADGE_BASE (1ull << 32)
