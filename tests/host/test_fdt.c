/*
 * Host tests for lib/fdt.c: exact results on two blobs dumped by
 * QEMU 7.2's virt machine (see tests/fixtures/make_dtb.sh), synthetic blobs
 * built here, and hostile input (truncation, bad fields, random mutation).
 * Usage: test_fdt virt-256m-smp2.dtb virt-2g.dtb
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lib/fdt.h>

#include "check.h"

/* ---- small helpers ---------------------------------------------------- */

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Header field offsets (Devicetree Specification v0.4, 5.2). */
enum { H_MAGIC = 0, H_TOTAL = 4, H_STRUCT = 8, H_STRINGS = 12, H_RSV = 16,
       H_VERSION = 20, H_LAST_COMP = 24, H_SIZE_STRINGS = 32, H_SIZE_STRUCT = 36 };

/* A heap copy of exactly len bytes, so that ASan catches any read past it. */
static uint8_t *dup_bytes(const uint8_t *src, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    if (p == NULL) {
        perror("malloc");
        exit(2);
    }
    if (len)
        memcpy(p, src, len);
    return p;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    static uint8_t buf[4 << 20];
    *len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return dup_bytes(buf, *len);
}

static bool has_unknown(const struct platform_info *pi, const char *name)
{
    for (uint32_t i = 0; i < pi->nunknown && i < FDT_MAX_UNKNOWN; i++) {
        if (strcmp(pi->unknown[i], name) == 0)
            return true;
    }
    return false;
}

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, 0, cap) != NULL;
}

static bool is_parse_error(err_t e)
{
    return e == E_INVAL || e == E_RANGE || e == E_CORRUPT;
}

/* ---- synthetic blob writer --------------------------------------------- */

struct bw {
    uint8_t st[16384]; /* structure block */
    size_t st_len;
    uint8_t str[4096]; /* strings block */
    size_t str_len;
    uint8_t rsv[256]; /* memreserve entries, without the terminator */
    size_t rsv_len;
};

static void w_raw(struct bw *w, const void *p, size_t len)
{
    memcpy(w->st + w->st_len, p, len);
    w->st_len += len;
}

static void w_u32(struct bw *w, uint32_t v)
{
    put_be32(w->st + w->st_len, v);
    w->st_len += 4;
}

static void w_pad(struct bw *w)
{
    while (w->st_len % 4)
        w->st[w->st_len++] = 0;
}

static void w_begin(struct bw *w, const char *name)
{
    w_u32(w, 1);
    w_raw(w, name, strlen(name) + 1);
    w_pad(w);
}

static void w_end(struct bw *w)
{
    w_u32(w, 2);
}

static void w_prop(struct bw *w, const char *name, const void *data, size_t len)
{
    w_u32(w, 3);
    w_u32(w, (uint32_t)len);
    w_u32(w, (uint32_t)w->str_len);
    memcpy(w->str + w->str_len, name, strlen(name) + 1);
    w->str_len += strlen(name) + 1;
    w_raw(w, data, len);
    w_pad(w);
}

static void w_prop_str(struct bw *w, const char *name, const char *s)
{
    w_prop(w, name, s, strlen(s) + 1);
}

/* Property of n big-endian cells. */
static void w_prop_cells(struct bw *w, const char *name, size_t n, const uint32_t *cells)
{
    uint8_t buf[64];
    for (size_t i = 0; i < n; i++)
        put_be32(buf + 4 * i, cells[i]);
    w_prop(w, name, buf, 4 * n);
}

static void w_prop_u32(struct bw *w, const char *name, uint32_t v)
{
    w_prop_cells(w, name, 1, &v);
}

static void w_rsv(struct bw *w, uint64_t base, uint64_t len)
{
    put_be32(w->rsv + w->rsv_len, (uint32_t)(base >> 32));
    put_be32(w->rsv + w->rsv_len + 4, (uint32_t)base);
    put_be32(w->rsv + w->rsv_len + 8, (uint32_t)(len >> 32));
    put_be32(w->rsv + w->rsv_len + 12, (uint32_t)len);
    w->rsv_len += 16;
}

