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
#include <stddef.h>
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
#include <sys/syscall_raw.h>

/* The pipe-server handle behind a descriptor (libsys's POSIX layer). */
uint64_t posix_handle(int fd);

#define SELF "/bin/proctest"
/* What __builtin_trap and a misaligned atomic end with on this toolchain
 * and machine (checked by PROC_EXC_0001). */
#define PROCTEST_TRAP_SIG SIGTRAP
#define PROCTEST_MISALIGNED_SIG SIGBUS

#define CHECK_PRINTF printf
#define TEST_MAIN
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

/* Starts "proctest child kmem ARG" with kmem_budget bytes of kernel memory. */
static int64_t kmem_child(const char *arg, uint64_t kmem_budget)
{
    char *argv[] = {"proctest", "child", "kmem", (char *)arg, NULL};
    return proc_spawn_budget(PROC_SLOT, SELF, argv, NULL, kmem_budget);
}

/* ---- child modes ---- */

static int child_main(int argc, char **argv)
{
    const char *mode = argv[2];
    const char *arg = argc > 3 ? argv[3] : "";
    if (strcmp(mode, "exit") == 0)
        return atoi(arg);
    if (strcmp(mode, "kmem") == 0) {
        /* Our kernel-memory budget in pages, from ourselves or ("fork") a
         * fork of ours. */
        if (strcmp(arg, "fork") == 0) {
            pid_t p = fork();
            if (p != 0) {
                int status = 0;
                return p > 0 && waitpid(p, &status, 0) == p && WIFEXITED(status)
                           ? WEXITSTATUS(status) : 255;
            }
        }
        struct kmem_info ki = {0};
        if (sys_kmem_info(0, &ki) < 0)
            return 254;
        return (int)(ki.budget >> 12) & 0xff;
    }
    if (strcmp(mode, "segv") == 0) {
        volatile uintptr_t addr = 8; /* page 0 is never mapped */
        return *(volatile int *)addr;
    }
    if (strcmp(mode, "forkspin") == 0) {
        /* arg children (each spinning), then say so and spin ourselves:
         * a job whose stage started processes of its own. */
        for (int i = atoi(arg); i > 0; i--)
            if (fork() == 0)
                for (;;)
                    ;
        printf("spinning with children\n");
        fflush(stdout);
        for (;;)
            ;
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
    /* Ways a thread ends that only the kernel sees: proc must hear of
     * each (it is every process's exception handler). */
    if (strcmp(mode, "illegal") == 0)
        __asm__ volatile(".word 0"); /* all-zero: a defined illegal instruction */
    if (strcmp(mode, "csrr") == 0) {
        uint64_t v;
        __asm__ volatile("csrr %0, sstatus" : "=r"(v)); /* privileged: S-mode only */
        return (int)v;
    }
    if (strcmp(mode, "sret") == 0)
        __asm__ volatile("sret");
    if (strcmp(mode, "wfi") == 0)
        __asm__ volatile("wfi"); /* U-mode wfi traps (mstatus.TW aside, S-mode exists) */
    if (strcmp(mode, "ebreak") == 0)
        __asm__ volatile("ebreak");
    if (strcmp(mode, "trap") == 0)
        __builtin_trap();
    if (strcmp(mode, "misaligned") == 0) {
        /* Plain loads and stores may be emulated (by the hart or the
         * firmware); an atomic never is. */
        static uint64_t words[2];
        uint32_t *odd = (uint32_t *)((uintptr_t)words + 2), old;
        __asm__ volatile("amoadd.w %0, %2, (%1)" : "=r"(old) : "r"(odd), "r"(1) : "memory");
        return (int)old;
    }
    if (strcmp(mode, "badsys") == 0)
        return (int)sys_raw6(9999, 0, 0, 0, 0, 0, 0);
    if (strcmp(mode, "rawexit") == 0)
        sys_exit(5); /* SYS_EXIT itself, not libsys's _exit */
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
}

static void test_exec(void)
{
    int64_t pid = child("exec", "hello");
    int st = wait_for(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0); /* echo's status, same pid */
    errno = 0;
    char *argv[] = {"x", NULL};
    CHECK(execv("/no/such/program", argv) == -1 && errno == ENOENT); /* we carry on */
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
}

/* A raw request; returns the reply's label as an err_t (0: success). */
static int64_t raw(handle_t ep, uint64_t op, const void *data, uint64_t len, uint64_t w0,
                   uint64_t w1)
{
    memcpy(ipc_buffer()->data, data, len);
    struct ipc_msg m = {.w = {w0, w1}};
    return ipc_request(ep, op, &m, len);
}

/* A raw spawn request: the header with argc, then len bytes of strings. */
static int64_t raw_spawn(const char *strings, uint32_t len, uint16_t argc)
{
    struct proc_spawn_req q = {.argc = argc};
    memcpy(q.strings, strings, len);
    return raw(PROC_SLOT, PROC_OP_SPAWN, &q, offsetof(struct proc_spawn_req, strings) + len, 0,
               0);
}

/* A raw request whose buffer is the struct q. */
#define RAW_BUF(ep, op, ...) \
    raw((ep), (op), &(__VA_ARGS__), sizeof(__VA_ARGS__), 0, 0)

/* Malformed and hostile messages to proc, the pipe server and the console
 * get errors; all three keep serving. */
static void test_hostile_messages(void)
{
    CHECK(raw(PROC_SLOT, 999, "", 0, 0, 0) == E_NOSYS);
    CHECK(raw_spawn("", 0, 0) == E_INVAL);                       /* no path */
    CHECK(raw_spawn("/bin/true", 9, 0) == E_INVAL);              /* no NUL */
    CHECK(raw_spawn("/bin/true\0x\0", 12, 5) == E_INVAL);        /* argc lies */
    CHECK(raw_spawn("bin/true\0", 9, 0) == E_INVAL);             /* relative */
    CHECK(raw_spawn("/bin/true\0", 10, 1000) == E_INVAL);        /* argc > 256 */
    CHECK(raw(PROC_SLOT, PROC_OP_WAIT, "", 0, 12345, 0) == E_NOENT);  /* not a child */
    CHECK(raw(PROC_SLOT, PROC_OP_KILL, "", 0, 1, 64) == E_INVAL);
    CHECK(raw(PROC_SLOT, PROC_OP_GETPID, "x", 1, 0, 0) == E_INVAL);  /* a register op with data */
    CHECK(raw(PIPE_SLOT, 77, "", 0, 0, 0) == E_NOSYS);
    CHECK(RAW_BUF(PIPE_SLOT, PIPE_OP_READ, (struct pipe_read_req){.end = 200, .max = 16}) ==
          E_BADH); /* not our handle */
    CHECK(raw(PIPE_SLOT, PIPE_OP_READ, "", 0, 200, 16) == E_INVAL); /* no request in the buffer */
    CHECK(raw(PIPE_SLOT, PIPE_OP_CLONE_CLIENT, "", 0, 1, 2) == E_PERM); /* proc's op */
    int fds[2];
    CHECK(pipe(fds) == 0);
    uint64_t rd = posix_handle(fds[0]), wr = posix_handle(fds[1]);
    CHECK(RAW_BUF(PIPE_SLOT, PIPE_OP_READ, (struct pipe_read_req){.end = wr, .max = 16}) ==
          E_INVAL); /* write end */
    CHECK(RAW_BUF(PIPE_SLOT, PIPE_OP_READ, (struct pipe_read_req){.end = rd, .max = 5000}) ==
          E_INVAL);
    CHECK(RAW_BUF(PIPE_SLOT, PIPE_OP_WRITE, wr) == E_INVAL); /* a handle, no data */
    CHECK(raw(CONSOLE_SLOT, 55, "", 0, 0, 0) == E_NOSYS);
    CHECK(RAW_BUF(CONSOLE_SLOT, CONS_OP_READ, (struct cons_read_req){.max = 0}) == E_INVAL);
    CHECK(RAW_BUF(CONSOLE_SLOT, CONS_OP_READ, (struct cons_read_req){.max = 100000}) == E_INVAL);
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
    CHECK(mm_space_new(MM_CLIENT_SLOT, 0, 0, &sc) == E_PERM);
    CHECK(mm_space_destroy(MM_CLIENT_SLOT, 1) == E_NOENT);
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
    CHECK(proc_count(PROC_SLOT) == 1); /* only us */
    printf("proctest: 200 processes; frames in use %lu before, %lu after\n",
           (unsigned long)before.used_frames, (unsigned long)after.used_frames);
}


/* ---- containment: exceptions, limits, authority ---- */

static int count_processes(void)
{
    return (int)proc_count(PROC_SLOT);
}

/* The baseline a hostile round must leave as it found: mm's frames and
 * spaces, and the kernel pool's free bytes. */
struct baseline {
    struct mm_stats_reply mm;
    struct kmem_info kmem;
};

static int baseline_take(struct baseline *b)
{
    return mm_stats(MM_CLIENT_SLOT, &b->mm) == 0 && sys_kmem_info(0, &b->kmem) == 0;
}

/* What "the system is whole" means after a hostile round: only us in
 * proc's table, mm's frames and spaces and the kernel pool as before, and
 * a fork still works. */
static int system_whole(const struct baseline *before)
{
    struct baseline now;
    int ok = baseline_take(&now) && now.mm.used_frames == before->mm.used_frames &&
             now.mm.spaces == before->mm.spaces &&
             now.kmem.pool_free == before->kmem.pool_free;
    if (!ok)
        printf("proctest: frames in use %lu -> %lu, spaces %lu -> %lu, kernel pool free %lu -> "
               "%lu\n",
               (unsigned long)before->mm.used_frames, (unsigned long)now.mm.used_frames,
               (unsigned long)before->mm.spaces, (unsigned long)now.mm.spaces,
               (unsigned long)before->kmem.pool_free, (unsigned long)now.kmem.pool_free);
    int n = count_processes();
    if (n != 1)
        printf("proctest: %d processes in proc's table, 1 expected\n", n);
    pid_t pid = fork();
    if (pid == 0)
        _exit(7);
    int st = wait_for(pid);
    return ok && n == 1 && WIFEXITED(st) && WEXITSTATUS(st) == 7;
}

/* Every way a child's thread can end reaches its parent's wait with the
 * POSIX status (and proc prints a report, which the case file checks). */
static void test_exceptions(void)
{
    static const struct {
        const char *mode;
        int sig;     /* 0: exits with status */
        int status;
    } cases[] = {
        {"illegal", SIGILL, 0}, {"csrr", SIGILL, 0},   {"sret", SIGILL, 0},
        {"wfi", SIGILL, 0},     {"ebreak", SIGTRAP, 0}, {"trap", PROCTEST_TRAP_SIG, 0},
        {"misaligned", PROCTEST_MISALIGNED_SIG, 0},     {"badsys", SIGSYS, 0},
        {"rawexit", 0, 5},
    };
    struct baseline before;
    CHECK(baseline_take(&before));
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t pid = child(cases[i].mode, "");
        int st = wait_for(pid);
        int ok = cases[i].sig ? WIFSIGNALED(st) && WTERMSIG(st) == cases[i].sig
                              : WIFEXITED(st) && WEXITSTATUS(st) == cases[i].status;
        if (!ok)
            printf("proctest: child %s: wait status 0x%x\n", cases[i].mode, st);
        CHECK(pid > 0 && ok);
    }
    CHECK(system_whole(&before));
}

