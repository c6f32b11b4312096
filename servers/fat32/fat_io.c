/*
 * Sector I/O for the FAT32 library: every device access goes through here,
 * bounded by the device size, so a corrupt number can never reach the
 * driver, and writes keep the cached directory sectors (dir_slots) coherent.
 */
#include "fat_priv.h"

static bool in_device(const struct fat_fs *fs, uint64_t sector, uint32_t count)
{
    return count <= fs->dev.nsectors && sector <= fs->dev.nsectors - count;
}

err_t fat_io_read(struct fat_fs *fs, uint64_t sector, uint32_t count, void *buf)
{
    if (!in_device(fs, sector, count))
        return E_CORRUPT;
    if (count == 0)
        return E_OK;
    err_t e = fs->dev.read(fs->dev.ctx, sector, count, buf);
    return e > 0 ? E_IO : e; /* the device's own code, E_IO for nonsense */
}

err_t fat_io_write(struct fat_fs *fs, uint64_t sector, uint32_t count, const void *buf)
{
    if (!in_device(fs, sector, count))
        return E_CORRUPT;
    if (count == 0)
        return E_OK;
    /* A cached directory sector overwritten through another path (only a
     * cross-linked, corrupt volume does that) must be read again. */
    fat_dir_invalidate(fs, sector, count);
    err_t e = fs->dev.write(fs->dev.ctx, sector, count, buf);
    return e > 0 ? E_IO : e;
}

err_t fat_zero_cluster(struct fat_fs *fs, uint32_t cl)
{
    if (!fat_cluster_valid(fs, cl))
        return E_CORRUPT;
    bytes_zero(fs->scratch, fs->bytes_per_sector);
    uint64_t s = fat_cluster_sector(fs, cl);
    for (uint32_t i = 0; i < fs->sectors_per_cluster; i++) {
        err_t e = fat_io_write(fs, s + i, 1, fs->scratch);
        if (e != E_OK)
            return e;
    }
    return E_OK;
}
