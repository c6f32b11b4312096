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
    char name[BOOTIMG_NAME_MAX]; /* NUL-terminated: "root", "kernel.syms" */
    uint64_t offset;             /* from the header, 4 KiB aligned */
    uint64_t len;                /* bytes */
};

_Static_assert(sizeof(struct bootimg_header) == 32, "bootimg_header is ABI");
_Static_assert(sizeof(struct bootimg_entry) == 48, "bootimg_entry is ABI");

/* Kernel symbol table file ("kernel.syms"): header, sorted entries, names. */
#define KSYMS_MAGIC 0x534d59534bull /* "KSYMS" */

struct ksyms_header {
    uint64_t magic;   /* KSYMS_MAGIC */
    uint32_t count;   /* entries, sorted by addr */
    uint32_t strtab_off; /* from the header: NUL-terminated names */
    uint32_t strtab_len;
    uint32_t _pad0;
};

struct ksyms_entry {
    uint64_t addr;
    uint32_t size;     /* bytes, 0 if unknown */
    uint32_t name_off; /* into the string table */
};

_Static_assert(sizeof(struct ksyms_header) == 24, "ksyms_header is ABI");
_Static_assert(sizeof(struct ksyms_entry) == 16, "ksyms_entry is ABI");