/* Layout: header | memreserve + (0,0) | structure (+ FDT_END) | strings. */
static uint8_t *w_finish(struct bw *w, bool end_token, size_t *out_len)
{
    if (end_token)
        w_u32(w, 9);
    size_t off_rsv = FDT_HEADER_LEN;
    size_t off_st = off_rsv + w->rsv_len + 16;
    size_t off_str = off_st + w->st_len;
    size_t total = off_str + w->str_len;
    uint8_t *b = calloc(1, total);
    put_be32(b + H_MAGIC, 0xd00dfeed);
    put_be32(b + H_TOTAL, (uint32_t)total);
    put_be32(b + H_STRUCT, (uint32_t)off_st);
    put_be32(b + H_STRINGS, (uint32_t)off_str);
    put_be32(b + H_RSV, (uint32_t)off_rsv);
    put_be32(b + H_VERSION, 17);
    put_be32(b + H_LAST_COMP, 16);
    put_be32(b + H_SIZE_STRINGS, (uint32_t)w->str_len);
    put_be32(b + H_SIZE_STRUCT, (uint32_t)w->st_len);
    memcpy(b + off_rsv, w->rsv, w->rsv_len);
    memcpy(b + off_st, w->st, w->st_len);
    memcpy(b + off_str, w->str, w->str_len);
    *out_len = total;
    return b;
}

static struct bw *w_new(void)
{
    struct bw *w = calloc(1, sizeof(*w));
    if (w == NULL)
        exit(2);
    return w;
}

/* Parses a writer's blob (freeing both) and returns the result. */
static err_t w_parse(struct bw *w, bool end_token, struct platform_info *pi)
{
    size_t len;
    uint8_t *b = w_finish(w, end_token, &len);
    err_t e = fdt_parse_platform(b, len, pi);
    free(b);
    free(w);
    return e;
}

/* ---- QEMU blobs -------------------------------------------------------- */

static void check_virtio_set(const struct platform_info *pi)
{
    /* QEMU 7.2 emits virtio_mmio@10008000 first, down to @10001000; assert
     * the set so a QEMU that reorders the nodes still passes. */
    CHECK_EQ_U64(pi->nvirtio, 8);
    unsigned seen = 0;
    for (uint32_t i = 0; i < pi->nvirtio && i < FDT_MAX_VIRTIO; i++) {
        const struct fdt_device *d = &pi->virtio[i];
        uint64_t slot = (d->base - 0x10000000) / 0x1000;
        CHECK(d->present);
        CHECK(d->base >= 0x10001000 && d->base <= 0x10008000 && d->base % 0x1000 == 0);
        CHECK_EQ_U64(d->len, 0x1000);
        CHECK_EQ_U64(d->irq, slot); /* slot N (base 0x1000N000) uses PLIC irq N */
        if (slot >= 1 && slot <= 8)
            seen |= 1u << slot;
    }
    CHECK_EQ_U64(seen, 0x1fe);
}

/* What both QEMU blobs share. */
static void check_virt_common(const struct platform_info *pi)
{
    CHECK_EQ_U64(pi->nmem, 1);
    CHECK_EQ_U64(pi->mem[0].base, 0x80000000);
    /* QEMU's dump has no /memreserve/ entries and no /reserved-memory node:
     * the firmware region (mmode_resv@80000000) is added later by OpenSBI to
     * the copy it passes on, so in these fixtures nothing is reserved. */
    CHECK_EQ_U64(pi->nresv, 0);
    CHECK_EQ_U64(pi->timebase_hz, 10000000);

    CHECK(pi->uart.present);
    CHECK_EQ_U64(pi->uart.base, 0x10000000);
    CHECK_EQ_U64(pi->uart.len, 0x100);
    CHECK_EQ_U64(pi->uart.irq, 10);

    /* The PLIC has compatible "sifive,plic-1.0.0\0riscv,plic0" and only
     * "interrupts-extended", so irq stays 0. riscv,ndev is what QEMU 7.2
     * actually emits (0x60 = 96, observed with dtc), not 0x5f. */
    CHECK(pi->plic.present);
    CHECK_EQ_U64(pi->plic.base, 0xc000000);
    CHECK_EQ_U64(pi->plic.len, 0x600000);
    CHECK_EQ_U64(pi->plic.irq, 0);
    CHECK_EQ_U64(pi->plic_ndev, 0x60);

    /* compatible "sifive,test1\0sifive,test0\0syscon": the first string hits. */
    CHECK(pi->test.present);
    CHECK_EQ_U64(pi->test.base, 0x100000);
    CHECK_EQ_U64(pi->test.len, 0x1000);

    check_virtio_set(pi);
    CHECK(strcmp(pi->model, "riscv-virtio,qemu") == 0);

    /* Nodes with a compatible we neither use nor understand structurally:
     * pmu, fw-cfg, flash, poweroff, reboot, pci, clint (QEMU 7.2); the
     * goldfish rtc is recognised. */
    CHECK_EQ_U64(pi->nunknown, 7);
    CHECK_EQ_U64(pi->nunknown_dropped, 0);
    CHECK(!has_unknown(pi, "rtc@101000"));
    CHECK(pi->rtc.present);
    CHECK_EQ_U64(pi->rtc.base, 0x101000);
    CHECK_EQ_U64(pi->rtc.irq, 11);
    CHECK(has_unknown(pi, "pci@30000000"));
    CHECK(has_unknown(pi, "clint@2000000"));
    CHECK(has_unknown(pi, "fw-cfg@10100000"));
    CHECK(has_unknown(pi, "poweroff"));
    /* Recognised ones must not be listed: root, cpus, cpu-intc, simple-bus
     * (platform-bus lists "qemu,platform\0simple-bus"), devices we use. */
    CHECK(!has_unknown(pi, ""));
    CHECK(!has_unknown(pi, "cpu@0"));
    CHECK(!has_unknown(pi, "interrupt-controller"));
    CHECK(!has_unknown(pi, "soc"));
    CHECK(!has_unknown(pi, "platform-bus@4000000"));
    CHECK(!has_unknown(pi, "serial@10000000"));
    CHECK(!has_unknown(pi, "test@100000"));
    CHECK(!has_unknown(pi, "plic@c000000"));
    CHECK(!has_unknown(pi, "virtio_mmio@10001000"));
}

