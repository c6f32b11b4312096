/*
 * Protocol of fat32, the file server (docs/fat32.md). This list is the
 * protocol's one definition: libsys's stubs (libsys/src/fs_client.c) and
 * fat32's dispatch table (servers/fat32/server.c) come from it.
 *
 * Paths are absolute, NUL-terminated, at most FS_PATH_MAX bytes. Open
 * files are named by handles private to each client (the badge of its
 * endpoint capability). File contents travel in the IPC buffer, up to
 * FS_IO_MAX bytes per request (zero-copy bulk access is a file mapping:
 * MAP_FILE, then mm).
 *
 * Where the fields travel, per op: handles, offsets and lengths stay in
 * the register words, as they always have (PROTO_REGS); ops that also
 * carry a byte string -- a path (OPEN), file contents (READ, WRITE), a
 * name (READDIR) -- are PROTO_REGS_DATA: their words as PROTO_REGS and
 * the bytes beside them in the IPC buffer. A fixed header in the buffer
 * (PROTO_BUF_VAR) would not do for WRITE: a handle and an offset before a
 * full FS_IO_MAX of data do not fit the buffer, and a smaller FS_IO_MAX
 * costs a request per 1008 bytes; OPEN would lose 8 bytes of path. The
 * path-only ops (UNLINK, MKDIR, RMDIR, RENAME) have no word fields: their
 * request is the buffer (PROTO_BUF_VAR).
 *
 * Replies: label 0 = success, else an err_t (FS_REPLY_ERR). Unknown ops
 * get E_NOSYS, and so does an op outside the caller's class (a client's
 * TRIM_*, CLONE_CLIENT; a file capability's OPEN...). A request that does
 * not fit its op's shape (data on a register op, a capability: no op
 * takes one) gets E_INVAL, as does a path that is not NUL-terminated
 * inside the data, or too long.
 */
#pragma once

#include <stdint.h>

#include <proto/proto.h>

/* Caller classes, from the badge: mm's own capability (FS_MM_BADGE),
 * proc's (FS_PROC_BADGE), file capabilities (FS_FILE_BADGE: the
 * memory-object ops of include/proto/memobj.h, PROTO_CALLER_OBJECT), and
 * every other badge, a client. */
#define FS_CALLER_CLIENT (1u << 0)
#define FS_CALLER_MM (1u << 1)
#define FS_CALLER_PROC (1u << 2)

/* A path (or, for RENAME, "from\0to\0") as the whole request. */
struct fs_path_req {
    char path[1024]; /* FS_IO_MAX */
};

struct fs_handle_req {
    uint64_t handle;
};

/* OPEN: words = flags; data = the path. Reply: the handle, the size, 1 if
 * a directory. On E_NOSPACE the first word says which space ran out. */
struct fs_open_req {
    uint64_t flags; /* FS_O_*; other bits: E_INVAL */
};
struct fs_open_rep {
    union {
        uint64_t handle;
        uint64_t nospace; /* E_NOSPACE: FS_NOSPACE_HANDLES, or 0: the volume is full */
    };
    uint64_t size;
    uint64_t is_dir;
};

/* READ: data of the reply = the bytes (fewer at the end of the file). */
struct fs_read_req {
    uint64_t handle, offset, len; /* len <= FS_IO_MAX */
};

/* WRITE: data = the bytes. Reply: bytes written, also with E_NOSPACE. */
struct fs_write_req {
    uint64_t handle, offset;
};
struct fs_write_rep {
    uint64_t written;
};

struct fs_fstat_rep {
    uint64_t size;
    uint64_t is_dir;
    uint64_t mtime; /* FAT modification date << 16 | time */
};

struct fs_truncate_req {
    uint64_t handle, size;
};

/* READDIR: data of the reply = the entry's name, NUL-terminated. */
struct fs_readdir_req {
    uint64_t handle, cookie; /* cookie: 0 first */
};
struct fs_readdir_rep {
    uint64_t cookie; /* the next one */
    uint64_t size;
    uint64_t is_dir;
};

struct fs_map_file_req {
    uint64_t handle;
    uint64_t writable; /* 1: allow writable (shared) mappings */
};
struct fs_map_file_rep {
    uint64_t size;
};

struct fs_epoch {
    uint64_t epoch;
};

struct fs_stats_rep {
    uint64_t pages, used, pinned, dirty;
    uint64_t hits, misses, evictions, writebacks;
};

struct fs_clone_client_req {
    uint64_t from, to; /* badges: the parent's, the child's */
};
struct fs_drop_client_req {
    uint64_t badge;
};

struct fs_tables_rep {
    uint64_t open, mapped, file_caps, clients;
    uint64_t my_files, my_file_caps; /* charged to the caller */
};

