/* console client stubs (see sys/console.h): the only code that builds console messages. */
#include <sys/console.h>
#include <sys/ipc.h>
#include <sys/mica.h>

int64_t console_write(handle_t cons, const void *buf, uint64_t len)
{
    const uint8_t *src = buf;
    for (uint64_t done = 0; done < len;) {
        uint64_t n = len - done < CONS_IO_MAX ? len - done : CONS_IO_MAX;
        memcpy(ipc_buffer()->data, src + done, n);
        struct ipc_msg m = {0};
        int64_t r = ipc_request(cons, CONS_OP_WRITE, &m, n);
        if (r < 0)
            return done ? (int64_t)done : r;
        done += n;
    }
    return (int64_t)len;
}

int64_t console_read(handle_t cons, void *buf, uint64_t len)
{
    struct ipc_msg m = {.w = {len < CONS_IO_MAX ? len : CONS_IO_MAX}};
    int64_t r = ipc_request(cons, CONS_OP_READ, &m, 0);
    if (r < 0)
        return r;
    return (int64_t)ipc_reply_copy(&m, buf, len);
}

int64_t console_set_foreground(handle_t cons, uint64_t pid)
{
    struct ipc_msg m = {.w = {pid}};
    return ipc_request(cons, CONS_OP_SET_FOREGROUND, &m, 0);
}

int64_t console_set_job(handle_t cons, const uint64_t *pids, uint64_t npids)
{
    if (npids == 0 || npids > CONS_JOB_MAX)
        return E_INVAL;
    memcpy(ipc_buffer()->data, pids, npids * sizeof(uint64_t));
    struct ipc_msg m = {.w = {npids}};
    return ipc_request(cons, CONS_OP_SET_JOB, &m, npids * sizeof(uint64_t));
}

int64_t console_end_job(handle_t cons)
{
    struct ipc_msg m = {0};
    return ipc_request(cons, CONS_OP_END_JOB, &m, 0);
}
