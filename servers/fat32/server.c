/*
 * fat32: the file server. Mounts the FAT32 volume on the disk blk drives
 * and serves files to clients told apart by their badges. Every request is
 * checked here (handle ownership, path termination, sizes) before the
 * library sees it; the library itself validates everything on disk, so a
 * corrupt volume gives errors, never a crash.
 */
#include <sys/clients.h>
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/server.h>

#include <proto/fs.h>
#include <proto/memobj.h>
#include <proto/proc.h>

#include "cache.h"
#include "server.h"

#define DMA_VA 0x2000000000ul
#define CACHE_VA 0x2100000000ul
#define MAX_MAPPED 256 /* files mapped at once, all processes together */
_Static_assert(MAX_MAPPED <= 256, "slot must fit FS_FILE_SLOT");

struct open_file {
    bool used;
    bool entry_dirty; /* node's size/time newer than its directory entry */
    uint16_t list_pos; /* where used_list names it, while used */
    uint32_t handle;  /* the number its client knows it by (per badge) */
    uint64_t badge;
    struct fat_node node;
};

/* A file mm maps: named by the badge of the file capability given out. */
struct mapped_file {
    bool used;
    uint32_t gen;  /* bumped each time the slot is taken */
    uint32_t refs; /* file capabilities handed out and not released */
    struct fat_node node;
};

static struct fat_fs fs;
/* The wall clock from root (FS_START_ARG): seconds since 1980 at time 0. */
static uint64_t clock_secs_at_time0, clock_hz;

static void clock_update(void)
{
    if (clock_hz == 0)
        return;
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    fat_set_time(&fs, clock_secs_at_time0 + t / clock_hz);
}
static struct open_file files[FS_MAX_OPEN];
/* The entries in use, in no order: every walk over open files (a fork's
 * clone, an exit's drop, a path lookup's store of dirty entries) costs
 * what is open, not the size of the table. */
static uint16_t used_list[FS_MAX_OPEN];
static uint32_t nused;

/* Each used entry f once, from the last listed to the first, so the body
 * may free f (the last entry moves into its place, already visited) or
 * take new entries (listed after the walk's start). */
#define FOR_EACH_OPEN(f) \
    for (uint32_t k_ = nused; k_-- > 0 && ((f) = &files[used_list[k_]], true);)

static void file_listed(struct open_file *f)
{
    f->used = true;
    f->list_pos = (uint16_t)nused;
    used_list[nused++] = (uint16_t)(f - files);
}

static void file_unlisted(struct open_file *f)
{
    f->used = false;
    uint16_t last = used_list[--nused];
    used_list[f->list_pos] = last;
    files[last].list_pos = f->list_pos;
}
static struct mapped_file mapped[MAX_MAPPED];

/* Each file capability handed out is one reference to its mapping, named
 * by a token in its badge (FS_FILE_TOKEN): memobj RELEASE gives back that
 * capability's reference once. A count alone would let any holder release
 * as often as it likes, and so unpin the pages of a file other processes
 * map (their text, say) while they still use them. */
#define MAX_TOKENS 1024
_Static_assert(MAX_TOKENS <= FS_FILE_TOKEN_MAX + 1, "token must fit its badge field");
static struct token {
    bool used;
    bool touched; /* a request came on it (mm asks memobj INFO at mmap) */
    uint8_t slot; /* of mapped[] */
    uint32_t gen; /* the slot's generation when it was handed out */
    uint64_t owner; /* the client charged for it; 0: nobody (it ended) */
} tokens[MAX_TOKENS];

/* Per-process limits (docs/limits.md): open handles and file capabilities
 * (FS_OP_MAP_FILE) each process holds. Only processes are charged (badges
 * proc mints, PROC_FS_BADGE_BASE + pid): the boot servers root gives a
 * client endpoint (proc, whose exec maps every program's file) are set up
 * by the manifest, and the tables bound them. */
enum { KIND_FILES, KIND_MAPS, NKINDS };
_Static_assert(PROC_FS_BADGE_BASE < FS_FILE_WRITE_BADGE, "process badges below fat32's own");
static struct clients_entry client_storage[FS_MAX_CLIENTS];
static struct clients clients;

static bool is_process(uint64_t badge)
{
    return badge >= PROC_FS_BADGE_BASE && badge < FS_FILE_WRITE_BADGE;
}

