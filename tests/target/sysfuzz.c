/*
 * sysfuzz: a bounded syscall fuzzer, run as the root task
 * (mica.root=sysfuzz). Children in tasks of their own make random and
 * semi-random system calls -- random numbers, handles, sizes, flags, and
 * pointers into kernel space, unmapped memory and their own stack -- while
 * the root task supervises at the same priority (round robin): it yields
 * until the child's threads have all ended or their time is up (they
 * blocked, or are still calling), then removes them and starts the next
 * child. The kernel must never panic and must keep scheduling; the test
 * passes when every round ends and the root task is still answering calls.
 * qemu.sysfuzz runs ROUNDS children; "sysfuzz.rounds=N" on the kernel
 * command line runs N (1000 children make about 12 million calls).
 *
 * Each child runs THREADS threads in its one task, preempted among each
 * other by the timer, calling at the same time on the same objects: its
 * task (so one thread maps and unmaps pages another is using, its stack and
 * IPC buffer included), an endpoint (one thread's call can meet another's
 * receive, fault messages included once a thread names the endpoint a
 * sibling's pager), a notification, and each other's thread capabilities
 * (suspend, resume, registers, priorities, handlers, IPC buffers of a
 * sibling that may be blocked in IPC right then).
 */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/rootmem.h>
#include <sys/spawn.h>

#include <mica/bootinfo.h>

#define ROLE_FUZZER 1
#define ROUNDS 150               /* the test's bound; sysfuzz.rounds=N on the command line */
#define ROUNDS_MAX 1000000       /* children's start arguments stay below BOOTINFO_VA */
#define THREADS 4               /* per child, in one task */
#define CALLS_PER_CHILD 4000    /* per thread */
#define PRIO 50
#define CHILD_TIME_MS 60        /* for all of a child's threads together */
/* A child's capability table: its task, an endpoint, a notification, then
 * its threads (thread k at SLOT_THREADS + k). */
#define SLOT_TASK 1
#define SLOT_EP 2
#define SLOT_NTFN 3
#define SLOT_THREADS 4
/* Thread k > 0 runs on a 16 KiB slice of the child's 64 KiB stack, with an
 * IPC buffer of its own at EXTRA_IPC_VA + (k - 1) pages. */
#define THREAD_STACK (16u << 10)
#define EXTRA_IPC_VA 0x3000000000ull
/* A page the root task shares with the child: thread k counts the calls it
 * has made in word k, so the root task can tell that all threads ran. */
#define PROGRESS_VA 0x3000100000ull
#define PROBE_MAX 1000   /* the root task has 1024 slots */
#define PROBE_SLOTS 512  /* 36 KiB tables: the pool (32 MiB) runs out before our slots */
/* What such a task needs for itself: its table (72-byte slots) and root page table. */
#define PROBE_BUDGET ((PROBE_SLOTS * 72ull + 4095) / 4096 * 4096 + 4096)

static struct rootmem mem;

/* xorshift: deterministic, so a failure can be replayed by its seed. One
 * state per thread, on its stack: the threads of a child run at once. */
static uint64_t rnd_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}
#define rnd() rnd_next(rng)

static uint64_t interesting(uint64_t *rng)
{
    static const uint64_t values[] = {
        0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 255, 256, 4095, 4096, 4097, 1u << 21, 1u << 30,
        0xffffffc080200000ull,       /* the kernel's image */
        0xffffffc000000000ull,       /* the direct map */
        0x3fffff1000ull,             /* our IPC buffer */
        0x3fffdff000ull,             /* our stack */
        0x10000ull,                  /* our text */
        EXTRA_IPC_VA,                /* the other threads' IPC buffers */
        EXTRA_IPC_VA + 4096,
        0x3fffdfc000ull,             /* thread 1's stack */
        SLOT_THREADS, SLOT_THREADS + 1, SLOT_THREADS + THREADS - 1, /* our threads */
        0x4000000000ull,             /* just past user space */
        0x7fffffffffffffffull, UINT64_MAX, UINT64_MAX - 4095,
    };
    switch (rnd() % 4) {
    case 0: return values[rnd() % (sizeof values / sizeof values[0])];
    case 1: return rnd() % 64;           /* handles, small counts */
    case 2: return rnd() & ~0xfffull;    /* page-aligned anything */
    default: return rnd();
    }
}

