/* blk client stubs (see sys/blk.h): the only code that builds blk messages. */
#include <sys/blk.h>
#include <sys/ipc.h>
#include <sys/mica.h>

static int64_t blk_request(handle_t blk, uint64_t op, struct ipc_msg *m, uint64_t ncaps)
{
    m->tag = IPC_TAG(op, 0, ncaps);
    int64_t r = ipc_call(blk, m);
    if (r < 0)
        return r;
    uint64_t label = IPC_TAG_LABEL(m->tag);
    return label ? BLK_REPLY_ERR(label) : 0;
}

int64_t blk_attach(handle_t blk, handle_t buffer, uint64_t *sectors)
{
    struct ipc_msg m = {0};
    ipc_buffer()->caps[0] = buffer;
    int64_t r = blk_request(blk, BLK_OP_ATTACH, &m, 1);
    if (r == 0 && sectors)
        *sectors = m.w[0];
    return r;
}

int64_t blk_info(handle_t blk, uint64_t *sectors)
{
    struct ipc_msg m = {0};
    int64_t r = blk_request(blk, BLK_OP_INFO, &m, 0);
    if (r == 0 && sectors)
        *sectors = m.w[0];
    return r;
}

int64_t blk_read(handle_t blk, uint64_t sector, uint64_t count, uint64_t offset)
{
    struct ipc_msg m = {.w = {sector, count, offset}};
    return blk_request(blk, BLK_OP_READ, &m, 0);
}

int64_t blk_write(handle_t blk, uint64_t sector, uint64_t count, uint64_t offset)
{
    struct ipc_msg m = {.w = {sector, count, offset}};
    return blk_request(blk, BLK_OP_WRITE, &m, 0);
}

int64_t blk_flush(handle_t blk)
{
    struct ipc_msg m = {0};
    return blk_request(blk, BLK_OP_FLUSH, &m, 0);
}
