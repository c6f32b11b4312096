/*
 * names: the name service, written with libsys's server framework. A
 * table of (name, endpoint, owner, heir); lookups hand out badged copies
 * of the endpoint (children of names' copy, so revoking it reaches them
 * all); waiting lookups are saved replies answered at registration.
 * Invariant: a name is registered (live) while its owner lives or until it
 * unregisters; a name is held (no endpoint) for the heir its owner named,
 * while that heir lives; every entry and waiting lookup is charged to a
 * process (docs/limits.md).
 */
#include <sys/clients.h>
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/server.h>

#include <proto/names.h>

#define MAX_WAITERS NAMES_MAX_WAITERS

static struct entry {
    bool used;
    bool live;       /* registered: ep serves it; else held for owner */
    char name[NAMES_NAME_MAX + 1];
    handle_t ep;     /* names' copy of the server's endpoint (live only) */
    uint64_t owner;  /* badge of the registering process (held: the heir) */
    uint64_t heir;   /* who may register it once the owner ended; 0: nobody */
} table[NAMES_MAX];

/* Per-process limits: names registered or held, lookups waiting. Root
 * (badge 0) and proc are not charged: the manifest bounds them. */
enum { KIND_NAMES, KIND_WAITS, NKINDS };
static struct clients_entry client_storage[NAMES_MAX_CLIENTS];
static struct clients clients;

static bool charged(uint64_t badge)
{
    return badge != 0 && badge != NAMES_PROC_BADGE;
}

static err_t charge(uint64_t badge, uint32_t kind)
{
    return charged(badge) ? clients_charge(&clients, badge, kind, 1) : E_OK;
}

static void uncharge(uint64_t badge, uint32_t kind)
{
    if (charged(badge))
        clients_uncharge(&clients, badge, kind, 1);
}

/* Names the boot manifest reserved: only root or the allowed owner may
 * register them. */
#define MAX_RESERVED 16
static struct reservation {
    bool used, has_owner;
    char name[NAMES_NAME_MAX + 1];
    uint64_t owner;
} reserved[MAX_RESERVED];

static struct reservation *reservation_of(const char *name)
{
    for (int i = 0; i < MAX_RESERVED; i++)
        if (reserved[i].used && strcmp(reserved[i].name, name) == 0)
            return &reserved[i];
    return NULL;
}

static struct waiter {
    handle_t reply;
    uint64_t badge;
    char name[NAMES_NAME_MAX + 1];
} waiters[MAX_WAITERS];

