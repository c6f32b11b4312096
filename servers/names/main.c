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

static err_t op_register(void *ctx, uint64_t badge, const void *req, uint32_t len, void *rep,
                         uint32_t *rep_len, struct srv_caps *caps)
{
    (void)ctx, (void)len, (void)rep, (void)rep_len;
    const struct names_register_req *r = req;
    struct cap_info ci;
    /* (Capabilities left in caps->received are deleted by the framework.) */
    if (caps->nreceived != 1 || sys_cap_info(caps->received[0], &ci) < 0 ||
        ci.type != CAP_ENDPOINT || ci.badge != 0)
        return E_INVAL; /* an unbadged endpoint, so we can badge copies */
    handle_t ep = caps->received[0];
    if (!names_name_valid(r->name))
        return E_INVAL;
    const struct reservation *res = reservation_of(r->name);
    if (res && badge != 0 && !(res->has_owner && res->owner == badge))
        return E_PERM; /* the manifest's: only the process it allows */
    struct entry *e = find(r->name);
    if (e && e->live)
        return E_EXIST;
    if (e && badge != 0 && e->owner != badge)
        return E_PERM; /* held for the heir its last owner named */
    if (!e) {
        err_t err = charge(badge, KIND_NAMES);
        if (err != E_OK)
            return err;
        for (int i = 0; i < NAMES_MAX && !e; i++)
            if (!table[i].used)
                e = &table[i];
        if (!e) {
            uncharge(badge, KIND_NAMES);
            return E_NOSPACE;
        }
    } else if (e->owner != badge) {
        uncharge(e->owner, KIND_NAMES); /* root takes a held name over */
    }
    /* (A held name taken by its heir stays charged to it.) */
    caps->received[0] = 0; /* ours now */
    *e = (struct entry){.used = true, .live = true, .ep = ep, .owner = badge};
    memcpy(e->name, r->name, sizeof e->name);
    sys_printf("names: '%s' registered\n", e->name);
    /* Lookups that waited for this name get it now. */
    for (int i = 0; i < MAX_WAITERS; i++) {
        struct waiter *w = &waiters[i];
        if (!w->reply || strcmp(w->name, e->name) != 0)
            continue;
        int64_t cap = mint(e, w->badge);
        struct ipc_msg m = {.tag = IPC_TAG(0, 0, cap >= 0 ? 1 : 0)};
        if (cap < 0)
            m.tag = IPC_TAG((uint64_t)cap & 0xffffffffffffull, 0, 0);
        else
            ipc_buffer()->caps[0] = (handle_t)cap;
        (void)ipc_reply_to(w->reply, &m);
        if (cap >= 0)
            (void)sys_cap_delete((handle_t)cap); /* the client has its own copy */
        w->reply = 0;
        uncharge(w->badge, KIND_WAITS);
    }
    return E_OK;
}

