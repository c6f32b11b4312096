/*
 * The server framework: every Mica server dispatches through it
 * (docs/protocols.md, docs/writing-a-server.md). A server's table comes
 * from its protocol's X-macro list (include/proto/proto.h); the framework
 * receives, finds the op, checks the caller's class, the request's length
 * and the capabilities it carries before a handler runs, replies, deletes
 * the capabilities no handler kept, and in CONFIG_SRV_CHECKS builds runs
 * the server's invariant check after every request.
 *
 *     #include <proto/kv.h>
 *     KV_OPS(SRV_DECLARE)                  // prototypes of on_kv_put, ...
 *
 *     SRV_HANDLER(kv_get)                  // r, req and rep are typed
 *     {
 *         ...look up req->key...
 *         rep->value_len = n;
 *         return E_OK;                     // or an err_t, or SRV_DEFER
 *     }
 *
 *     static const struct srv_op ops[] = {KV_OPS(SRV_ENTRY)};
 *     static struct srv kv = {.name = "kv", .ops = ops, .nops = SRV_NOPS(ops)};
 *     srv_run(&kv, ep);
 *
 * Labels the kernel sends (page faults, exceptions, notifications) are
 * table entries too: SRV_KERNEL_ENTRY(IPC_LABEL_FAULT_VM, fault, struct
 * fault_vm_msg) with a handler SRV_HANDLER_WORDS(fault, ...).
 *
 * One struct srv per serving thread: it holds that thread's buffers.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <mica/caps.h>
#include <mica/err.h>
#include <mica/ipc.h>
#include <proto/proto.h>
#include <sys/clients.h>
#include <sys/ipc.h>
#include <sys/rpc.h>

#ifndef CONFIG_SRV_CHECKS
#define CONFIG_SRV_CHECKS 0
#endif

#define SRV_DEFER 1 /* a handler's "I answer later" (after srv_defer) */

struct srv;

/* One request, as a handler sees it. */
struct srv_req {
    struct srv *srv;
    void *state;        /* srv->state */
    void *client;       /* set by srv->classify: the server's record of this caller */
    uint64_t badge;     /* of the capability the request came through */
    uint64_t label;     /* the op (one handler may serve several) */
    const void *req;    /* the request struct (the received words, or a copy of
                         * the buffer); read-only */
    void *rep;          /* the reply struct, zeroed; sent if the handler returns E_OK */
    uint32_t req_len;   /* bytes of request (PROTO_BUF_VAR) */
    uint32_t rep_len;   /* bytes of reply; preset to sizeof the op's reply */
    uint64_t reply_label; /* the reply's label on E_OK (0; a fault handler's kill: 1) */
    /* Capabilities the request brought, now in our table. The framework
     * deletes those left here after the handler: it keeps one by setting
     * its entry to 0. */
    uint32_t ncaps;
    handle_t caps[IPC_MAX_CAPS];
    /* Capabilities to send with the reply (set by the handler). */
    uint32_t nsend;
    handle_t send[IPC_MAX_CAPS];
    bool drop_sent;     /* delete our copies of send[] once the reply is out */
    /* PROTO_REGS_DATA: the request's bytes, left in place in the IPC
     * buffer (zero copy: valid until the handler makes a buffer call of
     * its own), and the reply's, written to the same buffer (rep_data_len
     * bytes, 0 preset). An error reply of such an op carries the reply
     * words too (what the handler did before it failed). */
    const uint8_t *data;
    uint32_t data_len;
    uint8_t *rep_data;
    uint32_t rep_data_len;
};

typedef err_t (*srv_handler)(struct srv_req *r);

struct srv_op {
    uint64_t label;
    uint32_t req_len;   /* exact size (PROTO_BUF_VAR: the most) */
    uint32_t rep_len;
    uint32_t callers;   /* caller classes allowed (PROTO_CALLER_ANY) */
    uint8_t transport;  /* PROTO_REGS / PROTO_BUF / PROTO_BUF_VAR / PROTO_REGS_DATA */
    uint8_t caps_in;    /* most capabilities a request may carry */
    uint8_t flags;      /* PROTO_IDEMPOTENT */
    srv_handler handler;
    const char *name;   /* for reports */
};

#define SRV_INDEX_MAX 64 /* labels below this are found by direct index */
/* The kernel's labels (IPC_LABEL_FAULT_VM, _FAULT_EXC, _NOTIFY) too: a
 * page fault is the hottest request there is. */
#define SRV_KERNEL_LABELS 3

struct srv {
    /* Set by the server. */
    const char *name;
    const struct srv_op *ops;
    uint32_t nops;
    void *state;
    /* The caller classes of r->badge (a mask of the protocol's CALLER
     * bits); it may also set r->client. NULL: every caller is in every
     * class. */
    uint32_t (*classify)(struct srv_req *r);
    err_t denied;       /* answer to a caller outside an op's classes (0: E_PERM) */
    /* Debug builds (CONFIG_SRV_CHECKS): the server's invariants, checked
     * after every request; false stops the server with a report. */
    bool (*check)(void *state);
    /* Per-client limits (docs/limits.md), charged with srv_charge. */
    struct clients *clients;
    /* Capabilities received with a request (0: the most any op takes).
     * A server whose clients may send more than an op takes (mm: up to
     * IPC_MAX_CAPS) receives them all and the framework drops the extra
     * ones, instead of the kernel truncating the message (E_INVAL). */
    uint32_t recv_caps;

