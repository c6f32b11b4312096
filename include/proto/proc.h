/*
 * Protocol of proc, the process server (docs/processes.md). proc serves
 * one endpoint; the badge says who asks (PROC_BADGE_* below, caller
 * classes PROC_CALLER_*): 0 = root (control: starts init, waits for it),
 * 1..PROC_PID_MAX = the process with that pid, PROC_BADGE_CONSOLE = the
 * console (KILL and LIST only), and PROC_BADGE_EXC_BASE + pid = the
 * kernel reporting an exception of that process's thread. PROC_OPS at the
 * end is the list of operations (include/proto/proto.h). Replies: label 0
 * or an err_t (PROC_REPLY_ERR). Unknown ops get E_NOSYS; an op from a
 * caller outside its classes E_PERM; a request of the wrong size (a
 * register op with a buffer, capabilities, which proc never takes,
 * arriving truncated) E_INVAL. A request from a process that has ended
 * meanwhile gets no answer.
 */
#pragma once

#include <stdint.h>

#include <proto/proto.h>

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

/* Bytes of path + arguments + environment (+ reserved names): what a
 * spawn request's buffer holds after its header. */
#define PROC_ARGS_MAX 1008u
#define PROC_MAX_NAMES 4
#define PROC_NAME_MAX 31 /* bytes of a process name (its program's file name), NUL excluded */
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

/* Who may send what: the class of a caller comes from its badge. */
#define PROC_CALLER_ROOT (1u << 0)    /* badge 0 */
#define PROC_CALLER_PROCESS (1u << 1) /* 1..PROC_PID_MAX: a running process */
#define PROC_CALLER_CONSOLE (1u << 2) /* PROC_BADGE_CONSOLE */
#define PROC_CALLER_KERNEL (1u << 3)  /* PROC_BADGE_EXC_BASE + pid: exceptions */
#define PROC_CALLER_ALL (PROC_CALLER_ROOT | PROC_CALLER_PROCESS | PROC_CALLER_CONSOLE)

struct proc_exit_req {
    uint64_t status; /* the low 8 bits are the exit code */
};

/* SPAWN and EXEC: a header, then the strings. */
struct proc_spawn_req {
    uint64_t kmem_budget; /* bytes (0: MM_SPACE_KMEM_BUDGET); SPAWN only */
    uint16_t argc;        /* arguments after the path, <= 256 */
    uint16_t envc;        /* environment strings, <= 256 */
    uint16_t nnames;      /* reserved names (root's spawns), <= PROC_MAX_NAMES */
    uint16_t _pad0;       /* zero */
    /* The path, NUL, then argc arguments, envc environment strings and
     * nnames names, each NUL-terminated: the request's length less 16. */
    char strings[PROC_ARGS_MAX];
};
_Static_assert(sizeof(struct proc_spawn_req) == 1024, "proc_spawn_req fills the buffer");

struct proc_pid_rep {
    uint64_t pid;
};

struct proc_wait_req {
    uint64_t pid;   /* a child's, or PROC_ANY */
    uint64_t flags; /* PROC_WNOHANG */
};

struct proc_wait_rep {
    uint64_t pid;    /* the child that ended (0: WNOHANG and none has) */
    uint64_t status; /* PROC_WAIT_* encoding */
};

struct proc_kill_req {
    uint64_t pid;
    uint64_t sig; /* PROC_SIG*, < PROC_NSIG; 0: only checks */
};

struct proc_getpid_rep {
    uint64_t pid;
    uint64_t ppid;
};

struct proc_list_req {
    uint64_t cursor; /* 0 first */
};

struct proc_list_rep {
    uint64_t pid;
    uint64_t ppid;
    uint32_t state;  /* PROC_STATE_* */
    uint32_t next;   /* the next cursor */
    char name[PROC_NAME_MAX + 1]; /* NUL-terminated, zero-padded */
};
_Static_assert(sizeof(struct proc_list_rep) == 56, "proc_list_rep is ABI");

struct proc_fork_req {
    uint64_t pc; /* where the child's first thread starts */
    uint64_t sp;
};

