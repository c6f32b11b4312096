/*
 * File contents: reading and writing bytes along a file's cluster chain,
 * growing it (holes read as zeros) and shrinking it, and mapping a file
 * offset to a volume sector. The directory entry never claims more than
 * the FAT holds: clusters are allocated before the entry grows and the
 * entry shrinks before clusters are freed.
 */
#include "fat_priv.h"

#define FILE_SIZE_MAX UINT32_MAX

static uint32_t clusters_for(const struct fat_fs *fs, uint64_t bytes)
{
    return (uint32_t)((bytes + fs->cluster_bytes - 1) / fs->cluster_bytes);
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* Rewrites the node's size, first cluster and modification stamp in its
 * short entry. */
static err_t store_entry(struct fat_fs *fs, const struct fat_node *n)
{
    if (n->dirent_index == ROOT_DIRENT_INDEX)
        return E_INVAL;
    uint8_t ent[DIRENT_SIZE];
    err_t e = fat_dir_get(fs, n->dir_cluster, n->dirent_index, ent);
    if (e != E_OK)
        return e;
    /* A node whose entry has gone (stale after unlink or rename). */
    uint8_t attr = ent[DE_ATTR];
    if (ent[0] == DIRENT_END || ent[0] == DIRENT_FREE ||
        (attr & ATTR_LONG_NAME_MASK) == ATTR_LONG_NAME || (attr & ATTR_DIRECTORY) != 0)
        return E_CORRUPT;
    dirent_set_cluster(ent, n->first_cluster);
    put32(ent + DE_SIZE, n->size);
    put16(ent + DE_MTIME, n->mtime);
    put16(ent + DE_MDATE, n->mdate);
    put16(ent + DE_ADATE, n->mdate);
    ent[DE_ATTR] = attr | ATTR_ARCHIVE;
    return fat_dir_put(fs, n->dir_cluster, n->dirent_index, ent, 1);
}

static void stamp(struct fat_fs *fs, struct fat_node *n)
{
    uint8_t tenth;
    fat_timestamp(fs, &n->mdate, &n->mtime, &tenth);
}

/* Reads len bytes at byte in_off of cluster cl (within the cluster). */
static err_t read_in_cluster(struct fat_fs *fs, uint32_t cl, uint32_t in_off,
                             uint8_t *dst, uint32_t len)
{
    uint32_t bps = fs->bytes_per_sector;
    uint64_t sector = fat_cluster_sector(fs, cl) + in_off / bps;
    uint32_t soff = in_off % bps;
    while (len > 0) {
        err_t e;
        uint32_t chunk;
        if (soff == 0 && len >= bps) {
            uint32_t k = len / bps;
            e = fat_io_read(fs, sector, k, dst);
            chunk = k * bps;
            sector += k;
        } else {
            chunk = min_u32(bps - soff, len);
            e = fat_io_read(fs, sector, 1, fs->scratch);
            if (e == E_OK)
                bytes_copy(dst, fs->scratch + soff, chunk);
            sector++;
            soff = 0;
        }
        if (e != E_OK)
            return e;
        dst += chunk;
        len -= chunk;
    }
    return E_OK;
}

/* How many bytes from byte in_off of cluster cl (chain position k of the
 * chain starting at first) lie in clusters that follow cl on the disk
 * without a gap, up to want: one device request can move them. */
static err_t contiguous_bytes(struct fat_fs *fs, uint32_t first, uint32_t k, uint32_t cl,
                              uint32_t in_off, uint32_t want, uint32_t *len)
{
    *len = min_u32(fs->cluster_bytes - in_off, want);
    for (uint32_t j = 1; *len < want; j++) {
        uint32_t next, reached;
        err_t e = fat_chain_seek(fs, first, k + j, &next, &reached);
        if (e != E_OK)
            return e;
        if (reached != k + j || next != cl + j)
            break;
        *len += min_u32(fs->cluster_bytes, want - *len);
    }
    return E_OK;
}

/* Writes len bytes of src (NULL: zeros) at byte in_off of cluster cl. */
static err_t write_in_cluster(struct fat_fs *fs, uint32_t cl, uint32_t in_off,
                              const uint8_t *src, uint32_t len)
{
    uint32_t bps = fs->bytes_per_sector;
    uint64_t sector = fat_cluster_sector(fs, cl) + in_off / bps;
    uint32_t soff = in_off % bps;
    while (len > 0) {
        err_t e;
        uint32_t chunk;
        if (soff == 0 && len >= bps && src) {
            uint32_t k = len / bps;
            e = fat_io_write(fs, sector, k, src);
            chunk = k * bps;
            sector += k;
        } else {
            chunk = min_u32(bps - soff, len);
            if (chunk == bps) {
                bytes_zero(fs->scratch, bps); /* src is NULL here */
                e = E_OK;
            } else {
                e = fat_io_read(fs, sector, 1, fs->scratch);
            }
            if (e == E_OK) {
                if (src)
                    bytes_copy(fs->scratch + soff, src, chunk);
                else
                    bytes_zero(fs->scratch + soff, chunk);
                e = fat_io_write(fs, sector, 1, fs->scratch);
            }
            sector++;
            soff = 0;
        }
        if (e != E_OK)
            return e;
        if (src)
            src += chunk;
        len -= chunk;
    }
    return E_OK;
}

/* The cluster holding chain position k, appending clusters when the chain
 * is exactly k long. */
static err_t cluster_for_write(struct fat_fs *fs, struct fat_node *n, uint32_t k,
                               uint32_t *cl)
{
    err_t e;
    if (n->first_cluster == 0) {
        if (k != 0)
            return E_CORRUPT;
        e = fat_alloc(fs, cl);
        if (e == E_OK)
            n->first_cluster = *cl;
        return e;
    }
    uint32_t reached;
    e = fat_chain_seek(fs, n->first_cluster, k, cl, &reached);
    if (e != E_OK)
        return e;
    if (reached + 1 < k)
        return E_CORRUPT; /* writes never start past the end of the file */
    if (reached == k)
        return E_OK;
    uint32_t added;
    e = fat_alloc(fs, &added);
    if (e == E_OK)
        e = fat_entry_set(fs, *cl, added);
    if (e == E_OK)
        *cl = added;
    return e;
}

/* Writes len bytes of src (NULL: zeros) at pos, which is at most the
 * file's size; *done counts the bytes that reached the disk. */
static err_t write_range(struct fat_fs *fs, struct fat_node *n, uint64_t pos,
                         const uint8_t *src, uint32_t len, uint32_t *done)
{
    *done = 0;
    while (*done < len) {
        uint32_t k = (uint32_t)(pos / fs->cluster_bytes);
        uint32_t in_off = (uint32_t)(pos % fs->cluster_bytes);
        uint32_t chunk = min_u32(fs->cluster_bytes - in_off, len - *done);
        uint32_t cl;
        err_t e = cluster_for_write(fs, n, k, &cl);
        if (e == E_OK)
            e = write_in_cluster(fs, cl, in_off, src ? src + *done : NULL, chunk);
        if (e != E_OK)
            return e;
        *done += chunk;
        pos += chunk;
    }
    return E_OK;
}

/* Frees every cluster after the first `keep` of the chain (all of them,
 * and first_cluster = 0, when keep is 0). */
static err_t cut_chain(struct fat_fs *fs, struct fat_node *n, uint32_t keep)
{
    if (n->first_cluster == 0)
        return E_OK;
    if (keep == 0) {
        uint32_t first = n->first_cluster;
        n->first_cluster = 0;
        return fat_free_chain(fs, first);
    }
    uint32_t cl, reached, nx;
    err_t e = fat_chain_seek(fs, n->first_cluster, keep - 1, &cl, &reached);
    if (e == E_OK)
        e = fat_next(fs, cl, &nx);
    if (e != E_OK || reached != keep - 1 || nx == 0)
        return e;
    e = fat_entry_set(fs, cl, FAT_EOC);
    if (e == E_OK)
        e = fat_free_chain(fs, nx);
    return e;
}

/* Undoes the clusters a failed grow added: back to what `before` had. */
static err_t roll_back(struct fat_fs *fs, struct fat_node *n,
                       const struct fat_node *before)
{
    uint32_t keep = clusters_for(fs, before->size);
    if (keep == 0 && before->first_cluster != 0)
        keep = 1; /* the entry still names that cluster */
    err_t e = cut_chain(fs, n, keep);
    n->size = before->size;
    n->first_cluster = before->first_cluster;
    err_t f = fat_table_flush(fs);
    return e != E_OK ? e : f;
}

err_t fat_read(struct fat_fs *fs, const struct fat_node *n, uint64_t off, void *buf,
               uint32_t len, uint32_t *got)
{
    *got = 0;
    if (n->is_dir)
        return E_INVAL;
    if (off >= n->size)
        return E_OK;
    len = min_u32(len, (uint32_t)(n->size - off));
    if (n->first_cluster == 0)
        return E_CORRUPT;
    uint8_t *dst = buf;
    while (*got < len) {
        uint64_t pos = off + *got;
        uint32_t k = (uint32_t)(pos / fs->cluster_bytes);
        uint32_t in_off = (uint32_t)(pos % fs->cluster_bytes);
        uint32_t chunk, cl, reached;
        err_t e = fat_chain_seek(fs, n->first_cluster, k, &cl, &reached);
        if (e == E_OK && reached != k)
            e = E_CORRUPT; /* the chain ends before the size says */
        if (e == E_OK)
            e = contiguous_bytes(fs, n->first_cluster, k, cl, in_off, len - *got, &chunk);
        if (e == E_OK)
            e = read_in_cluster(fs, cl, in_off, dst + *got, chunk);
        if (e != E_OK)
            return e;
        *got += chunk;
    }
    return E_OK;
}

err_t fat_write(struct fat_fs *fs, struct fat_node *n, uint64_t off, const void *buf,
                uint32_t len, uint32_t *put)
{
    *put = 0;
    if (n->is_dir)
        return E_INVAL;
    if (len == 0)
        return E_OK;
    if (off > FILE_SIZE_MAX || len > FILE_SIZE_MAX - off)
        return E_RANGE;
    struct fat_node before = *n;
    uint32_t hole = 0, done = 0;
    err_t e = E_OK;
    if (off > n->size)
        e = write_range(fs, n, n->size, NULL, (uint32_t)(off - n->size), &hole);
    if (e == E_OK)
        e = write_range(fs, n, off, buf, len, &done);
    if (done == 0) {
        /* None of the caller's bytes made it: the file stays as it was. */
        err_t r = roll_back(fs, n, &before);
        return e != E_OK ? e : r;
    }
    uint32_t end = (uint32_t)off + done;
    if (end > n->size)
        n->size = end;
    err_t c = E_OK;
    if (e != E_OK) /* an error after some bytes: drop any cluster beyond them */
        c = cut_chain(fs, n, clusters_for(fs, n->size));
    stamp(fs, n);
    err_t s = store_entry(fs, n);
    err_t f = fat_table_flush(fs);
    *put = done;
    return e != E_OK ? e : c != E_OK ? c : s != E_OK ? s : f;
}

err_t fat_truncate(struct fat_fs *fs, struct fat_node *n, uint32_t size)
{
    if (n->is_dir)
        return E_INVAL;
    if (size == n->size)
        return E_OK;
    err_t e;
    if (size > n->size) {
        struct fat_node before = *n;
        uint32_t done;
        e = write_range(fs, n, n->size, NULL, size - n->size, &done);
        if (e != E_OK) {
            (void)roll_back(fs, n, &before);
            return e;
        }
        n->size = size;
        stamp(fs, n);
        e = store_entry(fs, n);
        err_t f = fat_table_flush(fs);
        return e != E_OK ? e : f;
    }
    /* Shrinking: the entry first, then the clusters it no longer names. */
    uint32_t keep = clusters_for(fs, size);
    uint32_t first = n->first_cluster;
    n->size = size;
    if (keep == 0)
        n->first_cluster = 0;
    stamp(fs, n);
    e = store_entry(fs, n);
    if (e != E_OK)
        return e;
    if (keep == 0)
        e = first != 0 ? fat_free_chain(fs, first) : E_OK;
    else
        e = cut_chain(fs, n, keep);
    err_t f = fat_table_flush(fs);
    return e != E_OK ? e : f;
}

err_t fat_reserve(struct fat_fs *fs, struct fat_node *n, uint32_t size)
{
    if (n->is_dir)
        return E_INVAL;
    if (size < n->size)
        return E_RANGE;
    err_t e = E_OK;
    uint32_t need = clusters_for(fs, size), have = 0;
    if (n->first_cluster != 0) {
        uint32_t cl, reached;
        e = fat_chain_seek(fs, n->first_cluster, need ? need - 1 : 0, &cl, &reached);
        have = reached + 1;
    }
    /* Clusters before the entry: the entry never claims more than the FAT. */
    for (uint32_t k = have; e == E_OK && k < need; k++) {
        uint32_t cl;
        e = cluster_for_write(fs, n, k, &cl);
        if (e == E_OK)
            have = k + 1;
    }
    if (e != E_OK && e != E_NOSPACE)
        return e;
    uint64_t room = (uint64_t)have * fs->cluster_bytes;
    uint32_t reached_size = room < size ? (uint32_t)room : size;
    if (reached_size > n->size)
        n->size = reached_size;
    stamp(fs, n);
    return e;
}

err_t fat_store(struct fat_fs *fs, const struct fat_node *n)
{
    /* The FAT first: the entry never claims clusters the FAT does not hold. */
    err_t e = fat_table_flush(fs);
    return e != E_OK ? e : store_entry(fs, n);
}

err_t fat_write_inplace(struct fat_fs *fs, const struct fat_node *n, uint64_t off,
                        const void *buf, uint32_t len, uint32_t *put)
{
    *put = 0;
    if (n->is_dir)
        return E_INVAL;
    if (n->first_cluster == 0 || len == 0)
        return E_OK;
    const uint8_t *src = buf;
    while (*put < len) {
        uint64_t pos = off + *put;
        uint64_t k = pos / fs->cluster_bytes;
        if (k >= fs->nclusters)
            return E_OK;
        uint32_t in_off = (uint32_t)(pos % fs->cluster_bytes);
        uint32_t chunk, cl, reached;
        err_t e = fat_chain_seek(fs, n->first_cluster, (uint32_t)k, &cl, &reached);
        if (e != E_OK)
            return e;
        if (reached != k)
            return E_OK; /* the chain ends here: nothing of the file lies beyond */
        e = contiguous_bytes(fs, n->first_cluster, (uint32_t)k, cl, in_off, len - *put, &chunk);
        if (e == E_OK)
            e = write_in_cluster(fs, cl, in_off, src + *put, chunk);
        if (e != E_OK)
            return e;
        *put += chunk;
    }
    return E_OK;
}

err_t fat_file_sector(struct fat_fs *fs, const struct fat_node *n, uint64_t off,
                      uint64_t *sector)
{
    if (n->first_cluster == 0)
        return E_RANGE;
    uint64_t k = off / fs->cluster_bytes;
    if (k >= fs->nclusters)
        return E_RANGE;
    uint32_t cl, reached;
    err_t e = fat_chain_seek(fs, n->first_cluster, (uint32_t)k, &cl, &reached);
    if (e != E_OK)
        return e;
    if (reached != k)
        return E_RANGE;
    *sector =
        fat_cluster_sector(fs, cl) + (off % fs->cluster_bytes) / fs->bytes_per_sector;
    return E_OK;
}