/* Children per process: PROC_CHILDREN_MAX (zombies included), then
 * EAGAIN for fork and E_LIMIT for spawn, while others still fork. */
static void test_child_limit(void)
{
    struct baseline before;
    CHECK(baseline_take(&before));
    int go[2];
    CHECK(pipe(go) == 0);
    int made = 0, err = 0;
    for (;;) {
        pid_t pid = fork();
        if (pid == 0) {
            close(go[1]);
            char c = 0;
            if (read(go[0], &c, 1) != 1)
                _exit(0); /* released */
            /* Our own children are not limited by our parent's. */
            pid_t g = fork();
            if (g == 0)
                _exit(9);
            int st = -1;
            _exit(g > 0 && waitpid(g, &st, 0) == g && WEXITSTATUS(st) == 9 ? 50 : 51);
        }
        if (pid < 0) {
            err = errno;
            break;
        }
        if (++made > PROC_CHILDREN_MAX)
            break;
    }
    CHECK(made == PROC_CHILDREN_MAX && err == EAGAIN);
    CHECK(child("exit", "1") == E_LIMIT); /* spawn counts the same children */
    CHECK(write(go[1], "f", 1) == 1);
    close(go[1]);
    close(go[0]);
    int grandparents = 0, released = 0, st;
    while (wait(&st) > 0) {
        grandparents += WIFEXITED(st) && WEXITSTATUS(st) == 50;
        released += WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    CHECK(grandparents == 1 && released == PROC_CHILDREN_MAX - 1);
    CHECK(system_whole(&before));
}

/* The fork bomb: every member forks until fork fails, says so on `done`,
 * then waits for `release` to close, reaps its children and exits. */
static int bomb_done[2], bomb_release[2];

static int bomb_fork_all(int *err);

static void bomb_member(void)
{
    close(bomb_release[1]);
    int err = 0;
    (void)bomb_fork_all(&err);
    if (write(bomb_done[1], err == EAGAIN ? "a" : "x", 1) != 1)
        _exit(2);
    char c;
    (void)read(bomb_release[0], &c, 1); /* end of file once released */
    while (wait(NULL) > 0)
        ;
    _exit(0);
}

static int bomb_fork_all(int *err)
{
    int made = 0;
    for (;;) {
        pid_t pid = fork();
        if (pid == 0)
            bomb_member();
        if (pid < 0) {
            *err = errno;
            return made;
        }
        made++;
    }
}

/* A fork bomb bounded by the limits, five times in one boot: the table
 * fills to exactly PROC_MAX, every failed fork is EAGAIN, and after each
 * round nothing is left behind. */
static void test_fork_bomb(void)
{
    struct baseline before;
    CHECK(baseline_take(&before));
    for (int round = 0; round < 5; round++) {
        CHECK(pipe(bomb_done) == 0 && pipe(bomb_release) == 0);
        int err = 0;
        int made = bomb_fork_all(&err);
        CHECK(made > 0 && err == EAGAIN);
        /* Once every member has said it is done forking, none forks
         * again: the count is final. */
        int said = 0, bad = 0, n = 0;
        char c;
        while ((n = count_processes()) - 1 > said && read(bomb_done[0], &c, 1) == 1) {
            said++;
            bad += c != 'a';
        }
        printf("proctest: bomb round %d: %d processes, %d forked by us\n", round, n, made);
        CHECK(n == PROC_MAX && bad == 0);
        errno = 0;
        pid_t extra = fork();
        if (extra == 0)
            _exit(0);
        CHECK(extra == -1 && errno == EAGAIN);
        close(bomb_release[1]);
        close(bomb_release[0]);
        close(bomb_done[1]);
        close(bomb_done[0]);
        int st, reaped = 0;
        while (wait(&st) > 0)
            reaped += WIFEXITED(st) && WEXITSTATUS(st) == 0;
        CHECK(reaped == made);
        CHECK(system_whole(&before));
    }
}

/* A process signals only itself and its descendants: not its parent,
 * not init, not a sibling; its grandchild's grandparent may. */
static void test_kill_authority(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t sibling = fork();
    if (sibling == 0)
        for (;;)
            ;
    pid_t a = fork();
    if (a == 0) {
        int ok = 1;
        errno = 0;
        ok &= kill(1, SIGKILL) == -1 && errno == EPERM; /* init */
        errno = 0;
        ok &= kill(1, 0) == -1 && errno == EPERM;
        errno = 0;
        ok &= kill(sibling, SIGKILL) == -1 && errno == EPERM;
        pid_t g = fork(); /* our child: ours to signal, and our parent's */
        if (g == 0)
            for (;;)
                ;
        ok &= g > 0 && write(fds[1], &g, sizeof g) == sizeof g;
        int st = -1;
        ok &= waitpid(g, &st, 0) == g && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM;
        _exit(ok ? 60 : 61);
    }
    pid_t g = 0;
    CHECK(read(fds[0], &g, sizeof g) == sizeof g && g > a);
    CHECK(kill(g, SIGTERM) == 0); /* a grandchild */
    int st = wait_for(a);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 60);
    CHECK(kill(sibling, SIGKILL) == 0);
    st = wait_for(sibling);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    close(fds[0]);
    close(fds[1]);
    CHECK(getpid() == 1); /* init is still here */
}

