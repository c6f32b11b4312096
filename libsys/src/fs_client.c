/* fat32 client stubs (see sys/fs.h): the only code that builds fs messages. */
#include <sys/fs.h>
#include <sys/ipc.h>
#include <sys/mica.h>

/* Copies one or two NUL-terminated strings into the IPC buffer; returns
 * their total length or E_RANGE. */
static int64_t put_paths(const char *a, const char *b)
{
    uint8_t *d = ipc_buffer()->data;
    uint64_t la = strlen(a) + 1, lb = b ? strlen(b) + 1 : 0;
    if (la + lb > FS_IO_MAX)
        return E_RANGE;
    memcpy(d, a, la);
    if (b)
        memcpy(d + la, b, lb);
    return (int64_t)(la + lb);
}

int64_t fs_open(handle_t fs, const char *path, unsigned flags, uint64_t *size, bool *is_dir)
{
    return fs_open_ex(fs, path, flags, size, is_dir, NULL);
}

int64_t fs_open_ex(handle_t fs, const char *path, unsigned flags, uint64_t *size, bool *is_dir,
                   bool *table_full)
{
    if (table_full)
        *table_full = false;
    int64_t len = put_paths(path, NULL);
    if (len < 0)
        return len;
    struct ipc_msg m = {.w = {flags}};
    int64_t r = ipc_request(fs, FS_OP_OPEN, &m, (uint64_t)len);
    if (r == E_NOSPACE && table_full)
        *table_full = m.w[0] == FS_NOSPACE_HANDLES;
    if (r < 0)
        return r;
    if (size)
        *size = m.w[1];
    if (is_dir)
        *is_dir = m.w[2] != 0;
    return (int64_t)m.w[0];
}

int64_t fs_close(handle_t fs, uint64_t h)
{
    struct ipc_msg m = {.w = {h}};
    return ipc_request(fs, FS_OP_CLOSE, &m, 0);
}

int64_t fs_read(handle_t fs, uint64_t h, uint64_t off, void *buf, uint64_t len)
{
    uint8_t *out = buf;
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = len - done < FS_IO_MAX ? len - done : FS_IO_MAX;
        struct ipc_msg m = {.w = {h, off + done, n}};
        int64_t r = ipc_request(fs, FS_OP_READ, &m, 0);
        if (r < 0)
            return done ? (int64_t)done : r;
        uint64_t got = ipc_reply_copy(&m, out + done, n);
        done += got;
        if (got < n)
            break; /* end of file */
    }
    return (int64_t)done;
}

int64_t fs_write(handle_t fs, uint64_t h, uint64_t off, const void *buf, uint64_t len)
{
    const uint8_t *in = buf;
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = len - done < FS_IO_MAX ? len - done : FS_IO_MAX;
        memcpy(ipc_buffer()->data, in + done, n);
        struct ipc_msg m = {.w = {h, off + done}};
        int64_t r = ipc_request(fs, FS_OP_WRITE, &m, n);
        /* A failed write may still report what it wrote (a disk that
         * filled up part-way). */
        int64_t wrote = ipc_reply_count(&m, n);
        if (wrote > 0)
            done += (uint64_t)wrote;
        if (r < 0 || wrote < 0)
            return done ? (int64_t)done : (r < 0 ? r : wrote);
        if ((uint64_t)wrote < n)
            break;
    }
    return (int64_t)done;
}

int64_t fs_fstat(handle_t fs, uint64_t h, struct fs_stat *out)
{
    struct ipc_msg m = {.w = {h}};
    int64_t r = ipc_request(fs, FS_OP_FSTAT, &m, 0);
    if (r == 0) {
        out->size = m.w[0];
        out->is_dir = m.w[1] != 0;
        out->mdate_mtime = (uint32_t)m.w[2];
    }
    return r;
}

int64_t fs_truncate(handle_t fs, uint64_t h, uint64_t size)
{
    struct ipc_msg m = {.w = {h, size}};
    return ipc_request(fs, FS_OP_TRUNCATE, &m, 0);
}

