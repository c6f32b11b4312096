/*
 * The client side of every protocol (docs/protocols.md): one call that
 * sends a request struct in the register words or the IPC buffer, as the
 * op's definition says, and the typed stubs each protocol's list makes
 * from it:
 *
 *     KV_OPS(RPC_STUB)   // kv_put_call(ep, &req, &rep, caps), ...
 *
 * A stub returns 0 (rep filled) or an err_t: the server's, or the
 * kernel's (E_DEAD: the server is gone). Only libsys's <srv>_client.c
 * files and tests that forge messages on purpose build requests by hand.
 */
#pragma once

#include <stdint.h>

#include <mica/caps.h>
#include <mica/ipc.h>
#include <proto/proto.h>

/* Capabilities of one call: send[0, nsend) go with the request; up to
 * got_max the reply brings land in got[0, ngot). */
struct rpc_caps {
    uint32_t nsend;
    handle_t send[IPC_MAX_CAPS];
    uint32_t got_max;
    uint32_t ngot;
    handle_t got[IPC_MAX_CAPS];
};

/* Bytes of a PROTO_REGS_DATA call: out[0, out_len) go with the request;
 * up to in_max bytes of the reply's land in in (in_len: how many). */
struct rpc_data {
    const void *out;
    uint32_t out_len;
    void *in;
    uint32_t in_max;
    uint32_t in_len;
};

struct ipc_msg;

/* How a call reaches the server: ipc_call, or a caller's own (mm bounds
 * its calls to pagers with a watchdog). Returns what ipc_call would. */
typedef int64_t (*rpc_call_fn)(handle_t ep, struct ipc_msg *m);

/* Sends label with req (req_len bytes) by transport and waits; copies at
 * most rep_max bytes of the reply to rep (*rep_len, may be NULL: how
 * many). caps may be NULL. */
int64_t rpc_call(handle_t ep, uint64_t label, uint32_t transport, const void *req,
                 uint32_t req_len, void *rep, uint32_t rep_max, uint32_t *rep_len,
                 struct rpc_caps *caps);
/* rpc_call through call (NULL: ipc_call), with data (may be NULL) for a
 * PROTO_REGS_DATA op. A PROTO_REGS_DATA reply's words are copied to rep
 * on the server's errors too (what it did before failing); on the
 * kernel's (E_DEAD...) rep reads as zeros. */
int64_t rpc_call_ex(rpc_call_fn call, handle_t ep, uint64_t label, uint32_t transport,
                    const void *req, uint32_t req_len, void *rep, uint32_t rep_max,
                    uint32_t *rep_len, struct rpc_caps *caps, struct rpc_data *data);

/* Expander: name_call(ep, req, rep, caps), name_call_len(ep, req,
 * req_len, rep, rep_len, caps) for variable-length requests and replies,
 * name_call_ex(call, ep, req, rep, caps, data) for PROTO_REGS_DATA bytes
 * or a call of the caller's own (rpc_call_ex), and name_call_into(ep, req,
 * req_len, rep, rep_max, rep_len, caps), which puts the reply in a buffer
 * of the caller's of rep_max bytes instead of a whole reply struct (bulk
 * data: a 1-byte read does not clear a kilobyte; the bytes from *rep_len
 * to rep_max read as zero as with the others). */
#define RPC_STUB(ENUM, number, name, req_t, rep_t, transport, ...)                      \
    static inline int64_t name##_call(handle_t ep, const struct req_t *req,           \
                                      struct rep_t *rep, struct rpc_caps *caps)       \
    {                                                                                  \
        return rpc_call(ep, (number), (transport), req, sizeof(struct req_t), rep,     \
                        sizeof(struct rep_t), 0, caps);                                \
    }                                                                                  \
    static inline int64_t name##_call_len(handle_t ep, const struct req_t *req,       \
                                          uint32_t req_len, struct rep_t *rep,        \
                                          uint32_t *rep_len, struct rpc_caps *caps)   \
    {                                                                                  \
        return rpc_call(ep, (number), (transport), req, req_len, rep,                  \
                        sizeof(struct rep_t), rep_len, caps);                          \
    }                                                                                  \
    static inline int64_t name##_call_ex(rpc_call_fn call, handle_t ep,               \
                                         const struct req_t *req, struct rep_t *rep,  \
                                         struct rpc_caps *caps, struct rpc_data *data) \
    {                                                                                  \
        return rpc_call_ex(call, ep, (number), (transport), req, sizeof(struct req_t), \
                           rep, sizeof(struct rep_t), 0, caps, data);                  \
    }                                                                                  \
    static inline int64_t name##_call_into(handle_t ep, const struct req_t *req,      \
                                           uint32_t req_len, void *rep, uint32_t rep_max, \
                                           uint32_t *rep_len, struct rpc_caps *caps)  \
    {                                                                                  \
        return rpc_call(ep, (number), (transport), req, req_len, rep, rep_max, rep_len, \
                        caps);                                                         \
    }

/* A buffer request carrying at most one capability each way: the short
 * form for hand-made requests (tests, fuzzers). */
static inline int64_t srv_call(handle_t ep, uint64_t label, const void *req, uint32_t req_len,
                               handle_t cap, void *rep, uint32_t rep_max, uint32_t *rep_len,
                               handle_t *got_cap)
{
    struct rpc_caps c = {.nsend = cap ? 1u : 0u, .send = {cap}, .got_max = got_cap ? 1u : 0u};
    int64_t r = rpc_call(ep, label, PROTO_BUF, req, req_len, rep, rep_max, rep_len, &c);
    if (got_cap)
        *got_cap = r == 0 && c.ngot ? c.got[0] : 0;
    return r;
}
