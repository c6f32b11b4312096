/*
 * Protocol of kv, the example key-value server (docs/writing-a-server.md).
 * Found through the name service as "kv". Requests and replies are these
 * structs in the IPC buffer, dispatched by libsys's server framework, which
 * checks each request's size; padding must be zero.
 */
#pragma once

#include <stdint.h>

#include <proto/proto.h>

#define KV_KEY_MAX 31
#define KV_VALUE_MAX 255
#define KV_MAX_KEYS 256



struct kv_key_req {
    char key[KV_KEY_MAX + 1]; /* NUL-terminated, zero-padded */
};
_Static_assert(sizeof(struct kv_key_req) == 32, "kv_key_req is ABI");

struct kv_put_req {
    char key[KV_KEY_MAX + 1];
    uint32_t value_len;
    uint32_t _pad0;
    char value[KV_VALUE_MAX + 1];
};
_Static_assert(sizeof(struct kv_put_req) == 296, "kv_put_req is ABI");

struct kv_value_rep {
    uint32_t value_len;
    uint32_t _pad0;
    char value[KV_VALUE_MAX + 1];
};
_Static_assert(sizeof(struct kv_value_rep) == 264, "kv_value_rep is ABI");

struct kv_stats_req {
    uint64_t _pad0;
};
_Static_assert(sizeof(struct kv_stats_req) == 8, "kv_stats_req is ABI");

struct kv_stats_rep {
    uint64_t keys;     /* keys stored */
    uint64_t clients;  /* clients seen */
    uint64_t my_ops;   /* requests this client made, this one included */
};
_Static_assert(sizeof(struct kv_stats_rep) == 24, "kv_stats_rep is ABI");

/* The operations (include/proto/proto.h). Any caller; none carries a
 * capability.
 * PUT: sets key to value. E_INVAL (bad key, length, padding), E_NOSPACE
 *   (full).
 * GET: the value. E_NOENT, E_INVAL.
 * DEL: removes the key. E_NOENT (a second DEL), E_INVAL.
 * STATS: the store and the caller's own count of requests (per-client
 *   state). E_INVAL (padding). */
#define KV_OPS(X)                                                                      \
    X(KV_OP_PUT, 1, kv_put, kv_put_req, proto_none, PROTO_BUF, PROTO_CALLER_ANY, 0,     \
      PROTO_IDEMPOTENT)                                                                \
    X(KV_OP_GET, 2, kv_get, kv_key_req, kv_value_rep, PROTO_BUF, PROTO_CALLER_ANY, 0,   \
      PROTO_IDEMPOTENT)                                                                \
    X(KV_OP_DEL, 3, kv_del, kv_key_req, proto_none, PROTO_BUF, PROTO_CALLER_ANY, 0,     \
      PROTO_IDEMPOTENT)                                                                \
    X(KV_OP_STATS, 4, kv_stats, kv_stats_req, kv_stats_rep, PROTO_BUF, PROTO_CALLER_ANY, \
      0, PROTO_IDEMPOTENT)

enum kv_op { KV_OPS(PROTO_ENUM) };
KV_OPS(PROTO_ASSERT)
PROTO_OP_NAMES(kv_op_name, KV_OPS)
