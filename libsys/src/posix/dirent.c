/* Directory streams (opendir/readdir/closedir) over FS_OP_READDIR. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/fs.h>

#include "posix.h"

DIR *opendir(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    if (!posix_fds[fd].is_dir) {
        close(fd);
        errno = ENOTDIR;
        return NULL;
    }
    DIR *d = calloc(1, sizeof *d);
    if (!d) {
        close(fd);
        errno = ENOMEM;
        return NULL;
    }
    d->fd = fd;
    return d;
}

struct dirent *readdir(DIR *d)
{
    struct posix_fd *f = d ? posix_fd_get(d->fd) : NULL;
    if (!f)
        return NULL;
    uint64_t size;
    bool is_dir;
    int64_t r = fs_readdir(f->fs, f->handle, &d->cookie, d->entry.d_name,
                           sizeof d->entry.d_name, &size, &is_dir);
    if (r == E_NOENT)
        return NULL; /* the end: errno unchanged */
    if (r < 0) {
        posix_fail(r);
        return NULL;
    }
    d->entry.d_ino = 0;
    d->entry.d_type = is_dir ? DT_DIR : DT_REG;
    return &d->entry;
}

void rewinddir(DIR *d)
{
    if (d)
        d->cookie = 0;
}

int closedir(DIR *d)
{
    if (!d) {
        errno = EBADF;
        return -1;
    }
    int r = close(d->fd);
    free(d);
    return r;
}