/* The entry of name, registered or held. */
static struct entry *find(const char *name)
{
    for (int i = 0; i < NAMES_MAX; i++)
        if (table[i].used && strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

static struct entry *find_live(const char *name)
{
    struct entry *e = find(name);
    return e && e->live ? e : NULL;
}

/* A copy of e's endpoint badged for the client `badge`. */
static int64_t mint(const struct entry *e, uint64_t badge)
{
    return sys_cap_copy(e->ep, RIGHT_WRITE | RIGHT_GRANT, badge);
}

NAMES_OPS(SRV_DECLARE)

SRV_HANDLER(names_register)
{
    struct cap_info ci;
    /* (Capabilities left in r->caps are deleted by the framework.) */
    if (r->ncaps != 1 || sys_cap_info(r->caps[0], &ci) < 0 ||
        ci.type != CAP_ENDPOINT || ci.badge != 0)
        return E_INVAL; /* an unbadged endpoint, so we can badge copies */
    handle_t ep = r->caps[0];
    if (!names_name_valid(req->name))
        return E_INVAL;
    const struct reservation *res = reservation_of(req->name);
    if (res && r->badge != 0 && !(res->has_owner && res->owner == r->badge))
        return E_PERM; /* the manifest's: only the process it allows */
    struct entry *e = find(req->name);
    if (e && e->live)
        return E_EXIST;
    if (e && r->badge != 0 && e->owner != r->badge)
        return E_PERM; /* held for the heir its last owner named */
    if (!e) {
        err_t err = charge(r->badge, KIND_NAMES);
        if (err != E_OK)
            return err;
        for (int i = 0; i < NAMES_MAX && !e; i++)
            if (!table[i].used)
                e = &table[i];
        if (!e) {
            uncharge(r->badge, KIND_NAMES);
            return E_NOSPACE;
        }
    } else if (e->owner != r->badge) {
        uncharge(e->owner, KIND_NAMES); /* root takes a held name over */
    }
    /* (A held name taken by its heir stays charged to it.) */
    r->caps[0] = 0; /* ours now */
    *e = (struct entry){.used = true, .live = true, .ep = ep, .owner = r->badge};
    memcpy(e->name, req->name, sizeof e->name);
    sys_printf("names: '%s' registered\n", e->name);
    /* Lookups that waited for this name get it now. */
    for (int i = 0; i < MAX_WAITERS; i++) {
        struct waiter *w = &waiters[i];
        if (!w->reply || strcmp(w->name, e->name) != 0)
            continue;
        int64_t cap = mint(e, w->badge);
        (void)srv_reply_later(w->reply, PROTO_BUF, cap < 0 ? (err_t)cap : E_OK, NULL, 0,
                              cap < 0 ? 0 : (handle_t)cap);
        if (cap >= 0)
            (void)sys_cap_delete((handle_t)cap); /* the client has its own copy */
        w->reply = 0;
        uncharge(w->badge, KIND_WAITS);
    }
    return E_OK;
}

SRV_HANDLER(names_lookup)
{
    if (!names_name_valid(req->name) || (req->flags & ~NAMES_WAIT) || req->_pad0)
        return E_INVAL;
    struct entry *e = find_live(req->name);
    if (!e) {
        if (!(req->flags & NAMES_WAIT))
            return E_NOENT;
        err_t err = charge(r->badge, KIND_WAITS);
        if (err != E_OK)
            return err;
        for (int i = 0; i < MAX_WAITERS; i++) {
            if (waiters[i].reply)
                continue;
            int64_t saved = srv_defer(r);
            if (saved < 0) {
                uncharge(r->badge, KIND_WAITS);
                return (err_t)saved;
            }
            waiters[i] = (struct waiter){.reply = (handle_t)saved, .badge = r->badge};
            memcpy(waiters[i].name, req->name, sizeof waiters[i].name);
            return SRV_DEFER;
        }
        uncharge(r->badge, KIND_WAITS);
        return E_BUSY;
    }
    int64_t cap = mint(e, r->badge);
    if (cap < 0)
        return (err_t)cap;
    r->send[0] = (handle_t)cap;
    r->nsend = 1;
    r->drop_sent = true; /* the client's copy is the one that counts */
    return E_OK;
}

/* The registration ends: every copy handed out dies with names' copy. */
static void unbind(struct entry *e)
{
    sys_printf("names: '%s' gone\n", e->name);
    (void)sys_cap_revoke(e->ep);
    (void)sys_cap_delete(e->ep);
    e->ep = 0;
    e->live = false;
}

/* The entry goes altogether: registered or held, its charge goes back. */
static void remove_entry(struct entry *e)
{
    if (e->live)
        unbind(e);
    uncharge(e->owner, KIND_NAMES);
    e->used = false;
}

SRV_HANDLER(names_unregister)
{
    struct entry *e = names_name_valid(req->name) ? find(req->name) : NULL;
    if (!e)
        return E_NOENT;
    if (e->owner != r->badge)
        return E_PERM;
    remove_entry(e); /* giving a name up gives up its heir's claim too */
    return E_OK;
}

SRV_HANDLER(names_list)
{
    for (uint32_t i = req->cursor; i < NAMES_MAX; i++) {
        if (!table[i].used || !table[i].live)
            continue;
        memcpy(rep->name, table[i].name, sizeof rep->name);
        rep->owner = table[i].owner;
        rep->next = i + 1;
        return E_OK;
    }
    return E_NOENT;
}

SRV_HANDLER(names_drop_client)
{
    for (int i = 0; i < NAMES_MAX; i++) {
        struct entry *e = &table[i];
        if (!e->used || e->owner != req->badge)
            continue;
        /* A registered name its owner named an heir for stays, held for
         * the heir (charged to it now), unless the heir is at its limit;
         * every other name of the process goes. */
        bool to_heir = e->live && e->heir && e->heir != req->badge &&
                       charge(e->heir, KIND_NAMES) == E_OK;
        if (!to_heir) {
            remove_entry(e);
            continue;
        }
        unbind(e);
        uncharge(e->owner, KIND_NAMES);
        e->owner = e->heir;
        e->heir = 0;
    }
    /* Names it was the heir of: nobody else may claim them; they go. */
    for (int i = 0; i < NAMES_MAX; i++)
        if (table[i].used && table[i].live && table[i].heir == req->badge)
            table[i].heir = 0;
    for (int i = 0; i < MAX_WAITERS; i++)
        if (waiters[i].reply && waiters[i].badge == req->badge) {
            (void)sys_cap_delete(waiters[i].reply);
            waiters[i].reply = 0;
        }
    (void)clients_drop(&clients, req->badge, NULL);
    return E_OK;
}

SRV_HANDLER(names_reserve)
{
    if (!names_name_valid(req->name))
        return E_INVAL;
    if (reservation_of(req->name))
        return E_OK;
    for (int i = 0; i < MAX_RESERVED; i++)
        if (!reserved[i].used) {
            reserved[i] = (struct reservation){.used = true};
            memcpy(reserved[i].name, req->name, sizeof reserved[i].name);
            return E_OK;
        }
    return E_NOSPACE;
}

SRV_HANDLER(names_allow)
{
    if (r->badge != 0 && r->badge != NAMES_PROC_BADGE) {
        /* A name's owner names its heir: the process that may register
         * it once the owner ended (0: nobody; the name is then free). */
        struct entry *e = names_name_valid(req->name) ? find(req->name) : NULL;
        if (!e)
            return E_NOENT;
        if (e->owner != r->badge || reservation_of(req->name))
            return E_PERM; /* another's, or the manifest decides who */
        if (req->badge == NAMES_PROC_BADGE)
            return E_INVAL;
        if (!e->live)
            return E_INVAL; /* a held name: register it first */
        e->heir = req->badge;
        return E_OK;
    }
    struct reservation *res = names_name_valid(req->name) ? reservation_of(req->name) : NULL;
    if (!res)
        return E_NOENT;
    res->has_owner = true;
    res->owner = req->badge;
    return E_OK;
}

SRV_HANDLER(names_stats)
{
    for (int i = 0; i < NAMES_MAX; i++) {
        rep->live += table[i].used && table[i].live;
        rep->held += table[i].used && !table[i].live;
    }
    for (int i = 0; i < MAX_WAITERS; i++)
        rep->waiting += waiters[i].reply != 0;
    rep->clients = clients_count(&clients);
    rep->my_names = clients_held(&clients, r->badge, KIND_NAMES);
    rep->my_waits = clients_held(&clients, r->badge, KIND_WAITS);
    return E_OK;
}

static uint32_t classify(struct srv_req *r)
{
    if (r->badge == 0)
        return NAMES_CALLER_ROOT;
    return r->badge == NAMES_PROC_BADGE ? NAMES_CALLER_PROC : NAMES_CALLER_PROCESS;
}

static const struct srv_op ops[] = {NAMES_OPS(SRV_ENTRY)};
static struct srv names = {
    .name = "names", .ops = ops, .nops = SRV_NOPS(ops), .classify = classify};

int main(uintptr_t arg)
{
    (void)arg;
    clients_init(&clients, client_storage, NAMES_MAX_CLIENTS, NKINDS,
                 (const uint32_t[NKINDS]){NAMES_CLIENT_NAMES, NAMES_CLIENT_WAITS});
    sys_puts("names: name service ready\n");
    srv_run(&names, NAMES_SLOT_SERVICE);
}
