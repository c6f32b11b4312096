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

#include <proto/fs.h>
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
 * by a token in its badge (FS_FILE_TOKEN): RELEASE_FILE gives back that
 * capability's reference once. A count alone would let any holder release
 * as often as it likes, and so unpin the pages of a file other processes
 * map (their text, say) while they still use them. */
#define MAX_TOKENS 1024
_Static_assert(MAX_TOKENS <= FS_FILE_TOKEN_MAX + 1, "token must fit its badge field");
static struct token {
    bool used;
    bool touched; /* a request came on it (mm asks FILE_INFO at mmap) */
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

/* E_LIMIT at the process's limit of kind; E_OK for others. */
static err_t charge(uint64_t badge, uint32_t kind, uint32_t n)
{
    return is_process(badge) ? clients_charge(&clients, badge, kind, n) : E_OK;
}

static void uncharge(uint64_t badge, uint32_t kind, uint32_t n)
{
    if (is_process(badge))
        clients_uncharge(&clients, badge, kind, n);
}
/* Capabilities copied into a reply: deleted once the reply went out (the
 * receiver's copy is their child and lives on). */
static handle_t after_reply[2];

static void reply_err(struct ipc_msg *m, err_t err)
{
    m->tag = IPC_TAG((uint64_t)(int64_t)err & 0xffffffffffffull, 0, 0);
}

static void reply_ok(struct ipc_msg *m, uint64_t len)
{
    m->tag = IPC_TAG(0, len, 0);
}

/* An empty success or the error. */
static void reply_status(struct ipc_msg *m, err_t err)
{
    if (err == E_OK)
        reply_ok(m, 0);
    else
        reply_err(m, err);
}

/* The NUL-terminated path at the start of the request's data, or NULL. */
static const char *path_arg(const struct ipc_msg *m, uint64_t from)
{
    const char *data = (const char *)ipc_buffer()->data;
    uint64_t len = IPC_TAG_LEN(m->tag);
    if ((m->tag & IPC_TAG_TRUNCATED) || len > FS_IO_MAX || from >= len)
        return NULL;
    for (uint64_t i = from; i < len; i++)
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
 * the same node: refresh_others), the FAT first. For FSYNC and SYNC_FILE:
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
/* Replies held until mm has unmapped what lies past a file's new end. */
static struct held_reply {
    bool used;
    handle_t reply;
    uint64_t epoch;
    struct ipc_msg m;
} held[MAX_HELD];
static uint64_t shrink_epoch;

/* File n (first cluster `first` before the change) now has `size` bytes;
 * `gone`: it was unlinked. m is the reply, ready. Returns true when the
 * reply was held for mm's TRIM_DONE (the caller must not reply). */
static bool file_shrank(const struct fat_node *n, uint32_t first, uint64_t size, bool gone,
                        const struct ipc_msg *m)
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
        int64_t reply = ipc_reply_save();
        if (reply < 0)
            return false;
        held[i] = (struct held_reply){.used = true, .reply = (handle_t)reply,
                                      .epoch = shrink_epoch, .m = *m};
        return true;
    }
    return false; /* more held callers than clients can be: reply now */
}

static void dispatch_mm(struct ipc_msg *m)
{
    switch (IPC_TAG_LABEL(m->tag)) {
    case FS_OP_TRIM_BEGIN:
        reply_ok(m, 0);
        m->w[0] = shrink_epoch;
        return;
    case FS_OP_TRIM_DONE:
        for (int i = 0; i < MAX_HELD; i++) {
            if (!held[i].used || held[i].epoch > m->w[0])
                continue;
            (void)ipc_reply_to(held[i].reply, &held[i].m); /* deletes the reply handle */
            held[i].used = false;
        }
        cache_trim_done(m->w[0]);
        reply_ok(m, 0);
        return;
    default: reply_err(m, E_NOSYS); return;
    }
}

