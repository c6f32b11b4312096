/*
 * crashwrite: the guest half of qemu.crash_during_writes
 * (tests/qemu/crash_during_writes.py), run as init (-- /bin/crashwrite).
 *
 * It writes files whose every byte follows from the file's path and the
 * byte's offset (crash_byte; the host computes the same), makes them
 * durable with fsync(), sync() or (a shared mapping) msync(), and only
 * then says so:
 *   crashwrite: synced SIZE PATH         the file is durable, as it is
 *   crashwrite: synced prefix SIZE PATH  its first SIZE bytes are durable
 *   crashwrite: synced N files           the first set is complete
 * Then it writes forever: new files, appends, overwrites, truncations,
 * renames, mkdir/rmdir, unlinks, a long stream that overflows fat32's page
 * cache, and churn in /crash itself, the directory that holds the synced
 * entries — printing "crashwrite: round N" after each round, until the
 * host kills QEMU. A file named in a "synced" line is never written again,
 * except /crash/grow.dat (the "prefix" file): it only grows, and every few
 * rounds it is fsynced and announced again with its new size, so its
 * first SIZE bytes are durable while later bytes may not be.
 *
 * With the argument "hold" it stops after the synced set instead
 * ("crashwrite: holding"). Any failed call prints "crashwrite: FAIL ..."
 * and exits 1 (the host fails the run when the machine powers off before
 * it was killed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* FNV-1a of the path: each file's bytes differ from every other file's. */
static uint32_t path_seed(const char *path)
{
    uint32_t h = 2166136261u;
    for (; *path; path++)
        h = (h ^ (uint8_t)*path) * 16777619u;
    return h;
}

/* The byte at offset off of a file with this seed (a 32-bit mix of the
 * word index: shifted, swapped or stale data does not match). The host
 * script has the same function. */
static uint8_t crash_byte(uint32_t seed, uint64_t off)
{
    uint32_t x = (seed ^ (uint32_t)(off >> 2)) * 0x9e3779b1u;
    x ^= x >> 16;
    x *= 0x85ebca6bu;
    x ^= x >> 13;
    return (uint8_t)(x >> (8 * (off & 3)));
}

static void fill(uint32_t seed, uint64_t off, uint8_t *buf, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++)
        buf[i] = crash_byte(seed, off + i);
}

static void fail(const char *what, const char *path)
{
    printf("crashwrite: FAIL %s %s: errno %d\n", what, path, errno);
    fflush(stdout);
    exit(1);
}

static void say(const char *fmt, const char *path, unsigned long n)
{
    printf(fmt, n, path);
    fflush(stdout); /* the host acts on each line as it comes */
}

static uint8_t buf[65536], back[65536];

/* Writes len bytes of path's content at off, in pieces of `piece` bytes
 * (different piece sizes cross pages and clusters differently). */
static void put(int fd, const char *path, uint32_t seed, uint64_t off, uint32_t len,
                uint32_t piece)
{
    while (len > 0) {
        uint32_t n = len < piece ? len : piece;
        if (n > sizeof buf)
            n = sizeof buf;
        fill(seed, off, buf, n);
        if (lseek(fd, (off_t)off, SEEK_SET) != (off_t)off)
            fail("lseek", path);
        if (write(fd, buf, n) != (ssize_t)n)
            fail("write", path);
        off += n;
        len -= n;
    }
}

/* Creates (or truncates) path with size bytes of its own content. */
static int create(const char *path, uint32_t size, uint32_t piece)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        fail("open", path);
    put(fd, path, path_seed(path), 0, size, piece);
    return fd;
}

static void do_close(int fd, const char *path)
{
    if (close(fd) < 0)
        fail("close", path);
}

static void do_mkdir(const char *path)
{
    if (mkdir(path, 0755) < 0)
        fail("mkdir", path);
}

static void do_unlink(const char *path)
{
    if (unlink(path) < 0)
        fail("unlink", path);
}

static void do_rename(const char *from, const char *to)
{
    if (rename(from, to) < 0)
        fail("rename", from);
}

/* ---- the durable set ---- */

/* Sizes around the edges that matter: one byte, a part of a 512-byte
 * cluster (the system disk's), one page, many pages ending mid-page, a
 * long name (VFAT entries), a nested directory, an empty file. */
