/*
 * mmtest: system tests of mm, the memory server. Runs as a program in a
 * space mm serves (`root.run=mmtest`); children are made with mm's fork
 * (mm_fork_run). Prints "TEST <ID> PASS|FAIL" per test and reports the
 * number of test_failures to root as its exit status.
 */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/root.h>
#include <sys/mm.h>
#include <sys/mman.h>

#include <proto/fs.h>
#include <proto/memobj.h>

#define TEST_MAIN
#include "check.h"

#define PAGE 4096ul
#define MM_MAX_VMAS_FOR_TEST 16384 /* mm's VMA node pool (servers/mm/mm.h) */
#define CHILD_PRIO 20




static struct mm_stats_reply stats(void)
{
    struct mm_stats_reply s = {0};
    (void)mm_stats(MM_CLIENT_SLOT, &s);
    return s;
}

/* ---- children ---- */

/* What children report back: a shared page both sides see. */
struct shared {
    volatile uint64_t seen, wrote, step, extra;
};
static struct shared *shared;
static uint64_t *private_page;
static handle_t wait_ntfn;  /* we wait here: bit 1 = child done, bit 2 = killed */
static handle_t done_cap;   /* badge 1, given to children (their slot 2) */
static handle_t death_cap;  /* badge 2, given to mm for the child */

/* A forked child is done: its thread, space and the capabilities to it go. */
static void end_child(const struct mm_space_caps *c, handle_t th)
{
    (void)sys_cap_delete(th);
    CHECK_EQ(mm_space_destroy(MM_CLIENT_SLOT, c->id), 0);
    (void)sys_cap_delete(c->task);
    (void)sys_cap_delete(c->pager);
    (void)sys_cap_delete(c->client);
}

/* Runs fn(arg) in a forked child; waits until it signals done (bit 1) or
 * is killed (bit 2); destroys its space. Returns the bits seen. */
static int64_t run_child(void (*fn)(uint64_t), uint64_t arg)
{
    struct mm_space_caps c;
    handle_t th;
    int64_t r = mm_fork_run(fn, arg, CHILD_PRIO, death_cap, done_cap, &c, &th);
    if (r < 0) {
        sys_printf("  fork failed: %s\n", err_name((err_t)r));
        return r;
    }
    int64_t bits = ntfn_wait(wait_ntfn);
    end_child(&c, th);
    return bits;
}

static void child_done(void)
{
    (void)ntfn_signal(2); /* slot 2 in the child: the done notification (bit 1) */
}

static void child_cow(uint64_t arg)
{
    (void)arg;
    shared->seen = private_page[0];
    private_page[0] = 2;
    shared->wrote = private_page[0];
    child_done();
}

/* ---- tests ---- */

/* Reserves 1 GiB, touches three pages far apart: costs three frames with
 * small pages, three 2 MiB leaves with superpages (the default for big
 * regions). Both exactly. */
static void lazy_case(unsigned flags, uint64_t frames_per_touch, uint64_t *zero_fills,
                      uint64_t *super_faults)
{
    struct mm_stats_reply before = stats();
    int64_t a = mm_mmap(0, 1ul << 30, MM_PROT_R | MM_PROT_W, flags);
    CHECK(a > 0);
    CHECK_EQ(stats().used_frames, before.used_frames); /* reserving costs nothing */
    volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)a;
    p[0] = 1;
    p[512ul << 20] = 2;
    CHECK_EQ(p[(1ul << 30) - 1], 0); /* untouched memory reads as zeros */
    struct mm_stats_reply touched = stats();
    CHECK_EQ(touched.used_frames - before.used_frames, 3 * frames_per_touch);
    *zero_fills = touched.zero_fill - before.zero_fill;
    *super_faults = touched.super_faults - before.super_faults;
    CHECK_EQ(mm_munmap((uint64_t)a, 1ul << 30), 0);
    CHECK_EQ(stats().used_frames, before.used_frames);
}

static void test_lazy(void)
{
    uint64_t zf, sf;
    lazy_case(MM_MAP_NOSUPER, 1, &zf, &sf);
    CHECK_EQ(zf, 3);
    CHECK_EQ(sf, 0);
    lazy_case(0, 512, &zf, &sf);
    CHECK_EQ(sf, 3);
}

static void test_fork_cow(void)
{
    private_page[0] = 1;
    struct mm_stats_reply before = stats();
    int64_t bits = run_child(child_cow, 0);
    CHECK_EQ(bits, 1);
    CHECK_EQ(shared->seen, 1);        /* the child saw the parent's data */
    CHECK_EQ(shared->wrote, 2);       /* and its own write */
    CHECK_EQ(private_page[0], 1);     /* the parent kept its own */
    struct mm_stats_reply after = stats();
    CHECK(after.cow_copy > before.cow_copy);
    /* The child is gone: our write re-enables the page without a copy. */
    private_page[0] = 3;
    struct mm_stats_reply last = stats();
    CHECK_EQ(last.cow_copy, after.cow_copy);
    CHECK(last.cow_reenable > after.cow_reenable);
    uint64_t pte, refs;
    CHECK_EQ(mm_page_info((uint64_t)(uintptr_t)private_page, &pte, &refs), 0);
    CHECK_EQ(refs, 1);
    CHECK(pte & MAP_W);
    CHECK(!(pte & MAP_SW0));
    CHECK_EQ(last.used_frames, before.used_frames);
}

