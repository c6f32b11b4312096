/*
 * Protocol of mm, the memory server (docs/mm.md). mm serves one endpoint.
 * The badge of the capability a message arrives on says who is asking:
 * 0 = the control capability (held by root and the process server), which
 * makes and destroys address spaces (MM_CALLER_CONTROL); N > 0 = address
 * space N (given to that space's threads), which manages only itself
 * (MM_CALLER_SPACE). Page faults of a space arrive on the same endpoint,
 * sent by the kernel with the space's badge and label IPC_LABEL_FAULT_VM
 * (struct ipc_fault_vm_msg; reply FAULT_REPLY_RESUME or _KILL).
 *
 * mm only manages memory: it loads no programs. A loader (libsys's
 * sys/loader.h: root for boot-image programs, the process server for
 * files) builds a space with SPACE_NEW, SPACE_MMAP, SPACE_WRITE,
 * SPACE_MPROTECT and SPACE_SET_BRK.
 *
 * Every op but SPACE_WRITE is a register op (PROTO_REGS): the request and
 * reply structs are the eight words in order. Replies: label 0 or an err_t
 * (as a 48-bit two's complement value, read with MM_REPLY_ERR). A request
 * from a caller outside an op's classes gets E_PERM, except that a space
 * that no longer exists gets E_DEAD for a space op; unknown ops E_NOSYS.
 * Capabilities beyond what an op takes are dropped.
 */
#pragma once

#include <stdint.h>

#include <mica/ipc.h>
#include <proto/proto.h>

#define MM_CALLER_CONTROL (1u << 0) /* badge 0 */
#define MM_CALLER_SPACE (1u << 1)   /* badge N: space N (or one that is gone) */

/* Requests and replies (fields = words w0, w1, ... in order). */
struct mm_space_id_req {
    uint64_t space;
};
/* A new space (SPACE_NEW, FORK, SPACE_FORK); caps: task (MANAGE, GRANT),
 * its pager endpoint and its client endpoint (both badged with the id). */
struct mm_space_rep {
    uint64_t space;
    uint64_t entry;  /* 0: the caller starts the thread where it likes */
    uint64_t sp;     /* SPACE_NEW: MM_STACK_TOP; forks: 0 */
};
struct mm_stats_rep {
    uint64_t free_frames;
    uint64_t used_frames;
    uint64_t counts;       /* spaces (bits 0-15) | backings (16-31) | VMAs in use,
                            * all spaces (32-63) */
    uint64_t zero_fill;    /* faults */
    uint64_t cow_copy;
    uint64_t cow_reenable;
    uint64_t faults;       /* superpage faults (0-31) | file faults (32-63) */
    uint64_t killed;       /* processes killed (0-31) | calls to file servers
                            * cancelled after the deadline (32-63) */
};
struct mm_mmap_req {
    uint64_t addr;    /* hint (0: mm picks); with MM_MAP_FIXED: exact */
    uint64_t len;
    uint64_t prot;    /* MM_PROT_* */
    uint64_t flags;   /* MM_MAP_* */
    uint64_t offset;  /* MM_MAP_FILE: file offset (page aligned) */
};
struct mm_addr_rep {
    uint64_t addr;
};
struct mm_range_req {
    uint64_t addr, len;
};
struct mm_protect_req {
    uint64_t addr, len, prot;
};
struct mm_brk_req {
    uint64_t brk;     /* 0: query */
};
struct mm_brk_rep {
    uint64_t brk;
};
struct mm_page_info_req {
    uint64_t addr;
};
struct mm_page_info_rep {
    uint64_t pte;     /* MAP_* flags of the PTE (the kernel's view) */
    uint64_t refs;    /* frame reference count (0 if none or not mm's frame) */
    uint64_t pa;
};
struct mm_space_new_req {
    uint64_t kmem_budget; /* bytes (0: MM_SPACE_KMEM_BUDGET) */
};
struct mm_space_mmap_req {
    struct mm_mmap_req map;
    uint64_t space;
};
/* SPACE_WRITE, in the IPC buffer: the header, then the bytes. */
#define MM_SPACE_WRITE_HDR 16u
#define MM_SPACE_WRITE_MAX (IPC_BUF_DATA_MAX - MM_SPACE_WRITE_HDR)
struct mm_space_write_req {
    uint64_t space;
    uint64_t addr;
    uint8_t data[MM_SPACE_WRITE_MAX];
};
struct mm_space_set_brk_req {
    uint64_t space;
    uint64_t base;    /* where its heap starts (rounded up to a page) */
};
struct mm_space_info_rep {
    uint64_t death;   /* MM_DEATH_* (0: not killed) */
    uint64_t addr;    /* the faulting address */
    uint64_t pc;
};
struct mm_space_copy_req {
    uint64_t from, to, addr, len;
};
struct mm_space_mprotect_req {
    struct mm_protect_req prot;
    uint64_t space;
};

