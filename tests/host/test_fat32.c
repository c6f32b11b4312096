/*
 * Host tests for the FAT32 library (servers/fat32): images made by mkfs.fat
 * and filled by mtools (tests/fixtures/make_fat32.sh) are read back exactly;
 * what the library writes is checked by fat_check, fsck.fat -n and mtools
 * reading it back; ENOSPC on an almost full volume; the clean-shutdown
 * flag; hand-made corruptions
 * and 2000 random mutations of the metadata give errors, never a crash or
 * a hang. Usage: test_fat32 FIXTURE_DIR
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fat.h"

#include "check.h"

#define SECTOR 512u
#define LINE_LEN 49u
#define BIG_LINES 65536u
#define BIG_SIZE (BIG_LINES * LINE_LEN) /* 3211264 */
#define LEVELS 8
#define MANY 250
#define FUZZ_ROUNDS 2000
#define FUZZ_AREA 65536u

/* 2024-05-17 13:45:22 as seconds since 1980-01-01 and as FAT stamps. */
#define T_2024 1400420722ull
#define D_2024 ((44u << 9) | (5u << 5) | 17u)
#define M_2024 ((13u << 11) | (45u << 5) | 11u)

static const char *fixdir;
static char workdir[256];
static struct fat_fs fs;

/* ---- a fat_dev over an image file --------------------------------------- */

struct saved_sector {
    uint64_t sector;
    uint8_t data[SECTOR];
};

struct image {
    char path[512];
    int fd;
    uint64_t nsectors;
    uint64_t fail_from; /* sectors from here fail with E_IO */
    bool fail_writes;   /* every write fails with E_IO (reads work) */
    uint64_t reads;     /* device read requests so far */
    bool journal;       /* keep each sector's first contents for undo */
    struct saved_sector *undo;
    size_t nundo, capundo;
    struct fat_dev dev;
};

static bool in_undo(const struct image *im, uint64_t s)
{
    for (size_t i = 0; i < im->nundo; i++)
        if (im->undo[i].sector == s)
            return true;
    return false;
}

static err_t img_read(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
    struct image *im = ctx;
    im->reads++;
    if (sector + count > im->nsectors)
        return E_IO;
    if (sector + count > im->fail_from)
        return E_IO;
    ssize_t n = pread(im->fd, buf, (size_t)count * SECTOR, (off_t)(sector * SECTOR));
    return n == (ssize_t)count * SECTOR ? E_OK : E_IO;
}

static err_t img_write(void *ctx, uint64_t sector, uint32_t count, const void *buf)
{
    struct image *im = ctx;
    if (sector + count > im->nsectors || sector + count > im->fail_from || im->fail_writes)
        return E_IO;
    for (uint32_t i = 0; im->journal && i < count; i++) {
        if (in_undo(im, sector + i))
            continue;
        if (im->nundo == im->capundo) {
            im->capundo = im->capundo ? im->capundo * 2 : 64;
            im->undo = realloc(im->undo, im->capundo * sizeof *im->undo);
            if (!im->undo)
                abort();
        }
        struct saved_sector *s = &im->undo[im->nundo++];
        s->sector = sector + i;
        if (pread(im->fd, s->data, SECTOR, (off_t)((sector + i) * SECTOR)) != SECTOR)
            abort();
    }
    ssize_t n = pwrite(im->fd, buf, (size_t)count * SECTOR, (off_t)(sector * SECTOR));
    return n == (ssize_t)count * SECTOR ? E_OK : E_IO;
}

static void undo_writes(struct image *im)
{
    while (im->nundo > 0) {
        struct saved_sector *s = &im->undo[--im->nundo];
        if (pwrite(im->fd, s->data, SECTOR, (off_t)(s->sector * SECTOR)) != SECTOR)
            abort();
    }
}

static void die(const char *what)
{
    perror(what);
    exit(2);
}

/* Copies a (sparse) fixture image, keeping holes, and opens the copy. */
static void open_copy(struct image *im, const char *fixture, const char *name)
{
    char src[512];
    snprintf(src, sizeof src, "%s/%s", fixdir, fixture);
    snprintf(im->path, sizeof im->path, "%s/%s", workdir, name);
    int in = open(src, O_RDONLY);
    if (in < 0)
        die(src);
    int out = open(im->path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (out < 0)
        die(im->path);
    struct stat st;
    if (fstat(in, &st) != 0 || ftruncate(out, st.st_size) != 0)
        die("size");
    static uint8_t buf[1 << 16], zero[1 << 16];
    for (off_t off = 0; off < st.st_size;) {
        ssize_t n = pread(in, buf, sizeof buf, off);
        if (n <= 0)
            die("read image");
        if (memcmp(buf, zero, (size_t)n) != 0 && pwrite(out, buf, (size_t)n, off) != n)
            die("write image");
        off += n;
    }
    close(in);
    im->fd = out;
    im->nsectors = (uint64_t)st.st_size / SECTOR;
    im->fail_from = UINT64_MAX;
    im->fail_writes = false;
    im->reads = 0;
    im->journal = false;
    im->undo = NULL;
    im->nundo = im->capundo = 0;
    im->dev.ctx = im;
    im->dev.sector_size = SECTOR;
    im->dev.nsectors = im->nsectors;
    im->dev.read = img_read;
    im->dev.write = img_write;
}

static void close_image(struct image *im)
{
    close(im->fd);
    free(im->undo);
    unlink(im->path);
}

static void poke(struct image *im, uint64_t off, const void *bytes, size_t n)
{
    if (pwrite(im->fd, bytes, n, (off_t)off) != (ssize_t)n)
        die("poke");
}

static void peek(struct image *im, uint64_t off, void *bytes, size_t n)
{
    if (pread(im->fd, bytes, n, (off_t)off) != (ssize_t)n)
        die("peek");
}

static void poke32(struct image *im, uint64_t off, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                    (uint8_t)(v >> 24)};
    poke(im, off, b, 4);
}

static uint32_t peek32(struct image *im, uint64_t off)
{
    uint8_t b[4];
    peek(im, off, b, 4);
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
           ((uint32_t)b[3] << 24);
}

static void poke16(struct image *im, uint64_t off, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    poke(im, off, b, 2);
}

/* Byte offset of FAT copy `copy`'s entry for cluster cl (needs fs mounted). */
static uint64_t fat_off(uint32_t copy, uint32_t cl)
{
    return ((uint64_t)fs.reserved_sectors + (uint64_t)copy * fs.fat_sectors) * SECTOR +
           (uint64_t)cl * 4;
}

/* Sets a FAT entry in every copy, as a corruption would. */
static void poke_fat(struct image *im, uint32_t cl, uint32_t v)
{
    for (uint32_t i = 0; i < fs.nfats; i++)
        poke32(im, fat_off(i, cl), v);
}

static uint64_t cluster_off(uint32_t cl)
{
    return ((uint64_t)fs.first_data_sector +
            (uint64_t)(cl - 2) * fs.sectors_per_cluster) *
           SECTOR;
}

/* Byte offset of entry `index` of the directory starting at cluster dir,
 * following the chain in the image's first FAT. */
static uint64_t entry_off(struct image *im, uint32_t dir, uint32_t index)
{
    uint32_t per = fs.cluster_bytes / 32, cl = dir;
    for (uint32_t k = 0; k < index / per; k++)
        cl = peek32(im, fat_off(0, cl)) & 0x0FFFFFFF;
    return cluster_off(cl) + (uint64_t)(index % per) * 32;
}

/* ---- external tools ------------------------------------------------------ */

static size_t run_capture(const char *cmd, void *buf, size_t cap)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        die("popen");
    size_t n = 0, r;
    while (n < cap && (r = fread((uint8_t *)buf + n, 1, cap - n, p)) > 0)
        n += r;
    pclose(p);
    return n;
}

/* fsck.fat -n: 0 when the volume is clean. */
static int fsck(struct image *im)
{
    char cmd[1200], log[600];
    snprintf(log, sizeof log, "%s/fsck.log", workdir);
    snprintf(cmd, sizeof cmd, "fsck.fat -n '%s' > '%s' 2>&1", im->path, log);
    int st = system(cmd);
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 99;
    if (rc != 0) {
        fprintf(stderr, "fsck.fat -n %s exited %d:\n", im->path, rc);
        snprintf(cmd, sizeof cmd, "cat '%s' >&2", log);
        if (system(cmd) != 0)
            fprintf(stderr, "(no log)\n");
    }
    return rc;
}

/* fsck.fat's "used/total clusters" summary. */
static void fsck_counts(struct image *im, uint32_t *used, uint32_t *total)
{
    char cmd[700], out[4096];
    snprintf(cmd, sizeof cmd, "fsck.fat -n '%s' 2>&1 | tail -n 1", im->path);
    size_t n = run_capture(cmd, out, sizeof out - 1);
    out[n] = '\0';
    const char *p = strstr(out, " files, ");
    *used = *total = 0;
    if (!p || sscanf(p, " files, %u/%u clusters", used, total) != 2)
        fprintf(stderr, "cannot parse fsck summary: %s\n", out);
}

/* mcopy of one file to a buffer; returns its length. */
static size_t mtools_read(struct image *im, const char *path, void *buf, size_t cap)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "mcopy -n -i '%s' '::%s' - 2>/dev/null", im->path, path);
    return run_capture(cmd, buf, cap);
}

/* mdir output (bare with bare=true: one name per line, directories end in '/'). */
static size_t mtools_dir(struct image *im, const char *path, bool bare, char *buf,
                         size_t cap)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "mdir %s -i '%s' '::%s' 2>/dev/null", bare ? "-b" : "",
             im->path, path);
    size_t n = run_capture(cmd, buf, cap - 1);
    buf[n] = '\0';
    return n;
}

/* ---- expected contents ------------------------------------------------ */

/* The fixture's line i: "%07d:" then 40 letters from 'a' + i % 26. */
static void gen_lines(uint32_t n, uint8_t *out)
{
    static const char abc[] =
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz";
    for (uint32_t i = 1; i <= n; i++, out += LINE_LEN) {
        char head[16];
        snprintf(head, sizeof head, "%07u:", i);
        memcpy(out, head, 8);
        memcpy(out + 8, abc + i % 26, 40);
        out[48] = '\n';
    }
}

/* POSIX cksum (CRC-32, polynomial 0x04C11DB7, length appended). */
static uint32_t crc_byte(uint32_t crc, uint8_t b)
{
    crc ^= (uint32_t)b << 24;
    for (int k = 0; k < 8; k++)
        crc = crc & 0x80000000u ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
    return crc;
}

static uint32_t posix_cksum(const uint8_t *p, size_t n)
{
    uint32_t crc = 0;
    for (size_t i = 0; i < n; i++)
        crc = crc_byte(crc, p[i]);
    for (size_t len = n; len > 0; len >>= 8)
        crc = crc_byte(crc, (uint8_t)len);
    return ~crc;
}

static void fill_random(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)check_rand();
}

/* strstr that shows the text it searched when the needle is missing. */
static bool contains(const char *text, const char *needle)
{
    if (strstr(text, needle))
        return true;
    fprintf(stderr, "not found: \"%s\" in:\n%s\n", needle, text);
    return false;
}

/* ---- library helpers -------------------------------------------------- */

