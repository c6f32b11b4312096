/*
 * fat_rename: moves an entry to a new name, possibly in another directory.
 * The new entry is written before the old one is deleted (a crash leaves
 * two names for one chain, which fsck.fat resolves, rather than none),
 * then a moved directory's ".." is pointed at its new parent.
 */
#include "fat_priv.h"

/* E_INVAL when directory `moving` is dir or one of its ancestors: a
 * directory cannot move into itself. Walks up through ".." entries. */
static err_t check_not_inside(struct fat_fs *fs, uint32_t moving, uint32_t dir)
{
    for (uint32_t steps = 0; steps < fs->nclusters; steps++) {
        if (dir == moving)
            return E_INVAL;
        if (dir == fs->root_cluster)
            return E_OK;
        uint8_t ent[DIRENT_SIZE];
        err_t e = fat_dir_get(fs, dir, 1, ent);
        if (e != E_OK)
            return e;
        if (!bytes_equal(ent + DE_NAME, "..         ", 11))
            return E_CORRUPT;
        uint32_t up = dirent_cluster(ent);
        if (up != 0 && !fat_cluster_valid(fs, up))
            return E_CORRUPT;
        dir = fat_dir_parent_cluster(fs, up);
    }
    return E_CORRUPT; /* ".." links that never reach the root */
}

/* Points the ".." entry of directory dir at parent. */
static err_t set_dotdot(struct fat_fs *fs, uint32_t dir, uint32_t parent)
{
    uint8_t ent[DIRENT_SIZE];
    err_t e = fat_dir_get(fs, dir, 1, ent);
    if (e != E_OK)
        return e;
    if (!bytes_equal(ent + DE_NAME, "..         ", 11))
        return E_CORRUPT;
    dirent_set_cluster(ent, parent == fs->root_cluster ? 0 : parent);
    return fat_dir_put(fs, dir, 1, ent, 1);
}

err_t fat_rename(struct fat_fs *fs, const char *from, const char *to)
{
    struct fat_node fparent, node, tparent;
    struct fat_found f, existing;
    err_t e = fat_resolve(fs, from, &fparent, &f, &node);
    if (e != E_OK)
        return e;
    const char *last;
    uint32_t len;
    e = fat_resolve_parent(fs, to, &tparent, &last, &len);
    if (e != E_OK)
        return e;
    uint16_t ucs[FAT_NAME_MAX];
    uint32_t n;
    e = fat_name_parse(last, len, ucs, &n);
    if (e != E_OK)
        return e;
    uint32_t fdir = fparent.first_cluster, tdir = tparent.first_cluster;
    e = fat_dir_find(fs, tdir, last, len, &existing);
    /* Finding the entry itself is a change of case only: allowed. */
    if (e == E_OK && !(tdir == fdir && existing.index == f.index))
        return E_EXIST;
    if (e != E_OK && e != E_NOENT)
        return e;
    if (node.is_dir) {
        e = check_not_inside(fs, node.first_cluster, tdir);
        if (e != E_OK)
            return e;
    }

    uint8_t ent[DIRENT_SIZE];
    bytes_copy(ent, f.ent, DIRENT_SIZE);
    uint32_t index;
    e = fat_dir_add(fs, tdir, ucs, n, ent, &index);
    if (e == E_OK)
        e = fat_dir_delete(fs, fdir, f.first_slot, f.index);
    if (e == E_OK && node.is_dir && tdir != fdir)
        e = set_dotdot(fs, node.first_cluster, tdir);
    err_t fl = fat_table_flush(fs);
    return e != E_OK ? e : fl;
}
