/*
 * Host tests for the ELF64 reader (lib/elf.c): a real cross-built
 * RISC-V executable (argv[1]), hand-built files for each error code, every
 * truncation, and random mutations run under ASan/UBSan.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lib/elf.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif
#ifndef ASAN_POISON_MEMORY_REGION /* without ASan: the same walk, unchecked tails */
#define ASAN_POISON_MEMORY_REGION(addr, len) ((void)(addr), (void)(len))
#define ASAN_UNPOISON_MEMORY_REGION(addr, len) ((void)(addr), (void)(len))
#endif

#include "check.h"

/* Sv39 user half, first page kept unmapped. */
#define USER_MIN 0x1000ull
#define USER_TOP 0x4000000000ull

#define PT_LOAD 1u
#define PT_DYNAMIC 2u
#define PT_INTERP 3u
#define PT_NOTE 4u
#define PT_GNU_STACK 0x6474e551u
#define PT_RISCV_ATTRIBUTES 0x70000003u
#define PF_X 1u
#define PF_W 2u
#define PF_R 4u

#define PH0 64u /* program headers follow the ELF header */
#define PHSZ 56u

/* The synthetic file being built; img_len is how much of it is "the file". */
static uint8_t img[0x20000];
static uint64_t img_len;

static void put16(uint64_t off, uint16_t v)
{
    for (int i = 0; i < 2; i++)
        img[off + i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint64_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        img[off + i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint64_t off, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        img[off + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Writes a valid ELF64 RISC-V ET_EXEC header with phnum headers at PH0. */
static void put_ehdr(uint64_t entry, uint16_t phnum)
{
    memset(img, 0, sizeof img);
    memcpy(img, "\x7f" "ELF", 4);
    img[4] = 2; /* ELFCLASS64 */
    img[5] = 1; /* ELFDATA2LSB */
    img[6] = 1; /* EV_CURRENT */
    put16(16, 2);   /* ET_EXEC */
    put16(18, 243); /* EM_RISCV */
    put32(20, 1);
    put64(24, entry);
    put64(32, PH0);
    put64(40, 0); /* no section headers */
    put32(48, 0x5);
    put16(52, 64);
    put16(54, PHSZ);
    put16(56, phnum);
    put16(58, 64);
}

static void put_phdr(unsigned i, uint32_t type, uint32_t flags, uint64_t offset,
                     uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
    uint64_t p = PH0 + (uint64_t)i * PHSZ;
    put32(p + 0, type);
    put32(p + 4, flags);
    put64(p + 8, offset);
    put64(p + 16, vaddr);
    put64(p + 24, vaddr); /* p_paddr */
    put64(p + 32, filesz);
    put64(p + 40, memsz);
    put64(p + 48, 0x1000); /* p_align */
}

/*
 * Text R+X at 0x10000 (file 0x1000..0x1100), data R+W at 0x11100 with
 * 0x80 file bytes and bss up to 0x14100. The file ends exactly where the
 * data's file bytes end, so every shorter length must fail.
 */
static void make_valid(void)
{
    put_ehdr(0x10010, 2);
    put_phdr(0, PT_LOAD, PF_R | PF_X, 0x1000, 0x10000, 0x100, 0x100);
    put_phdr(1, PT_LOAD, PF_R | PF_W, 0x1100, 0x11100, 0x80, 0x3000);
    for (uint64_t i = 0x1000; i < 0x1180; i++)
        img[i] = (uint8_t)i;
    img_len = 0x1180;
}

/*
 * Parses a heap copy of exactly len bytes, so ASan reports any read past
 * the end of the file as a failure of the test run.
 */
static err_t parse_copy(const uint8_t *src, uint64_t len, struct elf_image *im)
{
    uint8_t *c = malloc(len);
    if (c == NULL && len != 0) {
        perror("malloc");
        exit(2);
    }
    if (len != 0)
        memcpy(c, src, len);
    err_t r = elf_parse(c, len, USER_MIN, USER_TOP, im);
    free(c);
    return r;
}

/* Everything the contract promises about a successful result. */
static int image_ok(const struct elf_image *im, uint64_t len)
{
    int entry_ok = 0;

    if (im->nsegments == 0 || im->nsegments > ELF_MAX_SEGMENTS)
        return 0;
    for (uint32_t i = 0; i < im->nsegments; i++) {
        const struct elf_segment *s = &im->seg[i];
        if (s->memsz == 0 || s->filesz > s->memsz || s->offset > len ||
            s->filesz > len - s->offset)
            return 0;
        if ((s->offset & 0xfff) != (s->vaddr & 0xfff))
            return 0;
        if (s->vaddr < USER_MIN || s->vaddr > USER_TOP ||
            s->memsz > USER_TOP - s->vaddr)
            return 0;
        if ((s->perm & ~(ELF_SEG_R | ELF_SEG_W | ELF_SEG_X)) != 0)
            return 0;
        uint64_t lo = s->vaddr & ~0xfffull;
        uint64_t hi = (s->vaddr + s->memsz + 0xfff) & ~0xfffull;
        for (uint32_t j = 0; j < i; j++) {
            const struct elf_segment *t = &im->seg[j];
            uint64_t tlo = t->vaddr & ~0xfffull;
            uint64_t thi = (t->vaddr + t->memsz + 0xfff) & ~0xfffull;
            if (lo < thi && tlo < hi)
                return 0;
        }
        if ((s->perm & ELF_SEG_X) && im->entry >= s->vaddr &&
            im->entry < s->vaddr + s->memsz)
            entry_ok = 1;
    }
    return entry_ok;
}

static void expect(err_t want, const char *what)
{
    struct elf_image im;
    err_t got = parse_copy(img, img_len, &im);
    if (got != want)
        fprintf(stderr, "case '%s': got %s, want %s\n", what, err_name(got),
                err_name(want));
    CHECK(got == want);
    if (got == E_OK)
        CHECK(image_ok(&im, img_len));
    else
        CHECK(im.nsegments == 0);
}

static void test_valid(void)
{
    struct elf_image im;

    make_valid();
    CHECK_EQ_U64(parse_copy(img, img_len, &im), E_OK);
    CHECK_EQ_U64(im.entry, 0x10010);
    CHECK_EQ_U64(im.nsegments, 2);
    CHECK_EQ_U64(im.seg[0].vaddr, 0x10000);
    CHECK_EQ_U64(im.seg[0].memsz, 0x100);
    CHECK_EQ_U64(im.seg[0].offset, 0x1000);
    CHECK_EQ_U64(im.seg[0].filesz, 0x100);
    CHECK_EQ_U64(im.seg[0].perm, ELF_SEG_R | ELF_SEG_X);
    CHECK_EQ_U64(im.seg[1].vaddr, 0x11100);
    CHECK_EQ_U64(im.seg[1].memsz, 0x3000);
    CHECK_EQ_U64(im.seg[1].offset, 0x1100);
    CHECK_EQ_U64(im.seg[1].filesz, 0x80);
    CHECK_EQ_U64(im.seg[1].perm, ELF_SEG_R | ELF_SEG_W);

    /* Buffer given in place (unaligned start) rather than copied. */
    static uint8_t shifted[sizeof img + 1];
    memcpy(shifted + 1, img, img_len);
    CHECK_EQ_U64(elf_parse(shifted + 1, img_len, USER_MIN, USER_TOP, &im),
                 E_OK);
    CHECK_EQ_U64(im.seg[1].vaddr, 0x11100);

    CHECK_EQ_U64(elf_parse(NULL, img_len, USER_MIN, USER_TOP, &im), E_INVAL);
    CHECK_EQ_U64(elf_parse(img, img_len, USER_MIN, USER_TOP, NULL), E_INVAL);

    /* Extra bytes after the last segment (e.g. section headers) are fine. */
    make_valid();
    img_len += 100;
    expect(E_OK, "trailing bytes");

    /* Ignored header types, even with nonsense contents. */
    put_ehdr(0x10010, 6);
    put_phdr(0, PT_RISCV_ATTRIBUTES, PF_R, 0xffffffffffffff00, 0, 0x1000, 0);
    put_phdr(1, PT_LOAD, PF_R | PF_X, 0x1000, 0x10000, 0x100, 0x100);
    put_phdr(2, PT_NOTE, 0, UINT64_MAX, UINT64_MAX, UINT64_MAX, 1);
    put_phdr(3, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
    /* Empty PT_LOAD: skipped, whatever its offset and address. */
    put_phdr(4, PT_LOAD, PF_R, UINT64_MAX, 0x10000, 0, 0);
    put_phdr(5, PT_LOAD, PF_R | PF_W, 0x1100, 0x11100, 0x80, 0x3000);
    img_len = 0x1180;
    CHECK_EQ_U64(parse_copy(img, img_len, &im), E_OK);
    CHECK_EQ_U64(im.nsegments, 2);
    CHECK_EQ_U64(im.seg[0].vaddr, 0x10000);
    CHECK_EQ_U64(im.seg[1].vaddr, 0x11100);

    /* Boundaries that are still valid. */
    make_valid();
    put64(24, 0x10000);
    expect(E_OK, "entry at first byte of text");
    make_valid();
    put64(24, 0x100ff);
    expect(E_OK, "entry at last byte of text");
    make_valid();
    put_phdr(1, PT_LOAD, PF_R | PF_W, 0x1100, 0x11100, 0x80, 0x3000);
    put_phdr(0, PT_LOAD, PF_R | PF_X, 0x1000, USER_MIN, 0x100, 0x100);
    put64(24, USER_MIN);
    expect(E_OK, "text at user_min");
    make_valid();
    put_phdr(1, PT_LOAD, PF_R | PF_W, 0x1100, USER_TOP - 0x1000 + 0x100, 0x80,
             0xf00);
    expect(E_OK, "data ending at user_top");
    make_valid();
    put_phdr(0, PT_LOAD, PF_R | PF_X, 0x1000, 0x10000, 0x100, 0x1000);
    expect(E_OK, "text ends on the page boundary before data's page");
    make_valid();
    put_phdr(1, PT_LOAD, PF_R | PF_W | PF_X | 0x00f00000u, 0x1100, 0x11100,
             0x80, 0x3000);
    CHECK_EQ_U64(parse_copy(img, img_len, &im), E_OK);
    CHECK_EQ_U64(im.seg[1].perm, ELF_SEG_R | ELF_SEG_W | ELF_SEG_X);

    /* Exactly ELF_MAX_SEGMENTS is allowed; phdr table needs 64+16*56. */
    put_ehdr(0x10000, ELF_MAX_SEGMENTS);
    for (unsigned i = 0; i < ELF_MAX_SEGMENTS; i++)
        put_phdr(i, PT_LOAD, i == 0 ? PF_R | PF_X : PF_R | PF_W, 0,
                 0x10000 + 0x1000 * (uint64_t)i, 0, 0x1000);
    img_len = 0x1000;
    CHECK_EQ_U64(parse_copy(img, img_len, &im), E_OK);
    CHECK_EQ_U64(im.nsegments, ELF_MAX_SEGMENTS);
    CHECK_EQ_U64(im.seg[15].vaddr, 0x1f000);
}

static void test_errors(void)
{
    /* File header. */
    make_valid();
    img[1] = 'e';
    expect(E_INVAL, "bad magic");
    make_valid();
    img[0] = 0;
    expect(E_INVAL, "bad magic byte 0");
    make_valid();
    img[4] = 1;
    expect(E_INVAL, "ELFCLASS32");
    make_valid();
    img[5] = 2;
    expect(E_INVAL, "big-endian");
    make_valid();
    img[6] = 0;
    expect(E_INVAL, "EI_VERSION 0");
    make_valid();
    put16(18, 62);
    expect(E_INVAL, "x86-64 machine");
    make_valid();
    put16(16, 3);
    expect(E_INVAL, "ET_DYN");
    make_valid();
    put16(16, 1);
    expect(E_INVAL, "ET_REL");
    make_valid();
    put32(20, 2);
    expect(E_INVAL, "e_version 2");
    make_valid();
    put16(52, 52);
    expect(E_INVAL, "e_ehsize too small");
    make_valid();
    put16(54, 64);
    expect(E_INVAL, "e_phentsize 64");
    make_valid();
    put16(56, 0xffff);
    expect(E_INVAL, "PN_XNUM");

    /* Program header table placement. */
    make_valid();
    put64(32, img_len + 8);
    expect(E_RANGE, "phoff past end");
    make_valid();
    put64(32, img_len - PHSZ - 1);
    expect(E_RANGE, "phdr table straddles end");
    make_valid();
    put64(32, UINT64_MAX - 8);
    expect(E_RANGE, "phoff + size wraps");
    make_valid();
    put16(56, 0xfffe);
    expect(E_RANGE, "phnum * phentsize past end");

    /* PT_LOAD contents. */
    make_valid();
    put_phdr(1, PT_LOAD, PF_R | PF_W, 0x1100, 0x11100, 0x80, 0x7f);
    expect(E_INVAL, "filesz > memsz");
    make_valid();
    put_phdr(1, PT_LOAD, PF_R | PF_W, 0x1100, 0x11100, 0x80, 0);
    expect(E_INVAL, "filesz > memsz == 0");
    make_valid();
    put_phdr(1, PT_LOAD, PF_R | PF_W, 0x1100, 0x11100, 0x81, 0x3000);
    expect(E_RANGE, "offset + filesz past end");
    make_valid();
    put_phdr(1, PT_LOAD, PF_R | PF_W, 0x2100, 0x12100, 0, 0x3000);
    expect(E_RANGE, "offset past end with filesz 0");
    make_valid();
    put_phdr(1, PT_LOAD, PF_R | PF_W, UINT64_MAX - 0xeff, 0x11100, 0x1000,
             0x3000);
    expect(E_RANGE, "offset + filesz wraps");
    make_valid();
    put_phdr(1, PT_LOAD, PF_R | PF_W, 0x1100, 0xfffffffffffff100, 0x80, 0x3000);
    expect(E_RANGE, "vaddr + memsz wraps");
    make_valid();
    put_phdr(1, PT_LOAD, PF_R | PF_W, 0x1100, 0xfffffffffffff100, 0x80, 0xeff);
    expect(E_RANGE, "page round-up wraps");
    make_valid();
    put_phdr(1, PT_LOAD, PF_R | PF_W, 0x1100, USER_TOP + 0x100, 0x80, 0x100);
    expect(E_RANGE, "segment above user_top");
    make_valid();
    put_phdr(1, PT_LOAD, PF_R | PF_W, 0x1100, USER_TOP - 0x1000 + 0x100, 0x80,
             0xf01);
    expect(E_RANGE, "segment straddles user_top");
    make_valid();
    put_phdr(0, PT_LOAD, PF_R | PF_X, 0x1000, 0, 0x100, 0x100);
    put64(24, 0x10);
    expect(E_RANGE, "segment below user_min");
    make_valid();
    put_phdr(0, PT_LOAD, PF_R | PF_X, 0xf00, 0xf00, 0x100, 0x200);
    put64(24, 0x1000);
    expect(E_RANGE, "segment straddles user_min");
    make_valid();
    put_phdr(1, PT_LOAD, PF_R | PF_W, 0x1100, 0x11200, 0x80, 0x3000);
    expect(E_INVAL, "offset % 4096 != vaddr % 4096");
    make_valid();
    put_phdr(1, PT_LOAD, PF_R | PF_W, 0x1080, 0x10080, 0x80, 0x3000);
    expect(E_EXIST, "overlapping segments");
    make_valid();
    put_phdr(1, PT_LOAD, PF_R | PF_W, 0x1100, 0x10100, 0x80, 0x3000);
    expect(E_EXIST, "segments sharing a page");
    make_valid();
    put_phdr(1, PT_LOAD, PF_R | PF_W, 0x1000, 0x0f000, 0x80, 0x10000);
    expect(E_EXIST, "second segment encloses first");

    /* Segment count. */
    put_ehdr(0x10000, ELF_MAX_SEGMENTS + 1);
    for (unsigned i = 0; i < ELF_MAX_SEGMENTS + 1; i++)
        put_phdr(i, PT_LOAD, i == 0 ? PF_R | PF_X : PF_R | PF_W, 0,
                 0x10000 + 0x1000 * (uint64_t)i, 0, 0x1000);
    img_len = 0x1000;
    expect(E_NOSPACE, "17 PT_LOAD segments");
    make_valid();
    put_phdr(0, PT_NOTE, PF_R | PF_X, 0x1000, 0x10000, 0x100, 0x100);
    put_phdr(1, PT_GNU_STACK, PF_R | PF_W, 0x1100, 0x11100, 0x80, 0x3000);
    expect(E_NOENT, "no PT_LOAD");
    make_valid();
    put16(56, 0);
    expect(E_NOENT, "phnum 0");
    make_valid();
    put_phdr(0, PT_LOAD, PF_R | PF_X, 0x1000, 0x10000, 0, 0);
    put_phdr(1, PT_LOAD, PF_R | PF_W, 0x1100, 0x11100, 0, 0);
    expect(E_NOENT, "only empty PT_LOADs");

    /* Entry point. */
    make_valid();
    put64(24, 0x50000);
    expect(E_NOENT, "entry outside any segment");
    make_valid();
    put64(24, 0x10100);
    expect(E_NOENT, "entry one past text");
    make_valid();
    put64(24, 0x0);
    expect(E_NOENT, "entry 0");
    make_valid();
    put64(24, 0x11100);
    expect(E_NOENT, "entry in data (R+W) segment");
    make_valid();
    put64(24, 0x12000);
    expect(E_NOENT, "entry in bss part of data segment");

    /* Dynamic executables. */
    make_valid();
    put_ehdr(0x10010, 3);
    put_phdr(0, PT_INTERP, PF_R, 0x1000, 0x10000, 0x10, 0x10);
    put_phdr(1, PT_LOAD, PF_R | PF_X, 0x1000, 0x10000, 0x100, 0x100);
    put_phdr(2, PT_LOAD, PF_R | PF_W, 0x1100, 0x11100, 0x80, 0x3000);
    img_len = 0x1180;
    expect(E_INVAL, "PT_INTERP");
    put_phdr(0, PT_NOTE, PF_R, 0, 0, 0, 0);
    expect(E_OK, "PT_INTERP replaced by PT_NOTE");
    put_phdr(0, PT_DYNAMIC, PF_R | PF_W, 0x1100, 0x11100, 0x10, 0x10);
    expect(E_INVAL, "PT_DYNAMIC");
}

/* Every strict prefix of a file shorter than `needed` must be rejected. */
/*
 * Every length below the full size. One copy of the file, its tail
 * poisoned for AddressSanitizer one byte further each step (longest
 * first), so a read past `len` is caught as a copy of exactly len bytes
 * would catch it -- in linear time, where a fresh copy per length is
 * quadratic (minutes for a 200 KiB root.elf).
 */
static void check_truncations(const uint8_t *file, uint64_t size,
                              uint64_t needed, const struct elf_image *full)
{
    int bad = 0;
    uint8_t *buf = malloc(size ? size : 1);
    if (buf == NULL) {
        perror("malloc");
        exit(2);
    }
    memcpy(buf, file, size);
    for (uint64_t len = size; len-- > 0;) {
        ASAN_POISON_MEMORY_REGION(buf + len, 1);
        struct elf_image im;
        err_t r = elf_parse(buf, len, USER_MIN, USER_TOP, &im);
        if (len < needed) {
            if (r == E_OK)
                bad++;
        } else if (r != E_OK || im.entry != full->entry ||
                   im.nsegments != full->nsegments) {
            bad++;
        }
    }
    ASAN_UNPOISON_MEMORY_REGION(buf, size);
    free(buf);
    if (bad)
        fprintf(stderr, "truncation: %d lengths misjudged (needed %llu)\n",
                bad, (unsigned long long)needed);
    CHECK(bad == 0);
}

/* Smallest length that still holds the phdr table and all segment bytes. */
static uint64_t needed_len(const uint8_t *file, const struct elf_image *im)
{
    uint64_t n = get64(file + 32) + (uint64_t)(file[56] | file[57] << 8) * PHSZ;
    if (n < 64)
        n = 64;
    for (uint32_t i = 0; i < im->nsegments; i++)
        if (im->seg[i].offset + im->seg[i].filesz > n)
            n = im->seg[i].offset + im->seg[i].filesz;
    return n;
}


/*
 * Random damage concentrated on the headers (the only bytes the parser
 * reads): byte writes, bit flips, and "interesting" 64-bit values at field
 * boundaries. Any E_OK result must satisfy the whole contract.
 */
static void fuzz(const uint8_t *file, uint64_t size, uint64_t hdr_end,
                 int iterations)
{
    static const uint64_t vals[] = {
        0, 1, 0xfff, 0x1000, 0x1001, 0x10000, 0x11100, USER_MIN, USER_TOP,
        USER_TOP - 0x1000, UINT64_MAX, UINT64_MAX - 0xfff, 0x8000000000000000,
        UINT32_MAX, 0xffff};
    uint8_t *m = malloc(size);
    int ok = 0, bad = 0;

    for (int it = 0; it < iterations; it++) {
        memcpy(m, file, size);
        uint64_t len = size;
        int n = 1 + (int)(check_rand() % 4);
        for (int k = 0; k < n; k++) {
            uint64_t r = check_rand();
            uint64_t off = (r >> 8) % hdr_end;
            switch (r % 8) {
            case 0: case 1: case 2:
                m[off] = (uint8_t)(r >> 40);
                break;
            case 3: case 4:
                m[off] ^= (uint8_t)(1u << ((r >> 40) % 8));
                break;
            case 5: case 6:
                off &= ~7ull;
                if (off + 8 <= size) {
                    uint64_t v = vals[(r >> 40) % (sizeof vals / sizeof vals[0])];
                    for (int b = 0; b < 8; b++)
                        m[off + b] = (uint8_t)(v >> (8 * b));
                }
                break;
            default:
                len = check_rand() % (size + 1);
                break;
            }
        }
        struct elf_image im;
        err_t r = parse_copy(m, len, &im);
        if (r == E_OK) {
            ok++;
            if (!image_ok(&im, len))
                bad++;
        }
    }
    free(m);
    printf("fuzz: %d iterations, %d parsed OK, %d broke the contract\n",
           iterations, ok, bad);
    CHECK(bad == 0);
}

static void test_real(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        CHECK(f != NULL);
        return;
    }
    static uint8_t file[4 << 20];
    uint64_t size = fread(file, 1, sizeof file, f);
    CHECK(!ferror(f) && feof(f)); /* read whole file, and it fit */
    fclose(f);

    struct elf_image im;
    err_t r = parse_copy(file, size, &im);
    if (r != E_OK)
        fprintf(stderr, "%s: %s\n", path, err_name(r));
    CHECK_EQ_U64(r, E_OK);
    if (r != E_OK)
        return;
    CHECK(im.entry != 0);
    CHECK(im.nsegments >= 1);
    CHECK(image_ok(&im, size));
    int nx = 0;
    for (uint32_t i = 0; i < im.nsegments; i++) {
        printf("  seg %u: vaddr 0x%llx memsz 0x%llx off 0x%llx filesz 0x%llx "
               "perm %c%c%c\n", i, (unsigned long long)im.seg[i].vaddr,
               (unsigned long long)im.seg[i].memsz,
               (unsigned long long)im.seg[i].offset,
               (unsigned long long)im.seg[i].filesz,
               im.seg[i].perm & ELF_SEG_R ? 'r' : '-',
               im.seg[i].perm & ELF_SEG_W ? 'w' : '-',
               im.seg[i].perm & ELF_SEG_X ? 'x' : '-');
        if (im.seg[i].perm & ELF_SEG_X)
            nx++;
    }
    printf("  entry 0x%llx\n", (unsigned long long)im.entry);
    CHECK(nx >= 1);

    /* A range that excludes the image must refuse it. */
    CHECK_EQ_U64(elf_parse(file, size, USER_TOP, USER_TOP + 0x100000, &im),
                 E_RANGE);

    /*
     * Section headers etc. sit after the segments and are not needed, so
     * lengths between what the segments need and the full size parse.
     */
    struct elf_image full;
    CHECK_EQ_U64(parse_copy(file, size, &full), E_OK);
    check_truncations(file, size, needed_len(file, &full), &full);
    uint64_t hdr_end = get64(file + 32) + (uint64_t)(file[56] | file[57] << 8) * PHSZ;
    fuzz(file, size, hdr_end < size ? hdr_end : size, 5000);

    /* A loader that reads only the headers sees the same image; a file
     * said to be shorter than its segments, or than what was read, fails. */
    struct elf_image hdrs;
    CHECK_EQ_U64(elf_parse_headers(file, hdr_end, size, USER_MIN, USER_TOP, &hdrs), E_OK);
    CHECK_EQ_U64(hdrs.entry, full.entry);
    CHECK_EQ_U64(hdrs.nsegments, full.nsegments);
    for (uint32_t i = 0; i < hdrs.nsegments && i < full.nsegments; i++)
        CHECK(memcmp(&hdrs.seg[i], &full.seg[i], sizeof hdrs.seg[i]) == 0);
    CHECK_EQ_U64(elf_parse_headers(file, hdr_end, needed_len(file, &full) - 1, USER_MIN, USER_TOP,
                                   &hdrs), E_RANGE);
    CHECK_EQ_U64(elf_parse_headers(file, hdr_end, hdr_end - 1, USER_MIN, USER_TOP, &hdrs), E_INVAL);
    CHECK_EQ_U64(elf_parse_headers(file, hdr_end - 1, size, USER_MIN, USER_TOP, &hdrs), E_RANGE);
}

int main(int argc, char **argv)
{
    test_valid();
    test_errors();

    struct elf_image full;
    make_valid();
    CHECK_EQ_U64(parse_copy(img, img_len, &full), E_OK);
    CHECK_EQ_U64(needed_len(img, &full), img_len);
    check_truncations(img, img_len, img_len, &full);
    fuzz(img, img_len, PH0 + 2 * PHSZ, 20000);

    if (argc > 1)
        test_real(argv[1]);
    else
        printf("no real ELF given (argv[1]); skipping those checks\n");
    return check_finish("test_elf");
}