static void mount_ok(struct image *im)
{
    err_t e = fat_mount(&fs, &im->dev);
    CHECK_EQ_U64(e, E_OK);
    if (e != E_OK) {
        fprintf(stderr, "cannot mount %s: %s\n", im->path, err_name(e));
        exit(1);
    }
}

static void check_clean(const char *when)
{
    const char *why = "";
    err_t e = fat_check(&fs, &why);
    CHECK_EQ_U64(e, E_OK);
    if (e != E_OK)
        fprintf(stderr, "fat_check %s: %s (%s)\n", when, err_name(e), why);
}

/* Reads a whole file through the library in odd-sized pieces. */
static err_t lib_read_all(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
    struct fat_node n;
    err_t e = fat_lookup(&fs, path, &n);
    if (e != E_OK)
        return e;
    *len = 0;
    for (;;) {
        uint32_t got, want = 1000;
        if (*len + want > cap)
            want = (uint32_t)(cap - *len);
        e = fat_read(&fs, &n, *len, buf + *len, want, &got);
        if (e != E_OK)
            return e;
        *len += got;
        if (got == 0 || *len == cap)
            return E_OK;
    }
}

static bool lib_content_is(const char *path, const void *want, size_t len)
{
    static uint8_t buf[1 << 22];
    size_t got;
    err_t e = lib_read_all(path, buf, sizeof buf, &got);
    if (e != E_OK || got != len || memcmp(buf, want, len) != 0) {
        fprintf(stderr, "library read of %s: %s, %zu bytes (want %zu)\n", path,
                err_name(e), got, len);
        return false;
    }
    return true;
}

static bool mtools_content_is(struct image *im, const char *path, const void *want,
                              size_t len)
{
    static uint8_t buf[1 << 22];
    size_t got = mtools_read(im, path, buf, sizeof buf);
    if (got != len || memcmp(buf, want, len) != 0) {
        fprintf(stderr, "mcopy of %s: %zu bytes (want %zu) or different\n", path, got,
                len);
        return false;
    }
    return true;
}

#define MAX_LIST 400

struct listing {
    int n;
    char name[MAX_LIST][FAT_NAME_MAX + 1];
    bool is_dir[MAX_LIST];
    uint32_t size[MAX_LIST];
};

/* The directory through fat_readdir; the error that ended it is returned
 * (E_NOENT is the normal end). */
static err_t lib_list(const char *path, struct listing *l)
{
    struct fat_node d;
    l->n = 0;
    err_t e = fat_lookup(&fs, path, &d);
    if (e != E_OK)
        return e;
    uint32_t cookie = 0;
    struct fat_dirent de;
    while ((e = fat_readdir(&fs, &d, &cookie, &de)) == E_OK) {
        if (l->n == MAX_LIST)
            return E_RANGE; /* more than any test directory holds */
        strcpy(l->name[l->n], de.name);
        l->is_dir[l->n] = de.is_dir;
        l->size[l->n] = de.size;
        l->n++;
    }
    return e;
}

static int find_in(const struct listing *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->name[i], name) == 0)
            return i;
    return -1;
}

/* fat_readdir and "mdir -b" list the same names in the same order. */
static bool listing_matches_mtools(struct image *im, const char *path)
{
    static struct listing l;
    static char out[1 << 16];
    if (lib_list(path, &l) != E_NOENT)
        return false;
    mtools_dir(im, path, true, out, sizeof out);
    char prefix[FAT_PATH_MAX + 8];
    snprintf(prefix, sizeof prefix, "::%s%s", path, strcmp(path, "/") == 0 ? "" : "/");
    int i = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), i++) {
        if (strncmp(line, prefix, strlen(prefix)) != 0 || i >= l.n) {
            fprintf(stderr, "mdir line %d: %s\n", i, line);
            return false;
        }
        char *name = line + strlen(prefix);
        size_t nl = strlen(name);
        bool dir = nl > 0 && name[nl - 1] == '/';
        if (dir)
            name[nl - 1] = '\0';
        if (strcmp(name, l.name[i]) != 0 || dir != l.is_dir[i]) {
            fprintf(stderr, "entry %d: mdir says %s, fat_readdir %s\n", i, name,
                    l.name[i]);
            return false;
        }
    }
    if (i != l.n)
        fprintf(stderr, "%s: mdir lists %d names, fat_readdir %d\n", path, i, l.n);
    return i == l.n;
}

/* Syncs, then fsck.fat -n must pass. */
static void sync_and_fsck(struct image *im, const char *when)
{
    check_clean(when);
    CHECK_EQ_U64(fat_sync(&fs), E_OK);
    int rc = fsck(im);
    CHECK_EQ_U64(rc, 0);
    if (rc != 0)
        fprintf(stderr, "  (after %s)\n", when);
    /* FSInfo on disk says what fsck.fat counts. */
    uint32_t used, total;
    fsck_counts(im, &used, &total);
    CHECK_EQ_U64(peek32(im, (uint64_t)fs.fsinfo_sector * SECTOR + 488), total - used);
    CHECK_EQ_U64(fs.free_count, total - used);
}

static uint32_t clusters_of(uint64_t bytes)
{
    return (uint32_t)((bytes + fs.cluster_bytes - 1) / fs.cluster_bytes);
}

/* Number of clusters in node n's chain, via fat_file_sector. */
static uint32_t chain_length(const struct fat_node *n)
{
    uint32_t k = 0;
    uint64_t s;
    while (k < 100000 &&
           fat_file_sector(&fs, n, (uint64_t)k * fs.cluster_bytes, &s) == E_OK)
        k++;
    return k;
}

/* ---- 1. reading what mkfs.fat and mtools wrote ----------------------------- */

static const char *root_names[] = {
    NULL, /* the 200-L name, filled in */
    "big.bin",
    "HELLO.TXT",
    "readme.txt",
    "A very long file name.txt",
    "MixedCase.Txt",
    "archive.tar.gz",
    "a+b,c;d=e[f].txt",
    "empty.dat",
    "Level 1 directory",
    "many",
};

static char long_l_name[256];

static void test_read_main(void)
{
    struct image im;
    open_copy(&im, "main.img", "read.img");
    mount_ok(&im);
    uint32_t used, total;
    fsck_counts(&im, &used, &total);
    CHECK_EQ_U64(fs.bytes_per_sector, 512);
    CHECK_EQ_U64(fs.cluster_bytes, 512);
    CHECK_EQ_U64(fs.nclusters, total);
    CHECK_EQ_U64(fs.free_count, total - used);
    CHECK_EQ_U64(fs.root_cluster, 2);
    check_clean("fresh main.img");

    /* The big file: exact bytes and the cksum recorded by the script. */
    static uint8_t want[BIG_SIZE], got[BIG_SIZE];
    gen_lines(BIG_LINES, want);
    struct fat_node big;
    CHECK_EQ_U64(fat_lookup(&fs, "/big.bin", &big), E_OK);
    CHECK_EQ_U64(big.size, BIG_SIZE);
    CHECK(!big.is_dir);
    size_t len = 0;
    CHECK_EQ_U64(lib_read_all("/big.bin", got, sizeof got, &len), E_OK);
    CHECK_EQ_U64(len, BIG_SIZE);
    CHECK(memcmp(got, want, BIG_SIZE) == 0);
    char path[600];
    snprintf(path, sizeof path, "%s/big.cksum", fixdir);
    FILE *f = fopen(path, "r");
    unsigned long crc = 0, clen = 0;
    CHECK(f && fscanf(f, "%lu %lu", &crc, &clen) == 2);
    if (f)
        fclose(f);
    CHECK_EQ_U64(clen, BIG_SIZE);
    CHECK_EQ_U64(posix_cksum(got, len), crc);
    /* Random pieces, each checked against the expected bytes. */
    for (int i = 0; i < 300; i++) {
        uint64_t off = check_rand() % (BIG_SIZE + 100);
        uint32_t n = (uint32_t)(check_rand() % 5000), g = 12345;
        static uint8_t piece[5000];
        CHECK_EQ_U64(fat_read(&fs, &big, off, piece, n, &g), E_OK);
        uint64_t expect = off >= BIG_SIZE ? 0 : BIG_SIZE - off < n ? BIG_SIZE - off : n;
        CHECK_EQ_U64(g, expect);
        if (g > 0)
            CHECK(memcmp(piece, want + off, g) == 0);
    }
    /* fat_file_sector maps offsets to the sectors holding them. */
    uint8_t sec[SECTOR];
    for (uint64_t off = 0; off < BIG_SIZE; off += 777777) {
        uint64_t s = 0;
        CHECK_EQ_U64(fat_file_sector(&fs, &big, off, &s), E_OK);
        peek(&im, s * SECTOR, sec, SECTOR);
        CHECK(memcmp(sec, want + off / SECTOR * SECTOR, SECTOR) == 0);
    }
    uint64_t s;
    CHECK_EQ_U64(fat_file_sector(&fs, &big, BIG_SIZE, &s), E_RANGE);
    CHECK_EQ_U64(chain_length(&big), BIG_SIZE / 512);

    /* Every name of the root, in directory order; the label is skipped. */
    memset(long_l_name, 'L', 200);
    strcpy(long_l_name + 200, ".txt");
    root_names[0] = long_l_name;
    static struct listing l;
    CHECK_EQ_U64(lib_list("/", &l), E_NOENT);
    CHECK_EQ_U64(l.n, 11);
    for (int i = 0; i < 11 && i < l.n; i++)
        CHECK(strcmp(l.name[i], root_names[i]) == 0);
    CHECK(l.is_dir[9] && l.is_dir[10] && !l.is_dir[1]);
    CHECK_EQ_U64(l.size[1], BIG_SIZE);
    CHECK_EQ_U64(l.size[8], 0);
    CHECK(listing_matches_mtools(&im, "/"));

    static const struct {
        const char *path, *text;
    } small[] = {
        {"/HELLO.TXT", "hello, fat\n"},
        {"/readme.txt", "lower case short name\n"},
        {"/A very long file name.txt", "long name with spaces\n"},
        {"/MixedCase.Txt", "mixed case\n"},
        {"/archive.tar.gz", "several dots\n"},
        {"/a+b,c;d=e[f].txt", "odd characters\n"},
        {"/empty.dat", ""},
        /* aliases and other cases find the same files */
        {"/AVERYL~1.TXT", "long name with spaces\n"},
        {"/averyl~1.txt", "long name with spaces\n"},
        {"/A_B_C_~1.TXT", "odd characters\n"},
        {"/MIXEDC~1.TXT", "mixed case\n"},
        {"/ARCHIV~1.GZ", "several dots\n"},
        {"/README.TXT", "lower case short name\n"},
        {"/hello.txt", "hello, fat\n"},
        {"/a VERY long FILE name.TXT", "long name with spaces\n"},
        {"/LLLLLL~1.TXT", "two hundred and four\n"},
    };
    for (size_t i = 0; i < sizeof small / sizeof small[0]; i++)
        CHECK(lib_content_is(small[i].path, small[i].text, strlen(small[i].text)));
    snprintf(path, sizeof path, "/%s", long_l_name);
    CHECK(lib_content_is(path, "two hundred and four\n", 21));
    struct fat_node a, b;
    CHECK_EQ_U64(fat_lookup(&fs, "/A very long file name.txt", &a), E_OK);
    CHECK_EQ_U64(fat_lookup(&fs, "/AVERYL~1.TXT", &b), E_OK);
    CHECK_EQ_U64(a.first_cluster, b.first_cluster);
    CHECK_EQ_U64(a.dirent_index, b.dirent_index);
    CHECK_EQ_U64(a.dir_cluster, fs.root_cluster);
    CHECK_EQ_U64(fat_lookup(&fs, "/BIG.BIN", &b), E_OK);
    CHECK_EQ_U64(b.first_cluster, big.first_cluster);

    /* Eight levels down, by long names in any case. */
    char deep[FAT_PATH_MAX] = "";
    for (int i = 1; i <= LEVELS; i++) {
        size_t n = strlen(deep);
        snprintf(deep + n, sizeof deep - n, "/Level %d directory", i);
        struct fat_node d;
        CHECK_EQ_U64(fat_lookup(&fs, deep, &d), E_OK);
        CHECK(d.is_dir);
        CHECK_EQ_U64(lib_list(deep, &l), E_NOENT);
        CHECK_EQ_U64(l.n, 1);
    }
    CHECK(strcmp(l.name[0], "leaf.txt") == 0);
    strcat(deep, "/leaf.txt");
    CHECK(lib_content_is(deep, "at the bottom\n", 14));
    CHECK(
        lib_content_is("/LEVEL 1 DIRECTORY/level 2 directory/LEVEL3~1/Level 4 directory/"
                       "level 5 directory/Level 6 Directory/Level 7 directory/"
                       "Level 8 directory/LEAF.TXT",
                       "at the bottom\n", 14));
    CHECK(listing_matches_mtools(&im, "/Level 1 directory/Level 2 directory"));

    /* 250 long names spread over many directory clusters. */
    CHECK_EQ_U64(lib_list("/many", &l), E_NOENT);
    CHECK_EQ_U64(l.n, MANY);
    bool seen[MANY + 1] = {false};
    int unique = 0;
    for (int i = 0; i < l.n; i++) {
        int k = 0;
        char tail[8] = "";
        if (sscanf(l.name[i], "file number %3d%7s", &k, tail) == 2 && k >= 1 &&
            k <= MANY && strcmp(tail, ".txt") == 0 && !seen[k]) {
            seen[k] = true;
            unique++;
        }
        CHECK_EQ_U64(l.size[i], 9);
    }
    CHECK_EQ_U64(unique, MANY);
    for (int k = 1; k <= MANY; k++) {
        char text[32];
        snprintf(path, sizeof path, "/many/file number %03d.txt", k);
        snprintf(text, sizeof text, "file %03d\n", k);
        CHECK(lib_content_is(path, text, 9));
    }
    struct fat_node many;
    CHECK_EQ_U64(fat_lookup(&fs, "/many", &many), E_OK);
    CHECK(chain_length(&many) > 40); /* 752 entries of 32 bytes */
    CHECK(listing_matches_mtools(&im, "/many"));

    /* Errors. */
    struct fat_node n;
    CHECK_EQ_U64(fat_lookup(&fs, "/nothere", &n), E_NOENT);
    CHECK_EQ_U64(fat_lookup(&fs, "/big.bin/x", &n), E_NOENT);
    CHECK_EQ_U64(fat_lookup(&fs, "/Level 1 directory/nothere", &n), E_NOENT);
    CHECK_EQ_U64(fat_lookup(&fs, "/AVERYL~2.TXT", &n), E_NOENT);
    static const char *bad[] = {"",         "big.bin",    "//big.bin",        "/big.bin/",
                                "/many//x", "/./big.bin", "/many/../big.bin", "/.",
                                "/.."};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_U64(fat_lookup(&fs, bad[i], &n), E_INVAL);
    char huge[FAT_PATH_MAX + 10];
    huge[0] = '/';
    memset(huge + 1, 'x', 256);
    huge[257] = '\0';
    CHECK_EQ_U64(fat_lookup(&fs, huge, &n), E_INVAL); /* component of 256 */
    huge[256] = '\0';
    CHECK_EQ_U64(fat_lookup(&fs, huge, &n), E_NOENT); /* 255 is fine */
    for (int i = 0; i < FAT_PATH_MAX; i += 2) {
        huge[i] = '/';
        huge[i + 1] = 'd';
    }
    huge[FAT_PATH_MAX] = '\0';
    CHECK_EQ_U64(fat_lookup(&fs, huge, &n), E_INVAL); /* 1024 bytes */
    huge[FAT_PATH_MAX - 2] = '\0';
    CHECK_EQ_U64(fat_lookup(&fs, huge, &n), E_NOENT); /* 1022 bytes */
    CHECK_EQ_U64(fat_lookup(&fs, "/", &n), E_OK);
    CHECK(n.is_dir);
    CHECK_EQ_U64(n.first_cluster, fs.root_cluster);
    CHECK_EQ_U64(n.dirent_index, UINT32_MAX);
    uint32_t g = 7;
    uint8_t tiny[4];
    CHECK_EQ_U64(fat_read(&fs, &n, 0, tiny, 4, &g), E_INVAL);
    uint32_t cookie = 0;
    struct fat_dirent de;
    CHECK_EQ_U64(fat_readdir(&fs, &big, &cookie, &de), E_INVAL);
    struct fat_stat st;
    fat_stat(&big, &st);
    CHECK_EQ_U64(st.size, BIG_SIZE);
    CHECK_EQ_U64(st.first_cluster, big.first_cluster);
    CHECK(!st.is_dir);
    CHECK_EQ_U64(st.mdate, big.mdate);
    CHECK(big.mdate != 0);
    close_image(&im);
}

