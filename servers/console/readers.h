/*
 * The console's waiting reads: one saved reply each, served oldest first,
 * at most CONS_READERS_PER_CLIENT per client badge and CONS_MAX_READERS in
 * all, so one client cannot take every slot. Pure (the reply handles are
 * only numbers here): tests/host/test_console.c.
 */
#pragma once

#include <stdint.h>

#include <mica/caps.h>
#include <mica/err.h>
#include <proto/console.h>

struct cons_reader {
    handle_t reply; /* 0: the slot is free */
    uint64_t badge;
    uint64_t seq;   /* order of arrival */
    uint32_t want;
};

struct cons_readers {
    struct cons_reader slot[CONS_MAX_READERS];
    uint64_t next_seq;
};

/* Room for one more read of this badge: E_OK with *slot, E_LIMIT (its own
 * share is taken) or E_NOSPACE (every slot is taken). */
err_t readers_room(const struct cons_readers *rs, uint64_t badge, int *slot)
    __attribute__((warn_unused_result));

/* Fills slot (from readers_room) with a read that arrived now. */
void readers_add(struct cons_readers *rs, int slot, uint64_t badge, handle_t reply,
                 uint32_t want);

/* The read waiting longest, or NULL. */
struct cons_reader *readers_oldest(struct cons_readers *rs);