_Static_assert(sizeof(struct fs_open_rep) == 24, "ABI");
_Static_assert(sizeof(struct fs_read_req) == 24, "ABI");
_Static_assert(sizeof(struct fs_stats_rep) == 64, "ABI");
_Static_assert(sizeof(struct fs_tables_rep) == 48, "ABI");
_Static_assert(sizeof(struct fs_path_req) == IPC_BUF_DATA_MAX, "a path fills the buffer");

/*
 * The operations (include/proto/proto.h).
 *
 * OPEN (1): opens data = path with flags. Errors: E_NOENT, E_EXIST
 *   (FS_O_EXCL), E_INVAL, E_LIMIT (the caller holds FS_CLIENT_FILES
 *   handles: EMFILE), E_NOSPACE (nospace = FS_NOSPACE_HANDLES: the handle
 *   table is full for everyone, ENFILE; 0: the volume is full, ENOSPC),
 *   E_CORRUPT, E_IO. Not idempotent (FS_O_CREAT | FS_O_EXCL).
 * CLOSE (2): E_BADH; a second close gets E_BADH (idempotent).
 * READ (3): up to len bytes at offset (0 bytes at the end of the file).
 *   E_BADH, E_RANGE (len > FS_IO_MAX), E_INVAL (a directory). Idempotent.
 * WRITE (4): the data at offset. E_BADH, E_INVAL (a directory), E_RANGE,
 *   E_NOSPACE (written: how many went in first). Idempotent (same bytes,
 *   same place).
 * FSTAT (5): size, directory, time. E_BADH. Idempotent.
 * TRUNCATE (6): to size (<= 4 GiB - 1). E_BADH, E_INVAL, E_NOSPACE.
 *   Idempotent.
 * READDIR (7): the entry at cookie of the directory handle. E_NOENT at
 *   the end, E_BADH, E_INVAL (not a directory). Idempotent.
 * UNLINK (8): removes the file at path. E_NOENT, E_INVAL (a directory).
 * MKDIR (9): creates a directory. E_EXIST, E_NOENT, E_NOSPACE.
 * RMDIR (10): removes an empty directory. E_BUSY (not empty), E_NOENT.
 * RENAME (11): data = "from\0to\0". E_EXIST if `to` exists; across
 *   directories too. E_NOENT, E_BUSY, E_INVAL.
 * SYNC (12): writes back everything cached (dirty file pages, FSInfo,
 *   then a device flush). Idempotent.
 * MAP_FILE (13): a file capability (caps[0] of the reply: an endpoint
 *   whose badge names the file and this capability) to give to mm with
 *   MM_OP_MMAP; the file size. Not idempotent (each call makes a
 *   capability). E_BADH, E_INVAL (a directory or an empty file), E_LIMIT
 *   (the caller holds FS_CLIENT_MAPS file capabilities not yet
 *   released), E_NOSPACE (mapped-file or capability table full).
 * 14..17: the memory-object ops (include/proto/memobj.h: GET_PAGE,
 *   SYNC, RELEASE, INFO), sent by mm on a file capability; fat32 serves
 *   them from MEMOBJ_OPS in the same table. SYNC writes the file's
 *   directory entry (when a write through an open handle made its size
 *   newer), then its dirty cached pages, and flushes the device. Their
 *   numbers stay reserved here.
 * TRIM_BEGIN (18), TRIM_DONE (19): mm only (FS_MM_BADGE): files that
 *   shrink under mappings. When a mapped file shrinks (TRUNCATE, OPEN
 *   with FS_O_TRUNC, UNLINK) the file server zeroes its cached bytes past
 *   the new end, signals mm's notification and holds the caller's reply.
 *   mm asks TRIM_BEGIN (reply: the shrink epoch), unmaps every mapped
 *   page past the end of every file it maps (memobj INFO gives the
 *   sizes), then sends TRIM_DONE with that epoch: the held replies up to
 *   it go out. So once truncate() returns, access past the new end faults
 *   in every process. Idempotent.
 * FSYNC (20): writes the file's directory entry (whichever of its handles
 *   wrote last) and dirty cached pages back and flushes the device
 *   (fsync). E_BADH. Idempotent.
 * STATS (21): page-cache statistics, for tests and tools. Idempotent.
 * CLONE_CLIENT (22): proc only (FS_PROC_BADGE): the child (badge `to`)
 *   gets a copy of every open handle of the parent (`from`), with the
 *   same numbers (fork). E_INVAL (to is one of fat32's own badges or
 *   from), E_NOSPACE (the table is full: the child then has none),
 *   E_LIMIT.
 * DROP_CLIENT (23): proc only: closes every handle of that client (its
 *   process ended). Idempotent.
 * TABLES (24): the server's tables, for tests checking they are back at
 *   their baseline: open handles (all clients), files mapped, file
 *   capabilities not released, processes with something charged, handles
 *   and file capabilities charged to the caller. Idempotent.
 */