int64_t fs_readdir(handle_t fs, uint64_t h, uint64_t *cookie, char *name, uint64_t name_len,
                   uint64_t *size, bool *is_dir)
{
    struct ipc_msg m = {.w = {h, *cookie}};
    int64_t r = ipc_request(fs, FS_OP_READDIR, &m, 0);
    if (r < 0)
        return r;
    uint64_t n = IPC_TAG_LEN(m.tag);
    if (n == 0 || n > name_len)
        return E_RANGE;
    memcpy(name, ipc_buffer()->data, n);
    name[n - 1] = '\0';
    *cookie = m.w[0];
    if (size)
        *size = m.w[1];
    if (is_dir)
        *is_dir = m.w[2] != 0;
    return 0;
}

static int64_t path_op(handle_t fs, uint64_t op, const char *a, const char *b)
{
    int64_t len = put_paths(a, b);
    if (len < 0)
        return len;
    struct ipc_msg m = {0};
    return ipc_request(fs, op, &m, (uint64_t)len);
}

int64_t fs_unlink(handle_t fs, const char *path)
{
    return path_op(fs, FS_OP_UNLINK, path, NULL);
}

int64_t fs_mkdir(handle_t fs, const char *path)
{
    return path_op(fs, FS_OP_MKDIR, path, NULL);
}

int64_t fs_rmdir(handle_t fs, const char *path)
{
    return path_op(fs, FS_OP_RMDIR, path, NULL);
}

int64_t fs_rename(handle_t fs, const char *from, const char *to)
{
    return path_op(fs, FS_OP_RENAME, from, to);
}

int64_t fs_sync(handle_t fs)
{
    struct ipc_msg m = {0};
    return ipc_request(fs, FS_OP_SYNC, &m, 0);
}

int64_t fs_fsync(handle_t fs, uint64_t h)
{
    struct ipc_msg m = {.w = {h}};
    return ipc_request(fs, FS_OP_FSYNC, &m, 0);
}

int64_t fs_cache_stats(handle_t fs, struct fs_cache_stats *out)
{
    struct ipc_msg m = {0};
    int64_t r = ipc_request(fs, FS_OP_STATS, &m, 0);
    if (r < 0)
        return r;
    *out = (struct fs_cache_stats){.pages = m.w[0], .used = m.w[1], .pinned = m.w[2],
                                   .dirty = m.w[3], .hits = m.w[4], .misses = m.w[5],
                                   .evictions = m.w[6], .writebacks = m.w[7]};
    return 0;
}

int64_t fs_tables(handle_t fs, struct fs_tables *out)
{
    struct ipc_msg m = {0};
    int64_t r = ipc_request(fs, FS_OP_TABLES, &m, 0);
    if (r < 0)
        return r;
    *out = (struct fs_tables){.open = m.w[0], .mapped = m.w[1], .file_caps = m.w[2],
                              .clients = m.w[3], .my_files = m.w[4], .my_file_caps = m.w[5]};
    return 0;
}

int64_t fs_clone_client(handle_t fs, uint64_t from_badge, uint64_t to_badge)
{
    struct ipc_msg m = {.w = {from_badge, to_badge}};
    return ipc_request(fs, FS_OP_CLONE_CLIENT, &m, 0);
}

int64_t fs_drop_client(handle_t fs, uint64_t badge)
{
    struct ipc_msg m = {.w = {badge}};
    return ipc_request(fs, FS_OP_DROP_CLIENT, &m, 0);
}

int64_t fs_map_file(handle_t fs, uint64_t h, bool writable)
{
    struct ipc_buffer *b = ipc_buffer();
    b->recv_caps_max = 1;
    struct ipc_msg m = {.w = {h, writable}};
    int64_t r = ipc_request(fs, FS_OP_MAP_FILE, &m, 0);
    b->recv_caps_max = 0;
    if (r < 0)
        return r;
    if (IPC_TAG_NCAPS(m.tag) != 1)
        return E_NOSPACE;
    return b->caps[0];
}

int64_t fs_resolve(const char *path, handle_t *fs, const char **rest)
{
    uint64_t n = strlen(FS_MNT_PREFIX);
    if (strncmp(path, FS_MNT_PREFIX, n) == 0 && (path[n] == '/' || path[n] == '\0')) {
        struct cap_info ci;
        if (sys_cap_info(FS_MNT_SLOT, &ci) < 0 || ci.type != CAP_ENDPOINT)
            return E_NOENT;
        *fs = FS_MNT_SLOT;
        *rest = path[n] ? path + n : "/";
        return 0;
    }
    *fs = FS_CLIENT_SLOT;
    *rest = path;
    return 0;
}
