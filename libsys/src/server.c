/* The server framework (see sys/server.h). */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/server.h>

static void reply_status(struct ipc_msg *m, err_t err)
{
    m->tag = IPC_TAG((uint64_t)(int64_t)err & 0xffffffffffffull, 0, 0);
}

void srv_run(handle_t ep, const struct srv_op *ops, uint32_t nops, void *ctx, uint32_t caps_max)
{
    static uint8_t req[IPC_BUF_DATA_MAX], rep[IPC_BUF_DATA_MAX];
    struct ipc_buffer *b = ipc_buffer();
    struct ipc_msg m;
    b->recv_caps_max = caps_max > IPC_MAX_CAPS ? IPC_MAX_CAPS : caps_max;
    int64_t badge = ipc_recv(ep, &m);
    handle_t drop[IPC_MAX_CAPS];
    uint32_t ndrop = 0;
    static struct srv_caps caps;
    for (;;) {
        bool answer = true;
        const struct srv_op *op = NULL;
        for (uint32_t i = 0; i < nops && !op; i++)
            if (ops[i].label == IPC_TAG_LABEL(m.tag))
                op = &ops[i];
        uint32_t len = (uint32_t)IPC_TAG_LEN(m.tag);
        /* Field by field, not a zeroed struct: this is every request's path. */
        caps.label = IPC_TAG_LABEL(m.tag);
        caps.nreceived = (uint32_t)IPC_TAG_NCAPS(m.tag);
        caps.nsend = 0;
        caps.drop_sent = false;
        for (uint32_t i = 0; i < IPC_WORDS; i++) {
            caps.w[i] = m.w[i];
            caps.rw[i] = 0;
        }
        for (uint32_t i = 0; i < caps.nreceived && i < IPC_MAX_CAPS; i++)
            caps.received[i] = b->caps[i];
        if (badge < 0 || !op) {
            reply_status(&m, badge < 0 ? E_INVAL : E_NOSYS);
        } else if ((m.tag & IPC_TAG_TRUNCATED) || len > IPC_BUF_DATA_MAX ||
                   (op->req_len != SRV_ANY_LEN && len != op->req_len)) {
            reply_status(&m, E_INVAL); /* the table checks sizes, not each handler */
        } else {
            /* The request is copied out: the handler may make calls of its own. */
            memcpy(req, b->data, len);
            uint32_t rep_len = 0;
            err_t err = op->handler(ctx, (uint64_t)badge, req, len, rep, &rep_len, &caps);
            if (err == SRV_DEFER) {
                answer = false;
            } else if (err != E_OK) {
                reply_status(&m, err);
            } else {
                if (rep_len > IPC_BUF_DATA_MAX)
                    rep_len = IPC_BUF_DATA_MAX;
                memcpy(b->data, rep, rep_len);
                uint32_t n = caps.nsend > IPC_MAX_CAPS ? IPC_MAX_CAPS : caps.nsend;
                for (uint32_t i = 0; i < n; i++) {
                    b->caps[i] = caps.send[i];
                    if (caps.drop_sent)
                        drop[ndrop++] = caps.send[i];
                }
                m.tag = IPC_TAG(0, rep_len, n);
                for (uint32_t i = 0; i < IPC_WORDS; i++)
                    m.w[i] = caps.rw[i];
            }
        }
        /* Capabilities the request brought and the handler did not take
         * (it zeroes the entries it keeps) are deleted: otherwise every
         * request carrying one, to any operation, would leave it in our
         * table until the table is full. */
        for (uint32_t i = 0; badge >= 0 && i < caps.nreceived && i < IPC_MAX_CAPS; i++)
            if (caps.received[i])
                (void)sys_cap_delete(caps.received[i]);
        b->recv_caps_max = caps_max > IPC_MAX_CAPS ? IPC_MAX_CAPS : caps_max;
        badge = answer ? ipc_reply_recv(ep, &m) : ipc_recv(ep, &m);
        /* The reply went out with copies of these: ours can go. (The next
         * request is in the buffer; deleting touches only our table.) */
        for (uint32_t i = 0; i < ndrop; i++)
            (void)sys_cap_delete(drop[i]);
        ndrop = 0;
    }
}

int64_t srv_reply_later(handle_t reply, err_t status, const void *rep, uint32_t rep_len)
{
    struct ipc_msg m = {0};
    if (status != E_OK) {
        reply_status(&m, status);
    } else {
        if (rep_len > IPC_BUF_DATA_MAX)
            rep_len = IPC_BUF_DATA_MAX;
        memcpy(ipc_buffer()->data, rep, rep_len);
        m.tag = IPC_TAG(0, rep_len, 0);
    }
    return ipc_reply_to(reply, &m);
}

int64_t srv_call(handle_t ep, uint64_t op, const void *req, uint32_t req_len, handle_t cap,
                 void *rep, uint32_t rep_max, uint32_t *rep_len, handle_t *got_cap)
{
    struct ipc_buffer *b = ipc_buffer();
    if (req_len > IPC_BUF_DATA_MAX)
        return E_RANGE;
    memcpy(b->data, req, req_len);
    struct ipc_msg m = {.tag = IPC_TAG(0, 0, cap ? 1 : 0)};
    if (cap)
        b->caps[0] = cap;
    b->recv_caps_max = got_cap ? 1 : 0;
    int64_t r = ipc_request(ep, op, &m, req_len);
    b->recv_caps_max = 0;
    if (got_cap)
        *got_cap = r == 0 && IPC_TAG_NCAPS(m.tag) >= 1 ? b->caps[0] : 0;
    if (r < 0)
        return r;
    uint32_t n = (uint32_t)IPC_TAG_LEN(m.tag);
    if (n > rep_max)
        n = rep_max;
    if (rep)
        memcpy(rep, b->data, n);
    if (rep_len)
        *rep_len = n;
    return 0;
}
