/*
 * fstest: system tests of fat32, the file server, through the libsys
 * stubs. A program mm serves (root.run=fstest) on a copy of the system
 * disk; the host checks the volume with fsck.fat and mtools afterwards
 * (tests/qemu/cases/fstest.test).
 */
#include <sys/fs.h>
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/mm.h>

#define FS FS_CLIENT_SLOT
#define REPORT_SLOT 2
#define BIG 5000

static int failures, passed, test_failed;
static uint8_t big[BIG], back[BIG];

#define CHECK_EQ(a, b)                                                           \
    do {                                                                         \
        int64_t a_ = (int64_t)(a), b_ = (int64_t)(b);                            \
        if (a_ != b_) {                                                          \
            test_failed++;                                                       \
            sys_printf("  check failed: %s == %s (%ld != %ld) line %d\n", #a, #b, a_, \
                       b_, __LINE__);                                            \
        }                                                                        \
    } while (0)
#define CHECK(c) CHECK_EQ(!!(c), 1)

static void end(const char *id)
{
    sys_printf("TEST %s %s\n", id, test_failed ? "FAIL" : "PASS");
    if (test_failed)
        failures++;
    else
        passed++;
    test_failed = 0;
}

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
    end("FS_READ_0001_FILE_PUT_BY_MCOPY");
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
    end("FS_WRITE_0001_LONG_NAME_WRITE_READ_BACK");
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
    end("FS_DIR_0001_MKDIR_RENAME_RMDIR_UNLINK");
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
    end("FS_ERR_0001_BAD_REQUESTS");
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
    end("FS_KILL_0001_WRITER_KILLED_VOLUME_CONSISTENT");
}

/* With a user disk attached (./mica run --disk), it is mounted at /mnt. */
static void test_user_disk(void)
{
    handle_t fs;
    const char *rest;
    if (fs_resolve("/mnt/user.txt", &fs, &rest) < 0) {
        sys_puts("fstest: no /mnt disk\n");
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
    end("FS_MNT_0001_USER_DISK_AT_MNT");
}

int main(uintptr_t arg)
{
    (void)arg;
    sys_puts("fstest: file server tests\n");
    test_read_mcopy_file();
    test_write_long_name();
    test_directories();
    test_errors();
    test_killed_writer();
    test_user_disk();
    if (fs_sync(FS) != 0)
        failures++;
    sys_printf("fstest: %d passed, %d failed\n", passed, failures);
    struct ipc_msg m = {.tag = IPC_TAG(1, 0, 0), .w = {(uint64_t)failures}};
    (void)ipc_call(REPORT_SLOT, &m);
    return failures;
}
