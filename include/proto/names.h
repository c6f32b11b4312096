/*
 * Protocol of names, the name service (docs/writing-a-server.md). Servers
 * register a name with their endpoint; clients look a name up and get an
 * endpoint capability badged for them alone (the badge is the client's own
 * badge at names: its process identity), so a server tells its clients
 * apart. When a registered server's process ends, its names go and every
 * capability handed out for them is revoked: its clients' calls fail
 * (E_DEAD while waiting, E_BADH later) instead of hanging. Requests and
 * replies are the structs below in the IPC buffer; NAMES_OPS at the end
 * is the list of operations (include/proto/proto.h).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <proto/proto.h>

#define NAMES_NAME_MAX 31 /* bytes of a name, NUL excluded: [a-z0-9._-] */
#define NAMES_MAX 64         /* names registered or held, all processes together */
#define NAMES_MAX_WAITERS 64 /* lookups waiting (NAMES_WAIT), all together */
/* Per-process limits (docs/limits.md): names a process registered or
 * holds as an heir, and its lookups waiting; E_LIMIT beyond. Root and
 * proc are not limited. NAMES_MAX_CLIENTS processes at once hold any. */
#define NAMES_CLIENT_NAMES 8
#define NAMES_CLIENT_WAITS 4
#define NAMES_MAX_CLIENTS 64

/* What the name field of every request must hold: 1..NAMES_NAME_MAX
 * bytes of [a-z0-9._-], NUL-terminated inside the field and zero after
 * it. Anything else is E_INVAL. */
