/*
 * stress: many processes faulting, forking and doing file I/O at once,
 * run as init (./mica run -- /bin/stress). A bounded amount of work, not a
 * bounded time: TOTAL workers, at most CONCURRENT of them alive at any
 * moment (init starts the next as soon as one ends), each doing ITERS
 * iterations of
 *   - anonymous memory: a region of 4 KiB pages filled and checked, and
 *     every other iteration a 4 MiB region (two 2 MiB superpages);
 *   - fork: the child checks what it inherited and rewrites half the words
 *     of some pages, the parent half of others at the same time
 *     (copy-on-write on both sides, superpages split; the other half must
 *     have survived the copy), the child streams data back through a
 *     pipe larger than the pipe's ring, and every third child execs
 *     /bin/true;
 *   - file I/O on a file of its own against a model in memory: writes at
 *     random offsets (holes included), reads, lseek, truncate, fstat,
 *     rename into a subdirectory, a private file mapping, a shared one
 *     written through and truncated under, unlink, rmdir.
 * Every worker has its own deterministic seed and checks its own data; a
 * mismatch prints "stress: FAIL ..." and makes the worker exit non-zero.
 * Even-numbered workers are forks of init; odd ones are spawned afresh
 * ("stress worker N"), so both a copy-on-write image and a fresh one run.
 *
 * Each worker leaves /stress/wNN/keep.bin (pattern_byte(seed, i) for i <
 * keep_size(n)) when keep_dir(n), and removes its directory otherwise; the
 * host checks that tree with mtools (tests/qemu/check_stress_disk.py, which
 * computes the same names, sizes and bytes) and fsck.fat.
 *
 * Afterwards init checks that mm's frames in use, its spaces and the page
 * cache's pinned pages are exactly what they were before the first worker,
 * and that it is the only process left. Prints "TEST <id> PASS|FAIL".
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/fs.h>
#include <sys/mica.h>
#include <sys/mm.h>
#include <sys/proc.h>

#define CHECK_PRINTF printf
#define TEST_MAIN
#include "check.h"

uint64_t posix_handle(int fd); /* the file server's handle behind fd (libsys) */

#define SELF "/bin/stress"
#define TOTAL 48   /* tests/qemu/check_stress_disk.py has the same number */
#define CONCURRENT 16
#define ITERS 3
#define PAGE 4096ul
#define SUPER_LEN (4ul << 20)   /* two 2 MiB superpages */
#define MODEL_MAX (24u << 10)    /* largest scratch file */
#define STREAM_LEN 10000u        /* bytes a forked child sends back: > the 4 KiB ring */

/* ---- deterministic data: the host's check script computes the same ---- */

static uint64_t mix(uint64_t x) /* splitmix64's finalizer */
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t worker_seed(int n) { return mix(0x5354524553530000ull + (uint64_t)n); }

static uint8_t pattern_byte(uint64_t seed, uint64_t i)
{
    return (uint8_t)(mix(seed + (i >> 3)) >> ((i & 7) * 8));
}

/* The kept file's size (sometimes one cluster or less, sometimes many) and
 * whether the worker's directory stays. */
static uint64_t keep_size(int n) { return 1 + mix(worker_seed(n) ^ 0x4b454550ull) % 9000; }
static int keep_dir(int n) { return n % 3 != 1; }

/* ---- a worker ---- */

static int me = -1;          /* worker number */
static uint64_t rng;         /* xorshift state, from the worker's seed */

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Output straight to the console: a forked child must not inherit (and
 * print again) half a line in stdio's buffer. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[200];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof line - 1)
        n = sizeof line - 1;
    (void)write(1, line, (size_t)n);
}

/* A failed check ends this process with `code` (the worker's status, or a
 * forked child's, which its worker reports in turn). */
#define MUST(cond, code)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            say("stress: FAIL worker %d pid %d: %s (line %d, errno %d)\n", me, getpid(), \
                #cond, __LINE__, errno);                                                  \
            _exit(code);                                                                  \
        }                                                                                 \
    } while (0)

enum { E_MEM = 10, E_FORK = 20, E_CHILD = 30, E_PIPE = 40, E_FILE = 50, E_MAP = 60, E_KEEP = 70 };

static uint64_t word(uint64_t tag, uint64_t page, uint64_t k)
{
    return mix(tag ^ (page << 12) ^ k);
}

/* Stores tag's values in the words k of page p of region r with
 * k % stride == first. */