static void test_qemu_256m(const uint8_t *file, size_t file_len)
{
    struct platform_info pi;
    uint32_t total = 0;
    /* The dump is QEMU's whole 1 MiB fdt buffer; totalsize is much less. */
    CHECK_EQ_U64(fdt_check_header(file, file_len, &total), E_OK);
    CHECK_EQ_U64(total, get_be32(file + H_TOTAL));
    CHECK(total < file_len);
    CHECK_EQ_U64(fdt_parse_platform(file, file_len, &pi), E_OK);
    check_virt_common(&pi);
    CHECK_EQ_U64(pi.mem[0].len, 256u << 20);
    CHECK_EQ_U64(pi.nharts, 2);
    CHECK(strcmp(pi.bootargs, "mica.test=1 hello") == 0);

    /* An exactly sized heap copy parses identically. */
    uint8_t *exact = dup_bytes(file, total);
    struct platform_info pi2;
    CHECK_EQ_U64(fdt_parse_platform(exact, total, &pi2), E_OK);
    CHECK(memcmp(&pi, &pi2, sizeof(pi)) == 0);
    free(exact);
}

static void test_qemu_2g(const uint8_t *file, size_t file_len)
{
    struct platform_info pi;
    CHECK_EQ_U64(fdt_parse_platform(file, file_len, &pi), E_OK);
    check_virt_common(&pi);
    CHECK_EQ_U64(pi.mem[0].len, 2ull << 30);
    CHECK_EQ_U64(pi.nharts, 1);
    CHECK(strcmp(pi.bootargs, "") == 0); /* /chosen exists, without bootargs */
}

/* ---- hostile variants of the real blob --------------------------------- */

static void test_truncation(const uint8_t *blob, uint32_t total)
{
    struct platform_info pi;
    int bad_len = 0, bad_patched = 0;
    for (uint32_t n = 0; n < total; n++) {
        /* Cut at n bytes: the buffer really ends there. */
        uint8_t *cut = dup_bytes(blob, n);
        if (fdt_parse_platform(cut, n, &pi) != E_RANGE)
            bad_len++;
        free(cut);

        /* Same cut, with totalsize claiming the blob ends there too. */
        size_t sz = n < FDT_HEADER_LEN ? FDT_HEADER_LEN : n;
        uint8_t *p = dup_bytes(blob, sz);
        put_be32(p + H_TOTAL, n);
        if (!is_parse_error(fdt_parse_platform(p, sz, &pi)))
            bad_patched++;
        free(p);
    }
    CHECK_EQ_U64(bad_len, 0);
    CHECK_EQ_U64(bad_patched, 0);
}

/*
 * Moves the structure block to the end of a fresh, exactly sized buffer and
 * cuts it at every length (size_dt_struct and totalsize agree), so the header
 * is valid and the walker itself must notice the missing tokens without
 * reading past the buffer.
 */
