/* Freestanding string and memory helpers (the compiler may also emit calls
 * to memcpy/memset/memmove/memcmp on its own). */
#pragma once

#include <kernel/types.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/* Copies at most len-1 bytes and always terminates (len > 0). */
void strlcpy_k(char *dst, const char *src, size_t len);
/* True when the space-separated command line contains the word `opt`. */
bool cmdline_has(const char *cmdline, const char *opt);
