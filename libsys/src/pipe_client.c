/* pipe client stubs (see sys/pipe.h), over the stubs PIPE_OPS makes. */
#include <sys/mica.h>
#include <sys/pipe.h>
#include <sys/rpc.h>

PIPE_OPS(RPC_STUB)

int64_t pipe_create(handle_t srv, uint64_t *read_end, uint64_t *write_end)
{
    struct pipe_create_rep rep;
    int64_t r = pipe_create_call(srv, NULL, &rep, NULL);
    if (r < 0)
        return r;
    *read_end = rep.read_end;
    *write_end = rep.write_end;
    return 0;
}

int64_t pipe_read(handle_t srv, uint64_t end, void *buf, uint64_t len)
{
    struct pipe_read_req req = {.end = end, .max = len < PIPE_IO_MAX ? (uint32_t)len : PIPE_IO_MAX};
    uint32_t got = 0;
    /* Straight into buf: the reply is the bytes read. */
    int64_t r = pipe_read_call_into(srv, &req, sizeof req, buf, req.max, &got, NULL);
    return r < 0 ? r : (int64_t)got;
}

int64_t pipe_write(handle_t srv, uint64_t end, const void *buf, uint64_t len)
{
    struct pipe_write_req req;
    const uint8_t *src = buf;
    uint64_t done = 0;
    while (done < len) {
        uint32_t n = len - done < PIPE_WRITE_MAX ? (uint32_t)(len - done) : PIPE_WRITE_MAX;
        req.end = end;
        memcpy(req.data, src + done, n);
        struct pipe_write_rep rep;
        int64_t r = pipe_write_call_len(srv, &req, (uint32_t)sizeof req.end + n, &rep, NULL, NULL);
        if (r < 0)
            return done ? (int64_t)done : r;
        /* The pipe server takes what fits and blocks while nothing does,
         * so a short count is normal: send the rest. A count of 0 never
         * comes from it, nor more than was sent; stop rather than ask for
         * ever or count what was not written. */
        if (rep.taken == 0 || rep.taken > n)
            return done ? (int64_t)done : (rep.taken ? E_RANGE : 0);
        done += rep.taken;
    }
    return (int64_t)done;
}

int64_t pipe_close(handle_t srv, uint64_t end)
{
    struct pipe_end_req req = {.end = end};
    return pipe_close_call(srv, &req, NULL, NULL);
}

int64_t pipe_stats(handle_t srv, struct pipe_stats *out)
{
    struct pipe_stats_rep rep;
    int64_t r = pipe_stats_call(srv, NULL, &rep, NULL);
    if (r < 0)
        return r;
    *out = (struct pipe_stats){.pipes = rep.pipes, .ends = rep.ends, .clients = rep.clients,
                               .my_pipes = rep.my_pipes, .my_ends = rep.my_ends};
    return 0;
}

int64_t pipe_clone_client(handle_t srv, uint64_t from_badge, uint64_t to_badge)
{
    struct pipe_clone_req req = {.from_badge = from_badge, .to_badge = to_badge};
    return pipe_clone_client_call(srv, &req, NULL, NULL);
}

int64_t pipe_drop_client(handle_t srv, uint64_t badge)
{
    struct pipe_drop_req req = {.badge = badge};
    return pipe_drop_client_call(srv, &req, NULL, NULL);
}
