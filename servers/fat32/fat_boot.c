/*
 * Mounting a FAT32 volume: validates the boot sector's BPB (fatgen103
 * section 3) and the FSInfo sector, derives the layout, reads the
 * clean-shutdown flag, and writes FSInfo back (and the flag clean) on
 * fat_sync.
 */
#include "fat_priv.h"

/* Boot sector (BPB) offsets. */
#define BPB_BYTES_PER_SEC 11
#define BPB_SEC_PER_CLUS 13
#define BPB_RSVD_SEC_CNT 14
#define BPB_NUM_FATS 16
#define BPB_ROOT_ENT_CNT 17
#define BPB_TOT_SEC16 19
#define BPB_MEDIA 21
#define BPB_FAT_SZ16 22
#define BPB_TOT_SEC32 32
#define BPB_FAT_SZ32 36
#define BPB_EXT_FLAGS 40
#define BPB_FS_VER 42
#define BPB_ROOT_CLUS 44
#define BPB_FS_INFO 48
#define BPB_BK_BOOT_SEC 50
#define BOOT_SIGNATURE 510

#define EXT_FLAGS_NO_MIRROR 0x80
#define EXT_FLAGS_ACTIVE 0x0F
#define MAX_FATS 4 /* more copies than anyone makes is a corrupt byte */

/* FSInfo sector. */
#define FSI_LEAD_SIG 0
#define FSI_STRUC_SIG 484
#define FSI_FREE_COUNT 488
#define FSI_NXT_FREE 492
#define FSI_TRAIL_SIG 508
#define FSI_LEAD_VALUE 0x41615252u
#define FSI_STRUC_VALUE 0x61417272u
#define FSI_TRAIL_VALUE 0xAA550000u
#define FSI_UNKNOWN 0xFFFFFFFFu

