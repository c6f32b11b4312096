/*
 * Protocol of fat32, the file server (docs/fat32.md). Paths are absolute,
 * NUL-terminated, and travel as IPC-buffer data; file contents travel as
 * IPC-buffer data too, up to FS_IO_MAX bytes per request (zero-copy bulk
 * access is a file mapping: MAP_FILE, then mm). Open files are
 * named by handles private to each client (the badge of its endpoint
 * capability).
 *
 * Replies: label 0 = success, else an err_t (FS_REPLY_ERR). Unknown ops
 * get E_NOSYS; a path that is not NUL-terminated inside the data, or too
 * long, gets E_INVAL.
 */
#pragma once

#include <stdint.h>

enum fs_op {
    /* data = path; w0 = FS_O_* flags. Reply: w0 = handle, w1 = size,
     * w2 = 1 if a directory. Errors: E_NOENT, E_EXIST (FS_O_EXCL),
     * E_INVAL, E_LIMIT (the caller holds FS_CLIENT_FILES handles: EMFILE),
     * E_NOSPACE (w0 = FS_NOSPACE_HANDLES: the handle table is full for
     * everyone, ENFILE; w0 = 0: the volume is full, ENOSPC), E_CORRUPT,
     * E_IO. Not idempotent with FS_O_CREAT | FS_O_EXCL. */
    FS_OP_OPEN = 1,
    /* w0 = handle. Idempotent: a second close gets E_BADH. */
    FS_OP_CLOSE = 2,
    /* w0 = handle, w1 = offset, w2 = bytes (<= FS_IO_MAX). Reply: data,
     * its length in the tag (0 at end of file). Idempotent. */
    FS_OP_READ = 3,
    /* w0 = handle, w1 = offset; data = the bytes. Reply: w0 = bytes
     * written (fewer on E_NOSPACE, which is then the label). Idempotent
     * (same bytes, same place). */
    FS_OP_WRITE = 4,
    /* w0 = handle. Reply: w0 = size, w1 = 1 if a directory, w2 = FAT
     * modification date << 16 | time. Idempotent. */
    FS_OP_FSTAT = 5,
    /* w0 = handle, w1 = new size. Idempotent. */
    FS_OP_TRUNCATE = 6,
    /* w0 = directory handle, w1 = cookie (0 first). Reply: data = the
     * name (NUL-terminated), w0 = next cookie, w1 = size, w2 = 1 if a
     * directory. E_NOENT at the end. Idempotent. */
    FS_OP_READDIR = 7,
    /* data = path. Removes a file. E_INVAL for a directory. */
    FS_OP_UNLINK = 8,
    /* data = path. Creates a directory. E_EXIST. */
    FS_OP_MKDIR = 9,
    /* data = path. Removes an empty directory. E_BUSY if not empty. */
    FS_OP_RMDIR = 10,
    /* data = "from\0to\0". E_EXIST if `to` exists; across directories too. */
    FS_OP_RENAME = 11,
    /* Writes back everything cached (dirty file pages, FSInfo, then a
     * device flush). Idempotent. */
    FS_OP_SYNC = 12,
    /* w0 = handle, w1 = 1 to allow writable (shared) mappings. Reply:
     * caps[0] = a file capability (an endpoint whose badge names the file)
     * to give to mm with MM_OP_MMAP; w0 = file size. Not idempotent (each
     * call makes a capability). Errors: E_BADH, E_INVAL (a directory or an
     * empty file), E_LIMIT (the caller holds FS_CLIENT_MAPS file
     * capabilities not yet released), E_NOSPACE (mapped-file or capability
     * table full). */
    FS_OP_MAP_FILE = 13,

    /* Sent by mm on a file capability (badge = the file). */
    /* w0 = page index, w1 = 1 for a writable page. Reply: caps[0] = a frame
     * capability for the cached page (zero copy), w0 = bytes of file data
     * in it (the rest reads as zeros). E_RANGE past the last page of the
     * file, E_PERM writable when not allowed, E_NOMEM the cache is full. */
    FS_OP_GET_PAGE = 14,
    /* Writes the file's directory entry (when a write through an open
     * handle made its size newer), then its dirty cached pages back, and
     * flushes the device (msync, munmap). */
    FS_OP_SYNC_FILE = 15,
    /* mm no longer maps the file: the capability is about to be dropped. */
    FS_OP_RELEASE_FILE = 16,
    /* Reply: w0 = the file's size now, w1 = 1 when this capability may
     * map pages writable (mm refuses a shared writable mapping otherwise). */
    FS_OP_FILE_INFO = 17,

    /* mm only (badge FS_MM_BADGE): files that shrink under mappings.
     * When a mapped file shrinks (TRUNCATE, OPEN with FS_O_TRUNC, UNLINK)
     * the file server zeroes its cached bytes past the new end, signals
     * mm's notification and holds the caller's reply. mm asks TRIM_BEGIN
     * (reply w0 = the shrink epoch), unmaps every mapped page past the end
     * of every file it maps (FILE_INFO gives the sizes), then sends
     * TRIM_DONE with that epoch: the held replies up to it go out. So once
     * truncate() returns, access past the new end faults in every process. */
    FS_OP_TRIM_BEGIN = 18,
    FS_OP_TRIM_DONE = 19,

