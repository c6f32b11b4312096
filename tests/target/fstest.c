/*
 * fstest: system tests of fat32, the file server, through the libsys
 * stubs. A program mm serves (root.run=fstest) on a copy of the system
 * disk; the host checks the volume with fsck.fat and mtools afterwards
 * (tests/qemu/cases/fstest.test).
 */
#include <sys/fs.h>
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/root.h>
#include <sys/mm.h>

#define TEST_MAIN
#include "check.h"

#define FS FS_CLIENT_SLOT
#define BIG 5000

static uint8_t big[BIG], back[BIG];



static void test_read_mcopy_file(void)
{
    uint64_t size = 0;
    bool dir = true;
    int64_t h = fs_open(FS, "/hello.txt", 0, &size, &dir);
    CHECK(h >= 0);
    CHECK_EQ(size, 25);
    CHECK(!dir);
    char text[64] = {0};
    CHECK_EQ(fs_read(FS, (uint64_t)h, 0, text, sizeof(text)), 25);
    CHECK_EQ(memcmp(text, "hello from the Mica disk\n", 25), 0);
    CHECK_EQ(fs_read(FS, (uint64_t)h, 6, text, 4), 4);
    CHECK_EQ(memcmp(text, "from", 4), 0);
    CHECK_EQ(fs_read(FS, (uint64_t)h, 25, text, 4), 0); /* end of file */
    CHECK_EQ(fs_close(FS, (uint64_t)h), 0);
    CHECK(fs_open(FS, "/HELLO.TXT", 0, NULL, NULL) >= 0); /* FAT names ignore case */
}

static void test_write_long_name(void)
{
    for (int i = 0; i < BIG; i++)
        big[i] = (uint8_t)(i * 31 + 7);
    int64_t h = fs_open(FS, "/A long file name.txt", FS_O_CREAT | FS_O_EXCL, NULL, NULL);
    CHECK(h >= 0);
    CHECK_EQ(fs_write(FS, (uint64_t)h, 0, big, BIG), BIG);
    struct fs_stat st;
    CHECK_EQ(fs_fstat(FS, (uint64_t)h, &st), 0);
    CHECK_EQ(st.size, BIG);
    /* Stamped with the wall clock root read from the RTC, not 1980. */
    CHECK((st.mdate_mtime >> 25) + 1980 >= 2025);
    CHECK_EQ(fs_close(FS, (uint64_t)h), 0);
    uint64_t size = 0;
    h = fs_open(FS, "/a LONG file NAME.txt", 0, &size, NULL);
    CHECK_EQ(size, BIG);
    CHECK_EQ(fs_read(FS, (uint64_t)h, 0, back, BIG), BIG);
    CHECK_EQ(memcmp(big, back, BIG), 0);
    /* Overwrite in the middle and append past the end. */
    CHECK_EQ(fs_write(FS, (uint64_t)h, 1000, "MICA", 4), 4);
    CHECK_EQ(fs_write(FS, (uint64_t)h, BIG, "END", 3), 3);
    CHECK_EQ(fs_fstat(FS, (uint64_t)h, &st), 0);
    CHECK_EQ(st.size, BIG + 3);
    char mid[4];
    CHECK_EQ(fs_read(FS, (uint64_t)h, 1000, mid, 4), 4);
    CHECK_EQ(memcmp(mid, "MICA", 4), 0);
    CHECK_EQ(fs_close(FS, (uint64_t)h), 0);
    CHECK_EQ(fs_open(FS, "/A long file name.txt", FS_O_CREAT | FS_O_EXCL, NULL, NULL), E_EXIST);
}

/* A file larger than the page cache: written and read back through it,
 * so pages are evicted (dirty ones written back) all along; a small file
 * read twice is served from the cache the second time. */
#define CACHE_FILE_LEN (6u << 20)
#define CACHE_CHUNK 8192u
static uint8_t chunk_buf[CACHE_CHUNK];

static uint8_t cache_pattern(uint64_t i)
{
    return (uint8_t)(i * 13 + (i >> 12));
}