static void fuzz(uint64_t seed, uint64_t k)
{
    uint64_t state = seed | 1, *rng = &state;
    volatile uint64_t *progress = (volatile uint64_t *)PROGRESS_VA;
    for (int i = 0; i < CALLS_PER_CHILD; i++) {
        progress[k] = (uint64_t)i + 1;
        uint64_t nr = rnd() % 80;
        if (nr == SYS_EXIT)
            continue; /* ending early is allowed but teaches nothing */
        uint64_t a0 = interesting(rng);
        /* Half the calls name one of our own capabilities, so the threads
         * meet on the same objects (and each other) often. */
        if (rnd() % 2)
            a0 = SLOT_TASK + rnd() % (SLOT_THREADS + THREADS - SLOT_TASK);
        /* Debug writes only from bad pointers: the checks are what we want,
         * not random bytes of our own memory on the console. */
        if (nr == SYS_DEBUG_WRITE && a0 < 0x4000000000ull) /* user space: ours */
            a0 = 0xffffffc080200000ull + (rnd() & 0xfff);
        (void)sys_raw6(nr, a0, interesting(rng), interesting(rng), interesting(rng),
                       interesting(rng), interesting(rng));
    }
}

/* How many empty tasks the kernel's pool can still hold (each takes a
 * capability table and a page-table root from it): created until E_NOMEM,
 * then deleted again. Memory the children's objects failed to give back
 * shows as fewer. */
static int probe_kernel_pool(void)
{
    static handle_t made[PROBE_MAX];
    int n = 0;
    while (n < PROBE_MAX) {
        int64_t t = sys_task_create(ROOT_HANDLE_TASK, PROBE_SLOTS, PROBE_BUDGET);
        if (t < 0)
            break;
        made[n++] = (handle_t)t;
    }
    for (int i = 0; i < n; i++)
        (void)sys_cap_delete(made[i]);
    return n;
}

/* Runs a child's threads until each has made all its calls (it suspends
 * itself then) or died, or the time is up. A thread that made no call
 * since our last look is blocked (in IPC, on a notification, in a fault),
 * suspended by a sibling, or dead: we suspend and resume it, which cancels
 * what it waits for (E_BUSY) and undoes a sibling's suspend, so a few
 * calls that stop a thread do not end its whole share of the fuzzing. */
static void supervise(const handle_t *th, const volatile uint64_t *progress, uint64_t deadline)
{
    uint64_t last[THREADS] = {0};
    int dead[THREADS] = {0};
    while (sys_time_now() < deadline) {
        int finished = 0;
        for (int k = 0; k < THREADS; k++) {
            struct mica_regs regs;
            uint64_t p = progress[k];
            if (dead[k] ||
                (p == CALLS_PER_CHILD && sys_thread_read_regs(th[k], &regs) == 0)) {
                finished++;
                continue;
            }
            if (p == last[k]) {
                if (sys_thread_suspend(th[k]) == E_DEAD) {
                    dead[k] = 1;
                    finished++;
                    continue;
                }
                (void)sys_thread_resume(th[k]);
            }
            last[k] = p;
        }
        if (finished == THREADS)
            return;
        (void)sys_yield();
    }
}

/* "sysfuzz.rounds=N" in the kernel command line (longer runs by hand:
 * each round is THREADS x CALLS_PER_CHILD calls); ROUNDS without it, -1
 * for a bad value. */
static int rounds_from(const char *cmdline)
{
    static const char key[] = "sysfuzz.rounds=";
    for (const char *p = cmdline; *p; p++) {
        if ((p != cmdline && p[-1] != ' ') || strncmp(p, key, sizeof key - 1) != 0)
            continue;
        long n = 0;
        const char *d = p + sizeof key - 1;
        for (; *d >= '0' && *d <= '9' && n <= ROUNDS_MAX; d++)
            n = n * 10 + (*d - '0');
        return (n >= 1 && n <= ROUNDS_MAX && (*d == ' ' || *d == '\0')) ? (int)n : -1;
    }
    return ROUNDS;
}

