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

/* Loads the ELF image elf[0, len) into a new task with memory from m: the
 * segments, a stack below ROOT_STACK_TOP and an IPC buffer page at
 * ROOT_IPC_BUFFER_VA (registered for the thread). The thread is created at
 * `prio` but not started: grant it capabilities first, then
 * spawn_start(). Returns 0 or err_t (E_INVAL for a bad ELF). */
int64_t spawn_elf(struct rootmem *m, const void *elf, uint64_t len, unsigned prio,
                  struct spawned *out);

/* As spawn_elf, with a capability table of nslots (0: the default). */
int64_t spawn_elf_slots(struct rootmem *m, const void *elf, uint64_t len, unsigned prio,
                        uint32_t nslots, struct spawned *out);

/* Starts the spawned task's thread with a0 = arg. */
int64_t spawn_start(const struct spawned *s, uint64_t arg);

/* Finds a file in the boot image mapped at info->bootimg_va. */
int64_t bootimg_lookup(const struct bootinfo *info, const char *name,
                       const void **data, uint64_t *len);

/* Starts fn(arg) on a new thread of the caller's own task at prio, with a
 * stack and IPC buffer from m. Returns the thread handle or err_t. */
int64_t thread_spawn(struct rootmem *m, void (*fn)(uint64_t), uint64_t arg,
                     unsigned prio);