static void child_write_text(uint64_t arg)
{
    (void)arg;
    *(volatile uint32_t *)(uintptr_t)child_write_text = 0; /* READONLY: killed */
    child_done();
}

static void child_mprotect_then_write(uint64_t arg)
{
    (void)arg;
    int64_t a = mm_mmap(0, PAGE, MM_PROT_R | MM_PROT_W, 0);
    *(volatile uint64_t *)(uintptr_t)a = 5;
    mm_mprotect((uint64_t)a, PAGE, MM_PROT_R);
    shared->step = 1;
    *(volatile uint64_t *)(uintptr_t)a = 6; /* killed here */
    shared->step = 2;
    child_done();
}

static void child_wild(uint64_t arg)
{
    (void)arg;
    *(volatile uint64_t *)0x7000000000ul = 1; /* outside user space VMAs: killed */
    child_done();
}

static void child_oom(uint64_t arg)
{
    (void)arg;
    uint64_t len = 1ul << 34; /* far more than RAM */
    int64_t a = mm_mmap(0, len, MM_PROT_R | MM_PROT_W, 0);
    for (uint64_t off = 0; a > 0 && off < len; off += PAGE)
        *(volatile uint8_t *)(uintptr_t)(a + off) = 1; /* killed when RAM runs out */
    child_done();
}

/* Touches npages of a fresh mapping, says so, then holds them until ended
 * (blocked on an endpoint nobody sends to). */
static void child_hold(uint64_t npages)
{
    int64_t a = mm_mmap(0, npages * PAGE, MM_PROT_R | MM_PROT_W, 0);
    for (uint64_t off = 0; a > 0 && off < npages * PAGE; off += PAGE)
        *(volatile uint8_t *)(uintptr_t)(a + off) = 1;
    child_done();
    int64_t ep = sys_endpoint_create();
    struct ipc_msg m;
    for (;;)
        (void)(ep > 0 ? ipc_recv((handle_t)ep, &m) : sys_yield());
}

static void test_kills(void)
{
    struct mm_stats_reply before = stats();
    CHECK_EQ(run_child(child_write_text, 0), 2); /* killed: bit 2 */
    shared->step = 0;
    CHECK_EQ(run_child(child_mprotect_then_write, 0), 2);
    CHECK_EQ(shared->step, 1);
    CHECK_EQ(run_child(child_wild, 0), 2);
    struct mm_stats_reply after = stats();
    CHECK_EQ(after.killed - before.killed, 3);
    CHECK_EQ(after.used_frames, before.used_frames); /* nothing leaked */
}

static void test_oom(void)
{
    struct mm_stats_reply before = stats();
    /* One space may hold half of RAM (its resident limit: kmemhog tests
     * that); two holders take 45% of what is free each, so the next
     * child runs RAM out for everyone, below its own limit. */
    struct mm_space_caps holder[2];
    handle_t holder_th[2];
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(mm_fork_run(child_hold, before.free_frames * 45 / 100, CHILD_PRIO, death_cap,
                             done_cap, &holder[i], &holder_th[i]), 0);
        CHECK_EQ(ntfn_wait(wait_ntfn), 1);
    }
    CHECK_EQ(run_child(child_oom, 0), 2);
    for (int i = 0; i < 2; i++)
        end_child(&holder[i], holder_th[i]);
    struct mm_stats_reply after = stats();
    CHECK_EQ(after.killed - before.killed, 1);
    CHECK_EQ(after.used_frames, before.used_frames);
    /* We still work after the child exhausted memory. */
    int64_t a = mm_mmap(0, PAGE, MM_PROT_R | MM_PROT_W, 0);
    CHECK(a > 0);
    *(volatile uint64_t *)(uintptr_t)a = 9;
    CHECK_EQ(*(volatile uint64_t *)(uintptr_t)a, 9);
    CHECK_EQ(mm_munmap((uint64_t)a, PAGE), 0);
}

/* Fork chain: child forks a grandchild; frames come back exactly. */
static void grandchild(uint64_t arg)
{
    private_page[1] = arg;
    shared->seen += private_page[1];
    child_done();
}

static void child_forks(uint64_t arg)
{
    (void)arg;
    private_page[1] = 10;
    /* The grandchild signals a notification of our own. */
    int64_t mine = sys_notification_create();
    struct mm_space_caps c;
    handle_t th;
    if (mine > 0 && mm_fork_run(grandchild, 5, CHILD_PRIO, 0, (handle_t)mine, &c, &th) == 0) {
        (void)ntfn_wait((handle_t)mine);
        (void)sys_cap_delete(th);
        (void)mm_space_destroy(MM_CLIENT_SLOT, c.id);
    }
    shared->wrote = private_page[1]; /* still ours: 10 */
    child_done();
}

