/* The client call of every protocol (see sys/rpc.h). */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/rpc.h>

int64_t rpc_call(handle_t ep, uint64_t label, uint32_t transport, const void *req,
                 uint32_t req_len, void *rep, uint32_t rep_max, uint32_t *rep_len,
                 struct rpc_caps *caps)
{
    return rpc_call_ex(NULL, ep, label, transport, req, req_len, rep, rep_max, rep_len, caps,
                       NULL);
}

int64_t rpc_call_ex(rpc_call_fn call, handle_t ep, uint64_t label, uint32_t transport,
                    const void *req, uint32_t req_len, void *rep, uint32_t rep_max,
                    uint32_t *rep_len, struct rpc_caps *caps, struct rpc_data *data)
{
    struct ipc_buffer *b = ipc_buffer();
    struct ipc_msg m = {0};
    uint32_t nsend = caps ? caps->nsend : 0;
    bool words = transport == PROTO_REGS || transport == PROTO_REGS_DATA;
    if (nsend > IPC_MAX_CAPS)
        return E_INVAL;
    if (words ? req_len > IPC_WORDS * 8 : req_len > IPC_BUF_DATA_MAX)
        return E_RANGE;
    uint32_t buf_len = 0;
    if (transport == PROTO_REGS_DATA && data) {
        if (data->out_len > IPC_BUF_DATA_MAX)
            return E_RANGE;
        buf_len = data->out_len;
        if (buf_len)
            memcpy(b->data, data->out, buf_len);
        data->in_len = 0;
    }
    for (uint32_t i = 0; i < nsend; i++)
        b->caps[i] = caps->send[i];
    if (words) {
        memcpy(m.w, req, req_len);
    } else {
        memcpy(b->data, req, req_len);
        buf_len = req_len;
    }
    m.tag = IPC_TAG(label, buf_len, nsend);
    uint32_t got_max = caps ? caps->got_max : 0;
    /* The caller's receive limit comes back afterwards: a server that
     * set it once for its own requests (mm) calls other servers too. */
    uint32_t recv_caps_max = b->recv_caps_max;
    b->recv_caps_max = got_max > IPC_MAX_CAPS ? IPC_MAX_CAPS : got_max;
    int64_t r = call ? call(ep, &m) : ipc_call(ep, &m);
    b->recv_caps_max = recv_caps_max;
    if (r >= 0) {
        uint64_t status = IPC_TAG_LABEL(m.tag);
        r = status ? (int64_t)(status << 16) >> 16 : 0;
    } else if (transport == PROTO_REGS_DATA) {
        memset(m.w, 0, sizeof m.w); /* the kernel's error: no reply words */
    }
    if (caps) {
        caps->ngot = r == 0 ? (uint32_t)IPC_TAG_NCAPS(m.tag) : 0;
        if (caps->ngot > got_max)
            caps->ngot = got_max;
        for (uint32_t i = 0; i < caps->ngot; i++)
            caps->got[i] = b->caps[i];
    }
    if (r < 0 && transport != PROTO_REGS_DATA)
        return r;
    uint32_t n;
    if (words) {
        n = rep_max > IPC_WORDS * 8 ? IPC_WORDS * 8 : rep_max;
        memcpy(rep, m.w, n);
    } else {
        n = (uint32_t)IPC_TAG_LEN(m.tag);
        if (n > rep_max)
            n = rep_max;
        memcpy(rep, b->data, n);
    }
    memset((uint8_t *)rep + n, 0, rep_max - n); /* a short reply reads as zeros */
    if (rep_len)
        *rep_len = n;
    if (transport == PROTO_REGS_DATA && data && r == 0) {
        uint32_t got = (uint32_t)IPC_TAG_LEN(m.tag);
        if (got > data->in_max)
            got = data->in_max;
        if (got > IPC_BUF_DATA_MAX)
            got = IPC_BUF_DATA_MAX;
        if (got)
            memcpy(data->in, b->data, got);
        data->in_len = got;
    }
    return r;
}
