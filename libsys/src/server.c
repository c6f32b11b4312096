/*
 * The server framework (see sys/server.h): one receive loop and one
 * dispatch for every server. The table, not the handlers, checks who may
 * send an op, its length and its capabilities; a handler sees only a
 * request that passed.
 */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/server.h>

/* Builds the label index and the receive limit once. */
static void srv_ready(struct srv *s)
{
    uint32_t caps_max = 0;
    for (uint32_t i = 0; i < s->nops; i++) {
        const struct srv_op *op = &s->ops[i];
        /* Two lists in one table (a protocol and memobj's, say) must not
         * share a number: the second op would never be reached. */
        for (uint32_t j = 0; j < i; j++)
            if (s->ops[j].label == op->label) {
                sys_printf("%s: ops %s and %s share label %lu\n", s->name, s->ops[j].name,
                           op->name, (unsigned long)op->label);
                sys_exit(127);
            }
        if (op->label < SRV_INDEX_MAX)
            s->index[op->label] = (uint8_t)(i + 1);
        uint64_t k = op->label - IPC_LABEL_FAULT_VM;
        if (k < SRV_KERNEL_LABELS && !s->kindex[k])
            s->kindex[k] = (uint8_t)(i + 1);
        if (op->caps_in > caps_max)
            caps_max = op->caps_in;
    }
    if (s->recv_caps)
        caps_max = s->recv_caps;
    s->caps_max = caps_max > IPC_MAX_CAPS ? IPC_MAX_CAPS : caps_max;
    if (!s->denied)
        s->denied = E_PERM;
    s->ready = true;
}

static const struct srv_op *srv_find(const struct srv *s, uint64_t label)
{
    if (label < SRV_INDEX_MAX) {
        uint32_t i = s->index[label];
        return i ? &s->ops[i - 1] : NULL;
    }
    if (label - IPC_LABEL_FAULT_VM < SRV_KERNEL_LABELS) {
        uint32_t i = s->kindex[label - IPC_LABEL_FAULT_VM];
        return i ? &s->ops[i - 1] : NULL;
    }
    /* Large op numbers: few, scanned. */
    for (uint32_t i = 0; i < s->nops; i++)
        if (s->ops[i].label == label)
            return &s->ops[i];
    return NULL;
}

void srv_prepare_recv(struct srv *s)
{
    if (!s->ready)
        srv_ready(s);
    ipc_buffer()->recv_caps_max = s->caps_max;
}

/* Checks everything the table says about a request before a handler runs. */
/* The caller's classes (classify also sets r->client, which handlers may
 * want even for an op anyone may send) must meet the op's. */
static inline err_t srv_caller_admitted(const struct srv *s, const struct srv_op *op,
                                        struct srv_req *r)
{
    if (!s->classify)
        return E_OK; /* every caller is in every class */
    uint32_t classes = s->classify(r);
    return op->callers == PROTO_CALLER_ANY || (classes & op->callers) ? E_OK : s->denied;
}

static err_t srv_admit(struct srv *s, const struct srv_op *op, struct srv_req *r,
                       const struct ipc_msg *m)
{
    if (!op)
        return E_NOSYS;
    err_t err = srv_caller_admitted(s, op, r);
    if (err != E_OK)
        return err;
    if (m->tag & IPC_TAG_TRUNCATED)
        return E_INVAL;
    /* Capabilities beyond what the op takes are not the handler's: it
     * sees caps_in at most, and the rest are deleted after it (a stray
     * capability is dropped, not an error: clients may send one more than
     * a server wants, as before the tables said how many). */
    if (r->ncaps > op->caps_in) {
        for (uint32_t i = op->caps_in; i < r->ncaps; i++)
            (void)sys_cap_delete(r->caps[i]);
        r->ncaps = op->caps_in;
    }
    uint32_t len = (uint32_t)IPC_TAG_LEN(m->tag);
    if (op->transport == PROTO_REGS)
        return len == 0 ? E_OK : E_INVAL;
    if (op->transport == PROTO_REGS_DATA)
        return E_OK; /* any bytes the kernel carried (IPC_BUF_DATA_MAX at most) */
    if (op->transport == PROTO_BUF_VAR ? len > op->req_len : len != op->req_len)
        return E_INVAL; /* the table checks sizes, not each handler */
    return E_OK;
}

/* Runs op's handler; in CONFIG_SRV_CHECKS builds, then the server's
 * invariant check, which stops the server with a report if it fails. */
