/* names client stubs (see sys/names.h), over the stubs NAMES_OPS makes. */
#include <sys/mica.h>
#include <sys/names.h>
#include <sys/rpc.h>

NAMES_OPS(RPC_STUB)

static err_t copy_name(char out[NAMES_NAME_MAX + 1], const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > NAMES_NAME_MAX)
        return E_INVAL;
    memset(out, 0, NAMES_NAME_MAX + 1);
    memcpy(out, name, n);
    return E_OK;
}

int64_t names_register(handle_t names, const char *name, handle_t ep)
{
    struct names_register_req req;
    if (copy_name(req.name, name) != E_OK)
        return E_INVAL;
    int64_t copy = sys_cap_copy(ep, RIGHT_WRITE | RIGHT_GRANT, 0);
    if (copy < 0)
        return copy;
    struct rpc_caps caps = {.nsend = 1, .send = {(handle_t)copy}};
    int64_t r = names_register_call(names, &req, NULL, &caps);
    (void)sys_cap_delete((handle_t)copy); /* names has its own */
    return r;
}

int64_t names_unregister(handle_t names, const char *name)
{
    struct names_register_req req;
    if (copy_name(req.name, name) != E_OK)
        return E_INVAL;
    return names_unregister_call(names, &req, NULL, NULL);
}

int64_t names_reserve(handle_t names, const char *name)
{
    struct names_register_req req;
    if (copy_name(req.name, name) != E_OK)
        return E_INVAL;
    return names_reserve_call(names, &req, NULL, NULL);
}

int64_t names_allow(handle_t names, const char *name, uint64_t badge)
{
    struct names_allow_req req = {.badge = badge};
    if (copy_name(req.name, name) != E_OK)
        return E_INVAL;
    return names_allow_call(names, &req, NULL, NULL);
}

int64_t names_stats(handle_t names, struct names_stats_rep *out)
{
    uint32_t len = 0;
    int64_t r = names_stats_call_len(names, NULL, 0, out, &len, NULL);
    if (r < 0)
        return r;
    return len == sizeof *out ? 0 : E_INVAL;
}

static uint64_t now_ms(void)
{
    return sys_time_now() / 10000; /* QEMU virt's time base: 10 MHz */
}

int64_t names_lookup(handle_t names, const char *name, uint64_t timeout_ms)
{
    struct names_lookup_req req = {.flags = timeout_ms == NAMES_FOREVER ? NAMES_WAIT : 0};
    if (copy_name(req.name, name) != E_OK)
        return E_INVAL;
    /* A finite wait polls (names can hold a waiting call, but nothing
     * here can time it out yet); each try yields to the rest. */
    uint64_t deadline = timeout_ms == NAMES_FOREVER ? 0 : now_ms() + timeout_ms;
    for (;;) {
        struct rpc_caps caps = {.got_max = 1};
        int64_t r = names_lookup_call(names, &req, NULL, &caps);
        if (r == 0)
            return caps.ngot ? (int64_t)caps.got[0] : E_NOSPACE;
        if (r != E_NOENT || timeout_ms == 0 || timeout_ms == NAMES_FOREVER ||
            now_ms() >= deadline)
            return r;
        (void)sys_yield();
    }
}

int64_t names_list(handle_t names, uint32_t *cursor, char name[NAMES_NAME_MAX + 1],
                   uint64_t *owner)
{
    struct names_list_req req = {.cursor = *cursor};
    struct names_list_rep rep;
    uint32_t len = 0;
    int64_t r = names_list_call_len(names, &req, sizeof req, &rep, &len, NULL);
    if (r < 0)
        return r;
    if (len != sizeof rep)
        return E_INVAL;
    memcpy(name, rep.name, NAMES_NAME_MAX + 1);
    name[NAMES_NAME_MAX] = '\0';
    if (owner)
        *owner = rep.owner;
    *cursor = rep.next;
    return 0;
}
