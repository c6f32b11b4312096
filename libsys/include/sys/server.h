/*
 * The server framework: a receive loop that dispatches requests by label
 * through a table, checks every request's size against the table before a
 * handler sees it, and answers unknown labels and malformed requests with
 * errors (docs/writing-a-server.md). Requests and replies are fixed-layout
 * structs carried in the IPC buffer; the client's badge names the client.
 *
 *     static err_t op_get(void *ctx, uint64_t badge, const void *req, void *rep,
 *                         uint32_t *rep_len);
 *     static const struct srv_op ops[] = {
 *         {KV_OP_GET, sizeof(struct kv_get_req), op_get, "get"},
 *     };
 *     srv_run(ep, ops, 1, &state);
 *
 * A handler returns E_OK (the reply is its *rep_len bytes at rep), an err_t
 * (an error reply; rep is not sent), or SRV_DEFER after saving the reply
 * with ipc_reply_save() to answer later with srv_reply_later().
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <mica/caps.h>
#include <mica/err.h>
#include <mica/ipc.h>

#define SRV_DEFER 1 /* a handler's "I answer later" */
#define SRV_ANY_LEN UINT32_MAX

/* A request's capabilities (already in our table; the framework deletes
 * those the handler leaves in received[] after it returns: a handler keeps
 * one by setting its entry to 0) and room to send some,
 * and its register words (for protocols that use them, like the memory-
 * object operations mm sends): w in, rw out (zero unless the handler sets
 * them). */
struct srv_caps {
    uint64_t label;                 /* the request's label (one handler may serve several) */
    uint64_t w[IPC_WORDS];
    uint64_t rw[IPC_WORDS];
    uint32_t nreceived;
    handle_t received[IPC_MAX_CAPS];
    uint32_t nsend;                 /* the handler sets it: capabilities to send */
    handle_t send[IPC_MAX_CAPS];
    bool drop_sent;                 /* delete our copies once the reply is out */
};

typedef err_t (*srv_handler)(void *ctx, uint64_t badge, const void *req, uint32_t req_len,
                             void *rep, uint32_t *rep_len, struct srv_caps *caps);

struct srv_op {
    uint64_t label;
    uint32_t req_len;   /* exact size of the request; SRV_ANY_LEN: up to IPC_BUF_DATA_MAX */
    srv_handler handler;
    const char *name;   /* for reports */
};

/* Serves ep forever: receives, looks the label up in ops[0, nops), checks
 * the size (E_INVAL otherwise; unknown labels E_NOSYS), runs the handler
 * and replies. caps_max: capabilities a request may bring (0-4). */
__attribute__((noreturn)) void srv_run(handle_t ep, const struct srv_op *ops, uint32_t nops,
                                       void *ctx, uint32_t caps_max);

/* Answers a request a handler deferred (saved with ipc_reply_save). */
int64_t srv_reply_later(handle_t reply, err_t status, const void *rep, uint32_t rep_len);

/* A client's request: sends op with req (req_len bytes) and caps, waits,
 * copies at most rep_max bytes of the reply to rep (*rep_len: how many;
 * may be NULL). Returns 0 or the server's err_t; *got_cap (may be NULL)
 * receives the first capability of the reply, 0 if none. */
int64_t srv_call(handle_t ep, uint64_t op, const void *req, uint32_t req_len, handle_t cap,
                 void *rep, uint32_t rep_max, uint32_t *rep_len, handle_t *got_cap);