/* Our console endpoint is badged for us alone, as the other servers'. */
static void test_console_badge(void)
{
    struct cap_info ci;
    CHECK(sys_cap_info(CONSOLE_SLOT, &ci) == 0 && ci.type == CAP_ENDPOINT);
    CHECK(ci.badge == PROC_FS_BADGE_BASE + (uint64_t)getpid());
    CHECK(write(1, "", 0) == 0); /* and still ours to write to */
}

/* A process's kernel-memory budget is set at spawn (0: the default), kept
 * by its forks, and bounded; a refused spawn leaves nothing behind. */
static void test_kmem_budget(void)
{
    struct kmem_info before = {0};
    CHECK_EQ(sys_kmem_info(0, &before), 0);
    CHECK_EQ(before.budget, MM_SPACE_KMEM_BUDGET); /* ours: the default */
    int64_t pid = kmem_child("self", 0);
    CHECK(pid > 0);
    CHECK_EQ(wait_for(pid), (int)(((MM_SPACE_KMEM_BUDGET >> 12) & 0xff) << 8));
    pid = kmem_child("self", 128u << 10);
    CHECK(pid > 0);
    CHECK_EQ(wait_for(pid), 32 << 8);
    pid = kmem_child("fork", 96u << 10);
    CHECK(pid > 0);
    CHECK_EQ(wait_for(pid), 24 << 8);
    CHECK_EQ(kmem_child("self", MM_SPACE_KMEM_MIN - 4096), E_INVAL);
    CHECK_EQ(kmem_child("self", MM_SPACE_KMEM_MAX + 4096), E_INVAL);
    struct kmem_info after = {0};
    CHECK_EQ(sys_kmem_info(0, &after), 0);
    CHECK_EQ(after.pool_free, before.pool_free);
}

