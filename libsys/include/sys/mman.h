/*
 * POSIX-shaped memory calls over mm (sys/mm.h). They follow POSIX return
 * conventions: mmap returns MAP_FAILED, the others -1, on error. In newlib
 * programs the error is in errno (and mmap maps files through a
 * descriptor); in programs without newlib, in mica_errno (an err_t).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <proto/mm.h>

#define PROT_NONE 0
#define PROT_READ MM_PROT_R
#define PROT_WRITE MM_PROT_W
#define PROT_EXEC MM_PROT_X

#define MAP_PRIVATE 0
#define MAP_SHARED MM_MAP_SHARED
#define MAP_FIXED MM_MAP_FIXED
#define MAP_ANONYMOUS (1u << 16) /* not backed by a file */
#define MAP_ANON MAP_ANONYMOUS
#define MAP_FAILED ((void *)-1)

extern int mica_errno;

void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t offset);
int munmap(void *addr, size_t len);
int mprotect(void *addr, size_t len, int prot);
void *sbrk(intptr_t increment);
/* newlib programs (libsys/src/posix/mman.c) also have file mappings through
 * a descriptor, errno, and msync. */
#define MS_ASYNC 1
#define MS_SYNC 4
int msync(void *addr, size_t len, int flags);
