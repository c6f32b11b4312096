/*
 * Sector I/O for the FAT32 library: every device access goes through here,
 * bounded by the device size, so a corrupt number can never reach the
 * driver, and writes keep the cached directory sectors (dir_slots) coherent.
 * The first write after mount or fat_sync marks the volume dirty first
 * (FAT[1]'s clean-shutdown bit, fatgen103): a crash leaves it so, and
 * fsck.fat ("Dirty bit is set") and the next mount see it.
 */
#include "fat_priv.h"

static bool in_device(const struct fat_fs *fs, uint64_t sector, uint32_t count)
{
    return count <= fs->dev.nsectors && sector <= fs->dev.nsectors - count;
}

struct fat_sector_slot *fat_slot_find(struct fat_fs *fs, struct fat_sector_slot *slots, int n,
                                      uint64_t sector, bool *hit)
{
    struct fat_sector_slot *victim = &slots[0];
    fs->slot_clock++;
    for (int i = 0; i < n; i++) {
        struct fat_sector_slot *d = &slots[i];
        if (d->sector == sector) {
            d->last_use = fs->slot_clock;
            *hit = true;
            return d;
        }
        if (victim->sector != UINT64_MAX &&
            (d->sector == UINT64_MAX || d->last_use < victim->last_use))
            victim = d;
    }
    victim->last_use = fs->slot_clock;
    *hit = false;
    return victim;
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

static err_t device_write(struct fat_fs *fs, uint64_t sector, uint32_t count,
                          const void *buf)
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

err_t fat_io_write(struct fat_fs *fs, uint64_t sector, uint32_t count, const void *buf)
{
    if (!in_device(fs, sector, count))
        return E_CORRUPT; /* before the mark: a refused write changes nothing */
    err_t e = count == 0 ? E_OK : fat_mark_dirty(fs);
    return e != E_OK ? e : device_write(fs, sector, count, buf);
}

err_t fat_io_write_keeps_clean(struct fat_fs *fs, uint64_t sector, uint32_t count,
                               const void *buf)
{
    return device_write(fs, sector, count, buf);
}

/* ---- the clean-shutdown flag ---- */

/* Sector 0 of FAT copy i holds entries 0 and 1. */
static uint64_t flag_sector(const struct fat_fs *fs, uint32_t i)
{
    return (uint64_t)fs->reserved_sectors + (uint64_t)i * fs->fat_sectors;
}

err_t fat_read_flag(struct fat_fs *fs, bool *clean)
{
    err_t e = fat_io_read(fs, flag_sector(fs, fs->active_fat), 1, fs->flag_buf);
    if (e == E_OK)
        *clean = (get32(fs->flag_buf + 4) & FAT_CLEAN_SHUTDOWN) != 0;
    return e;
}

/* Sets (clean) or clears the bit in each FAT copy written, read and
 * written back on its own: the cached FAT sectors' pending changes must
 * not reach the disk before a dirty mark, nor does this wait for them. */
static err_t write_flag(struct fat_fs *fs, bool clean)
{
    for (uint32_t i = 0; i < fs->nfats; i++) {
        if (!fs->fat_mirrored && i != fs->active_fat)
            continue;
        err_t e = fat_io_read(fs, flag_sector(fs, i), 1, fs->flag_buf);
        if (e != E_OK)
            return e;
        uint32_t v = get32(fs->flag_buf + 4);
        put32(fs->flag_buf + 4, clean ? v | FAT_CLEAN_SHUTDOWN : v & ~FAT_CLEAN_SHUTDOWN);
        e = device_write(fs, flag_sector(fs, i), 1, fs->flag_buf);
        if (e != E_OK)
            return e;
    }
    for (int i = 0; i < FAT_TABLE_SLOTS; i++) {
        struct fat_sector_slot *t = &fs->fat_slots[i];
        if (t->sector != 0)
            continue; /* the cached copy of sector 0 says the same, for its next flush */
        uint32_t v = get32(t->data + 4);
        put32(t->data + 4, clean ? v | FAT_CLEAN_SHUTDOWN : v & ~FAT_CLEAN_SHUTDOWN);
    }
    return E_OK;
}

err_t fat_mark_dirty(struct fat_fs *fs)
{
    if (fs->marked_dirty || fs->mounted_unclean)
        return E_OK; /* marked already: by us, or by a crash before */
    err_t e = write_flag(fs, false);
    if (e == E_OK)
        fs->marked_dirty = true;
    return e;
}

err_t fat_mark_clean(struct fat_fs *fs)
{
    if (!fs->marked_dirty)
        return E_OK;
    err_t e = write_flag(fs, true);
    if (e == E_OK)
        fs->marked_dirty = false;
    return e;
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
