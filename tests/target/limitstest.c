/*
 * limitstest: per-process limits in fat32, pipe and names (docs/limits.md)
 * and who may register a name once its owner ended. Run as init. Each
 * exhaustion runs in a child that takes all it may, is refused with the
 * documented error, and exits holding everything; meanwhile this process
 * still gets its own; afterwards every table is exactly at its baseline
 * and another program runs. Each is repeated: a leak would accumulate.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <proto/proc.h>
#include <sys/fs.h>
#include <sys/mica.h>
#include <sys/names.h>
#include <sys/pipe.h>
#include <sys/proc.h>

#define CHECK_PRINTF printf
#define TEST_MAIN
#include "check.h"

#define ROUNDS 3

uint64_t posix_handle(int fd); /* libsys: the server's handle behind fd */

/* Child -> parent "I hold all I may" and parent -> child "you may go". */
static int to_parent[2], to_child[2];

static void child_ready_then_wait(void)
{
    char c = 'r';
    (void)write(to_parent[1], &c, 1);
    (void)read(to_child[0], &c, 1);
}

/* Forks fn as a child; runs parent_side while the child holds its all;
 * returns the child's exit status (0: its checks passed). */
static int with_child(int (*fn)(void), void (*parent_side)(void))
{
    if (pipe(to_parent) < 0 || pipe(to_child) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(to_parent[0]);
        close(to_child[1]);
        _exit(fn());
    }
    close(to_parent[1]);
    close(to_child[0]);
    char c = 0;
    int ok = read(to_parent[0], &c, 1) == 1 && c == 'r';
    CHECK(ok);
    if (ok && parent_side)
        parent_side();
    (void)write(to_child[1], "g", 1);
    int st = -1;
    CHECK(waitpid(pid, &st, 0) == pid);
    close(to_parent[0]);
    close(to_child[1]);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void another_program_runs(void)
{
    char *argv[] = {"true", NULL};
    int64_t pid = proc_spawn(PROC_SLOT, "/bin/true", argv, NULL);
    CHECK(pid > 0);
    int st = -1;
    CHECK(pid > 0 && waitpid((pid_t)pid, &st, 0) == pid && WIFEXITED(st) &&
          WEXITSTATUS(st) == 0);
}

/* ---- fat32 ---- */

static int child_files(void)
{
    int bad = 0;
    /* The server's limit, with raw handles (the descriptor table is as
     * large, so open() alone would stop there first). */
    int n = 0;
    int64_t h, last = -1;
    while ((h = fs_open(FS_CLIENT_SLOT, "/bin/sh", 0, NULL, NULL)) >= 0 && n < 1000) {
        last = h;
        n++;
    }
    bad |= n != FS_CLIENT_FILES || h != E_LIMIT;
    printf("limitstest: files: %d open, then %s\n", n, err_name((err_t)h));
    /* open() says EMFILE. */
    errno = 0;
    bad |= open("/bin/sh", O_RDONLY) != -1 || errno != EMFILE;
    /* File capabilities: one handle back, then MAP_FILE until refused. */
    bad |= fs_close(FS_CLIENT_SLOT, (uint64_t)last) != 0;
    int fd = open("/bin/sh", O_RDONLY);
    bad |= fd < 0;
    int maps = 0;
    int64_t cap = 0;
    while (fd >= 0 && (cap = fs_map_file(FS_CLIENT_SLOT, posix_handle(fd), false)) >= 0 &&
           maps < 1000)
        maps++;
    bad |= maps != FS_CLIENT_MAPS || cap != E_LIMIT;
    printf("limitstest: file capabilities: %d, then %s\n", maps, err_name((err_t)cap));
    errno = 0;
    bad |= mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) != MAP_FAILED || errno != ENOMEM;
    struct fs_tables t;
    bad |= fs_tables(FS_CLIENT_SLOT, &t) != 0 || t.my_files != FS_CLIENT_FILES ||
           t.my_file_caps != FS_CLIENT_MAPS;
    child_ready_then_wait();
    return bad; /* holding everything */
}

static void parent_opens(void)
{
    int fd = open("/bin/sh", O_RDONLY);
    CHECK(fd >= 0);
    char b[4];
    CHECK(fd >= 0 && read(fd, b, 4) == 4 && memcmp(b, "\177ELF", 4) == 0);
    CHECK(fd >= 0 && close(fd) == 0);
}

