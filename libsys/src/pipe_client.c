/* pipe client stubs (see sys/pipe.h): the only code that builds pipe messages. */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/pipe.h>

int64_t pipe_create(handle_t srv, uint64_t *read_end, uint64_t *write_end)
{
    struct ipc_msg m = {0};
    int64_t r = ipc_request(srv, PIPE_OP_CREATE, &m, 0);
    if (r < 0)
        return r;
    *read_end = m.w[0];
    *write_end = m.w[1];
    return 0;
}

int64_t pipe_read(handle_t srv, uint64_t end, void *buf, uint64_t len)
{
    struct ipc_msg m = {.w = {end, len < PIPE_IO_MAX ? len : PIPE_IO_MAX}};
    int64_t r = ipc_request(srv, PIPE_OP_READ, &m, 0);
    if (r < 0)
        return r;
    return (int64_t)ipc_reply_copy(&m, buf, len);
}

int64_t pipe_write(handle_t srv, uint64_t end, const void *buf, uint64_t len)
{
    const uint8_t *src = buf;
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = len - done < PIPE_IO_MAX ? len - done : PIPE_IO_MAX;
        memcpy(ipc_buffer()->data, src + done, n);
        struct ipc_msg m = {.w = {end}};
        int64_t r = ipc_request(srv, PIPE_OP_WRITE, &m, n);
        if (r < 0)
            return done ? (int64_t)done : r;
        int64_t wrote = ipc_reply_count(&m, n);
        if (wrote < 0)
            return done ? (int64_t)done : wrote;
        /* The pipe server takes what fits and blocks while nothing does,
         * so a short count is normal: send the rest. A count of 0 never
         * comes from it; stop rather than ask for ever. */
        if (wrote == 0)
            break;
        done += (uint64_t)wrote;
    }
    return (int64_t)done;
}

int64_t pipe_close(handle_t srv, uint64_t end)
{
    struct ipc_msg m = {.w = {end}};
    return ipc_request(srv, PIPE_OP_CLOSE, &m, 0);
}

int64_t pipe_stats(handle_t srv, struct pipe_stats *out)
{
    struct ipc_msg m = {0};
    int64_t r = ipc_request(srv, PIPE_OP_STATS, &m, 0);
    if (r < 0)
        return r;
    *out = (struct pipe_stats){.pipes = m.w[0], .ends = m.w[1], .clients = m.w[2],
                               .my_pipes = m.w[3], .my_ends = m.w[4]};
    return 0;
}

int64_t pipe_clone_client(handle_t srv, uint64_t from_badge, uint64_t to_badge)
{
    struct ipc_msg m = {.w = {from_badge, to_badge}};
    return ipc_request(srv, PIPE_OP_CLONE_CLIENT, &m, 0);
}

int64_t pipe_drop_client(handle_t srv, uint64_t badge)
{
    struct ipc_msg m = {.w = {badge}};
    return ipc_request(srv, PIPE_OP_DROP_CLIENT, &m, 0);
}