static void test_struct_truncation(const uint8_t *blob)
{
    uint32_t off_st = get_be32(blob + H_STRUCT);
    uint32_t size_st = get_be32(blob + H_SIZE_STRUCT);
    uint32_t off_str = get_be32(blob + H_STRINGS);
    uint32_t size_str = get_be32(blob + H_SIZE_STRINGS);
    uint32_t new_str = FDT_HEADER_LEN + 16; /* empty memreserve list */
    uint32_t new_st = (new_str + size_str + 3) & ~3u;
    struct platform_info pi;
    int bad = 0;
    for (uint32_t s = 0; s <= size_st; s++) {
        uint32_t total = new_st + s;
        uint8_t *p = calloc(1, total);
        memcpy(p, blob, FDT_HEADER_LEN);
        put_be32(p + H_TOTAL, total);
        put_be32(p + H_RSV, FDT_HEADER_LEN);
        put_be32(p + H_STRINGS, new_str);
        put_be32(p + H_STRUCT, new_st);
        put_be32(p + H_SIZE_STRUCT, s);
        memcpy(p + new_str, blob + off_str, size_str);
        memcpy(p + new_st, blob + off_st, s);
        err_t e = fdt_parse_platform(p, total, &pi);
        if (s == size_st) {
            CHECK_EQ_U64(e, E_OK); /* the relayout itself is sound */
            CHECK_EQ_U64(pi.nvirtio, 8);
        } else if (e != E_CORRUPT) {
            bad++;
        }
        free(p);
    }
    CHECK_EQ_U64(bad, 0);
}

static err_t parse_patched(const uint8_t *blob, uint32_t total, uint32_t off,
                           uint32_t val)
{
    struct platform_info pi;
    uint8_t *p = dup_bytes(blob, total);
    put_be32(p + off, val);
    err_t e = fdt_parse_platform(p, total, &pi);
    free(p);
    return e;
}

static void test_bad_header(const uint8_t *blob, uint32_t total)
{
    uint32_t st = get_be32(blob + H_STRUCT);
    CHECK_EQ_U64(parse_patched(blob, total, H_MAGIC, 0xd00dfeee), E_INVAL);
    CHECK_EQ_U64(parse_patched(blob, total, H_VERSION, 15), E_INVAL);
    CHECK_EQ_U64(parse_patched(blob, total, H_LAST_COMP, 18), E_INVAL);
    CHECK_EQ_U64(parse_patched(blob, total, H_STRUCT, total + 4), E_INVAL);
    CHECK_EQ_U64(parse_patched(blob, total, H_STRUCT, st + 2), E_INVAL); /* misaligned */
    CHECK_EQ_U64(parse_patched(blob, total, H_STRUCT, 0xfffffffc), E_INVAL);
    CHECK_EQ_U64(parse_patched(blob, total, H_SIZE_STRUCT, 0xfffffff0), E_INVAL);
    CHECK_EQ_U64(parse_patched(blob, total, H_STRINGS, total + 1), E_INVAL);
    CHECK_EQ_U64(parse_patched(blob, total, H_STRINGS, 0xffffffff), E_INVAL);
    CHECK_EQ_U64(parse_patched(blob, total, H_SIZE_STRINGS, 0xffffffff), E_INVAL);
    CHECK_EQ_U64(parse_patched(blob, total, H_RSV, total), E_INVAL);
    CHECK_EQ_U64(parse_patched(blob, total, H_TOTAL, total + 1), E_RANGE);
    CHECK_EQ_U64(parse_patched(blob, total, H_TOTAL, 0xffffffff), E_RANGE);
    CHECK_EQ_U64(parse_patched(blob, total, H_TOTAL, 8), E_RANGE);

    uint32_t t = 0;
    CHECK_EQ_U64(fdt_check_header(blob, FDT_HEADER_LEN - 1, &t), E_RANGE);
    CHECK_EQ_U64(fdt_check_header(blob, total - 1, &t), E_RANGE);
    CHECK_EQ_U64(fdt_check_header(blob, total, &t), E_OK);
    CHECK_EQ_U64(t, total);

    /* The root's first property (#address-cells) sits right after the root's
     * BEGIN_NODE and empty name; give it a length running off the block. */
    CHECK_EQ_U64(get_be32(blob + st), 1);
    CHECK_EQ_U64(get_be32(blob + st + 8), 3);
    CHECK_EQ_U64(parse_patched(blob, total, st + 12, 0xfffffff0), E_CORRUPT);
    uint32_t size_st = get_be32(blob + H_SIZE_STRUCT);
    uint32_t size_str = get_be32(blob + H_SIZE_STRINGS);
    CHECK_EQ_U64(parse_patched(blob, total, st + 12, size_st), E_CORRUPT);
    /* ...a name offset outside the strings block; an unknown token. */
    CHECK_EQ_U64(parse_patched(blob, total, st + 16, size_str), E_CORRUPT);
    CHECK_EQ_U64(parse_patched(blob, total, st + 8, 7), E_CORRUPT);
    /* END_NODE at the very start: unbalanced. */
    CHECK_EQ_U64(parse_patched(blob, total, st, 2), E_CORRUPT);
}


