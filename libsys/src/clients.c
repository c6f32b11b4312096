/* Per-client bookkeeping (see sys/clients.h): a small table searched
 * linearly. Servers have tens of clients, and the search is a few
 * instructions per entry; a request charges or uncharges only when it
 * creates or ends something (open, close), never on read or write. */
#include <stddef.h>

#include <sys/clients.h>

static struct clients_entry *find(const struct clients *c, uint64_t badge)
{
    for (uint32_t i = 0; i < c->capacity; i++)
        if (c->entries[i].used && c->entries[i].badge == badge)
            return &c->entries[i];
    return NULL;
}

/* A new entry for badge with the default limits; NULL when full. */
static struct clients_entry *add(struct clients *c, uint64_t badge)
{
    for (uint32_t i = 0; i < c->capacity; i++) {
        struct clients_entry *e = &c->entries[i];
        if (e->used)
            continue;
        e->used = true;
        e->own_limits = 0;
        e->badge = badge;
        for (uint32_t k = 0; k < CLIENTS_KINDS_MAX; k++) {
            e->held[k] = 0;
            e->limit[k] = k < c->nkinds ? c->default_limit[k] : 0;
        }
        return e;
    }
    return NULL;
}

/* An entry that holds nothing and has no limits of its own goes: the
 * table holds only clients that matter now. */
static void settle(const struct clients *c, struct clients_entry *e)
{
    if (e->own_limits)
        return;
    for (uint32_t k = 0; k < c->nkinds; k++)
        if (e->held[k])
            return;
    e->used = false;
}

void clients_init(struct clients *c, struct clients_entry *storage, uint32_t capacity,
                  uint32_t nkinds, const uint32_t *default_limits)
{
    c->entries = storage;
    c->capacity = capacity;
    c->nkinds = nkinds <= CLIENTS_KINDS_MAX ? nkinds : CLIENTS_KINDS_MAX;
    for (uint32_t k = 0; k < CLIENTS_KINDS_MAX; k++)
        c->default_limit[k] = k < c->nkinds ? default_limits[k] : 0;
    for (uint32_t i = 0; i < capacity; i++)
        storage[i].used = false;
}

err_t clients_charge(struct clients *c, uint64_t badge, uint32_t kind, uint32_t n)
{
    if (kind >= c->nkinds)
        return E_INVAL;
    struct clients_entry *e = find(c, badge);
    uint32_t held = e ? e->held[kind] : 0;
    uint32_t limit = e ? e->limit[kind] : c->default_limit[kind];
    /* Written so it cannot wrap: held <= limit holds before. */
    if (held > limit || n > limit - held)
        return E_LIMIT;
    if (n == 0)
        return E_OK;
    if (!e && !(e = add(c, badge)))
        return E_NOSPACE;
    e->held[kind] += n;
    return E_OK;
}

void clients_uncharge(struct clients *c, uint64_t badge, uint32_t kind, uint32_t n)
{
    struct clients_entry *e = kind < c->nkinds ? find(c, badge) : NULL;
    if (!e)
        return;
    e->held[kind] -= n < e->held[kind] ? n : e->held[kind];
    settle(c, e);
}

uint32_t clients_held(const struct clients *c, uint64_t badge, uint32_t kind)
{
    const struct clients_entry *e = kind < c->nkinds ? find(c, badge) : NULL;
    return e ? e->held[kind] : 0;
}

uint32_t clients_limit(const struct clients *c, uint64_t badge, uint32_t kind)
{
    if (kind >= c->nkinds)
        return 0;
    const struct clients_entry *e = find(c, badge);
    return e ? e->limit[kind] : c->default_limit[kind];
}

err_t clients_set_default(struct clients *c, uint32_t kind, uint32_t limit)
{
    if (kind >= c->nkinds)
        return E_INVAL;
    c->default_limit[kind] = limit;
    /* Clients on the default follow it. */
    for (uint32_t i = 0; i < c->capacity; i++) {
        struct clients_entry *e = &c->entries[i];
        if (e->used && !(e->own_limits & (1u << kind)))
            e->limit[kind] = limit;
    }
    return E_OK;
}

err_t clients_set_limit(struct clients *c, uint64_t badge, uint32_t kind, uint32_t limit)
{
    if (kind >= c->nkinds)
        return E_INVAL;
    struct clients_entry *e = find(c, badge);
    if (!e && !(e = add(c, badge)))
        return E_NOSPACE;
    e->own_limits |= 1u << kind;
    e->limit[kind] = limit;
    return E_OK;
}

uint32_t clients_drop(struct clients *c, uint64_t badge, uint32_t *held_out)
{
    struct clients_entry *e = find(c, badge);
    uint32_t total = 0;
    for (uint32_t k = 0; k < c->nkinds; k++) {
        uint32_t h = e ? e->held[k] : 0;
        if (held_out)
            held_out[k] = h;
        total += h;
    }
    if (e)
        e->used = false;
    return total;
}

uint32_t clients_count(const struct clients *c)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->capacity; i++)
        n += c->entries[i].used;
    return n;
}
