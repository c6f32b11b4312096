/*
 * mmap, munmap, mprotect and sbrk for newlib programs, over mm: anonymous
 * memory, and files through a descriptor (a file capability from the file
 * server, handed to mm: docs/fat32.md). Errors become errno. (libsys's own
 * src/mman.c serves programs without newlib.)
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>

#include <sys/fs.h>
#include <sys/mm.h>

#include "posix.h"

void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t offset)
{
    unsigned mm_flags = (unsigned)flags & (MM_MAP_FIXED | MM_MAP_SHARED);
    if ((flags & ~(MAP_ANONYMOUS | MAP_SHARED | MAP_FIXED)) || (prot & ~7) || len == 0) {
        errno = EINVAL;
        return MAP_FAILED;
    }
    int64_t r;
    if (flags & MAP_ANONYMOUS) {
        r = mm_mmap((uint64_t)(uintptr_t)addr, len, (unsigned)prot, mm_flags);
    } else {
        struct posix_fd *f = posix_fd_get(fd);
        if (!f)
            return MAP_FAILED;
        if (f->kind != FD_FILE || f->is_dir) {
            errno = ENODEV;
            return MAP_FAILED;
        }
        if (offset < 0 || (offset & 4095)) {
            errno = EINVAL;
            return MAP_FAILED;
        }
        bool writable = (flags & MAP_SHARED) && (prot & PROT_WRITE);
        if (writable && (f->flags & O_ACCMODE) == O_RDONLY) {
            errno = EACCES;
            return MAP_FAILED;
        }
        int64_t cap = fs_map_file(f->fs, f->handle, writable);
        if (cap == E_LIMIT || cap == E_NOSPACE) {
            errno = ENOMEM; /* the process's (or everyone's) mapped files: POSIX's ENOMEM */
            return MAP_FAILED;
        }
        if (cap < 0) {
            posix_fail(cap);
            return MAP_FAILED;
        }
        r = mm_mmap_file((uint64_t)(uintptr_t)addr, len, (unsigned)prot, mm_flags,
                         (handle_t)cap, (uint64_t)offset);
    }
    if (r < 0) {
        /* No room (VA, the space's limits, mm's tables): POSIX says ENOMEM. */
        if (r == E_NOSPACE || r == E_LIMIT)
            r = E_NOMEM;
        posix_fail(r);
        return MAP_FAILED;
    }
    return (void *)(uintptr_t)r;
}

int munmap(void *addr, size_t len)
{
    int64_t r = mm_munmap((uint64_t)(uintptr_t)addr, len);
    return r < 0 ? posix_fail(r) : 0;
}

int mprotect(void *addr, size_t len, int prot)
{
    int64_t r = mm_mprotect((uint64_t)(uintptr_t)addr, len, (unsigned)prot);
    /* mm's E_NOENT (part of the range is not mapped) is POSIX's ENOMEM. */
    return r < 0 ? posix_fail(r == E_NOENT ? E_NOMEM : r) : 0;
}

int msync(void *addr, size_t len, int flags)
{
    (void)flags; /* MS_SYNC and MS_ASYNC both write back now */
    int64_t r = mm_msync((uint64_t)(uintptr_t)addr, len);
    return r < 0 ? posix_fail(r) : 0;
}

void *sbrk(intptr_t increment)
{
    void *old = mm_sbrk(increment);
    if (old == (void *)-1)
        errno = ENOMEM;
    return old;
}