static inline bool names_name_valid(const char n[NAMES_NAME_MAX + 1])
{
    unsigned len = 0;
    while (len <= NAMES_NAME_MAX && n[len])
        len++;
    if (len == 0 || len > NAMES_NAME_MAX)
        return false;
    for (unsigned i = 0; i < len; i++) {
        char c = n[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return false;
    }
    for (unsigned i = len; i <= NAMES_NAME_MAX; i++)
        if (n[i])
            return false;
    return true;
}



struct names_stats_rep {
    uint32_t live;     /* names registered */
    uint32_t held;     /* names held for an heir */
    uint32_t waiting;  /* lookups waiting */
    uint32_t clients;  /* processes with something charged */
    uint32_t my_names; /* charged to the caller: registered or held */
    uint32_t my_waits; /* charged to the caller: lookups waiting */
};
_Static_assert(sizeof(struct names_stats_rep) == 24, "names_stats_rep is ABI");

struct names_allow_req {
    char name[NAMES_NAME_MAX + 1];
    uint64_t badge;
};
_Static_assert(sizeof(struct names_allow_req) == 40, "names_allow_req is ABI");

#define NAMES_WAIT 1u

struct names_register_req {
    char name[NAMES_NAME_MAX + 1]; /* NUL-terminated, zero-padded */
};
_Static_assert(sizeof(struct names_register_req) == 32, "names_register_req is ABI");

struct names_lookup_req {
    char name[NAMES_NAME_MAX + 1];
    uint32_t flags; /* NAMES_WAIT */
    uint32_t _pad0; /* zero */
};
_Static_assert(sizeof(struct names_lookup_req) == 40, "names_lookup_req is ABI");

struct names_list_req {
    uint32_t cursor; /* 0 first */
    uint32_t _pad0;
};
_Static_assert(sizeof(struct names_list_req) == 8, "names_list_req is ABI");

struct names_list_rep {
    char name[NAMES_NAME_MAX + 1];
    uint64_t owner;  /* the registering process's badge */
    uint32_t next;   /* cursor of the next entry */
    uint32_t _pad0;
};
_Static_assert(sizeof(struct names_list_rep) == 48, "names_list_rep is ABI");

struct names_drop_req {
    uint64_t badge;
};
_Static_assert(sizeof(struct names_drop_req) == 8, "names_drop_req is ABI");

#define NAMES_PROC_BADGE (1ull << 42)

/* Starting names (done by root). */
#define NAMES_SLOT_SERVICE 2

/* Where a program proc starts finds the name service. */
#define NAMES_SLOT 7

/* Who may send what: the class of a caller comes from its badge. */
#define NAMES_CALLER_ROOT (1u << 0)    /* badge 0 */
#define NAMES_CALLER_PROC (1u << 1)    /* badge NAMES_PROC_BADGE */
#define NAMES_CALLER_PROCESS (1u << 2) /* any other badge: a process */

/*
 * The operations. Every request and reply is in the IPC buffer.
 *
 * REGISTER: req names_register_req; caps[0] = the server's endpoint
 *   (unbadged, with GRANT). Who may (docs/writing-a-server.md, "Who may
 *   register a name"): a reserved name only root or the process proc
 *   allowed; a name held for an heir only that heir; any other name
 *   whoever comes first, who becomes its owner. E_EXIST (registered),
 *   E_PERM (reserved for another, or held for another), E_INVAL (bad
 *   name, no capability), E_LIMIT (the caller has NAMES_CLIENT_NAMES),
 *   E_NOSPACE (the table is full). Not idempotent.
 * LOOKUP: req names_lookup_req. Reply: caps[0] = the endpoint, badged for
 *   the caller. E_NOENT (not registered, or only held; with NAMES_WAIT
 *   the call waits until it is), E_INVAL, E_LIMIT (NAMES_CLIENT_WAITS of
 *   the caller's lookups wait already), E_BUSY (NAMES_MAX_WAITERS wait).
 * UNREGISTER: req names_register_req (no capability): the caller's own
 *   name goes (a name held for the caller too: its claim ends), and with
 *   it the heir's claim. E_NOENT, E_PERM (another process's).
 * LIST: req names_list_req. Reply names_list_rep. E_NOENT after the last.
 * DROP_CLIENT: proc only (E_PERM for others): req names_drop_req: the
 *   process with that badge ended; its names go, their capabilities are
 *   revoked.
 * RESERVE: root only (E_PERM for others): req names_register_req: the
 *   name is reserved: only root, or the process allowed it (ALLOW), may
 *   register it.
 * ALLOW: req names_allow_req. From root or proc: the process with that
 *   badge may register the reserved name; E_NOENT (not reserved),
 *   E_NOSPACE. From a process, for a name it registered: the process with
 *   that badge is its heir: once the owner ends, the name is held for the
 *   heir, who alone may register it (and becomes its owner); badge 0: no
 *   heir (the name is free once the owner ends). A later ALLOW replaces
 *   the heir. E_NOENT (no such name), E_PERM (another's name, or
 *   reserved), E_INVAL (the name is only held: register it first).
 * STATS: reply names_stats_rep (the tables, for tests checking they are
 *   back at their baseline).
 */
#define NAMES_OPS(X)                                                                   \
    X(NAMES_OP_REGISTER, 1, names_register, names_register_req, proto_none, PROTO_BUF,  \
      PROTO_CALLER_ANY, 1, PROTO_ONCE)                                                 \
    X(NAMES_OP_LOOKUP, 2, names_lookup, names_lookup_req, proto_none, PROTO_BUF,        \
      PROTO_CALLER_ANY, 0, PROTO_IDEMPOTENT)                                           \
    X(NAMES_OP_UNREGISTER, 3, names_unregister, names_register_req, proto_none,         \
      PROTO_BUF, PROTO_CALLER_ANY, 0, PROTO_IDEMPOTENT)                                \
    X(NAMES_OP_LIST, 4, names_list, names_list_req, names_list_rep, PROTO_BUF,          \
      PROTO_CALLER_ANY, 0, PROTO_IDEMPOTENT)                                           \
    X(NAMES_OP_DROP_CLIENT, 5, names_drop_client, names_drop_req, proto_none, PROTO_BUF, \
      NAMES_CALLER_PROC, 0, PROTO_IDEMPOTENT)                                          \
    X(NAMES_OP_RESERVE, 6, names_reserve, names_register_req, proto_none, PROTO_BUF,    \
      NAMES_CALLER_ROOT, 0, PROTO_IDEMPOTENT)                                          \
    X(NAMES_OP_ALLOW, 7, names_allow, names_allow_req, proto_none, PROTO_BUF,           \
      PROTO_CALLER_ANY, 0, PROTO_IDEMPOTENT)                                           \
    X(NAMES_OP_STATS, 8, names_stats, proto_none, names_stats_rep, PROTO_BUF,           \
      PROTO_CALLER_ANY, 0, PROTO_IDEMPOTENT)

enum names_op { NAMES_OPS(PROTO_ENUM) };
NAMES_OPS(PROTO_ASSERT)
PROTO_OP_NAMES(names_op_name, NAMES_OPS)
