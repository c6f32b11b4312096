/*
 * The one test framework of the programs that run on Mica (tests/target):
 * check macros, a table of tests and its runner. A program lists its tests
 * once,
 *
 *     static const struct test tests[] = {
 *         TEST(MM_LAZY_0001_RESERVE_1G_TOUCH_3, test_lazy),
 *         ...
 *     };
 *     ...
 *     return TEST_RUN("mmtest", tests);
 *
 * and the runner calls each function in order and prints
 * "TEST <id> PASS|FAIL" after it (a failed check prints itself and fails
 * the running test), then "<prog>: P passed, F failed". The QEMU harness
 * (tests/qemu/harness.py) fails a case on any FAIL line and when fewer
 * tests passed than the case's min_tests: so a test that silently
 * disappears fails its case (tests/README.md).
 *
 * One file of each program defines TEST_MAIN before including this header:
 * that file holds the counters and the runner (the other files of a
 * program of several, like ktest, only check). newlib programs define
 * CHECK_PRINTF as printf first (stdout's buffer keeps the lines in order).
 */
#ifndef MICA_TESTS_CHECK_H
#define MICA_TESTS_CHECK_H

#include <stddef.h>
#include <stdint.h>

#ifndef CHECK_PRINTF
#include <sys/mica.h>
#define CHECK_PRINTF sys_printf
#endif

/* Checks that failed in the running test; tests passed and failed so far;
 * whether the running test called test_skip(). */
extern int test_failed, test_passed, test_failures;
extern int test_skipped;

#define CHECK_EQ(a, b)                                                           \
    do {                                                                         \
        int64_t a_ = (int64_t)(a), b_ = (int64_t)(b);                            \
        if (a_ != b_) {                                                          \
            test_failed++;                                                       \
            CHECK_PRINTF("  check failed: %s == %s (%ld != %ld) %s:%d\n", #a, #b,   \
                         (long)a_, (long)b_, __FILE__, __LINE__);                \
        }                                                                        \
    } while (0)
#define CHECK(c) CHECK_EQ(!!(c), 1)

/* One test: its id (the name the cases and docs use) and its function. */
struct test {
    const char *id;
    void (*fn)(void);
};
#define TEST(id, fn) {#id, fn}
#define TEST_COUNT(table) (sizeof(table) / sizeof((table)[0]))

/* Ends the running test `id`: prints its line and counts it. The runner
 * calls it; a program that is one test per run (constest, crashtest: the
 * QEMU case starts them) calls it itself. */
void test_end(const char *id);

/* The running test does not apply here (fstest's /mnt test without a user
 * disk): the runner prints "TEST <id> SKIP" and counts it neither way, so
 * it does not count towards a case's min_tests. Call it before returning. */
static inline void test_skip(void)
{
    test_skipped = 1;
}

/* Runs tests[0..n) in order. */
void test_run_table(const struct test *tests, size_t n);

/* Prints "<prog>: P passed, F failed" (a failed check outside any test
 * counts as one more failure); returns F. */
int test_summary(const char *prog);

/* Runs the table and prints the summary; the number failed. */
#define TEST_RUN(prog, table) (test_run_table(table, TEST_COUNT(table)), test_summary(prog))

#ifdef TEST_MAIN
int test_failed, test_passed, test_failures;
int test_skipped;

void test_end(const char *id)
{
    CHECK_PRINTF("TEST %s %s\n", id, test_failed ? "FAIL" : "PASS");
    if (test_failed)
        test_failures++;
    else
        test_passed++;
    test_failed = 0;
}

void test_run_table(const struct test *tests, size_t n)
{
    /* test_failed is not reset first: a check a program makes before its
     * tests (nltest's argv) fails the first test rather than vanishing. */
    for (size_t i = 0; i < n; i++) {
        tests[i].fn();
        if (test_skipped && !test_failed)
            CHECK_PRINTF("TEST %s SKIP\n", tests[i].id);
        else
            test_end(tests[i].id);
        test_skipped = 0;
    }
}

int test_summary(const char *prog)
{
    if (test_failed) { /* checks after the last test */
        CHECK_PRINTF("%s: %d checks failed outside any test\n", prog, test_failed);
        test_failures++;
        test_failed = 0;
    }
    CHECK_PRINTF("%s: %d passed, %d failed\n", prog, test_passed, test_failures);
    return test_failures;
}
#endif

#endif