/* Exit in the other order: the child leaves before its own child. */
static void orphan(uint64_t arg)
{
    (void)arg;
    while (shared->step != 99)
        sys_yield();
    private_page[1] = 77; /* its own copy, after its parent is gone */
    shared->wrote = private_page[1];
    child_done();
}

static void child_leaves_first(uint64_t arg)
{
    (void)arg;
    struct mm_space_caps c;
    handle_t th;
    if (mm_fork_run(orphan, 0, CHILD_PRIO, 0, 2, &c, &th) == 0)
        shared->seen = c.id; /* tell the grandparent who to clean up */
    child_done();
}

static void test_fork_chain_any_order(void)
{
    struct mm_stats_reply before = stats();
    shared->step = 0;
    shared->seen = 0;
    shared->wrote = 0;
    struct mm_space_caps a;
    handle_t a_thread;
    CHECK_EQ(mm_fork_run(child_leaves_first, 0, CHILD_PRIO, death_cap, done_cap, &a, &a_thread), 0);
    CHECK_EQ(ntfn_wait(wait_ntfn), 1); /* the child has finished; its own child runs on */
    uint64_t orphan_id = shared->seen;
    CHECK(orphan_id != 0);
    shared->step = 99;
    CHECK_EQ(ntfn_wait(wait_ntfn), 1);
    CHECK_EQ(shared->wrote, 77);
    /* Destroy the parent space first: its child is handed to us. */
    (void)sys_cap_delete(a_thread);
    CHECK_EQ(mm_space_destroy(MM_CLIENT_SLOT, a.id), 0);
    CHECK_EQ(mm_space_destroy(MM_CLIENT_SLOT, orphan_id), 0);
    (void)sys_cap_delete(a.task);
    (void)sys_cap_delete(a.pager);
    (void)sys_cap_delete(a.client);
    struct mm_stats_reply after = stats();
    CHECK_EQ(after.used_frames, before.used_frames);
    CHECK_EQ(after.spaces, before.spaces);
}

static void test_fork_chain(void)
{
    struct mm_stats_reply before = stats();
    shared->seen = 0;
    shared->wrote = 0;
    private_page[1] = 1;
    CHECK_EQ(run_child(child_forks, 0), 1);
    CHECK_EQ(shared->seen, 5);
    CHECK_EQ(shared->wrote, 10);
    CHECK_EQ(private_page[1], 1);
    struct mm_stats_reply after = stats();
    CHECK_EQ(after.used_frames, before.used_frames);
    CHECK_EQ(after.spaces, before.spaces);
}

static void test_regions(void)
{
    struct mm_stats_reply before = stats();
    /* brk grows and shrinks; frames follow. */
    int64_t b0 = mm_brk(0);
    CHECK(b0 > 0);
    CHECK_EQ(mm_brk((uint64_t)b0 + 4 * PAGE), (int64_t)b0 + 4 * (int64_t)PAGE);
    uint8_t *heap = (uint8_t *)(uintptr_t)b0;
    heap[0] = 1;
    heap[3 * PAGE] = 1;
    CHECK_EQ(stats().used_frames - before.used_frames, 2);
    CHECK_EQ(mm_brk((uint64_t)b0), b0);
    CHECK_EQ(stats().used_frames, before.used_frames);
    /* Partial munmap splits the VMA; the rest stays usable. */
    int64_t a = mm_mmap(0, 8 * PAGE, MM_PROT_R | MM_PROT_W, 0);
    volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)a;
    for (int i = 0; i < 8; i++)
        p[i * PAGE] = (uint8_t)i;
    CHECK_EQ(mm_munmap((uint64_t)a + 2 * PAGE, 3 * PAGE), 0);
    CHECK_EQ(p[PAGE], 1);
    CHECK_EQ(p[6 * PAGE], 6);
    CHECK_EQ(stats().used_frames - before.used_frames, 5);
    /* mprotect in the middle, then back: the data stays. */
    CHECK_EQ(mm_mprotect((uint64_t)a + 6 * PAGE, PAGE, MM_PROT_R), 0);
    uint64_t pte, refs;
    CHECK_EQ(mm_page_info((uint64_t)a + 6 * PAGE, &pte, &refs), 0);
    CHECK(!(pte & MAP_W) && (pte & MAP_SW1));
    CHECK_EQ(mm_mprotect((uint64_t)a + 6 * PAGE, PAGE, MM_PROT_R | MM_PROT_W), 0);
    p[6 * PAGE] = 66;
    CHECK_EQ(p[6 * PAGE], 66);
    CHECK_EQ(mm_munmap((uint64_t)a, 8 * PAGE), 0);
    CHECK_EQ(stats().used_frames, before.used_frames);
}

#define MEGA (2ul << 20)

static uint8_t *super_region;

static void child_writes_superpage(uint64_t arg)
{
    (void)arg;
    shared->seen = super_region[100];
    super_region[MEGA / 2] = 7; /* copy-on-write inside a shared 2 MiB leaf */
    shared->wrote = super_region[MEGA / 2];
    uint64_t pte, refs;
    /* What the child's page tables look like now: split, one page copied. */
    if (mm_page_info((uint64_t)(uintptr_t)super_region + MEGA / 2, &pte, &refs) == 0)
        shared->step = pte;
    if (mm_page_info((uint64_t)(uintptr_t)super_region, &pte, &refs) == 0)
        shared->step |= pte << 16;
    child_done();
}