static void test_read_4k(void)
{
    struct image im;
    open_copy(&im, "clus4k.img", "read4k.img");
    mount_ok(&im);
    uint32_t used, total;
    fsck_counts(&im, &used, &total);
    CHECK_EQ_U64(fs.cluster_bytes, 4096);
    CHECK_EQ_U64(fs.sectors_per_cluster, 8);
    CHECK_EQ_U64(fs.nclusters, total);
    CHECK_EQ_U64(fs.free_count, total - used);
    check_clean("fresh clus4k.img");
    static uint8_t want[5000 * LINE_LEN];
    gen_lines(5000, want);
    CHECK(lib_content_is("/data.bin", want, sizeof want));
    CHECK(lib_content_is("/DOCS/notes about things.txt", "inside docs\n", 12));
    struct fat_node n;
    CHECK_EQ_U64(fat_lookup(&fs, "/data.bin", &n), E_OK);
    CHECK_EQ_U64(chain_length(&n), 60);
    uint64_t s;
    CHECK_EQ_U64(fat_file_sector(&fs, &n, 4096 * 3 + 1000, &s), E_OK);
    uint8_t sec[SECTOR];
    peek(&im, s * SECTOR, sec, SECTOR);
    CHECK(memcmp(sec, want + 4096 * 3 + 512, SECTOR) == 0);
    close_image(&im);
}

/* ---- 2. writing ------------------------------------------------------------ */

#define MAX_MODEL 16

/* What the test wrote, to compare with the library and with mtools. */
struct model {
    char path[300];
    uint8_t *data;
    uint32_t len;
};
static struct model files[MAX_MODEL];
static int nfiles;

static struct model *model_add(const char *path)
{
    struct model *m = &files[nfiles++];
    snprintf(m->path, sizeof m->path, "%s", path);
    m->data = calloc(1, 1 << 20);
    m->len = 0;
    return m;
}

/* Writes through the library and into the model. */
static void model_write(struct model *m, struct fat_node *n, uint32_t off,
                        const uint8_t *src, uint32_t len)
{
    uint32_t put = 0;
    CHECK_EQ_U64(fat_write(&fs, n, off, src, len, &put), E_OK);
    CHECK_EQ_U64(put, len);
    memcpy(m->data + off, src, len);
    if (off + len > m->len)
        m->len = off + len;
    CHECK_EQ_U64(n->size, m->len);
}

/* Truncates through the library and in the model (bytes past the end are
 * zeros in the model, as a later grow must show them). */
static void model_truncate(struct model *m, struct fat_node *n, uint32_t size)
{
    CHECK_EQ_U64(fat_truncate(&fs, n, size), E_OK);
    CHECK_EQ_U64(n->size, size);
    if (size < m->len)
        memset(m->data + size, 0, m->len - size);
    m->len = size;
}

static void model_verify(struct image *im, const char *when)
{
    for (int i = 0; i < nfiles; i++) {
        if (!files[i].path[0])
            continue;
        bool lib = lib_content_is(files[i].path, files[i].data, files[i].len);
        bool mt = mtools_content_is(im, files[i].path, files[i].data, files[i].len);
        CHECK(lib);
        CHECK(mt);
        if (!lib || !mt)
            fprintf(stderr, "  (%s, after %s)\n", files[i].path, when);
    }
}

static void model_free(void)
{
    for (int i = 0; i < nfiles; i++)
        free(files[i].data);
    nfiles = 0;
}

/* The cluster number of the ".." entry of directory dir (from the disk). */
static uint32_t dotdot_of(struct image *im, const struct fat_node *dir)
{
    uint8_t e[32];
    peek(im, cluster_off(dir->first_cluster) + 32, e, 32);
    CHECK(memcmp(e, "..         ", 11) == 0);
    return ((uint32_t)(e[20] | e[21] << 8) << 16) | (uint32_t)(e[26] | e[27] << 8);
}

