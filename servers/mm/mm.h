/*
 * mm's internal state: the address spaces it serves, its frame pool and
 * the window through which it reads and writes frames. Only main.c touches
 * messages; the other files act on this state.
 *
 * Invariant: every frame mapped in a space (4 KiB pages, and each page of
 * a 2 MiB leaf) holds one reference per mapping; a frame's count is the
 * number of spaces mapping it, so frames_free_count() returns to its
 * starting value once every space is destroyed.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <mica/caps.h>
#include <mica/err.h>

#include "frames.h"
#include "limits.h"
#include "vma.h"

struct ipc_msg;

#define MM_MAX_SPACES 256
#define MM_PAGE 4096ul
#define MM_SUPERPAGE (2ul << 20)
/* VMA flag (beside vma.h's): never back with 2 MiB pages (MM_MAP_NOSUPER). */
#define VMA_F_NOSUPER (1u << 8)
#define MM_MAX_VMAS 16384

struct mm_space {
    bool used;
    bool dead;              /* a thread was killed; waits for destroy */
    uint32_t id;            /* badge of its endpoints, index + 1 */
    uint32_t parent;        /* space that forked it (0: created by control) */
    uint32_t account;       /* the space control made that this one descends from by
                             * MM_OP_FORK (itself if control made it): its spaces
                             * share one limit and go with it */
    handle_t task;          /* mm's capability to the task */
    handle_t pager_ep;      /* badged copies mm keeps until destroy */
    handle_t client_ep;
    handle_t death_ntfn;    /* signalled when a thread is killed (0: none) */
    uint64_t brk_base, brk;
    unsigned death;         /* MM_DEATH_* of the first kill, 0 while alive */
    uint64_t death_addr, death_pc;
    struct vma_tree vmas;
    struct mm_limits lim;   /* limits.h; lim.vma_bytes follows vmas */
    uint64_t kmem_budget;   /* its task's kernel memory (0: MM_SPACE_KMEM_BUDGET) */
    uint32_t tag;           /* names it in mm.frame_owner; never reused */
};

struct mm_stats {
    uint64_t zero_fill, cow_copy, cow_reenable, super_faults, killed, file_faults;
};

/* A file mapped by VMAs (vma->backing = index + 1): the file capability the
 * file server gave, used to ask it for pages. */
#define MM_MAX_BACKINGS 256
struct mm_backing {
    bool used;
    bool silent;    /* a call timed out or found it dead: never asked again */
    uint32_t owner; /* space charged for it (0: none, its maker is gone) */
    handle_t file;  /* endpoint capability naming the file at the file server */
    uint32_t refs;  /* VMAs that use it, in all spaces */
    bool writable;  /* the capability may map pages writable */
};

struct mm_state {
    struct frame_pool frames;
    uint64_t ram_pa, ram_len;  /* the RAM capability */
    uint64_t window;           /* where offset 0 of the RAM is mapped in mm */
    struct mm_space spaces[MM_MAX_SPACES];
    struct mm_backing backings[MM_MAX_BACKINGS];
    struct mm_stats stats;
    uint32_t *frame_owner;     /* per RAM page: the tag of the space charged for it */
    uint32_t next_tag;
};
extern struct mm_state mm;

/* ---- resident memory per space (resident.c) ---- */
/* The owner tag of the RAM page at pa. */
static inline uint32_t *mm_frame_owner(uint64_t pa)
{
    return &mm.frame_owner[(pa - mm.frames.base_pa) >> 12];
}

/* Whether s may be charged npages more: within its cap (lim.max_resident).
 * Inline, like the charge: both are on every zero-fill and copy fault. */
static inline bool mm_resident_may_add(const struct mm_space *s, uint64_t npages)
{
    return s->lim.resident + npages <= s->lim.max_resident;
}

/* The npages frames at pa (mm's RAM) were allocated for s and mapped in it:
 * charged to s, which owns them while it maps them. */
