/*
 * kv: the example key-value server, started from the shell (`kv &`) as an
 * ordinary newlib program. It makes an endpoint, registers it with the
 * name service as "kv", and serves through libsys's server framework: one
 * handler per operation, sizes checked by the table, clients told apart by
 * their badges (kept in a small per-client table).
 */
#include <stdio.h>
#include <string.h>

#include <proto/kv.h>
#include <sys/mica.h>
#include <sys/names.h>
#include <sys/server.h>

#define MAX_CLIENTS 32

static struct {
    bool used;
    char key[KV_KEY_MAX + 1];
    uint32_t len;
    char value[KV_VALUE_MAX + 1];
} store[KV_MAX_KEYS];

static struct client {
    uint64_t badge;
    uint64_t ops;
} clients[MAX_CLIENTS];

/* The per-client state of badge (a new slot the first time). */
static struct client *client_of(uint64_t badge)
{
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (clients[i].badge == badge)
            return &clients[i];
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (clients[i].badge == 0) {
            clients[i].badge = badge;
            return &clients[i];
        }
    return NULL;
}

static bool key_ok(const char *k)
{
    size_t n = strnlen(k, KV_KEY_MAX + 1);
    if (n == 0 || n > KV_KEY_MAX)
        return false;
    for (size_t i = n; i <= KV_KEY_MAX; i++)
        if (k[i])
            return false; /* zero padding, so equal keys compare equal */
    return true;
}

static int find(const char *k)
{
    for (int i = 0; i < KV_MAX_KEYS; i++)
        if (store[i].used && strcmp(store[i].key, k) == 0)
            return i;
    return -1;
}

static void count(uint64_t badge)
{
    struct client *c = client_of(badge);
    if (c)
        c->ops++;
}

static err_t op_put(void *ctx, uint64_t badge, const void *req, uint32_t len, void *rep,
                    uint32_t *rep_len, struct srv_caps *caps)
{
    (void)ctx, (void)len, (void)rep, (void)rep_len, (void)caps;
    const struct kv_put_req *r = req;
    count(badge);
    if (!key_ok(r->key) || r->value_len > KV_VALUE_MAX || r->_pad0)
        return E_INVAL;
    int i = find(r->key);
    for (int k = 0; i < 0 && k < KV_MAX_KEYS; k++)
        if (!store[k].used)
            i = k;
    if (i < 0)
        return E_NOSPACE;
    store[i].used = true;
    memcpy(store[i].key, r->key, sizeof store[i].key);
    memcpy(store[i].value, r->value, r->value_len);
    store[i].value[r->value_len] = '\0';
    store[i].len = r->value_len;
    return E_OK;
}

static err_t op_get(void *ctx, uint64_t badge, const void *req, uint32_t len, void *rep,
                    uint32_t *rep_len, struct srv_caps *caps)
{
    (void)ctx, (void)len, (void)caps;
    const struct kv_key_req *r = req;
    count(badge);
    int i = key_ok(r->key) ? find(r->key) : -2;
    if (i < 0)
        return i == -2 ? E_INVAL : E_NOENT;
    struct kv_value_rep *out = rep;
    memset(out, 0, sizeof *out);
    out->value_len = store[i].len;
    memcpy(out->value, store[i].value, store[i].len);
    *rep_len = sizeof *out;
    return E_OK;
}

static err_t op_del(void *ctx, uint64_t badge, const void *req, uint32_t len, void *rep,
                    uint32_t *rep_len, struct srv_caps *caps)
{
    (void)ctx, (void)len, (void)rep, (void)rep_len, (void)caps;
    const struct kv_key_req *r = req;
    count(badge);
    int i = key_ok(r->key) ? find(r->key) : -2;
    if (i < 0)
        return i == -2 ? E_INVAL : E_NOENT;
    store[i].used = false;
    return E_OK;
}

static err_t op_stats(void *ctx, uint64_t badge, const void *req, uint32_t len, void *rep,
                      uint32_t *rep_len, struct srv_caps *caps)
{
    (void)ctx, (void)len, (void)caps;
    const struct kv_stats_req *r = req;
    if (r->_pad0)
        return E_INVAL;
    count(badge);
    struct kv_stats_rep *out = rep;
    *out = (struct kv_stats_rep){0};
    for (int i = 0; i < KV_MAX_KEYS; i++)
        out->keys += store[i].used;
    for (int i = 0; i < MAX_CLIENTS; i++)
        out->clients += clients[i].badge != 0;
    struct client *c = client_of(badge);
    out->my_ops = c ? c->ops : 0;
    *rep_len = sizeof *out;
    return E_OK;
}

static const struct srv_op ops[] = {
    {KV_OP_PUT, sizeof(struct kv_put_req), op_put, "put"},
    {KV_OP_GET, sizeof(struct kv_key_req), op_get, "get"},
    {KV_OP_DEL, sizeof(struct kv_key_req), op_del, "del"},
    {KV_OP_STATS, sizeof(struct kv_stats_req), op_stats, "stats"},
};

int main(void)
{
    int64_t ep = sys_endpoint_create();
    int64_t r = ep < 0 ? ep : names_register(NAMES_SLOT, "kv", (handle_t)ep);
    if (r < 0) {
        fprintf(stderr, "kv: cannot register 'kv': %s\n", err_name((err_t)r));
        return 1;
    }
    printf("kv: serving as 'kv'\n");
    fflush(stdout);
    srv_run((handle_t)ep, ops, sizeof ops / sizeof ops[0], NULL, 0);
}
