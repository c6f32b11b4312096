/*
 * Directory contents: reading entries along a directory's cluster chain
 * (through a few cached sectors), assembling long names from LFN entries, finding a
 * name, and writing, deleting and allocating entry slots.
 */
#include "fat_priv.h"

static uint32_t entries_per_cluster(const struct fat_fs *fs)
{
    return fs->cluster_bytes / DIRENT_SIZE;
}

void fat_dir_invalidate(struct fat_fs *fs, uint64_t sector, uint64_t count)
{
    for (int i = 0; i < FAT_DIR_SLOTS; i++) {
        struct fat_sector_slot *d = &fs->dir_slots[i];
        if (d->sector != UINT64_MAX && d->sector >= sector && d->sector - sector < count)
            d->sector = UINT64_MAX;
    }
}

/* The slot holding a directory sector, read from the disk on a miss into
 * the empty or least recently used slot. *out stays valid until the next
 * load of another sector. */
static err_t load_dir_sector(struct fat_fs *fs, uint64_t sector, struct fat_sector_slot **out)
{
    bool hit;
    struct fat_sector_slot *d = fat_slot_find(fs, fs->dir_slots, FAT_DIR_SLOTS, sector, &hit);
    if (!hit) {
        d->sector = UINT64_MAX;
        err_t e = fat_io_read(fs, sector, 1, d->data);
        if (e != E_OK)
            return e;
        d->sector = sector;
    }
    *out = d;
    return E_OK;
}

/* Marks a sector's slot empty: its edits did not reach the disk. */
static void drop_dir_sector(struct fat_fs *fs, uint64_t sector)
{
    fat_dir_invalidate(fs, sector, 1);
}

/* Sector and byte offset of entry `index` inside cluster cl. */
static void entry_place(const struct fat_fs *fs, uint32_t cl, uint32_t index,
                        uint64_t *sector, uint32_t *off)
{
    uint32_t byte = (index % entries_per_cluster(fs)) * DIRENT_SIZE;
    *sector = fat_cluster_sector(fs, cl) + byte / fs->bytes_per_sector;
    *off = byte % fs->bytes_per_sector;
}

/* pos->cluster holds entry pos->index - 1 (or the first entry when the
 * index is 0), so crossing into the next cluster happens on demand. */
err_t fat_dir_read(struct fat_fs *fs, struct fat_walk *pos, uint8_t ent[DIRENT_SIZE])
{
    uint32_t nx;
    err_t e;
    if (pos->index == 0) {
        /* The directory's first cluster must be allocated. */
        pos->cluster = pos->first;
        e = fat_next(fs, pos->first, &nx);
        if (e != E_OK)
            return e;
    } else if (pos->index % entries_per_cluster(fs) == 0) {
        e = fat_next(fs, pos->cluster, &nx);
        if (e != E_OK)
            return e;
        if (nx == 0)
            return E_NOENT;
        /* A directory may not be longer than 65536 entries: a chain that
         * goes on is corrupt (typically a loop). */
        if (pos->index >= DIR_MAX_ENTRIES)
            return E_CORRUPT;
        uint32_t after;
        e = fat_next(fs, nx, &after); /* the new cluster must be in use */
        if (e != E_OK)
            return e;
        pos->cluster = nx;
    }
    uint64_t sector;
    uint32_t off;
    entry_place(fs, pos->cluster, pos->index, &sector, &off);
    struct fat_sector_slot *d;
    e = load_dir_sector(fs, sector, &d);
    if (e != E_OK)
        return e;
    bytes_copy(ent, d->data + off, DIRENT_SIZE);
    pos->index++;
    return E_OK;
}

/* Long-name assembly across consecutive entries (fatgen103 section 7). */
struct lfn_run {
    uint16_t chars[LFN_MAX_SLOTS * LFN_CHARS];
    uint32_t slots; /* entries in the run, 0: none */
    uint32_t want;  /* ordinal expected next; 0 when complete */
    uint8_t sum;
    uint32_t start; /* index of the run's first entry */
};