static void op_open(struct ipc_msg *m, uint64_t badge)
{
    const char *path = path_arg(m, 0);
    uint64_t flags = m->w[0];
    if (!path || flags & ~(uint64_t)(FS_O_CREAT | FS_O_TRUNC | FS_O_EXCL))
        { reply_err(m, E_INVAL); return; }
    /* The caller's own limit first (E_LIMIT: EMFILE), then the shared
     * table (E_NOSPACE with FS_NOSPACE_HANDLES: ENFILE), before anything
     * is looked up or created. */
    m->w[0] = 0;
    err_t err = charge(badge, KIND_FILES, 1);
    if (err != E_OK) {
        reply_err(m, err);
        m->w[0] = err == E_NOSPACE ? FS_NOSPACE_HANDLES : 0; /* no room for another client */
        return;
    }
    uint32_t handle = free_handle(badge);
    struct open_file *slot = handle < FS_MAX_OPEN ? entry_for(badge, handle) : NULL;
    if (!slot) {
        uncharge(badge, KIND_FILES, 1);
        reply_err(m, E_NOSPACE);
        m->w[0] = FS_NOSPACE_HANDLES;
        return;
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
        uncharge(badge, KIND_FILES, 1);
        reply_err(m, err);
        return;
    }
    *slot = (struct open_file){.handle = handle, .badge = badge, .node = n};
    file_listed(slot);
    refresh_others(slot);
    reply_ok(m, 0);
    m->w[0] = handle;
    m->w[1] = n.size;
    m->w[2] = n.is_dir;
    if (shrinks)
        (void)file_shrank(&n, first, 0, false, m);
}

static void op_read(struct ipc_msg *m, struct open_file *f)
{
    uint64_t off = m->w[1], len = m->w[2];
    if (len > FS_IO_MAX)
        { reply_err(m, E_RANGE); return; }
    uint32_t got = 0;
    err_t err = cache_read(&fs, &f->node, off, ipc_buffer()->data, (uint32_t)len, &got);
    if (err != E_OK)
        { reply_err(m, err); return; }
    reply_ok(m, got);
}

static void op_write(struct ipc_msg *m, struct open_file *f)
{
    uint64_t off = m->w[1], len = IPC_TAG_LEN(m->tag);
    /* A directory first: marking its entry dirty would have every later
     * path operation (store_entries) fail with E_CORRUPT, for every client,
     * until the handle closed. */
    if ((m->tag & IPC_TAG_TRUNCATED) || len > FS_IO_MAX || f->node.is_dir)
        { reply_err(m, E_INVAL); return; }
    uint32_t put = 0;
    err_t err = cache_write(&fs, &f->node, off, ipc_buffer()->data, (uint32_t)len, &put);
    f->entry_dirty = true;
    refresh_others(f);
    if (err != E_OK)
        reply_err(m, err);
    else
        reply_ok(m, 0);
    m->w[0] = put;
}

