/*
 * kmemhog: programs that try to take the kernel's memory, run as init
 * (-- /bin/kmemhog; qemu.kmemhog). A program's kernel memory is its own
 * budget (docs/kernel-api.md, "Kernel memory and ownership"): a child that
 * creates objects until E_NOMEM, or maps sparse pages until its page
 * tables run out, fails alone -- a bystander still forks and runs -- and
 * once it has ended the kernel pool is back to the exact byte, round after
 * round. A program can create no task: it holds no task capability.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/mm.h>

#define CHECK_PRINTF printf
#define TEST_MAIN
#include "check.h"

#define ROUNDS 3

static uint64_t pool_free(void)
{
    struct kmem_info ki = {0};
    (void)sys_kmem_info(0, &ki);
    return ki.pool_free;
}

/* Creates endpoints and notifications until its budget says no; tells the
 * parent how many (as a byte through the pipe), then waits to be killed. */
static void hog_objects(int wfd)
{
    int64_t made = 0, r;
    for (;;) {
        r = made % 2 ? sys_notification_create() : sys_endpoint_create();
        if (r < 0)
            break;
        made++;
    }
    struct kmem_info ki = {0};
    (void)sys_kmem_info(0, &ki);
    /* Out of budget, not out of slots (a table of 256 fills first otherwise). */
    char verdict = r == E_NOMEM && ki.used + 4096 > ki.budget ? 'N'
                   : r == E_NOSPACE                           ? 'S'
                                                              : '?';
    (void)write(wfd, &verdict, 1);
    int64_t n = sys_notification_create(); /* fails: nothing left to wait on */
    for (;;)
        (void)(n > 0 ? ntfn_wait((handle_t)n) : sys_yield());
}

/* A bystander: forks, the child exits 7. */
static bool bystander_runs(void)
{
    pid_t p = fork();
    if (p == 0)
        _exit(7);
    int status = 0;
    return p > 0 && waitpid(p, &status, 0) == p && WIFEXITED(status) &&
           WEXITSTATUS(status) == 7;
}

static void test_object_hog(void)
{
    uint64_t base = pool_free();
    for (int round = 0; round < ROUNDS; round++) {
        int fds[2];
        CHECK_EQ(pipe(fds), 0);
        pid_t hog = fork();
        if (hog == 0) {
            close(fds[0]);
            hog_objects(fds[1]);
        }
        CHECK(hog > 0);
        close(fds[1]);
        char verdict = 0;
        CHECK_EQ(read(fds[0], &verdict, 1), 1);
        close(fds[0]);
        /* Its table holds 256 capabilities; objects that small fit its
         * budget, so either limit may come first -- never the pool. */
        CHECK(verdict == 'N' || verdict == 'S');
        CHECK(pool_free() < base);
        /* While it holds all it could get, others are not hurt. */
        int64_t ep = sys_endpoint_create();
        CHECK(ep > 0);
        sys_cap_delete((handle_t)ep);
        CHECK(bystander_runs());
        CHECK_EQ(kill(hog, SIGKILL), 0);
        int status = 0;
        CHECK_EQ(waitpid(hog, &status, 0), hog);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        CHECK_EQ(pool_free(), base);
    }
}

/* A page mapped and touched in every 2 MiB (small mappings, so no
 * superpage): a page table each, until the space's budget has no room for
 * another. mm then ends it (out of memory). */
