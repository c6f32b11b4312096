/*
 * procbench: process benchmarks, run as init under QEMU -icount shift=0 by
 * ./mica bench (-- /bin/procbench). Guest instructions, counted with
 * rdinstret around each operation (the counter is the hart's, so it counts
 * everything the operation makes happen: kernel, proc, mm, the file
 * server, the child):
 *   fork + exit + wait of a small process; fork + exec + wait of /bin/true;
 *   spawn + wait of /bin/true; exec to main (from execv in the child to the
 *   first instruction of main in the new program, reported over a pipe);
 *   spawn to main (from asking proc to the child's main, left in a file);
 *   pipe round trip (1 byte each way between two processes); a request
 *   through the server framework against the same through raw IPC.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <signal.h>

#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/names.h>
#include <sys/proc.h>
#include <sys/server.h>
#include <sys/mm.h>

#include <proto/pager.h>

#define BENCH_PRINTF printf
#include "bench.h"

#define ITERS 100
#define WARMUP 5
#define PIPE_ITERS 1000

static uint64_t samples[PIPE_ITERS];
static int errors;

static void check(int ok, const char *what)
{
    if (!ok && errors++ == 0)
        printf("procbench: %s failed\n", what);
}

static void bench_fork_exit_wait(void)
{
    for (int i = 0; i < WARMUP + ITERS; i++) {
        uint64_t t0 = instret();
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        int st;
        check(waitpid(pid, &st, 0) == pid && WIFEXITED(st), "fork+exit+wait");
        uint64_t t1 = instret();
        if (i >= WARMUP)
            samples[i - WARMUP] = t1 - t0;
    }
    bench_report("proc_fork_exit_wait", samples, ITERS);
}

static void bench_fork_exec_wait(void)
{
    char *argv[] = {"true", NULL};
    for (int i = 0; i < WARMUP + ITERS; i++) {
        uint64_t t0 = instret();
        pid_t pid = fork();
        if (pid == 0) {
            execv("/bin/true", argv);
            _exit(99);
        }
        int st;
        check(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "fork+exec+wait");
        uint64_t t1 = instret();
        if (i >= WARMUP)
            samples[i - WARMUP] = t1 - t0;
    }
    bench_report("proc_fork_exec_wait_true", samples, ITERS);
}

static void bench_spawn_wait(void)
{
    char *argv[] = {"true", NULL};
    for (int i = 0; i < WARMUP + ITERS; i++) {
        uint64_t t0 = instret();
        int64_t pid = proc_spawn(PROC_SLOT, "/bin/true", argv, NULL);
        int st;
        check(pid > 0 && waitpid((pid_t)pid, &st, 0) == pid && WIFEXITED(st), "spawn+wait");
        uint64_t t1 = instret();
        if (i >= WARMUP)
            samples[i - WARMUP] = t1 - t0;
    }
    bench_report("proc_spawn_wait_true", samples, ITERS);
}

/* The exec'd copy of us: how far the counter moved since execv. */
static int exec_child(const char *t0_text, const char *fd_text)
{
    uint64_t t1 = instret();
    uint64_t delta = t1 - strtoull(t0_text, NULL, 10);
    int fd = atoi(fd_text);
    return write(fd, &delta, sizeof delta) == sizeof delta ? 0 : 1;
}

static void bench_exec_to_main(void)
{
    int fds[2];
    check(pipe(fds) == 0, "pipe");
    for (int i = 0; i < WARMUP + ITERS; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            char t0[24], fd[8];
            snprintf(fd, sizeof fd, "%d", fds[1]);
            snprintf(t0, sizeof t0, "%llu", (unsigned long long)instret());
            char *argv[] = {"procbench", "exec-child", t0, fd, NULL};
            execv("/bin/procbench", argv);
            _exit(99);
        }
        uint64_t delta = 0;
        check(read(fds[0], &delta, sizeof delta) == sizeof delta, "exec to main");
        int st;
        check(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "exec child");
        if (i >= WARMUP)
            samples[i - WARMUP] = delta;
    }
    close(fds[0]);
    close(fds[1]);
    bench_report("proc_exec_to_main", samples, ITERS);
}

