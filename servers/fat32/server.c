/*
 * fat32: the file server. Mounts the FAT32 volume on the disk blk drives
 * and serves files to clients told apart by their badges. Every request is
 * checked here (handle ownership, path termination, sizes) before the
 * library sees it; the library itself validates everything on disk, so a
 * corrupt volume gives errors, never a crash.
 */
#include <sys/ipc.h>
#include <sys/mica.h>

#include <proto/fs.h>

#include "server.h"

#define DMA_VA 0x2000000000ul

struct open_file {
    bool used;
    uint64_t badge;
    struct fat_node node;
};

static struct fat_fs fs;
static struct open_file files[FS_MAX_OPEN];

static void reply_err(struct ipc_msg *m, err_t err)
{
    m->tag = IPC_TAG((uint64_t)(int64_t)err & 0xffffffffffffull, 0, 0);
}

static void reply_ok(struct ipc_msg *m, uint64_t len)
{
    m->tag = IPC_TAG(0, len, 0);
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

static struct open_file *file_of(uint64_t badge, uint64_t h)
{
    if (h >= FS_MAX_OPEN || !files[h].used || files[h].badge != badge)
        return NULL;
    return &files[h];
}

/* Other handles on the same file see its new size at once. */
static void refresh_others(const struct open_file *f)
{
    for (int i = 0; i < FS_MAX_OPEN; i++) {
        struct open_file *o = &files[i];
        if (o != f && o->used && o->node.dir_cluster == f->node.dir_cluster &&
            o->node.dirent_index == f->node.dirent_index)
            o->node = f->node;
    }
}

static void op_open(struct ipc_msg *m, uint64_t badge)
{
    const char *path = path_arg(m, 0);
    uint64_t flags = m->w[0];
    if (!path || flags & ~(uint64_t)(FS_O_CREAT | FS_O_TRUNC | FS_O_EXCL))
        { reply_err(m, E_INVAL); return; }
    int slot = -1;
    for (int i = 0; i < FS_MAX_OPEN && slot < 0; i++)
        if (!files[i].used)
            slot = i;
    if (slot < 0)
        { reply_err(m, E_NOSPACE); return; }
    struct fat_node n;
    err_t err = fat_lookup(&fs, path, &n);
    if (err == E_OK && (flags & FS_O_CREAT) && (flags & FS_O_EXCL))
        { reply_err(m, E_EXIST); return; }
    if (err == E_NOENT && (flags & FS_O_CREAT))
        err = fat_create(&fs, path, false, &n);
    if (err == E_OK && (flags & FS_O_TRUNC) && !n.is_dir && n.size > 0)
        err = fat_truncate(&fs, &n, 0);
    if (err != E_OK)
        { reply_err(m, err); return; }
    files[slot].used = true;
    files[slot].badge = badge;
    files[slot].node = n;
    refresh_others(&files[slot]);
    reply_ok(m, 0);
    m->w[0] = (uint64_t)slot;
    m->w[1] = n.size;
    m->w[2] = n.is_dir;
}

static void op_read(struct ipc_msg *m, struct open_file *f)
{
    uint64_t off = m->w[1], len = m->w[2];
    if (len > FS_IO_MAX)
        { reply_err(m, E_RANGE); return; }
    if (f->node.is_dir)
        { reply_err(m, E_INVAL); return; }
    uint32_t got = 0;
    err_t err = fat_read(&fs, &f->node, off, ipc_buffer()->data, (uint32_t)len, &got);
    if (err != E_OK)
        { reply_err(m, err); return; }
    reply_ok(m, got);
}

static void op_write(struct ipc_msg *m, struct open_file *f)
{
    uint64_t off = m->w[1], len = IPC_TAG_LEN(m->tag);
    if ((m->tag & IPC_TAG_TRUNCATED) || len > FS_IO_MAX)
        { reply_err(m, E_INVAL); return; }
    if (f->node.is_dir)
        { reply_err(m, E_INVAL); return; }
    uint32_t put = 0;
    err_t err = fat_write(&fs, &f->node, off, ipc_buffer()->data, (uint32_t)len, &put);
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

static bool same_entry(const struct fat_node *a, const struct fat_node *b)
{
    return a->dir_cluster == b->dir_cluster && a->dirent_index == b->dirent_index;
}

/* After an unlink or rename, open handles must not keep a directory slot
 * that is gone or reused: handles on a removed file are closed (E_BADH
 * afterwards), handles on a renamed one follow it. */
static void fix_open_handles(const struct fat_node *old, const struct fat_node *moved)
{
    for (int i = 0; i < FS_MAX_OPEN; i++) {
        struct open_file *o = &files[i];
        if (!o->used || !same_entry(&o->node, old))
            continue;
        if (moved)
            o->node = *moved;
        else
            o->used = false;
    }
}

static void op_path(struct ipc_msg *m, uint64_t op)
{
    const char *path = path_arg(m, 0);
    if (!path)
        { reply_err(m, E_INVAL); return; }
    err_t err;
    struct fat_node n, old;
    bool had_old = (op == FS_OP_UNLINK || op == FS_OP_RENAME) &&
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
}

static void dispatch(struct ipc_msg *m, uint64_t badge)
{
    uint64_t op = IPC_TAG_LABEL(m->tag);
    struct open_file *f;
    switch (op) {
    case FS_OP_OPEN: { op_open(m, badge); return; }
    case FS_OP_UNLINK:
    case FS_OP_MKDIR:
    case FS_OP_RMDIR:
    case FS_OP_RENAME: { op_path(m, op); return; }
    case FS_OP_SYNC: {
        err_t err = fat_sync(&fs);
        if (err == E_OK)
            err = fs_dev_flush();
        if (err == E_OK)
            reply_ok(m, 0);
        else
            reply_err(m, err);
        return;
    }
    }
    f = file_of(badge, m->w[0]);
    if (!f && (op == FS_OP_CLOSE || op == FS_OP_READ || op == FS_OP_WRITE ||
               op == FS_OP_FSTAT || op == FS_OP_TRUNCATE || op == FS_OP_READDIR))
        { reply_err(m, E_BADH); return; }
    switch (op) {
    case FS_OP_CLOSE:
        f->used = false;
        { reply_ok(m, 0); return; }
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
        err_t err = fat_truncate(&fs, &f->node, (uint32_t)m->w[1]);
        refresh_others(f);
        if (err == E_OK)
            reply_ok(m, 0);
        else
            reply_err(m, err);
        return;
    }
    case FS_OP_READDIR: { op_readdir(m, f); return; }
    default: { reply_err(m, E_NOSYS); return; }
    }
}

int main(uintptr_t arg)
{
    (void)arg;
    struct fat_dev dev;
    err_t err = fs_dev_open(&dev, DMA_VA);
    if (err == E_OK)
        err = fat_mount(&fs, &dev);
    if (err != E_OK) {
        sys_printf("fat32: cannot mount the disk: %s\n", err_name(err));
        return 1;
    }
    sys_printf("fat32: mounted a FAT32 volume: %u clusters of %u bytes, %u free\n",
               fs.nclusters, fs.cluster_bytes, fs.free_count);
    struct ipc_msg m;
    int64_t badge = ipc_recv(FS_SLOT_SERVICE, &m);
    for (;;) {
        if (badge >= 0)
            dispatch(&m, (uint64_t)badge);
        else
            reply_err(&m, E_INVAL);
        badge = ipc_reply_recv(FS_SLOT_SERVICE, &m);
    }
}
