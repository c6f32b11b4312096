/*
 * nltest: an ordinary C program against newlib and libsys's POSIX layer
 * (root.run=nltest, with the system disk). Nothing Mica-specific is
 * included: stdio, malloc, files, sorting, strtol, math and time as any
 * portable program uses them. Each case prints "TEST <id> PASS|FAIL".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CHECK_PRINTF printf
#define TEST_MAIN
#include "check.h"

static void test_stdio_formats(void)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%d|%5s|%-4x|%lld|%c", -42, "ab", 255, (long long)INT64_MAX, 'z');
    CHECK(strcmp(buf, "-42|   ab|ff  |9223372036854775807|z") == 0);
    snprintf(buf, sizeof buf, "%.3f %e %g", 3.14159, 12345.678, 0.0001);
    CHECK(strcmp(buf, "3.142 1.234568e+04 0.0001") == 0);
    const char *volatile longer = "truncated"; /* hidden from the compiler's check */
    int n = snprintf(buf, 4, "%s", longer);
    CHECK(n == 9 && strcmp(buf, "tru") == 0);
    int a = 0;
    char word[16];
    CHECK(sscanf("17 apples", "%d %15s", &a, word) == 2 && a == 17 && strcmp(word, "apples") == 0);
}

static void test_malloc(void)
{
    enum { N = 600 };
    static unsigned char *blocks[N];
    static size_t sizes[N];
    size_t total = 0;
    for (int i = 0; i < N; i++) {
        sizes[i] = (size_t)(i * 97 % 20000) + 1;
        blocks[i] = malloc(sizes[i]);
        CHECK(blocks[i] != NULL);
        if (!blocks[i])
            return;
        memset(blocks[i], i & 0xff, sizes[i]);
        total += sizes[i];
    }
    CHECK(total > 5u << 20);
    int bad = 0;
    for (int i = 0; i < N; i += 2) {
        for (size_t j = 0; j < sizes[i]; j++)
            bad += blocks[i][j] != (unsigned char)(i & 0xff);
        free(blocks[i]);
    }
    CHECK(bad == 0);
    unsigned char *grown = realloc(blocks[1], 100000);
    CHECK(grown && grown[0] == 1 && grown[sizes[1] - 1] == 1);
    blocks[1] = grown;
    int *zeros = calloc(1000, sizeof(int));
    int nonzero = 0;
    for (int i = 0; zeros && i < 1000; i++)
        nonzero += zeros[i] != 0;
    CHECK(zeros && nonzero == 0);
    free(zeros);
    for (int i = 1; i < N; i += 2)
        free(blocks[i]);
}

static void test_files(void)
{
    FILE *f = fopen("/nltest.txt", "w");
    CHECK(f != NULL);
    if (!f)
        return;
    for (int i = 0; i < 500; i++)
        fprintf(f, "line %03d: %s\n", i, i % 2 ? "odd" : "even");
    CHECK(fclose(f) == 0);
    struct stat st;
    CHECK(stat("/nltest.txt", &st) == 0 && S_ISREG(st.st_mode));
    long want = 0;
    for (int i = 0; i < 500; i++)
        want += 10 + (i % 2 ? 3 : 4) + 1;
    CHECK(st.st_size == want);
    CHECK(st.st_mtime > 1735689600); /* 2025-01-01: a real date from the RTC */
    f = fopen("nltest.txt", "r"); /* relative to "/" */
    CHECK(f != NULL);
    char line[64];
    int lines = 0, wrong = 0;
    while (f && fgets(line, sizeof line, f)) {
        char expect[64];
        snprintf(expect, sizeof expect, "line %03d: %s\n", lines, lines % 2 ? "odd" : "even");
        wrong += strcmp(line, expect) != 0;
        lines++;
    }
    CHECK(lines == 500 && wrong == 0);
    CHECK(f && fseek(f, 15, SEEK_SET) == 0 && ftell(f) == 15);
    CHECK(f && fgets(line, sizeof line, f) && strcmp(line, "line 001: odd\n") == 0);
    if (f)
        fclose(f);
    f = fopen("/nltest.txt", "a");
    CHECK(f && fputs("appended\n", f) >= 0 && fclose(f) == 0);
    CHECK(stat("/nltest.txt", &st) == 0 && st.st_size == want + 9);
    /* Errors come back as errno. */
    errno = 0;
    CHECK(fopen("/no/such/file", "r") == NULL && errno == ENOENT);
    errno = 0;
    CHECK(open("/nltest.txt", O_CREAT | O_EXCL | O_WRONLY, 0644) == -1 && errno == EEXIST);
    errno = 0;
    CHECK(open("/docs", O_WRONLY) == -1 && errno == EISDIR);
    errno = 0;
    CHECK(close(42) == -1 && errno == EBADF);
    CHECK(unlink("/nltest.txt") == 0);
    errno = 0;
    CHECK(stat("/nltest.txt", &st) == -1 && errno == ENOENT);
    CHECK(stat("/docs", &st) == 0 && S_ISDIR(st.st_mode));
}

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void test_qsort_strtol(void)
{
    enum { N = 2000 };
    static int v[N];
    uint32_t seed = 12345;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        v[i] = (int)(seed >> 8) - (1 << 23);
    }
    qsort(v, N, sizeof v[0], compare_ints);
    int unsorted = 0;
    for (int i = 1; i < N; i++)
        unsorted += v[i - 1] > v[i];
    CHECK(unsorted == 0);
    char *end_ptr;
    CHECK(strtol("  -1234xyz", &end_ptr, 10) == -1234 && strcmp(end_ptr, "xyz") == 0);
    CHECK(strtol("0x7f", NULL, 16) == 127 && strtol("0755", NULL, 0) == 493);
    errno = 0;
    CHECK(strtol("99999999999999999999", NULL, 10) == LONG_MAX && errno == ERANGE);
    CHECK(strtoul("ff", NULL, 16) == 255ul && atoi("42") == 42);
}