/* Random corruption: results may be anything but a crash or a sanitizer hit. */
static void test_mutations(const uint8_t *blob, uint32_t total)
{
    static const uint32_t nasty[] = { 0, 1, 2, 3, 4, 9, 0x7fffffff, 0xffffffff,
                                      0xfffffffc, 0x1000, 0x10 };
    enum { NASTY_COUNT = sizeof(nasty) / sizeof(nasty[0]) };
    struct platform_info pi;
    int bad_result = 0, bad_fields = 0, ok = 0;
    for (int iter = 0; iter < 20000; iter++) {
        uint8_t *p = dup_bytes(blob, total);
        int n = 1 + (int)(check_rand() % 4);
        for (int k = 0; k < n; k++) {
            uint64_t r = check_rand();
            /* Bias a fifth of the hits into the header. */
            uint32_t off = (uint32_t)((r % 5 == 0) ? (r >> 8) % FDT_HEADER_LEN
                                                    : (r >> 8) % total);
            switch ((r >> 40) % 3) {
            case 0: /* one random byte */
                p[off] = (uint8_t)(r >> 48);
                break;
            case 1: /* one flipped bit */
                p[off] ^= (uint8_t)(1u << ((r >> 48) % 8));
                break;
            default: /* an aligned word set to a token or boundary value */
                off &= ~3u;
                if (off + 4 <= total)
                    put_be32(p + off, nasty[(r >> 48) % NASTY_COUNT]);
                break;
            }
        }
        err_t e = fdt_parse_platform(p, total, &pi);
        if (e == E_OK) {
            ok++;
            if (pi.nmem > FDT_MAX_MEM || pi.nresv > FDT_MAX_RESV ||
                pi.nvirtio > FDT_MAX_VIRTIO || pi.nunknown > FDT_MAX_UNKNOWN ||
                !terminated(pi.bootargs, FDT_BOOTARGS_MAX) ||
                !terminated(pi.model, FDT_MODEL_MAX))
                bad_fields++;
            for (uint32_t i = 0; i < pi.nunknown && i < FDT_MAX_UNKNOWN; i++) {
                if (!terminated(pi.unknown[i], FDT_NAME_MAX))
                    bad_fields++;
            }
        } else if (!is_parse_error(e)) {
            bad_result++;
        }
        free(p);
    }
    CHECK_EQ_U64(bad_result, 0);
    CHECK_EQ_U64(bad_fields, 0);
    CHECK(ok > 0); /* some mutations land in harmless bytes (rng-seed, ...) */
}

/* ---- synthetic blobs --------------------------------------------------- */