/* E_LIMIT at the process's limit of kind; E_OK for others. The
 * requesting client is charged through the framework (srv_charge); a
 * forked child, by its badge. */
static err_t charge_request(struct srv_req *r, uint32_t kind)
{
    return is_process(r->badge) ? srv_charge(r, kind, 1) : E_OK;
}

static err_t charge(uint64_t badge, uint32_t kind, uint32_t n)
{
    return is_process(badge) ? clients_charge(&clients, badge, kind, n) : E_OK;
}

static void uncharge(uint64_t badge, uint32_t kind, uint32_t n)
{
    if (is_process(badge))
        clients_uncharge(&clients, badge, kind, n);
}

FS_OPS(SRV_DECLARE)
MEMOBJ_OPS(SRV_DECLARE)

/* The NUL-terminated string at data[from, len), or NULL (none, or longer
 * than FS_PATH_MAX). */
static const char *path_at(const char *data, uint32_t len, uint32_t from)
{
    for (uint32_t i = from; i < len; i++)
        if (data[i] == '\0')
            return i - from <= FS_PATH_MAX ? data + from : NULL;
    return NULL;
}

/* Handles are numbered per client (badge), so a forked process keeps its
 * parent's numbers (FS_OP_CLONE_CLIENT). A handle sits at its preferred
 * index (its number, offset per client so clients do not all crowd the
 * start of the table) when that was free, which makes most lookups one
 * probe. */
static uint32_t preferred(uint64_t badge, uint64_t h)
{
    return (uint32_t)((h + badge * 67) % FS_MAX_OPEN);
}

static struct open_file *file_of(uint64_t badge, uint64_t h)
{
    if (h >= FS_MAX_OPEN)
        return NULL;
    struct open_file *f = &files[preferred(badge, h)];
    if (f->used && f->badge == badge && f->handle == h)
        return f;
    FOR_EACH_OPEN(f)
        if (f->badge == badge && f->handle == h)
            return f;
    return NULL;
}

/* A free table entry for the client's handle h, preferring its preferred
 * index; NULL when the table is full. */
static struct open_file *entry_for(uint64_t badge, uint32_t h)
{
    struct open_file *f = &files[preferred(badge, h)];
    if (!f->used)
        return f;
    for (int i = 0; i < FS_MAX_OPEN; i++)
        if (!files[i].used)
            return &files[i];
    return NULL;
}

/* The lowest handle number the client does not use, in one pass over the
 * table (FS_MAX_OPEN when it uses them all). */
static uint32_t free_handle(uint64_t badge)
{
    uint64_t in_use[FS_MAX_OPEN / 64] = {0};
    struct open_file *f;
    FOR_EACH_OPEN(f)
        if (f->badge == badge && f->handle < FS_MAX_OPEN)
            in_use[f->handle / 64] |= 1ull << (f->handle % 64);
    for (uint32_t w = 0; w < FS_MAX_OPEN / 64; w++)
        if (~in_use[w])
            return w * 64 + (uint32_t)__builtin_ctzll(~in_use[w]);
    return FS_MAX_OPEN;
}

/* The open handle goes: its client gets the charge back. */
static void free_file(struct open_file *f)
{
    file_unlisted(f);
    uncharge(f->badge, KIND_FILES, 1);
}

static bool same_entry(const struct fat_node *a, const struct fat_node *b)
{
    return a->dir_cluster == b->dir_cluster && a->dirent_index == b->dirent_index;
}

/* Other handles and mappings of the same file see its new size at once. */
static void refresh_others(const struct open_file *f)
{
    struct open_file *o;
    FOR_EACH_OPEN(o)
        if (o != f && same_entry(&o->node, &f->node))
            o->node = f->node;
    for (int i = 0; i < MAX_MAPPED; i++)
        if (mapped[i].used && same_entry(&mapped[i].node, &f->node))
            mapped[i].node = f->node;
}

/* Writes grow files in memory (fat_reserve); the directory entry follows
 * before anything looks at entries by path, at close, fsync and sync. */
static err_t store_entry_of(struct open_file *f)
{
    if (!f->entry_dirty)
        return E_OK;
    err_t err = fat_store(&fs, &f->node);
    if (err != E_OK)
        return err;
    struct open_file *o;
    FOR_EACH_OPEN(o)
        if (same_entry(&o->node, &f->node))
            o->entry_dirty = false;
    return E_OK;
}