static void op_readdir(struct ipc_msg *m, struct open_file *f)
{
    if (!f->node.is_dir)
        { reply_err(m, E_INVAL); return; }
    uint32_t cookie = (uint32_t)m->w[1];
    static struct fat_dirent d;
    err_t err = fat_readdir(&fs, &f->node, &cookie, &d);
    if (err != E_OK)
        { reply_err(m, err); return; }
    uint64_t n = strlen(d.name) + 1;
    memcpy(ipc_buffer()->data, d.name, n);
    reply_ok(m, n);
    m->w[0] = cookie;
    m->w[1] = d.size;
    m->w[2] = d.is_dir;
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

static void op_path(struct ipc_msg *m, uint64_t op)
{
    const char *path = path_arg(m, 0);
    if (!path)
        { reply_err(m, E_INVAL); return; }
    err_t err;
    struct fat_node n, old;
    /* RMDIR too: a handle left on a removed directory would read its
     * freed clusters, reused by the next file, as entries (E_CORRUPT). */
    bool had_old = (op == FS_OP_UNLINK || op == FS_OP_RENAME || op == FS_OP_RMDIR) &&
                   fat_lookup(&fs, path, &old) == E_OK;
    switch (op) {
    case FS_OP_UNLINK: err = fat_unlink(&fs, path); break;
    case FS_OP_MKDIR: err = fat_create(&fs, path, true, &n); break;
    case FS_OP_RMDIR: err = fat_rmdir(&fs, path); break;
    default: {
        const char *to = path_arg(m, strlen(path) + 1);
        err = to ? fat_rename(&fs, path, to) : E_INVAL;
        if (err == E_OK && had_old && fat_lookup(&fs, to, &n) == E_OK)
            fix_open_handles(&old, &n);
        had_old = false; /* handled */
    }
    }
    if (err == E_OK && had_old)
        fix_open_handles(&old, NULL);
    if (err != E_OK)
        { reply_err(m, err); return; }
    reply_ok(m, 0);
    if (op == FS_OP_UNLINK && had_old)
        (void)file_shrank(&old, old.first_cluster, 0, true, m);
}

/* ---- file mappings (mm) ---- */

static void map_file_charged(struct ipc_msg *m, struct open_file *f);

static void op_map_file(struct ipc_msg *m, struct open_file *f)
{
    if (f->node.is_dir || f->node.first_cluster == 0)
        { reply_err(m, E_INVAL); return; }
    err_t err = charge(f->badge, KIND_MAPS, 1);
    if (err != E_OK)
        { reply_err(m, err); return; }
    map_file_charged(m, f);
    if (IPC_TAG_LABEL(m->tag) != 0)
        uncharge(f->badge, KIND_MAPS, 1); /* refused: the charge goes back */
}

/* MAP_FILE once the caller was charged for the capability. */
static void map_file_charged(struct ipc_msg *m, struct open_file *f)
{
    int slot = -1;
    for (int i = 0; i < MAX_MAPPED && slot < 0; i++)
        if (mapped[i].used && same_entry(&mapped[i].node, &f->node))
            slot = i;
    for (int i = 0; i < MAX_MAPPED && slot < 0; i++)
        if (!mapped[i].used)
            slot = i;
    if (slot < 0)
        { reply_err(m, E_NOSPACE); return; }
    /* Whether pages may be mapped writable is a property of the capability
     * (its badge), not of the file: a read-only holder cannot borrow
     * writability from another mapper of the same file. */
    struct mapped_file *mf = &mapped[slot];
    uint32_t gen = mf->used ? mf->gen : (mf->gen + 1) & 0x7fffffffu;
    uint32_t t = 0;
    while (t < MAX_TOKENS && tokens[t].used)
        t++;
    if (t == MAX_TOKENS)
        { reply_err(m, E_NOSPACE); return; }
    uint64_t badge = FS_FILE_BADGE | (uint64_t)t << FS_FILE_TOKEN_SHIFT | (uint64_t)gen << 8 |
                     (uint64_t)slot | (m->w[1] ? FS_FILE_WRITE_BADGE : 0);
    int64_t cap = sys_cap_copy(FS_SLOT_SERVICE, RIGHT_WRITE | RIGHT_GRANT, badge);
    if (cap < 0)
        { reply_err(m, (err_t)cap); return; }
    if (!mf->used)
        *mf = (struct mapped_file){.used = true, .gen = gen, .node = f->node};
    mf->refs++;
    tokens[t] = (struct token){.used = true, .slot = (uint8_t)slot, .gen = gen,
                               .owner = is_process(f->badge) ? f->badge : 0};
    ipc_buffer()->caps[0] = (handle_t)cap;
    after_reply[0] = (handle_t)cap;
    m->tag = IPC_TAG(0, 0, 1);
    m->w[0] = f->node.size;
}

static void op_get_page(struct ipc_msg *m, struct mapped_file *mf, bool may_write)
{
    bool writable = m->w[1] != 0;
    if (writable && !may_write)
        { reply_err(m, E_PERM); return; }
    uint32_t slot;
    err_t err = cache_get(&fs, &mf->node, m->w[0], &slot);
    if (err != E_OK)
        { reply_err(m, err); return; }
    uint64_t left = mf->node.size - m->w[0] * CACHE_PAGE;
    uint32_t valid = left < CACHE_PAGE ? (uint32_t)left : CACHE_PAGE;
    /* Execute too: FAT has no execute bit, and programs run from mapped
     * file pages (mm maps them with the VMA's own permissions). */
    unsigned rights = RIGHT_READ | RIGHT_EXEC | RIGHT_GRANT | (writable ? RIGHT_WRITE : 0);
    int64_t page = sys_frame_derive(FS_SLOT_CACHE, cache_offset(slot), CACHE_PAGE, rights);
    if (page < 0)
        { reply_err(m, (err_t)page); return; }
    cache_pin(slot, writable); /* writable: it may be written through the mapping */
    ipc_buffer()->caps[0] = (handle_t)page;
    after_reply[1] = (handle_t)page;
    m->tag = IPC_TAG(0, 0, 1);
    m->w[0] = valid;
}

/* File capability t is given back (RELEASE_FILE, or its owner ended
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

static void dispatch_file(struct ipc_msg *m, uint64_t badge)
{
    uint64_t index = FS_FILE_SLOT(badge), t = FS_FILE_TOKEN(badge);
    struct mapped_file *mf = index < MAX_MAPPED && mapped[index].used &&
                             mapped[index].gen == FS_FILE_GEN(badge) ? &mapped[index] : NULL;
    /* A released capability names nothing, like one whose slot moved on. */
    if (!mf || t >= MAX_TOKENS || !tokens[t].used || tokens[t].slot != index ||
        tokens[t].gen != mf->gen)
        { reply_err(m, E_BADH); return; }
    tokens[t].touched = true;
    switch (IPC_TAG_LABEL(m->tag)) {
    case FS_OP_GET_PAGE: op_get_page(m, mf, (badge & FS_FILE_WRITE_BADGE) != 0); return;
    case FS_OP_SYNC_FILE: {
        /* As FSYNC: the entry (FAT first) too, when write() grew the file
         * through a handle still open: pages past the stored size would
         * be lost at a crash. */
        err_t err = store_entry_of_node(&mf->node);
        if (err == E_OK)
            err = cache_sync(&fs, mf->node.first_cluster);
        reply_status(m, err == E_OK ? fs_dev_flush() : err);
        return;
    }
    case FS_OP_FILE_INFO:
        reply_ok(m, 0);
        m->w[0] = mf->node.size;
        m->w[1] = (badge & FS_FILE_WRITE_BADGE) != 0;
        return;
    case FS_OP_RELEASE_FILE:
        release_token((uint32_t)t);
        reply_ok(m, 0);
        return;
    default: reply_err(m, E_NOSYS); return;
    }
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
     * FILE_INFO when it takes one for a mapping), so it goes with its
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