static void test_write_main(void)
{
    struct image im;
    open_copy(&im, "main.img", "write.img");
    mount_ok(&im);
    fat_set_time(&fs, T_2024);
    uint32_t free0 = fs.free_count;

    /* -- group 1: files, writes across cluster boundaries, truncate, mkdir -- */
    struct fat_node n, m2;
    CHECK_EQ_U64(fat_create(&fs, "/NEW.TXT", false, &n), E_OK);
    CHECK_EQ_U64(n.size, 0);
    CHECK_EQ_U64(n.first_cluster, 0);
    CHECK(!n.is_dir);
    CHECK_EQ_U64(n.mdate, D_2024);
    CHECK_EQ_U64(n.mtime, M_2024);
    CHECK_EQ_U64(fs.free_count, free0);
    CHECK_EQ_U64(fat_create(&fs, "/NEW.TXT", false, &m2), E_EXIST);
    CHECK_EQ_U64(fat_create(&fs, "/new.txt", true, &m2), E_EXIST);
    CHECK_EQ_U64(fat_create(&fs, "/BIG.BIN", false, &m2), E_EXIST);
    CHECK_EQ_U64(fat_create(&fs, "/averyl~1.txt", false, &m2), E_EXIST);
    static const char *bad[] = {"/a*b", "/a:b",  "/a<b",       "/a>b",    "/a|b", "/a\"b",
                                "/a?b", "/a\\b", "/tab\there", "/x.",     "/x ",  "/",
                                "/.",   "/..",   "relative",   "/new\x7f"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_U64(fat_create(&fs, bad[i], false, &m2), E_INVAL);
    CHECK_EQ_U64(fat_create(&fs, "/nodir/x", false, &m2), E_NOENT);
    CHECK_EQ_U64(fat_create(&fs, "/big.bin/x", false, &m2), E_NOENT);

    struct model *mn = model_add("/NEW.TXT");
    static uint8_t rnd[200000];
    fill_random(rnd, sizeof rnd);
    for (uint32_t off = 0; off < 5000; off += 777)
        model_write(mn, &n, off, rnd + off, off + 777 > 5000 ? 5000 - off : 777);
    CHECK_EQ_U64(fs.free_count, free0 - clusters_of(5000));
    model_write(mn, &n, 5000, rnd + 10000, 3000); /* append */
    model_write(mn, &n, 300, rnd + 20000, 1000);  /* overwrite across clusters */
    CHECK_EQ_U64(fs.free_count, free0 - clusters_of(8000));
    model_write(mn, &n, 20000, rnd + 30000, 100); /* a hole of zeros before it */
    CHECK_EQ_U64(n.size, 20100);
    CHECK_EQ_U64(chain_length(&n), clusters_of(20100));
    CHECK_EQ_U64(fs.free_count, free0 - clusters_of(20100));
    CHECK(lib_content_is("/NEW.TXT", mn->data, mn->len));
    /* Shrink, then grow: the old bytes past 1234 must come back as zeros. */
    model_truncate(mn, &n, 1234);
    CHECK_EQ_U64(fs.free_count, free0 - clusters_of(1234));
    model_truncate(mn, &n, 4000);
    model_write(mn, &n, 3995, rnd + 40000, 10);
    CHECK_EQ_U64(chain_length(&n), clusters_of(4005));
    struct fat_node again;
    CHECK_EQ_U64(fat_lookup(&fs, "/new.txt", &again), E_OK);
    CHECK_EQ_U64(again.size, 4005);
    CHECK_EQ_U64(again.first_cluster, n.first_cluster);
    CHECK_EQ_U64(again.mdate, D_2024);
    CHECK_EQ_U64(again.mtime, M_2024);
    uint32_t put = 1;
    CHECK_EQ_U64(fat_write(&fs, &n, 0xFFFFFFF0ull, rnd, 100, &put), E_RANGE);
    CHECK_EQ_U64(put, 0);
    CHECK_EQ_U64(fat_write(&fs, &n, 10, rnd, 0, &put), E_OK);
    CHECK_EQ_U64(put, 0);

    struct fat_node ln;
    CHECK_EQ_U64(fat_create(&fs, "/A new long file name.data", false, &ln), E_OK);
    struct model *ml = model_add("/A new long file name.data");
    model_write(ml, &ln, 0, rnd + 50000, 70000);
    CHECK_EQ_U64(fat_create(&fs, "/lower.txt", false, &ln), E_OK);
    struct model *mlow = model_add("/lower.txt");
    model_write(mlow, &ln, 0, (const uint8_t *)"lower\n", 6);
    /* The longest name FAT allows: 255 characters, 20 LFN entries. */
    char name255[300] = "/";
    for (int i = 0; i < 255; i++)
        name255[1 + i] = (char)('a' + i % 26);
    name255[256] = '\0';
    name255[251] = '.';
    CHECK_EQ_U64(fat_create(&fs, name255, false, &ln), E_OK);
    struct model *m255 = model_add(name255);
    model_write(m255, &ln, 0, (const uint8_t *)"max\n", 4);
    char name256[310];
    snprintf(name256, sizeof name256, "%sx", name255);
    CHECK_EQ_U64(fat_create(&fs, name256, false, &ln), E_INVAL);

    struct fat_node d1, d2, d3;
    CHECK_EQ_U64(fat_create(&fs, "/d1", true, &d1), E_OK);
    CHECK(d1.is_dir);
    CHECK(d1.first_cluster != 0);
    CHECK_EQ_U64(fat_create(&fs, "/d1/Second level dir", true, &d2), E_OK);
    CHECK_EQ_U64(fat_create(&fs, "/d1/Second level dir/d3", true, &d3), E_OK);
    CHECK_EQ_U64(dotdot_of(&im, &d1), 0);
    CHECK_EQ_U64(dotdot_of(&im, &d2), d1.first_cluster);
    CHECK_EQ_U64(dotdot_of(&im, &d3), d2.first_cluster);
    static struct listing l;
    CHECK_EQ_U64(lib_list("/d1/Second level dir/d3", &l), E_NOENT);
    CHECK_EQ_U64(l.n, 0);
    CHECK_EQ_U64(fat_create(&fs, "/d1/Second level dir/d3/deep file.txt", false, &ln),
                 E_OK);
    struct model *md = model_add("/d1/Second level dir/d3/deep file.txt");
    model_write(md, &ln, 0, (const uint8_t *)"deep\n", 5);
    CHECK_EQ_U64(fat_create(&fs, "/d1/Second level dir", true, &ln), E_EXIST);
    CHECK_EQ_U64(lib_list("/", &l), E_NOENT);
    CHECK_EQ_U64(l.n, 11 + 5);
    CHECK_EQ_U64(find_in(&l, "NEW.TXT"), 11);
    CHECK_EQ_U64(find_in(&l, "d1"), 15);

    sync_and_fsck(&im, "group 1");
    model_verify(&im, "group 1");
    CHECK(listing_matches_mtools(&im, "/"));
    CHECK(listing_matches_mtools(&im, "/d1/Second level dir/d3"));
    static char out[1 << 16];
    mtools_dir(&im, "/", false, out, sizeof out);
    CHECK(contains(out, "NEW      TXT      4005 2024-05-17  13:45"));
    CHECK(contains(
        out, "ANEWLO~1 DAT     70000 2024-05-17  13:45  A new long file name.data"));
    CHECK(contains(out, "LOWER    TXT         6"));
    CHECK(contains(out, "ABCDEF~1"));

    /* Everything survives an unmount and a fresh mount. */
    uint32_t free1 = fs.free_count;
    mount_ok(&im);
    fat_set_time(&fs, T_2024); /* a mount starts the clock at 1980 again */
    CHECK_EQ_U64(fs.free_count, free1);
    model_verify(&im, "remount");

    /* -- group 2: rename, unlink, rmdir -- */
    CHECK_EQ_U64(fat_rename(&fs, "/NEW.TXT", "/renamed file.txt"), E_OK);
    snprintf(mn->path, sizeof mn->path, "/renamed file.txt");
    CHECK_EQ_U64(fat_lookup(&fs, "/NEW.TXT", &ln), E_NOENT);
    CHECK_EQ_U64(fat_rename(&fs, "/A new long file name.data", "/d1/moved.data"), E_OK);
    snprintf(ml->path, sizeof ml->path, "/d1/moved.data");
    CHECK_EQ_U64(fat_rename(&fs, "/d1/Second level dir", "/moved dir"), E_OK);
    snprintf(md->path, sizeof md->path, "/moved dir/d3/deep file.txt");
    struct fat_node mv;
    CHECK_EQ_U64(fat_lookup(&fs, "/moved dir", &mv), E_OK);
    CHECK_EQ_U64(mv.first_cluster, d2.first_cluster);
    CHECK_EQ_U64(dotdot_of(&im, &mv), 0);
    CHECK_EQ_U64(fat_lookup(&fs, "/d1/Second level dir", &ln), E_NOENT);
    /* And back down a level, into d1: ".." follows. */
    CHECK_EQ_U64(fat_rename(&fs, "/moved dir/d3", "/d1/d3 moved"), E_OK);
    snprintf(md->path, sizeof md->path, "/d1/d3 moved/deep file.txt");
    CHECK_EQ_U64(dotdot_of(&im, &d3), d1.first_cluster);
    CHECK_EQ_U64(fat_rename(&fs, "/d1/d3 moved", "/moved dir/d3"), E_OK);
    snprintf(md->path, sizeof md->path, "/moved dir/d3/deep file.txt");
    CHECK_EQ_U64(dotdot_of(&im, &d3), d2.first_cluster);
    /* Errors. */
    CHECK_EQ_U64(fat_rename(&fs, "/moved dir", "/moved dir/d3/inside"), E_INVAL);
    CHECK_EQ_U64(fat_rename(&fs, "/moved dir", "/moved dir/x"), E_INVAL);
    CHECK_EQ_U64(fat_rename(&fs, "/lower.txt", "/HELLO.TXT"), E_EXIST);
    CHECK_EQ_U64(fat_rename(&fs, "/nothere", "/x"), E_NOENT);
    CHECK_EQ_U64(fat_rename(&fs, "/lower.txt", "/nodir/x"), E_NOENT);
    CHECK_EQ_U64(fat_rename(&fs, "/", "/x"), E_INVAL);
    CHECK_EQ_U64(fat_rename(&fs, "/lower.txt", "/bad:name"), E_INVAL);
    /* A change of case only. */
    CHECK_EQ_U64(fat_rename(&fs, "/lower.txt", "/LOWER.txt"), E_OK);
    snprintf(mlow->path, sizeof mlow->path, "/LOWER.txt");
    CHECK_EQ_U64(lib_list("/", &l), E_NOENT);
    CHECK(find_in(&l, "LOWER.txt") >= 0);
    CHECK(find_in(&l, "lower.txt") < 0);

    /* unlink gives back exactly the file's clusters. */
    uint32_t before = fs.free_count;
    CHECK_EQ_U64(fat_unlink(&fs, "/big.bin"), E_OK);
    CHECK_EQ_U64(fs.free_count, before + BIG_SIZE / 512);
    CHECK_EQ_U64(fat_lookup(&fs, "/big.bin", &ln), E_NOENT);
    CHECK_EQ_U64(fat_unlink(&fs, "/big.bin"), E_NOENT);
    CHECK_EQ_U64(fat_unlink(&fs, "/d1"), E_INVAL);
    CHECK_EQ_U64(fat_unlink(&fs, "/"), E_INVAL);
    CHECK_EQ_U64(fat_unlink(&fs, name255), E_OK);
    m255->path[0] = '\0';
    CHECK_EQ_U64(fat_unlink(&fs, "/empty.dat"), E_OK);
    CHECK_EQ_U64(fat_rmdir(&fs, "/moved dir"), E_BUSY);
    CHECK_EQ_U64(fat_rmdir(&fs, "/LOWER.txt"), E_INVAL);
    CHECK_EQ_U64(fat_rmdir(&fs, "/"), E_INVAL);
    CHECK_EQ_U64(fat_rmdir(&fs, "/nothere"), E_NOENT);
    CHECK_EQ_U64(fat_unlink(&fs, "/moved dir/d3/deep file.txt"), E_OK);
    md->path[0] = '\0';
    before = fs.free_count;
    CHECK_EQ_U64(fat_rmdir(&fs, "/moved dir/d3"), E_OK);
    CHECK_EQ_U64(fs.free_count, before + 1);
    CHECK_EQ_U64(fat_rmdir(&fs, "/moved dir"), E_OK);
    CHECK_EQ_U64(fat_lookup(&fs, "/moved dir", &ln), E_NOENT);
    /* The 8-level tree moves as a whole. */
    CHECK_EQ_U64(fat_rename(&fs, "/Level 1 directory/Level 2 directory", "/d1/L2"), E_OK);
    CHECK(lib_content_is("/d1/L2/Level 3 directory/Level 4 directory/Level 5 directory/"
                         "Level 6 directory/Level 7 directory/Level 8 directory/leaf.txt",
                         "at the bottom\n", 14));
    sync_and_fsck(&im, "group 2");
    model_verify(&im, "group 2");
    CHECK(listing_matches_mtools(&im, "/"));
    CHECK(listing_matches_mtools(&im, "/d1"));
    mtools_dir(&im, "/", true, out, sizeof out);
    CHECK(strstr(out, "big.bin") == NULL);
    CHECK(contains(out, "::/renamed file.txt\n"));
    CHECK(contains(out, "::/LOWER.txt\n"));

    /* -- group 3: a directory grows cluster by cluster; aliases stay unique -- */
    struct fat_node grow;
    CHECK_EQ_U64(fat_create(&fs, "/grow", true, &grow), E_OK);
    CHECK_EQ_U64(chain_length(&grow), 1);
    char p[300];
    for (int i = 1; i <= 60; i++) {
        snprintf(p, sizeof p, "/grow/Long Name Number %02d.txt", i);
        CHECK_EQ_U64(fat_create(&fs, p, false, &ln), E_OK);
    }
    /* 2 + 60 * 3 entries = 182 slots of 16 per cluster. */
    CHECK_EQ_U64(chain_length(&grow), 12);
    CHECK_EQ_U64(lib_list("/grow", &l), E_NOENT);
    CHECK_EQ_U64(l.n, 60);
    for (int i = 1; i <= 60; i += 2) {
        snprintf(p, sizeof p, "/grow/Long Name Number %02d.txt", i);
        CHECK_EQ_U64(fat_unlink(&fs, p), E_OK);
    }
    for (int i = 1; i <= 30; i++) {
        snprintf(p, sizeof p, "/grow/Other %02d.txt", i);
        CHECK_EQ_U64(fat_create(&fs, p, false, &ln), E_OK);
    }
    CHECK_EQ_U64(chain_length(&grow), 12); /* the freed slots were reused */
    CHECK_EQ_U64(lib_list("/grow", &l), E_NOENT);
    CHECK_EQ_U64(l.n, 60);
    CHECK(strcmp(l.name[0], "Other 01.txt") == 0);
    CHECK(strcmp(l.name[1], "Long Name Number 02.txt") == 0);
    CHECK_EQ_U64(fat_lookup(&fs, "/grow/LONGN~10.TXT", &ln), E_OK);
    /* Each basis has its own tails: "Other 10" is OTHER1~1 while the
     * OTHER0~N are taken; "Other 19" finds OTHER1~1..9 taken and gets
     * OTHER~10, so "Other 29" gets OTHER~11. */
    CHECK_EQ_U64(fat_lookup(&fs, "/grow/OTHER0~9.TXT", &ln), E_OK);
    CHECK_EQ_U64(fat_lookup(&fs, "/grow/OTHER~10.TXT", &ln), E_OK);
    CHECK_EQ_U64(fat_lookup(&fs, "/grow/OTHER~12.TXT", &ln), E_NOENT);
    sync_and_fsck(&im, "group 3");
    CHECK(listing_matches_mtools(&im, "/grow"));
    mtools_dir(&im, "/grow", false, out, sizeof out);
    CHECK(contains(out,
                   "LONGNA~2 TXT         0 2024-05-17  13:45  Long Name Number 02.txt"));
    CHECK(contains(out,
                   "LONGN~60 TXT         0 2024-05-17  13:45  Long Name Number 60.txt"));
    CHECK(contains(out, "OTHER0~1 TXT         0 2024-05-17  13:45  Other 01.txt"));
    CHECK(contains(out, "OTHER1~1 TXT         0 2024-05-17  13:45  Other 10.txt"));
    CHECK(contains(out, "OTHER~10 TXT         0 2024-05-17  13:45  Other 19.txt"));
    CHECK(contains(out, "OTHER~11 TXT         0 2024-05-17  13:45  Other 29.txt"));
    CHECK(contains(out, "OTHER3~1 TXT         0 2024-05-17  13:45  Other 30.txt"));
    model_verify(&im, "group 3");

    /* Alias bases of awkward names (fatgen103 basis-name rules). */
    CHECK_EQ_U64(fat_create(&fs, "/names", true, &ln), E_OK);
    static const char *odd[] = {"/names/.hidden",         "/names/a.b.c",
                                "/names/caf\xc3\xa9.txt", "/names/hello world",
                                "/names/Readme.md",       "/names/x+y=z.c"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++)
        CHECK_EQ_U64(fat_create(&fs, odd[i], false, &ln), E_OK);
    CHECK_EQ_U64(fat_create(&fs, "/names/bad\xc3", false, &ln), E_INVAL); /* cut UTF-8 */
    CHECK_EQ_U64(fat_create(&fs, "/names/\xf0\x9f\x98\x80", false, &ln),
                 E_INVAL); /* not BMP */
    CHECK_EQ_U64(lib_list("/names", &l), E_NOENT);
    CHECK_EQ_U64(l.n, 6);
    for (int i = 0; i < 6 && i < l.n; i++)
        CHECK(strcmp(l.name[i], odd[i] + 7) == 0);
    CHECK_EQ_U64(fat_lookup(&fs, "/names/CAF\xc3\xa9.TXT", &ln), E_OK);
    CHECK_EQ_U64(fat_lookup(&fs, "/names/caf_~1.txt", &ln), E_OK);
    sync_and_fsck(&im, "odd names");
    mtools_dir(&im, "/names", false, out, sizeof out);
    CHECK(contains(out, "HIDDEN~1             0 2024-05-17  13:45  .hidden\n"));
    CHECK(contains(out, "A~1      C           0 2024-05-17  13:45  a.b.c\n"));
    CHECK(contains(out, "CAF_~1   TXT         0 2024-05-17  13:45  caf"));
    CHECK(contains(out, "HELLOW~1             0 2024-05-17  13:45  hello world\n"));
    CHECK(contains(out, "README   MD          0 2024-05-17  13:45  Readme.md\n"));
    CHECK(contains(out, "X_Y_Z~1  C           0 2024-05-17  13:45  x+y=z.c\n"));

    /* Clock edge cases. */
    fat_set_time(&fs, 636335999ull); /* 2000-02-29 23:59:59 */
    CHECK_EQ_U64(fat_create(&fs, "/leap.txt", false, &ln), E_OK);
    CHECK_EQ_U64(ln.mdate, (20u << 9) | (2u << 5) | 29u);
    CHECK_EQ_U64(ln.mtime, (23u << 11) | (59u << 5) | 29u);
    fat_set_time(&fs, 0);
    CHECK_EQ_U64(fat_create(&fs, "/epoch.txt", false, &ln), E_OK);
    CHECK_EQ_U64(ln.mdate, (1u << 5) | 1u);
    CHECK_EQ_U64(ln.mtime, 0);
    fat_set_time(&fs, 1ull << 40);
    CHECK_EQ_U64(fat_create(&fs, "/future.txt", false, &ln), E_OK);
    CHECK_EQ_U64(ln.mdate, (127u << 9) | (12u << 5) | 31u);
    sync_and_fsck(&im, "clock");
    model_free();
    close_image(&im);
}

static void test_write_4k(void)
{
    struct image im;
    open_copy(&im, "clus4k.img", "write4k.img");
    mount_ok(&im);
    uint32_t free0 = fs.free_count;
    struct fat_node n;
    CHECK_EQ_U64(fat_create(&fs, "/Written here.bin", false, &n), E_OK);
    struct model *m = model_add("/Written here.bin");
    static uint8_t rnd[20000];
    fill_random(rnd, sizeof rnd);
    model_write(m, &n, 0, rnd, 10000);
    CHECK_EQ_U64(fs.free_count, free0 - 3);
    model_write(m, &n, 4000, rnd + 10000, 9000); /* across two boundaries, growing */
    CHECK_EQ_U64(n.size, 13000);
    CHECK_EQ_U64(fs.free_count, free0 - 4);
    model_truncate(m, &n, 4096);
    CHECK_EQ_U64(fs.free_count, free0 - 1);
    model_truncate(m, &n, 0);
    CHECK_EQ_U64(n.first_cluster, 0);
    CHECK_EQ_U64(fs.free_count, free0);
    model_write(m, &n, 5000, rnd, 100);
    CHECK_EQ_U64(chain_length(&n), 2);
    CHECK_EQ_U64(fat_rename(&fs, "/docs", "/Documents and more"), E_OK);
    CHECK(lib_content_is("/documents AND more/Notes about things.txt", "inside docs\n",
                         12));
    CHECK_EQ_U64(fat_rename(&fs, "/Documents and more/Notes about things.txt",
                            "/Written later.txt"),
                 E_OK);
    CHECK_EQ_U64(fat_rmdir(&fs, "/Documents and more"), E_OK);
    sync_and_fsck(&im, "4k writes");
    model_verify(&im, "4k writes");
    CHECK(mtools_content_is(&im, "/Written later.txt", "inside docs\n", 12));
    CHECK(listing_matches_mtools(&im, "/"));
    model_free();
    close_image(&im);
}

/* ---- 3. a full volume ------------------------------------------------------ */

static void test_nospace(void)
{
    struct image im;
    open_copy(&im, "small.img", "small.img");
    mount_ok(&im);
    CHECK_EQ_U64(fs.free_count, 40);
    check_clean("fresh small.img");
    static uint8_t keep[1000 * LINE_LEN], rnd[120000];
    gen_lines(1000, keep);
    fill_random(rnd, sizeof rnd);

    struct fat_node f, s;
    CHECK_EQ_U64(fat_create(&fs, "/FILL.BIN", false, &f), E_OK);
    uint32_t put = 0;
    CHECK_EQ_U64(fat_write(&fs, &f, 0, rnd, 100000, &put), E_NOSPACE);
    CHECK_EQ_U64(put, 40 * 512);
    CHECK_EQ_U64(f.size, 40 * 512);
    CHECK_EQ_U64(fs.free_count, 0);
    CHECK_EQ_U64(fat_write(&fs, &f, f.size, rnd, 10, &put), E_NOSPACE);
    CHECK_EQ_U64(put, 0);
    CHECK_EQ_U64(f.size, 40 * 512);
    /* Overwriting inside the file needs no cluster. */
    CHECK_EQ_U64(fat_write(&fs, &f, 100, rnd + 50000, 600, &put), E_OK);
    CHECK_EQ_U64(put, 600);
    memcpy(rnd + 100, rnd + 50000, 600);
    CHECK_EQ_U64(fat_create(&fs, "/SECOND.TXT", false, &s), E_OK);
    CHECK_EQ_U64(fat_write(&fs, &s, 0, rnd, 1, &put), E_NOSPACE);
    CHECK_EQ_U64(put, 0);
    CHECK_EQ_U64(s.size, 0);
    CHECK_EQ_U64(s.first_cluster, 0);
    /* The root's one cluster holds 16 entries: 4 used, 12 more fit. */
    char p[64];
    struct fat_node x;
    for (int i = 0; i < 12; i++) {
        snprintf(p, sizeof p, "/F%d.TXT", i);
        CHECK_EQ_U64(fat_create(&fs, p, false, &x), E_OK);
    }
    CHECK_EQ_U64(fat_create(&fs, "/F12.TXT", false, &x), E_NOSPACE);
    CHECK_EQ_U64(fat_lookup(&fs, "/F12.TXT", &x), E_NOENT);
    CHECK_EQ_U64(fat_create(&fs, "/dir", true, &x), E_NOSPACE);
    CHECK_EQ_U64(fs.free_count, 0);
    CHECK(lib_content_is("/fill.bin", rnd, 40 * 512));
    CHECK(lib_content_is("/keep.txt", keep, sizeof keep));
    sync_and_fsck(&im, "filling up");
    uint32_t used, total;
    fsck_counts(&im, &used, &total);
    CHECK_EQ_U64(used, total);
    CHECK(mtools_content_is(&im, "/fill.bin", rnd, 40 * 512));
    CHECK(mtools_content_is(&im, "/keep.txt", keep, sizeof keep));

    /* Room again; a write behind a hole that does not fit changes nothing. */
    CHECK_EQ_U64(fat_unlink(&fs, "/fill.bin"), E_OK);
    CHECK_EQ_U64(fs.free_count, 40);
    CHECK_EQ_U64(fat_write(&fs, &s, 100000, rnd, 10, &put), E_NOSPACE);
    CHECK_EQ_U64(put, 0);
    CHECK_EQ_U64(s.size, 0);
    CHECK_EQ_U64(s.first_cluster, 0);
    CHECK_EQ_U64(fs.free_count, 40);
    CHECK_EQ_U64(fat_truncate(&fs, &s, 50000), E_NOSPACE);
    CHECK_EQ_U64(s.size, 0);
    CHECK_EQ_U64(fs.free_count, 40);
    CHECK_EQ_U64(fat_truncate(&fs, &s, 40 * 512), E_OK);
    CHECK_EQ_U64(fs.free_count, 0);
    CHECK_EQ_U64(fat_truncate(&fs, &s, 40 * 512 + 1), E_NOSPACE);
    CHECK_EQ_U64(s.size, 40 * 512);
    static uint8_t zeros[40 * 512];
    CHECK(lib_content_is("/second.txt", zeros, sizeof zeros));
    CHECK_EQ_U64(fat_create(&fs, "/F12.TXT", false, &x),
                 E_OK); /* reuses fill.bin's slot */
    sync_and_fsck(&im, "hole on a full volume");
    CHECK(mtools_content_is(&im, "/second.txt", zeros, sizeof zeros));
    CHECK(mtools_content_is(&im, "/keep.txt", keep, sizeof keep));
    mount_ok(&im);
    CHECK_EQ_U64(fs.free_count, 0);
    check_clean("remounted full volume");
    close_image(&im);
}

/* ---- 4. corrupt volumes ------------------------------------------------------ */

static bool allowed_error(err_t e)
{
    return e == E_OK || e == E_CORRUPT || e == E_IO || e == E_NOENT || e == E_INVAL ||
           e == E_EXIST || e == E_NOSPACE || e == E_BUSY || e == E_RANGE;
}

/* Everything a client might do, on a volume that may be corrupt: no crash,
 * no hang, only errors from the allowed set. Returns the first failure. */
static err_t exercise(bool writes)
{
    static const char *paths[] = {"/",
                                  "/big.bin",
                                  "/HELLO.TXT",
                                  "/many",
                                  "/many/file number 200.txt",
                                  "/Level 1 directory/Level 2 directory",
                                  "/nothere",
                                  "/A very long file name.txt",
                                  "/MixedCase.Txt"};
    err_t first = E_OK;
    static uint8_t buf[8192];
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct fat_node n;
        err_t e = fat_lookup(&fs, paths[i], &n);
        CHECK(allowed_error(e));
        if (e != E_OK) {
            if (first == E_OK && e != E_NOENT)
                first = e;
            continue;
        }
        if (n.is_dir) {
            uint32_t cookie = 0;
            struct fat_dirent de;
            int k = 0;
            while ((e = fat_readdir(&fs, &n, &cookie, &de)) == E_OK && k < 100000)
                k++;
            CHECK(allowed_error(e));
            if (e != E_NOENT && first == E_OK)
                first = e;
        } else {
            uint32_t got;
            uint64_t offs[3] = {0, n.size / 2, n.size > 8192 ? n.size - 8192 : 0};
            for (int k = 0; k < 3; k++) {
                e = fat_read(&fs, &n, offs[k], buf, sizeof buf, &got);
                CHECK(allowed_error(e));
                if (e != E_OK && first == E_OK)
                    first = e;
            }
            uint64_t s;
            e = fat_file_sector(&fs, &n, n.size / 3, &s);
            CHECK(allowed_error(e));
        }
    }
    if (writes) {
        struct fat_node n;
        uint32_t put;
        err_t e = fat_create(&fs, "/fuzz file.txt", false, &n);
        CHECK(allowed_error(e));
        if (e == E_OK) {
            CHECK(allowed_error(fat_write(&fs, &n, 0, buf, 3000, &put)));
            CHECK(allowed_error(fat_truncate(&fs, &n, 700)));
            CHECK(allowed_error(fat_rename(&fs, "/fuzz file.txt", "/many/fuzz.txt")));
        }
        CHECK(allowed_error(fat_create(&fs, "/fuzz dir", true, &n)));
        CHECK(allowed_error(fat_unlink(&fs, "/many/fuzz.txt")));
        CHECK(allowed_error(fat_unlink(&fs, "/HELLO.TXT")));
        CHECK(allowed_error(fat_rmdir(&fs, "/fuzz dir")));
        CHECK(allowed_error(fat_rename(&fs, "/Level 1 directory", "/many/L1")));
        CHECK(allowed_error(fat_sync(&fs)));
    }
    return first;
}

