/*
 * fsverify: run on the second boot of the fstest_reboot case, on the disk
 * fstest wrote in the first boot. Checks that what fstest wrote, renamed,
 * wrote through a shared mapping and unlinked is on the disk as fstest
 * left it: the data survived the power-off.
 */
#include <sys/fs.h>
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/root.h>
#include <sys/mm.h>

#define TEST_MAIN
#include "check.h"

#define FS FS_CLIENT_SLOT
#define PAGE 4096ul
#define BIG 5000

static uint8_t back[BIG + 3];

static void test_files_survive(void)
{
    /* FS_WRITE_0001: 5000 pattern bytes, "MICA" at 1000, "END" appended. */
    uint64_t size = 0;
    int64_t h = fs_open(FS, "/A long file name.txt", 0, &size, NULL);
    CHECK(h >= 0);
    CHECK_EQ(size, BIG + 3);
    CHECK_EQ(fs_read(FS, (uint64_t)h, 0, back, sizeof(back)), BIG + 3);
    int bad = 0;
    for (int i = 0; i < BIG; i++) {
        uint8_t want = (uint8_t)(i * 31 + 7);
        if (i >= 1000 && i < 1004)
            want = (uint8_t)"MICA"[i - 1000];
        bad += back[i] != want;
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(back[BIG] + back[BIG + 1] + back[BIG + 2], 'E' + 'N' + 'D');
    CHECK_EQ(fs_close(FS, (uint64_t)h), 0);
    /* FS_DIR_0001: renamed across directories; the old name is gone. */
    char text[8] = {0};
    h = fs_open(FS, "/docs/moved.txt", 0, NULL, NULL);
    CHECK(h >= 0);
    CHECK_EQ(fs_read(FS, (uint64_t)h, 0, text, sizeof(text)), 5);
    CHECK_EQ(memcmp(text, "inner", 5), 0);
    CHECK_EQ(fs_close(FS, (uint64_t)h), 0);
    /* FS_MMAP_0003 unlinked its file. */
    CHECK_EQ(fs_open(FS, "/trunc.bin", 0, NULL, NULL), E_NOENT);
}

static void test_mapped_writes_survive(void)
{
    /* FS_MMAP_0002 wrote these through a shared mapping; read them back
     * through a (cold) mapping of this boot. */
    uint64_t size = 0;
    int64_t h = fs_open(FS, "/shared.bin", 0, &size, NULL);
    CHECK(h >= 0);
    CHECK_EQ(size, 2 * PAGE);
    int64_t cap = fs_map_file(FS, (uint64_t)h, false);
    int64_t a = cap < 0 ? cap : mm_mmap_file(0, 2 * PAGE, MM_PROT_R, 0, (handle_t)cap, 0);
    CHECK(a > 0);
    if (a > 0) {
        const char *p = (const char *)(uintptr_t)a;
        CHECK_EQ(memcmp(p + 100, "SHARED", 6), 0);
        CHECK_EQ(p[200], 'Z');
        CHECK_EQ(memcmp(p + PAGE + 7, "PAGE2", 5), 0);
        CHECK_EQ(p[0] + p[2 * PAGE - 1], 'a' + 'a');
        CHECK_EQ(mm_munmap((uint64_t)a, 2 * PAGE), 0);
    }
    CHECK_EQ(fs_close(FS, (uint64_t)h), 0);
}

/* Leaves work for the shutdown: a file written without SYNC (FSInfo not
 * yet written) and a shared mapping written and never unmapped. The host
 * checks afterwards that both reached the disk and fsck.fat is clean:
 * ending the program writes the mapping back, root's power-off path syncs
 * the file server. */
static void test_left_for_shutdown(void)
{
    int64_t h = fs_open(FS, "/unsynced.txt", FS_O_CREAT | FS_O_TRUNC, NULL, NULL);
    CHECK(h >= 0);
    CHECK_EQ(fs_write(FS, (uint64_t)h, 0, "no sync needed", 14), 14);
    CHECK_EQ(fs_close(FS, (uint64_t)h), 0);
    h = fs_open(FS, "/shared.bin", 0, NULL, NULL);
    int64_t cap = fs_map_file(FS, (uint64_t)h, true);
    int64_t a = cap < 0 ? cap : mm_mmap_file(0, PAGE, MM_PROT_R | MM_PROT_W, MM_MAP_SHARED,
                                             (handle_t)cap, 0);
    CHECK(a > 0);
    if (a > 0)
        memcpy((char *)(uintptr_t)a + 300, "EXIT", 4);
    CHECK_EQ(fs_close(FS, (uint64_t)h), 0);
}

static const struct test tests[] = {
    TEST(FS_REBOOT_0001_WRITTEN_FILES_SURVIVE, test_files_survive),
    TEST(FS_REBOOT_0002_MAPPED_WRITES_SURVIVE, test_mapped_writes_survive),
    TEST(FS_REBOOT_0003_WRITES_LEFT_FOR_SHUTDOWN, test_left_for_shutdown),
};

int main(uintptr_t arg)
{
    (void)arg;
    sys_puts("fsverify: after the reboot\n");
    test_run_table(tests, TEST_COUNT(tests));
    test_summary("fsverify");
    root_report_exit(ROOT_REPORT_SLOT, test_failures);
    return test_failures;
}
