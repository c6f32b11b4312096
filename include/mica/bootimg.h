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
 */
#pragma once

#include <stdint.h>

#define BOOTIMG_MAGIC 0x474d49414349ull /* "ICAIMG" little-endian */
#define BOOTIMG_VERSION 1
#define BOOTIMG_NAME_MAX 32
#define BOOTIMG_MAX_ENTRIES 64

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
