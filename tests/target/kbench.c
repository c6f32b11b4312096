/*
 * kbench: kernel micro-benchmarks, run as the root task
 * (`mica.root=kbench`) under QEMU -icount shift=0, where `instret` counts
 * guest instructions exactly. Each benchmark runs WARMUP untimed
 * iterations, then ITERS timed ones, and prints
 *   BENCH <name> median=<n> min=<n> max=<n> iters=<n>
 * which tools/mica_bench.py turns into a table and JSON. Numbers are
 * guest instructions per operation, user code included.
 */
#include <sys/ipc.h>
#include <sys/mica.h>

#include "bench.h"
#include <sys/rootmem.h>
#include <sys/spawn.h>

#include <mica/bootinfo.h>

#define WARMUP 100
#define ITERS 2000

enum { ROLE_SERVER = 1, ROLE_FAULTER = 2, ROLE_RAW_SERVER = 3, ROLE_ECHO_SERVER = 4, ROLE_CLIENT = 5 };
#define CHILD_EP 1

static struct rootmem mem;
static const struct bootinfo *info;
static uint64_t samples[ITERS];

static void report(const char *name)
{
    bench_report(name, samples, ITERS);
}

/* An endpoint server: replies to every call with the message it got. */
static void serve(handle_t ep)
{
    struct ipc_msg m;
    ipc_recv(ep, &m);
    for (;;) {
        m.tag &= ~0xfffull; /* reply without buffer data */
        ipc_reply_recv(ep, &m);
    }
}

/* A server that replies with the message it got, buffer data included:
 * the same number of bytes each way. */
static void serve_echo(handle_t ep)
{
    struct ipc_msg m;
    ipc_recv(ep, &m);
    for (;;)
        ipc_reply_recv(ep, &m);
}

/* A client that calls as fast as it can until it is destroyed. */
static void call_forever(handle_t ep)
{
    struct ipc_msg m = {0};
    for (;;) {
        m.tag = IPC_TAG(1, 0, 0);
        ipc_call(ep, &m);
    }
}

/* The same server with nothing but the syscall in its loop: what the
 * kernel path costs, without C stubs spilling the message to memory.
 * Replies with the registers it received (a1..a7, t3, t4 unchanged). */
static void serve_raw(handle_t ep)
{
    struct ipc_msg m;
    ipc_recv(ep, &m);
    register uint64_t r_ep __asm__("s1") = ep; /* survives the ecall */
    __asm__ volatile("1:\n\t"
                     "li t0, %[nr]\n\t"
                     "mv a0, %[ep]\n\t"
                     "li a1, 0\n\t"
                     "ecall\n\t"
                     "j 1b"
                     :
                     : [nr] "i"(SYS_REPLY_RECV), [ep] "r"(r_ep)
                     : "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a0", "a1", "a2",
                       "a3", "a4", "a5", "a6", "a7", "memory");
}

/* One call with the message already in registers; returns the
 * instructions from just before the ecall to just after it returns. */
static inline uint64_t raw_call(handle_t ep)
{
    uint64_t t0, t1;
    register uint64_t r_ep __asm__("s1") = ep;
    __asm__ volatile("li t0, %[nr]\n\t"
                     "mv a0, %[ep]\n\t"
                     "li a1, 0\n\t"
                     "rdinstret %[t0]\n\t"
                     "ecall\n\t"
                     "rdinstret %[t1]"
                     : [t0] "=&r"(t0), [t1] "=&r"(t1)
                     : [nr] "i"(SYS_CALL), [ep] "r"(r_ep)
                     : "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a0", "a1", "a2",
                       "a3", "a4", "a5", "a6", "a7", "memory");
    return t1 - t0;
}

static void bench_raw_call(const char *name, handle_t ep)
{
    for (int i = 0; i < WARMUP + ITERS; i++) {
        uint64_t d = raw_call(ep);
        if (i >= WARMUP)
            samples[i - WARMUP] = d;
    }
    report(name);
}

static handle_t thread_server_ep;

static void thread_server(uint64_t arg)
{
    (void)arg;
    serve(thread_server_ep);
}

static void bench_null_syscall(void)
{
    for (int i = 0; i < WARMUP + ITERS; i++) {
        uint64_t t0 = instret();
        sys_raw6(9999, 0, 0, 0, 0, 0, 0);
        uint64_t t1 = instret();
        if (i >= WARMUP)
            samples[i - WARMUP] = t1 - t0;
    }
    report("null_syscall");
}