int main(uintptr_t arg)
{
    /* Thread k of round r starts with ROLE_FUZZER + r + k * ROUNDS_MAX. */
    if (arg >= ROLE_FUZZER && arg < ROLE_FUZZER + (uint64_t)ROUNDS_MAX * THREADS) {
        uint64_t round = (arg - ROLE_FUZZER) % ROUNDS_MAX, k = (arg - ROLE_FUZZER) / ROUNDS_MAX;
        /* Thread 0 keeps the seed single-threaded children had. */
        fuzz(0x9e3779b97f4a7c15ull * (ROLE_FUZZER + round) ^ (k * 0xd1b54a32d192ed03ull), k);
        /* Done: stop where the root task can see it (a thread that exits is
         * dead, and a dead thread's registers read E_BUSY like a running
         * one's). If we lost our own capability, the root's time limit ends
         * the round instead. */
        (void)sys_thread_suspend((handle_t)(SLOT_THREADS + k));
        return 0;
    }
    const struct bootinfo *info = (const struct bootinfo *)arg;
    if (rootmem_init(&mem, info) < 0) {
        sys_puts("sysfuzz: no RAM\n");
        return 1;
    }
    const void *elf;
    uint64_t len;
    if (bootimg_lookup(info, "sysfuzz", &elf, &len) < 0) {
        sys_puts("sysfuzz: not in the boot image\n");
        return 1;
    }
    if (sys_thread_set_priority(ROOT_HANDLE_THREAD, PRIO) < 0) {
        sys_puts("sysfuzz: cannot set our priority\n");
        return 1;
    }
    int rounds = rounds_from(info->bootargs);
    if (rounds < 0) {
        sys_printf("sysfuzz: sysfuzz.rounds must be 1 to %d\n", ROUNDS_MAX);
        return 1;
    }
    sys_printf("sysfuzz: %d children x %d threads x %d random system calls\n", rounds,
               THREADS, CALLS_PER_CHILD);
    int pool_before = probe_kernel_pool();
    int started = 0, completed = 0;
    uint64_t calls[THREADS] = {0};
    for (int round = 0; round < rounds; round++) {
        struct spawned s;
        int64_t ep = sys_endpoint_create(), n = sys_notification_create();
        int64_t r = ep < 0 ? ep : n < 0 ? n : spawn_elf(&mem, elf, len, PRIO, &s);
        if (r < 0) {
            sys_printf("sysfuzz: round %d: cannot start a child (%s)\n", round,
                       err_name((err_t)r));
            return 1;
        }
        handle_t th[THREADS] = {s.thread};
        int64_t prog = rootmem_alloc(&mem, 4096, 4096);
        if (prog < 0 || sys_map(s.task, PROGRESS_VA, mem.cap, (uint64_t)prog, MAP_R | MAP_W) < 0) {
            sys_printf("sysfuzz: round %d: cannot map the progress page\n", round);
            return 1;
        }
        for (int k = 1; k < THREADS; k++) {
            int64_t t = sys_thread_create(s.task, PRIO);
            int64_t ipc = rootmem_alloc(&mem, 4096, 4096);
            uint64_t va = EXTRA_IPC_VA + (uint64_t)(k - 1) * 4096;
            if (t < 0 || ipc < 0 ||
                sys_map(s.task, va, mem.cap, (uint64_t)ipc, MAP_R | MAP_W) < 0 ||
                sys_thread_set_ipc_buffer((handle_t)t, va) < 0) {
                sys_printf("sysfuzz: round %d: cannot make thread %d\n", round, k);
                return 1;
            }
            th[k] = (handle_t)t;
        }
        /* Its own task, an endpoint, a notification and its threads to
         * play with. */
        (void)sys_cap_grant(s.task, s.task, RIGHTS_ALL, 0, SLOT_TASK);
        (void)sys_cap_grant(s.task, (handle_t)ep, RIGHTS_ALL, 0, SLOT_EP);
        (void)sys_cap_grant(s.task, (handle_t)n, RIGHTS_ALL, 0, SLOT_NTFN);
        for (int k = 0; k < THREADS; k++)
            (void)sys_cap_grant(s.task, th[k], RIGHTS_ALL, 0, SLOT_THREADS + (uint64_t)k);
        if (spawn_start(&s, (uint64_t)(ROLE_FUZZER + round)) < 0) {
            sys_printf("sysfuzz: round %d: cannot run the child\n", round);
            return 1;
        }
        for (int k = 1; k < THREADS; k++) {
            /* It may already have suspended, re-pointed or killed its
             * siblings through their capabilities: E_BUSY is allowed. */
            int64_t r = sys_thread_start(th[k], s.entry, ROOT_STACK_TOP - k * THREAD_STACK,
                                         (uint64_t)ROLE_FUZZER + (uint64_t)round + (uint64_t)k * ROUNDS_MAX);
            if (r < 0 && r != E_BUSY) {
                sys_printf("sysfuzz: round %d: cannot run thread %d (%s)\n", round, k,
                           err_name((err_t)r));
                return 1;
            }
        }
        started++;
        const uint64_t *progress = rootmem_ptr(&mem, (uint64_t)prog);
        supervise(th, progress, sys_time_now() + CHILD_TIME_MS * (info->timebase_hz / 1000));
        /* Stop every thread, then take back every copy of what we gave:
         * revoking also breaks the cycle of a task holding a capability to
         * itself, so its memory goes back to the kernel. */
        for (int k = 0; k < THREADS; k++)
            (void)sys_thread_suspend(th[k]);
        for (int k = 0; k < THREADS; k++) {
            uint64_t n = progress[k] > CALLS_PER_CHILD ? 0 : progress[k]; /* theirs to scribble on */
            calls[k] += n;
            completed += n == CALLS_PER_CHILD;
        }
        for (int k = 0; k < THREADS; k++) {
            (void)sys_cap_revoke(th[k]);
            (void)sys_cap_delete(th[k]);
        }
        (void)sys_cap_revoke(s.task);
        (void)sys_cap_delete(s.task);
        (void)sys_cap_revoke((handle_t)ep);
        (void)sys_cap_delete((handle_t)ep);
        (void)sys_cap_revoke((handle_t)n);
        (void)sys_cap_delete((handle_t)n);
    }
    /* Every thread of a child makes calls, not just its first. */
    sys_printf("sysfuzz: calls made by thread");
    int idle = 0;
    for (int k = 0; k < THREADS; k++) {
        sys_printf(" %d: %lu%s", k, (unsigned long)calls[k], k + 1 < THREADS ? "," : "");
        idle += calls[k] == 0;
    }
    sys_printf("; %d of %d threads made all %d\n", completed, started * THREADS, CALLS_PER_CHILD);
    if (idle)
        return 1;
    /* What the children made comes back: tasks holding capabilities to
     * themselves or to their own threads are taken down when we delete
     * ours (docs/kernel-api.md, Take-down); before that rule they
     * exhausted the pool within 100 rounds. Not exact: slab pages stay
     * with their slabs, and a cycle through two tasks of a child's making
     * (each holding the other) is still never freed; 5% covers both. */
    int pool_after = probe_kernel_pool();
    sys_printf("sysfuzz: the kernel's pool holds %d empty tasks before, %d after\n", pool_before,
               pool_after);
    if (pool_after * 20 < pool_before * 19)
        return 1;
    /* Still a working kernel: a call and reply with a thread of our own. */
    int64_t ep = sys_endpoint_create();
    struct ipc_msg m = {.tag = IPC_TAG(1, 0, 0)};
    int64_t r = ep < 0 ? ep : ipc_nbsend((handle_t)ep, &m);
    sys_printf("sysfuzz: %d children of %d threads made up to %d random calls each; the "
               "kernel still answers (%s)\n", started, THREADS, CALLS_PER_CHILD,
               err_name((err_t)(r == E_AGAIN ? 0 : r)));
    return r == E_AGAIN ? 0 : 1;
}