static void test_math_time(void)
{
    volatile double x = 2.0;
    CHECK(fabs(sqrt(x) - 1.41421356237) < 1e-9);
    CHECK(fabs(sin(M_PI / 6) - 0.5) < 1e-12);
    CHECK(fabs(pow(2.0, 10.5) - 1448.1546878700492) < 1e-9);
    time_t now = time(NULL);
    CHECK(now > 1735689600); /* after 2025-01-01: the RTC's wall clock */
    struct tm tm;
    CHECK(gmtime_r(&now, &tm) != NULL && tm.tm_year + 1900 >= 2025);
    clock_t c0 = clock();
    volatile double acc = 0;
    for (int i = 0; i < 200000; i++)
        acc += i * 0.5;
    CHECK(clock() >= c0 && acc > 0);
}

static void test_posix_extras(void)
{
    /* Directories: mkdir, chdir, relative names, readdir, rename, rmdir. */
    CHECK(mkdir("/nl", 0755) == 0);
    errno = 0;
    CHECK(mkdir("/nl", 0755) == -1 && errno == EEXIST);
    CHECK(chdir("/nl") == 0);
    char cwd[64];
    CHECK(getcwd(cwd, sizeof cwd) && strcmp(cwd, "/nl") == 0);
    FILE *f = fopen("data.bin", "w"); /* /nl/data.bin */
    CHECK(f != NULL);
    static char page[8192];
    for (int i = 0; i < (int)sizeof page; i++)
        page[i] = (char)('a' + i % 26);
    CHECK(f && fwrite(page, 1, sizeof page, f) == sizeof page);
    if (f)
        fclose(f);
    CHECK(rename("data.bin", "../nl/moved.bin") == 0);
    DIR *d = opendir(".");
    int seen = 0, entries = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        entries++;
        seen += strcmp(e->d_name, "moved.bin") == 0 && e->d_type == DT_REG;
    }
    CHECK(d && closedir(d) == 0 && entries == 1 && seen == 1);
    errno = 0;
    CHECK(opendir("/hello.txt") == NULL && errno == ENOTDIR);
    errno = 0;
    CHECK(rmdir("/nl") == -1 && errno == ENOTEMPTY);
    /* A file mapped through its descriptor: private reads, shared writes. */
    int fd = open("moved.bin", O_RDWR);
    CHECK(fd >= 0);
    char *p = mmap(NULL, sizeof page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED && p[27] == 'b');
    if (p != MAP_FAILED) {
        memcpy(p + 4096, "MAPPED", 6);
        CHECK(msync(p, sizeof page, MS_SYNC) == 0 && munmap(p, sizeof page) == 0);
    }
    char back[8] = {0};
    CHECK(lseek(fd, 4096, SEEK_SET) == 4096 && read(fd, back, 6) == 6 &&
          strcmp(back, "MAPPED") == 0);
    errno = 0;
    CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 100) == MAP_FAILED && errno == EINVAL);
    errno = 0;
    CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 77, 0) == MAP_FAILED && errno == EBADF);
    /* dup2 points stdout at the file for a moment. */
    int saved = dup(1);
    CHECK(saved >= 3 && dup2(fd, 1) == 1);
    CHECK(lseek(1, 0, SEEK_END) == (off_t)sizeof page && write(1, "tail", 4) == 4);
    CHECK(dup2(saved, 1) == 1 && close(saved) == 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == (off_t)sizeof page + 4);
    CHECK(close(fd) == 0);
    CHECK(unlink("moved.bin") == 0 && chdir("..") == 0 && rmdir("/nl") == 0);
    CHECK(access("/nl", F_OK) == -1 && errno == ENOENT);
    /* nanosleep waits at least as long as asked (the clock, not a bound on speed). */
    struct timeval t0, t1;
    gettimeofday(&t0, NULL);
    struct timespec ts = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};
    CHECK(nanosleep(&ts, NULL) == 0);
    gettimeofday(&t1, NULL);
    long waited_us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_usec - t0.tv_usec);
    CHECK(waited_us >= 20000);
    errno = 0;
    ts.tv_nsec = -1;
    CHECK(nanosleep(&ts, NULL) == -1 && errno == EINVAL);
}

static const struct test tests[] = {
    TEST(NL_STDIO_0001_FORMATS, test_stdio_formats),
    TEST(NL_MALLOC_0001_MANY_BLOCKS_REALLOC_CALLOC, test_malloc),
    TEST(NL_FILE_0001_FOPEN_FPRINTF_FGETS_SEEK_APPEND_ERRNO, test_files),
    TEST(NL_QSORT_0001_QSORT_STRTOL, test_qsort_strtol),
    TEST(NL_MATH_0001_FPU_MATH_TIME, test_math_time),
    TEST(NL_POSIX_0001_DIRS_MMAP_FD_DUP2_SLEEP, test_posix_extras),
};

int main(int argc, char **argv)
{
    CHECK(argc == 1 && argv[0] != NULL && argv[1] == NULL);
    printf("nltest: newlib programs on Mica\n");
    test_run_table(tests, TEST_COUNT(tests));
    test_summary("nltest");
    return test_failures;
}