/* A spawned copy of us: how far the counter moved since the parent asked
 * proc to spawn, left in a file (spawned processes inherit no pipe). */
#define SPAWN_TIME_FILE "/procbench.t"
static int spawn_child(const char *t0_text)
{
    uint64_t delta = instret() - strtoull(t0_text, NULL, 10);
    int fd = open(SPAWN_TIME_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int ok = fd >= 0 && write(fd, &delta, sizeof delta) == sizeof delta;
    return close(fd) == 0 && ok ? 0 : 1;
}

static void bench_spawn_to_main(void)
{
    for (int i = 0; i < WARMUP + ITERS; i++) {
        char t0[24];
        snprintf(t0, sizeof t0, "%llu", (unsigned long long)instret());
        char *argv[] = {"procbench", "spawn-child", t0, NULL};
        int64_t pid = proc_spawn(PROC_SLOT, "/bin/procbench", argv, NULL);
        int st;
        check(pid > 0 && waitpid((pid_t)pid, &st, 0) == pid && WIFEXITED(st) &&
                  WEXITSTATUS(st) == 0, "spawn to main");
        uint64_t delta = 0;
        int fd = open(SPAWN_TIME_FILE, O_RDONLY);
        check(fd >= 0 && read(fd, &delta, sizeof delta) == sizeof delta, "spawn time file");
        close(fd);
        if (i >= WARMUP)
            samples[i - WARMUP] = delta;
    }
    unlink(SPAWN_TIME_FILE);
    bench_report("proc_spawn_to_main", samples, ITERS);
}

/* The framework's cost: a 16-byte request and reply through a stub and
 * srv_run, against the same through the raw IPC stubs, both between two
 * processes found through the name service. */
struct echo16 {
    uint64_t a, b;
};

/* A one-op protocol, defined as servers define theirs. */
#define ECHO_OPS(X) X(ECHO_OP, 1, echo, echo16, echo16, PROTO_BUF, PROTO_CALLER_ANY, 0, PROTO_ONCE)
ECHO_OPS(SRV_DECLARE)
ECHO_OPS(RPC_STUB)

SRV_HANDLER(echo)
{
    *rep = *req;
    return E_OK;
}

static void framework_server(void)
{
    static const struct srv_op ops[] = {ECHO_OPS(SRV_ENTRY)};
    static struct srv echo = {.name = "bench-srv", .ops = ops, .nops = SRV_NOPS(ops)};
    int64_t ep = sys_endpoint_create();
    if (ep < 0 || names_register(NAMES_SLOT, "bench-srv", (handle_t)ep) < 0)
        _exit(1);
    srv_run(&echo, (handle_t)ep);
}

static void raw_server(void)
{
    int64_t ep = sys_endpoint_create();
    if (ep < 0 || names_register(NAMES_SLOT, "bench-raw", (handle_t)ep) < 0)
        _exit(1);
    struct ipc_msg m;
    (void)ipc_recv((handle_t)ep, &m);
    for (;;) {
        m.tag = IPC_TAG(0, 16, 0); /* the 16 bytes stay in the buffer: echoed */
        (void)ipc_reply_recv((handle_t)ep, &m);
    }
}

static void bench_server_framework(void)
{
    pid_t srv = fork();
    if (srv == 0)
        framework_server();
    pid_t raw = fork();
    if (raw == 0)
        raw_server();
    int64_t fw = names_lookup(NAMES_SLOT, "bench-srv", NAMES_FOREVER);
    int64_t rw = names_lookup(NAMES_SLOT, "bench-raw", NAMES_FOREVER);
    check(fw > 0 && rw > 0, "bench servers");
    struct echo16 req = {1, 2}, rep;
    for (int i = 0; i < WARMUP + PIPE_ITERS; i++) {
        uint64_t t0 = instret();
        int64_t r = echo_call((handle_t)fw, &req, &rep, NULL);
        uint64_t t1 = instret();
        check(r == 0 && rep.b == 2, "echo_call");
        if (i >= WARMUP)
            samples[i - WARMUP] = t1 - t0;
    }
    bench_report("srv_call_round_trip_16B", samples, PIPE_ITERS);
    for (int i = 0; i < WARMUP + PIPE_ITERS; i++) {
        uint64_t t0 = instret();
        memcpy(ipc_buffer()->data, &req, sizeof req);
        struct ipc_msg m = {.tag = IPC_TAG(1, sizeof req, 0)};
        int64_t r = ipc_call((handle_t)rw, &m);
        memcpy(&rep, ipc_buffer()->data, sizeof rep);
        uint64_t t1 = instret();
        check(r >= 0 && rep.b == 2, "raw call");
        if (i >= WARMUP)
            samples[i - WARMUP] = t1 - t0;
    }
    bench_report("ipc_raw_round_trip_16B", samples, PIPE_ITERS);
    kill(srv, SIGKILL);
    kill(raw, SIGKILL);
    int st;
    waitpid(srv, &st, 0);
    waitpid(raw, &st, 0);
}

/* The example custom pager resolving our faults: the first touch of each
 * page of a memory object (the pager zero-fills a frame of its RAM, mm maps
 * the capability it answers with), and a touch after a fresh mapping of
 * the same object (the frame exists: one GET_PAGE, one map). */
static void bench_custom_pager(void)
{
    enum { PAGES = 200 };
    int64_t pager = names_lookup(NAMES_SLOT, "pager", 1000);
    struct pager_create_req req = {.npages = PAGES, .flags = PAGER_QUIET};
    struct pager_id_rep rep;
    handle_t cap = 0;
    check(pager > 0 && srv_call((handle_t)pager, PAGER_OP_CREATE, &req, sizeof req, 0, &rep,
                                sizeof rep, NULL, &cap) == 0, "pager object");
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            struct pager_id_req open = {.id = rep.id};
            check(srv_call((handle_t)pager, PAGER_OP_OPEN, &open, sizeof open, 0, NULL, 0, NULL,
                           &cap) == 0, "pager open");
        }
        int64_t a = mm_mmap_file(0, PAGES * 4096ul, MM_PROT_R | MM_PROT_W, MM_MAP_SHARED, cap, 0);
        check(a > 0, "map the object");
        volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)a;
        for (int i = 0; i < PAGES; i++) {
            uint64_t t0 = instret();
            (void)p[i * 4096ul];
            uint64_t t1 = instret();
            samples[i] = t1 - t0;
        }
        bench_report(pass ? "pager_fault_mapped_again_4k" : "pager_fault_first_touch_4k",
                     samples, PAGES);
        (void)mm_munmap((uint64_t)a, PAGES * 4096ul);
    }
}