#define FS_OPS(X)                                                                      \
    X(FS_OP_OPEN, 1, fs_open, fs_open_req, fs_open_rep, PROTO_REGS_DATA,                \
      FS_CALLER_CLIENT, 0, PROTO_ONCE)                                                 \
    X(FS_OP_CLOSE, 2, fs_close, fs_handle_req, proto_none, PROTO_REGS, FS_CALLER_CLIENT, \
      0, PROTO_IDEMPOTENT)                                                             \
    X(FS_OP_READ, 3, fs_read, fs_read_req, proto_none, PROTO_REGS_DATA, FS_CALLER_CLIENT, \
      0, PROTO_IDEMPOTENT)                                                             \
    X(FS_OP_WRITE, 4, fs_write, fs_write_req, fs_write_rep, PROTO_REGS_DATA,            \
      FS_CALLER_CLIENT, 0, PROTO_IDEMPOTENT)                                           \
    X(FS_OP_FSTAT, 5, fs_fstat, fs_handle_req, fs_fstat_rep, PROTO_REGS,                \
      FS_CALLER_CLIENT, 0, PROTO_IDEMPOTENT)                                           \
    X(FS_OP_TRUNCATE, 6, fs_truncate, fs_truncate_req, proto_none, PROTO_REGS,          \
      FS_CALLER_CLIENT, 0, PROTO_IDEMPOTENT)                                           \
    X(FS_OP_READDIR, 7, fs_readdir, fs_readdir_req, fs_readdir_rep, PROTO_REGS_DATA,    \
      FS_CALLER_CLIENT, 0, PROTO_IDEMPOTENT)                                           \
    X(FS_OP_UNLINK, 8, fs_unlink, fs_path_req, proto_none, PROTO_BUF_VAR,               \
      FS_CALLER_CLIENT, 0, PROTO_ONCE)                                                 \
    X(FS_OP_MKDIR, 9, fs_mkdir, fs_path_req, proto_none, PROTO_BUF_VAR, FS_CALLER_CLIENT, \
      0, PROTO_ONCE)                                                                   \
    X(FS_OP_RMDIR, 10, fs_rmdir, fs_path_req, proto_none, PROTO_BUF_VAR, FS_CALLER_CLIENT, \
      0, PROTO_ONCE)                                                                   \
    X(FS_OP_RENAME, 11, fs_rename, fs_path_req, proto_none, PROTO_BUF_VAR,              \
      FS_CALLER_CLIENT, 0, PROTO_ONCE)                                                 \
    X(FS_OP_SYNC, 12, fs_sync, proto_none, proto_none, PROTO_REGS, FS_CALLER_CLIENT, 0,  \
      PROTO_IDEMPOTENT)                                                                \
    X(FS_OP_MAP_FILE, 13, fs_map_file, fs_map_file_req, fs_map_file_rep, PROTO_REGS,    \
      FS_CALLER_CLIENT, 0, PROTO_ONCE)                                                 \
    X(FS_OP_TRIM_BEGIN, 18, fs_trim_begin, proto_none, fs_epoch, PROTO_REGS,            \
      FS_CALLER_MM, 0, PROTO_IDEMPOTENT)                                               \
    X(FS_OP_TRIM_DONE, 19, fs_trim_done, fs_epoch, proto_none, PROTO_REGS, FS_CALLER_MM, \
      0, PROTO_IDEMPOTENT)                                                             \
    X(FS_OP_FSYNC, 20, fs_fsync, fs_handle_req, proto_none, PROTO_REGS, FS_CALLER_CLIENT, \
      0, PROTO_IDEMPOTENT)                                                             \
    X(FS_OP_STATS, 21, fs_stats, proto_none, fs_stats_rep, PROTO_REGS, FS_CALLER_CLIENT, \
      0, PROTO_IDEMPOTENT)                                                             \
    X(FS_OP_CLONE_CLIENT, 22, fs_clone_client, fs_clone_client_req, proto_none,         \
      PROTO_REGS, FS_CALLER_PROC, 0, PROTO_ONCE)                                       \
    X(FS_OP_DROP_CLIENT, 23, fs_drop_client, fs_drop_client_req, proto_none, PROTO_REGS, \
      FS_CALLER_PROC, 0, PROTO_IDEMPOTENT)                                             \
    X(FS_OP_TABLES, 24, fs_tables, proto_none, fs_tables_rep, PROTO_REGS,               \
      FS_CALLER_CLIENT, 0, PROTO_IDEMPOTENT)

enum fs_op { FS_OPS(PROTO_ENUM) };
FS_OPS(PROTO_ASSERT)

#define FS_O_CREAT (1u << 0)
#define FS_O_TRUNC (1u << 1)
#define FS_O_EXCL (1u << 2)

#define FS_IO_MAX 1024u    /* bytes of data per request (IPC_BUF_DATA_MAX) */
_Static_assert(FS_IO_MAX == IPC_BUF_DATA_MAX, "a request's data fills the buffer");
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
 * reference, given back by one memobj RELEASE, after which it names
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