static void lfn_entry(struct lfn_run *run, const uint8_t *ent, uint32_t index)
{
    uint32_t ord = ent[LFN_ORD] & ~(uint32_t)LFN_LAST;
    bool sane =
        ord >= 1 && ord <= LFN_MAX_SLOTS && ent[12] == 0 && get16(ent + DE_CLUS_LO) == 0;
    if (ent[LFN_ORD] & LFN_LAST) {
        /* The entry with the highest ordinal comes first and starts a run. */
        run->slots = sane ? ord : 0;
        run->want = ord;
        run->sum = ent[LFN_CHECKSUM];
        run->start = index;
    } else if (!sane || run->slots == 0 || ord != run->want ||
               ent[LFN_CHECKSUM] != run->sum) {
        run->slots = 0;
        return;
    }
    if (run->slots == 0)
        return;
    for (uint32_t i = 0; i < LFN_CHARS; i++)
        run->chars[(ord - 1) * LFN_CHARS + i] = get16(ent + fat_lfn_offsets[i]);
    run->want = ord - 1;
}

/* The long name of a completed run that belongs to short entry ent. */
static void lfn_finish(struct lfn_run *run, const uint8_t *ent, struct fat_found *f)
{
    if (run->slots == 0 || run->want != 0 || run->sum != fat_lfn_checksum(ent + DE_NAME))
        return;
    uint32_t max = run->slots * LFN_CHARS, n = 0;
    while (n < max && run->chars[n] != 0)
        n++;
    if (n > FAT_NAME_MAX || !fat_ucs_name_ok(run->chars, n))
        return; /* unusable: the short name stands */
    uint32_t len = fat_ucs_to_utf8(run->chars, n, f->name, sizeof f->name);
    if (len == 0)
        return;
    f->name_len = len;
    f->first_slot = run->start;
}

static bool is_dot_name(const uint8_t *name)
{
    return bytes_equal(name, ".          ", 11) || bytes_equal(name, "..         ", 11);
}

err_t fat_dir_next(struct fat_fs *fs, struct fat_walk *pos, struct fat_found *f)
{
    struct lfn_run run;
    run.slots = 0;
    uint8_t ent[DIRENT_SIZE];
    for (;;) {
        uint32_t index = pos->index;
        err_t e = fat_dir_read(fs, pos, ent);
        if (e != E_OK)
            return e;
        if (ent[0] == DIRENT_END)
            return E_NOENT;
        if (ent[0] == DIRENT_FREE) {
            run.slots = 0;
            continue;
        }
        uint8_t attr = ent[DE_ATTR];
        if ((attr & ATTR_LONG_NAME_MASK) == ATTR_LONG_NAME) {
            lfn_entry(&run, ent, index);
            continue;
        }
        if (attr & ATTR_VOLUME_ID) {
            run.slots = 0;
            continue;
        }
        uint32_t cl = dirent_cluster(ent);
        f->dot = is_dot_name(ent);
        if (!f->dot && !fat_short_name_valid(ent))
            return E_CORRUPT;
        if (cl != 0 && !fat_cluster_valid(fs, cl))
            return E_CORRUPT;
        /* A directory always owns a cluster (only ".." may say 0: root);
         * a file without clusters is empty. */
        if (!f->dot && cl == 0 && ((attr & ATTR_DIRECTORY) || get32(ent + DE_SIZE) != 0))
            return E_CORRUPT;
        bytes_copy(f->ent, ent, DIRENT_SIZE);
        f->index = index;
        f->first_slot = index;
        f->short_len = fat_short_display(ent, f->short_name);
        f->name_len = 0;
        if (!f->dot)
            lfn_finish(&run, ent, f);
        if (f->name_len == 0) {
            bytes_copy(f->name, f->short_name, f->short_len + 1);
            f->name_len = f->short_len;
        }
        return E_OK;
    }
}

err_t fat_dir_find(struct fat_fs *fs, uint32_t dir, const char *name, uint32_t len,
                   struct fat_found *f)
{
    struct fat_walk pos = {dir, dir, 0};
    for (;;) {
        err_t e = fat_dir_next(fs, &pos, f);
        if (e != E_OK)
            return e;
        if (f->dot)
            continue;
        if (fat_name_equal(name, len, f->name, f->name_len) ||
            fat_name_equal(name, len, f->short_name, f->short_len))
            return E_OK;
    }
}

/* Sector and offset of entry `index` of directory dir; the chain must
 * reach it. */
static err_t locate(struct fat_fs *fs, uint32_t dir, uint32_t index, uint64_t *sector,
                    uint32_t *off)
{
    if (index >= DIR_MAX_ENTRIES)
        return E_CORRUPT;
    uint32_t want = index / entries_per_cluster(fs), cl, reached;
    err_t e = fat_chain_seek(fs, dir, want, &cl, &reached);
    if (e != E_OK)
        return e;
    if (reached != want)
        return E_CORRUPT;
    entry_place(fs, cl, index, sector, off);
    return E_OK;
}