static void test_page_cache(void)
{
    struct fs_cache_stats s0, s1, s2;
    CHECK_EQ(fs_cache_stats(FS, &s0), 0);
    int64_t h = fs_open(FS, "/cache6m.bin", FS_O_CREAT | FS_O_EXCL, NULL, NULL);
    CHECK(h >= 0);
    for (uint64_t off = 0; off < CACHE_FILE_LEN; off += CACHE_CHUNK) {
        for (uint64_t i = 0; i < CACHE_CHUNK; i++)
            chunk_buf[i] = cache_pattern(off + i);
        CHECK_EQ(fs_write(FS, (uint64_t)h, off, chunk_buf, CACHE_CHUNK), CACHE_CHUNK);
    }
    uint64_t bad = 0;
    for (uint64_t off = 0; off < CACHE_FILE_LEN; off += CACHE_CHUNK) {
        CHECK_EQ(fs_read(FS, (uint64_t)h, off, chunk_buf, CACHE_CHUNK), CACHE_CHUNK);
        for (uint64_t i = 0; i < CACHE_CHUNK; i++)
            bad += chunk_buf[i] != cache_pattern(off + i);
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(fs_cache_stats(FS, &s1), 0);
    CHECK(s1.pages * 4096 < CACHE_FILE_LEN); /* the file does not fit */
    CHECK(s1.evictions > s0.evictions);
    CHECK(s1.writebacks > s0.writebacks);
    CHECK_EQ(fs_fsync(FS, (uint64_t)h), 0);
    CHECK_EQ(fs_close(FS, (uint64_t)h), 0);
    /* A small file read twice: the second read misses nothing. */
    h = fs_open(FS, "/hello.txt", 0, NULL, NULL);
    char text[32];
    CHECK_EQ(fs_read(FS, (uint64_t)h, 0, text, sizeof text), 25);
    CHECK_EQ(fs_cache_stats(FS, &s1), 0);
    CHECK_EQ(fs_read(FS, (uint64_t)h, 0, text, sizeof text), 25);
    CHECK_EQ(fs_cache_stats(FS, &s2), 0);
    CHECK_EQ(s2.misses, s1.misses);
    CHECK_EQ(s2.hits, s1.hits + 1);
    CHECK_EQ(fs_close(FS, (uint64_t)h), 0);
    CHECK_EQ(fs_sync(FS), 0);
    CHECK_EQ(fs_cache_stats(FS, &s2), 0);
    CHECK_EQ(s2.dirty, 0); /* nothing mapped writable now: all on the disk */
    CHECK_EQ(fs_fsync(FS, 999), E_BADH);
}

static bool listed(const char *dir, const char *name)
{
    int64_t h = fs_open(FS, dir, 0, NULL, NULL);
    if (h < 0)
        return false;
    uint64_t cookie = 0;
    char n[256];
    bool found = false;
    while (fs_readdir(FS, (uint64_t)h, &cookie, n, sizeof(n), NULL, NULL) == 0)
        if (strcmp(n, name) == 0)
            found = true;
    (void)fs_close(FS, (uint64_t)h);
    return found;
}

static void test_directories(void)
{
    CHECK_EQ(fs_mkdir(FS, "/newdir"), 0);
    CHECK_EQ(fs_mkdir(FS, "/newdir"), E_EXIST);
    int64_t h = fs_open(FS, "/newdir/inner.txt", FS_O_CREAT, NULL, NULL);
    CHECK(h >= 0);
    CHECK_EQ(fs_write(FS, (uint64_t)h, 0, "inner", 5), 5);
    CHECK_EQ(fs_close(FS, (uint64_t)h), 0);
    CHECK(listed("/", "hello.txt"));
    CHECK(listed("/", "A long file name.txt"));
    CHECK(listed("/", "newdir"));
    CHECK(listed("/newdir", "inner.txt"));
    CHECK_EQ(fs_rmdir(FS, "/newdir"), E_BUSY);
    CHECK_EQ(fs_rename(FS, "/newdir/inner.txt", "/docs/moved.txt"), 0);
    CHECK(!listed("/newdir", "inner.txt"));
    CHECK(listed("/docs", "moved.txt"));
    CHECK_EQ(fs_rmdir(FS, "/newdir"), 0);
    CHECK(!listed("/", "newdir"));
    h = fs_open(FS, "/scratch.bin", FS_O_CREAT, NULL, NULL);
    CHECK_EQ(fs_write(FS, (uint64_t)h, 0, big, 3000), 3000);
    CHECK_EQ(fs_truncate(FS, (uint64_t)h, 100), 0);
    struct fs_stat st;
    CHECK_EQ(fs_fstat(FS, (uint64_t)h, &st), 0);
    CHECK_EQ(st.size, 100);
    CHECK_EQ(fs_close(FS, (uint64_t)h), 0);
    CHECK_EQ(fs_unlink(FS, "/scratch.bin"), 0);
    CHECK_EQ(fs_open(FS, "/scratch.bin", 0, NULL, NULL), E_NOENT);
}

static void test_errors(void)
{
    CHECK_EQ(fs_open(FS, "/no/such/file", 0, NULL, NULL), E_NOENT);
    CHECK_EQ(fs_open(FS, "relative.txt", 0, NULL, NULL), E_INVAL);
    CHECK_EQ(fs_close(FS, 63), E_BADH);
    CHECK_EQ(fs_close(FS, 1000), E_BADH);
    CHECK_EQ(fs_unlink(FS, "/docs"), E_INVAL);
    int64_t d = fs_open(FS, "/docs", 0, NULL, NULL);
    char c;
    CHECK_EQ(fs_read(FS, (uint64_t)d, 0, &c, 1), E_INVAL);
    CHECK_EQ(fs_close(FS, (uint64_t)d), 0);
    /* A path without its NUL inside the data is refused by the server. */
    memset(ipc_buffer()->data, 'a', 16);
    struct ipc_msg m = {.tag = IPC_TAG(FS_OP_OPEN, 16, 0)};
    CHECK_EQ(ipc_call(FS, &m), 0);
    CHECK_EQ(FS_REPLY_ERR(IPC_TAG_LABEL(m.tag)), E_INVAL);
    m.tag = IPC_TAG(99, 0, 0);
    CHECK_EQ(ipc_call(FS, &m), 0);
    CHECK_EQ(FS_REPLY_ERR(IPC_TAG_LABEL(m.tag)), E_NOSYS);
}

/* A child writes a file in a loop and is killed in the middle: the volume
 * stays consistent (the host runs fsck.fat afterwards) and the parent goes
 * on using the file system. */
static void doomed_writer(uint64_t arg)
{
    (void)arg;
    handle_t fs = 2; /* the file-server endpoint the parent passed */
    int64_t h = fs_open(fs, "/doomed.bin", FS_O_CREAT | FS_O_TRUNC, NULL, NULL);
    for (uint64_t i = 0; h >= 0 && i < 40; i++)
        (void)fs_write(fs, (uint64_t)h, i * 700, big, 700);
    *(volatile uint64_t *)0x7000000000ul = 1; /* killed by mm here */
}

static void test_killed_writer(void)
{
    int64_t n = sys_notification_create();
    int64_t fs_copy = sys_cap_copy(FS, RIGHTS_ALL, 0);
    struct mm_space_caps c;
    handle_t th;
    CHECK(n > 0 && fs_copy > 0);
    CHECK_EQ(mm_fork_run(doomed_writer, 0, 20, (handle_t)n, (handle_t)fs_copy, &c, &th), 0);
    CHECK(ntfn_wait((handle_t)n) > 0); /* mm reports the kill */
    (void)sys_cap_delete(th);
    CHECK_EQ(mm_space_destroy(MM_CLIENT_SLOT, c.id), 0);
    uint64_t size = 0;
    int64_t h = fs_open(FS, "/doomed.bin", 0, &size, NULL);
    CHECK(h >= 0);
    CHECK_EQ(size, 40 * 700); /* every write that was answered is there */
    CHECK_EQ(fs_close(FS, (uint64_t)h), 0);
    CHECK_EQ(fs_sync(FS), 0);
}

/* ---- file-backed mappings ---- */

#define PAGE 4096ul

/* What the child reports: in a shared page (its other memory is a copy). */
static volatile uint64_t *report; /* [0] = byte it read, [1] = its frame */

/* A second process maps the same file page: it must get the same frame. */
static void child_maps_file(uint64_t arg)
{
    (void)arg;
    handle_t fs = 2;
    int64_t h = fs_open(fs, "/A long file name.txt", 0, NULL, NULL);
    int64_t cap = h < 0 ? h : fs_map_file(fs, (uint64_t)h, false);
    int64_t a = cap < 0 ? cap : mm_mmap_file(0, 2 * PAGE, MM_PROT_R, 0, (handle_t)cap, 0);
    if (a < 0)
        sys_printf("  child: mapping the file failed: %s\n", err_name((err_t)a));
    if (a > 0) {
        report[0] = *(volatile uint8_t *)(uintptr_t)(a + PAGE);
        uint64_t pte, refs, pa;
        if (mm_page_info_pa((uint64_t)a + PAGE, &pte, &refs, &pa) == 0)
            report[1] = pa;
    }
    (void)ntfn_signal(3);
}

static void child_beyond_eof(uint64_t arg)
{
    volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)arg;
    (void)p[2 * PAGE]; /* the file has two pages: killed here */
}

