/*
 * names: the name service, written with libsys's server framework. A
 * table of (name, endpoint, owner); lookups hand out badged copies of the
 * endpoint (children of names' copy, so revoking it reaches them all);
 * waiting lookups are saved replies answered at registration.
 * Invariant: a name is in the table exactly while its owner lives or until
 * it unregisters.
 */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/server.h>

#include <proto/names.h>

#define MAX_WAITERS 16

static struct entry {
    bool used;
    char name[NAMES_NAME_MAX + 1];
    handle_t ep;     /* names' copy of the server's endpoint */
    uint64_t owner;  /* badge of the registering process */
} table[NAMES_MAX];

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

static struct entry *find(const char *name)
{
    for (int i = 0; i < NAMES_MAX; i++)
        if (table[i].used && strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
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
    const struct reservation *res = names_name_valid(r->name) ? reservation_of(r->name) : NULL;
    bool allowed = !res || badge == 0 || (res->has_owner && res->owner == badge);
    err_t err = !names_name_valid(r->name) ? E_INVAL : !allowed ? E_PERM : find(r->name) ? E_EXIST : E_NOSPACE;
    struct entry *e = NULL;
    for (int i = 0; err == E_NOSPACE && i < NAMES_MAX && !e; i++)
        if (!table[i].used)
            e = &table[i];
    if (!e)
        return err;
    caps->received[0] = 0; /* ours now */
    *e = (struct entry){.used = true, .ep = ep, .owner = badge};
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
    struct entry *e = find(r->name);
    if (!e) {
        if (!(r->flags & NAMES_WAIT))
            return E_NOENT;
        for (int i = 0; i < MAX_WAITERS; i++) {
            if (waiters[i].reply)
                continue;
            int64_t saved = ipc_reply_save();
            if (saved < 0)
                return (err_t)saved;
            waiters[i] = (struct waiter){.reply = (handle_t)saved, .badge = badge};
            memcpy(waiters[i].name, r->name, sizeof waiters[i].name);
            return SRV_DEFER;
        }
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

static void remove_entry(struct entry *e)
{
    sys_printf("names: '%s' gone\n", e->name);
    (void)sys_cap_revoke(e->ep); /* every copy handed out dies with it */
    (void)sys_cap_delete(e->ep);
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
    remove_entry(e);
    return E_OK;
}

static err_t op_list(void *ctx, uint64_t badge, const void *req, uint32_t len, void *rep,
                     uint32_t *rep_len, struct srv_caps *caps)
{
    (void)ctx, (void)badge, (void)len, (void)caps;
    const struct names_list_req *r = req;
    for (uint32_t i = r->cursor; i < NAMES_MAX; i++) {
        if (!table[i].used)
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
    for (int i = 0; i < NAMES_MAX; i++)
        if (table[i].used && table[i].owner == r->badge)
            remove_entry(&table[i]);
    for (int i = 0; i < MAX_WAITERS; i++)
        if (waiters[i].reply && waiters[i].badge == r->badge) {
            (void)sys_cap_delete(waiters[i].reply);
            waiters[i].reply = 0;
        }
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
    if (badge != 0 && badge != NAMES_PROC_BADGE)
        return E_PERM;
    struct reservation *res = names_name_valid(r->name) ? reservation_of(r->name) : NULL;
    if (!res)
        return E_NOENT;
    res->has_owner = true;
    res->owner = r->badge;
    return E_OK;
}

static const struct srv_op ops[] = {
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
    sys_puts("names: name service ready\n");
    srv_run(NAMES_SLOT_SERVICE, ops, sizeof ops / sizeof ops[0], NULL, 1);
}