static void bench_call(const char *name, handle_t ep, uint64_t len)
{
    struct ipc_msg m = {0};
    for (int i = 0; i < WARMUP + ITERS; i++) {
        m.tag = IPC_TAG(1, len, 0);
        uint64_t t0 = instret();
        ipc_call(ep, &m);
        uint64_t t1 = instret();
        if (i >= WARMUP)
            samples[i - WARMUP] = t1 - t0;
    }
    report(name);
}

/* Same address space: a server thread in our task. */
static void bench_ipc_same_space(void)
{
    thread_server_ep = (handle_t)sys_endpoint_create();
    thread_spawn(&mem, thread_server, 0, 60);
    sys_yield(); /* let it reach its first receive */
    bench_call("ipc_call_reply_same_space", thread_server_ep, 0);
}

static int64_t spawn_child(int role, handle_t ep, handle_t pager, struct spawned *s)
{
    const void *elf;
    uint64_t len;
    int64_t r = bootimg_lookup(info, "kbench", &elf, &len);
    if (r < 0)
        return r;
    r = spawn_elf(&mem, elf, len, 60, s);
    if (r < 0)
        return r;
    r = sys_cap_grant(s->task, ep, RIGHTS_ALL, 0, CHILD_EP);
    if (r < 0)
        return r;
    if (pager && (r = sys_thread_set_handlers(s->thread, pager, 0)) < 0)
        return r;
    return spawn_start(s, (uint64_t)role);
}

static void bench_ipc_cross_space(void)
{
    handle_t ep = (handle_t)sys_endpoint_create();
    struct spawned s;
    if (spawn_child(ROLE_SERVER, ep, 0, &s) < 0) {
        sys_puts("kbench: cannot spawn the server\n");
        return;
    }
    sys_yield();
    bench_call("ipc_call_reply_cross_space", ep, 0);
    bench_call("ipc_call_reply_cross_space_256B_buffer", ep, 256);

    handle_t raw_ep = (handle_t)sys_endpoint_create();
    struct spawned raw;
    if (spawn_child(ROLE_RAW_SERVER, raw_ep, 0, &raw) < 0) {
        sys_puts("kbench: cannot spawn the raw server\n");
        return;
    }
    sys_yield();
    bench_raw_call("ipc_call_reply_cross_space_raw", raw_ep);
}

/* Round trips by message size: 64 bytes of registers always, plus 0 to
 * IPC_BUF_DATA_MAX bytes of IPC-buffer data, echoed back. */
static void bench_ipc_sizes(void)
{
    handle_t ep = (handle_t)sys_endpoint_create();
    struct spawned s;
    if (spawn_child(ROLE_ECHO_SERVER, ep, 0, &s) < 0) {
        sys_puts("kbench: cannot spawn the echo server\n");
        return;
    }
    sys_yield();
    static const unsigned sizes[] = {0, 16, 64, 256, 512, IPC_BUF_DATA_MAX};
    char name[64];
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        bench_call(bench_name(name, sizeof name, "ipc_echo_round_trip_", sizes[i], "B_buffer"),
                   ep, sizes[i]);
    sys_cap_delete(s.thread);
}

/* One server (us), n clients in tasks of their own calling it at once:
 * the instructions between two consecutive requests the server takes,
 * which is one round trip's share of everything the system does. */
static void bench_ipc_clients(unsigned n)
{
    handle_t ep = (handle_t)sys_endpoint_create();
    struct spawned clients[16];
    unsigned started = 0;
    for (; started < n; started++)
        if (spawn_child(ROLE_CLIENT, ep, 0, &clients[started]) < 0)
            break;
    if (started < n) {
        sys_printf("kbench: only %u of %u clients started\n", started, n);
    } else {
        struct ipc_msg m;
        ipc_recv(ep, &m);
        uint64_t last = instret();
        for (int i = 0; i < WARMUP + ITERS; i++) {
            m.tag = IPC_TAG(0, 0, 0);
            ipc_reply_recv(ep, &m);
            uint64_t now = instret();
            if (i >= WARMUP)
                samples[i - WARMUP] = now - last;
            last = now;
        }
        char name[64];
        report(bench_name(name, sizeof name, "ipc_server_per_request_", n, "_clients"));
    }
    for (unsigned i = 0; i < started; i++)
        sys_cap_delete(clients[i].thread);
}

/* Faults: a child touches pages; we are its pager. */
#define FAULT_BASE 0x100000000ull

