/* POSIX-shaped mmap/munmap/mprotect/sbrk over the mm stubs (sys/mman.h). */
#include <sys/mm.h>
#include <sys/mman.h>

#include <mica/err.h>

int mica_errno;

void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t offset)
{
    /* Anonymous memory only for now: file-backed mappings need the file
     * server. */
    if (!(flags & MAP_ANONYMOUS) || fd != -1 || offset != 0) {
        mica_errno = E_NOSYS;
        return MAP_FAILED;
    }
    unsigned mm_flags = (unsigned)flags & (MM_MAP_FIXED | MM_MAP_SHARED);
    int64_t r = mm_mmap((uint64_t)(uintptr_t)addr, len, (unsigned)prot, mm_flags);
    if (r < 0) {
        mica_errno = (int)r;
        return MAP_FAILED;
    }
    return (void *)(uintptr_t)r;
}

int munmap(void *addr, size_t len)
{
    int64_t r = mm_munmap((uint64_t)(uintptr_t)addr, len);
    if (r < 0) {
        mica_errno = (int)r;
        return -1;
    }
    return 0;
}

int mprotect(void *addr, size_t len, int prot)
{
    int64_t r = mm_mprotect((uint64_t)(uintptr_t)addr, len, (unsigned)prot);
    if (r < 0) {
        mica_errno = (int)r;
        return -1;
    }
    return 0;
}

void *sbrk(intptr_t increment)
{
    void *old = mm_sbrk(increment);
    if (old == (void *)-1)
        mica_errno = E_NOMEM;
    return old;
}
