/*
 * Protocol of mm, the memory server (docs/mm.md). mm serves one endpoint.
 * The badge of the capability a message arrives on says who is asking:
 * 0 = the control capability (held by root, later the process server),
 * which creates and destroys address spaces; N > 0 = address space N
 * (given to that space's threads), which manages only itself. Page faults
 * of a space arrive on the same endpoint, sent by the kernel with the
 * space's badge and label IPC_LABEL_FAULT_VM.
 *
 * Requests are register messages: label = enum mm_op, words as listed.
 * Replies: label = 0 or an err_t (as a 48-bit two's complement value,
 * read with MM_REPLY_ERR), words as listed. Unknown ops get E_NOSYS.
 */
#pragma once

#include <stdint.h>

enum mm_op {
    /* Control (badge 0). */
    /* w0 = boot-image program name, 8 chars packed little-endian in w0..w1
     *      (NUL-padded, at most 15), w2 = notification handle bit to signal
     *      when the space dies (0 = none; the notification capability is
     *      sent as caps[0] when w2 != 0).
     * Reply: w0 = space id, w1 = entry pc, w2 = initial sp; caps[0] = the
     * task (MANAGE, GRANT), caps[1] = its pager endpoint (badged),
     * caps[2] = its client endpoint (badged). The image is loaded, a
     * stack and the IPC buffer page are mapped. Not idempotent.
     * Errors: E_NOENT (no such program), E_INVAL (not a valid ELF),
     * E_NOMEM, E_NOSPACE (too many spaces). */
    MM_OP_SPACE_CREATE = 1,
    /* w0 = space id. Frees every frame and the task. Idempotent: a second
     * call gets E_NOENT. */
    MM_OP_SPACE_DESTROY = 2,
    /* Reply: w0 = free frames, w1 = frames in use, w2 = spaces (bits
     * 0-15) | backings (16-31) | VMAs in use, all spaces (32-63),
     * w3 = zero-fill faults, w4 = COW copies, w5 = COW re-enables,
     * w6 = superpage faults | file faults << 32, w7 = processes killed
     * (0-31) | calls to file servers cancelled after the deadline (32-63).
     * (Any badge.) */
    MM_OP_STATS = 3,

    /* A space managing itself (badge N). */
    /* w0 = address hint (0: mm picks; with MM_MAP_FIXED: exact), w1 = length,
     * w2 = prot (MM_PROT_*), w3 = flags (MM_MAP_*). Reply w0 = address.
     * Lazy: nothing is mapped until first touch. Errors: E_INVAL (length 0,
     * unaligned fixed address, bad prot/flags), E_EXIST (fixed range in
     * use), E_NOSPACE (no room), E_NOMEM (the space's limits: docs/mm.md),
     * E_DEAD (a file capability whose server did not answer in time).
     * Not idempotent. */
    MM_OP_MMAP = 10,
    /* w0 = address, w1 = length: unmaps whole pages, splitting VMAs and
     * superpages as needed; frames are released. Idempotent. */
    MM_OP_MUNMAP = 11,
    /* w0 = address, w1 = length, w2 = prot. Errors: E_NOENT (part of the
     * range is not mapped), E_INVAL. Idempotent. */
    MM_OP_MPROTECT = 12,
    /* w0 = new break (0: query). Reply w0 = the break. The heap starts
     * page aligned after the program image. Errors: E_NOMEM, E_INVAL. */
    MM_OP_BRK = 13,
    /* Copies the calling space copy-on-write into a new space, which
     * belongs to the caller's account (counted against it, destroyed with
     * it). Reply as MM_OP_SPACE_CREATE (w1, w2 = 0: the caller starts the
     * child's thread where it likes). E_NOMEM, E_NOSPACE, E_LIMIT (the
     * account's spaces). Not idempotent. */
    MM_OP_FORK = 14,
    /* w0 = address. Reply w0 = MAP_* flags of the PTE there (the kernel's
     * view), w1 = frame reference count (0 if none or not mm's frame),
     * w2 = physical address. For tests. */
    MM_OP_PAGE_INFO = 15,
    /* w0 = address, w1 = length: writes shared file pages in the range back
     * to their files. Idempotent. */
    MM_OP_MSYNC = 16,

    /* Control (badge 0): building a space for a program the caller loads
     * itself (the process server's exec). */
    /* An empty space: a lazy stack below MM_STACK_TOP and the IPC buffer
     * page; w0 = its task's kernel-memory budget in bytes (0:
     * MM_SPACE_KMEM_BUDGET; else MM_SPACE_KMEM_MIN..MM_SPACE_KMEM_MAX, or
     * E_INVAL), inherited by its forks; w2 / caps[0] the death notification
     * as SPACE_CREATE. Reply as SPACE_CREATE with w1 = 0 (no entry) and
     * w2 = MM_STACK_TOP. */
    MM_OP_SPACE_NEW = 17,
    /* MMAP into space w5 (words w0..w4 and caps[0] as MMAP). Reply w0 =
     * address. E_NOENT: no such space. */
    MM_OP_SPACE_MMAP = 18,
    /* w0 = space id, w1 = address; data = bytes (IPC buffer, <= 1024):
     * stores them into the space as its own writes would (zero-fill,
     * copy-on-write). E_PERM when the range is not in writable VMAs,
     * E_NOMEM. */
    MM_OP_SPACE_WRITE = 19,
    /* w0 = space id, w1 = where its heap starts (rounded up to a page;
     * brk() grows from there). E_BUSY once the heap has grown. */
    MM_OP_SPACE_SET_BRK = 20,
    /* w0 = space id: MM_OP_FORK of that space (for the process server's
     * fork). Reply as FORK; caps[0] of the request = death notification. */
    MM_OP_SPACE_FORK = 21,
    /* w0 = space id. Reply: w0 = MM_DEATH_* (0: not killed), w1 = the
     * faulting address, w2 = its pc. Idempotent. */
    MM_OP_SPACE_INFO = 22,
    /* w0 = source space, w1 = target space, w2 = address, w3 = length
     * (page aligned, <= MM_SPACE_COPY_MAX): copies those pages of the
     * source into the target's writable memory there (pages the source
     * never touched stay untouched). For what a process keeps across exec.
     * E_NOENT (a space), E_INVAL, E_PERM (not writable in the target). */
    MM_OP_SPACE_COPY = 23,
};

#define MM_PROT_R 1u
#define MM_PROT_W 2u
#define MM_PROT_X 4u

#define MM_MAP_FIXED (1u << 0)
#define MM_MAP_SHARED (1u << 1) /* not copied on fork: parent and child share */
#define MM_MAP_NOSUPER (1u << 2) /* never back with 2 MiB pages */
#define MM_MAP_FILE (1u << 3)    /* file-backed: caps[0] = a file capability from the
                                  * file server (FS_OP_MAP_FILE) or a pager, its badge
                                  * with FS_FILE_BADGE, w4 = file offset */

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
#define MM_SLOT_BOOTIMG 4   /* the boot image, read-only: programs to load */
/* mm's capability to the file server of disk d (badge FS_MM_BADGE), empty
 * without one. The server signals mm's bound notification with bit d when
 * a file mm may map shrinks (proto/fs.h, FS_OP_TRIM_*). */
#define MM_SLOT_FS(d) (5 + (d))
#define MM_MAX_FS 2
#define MM_TABLE_SLOTS 4096 /* mm keeps two capabilities per space */

/*
 * A space mm creates (SPACE_CREATE or FORK) is started by its creator,
 * which grants the space's first thread these capabilities:
 */
#define MM_CLIENT_SLOT 1    /* the space's client endpoint to mm */

