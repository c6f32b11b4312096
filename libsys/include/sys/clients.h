/*
 * Per-client bookkeeping for servers: how much of each kind of resource
 * (open files, pipes, names...) each client holds, and its limit per kind,
 * so one client at its limit gets E_LIMIT while the others go on
 * (docs/limits.md). Clients are keyed by the badge the kernel delivers with
 * each request, as srv_run's handlers receive it.
 * Invariant: a client's count of a kind never exceeds its limit of that
 * kind, and an entry is in use exactly while it holds something or has a
 * limit of its own.
 *
 * Pure logic (no system calls, no allocation): the server gives the table
 * its storage, so it builds on the host too (tests/host/test_clients.c).
 *
 *     static struct clients_entry storage[64];
 *     static struct clients cl;
 *     clients_init(&cl, storage, 64, 2, (const uint32_t[]){64, 16});
 *     err_t e = clients_charge(&cl, badge, KIND_FILES, 1); // E_LIMIT at 64
 *     ...
 *     clients_uncharge(&cl, badge, KIND_FILES, 1);
 *     clients_drop(&cl, badge, held); // the client ended
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <mica/err.h>

#define CLIENTS_KINDS_MAX 4
#define CLIENTS_UNLIMITED UINT32_MAX

struct clients_entry {
    bool used;
    uint32_t own_limits;                  /* bit k: limit[k] was set for this client */
    uint64_t badge;
    uint32_t held[CLIENTS_KINDS_MAX];
    uint32_t limit[CLIENTS_KINDS_MAX];
};

struct clients {
    struct clients_entry *entries; /* the server's storage */
    uint32_t capacity;
    uint32_t nkinds;
    uint32_t default_limit[CLIENTS_KINDS_MAX];
};

/* Makes c an empty table over storage[0, capacity), with nkinds kinds
 * (1..CLIENTS_KINDS_MAX) whose limits start at default_limits[]. */
void clients_init(struct clients *c, struct clients_entry *storage, uint32_t capacity,
                  uint32_t nkinds, const uint32_t *default_limits);

/* Charges n of kind to the client. E_LIMIT: it would hold more than its
 * limit (nothing is charged); E_NOSPACE: the table has no entry for a new
 * client; E_INVAL: no such kind. */
__attribute__((warn_unused_result)) err_t clients_charge(struct clients *c, uint64_t badge,
                                                         uint32_t kind, uint32_t n);

/* Gives back n of kind (at most what the client holds; an unknown client
 * or kind is ignored: a charge that was never made is not undone twice). */
void clients_uncharge(struct clients *c, uint64_t badge, uint32_t kind, uint32_t n);

/* How much of kind the client holds (0 for an unknown client). */
uint32_t clients_held(const struct clients *c, uint64_t badge, uint32_t kind);

/* The client's limit of kind (its own, or the default). */
uint32_t clients_limit(const struct clients *c, uint64_t badge, uint32_t kind);

/* Sets the default limit of kind for clients without limits of their own.
 * E_INVAL: no such kind. */
err_t clients_set_default(struct clients *c, uint32_t kind, uint32_t limit);

/* Gives one client a limit of its own (a trusted server, say); a limit
 * below what it holds stops new charges only. E_NOSPACE, E_INVAL. */
__attribute__((warn_unused_result)) err_t clients_set_limit(struct clients *c, uint64_t badge,
                                                            uint32_t kind, uint32_t limit);

/* The client ended: its entry goes. held_out (may be NULL; nkinds
 * entries) receives what it still held, so the server can tell what it
 * failed to give back. Returns the total it held. */
uint32_t clients_drop(struct clients *c, uint64_t badge, uint32_t *held_out);

/* Entries in use (clients holding something or with limits of their own):
 * for tests checking the table is back at its baseline. */
uint32_t clients_count(const struct clients *c);