_Static_assert(sizeof(struct mm_stats_rep) == 64, "ABI");
_Static_assert(sizeof(struct mm_mmap_req) == 40, "ABI");
_Static_assert(sizeof(struct mm_space_mmap_req) == 48, "ABI");
_Static_assert(sizeof(struct mm_space_write_req) == IPC_BUF_DATA_MAX, "ABI");
_Static_assert(sizeof(struct mm_space_copy_req) == 32, "ABI");
_Static_assert(sizeof(struct mm_space_mprotect_req) == 32, "ABI");

/*
 * The operations. Op 1 (SPACE_CREATE: load a boot-image program by name)
 * is retired and reserved: mm loads no programs (answers E_NOSYS).
 *
 * Control (badge 0):
 * SPACE_DESTROY (2): frees every frame of the space and its task.
 *   Control may destroy any space, a space only those it forked.
 *   E_NOENT (none such, or not yours). Idempotent: a second call E_NOENT.
 * STATS (3): mm's counters (struct mm_stats_rep). Any badge. Idempotent.
 *
 * A space managing itself (badge N; E_DEAD when space N is gone):
 * MMAP (10): lazy: nothing is mapped until first touch. With MM_MAP_FILE,
 *   caps[0] is a file capability (a file server's FS_OP_MAP_FILE or a
 *   pager's object capability: FS_FILE_BADGE in its badge), mm's from
 *   then on. Reply: the address. E_INVAL (length 0, unaligned fixed
 *   address or offset, bad prot/flags, no or not a file capability),
 *   E_EXIST (fixed range in use), E_NOSPACE (no room), E_NOMEM (the
 *   space's limits: docs/mm.md), E_PERM (a shared writable mapping of a
 *   read-only file), E_DEAD (a file server that did not answer in time).
 *   Not idempotent.
 * MUNMAP (11): unmaps whole pages, splitting VMAs and superpages as
 *   needed; frames are released. E_INVAL. Idempotent.
 * MPROTECT (12): E_NOENT (part of the range is not mapped), E_INVAL,
 *   E_PERM, E_NOMEM. Idempotent.
 * BRK (13): the new break (0: query); reply the break. The heap starts
 *   page aligned after the program image (SPACE_SET_BRK). E_NOMEM, E_INVAL.
 * FORK (14): copies the calling space copy-on-write into a new space,
 *   which belongs to the caller's account (counted against it, destroyed
 *   with it); caps[0] of the request: an optional death notification.
 *   E_NOMEM, E_NOSPACE, E_LIMIT (the account's spaces). Not idempotent.
 * PAGE_INFO (15): the PTE at addr, for tests. Errors of SYS_QUERY.
 * MSYNC (16): writes shared file pages in the range back to their files.
 *   E_INVAL, the file server's errors. Idempotent.
 *
 * Control, building a space for a program its loader reads (sys/loader.h):
 * SPACE_NEW (17): an empty space: a lazy stack below MM_STACK_TOP and the
 *   IPC buffer page; its task gets kmem_budget bytes of kernel memory (0:
 *   MM_SPACE_KMEM_BUDGET; else MM_SPACE_KMEM_MIN..MM_SPACE_KMEM_MAX, or
 *   E_INVAL), inherited by its forks; caps[0]: an optional notification,
 *   signalled (its badge bits) when mm kills a thread of the space. Reply
 *   entry 0, sp MM_STACK_TOP. E_NOMEM, E_NOSPACE. Not idempotent.
 * SPACE_MMAP (18): MMAP into space `space`. E_NOENT: no such space.
 * SPACE_WRITE (19, IPC buffer: header and up to MM_SPACE_WRITE_MAX bytes):
 *   stores the bytes into the space as its own writes would (zero-fill,
 *   copy-on-write). E_NOENT, E_INVAL (shorter than the header, wraps),
 *   E_PERM (the range is not in writable VMAs, or a shared file page),
 *   E_NOMEM. Idempotent.
 * SPACE_SET_BRK (20): where the space's heap starts. E_NOENT, E_INVAL,
 *   E_BUSY once the heap has grown.
 * SPACE_FORK (21): FORK of space `space` (the process server's fork); the
 *   child is an account of its own. caps[0]: death notification. E_NOENT,
 *   E_NOMEM, E_NOSPACE.
 * SPACE_INFO (22): why mm killed a thread of the space. E_NOENT. Idempotent.
 * SPACE_COPY (23): copies pages [addr, addr + len) (page aligned, <=
 *   MM_SPACE_COPY_MAX) of space `from` into the writable memory of space
 *   `to` there (pages `from` never touched stay untouched); what a process
 *   keeps across exec. E_NOENT (a space), E_INVAL, E_PERM (not writable in
 *   the target, or a file page in the source), E_NOMEM.
 * SPACE_MPROTECT (24): MPROTECT in space `space` (a loader writes a text
 *   segment, then makes it read-only). E_NOENT, and MPROTECT's errors.
 *   Idempotent.
 */