/* The directory entry of the file n names, stored from whichever open
 * handle holds a size newer than the disk's (every handle of a file holds
 * the same node: refresh_others), the FAT first. For FSYNC and memobj SYNC:
 * synced pages past a stale size would be lost at a crash. */
static err_t store_entry_of_node(const struct fat_node *n)
{
    struct open_file *f;
    FOR_EACH_OPEN(f)
        if (f->entry_dirty && same_entry(&f->node, n))
            return store_entry_of(f); /* clears every handle's flag */
    return E_OK;
}

static err_t store_entries(void)
{
    err_t first_err = E_OK;
    struct open_file *f;
    FOR_EACH_OPEN(f) {
        err_t err = store_entry_of(f);
        if (err != E_OK && first_err == E_OK)
            first_err = err;
    }
    return first_err;
}

/* ---- files that shrink under mappings (FS_OP_TRIM_*) ---- */

#define MAX_HELD 16
/* Replies held until mm has unmapped what lies past a file's new end:
 * each the words of its op's reply (OPEN's at most). */
static struct held_reply {
    bool used;
    handle_t reply;
    uint64_t epoch;
    uint32_t len;
    uint64_t w[3];
} held[MAX_HELD];
_Static_assert(sizeof(held[0].w) >= sizeof(struct fs_open_rep), "OPEN's reply is held");
static uint64_t shrink_epoch;

/* File n (first cluster `first` before the change) now has `size` bytes;
 * `gone`: it was unlinked. rep (len bytes of words) is the reply, ready.
 * Returns true when the reply was held for mm's TRIM_DONE: the handler
 * then returns SRV_DEFER. */
static bool file_shrank(struct srv_req *r, const struct fat_node *n, uint32_t first,
                        uint64_t size, bool gone, const void *rep, uint32_t len)
{
    /* Pinned pages past the end wait for the trim of the epoch signalled
     * below (only mapped files have pinned pages). */
    if (first != 0)
        cache_shrink(first, size, shrink_epoch + 1);
    bool is_mapped = false;
    for (int i = 0; i < MAX_MAPPED; i++) {
        struct mapped_file *mf = &mapped[i];
        if (!mf->used || !same_entry(&mf->node, n))
            continue;
        is_mapped = true;
        mf->node.size = (uint32_t)size;
        if (gone)
            mf->node.dir_cluster = UINT32_MAX; /* its entry may be reused: match nothing */
    }
    if (!is_mapped)
        return false;
    shrink_epoch++;
    if (ntfn_signal(FS_SLOT_MM_NTFN) < 0)
        return false; /* no mm to tell (started without one) */
    for (int i = 0; i < MAX_HELD; i++) {
        if (held[i].used)
            continue;
        int64_t reply = srv_defer(r);
        if (reply < 0)
            return false;
        held[i] = (struct held_reply){.used = true, .reply = (handle_t)reply,
                                      .epoch = shrink_epoch, .len = len};
        memcpy(held[i].w, rep, len);
        return true;
    }
    return false; /* more held callers than clients can be: reply now */
}

SRV_HANDLER(fs_trim_begin)
{
    rep->epoch = shrink_epoch;
    return E_OK;
}

SRV_HANDLER(fs_trim_done)
{
    for (int i = 0; i < MAX_HELD; i++) {
        if (!held[i].used || held[i].epoch > req->epoch)
            continue;
        /* Deletes the reply handle; a dead caller's answer is dropped. */
        (void)srv_reply_later(held[i].reply, PROTO_REGS, E_OK, held[i].w, held[i].len, 0);
        held[i].used = false;
    }
    cache_trim_done(req->epoch);
    return E_OK;
}

/* ---- client operations ---- */

