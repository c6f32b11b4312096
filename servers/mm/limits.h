/*
 * Per-client limits of mm. A client is a space (and, for spaces it forks
 * itself with MM_OP_FORK, the "account": the space control created, whose
 * process they belong to). The counts live in struct mm_limits inside each
 * space (mm.h), so they can move to libsys's shared per-client bookkeeping
 * later without touching the checks. Pure code: host-tested
 * (tests/host/test_mm_limits.c).
 *
 * Two rules per shared table (VMA nodes, file backings, space slots):
 * a hard cap per client, and a fair share: a client already holding more
 * than its fair share takes more only while the table keeps a reserve free
 * for everyone else. So one client (or a few) can never take the last
 * entries that another process needs to fork or map.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <mica/err.h>

/* Defaults (docs/mm.md, "Limits"). */
#define MM_LIMIT_VMA_BYTES (64ull << 30) /* RLIMIT_AS-like: bytes of VMAs per space */
#define MM_LIMIT_VMAS 12288u             /* VMAs per space (the 10,000-VMA benchmark fits) */
#define MM_FAIR_VMAS 256u                /* VMAs any space gets while nodes remain */
#define MM_RESERVE_VMAS 4096u            /* nodes kept for spaces within their fair share */
#define MM_LIMIT_BACKINGS 32u            /* file mappings (backings) a space made */
#define MM_FAIR_BACKINGS 8u
#define MM_RESERVE_BACKINGS 64u
#define MM_LIMIT_ACCOUNT_SPACES 32u      /* spaces of one account (its own MM_OP_FORKs) */
#define MM_FAIR_ACCOUNT_SPACES 4u
#define MM_RESERVE_SPACES 64u
/* Resident memory: the frames a space's own faults and writes allocated,
 * while it maps them (resident.c), at most this share of mm's RAM. */
#define MM_LIMIT_RESIDENT_DIVISOR 2u

struct mm_limits {
    uint64_t vma_bytes;     /* bytes of the space's VMAs now */
    uint64_t max_vma_bytes; /* cap on vma_bytes */
    uint32_t max_vmas;      /* cap on the space's VMA count */
    uint32_t backings;      /* backings this space holds the charge of */
    uint32_t spaces;        /* account roots: spaces of the account, itself included */
    uint32_t _pad0;
    uint64_t resident;      /* pages charged to the space (resident.c) */
    uint64_t max_resident;  /* cap on resident: RAM pages / MM_LIMIT_RESIDENT_DIVISOR */
};

/* The defaults above. */
void limits_init(struct mm_limits *l);

/*
 * Whether a client holding `held` entries may take `want` more from a table
 * with `free` entries left: within `cap`, and beyond `fair` only while
 * `reserve` entries stay free afterwards. E_OK, E_LIMIT (its own cap or
 * fair share), or E_NOMEM (the table is simply full).
 */
err_t limits_may_take(uint64_t held, uint64_t want, uint64_t free, uint64_t cap,
                      uint64_t fair, uint64_t reserve);

/* Whether `bytes` more of VMAs fit the space's cap: E_OK or E_NOMEM. */
err_t limits_may_map(const struct mm_limits *l, uint64_t bytes);