static void fill_words(uint64_t *r, uint64_t p, uint64_t tag, unsigned stride, unsigned first)
{
    uint64_t *w = r + p * (PAGE / 8);
    for (unsigned k = first; k < 512; k += stride)
        w[k] = word(tag, p, k);
}

/* Page p was filled with `was` in every base-th word, then the words with
 * k % stride == first were rewritten with `now`: the others must still be
 * `was`'s (what a copy-on-write copy must have carried over). */
static int page_after(const uint64_t *r, uint64_t p, uint64_t was, unsigned base, uint64_t now,
                      unsigned stride, unsigned first)
{
    const uint64_t *w = r + p * (PAGE / 8);
    for (unsigned k = 0; k < 512; k += base)
        if (w[k] != word(k % stride == first ? now : was, p, k))
            return 0;
    return 1;
}

static int page_is(const uint64_t *r, uint64_t p, uint64_t tag, unsigned base)
{
    return page_after(r, p, tag, base, 0, 1024, 1024); /* no word rewritten */
}

/* Words checked: every word of the small region, every 64th of the big one
 * (a 4 MiB region filled whole would cost more than it teaches). The child
 * rewrites half of them in some pages, the parent the other half in other
 * pages. */
#define BIG_BASE 64u

/* In the small region, the child rewrites the even words of odd pages, the
 * parent the odd words of even pages. */
static int small_child_ok(const uint64_t *r, uint64_t p, uint64_t t0, uint64_t t1)
{
    return p % 2 ? page_after(r, p, t0, 1, t1, 2, 0) : page_is(r, p, t0, 1);
}
static int small_parent_ok(const uint64_t *r, uint64_t p, uint64_t t0, uint64_t t2)
{
    return p % 2 ? page_is(r, p, t0, 1) : page_after(r, p, t0, 1, t2, 2, 1);
}
/* In the big one, pages 1 mod 8 (the child) and 2 mod 8 (the parent). */
static int big_child_ok(const uint64_t *r, uint64_t p, uint64_t t0, uint64_t t1)
{
    return p % 8 == 1 ? page_after(r, p, t0, BIG_BASE, t1, 2 * BIG_BASE, 0)
                      : page_is(r, p, t0, BIG_BASE);
}
static int big_parent_ok(const uint64_t *r, uint64_t p, uint64_t t0, uint64_t t2)
{
    return p % 8 == 2 ? page_after(r, p, t0, BIG_BASE, t2, 2 * BIG_BASE, BIG_BASE)
                      : page_is(r, p, t0, BIG_BASE);
}

static int read_all(int fd, uint8_t *buf, size_t cap)
{
    size_t got = 0;
    for (;;) {
        int r = read(fd, buf + got, cap - got > 3000 ? 3000 : cap - got);
        if (r < 0)
            return -1;
        if (r == 0 || got + (size_t)r == cap)
            return (int)(got + (size_t)r);
        got += (size_t)r;
    }
}

