/*
 * fat_check: verifies the FAT against the directory tree without any
 * memory beyond struct fat_fs. The cluster range is covered in windows of
 * check_map bits; for each window the whole tree is walked (iteratively,
 * with an explicit stack) and every cluster a chain uses is marked there,
 * so a cluster used twice, a lost cluster and a wrong free count show up.
 */
#include "fat_priv.h"

#define WINDOW_CLUSTERS (FAT_SECTOR_MAX * 8u)
#define STACK_DEPTH (sizeof((struct fat_fs *)0)->check_stack / sizeof(struct fat_walk))

struct window {
    uint32_t base; /* first cluster number of the window */
    const char *why;
};

static err_t fail(struct window *w, const char *why)
{
    w->why = why;
    return E_CORRUPT;
}

/* FAT copies must agree (fsck.fat complains otherwise). */
static err_t compare_copies(struct fat_fs *fs, struct window *w)
{
    if (!fs->fat_mirrored)
        return E_OK;
    uint8_t *other = fs->check_map; /* free until the windows start */
    for (uint32_t s = 0; s < fs->fat_sectors; s++) {
        err_t e = fat_io_read(fs, (uint64_t)fs->reserved_sectors + s, 1, fs->scratch);
        for (uint32_t i = 1; e == E_OK && i < fs->nfats; i++) {
            e = fat_io_read(
                fs, (uint64_t)fs->reserved_sectors + (uint64_t)i * fs->fat_sectors + s, 1,
                other);
            if (e == E_OK && !bytes_equal(fs->scratch, other, fs->bytes_per_sector))
                return fail(w, "FAT copies differ");
        }
        if (e != E_OK)
            return e;
    }
    return E_OK;
}

/* Walks a chain, marking its clusters that fall in the window; *len is the
 * chain's length in clusters. */
static err_t mark_chain(struct fat_fs *fs, struct window *w, uint32_t first,
                        uint32_t *len)
{
    uint32_t cl = first, n = 0;
    while (cl != 0) {
        if (!fat_cluster_valid(fs, cl))
            return fail(w, "chain points outside the volume");
        if (++n > fs->nclusters)
            return fail(w, "chain loops");
        uint32_t rel = cl - w->base;
        if (cl >= w->base && rel < WINDOW_CLUSTERS) {
            uint8_t bit = (uint8_t)(1u << (rel % 8));
            if (fs->check_map[rel / 8] & bit)
                return fail(w, "cluster used twice");
            fs->check_map[rel / 8] |= bit;
        }
        err_t e = fat_next(fs, cl, &cl);
        if (e == E_CORRUPT)
            return fail(w, "chain holds a free, bad or out-of-range entry");
        if (e != E_OK)
            return e;
    }
    *len = n;
    return E_OK;
}

/* "." and ".." of directory dir, whose parent is parent. */
static err_t check_dots(struct fat_fs *fs, struct window *w, uint32_t dir,
                        uint32_t parent)
{
    uint8_t ent[DIRENT_SIZE];
    err_t e = fat_dir_get(fs, dir, 0, ent);
    if (e != E_OK)
        return e;
    if (!bytes_equal(ent, ".          ", 11) || dirent_cluster(ent) != dir)
        return fail(w, "bad \".\" entry");
    e = fat_dir_get(fs, dir, 1, ent);
    if (e != E_OK)
        return e;
    uint32_t up = dirent_cluster(ent);
    bool parent_ok = up == parent || (parent == fs->root_cluster && up == 0);
    if (!bytes_equal(ent, "..         ", 11) || !parent_ok)
        return fail(w, "bad \"..\" entry");
    return E_OK;
}

/* One entry found in the directory on top of the stack. */
static err_t check_entry(struct fat_fs *fs, struct window *w, uint32_t *depth,
                         const struct fat_found *f, uint32_t *visits)
{
    uint32_t cl = dirent_cluster(f->ent), len = 0;
    uint32_t size = get32(f->ent + DE_SIZE);
    if (!(f->ent[DE_ATTR] & ATTR_DIRECTORY)) {
        if (cl == 0)
            return size == 0 ? E_OK : fail(w, "file with a size but no clusters");
        err_t e = mark_chain(fs, w, cl, &len);
        if (e != E_OK)
            return e;
        uint64_t need = ((uint64_t)size + fs->cluster_bytes - 1) / fs->cluster_bytes;
        return len == need ? E_OK : fail(w, "file size does not match its chain");
    }
    struct fat_walk *stack = fs->check_stack;
    for (uint32_t i = 0; i < *depth; i++)
        if (stack[i].first == cl)
            return fail(w, "directory inside itself");
    /* Each visit is a distinct directory in a sound tree, so more visits
     * than clusters means directories shared between parents. */
    if (++*visits > fs->nclusters)
        return fail(w, "directories reached twice");
    if (*depth == STACK_DEPTH)
        return fail(w, "directory tree deeper than any path");
    err_t e = mark_chain(fs, w, cl, &len);
    if (e == E_OK)
        e = check_dots(fs, w, cl, stack[*depth - 1].first);
    if (e != E_OK)
        return e;
    stack[*depth].first = cl;
    stack[*depth].cluster = cl;
    stack[*depth].index = 0;
    (*depth)++;
    return E_OK;
}

/* One pass over the tree for the window; then the window's FAT entries:
 * used but unmarked is lost, free ones are counted. */
static err_t check_window(struct fat_fs *fs, struct window *w, uint32_t *free_count)
{
    bytes_zero(fs->check_map, sizeof fs->check_map);
    uint32_t len, depth = 1, visits = 1;
    err_t e = mark_chain(fs, w, fs->root_cluster, &len);
    if (e != E_OK)
        return e;
    struct fat_walk *stack = fs->check_stack;
    stack[0].first = stack[0].cluster = fs->root_cluster;
    stack[0].index = 0;
    struct fat_found f;
    while (depth > 0) {
        e = fat_dir_next(fs, &stack[depth - 1], &f);
        if (e == E_NOENT) {
            depth--;
            continue;
        }
        if (e == E_CORRUPT)
            return fail(w, "bad directory entry or chain");
        if (e != E_OK)
            return e;
        if (f.dot)
            continue;
        e = check_entry(fs, w, &depth, &f, &visits);
        if (e != E_OK)
            return e;
    }
    for (uint32_t rel = 0; rel < WINDOW_CLUSTERS; rel++) {
        uint32_t cl = w->base + rel;
        if (!fat_cluster_valid(fs, cl))
            break;
        uint32_t v;
        e = fat_entry_get(fs, cl, &v);
        if (e != E_OK)
            return e;
        bool marked = fs->check_map[rel / 8] & (1u << (rel % 8));
        if (v == 0)
            (*free_count)++;
        else if (v != FAT_BAD_CLUSTER && !marked)
            return fail(w, "lost cluster (used but in no chain)");
    }
    return E_OK;
}

err_t fat_check(struct fat_fs *fs, const char **why)
{
    struct window w = {2, "device error"};
    *why = "";
    err_t e = fat_table_flush(fs);
    if (e == E_OK)
        e = compare_copies(fs, &w);
    uint32_t free_count = 0;
    for (uint64_t base = 2; e == E_OK && base < (uint64_t)fs->nclusters + 2;
         base += WINDOW_CLUSTERS) {
        w.base = (uint32_t)base;
        e = check_window(fs, &w, &free_count);
    }
    if (e == E_OK && free_count != fs->free_count)
        e = fail(&w, "free count wrong");
    if (e != E_OK)
        *why = w.why;
    return e;
}
