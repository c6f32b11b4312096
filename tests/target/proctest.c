/*
 * proctest: system tests of proc, the process server, run as init
 * (./mica run -- /bin/proctest). It starts copies of itself in child
 * modes ("proctest child MODE ...") and other programs from /bin, and
 * checks exit statuses, signals, exec, orphans, bad executables, and that
 * a storm of processes leaves no frame and no process behind. Each case
 * prints "TEST <id> PASS|FAIL".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mica/ipc.h>
#include <proto/console.h>
#include <proto/fs.h>
#include <proto/pipe.h>
#include <sys/fs.h>
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/mm.h>
#include <sys/proc.h>

/* The pipe-server handle behind a descriptor (libsys's POSIX layer). */
uint64_t posix_handle(int fd);

#define SELF "/bin/proctest"

#define CHECK_PRINTF printf
#include "check.h"

/* Starts "proctest child MODE ARG" and returns its pid. */
static int64_t child(const char *mode, const char *arg)
{
    char *argv[] = {"proctest", "child", (char *)mode, (char *)arg, NULL};
    return proc_spawn(PROC_SLOT, SELF, argv, NULL);
}

static int wait_for(int64_t pid)
{
    int status = -1;
    pid_t got = waitpid((pid_t)pid, &status, 0);
    return got == pid ? status : -1;
}

/* ---- child modes ---- */

static int child_main(int argc, char **argv)
{
    const char *mode = argv[2];
    const char *arg = argc > 3 ? argv[3] : "";
    if (strcmp(mode, "exit") == 0)
        return atoi(arg);
    if (strcmp(mode, "segv") == 0) {
        volatile uintptr_t addr = 8; /* page 0 is never mapped */
        return *(volatile int *)addr;
    }
    if (strcmp(mode, "spin") == 0) {
        if (strcmp(arg, "loud") == 0) {
            printf("spinning until interrupted\n");
            fflush(stdout);
        }
        for (;;)
            ;
    }
    if (strcmp(mode, "exec") == 0) {
        char *eargv[] = {"echo", "exec", "says", (char *)arg, NULL};
        execv("/bin/echo", eargv);
        return 99; /* exec failed */
    }
    if (strcmp(mode, "ids") == 0) /* exit status tells the parent pid */
        return getppid() == atoi(arg) ? 7 : 8;
    if (strcmp(mode, "orphan") == 0) {
        /* Leave a grandchild behind that outlives us: it reports its
         * parent after ours is gone. */
        return child("late", "") > 0 ? 0 : 1;
    }
    if (strcmp(mode, "textpa") == 0) {
        /* Tell the parent (through a descriptor that survived exec) the
         * frame our child_main's text page is on, then wait to be killed. */
        uint64_t pte = 0, refs = 0, pa = 0;
        int ok = mm_page_info_pa((uint64_t)(uintptr_t)child_main, &pte, &refs, &pa) == 0;
        if (!ok || write(atoi(arg), &pa, sizeof pa) != sizeof pa)
            return 1;
        for (;;)
            ;
    }
    if (strcmp(mode, "fdcheck") == 0) {
        /* Descriptor atoi(arg) survived exec: it reads "hello". */
        char buf[8] = {0};
        return read(atoi(arg), buf, 5) == 5 && strcmp(buf, "hello") == 0 ? 33 : 34;
    }
    if (strcmp(mode, "late") == 0) {
        for (volatile int i = 0; i < 3000000; i++)
            ;
        return getppid() == 1 ? 21 : 22;
    }
    return 100;
}

/* ---- cases ---- */

