/*
 * The file allocation table: entry access through a few sectors of
 * write-back cache (flushed to every FAT copy), chain walking bounded by the cluster
 * count, allocation and freeing with the free count kept right.
 */
#include "fat_priv.h"

bool fat_cluster_valid(const struct fat_fs *fs, uint32_t cl)
{
    return cl >= 2 && cl - 2 < fs->nclusters;
}

uint64_t fat_cluster_sector(const struct fat_fs *fs, uint32_t cl)
{
    return fs->first_data_sector + (uint64_t)(cl - 2) * fs->sectors_per_cluster;
}

void fat_seek_forget(struct fat_fs *fs)
{
    for (uint32_t i = 0; i < FAT_SEEK_HINTS; i++)
        fs->seek_hints[i].first = 0;
}

/* Writes one cached FAT sector to every copy that is kept. */
static err_t flush_slot(struct fat_fs *fs, struct fat_sector_slot *t)
{
    if (!t->dirty)
        return E_OK;
    for (uint32_t i = 0; i < fs->nfats; i++) {
        if (!fs->fat_mirrored && i != fs->active_fat)
            continue;
        uint64_t s = (uint64_t)fs->reserved_sectors + (uint64_t)i * fs->fat_sectors + t->sector;
        err_t e = fat_io_write(fs, s, 1, t->data);
        if (e != E_OK)
            return e;
    }
    t->dirty = false;
    return E_OK;
}

err_t fat_table_flush(struct fat_fs *fs)
{
    for (int i = 0; i < FAT_TABLE_SLOTS; i++) {
        err_t e = flush_slot(fs, &fs->fat_slots[i]);
        if (e != E_OK)
            return e;
    }
    return E_OK;
}

/* The slot holding FAT sector `sec` (relative to the FAT's start), read
 * on a miss into the empty or least recently used slot, which is written
 * back first when dirty. */
static err_t load_fat_sector(struct fat_fs *fs, uint32_t sec, struct fat_sector_slot **out)
{
    bool hit;
    struct fat_sector_slot *t = fat_slot_find(fs, fs->fat_slots, FAT_TABLE_SLOTS, sec, &hit);
    if (!hit) {
        err_t e = flush_slot(fs, t);
        if (e != E_OK)
            return e;
        t->sector = UINT64_MAX;
        uint64_t s =
            (uint64_t)fs->reserved_sectors + (uint64_t)fs->active_fat * fs->fat_sectors + sec;
        e = fat_io_read(fs, s, 1, t->data);
        if (e != E_OK)
            return e;
        t->sector = sec;
    }
    *out = t;
    return E_OK;
}

/* Entries 0 and 1 are reserved but addressable (fat_check reads them). */
static err_t entry_place(struct fat_fs *fs, uint32_t cl, struct fat_sector_slot **t,
                         uint32_t *off)
{
    if (cl > fs->nclusters + 1)
        return E_CORRUPT;
    uint64_t byte = (uint64_t)cl * 4;
    *off = (uint32_t)(byte % fs->bytes_per_sector);
    return load_fat_sector(fs, (uint32_t)(byte / fs->bytes_per_sector), t);
}

err_t fat_entry_get(struct fat_fs *fs, uint32_t cl, uint32_t *val)
{
    uint32_t off;
    struct fat_sector_slot *t;
    err_t e = entry_place(fs, cl, &t, &off);
    if (e != E_OK)
        return e;
    *val = get32(t->data + off) & FAT_ENTRY_MASK;
    return E_OK;
}

err_t fat_entry_set(struct fat_fs *fs, uint32_t cl, uint32_t val)
{
    uint32_t off;
    struct fat_sector_slot *t;
    err_t e = entry_place(fs, cl, &t, &off);
    if (e != E_OK)
        return e;
    uint32_t old = get32(t->data + off);
    /* A link that disappears (cut or freed) invalidates the remembered
     * chain position; appending to a chain does not. */
    if (fat_cluster_valid(fs, old & FAT_ENTRY_MASK) || val == 0)
        fat_seek_forget(fs);
    put32(t->data + off, (old & ~FAT_ENTRY_MASK) | (val & FAT_ENTRY_MASK));
    t->dirty = true;
    return E_OK;
}

err_t fat_next(struct fat_fs *fs, uint32_t cl, uint32_t *next)
{
    if (!fat_cluster_valid(fs, cl))
        return E_CORRUPT;
    uint32_t v;
    err_t e = fat_entry_get(fs, cl, &v);
    if (e != E_OK)
        return e;
    if (v >= FAT_EOC_MIN) {
        *next = 0;
        return E_OK;
    }
    if (!fat_cluster_valid(fs, v))
        return E_CORRUPT; /* free, reserved, bad or past the end inside a chain */
    *next = v;
    return E_OK;
}