static void test_mmap_private(void)
{
    struct mm_stats_reply s0;
    (void)mm_stats(MM_CLIENT_SLOT, &s0);
    int64_t h = fs_open(FS, "/A long file name.txt", 0, NULL, NULL);
    int64_t cap = fs_map_file(FS, (uint64_t)h, false);
    CHECK(cap > 0);
    int64_t a = mm_mmap_file(0, 3 * PAGE, MM_PROT_R | MM_PROT_W, 0, (handle_t)cap, 0);
    CHECK(a > 0);
    volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)a;
    CHECK_EQ(p[0], big[0]);
    CHECK_EQ(p[4999], big[4999]);
    CHECK_EQ(p[1000], 'M');
    CHECK_EQ(p[5002], 'D');          /* "END" appended earlier */
    CHECK_EQ(p[5003], 0);            /* past the end, inside the last page: zero */
    CHECK_EQ(p[2 * PAGE - 1], 0);
    uint64_t pte, refs, pa;
    CHECK_EQ(mm_page_info_pa((uint64_t)a, &pte, &refs, &pa), 0);
    CHECK_EQ(pte & (MAP_W | MAP_SW0), MAP_SW0); /* read-only, copy on write */
    /* A private write copies the page; the file does not change. */
    p[1] = 0x5a;
    CHECK_EQ(p[1], 0x5a);
    char byte = 0;
    CHECK_EQ(fs_read(FS, (uint64_t)h, 1, &byte, 1), 1);
    CHECK_EQ((uint8_t)byte, big[1]);
    CHECK_EQ(mm_page_info_pa((uint64_t)a, &pte, &refs, &pa), 0);
    CHECK(pte & MAP_W);
    /* Another process mapping the same page gets the same frame: our
     * second page is still the cached one (only page 0 was copied). */
    uint64_t pte2, refs2, pa2;
    CHECK_EQ(mm_page_info_pa((uint64_t)a + PAGE, &pte2, &refs2, &pa2), 0);
    CHECK_EQ(pte2 & (MAP_PRESENT | MAP_W), MAP_PRESENT);
    int64_t n = sys_notification_create();
    int64_t fs_copy = sys_cap_copy(FS, RIGHTS_ALL, 0);
    int64_t shared = mm_mmap(0, PAGE, MM_PROT_R | MM_PROT_W, MM_MAP_SHARED);
    report = (volatile uint64_t *)(uintptr_t)shared;
    report[0] = report[1] = 0; /* present before the fork: both share it */
    struct mm_space_caps c;
    handle_t th;
    CHECK_EQ(mm_fork_run(child_maps_file, 0, 20, 0, (handle_t)fs_copy, &c, &th), 0);
    /* The child signals through slot 3: give it our notification there. */
    CHECK(sys_cap_grant(c.task, (handle_t)n, RIGHTS_ALL, 0, 3) > 0);
    CHECK(ntfn_wait((handle_t)n) > 0);
    (void)sys_cap_delete(th);
    CHECK_EQ(mm_space_destroy(MM_CLIENT_SLOT, c.id), 0);
    CHECK_EQ(report[0], big[PAGE]);
    CHECK(report[1] != 0);
    CHECK_EQ(report[1], pa2); /* one frame, two processes: the cached page */
    CHECK_EQ(mm_munmap((uint64_t)shared, PAGE), 0);
    /* Beyond the last page of the file: the child is killed. */
    CHECK_EQ(mm_fork_run(child_beyond_eof, (uint64_t)a, 20, (handle_t)n, 0, &c, &th), 0);
    CHECK(ntfn_wait((handle_t)n) > 0);
    (void)sys_cap_delete(th);
    CHECK_EQ(mm_space_destroy(MM_CLIENT_SLOT, c.id), 0);
    struct mm_stats_reply s1;
    (void)mm_stats(MM_CLIENT_SLOT, &s1);
    CHECK(s1.file_faults >= s0.file_faults + 2);
    CHECK_EQ(s1.killed, s0.killed + 1);
    CHECK_EQ(mm_munmap((uint64_t)a, 3 * PAGE), 0);
    CHECK_EQ(fs_close(FS, (uint64_t)h), 0);
}

