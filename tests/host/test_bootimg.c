/*
 * Tests the boot image reader and the root-task layout check against the
 * real mica.img and kernel.elf of the cross build (argv[1], argv[2]), plus
 * synthetic corrupt archives and layouts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/bootimg.h>
#include <mica/bootimg.h>
#include <mica/bootinfo.h>

#include "check.h"

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = aligned_alloc(4096, ((size_t)n + 4095) / 4096 * 4096);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Address of `name` in the kernel ELF, from the cross nm. */
static uint64_t nm_symbol(const char *elf, const char *name)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "riscv64-unknown-elf-nm %s", elf);
    FILE *p = popen(cmd, "r");
    if (!p)
        return 0;
    char line[256];
    uint64_t addr = 0;
    while (fgets(line, sizeof(line), p)) {
        char sym[200], kind;
        unsigned long long a;
        if (sscanf(line, "%llx %c %199s", &a, &kind, sym) == 3 && strcmp(sym, name) == 0)
            addr = a;
    }
    pclose(p);
    return addr;
}

static void test_real_image(const char *img_path, const char *elf_path)
{
    size_t len;
    uint8_t *img = read_file(img_path, &len);
    CHECK(img != NULL);
    if (!img)
        return;
    uint64_t kstart = nm_symbol(elf_path, "__kernel_start");
    uint64_t kend = nm_symbol(elf_path, "__kernel_end");
    CHECK(kstart != 0 && kend > kstart);
    uint64_t off = kend - kstart;
    CHECK(off < len);
    if (off >= len)
        return;
    uint64_t total = 0;
    CHECK(bootimg_check(img + off, len - off, &total) == E_OK);
    CHECK(total == len - off); /* the archive is the rest of the file */

    const void *data;
    uint64_t dlen;
    CHECK(bootimg_find(img + off, "root", &data, &dlen) == E_OK);
    CHECK(dlen > 64 && memcmp(data, "\x7f" "ELF", 4) == 0);
    CHECK(bootimg_find(img + off, "nope", &data, &dlen) == E_NOENT);
    /* Every program has its page layout, as mkbootimg.py made it. */
    const void *lay;
    uint64_t lay_len;
    CHECK(bootimg_find(img + off, "root.root", &lay, &lay_len) == E_OK);
    CHECK(bootimg_layout_check(lay, lay_len, 0x1000, ROOT_BOOTIMG_VA) == E_OK);
    const struct bootimg_layout *l = lay;
    CHECK(l->nranges >= 2 && l->range[0].perm == (BOOTIMG_RANGE_R | BOOTIMG_RANGE_X));
    /* Its text is the ELF's text (root.elf: the first segment at file offset 4096). */
    CHECK(l->range[0].data_len > 0 &&
          memcmp((const uint8_t *)lay + l->range[0].data_off,
                 (const uint8_t *)data + 4096, 64) == 0);
    CHECK(bootimg_find(img + off, "ktest.root", &lay, &lay_len) == E_OK);
    CHECK(bootimg_layout_check(lay, lay_len, 0x1000, ROOT_BOOTIMG_VA) == E_OK);
    /* The kernel carries no symbol table (the host symbolizes). */
    CHECK(bootimg_find(img + off, "kernel.syms", &data, &dlen) == E_NOENT);

    /* Every truncation of the archive is rejected, none crashes. */
    for (uint64_t cut = 0; cut < total; cut += (cut < 8192 ? 1 : 4096)) {
        uint64_t t;
        CHECK(bootimg_check(img + off, cut, &t) == E_CORRUPT);
    }

    free(img);
}

struct fake_img {
    struct bootimg_header h;
    struct bootimg_entry e[2];
    uint8_t pad[4096 - sizeof(struct bootimg_header) - 2 * sizeof(struct bootimg_entry)];
    uint8_t file[4096];
};

static void make_fake(struct fake_img *f)
{
    memset(f, 0, sizeof(*f));
    f->h.magic = BOOTIMG_MAGIC;
    f->h.version = BOOTIMG_VERSION;
    f->h.nentries = 1;
    f->h.total_len = 8192;
    strcpy(f->e[0].name, "root");
    f->e[0].offset = 4096;
    f->e[0].len = 100;
}