static const struct {
    const char *path;
    uint32_t size, piece;
    bool fsync_it; /* else closed and made durable by sync() */
} durable[] = {
    {"/crash/s1.dat", 1, 1, true},
    {"/crash/s511.dat", 511, 100, true},
    {"/crash/page.dat", 4096, 4096, true},
    {"/crash/A long synced name.dat", 70001, 3000, true},
    {"/crash/empty.dat", 0, 1, true},
    {"/crash/deep/er/nested.dat", 12345, 1024, false},
    {"/crash/big.dat", 300000, 8192, false},
};
#define NDURABLE (sizeof durable / sizeof durable[0])

/* The last group: files whose sync call alone must make them durable, as
 * no later request stores their directory entries (crashwrite hold stops
 * right after it; a path request such as open would store them).
 * - MAPPED: grown by write(), then given its bytes through a shared
 *   writable mapping and made durable by msync() (fat32's SYNC_FILE),
 *   its descriptor still open. Its first contents, from write(), differ:
 *   stale is not right. The mapping stays, never written again.
 * - PAIR: written through one descriptor, fsync()ed through another of
 *   its own (a second open): fsync syncs the file, not the descriptor. */
#define MAPPED "/crash/mapped.dat"
#define MAPPED_SIZE 20000u
#define PAIR "/crash/pair.dat"
#define PAIR_SIZE 9000u
static int mapped_fd, pair_w, pair_r;