static void test_synthetic_valid(void)
{
    struct bw *w = w_new();
    char longmodel[100], longargs[400], longname[80];
    memset(longmodel, 'm', sizeof(longmodel) - 1);
    longmodel[sizeof(longmodel) - 1] = 0;
    memset(longargs, 'a', sizeof(longargs) - 1);
    longargs[sizeof(longargs) - 1] = 0;
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;

    w_rsv(w, 0x90000000, 0x1000);
    w_begin(w, "");
    w_prop_u32(w, "#address-cells", 1);
    w_prop_u32(w, "#size-cells", 1);
    w_prop_str(w, "model", longmodel);
    w_prop_str(w, "compatible", "acme,board"); /* root: never unknown */

    w_begin(w, "chosen");
    w_prop_str(w, "bootargs", longargs);
    w_end(w);

    w_begin(w, "memory@1000");
    w_prop_cells(w, "reg", 4, (const uint32_t[]){ 0x1000, 0x2000, 0x100000, 0x300000 });
    w_end(w);
    w_begin(w, "ram"); /* memory by device_type, which comes after reg */
    w_prop_cells(w, "reg", 2, (const uint32_t[]){ 0x40000000, 0x1000 });
    w_prop_str(w, "device_type", "memory");
    w_end(w);

    w_begin(w, "reserved-memory");
    w_prop_u32(w, "#address-cells", 2);
    w_prop_u32(w, "#size-cells", 2);
    w_prop(w, "ranges", "", 0);
    w_begin(w, "fw@80000000");
    w_prop_cells(w, "reg", 4, (const uint32_t[]){ 0, 0x80000000, 0, 0x40000 });
    w_end(w);
    w_end(w);

    w_begin(w, "cpus"); /* no timebase here: taken from cpu@1 (64-bit) */
    w_prop_u32(w, "#address-cells", 1);
    w_prop_u32(w, "#size-cells", 0);
    w_begin(w, "cpu@0");
    w_prop_str(w, "device_type", "cpu");
    w_prop_str(w, "status", "disabled");
    w_end(w);
    w_begin(w, "cpu@1");
    w_prop_str(w, "device_type", "cpu");
    w_prop_u32(w, "reg", 1);
    w_prop_cells(w, "timebase-frequency", 2, (const uint32_t[]){ 1, 0 });
    w_prop_str(w, "compatible", "acme,core"); /* a cpu: never unknown */
    w_end(w);
    w_begin(w, "cpu@2");
    w_prop_str(w, "status", "okay");
    w_end(w);
    w_begin(w, "cpu-map");
    w_end(w);
    w_end(w);

    w_begin(w, "soc");
    w_prop(w, "compatible", "simple-bus", 11);
    w_prop_u32(w, "#address-cells", 1);
    w_prop_u32(w, "#size-cells", 1);
    w_begin(w, "uart@3000");
    w_prop(w, "compatible", "acme,uart\0ns16550", 18);
    w_prop_cells(w, "reg", 2, (const uint32_t[]){ 0x3000, 0x100 });
    w_prop_cells(w, "interrupts", 2, (const uint32_t[]){ 5, 0 });
    w_end(w);
    w_begin(w, "uart@3100"); /* a second UART: the first one is kept */
    w_prop_str(w, "compatible", "ns16550a");
    w_prop_cells(w, "reg", 2, (const uint32_t[]){ 0x3100, 0x100 });
    w_end(w);
    w_begin(w, "virtio@4000");
    w_prop_str(w, "compatible", "virtio,mmio");
    w_prop_cells(w, "reg", 2, (const uint32_t[]){ 0x4000, 0x200 });
    w_end(w);
    w_begin(w, "test@5000"); /* disabled: not used, not unknown */
    w_prop_str(w, "compatible", "sifive,test0");
    w_prop_str(w, "status", "disabled");
    w_prop_cells(w, "reg", 2, (const uint32_t[]){ 0x5000, 0x1000 });
    w_end(w);
    w_begin(w, "bus3"); /* 3 address cells: children's reg is unusable */
    w_prop_str(w, "compatible", "simple-bus");
    w_prop_u32(w, "#address-cells", 3);
    w_prop_u32(w, "#size-cells", 2);
    w_begin(w, "virtio@0");
    w_prop_str(w, "compatible", "virtio,mmio");
    w_prop_cells(w, "reg", 5, (const uint32_t[]){ 0, 0, 0x6000, 0, 0x1000 });
    w_end(w);
    w_end(w);
    w_begin(w, longname);
    w_prop_str(w, "compatible", "acme,widget");
    w_end(w);
    for (int i = 0; i < FDT_MAX_UNKNOWN + 3; i++) {
        char name[32];
        snprintf(name, sizeof(name), "widget@%d", i);
        w_begin(w, name);
        w_prop(w, "compatible", "acme,widget\0acme,thing", 23);
        w_end(w);
    }
    w_end(w);
    w_end(w);

    struct platform_info pi;
    CHECK_EQ_U64(w_parse(w, true, &pi), E_OK);
    CHECK_EQ_U64(pi.nmem, 3);
    CHECK_EQ_U64(pi.mem[0].base, 0x1000);
    CHECK_EQ_U64(pi.mem[0].len, 0x2000);
    CHECK_EQ_U64(pi.mem[1].base, 0x100000);
    CHECK_EQ_U64(pi.mem[1].len, 0x300000);
    CHECK_EQ_U64(pi.mem[2].base, 0x40000000);
    CHECK_EQ_U64(pi.mem[2].len, 0x1000);
    CHECK_EQ_U64(pi.nresv, 2);
    CHECK_EQ_U64(pi.resv[0].base, 0x90000000);
    CHECK_EQ_U64(pi.resv[0].len, 0x1000);
    CHECK_EQ_U64(pi.resv[1].base, 0x80000000);
    CHECK_EQ_U64(pi.resv[1].len, 0x40000);
    CHECK_EQ_U64(pi.nharts, 2);
    CHECK_EQ_U64(pi.timebase_hz, 0x100000000ull);
    CHECK(pi.uart.present);
    CHECK_EQ_U64(pi.uart.base, 0x3000);
    CHECK_EQ_U64(pi.uart.len, 0x100);
    CHECK_EQ_U64(pi.uart.irq, 5);
    CHECK_EQ_U64(pi.nvirtio, 1);
    CHECK_EQ_U64(pi.virtio[0].base, 0x4000);
    CHECK_EQ_U64(pi.virtio[0].len, 0x200);
    CHECK_EQ_U64(pi.virtio[0].irq, 0);
    CHECK(!pi.test.present);
    CHECK(!pi.plic.present);
    CHECK_EQ_U64(pi.plic_ndev, 0);
    CHECK_EQ_U64(strlen(pi.model), FDT_MODEL_MAX - 1);
    CHECK_EQ_U64(strlen(pi.bootargs), FDT_BOOTARGS_MAX - 1);
    CHECK(pi.bootargs[0] == 'a' && pi.model[0] == 'm');
    CHECK_EQ_U64(pi.nunknown, FDT_MAX_UNKNOWN);
    CHECK_EQ_U64(pi.nunknown_dropped, 4);
    CHECK_EQ_U64(strlen(pi.unknown[0]), FDT_NAME_MAX - 1);
    CHECK(strncmp(pi.unknown[0], longname, FDT_NAME_MAX - 1) == 0);
    CHECK(strcmp(pi.unknown[1], "widget@0") == 0);
    CHECK(strcmp(pi.unknown[FDT_MAX_UNKNOWN - 1], "widget@14") == 0);
    CHECK(!has_unknown(&pi, "soc") && !has_unknown(&pi, "cpu@1") &&
          !has_unknown(&pi, "test@5000") && !has_unknown(&pi, "bus3") &&
          !has_unknown(&pi, "virtio@0"));
}

