/*
 * Basic kernel scalar types. Physical and virtual addresses are distinct
 * types so a signature says which one it takes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mica/err.h>

typedef uint64_t paddr_t;
typedef uint64_t vaddr_t;

#define KIB(x) ((uint64_t)(x) << 10)
#define MIB(x) ((uint64_t)(x) << 20)
#define GIB(x) ((uint64_t)(x) << 30)

#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a)-1))
#define ALIGN_UP(x, a) ALIGN_DOWN((x) + (uint64_t)(a)-1, (a))
#define IS_ALIGNED(x, a) (((x) & ((uint64_t)(a)-1)) == 0)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define WARN_UNUSED __attribute__((warn_unused_result))
#define NORETURN __attribute__((noreturn))

/* The structure of type `type` whose member `member` is at `ptr`. */
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr)-offsetof(type, member)))
