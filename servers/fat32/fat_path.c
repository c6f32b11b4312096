/*
 * Paths and listing: validating absolute paths, walking them component by
 * component from the root (fat_lookup and the helpers the namespace
 * operations use), and fat_readdir / fat_stat.
 */
#include "fat_priv.h"

void fat_root_node(const struct fat_fs *fs, struct fat_node *out)
{
    bytes_zero(out, sizeof *out);
    out->first_cluster = fs->root_cluster;
    out->is_dir = true;
    out->dirent_index = ROOT_DIRENT_INDEX;
}

err_t fat_node_from(const struct fat_fs *fs, uint32_t dir, const struct fat_found *f,
                    struct fat_node *out)
{
    const uint8_t *e = f->ent;
    bytes_zero(out, sizeof *out);
    out->first_cluster = dirent_cluster(e);
    out->is_dir = (e[DE_ATTR] & ATTR_DIRECTORY) != 0;
    out->size = out->is_dir ? 0 : get32(e + DE_SIZE);
    out->dir_cluster = dir;
    out->dirent_index = f->index;
    out->mtime = get16(e + DE_MTIME);
    out->mdate = get16(e + DE_MDATE);
    if (out->first_cluster != 0 && !fat_cluster_valid(fs, out->first_cluster))
        return E_CORRUPT;
    return out->is_dir && out->first_cluster == 0 ? E_CORRUPT : E_OK;
}

/* The component starting at path[*i] (just after a '/'); false at the end. */
static bool next_component(const char *path, uint32_t *i, const char **comp,
                           uint32_t *len)
{
    if (path[*i] == '\0')
        return false;
    uint32_t start = *i;
    while (path[*i] != '\0' && path[*i] != '/')
        (*i)++;
    *comp = path + start;
    *len = *i - start;
    if (path[*i] == '/')
        (*i)++;
    return true;
}

/* Syntax only, before any I/O, so a bad path is E_INVAL whatever the disk
 * holds: absolute, shorter than FAT_PATH_MAX with its NUL, no empty, "."
 * or ".." components, none longer than FAT_NAME_MAX. */
static err_t check_path(const char *path)
{
    if (!path || path[0] != '/')
        return E_INVAL;
    uint32_t n = 0;
    while (path[n] != '\0')
        if (++n >= FAT_PATH_MAX)
            return E_INVAL;
    if (n == 1)
        return E_OK;
    if (path[n - 1] == '/')
        return E_INVAL; /* trailing slash: an empty last component */
    uint32_t i = 1, len;
    const char *c;
    while (next_component(path, &i, &c, &len)) {
        if (len == 0 || len > FAT_NAME_MAX)
            return E_INVAL;
        if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
            return E_INVAL;
    }
    return E_OK;
}

/* Walks the components of a checked path; stops before the last one when
 * last is non-NULL. */
static err_t walk(struct fat_fs *fs, const char *path, struct fat_node *node,
                  const char **last, uint32_t *last_len)
{
    fat_root_node(fs, node);
    uint32_t i = 1, len;
    const char *c;
    struct fat_found f;
    while (next_component(path, &i, &c, &len)) {
        if (last && path[i] == '\0') {
            *last = c;
            *last_len = len;
            break;
        }
        if (!node->is_dir)
            return E_NOENT;
        uint32_t dir = node->first_cluster;
        err_t e = fat_dir_find(fs, dir, c, len, &f);
        if (e == E_OK)
            e = fat_node_from(fs, dir, &f, node);
        if (e != E_OK)
            return e;
    }
    return E_OK;
}

err_t fat_lookup(struct fat_fs *fs, const char *path, struct fat_node *out)
{
    err_t e = check_path(path);
    if (e == E_OK)
        e = walk(fs, path, out, NULL, NULL);
    return e;
}

err_t fat_resolve_parent(struct fat_fs *fs, const char *path, struct fat_node *parent,
                         const char **last, uint32_t *last_len)
{
    err_t e = check_path(path);
    if (e != E_OK)
        return e;
    if (path[1] == '\0')
        return E_INVAL; /* "/" has no parent and no name */
    e = walk(fs, path, parent, last, last_len);
    if (e == E_OK && !parent->is_dir)
        e = E_NOENT;
    return e;
}

err_t fat_resolve(struct fat_fs *fs, const char *path, struct fat_node *parent,
                  struct fat_found *f, struct fat_node *node)
{
    const char *last;
    uint32_t len;
    err_t e = fat_resolve_parent(fs, path, parent, &last, &len);
    if (e == E_OK)
        e = fat_dir_find(fs, parent->first_cluster, last, len, f);
    if (e == E_OK)
        e = fat_node_from(fs, parent->first_cluster, f, node);
    return e;
}

err_t fat_readdir(struct fat_fs *fs, const struct fat_node *dir, uint32_t *cookie,
                  struct fat_dirent *out)
{
    if (!dir->is_dir)
        return E_INVAL;
    if (*cookie >= DIR_MAX_ENTRIES)
        return E_NOENT;
    /* Resume at entry *cookie: the walk position names the cluster of the
     * entry before it (see fat_dir_read). */
    struct fat_walk pos = {dir->first_cluster, dir->first_cluster, *cookie};
    if (*cookie > 0) {
        uint32_t want = (*cookie - 1) / (fs->cluster_bytes / DIRENT_SIZE), reached;
        err_t e = fat_chain_seek(fs, dir->first_cluster, want, &pos.cluster, &reached);
        if (e != E_OK)
            return e;
        if (reached != want)
            return E_NOENT;
    }
    struct fat_found f;
    for (;;) {
        err_t e = fat_dir_next(fs, &pos, &f);
        if (e != E_OK)
            return e;
        if (f.dot)
            continue;
        bytes_copy(out->name, f.name, f.name_len + 1);
        out->is_dir = (f.ent[DE_ATTR] & ATTR_DIRECTORY) != 0;
        out->size = out->is_dir ? 0 : get32(f.ent + DE_SIZE);
        *cookie = pos.index;
        return E_OK;
    }
}

void fat_stat(const struct fat_node *n, struct fat_stat *out)
{
    out->size = n->size;
    out->is_dir = n->is_dir;
    out->first_cluster = n->first_cluster;
    out->mtime = n->mtime;
    out->mdate = n->mdate;
    /* fat_node carries no creation stamp: the modification stamp stands in. */
    out->ctime = n->mtime;
    out->cdate = n->mdate;
}
