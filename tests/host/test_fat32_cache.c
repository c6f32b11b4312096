/*
 * Host tests of fat32's page cache (servers/fat32/cache.c) over the FAT32
 * library and real images made by mkfs.fat (tests/fixtures/make_fat32.sh):
 * reads and writes through a cache far smaller than the files, so pages
 * are evicted and written back all the time; pinned pages; shrinking under
 * pinned pages; a full disk. What reaches the image is checked with
 * fsck.fat -n and read back with mtools.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache.h"
#include "fat.h"

#include "check.h"

#define SECTOR 512u
#define LINE_LEN 49u
#define BIG_SIZE (65536u * LINE_LEN)
#define SMALL_PAGES 8u

static const char *fixdir;
static char workdir[256];
static struct fat_fs fs;
static uint8_t cache_mem[SMALL_PAGES * CACHE_PAGE];

/* ---- an image file as a fat_dev ---------------------------------------- */

struct image {
    char path[512];
    int fd;
};

static err_t img_read(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
    struct image *im = ctx;
    ssize_t want = (ssize_t)count * SECTOR;
    return pread(im->fd, buf, (size_t)want, (off_t)(sector * SECTOR)) == want ? E_OK : E_IO;
}

static err_t img_write(void *ctx, uint64_t sector, uint32_t count, const void *buf)
{
    struct image *im = ctx;
    ssize_t want = (ssize_t)count * SECTOR;
    return pwrite(im->fd, buf, (size_t)want, (off_t)(sector * SECTOR)) == want ? E_OK : E_IO;
}

static void mount_copy(struct image *im, const char *fixture)
{
    char cmd[1200];
    snprintf(im->path, sizeof im->path, "%s/%s", workdir, fixture);
    snprintf(cmd, sizeof cmd, "cp --sparse=always '%s/%s' '%s'", fixdir, fixture, im->path);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot copy %s\n", fixture);
        exit(1);
    }
    im->fd = open(im->path, O_RDWR);
    struct stat st;
    if (im->fd < 0 || fstat(im->fd, &st) != 0) {
        perror(im->path);
        exit(1);
    }
    struct fat_dev dev = {.ctx = im, .sector_size = SECTOR,
                          .nsectors = (uint64_t)st.st_size / SECTOR,
                          .read = img_read, .write = img_write};
    err_t e = fat_mount(&fs, &dev);
    CHECK_EQ_U64(e, E_OK);
    if (e != E_OK)
        exit(1);
    CHECK_EQ_U64(cache_init(cache_mem, SMALL_PAGES), E_OK);
}

static void unmount(struct image *im)
{
    close(im->fd);
    unlink(im->path);
}

/* Everything cached reaches the image; then fsck.fat -n must be clean. */
static void sync_and_fsck(struct image *im, const char *when)
{
    CHECK_EQ_U64(cache_sync(&fs, 0), E_OK);
    CHECK_EQ_U64(fat_sync(&fs), E_OK);
    const char *why = "";
    CHECK_EQ_U64(fat_check(&fs, &why), E_OK);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "fsck.fat -n '%s' > /dev/null 2>&1", im->path);
    int rc = system(cmd);
    CHECK_EQ_U64(rc, 0);
    if (rc != 0)
        fprintf(stderr, "fsck.fat -n not clean after %s\n", when);
}

/* The file as mtools reads it from the image equals want[0, len). */
static bool mtools_content_is(struct image *im, const char *path, const uint8_t *want,
                              size_t len)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "mcopy -n -i '%s' '::%s' - 2>/dev/null", im->path, path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return false;
    uint8_t *got = malloc(len + 1);
    size_t n = fread(got, 1, len + 1, p);
    int rc = pclose(p);
    bool same = rc == 0 && n == len && memcmp(got, want, len) == 0;
    if (!same)
        fprintf(stderr, "mcopy %s: %zu bytes (want %zu), rc %d, %s\n", path, n, len, rc,
                n == len ? "different bytes" : "different length");
    free(got);
    return same;
}

/* Line i (1-based) of big.bin, as make_fat32.sh writes it. */
static void big_bytes(uint8_t *out)
{
    static const char abc[] =
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz";
    for (uint32_t i = 1; i <= 65536u; i++) {
        char line[LINE_LEN + 1];
        snprintf(line, sizeof line, "%07u:%.40s\n", i, abc + i % 26);
        memcpy(out + (i - 1) * LINE_LEN, line, LINE_LEN);
    }
}

/* Each case ends with a stable line saying whether its checks held. */
static int failed_before;
static void case_done(const char *id)
{
    printf("TEST %s %s\n", id, check_failed_count == failed_before ? "PASS" : "FAIL");
    failed_before = check_failed_count;
}

static struct cache_stats stats(void)
{
    struct cache_stats s;
    cache_get_stats(&s);
    return s;
}