static inline void mm_resident_charge(struct mm_space *s, uint64_t pa, uint64_t npages)
{
    uint32_t *owner = mm_frame_owner(pa);
    for (uint64_t i = 0; i < npages; i++)
        owner[i] = s->tag;
    s->lim.resident += npages;
}
/* s drops its mapping of the npages frames at pa: those it owns are no
 * longer charged to it (a frame still mapped by a forked copy stays,
 * charged to nobody). s may be NULL (a reference that was never mapped). */
void mm_resident_drop(struct mm_space *s, uint64_t pa, uint64_t npages);
/* s is now the only space mapping the npages frames at pa (a copy-on-write
 * fault re-enables writing instead of copying): those charged to nobody or
 * to a space that ended become s's. False, changing nothing, when that
 * passes s's limit. */
bool mm_resident_adopt_slow(struct mm_space *s, uint64_t pa, uint64_t npages);
static inline bool mm_resident_adopt(struct mm_space *s, uint64_t pa, uint64_t npages)
{
    /* The common case, on every re-enable: a page of mm's RAM already s's. */
    uint64_t i = (pa - mm.frames.base_pa) >> 12;
    if (npages == 1 && i < mm.frames.npages && mm.frame_owner[i] == s->tag)
        return true;
    return mm_resident_adopt_slow(s, pa, npages);
}

/* ---- file-backed memory (file.c) ---- */
/* Records a file capability received with MM_OP_MMAP for space s (charged
 * for it); returns its backing id (>= 1) or an err_t (E_NOMEM at s's limit
 * or a full table, E_INVAL not a file, E_DEAD its server silent or dead). */
int64_t mm_backing_add(struct mm_space *s, handle_t file);
/* Whether s may make one more backing: E_OK or E_NOMEM. */
err_t mm_backing_may_add(const struct mm_space *s);
/* s is destroyed: the backings charged to it are charged to nobody. */
void mm_backings_disown(const struct mm_space *s);
void mm_backing_get(uint64_t id);
/* Unmaps, in every space, the pages of VMAs on `backing` at file offsets
 * at or past the page holding byte `size` (the file's new length). */
void mm_trim_backing(uint64_t backing, uint64_t size);
/* A file server signalled (bit d: the one at MM_SLOT_FS(d)) that a file
 * shrank: trim every file mapping, then let the servers release their
 * held replies (proto/fs.h, FS_OP_TRIM_*). */
void mm_files_shrank(uint64_t bits);
/* Whether shared mappings of the backing may be writable. */
bool mm_backing_writable(uint64_t id);
/* A VMA stops using the backing: the last one tells the file server and
 * drops the capability. */
void mm_backing_put(uint64_t id);
/* Gives back the file server's reference for a file capability mm was
 * sent and refused (each FS_OP_MAP_FILE counts one). False when its server
 * did not answer in time or is dead. */
bool mm_file_release(handle_t file);
/* Writes back the file's shared dirty pages (MSYNC, munmap). */
err_t mm_backing_sync(uint64_t id);
/* Fills a missing page of a file-backed VMA at va (page aligned). */
err_t mm_file_fault(struct mm_space *s, const struct vma *v, uint64_t va);
/* Copies the file page behind a private read-only mapping into pool frame
 * dst (for copy-on-write of a file page). */
err_t mm_file_copy(const struct vma *v, uint64_t va, uint64_t dst_pa);
/* Removes a VMA from s's tree and frees it, releasing its backing. */
void mm_vma_drop(struct mm_space *s, struct vma *v);


/* ---- calls to parties mm does not trust (watchdog.c) ---- */
/* How long mm waits for a file server or pager (docs/mm.md). */
#define MM_CALL_DEADLINE_MS 2000
/* Starts the watchdog and moves serving onto a thread of mm's own
 * (run(): never returns). Returns only on failure. */
err_t mm_watchdog_run(void (*serve)(void));
/* ipc_call(ep, m), cancelled after MM_CALL_DEADLINE_MS: then E_BUSY. Only
 * the serving thread calls it. */
