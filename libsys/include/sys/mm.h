/*
 * Client stubs for mm, the memory server (protocol: include/proto/mm.h,
 * docs/mm.md). A program served by mm finds its client endpoint at
 * MM_CLIENT_SLOT. Functions return a value >= 0 or an err_t < 0.
 */
#pragma once

#include <stdint.h>

#include <mica/caps.h>
#include <proto/mm.h>

/* mmap: returns the address or an err_t. prot MM_PROT_*, flags MM_MAP_*. */
int64_t mm_mmap(uint64_t addr, uint64_t len, unsigned prot, unsigned flags);
int64_t mm_munmap(uint64_t addr, uint64_t len);
/* Maps len bytes of a file from byte `offset` (page aligned); `file` is a
 * capability from fs_map_file, handed to mm (the caller's copy is used up).
 * MM_MAP_SHARED: writes reach the file (msync, munmap); otherwise they are
 * private. */
int64_t mm_mmap_file(uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
                     handle_t file, uint64_t offset);
/* Writes shared file pages in [addr, addr + len) back to their files. */
int64_t mm_msync(uint64_t addr, uint64_t len);
int64_t mm_mprotect(uint64_t addr, uint64_t len, unsigned prot);
/* Sets the break (0: query); returns the break. */
int64_t mm_brk(uint64_t addr);
/* POSIX-shaped sbrk over mm_brk: returns the old break or (void *)-1. */
void *mm_sbrk(int64_t increment);

struct mm_stats_reply {
    uint64_t free_frames, used_frames, spaces, zero_fill, cow_copy, cow_reenable,
        super_faults, killed, file_faults;
    uint64_t vmas;            /* VMA nodes in use, all spaces */
    uint64_t backings;        /* file mappings (backings) mm holds */
    uint64_t calls_cancelled; /* calls to file servers/pagers mm gave up on (timeouts) */
};
int64_t mm_stats(handle_t ep, struct mm_stats_reply *out); /* file_faults too */

/* MAP_* flags of the PTE at addr and its frame's reference count. */
int64_t mm_page_info(uint64_t addr, uint64_t *pte, uint64_t *refs);
/* The same, with the physical address of the page. */
int64_t mm_page_info_pa(uint64_t addr, uint64_t *pte, uint64_t *refs, uint64_t *pa);

/* A space made or forked by mm: capabilities in the caller's table. */
struct mm_space_caps {
    uint64_t id;
    uint64_t entry, sp;     /* SPACE_NEW: 0 and MM_STACK_TOP (a loader sets entry) */
    handle_t task, pager, client;
};

int64_t mm_space_destroy(handle_t ep, uint64_t id);

/* Control, for loaders (sys/loader.h; proto/mm.h): */
/* An empty space (stack and IPC buffer only) whose task gets kmem_budget
 * bytes of kernel memory (0: MM_SPACE_KMEM_BUDGET); the death notification
 * (0: none) is signalled if mm kills one of its threads; *out: entry 0
 * and sp = MM_STACK_TOP. */
int64_t mm_space_new(handle_t control, handle_t death_ntfn, uint64_t kmem_budget,
                     struct mm_space_caps *out);
/* mmap into space id; file (0: anonymous) is a capability from
 * fs_map_file, used up. Returns the address. */
int64_t mm_space_mmap(handle_t control, uint64_t id, uint64_t addr, uint64_t len,
                      unsigned prot, unsigned flags, handle_t file, uint64_t offset);
/* Stores len bytes (any length) at addr in space id, as its own writes. */
int64_t mm_space_write(handle_t control, uint64_t id, uint64_t addr, const void *data,
                       uint64_t len);
/* mprotect in space id. */
int64_t mm_space_mprotect(handle_t control, uint64_t id, uint64_t addr, uint64_t len,
                          unsigned prot);
/* Where space id's heap starts. */
int64_t mm_space_set_brk(handle_t control, uint64_t id, uint64_t base);
/* Copies pages [addr, addr + len) of space `from` into space `to`. */
int64_t mm_space_copy(handle_t control, uint64_t from, uint64_t to, uint64_t addr,
                      uint64_t len);
/* Forks space id copy-on-write; *out gets the child's capabilities. */
int64_t mm_space_fork(handle_t control, uint64_t id, handle_t death_ntfn,
                      struct mm_space_caps *out);
/* Why mm killed a thread of space id: MM_DEATH_* (0: it did not). */
int64_t mm_space_info(handle_t control, uint64_t id, uint64_t *death, uint64_t *addr,
                      uint64_t *pc);

/* Forks the caller's space copy-on-write and runs fn(arg) in the child on
 * a new thread at prio, on the unused lower half of the stack area. The
 * child gets the client endpoint at MM_CLIENT_SLOT and `extra` (if not 0)
 * at slot 2. Returns 0 or err_t; *out describes the child. */
int64_t mm_fork_run(void (*fn)(uint64_t), uint64_t arg, unsigned prio, handle_t death_ntfn,
                    handle_t extra, struct mm_space_caps *out, handle_t *thread);