err_t fat_dir_get(struct fat_fs *fs, uint32_t dir, uint32_t index,
                  uint8_t ent[DIRENT_SIZE])
{
    uint64_t sector;
    uint32_t off;
    struct fat_sector_slot *d;
    err_t e = locate(fs, dir, index, &sector, &off);
    if (e == E_OK)
        e = load_dir_sector(fs, sector, &d);
    if (e == E_OK)
        bytes_copy(ent, d->data + off, DIRENT_SIZE);
    return e;
}

/* Rewrites count entries from index: copies ents in, or (ents NULL) marks
 * them deleted. Each sector is written once. */
static err_t modify(struct fat_fs *fs, uint32_t dir, uint32_t index, const uint8_t *ents,
                    uint32_t count)
{
    /* Whatever the FAT gained for these entries reaches the disk first. */
    err_t e = fat_table_flush(fs);
    uint64_t sector = UINT64_MAX;
    for (uint32_t i = 0; e == E_OK && i < count; i++) {
        uint32_t off;
        struct fat_sector_slot *d;
        e = locate(fs, dir, index + i, &sector, &off);
        if (e == E_OK)
            e = load_dir_sector(fs, sector, &d);
        if (e != E_OK)
            break;
        if (ents)
            bytes_copy(d->data + off, ents + i * DIRENT_SIZE, DIRENT_SIZE);
        else
            d->data[off] = DIRENT_FREE;
        bool sector_done = i + 1 == count || off + DIRENT_SIZE == fs->bytes_per_sector;
        if (sector_done) {
            /* fat_io_write empties the slot (it keeps every cached copy
             * coherent); the slot's bytes are the disk's once it succeeds. */
            e = fat_io_write(fs, sector, 1, d->data);
            if (e == E_OK)
                d->sector = sector; /* its use was recorded at the load */
        }
    }
    if (e != E_OK && sector != UINT64_MAX)
        drop_dir_sector(fs, sector); /* never keep edits that did not reach the disk */
    return e;
}

err_t fat_dir_put(struct fat_fs *fs, uint32_t dir, uint32_t index, const uint8_t *ents,
                  uint32_t count)
{
    return modify(fs, dir, index, ents, count);
}

err_t fat_dir_delete(struct fat_fs *fs, uint32_t dir, uint32_t from, uint32_t to)
{
    if (to < from)
        return E_CORRUPT;
    return modify(fs, dir, from, NULL, to - from + 1);
}

/* Appends one zeroed cluster to the directory whose last cluster is last. */
static err_t grow(struct fat_fs *fs, uint32_t last, uint32_t *added)
{
    uint32_t cl;
    err_t e = fat_alloc(fs, &cl);
    if (e != E_OK)
        return e;
    /* Zeroed before it is linked: a directory never shows stale bytes. */
    e = fat_zero_cluster(fs, cl);
    if (e == E_OK)
        e = fat_table_flush(fs);
    if (e == E_OK)
        e = fat_entry_set(fs, last, cl);
    if (e != E_OK) {
        (void)fat_free_chain(fs, cl);
        return e;
    }
    *added = cl;
    return E_OK;
}

err_t fat_dir_slots(struct fat_fs *fs, uint32_t dir, uint32_t count, uint32_t *index)
{
    struct fat_walk pos = {dir, dir, 0};
    uint32_t run = 0, start = 0;
    uint8_t ent[DIRENT_SIZE];
    err_t e;
    while ((e = fat_dir_read(fs, &pos, ent)) == E_OK) {
        if (ent[0] == DIRENT_END || ent[0] == DIRENT_FREE) {
            if (run++ == 0)
                start = pos.index - 1;
            if (run == count) {
                *index = start;
                return E_OK;
            }
        } else {
            run = 0;
        }
    }
    if (e != E_NOENT)
        return e;
    /* Not enough room: add zeroed clusters after the last one; a free run
     * at the end continues into them. */
    if (run == 0)
        start = pos.index;
    uint32_t epc = entries_per_cluster(fs);
    uint32_t last = pos.cluster, total = pos.index;
    while (run < count) {
        if (total + epc > DIR_MAX_ENTRIES)
            return E_NOSPACE;
        e = grow(fs, last, &last);
        if (e != E_OK)
            return e;
        total += epc;
        run += epc;
    }
    *index = start;
    return E_OK;
}

uint32_t fat_dir_parent_cluster(const struct fat_fs *fs, uint32_t dotdot)
{
    return dotdot == 0 ? fs->root_cluster : dotdot;
}