/* Boot-sector patches that must make mount fail with E_CORRUPT. */
struct bpb_patch {
    const char *what;
    uint32_t off, size, value;
};

static void test_bad_boot(struct image *im, uint32_t data_sector)
{
    static const struct bpb_patch patches[] = {
        {"boot signature", 510, 1, 0x00},
        {"bytes per sector 0", 11, 2, 0},
        {"bytes per sector 3", 11, 2, 3},
        {"bytes per sector 8192", 11, 2, 8192},
        {"bytes per sector 1024 (device has 512)", 11, 2, 1024},
        {"sectors per cluster 3", 13, 1, 3},
        {"sectors per cluster 0", 13, 1, 0},
        {"no reserved sectors", 14, 2, 0},
        {"no FATs", 16, 1, 0},
        {"root entries (FAT16)", 17, 2, 512},
        {"16-bit FAT size (FAT16)", 22, 2, 200},
        {"media byte", 21, 1, 0x12},
        {"root cluster 0", 44, 4, 0},
        {"root cluster 1", 44, 4, 1},
        {"root cluster past the end", 44, 4, 0x0FFFFFF0},
        {"FAT version", 42, 2, 1},
        {"more sectors than the device", 32, 4, 0x7FFFFFFF},
        {"FAT too small for the clusters", 36, 4, 16},
        {"clusters one short of FAT32", 32, 4, 0}, /* value filled in below */
    };
    uint8_t orig[SECTOR];
    peek(im, 0, orig, SECTOR);
    for (size_t i = 0; i < sizeof patches / sizeof patches[0]; i++) {
        const struct bpb_patch *p = &patches[i];
        uint32_t v = p->value;
        if (i == sizeof patches / sizeof patches[0] - 1)
            v = data_sector + 65524; /* 65524 clusters: FAT16 by the rule */
        if (p->size == 1)
            poke(im, p->off, &v, 1);
        else if (p->size == 2)
            poke16(im, p->off, (uint16_t)v);
        else
            poke32(im, p->off, v);
        struct fat_fs *tmp = calloc(1, sizeof *tmp);
        err_t e = fat_mount(tmp, &im->dev);
        CHECK_EQ_U64(e, E_CORRUPT);
        if (e != E_CORRUPT)
            fprintf(stderr, "  (mount with %s gave %s)\n", p->what, err_name(e));
        free(tmp);
        poke(im, 0, orig, SECTOR);
    }
    /* 65525 clusters is FAT32: the boundary itself mounts. */
    poke32(im, 32, data_sector + 65525);
    struct fat_fs *tmp = calloc(1, sizeof *tmp);
    CHECK_EQ_U64(fat_mount(tmp, &im->dev), E_OK);
    CHECK_EQ_U64(tmp->nclusters, 65525);
    free(tmp);
    poke(im, 0, orig, SECTOR);
    /* A device whose sector size is not the BPB's. */
    struct fat_dev dev = im->dev;
    dev.sector_size = 4096;
    tmp = calloc(1, sizeof *tmp);
    CHECK_EQ_U64(fat_mount(tmp, &dev), E_CORRUPT);
    dev.sector_size = 1000;
    CHECK_EQ_U64(fat_mount(tmp, &dev), E_INVAL);
    free(tmp);
}

