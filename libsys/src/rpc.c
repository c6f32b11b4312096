/* The client call of every protocol (see sys/rpc.h). */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/rpc.h>

int64_t rpc_call(handle_t ep, uint64_t label, uint32_t transport, const void *req,
                 uint32_t req_len, void *rep, uint32_t rep_max, uint32_t *rep_len,
                 struct rpc_caps *caps)
{
    struct ipc_buffer *b = ipc_buffer();
    struct ipc_msg m = {0};
    uint32_t nsend = caps ? caps->nsend : 0;
    if (nsend > IPC_MAX_CAPS)
        return E_INVAL;
    if (transport == PROTO_REGS ? req_len > IPC_WORDS * 8 : req_len > IPC_BUF_DATA_MAX)
        return E_RANGE;
    for (uint32_t i = 0; i < nsend; i++)
        b->caps[i] = caps->send[i];
    uint32_t buf_len = 0;
    if (transport == PROTO_REGS) {
        memcpy(m.w, req, req_len);
    } else {
        memcpy(b->data, req, req_len);
        buf_len = req_len;
    }
    m.tag = IPC_TAG(0, 0, nsend);
    uint32_t got_max = caps ? caps->got_max : 0;
    b->recv_caps_max = got_max > IPC_MAX_CAPS ? IPC_MAX_CAPS : got_max;
    int64_t r = ipc_request(ep, label, &m, buf_len);
    b->recv_caps_max = 0;
    if (caps) {
        caps->ngot = r == 0 ? (uint32_t)IPC_TAG_NCAPS(m.tag) : 0;
        if (caps->ngot > got_max)
            caps->ngot = got_max;
        for (uint32_t i = 0; i < caps->ngot; i++)
            caps->got[i] = b->caps[i];
    }
    if (r < 0)
        return r;
    uint32_t n;
    if (transport == PROTO_REGS) {
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
    return 0;
}