/* One fork with copy-on-write writes on both sides and a pipe back. */
static void fork_phase(int iter, uint64_t *small, uint64_t npages, uint64_t *big)
{
    uint64_t t0 = rnd(), t1 = rnd(), t2 = rnd(), tb0 = rnd(), tb1 = rnd(), tb2 = rnd();
    uint64_t stream_seed = rnd();
    for (uint64_t p = 0; p < npages; p++)
        fill_words(small, p, t0, 1, 0);
    uint64_t bigpages = big ? SUPER_LEN / PAGE : 0;
    for (uint64_t p = 0; p < bigpages; p++)
        fill_words(big, p, tb0, BIG_BASE, 0);
    int fds[2];
    MUST(pipe(fds) == 0, E_PIPE);
    int do_exec = iter % 3 == 2;
    pid_t pid = fork();
    MUST(pid >= 0, E_FORK);
    if (pid == 0) {
        close(fds[0]);
        for (uint64_t p = 0; p < npages; p++)
            MUST(page_is(small, p, t0, 1), E_CHILD); /* inherited as it was */
        for (uint64_t p = 1; p < npages; p += 2)
            fill_words(small, p, t1, 2, 0);
        for (uint64_t p = 0; p < bigpages; p++)
            MUST(page_is(big, p, tb0, BIG_BASE), E_CHILD);
        for (uint64_t p = 1; p < bigpages; p += 8)
            fill_words(big, p, tb1, 2 * BIG_BASE, 0);
        /* Our stores stayed ours, the copies kept the rest, and the
         * parent's stores did not reach us. */
        for (uint64_t p = 0; p < npages; p++)
            MUST(small_child_ok(small, p, t0, t1), E_CHILD);
        for (uint64_t p = 0; p < bigpages; p++)
            MUST(big_child_ok(big, p, tb0, tb1), E_CHILD);
        uint8_t chunk[1500];
        for (uint32_t sent = 0; sent < STREAM_LEN;) {
            uint32_t n = 1 + (uint32_t)(rnd() % sizeof chunk);
            if (n > STREAM_LEN - sent)
                n = STREAM_LEN - sent;
            for (uint32_t i = 0; i < n; i++)
                chunk[i] = pattern_byte(stream_seed, sent + i);
            MUST(write(fds[1], chunk, n) == (int)n, E_PIPE);
            sent += n;
        }
        close(fds[1]);
        if (do_exec) {
            char *argv[] = {"true", NULL};
            execv("/bin/true", argv);
            MUST(0, E_CHILD); /* exec failed */
        }
        _exit(0);
    }
    close(fds[1]);
    /* At the same time as the child: our own stores to other pages. */
    for (uint64_t p = 0; p < npages; p += 2)
        fill_words(small, p, t2, 2, 1);
    for (uint64_t p = 2; p < bigpages; p += 8)
        fill_words(big, p, tb2, 2 * BIG_BASE, BIG_BASE);
    static uint8_t got[STREAM_LEN + 1];
    int n = read_all(fds[0], got, sizeof got);
    MUST(n == (int)STREAM_LEN, E_PIPE); /* all of it, then end of file */
    for (uint32_t i = 0; i < STREAM_LEN; i++)
        MUST(got[i] == pattern_byte(stream_seed, i), E_PIPE);
    close(fds[0]);
    int st = -1;
    MUST(waitpid(pid, &st, 0) == pid, E_FORK);
    MUST(WIFEXITED(st) && WEXITSTATUS(st) == 0, E_FORK);
    for (uint64_t p = 0; p < npages; p++)
        MUST(small_parent_ok(small, p, t0, t2), E_MEM);
    for (uint64_t p = 0; p < bigpages; p++)
        MUST(big_parent_ok(big, p, tb0, tb2), E_MEM);
    if (big) {
        /* Give part of a superpage back (munmap splits it): the rest stays. */
        MUST(munmap((uint8_t *)big + PAGE * 3, PAGE * 5) == 0, E_MEM);
        for (uint64_t p = 0; p < bigpages; p++)
            if (p < 3 || p >= 8)
                MUST(big_parent_ok(big, p, tb0, tb2), E_MEM);
    }
}

