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

struct bootimg_layout;

/* Finds a file by name in a checked archive. E_NOENT if absent. */
WARN_UNUSED err_t bootimg_find(const void *img, const char *name,
                               const void **data, uint64_t *len);

/* Validates a root task's page layout (a "NAME.root" file of len bytes,
 * page aligned): magic, 1..BOOTIMG_LAYOUT_MAX_RANGES ranges, each page
 * aligned, non-empty, sorted and apart, inside [va_min, va_top), its data
 * inside the file after the header page and no longer than the range; the
 * entry point inside an executable range. E_CORRUPT otherwise. */
WARN_UNUSED err_t bootimg_layout_check(const struct bootimg_layout *l, uint64_t len,
                                       uint64_t va_min, uint64_t va_top);