static void test_spawn_exit(void)
{
    CHECK(getpid() == 1 && getppid() == 0); /* we are init */
    int64_t pid = child("exit", "42");
    CHECK(pid > 1);
    int st = wait_for(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42);
    pid = child("ids", "1");
    st = wait_for(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
    /* Another program from /bin, with arguments. */
    char *argv[] = {"echo", "spawned", "echo", NULL};
    pid = proc_spawn(PROC_SLOT, "/bin/echo", argv, NULL);
    st = wait_for(pid);
    CHECK(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    errno = 0;
    CHECK(waitpid(-1, &st, 0) == -1 && errno == ECHILD); /* none left */
    end("PROC_SPAWN_0001_EXIT_STATUS_ARGS_PPID");
}

static void test_signals(void)
{
    int64_t pid = child("segv", "");
    int st = wait_for(pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
    pid = child("spin", "");
    CHECK(pid > 0);
    int raw = 12345;
    CHECK(waitpid((pid_t)pid, &raw, WNOHANG) == 0 && raw == 12345); /* still running */
    CHECK(kill((pid_t)pid, 0) == 0);
    CHECK(kill((pid_t)pid, SIGTERM) == 0);
    st = wait_for(pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    errno = 0;
    CHECK(kill((pid_t)pid, SIGTERM) == -1 && errno == ESRCH); /* reaped: gone */
    errno = 0;
    CHECK(kill(1, 99) == -1 && errno == EINVAL);
    end("PROC_SIGNAL_0001_SEGV_KILL_WNOHANG");
}

static void test_exec(void)
{
    int64_t pid = child("exec", "hello");
    int st = wait_for(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0); /* echo's status, same pid */
    errno = 0;
    char *argv[] = {"x", NULL};
    CHECK(execv("/no/such/program", argv) == -1 && errno == ENOENT); /* we carry on */
    end("PROC_EXEC_0001_EXEC_KEEPS_PID");
}

static int fork_counter = 10;

static void test_fork(void)
{
    int fd = open("/hello.txt", O_RDONLY);
    CHECK(fd >= 3);
    pid_t pid = fork();
    if (pid == 0) {
        /* The child: our own copy of memory, the parent's descriptors. */
        fork_counter += 5;
        char buf[6] = {0};
        int ok = read(fd, buf, 5) == 5 && strcmp(buf, "hello") == 0;
        close(fd);
        _exit(ok && fork_counter == 15 && getppid() == 1 ? 40 : 41);
    }
    CHECK(pid > 1);
    int st = wait_for(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 40);
    CHECK(fork_counter == 10); /* the child's store stayed in the child */
    char buf[6] = {0};
    CHECK(read(fd, buf, 5) == 5 && strcmp(buf, "hello") == 0); /* still ours after its close */
    /* fork + exec: the descriptor survives exec too. */
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    pid = fork();
    if (pid == 0) {
        char num[8];
        snprintf(num, sizeof num, "%d", fd);
        char *argv[] = {"proctest", "child", "fdcheck", num, NULL};
        execv(SELF, argv);
        _exit(99);
    }
    st = wait_for(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 33);
    close(fd);
    /* Many forks in a row, each child exiting at once. */
    int bad = 0;
    for (int i = 0; i < 20; i++) {
        pid = fork();
        if (pid == 0)
            _exit(i);
        st = wait_for(pid);
        bad += !(WIFEXITED(st) && WEXITSTATUS(st) == i);
    }
    CHECK(bad == 0);
    end("PROC_FORK_0001_COW_MEMORY_FDS_EXEC");
}

/* Two processes running the same program share its text: the frame of a
 * page of code is the page cache's, the same in both. */
static void test_shared_text(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        char num[8];
        snprintf(num, sizeof num, "%d", fds[1]);
        char *argv[] = {"proctest", "child", "textpa", num, NULL};
        execv(SELF, argv); /* a fresh image of the same file, not a fork copy */
        _exit(99);
    }
    uint64_t child_pa = 0, pte = 0, refs = 0, my_pa = 0;
    CHECK(read(fds[0], &child_pa, sizeof child_pa) == sizeof child_pa);
    CHECK(mm_page_info_pa((uint64_t)(uintptr_t)child_main, &pte, &refs, &my_pa) == 0);
    CHECK(my_pa != 0 && my_pa == child_pa);
    CHECK((pte & MAP_X) && !(pte & MAP_W)); /* text: executable, never writable */
    CHECK(kill(pid, SIGKILL) == 0);
    int st = wait_for(pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    close(fds[0]);
    close(fds[1]);
    end("PROC_TEXT_0001_SHARED_TEXT_FRAMES");
}

static void test_orphans(void)
{
    int64_t pid = child("orphan", "");
    int st = wait_for(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* The grandchild is ours now (we are init): it sees ppid 1. */
    st = -1;
    pid_t got = waitpid(-1, &st, 0);
    CHECK(got > (pid_t)pid && WIFEXITED(st) && WEXITSTATUS(st) == 21);
    end("PROC_ORPHAN_0001_REPARENTED_TO_INIT");
}

/* Writes a file made of `len` bytes of src with the patch applied. */
static void write_variant(const char *path, const uint8_t *src, size_t len, size_t at,
                          const void *patch, size_t patch_len)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fwrite(src, 1, at < len ? at : len, f);
    if (patch_len && at < len) {
        fwrite(patch, 1, patch_len, f);
        if (at + patch_len < len)
            fwrite(src + at + patch_len, 1, len - at - patch_len, f);
    }
    fclose(f);
}

/* Spawns path; a bad executable must fail. One that starts anyway is
 * reaped and reported as 1. */
static int64_t try_spawn(const char *path)
{
    char *argv[] = {"bad", NULL};
    int64_t r = proc_spawn(PROC_SLOT, path, argv, NULL);
    if (r > 0) {
        (void)wait_for(r);
        return 1;
    }
    return r;
}

/* File offset of the k-th PT_LOAD program header, or 0. */
static uint64_t load_phdr(const uint8_t *elf, uint64_t phoff, int k)
{
    uint16_t phnum;
    memcpy(&phnum, elf + 56, 2);
    for (int i = 0; i < phnum; i++) {
        uint32_t type;
        memcpy(&type, elf + phoff + 56 * (uint64_t)i, 4);
        if (type == 1 && k-- == 0)
            return phoff + 56 * (uint64_t)i;
    }
    return 0;
}

static void test_bad_executables(void)
{
    static uint8_t elf[1 << 20];
    FILE *f = fopen("/bin/echo", "r");
    size_t len = f ? fread(elf, 1, sizeof elf, f) : 0;
    if (f)
        fclose(f);
    CHECK(len > 4096 && len < sizeof elf);
    uint64_t phoff;
    memcpy(&phoff, elf + 32, 8);
    CHECK(try_spawn("/no/such/file") == E_NOENT);
    CHECK(try_spawn("/hello.txt") == E_NOEXEC); /* not ELF */
    CHECK(try_spawn("/docs") == E_NOEXEC);      /* a directory */
    write_variant("/bad1", elf, 100, 100, NULL, 0); /* truncated inside the headers */
    CHECK(try_spawn("/bad1") == E_NOEXEC);
    uint64_t ph0 = load_phdr(elf, phoff, 0), ph1 = load_phdr(elf, phoff, 1);
    CHECK(ph0 != 0 && ph1 != 0);
    uint64_t text_end, off0, filesz0;
    memcpy(&off0, elf + ph0 + 8, 8);
    memcpy(&filesz0, elf + ph0 + 32, 8);
    text_end = off0 + filesz0;
    write_variant("/bad2", elf, text_end - 1, text_end - 1, NULL, 0); /* segment past the end */
    CHECK(try_spawn("/bad2") == E_NOEXEC);
    uint16_t x86 = 62;
    write_variant("/bad3", elf, len, 18, &x86, 2); /* e_machine: x86-64 */
    CHECK(try_spawn("/bad3") == E_NOEXEC);
    uint64_t kernel_va = 0xffffffc000000000ull;
    write_variant("/bad4", elf, len, ph0 + 16, &kernel_va, 8); /* p_vaddr in the kernel */
    CHECK(try_spawn("/bad4") == E_NOEXEC);
    uint64_t huge = 1ull << 62;
    write_variant("/bad5", elf, len, ph1 + 40, &huge, 8); /* absurd p_memsz */
    CHECK(try_spawn("/bad5") == E_NOEXEC);
    /* Two PT_LOADs at the same place: the second's p_vaddr := the first's
     * (keeping p_offset % 4096 == p_vaddr % 4096, so only the overlap is wrong). */
    uint64_t vaddr0, off1;
    memcpy(&vaddr0, elf + ph0 + 16, 8);
    memcpy(&off1, elf + ph1 + 8, 8);
    uint64_t vaddr = vaddr0 + (off1 % 4096) - (off0 % 4096);
    write_variant("/bad6", elf, len, ph1 + 16, &vaddr, 8);
    CHECK(try_spawn("/bad6") == E_NOEXEC);
    errno = 0;
    char *argv[] = {"bad", NULL};
    CHECK(execv("/hello.txt", argv) == -1 && errno == ENOEXEC);
    for (int i = 1; i <= 6; i++) {
        char name[8];
        snprintf(name, sizeof name, "/bad%d", i);
        unlink(name);
    }
    end("PROC_BADELF_0001_NOEXEC_NOT_A_CRASH");
}

/* A raw request; returns the reply's label as an err_t (0: success). */
static int64_t raw(handle_t ep, uint64_t op, const void *data, uint64_t len, uint64_t w0,
                   uint64_t w1)
{
    memcpy(ipc_buffer()->data, data, len);
    struct ipc_msg m = {.w = {w0, w1}};
    return ipc_request(ep, op, &m, len);
}

/* Malformed and hostile messages to proc, the pipe server and the console
 * get errors; all three keep serving. */
static void test_hostile_messages(void)
{
    CHECK(raw(PROC_SLOT, 999, "", 0, 0, 0) == E_NOSYS);
    CHECK(raw(PROC_SLOT, PROC_OP_SPAWN, "", 0, 0, 0) == E_INVAL);               /* no path */
    CHECK(raw(PROC_SLOT, PROC_OP_SPAWN, "/bin/true", 9, 0, 0) == E_INVAL);      /* no NUL */
    CHECK(raw(PROC_SLOT, PROC_OP_SPAWN, "/bin/true\0x\0", 12, 5, 0) == E_INVAL); /* argc lies */
    CHECK(raw(PROC_SLOT, PROC_OP_SPAWN, "bin/true\0", 9, 0, 0) == E_INVAL);    /* relative */
    CHECK(raw(PROC_SLOT, PROC_OP_SPAWN, "/bin/true\0", 10, 1000000, 0) == E_INVAL);
    CHECK(raw(PROC_SLOT, PROC_OP_WAIT, "", 0, 12345, 0) == E_NOENT);  /* not a child */
    CHECK(raw(PROC_SLOT, PROC_OP_KILL, "", 0, 1, 64) == E_INVAL);
    CHECK(raw(PIPE_SLOT, 77, "", 0, 0, 0) == E_NOSYS);
    CHECK(raw(PIPE_SLOT, PIPE_OP_READ, "", 0, 200, 16) == E_BADH);    /* not our handle */
    CHECK(raw(PIPE_SLOT, PIPE_OP_CLONE_CLIENT, "", 0, 1, 2) == E_NOSYS); /* proc's op */
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK(raw(PIPE_SLOT, PIPE_OP_READ, "", 0, posix_handle(fds[1]), 16) == E_INVAL); /* write end */
    CHECK(raw(PIPE_SLOT, PIPE_OP_READ, "", 0, posix_handle(fds[0]), 5000) == E_INVAL);
    CHECK(raw(PIPE_SLOT, PIPE_OP_WRITE, "", 0, posix_handle(fds[1]), 0) == E_INVAL); /* empty */
    CHECK(raw(CONSOLE_SLOT, 55, "", 0, 0, 0) == E_NOSYS);
    CHECK(raw(CONSOLE_SLOT, CONS_OP_READ, "", 0, 0, 0) == E_INVAL);
    CHECK(raw(CONSOLE_SLOT, CONS_OP_READ, "", 0, 100000, 0) == E_INVAL);
    CHECK(raw(FS_CLIENT_SLOT, FS_OP_CLONE_CLIENT, "", 0, 1, 2) == E_NOSYS); /* proc's op */
    /* Still serving. */
    CHECK(write(fds[1], "ok", 2) == 2);
    char buf[4] = {0};
    CHECK(read(fds[0], buf, 2) == 2 && strcmp(buf, "ok") == 0);
    close(fds[0]);
    close(fds[1]);
    int64_t pid = child("exit", "3");
    int st = wait_for(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    end("PROC_HOSTILE_0001_MALFORMED_MESSAGES");
}

/* A process reaches only what it was given: another process's open file
 * is not its own, badges cannot be forged, it holds no task, thread, frame
 * or IRQ capability to map or steal with, and mm refuses it control. */
static void test_isolation(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open("/hello.txt", O_RDONLY);
        uint64_t h = fd >= 0 ? posix_handle(fd) : UINT64_MAX;
        if (write(fds[1], &h, sizeof h) != sizeof h)
            _exit(1);
        for (;;)
            ;
    }
    uint64_t theirs = UINT64_MAX;
    CHECK(read(fds[0], &theirs, sizeof theirs) == sizeof theirs && theirs != UINT64_MAX);
    char buf[8];
    CHECK(fs_read(FS_CLIENT_SLOT, theirs, 0, buf, 5) == E_BADH); /* the number is theirs alone */
    CHECK(kill(pid, SIGKILL) == 0);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    close(fds[0]);
    close(fds[1]);
    /* A copy with another badge keeps ours: no posing as another process. */
    struct cap_info mine, forged;
    CHECK(sys_cap_info(FS_CLIENT_SLOT, &mine) == 0 && mine.badge != 0);
    int64_t copy = sys_cap_copy(FS_CLIENT_SLOT, RIGHT_WRITE, mine.badge + 1);
    CHECK(copy > 0 && sys_cap_info((handle_t)copy, &forged) == 0 && forged.badge == mine.badge);
    if (copy > 0)
        (void)sys_cap_delete((handle_t)copy);
    /* What we hold: endpoints and notifications only. */
    int held = 0, dangerous = 0;
    for (handle_t h = 1; h < 256; h++) {
        struct cap_info ci;
        if (sys_cap_info(h, &ci) < 0)
            continue;
        held++;
        dangerous += ci.type != CAP_ENDPOINT && ci.type != CAP_NOTIFICATION;
    }
    CHECK(held >= 7 && dangerous == 0);
    CHECK(sys_map(MM_CLIENT_SLOT, 0x5000000000ull, MM_CLIENT_SLOT, 0, MAP_R) < 0);
    /* mm: control is not ours, and neither is another space. */
    struct mm_space_caps sc;
    CHECK(mm_space_new(MM_CLIENT_SLOT, 0, &sc) == E_PERM);
    CHECK(mm_space_destroy(MM_CLIENT_SLOT, 1) == E_NOENT);
    end("PROC_ISOLATION_0001_HANDLES_BADGES_CAPABILITIES");
}

static void test_storm(void)
{
    struct mm_stats_reply before, after;
    CHECK(mm_stats(MM_CLIENT_SLOT, &before) == 0);
    int bad = 0;
    for (int i = 0; i < 200; i++) {
        char code[8];
        snprintf(code, sizeof code, "%d", i % 50);
        /* Half spawned, half forked. */
        int64_t pid = i % 2 ? child("exit", code) : fork();
        if (pid == 0)
            _exit(i % 50);
        int st = wait_for(pid);
        bad += !(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == i % 50);
    }
    CHECK(bad == 0);
    CHECK(mm_stats(MM_CLIENT_SLOT, &after) == 0);
    CHECK(after.used_frames == before.used_frames);
    CHECK(after.spaces == before.spaces);
    uint64_t cursor = 0;
    struct proc_info info;
    int listed = 0;
    while (proc_list(PROC_SLOT, &cursor, &info) == 0)
        listed++;
    CHECK(listed == 1); /* only us */
    printf("proctest: 200 processes; frames in use %lu before, %lu after\n",
           (unsigned long)before.used_frames, (unsigned long)after.used_frames);
    end("PROC_STORM_0001_200_SPAWNS_AND_FORKS_NO_LEAK");
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "child") == 0)
        return child_main(argc, argv);
    printf("proctest: process server tests\n");
    test_spawn_exit();
    test_signals();
    test_exec();
    test_fork();
    test_shared_text();
    test_orphans();
    test_bad_executables();
    test_hostile_messages();
    test_isolation();
    test_storm();
    printf("proctest: %d passed, %d failed\n", passed, failures);
    return failures;
}