/* The superpage tests share one region: super_region, made by the first,
 * unmapped by the third; super_start: mm's counts before it. */
static struct mm_stats_reply super_start;

static void test_superpage_first_touch(void)
{
    struct mm_stats_reply before = stats();
    super_start = before;
    int64_t a = mm_mmap(0, 2 * MEGA, MM_PROT_R | MM_PROT_W, 0);
    CHECK(a > 0 && ((uint64_t)a % MEGA) == 0); /* big regions are 2 MiB aligned */
    super_region = (uint8_t *)(uintptr_t)a;
    super_region[100] = 42;
    uint64_t pte, refs;
    CHECK_EQ(mm_page_info((uint64_t)a + MEGA - 1, &pte, &refs), 0);
    CHECK_EQ(pte & (MAP_SIZE_MASK | MAP_PRESENT | MAP_W), MAP_SIZE_2M | MAP_PRESENT | MAP_W);
    struct mm_stats_reply one = stats();
    CHECK_EQ(one.super_faults - before.super_faults, 1);
    CHECK_EQ(one.used_frames - before.used_frames, 512);
}

static void test_superpage_cow(void)
{
    uint64_t a = (uint64_t)(uintptr_t)super_region, pte, refs;
    /* A child's write inside the shared superpage copies one 4 KiB page. */
    shared->seen = 0;
    shared->wrote = 0;
    struct mm_stats_reply pre = stats();
    struct mm_space_caps c;
    handle_t th;
    CHECK_EQ(mm_fork_run(child_writes_superpage, 0, CHILD_PRIO, death_cap, done_cap, &c, &th), 0);
    CHECK_EQ(ntfn_wait(wait_ntfn), 1);
    CHECK_EQ(shared->seen, 42);
    CHECK_EQ(shared->wrote, 7);
    struct mm_stats_reply during = stats();
    /* The written page: 4 KiB, writable; its neighbour: 4 KiB, still
     * shared read-only. Fewer than 16 new frames in all (stack and IPC
     * pages of the child, copies of our own stack): not 512. */
    CHECK_EQ(shared->step & (MAP_SIZE_MASK | MAP_W | MAP_SW0), MAP_SIZE_4K | MAP_W);
    CHECK_EQ((shared->step >> 16) & (MAP_SIZE_MASK | MAP_W | MAP_SW0), MAP_SIZE_4K | MAP_SW0);
    CHECK(during.cow_copy > pre.cow_copy);
    CHECK(during.used_frames - pre.used_frames < 16);
    CHECK_EQ(super_region[MEGA / 2], 0); /* our view is unchanged */
    end_child(&c, th);
    /* Alone again: our write re-enables the whole 2 MiB leaf, no copy. */
    struct mm_stats_reply alone = stats();
    super_region[0] = 1;
    CHECK_EQ(mm_page_info((uint64_t)a, &pte, &refs), 0);
    CHECK_EQ(pte & (MAP_SIZE_MASK | MAP_W | MAP_SW0), MAP_SIZE_2M | MAP_W);
    struct mm_stats_reply after_write = stats();
    CHECK_EQ(after_write.used_frames, alone.used_frames);
    CHECK_EQ(after_write.cow_copy, alone.cow_copy);
    CHECK(after_write.cow_reenable > alone.cow_reenable);
}

static void test_superpage_split(void)
{
    uint64_t a = (uint64_t)(uintptr_t)super_region, pte, refs;
    /* Unmapping one 4 KiB page in the middle splits the leaf. */
    struct mm_stats_reply b2 = stats();
    CHECK_EQ(mm_munmap((uint64_t)a + 4 * PAGE, PAGE), 0);
    CHECK_EQ(mm_page_info((uint64_t)a, &pte, &refs), 0);
    CHECK_EQ(pte & MAP_SIZE_MASK, MAP_SIZE_4K);
    CHECK_EQ(super_region[100], 42); /* data kept */
    CHECK_EQ(b2.used_frames - stats().used_frames, 1);
    /* mprotect of part of the other superpage after touching it. */
    super_region[MEGA] = 3;
    CHECK_EQ(mm_mprotect((uint64_t)a + MEGA, PAGE, MM_PROT_R), 0);
    CHECK_EQ(mm_page_info((uint64_t)a + MEGA + PAGE, &pte, &refs), 0);
    CHECK_EQ(pte & (MAP_SIZE_MASK | MAP_W), MAP_SIZE_4K | MAP_W);
    CHECK_EQ(super_region[MEGA], 3);
    CHECK_EQ(mm_munmap((uint64_t)a, 2 * MEGA), 0);
    CHECK_EQ(stats().used_frames, super_start.used_frames);
}

