/*
 * blkfuzz: the message fuzzer for blk, the block driver, and for mm's
 * control operations (root.test=blkfuzz): the servers only root and the
 * file and process servers can reach.
 * No program can reach blk: only the file servers and root hold its
 * endpoint, so this runs where blktest does, as a native task root gives
 * a blk client endpoint (badge 1), a 1 MiB buffer frame and RAM. A
 * fixed-seed PRNG (fuzzrng.h) makes random labels (the interrupt label
 * too), requests with wrong sectors, counts and offsets, and random
 * capabilities attached (frames too small, read-only, not frames at all).
 * Every answer is checked against what docs/blk.md allows for the request
 * and the buffer attached; writes that would be valid go only to the last
 * 128 sectors (blktest's, outside the file system: the case runs fsck.fat).
 * Afterwards blk must still attach our buffer, read the disk's first
 * sectors as before and write and read back.
 */
#include <sys/blk.h>
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/root.h>
#include <sys/mm.h>

#include <proto/blk.h>
#include <proto/mm.h>

#define TEST_MAIN
#include "check.h"
#include "fuzzrng.h"

#define SEED 0x626c6b66757a7a31ul /* "blkfuzz1" */
#define SLOT_TASK 1
#define SLOT_REPORT 2
#define SLOT_BLK 3
#define SLOT_BUFFER 4
#define SLOT_MM 6 /* mm's control endpoint (badge 0) */
#define BUF_VA 0x2800000000ul
#define BUF_LEN (1ul << 20)
#define SECTOR 512ul
#define SCRATCH_SECTORS 128ul

static uint8_t *buf;
static uint64_t sectors, unexpected, sent;
static uint8_t first[8 * SECTOR];

static void note(const char *what, int64_t r)
{
    unexpected++;
    if (unexpected <= 12)
        sys_printf("blkfuzz: message %lu: unexpected %s: %ld (%s)\n", sent, what, r,
                   err_name((err_t)r));
}

/* The kernel's verdict before blk sees the message (docs/kernel-api.md). */
static int64_t kernel_verdict(uint32_t ncaps, const handle_t *caps)
{
    if (ncaps == 0)
        return 0;
    if (ncaps > IPC_MAX_CAPS)
        return E_RANGE;
    for (uint32_t i = 0; i < ncaps; i++) {
        struct cap_info ci;
        if (sys_cap_info(caps[i], &ci) < 0)
            return E_BADH;
        if (!(ci.rights & RIGHT_GRANT))
            return E_PERM;
    }
    return 0;
}

/* mm's control operations (SPACE_*: what proc uses to build programs'
 * spaces), from a fixed seed: random labels and words, spaces of ours
 * and made-up ids, writes and copies at random addresses, random
 * capabilities as death notifications. Every answer as docs/mm.md lists;
 * afterwards, with our spaces destroyed, mm's frames and spaces are as
 * before and a new space still takes a write. */