/* Root without #address-cells/#size-cells: reg uses the defaults 2 and 1;
 * also a version 16 header (no size_dt_struct) and a /cpus timebase. */
static void test_synthetic_defaults(void)
{
    struct bw *w = w_new();
    w_begin(w, "");
    w_u32(w, 4); /* FDT_NOP */
    w_begin(w, "memory");
    /* The middle entry wraps the address space and is skipped. */
    w_prop_cells(w, "reg", 9, (const uint32_t[]){ 0x1, 0x80000000, 0x4000,
                 0xffffffff, 0xfffff000, 0x2000, 0x2, 0, 0x8000 });
    w_end(w);
    w_begin(w, "cpus");
    w_prop_u32(w, "timebase-frequency", 1000000);
    w_begin(w, "cpu@0");
    w_prop_u32(w, "timebase-frequency", 42); /* /cpus wins */
    w_end(w);
    w_end(w);
    w_end(w);
    size_t len;
    uint8_t *b = w_finish(w, true, &len);
    free(w);
    struct platform_info pi;
    CHECK_EQ_U64(fdt_parse_platform(b, len, &pi), E_OK);
    CHECK_EQ_U64(pi.nmem, 2);
    CHECK_EQ_U64(pi.mem[0].base, 0x180000000ull);
    CHECK_EQ_U64(pi.mem[0].len, 0x4000);
    CHECK_EQ_U64(pi.mem[1].base, 0x200000000ull);
    CHECK_EQ_U64(pi.mem[1].len, 0x8000);
    CHECK_EQ_U64(pi.nharts, 1);
    CHECK_EQ_U64(pi.timebase_hz, 1000000);
    CHECK_EQ_U64(pi.model[0], 0);

    put_be32(b + H_VERSION, 16);
    put_be32(b + H_SIZE_STRUCT, 0xdeadbeef); /* not a v16 field: ignored */
    CHECK_EQ_U64(fdt_parse_platform(b, len, &pi), E_OK);
    CHECK_EQ_U64(pi.mem[0].base, 0x180000000ull);
    free(b);
}

