/*
 * Boot image format: the kernel binary, padded to the page-aligned end of
 * its .bss (symbol __kernel_end), followed by this archive of named files.
 * QEMU loads the whole thing at 0x80200000 with -kernel. Written by
 * bootimg/mkbootimg.py, read by the kernel and by the root task (which gets
 * it mapped at ROOT_BOOTIMG_VA). All integers little-endian.
 *
 *   struct bootimg_header
 *   struct bootimg_entry[nentries]
 *   file data, each file starting on a 4 KiB boundary (offsets relative to
 *   the header)
 *
 * Version 2: for every ELF program "NAME" the archive also holds "NAME.root",
 * the program laid out in pages by mkbootimg.py (struct bootimg_layout), so
 * the kernel can start any of them as the root task (mica.root=NAME) by
 * copying page ranges, with no ELF reader of its own.
 */
#pragma once

#include <stdint.h>

#define BOOTIMG_MAGIC 0x474d49414349ull /* "ICAIMG" little-endian */
#define BOOTIMG_VERSION 2
#define BOOTIMG_NAME_MAX 32
#define BOOTIMG_MAX_ENTRIES 128

struct bootimg_header {
    uint64_t magic;      /* BOOTIMG_MAGIC */
    uint32_t version;    /* BOOTIMG_VERSION */
    uint32_t nentries;
    uint64_t total_len;  /* header + entries + files, page aligned */
    uint64_t _pad0;
};

struct bootimg_entry {
    char name[BOOTIMG_NAME_MAX]; /* NUL-terminated: "root", "mm" */
    uint64_t offset;             /* from the header, 4 KiB aligned */
    uint64_t len;                /* bytes */
};

_Static_assert(sizeof(struct bootimg_header) == 32, "bootimg_header is ABI");
_Static_assert(sizeof(struct bootimg_entry) == 48, "bootimg_entry is ABI");

#define BOOTIMG_LAYOUT_SUFFIX ".root"
#define BOOTIMG_LAYOUT_MAGIC 0x54554f59414cull /* "LAYOUT" little-endian */
#define BOOTIMG_LAYOUT_MAX_RANGES 8

/* Range permissions (the ELF segment's p_flags). */
#define BOOTIMG_RANGE_X 1u
#define BOOTIMG_RANGE_W 2u
#define BOOTIMG_RANGE_R 4u

/* `len` bytes of the program's memory at `va` (both page aligned): the
 * first data_len bytes (a page multiple, <= len) are the file's pages at
 * data_off (from the layout's start, page aligned), the rest is zero. */
struct bootimg_range {
    uint64_t va;
    uint64_t len;
    uint64_t data_off;
    uint64_t data_len;
    uint32_t perm;   /* BOOTIMG_RANGE_*; never W without R */
    uint32_t _pad0;
};

/* A "NAME.root" file: this header in its first page, then the data pages.
 * Ranges are sorted by va and do not overlap; the entry point lies in an
 * executable range. */
struct bootimg_layout {
    uint64_t magic;  /* BOOTIMG_LAYOUT_MAGIC */
    uint64_t entry;
    uint32_t nranges;
    uint32_t _pad0;
    struct bootimg_range range[BOOTIMG_LAYOUT_MAX_RANGES];
};

_Static_assert(sizeof(struct bootimg_range) == 40, "bootimg_range is ABI");
_Static_assert(sizeof(struct bootimg_layout) == 24 + 40 * BOOTIMG_LAYOUT_MAX_RANGES,
               "bootimg_layout is ABI");
