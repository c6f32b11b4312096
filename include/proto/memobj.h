/*
 * The memory-object protocol: what mm asks of a pager about one object
 * (a file of fat32, an object of the example pager) on an object
 * capability, an endpoint capability whose badge names the object
 * (docs/mm.md, "File mappings"; docs/writing-a-server.md, "A pager of your
 * own"). Every request and reply travels in the register words; the
 * numbers are those the file protocol gave them first (14..17).
 *
 * GET_PAGE: a frame capability for page `index` (caps[0] of the reply:
 *   zero copy, the pager's own page), `bytes` of object data in it (the
 *   rest reads as zeros); writable = 1 asks for a page mm will map
 *   writable. E_RANGE past the last page, E_PERM writable when the
 *   capability does not allow it, E_NOMEM (the pager's memory is full).
 * SYNC: writes the object's dirty pages back (msync, munmap).
 * RELEASE: mm no longer maps the object; the capability is about to be
 *   dropped. After it, the capability names nothing (E_BADH).
 * INFO: the object's size now, and whether this capability may map pages
 *   writable (mm refuses a shared writable mapping otherwise).
 * Every op: E_BADH from a capability that names no live object.
 */
#pragma once

#include <stdint.h>

#include <proto/proto.h>

struct memobj_get_page_req {
    uint64_t index;    /* page index in the object */
    uint64_t writable; /* 1: mm will map it writable */
};
struct memobj_get_page_rep {
    uint64_t bytes;    /* bytes of object data in the page */
};
struct memobj_info_rep {
    uint64_t size;     /* bytes */
    uint64_t writable; /* 1: pages may be mapped writable */
};

#define MEMOBJ_OPS(X)                                                                  \
    X(MEMOBJ_OP_GET_PAGE, 14, memobj_get_page, memobj_get_page_req, memobj_get_page_rep, \
      PROTO_REGS, PROTO_CALLER_OBJECT, 0, PROTO_IDEMPOTENT)                            \
    X(MEMOBJ_OP_SYNC, 15, memobj_sync, proto_none, proto_none, PROTO_REGS,              \
      PROTO_CALLER_OBJECT, 0, PROTO_IDEMPOTENT)                                        \
    X(MEMOBJ_OP_RELEASE, 16, memobj_release, proto_none, proto_none, PROTO_REGS,        \
      PROTO_CALLER_OBJECT, 0, PROTO_ONCE)                                              \
    X(MEMOBJ_OP_INFO, 17, memobj_info, proto_none, memobj_info_rep, PROTO_REGS,         \
      PROTO_CALLER_OBJECT, 0, PROTO_IDEMPOTENT)

enum memobj_op { MEMOBJ_OPS(PROTO_ENUM) };
MEMOBJ_OPS(PROTO_ASSERT)
PROTO_OP_NAMES(memobj_op_name, MEMOBJ_OPS)