/* The remembered position in first's chain nearest below index, or NULL. */
static struct fat_seek_hint *best_hint(struct fat_fs *fs, uint32_t first, uint32_t index)
{
    struct fat_seek_hint *best = NULL;
    for (uint32_t i = 0; i < FAT_SEEK_HINTS; i++) {
        struct fat_seek_hint *h = &fs->seek_hints[i];
        if (h->first == first && h->index <= index && (!best || h->index > best->index))
            best = h;
    }
    return best;
}

err_t fat_chain_seek(struct fat_fs *fs, uint32_t first, uint32_t index, uint32_t *cl,
                     uint32_t *reached)
{
    if (!fat_cluster_valid(fs, first))
        return E_CORRUPT;
    uint32_t nx;
    err_t e;
    /* Sequential access resumes where an earlier seek stopped. */
    struct fat_seek_hint *h = best_hint(fs, first, index);
    if (!h) {
        /* The first cluster itself must be in use, not free or bad. */
        e = fat_next(fs, first, &nx);
        if (e != E_OK)
            return e;
        h = &fs->seek_hints[fs->seek_next_victim];
        fs->seek_next_victim = (fs->seek_next_victim + 1) % FAT_SEEK_HINTS;
        *h = (struct fat_seek_hint){.first = first, .index = 0, .cluster = first,
                                    .saved = first, .power = 1, .steps = 0};
    }
    uint32_t cur = h->cluster, i = h->index;
    /* Brent's cycle finding, carried on from walk to walk along the hint:
     * a loop is caught within a few laps, and in any case a chain longer
     * than the volume is one. */
    uint32_t saved = h->saved, power = h->power, steps = h->steps;
    while (i < index) {
        e = fat_next(fs, cur, &nx);
        if (e != E_OK)
            goto fail;
        if (nx == 0)
            break;
        e = E_CORRUPT;
        if (nx == saved || i + 1 >= fs->nclusters)
            goto fail;
        if (++steps == power) {
            saved = nx;
            power *= 2;
            steps = 0;
        }
        cur = nx;
        i++;
    }
    /* The cluster reached must be in use too (a link into a free cluster
     * is a broken chain). */
    e = fat_next(fs, cur, &nx);
    if (e != E_OK)
        goto fail;
    h->cluster = cur;
    h->index = i;
    h->saved = saved;
    h->power = power;
    h->steps = steps;
    *cl = cur;
    *reached = i;
    return E_OK;
fail:
    fat_seek_forget(fs);
    return e;
}

err_t fat_alloc(struct fat_fs *fs, uint32_t *out)
{
    uint32_t start = fat_cluster_valid(fs, fs->next_free) ? fs->next_free : 2;
    uint32_t cl = start;
    for (uint32_t n = 0; n < fs->nclusters; n++) {
        uint32_t v;
        err_t e = fat_entry_get(fs, cl, &v);
        if (e != E_OK)
            return e;
        if (v == 0) {
            e = fat_entry_set(fs, cl, FAT_EOC);
            if (e != E_OK)
                return e;
            if (fs->free_count > 0)
                fs->free_count--;
            fs->next_free = fat_cluster_valid(fs, cl + 1) ? cl + 1 : 2;
            *out = cl;
            return E_OK;
        }
        cl = fat_cluster_valid(fs, cl + 1) ? cl + 1 : 2;
    }
    fs->free_count = 0;
    return E_NOSPACE;
}

err_t fat_free_chain(struct fat_fs *fs, uint32_t cl)
{
    for (uint32_t n = 0; n < fs->nclusters; n++) {
        if (!fat_cluster_valid(fs, cl))
            return E_CORRUPT;
        uint32_t v;
        err_t e = fat_entry_get(fs, cl, &v);
        if (e != E_OK)
            return e;
        if (v == 0 || v == 1 || v == FAT_BAD_CLUSTER)
            return E_CORRUPT; /* shared with a chain already freed, or never valid */
        e = fat_entry_set(fs, cl, 0);
        if (e != E_OK)
            return e;
        if (fs->free_count < fs->nclusters)
            fs->free_count++;
        if (v >= FAT_EOC_MIN)
            return E_OK;
        cl = v;
    }
    return E_CORRUPT;
}

err_t fat_count_free(struct fat_fs *fs, uint32_t *count)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < fs->nclusters; i++) {
        uint32_t v;
        err_t e = fat_entry_get(fs, i + 2, &v);
        if (e != E_OK)
            return e;
        if (v == 0)
            n++;
    }
    *count = n;
    return E_OK;
}
