/*
 * Durability calls newlib declares but leaves to the system: fsync and
 * sync. What they promise is the file server's (docs/fat32.md,
 * "Consistency and durability"): when they return, the data is on the
 * disk and the device cache is flushed.
 */
#include <errno.h>
#include <unistd.h>

#include <sys/fs.h>
#include <sys/mica.h>

#include "posix.h"

/* FS_OP_FSYNC on the descriptor's handle: its directory entry and cached
 * pages. A pipe or the console has nothing to write back (EINVAL, as
 * POSIX says for objects that cannot be synced). */
int fsync(int fd)
{
    struct posix_fd *f = posix_fd_get(fd);
    if (!f)
        return -1;
    if (f->kind != FD_FILE) {
        errno = EINVAL;
        return -1;
    }
    int64_t r = fs_fsync(f->fs, f->handle);
    return r < 0 ? posix_fail(r) : 0;
}

/* FS_OP_SYNC on every file server the program has: the system disk and,
 * when there is one, the /mnt disk. sync() cannot fail; errors are lost,
 * as POSIX's sync loses them. */
void sync(void)
{
    handle_t servers[] = {FS_CLIENT_SLOT, FS_MNT_SLOT};
    for (unsigned i = 0; i < sizeof servers / sizeof servers[0]; i++) {
        struct cap_info ci;
        if (sys_cap_info(servers[i], &ci) == 0 && ci.type == CAP_ENDPOINT)
            (void)fs_sync(servers[i]);
    }
}