static void test_posix_names(void)
{
    uint8_t *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    p[0] = 1;
    p[2 * PAGE] = 3;
    CHECK_EQ(mprotect(p, PAGE, PROT_READ), 0);
    CHECK_EQ(p[0], 1);
    CHECK_EQ(munmap(p, 3 * PAGE), 0);
    CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 3, 0) == MAP_FAILED); /* files: not yet */
    CHECK_EQ(mica_errno, E_NOSYS);
    CHECK_EQ(munmap((void *)1, PAGE), -1);
    CHECK_EQ(mica_errno, E_INVAL);
    uint8_t *brk0 = sbrk(0);
    uint8_t *old = sbrk(2 * PAGE);
    CHECK(old == brk0);
    old[PAGE] = 9;
    CHECK(sbrk(0) == brk0 + 2 * PAGE);
    CHECK(sbrk(-2 * (intptr_t)PAGE) == brk0 + 2 * PAGE);
    CHECK(sbrk(0) == brk0);
}

static void test_errors(void)
{
    CHECK_EQ(mm_mmap(0, 0, MM_PROT_R, 0), E_INVAL);
    CHECK_EQ(mm_mmap(0x10000001, PAGE, MM_PROT_R, MM_MAP_FIXED), E_INVAL);
    CHECK_EQ(mm_mmap(0, PAGE, 8, 0), E_INVAL);
    CHECK_EQ(mm_mmap(0, PAGE, MM_PROT_R, 1u << 7), E_INVAL);
    int64_t a = mm_mmap(0, 4 * PAGE, MM_PROT_R, 0);
    CHECK(a > 0);
    CHECK_EQ(mm_mmap((uint64_t)a + PAGE, PAGE, MM_PROT_R, MM_MAP_FIXED), E_EXIST);
    CHECK_EQ(mm_mprotect((uint64_t)a + 3 * PAGE, 2 * PAGE, MM_PROT_R), E_NOENT);
    CHECK_EQ(mm_mprotect((uint64_t)a, PAGE, 0), E_INVAL); /* PROT_NONE: not supported */
    CHECK_EQ(mm_munmap((uint64_t)a + 1, PAGE), E_INVAL);
    CHECK_EQ(mm_munmap((uint64_t)a, 4 * PAGE), 0);
    CHECK_EQ(mm_brk(1), E_INVAL);
    /* Control operations are not ours; unknown ops are refused. */
    struct mm_space_caps c;
    CHECK_EQ(mm_space_new(MM_CLIENT_SLOT, 0, 0, &c), E_PERM);
    CHECK_EQ(mm_space_mprotect(MM_CLIENT_SLOT, 1, 0x10000, PAGE, MM_PROT_R), E_PERM);
    CHECK_EQ(mm_space_destroy(MM_CLIENT_SLOT, 1), E_NOENT); /* not our child */
    struct ipc_msg m = {.tag = IPC_TAG(999, 0, 0)};
    CHECK_EQ(ipc_call(MM_CLIENT_SLOT, &m), 0);
    CHECK_EQ(MM_REPLY_ERR(IPC_TAG_LABEL(m.tag)), E_NOSYS);
    /* Op 1 (SPACE_CREATE, loading a program) is retired: unknown to anyone. */
    m = (struct ipc_msg){.tag = IPC_TAG(1, 0, 0)};
    CHECK_EQ(ipc_call(MM_CLIENT_SLOT, &m), 0);
    CHECK_EQ(MM_REPLY_ERR(IPC_TAG_LABEL(m.tag)), E_NOSYS);
    /* Populated file mappings do not exist. */
    CHECK_EQ(mm_mmap(0, PAGE, MM_PROT_R, MM_MAP_POPULATE | MM_MAP_FILE), E_INVAL);
}

/* ---- limits (docs/mm.md, "Limits") ---- */

/* mm's tables as the limit tests compare them: back at these after each. */
static bool tables_equal(struct mm_stats_reply a, struct mm_stats_reply b)
{
    return a.used_frames == b.used_frames && a.spaces == b.spaces && a.vmas == b.vmas &&
           a.backings == b.backings;
}

/* A well-behaved process: maps, touches and forks while a hog holds its
 * limit. 1 = done. */
static void child_maps_and_touches(uint64_t arg)
{
    (void)arg;
    int64_t a = mm_mmap(0, 4 * PAGE, MM_PROT_R | MM_PROT_W, MM_MAP_NOSUPER);
    if (a > 0) {
        *(volatile uint64_t *)(uintptr_t)(a + 3 * PAGE) = 41;
        shared->wrote = *(volatile uint64_t *)(uintptr_t)(a + 3 * PAGE) + 1;
    }
    child_done();
}

/* Another process forks and maps while `hog` (still alive, its space
 * full) holds its limit. */
static void others_go_on(void)
{
    shared->wrote = 0;
    CHECK_EQ(run_child(child_maps_and_touches, 0), 1);
    CHECK_EQ(shared->wrote, 42);
}

static void child_vma_hog(uint64_t arg)
{
    (void)arg;
    uint64_t made = 0;
    int64_t r;
    /* One page each, never adjacent to merge: a VMA per call. */
    while ((r = mm_mmap(0, PAGE, MM_PROT_R, MM_MAP_NOSUPER)) > 0)
        made++;
    shared->seen = made;
    shared->wrote = (uint64_t)r;
    int64_t b0 = mm_brk(0);
    shared->step = (uint64_t)mm_brk((uint64_t)b0 + 8 * PAGE); /* a heap VMA more: refused */
    child_done();
}