static void test_corrupt(void)
{
    struct image im;
    open_copy(&im, "main.img", "corrupt.img");
    mount_ok(&im);
    uint32_t data_sector = fs.first_data_sector;
    uint32_t nclusters = fs.nclusters, free_ok = fs.free_count;
    test_bad_boot(&im, data_sector);

    /* A real FAT16 volume made by mkfs.fat. */
    {
        char cmd[700];
        struct image f16;
        snprintf(f16.path, sizeof f16.path, "%s/fat16.img", workdir);
        snprintf(cmd, sizeof cmd, "mkfs.fat -F 16 -C '%s' 20000 >/dev/null 2>&1",
                 f16.path);
        CHECK_EQ_U64(system(cmd), 0);
        f16.fd = open(f16.path, O_RDWR);
        CHECK(f16.fd >= 0);
        f16.nsectors = 40000;
        f16.fail_from = UINT64_MAX;
        f16.journal = false;
        f16.undo = NULL;
        f16.nundo = f16.capundo = 0;
        f16.dev = im.dev;
        f16.dev.ctx = &f16;
        f16.dev.nsectors = f16.nsectors;
        struct fat_fs *tmp = calloc(1, sizeof *tmp);
        CHECK_EQ_U64(fat_mount(tmp, &f16.dev), E_CORRUPT);
        free(tmp);
        close_image(&f16);
    }

    /* FSInfo: bad signatures or counts are recomputed; sync rewrites it. */
    uint64_t fsi = (uint64_t)fs.fsinfo_sector * SECTOR;
    CHECK_EQ_U64(fs.fsinfo_sector, 1);
    static const uint32_t sig_offs[] = {0, 484, 508};
    for (int i = 0; i < 3; i++) {
        uint32_t old = peek32(&im, fsi + sig_offs[i]);
        poke32(&im, fsi + sig_offs[i], old ^ 0x100);
        poke32(&im, fsi + 488, 12345); /* a wrong count that must not be trusted */
        mount_ok(&im);
        CHECK_EQ_U64(fs.free_count, free_ok);
        check_clean("FSInfo with a bad signature");
        CHECK_EQ_U64(fat_sync(&fs), E_OK);
        CHECK_EQ_U64(peek32(&im, fsi + sig_offs[i]), old);
        CHECK_EQ_U64(peek32(&im, fsi + 488), free_ok);
        CHECK_EQ_U64(fsck(&im), 0);
    }
    poke32(&im, fsi + 488, 0xFFFFFFFF);
    mount_ok(&im);
    CHECK_EQ_U64(fs.free_count, free_ok);
    poke32(&im, fsi + 488, nclusters + 1);
    mount_ok(&im);
    CHECK_EQ_U64(fs.free_count, free_ok);
    CHECK_EQ_U64(fat_sync(&fs), E_OK);
    CHECK_EQ_U64(peek32(&im, fsi + 488), free_ok);
    poke16(&im, 48, 0); /* no FSInfo at all */
    mount_ok(&im);
    CHECK_EQ_U64(fs.free_count, free_ok);
    CHECK_EQ_U64(fat_sync(&fs), E_OK);
    poke16(&im, 48, 1);

    /* The chains of the files the corruptions below aim at. */
    mount_ok(&im);
    struct fat_node big, hello, many, lvl1, empty;
    CHECK_EQ_U64(fat_lookup(&fs, "/big.bin", &big), E_OK);
    CHECK_EQ_U64(fat_lookup(&fs, "/HELLO.TXT", &hello), E_OK);
    CHECK_EQ_U64(fat_lookup(&fs, "/many", &many), E_OK);
    CHECK_EQ_U64(fat_lookup(&fs, "/Level 1 directory", &lvl1), E_OK);
    CHECK_EQ_U64(fat_lookup(&fs, "/empty.dat", &empty), E_OK);
    uint64_t s50, s100;
    CHECK_EQ_U64(fat_file_sector(&fs, &big, 50 * 512, &s50), E_OK);
    CHECK_EQ_U64(fat_file_sector(&fs, &big, 100 * 512, &s100), E_OK);
    uint32_t c50 = (uint32_t)((s50 - fs.first_data_sector) + 2);
    uint32_t c100 = (uint32_t)((s100 - fs.first_data_sector) + 2);
    uint64_t sm2;
    CHECK_EQ_U64(fat_file_sector(&fs, &many, 2 * 512, &sm2), E_OK);
    uint32_t many2 = (uint32_t)((sm2 - fs.first_data_sector) + 2);
    uint32_t saved;
    const char *why;
    uint8_t buf[4096];
    uint32_t got;
    static uint8_t bigbuf[BIG_SIZE];
    size_t len;
    struct fat_node n;

    /* A file chain that loops back. */
    saved = peek32(&im, fat_off(0, c100));
    poke_fat(&im, c100, c50);
    mount_ok(&im);
    CHECK_EQ_U64(lib_read_all("/big.bin", bigbuf, sizeof bigbuf, &len), E_CORRUPT);
    CHECK_EQ_U64(fat_check(&fs, &why), E_CORRUPT);
    CHECK_EQ_U64(fat_unlink(&fs, "/big.bin"), E_CORRUPT); /* frees until the loop */
    poke_fat(&im, c100, saved);
    /* Restore what unlink did: the whole image again. */
    close_image(&im);
    open_copy(&im, "main.img", "corrupt.img");

    /* A chain that points past the end of the volume. */
    saved = peek32(&im, fat_off(0, c50));
    poke_fat(&im, c50, nclusters + 2 + 7);
    mount_ok(&im);
    CHECK_EQ_U64(fat_read(&fs, &big, 49 * 512, buf, 512, &got), E_OK);
    CHECK_EQ_U64(fat_read(&fs, &big, 51 * 512, buf, 512, &got), E_CORRUPT);
    CHECK_EQ_U64(fat_check(&fs, &why), E_CORRUPT);
    CHECK(strcmp(why, "chain holds a free, bad or out-of-range entry") == 0);
    struct fat_node w = big;
    uint32_t put;
    CHECK_EQ_U64(fat_write(&fs, &w, BIG_SIZE, buf, 10, &put), E_CORRUPT);
    CHECK_EQ_U64(put, 0);
    poke_fat(&im, c50, 0x0FFFFFF7); /* a bad cluster inside the chain */
    mount_ok(&im);
    CHECK_EQ_U64(fat_read(&fs, &big, 51 * 512, buf, 512, &got), E_CORRUPT);
    poke_fat(&im, c50, 0); /* a free cluster inside the chain */
    mount_ok(&im);
    CHECK_EQ_U64(fat_read(&fs, &big, 51 * 512, buf, 512, &got), E_CORRUPT);
    CHECK_EQ_U64(fat_read(&fs, &big, 50 * 512, buf, 512, &got), E_CORRUPT);
    poke_fat(&im, c50, saved);
    /* A chain shorter than the file's size. */
    poke_fat(&im, c50, 0x0FFFFFFF);
    mount_ok(&im);
    CHECK_EQ_U64(fat_read(&fs, &big, 51 * 512, buf, 512, &got), E_CORRUPT);
    CHECK_EQ_U64(fat_check(&fs, &why), E_CORRUPT);
    CHECK(strcmp(why, "file size does not match its chain") == 0);
    poke_fat(&im, c50, saved);
    /* A FAT copy that differs from the first. */
    poke32(&im, fat_off(1, c50), saved ^ 1);
    mount_ok(&im);
    CHECK_EQ_U64(fat_check(&fs, &why), E_CORRUPT);
    CHECK(strcmp(why, "FAT copies differ") == 0);
    poke32(&im, fat_off(1, c50), saved);
    /* A lost cluster. */
    poke_fat(&im, nclusters + 1, 0x0FFFFFFF);
    mount_ok(&im);
    CHECK_EQ_U64(fat_check(&fs, &why), E_CORRUPT);
    CHECK(strcmp(why, "lost cluster (used but in no chain)") == 0);
    poke_fat(&im, nclusters + 1, 0);
    mount_ok(&im);
    check_clean("restored");

    /* Two files sharing a cluster: empty.dat's entry takes HELLO.TXT's. */
    uint8_t ent[32];
    uint64_t empty_ent = entry_off(&im, fs.root_cluster, empty.dirent_index);
    CHECK_EQ_U64(empty.dir_cluster, fs.root_cluster);
    peek(&im, empty_ent, ent, 32);
    poke16(&im, empty_ent + 26, (uint16_t)hello.first_cluster);
    poke16(&im, empty_ent + 20, (uint16_t)(hello.first_cluster >> 16));
    poke32(&im, empty_ent + 28, hello.size);
    mount_ok(&im);
    CHECK_EQ_U64(fat_check(&fs, &why), E_CORRUPT);
    CHECK(strcmp(why, "cluster used twice") == 0);
    poke(&im, empty_ent, ent, 32);

    /* A directory inside itself: a subdirectory entry naming /many. */
    poke16(&im, empty_ent + 26, (uint16_t)many.first_cluster);
    poke16(&im, empty_ent + 20, (uint16_t)(many.first_cluster >> 16));
    uint8_t dir_attr = 0x10;
    poke(&im, empty_ent + 11, &dir_attr, 1);
    poke32(&im, empty_ent + 28, 0);
    mount_ok(&im);
    CHECK_EQ_U64(fat_check(&fs, &why), E_CORRUPT);
    CHECK(strcmp(why, "cluster used twice") == 0);
    CHECK_EQ_U64(fat_lookup(&fs, "/empty.dat/file number 001.txt", &n), E_OK);
    poke(&im, empty_ent, ent, 32);

    /* Garbage names: control characters in a short name. */
    uint64_t hello_ent = entry_off(&im, fs.root_cluster, hello.dirent_index);
    uint8_t hent[32];
    peek(&im, hello_ent, hent, 32);
    poke(&im, hello_ent, "HE\x01LO   TXT", 11);
    mount_ok(&im);
    CHECK_EQ_U64(fat_lookup(&fs, "/big.bin", &n), E_OK); /* before the bad entry */
    CHECK_EQ_U64(fat_lookup(&fs, "/empty.dat", &n), E_CORRUPT);
    CHECK_EQ_U64(fat_lookup(&fs, "/nothere", &n), E_CORRUPT);
    static struct listing l;
    CHECK_EQ_U64(lib_list("/", &l), E_CORRUPT);
    CHECK_EQ_U64(l.n, 2);
    CHECK_EQ_U64(fat_create(&fs, "/new.txt", false, &n), E_CORRUPT);
    CHECK_EQ_U64(fat_check(&fs, &why), E_CORRUPT);
    CHECK_EQ_U64(exercise(true), E_CORRUPT);
    poke(&im, hello_ent, hent, 32);
    /* A short entry whose cluster is past the end. */
    poke16(&im, hello_ent + 20, 0x0FFF);
    mount_ok(&im);
    CHECK_EQ_U64(fat_lookup(&fs, "/HELLO.TXT", &n), E_CORRUPT);
    poke(&im, hello_ent, hent, 32);
    /* A file with a size but no cluster. */
    poke16(&im, hello_ent + 26, 0);
    poke16(&im, hello_ent + 20, 0);
    mount_ok(&im);
    CHECK_EQ_U64(fat_lookup(&fs, "/HELLO.TXT", &n), E_CORRUPT);
    poke(&im, hello_ent, hent, 32);
    /* An LFN run with a wrong checksum: only the short name is left. */
    struct fat_node mixed;
    mount_ok(&im);
    CHECK_EQ_U64(fat_lookup(&fs, "/MixedCase.Txt", &mixed), E_OK);
    uint64_t lfn_ent = entry_off(&im, fs.root_cluster, mixed.dirent_index - 1);
    uint8_t sum;
    peek(&im, lfn_ent + 13, &sum, 1);
    sum ^= 0x55;
    poke(&im, lfn_ent + 13, &sum, 1);
    mount_ok(&im);
    CHECK_EQ_U64(fat_lookup(&fs, "/MixedCase.Txt", &n), E_NOENT);
    CHECK_EQ_U64(fat_lookup(&fs, "/MIXEDC~1.TXT", &n), E_OK);
    CHECK_EQ_U64(lib_list("/", &l), E_NOENT);
    CHECK(find_in(&l, "MIXEDC~1.TXT") == 5);
    sum ^= 0x55;
    poke(&im, lfn_ent + 13, &sum, 1);

    /* A directory whose chain is broken in the middle; far_file is one
     * of its files past the break. */
    char far_file[64] = "";
    mount_ok(&im);
    for (int k = 1; k <= MANY; k++) {
        snprintf(far_file, sizeof far_file, "/many/file number %03d.txt", k);
        if (fat_lookup(&fs, far_file, &n) == E_OK && n.dirent_index >= 4 * 16)
            break;
    }
    CHECK(n.dirent_index >= 4 * 16);
    saved = peek32(&im, fat_off(0, many2));
    poke_fat(&im, many2, 0);
    mount_ok(&im);
    CHECK_EQ_U64(lib_list("/many", &l), E_CORRUPT);
    CHECK_EQ_U64(fat_lookup(&fs, "/many/nothere", &n), E_CORRUPT);
    CHECK_EQ_U64(fat_lookup(&fs, far_file, &n), E_CORRUPT);
    CHECK_EQ_U64(fat_create(&fs, "/many/new", false, &n), E_CORRUPT);
    CHECK_EQ_U64(fat_rmdir(&fs, "/many"), E_BUSY); /* its first files are readable */
    CHECK_EQ_U64(fat_check(&fs, &why), E_CORRUPT);
    /* ... or looping on itself. */
    poke_fat(&im, many2, many2);
    mount_ok(&im);
    CHECK_EQ_U64(lib_list("/many", &l), E_CORRUPT);
    CHECK_EQ_U64(fat_lookup(&fs, "/many/nothere", &n), E_CORRUPT);
    CHECK_EQ_U64(fat_check(&fs, &why), E_CORRUPT);
    poke_fat(&im, many2, saved);
    /* A directory whose first cluster is marked free. */
    saved = peek32(&im, fat_off(0, lvl1.first_cluster));
    poke_fat(&im, lvl1.first_cluster, 0);
    mount_ok(&im);
    CHECK_EQ_U64(fat_lookup(&fs, "/Level 1 directory/Level 2 directory", &n), E_CORRUPT);
    CHECK_EQ_U64(lib_list("/Level 1 directory", &l), E_CORRUPT);
    CHECK_EQ_U64(fat_create(&fs, "/Level 1 directory/x", true, &n), E_CORRUPT);
    poke_fat(&im, lvl1.first_cluster, saved);
    /* A ".." that points elsewhere. */
    uint64_t dd = cluster_off(lvl1.first_cluster) + 32 + 26;
    poke16(&im, dd, (uint16_t)many.first_cluster);
    mount_ok(&im);
    CHECK_EQ_U64(fat_check(&fs, &why), E_CORRUPT);
    CHECK(strcmp(why, "bad \"..\" entry") == 0);
    /* The bad ".." makes /many look like an ancestor: refused, no hang. */
    CHECK_EQ_U64(fat_rename(&fs, "/many", "/Level 1 directory/Level 2 directory/m"),
                 E_INVAL);
    poke16(&im, dd, 0);
    close_image(&im);
    open_copy(&im, "main.img", "corrupt.img");

    /* Device errors. */
    mount_ok(&im);
    im.fail_from = 0;
    CHECK_EQ_U64(fat_mount(&fs, &im.dev), E_IO);
    im.fail_from = data_sector + 100;
    mount_ok(&im);
    CHECK_EQ_U64(lib_read_all("/big.bin", bigbuf, sizeof bigbuf, &len), E_IO);
    CHECK_EQ_U64(fat_check(&fs, &why), E_IO);
    im.fail_from = data_sector + 1; /* the root's cluster still works */
    mount_ok(&im);
    CHECK_EQ_U64(fat_create(&fs, "/dir", true, &n), E_IO);
    im.fail_from = UINT64_MAX;
    close_image(&im);
}