/* A page of this process is not mapped (mm_page_info_pa: no PTE). */
static bool unmapped(uint64_t va)
{
    uint64_t pte = 1, refs, pa;
    return mm_page_info_pa(va, &pte, &refs, &pa) == 0 && pte == 0;
}

/* POSIX: once truncate() (or unlink) returns, no process reaches the
 * file's old pages past the new end: mm has unmapped them everywhere
 * (private copies too), the last page reads zeros past the end, and
 * touching past it kills the thread. */
static void test_mmap_truncate(void)
{
    int64_t h = fs_open(FS, "/trunc.bin", FS_O_CREAT | FS_O_TRUNC, NULL, NULL);
    static char fill[3 * PAGE];
    memset(fill, 'b', sizeof(fill));
    CHECK_EQ(fs_write(FS, (uint64_t)h, 0, fill, sizeof(fill)), (int64_t)sizeof(fill));
    int64_t a = mm_mmap_file(0, 3 * PAGE, MM_PROT_R | MM_PROT_W, MM_MAP_SHARED,
                             (handle_t)fs_map_file(FS, (uint64_t)h, true), 0);
    int64_t b = mm_mmap_file(0, 3 * PAGE, MM_PROT_R | MM_PROT_W, 0,
                             (handle_t)fs_map_file(FS, (uint64_t)h, false), 0);
    CHECK(a > 0 && b > 0);
    volatile char *sp = (volatile char *)(uintptr_t)a, *pp = (volatile char *)(uintptr_t)b;
    for (int i = 0; i < 3; i++)
        CHECK_EQ(sp[i * PAGE] + pp[i * PAGE], 'b' + 'b');
    pp[2 * PAGE] = 'c'; /* a private copy of the third page */
    CHECK(!unmapped((uint64_t)a + 2 * PAGE) && !unmapped((uint64_t)b + 2 * PAGE));
    CHECK_EQ(fs_truncate(FS, (uint64_t)h, PAGE + 10), 0);
    CHECK(unmapped((uint64_t)a + 2 * PAGE));
    CHECK(unmapped((uint64_t)b + 2 * PAGE));
    CHECK(!unmapped((uint64_t)a + PAGE)); /* the last page stays ... */
    CHECK_EQ(sp[PAGE + 9], 'b');
    CHECK_EQ(sp[PAGE + 10], 0);          /* ... with zeros past the end */
    CHECK_EQ(pp[PAGE + 10], 0);
    struct mm_stats_reply s0, s1;
    (void)mm_stats(MM_CLIENT_SLOT, &s0);
    int64_t n = sys_notification_create();
    struct mm_space_caps c;
    handle_t th;
    CHECK_EQ(mm_fork_run(child_beyond_eof, (uint64_t)a, 20, (handle_t)n, 0, &c, &th), 0);
    CHECK(ntfn_wait((handle_t)n) > 0);
    (void)sys_cap_delete(th);
    CHECK_EQ(mm_space_destroy(MM_CLIENT_SLOT, c.id), 0);
    (void)mm_stats(MM_CLIENT_SLOT, &s1);
    CHECK_EQ(s1.killed, s0.killed + 1);
    /* Growing the file again: the new bytes read as zeros, not old data. */
    CHECK_EQ(fs_truncate(FS, (uint64_t)h, 3 * PAGE), 0);
    CHECK_EQ(sp[2 * PAGE], 0);
    CHECK_EQ(sp[PAGE + 10], 0);
    /* Unlinked while mapped: FAT frees the clusters at once, so nothing
     * of the file stays mapped. */
    CHECK_EQ(fs_close(FS, (uint64_t)h), 0);
    CHECK_EQ(fs_unlink(FS, "/trunc.bin"), 0);
    CHECK(unmapped((uint64_t)a) && unmapped((uint64_t)b) && unmapped((uint64_t)a + PAGE));
    CHECK_EQ(mm_munmap((uint64_t)a, 3 * PAGE), 0);
    CHECK_EQ(mm_munmap((uint64_t)b, 3 * PAGE), 0);
}

