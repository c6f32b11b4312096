/*
 * libFuzzer harness for the FAT32 library and fat32's page cache: each
 * input is a list of 4-byte patches (a 24-bit offset into the first MiB of
 * a real image made by mkfs.fat and mtools -- boot sector, FSInfo, both
 * FATs, directories -- and a byte), applied to a private copy of that MiB.
 * The library then mounts the patched volume, checks it, walks and reads
 * it and writes to it. Whatever the bytes, every call must return (an
 * error or success), never crash, hang or touch memory it should not
 * (AddressSanitizer, UndefinedBehaviorSanitizer).
 *
 * Built with clang -fsanitize=fuzzer (tests/host/CMakeLists.txt); ctest
 * runs it for a bounded time; by hand: fuzz_fat32 -max_total_time=3600.
 * The image comes from MICA_FUZZ_IMAGE (tests/fixtures/make_fat32.sh's
 * main.img).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "fat.h"

#define SECTOR 512u
#define OVERLAY (1u << 20)
#define CACHE_PAGES 4

static const uint8_t *base;
static uint64_t base_len;
static uint8_t overlay[OVERLAY];
static uint8_t cache_mem[CACHE_PAGES * CACHE_PAGE];
static struct fat_fs fs;

/* Reads come from the patched first MiB, then the image; writes to the
 * first MiB stick for this input, later ones are dropped (the library
 * must cope with whatever it reads back). */
static err_t dev_read(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
    (void)ctx;
    uint64_t off = sector * SECTOR, len = (uint64_t)count * SECTOR;
    if (off > base_len || len > base_len - off)
        return E_IO;
    for (uint64_t done = 0; done < len; done += SECTOR) {
        uint64_t at = off + done;
        memcpy((uint8_t *)buf + done, at < OVERLAY ? overlay + at : base + at, SECTOR);
    }
    return E_OK;
}

static err_t dev_write(void *ctx, uint64_t sector, uint32_t count, const void *buf)
{
    (void)ctx;
    uint64_t off = sector * SECTOR, len = (uint64_t)count * SECTOR;
    if (off > base_len || len > base_len - off)
        return E_IO;
    for (uint64_t done = 0; done < len; done += SECTOR)
        if (off + done < OVERLAY)
            memcpy(overlay + off + done, (const uint8_t *)buf + done, SECTOR);
    return E_OK;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *path = getenv("MICA_FUZZ_IMAGE");
    int fd = path ? open(path, O_RDONLY) : -1;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < (off_t)OVERLAY) {
        fprintf(stderr, "fuzz_fat32: set MICA_FUZZ_IMAGE to a FAT32 image (main.img)\n");
        exit(2);
    }
    base_len = (uint64_t)st.st_size;
    base = mmap(NULL, base_len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (base == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    return 0;
}

static void walk(const struct fat_node *dir, int depth)
{
    uint32_t cookie = 0;
    struct fat_dirent de;
    for (int k = 0; k < 64 && fat_readdir(&fs, dir, &cookie, &de) == E_OK; k++) {
        char path[600];
        snprintf(path, sizeof path, "/%s", de.name);
        struct fat_node n;
        if (depth > 0 || fat_lookup(&fs, path, &n) != E_OK)
            continue;
        if (n.is_dir) {
            walk(&n, depth + 1);
        } else {
            uint8_t buf[5000];
            uint32_t got;
            (void)fat_read(&fs, &n, 0, buf, sizeof buf, &got);
            (void)fat_read(&fs, &n, n.size / 2, buf, sizeof buf, &got);
            (void)cache_read(&fs, &n, n.size > 100 ? n.size - 100 : 0, buf, 4096 + 100, &got);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memcpy(overlay, base, OVERLAY);
    for (size_t i = 0; i + 4 <= size; i += 4) {
        uint32_t off = ((uint32_t)data[i] | (uint32_t)data[i + 1] << 8 |
                        (uint32_t)data[i + 2] << 16) % OVERLAY;
        overlay[off] = data[i + 3];
    }
    struct fat_dev dev = {.ctx = NULL, .sector_size = SECTOR, .nsectors = base_len / SECTOR,
                          .read = dev_read, .write = dev_write};
    if (fat_mount(&fs, &dev) != E_OK)
        return 0;
    (void)cache_init(cache_mem, CACHE_PAGES);
    const char *why;
    (void)fat_check(&fs, &why);
    struct fat_node root;
    if (fat_lookup(&fs, "/", &root) == E_OK)
        walk(&root, 0);
    /* Writes: a file through the cache (evictions: 4 pages), a directory,
     * a rename, removals. */
    struct fat_node n;
    static uint8_t blob[20000];
    if (fat_create(&fs, "/fuzzed file.txt", false, &n) == E_OK) {
        uint32_t put;
        for (uint32_t off = 0; off < sizeof blob; off += 1000)
            if (cache_write(&fs, &n, off, blob + off, 1000, &put) != E_OK)
                break;
        (void)cache_sync(&fs, 0);
        (void)fat_store(&fs, &n);
        uint32_t first = n.first_cluster;
        (void)fat_truncate(&fs, &n, 100);
        cache_shrink(first, 100, 1);
        (void)fat_rename(&fs, "/fuzzed file.txt", "/renamed.txt");
        (void)fat_unlink(&fs, "/renamed.txt");
        cache_shrink(first, 0, 2);
    }
    if (fat_create(&fs, "/fuzzdir", true, &n) == E_OK)
        (void)fat_rmdir(&fs, "/fuzzdir");
    (void)fat_sync(&fs);
    return 0;
}
