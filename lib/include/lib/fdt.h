/*
 * Flattened device tree reader: turns the blob OpenSBI hands the kernel into
 * a struct platform_info. Pure code (no kernel services), built natively for
 * host tests. Every offset and length in the blob is checked against the
 * blob's size before use, so a truncated or corrupt blob gives an error,
 * never an out-of-bounds read. Format: Devicetree Specification v0.4, ch. 5.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <mica/err.h>

#define FDT_MAX_MEM 8
#define FDT_MAX_RESV 16
#define FDT_MAX_VIRTIO 8
#define FDT_MAX_UNKNOWN 16
#define FDT_NAME_MAX 48
#define FDT_BOOTARGS_MAX 256
#define FDT_MODEL_MAX 64
#define FDT_HEADER_LEN 40

struct fdt_range {
    uint64_t base;
    uint64_t len;
};

/* A memory-mapped device: first reg entry and first interrupt number. */
struct fdt_device {
    uint64_t base;
    uint64_t len;
    uint32_t irq; /* 0 when the node has no "interrupts" property */
    bool present;
};

struct platform_info {
    struct fdt_range mem[FDT_MAX_MEM]; /* /memory* reg entries */
    uint32_t nmem;
    /* /memreserve/ entries plus /reserved-memory children (reg) */
    struct fdt_range resv[FDT_MAX_RESV];
    uint32_t nresv;
    uint32_t nharts;      /* /cpus/cpu* nodes whose status is absent or "okay" */
    uint64_t timebase_hz; /* /cpus "timebase-frequency"; 0 when missing */
    struct fdt_device uart;  /* compatible "ns16550a" or "ns16550" */
    struct fdt_device plic;  /* compatible "riscv,plic0" or "sifive,plic-1.0.0" */
    uint32_t plic_ndev;      /* PLIC "riscv,ndev" */
    struct fdt_device test;  /* compatible "sifive,test1" or "sifive,test0" */
    struct fdt_device rtc;   /* compatible "google,goldfish-rtc" (wall-clock time) */
    struct fdt_device virtio[FDT_MAX_VIRTIO]; /* compatible "virtio,mmio", in blob order */
    uint32_t nvirtio;
    char bootargs[FDT_BOOTARGS_MAX]; /* /chosen "bootargs", "" when missing */
    char model[FDT_MODEL_MAX];       /* root "model", "" when missing */
    /* Names (e.g. "rtc@101000") of nodes that have a "compatible" property
     * the reader does not recognise; reported by the kernel, never fatal. */
    char unknown[FDT_MAX_UNKNOWN][FDT_NAME_MAX];
    uint32_t nunknown;
    uint32_t nunknown_dropped; /* recognisable-as-unknown nodes beyond FDT_MAX_UNKNOWN */
};

/*
 * Checks the header of the blob at `blob`, of which at most `max_len` bytes
 * may be read. On success stores the blob's totalsize in *total_len.
 * Errors: E_INVAL (bad magic, unsupported version, offsets or sizes outside
 * totalsize), E_RANGE (totalsize > max_len or < the header).
 */
__attribute__((warn_unused_result)) err_t
fdt_check_header(const void *blob, uint64_t max_len, uint32_t *total_len);

/*
 * Parses the whole blob into *out (zeroed first). Strings are truncated to
 * their field size and always NUL-terminated. Missing nodes leave their
 * fields zero/absent: that is not an error. Tables that overflow (more than
 * FDT_MAX_* entries) keep the first entries.
 * Errors: those of fdt_check_header, and E_CORRUPT when the structure block
 * is malformed (bad token, unterminated name, property running past the
 * block, unbalanced nodes, nesting deeper than 16, bad string offset).
 */
__attribute__((warn_unused_result)) err_t
fdt_parse_platform(const void *blob, uint64_t max_len, struct platform_info *out);