static void test_mmap_shared(void)
{
    int64_t h = fs_open(FS, "/shared.bin", FS_O_CREAT | FS_O_TRUNC, NULL, NULL);
    static char fill[2 * PAGE];
    memset(fill, 'a', sizeof(fill));
    CHECK_EQ(fs_write(FS, (uint64_t)h, 0, fill, sizeof(fill)), (int64_t)sizeof(fill));
    int64_t cap = fs_map_file(FS, (uint64_t)h, true);
    int64_t a = mm_mmap_file(0, 2 * PAGE, MM_PROT_R | MM_PROT_W, MM_MAP_SHARED, (handle_t)cap, 0);
    CHECK(a > 0);
    char *p = (char *)(uintptr_t)a;
    CHECK_EQ(p[PAGE + 5], 'a');
    memcpy(p + 100, "SHARED", 6);           /* lands in the page cache */
    memcpy(p + PAGE + 7, "PAGE2", 5);
    char got[6] = {0};
    CHECK_EQ(fs_read(FS, (uint64_t)h, 100, got, 6), 6); /* read() sees it at once */
    CHECK_EQ(memcmp(got, "SHARED", 6), 0);
    CHECK_EQ(mm_msync((uint64_t)a, 2 * PAGE), 0);
    CHECK_EQ(mm_munmap((uint64_t)a, 2 * PAGE), 0);
    CHECK_EQ(fs_read(FS, (uint64_t)h, PAGE + 7, got, 5), 5);
    CHECK_EQ(memcmp(got, "PAGE2", 5), 0);
    /* A read-only file capability refuses writable shared pages: at mmap
     * and at mprotect, never by a fault later. */
    int64_t ro = fs_map_file(FS, (uint64_t)h, false);
    CHECK_EQ(mm_mmap_file(0, PAGE, MM_PROT_R | MM_PROT_W, MM_MAP_SHARED, (handle_t)ro, 0),
             E_PERM);
    ro = fs_map_file(FS, (uint64_t)h, false);
    int64_t b = mm_mmap_file(0, PAGE, MM_PROT_R, MM_MAP_SHARED, (handle_t)ro, 0);
    CHECK(b > 0);
    CHECK_EQ(*(volatile char *)(uintptr_t)b, 'a');
    CHECK_EQ(mm_mprotect((uint64_t)b, PAGE, MM_PROT_R | MM_PROT_W), E_PERM);
    CHECK_EQ(mm_munmap((uint64_t)b, PAGE), 0);
    /* With a writable capability, a read-only shared mapping made writable
     * by mprotect writes through to the file (the page is fetched again,
     * writable). */
    int64_t rw = fs_map_file(FS, (uint64_t)h, true);
    b = mm_mmap_file(0, PAGE, MM_PROT_R, MM_MAP_SHARED, (handle_t)rw, 0);
    CHECK(b > 0);
    volatile char *q = (volatile char *)(uintptr_t)b;
    CHECK_EQ(q[100], 'S');
    CHECK_EQ(mm_mprotect((uint64_t)b, PAGE, MM_PROT_R | MM_PROT_W), 0);
    q[200] = 'Z';
    CHECK_EQ(fs_read(FS, (uint64_t)h, 200, got, 1), 1);
    CHECK_EQ(got[0], 'Z');
    CHECK_EQ(mm_munmap((uint64_t)b, PAGE), 0);
    /* Private and read-only, then made writable: the write copies the page
     * and the file keeps its byte. */
    int64_t pv = fs_map_file(FS, (uint64_t)h, false);
    b = mm_mmap_file(0, PAGE, MM_PROT_R, 0, (handle_t)pv, 0);
    CHECK(b > 0);
    q = (volatile char *)(uintptr_t)b;
    CHECK_EQ(q[200], 'Z');
    CHECK_EQ(mm_mprotect((uint64_t)b, PAGE, MM_PROT_R | MM_PROT_W), 0);
    q[200] = 'p';
    CHECK_EQ(q[200], 'p');
    CHECK_EQ(fs_read(FS, (uint64_t)h, 200, got, 1), 1);
    CHECK_EQ(got[0], 'Z');
    CHECK_EQ(mm_munmap((uint64_t)b, PAGE), 0);
    /* Something that is not a file capability is refused cleanly. */
    CHECK_EQ(mm_mmap_file(0, PAGE, MM_PROT_R, 0, (handle_t)sys_cap_copy(FS, RIGHTS_ALL, 0), 0),
             E_INVAL);
    CHECK_EQ(fs_close(FS, (uint64_t)h), 0);
}