static void memory_and_fork(int iter)
{
    uint64_t npages = 16 + rnd() % 112;
    uint64_t *small = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    MUST(small != MAP_FAILED, E_MEM);
    uint64_t *big = NULL;
    if (iter % 2 == 0) {
        /* >= 2 MiB: mm places it 2 MiB aligned, so its faults take superpages. */
        big = mmap(NULL, SUPER_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        MUST(big != MAP_FAILED && ((uintptr_t)big & ((2ul << 20) - 1)) == 0, E_MEM);
    }
    fork_phase(iter, small, npages, big);
    if (big)
        MUST(munmap(big, SUPER_LEN) == 0, E_MEM); /* the hole in it too */
    MUST(munmap(small, npages * PAGE) == 0, E_MEM);
}

static uint8_t model[MODEL_MAX], buf[MODEL_MAX + 1];

static void check_whole(int fd, uint64_t size, int code)
{
    MUST(lseek(fd, 0, SEEK_SET) == 0, code);
    int n = read_all(fd, buf, sizeof buf);
    MUST(n == (int)size, code);
    MUST(memcmp(buf, model, size) == 0, code);
}

static void file_phase(int iter, const char *dir)
{
    char path[64], sub[64], moved[80];
    snprintf(path, sizeof path, "%s/data%d", dir, iter);
    snprintf(sub, sizeof sub, "%s/sub%d", dir, iter);
    snprintf(moved, sizeof moved, "%s/moved", sub);
    MUST(mkdir(sub, 0777) == 0, E_FILE);
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    MUST(fd >= 0, E_FILE);
    memset(model, 0, sizeof model);
    uint64_t size = 0;
    for (int op = 0; op < 20; op++) {
        switch (rnd() % 5) {
        case 0:
        case 4: { /* a write somewhere, maybe past the end (a hole of zeros) */
            uint64_t off = rnd() % (size + 2048);
            uint64_t len = 1 + rnd() % 3000;
            if (off >= MODEL_MAX)
                off = MODEL_MAX - 1;
            if (off + len > MODEL_MAX)
                len = MODEL_MAX - off;
            for (uint64_t i = 0; i < len; i++)
                model[off + i] = (uint8_t)rnd();
            MUST(lseek(fd, (off_t)off, SEEK_SET) == (off_t)off, E_FILE);
            MUST(write(fd, model + off, len) == (int)len, E_FILE);
            if (off + len > size)
                size = off + len;
            break;
        }
        case 1: { /* a read of a random range */
            uint64_t off = rnd() % (size + 1), len = 1 + rnd() % 4000;
            uint64_t want = off + len > size ? size - off : len;
            MUST(lseek(fd, (off_t)off, SEEK_SET) == (off_t)off, E_FILE);
            MUST(read(fd, buf, len) == (int)want, E_FILE);
            MUST(memcmp(buf, model + off, want) == 0, E_FILE);
            break;
        }
        case 2: { /* shrink */
            uint64_t to = rnd() % (size + 1);
            MUST(fs_truncate(FS_CLIENT_SLOT, posix_handle(fd), to) == 0, E_FILE);
            memset(model + to, 0, size - to);
            size = to;
            break;
        }
        default: { /* where the end is */
            struct stat st;
            MUST(lseek(fd, 0, SEEK_END) == (off_t)size, E_FILE);
            MUST(fstat(fd, &st) == 0 && (uint64_t)st.st_size == size, E_FILE);
            break;
        }
        }
    }
    check_whole(fd, size, E_FILE);
    MUST(close(fd) == 0, E_FILE);
    MUST(rename(path, moved) == 0, E_FILE);
    struct stat st;
    errno = 0;
    MUST(stat(path, &st) == -1 && errno == ENOENT, E_FILE);
    fd = open(moved, O_RDWR);
    MUST(fd >= 0, E_FILE);
    check_whole(fd, size, E_FILE);
    if (size > 0) {
        /* The page cache's pages, mapped privately: same bytes; a store
         * into the mapping is a private copy that never reaches the file. */
        uint64_t maplen = (size + PAGE - 1) & ~(PAGE - 1);
        uint8_t *m = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        MUST(m != MAP_FAILED, E_MAP);
        MUST(memcmp(m, model, size) == 0, E_MAP);
        for (uint64_t i = size; i < maplen; i++)
            MUST(m[i] == 0, E_MAP); /* past the end of the file in its last page */
        m[0] ^= 0xff;
        MUST(munmap(m, maplen) == 0, E_MAP);
        check_whole(fd, size, E_MAP);
    }
    if (size > 0 && iter == 1) {
        /* A shared writable mapping: stores reach the file (read() sees
         * them after msync), and the file shrinks under the mapping (fat32
         * holds the truncate until mm has unmapped what lies past the end,
         * in every space, while other workers fault and truncate too). */
        uint64_t maplen = (size + PAGE - 1) & ~(PAGE - 1);
        uint8_t *m = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        MUST(m != MAP_FAILED, E_MAP);
        for (uint64_t i = 0; i < size; i += 97) {
            m[i] ^= 0x5a;
            model[i] ^= 0x5a;
        }
        MUST(msync(m, maplen, MS_SYNC) == 0, E_MAP);
        check_whole(fd, size, E_MAP);
        uint64_t to = size / 2;
        MUST(fs_truncate(FS_CLIENT_SLOT, posix_handle(fd), to) == 0, E_MAP);
        memset(model + to, 0, size - to);
        size = to;
        MUST(memcmp(m, model, size) == 0, E_MAP); /* below the new end: still there */
        MUST(munmap(m, maplen) == 0, E_MAP);
        check_whole(fd, size, E_MAP);
    }
    MUST(close(fd) == 0, E_FILE);
    MUST(unlink(moved) == 0, E_FILE);
    errno = 0;
    MUST(open(moved, O_RDONLY) == -1 && errno == ENOENT, E_FILE);
    MUST(rmdir(sub) == 0, E_FILE);
}

/* The file left for the host: garbage first, then the pattern written over
 * it in shuffled chunks, the garbage tail truncated, renamed into place. */
static void keep_phase(const char *dir)
{
    char tmp[96], keep[96];
    snprintf(tmp, sizeof tmp, "%s/tmp", dir);
    snprintf(keep, sizeof keep, "%s/keep.bin", dir);
    uint64_t size = keep_size(me), seed = worker_seed(me);
    int fd = open(tmp, O_CREAT | O_TRUNC | O_RDWR, 0644);
    MUST(fd >= 0, E_KEEP);
    uint64_t garbage = size + 3000;
    for (uint64_t i = 0; i < garbage; i++)
        buf[i] = (uint8_t)rnd();
    MUST(write(fd, buf, garbage) == (int)garbage, E_KEEP);
    enum { CHUNK = 700 };
    uint64_t nchunks = (size + CHUNK - 1) / CHUNK;
    uint8_t order[16];
    for (uint64_t c = 0; c < nchunks; c++)
        order[c] = (uint8_t)c;
    for (uint64_t c = nchunks; c > 1; c--) { /* Fisher-Yates */
        uint64_t j = rnd() % c;
        uint8_t t = order[c - 1];
        order[c - 1] = order[j];
        order[j] = t;
    }
    for (uint64_t i = 0; i < size; i++)
        model[i] = pattern_byte(seed, i);
    for (uint64_t c = 0; c < nchunks; c++) {
        uint64_t off = order[c] * (uint64_t)CHUNK;
        uint64_t len = off + CHUNK > size ? size - off : CHUNK;
        MUST(lseek(fd, (off_t)off, SEEK_SET) == (off_t)off, E_KEEP);
        MUST(write(fd, model + off, len) == (int)len, E_KEEP);
    }
    MUST(fs_truncate(FS_CLIENT_SLOT, posix_handle(fd), size) == 0, E_KEEP);
    MUST(close(fd) == 0, E_KEEP);
    MUST(rename(tmp, keep) == 0, E_KEEP);
    fd = open(keep, O_RDONLY);
    MUST(fd >= 0, E_KEEP);
    check_whole(fd, size, E_KEEP);
    MUST(close(fd) == 0, E_KEEP);
    if (!keep_dir(me)) {
        MUST(unlink(keep) == 0, E_KEEP);
        MUST(rmdir(dir) == 0, E_KEEP);
    }
}

static int worker(int n)
{
    me = n;
    rng = worker_seed(n) | 1;
    char dir[32];
    snprintf(dir, sizeof dir, "/stress/w%02d", n);
    MUST(mkdir(dir, 0777) == 0, E_FILE);
    for (int iter = 0; iter < ITERS; iter++) {
        memory_and_fork(iter);
        file_phase(iter, dir);
    }
    keep_phase(dir);
    return 0;
}

/* ---- init ---- */

static pid_t start_worker(int n)
{
    if (n % 2 == 0) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(worker(n));
        return pid;
    }
    char num[8];
    snprintf(num, sizeof num, "%d", n);
    char *argv[] = {"stress", "worker", num, NULL};
    return (pid_t)proc_spawn(PROC_SLOT, SELF, argv, NULL);
}

