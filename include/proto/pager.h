/*
 * Protocol of pager, the example custom pager (docs/writing-a-server.md,
 * "A pager of your own"): a boot server that keeps memory objects in its
 * own RAM and supplies their pages to mm on demand, logging each first
 * touch. A client creates an object, receives an object capability, and
 * maps it shared with mm_mmap_file; every process that maps the same
 * object shares its frames. Found through the name service as "pager".
 * On an object capability mm sends the memory-object operations
 * (include/proto/memobj.h).
 */
#pragma once

#include <stdint.h>

#include <proto/proto.h>

#define PAGER_MAX_OBJECTS 16
#define PAGER_MAX_PAGES 256 /* per object */



struct pager_create_req {
    uint64_t npages;
    uint32_t flags;  /* PAGER_QUIET: no log line per first touch (benchmarks) */
    uint32_t _pad0;  /* zero */
};
#define PAGER_QUIET 1u
struct pager_id_req {
    uint64_t id;
};
struct pager_id_rep {
    uint64_t id;
};
struct pager_stats_rep {
    uint64_t npages;       /* the object's size in pages */
    uint64_t touched;      /* pages given a frame (first touches) */
    uint64_t supplied;     /* GET_PAGE answers (first touches and later) */
    uint64_t caps;         /* object capabilities mm still holds */
};
struct pager_peek_req {
    uint64_t id, offset;   /* offset: 8-byte aligned, inside the object */
};
struct pager_peek_rep {
    uint64_t value;
};

_Static_assert(sizeof(struct pager_create_req) == 16, "ABI");
_Static_assert(sizeof(struct pager_id_req) == 8, "ABI");
_Static_assert(sizeof(struct pager_stats_rep) == 32, "ABI");
_Static_assert(sizeof(struct pager_peek_req) == 16, "ABI");

#define PAGER_OBJ_BADGE (1ull << 40) /* badge of object capabilities: | id */

/* Client requests, in the IPC buffer; any caller but an object capability.
 * CREATE: an object of npages pages. Reply: its id; caps[0] = an object
 *   capability. E_INVAL (0 or too many pages, bad flags), E_NOSPACE.
 * OPEN: another object capability for an existing object (another
 *   process maps the same memory). E_NOENT.
 * STATS: an object's counters. E_NOENT.
 * PEEK: 8 bytes of the object as the pager sees them in its own RAM (0 for
 *   a page never touched). E_NOENT, E_INVAL (unaligned or outside). */
#define PAGER_CALLER_CLIENT (1u << 0)
#define PAGER_OPS(X)                                                                   \
    X(PAGER_OP_CREATE, 1, pager_create, pager_create_req, pager_id_rep, PROTO_BUF,      \
      PAGER_CALLER_CLIENT, 0, PROTO_ONCE)                                              \
    X(PAGER_OP_OPEN, 2, pager_open, pager_id_req, pager_id_rep, PROTO_BUF,              \
      PAGER_CALLER_CLIENT, 0, PROTO_ONCE)                                              \
    X(PAGER_OP_STATS, 3, pager_stats, pager_id_req, pager_stats_rep, PROTO_BUF,         \
      PAGER_CALLER_CLIENT, 0, PROTO_IDEMPOTENT)                                        \
    X(PAGER_OP_PEEK, 4, pager_peek, pager_peek_req, pager_peek_rep, PROTO_BUF,          \
      PAGER_CALLER_CLIENT, 0, PROTO_IDEMPOTENT)

enum pager_op { PAGER_OPS(PROTO_ENUM) };
PAGER_OPS(PROTO_ASSERT)
PROTO_OP_NAMES(pager_op_name, PAGER_OPS)