static void test_corrupt_archives(void)
{
    static struct fake_img f __attribute__((aligned(4096)));
    uint64_t total;
    make_fake(&f);
    CHECK(bootimg_check(&f, sizeof(f), &total) == E_OK && total == 8192);
    make_fake(&f);
    f.h.magic++;
    CHECK(bootimg_check(&f, sizeof(f), &total) == E_CORRUPT);
    make_fake(&f);
    f.h.version = BOOTIMG_VERSION + 1;
    CHECK(bootimg_check(&f, sizeof(f), &total) == E_CORRUPT);
    make_fake(&f);
    f.h.total_len = 12288; /* longer than the memory that exists */
    CHECK(bootimg_check(&f, sizeof(f), &total) == E_CORRUPT);
    make_fake(&f);
    f.h.nentries = BOOTIMG_MAX_ENTRIES + 1;
    CHECK(bootimg_check(&f, sizeof(f), &total) == E_CORRUPT);
    make_fake(&f);
    f.e[0].offset = 4100; /* not page aligned */
    CHECK(bootimg_check(&f, sizeof(f), &total) == E_CORRUPT);
    make_fake(&f);
    f.e[0].len = 4097; /* runs past total_len */
    CHECK(bootimg_check(&f, sizeof(f), &total) == E_CORRUPT);
    make_fake(&f);
    f.e[0].offset = UINT64_MAX - 4095; /* offset + len wraps */
    CHECK(bootimg_check(&f, sizeof(f), &total) == E_CORRUPT);
    make_fake(&f);
    f.e[0].offset = 0; /* overlaps the header */
    CHECK(bootimg_check(&f, sizeof(f), &total) == E_CORRUPT);
    make_fake(&f);
    memset(f.e[0].name, 'a', BOOTIMG_NAME_MAX); /* no NUL */
    CHECK(bootimg_check(&f, sizeof(f), &total) == E_CORRUPT);
    make_fake(&f);
    CHECK(bootimg_check((uint8_t *)&f + 1, sizeof(f) - 1, &total) == E_CORRUPT);
}

static struct {
    struct bootimg_layout l;
    uint8_t pad[3 * 4096 - sizeof(struct bootimg_layout)];
} lay __attribute__((aligned(4096)));

static void make_layout(void)
{
    memset(&lay, 0, sizeof(lay));
    lay.l.magic = BOOTIMG_LAYOUT_MAGIC;
    lay.l.entry = 0x10010;
    lay.l.nranges = 2;
    lay.l.range[0] = (struct bootimg_range){0x10000, 0x2000, 0x1000, 0x1000,
                                            BOOTIMG_RANGE_R | BOOTIMG_RANGE_X, 0};
    lay.l.range[1] = (struct bootimg_range){0x12000, 0x5000, 0x2000, 0x1000,
                                            BOOTIMG_RANGE_R | BOOTIMG_RANGE_W, 0};
}

static err_t check_layout(void)
{
    return bootimg_layout_check(&lay.l, sizeof(lay), 0x1000, 0x40000);
}

static void test_layouts(void)
{
    make_layout();
    CHECK(check_layout() == E_OK);
    make_layout();
    lay.l.magic++;
    CHECK(check_layout() == E_CORRUPT);
    make_layout();
    lay.l.nranges = 0;
    CHECK(check_layout() == E_CORRUPT);
    make_layout();
    lay.l.nranges = BOOTIMG_LAYOUT_MAX_RANGES + 1;
    CHECK(check_layout() == E_CORRUPT);
    make_layout();
    lay.l.range[1].va = 0x11000; /* overlaps range 0 */
    CHECK(check_layout() == E_CORRUPT);
    make_layout();
    lay.l.range[0].va = 0; /* below va_min */
    CHECK(check_layout() == E_CORRUPT);
    make_layout();
    lay.l.range[1].len = 0x40000 - 0x12000 + 0x1000; /* past va_top */
    CHECK(check_layout() == E_CORRUPT);
    make_layout();
    lay.l.range[1].len = UINT64_MAX - 0xfff; /* va + len wraps */
    CHECK(check_layout() == E_CORRUPT);
    make_layout();
    lay.l.range[1].data_off = 0x3000; /* data past the end of the file */
    CHECK(check_layout() == E_CORRUPT);
    make_layout();
    lay.l.range[1].data_off = UINT64_MAX - 0xfff; /* off + len wraps */
    CHECK(check_layout() == E_CORRUPT);
    make_layout();
    lay.l.range[0].data_off = 0; /* data in the header page */
    CHECK(check_layout() == E_CORRUPT);
    make_layout();
    lay.l.range[0].data_len = 0x3000; /* more data than the range */
    CHECK(check_layout() == E_CORRUPT);
    make_layout();
    lay.l.range[1].va = 0x12800; /* not page aligned */
    CHECK(check_layout() == E_CORRUPT);
    make_layout();
    lay.l.entry = 0x12000; /* entry in the data range */
    CHECK(check_layout() == E_CORRUPT);
    make_layout();
    lay.l.entry = 0x12000 - 1; /* last byte of the text: fine */
    CHECK(check_layout() == E_OK);
    make_layout();
    CHECK(bootimg_layout_check(&lay.l, 4095, 0x1000, 0x40000) == E_CORRUPT);
}

int main(int argc, char **argv)
{
    CHECK(argc == 3);
    if (argc == 3)
        test_real_image(argv[1], argv[2]);
    test_corrupt_archives();
    test_layouts();
    return check_finish("test_bootimg");
}