SRV_HANDLER(fs_open)
{
    err_t err = store_entries(); /* entries on the disk say what handles know */
    if (err != E_OK)
        return err;
    const char *path = path_at((const char *)r->data, r->data_len, 0);
    uint64_t flags = req->flags;
    if (!path || flags & ~(uint64_t)(FS_O_CREAT | FS_O_TRUNC | FS_O_EXCL))
        return E_INVAL;
    /* The caller's own limit first (E_LIMIT: EMFILE), then the shared
     * table (E_NOSPACE with FS_NOSPACE_HANDLES: ENFILE), before anything
     * is looked up or created. */
    err = charge_request(r, KIND_FILES);
    if (err != E_OK) {
        rep->nospace = err == E_NOSPACE ? FS_NOSPACE_HANDLES : 0; /* no room for another client */
        return err;
    }
    uint32_t handle = free_handle(r->badge);
    struct open_file *slot = handle < FS_MAX_OPEN ? entry_for(r->badge, handle) : NULL;
    if (!slot) {
        uncharge(r->badge, KIND_FILES, 1);
        rep->nospace = FS_NOSPACE_HANDLES;
        return E_NOSPACE;
    }
    struct fat_node n;
    err = fat_lookup(&fs, path, &n);
    if (err == E_OK && (flags & FS_O_CREAT) && (flags & FS_O_EXCL))
        err = E_EXIST;
    else if (err == E_NOENT && (flags & FS_O_CREAT))
        err = fat_create(&fs, path, false, &n);
    uint32_t first = n.first_cluster;
    bool shrinks = err == E_OK && (flags & FS_O_TRUNC) && !n.is_dir && n.size > 0;
    if (shrinks)
        err = fat_truncate(&fs, &n, 0);
    if (err != E_OK) {
        uncharge(r->badge, KIND_FILES, 1);
        return err;
    }
    *slot = (struct open_file){.handle = handle, .badge = r->badge, .node = n};
    file_listed(slot);
    refresh_others(slot);
    rep->handle = handle;
    rep->size = n.size;
    rep->is_dir = n.is_dir;
    if (shrinks && file_shrank(r, &n, first, 0, false, rep, sizeof *rep))
        return SRV_DEFER;
    return E_OK;
}

SRV_HANDLER(fs_close)
{
    struct open_file *f = file_of(r->badge, req->handle);
    if (!f)
        return E_BADH;
    err_t err = store_entry_of(f);
    free_file(f);
    return err;
}

SRV_HANDLER(fs_read)
{
    struct open_file *f = file_of(r->badge, req->handle);
    if (!f)
        return E_BADH;
    if (req->len > FS_IO_MAX)
        return E_RANGE;
    uint32_t got = 0;
    /* Straight into the reply's bytes (the IPC buffer: blk's calls use
     * only words). */
    err_t err = cache_read(&fs, &f->node, req->offset, r->rep_data, (uint32_t)req->len, &got);
    if (err != E_OK)
        return err;
    r->rep_data_len = got;
    return E_OK;
}

SRV_HANDLER(fs_write)
{
    struct open_file *f = file_of(r->badge, req->handle);
    if (!f)
        return E_BADH;
    /* A directory first: marking its entry dirty would have every later
     * path operation (store_entries) fail with E_CORRUPT, for every client,
     * until the handle closed. */
    if (f->node.is_dir)
        return E_INVAL;
    uint32_t put = 0;
    err_t err = cache_write(&fs, &f->node, req->offset, r->data, r->data_len, &put);
    f->entry_dirty = true;
    refresh_others(f);
    rep->written = put; /* with E_NOSPACE too: what went in first */
    return err;
}

SRV_HANDLER(fs_fstat)
{
    struct open_file *f = file_of(r->badge, req->handle);
    if (!f)
        return E_BADH;
    rep->size = f->node.size;
    rep->is_dir = f->node.is_dir;
    rep->mtime = ((uint64_t)f->node.mdate << 16) | f->node.mtime;
    return E_OK;
}

SRV_HANDLER(fs_truncate)
{
    struct open_file *f = file_of(r->badge, req->handle);
    if (!f)
        return E_BADH;
    if (f->node.is_dir || req->size > 0xffffffffull)
        return E_INVAL;
    uint32_t first = f->node.first_cluster, old_size = f->node.size;
    if (first != 0 && req->size > old_size)
        cache_zero_tail(first, old_size);
    err_t err = fat_truncate(&fs, &f->node, (uint32_t)req->size);
    refresh_others(f);
    if (err == E_OK && f->node.size < old_size &&
        file_shrank(r, &f->node, first, f->node.size, false, rep, 0))
        return SRV_DEFER;
    return err;
}

