/*
 * How a protocol is defined (docs/protocols.md). Each server's protocol is
 * one X-macro list in include/proto/<server>.h, one line per operation:
 *
 *     X(ENUM, number, name, req, rep, transport, callers, caps_in, flags)
 *
 *   ENUM       the op constant, e.g. KV_OP_GET (the label on the wire)
 *   number     its value: appended, never reused or renumbered
 *   name       lower-case name: struct names, stubs (name_call), handlers
 *              (on_name) and reports are made from it
 *   req, rep   the request and reply struct tags (struct proto_none: none)
 *   transport  PROTO_REGS: both structs travel in the eight register words
 *              (at most 64 bytes each; the fast way); PROTO_BUF: in the
 *              IPC buffer, the request exactly sizeof(struct req);
 *              PROTO_BUF_VAR: in the buffer, the request up to its size
 *              (a variable tail, such as a name or file data);
 *              PROTO_REGS_DATA: both structs in the register words, as
 *              PROTO_REGS, and beside them a byte string each way in the
 *              IPC buffer (a path, file contents), up to IPC_BUF_DATA_MAX
 *              bytes: for ops whose fixed fields and bulk bytes would
 *              not fit one buffer together (fs WRITE: a handle, an
 *              offset and a full buffer of data)
 *   callers    the caller classes that may send it (a mask of the
 *              protocol's <SRV>_CALLER_* bits, decided from the badge by
 *              the server; PROTO_CALLER_ANY: everyone)
 *   caps_in    the most capabilities the request may carry (0..4)
 *   flags      PROTO_IDEMPOTENT (a retry after a server restart is safe)
 *              or PROTO_ONCE; | PROTO_BULK for a buffer op carrying bulk
 *              data (pipe and console I/O): the server's framework leaves
 *              a PROTO_BUF_VAR request's unused tail and the reply past
 *              the handler's rep_len unzeroed (the handler reads only
 *              req_len bytes and sets rep_len), so a 1-byte transfer does
 *              not pay for clearing a kilobyte
 *
 * From that one list come: the op enum (PROTO_ENUM), size asserts
 * (PROTO_ASSERT), op names (PROTO_OP_NAMES), client stubs (libsys's RPC_STUB in sys/rpc.h), the
 * server's handler prototypes and dispatch table (SRV_DECLARE and
 * SRV_ENTRY in sys/server.h) and op names for reports. The comment above
 * each line says what the op does, its fields and its errors.
 *
 * Host and target both build this: fixed-width types only.
 */
#pragma once

#include <stdint.h>

#include <mica/ipc.h>

#define PROTO_REGS 0
#define PROTO_BUF 1
#define PROTO_BUF_VAR 2
#define PROTO_REGS_DATA 3

#define PROTO_ONCE 0u
#define PROTO_IDEMPOTENT 1u
#define PROTO_BULK 2u

#define PROTO_CALLER_ANY 0xffffffffu
/* The class every server that hands out object capabilities gives a
 * badge naming one of its objects (include/proto/memobj.h). */
#define PROTO_CALLER_OBJECT (1u << 31)

/* The request or reply of an operation that carries none (GNU C: size 0). */
struct proto_none {
};
_Static_assert(sizeof(struct proto_none) == 0, "proto_none is empty");

/* Expanders for a protocol's list. */
#define PROTO_ENUM(ENUM, number, ...) ENUM = (number),

#define PROTO_ASSERT(ENUM, number, name, req, rep, transport, ...)                     \
    _Static_assert(((transport) != PROTO_REGS && (transport) != PROTO_REGS_DATA) ||     \
                       (sizeof(struct req) <= IPC_WORDS * 8 &&                          \
                        sizeof(struct rep) <= IPC_WORDS * 8),                           \
                   #name ": a register operation fits the eight words");                \
    _Static_assert(sizeof(struct req) <= IPC_BUF_DATA_MAX &&                            \
                       sizeof(struct rep) <= IPC_BUF_DATA_MAX,                          \
                   #name ": fits the IPC buffer");                                      \
    _Static_assert(sizeof(struct req) % 8 == 0 || (transport) == PROTO_BUF_VAR,         \
                   #name ": request padded to whole words");

#define PROTO_NAME_CASE(ENUM, number, name, ...) \
    case (number):                              \
        return #name;

/* fn(label): the op's name, for traces and reports ("?" if none). Being
 * a switch, it also makes a number used twice in a list a compile error. */
#define PROTO_OP_NAMES(fn, LIST)                          \
    static inline const char *fn(uint64_t label)          \
    {                                                     \
        switch (label) {                                  \
            LIST(PROTO_NAME_CASE)                         \
        default:                                          \
            return "?";                                   \
        }                                                 \
    }