#define MM_OPS(X)                                                                      \
    X(MM_OP_SPACE_DESTROY, 2, mm_space_destroy, mm_space_id_req, proto_none,            \
      PROTO_REGS, MM_CALLER_CONTROL | MM_CALLER_SPACE, 0, PROTO_IDEMPOTENT)              \
    X(MM_OP_STATS, 3, mm_stats, proto_none, mm_stats_rep, PROTO_REGS, PROTO_CALLER_ANY,  \
      0, PROTO_IDEMPOTENT)                                                              \
    X(MM_OP_MMAP, 10, mm_mmap, mm_mmap_req, mm_addr_rep, PROTO_REGS, MM_CALLER_SPACE, 1, \
      PROTO_ONCE)                                                                       \
    X(MM_OP_MUNMAP, 11, mm_munmap, mm_range_req, proto_none, PROTO_REGS,                 \
      MM_CALLER_SPACE, 0, PROTO_IDEMPOTENT)                                             \
    X(MM_OP_MPROTECT, 12, mm_mprotect, mm_protect_req, proto_none, PROTO_REGS,           \
      MM_CALLER_SPACE, 0, PROTO_IDEMPOTENT)                                             \
    X(MM_OP_BRK, 13, mm_brk, mm_brk_req, mm_brk_rep, PROTO_REGS, MM_CALLER_SPACE, 0,     \
      PROTO_ONCE)                                                                       \
    X(MM_OP_FORK, 14, mm_fork, proto_none, mm_space_rep, PROTO_REGS, MM_CALLER_SPACE, 1, \
      PROTO_ONCE)                                                                       \
    X(MM_OP_PAGE_INFO, 15, mm_page_info, mm_page_info_req, mm_page_info_rep, PROTO_REGS, \
      MM_CALLER_SPACE, 0, PROTO_IDEMPOTENT)                                             \
    X(MM_OP_MSYNC, 16, mm_msync, mm_range_req, proto_none, PROTO_REGS, MM_CALLER_SPACE,  \
      0, PROTO_IDEMPOTENT)                                                              \
    X(MM_OP_SPACE_NEW, 17, mm_space_new, mm_space_new_req, mm_space_rep, PROTO_REGS,     \
      MM_CALLER_CONTROL, 1, PROTO_ONCE)                                                 \
    X(MM_OP_SPACE_MMAP, 18, mm_space_mmap, mm_space_mmap_req, mm_addr_rep, PROTO_REGS,   \
      MM_CALLER_CONTROL, 1, PROTO_ONCE)                                                 \
    X(MM_OP_SPACE_WRITE, 19, mm_space_write, mm_space_write_req, proto_none,             \
      PROTO_BUF_VAR, MM_CALLER_CONTROL, 0, PROTO_IDEMPOTENT)                            \
    X(MM_OP_SPACE_SET_BRK, 20, mm_space_set_brk, mm_space_set_brk_req, proto_none,       \
      PROTO_REGS, MM_CALLER_CONTROL, 0, PROTO_ONCE)                                     \
    X(MM_OP_SPACE_FORK, 21, mm_space_fork, mm_space_id_req, mm_space_rep, PROTO_REGS,    \
      MM_CALLER_CONTROL, 1, PROTO_ONCE)                                                 \
    X(MM_OP_SPACE_INFO, 22, mm_space_info, mm_space_id_req, mm_space_info_rep,           \
      PROTO_REGS, MM_CALLER_CONTROL, 0, PROTO_IDEMPOTENT)                               \
    X(MM_OP_SPACE_COPY, 23, mm_space_copy, mm_space_copy_req, proto_none, PROTO_REGS,    \
      MM_CALLER_CONTROL, 0, PROTO_ONCE)                                                 \
    X(MM_OP_SPACE_MPROTECT, 24, mm_space_mprotect, mm_space_mprotect_req, proto_none,    \
      PROTO_REGS, MM_CALLER_CONTROL, 0, PROTO_IDEMPOTENT)