static void dispatch_proc(struct ipc_msg *m)
{
    uint64_t from = m->w[0], to = m->w[1];
    switch (IPC_TAG_LABEL(m->tag)) {
    case FS_OP_CLONE_CLIENT: {
        if (from == to || to == FS_MM_BADGE || to == FS_PROC_BADGE || (to & FS_FILE_BADGE))
            { reply_err(m, E_INVAL); return; }
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
                reply_err(m, err == E_OK ? E_NOSPACE : err);
                return;
            }
            *copy = *f;
            copy->badge = to;
            file_listed(copy);
        }
        reply_ok(m, 0);
        return;
    }
    case FS_OP_DROP_CLIENT:
        drop_client(from);
        reply_ok(m, 0);
        return;
    default: reply_err(m, E_NOSYS); return;
    }
}

static void dispatch(struct ipc_msg *m, uint64_t badge)
{
    clock_update(); /* whatever this request writes carries the time */
    if (badge == FS_MM_BADGE) {
        dispatch_mm(m);
        return;
    }
    if (badge == FS_PROC_BADGE) {
        dispatch_proc(m);
        return;
    }
    if (badge & FS_FILE_BADGE) {
        dispatch_file(m, badge);
        return;
    }
    uint64_t op = IPC_TAG_LABEL(m->tag);
    struct open_file *f;
    if (op == FS_OP_OPEN || op == FS_OP_UNLINK || op == FS_OP_MKDIR || op == FS_OP_RMDIR ||
        op == FS_OP_RENAME || op == FS_OP_READDIR || op == FS_OP_SYNC) {
        err_t err = store_entries(); /* entries on the disk say what handles know */
        if (err != E_OK)
            { reply_err(m, err); return; }
    }
    switch (op) {
    case FS_OP_OPEN: { op_open(m, badge); return; }
    case FS_OP_UNLINK:
    case FS_OP_MKDIR:
    case FS_OP_RMDIR:
    case FS_OP_RENAME: { op_path(m, op); return; }
    case FS_OP_SYNC: {
        err_t err = cache_sync(&fs, 0);
        if (err == E_OK)
            err = fat_sync(&fs);
        reply_status(m, err == E_OK ? fs_dev_flush() : err);
        return;
    }
    case FS_OP_STATS: {
        struct cache_stats cs;
        cache_get_stats(&cs);
        reply_ok(m, 0);
        m->w[0] = cs.pages;
        m->w[1] = cs.used;
        m->w[2] = cs.pinned;
        m->w[3] = cs.dirty;
        m->w[4] = cs.hits;
        m->w[5] = cs.misses;
        m->w[6] = cs.evictions;
        m->w[7] = cs.writebacks;
        return;
    }
    case FS_OP_TABLES: {
        uint64_t open = nused, maps = 0, caps = 0;
        for (int i = 0; i < MAX_MAPPED; i++)
            maps += mapped[i].used;
        for (int i = 0; i < MAX_TOKENS; i++)
            caps += tokens[i].used;
        reply_ok(m, 0);
        m->w[0] = open;
        m->w[1] = maps;
        m->w[2] = caps;
        m->w[3] = clients_count(&clients);
        m->w[4] = clients_held(&clients, badge, KIND_FILES);
        m->w[5] = clients_held(&clients, badge, KIND_MAPS);
        return;
    }
    }
    f = file_of(badge, m->w[0]);
    if (!f && (op == FS_OP_CLOSE || op == FS_OP_READ || op == FS_OP_WRITE ||
               op == FS_OP_FSTAT || op == FS_OP_TRUNCATE || op == FS_OP_READDIR ||
               op == FS_OP_MAP_FILE || op == FS_OP_FSYNC))
        { reply_err(m, E_BADH); return; }
    switch (op) {
    case FS_OP_CLOSE: {
        err_t err = store_entry_of(f);
        free_file(f);
        reply_status(m, err);
        return;
    }
    case FS_OP_READ: { op_read(m, f); return; }
    case FS_OP_WRITE: { op_write(m, f); return; }
    case FS_OP_FSTAT:
        reply_ok(m, 0);
        m->w[0] = f->node.size;
        m->w[1] = f->node.is_dir;
        m->w[2] = ((uint64_t)f->node.mdate << 16) | f->node.mtime;
        return;
    case FS_OP_TRUNCATE: {
        if (f->node.is_dir || m->w[1] > 0xffffffffull)
            { reply_err(m, E_INVAL); return; }
        uint32_t first = f->node.first_cluster, old_size = f->node.size;
        if (first != 0 && m->w[1] > old_size)
            cache_zero_tail(first, old_size);
        err_t err = fat_truncate(&fs, &f->node, (uint32_t)m->w[1]);
        refresh_others(f);
        reply_status(m, err);
        if (err == E_OK && f->node.size < old_size)
            (void)file_shrank(&f->node, first, f->node.size, false, m);
        return;
    }
    case FS_OP_READDIR: { op_readdir(m, f); return; }
    case FS_OP_MAP_FILE: op_map_file(m, f); return;
    case FS_OP_FSYNC: {
        /* The file's entry, whichever of its handles wrote last: fsync
         * syncs the file, not the handle (writes through another handle
         * mark only that one's entry dirty). */
        err_t err = store_entry_of_node(&f->node);
        if (err == E_OK && f->node.first_cluster)
            err = cache_sync(&fs, f->node.first_cluster);
        reply_status(m, err == E_OK ? fs_dev_flush() : err);
        return;
    }
    default: { reply_err(m, E_NOSYS); return; }
    }
}

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
    struct ipc_msg m;
    int64_t badge = ipc_recv(FS_SLOT_SERVICE, &m);
    for (;;) {
        if (badge >= 0)
            dispatch(&m, (uint64_t)badge);
        else
            reply_err(&m, E_INVAL);
        badge = ipc_reply_recv(FS_SLOT_SERVICE, &m);
        for (int i = 0; i < 2; i++) {
            if (after_reply[i])
                (void)sys_cap_delete(after_reply[i]);
            after_reply[i] = 0;
        }
    }
}
