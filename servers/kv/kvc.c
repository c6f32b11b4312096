/*
 * kvc: the kv server's command-line client: kvc put KEY VALUE | get KEY |
 * del KEY | stats. Finds the server through the name service (waits up to
 * two seconds for it to register).
 */
#include <stdio.h>
#include <string.h>

#include <proto/kv.h>
#include <sys/mica.h>
#include <sys/names.h>
#include <sys/rpc.h>

KV_OPS(RPC_STUB)

static int fail(const char *what, int64_t err)
{
    fprintf(stderr, "kvc: %s: %s\n", what, err_name((err_t)err));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: kvc put KEY VALUE | get KEY | del KEY | stats\n");
        return 2;
    }
    int64_t kv = names_lookup(NAMES_SLOT, "kv", 2000);
    if (kv < 0)
        return fail("no kv server", kv);
    const char *cmd = argv[1];
    if (strcmp(cmd, "put") == 0 && argc == 4) {
        struct kv_put_req req = {0};
        size_t vlen = strlen(argv[3]);
        if (strlen(argv[2]) > KV_KEY_MAX || vlen > KV_VALUE_MAX)
            return fail("put", E_RANGE);
        strcpy(req.key, argv[2]);
        memcpy(req.value, argv[3], vlen);
        req.value_len = (uint32_t)vlen;
        int64_t r = kv_put_call((handle_t)kv, &req, NULL, NULL);
        return r < 0 ? fail("put", r) : 0;
    }
    if ((strcmp(cmd, "get") == 0 || strcmp(cmd, "del") == 0) && argc == 3) {
        struct kv_key_req req = {0};
        if (strlen(argv[2]) > KV_KEY_MAX)
            return fail(cmd, E_RANGE);
        strcpy(req.key, argv[2]);
        struct kv_value_rep rep;
        int get = strcmp(cmd, "get") == 0;
        int64_t r = get ? kv_get_call((handle_t)kv, &req, &rep, NULL)
                        : kv_del_call((handle_t)kv, &req, NULL, NULL);
        if (r < 0)
            return fail(cmd, r);
        if (get)
            printf("%.*s\n", (int)rep.value_len, rep.value);
        return 0;
    }
    if (strcmp(cmd, "stats") == 0) {
        struct kv_stats_req req = {0};
        struct kv_stats_rep rep;
        int64_t r = kv_stats_call((handle_t)kv, &req, &rep, NULL);
        if (r < 0)
            return fail("stats", r);
        printf("kv: %lu keys, %lu clients\n", (unsigned long)rep.keys, (unsigned long)rep.clients);
        return 0;
    }
    fprintf(stderr, "kvc: bad command\n");
    return 2;
}
