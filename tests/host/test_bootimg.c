/*
 * Tests the boot image reader against the real mica.img and kernel.elf of
 * the cross build (argv[1], argv[2]), plus synthetic corrupt archives.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/bootimg.h>
#include <mica/bootimg.h>

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
    f.h.version = 2;
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

int main(int argc, char **argv)
{
    CHECK(argc == 3);
    if (argc == 3)
        test_real_image(argv[1], argv[2]);
    test_corrupt_archives();
    return check_finish("test_bootimg");
}