static err_t op_lookup(void *ctx, uint64_t badge, const void *req, uint32_t len, void *rep,
                       uint32_t *rep_len, struct srv_caps *caps)
{
    (void)ctx, (void)len, (void)rep, (void)rep_len;
    const struct names_lookup_req *r = req;
    if (!names_name_valid(r->name) || (r->flags & ~NAMES_WAIT) || r->_pad0)
        return E_INVAL;
    struct entry *e = find_live(r->name);
    if (!e) {
        if (!(r->flags & NAMES_WAIT))
            return E_NOENT;
        err_t err = charge(badge, KIND_WAITS);
        if (err != E_OK)
            return err;
        for (int i = 0; i < MAX_WAITERS; i++) {
            if (waiters[i].reply)
                continue;
            int64_t saved = ipc_reply_save();
            if (saved < 0) {
                uncharge(badge, KIND_WAITS);
                return (err_t)saved;
            }
            waiters[i] = (struct waiter){.reply = (handle_t)saved, .badge = badge};
            memcpy(waiters[i].name, r->name, sizeof waiters[i].name);
            return SRV_DEFER;
        }
        uncharge(badge, KIND_WAITS);
        return E_BUSY;
    }
    int64_t cap = mint(e, badge);
    if (cap < 0)
        return (err_t)cap;
    caps->send[0] = (handle_t)cap;
    caps->nsend = 1;
    caps->drop_sent = true; /* the client's copy is the one that counts */
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

static err_t op_unregister(void *ctx, uint64_t badge, const void *req, uint32_t len, void *rep,
                           uint32_t *rep_len, struct srv_caps *caps)
{
    (void)ctx, (void)len, (void)rep, (void)rep_len, (void)caps;
    const struct names_register_req *r = req;
    struct entry *e = names_name_valid(r->name) ? find(r->name) : NULL;
    if (!e)
        return E_NOENT;
    if (e->owner != badge)
        return E_PERM;
    remove_entry(e); /* giving a name up gives up its heir's claim too */
    return E_OK;
}

static err_t op_list(void *ctx, uint64_t badge, const void *req, uint32_t len, void *rep,
                     uint32_t *rep_len, struct srv_caps *caps)
{
    (void)ctx, (void)badge, (void)len, (void)caps;
    const struct names_list_req *r = req;
    for (uint32_t i = r->cursor; i < NAMES_MAX; i++) {
        if (!table[i].used || !table[i].live)
            continue;
        struct names_list_rep *out = rep;
        memset(out, 0, sizeof *out);
        memcpy(out->name, table[i].name, sizeof out->name);
        out->owner = table[i].owner;
        out->next = i + 1;
        *rep_len = sizeof *out;
        return E_OK;
    }
    return E_NOENT;
}

static err_t op_drop(void *ctx, uint64_t badge, const void *req, uint32_t len, void *rep,
                     uint32_t *rep_len, struct srv_caps *caps)
{
    (void)ctx, (void)len, (void)rep, (void)rep_len, (void)caps;
    if (badge != NAMES_PROC_BADGE)
        return E_NOSYS; /* proc's operation */
    const struct names_drop_req *r = req;
    for (int i = 0; i < NAMES_MAX; i++) {
        struct entry *e = &table[i];
        if (!e->used || e->owner != r->badge)
            continue;
        /* A registered name its owner named an heir for stays, held for
         * the heir (charged to it now), unless the heir is at its limit;
         * every other name of the process goes. */
        bool to_heir = e->live && e->heir && e->heir != r->badge &&
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
        if (table[i].used && table[i].live && table[i].heir == r->badge)
            table[i].heir = 0;
    for (int i = 0; i < MAX_WAITERS; i++)
        if (waiters[i].reply && waiters[i].badge == r->badge) {
            (void)sys_cap_delete(waiters[i].reply);
            waiters[i].reply = 0;
        }
    (void)clients_drop(&clients, r->badge, NULL);
    return E_OK;
}

static err_t op_reserve(void *ctx, uint64_t badge, const void *req, uint32_t len, void *rep,
                        uint32_t *rep_len, struct srv_caps *caps)
{
    (void)ctx, (void)len, (void)rep, (void)rep_len, (void)caps;
    const struct names_register_req *r = req;
    if (badge != 0)
        return E_PERM;
    if (!names_name_valid(r->name))
        return E_INVAL;
    if (reservation_of(r->name))
        return E_OK;
    for (int i = 0; i < MAX_RESERVED; i++)
        if (!reserved[i].used) {
            reserved[i] = (struct reservation){.used = true};
            memcpy(reserved[i].name, r->name, sizeof reserved[i].name);
            return E_OK;
        }
    return E_NOSPACE;
}

static err_t op_allow(void *ctx, uint64_t badge, const void *req, uint32_t len, void *rep,
                      uint32_t *rep_len, struct srv_caps *caps)
{
    (void)ctx, (void)len, (void)rep, (void)rep_len, (void)caps;
    const struct names_allow_req *r = req;
    if (badge != 0 && badge != NAMES_PROC_BADGE) {
        /* A name's owner names its heir: the process that may register
         * it once the owner ended (0: nobody; the name is then free). */
        struct entry *e = names_name_valid(r->name) ? find(r->name) : NULL;
        if (!e)
            return E_NOENT;
        if (e->owner != badge || reservation_of(r->name))
            return E_PERM; /* another's, or the manifest decides who */
        if (r->badge == NAMES_PROC_BADGE)
            return E_INVAL;
        if (!e->live)
            return E_INVAL; /* a held name: register it first */
        e->heir = r->badge;
        return E_OK;
    }
    struct reservation *res = names_name_valid(r->name) ? reservation_of(r->name) : NULL;
    if (!res)
        return E_NOENT;
    res->has_owner = true;
    res->owner = r->badge;
    return E_OK;
}

static err_t op_stats(void *ctx, uint64_t badge, const void *req, uint32_t len, void *rep,
                      uint32_t *rep_len, struct srv_caps *caps)
{
    (void)ctx, (void)req, (void)len, (void)caps;
    struct names_stats_rep *out = rep;
    memset(out, 0, sizeof *out);
    for (int i = 0; i < NAMES_MAX; i++) {
        out->live += table[i].used && table[i].live;
        out->held += table[i].used && !table[i].live;
    }
    for (int i = 0; i < MAX_WAITERS; i++)
        out->waiting += waiters[i].reply != 0;
    out->clients = clients_count(&clients);
    out->my_names = clients_held(&clients, badge, KIND_NAMES);
    out->my_waits = clients_held(&clients, badge, KIND_WAITS);
    *rep_len = sizeof *out;
    return E_OK;
}

static const struct srv_op ops[] = {
    {NAMES_OP_STATS, 0, op_stats, "stats"},
    {NAMES_OP_RESERVE, sizeof(struct names_register_req), op_reserve, "reserve"},
    {NAMES_OP_ALLOW, sizeof(struct names_allow_req), op_allow, "allow"},
    {NAMES_OP_REGISTER, sizeof(struct names_register_req), op_register, "register"},
    {NAMES_OP_LOOKUP, sizeof(struct names_lookup_req), op_lookup, "lookup"},
    {NAMES_OP_UNREGISTER, sizeof(struct names_register_req), op_unregister, "unregister"},
    {NAMES_OP_LIST, sizeof(struct names_list_req), op_list, "list"},
    {NAMES_OP_DROP_CLIENT, sizeof(struct names_drop_req), op_drop, "drop"},
};

int main(uintptr_t arg)
{
    (void)arg;
    clients_init(&clients, client_storage, NAMES_MAX_CLIENTS, NKINDS,
                 (const uint32_t[NKINDS]){NAMES_CLIENT_NAMES, NAMES_CLIENT_WAITS});
    sys_puts("names: name service ready\n");
    srv_run(NAMES_SLOT_SERVICE, ops, sizeof ops / sizeof ops[0], NULL, 1);
}
