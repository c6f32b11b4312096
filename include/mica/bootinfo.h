/*
 * What the kernel tells the root task at start: a read-only page at
 * BOOTINFO_VA whose address also arrives in a0. Documented in docs/boot.md.
 */
#pragma once

#include <stdint.h>

#define BOOTINFO_MAGIC 0x4f464e49414349ull /* "ICAINFO" little-endian */
#define BOOTINFO_VERSION 1

/* Root task's fixed virtual layout (the rest of the lower half is its own). */
#define BOOTINFO_VA 0x3fffff0000ull
#define ROOT_STACK_TOP 0x3fffe00000ull
#define ROOT_STACK_PAGES 16
/* The boot image (struct bootimg_header ...) mapped read-only for the root
 * task, so it can find the other boot servers. */
#define ROOT_BOOTIMG_VA 0x3f00000000ull

#define BOOTINFO_ARGS_MAX 256

struct bootinfo {
    uint64_t magic;        /* BOOTINFO_MAGIC */
    uint32_t version;      /* BOOTINFO_VERSION */
    uint32_t nharts;       /* harts in the device tree */
    uint64_t timebase_hz;  /* rate of the `time` counter */
    uint64_t ram_base;     /* lowest RAM address */
    uint64_t ram_len;      /* bytes of RAM from ram_base (holes included) */
    uint64_t bootimg_va;   /* ROOT_BOOTIMG_VA */
    uint64_t bootimg_len;  /* bytes mapped there */
    char bootargs[BOOTINFO_ARGS_MAX]; /* kernel command line, NUL-terminated */
};

_Static_assert(sizeof(struct bootinfo) == 56 + BOOTINFO_ARGS_MAX, "bootinfo is ABI");