SRV_HANDLER(fs_readdir)
{
    err_t err = store_entries(); /* entries on the disk say what handles know */
    if (err != E_OK)
        return err;
    struct open_file *f = file_of(r->badge, req->handle);
    if (!f)
        return E_BADH;
    if (!f->node.is_dir)
        return E_INVAL;
    uint32_t cookie = (uint32_t)req->cookie;
    static struct fat_dirent d;
    err = fat_readdir(&fs, &f->node, &cookie, &d);
    if (err != E_OK)
        return err;
    uint32_t n = (uint32_t)strlen(d.name) + 1;
    memcpy(r->rep_data, d.name, n);
    r->rep_data_len = n;
    rep->cookie = cookie;
    rep->size = d.size;
    rep->is_dir = d.is_dir;
    return E_OK;
}

/* After an unlink or rename, open handles must not keep a directory slot
 * that is gone or reused: handles on a removed file are closed (E_BADH
 * afterwards), handles on a renamed one follow it. */
static void fix_open_handles(const struct fat_node *old, const struct fat_node *moved)
{
    struct open_file *o;
    FOR_EACH_OPEN(o) {
        if (!same_entry(&o->node, old))
            continue;
        if (moved)
            o->node = *moved;
        else
            free_file(o);
    }
    /* Mappings follow a rename (an unlink is file_shrank's business). */
    for (int i = 0; i < MAX_MAPPED && moved; i++)
        if (mapped[i].used && same_entry(&mapped[i].node, old))
            mapped[i].node = *moved;
}

/* UNLINK, MKDIR, RMDIR and RENAME: the request is the path(s). */
static err_t path_op(struct srv_req *r, const struct fs_path_req *req)
{
    err_t err = store_entries(); /* entries on the disk say what handles know */
    if (err != E_OK)
        return err;
    const char *path = path_at(req->path, r->req_len, 0);
    if (!path)
        return E_INVAL;
    uint64_t op = r->label;
    struct fat_node n, old;
    /* RMDIR too: a handle left on a removed directory would read its
     * freed clusters, reused by the next file, as entries (E_CORRUPT). */
    bool had_old = op != FS_OP_MKDIR && fat_lookup(&fs, path, &old) == E_OK;
    if (op == FS_OP_UNLINK) {
        err = fat_unlink(&fs, path);
    } else if (op == FS_OP_MKDIR) {
        err = fat_create(&fs, path, true, &n);
    } else if (op == FS_OP_RMDIR) {
        err = fat_rmdir(&fs, path);
    } else {
        const char *to = path_at(req->path, r->req_len, (uint32_t)strlen(path) + 1);
        err = to ? fat_rename(&fs, path, to) : E_INVAL;
        if (err == E_OK && had_old && fat_lookup(&fs, to, &n) == E_OK)
            fix_open_handles(&old, &n);
        had_old = false; /* handled */
    }
    if (err == E_OK && had_old)
        fix_open_handles(&old, NULL);
    if (err != E_OK)
        return err;
    if (op == FS_OP_UNLINK && had_old &&
        file_shrank(r, &old, old.first_cluster, 0, true, NULL, 0))
        return SRV_DEFER;
    return E_OK;
}

SRV_HANDLER(fs_unlink)
{
    return path_op(r, req);
}

SRV_HANDLER(fs_mkdir)
{
    return path_op(r, req);
}

SRV_HANDLER(fs_rmdir)
{
    return path_op(r, req);
}

SRV_HANDLER(fs_rename)
{
    return path_op(r, req);
}

SRV_HANDLER(fs_sync)
{
    err_t err = store_entries(); /* entries on the disk say what handles know */
    if (err == E_OK)
        err = cache_sync(&fs, 0);
    if (err == E_OK)
        err = fat_sync(&fs);
    return err == E_OK ? fs_dev_flush() : err;
}

SRV_HANDLER(fs_fsync)
{
    struct open_file *f = file_of(r->badge, req->handle);
    if (!f)
        return E_BADH;
    /* The file's entry, whichever of its handles wrote last: fsync syncs
     * the file, not the handle (writes through another handle mark only
     * that one's entry dirty). */
    err_t err = store_entry_of_node(&f->node);
    if (err == E_OK && f->node.first_cluster)
        err = cache_sync(&fs, f->node.first_cluster);
    return err == E_OK ? fs_dev_flush() : err;
}

SRV_HANDLER(fs_stats)
{
    struct cache_stats cs;
    cache_get_stats(&cs);
    *rep = (struct fs_stats_rep){.pages = cs.pages, .used = cs.used, .pinned = cs.pinned,
                                 .dirty = cs.dirty, .hits = cs.hits, .misses = cs.misses,
                                 .evictions = cs.evictions, .writebacks = cs.writebacks};
    return E_OK;
}

