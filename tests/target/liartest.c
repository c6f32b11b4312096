/*
 * liartest: libsys's client stubs against a server that lies (liar.c),
 * run as init (-- /bin/liartest). Every reply claims success, carries
 * 1024 bytes whatever was asked and puts all ones in every word. A stub
 * must copy no more than its caller's buffer holds (guard bytes after it
 * stay untouched), believe no count beyond what it sent (E_RANGE, not a
 * huge "bytes written" and not a loop that never ends), and terminate the
 * strings it hands back.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include <sys/console.h>
#include <sys/fs.h>
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/names.h>
#include <sys/pipe.h>
#include <sys/proc.h>
#include <sys/server.h>

#define CHECK_PRINTF printf
#define TEST_MAIN
#include "check.h"

#define GUARD 0x55
static uint8_t buf[4096 + 64];

static void guard_from(size_t n)
{
    memset(buf, 0, sizeof buf);
    memset(buf + n, GUARD, sizeof buf - n);
}

/* True when buf[0, n) holds the liar's 0xAA and everything after is the
 * guard still. */
static bool copied_exactly(size_t n)
{
    for (size_t i = 0; i < sizeof buf; i++)
        if (buf[i] != (i < n ? 0xAA : GUARD))
            return false;
    return true;
}

static void test_reads(handle_t liar)
{
    guard_from(10);
    CHECK_EQ(fs_read(liar, 1, 0, buf, 10), 10);
    CHECK(copied_exactly(10));
    guard_from(3000); /* three requests: 1024, 1024, 952 */
    CHECK_EQ(fs_read(liar, 1, 0, buf, 3000), 3000);
    CHECK(copied_exactly(3000));
    guard_from(5);
    CHECK_EQ(pipe_read(liar, 1, buf, 5), 5);
    CHECK(copied_exactly(5));
    guard_from(7);
    CHECK_EQ(console_read(liar, buf, 7), 7);
    CHECK(copied_exactly(7));
    guard_from(3);
    uint32_t len = 99;
    CHECK_EQ(srv_call(liar, 1, NULL, 0, 0, buf, 3, &len, NULL), 0);
    CHECK_EQ(len, 3);
    CHECK(copied_exactly(3));

    char name[16];
    memset(name, GUARD, sizeof name);
    uint64_t cookie = 0, size = 0;
    bool is_dir = false;
    /* 1024 bytes for a 16-byte name: refused, nothing copied. */
    CHECK_EQ(fs_readdir(liar, 1, &cookie, name, sizeof name, &size, &is_dir), E_RANGE);
    CHECK_EQ((uint8_t)name[0], GUARD);
    struct proc_info info;
    uint64_t cursor = 0;
    CHECK_EQ(proc_list(liar, &cursor, &info), 0);
    CHECK(memchr(info.name, '\0', sizeof info.name) != NULL);
}

static void test_writes(handle_t liar)
{
    memset(buf, 1, sizeof buf);
    /* "Wrote 2^64 - 1 bytes" of 100: not believed, not added up. */
    CHECK_EQ(fs_write(liar, 1, 0, buf, 100), E_RANGE);
    CHECK_EQ(fs_write(liar, 1, 0, buf, 3000), E_RANGE);
    CHECK_EQ(pipe_write(liar, 1, buf, 100), E_RANGE);
    /* "Wrote 0 bytes", every time: the loops stop instead of asking for
     * ever. "Wrote half": fs_write reports the short count; pipe_write
     * sends the rest, as the pipe server takes what fits. */
    CHECK_EQ(fs_write(liar, 2, 0, buf, 100), 0);
    CHECK_EQ(pipe_write(liar, 2, buf, 100), 0);
    CHECK_EQ(fs_write(liar, 3, 0, buf, 3000), 512);
    CHECK_EQ(pipe_write(liar, 3, buf, 100), 100);
}

/* The liar's endpoint (main looks it up before the tests). */
static handle_t liar_ep;

static void test_liar_reads(void)
{
    test_reads(liar_ep);
}

static void test_liar_writes(void)
{
    test_writes(liar_ep);
}

static const struct test tests[] = {
    TEST(CLIENT_LIAR_0001_REPLY_DATA_BOUNDED, test_liar_reads),
    TEST(CLIENT_LIAR_0002_WRITE_COUNTS_CHECKED, test_liar_writes),
};

int main(void)
{
    char *argv[] = {"liar", NULL};
    int64_t pid = proc_spawn(PROC_SLOT, "/bin/liar", argv, NULL);
    int64_t liar = pid < 0 ? pid : names_lookup(NAMES_SLOT, "liar", NAMES_FOREVER);
    if (liar < 0) {
        printf("liartest: no liar: %s\n", err_name((err_t)liar));
        return 1;
    }
    liar_ep = (handle_t)liar;
    test_run_table(tests, TEST_COUNT(tests));
    kill((pid_t)pid, SIGKILL);
    int status = 0;
    waitpid((pid_t)pid, &status, 0);
    test_summary("liartest");
    return test_failures ? 1 : 0;
}