/* Processes in proc's table (zombies included), init among them. */
static int processes(void)
{
    return (int)proc_count(PROC_SLOT);
}

/* The link map's bounds (libsys/user.ld): text and read-only data from
 * __mica_text_base to __fini_array_end, then data and bss up to _end. */
extern char __mica_text_base[], __fini_array_end[], _end[];

/* Faults in everything init itself may touch from the baseline on: every
 * page of its program (text and read-only pages are the page cache's,
 * pinned while mapped; data and bss pages get frames of their own) and
 * the stack below us. Code init runs only at the end (the report) would
 * otherwise fault its page in then, and count as a pinned page or a frame
 * that the workers leaked. */
static void __attribute__((noinline)) touch_own_pages(void)
{
    volatile uint8_t deep[32 << 10];
    for (size_t i = 0; i < sizeof deep; i += PAGE)
        deep[i] = 1;
    uintptr_t text = (uintptr_t)__mica_text_base, ro_end = (uintptr_t)__fini_array_end;
    uintptr_t end = (uintptr_t)_end;
    uint8_t sum = 0;
    for (uintptr_t a = text; a < ro_end; a += PAGE)
        sum += *(volatile uint8_t *)a;
    for (uintptr_t a = (ro_end + PAGE - 1) & ~(PAGE - 1); a < end; a += PAGE) {
        volatile uint8_t *b = (volatile uint8_t *)a;
        *b = *b; /* a store: its own frame now, not at the first store later */
    }
    deep[0] = sum;
}

/* mm's and fat32's counts before the workers (main takes them). */
static struct mm_stats_reply before;
static struct fs_cache_stats cache_before;