/* ---- the clean-shutdown flag ---- */

#define CLEAN_BIT 0x08000000u /* FAT[1]'s ClnShutBitMask */

/* Every FAT copy's FAT[1] says clean (or, clean false, dirty). */
static bool flag_is(struct image *im, bool clean)
{
    for (uint32_t i = 0; i < fs.nfats; i++)
        if (((peek32(im, fat_off(i, 1)) & CLEAN_BIT) != 0) != clean)
            return false;
    return true;
}

static bool fsck_says_dirty(struct image *im)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "fsck.fat -n '%s' 2>&1 | grep -q 'Dirty bit is set'", im->path);
    return system(cmd) == 0;
}

/* A write marks the volume dirty before it reaches the disk, fat_sync
 * marks it clean; a sync with nothing written leaves the flag alone; a
 * volume found dirty (a crash) stays dirty through fat_sync, for fsck. */
static void test_clean_flag(void)
{
    struct image im;
    open_copy(&im, "main.img", "flag.img");
    mount_ok(&im);
    CHECK(!fs.mounted_unclean);
    CHECK(flag_is(&im, true));
    im.journal = true; /* records which sectors get written */
    CHECK_EQ_U64(fat_sync(&fs), E_OK);
    CHECK(!in_undo(&im, fs.reserved_sectors)); /* FSInfo only */
    struct fat_node n;
    uint32_t put;
    CHECK_EQ_U64(fat_create(&fs, "/flag.txt", false, &n), E_OK);
    CHECK(flag_is(&im, false));
    CHECK(fsck_says_dirty(&im));
    CHECK_EQ_U64(fat_write(&fs, &n, 0, "flag", 4, &put), E_OK);
    CHECK_EQ_U64(fat_sync(&fs), E_OK);
    CHECK(flag_is(&im, true));
    CHECK_EQ_U64(fsck(&im), 0);

    for (uint32_t i = 0; i < fs.nfats; i++) /* a crash left it dirty */
        poke32(&im, fat_off(i, 1), peek32(&im, fat_off(i, 1)) & ~CLEAN_BIT);
    mount_ok(&im);
    CHECK(fs.mounted_unclean);
    CHECK_EQ_U64(fat_create(&fs, "/after.txt", false, &n), E_OK);
    CHECK_EQ_U64(fat_sync(&fs), E_OK);
    CHECK(flag_is(&im, false));
    CHECK(fsck_says_dirty(&im));
    close_image(&im);
}