static void test_page_table_hog(void)
{
    uint64_t base = pool_free();
    for (int round = 0; round < ROUNDS; round++) {
        pid_t hog = fork();
        if (hog == 0) {
            uintptr_t at = 0x2000000000ull;
            for (int i = 0; i < 200; i++, at += 2u << 20) {
                volatile char *p = mmap((void *)at, 4096, PROT_READ | PROT_WRITE,
                                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
                if (p == MAP_FAILED)
                    _exit(3);
                *p = 1;
            }
            _exit(4); /* every table fitted: the budget promised nothing */
        }
        CHECK(hog > 0);
        int status = 0;
        CHECK_EQ(waitpid(hog, &status, 0), hog);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        if (WIFEXITED(status))
            printf("  page-table hog exited %d\n", WEXITSTATUS(status));
        CHECK(bystander_runs());
        CHECK_EQ(pool_free(), base);
    }
}

/* A child that touches memory without end: mm ends it at its resident
 * limit (half of mm's RAM), before RAM runs out for everyone (mm reports
 * which: qemu.kmemhog expects "over its resident memory limit"); the
 * others' memory is untouched and every frame comes back. */
static void test_resident_hog(void)
{
    struct mm_stats_reply before, after;
    CHECK_EQ(mm_stats(MM_CLIENT_SLOT, &before), 0);
    for (int round = 0; round < ROUNDS; round++) {
        pid_t hog = fork();
        if (hog == 0) {
            size_t len = 1u << 30;
            volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED)
                _exit(3);
            for (size_t off = 0; off < len; off += 4096)
                p[off] = 1;
            _exit(4); /* 1 GiB resident on a smaller machine: impossible */
        }
        CHECK(hog > 0);
        int status = 0;
        CHECK_EQ(waitpid(hog, &status, 0), hog);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        CHECK(bystander_runs());
        CHECK_EQ(mm_stats(MM_CLIENT_SLOT, &after), 0);
        CHECK_EQ(after.used_frames, before.used_frames);
    }
}

/* Memory a process inherited and came to map alone counts too: A fills
 * 40% of RAM and forks B; once A has ended, B writes every page (no copy:
 * it is the only mapper) and then touches as much again. Its limit (half
 * of RAM) ends it, "over its resident memory limit" (qemu.kmemhog). */
static void test_inherited_resident(void)
{
    struct mm_stats_reply before, after;
    CHECK_EQ(mm_stats(MM_CLIENT_SLOT, &before), 0);
    size_t len = (size_t)(before.free_frames * 40 / 100) * 4096;
    pid_t a = fork();
    if (a == 0) {
        int fds[2];
        volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED || pipe(fds) != 0)
            _exit(3);
        for (size_t off = 0; off < len; off += 4096)
            p[off] = 1;
        if (fork() == 0) {
            char c;
            close(fds[1]);
            (void)read(fds[0], &c, 1); /* end of file: A has ended */
            for (size_t off = 0; off < len; off += 4096)
                p[off] = 2;
            volatile char *q = mmap(NULL, len, PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            for (size_t off = 0; q != MAP_FAILED && off < len; off += 4096)
                q[off] = 1;
            _exit(4); /* 80% of RAM held: the inherited half went uncounted */
        }
        _exit(0);
    }
    int status = 0;
    CHECK_EQ(waitpid(a, &status, 0), a);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    pid_t b = waitpid(-1, &status, 0); /* B: an orphan, so ours (we are init) */
    CHECK(b > 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    if (WIFEXITED(status))
        printf("  B exited %d\n", WEXITSTATUS(status));
    CHECK(bystander_runs());
    CHECK_EQ(mm_stats(MM_CLIENT_SLOT, &after), 0);
    CHECK_EQ(after.used_frames, before.used_frames);
}

/* No handle a program holds is a task capability it could pay with. */
static void test_no_task_creation(void)
{
    uint64_t base = pool_free();
    for (handle_t h = 0; h < 256; h++) {
        int64_t r = sys_task_create(h, 0, 64u << 10);
        CHECK(r == E_BADH || r == E_PERM);
        if (r >= 0)
            printf("  created a task paying with handle %u\n", h);
    }
    CHECK_EQ(pool_free(), base);
}

static const struct test tests[] = {
    TEST(KMEM_HOG_0001_OBJECTS, test_object_hog),
    TEST(KMEM_HOG_0002_PAGE_TABLES, test_page_table_hog),
    TEST(KMEM_HOG_0004_RESIDENT, test_resident_hog),
    TEST(KMEM_HOG_0005_INHERITED_RESIDENT, test_inherited_resident),
    TEST(KMEM_HOG_0003_NO_TASKS, test_no_task_creation),
};

int main(void)
{
    test_run_table(tests, TEST_COUNT(tests));
    test_summary("kmemhog");
    return test_failures ? 1 : 0;
}