static err_t srv_handle(struct srv *s, const struct srv_op *op, struct srv_req *r)
{
    err_t err = op->handler(r);
#if CONFIG_SRV_CHECKS
    if (s->check && !s->check(s->state)) {
        sys_printf("%s: invariant broken after %s\n", s->name, op->name);
        sys_exit(127);
    }
#else
    (void)s;
#endif
    return err;
}

/* The register path: an op of PROTO_REGS with no buffer data, no
 * capabilities and nothing truncated (every page fault, most of mm's and
 * the memory-object ops). It admits and replies as srv_dispatch does, with
 * only what such a request needs; anything else takes the general path. */
static bool srv_dispatch_regs(struct srv *s, int64_t badge, struct ipc_msg *m,
                              const struct srv_op *op)
{
    struct srv_req r;
    uint64_t out[IPC_WORDS] = {0};
    r.srv = s;
    r.state = s->state;
    r.client = NULL;
    r.badge = (uint64_t)badge;
    r.label = op->label;
    r.reply_label = 0;
    r.ncaps = 0;
    r.nsend = 0;
    r.drop_sent = false;
    err_t err = srv_caller_admitted(s, op, &r);
    if (err == E_OK) {
        r.req = m->w;
        r.rep = out;
        r.req_len = op->req_len;
        r.rep_len = op->rep_len;
        err = srv_handle(s, op, &r);
    }
    if (err == SRV_DEFER)
        return false;
    if (err != E_OK) {
        m->tag = IPC_TAG(srv_err_label(err), 0, 0);
        return true;
    }
    uint32_t n = r.nsend > IPC_MAX_CAPS ? IPC_MAX_CAPS : r.nsend;
    if (n) {
        struct ipc_buffer *b = ipc_buffer();
        for (uint32_t i = 0; i < n; i++)
            b->caps[i] = r.send[i];
        s->ndrop = r.drop_sent ? n : 0;
        for (uint32_t i = 0; i < s->ndrop; i++)
            s->drop[i] = r.send[i];
    }
    for (uint32_t i = 0; i < IPC_WORDS; i++)
        m->w[i] = out[i];
    m->tag = IPC_TAG(r.reply_label, 0, n);
    return true;
}

bool srv_dispatch(struct srv *s, int64_t badge, struct ipc_msg *m)
{
    if (badge >= 0 && s->ready && (m->tag & 0xffff) == 0) {
        const struct srv_op *op = srv_find(s, IPC_TAG_LABEL(m->tag));
        if (op && op->transport == PROTO_REGS)
            return srv_dispatch_regs(s, badge, m, op);
    }
    struct ipc_buffer *b = ipc_buffer();
    if (!s->ready)
        srv_ready(s);
    struct srv_req r;
    r.srv = s;
    r.state = s->state;
    r.client = NULL;
    r.badge = (uint64_t)badge;
    r.label = IPC_TAG_LABEL(m->tag);
    r.reply_label = 0;
    r.nsend = 0;
    r.drop_sent = false;
    r.ncaps = (uint32_t)IPC_TAG_NCAPS(m->tag);
    if (r.ncaps > IPC_MAX_CAPS)
        r.ncaps = IPC_MAX_CAPS;
    for (uint32_t i = 0; i < r.ncaps; i++)
        r.caps[i] = b->caps[i];

    const struct srv_op *op = badge < 0 ? NULL : srv_find(s, r.label);
    err_t err = badge < 0 ? E_INVAL : srv_admit(s, op, &r, m);
    bool words = op && (op->transport == PROTO_REGS || op->transport == PROTO_REGS_DATA);
    bool data = op && op->transport == PROTO_REGS_DATA;
    bool ran = err == E_OK;
    if (err == E_OK) {
        r.req_len = words ? op->req_len : (uint32_t)IPC_TAG_LEN(m->tag);
        r.rep_len = op->rep_len;
        if (words) {
            /* Every register request's path (a page fault's among them):
             * the handler reads the received words where they are (m is
             * ours until the reply) and writes a zeroed reply. */
            for (uint32_t i = 0; i < IPC_WORDS; i++)
                s->words_out[i] = 0;
            r.req = m->w;
            r.rep = s->words_out;
            if (data) {
                r.data = b->data;
                r.data_len = (uint32_t)IPC_TAG_LEN(m->tag);
                r.rep_data = b->data;
                r.rep_data_len = 0;
            }
        } else {
            /* Copied out: the handler may make calls of its own, which
             * reuse the IPC buffer. The unused tail reads as zero (but
             * for PROTO_BULK ops: see proto.h). */
            memcpy(s->buf_in, b->data, r.req_len);
            if (!(op->flags & PROTO_BULK)) {
                memset(s->buf_in + r.req_len, 0, op->req_len - r.req_len);
                memset(s->buf_out, 0, op->rep_len);
            }
            r.req = s->buf_in;
            r.rep = s->buf_out;
        }
        err = srv_handle(s, op, &r);
    }

    /* Capabilities the request brought and the handler did not keep are
     * deleted: otherwise every request carrying one, to any op, would
     * leave it in our table until the table is full. */
    for (uint32_t i = 0; badge >= 0 && i < r.ncaps; i++)
        if (r.caps[i])
            (void)sys_cap_delete(r.caps[i]);

    if (err == SRV_DEFER)
        return false;
    m->tag = IPC_TAG(srv_err_label(err), 0, 0);
    if (err != E_OK) {
        for (uint32_t i = 0; data && ran && i < IPC_WORDS; i++)
            m->w[i] = s->words_out[i];
        return true;
    }
    uint32_t n = r.nsend > IPC_MAX_CAPS ? IPC_MAX_CAPS : r.nsend;
    for (uint32_t i = 0; i < n; i++)
        b->caps[i] = r.send[i];
    s->ndrop = r.drop_sent ? n : 0;
    for (uint32_t i = 0; i < s->ndrop; i++)
        s->drop[i] = r.send[i];
    if (words) {
        for (uint32_t i = 0; i < IPC_WORDS; i++)
            m->w[i] = s->words_out[i];
        uint32_t len = data && r.rep_data_len <= IPC_BUF_DATA_MAX ? r.rep_data_len : 0;
        m->tag = IPC_TAG(r.reply_label, len, n);
    } else {
        uint32_t len = r.rep_len > op->rep_len ? op->rep_len : r.rep_len;
        memcpy(b->data, s->buf_out, len);
        m->tag = IPC_TAG(r.reply_label, len, n);
    }
    return true;
}

