/*
 * proc, the process server: the process table (main.c) and the loader
 * that builds a program's address space from an ELF file on a file server
 * (exec.c). Only main.c touches messages from processes.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <mica/caps.h>
#include <mica/err.h>
#include <mica/ipc.h>
#include <proto/proc.h>

#define PROC_PRIO 30   /* programs' thread priority */

/* A loaded program, ready to start: the space mm built and its caps. */
struct image {
    uint64_t space;      /* mm's space id */
    handle_t task, pager, client; /* capabilities mm handed over */
    uint64_t entry, sp;
};

/* What a request asks to run: pointers into the request's data. */
struct program_args {
    const char *path;
    const char *strings; /* argc arguments then envc environment strings */
    uint32_t argc, envc;
    uint64_t strings_len;  /* of the argument and environment strings */
    const char *names;     /* nnames reserved names it may register (root's spawns) */
    uint32_t nnames;
    uint64_t kmem_budget;  /* its kernel memory (0: mm's default) */
};

/*
 * Builds a space running the ELF program at args->path: segments mapped
 * from the file lazily through mm (text shared via the page cache, data
 * private copy-on-write, bss anonymous), the stack holding argv, envp and
 * auxv. death_ntfn (may be 0) is signalled by mm if a thread of the space
 * is killed. On error nothing is left behind. Errors: E_NOENT, E_NOEXEC,
 * E_RANGE (arguments too long), E_NOMEM, E_NOSPACE, E_IO.
 */
__attribute__((warn_unused_result)) err_t exec_load(const struct program_args *args,
                                                    handle_t death_ntfn, struct image *out);

/* Undoes exec_load (or ends a process): mm frees the space; our
 * capabilities to it go. */
void exec_unload(struct image *img);

/* How a process ended by an exception of its thread (fault.c). */
struct fault_end {
    uint64_t sig;         /* PROC_SIG*; 0: an exit (raw SYS_EXIT) */
    uint64_t wait_status; /* what the parent's wait sees */
    const char *sig_name; /* "SIGILL", ... ("" for an exit) */
    const char *what;     /* "illegal instruction", ... */
    uint64_t pc, value;   /* where; the address, instruction bits, number or status */
};

/* Reads an IPC_LABEL_FAULT_EXC message (EXC_W_*): illegal
 * instruction -> SIGILL, breakpoint -> SIGTRAP, misaligned -> SIGBUS,
 * access fault -> SIGSEGV, unknown syscall -> SIGSYS, EXC_EXIT -> exited
 * with EXC_W_VALUE, anything else -> SIGKILL. */
void fault_describe(const struct ipc_fault_exc_msg *m, struct fault_end *out);
