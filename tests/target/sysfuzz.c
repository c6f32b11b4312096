/*
 * sysfuzz: a bounded syscall fuzzer, run as the root task
 * (mica.root=sysfuzz). Children in tasks of their own make random and
 * semi-random system calls -- random numbers, handles, sizes, flags, and
 * pointers into kernel space, unmapped memory and their own stack -- while
 * the root task supervises at the same priority (round robin): it yields
 * until the child has ended or its time is up (it blocked, or is still
 * calling), then removes it and starts the next. The kernel must never panic and must keep
 * scheduling; the test passes when every round ends and the root task is
 * still answering calls.
 */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/rootmem.h>
#include <sys/spawn.h>

#include <mica/bootinfo.h>

#define ROLE_FUZZER 1
#define ROUNDS 150
#define CALLS_PER_CHILD 4000
#define PRIO 50
#define CHILD_TIME_MS 30

static struct rootmem mem;

static uint64_t read_time(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

/* xorshift: deterministic, so a failure can be replayed by its seed. */
static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint64_t interesting(void)
{
    static const uint64_t values[] = {
        0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 255, 256, 4095, 4096, 4097, 1u << 21, 1u << 30,
        0xffffffc080200000ull,       /* the kernel's image */
        0xffffffc000000000ull,       /* the direct map */
        0x3fffff1000ull,             /* our IPC buffer */
        0x3fffdff000ull,             /* our stack */
        0x10000ull,                  /* our text */
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

static void fuzz(uint64_t seed)
{
    rng_state = seed | 1;
    for (int i = 0; i < CALLS_PER_CHILD; i++) {
        uint64_t nr = rnd() % 80;
        if (nr == SYS_EXIT)
            continue; /* ending early is allowed but teaches nothing */
        uint64_t a0 = interesting();
        /* Debug writes only from bad pointers: the checks are what we want,
         * not random bytes of our own memory on the console. */
        if (nr == SYS_DEBUG_WRITE && a0 < 0x4000000000ull) /* user space: ours */
            a0 = 0xffffffc080200000ull + (rnd() & 0xfff);
        (void)sys_raw6(nr, a0, interesting(), interesting(), interesting(), interesting(),
                       interesting());
    }
}

int main(uintptr_t arg)
{
    if (arg >= ROLE_FUZZER && arg < ROLE_FUZZER + ROUNDS) {
        fuzz(0x9e3779b97f4a7c15ull * arg);
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
    sys_printf("sysfuzz: %d children x %d random system calls\n", ROUNDS, CALLS_PER_CHILD);
    int started = 0;
    for (int round = 0; round < ROUNDS; round++) {
        struct spawned s;
        int64_t ep = sys_endpoint_create(), n = sys_notification_create();
        if (ep < 0 || n < 0 || spawn_elf(&mem, elf, len, PRIO, &s) < 0) {
            sys_printf("sysfuzz: round %d: cannot start a child\n", round);
            return 1;
        }
        /* Its own task, an endpoint and a notification to play with. */
        (void)sys_cap_grant(s.task, s.task, RIGHTS_ALL, 0, 1);
        (void)sys_cap_grant(s.task, (handle_t)ep, RIGHTS_ALL, 0, 2);
        (void)sys_cap_grant(s.task, (handle_t)n, RIGHTS_ALL, 0, 3);
        if (spawn_start(&s, (uint64_t)(ROLE_FUZZER + round)) < 0) {
            sys_printf("sysfuzz: round %d: cannot run the child\n", round);
            return 1;
        }
        started++;
        /* Until it ends (its registers can be read once it is no longer
         * running or blocked) or its time is up. */
        uint64_t deadline = read_time() + CHILD_TIME_MS * (info->timebase_hz / 1000);
        struct mica_regs regs;
        while (read_time() < deadline && sys_thread_read_regs(s.thread, &regs) == E_BUSY)
            (void)sys_yield();
        (void)sys_thread_suspend(s.thread);
        (void)sys_cap_delete(s.thread);
        (void)sys_cap_delete(s.task);
        (void)sys_cap_delete((handle_t)ep);
        (void)sys_cap_delete((handle_t)n);
    }
    /* Still a working kernel: a call and reply with a thread of our own. */
    int64_t ep = sys_endpoint_create();
    struct ipc_msg m = {.tag = IPC_TAG(1, 0, 0)};
    int64_t r = ep < 0 ? ep : ipc_nbsend((handle_t)ep, &m);
    sys_printf("sysfuzz: %d children made up to %d random calls each; the kernel still "
               "answers (%s)\n", started, CALLS_PER_CHILD, err_name((err_t)(r == E_AGAIN ? 0 : r)));
    return r == E_AGAIN ? 0 : 1;
}
