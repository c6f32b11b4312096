/* The console's waiting reads (see readers.h). */
#include "readers.h"

#include <stddef.h>

err_t readers_room(const struct cons_readers *rs, uint64_t badge, int *slot)
{
    int mine = 0;
    *slot = -1;
    for (int i = 0; i < CONS_MAX_READERS; i++) {
        if (!rs->slot[i].reply)
            *slot = *slot < 0 ? i : *slot;
        else if (rs->slot[i].badge == badge)
            mine++;
    }
    if (mine >= CONS_READERS_PER_CLIENT)
        return E_LIMIT;
    return *slot < 0 ? E_NOSPACE : E_OK;
}

void readers_add(struct cons_readers *rs, int slot, uint64_t badge, handle_t reply,
                 uint32_t want)
{
    rs->slot[slot] = (struct cons_reader){
        .reply = reply, .badge = badge, .seq = rs->next_seq++, .want = want};
}

struct cons_reader *readers_oldest(struct cons_readers *rs)
{
    struct cons_reader *best = NULL;
    for (int i = 0; i < CONS_MAX_READERS; i++)
        if (rs->slot[i].reply && (!best || rs->slot[i].seq < best->seq))
            best = &rs->slot[i];
    return best;
}