/* Runs TOTAL workers, CONCURRENT at a time; each checks its own data. */
static void test_workers(void)
{
    pid_t pids[TOTAL];
    int status[TOTAL], started = 0, running = 0, ended = 0, lost = 0, most = 0;
    while (ended < TOTAL) {
        int batch = started;
        while (running < CONCURRENT && started < TOTAL) {
            pids[started] = start_worker(started);
            if (pids[started] <= 0) {
                say("stress: FAIL cannot start worker %d (%d)\n", started, (int)pids[started]);
                status[started] = -1;
                ended++;
            } else {
                running++;
            }
            started++;
        }
        /* None of the workers we started is reaped yet: all of them are in
         * the table (running or zombies), with init and their children. */
        if (started > batch) {
            int now = processes();
            if (now > most)
                most = now;
        }
        if (running == 0)
            continue;
        int st = -1;
        pid_t got = waitpid(-1, &st, 0);
        int who = -1;
        for (int i = 0; i < started; i++)
            if (pids[i] == got)
                who = i;
        if (who < 0) {
            lost++; /* a pid we never started, or waitpid failed */
            if (got <= 0)
                break;
            continue;
        }
        status[who] = st;
        running--;
        ended++;
    }
    int bad = 0;
    for (int i = 0; i < TOTAL; i++) {
        if (!(WIFEXITED(status[i]) && WEXITSTATUS(status[i]) == 0)) {
            say("stress: FAIL worker %d ended with status 0x%x\n", i, status[i]);
            bad++;
        }
    }
    CHECK(bad == 0 && lost == 0 && ended == TOTAL);
    CHECK(most >= CONCURRENT + 1); /* they did run side by side */
    printf("stress: up to %d processes at once\n", most);
}

/* mm's frames and spaces, fat32's pinned pages and proc's table are back
 * at what they were before the workers. */
static void test_leaks(void)
{
    struct mm_stats_reply after;
    struct fs_cache_stats cache_after;
    CHECK(mm_stats(MM_CLIENT_SLOT, &after) == 0);
    CHECK(fs_cache_stats(FS_CLIENT_SLOT, &cache_after) == 0);
    CHECK_EQ(after.used_frames, before.used_frames);
    CHECK_EQ(after.spaces, before.spaces);
    CHECK_EQ(cache_after.pinned, cache_before.pinned); /* every file mapping released */
    CHECK_EQ(processes(), 1); /* only us */
    errno = 0;
    int st;
    CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);
    printf("stress: frames in use %lu before, %lu after; pinned cache pages %lu before, %lu "
           "after; %lu zero-fill, %lu COW copies, %lu superpage faults\n",
           (unsigned long)before.used_frames, (unsigned long)after.used_frames,
           (unsigned long)cache_before.pinned, (unsigned long)cache_after.pinned,
           (unsigned long)(after.zero_fill - before.zero_fill),
           (unsigned long)(after.cow_copy - before.cow_copy),
           (unsigned long)(after.super_faults - before.super_faults));
}

/* What stays on the disk, as the host will check it too. */
static void test_kept_files(void)
{
    int wrong = 0;
    for (int n = 0; n < TOTAL; n++) {
        char keep[48], dir[32];
        snprintf(dir, sizeof dir, "/stress/w%02d", n);
        snprintf(keep, sizeof keep, "%s/keep.bin", dir);
        struct stat s;
        int have_dir = stat(dir, &s) == 0, have = stat(keep, &s) == 0;
        if (have_dir != keep_dir(n) || have != keep_dir(n) ||
            (have && (uint64_t)s.st_size != keep_size(n)))
            wrong++;
    }
    CHECK_EQ(wrong, 0);
}

static const struct test tests[] = {
    TEST(STRESS_WORKERS_0001_ALL_WORKERS_VERIFIED_THEIR_DATA, test_workers),
    TEST(STRESS_LEAKS_0001_FRAMES_SPACES_PROCESSES_EXACT, test_leaks),
    TEST(STRESS_FILES_0001_KEPT_FILES_IN_PLACE, test_kept_files),
};

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "worker") == 0)
        return worker(atoi(argv[2]));
    printf("stress: %d workers, %d at once, %d iterations each\n", TOTAL, CONCURRENT, ITERS);
    fflush(stdout);
    CHECK(mkdir("/stress", 0777) == 0);
    touch_own_pages();
    CHECK(mm_stats(MM_CLIENT_SLOT, &before) == 0);
    CHECK(fs_cache_stats(FS_CLIENT_SLOT, &cache_before) == 0);
    return TEST_RUN("stress", tests);
}