static void test_files(void)
{
    struct fs_tables t0, t;
    struct fs_cache_stats c0, c;
    CHECK_EQ(fs_tables(FS_CLIENT_SLOT, &t0), 0);
    CHECK_EQ(fs_cache_stats(FS_CLIENT_SLOT, &c0), 0);
    for (int round = 0; round < ROUNDS; round++) {
        CHECK_EQ(with_child(child_files, parent_opens), 0);
        CHECK_EQ(fs_tables(FS_CLIENT_SLOT, &t), 0);
        CHECK_EQ(fs_cache_stats(FS_CLIENT_SLOT, &c), 0);
        CHECK_EQ(t.open, t0.open);
        CHECK_EQ(t.mapped, t0.mapped);
        CHECK_EQ(t.file_caps, t0.file_caps);
        CHECK_EQ(t.clients, t0.clients);
        /* Pinned pages: our own program's text, as much as this process
         * and its children ever touched, is pinned while we run; the
         * first round touches code the rest repeat. */
        if (round == 0)
            c0.pinned = c.pinned;
        CHECK_EQ(c.pinned, c0.pinned);
        another_program_runs();
    }
    printf("limitstest: fat32: %lu handles, %lu mapped files, %lu file capabilities, "
           "%lu pinned pages, as before\n", (unsigned long)t.open, (unsigned long)t.mapped,
           (unsigned long)t.file_caps, (unsigned long)c.pinned);
}

/* ---- pipe ---- */

static int child_pipes(void)
{
    int bad = 0;
    /* Ends first: each pipe brings two. */
    uint64_t rd[PIPE_CLIENT_PIPES + 8], wr[PIPE_CLIENT_PIPES + 8];
    int n = 0;
    int64_t r;
    while (n < PIPE_CLIENT_PIPES + 8 && (r = pipe_create(PIPE_SLOT, &rd[n], &wr[n])) == 0)
        n++;
    struct pipe_stats s;
    bad |= pipe_stats(PIPE_SLOT, &s) != 0;
    /* Our descriptors' ends (the two pipes to the parent) count too. */
    int ours = (int)s.my_ends - 2 * n;
    bad |= r != E_LIMIT || ours < 0 || (int)s.my_ends + 2 <= PIPE_CLIENT_ENDS;
    printf("limitstest: pipes: %d created, then %s (ends held: %lu)\n", n, err_name((err_t)r),
           (unsigned long)s.my_ends);
    /* Pipes next: with one end each, the pipe count is what stops us. */
    for (int i = 0; i < n; i++)
        bad |= pipe_close(PIPE_SLOT, rd[i]) != 0;
    int more = 0;
    uint64_t a, b;
    while (n + more < PIPE_CLIENT_PIPES + 8 && (r = pipe_create(PIPE_SLOT, &a, &b)) == 0) {
        bad |= pipe_close(PIPE_SLOT, a) != 0;
        more++;
    }
    bad |= pipe_stats(PIPE_SLOT, &s) != 0 || r != E_LIMIT || s.my_pipes != PIPE_CLIENT_PIPES;
    printf("limitstest: pipes: %lu of ours open, then %s\n", (unsigned long)s.my_pipes,
           err_name((err_t)r));
    int fds[2];
    errno = 0;
    bad |= pipe(fds) != -1 || errno != EMFILE;
    child_ready_then_wait();
    return bad;
}

static void parent_pipes(void)
{
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    char c = 0;
    CHECK(write(fds[1], "x", 1) == 1 && read(fds[0], &c, 1) == 1 && c == 'x');
    close(fds[0]);
    close(fds[1]);
}

static void test_pipes(void)
{
    struct pipe_stats s0, s;
    CHECK_EQ(pipe_stats(PIPE_SLOT, &s0), 0);
    for (int round = 0; round < ROUNDS; round++) {
        CHECK_EQ(with_child(child_pipes, parent_pipes), 0);
        CHECK_EQ(pipe_stats(PIPE_SLOT, &s), 0);
        CHECK_EQ(s.pipes, s0.pipes);
        CHECK_EQ(s.ends, s0.ends);
        CHECK_EQ(s.clients, s0.clients);
        another_program_runs();
    }
    printf("limitstest: pipe: %lu pipes, %lu ends, as before\n", (unsigned long)s.pipes,
           (unsigned long)s.ends);
}

/* ---- names ---- */

static int child_names(void)
{
    int bad = 0;
    handle_t ep = (handle_t)sys_endpoint_create();
    int n = 0;
    int64_t r;
    char name[16];
    do {
        snprintf(name, sizeof name, "lt.n%d", n);
        r = names_register(NAMES_SLOT, name, ep);
    } while (r == 0 && ++n < 100);
    bad |= n != NAMES_CLIENT_NAMES || r != E_LIMIT;
    printf("limitstest: names: %d registered, then %s\n", n, err_name((err_t)r));
    child_ready_then_wait();
    return bad;
}

static void parent_names(void)
{
    handle_t ep = (handle_t)sys_endpoint_create();
    CHECK_EQ(names_register(NAMES_SLOT, "lt.parent", ep), 0);
    CHECK_EQ(names_unregister(NAMES_SLOT, "lt.parent"), 0);
    (void)sys_cap_delete(ep);
}