SRV_HANDLER(fs_tables)
{
    uint64_t maps = 0, caps = 0;
    for (int i = 0; i < MAX_MAPPED; i++)
        maps += mapped[i].used;
    for (int i = 0; i < MAX_TOKENS; i++)
        caps += tokens[i].used;
    *rep = (struct fs_tables_rep){.open = nused, .mapped = maps, .file_caps = caps,
                                  .clients = clients_count(&clients),
                                  .my_files = clients_held(&clients, r->badge, KIND_FILES),
                                  .my_file_caps = clients_held(&clients, r->badge, KIND_MAPS)};
    return E_OK;
}

/* ---- file mappings (mm) ---- */

/* MAP_FILE once the caller was charged for the capability. */
static err_t map_file_charged(struct srv_req *r, struct open_file *f, bool writable,
                              struct fs_map_file_rep *rep)
{
    int slot = -1;
    for (int i = 0; i < MAX_MAPPED && slot < 0; i++)
        if (mapped[i].used && same_entry(&mapped[i].node, &f->node))
            slot = i;
    for (int i = 0; i < MAX_MAPPED && slot < 0; i++)
        if (!mapped[i].used)
            slot = i;
    if (slot < 0)
        return E_NOSPACE;
    /* Whether pages may be mapped writable is a property of the capability
     * (its badge), not of the file: a read-only holder cannot borrow
     * writability from another mapper of the same file. */
    struct mapped_file *mf = &mapped[slot];
    uint32_t gen = mf->used ? mf->gen : (mf->gen + 1) & 0x7fffffffu;
    uint32_t t = 0;
    while (t < MAX_TOKENS && tokens[t].used)
        t++;
    if (t == MAX_TOKENS)
        return E_NOSPACE;
    uint64_t badge = FS_FILE_BADGE | (uint64_t)t << FS_FILE_TOKEN_SHIFT | (uint64_t)gen << 8 |
                     (uint64_t)slot | (writable ? FS_FILE_WRITE_BADGE : 0);
    int64_t cap = sys_cap_copy(FS_SLOT_SERVICE, RIGHT_WRITE | RIGHT_GRANT, badge);
    if (cap < 0)
        return (err_t)cap;
    if (!mf->used)
        *mf = (struct mapped_file){.used = true, .gen = gen, .node = f->node};
    mf->refs++;
    tokens[t] = (struct token){.used = true, .slot = (uint8_t)slot, .gen = gen,
                               .owner = is_process(f->badge) ? f->badge : 0};
    /* Ours goes once the reply is out: the receiver's copy is its child. */
    r->send[0] = (handle_t)cap;
    r->nsend = 1;
    r->drop_sent = true;
    rep->size = f->node.size;
    return E_OK;
}

SRV_HANDLER(fs_map_file)
{
    struct open_file *f = file_of(r->badge, req->handle);
    if (!f)
        return E_BADH;
    if (f->node.is_dir || f->node.first_cluster == 0)
        return E_INVAL;
    err_t err = charge_request(r, KIND_MAPS);
    if (err != E_OK)
        return err;
    err = map_file_charged(r, f, req->writable != 0, rep);
    if (err != E_OK)
        uncharge(f->badge, KIND_MAPS, 1); /* refused: the charge goes back */
    return err;
}

/* File capability t is given back (memobj RELEASE, or its owner ended
 * without ever using it): one reference less to its mapping, and the
 * charge goes back to whoever asked for it. */
static void release_token(uint32_t t)
{
    struct mapped_file *mf = &mapped[tokens[t].slot];
    tokens[t].used = false;
    if (tokens[t].owner)
        uncharge(tokens[t].owner, KIND_MAPS, 1);
    if (mf->refs > 0 && --mf->refs == 0) {
        /* Last mapper gone: written back; its pages stay cached. */
        err_t err = cache_unpin_file(&fs, mf->node.first_cluster);
        if (err != E_OK) /* the pages stay dirty: sync or eviction retries */
            sys_printf("fat32: write-back of a mapped file failed: %s\n", err_name(err));
        mf->used = false;
    }
}

/* The mapped file a file capability names (its badge), or NULL: a
 * released capability names nothing, like one whose slot moved on. The
 * request marks the capability used. */
