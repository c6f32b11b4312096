/*
 * The check macros of the test programs (blktest, mmtest, fstest,
 * fsverify; nltest and proctest with newlib): a failed check prints itself
 * and fails the current test; end() prints "TEST <id> PASS|FAIL", the line
 * the QEMU cases expect. newlib programs define CHECK_PRINTF as printf
 * before including this.
 */
#ifndef MICA_TESTS_CHECK_H
#define MICA_TESTS_CHECK_H

#include <stdint.h>

#ifndef CHECK_PRINTF
#include <sys/mica.h>
#define CHECK_PRINTF sys_printf
#endif

static int failures, passed, test_failed;

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

static inline void end(const char *id)
{
    CHECK_PRINTF("TEST %s %s\n", id, test_failed ? "FAIL" : "PASS");
    if (test_failed)
        failures++;
    else
        passed++;
    test_failed = 0;
}

#endif