    /* The framework's. */
    bool ready;
    uint32_t caps_max;
    uint8_t index[SRV_INDEX_MAX]; /* label -> ops index + 1 (0: none) */
    uint8_t kindex[SRV_KERNEL_LABELS]; /* the same for IPC_LABEL_FAULT_VM.. */
    uint32_t ndrop;               /* sent with drop_sent, deleted after the reply */
    handle_t drop[IPC_MAX_CAPS];
    uint64_t words_out[IPC_WORDS];
    uint8_t buf_in[IPC_BUF_DATA_MAX] __attribute__((aligned(8)));
    uint8_t buf_out[IPC_BUF_DATA_MAX] __attribute__((aligned(8)));
};

#define SRV_NOPS(ops) ((uint32_t)(sizeof(ops) / sizeof((ops)[0])))

/* The handler of op `name`, with typed parameters r, req and rep (each may
 * go unused). */
#define SRV_HANDLER(name)                                                              \
    static err_t on_##name(struct srv_req *r __attribute__((unused)),                 \
                           const srv_req_t_##name *req __attribute__((unused)),       \
                           srv_rep_t_##name *rep __attribute__((unused)))

/* Expanders for a protocol list: prototypes and typed thunks, then table
 * entries. Handlers are never inlined into their thunks: a breakpoint on
 * on_<name> then shows req and rep in gdb (a few instructions a request). */
#define SRV_DECLARE(ENUM, number, name, req_t, rep_t, ...)                             \
    typedef struct req_t srv_req_t_##name;                                             \
    typedef struct rep_t srv_rep_t_##name;                                             \
    __attribute__((noinline)) static err_t on_##name(struct srv_req *r,                \
                                                     const struct req_t *req,          \
                                                     struct rep_t *rep);               \
    static err_t srv_thunk_##name(struct srv_req *r)                                   \
    {                                                                                  \
        return on_##name(r, (const struct req_t *)r->req, (struct rep_t *)r->rep);    \
    }

#define SRV_ENTRY(ENUM, number, name, req_t, rep_t, transport, callers, caps_in, flags) \
    {(number), sizeof(struct req_t), sizeof(struct rep_t), (callers), (transport), (caps_in), \
     (flags), srv_thunk_##name, #name},

/* A label the kernel sends (IPC_LABEL_FAULT_VM, _FAULT_EXC, _NOTIFY): its
 * words read as msg_t; the handler is SRV_HANDLER(name) after
 * SRV_DECLARE_KERNEL(name, msg_t). Callers: the classes the badge gives. */
#define SRV_DECLARE_KERNEL(name, msg_t) \
    SRV_DECLARE(0, 0, name, msg_t, proto_none)
#define SRV_KERNEL_ENTRY(label, name, msg_t, callers) \
    {(label), sizeof(struct msg_t), 0, (callers), PROTO_REGS, 0, PROTO_ONCE, srv_thunk_##name, #name},

/* Serves ep for ever. */
__attribute__((noreturn)) void srv_run(struct srv *s, handle_t ep);

/* For servers that receive themselves (several endpoints, or work between
 * requests): prepares the IPC buffer to receive one request... */
void srv_prepare_recv(struct srv *s);
/* ...and handles a received one (badge and m as ipc_recv gave them).
 * Returns true when m now holds the reply to send (ipc_reply_recv or
 * ipc_reply), false when there is none (deferred). After the reply is
 * out, srv_after_reply(s) deletes capabilities sent with drop_sent. */
bool srv_dispatch(struct srv *s, int64_t badge, struct ipc_msg *m);
void srv_after_reply(struct srv *s);

/* Saves the reply capability of the request being handled, so that the
 * handler can return SRV_DEFER and answer later with srv_reply_later.
 * Returns the saved reply's handle or an err_t. */
int64_t srv_defer(struct srv_req *r);

/* Answers a deferred request: status E_OK with rep (rep_len bytes, in
 * the words or the buffer as transport says; PROTO_REGS_DATA: the words,
 * no bytes) and the capability cap (0: none), or an err_t. Returns the kernel's result (E_DEAD: the client is
 * gone; the answer is dropped). */
int64_t srv_reply_later(handle_t reply, uint32_t transport, err_t status, const void *rep,
                        uint32_t rep_len, handle_t cap);

/* Per-client limits: charges n of kind to the requesting client
 * (E_LIMIT at its limit; E_NOSPACE: no room for a new client) or gives
 * them back. */
__attribute__((warn_unused_result)) err_t srv_charge(struct srv_req *r, uint32_t kind,
                                                     uint32_t n);
void srv_uncharge(struct srv_req *r, uint32_t kind, uint32_t n);

/* The label of an error reply: the err_t as a 48-bit two's complement. */
static inline uint64_t srv_err_label(err_t err)
{
    return (uint64_t)(int64_t)err & 0xffffffffffffull;
}