/* Reads a whole file through the cache in pieces of `step` bytes. */
static size_t read_all(const struct fat_node *n, uint8_t *buf, uint32_t step)
{
    size_t done = 0;
    for (;;) {
        uint32_t got = 0;
        err_t e = cache_read(&fs, n, done, buf + done, step, &got);
        CHECK_EQ_U64(e, E_OK);
        if (e != E_OK || got == 0)
            return done;
        done += got;
    }
}

/* A file bigger than the cache, read twice in odd pieces: right bytes,
 * every page a miss the first time, evictions all along. */
static void test_read_through_small_cache(void)
{
    struct image im;
    mount_copy(&im, "main.img");
    uint8_t *want = malloc(BIG_SIZE), *got = malloc(BIG_SIZE + 4096);
    big_bytes(want);
    struct fat_node n;
    CHECK_EQ_U64(fat_lookup(&fs, "/big.bin", &n), E_OK);
    CHECK_EQ_U64(read_all(&n, got, 1000), BIG_SIZE);
    CHECK(memcmp(got, want, BIG_SIZE) == 0);
    struct cache_stats s = stats();
    uint64_t pages = (BIG_SIZE + CACHE_PAGE - 1) / CACHE_PAGE;
    CHECK_EQ_U64(s.misses, pages);
    CHECK_EQ_U64(s.evictions, pages - SMALL_PAGES);
    CHECK_EQ_U64(s.writebacks, 0); /* nothing was dirty */
    /* The same page again: a hit, no disk. */
    uint32_t slot, slot2;
    CHECK_EQ_U64(cache_get(&fs, &n, 3, &slot), E_OK);
    uint64_t misses = stats().misses;
    CHECK_EQ_U64(cache_get(&fs, &n, 3, &slot2), E_OK);
    CHECK_EQ_U64(slot2, slot);
    CHECK_EQ_U64(stats().misses, misses);
    /* Past the last page: E_RANGE. */
    CHECK_EQ_U64(cache_get(&fs, &n, pages, &slot), E_RANGE);
    free(want);
    free(got);
    unmount(&im);
    case_done("CACHE_0001_READ_THROUGH_SMALL_CACHE");
}

/* Writes of a file larger than the cache, overwrites, a hole and a
 * truncate: what the image holds after sync is exactly the model. */
static void test_write_back(void)
{
    struct image im;
    mount_copy(&im, "main.img");
    const uint32_t len = (1u << 20) + 123;
    uint8_t *model = calloc(1, 3u << 20), *back = malloc(3u << 20);
    for (uint32_t i = 0; i < len; i++)
        model[i] = (uint8_t)(i * 7 + (i >> 11));
    struct fat_node n;
    CHECK_EQ_U64(fat_create(&fs, "/written by the cache.bin", false, &n), E_OK);
    for (uint32_t off = 0; off < len; off += 1000) {
        uint32_t put, chunk = len - off < 1000 ? len - off : 1000;
        CHECK_EQ_U64(cache_write(&fs, &n, off, model + off, chunk, &put), E_OK);
        CHECK_EQ_U64(put, chunk);
    }
    CHECK_EQ_U64(n.size, len);
    struct cache_stats s = stats();
    CHECK(s.writebacks > 0); /* evicted dirty pages went to the disk */
    /* Overwrite across page boundaries, then grow with a hole. */
    memset(model + 5000, 0xAB, 9000);
    uint32_t put;
    CHECK_EQ_U64(cache_write(&fs, &n, 5000, model + 5000, 9000, &put), E_OK);
    const uint32_t hole_end = (2u << 20) + 77, tail = 3000;
    memset(model + hole_end, 0x5C, tail);
    CHECK_EQ_U64(cache_write(&fs, &n, hole_end, model + hole_end, tail, &put), E_OK);
    CHECK_EQ_U64(n.size, hole_end + tail);
    CHECK_EQ_U64(read_all(&n, back, 777), hole_end + tail);
    CHECK_EQ_U64(fat_store(&fs, &n), E_OK);
    CHECK(memcmp(back, model, hole_end + tail) == 0);
    sync_and_fsck(&im, "writes through the cache");
    CHECK(mtools_content_is(&im, "/written by the cache.bin", model, hole_end + tail));
    CHECK_EQ_U64(stats().dirty, 0);
    free(model);
    free(back);
    unmount(&im);
    case_done("CACHE_0002_WRITE_BACK_EVICTION_HOLE");
}

/* Pinned pages are never evicted; with all slots pinned, reads and writes
 * go to the disk directly and stay right; shrinking a file under pinned
 * pages holds them (zeroed) until the trim. */
