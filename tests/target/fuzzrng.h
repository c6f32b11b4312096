/*
 * The message fuzzers' random numbers (msgfuzz, blkfuzz): xorshift64* from
 * a fixed seed, so a run is the same sequence every time and a failing
 * message can be found again from the seed and its index. Word shapes lean
 * on the values that break range checks: 0, small, all ones, powers of two
 * and their neighbours, kernel addresses, unaligned ones.
 */
#ifndef MICA_TESTS_FUZZRNG_H
#define MICA_TESTS_FUZZRNG_H

#include <stdbool.h>
#include <stdint.h>

static uint64_t fuzz_state;

static inline void fuzz_seed(uint64_t seed)
{
    fuzz_state = seed ? seed : 1;
}

static inline uint64_t rnd(void)
{
    fuzz_state ^= fuzz_state >> 12;
    fuzz_state ^= fuzz_state << 25;
    fuzz_state ^= fuzz_state >> 27;
    return fuzz_state * 2685821657736338717ull;
}

/* Uniform enough in [0, n); 0 when n is 0. */
static inline uint64_t below(uint64_t n)
{
    return n ? rnd() % n : 0;
}

static inline bool chance(unsigned percent)
{
    return below(100) < percent;
}

/* A register word of a shape that tends to find range-check mistakes. */
static inline uint64_t any_word(void)
{
    switch (below(11)) {
    case 0: return 0;
    case 1: return below(16);
    case 2: return rnd();
    case 3: return UINT64_MAX - below(4);
    case 4: return 1ull << below(64);
    case 5: return (1ull << below(64)) - 1;
    case 6: return 0xffffffc000000000ull + (below(1u << 30) & ~7ull); /* the kernel */
    case 7: return below(1ull << 39) & ~0xfffull;                     /* a user page */
    case 8: return below(1ull << 39) | 1;                            /* unaligned */
    case 9: return (uint64_t)INT64_MAX - below(2);
    default: return below(1u << 20);
    }
}

#endif