static bool power_of_two(uint32_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

static bool fsinfo_signed(const uint8_t *s)
{
    return get32(s + FSI_LEAD_SIG) == FSI_LEAD_VALUE &&
           get32(s + FSI_STRUC_SIG) == FSI_STRUC_VALUE &&
           get32(s + FSI_TRAIL_SIG) == FSI_TRAIL_VALUE;
}

/* The BPB fields that make the layout; E_CORRUPT for anything that is not
 * a FAT32 volume this device can hold. */
static err_t parse_bpb(struct fat_fs *fs, const uint8_t *b)
{
    if (b[BOOT_SIGNATURE] != 0x55 || b[BOOT_SIGNATURE + 1] != 0xAA)
        return E_CORRUPT;
    uint32_t bps = get16(b + BPB_BYTES_PER_SEC);
    uint32_t spc = b[BPB_SEC_PER_CLUS];
    if (bps != fs->dev.sector_size || !power_of_two(spc))
        return E_CORRUPT;
    uint32_t rsvd = get16(b + BPB_RSVD_SEC_CNT);
    uint32_t nfats = b[BPB_NUM_FATS];
    if (rsvd == 0 || nfats == 0 || nfats > MAX_FATS)
        return E_CORRUPT;
    /* A root-entry count or 16-bit FAT size means FAT12/16. */
    if (get16(b + BPB_ROOT_ENT_CNT) != 0 || get16(b + BPB_FAT_SZ16) != 0)
        return E_CORRUPT;
    uint32_t media = b[BPB_MEDIA];
    if (media != 0xF0 && media < 0xF8)
        return E_CORRUPT;
    uint32_t total = get16(b + BPB_TOT_SEC16);
    if (total == 0)
        total = get32(b + BPB_TOT_SEC32);
    uint32_t fatsz = get32(b + BPB_FAT_SZ32);
    if (total == 0 || total > fs->dev.nsectors || fatsz == 0)
        return E_CORRUPT;
    if (get16(b + BPB_FS_VER) != 0)
        return E_CORRUPT;
    uint64_t data = (uint64_t)rsvd + (uint64_t)nfats * fatsz;
    if (data >= total)
        return E_CORRUPT;
    uint64_t clusters = (total - data) / spc;
    /* The cluster count alone decides the FAT type (fatgen103 3.5). */
    if (clusters < FAT_MIN_CLUSTERS || clusters > FAT_MAX_CLUSTERS)
        return E_CORRUPT;
    if ((uint64_t)fatsz * bps / 4 < clusters + 2)
        return E_CORRUPT; /* the FAT cannot describe every cluster */

    uint32_t ext = get16(b + BPB_EXT_FLAGS);
    fs->fat_mirrored = (ext & EXT_FLAGS_NO_MIRROR) == 0;
    fs->active_fat = fs->fat_mirrored ? 0 : (ext & EXT_FLAGS_ACTIVE);
    if (fs->active_fat >= nfats)
        return E_CORRUPT;

    fs->bytes_per_sector = bps;
    fs->sectors_per_cluster = spc;
    fs->cluster_bytes = bps * spc;
    fs->reserved_sectors = rsvd;
    fs->nfats = nfats;
    fs->fat_sectors = fatsz;
    fs->first_data_sector = (uint32_t)data;
    fs->nclusters = (uint32_t)clusters;
    fs->root_cluster = get32(b + BPB_ROOT_CLUS);
    if (!fat_cluster_valid(fs, fs->root_cluster))
        return E_CORRUPT;

    /* FSInfo must sit in the reserved area, away from the boot sector and
     * its backup copy (3 sectors), or we will never write it. */
    uint32_t fsi = get16(b + BPB_FS_INFO);
    uint32_t bk = get16(b + BPB_BK_BOOT_SEC);
    fs->backup_boot_sector = bk;
    bool clashes = bk != 0 && bk != 0xFFFF && fsi >= bk && fsi < bk + 3;
    fs->fsinfo_sector = fsi != 0 && fsi < rsvd && !clashes ? fsi : 0;
    return E_OK;
}

err_t fat_mount(struct fat_fs *fs, const struct fat_dev *dev)
{
    if (!fs || !dev || !dev->read || !dev->write || dev->sector_size < 512 ||
        dev->sector_size > FAT_SECTOR_MAX || !power_of_two(dev->sector_size))
        return E_INVAL;
    bytes_zero(fs, sizeof *fs);
    bytes_copy(&fs->dev, dev, sizeof *dev);
    for (int i = 0; i < FAT_TABLE_SLOTS; i++)
        fs->fat_slots[i].sector = UINT64_MAX;
    for (int i = 0; i < FAT_DIR_SLOTS; i++)
        fs->dir_slots[i].sector = UINT64_MAX;
    fs->bytes_per_sector = dev->sector_size; /* for fat_io before the BPB is read */

    err_t e = fat_io_read(fs, 0, 1, fs->scratch);
    if (e != E_OK)
        return e;
    e = parse_bpb(fs, fs->scratch);
    if (e != E_OK)
        return e;

    uint32_t free_count = FSI_UNKNOWN, hint = FSI_UNKNOWN;
    if (fs->fsinfo_sector != 0) {
        e = fat_io_read(fs, fs->fsinfo_sector, 1, fs->scratch);
        if (e != E_OK)
            return e;
        /* Bad signatures: FSInfo is treated as absent (counts recomputed)
         * and fat_sync rewrites it whole. */
        fs->fsinfo_ok = fsinfo_signed(fs->scratch);
        if (fs->fsinfo_ok) {
            free_count = get32(fs->scratch + FSI_FREE_COUNT);
            hint = get32(fs->scratch + FSI_NXT_FREE);
        }
    }
    if (free_count > fs->nclusters) {
        e = fat_count_free(fs, &free_count);
        if (e != E_OK)
            return e;
    }
    fs->free_count = free_count;
    fs->next_free = fat_cluster_valid(fs, hint) ? hint : 2;
    bool clean;
    e = fat_read_flag(fs, &clean);
    if (e != E_OK)
        return e;
    /* Found dirty, it stays dirty: our sync cannot vouch for the damage a
     * crash left (lost clusters, a stale FSInfo count); fsck.fat clears it. */
    fs->mounted_unclean = !clean;
    return E_OK;
}

err_t fat_sync(struct fat_fs *fs)
{
    err_t e = fat_table_flush(fs);
    if (e != E_OK)
        return e;
    if (fs->fsinfo_sector == 0)
        return fat_mark_clean(fs);
    e = fat_io_read(fs, fs->fsinfo_sector, 1, fs->scratch);
    if (e != E_OK)
        return e;
    if (!fsinfo_signed(fs->scratch)) {
        bytes_zero(fs->scratch, fs->bytes_per_sector);
        put32(fs->scratch + FSI_LEAD_SIG, FSI_LEAD_VALUE);
        put32(fs->scratch + FSI_STRUC_SIG, FSI_STRUC_VALUE);
        put32(fs->scratch + FSI_TRAIL_SIG, FSI_TRAIL_VALUE);
    }
    put32(fs->scratch + FSI_FREE_COUNT, fs->free_count);
    put32(fs->scratch + FSI_NXT_FREE, fs->next_free);
    /* The exact count: a clean volume stays clean (a sync with nothing
     * written since the last one writes no flag). */
    e = fat_io_write_keeps_clean(fs, fs->fsinfo_sector, 1, fs->scratch);
    if (e == E_OK)
        fs->fsinfo_ok = true;
    return e == E_OK ? fat_mark_clean(fs) : e;
}
