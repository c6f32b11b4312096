/*
 * Protocol of names, the name service (docs/writing-a-server.md). Servers
 * register a name with their endpoint; clients look a name up and get an
 * endpoint capability badged for them alone (the badge is the client's own
 * badge at names: its process identity), so a server tells its clients
 * apart. When a registered server's process ends, its names go and every
 * capability handed out for them is revoked: its clients' calls fail
 * (E_DEAD while waiting, E_BADH later) instead of hanging. Requests and
 * replies are the structs below in the IPC buffer (sys/server.h).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define NAMES_NAME_MAX 31 /* bytes of a name, NUL excluded: [a-z0-9._-] */
#define NAMES_MAX 32

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

enum names_op {
    /* req: names_register_req; caps[0] = the server's endpoint (unbadged,
     * with GRANT). Errors: E_EXIST (taken), E_PERM (reserved for another),
     * E_INVAL (bad name, no capability), E_NOSPACE. Not idempotent. */
    NAMES_OP_REGISTER = 1,
    /* req: names_lookup_req. Reply: caps[0] = the endpoint, badged for the
     * caller. E_NOENT (not registered; with NAMES_WAIT the call waits until
     * it is), E_INVAL. Idempotent. */
    NAMES_OP_LOOKUP = 2,
    /* req: names_register_req (no capability): the caller's own name goes.
     * E_NOENT, E_PERM (another process's). */
    NAMES_OP_UNREGISTER = 3,
    /* req: names_list_req. Reply: names_list_rep. E_NOENT after the last. */
    NAMES_OP_LIST = 4,
    /* proc only (badge NAMES_PROC_BADGE): req names_drop_req: the process
     * with that badge ended; its names go, their capabilities are revoked. */
    NAMES_OP_DROP_CLIENT = 5,
    /* Root only (badge 0): req names_register_req: the name is reserved:
     * only root, or the process allowed it (ALLOW), may register it.
     * Idempotent. */
    NAMES_OP_RESERVE = 6,
    /* Root or proc (badge 0 or NAMES_PROC_BADGE): req names_allow_req: the
     * process with that badge may register the reserved name. E_NOENT
     * (not reserved), E_NOSPACE. */
    NAMES_OP_ALLOW = 7,
};

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