static void test_names(void)
{
    struct names_stats_rep s0, s;
    CHECK_EQ(names_stats(NAMES_SLOT, &s0), 0);
    for (int round = 0; round < ROUNDS; round++) {
        CHECK_EQ(with_child(child_names, parent_names), 0);
        CHECK_EQ(names_stats(NAMES_SLOT, &s), 0);
        CHECK_EQ(s.live, s0.live);
        CHECK_EQ(s.held, s0.held);
        CHECK_EQ(s.clients, s0.clients);
        CHECK_EQ(names_lookup(NAMES_SLOT, "lt.n0", 0), E_NOENT);
        another_program_runs();
    }
}

/* The owner names us its heir, then ends: the name is held for us. */
static int child_owner(void)
{
    handle_t ep = (handle_t)sys_endpoint_create();
    int bad = names_register(NAMES_SLOT, "lt.heir", ep) != 0;
    bad |= names_allow(NAMES_SLOT, "lt.heir", PROC_FS_BADGE_BASE + (uint64_t)getppid()) != 0;
    child_ready_then_wait();
    return bad;
}

/* Anyone but the heir is refused the held name. */
static int child_stranger(void)
{
    handle_t ep = (handle_t)sys_endpoint_create();
    int64_t r = names_register(NAMES_SLOT, "lt.heir", ep);
    printf("limitstest: a stranger registers a name held for another: %s\n", err_name((err_t)r));
    int bad = r != E_PERM;
    /* Nor may it name heirs for another's name. */
    bad |= names_allow(NAMES_SLOT, "lt.heir", PROC_FS_BADGE_BASE + (uint64_t)getpid()) != E_PERM;
    child_ready_then_wait();
    return bad;
}

static int child_newcomer(void)
{
    handle_t ep = (handle_t)sys_endpoint_create();
    int bad = names_register(NAMES_SLOT, "lt.heir", ep) != 0;
    child_ready_then_wait();
    return bad;
}

static void parent_sees_taken(void)
{
    handle_t ep = (handle_t)sys_endpoint_create();
    CHECK_EQ(names_register(NAMES_SLOT, "lt.heir", ep), E_EXIST);
    int64_t cap = names_lookup(NAMES_SLOT, "lt.heir", 0);
    CHECK(cap > 0);
    if (cap > 0)
        (void)sys_cap_delete((handle_t)cap);
    (void)sys_cap_delete(ep);
}

static void test_heir(void)
{
    struct names_stats_rep s0, s;
    CHECK_EQ(names_stats(NAMES_SLOT, &s0), 0);
    for (int round = 0; round < ROUNDS; round++) {
        CHECK_EQ(with_child(child_owner, parent_sees_taken), 0);
        /* The owner ended: held for us, registered for nobody. */
        CHECK_EQ(names_stats(NAMES_SLOT, &s), 0);
        CHECK_EQ(s.held, s0.held + 1);
        CHECK_EQ(s.my_names, 1);
        CHECK_EQ(names_lookup(NAMES_SLOT, "lt.heir", 0), E_NOENT);
        CHECK_EQ(with_child(child_stranger, NULL), 0);
        /* The heir takes it, and gives it up: then it is free for all. */
        handle_t ep = (handle_t)sys_endpoint_create();
        CHECK_EQ(names_register(NAMES_SLOT, "lt.heir", ep), 0);
        int64_t cap = names_lookup(NAMES_SLOT, "lt.heir", 0);
        CHECK(cap > 0);
        if (cap > 0)
            (void)sys_cap_delete((handle_t)cap);
        CHECK_EQ(names_unregister(NAMES_SLOT, "lt.heir"), 0);
        (void)sys_cap_delete(ep);
        CHECK_EQ(with_child(child_newcomer, NULL), 0);
        /* That owner named no heir: its name went with it. */
        CHECK_EQ(names_stats(NAMES_SLOT, &s), 0);
        CHECK_EQ(s.live, s0.live);
        CHECK_EQ(s.held, s0.held);
        CHECK_EQ(s.clients, s0.clients);
        another_program_runs();
    }
}

static const struct test tests[] = {
    TEST(LIMITS_FILES_0001_EMFILE_OTHERS_GO_ON_TABLES_BACK, test_files),
    TEST(LIMITS_PIPES_0001_EMFILE_OTHERS_GO_ON_TABLES_BACK, test_pipes),
    TEST(LIMITS_NAMES_0001_LIMIT_OTHERS_GO_ON_TABLES_BACK, test_names),
    TEST(LIMITS_NAMES_0002_HELD_FOR_THE_HEIR_ONLY, test_heir),
};

int main(void)
{
    printf("limitstest: per-process limits of fat32, pipe and names\n");
    test_run_table(tests, TEST_COUNT(tests));
    test_summary("limitstest");
    return test_failures ? 1 : 0;
}