static void test_vma_limit(void)
{
    struct mm_stats_reply base = stats();
    for (int round = 0; round < 3; round++) {
        struct mm_space_caps c;
        handle_t th;
        CHECK_EQ(mm_fork_run(child_vma_hog, 0, CHILD_PRIO, death_cap, done_cap, &c, &th), 0);
        CHECK_EQ(ntfn_wait(wait_ntfn), 1);
        CHECK_EQ((int64_t)shared->wrote, E_NOMEM);
        CHECK_EQ((int64_t)shared->step, E_NOMEM);
        /* The hog got far (its cap or its fair share), but the pool kept
         * its reserve for the others. */
        CHECK(shared->seen > 8000);
        CHECK(MM_MAX_VMAS_FOR_TEST - stats().vmas >= 4096);
        others_go_on();
        end_child(&c, th);
        CHECK(tables_equal(stats(), base));
    }
}

static void child_bytes_hog(uint64_t arg)
{
    (void)arg;
    uint64_t chunk = 16ull << 30, made = 0;
    int64_t r, first = 0;
    while ((r = mm_mmap(0, chunk, MM_PROT_R | MM_PROT_W, 0)) > 0) {
        if (!first)
            first = r;
        *(volatile uint8_t *)(uintptr_t)r = 1; /* each one works */
        made++;
    }
    shared->seen = made;
    shared->wrote = (uint64_t)r;
    int64_t b0 = mm_brk(0);
    shared->step = (uint64_t)mm_brk((uint64_t)b0 + chunk); /* the heap counts too */
    /* Giving some back makes room again. */
    shared->extra = first > 0 && mm_munmap((uint64_t)first, chunk) == 0 &&
                    mm_mmap(0, chunk, MM_PROT_R, 0) > 0;
    child_done();
}

static void test_bytes_limit(void)
{
    struct mm_stats_reply base = stats();
    for (int round = 0; round < 3; round++) {
        struct mm_space_caps c;
        handle_t th;
        CHECK_EQ(mm_fork_run(child_bytes_hog, 0, CHILD_PRIO, death_cap, done_cap, &c, &th), 0);
        CHECK_EQ(ntfn_wait(wait_ntfn), 1);
        CHECK_EQ(shared->seen, 3); /* 48 GiB of the 64 GiB cap; a fourth 16 GiB is over */
        CHECK_EQ((int64_t)shared->wrote, E_NOMEM);
        CHECK_EQ((int64_t)shared->step, E_NOMEM);
        CHECK_EQ(shared->extra, 1);
        others_go_on();
        end_child(&c, th);
        CHECK(tables_equal(stats(), base));
    }
}

static void grandchild_returns(uint64_t arg)
{
    (void)arg;
}

/* Forks itself (MM_OP_FORK) until refused, then destroys what it made. */
static void child_fork_hog(uint64_t arg)
{
    (void)arg;
    uint64_t ids[40], made = 0;
    int64_t r = 0;
    while (made < 40) {
        struct mm_space_caps c;
        handle_t th;
        r = mm_fork_run(grandchild_returns, 0, CHILD_PRIO, 0, 0, &c, &th);
        if (r < 0)
            break;
        ids[made++] = c.id;
        (void)sys_cap_delete(th);
        (void)sys_cap_delete(c.task);
        (void)sys_cap_delete(c.pager);
        (void)sys_cap_delete(c.client);
    }
    shared->seen = made;
    shared->wrote = (uint64_t)r;
    uint64_t destroyed = 0;
    for (uint64_t i = 0; i < made; i++)
        destroyed += mm_space_destroy(MM_CLIENT_SLOT, ids[i]) == 0;
    shared->step = destroyed;
    child_done();
}

static void test_fork_limit(void)
{
    struct mm_stats_reply base = stats();
    for (int round = 0; round < 3; round++) {
        CHECK_EQ(run_child(child_fork_hog, 0), 1);
        /* The account (this program, the hog, its forks) holds 32 spaces. */
        CHECK_EQ(shared->seen, 30);
        CHECK_EQ((int64_t)shared->wrote, E_LIMIT);
        CHECK_EQ(shared->step, 30);
        CHECK(tables_equal(stats(), base));
    }
}

/* ---- mprotect refused: nothing changes ---- */

