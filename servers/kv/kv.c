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

KV_OPS(SRV_DECLARE)

SRV_HANDLER(kv_put)
{
    count(r->badge);
    if (!key_ok(req->key) || req->value_len > KV_VALUE_MAX || req->_pad0)
        return E_INVAL;
    int i = find(req->key);
    for (int k = 0; i < 0 && k < KV_MAX_KEYS; k++)
        if (!store[k].used)
            i = k;
    if (i < 0)
        return E_NOSPACE;
    store[i].used = true;
    memcpy(store[i].key, req->key, sizeof store[i].key);
    memcpy(store[i].value, req->value, req->value_len);
    store[i].value[req->value_len] = '\0';
    store[i].len = req->value_len;
    return E_OK;
}

SRV_HANDLER(kv_get)
{
    count(r->badge);
    int i = key_ok(req->key) ? find(req->key) : -2;
    if (i < 0)
        return i == -2 ? E_INVAL : E_NOENT;
    rep->value_len = store[i].len;
    memcpy(rep->value, store[i].value, store[i].len);
    return E_OK;
}

SRV_HANDLER(kv_del)
{
    count(r->badge);
    int i = key_ok(req->key) ? find(req->key) : -2;
    if (i < 0)
        return i == -2 ? E_INVAL : E_NOENT;
    store[i].used = false;
    return E_OK;
}

SRV_HANDLER(kv_stats)
{
    if (req->_pad0)
        return E_INVAL;
    count(r->badge);
    for (int i = 0; i < KV_MAX_KEYS; i++)
        rep->keys += store[i].used;
    for (int i = 0; i < MAX_CLIENTS; i++)
        rep->clients += clients[i].badge != 0;
    struct client *c = client_of(r->badge);
    rep->my_ops = c ? c->ops : 0;
    return E_OK;
}

static const struct srv_op ops[] = {KV_OPS(SRV_ENTRY)};
static struct srv kv = {.name = "kv", .ops = ops, .nops = SRV_NOPS(ops)};

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
    srv_run(&kv, (handle_t)ep);
}