static void faulter(void)
{
    /* Touch a fresh page each time, forever; the parent times us through
     * its own clock reads around each fault. */
    struct ipc_msg m = {.tag = IPC_TAG(1, 0, 0)};
    for (uint64_t i = 0;; i++) {
        volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)(FAULT_BASE + i * 4096);
        uint64_t t0 = instret();
        (void)*p;
        uint64_t t1 = instret();
        m.w[0] = t1 - t0;
        ipc_call(CHILD_EP, &m);
    }
}

static void bench_faults(void)
{
    handle_t ep = (handle_t)sys_endpoint_create();
    handle_t pager = (handle_t)sys_endpoint_create();
    struct spawned s;
    if (spawn_child(ROLE_FAULTER, ep, pager, &s) < 0) {
        sys_puts("kbench: cannot spawn the faulter\n");
        return;
    }
    int64_t frames = rootmem_alloc(&mem, (uint64_t)(WARMUP + ITERS) * 4096, 4096);
    struct ipc_msg m;
    /* Fault -> pager maps a 4 KiB frame -> resume, timed by the faulter. */
    ipc_recv(pager, &m);
    for (int i = 0; i < WARMUP + ITERS; i++) {
        sys_map(s.task, m.w[FAULT_W_ADDR] & ~0xfffull, mem.cap,
                (uint64_t)frames + (uint64_t)i * 4096, MAP_R | MAP_W);
        m.tag = IPC_TAG(FAULT_REPLY_RESUME, 0, 0);
        ipc_reply_recv(ep, &m); /* resume it; it reports its time */
        if (i >= WARMUP)
            samples[i - WARMUP] = m.w[0];
        m.tag = IPC_TAG(0, 0, 0);
        ipc_reply_recv(pager, &m); /* let it go on; take its next fault */
    }
    report("fault_map_resume_4k");

    /* Page-fault loop: resume without mapping; the same access faults
     * again. Timed here, between consecutive fault messages. */
    uint64_t last = instret();
    for (int i = 0; i < WARMUP + ITERS; i++) {
        m.tag = IPC_TAG(FAULT_REPLY_RESUME, 0, 0);
        ipc_reply_recv(pager, &m);
        uint64_t now = instret();
        if (i >= WARMUP)
            samples[i - WARMUP] = now - last;
        last = now;
    }
    report("fault_loop_no_map");

    /* The same loop with the pager's reply_recv kept in registers. */
    register uint64_t r_pager __asm__("s1") = pager;
    last = instret();
    for (int i = 0; i < WARMUP + ITERS; i++) {
        __asm__ volatile("li t0, %[nr]\n\t"
                         "mv a0, %[ep]\n\t"
                         "li a1, 0\n\t"
                         "ecall"
                         :
                         : [nr] "i"(SYS_REPLY_RECV), [ep] "r"(r_pager)
                         : "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a0", "a1",
                           "a2", "a3", "a4", "a5", "a6", "a7", "memory");
        uint64_t now = instret();
        if (i >= WARMUP)
            samples[i - WARMUP] = now - last;
        last = now;
    }
    report("fault_loop_no_map_raw");
    sys_cap_delete(s.thread);
}

int main(uintptr_t arg)
{
    if (arg == ROLE_SERVER) {
        serve(CHILD_EP);
        return 0;
    }
    if (arg == ROLE_RAW_SERVER) {
        serve_raw(CHILD_EP);
        return 0;
    }
    if (arg == ROLE_ECHO_SERVER) {
        serve_echo(CHILD_EP);
        return 0;
    }
    if (arg == ROLE_CLIENT) {
        call_forever(CHILD_EP);
        return 0;
    }
    if (arg == ROLE_FAULTER) {
        faulter();
        return 0;
    }
    info = (const struct bootinfo *)arg;
    if (rootmem_init(&mem, info) < 0) {
        sys_puts("kbench: no RAM\n");
        return 1;
    }
    sys_printf("kbench: %d iterations after %d warm-up; guest instructions per operation\n",
               ITERS, WARMUP);
    bench_clock_line();
    bench_null_syscall();
    bench_ipc_same_space();
    bench_ipc_cross_space();
    bench_faults();
    bench_ipc_sizes();
    static const unsigned clients[] = {1, 2, 4, 8, 16};
    for (unsigned i = 0; i < sizeof clients / sizeof clients[0]; i++)
        bench_ipc_clients(clients[i]);
    bench_clock_line();
    sys_puts("kbench: done\n");
    return 0;
}