static void fuzz_mm_control(void)
{
    const uint64_t n = 4000;
    struct mm_stats_reply before, after;
    CHECK_EQ(mm_stats(SLOT_MM, &before), 0);
    sys_printf("blkfuzz: mm control: %lu messages, seed 0x%lx\n", n, fuzz_state);
    handle_t ntfn = (handle_t)sys_notification_create();
    handle_t ep = (handle_t)sys_endpoint_create();
    const handle_t pool[] = {ntfn, ep, SLOT_TASK, SLOT_BLK, SLOT_MM, 0, 300};
    uint64_t spaces[24];
    int nspaces = 0;
    uint64_t bad = 0, count = 0;
    struct ipc_buffer *b = ipc_buffer();
    for (uint64_t i = 0; i < n; i++) {
        if (i % 1000 == 0)
            sys_printf("blkfuzz: mm control: message %lu of %lu\n", i, n);
        struct ipc_msg m = {0};
        for (int k = 0; k < IPC_WORDS; k++)
            m.w[k] = any_word();
        uint64_t label = below(10) < 7 ? MM_OP_SPACE_NEW + below(8)
                         : below(2) ? 1 + below(3) : rnd() & 0xffffffffffffull;
        uint64_t mine = nspaces ? spaces[below(nspaces)] : 0;
        if (below(100) < 75)
            m.w[label == MM_OP_SPACE_MMAP ? 5 : label == MM_OP_SPACE_MPROTECT ? 3 : 0] = mine;
        if (label == MM_OP_SPACE_COPY && below(100) < 75)
            m.w[1] = nspaces ? spaces[below(nspaces)] : 0;
        if ((label == MM_OP_SPACE_WRITE || label == MM_OP_SPACE_COPY) && below(100) < 60)
            m.w[label == MM_OP_SPACE_WRITE ? 1 : 2] =
                (below(2) ? MM_STACK_TOP - MM_STACK_LEN : 0x1000000000ull) +
                (below(100) < 70 ? 4096 * below(256) : below(1u << 20));
        if (label == MM_OP_SPACE_COPY && below(100) < 60)
            m.w[3] = 4096 * below(20);
        if (label == MM_OP_SPACE_MMAP) {
            m.w[1] = below(100) < 80 ? 4096 * (1 + below(64)) : any_word();
            m.w[2] = below(8);
            m.w[3] = below(100) < 80 ? below(8) : any_word(); /* no MM_MAP_FILE: mm would call it */
            m.w[3] &= ~(uint64_t)MM_MAP_FILE;
        }
        if (label == MM_OP_SPACE_MPROTECT) {
            m.w[0] = (below(2) ? MM_STACK_TOP - MM_STACK_LEN : 0x10000ull) +
                     (below(100) < 80 ? 4096 * below(64) : any_word());
            m.w[1] = below(100) < 80 ? 4096 * (1 + below(16)) : any_word();
            m.w[2] = below(100) < 80 ? below(8) : any_word();
        }
        uint32_t len = label == MM_OP_SPACE_WRITE ? (uint32_t)below(1200) : 0;
        for (uint32_t k = 0; k < len && k < IPC_BUF_DATA_MAX; k++)
            b->data[k] = (uint8_t)rnd();
        /* SPACE_WRITE's space and address lead its buffer (struct
         * mm_space_write_req): the words picked above. */
        if (label == MM_OP_SPACE_WRITE && len >= MM_SPACE_WRITE_HDR)
            memcpy(b->data, m.w, MM_SPACE_WRITE_HDR);
        uint32_t ncaps = below(100) < 70 ? 0 : 1;
        handle_t cap = pool[below(sizeof pool / sizeof pool[0])];
        b->caps[0] = cap;
        b->recv_caps_max = IPC_MAX_CAPS;
        m.tag = IPC_TAG(label, len, ncaps);
        /* SPACE_NEW's w0 is the new task's kernel-memory budget. */
        bool bad_budget = m.w[0] && (m.w[0] < MM_SPACE_KMEM_MIN || m.w[0] > MM_SPACE_KMEM_MAX);
        count++;
        uint64_t asked = m.w[0]; /* the reply's words are its own (zero for none) */
        int64_t kr = ipc_call(SLOT_MM, &m);
        b->recv_caps_max = 0;
        struct cap_info ci;
        bool refused = len > IPC_BUF_DATA_MAX || (ncaps && sys_cap_info(cap, &ci) < 0);
        if (kr < 0) {
            if (!refused) {
                bad++;
                sys_printf("blkfuzz: mm control: message %lu: kernel %s\n", i, err_name((err_t)kr));
            }
            continue;
        }
        /* Capabilities in the reply (a new space's task, pager, client) are ours to drop. */
        for (uint32_t k = 0; k < IPC_TAG_NCAPS(m.tag); k++)
            (void)sys_cap_delete(b->caps[k]);
        int64_t r = MM_REPLY_ERR(IPC_TAG_LABEL(m.tag));
        bool ok;
        switch (label) {
        case MM_OP_SPACE_DESTROY:
        case MM_OP_SPACE_INFO: ok = r == 0 || r == E_NOENT; break;
        case MM_OP_STATS: ok = r == 0; break;
        case MM_OP_SPACE_NEW:
            ok = bad_budget ? r == E_INVAL : r == 0 || r == E_NOMEM || r == E_NOSPACE;
            break;
        case MM_OP_SPACE_FORK: ok = r == 0 || r == E_NOENT || r == E_NOMEM || r == E_NOSPACE; break;
        case MM_OP_SPACE_MMAP:
            ok = r == 0 || r == E_NOENT || r == E_INVAL || r == E_EXIST || r == E_NOSPACE ||
                 r == E_NOMEM;
            break;
        case MM_OP_SPACE_WRITE:
        case MM_OP_SPACE_COPY:
            ok = r == 0 || r == E_NOENT || r == E_INVAL || r == E_PERM || r == E_NOMEM;
            break;
        case MM_OP_SPACE_SET_BRK: ok = r == 0 || r == E_NOENT || r == E_INVAL || r == E_BUSY; break;
        case MM_OP_SPACE_MPROTECT:
            ok = r == 0 || r == E_NOENT || r == E_INVAL || r == E_PERM || r == E_NOMEM;
            break;
        default: ok = label >= MM_OP_MMAP && label <= MM_OP_MSYNC ? r == E_PERM : r == E_NOSYS;
        }
        if (!ok) {
            bad++;
            if (bad <= 12)
                sys_printf("blkfuzz: mm control: message %lu: label %lu: unexpected reply %ld (%s)\n",
                           i, label, r, err_name((err_t)r));
        }
        bool made = r == 0 && (label == MM_OP_SPACE_NEW || label == MM_OP_SPACE_FORK);
        if (made && nspaces < 24)
            spaces[nspaces++] = m.w[0];
        else if (made)
            (void)mm_space_destroy(SLOT_MM, m.w[0]);
        if (label == MM_OP_SPACE_DESTROY && r == 0)
            for (int k = 0; k < nspaces; k++)
                if (spaces[k] == asked)
                    spaces[k--] = spaces[--nspaces];
    }
    sys_printf("blkfuzz: mm control: %lu messages sent, %lu unexpected answers\n", count, bad);
    CHECK_EQ(bad, 0);
    for (int k = 0; k < nspaces; k++)
        CHECK_EQ(mm_space_destroy(SLOT_MM, spaces[k]), 0);
    CHECK_EQ(mm_stats(SLOT_MM, &after), 0);
    CHECK_EQ(after.used_frames, before.used_frames);
    CHECK_EQ(after.spaces, before.spaces);
    /* A new space still takes a write, then goes. */
    struct mm_space_caps sc;
    static const char hello[] = "still here";
    CHECK_EQ(mm_space_new(SLOT_MM, 0, 0, &sc), 0);
    CHECK_EQ(mm_space_write(SLOT_MM, sc.id, MM_STACK_TOP - 4096, hello, sizeof hello), 0);
    CHECK_EQ(mm_space_destroy(SLOT_MM, sc.id), 0);
    (void)sys_cap_delete(sc.task);
    (void)sys_cap_delete(sc.pager);
    (void)sys_cap_delete(sc.client);
    CHECK_EQ(mm_stats(SLOT_MM, &after), 0);
    CHECK_EQ(after.used_frames, before.used_frames);
}