enum mm_op { MM_OPS(PROTO_ENUM) };
MM_OPS(PROTO_ASSERT)

#define MM_PROT_R 1u
#define MM_PROT_W 2u
#define MM_PROT_X 4u

#define MM_MAP_FIXED (1u << 0)
#define MM_MAP_SHARED (1u << 1) /* not copied on fork: parent and child share */
#define MM_MAP_NOSUPER (1u << 2) /* never back with 2 MiB pages */
#define MM_MAP_FILE (1u << 3)    /* file-backed: caps[0] = a file capability from the
                                  * file server (FS_OP_MAP_FILE) or a pager, its badge
                                  * with FS_FILE_BADGE; `offset` = file offset */
#define MM_MAP_POPULATE (1u << 4) /* anonymous only: every page allocated, zeroed and
                                   * mapped now (4 KiB pages), not on first touch */

#define MM_SPACE_COPY_MAX (64u << 10)

/* Why mm killed a space's thread (MM_OP_SPACE_INFO). */
#define MM_DEATH_ILLEGAL 1    /* access outside any mapping or against its protection */
#define MM_DEATH_OOM 2        /* memory (frames, page cache, page tables) ran out */
#define MM_DEATH_BEYOND_EOF 3 /* a file page that cannot be had: past the end of the
                               * file, an error of its server, or a server (pager)
                               * that did not answer in time or is gone: SIGBUS */

/* The label of an error reply. */
#define MM_REPLY_ERR(label) ((int64_t)((label) << 16) >> 16)

/* Where mm puts things in a space it creates. */
#define MM_STACK_TOP 0x3fffe00000ull
#define MM_STACK_LEN (1ull << 20)   /* lazily allocated */
#define MM_MMAP_BASE 0x1000000000ull  /* first address mm picks for mmap */
/* Kernel memory each space's task gets out of mm's budget (docs/kernel-api.md,
 * "Kernel memory and ownership"): its capability table (5 pages), root
 * table, thread, and about 57 page tables: 114 MiB of densely mapped 4 KiB
 * pages, far more with superpages. A space that uses it up cannot get page
 * tables (its faults end it with SIGKILL, out of memory); nobody else is
 * affected. Small enough that mm's budget holds PROC_MAX spaces and their
 * forks on a 256 MiB machine. */
#define MM_SPACE_KMEM_BUDGET (256ull << 10)
/* What SPACE_NEW may ask for instead: at least the task's own table, root
 * table and thread with a few page tables, at most 16 MiB (4096 tables). */
#define MM_SPACE_KMEM_MIN (64ull << 10)
#define MM_SPACE_KMEM_MAX (16ull << 20)

/*
 * Starting mm (done by root): the capabilities mm finds in its table.
 */
#define MM_SLOT_SELF_TASK 1 /* mm's own task (to map its window) */
#define MM_SLOT_SERVICE 2   /* the endpoint mm serves (READ, WRITE, GRANT) */
#define MM_SLOT_RAM 3       /* the RAM mm hands out */
/* Slot 4 (the boot image, when mm loaded programs) is no longer used. */
/* mm's capability to the file server of disk d (badge FS_MM_BADGE), empty
 * without one. The server signals mm's bound notification with bit d when
 * a file mm may map shrinks (proto/fs.h, FS_OP_TRIM_*). */
#define MM_SLOT_FS(d) (5 + (d))
#define MM_MAX_FS 2
#define MM_TABLE_SLOTS 4096 /* mm keeps two capabilities per space */

/*
 * A space mm creates (SPACE_NEW or FORK) is started by its creator,
 * which grants the space's first thread these capabilities:
 */
#define MM_CLIENT_SLOT 1    /* the space's client endpoint to mm */