static const struct test tests[] = {
    TEST(PROC_SPAWN_0001_EXIT_STATUS_ARGS_PPID, test_spawn_exit),
    TEST(PROC_SIGNAL_0001_SEGV_KILL_WNOHANG, test_signals),
    TEST(PROC_EXEC_0001_EXEC_KEEPS_PID, test_exec),
    TEST(PROC_FORK_0001_COW_MEMORY_FDS_EXEC, test_fork),
    TEST(PROC_TEXT_0001_SHARED_TEXT_FRAMES, test_shared_text),
    TEST(PROC_ORPHAN_0001_REPARENTED_TO_INIT, test_orphans),
    TEST(PROC_BADELF_0001_NOEXEC_NOT_A_CRASH, test_bad_executables),
    TEST(PROC_HOSTILE_0001_MALFORMED_MESSAGES, test_hostile_messages),
    TEST(PROC_ISOLATION_0001_HANDLES_BADGES_CAPABILITIES, test_isolation),
    TEST(PROC_STORM_0001_200_SPAWNS_AND_FORKS_NO_LEAK, test_storm),
    TEST(PROC_EXC_0001_EVERY_END_REPORTED, test_exceptions),
    TEST(PROC_LIMIT_0001_CHILDREN_PER_PROCESS, test_child_limit),
    TEST(PROC_BOMB_0001_FORK_BOMB_FIVE_ROUNDS_NO_LEAK, test_fork_bomb),
    TEST(PROC_KILL_0001_ONLY_DESCENDANTS, test_kill_authority),
    TEST(PROC_CONSBADGE_0001_PER_PROCESS, test_console_badge),
    TEST(PROC_KMEM_0001_BUDGET_AT_SPAWN, test_kmem_budget),
};

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "child") == 0)
        return child_main(argc, argv);
    printf("proctest: process server tests\n");
    test_run_table(tests, TEST_COUNT(tests));
    test_summary("proctest");
    return test_failures;
}