static void test_synthetic_malformed(void)
{
    struct platform_info pi;

    /* Nesting: 16 levels (root included) are fine, 17 and 40 are not. */
    int depths[] = { 16, 17, 40 };
    for (int k = 0; k < 3; k++) {
        struct bw *w = w_new();
        for (int i = 0; i < depths[k]; i++)
            w_begin(w, i ? "n" : "");
        for (int i = 0; i < depths[k]; i++)
            w_end(w);
        CHECK_EQ_U64(w_parse(w, true, &pi), depths[k] <= 16 ? E_OK : E_CORRUPT);
    }

    /* No FDT_END token. */
    struct bw *w = w_new();
    w_begin(w, "");
    w_end(w);
    CHECK_EQ_U64(w_parse(w, false, &pi), E_CORRUPT);

    /* A node name running to the end of the structure block without NUL
     * (the strings block right after it does hold NULs). */
    w = w_new();
    w_begin(w, "");
    w_prop_u32(w, "x", 1);
    w_u32(w, 1);
    w_raw(w, "abcdefgh", 8);
    CHECK_EQ_U64(w_parse(w, false, &pi), E_CORRUPT);

    /* A property name whose string is not NUL-terminated in its block. */
    w = w_new();
    w_begin(w, "");
    w_prop_u32(w, "x", 1);
    w_end(w);
    w->str[w->str_len - 1] = 'y'; /* "x\0" becomes "xy" */
    CHECK_EQ_U64(w_parse(w, true, &pi), E_CORRUPT);

    /* Unbalanced: a missing END_NODE, a second root, a property outside. */
    w = w_new();
    w_begin(w, "");
    w_begin(w, "a");
    w_end(w);
    CHECK_EQ_U64(w_parse(w, true, &pi), E_CORRUPT);
    w = w_new();
    w_begin(w, "");
    w_end(w);
    w_begin(w, "");
    w_end(w);
    CHECK_EQ_U64(w_parse(w, true, &pi), E_CORRUPT);
    w = w_new();
    w_prop_u32(w, "x", 1);
    w_begin(w, "");
    w_end(w);
    CHECK_EQ_U64(w_parse(w, true, &pi), E_CORRUPT);

    /* A memreserve list with no (0,0) entry before the blob ends: put the
     * list at the tail of a valid blob, filled with non-zero entries. */
    w = w_new();
    w_begin(w, "");
    w_end(w);
    size_t len;
    uint8_t *b = w_finish(w, true, &len);
    free(w);
    size_t tail = (len + 7) & ~(size_t)7;
    uint8_t *big = calloc(1, tail + 64);
    memcpy(big, b, len);
    memset(big + tail, 0x11, 64);
    put_be32(big + H_TOTAL, (uint32_t)(tail + 64));
    put_be32(big + H_RSV, (uint32_t)tail);
    uint8_t *exact = dup_bytes(big, tail + 64);
    CHECK_EQ_U64(fdt_parse_platform(exact, tail + 64, &pi), E_CORRUPT);
    memset(exact + tail + 48, 0, 16); /* now terminated: 3 entries */
    CHECK_EQ_U64(fdt_parse_platform(exact, tail + 64, &pi), E_OK);
    CHECK_EQ_U64(pi.nresv, 3);
    free(exact);
    free(big);
    free(b);

    CHECK_EQ_U64(fdt_parse_platform(NULL, 100, &pi), E_RANGE);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s virt-256m-smp2.dtb virt-2g.dtb\n", argv[0]);
        return 2;
    }
    size_t len_a, len_b;
    uint8_t *a = read_file(argv[1], &len_a);
    uint8_t *b = read_file(argv[2], &len_b);

    test_qemu_256m(a, len_a);
    test_qemu_2g(b, len_b);

    uint32_t total = 0;
    if (fdt_check_header(a, len_a, &total) != E_OK) {
        fprintf(stderr, "%s: not a usable dtb\n", argv[1]);
        return 1;
    }
    test_truncation(a, total);
    test_struct_truncation(a);
    test_bad_header(a, total);
    test_mutations(a, total);

    test_synthetic_valid();
    test_synthetic_defaults();
    test_synthetic_malformed();

    free(a);
    free(b);
    return check_finish("test_fdt");
}
