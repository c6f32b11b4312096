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

/* The root task's IPC buffer page, registered by the kernel. */
#define ROOT_IPC_BUFFER_VA 0x3fffff1000ull

#define BOOTINFO_ARGS_MAX 256
#define BOOTINFO_MAX_CAPS 32

/* A capability the root task holds at boot, besides the well-known ones
 * (include/mica/caps.h). */
enum bootinfo_cap_kind {
    BI_CAP_RAM = 1,    /* free RAM: map it, split it, hand it out */
    BI_CAP_DEVICE = 2, /* device registers (uncached MMIO); irq says its line */
    BI_CAP_BOOTIMG = 3, /* the boot image itself, read-only (servers load programs from it) */
};

struct bootinfo_cap {
    uint32_t handle;
    uint32_t kind;   /* enum bootinfo_cap_kind */
    uint64_t pa;
    uint64_t len;
    uint32_t irq;    /* devices: interrupt line, 0 if none */
    char name[12];   /* "ram", "uart", "virtio-mmio" */
};

_Static_assert(sizeof(struct bootinfo_cap) == 40, "bootinfo_cap is ABI");

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
    uint64_t kernel_pool_len; /* bytes kept by the kernel for its objects */
    uint32_t ncaps;
    uint32_t _pad0;
    struct bootinfo_cap caps[BOOTINFO_MAX_CAPS];
};

_Static_assert(sizeof(struct bootinfo) == 56 + BOOTINFO_ARGS_MAX + 16 +
                                             40 * BOOTINFO_MAX_CAPS,
               "bootinfo is ABI");