/* The directory sectors a lookup walks stay in memory (FAT_DIR_SLOTS of
 * them): a repeated lookup of a path nine directories deep reads nothing;
 * a walk through more sectors than fit still finds the right entries; and
 * edits that fail to reach the disk are not kept in the cache. */
static void test_dir_cache(void)
{
    static const char deep[] =
        "/Level 1 directory/Level 2 directory/Level 3 directory/Level 4 directory"
        "/Level 5 directory/Level 6 directory/Level 7 directory/Level 8 directory/leaf.txt";
    struct image im;
    struct fat_node n, again;
    open_copy(&im, "main.img", "dircache.img");
    mount_ok(&im);
    CHECK_EQ_U64(fat_lookup(&fs, deep, &n), E_OK);
    uint64_t before = im.reads;
    CHECK_EQ_U64(fat_lookup(&fs, deep, &again), E_OK);
    CHECK_EQ_U64(im.reads - before, 0);
    CHECK_EQ_U64(again.first_cluster, n.first_cluster);
    CHECK_EQ_U64(again.size, 14);

    /* /many is 47 sectors of entries: far more than the slots. */
    struct fat_node f1, f250;
    CHECK_EQ_U64(fat_lookup(&fs, "/many/file number 250.txt", &f250), E_OK);
    CHECK_EQ_U64(fat_lookup(&fs, "/many/file number 001.txt", &f1), E_OK);
    before = im.reads;
    CHECK_EQ_U64(fat_lookup(&fs, "/many/file number 250.txt", &again), E_OK);
    CHECK(im.reads > before); /* its sectors were evicted: read again */
    CHECK_EQ_U64(again.first_cluster, f250.first_cluster);
    CHECK(f1.first_cluster != f250.first_cluster);
    CHECK_EQ_U64(fat_lookup(&fs, deep, &again), E_OK);
    CHECK_EQ_U64(again.first_cluster, n.first_cluster);

    /* Coherence: entries created, renamed and removed are seen at once. */
    CHECK_EQ_U64(fat_create(&fs, "/Level 1 directory/new file.txt", false, &again), E_OK);
    CHECK_EQ_U64(fat_lookup(&fs, "/Level 1 directory/new file.txt", &again), E_OK);
    CHECK_EQ_U64(fat_rename(&fs, "/Level 1 directory/new file.txt", "/moved.txt"), E_OK);
    CHECK_EQ_U64(fat_lookup(&fs, "/Level 1 directory/new file.txt", &again), E_NOENT);
    CHECK_EQ_U64(fat_lookup(&fs, "/moved.txt", &again), E_OK);
    CHECK_EQ_U64(fat_unlink(&fs, "/moved.txt"), E_OK);
    CHECK_EQ_U64(fat_lookup(&fs, "/moved.txt", &again), E_NOENT);

    /* A create whose directory write fails leaves no trace in the cache. */
    im.fail_writes = true;
    CHECK_EQ_U64(fat_create(&fs, "/Level 1 directory/lost.txt", false, &again), E_IO);
    im.fail_writes = false;
    CHECK_EQ_U64(fat_lookup(&fs, "/Level 1 directory/lost.txt", &again), E_NOENT);
    check_clean("after the directory cache test");
    close_image(&im);
}

/* 2000 rounds of random bytes over the boot sector, FSInfo and the FAT's
 * start: mount, lookups, listings, reads and some writes must not crash
 * or hang. Writes are undone from a journal after each round. */
static void test_fuzz(void)
{
    struct image im;
    open_copy(&im, "main.img", "fuzz.img");
    static uint8_t pristine[FUZZ_AREA], area[FUZZ_AREA];
    peek(&im, 0, pristine, FUZZ_AREA);
    im.journal = true;
    int mounted = 0, clean = 0;
    for (int round = 0; round < FUZZ_ROUNDS; round++) {
        memcpy(area, pristine, FUZZ_AREA);
        int k = 1 + (int)(check_rand() % 8);
        for (int i = 0; i < k; i++) {
            uint64_t r = check_rand();
            /* Half the bytes land in the boot sector and FSInfo. */
            uint32_t off = (uint32_t)(r % 2 ? (r >> 8) % 1024 : (r >> 8) % FUZZ_AREA);
            area[off] = (uint8_t)(r >> 40);
        }
        poke(&im, 0, area, FUZZ_AREA);
        err_t e = fat_mount(&fs, &im.dev);
        CHECK(e == E_OK || e == E_CORRUPT);
        if (e == E_OK) {
            mounted++;
            err_t x = exercise(round % 4 == 0);
            if (x == E_OK)
                clean++;
            if (round % 8 == 1) {
                const char *why;
                CHECK(allowed_error(fat_check(&fs, &why)));
            }
        }
        undo_writes(&im);
    }
    poke(&im, 0, pristine, FUZZ_AREA);
    printf("fuzz: %d of %d mutated images mounted, %d read without error\n", mounted,
           FUZZ_ROUNDS, clean);
    CHECK(mounted > 100);
    close_image(&im);
}

/* 1000 rounds of random bytes over directory sectors (the root, /many,
 * /Level 1 directory): names, LFN runs, attributes and clusters. */
static void test_fuzz_dirs(void)
{
    struct image im;
    open_copy(&im, "main.img", "fuzzdir.img");
    mount_ok(&im);
    static uint64_t sectors[200];
    int ns = 0;
    static const char *dirs[] = {"/", "/many", "/Level 1 directory"};
    for (int d = 0; d < 3; d++) {
        struct fat_node n;
        CHECK_EQ_U64(fat_lookup(&fs, dirs[d], &n), E_OK);
        uint64_t s;
        for (uint32_t k = 0;
             ns < 200 && fat_file_sector(&fs, &n, (uint64_t)k * 512, &s) == E_OK; k++)
            sectors[ns++] = s;
    }
    CHECK(ns > 45);
    im.journal = true;
    int mounted = 0;
    for (int round = 0; round < 1000; round++) {
        int k = 1 + (int)(check_rand() % 6);
        for (int i = 0; i < k; i++) {
            uint64_t r = check_rand();
            uint64_t s = sectors[r % (uint64_t)ns];
            uint8_t b[SECTOR];
            /* Through the journal so the round can be undone. */
            CHECK_EQ_U64(img_read(&im, s, 1, b), E_OK);
            b[(r >> 16) % SECTOR] = (uint8_t)(r >> 40);
            CHECK_EQ_U64(img_write(&im, s, 1, b), E_OK);
        }
        if (fat_mount(&fs, &im.dev) == E_OK) {
            mounted++;
            (void)exercise(round % 3 == 0);
            if (round % 5 == 0) {
                const char *why;
                CHECK(allowed_error(fat_check(&fs, &why)));
            }
        }
        undo_writes(&im);
    }
    CHECK_EQ_U64(mounted, 1000);
    mount_ok(&im);
    check_clean("after the directory fuzz");
    close_image(&im);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
        return 2;
    }
    fixdir = argv[1];
    alarm(300); /* a hang is a failure */
    setenv("MTOOLS_SKIP_CHECK", "1", 1);
    setenv("LC_ALL", "C", 1);
    snprintf(workdir, sizeof workdir, "/tmp/test_fat32.XXXXXX");
    if (!mkdtemp(workdir))
        die("mkdtemp");
    test_read_main();
    test_read_4k();
    test_write_main();
    test_write_4k();
    test_nospace();
    test_corrupt();
    test_clean_flag();
    test_dir_cache();
    test_fuzz();
    test_fuzz_dirs();
    char log[300];
    snprintf(log, sizeof log, "%s/fsck.log", workdir);
    unlink(log);
    rmdir(workdir);
    return check_finish("fat32");
}
