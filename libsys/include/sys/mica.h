/*
 * libsys: Mica system calls for C programs (first part: the debug console
 * and exit). Numbers and semantics: include/mica/syscall.h,
 * docs/kernel-api.md.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mica/err.h>

/* Writes len bytes to the kernel debug console. Returns len or an err_t. */
int64_t sys_debug_write(const void *buf, uint64_t len);

/* Ends the calling thread; for the root task, powers the system off with
 * status & 0xff as QEMU's exit status. */
__attribute__((noreturn)) void sys_exit(int64_t status);

/* Raw syscall for tests that need to pass arbitrary arguments. */
int64_t sys_raw(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                uint64_t a3, uint64_t a4, uint64_t a5);

/* Console helpers over sys_debug_write. */
void sys_puts(const char *s);
int sys_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Programs define this; crt0 calls it with the start argument (for the
 * root task: the struct bootinfo address) and exits with its result. */
int main(uintptr_t arg);

/* Freestanding helpers. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
