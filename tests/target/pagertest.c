/*
 * pagertest: the example custom pager (servers/pager) serving page faults
 * of this program, run as init (-- /bin/pagertest): a memory object
 * created and mapped shared, its pages given frames by the pager on first
 * touch (the pager sees our stores in its own RAM), a second process
 * mapping the same object sharing them, a touch past the object's end
 * killing the toucher with SIGBUS, and malformed requests refused.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <proto/pager.h>
#include <sys/mica.h>
#include <sys/mm.h>
#include <sys/names.h>
#include <sys/server.h>

#define CHECK_PRINTF printf
#define TEST_MAIN
#include "check.h"

#define PAGE 4096ul
#define NPAGES 16

static handle_t pager;

static int64_t open_object(uint64_t id, handle_t *cap)
{
    struct pager_id_req req = {.id = id};
    struct pager_id_rep rep;
    return srv_call(pager, PAGER_OP_OPEN, &req, sizeof req, 0, &rep, sizeof rep, NULL, cap);
}

static struct pager_stats_rep stats(uint64_t id)
{
    struct pager_id_req req = {.id = id};
    struct pager_stats_rep rep = {0};
    (void)srv_call(pager, PAGER_OP_STATS, &req, sizeof req, 0, &rep, sizeof rep, NULL, NULL);
    return rep;
}

static uint64_t peek(uint64_t id, uint64_t offset)
{
    struct pager_peek_req req = {.id = id, .offset = offset};
    struct pager_peek_rep rep = {0};
    (void)srv_call(pager, PAGER_OP_PEEK, &req, sizeof req, 0, &rep, sizeof rep, NULL, NULL);
    return rep.value;
}

/* In a forked child: capabilities are not inherited, so it finds the
 * pager again (and gets a badge of its own). */
static volatile uint64_t *map_object(uint64_t id, uint64_t npages)
{
    int64_t p = names_lookup(NAMES_SLOT, "pager", 0);
    if (p < 0)
        return NULL;
    pager = (handle_t)p;
    handle_t cap = 0;
    if (open_object(id, &cap) != 0 || !cap)
        return NULL;
    int64_t a = mm_mmap_file(0, npages * PAGE, MM_PROT_R | MM_PROT_W, MM_MAP_SHARED, cap, 0);
    return a < 0 ? NULL : (volatile uint64_t *)(uintptr_t)a;
}

/* The tests share one object of the pager: its id, and where it is mapped
 * in this process (the first test maps it, the last unmaps it). */
static uint64_t object_id;
static volatile uint64_t *mem;

/* One object, mapped shared: first touches go to the pager. */
static void test_first_touch(void)
{
    struct pager_create_req creq = {.npages = NPAGES};
    struct pager_id_rep crep;
    handle_t cap = 0;
    CHECK_EQ(srv_call(pager, PAGER_OP_CREATE, &creq, sizeof creq, 0, &crep, sizeof crep, NULL,
                      &cap), 0);
    object_id = crep.id;
    int64_t a = mm_mmap_file(0, NPAGES * PAGE, MM_PROT_R | MM_PROT_W, MM_MAP_SHARED, cap, 0);
    CHECK(a > 0);
    if (a <= 0)
        return; /* the tests after it fail on their own */
    mem = (volatile uint64_t *)(uintptr_t)a;
    for (uint64_t i = 0; i < 8; i++) {
        CHECK_EQ(mem[i * PAGE / 8], 0); /* zero-filled by the pager */
        mem[i * PAGE / 8 + 1] = 0x1000 + i;
    }
    struct pager_stats_rep st = stats(object_id);
    CHECK_EQ(st.touched, 8);
    CHECK(st.supplied >= 8);
    CHECK_EQ(peek(object_id, 3 * PAGE + 8), 0x1003); /* our store, in the pager's RAM */
}

/* Another process maps the same object: the same frames. */
static void test_shared_object(void)
{
    CHECK(mem != NULL);
    if (!mem)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        volatile uint64_t *m2 = map_object(object_id, NPAGES);
        if (!m2)
            _exit(2);
        if (m2[3 * PAGE / 8 + 1] != 0x1003)
            _exit(3);
        m2[9 * PAGE / 8 + 1] = 0xC41D; /* a page the parent never touched */
        _exit(0);
    }
    int wst = -1;
    CHECK(waitpid(pid, &wst, 0) == pid && WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
    CHECK_EQ(mem[9 * PAGE / 8 + 1], 0xC41D);
    CHECK_EQ(stats(object_id).touched, 9);
}

/* Past the object's end: the pager says E_RANGE, mm kills the toucher. */
static void test_past_the_end(void)
{
    int wst = -1;
    pid_t pid = fork();
    if (pid == 0) {
        volatile uint64_t *m3 = map_object(object_id, NPAGES + 4);
        if (!m3)
            _exit(2);
        (void)m3[(NPAGES + 1) * PAGE / 8];
        _exit(0);
    }
    CHECK(waitpid(pid, &wst, 0) == pid && WIFSIGNALED(wst) && WTERMSIG(wst) == SIGBUS);
}

static void test_malformed(void)
{
    struct pager_create_req zero = {.npages = 0}, huge = {.npages = PAGER_MAX_PAGES + 1};
    CHECK_EQ(srv_call(pager, PAGER_OP_CREATE, &zero, sizeof zero, 0, NULL, 0, NULL, NULL), E_INVAL);
    CHECK_EQ(srv_call(pager, PAGER_OP_CREATE, &huge, sizeof huge, 0, NULL, 0, NULL, NULL), E_INVAL);
    CHECK_EQ(open_object(99, NULL), E_NOENT);
    uint64_t w = 0;
    CHECK_EQ(srv_call(pager, 14 /* FS_OP_GET_PAGE, not ours to send */, NULL, 0, 0, &w, 8, NULL,
                      NULL), E_NOSYS);
    struct pager_peek_req bad = {.id = object_id, .offset = 3};
    CHECK_EQ(srv_call(pager, PAGER_OP_PEEK, &bad, sizeof bad, 0, NULL, 0, NULL, NULL), E_INVAL);
    CHECK_EQ(mm_munmap((uint64_t)(uintptr_t)mem, NPAGES * PAGE), 0);
}

static const struct test tests[] = {
    TEST(PAGER_0001_FIRST_TOUCH_FROM_THE_PAGER, test_first_touch),
    TEST(PAGER_0002_TWO_PROCESSES_SHARE_THE_OBJECT, test_shared_object),
    TEST(PAGER_0003_PAST_THE_END_SIGBUS, test_past_the_end),
    TEST(PAGER_0004_MALFORMED_REQUESTS, test_malformed),
};

int main(void)
{
    printf("pagertest: page faults served by a pager of our own\n");
    int64_t p = names_lookup(NAMES_SLOT, "pager", 1000);
    if (p < 0) {
        printf("pagertest: no pager: %s\n", err_name((err_t)p));
        return 1;
    }
    pager = (handle_t)p;
    return TEST_RUN("pagertest", tests);
}
