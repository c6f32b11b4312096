/* fat32 client stubs (see sys/fs.h): requests only through the stubs made
 * from FS_OPS (include/proto/fs.h). */
#include <sys/fs.h>
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/rpc.h>

FS_OPS(RPC_STUB)

/* One or two NUL-terminated strings as a path request; returns their
 * total length or E_RANGE. */
static int64_t put_paths(struct fs_path_req *req, const char *a, const char *b)
{
    uint64_t la = strlen(a) + 1, lb = b ? strlen(b) + 1 : 0;
    if (la + lb > FS_IO_MAX)
        return E_RANGE;
    memcpy(req->path, a, la);
    if (b)
        memcpy(req->path + la, b, lb);
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
    uint64_t len = strlen(path) + 1;
    if (len > FS_IO_MAX)
        return E_RANGE;
    struct fs_open_req req = {.flags = flags};
    struct fs_open_rep rep;
    struct rpc_data data = {.out = path, .out_len = (uint32_t)len};
    int64_t r = fs_open_call_ex(NULL, fs, &req, &rep, NULL, &data);
    if (r == E_NOSPACE && table_full)
        *table_full = rep.nospace == FS_NOSPACE_HANDLES;
    if (r < 0)
        return r;
    if (size)
        *size = rep.size;
    if (is_dir)
        *is_dir = rep.is_dir != 0;
    return (int64_t)rep.handle;
}

int64_t fs_close(handle_t fs, uint64_t h)
{
    return fs_close_call(fs, &(struct fs_handle_req){.handle = h}, &(struct proto_none){}, NULL);
}

int64_t fs_read(handle_t fs, uint64_t h, uint64_t off, void *buf, uint64_t len)
{
    uint8_t *out = buf;
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = len - done < FS_IO_MAX ? len - done : FS_IO_MAX;
        struct fs_read_req req = {.handle = h, .offset = off + done, .len = n};
        struct rpc_data data = {.in = out + done, .in_max = (uint32_t)n};
        int64_t r = fs_read_call_ex(NULL, fs, &req, &(struct proto_none){}, NULL, &data);
        if (r < 0)
            return done ? (int64_t)done : r;
        done += data.in_len;
        if (data.in_len < n)
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
        struct fs_write_req req = {.handle = h, .offset = off + done};
        struct fs_write_rep rep;
        struct rpc_data data = {.out = in + done, .out_len = (uint32_t)n};
        int64_t r = fs_write_call_ex(NULL, fs, &req, &rep, NULL, &data);
        /* A failed write may still report what it wrote (a disk that
         * filled up part-way); a count beyond what was sent is not
         * believed (E_RANGE), and a count of 0 ends the loop. */
        int64_t wrote = rep.written <= n ? (int64_t)rep.written : E_RANGE;
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
    struct fs_fstat_rep rep;
    int64_t r = fs_fstat_call(fs, &(struct fs_handle_req){.handle = h}, &rep, NULL);
    if (r == 0) {
        out->size = rep.size;
        out->is_dir = rep.is_dir != 0;
        out->mdate_mtime = (uint32_t)rep.mtime;
    }
    return r;
}

int64_t fs_truncate(handle_t fs, uint64_t h, uint64_t size)
{
    struct fs_truncate_req req = {.handle = h, .size = size};
    return fs_truncate_call(fs, &req, &(struct proto_none){}, NULL);
}

int64_t fs_readdir(handle_t fs, uint64_t h, uint64_t *cookie, char *name, uint64_t name_len,
                   uint64_t *size, bool *is_dir)
{
    struct fs_readdir_req req = {.handle = h, .cookie = *cookie};
    struct fs_readdir_rep rep;
    char got[FS_IO_MAX];
    struct rpc_data data = {.in = got, .in_max = sizeof got};
    int64_t r = fs_readdir_call_ex(NULL, fs, &req, &rep, NULL, &data);
    if (r < 0)
        return r;
    uint64_t n = data.in_len;
    if (n == 0 || n > name_len)
        return E_RANGE;
    memcpy(name, got, n);
    name[n - 1] = '\0';
    *cookie = rep.cookie;
    if (size)
        *size = rep.size;
    if (is_dir)
        *is_dir = rep.is_dir != 0;
    return 0;
}

/* The path ops' stubs, one signature. */
typedef int64_t (*path_stub)(handle_t, const struct fs_path_req *, uint32_t, struct proto_none *,
                             uint32_t *, struct rpc_caps *);

static int64_t path_op(handle_t fs, path_stub call, const char *a, const char *b)
{
    struct fs_path_req req;
    int64_t len = put_paths(&req, a, b);
    if (len < 0)
        return len;
    return call(fs, &req, (uint32_t)len, &(struct proto_none){}, NULL, NULL);
}

int64_t fs_unlink(handle_t fs, const char *path)
{
    return path_op(fs, fs_unlink_call_len, path, NULL);
}

int64_t fs_mkdir(handle_t fs, const char *path)
{
    return path_op(fs, fs_mkdir_call_len, path, NULL);
}

int64_t fs_rmdir(handle_t fs, const char *path)
{
    return path_op(fs, fs_rmdir_call_len, path, NULL);
}

int64_t fs_rename(handle_t fs, const char *from, const char *to)
{
    return path_op(fs, fs_rename_call_len, from, to);
}

int64_t fs_sync(handle_t fs)
{
    return fs_sync_call(fs, &(struct proto_none){}, &(struct proto_none){}, NULL);
}

int64_t fs_fsync(handle_t fs, uint64_t h)
{
    return fs_fsync_call(fs, &(struct fs_handle_req){.handle = h}, &(struct proto_none){}, NULL);
}

int64_t fs_cache_stats(handle_t fs, struct fs_cache_stats *out)
{
    struct fs_stats_rep rep;
    int64_t r = fs_stats_call(fs, &(struct proto_none){}, &rep, NULL);
    if (r < 0)
        return r;
    *out = (struct fs_cache_stats){.pages = rep.pages, .used = rep.used, .pinned = rep.pinned,
                                   .dirty = rep.dirty, .hits = rep.hits, .misses = rep.misses,
                                   .evictions = rep.evictions, .writebacks = rep.writebacks};
    return 0;
}

int64_t fs_tables(handle_t fs, struct fs_tables *out)
{
    struct fs_tables_rep rep;
    int64_t r = fs_tables_call(fs, &(struct proto_none){}, &rep, NULL);
    if (r < 0)
        return r;
    *out = (struct fs_tables){.open = rep.open, .mapped = rep.mapped, .file_caps = rep.file_caps,
                              .clients = rep.clients, .my_files = rep.my_files,
                              .my_file_caps = rep.my_file_caps};
    return 0;
}

int64_t fs_clone_client(handle_t fs, uint64_t from_badge, uint64_t to_badge)
{
    struct fs_clone_client_req req = {.from = from_badge, .to = to_badge};
    return fs_clone_client_call(fs, &req, &(struct proto_none){}, NULL);
}

int64_t fs_drop_client(handle_t fs, uint64_t badge)
{
    struct fs_drop_client_req req = {.badge = badge};
    return fs_drop_client_call(fs, &req, &(struct proto_none){}, NULL);
}

int64_t fs_map_file(handle_t fs, uint64_t h, bool writable)
{
    struct fs_map_file_req req = {.handle = h, .writable = writable};
    struct fs_map_file_rep rep;
    struct rpc_caps caps = {.got_max = 1};
    int64_t r = fs_map_file_call(fs, &req, &rep, &caps);
    if (r < 0)
        return r;
    if (caps.ngot != 1)
        return E_NOSPACE;
    return caps.got[0];
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
