/*
 * Minimal assertion helpers for host unit tests. A failed CHECK prints the
 * file, line and expression and counts the failure; check_finish() prints
 * "N passed, N failed" and returns the process exit status.
 */
#pragma once

#include <stdio.h>
#include <inttypes.h>
#include <stdint.h>

static int check_failed_count;
static int check_passed_count;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (cond) {                                                          \
            check_passed_count++;                                            \
        } else {                                                             \
            check_failed_count++;                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
        }                                                                    \
    } while (0)

#define CHECK_EQ_U64(a, b)                                                   \
    do {                                                                     \
        uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);         \
        if (check_a_ == check_b_) {                                          \
            check_passed_count++;                                            \
        } else {                                                             \
            check_failed_count++;                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (0x%" PRIx64      \
                            " != 0x%" PRIx64 ")\n",                          \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);         \
        }                                                                    \
    } while (0)

/* Deterministic pseudo-random numbers (xorshift64*), the same on every
 * host, so a randomized test that fails reproduces. */
static uint64_t check_rand_state = 0x9e3779b97f4a7c15ull;

static inline uint64_t check_rand(void)
{
    check_rand_state ^= check_rand_state >> 12;
    check_rand_state ^= check_rand_state << 25;
    check_rand_state ^= check_rand_state >> 27;
    return check_rand_state * 0x2545f4914f6cdd1dull;
}

static inline int check_finish(const char *suite)
{
    printf("%s: %d passed, %d failed\n", suite, check_passed_count,
           check_failed_count);
    return check_failed_count == 0 && check_passed_count > 0 ? 0 : 1;
}