static struct mapped_file *request_file(const struct srv_req *r)
{
    uint64_t badge = r->badge;
    uint64_t index = FS_FILE_SLOT(badge), t = FS_FILE_TOKEN(badge);
    struct mapped_file *mf = index < MAX_MAPPED && mapped[index].used &&
                             mapped[index].gen == FS_FILE_GEN(badge) ? &mapped[index] : NULL;
    if (!mf || t >= MAX_TOKENS || !tokens[t].used || tokens[t].slot != index ||
        tokens[t].gen != mf->gen)
        return NULL;
    tokens[t].touched = true;
    return mf;
}

SRV_HANDLER(memobj_get_page)
{
    struct mapped_file *mf = request_file(r);
    if (!mf)
        return E_BADH;
    bool writable = req->writable != 0;
    if (writable && !(r->badge & FS_FILE_WRITE_BADGE))
        return E_PERM;
    uint32_t slot;
    err_t err = cache_get(&fs, &mf->node, req->index, &slot);
    if (err != E_OK)
        return err;
    uint64_t left = mf->node.size - req->index * CACHE_PAGE;
    uint32_t valid = left < CACHE_PAGE ? (uint32_t)left : CACHE_PAGE;
    /* Execute too: FAT has no execute bit, and programs run from mapped
     * file pages (mm maps them with the VMA's own permissions). */
    unsigned rights = RIGHT_READ | RIGHT_EXEC | RIGHT_GRANT | (writable ? RIGHT_WRITE : 0);
    int64_t page = sys_frame_derive(FS_SLOT_CACHE, cache_offset(slot), CACHE_PAGE, rights);
    if (page < 0)
        return (err_t)page;
    cache_pin(slot, writable); /* writable: it may be written through the mapping */
    r->send[0] = (handle_t)page;
    r->nsend = 1;
    r->drop_sent = true;
    rep->bytes = valid;
    return E_OK;
}

SRV_HANDLER(memobj_sync)
{
    struct mapped_file *mf = request_file(r);
    if (!mf)
        return E_BADH;
    /* As FSYNC: the entry (FAT first) too, when write() grew the file
     * through a handle still open: pages past the stored size would be
     * lost at a crash. */
    err_t err = store_entry_of_node(&mf->node);
    if (err == E_OK)
        err = cache_sync(&fs, mf->node.first_cluster);
    return err == E_OK ? fs_dev_flush() : err;
}

SRV_HANDLER(memobj_info)
{
    struct mapped_file *mf = request_file(r);
    if (!mf)
        return E_BADH;
    rep->size = mf->node.size;
    rep->writable = (r->badge & FS_FILE_WRITE_BADGE) != 0;
    return E_OK;
}

SRV_HANDLER(memobj_release)
{
    if (!request_file(r))
        return E_BADH;
    release_token((uint32_t)FS_FILE_TOKEN(r->badge));
    return E_OK;
}

/* Maps the page-cache frame root gave us at va and hands it to the cache. */
static err_t cache_map(uint64_t va)
{
    struct cap_info ci;
    if (sys_cap_info(FS_SLOT_CACHE, &ci) < 0 || ci.len < CACHE_PAGE)
        return E_INVAL;
    uint64_t len = ci.len < (uint64_t)CACHE_MAX_PAGES * CACHE_PAGE
                       ? ci.len : (uint64_t)CACHE_MAX_PAGES * CACHE_PAGE;
    len -= len % CACHE_PAGE;
    for (uint64_t off = 0; off < len; off += CACHE_PAGE)
        if (sys_map(FS_SLOT_SELF_TASK, va + off, FS_SLOT_CACHE, off, MAP_R | MAP_W) < 0)
            return E_NOMEM;
    return cache_init((uint8_t *)(uintptr_t)va, (uint32_t)(len / CACHE_PAGE));
}

/* proc's own operations (badge FS_PROC_BADGE): a forked process gets
 * copies of its parent's handles; an ended one loses all of its own. */