void srv_after_reply(struct srv *s)
{
    /* The reply went out with copies of these: ours can go. (The next
     * request is in the buffer; deleting touches only our table.) */
    for (uint32_t i = 0; i < s->ndrop; i++)
        (void)sys_cap_delete(s->drop[i]);
    s->ndrop = 0;
}

void srv_run(struct srv *s, handle_t ep)
{
    struct ipc_msg m;
    srv_prepare_recv(s);
    int64_t badge = ipc_recv(ep, &m);
    for (;;) {
        bool answer = srv_dispatch(s, badge, &m);
        srv_prepare_recv(s);
        badge = answer ? ipc_reply_recv(ep, &m) : ipc_recv(ep, &m);
        srv_after_reply(s);
    }
}

int64_t srv_defer(struct srv_req *r)
{
    (void)r;
    return ipc_reply_save();
}

int64_t srv_reply_later(handle_t reply, uint32_t transport, err_t status, const void *rep,
                        uint32_t rep_len, handle_t cap)
{
    struct ipc_msg m = {0};
    struct ipc_buffer *b = ipc_buffer();
    if (status != E_OK) {
        m.tag = IPC_TAG(srv_err_label(status), 0, 0);
        return ipc_reply_to(reply, &m);
    }
    uint32_t ncaps = cap ? 1 : 0;
    if (cap)
        b->caps[0] = cap;
    if (transport == PROTO_REGS || transport == PROTO_REGS_DATA) {
        if (rep_len > IPC_WORDS * 8)
            rep_len = IPC_WORDS * 8;
        memcpy(m.w, rep, rep_len);
        m.tag = IPC_TAG(0, 0, ncaps);
    } else {
        if (rep_len > IPC_BUF_DATA_MAX)
            rep_len = IPC_BUF_DATA_MAX;
        memcpy(b->data, rep, rep_len);
        m.tag = IPC_TAG(0, rep_len, ncaps);
    }
    return ipc_reply_to(reply, &m);
}

err_t srv_charge(struct srv_req *r, uint32_t kind, uint32_t n)
{
    if (!r->srv->clients)
        return E_OK;
    return clients_charge(r->srv->clients, r->badge, kind, n);
}

void srv_uncharge(struct srv_req *r, uint32_t kind, uint32_t n)
{
    if (r->srv->clients)
        clients_uncharge(r->srv->clients, r->badge, kind, n);
}