static void write_last_group(void)
{
    mapped_fd = open(MAPPED, O_RDWR | O_CREAT | O_TRUNC, 0644);
    pair_w = open(PAIR, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pair_r = open(PAIR, O_RDONLY);
    if (mapped_fd < 0 || pair_w < 0 || pair_r < 0)
        fail("open", "the last group");
    put(mapped_fd, MAPPED, path_seed(MAPPED) + 7, 0, MAPPED_SIZE, 4096);
    uint8_t *map = mmap(NULL, MAPPED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, mapped_fd, 0);
    if (map == MAP_FAILED)
        fail("mmap", MAPPED);
    fill(path_seed(MAPPED), 0, map, MAPPED_SIZE);
    put(pair_w, PAIR, path_seed(PAIR), 0, PAIR_SIZE, 1024);
    if (msync(map, MAPPED_SIZE, MS_SYNC) < 0)
        fail("msync", MAPPED);
    say("crashwrite: synced %lu %s\n", MAPPED, MAPPED_SIZE);
    if (fsync(pair_r) < 0)
        fail("fsync", PAIR);
    say("crashwrite: synced %lu %s\n", PAIR, PAIR_SIZE);
}

#define GROW "/crash/grow.dat"
static int grow_fd;
static uint64_t grow_size;

static void grow(uint32_t len)
{
    put(grow_fd, GROW, path_seed(GROW), grow_size, len, 1000);
    grow_size += len;
}

static void grow_sync(void)
{
    if (fsync(grow_fd) < 0)
        fail("fsync", GROW);
    say("crashwrite: synced prefix %lu %s\n", GROW, (unsigned long)grow_size);
}

/* The sync() group first: files written and closed, then the whole
 * volume synced. Then the fsync() group, each file made durable by its own
 * fsync() alone (nothing syncs the volume afterwards), so a broken fsync
 * cannot hide behind a later sync. */
static void write_durable_set(void)
{
    do_mkdir("/crash");
    do_mkdir("/crash/deep");
    do_mkdir("/crash/deep/er");
    do_mkdir("/crash/w");
    for (unsigned i = 0; i < NDURABLE; i++)
        if (!durable[i].fsync_it)
            do_close(create(durable[i].path, durable[i].size, durable[i].piece),
                     durable[i].path);
    sync();
    for (unsigned i = 0; i < NDURABLE; i++)
        if (!durable[i].fsync_it)
            say("crashwrite: synced %lu %s\n", durable[i].path, durable[i].size);
    for (unsigned i = 0; i < NDURABLE; i++) {
        if (!durable[i].fsync_it)
            continue;
        int fd = create(durable[i].path, durable[i].size, durable[i].piece);
        if (fsync(fd) < 0)
            fail("fsync", durable[i].path);
        say("crashwrite: synced %lu %s\n", durable[i].path, durable[i].size);
        do_close(fd, durable[i].path);
    }
    grow_fd = create(GROW, 0, 1);
    grow(5000);
    grow_sync();
    write_last_group();
    printf("crashwrite: synced %u files\n", (unsigned)NDURABLE + 3);
    fflush(stdout);
}

/* ---- writing forever ---- */

static char p1[128], p2[128];

static const char *work(unsigned j)
{
    snprintf(p1, sizeof p1, "/crash/w/f%u.dat", j);
    return p1;
}

static const char *moved(unsigned j)
{
    snprintf(p2, sizeof p2, "/crash/w/d%u/moved file %u.dat", j, j);
    return p2;
}

/* Overwrites part of f(j) with other content and reads it back. */
static void overwrite(unsigned j)
{
    const char *path = work(j);
    int fd = open(path, O_RDWR);
    if (fd < 0)
        fail("open", path);
    uint32_t seed = path_seed(path) + 1, off = 300, len = 2500;
    put(fd, path, seed, off, len, 700);
    fill(seed, off, buf, len);
    if (lseek(fd, off, SEEK_SET) != off || read(fd, back, len) != (ssize_t)len ||
        memcmp(buf, back, len) != 0)
        fail("read back", path);
    do_close(fd, path);
}

#define STREAM_ROUND 65536u
#define STREAM_MAX (8u << 20) /* twice fat32's 4 MiB cache: eviction write-backs */
static int stream_fd = -1;
static unsigned stream_no;
static uint64_t stream_size;

static void stream(void)
{
    char path[64];
    snprintf(path, sizeof path, "/crash/w/stream%u.dat", stream_no);
    if (stream_fd >= 0 && stream_size >= STREAM_MAX) {
        do_close(stream_fd, path);
        do_unlink(path);
        stream_fd = -1;
        snprintf(path, sizeof path, "/crash/w/stream%u.dat", ++stream_no);
    }
    if (stream_fd < 0) {
        stream_fd = create(path, 0, 1);
        stream_size = 0;
    }
    put(stream_fd, path, path_seed(path), stream_size, STREAM_ROUND, 4096);
    stream_size += STREAM_ROUND;
}

/* Names come and go beside the synced entries, long ones (VFAT) too. */
static void churn(unsigned i)
{
    char a[64], b[64];
    snprintf(a, sizeof a, "/crash/churn file %u.tmp", i);
    do_close(create(a, 700, 700), a);
    if (i >= 1) {
        snprintf(a, sizeof a, "/crash/churn file %u.tmp", i - 1);
        snprintf(b, sizeof b, "/crash/C%u.TMP", i - 1);
        do_rename(a, b);
    }
    if (i >= 2) {
        snprintf(b, sizeof b, "/crash/C%u.TMP", i - 2);
        do_unlink(b);
    }
}

/* One round: file f(i) is created; f(i-1) grows; f(i-2) is overwritten
 * in the middle; f(i-4) is truncated and rewritten; every third round
 * f(i-3) moves into a new directory d(i), and d(i-9) goes away with it;
 * f(i-6) is unlinked unless it moved. */
static void round_of_writes(unsigned i)
{
    do_close(create(work(i), 1000 + (i * 7919u) % 60000u, 1500 + (i % 3) * 1000), work(i));
    if (i >= 1) {
        const char *path = work(i - 1);
        int fd = open(path, O_WRONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
            fail("open", path);
        put(fd, path, path_seed(path), (uint64_t)st.st_size, 2000, 2000);
        do_close(fd, path);
    }
    if (i >= 2)
        overwrite(i - 2);
    if (i >= 4 && (i - 4) % 3 != 0)
        do_close(create(work(i - 4), 1234, 1234), work(i - 4));
    if (i >= 3 && i % 3 == 0) {
        char dir[64];
        snprintf(dir, sizeof dir, "/crash/w/d%u", i - 3);
        do_mkdir(dir);
        do_rename(work(i - 3), moved(i - 3));
    }
    if (i >= 6 && (i - 6) % 3 != 0)
        do_unlink(work(i - 6));
    if (i >= 12 && i % 3 == 0) {
        char dir[64];
        snprintf(dir, sizeof dir, "/crash/w/d%u", i - 12);
        do_unlink(moved(i - 12));
        if (rmdir(dir) < 0)
            fail("rmdir", dir);
    }
    churn(i);
    stream();
    grow(3000);
    if (i % 4 == 3)
        grow_sync();
}

/* "crashwrite hold": stop after the synced set, the disk exactly as the
 * sync calls left it, for the host to kill QEMU at a known point (what a
 * sync promised must not depend on later requests). */
int main(int argc, char **argv)
{
    write_durable_set();
    if (argc > 1 && strcmp(argv[1], "hold") == 0) {
        printf("crashwrite: holding\n");
        fflush(stdout);
        for (;;)
            sleep(1);
    }
    do_close(mapped_fd, MAPPED); /* the mapping keeps the file */
    do_close(pair_w, PAIR);
    do_close(pair_r, PAIR);
    for (unsigned i = 0;; i++) {
        round_of_writes(i);
        printf("crashwrite: round %u\n", i);
        fflush(stdout);
    }
}
