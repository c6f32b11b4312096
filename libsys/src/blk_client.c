/* blk client stubs (see sys/blk.h): requests only through the stubs made
 * from BLK_OPS (include/proto/blk.h). */
#include <sys/blk.h>
#include <sys/mica.h>
#include <sys/rpc.h>

BLK_OPS(RPC_STUB)

int64_t blk_attach(handle_t blk, handle_t buffer, uint64_t *sectors)
{
    struct blk_geometry_rep rep;
    struct rpc_caps caps = {.nsend = 1, .send = {buffer}};
    int64_t r = blk_attach_call(blk, &(struct proto_none){}, &rep, &caps);
    if (r == 0 && sectors)
        *sectors = rep.sectors;
    return r;
}

int64_t blk_info(handle_t blk, uint64_t *sectors)
{
    struct blk_geometry_rep rep;
    int64_t r = blk_info_call(blk, &(struct proto_none){}, &rep, NULL);
    if (r == 0 && sectors)
        *sectors = rep.sectors;
    return r;
}

int64_t blk_read(handle_t blk, uint64_t sector, uint64_t count, uint64_t offset)
{
    struct blk_io_req req = {.sector = sector, .count = count, .offset = offset};
    return blk_read_call(blk, &req, &(struct proto_none){}, NULL);
}

int64_t blk_write(handle_t blk, uint64_t sector, uint64_t count, uint64_t offset)
{
    struct blk_io_req req = {.sector = sector, .count = count, .offset = offset};
    return blk_write_call(blk, &req, &(struct proto_none){}, NULL);
}

int64_t blk_flush(handle_t blk)
{
    return blk_flush_call(blk, &(struct proto_none){}, &(struct proto_none){}, NULL);
}