/* With a user disk attached (./mica run --disk), it is mounted at /mnt. */
static void test_user_disk(void)
{
    handle_t fs;
    const char *rest;
    if (fs_resolve("/mnt/user.txt", &fs, &rest) < 0) {
        sys_puts("fstest: no /mnt disk\n");
        test_skip();
        return;
    }
    CHECK_EQ(fs, FS_MNT_SLOT);
    CHECK_EQ(strcmp(rest, "/user.txt"), 0);
    uint64_t size = 0;
    int64_t h = fs_open(fs, rest, 0, &size, NULL);
    CHECK(h >= 0);
    char text[64] = {0};
    CHECK_EQ(fs_read(fs, (uint64_t)h, 0, text, sizeof(text) - 1), (int64_t)size);
    CHECK_EQ(strcmp(text, "brought by the user\n"), 0);
    CHECK_EQ(fs_close(fs, (uint64_t)h), 0);
    CHECK_EQ(fs_resolve("/mnt/from-mica.txt", &fs, &rest), 0);
    h = fs_open(fs, rest, FS_O_CREAT | FS_O_TRUNC, NULL, NULL);
    CHECK_EQ(fs_write(fs, (uint64_t)h, 0, "written by Mica\n", 16), 16);
    CHECK_EQ(fs_close(fs, (uint64_t)h), 0);
    CHECK_EQ(fs_sync(fs), 0);
    /* The system disk does not have the user's file. */
    CHECK_EQ(fs_open(FS, "/user.txt", 0, NULL, NULL), E_NOENT);
}

