/* console client stubs (see sys/console.h), over the stubs CONSOLE_OPS makes. */
#include <sys/console.h>
#include <sys/mica.h>
#include <sys/rpc.h>

CONSOLE_OPS(RPC_STUB)

int64_t console_write(handle_t cons, const void *buf, uint64_t len)
{
    const uint8_t *src = buf;
    for (uint64_t done = 0; done < len;) {
        uint32_t n = len - done < CONS_IO_MAX ? (uint32_t)(len - done) : CONS_IO_MAX;
        struct cons_count_rep rep;
        /* The request is the bytes themselves: straight from buf. */
        int64_t r = cons_write_call_len(cons, (const struct cons_write_req *)(src + done), n,
                                        &rep, NULL, NULL);
        if (r < 0)
            return done ? (int64_t)done : r;
        done += n;
    }
    return (int64_t)len;
}

int64_t console_read(handle_t cons, void *buf, uint64_t len)
{
    struct cons_read_req req = {.max = len < CONS_IO_MAX ? len : CONS_IO_MAX};
    uint32_t got = 0;
    int64_t r = cons_read_call_into(cons, &req, sizeof req, buf, (uint32_t)req.max, &got, NULL);
    return r < 0 ? r : (int64_t)got;
}

int64_t console_set_foreground(handle_t cons, uint64_t pid)
{
    struct cons_foreground_req req = {.pid = pid};
    return cons_set_foreground_call(cons, &req, NULL, NULL);
}

int64_t console_set_job(handle_t cons, const uint64_t *pids, uint64_t npids)
{
    if (npids == 0 || npids > CONS_JOB_MAX)
        return E_INVAL;
    struct cons_job_req req = {.n = npids};
    memcpy(req.pids, pids, npids * sizeof(uint64_t));
    return cons_set_job_call_len(cons, &req, (uint32_t)((1 + npids) * sizeof(uint64_t)), NULL,
                                 NULL, NULL);
}

int64_t console_end_job(handle_t cons)
{
    return cons_end_job_call(cons, NULL, NULL, NULL);
}
