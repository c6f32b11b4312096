/*
 * Adding names to directories: choosing the short name (the name itself
 * when it is plain upper-case 8.3, else a unique ~N alias), building the
 * LFN entries, and fat_create for files and directories.
 */
#include "fat_priv.h"

#define TAIL_WINDOW 1024u /* ~N numbers looked at per directory scan */
#define TAIL_LAST 999999u

/* Picks a free ~N alias for basis, or the basis itself when allowed:
 * each scan of the directory marks the tails taken in one window of N. */
static err_t pick_alias(struct fat_fs *fs, uint32_t dir, const uint8_t basis[11],
                        bool lossy, uint8_t out[11])
{
    for (uint32_t base = 0; base <= TAIL_LAST; base += TAIL_WINDOW) {
        uint8_t used[TAIL_WINDOW / 8];
        bytes_zero(used, sizeof used);
        bool basis_taken = false;
        struct fat_walk pos = {dir, dir, 0};
        struct fat_found f;
        err_t e;
        while ((e = fat_dir_next(fs, &pos, &f)) == E_OK) {
            if (f.dot)
                continue;
            if (bytes_equal(f.ent, basis, 11))
                basis_taken = true;
            uint32_t t = fat_name_tail_of(basis, f.ent);
            if (t >= base && t - base < TAIL_WINDOW)
                used[(t - base) / 8] |= (uint8_t)(1u << ((t - base) % 8));
        }
        if (e != E_NOENT)
            return e;
        if (base == 0 && !lossy && !basis_taken) {
            bytes_copy(out, basis, 11);
            return E_OK;
        }
        for (uint32_t i = base == 0 ? 1 : 0; i < TAIL_WINDOW && base + i <= TAIL_LAST;
             i++) {
            if (!(used[i / 8] & (1u << (i % 8)))) {
                fat_name_tail(basis, base + i, out);
                return E_OK;
            }
        }
    }
    return E_NOSPACE;
}

/* Fills the LFN entry with ordinal ord (characters (ord-1)*13 on); the
 * highest ordinal, flagged last, is the first entry on disk. */
static void build_lfn(uint8_t *e, const uint16_t *ucs, uint32_t n, uint32_t ord,
                      bool last, uint8_t sum)
{
    bytes_zero(e, DIRENT_SIZE);
    e[LFN_ORD] = (uint8_t)(ord | (last ? LFN_LAST : 0));
    e[DE_ATTR] = ATTR_LONG_NAME;
    e[LFN_CHECKSUM] = sum;
    for (uint32_t c = 0; c < LFN_CHARS; c++) {
        uint32_t i = (ord - 1) * LFN_CHARS + c;
        /* The name ends with one NUL, then 0xFFFF padding. */
        put16(e + fat_lfn_offsets[c], i < n ? ucs[i] : i == n ? 0x0000 : 0xFFFF);
    }
}

err_t fat_dir_add(struct fat_fs *fs, uint32_t dir, const uint16_t *ucs, uint32_t n,
                  uint8_t ent[DIRENT_SIZE], uint32_t *index)
{
    uint8_t name[11];
    uint32_t nlfn = 0;
    if (!fat_name_fits_short(ucs, n, name)) {
        uint8_t basis[11];
        bool lossy;
        fat_name_basis(ucs, n, basis, &lossy);
        err_t e = pick_alias(fs, dir, basis, lossy, name);
        if (e != E_OK)
            return e;
        nlfn = (n + LFN_CHARS - 1) / LFN_CHARS;
    }
    bytes_copy(ent + DE_NAME, name, 11);
    ent[DE_NTRES] = 0;

    uint32_t start;
    err_t e = fat_dir_slots(fs, dir, nlfn + 1, &start);
    if (e != E_OK)
        return e;
    uint8_t ents[(LFN_MAX_SLOTS + 1) * DIRENT_SIZE];
    uint8_t sum = fat_lfn_checksum(name);
    for (uint32_t i = 0; i < nlfn; i++)
        build_lfn(ents + i * DIRENT_SIZE, ucs, n, nlfn - i, i == 0, sum);
    bytes_copy(ents + nlfn * DIRENT_SIZE, ent, DIRENT_SIZE);
    e = fat_dir_put(fs, dir, start, ents, nlfn + 1);
    if (e == E_OK)
        *index = start + nlfn;
    return e;
}

static void make_dot(uint8_t *e, const uint8_t *proto, const char *name, uint32_t cl)
{
    bytes_copy(e, proto, DIRENT_SIZE);
    bytes_copy(e + DE_NAME, name, 11);
    dirent_set_cluster(e, cl);
}

/* A new directory's first cluster, zeroed, holding "." and "..". */
static err_t make_dir_cluster(struct fat_fs *fs, uint32_t parent, const uint8_t *proto,
                              uint32_t *out)
{
    uint32_t cl;
    err_t e = fat_alloc(fs, &cl);
    if (e != E_OK)
        return e;
    uint8_t dots[2 * DIRENT_SIZE];
    make_dot(dots, proto, ".          ", cl);
    /* ".." of a directory in the root says 0, not the root's cluster. */
    make_dot(dots + DIRENT_SIZE, proto, "..         ",
             parent == fs->root_cluster ? 0 : parent);
    e = fat_zero_cluster(fs, cl);
    if (e == E_OK)
        e = fat_dir_put(fs, cl, 0, dots, 2);
    if (e != E_OK) {
        (void)fat_free_chain(fs, cl);
        return e;
    }
    *out = cl;
    return E_OK;
}

err_t fat_create(struct fat_fs *fs, const char *path, bool is_dir, struct fat_node *out)
{
    struct fat_node parent;
    const char *last;
    uint32_t len;
    err_t e = fat_resolve_parent(fs, path, &parent, &last, &len);
    if (e != E_OK)
        return e;
    uint16_t ucs[FAT_NAME_MAX];
    uint32_t n;
    e = fat_name_parse(last, len, ucs, &n);
    if (e != E_OK)
        return e;
    struct fat_found f;
    e = fat_dir_find(fs, parent.first_cluster, last, len, &f);
    if (e == E_OK)
        return E_EXIST;
    if (e != E_NOENT)
        return e;

    uint8_t ent[DIRENT_SIZE];
    bytes_zero(ent, sizeof ent);
    uint16_t date, time;
    uint8_t tenth;
    fat_timestamp(fs, &date, &time, &tenth);
    ent[DE_ATTR] = is_dir ? ATTR_DIRECTORY : ATTR_ARCHIVE;
    ent[DE_CTIME_TENTH] = tenth;
    put16(ent + DE_CTIME, time);
    put16(ent + DE_CDATE, date);
    put16(ent + DE_ADATE, date);
    put16(ent + DE_MTIME, time);
    put16(ent + DE_MDATE, date);

    uint32_t cl = 0;
    if (is_dir) {
        e = make_dir_cluster(fs, parent.first_cluster, ent, &cl);
        if (e != E_OK) {
            (void)fat_table_flush(fs); /* a cluster may have come and gone */
            return e;
        }
        dirent_set_cluster(ent, cl);
    }
    uint32_t index;
    e = fat_dir_add(fs, parent.first_cluster, ucs, n, ent, &index);
    if (e != E_OK && cl != 0)
        (void)fat_free_chain(fs, cl);
    err_t fl = fat_table_flush(fs);
    if (e != E_OK)
        return e;
    bytes_zero(out, sizeof *out);
    out->first_cluster = cl;
    out->is_dir = is_dir;
    out->dir_cluster = parent.first_cluster;
    out->dirent_index = index;
    out->mtime = time;
    out->mdate = date;
    return fl;
}