static void test_pinned(void)
{
    struct image im;
    mount_copy(&im, "main.img");
    uint8_t *want = malloc(BIG_SIZE), *got = malloc(BIG_SIZE + 4096);
    big_bytes(want);
    struct fat_node big;
    CHECK_EQ_U64(fat_lookup(&fs, "/big.bin", &big), E_OK);
    uint32_t slots[SMALL_PAGES];
    for (uint32_t i = 0; i < SMALL_PAGES; i++) {
        CHECK_EQ_U64(cache_get(&fs, &big, i, &slots[i]), E_OK);
        cache_pin(slots[i], i == 0);
    }
    CHECK_EQ_U64(stats().pinned, SMALL_PAGES);
    uint32_t slot;
    CHECK_EQ_U64(cache_get(&fs, &big, SMALL_PAGES, &slot), E_NOMEM);
    CHECK_EQ_U64(read_all(&big, got, 4096), BIG_SIZE); /* straight from the disk */
    CHECK(memcmp(got, want, BIG_SIZE) == 0);
    /* A store through the writable "mapping" of page 0 reaches the disk
     * at sync, and again after a second store (it stays dirty while mapped). */
    cache_page(slots[0])[10] = 'X';
    CHECK_EQ_U64(cache_sync(&fs, big.first_cluster), E_OK);
    cache_page(slots[0])[11] = 'Y';
    CHECK_EQ_U64(cache_unpin_file(&fs, big.first_cluster), E_OK);
    want[10] = 'X';
    want[11] = 'Y';
    sync_and_fsck(&im, "pinned pages");
    CHECK(mtools_content_is(&im, "/big.bin", want, BIG_SIZE));
    CHECK_EQ_U64(stats().pinned, 0);
    /* Shrink under pinned pages: held, zeroed, then freed by the trim. */
    for (uint32_t i = 0; i < 4; i++) {
        CHECK_EQ_U64(cache_get(&fs, &big, i, &slots[i]), E_OK);
        cache_pin(slots[i], false);
    }
    uint32_t first = big.first_cluster;
    CHECK_EQ_U64(fat_truncate(&fs, &big, 5000), E_OK);
    cache_shrink(first, 5000, 7);
    struct cache_stats s = stats();
    CHECK_EQ_U64(s.pinned, 4); /* pages 0, 1 pinned; 2, 3 held */
    CHECK_EQ_U64(cache_page(slots[2])[0], 0);
    CHECK_EQ_U64(cache_page(slots[1])[5000 - 4096], 0); /* past the end: zeros */
    CHECK_EQ_U64(cache_page(slots[1])[4999 - 4096], want[4999]);
    cache_trim_done(6);
    CHECK_EQ_U64(stats().pinned, 4);
    cache_trim_done(7);
    CHECK_EQ_U64(stats().pinned, 2);
    CHECK_EQ_U64(cache_unpin_file(&fs, first), E_OK);
    sync_and_fsck(&im, "shrink under pinned pages");
    CHECK(mtools_content_is(&im, "/big.bin", want, 5000));
    free(want);
    free(got);
    unmount(&im);
    case_done("CACHE_0003_PINNED_PAGES_AND_TRIM");
}

/* A full disk: the write that fills it says E_NOSPACE with what it wrote;
 * the volume is clean and holds exactly those bytes. */
static void test_nospace(void)
{
    struct image im;
    mount_copy(&im, "small.img");
    uint8_t *model = malloc(1u << 20);
    for (uint32_t i = 0; i < (1u << 20); i++)
        model[i] = (uint8_t)(i ^ (i >> 9));
    struct fat_node n;
    CHECK_EQ_U64(fat_create(&fs, "/fill.bin", false, &n), E_OK);
    uint32_t total = 0;
    err_t e = E_OK;
    while (e == E_OK && total < (1u << 20)) {
        uint32_t put;
        e = cache_write(&fs, &n, total, model + total, 1000, &put);
        total += put;
    }
    CHECK_EQ_U64(e, E_NOSPACE);
    CHECK_EQ_U64(n.size, total);
    CHECK(total > 0 && total < (1u << 20));
    CHECK_EQ_U64(fat_store(&fs, &n), E_OK);
    sync_and_fsck(&im, "filling the disk");
    CHECK(mtools_content_is(&im, "/fill.bin", model, total));
    free(model);
    unmount(&im);
    case_done("CACHE_0004_FULL_DISK");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
        return 2;
    }
    fixdir = argv[1];
    alarm(240); /* a hang is a failure */
    setenv("MTOOLS_SKIP_CHECK", "1", 1);
    setenv("LC_ALL", "C", 1);
    snprintf(workdir, sizeof workdir, "/tmp/test_fat32_cache.XXXXXX");
    if (!mkdtemp(workdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_read_through_small_cache();
    test_write_back();
    test_pinned();
    test_nospace();
    rmdir(workdir);
    return check_finish("fat32_cache");
}