static void test_mprotect_hole(void)
{
    struct mm_stats_reply base = stats();
    int64_t a = mm_mmap(0, 3 * PAGE, MM_PROT_R | MM_PROT_W, MM_MAP_NOSUPER);
    CHECK(a > 0);
    volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)a;
    p[0] = 10;
    p[2 * PAGE / 8] = 12;
    CHECK_EQ(mm_munmap((uint64_t)a + PAGE, PAGE), 0);
    uint64_t pte0, pte2, refs, after0, after2;
    CHECK_EQ(mm_page_info((uint64_t)a, &pte0, &refs), 0);
    CHECK_EQ(mm_page_info((uint64_t)a + 2 * PAGE, &pte2, &refs), 0);
    struct mm_stats_reply before = stats();
    CHECK_EQ(mm_mprotect((uint64_t)a, 3 * PAGE, MM_PROT_R), E_NOENT); /* POSIX: ENOMEM */
    CHECK_EQ(mm_page_info((uint64_t)a, &after0, &refs), 0);
    CHECK_EQ(mm_page_info((uint64_t)a + 2 * PAGE, &after2, &refs), 0);
    CHECK_EQ(after0, pte0); /* the PTEs as they were: still writable */
    CHECK_EQ(after2, pte2);
    CHECK(after0 & MAP_W);
    CHECK_EQ(stats().vmas, before.vmas); /* no VMA split */
    p[0] = 20; /* the VMAs still allow writing (no kill) */
    p[2 * PAGE / 8] = 22;
    CHECK_EQ(p[0] + p[2 * PAGE / 8], 42);
    CHECK_EQ(mm_munmap((uint64_t)a, 3 * PAGE), 0);

    /* A 2 MiB leaf straddling the start of a refused range stays one leaf. */
    int64_t b = mm_mmap(0, MEGA, MM_PROT_R | MM_PROT_W, 0);
    CHECK(b > 0 && (uint64_t)b % MEGA == 0);
    *(volatile uint64_t *)(uintptr_t)b = 5;
    CHECK_EQ(mm_page_info((uint64_t)b, &pte0, &refs), 0);
    CHECK_EQ(pte0 & MAP_SIZE_MASK, MAP_SIZE_2M);
    before = stats();
    CHECK_EQ(mm_mprotect((uint64_t)b + PAGE, MEGA, MM_PROT_R), E_NOENT); /* ends past it */
    CHECK_EQ(mm_page_info((uint64_t)b + PAGE, &after0, &refs), 0);
    CHECK_EQ(after0, pte0);
    CHECK_EQ(stats().vmas, before.vmas);
    *(volatile uint64_t *)(uintptr_t)(b + PAGE) = 6;
    CHECK_EQ(mm_munmap((uint64_t)b, MEGA), 0);
    CHECK(tables_equal(stats(), base));
}

/* ---- a file server or pager that never answers (docs/mm.md) ---- */

#define SILENT_AT_INFO 1 /* the "server" never answers FILE_INFO */
#define DONE_BY_DYING 0x7000000000ul

/* Maps slot 2 (our parent's endpoint, badged as a file capability) and
 * reads the mapping: killed (bit 2) when mm gives up on the page. When
 * the mmap itself fails, reports it in shared->wrote and dies the same
 * way (a wild write), so the parent's one wait always ends. */
static void child_maps_silent_file(uint64_t arg)
{
    int64_t a = mm_mmap_file(0, PAGE, MM_PROT_R, 0, 2, 0);
    shared->wrote = (uint64_t)a;
    if (a > 0 && arg != SILENT_AT_INFO)
        shared->seen = *(volatile uint64_t *)(uintptr_t)a; /* mm asks GET_PAGE: no answer */
    shared->step = 1;
    *(volatile uint64_t *)DONE_BY_DYING = 1;
}

/* One child against a silent server; 2 = killed. */
static int64_t silent_round(handle_t ep, handle_t file_cap, uint64_t mode)
{
    struct mm_space_caps c;
    handle_t th;
    shared->step = 0;
    shared->wrote = 0;
    if (mm_fork_run(child_maps_silent_file, mode, CHILD_PRIO, death_cap, file_cap, &c, &th) < 0)
        return -1;
    if (mode != SILENT_AT_INFO) {
        /* Answer FILE_INFO (one page, read-only), then stay silent. */
        struct ipc_msg m;
        (void)ipc_recv(ep, &m);
        CHECK_EQ(IPC_TAG_LABEL(m.tag), MEMOBJ_OP_INFO);
        m = (struct ipc_msg){.tag = IPC_TAG(0, 0, 0), .w = {PAGE, 0}};
        (void)ipc_reply(&m);
    }
    int64_t bits = ntfn_wait(wait_ntfn);
    end_child(&c, th);
    return bits;
}

/* The silent-pager tests share the pager's endpoint and the file capability
 * of its badge (the second deletes them). */
static int64_t silent_ep, silent_file_cap;

static void test_silent_pager(void)
{
    int64_t ep = silent_ep = sys_endpoint_create();
    CHECK(ep > 0);
    int64_t file_cap = silent_file_cap =
        sys_cap_copy((handle_t)ep, RIGHT_WRITE | RIGHT_GRANT, FS_FILE_BADGE);
    CHECK(file_cap > 0);
    struct mm_stats_reply base = stats();
    for (int round = 0; round < 3; round++) {
        CHECK_EQ(silent_round((handle_t)ep, (handle_t)file_cap, 0), 2);
        CHECK((int64_t)shared->wrote > 0); /* mapped */
        CHECK_EQ(shared->step, 0);         /* killed on the read, not after it */
        others_go_on();                    /* mm serves on */
        struct mm_stats_reply now = stats();
        CHECK_EQ(now.calls_cancelled - base.calls_cancelled, (uint64_t)round + 1);
        CHECK_EQ(now.killed - base.killed, (uint64_t)round + 1);
        CHECK(tables_equal(now, base));
    }
}

