/*
 * POSIX-shaped memory calls over mm (sys/mm.h). They follow POSIX return
 * conventions: mmap returns MAP_FAILED, the others -1, on error, with the
 * error in mica_errno (an err_t) until the newlib port maps it to errno.
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
#define MAP_ANONYMOUS (1u << 16) /* the only kind until file-backed mappings */
#define MAP_ANON MAP_ANONYMOUS
#define MAP_FAILED ((void *)-1)

extern int mica_errno;

void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t offset);
int munmap(void *addr, size_t len);
int mprotect(void *addr, size_t len, int prot);
void *sbrk(intptr_t increment);
