/*
 * The check macros of the test programs (blktest, mmtest, fstest,
 * fsverify): a failed check prints itself and fails the current test;
 * end() prints "TEST <id> PASS|FAIL", the line the QEMU cases expect.
 */
#ifndef MICA_TESTS_CHECK_H
#define MICA_TESTS_CHECK_H

#include <stdint.h>

#include <sys/mica.h>

static int failures, passed, test_failed;

#define CHECK_EQ(a, b)                                                           \
    do {                                                                         \
        int64_t a_ = (int64_t)(a), b_ = (int64_t)(b);                            \
        if (a_ != b_) {                                                          \
            test_failed++;                                                       \
            sys_printf("  check failed: %s == %s (%ld != %ld) line %d\n", #a, #b, a_, \
                       b_, __LINE__);                                            \
        }                                                                        \
    } while (0)
#define CHECK(c) CHECK_EQ(!!(c), 1)

static inline void end(const char *id)
{
    sys_printf("TEST %s %s\n", id, test_failed ? "FAIL" : "PASS");
    if (test_failed)
        failures++;
    else
        passed++;
    test_failed = 0;
}

#endif