/*
 * The operations. Register ops carry their structs in the words; SPAWN
 * and EXEC in the buffer.
 *
 * EXIT: req proc_exit_req. The caller's process ends with that status:
 *   no reply. Processes only (root: E_INVAL, as it has no process).
 * SPAWN: req proc_spawn_req. Starts a new process running the program at
 *   the path, a child of the caller, with the arguments and environment;
 *   nnames names follow the environment that the process may register
 *   although the boot manifest reserved them (root only: E_PERM from
 *   anyone else); kmem_budget is its kernel-memory budget
 *   (MM_SPACE_KMEM_MIN..MM_SPACE_KMEM_MAX, else E_INVAL), kept across
 *   exec and given to its forks. Reply proc_pid_rep. Errors: E_NOENT (no
 *   such file), E_NOEXEC (not a program Mica runs: not ELF, wrong
 *   machine, truncated, segments outside user space or overlapping),
 *   E_INVAL (malformed request: counts that do not match the strings, no
 *   absolute path, _pad0), E_RANGE (arguments too long), E_NOSPACE
 *   (process table full, or a table of proc's or mm's: errno EAGAIN),
 *   E_LIMIT (the caller already has PROC_CHILDREN_MAX children, zombies
 *   included: EAGAIN), E_NOMEM (ENOMEM). A failed spawn leaves nothing
 *   behind. Root and processes. Not idempotent.
 * EXEC: req proc_spawn_req (nnames 0, kmem_budget ignored): as SPAWN, but
 *   the program replaces the caller's (same pid, parent and children,
 *   kernel-memory budget): no reply on success; errors as SPAWN (nnames:
 *   E_INVAL), the caller carrying on. Processes only (root: E_INVAL).
 * WAIT: req proc_wait_req. Reply proc_wait_rep; the child is reaped.
 *   Blocks until a child ends (unless WNOHANG). E_NOENT: no such child
 *   (ECHILD). Root and processes.
 * KILL: req proc_kill_req. Every signal ends the process for now (no
 *   handlers): its parent sees it killed by that signal; the console's
 *   ends the process's descendants too (a terminal's ^C). Who may signal
 *   whom: a process itself and its descendants; the console every process
 *   but root's children (init and the manifest's `start` programs); root
 *   every process. E_PERM otherwise (errno EPERM); E_NOENT: no such
 *   process; E_INVAL: bad signal. Root, processes, the console.
 * GETPID: reply proc_getpid_rep: the caller's pid and its parent's (root:
 *   0 and 0). Root and processes. Idempotent.
 * LIST: req proc_list_req. Reply proc_list_rep: the first process at or
 *   after the cursor. E_NOENT after the last. Root, processes, the
 *   console. Idempotent.
 * FORK: req proc_fork_req. A new process whose memory is a copy-on-write
 *   copy of the caller's, with copies of its file-server handles (same
 *   numbers), running one thread from pc/sp (libsys's fork resumes the
 *   caller's context from there). Reply proc_pid_rep. Errors: E_NOSPACE,
 *   E_LIMIT (errno EAGAIN for both), E_NOMEM (ENOMEM), E_RANGE (the kernel
 *   will not start a thread there); a failed fork leaves nothing behind:
 *   no space in mm, no handle in a file or pipe server, no slot or
 *   capability in proc. Processes only (root: E_INVAL).
 * The kernel's exception messages (IPC_LABEL_FAULT_EXC, struct
 *   ipc_fault_exc_msg, badge PROC_BADGE_EXC_BASE + pid) and proc's death
 *   notification (IPC_LABEL_NOTIFY) are entries of proc's table too.
 */
#define PROC_OPS(X)                                                                      \
    X(PROC_OP_EXIT, 1, proc_exit, proc_exit_req, proto_none, PROTO_REGS,                 \
      PROC_CALLER_ROOT | PROC_CALLER_PROCESS, 0, PROTO_ONCE)                             \
    X(PROC_OP_SPAWN, 2, proc_spawn, proc_spawn_req, proc_pid_rep, PROTO_BUF_VAR,         \
      PROC_CALLER_ROOT | PROC_CALLER_PROCESS, 0, PROTO_ONCE)                             \
    X(PROC_OP_EXEC, 3, proc_exec, proc_spawn_req, proto_none, PROTO_BUF_VAR,             \
      PROC_CALLER_ROOT | PROC_CALLER_PROCESS, 0, PROTO_ONCE)                             \
    X(PROC_OP_WAIT, 4, proc_wait, proc_wait_req, proc_wait_rep, PROTO_REGS,              \
      PROC_CALLER_ROOT | PROC_CALLER_PROCESS, 0, PROTO_ONCE)                             \
    X(PROC_OP_KILL, 5, proc_kill, proc_kill_req, proto_none, PROTO_REGS,                 \
      PROC_CALLER_ALL, 0, PROTO_ONCE)                                                    \
    X(PROC_OP_GETPID, 6, proc_getpid, proto_none, proc_getpid_rep, PROTO_REGS,           \
      PROC_CALLER_ROOT | PROC_CALLER_PROCESS, 0, PROTO_IDEMPOTENT)                       \
    X(PROC_OP_LIST, 7, proc_list, proc_list_req, proc_list_rep, PROTO_REGS,              \
      PROC_CALLER_ALL, 0, PROTO_IDEMPOTENT)                                              \
    X(PROC_OP_FORK, 8, proc_fork, proc_fork_req, proc_pid_rep, PROTO_REGS,               \
      PROC_CALLER_ROOT | PROC_CALLER_PROCESS, 0, PROTO_ONCE)

enum proc_op { PROC_OPS(PROTO_ENUM) };
PROC_OPS(PROTO_ASSERT)
