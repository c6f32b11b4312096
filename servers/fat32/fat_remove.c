/*
 * Removing names: fat_unlink and fat_rmdir. The entries (LFN and short)
 * are marked deleted before the clusters are freed, so the directory never
 * names a free cluster; a crash in between leaves lost clusters, which
 * fsck.fat reclaims.
 */
#include "fat_priv.h"

/* Deletes the entry f in parent, then frees the chain starting at first. */
static err_t remove_entry(struct fat_fs *fs, const struct fat_node *parent,
                          const struct fat_found *f, uint32_t first)
{
    err_t e = fat_dir_delete(fs, parent->first_cluster, f->first_slot, f->index);
    if (e == E_OK && first != 0)
        e = fat_free_chain(fs, first);
    err_t fl = fat_table_flush(fs);
    return e != E_OK ? e : fl;
}

err_t fat_unlink(struct fat_fs *fs, const char *path)
{
    struct fat_node parent, node;
    struct fat_found f;
    err_t e = fat_resolve(fs, path, &parent, &f, &node);
    if (e != E_OK)
        return e;
    if (node.is_dir)
        return E_INVAL;
    return remove_entry(fs, &parent, &f, node.first_cluster);
}

/* E_OK when dir holds nothing but "." and "..", E_BUSY otherwise. */
static err_t check_empty(struct fat_fs *fs, uint32_t dir)
{
    struct fat_walk pos = {dir, dir, 0};
    struct fat_found f;
    err_t e;
    while ((e = fat_dir_next(fs, &pos, &f)) == E_OK)
        if (!f.dot)
            return E_BUSY;
    return e == E_NOENT ? E_OK : e;
}

err_t fat_rmdir(struct fat_fs *fs, const char *path)
{
    struct fat_node parent, node;
    struct fat_found f;
    err_t e = fat_resolve(fs, path, &parent, &f, &node);
    if (e != E_OK)
        return e;
    if (!node.is_dir)
        return E_INVAL;
    e = check_empty(fs, node.first_cluster);
    if (e != E_OK)
        return e;
    return remove_entry(fs, &parent, &f, node.first_cluster);
}
