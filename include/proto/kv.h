/*
 * Protocol of kv, the example key-value server (docs/writing-a-server.md).
 * Found through the name service as "kv". Requests and replies are these
 * structs in the IPC buffer, dispatched by libsys's server framework, which
 * checks each request's size; padding must be zero.
 */
#pragma once

#include <stdint.h>

#define KV_KEY_MAX 31
#define KV_VALUE_MAX 255
#define KV_MAX_KEYS 256

enum kv_op {
    /* kv_put_req. Sets key to value. E_INVAL (bad key, length, padding),
     * E_NOSPACE (full). Idempotent. */
    KV_OP_PUT = 1,
    /* kv_key_req. Reply kv_value_rep. E_NOENT. Idempotent. */
    KV_OP_GET = 2,
    /* kv_key_req. E_NOENT. Idempotent (a second gets E_NOENT). */
    KV_OP_DEL = 3,
    /* kv_stats_req. Reply kv_stats_rep (per-client state: the caller's own
     * count of requests). Idempotent. */
    KV_OP_STATS = 4,
};

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