    /* w0 = handle. Writes the file's directory entry (whichever of its
     * handles wrote last) and dirty cached pages back and flushes the
     * device (fsync). Idempotent. */
    FS_OP_FSYNC = 20,
    /* Page-cache statistics, for tests and tools. Reply: w0 = pages, w1 =
     * in use, w2 = pinned (mapped by mm), w3 = dirty, w4 = hits, w5 =
     * misses, w6 = evictions, w7 = write-backs. Idempotent. */
    FS_OP_STATS = 21,

    /* proc only (badge FS_PROC_BADGE): per-process handles. */
    /* w0 = parent's badge, w1 = child's badge: the child gets a copy of
     * every open handle of the parent, with the same numbers (fork).
     * E_NOSPACE: the table is full (the child then has none). */
    FS_OP_CLONE_CLIENT = 22,
    /* w0 = badge: closes every handle of that client (its process ended).
     * Idempotent. */
    FS_OP_DROP_CLIENT = 23,
    /* The server's tables, for tests checking they are back at their
     * baseline. Reply: w0 = open handles (all clients), w1 = files mapped,
     * w2 = file capabilities not released, w3 = processes with something
     * charged, w4 = handles and w5 = file capabilities charged to the
     * caller. Idempotent. */
    FS_OP_TABLES = 24,
};

#define FS_O_CREAT (1u << 0)
#define FS_O_TRUNC (1u << 1)
#define FS_O_EXCL (1u << 2)

#define FS_IO_MAX 1024u    /* bytes of data per request (IPC_BUF_DATA_MAX) */
#define FS_PATH_MAX 1023u  /* bytes of a path, NUL excluded */
#define FS_MAX_OPEN 1024   /* open handles, all clients together; numbers are per client */
_Static_assert(FS_MAX_OPEN % 64 == 0, "the server keeps a bitmap of handle numbers");
/* Per-process limits (docs/limits.md): a process (a badge proc minted)
 * holds at most FS_CLIENT_FILES open handles (as many as a descriptor
 * table has) and FS_CLIENT_MAPS file capabilities from FS_OP_MAP_FILE not
 * yet released; E_LIMIT beyond. FS_MAX_CLIENTS processes at once hold
 * anything. */
#define FS_CLIENT_FILES 64
#define FS_CLIENT_MAPS 32
#define FS_MAX_CLIENTS 128
#define FS_NOSPACE_HANDLES 1 /* w0 of OPEN's E_NOSPACE: the handle table is full */

#define FS_REPLY_ERR(label) ((int64_t)((label) << 16) >> 16)

/* Starting fat32 (done by root): capabilities it finds in its table. */
#define FS_SLOT_SELF_TASK 1
#define FS_SLOT_SERVICE 2  /* the endpoint it serves */
#define FS_SLOT_BLK 3      /* its client endpoint to blk */
#define FS_SLOT_DMA 4      /* a RAM frame shared with blk for transfers */
#define FS_DMA_LEN (256u << 10)
#define FS_SLOT_CACHE 5    /* a RAM frame for the page cache */
#define FS_SLOT_MM_NTFN 6  /* signals mm: a mapped file shrank (may be empty) */
#define FS_CACHE_LEN (4u << 20)
/* fat32's start argument: the wall clock, for file timestamps. Low 32
 * bits: seconds since 1980-01-01 00:00 UTC when the `time` counter read 0;
 * high 32 bits: the counter's rate in Hz. 0: no clock (files are stamped
 * 1980-01-01). */
#define FS_EPOCH_1980 315532800ull /* 1980-01-01 in seconds since 1970 */
#define FS_START_ARG(secs_1980_at_time0, timebase_hz)                         \
    (((uint64_t)(timebase_hz) << 32) | ((uint64_t)(secs_1980_at_time0) & 0xffffffffull))

/* Badges of file capabilities: FS_FILE_BADGE | [FS_FILE_WRITE_BADGE] |
 * token << FS_FILE_TOKEN_SHIFT | generation << 8 | slot. The generation
 * makes a capability outliving its slot (released, then reused for
 * another file) name nothing; the token names the capability itself (one
 * reference, given back by one RELEASE_FILE, after which it names
 * nothing). */
#define FS_FILE_BADGE (1ull << 40)
#define FS_MM_BADGE (1ull << 41)       /* mm's own capability (TRIM_*) */
#define FS_PROC_BADGE (1ull << 42)     /* proc's own capability (CLONE/DROP_CLIENT) */
#define FS_FILE_WRITE_BADGE (1ull << 39) /* may map pages writable */
#define FS_FILE_SLOT(badge) ((badge) & 0xffu)
#define FS_FILE_GEN(badge) (((badge) >> 8) & 0x7fffffffu)
#define FS_FILE_TOKEN_SHIFT 48
#define FS_FILE_TOKEN_MAX 0x3ffu
#define FS_FILE_TOKEN(badge) (((badge) >> FS_FILE_TOKEN_SHIFT) & FS_FILE_TOKEN_MAX)

/* Where a program served by mm finds its file-server endpoints: the
 * system disk (mounted at /) and, when the user attached one, their own
 * disk (mounted at /mnt). */
#define FS_CLIENT_SLOT 3
#define FS_MNT_SLOT 4
#define FS_MNT_PREFIX "/mnt"
