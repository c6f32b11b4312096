/*
 * blktest: system tests of blk, the virtio block driver. A native task
 * (root.test=blk) with a 1 MiB buffer frame it shares with blk: the device
 * reads and writes that memory directly. Prints TEST lines and reports the
 * number of test_failures to root.
 */
#include <sys/blk.h>
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/root.h>
#include <sys/spawn.h>

#define TEST_MAIN
#include "check.h"

#define SLOT_TASK 1
#define SLOT_REPORT 2
#define SLOT_BLK 3
#define SLOT_BUFFER 4
#define SLOT_RAM 5      /* 1 MiB for our own thread stacks */
#define BUF_VA 0x2800000000ul
#define BUF_LEN (1ul << 20)
#define SECTOR 512ul

static uint8_t *buf;
static uint64_t sectors;



static void test_boot_sector(void)
{
    CHECK_EQ(blk_read(SLOT_BLK, 0, 1, 0), 0);
    CHECK_EQ(buf[510], 0x55);
    CHECK_EQ(buf[511], 0xaa);
    CHECK_EQ(memcmp(buf + 82, "FAT32   ", 8), 0); /* mkfs.fat's file-system type */
    CHECK_EQ(buf[11] | (buf[12] << 8), 512);      /* bytes per sector */
}

static uint8_t pattern(uint64_t sector, uint64_t i)
{
    return (uint8_t)(sector * 7 + i * 13 + (i >> 9));
}

static void test_write_read(void)
{
    /* 64 sectors near the end of the disk, well away from the file system. */
    uint64_t first = sectors - 128;
    for (uint64_t i = 0; i < 64 * SECTOR; i++)
        buf[i] = pattern(first + i / SECTOR, i % SECTOR);
    CHECK_EQ(blk_write(SLOT_BLK, first, 64, 0), 0);
    CHECK_EQ(blk_flush(SLOT_BLK), 0);
    memset(buf + 64 * SECTOR, 0, 64 * SECTOR);
    CHECK_EQ(blk_read(SLOT_BLK, first, 64, 64 * SECTOR), 0);
    CHECK_EQ(memcmp(buf, buf + 64 * SECTOR, 64 * SECTOR), 0);
}

/* Several requests in flight: four threads read different sectors. */
static handle_t done;
static volatile int bad_reads;
static int finished;

static void reader(uint64_t which)
{
    uint64_t first = sectors - 128 + which * 16;
    uint64_t off = (512 + which * 64) * SECTOR; /* each its own part of the buffer */
    for (int round = 0; round < 20; round++) {
        if (blk_read(SLOT_BLK, first, 16, off) != 0) {
            bad_reads++;
            continue;
        }
        for (uint64_t i = 0; i < 16 * SECTOR; i++)
            if (buf[off + i] != pattern(first + i / SECTOR, i % SECTOR)) {
                bad_reads++;
                break;
            }
    }
    __atomic_fetch_add(&finished, 1, __ATOMIC_SEQ_CST);
    ntfn_signal(done);
}

static struct rootmem thread_mem;

static void test_concurrent(void)
{
    done = (handle_t)sys_notification_create();
    struct cap_info ram;
    CHECK_EQ(sys_cap_info(SLOT_RAM, &ram), 0);
    CHECK_EQ(rootmem_init_cap(&thread_mem, SLOT_RAM, ram.pa, ram.len), 0);
    int started = 0;
    for (uint64_t t = 0; t < 4; t++)
        if (thread_spawn(&thread_mem, reader, t, 30) > 0)
            started++;
    while (__atomic_load_n(&finished, __ATOMIC_SEQ_CST) < started)
        (void)ntfn_wait(done);
    CHECK_EQ(started, 4);
    CHECK_EQ(bad_reads, 0);
}

static void test_errors(void)
{
    CHECK_EQ(blk_read(SLOT_BLK, sectors, 1, 0), E_RANGE);
    CHECK_EQ(blk_read(SLOT_BLK, sectors - 1, 2, 0), E_RANGE);
    CHECK_EQ(blk_read(SLOT_BLK, ~0ul, 2, 0), E_RANGE);
    CHECK_EQ(blk_read(SLOT_BLK, 0, 0, 0), E_INVAL);
    CHECK_EQ(blk_read(SLOT_BLK, 0, 1, 3), E_INVAL);
    CHECK_EQ(blk_read(SLOT_BLK, 0, 1, BUF_LEN), E_RANGE);
    CHECK_EQ(blk_read(SLOT_BLK, 0, BUF_LEN / SECTOR + 1, 0), E_RANGE);
    struct ipc_msg m = {.tag = IPC_TAG(77, 0, 0)};
    CHECK_EQ(ipc_call(SLOT_BLK, &m), 0);
    CHECK_EQ(BLK_REPLY_ERR(IPC_TAG_LABEL(m.tag)), E_NOSYS);
    m.tag = IPC_TAG(BLK_OP_ATTACH, 0, 0); /* no frame */
    CHECK_EQ(ipc_call(SLOT_BLK, &m), 0);
    CHECK_EQ(BLK_REPLY_ERR(IPC_TAG_LABEL(m.tag)), E_INVAL);
    uint64_t n = 0;
    CHECK_EQ(blk_info(SLOT_BLK, &n), 0);
    CHECK_EQ(n, sectors);
}

static const struct test tests[] = {
    TEST(BLK_READ_0001_FAT32_BOOT_SECTOR, test_boot_sector),
    TEST(BLK_RW_0001_WRITE_FLUSH_READ_BACK, test_write_read),
    TEST(BLK_CONC_0001_FOUR_READERS, test_concurrent),
    TEST(BLK_ERR_0001_BAD_REQUESTS, test_errors),
};

int main(uintptr_t arg)
{
    (void)arg;
    sys_puts("blktest: block driver tests\n");
    int64_t r = 0;
    for (uint64_t off = 0; off < BUF_LEN && r >= 0; off += 4096)
        r = sys_map(SLOT_TASK, BUF_VA + off, SLOT_BUFFER, off, MAP_R | MAP_W);
    buf = (uint8_t *)(uintptr_t)BUF_VA;
    if (r >= 0)
        r = blk_attach(SLOT_BLK, SLOT_BUFFER, &sectors);
    if (r < 0) {
        sys_printf("blktest: setup failed: %s\n", err_name((err_t)r));
        test_failures = 1;
    } else {
        sys_printf("blktest: disk of %lu sectors\n", sectors);
        test_run_table(tests, TEST_COUNT(tests));
    }
    test_summary("blktest");
    root_report_exit(SLOT_REPORT, test_failures);
    return test_failures;
}