int64_t mm_bounded_call(handle_t ep, struct ipc_msg *m);
/* Calls the watchdog cancelled so far. */
uint64_t mm_watchdog_cancelled(void);
/* The badge of mm's own forwarding capability (no space has it). */
#define MM_BADGE_INTERNAL (MM_MAX_SPACES + 1)

/* ---- frames (pages.c) ---- */
static inline void *mm_page_ptr(uint64_t pa)
{
    return (void *)(uintptr_t)(mm.window + (pa - mm.ram_pa));
}
void mm_zero_page(uint64_t pa);
void mm_copy_page(uint64_t dst_pa, uint64_t src_pa);
/* Maps the pool frame pa into space s at va with MAP_* flags. */
int64_t mm_map(struct mm_space *s, uint64_t va, uint64_t pa, unsigned map_flags);
/* MAP_* flags for a private page of a VMA, before any sharing. */
unsigned mm_pte_flags_for(const struct vma *v);
/* Replaces the 2 MiB leaf at leaf_va (frames at pa, MAP_* flags) by 512
 * 4 KiB leaves with the same flags; the frames' counts do not change. */
err_t mm_split_superpage(struct mm_space *s, uint64_t leaf_va, uint64_t pa, uint64_t flags);
/* Drops one reference of every pool page mapped by a leaf. */
void mm_unref_leaf(uint64_t pa, uint64_t flags);
/* Allocates a VMA node (NULL when exhausted) / frees one. */
struct vma *mm_vma_alloc(void);
void mm_vma_free(struct vma *v);
/* Whether s may hold n more VMAs (its cap, its fair share of the node
 * pool): E_OK or E_NOMEM. Check before the first change of a request. */
err_t mm_vmas_may_add(const struct mm_space *s, uint64_t n);
/* Nodes left in the pool (for MM_OP_STATS). */
uint64_t mm_vma_free_count(void);
/* Inserts v (filled in) into s's tree and charges its bytes; E_EXIST as
 * vma_insert. */
err_t mm_vma_insert(struct mm_space *s, struct vma *v);
void mm_vma_release_cb(void *ctx, struct vma *v);

/* ---- spaces (space.c) ---- */
struct mm_space *mm_space_get(uint64_t id);
/* Copies parent copy-on-write into a new space. by_control: control asked
 * (SPACE_FORK, the child is an account of its own); otherwise the parent
 * itself (MM_OP_FORK; the child counts against the parent's account).
 * E_NOMEM, E_NOSPACE (the space table is full), E_LIMIT (the account's
 * own limit); on any error nothing of the child remains. */
err_t mm_space_fork(struct mm_space *parent, bool by_control, struct mm_space **out);
/* A space with only its stack and IPC buffer, for a loader (the process
 * server) to fill with MM_OP_SPACE_MMAP / SPACE_WRITE. The heap starts at
 * MM_EMPTY_BRK_BASE until MM_OP_SPACE_SET_BRK moves it. */
#define MM_EMPTY_BRK_BASE 0x800000000ull
err_t mm_space_create_empty(uint64_t kmem_budget, struct mm_space **out);
void mm_space_destroy(struct mm_space *s);
/* Allocates, zeroes and maps every page of v (a wired VMA, MM_MAP_POPULATE)
 * in 4 KiB pages, charged to s. E_NOMEM (s's limit, frames, page tables):
 * the pages mapped so far stay mapped. */
err_t mm_populate(struct mm_space *s, const struct vma *v);
/* The number of spaces in use. */
uint32_t mm_spaces_used(void);
/* Unmaps [start, end) of s, releasing frames; splits VMAs and leaves. */
err_t mm_unmap_range(struct mm_space *s, uint64_t start, uint64_t end);
err_t mm_protect_range(struct mm_space *s, uint64_t start, uint64_t end, unsigned prot);

/* ---- faults (fault.c) ---- */
/* Handles a page fault; returns true to resume the thread, false to kill it
 * (the report is printed and the space marked dead). */
bool mm_handle_fault(struct mm_space *s, uint64_t addr, unsigned access, uint64_t pc,
                     uint64_t pte);
