/*
 * Client stubs for proc, the process server (include/proto/proc.h,
 * docs/processes.md). A program proc starts finds its endpoint at
 * PROC_SLOT. Functions return a value >= 0 or an err_t < 0.
 */
#pragma once

#include <stdint.h>

#include <mica/caps.h>
#include <mica/err.h>
#include <proto/proc.h>

/* Starts the program at path with argv (NULL-terminated; argv[0] is the
 * program's name) and envp (NULL-terminated, may be NULL); returns its pid. */
int64_t proc_spawn(handle_t proc, const char *path, char *const argv[], char *const envp[]);
/* As proc_spawn, with kmem_budget bytes of kernel memory for the new
 * process (0: the default, MM_SPACE_KMEM_BUDGET; docs/processes.md). */
int64_t proc_spawn_budget(handle_t proc, const char *path, char *const argv[],
                          char *const envp[], uint64_t kmem_budget);
/* Root: as proc_spawn, and the process may register the reserved names
 * (NULL-terminated list) with the name service. */
int64_t proc_spawn_server(handle_t proc, const char *path, char *const argv[],
                          const char *const names[]);
/* Replaces the caller's program; returns only on error. */
int64_t proc_exec(handle_t proc, const char *path, char *const argv[], char *const envp[]);
/* Waits for child pid (PROC_ANY: any); flags PROC_WNOHANG. Returns its pid
 * (0: WNOHANG and none ended), *status the PROC_WAIT_* status. */
int64_t proc_wait(handle_t proc, uint64_t pid, unsigned flags, uint64_t *status);
int64_t proc_kill(handle_t proc, uint64_t pid, unsigned sig);
/* A copy-on-write copy of the caller whose first thread starts at pc/sp;
 * returns the child's pid (POSIX fork is built on it in libsys). */
int64_t proc_fork(handle_t proc, uint64_t pc, uint64_t sp);
/* The caller's pid; *ppid its parent's (if not NULL). */
int64_t proc_getpid(handle_t proc, uint64_t *ppid);
/* Ends the caller's process. */
__attribute__((noreturn)) void proc_exit(handle_t proc, int status);

struct proc_info {
    uint64_t pid, ppid, state;
    char name[32];
};
/* Process listing: *cursor starts at 0. E_NOENT after the last. */
int64_t proc_list(handle_t proc, uint64_t *cursor, struct proc_info *out);
/* How many processes proc's table holds (zombies included). */
int64_t proc_count(handle_t proc);