/* Random and malformed requests; blk still reads and writes right after
 * them (main keeps the disk's first sectors in `first`). */
static void fuzz_random_messages(void)
{
    /* Capabilities to attach: frames of our buffer (a page, read-only, the
     * whole), and things that are no frame or no capability. The RAM our
     * own stack lives in (slot 5) is not offered: a read into it would
     * be the fuzzer hurting itself, not blk. */
    handle_t page = (handle_t)sys_frame_derive(SLOT_BUFFER, 0, 4096, RIGHTS_ALL);
    handle_t ro = (handle_t)sys_frame_derive(SLOT_BUFFER, 0, 65536, RIGHT_READ | RIGHT_GRANT);
    handle_t odd = (handle_t)sys_frame_derive(SLOT_BUFFER, 4096, 12288, RIGHTS_ALL);
    handle_t ntfn = (handle_t)sys_notification_create();
    handle_t ep = (handle_t)sys_endpoint_create();
    const handle_t pool[] = {SLOT_BUFFER, page, ro, odd, ntfn, ep, SLOT_TASK, SLOT_REPORT,
                             SLOT_BLK, 0, 300, 0xffffffffu};
    const uint32_t npool = sizeof pool / sizeof pool[0];
    uint64_t attached = BUF_LEN; /* bytes of the buffer blk uses for us */

    const uint64_t n = 6000;
    struct ipc_buffer *b = ipc_buffer();
    for (uint64_t i = 0; i < n; i++) {
        if (i % 1000 == 0)
            sys_printf("blkfuzz: message %lu of %lu\n", i, n);
        struct ipc_msg m = {0};
        for (int k = 0; k < IPC_WORDS; k++)
            m.w[k] = any_word();
        uint64_t label;
        switch (below(10)) {
        case 0: label = IPC_LABEL_NOTIFY; break; /* only the interrupt may say that */
        case 1: label = below(2) ? 0 : rnd() & 0xffffffffffffull; break;
        case 2: label = 6 + below(60); break;
        default: label = 1 + below(5);
        }
        if (label == BLK_OP_READ || label == BLK_OP_WRITE) {
            if (below(100) < 75) {
                m.w[1] = 1 + below(16);
                m.w[0] = label == BLK_OP_WRITE || below(2) ? sectors - SCRATCH_SECTORS +
                                                                 below(SCRATCH_SECTORS)
                                                           : below(sectors);
                m.w[2] = below(100) < 90 ? SECTOR * below(attached / SECTOR) : any_word();
            }
        }
        uint32_t ncaps = below(100) < 60 ? 0 : below(100) < 85 ? 1 : 2 + (uint32_t)below(6);
        handle_t caps[8];
        for (uint32_t k = 0; k < ncaps; k++)
            caps[k] = pool[below(npool)];
        if (label == BLK_OP_ATTACH && below(100) < 40) {
            ncaps = 1;
            caps[0] = below(2) ? page : odd;
        }
        /* What blk should answer, from the request and what is attached. */
        uint64_t sector = m.w[0], count = m.w[1], off = m.w[2];
        int64_t want;
        bool io = label == BLK_OP_READ || label == BLK_OP_WRITE;
        if (io && (count == 0 || off % SECTOR))
            want = E_INVAL;
        else if (io && (count > sectors || sector > sectors - count ||
                        count * SECTOR > attached || off > attached - count * SECTOR))
            want = E_RANGE;
        else if (io || label == BLK_OP_INFO || label == BLK_OP_FLUSH)
            want = 0;
        else if (label == BLK_OP_ATTACH)
            want = 1; /* worked out below */
        else
            want = E_NOSYS;
        /* A valid write outside the scratch sectors would hurt the file
         * system: send it out of range instead. */
        if (label == BLK_OP_WRITE && want == 0 && sector < sectors - SCRATCH_SECTORS) {
            m.w[0] = sectors;
            want = E_RANGE;
        }
        int64_t verdict = kernel_verdict(ncaps, caps);
        if (label == BLK_OP_ATTACH) {
            struct cap_info ci;
            bool frame = ncaps == 1 && sys_cap_info(caps[0], &ci) == 0 && ci.type == CAP_FRAME &&
                         (ci.rights & (RIGHT_READ | RIGHT_WRITE)) == (RIGHT_READ | RIGHT_WRITE);
            want = frame ? 0 : E_INVAL;
            if (frame && verdict == 0)
                attached = ci.len;
        }
        for (uint32_t k = 0; k < ncaps && k < IPC_MAX_CAPS; k++)
            b->caps[k] = caps[k];
        m.tag = IPC_TAG(label, 0, ncaps);
        sent++;
        int64_t kr = ipc_call(SLOT_BLK, &m);
        if (kr < 0) {
            if (kr != verdict)
                note("kernel result", kr);
            continue;
        }
        if (verdict != 0)
            note("delivery of a message the kernel should refuse", verdict);
        int64_t got = BLK_REPLY_ERR(IPC_TAG_LABEL(m.tag));
        if (got != want)
            note("reply", got);
        if (label == BLK_OP_INFO && got == 0 && m.w[0] != sectors)
            note("capacity", (int64_t)m.w[0]);
    }
    /* Capabilities sent with requests that take none must not pile up in
     * blk's table (256 slots): 300 more, each carrying one. */
    for (int i = 0; i < 300; i++) {
        struct ipc_msg m = {.tag = IPC_TAG(i % 2 ? BLK_OP_INFO : BLK_OP_FLUSH, 0, 1)};
        b->caps[0] = ntfn;
        sent++;
        if (ipc_call(SLOT_BLK, &m) < 0 || BLK_REPLY_ERR(IPC_TAG_LABEL(m.tag)) != 0)
            note("info/flush with a capability", BLK_REPLY_ERR(IPC_TAG_LABEL(m.tag)));
    }
    sys_printf("blkfuzz: %lu messages sent, %lu unexpected answers\n", sent, unexpected);
    CHECK_EQ(unexpected, 0);
    /* Still serving us: our whole buffer again, the first sectors as they
     * were, and a write that reads back. */
    uint64_t s2 = 0;
    CHECK_EQ(blk_attach(SLOT_BLK, SLOT_BUFFER, &s2), 0);
    CHECK_EQ(s2, sectors);
    memset(buf, 0, 8 * SECTOR);
    CHECK_EQ(blk_read(SLOT_BLK, 0, 8, 0), 0);
    CHECK_EQ(memcmp(buf, first, sizeof first), 0);
    uint64_t at = sectors - SCRATCH_SECTORS;
    for (uint64_t i = 0; i < 16 * SECTOR; i++)
        buf[i] = (uint8_t)(i * 5 + 3);
    CHECK_EQ(blk_write(SLOT_BLK, at, 16, 0), 0);
    CHECK_EQ(blk_flush(SLOT_BLK), 0);
    CHECK_EQ(blk_read(SLOT_BLK, at, 16, 16 * SECTOR), 0);
    CHECK_EQ(memcmp(buf, buf + 16 * SECTOR, 16 * SECTOR), 0);
}