static void bench_pipe_round_trip(void)
{
    int ping[2], pong[2];
    check(pipe(ping) == 0 && pipe(pong) == 0, "pipes");
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        while (read(ping[0], &c, 1) == 1 && c != 'q')
            write(pong[1], &c, 1);
        _exit(0);
    }
    char c = 'x';
    for (int i = 0; i < WARMUP + PIPE_ITERS; i++) {
        uint64_t t0 = instret();
        check(write(ping[1], &c, 1) == 1 && read(pong[0], &c, 1) == 1, "pipe round trip");
        uint64_t t1 = instret();
        if (i >= WARMUP)
            samples[i - WARMUP] = t1 - t0;
    }
    c = 'q';
    check(write(ping[1], &c, 1) == 1, "pipe quit");
    int st;
    check(waitpid(pid, &st, 0) == pid, "pipe child");
    bench_report("proc_pipe_round_trip_1B", samples, PIPE_ITERS);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "exec-child") == 0)
        return exec_child(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "spawn-child") == 0)
        return spawn_child(argv[2]);
    printf("procbench: guest instructions per operation\n");
    bench_clock_line();
    bench_fork_exit_wait();
    bench_fork_exec_wait();
    bench_spawn_wait();
    bench_exec_to_main();
    bench_spawn_to_main();
    bench_pipe_round_trip();
    bench_server_framework();
    bench_custom_pager();
    bench_clock_line();
    printf("procbench: done, %d errors\n", errors);
    return errors ? 1 : 0;
}
