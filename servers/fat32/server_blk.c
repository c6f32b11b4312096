/*
 * The fat_dev of the fat32 server: sectors through blk. Transfers go
 * through a frame shared with blk (the device writes into it directly) and
 * are copied to or from the library's buffers.
 */
#include <sys/blk.h>
#include <sys/mica.h>

#include <proto/fs.h>

#include "server.h"

static uint8_t *dma;          /* the shared frame, mapped */
static uint64_t dma_sectors;  /* its size in sectors */

static err_t dev_read(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
    (void)ctx;
    uint8_t *out = buf;
    while (count > 0) {
        uint32_t n = count < dma_sectors ? count : (uint32_t)dma_sectors;
        int64_t r = blk_read(FS_SLOT_BLK, sector, n, 0);
        if (r < 0)
            return r == E_RANGE ? E_CORRUPT : E_IO; /* past the disk: the image lies */
        memcpy(out, dma, (uint64_t)n * BLK_SECTOR);
        out += (uint64_t)n * BLK_SECTOR;
        sector += n;
        count -= n;
    }
    return E_OK;
}

static err_t dev_write(void *ctx, uint64_t sector, uint32_t count, const void *buf)
{
    (void)ctx;
    const uint8_t *in = buf;
    while (count > 0) {
        uint32_t n = count < dma_sectors ? count : (uint32_t)dma_sectors;
        memcpy(dma, in, (uint64_t)n * BLK_SECTOR);
        int64_t r = blk_write(FS_SLOT_BLK, sector, n, 0);
        if (r < 0)
            return r == E_RANGE ? E_CORRUPT : E_IO;
        in += (uint64_t)n * BLK_SECTOR;
        sector += n;
        count -= n;
    }
    return E_OK;
}

err_t fs_dev_open(struct fat_dev *dev, uint64_t dma_va)
{
    struct cap_info ci;
    if (sys_cap_info(FS_SLOT_DMA, &ci) < 0)
        return E_INVAL;
    for (uint64_t off = 0; off < ci.len; off += 4096)
        if (sys_map(FS_SLOT_SELF_TASK, dma_va + off, FS_SLOT_DMA, off, MAP_R | MAP_W) < 0)
            return E_NOMEM;
    dma = (uint8_t *)(uintptr_t)dma_va;
    dma_sectors = ci.len / BLK_SECTOR;
    uint64_t sectors;
    int64_t r = blk_attach(FS_SLOT_BLK, FS_SLOT_DMA, &sectors);
    if (r < 0)
        return (err_t)r;
    dev->ctx = NULL;
    dev->sector_size = BLK_SECTOR;
    dev->nsectors = sectors;
    dev->read = dev_read;
    dev->write = dev_write;
    return E_OK;
}

err_t fs_dev_flush(void)
{
    int64_t r = blk_flush(FS_SLOT_BLK);
    return r < 0 ? (err_t)r : E_OK;
}