static const struct test tests[] = {
    TEST(FS_READ_0001_FILE_PUT_BY_MCOPY, test_read_mcopy_file),
    TEST(FS_WRITE_0001_LONG_NAME_WRITE_READ_BACK, test_write_long_name),
    TEST(FS_CACHE_0001_EVICTION_WRITE_BACK_HITS, test_page_cache),
    TEST(FS_DIR_0001_MKDIR_RENAME_RMDIR_UNLINK, test_directories),
    TEST(FS_ERR_0001_BAD_REQUESTS, test_errors),
    TEST(FS_KILL_0001_WRITER_KILLED_VOLUME_CONSISTENT, test_killed_writer),
    TEST(FS_MMAP_0001_PRIVATE_COW_EOF_ZEROS_SHARED_FRAME, test_mmap_private),
    TEST(FS_MMAP_0002_SHARED_WRITES_REACH_THE_FILE, test_mmap_shared),
    TEST(FS_MMAP_0003_TRUNCATE_UNLINK_UNDER_MAPPING, test_mmap_truncate),
    TEST(FS_MNT_0001_USER_DISK_AT_MNT, test_user_disk),
};

int main(uintptr_t arg)
{
    (void)arg;
    sys_puts("fstest: file server tests\n");
    test_run_table(tests, TEST_COUNT(tests));
    if (fs_sync(FS) != 0)
        test_failures++;
    test_summary("fstest");
    root_report_exit(ROOT_REPORT_SLOT, test_failures);
    return test_failures;
}