static void test_silent_at_mmap(void)
{
    int64_t ep = silent_ep, file_cap = silent_file_cap;
    struct mm_stats_reply base = stats();
    /* Silent already when asked at mmap: the mapping is refused. */
    CHECK_EQ(silent_round((handle_t)ep, (handle_t)file_cap, SILENT_AT_INFO), 2);
    CHECK_EQ((int64_t)shared->wrote, E_DEAD);
    CHECK_EQ(shared->step, 1);
    others_go_on();
    struct mm_stats_reply now = stats();
    CHECK_EQ(now.calls_cancelled - base.calls_cancelled, 1);
    CHECK(tables_equal(now, base));
    /* Nothing of it is left queued for us: the cancelled calls are gone. */
    struct ipc_msg m;
    CHECK_EQ(ipc_nbrecv((handle_t)ep, &m), E_AGAIN);
    (void)sys_cap_delete((handle_t)file_cap);
    (void)sys_cap_delete((handle_t)ep);
}

static void report_exit(int status)
{
    root_report_exit(ROOT_REPORT_SLOT, status);
    sys_exit(status);
}

static const struct test tests[] = {
    TEST(MM_LAZY_0001_RESERVE_1G_TOUCH_3, test_lazy),
    TEST(MM_COW_0001_FORK_WRITE_ISOLATION_AND_REENABLE, test_fork_cow),
    TEST(MM_FORK_0002_CHAIN_EXACT_ACCOUNTING, test_fork_chain),
    TEST(MM_FORK_0003_CHAIN_EXIT_IN_ANY_ORDER, test_fork_chain_any_order),
    TEST(MM_KILL_0001_READONLY_MPROTECT_OUTSIDE, test_kills),
    TEST(MM_OOM_0001_CHILD_KILLED_PARENT_RUNS, test_oom),
    TEST(MM_VMA_0001_BRK_MUNMAP_MPROTECT, test_regions),
    TEST(MM_SUPER_0001_ONE_2M_LEAF_ON_FIRST_TOUCH, test_superpage_first_touch),
    TEST(MM_SUPER_0002_COW_INSIDE_SUPERPAGE_COPIES_4K, test_superpage_cow),
    TEST(MM_SUPER_0003_PARTIAL_MUNMAP_AND_MPROTECT_SPLIT, test_superpage_split),
    TEST(MM_POSIX_0001_MMAP_MUNMAP_MPROTECT_SBRK, test_posix_names),
    TEST(MM_ERR_0001_BAD_REQUESTS, test_errors),
    TEST(MM_MPROTECT_0002_HOLE_REFUSED_NOTHING_CHANGES, test_mprotect_hole),
    TEST(MM_LIMIT_0001_VMA_COUNT_ENOMEM_OTHERS_GO_ON, test_vma_limit),
    TEST(MM_LIMIT_0002_VMA_BYTES_ENOMEM_OTHERS_GO_ON, test_bytes_limit),
    TEST(MM_LIMIT_0003_SPACES_PER_ACCOUNT_ELIMIT, test_fork_limit),
    TEST(MM_PAGER_0001_SILENT_PAGER_FAULT_KILLED_MM_GOES_ON, test_silent_pager),
    TEST(MM_PAGER_0002_SILENT_AT_MMAP_REFUSED, test_silent_at_mmap),
};

int main(uintptr_t arg)
{
    (void)arg;
    sys_puts("mmtest: memory server tests\n");
    int64_t sh = mm_mmap(0, PAGE, MM_PROT_R | MM_PROT_W, MM_MAP_SHARED);
    int64_t pv = mm_mmap(0, PAGE, MM_PROT_R | MM_PROT_W, MM_MAP_NOSUPER);
    int64_t n = sys_notification_create();
    if (sh < 0 || pv < 0 || n < 0) {
        sys_puts("mmtest: setup failed\n");
        report_exit(1);
    }
    shared = (struct shared *)(uintptr_t)sh;
    private_page = (uint64_t *)(uintptr_t)pv;
    shared->step = 0; /* touch both now, so the tests' frame counts start here */
    private_page[0] = 0;
    struct mm_stats_reply start = stats();
    /* One notification: bit 1 = a child is done, bit 2 = mm killed it. */
    wait_ntfn = (handle_t)n;
    done_cap = (handle_t)sys_cap_copy((handle_t)n, RIGHTS_ALL, 1);
    death_cap = (handle_t)sys_cap_copy((handle_t)n, RIGHTS_ALL, 2);

    test_run_table(tests, TEST_COUNT(tests));

    struct mm_stats_reply fin = stats();
    sys_printf("mmtest: frames in use %lu at start, %lu at the end\n", start.used_frames,
               fin.used_frames);
    if (fin.used_frames != start.used_frames)
        test_failures++;
    test_summary("mmtest");
    report_exit(test_failures);
    return test_failures;
}