static const struct test tests[] = {
    TEST(BLKFUZZ_0001_RANDOM_MESSAGES, fuzz_random_messages),
    TEST(BLKFUZZ_0002_MM_CONTROL_MESSAGES, fuzz_mm_control),
};

int main(uintptr_t arg)
{
    (void)arg;
    sys_printf("blkfuzz: message fuzzing of blk, seed 0x%lx\n", SEED);
    fuzz_seed(SEED);
    int64_t r = 0;
    for (uint64_t off = 0; off < BUF_LEN && r >= 0; off += 4096)
        r = sys_map(SLOT_TASK, BUF_VA + off, SLOT_BUFFER, off, MAP_R | MAP_W);
    buf = (uint8_t *)(uintptr_t)BUF_VA;
    if (r >= 0)
        r = blk_attach(SLOT_BLK, SLOT_BUFFER, &sectors);
    if (r >= 0)
        r = blk_read(SLOT_BLK, 0, 8, 0);
    if (r < 0) {
        sys_printf("blkfuzz: setup failed: %s\n", err_name((err_t)r));
        test_failures = 1;
        goto report;
    }
    memcpy(first, buf, sizeof first);
    test_run_table(tests, TEST_COUNT(tests));
report:
    test_summary("blkfuzz");
    root_report_exit(SLOT_REPORT, test_failures);
    return test_failures;
}