static void drop_client(uint64_t badge)
{
    struct open_file *f;
    FOR_EACH_OPEN(f) {
        if (f->badge != badge)
            continue;
        (void)store_entry_of(f); /* best effort: the client is gone */
        free_file(f);
    }
    /* Its file capabilities: one nobody ever used went nowhere (mm asks
     * memobj INFO when it takes one for a mapping), so it goes with its
     * owner; one that was used may be mm's for a mapping that outlives
     * the process (a forked child's): it stays, charged to nobody, until
     * mm releases it. A process is charged for each token it owns (and
     * only a process owns any), so the walk stops at the last of them. */
    uint32_t owned = is_process(badge) ? clients_held(&clients, badge, KIND_MAPS) : 0;
    for (uint32_t t = 0; t < MAX_TOKENS && owned > 0; t++) {
        if (!tokens[t].used || tokens[t].owner != badge)
            continue;
        owned--;
        if (tokens[t].touched) {
            uncharge(badge, KIND_MAPS, 1);
            tokens[t].owner = 0;
        } else {
            release_token(t);
        }
    }
    (void)clients_drop(&clients, badge, NULL);
}

SRV_HANDLER(fs_clone_client)
{
    uint64_t from = req->from, to = req->to;
    if (from == to || to == FS_MM_BADGE || to == FS_PROC_BADGE || (to & FS_FILE_BADGE))
        return E_INVAL;
    drop_client(to); /* a reused badge starts empty */
    struct open_file *f;
    FOR_EACH_OPEN(f) {
        if (f->badge != from)
            continue;
        err_t err = charge(to, KIND_FILES, 1);
        struct open_file *copy = err == E_OK ? entry_for(to, f->handle) : NULL;
        if (!copy) {
            if (err == E_OK)
                uncharge(to, KIND_FILES, 1);
            drop_client(to);
            return err == E_OK ? E_NOSPACE : err;
        }
        *copy = *f;
        copy->badge = to;
        file_listed(copy);
    }
    return E_OK;
}

SRV_HANDLER(fs_drop_client)
{
    drop_client(req->badge);
    return E_OK;
}

/* The caller's class, from its badge. Every request also sets the clock
 * first: whatever it writes carries the time. */
static uint32_t classify(struct srv_req *r)
{
    clock_update();
    if (r->badge & FS_FILE_BADGE)
        return PROTO_CALLER_OBJECT;
    if (r->badge == FS_MM_BADGE)
        return FS_CALLER_MM;
    if (r->badge == FS_PROC_BADGE)
        return FS_CALLER_PROC;
    return FS_CALLER_CLIENT;
}

/* Debug builds (CONFIG_SRV_CHECKS): the FAT against the directory tree
 * after every request, when every directory entry is on the disk (a
 * write grows a file in memory first: its entry follows at close, fsync
 * or the next path operation). */
static bool fs_check(void *state)
{
    (void)state;
    struct open_file *f;
    FOR_EACH_OPEN(f)
        if (f->entry_dirty)
            return true;
    const char *why;
    if (fat_check(&fs, &why) == E_OK)
        return true;
    sys_printf("fat32: fat_check: %s\n", why);
    return false;
}

static const struct srv_op ops[] = {FS_OPS(SRV_ENTRY) MEMOBJ_OPS(SRV_ENTRY)};
static struct srv server = {.name = "fat32",
                            .ops = ops,
                            .nops = SRV_NOPS(ops),
                            .classify = classify,
                            .denied = E_NOSYS, /* another class's op is not the caller's protocol */
                            .check = fs_check,
                            .clients = &clients};

int main(uintptr_t arg)
{
    clients_init(&clients, client_storage, FS_MAX_CLIENTS, NKINDS,
                 (const uint32_t[NKINDS]){FS_CLIENT_FILES, FS_CLIENT_MAPS});
    clock_secs_at_time0 = arg & 0xffffffffu;
    clock_hz = arg >> 32;
    struct fat_dev dev;
    err_t err = fs_dev_open(&dev, DMA_VA);
    if (err == E_OK)
        err = fat_mount(&fs, &dev);
    if (err == E_OK)
        err = cache_map(CACHE_VA);
    if (err != E_OK) {
        sys_printf("fat32: cannot mount the disk: %s\n", err_name(err));
        return 1;
    }
    sys_printf("fat32: mounted a FAT32 volume: %u clusters of %u bytes, %u free\n",
               fs.nclusters, fs.cluster_bytes, fs.free_count);
    if (fs.mounted_unclean) /* the library keeps it marked: fsck.fat will see it too */
        sys_printf("fat32: the volume was not unmounted cleanly: repair it with fsck.fat\n");
    srv_run(&server, FS_SLOT_SERVICE);
}
