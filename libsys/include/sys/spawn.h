/*
 * Starting tasks and threads from a task that holds RAM (the root task and
 * the kernel tests): load a static ELF into a new task, or start another
 * thread in the caller's own task. Later the process server does this for
 * ordinary programs.
 */
#pragma once

#include <stdint.h>

#include <mica/caps.h>
#include <sys/rootmem.h>

#define SPAWN_STACK_PAGES 16

struct spawned {
    handle_t task;   /* capability to the new task (caller's table) */
    handle_t thread; /* its first thread, not started yet */
    uint64_t entry;
    uint64_t sp;
};

/* Loads the ELF image elf[0, len) into a new task, paid for and owned by
 * the caller's task (ROOT_HANDLE_TASK), with memory from m: the
 * segments, a stack below ROOT_STACK_TOP and an IPC buffer page at
 * ROOT_IPC_BUFFER_VA (registered for the thread). The thread is created at
 * `prio` but not started: grant it capabilities first, then
 * spawn_start(). Returns 0 or err_t (E_INVAL for a bad ELF). */
int64_t spawn_elf(struct rootmem *m, const void *elf, uint64_t len, unsigned prio,
                  struct spawned *out);

/* Kernel memory spawn_elf gives a task (docs/kernel-api.md, "Kernel memory
 * and ownership"): its table, page tables, threads and endpoints. */
#define SPAWN_BUDGET_DEFAULT (512ull << 10)

/* As spawn_elf, with a capability table of nslots (0: the default) and
 * `budget` bytes of kernel memory out of the caller's own (the caller's
 * task capability must be at ROOT_HANDLE_TASK, as in the root task). */
int64_t spawn_elf_slots(struct rootmem *m, const void *elf, uint64_t len, unsigned prio,
                        uint32_t nslots, uint64_t budget, struct spawned *out);

/* Starts the spawned task's thread with a0 = arg. */
int64_t spawn_start(const struct spawned *s, uint64_t arg);

/* Finds a file in the boot image mapped at info->bootimg_va. */
int64_t bootimg_lookup(const struct bootinfo *info, const char *name,
                       const void **data, uint64_t *len);

/* Starts fn(arg) on a new thread of the caller's own task at prio, with a
 * stack and IPC buffer from m. Returns the thread handle or err_t. */
int64_t thread_spawn(struct rootmem *m, void (*fn)(uint64_t), uint64_t arg,
                     unsigned prio);
