/*
 * Reader for the boot image appended to the kernel (format in
 * include/mica/bootimg.h). Pure: works on a byte range, builds for host tests.
 */
#pragma once

#include <kernel/types.h>

/* Validates the archive at `img`, of which at most max_len bytes exist:
 * magic, version, entry table and every file inside total_len, names
 * terminated, offsets page aligned. Stores total_len. E_CORRUPT otherwise. */
WARN_UNUSED err_t bootimg_check(const void *img, uint64_t max_len,
                                uint64_t *total_len);

/* Finds a file by name in a checked archive. E_NOENT if absent. */
WARN_UNUSED err_t bootimg_find(const void *img, const char *name,
                               const void **data, uint64_t *len);
